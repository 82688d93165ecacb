//! `patchwarden assets`: the estate against its cadences, on a fixed clock — an image not rebuilt for
//! more than a week, a critical alert that makes a rebuild due now, a patch recorded by hand, an asset
//! added to the config.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const CONFIG: &str = r#"
[[people]]
name = "ivy"
roles = ["incident_commander"]
[[people]]
name = "vic"
roles = ["viewer"]

[[assets]]
name = "base-image"
layer = "base-os"
owner = "CTO"

[[assets]]
name = "rds-main"
layer = "database"
components = ["postgresql@15.4"]
"#;

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

fn assets(dir: &Path, now: &str) -> Value {
    let out = pw(dir, now)
        .args(["assets", "list", "--format", "json"])
        .assert()
        .success();
    let doc: Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    doc["assets"].clone()
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("patchwarden.toml"), CONFIG).expect("config");
    dir
}

#[test]
fn an_image_not_rebuilt_for_more_than_a_week_has_missed_its_cadence_until_it_is_patched() {
    let dir = setup();
    // First seen on March 1st: never patched, each asset is due one cadence later.
    let first = assets(dir.path(), "2026-03-01T09:00:00Z");
    assert_eq!(first[0]["name"], "base-image");
    assert_eq!(first[0]["cadence"], "weekly");
    assert_eq!(first[0]["next_due"], "2026-03-08T09:00:00Z");
    assert_eq!(first[1]["next_due"], "2026-04-01T09:00:00Z");
    assert_eq!(first[0]["missed"], false);

    let later = assets(dir.path(), "2026-03-09T09:00:00Z");
    assert_eq!(
        (later[0]["missed"].clone(), later[1]["missed"].clone()),
        (true.into(), false.into())
    );
    pw(dir.path(), "2026-03-09T09:00:00Z")
        .args(["assets", "list", "--fail"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "cadence missed since 2026-03-08 09:00",
        ));

    // A viewer may not record a patch; the Incident Commander may.
    pw(dir.path(), "2026-03-09T10:00:00Z")
        .args(["--as", "vic", "assets", "patched", "base-image"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "may not record a patch of an asset",
        ));
    pw(dir.path(), "2026-03-09T10:00:00Z")
        .args(["--as", "ivy", "assets", "patched", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no asset named \"nope\""));
    pw(dir.path(), "2026-03-09T10:00:00Z")
        .args([
            "--as",
            "ivy",
            "assets",
            "patched",
            "base-image",
            "--note",
            "weekly rebuild",
        ])
        .assert()
        .success();

    let patched = assets(dir.path(), "2026-03-10T09:00:00Z");
    assert_eq!(patched[0]["last_patched"], "2026-03-09T10:00:00Z");
    assert_eq!(patched[0]["last_patched_via"], "manual");
    assert_eq!(patched[0]["next_due"], "2026-03-16T10:00:00Z");
    assert_eq!(patched[0]["missed"], false);
    pw(dir.path(), "2026-03-10T09:00:00Z")
        .args(["assets", "list", "--fail"])
        .assert()
        .success();

    // The patch is an audited event.
    pw(dir.path(), "2026-03-10T09:00:00Z")
        .args(["audit", "log"])
        .assert()
        .success()
        .stdout(predicate::str::contains("asset.patched"));
}

#[test]
fn a_critical_record_makes_an_out_of_cycle_rebuild_due_now_for_a_weekly_or_on_critical_layer() {
    let dir = setup();
    for asset in ["base-image", "rds-main"] {
        pw(dir.path(), "2026-03-02T09:00:00Z")
            .args([
                "--as",
                "ivy",
                "patch",
                "new",
                "--title",
                "openssl RCE",
                "--asset",
                asset,
            ])
            .args(["--severity", "critical"])
            .assert()
            .success();
    }
    let now = assets(dir.path(), "2026-03-02T10:00:00Z");
    assert_eq!(now[0]["open_critical"], 1);
    assert_eq!(
        now[0]["out_of_cycle"], true,
        "base images: weekly or on critical alert"
    );
    assert_eq!(
        now[1]["out_of_cycle"], false,
        "the database layer waits for its window"
    );
    pw(dir.path(), "2026-03-02T10:00:00Z")
        .args(["assets", "show", "base-image"])
        .assert()
        .success()
        .stdout(predicate::str::contains("out-of-cycle patch due now"));
}

