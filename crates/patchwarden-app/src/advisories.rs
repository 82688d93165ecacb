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
    /// For end-of-life data: the products imported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eol_products: Option<usize>,
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
    #[error("{source_name}: entry {entry} is not end-of-life data: {error}{more}",
        more = if *more > 0 { format!(" (and {more} more invalid entries; --skip-invalid imports the rest)") } else { String::new() })]
    InvalidEol {
        source_name: String,
        entry: String,
        error: patchwarden_eol::EolParseError,
        more: usize,
    },
    #[error("{source_name}: the KEV catalog is not valid: {error}")]
    InvalidKev {
        source_name: String,
        error: OsvParseError,
    },
}

/// Records per batch: a batch is parsed on every core while the one before it is written.
const BATCH: usize = 4096;

/// A batch for the writer: how many documents it covers, and the rows of the valid ones.
type Batch = std::result::Result<(usize, Vec<NewAdvisory>), ImportError>;

/// What the parsing side of an import saw besides the rows.
#[derive(Debug, Default)]
struct Tally {
    records: usize,
    withdrawn: usize,
    invalid_vectors: usize,
    invalid: Vec<(String, OsvParseError)>,
}

/// The parsing side of an import, on a thread of its own: inflates and parses the documents a batch at a
/// time (on every core) and sends the rows to the writer. A source error ends it; an invalid record stops
/// the sending (unless they are skipped) but not the counting, so the error can say how many more there are.
fn produce(
    data: &SourceData,
    location: &str,
    options: ImportOptions,
    writer: &tokio::sync::mpsc::Sender<Batch>,
) -> Tally {
    let mut tally = Tally::default();
    let total = data.documents.len();
    for start in (0..total).step_by(BATCH) {
        let end = total.min(start + BATCH);
        let parsed = data.documents.map_range(start..end, |document| {
            document.map(|document| {
                let advisory = patchwarden_osv::parse_advisory(&document.bytes)
                    .map_err(|e| (document.name.clone().into_owned(), e))?;
                let withdrawn = advisory.withdrawn.is_some();
                let invalid_vectors = patchwarden_osv::invalid_vectors(&advisory).len();
                Ok((
                    to_row(&advisory, document.bytes.into_owned()),
                    withdrawn,
                    invalid_vectors,
                ))
            })
        });
        let mut rows = Vec::with_capacity(parsed.len());
        for result in parsed {
            match result {
                Err(source_error) => {
                    let _ = writer.blocking_send(Err(source_error.into()));
                    return tally;
                }
                Ok(Ok((row, withdrawn, invalid_vectors))) => {
                    tally.records += 1;
                    tally.withdrawn += usize::from(withdrawn);
                    tally.invalid_vectors += invalid_vectors;
                    rows.push(row);
                }
                Ok(Err(invalid)) => tally.invalid.push(invalid),
            }
        }
        let sending = options.skip_invalid || tally.invalid.is_empty();
        if sending && writer.blocking_send(Ok((end - start, rows))).is_err() {
            return tally; // the writer stopped on an error of its own
        }
    }
    if let Some((entry, error)) = tally.invalid.first().filter(|_| !options.skip_invalid) {
        let _ = writer.blocking_send(Err(ImportError::Invalid {
            source_name: location.to_owned(),
            entry: entry.clone(),
            error: error.clone(),
            more: tally.invalid.len() - 1,
        }));
    }
    tally
}

/// The row stored for an advisory whose OSV JSON is `record`.
pub fn to_row(advisory: &Advisory, record: Vec<u8>) -> NewAdvisory {
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
        record: String::from_utf8(record)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
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
        if data.kind == SourceKind::Eol {
            return self.import_eol(source, &data, options, report).await;
        }

        // Parsing (a thread of its own, every core) runs ahead of writing (one transaction) by a batch;
        // an invalid record or any error drops the import, which rolls everything back.
        let mut import = self.store.begin_advisory_import(&source.name).await?;
        let (writer, mut batches) = tokio::sync::mpsc::channel(1);
        let location = source.location.clone();
        let total = data.documents.len();
        let parser =
            tokio::task::spawn_blocking(move || produce(&data, &location, options, &writer));
        progress.start("importing", total as u64);
        while let Some(batch) = batches.recv().await {
            let (documents, rows) = batch?;
            import.write(rows).await?;
            progress.advance(documents as u64);
        }
        progress.finish();
        let tally = match parser.await {
            Ok(tally) => tally,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => return Err(AppError::Input(format!("the import was cancelled: {e}"))),
        };
        let counts = import.counts();
        report.records = tally.records;
        report.added = counts.added;
        report.updated = counts.updated;
        report.unchanged = counts.unchanged;
        report.withdrawn = tally.withdrawn;
        report.invalid_vectors = tally.invalid_vectors;
        report.skipped = tally
            .invalid
            .into_iter()
            .map(|(entry, e)| SkippedEntry {
                entry,
                error: e.to_string(),
            })
            .collect();

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
        import.finish(&source, details, crate::SYSTEM, now).await?;
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
        let document = data
            .documents
            .first()
            .transpose()
            .map_err(ImportError::from)?;
        let bytes = document.as_ref().map_or(&[][..], |d| &d.bytes);
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
            eol_products: 0,
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
            eol_products: self.store.eol_product_count().await?,
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
    /// Products with end-of-life data.
    pub eol_products: i64,
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
