//! `patchwarden db import|sync|status` on the real advisory data in ../shared/data.

use std::path::{Path, PathBuf};

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
        .env("PATCHWARDEN_NOW", "2026-09-01T09:00:00Z")
        .env("NO_COLOR", "1");
    cmd
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("JSON output")
}

fn osv_zip(ecosystem: &str) -> PathBuf {
    shared_data().join("osv").join(ecosystem).join("all.zip")
}

fn status(dir: &Path) -> Value {
    let out = pw(dir)
        .args(["db", "status", "--format", "json"])
        .assert()
        .success();
    json(&out.get_output().stdout)
}

fn count(status: &Value, ecosystem: &str) -> i64 {
    status["ecosystems"]
        .as_array()
        .expect("ecosystems")
        .iter()
        .filter(|e| {
            e["ecosystem"]
                .as_str()
                .is_some_and(|n| n == ecosystem || n.starts_with(&format!("{ecosystem}:")))
        })
        .map(|e| e["advisories"].as_i64().unwrap_or(0))
        .sum()
}

#[test]
fn every_real_advisory_imports_and_reimport_of_an_unchanged_source_is_free() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zips: Vec<_> = ["PyPI", "crates.io", "Go", "npm", "Debian", "Alpine"]
        .iter()
        .map(|e| osv_zip(e))
        .collect();
    let out = pw(dir.path())
        .args(["db", "import", "--format", "json"])
        .args(&zips)
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    let records: Vec<i64> = doc["imports"]
        .as_array()
        .expect("imports")
        .iter()
        .map(|i| i["records"].as_i64().unwrap_or(-1))
        .collect();
    // The record counts of ../shared/data/osv/README.md.
    assert_eq!(records, [2661, 1206, 4291, 3621, 1712, 2438]);
    for import in doc["imports"].as_array().expect("imports") {
        assert_eq!(
            import["skipped"].as_array().map(Vec::len),
            Some(0),
            "{import}"
        );
        assert_eq!(import["added"], import["records"]);
    }
    let s = status(dir.path());
    assert_eq!(count(&s, "crates.io"), 1206);
    assert_eq!(count(&s, "PyPI"), 2661);
    assert_eq!(s["stale"], false);

    pw(dir.path())
        .args(["db", "import"])
        .arg(&zips[0])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "unchanged since the last import (2661 records)",
        ));
}

#[test]
fn the_kev_catalog_marks_advisories_known_exploited() {
    let dir = tempfile::tempdir().expect("tempdir");
    pw(dir.path())
        .args(["db", "import"])
        .arg(osv_zip("Go"))
        .assert()
        .success();
    let out = pw(dir.path())
        .args(["db", "import", "--format", "json"])
        .arg(shared_data().join("kev/known_exploited_vulnerabilities.json"))
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(doc["imports"][0]["kev_entries"], 1404);
    let exploited = doc["imports"][0]["known_exploited"]
        .as_i64()
        .expect("count");
    assert!(
        exploited > 0,
        "some Go advisories alias a CVE in the KEV catalog"
    );
    assert_eq!(status(dir.path())["known_exploited"], exploited);
}

#[test]
fn a_truncated_zip_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    pw(dir.path())
        .args(["db", "import"])
        .arg(osv_zip("crates.io"))
        .assert()
        .success();
    let before = status(dir.path());
    let bytes = std::fs::read(osv_zip("PyPI")).expect("read zip");
    let truncated = dir.path().join("truncated.zip");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    pw(dir.path())
        .args(["db", "import"])
        .arg(&truncated)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "truncated.zip is not a readable zip archive",
        ));
    assert_eq!(status(dir.path())["ecosystems"], before["ecosystems"]);
}

