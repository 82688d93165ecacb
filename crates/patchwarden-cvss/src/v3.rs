//! CVSS v3.0 and v3.1 (`CVSS:3.0/...`, `CVSS:3.1/...`).
//!
//! - v3.1: <https://www.first.org/cvss/v3.1/specification-document>
//! - v3.0: <https://www.first.org/cvss/v3.0/specification-document>
//!
//! The two versions share metrics and equations except for two points
//! (v3.1 user guide, section 2.6 "Formula Changes",
//! <https://www.first.org/cvss/v3.1/user-guide#2-6-Formula-Changes>):
//!
//! 1. The Environmental "ModifiedImpact" for a changed Modified Scope:
//!    v3.0 `7.52×[MISS−0.029]−3.25×[MISS−0.02]^15`,
//!    v3.1 `7.52×(MISS−0.029)−3.25×(MISS×0.9731−0.02)^13`.
//! 2. `Roundup`: v3.0 "the smallest number, specified to one decimal place,
//!    that is equal to or higher than its input"; v3.1 Appendix A defines it
//!    on integers to dodge floating point error (see `roundup_v31` below). Since
//!    the equations are evaluated exactly here, both give the same result on
//!    every reachable value (checked exhaustively by a test below), and agree
//!    with the reference implementation, which applies a decimal ceiling to
//!    both versions.

use core::fmt;

use crate::Version;
use crate::decimal::Dec;
use crate::error::ErrorKind;
use crate::parse::{self, Values, metric_table};
use crate::{Rating, Scores};

metric_table! {
    /// A CVSS v3.x metric, with the values of the v3.1 specification section 6,
    /// table 15 ("Base, Temporal and Environmental Vectors").
    pub enum Metric {
    // Base metrics (section 2).
    /// Attack Vector (AV).
    AttackVector = "AV", "Attack Vector", mandatory, ["N", "A", "L", "P"];
    /// Attack Complexity (AC).
    AttackComplexity = "AC", "Attack Complexity", mandatory, ["L", "H"];
    /// Privileges Required (PR).
    PrivilegesRequired = "PR", "Privileges Required", mandatory, ["N", "L", "H"];
    /// User Interaction (UI).
    UserInteraction = "UI", "User Interaction", mandatory, ["N", "R"];
    /// Scope (S).
    Scope = "S", "Scope", mandatory, ["U", "C"];
    /// Confidentiality (C).
    Confidentiality = "C", "Confidentiality", mandatory, ["H", "L", "N"];
    /// Integrity (I).
    Integrity = "I", "Integrity", mandatory, ["H", "L", "N"];
    /// Availability (A).
    Availability = "A", "Availability", mandatory, ["H", "L", "N"];
    // Temporal metrics (section 3).
    /// Exploit Code Maturity (E).
    ExploitCodeMaturity = "E", "Exploit Code Maturity", "X", ["X", "U", "P", "F", "H"];
    /// Remediation Level (RL).
    RemediationLevel = "RL", "Remediation Level", "X", ["X", "O", "T", "W", "U"];
    /// Report Confidence (RC).
    ReportConfidence = "RC", "Report Confidence", "X", ["X", "U", "R", "C"];
    // Environmental metrics (section 4).
    /// Confidentiality Requirement (CR).
    ConfidentialityRequirement = "CR", "Confidentiality Requirement", "X", ["X", "L", "M", "H"];
    /// Integrity Requirement (IR).
    IntegrityRequirement = "IR", "Integrity Requirement", "X", ["X", "L", "M", "H"];
    /// Availability Requirement (AR).
    AvailabilityRequirement = "AR", "Availability Requirement", "X", ["X", "L", "M", "H"];
    /// Modified Attack Vector (MAV).
    ModifiedAttackVector = "MAV", "Modified Attack Vector", "X", ["X", "N", "A", "L", "P"];
    /// Modified Attack Complexity (MAC).
    ModifiedAttackComplexity = "MAC", "Modified Attack Complexity", "X", ["X", "L", "H"];
    /// Modified Privileges Required (MPR).
    ModifiedPrivilegesRequired = "MPR", "Modified Privileges Required", "X",
        ["X", "N", "L", "H"];
    /// Modified User Interaction (MUI).
    ModifiedUserInteraction = "MUI", "Modified User Interaction", "X", ["X", "N", "R"];
    /// Modified Scope (MS).
    ModifiedScope = "MS", "Modified Scope", "X", ["X", "U", "C"];
    /// Modified Confidentiality (MC).
    ModifiedConfidentiality = "MC", "Modified Confidentiality", "X", ["X", "N", "L", "H"];
    /// Modified Integrity (MI).
    ModifiedIntegrity = "MI", "Modified Integrity", "X", ["X", "N", "L", "H"];
    /// Modified Availability (MA).
    ModifiedAvailability = "MA", "Modified Availability", "X", ["X", "N", "L", "H"];
    }
}

