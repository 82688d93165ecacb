//! Who can log in, as use cases shared by `patchwarden users`/`tokens` and the server: a user is a
//! configured person (`[[people]]`) with a password; the roles that decide what they may do are the
//! config's, so the role given when adding them must be one the config gives them.

use chrono::{DateTime, TimeDelta, Utc};
use patchwarden_app::App;
use patchwarden_core::Role;
use patchwarden_store::{StoredToken, StoredUser};

use crate::auth::{self, PasswordError};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(
        "{name} is not a configured person: add them to [[people]] in the config first (configured: {known})"
    )]
    NotAPerson { name: String, known: String },
    #[error(
        "{name} holds [{held}] in the config, not {role}: change [[people]] to give them that role"
    )]
    RoleNotHeld {
        name: String,
        held: String,
        role: Role,
    },
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("the token must expire between 1 hour and 400 days from now")]
    Expiry,
    #[error(transparent)]
    App(#[from] patchwarden_app::AppError),
    #[error(transparent)]
    Store(#[from] patchwarden_store::StoreError),
}

/// The name the change is recorded under: the person acting if one is given, else `system`.
fn actor_name(app: &App) -> String {
    app.settings
        .actor()
        .map(|p| p.name.clone())
        .unwrap_or_else(|_| patchwarden_app::SYSTEM.to_owned())
}

/// `users add NAME --email … --role …`.
pub async fn add_user(
    app: &App,
    name: &str,
    email: Option<String>,
    role: Role,
    password: &str,
) -> Result<StoredUser, AccountError> {
    let people = &app.settings.config.people;
    let person =
        people
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| AccountError::NotAPerson {
                name: name.to_owned(),
                known: people
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
    if !person.has_role(role) {
        return Err(AccountError::RoleNotHeld {
            name: name.to_owned(),
            held: person
                .roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            role,
        });
    }
    let hash = auth::hash_password(password)?;
    let user = StoredUser {
        name: name.to_owned(),
        email: email.or_else(|| person.email.clone()),
        role,
        created_at: app.settings.now,
    };
    app.store.add_user(&user, &hash, &actor_name(app)).await?;
    Ok(user)
}

pub async fn set_password(app: &App, name: &str, password: &str) -> Result<(), AccountError> {
    let hash = auth::hash_password(password)?;
    app.store
        .set_password(name, &hash, &actor_name(app), app.settings.now)
        .await?;
    Ok(())
}

pub async fn remove_user(app: &App, name: &str) -> Result<(), AccountError> {
    app.store
        .remove_user(name, &actor_name(app), app.settings.now)
        .await?;
    Ok(())
}

/// A token just created: the secret is in `token` and nowhere else.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewToken {
    pub id: i64,
    pub user: String,
    pub label: String,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn create_token(
    app: &App,
    user: &str,
    label: &str,
    valid_for: TimeDelta,
) -> Result<NewToken, AccountError> {
    if valid_for < TimeDelta::hours(1) || valid_for > TimeDelta::days(400) {
        return Err(AccountError::Expiry);
    }
    let now = app.settings.now;
    let expires_at = now + valid_for;
    let (token, hash) = auth::new_token();
    let id = app
        .store
        .create_token(user, label, &hash, now, expires_at)
        .await?;
    Ok(NewToken {
        id,
        user: user.to_owned(),
        label: label.to_owned(),
        token,
        expires_at,
    })
}

pub async fn tokens(app: &App, user: Option<&str>) -> Result<Vec<StoredToken>, AccountError> {
    Ok(app.store.tokens(user).await?)
}

pub async fn revoke_token(app: &App, id: i64) -> Result<(), AccountError> {
    app.store
        .revoke_token(id, &actor_name(app), app.settings.now)
        .await?;
    Ok(())
}
