//! `patchwarden fix` on real git repositories made in temporary folders, with the real PyPI advisories:
//! the branch, the re-scan, the commit, the tests and the records' Plan and Test; and every way it stops
//! without touching the user's working tree.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use patchwarden_testkit::shared_data;
use predicates::prelude::*;
use serde_json::Value;

const CONFIG: &str = r#"
[[people]]
name = "lena"
roles = ["engineering_lead", "release_owner"]
[[people]]
name = "rosa"
roles = ["release_owner"]

[[assets]]
name = "web"
layer = "app-dependencies"
scan = ["."]
"#;

/// A JUnit report with `failures` of two tests failing, written by the test command.
fn junit_command(failures: u32) -> String {
    let cases = (0..2)
        .map(|i| {
            if i < failures {
                format!("<testcase name=\"t{i}\"><failure message=\"boom\"/></testcase>")
            } else {
                format!("<testcase name=\"t{i}\"/>")
            }
        })
        .collect::<String>();
    format!(
        "printf '%s' '<testsuite name=\"suite\" tests=\"2\" failures=\"{failures}\">{cases}</testsuite>' > junit.xml"
    )
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Process::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

struct Repo {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Repo {
    /// A repository whose requirements pin a vulnerable Django, scanned, with records 1 and 2 assessed.
    fn new(files: &[(&str, &str)]) -> Repo {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("repo");
        std::fs::create_dir_all(&path).expect("mkdir");
        git(&path, &["init", "-q", "-b", "main"]);
        std::fs::write(path.join("patchwarden.toml"), CONFIG).expect("config");
        std::fs::write(path.join(".gitignore"), ".patchwarden/\n").expect("ignore");
        for (name, text) in files {
            std::fs::write(path.join(name), text).expect("write");
        }
        git(&path, &["add", "-A"]);
        git(
            &path,
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.invalid",
                "commit",
                "-qm",
                "init",
            ],
        );
        let repo = Repo { _dir: dir, path };
        repo.pw()
            .args(["db", "import"])
            .arg(shared_data().join("osv/PyPI/all.zip"))
            .assert()
            .success();
        repo.pw()
            .args(["scan", "--asset", "web", "."])
            .assert()
            .success();
        repo.pw()
            .args([
                "--as",
                "lena",
                "patch",
                "assess",
                "1",
                "2",
                "--severity",
                "high",
            ])
            .args(["--reason", "reachable", "--data-at-risk", "none"])
            .assert()
            .success();
        repo
    }

    fn pw(&self) -> Command {
        let mut cmd = Command::cargo_bin("patchwarden").expect("binary built");
        cmd.current_dir(&self.path)
            .env_remove("PATCHWARDEN_DATA_DIR")
            .env_remove("PATCHWARDEN_DATABASE_URL")
            .env_remove("PATCHWARDEN_USER")
            .env("PATCHWARDEN_NOW", "2026-09-01T09:00:00Z")
            .env("NO_COLOR", "1");
        cmd
    }

    fn fix(&self, extra: &[&str]) -> Command {
        let mut cmd = self.pw();
        cmd.args(["--as", "lena", "fix", "1", "2", "--release-owner", "rosa"])
            .args(["--release-date", "2026-09-03"])
            .args(extra);
        cmd
    }

    fn state(&self, id: &str) -> String {
        let out = self
            .pw()
            .args(["patch", "show", id, "--format", "json"])
            .assert()
            .success();
        let doc: Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
        doc["record"]["state"]
            .as_str()
            .or(doc["state"].as_str())
            .unwrap_or("")
            .to_owned()
    }

    fn untouched(&self) {
        assert_eq!(
            git(&self.path, &["rev-parse", "--abbrev-ref", "HEAD"]),
            "main"
        );
        assert_eq!(
            git(&self.path, &["status", "--porcelain"]),
            "",
            "the working tree is as it was"
        );
        assert_eq!(
            git(&self.path, &["worktree", "list"]).lines().count(),
            1,
            "no worktree left"
        );
    }
}

const REQUIREMENTS: (&str, &str) = ("requirements.txt", "django==4.2.0\nrequests==2.31.0\n");

#[test]
fn a_fix_makes_a_tested_branch_and_records_plan_and_test_without_touching_the_working_tree() {
    let repo = Repo::new(&[REQUIREMENTS]);
    let out = repo
        .fix(&["--dry-run", "--format", "json"])
        .assert()
        .success();
    let plan: Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    // CVE-2023-31047 is fixed in 4.2.1, CVE-2023-36053 in 4.2.3: one change removes both.
    assert_eq!(plan["changes"][0]["package"], "django");
    assert_eq!(plan["changes"][0]["target"], "4.2.3");
    assert_eq!(plan["changes"][0]["records"], serde_json::json!([1, 2]));
    assert!(
        git(&repo.path, &["branch", "--list"]).lines().count() == 1,
        "a dry run creates nothing"
    );

    let remote = repo.path.parent().expect("parent").join("remote.git");
    git(
        repo.path.parent().expect("parent"),
        &["init", "-q", "--bare", "remote.git"],
    );
    git(
        &repo.path,
        &["remote", "add", "origin", &remote.display().to_string()],
    );
    repo.fix(&[
        "--test-command",
        &junit_command(0),
        "--junit",
        "junit.xml",
        "--push",
        "origin",
    ])
    .assert()
    .success()
    .stdout(predicate::str::contains(
        "tests passed: 2 tests in 1 reports",
    ))
    .stdout(predicate::str::contains("pushed to origin"));
    repo.untouched();
    assert_eq!(
        git(&repo.path, &["show", "patchwarden/1-2:requirements.txt"]),
        "django==4.2.3\nrequests==2.31.0"
    );
    let message = git(&repo.path, &["log", "-1", "--format=%B", "patchwarden/1-2"]);
    assert!(
        message.starts_with("Update django 4.2.0 -> 4.2.3"),
        "{message}"
    );
    assert!(message.contains("Patch records: #1, #2"), "{message}");
    assert_eq!(
        git(&remote, &["rev-parse", "patchwarden/1-2"]),
        git(&repo.path, &["rev-parse", "patchwarden/1-2"])
    );
    assert_eq!(repo.state("1"), "tested");
    assert_eq!(repo.state("2"), "tested");

    // A second run would build the same branch: refused, nothing touched.
    repo.fix(&[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "branch patchwarden/1-2 exists already",
        ));
    repo.untouched();
}

#[test]
fn failing_tests_delete_the_branch_unless_kept_and_leave_the_records_planned() {
    let repo = Repo::new(&[REQUIREMENTS]);
    repo.fix(&["--test-command", &junit_command(1), "--junit", "junit.xml"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "1 of 2 tests failed; the branch was deleted",
        ));
    repo.untouched();
    assert_eq!(git(&repo.path, &["branch", "--list", "patchwarden/*"]), "");
    assert_eq!(repo.state("1"), "planned");

    repo.fix(&[
        "--test-command",
        &junit_command(1),
        "--junit",
        "junit.xml",
        "--keep-failed",
    ])
    .assert()
    .code(1)
    .stdout(predicate::str::contains(
        "the branch is kept for inspection",
    ));
    repo.untouched();
    assert_eq!(
        git(&repo.path, &["show", "patchwarden/1-2:requirements.txt"]),
        "django==4.2.3\nrequests==2.31.0"
    );
}

#[test]
fn a_missing_tool_or_a_refused_step_stops_before_anything_is_changed() {
    let poetry_lock = "[[package]]\nname = \"django\"\nversion = \"4.2.0\"\ndescription = \"\"\noptional = false\npython-versions = \">=3.8\"\nfiles = []\n\n[metadata]\nlock-version = \"2.0\"\npython-versions = \"^3.10\"\ncontent-hash = \"x\"\n";
    let repo = Repo::new(&[("poetry.lock", poetry_lock)]);
    // Only git and sh on the PATH: poetry is not installed.
    let bin = repo.path.parent().expect("parent").join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    for tool in ["git", "sh"] {
        let found = which(tool);
        std::os::unix::fs::symlink(found, bin.join(tool)).expect("symlink");
    }
    repo.fix(&["--test-command", "true"])
        .env("PATH", &bin)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("poetry is not installed"));
    repo.untouched();
    assert_eq!(git(&repo.path, &["branch", "--list", "patchwarden/*"]), "");
    assert_eq!(repo.state("1"), "assessed");

    // Rosa may not plan: refused before any branch is made.
    repo.pw()
        .args([
            "--as",
            "rosa",
            "fix",
            "1",
            "--release-owner",
            "rosa",
            "--release-date",
            "2026-09-03",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot plan record 1"));
    repo.untouched();
}

fn which(program: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").expect("PATH"))
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{program} is needed"))
}

/// A stand-in for the forge's API on loopback: answers one POST with a pull request and keeps what it got.
fn forge(reply: &'static str) -> (String, std::thread::JoinHandle<String>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut head = String::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("read");
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().expect("length");
            }
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push_str(&line);
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("body");
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
            reply.len()
        )
        .expect("reply");
        format!("{head}\n{}", String::from_utf8_lossy(&body))
    });
    (base, handle)
}

