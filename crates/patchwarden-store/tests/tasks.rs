//! Task runs on every backend: a slot is claimed once even by racing claimers, a live run blocks the
//! next, an expired lease is declared abandoned once, and outcomes raise their alerts in the audit chain.

use chrono::{DateTime, TimeDelta, Utc};
use patchwarden_store::{Alert, Claim, ClaimRefused, RunEnd, RunOrigin, RunStatus, Store};

mod common;
use common::{at, on_every_backend};

fn claim<'a>(
    task: &'a str,
    slot: Option<DateTime<Utc>>,
    runner: &'a str,
    now: DateTime<Utc>,
) -> Claim<'a> {
    Claim {
        task,
        slot,
        origin: if slot.is_some() {
            RunOrigin::Schedule
        } else {
            RunOrigin::Manual
        },
        runner,
        external_id: None,
        now,
        lease: TimeDelta::minutes(2),
        exclusive: true,
    }
}

async fn actions(store: &Store) -> Vec<String> {
    store
        .audit_events(0, 1_000)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn racing_claims_on_one_slot_start_one_run() {
    on_every_backend(|store| async move {
        let mut claims = Vec::new();
        for i in 0..8 {
            let store = store.clone();
            claims.push(tokio::spawn(async move {
                let runner = format!("scheduler-{i}");
                store
                    .claim_run(&claim("purge", Some(at(0)), &runner, at(0)))
                    .await
                    .expect("claim")
            }));
        }
        let mut granted = 0;
        for c in claims {
            match c.await.expect("join") {
                Ok(_) => granted += 1,
                Err(ClaimRefused::Busy { .. } | ClaimRefused::SlotTaken) => {}
            }
        }
        assert_eq!(granted, 1);
        assert_eq!(store.task_runs("purge", 10).await.expect("runs").len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_live_run_blocks_the_next_and_an_expired_lease_is_abandoned_once() {
    on_every_backend(|store| async move {
        let first = store
            .claim_run(&claim("sync", Some(at(0)), "a", at(0)))
            .await
            .expect("claim")
            .expect("granted");
        // The next slot comes while the first run still holds its lease.
        let refused = store
            .claim_run(&claim("sync", Some(at(1)), "b", at(1)))
            .await
            .expect("claim");
        assert_eq!(refused, Err(ClaimRefused::Busy { run: first.id }));
        // Renewed leases keep it alive; then its runner dies and stops renewing.
        assert!(store.renew_lease(first.id, at(3)).await.expect("renew"));
        assert!(
            store
                .abandon_expired(at(2))
                .await
                .expect("abandon")
                .is_empty()
        );
        let abandoned = store.abandon_expired(at(3)).await.expect("abandon");
        assert_eq!(abandoned.len(), 1);
        assert_eq!(abandoned[0].status, RunStatus::Abandoned);
        assert!(
            store
                .abandon_expired(at(4))
                .await
                .expect("abandon")
                .is_empty()
        );
        assert!(!store.renew_lease(first.id, at(6)).await.expect("renew"));
        // The next run goes ahead.
        let next = store
            .claim_run(&claim("sync", Some(at(4)), "b", at(4)))
            .await
            .expect("claim");
        assert!(next.is_ok(), "{next:?}");
        let acts = actions(&store).await;
        assert_eq!(
            acts.iter().filter(|a| *a == "task.abandoned").count(),
            1,
            "{acts:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_failure_is_stored_with_its_output_and_alerted() {
    on_every_backend(|store| async move {
        let run = store
            .claim_run(&claim("backup", None, "cli", at(0)))
            .await
            .expect("claim")
            .expect("granted");
        let end = RunEnd {
            status: RunStatus::Failed,
            exit_code: Some(3),
            output: "disk full\n".into(),
            output_dropped: 0,
            detail: None,
            now: at(2),
            alert: Some(Alert::critical("task.failed", "backup exited with 3")),
            asset: Some("db".into()),
        };
        let done = store.finish_run(run.id, &end).await.expect("finish");
        assert_eq!(done.status, RunStatus::Failed);
        assert_eq!(done.exit_code, Some(3));
        assert_eq!(done.duration(), Some(TimeDelta::minutes(2)));
        assert_eq!(
            store.task_run(run.id).await.expect("run").output,
            "disk full\n"
        );
        // Ending it twice is refused.
        assert!(store.finish_run(run.id, &end).await.is_err());
        assert!(
            store
                .last_asset_patches()
                .await
                .expect("patches")
                .is_empty(),
            "a failed run patches nothing"
        );
        let events = store.audit_events(0, 100).await.expect("events");
        let alert = events
            .iter()
            .find(|e| e.action == "task.failed")
            .expect("alert");
        assert!(
            alert.details.contains("\"severity\":\"critical\""),
            "{}",
            alert.details
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

#[tokio::test]
async fn a_successful_run_of_a_task_linked_to_an_asset_records_a_patch_of_it() {
    on_every_backend(|store| async move {
        let run = store
            .claim_run(&claim("rebuild", None, "cli", at(0)))
            .await
            .expect("claim")
            .expect("granted");
        let end = RunEnd {
            status: RunStatus::Succeeded,
            exit_code: Some(0),
            output: String::new(),
            output_dropped: 0,
            detail: None,
            now: at(5),
            alert: None,
            asset: Some("base-image".into()),
        };
        store.finish_run(run.id, &end).await.expect("finish");
        let patches = store.last_asset_patches().await.expect("patches");
        assert_eq!(patches.len(), 1);
        assert_eq!(
            (
                patches[0].asset.as_str(),
                patches[0].at,
                patches[0].via.clone()
            ),
            ("base-image", at(5), format!("task:rebuild run {}", run.id))
        );
        let acts = actions(&store).await;
        assert_eq!(acts.last().map(String::as_str), Some("asset.patched"));
    })
    .await;
}

#[tokio::test]
async fn an_alert_for_an_occasion_is_raised_once() {
    on_every_backend(|store| async move {
        let alert = patchwarden_store::OnceAlert {
            kind: "cadence.missed".into(),
            key: "base-image@2026-03-08T09:00:00Z".into(),
            severity: "high".into(),
            subject: "asset:base-image".into(),
            message: "base-image was not rebuilt".into(),
            details: serde_json::json!({"asset": "base-image"}),
        };
        assert!(store.raise_alert_once(&alert, at(0)).await.expect("raise"));
        assert!(!store.raise_alert_once(&alert, at(5)).await.expect("again"));
        let next = patchwarden_store::OnceAlert {
            key: "base-image@2026-03-15T09:00:00Z".into(),
            ..alert.clone()
        };
        assert!(
            store
                .raise_alert_once(&next, at(9))
                .await
                .expect("next due")
        );
        let events = store.audit_events(0, 100).await.expect("events");
        let raised: Vec<_> = events
            .iter()
            .filter(|e| e.action == "cadence.missed")
            .collect();
        assert_eq!(raised.len(), 2);
        let details: serde_json::Value = serde_json::from_str(&raised[0].details).expect("details");
        assert_eq!(details["alert"], true);
        assert_eq!(details["severity"], "high");
        assert_eq!(details["asset"], "base-image");
    })
    .await;
}

#[tokio::test]
async fn a_missed_slot_is_declared_once() {
    on_every_backend(|store| async move {
        let extra = serde_json::json!({});
        assert!(
            store
                .record_missed("hb", at(0), at(30), "no report", extra.clone())
                .await
                .expect("missed")
        );
        assert!(
            !store
                .record_missed("hb", at(0), at(31), "no report", extra)
                .await
                .expect("missed")
        );
        let runs = store.task_runs("hb", 10).await.expect("runs");
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].status, RunStatus::Missed);
        assert_eq!(store.last_slot("hb").await.expect("slot"), Some(at(0)));
    })
    .await;
}
