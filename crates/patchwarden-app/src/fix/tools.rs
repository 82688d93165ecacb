//! Applying a version change to a lockfile with the ecosystem's own tool (`npm`, `yarn`, `pnpm`, `cargo`,
//! `poetry`, `uv`, `pip-compile`, `go`, `bundle`, `composer`), or by editing a `requirements.txt` pin
//! directly. A tool that is not installed is named, and nothing is run.

use std::path::{Path, PathBuf};
use std::process::Command;

use patchwarden_lockfiles::Format;

use crate::{AppError, Result};

/// How a change is made: commands run one after the other, or a direct edit of a pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    Run(Vec<Vec<String>>),
    /// Edit `requirements.txt`-style pins of the package to the version.
    EditPin,
}

impl Update {
    /// For people: the commands, or what is edited.
    pub fn describe(&self, file: &str) -> String {
        match self {
            Update::Run(commands) => commands
                .iter()
                .map(|args| args.join(" "))
                .collect::<Vec<_>>()
                .join(" && "),
            Update::EditPin => format!("edit the pin in {file}"),
        }
    }
}

/// The update that moves `name` to `version` in `file`, a lockfile of `format`; None: the format has no
/// tool patchwarden drives (OS package databases, SBOMs, Pipfile.lock, pdm.lock, bun.lock). Every tool is
/// asked to change the lockfile only: nothing is installed, no package's scripts run.
pub fn update_for(
    format: Format,
    file: &Path,
    name: &str,
    installed: &str,
    version: &str,
) -> Option<Update> {
    let run = |args: &[&str]| {
        Some(Update::Run(vec![
            args.iter().map(|a| (*a).to_owned()).collect(),
        ]))
    };
    let at = format!("{name}@{version}");
    match format {
        Format::Requirements => Some(pip_compile(file, name, version).unwrap_or(Update::EditPin)),
        Format::NpmLock => run(&[
            "npm",
            "install",
            &at,
            "--package-lock-only",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
        ]),
        // Yarn 1 has no lockfile-only mode: what it installs is removed again (see `apply`).
        Format::YarnLock if is_yarn_classic(file) => run(&[
            "yarn",
            "upgrade",
            &at,
            "--ignore-scripts",
            "--non-interactive",
        ]),
        Format::YarnLock => run(&["yarn", "up", &at, "--mode=update-lockfile"]),
        Format::PnpmLock => run(&["pnpm", "update", &at, "--lockfile-only", "--ignore-scripts"]),
        Format::PoetryLock => run(&["poetry", "add", &format!("{name}@^{version}"), "--lock"]),
        Format::UvLock => run(&[
            "uv",
            "lock",
            "--upgrade-package",
            &format!("{name}=={version}"),
        ]),
        Format::CargoLock => run(&[
            "cargo",
            "update",
            "--package",
            &format!("{name}@{installed}"),
            "--precise",
            version,
        ]),
        Format::GoMod => Some(Update::Run(vec![
            vec![
                "go".into(),
                "get".into(),
                format!("{name}@{}", go_version(version)),
            ],
            vec!["go".into(), "mod".into(), "tidy".into()],
        ])),
        // `bundle update --conservative` without the install. Bundler takes no exact version: it picks
        // the newest the Gemfile allows at the level of the change (patch, minor), moving no other gem;
        // the re-scan checks it.
        Format::GemfileLock => {
            let mut args = vec!["bundle", "lock", "--update", name, "--conservative"];
            args.extend(bundler_level(installed, version));
            run(&args)
        }
        Format::ComposerLock => run(&[
            "composer",
            "update",
            name,
            "--with",
            &format!("{name}:{version}"),
            "--no-install",
            "--no-scripts",
            "--no-interaction",
        ]),
        _ => None,
    }
}

/// Bundler's `--patch` or `--minor` (with `--strict`) when the target keeps the installed version's
/// major.minor or major; nothing for a new major.
fn bundler_level(installed: &str, target: &str) -> Vec<&'static str> {
    let parts = |v: &str| v.split('.').map(str::to_owned).collect::<Vec<_>>();
    let (a, b) = (parts(installed), parts(target));
    let same = |n: usize| a.len() > n && b.len() > n && a[..=n] == b[..=n];
    if same(1) {
        vec!["--patch", "--strict"]
    } else if same(0) {
        vec!["--minor", "--strict"]
    } else {
        Vec::new()
    }
}

