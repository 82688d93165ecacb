//! `db sync`: download each configured ecosystem's `all.zip`, the KEV catalog and the end-of-life data
//! of the products patchwarden can detect, with conditional requests, and import what changed. A source
//! that fails is reported; the others still sync.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use patchwarden_fetch::{Client, Fetched, Validators};
use patchwarden_store::AdvisorySource;
use serde::Serialize;

use crate::advisories::{ImportOptions, ImportReport, Progress};
use crate::{App, Result, sources};

/// The largest download accepted (the biggest OSV ecosystem zips are a few hundred MB).
const MAX_DOWNLOAD: u64 = 2 * 1024 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncedSource {
    pub name: String,
    pub url: String,
    /// `not-modified`, `imported` or `failed`.
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import: Option<ImportReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl App {
    /// Syncs `ecosystems` (empty: the configured ones) and the KEV catalog (when configured).
    pub async fn sync(
        &self,
        ecosystems: &[String],
        progress: &dyn Progress,
    ) -> Result<Vec<SyncedSource>> {
        let settings = &self.settings.config.advisories;
        let ecosystems = if ecosystems.is_empty() {
            &settings.ecosystems
        } else {
            ecosystems
        };
        let mut targets: Vec<(String, String)> = ecosystems
            .iter()
            .map(|e| {
                (
                    format!("osv:{e}"),
                    format!("{}/{}/all.zip", settings.osv_base_url, url_segment(e)),
                )
            })
            .collect();
        if let Some(kev) = &settings.kev_url {
            targets.push(("kev".to_owned(), kev.clone()));
        }
        if let Some(template) = &settings.eol_url {
            for product in self.eol_products_to_sync() {
                let url = template.replace("{product}", &url_segment(&product));
                targets.push((format!("eol:{product}"), url));
            }
        }
        let client = Client::new();
        let mut out = Vec::with_capacity(targets.len());
        for (name, url) in targets {
            let outcome = self.sync_one(&client, &name, &url, progress).await;
            out.push(match outcome {
                Ok(Some(report)) => SyncedSource {
                    name,
                    url,
                    outcome: "imported",
                    import: Some(report),
                    error: None,
                },
                Ok(None) => SyncedSource {
                    name,
                    url,
                    outcome: "not-modified",
                    import: None,
                    error: None,
                },
                Err(e) => {
                    tracing::warn!(source = %name, error = %e, "sync failed");
                    SyncedSource {
                        name,
                        url,
                        outcome: "failed",
                        import: None,
                        error: Some(e.to_string()),
                    }
                }
            });
        }
        Ok(out)
    }

    async fn sync_one(
        &self,
        client: &Client,
        name: &str,
        url: &str,
        progress: &dyn Progress,
    ) -> Result<Option<ImportReport>> {
        let previous = self.store.advisory_source(name).await?;
        // Validators only count when the last download was imported in full.
        let validators = previous
            .as_ref()
            .filter(|p| p.imported_at.is_some())
            .map(|p| Validators {
                etag: p.etag.clone(),
                last_modified: p.last_modified.clone(),
            })
            .unwrap_or_default();
        progress.start(&format!("download {name}"), 0);
        let seen = AtomicU64::new(0);
        let fetched = tokio::task::block_in_place(|| {
            client.get(url, &validators, MAX_DOWNLOAD, &|read, total| {
                if let Some(total) = total.filter(|_| seen.load(Ordering::Relaxed) == 0) {
                    progress.start(&format!("download {name}"), total);
                }
                let before = seen.swap(read, Ordering::Relaxed);
                progress.advance(read.saturating_sub(before));
            })
        })
        .map_err(|e| crate::AppError::Fetch(e.to_string()))?;
        progress.finish();
        let source_base = AdvisorySource {
            name: name.to_owned(),
            location: url.to_owned(),
            ..previous.clone().unwrap_or_default()
        };
        match fetched {
            Fetched::NotModified => {
                self.store
                    .touch_advisory_source(&source_base, self.settings.now)
                    .await?;
                Ok(None)
            }
            Fetched::Body { bytes, validators } => {
                let data = sources::read_bytes(Path::new(url), bytes)
                    .map_err(crate::advisories::ImportError::from)?;
                let source = AdvisorySource {
                    etag: validators.etag,
                    last_modified: validators.last_modified,
                    ..source_base
                };
                let report = self
                    .import_source(source, data, ImportOptions::default(), progress)
                    .await?;
                Ok(Some(report))
            }
        }
    }
}

/// An ecosystem name as a URL path segment ("crates.io" stays, spaces are escaped).
fn url_segment(ecosystem: &str) -> String {
    ecosystem
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
