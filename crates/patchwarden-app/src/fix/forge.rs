//! Opening the pull request (GitHub, Gitea) or merge request (GitLab) for a fix branch through the forge's
//! REST API. The token comes from the environment variable the asset names, and is never logged.

use patchwarden_core::{Forge, ForgeKind};
use patchwarden_fetch::Client;
use serde_json::{Value, json};

use crate::{AppError, Result};

/// The token for `forge`, or why there is none (checked before anything is changed).
pub fn token(forge: &Forge) -> Result<String> {
    match std::env::var(&forge.token_env) {
        Ok(t) if !t.trim().is_empty() => Ok(t),
        _ => Err(AppError::Input(format!(
            "the forge token is not set: export {} (a token that may open pull requests on {})",
            forge.token_env, forge.repository
        ))),
    }
}

/// Percent-encodes a GitLab project path (`group/project` → `group%2Fproject`).
fn encode_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Opens the pull request of `branch` into the forge's base branch; returns its web address.
pub fn open_pull_request(
    forge: &Forge,
    token: &str,
    branch: &str,
    title: &str,
    body: &str,
) -> Result<String> {
    let (url, headers, payload, link_field) = match forge.kind {
        ForgeKind::Github => (
            format!("{}/repos/{}/pulls", forge.api_url, forge.repository),
            vec![
                ("Authorization", format!("Bearer {token}")),
                ("Accept", "application/vnd.github+json".to_owned()),
            ],
            json!({"title": title, "head": branch, "base": forge.base, "body": body}),
            "html_url",
        ),
        ForgeKind::Gitea => (
            format!("{}/repos/{}/pulls", forge.api_url, forge.repository),
            vec![("Authorization", format!("token {token}"))],
            json!({"title": title, "head": branch, "base": forge.base, "body": body}),
            "html_url",
        ),
        ForgeKind::Gitlab => (
            format!(
                "{}/projects/{}/merge_requests",
                forge.api_url,
                encode_path(&forge.repository)
            ),
            vec![("PRIVATE-TOKEN", token.to_owned())],
            json!({"title": title, "source_branch": branch, "target_branch": forge.base, "description": body}),
            "web_url",
        ),
    };
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, reply) = Client::new()
        .post_json(&url, &headers, &payload.to_string())
        .map_err(|e| AppError::Fetch(e.to_string()))?;
    if !(200..300).contains(&status) {
        let message = serde_json::from_str::<Value>(&reply)
            .ok()
            .and_then(|v| v.get("message").map(|m| m.to_string()))
            .unwrap_or_default();
        return Err(AppError::Fetch(format!(
            "the forge refused the pull request ({status}) {message}; the branch {branch} is pushed, open it by hand"
        )));
    }
    serde_json::from_str::<Value>(&reply)
        .ok()
        .and_then(|v| v.get(link_field).and_then(Value::as_str).map(str::to_owned))
        .ok_or_else(|| AppError::Fetch(format!("the forge's reply names no {link_field}")))
}
