//! Each feed kind parsed from a hand-written sample that follows its format.

use patchwarden_config::FeedKind;
use patchwarden_feeds::{FeedError, cve_ids, is_relevant, parse};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

fn keywords() -> Vec<String> {
    patchwarden_config::DEFAULT_FEED_KEYWORDS
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn rss_items_keep_guid_link_date_and_text() {
    let items = parse(FeedKind::Rss, &fixture("rss2.xml")).expect("rss");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].id, "weblog-2026-11-20-security");
    assert_eq!(
        items[0].link.as_deref(),
        Some("https://framework.example.com/weblog/2026/nov/20/security-releases/")
    );
    assert_eq!(
        items[0].published.map(|d| d.to_rfc3339()),
        Some("2026-11-20T14:00:00+00:00".into())
    );
    assert_eq!(
        cve_ids(&items[0].text),
        ["CVE-2026-41001", "CVE-2026-41002"]
    );
    assert!(is_relevant(&items[0], &keywords()));
    assert!(!is_relevant(&items[1], &keywords()));
}

#[test]
fn atom_entries_fall_back_to_updated() {
    let items = parse(FeedKind::Atom, &fixture("atom.xml")).expect("atom");
    assert_eq!(items[0].id, "tag:cloud.example.com,2026:bulletin-031");
    assert_eq!(cve_ids(&items[0].text), ["CVE-2026-52001"]);
    assert!(is_relevant(&items[0], &keywords()));
    assert_eq!(
        items[1].published.map(|d| d.to_rfc3339()),
        Some("2026-11-19T08:00:00+00:00".into())
    );
    assert!(!is_relevant(&items[1], &keywords()));
}

#[test]
fn json_feed_items_use_content_html() {
    let items = parse(FeedKind::Jsonfeed, &fixture("feed.json")).expect("json feed");
    assert_eq!(items[0].id, "changelog-2026-11-22-tls");
    assert_eq!(items[0].title, "Advisory: webhook signature bypass fixed");
    assert_eq!(cve_ids(&items[0].text), ["CVE-2026-60010"]);
    assert!(is_relevant(&items[0], &keywords()));
    assert!(!is_relevant(&items[1], &keywords()));
}

#[test]
fn statuspage_incidents_become_items() {
    let items = parse(FeedKind::Statuspage, &fixture("statuspage.json")).expect("statuspage");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].id, "inc01sec");
    assert_eq!(
        items[0].link.as_deref(),
        Some("https://stspg.example.com/inc01sec")
    );
    assert!(items[0].text.contains("Affected keys were rotated"));
    assert!(is_relevant(&items[0], &keywords()));
    assert!(!is_relevant(&items[1], &keywords()));
}

#[test]
fn a_document_of_another_kind_or_broken_is_refused() {
    assert_eq!(
        parse(FeedKind::Rss, &fixture("atom.xml")),
        Err(FeedError::WrongKind {
            expected: "rss",
            found: "atom"
        })
    );
    assert!(matches!(
        parse(FeedKind::Rss, b"<rss><channel><item>"),
        Err(FeedError::Malformed { .. })
    ));
    assert!(matches!(
        parse(FeedKind::Statuspage, &fixture("feed.json")),
        Err(FeedError::Malformed { .. })
    ));
    assert!(matches!(
        parse(
            FeedKind::Statuspage,
            b"{\"page\": {}, \"incidents\": [{\"name\": 1}]}"
        ),
        Err(FeedError::Malformed { .. })
    ));
}
