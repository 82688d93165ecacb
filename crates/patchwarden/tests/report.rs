//! The reports over records driven through the workflow by the CLI: an overdue record, a routine patch
//! closed within its SLA, an emergency hotfix closed 26 hours late, a dismissal from a scan and a
//! mitigation; then the exact rows of the patch log, the metrics' numbers and the VEX document, which
//! validates against the CycloneDX 1.5 schema.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{Value, json};

const TEAM: &str = r#"
[[people]]
name = "ivy"
roles = ["incident_commander"]
[[people]]
name = "leo"
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

/// The first 12 hex digits of PYTEST_OK's SHA-256.
const PYTEST_OK_SHA: &str = "b398c7f2684d";

const ADVISORY_GHSA: &str = r#"{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2099-0001"],
  "database_specific":{"severity":"HIGH"},
  "affected":[{"package":{"ecosystem":"PyPI","name":"example-pkg"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]}]}"#;
const ADVISORY_PYSEC: &str = r#"{"id":"PYSEC-2099-1","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2099-0001"],
  "affected":[{"package":{"ecosystem":"PyPI","name":"example-pkg"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]}]}"#;

/// When the reports are made.
const NOW: &str = "2026-03-10T12:00:00Z";

const JUSTIFICATION: &str = "never imported, see \"ADR 12\"\nby the worker";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("patchwarden.toml"), TEAM).expect("config");
        std::fs::write(dir.path().join("ok.xml"), PYTEST_OK).expect("junit");
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn pw(&self, who: Option<&str>, at: &str) -> Command {
        let mut cmd = Command::cargo_bin("patchwarden").expect("binary");
        cmd.current_dir(self.path())
            .env_remove("PATCHWARDEN_DATA_DIR")
            .env_remove("PATCHWARDEN_DATABASE_URL")
            .env_remove("PATCHWARDEN_USER")
            .env("PATCHWARDEN_NOW", at)
            .env("NO_COLOR", "1");
        if let Some(who) = who {
            cmd.env("PATCHWARDEN_USER", who);
        }
        cmd
    }

    fn ok(&self, who: &str, at: &str, args: &[&str]) -> String {
        let out = self.pw(Some(who), at).args(args).assert().success();
        String::from_utf8(out.get_output().stdout.clone()).expect("utf-8")
    }

    /// A report, read by nobody in particular: reports need no role.
    fn report(&self, args: &[&str]) -> String {
        let out = self
            .pw(None, NOW)
            .arg("report")
            .args(args)
            .assert()
            .success();
        String::from_utf8(out.get_output().stdout.clone()).expect("utf-8")
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.report(args)).expect("json")
    }
}

