//! `patchwarden fix`: the plan, then the branch, the tests and the records' Plan and Test.

use std::io::Write;

use owo_colors::OwoColorize;
use patchwarden_app::App;
use patchwarden_app::fix::{FixReport, FixRequest};

use crate::Outcome;
use crate::cli::{FixArgs, Format, GlobalArgs};
use crate::output::{dim, good, print_json};
use crate::settings;

pub async fn run(global: &GlobalArgs, args: FixArgs) -> anyhow::Result<Outcome> {
    let planned_release = super::patch::opt_date("--release-date", args.release_date.as_ref())?;
    let (app, _) = App::open(settings::resolve(global)?).await?;
    let format = args.format;
    // The store is closed once, whichever way the fix ends.
    let report = fix(&app, args, planned_release).await;
    app.store.close().await;
    let report = report?;
    match format {
        Format::Json => print_json("fix", &report)?,
        Format::Table => print(&report)?,
    }
    Ok(match &report.tests {
        Some(t) if !t.passed => Outcome::Failed,
        _ => Outcome::Ok,
    })
}

async fn fix(
    app: &App,
    args: FixArgs,
    planned_release: Option<chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<FixReport> {
    let records = match &args.group {
        Some(asset) => {
            let at_least = args.severity.parse().map_err(anyhow::Error::msg)?;
            app.group_records(asset, at_least).await?
        }
        None => args.records,
    };
    let request = FixRequest {
        records,
        dir: std::env::current_dir()?,
        branch: args.branch,
        push: args.push,
        test_command: args.test_command,
        junit: args.junit,
        dry_run: args.dry_run,
        keep_failed: args.keep_failed,
        release_owner: args.release_owner,
        planned_release,
    };
    Ok(app.fix(&request).await?)
}

fn print(r: &FixReport) -> anyhow::Result<()> {
    let mut out = anstream::stdout().lock();
    writeln!(out, "{} {}", "branch".bold(), r.branch)?;
    for c in &r.changes {
        writeln!(
            out,
            "  {} {} → {} in {}  (records {}; {})",
            c.package,
            c.installed,
            c.target.as_deref().unwrap_or("no fix"),
            c.file,
            c.records
                .iter()
                .map(|i| format!("#{i}"))
                .collect::<Vec<_>>()
                .join(", "),
            c.advisories.join(", ")
        )?;
        if let Some(update) = &c.update {
            writeln!(out, "    {}", dim(&format!("$ {update}")))?;
        }
    }
    if r.dry_run {
        writeln!(out, "{}", dim("dry run: nothing changed"))?;
        return Ok(());
    }
    if let Some(commit) = &r.commit {
        writeln!(out, "{} {commit}", good("committed"))?;
    }
    if let Some(t) = &r.tests {
        let total: u64 = t.reports.iter().map(|e| e.tests).sum();
        let failed: u64 = t.reports.iter().map(|e| e.failed).sum();
        if t.passed {
            writeln!(
                out,
                "{} {total} tests in {} reports",
                good("tests passed:"),
                t.reports.len()
            )?;
        } else {
            writeln!(
                out,
                "{} exit code {}, {failed} of {total} tests failed; {}",
                crate::output::bad("tests failed:"),
                t.exit_code
                    .map_or_else(|| "-".to_owned(), |c| c.to_string()),
                if r.commit.is_some() {
                    "the branch is kept for inspection"
                } else {
                    "the branch was deleted"
                }
            )?;
        }
    }
    if let Some(remote) = &r.pushed_to {
        writeln!(out, "{} to {remote}", good("pushed"))?;
    }
    if let Some(url) = &r.pull_request {
        writeln!(out, "{} {url}", good("pull request"))?;
    }
    for (id, state) in &r.records {
        writeln!(out, "record #{id}: {state}")?;
    }
    Ok(())
}
