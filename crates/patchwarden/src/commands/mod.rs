//! One module per subcommand.

mod audit;
mod config;
mod cvss;
mod db;
mod init;
mod patch;
mod scan;
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
        Command::Patch(cmd) => block_on(patch::run(global, cmd)),
        Command::Sla {
            overdue,
            due_within,
            format,
        } => block_on(patch::sla(global, overdue, due_within.as_deref(), format)),
        Command::Records(cli::RecordsCommand::Purge { before }) => {
            block_on(patch::purge(global, &before))
        }
        Command::Scan(args) => block_on(scan::run(global, args)),
        Command::Db(cmd) => block_on(db::run(global, cmd)),
        Command::Audit(cmd) => block_on(audit::run(global, cmd)),
        Command::Whoami { format } => whoami::run(global, format),
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
