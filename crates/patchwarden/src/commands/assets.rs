//! `patchwarden assets`: the estate, each asset against its layer's cadence; the estate check and its
//! alerts; recording a patch done outside the records; adding an asset to the config.

use std::io::Write;

use anyhow::{Context, bail};
use owo_colors::OwoColorize;
use patchwarden_app::App;
use patchwarden_app::assets::AssetStatus;
use patchwarden_core::Role;
use patchwarden_core::actor::require_role;
use serde::Serialize;

use crate::Outcome;
use crate::cli::{AssetsCommand, Format, GlobalArgs};
use crate::output::{bad, dim, good, print_json, warn};
use crate::settings;

#[derive(Serialize)]
struct Assets<'a> {
    assets: &'a [AssetStatus],
}

pub async fn run(global: &GlobalArgs, cmd: AssetsCommand) -> anyhow::Result<Outcome> {
    if let AssetsCommand::Add { .. } = cmd {
        return add(global, cmd);
    }
    let (app, _) = App::open(settings::resolve(global)?).await?;
    let outcome = match cmd {
        AssetsCommand::List { format, fail } => list(&app, format, fail).await,
        AssetsCommand::Check {
            alert,
            fail,
            format,
        } => check(&app, alert, fail, format).await,
        AssetsCommand::Show { name, format } => show(&app, &name, format).await,
        AssetsCommand::Patched { name, note } => patched(&app, &name, note).await,
        AssetsCommand::Add { .. } => Ok(Outcome::Ok),
    };
    app.store.close().await;
    outcome
}

/// `missed`, `out-of-cycle`, or `ok`, as people read it.
fn standing(a: &AssetStatus) -> String {
    match (a.missed, a.out_of_cycle) {
        (true, _) => bad(&format!(
            "cadence missed since {}",
            a.next_due
                .map_or_else(String::new, |d| d.format("%Y-%m-%d %H:%M").to_string())
        )),
        (false, true) => warn("out-of-cycle patch due now (critical alert)"),
        (false, false) => good("ok"),
    }
}

fn date(d: Option<chrono::DateTime<chrono::Utc>>) -> String {
    d.map_or_else(|| "-".to_owned(), |d| d.format("%Y-%m-%d").to_string())
}

fn print_table(out: &mut impl Write, assets: &[AssetStatus]) -> std::io::Result<()> {
    if assets.is_empty() {
        return writeln!(
            out,
            "{}",
            dim("no assets; add [[assets]] to patchwarden.toml or run `patchwarden assets add`")
        );
    }
    writeln!(
        out,
        "{:<20} {:<22} {:<10} {:<12} {:<12} {:>5}  standing",
        "asset", "layer", "cadence", "patched", "next due", "open"
    )?;
    for a in assets {
        writeln!(
            out,
            "{:<20} {:<22} {:<10} {:<12} {:<12} {:>5}  {}",
            a.name,
            a.layer,
            a.cadence.as_deref().unwrap_or("-"),
            date(a.last_patched),
            date(a.next_due),
            a.open_records,
            standing(a)
        )?;
    }
    Ok(())
}

async fn list(app: &App, format: Format, fail: bool) -> anyhow::Result<Outcome> {
    let assets = app.asset_statuses().await?;
    match format {
        Format::Json => print_json("assets", &Assets { assets: &assets })?,
        Format::Table => print_table(&mut anstream::stdout().lock(), &assets)?,
    }
    let attention = assets.iter().any(|a| a.missed || a.out_of_cycle);
    Ok(if fail && attention {
        Outcome::Failed
    } else {
        Outcome::Ok
    })
}