/// A `yarn.lock` written by Yarn 1 (`# yarn lockfile v1`); Yarn 2 and later write `__metadata:`.
fn is_yarn_classic(file: &Path) -> bool {
    std::fs::read_to_string(file)
        .is_ok_and(|t| t.lines().take(5).any(|l| l.contains("yarn lockfile v1")))
}

/// `pip-compile --upgrade-package NAME==V` for a requirements file pip-compile wrote: with the options and
/// sources of the command in its header (where pip-compile recorded it), else from the `.in` file beside
/// it, keeping hashes when the file has them. None: not a pip-compile output (the pin is edited).
fn pip_compile(file: &Path, name: &str, version: &str) -> Option<Update> {
    let text = std::fs::read_to_string(file).ok()?;
    let output = file.file_name()?.to_string_lossy().into_owned();
    let recorded = text
        .lines()
        .take_while(|l| l.starts_with('#') || l.trim().is_empty())
        .find_map(|l| {
            l.trim_start_matches('#')
                .trim()
                .strip_prefix("pip-compile ")
        })
        .map(|rest| {
            rest.split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        });
    let mut args: Vec<String> = match recorded {
        // An update of one package, not of all: the recorded upgrade options are left out, and the
        // output is this file. Files the command names are found from where it ran (this folder or one
        // above it in the repository) and named from this folder, where pip-compile runs now.
        Some(recorded) => {
            let folder = file.parent()?;
            let mut kept = Vec::new();
            let mut skip_value = false;
            for a in recorded {
                if std::mem::take(&mut skip_value) {
                    continue;
                }
                match a.as_str() {
                    "-U" | "--upgrade" => {}
                    "-P" | "--upgrade-package" | "-o" | "--output-file" => skip_value = true,
                    _ if a.starts_with("--upgrade-package=") || a.starts_with("--output-file=") => {
                    }
                    _ if a.starts_with('-') => kept.push(a),
                    _ => kept.push(from_folder(folder, &a)),
                }
            }
            kept.push(format!("--output-file={output}"));
            kept
        }
        None => {
            let source = file.with_extension("in");
            if !source.is_file() {
                return None;
            }
            let mut args = vec![format!("--output-file={output}")];
            if text.contains("--hash=") {
                args.push("--generate-hashes".into());
            }
            args.push(source.file_name()?.to_string_lossy().into_owned());
            args
        }
    };
    let mut command = vec![
        "pip-compile".to_owned(),
        "--quiet".to_owned(),
        "--upgrade-package".to_owned(),
        format!("{name}=={version}"),
    ];
    command.append(&mut args);
    Some(Update::Run(vec![command]))
}

/// `name`, a file named relative to this folder or to one above it in the repository (up to the folder
/// holding `.git`), as named from this folder; anything else as it is.
fn from_folder(folder: &Path, name: &str) -> String {
    for (depth, base) in folder.ancestors().enumerate() {
        if base.join(name).is_file() {
            return format!("{}{name}", "../".repeat(depth));
        }
        if base.join(".git").exists() {
            break;
        }
    }
    name.to_owned()
}

fn go_version(v: &str) -> String {
    if v.starts_with('v') {
        v.to_owned()
    } else {
        format!("v{v}")
    }
}

