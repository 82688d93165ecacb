//! Alerts delivered for real: to a loopback HTTP receiver, a loopback SMTP server and a command, each
//! started by the test; duplicates within the window suppressed; failures retried and logged.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use serde_json::Value;

type Inbox = Arc<Mutex<Vec<String>>>;

/// Answers every HTTP request 200 and keeps the bodies.
fn http_receiver() -> (u16, Inbox) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let inbox: Inbox = Arc::default();
    let keep = inbox.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            keep.lock()
                .expect("inbox")
                .push(String::from_utf8_lossy(&body).into_owned());
            let _ = reader
                .get_mut()
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
        }
    });
    (port, inbox)
}

/// A minimal SMTP server (RFC 5321 happy path, no TLS) that keeps each message's DATA.
fn smtp_receiver() -> (u16, Inbox) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let inbox: Inbox = Arc::default();
    let keep = inbox.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let keep = keep.clone();
            std::thread::spawn(move || smtp_session(stream, &keep));
        }
    });
    (port, inbox)
}

fn smtp_session(stream: TcpStream, inbox: &Inbox) {
    let mut out = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    let _ = out.write_all(b"220 localhost ESMTP test\r\n");
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-localhost\r\n250 8BITMIME\r\n",
            "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 ok\r\n",
            "DATA" => {
                let _ = out.write_all(b"354 go ahead\r\n");
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if reader.read_line(&mut l).unwrap_or(0) == 0 || l == ".\r\n" {
                        break;
                    }
                    data.push_str(&l);
                }
                inbox.lock().expect("inbox").push(data);
                b"250 queued\r\n"
            }
            "QUIT" => {
                let _ = out.write_all(b"221 bye\r\n");
                return;
            }
            _ => b"502 not implemented\r\n",
        };
        let _ = out.write_all(reply);
    }
}

fn pw(dir: &Path, now: &str) -> Command {
    let mut cmd = Command::cargo_bin("patchwarden").expect("binary built");
    cmd.current_dir(dir)
        .env_remove("PATCHWARDEN_DATA_DIR")
        .env_remove("PATCHWARDEN_DATABASE_URL")
        .env("PATCHWARDEN_NOW", now)
        .env("NO_COLOR", "1");
    cmd
}

fn log(dir: &Path) -> Vec<Value> {
    let out = pw(dir, "2026-11-26T12:00:00Z")
        .args(["notify", "log", "--format", "json"])
        .assert()
        .success();
    let doc: Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    doc["deliveries"].as_array().cloned().unwrap_or_default()
}

