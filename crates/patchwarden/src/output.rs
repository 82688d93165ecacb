//! Printing: colour only on a terminal and never with NO_COLOR (anstream strips styles otherwise), and
//! the versioned envelope of every JSON document.

use std::io::Write;

use owo_colors::{OwoColorize, Style};
use patchwarden_core::Severity;
use serde::Serialize;

use crate::cli::ColorChoice;

/// Bumped only on a breaking change of any JSON document the CLI prints.
pub const JSON_SCHEMA_VERSION: u32 = 1;

pub fn init_color(choice: ColorChoice) {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let choice = match choice {
        _ if no_color => anstream::ColorChoice::Never,
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
}

/// Prints `value` as pretty JSON with `"schema_version"` first.
pub fn print_json<T: Serialize>(kind: &str, value: &T) -> anyhow::Result<()> {
    let mut doc = serde_json::Map::new();
    doc.insert("schema_version".into(), JSON_SCHEMA_VERSION.into());
    doc.insert("kind".into(), kind.into());
    match serde_json::to_value(value)? {
        serde_json::Value::Object(fields) => doc.extend(fields),
        other => {
            doc.insert("data".into(), other);
        }
    }
    let mut out = anstream::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &doc)?;
    writeln!(out)?;
    Ok(())
}

pub fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Critical => Style::new().bold().red(),
        Severity::High => Style::new().red(),
        Severity::Medium => Style::new().yellow(),
        Severity::Low => Style::new().blue(),
    }
}

/// The heading of one severity's group of findings in a table: `HIGH (3)`, in the severity's colour.
pub fn severity_heading(level: &str, count: usize) -> String {
    let heading = format!("{} ({count})", level.to_uppercase());
    match level.parse::<Severity>() {
        Ok(s) => heading.style(severity_style(s)).to_string(),
        Err(_) => heading.bold().to_string(),
    }
}

/// The outcome of `--fail-on LEVEL`: failed when anything is at or above that severity.
pub fn fail_on(
    level: Option<&str>,
    count_at_or_above: impl Fn(Severity) -> usize,
) -> crate::Outcome {
    match level.and_then(|s| s.parse::<Severity>().ok()) {
        Some(t) if count_at_or_above(t) > 0 => crate::Outcome::Failed,
        _ => crate::Outcome::Ok,
    }
}

pub fn good(text: &str) -> String {
    text.green().bold().to_string()
}

pub fn bad(text: &str) -> String {
    text.red().bold().to_string()
}

pub fn dim(text: &str) -> String {
    text.dimmed().to_string()
}

pub fn warn(text: &str) -> String {
    text.yellow().bold().to_string()
}
