//! `import`: another tool's report → findings of an asset. Each reported vulnerability is grouped with
//! the advisory database's aliases (so it joins patchwarden's own finding of the same vulnerability),
//! given a severity (the report's CVSS or label, else the database's), and recorded with the tool as
//! its source: a later import of the same tool marks gone only what that tool reported.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use patchwarden_core::Severity;
use patchwarden_imports::{Format, Imported};
use patchwarden_store::{NewScan, Observation, StoredFinding};
use serde::Serialize;

use crate::{App, AppError, Result, SYSTEM};

/// The JSON schema name of an import result.
pub const IMPORT_SCHEMA: &str = "patchwarden.import/v1";

/// The public GitHub REST API, where Dependabot alerts are fetched from unless configured otherwise.
pub const GITHUB_API_URL: &str = "https://api.github.com";

#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// What the report is called in messages and records: its path, or `dependabot:OWNER/REPO`.
    pub name: String,
    pub text: String,
    /// None: detected from the content.
    pub format: Option<Format>,
    pub asset: String,
    /// Record the findings (`--no-record` turns this off).
    pub record: bool,
}

/// One imported vulnerability in one package, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportedFinding {
    /// The record's vulnerability key: a CVE of the alias group where there is one.
    pub vulnerability: String,
    /// The report's id for it.
    pub advisory_id: String,
    pub aliases: Vec<String>,
    pub ecosystem: String,
    pub package: String,
    /// The installed version, or the vulnerable range where the tool reports no version.
    pub version: String,
    /// Where the report found the package.
    pub source: String,
    /// critical, high, medium, low or unknown.
    pub severity: String,
    pub cvss_score: Option<f64>,
    pub fixed_versions: Vec<String>,
    pub kev: bool,
    pub detected_at: DateTime<Utc>,
    pub due: Option<DateTime<Utc>>,
    pub summary: Option<String>,
    /// The tools that see it now (`patchwarden` for its own scans); empty when not recorded.
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportResult {
    pub schema: &'static str,
    pub asset: String,
    /// The report's tool, recorded as the findings' source.
    pub tool: &'static str,
    pub file: String,
    pub imported_at: DateTime<Utc>,
    pub scan_id: Option<i64>,
    pub findings: Vec<ImportedFinding>,
    /// Entries of the report that are not findings, and why.
    pub skipped: Vec<String>,
    pub ignored: Vec<crate::scan::IgnoredFinding>,
    /// Findings this tool reported before for the asset that no tool sees any more.
    pub no_longer_detected: Vec<String>,
    pub records_opened: Vec<i64>,
    pub warnings: Vec<String>,
}

impl ImportResult {
    /// Findings at or above `threshold` (unknown severities count as below every threshold).
    pub fn count_at_or_above(&self, threshold: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity.parse::<Severity>().is_ok_and(|s| s >= threshold))
            .count()
    }
}

impl App {
    /// Reads a report and records its findings for the asset in one transaction; a report that cannot
    /// be read changes nothing.
    pub async fn import(&self, request: &ImportRequest) -> Result<ImportResult> {
        let bad =
            |e: patchwarden_imports::ImportError| AppError::Input(format!("{}: {e}", request.name));
        let format = match request.format {
            Some(f) => f,
            None => patchwarden_imports::detect(&request.text).map_err(bad)?,
        };
        let report = patchwarden_imports::parse(&request.text, format).map_err(bad)?;
        let now = self.settings.now;
        let policy = &self.settings.config.policy;
        let asset = &request.asset;
        tracing::info!(file = %request.name, %format, items = report.items.len(), "import");

        let known = self.store.findings(Some(asset), false).await?;
        let today = now.date_naive();
        let mut findings: Vec<ImportedFinding> = Vec::new();
        let mut ignored = Vec::new();
        let mut lookups = HashMap::new();
        for item in &report.items {
            let finding = self
                .enrich(item, &request.name, &known, &mut lookups)
                .await?;
            match crate::scan::ignore_rule_for(
                &self.settings.config.ignore,
                &finding.advisory_id,
                &finding.aliases,
                &finding.package,
                today,
            ) {
                Some(rule) => ignored.push(crate::scan::IgnoredFinding {
                    advisory_id: finding.advisory_id.clone(),
                    package: finding.package.clone(),
                    reason: rule.reason.clone(),
                    until: rule.until,
                }),
                None => match findings.iter_mut().find(|f| same_finding(f, &finding)) {
                    // Two entries of one vulnerability in one package (a GHSA and a CVE of it): one finding.
                    Some(first) => absorb(first, finding),
                    None => findings.push(finding),
                },
            }
        }

        let observations: Vec<Observation> = findings.iter().map(observation).collect();
        let packages: BTreeSet<(&str, &str, &str)> = findings
            .iter()
            .map(|f| (f.ecosystem.as_str(), f.package.as_str(), f.version.as_str()))
            .collect();
        let mut records_opened = Vec::new();
        let mut no_longer_detected = Vec::new();
        let mut scan_id = None;
        if request.record {
            let run = NewScan {
                asset: asset.clone(),
                started_at: now,
                targets: vec![request.name.clone()],
                packages: packages.len() as i64,
                unevaluated: 0,
            };
            let recorded = self
                .store
                .record_run(&run, format.name(), &observations, &policy.targets, SYSTEM)
                .await?;
            for (finding, stored) in findings.iter_mut().zip(&recorded.findings) {
                apply_stored(finding, stored);
            }
            let opened = self.open_records_for(&recorded.findings).await?;
            records_opened = opened.iter().map(|r| r.id).collect();
            no_longer_detected = recorded
                .gone
                .iter()
                .map(|f| {
                    format!(
                        "{} in {}@{}",
                        f.observation.vulnerability, f.observation.package, f.observation.version
                    )
                })
                .collect();
            scan_id = Some(recorded.scan_id);
        } else {
            // Not recording, but a finding seen before still shows its first detection.
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
        }
        findings.sort_by(|a, b| {
            rank(&b.severity)
                .cmp(&rank(&a.severity))
                .then_with(|| a.package.cmp(&b.package))
                .then_with(|| a.vulnerability.cmp(&b.vulnerability))
        });
        let mut warnings = Vec::new();
        if let Some(w) = self.advisory_staleness_warning().await? {
            warnings.push(w);
        }
        Ok(ImportResult {
            schema: IMPORT_SCHEMA,
            asset: asset.clone(),
            tool: format.name(),
            file: request.name.clone(),
            imported_at: now,
            scan_id,
            findings,
            skipped: report.skipped,
            ignored,
            no_longer_detected,
            records_opened,
            warnings,
        })
    }

