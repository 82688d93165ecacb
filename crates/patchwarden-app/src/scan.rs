//! `scan`: packages → findings. Candidates come from the store in one query; each is evaluated with the
//! OSV rules and the ecosystem's ordering; advisories that alias each other become one finding; severity
//! and due date follow the policy; the result is recorded for the asset (unless asked not to).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use patchwarden_config::IgnoreRule;
use patchwarden_core::{Policy, Severity};
use patchwarden_lockfiles::ParseContext;
use patchwarden_osv::{Verdict, evaluate};
use patchwarden_store::{Candidate, NewScan, Observation};
use patchwarden_versions::Scheme;
use serde::Serialize;

use crate::inventory::{Inventory, Located};
use crate::{App, Result, SYSTEM};

/// The JSON schema name of a scan result.
pub const SCAN_SCHEMA: &str = "patchwarden.scan/v1";

#[derive(Debug, Clone, Default)]
pub struct ScanRequest {
    /// Files and directories.
    pub paths: Vec<PathBuf>,
    /// Container images saved with `docker save` or as OCI layout tarballs.
    pub images: Vec<PathBuf>,
    /// Unpacked root filesystems.
    pub rootfs: Vec<PathBuf>,
    /// The asset the findings belong to; None: the configured asset whose scan paths contain the
    /// scanned path, else the scanned directory's name.
    pub asset: Option<String>,
    /// Record the scan and its findings (`--no-record` turns this off).
    pub record: bool,
    /// The OS ecosystem of OS package databases found (from `/etc/os-release`), when known.
    pub os_ecosystem: Option<String>,
}

