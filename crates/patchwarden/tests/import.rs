//! `patchwarden import` end to end on SQLite: every report format, joining patchwarden's own finding of
//! the same vulnerability by alias, re-imports, per-tool gone marking, malformed reports that change
//! nothing, and Dependabot alerts fetched from a loopback API with the token checked.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use patchwarden_testkit::{Route, StaticServer, shared_data};
use predicates::prelude::*;
use serde_json::Value;

const T0: &str = "2026-09-01T09:00:00Z";
const T1: &str = "2026-09-02T09:00:00Z";
const T2: &str = "2026-09-03T09:00:00Z";

fn pw(dir: &Path, now: &str) -> Command {
    let mut cmd = Command::cargo_bin("patchwarden").expect("binary built");
    cmd.current_dir(dir)
        .env_remove("PATCHWARDEN_DATA_DIR")
        .env_remove("PATCHWARDEN_DATABASE_URL")
        .env_remove("PATCHWARDEN_USER")
        .env_remove("GITHUB_TOKEN")
        .env("PATCHWARDEN_NOW", now)
        .env("NO_COLOR", "1");
    cmd
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../patchwarden-imports/tests/fixtures")
        .join(name)
}

fn import_json(dir: &Path, now: &str, args: &[&str]) -> Value {
    let out = pw(dir, now)
        .args(["import", "--output-format", "json"])
        .args(args)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).expect("JSON output")
}

fn db_import(dir: &Path, ecosystem: &str) {
    pw(dir, T0)
        .args(["db", "import"])
        .arg(shared_data().join(format!("osv/{ecosystem}/all.zip")))
        .assert()
        .success();
}

/// (vulnerability, package, severity, sources) of each finding.
fn findings(doc: &Value) -> Vec<(String, String, String, Vec<String>)> {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                s(&f["vulnerability"]),
                s(&f["package"]),
                s(&f["severity"]),
                f["sources"]
                    .as_array()
                    .map(|a| a.iter().map(s).collect())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

fn audit_log(dir: &Path) -> String {
    let out = pw(dir, T2)
        .args(["audit", "log", "--format", "json"])
        .assert()
        .success();
    String::from_utf8_lossy(&out.get_output().stdout).into_owned()
}

#[test]
fn every_format_is_detected_and_imported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        ("osv-scanner.json", "osv-scanner", 2),
        ("pip-audit.json", "pip-audit", 2),
        ("cargo-audit.json", "cargo-audit", 2),
        ("npm-audit.json", "npm-audit", 3),
        ("yarn-audit.ndjson", "yarn-audit", 2),
        ("trivy.json", "trivy", 3),
        ("grype.json", "grype", 2),
        ("dependabot.json", "dependabot", 2),
        ("sarif.json", "sarif", 2),
        ("cyclonedx-vex.json", "cyclonedx-vex", 2),
    ];
    for (file, tool, count) in cases {
        let path = fixture(file);
        let asset = format!("asset-{tool}");
        let doc = import_json(
            dir.path(),
            T0,
            &[path.to_str().expect("utf-8"), "--asset", &asset],
        );
        assert_eq!(doc["schema"], "patchwarden.import/v1", "{file}");
        assert_eq!(doc["kind"], "import");
        assert_eq!(doc["tool"], tool, "{file} detected");
        assert_eq!(
            doc["findings"].as_array().map(Vec::len),
            Some(count),
            "{file}"
        );
        assert_eq!(
            doc["records_opened"].as_array().map(Vec::len),
            Some(count),
            "{file}: each new finding opens a record"
        );
        // Named explicitly, the same.
        let named = import_json(
            dir.path(),
            T0,
            &[
                path.to_str().expect("utf-8"),
                "--format",
                tool,
                "--asset",
                &asset,
                "--no-record",
            ],
        );
        assert_eq!(named["tool"], tool);
        let strip = |d: &Value| {
            findings(d)
                .into_iter()
                .map(|(v, p, s, _)| (v, p, s))
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&named), strip(&doc), "{file}");
    }
    // The severity comes from the report's CVSS vector under the policy's bands.
    let trivy = import_json(
        dir.path(),
        T0,
        &[
            fixture("trivy.json").to_str().expect("utf-8"),
            "--asset",
            "asset-trivy",
            "--no-record",
        ],
    );
    let got = findings(&trivy);
    assert!(got.contains(&(
        "CVE-2021-23337".into(),
        "lodash".into(),
        "high".into(),
        Vec::new()
    )));
    assert!(
        got.contains(&(
            "CVE-2024-0727".into(),
            "libssl3".into(),
            "medium".into(),
            Vec::new()
        )),
        "NVD's 5.5 is medium, whatever Debian's label says: {got:?}"
    );
}

