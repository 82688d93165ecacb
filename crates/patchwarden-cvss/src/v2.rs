//! CVSS v2.0, as specified by the FIRST "Complete Guide to the Common
//! Vulnerability Scoring System Version 2.0"
//! (<https://www.first.org/cvss/v2/guide>).
//!
//! Vectors are bare, the way NVD and OSV store them:
//! `AV:N/AC:L/Au:N/C:P/I:P/A:P`, optionally followed by temporal (`E`, `RL`,
//! `RC`) and environmental (`CDP`, `TD`, `CR`, `IR`, `AR`) metrics; `ND` ("not
//! defined") is accepted for those. A `CVSS:2.0/` prefix is also accepted
//! (the guide defines none; the reference implementation rejects it), and
//! never written back. Parsing rules: see the [crate] documentation.

use core::fmt;

use crate::decimal::Dec;
use crate::parse::{self, Values, metric_table};
use crate::{Rating, Scores};

metric_table! {
    /// A CVSS v2.0 metric. Values per guide section 2.4 ("Base, Temporal,
    /// Environmental Vectors").
    pub enum Metric {
    // Base metrics (guide 2.1).
    /// Access Vector (AV).
    AccessVector = "AV", "Access Vector", mandatory, ["L", "A", "N"];
    /// Access Complexity (AC).
    AccessComplexity = "AC", "Access Complexity", mandatory, ["H", "M", "L"];
    /// Authentication (Au).
    Authentication = "Au", "Authentication", mandatory, ["M", "S", "N"];
    /// Confidentiality Impact (C).
    ConfidentialityImpact = "C", "Confidentiality Impact", mandatory, ["N", "P", "C"];
    /// Integrity Impact (I).
    IntegrityImpact = "I", "Integrity Impact", mandatory, ["N", "P", "C"];
    /// Availability Impact (A).
    AvailabilityImpact = "A", "Availability Impact", mandatory, ["N", "P", "C"];
    // Temporal metrics (guide 2.2).
    /// Exploitability (E).
    Exploitability = "E", "Exploitability", "ND", ["U", "POC", "F", "H", "ND"];
    /// Remediation Level (RL).
    RemediationLevel = "RL", "Remediation Level", "ND", ["OF", "TF", "W", "U", "ND"];
    /// Report Confidence (RC).
    ReportConfidence = "RC", "Report Confidence", "ND", ["UC", "UR", "C", "ND"];
    // Environmental metrics (guide 2.3).
    /// Collateral Damage Potential (CDP).
    CollateralDamagePotential = "CDP", "Collateral Damage Potential", "ND",
        ["N", "L", "LM", "MH", "H", "ND"];
    /// Target Distribution (TD).
    TargetDistribution = "TD", "Target Distribution", "ND", ["N", "L", "M", "H", "ND"];
    /// Confidentiality Requirement (CR).
    ConfidentialityRequirement = "CR", "Confidentiality Requirement", "ND",
        ["L", "M", "H", "ND"];
    /// Integrity Requirement (IR).
    IntegrityRequirement = "IR", "Integrity Requirement", "ND", ["L", "M", "H", "ND"];
    /// Availability Requirement (AR).
    AvailabilityRequirement = "AR", "Availability Requirement", "ND", ["L", "M", "H", "ND"];
    }
}

const TEMPORAL: [Metric; 3] = [
    Metric::Exploitability,
    Metric::RemediationLevel,
    Metric::ReportConfidence,
];

const ENVIRONMENTAL: [Metric; 5] = [
    Metric::CollateralDamagePotential,
    Metric::TargetDistribution,
    Metric::ConfidentialityRequirement,
    Metric::IntegrityRequirement,
    Metric::AvailabilityRequirement,
];

const fn d(mantissa: i128, scale: u32) -> Dec {
    Dec::new(mantissa, scale)
}

