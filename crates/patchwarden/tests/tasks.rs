//! `patchwarden scheduler` and `patchwarden tasks …` with real processes: outcomes and their alerts,
//! two schedulers racing on one database, and a scheduler killed mid-run.

use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;
use sqlx::Connection;

const T0: &str = "2026-11-26T10:00:30Z";
const T1: &str = "2026-11-26T10:05:02Z";

/// Turns the built-in tasks off, so each test sees only its own tasks.
const NO_BUILTINS: &str = r#"
[[tasks]]
name = "patchwarden.advisory-sync"
every = "1d"
enabled = false

[[tasks]]
name = "patchwarden.sla-check"
every = "5m"
enabled = false
"#;

fn write_config(dir: &Path, tasks: &str) {
    std::fs::write(
        dir.join("patchwarden.toml"),
        format!("{NO_BUILTINS}{tasks}"),
    )
    .expect("write config");
}

fn pw(dir: &Path, now: &str) -> Command {
    let mut cmd = Command::cargo_bin("patchwarden").expect("binary built");
    cmd.current_dir(dir)
        .env_remove("PATCHWARDEN_DATA_DIR")
        .env_remove("PATCHWARDEN_DATABASE_URL")
        .env_remove("PATCHWARDEN_USER")
        .env("PATCHWARDEN_NOW", now)
        .env("NO_COLOR", "1");
    cmd
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("JSON output")
}