#[test]
fn an_import_joins_the_own_scan_finding_by_alias_and_marks_gone_only_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    db_import(dir.path(), "PyPI");
    let project = dir.path().join("api");
    std::fs::create_dir_all(&project).expect("mkdir");
    std::fs::write(project.join("requirements.txt"), "requests==2.28.0\n").expect("write");
    let scan = pw(dir.path(), T0)
        .args(["scan", "--format", "json", "--asset", "api"])
        .arg(&project)
        .assert()
        .success();
    let scan: Value = serde_json::from_slice(&scan.get_output().stdout).expect("json");
    let own: Vec<&str> = scan["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["vulnerability"].as_str())
        .collect();
    assert!(own.contains(&"CVE-2023-32681"), "{own:?}");
    let opened_by_scan = scan["records_opened"].as_array().map(Vec::len).unwrap_or(0);

    // Grype calls it GHSA-j8r2-6x86-q33q; the advisory database knows it as PYSEC-2023-74 = CVE-2023-32681.
    let grype = fixture("grype.json");
    let doc = import_json(
        dir.path(),
        T1,
        &[grype.to_str().expect("utf-8"), "--asset", "api"],
    );
    let got = findings(&doc);
    let requests = got
        .iter()
        .find(|f| f.1 == "requests")
        .expect("requests imported");
    assert_eq!(requests.0, "CVE-2023-32681", "joined by alias group");
    assert_eq!(requests.3, ["grype", "patchwarden"]);
    let joined = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["package"] == "requests")
        .expect("requests");
    assert_eq!(
        joined["detected_at"], T0,
        "first detection from the own scan"
    );
    assert_eq!(
        doc["records_opened"].as_array().map(Vec::len),
        Some(1),
        "only libssl3 is new"
    );

    // The same report again: nothing new, nothing gone.
    let again = import_json(
        dir.path(),
        T1,
        &[grype.to_str().expect("utf-8"), "--asset", "api"],
    );
    assert_eq!(findings(&again), got);
    assert_eq!(again["records_opened"], Value::Array(Vec::new()));
    assert_eq!(again["no_longer_detected"], Value::Array(Vec::new()));

    // Grype no longer reports either: libssl3 is gone, requests stays open (the own scan sees it).
    let empty = dir.path().join("grype-clean.json");
    std::fs::write(
        &empty,
        r#"{"matches": [], "source": {"type": "image"}, "descriptor": {"name": "grype"}}"#,
    )
    .expect("write");
    let clean = import_json(
        dir.path(),
        T2,
        &[empty.to_str().expect("utf-8"), "--asset", "api"],
    );
    assert_eq!(
        clean["no_longer_detected"],
        serde_json::json!(["CVE-2024-0727 in libssl3@3.0.11-1~deb12u2"])
    );
    let rescan = pw(dir.path(), T2)
        .args(["scan", "--format", "json", "--asset", "api"])
        .arg(&project)
        .assert()
        .success();
    let rescan: Value = serde_json::from_slice(&rescan.get_output().stdout).expect("json");
    assert_eq!(rescan["no_longer_detected"], Value::Array(Vec::new()));
    assert_eq!(
        rescan["records_opened"].as_array().map(Vec::len),
        Some(0),
        "still the records the first scan opened ({opened_by_scan})"
    );
}

