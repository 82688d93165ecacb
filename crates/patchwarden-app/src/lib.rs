//! The use cases of patchwarden, shared by the CLI and the server: open the team's records (SQLite in the
//! data dir or PostgreSQL), keep the people and assets in them in line with `patchwarden.toml`, and answer
//! who is acting and what time it is, both of which are inputs, never read here from the environment.

pub mod advisories;
pub mod assets;
pub mod eol;
pub mod feeds;
pub mod fix;
pub mod image;
pub mod import;
pub mod inventory;
pub mod notices;
pub mod notify;
mod par;
pub mod record_cache;
pub mod records;
pub mod reports;
pub mod sbom;
pub mod scan;
pub mod sources;
pub mod sync;
pub mod tasks;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use patchwarden_config::Config;
use patchwarden_core::{ActorError, EventDraft, Person, resolve_actor};
use patchwarden_store::{Store, StoreError, SyncSummary};
use sha2::{Digest, Sha256};

/// The SQLite file inside the data dir.
pub const DATABASE_FILE: &str = "patchwarden.db";

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("cannot create the data dir {path}: {source}")]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Actor(#[from] ActorError),
    #[error(transparent)]
    Import(Box<advisories::ImportError>),
    #[error("{0}")]
    Fetch(String),
    #[error(transparent)]
    Inventory(Box<inventory::InventoryError>),
    #[error(transparent)]
    Transition(#[from] patchwarden_core::TransitionError),
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Image(Box<image::ImageError>),
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Everything a command needs to know before it touches the records, resolved by the caller.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: Config,
    /// The file the config came from (None: the built-in defaults) and its text, for the audit trail.
    pub config_source: Option<(PathBuf, String)>,
    pub data_dir: PathBuf,
    /// Overrides `config.database_url`.
    pub database_url: Option<String>,
    pub now: DateTime<Utc>,
    /// The name given with `--as` / `PATCHWARDEN_USER`, not yet checked.
    pub actor: Option<String>,
}

impl Settings {
    /// The database to use: the override, the config's, or SQLite in the data dir.
    pub fn database_target(&self) -> DatabaseTarget {
        match self
            .database_url
            .as_ref()
            .or(self.config.database_url.as_ref())
        {
            Some(url) => DatabaseTarget::Url(url.clone()),
            None => DatabaseTarget::Sqlite(self.data_dir.join(DATABASE_FILE)),
        }
    }

    /// The configured person acting, or why there is none.
    pub fn actor(&self) -> Result<&Person, ActorError> {
        resolve_actor(self.actor.as_deref(), &self.config.people)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    Sqlite(PathBuf),
    Url(String),
}

impl std::fmt::Display for DatabaseTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseTarget::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseTarget::Url(url) => f.write_str(&patchwarden_store::redact(url)),
        }
    }
}

/// An open set of records, in line with the config.
#[derive(Debug)]
pub struct App {
    pub settings: Settings,
    pub store: Store,
}

/// What [`App::open`] changed to bring the records in line with the config.
#[derive(Debug, Default)]
pub struct ConfigSync {
    pub people: SyncSummary,
    pub assets: SyncSummary,
}

impl App {
    /// Creates the data dir if needed, opens (and migrates) the database, and records any change of people
    /// or assets in the config since the last command as audited events.
    pub async fn open(settings: Settings) -> Result<(Self, ConfigSync)> {
        ensure_dir(&settings.data_dir)?;
        let store = match settings.database_target() {
            DatabaseTarget::Sqlite(path) => Store::open_sqlite(&path).await?,
            DatabaseTarget::Url(url) => Store::open(&url).await?,
        };
        tracing::debug!(backend = store.backend_name(), "database open");
        let app = Self { settings, store };
        let sync = app.sync_config().await?;
        Ok((app, sync))
    }

    async fn sync_config(&self) -> Result<ConfigSync> {
        let s = &self.settings;
        let people = self
            .store
            .sync_people(&s.config.people, SYSTEM, s.now)
            .await?;
        let assets = self
            .store
            .sync_assets(&s.config.assets, SYSTEM, s.now)
            .await?;
        if !(people.is_empty() && assets.is_empty()) {
            // Name the config that made the change, so an auditor can match it to a commit.
            let (file, digest) = match &s.config_source {
                Some((path, text)) => (path.display().to_string(), sha256_hex(text.as_bytes())),
                None => ("(built-in defaults)".to_owned(), String::new()),
            };
            self.store
                .append_event(EventDraft::new(
                    s.now,
                    SYSTEM,
                    "config.applied",
                    format!("config:{file}"),
                    serde_json::json!({ "file": file, "sha256": digest }).to_string(),
                ))
                .await?;
        }
        Ok(ConfigSync { people, assets })
    }

    /// Records that the data dir was initialised.
    pub async fn record_init(&self, config_written: Option<&Path>) -> Result<()> {
        let s = &self.settings;
        let actor = s
            .actor
            .as_deref()
            .filter(|_| s.actor().is_ok())
            .unwrap_or(SYSTEM);
        self.store
            .append_event(EventDraft::new(
                s.now,
                actor,
                "patchwarden.initialised",
                format!("data-dir:{}", s.data_dir.display()),
                serde_json::json!({
                    "config": config_written.map(|p| p.display().to_string()),
                    "database": s.database_target().to_string(),
                    "version": env!("CARGO_PKG_VERSION"),
                })
                .to_string(),
            ))
            .await?;
        Ok(())
    }
}

/// The actor name of what patchwarden does on its own (config sync, scheduled jobs).
pub const SYSTEM: &str = "system";

fn ensure_dir(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path).map_err(|source| AppError::DataDir {
        path: path.to_owned(),
        source,
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use patchwarden_core::Role;

    fn settings(dir: &Path, config: Config) -> Settings {
        Settings {
            config,
            config_source: Some((dir.join("patchwarden.toml"), "x".into())),
            data_dir: dir.join(".patchwarden"),
            database_url: None,
            now: Utc
                .with_ymd_and_hms(2026, 3, 1, 9, 0, 0)
                .single()
                .expect("time"),
            actor: None,
        }
    }

    #[tokio::test]
    async fn opening_creates_the_data_dir_and_records_config_changes_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = Config::default();
        config.people.push(Person {
            name: "cto".into(),
            email: None,
            roles: vec![Role::IncidentCommander],
        });
        let (app, sync) = App::open(settings(dir.path(), config.clone()))
            .await
            .expect("open");
        assert!(
            dir.path()
                .join(".patchwarden")
                .join(DATABASE_FILE)
                .is_file()
        );
        assert_eq!(sync.people.added, ["cto"]);
        let events = app.store.audit_events(0, 10).await.expect("events");
        assert_eq!(
            events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["person.added", "config.applied"]
        );
        app.store.close().await;

        let (app, sync) = App::open(settings(dir.path(), config))
            .await
            .expect("reopen");
        assert!(sync.people.is_empty());
        assert_eq!(
            app.store.audit_events(0, 10).await.expect("events").len(),
            2
        );
    }

    #[test]
    fn the_database_url_overrides_the_data_dir() {
        let dir = Path::new("/srv/pw");
        let mut s = settings(dir, Config::default());
        assert_eq!(
            s.database_target(),
            DatabaseTarget::Sqlite(dir.join(".patchwarden/patchwarden.db"))
        );
        s.config.database_url = Some("postgres://pw:secret@db/pw".into());
        assert_eq!(s.database_target().to_string(), "postgres://pw:***@db/pw");
    }
}
