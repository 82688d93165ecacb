//! Release cycles as the endoflife.date API publishes them (<https://endoflife.date/docs/api>): every
//! milestone (`eol`, `support`, `extendedSupport`, `lts`, `discontinued`) is a `YYYY-MM-DD` date or a
//! boolean (`eol: false` = supported, no date known; `eol: true` = ended, date unknown).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not end-of-life data in the endoflife.date shape: {message}")]
pub struct EolParseError {
    pub message: String,
}

/// A date, or a yes/no without a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Milestone {
    Date(NaiveDate),
    Flag(bool),
}

impl Milestone {
    /// Whether the milestone has been reached on `today`.
    pub fn reached(self, today: NaiveDate) -> bool {
        match self {
            Milestone::Date(d) => d <= today,
            Milestone::Flag(b) => b,
        }
    }

    pub fn date(self) -> Option<NaiveDate> {
        match self {
            Milestone::Date(d) => Some(d),
            Milestone::Flag(_) => None,
        }
    }
}

/// One release cycle of a product (`3.8` of Python, `12` of Debian).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cycle {
    pub cycle: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_date: Option<NaiveDate>,
    /// End of life: no more security fixes.
    pub eol: Milestone,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lts: Option<Milestone>,
    /// End of active support (bug fixes); security fixes go on until `eol`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support: Option<Milestone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_support: Option<Milestone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// A product and its cycles, newest first as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub product: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub cycles: Vec<Cycle>,
}

impl Product {
    /// Parses a product document: `{"product": …, "cycles": […]}`, or the API's bare list of cycles for
    /// the product named `name` (`GET /api/<product>.json`).
    pub fn parse(bytes: &[u8], name: &str) -> Result<Product, EolParseError> {
        let error = |e: serde_json::Error| EolParseError {
            message: e.to_string(),
        };
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(error)?;
        let product = if value.is_array() {
            Product {
                product: name.to_owned(),
                label: None,
                category: None,
                cycles: serde_json::from_value(value).map_err(error)?,
            }
        } else {
            serde_json::from_value(value).map_err(error)?
        };
        if product.product.trim().is_empty() {
            return Err(EolParseError {
                message: "the product has no name".into(),
            });
        }
        Ok(product)
    }

    /// Whether `bytes` look like end-of-life data (for `db import` to tell it from OSV and KEV).
    pub fn sniff(bytes: &[u8]) -> bool {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
        (head.contains("\"cycles\"") && head.contains("\"product\""))
            || (head.trim_start().starts_with('[')
                && head.contains("\"cycle\"")
                && head.contains("\"eol\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_booleans_keep_their_meaning() {
        let p = Product::parse(
            br#"{"product":"x","cycles":[
                {"cycle":"2","eol":false,"lts":true},
                {"cycle":"1","eol":"2024-01-31","support":true,"extendedSupport":"2026-01-01"},
                {"cycle":"0","eol":true}]}"#,
            "ignored",
        )
        .unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(p.cycles[0].eol, Milestone::Flag(false));
        assert_eq!(p.cycles[0].lts, Some(Milestone::Flag(true)));
        assert_eq!(p.cycles[1].eol, Milestone::Date(d("2024-01-31")));
        assert!(p.cycles[1].eol.reached(d("2024-01-31")));
        assert!(!p.cycles[1].eol.reached(d("2024-01-30")));
        assert!(p.cycles[2].eol.reached(d("2000-01-01")));
        assert!(!p.cycles[0].eol.reached(d("2100-01-01")));
    }

    #[test]
    fn the_api_list_shape_takes_its_name_from_the_caller() {
        let p = Product::parse(br#"[{"cycle":"3.8","eol":"2024-10-07"}]"#, "python").unwrap();
        assert_eq!(p.product, "python");
        assert!(Product::sniff(br#"[{"cycle":"3.8","eol":"2024-10-07"}]"#));
        assert!(!Product::sniff(
            br#"{"id":"GHSA-1","modified":"2021-01-01T00:00:00Z"}"#
        ));
    }

    #[test]
    fn a_malformed_document_is_an_error_not_a_panic() {
        for bad in [
            &b"{"[..],
            b"[]x",
            br#"{"product":"","cycles":[]}"#,
            br#"[{"cycle":1}]"#,
        ] {
            assert!(
                Product::parse(bad, "p").is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
