//! The advisory database as a use case: import a source all-or-nothing, mark known-exploited
//! vulnerabilities from the KEV catalog, and say how current the data is.

use std::path::Path;

use chrono::{DateTime, Utc};
use patchwarden_osv::{Advisory, AdvisorySeverity, OsvParseError};
use patchwarden_store::{AdvisorySource, KevRow, NewAdvisory};
use serde::Serialize;

use crate::sources::{self, SourceData, SourceError, SourceKind};
use crate::{App, AppError, Result};

/// Reports the progress of long work (the CLI draws a progress bar; tests and the server ignore it).
pub trait Progress: Sync {
    fn start(&self, _what: &str, _total: u64) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}

/// Progress nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;
impl Progress for NoProgress {}

#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Import the valid records of a source and list the invalid ones, instead of refusing the source.
    pub skip_invalid: bool,
}

/// A record that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedEntry {
    pub entry: String,
    pub error: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub source: String,
    pub kind: String,
    /// The source is byte-for-byte what was imported last time: nothing was read.
    pub unchanged_source: bool,
    pub records: usize,
    pub added: usize,
    pub updated: usize,
    /// Stored already with the same or a newer `modified`.
    pub unchanged: usize,
    pub withdrawn: usize,
    pub skipped: Vec<SkippedEntry>,
    /// Severity vectors that did not parse (the advisory falls back to its label, if any).
    pub invalid_vectors: usize,
    /// For the KEV catalog: entries, and stored advisories now known to be exploited.
    pub kev_entries: Option<usize>,
    pub known_exploited: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("{source_name}: entry {entry} is not valid OSV: {error}{more}",
        more = if *more > 0 { format!(" (and {more} more invalid entries; --skip-invalid imports the rest)") } else { String::new() })]
    Invalid {
        source_name: String,
        entry: String,
        error: OsvParseError,
        more: usize,
    },
    #[error("{source_name}: the KEV catalog is not valid: {error}")]
    InvalidKev {
        source_name: String,
        error: OsvParseError,
    },
}

/// One parsed record, or why not.
type Parsed = std::result::Result<Advisory, (String, OsvParseError)>;

