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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn advisories_are_found_by_any_of_their_names() {
    use patchwarden_store::{AdvisorySource, NewAdvisory};
    on_every_backend(|store| async move {
        let advisory = NewAdvisory {
            id: "PYSEC-2023-74".into(),
            modified: at(0),
            published: None,
            withdrawn: None,
            summary: Some("Unintended leak of Proxy-Authorization header in requests".into()),
            aliases: vec!["CVE-2023-32681".into(), "GHSA-j8r2-6x86-q33q".into()],
            related: vec![],
            upstream: vec![],
            severity_vector: None,
            severity_version: None,
            severity_score: Some(6.1),
            severity_label: None,
            record: "{}".into(),
            packages: vec![("PyPI".into(), "requests".into(), "{}".into())],
        };
        let mut import = store.begin_advisory_import("pypi").await.expect("begin");
        import.write(vec![advisory]).await.expect("write");
        let source = AdvisorySource {
            name: "pypi".into(),
            kind: "osv-dir".into(),
            location: "pypi".into(),
            ..AdvisorySource::default()
        };
        import
            .finish(&source, serde_json::json!({}), "system", at(1))
            .await
            .expect("finish");
        for name in ["PYSEC-2023-74", "GHSA-j8r2-6x86-q33q", "CVE-2023-32681"] {
            let (found, kev) = store.advisories_named(name).await.expect("lookup");
            assert_eq!(found.len(), 1, "{name}");
            assert_eq!(found[0].id, "PYSEC-2023-74");
            assert_eq!(found[0].aliases, ["CVE-2023-32681", "GHSA-j8r2-6x86-q33q"]);
            assert_eq!(found[0].severity_score, Some(6.1));
            assert!(!kev && !found[0].known_exploited);
        }
        let (none, _) = store
            .advisories_named("CVE-2099-0001")
            .await
            .expect("lookup");
        assert!(none.is_empty());
    })
    .await;
}
