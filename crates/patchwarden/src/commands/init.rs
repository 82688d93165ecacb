//! `patchwarden init`: the commented default config and the data dir with its database.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use patchwarden_app::App;
use patchwarden_config::{FILE_NAME, TEMPLATE};

use crate::Outcome;
use crate::cli::GlobalArgs;
use crate::output::{dim, good};
use crate::settings;

pub async fn run(global: &GlobalArgs, force: bool) -> anyhow::Result<Outcome> {
    let path = global
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(FILE_NAME));
    if path.exists() && !force {
        bail!(
            "{} already exists; use --force to overwrite it with the default policy",
            path.display()
        );
    }
    // Write to a sibling temp file and rename, so a failure never leaves half a config behind.
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, TEMPLATE).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;

    let settings = settings::resolve(&GlobalArgs {
        config: Some(path.clone()),
        ..global.clone()
    })?;
    let target = settings.database_target();
    let (app, _) = App::open(settings).await?;
    app.record_init(Some(&path)).await?;
    app.store.close().await;

    let mut out = anstream::stdout().lock();
    writeln!(out, "{} {}", good("wrote"), path.display())?;
    writeln!(
        out,
        "{} {} ({target})",
        good("created"),
        global.data_dir.display()
    )?;
    writeln!(out)?;
    writeln!(out, "Next:")?;
    writeln!(
        out,
        "  edit {}: add your [[people]], [[assets]] and tasks",
        path.display()
    )?;
    writeln!(out, "  patchwarden config check")?;
    writeln!(out, "{}", dim("  patchwarden --help lists every command"))?;
    Ok(Outcome::Ok)
}