const VALID: &str = r#"{"id":"PW-1","modified":"2021-01-01T00:00:00Z","aliases":["CVE-2021-0001"],
  "affected":[{"package":{"ecosystem":"PyPI","name":"Django_Example"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.0"}]}]}]}"#;

#[test]
fn an_invalid_record_refuses_the_source_unless_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let advisories = dir.path().join("advisories");
    std::fs::create_dir_all(advisories.join("nested")).expect("mkdir");
    std::fs::write(advisories.join("PW-1.json"), VALID).expect("write");
    std::fs::write(
        advisories.join("nested/PW-2.json"),
        r#"{"id":"PW-2","modified":"2021-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"x"},"ranges":[{"type":"ECOSYSTEM","events":[{"fixed":"1.0","introduced":"0"}]}]}]}"#,
    )
    .expect("write");
    pw(dir.path())
        .args(["db", "import"])
        .arg(&advisories)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "entry nested/PW-2.json is not valid OSV: at affected[0].ranges[0].events[0]",
        ));
    assert_eq!(
        status(dir.path())["ecosystems"],
        serde_json::json!([]),
        "nothing was imported"
    );

    let out = pw(dir.path())
        .args(["db", "import", "--skip-invalid", "--format", "json"])
        .arg(&advisories)
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(doc["imports"][0]["added"], 1);
    assert_eq!(doc["imports"][0]["skipped"][0]["entry"], "nested/PW-2.json");
}

/// A source larger than one batch: its first batches are written before the later ones are parsed.
fn many_records(dir: &Path, n: usize) -> PathBuf {
    let advisories = dir.join("many");
    std::fs::create_dir_all(&advisories).expect("mkdir");
    for i in 0..n {
        let id = format!("PW-{i:05}");
        std::fs::write(
            advisories.join(format!("{id}.json")),
            VALID.replace("PW-1", &id),
        )
        .expect("write");
    }
    advisories
}

#[test]
fn an_invalid_record_after_the_first_batches_still_leaves_the_database_as_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    let advisories = many_records(dir.path(), 9_000);
    std::fs::write(advisories.join("zz-invalid.json"), "{\"id\": 1}").expect("write");
    pw(dir.path())
        .args(["db", "import"])
        .arg(&advisories)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "entry zz-invalid.json is not valid OSV",
        ));
    assert_eq!(status(dir.path())["ecosystems"], serde_json::json!([]));
    let log = pw(dir.path())
        .args(["audit", "log", "--format", "json"])
        .assert()
        .success();
    assert!(
        !String::from_utf8_lossy(&log.get_output().stdout).contains("advisories.imported"),
        "no import was recorded"
    );

    let out = pw(dir.path())
        .args(["db", "import", "--skip-invalid", "--format", "json"])
        .arg(&advisories)
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(doc["imports"][0]["records"], 9_000);
    assert_eq!(doc["imports"][0]["added"], 9_000);
    assert_eq!(count(&status(dir.path()), "PyPI"), 9_000);
}

#[test]
fn of_one_id_twice_in_a_source_the_newest_is_kept_even_across_batches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let advisories = many_records(dir.path(), 5_000);
    // Read last (a later batch): the same id as the first record, modified later.
    std::fs::write(
        advisories.join("zz-newer.json"),
        VALID
            .replace("PW-1", "PW-00000")
            .replace("2021-01-01T00:00:00Z", "2023-01-01T00:00:00Z"),
    )
    .expect("write");
    let out = pw(dir.path())
        .args(["db", "import", "--format", "json"])
        .arg(&advisories)
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(doc["imports"][0]["added"], 5_000);
    assert_eq!(doc["imports"][0]["updated"], 1);
    let status = status(dir.path());
    assert_eq!(count(&status, "PyPI"), 5_000);
    assert_eq!(
        status["ecosystems"][0]["newest_modified"],
        "2023-01-01T00:00:00Z"
    );
}

#[test]
fn a_newer_modified_replaces_an_older_one_never_the_reverse() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, modified: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, VALID.replace("2021-01-01T00:00:00Z", modified)).expect("write");
        path
    };
    let import = |path: &Path| {
        let out = pw(dir.path())
            .args(["db", "import", "--format", "json"])
            .arg(path)
            .assert()
            .success();
        json(&out.get_output().stdout)["imports"][0].clone()
    };
    assert_eq!(import(&write("a.json", "2021-01-01T00:00:00Z"))["added"], 1);
    assert_eq!(
        import(&write("b.json", "2022-06-01T00:00:00Z"))["updated"],
        1
    );
    assert_eq!(
        import(&write("c.json", "2020-01-01T00:00:00Z"))["unchanged"],
        1
    );
}

