//! The git operations of a fix, through the `git` command: a worktree of its own on a new branch, so the
//! user's working tree and current branch are never touched.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{AppError, Result};

/// Runs git in `dir` and returns its trimmed stdout, or an error with its stderr.
pub fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| AppError::Input(format!("cannot run git: {e} (is git installed?)")))?;
    if !out.status.success() {
        return Err(AppError::Input(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The top of the repository holding `dir`.
pub fn toplevel(dir: &Path) -> Result<PathBuf> {
    git(dir, &["rev-parse", "--show-toplevel"])
        .map(PathBuf::from)
        .map_err(|_| AppError::Input(format!("{} is not inside a git repository", dir.display())))
}

/// A worktree on a new branch from HEAD, removed (with its branch, unless kept) when dropped unfinished.
#[derive(Debug)]
pub struct BranchWorktree {
    pub repo: PathBuf,
    pub branch: String,
    pub path: PathBuf,
    /// Kept on drop: the branch (with its commits) survives; the worktree folder always goes.
    keep_branch: bool,
    _dir: tempfile::TempDir,
}

impl BranchWorktree {
    pub fn create(repo: &Path, branch: &str) -> Result<Self> {
        if git(
            repo,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("refs/heads/{branch}"),
            ],
        )
        .is_ok()
        {
            return Err(AppError::Input(format!(
                "branch {branch} exists already; name another with --branch or delete it"
            )));
        }
        let dir = tempfile::Builder::new()
            .prefix("patchwarden-fix-")
            .tempdir()
            .map_err(|e| AppError::Input(format!("cannot create a temporary folder: {e}")))?;
        let path = dir.path().join("tree");
        git(
            repo,
            &[
                "worktree",
                "add",
                "--quiet",
                "-b",
                branch,
                &path.display().to_string(),
                "HEAD",
            ],
        )?;
        Ok(Self {
            repo: repo.to_owned(),
            branch: branch.to_owned(),
            path,
            keep_branch: false,
            _dir: dir,
        })
    }

    /// Keeps the branch when the worktree goes (on success, or `--keep-failed`).
    pub fn keep_branch(&mut self) {
        self.keep_branch = true;
    }

    /// Commits everything changed in the worktree; returns the commit id.
    pub fn commit(&self, message: &str) -> Result<String> {
        git(&self.path, &["add", "--all"])?;
        // A repository without an identity still gets a commit, attributed to patchwarden.
        let has_identity = git(&self.path, &["config", "user.email"]).is_ok_and(|e| !e.is_empty());
        let mut args = Vec::new();
        if !has_identity {
            args.extend([
                "-c",
                "user.name=patchwarden",
                "-c",
                "user.email=patchwarden@localhost",
            ]);
        }
        args.extend(["commit", "--quiet", "--no-verify", "-m", message]);
        git(&self.path, &args)?;
        git(&self.path, &["rev-parse", "HEAD"])
    }
}

impl Drop for BranchWorktree {
    fn drop(&mut self) {
        let path = self.path.display().to_string();
        let _ = git(&self.repo, &["worktree", "remove", "--force", &path]);
        let _ = git(&self.repo, &["worktree", "prune"]);
        if !self.keep_branch {
            let _ = git(&self.repo, &["branch", "-D", &self.branch]);
        }
    }
}