/// A vulnerability in a package: one per alias group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub advisory_id: String,
    pub aliases: Vec<String>,
    pub ecosystem: String,
    pub package: String,
    pub version: String,
    /// `file:line` where the package is locked.
    pub source: String,
    /// critical, high, medium, low or unknown.
    pub severity: String,
    pub cvss_score: Option<f64>,
    pub fixed_versions: Vec<String>,
    pub kev: bool,
    pub detected_at: DateTime<Utc>,
    pub due: Option<DateTime<Utc>>,
    pub summary: Option<String>,
    pub dev: bool,
    /// The smallest fixed version above the installed one (same major where one exists), and how to get it.
    pub remediation: Option<Remediation>,
    /// The record's vulnerability key: a CVE of the group where there is one.
    pub vulnerability: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Remediation {
    pub version: String,
    pub command: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IgnoredFinding {
    pub advisory_id: String,
    pub package: String,
    pub reason: String,
    pub until: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiredIgnore {
    pub id: String,
    pub until: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnevaluatedCount {
    pub ecosystem: String,
    pub advisories: usize,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScanResult {
    pub schema: &'static str,
    pub asset: String,
    pub scanned_at: DateTime<Utc>,
    pub scan_id: Option<i64>,
    pub files: Vec<crate::inventory::InventoryFile>,
    pub packages: usize,
    pub findings: Vec<Finding>,
    pub ignored: Vec<IgnoredFinding>,
    pub expired_ignores: Vec<ExpiredIgnore>,
    pub unevaluated: Vec<UnevaluatedCount>,
    pub unpinned: Vec<UnpinnedRequirement>,
    /// Findings of this asset that earlier scans saw and this one did not.
    pub no_longer_detected: Vec<String>,
    /// Patch records this scan opened for new findings.
    pub records_opened: Vec<i64>,
    /// Components (OS, runtimes, databases) found or declared for the asset, with their end-of-life
    /// status; an `unsupported` one is an unsupported-system finding.
    pub components: Vec<crate::eol::ComponentStatus>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnpinnedRequirement {
    pub file: String,
    pub line: u32,
    pub requirement: String,
}

impl ScanResult {
    /// Findings at or above `threshold`, unsupported systems included (unknown severities count as
    /// below every threshold).
    pub fn count_at_or_above(&self, threshold: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity.parse::<Severity>().is_ok_and(|s| s >= threshold))
            .count()
            + self
                .components
                .iter()
                .filter(|c| c.severity.is_some_and(|s| s >= threshold))
                .count()
    }
}

/// One advisory that affects one package of the inventory.
#[derive(Debug, Clone)]
struct RawMatch<'c> {
    package: usize,
    candidate: &'c Candidate,
    fixed: Vec<String>,
}

impl App {
    pub async fn scan(&self, request: &ScanRequest) -> Result<ScanResult> {
        let mut inventory = read_inventory(request)?;
        self.add_declared_packages(request, &mut inventory)?;
        self.scan_inventory(request, inventory, self.settings.now)
            .await
    }

    /// Adds the packages the scanned asset declares as package URLs in its `components`: what cannot
    /// be scanned is still matched against the advisories, as findings of the asset.
    fn add_declared_packages(
        &self,
        request: &ScanRequest,
        inventory: &mut Inventory,
    ) -> Result<()> {
        let name = self.asset_for(request);
        let Some(asset) = self.settings.config.assets.iter().find(|a| a.name == name) else {
            return Ok(());
        };
        let config = self.settings.config_source.as_ref().map_or_else(
            || "patchwarden.toml".to_owned(),
            |(p, _)| p.display().to_string(),
        );
        inventory
            .add_declared(
                &format!("{config} (asset {name} components)"),
                &asset.components,
            )
            .map_err(crate::AppError::Input)
    }

    /// Matches an inventory already read (also used for images and root filesystems).
    pub async fn scan_inventory(
        &self,
        request: &ScanRequest,
        inventory: Inventory,
        now: DateTime<Utc>,
    ) -> Result<ScanResult> {
        let policy = &self.settings.config.policy;
        let asset = self.asset_for(request);

        // Every (ecosystem, normalised name) to look up, and the packages behind each.
        let mut by_key: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (i, located) in inventory.packages.iter().enumerate() {
            let p = &located.package;
            let (eco, name) = patchwarden_osv::package_key(&p.ecosystem, &p.name);
            let base = patchwarden_osv::base_ecosystem(&eco).to_owned();
            if base != eco {
                by_key.entry((base, name.clone())).or_default().push(i);
            }
            by_key.entry((eco, name)).or_default().push(i);
        }
        let keys: Vec<(String, String)> = by_key.keys().cloned().collect();
        let candidates = self.store.advisory_candidates(&keys).await?;

        let mut matches = Vec::new();
        let mut unevaluated: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        for candidate in &candidates {
            let Some(packages) = by_key.get(&(candidate.ecosystem.clone(), candidate.name.clone()))
            else {
                continue;
            };
            let affected: patchwarden_osv::Affected =
                match serde_json::from_str(&candidate.affected) {
                    Ok(a) => a,
                    Err(e) => {
                        unevaluated
                            .entry((
                                candidate.ecosystem.clone(),
                                format!("stored record unreadable: {e}"),
                            ))
                            .or_default()
                            .insert(candidate.advisory_id.clone());
                        continue;
                    }
                };
            for &i in packages {
                let package = &inventory.packages[i].package;
                match evaluate(&affected, &package.version) {
                    Verdict::Affected { fixed } => matches.push(RawMatch {
                        package: i,
                        candidate,
                        fixed,
                    }),
                    Verdict::NotAffected => {}
                    Verdict::Unevaluable(why) => {
                        let reason = match why {
                            patchwarden_osv::Unevaluable::UnsupportedEcosystem(_) => {
                                "no version ordering for this ecosystem".to_owned()
                            }
                            patchwarden_osv::Unevaluable::InstalledVersion(e) => {
                                format!("installed version: {e}")
                            }
                            patchwarden_osv::Unevaluable::AdvisoryVersion(e) => {
                                format!("advisory version: {e}")
                            }
                        };
                        unevaluated
                            .entry((candidate.ecosystem.clone(), reason))
                            .or_default()
                            .insert(candidate.advisory_id.clone());
                    }
                }
            }
        }

        let today = now.date_naive();
        let mut findings = Vec::new();
        let mut ignored = Vec::new();
        for group in group_aliases(&matches) {
            let finding = build_finding(&inventory, &group, policy, now);
            match applicable_ignore(&self.settings.config.ignore, &finding, today) {
                Some(rule) => ignored.push(IgnoredFinding {
                    advisory_id: finding.advisory_id.clone(),
                    package: finding.package.clone(),
                    reason: rule.reason.clone(),
                    until: rule.until,
                }),
                None => findings.push(finding),
            }
        }
        // One finding per vulnerability and package version, however many files lock it.
        findings.sort_by(|a, b| {
            (
                &a.vulnerability,
                &a.ecosystem,
                &a.package,
                &a.version,
                &a.source,
            )
                .cmp(&(
                    &b.vulnerability,
                    &b.ecosystem,
                    &b.package,
                    &b.version,
                    &b.source,
                ))
        });
        findings.dedup_by(|b, a| {
            a.vulnerability == b.vulnerability
                && a.ecosystem == b.ecosystem
                && a.package == b.package
                && a.version == b.version
        });

        let expired_ignores = self
            .settings
            .config
            .ignore
            .iter()
            .filter_map(|r| {
                r.until.filter(|u| *u < today).map(|until| ExpiredIgnore {
                    id: r.id.clone(),
                    until,
                })
            })
            .collect();

        let observations: Vec<Observation> = findings.iter().map(observation).collect();
        let scan = NewScan {
            asset: asset.clone(),
            started_at: now,
            targets: inventory.files.iter().map(|f| f.path.clone()).collect(),
            packages: inventory.packages.len() as i64,
            unevaluated: unevaluated.values().map(|s| s.len() as i64).sum(),
        };
        let mut records_opened = Vec::new();
        let (scan_id, no_longer_detected) = if request.record {
            let recorded = self
                .store
                .record_scan(&scan, &observations, &policy.targets, SYSTEM)
                .await?;
            // First detection wins: take the stored dates.
            for (finding, stored) in findings.iter_mut().zip(&recorded.findings) {
                finding.detected_at = stored.detected_at;
                finding.due = stored.due_at;
            }
            // A new finding opens a patch record; one whose vulnerability has an open record joins it.
            let opened = self.open_records_for(&recorded.findings).await?;
            records_opened = opened.iter().map(|r| r.id).collect();
            let gone = recorded
                .gone
                .iter()
                .map(|f| {
                    format!(
                        "{} in {}@{}",
                        f.observation.vulnerability, f.observation.package, f.observation.version
                    )
                })
                .collect();
            (Some(recorded.scan_id), gone)
        } else {
            // Not recording, but a finding seen before still shows its first detection.
            let known = self.store.findings(Some(&asset), false).await?;
            for finding in &mut findings {
                if let Some(k) = known.iter().find(|k| {
                    k.observation.vulnerability == finding.vulnerability
                        && k.observation.ecosystem == finding.ecosystem
                        && k.observation.package == finding.package
                }) {
                    finding.detected_at = k.detected_at;
                    finding.due = finding
                        .severity
                        .parse::<Severity>()
                        .ok()
                        .map(|s| policy.due_at(s, k.detected_at));
                }
            }
            (None, Vec::new())
        };

        // Most urgent first.
        findings.sort_by(|a, b| {
            severity_rank(&b.severity)
                .cmp(&severity_rank(&a.severity))
                .then_with(|| a.package.cmp(&b.package))
                .then_with(|| a.advisory_id.cmp(&b.advisory_id))
        });
        let mut warnings = Vec::new();
        if let Some(w) = self.advisory_staleness_warning().await? {
            warnings.push(w);
        }
        let components = self.components_of(&asset, &inventory).await?;
        if components.iter().any(|c| c.status == "no-data") {
            warnings.push(
                "some components have no end-of-life data; run `patchwarden db sync` or import it with `patchwarden db import`"
                    .to_owned(),
            );
        }
        Ok(ScanResult {
            schema: SCAN_SCHEMA,
            asset,
            scanned_at: now,
            scan_id,
            packages: inventory.packages.len(),
            unpinned: inventory
                .unpinned
                .iter()
                .map(|(file, u)| UnpinnedRequirement {
                    file: file.clone(),
                    line: u.line,
                    requirement: u.requirement.clone(),
                })
                .collect(),
            files: inventory.files,
            findings,
            ignored,
            expired_ignores,
            unevaluated: unevaluated
                .into_iter()
                .map(|((ecosystem, reason), ids)| UnevaluatedCount {
                    ecosystem,
                    advisories: ids.len(),
                    reason,
                })
                .collect(),
            no_longer_detected,
            records_opened,
            components,
            warnings,
        })
    }

    /// The components of a scan: what its files declare, the OS and runtimes its OS packages show, and
    /// the components declared for its asset in the config; each once, assessed.
    pub(crate) async fn components_of(
        &self,
        asset: &str,
        inventory: &crate::inventory::Inventory,
    ) -> Result<Vec<crate::eol::ComponentStatus>> {
        let mut found: Vec<(Option<String>, patchwarden_eol::Component)> = Vec::new();
        let mut push = |c: patchwarden_eol::Component| {
            if !found
                .iter()
                .any(|(_, f)| f.product == c.product && f.version == c.version)
            {
                found.push((Some(asset.to_owned()), c));
            }
        };
        inventory.components.iter().cloned().for_each(&mut push);
        let is_os = |e: &str| {
            ["Debian", "Ubuntu", "Alpine"]
                .iter()
                .any(|os| e.starts_with(os))
        };
        for located in inventory
            .packages
            .iter()
            .filter(|l| is_os(&l.package.ecosystem))
        {
            let p = &located.package;
            let source = inventory.source(located);
            if let Some(c) = patchwarden_eol::from_os_ecosystem(&p.ecosystem, &source) {
                push(c);
            }
            if let Some(c) = patchwarden_eol::from_os_package(&p.name, &p.version, &source) {
                push(c);
            }
        }
        for (owner, c) in self.declared_components() {
            if owner == asset {
                push(c);
            }
        }
        self.assess_components(&found).await
    }

    /// The asset a scan's findings belong to.
    fn asset_for(&self, request: &ScanRequest) -> String {
        if let Some(asset) = &request.asset {
            return asset.clone();
        }
        let configured = self.settings.config.assets.iter().find(|a| {
            request.paths.iter().any(|p| {
                a.scan.iter().any(|s| {
                    let s = std::path::Path::new(s);
                    p.starts_with(s) || s.starts_with(p)
                })
            })
        });
        if let Some(a) = configured {
            return a.name.clone();
        }
        // Only images or root filesystems: the first one's name (`app.tar` → `app`).
        if request.paths.is_empty() {
            let named = request
                .images
                .first()
                .and_then(|i| i.file_stem())
                .or_else(|| request.rootfs.first().and_then(|r| r.file_name()));
            if let Some(name) = named {
                return name.to_string_lossy().into_owned();
            }
        }
        let first = request
            .paths
            .first()
            .cloned()
            .unwrap_or_else(|| PathBuf::from("."));
        let dir = if first.is_dir() {
            first
        } else {
            first.parent().map(|p| p.to_owned()).unwrap_or_default()
        };
        std::fs::canonicalize(&dir)
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "default".to_owned())
    }
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// Reads everything a request names — paths, root filesystems, images — into one inventory.
pub fn read_inventory(request: &ScanRequest) -> Result<Inventory> {
    let ctx = ParseContext {
        os_ecosystem: request.os_ecosystem.clone(),
    };
    let mut inventory = Inventory::default();
    for path in &request.paths {
        let result = if path.is_dir() {
            inventory.add_dir(path, &ctx)
        } else {
            inventory.add_file(path, &path.display().to_string(), None, &ctx)
        };
        result.map_err(|e| crate::AppError::Inventory(Box::new(e)))?;
    }
    // Root filesystems and images add to the same inventory; each one's OS packages take the
    // ecosystem of its own os-release.
    for root in &request.rootfs {
        crate::image::add_rootfs(&mut inventory, root, &ctx)
            .map_err(|e| crate::AppError::Image(Box::new(e)))?;
    }
    for image in &request.images {
        crate::image::add_image(&mut inventory, image, &ctx)
            .map_err(|e| crate::AppError::Image(Box::new(e)))?;
    }
    Ok(inventory)
}

/// Groups the matches of each package by alias: two advisories are one vulnerability when one names the
/// other, or both name a common alias (a GHSA and a PYSEC for one CVE).
fn group_aliases<'a, 'c>(matches: &'a [RawMatch<'c>]) -> Vec<Vec<&'a RawMatch<'c>>> {
    let mut by_package: BTreeMap<usize, Vec<&RawMatch>> = BTreeMap::new();
    for m in matches {
        by_package.entry(m.package).or_default().push(m);
    }
    let mut groups = Vec::new();
    for (_, ms) in by_package {
        // Union-find over the matches of this package, joined by any shared name.
        let mut parent: Vec<usize> = (0..ms.len()).collect();
        fn find(parent: &mut [usize], i: usize) -> usize {
            let mut r = i;
            while parent[r] != r {
                r = parent[r];
            }
            let mut i = i;
            while parent[i] != r {
                let next = parent[i];
                parent[i] = r;
                i = next;
            }
            r
        }
        let mut owner: HashMap<&str, usize> = HashMap::new();
        for (i, m) in ms.iter().enumerate() {
            let names = std::iter::once(m.candidate.advisory_id.as_str())
                .chain(m.candidate.aliases.iter().map(String::as_str));
            for name in names {
                match owner.get(name) {
                    Some(&j) => {
                        let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                        parent[a] = b;
                    }
                    None => {
                        owner.insert(name, i);
                    }
                }
            }
        }
        let mut grouped: BTreeMap<usize, Vec<&RawMatch>> = BTreeMap::new();
        for (i, m) in ms.iter().enumerate() {
            let root = find(&mut parent, i);
            grouped.entry(root).or_default().push(m);
        }
        groups.extend(grouped.into_values());
    }
    groups
}

fn build_finding(
    inventory: &Inventory,
    group: &[&RawMatch],
    policy: &Policy,
    now: DateTime<Utc>,
) -> Finding {
    let located: &Located = &inventory.packages[group[0].package];
    let package = &located.package;
    let mut ids: Vec<&str> = group
        .iter()
        .map(|m| m.candidate.advisory_id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let advisory_id = ids[0].to_owned();
    let mut aliases: BTreeSet<String> = group
        .iter()
        .flat_map(|m| std::iter::once(&m.candidate.advisory_id).chain(&m.candidate.aliases))
        .cloned()
        .collect();
    aliases.remove(&advisory_id);
    let vulnerability = std::iter::once(advisory_id.as_str())
        .chain(aliases.iter().map(String::as_str))
        .filter(|n| n.starts_with("CVE-"))
        .min()
        .unwrap_or(&advisory_id)
        .to_owned();

    let kev = group.iter().any(|m| m.candidate.known_exploited);
    let cvss_score = group
        .iter()
        .filter_map(|m| m.candidate.severity_score)
        .max_by(f64::total_cmp);
    let label = group
        .iter()
        .filter_map(|m| m.candidate.severity_label.as_deref())
        .filter_map(|l| l.parse::<Severity>().ok())
        .max();
    let severity = policy
        .severity_for(cvss_score, kev)
        .or(if cvss_score.is_none() { label } else { None });

    let scheme = Scheme::for_ecosystem(&package.ecosystem);
    let mut fixed: Vec<String> = group.iter().flat_map(|m| m.fixed.iter().cloned()).collect();
    sort_versions(scheme, &mut fixed);
    let remediation = remediation(
        scheme,
        &package.ecosystem,
        &package.name,
        &package.version,
        &fixed,
    );
    let summary = group.iter().find_map(|m| m.candidate.summary.clone());
    Finding {
        advisory_id,
        aliases: aliases.into_iter().collect(),
        ecosystem: package.ecosystem.clone(),
        package: package.name.clone(),
        version: package.version.clone(),
        source: inventory.source(located),
        severity: severity.map_or("unknown", Severity::as_str).to_owned(),
        cvss_score,
        fixed_versions: fixed,
        kev,
        detected_at: now,
        due: severity.map(|s| policy.due_at(s, now)),
        summary,
        dev: package.dev,
        remediation,
        vulnerability,
    }
}

/// Sorts and de-duplicates versions by the ecosystem's order (text order when it has none).
fn sort_versions(scheme: Option<Scheme>, versions: &mut Vec<String>) {
    match scheme {
        Some(s) => {
            let mut parsed: Vec<_> = versions.drain(..).map(|v| (s.parse(&v).ok(), v)).collect();
            parsed.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
            parsed.dedup_by(|a, b| a.1 == b.1 || (a.0.is_some() && a.0 == b.0));
            versions.extend(parsed.into_iter().map(|(_, v)| v));
        }
        None => {
            versions.sort();
            versions.dedup();
        }
    }
}

/// The leading number of a version ("v1.2.3" → 1, "2:1.0-1" → 2's epoch is ignored → 1).
fn major(version: &str) -> Option<u64> {
    let v = version.trim_start_matches('v');
    let v = v.split_once(':').map_or(v, |(_, rest)| rest);
    let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The smallest fixed version, preferring one of the installed major (a smaller upgrade), and the
/// command that applies it.
fn remediation(
    scheme: Option<Scheme>,
    ecosystem: &str,
    name: &str,
    installed: &str,
    fixed: &[String],
) -> Option<Remediation> {
    let _ = scheme;
    let same_major = fixed
        .iter()
        .find(|f| major(f).is_some() && major(f) == major(installed));
    let version = same_major.or_else(|| fixed.first())?.clone();
    let command = match patchwarden_osv::base_ecosystem(ecosystem) {
        "npm" => format!("npm install {name}@{version}"),
        "PyPI" => format!("poetry add {name}@^{version}  # or: pip install '{name}=={version}'"),
        "crates.io" => format!("cargo update -p {name} --precise {version}"),
        "Go" => format!(
            "go get {name}@{}",
            if version.starts_with('v') {
                version.clone()
            } else {
                format!("v{version}")
            }
        ),
        "RubyGems" => format!("bundle update --conservative {name}"),
        "Packagist" => format!("composer require {name}:^{version}"),
        "Debian" | "Ubuntu" => format!("apt-get install --only-upgrade {name}"),
        "Alpine" => format!("apk add --upgrade {name}"),
        "Maven" => format!("set {name} to {version} in pom.xml / build.gradle"),
        "NuGet" => format!("dotnet add package {name} --version {version}"),
        _ => format!("upgrade {name} to {version}"),
    };
    Some(Remediation { version, command })
}

fn applicable_ignore<'r>(
    rules: &'r [IgnoreRule],
    f: &Finding,
    today: NaiveDate,
) -> Option<&'r IgnoreRule> {
    ignore_rule_for(rules, &f.advisory_id, &f.aliases, &f.package, today)
}

/// The configured ignore rule, still in force `today`, for a vulnerability (by any of its names) in a
/// package.
pub(crate) fn ignore_rule_for<'r>(
    rules: &'r [IgnoreRule],
    advisory_id: &str,
    aliases: &[String],
    package: &str,
    today: NaiveDate,
) -> Option<&'r IgnoreRule> {
    rules.iter().find(|r| {
        (r.id == advisory_id || aliases.contains(&r.id))
            && r.package.as_ref().is_none_or(|p| p == package)
            && r.until.is_none_or(|u| u >= today)
    })
}

