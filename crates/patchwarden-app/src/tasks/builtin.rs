//! The tasks the policy implies, on by default: they run patchwarden itself, so each run is an ordinary
//! process with captured output, an exit code, and the same alerts as any other task.
//!
//! A `[[tasks]]` entry with a built-in's name adjusts it: its schedule, timeout, `min_duration` and
//! `enabled` (e.g. `enabled = false` turns it off); a command given there replaces the built-in's.

use std::path::Path;

use patchwarden_core::{PolicyDuration, Schedule, TaskSpec, Trigger};

use crate::Settings;

/// Names of the built-in tasks (one scan task per asset is named `patchwarden.scan.<asset>`).
pub const ADVISORY_SYNC: &str = "patchwarden.advisory-sync";
pub const SLA_CHECK: &str = "patchwarden.sla-check";
pub const ESTATE_CHECK: &str = "patchwarden.estate-check";
pub const RETENTION_PURGE: &str = "patchwarden.retention-purge";
pub const SCAN_PREFIX: &str = "patchwarden.scan.";
/// One feed task per `[[feeds]]` entry, polled every feed's `interval`.
pub const FEED_PREFIX: &str = "patchwarden.feed.";

fn spec(
    name: String,
    schedule: Schedule,
    command: Vec<String>,
    timeout: PolicyDuration,
    purpose: &str,
) -> TaskSpec {
    TaskSpec {
        name,
        schedule,
        trigger: Trigger::Scheduled,
        command,
        shell: false,
        working_dir: None,
        env: Default::default(),
        timeout,
        min_duration: None,
        purpose: Some(purpose.to_owned()),
        compliance: Some("Patch policy: detection and SLA tracking".to_owned()),
        asset: None,
        enabled: true,
    }
}

/// The built-in tasks for these settings, each running `exe` with the same config, data dir and database.
pub fn builtin_tasks(settings: &Settings, exe: &Path) -> Vec<TaskSpec> {
    let mut base = vec![exe.display().to_string()];
    if let Some((path, _)) = &settings.config_source {
        base.extend(["--config".into(), path.display().to_string()]);
    }
    base.extend(["--data-dir".into(), settings.data_dir.display().to_string()]);
    let with = |args: &[&str]| {
        let mut c = base.clone();
        c.extend(args.iter().map(|s| s.to_string()));
        c
    };
    let mut tasks = vec![
        spec(
            ADVISORY_SYNC.into(),
            Schedule::Cron("0 2 * * *".into()),
            with(&["db", "sync"]),
            PolicyDuration::hours(1),
            "Refresh the vulnerability advisories (OSV, KEV) so scans see new CVEs",
        ),
        spec(
            SLA_CHECK.into(),
            Schedule::Every(PolicyDuration::minutes(5)),
            with(&["sla", "--due-within", "24h", "--alert"]),
            PolicyDuration::minutes(4),
            "Record SLA breaches and expired risk acceptances; alert what is due within 24 h",
        ),
        spec(
            ESTATE_CHECK.into(),
            Schedule::Cron("30 4 * * *".into()),
            with(&["assets", "check", "--alert"]),
            PolicyDuration::hours(1),
            "Check every asset's cadence and every component's end of life; alert what is missed or unsupported",
        ),
        TaskSpec {
            compliance: Some("Patch policy: record retention".to_owned()),
            ..spec(
                RETENTION_PURGE.into(),
                Schedule::Cron("0 5 * * *".into()),
                with(&["records", "purge", "--expired"]),
                PolicyDuration::minutes(30),
                "Purge the records closed longer ago than the policy's retention",
            )
        },
    ];
    let config_dir = settings
        .config_source
        .as_ref()
        .and_then(|(p, _)| p.parent().map(Path::to_path_buf));
    // Every asset with something to scan: paths, or packages it declares as package URLs.
    let scannable = |a: &&patchwarden_core::Asset| {
        !a.scan.is_empty() || a.components.iter().any(|c| c.starts_with("pkg:"))
    };
    for asset in settings.config.assets.iter().filter(scannable) {
        let mut args = vec!["scan".to_owned(), "--asset".into(), asset.name.clone()];
        args.extend(["--fail-on".into(), "critical".into()]);
        for path in &asset.scan {
            if path.ends_with(".tar") {
                args.push("--image".into());
            }
            args.push(path.clone());
        }
        let mut command = base.clone();
        command.extend(args);
        let mut task = spec(
            format!("{SCAN_PREFIX}{}", asset.name),
            Schedule::Cron("30 3 * * *".into()),
            command,
            PolicyDuration::hours(1),
            "Daily scan of the asset; a critical finding fails the run and raises an alert",
        );
        task.working_dir = config_dir.as_ref().map(|d| d.display().to_string());
        tasks.push(task);
    }
    for feed in &settings.config.feeds {
        tasks.push(TaskSpec {
            compliance: Some("Patch policy: vendor patch and vulnerability notices".to_owned()),
            ..spec(
                format!("{FEED_PREFIX}{}", feed.name),
                Schedule::Every(feed.interval),
                with(&["feeds", "poll", &feed.name]),
                PolicyDuration::minutes(10),
                "Poll the vendor's feed; relevant items join the notice triage queue",
            )
        });
    }
    for t in &mut tasks {
        // The built-ins act as the tool itself, whoever the scheduler's environment names.
        t.env.insert("PATCHWARDEN_USER".into(), String::new());
        if let Some(url) = &settings.database_url {
            t.env.insert("PATCHWARDEN_DATABASE_URL".into(), url.clone());
        }
    }
    tasks
}

/// The built-ins not replaced by a configured task of the same name, then the configured tasks.
pub fn effective_tasks(settings: &Settings, exe: Option<&Path>) -> Vec<TaskSpec> {
    let configured = &settings.config.tasks;
    let builtins = exe
        .map(|exe| builtin_tasks(settings, exe))
        .unwrap_or_default();
    let mut out = Vec::with_capacity(builtins.len() + configured.len());
    for b in &builtins {
        match configured.iter().find(|t| t.name == b.name) {
            Some(t) => out.push(TaskSpec {
                schedule: t.schedule.clone(),
                timeout: t.timeout,
                min_duration: t.min_duration,
                enabled: t.enabled,
                command: if t.command.is_empty() {
                    b.command.clone()
                } else {
                    t.command.clone()
                },
                ..b.clone()
            }),
            None => out.push(b.clone()),
        }
    }
    out.extend(
        configured
            .iter()
            .filter(|t| !builtins.iter().any(|b| b.name == t.name))
            .filter(|t| !(t.name.starts_with("patchwarden.") && t.command.is_empty()))
            .cloned(),
    );
    out
}