#[test]
fn a_malformed_report_exits_2_naming_the_file_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let trivy = fixture("trivy.json");
    import_json(
        dir.path(),
        T0,
        &[trivy.to_str().expect("utf-8"), "--asset", "web"],
    );
    let before = audit_log(dir.path());

    let text = std::fs::read_to_string(&trivy).expect("read");
    let truncated = dir.path().join("truncated.json");
    std::fs::write(&truncated, &text[..text.len() / 2]).expect("write");
    pw(dir.path(), T1)
        .args(["import", "--asset", "web"])
        .arg(&truncated)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("truncated.json: line ")
                .and(predicate::str::contains("not valid JSON")),
        );

    let wrong = dir.path().join("wrong.json");
    std::fs::write(
        &wrong,
        text.replace(
            "\"InstalledVersion\": \"4.17.20\"",
            "\"InstalledVersion\": 4",
        ),
    )
    .expect("write");
    pw(dir.path(), T1)
        .args(["import", "--asset", "web"])
        .arg(&wrong)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "wrong.json: $.Results[1].Vulnerabilities[0].InstalledVersion: expected a string, found a number",
        ));

    let unknown = dir.path().join("unknown.json");
    std::fs::write(&unknown, r#"{"scanner": "something else"}"#).expect("write");
    pw(dir.path(), T1)
        .args(["import", "--asset", "web"])
        .arg(&unknown)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown.json: not a report of a known format",
        ));

    // A report of another format than named.
    pw(dir.path(), T1)
        .args(["import", "--asset", "web", "--format", "grype"])
        .arg(&trivy)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "trivy.json: $: missing \"matches\"",
        ));

    assert_eq!(audit_log(dir.path()), before, "nothing was recorded");
    let open = import_json(
        dir.path(),
        T1,
        &[
            trivy.to_str().expect("utf-8"),
            "--asset",
            "web",
            "--no-record",
        ],
    );
    assert_eq!(open["findings"].as_array().map(Vec::len), Some(3));
}

#[test]
fn fail_on_and_stdin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(fixture("npm-audit.json")).expect("read");
    pw(dir.path(), T0)
        .args(["import", "-", "--asset", "web", "--fail-on", "critical"])
        .write_stdin(text)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "minimist@<0.2.4 || >=1.0.0 <1.2.6  GHSA-xvch-5gv4-984h",
        ))
        .stdout(predicate::str::contains(
            "3 findings from stdin (npm-audit) for asset web",
        ));
}

