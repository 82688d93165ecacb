//! `patchwarden db import|status`: the advisory database.

use std::io::Write;

use patchwarden_app::App;
use patchwarden_app::advisories::{AdvisoryStatus, ImportOptions, ImportReport};
use serde::Serialize;

use crate::Outcome;
use crate::cli::{DbCommand, Format, GlobalArgs};
use crate::output::{dim, good, print_json, warn};
use crate::progress::Bar;
use crate::settings;

pub async fn run(global: &GlobalArgs, cmd: DbCommand) -> anyhow::Result<Outcome> {
    let (app, _) = App::open(settings::resolve(global)?).await?;
    let outcome = match cmd {
        DbCommand::Import {
            paths,
            skip_invalid,
            format,
        } => import(&app, &paths, ImportOptions { skip_invalid }, format).await,
        DbCommand::Sync { ecosystems, format } => sync(&app, &ecosystems, format).await,
        DbCommand::Status { format } => status(&app, format).await,
    };
    app.store.close().await;
    outcome
}

#[derive(Debug, Serialize)]
struct Imports {
    imports: Vec<ImportReport>,
}

async fn import(
    app: &App,
    paths: &[std::path::PathBuf],
    options: ImportOptions,
    format: Format,
) -> anyhow::Result<Outcome> {
    let bar = Bar::new();
    let mut reports = Vec::with_capacity(paths.len());
    for path in paths {
        let started = std::time::Instant::now();
        let report = app.import_path(path, options, &bar).await?;
        tracing::info!(source = %report.source, elapsed_ms = started.elapsed().as_millis() as u64, "imported");
        if format == Format::Table {
            print_import(path, &report)?;
        }
        reports.push(report);
    }
    if format == Format::Json {
        print_json("db-import", &Imports { imports: reports })?;
    }
    Ok(Outcome::Ok)
}

fn print_import(path: &std::path::Path, r: &ImportReport) -> anyhow::Result<()> {
    let mut out = anstream::stdout().lock();
    let path = path.display();
    if r.unchanged_source {
        writeln!(
            out,
            "{} {path}: unchanged since the last import ({} records)",
            good("ok"),
            r.records
        )?;
        return Ok(());
    }
    if let Some(products) = r.eol_products {
        writeln!(
            out,
            "{} {path}: end-of-life data for {products} products",
            good("imported")
        )?;
        return Ok(());
    }
    if let Some(entries) = r.kev_entries {
        writeln!(
            out,
            "{} {path}: KEV catalog, {entries} known exploited vulnerabilities; {} stored advisories are known exploited",
            good("imported"),
            r.known_exploited.unwrap_or(0)
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{} {path}: {} records: {} added, {} updated, {} unchanged{}",
        good("imported"),
        r.records,
        r.added,
        r.updated,
        r.unchanged,
        if r.withdrawn > 0 {
            format!(" ({} withdrawn, never matched)", r.withdrawn)
        } else {
            String::new()
        }
    )?;
    if r.invalid_vectors > 0 {
        writeln!(
            out,
            "  {}",
            dim(&format!(
                "{} severity vectors did not parse and were ignored",
                r.invalid_vectors
            ))
        )?;
    }
    if !r.skipped.is_empty() {
        writeln!(
            out,
            "{} skipped {} invalid records:",
            warn("warning:"),
            r.skipped.len()
        )?;
        for s in &r.skipped {
            writeln!(out, "  {}: {}", s.entry, s.error)?;
        }
    }
    Ok(())
}

#[derive(Debug, Serialize)]
struct Synced {
    sources: Vec<patchwarden_app::sync::SyncedSource>,
}

async fn sync(app: &App, ecosystems: &[String], format: Format) -> anyhow::Result<Outcome> {
    let bar = Bar::new();
    let sources = app.sync(ecosystems, &bar).await?;
    let failed: Vec<_> = sources
        .iter()
        .filter(|s| s.outcome == "failed")
        .map(|s| s.name.clone())
        .collect();
    match format {
        Format::Json => print_json("db-sync", &Synced { sources })?,
        Format::Table => {
            let mut out = anstream::stdout().lock();
            for s in &sources {
                match (&s.import, &s.error) {
                    (Some(r), _) if r.unchanged_source => writeln!(
                        out,
                        "{} {}: downloaded, content unchanged",
                        good("ok"),
                        s.name
                    )?,
                    (Some(r), _) => writeln!(
                        out,
                        "{} {}: {} records: {} added, {} updated",
                        good("synced"),
                        s.name,
                        r.records,
                        r.added,
                        r.updated
                    )?,
                    (None, Some(e)) => {
                        writeln!(out, "{} {}: {e}", crate::output::bad("failed"), s.name)?
                    }
                    (None, None) => writeln!(out, "{} {}: not modified", good("ok"), s.name)?,
                }
            }
        }
    }
    if !failed.is_empty() {
        anyhow::bail!("sync failed for {}", failed.join(", "));
    }
    Ok(Outcome::Ok)
}

async fn status(app: &App, format: Format) -> anyhow::Result<Outcome> {
    let status = app.advisory_status().await?;
    match format {
        Format::Json => print_json("db-status", &status)?,
        Format::Table => print_status(&status)?,
    }
    if let Some(w) = status.staleness_warning() {
        writeln!(anstream::stderr().lock(), "{} {w}", warn("warning:"))?;
    }
    Ok(Outcome::Ok)
}

fn print_status(s: &AdvisoryStatus) -> anyhow::Result<()> {
    let mut out = anstream::stdout().lock();
    writeln!(
        out,
        "{:<24} {:>10}  newest modified",
        "ecosystem", "advisories"
    )?;
    for e in &s.ecosystems {
        let newest = e
            .newest_modified
            .map_or_else(|| "-".to_owned(), |t| t.format("%Y-%m-%d").to_string());
        writeln!(out, "{:<24} {:>10}  {newest}", e.ecosystem, e.advisories)?;
    }
    if s.ecosystems.is_empty() {
        writeln!(out, "{}", dim("no advisories"))?;
    }
    writeln!(
        out,
        "\nknown exploited (CISA KEV): {} catalog entries, {} stored advisories",
        s.kev_entries, s.known_exploited
    )?;
    writeln!(out, "end-of-life data: {} products", s.eol_products)?;
    writeln!(out, "\n{:<60} {:>8}  last checked", "source", "records")?;
    for src in &s.sources {
        let checked = src.checked_at.map_or_else(
            || "-".to_owned(),
            |t| t.format("%Y-%m-%d %H:%M").to_string(),
        );
        writeln!(out, "{:<60} {:>8}  {checked}", src.name, src.records)?;
    }
    Ok(())
}
