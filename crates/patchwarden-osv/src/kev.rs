//! The CISA Known Exploited Vulnerabilities catalog
//! (https://www.cisa.gov/known-exploited-vulnerabilities-catalog, JSON feed). An advisory whose id or
//! alias is listed here is known to be exploited in the wild; the policy makes it critical.

use serde::{Deserialize, Serialize};

use crate::parse::OsvParseError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KevCatalog {
    pub title: String,
    pub catalog_version: String,
    pub date_released: String,
    pub vulnerabilities: Vec<KevEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KevEntry {
    #[serde(rename = "cveID")]
    pub cve_id: String,
    pub vendor_project: String,
    pub product: String,
    pub vulnerability_name: String,
    pub date_added: String,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub known_ransomware_campaign_use: Option<String>,
}

/// Parses the catalog, with the same path-and-line errors as OSV records.
pub fn parse_kev(bytes: &[u8]) -> Result<KevCatalog, OsvParseError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let catalog: KevCatalog = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        OsvParseError {
            path,
            message: inner.to_string(),
            line: Some(inner.line()),
            column: Some(inner.column()),
        }
    })?;
    if let Some((i, _)) = catalog
        .vulnerabilities
        .iter()
        .enumerate()
        .find(|(_, v)| !v.cve_id.starts_with("CVE-"))
    {
        return Err(OsvParseError {
            path: format!("vulnerabilities[{i}].cveID"),
            message: "not a CVE id".into(),
            line: None,
            column: None,
        });
    }
    Ok(catalog)
}

/// What a JSON document is, judged by its top-level keys without parsing all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Osv,
    Kev,
    Unknown,
}

/// Tells an OSV record from the KEV catalog by the keys near the top of the document.
pub fn sniff(bytes: &[u8]) -> DocumentKind {
    let head = &bytes[..bytes.len().min(4096)];
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    if has(b"\"catalogVersion\"") && has(b"\"vulnerabilities\"") {
        DocumentKind::Kev
    } else if has(b"\"id\"") {
        DocumentKind::Osv
    } else {
        DocumentKind::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = br#"{"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2025.08.25",
        "dateReleased":"2025-08-25T17:04:19.9796Z","count":1,"vulnerabilities":[{"cveID":"CVE-2021-44228",
        "vendorProject":"Apache","product":"Log4j2","vulnerabilityName":"Apache Log4j2 Remote Code Execution Vulnerability",
        "dateAdded":"2021-12-10","shortDescription":"...","requiredAction":"...","dueDate":"2021-12-24",
        "knownRansomwareCampaignUse":"Known","notes":"","cwes":["CWE-917"]}]}"#;

    #[test]
    fn the_catalog_parses_and_is_recognised() {
        assert_eq!(sniff(SAMPLE), DocumentKind::Kev);
        let c = parse_kev(SAMPLE).unwrap();
        assert_eq!(c.vulnerabilities[0].cve_id, "CVE-2021-44228");
        assert_eq!(
            c.vulnerabilities[0]
                .known_ransomware_campaign_use
                .as_deref(),
            Some("Known")
        );
        assert_eq!(
            sniff(br#"{"id":"GHSA-1","modified":"2021-01-01T00:00:00Z"}"#),
            DocumentKind::Osv
        );
        assert_eq!(sniff(b"[1,2]"), DocumentKind::Unknown);
    }

    #[test]
    fn a_broken_entry_is_named() {
        let err = parse_kev(br#"{"title":"t","catalogVersion":"1","dateReleased":"x","vulnerabilities":[{"cveID":"CVE-1"}]}"#)
            .unwrap_err();
        assert_eq!(err.path, "vulnerabilities[0]");
        assert!(err.message.contains("missing field"), "{err}");
    }
}