// Numeric weights, guide sections 3.2.1–3.2.3 (the tables under each
// equation), looked up by value abbreviation; "not defined" (`ND`) has its own.
type Table = &'static [(&'static str, Dec)];
const ACCESS_VECTOR: Table = &[("L", d(395, 3)), ("A", d(646, 3)), ("N", d(1, 0))];
const ACCESS_COMPLEXITY: Table = &[("H", d(35, 2)), ("M", d(61, 2)), ("L", d(71, 2))];
const AUTHENTICATION: Table = &[("M", d(45, 2)), ("S", d(56, 2)), ("N", d(704, 3))];
const IMPACT: Table = &[("N", d(0, 0)), ("P", d(275, 3)), ("C", d(660, 3))];
const EXPLOITABILITY: Table = &[
    ("U", d(85, 2)),
    ("POC", d(9, 1)),
    ("F", d(95, 2)),
    ("H", d(100, 2)),
    ("ND", d(100, 2)),
];
const REMEDIATION_LEVEL: Table = &[
    ("OF", d(87, 2)),
    ("TF", d(90, 2)),
    ("W", d(95, 2)),
    ("U", d(100, 2)),
    ("ND", d(100, 2)),
];
const REPORT_CONFIDENCE: Table = &[
    ("UC", d(90, 2)),
    ("UR", d(95, 2)),
    ("C", d(100, 2)),
    ("ND", d(100, 2)),
];
const COLLATERAL_DAMAGE_POTENTIAL: Table = &[
    ("N", d(0, 0)),
    ("L", d(1, 1)),
    ("LM", d(3, 1)),
    ("MH", d(4, 1)),
    ("H", d(5, 1)),
    ("ND", d(0, 0)),
];
const TARGET_DISTRIBUTION: Table = &[
    ("N", d(0, 0)),
    ("L", d(25, 2)),
    ("M", d(75, 2)),
    ("H", d(100, 2)),
    ("ND", d(100, 2)),
];
const REQUIREMENT: Table = &[
    ("L", d(5, 1)),
    ("M", d(10, 1)),
    ("H", d(151, 2)),
    ("ND", d(10, 1)),
];

fn weights(metric: Metric) -> Table {
    match metric {
        Metric::AccessVector => ACCESS_VECTOR,
        Metric::AccessComplexity => ACCESS_COMPLEXITY,
        Metric::Authentication => AUTHENTICATION,
        Metric::ConfidentialityImpact | Metric::IntegrityImpact | Metric::AvailabilityImpact => {
            IMPACT
        }
        Metric::Exploitability => EXPLOITABILITY,
        Metric::RemediationLevel => REMEDIATION_LEVEL,
        Metric::ReportConfidence => REPORT_CONFIDENCE,
        Metric::CollateralDamagePotential => COLLATERAL_DAMAGE_POTENTIAL,
        Metric::TargetDistribution => TARGET_DISTRIBUTION,
        Metric::ConfidentialityRequirement
        | Metric::IntegrityRequirement
        | Metric::AvailabilityRequirement => REQUIREMENT,
    }
}

/// A parsed CVSS v2.0 vector.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Vector {
    values: Values<METRIC_COUNT>,
}

impl Vector {
    pub(crate) fn parse_body(
        body: Option<&str>,
        first_position: usize,
    ) -> Result<Self, crate::error::ErrorKind> {
        Ok(Vector {
            values: parse::parse_metrics(&DEFS, body, first_position)?,
        })
    }

