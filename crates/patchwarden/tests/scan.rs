//! `patchwarden scan` end to end: real lockfiles against the real advisory data, and the policy rules
//! (severity, due dates, aliases, KEV, ignores, first detection) on small advisories of our own.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use patchwarden_testkit::shared_data;
use predicates::prelude::*;
use serde_json::Value;

const T0: &str = "2026-09-01T09:00:00Z";

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

fn scan_json(dir: &Path, now: &str, args: &[&str]) -> Value {
    let out = pw(dir, now)
        .args(["scan", "--format", "json"])
        .args(args)
        .assert()
        .success();
    json(&out.get_output().stdout)
}

fn import(dir: &Path, path: &Path) {
    pw(dir, T0)
        .args(["db", "import"])
        .arg(path)
        .assert()
        .success();
}

/// A directory of OSV records written by the test.
fn advisories(dir: &Path, records: &[&str]) -> PathBuf {
    let d = dir.join("advisories");
    std::fs::create_dir_all(&d).expect("mkdir");
    for (i, r) in records.iter().enumerate() {
        std::fs::write(d.join(format!("{i}.json")), r).expect("write");
    }
    d
}

fn project(dir: &Path, file: &str, content: &str) -> PathBuf {
    let p = dir.join("project");
    std::fs::create_dir_all(&p).expect("mkdir");
    std::fs::write(p.join(file), content).expect("write");
    p
}