/// The program on `PATH`, if installed: the first executable file of that name, as a shell finds it.
pub fn find_program(program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Files and folders the JavaScript tools write next to the lockfile that are no part of a change.
const LEFTOVERS: &[&str] = &["node_modules", ".yarn/install-state.gz"];

/// Runs an update in `dir` (the lockfile's folder in the fix's worktree).
pub fn apply(update: &Update, dir: &Path, file: &Path, name: &str, version: &str) -> Result<()> {
    let commands = match update {
        Update::EditPin => return edit_pin(file, name, version),
        Update::Run(commands) => commands,
    };
    // Every program is looked up first: a missing one stops the update before anything ran.
    let mut programs = Vec::new();
    for args in commands {
        let program = args
            .first()
            .ok_or_else(|| AppError::Input("an empty update command".into()))?;
        let Some(exe) = find_program(program) else {
            return Err(AppError::Input(format!(
                "{program} is not installed, so {} cannot be updated here; install {program} or run `{}` yourself",
                file.display(),
                update.describe(&file.display().to_string())
            )));
        };
        programs.push(exe);
    }
    // What the tools write besides the manifest and lockfile (Yarn 1 installs as it updates, Yarn 2+
    // keeps its install state) stays out of the change when it was not there before.
    let leftovers: Vec<PathBuf> = LEFTOVERS
        .iter()
        .map(|name| dir.join(name))
        .filter(|p| !p.exists())
        .collect();
    for (exe, args) in programs.iter().zip(commands) {
        let out = Command::new(exe)
            .args(&args[1..])
            .current_dir(dir)
            .output()
            .map_err(|e| AppError::Input(format!("cannot run {}: {e}", args[0])))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stdout = String::from_utf8_lossy(&out.stdout);
            // Some tools (yarn, composer) explain a failure on stdout.
            let said = if stderr.trim().is_empty() {
                stdout
            } else {
                stderr
            };
            return Err(AppError::Input(format!(
                "`{}` failed ({}): {}",
                args.join(" "),
                out.status,
                said.trim()
            )));
        }
    }
    for path in leftovers.iter().filter(|p| p.exists()) {
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(path)
        } else {
            std::fs::remove_file(path)
        };
        removed.map_err(|e| AppError::Input(format!("cannot remove {}: {e}", path.display())))?;
    }
    Ok(())
}

