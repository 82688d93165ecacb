//! `patchwarden report …`: the patch log, the metrics and the VEX document. Reading needs no role: any
//! configured person, or none, may run them (the SLA breaches noticed on the way are still recorded).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use patchwarden_app::reports::{self, Period};
use patchwarden_app::{App, eol};
use patchwarden_core::PatchRecord;
use patchwarden_store::RecordFilter;

use crate::Outcome;
use crate::cli::{Format, GlobalArgs, PatchLogFormat, ReportCommand, VexFormat};
use crate::output::good;
use crate::settings;

/// `YYYY-MM-DD` (midnight UTC; as an end, the midnight after, so the day is included) or RFC 3339.
fn parse_bound(flag: &str, text: &str, end: bool) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .with_context(|| format!("{flag} {text:?} is not a date (YYYY-MM-DD or RFC 3339)"))?;
    Ok(if end { day + TimeDelta::days(1) } else { day })
}

fn period(since: Option<&str>, until: Option<&str>) -> anyhow::Result<Period> {
    let p = Period {
        since: since
            .map(|s| parse_bound("--since", s, false))
            .transpose()?,
        until: until.map(|u| parse_bound("--until", u, true)).transpose()?,
    };
    if let (Some(s), Some(u)) = (p.since, p.until)
        && s >= u
    {
        bail!("--since must be before --until");
    }
    Ok(p)
}

/// Prints `text`, or writes it to `output` atomically and says so.
fn emit(text: &str, output: Option<&Path>, what: &str) -> anyhow::Result<()> {
    match output {
        None => {
            let mut out = anstream::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
        Some(path) => {
            reports::write_atomic(path, text.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
            writeln!(
                anstream::stdout().lock(),
                "{} {} ({what})",
                good("wrote"),
                path.display()
            )?;
        }
    }
    Ok(())
}

pub async fn run(global: &GlobalArgs, cmd: ReportCommand) -> anyhow::Result<Outcome> {
    match cmd {
        ReportCommand::PatchLog {
            since,
            until,
            format,
            output,
        } => {
            // The arguments are checked before the database is touched.
            let bounds = period(since.as_deref(), until.as_deref())?;
            let (records, now) = every_record(global).await?;
            let log = reports::patch_log(&records, bounds, now);
            let text = match format {
                PatchLogFormat::Markdown => reports::patch_log_markdown(&log),
                PatchLogFormat::Csv => reports::patch_log_csv(&log),
                PatchLogFormat::Json => reports::patch_log_json(&log),
            };
            emit(
                &text,
                output.as_deref(),
                &format!("{} records", log.records.len()),
            )?;
        }
        ReportCommand::Metrics {
            since,
            until,
            format,
        } => {
            let bounds = period(since.as_deref(), until.as_deref())?;
            let (records, now) = every_record(global).await?;
            let p = Period::last_days(90, bounds.since, bounds.until, now);
            let m = reports::metrics(&records, p, now);
            let text = match format {
                Format::Table => reports::metrics_table(&m),
                Format::Json => reports::metrics_json(&m),
            };
            emit(&text, None, "")?;
        }
        ReportCommand::Vex { format, output } => {
            let (records, now) = every_record(global).await?;
            let VexFormat::CyclonedxJson = format;
            let doc = reports::vex(&records, now, &serial(&records, now));
            let stated = doc["vulnerabilities"].as_array().map_or(0, Vec::len);
            emit(
                &reports::vex_json(&doc),
                output.as_deref(),
                &format!("{stated} statements"),
            )?;
        }
        ReportCommand::Unsupported {
            paths,
            format,
            output,
            fail,
        } => return unsupported(global, &paths, format, output.as_deref(), fail).await,
    }
    Ok(Outcome::Ok)
}

/// Every record, closed ones included, and the clock the reports are made at.
async fn every_record(global: &GlobalArgs) -> anyhow::Result<(Vec<PatchRecord>, DateTime<Utc>)> {
    let (app, _) = App::open(settings::resolve(global)?).await?;
    let records = app
        .records(&RecordFilter {
            open_only: false,
            ..RecordFilter::default()
        })
        .await;
    app.store.close().await;
    Ok((records?, app.settings.now))
}

async fn unsupported(
    global: &GlobalArgs,
    paths: &[std::path::PathBuf],
    format: PatchLogFormat,
    output: Option<&Path>,
    fail: bool,
) -> anyhow::Result<Outcome> {
    let (app, _) = App::open(settings::resolve(global)?).await?;
    let components = app.unsupported_report(paths).await;
    app.store.close().await;
    let components = components?;
    let now = app.settings.now;
    let text = match format {
        PatchLogFormat::Markdown => eol::unsupported_markdown(&components, now),
        PatchLogFormat::Csv => eol::unsupported_csv(&components),
        PatchLogFormat::Json => eol::unsupported_json(&components, now),
    };
    let unsupported = components.iter().filter(|c| c.is_unsupported()).count();
    emit(
        &text,
        output,
        &format!("{} components, {unsupported} unsupported", components.len()),
    )?;
    Ok(if fail && unsupported > 0 {
        Outcome::Failed
    } else {
        Outcome::Ok
    })
}

/// A serial number unique to this document ("even if the contents of the BOM have not changed"): the
/// system clock and process id as well as the records and the report's time.
fn serial(records: &[PatchRecord], now: DateTime<Utc>) -> String {
    let mut seed = format!(
        "{}:{}:{}",
        now.to_rfc3339(),
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    for r in records {
        seed.push_str(&format!(":{}.{}", r.id, r.version));
    }
    reports::serial_number(seed.as_bytes())
}