#[test]
fn with_a_forge_the_pushed_branch_gets_a_pull_request_linked_on_the_records() {
    let repo = Repo::new(&[REQUIREMENTS]);
    let (base, received) =
        forge(r#"{"number":7,"html_url":"https://forge.example.invalid/team/web/pull/7"}"#);
    let config = format!(
        "{CONFIG}test = {{ command = \"{}\", junit = [\"junit.xml\"] }}\n[assets.forge]\nkind = \"github\"\napi_url = \"{base}\"\nrepository = \"team/web\"\n",
        junit_command(0).replace('\\', "\\\\").replace('"', "\\\"")
    );
    std::fs::write(repo.path.join("patchwarden.toml"), config).expect("config");
    git(
        &repo.path,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "commit",
            "-qam",
            "forge",
        ],
    );
    let remote = repo.path.parent().expect("parent").join("remote.git");
    git(
        repo.path.parent().expect("parent"),
        &["init", "-q", "--bare", "remote.git"],
    );
    git(
        &repo.path,
        &["remote", "add", "origin", &remote.display().to_string()],
    );

    // Without the token nothing starts.
    repo.fix(&["--push", "origin"])
        .env_remove("GITHUB_TOKEN")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("export GITHUB_TOKEN"));
    repo.untouched();
    assert_eq!(git(&repo.path, &["branch", "--list", "patchwarden/*"]), "");

    repo.fix(&["--push", "origin"])
        .env("GITHUB_TOKEN", "s3cret-token")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "tests passed: 2 tests in 1 reports",
        ))
        .stdout(predicate::str::contains(
            "pull request https://forge.example.invalid/team/web/pull/7",
        ));
    let request = received.join().expect("the forge got a request");
    assert!(
        request.starts_with("POST /repos/team/web/pulls HTTP/1.1"),
        "{request}"
    );
    assert!(
        request
            .to_ascii_lowercase()
            .contains("authorization: bearer s3cret-token"),
        "{request}"
    );
    let body: Value =
        serde_json::from_str(request.rsplit('\n').next().expect("body")).expect("JSON body");
    assert_eq!(body["head"], "patchwarden/1-2");
    assert_eq!(body["base"], "main");
    assert_eq!(body["title"], "Update django 4.2.0 -> 4.2.3");
    let out = repo.pw().args(["patch", "show", "1"]).assert().success();
    assert!(
        String::from_utf8_lossy(&out.get_output().stdout)
            .contains("pull request: https://forge.example.invalid/team/web/pull/7")
    );
}

