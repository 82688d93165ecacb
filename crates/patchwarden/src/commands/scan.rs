//! `patchwarden scan`: findings with severities and due dates, in the format asked for.

use std::io::Write;

use owo_colors::OwoColorize;
use patchwarden_app::App;
use patchwarden_app::scan::{ScanRequest, ScanResult};

use crate::Outcome;
use crate::cli::{GlobalArgs, ScanArgs, ScanFormat};
use crate::output::{dim, fail_on, good, severity_heading, warn};
use crate::settings;

mod reports;

pub async fn run(global: &GlobalArgs, args: ScanArgs) -> anyhow::Result<Outcome> {
    let (app, _) = App::open(settings::resolve(global)?).await?;
    // The current directory by default, but not beside an image or root filesystem, nor for an asset
    // known only by the packages it declares (a managed service: nothing on disk is its).
    let declared_only = args.asset.as_ref().is_some_and(|name| {
        app.settings.config.assets.iter().any(|a| {
            &a.name == name
                && a.scan.is_empty()
                && a.components.iter().any(|c| c.starts_with("pkg:"))
        })
    });
    let paths = if args.paths.is_empty()
        && args.images.is_empty()
        && args.rootfs.is_empty()
        && !declared_only
    {
        vec![".".into()]
    } else {
        args.paths.clone()
    };
    let request = ScanRequest {
        paths,
        images: args.images.clone(),
        rootfs: args.rootfs.clone(),
        asset: args.asset.clone(),
        record: !args.no_record,
        os_ecosystem: None,
    };
    let result = app.scan(&request).await;
    app.store.close().await;
    let result = result?;
    match args.format {
        ScanFormat::Table => print_table(&result)?,
        ScanFormat::Json => reports::json(&result, &mut anstream::stdout().lock())?,
        ScanFormat::Sarif => reports::sarif(&result, &mut anstream::stdout().lock())?,
        ScanFormat::Markdown => reports::markdown(&result, &mut anstream::stdout().lock())?,
        ScanFormat::Csv => reports::csv(&result, &mut anstream::stdout().lock())?,
    }
    if args.format != ScanFormat::Table {
        let mut err = anstream::stderr().lock();
        for w in &result.warnings {
            writeln!(err, "{} {w}", warn("warning:"))?;
        }
    }
    Ok(fail_on(args.fail_on.as_deref(), |t| {
        result.count_at_or_above(t)
    }))
}

fn print_table(r: &ScanResult) -> anyhow::Result<()> {
    let mut out = anstream::stdout().lock();
    for w in &r.warnings {
        writeln!(out, "{} {w}", warn("warning:"))?;
    }
    for level in ["critical", "high", "medium", "low", "unknown"] {
        let group: Vec<_> = r.findings.iter().filter(|f| f.severity == level).collect();
        if group.is_empty() {
            continue;
        }
        writeln!(out, "\n{}", severity_heading(level, group.len()))?;
        for f in group {
            let fixed = f
                .remediation
                .as_ref()
                .map_or_else(|| "no fix".to_owned(), |r| format!("fix: {}", r.version));
            let due = f.due.map_or_else(
                || "no due date".to_owned(),
                |d| format!("due {}", d.format("%Y-%m-%d %H:%M")),
            );
            let aliases = if f.aliases.is_empty() {
                String::new()
            } else {
                format!(" ({})", f.aliases.join(", "))
            };
            writeln!(
                out,
                "  {}@{}  {}{}{}  {}  {}",
                f.package.bold(),
                f.version,
                f.advisory_id,
                dim(&aliases),
                if f.kev {
                    " KNOWN EXPLOITED".red().bold().to_string()
                } else {
                    String::new()
                },
                fixed,
                due
            )?;
            writeln!(
                out,
                "    {}",
                dim(&format!(
                    "{}{}",
                    f.source,
                    f.summary
                        .as_deref()
                        .map(|s| format!(" — {s}"))
                        .unwrap_or_default()
                ))
            )?;
            if let Some(rem) = &f.remediation {
                writeln!(out, "    {}", dim(&format!("$ {}", rem.command)))?;
            }
        }
    }
    if !r.unevaluated.is_empty() {
        writeln!(out)?;
        for u in &r.unevaluated {
            writeln!(
                out,
                "{} {} {} advisories not evaluated: {}",
                warn("warning:"),
                u.advisories,
                u.ecosystem,
                u.reason
            )?;
        }
    }
    if !r.unpinned.is_empty() {
        writeln!(
            out,
            "\n{} requirements without an exact version cannot be checked:",
            r.unpinned.len()
        )?;
        for u in r.unpinned.iter().take(20) {
            writeln!(out, "  {}:{}  {}", u.file, u.line, u.requirement)?;
        }
    }
    for e in &r.expired_ignores {
        writeln!(
            out,
            "{} the ignore rule for {} expired on {}; it is reported again",
            warn("warning:"),
            e.id,
            e.until
        )?;
    }
    let unsupported: Vec<_> = r.components.iter().filter(|c| c.needs_action()).collect();
    if !unsupported.is_empty() {
        writeln!(
            out,
            "\n{}",
            format!("UNSUPPORTED SYSTEMS ({})", unsupported.len()).bold()
        )?;
        for c in unsupported {
            let marker = if c.is_unsupported() {
                crate::output::bad("unsupported")
            } else {
                warn("nearing eol")
            };
            writeln!(out, "  {marker} {}", c.describe())?;
        }
    }
    let counts: Vec<String> = ["critical", "high", "medium", "low", "unknown"]
        .iter()
        .map(|l| (l, r.findings.iter().filter(|f| &f.severity == l).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(l, n)| format!("{n} {l}"))
        .collect();
    let unsupported = r.components.iter().filter(|c| c.is_unsupported()).count();
    writeln!(
        out,
        "\n{} {} files, {} packages, {} findings{}{}{} for asset {}{}",
        if r.findings.is_empty() && unsupported == 0 {
            good("clean:")
        } else {
            "scanned:".bold().to_string()
        },
        r.files.len(),
        r.packages,
        r.findings.len(),
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        },
        if r.ignored.is_empty() {
            String::new()
        } else {
            format!(", {} ignored", r.ignored.len())
        },
        match unsupported {
            0 => String::new(),
            1 => ", 1 unsupported system".to_owned(),
            n => format!(", {n} unsupported systems"),
        },
        r.asset,
        r.scan_id.map_or_else(
            || " (not recorded)".to_owned(),
            |id| format!(" (scan {id})")
        )
    )?;
    if !r.no_longer_detected.is_empty() {
        writeln!(
            out,
            "no longer detected: {}",
            r.no_longer_detected.join("; ")
        )?;
    }
    Ok(())
}
