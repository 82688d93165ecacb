//! `patchwarden`: the command line. Parses arguments, resolves settings, runs one command, and maps the
//! outcome to the documented exit codes (0 ok, 1 findings or a failed check, 2 usage/input error).

mod cli;
mod commands;
mod output;
mod progress;
mod settings;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use cli::Cli;

/// How a command ended when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Findings at or above the threshold, or a check that did not pass.
    Failed,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    output::init_color(cli.global.color);
    let serving = match &cli.command {
        cli::Command::Serve(args) => Some(args.log_format),
        _ => None,
    };
    init_logging(cli.global.verbose, serving);
    match commands::run(cli) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            let mut err = anstream::stderr().lock();
            match e.downcast_ref::<patchwarden_config::Diagnostics>() {
                // One line per problem, each in the file:line:column form editors jump to.
                Some(diags) => {
                    for line in diags.to_string().lines() {
                        let _ = writeln!(err, "{} {line}", output::bad("error:"));
                    }
                    let _ = writeln!(err, "{} problem(s) in {}", diags.items.len(), diags.file);
                }
                None => {
                    let _ = writeln!(err, "{} {e:#}", output::bad("error:"));
                }
            }
            ExitCode::from(2)
        }
    }
}

/// Logs to stderr: warnings by default, requests too when serving (`serving` is the log format then).
fn init_logging(verbose: u8, serving: Option<cli::LogFormat>) {
    let default = match verbose {
        0 if serving.is_some() => "info",
        0 => "warn",
        1 => "patchwarden=debug,info",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if serving == Some(cli::LogFormat::Json) {
        builder.json().try_init()
    } else {
        builder
            .with_ansi(
                anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never,
            )
            .try_init()
    };
}

/// A closed pipe (`patchwarden audit log | head`) is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
