//! `patchwarden scan --image` and `--rootfs` end to end: an Alpine 3.11 image built here from the real
//! apk database of ../shared/data, with one package added in a later layer at the version Alpine v3.11
//! shipped before a fix, scanned against the real Alpine advisories.

use std::io::Write;
use std::path::Path;

use assert_cmd::Command;
use patchwarden_testkit::shared_data;
use predicates::prelude::*;
use serde_json::Value;

const ALPINE_3_11: &[u8] =
    b"NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.11.6\nPRETTY_NAME=\"Alpine Linux v3.11\"\n";

/// `apk add sqlite-libs` on Alpine 3.11.0: 3.30.1-r0, which ALPINE-CVE-2019-19242 (CVE-2019-19242)
/// says is fixed in 3.30.1-r1 on v3.11.
const SQLITE_RECORD: &str = "P:sqlite-libs\nV:3.30.1-r0\nA:x86_64\nT:Sqlite3 library\no:sqlite\nD:so:libc.musl-x86_64.so.1\n";

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

fn real(path: &str) -> Vec<u8> {
    let p = shared_data().join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn tar_entry(b: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8]) {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(0);
    b.append_data(&mut h, path, data).expect("append");
}

fn tar_symlink(b: &mut tar::Builder<Vec<u8>>, path: &str, target: &str) {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    h.set_mode(0o777);
    h.set_mtime(0);
    b.append_link(&mut h, path, target).expect("symlink");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).expect("gzip");
    gz.finish().expect("gzip")
}

/// The apk database after `apk add sqlite-libs`, and the line its record starts on.
fn installed_with_sqlite() -> (String, usize) {
    let base =
        String::from_utf8(real("lockfiles/apk/google__osv-scalibr/installed")).expect("utf-8");
    let text = format!("{}\n\n{SQLITE_RECORD}", base.trim_end());
    let line = text
        .lines()
        .position(|l| l == "P:sqlite-libs")
        .expect("record")
        + 1;
    (text, line)
}

/// A `docker save` tarball: the Alpine base (os-release through a symlink, the real apk database),
/// then a gzip layer that installs sqlite-libs and adds an npm lockfile.
fn alpine_image(dir: &Path) -> (String, usize) {
    let mut base = tar::Builder::new(Vec::new());
    tar_entry(&mut base, "usr/lib/os-release", ALPINE_3_11);
    tar_symlink(&mut base, "etc/os-release", "../usr/lib/os-release");
    tar_entry(
        &mut base,
        "lib/apk/db/installed",
        &real("lockfiles/apk/google__osv-scalibr/installed"),
    );
    let base = base.into_inner().expect("tar");

    let (installed, line) = installed_with_sqlite();
    let mut app = tar::Builder::new(Vec::new());
    tar_entry(&mut app, "lib/apk/db/installed", installed.as_bytes());
    tar_entry(
        &mut app,
        "app/package-lock.json",
        &real("lockfiles/npm-v3/nodejs__security-wg/package-lock.json"),
    );
    let app = gzip(&app.into_inner().expect("tar"));

    let mut image = tar::Builder::new(Vec::new());
    tar_entry(
        &mut image,
        "config.json",
        br#"{"architecture":"amd64","os":"linux"}"#,
    );
    tar_entry(&mut image, "base/layer.tar", &base);
    tar_entry(&mut image, "app/layer.tar", &app);
    tar_entry(
        &mut image,
        "manifest.json",
        br#"[{"Config":"config.json","RepoTags":["alpine-app:test"],"Layers":["base/layer.tar","app/layer.tar"]}]"#,
    );
    std::fs::write(dir.join("alpine-app.tar"), image.into_inner().expect("tar")).expect("write");
    (installed, line)
}

fn scan(dir: &Path, args: &[&str]) -> Value {
    let out = pw(dir)
        .args(["scan", "--format", "json"])
        .args(args)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).expect("JSON output")
}

fn strs<'v>(v: &'v Value, key: &str) -> Vec<&'v str> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x[key].as_str().expect("string"))
        .collect()
}

#[test]
fn an_alpine_image_is_scanned_against_the_real_advisories() {
    let dir = tempfile::tempdir().expect("tempdir");
    pw(dir.path())
        .args(["db", "import"])
        .arg(shared_data().join("osv/Alpine/all.zip"))
        .assert()
        .success();
    let (_, line) = alpine_image(dir.path());
    // A lockfile in the current directory is not scanned beside an image.
    std::fs::write(dir.path().join("requirements.txt"), "flask==0.1\n").expect("write");

    let doc = scan(dir.path(), &["--image", "alpine-app.tar"]);
    assert_eq!(doc["asset"], "alpine-app");
    assert_eq!(
        strs(&doc["files"], "path"),
        [
            "alpine-app.tar:/lib/apk/db/installed",
            "alpine-app.tar:/app/package-lock.json"
        ]
    );
    assert_eq!(doc["files"][0]["format"], "apk-installed");
    // The 15 real packages come from 10 origins; sqlite-libs adds one.
    assert_eq!(doc["files"][0]["packages"], 11);
    let npm = doc["files"][1]["packages"].as_u64().expect("count");
    assert!(npm > 10, "{npm} npm packages");
    assert_eq!(doc["packages"].as_u64(), Some(11 + npm));

    // The real packages (musl 1.2.4, busybox 1.36, openssl 3.1 …) are newer than every v3.11 fix:
    // the one finding is sqlite's.
    let findings = doc["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f["advisory_id"], "ALPINE-CVE-2019-19242");
    assert_eq!(f["ecosystem"], "Alpine:v3.11");
    assert_eq!(f["package"], "sqlite");
    assert_eq!(f["version"], "3.30.1-r0");
    assert_eq!(
        f["source"],
        format!("alpine-app.tar:/lib/apk/db/installed:{line}")
    );
    assert_eq!(f["fixed_versions"], serde_json::json!(["3.30.1-r1"]));
    assert_eq!(f["remediation"]["command"], "apk add --upgrade sqlite");
}

#[test]
fn a_root_filesystem_is_scanned_like_an_image() {
    let dir = tempfile::tempdir().expect("tempdir");
    pw(dir.path())
        .args(["db", "import"])
        .arg(shared_data().join("osv/Alpine/all.zip"))
        .assert()
        .success();
    let root = dir.path().join("rootfs");
    let (installed, line) = installed_with_sqlite();
    for (path, bytes) in [
        ("etc/os-release", ALPINE_3_11),
        ("lib/apk/db/installed", installed.as_bytes()),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, bytes).expect("write");
    }
    let doc = scan(dir.path(), &["--rootfs", "rootfs", "--no-record"]);
    assert_eq!(doc["asset"], "rootfs");
    assert_eq!(
        strs(&doc["files"], "path"),
        ["rootfs:/lib/apk/db/installed"]
    );
    assert_eq!(strs(&doc["findings"], "package"), ["sqlite"]);
    assert_eq!(
        doc["findings"][0]["source"],
        format!("rootfs:/lib/apk/db/installed:{line}")
    );
    assert_eq!(doc["findings"][0]["ecosystem"], "Alpine:v3.11");
}

#[test]
fn a_broken_image_fails_with_exit_2_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    alpine_image(dir.path());
    let bytes = std::fs::read(dir.path().join("alpine-app.tar")).expect("read");
    std::fs::write(dir.path().join("cut.tar"), &bytes[..bytes.len() / 3]).expect("write");
    pw(dir.path())
        .args(["scan", "--image", "cut.tar"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("image cut.tar: "));
    pw(dir.path())
        .args(["scan", "--image", "missing.tar"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read image missing.tar"));
}