    /// A reported vulnerability with the advisory database's knowledge: its alias group (joined with
    /// a finding of the asset that goes by one of its names), severity and known exploitation.
    async fn enrich(
        &self,
        item: &Imported,
        file: &str,
        known: &[StoredFinding],
        lookups: &mut HashMap<String, (Vec<patchwarden_store::NamedAdvisory>, bool)>,
    ) -> Result<ImportedFinding> {
        let policy = &self.settings.config.policy;
        let mut names: BTreeSet<String> = std::iter::once(item.id.clone())
            .chain(item.aliases.iter().cloned())
            .collect();
        let mut advisories: Vec<patchwarden_store::NamedAdvisory> = Vec::new();
        let mut kev = false;
        for name in names.clone() {
            if !lookups.contains_key(&name) {
                let found = self.store.advisories_named(&name).await?;
                lookups.insert(name.clone(), found);
            }
            let (found, listed) = &lookups[&name];
            kev |= *listed;
            for a in found {
                if !advisories.iter().any(|b| b.id == a.id) {
                    advisories.push(a.clone());
                }
            }
        }
        for a in &advisories {
            names.insert(a.id.clone());
            names.extend(a.aliases.iter().cloned());
            kev |= a.known_exploited;
        }
        let (eco_key, name_key) = patchwarden_osv::package_key(&item.ecosystem, &item.package);
        // A finding of the asset in the same package that goes by one of these names is this one.
        let joined = known.iter().find(|k| {
            let o = &k.observation;
            patchwarden_osv::package_key(&o.ecosystem, &o.package)
                == (eco_key.clone(), name_key.clone())
                && std::iter::once(&o.vulnerability)
                    .chain(&o.advisory_ids)
                    .chain(&o.aliases)
                    .any(|n| names.contains(n))
        });
        let vulnerability = match joined {
            Some(k) => k.observation.vulnerability.clone(),
            None => names
                .iter()
                .filter(|n| n.starts_with("CVE-"))
                .min()
                .or(advisories.iter().map(|a| &a.id).min())
                .unwrap_or(&item.id)
                .clone(),
        };
        let package =
            joined.map_or_else(|| item.package.clone(), |k| k.observation.package.clone());

        // The report's own CVSS first, then its label, then the database's.
        let report_score = item
            .cvss_vector
            .as_deref()
            .and_then(|v| patchwarden_cvss::parse(v).ok())
            .map(|c| c.base_score())
            .or(item.cvss_score);
        let db_score = advisories
            .iter()
            .filter_map(|a| a.severity_score)
            .max_by(f64::total_cmp);
        let report_label = item
            .severity
            .as_deref()
            .and_then(|s| s.parse::<Severity>().ok());
        let db_label = advisories
            .iter()
            .filter_map(|a| a.severity_label.as_deref()?.parse::<Severity>().ok())
            .max();
        let score = report_score.or(if report_label.is_none() {
            db_score
        } else {
            None
        });
        let severity = policy
            .severity_for(score, kev)
            .or(report_label)
            .or(if score.is_none() { db_label } else { None });

        let mut aliases: Vec<String> = names.into_iter().filter(|n| n != &item.id).collect();
        aliases.sort();
        Ok(ImportedFinding {
            vulnerability,
            advisory_id: item.id.clone(),
            aliases,
            ecosystem: item.ecosystem.clone(),
            package,
            version: item.version.clone(),
            source: item.location.clone().unwrap_or_else(|| file.to_owned()),
            severity: severity.map_or("unknown", Severity::as_str).to_owned(),
            cvss_score: score,
            fixed_versions: item.fixed_versions.clone(),
            kev,
            detected_at: self.settings.now,
            due: severity.map(|s| policy.due_at(s, self.settings.now)),
            summary: item
                .summary
                .clone()
                .or_else(|| advisories.iter().find_map(|a| a.summary.clone())),
            sources: Vec::new(),
        })
    }
}

