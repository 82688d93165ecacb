//! Unsupported systems as a use case: import end-of-life data (from `db import` and `db sync`), and assess
//! components — found by a scan or declared for an asset — against it under the policy.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError};

use chrono::{DateTime, Utc};

use patchwarden_core::Severity;
use patchwarden_eol::{Assessment, Component, EolParseError, Product, Support};
use patchwarden_store::{AdvisorySource, EolProductRow};
use serde::Serialize;

use crate::advisories::{ImportError, ImportOptions, ImportReport, SkippedEntry};
use crate::sources::SourceData;
use crate::{App, Result};

/// A component and what the end-of-life data says of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentStatus {
    #[serde(flatten)]
    pub component: Component,
    /// The asset it belongs to, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    /// `supported`, `nearing-eol`, `unsupported`, `unknown-cycle`, or `no-data` (no end-of-life data for
    /// the product).
    pub status: &'static str,
    pub cycle: Option<String>,
    pub eol: Option<chrono::NaiveDate>,
    pub upgrade_to: Option<String>,
    /// The policy's severity for an unsupported system; None otherwise.
    pub severity: Option<Severity>,
}

impl ComponentStatus {
    pub fn is_unsupported(&self) -> bool {
        self.status == Support::Unsupported.as_str()
    }

    /// Past or near its end of life: what a report lists.
    pub fn needs_action(&self) -> bool {
        self.is_unsupported() || self.status == Support::NearingEol.as_str()
    }

    /// One line for people: `python 3.8 (Dockerfile:3): end of life 2024-10-07; move to 3.12`.
    pub fn describe(&self) -> String {
        let c = &self.component;
        let eol = match (self.status, self.eol) {
            ("unsupported", Some(d)) => format!("end of life since {d}"),
            ("unsupported", None) => "end of life".to_owned(),
            ("nearing-eol", Some(d)) => format!("end of life on {d}"),
            ("supported", Some(d)) => format!("supported until {d}"),
            ("supported", None) => "supported".to_owned(),
            ("unknown-cycle", _) => "not a known release cycle".to_owned(),
            _ => "no end-of-life data".to_owned(),
        };
        let upgrade = self
            .upgrade_to
            .as_ref()
            .filter(|_| self.needs_action())
            .map(|u| format!("; move to {u}"))
            .unwrap_or_default();
        format!("{} {} ({}): {eol}{upgrade}", c.product, c.version, c.source)
    }
}

/// The product name of an end-of-life document: its own, else the source's (`eol:<product>`) or the
/// entry's file name.
fn product_name(source: &str, entry: &str) -> String {
    source.strip_prefix("eol:").map_or_else(
        || {
            let file = entry.rsplit(['/', '\\']).next().unwrap_or(entry);
            file.strip_suffix(".json").unwrap_or(file).to_owned()
        },
        str::to_owned,
    )
}