#[test]
fn a_failed_task_is_delivered_to_every_channel_once_within_the_window() {
    let (http_port, webhooks) = http_receiver();
    let (smtp_port, mails) = smtp_receiver();
    // A port nobody listens on: deliveries there fail and are retried.
    let dead_port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("patchwarden.toml"),
        format!(
            r#"
[[tasks]]
name = "patchwarden.advisory-sync"
every = "1d"
enabled = false

[[tasks]]
name = "patchwarden.sla-check"
every = "5m"
enabled = false

[[tasks]]
name = "governance"
every = "5m"
command = ["sh", "-c", "echo cannot reach the database >&2; exit 2"]

[[notify]]
name = "chat"
kind = "webhook"
url = "http://127.0.0.1:{http_port}/hook"
events = ["task.*"]
min_severity = "critical"

[[notify]]
name = "cto-mail"
kind = "email"
host = "127.0.0.1"
port = {smtp_port}
security = "plain"
from = "patchwarden@example.invalid"
to = ["cto@example.invalid"]

[[notify]]
name = "pager"
kind = "command"
command = ["sh", "-c", "cat >> alerts.jsonl; echo >> alerts.jsonl"]

[[notify]]
name = "broken"
kind = "webhook"
url = "http://127.0.0.1:{dead_port}/"
retries = 1

[[notify]]
name = "sla-only"
kind = "command"
command = ["sh", "-c", "cat >> sla.jsonl"]
events = ["sla.*"]
"#
        ),
    )
    .expect("write config");

    pw(dir.path(), "2026-11-26T10:00:30Z")
        .args(["scheduler", "--once"])
        .assert()
        .success();
    pw(dir.path(), "2026-11-26T10:05:02Z")
        .args(["scheduler", "--once"])
        .assert()
        .success();

    let hooks = webhooks.lock().expect("inbox").clone();
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    let hook: Value = serde_json::from_str(&hooks[0]).expect("webhook JSON");
    assert_eq!(hook["schema"], "patchwarden.alert/v1");
    assert_eq!(hook["kind"], "task.failed");
    assert_eq!(
        hook["text"],
        "[CRITICAL] task.failed: task governance exited with code 2"
    );
    let mails_now = mails.lock().expect("inbox").clone();
    assert_eq!(mails_now.len(), 1);
    assert!(
        mails_now[0].contains("Subject: [CRITICAL] task.failed"),
        "{}",
        mails_now[0]
    );
    assert!(mails_now[0].contains("To: cto@example.invalid"));
    let paged = std::fs::read_to_string(dir.path().join("alerts.jsonl")).expect("pager");
    let paged: Value = serde_json::from_str(paged.trim()).expect("stdin JSON");
    assert_eq!(paged["subject"], "task:governance");
    assert!(
        !dir.path().join("sla.jsonl").exists(),
        "routing: sla-only got a task alert"
    );

    let entries = log(dir.path());
    let broken = entries
        .iter()
        .find(|d| d["channel"] == "broken")
        .expect("broken logged");
    assert_eq!(broken["status"], "failed");
    assert_eq!(broken["attempts"], 2, "one try and one retry");

    // The next slot fails again within the hour: not repeated.
    pw(dir.path(), "2026-11-26T10:10:02Z")
        .args(["scheduler", "--once"])
        .assert()
        .success();
    assert_eq!(webhooks.lock().expect("inbox").len(), 1);
    assert_eq!(mails.lock().expect("inbox").len(), 1);
    let entries = log(dir.path());
    assert!(
        entries
            .iter()
            .any(|d| d["channel"] == "chat" && d["status"] == "suppressed"),
        "{entries:?}"
    );

    // `notify test` goes straight out; a dead channel exits 1.
    pw(dir.path(), "2026-11-26T10:11:00Z")
        .args(["notify", "test", "chat"])
        .assert()
        .success();
    assert_eq!(webhooks.lock().expect("inbox").len(), 2);
    pw(dir.path(), "2026-11-26T10:11:00Z")
        .args(["notify", "test", "broken"])
        .assert()
        .code(1);
    pw(dir.path(), "2026-11-26T10:11:00Z")
        .args(["notify", "test", "nope"])
        .assert()
        .code(2);
}

#[test]
fn the_sla_check_alerts_due_soon_once_and_a_breach_then_delivers_both() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("patchwarden.toml"),
        r#"
[[people]]
name = "leo"
roles = ["engineering_lead"]

