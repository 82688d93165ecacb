//! An advisory's severity: from its CVSS vectors (scored by patchwarden's calculator), else from the
//! database's own label (e.g. GitHub's `database_specific.severity = "HIGH"`).

use patchwarden_core::Severity;
use serde::{Deserialize, Serialize};

use crate::model::{Advisory, SeverityEntry, SeverityType};

/// Where an advisory's severity comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum AdvisorySeverity {
    /// A CVSS vector and its base score.
    Cvss {
        /// "2.0", "3.0", "3.1" or "4.0".
        version: String,
        vector: String,
        score: f64,
    },
    /// No usable vector: the database's label, mapped onto the policy's levels.
    Label { label: String, severity: Severity },
}

impl AdvisorySeverity {
    pub fn score(&self) -> Option<f64> {
        match self {
            AdvisorySeverity::Cvss { score, .. } => Some(*score),
            AdvisorySeverity::Label { .. } => None,
        }
    }
}

fn cvss_of(entry: &SeverityEntry) -> Option<AdvisorySeverity> {
    if !matches!(
        entry.kind,
        SeverityType::CvssV2 | SeverityType::CvssV3 | SeverityType::CvssV4
    ) {
        return None;
    }
    let cvss = patchwarden_cvss::parse(entry.score.trim()).ok()?;
    Some(AdvisorySeverity::Cvss {
        version: cvss.version().to_string(),
        vector: cvss.to_string(),
        score: cvss.base_score(),
    })
}

fn label_of(value: Option<&serde_json::Value>) -> Option<AdvisorySeverity> {
    let label = value?.get("severity")?.as_str()?;
    let severity = label.parse().ok()?;
    Some(AdvisorySeverity::Label {
        label: label.to_owned(),
        severity,
    })
}

/// The advisory's severity: the highest-scoring valid CVSS vector among the record's and its affected
/// packages' (the most severe reading wins, so a v4 vector cannot hide a worse v3 one); without one, the
/// database's label. Vectors that do not parse are ignored here (and counted by the importer).
pub fn advisory_severity(advisory: &Advisory) -> Option<AdvisorySeverity> {
    let entries = advisory
        .severity
        .iter()
        .chain(advisory.affected.iter().flat_map(|a| a.severity.iter()));
    let best = entries.filter_map(cvss_of).max_by(|a, b| {
        a.score()
            .unwrap_or(0.0)
            .total_cmp(&b.score().unwrap_or(0.0))
    });
    best.or_else(|| label_of(advisory.database_specific.as_ref()))
        .or_else(|| {
            advisory
                .affected
                .iter()
                .find_map(|a| label_of(a.database_specific.as_ref()))
        })
}

/// Severity vectors present in the record that do not parse: (vector, reason).
pub fn invalid_vectors(advisory: &Advisory) -> Vec<(String, String)> {
    advisory
        .severity
        .iter()
        .chain(advisory.affected.iter().flat_map(|a| a.severity.iter()))
        .filter(|e| {
            matches!(
                e.kind,
                SeverityType::CvssV2 | SeverityType::CvssV3 | SeverityType::CvssV4
            )
        })
        .filter_map(|e| {
            patchwarden_cvss::parse(e.score.trim())
                .err()
                .map(|err| (e.score.clone(), err.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_advisory;

    #[test]
    fn the_highest_cvss_score_wins_over_labels() {
        let a = parse_advisory(
            br#"{"id":"GHSA-1","modified":"2021-03-08T16:02:43Z",
            "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N"},
                        {"type":"CVSS_V2","score":"AV:N/AC:L/Au:N/C:P/I:P/A:P"}],
            "database_specific":{"severity":"MODERATE"}}"#,
        )
        .unwrap();
        assert_eq!(
            advisory_severity(&a),
            Some(AdvisorySeverity::Cvss {
                version: "2.0".into(),
                vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P".into(),
                score: 7.5
            })
        );
    }

    #[test]
    fn without_a_vector_the_database_label_is_used() {
        let a = parse_advisory(
            br#"{"id":"GHSA-2","modified":"2021-03-08T16:02:43Z","database_specific":{"severity":"MODERATE"}}"#,
        )
        .unwrap();
        assert_eq!(
            advisory_severity(&a),
            Some(AdvisorySeverity::Label {
                label: "MODERATE".into(),
                severity: Severity::Medium
            })
        );
        let none = parse_advisory(br#"{"id":"X","modified":"2021-03-08T16:02:43Z"}"#).unwrap();
        assert_eq!(advisory_severity(&none), None);
    }

    #[test]
    fn a_broken_vector_is_reported_not_scored() {
        let a = parse_advisory(
            br#"{"id":"X","modified":"2021-03-08T16:02:43Z","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:Q"}]}"#,
        )
        .unwrap();
        assert_eq!(advisory_severity(&a), None);
        assert_eq!(invalid_vectors(&a).len(), 1);
    }
}