fn same_finding(a: &ImportedFinding, b: &ImportedFinding) -> bool {
    a.vulnerability == b.vulnerability && a.ecosystem == b.ecosystem && a.package == b.package
}

/// Folds a second entry of the same finding into the first: its names, and the worse severity.
fn absorb(first: &mut ImportedFinding, other: ImportedFinding) {
    let mut aliases: BTreeSet<String> = first.aliases.drain(..).collect();
    aliases.extend(other.aliases);
    aliases.insert(other.advisory_id);
    aliases.remove(&first.advisory_id);
    first.aliases = aliases.into_iter().collect();
    if rank(&other.severity) > rank(&first.severity) {
        first.severity = other.severity;
        first.cvss_score = other.cvss_score;
        first.due = other.due;
    }
    first.kev |= other.kev;
    for v in other.fixed_versions {
        if !first.fixed_versions.contains(&v) {
            first.fixed_versions.push(v);
        }
    }
}

fn apply_stored(finding: &mut ImportedFinding, stored: &StoredFinding) {
    finding.detected_at = stored.detected_at;
    finding.due = stored.due_at;
    finding.severity = stored
        .observation
        .severity
        .map_or("unknown", Severity::as_str)
        .to_owned();
    finding.sources = stored.sources.clone();
}

fn rank(severity: &str) -> u8 {
    severity.parse::<Severity>().map_or(0, |s| s as u8 + 1)
}

fn observation(f: &ImportedFinding) -> Observation {
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

/// Where Dependabot alerts are fetched from.
#[derive(Debug, Clone)]
pub struct DependabotSource {
    /// The REST API's base URL.
    pub api_url: String,
    /// `OWNER/REPO`.
    pub repository: String,
    pub token: String,
}

/// Fetches a repository's open Dependabot alerts (every page) as one JSON array, the way the REST API
/// returns them.
pub fn fetch_dependabot_alerts(source: &DependabotSource) -> Result<String> {
    const PAGE_LIMIT: u64 = 32 * 1024 * 1024;
    let client = patchwarden_fetch::Client::new();
    let authorization = format!("Bearer {}", source.token);
    let headers = [
        ("Accept", "application/vnd.github+json"),
        ("X-GitHub-Api-Version", "2022-11-28"),
        ("Authorization", authorization.as_str()),
    ];
    let mut url = Some(format!(
        "{}/repos/{}/dependabot/alerts?state=open&per_page=100",
        source.api_url.trim_end_matches('/'),
        source.repository
    ));
    let mut alerts = Vec::new();
    let mut pages = 0;
    while let Some(current) = url.take() {
        pages += 1;
        if pages > 1000 {
            return Err(AppError::Fetch(format!(
                "GET {current}: more than 1000 pages; stopping"
            )));
        }
        let page = client
            .get_api(&current, &headers, PAGE_LIMIT)
            .map_err(|e| AppError::Fetch(e.to_string()))?;
        match page.status {
            200 => {}
            401 | 403 => {
                return Err(AppError::Fetch(format!(
                    "GET {current}: the server answered {}: the token is missing the security_events (or Dependabot alerts) read permission, or is not valid",
                    page.status
                )));
            }
            status => {
                return Err(AppError::Fetch(format!(
                    "GET {current}: the server answered {status}"
                )));
            }
        }
        match serde_json::from_str::<serde_json::Value>(&page.body) {
            Ok(serde_json::Value::Array(items)) => alerts.extend(items),
            Ok(_) => {
                return Err(AppError::Fetch(format!(
                    "GET {current}: the answer is not a JSON array of alerts"
                )));
            }
            Err(e) => {
                return Err(AppError::Fetch(format!(
                    "GET {current}: the answer is not JSON: {e}"
                )));
            }
        }
        url = page
            .link
            .as_deref()
            .and_then(patchwarden_fetch::next_link)
            .map(str::to_owned);
    }
    serde_json::to_string(&alerts).map_err(|e| AppError::Fetch(e.to_string()))
}
