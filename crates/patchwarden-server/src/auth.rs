//! Who is asking: passwords (argon2id), API tokens and session ids (random, kept as SHA-256), the
//! [`Actor`] extractor that turns a bearer token or a session cookie into a configured person, CSRF
//! checks for cookie-authenticated writes, and login throttling.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use chrono::{DateTime, TimeDelta, Utc};
use patchwarden_core::Person;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::ServerState;
use crate::error::ApiError;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "patchwarden_session";
/// The header a cookie-authenticated write must carry, holding the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Prefix of API tokens, so a leaked one is recognisable in a secret scanner.
pub const TOKEN_PREFIX: &str = "pw_";

/// The shortest password `users add` / `users passwd` accept.
pub const MIN_PASSWORD_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("the password is too short: use at least {MIN_PASSWORD_LEN} characters")]
    TooShort,
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// An argon2id PHC string for `password`.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(PasswordError::TooShort);
    }
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// 256 random bits, hex-encoded.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A new API token (shown once) and the hash that is stored.
pub fn new_token() -> (String, String) {
    let token = format!("{TOKEN_PREFIX}{}", random_secret());
    let hash = sha256_hex(&token);
    (token, hash)
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// How someone proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Token,
    /// A browser session, with the CSRF token its writes must echo.
    Session {
        id_hash: String,
        csrf_token: String,
    },
}

/// The authenticated person behind a request, with the roles the config gives them now.
#[derive(Debug, Clone)]
pub struct Actor {
    pub person: Person,
    pub credential: Credential,
}

impl Actor {
    /// Refuses a viewer (or anyone without a writing role) before any write.
    pub fn require_write(&self, doing: &str) -> Result<(), ApiError> {
        if self.person.can_write() {
            Ok(())
        } else {
            let held: Vec<_> = self.person.roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::forbidden(format!(
                "{} holds only [{}] and may not {doing}",
                self.person.name,
                held.join(", ")
            ))
            .with("roles", serde_json::json!(held)))
        }
    }
}

pub(crate) fn cookie_value<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl FromRequestParts<Arc<ServerState>> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<ServerState>,
    ) -> Result<Self, Self::Rejection> {
        let now = state.now();
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let (user, credential) = if let Some(token) = bearer {
            let user = state
                .store
                .token_user(&sha256_hex(token.trim()), now)
                .await?
                .ok_or_else(|| {
                    ApiError::unauthorized("the API token is unknown, revoked or expired")
                })?;
            (user, Credential::Token)
        } else if let Some(id) = cookie_value(parts, SESSION_COOKIE) {
            let id_hash = sha256_hex(id);
            let session = state
                .store
                .session(&id_hash, now)
                .await?
                .ok_or_else(|| ApiError::unauthorized("the session has ended: log in again"))?;
            (
                session.user,
                Credential::Session {
                    id_hash,
                    csrf_token: session.csrf_token,
                },
            )
        } else {
            return Err(ApiError::unauthorized(
                "log in (POST /api/v1/session) or send `Authorization: Bearer <token>`",
            ));
        };
        // A browser cannot be made to send a custom header cross-site, so a write with a session cookie
        // must echo the session's CSRF token in one.
        if let Credential::Session { csrf_token, .. } = &credential {
            if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
                let sent = parts
                    .headers
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                if !constant_time_eq(sent.as_bytes(), csrf_token.as_bytes()) {
                    return Err(ApiError::forbidden(format!(
                        "missing or wrong {CSRF_HEADER} header: send the csrf_token given at login"
                    )));
                }
            }
        }
        // Roles come from the config as it is now: someone removed from [[people]] can no longer act.
        let person = state
            .settings
            .config
            .people
            .iter()
            .find(|p| p.name == user)
            .cloned()
            .ok_or_else(|| {
                ApiError::forbidden(format!("{user} is no longer a configured person"))
            })?;
        Ok(Actor { person, credential })
    }
}

/// The authenticated person when the request carries credentials (which must then be valid), or nobody:
/// for the endpoints that may also be public.
#[derive(Debug, Clone)]
pub struct MaybeActor(pub Option<Actor>);

impl FromRequestParts<Arc<ServerState>> for MaybeActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<ServerState>,
    ) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key(header::AUTHORIZATION)
            || cookie_value(parts, SESSION_COOKIE).is_some()
        {
            Actor::from_request_parts(parts, state)
                .await
                .map(|a| MaybeActor(Some(a)))
        } else {
            Ok(MaybeActor(None))
        }
    }
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Failed logins per user name: after `MAX_FAILURES` within `WINDOW`, further attempts are refused until
/// the window has passed. Per process; each server of a shared database throttles on its own. It also
/// holds the rate limit of public reports ([`ReportLimiter`]).
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, DateTime<Utc>)>>,
    pub reports: ReportLimiter,
}

