//! CVSS v4.0 (`CVSS:4.0/...`), <https://www.first.org/cvss/v4.0/specification-document>.
//!
//! Parsing is this crate's (same rules as v2/v3, see the [crate] documentation). The
//! score comes from the `cvss` crate (version 2.2), which implements the
//! specification's reference algorithm (section 8, "CVSS v4.0 Scoring"):
//! the vector is mapped to a MacroVector (EQ1–EQ6), whose score is looked up
//! and then lowered by the mean proportional distance to the next lower
//! MacroVectors, rounded to one decimal. The differential test checks it
//! against the reference implementation; it is computed once, at parse time.

use core::fmt;

use crate::error::ErrorKind;
use crate::parse::{self, Values, metric_table};
use crate::{Rating, Scores};

metric_table! {
    /// A CVSS v4.0 metric, with the values and order of specification
    /// section 7 ("Vector String").
    pub enum Metric {
    // Base metrics (section 2).
    /// Attack Vector (AV).
    AttackVector = "AV", "Attack Vector", mandatory, ["N", "A", "L", "P"];
    /// Attack Complexity (AC).
    AttackComplexity = "AC", "Attack Complexity", mandatory, ["L", "H"];
    /// Attack Requirements (AT).
    AttackRequirements = "AT", "Attack Requirements", mandatory, ["N", "P"];
    /// Privileges Required (PR).
    PrivilegesRequired = "PR", "Privileges Required", mandatory, ["N", "L", "H"];
    /// User Interaction (UI).
    UserInteraction = "UI", "User Interaction", mandatory, ["N", "P", "A"];
    /// Vulnerable System Confidentiality Impact (VC).
    VulnerableConfidentiality = "VC", "Vulnerable System Confidentiality Impact", mandatory,
        ["H", "L", "N"];
    /// Vulnerable System Integrity Impact (VI).
    VulnerableIntegrity = "VI", "Vulnerable System Integrity Impact", mandatory,
        ["H", "L", "N"];
    /// Vulnerable System Availability Impact (VA).
    VulnerableAvailability = "VA", "Vulnerable System Availability Impact", mandatory,
        ["H", "L", "N"];
    /// Subsequent System Confidentiality Impact (SC).
    SubsequentConfidentiality = "SC", "Subsequent System Confidentiality Impact", mandatory,
        ["H", "L", "N"];
    /// Subsequent System Integrity Impact (SI).
    SubsequentIntegrity = "SI", "Subsequent System Integrity Impact", mandatory,
        ["H", "L", "N"];
    /// Subsequent System Availability Impact (SA).
    SubsequentAvailability = "SA", "Subsequent System Availability Impact", mandatory,
        ["H", "L", "N"];
    // Threat metrics (section 3).
    /// Exploit Maturity (E).
    ExploitMaturity = "E", "Exploit Maturity", "X", ["X", "A", "P", "U"];
    // Environmental metrics (section 4).
    /// Confidentiality Requirement (CR).
    ConfidentialityRequirement = "CR", "Confidentiality Requirement", "X", ["X", "H", "M", "L"];
    /// Integrity Requirement (IR).
    IntegrityRequirement = "IR", "Integrity Requirement", "X", ["X", "H", "M", "L"];
    /// Availability Requirement (AR).
    AvailabilityRequirement = "AR", "Availability Requirement", "X", ["X", "H", "M", "L"];
    /// Modified Attack Vector (MAV).
    ModifiedAttackVector = "MAV", "Modified Attack Vector", "X", ["X", "N", "A", "L", "P"];
    /// Modified Attack Complexity (MAC).
    ModifiedAttackComplexity = "MAC", "Modified Attack Complexity", "X", ["X", "L", "H"];
    /// Modified Attack Requirements (MAT).
    ModifiedAttackRequirements = "MAT", "Modified Attack Requirements", "X", ["X", "N", "P"];
    /// Modified Privileges Required (MPR).
    ModifiedPrivilegesRequired = "MPR", "Modified Privileges Required", "X",
        ["X", "N", "L", "H"];
    /// Modified User Interaction (MUI).
    ModifiedUserInteraction = "MUI", "Modified User Interaction", "X", ["X", "N", "P", "A"];
    /// Modified Vulnerable System Confidentiality Impact (MVC).
    ModifiedVulnerableConfidentiality = "MVC",
        "Modified Vulnerable System Confidentiality Impact", "X", ["X", "H", "L", "N"];
    /// Modified Vulnerable System Integrity Impact (MVI).
    ModifiedVulnerableIntegrity = "MVI", "Modified Vulnerable System Integrity Impact", "X",
        ["X", "H", "L", "N"];
    /// Modified Vulnerable System Availability Impact (MVA).
    ModifiedVulnerableAvailability = "MVA", "Modified Vulnerable System Availability Impact",
        "X", ["X", "H", "L", "N"];
    /// Modified Subsequent System Confidentiality Impact (MSC).
    ModifiedSubsequentConfidentiality = "MSC",
        "Modified Subsequent System Confidentiality Impact", "X", ["X", "H", "L", "N"];
    /// Modified Subsequent System Integrity Impact (MSI); `S` is Safety.
    ModifiedSubsequentIntegrity = "MSI", "Modified Subsequent System Integrity Impact", "X",
        ["X", "S", "H", "L", "N"];
    /// Modified Subsequent System Availability Impact (MSA); `S` is Safety.
    ModifiedSubsequentAvailability = "MSA", "Modified Subsequent System Availability Impact",
        "X", ["X", "S", "H", "L", "N"];
    // Supplemental metrics (section 5): they never change the score.
    /// Safety (S).
    Safety = "S", "Safety", "X", ["X", "N", "P"];
    /// Automatable (AU).
    Automatable = "AU", "Automatable", "X", ["X", "N", "Y"];
    /// Recovery (R).
    Recovery = "R", "Recovery", "X", ["X", "A", "U", "I"];
    /// Value Density (V).
    ValueDensity = "V", "Value Density", "X", ["X", "D", "C"];
    /// Vulnerability Response Effort (RE).
    VulnerabilityResponseEffort = "RE", "Vulnerability Response Effort", "X",
        ["X", "L", "M", "H"];
    /// Provider Urgency (U).
    ProviderUrgency = "U", "Provider Urgency", "X", ["X", "Clear", "Green", "Amber", "Red"];
    }
}