    /// The value of `metric` (e.g. `"N"`), or `None` when absent or `ND`.
    pub fn get(&self, metric: Metric) -> Option<&'static str> {
        parse::value_at(&DEFS, &self.values, metric as usize)
    }

    fn any_defined(&self, metrics: &[Metric]) -> bool {
        metrics.iter().any(|m| self.get(*m).is_some())
    }

    /// The weight of the metric's value (or of `ND` when not defined).
    fn weight(&self, metric: Metric) -> Dec {
        let value = self.get(metric).unwrap_or("ND");
        weights(metric)
            .iter()
            .find(|(v, _)| *v == value)
            .map_or(Dec::ZERO, |(_, w)| *w)
    }

    /// Guide 3.2.1: `Exploitability = 20*AccessVector*AccessComplexity*Authentication`.
    fn exploitability(&self) -> Dec {
        Dec::new(20, 0)
            .mul(self.weight(Metric::AccessVector))
            .mul(self.weight(Metric::AccessComplexity))
            .mul(self.weight(Metric::Authentication))
    }

    /// Guide 3.2.1: `Impact = 10.41*(1-(1-ConfImpact)*(1-IntegImpact)*(1-AvailImpact))`.
    fn impact(&self) -> Dec {
        let c = self.weight(Metric::ConfidentialityImpact);
        let i = self.weight(Metric::IntegrityImpact);
        let a = self.weight(Metric::AvailabilityImpact);
        Dec::new(1041, 2)
            .mul(Dec::ONE.sub(Dec::ONE.sub(c).mul(Dec::ONE.sub(i)).mul(Dec::ONE.sub(a))))
    }

    /// Guide 3.2.3: `AdjustedImpact = min(10,10.41*(1-(1-ConfImpact*ConfReq)*
    /// (1-IntegImpact*IntegReq)*(1-AvailImpact*AvailReq)))`.
    fn adjusted_impact(&self) -> Dec {
        let c = self
            .weight(Metric::ConfidentialityImpact)
            .mul(self.weight(Metric::ConfidentialityRequirement));
        let i = self
            .weight(Metric::IntegrityImpact)
            .mul(self.weight(Metric::IntegrityRequirement));
        let a = self
            .weight(Metric::AvailabilityImpact)
            .mul(self.weight(Metric::AvailabilityRequirement));
        let raw = Dec::new(1041, 2)
            .mul(Dec::ONE.sub(Dec::ONE.sub(c).mul(Dec::ONE.sub(i)).mul(Dec::ONE.sub(a))));
        Dec::TEN.min(raw)
    }

    /// Guide 3.2.1: `BaseScore = round_to_1_decimal(((0.6*Impact)+(0.4*Exploitability)-1.5)*f(Impact))`,
    /// `f(impact) = 0 if Impact=0, 1.176 otherwise`. In tenths, not clamped.
    fn base_equation(&self, impact: Dec) -> i64 {
        let f_impact = if impact.is_zero() {
            Dec::ZERO
        } else {
            Dec::new(1176, 3)
        };
        Dec::new(6, 1)
            .mul(impact)
            .add(Dec::new(4, 1).mul(self.exploitability()))
            .sub(Dec::new(15, 1))
            .mul(f_impact)
            .round_half_up_tenths()
    }

    /// Guide 3.2.2: `TemporalScore = round_to_1_decimal(BaseScore*Exploitability*RemediationLevel*ReportConfidence)`.
    fn temporal_equation(&self, base_tenths: i64) -> i64 {
        Dec::from_tenths(base_tenths)
            .mul(self.weight(Metric::Exploitability))
            .mul(self.weight(Metric::RemediationLevel))
            .mul(self.weight(Metric::ReportConfidence))
            .round_half_up_tenths()
    }

    fn base_tenths(&self) -> i64 {
        self.base_equation(self.impact()).max(0)
    }

    fn tenths(&self) -> (i64, Option<i64>, Option<i64>) {
        let base = self.base_tenths();
        let temporal = self
            .any_defined(&TEMPORAL)
            .then(|| self.temporal_equation(base).max(0));
        // Guide 3.2.3: `EnvironmentalScore = round_to_1_decimal((AdjustedTemporal+
        // (10-AdjustedTemporal)*CollateralDamagePotential)*TargetDistribution)`,
        // `AdjustedTemporal = TemporalScore recomputed with the BaseScore's Impact
        // sub-equation replaced with the AdjustedImpact equation`.
        let environmental = self.any_defined(&ENVIRONMENTAL).then(|| {
            let adjusted_base = self.base_equation(self.adjusted_impact());
            let adjusted_temporal = Dec::from_tenths(self.temporal_equation(adjusted_base));
            adjusted_temporal
                .add(
                    Dec::TEN
                        .sub(adjusted_temporal)
                        .mul(self.weight(Metric::CollateralDamagePotential)),
                )
                .mul(self.weight(Metric::TargetDistribution))
                .round_half_up_tenths()
                .max(0)
        });
        (base, temporal, environmental)
    }

    /// Base, temporal and environmental scores. Temporal (environmental) is
    /// `Some` only when at least one temporal (environmental) metric is defined.
    pub fn scores(&self) -> Scores {
        let (base, temporal, environmental) = self.tenths();
        Scores::from_tenths(base, temporal, environmental)
    }

    /// NVD's v2 severity bands for the base score: 0.0–3.9 low, 4.0–6.9
    /// medium, 7.0–10.0 high (v2 has no "none" nor "critical").
    pub fn severity(&self) -> Rating {
        match self.base_tenths() {
            ..=39 => Rating::Low,
            40..=69 => Rating::Medium,
            _ => Rating::High,
        }
    }
}

/// The canonical form: metrics in the guide's order, `ND` omitted, no prefix.
impl fmt::Display for Vector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        parse::write_vector(f, None, &DEFS, &self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_has_a_weight() {
        for metric in Metric::ALL {
            for value in metric.values() {
                assert!(
                    weights(metric).iter().any(|(v, _)| v == value),
                    "{metric}:{value} has no weight"
                );
            }
            assert_eq!(weights(metric).len(), metric.values().len());
        }
    }
}