#[test]
fn an_old_django_requirements_file_has_findings_with_policy_severities_and_due_dates() {
    let dir = tempfile::tempdir().expect("tempdir");
    import(dir.path(), &shared_data().join("osv/PyPI/all.zip"));
    let req = shared_data().join("lockfiles-extra/py-req-djangorw/requirements.txt");
    let doc = scan_json(dir.path(), T0, &[req.to_str().expect("utf-8 path")]);
    assert_eq!(doc["schema"], "patchwarden.scan/v1");
    assert_eq!(doc["packages"], 6);
    let findings = doc["findings"].as_array().expect("findings");
    // The same evaluation done independently with PyPI `packaging` over ../shared/data/osv/PyPI:
    let mut got: Vec<(String, String)> = findings
        .iter()
        .map(|f| {
            (
                f["package"].as_str().unwrap_or("").to_lowercase(),
                f["advisory_id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    got.sort();
    let expected = [
        ("django", "PYSEC-2017-10"),
        ("django", "PYSEC-2017-44"),
        ("django", "PYSEC-2017-9"),
        ("django", "PYSEC-2019-16"),
        ("django", "PYSEC-2021-98"),
        ("djangorestframework", "PYSEC-2020-263"),
        ("pyjwt", "PYSEC-2017-24"),
    ];
    assert_eq!(got, expected.map(|(p, a)| (p.to_owned(), a.to_owned())));
    for f in findings {
        for key in [
            "advisory_id",
            "aliases",
            "ecosystem",
            "package",
            "version",
            "source",
            "severity",
            "cvss_score",
            "fixed_versions",
            "kev",
            "detected_at",
            "due",
        ] {
            assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
        }
        assert_eq!(f["ecosystem"], "PyPI");
        assert_eq!(f["detected_at"], T0);
        assert!(
            f["source"].as_str().is_some_and(
                |s| s.ends_with("requirements.txt:1") || s.contains("requirements.txt:")
            )
        );
    }
    let django: Vec<_> = findings
        .iter()
        .filter(|f| f["package"] == "Django")
        .collect();
    assert!(!django.is_empty());
    // Due dates follow the policy's targets from detection.
    for f in findings {
        let due = match f["severity"].as_str() {
            Some("critical") => Some("2026-09-03T09:00:00Z"),
            Some("high") => Some("2026-09-08T09:00:00Z"),
            Some("medium") => Some("2026-10-01T09:00:00Z"),
            Some("low") => Some("2026-11-30T09:00:00Z"),
            _ => None,
        };
        assert_eq!(f["due"].as_str(), due, "{f}");
    }
    // Sorted most urgent first.
    let ranks: Vec<u8> = findings
        .iter()
        .map(|f| match f["severity"].as_str() {
            Some("critical") => 4,
            Some("high") => 3,
            Some("medium") => 2,
            Some("low") => 1,
            _ => 0,
        })
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "{ranks:?}");
}

const GHSA: &str = r#"{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2099-0001"],"summary":"Bad thing",
 "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
 "affected":[{"package":{"ecosystem":"PyPI","name":"example-pkg"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]}]}"#;
const PYSEC: &str = r#"{"id":"PYSEC-2099-1","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2099-0001"],
 "affected":[{"package":{"ecosystem":"PyPI","name":"Example_Pkg"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2.0"},{"introduced":"2.0"},{"fixed":"2.0.3"}]}]}]}"#;
const OTHER: &str = r#"{"id":"PYSEC-2099-2","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2099-0002"],
 "database_specific":{"severity":"LOW"},
 "affected":[{"package":{"ecosystem":"PyPI","name":"example-pkg"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.1.0"}]}]}]}"#;

#[test]
fn advisories_that_alias_each_other_become_one_finding() {
    let dir = tempfile::tempdir().expect("tempdir");
    import(dir.path(), &advisories(dir.path(), &[GHSA, PYSEC, OTHER]));
    let p = project(
        dir.path(),
        "requirements.txt",
        "# pinned\nExample.Pkg==1.0.5 ; python_version >= '3.8'\nflask>=2\n",
    );
    let doc = scan_json(dir.path(), T0, &[p.to_str().expect("utf-8")]);
    let findings = doc["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 2, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f["advisory_id"], "GHSA-aaaa-bbbb-cccc");
    assert_eq!(
        f["aliases"],
        serde_json::json!(["CVE-2099-0001", "PYSEC-2099-1"])
    );
    assert_eq!(
        f["package"], "Example.Pkg",
        "the name as the lockfile writes it"
    );
    assert_eq!(f["severity"], "high", "CVSS 7.5");
    assert_eq!(f["cvss_score"], 7.5);
    assert_eq!(
        f["fixed_versions"],
        serde_json::json!(["1.2.0", "2.0.3"]),
        "every fix above the installed version"
    );
    assert_eq!(f["remediation"]["version"], "1.2.0");
    assert_eq!(f["source"], "requirements.txt:2");
    let low = &findings[1];
    assert_eq!(low["advisory_id"], "PYSEC-2099-2");
    assert_eq!(low["severity"], "low", "from the database's own rating");
    assert_eq!(low["cvss_score"], Value::Null);
    // The unpinned requirement is reported, not dropped.
    assert_eq!(
        doc["unpinned"][0]["requirement"].as_str().map(str::trim),
        Some("flask>=2")
    );
}

#[test]
fn fail_on_sets_the_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    import(dir.path(), &advisories(dir.path(), &[GHSA]));
    let p = project(dir.path(), "requirements.txt", "example-pkg==1.0\n");
    pw(dir.path(), T0)
        .args(["scan", "--no-record", "--fail-on", "critical"])
        .arg(&p)
        .assert()
        .code(0);
    pw(dir.path(), T0)
        .args(["scan", "--no-record", "--fail-on", "high"])
        .arg(&p)
        .assert()
        .code(1);
    pw(dir.path(), T0)
        .args(["scan", "--no-record"])
        .arg(&p)
        .assert()
        .code(0);
    pw(dir.path(), T0)
        .args(["scan", "--fail-on", "severe"])
        .arg(&p)
        .assert()
        .code(2);
}

#[test]
fn a_finding_seen_again_keeps_its_first_detection_and_one_gone_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    import(dir.path(), &advisories(dir.path(), &[GHSA, OTHER]));
    let p = project(dir.path(), "requirements.txt", "example-pkg==1.0\n");
    let path = p.to_str().expect("utf-8");
    let first = scan_json(dir.path(), T0, &["--asset", "api", path]);
    assert_eq!(first["findings"].as_array().map(Vec::len), Some(2));
    assert!(first["scan_id"].is_number());

    // A week later, upgraded past the LOW one's fix but not the HIGH one's.
    std::fs::write(p.join("requirements.txt"), "example-pkg==1.1.0\n").expect("write");
    let later = scan_json(
        dir.path(),
        "2026-09-08T10:00:00Z",
        &["--asset", "api", path],
    );
    let findings = later["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1);
    assert_eq!(
        findings[0]["detected_at"], T0,
        "the SLA clock does not restart"
    );
    assert_eq!(
        findings[0]["due"], "2026-09-08T09:00:00Z",
        "so it is overdue now"
    );
    assert_eq!(
        later["no_longer_detected"].as_array().map(Vec::len),
        Some(1)
    );

    // --no-record shows the same first detection and writes nothing.
    let before = pw(dir.path(), T0)
        .args(["audit", "log", "--format", "json", "--limit", "1000"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let look = scan_json(
        dir.path(),
        "2026-09-09T10:00:00Z",
        &["--asset", "api", "--no-record", path],
    );
    assert_eq!(look["scan_id"], Value::Null);
    assert_eq!(look["findings"][0]["detected_at"], T0);
    let after = pw(dir.path(), T0)
        .args(["audit", "log", "--format", "json", "--limit", "1000"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        json(&before)["events"].as_array().map(Vec::len),
        json(&after)["events"].as_array().map(Vec::len)
    );
}

#[test]
fn a_known_exploited_vulnerability_is_critical_whatever_its_score() {
    let dir = tempfile::tempdir().expect("tempdir");
    let medium = r#"{"id":"GHSA-kev1-kev1-kev1","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2021-44228"],
      "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:L/I:L/A:N"}],
      "affected":[{"package":{"ecosystem":"npm","name":"left-pad"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.3.0"}]}]}]}"#;
    import(dir.path(), &advisories(dir.path(), &[medium]));
    import(
        dir.path(),
        &shared_data().join("kev/known_exploited_vulnerabilities.json"),
    );
    let lock = r#"{"name":"x","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"x","version":"1.0.0"},"node_modules/left-pad":{"version":"1.1.0"}}}"#;
    let p = project(dir.path(), "package-lock.json", lock);
    let doc = scan_json(dir.path(), T0, &[p.to_str().expect("utf-8")]);
    let f = &doc["findings"][0];
    assert_eq!(f["kev"], true);
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["due"], "2026-09-03T09:00:00Z", "48 hours");
    assert!(f["cvss_score"].as_f64().is_some_and(|s| s < 7.0));
}

#[test]
fn ignore_rules_hide_a_finding_until_they_expire() {
    let dir = tempfile::tempdir().expect("tempdir");
    import(dir.path(), &advisories(dir.path(), &[GHSA]));
    let p = project(dir.path(), "requirements.txt", "example-pkg==1.0\n");
    let path = p.to_str().expect("utf-8");
    std::fs::write(
        dir.path().join("patchwarden.toml"),
        "[[ignore]]\nid = \"CVE-2099-0001\"\nreason = \"not reachable\"\nuntil = \"2026-09-30\"\n",
    )
    .expect("config");
    let doc = scan_json(dir.path(), T0, &["--no-record", path]);
    assert_eq!(doc["findings"].as_array().map(Vec::len), Some(0));
    assert_eq!(doc["ignored"][0]["advisory_id"], "GHSA-aaaa-bbbb-cccc");
    assert_eq!(doc["ignored"][0]["reason"], "not reachable");
    let doc = scan_json(dir.path(), "2026-10-01T09:00:00Z", &["--no-record", path]);
    assert_eq!(
        doc["findings"].as_array().map(Vec::len),
        Some(1),
        "expired: reported again"
    );
    assert_eq!(doc["expired_ignores"][0]["id"], "CVE-2099-0001");
}

#[test]
fn a_malformed_lockfile_exits_2_naming_the_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = project(
        dir.path(),
        "Cargo.lock",
        "version = 3\n\n[[package]]\nname = \"serde\"\nversion = \n",
    );
    pw(dir.path(), T0)
        .args(["scan", "--no-record"])
        .arg(&p)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Cargo.lock"))
        .stderr(predicate::str::contains("line 5"));
}

#[test]
fn a_directory_walk_skips_dependency_folders_and_honours_gitignore() {
    let dir = tempfile::tempdir().expect("tempdir");
    import(dir.path(), &advisories(dir.path(), &[GHSA]));
    let p = project(dir.path(), "requirements.txt", "example-pkg==1.0\n");
    for skipped in ["node_modules/x", ".venv/lib", "ignored-by-git"] {
        std::fs::create_dir_all(p.join(skipped)).expect("mkdir");
        std::fs::write(
            p.join(skipped).join("requirements.txt"),
            "example-pkg==0.1\n",
        )
        .expect("write");
    }
    std::fs::write(p.join(".gitignore"), "ignored-by-git/\n").expect("write");
    let doc = scan_json(dir.path(), T0, &["--no-record", p.to_str().expect("utf-8")]);
    let files: Vec<&str> = doc["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(files, ["requirements.txt"]);
    assert_eq!(
        doc["asset"], "project",
        "no asset given: the directory's name"
    );
}

#[test]
fn every_report_format_renders_the_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    import(dir.path(), &advisories(dir.path(), &[GHSA, OTHER]));
    let p = project(dir.path(), "requirements.txt", "example-pkg==1.0\n");
    let run = |format: &str| {
        let out = pw(dir.path(), T0)
            .args(["scan", "--no-record", "--format", format])
            .arg(&p)
            .assert()
            .success();
        String::from_utf8(out.get_output().stdout.clone()).expect("utf-8")
    };
    let table = run("table");
    assert!(
        table.contains("HIGH (1)")
            && table.contains("GHSA-aaaa-bbbb-cccc")
            && table.contains("due 2026-09-08 09:00"),
        "{table}"
    );
    let md = run("markdown");
    assert!(md.contains("| high | example-pkg | 1.0 | GHSA-aaaa-bbbb-cccc, CVE-2099-0001 | 1.2.0 | 2026-09-08 | `requirements.txt:1` |"), "{md}");
    let csv = run("csv");
    assert_eq!(csv.lines().count(), 3);
    assert!(csv.starts_with("severity,advisory_id,aliases,"));
    let sarif: Value = serde_json::from_str(&run("sarif")).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
}

/// The SARIF 2.1.0 JSON schema, as the `serde-sarif` crate (a dev-dependency, so `cargo` has fetched it)
/// ships it.
fn sarif_schema() -> PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let registry = cargo_home.join("registry/src");
    for index in std::fs::read_dir(&registry).expect("cargo registry") {
        let index = index.expect("entry").path();
        for krate in std::fs::read_dir(&index).into_iter().flatten().flatten() {
            let name = krate.file_name().to_string_lossy().into_owned();
            if name.starts_with("serde-sarif-0.8") {
                let schema = krate.path().join("src/schema.json");
                if schema.is_file() {
                    return schema;
                }
            }
        }
    }
    panic!(
        "the SARIF schema of the serde-sarif crate is not in {}: run `cargo fetch`",
        registry.display()
    );
}

fn python() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::env::var_os("PATCHWARDEN_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".venv/bin/python"))
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    import(dir.path(), &advisories(dir.path(), &[GHSA, OTHER]));
    let p = project(
        dir.path(),
        "requirements.txt",
        "example-pkg==1.0\nother==2\n",
    );
    let out = pw(dir.path(), T0)
        .args(["scan", "--no-record", "--format", "sarif"])
        .arg(&p)
        .assert()
        .success();
    let sarif = dir.path().join("out.sarif");
    std::fs::write(&sarif, &out.get_output().stdout).expect("write");
    let check = std::process::Command::new(python())
        .args([
            "-c",
            "import json, sys, jsonschema\n\
             schema = json.load(open(sys.argv[1]))\n\
             jsonschema.validate(json.load(open(sys.argv[2])), schema, cls=jsonschema.Draft7Validator)\n\
             print('valid')",
        ])
        .arg(sarif_schema())
        .arg(&sarif)
        .output()
        .expect("run python: install the references with scripts/install-references");
    assert!(
        check.status.success(),
        "SARIF does not validate (or jsonschema is missing: scripts/install-references):\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn an_sbom_written_by_patchwarden_scans_to_the_same_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    import(dir.path(), &shared_data().join("osv/PyPI/all.zip"));
    let req = shared_data().join("lockfiles-extra/py-req-djangorw/requirements.txt");
    let direct = scan_json(
        dir.path(),
        T0,
        &["--no-record", req.to_str().expect("utf-8")],
    );
    for (format, file) in [
        ("cyclonedx-json", "bom.cdx.json"),
        ("spdx-json", "bom.spdx.json"),
    ] {
        let out = dir.path().join(file);
        pw(dir.path(), T0)
            .args(["sbom", "--format", format, "--output"])
            .arg(&out)
            .arg(&req)
            .assert()
            .success();
        let via_sbom = scan_json(
            dir.path(),
            T0,
            &["--no-record", out.to_str().expect("utf-8")],
        );
        assert_eq!(via_sbom["packages"], 6, "{format}");
        let ids = |doc: &Value| {
            let mut v: Vec<String> = doc["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(|f| f["advisory_id"].as_str().unwrap_or("").to_owned())
                .collect();
            v.sort();
            v
        };
        assert_eq!(ids(&via_sbom), ids(&direct), "{format}");
    }
}