/// Five records, ids in the order of the story.
fn story() -> Env {
    let e = Env::new();

    // 1: still overdue. Medium, detected 1 February: due 3 March 09:00.
    e.ok(
        "leo",
        "2026-02-01T09:00:00Z",
        &[
            "patch",
            "new",
            "--title",
            "Stripe webhook library outdated",
            "--asset",
            "api",
            "--severity",
            "medium",
        ],
    );

    // 2: a routine patch, high (7 days), deployed after 3 days.
    e.ok(
        "leo",
        "2026-03-02T09:00:00Z",
        &[
            "patch",
            "new",
            "--title",
            "Stripe SDK | webhook advisory",
            "--asset",
            "api",
            "--severity",
            "high",
            "--source",
            "vendor-advisory",
            "--link",
            "https://example.invalid/adv/2",
        ],
    );
    e.ok(
        "leo",
        "2026-03-02T10:00:00Z",
        &["patch", "assess", "2", "--data-at-risk", "payment metadata"],
    );
    e.ok(
        "leo",
        "2026-03-02T11:00:00Z",
        &[
            "patch",
            "plan",
            "2",
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
    e.ok(
        "rosa",
        "2026-03-04T09:00:00Z",
        &["patch", "test", "2", "--junit", "ok.xml"],
    );
    e.ok(
        "rosa",
        "2026-03-05T09:00:00Z",
        &["patch", "deploy", "2", "--ref", "PR #42"],
    );
    e.ok(
        "rosa",
        "2026-03-05T09:40:00Z",
        &[
            "patch",
            "verify",
            "2",
            "--note",
            "logs clean",
            "--note",
            "checkout flow validated",
        ],
    );
    e.ok("leo", "2026-03-05T10:00:00Z", &["patch", "close", "2"]);

    // 3: an emergency hotfix, critical (48 hours), deployed 26 hours late.
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
    e.ok(
        "ivy",
        "2026-03-02T09:10:00Z",
        &[
            "patch",
            "assess",
            "3",
            "--data-at-risk",
            "all customer data",
        ],
    );
    e.ok(
        "ivy",
        "2026-03-02T09:20:00Z",
        &[
            "patch",
            "plan",
            "3",
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
    e.ok(
        "leo",
        "2026-03-04T10:00:00Z",
        &["patch", "test", "3", "--junit", "ok.xml"],
    );
    e.ok("ivy", "2026-03-05T10:30:00Z", &["patch", "approve", "3"]);
    e.ok(
        "rosa",
        "2026-03-05T11:00:00Z",
        &["patch", "deploy", "3", "--ref", "deploy-991"],
    );
    e.ok(
        "rosa",
        "2026-03-05T11:40:00Z",
        &[
            "patch",
            "verify",
            "3",
            "--note",
            "error rate back to baseline",
        ],
    );
    e.ok(
        "ivy",
        "2026-03-06T12:00:00Z",
        &[
            "patch",
            "close",
            "3",
            "--incident",
            "https://example.invalid/inc/9",
            "--postmortem",
            "https://example.invalid/pm/9",
        ],
    );

    // 4: a scan finding on the worker, dismissed as not affected.
    let adv = e.path().join("adv");
    std::fs::create_dir_all(&adv).expect("mkdir");
    std::fs::write(adv.join("a.json"), ADVISORY_GHSA).expect("write");
    std::fs::write(adv.join("b.json"), ADVISORY_PYSEC).expect("write");
    e.ok(
        "leo",
        "2026-03-03T08:00:00Z",
        &["db", "import", adv.to_str().expect("utf-8")],
    );
    let project = e.path().join("worker");
    std::fs::create_dir_all(&project).expect("mkdir");
    std::fs::write(project.join("requirements.txt"), "example-pkg==1.0\n").expect("write");
    let out = e.ok(
        "leo",
        "2026-03-03T09:00:00Z",
        &[
            "scan",
            "--asset",
            "worker",
            "--format",
            "json",
            project.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(
        serde_json::from_str::<Value>(&out).expect("json")["records_opened"],
        json!([4])
    );
    e.ok(
        "leo",
        "2026-03-03T12:00:00Z",
        &[
            "patch",
            "dismiss",
            "4",
            "--not-affected",
            "--justification",
            JUSTIFICATION,
        ],
    );

    // 5: mitigated by a WAF rule; the permanent fix is owed.
    e.ok(
        "leo",
        "2026-03-04T09:00:00Z",
        &[
            "patch",
            "new",
            "--title",
            "Auth bypass in admin panel",
            "--asset",
            "admin",
            "--cvss",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N",
            "--source",
            "vendor-advisory",
            "--link",
            "https://example.invalid/adv/5",
        ],
    );
    e.ok(
        "leo",
        "2026-03-04T15:00:00Z",
        &[
            "patch",
            "mitigate",
            "5",
            "--control",
            "WAF rule blocking /admin outside the VPN",
            "--evidence",
            "rule 1234",
            "--owner",
            "leo",
            "--recheck",
            "2026-03-11",
        ],
    );
    e
}

#[test]
fn breaches_are_recorded_once_by_the_tool_when_first_noticed() {
    let e = story();
    e.report(&["metrics"]);
    // Each breach was recorded once, by the tool itself, when first noticed: the hotfix's at its
    // (late) test step, the overdue record's when the first report read it.
    let log = e.ok("vic", NOW, &["audit", "log", "--format", "json"]);
    let breaches: Vec<Value> = serde_json::from_str::<Value>(&log).expect("json")["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|ev| ev["action"] == "record.record-breach")
        .cloned()
        .collect();
    let seen: Vec<(&str, &str, &str)> = breaches
        .iter()
        .map(|ev| {
            (
                ev["subject"].as_str().unwrap_or(""),
                ev["actor"].as_str().unwrap_or(""),
                ev["at"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("record:3", "system", "2026-03-04T10:00:00Z"),
            ("record:1", "system", NOW)
        ]
    );
    e.ok("vic", NOW, &["audit", "verify"]);
}

#[test]
fn the_markdown_patch_log_has_a_summary_and_one_exact_row_per_record() {
    let e = &story();
    let md = e.report(&["patch-log"]);
    assert_eq!(
        e.ok("vic", NOW, &["report", "patch-log"]),
        md,
        "a viewer reads the same"
    );
    let lines: Vec<&str> = md.lines().collect();
    assert_eq!(lines[0], "# Vulnerability patch log: all records");
    assert!(
        lines[2].starts_with("Generated 2026-03-10 12:00 UTC by patchwarden "),
        "{md}"
    );
    assert!(
        md.contains("- Records: 5 (critical 1, high 3, medium 1, low 0)\n"),
        "{md}"
    );
    assert!(
        md.contains(
            "- Within SLA: 2 of 4 with a decided SLA (50.0%); 1 missed, 1 overdue, 0 still running\n"
        ),
        "{md}"
    );
    assert!(
        md.contains("- Emergency hotfixes: 1; mitigated: 1; risk accepted: 0; dismissed: 1\n"),
        "{md}"
    );
    let rows: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("| "))
        .collect();
    assert_eq!(
        rows,
        [
            "| ID | Title | Severity | Affected systems | Discovered | Resolved | SLA | Validation steps | Incident | Post-mortem | State |",
            "| 1 | Stripe webhook library outdated | medium | api | 2026-02-01 09:00 | — | OVERDUE by 7d 3h | — | — | — | detected |",
            &format!(
                "| 2 | Stripe SDK \\| webhook advisory | high | api | 2026-03-02 09:00 | 2026-03-05 09:00 (deployed: PR #42) | met, 4d early | tests ok.xml (pytest): 2/2 passed, 1 skipped, sha256 {PYTEST_OK_SHA} (rosa)<br>logs clean<br>checkout flow validated | — | — | closed |"
            ),
            &format!(
                "| 3 | RCE in upload | critical | api | 2026-03-02 09:00 | 2026-03-05 11:00 (deployed: deploy-991) | missed by 26h | tests ok.xml (pytest): 2/2 passed, 1 skipped, sha256 {PYTEST_OK_SHA}, expedited (leo)<br>error rate back to baseline | https://example.invalid/inc/9 | https://example.invalid/pm/9 | closed (emergency hotfix) |"
            ),
            "| 4 | CVE-2099-0001 in example-pkg 1.0 | high | worker | 2026-03-03 09:00 | dismissed 2026-03-03 12:00 (not affected: never imported, see \"ADR 12\"<br>by the worker) | n/a (dismissed) | — | — | — | dismissed |",
            "| 5 | Auth bypass in admin panel | high | admin | 2026-03-04 09:00 | 2026-03-04 15:00 (mitigated: WAF rule blocking /admin outside the VPN; permanent fix due 2026-04-03 15:00) | met, 6d 18h early | control in place: rule 1234 | — | — | mitigated |",
        ]
    );

    // --output writes the same document, creating the directories.
    let out = e.report(&[
        "patch-log",
        "--output",
        "compliance/vulnerability-patch-log.md",
    ]);
    assert!(
        out.contains("wrote compliance/vulnerability-patch-log.md (5 records)"),
        "{out}"
    );
    let written = std::fs::read_to_string(e.path().join("compliance/vulnerability-patch-log.md"))
        .expect("written");
    assert_eq!(written, md);
}

#[test]
fn the_csv_patch_log_is_rfc_4180_with_exact_rows() {
    let e = &story();
    let csv = e.report(&["patch-log", "--format", "csv"]);
    let records: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        records[0],
        "id,title,state,severity,severity_reason,affected_systems,vulnerability,path,discovered,due,resolution,resolved,resolution_detail,sla_status,sla_hours,sla,validation_steps,incident,postmortem,postmortem_due,closed"
    );
    assert_eq!(
        records[1],
        "1,Stripe webhook library outdated,detected,medium,,api,,,2026-02-01T09:00:00Z,2026-03-03T09:00:00Z,open,,,overdue,171.00,OVERDUE by 7d 3h,,,,,"
    );
    assert_eq!(
        records[3],
        format!(
            "3,RCE in upload,closed,critical,,api,,emergency,2026-03-02T09:00:00Z,2026-03-04T09:00:00Z,deployed,2026-03-05T11:00:00Z,deploy-991,missed,26.00,missed by 26h,\"tests ok.xml (pytest): 2/2 passed, 1 skipped, sha256 {PYTEST_OK_SHA}, expedited (leo); error rate back to baseline\",https://example.invalid/inc/9,https://example.invalid/pm/9,2026-03-07T11:00:00Z,2026-03-06T12:00:00Z"
        )
    );
    // A field with a quote and a line break is quoted, the quotes doubled, the line break kept.
    assert_eq!(
        records[4],
        "4,CVE-2099-0001 in example-pkg 1.0,dismissed,high,,worker,CVE-2099-0001,,2026-03-03T09:00:00Z,2026-03-10T09:00:00Z,dismissed,2026-03-03T12:00:00Z,\"not affected: never imported, see \"\"ADR 12\"\"\nby the worker\",not_applicable,,n/a (dismissed),,,,,2026-03-03T12:00:00Z"
    );
    assert_eq!(
        records.len(),
        7,
        "a header, five records, and the final CRLF"
    );
    assert_eq!(records[6], "");
}

#[test]
fn the_json_patch_log_is_versioned_and_a_period_selects_records() {
    let e = &story();
    let log = e.json(&["patch-log", "--format", "json"]);
    assert_eq!(log["schema"], "patchwarden.patch-log/v1");
    assert_eq!(log["generated_at"], NOW);
    assert_eq!(log["summary"]["within_sla_percent"], 50.0);
    let r3 = &log["records"][2];
    assert_eq!(
        r3["sla"],
        json!({"status": "missed", "hours": 26.0, "text": "missed by 26h"})
    );
    assert_eq!(r3["path"], "emergency");
    assert_eq!(r3["approved_by"], "ivy");
    assert_eq!(
        r3["validation"]["tests"][0]["sha256"]
            .as_str()
            .map(|s| &s[..12]),
        Some(PYTEST_OK_SHA)
    );
    assert_eq!(r3["validation"]["tests"][0]["expedited"], true);
    assert_eq!(log["records"][0]["sla_breach_recorded_at"], NOW);
    assert_eq!(
        r3["sla_breach_recorded_at"], "2026-03-04T10:00:00Z",
        "noticed at the late test step"
    );

    // In a period: records opened, remediated or closed in it.
    let log = e.json(&["patch-log", "--format", "json", "--since", "2026-03-04"]);
    let ids: Vec<i64> = log["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter_map(|r| r["id"].as_i64())
        .collect();
    assert_eq!(ids, [2, 3, 5]);
    assert_eq!(
        log["period"],
        json!({"since": "2026-03-04T00:00:00Z", "until": null})
    );
    let md = e.report(&[
        "patch-log",
        "--since",
        "2026-03-01",
        "--until",
        "2026-03-03",
    ]);
    assert!(
        md.starts_with("# Vulnerability patch log: 2026-03-01 to 2026-03-03\n"),
        "{md}"
    );
    assert!(
        md.contains("- Records: 3 (critical 1, high 2, medium 0, low 0)\n"),
        "{md}"
    );
    e.pw(None, NOW)
        .args([
            "report",
            "patch-log",
            "--since",
            "2026-03-05",
            "--until",
            "2026-03-01",
        ])
        .assert()
        .code(2);
    e.pw(None, NOW)
        .args(["report", "patch-log", "--since", "March"])
        .assert()
        .code(2);
}

#[test]
fn metrics_count_open_overdue_time_to_remediate_and_sla() {
    let e = &story();
    let m = e.json(&["metrics", "--format", "json"]);
    assert_eq!(m["schema"], "patchwarden.metrics/v1");
    assert_eq!(
        m["period"],
        json!({"since": "2025-12-10T12:00:00Z", "until": "2026-03-10T12:00:00Z"}),
        "the last 90 days"
    );
    assert_eq!(
        m["open_by_severity"],
        json!({"critical": 0, "high": 1, "medium": 1, "low": 0, "unknown": 0})
    );
    assert_eq!(m["overdue_now"], 1);
    assert_eq!(m["overdue_records"], json!([1]));
    assert_eq!(
        m["remediated"],
        json!({"critical": 1, "high": 2, "medium": 0, "low": 0, "unknown": 0})
    );
    // critical: 2 Mar 09:00 → 5 Mar 11:00; high: (72 h + 6 h) / 2.
    assert_eq!(
        m["mean_time_to_remediate_hours"],
        json!({"critical": 74.0, "high": 39.0, "medium": null, "low": null})
    );
    assert_eq!(
        m["within_sla"],
        json!({"met": 2, "missed": 1, "percent": 66.7})
    );
    assert_eq!(
        (m["opened"].as_i64(), m["closed"].as_i64()),
        (Some(5), Some(2))
    );
    assert_eq!(
        (&m["mitigated"], &m["risk_accepted"], &m["dismissed"]),
        (&json!(1), &json!(0), &json!(1))
    );

    // One day: the two deploys of 5 March.
    let day = e.json(&[
        "metrics",
        "--format",
        "json",
        "--since",
        "2026-03-05",
        "--until",
        "2026-03-05",
    ]);
    assert_eq!(
        day["mean_time_to_remediate_hours"],
        json!({"critical": 74.0, "high": 72.0, "medium": null, "low": null})
    );
    assert_eq!(
        day["within_sla"],
        json!({"met": 1, "missed": 1, "percent": 50.0})
    );

    let table = e.report(&["metrics"]);
    assert!(
        table.contains("critical          0           1  74.0h\n"),
        "{table}"
    );
    assert!(
        table.contains("high              1           2  39.0h\n"),
        "{table}"
    );
    assert!(table.contains("overdue now            1 (#1)\n"), "{table}");
    assert!(
        table.contains("within SLA             2 of 3 remediated (66.7%)\n"),
        "{table}"
    );
}

#[test]
fn vex_is_valid_cyclonedx_1_5_stating_dismissed_and_mitigated_records() {
    let e = &story();
    let out = e.report(&["vex", "--output", "out/vex.cdx.json"]);
    assert!(
        out.contains("wrote out/vex.cdx.json (2 statements)"),
        "{out}"
    );
    let path = e.path().join("out/vex.cdx.json");
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("vex")).expect("json");
    validate_cyclonedx(e, &doc);

    assert_eq!(doc["bomFormat"], "CycloneDX");
    assert_eq!(doc["specVersion"], "1.5");
    assert_eq!(doc["metadata"]["timestamp"], NOW);
    assert_eq!(
        doc["components"],
        json!([
            {"type": "application", "bom-ref": "asset:admin", "name": "admin"},
            {"type": "application", "bom-ref": "asset:worker", "name": "worker"},
        ])
    );
    let vulns = doc["vulnerabilities"].as_array().expect("vulnerabilities");
    assert_eq!(
        vulns.len(),
        2,
        "the dismissed and the mitigated record only"
    );

    let dismissed = &vulns[0];
    assert_eq!(dismissed["id"], "CVE-2099-0001");
    assert_eq!(dismissed["bom-ref"], "patchwarden-record-4");
    assert_eq!(
        dismissed["source"],
        json!({"name": "NVD", "url": "https://nvd.nist.gov/vuln/detail/CVE-2099-0001"})
    );
    assert_eq!(
        dismissed["references"],
        json!([
            {"id": "GHSA-aaaa-bbbb-cccc", "source": {"name": "GitHub Advisories", "url": "https://github.com/advisories/GHSA-aaaa-bbbb-cccc"}},
            {"id": "PYSEC-2099-1", "source": {"name": "OSV", "url": "https://osv.dev/vulnerability/PYSEC-2099-1"}},
        ])
    );
    assert_eq!(
        dismissed["analysis"],
        json!({
            "state": "not_affected",
            "detail": JUSTIFICATION,
            "firstIssued": "2026-03-03T12:00:00Z",
            "lastUpdated": "2026-03-03T12:00:00Z",
        })
    );
    assert_eq!(dismissed["affects"], json!([{"ref": "asset:worker"}]));
    assert_eq!(
        dismissed["ratings"],
        json!([{"source": {"name": "patchwarden policy"}, "severity": "high", "method": "other"}])
    );

    let mitigated = &vulns[1];
    assert_eq!(mitigated["id"], "PATCHWARDEN-5");
    assert_eq!(mitigated["source"], json!({"name": "patchwarden"}));
    assert_eq!(mitigated["description"], "Auth bypass in admin panel");
    assert_eq!(mitigated["analysis"]["state"], "exploitable");
    assert_eq!(
        mitigated["analysis"]["response"],
        json!(["workaround_available", "update"])
    );
    assert_eq!(
        mitigated["analysis"]["detail"],
        "Mitigated by a compensating control: WAF rule blocking /admin outside the VPN (evidence: rule 1234; owner leo; re-check 2026-03-11). The permanent fix is still owed, due 2026-04-03 15:00 UTC."
    );
    assert_eq!(
        mitigated["workaround"],
        "WAF rule blocking /admin outside the VPN"
    );
    assert_eq!(
        mitigated["ratings"][0],
        json!({"score": 8.2, "severity": "high", "method": "CVSSv31", "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N"})
    );
    assert_eq!(
        mitigated["advisories"],
        json!([{"url": "https://example.invalid/adv/5"}])
    );
    assert_eq!(mitigated["affects"], json!([{"ref": "asset:admin"}]));

    // Each document has its own serial number.
    let again = e.json(&["vex"]);
    let serial = doc["serialNumber"].as_str().expect("serial");
    assert!(serial.starts_with("urn:uuid:"), "{serial}");
    assert_ne!(again["serialNumber"], doc["serialNumber"]);
}

/// The CycloneDX 1.5 JSON schema shipped in the `cyclonedx-bom` crate (a dev-dependency for this
/// file), with the SPDX and JSF schemas it references beside it.
fn cyclonedx_schema() -> PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let registry = cargo_home.join("registry/src");
    for index in std::fs::read_dir(&registry).expect("cargo registry") {
        let index = index.expect("entry").path();
        for krate in std::fs::read_dir(&index).into_iter().flatten().flatten() {
            let name = krate.file_name().to_string_lossy().into_owned();
            if name.starts_with("cyclonedx-bom-0.6.") {
                let schema = krate.path().join("schema/bom-1.5.schema.json");
                if schema.is_file() {
                    return schema;
                }
            }
        }
    }
    panic!(
        "the CycloneDX 1.5 schema of the cyclonedx-bom crate is not in {}: run `cargo fetch`",
        registry.display()
    );
}

fn python() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::env::var_os("PATCHWARDEN_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".venv/bin/python"))
}

const VALIDATE: &str = r#"
import json, pathlib, sys
import jsonschema
from referencing import Registry, Resource
schema_path = pathlib.Path(sys.argv[1])
schema = json.loads(schema_path.read_text())
resources = []
for name in ("spdx.schema.json", "jsf-0.82.schema.json"):
    sub = json.loads((schema_path.parent / name).read_text())
    resources.append((sub["$id"], Resource.from_contents(sub)))
registry = Registry().with_resources(resources)
validator = jsonschema.Draft7Validator(schema, registry=registry, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
results = []
for doc_path in sys.argv[2:]:
    errors = sorted(validator.iter_errors(json.loads(pathlib.Path(doc_path).read_text())), key=lambda e: list(e.path))
    results.append([f"{list(e.path)}: {e.message}" for e in errors])
print(json.dumps(results))
"#;

/// Validates `doc` against the schema, and checks the validator is not vacuous: a document with an
/// impossible analysis state must fail.
fn validate_cyclonedx(e: &Env, doc: &Value) {
    let good = e.path().join("good.cdx.json");
    let bad = e.path().join("bad.cdx.json");
    std::fs::write(&good, doc.to_string()).expect("write");
    let mut broken = doc.clone();
    broken["vulnerabilities"][0]["analysis"]["state"] = json!("probably_fine");
    std::fs::write(&bad, broken.to_string()).expect("write");
    let out = std::process::Command::new(python())
        .args(["-c", VALIDATE])
        .arg(cyclonedx_schema())
        .arg(&good)
        .arg(&bad)
        .output()
        .expect("run python: install the references with scripts/install-references");
    assert!(
        out.status.success(),
        "the validator failed (is jsonschema installed? scripts/install-references):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Vec<String>> = serde_json::from_slice(&out.stdout).expect("results");
    assert_eq!(
        results[0],
        Vec::<String>::new(),
        "VEX is not valid CycloneDX 1.5"
    );
    assert!(
        results[1]
            .iter()
            .any(|m| m.contains("'probably_fine' is not one of")),
        "{:?}",
        results[1]
    );
}
