//! Vendor feeds: the body of an RSS 2.0, Atom, JSON Feed or Atlassian Statuspage document parsed into
//! [`FeedItem`]s, and the rules that decide which items are security notices ([`is_relevant`]) and which
//! CVEs they mention ([`cve_ids`]). Pure: fetching and storing are the caller's.

mod statuspage;

use chrono::{DateTime, Utc};
use patchwarden_config::FeedKind;
use regex::Regex;
use std::sync::LazyLock;

/// One entry of a feed, reduced to what a notice needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    /// Stable across polls: the entry's id (or guid), else its link, else its title.
    pub id: String,
    pub title: String,
    pub link: Option<String>,
    pub published: Option<DateTime<Utc>>,
    /// Summary and content as plain text, for keywords and CVE ids.
    pub text: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FeedError {
    #[error("not a valid {kind} feed: {message}")]
    Malformed { kind: &'static str, message: String },
    #[error("configured as {expected} but the document is {found}")]
    WrongKind {
        expected: &'static str,
        found: &'static str,
    },
}

/// Parses a feed body of the configured kind.
pub fn parse(kind: FeedKind, body: &[u8]) -> Result<Vec<FeedItem>, FeedError> {
    if kind == FeedKind::Statuspage {
        return statuspage::parse(body);
    }
    let feed = feed_rs::parser::parse(body).map_err(|e| FeedError::Malformed {
        kind: kind.as_str(),
        message: e.to_string(),
    })?;
    let found = match feed.feed_type {
        feed_rs::model::FeedType::Atom => FeedKind::Atom,
        feed_rs::model::FeedType::JSON => FeedKind::Jsonfeed,
        // RSS 0.9x, 1.0 (RDF) and 2.0 are all "rss" to the user.
        _ => FeedKind::Rss,
    };
    if found != kind {
        return Err(FeedError::WrongKind {
            expected: kind.as_str(),
            found: found.as_str(),
        });
    }
    Ok(feed.entries.into_iter().map(item_from_entry).collect())
}

fn item_from_entry(entry: feed_rs::model::Entry) -> FeedItem {
    let title = entry
        .title
        .map(|t| plain_text(&t.content))
        .unwrap_or_default();
    let link = entry.links.first().map(|l| l.href.clone());
    let mut text = entry
        .summary
        .map(|s| plain_text(&s.content))
        .unwrap_or_default();
    if let Some(body) = entry.content.and_then(|c| c.body) {
        text.push('\n');
        text.push_str(&plain_text(&body));
    }
    // feed-rs invents a hash id for entries without one; a link or title is steadier across edits.
    let id = if entry.id.is_empty() {
        link.clone().unwrap_or_else(|| title.clone())
    } else {
        entry.id
    };
    FeedItem {
        id,
        title,
        link,
        published: entry.published.or(entry.updated),
        text,
    }
}

/// Markup stripped, entities of the common kind decoded, whitespace collapsed.
pub fn plain_text(html: &str) -> String {
    static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").expect("valid regex"));
    let stripped = TAG.replace_all(html, " ");
    let decoded = stripped
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether the item's title or text holds one of `keywords` as a whole word, ignoring case.
/// A keyword matches its plural and "CVE" matches "CVE-2026-1234".
pub fn is_relevant(item: &FeedItem, keywords: &[String]) -> bool {
    let haystack = format!("{}\n{}", item.title, item.text).to_lowercase();
    let words: Vec<&str> = haystack
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    keywords.iter().any(|k| {
        let k = k.to_lowercase();
        if k.contains(char::is_whitespace) {
            return haystack.contains(&k);
        }
        words.iter().any(|w| {
            *w == k || [w.strip_suffix('s'), w.strip_suffix("es")].contains(&Some(k.as_str()))
        })
    })
}

/// The CVE ids in `text`, upper-cased, each once, in order of first mention.
pub fn cve_ids(text: &str) -> Vec<String> {
    static CVE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)\bCVE-\d{4}-\d{4,7}\b").expect("valid regex"));
    let mut out: Vec<String> = Vec::new();
    for m in CVE.find_iter(text) {
        let id = m.as_str().to_uppercase();
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(title: &str, text: &str) -> FeedItem {
        FeedItem {
            id: "1".into(),
            title: title.into(),
            link: None,
            published: None,
            text: text.into(),
        }
    }

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn keywords_match_whole_words_in_any_case() {
        let keys = words(&["security", "CVE", "patch"]);
        assert!(is_relevant(&item("Security release 5.1.2", ""), &keys));
        assert!(is_relevant(&item("Release", "fixes cve-2026-1111"), &keys));
        assert!(is_relevant(&item("New patches available", ""), &keys));
        assert!(!is_relevant(&item("Dispatcher improvements", ""), &keys));
        assert!(!is_relevant(
            &item("Scheduled maintenance", "database upgrade"),
            &keys
        ));
        assert!(is_relevant(
            &item("Heads up", "a data breach notice"),
            &words(&["breach notice"])
        ));
    }

    #[test]
    fn cve_ids_are_found_once_and_upper_cased() {
        assert_eq!(
            cve_ids("Fixes CVE-2026-12345 and cve-2025-0001; see CVE-2026-12345. Not CVE-26-1."),
            ["CVE-2026-12345", "CVE-2025-0001"]
        );
    }

    #[test]
    fn markup_is_stripped() {
        assert_eq!(
            plain_text("<p>Fix for <b>CVE-2026-1</b> &amp; more</p>"),
            "Fix for CVE-2026-1 & more"
        );
    }
}
