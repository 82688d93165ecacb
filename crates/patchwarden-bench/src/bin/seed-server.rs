//! Fills a database with a realistic workload for `scripts/bench-server`: records opened by hand over
//! the last 120 days, most of them taken through the whole workflow (routine, or the emergency path for
//! critical ones) by the people of the config, and scans of every asset recording findings, all through
//! the app's own use cases so the rows, documents and audit chain are what real use leaves.
//!
//!   seed-server --config patchwarden.toml --data-dir DIR [--database-url URL] --records N --findings N
//!
//! The config must name the people `ivy` (incident_commander), `leo` (engineering_lead) and `rosa`
//! (release_owner), and at least one asset. `PATCHWARDEN_NOW` is the end of the period (default: now).

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, TimeDelta, Utc};
use patchwarden_app::records::{ManualRecord, junit_evidence};
use patchwarden_app::{App, Settings};
use patchwarden_core::workflow::RecordSource;
use patchwarden_core::{Action, Severity};
use patchwarden_store::{NewScan, Observation};

const JUNIT_OK: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="3" time="2.5">
<testcase classname="tests.test_api" name="test_login" time="0.4"/>
<testcase classname="tests.test_api" name="test_checkout" time="1.1"/>
<testcase classname="tests.test_api" name="test_upload" time="1.0"/>
</testsuite></testsuites>"#;

const PACKAGES: [(&str, &str); 8] = [
    ("PyPI", "django"),
    ("PyPI", "requests"),
    ("npm", "lodash"),
    ("npm", "express"),
    ("crates.io", "hyper"),
    ("crates.io", "openssl"),
    ("Go", "golang.org/x/net"),
    ("Debian", "libssl3"),
];

struct Args {
    config: PathBuf,
    data_dir: PathBuf,
    database_url: Option<String>,
    records: usize,
    findings: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let (mut config, mut data_dir, mut database_url) = (None, None, None);
    let (mut records, mut findings) = (10_000, 100_000);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--config" => config = Some(PathBuf::from(value()?)),
            "--data-dir" => data_dir = Some(PathBuf::from(value()?)),
            "--database-url" => database_url = Some(value()?),
            "--records" => records = value()?.parse().map_err(|e| format!("--records: {e}"))?,
            "--findings" => findings = value()?.parse().map_err(|e| format!("--findings: {e}"))?,
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    Ok(Args {
        config: config.ok_or("--config is required")?,
        data_dir: data_dir.ok_or("--data-dir is required")?,
        database_url,
        records,
        findings,
    })
}

fn severity_of(i: usize) -> Severity {
    match i % 10 {
        0 => Severity::Critical,
        1..=3 => Severity::High,
        4..=7 => Severity::Medium,
        _ => Severity::Low,
    }
}

async fn step(
    app: &mut App,
    who: &str,
    at: DateTime<Utc>,
    id: i64,
    action: Action,
) -> Result<(), String> {
    app.settings.actor = Some(who.to_owned());
    app.settings.now = at;
    let evidence = match &action {
        Action::Test { .. } => {
            vec![
                junit_evidence("pytest.xml".into(), JUNIT_OK.as_bytes().to_vec())
                    .map_err(|e| e.to_string())?
                    .1,
            ]
        }
        _ => Vec::new(),
    };
    app.act(&[id], &action, &evidence)
        .await
        .map_err(|e| format!("record {id}: {} as {who}: {e}", action.name()))?;
    Ok(())
}

/// Takes record `id`, opened at `t`, through the whole workflow: the emergency path when critical.
async fn remediate(app: &mut App, id: i64, t: DateTime<Utc>, critical: bool) -> Result<(), String> {
    let h = TimeDelta::hours;
    let assess = Action::Assess {
        severity: None,
        reason: None,
        affected_assets: Vec::new(),
        data_at_risk: Some("customer contact details".into()),
        path: None,
    };
    step(app, "leo", t + h(2), id, assess).await?;
    let plan = Action::Plan {
        release_owner: Some("rosa".into()),
        target_versions: vec![format!("app@2.{id}.1")],
        rollback_plan: Some("redeploy the previous release".into()),
        tests: vec!["pytest".into()],
        planned_release: (!critical).then(|| t + h(30)),
    };
    step(app, "leo", t + h(3), id, plan).await?;
    let (evidence, _) = junit_evidence("pytest.xml".into(), JUNIT_OK.as_bytes().to_vec())
        .map_err(|e| e.to_string())?;
    let tester = if critical { "leo" } else { "rosa" };
    step(
        app,
        tester,
        t + h(6),
        id,
        Action::Test {
            evidence: vec![evidence],
        },
    )
    .await?;
    if critical {
        step(app, "ivy", t + h(7), id, Action::Approve).await?;
    }
    let deploy = Action::Deploy {
        reference: Some(format!("deploy-{id}")),
    };
    step(app, "rosa", t + h(30), id, deploy).await?;
    let verify = Action::Verify {
        notes: vec!["logs clean for 30 minutes".into()],
        rescan: None,
    };
    step(app, "rosa", t + h(31), id, verify).await?;
    let close = Action::Close {
        incident_link: critical.then(|| format!("https://tickets.example.invalid/inc/{id}")),
        postmortem_link: critical.then(|| format!("https://wiki.example.invalid/pm/{id}")),
    };
    step(app, "leo", t + h(32), id, close).await
}