fn history(dir: &Path, task: &str) -> Vec<Value> {
    let out = pw(dir, T1)
        .args(["tasks", "history", task, "--format", "json"])
        .assert()
        .success();
    json(&out.get_output().stdout)["runs"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn alerts(dir: &Path) -> Vec<Value> {
    let out = pw(dir, T1)
        .args(["audit", "log", "--format", "json"])
        .assert()
        .success();
    json(&out.get_output().stdout)["events"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| {
            serde_json::from_str::<Value>(e["details"].as_str().unwrap_or("{}"))
                .map(|d| d["alert"] == true)
                .unwrap_or(false)
        })
        .collect()
}

const OUTCOMES: &str = r#"
[[tasks]]
name = "works"
every = "5m"
command = ["sh", "-c", "sleep 1; echo done"]
timeout = "1m"
min_duration = "1s"

[[tasks]]
name = "fails"
every = "5m"
command = ["sh", "-c", "echo disk full >&2; exit 3"]
timeout = "1m"

[[tasks]]
name = "hangs"
every = "5m"
command = ["sh", "-c", "echo waiting; sleep 60"]
timeout = "2s"

[[tasks]]
name = "does_nothing"
every = "5m"
command = ["true"]
timeout = "1m"
min_duration = "10s"

[[tasks]]
name = "chatty"
every = "5m"
command = ["sh", "-c", "yes a-long-line-of-output | head -c 1000000"]
timeout = "1m"
"#;

#[test]
fn each_outcome_is_stored_with_its_output_and_the_bad_ones_alerted() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(dir.path(), OUTCOMES);
    // First sight of the tasks: nothing is due until their first slot.
    pw(dir.path(), T0)
        .args(["scheduler", "--once"])
        .assert()
        .success();
    assert!(history(dir.path(), "works").is_empty());
    pw(dir.path(), T1)
        .args(["scheduler", "--once"])
        .assert()
        .success();

    let status = |task: &str| history(dir.path(), task)[0]["status"].clone();
    assert_eq!(status("works"), "succeeded");
    assert_eq!(status("fails"), "failed");
    assert_eq!(status("hangs"), "timed_out");
    assert_eq!(status("does_nothing"), "succeeded");
    assert_eq!(history(dir.path(), "fails")[0]["exit_code"], 3);

    let fails_run = history(dir.path(), "fails")[0]["id"].as_i64().expect("id");
    pw(dir.path(), T1)
        .args(["tasks", "logs", &fails_run.to_string()])
        .assert()
        .success()
        .stdout("disk full\n");
    let chatty = &history(dir.path(), "chatty")[0];
    assert!(chatty["output_dropped_bytes"].as_i64().expect("dropped") > 900_000);

    let kinds: Vec<(String, String)> = alerts(dir.path())
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default().to_owned(),
                e["subject"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for expected in [
        ("task.failed", "task:fails"),
        ("task.timed_out", "task:hangs"),
        ("task.too_short", "task:does_nothing"),
    ] {
        assert!(
            kinds
                .iter()
                .any(|(a, s)| a == expected.0 && s == expected.1),
            "{expected:?} not in {kinds:?}"
        );
    }
    assert!(
        !kinds
            .iter()
            .any(|(_, s)| s == "task:works" || s == "task:chatty"),
        "{kinds:?}"
    );

    // `tasks run` now: a failure exits 1; an unknown task is an input error (2).
    pw(dir.path(), T1)
        .args(["tasks", "run", "fails"])
        .assert()
        .code(1);
    pw(dir.path(), T1)
        .args(["tasks", "run", "nope"])
        .assert()
        .code(2);
}

/// Starts `n` schedulers at once on the same database and clock; waits for all.
fn race(dir: &Path, db_url: Option<&str>, now: &str, n: usize) {
    let children: Vec<_> = (0..n)
        .map(|_| {
            let mut cmd = StdCommand::cargo_bin("patchwarden").expect("binary");
            cmd.current_dir(dir)
                .env_remove("PATCHWARDEN_DATA_DIR")
                .env_remove("PATCHWARDEN_DATABASE_URL")
                .env("PATCHWARDEN_NOW", now)
                .args(["scheduler", "--once"])
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            if let Some(url) = db_url {
                cmd.env("PATCHWARDEN_DATABASE_URL", url);
            }
            cmd.spawn().expect("spawn scheduler")
        })
        .collect();
    for mut c in children {
        assert!(c.wait().expect("wait").success());
    }
}

const RACED: &str = r#"
[[tasks]]
name = "append"
every = "5m"
command = ["sh", "-c", "echo ran >> runs.txt; sleep 1"]
timeout = "1m"
"#;

fn racing_schedulers_run_each_slot_once(db_url: Option<&str>) {
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(dir.path(), RACED);
    race(dir.path(), db_url, T0, 1);
    for now in [T1, "2026-11-26T10:10:01Z", "2026-11-26T10:15:01Z"] {
        race(dir.path(), db_url, now, 4);
    }
    let runs = std::fs::read_to_string(dir.path().join("runs.txt")).expect("runs.txt");
    assert_eq!(runs.lines().count(), 3, "three slots, three runs: {runs:?}");
}

#[test]
fn racing_schedulers_on_sqlite_run_each_slot_once() {
    racing_schedulers_run_each_slot_once(None);
}

#[test]
fn racing_schedulers_on_postgres_run_each_slot_once() {
    let Ok(url) = std::env::var("PATCHWARDEN_TEST_POSTGRES_URL") else {
        eprintln!("PATCHWARDEN_TEST_POSTGRES_URL is not set: the PostgreSQL race did not run");
        return;
    };
    let name = format!("pw_sched_{:016x}", rand_id());
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
    racing_schedulers_run_each_slot_once(Some(&db_url));
    rt.block_on(sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin))
        .expect("drop db");
}

const KILLED: &str = r#"
[[tasks]]
name = "nightly"
every = "5m"
command = ["sh", "-c", "if [ -f first ]; then echo second run; else touch first; echo $$ > first.pid; sleep 30; fi"]
timeout = "1m"
"#;

#[test]
fn a_scheduler_killed_mid_run_leaves_an_abandoned_run_and_the_next_one_goes_ahead() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(dir.path(), KILLED);
    pw(dir.path(), T0)
        .args(["scheduler", "--once"])
        .assert()
        .success();
    let mut scheduler = StdCommand::cargo_bin("patchwarden")
        .expect("binary")
        .current_dir(dir.path())
        .env_remove("PATCHWARDEN_DATA_DIR")
        .env_remove("PATCHWARDEN_DATABASE_URL")
        .env("PATCHWARDEN_NOW", T1)
        .args(["scheduler", "--tick", "1s", "--lease", "2s"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn scheduler");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !dir.path().join("first.pid").exists() {
        assert!(Instant::now() < deadline, "the first run never started");
        std::thread::sleep(Duration::from_millis(100));
    }
    scheduler.kill().expect("SIGKILL the scheduler");
    let _ = scheduler.wait();
    // The task's own process outlives its scheduler; end it so it cannot interfere.
    let pid = std::fs::read_to_string(dir.path().join("first.pid")).expect("pid");
    let _ = StdCommand::new("kill").args(["-9", pid.trim()]).status();

    assert_eq!(history(dir.path(), "nightly")[0]["status"], "running");
    // Ten minutes later another scheduler finds the lease expired and runs the next slot.
    pw(dir.path(), "2026-11-26T10:15:01Z")
        .args(["scheduler", "--once"])
        .assert()
        .success();
    let runs = history(dir.path(), "nightly");
    let statuses: Vec<&str> = runs.iter().filter_map(|r| r["status"].as_str()).collect();
    assert!(statuses.contains(&"abandoned"), "{statuses:?}");
    assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
    let last = runs[0]["id"].as_i64().expect("id");
    pw(dir.path(), T1)
        .args(["tasks", "logs", &last.to_string()])
        .assert()
        .success()
        .stdout("second run\n");
    assert!(
        alerts(dir.path())
            .iter()
            .any(|e| e["action"] == "task.abandoned")
    );
}

const HEARTBEAT: &str = r#"
[[tasks]]
name = "external_purge"
every = "1d"
heartbeat = true
grace = "30m"
min_duration = "5s"
"#;

#[test]
fn heartbeats_report_runs_and_a_missing_report_is_alerted() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(dir.path(), HEARTBEAT);
    pw(dir.path(), "2026-11-25T12:00:00Z")
        .args(["scheduler", "--once"])
        .assert()
        .success();
    // Within the grace: nothing yet.
    pw(dir.path(), "2026-11-26T00:29:00Z")
        .args(["scheduler", "--once"])
        .assert()
        .success();
    assert!(alerts(dir.path()).is_empty());
    pw(dir.path(), "2026-11-26T00:31:00Z")
        .args(["scheduler", "--once"])
        .assert()
        .success();
    let missed = alerts(dir.path());
    assert_eq!(missed.len(), 1);
    assert_eq!(missed[0]["action"], "task.missed");

    // The next day's job reports its start and end with a run id; it ran too briefly to have done anything.
    pw(dir.path(), "2026-11-27T00:01:00Z")
        .args([
            "tasks",
            "report",
            "external_purge",
            "--start",
            "--run-id",
            "job-7",
        ])
        .assert()
        .success();
    std::fs::write(dir.path().join("out.log"), "purged 0 rows\n").expect("log");
    let out = pw(dir.path(), "2026-11-27T00:01:02Z")
        .args([
            "tasks",
            "report",
            "external_purge",
            "--exit-code",
            "0",
            "--run-id",
            "job-7",
            "--log",
            "out.log",
            "--format",
            "json",
        ])
        .assert()
        .success();
    let run = json(&out.get_output().stdout);
    assert_eq!(run["status"], "succeeded");
    assert_eq!(run["duration_ms"], 2000);
    assert!(
        alerts(dir.path())
            .iter()
            .any(|e| e["action"] == "task.too_short")
    );
    // That day's slot was reported: no missed alert for it.
    pw(dir.path(), "2026-11-27T01:00:00Z")
        .args(["scheduler", "--once"])
        .assert()
        .success();
    assert_eq!(
        alerts(dir.path())
            .iter()
            .filter(|e| e["action"] == "task.missed")
            .count(),
        1
    );
    // A start that never ends is alerted once its timeout has passed.
    pw(dir.path(), "2026-11-28T00:00:10Z")
        .args([
            "tasks",
            "report",
            "external_purge",
            "--start",
            "--run-id",
            "job-8",
        ])
        .assert()
        .success();
    pw(dir.path(), "2026-11-28T02:00:00Z")
        .args(["scheduler", "--once"])
        .assert()
        .success();
    assert!(
        alerts(dir.path())
            .iter()
            .any(|e| e["action"] == "task.abandoned")
    );
}

