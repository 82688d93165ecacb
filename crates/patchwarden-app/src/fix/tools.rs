//! Applying a version change to a lockfile with the ecosystem's own tool (`npm`, `cargo`, `poetry`, `uv`,
//! …), or by editing a `requirements.txt` pin directly. A tool that is not installed is named, and nothing
//! is run.

use std::path::{Path, PathBuf};
use std::process::Command;

use patchwarden_lockfiles::Format;

use crate::{AppError, Result};

/// How a change is made: a command, or a direct edit of a pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    Run(Vec<String>),
    /// Edit `requirements.txt`-style pins of the package to the version.
    EditPin,
}

impl Update {
    /// For people: the command, or what is edited.
    pub fn describe(&self, file: &str) -> String {
        match self {
            Update::Run(args) => args.join(" "),
            Update::EditPin => format!("edit the pin in {file}"),
        }
    }
}

/// The update that moves `name` to `version` in a lockfile of `format`; None: the format has no tool
/// patchwarden drives (OS package databases, SBOMs, Pipfile.lock, pdm.lock, bun.lock).
pub fn update_for(format: Format, name: &str, installed: &str, version: &str) -> Option<Update> {
    let run = |args: &[&str]| Some(Update::Run(args.iter().map(|a| (*a).to_owned()).collect()));
    match format {
        Format::Requirements => Some(Update::EditPin),
        Format::NpmLock => run(&[
            "npm",
            "install",
            &format!("{name}@{version}"),
            "--package-lock-only",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
        ]),
        Format::YarnLock => run(&["yarn", "up", &format!("{name}@{version}")]),
        Format::PnpmLock => run(&[
            "pnpm",
            "update",
            &format!("{name}@{version}"),
            "--lockfile-only",
        ]),
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
        Format::GoMod => run(&["go", "get", &format!("{name}@{}", go_version(version))]),
        Format::GemfileLock => run(&["bundle", "update", "--conservative", name]),
        Format::ComposerLock => run(&[
            "composer",
            "update",
            name,
            "--with",
            &format!("{name}:{version}"),
        ]),
        _ => None,
    }
}

fn go_version(v: &str) -> String {
    if v.starts_with('v') {
        v.to_owned()
    } else {
        format!("v{v}")
    }
}

/// The program on `PATH`, if installed.
pub fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// Runs an update in `dir` (the lockfile's folder in the fix's worktree).
pub fn apply(update: &Update, dir: &Path, file: &Path, name: &str, version: &str) -> Result<()> {
    match update {
        Update::EditPin => edit_pin(file, name, version),
        Update::Run(args) => {
            let (program, rest) = args
                .split_first()
                .ok_or_else(|| AppError::Input("an empty update command".into()))?;
            let Some(exe) = find_program(program) else {
                return Err(AppError::Input(format!(
                    "{program} is not installed, so {} cannot be updated here; install {program} or run `{}` yourself",
                    file.display(),
                    args.join(" ")
                )));
            };
            let out = Command::new(exe)
                .args(rest)
                .current_dir(dir)
                .output()
                .map_err(|e| AppError::Input(format!("cannot run {program}: {e}")))?;
            if !out.status.success() {
                return Err(AppError::Input(format!(
                    "`{}` failed ({}): {}",
                    args.join(" "),
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
            if program == "go" {
                let tidy = Command::new("go")
                    .args(["mod", "tidy"])
                    .current_dir(dir)
                    .output();
                if !tidy.is_ok_and(|o| o.status.success()) {
                    return Err(AppError::Input("`go mod tidy` failed".into()));
                }
            }
            Ok(())
        }
    }
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
                "{}: the pin of {name} carries hashes; update it with `pip-compile --upgrade-package {name}=={version}`",
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
}