#[test]
fn group_puts_every_ready_record_of_an_asset_at_or_above_a_severity_in_one_branch() {
    let repo = Repo::new(&[REQUIREMENTS]);
    let group = |severity: &str| {
        let mut cmd = repo.pw();
        cmd.args([
            "--as",
            "lena",
            "fix",
            "--group",
            "web",
            "--severity",
            severity,
        ])
        .args([
            "--release-owner",
            "rosa",
            "--release-date",
            "2026-09-03",
            "--branch",
            "weekly-deps",
        ])
        .args(["--test-command", &junit_command(0), "--junit", "junit.xml"]);
        cmd
    };
    group("critical")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no assessed or planned records of web at or above critical",
        ));
    let out = group("high")
        .arg("--dry-run")
        .arg("--format")
        .arg("json")
        .assert()
        .success();
    let plan: Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    // Only the two assessed records: the others are still to be assessed.
    assert_eq!(plan["changes"][0]["records"], serde_json::json!([1, 2]));
    group("high").assert().success();
    assert_eq!(
        git(&repo.path, &["show", "weekly-deps:requirements.txt"]),
        "django==4.2.3\nrequests==2.31.0"
    );
    repo.untouched();
}

/// One person who may plan and test.
const LENA: &str =
    "[[people]]\nname = \"lena\"\nroles = [\"engineering_lead\", \"release_owner\"]\n";

/// A project whose lockfile the ecosystem's own tool made, committed to a new repository; patchwarden runs
/// in it with `env` (a PATH holding the tool, its cache).
struct ToolProject {
    _dir: tempfile::TempDir,
    path: PathBuf,
    env: Vec<(&'static str, std::ffi::OsString)>,
}

impl ToolProject {
    /// Writes `files` (and the config), runs each of `make_lock` (program, arguments) in the project, and
    /// commits the result.
    fn new(
        files: &[(&str, &str)],
        make_lock: &[(&Path, &[&str])],
        env: Vec<(&'static str, std::ffi::OsString)>,
    ) -> ToolProject {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("project");
        for (name, text) in files.iter().chain(&[("patchwarden.toml", LENA)]) {
            let file = path.join(name);
            std::fs::create_dir_all(file.parent().expect("a parent")).expect("mkdir");
            std::fs::write(file, text).expect("write");
        }
        for (program, args) in make_lock {
            let status = Process::new(program)
                .args(*args)
                .envs(env.iter().map(|(k, v)| (k, v)))
                .current_dir(&path)
                .status()
                .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
            assert!(status.success(), "{} {args:?}", program.display());
        }
        git(&path, &["init", "-q", "-b", "main"]);
        git(&path, &["add", "-A"]);
        git(
            &path,
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.invalid",
                "commit",
                "-qm",
                "init",
            ],
        );
        ToolProject {
            _dir: dir,
            path,
            env,
        }
    }