const TEMPORAL: [Metric; 3] = [
    Metric::ExploitCodeMaturity,
    Metric::RemediationLevel,
    Metric::ReportConfidence,
];

const ENVIRONMENTAL: [Metric; 11] = [
    Metric::ConfidentialityRequirement,
    Metric::IntegrityRequirement,
    Metric::AvailabilityRequirement,
    Metric::ModifiedAttackVector,
    Metric::ModifiedAttackComplexity,
    Metric::ModifiedPrivilegesRequired,
    Metric::ModifiedUserInteraction,
    Metric::ModifiedScope,
    Metric::ModifiedConfidentiality,
    Metric::ModifiedIntegrity,
    Metric::ModifiedAvailability,
];

const fn d(mantissa: i128, scale: u32) -> Dec {
    Dec::new(mantissa, scale)
}

// Section 7.4, "Metric Values" (table 16).
type Table = &'static [(&'static str, Dec)];
const ATTACK_VECTOR: Table = &[
    ("N", d(85, 2)),
    ("A", d(62, 2)),
    ("L", d(55, 2)),
    ("P", d(2, 1)),
];
const ATTACK_COMPLEXITY: Table = &[("L", d(77, 2)), ("H", d(44, 2))];
/// "Privileges Required: None 0.85, Low 0.62 (0.68 if Scope / Modified Scope
/// is Changed), High 0.27 (0.5 if Scope / Modified Scope is Changed)".
const PRIVILEGES_UNCHANGED: Table = &[("N", d(85, 2)), ("L", d(62, 2)), ("H", d(27, 2))];
const PRIVILEGES_CHANGED: Table = &[("N", d(85, 2)), ("L", d(68, 2)), ("H", d(5, 1))];
const USER_INTERACTION: Table = &[("N", d(85, 2)), ("R", d(62, 2))];
const IMPACT: Table = &[("H", d(56, 2)), ("L", d(22, 2)), ("N", d(0, 0))];
const EXPLOIT_CODE_MATURITY: Table = &[
    ("X", d(1, 0)),
    ("U", d(91, 2)),
    ("P", d(94, 2)),
    ("F", d(97, 2)),
    ("H", d(1, 0)),
];
const REMEDIATION_LEVEL: Table = &[
    ("X", d(1, 0)),
    ("O", d(95, 2)),
    ("T", d(96, 2)),
    ("W", d(97, 2)),
    ("U", d(1, 0)),
];
const REPORT_CONFIDENCE: Table = &[
    ("X", d(1, 0)),
    ("U", d(92, 2)),
    ("R", d(96, 2)),
    ("C", d(1, 0)),
];
const REQUIREMENT: Table = &[
    ("X", d(1, 0)),
    ("L", d(5, 1)),
    ("M", d(1, 0)),
    ("H", d(15, 1)),
];

fn lookup(table: Table, value: &str) -> Dec {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map_or(Dec::ZERO, |(_, w)| *w)
}

/// v3.0 Roundup (v3.0 specification section 8.1): decimal ceiling. Returns tenths.
fn roundup_v30(value: Dec) -> i64 {
    value.ceil_tenths()
}

/// v3.1 Roundup, Appendix A, evaluated on the exact value:
///
/// ```text
/// function Roundup (input):
///     int_input = round_to_nearest_integer (input * 100000)
///     if (int_input % 10000) == 0:
///         return int_input / 100000.0
///     else:
///         return (floor(int_input / 10000) + 1) / 10.0
/// ```
///
/// Returns tenths.
fn roundup_v31(value: Dec) -> i64 {
    let int_input = value.mul(Dec::new(100_000, 0)).round_to_integer();
    let tenths = if int_input.rem_euclid(10_000) == 0 {
        int_input / 10_000
    } else {
        int_input.div_euclid(10_000) + 1
    };
    i64::try_from(tenths).unwrap_or(i64::MAX)
}