#[test]
fn dependabot_alerts_are_fetched_page_by_page_with_the_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pages = dir.path().join("pages");
    std::fs::create_dir_all(&pages).expect("mkdir");
    let alerts: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("dependabot.json")).expect("read"))
            .expect("alerts");
    std::fs::write(
        pages.join("1.json"),
        serde_json::to_string(&alerts[..2]).expect("json"),
    )
    .expect("write");
    std::fs::write(
        pages.join("2.json"),
        serde_json::to_string(&alerts[2..]).expect("json"),
    )
    .expect("write");
    let first = "/repos/acme/shop/dependabot/alerts?state=open&per_page=100";
    let second = "/repos/acme/shop/dependabot/alerts?state=open&per_page=100&page=2";
    let server = StaticServer::start([(
        second.to_owned(),
        Route::Authorized {
            file: pages.join("2.json"),
            authorization: "Bearer test-token".into(),
            link: None,
        },
    )]);
    server.set_route(
        first,
        Route::Authorized {
            file: pages.join("1.json"),
            authorization: "Bearer test-token".into(),
            link: Some(format!(
                "<{}{second}>; rel=\"next\", <{}{second}>; rel=\"last\"",
                server.base(),
                server.base()
            )),
        },
    );
    let out = pw(dir.path(), T0)
        .env("GITHUB_TOKEN", "test-token")
        .args([
            "import",
            "--dependabot-repo",
            "acme/shop",
            "--api-url",
            server.base(),
            "--output-format",
            "json",
        ])
        .assert()
        .success();
    let doc: Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    assert_eq!(doc["tool"], "dependabot");
    assert_eq!(doc["asset"], "shop", "the repository's name by default");
    assert_eq!(doc["file"], "dependabot:acme/shop");
    let got = findings(&doc);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().any(|f| f.0 == "CVE-2021-23337" && f.2 == "high"));
    assert!(
        got.iter()
            .any(|f| f.0 == "CVE-2023-32681" && f.2 == "medium")
    );
    assert_eq!(
        doc["skipped"],
        serde_json::json!(["alert 9 (GHSA-xpfp-f569-q3p2): dismissed"])
    );
    let hits: Vec<(String, u16)> = server
        .hits()
        .into_iter()
        .map(|h| (h.path, h.status))
        .collect();
    assert_eq!(hits, [(first.to_owned(), 200), (second.to_owned(), 200)]);

    // A wrong token: the API's 401, exit 2, nothing recorded.
    let before = audit_log(dir.path());
    pw(dir.path(), T1)
        .env("GITHUB_TOKEN", "wrong")
        .args([
            "import",
            "--dependabot-repo",
            "acme/shop",
            "--api-url",
            server.base(),
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("answered 401").and(predicate::str::contains("wrong").not()),
        );
    assert_eq!(audit_log(dir.path()), before);
    // No token at all.
    pw(dir.path(), T1)
        .args([
            "import",
            "--dependabot-repo",
            "acme/shop",
            "--api-url",
            server.base(),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs a token in $GITHUB_TOKEN"));
}

#[test]
fn a_cargo_audit_report_joins_the_scan_of_the_same_lockfile() {
    let dir = tempfile::tempdir().expect("tempdir");
    db_import(dir.path(), "crates.io");
    let lock = shared_data().join("lockfiles/cargo-v1/BurntSushi__ripgrep/Cargo.lock");
    pw(dir.path(), T0)
        .args(["scan", "--asset", "ripgrep"])
        .arg(&lock)
        .assert()
        .success();
    let doc = import_json(
        dir.path(),
        T1,
        &[
            fixture("cargo-audit.json").to_str().expect("utf-8"),
            "--asset",
            "ripgrep",
        ],
    );
    let got = findings(&doc);
    assert_eq!(
        got,
        [
            (
                "CVE-2022-24713".to_owned(),
                "regex".to_owned(),
                // The report has no CVSS: the advisory database's vector decides.
                "high".to_owned(),
                vec!["cargo-audit".to_owned(), "patchwarden".to_owned()]
            ),
            (
                "RUSTSEC-2022-0006".to_owned(),
                "thread_local".to_owned(),
                "unknown".to_owned(),
                vec!["cargo-audit".to_owned(), "patchwarden".to_owned()]
            ),
        ],
        "both already found by the scan: joined, no new records"
    );
    assert_eq!(doc["records_opened"], Value::Array(Vec::new()));
    assert!(doc["findings"][0]["detected_at"] == T0);
}

#[test]
fn dependabot_alerts_come_from_the_assets_forge() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = "/repos/team/shop/dependabot/alerts?state=open&per_page=100";
    let server = StaticServer::start([(
        path.to_owned(),
        Route::Authorized {
            file: fixture("dependabot.json"),
            authorization: "Bearer shop-token".into(),
            link: None,
        },
    )]);
    std::fs::write(
        dir.path().join("patchwarden.toml"),
        format!(
            "[[assets]]\nname = \"shop\"\nlayer = \"app-dependencies\"\n[assets.forge]\nkind = \"github\"\n\
             api_url = \"{}/\"\nrepository = \"team/shop\"\ntoken_env = \"SHOP_TOKEN\"\n",
            server.base()
        ),
    )
    .expect("config");
    let out = pw(dir.path(), T0)
        .env("SHOP_TOKEN", "shop-token")
        .env("GITHUB_TOKEN", "not-this-one")
        .args(["import", "--dependabot", "--asset", "shop"])
        .assert()
        .success();
    let table = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        table.contains("2 findings from dependabot:team/shop (dependabot) for asset shop"),
        "{table}"
    );
    assert!(
        table.contains("skipped: alert 9 (GHSA-xpfp-f569-q3p2): dismissed"),
        "{table}"
    );
    assert_eq!(server.hits().len(), 1);
    // An asset without a forge cannot say where to fetch from.
    pw(dir.path(), T0)
        .args(["import", "--dependabot", "--asset", "elsewhere"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--dependabot needs an asset with an [assets.forge]",
        ));
}
