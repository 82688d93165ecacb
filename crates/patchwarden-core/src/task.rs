//! Maintenance tasks as configured: what to run, when, and why (the procedure's housekeeping table),
//! and the pure rules of timing: the next slot, what is due after downtime, when a heartbeat is late.
//!
//! Slots are absolute instants shared by every scheduler on one database, so a claim on "task X, slot S"
//! means the same run everywhere: cron slots come from the expression (UTC), interval slots are multiples
//! of the interval since the Unix epoch (`every = "1d"` runs at 00:00 UTC).

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::duration::PolicyDuration;

/// When a task runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// A cron expression (five or six fields), validated when the config is read.
    Cron(String),
    /// A fixed interval, in slots aligned to the Unix epoch.
    Every(PolicyDuration),
}

/// How a task's runs come about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Trigger {
    /// The scheduler starts the command at each slot.
    Scheduled,
    /// Something else (an external cron) runs it and reports; a slot without a report within `grace`
    /// is a missed run.
    Heartbeat { grace: PolicyDuration },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSpec {
    pub name: String,
    pub schedule: Schedule,
    pub trigger: Trigger,
    /// Program and arguments, run without a shell unless `shell` is set. Empty for heartbeat tasks.
    pub command: Vec<String>,
    pub shell: bool,
    pub working_dir: Option<String>,
    pub env: BTreeMap<String, String>,
    pub timeout: PolicyDuration,
    /// A successful run shorter than this did nothing and is alerted.
    pub min_duration: Option<PolicyDuration>,
    pub purpose: Option<String>,
    pub compliance: Option<String>,
    /// A successful run counts as patching this asset.
    pub asset: Option<String>,
    pub enabled: bool,
}

/// A schedule that cannot produce times (an invalid cron expression that slipped past the config).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schedule {schedule:?}: {message}")]
pub struct ScheduleError {
    pub schedule: String,
    pub message: String,
}

impl Schedule {
    fn cron(expr: &str) -> Result<croner::Cron, ScheduleError> {
        expr.parse::<croner::Cron>().map_err(|e| ScheduleError {
            schedule: expr.to_owned(),
            message: e.to_string(),
        })
    }

    fn interval_secs(every: &PolicyDuration) -> i64 {
        i64::try_from(every.as_secs()).unwrap_or(i64::MAX).max(1)
    }

    /// The first slot strictly after `t`.
    pub fn next_after(&self, t: DateTime<Utc>) -> Result<DateTime<Utc>, ScheduleError> {
        match self {
            Schedule::Cron(expr) => {
                Self::cron(expr)?
                    .find_next_occurrence(&t, false)
                    .map_err(|e| ScheduleError {
                        schedule: expr.clone(),
                        message: e.to_string(),
                    })
            }
            Schedule::Every(every) => {
                let step = Self::interval_secs(every);
                let next = (t.timestamp().div_euclid(step) + 1).saturating_mul(step);
                Ok(DateTime::from_timestamp(next, 0).unwrap_or(DateTime::<Utc>::MAX_UTC))
            }
        }
    }

    /// The latest slot at or before `t`, if there is one.
    pub fn latest_at_or_before(
        &self,
        t: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, ScheduleError> {
        match self {
            Schedule::Cron(expr) => Ok(Self::cron(expr)?.find_previous_occurrence(&t, true).ok()),
            Schedule::Every(every) => {
                let step = Self::interval_secs(every);
                let slot = t.timestamp().div_euclid(step).saturating_mul(step);
                Ok(DateTime::from_timestamp(slot, 0))
            }
        }
    }

    /// The schedule as written in the config: the cron expression or `every 1d`.
    pub fn describe(&self) -> String {
        match self {
            Schedule::Cron(expr) => expr.clone(),
            Schedule::Every(every) => format!("every {every}"),
        }
    }
}

/// A run that is due now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// The slot the run stands for: the latest one that has come.
    pub slot: DateTime<Utc>,
    /// Slots between the last run and this one that passed without a run (downtime). They are not run:
    /// after downtime a task runs once, and the gap is reported as missed.
    pub skipped: u32,
}

/// The most slots counted when reporting a gap; a longer downtime is reported as "at least" this many.
pub const MAX_COUNTED_SKIPS: u32 = 1_000;

