//! The dashboard reads its records through a cache checked against the database's versions; its
//! figures must be those of reading every record afresh — after changes through another handle on the
//! same database (another `serve` process), after housekeeping, and as time moves on. On SQLite always
//! and on PostgreSQL when `PATCHWARDEN_TEST_POSTGRES_URL` is set.

mod common;

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use patchwarden_app::record_cache::RecordCache;
use patchwarden_app::records::{ManualRecord, junit_evidence};
use patchwarden_app::reports::active_since;
use patchwarden_app::{App, Settings};
use patchwarden_core::workflow::{DismissKind, RecordSource};
use patchwarden_core::{Action, PatchRecord, Severity};
use patchwarden_server::pages::dashboard_figures;
use patchwarden_store::RecordFilter;
use patchwarden_store::Store;

const TEAM: &str = r#"
[[people]]
name = "ivy"
roles = ["incident_commander"]

[[people]]
name = "leo"
roles = ["engineering_lead"]

[[people]]
name = "lena"
roles = ["engineering_lead"]

[[people]]
name = "rosa"
roles = ["release_owner"]

[[assets]]
name = "web"
layer = "app-dependencies"

[[assets]]
name = "api"
layer = "app-dependencies"
"#;

const PYTEST_OK: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="1" time="0.2">
<testcase classname="tests.test_api" name="test_login" time="0.2"/>
</testsuite></testsuites>"#;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0)
        .single()
        .expect("time")
}

fn app(dir: &Path, store: Store) -> App {
    App {
        settings: Settings {
            config: patchwarden_config::parse(TEAM, "patchwarden.toml").expect("config"),
            config_source: None,
            data_dir: dir.join(".patchwarden"),
            database_url: None,
            now: start(),
            actor: None,
        },
        store,
    }
}

async fn act(app: &mut App, who: &str, at: DateTime<Utc>, id: i64, action: Action) {
    app.settings.actor = Some(who.to_owned());
    app.settings.now = at;
    let evidence = match &action {
        Action::Test { .. } => {
            vec![
                junit_evidence("pytest.xml".into(), PYTEST_OK.as_bytes().to_vec())
                    .expect("junit")
                    .1,
            ]
        }
        _ => Vec::new(),
    };
    app.act(&[id], &action, &evidence)
        .await
        .unwrap_or_else(|e| panic!("record {id}: {} as {who}: {e}", action.name()));
}

/// Takes a routine record from detected to closed, deployed `hours` after it was opened at `t`.
async fn remediate(app: &mut App, id: i64, t: DateTime<Utc>, hours: i64) {
    let h = TimeDelta::hours;
    let assess = Action::Assess {
        severity: None,
        reason: None,
        affected_assets: Vec::new(),
        data_at_risk: Some("customer contact details".into()),
        path: Some(patchwarden_core::workflow::PatchPath::Scheduled),
    };
    act(app, "leo", t + h(1), id, assess).await;
    let plan = Action::Plan {
        release_owner: Some("rosa".into()),
        target_versions: vec![format!("app@2.{id}.1")],
        rollback_plan: Some("redeploy the previous release".into()),
        tests: vec!["pytest".into()],
        planned_release: Some(t + h(hours)),
    };
    act(app, "leo", t + h(2), id, plan).await;
    let (evidence, _) =
        junit_evidence("pytest.xml".into(), PYTEST_OK.as_bytes().to_vec()).expect("junit");
    let test = Action::Test {
        evidence: vec![evidence],
    };
    act(app, "rosa", t + h(3), id, test).await;
    let deploy = Action::Deploy {
        reference: Some(format!("deploy-{id}")),
    };
    act(app, "rosa", t + h(hours), id, deploy).await;
    let verify = Action::Verify {
        notes: vec!["logs clean".into()],
        rescan: None,
    };
    act(app, "rosa", t + h(hours + 1), id, verify).await;
    let close = Action::Close {
        incident_link: None,
        postmortem_link: None,
    };
    act(app, "leo", t + h(hours + 2), id, close).await;
}

/// 80 records over 80 days: most remediated (some within their SLA, some late), some dismissed, one
/// risk-accepted until `start() + 85 days`, the newest left open (some of them overdue).
async fn seed(app: &mut App) {
    let severities = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];
    for i in 0..80i64 {
        let t = start() + TimeDelta::days(i);
        app.settings.now = t;
        app.settings.actor = Some("leo".into());
        let record = app
            .new_record(ManualRecord {
                title: format!("advisory {i}"),
                asset: if i % 2 == 0 { "web" } else { "api" }.into(),
                severity: Some(severities[(i % 4) as usize]),
                cvss: None,
                source: RecordSource::VendorAdvisory,
                links: Vec::new(),
            })
            .await
            .expect("new record");
        let id = record.id;
        match i {
            0..=59 if i % 7 == 3 => {
                let dismiss = Action::Dismiss {
                    kind: DismissKind::NotAffected,
                    justification: Some("the function is never called".into()),
                };
                act(app, "leo", t + TimeDelta::hours(5), id, dismiss).await;
            }
            0..=59 => remediate(app, id, t, 20 + (i % 5) * 40).await,
            60 => {
                let assess = Action::Assess {
                    severity: None,
                    reason: None,
                    affected_assets: Vec::new(),
                    data_at_risk: Some("none".into()),
                    path: None,
                };
                act(app, "leo", t + TimeDelta::hours(1), id, assess).await;
                let ask = Action::RequestRiskAcceptance {
                    reason: Some("internal tool only".into()),
                    expires_at: Some(start() + TimeDelta::days(85)),
                };
                act(app, "leo", t + TimeDelta::hours(2), id, ask).await;
                act(
                    app,
                    "ivy",
                    t + TimeDelta::hours(3),
                    id,
                    Action::ApproveRiskAcceptance,
                )
                .await;
            }
            _ => {}
        }
    }
}

