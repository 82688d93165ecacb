//! Unsupported systems end to end: end-of-life data imported and synced from the real data in
//! ../shared/data/eol, components found in a project, a root filesystem and the config, and the report an
//! auditor reads. The clock is fixed: the data carries dates up to August 2026.

use std::path::Path;

use assert_cmd::Command;
use patchwarden_testkit::{Route, StaticServer, shared_data};
use predicates::prelude::*;
use serde_json::Value;

fn pw(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("patchwarden").expect("binary built");
    cmd.current_dir(dir)
        .env_remove("PATCHWARDEN_DATA_DIR")
        .env_remove("PATCHWARDEN_DATABASE_URL")
        .env_remove("PATCHWARDEN_USER")
        .env("PATCHWARDEN_NOW", "2026-08-20T09:00:00Z")
        .env("NO_COLOR", "1");
    cmd
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("JSON output")
}

fn import_eol(dir: &Path) {
    pw(dir)
        .args(["db", "import"])
        .arg(shared_data().join("eol"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "end-of-life data for 464 products",
        ));
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// (product, version, status, eol) of a JSON list of components.
fn statuses(components: &Value) -> Vec<(String, String, String, String)> {
    components
        .as_array()
        .expect("components")
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or("").to_owned();
            (s("product"), s("version"), s("status"), s("eol"))
        })
        .collect()
}

fn t(p: &str, v: &str, s: &str, eol: &str) -> (String, String, String, String) {
    (p.into(), v.into(), s.into(), eol.into())
}

#[test]
fn a_scan_reports_the_runtimes_a_project_declares_past_their_end_of_life() {
    let dir = tempfile::tempdir().expect("tempdir");
    import_eol(dir.path());
    let project = dir.path().join("web");
    write(
        &project.join("Dockerfile"),
        "ARG PY=3.8\nFROM python:${PY}-slim-bullseye AS build\nFROM build\n",
    );
    write(&project.join(".nvmrc"), "v20.11.1\n");
    write(
        &project.join("pyproject.toml"),
        "[project]\nname = \"web\"\nrequires-python = \">=3.12\"\n",
    );
    write(&project.join("requirements.txt"), "django==5.1.1\n");

    let out = pw(dir.path())
        .args(["scan", "--no-record", "--format", "json", "web"])
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    // Walked files in path order; a stage named earlier (`FROM build`) names no image.
    assert_eq!(
        statuses(&doc["components"]),
        vec![
            t("nodejs", "20.11.1", "unsupported", "2026-04-30"),
            t("python", "3.8", "unsupported", "2024-10-07"),
            t("debian", "bullseye", "unsupported", "2024-08-14"),
            t("python", "3.12", "supported", "2028-10-31"),
        ]
    );
    let python = &doc["components"][1];
    assert_eq!(python["source"], "Dockerfile:2");
    assert_eq!(
        python["evidence"],
        "FROM python:${PY}-slim-bullseye AS build"
    );
    assert_eq!(python["severity"], "high");
    // 3.10 reaches its end of life within the 90-day warning window: not a target.
    assert_eq!(python["upgrade_to"], "3.11");
    assert_eq!(doc["components"][3]["severity"], Value::Null);

    // The unsupported systems count against --fail-on like any finding of their severity.
    pw(dir.path())
        .args(["scan", "--no-record", "--fail-on", "high", "web"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("UNSUPPORTED SYSTEMS"))
        .stdout(predicate::str::contains(
            "python 3.8 (Dockerfile:2): end of life since 2024-10-07; move to 3.11",
        ));
    pw(dir.path())
        .args(["scan", "--no-record", "--fail-on", "critical", "web"])
        .assert()
        .success();
}

#[test]
fn a_root_filesystem_shows_its_os_release_and_runtime_packages() {
    let dir = tempfile::tempdir().expect("tempdir");
    import_eol(dir.path());
    let root = dir.path().join("rootfs");
    write(
        &root.join("etc/os-release"),
        "PRETTY_NAME=\"Debian GNU/Linux 11 (bullseye)\"\nVERSION_ID=\"11\"\nID=debian\n",
    );
    write(
        &root.join("var/lib/dpkg/status"),
        "Package: postgresql-13\nStatus: install ok installed\nArchitecture: amd64\nVersion: 13.11-0+deb11u1\n\n\
         Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.31-13+deb11u6\n",
    );
    let out = pw(dir.path())
        .args([
            "scan",
            "--no-record",
            "--format",
            "json",
            "--rootfs",
            "rootfs",
        ])
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(
        statuses(&doc["components"]),
        vec![
            t("debian", "11", "unsupported", "2024-08-14"),
            t("postgresql", "13", "unsupported", "2025-11-13"),
        ]
    );
}

#[test]
fn the_report_lists_every_component_of_every_asset_with_its_dates() {
    let dir = tempfile::tempdir().expect("tempdir");
    import_eol(dir.path());
    write(&dir.path().join("api/.python-version"), "3.13.1\n");
    write(
        &dir.path().join("patchwarden.toml"),
        "[[assets]]\nname = \"api\"\nlayer = \"app-dependencies\"\nscan = [\"api\"]\n\n\
         [[assets]]\nname = \"rds-main\"\nlayer = \"database\"\ncomponents = [\"postgresql@15.4\", \"mysql@5.7\"]\n",
    );
    let out = pw(dir.path())
        .args(["report", "unsupported", "--format", "json"])
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(doc["schema"], "patchwarden.unsupported/v1");
    assert_eq!(doc["unsupported"], 1);
    assert_eq!(
        statuses(&doc["components"]),
        vec![
            t("python", "3.13.1", "supported", "2029-10-31"),
            t("postgresql", "15.4", "supported", "2027-11-11"),
            t("mysql", "5.7", "unsupported", "2023-10-31"),
        ]
    );
    assert_eq!(doc["components"][2]["asset"], "rds-main");
    assert_eq!(
        doc["components"][2]["source"],
        "declared for asset rds-main"
    );

    pw(dir.path())
        .args(["report", "unsupported", "--fail"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "| rds-main | mysql | 5.7 | 5.7 | 2023-10-31 | unsupported |",
        ));
}

#[test]
fn malformed_end_of_life_data_is_refused_naming_the_entry_and_nothing_is_imported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("eol");
    write(
        &data.join("products/python.json"),
        r#"{"product":"python","cycles":[{"cycle":"3.8","eol":"2024-10-07"}]}"#,
    );
    write(
        &data.join("products/broken.json"),
        r#"{"product":"broken","cycles":[{"cycle":"1","eol":"someday"}]}"#,
    );
    pw(dir.path())
        .args(["db", "import"])
        .arg(&data)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "entry products/broken.json is not end-of-life data",
        ));
    let out = pw(dir.path())
        .args(["db", "status", "--format", "json"])
        .assert()
        .success();
    assert_eq!(json(&out.get_output().stdout)["eol_products"], 0);
}

