//! `patchwarden fix`: from open records to a tested change on a branch, the record updated with the
//! evidence. The plan (which package moves to which version, with which tool) is computed first; the
//! change is then made in a git worktree of its own on a new branch — the user's working tree and current
//! branch are never touched — re-scanned, committed, tested, and recorded as the records' Plan and Test.

mod forge;
mod git;
mod target;
pub mod tools;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use patchwarden_core::workflow::{self, TestEvidence};
use patchwarden_core::{Action, PatchRecord, State};
use patchwarden_osv::Affected;
use patchwarden_versions::Scheme;
use serde::Serialize;

use crate::records::JunitFile;
use crate::scan::ScanRequest;
use crate::{App, AppError, Result};

pub use target::choose_target;

/// What `fix` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct FixRequest {
    pub records: Vec<i64>,
    /// A folder inside the asset's git repository.
    pub dir: PathBuf,
    /// Default: `patchwarden/<record ids>`.
    pub branch: Option<String>,
    pub push: Option<String>,
    pub test_command: Option<String>,
    /// JUnit reports the test command writes, relative to the repository.
    pub junit: Vec<PathBuf>,
    pub dry_run: bool,
    pub keep_failed: bool,
    /// For records still to be planned: who releases the change, and when (scheduled path).
    pub release_owner: Option<String>,
    pub planned_release: Option<chrono::DateTime<chrono::Utc>>,
}

/// One package moved to one version in one lockfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub ecosystem: String,
    pub package: String,
    pub installed: String,
    /// None: no version above the installed one removes every finding.
    pub target: Option<String>,
    /// The lockfile, relative to the repository.
    pub file: String,
    pub records: Vec<i64>,
    pub advisories: Vec<String>,
    /// The command or edit that makes the change; None: patchwarden drives no tool for this file.
    pub update: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestOutcome {
    pub command: Option<String>,
    pub exit_code: Option<i32>,
    pub reports: Vec<TestEvidence>,
    pub passed: bool,
}

/// What `fix` did (or, with `--dry-run`, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixReport {
    pub schema: &'static str,
    pub dry_run: bool,
    pub branch: String,
    pub changes: Vec<Change>,
    pub commit: Option<String>,
    pub tests: Option<TestOutcome>,
    pub pushed_to: Option<String>,
    /// The pull (merge) request opened on the asset's forge.
    pub pull_request: Option<String>,
    /// Each record's state afterwards.
    pub records: BTreeMap<i64, State>,
}

/// A package at a version in a lockfile: (file, ecosystem, package, installed version).
type PackageAt = (String, String, String, String);

/// What the records' findings of one package say: (records, advisories, fixed versions).
type Findings = (Vec<i64>, Vec<String>, Vec<String>);

/// The format of a lockfile in the repository, by its name and content; a `.txt` file that is neither
/// is a requirements file another one includes (`-r base.txt`), as the scan read it.
fn detect_format(repo: &Path, file: &str) -> Option<patchwarden_lockfiles::Format> {
    let head: Vec<u8> = std::fs::read(repo.join(file))
        .map(|b| b.into_iter().take(512).collect())
        .unwrap_or_default();
    patchwarden_lockfiles::detect(file, &head).or_else(|| {
        file.ends_with(".txt")
            .then_some(patchwarden_lockfiles::Format::Requirements)
    })
}

/// The lockfile part of a finding's `file:line` source.
fn source_file(source: &str) -> &str {
    match source.rsplit_once(':') {
        Some((file, line)) if line.chars().all(|c| c.is_ascii_digit()) => file,
        _ => source,
    }
}

impl App {
    /// `--group`: the open records of `asset` at or above `at_least` that are ready for a change (assessed
    /// or planned, opened from a finding) — the weekly dependency update in one branch.
    pub async fn group_records(
        &self,
        asset: &str,
        at_least: patchwarden_core::Severity,
    ) -> Result<Vec<i64>> {
        let records = self
            .records(&patchwarden_store::RecordFilter {
                asset: Some(asset.to_owned()),
                open_only: true,
                ..patchwarden_store::RecordFilter::default()
            })
            .await?;
        let ids: Vec<i64> = records
            .iter()
            .filter(|r| r.vulnerability.is_some())
            .filter(|r| matches!(r.state, State::Assessed | State::Planned))
            .filter(|r| r.severity.is_some_and(|s| s >= at_least))
            .map(|r| r.id)
            .collect();
        if ids.is_empty() {
            return Err(AppError::Input(format!(
                "no assessed or planned records of {asset} at or above {at_least}; assess them first (`patch assess`)"
            )));
        }
        Ok(ids)
    }