/// Reports accepted without a token, per client address, within a sliding window (`[server.reports]`).
#[derive(Debug, Default)]
pub struct ReportLimiter {
    accepted: Mutex<HashMap<IpAddr, Vec<DateTime<Utc>>>>,
}

impl ReportLimiter {
    /// Counts a report from `addr` if fewer than `limit` were accepted within `window`; else the seconds
    /// until one more may be.
    pub fn admit(
        &self,
        addr: IpAddr,
        now: DateTime<Utc>,
        limit: u32,
        window: TimeDelta,
    ) -> Result<(), i64> {
        let Ok(mut map) = self.accepted.lock() else {
            return Err(1);
        };
        // Forget what is out of every window, so the map does not grow with old addresses.
        map.retain(|_, times| {
            times.retain(|t| *t + window > now);
            !times.is_empty()
        });
        let times = map.entry(addr).or_default();
        if times.len() >= limit as usize {
            let oldest = times.first().copied().unwrap_or(now);
            return Err((oldest + window - now).num_seconds().max(1));
        }
        times.push(now);
        Ok(())
    }
}

impl LoginThrottle {
    pub const MAX_FAILURES: u32 = 5;
    pub const WINDOW: TimeDelta = TimeDelta::minutes(15);

    /// Seconds until `name` may try again, if it is throttled now.
    pub fn retry_after(&self, name: &str, now: DateTime<Utc>) -> Option<i64> {
        let map = self.failures.lock().ok()?;
        let (count, first) = map.get(name)?;
        let until = *first + Self::WINDOW;
        (*count >= Self::MAX_FAILURES && now < until).then(|| (until - now).num_seconds().max(1))
    }

    pub fn failed(&self, name: &str, now: DateTime<Utc>) {
        if let Ok(mut map) = self.failures.lock() {
            let entry = map.entry(name.to_owned()).or_insert((0, now));
            if now >= entry.1 + Self::WINDOW {
                *entry = (0, now);
            }
            entry.0 += 1;
        }
    }

    pub fn succeeded(&self, name: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let phc = hash_password("correct horse battery").expect("hash");
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &phc));
        assert!(!verify_password("correct horse batterz", &phc));
        assert!(matches!(
            hash_password("short"),
            Err(PasswordError::TooShort)
        ));
    }

    #[test]
    fn tokens_are_random_and_stored_only_as_their_hash() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(ha, sha256_hex(&a));
        assert!(!ha.contains(&a[TOKEN_PREFIX.len()..]));
    }

    #[test]
    fn five_failures_throttle_a_name_for_the_window() {
        let t = LoginThrottle::default();
        let now = DateTime::<Utc>::UNIX_EPOCH;
        for _ in 0..LoginThrottle::MAX_FAILURES {
            assert_eq!(t.retry_after("ana", now), None);
            t.failed("ana", now);
        }
        assert_eq!(t.retry_after("ana", now), Some(900));
        assert_eq!(t.retry_after("bob", now), None);
        assert_eq!(t.retry_after("ana", now + LoginThrottle::WINDOW), None);
        t.succeeded("ana");
        assert_eq!(t.retry_after("ana", now), None);
    }

    #[test]
    fn public_reports_are_limited_per_address_within_the_window() {
        let limiter = ReportLimiter::default();
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let window = TimeDelta::hours(1);
        let (a, b): (IpAddr, IpAddr) = (
            "192.0.2.1".parse().expect("ip"),
            "192.0.2.2".parse().expect("ip"),
        );
        assert_eq!(limiter.admit(a, now, 2, window), Ok(()));
        assert_eq!(
            limiter.admit(a, now + TimeDelta::minutes(30), 2, window),
            Ok(())
        );
        assert_eq!(
            limiter.admit(a, now + TimeDelta::minutes(40), 2, window),
            Err(20 * 60)
        );
        assert_eq!(limiter.admit(b, now, 2, window), Ok(()));
        // The first report has left the window: one more is accepted.
        assert_eq!(limiter.admit(a, now + window, 2, window), Ok(()));
        let c: IpAddr = "192.0.2.3".parse().expect("ip");
        assert_eq!(
            limiter.admit(c, now, 0, window),
            Err(3600),
            "0: none at all"
        );
    }
}
