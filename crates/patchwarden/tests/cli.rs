//! The `patchwarden` binary as a user runs it: each test in a fresh directory, with a fixed clock.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use sqlx::Connection;

const NOW: &str = "2026-03-01T09:00:00Z";

fn pw(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("patchwarden").expect("binary built");
    cmd.current_dir(dir)
        .env_remove("PATCHWARDEN_DATA_DIR")
        .env_remove("PATCHWARDEN_DATABASE_URL")
        .env_remove("PATCHWARDEN_USER")
        .env_remove("RUST_LOG")
        .env("PATCHWARDEN_NOW", NOW)
        .env("NO_COLOR", "1");
    cmd
}

fn json(output: &[u8]) -> Value {
    serde_json::from_slice(output).expect("valid JSON")
}

const TEAM: &str = r#"
[[people]]
name = "cto"
email = "cto@example.com"
roles = ["incident_commander", "engineering_lead"]

[[people]]
name = "auditor"
roles = ["viewer"]
"#;

#[test]
fn init_writes_the_default_policy_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("tempdir");
    pw(dir.path())
        .arg("init")
        .assert()
        .success()
        .stdout(predicate::str::contains("wrote patchwarden.toml"));
    let written =
        std::fs::read_to_string(dir.path().join("patchwarden.toml")).expect("config written");
    assert!(written.contains("critical = \"48h\""));
    assert!(dir.path().join(".patchwarden/patchwarden.db").is_file());

    std::fs::write(dir.path().join("patchwarden.toml"), "# mine\n").expect("write");
    pw(dir.path())
        .arg("init")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "patchwarden.toml already exists; use --force",
        ));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("patchwarden.toml")).expect("read"),
        "# mine\n"
    );

    pw(dir.path()).args(["init", "--force"]).assert().success();
    pw(dir.path())
        .args(["config", "check"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ok patchwarden.toml"));
}

#[test]
fn the_data_dir_comes_from_the_flag_or_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    pw(dir.path())
        .args(["--data-dir", "state", "init"])
        .assert()
        .success();
    assert!(dir.path().join("state/patchwarden.db").is_file());
    std::fs::remove_file(dir.path().join("patchwarden.toml")).expect("rm");
    pw(dir.path())
        .env("PATCHWARDEN_DATA_DIR", "env-state")
        .arg("init")
        .assert()
        .success();
    assert!(dir.path().join("env-state/patchwarden.db").is_file());
}

#[test]
fn without_a_config_file_the_default_policy_applies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = pw(dir.path())
        .args(["config", "show", "--format", "json"])
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["source"], "built-in defaults");
    let policy = &doc["config"]["policy"];
    assert_eq!(policy["targets"]["critical"], "48h");
    assert_eq!(policy["targets"]["low"], "90d");
    assert_eq!(policy["bands"]["critical"], 9.0);
    assert_eq!(policy["emergency"]["approver"], "incident_commander");
    assert_eq!(policy["retention_months"], 12);
    assert_eq!(doc["config"]["layers"].as_array().map(Vec::len), Some(4));

    // audit commands work too, creating the data dir on the way.
    pw(dir.path()).args(["audit", "verify"]).assert().success();
    assert!(dir.path().join(".patchwarden/patchwarden.db").is_file());
}