    /// Plans the fix of `request.records`: one change per package (several records of one package become
    /// one change), each to the smallest fixed version that removes all their findings.
    pub async fn plan_fix(
        &self,
        request: &FixRequest,
    ) -> Result<(PathBuf, Vec<PatchRecord>, Vec<Change>)> {
        let repo = git::toplevel(&request.dir)?;
        if request.records.is_empty() {
            return Err(AppError::Input("name at least one record to fix".into()));
        }
        let mut records = Vec::new();
        for id in &request.records {
            let r = self.record(*id).await?;
            if !r.state.is_open() {
                return Err(AppError::Input(format!(
                    "record {id} is {}: nothing to fix",
                    r.state
                )));
            }
            records.push(r);
        }
        let mut groups: BTreeMap<PackageAt, Findings> = BTreeMap::new();
        for r in &records {
            let Some(vulnerability) = &r.vulnerability else {
                return Err(AppError::Input(format!(
                    "record {} was opened by hand and names no package finding to fix",
                    r.id
                )));
            };
            let findings = self.store.findings(Some(&r.asset), true).await?;
            let mine: Vec<_> = findings
                .iter()
                .filter(|f| {
                    &f.observation.vulnerability == vulnerability && f.not_detected_since.is_none()
                })
                .collect();
            if mine.is_empty() {
                return Err(AppError::Input(format!(
                    "record {}: {vulnerability} is no longer detected on {}; verify it instead",
                    r.id, r.asset
                )));
            }
            for f in mine {
                let o = &f.observation;
                let file = self.repo_relative(&repo, &request.dir, source_file(&o.source))?;
                let entry = groups
                    .entry((
                        file,
                        o.ecosystem.clone(),
                        o.package.clone(),
                        o.version.clone(),
                    ))
                    .or_default();
                if !entry.0.contains(&r.id) {
                    entry.0.push(r.id);
                }
                entry.1.extend(o.advisory_ids.iter().cloned());
                entry.2.extend(o.fixed_versions.iter().cloned());
            }
        }
        let mut changes = Vec::new();
        for ((file, ecosystem, package, installed), (ids, mut advisories, fixed)) in groups {
            advisories.sort();
            advisories.dedup();
            let target = self
                .fix_target(&ecosystem, &package, &installed, &advisories, &fixed)
                .await?;
            let format = detect_format(&repo, &file);
            let update = match (&target, format) {
                (Some(t), Some(format)) => {
                    tools::update_for(format, &repo.join(&file), &package, &installed, t)
                        .map(|u| u.describe(&file))
                }
                _ => None,
            };
            changes.push(Change {
                ecosystem,
                package,
                installed,
                target,
                file,
                records: ids,
                advisories,
                update,
            });
        }
        Ok((repo, records, changes))
    }

    /// `file` as a path relative to the repository: finding sources are relative to the scanned folder,
    /// which is `dir` or the repository's top.
    fn repo_relative(&self, repo: &Path, dir: &Path, file: &str) -> Result<String> {
        let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
        for base in [dir.as_path(), repo] {
            let candidate = base.join(file);
            if candidate.is_file()
                && let Ok(rel) = candidate
                    .canonicalize()
                    .unwrap_or(candidate.clone())
                    .strip_prefix(repo)
            {
                return Ok(rel.display().to_string());
            }
        }
        Err(AppError::Input(format!(
            "{file} (where the finding was seen) is not in the repository at {}; run fix from the folder that was scanned",
            repo.display()
        )))
    }

    async fn fix_target(
        &self,
        ecosystem: &str,
        package: &str,
        installed: &str,
        advisories: &[String],
        fixed: &[String],
    ) -> Result<Option<String>> {
        let Some(scheme) = Scheme::for_ecosystem(ecosystem) else {
            return Ok(None);
        };
        let key = patchwarden_osv::package_key(ecosystem, package);
        let affected: Vec<Affected> = self
            .store
            .advisory_candidates(&[key])
            .await?
            .into_iter()
            .filter(|c| advisories.contains(&c.advisory_id))
            .filter_map(|c| serde_json::from_str(&c.affected).ok())
            .collect();
        Ok(choose_target(scheme, installed, fixed, &affected))
    }

