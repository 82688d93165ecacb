//! The triage queue's rule: a notice waits at most the policy's limit for a decision.

use chrono::{DateTime, Utc};

use crate::PolicyDuration;

/// Whether a notice received at `received_at` and still untriaged at `now` is past `triage_within`.
pub fn triage_overdue(
    received_at: DateTime<Utc>,
    now: DateTime<Utc>,
    triage_within: PolicyDuration,
) -> bool {
    now - received_at > triage_within.to_chrono()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_notice_is_overdue_only_after_the_limit() {
        let received = Utc
            .with_ymd_and_hms(2026, 11, 20, 9, 0, 0)
            .single()
            .expect("time");
        let limit = PolicyDuration::days(2);
        let hours = |h| received + chrono::TimeDelta::hours(h);
        assert!(!triage_overdue(received, hours(47), limit));
        assert!(!triage_overdue(received, hours(48), limit));
        assert!(triage_overdue(received, hours(49), limit));
    }
}
