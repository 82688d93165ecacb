//! patchwarden's storage: one schema, kept in SQLite (one file in the data dir, the embedded default) or in
//! PostgreSQL (shared by several server instances), through sqlx with embedded migrations.
//!
//! The same SQL runs on both backends wherever it can (sqlx binds `$1` on both); the `on_backend!` macro
//! expands a body once per backend so each gets its own typed pool and transaction. Rows are mapped to the
//! core's types here, and sqlx errors to [`StoreError`], so nothing above this crate names a backend.

mod advisories;
mod audit;
mod eol;
mod estate;
mod findings;
mod notices;
mod notify;
mod records;
mod tasks;
mod users;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use advisories::{
    AdvisoryImport, AdvisorySource, Candidate, EcosystemCount, ImportCounts, KevRow, NewAdvisory,
};
pub use audit::AuditVerification;
pub use eol::EolProductRow;
pub use estate::{AssetPatch, StoredAsset, StoredPerson, SyncSummary};
pub use findings::{
    FindingQuery, NamedAdvisory, NewScan, OWN_TOOL, Observation, RecordedScan, StoredFinding,
};
pub use notices::{CveKnowledge, FeedRead, FeedState, NewNotice, Notice, NoticeState};
pub use notify::{Delivery, NewDelivery, OnceAlert};
pub use records::{EvidenceFile, RecordFilter, RecordQuery};
pub use tasks::{Alert, Claim, ClaimRefused, RunEnd, RunOrigin, RunStatus, TaskRun};
pub use users::{StoredSession, StoredToken, StoredUser};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// What can go wrong below the domain, in words the layers above can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("cannot open the database {target}: {source}")]
    Open {
        target: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot bring the database schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound("row".into()),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_owned())
            }
            _ => StoreError::Database(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool of the store's backend.
macro_rules! on_backend {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite($pool) => $body,
            $crate::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_backend;

/// A connection pool to patchwarden's database, migrated to the current schema.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
}

impl Store {
    /// Opens the database named by `url`: `postgres://…`/`postgresql://…`, or `sqlite://PATH`.
    pub async fn open(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::open_postgres(url, None).await
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            Self::open_sqlite(Path::new(path)).await
        } else {
            Err(StoreError::Open {
                target: redact(url),
                source: sqlx::Error::Configuration(
                    "expected a postgres://, postgresql:// or sqlite: URL".into(),
                ),
            })
        }
    }

    /// Opens (creating it if needed) the SQLite file at `path`: WAL journal, foreign keys on.
    pub async fn open_sqlite(path: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // An import writes tens of MiB in one transaction: with the default 2 MiB page cache SQLite
            // spills dirty pages to the WAL mid-transaction and reads them back, and keeps its statement
            // journals in temp files. The cache grows only as pages are used.
            .pragma("cache_size", "-32768")
            .pragma("temp_store", "memory")
            // Reads through a memory map instead of a read(2) per page: a scan's lookups touch a few
            // thousand scattered pages.
            .pragma("mmap_size", "268435456");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                target: path.display().to_string(),
                source,
            })?;
        SQLITE_MIGRATIONS.run(&pool).await?;
        Ok(Self {
            backend: Backend::Sqlite(pool),
        })
    }

    /// Opens a PostgreSQL database; with `schema`, every table lives in (and is looked up in) that schema.
    pub async fn open_postgres(url: &str, schema: Option<&str>) -> Result<Self> {
        let open_error = |source| StoreError::Open {
            target: redact(url),
            source,
        };
        let mut options = PgConnectOptions::from_str(url).map_err(open_error)?;
        if let Some(schema) = schema {
            options = options.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(open_error)?;
        POSTGRES_MIGRATIONS.run(&pool).await?;
        Ok(Self {
            backend: Backend::Postgres(pool),
        })
    }

    /// "sqlite" or "postgres".
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        on_backend!(self, pool => pool.close().await)
    }
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://pw:s3cret@db.internal:5432/pw"),
            "postgres://pw:***@db.internal:5432/pw"
        );
        assert_eq!(redact("postgres://pw@db/pw"), "postgres://pw@db/pw");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
    }
}