    fn pw(&self) -> Command {
        let mut cmd = Command::cargo_bin("patchwarden").expect("binary built");
        cmd.current_dir(&self.path)
            .env_remove("PATCHWARDEN_DATA_DIR")
            .env_remove("PATCHWARDEN_DATABASE_URL")
            .env_remove("PATCHWARDEN_USER")
            .env("PATCHWARDEN_NOW", "2026-09-01T09:00:00Z")
            .env("NO_COLOR", "1")
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// The records in the database: (id, vulnerability).
    fn records(&self) -> Vec<(String, String)> {
        let out = self
            .pw()
            .args(["patch", "list", "--format", "json"])
            .assert()
            .success();
        let list: Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
        list["records"]
            .as_array()
            .expect("records")
            .iter()
            .map(|r| {
                let vulnerability = r["vulnerability"].as_str().unwrap_or_default();
                (r["id"].to_string(), vulnerability.to_owned())
            })
            .collect()
    }

    /// Imports `advisories` (a file or folder), scans, assesses `ids` (none: every record the scan opened)
    /// and fixes them on `branch`, with passing tests; returns what `fix` printed and the branch's version
    /// of `lockfile`.
    fn scan_and_fix(
        &self,
        advisories: &Path,
        ids: &[&str],
        branch: &str,
        lockfile: &str,
    ) -> (String, String) {
        self.pw()
            .args(["db", "import"])
            .arg(advisories)
            .assert()
            .success();
        self.pw().args(["scan", "."]).assert().success();
        let opened = self.records();
        assert!(!opened.is_empty(), "the scan opened records");
        let ids: Vec<&str> = if ids.is_empty() {
            opened.iter().map(|(id, _)| id.as_str()).collect()
        } else {
            ids.to_vec()
        };
        self.pw()
            .args(["--as", "lena", "patch", "assess"])
            .args(&ids)
            .args([
                "--severity",
                "high",
                "--reason",
                "reachable",
                "--data-at-risk",
                "none",
            ])
            .assert()
            .success();
        let out = self
            .pw()
            .args(["--as", "lena", "fix"])
            .args(&ids)
            .args([
                "--release-owner",
                "lena",
                "--release-date",
                "2026-09-02",
                "--branch",
                branch,
            ])
            .args(["--test-command", &junit_command(0), "--junit", "junit.xml"])
            .assert()
            .success();
        assert_eq!(
            git(&self.path, &["status", "--porcelain"]),
            "",
            "the working tree is as it was"
        );
        // The scanner, run on the branch apart from fix, no longer sees the records' vulnerabilities.
        let fixed: Vec<&str> = opened
            .iter()
            .filter(|(id, _)| ids.contains(&id.as_str()))
            .map(|(_, vulnerability)| vulnerability.as_str())
            .collect();
        assert!(
            fixed.len() == ids.len() && fixed.iter().all(|v| !v.is_empty()),
            "{opened:?}"
        );
        let check = self.path.with_file_name("check");
        git(
            &self.path,
            &[
                "worktree",
                "add",
                "--quiet",
                &check.display().to_string(),
                branch,
            ],
        );
        let scan = self
            .pw()
            .args(["scan", "--no-record", "--format", "json"])
            .arg(&check)
            .assert()
            .success();
        let scan: Value = serde_json::from_slice(&scan.get_output().stdout).expect("JSON");
        for finding in scan["findings"].as_array().expect("findings") {
            let vulnerability = finding["vulnerability"].as_str().unwrap_or_default();
            assert!(!fixed.contains(&vulnerability), "{finding}");
        }
        git(
            &self.path,
            &[
                "worktree",
                "remove",
                "--force",
                &check.display().to_string(),
            ],
        );
        (
            String::from_utf8_lossy(&out.get_output().stdout).into_owned(),
            git(&self.path, &["show", &format!("{branch}:{lockfile}")]),
        )
    }
}

/// The real advisories of an ecosystem.
fn osv(ecosystem: &str) -> PathBuf {
    shared_data().join("osv").join(ecosystem).join("all.zip")
}

/// The project's `.venv/bin` (scripts/install-references fills it), and a PATH that starts with it.
fn venv() -> (PathBuf, std::ffi::OsString) {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin");
    (bin.clone(), path_with(&bin))
}

/// The PATH with `bin` first.
fn path_with(bin: &Path) -> std::ffi::OsString {
    std::env::join_paths(std::iter::once(bin.to_owned()).chain(std::env::split_paths(
        &std::env::var_os("PATH").expect("PATH"),
    )))
    .expect("PATH")
}

/// A tool a test drives, looked up in `bin` (a folder of the repository that scripts/install-references
/// fills; "" for none) and then on the PATH, with the PATH that finds it; None, saying why the test is
/// skipped, when it is not installed here.
fn tool(program: &str, bin: &str) -> Option<(PathBuf, std::ffi::OsString)> {
    let path = path_with(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(bin),
    );
    let found = std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file());
    if found.is_none() {
        eprintln!(
            "skipped: {program} is not installed here; scripts/install-references installs it"
        );
    }
    found.map(|p| (p, path))
}

/// The version a lockfile locks `package` at (`name = "…"` followed by `version = "…"`).
fn locked_version<'a>(lock: &'a str, package: &str) -> &'a str {
    lock.split(&format!("name = \"{package}\"\nversion = \""))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("{package} is not in the lockfile:\n{lock}"))
}

#[test]
fn a_cargo_lock_is_updated_with_cargo_itself() {
    // smallvec locked at 1.6.0 (RUSTSEC-2021-0003, fixed in 1.6.1) by cargo itself.
    let cargo = which("cargo");
    let project = ToolProject::new(
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nsmallvec = \"1\"\n",
            ),
            ("src/main.rs", "fn main() {}\n"),
            (".gitignore", "target/\n.patchwarden/\n"),
        ],
        &[
            (&cargo, &["generate-lockfile", "--quiet"]),
            (
                &cargo,
                &["update", "--quiet", "-p", "smallvec", "--precise", "1.6.0"],
            ),
        ],
        Vec::new(),
    );
    let (out, lock) = project.scan_and_fix(&osv("crates.io"), &["1"], "cargo-fix", "Cargo.lock");
    assert!(
        out.contains("smallvec 1.6.0 → 1.6.1 in Cargo.lock"),
        "{out}"
    );
    assert_eq!(locked_version(&lock, "smallvec"), "1.6.1");
}

