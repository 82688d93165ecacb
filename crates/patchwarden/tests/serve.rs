//! `patchwarden users`, `tokens` and `serve` as a team runs them: add a user, create a token, start the
//! server as a real process on an ephemeral port, call the API with the token, revoke it, and stop the
//! server with SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const TEAM: &str = r#"
[[people]]
name = "ivy"
email = "ivy@example.invalid"
roles = ["incident_commander"]

[[people]]
name = "vic"
roles = ["viewer"]
"#;

fn pw(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("patchwarden").expect("binary built");
    cmd.current_dir(dir)
        .env_remove("PATCHWARDEN_DATA_DIR")
        .env_remove("PATCHWARDEN_DATABASE_URL")
        .env_remove("PATCHWARDEN_USER")
        .env_remove("PATCHWARDEN_PASSWORD")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1");
    cmd
}

fn get(url: &str, token: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .get(url)
        .header("authorization", &format!("Bearer {token}"))
        .call()
        .expect("request");
    let status = response.status().as_u16();
    (status, response.body_mut().read_to_string().expect("body"))
}

#[test]
fn a_user_with_a_token_uses_the_served_api_until_the_token_is_revoked() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("patchwarden.toml"), TEAM).expect("config");

    // Only configured people can become users, and only with a role the config gives them.
    pw(dir.path())
        .env("PATCHWARDEN_PASSWORD", "a long enough password")
        .args(["users", "add", "mallory", "--role", "incident_commander"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a configured person"));
    pw(dir.path())
        .env("PATCHWARDEN_PASSWORD", "a long enough password")
        .args(["users", "add", "vic", "--role", "incident_commander"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("holds [viewer]"));
    pw(dir.path())
        .args([
            "users",
            "add",
            "ivy",
            "--role",
            "incident_commander",
            "--password-stdin",
        ])
        .write_stdin("short\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("at least 12 characters"));
    pw(dir.path())
        .args([
            "users",
            "add",
            "ivy",
            "--role",
            "incident_commander",
            "--password-stdin",
        ])
        .write_stdin("a long enough password\n")
        .assert()
        .success();
    let listed = pw(dir.path())
        .args(["users", "list", "--format", "json"])
        .assert()
        .success();
    let users: Value = serde_json::from_slice(&listed.get_output().stdout).expect("json");
    assert_eq!(users["users"][0]["name"], "ivy");
    assert_eq!(users["users"][0]["email"], "ivy@example.invalid");

    let created = pw(dir.path())
        .args([
            "tokens", "create", "--user", "ivy", "--label", "ci", "--format", "json",
        ])
        .assert()
        .success();
    let created: Value = serde_json::from_slice(&created.get_output().stdout).expect("json");
    let token = created["token"].as_str().expect("token").to_owned();
    let id = created["id"].to_string();
    // The token is shown once: the list never holds it.
    let list = pw(dir.path())
        .args(["tokens", "list", "--format", "json"])
        .assert()
        .success();
    let list = String::from_utf8(list.get_output().stdout.clone()).expect("utf-8");
    assert!(
        list.contains("\"active\"") && !list.contains(&token),
        "{list}"
    );

    let mut server = std::process::Command::new(assert_cmd::cargo::cargo_bin("patchwarden"))
        .current_dir(dir.path())
        .env_remove("PATCHWARDEN_DATA_DIR")
        .env_remove("PATCHWARDEN_DATABASE_URL")
        .env("NO_COLOR", "1")
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the address");
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();

    let (status, body) = get(&format!("{base}/api/v1/me"), &token);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("incident_commander"), "{body}");

    pw(dir.path())
        .args(["tokens", "revoke", &id])
        .assert()
        .success();
    let (status, body) = get(&format!("{base}/api/v1/me"), &token);
    assert_eq!(status, 401, "{body}");

    let killed = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let out = server.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "SIGTERM ends the server cleanly: {:?}",
        out.status
    );
    let logs = String::from_utf8_lossy(&out.stderr);
    // JSON log lines, with the request logged and no token in them.
    assert!(logs.lines().all(|l| l.starts_with('{')), "{logs}");
    assert!(logs.contains("shutting down"), "{logs}");
    assert!(
        logs.contains("/api/v1/me") && logs.contains("\"status\":401"),
        "{logs}"
    );
    assert!(!logs.contains(&token), "{logs}");
}