#[test]
fn tasks_exec_wraps_a_command_and_records_its_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(
        dir.path(),
        &HEARTBEAT.replace("min_duration = \"5s\"\n", ""),
    );
    pw(dir.path(), T1)
        .args([
            "tasks",
            "exec",
            "external_purge",
            "--",
            "sh",
            "-c",
            "echo purging; exit 5",
        ])
        .assert()
        .code(1)
        .stdout("purging\n");
    let runs = history(dir.path(), "external_purge");
    assert_eq!(runs[0]["status"], "failed");
    assert_eq!(runs[0]["exit_code"], 5);
    assert!(
        alerts(dir.path())
            .iter()
            .any(|e| e["action"] == "task.failed")
    );
}

fn rand_id() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::process::id())
}

#[test]
fn built_in_tasks_are_on_by_default_and_run_patchwarden_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("patchwarden.toml"),
        r#"
[[assets]]
name = "api"
layer = "app-dependencies"
scan = ["poetry.lock"]

[[feeds]]
name = "vendor-status"
url = "http://127.0.0.1:9/history.rss"
kind = "rss"
interval = "5m"

[[tasks]]
name = "patchwarden.advisory-sync"
every = "1d"
enabled = false
"#,
    )
    .expect("write");
    let out = pw(dir.path(), T0)
        .args(["tasks", "list", "--format", "json"])
        .assert()
        .success();
    let list = json(&out.get_output().stdout);
    let names: Vec<&str> = list["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "patchwarden.advisory-sync",
            "patchwarden.sla-check",
            "patchwarden.estate-check",
            "patchwarden.retention-purge",
            "patchwarden.scan.api",
            "patchwarden.feed.vendor-status"
        ]
    );
    let feed = &list["tasks"][5];
    assert_eq!(feed["schedule"], "every 5m", "{feed}");
    assert_eq!(list["tasks"][0]["enabled"], false);
    pw(dir.path(), T0)
        .args(["scheduler", "--once"])
        .assert()
        .success();
    pw(dir.path(), T1)
        .args(["scheduler", "--once"])
        .assert()
        .success();
    let sla = history(dir.path(), "patchwarden.sla-check");
    assert_eq!(sla.len(), 1);
    assert_eq!(sla[0]["status"], "succeeded", "{sla:?}");
    assert!(history(dir.path(), "patchwarden.advisory-sync").is_empty());
    // The feed task polled the feed once per interval; nothing answers there, so the run failed (and
    // was alerted) without losing anything.
    let polls = history(dir.path(), "patchwarden.feed.vendor-status");
    assert_eq!(polls.len(), 1, "{polls:?}");
    assert_eq!(polls[0]["status"], "failed", "{polls:?}");
}