/// The kept records equal a fresh read of every record, and the dashboard's figures from them those
/// from a fresh read of the open and recently ended records; the cached read goes first, so that its
/// own housekeeping is what is compared.
async fn same_as_fresh(app: &App, cache: &RecordCache) -> Arc<Vec<PatchRecord>> {
    let now = app.settings.now;
    let since = now - TimeDelta::days(90);
    let kept = app.records_cached(cache).await.expect("cached read");
    let all = app
        .records(&RecordFilter::default())
        .await
        .expect("fresh read");
    assert_eq!(*kept, all, "records at {now}");
    let active: Vec<&PatchRecord> = kept.iter().filter(|r| active_since(r, since)).collect();
    let fresh = app.records_active_since(since).await.expect("fresh read");
    let fresh: Vec<&PatchRecord> = fresh.iter().collect();
    assert_eq!(active, fresh, "records active at {now}");
    assert_eq!(
        dashboard_figures(&active, now),
        dashboard_figures(&fresh, now),
        "figures at {now}"
    );
    kept
}

async fn story(dir: &Path, one: Store, two: Store) {
    let mut app = app(dir, one.clone());
    one.sync_people(&app.settings.config.people, "system", start())
        .await
        .expect("people");
    one.sync_assets(&app.settings.config.assets, "system", start())
        .await
        .expect("assets");
    seed(&mut app).await;
    let cache = RecordCache::default();
    app.settings.now = start() + TimeDelta::days(81);
    let kept = same_as_fresh(&app, &cache).await;
    let active: Vec<&PatchRecord> = kept
        .iter()
        .filter(|r| active_since(r, app.settings.now - TimeDelta::days(90)))
        .collect();
    let figures = dashboard_figures(&active, app.settings.now);
    // The figures are not trivially equal: there is something to count in each.
    let open: u64 = figures["by_severity"]
        .as_array()
        .expect("by severity")
        .iter()
        .map(|s| s["open"].as_u64().expect("open"))
        .sum();
    assert_eq!(
        open, 19,
        "the 19 newest (the risk-accepted one is not open): {figures}"
    );
    assert!(
        figures["within_sla"]
            .as_str()
            .is_some_and(|s| s.contains("% of")),
        "{figures}"
    );
    assert!(
        kept.iter().any(|r| r.sla_breached_at.is_some()),
        "the cached read recorded the breaches"
    );

    // Nothing changed: the same records, not read again.
    let again = same_as_fresh(&app, &cache).await;
    assert!(Arc::ptr_eq(&kept, &again));

    // Changes through another handle on the database are seen.
    let mut other = self::app(dir, two);
    other.settings.now = app.settings.now;
    let open_id = kept
        .iter()
        .rev()
        .find(|r| r.state.is_open())
        .expect("open")
        .id;
    let comment = Action::Comment {
        text: "waiting for the vendor".into(),
    };
    act(&mut other, "leo", app.settings.now, open_id, comment).await;
    let dismiss = Action::Dismiss {
        kind: DismissKind::NotAffected,
        justification: Some("not reachable".into()),
    };
    act(&mut other, "leo", app.settings.now, open_id - 1, dismiss).await;
    let changed = same_as_fresh(&app, &cache).await;
    assert!(!Arc::ptr_eq(&kept, &changed));
    let dismissed = changed
        .iter()
        .find(|r| r.id == open_id - 1)
        .expect("dismissed record");
    assert!(!dismissed.state.is_open());
    assert_eq!(
        changed
            .iter()
            .find(|r| r.id == open_id)
            .map(|r| r.comments.len()),
        Some(1)
    );

    // Weeks later: the risk acceptance expires, more breaches, old records leave the 90 days.
    app.settings.now = start() + TimeDelta::days(120);
    let later = same_as_fresh(&app, &cache).await;
    assert!(
        later.iter().all(|r| r.risk.is_none()),
        "the acceptance expired"
    );
}

#[tokio::test]
async fn the_dashboard_counts_what_a_fresh_read_counts() {
    common::on_every_backend(|dir, one, two| async move { story(&dir, one, two).await }).await;
}