[[notify]]
name = "pager"
kind = "command"
command = ["sh", "-c", "cat >> alerts.jsonl; echo >> alerts.jsonl"]
events = ["sla.*"]
"#,
    )
    .expect("write config");
    // A critical record opened at 09:00 is due 48 h later.
    pw(dir.path(), "2026-03-02T09:00:00Z")
        .args([
            "--as",
            "leo",
            "patch",
            "new",
            "--title",
            "RCE in upload",
            "--asset",
            "api",
            "--severity",
            "critical",
            "--source",
            "user-report",
        ])
        .assert()
        .success();
    let sla = |now: &str| {
        pw(dir.path(), now)
            .args(["sla", "--due-within", "24h", "--alert"])
            .assert()
            .success();
        pw(dir.path(), now)
            .args(["notify", "send"])
            .assert()
            .success();
    };
    let kinds = || -> Vec<String> {
        std::fs::read_to_string(dir.path().join("alerts.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str::<Value>(l).expect("alert JSON")["kind"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    };
    sla("2026-03-03T08:00:00Z"); // due in 25 h
    assert!(kinds().is_empty());
    sla("2026-03-03T10:00:00Z"); // due in 23 h
    sla("2026-03-03T12:00:00Z"); // still due soon: not raised again
    assert_eq!(kinds(), ["sla.due_soon"]);
    sla("2026-03-04T09:30:00Z"); // past the deadline
    assert_eq!(kinds(), ["sla.due_soon", "sla.breached"]);
}

/// The kinds of the alerts a command channel wrote to `file`, one JSON document a line.
fn kinds_in(dir: &Path, file: &str) -> Vec<String> {
    std::fs::read_to_string(dir.join(file))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("alert JSON")["kind"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[test]
fn every_new_alert_kind_is_raised_once_and_routed_by_kind() {
    use patchwarden_testkit::{Route, StaticServer, shared_data};

    let (http_port, webhooks) = http_receiver();
    let feed = StaticServer::start([(
        "/weblog".to_owned(),
        Route::File(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../patchwarden-feeds/tests/fixtures/rss2.xml"),
        ),
    )]);
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(
        d.join("pytest.xml"),
        r#"<testsuite name="pytest" tests="1" failures="0" errors="0" skipped="0"><testcase classname="t" name="ok"/></testsuite>"#,
    )
    .expect("junit");
    std::fs::write(
        d.join("patchwarden.toml"),
        format!(
            r#"
[[people]]
name = "leo"
roles = ["engineering_lead"]
[[people]]
name = "ivy"
roles = ["incident_commander", "engineering_lead"]
[[people]]
name = "rosa"
roles = ["release_owner"]

[[assets]]
name = "base-image"
layer = "base-os"
components = ["python@3.10", "php@8.2"]

[[feeds]]
name = "framework"
vendor = "Framework"
kind = "rss"
url = "{base}/weblog"
asset = "base-image"

[[notify]]
name = "records"
kind = "webhook"
url = "http://127.0.0.1:{http_port}/hook"
events = ["finding.critical", "emergency.*", "postmortem.due", "risk.expiring"]

[[notify]]
name = "estate"
kind = "command"
command = ["sh", "-c", "cat >> estate.jsonl; echo >> estate.jsonl"]
events = ["cadence.*", "rebuild.due", "eol.*"]

[[notify]]
name = "notices"
kind = "command"
command = ["sh", "-c", "cat >> notices.jsonl; echo >> notices.jsonl"]
events = ["notice.*"]
"#,
            base = feed.base()
        ),
    )
    .expect("write config");
    let ok = |now: &str, who: Option<&str>, args: &[&str]| {
        let mut cmd = pw(d, now);
        if let Some(who) = who {
            cmd.args(["--as", who]);
        }
        let out = cmd.args(args).assert().success();
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    };
    let send = |now: &str| ok(now, None, &["notify", "send"]);

    // The channels start at the end of the log; then a vendor notice arrives.
    send("2026-11-20T09:00:00Z");
    ok(
        "2026-11-20T09:00:00Z",
        None,
        &[
            "db",
            "import",
            &shared_data().join("eol").display().to_string(),
        ],
    );
    ok("2026-11-20T09:00:00Z", None, &["feeds", "poll"]);

    // A critical record, assessed onto the emergency path, deployed: its post-mortem is due 48 h later.
    let t = "2026-11-20T09:05:00Z";
    ok(
        t,
        Some("leo"),
        &[
            "patch",
            "new",
            "--title",
            "RCE in the base image",
            "--asset",
            "base-image",
            "--severity",
            "critical",
        ],
    );
    ok(
        t,
        Some("leo"),
        &["patch", "assess", "1", "--data-at-risk", "everything"],
    );
    ok(
        t,
        Some("ivy"),
        &[
            "patch",
            "plan",
            "1",
            "--release-owner",
            "rosa",
            "--target",
            "base@2",
            "--rollback",
            "previous image",
            "--tests",
            "pytest",
        ],
    );
    ok(
        t,
        Some("rosa"),
        &["patch", "test", "1", "--junit", "pytest.xml"],
    );
    ok(t, Some("ivy"), &["patch", "approve", "1"]);
    ok(
        "2026-11-20T10:00:00Z",
        Some("rosa"),
        &["patch", "deploy", "1", "--ref", "rebuild-77"],
    );
    // A high record whose risk is accepted until the 23rd.
    ok(
        t,
        Some("leo"),
        &[
            "patch",
            "new",
            "--title",
            "Old TLS library",
            "--asset",
            "base-image",
            "--severity",
            "high",
        ],
    );
    ok(
        t,
        Some("leo"),
        &[
            "patch",
            "accept-risk",
            "2",
            "--reason",
            "vendor fix next week",
            "--expires",
            "2026-11-23",
        ],
    );
    ok(t, Some("ivy"), &["patch", "accept-risk", "2", "--approve"]);

    // The SLA check: the post-mortem is due within 24 h, the acceptance expires within 24 h; the notice
    // has waited 40 h, less than the 2 days allowed. Run twice: nothing is raised twice.
    for now in ["2026-11-22T01:00:00Z", "2026-11-22T02:00:00Z"] {
        ok(now, None, &["sla", "--due-within", "24h", "--alert"]);
    }
    // 51 h: the notice is untriaged past the limit.
    ok(
        "2026-11-22T12:00:00Z",
        None,
        &["sla", "--due-within", "24h", "--alert"],
    );

    // The daily estate check, as the built-in task runs it, a week and a day after the asset was first
    // seen: the weekly rebuild was missed, the open critical record makes a rebuild due now, python 3.10
    // is past its end of life and php 8.2 reaches it within 90 days.
    let run = ok(
        "2026-11-28T09:30:00Z",
        None,
        &[
            "tasks",
            "run",
            "patchwarden.estate-check",
            "--format",
            "json",
        ],
    );
    let run: Value = serde_json::from_str(&run).expect("run JSON");
    assert_eq!(run["status"], "succeeded", "{run}");
    let again = ok(
        "2026-11-28T10:30:00Z",
        None,
        &["assets", "check", "--alert", "--format", "json"],
    );
    let again: Value = serde_json::from_str(&again).expect("check JSON");
    assert_eq!(again["schema"], "patchwarden.estate-check/v1");
    assert_eq!(again["alerts_raised"], 0, "each occasion is alerted once");
    assert_eq!(again["assets"][0]["missed"], true);
    let statuses: Vec<(&str, &str)> = again["components"]
        .as_array()
        .expect("components")
        .iter()
        .map(|c| {
            (
                c["product"].as_str().unwrap_or(""),
                c["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [("python", "unsupported"), ("php", "nearing-eol")]
    );
    pw(d, "2026-11-28T10:30:00Z")
        .args(["assets", "check", "--fail"])
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "python 3.10 (declared for asset base-image): end of life since 2026-10-31; move to",
        ));

    send("2026-11-28T10:31:00Z");
    let hooks: Vec<String> = webhooks
        .lock()
        .expect("inbox")
        .iter()
        .map(|b| {
            serde_json::from_str::<Value>(b).expect("webhook JSON")["kind"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(
        hooks,
        [
            "finding.critical",
            "emergency.approval_requested",
            "postmortem.due",
            "risk.expiring"
        ]
    );
    assert_eq!(
        kinds_in(d, "estate.jsonl"),
        [
            "cadence.missed",
            "rebuild.due",
            "eol.reached",
            "eol.nearing"
        ]
    );
    assert_eq!(
        kinds_in(d, "notices.jsonl"),
        ["notice.new", "notice.untriaged"]
    );
    let estate = std::fs::read_to_string(d.join("estate.jsonl")).expect("estate");
    let first: Value = serde_json::from_str(estate.lines().next().unwrap_or("")).expect("JSON");
    assert_eq!(first["subject"], "asset:base-image");
    assert_eq!(first["severity"], "high");
    assert_eq!(first["details"]["due_at"], "2026-11-27T09:00:00Z");
}
