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