/// Maps `items` on every core (up to 8 threads), keeping their order.
fn par_map<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if threads == 1 || items.len() < 64 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads).max(1);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<U>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for handle in handles {
            match handle.join() {
                Ok(part) => out.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// Parses all entries on every core: JSON parsing is most of an import's work.
fn parse_all(entries: &[(String, Vec<u8>)], progress: &dyn Progress) -> Vec<Parsed> {
    progress.start("parsing", entries.len() as u64);
    let parsed = par_map(entries, |(name, bytes)| {
        let parsed = patchwarden_osv::parse_advisory(bytes).map_err(|e| (name.clone(), e));
        progress.advance(1);
        parsed
    });
    progress.finish();
    parsed
}

/// The row stored for an advisory.
pub fn to_row(advisory: &Advisory, record: &[u8]) -> NewAdvisory {
    let severity = patchwarden_osv::advisory_severity(advisory);
    let (vector, version, score, label) = match severity {
        Some(AdvisorySeverity::Cvss {
            version,
            vector,
            score,
        }) => (Some(vector), Some(version), Some(score), None),
        Some(AdvisorySeverity::Label { label, .. }) => (None, None, None, Some(label)),
        None => (None, None, None, None),
    };
    let packages = advisory
        .affected
        .iter()
        .filter_map(|affected| {
            let package = affected.package.as_ref()?;
            let (ecosystem, name) = patchwarden_osv::package_key(&package.ecosystem, &package.name);
            // What matching needs: the package, ranges and versions.
            let compact = patchwarden_osv::Affected {
                ecosystem_specific: None,
                database_specific: None,
                ..affected.clone()
            };
            Some((ecosystem, name, serde_json::to_string(&compact).ok()?))
        })
        .collect();
    NewAdvisory {
        id: advisory.id.clone(),
        modified: advisory.modified.trunc_micros(),
        published: advisory.published.map(TruncMicros::trunc_micros),
        withdrawn: advisory.withdrawn.map(TruncMicros::trunc_micros),
        summary: advisory.summary.clone(),
        aliases: advisory.aliases.clone(),
        related: advisory.related.clone(),
        upstream: advisory.upstream.clone(),
        severity_vector: vector,
        severity_version: version,
        severity_score: score,
        severity_label: label,
        record: String::from_utf8_lossy(record).into_owned(),
        packages,
    }
}

impl App {
    /// Imports one file or directory given on the command line.
    pub async fn import_path(
        &self,
        path: &Path,
        options: ImportOptions,
        progress: &dyn Progress,
    ) -> Result<ImportReport> {
        let location = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        let name = format!("file:{}", location.display());
        let mut source = AdvisorySource {
            name,
            location: location.display().to_string(),
            ..AdvisorySource::default()
        };
        // Cheap check first: an unchanged file is hashed, not inflated or parsed.
        let data = if std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
            let bytes = std::fs::read(path)
                .map_err(|source| SourceError::Io {
                    path: path.to_owned(),
                    source,
                })
                .map_err(ImportError::from)?;
            let sha256 = crate::sha256_hex(&bytes);
            if let Some(report) = self.skip_unchanged(&mut source, &sha256).await? {
                return Ok(report);
            }
            sources::read_hashed(path, bytes, sha256).map_err(ImportError::from)?
        } else {
            sources::read_path(path).map_err(ImportError::from)?
        };
        source.kind = data.kind.as_str().to_owned();
        self.import_source(source, data, options, progress).await
    }

    /// Imports a source's documents all-or-nothing: every record is parsed before anything is written,
    /// and the write is one transaction.
    pub async fn import_source(
        &self,
        mut source: AdvisorySource,
        data: SourceData,
        options: ImportOptions,
        progress: &dyn Progress,
    ) -> Result<ImportReport> {
        let now = self.settings.now;
        source.kind = data.kind.as_str().to_owned();
        if let Some(report) = self.skip_unchanged(&mut source, &data.sha256).await? {
            return Ok(report);
        }
        source.sha256 = Some(data.sha256.clone());
        let mut report = ImportReport {
            source: source.name.clone(),
            kind: source.kind.clone(),
            ..ImportReport::default()
        };
        if data.kind == SourceKind::Kev {
            return self.import_kev(source, &data, report).await;
        }

        let parsed = parse_all(&data.entries, progress);
        let mut advisories = Vec::with_capacity(parsed.len());
        let mut invalid = Vec::new();
        for (result, (_, bytes)) in parsed.into_iter().zip(&data.entries) {
            match result {
                Ok(a) => advisories.push((a, bytes)),
                Err(e) => invalid.push(e),
            }
        }
        if let Some((entry, error)) = invalid.first().filter(|_| !options.skip_invalid) {
            return Err(ImportError::Invalid {
                source_name: source.location.clone(),
                entry: entry.clone(),
                error: error.clone(),
                more: invalid.len() - 1,
            }
            .into());
        }
        report.skipped = invalid
            .into_iter()
            .map(|(entry, e)| SkippedEntry {
                entry,
                error: e.to_string(),
            })
            .collect();
        report.records = advisories.len();

        let ids: Vec<&str> = advisories.iter().map(|(a, _)| a.id.as_str()).collect();
        let stored = self.store.advisory_modified_of(&ids).await?;
        let mut changed = Vec::new();
        for (advisory, bytes) in &advisories {
            report.invalid_vectors += patchwarden_osv::invalid_vectors(advisory).len();
            report.withdrawn += usize::from(advisory.withdrawn.is_some());
            match stored.get(&advisory.id) {
                Some(modified) if *modified >= advisory.modified.trunc_micros() => {
                    report.unchanged += 1
                }
                Some(_) => {
                    report.updated += 1;
                    changed.push((advisory, *bytes));
                }
                None => {
                    report.added += 1;
                    changed.push((advisory, *bytes));
                }
            }
        }
        let mut rows = par_map(&changed, |(advisory, bytes)| to_row(advisory, bytes));
        // The same id twice in one source: keep the newest.
        rows.sort_by(|a, b| a.id.cmp(&b.id).then(b.modified.cmp(&a.modified)));
        rows.dedup_by(|later, first| later.id == first.id);

        source.advisories = report.records as i64;
        source.imported_at = Some(now);
        let details = serde_json::json!({
            "source": source.location,
            "kind": source.kind,
            "sha256": source.sha256,
            "records": report.records,
            "added": report.added,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "skipped": report.skipped.len(),
        });
        progress.start("storing", rows.len() as u64);
        self.store
            .import_advisories(&source, &rows, details, crate::SYSTEM, now)
            .await?;
        progress.finish();
        Ok(report)
    }

    /// When the source's content (`sha256`) is what was imported last time: records the check and
    /// returns the report of an unchanged source.
    async fn skip_unchanged(
        &self,
        source: &mut AdvisorySource,
        sha256: &str,
    ) -> Result<Option<ImportReport>> {
        let previous = self.store.advisory_source(&source.name).await?;
        let Some(prev) =
            previous.filter(|p| p.sha256.as_deref() == Some(sha256) && p.imported_at.is_some())
        else {
            return Ok(None);
        };
        if source.kind.is_empty() {
            source.kind = prev.kind.clone();
        }
        source.sha256 = Some(sha256.to_owned());
        source.advisories = prev.advisories;
        source.imported_at = prev.imported_at;
        self.store
            .touch_advisory_source(source, self.settings.now)
            .await?;
        Ok(Some(ImportReport {
            source: source.name.clone(),
            kind: source.kind.clone(),
            unchanged_source: true,
            records: prev.advisories as usize,
            ..ImportReport::default()
        }))
    }

    async fn import_kev(
        &self,
        mut source: AdvisorySource,
        data: &SourceData,
        mut report: ImportReport,
    ) -> Result<ImportReport> {
        let bytes = data
            .entries
            .first()
            .map(|(_, b)| b.as_slice())
            .unwrap_or_default();
        let catalog =
            patchwarden_osv::parse_kev(bytes).map_err(|error| ImportError::InvalidKev {
                source_name: source.location.clone(),
                error,
            })?;
        let rows: Vec<KevRow> = catalog
            .vulnerabilities
            .iter()
            .map(|v| KevRow {
                cve_id: v.cve_id.clone(),
                vendor_project: v.vendor_project.clone(),
                product: v.product.clone(),
                name: v.vulnerability_name.clone(),
                date_added: v.date_added.clone(),
                due_date: v.due_date.clone(),
                ransomware: v.known_ransomware_campaign_use.clone(),
            })
            .collect();
        let now = self.settings.now;
        source.advisories = rows.len() as i64;
        source.imported_at = Some(now);
        let details = serde_json::json!({
            "source": source.location,
            "catalog_version": catalog.catalog_version,
            "sha256": source.sha256,
            "entries": rows.len(),
        });
        self.store
            .import_kev(&source, &rows, details, crate::SYSTEM, now)
            .await?;
        report.records = rows.len();
        report.kev_entries = Some(rows.len());
        report.known_exploited = Some(self.store.known_exploited_count().await?);
        Ok(report)
    }

    /// The warning `scan` repeats when the advisory data is stale: what [`AdvisoryStatus`] says, from
    /// the sources alone (counting advisories per ecosystem reads every row: too slow for a scan).
    pub async fn advisory_staleness_warning(&self) -> Result<Option<String>> {
        let sources = self.store.advisory_sources().await?;
        let (last_update, stale) = self.staleness(&sources);
        let status = AdvisoryStatus {
            ecosystems: Vec::new(),
            sources: Vec::new(),
            kev_entries: 0,
            known_exploited: 0,
            last_update,
            stale,
            scan_cadence: self.settings.config.policy.scan_cadence.to_string(),
        };
        Ok(status.staleness_warning())
    }

    /// When any source was last imported or checked, and whether that is older than the scan cadence.
    fn staleness(&self, sources: &[AdvisorySource]) -> (Option<DateTime<Utc>>, bool) {
        let last_update = sources.iter().filter_map(|s| s.checked_at).max();
        let cadence = self.settings.config.policy.scan_cadence;
        let stale = match last_update {
            None => true,
            Some(at) => self.settings.now - at > cadence.to_chrono(),
        };
        (last_update, stale)
    }

    /// How current the advisory data is.
    pub async fn advisory_status(&self) -> Result<AdvisoryStatus> {
        let ecosystems = self.store.advisory_counts().await?;
        let sources = self.store.advisory_sources().await?;
        let (last_update, stale) = self.staleness(&sources);
        let cadence = self.settings.config.policy.scan_cadence;
        Ok(AdvisoryStatus {
            ecosystems: ecosystems
                .into_iter()
                .map(|e| EcosystemStatus {
                    ecosystem: e.ecosystem,
                    advisories: e.advisories,
                    newest_modified: e.newest_modified,
                })
                .collect(),
            sources: sources
                .into_iter()
                .map(|s| SourceStatus {
                    name: s.name,
                    kind: s.kind,
                    records: s.advisories,
                    imported_at: s.imported_at,
                    checked_at: s.checked_at,
                })
                .collect(),
            kev_entries: self.store.kev_count().await?,
            known_exploited: self.store.known_exploited_count().await?,
            last_update,
            stale,
            scan_cadence: cadence.to_string(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdvisoryStatus {
    pub ecosystems: Vec<EcosystemStatus>,
    pub sources: Vec<SourceStatus>,
    pub kev_entries: i64,
    pub known_exploited: i64,
    /// When any source was last imported or checked.
    pub last_update: Option<DateTime<Utc>>,
    /// No update within the policy's scan cadence.
    pub stale: bool,
    pub scan_cadence: String,
}

impl AdvisoryStatus {
    /// The warning `db status` and `scan` print when the data is stale.
    pub fn staleness_warning(&self) -> Option<String> {
        if !self.stale {
            return None;
        }
        Some(match self.last_update {
            None => "no advisory data has been imported; run `patchwarden db import` or `patchwarden db sync`".to_owned(),
            Some(at) => format!(
                "advisory data was last updated {} — older than the policy's scan cadence ({}); run `patchwarden db sync`",
                at.format("%Y-%m-%d %H:%M UTC"),
                self.scan_cadence
            ),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EcosystemStatus {
    pub ecosystem: String,
    pub advisories: i64,
    pub newest_modified: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceStatus {
    pub name: String,
    pub kind: String,
    pub records: i64,
    pub imported_at: Option<DateTime<Utc>>,
    pub checked_at: Option<DateTime<Utc>>,
}

/// Microsecond precision, as the databases keep it, so "unchanged" compares like with like.
trait TruncMicros {
    fn trunc_micros(self) -> Self;
}
impl TruncMicros for DateTime<Utc> {
    fn trunc_micros(self) -> Self {
        use chrono::SubsecRound;
        self.trunc_subsecs(6)
    }
}

impl From<ImportError> for AppError {
    fn from(e: ImportError) -> Self {
        AppError::Import(Box::new(e))
    }
}