fn observation(f: &Finding) -> Observation {
    let mut advisory_ids = vec![f.advisory_id.clone()];
    advisory_ids.extend(f.aliases.iter().filter(|a| !a.starts_with("CVE-")).cloned());
    Observation {
        vulnerability: f.vulnerability.clone(),
        ecosystem: f.ecosystem.clone(),
        package: f.package.clone(),
        version: f.version.clone(),
        advisory_ids,
        aliases: f.aliases.clone(),
        severity: f.severity.parse().ok(),
        cvss_score: f.cvss_score,
        kev: f.kev,
        fixed_versions: f.fixed_versions.clone(),
        source: f.source.clone(),
        summary: f.summary.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_major_is_preferred_for_the_fix() {
        let fixed = vec!["2.2.28".to_owned(), "3.2.13".to_owned(), "4.0.4".to_owned()];
        let r =
            remediation(Some(Scheme::Pep440), "PyPI", "django", "3.2.1", &fixed).expect("a fix");
        assert_eq!(r.version, "3.2.13");
        let r = remediation(Some(Scheme::Pep440), "PyPI", "django", "1.11", &fixed).expect("a fix");
        assert_eq!(r.version, "2.2.28", "no fix in major 1: the smallest");
        let r = remediation(
            Some(Scheme::SemVer),
            "crates.io",
            "time",
            "0.1.0",
            &["0.2.23".into()],
        )
        .expect("a fix");
        assert_eq!(r.command, "cargo update -p time --precise 0.2.23");
        assert_eq!(remediation(None, "Hex", "x", "1", &[]), None);
    }

    #[test]
    fn versions_sort_by_the_ecosystem_order() {
        let mut v = vec![
            "1.10".to_owned(),
            "1.9".to_owned(),
            "1.9.0".to_owned(),
            "1.2rc1".to_owned(),
        ];
        sort_versions(Some(Scheme::Pep440), &mut v);
        assert_eq!(v, ["1.2rc1", "1.9", "1.10"]);
    }

    #[test]
    fn majors_ignore_prefixes_and_epochs() {
        assert_eq!(major("v1.2.3"), Some(1));
        assert_eq!(major("2:1.0-1"), Some(1));
        assert_eq!(major("abc"), None);
    }
}
