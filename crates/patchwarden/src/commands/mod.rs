//! One module per subcommand.

mod assets;
mod audit;
mod config;
mod cvss;
mod db;
mod feeds;
mod fix;
mod import;
mod init;
mod notify;
mod patch;
mod report;
mod scan;
mod serve;
mod tasks;
mod whoami;

use clap::CommandFactory;

use crate::Outcome;
use crate::cli::{self, Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let global = &cli.global;
    match cli.command {
        Command::Init { force } => block_on(init::run(global, force)),
        Command::Config(cmd) => config::run(global, cmd),
        Command::Cvss { vector, format } => cvss::run(global, &vector, format),
        Command::Sbom {
            paths,
            images,
            rootfs,
            format,
            output,
        } => sbom(global, paths, images, rootfs, &format, output),
        Command::Patch(cmd) => block_on(patch::run(global, cmd)),
        Command::Sla {
            overdue,
            due_within,
            alert,
            format,
        } => block_on(patch::sla(
            global,
            overdue,
            due_within.as_deref(),
            alert,
            format,
        )),
        Command::Assets(cmd) => block_on(assets::run(global, cmd)),
        Command::Fix(args) => block_on(fix::run(global, args)),
        Command::Records(cli::RecordsCommand::Purge { before, .. }) => {
            block_on(patch::purge(global, before.as_deref()))
        }
        Command::Report(cmd) => block_on(report::run(global, cmd)),
        Command::Scan(args) => block_on(scan::run(global, args)),
        Command::Import(args) => block_on(import::run(global, args)),
        Command::Db(cmd) => block_on(db::run(global, cmd)),
        Command::Feeds(cmd) => block_on(feeds::run(global, cmd)),
        Command::Notices(cmd) => block_on(feeds::notices(global, cmd)),
        Command::Audit(cmd) => block_on(audit::run(global, cmd)),
        Command::Scheduler { once, tick, lease } => {
            block_on(tasks::scheduler(global, once, &tick, &lease))
        }
        Command::Notify(cmd) => block_on(notify::run(global, cmd)),
        Command::Tasks(cmd) => block_on(tasks::run(global, cmd)),
        Command::Whoami { format } => whoami::run(global, format),
        Command::Serve(args) => block_on(serve::run(global, args)),
        Command::Users(cmd) => block_on(serve::users(global, cmd)),
        Command::Tokens(cmd) => block_on(serve::tokens(global, cmd)),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "patchwarden",
                &mut std::io::stdout(),
            );
            Ok(Outcome::Ok)
        }
    }
}

/// Runs an async command on a runtime made for it; commands that need no database never start one.
fn block_on<F: std::future::Future<Output = anyhow::Result<Outcome>>>(
    f: F,
) -> anyhow::Result<Outcome> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(f)
}

/// `patchwarden sbom`: reads what a scan would read and writes it as an SBOM; no database needed.
fn sbom(
    global: &crate::cli::GlobalArgs,
    mut paths: Vec<std::path::PathBuf>,
    images: Vec<std::path::PathBuf>,
    rootfs: Vec<std::path::PathBuf>,
    format: &str,
    output: Option<std::path::PathBuf>,
) -> anyhow::Result<Outcome> {
    use anyhow::Context;
    if paths.is_empty() && images.is_empty() && rootfs.is_empty() {
        paths.push(".".into());
    }
    let now = crate::settings::now()?;
    let _ = global;
    let name = paths
        .first()
        .or(images.first())
        .or(rootfs.first())
        .and_then(|p| std::fs::canonicalize(p).ok())
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "inventory".to_owned());
    let request = patchwarden_app::scan::ScanRequest {
        paths,
        images,
        rootfs,
        ..Default::default()
    };
    let inventory = patchwarden_app::scan::read_inventory(&request)?;
    let doc = match format {
        "spdx-json" => patchwarden_app::sbom::spdx(&inventory, &name, now),
        _ => patchwarden_app::sbom::cyclonedx(&inventory, &name, now),
    };
    let text = serde_json::to_string_pretty(&doc)? + "\n";
    match output {
        Some(path) => {
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, &text)
                .with_context(|| format!("cannot write {}", tmp.display()))?;
            std::fs::rename(&tmp, &path)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => {
            use std::io::Write;
            anstream::stdout().lock().write_all(text.as_bytes())?;
        }
    }
    Ok(Outcome::Ok)
}
