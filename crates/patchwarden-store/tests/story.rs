//! One story of the store, run on SQLite always and on PostgreSQL when `PATCHWARDEN_TEST_POSTGRES_URL` is
//! set (each run in a schema of its own, dropped afterwards).

use std::future::Future;

use chrono::{DateTime, TimeZone, Utc};
use patchwarden_core::{Asset, ChainBreak, ChainHead, EventDraft, Person, Role};
use patchwarden_store::Store;
use sqlx::Connection;

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, minute, 0)
        .single()
        .expect("valid time")
}

/// Runs `story` against a fresh store of every backend available.
async fn on_every_backend<F, Fut>(story: F)
where
    F: Fn(Store, Tamper) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("patchwarden.db");
    let store = Store::open_sqlite(&path).await.expect("open sqlite");
    story(
        store.clone(),
        Tamper::Sqlite(format!("sqlite://{}", path.display())),
    )
    .await;
    store.close().await;

    let Ok(url) = std::env::var("PATCHWARDEN_TEST_POSTGRES_URL") else {
        eprintln!(
            "PATCHWARDEN_TEST_POSTGRES_URL is not set: the PostgreSQL half of this story did not run"
        );
        return;
    };
    let schema = format!("pw_test_{:016x}", rand::random::<u64>());
    let mut admin = sqlx::PgConnection::connect(&url)
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .expect("create schema");
    let store = Store::open_postgres(&url, Some(&schema))
        .await
        .expect("open postgres");
    story(store.clone(), Tamper::Postgres(url.clone(), schema.clone())).await;
    store.close().await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut admin)
        .await
        .expect("drop schema");
}

/// Raw access to the database behind the store's back, as an attacker with database access would have.
enum Tamper {
    Sqlite(String),
    Postgres(String, String),
}

impl Tamper {
    async fn run(&self, statements: &[&str]) {
        match self {
            Tamper::Sqlite(url) => {
                let mut c = sqlx::SqliteConnection::connect(url).await.expect("connect");
                for s in statements {
                    sqlx::query(s).execute(&mut c).await.expect(s);
                }
            }
            Tamper::Postgres(url, schema) => {
                let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
                sqlx::query(&format!("SET search_path TO {schema}"))
                    .execute(&mut c)
                    .await
                    .expect("search_path");
                for s in statements {
                    let s = s
                        .replace(
                            "DROP TRIGGER audit_events_no_update",
                            "DROP TRIGGER audit_events_no_change ON audit_events",
                        )
                        .replace("DROP TRIGGER audit_events_no_delete", "SELECT 1");
                    sqlx::query(&s).execute(&mut c).await.expect(&s);
                }
            }
        }
    }

    async fn refused(&self, statement: &str) -> bool {
        match self {
            Tamper::Sqlite(url) => {
                let mut c = sqlx::SqliteConnection::connect(url).await.expect("connect");
                sqlx::query(statement).execute(&mut c).await.is_err()
            }
            Tamper::Postgres(url, schema) => {
                let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
                sqlx::query(&format!("SET search_path TO {schema}"))
                    .execute(&mut c)
                    .await
                    .expect("search_path");
                sqlx::query(statement).execute(&mut c).await.is_err()
            }
        }
    }
}

fn cto() -> Person {
    Person {
        name: "cto".into(),
        email: Some("cto@example.com".into()),
        roles: vec![Role::IncidentCommander, Role::EngineeringLead],
    }
}