#[test]
fn a_package_lock_is_updated_with_npm_itself() {
    // minimist 1.2.0 (prototype pollution, fixed in 1.2.2 / 1.2.6) locked by npm itself.
    let project = ToolProject::new(
        &[
            (
                "package.json",
                r#"{"name":"web","version":"1.0.0","dependencies":{"minimist":"1.2.0"}}"#,
            ),
            (".gitignore", "node_modules/\n.patchwarden/\n"),
        ],
        &[(
            &which("npm"),
            &[
                "install",
                "--package-lock-only",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--silent",
            ],
        )],
        Vec::new(),
    );
    // Every record the scan opens is a minimist finding.
    let (_, lock) = project.scan_and_fix(&osv("npm"), &[], "npm-fix", "package-lock.json");
    let lock: Value = serde_json::from_str(&lock).expect("JSON");
    let version = lock["packages"]["node_modules/minimist"]["version"]
        .as_str()
        .unwrap_or("");
    assert!(
        version.starts_with("1.2.") && version != "1.2.0",
        "{version}"
    );
}

#[test]
fn a_uv_lock_is_updated_with_uv_itself() {
    let (bin, path) = venv();
    assert!(
        bin.join("uv").is_file(),
        "uv is missing: run scripts/install-references"
    );
    let project = ToolProject::new(
        &[
            (
                "pyproject.toml",
                "[project]\nname = \"web\"\nversion = \"0.1.0\"\nrequires-python = \">=3.10\"\ndependencies = [\"django>=4.2,<5\"]\n",
            ),
            (".gitignore", ".patchwarden/\n"),
        ],
        &[(
            &bin.join("uv"),
            &["lock", "--quiet", "--upgrade-package", "django==4.2.0"],
        )],
        vec![("PATH", path)],
    );
    let (out, lock) = project.scan_and_fix(&osv("PyPI"), &["1", "2"], "uv-fix", "uv.lock");
    assert!(out.contains("→ 4.2.3 in uv.lock"), "{out}");
    assert_eq!(locked_version(&lock, "django"), "4.2.3");
}

#[test]
fn a_poetry_lock_is_updated_with_poetry_itself() {
    let (bin, path) = venv();
    assert!(
        bin.join("poetry").is_file(),
        "poetry is missing: run scripts/install-references"
    );
    // Poetry reads package details from the index's JSON API by default; pointed at the simple index (the
    // one pip itself uses, asked at run time) it reads what pip and uv read.
    let index = Process::new(bin.join("python"))
        .args([
            "-c",
            "from pip._internal.models.index import PyPI; print(PyPI.simple_url)",
        ])
        .output()
        .expect("python");
    let index = String::from_utf8_lossy(&index.stdout).trim().to_owned();
    let cache = tempfile::tempdir().expect("tempdir");
    let pyproject = format!(
        "[project]\nname = \"web\"\nversion = \"0.1.0\"\nrequires-python = \">=3.10,<4\"\ndependencies = [\"django (>=4.2,<5)\"]\n\n\
         [tool.poetry]\npackage-mode = false\n\n[[tool.poetry.source]]\nname = \"index\"\nurl = \"{index}\"\npriority = \"primary\"\n"
    );
    let project = ToolProject::new(
        &[
            ("pyproject.toml", &pyproject),
            (".gitignore", ".patchwarden/\n"),
        ],
        &[(
            &bin.join("poetry"),
            &["add", "--quiet", "--lock", "django@4.2"],
        )],
        vec![("PATH", path), ("POETRY_CACHE_DIR", cache.path().into())],
    );
    let (out, lock) = project.scan_and_fix(&osv("PyPI"), &["1", "2"], "poetry-fix", "poetry.lock");
    assert!(out.contains("→ 4.2.3 in poetry.lock"), "{out}");
    // `poetry add django@^4.2.3` takes the newest 4.2.x at or above 4.2.3; the re-scan confirmed the fix.
    let parts: Vec<u32> = locked_version(&lock, "django")
        .split('.')
        .map(|p| p.parse().expect("a number"))
        .collect();
    assert!(
        parts.len() == 3 && parts[..2] == [4, 2] && parts[2] >= 3,
        "{parts:?}"
    );
}

#[test]
fn a_finding_still_there_after_the_update_is_refused_naming_where() {
    // requirements.txt includes base.txt; both pin django 4.2.0: the scan saw it in base.txt, and updating
    // that pin alone leaves the other.
    let repo = Repo::new(&[
        ("requirements.txt", "-r base.txt\ndjango==4.2.0\n"),
        ("base.txt", "django==4.2.0\n"),
    ]);
    repo.fix(&["--test-command", "true"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "after the update the finding is still there",
        ))
        .stderr(predicate::str::contains("requirements.txt:2"));
    repo.untouched();
    assert_eq!(git(&repo.path, &["branch", "--list", "patchwarden/*"]), "");
    assert_eq!(repo.state("1"), "assessed");
}