#[test]
fn an_asset_added_from_the_cli_is_written_to_the_config_only_when_the_config_stays_valid() {
    let dir = setup();
    let config = dir.path().join("patchwarden.toml");
    pw(dir.path(), "2026-03-01T09:00:00Z")
        .args([
            "--as",
            "ivy",
            "assets",
            "add",
            "api",
            "--layer",
            "no-such-layer",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown-layer"));
    assert_eq!(
        std::fs::read_to_string(&config).expect("read"),
        CONFIG,
        "nothing written"
    );

    pw(dir.path(), "2026-03-01T09:00:00Z")
        .args([
            "--as",
            "vic",
            "assets",
            "add",
            "api",
            "--layer",
            "app-dependencies",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("may not add an asset"));

    pw(dir.path(), "2026-03-01T09:00:00Z")
        .args([
            "--as",
            "ivy",
            "assets",
            "add",
            "api",
            "--layer",
            "app-dependencies",
        ])
        .args([
            "--owner",
            "CTO \"platform\"",
            "--scan",
            "poetry.lock",
            "--component",
            "python@3.12",
        ])
        .assert()
        .success();
    let list = assets(dir.path(), "2026-03-01T09:00:00Z");
    let api = &list[2];
    assert_eq!(api["name"], "api");
    assert_eq!(api["owner"], "CTO \"platform\"");
    assert_eq!(api["scan"], serde_json::json!(["poetry.lock"]));
    assert_eq!(api["components"], serde_json::json!(["python@3.12"]));
    assert!(
        std::fs::read_to_string(&config)
            .expect("read")
            .starts_with(CONFIG),
        "appended"
    );
}

#[test]
fn packages_declared_as_package_urls_are_matched_against_the_advisories_as_findings_of_the_asset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(
        d.join("patchwarden.toml"),
        r#"
[[assets]]
name = "hosted-app"
layer = "app-dependencies"
components = ["python@3.10", "pkg:pypi/Example_Pkg@1.0.0", "pkg:npm/%40scope/left-pad@2.0.0"]

[[assets]]
name = "typo"
layer = "app-dependencies"
components = ["pkg:nosuchtype/thing@1.0"]
"#,
    )
    .expect("config");
    // A lockfile in the directory that is not the asset's: a scan of the asset alone leaves it out.
    std::fs::write(d.join("requirements.txt"), "other-pkg==0.1\n").expect("requirements");
    std::fs::create_dir(d.join("adv")).expect("dir");
    std::fs::write(
        d.join("adv/PYSEC-2099-7.json"),
        r#"{"id": "PYSEC-2099-7", "modified": "2026-01-01T00:00:00Z", "aliases": ["CVE-2099-7007"],
            "summary": "Code execution in templates",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "example-pkg"},
              "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2.0"}]}]}]}"#,
    )
    .expect("advisory");
    pw(d, "2026-03-01T09:00:00Z")
        .args(["db", "import", "adv"])
        .assert()
        .success();
    let out = pw(d, "2026-03-01T09:00:00Z")
        .args(["scan", "--asset", "hosted-app", "--format", "json"])
        .assert()
        .success();
    let scan: Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    let findings = scan["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["advisory_id"], "PYSEC-2099-7");
    assert_eq!(findings[0]["version"], "1.0.0");
    assert!(
        findings[0]["source"]
            .as_str()
            .is_some_and(|s| s.contains("(asset hosted-app components)")),
        "{}",
        findings[0]["source"]
    );
    // The purls are packages, not end-of-life products.
    let products: Vec<&str> = scan["components"]
        .as_array()
        .expect("components")
        .iter()
        .filter_map(|c| c["product"].as_str())
        .collect();
    assert_eq!(products, ["python"]);
    // The finding opened a record on the asset.
    let statuses = assets(d, "2026-03-01T10:00:00Z");
    assert_eq!(statuses[0]["name"], "hosted-app");
    assert_eq!(statuses[0]["open_records"], 1);

    pw(d, "2026-03-01T09:00:00Z")
        .args(["scan", "--asset", "typo"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "\"pkg:nosuchtype/thing@1.0\" needs a package type patchwarden knows",
        ));
    // The daily scan task covers the asset though it has no scan paths.
    let out = pw(d, "2026-03-01T09:00:00Z")
        .args(["tasks", "list", "--format", "json"])
        .assert()
        .success();
    assert!(
        String::from_utf8_lossy(&out.get_output().stdout).contains("patchwarden.scan.hosted-app")
    );
}