/// Impact sub-score (section 7.1) and its environmental counterpart
/// (section 7.3) from the (modified) ISS:
///
/// - Scope Unchanged: `6.42 × ISS`
/// - Scope Changed: `7.52 × (ISS − 0.029) − 3.25 × (ISS − 0.02)^15`, except
///   for the v3.1 environmental ModifiedImpact:
///   `7.52 × (MISS − 0.029) − 3.25 × (MISS × 0.9731 − 0.02)^13`.
fn impact_subscore(iss: Dec, scope_changed: bool, v31_modified: bool) -> Dec {
    if !scope_changed {
        return d(642, 2).mul(iss);
    }
    let linear = d(752, 2).mul(iss.sub(d(29, 3)));
    let power = if v31_modified {
        iss.mul(d(9731, 4)).sub(d(2, 2)).powi(13)
    } else {
        iss.sub(d(2, 2)).powi(15)
    };
    linear.sub(d(325, 2).mul(power))
}

/// The value the base (section 7.1) and modified (section 7.3) equations
/// round up, or `None` for "If Impact \<= 0: 0":
///
/// - Scope Unchanged: `Minimum((Impact + Exploitability), 10)`
/// - Scope Changed: `Minimum(1.08 × (Impact + Exploitability), 10)`
fn unrounded_score(impact: Dec, exploitability: Dec, scope_changed: bool) -> Option<Dec> {
    if impact <= Dec::ZERO {
        return None;
    }
    let sum = impact.add(exploitability);
    let sum = if scope_changed {
        d(108, 2).mul(sum)
    } else {
        sum
    };
    Some(sum.min(Dec::TEN))
}

/// ISS (section 7.1): `1 − [(1 − Confidentiality) × (1 − Integrity) × (1 − Availability)]`,
/// with each impact already multiplied by its requirement for the
/// environmental MISS.
fn iss(c: Dec, i: Dec, a: Dec) -> Dec {
    Dec::ONE.sub(Dec::ONE.sub(c).mul(Dec::ONE.sub(i)).mul(Dec::ONE.sub(a)))
}

/// Exploitability (section 7.1): `8.22 × AttackVector × AttackComplexity ×
/// PrivilegesRequired × UserInteraction`.
fn exploitability(av: Dec, ac: Dec, pr: Dec, ui: Dec) -> Dec {
    d(822, 2).mul(av).mul(ac).mul(pr).mul(ui)
}

/// A parsed CVSS v3.0 or v3.1 vector.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Vector {
    version: Version,
    values: Values<METRIC_COUNT>,
}

impl Vector {
    pub(crate) fn parse_body(
        version: Version,
        body: Option<&str>,
        first_position: usize,
    ) -> Result<Self, ErrorKind> {
        Ok(Vector {
            version,
            values: parse::parse_metrics(&DEFS, body, first_position)?,
        })
    }

    /// [`Version::V3_0`] or [`Version::V3_1`].
    pub fn version(&self) -> Version {
        self.version
    }

