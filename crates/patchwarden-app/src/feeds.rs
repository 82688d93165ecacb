//! `feeds poll`: each configured vendor feed fetched with a conditional GET, its items read once, and the
//! security-relevant ones queued as notices with the CVEs they name and those CVEs' known severity. A
//! feed that fails is reported and the others still poll; its last good validators stay, so the next
//! poll tries again from where the last good one left off.

use patchwarden_config::FeedSpec;
use patchwarden_core::Severity;
use patchwarden_fetch::{Client, Fetched, Validators};
use patchwarden_store::{FeedRead, NewNotice};
use serde::Serialize;

use crate::{App, AppError, Result, SYSTEM};

/// The largest feed body accepted.
const MAX_FEED: u64 = 16 * 1024 * 1024;

/// How one feed's poll went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolledFeed {
    pub name: String,
    pub url: String,
    /// `read`, `not-modified` or `failed`.
    pub outcome: &'static str,
    /// Items in the body (read only).
    pub items: usize,
    /// Ids of the notices this poll added.
    pub notices: Vec<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl App {
    /// Polls the feed named `only`, or every configured feed.
    pub async fn poll_feeds(&self, only: Option<&str>) -> Result<Vec<PolledFeed>> {
        let feeds = &self.settings.config.feeds;
        let chosen: Vec<&FeedSpec> = match only {
            Some(name) => vec![feeds.iter().find(|f| f.name == name).ok_or_else(|| {
                let known: Vec<&str> = feeds.iter().map(|f| f.name.as_str()).collect();
                AppError::Input(format!(
                    "no feed named \"{name}\" in the config (feeds: {})",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ))
            })?],
            None => feeds.iter().collect(),
        };
        let client = Client::new();
        let mut out = Vec::with_capacity(chosen.len());
        for spec in chosen {
            let polled = match self.poll_feed(&client, spec).await {
                Ok(polled) => polled,
                Err(e) => {
                    tracing::warn!(feed = %spec.name, error = %e, "feed poll failed");
                    let message = e.to_string();
                    self.store
                        .feed_failed(&spec.name, &spec.url, self.settings.now, &message)
                        .await?;
                    PolledFeed {
                        name: spec.name.clone(),
                        url: spec.url.clone(),
                        outcome: "failed",
                        items: 0,
                        notices: Vec::new(),
                        error: Some(message),
                    }
                }
            };
            out.push(polled);
        }
        Ok(out)
    }

    async fn poll_feed(&self, client: &Client, spec: &FeedSpec) -> Result<PolledFeed> {
        let now = self.settings.now;
        // Validators only count for the URL they were taken from.
        let validators = self
            .store
            .feed_state(&spec.name)
            .await?
            .filter(|s| s.url == spec.url)
            .map(|s| Validators {
                etag: s.etag,
                last_modified: s.last_modified,
            })
            .unwrap_or_default();
        let fetched = tokio::task::block_in_place(|| {
            client.get(&spec.url, &validators, MAX_FEED, &|_, _| {})
        })
        .map_err(|e| AppError::Fetch(e.to_string()))?;
        let (bytes, validators) = match fetched {
            Fetched::NotModified => {
                self.store
                    .feed_not_modified(&spec.name, &spec.url, now)
                    .await?;
                return Ok(PolledFeed {
                    name: spec.name.clone(),
                    url: spec.url.clone(),
                    outcome: "not-modified",
                    items: 0,
                    notices: Vec::new(),
                    error: None,
                });
            }
            Fetched::Body { bytes, validators } => (bytes, validators),
        };
        let items = patchwarden_feeds::parse(spec.kind, &bytes)
            .map_err(|e| AppError::Fetch(format!("feed `{}` ({}): {e}", spec.name, spec.url)))?;
        let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
        let seen = self.store.seen_feed_items(&spec.name, &ids).await?;
        let mut read = FeedRead {
            etag: validators.etag,
            last_modified: validators.last_modified,
            items: Vec::with_capacity(items.len()),
        };
        for item in &items {
            let notice = if !seen.contains(&item.id)
                && patchwarden_feeds::is_relevant(item, &spec.keywords)
            {
                let cves = patchwarden_feeds::cve_ids(&format!("{}\n{}", item.title, item.text));
                Some(NewNotice {
                    source: "feed".into(),
                    feed: Some(spec.name.clone()),
                    item_id: Some(item.id.clone()),
                    vendor: Some(spec.vendor.clone()),
                    asset: spec.asset.clone(),
                    title: item.title.clone(),
                    link: item.link.clone(),
                    published_at: item.published,
                    severity: self.known_severity(&cves).await?,
                    cves,
                })
            } else {
                None
            };
            read.items.push((item.id.clone(), notice));
        }
        let notices = self
            .store
            .feed_read(&spec.name, &spec.url, now, &read, SYSTEM)
            .await?;
        Ok(PolledFeed {
            name: spec.name.clone(),
            url: spec.url.clone(),
            outcome: "read",
            items: items.len(),
            notices,
            error: None,
        })
    }

    /// The most severe severity the advisory database knows for any of `cves` (a known-exploited CVE is
    /// critical when the policy says so).
    pub async fn known_severity(&self, cves: &[String]) -> Result<Option<Severity>> {
        let policy = &self.settings.config.policy;
        let mut worst = None;
        for k in self.store.cve_knowledge(cves).await? {
            let from_scores = k
                .scores
                .iter()
                .filter_map(|&score| policy.severity_for(Some(score), k.known_exploited));
            let from_labels = k.labels.iter().filter_map(|l| l.parse::<Severity>().ok());
            let kev = (k.known_exploited && policy.known_exploited_is_critical)
                .then_some(Severity::Critical);
            worst = worst.max(from_scores.chain(from_labels).chain(kev).max());
        }
        Ok(worst)
    }
}
