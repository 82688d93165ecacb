//! A routine patch and an emergency hotfix, driven from detection to closed through the CLI, with the
//! procedures' refusals, the audit chain, SLA lists, optimistic concurrency and retention.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const TEAM: &str = r#"
[[people]]
name = "ivy"
roles = ["incident_commander"]
[[people]]
name = "leo"
roles = ["engineering_lead"]
[[people]]
name = "lena"
roles = ["engineering_lead"]
[[people]]
name = "rosa"
roles = ["release_owner"]
[[people]]
name = "vic"
roles = ["viewer"]
"#;

const PYTEST_OK: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="0" skipped="1" tests="3" time="1.2">
<testcase classname="tests.test_api" name="test_login" time="0.1"/>
<testcase classname="tests.test_api" name="test_upload" time="0.2"/>
<testcase classname="tests.test_api" name="test_slow" time="0.0"><skipped type="pytest.skip" message="slow">slow</skipped></testcase>
</testsuite></testsuites>"#;

const PYTEST_FAIL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="1" skipped="0" tests="2" time="1.2">
<testcase classname="tests.test_api" name="test_login" time="0.1"/>
<testcase classname="tests.test_api" name="test_upload" time="0.2"><failure message="assert 500 == 200">boom</failure></testcase>
</testsuite></testsuites>"#;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("patchwarden.toml"), TEAM).expect("config");
        std::fs::write(dir.path().join("ok.xml"), PYTEST_OK).expect("junit");
        std::fs::write(dir.path().join("fail.xml"), PYTEST_FAIL).expect("junit");
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn pw(&self, who: &str, at: &str) -> Command {
        let mut cmd = Command::cargo_bin("patchwarden").expect("binary");
        cmd.current_dir(self.path())
            .env_remove("PATCHWARDEN_DATA_DIR")
            .env_remove("PATCHWARDEN_DATABASE_URL")
            .env("PATCHWARDEN_USER", who)
            .env("PATCHWARDEN_NOW", at)
            .env("NO_COLOR", "1");
        cmd
    }

    fn ok(&self, who: &str, at: &str, args: &[&str]) -> String {
        let out = self.pw(who, at).args(args).assert().success();
        String::from_utf8(out.get_output().stdout.clone()).expect("utf-8")
    }

    fn refused(&self, who: &str, at: &str, args: &[&str]) -> String {
        let out = self.pw(who, at).args(args).assert().code(2);
        String::from_utf8(out.get_output().stderr.clone()).expect("utf-8")
    }

    fn record(&self, id: &str) -> Value {
        let out = self.ok(
            "vic",
            "2026-03-01T00:00:00Z",
            &["patch", "show", id, "--format", "json"],
        );
        serde_json::from_str::<Value>(&out).expect("json")["record"].clone()
    }

    fn junit(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }
}

