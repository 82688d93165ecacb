//! Findings seen by several tools, on every backend: each tool's run marks gone only what that tool saw,
//! a finding stays open while any tool sees it, and its first detection comes from the earliest source.

use patchwarden_core::Severity;
use patchwarden_core::policy::RemediationTargets;
use patchwarden_store::{NewScan, OWN_TOOL, Observation, Store};

mod common;
use common::{at, on_every_backend};

fn seen(vulnerability: &str, package: &str, severity: Option<Severity>) -> Observation {
    Observation {
        vulnerability: vulnerability.into(),
        ecosystem: "npm".into(),
        package: package.into(),
        version: "4.17.20".into(),
        advisory_ids: vec![vulnerability.into()],
        aliases: Vec::new(),
        severity,
        cvss_score: None,
        kev: false,
        fixed_versions: vec!["4.17.21".into()],
        source: "package-lock.json:10".into(),
        summary: None,
    }
}

fn run(minute: u32) -> NewScan {
    NewScan {
        asset: "web".into(),
        started_at: at(minute),
        targets: vec!["report.json".into()],
        packages: 0,
        unevaluated: 0,
    }
}

async fn record(store: &Store, minute: u32, tool: &str, seen: &[Observation]) -> Vec<String> {
    let recorded = store
        .record_run(
            &run(minute),
            tool,
            seen,
            &RemediationTargets::default(),
            "system",
        )
        .await
        .expect("record run");
    recorded
        .gone
        .iter()
        .map(|f| f.observation.vulnerability.clone())
        .collect()
}

async fn open(store: &Store) -> Vec<(String, Vec<String>)> {
    store
        .findings(Some("web"), true)
        .await
        .expect("findings")
        .into_iter()
        .map(|f| (f.observation.vulnerability, f.sources))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_tool_marks_gone_only_what_it_saw() {
    on_every_backend(|store| async move {
        // trivy sees both first; patchwarden's own scan sees one of them later.
        let mut ghsa = seen("CVE-2021-23337", "lodash", None);
        ghsa.advisory_ids = vec!["GHSA-35jh-r3h4-6jhm".into()];
        let both = [ghsa.clone(), seen("CVE-2020-28500", "lodash", None)];
        assert!(record(&store, 0, "trivy", &both).await.is_empty());
        let own = seen("CVE-2021-23337", "lodash", Some(Severity::High));
        assert!(
            record(&store, 10, OWN_TOOL, std::slice::from_ref(&own))
                .await
                .is_empty(),
            "the own scan never saw CVE-2020-28500, so it does not mark it gone"
        );
        assert_eq!(
            open(&store).await,
            [
                (
                    "CVE-2021-23337".to_owned(),
                    vec!["patchwarden".to_owned(), "trivy".to_owned()]
                ),
                ("CVE-2020-28500".to_owned(), vec!["trivy".to_owned()]),
            ]
        );
        let merged = store.findings(Some("web"), true).await.expect("findings");
        assert_eq!(
            merged[0].detected_at,
            at(0),
            "the earliest source's detection"
        );
        assert_eq!(
            merged[0].due_at,
            Some(at(0) + chrono::TimeDelta::days(7)),
            "the clock runs from trivy's detection at the own scan's severity"
        );
        assert_eq!(
            merged[0].observation.advisory_ids,
            ["CVE-2021-23337", "GHSA-35jh-r3h4-6jhm"],
            "the names both tools gave add up"
        );

        // trivy no longer sees either: the one patchwarden still sees stays open.
        assert_eq!(
            record(&store, 20, "trivy", &[]).await,
            ["CVE-2020-28500"],
            "gone: only what no tool sees any more"
        );
        assert_eq!(
            open(&store).await,
            [("CVE-2021-23337".to_owned(), vec!["patchwarden".to_owned()])]
        );

        // Re-importing the same report is idempotent: nothing new, nothing gone.
        let again = store
            .record_run(
                &run(30),
                "trivy",
                &both,
                &RemediationTargets::default(),
                "system",
            )
            .await
            .expect("record");
        assert_eq!(again.new, 0);
        let again = store
            .record_run(
                &run(31),
                "trivy",
                &both,
                &RemediationTargets::default(),
                "system",
            )
            .await
            .expect("record");
        assert_eq!((again.new, again.gone.len()), (0, 0));
        assert_eq!(open(&store).await.len(), 2);

        // The own scan stops seeing it, trivy still does: open; then trivy neither: gone.
        assert!(record(&store, 40, OWN_TOOL, &[]).await.is_empty());
        assert_eq!(
            record(&store, 50, "trivy", &[]).await,
            ["CVE-2021-23337", "CVE-2020-28500"]
        );
        assert!(open(&store).await.is_empty());
        let kinds: Vec<String> = store
            .audit_events(0, 100)
            .await
            .expect("events")
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(kinds.iter().filter(|k| *k == "import.recorded").count(), 5);
        assert_eq!(kinds.iter().filter(|k| *k == "scan.recorded").count(), 2);
    })
    .await;
}