    /// The value of `metric` (e.g. `"N"`), or `None` when absent or `X`.
    pub fn get(&self, metric: Metric) -> Option<&'static str> {
        parse::value_at(&DEFS, &self.values, metric as usize)
    }

    /// The value as written, `X` when not defined (mandatory metrics are
    /// always defined).
    fn value(&self, metric: Metric) -> &'static str {
        self.get(metric).unwrap_or("X")
    }

    /// A modified metric's value, falling back to its base metric when
    /// not defined (section 4.2: a Modified Base metric that is Not Defined
    /// takes the value of the corresponding Base metric).
    fn modified(&self, modified: Metric, base: Metric) -> &'static str {
        self.get(modified).unwrap_or_else(|| self.value(base))
    }

    fn any_defined(&self, metrics: &[Metric]) -> bool {
        metrics.iter().any(|m| self.get(*m).is_some())
    }

    /// `ExploitCodeMaturity × RemediationLevel × ReportConfidence`.
    fn temporal_factor(&self) -> Dec {
        lookup(
            EXPLOIT_CODE_MATURITY,
            self.value(Metric::ExploitCodeMaturity),
        )
        .mul(lookup(
            REMEDIATION_LEVEL,
            self.value(Metric::RemediationLevel),
        ))
        .mul(lookup(
            REPORT_CONFIDENCE,
            self.value(Metric::ReportConfidence),
        ))
    }

    fn roundup(&self, value: Dec) -> i64 {
        match self.version {
            Version::V3_0 => roundup_v30(value),
            _ => roundup_v31(value),
        }
    }

    fn base_tenths(&self) -> i64 {
        let changed = self.value(Metric::Scope) == "C";
        let iss = iss(
            lookup(IMPACT, self.value(Metric::Confidentiality)),
            lookup(IMPACT, self.value(Metric::Integrity)),
            lookup(IMPACT, self.value(Metric::Availability)),
        );
        let impact = impact_subscore(iss, changed, false);
        let privileges = if changed {
            PRIVILEGES_CHANGED
        } else {
            PRIVILEGES_UNCHANGED
        };
        let exploitability = exploitability(
            lookup(ATTACK_VECTOR, self.value(Metric::AttackVector)),
            lookup(ATTACK_COMPLEXITY, self.value(Metric::AttackComplexity)),
            lookup(privileges, self.value(Metric::PrivilegesRequired)),
            lookup(USER_INTERACTION, self.value(Metric::UserInteraction)),
        );
        unrounded_score(impact, exploitability, changed).map_or(0, |v| self.roundup(v))
    }

    /// Section 7.3: `If ModifiedImpact <= 0: 0, else Roundup(Roundup(Minimum(
    /// [1.08 ×] (ModifiedImpact + ModifiedExploitability), 10)) ×
    /// ExploitCodeMaturity × RemediationLevel × ReportConfidence)`, with
    /// `MISS = Minimum(1 − [(1 − ConfidentialityRequirement × ModifiedConfidentiality) ×
    /// (1 − IntegrityRequirement × ModifiedIntegrity) × (1 − AvailabilityRequirement ×
    /// ModifiedAvailability)], 0.915)`.
    fn environmental_tenths(&self) -> i64 {
        use Metric as M;
        let changed = self.modified(M::ModifiedScope, M::Scope) == "C";
        let requirement = |m: Metric| lookup(REQUIREMENT, self.value(m));
        let miss = iss(
            lookup(
                IMPACT,
                self.modified(M::ModifiedConfidentiality, M::Confidentiality),
            )
            .mul(requirement(M::ConfidentialityRequirement)),
            lookup(IMPACT, self.modified(M::ModifiedIntegrity, M::Integrity))
                .mul(requirement(M::IntegrityRequirement)),
            lookup(
                IMPACT,
                self.modified(M::ModifiedAvailability, M::Availability),
            )
            .mul(requirement(M::AvailabilityRequirement)),
        )
        .min(d(915, 3));
        let impact = impact_subscore(miss, changed, self.version != Version::V3_0);
        let privileges = if changed {
            PRIVILEGES_CHANGED
        } else {
            PRIVILEGES_UNCHANGED
        };
        let exploitability = exploitability(
            lookup(
                ATTACK_VECTOR,
                self.modified(M::ModifiedAttackVector, M::AttackVector),
            ),
            lookup(
                ATTACK_COMPLEXITY,
                self.modified(M::ModifiedAttackComplexity, M::AttackComplexity),
            ),
            lookup(
                privileges,
                self.modified(M::ModifiedPrivilegesRequired, M::PrivilegesRequired),
            ),
            lookup(
                USER_INTERACTION,
                self.modified(M::ModifiedUserInteraction, M::UserInteraction),
            ),
        );
        unrounded_score(impact, exploitability, changed).map_or(0, |v| {
            let modified = Dec::from_tenths(self.roundup(v));
            self.roundup(modified.mul(self.temporal_factor()))
        })
    }

    fn tenths(&self) -> (i64, Option<i64>, Option<i64>) {
        let base = self.base_tenths();
        // Section 7.2: `Roundup(BaseScore × ExploitCodeMaturity × RemediationLevel × ReportConfidence)`.
        let temporal = self
            .any_defined(&TEMPORAL)
            .then(|| self.roundup(Dec::from_tenths(base).mul(self.temporal_factor())));
        let environmental = self
            .any_defined(&ENVIRONMENTAL)
            .then(|| self.environmental_tenths());
        (base, temporal, environmental)
    }

    /// Base, temporal and environmental scores. Temporal (environmental) is
    /// `Some` only when at least one temporal (environmental) metric is
    /// defined (not `X`).
    pub fn scores(&self) -> Scores {
        let (base, temporal, environmental) = self.tenths();
        Scores::from_tenths(base, temporal, environmental)
    }

    /// Section 5 qualitative rating of the base score.
    pub fn severity(&self) -> Rating {
        Rating::from_tenths(self.base_tenths())
    }
}