impl App {
    /// Imports end-of-life documents all-or-nothing (one transaction); an invalid document refuses the
    /// source unless invalid ones are skipped.
    pub(crate) async fn import_eol(
        &self,
        mut source: AdvisorySource,
        data: &SourceData,
        options: ImportOptions,
        mut report: ImportReport,
    ) -> Result<ImportReport> {
        let parsed: Vec<std::result::Result<Product, (String, EolParseError)>> = data
            .documents
            .map_range(0..data.documents.len(), |document| {
                let document = match document {
                    Ok(d) => d,
                    Err(e) => {
                        return Err((
                            String::new(),
                            EolParseError {
                                message: e.to_string(),
                            },
                        ));
                    }
                };
                Product::parse(&document.bytes, &product_name(&source.name, &document.name))
                    .map_err(|e| (document.name.into_owned(), e))
            });
        let mut rows = Vec::new();
        let mut invalid = Vec::new();
        for result in parsed {
            match result {
                Ok(p) => rows.push(EolProductRow {
                    cycles: serde_json::to_string(&p.cycles).unwrap_or_else(|_| "[]".into()),
                    product: p.product,
                    label: p.label,
                    category: p.category,
                }),
                Err(e) => invalid.push(e),
            }
        }
        if let Some((entry, error)) = invalid.first().filter(|_| !options.skip_invalid) {
            return Err(ImportError::InvalidEol {
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
        let now = self.settings.now;
        report.records = rows.len();
        report.added = rows.len();
        report.eol_products = Some(rows.len());
        source.advisories = rows.len() as i64;
        source.imported_at = Some(now);
        let details = serde_json::json!({
            "source": source.location,
            "kind": source.kind,
            "sha256": source.sha256,
            "products": rows.len(),
            "skipped": report.skipped.len(),
        });
        self.store
            .import_eol(&source, &rows, details, crate::SYSTEM, now)
            .await?;
        Ok(report)
    }

    /// The products `db sync` fetches end-of-life data for: every product detection can name, and those of
    /// the configured assets' declared components.
    pub fn eol_products_to_sync(&self) -> Vec<String> {
        let mut products: BTreeSet<String> = patchwarden_eol::KNOWN_PRODUCTS
            .iter()
            .map(|p| (*p).to_owned())
            .collect();
        for asset in &self.settings.config.assets {
            for spec in &asset.components {
                if let Some(c) = patchwarden_eol::parse_declared(spec) {
                    products.insert(c.product);
                }
            }
        }
        products.into_iter().collect()
    }

    /// The declared components of the configured assets, with their asset.
    pub fn declared_components(&self) -> Vec<(String, Component)> {
        self.settings
            .config
            .assets
            .iter()
            .flat_map(|a| {
                a.components.iter().filter_map(|spec| {
                    let mut c = patchwarden_eol::parse_declared(spec)?;
                    c.source = format!("declared for asset {}", a.name);
                    Some((a.name.clone(), c))
                })
            })
            .collect()
    }

    /// Assesses components against the stored end-of-life data, today, under the policy.
    pub async fn assess_components(
        &self,
        components: &[(Option<String>, Component)],
    ) -> Result<Vec<ComponentStatus>> {
        let names: Vec<String> = components
            .iter()
            .map(|(_, c)| c.product.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut products = HashMap::new();
        for row in self.store.eol_products(&names).await? {
            let cycles = serde_json::from_str(&row.cycles).map_err(|e| {
                patchwarden_store::StoreError::Corrupt(format!(
                    "eol_products.cycles of {}: {e}",
                    row.product
                ))
            })?;
            products.insert(
                row.product.clone(),
                Product {
                    product: row.product,
                    label: row.label,
                    category: row.category,
                    cycles,
                },
            );
        }
        let policy = &self.settings.config.policy.unsupported;
        let today = self.settings.now.date_naive();
        let warn_days = policy.warn_before.to_chrono().num_days().max(0) as u64;
        Ok(components
            .iter()
            .map(|(asset, c)| {
                let assessment = products
                    .get(&c.product)
                    .map(|p| patchwarden_eol::assess(p, &c.version, today, warn_days));
                status_of(c.clone(), asset.clone(), assessment, policy.severity)
            })
            .collect())
    }
}

/// The components of the configured assets as [`App::unsupported_report`] finds them, kept for a while:
/// finding them reads every asset's scan targets (image tarballs included), too much for a page shown on
/// every visit, while what they say changes with a rebuild or a day, not within minutes.
#[derive(Debug, Default)]
pub struct ComponentCache {
    kept: std::sync::Mutex<Option<(std::time::Instant, Arc<Vec<ComponentStatus>>)>>,
}

impl ComponentCache {
    /// How long a reading is kept.
    pub const KEEP: std::time::Duration = std::time::Duration::from_secs(300);
}

impl App {
    /// The evidence of `report unsupported`: every component of every configured asset (found in its
    /// scan targets, or declared), and of `paths` (each its own asset, named after it), with its status.
    pub async fn unsupported_report(&self, paths: &[PathBuf]) -> Result<Vec<ComponentStatus>> {
        let base = self
            .settings
            .config_source
            .as_ref()
            .and_then(|(file, _)| file.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        let mut targets: Vec<(String, Vec<PathBuf>)> = self
            .settings
            .config
            .assets
            .iter()
            .map(|a| {
                (
                    a.name.clone(),
                    a.scan.iter().map(|s| base.join(s)).collect(),
                )
            })
            .collect();
        for path in paths {
            let name = path
                .canonicalize()
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| path.display().to_string());
            targets.push((name, vec![path.clone()]));
        }
        let mut out = Vec::new();
        for (asset, scan) in targets {
            let request = crate::scan::ScanRequest {
                images: scan.iter().filter(|p| is_image(p)).cloned().collect(),
                rootfs: scan.iter().filter(|p| is_rootfs(p)).cloned().collect(),
                paths: scan
                    .iter()
                    .filter(|p| !is_image(p) && !is_rootfs(p))
                    .cloned()
                    .collect(),
                asset: Some(asset.clone()),
                record: false,
                os_ecosystem: None,
            };
            let inventory = crate::scan::read_inventory(&request)?;
            out.extend(self.components_of(&asset, &inventory).await?);
        }
        Ok(out)
    }
}

impl App {
    /// The configured assets' components, read again when the kept reading is older than
    /// [`ComponentCache::KEEP`].
    pub async fn components_cached(
        &self,
        cache: &ComponentCache,
    ) -> Result<Arc<Vec<ComponentStatus>>> {
        let fresh = |kept: &Option<(std::time::Instant, Arc<Vec<ComponentStatus>>)>| {
            kept.as_ref()
                .filter(|(at, _)| at.elapsed() < ComponentCache::KEEP)
                .map(|(_, c)| Arc::clone(c))
        };
        if let Some(c) = fresh(&cache.kept.lock().unwrap_or_else(PoisonError::into_inner)) {
            return Ok(c);
        }
        let components = Arc::new(self.unsupported_report(&[]).await?);
        *cache.kept.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((std::time::Instant::now(), Arc::clone(&components)));
        Ok(components)
    }
}

fn is_image(path: &Path) -> bool {
    path.is_file() && path.extension().is_some_and(|e| e == "tar")
}

/// An unpacked root filesystem: a directory with an OS release file or package database.
fn is_rootfs(path: &Path) -> bool {
    path.is_dir()
        && [
            "etc/os-release",
            "usr/lib/os-release",
            "var/lib/dpkg/status",
            "lib/apk/db/installed",
        ]
        .iter()
        .any(|f| path.join(f).is_file())
}

fn status_of(
    component: Component,
    asset: Option<String>,
    assessment: Option<Assessment>,
    severity: Severity,
) -> ComponentStatus {
    match assessment {
        None => ComponentStatus {
            component,
            asset,
            status: "no-data",
            cycle: None,
            eol: None,
            upgrade_to: None,
            severity: None,
        },
        Some(a) => ComponentStatus {
            component,
            asset,
            status: a.support.as_str(),
            severity: (a.support == Support::Unsupported).then_some(severity),
            cycle: a.cycle,
            eol: a.eol,
            upgrade_to: a.upgrade_to,
        },
    }
}

/// The unsupported-systems report as Markdown: a summary, then every component by asset.
pub fn unsupported_markdown(components: &[ComponentStatus], now: DateTime<Utc>) -> String {
    use crate::reports::md_cell;
    let unsupported = components.iter().filter(|c| c.is_unsupported()).count();
    let mut out = format!(
        "# Unsupported systems\n\nAs of {}: {} components, {} past their end of life, {} nearing it.\n\n",
        now.format("%Y-%m-%d"),
        components.len(),
        unsupported,
        components
            .iter()
            .filter(|c| c.status == "nearing-eol")
            .count(),
    );
    out.push_str(
        "| Asset | Component | Version | Cycle | End of life | Status | Move to | Found in |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|---|\n");
    for c in components {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            md_cell(c.asset.as_deref().unwrap_or("—")),
            md_cell(&c.component.product),
            md_cell(&c.component.version),
            md_cell(c.cycle.as_deref().unwrap_or("—")),
            c.eol.map_or_else(|| "—".to_owned(), |d| d.to_string()),
            c.status,
            md_cell(
                c.upgrade_to
                    .as_deref()
                    .filter(|_| c.needs_action())
                    .unwrap_or("—")
            ),
            md_cell(&c.component.source),
        ));
    }
    out
}

/// The unsupported-systems report as CSV (RFC 4180), one row per component.
pub fn unsupported_csv(components: &[ComponentStatus]) -> String {
    use crate::reports::csv_field;
    let mut out =
        "asset,product,version,cycle,eol,status,upgrade_to,source,evidence\r\n".to_owned();
    for c in components {
        let fields = [
            c.asset.clone().unwrap_or_default(),
            c.component.product.clone(),
            c.component.version.clone(),
            c.cycle.clone().unwrap_or_default(),
            c.eol.map(|d| d.to_string()).unwrap_or_default(),
            c.status.to_owned(),
            c.upgrade_to.clone().unwrap_or_default(),
            c.component.source.clone(),
            c.component.evidence.clone(),
        ];
        out.push_str(
            &fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}

/// The unsupported-systems report as versioned JSON (`patchwarden.unsupported/v1`).
pub fn unsupported_json(components: &[ComponentStatus], now: DateTime<Utc>) -> String {
    let doc = serde_json::json!({
        "schema": "patchwarden.unsupported/v1",
        "generated_at": now,
        "unsupported": components.iter().filter(|c| c.is_unsupported()).count(),
        "components": components,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