#[test]
fn sync_fetches_each_product_once_and_then_only_asks_whether_it_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let products = shared_data().join("eol/products");
    let routes: Vec<(String, Route)> = std::fs::read_dir(&products)
        .expect("the eol data")
        .map(|e| {
            let path = e.expect("entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("a name")
                .to_owned();
            (format!("/api/{name}"), Route::File(path))
        })
        .collect();
    let server = StaticServer::start(routes);
    write(
        &dir.path().join("patchwarden.toml"),
        &format!(
            "[advisories]\necosystems = []\nkev = false\neol_url = \"{}/api/{{product}}.json\"\n\n\
             [[assets]]\nname = \"db\"\nlayer = \"database\"\ncomponents = [\"amazon-rds-postgresql@14\"]\n",
            server.base()
        ),
    );
    let sync = || {
        let out = pw(dir.path())
            .args(["db", "sync", "--format", "json"])
            .assert()
            .success();
        json(&out.get_output().stdout)["sources"]
            .as_array()
            .expect("sources")
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap_or("").to_owned(),
                    s["outcome"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    let first = sync();
    // The products detection can name, and the one a declared component names.
    assert!(first.len() > 20, "{first:?}");
    assert!(first.contains(&("eol:amazon-rds-postgresql".into(), "imported".into())));
    assert!(
        first.iter().all(|(_, outcome)| outcome == "imported"),
        "{first:?}"
    );
    let second = sync();
    assert!(
        second.iter().all(|(_, outcome)| outcome == "not-modified"),
        "{second:?}"
    );
    let statuses: Vec<u16> = server.hits().iter().map(|h| h.status).collect();
    assert_eq!(statuses.len(), first.len() * 2);
    assert_eq!(statuses.iter().filter(|s| **s == 304).count(), first.len());

    let out = pw(dir.path())
        .args(["report", "unsupported", "--format", "json"])
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(doc["components"][0]["product"], "amazon-rds-postgresql");
    assert_ne!(doc["components"][0]["status"], "no-data");
}