#[test]
fn a_pip_compile_output_is_recompiled_with_pip_compile_keeping_its_hashes() {
    let Some((pip_compile, path)) = tool("pip-compile", ".venv/bin") else {
        return;
    };
    // idna 3.6 (PYSEC-2024-60, fixed in 3.7), locked with hashes by pip-compile from requirements.in.
    let project = ToolProject::new(
        &[
            ("requirements.in", "idna\n"),
            (".gitignore", ".patchwarden/\n"),
        ],
        &[(
            &pip_compile,
            &[
                "--quiet",
                "--generate-hashes",
                "--upgrade-package",
                "idna==3.6",
                "requirements.in",
            ],
        )],
        vec![("PATH", path)],
    );
    let (out, lock) =
        project.scan_and_fix(&osv("PyPI"), &[], "pip-compile-fix", "requirements.txt");
    assert!(out.contains("idna 3.6 → 3.7 in requirements.txt"), "{out}");
    assert!(
        out.contains(
            "pip-compile --quiet --upgrade-package idna==3.7 --generate-hashes requirements.in"
        ),
        "the command pip-compile recorded in the file's header: {out}"
    );
    assert!(lock.contains("idna==3.7 \\\n    --hash=sha256:"), "{lock}");
    assert!(!lock.contains("idna==3.6"), "{lock}");
}

/// A package.json depending on minimist 1.2.0 (prototype pollution, fixed in 1.2.2 and 1.2.6).
const MINIMIST: (&str, &str) = (
    "package.json",
    r#"{"name":"web","version":"1.0.0","dependencies":{"minimist":"1.2.0"}}"#,
);

/// The version `fix` planned for `package` (`package OLD → NEW in FILE`).
fn planned<'a>(out: &'a str, package: &str) -> &'a str {
    out.split(&format!("{package} "))
        .find_map(|rest| rest.split_once(" → ")?.1.split(' ').next())
        .unwrap_or_else(|| panic!("no plan for {package}:\n{out}"))
}

/// Runs a JavaScript lockfile fix of minimist 1.2.0 and checks the branch's lockfile has left it.
fn fix_minimist(project: &ToolProject, branch: &str, lockfile: &str) -> String {
    let (out, lock) = project.scan_and_fix(&osv("npm"), &[], branch, lockfile);
    let target = planned(&out, "minimist");
    assert!(
        lock.contains(&format!("minimist@{target}"))
            || lock.contains(&format!("minimist@npm:{target}")),
        "{lock}"
    );
    assert!(
        !lock.contains("minimist@1.2.0") && !lock.contains("minimist@npm:1.2.0"),
        "{lock}"
    );
    let manifest: Value = serde_json::from_str(&git(
        &project.path,
        &["show", &format!("{branch}:package.json")],
    ))
    .expect("JSON");
    assert_eq!(manifest["dependencies"]["minimist"], target);
    out
}

#[test]
fn a_yarn_berry_lock_is_updated_with_yarn_up() {
    let Some((yarn, path)) = tool("yarn", ".references/node_modules/.bin") else {
        return;
    };
    let global = tempfile::tempdir().expect("tempdir");
    let project = ToolProject::new(
        &[MINIMIST, (".gitignore", ".patchwarden/\n")],
        // Yarn's install state is not ignored: it must stay out of the change.
        &[
            (&yarn, &["install", "--mode=update-lockfile", "--silent"]),
            (Path::new("rm"), &[".yarn/install-state.gz"]),
        ],
        vec![
            ("PATH", path),
            ("YARN_GLOBAL_FOLDER", global.path().into()),
            ("YARN_ENABLE_TELEMETRY", "0".into()),
        ],
    );
    let out = fix_minimist(&project, "yarn-fix", "yarn.lock");
    assert!(out.contains("--mode=update-lockfile"), "{out}");
    let files = git(&project.path, &["ls-tree", "-r", "--name-only", "yarn-fix"]);
    assert!(!files.contains(".yarn/"), "{files}");
}

#[test]
fn a_yarn_classic_lock_is_updated_with_yarn_upgrade_leaving_no_node_modules() {
    let Some((yarn, path)) = tool("yarn", ".references/yarn1/node_modules/.bin") else {
        return;
    };
    let cache = tempfile::tempdir().expect("tempdir");
    // node_modules is not ignored: what Yarn 1 installs must stay out of the change.
    let project = ToolProject::new(
        &[MINIMIST, (".gitignore", ".patchwarden/\n")],
        &[
            (
                &yarn,
                &[
                    "install",
                    "--ignore-scripts",
                    "--non-interactive",
                    "--silent",
                ],
            ),
            (Path::new("rm"), &["-r", "node_modules"]),
        ],
        vec![("PATH", path), ("YARN_CACHE_FOLDER", cache.path().into())],
    );
    let out = fix_minimist(&project, "yarn1-fix", "yarn.lock");
    assert!(out.contains("yarn upgrade minimist@"), "{out}");
    let files = git(
        &project.path,
        &["ls-tree", "-r", "--name-only", "yarn1-fix"],
    );
    assert!(!files.contains("node_modules"), "{files}");
}

#[test]
fn a_pnpm_lock_is_updated_with_pnpm_update() {
    let Some((pnpm, path)) = tool("pnpm", ".references/node_modules/.bin") else {
        return;
    };
    let store = tempfile::tempdir().expect("tempdir");
    let project = ToolProject::new(
        &[MINIMIST, (".gitignore", ".patchwarden/\n")],
        &[(
            &pnpm,
            &["install", "--lockfile-only", "--ignore-scripts", "--silent"],
        )],
        vec![
            ("PATH", path),
            ("npm_config_store_dir", store.path().into()),
            ("npm_config_update_notifier", "false".into()),
        ],
    );
    fix_minimist(&project, "pnpm-fix", "pnpm-lock.yaml");
}