/// Rewrites the `name==old` pins of `name` (PEP 503 names compared normalised) to `name==version`,
/// keeping extras, markers and comments. Pins with `--hash` options cannot be edited by hand (the hashes
/// would no longer match): those need pip-compile.
fn edit_pin(file: &Path, name: &str, version: &str) -> Result<()> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| AppError::Input(format!("cannot read {}: {e}", file.display())))?;
    let normalise = |n: &str| n.to_ascii_lowercase().replace(['_', '.'], "-");
    let wanted = normalise(name);
    let mut changed = 0;
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let Some((head, rest)) = line.split_once("==") else {
            out.push_str(line);
            continue;
        };
        let package = head.split('[').next().unwrap_or(head).trim();
        if normalise(package) != wanted || package.starts_with('#') {
            out.push_str(line);
            continue;
        }
        // Hashes follow on the pin's line or its continuation lines.
        if line.contains("--hash") || line.trim_end().ends_with('\\') {
            return Err(AppError::Input(format!(
                "{}: the pin of {name} carries hashes, and neither a pip-compile command in its header nor a .in file beside it says how it was made; update it with `pip-compile --upgrade-package {name}=={version}`",
                file.display()
            )));
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == ';' || c == '#')
            .unwrap_or(rest.len());
        out.push_str(head);
        out.push_str("==");
        out.push_str(version);
        out.push_str(&rest[end..]);
        changed += 1;
    }
    if changed == 0 {
        return Err(AppError::Input(format!(
            "{}: no `{name}==` pin to change",
            file.display()
        )));
    }
    std::fs::write(file, out)
        .map_err(|e| AppError::Input(format!("cannot write {}: {e}", file.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_requirements_pin_is_edited_keeping_extras_markers_and_comments() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("requirements.txt");
        std::fs::write(
            &file,
            "# web\nDjango[argon2]==4.2.0 ; python_version >= \"3.8\"  # pinned\nrequests==2.31.0\n",
        )
        .unwrap();
        edit_pin(&file, "django", "4.2.16").unwrap();
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "# web\nDjango[argon2]==4.2.16 ; python_version >= \"3.8\"  # pinned\nrequests==2.31.0\n"
        );
        assert!(edit_pin(&file, "flask", "3.0.0").is_err());
    }

    #[test]
    fn hashed_pins_are_left_to_pip_compile() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("requirements.txt");
        std::fs::write(&file, "django==4.2.0 \\\n    --hash=sha256:abc\n").unwrap();
        let err = edit_pin(&file, "django", "4.2.16").unwrap_err().to_string();
        assert!(err.contains("pip-compile"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "django==4.2.0 \\\n    --hash=sha256:abc\n"
        );
    }

    #[test]
    fn a_pip_compile_output_is_recompiled_with_the_command_in_its_header() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("requirements.txt");
        std::fs::write(
            &file,
            "#\n# This file is autogenerated by pip-compile with Python 3.11\n# by the following command:\n#\n#    pip-compile --generate-hashes --upgrade -P idna requirements/base.in\n#\nidna==3.6 \\\n    --hash=sha256:abc\n",
        )
        .unwrap();
        let update = update_for(Format::Requirements, &file, "idna", "3.6", "3.7").unwrap();
        assert_eq!(
            update.describe("requirements.txt"),
            "pip-compile --quiet --upgrade-package idna==3.7 --generate-hashes requirements/base.in --output-file=requirements.txt"
        );
        // Run from the repository's top for a file in a subfolder: the sources are named from the file's folder.
        let sub = dir.path().join("requirements");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(dir.path().join(".git"), "gitdir: elsewhere\n").unwrap();
        std::fs::write(sub.join("prod.in"), "idna\n").unwrap();
        std::fs::write(
            sub.join("prod.txt"),
            "#    pip-compile --output-file requirements/prod.txt -c constraints.txt requirements/prod.in\nidna==3.6\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("constraints.txt"), "").unwrap();
        assert_eq!(
            update_for(
                Format::Requirements,
                &sub.join("prod.txt"),
                "idna",
                "3.6",
                "3.7"
            )
            .unwrap()
            .describe("requirements/prod.txt"),
            "pip-compile --quiet --upgrade-package idna==3.7 -c ../constraints.txt ../requirements/prod.in --output-file=prod.txt"
        );
        // Without a header, the .in file beside it is the source; hashes are kept.
        std::fs::write(&file, "idna==3.6 \\\n    --hash=sha256:abc\n").unwrap();
        assert!(matches!(
            update_for(Format::Requirements, &file, "idna", "3.6", "3.7"),
            Some(Update::EditPin)
        ));
        std::fs::write(dir.path().join("requirements.in"), "idna\n").unwrap();
        assert_eq!(
            update_for(Format::Requirements, &file, "idna", "3.6", "3.7")
                .unwrap()
                .describe("requirements.txt"),
            "pip-compile --quiet --upgrade-package idna==3.7 --output-file=requirements.txt --generate-hashes requirements.in"
        );
    }

    #[test]
    fn bundler_is_held_to_the_level_of_the_change() {
        assert_eq!(bundler_level("1.0.0", "1.0.1"), ["--patch", "--strict"]);
        assert_eq!(bundler_level("1.0.9", "1.2.0"), ["--minor", "--strict"]);
        assert!(bundler_level("1.9.0", "2.0.0").is_empty());
    }

    fn sh(script: &str) -> Vec<String> {
        vec!["sh".into(), "-c".into(), script.into()]
    }

    #[test]
    fn a_missing_program_stops_the_update_before_any_command_runs() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("go.mod");
        let update = Update::Run(vec![
            sh("touch ran"),
            vec!["patchwarden-no-such-tool".into(), "tidy".into()],
        ]);
        let err = apply(&update, dir.path(), &file, "x", "1")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("patchwarden-no-such-tool is not installed")
                && err.contains("run `sh -c touch ran && patchwarden-no-such-tool tidy` yourself"),
            "{err}"
        );
        assert!(!dir.path().join("ran").exists());
    }

    #[test]
    fn what_a_tool_installs_stays_out_of_the_change_and_a_failure_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("yarn.lock");
        let install = Update::Run(vec![sh(
            "mkdir -p node_modules/x .yarn && touch .yarn/install-state.gz && echo new > yarn.lock",
        )]);
        apply(&install, dir.path(), &file, "x", "1").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new\n");
        assert!(!dir.path().join("node_modules").exists());
        assert!(!dir.path().join(".yarn/install-state.gz").exists());
        // A node_modules that was there before is the user's.
        std::fs::create_dir(dir.path().join("node_modules")).unwrap();
        apply(&install, dir.path(), &file, "x", "1").unwrap();
        assert!(dir.path().join("node_modules/x").exists());

        let fail = Update::Run(vec![sh("echo 'no such version' && exit 3")]);
        let err = apply(&fail, dir.path(), &file, "x", "1")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("exit status: 3") && err.contains("no such version"),
            "{err}"
        );
    }
}