#[test]
fn config_check_reports_every_problem_with_its_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("ops.toml"),
        "[policy.targets]\ncritical = \"2 fortnights\"\n[[people]]\nname = \"x\"\nroles = [\"ceo\"]\n[[tasks]]\nname = \"t\"\nschedule = \"not cron\"\ncommand = [\"true\"]\n",
    )
    .expect("write");
    let out = pw(dir.path())
        .args(["--config", "ops.toml", "config", "check"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("error: ops.toml:2:12: `policy.targets.critical`: invalid duration"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: ops.toml:5:10: `people[0].roles`: unknown role \"ceo\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: ops.toml:8:12: task `t`: bad cron expression"),
        "{stderr}"
    );
    assert!(stderr.contains("3 problem(s) in ops.toml"), "{stderr}");

    // Any command refuses to run on a broken config, rather than guessing.
    pw(dir.path())
        .args(["--config", "ops.toml", "audit", "verify"])
        .assert()
        .code(2);
    // A missing file is an error, not the defaults.
    pw(dir.path())
        .args(["--config", "nope.toml", "config", "check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read the config file nope.toml",
        ));
    pw(dir.path())
        .args(["config", "check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("patchwarden init"));
}

#[test]
fn cvss_scores_every_version_as_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P", "2.0", 7.5, "high"),
        (
            "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "3.0",
            9.8,
            "critical",
        ),
        (
            "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N",
            "3.1",
            3.1,
            "low",
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "4.0",
            9.3,
            "critical",
        ),
    ];
    for (vector, version, score, severity) in cases {
        let out = pw(dir.path())
            .args(["cvss", vector, "--format", "json"])
            .assert()
            .success();
        let doc = json(&out.get_output().stdout);
        assert_eq!(doc["version"], version, "{vector}");
        assert_eq!(doc["vector"], vector);
        assert_eq!(doc["base_score"], score, "{vector}");
        assert_eq!(doc["severity"], severity, "{vector}");
    }
    let out = pw(dir.path())
        .args([
            "cvss",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C/CR:L",
            "--format",
            "json",
        ])
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(doc["temporal_score"], 8.5);
    assert!(doc["environmental_score"].is_number());
}

#[test]
fn an_invalid_vector_exits_2_and_names_the_metric() {
    let dir = tempfile::tempdir().expect("tempdir");
    pw(dir.path())
        .args(["cvss", "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("metric AV"));
    pw(dir.path())
        .args(["cvss", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("A"));
}

#[test]
fn the_policy_severity_follows_the_configured_bands() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("patchwarden.toml"),
        "[policy.severity]\ncritical = 9.9\n",
    )
    .expect("write");
    let out = pw(dir.path())
        .args([
            "cvss",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "--format",
            "json",
        ])
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(
        doc["severity"], "critical",
        "the specification's rating does not change"
    );
    assert_eq!(
        doc["policy_severity"], "high",
        "9.8 is below this team's critical band"
    );
}

#[test]
fn the_actor_must_be_a_configured_person() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("patchwarden.toml"), TEAM).expect("write");
    let out = pw(dir.path())
        .args(["--as", "cto", "whoami", "--format", "json"])
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(doc["name"], "cto");
    assert_eq!(
        doc["roles"],
        serde_json::json!(["incident_commander", "engineering_lead"])
    );
    pw(dir.path())
        .env("PATCHWARDEN_USER", "auditor")
        .arg("whoami")
        .assert()
        .success()
        .stdout("auditor (viewer)\n");
    pw(dir.path())
        .args(["--as", "mallory", "whoami"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "\"mallory\" is not a configured person (configured people: cto, auditor)",
        ));
    pw(dir.path())
        .arg("whoami")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pass --as NAME"));
}

#[test]
fn the_clock_is_an_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    pw(dir.path()).arg("init").assert().success();
    let out = pw(dir.path())
        .args(["audit", "log", "--format", "json"])
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(doc["events"][0]["action"], "patchwarden.initialised");
    assert_eq!(doc["events"][0]["at"], NOW);
    pw(dir.path())
        .env("PATCHWARDEN_NOW", "yesterday")
        .args(["audit", "log"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "PATCHWARDEN_NOW=\"yesterday\" is not an RFC 3339 time",
        ));
}