#[test]
fn a_routine_patch_from_detection_to_closed() {
    let e = Env::new();
    let out = e.ok(
        "leo",
        "2026-03-02T09:00:00Z",
        &[
            "patch",
            "new",
            "--title",
            "Stripe SDK advisory",
            "--asset",
            "api",
            "--severity",
            "high",
            "--source",
            "vendor-advisory",
            "--link",
            "https://example.invalid/adv/1",
        ],
    );
    assert!(out.contains("opened record 1"), "{out}");
    assert_eq!(
        e.record("1")["due_at"],
        "2026-03-09T09:00:00Z",
        "high: 7 days"
    );

    // A viewer can read but not act.
    let err = e.refused(
        "vic",
        "2026-03-02T10:00:00Z",
        &["patch", "assess", "1", "--data-at-risk", "x"],
    );
    assert!(
        err.contains(
            "vic holds [viewer] but assessing needs engineering_lead or incident_commander"
        ),
        "{err}"
    );

    e.ok(
        "leo",
        "2026-03-02T10:00:00Z",
        &["patch", "assess", "1", "--data-at-risk", "payment metadata"],
    );
    let err = e.refused(
        "leo",
        "2026-03-02T11:00:00Z",
        &["patch", "plan", "1", "--release-owner", "rosa"],
    );
    assert!(
        err.contains("the patch: target versions")
            && err.contains("a rollback plan")
            && err.contains("a planned release date"),
        "{err}"
    );
    assert!(
        err.contains("allowed next: assess, plan, mitigate, accept-risk, dismiss, comment"),
        "{err}"
    );
    e.ok(
        "leo",
        "2026-03-02T11:00:00Z",
        &[
            "patch",
            "plan",
            "1",
            "--release-owner",
            "rosa",
            "--target",
            "stripe@9.1.0",
            "--rollback",
            "revert PR",
            "--tests",
            "pytest",
            "--release-date",
            "2026-03-05",
        ],
    );

    // 100% of the tests must pass; the failing report is refused and nothing changes.
    let err = e.refused(
        "rosa",
        "2026-03-04T09:00:00Z",
        &[
            "patch",
            "test",
            "1",
            "--junit",
            e.junit("fail.xml").to_str().expect("utf-8"),
        ],
    );
    assert!(
        err.contains("1 of 2 tests failed — a pass rate of 50.0% is below the required 100%"),
        "{err}"
    );
    assert_eq!(e.record("1")["state"], "planned");
    e.ok(
        "rosa",
        "2026-03-04T09:00:00Z",
        &[
            "patch",
            "test",
            "1",
            "--junit",
            e.junit("ok.xml").to_str().expect("utf-8"),
        ],
    );
    let shown = e.ok("vic", "2026-03-04T09:00:00Z", &["patch", "show", "1"]);
    assert!(
        shown.contains("(pytest): 2/2 passed, 1 skipped")
            && shown.contains("evidence")
            && shown.contains("sha256:"),
        "{shown}"
    );

    e.ok(
        "rosa",
        "2026-03-05T09:00:00Z",
        &["patch", "deploy", "1", "--ref", "PR #42"],
    );
    let err = e.refused(
        "rosa",
        "2026-03-05T09:10:00Z",
        &["patch", "verify", "1", "--note", "logs clean"],
    );
    assert!(
        err.contains("verification window of 30m runs until 2026-03-05 09:30 UTC"),
        "{err}"
    );
    e.ok(
        "rosa",
        "2026-03-05T09:40:00Z",
        &[
            "patch",
            "verify",
            "1",
            "--note",
            "logs clean",
            "--note",
            "checkout flow validated",
        ],
    );
    e.ok("leo", "2026-03-05T10:00:00Z", &["patch", "close", "1"]);
    let r = e.record("1");
    assert_eq!(r["state"], "closed");
    assert_eq!(r["version"], 7);

    // Every step is in the audit chain, which verifies.
    let log = e.ok(
        "vic",
        "2026-03-06T00:00:00Z",
        &["audit", "log", "--format", "json"],
    );
    let actions: Vec<String> = serde_json::from_str::<Value>(&log).expect("json")["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|ev| ev["subject"] == "record:1")
        .map(|ev| ev["action"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        actions,
        [
            "record.opened",
            "record.assess",
            "record.plan",
            "record.test",
            "record.deploy",
            "record.verify",
            "record.close"
        ]
    );
    e.ok("vic", "2026-03-06T00:00:00Z", &["audit", "verify"]);
}

#[test]
fn an_emergency_hotfix_needs_the_ic_and_a_postmortem() {
    let e = Env::new();
    e.ok(
        "ivy",
        "2026-03-02T09:00:00Z",
        &[
            "patch",
            "new",
            "--title",
            "RCE in upload",
            "--asset",
            "api",
            "--cvss",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "--source",
            "user-report",
        ],
    );
    let r = e.record("1");
    assert_eq!(r["severity"], "critical", "CVSS 9.8");
    assert_eq!(r["due_at"], "2026-03-04T09:00:00Z", "48 hours");
    e.ok(
        "ivy",
        "2026-03-02T09:10:00Z",
        &[
            "patch",
            "assess",
            "1",
            "--data-at-risk",
            "all customer data",
        ],
    );
    assert_eq!(e.record("1")["assessment"]["path"], "emergency");
    e.ok(
        "ivy",
        "2026-03-02T09:20:00Z",
        &[
            "patch",
            "plan",
            "1",
            "--release-owner",
            "rosa",
            "--target",
            "app@1.2.4",
            "--rollback",
            "redeploy 1.2.3",
            "--tests",
            "pytest",
        ],
    );
    // "Engineering Lead runs expedited testing."
    e.ok(
        "leo",
        "2026-03-02T10:00:00Z",
        &[
            "patch",
            "test",
            "1",
            "--junit",
            e.junit("ok.xml").to_str().expect("utf-8"),
        ],
    );
    let err = e.refused(
        "rosa",
        "2026-03-02T10:10:00Z",
        &["patch", "deploy", "1", "--ref", "deploy-991"],
    );
    assert!(err.contains("the Incident Commander's approval"), "{err}");
    let err = e.refused("leo", "2026-03-02T10:10:00Z", &["patch", "approve", "1"]);
    assert!(err.contains("needs incident_commander"), "{err}");
    e.ok("ivy", "2026-03-02T10:15:00Z", &["patch", "approve", "1"]);
    let out = e.ok(
        "rosa",
        "2026-03-02T10:20:00Z",
        &["patch", "deploy", "1", "--ref", "deploy-991"],
    );
    assert!(
        out.contains("post-mortem due 2026-03-04 10:20 UTC"),
        "{out}"
    );
    e.ok(
        "rosa",
        "2026-03-02T11:00:00Z",
        &[
            "patch",
            "verify",
            "1",
            "--note",
            "error rate back to baseline",
        ],
    );
    let err = e.refused(
        "ivy",
        "2026-03-02T12:00:00Z",
        &[
            "patch",
            "close",
            "1",
            "--incident",
            "https://example.invalid/inc/9",
        ],
    );
    assert!(err.contains("the post-mortem link"), "{err}");
    e.ok(
        "ivy",
        "2026-03-03T12:00:00Z",
        &[
            "patch",
            "close",
            "1",
            "--incident",
            "https://example.invalid/inc/9",
            "--postmortem",
            "https://example.invalid/pm/9",
        ],
    );
    assert_eq!(e.record("1")["state"], "closed");
}

#[test]
fn sla_lists_what_is_overdue_and_records_the_breach_once() {
    let e = Env::new();
    e.ok(
        "leo",
        "2026-03-01T09:00:00Z",
        &[
            "patch",
            "new",
            "--title",
            "a",
            "--asset",
            "api",
            "--severity",
            "critical",
        ],
    );
    e.ok(
        "leo",
        "2026-03-01T09:00:00Z",
        &[
            "patch",
            "new",
            "--title",
            "b",
            "--asset",
            "api",
            "--severity",
            "low",
        ],
    );
    let out = e.ok(
        "vic",
        "2026-03-02T09:00:00Z",
        &["sla", "--due-within", "48h"],
    );
    assert!(out.contains("due in 24h") && !out.contains(" b\n"), "{out}");
    let out = e.ok("vic", "2026-03-04T09:00:00Z", &["sla", "--overdue"]);
    assert!(
        out.contains("OVERDUE by 24h") && out.lines().count() == 1,
        "{out}"
    );
    e.ok("vic", "2026-03-05T09:00:00Z", &["sla"]);
    let log = e.ok(
        "vic",
        "2026-03-05T09:00:00Z",
        &["audit", "log", "--format", "json"],
    );
    let breaches = serde_json::from_str::<Value>(&log).expect("json")["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|ev| ev["action"] == "record.record-breach")
        .count();
    assert_eq!(breaches, 1, "recorded when first noticed, once");
}

#[test]
fn risk_acceptance_is_four_eyes() {
    let e = Env::new();
    e.ok(
        "leo",
        "2026-03-01T09:00:00Z",
        &[
            "patch",
            "new",
            "--title",
            "a",
            "--asset",
            "api",
            "--severity",
            "medium",
        ],
    );
    e.ok(
        "leo",
        "2026-03-01T10:00:00Z",
        &[
            "patch",
            "accept-risk",
            "1",
            "--reason",
            "internal only",
            "--expires",
            "2026-04-01",
        ],
    );
    let err = e.refused(
        "leo",
        "2026-03-01T11:00:00Z",
        &["patch", "accept-risk", "1", "--approve"],
    );
    assert!(err.contains("four eyes"), "{err}");
    e.ok(
        "lena",
        "2026-03-01T11:00:00Z",
        &["patch", "accept-risk", "1", "--approve"],
    );
    assert_eq!(e.record("1")["state"], "risk_accepted");
    // After the expiry, reading the record re-opens it with the clock restarted.
    let out = e.ok(
        "vic",
        "2026-04-02T00:00:00Z",
        &["patch", "show", "1", "--format", "json"],
    );
    let r = &serde_json::from_str::<Value>(&out).expect("json")["record"];
    assert_eq!(r["state"], "detected");
    assert_eq!(r["clock_started_at"], "2026-04-01T00:00:00Z");
}

#[test]
fn two_people_changing_one_record_at_once_one_gets_a_conflict() {
    let e = Env::new();
    e.ok(
        "leo",
        "2026-03-01T09:00:00Z",
        &[
            "patch",
            "new",
            "--title",
            "a",
            "--asset",
            "api",
            "--severity",
            "medium",
        ],
    );
    // Many concurrent comments: each read-modify-write either lands or is refused as a conflict.
    let handles: Vec<_> = (0..6)
        .map(|i| {
            let dir = e.path().to_owned();
            std::thread::spawn(move || {
                let mut cmd = Command::cargo_bin("patchwarden").expect("binary");
                cmd.current_dir(&dir)
                    .env("PATCHWARDEN_USER", "leo")
                    .env("PATCHWARDEN_NOW", "2026-03-01T10:00:00Z")
                    .args(["patch", "comment", "1", "--text", &format!("note {i}")]);
                let out = cmd.output().expect("run");
                (
                    out.status.code(),
                    String::from_utf8_lossy(&out.stderr).into_owned(),
                )
            })
        })
        .collect();
    let results: Vec<_> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    let landed = results.iter().filter(|(c, _)| *c == Some(0)).count();
    for (code, err) in &results {
        assert!(
            *code == Some(0) || err.contains("was changed by someone else"),
            "{code:?} {err}"
        );
    }
    let r = e.record("1");
    assert_eq!(
        r["comments"].as_array().map(Vec::len),
        Some(landed),
        "no update was lost"
    );
    assert_eq!(r["version"].as_i64(), Some(1 + landed as i64));
}

#[test]
fn purge_refuses_records_inside_retention_and_the_chain_still_verifies() {
    let e = Env::new();
    e.ok(
        "leo",
        "2025-01-01T09:00:00Z",
        &[
            "patch",
            "new",
            "--title",
            "old",
            "--asset",
            "api",
            "--severity",
            "low",
        ],
    );
    e.ok(
        "leo",
        "2025-01-02T09:00:00Z",
        &[
            "patch",
            "dismiss",
            "1",
            "--false-positive",
            "--justification",
            "scanner confused two packages",
        ],
    );
    e.ok(
        "leo",
        "2026-03-01T09:00:00Z",
        &[
            "patch",
            "new",
            "--title",
            "new",
            "--asset",
            "api",
            "--severity",
            "low",
        ],
    );
    let err = e.refused(
        "leo",
        "2026-03-01T10:00:00Z",
        &["records", "purge", "--before", "2026-01-01"],
    );
    assert!(
        err.contains("keeps records 12 months after closure"),
        "{err}"
    );
    let out = e.ok(
        "leo",
        "2026-03-01T10:00:00Z",
        &["records", "purge", "--before", "2025-02-01"],
    );
    assert!(out.contains("purged 1 records"), "{out}");
    e.pw("vic", "2026-03-01T10:00:00Z")
        .args(["patch", "show", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not found"));
    e.ok("vic", "2026-03-01T10:00:00Z", &["audit", "verify"]);
    let err = e.refused(
        "rosa",
        "2026-03-01T10:00:00Z",
        &["records", "purge", "--before", "2025-02-01"],
    );
    assert!(
        err.contains("rosa holds only the roles [release_owner] and may not purge records"),
        "{err}"
    );
}

#[test]
fn a_scan_opens_one_record_per_vulnerability_and_a_reappearing_finding_joins_it() {
    let e = Env::new();
    let adv = e.path().join("adv");
    std::fs::create_dir_all(&adv).expect("mkdir");
    std::fs::write(adv.join("a.json"), r#"{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2099-0001"],
      "database_specific":{"severity":"HIGH"},
      "affected":[{"package":{"ecosystem":"PyPI","name":"example-pkg"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]}]}"#).expect("write");
    std::fs::write(adv.join("b.json"), r#"{"id":"PYSEC-2099-1","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2099-0001"],
      "affected":[{"package":{"ecosystem":"PyPI","name":"example-pkg"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]}]}"#).expect("write");
    e.ok(
        "leo",
        "2026-03-01T09:00:00Z",
        &["db", "import", adv.to_str().expect("utf-8")],
    );
    let project = e.path().join("project");
    std::fs::create_dir_all(&project).expect("mkdir");
    std::fs::write(project.join("requirements.txt"), "example-pkg==1.0\n").expect("write");
    let p = project.to_str().expect("utf-8");
    let out = e.ok(
        "leo",
        "2026-03-01T09:00:00Z",
        &["scan", "--asset", "api", "--format", "json", p],
    );
    assert_eq!(
        serde_json::from_str::<Value>(&out).expect("json")["records_opened"],
        serde_json::json!([1])
    );
    let r = e.record("1");
    assert_eq!(r["vulnerability"], "CVE-2099-0001");
    assert_eq!(r["source"], "scan");
    assert_eq!(r["severity"], "high");
    let out = e.ok(
        "leo",
        "2026-03-02T09:00:00Z",
        &["scan", "--asset", "api", "--format", "json", p],
    );
    assert_eq!(
        serde_json::from_str::<Value>(&out).expect("json")["records_opened"],
        serde_json::json!([]),
        "joins the open record"
    );
}

#[test]
fn a_policy_change_reaches_existing_records_only_when_the_lead_re_evaluates() {
    let e = Env::new();
    e.ok(
        "leo",
        "2026-03-01T09:00:00Z",
        &[
            "patch",
            "new",
            "--title",
            "a",
            "--asset",
            "api",
            "--severity",
            "high",
        ],
    );
    let mut config = std::fs::read_to_string(e.path().join("patchwarden.toml")).expect("read");
    config.push_str("[policy.targets]\nhigh = \"3d\"\n");
    std::fs::write(e.path().join("patchwarden.toml"), config).expect("write");
    assert_eq!(
        e.record("1")["due_at"],
        "2026-03-08T09:00:00Z",
        "opened under the old policy"
    );
    let err = e.refused(
        "rosa",
        "2026-03-01T10:00:00Z",
        &["patch", "reevaluate", "1"],
    );
    assert!(err.contains("needs engineering_lead"), "{err}");
    e.ok("leo", "2026-03-01T10:00:00Z", &["patch", "reevaluate", "1"]);
    assert_eq!(
        e.record("1")["due_at"],
        "2026-03-04T09:00:00Z",
        "3 days from detection"
    );
}
