//! `patchwarden config check|show`.

use std::io::Write;

use anyhow::bail;
use patchwarden_config::{Config, FILE_NAME};

use crate::Outcome;
use crate::cli::{ConfigCommand, Format, GlobalArgs};
use crate::output::{dim, good, print_json};
use crate::settings;

pub fn run(global: &GlobalArgs, cmd: ConfigCommand) -> anyhow::Result<Outcome> {
    match cmd {
        ConfigCommand::Check => check(global),
        ConfigCommand::Show { format } => show(global, format),
    }
}

fn check(global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let Some((path, _, config)) = settings::load_config(global)? else {
        bail!(
            "no {FILE_NAME} in the current directory and no --config given; `patchwarden init` writes one"
        );
    };
    let mut out = anstream::stdout().lock();
    writeln!(
        out,
        "{} {}: {} people, {} layers, {} assets, {} tasks",
        good("ok"),
        path.display(),
        config.people.len(),
        config.layers.len(),
        config.assets.len(),
        config.tasks.len()
    )?;
    Ok(Outcome::Ok)
}

fn show(global: &GlobalArgs, format: Format) -> anyhow::Result<Outcome> {
    let (source, config) = match settings::load_config(global)? {
        Some((path, _, config)) => (path.display().to_string(), config),
        None => ("built-in defaults".to_owned(), Config::default()),
    };
    match format {
        Format::Json => {
            print_json(
                "config",
                &serde_json::json!({ "source": source, "config": config }),
            )?;
        }
        Format::Table => print_table(&source, &config)?,
    }
    Ok(Outcome::Ok)
}

fn print_table(source: &str, c: &Config) -> anyhow::Result<()> {
    let mut out = anstream::stdout().lock();
    let p = &c.policy;
    writeln!(out, "{}", dim(&format!("# from {source}")))?;
    writeln!(
        out,
        "database      {}",
        c.database_url.as_deref().map_or(
            "sqlite in the data dir".to_owned(),
            patchwarden_store::redact
        )
    )?;
    writeln!(
        out,
        "severity      critical ≥ {}, high ≥ {}, medium ≥ {}, low ≥ {} (CVSS){}",
        p.bands.critical,
        p.bands.high,
        p.bands.medium,
        p.bands.low,
        if p.known_exploited_is_critical {
            "; known exploited → critical"
        } else {
            ""
        }
    )?;
    writeln!(
        out,
        "targets       critical {}, high {}, medium {}, low {}",
        p.targets.critical, p.targets.high, p.targets.medium, p.targets.low
    )?;
    let severities: Vec<_> = p.emergency.severities.iter().map(|s| s.as_str()).collect();
    writeln!(
        out,
        "emergency     {} → approved by {}, tested by {}, post-mortem within {}{}",
        severities.join(", "),
        p.emergency.approver,
        p.emergency.expedited_tester,
        p.emergency.postmortem_due,
        p.emergency
            .target
            .map(|t| format!(", due within {t} on this path"))
            .unwrap_or_default()
    )?;
    writeln!(out, "verification  {} after deploy", p.verification_window)?;
    writeln!(
        out,
        "tests         {}% must pass{}",
        p.required_pass_rate,
        if p.skipped_tests_fail {
            ", skipped count as failed"
        } else {
            ""
        }
    )?;
    writeln!(
        out,
        "retention     {} months after closure",
        p.retention_months
    )?;
    writeln!(out, "scan cadence  {}", p.scan_cadence)?;
    writeln!(out, "\npeople")?;
    if c.people.is_empty() {
        writeln!(
            out,
            "  {}",
            dim("none configured: add [[people]] to act with --as")
        )?;
    }
    for person in &c.people {
        let roles: Vec<_> = person.roles.iter().map(|r| r.as_str()).collect();
        writeln!(out, "  {:<20} {}", person.name, roles.join(", "))?;
    }
    writeln!(out, "\nlayers")?;
    for l in &c.layers {
        writeln!(
            out,
            "  {:<22} {:<9} {} ({})",
            l.name, l.cadence, l.mechanism, l.responsible
        )?;
    }
    writeln!(out, "\nassets")?;
    if c.assets.is_empty() {
        writeln!(out, "  {}", dim("none configured"))?;
    }
    for a in &c.assets {
        writeln!(out, "  {:<22} {}", a.name, a.layer)?;
    }
    writeln!(out, "\ntasks")?;
    for t in &c.tasks {
        let schedule = match &t.schedule {
            patchwarden_core::Schedule::Cron(expr) => format!("cron {expr}"),
            patchwarden_core::Schedule::Every(d) => format!("every {d}"),
        };
        writeln!(
            out,
            "  {:<30} {:<16} {}",
            t.name,
            schedule,
            if t.enabled {
                "enabled".to_owned()
            } else {
                dim("disabled")
            }
        )?;
    }
    Ok(())
}