/// The canonical form: `CVSS:3.x/` then the metrics in table 15 order, `X` omitted.
impl fmt::Display for Vector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.version {
            Version::V3_0 => "CVSS:3.0",
            _ => "CVSS:3.1",
        };
        parse::write_vector(f, Some(prefix), &DEFS, &self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_has_a_weight() {
        let tables: [(Metric, Table); 11] = [
            (Metric::AttackVector, ATTACK_VECTOR),
            (Metric::AttackComplexity, ATTACK_COMPLEXITY),
            (Metric::PrivilegesRequired, PRIVILEGES_UNCHANGED),
            (Metric::PrivilegesRequired, PRIVILEGES_CHANGED),
            (Metric::UserInteraction, USER_INTERACTION),
            (Metric::Confidentiality, IMPACT),
            (Metric::ModifiedConfidentiality, IMPACT),
            (Metric::ExploitCodeMaturity, EXPLOIT_CODE_MATURITY),
            (Metric::RemediationLevel, REMEDIATION_LEVEL),
            (Metric::ReportConfidence, REPORT_CONFIDENCE),
            (Metric::ConfidentialityRequirement, REQUIREMENT),
        ];
        for (metric, table) in tables {
            for value in metric.values() {
                // Modified metrics' X falls back to the base metric's value.
                if *value == "X" && metric == Metric::ModifiedConfidentiality {
                    continue;
                }
                assert!(
                    table.iter().any(|(v, _)| v == value),
                    "{metric}:{value} has no weight"
                );
            }
        }
    }

    #[test]
    fn roundup_examples_from_the_specifications() {
        // v3.1 Appendix A / v3.0 section 8.1: Roundup(4.02) = 4.1, Roundup(4.00) = 4.0.
        for roundup in [roundup_v30, roundup_v31] {
            assert_eq!(roundup(d(402, 2)), 41);
            assert_eq!(roundup(d(400, 2)), 40);
            assert_eq!(roundup(d(4_000_010, 6)), 41);
        }
        // Where they differ: less than 5e-6 above a tenth, Appendix A first
        // rounds to 5 decimals.
        assert_eq!(roundup_v30(d(4_000_004, 6)), 41);
        assert_eq!(roundup_v31(d(4_000_004, 6)), 40);
    }

    /// Every value that v3.0 or v3.1 ever rounds up — all base and modified
    /// sub-score combinations, and every temporal product — rounds the same
    /// with the v3.0 ceiling and the v3.1 Appendix A function, so the choice
    /// between them cannot change a score (and the reference implementation,
    /// which uses the ceiling for both, agrees with the specification).
    #[test]
    fn both_roundups_agree_on_every_reachable_value() {
        let weights = |t: Table| t.iter().map(|(_, w)| *w).collect::<Vec<_>>();
        let requirements = [d(5, 1), d(1, 0), d(15, 1)];
        let mut checked = 0usize;
        for v31 in [false, true] {
            for changed in [false, true] {
                let privileges = if changed {
                    PRIVILEGES_CHANGED
                } else {
                    PRIVILEGES_UNCHANGED
                };
                let mut exploitabilities = Vec::new();
                for av in weights(ATTACK_VECTOR) {
                    for ac in weights(ATTACK_COMPLEXITY) {
                        for pr in weights(privileges) {
                            for ui in weights(USER_INTERACTION) {
                                exploitabilities.push(exploitability(av, ac, pr, ui));
                            }
                        }
                    }
                }
                let impacts = weights(IMPACT);
                let mut isses = Vec::new();
                for c in &impacts {
                    for i in &impacts {
                        for a in &impacts {
                            for cr in requirements {
                                for ir in requirements {
                                    for ar in requirements {
                                        isses.push(
                                            iss(c.mul(cr), i.mul(ir), a.mul(ar)).min(d(915, 3)),
                                        );
                                    }
                                }
                            }
                        }
                    }
                }
                for x in &isses {
                    let impact = impact_subscore(*x, changed, v31);
                    for e in &exploitabilities {
                        if let Some(value) = unrounded_score(impact, *e, changed) {
                            assert_eq!(roundup_v30(value), roundup_v31(value), "{value:?}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        for base in 0..=100 {
            for e in weights(EXPLOIT_CODE_MATURITY) {
                for rl in weights(REMEDIATION_LEVEL) {
                    for rc in weights(REPORT_CONFIDENCE) {
                        let value = Dec::from_tenths(base).mul(e).mul(rl).mul(rc);
                        assert_eq!(roundup_v30(value), roundup_v31(value), "{value:?}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 100_000, "{checked}");
    }
}