async fn check(app: &App, alert: bool, fail: bool, format: Format) -> anyhow::Result<Outcome> {
    let checked = app.estate_check(alert).await?;
    match format {
        Format::Json => {
            let mut doc = serde_json::to_value(&checked)?;
            if let Some(o) = doc.as_object_mut() {
                o.insert("schema".into(), "patchwarden.estate-check/v1".into());
                o.insert("generated_at".into(), serde_json::json!(app.settings.now));
            }
            let mut out = anstream::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        Format::Table => {
            let mut out = anstream::stdout().lock();
            print_table(&mut out, &checked.assets)?;
            if !checked.components.is_empty() {
                writeln!(out, "\nEND OF LIFE (past, or within the warning window)")?;
            }
            for c in &checked.components {
                let line = format!("{}: {}", c.asset.as_deref().unwrap_or("-"), c.describe());
                let line = if c.is_unsupported() {
                    bad(&line)
                } else {
                    warn(&line)
                };
                writeln!(out, "  {line}")?;
            }
            if alert {
                writeln!(out, "{} alert(s) raised", checked.alerts_raised)?;
            }
        }
    }
    Ok(if fail && checked.needs_attention() {
        Outcome::Failed
    } else {
        Outcome::Ok
    })
}

async fn show(app: &App, name: &str, format: Format) -> anyhow::Result<Outcome> {
    let assets = app.asset_statuses().await?;
    let Some(a) = assets.iter().find(|a| a.name == name) else {
        bail!(
            "no asset named \"{name}\" (configured: {})",
            assets
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    match format {
        Format::Json => print_json("asset", a)?,
        Format::Table => {
            let mut out = anstream::stdout().lock();
            let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
            writeln!(out, "{}", a.name.bold())?;
            writeln!(
                out,
                "  layer:        {} ({}, {})",
                a.layer,
                opt(&a.mechanism),
                opt(&a.cadence)
            )?;
            writeln!(out, "  owner:        {}", opt(&a.owner))?;
            writeln!(out, "  environment:  {}", opt(&a.environment))?;
            writeln!(out, "  data at risk: {}", opt(&a.data_classification))?;
            writeln!(out, "  scan:         {}", a.scan.join(", "))?;
            writeln!(out, "  components:   {}", a.components.join(", "))?;
            writeln!(
                out,
                "  last patched: {}{}",
                date(a.last_patched),
                a.last_patched_via
                    .as_ref()
                    .map_or_else(String::new, |v| format!(" ({v})"))
            )?;
            writeln!(out, "  next due:     {}", date(a.next_due))?;
            writeln!(
                out,
                "  open records: {} ({} critical)",
                a.open_records, a.open_critical
            )?;
            writeln!(out, "  standing:     {}", standing(a))?;
        }
    }
    Ok(Outcome::Ok)
}

async fn patched(app: &App, name: &str, note: Option<String>) -> anyhow::Result<Outcome> {
    let patch = app.record_asset_patch(name, note).await?;
    writeln!(
        anstream::stdout().lock(),
        "{} {} patched at {} by {}",
        good("recorded"),
        patch.asset,
        patch.at.format("%Y-%m-%d %H:%M UTC"),
        patch.actor
    )?;
    Ok(Outcome::Ok)
}

/// A TOML basic string: serde_json's string escapes (`\"`, `\\`, `\n`, `\u0001`, never `\/`) are all
/// valid TOML escapes.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// Appends an `[[assets]]` table to the config file, after checking the whole new file: nothing is written
/// unless it is valid.
fn add(global: &GlobalArgs, cmd: AssetsCommand) -> anyhow::Result<Outcome> {
    let AssetsCommand::Add {
        name,
        layer,
        owner,
        environment,
        data_classification,
        scan,
        component,
    } = cmd
    else {
        return Ok(Outcome::Ok);
    };
    let settings = settings::resolve(global)?;
    let Some((path, text)) = &settings.config_source else {
        bail!("no patchwarden.toml to add the asset to; run `patchwarden init` first");
    };
    require_role(
        settings.actor()?,
        &[Role::IncidentCommander, Role::EngineeringLead],
        "add an asset",
    )?;
    let mut table = format!(
        "\n[[assets]]\nname = {}\nlayer = {}\n",
        quoted(&name),
        quoted(&layer)
    );
    for (key, value) in [
        ("owner", &owner),
        ("environment", &environment),
        ("data_classification", &data_classification),
    ] {
        if let Some(v) = value {
            table.push_str(&format!("{key} = {}\n", quoted(v)));
        }
    }
    let list = |items: &[String]| {
        items
            .iter()
            .map(|i| quoted(i))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !scan.is_empty() {
        table.push_str(&format!("scan = [{}]\n", list(&scan)));
    }
    if !component.is_empty() {
        table.push_str(&format!("components = [{}]\n", list(&component)));
    }
    let mut new_text = text.clone();
    if !new_text.ends_with('\n') {
        new_text.push('\n');
    }
    new_text.push_str(&table);
    patchwarden_config::parse(&new_text, &path.display().to_string())?;
    patchwarden_app::reports::write_atomic(path, new_text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    writeln!(
        anstream::stdout().lock(),
        "{} asset {name} to {}",
        good("added"),
        path.display()
    )?;
    Ok(Outcome::Ok)
}