#[test]
fn a_zip_bomb_is_refused() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bomb.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
    zip.start_file(
        "BOMB-1.json",
        zip::write::SimpleFileOptions::default().large_file(true),
    )
    .expect("entry");
    let block = vec![b' '; 1 << 20];
    for _ in 0..40 {
        zip.write_all(&block).expect("write");
    }
    zip.finish().expect("finish");
    assert!(
        std::fs::metadata(&path).expect("meta").len() < 1 << 20,
        "it is a bomb: small on disk"
    );
    pw(dir.path())
        .args(["db", "import"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "entry BOMB-1.json inflates to more than",
        ));
}

#[test]
fn sync_downloads_once_and_then_costs_one_request_per_source() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = StaticServer::start([
        ("/PyPI/all.zip".to_owned(), Route::File(osv_zip("PyPI"))),
        (
            "/crates.io/all.zip".to_owned(),
            Route::File(osv_zip("crates.io")),
        ),
        (
            "/kev.json".to_owned(),
            Route::File(shared_data().join("kev/known_exploited_vulnerabilities.json")),
        ),
        ("/npm/all.zip".to_owned(), Route::Status(503)),
    ]);
    std::fs::write(
        dir.path().join("patchwarden.toml"),
        format!(
            "[advisories]\necosystems = [\"PyPI\", \"crates.io\"]\nosv_base_url = \"{0}\"\nkev_url = \"{0}/kev.json\"\neol = false\n",
            server.base()
        ),
    )
    .expect("config");

    let out = pw(dir.path())
        .args(["db", "sync", "--format", "json"])
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    let outcomes: Vec<_> = doc["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| s["outcome"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(outcomes, ["imported", "imported", "imported"]);
    assert_eq!(doc["sources"][0]["import"]["records"], 2661);
    assert_eq!(count(&status(dir.path()), "crates.io"), 1206);

    let out = pw(dir.path())
        .args(["db", "sync", "--format", "json"])
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    let outcomes: Vec<_> = doc["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| s["outcome"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(outcomes, ["not-modified", "not-modified", "not-modified"]);
    let statuses: Vec<u16> = server.hits().iter().map(|h| h.status).collect();
    assert_eq!(
        statuses,
        [200, 200, 200, 304, 304, 304],
        "one request per unchanged source"
    );

    // One failing source is reported; the others still sync; exit 2.
    pw(dir.path())
        .args(["db", "sync", "--ecosystem", "npm", "--ecosystem", "PyPI"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("failed osv:npm"))
        .stdout(predicate::str::contains("ok osv:PyPI: not modified"))
        .stderr(predicate::str::contains("sync failed for osv:npm"));
}

#[test]
fn status_warns_when_the_data_is_older_than_the_scan_cadence() {
    let dir = tempfile::tempdir().expect("tempdir");
    pw(dir.path())
        .args(["db", "status"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "no advisory data has been imported",
        ));
    pw(dir.path())
        .args(["db", "import"])
        .arg(osv_zip("crates.io"))
        .assert()
        .success();
    pw(dir.path())
        .args(["db", "status"])
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
    pw(dir.path())
        .env("PATCHWARDEN_NOW", "2026-09-03T09:00:00Z")
        .args(["db", "status"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "older than the policy's scan cadence (1d)",
        ));
}

#[test]
fn import_and_status_work_on_postgres() {
    let Ok(url) = std::env::var("PATCHWARDEN_TEST_POSTGRES_URL") else {
        eprintln!(
            "PATCHWARDEN_TEST_POSTGRES_URL is not set: the PostgreSQL import test did not run"
        );
        return;
    };
    let name = format!("pw_db_{}", std::process::id());
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
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| {
        let mut cmd = pw(dir.path());
        cmd.env("PATCHWARDEN_DATABASE_URL", &db_url).args(args);
        cmd
    };
    run(&["db", "import"])
        .arg(osv_zip("crates.io"))
        .arg(shared_data().join("kev/known_exploited_vulnerabilities.json"))
        .assert()
        .success();
    run(&["db", "import"])
        .arg(osv_zip("crates.io"))
        .assert()
        .success()
        .stdout(predicate::str::contains("unchanged"));
    let out = run(&["db", "status", "--format", "json"])
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(count(&doc, "crates.io"), 1206);
    assert_eq!(doc["kev_entries"], 1404);
    admin(format!("DROP DATABASE {name} WITH (FORCE)"));
}
