//! Vendor feeds served from a loopback server (RSS 2.0, Atom, JSON Feed, Statuspage; with validators and
//! without; one broken; one that changes between polls), polled through the CLI into the triage queue,
//! then triaged: a linked patch record opened, a notice dismissed, each decision audited and role-checked.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use patchwarden_testkit::{Route, StaticServer};
use predicates::prelude::*;
use serde_json::Value;

fn pw(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("patchwarden").expect("binary built");
    cmd.current_dir(dir)
        .env_remove("PATCHWARDEN_DATA_DIR")
        .env_remove("PATCHWARDEN_DATABASE_URL")
        .env_remove("PATCHWARDEN_USER")
        .env("PATCHWARDEN_NOW", "2026-11-24T09:00:00Z")
        .env("NO_COLOR", "1");
    cmd
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("JSON output")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../patchwarden-feeds/tests/fixtures")
        .join(name)
}

/// A hand-written OSV record that gives CVE-2026-41001 a critical CVSS score.
const ADVISORY: &str = r#"{
  "id": "PYSEC-2026-901",
  "modified": "2026-11-20T15:00:00Z",
  "aliases": ["CVE-2026-41001"],
  "summary": "SQL injection in JSON lookups",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{"package": {"ecosystem": "PyPI", "name": "exampleframework"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "5.2.3"}]}]}]
}"#;

fn outcomes(doc: &Value) -> Vec<(String, String, usize)> {
    doc["feeds"]
        .as_array()
        .expect("feeds")
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap_or("").to_owned(),
                f["outcome"].as_str().unwrap_or("").to_owned(),
                f["notices"].as_array().map_or(0, Vec::len),
            )
        })
        .collect()
}

#[test]
fn feeds_fill_the_triage_queue_once_and_a_person_works_through_it() {
    story(None);
}

#[test]
fn the_same_story_on_postgres() {
    let Ok(url) = std::env::var("PATCHWARDEN_TEST_POSTGRES_URL") else {
        eprintln!(
            "PATCHWARDEN_TEST_POSTGRES_URL is not set: the PostgreSQL feed story did not run"
        );
        return;
    };
    let name = format!("pw_feeds_{}", std::process::id());
    let admin = |sql: String| {
        std::process::Command::new("psql")
            .args([url.as_str(), "-qc", &sql])
            .status()
            .expect("psql")
    };
    admin(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    assert!(admin(format!("CREATE DATABASE {name}")).success());
    let db_url = format!(
        "{}/{name}",
        url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b)
    );
    story(Some(&db_url));
    admin(format!("DROP DATABASE {name} WITH (FORCE)"));
}