/// What is due at `now` for a task whose last slot handled (run, or first seen) is `since`:
/// the latest slot in `(since, now]`, once, however many slots passed.
pub fn due(
    schedule: &Schedule,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<Due>, ScheduleError> {
    let Some(slot) = schedule.latest_at_or_before(now)? else {
        return Ok(None);
    };
    if slot <= since {
        return Ok(None);
    }
    let mut skipped = 0;
    let mut t = since;
    while skipped < MAX_COUNTED_SKIPS {
        let next = schedule.next_after(t)?;
        if next >= slot {
            break;
        }
        skipped += 1;
        t = next;
    }
    Ok(Some(Due { slot, skipped }))
}

/// A heartbeat task's slot is late when no report arrived by `slot + grace`. Returns the earliest slot
/// in `(last_report_slot, now - grace]` that has gone unreported, if any.
pub fn overdue_heartbeat(
    schedule: &Schedule,
    grace: PolicyDuration,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, ScheduleError> {
    let grace = TimeDelta::seconds(i64::try_from(grace.as_secs()).unwrap_or(i64::MAX));
    let Some(deadline_base) = now.checked_sub_signed(grace) else {
        return Ok(None);
    };
    let slot = schedule.next_after(since)?;
    Ok((slot <= deadline_base).then_some(slot))
}

/// The heartbeat slot a report received at `at` answers: the latest slot at or before `at + grace`
/// that is at or before the report (or, for a report that came a little early, the slot just ahead).
pub fn heartbeat_slot(
    schedule: &Schedule,
    grace: PolicyDuration,
    at: DateTime<Utc>,
) -> Result<DateTime<Utc>, ScheduleError> {
    let grace = TimeDelta::seconds(i64::try_from(grace.as_secs()).unwrap_or(i64::MAX));
    let ahead = schedule.next_after(at)?;
    if ahead - at <= grace {
        return Ok(ahead);
    }
    Ok(schedule.latest_at_or_before(at)?.unwrap_or(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn interval_slots_are_aligned_to_the_epoch() {
        let every5 = Schedule::Every(PolicyDuration::minutes(5));
        assert_eq!(
            every5.next_after(t("2026-11-26T10:02:13Z")).unwrap(),
            t("2026-11-26T10:05:00Z")
        );
        assert_eq!(
            every5.next_after(t("2026-11-26T10:05:00Z")).unwrap(),
            t("2026-11-26T10:10:00Z")
        );
        let daily = Schedule::Every(PolicyDuration::days(1));
        assert_eq!(
            daily
                .latest_at_or_before(t("2026-11-26T23:59:59Z"))
                .unwrap(),
            Some(t("2026-11-26T00:00:00Z"))
        );
    }

    #[test]
    fn cron_slots_follow_the_expression_in_utc() {
        let weekly = Schedule::Cron("0 4 * * 1".into());
        // 2026-11-26 is a Thursday; the next Monday is 2026-11-30.
        assert_eq!(
            weekly.next_after(t("2026-11-26T12:00:00Z")).unwrap(),
            t("2026-11-30T04:00:00Z")
        );
        assert_eq!(
            weekly
                .latest_at_or_before(t("2026-11-30T04:00:00Z"))
                .unwrap(),
            Some(t("2026-11-30T04:00:00Z"))
        );
    }

    #[test]
    fn nothing_is_due_before_the_next_slot() {
        let every5 = Schedule::Every(PolicyDuration::minutes(5));
        let since = t("2026-11-26T10:05:00Z");
        assert_eq!(
            due(&every5, since, t("2026-11-26T10:09:59Z")).unwrap(),
            None
        );
        assert_eq!(
            due(&every5, since, t("2026-11-26T10:10:00Z")).unwrap(),
            Some(Due {
                slot: t("2026-11-26T10:10:00Z"),
                skipped: 0
            })
        );
    }

    #[test]
    fn missed_runs_run_once_after_downtime_and_the_gap_is_counted() {
        let every5 = Schedule::Every(PolicyDuration::minutes(5));
        // Down from 10:05 to 11:02: slots 10:10 … 11:00 passed (11 of them). Only 11:00 runs.
        let d = due(
            &every5,
            t("2026-11-26T10:05:00Z"),
            t("2026-11-26T11:02:00Z"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(d.slot, t("2026-11-26T11:00:00Z"));
        assert_eq!(d.skipped, 10);
        // Once it has run, the same slot is not due again.
        assert_eq!(
            due(&every5, d.slot, t("2026-11-26T11:04:59Z")).unwrap(),
            None
        );
    }

    #[test]
    fn a_very_long_gap_is_counted_up_to_the_cap() {
        let every1m = Schedule::Every(PolicyDuration::minutes(1));
        let d = due(
            &every1m,
            t("2026-01-01T00:00:00Z"),
            t("2026-11-26T00:00:00Z"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(d.skipped, MAX_COUNTED_SKIPS);
    }

    #[test]
    fn a_heartbeat_is_late_only_after_its_grace() {
        let daily = Schedule::Every(PolicyDuration::days(1));
        let grace = PolicyDuration::minutes(30);
        let since = t("2026-11-25T00:00:00Z");
        assert_eq!(
            overdue_heartbeat(&daily, grace, since, t("2026-11-26T00:29:59Z")).unwrap(),
            None
        );
        assert_eq!(
            overdue_heartbeat(&daily, grace, since, t("2026-11-26T00:30:00Z")).unwrap(),
            Some(t("2026-11-26T00:00:00Z"))
        );
    }

    #[test]
    fn a_report_answers_the_slot_it_belongs_to() {
        let daily = Schedule::Every(PolicyDuration::days(1));
        let grace = PolicyDuration::minutes(30);
        // A little late: still today's slot.
        assert_eq!(
            heartbeat_slot(&daily, grace, t("2026-11-26T00:10:00Z")).unwrap(),
            t("2026-11-26T00:00:00Z")
        );
        // A little early (clock skew): tomorrow's slot.
        assert_eq!(
            heartbeat_slot(&daily, grace, t("2026-11-26T23:50:00Z")).unwrap(),
            t("2026-11-27T00:00:00Z")
        );
    }

    #[test]
    fn a_bad_cron_expression_is_an_error_not_a_panic() {
        let bad = Schedule::Cron("61 * * * *".into());
        assert!(bad.next_after(t("2026-11-26T00:00:00Z")).is_err());
    }
}