const ENVIRONMENTAL: [Metric; 14] = [
    Metric::ConfidentialityRequirement,
    Metric::IntegrityRequirement,
    Metric::AvailabilityRequirement,
    Metric::ModifiedAttackVector,
    Metric::ModifiedAttackComplexity,
    Metric::ModifiedAttackRequirements,
    Metric::ModifiedPrivilegesRequired,
    Metric::ModifiedUserInteraction,
    Metric::ModifiedVulnerableConfidentiality,
    Metric::ModifiedVulnerableIntegrity,
    Metric::ModifiedVulnerableAvailability,
    Metric::ModifiedSubsequentConfidentiality,
    Metric::ModifiedSubsequentIntegrity,
    Metric::ModifiedSubsequentAvailability,
];

/// A parsed CVSS v4.0 vector, with its score.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Vector {
    values: Values<METRIC_COUNT>,
    /// The score in tenths (0..=100).
    score_tenths: u8,
}

impl Vector {
    pub(crate) fn parse_body(body: Option<&str>, first_position: usize) -> Result<Self, ErrorKind> {
        let mut vector = Vector {
            values: parse::parse_metrics(&DEFS, body, first_position)?,
            score_tenths: 0,
        };
        // The `cvss` crate parses a superset of what we accept (it is
        // case-insensitive), so our canonical form always goes through.
        let scored: cvss::v4::Vector =
            vector
                .to_string()
                .parse()
                .map_err(|e: cvss::Error| ErrorKind::Scoring {
                    detail: e.to_string(),
                })?;
        let tenths = (scored.score().value() * 10.0).round();
        // `as` saturates (and maps NaN to 0); the clamp keeps 0..=10.
        vector.score_tenths = (tenths as u8).min(100);
        Ok(vector)
    }

    /// The value of `metric` (e.g. `"N"`), or `None` when absent or `X`.
    pub fn get(&self, metric: Metric) -> Option<&'static str> {
        parse::value_at(&DEFS, &self.values, metric as usize)
    }

    fn any_defined(&self, metrics: &[Metric]) -> bool {
        metrics.iter().any(|m| self.get(*m).is_some())
    }

    pub(crate) fn score_tenths(&self) -> i64 {
        i64::from(self.score_tenths)
    }

    /// The CVSS v4.0 score (one number: v4 has no separate temporal or
    /// environmental scores; threat and environmental metrics change this one).
    pub fn score(&self) -> f64 {
        f64::from(self.score_tenths) / 10.0
    }

    /// The score with `base` set and no temporal/environmental parts.
    pub fn scores(&self) -> Scores {
        Scores::from_tenths(self.score_tenths(), None, None)
    }

    /// Which metric groups the score reflects, section 1.3 ("Nomenclature"):
    /// `CVSS-B` (base), `CVSS-BT` (base and threat), `CVSS-BE` (base and
    /// environmental), `CVSS-BTE` (all three). Supplemental metrics and
    /// metrics given as `X` do not count.
    pub fn nomenclature(&self) -> &'static str {
        let threat = self.get(Metric::ExploitMaturity).is_some();
        match (threat, self.any_defined(&ENVIRONMENTAL)) {
            (false, false) => "CVSS-B",
            (true, false) => "CVSS-BT",
            (false, true) => "CVSS-BE",
            (true, true) => "CVSS-BTE",
        }
    }

    /// Section 6 qualitative rating of the score.
    pub fn severity(&self) -> Rating {
        Rating::from_tenths(self.score_tenths())
    }
}

/// The canonical form: `CVSS:4.0/` then the metrics in section 7 order, `X` omitted.
impl fmt::Display for Vector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        parse::write_vector(f, Some("CVSS:4.0"), &DEFS, &self.values)
    }
}