fn last_patched(dir: &Path, now: &str) -> (Value, Value) {
    let out = pw(dir, now)
        .args(["assets", "show", "base-image", "--format", "json"])
        .assert()
        .success();
    let a = json(&out.get_output().stdout);
    (a["last_patched"].clone(), a["last_patched_via"].clone())
}

#[test]
fn a_successful_run_of_a_task_linked_to_an_asset_patches_it_and_a_failed_one_does_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(
        dir.path(),
        r#"
[[assets]]
name = "base-image"
layer = "base-os"

[[tasks]]
name = "rebuild"
schedule = "0 4 * * 1"
command = ["sh", "-c", "test ! -e broken"]
asset = "base-image"

[[tasks]]
name = "hosted-rebuild"
every = "1d"
heartbeat = true
asset = "base-image"
"#,
    );
    let d = dir.path();
    assert_eq!(last_patched(d, "2026-11-23T03:00:00Z").0, Value::Null);
    // Monday 04:00: the scheduled rebuild succeeds; the asset's weekly cadence restarts from it.
    pw(d, "2026-11-23T03:59:00Z")
        .args(["scheduler", "--once"])
        .assert()
        .success();
    pw(d, "2026-11-23T04:00:01Z")
        .args(["scheduler", "--once"])
        .assert()
        .success();
    let (at, via) = last_patched(d, "2026-11-23T05:00:00Z");
    assert!(
        at.as_str()
            .is_some_and(|t| t.starts_with("2026-11-23T04:00:01")),
        "{at}"
    );
    assert_eq!(via, "task:rebuild run 1");
    let out = pw(d, "2026-11-23T05:00:00Z")
        .args(["assets", "show", "base-image", "--format", "json"])
        .assert()
        .success();
    assert!(
        json(&out.get_output().stdout)["next_due"]
            .as_str()
            .is_some_and(|t| t.starts_with("2026-11-30T04:00:01")),
    );

    // A failed run (`tasks run`) and a failed report leave it as it was.
    std::fs::write(d.join("broken"), "").expect("marker");
    pw(d, "2026-11-24T10:00:00Z")
        .args(["tasks", "run", "rebuild"])
        .assert()
        .code(1);
    pw(d, "2026-11-24T10:05:00Z")
        .args(["tasks", "report", "hosted-rebuild", "--exit-code", "3"])
        .assert()
        .success();
    assert_eq!(
        last_patched(d, "2026-11-24T11:00:00Z").1,
        "task:rebuild run 1"
    );

    // A heartbeat's successful report, and `tasks exec`, each count.
    pw(d, "2026-11-25T00:02:00Z")
        .args([
            "tasks",
            "report",
            "hosted-rebuild",
            "--exit-code",
            "0",
            "--run-id",
            "ci-41",
        ])
        .assert()
        .success();
    let (at, via) = last_patched(d, "2026-11-25T01:00:00Z");
    assert_eq!(at, "2026-11-25T00:02:00Z");
    assert!(
        via.as_str()
            .is_some_and(|v| v.starts_with("task:hosted-rebuild run ")),
        "{via}"
    );
    pw(d, "2026-11-26T00:03:00Z")
        .args(["tasks", "exec", "hosted-rebuild", "--", "true"])
        .assert()
        .success();
    assert!(
        last_patched(d, "2026-11-26T01:00:00Z")
            .0
            .as_str()
            .is_some_and(|t| t.starts_with("2026-11-26T00:03")),
    );
}

