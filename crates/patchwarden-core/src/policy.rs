//! The patch policy: how a CVSS score becomes a severity, how long each severity may stay open, and the
//! rules of the emergency path. The defaults are the two procedures' own numbers (see `Policy::default`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::duration::PolicyDuration;
use crate::people::Role;
use crate::severity::Severity;

/// Lowest CVSS score of each band; a score below `low` (i.e. 0.0) has no severity under the policy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SeverityBands {
    pub critical: f64,
    pub high: f64,
    pub medium: f64,
    pub low: f64,
}

impl Default for SeverityBands {
    /// "Critical vulnerabilities (CVSS 9.0+)"; 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low.
    fn default() -> Self {
        Self {
            critical: 9.0,
            high: 7.0,
            medium: 4.0,
            low: 0.1,
        }
    }
}

/// How long a finding of each severity may stay unremediated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemediationTargets {
    pub critical: PolicyDuration,
    pub high: PolicyDuration,
    pub medium: PolicyDuration,
    pub low: PolicyDuration,
}

impl Default for RemediationTargets {
    /// "Within 48 hours / 7 days / 30 days / 90 days".
    fn default() -> Self {
        Self {
            critical: PolicyDuration::hours(48),
            high: PolicyDuration::days(7),
            medium: PolicyDuration::days(30),
            low: PolicyDuration::days(90),
        }
    }
}

impl RemediationTargets {
    pub fn for_severity(&self, severity: Severity) -> PolicyDuration {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
        }
    }
}

/// The emergency hotfix path: "IC approves the hotfix. Engineering Lead runs expedited testing. Release
/// Owner deploys immediately. Post-mortem is required within 48 hours."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyPolicy {
    /// Severities that take the emergency path by default.
    pub severities: Vec<Severity>,
    /// The role whose approval an emergency deploy needs.
    pub approver: Role,
    /// The role that runs the expedited tests.
    pub expedited_tester: Role,
    /// How long after the emergency deploy the post-mortem is due.
    pub postmortem_due: PolicyDuration,
    /// The remediation target on the emergency path whatever the severity ("a high-severity zero-day
    /// … within 48 hours"): the record is due at the sooner of this and its severity's target. None:
    /// the path does not change the deadline.
    #[serde(default)]
    pub target: Option<PolicyDuration>,
}

impl Default for EmergencyPolicy {
    fn default() -> Self {
        Self {
            severities: vec![Severity::Critical],
            approver: Role::IncidentCommander,
            expedited_tester: Role::EngineeringLead,
            postmortem_due: PolicyDuration::hours(48),
            target: None,
        }
    }
}

/// Unsupported systems: "no operating system, runtime or database past its end of life may remain".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsupportedPolicy {
    /// The severity of a component past its end of life.
    pub severity: Severity,
    /// How long before its end of life a component is reported as nearing it.
    pub warn_before: PolicyDuration,
}

impl Default for UnsupportedPolicy {
    fn default() -> Self {
        Self {
            severity: Severity::High,
            warn_before: PolicyDuration::days(90),
        }
    }
}

/// The whole policy. Every number is configurable in `patchwarden.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub bands: SeverityBands,
    /// "Active exploit" makes a finding critical whatever its score.
    pub known_exploited_is_critical: bool,
    pub targets: RemediationTargets,
    pub emergency: EmergencyPolicy,
    /// "The CTO monitors production logs … for 30 minutes post-deploy".
    pub verification_window: PolicyDuration,
    /// "100% success rate required", in percent.
    pub required_pass_rate: f64,
    /// Whether skipped tests count against the pass rate.
    pub skipped_tests_fail: bool,
    /// "We retain patch records for a minimum of 12 months".
    pub retention_months: u32,
    /// "Daily scans": advisory data older than this is stale.
    pub scan_cadence: PolicyDuration,
    pub unsupported: UnsupportedPolicy,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            bands: SeverityBands::default(),
            known_exploited_is_critical: true,
            targets: RemediationTargets::default(),
            emergency: EmergencyPolicy::default(),
            verification_window: PolicyDuration::minutes(30),
            required_pass_rate: 100.0,
            skipped_tests_fail: false,
            retention_months: 12,
            scan_cadence: PolicyDuration::days(1),
            unsupported: UnsupportedPolicy::default(),
        }
    }
}

impl Policy {
    /// The severity of a finding with this CVSS score (None: no score known) under the policy.
    ///
    /// Returns `None` when the score is below the lowest band (CVSS 0.0, "none") and nothing else makes it
    /// urgent; such a finding needs no remediation deadline.
    pub fn severity_for(&self, cvss_score: Option<f64>, known_exploited: bool) -> Option<Severity> {
        if known_exploited && self.known_exploited_is_critical {
            return Some(Severity::Critical);
        }
        let score = cvss_score?;
        let b = &self.bands;
        // Compare on tenths so that 8.9 vs 9.0 never hinges on float noise.
        let tenths = |x: f64| (x * 10.0).round() as i64;
        let s = tenths(score);
        [
            (b.critical, Severity::Critical),
            (b.high, Severity::High),
            (b.medium, Severity::Medium),
            (b.low, Severity::Low),
        ]
        .into_iter()
        .find(|(floor, _)| s >= tenths(*floor))
        .map(|(_, severity)| severity)
    }

    /// "due = detected_at + target".
    pub fn due_at(&self, severity: Severity, detected_at: DateTime<Utc>) -> DateTime<Utc> {
        detected_at + self.targets.for_severity(severity).to_chrono()
    }