/// Writes `module@version` (a go.mod and `files`) to a file-system module proxy (`GOPROXY=file://…`).
fn go_module(proxy: &Path, module: &str, version: &str, files: &[(&str, &str)]) {
    use std::io::Write;
    let dir = proxy.join(module).join("@v");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let go_mod = format!("module {module}\n\ngo 1.19\n");
    std::fs::write(dir.join(format!("{version}.mod")), &go_mod).expect("mod");
    std::fs::write(
        dir.join(format!("{version}.info")),
        format!("{{\"Version\":\"{version}\",\"Time\":\"2026-01-01T00:00:00Z\"}}"),
    )
    .expect("info");
    let mut zip = zip::ZipWriter::new(
        std::fs::File::create(dir.join(format!("{version}.zip"))).expect("zip"),
    );
    for (name, text) in std::iter::once(("go.mod", go_mod.as_str())).chain(files.iter().copied()) {
        zip.start_file(
            format!("{module}@{version}/{name}"),
            zip::write::SimpleFileOptions::default(),
        )
        .expect("entry");
        zip.write_all(text.as_bytes()).expect("write");
    }
    zip.finish().expect("zip");
    let mut list = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("list"))
        .expect("list");
    writeln!(list, "{version}").expect("list");
}

#[test]
fn a_go_mod_is_updated_with_go_get_and_go_mod_tidy() {
    let Some((go, path)) = tool("go", "") else {
        return;
    };
    // The module proxy is not reachable here: a file-system proxy of modules the test builds stands in
    // for it, serving golang.org/x/text at v0.3.7 (GO-2022-1059, fixed in v0.3.8; GO-2026-5970, fixed
    // in v0.39.0) and the fixed versions.
    let dir = tempfile::tempdir().expect("tempdir");
    let proxy = dir.path().join("proxy");
    for version in ["v0.3.7", "v0.3.8", "v0.39.0"] {
        go_module(
            &proxy,
            "golang.org/x/text",
            version,
            &[(
                "language/language.go",
                "package language\n\nfunc Parse(s string) string { return s }\n",
            )],
        );
    }
    let mut proxy_url = std::ffi::OsString::from("file://");
    proxy_url.push(&proxy);
    let project = ToolProject::new(
        &[
            (
                "go.mod",
                "module example.invalid/web\n\ngo 1.19\n\nrequire golang.org/x/text v0.3.7\n",
            ),
            (
                "main.go",
                "package main\n\nimport \"golang.org/x/text/language\"\n\nfunc main() { println(language.Parse(\"en\")) }\n",
            ),
            (".gitignore", ".patchwarden/\n"),
        ],
        &[(&go, &["mod", "tidy"])],
        vec![
            ("PATH", path),
            ("GOPROXY", proxy_url),
            ("GOSUMDB", "off".into()),
            ("GOFLAGS", "-modcacherw".into()),
            ("GOTOOLCHAIN", "local".into()),
            ("GOMODCACHE", dir.path().join("modcache").into()),
            ("GOCACHE", dir.path().join("cache").into()),
            ("GOPATH", dir.path().join("gopath").into()),
        ],
    );
    let (out, go_mod) = project.scan_and_fix(&osv("Go"), &[], "go-fix", "go.mod");
    assert!(out.contains("→ 0.39.0 in go.mod"), "{out}");
    assert!(
        out.contains("go get golang.org/x/text@v0.39.0 && go mod tidy"),
        "{out}"
    );
    assert!(
        go_mod.contains("require golang.org/x/text v0.39.0"),
        "{go_mod}"
    );
    let sum = git(&project.path, &["show", "go-fix:go.sum"]);
    assert!(
        sum.contains("golang.org/x/text v0.39.0 h1:") && !sum.contains("v0.3.7"),
        "{sum}"
    );
}

/// An advisory of a package the test's own registry serves (none of the real advisory sets covers
/// RubyGems or Packagist): `name` before `fixed` is affected.
fn local_advisory(dir: &Path, id: &str, ecosystem: &str, name: &str, fixed: &str) -> PathBuf {
    let file = dir.join(format!("{id}.json"));
    let record = serde_json::json!({
        "schema_version": "1.6.0",
        "id": id,
        "modified": "2026-08-01T00:00:00Z",
        "published": "2026-08-01T00:00:00Z",
        "summary": format!("{name}: request smuggling through a malformed Content-Length"),
        "affected": [{
            "package": {"ecosystem": ecosystem, "name": name},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
        }],
        "database_specific": {"severity": "HIGH"}
    });
    std::fs::write(&file, record.to_string()).expect("advisory");
    file
}