#[test]
fn the_retention_purge_task_purges_only_records_past_retention() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("patchwarden.toml"),
        r#"
[[people]]
name = "leo"
roles = ["engineering_lead"]
"#,
    )
    .expect("config");
    let d = dir.path();
    let leo = |now: &str, args: &[&str]| {
        pw(d, now)
            .args(["--as", "leo"])
            .args(args)
            .assert()
            .success();
    };
    // Record 1 is dismissed in January 2025, record 2 in December 2025; record 3 stays open.
    for (now, title) in [
        ("2025-01-02T09:00:00Z", "old"),
        ("2025-12-01T09:00:00Z", "recent"),
        ("2025-12-01T09:00:00Z", "open"),
    ] {
        leo(
            now,
            &[
                "patch",
                "new",
                "--title",
                title,
                "--asset",
                "api",
                "--severity",
                "low",
            ],
        );
    }
    for (now, id) in [("2025-01-03T09:00:00Z", "1"), ("2025-12-02T09:00:00Z", "2")] {
        leo(
            now,
            &[
                "patch",
                "dismiss",
                id,
                "--not-affected",
                "--justification",
                "not shipped",
            ],
        );
    }
    // Whoever the scheduler's environment names, the built-in acts as the tool itself.
    let out = pw(d, "2026-03-01T05:00:00Z")
        .env("PATCHWARDEN_USER", "leo")
        .args([
            "tasks",
            "run",
            "patchwarden.retention-purge",
            "--format",
            "json",
        ])
        .assert()
        .success();
    assert_eq!(json(&out.get_output().stdout)["status"], "succeeded");
    let out = pw(d, "2026-03-01T06:00:00Z")
        .args(["patch", "list", "--all", "--format", "json"])
        .assert()
        .success();
    let ids: Vec<i64> = json(&out.get_output().stdout)["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter_map(|r| r["id"].as_i64())
        .collect();
    assert_eq!(ids, [2, 3]);
    let out = pw(d, "2026-03-01T06:00:00Z")
        .args(["audit", "log", "--format", "json"])
        .assert()
        .success();
    let purged: Vec<Value> = json(&out.get_output().stdout)["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["action"] == "records.purged")
        .cloned()
        .collect();
    assert_eq!(purged.len(), 1);
    assert_eq!(purged[0]["actor"], "system");
    pw(d, "2026-03-01T06:00:00Z")
        .args(["audit", "verify"])
        .assert()
        .success();
}