    /// The due time of a record of `severity` whose clock started at `start`, on `path`: the severity's
    /// target, or the emergency target where that is sooner.
    pub fn due_on_path(
        &self,
        severity: Severity,
        path: Option<crate::workflow::PatchPath>,
        start: DateTime<Utc>,
    ) -> DateTime<Utc> {
        let due = self.due_at(severity, start);
        match (path, self.emergency.target) {
            (Some(crate::workflow::PatchPath::Emergency), Some(target)) => {
                due.min(start + target.to_chrono())
            }
            _ => due,
        }
    }

    /// Whether a record of this severity takes the emergency hotfix path unless someone decides otherwise.
    pub fn takes_emergency_path(&self, severity: Severity) -> bool {
        self.emergency.severities.contains(&severity)
    }

    /// Whether a test run with these counts meets the required pass rate.
    pub fn tests_pass(&self, passed: u64, failed: u64, skipped: u64) -> bool {
        let counted = passed + failed + if self.skipped_tests_fail { skipped } else { 0 };
        if counted == 0 {
            return false; // no evidence is not a 100% pass
        }
        let rate = passed as f64 * 100.0 / counted as f64;
        rate + 1e-9 >= self.required_pass_rate
    }

    /// The earliest moment a record closed at `closed_at` may be purged.
    pub fn purgeable_after(&self, closed_at: DateTime<Utc>) -> DateTime<Utc> {
        closed_at
            .checked_add_months(chrono::Months::new(self.retention_months))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Problems that make the policy inconsistent, in words a person can act on.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let b = &self.bands;
        for (name, v) in [
            ("critical", b.critical),
            ("high", b.high),
            ("medium", b.medium),
            ("low", b.low),
        ] {
            if !(0.0..=10.0).contains(&v) {
                out.push(format!(
                    "band {name} = {v} is outside the CVSS range 0.0–10.0"
                ));
            }
        }
        if !(b.critical > b.high && b.high > b.medium && b.medium > b.low) {
            out.push("bands must decrease: critical > high > medium > low".to_owned());
        }
        let t = &self.targets;
        if !(t.critical <= t.high && t.high <= t.medium && t.medium <= t.low) {
            out.push(
                "remediation targets must not shorten as severity falls: critical ≤ high ≤ medium ≤ low"
                    .to_owned(),
            );
        }
        if !(0.0..=100.0).contains(&self.required_pass_rate) {
            out.push(format!(
                "required pass rate {} is not a percentage (0–100)",
                self.required_pass_rate
            ));
        }
        if self.retention_months < 12 {
            out.push(format!(
                "retention of {} months is below the 12 months both procedures require",
                self.retention_months
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .expect("valid date")
    }

    #[test]
    fn cvss_bands_follow_the_procedure() {
        let p = Policy::default();
        assert_eq!(p.severity_for(Some(10.0), false), Some(Severity::Critical));
        assert_eq!(p.severity_for(Some(9.0), false), Some(Severity::Critical));
        assert_eq!(p.severity_for(Some(8.9), false), Some(Severity::High));
        assert_eq!(p.severity_for(Some(7.0), false), Some(Severity::High));
        assert_eq!(p.severity_for(Some(6.9), false), Some(Severity::Medium));
        assert_eq!(p.severity_for(Some(4.0), false), Some(Severity::Medium));
        assert_eq!(p.severity_for(Some(3.9), false), Some(Severity::Low));
        assert_eq!(p.severity_for(Some(0.1), false), Some(Severity::Low));
        assert_eq!(p.severity_for(Some(0.0), false), None);
        assert_eq!(p.severity_for(None, false), None);
    }

    #[test]
    fn an_active_exploit_is_critical_whatever_the_score() {
        let p = Policy::default();
        assert_eq!(p.severity_for(Some(5.3), true), Some(Severity::Critical));
        assert_eq!(p.severity_for(None, true), Some(Severity::Critical));
        let lenient = Policy {
            known_exploited_is_critical: false,
            ..Policy::default()
        };
        assert_eq!(
            lenient.severity_for(Some(5.3), true),
            Some(Severity::Medium)
        );
    }

    #[test]
    fn critical_is_due_within_48_hours_and_low_within_90_days() {
        let p = Policy::default();
        let found = at(2026, 3, 1, 9);
        assert_eq!(p.due_at(Severity::Critical, found), at(2026, 3, 3, 9));
        assert_eq!(p.due_at(Severity::High, found), at(2026, 3, 8, 9));
        assert_eq!(p.due_at(Severity::Medium, found), at(2026, 3, 31, 9));
        assert_eq!(p.due_at(Severity::Low, found), at(2026, 5, 30, 9));
    }

    #[test]
    fn only_critical_takes_the_emergency_path_by_default() {
        let p = Policy::default();
        assert!(p.takes_emergency_path(Severity::Critical));
        assert!(!p.takes_emergency_path(Severity::High));
        assert_eq!(p.emergency.approver, Role::IncidentCommander);
    }

    #[test]
    fn a_hundred_percent_pass_rate_refuses_a_single_failure() {
        let p = Policy::default();
        assert!(p.tests_pass(120, 0, 3));
        assert!(!p.tests_pass(119, 1, 0));
        assert!(!p.tests_pass(0, 0, 0), "no tests is no evidence");
        let strict = Policy {
            skipped_tests_fail: true,
            ..Policy::default()
        };
        assert!(!strict.tests_pass(120, 0, 3));
    }

    #[test]
    fn records_are_kept_twelve_calendar_months() {
        let p = Policy::default();
        assert_eq!(p.purgeable_after(at(2026, 2, 28, 12)), at(2027, 2, 28, 12));
    }

    #[test]
    fn the_default_policy_is_consistent_and_bad_ones_are_explained() {
        assert!(Policy::default().problems().is_empty());
        let mut bad = Policy::default();
        bad.bands.high = 9.5;
        bad.retention_months = 6;
        let problems = bad.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("critical > high"));
        assert!(problems[1].contains("below the 12 months"));
    }
}