/// Polls, lists and triages through the CLI; on PostgreSQL when `database_url` is given, else SQLite.
fn story(database_url: Option<&str>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = || {
        let mut cmd = pw(dir.path());
        if let Some(url) = database_url {
            cmd.env("PATCHWARDEN_DATABASE_URL", url);
        }
        cmd
    };
    let rss = dir.path().join("weblog.xml");
    std::fs::copy(fixture("rss2.xml"), &rss).expect("copy");
    let server = StaticServer::start([
        ("/weblog".to_owned(), Route::File(rss.clone())),
        ("/bulletins".to_owned(), Route::File(fixture("atom.xml"))),
        ("/changelog".to_owned(), Route::File(fixture("feed.json"))),
        (
            "/status".to_owned(),
            Route::FileWithoutValidators(fixture("statuspage.json")),
        ),
        ("/broken".to_owned(), Route::Status(500)),
    ]);
    let base = server.base();
    std::fs::write(
        dir.path().join("patchwarden.toml"),
        format!(
            r#"
[[people]]
name = "cto"
roles = ["incident_commander", "engineering_lead"]
[[people]]
name = "vic"
roles = ["viewer"]
[[assets]]
name = "api"
layer = "app-dependencies"
[[feeds]]
name = "framework"
vendor = "Framework"
kind = "rss"
url = "{base}/weblog"
asset = "api"
[[feeds]]
name = "cloud"
kind = "atom"
url = "{base}/bulletins"
[[feeds]]
name = "payments"
kind = "jsonfeed"
url = "{base}/changelog"
[[feeds]]
name = "db-status"
kind = "statuspage"
url = "{base}/status"
[[feeds]]
name = "flaky"
kind = "rss"
url = "{base}/broken"
"#
        ),
    )
    .expect("config");
    std::fs::create_dir(dir.path().join("osv")).expect("dir");
    std::fs::write(dir.path().join("osv/PYSEC-2026-901.json"), ADVISORY).expect("advisory");
    run().args(["db", "import", "osv"]).assert().success();

    // First poll: four feeds read, one relevant item each; the broken one is reported, exit 2.
    let out = run()
        .args(["feeds", "poll", "--format", "json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("polling failed for flaky"));
    let doc = json(&out.get_output().stdout);
    assert_eq!(doc["kind"], "feeds-poll");
    let o = |name: &str, outcome: &str, n: usize| (name.to_owned(), outcome.to_owned(), n);
    assert_eq!(
        outcomes(&doc),
        [
            o("framework", "read", 1),
            o("cloud", "read", 1),
            o("payments", "read", 1),
            o("db-status", "read", 1),
            o("flaky", "failed", 0),
        ]
    );
    assert!(
        doc["feeds"][4]["error"]
            .as_str()
            .unwrap_or("")
            .contains("500")
    );

    let out = run()
        .args(["notices", "list", "--untriaged", "--format", "json"])
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
    let doc = json(&out.get_output().stdout);
    let notices = doc["notices"].as_array().expect("notices");
    assert_eq!(notices.len(), 4);
    let framework = &notices[0];
    assert_eq!(
        framework["title"],
        "Security releases issued: 5.2.3 and 4.2.19"
    );
    assert_eq!(framework["vendor"], "Framework");
    assert_eq!(
        framework["link"],
        "https://framework.example.com/weblog/2026/nov/20/security-releases/"
    );
    assert_eq!(framework["published_at"], "2026-11-20T14:00:00Z");
    assert_eq!(
        framework["cves"],
        serde_json::json!(["CVE-2026-41001", "CVE-2026-41002"])
    );
    assert_eq!(
        framework["severity"], "critical",
        "known from the advisory database"
    );
    assert_eq!(framework["overdue"], false);
    assert_eq!(notices[1]["cves"], serde_json::json!(["CVE-2026-52001"]));
    assert_eq!(
        notices[1]["severity"],
        Value::Null,
        "unknown CVE: no severity"
    );
    assert_eq!(
        notices[3]["title"],
        "Security notice: credential exposure in project logs"
    );

    // Second poll: validators make three feeds cost no body; the statuspage (no validators) is read again
    // but its items were seen; the broken feed fails again.
    let out = run()
        .args(["feeds", "poll", "--format", "json"])
        .assert()
        .code(2);
    assert_eq!(
        outcomes(&json(&out.get_output().stdout)),
        [
            o("framework", "not-modified", 0),
            o("cloud", "not-modified", 0),
            o("payments", "not-modified", 0),
            o("db-status", "read", 0),
            o("flaky", "failed", 0),
        ]
    );

    // The weblog gains an item and the broken feed recovers: only what is new becomes a notice.
    let text = std::fs::read_to_string(&rss).expect("read");
    let new_item = r#"<item>
      <title>Security advisory: denial of service in multipart parsing</title>
      <link>https://framework.example.com/weblog/2026/nov/23/dos/</link>
      <guid isPermaLink="false">weblog-2026-11-23-dos</guid>
      <pubDate>Sun, 23 Nov 2026 10:00:00 +0000</pubDate>
      <description>Fixed in 5.2.4.</description>
    </item>
    <item>"#;
    std::fs::write(&rss, text.replacen("<item>", new_item, 1)).expect("change feed");
    server.set_route("/broken", Route::File(fixture("rss2.xml")));
    let out = run()
        .args(["feeds", "poll", "--format", "json"])
        .assert()
        .success();
    assert_eq!(
        outcomes(&json(&out.get_output().stdout)),
        [
            o("framework", "read", 1),
            o("cloud", "not-modified", 0),
            o("payments", "not-modified", 0),
            o("db-status", "read", 0),
            o("flaky", "read", 1),
        ]
    );
    run()
        .args(["feeds", "poll", "framework"])
        .assert()
        .success()
        .stdout("ok framework: not modified\n");
    run()
        .args(["feeds", "poll", "nowhere"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no feed named \"nowhere\""));

    // Three days later the untriaged notices are overdue.
    run()
        .env("PATCHWARDEN_NOW", "2026-11-27T10:00:00Z")
        .args(["notices", "list", "--untriaged"])
        .assert()
        .success()
        .stdout(predicate::str::contains("overdue"))
        .stderr(predicate::str::contains(
            "6 notice(s) untriaged for more than 2d: #1, #2, #3, #4, #5, #6",
        ));

    // Triage: a viewer may not; an engineering lead opens a linked record and dismisses another.
    run()
        .args(["--as", "vic", "notices", "triage", "1", "--open-record"])
        .assert()
        .code(2);
    run()
        .args(["--as", "cto", "notices", "triage", "2", "--open-record"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "concerns no asset; name one with --asset",
        ));
    let out = run()
        .args([
            "--as",
            "cto",
            "notices",
            "triage",
            "1",
            "--open-record",
            "--format",
            "json",
        ])
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(doc["notice"]["state"], "opened");
    let record = &doc["record"];
    assert_eq!(doc["notice"]["record_id"], record["id"]);
    assert_eq!(record["asset"], "api");
    assert_eq!(record["vulnerability"], "CVE-2026-41001");
    assert_eq!(record["severity"], "critical");
    assert_eq!(
        record["due_at"], "2026-11-26T09:00:00Z",
        "critical: 48 hours"
    );
    run()
        .args(["--as", "cto", "notices", "triage", "4", "--dismiss"])
        .assert()
        .code(2);
    run()
        .args([
            "--as",
            "cto",
            "notices",
            "triage",
            "4",
            "--dismiss",
            "--reason",
            "keys were not ours",
        ])
        .assert()
        .success()
        .stdout("triaged notice #4: dismissed\n");
    run()
        .args([
            "--as",
            "cto",
            "notices",
            "triage",
            "4",
            "--dismiss",
            "--reason",
            "again",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not waiting for triage"));
    let out = run()
        .args(["notices", "list", "--untriaged", "--format", "json"])
        .assert()
        .success();
    assert_eq!(
        json(&out.get_output().stdout)["notices"]
            .as_array()
            .map(Vec::len),
        Some(4)
    );
    // A ticket joins the same queue; a vendor advisory cannot be queued by hand.
    run()
        .args([
            "--as",
            "cto",
            "patch",
            "new",
            "--title",
            "Ticket 4711: CVE-2026-41001 on login?",
            "--asset",
            "api",
            "--source",
            "ticket",
            "--queue",
        ])
        .assert()
        .success()
        .stdout("queued notice #7: Ticket 4711: CVE-2026-41001 on login?\n");
    run()
        .args([
            "--as",
            "cto",
            "patch",
            "new",
            "--title",
            "x",
            "--asset",
            "api",
            "--source",
            "vendor-advisory",
            "--queue",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ticket or a user report"));
    let out = run()
        .args(["notices", "list", "--format", "json"])
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    let ticket = &doc["notices"][6];
    assert_eq!(ticket["source"], "ticket");
    assert_eq!(ticket["severity"], "critical");
    assert_eq!(ticket["asset"], "api");
    let out = run()
        .args(["audit", "log", "--format", "json"])
        .assert()
        .success();
    let log = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for action in [
        "notice.received",
        "notice.triaged",
        "notice.dismissed",
        "record.opened",
    ] {
        assert!(log.contains(action), "{action} is audited");
    }
    run().args(["audit", "verify"]).assert().success();
}
