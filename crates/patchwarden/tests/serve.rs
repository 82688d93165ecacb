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

/// A `patchwarden serve` process on an ephemeral loopback port, stopped with SIGTERM.
struct Served {
    child: std::process::Child,
    base: String,
}

impl Served {
    fn start(dir: &Path, envs: &[(&str, &str)]) -> Self {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("patchwarden"));
        cmd.current_dir(dir)
            .env_remove("PATCHWARDEN_DATA_DIR")
            .env_remove("PATCHWARDEN_DATABASE_URL")
            .env("NO_COLOR", "1")
            .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start the server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the address");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Self { child, base }
    }

    /// SIGTERM, then the exit status and the log.
    fn stop(self) -> (std::process::ExitStatus, String) {
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        let out = self.child.wait_with_output().expect("wait");
        (
            out.status,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn send(url: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let auth = format!("Bearer {token}");
    let mut response = match body {
        Some(b) => agent
            .post(url)
            .header("authorization", &auth)
            .header("content-type", "application/json")
            .send(b.to_string()),
        None => agent.get(url).header("authorization", &auth).call(),
    }
    .expect("request");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
    )
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

    let server = Served::start(dir.path(), &[]);
    let base = server.base.clone();

    let (status, body) = get(&format!("{base}/api/v1/me"), &token);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("incident_commander"), "{body}");

    pw(dir.path())
        .args(["tokens", "revoke", &id])
        .assert()
        .success();
    let (status, body) = get(&format!("{base}/api/v1/me"), &token);
    assert_eq!(status, 401, "{body}");

    // Removing the user ends every token they hold.
    let again = pw(dir.path())
        .args(["tokens", "create", "--user", "ivy", "--format", "json"])
        .assert()
        .success();
    let again: Value = serde_json::from_slice(&again.get_output().stdout).expect("json");
    let again = again["token"].as_str().expect("token").to_owned();
    assert_eq!(get(&format!("{base}/api/v1/me"), &again).0, 200);
    pw(dir.path())
        .args(["users", "passwd", "ivy", "--password-stdin"])
        .write_stdin("another long password\n")
        .assert()
        .success();
    pw(dir.path())
        .args(["users", "remove", "ivy"])
        .assert()
        .success();
    assert_eq!(get(&format!("{base}/api/v1/me"), &again).0, 401);
    pw(dir.path())
        .args(["users", "remove", "ivy"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("user ivy"));
    let audit = pw(dir.path())
        .args(["audit", "log", "--format", "json"])
        .assert()
        .success();
    let audit = String::from_utf8(audit.get_output().stdout.clone()).expect("utf-8");
    for action in [
        "user.added",
        "token.created",
        "token.revoked",
        "user.password_changed",
        "user.removed",
    ] {
        assert!(audit.contains(action), "{action} is audited");
    }
    assert!(
        !audit.contains(&again) && !audit.contains("argon2"),
        "no secret in the audit log"
    );

    let (status, logs) = server.stop();
    assert!(
        status.success(),
        "SIGTERM ends the server cleanly: {status:?}"
    );
    // JSON log lines, with the request logged and no token in them.
    assert!(logs.lines().all(|l| l.starts_with('{')), "{logs}");
    assert!(logs.contains("shutting down"), "{logs}");
    assert!(
        logs.contains("/api/v1/me") && logs.contains("\"status\":401"),
        "{logs}"
    );
    assert!(!logs.contains(&token), "{logs}");
}

#[test]
fn two_serve_processes_on_one_postgres_database_stay_consistent() {
    let Ok(url) = std::env::var("PATCHWARDEN_TEST_POSTGRES_URL") else {
        eprintln!("PATCHWARDEN_TEST_POSTGRES_URL is not set: the two-server test did not run");
        return;
    };
    let name = format!(
        "pw_serve_{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let admin = || {
        rt.block_on(<sqlx::PgConnection as sqlx::Connection>::connect(&url))
            .expect("connect")
    };
    let mut conn = admin();
    rt.block_on(sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn))
        .expect("create db");
    let db_url = match url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("PATCHWARDEN_TEST_POSTGRES_URL needs a database name"),
    };
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("patchwarden.toml"),
        format!("{TEAM}\n[[assets]]\nname = \"web\"\nlayer = \"app-dependencies\"\n"),
    )
    .expect("config");
    let db = [("PATCHWARDEN_DATABASE_URL", db_url.as_str())];
    pw(dir.path())
        .envs(db)
        .env("PATCHWARDEN_PASSWORD", "a long enough password")
        .args(["users", "add", "ivy", "--role", "incident_commander"])
        .assert()
        .success();
    let out = pw(dir.path())
        .envs(db)
        .args(["tokens", "create", "--user", "ivy", "--format", "json"])
        .assert()
        .success();
    let created: Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    let token = created["token"].as_str().expect("token").to_owned();

    let (one, two) = (
        Served::start(dir.path(), &db),
        Served::start(dir.path(), &db),
    );
    let (status, doc) = send(
        &format!("{}/api/v1/records", one.base),
        &token,
        Some(serde_json::json!({"title": "Kernel update", "asset": "web", "severity": "medium"})),
    );
    assert_eq!(status, 201, "{doc}");
    let id = doc["record"]["id"].as_i64().expect("id");
    let v0 = doc["record"]["version"].as_i64().expect("version");
    // Changed through one…
    let (status, doc) = send(
        &format!("{}/api/v1/records/{id}/comment", one.base),
        &token,
        Some(serde_json::json!({"text": "scheduled for Tuesday", "version": v0})),
    );
    assert_eq!(status, 200, "{doc}");
    let v1 = doc["record"]["version"].as_i64().expect("version");
    // …seen through the other, which refuses a change made against the old version.
    let (status, doc) = send(&format!("{}/api/v1/records/{id}", two.base), &token, None);
    assert_eq!(status, 200);
    assert_eq!(doc["record"]["version"], v1);
    let (status, doc) = send(
        &format!("{}/api/v1/records/{id}/comment", two.base),
        &token,
        Some(serde_json::json!({"text": "stale", "version": v0})),
    );
    assert_eq!(status, 409, "{doc}");
    assert_eq!(doc["current_version"], v1);
    let (_, audit) = send(&format!("{}/api/v1/audit/verify", two.base), &token, None);
    assert_eq!(audit["intact"], true, "{audit}");

    for server in [one, two] {
        let (status, logs) = server.stop();
        assert!(status.success(), "{logs}");
    }
    let mut conn = admin();
    rt.block_on(sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut conn))
        .expect("drop db");
}

#[test]
fn serve_runs_the_scheduler_in_process_and_stops_it_with_the_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("ran");
    std::fs::write(
        dir.path().join("patchwarden.toml"),
        format!(
            "{TEAM}\n[[tasks]]\nname = \"touch\"\nevery = \"1m\"\ncommand = [\"touch\", \"{}\"]\ntimeout = \"30s\"\n",
            marker.display()
        ),
    )
    .expect("config");
    // Two seconds before a slot: the scheduler's second tick (after 5 s) finds it due.
    let served = Served::start(dir.path(), &[("PATCHWARDEN_NOW", "2026-09-01T09:00:58Z")]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !marker.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let (status, log) = served.stop();
    assert!(marker.exists(), "the task ran inside serve: {log}");
    assert!(status.success(), "{log}");
    let out = pw(dir.path())
        .args(["tasks", "history", "touch", "--format", "json"])
        .env("PATCHWARDEN_NOW", "2026-09-01T09:02:00Z")
        .assert()
        .success();
    assert!(
        String::from_utf8_lossy(&out.get_output().stdout).contains("succeeded"),
        "{}",
        String::from_utf8_lossy(&out.get_output().stdout)
    );
}
