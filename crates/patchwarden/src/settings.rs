//! Turns command-line arguments and the environment into the app's `Settings`: which config, which
//! database, what time it is, who is acting.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use patchwarden_app::Settings;
use patchwarden_config::{Config, FILE_NAME};

use crate::cli::GlobalArgs;

/// The config file to use: `--config`, else `./patchwarden.toml` if it exists.
pub fn config_path(global: &GlobalArgs) -> Option<PathBuf> {
    global.config.clone().or_else(|| {
        Path::new(FILE_NAME)
            .is_file()
            .then(|| PathBuf::from(FILE_NAME))
    })
}

/// Reads and validates the config; `Ok(None)` means no file, so the built-in policy applies.
pub fn load_config(global: &GlobalArgs) -> anyhow::Result<Option<(PathBuf, String, Config)>> {
    let Some(path) = config_path(global) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the config file {}", path.display()))?;
    let config = patchwarden_config::parse(&text, &path.display().to_string())?;
    Ok(Some((path, text, config)))
}

/// `PATCHWARDEN_NOW` if set (RFC 3339), else the system clock.
pub fn now() -> anyhow::Result<DateTime<Utc>> {
    match std::env::var("PATCHWARDEN_NOW") {
        Ok(text) if !text.is_empty() => DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .with_context(|| {
                format!(
                    "PATCHWARDEN_NOW={text:?} is not an RFC 3339 time (e.g. 2026-03-01T09:00:00Z)"
                )
            }),
        _ => Ok(Utc::now()),
    }
}

pub fn resolve(global: &GlobalArgs) -> anyhow::Result<Settings> {
    let loaded = load_config(global)?;
    let (config, config_source) = match loaded {
        Some((path, text, config)) => (config, Some((path, text))),
        None => (Config::default(), None),
    };
    let database_url = match std::env::var("PATCHWARDEN_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            if !(url.starts_with("postgres://")
                || url.starts_with("postgresql://")
                || url.starts_with("sqlite:"))
            {
                bail!(
                    "PATCHWARDEN_DATABASE_URL must start with postgres://, postgresql:// or sqlite:"
                );
            }
            Some(url)
        }
        _ => None,
    };
    Ok(Settings {
        config,
        config_source,
        data_dir: global.data_dir.clone(),
        database_url,
        now: now()?,
        actor: global.actor.clone(),
    })
}