fn asset(name: &str, layer: &str) -> Asset {
    Asset {
        name: name.into(),
        layer: layer.into(),
        owner: Some("CTO".into()),
        environment: Some("production".into()),
        data_classification: None,
        scan: vec!["poetry.lock".into()],
        components: vec![],
        test: Some(patchwarden_core::AssetTest {
            command: "pytest --junitxml=junit.xml".into(),
            junit: vec!["junit.xml".into()],
        }),
        forge: Some(patchwarden_core::Forge {
            kind: patchwarden_core::ForgeKind::Github,
            api_url: "https://forge.example.invalid".into(),
            repository: "team/app".into(),
            token_env: "GITHUB_TOKEN".into(),
            base: "main".into(),
        }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_sync_is_audited_and_idempotent() {
    on_every_backend(|store, _| async move {
        let auditor = Person {
            name: "auditor".into(),
            email: None,
            roles: vec![Role::Viewer],
        };
        let s = store
            .sync_people(&[cto(), auditor.clone()], "system", at(0))
            .await
            .expect("sync");
        assert_eq!(s.added, ["cto", "auditor"]);
        let again = store
            .sync_people(&[cto(), auditor.clone()], "system", at(1))
            .await
            .expect("sync");
        assert!(
            again.is_empty(),
            "a second sync of the same people changes nothing"
        );

        let mut promoted = cto();
        promoted.roles.push(Role::ReleaseOwner);
        let s = store
            .sync_people(&[promoted.clone()], "system", at(2))
            .await
            .expect("sync");
        assert_eq!(
            (s.changed, s.removed),
            (vec!["cto".to_owned()], vec!["auditor".to_owned()])
        );

        let people = store.people().await.expect("people");
        assert_eq!(people.len(), 2, "removed people are kept, inactive");
        let stored_auditor = people
            .iter()
            .find(|p| p.person.name == "auditor")
            .expect("auditor");
        assert!(!stored_auditor.active);
        let stored_cto = people.iter().find(|p| p.person.name == "cto").expect("cto");
        assert_eq!(stored_cto.person, promoted);

        let events = store.audit_events(0, 100).await.expect("events");
        let actions: Vec<_> = events
            .iter()
            .map(|e| (e.action.as_str(), e.subject.as_str()))
            .collect();
        assert_eq!(
            actions,
            [
                ("person.added", "person:cto"),
                ("person.added", "person:auditor"),
                ("person.changed", "person:cto"),
                ("person.removed", "person:auditor"),
            ]
        );
        assert_eq!(events[0].at, at(0), "times survive the round trip exactly");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_sync_round_trips_every_field() {
    on_every_backend(|store, _| async move {
        let mut db = asset("rds-main", "database");
        db.components = vec!["postgresql@15.4".into()];
        db.data_classification = Some("patient data".into());
        store
            .sync_assets(
                &[asset("api", "app-dependencies"), db.clone()],
                "system",
                at(0),
            )
            .await
            .expect("sync");
        let stored = store.assets().await.expect("assets");
        assert_eq!(stored.len(), 2);
        assert_eq!(stored[1].asset, db);
        assert!(stored.iter().all(|a| a.active));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_proves_nothing_was_altered_or_removed() {
    on_every_backend(|store, tamper| async move {
        let empty = store.verify_audit(None).await.expect("verify");
        assert_eq!((empty.events, empty.result), (0, Ok(None)));

        for i in 0..5 {
            store
                .append_event(EventDraft::new(
                    at(i),
                    "cto",
                    "record.assessed",
                    format!("record:{i}"),
                    "{}",
                ))
                .await
                .expect("append");
        }
        let ok = store.verify_audit(None).await.expect("verify");
        assert_eq!(ok.events, 5);
        let head = ok.result.expect("intact").expect("non-empty");
        assert_eq!(head, store.audit_head().await.expect("head"));

        // The database itself refuses edits of the log ...
        assert!(
            tamper
                .refused("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2")
                .await
        );
        assert!(
            tamper
                .refused("DELETE FROM audit_events WHERE seq = 5")
                .await
        );

        // ... and someone who removes that guard is caught by the chain.
        tamper
            .run(&[
                "DROP TRIGGER audit_events_no_update",
                "DROP TRIGGER audit_events_no_delete",
                "UPDATE audit_events SET actor = 'mallory' WHERE seq = 2",
            ])
            .await;
        let v = store.verify_audit(None).await.expect("verify");
        assert_eq!(v.result, Err(ChainBreak::Altered { seq: 2 }));
        assert_eq!(v.events, 2, "verification stops at the first break");

        tamper
            .run(&["UPDATE audit_events SET actor = 'cto' WHERE seq = 2"])
            .await;
        assert!(
            store
                .verify_audit(None)
                .await
                .expect("verify")
                .result
                .is_ok()
        );

        tamper
            .run(&["DELETE FROM audit_events WHERE seq = 3"])
            .await;
        assert_eq!(
            store.verify_audit(None).await.expect("verify").result,
            Err(ChainBreak::Gap {
                expected: 3,
                found: 4
            })
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_the_newest_events_is_caught_by_the_head() {
    on_every_backend(|store, tamper| async move {
        for i in 0..4 {
            store
                .append_event(EventDraft::new(
                    at(i),
                    "cto",
                    "record.deployed",
                    "record:1",
                    "{}",
                ))
                .await
                .expect("append");
        }
        let anchor = store.audit_head().await.expect("head");
        tamper
            .run(&[
                "DROP TRIGGER audit_events_no_update",
                "DROP TRIGGER audit_events_no_delete",
                "DELETE FROM audit_events WHERE seq = 4",
            ])
            .await;
        assert_eq!(
            store.verify_audit(None).await.expect("verify").result,
            Err(ChainBreak::Truncated {
                expected_last: 4,
                found_last: 3
            })
        );
        // Forging the head row too is caught by a head kept outside the tool.
        let third = store.audit_events(2, 1).await.expect("events").remove(0);
        tamper
            .run(&[&format!(
                "UPDATE audit_head SET seq = 3, hash = '{}' WHERE id = 1",
                third.hash
            )])
            .await;
        assert!(
            store
                .verify_audit(None)
                .await
                .expect("verify")
                .result
                .is_ok()
        );
        assert_eq!(
            store
                .verify_audit(Some(&anchor))
                .await
                .expect("verify")
                .result,
            Err(ChainBreak::Truncated {
                expected_last: 4,
                found_last: 3
            })
        );
        let forged = ChainHead {
            seq: 2,
            hash: "f".repeat(64),
        };
        assert_eq!(
            store
                .verify_audit(Some(&forged))
                .await
                .expect("verify")
                .result,
            Err(ChainBreak::HeadMismatch { seq: 2 })
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_keep_one_unbroken_chain() {
    on_every_backend(|store, _| async move {
        let mut tasks = Vec::new();
        for i in 0..40u32 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .append_event(EventDraft::new(
                        at(i % 60),
                        "cto",
                        "record.noted",
                        format!("record:{i}"),
                        "{}",
                    ))
                    .await
            }));
        }
        for t in tasks {
            t.await.expect("join").expect("append");
        }
        let v = store.verify_audit(None).await.expect("verify");
        assert_eq!(v.events, 40);
        assert!(v.result.is_ok(), "{:?}", v.result);
    })
    .await;
}

fn observation(
    vulnerability: &str,
    package: &str,
    severity: Option<patchwarden_core::Severity>,
) -> patchwarden_store::Observation {
    patchwarden_store::Observation {
        vulnerability: vulnerability.into(),
        ecosystem: "PyPI".into(),
        package: package.into(),
        version: "1.0".into(),
        advisory_ids: vec![format!("PYSEC-{vulnerability}")],
        aliases: vec![vulnerability.into()],
        severity,
        cvss_score: None,
        kev: false,
        fixed_versions: vec!["1.1".into()],
        source: "poetry.lock:12".into(),
        summary: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finding_keeps_its_first_detection_across_scans() {
    use patchwarden_core::Severity;
    use patchwarden_store::NewScan;
    on_every_backend(|store, _| async move {
        let targets = patchwarden_core::policy::RemediationTargets::default();
        let scan = |minute| NewScan {
            asset: "api".into(),
            started_at: at(minute),
            targets: vec!["poetry.lock".into()],
            packages: 80,
            unevaluated: 0,
        };
        let first = store
            .record_scan(
                &scan(0),
                &[
                    observation("CVE-1", "django", Some(Severity::High)),
                    observation("CVE-2", "jinja2", None),
                ],
                &targets,
                "system",
            )
            .await
            .expect("scan 1");
        assert_eq!(first.new, 2);
        assert_eq!(
            first.findings[0].due_at,
            Some(at(0) + chrono::TimeDelta::days(7))
        );
        assert_eq!(
            first.findings[1].due_at, None,
            "unknown severity has no due date"
        );

        // Seen again, now critical: the clock runs from the first detection.
        let second = store
            .record_scan(
                &scan(30),
                &[observation("CVE-1", "django", Some(Severity::Critical))],
                &targets,
                "system",
            )
            .await
            .expect("scan 2");
        assert_eq!(second.new, 0);
        assert_eq!(second.findings[0].detected_at, at(0));
        assert_eq!(
            second.findings[0].due_at,
            Some(at(0) + chrono::TimeDelta::hours(48))
        );
        assert_eq!(second.gone.len(), 1);
        assert_eq!(second.gone[0].observation.package, "jinja2");
        assert_eq!(second.gone[0].not_detected_since, Some(second.scan_id));

        let open = store.findings(Some("api"), true).await.expect("findings");
        assert_eq!(open.len(), 1);
        let all = store.findings(None, false).await.expect("findings");
        assert_eq!(all.len(), 2);
        // Paged in the database: the same findings, filtered the same way, counted whatever the page.
        let page = |query: patchwarden_store::FindingQuery, offset, limit| {
            let store = store.clone();
            async move {
                store
                    .findings_page(&query, offset, limit)
                    .await
                    .expect("findings page")
            }
        };
        let every = patchwarden_store::FindingQuery::default();
        let (total, first_page) = page(every.clone(), 0, 1).await;
        let (_, second_page) = page(every.clone(), 1, 1).await;
        assert_eq!(total, 2);
        assert_eq!(
            [first_page, second_page].concat(),
            all,
            "pages of one hold the whole list, in order"
        );
        let open_only = patchwarden_store::FindingQuery {
            asset: Some("api".into()),
            open_only: true,
            ..Default::default()
        };
        let (total, open_page) = page(open_only, 0, 50).await;
        assert_eq!((total, open_page), (1, open.clone()));
        let critical = patchwarden_store::FindingQuery {
            severity: Some(Severity::Critical),
            ..Default::default()
        };
        let (total, critical_page) = page(critical, 0, 50).await;
        assert_eq!(total, 1);
        assert_eq!(critical_page[0].observation.package, "django");
        let (total, none) = page(
            patchwarden_store::FindingQuery {
                asset: Some("nowhere".into()),
                ..Default::default()
            },
            0,
            50,
        )
        .await;
        assert_eq!((total, none.len()), (0, 0));

        // It comes back: open again, first detection kept.
        let third = store
            .record_scan(
                &scan(45),
                &[
                    observation("CVE-1", "django", Some(Severity::Critical)),
                    observation("CVE-2", "jinja2", None),
                ],
                &targets,
                "system",
            )
            .await
            .expect("scan 3");
        assert_eq!(third.new, 0);
        assert_eq!(third.findings[1].detected_at, at(0));
        assert_eq!(
            store
                .findings(Some("api"), true)
                .await
                .expect("findings")
                .len(),
            2
        );
        let events = store.audit_events(0, 100).await.expect("events");
        assert_eq!(
            events
                .iter()
                .filter(|e| e.action == "scan.recorded")
                .count(),
            3
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_update_of_a_record_is_a_conflict_and_changes_nothing() {
    use patchwarden_core::workflow::{NewRecord, PatchRecord, RecordSource};
    use patchwarden_store::StoreError;
    on_every_backend(|store, _| async move {
        let new = NewRecord {
            title: "t".into(),
            asset: "api".into(),
            vulnerability: Some("CVE-1".into()),
            aliases: vec![],
            source: RecordSource::Ticket,
            links: vec![],
            severity: Some(patchwarden_core::Severity::High),
            cvss_vector: None,
            cvss_score: None,
            detected_at: at(0),
        };
        let record = PatchRecord::open(0, new, &patchwarden_core::Policy::default());
        let stored = store
            .create_record(record, "leo", serde_json::json!({}))
            .await
            .expect("create");
        assert!(stored.id > 0);
        assert_eq!(
            store
                .open_record_for("api", "CVE-1")
                .await
                .expect("lookup")
                .map(|r| r.id),
            Some(stored.id)
        );

        let mut first = stored.clone();
        first.version += 1;
        first.title = "first".into();
        let mut second = stored.clone();
        second.version += 1;
        second.title = "second".into();
        let draft = |title: &str| {
            EventDraft::new(
                at(1),
                "leo",
                "record.comment",
                format!("record:{}", stored.id),
                format!("{{\"title\":\"{title}\"}}"),
            )
        };
        store
            .update_record(&stored, &first, draft("first"), &[])
            .await
            .expect("first writer wins");
        let err = store
            .update_record(&stored, &second, draft("second"), &[])
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        assert!(
            err.to_string().contains("was changed by someone else"),
            "{err}"
        );
        assert_eq!(store.record(stored.id).await.expect("read").title, "first");
        let events = store.audit_events(0, 100).await.expect("events");
        assert_eq!(
            events
                .iter()
                .filter(|e| e.action == "record.comment")
                .count(),
            1,
            "the loser left no event"
        );
        assert!(
            store
                .verify_audit(None)
                .await
                .expect("verify")
                .result
                .is_ok()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_asset_knows_when_it_appeared_and_when_it_was_last_patched() {
    on_every_backend(|store, _| async move {
        store
            .sync_assets(
                &[
                    asset("base-image", "base-os"),
                    asset("api", "app-dependencies"),
                ],
                "system",
                at(0),
            )
            .await
            .expect("sync");
        let mut since = store.assets_known_since().await.expect("known since");
        since.sort();
        assert_eq!(
            since,
            vec![("api".to_owned(), at(0)), ("base-image".to_owned(), at(0))]
        );

        for (minute, note) in [(5, "first"), (20, "second")] {
            store
                .record_asset_patch(&patchwarden_store::AssetPatch {
                    asset: "base-image".into(),
                    at: at(minute),
                    actor: "cto".into(),
                    via: "manual".into(),
                    note: Some(note.into()),
                })
                .await
                .expect("patch");
        }
        let last = store.last_asset_patches().await.expect("last");
        assert_eq!(last.len(), 1);
        assert_eq!(
            (last[0].at, last[0].note.as_deref()),
            (at(20), Some("second"))
        );
        let verified = store.verify_audit(None).await.expect("verify");
        assert!(
            verified.result.is_ok() && verified.events == 4,
            "{verified:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_advisory_import_dropped_midway_leaves_nothing_behind() {
    use patchwarden_store::{AdvisorySource, NewAdvisory};
    let advisory = |id: &str, minute: u32| NewAdvisory {
        id: id.into(),
        modified: at(minute),
        published: None,
        withdrawn: None,
        summary: Some("x".into()),
        aliases: vec![format!("CVE-{id}")],
        related: vec![],
        upstream: vec![],
        severity_vector: None,
        severity_version: None,
        severity_score: None,
        severity_label: Some("HIGH".into()),
        record: "{}".into(),
        packages: vec![("PyPI".into(), "django".into(), "{}".into())],
    };
    on_every_backend(|store, _| async move {
        let source = AdvisorySource {
            name: "s".into(),
            kind: "osv-dir".into(),
            location: "s".into(),
            ..AdvisorySource::default()
        };
        let mut import = store.begin_advisory_import("s").await.expect("begin");
        import.write(vec![advisory("A-1", 1)]).await.expect("write");
        drop(import);
        let keys = [("PyPI".to_owned(), "django".to_owned())];
        assert!(
            store
                .advisory_candidates(&keys)
                .await
                .expect("lookup")
                .is_empty()
        );

        let mut import = store.begin_advisory_import("s").await.expect("begin");
        import
            .write(vec![advisory("A-1", 1), advisory("A-2", 1)])
            .await
            .expect("write");
        // A later batch: the same id, newer, replaces; an older copy would not.
        import
            .write(vec![advisory("A-1", 9), advisory("A-2", 0)])
            .await
            .expect("write");
        let counts = import.counts();
        assert_eq!((counts.added, counts.updated, counts.unchanged), (2, 1, 1));
        import
            .finish(&source, serde_json::json!({}), "system", at(30))
            .await
            .expect("finish");
        assert_eq!(
            store
                .advisory_candidates(&keys)
                .await
                .expect("lookup")
                .len(),
            2
        );
    })
    .await;
}