    /// Plans, then (unless a dry run) makes, checks, commits, tests and records the fix.
    pub async fn fix(&self, request: &FixRequest) -> Result<FixReport> {
        let (repo, records, changes) = self.plan_fix(request).await?;
        let branch = request.branch.clone().unwrap_or_else(|| {
            format!(
                "patchwarden/{}",
                request
                    .records
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join("-")
            )
        });
        let mut report = FixReport {
            schema: "patchwarden.fix/v1",
            dry_run: request.dry_run,
            branch: branch.clone(),
            changes,
            commit: None,
            tests: None,
            pushed_to: None,
            pull_request: None,
            records: records.iter().map(|r| (r.id, r.state)).collect(),
        };
        // The asset's own test command and forge, unless the command line says otherwise.
        let asset = self
            .settings
            .config
            .assets
            .iter()
            .find(|a| records.first().is_some_and(|r| r.asset == a.name));
        let mut request = request.clone();
        if request.test_command.is_none()
            && let Some(test) = asset.and_then(|a| a.test.as_ref())
        {
            request.test_command = Some(test.command.clone());
            if request.junit.is_empty() {
                request.junit = test.junit.iter().map(PathBuf::from).collect();
            }
        }
        let request = &request;
        let forge = asset
            .and_then(|a| a.forge.clone())
            .filter(|_| request.push.is_some());
        if request.dry_run {
            return Ok(report);
        }
        let blocked: Vec<String> = report
            .changes
            .iter()
            .filter(|c| c.target.is_none() || c.update.is_none())
            .map(|c| match &c.target {
                None => format!(
                    "{} {}: no fixed version above it removes every finding",
                    c.package, c.installed
                ),
                Some(t) => format!(
                    "{} → {t} in {}: patchwarden drives no tool for this file",
                    c.package, c.file
                ),
            })
            .collect();
        if !blocked.is_empty() {
            return Err(AppError::Input(format!(
                "cannot fix: {}",
                blocked.join("; ")
            )));
        }
        let plan_action = self.plan_action(&report, request);
        self.check_steps(&records, &plan_action)?;
        let forge_token = forge.as_ref().map(forge::token).transpose()?;

        let mut worktree = git::BranchWorktree::create(&repo, &branch)?;
        for c in &report.changes {
            let (Some(t), Some(format)) = (&c.target, detect_format(&repo, &c.file)) else {
                continue;
            };
            let file = worktree.path.join(&c.file);
            let folder = file
                .parent()
                .map_or_else(|| worktree.path.clone(), Path::to_path_buf);
            if let Some(update) = tools::update_for(format, &file, &c.package, &c.installed, t) {
                tools::apply(&update, &folder, &file, &c.package, t)?;
            }
        }
        let scanned = request
            .dir
            .canonicalize()
            .ok()
            .and_then(|d| d.strip_prefix(&repo).ok().map(Path::to_path_buf))
            .unwrap_or_default();
        self.confirm_fixed(&worktree.path.join(scanned), &records)
            .await?;
        let commit = worktree.commit(&commit_message(&report.changes))?;
        report.commit = Some(commit.clone());

        let needs_plan: Vec<i64> = records
            .iter()
            .filter(|r| r.state == State::Assessed)
            .map(|r| r.id)
            .collect();
        if !needs_plan.is_empty() {
            self.act(&needs_plan, &plan_action, &[]).await?;
        }
        let tests = self.run_tests(&worktree.path, request)?;
        let passed = tests.0.passed;
        if !tests.1.is_empty() {
            let evidence: Vec<TestEvidence> = tests.0.reports.clone();
            let outcome = self
                .act(&request.records, &Action::Test { evidence }, &tests.1)
                .await;
            if passed {
                outcome?;
            }
        }
        report.tests = Some(tests.0);
        if !passed {
            // The records keep their Plan; the branch goes unless it is wanted for inspection.
            if request.keep_failed {
                worktree.keep_branch();
            } else {
                report.commit = None;
            }
            return Ok(report);
        }
        worktree.keep_branch();
        if let Some(remote) = &request.push {
            git::git(
                &repo,
                &["push", "--quiet", remote, &format!("refs/heads/{branch}")],
            )?;
            report.pushed_to = Some(remote.clone());
        }
        if let (Some(forge), Some(token)) = (&forge, &forge_token) {
            let message = commit_message(&report.changes);
            let (title, body) = message.split_once("\n\n").unwrap_or((&message, ""));
            let url = forge::open_pull_request(forge, token, &branch, title, body)?;
            self.act(
                &request.records,
                &Action::Comment {
                    text: format!("pull request: {url}"),
                },
                &[],
            )
            .await?;
            report.pull_request = Some(url);
        }
        for id in &request.records {
            let r = self.record(*id).await?;
            report.records.insert(r.id, r.state);
        }
        Ok(report)
    }

