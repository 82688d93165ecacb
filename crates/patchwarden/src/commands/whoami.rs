//! `patchwarden whoami`: the person `--as` / `PATCHWARDEN_USER` names, checked against the config.

use std::io::Write;

use crate::Outcome;
use crate::cli::{Format, GlobalArgs};
use crate::output::print_json;
use crate::settings;

pub fn run(global: &GlobalArgs, format: Format) -> anyhow::Result<Outcome> {
    let settings = settings::resolve(global)?;
    let person = settings.actor()?;
    match format {
        Format::Json => print_json("person", person)?,
        Format::Table => {
            let roles: Vec<_> = person.roles.iter().map(|r| r.as_str()).collect();
            writeln!(
                anstream::stdout().lock(),
                "{} ({})",
                person.name,
                roles.join(", ")
            )?;
        }
    }
    Ok(Outcome::Ok)
}