#[test]
fn config_changes_are_audited_and_tampering_is_caught() {
    let dir = tempfile::tempdir().expect("tempdir");
    pw(dir.path()).arg("init").assert().success();
    let config = dir.path().join("patchwarden.toml");
    let mut text = std::fs::read_to_string(&config).expect("read");
    text.push_str(TEAM);
    std::fs::write(&config, text).expect("write");
    let out = pw(dir.path())
        .args(["audit", "verify", "--format", "json"])
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(doc["intact"], true);
    assert_eq!(doc["events"], 4, "init, two people added, config applied");
    let head = format!(
        "{}:{}",
        doc["head"]["seq"],
        doc["head"]["hash"].as_str().expect("hash")
    );
    pw(dir.path())
        .args(["audit", "verify", "--expect-head", &head])
        .assert()
        .success();

    // Someone with database access rewrites who was added.
    let db = dir.path().join(".patchwarden/patchwarden.db");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .expect("connect");
        for s in [
            "DROP TRIGGER audit_events_no_update",
            "UPDATE audit_events SET details = '{\"roles\":\"viewer\"}' WHERE seq = 2",
        ] {
            sqlx::query(s).execute(&mut c).await.expect(s);
        }
    });
    let out = pw(dir.path())
        .args(["audit", "verify", "--format", "json"])
        .assert()
        .code(1);
    let doc = json(&out.get_output().stdout);
    assert_eq!(doc["intact"], false);
    assert_eq!(doc["break"]["kind"], "altered");
    assert_eq!(doc["break"]["seq"], 2);
    pw(dir.path())
        .args(["audit", "verify"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "audit log BROKEN: event 2 was altered",
        ));
}

#[test]
fn colour_only_when_asked_and_never_with_no_color() {
    let dir = tempfile::tempdir().expect("tempdir");
    let vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    let coloured = pw(dir.path())
        .env_remove("NO_COLOR")
        .args(["--color", "always", "cvss", vector])
        .assert()
        .success();
    assert!(coloured.get_output().stdout.contains(&0x1b));
    let plain = pw(dir.path())
        .env("NO_COLOR", "1")
        .args(["--color", "always", "cvss", vector])
        .assert()
        .success();
    assert!(!plain.get_output().stdout.contains(&0x1b));
    // Not a terminal: no colour by default.
    let piped = pw(dir.path())
        .env_remove("NO_COLOR")
        .args(["cvss", vector])
        .assert()
        .success();
    assert!(!piped.get_output().stdout.contains(&0x1b));
}

#[test]
fn completions_and_help_with_examples() {
    let dir = tempfile::tempdir().expect("tempdir");
    for shell in ["bash", "zsh", "fish"] {
        pw(dir.path())
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("patchwarden"));
    }
    for cmd in [
        &["init", "--help"][..],
        &["cvss", "--help"],
        &["config", "check", "--help"],
        &["audit", "verify", "--help"],
    ] {
        pw(dir.path())
            .args(cmd)
            .assert()
            .success()
            .stdout(predicate::str::contains("Examples:"));
    }
    pw(dir.path()).arg("frobnicate").assert().code(2);
}

#[test]
fn postgres_is_used_when_a_database_url_is_given() {
    let Ok(url) = std::env::var("PATCHWARDEN_TEST_POSTGRES_URL") else {
        eprintln!("PATCHWARDEN_TEST_POSTGRES_URL is not set: the PostgreSQL CLI test did not run");
        return;
    };
    let name = format!("pw_cli_{:016x}", rand_id());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut admin = rt
        .block_on(sqlx::PgConnection::connect(&url))
        .expect("connect");
    rt.block_on(sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin))
        .expect("create db");
    let db_url = match url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("PATCHWARDEN_TEST_POSTGRES_URL needs a database name"),
    };

    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("patchwarden.toml"), TEAM).expect("write");
    pw(dir.path())
        .env("PATCHWARDEN_DATABASE_URL", &db_url)
        .args(["audit", "verify"])
        .assert()
        .success();
    let out = pw(dir.path())
        .env("PATCHWARDEN_DATABASE_URL", &db_url)
        .args(["audit", "log", "--format", "json"])
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(
        doc["events"].as_array().map(Vec::len),
        Some(3),
        "two people added, config applied"
    );
    assert!(
        !dir.path().join(".patchwarden/patchwarden.db").exists(),
        "nothing went to SQLite"
    );

    rt.block_on(sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin))
        .expect("drop db");
}

fn rand_id() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::process::id())
}