async fn run(args: Args) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.config)
        .map_err(|e| format!("cannot read {}: {e}", args.config.display()))?;
    let config = patchwarden_config::parse(&text, &args.config.display().to_string())
        .map_err(|e| format!("{e:?}"))?;
    let end = match std::env::var("PATCHWARDEN_NOW") {
        Ok(t) => DateTime::parse_from_rfc3339(&t)
            .map_err(|e| format!("PATCHWARDEN_NOW: {e}"))?
            .with_timezone(&Utc),
        Err(_) => Utc::now(),
    };
    let assets: Vec<String> = config.assets.iter().map(|a| a.name.clone()).collect();
    if assets.is_empty() {
        return Err("the config names no asset".into());
    }
    let targets = config.policy.targets;
    let start = end - TimeDelta::days(120);
    let settings = Settings {
        config,
        config_source: Some((args.config.clone(), text)),
        data_dir: args.data_dir,
        database_url: args.database_url,
        now: start,
        actor: Some("leo".into()),
    };
    let (mut app, _) = App::open(settings).await.map_err(|e| e.to_string())?;

    // Findings: one scan per asset, the findings shared out evenly.
    let per_asset = args.findings.div_ceil(assets.len());
    for (a, asset) in assets.iter().enumerate() {
        let n = per_asset.min(args.findings.saturating_sub(a * per_asset));
        let observations: Vec<Observation> = (0..n)
            .map(|i| {
                let (ecosystem, package) = PACKAGES[i % PACKAGES.len()];
                let severity = severity_of(i);
                Observation {
                    vulnerability: format!("CVE-2025-{:05}", 10_000 + i),
                    ecosystem: ecosystem.into(),
                    package: package.into(),
                    version: format!("1.{}.{}", i % 40, i % 7),
                    advisory_ids: vec![format!("GHSA-bench-{a}-{i}")],
                    aliases: vec![format!("CVE-2025-{:05}", 10_000 + i)],
                    severity: Some(severity),
                    cvss_score: Some(match severity {
                        Severity::Critical => 9.8,
                        Severity::High => 7.5,
                        Severity::Medium => 5.3,
                        Severity::Low => 3.1,
                    }),
                    kev: i % 97 == 0,
                    fixed_versions: vec![format!("1.{}.{}", i % 40 + 1, 0)],
                    source: "osv".into(),
                    summary: Some(format!("{package}: input validation flaw {i}")),
                }
            })
            .collect();
        let scan = NewScan {
            asset: asset.clone(),
            started_at: start + TimeDelta::hours(a as i64),
            targets: vec!["requirements.txt".into()],
            packages: n as i64,
            unevaluated: 0,
        };
        app.store
            .record_scan(&scan, &observations, &targets, "system")
            .await
            .map_err(|e| e.to_string())?;
    }
    eprintln!("{} findings on {} assets", args.findings, assets.len());

    // Records: opened evenly over the period; those older than ten days mostly remediated.
    let spacing = TimeDelta::seconds(120 * 86_400 / args.records.max(1) as i64);
    for i in 0..args.records {
        let t = start + spacing * i as i32;
        app.settings.now = t;
        app.settings.actor = Some("leo".into());
        let severity = severity_of(i);
        let record = app
            .new_record(ManualRecord {
                title: format!("{} advisory {i}", PACKAGES[i % PACKAGES.len()].1),
                asset: assets[i % assets.len()].clone(),
                severity: Some(severity),
                cvss: None,
                source: RecordSource::VendorAdvisory,
                links: vec![format!("https://advisories.example.invalid/{i}")],
            })
            .await
            .map_err(|e| e.to_string())?;
        if t < end - TimeDelta::days(10) && i % 5 != 0 {
            remediate(&mut app, record.id, t, severity == Severity::Critical).await?;
        }
        if (i + 1) % 1000 == 0 {
            eprintln!("{} records", i + 1);
        }
    }
    app.store.close().await;
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
