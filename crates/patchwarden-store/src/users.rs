//! Who can log in to the server: users (configured people with a password hash), their API tokens and
//! their browser sessions. Secrets never reach this crate in the clear: callers pass hashes. Every change
//! to who can log in is an audited event in the same transaction.

use chrono::{DateTime, Utc};
use patchwarden_core::{EventDraft, Role};
use sqlx::Row;

use crate::audit::append_in_tx;
use crate::{Result, Store, StoreError, on_backend};

/// A user as stored (without the password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUser {
    pub name: String,
    pub email: Option<String>,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

/// An API token as listed: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub id: i64,
    pub user: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A live session: whose it is and the token its forms must echo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub user: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

fn user_from_row<R: Row>(row: &R) -> Result<StoredUser>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> DateTime<Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let role: String = row.try_get("role")?;
    Ok(StoredUser {
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        role: role
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("users.role: {e}")))?,
        created_at: row.try_get("created_at")?,
    })
}

fn token_from_row<R: Row>(row: &R) -> Result<StoredToken>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> DateTime<Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<DateTime<Utc>>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(StoredToken {
        id: row.try_get("id")?,
        user: row.try_get("user_name")?,
        label: row.try_get("label")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

impl Store {
    /// Adds a user for a person already mirrored from the config.
    pub async fn add_user(
        &self,
        user: &StoredUser,
        password_hash: &str,
        actor: &str,
    ) -> Result<()> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let exists = sqlx::query("SELECT name FROM users WHERE name = $1")
                .bind(&user.name)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_some() {
                return Err(StoreError::Conflict(format!(
                    "user {} already exists (use `users passwd` to change the password)",
                    user.name
                )));
            }
            sqlx::query(
                "INSERT INTO users (name, email, role, password_hash, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(&user.name)
            .bind(&user.email)
            .bind(user.role.as_str())
            .bind(password_hash)
            .bind(user.created_at)
            .execute(&mut *tx)
            .await?;
            append_in_tx!(tx, EventDraft::new(
                user.created_at,
                actor,
                "user.added",
                format!("user:{}", user.name),
                serde_json::json!({ "email": user.email, "role": user.role.as_str() }).to_string(),
            ));
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn users(&self) -> Result<Vec<StoredUser>> {
        on_backend!(self, pool => {
            let rows = sqlx::query("SELECT name, email, role, created_at FROM users ORDER BY name")
                .fetch_all(pool)
                .await?;
            rows.iter().map(user_from_row).collect()
        })
    }

    /// The user and their password hash, if there is such a user.
    pub async fn user_credentials(&self, name: &str) -> Result<Option<(StoredUser, String)>> {
        on_backend!(self, pool => {
            let row = sqlx::query(
                "SELECT name, email, role, created_at, password_hash FROM users WHERE name = $1",
            )
            .bind(name)
            .fetch_optional(pool)
            .await?;
            match row {
                Some(row) => Ok(Some((user_from_row(&row)?, row.try_get("password_hash")?))),
                None => Ok(None),
            }
        })
    }

    /// Replaces the password hash and ends the user's sessions.
    pub async fn set_password(
        &self,
        name: &str,
        password_hash: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE name = $3")
                .bind(password_hash)
                .bind(at)
                .bind(name)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("user {name}")));
            }
            sqlx::query("DELETE FROM sessions WHERE user_name = $1")
                .bind(name)
                .execute(&mut *tx)
                .await?;
            append_in_tx!(tx, EventDraft::new(at, actor, "user.password_changed", format!("user:{name}"), "{}".to_owned()));
            tx.commit().await?;
            Ok(())
        })
    }

    /// Removes a user with their tokens and sessions (the person and their records stay).
    pub async fn remove_user(&self, name: &str, actor: &str, at: DateTime<Utc>) -> Result<()> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM sessions WHERE user_name = $1").bind(name).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM api_tokens WHERE user_name = $1").bind(name).execute(&mut *tx).await?;
            let done = sqlx::query("DELETE FROM users WHERE name = $1")
                .bind(name)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("user {name}")));
            }
            append_in_tx!(tx, EventDraft::new(at, actor, "user.removed", format!("user:{name}"), "{}".to_owned()));
            tx.commit().await?;
            Ok(())
        })
    }

    /// Stores a new token's hash; returns its id.
    pub async fn create_token(
        &self,
        user: &str,
        label: &str,
        token_sha256: &str,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<i64> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let exists = sqlx::query("SELECT name FROM users WHERE name = $1")
                .bind(user)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound(format!("user {user} (add them with `patchwarden users add`)")));
            }
            let row = sqlx::query(
                "INSERT INTO api_tokens (user_name, label, token_sha256, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(user)
            .bind(label)
            .bind(token_sha256)
            .bind(created_at)
            .bind(expires_at)
            .fetch_one(&mut *tx)
            .await?;
            let id: i64 = row.try_get("id")?;
            append_in_tx!(tx, EventDraft::new(
                created_at,
                user,
                "token.created",
                format!("token:{id}"),
                serde_json::json!({ "user": user, "label": label, "expires_at": expires_at }).to_string(),
            ));
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Tokens, newest first; only `user`'s when given.
    pub async fn tokens(&self, user: Option<&str>) -> Result<Vec<StoredToken>> {
        on_backend!(self, pool => {
            let rows = sqlx::query(
                "SELECT id, user_name, label, created_at, expires_at, revoked_at FROM api_tokens \
                 WHERE $1 IS NULL OR user_name = $1 ORDER BY id DESC",
            )
            .bind(user)
            .fetch_all(pool)
            .await?;
            rows.iter().map(token_from_row).collect()
        })
    }

    pub async fn revoke_token(&self, id: i64, actor: &str, at: DateTime<Utc>) -> Result<()> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("unrevoked token {id}")));
            }
            append_in_tx!(tx, EventDraft::new(at, actor, "token.revoked", format!("token:{id}"), "{}".to_owned()));
            tx.commit().await?;
            Ok(())
        })
    }

    /// The user a token belongs to, if it is known, unrevoked and unexpired at `now`.
    pub async fn token_user(
        &self,
        token_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>> {
        on_backend!(self, pool => {
            let row = sqlx::query(
                "SELECT user_name FROM api_tokens \
                 WHERE token_sha256 = $1 AND revoked_at IS NULL AND expires_at > $2",
            )
            .bind(token_sha256)
            .bind(now)
            .fetch_optional(pool)
            .await?;
            row.map(|r| r.try_get("user_name")).transpose().map_err(Into::into)
        })
    }

    pub async fn create_session(
        &self,
        id_sha256: &str,
        session: &StoredSession,
        at: DateTime<Utc>,
    ) -> Result<()> {
        on_backend!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (id_sha256, user_name, csrf_token, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id_sha256)
            .bind(&session.user)
            .bind(&session.csrf_token)
            .bind(at)
            .bind(session.expires_at)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// The live session with this id hash at `now`.
    pub async fn session(
        &self,
        id_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredSession>> {
        on_backend!(self, pool => {
            let row = sqlx::query(
                "SELECT user_name, csrf_token, expires_at FROM sessions WHERE id_sha256 = $1 AND expires_at > $2",
            )
            .bind(id_sha256)
            .bind(now)
            .fetch_optional(pool)
            .await?;
            match row {
                Some(r) => Ok(Some(StoredSession {
                    user: r.try_get("user_name")?,
                    csrf_token: r.try_get("csrf_token")?,
                    expires_at: r.try_get("expires_at")?,
                })),
                None => Ok(None),
            }
        })
    }

    pub async fn delete_session(&self, id_sha256: &str) -> Result<()> {
        on_backend!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE id_sha256 = $1")
                .bind(id_sha256)
                .execute(pool)
                .await?;
            Ok(())
        })
    }
}
