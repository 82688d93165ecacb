//! The Atlassian Statuspage public API (`/api/v2/incidents.json`, `/api/v2/summary.json`,
//! `/api/v2/scheduled-maintenances.json`): each incident or maintenance is an item, its updates the text.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::{FeedError, FeedItem, plain_text};

#[derive(Debug, Deserialize)]
struct Document {
    page: Option<serde_json::Value>,
    #[serde(default)]
    incidents: Vec<Incident>,
    #[serde(default)]
    scheduled_maintenances: Vec<Incident>,
}

#[derive(Debug, Deserialize)]
struct Incident {
    id: String,
    name: String,
    shortlink: Option<String>,
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    impact: Option<String>,
    #[serde(default)]
    incident_updates: Vec<Update>,
}

#[derive(Debug, Deserialize)]
struct Update {
    #[serde(default)]
    body: String,
}

pub(crate) fn parse(body: &[u8]) -> Result<Vec<FeedItem>, FeedError> {
    let malformed = |message: String| FeedError::Malformed {
        kind: "statuspage",
        message,
    };
    let doc: Document = serde_json::from_slice(body).map_err(|e| malformed(e.to_string()))?;
    if doc.page.is_none() {
        return Err(malformed(
            "no `page` object: not a Statuspage API response".into(),
        ));
    }
    Ok(doc
        .incidents
        .into_iter()
        .chain(doc.scheduled_maintenances)
        .map(|i| {
            let mut text: Vec<String> = i
                .incident_updates
                .iter()
                .map(|u| plain_text(&u.body))
                .collect();
            if let Some(impact) = i.impact.filter(|s| s != "none") {
                text.push(format!("impact: {impact}"));
            }
            FeedItem {
                id: i.id,
                title: i.name,
                link: i.shortlink,
                published: i.created_at,
                text: text.join("\n"),
            }
        })
        .collect())
}