/// Builds `name-version.gem` with `gem build` into `source/gems`.
fn build_gem(gem: &Path, work: &Path, source: &Path, name: &str, version: &str) {
    let src = work.join(format!("{name}-{version}"));
    std::fs::create_dir_all(src.join("lib")).expect("mkdir");
    std::fs::write(src.join(format!("lib/{name}.rb")), "module Tinyhttp; end\n").expect("lib");
    std::fs::write(
        src.join(format!("{name}.gemspec")),
        format!(
            "Gem::Specification.new do |s|\n  s.name = '{name}'\n  s.version = '{version}'\n  s.summary = 'HTTP'\n  s.authors = ['web']\n  s.license = 'MIT'\n  s.files = ['lib/{name}.rb']\nend\n"
        ),
    )
    .expect("gemspec");
    let status = Process::new(gem)
        .args(["build", "--quiet", &format!("{name}.gemspec")])
        .current_dir(&src)
        .status()
        .expect("gem build");
    assert!(status.success(), "gem build {name} {version}");
    std::fs::create_dir_all(source.join("gems")).expect("mkdir");
    std::fs::rename(
        src.join(format!("{name}-{version}.gem")),
        source.join(format!("gems/{name}-{version}.gem")),
    )
    .expect("move the gem");
}

fn gem_index(gem: &Path, source: &Path) {
    let status = Process::new(gem)
        .args(["generate_index", "--quiet", "--directory"])
        .arg(source)
        .status()
        .expect("gem generate_index");
    assert!(status.success(), "gem generate_index");
}

#[test]
fn a_gemfile_lock_is_updated_with_bundler() {
    let (Some((bundle, path)), Some((gem, _))) = (tool("bundle", ""), tool("gem", "")) else {
        return;
    };
    // The public gem host is not reachable here: a gem source of gems the test builds, as a company's
    // own gem server serves them. tinyhttp 1.0.0 is locked; 1.0.1 fixes it, 1.1.0 is a new minor.
    let dir = tempfile::tempdir().expect("tempdir");
    let source = dir.path().join("source");
    build_gem(&gem, dir.path(), &source, "tinyhttp", "1.0.0");
    gem_index(&gem, &source);
    let gemfile = format!(
        "source \"file://{}\"\n\ngem \"tinyhttp\", \"~> 1.0\"\n",
        source.display()
    );
    let project = ToolProject::new(
        &[("Gemfile", &gemfile), (".gitignore", ".patchwarden/\n")],
        &[(&bundle, &["lock"])],
        vec![
            ("PATH", path),
            ("BUNDLE_USER_HOME", dir.path().join("home").into()),
        ],
    );
    for version in ["1.0.1", "1.1.0"] {
        build_gem(&gem, dir.path(), &source, "tinyhttp", version);
    }
    gem_index(&gem, &source);
    let advisory = local_advisory(
        dir.path(),
        "LOCAL-2026-0001",
        "RubyGems",
        "tinyhttp",
        "1.0.1",
    );
    let (out, lock) = project.scan_and_fix(&advisory, &[], "bundler-fix", "Gemfile.lock");
    assert!(
        out.contains("tinyhttp 1.0.0 → 1.0.1 in Gemfile.lock"),
        "{out}"
    );
    assert!(
        out.contains("bundle lock --update tinyhttp --conservative --patch --strict"),
        "{out}"
    );
    assert!(lock.contains("    tinyhttp (1.0.1)"), "{lock}");
}

#[test]
fn a_composer_lock_is_updated_with_composer() {
    let Some((composer, path)) = tool("composer", "") else {
        return;
    };
    // Packagist is not reachable here: the packages come from path repositories in the project (as a
    // monorepo keeps its own packages), acme/tinyhttp 1.0.0 locked and 1.0.1 fixing it.
    let package = |version: &str| {
        format!(
            r#"{{"name":"acme/tinyhttp","version":"{version}","type":"library","license":"MIT","autoload":{{"psr-4":{{"Acme\\Tinyhttp\\":"src/"}}}}}}"#
        )
    };
    let (old, new) = (package("1.0.0"), package("1.0.1"));
    let manifest = r#"{
    "name": "acme/web",
    "require": {"acme/tinyhttp": "^1.0"},
    "repositories": [
        {"packagist.org": false},
        {"type": "path", "url": "packages/tinyhttp-1.0.0", "canonical": false, "options": {"symlink": false}},
        {"type": "path", "url": "packages/tinyhttp-1.0.1", "canonical": false, "options": {"symlink": false}}
    ]
}
"#;
    let home = tempfile::tempdir().expect("tempdir");
    let project = ToolProject::new(
        &[
            ("composer.json", manifest),
            ("packages/tinyhttp-1.0.0/composer.json", &old),
            ("packages/tinyhttp-1.0.1/composer.json", &new),
            (".gitignore", ".patchwarden/\nvendor/\n"),
        ],
        &[(
            &composer,
            &[
                "update",
                "--no-install",
                "--no-interaction",
                "--quiet",
                "--with",
                "acme/tinyhttp:1.0.0",
            ],
        )],
        vec![
            ("PATH", path),
            ("COMPOSER_HOME", home.path().join("home").into()),
            ("COMPOSER_CACHE_DIR", home.path().join("cache").into()),
        ],
    );
    let advisory = local_advisory(
        home.path(),
        "LOCAL-2026-0002",
        "Packagist",
        "acme/tinyhttp",
        "1.0.1",
    );
    let (out, lock) = project.scan_and_fix(&advisory, &[], "composer-fix", "composer.lock");
    assert!(
        out.contains("acme/tinyhttp 1.0.0 → 1.0.1 in composer.lock"),
        "{out}"
    );
    let lock: Value = serde_json::from_str(&lock).expect("JSON");
    assert_eq!(lock["packages"][0]["name"], "acme/tinyhttp");
    assert_eq!(lock["packages"][0]["version"], "1.0.1");
}
