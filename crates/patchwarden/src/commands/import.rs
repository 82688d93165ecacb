//! `patchwarden import`: another tool's report (a file, stdin, or Dependabot alerts fetched from the
//! GitHub REST API) recorded as findings of an asset.

use std::io::{Read, Write};

use anyhow::Context;
use owo_colors::OwoColorize;
use patchwarden_app::App;
use patchwarden_app::import::{
    DependabotSource, GITHUB_API_URL, ImportRequest, ImportResult, fetch_dependabot_alerts,
};
use patchwarden_core::ForgeKind;
use patchwarden_imports::Format as ReportFormat;

use crate::Outcome;
use crate::cli::{Format, GlobalArgs, ImportArgs};
use crate::output::{dim, fail_on, good, print_json, severity_heading, warn};
use crate::settings;

pub async fn run(global: &GlobalArgs, args: ImportArgs) -> anyhow::Result<Outcome> {
    let settings = settings::resolve(global)?;
    let mut format = match args.format.as_str() {
        "auto" => None,
        name => Some(name.parse::<ReportFormat>().map_err(anyhow::Error::msg)?),
    };
    let (name, text, default_asset) = match &args.file {
        Some(path) if path.as_os_str() == "-" => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read the report from stdin")?;
            ("stdin".to_owned(), text, None)
        }
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            // Like scan: the report's directory names the asset when none is given.
            let dir = std::fs::canonicalize(path).ok().and_then(|p| {
                p.parent()
                    .and_then(|d| d.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
            });
            (path.display().to_string(), text, dir)
        }
        None => {
            let forge = args.asset.as_ref().and_then(|a| {
                settings
                    .config
                    .assets
                    .iter()
                    .find(|c| &c.name == a)
                    .and_then(|c| c.forge.clone())
                    .filter(|f| f.kind == ForgeKind::Github)
            });
            let repository = match (&args.dependabot_repo, &forge) {
                (Some(r), _) => r.clone(),
                (None, Some(f)) => f.repository.clone(),
                (None, None) => anyhow::bail!(
                    "--dependabot needs an asset with an [assets.forge] of kind github, or --dependabot-repo OWNER/REPO"
                ),
            };
            if repository.split('/').filter(|p| !p.is_empty()).count() != 2 {
                anyhow::bail!("--dependabot-repo: expected OWNER/REPO, got {repository:?}");
            }
            let api_url = args
                .api_url
                .clone()
                .or_else(|| forge.as_ref().map(|f| f.api_url.clone()))
                .unwrap_or_else(|| GITHUB_API_URL.to_owned());
            let token_env = forge
                .as_ref()
                .map_or_else(|| "GITHUB_TOKEN".to_owned(), |f| f.token_env.clone());
            let token = std::env::var(&token_env)
                .ok()
                .filter(|t| !t.is_empty())
                .with_context(|| {
                    format!("fetching Dependabot alerts needs a token in ${token_env}")
                })?;
            let source = DependabotSource {
                api_url,
                repository: repository.clone(),
                token,
            };
            let text =
                tokio::task::spawn_blocking(move || fetch_dependabot_alerts(&source)).await??;
            format = Some(ReportFormat::Dependabot);
            let repo_name = repository.rsplit('/').next().map(str::to_owned);
            (format!("dependabot:{repository}"), text, repo_name)
        }
    };
    let asset = args
        .asset
        .clone()
        .or(default_asset)
        .unwrap_or_else(|| "default".to_owned());
    let (app, _) = App::open(settings).await?;
    let request = ImportRequest {
        name,
        text,
        format,
        asset,
        record: !args.no_record,
    };
    let result = app.import(&request).await;
    app.store.close().await;
    let result = result?;
    match args.output_format {
        Format::Table => print_table(&result)?,
        Format::Json => {
            print_json("import", &result)?;
            let mut err = anstream::stderr().lock();
            for w in &result.warnings {
                writeln!(err, "{} {w}", warn("warning:"))?;
            }
        }
    }
    Ok(fail_on(args.fail_on.as_deref(), |t| {
        result.count_at_or_above(t)
    }))
}

fn print_table(r: &ImportResult) -> anyhow::Result<()> {
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
            let names = if f.vulnerability == f.advisory_id {
                f.advisory_id.clone()
            } else {
                format!("{} ({})", f.vulnerability, f.advisory_id)
            };
            let fixed = match f.fixed_versions.first() {
                Some(v) => format!("fix: {v}"),
                None => "no fix".to_owned(),
            };
            let due = f.due.map_or_else(
                || "no due date".to_owned(),
                |d| format!("due {}", d.format("%Y-%m-%d %H:%M")),
            );
            writeln!(
                out,
                "  {}@{}  {}{}  {}  {}",
                f.package.bold(),
                f.version,
                names,
                if f.kev {
                    " KNOWN EXPLOITED".red().bold().to_string()
                } else {
                    String::new()
                },
                fixed,
                due
            )?;
            let seen_by = if f.sources.is_empty() {
                String::new()
            } else {
                format!(" [seen by {}]", f.sources.join(", "))
            };
            let summary = f
                .summary
                .as_deref()
                .map(|s| format!(" — {s}"))
                .unwrap_or_default();
            writeln!(
                out,
                "    {}",
                dim(&format!("{}{summary}{seen_by}", f.source))
            )?;
        }
    }
    for s in &r.skipped {
        writeln!(out, "{} {s}", dim("skipped:"))?;
    }
    writeln!(
        out,
        "\n{} {} findings from {} ({}){} for asset {}{}",
        if r.findings.is_empty() {
            good("clean:")
        } else {
            "imported:".bold().to_string()
        },
        r.findings.len(),
        r.file,
        r.tool,
        if r.ignored.is_empty() {
            String::new()
        } else {
            format!(", {} ignored", r.ignored.len())
        },
        r.asset,
        r.scan_id
            .map_or_else(|| " (not recorded)".to_owned(), |id| format!(" (run {id})"))
    )?;
    if !r.no_longer_detected.is_empty() {
        writeln!(
            out,
            "no longer detected: {}",
            r.no_longer_detected.join("; ")
        )?;
    }
    if !r.records_opened.is_empty() {
        let ids: Vec<String> = r.records_opened.iter().map(i64::to_string).collect();
        writeln!(out, "records opened: {}", ids.join(", "))?;
    }
    Ok(())
}