    fn plan_action(&self, report: &FixReport, request: &FixRequest) -> Action {
        Action::Plan {
            release_owner: request.release_owner.clone(),
            target_versions: report
                .changes
                .iter()
                .filter_map(|c| Some(format!("{}@{}", c.package, c.target.as_ref()?)))
                .collect(),
            rollback_plan: Some(format!("revert the merge of branch {}", report.branch)),
            tests: request.test_command.iter().cloned().collect(),
            planned_release: request.planned_release,
        }
    }

    /// Refuses before anything is changed when the workflow would refuse the Plan or the Test step.
    fn check_steps(&self, records: &[PatchRecord], plan: &Action) -> Result<()> {
        let actor = self.settings.actor()?;
        let people = &self.settings.config.people;
        let now = self.settings.now;
        let sample = Action::Test {
            evidence: vec![TestEvidence {
                file: "junit.xml".into(),
                sha256: String::new(),
                flavour: "junit".into(),
                tests: 1,
                passed: 1,
                failed: 0,
                skipped: 0,
            }],
        };
        for r in records {
            let planned = if r.state == State::Assessed {
                workflow::apply(r, plan, Some(actor), people, now)?
            } else {
                r.clone()
            };
            workflow::apply(&planned, &sample, Some(actor), people, now)?;
        }
        Ok(())
    }

    /// Re-scans the changed tree (the scanned folder, in the worktree): the fix is refused while any of the
    /// records' findings remains anywhere in it.
    async fn confirm_fixed(&self, folder: &Path, records: &[PatchRecord]) -> Result<()> {
        let request = ScanRequest {
            paths: vec![folder.to_path_buf()],
            record: false,
            ..ScanRequest::default()
        };
        let inventory = crate::scan::read_inventory(&request)?;
        let scan = self
            .scan_inventory(&request, inventory, self.settings.now)
            .await?;
        let remaining: Vec<String> = scan
            .findings
            .iter()
            .filter(|f| {
                records
                    .iter()
                    .any(|r| r.vulnerability.as_deref() == Some(f.vulnerability.as_str()))
            })
            .map(|f| {
                format!(
                    "{} {} ({}) at {}",
                    f.package, f.version, f.advisory_id, f.source
                )
            })
            .collect();
        if !remaining.is_empty() {
            return Err(AppError::Input(format!(
                "after the update the finding is still there: {}; another file or a dependency still pins the old version (update it too, or override the transitive version)",
                remaining.join("; ")
            )));
        }
        Ok(())
    }

    /// Runs the test command in the worktree and reads its JUnit reports.
    fn run_tests(
        &self,
        tree: &Path,
        request: &FixRequest,
    ) -> Result<(TestOutcome, Vec<patchwarden_store::EvidenceFile>)> {
        let mut exit_code = None;
        if let Some(command) = &request.test_command {
            let status = std::process::Command::new("sh")
                .arg("-c")
                .arg(command)
                .current_dir(tree)
                .status()
                .map_err(|e| AppError::Input(format!("cannot run the test command: {e}")))?;
            exit_code = status.code();
        }
        let files: Vec<JunitFile> = request
            .junit
            .iter()
            .map(|p| JunitFile { path: tree.join(p) })
            .collect();
        let (reports, kept) = if files.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            self.read_junit(&files)?
        };
        let passed = exit_code.is_none_or(|c| c == 0) && reports.iter().all(|r| r.failed == 0);
        Ok((
            TestOutcome {
                command: request.test_command.clone(),
                exit_code,
                reports,
                passed,
            },
            kept,
        ))
    }
}

fn commit_message(changes: &[Change]) -> String {
    let mut ids: Vec<i64> = changes
        .iter()
        .flat_map(|c| c.records.iter().copied())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let subject = match changes {
        [c] => format!(
            "Update {} {} -> {}",
            c.package,
            c.installed,
            c.target.as_deref().unwrap_or("?")
        ),
        _ => format!("Update {} packages", changes.len()),
    };
    let mut body = String::new();
    for c in changes {
        body.push_str(&format!(
            "- {} {} -> {} in {} ({})\n",
            c.package,
            c.installed,
            c.target.as_deref().unwrap_or("?"),
            c.file,
            c.advisories.join(", ")
        ));
    }
    format!(
        "{subject}\n\n{body}\nPatch records: {}\nMade by patchwarden fix.\n",
        ids.iter()
            .map(|i| format!("#{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}
