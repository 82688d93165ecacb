//! The triage queue on SQLite always and on PostgreSQL when `PATCHWARDEN_TEST_POSTGRES_URL` is set.

use patchwarden_core::workflow::{NewRecord, RecordSource};
use patchwarden_core::{PatchRecord, Policy, Severity};
use patchwarden_store::{FeedRead, NewNotice, NoticeState, StoreError};

mod common;
use common::{at, on_every_backend};

fn notice(item: &str, title: &str) -> NewNotice {
    NewNotice {
        source: "feed".into(),
        feed: Some("vendor".into()),
        item_id: Some(item.into()),
        vendor: Some("Vendor".into()),
        asset: None,
        title: title.into(),
        link: Some(format!("https://vendor.example.com/{item}")),
        published_at: Some(at(1)),
        cves: vec!["CVE-2026-1".into()],
        severity: Some(Severity::High),
    }
}

#[tokio::test]
async fn items_are_read_once_and_decisions_are_audited() {
    on_every_backend(|store| async move {
        let first = FeedRead {
            etag: Some("\"v1\"".into()),
            last_modified: None,
            items: vec![
                ("a".into(), Some(notice("a", "Security fix"))),
                ("b".into(), None),
            ],
        };
        let added = store
            .feed_read("vendor", "http://x", at(2), &first, "system")
            .await
            .expect("read");
        assert_eq!(added.len(), 1);
        // The same items again (a feed that did not honour the ETag) add nothing.
        let again = store
            .feed_read("vendor", "http://x", at(3), &first, "system")
            .await
            .expect("read again");
        assert!(again.is_empty());
        assert_eq!(
            store
                .seen_feed_items("vendor", &["a".into(), "c".into()])
                .await
                .expect("seen"),
            ["a"]
        );
        // A failure keeps the validators of the last good read, so the next poll is still conditional.
        store
            .feed_failed("vendor", "http://x", at(4), "GET http://x: 500")
            .await
            .expect("failure");
        let state = store
            .feed_state("vendor")
            .await
            .expect("state")
            .expect("known");
        assert_eq!(state.etag.as_deref(), Some("\"v1\""));
        assert_eq!(state.failures, 1);
        assert_eq!(state.succeeded_at, Some(at(3)));

        let queue = store.notices(true).await.expect("queue");
        assert_eq!(queue.len(), 1);
        let id = queue[0].id;
        assert_eq!(queue[0].notice.cves, ["CVE-2026-1"]);
        assert_eq!(queue[0].notice.severity, Some(Severity::High));

        let record = PatchRecord::open(
            0,
            NewRecord {
                title: "Security fix".into(),
                asset: "api".into(),
                vulnerability: Some("CVE-2026-1".into()),
                aliases: Vec::new(),
                source: RecordSource::VendorAdvisory,
                links: Vec::new(),
                severity: Some(Severity::High),
                cvss_vector: None,
                cvss_score: None,
                detected_at: at(5),
            },
            &Policy::default(),
        );
        let (n, r) = store
            .open_record_for_notice(id, record.clone(), at(5), "cto", serde_json::json!({}))
            .await
            .expect("open record");
        assert_eq!(n.state, NoticeState::Opened);
        assert_eq!(n.record_id, Some(r.id));
        // A second decision on the same notice is refused and opens nothing.
        let twice = store
            .open_record_for_notice(id, record, at(6), "cto", serde_json::json!({}))
            .await;
        assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
        assert!(matches!(
            store.dismiss_notice(id, at(6), "cto", "dup").await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            store
                .records(&Default::default())
                .await
                .expect("records")
                .len(),
            1
        );
        let ticket = store
            .create_notice(
                &NewNotice {
                    source: "ticket".into(),
                    feed: None,
                    item_id: None,
                    cves: Vec::new(),
                    severity: None,
                    ..notice("t", "Customer reports session fixation")
                },
                at(7),
                "cto",
            )
            .await
            .expect("ticket");
        let dismissed = store
            .dismiss_notice(ticket.id, at(8), "cto", "not reproducible")
            .await
            .expect("dismiss");
        assert_eq!(dismissed.reason.as_deref(), Some("not reproducible"));
        assert!(store.notices(true).await.expect("queue").is_empty());
        let actions: Vec<String> = store
            .audit_events(0, 100)
            .await
            .expect("events")
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            [
                "notice.received",
                "record.opened",
                "notice.triaged",
                "notice.received",
                "notice.dismissed"
            ]
        );
        assert!(
            store
                .verify_audit(None)
                .await
                .expect("verify")
                .result
                .is_ok()
        );
        let unknown = store
            .cve_knowledge(&["CVE-2026-9".into()])
            .await
            .expect("knowledge");
        assert!(unknown[0].scores.is_empty() && !unknown[0].known_exploited);
    })
    .await;
}
