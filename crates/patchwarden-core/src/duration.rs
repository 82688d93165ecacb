//! Policy durations written the way people write them in a procedure: `30m`, `48h`, `7d`, `2w`.
//!
//! Months are deliberately not a unit here: "12 months" of retention is a calendar span and is kept as a
//! number of months by the policy, not as a fixed number of seconds.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A whole number of seconds, remembered in the unit it was written in, so the procedure's "48 hours"
/// reads back as `48h`, not `2d`. Two durations are equal when they are equally long.
#[derive(Debug, Clone, Copy)]
pub struct PolicyDuration {
    seconds: u64,
    unit: Unit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Seconds,
    Minutes,
    Hours,
    Days,
    Weeks,
}

impl Unit {
    const fn seconds(self) -> u64 {
        match self {
            Unit::Seconds => 1,
            Unit::Minutes => 60,
            Unit::Hours => 3_600,
            Unit::Days => 86_400,
            Unit::Weeks => 7 * 86_400,
        }
    }

    const fn suffix(self) -> &'static str {
        match self {
            Unit::Seconds => "s",
            Unit::Minutes => "m",
            Unit::Hours => "h",
            Unit::Days => "d",
            Unit::Weeks => "w",
        }
    }
}

impl PartialEq for PolicyDuration {
    fn eq(&self, other: &Self) -> bool {
        self.seconds == other.seconds
    }
}
impl Eq for PolicyDuration {}
impl PartialOrd for PolicyDuration {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for PolicyDuration {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.seconds.cmp(&other.seconds)
    }
}
impl std::hash::Hash for PolicyDuration {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.seconds.hash(state);
    }
}

impl PolicyDuration {
    const fn of(n: u64, unit: Unit) -> Self {
        Self {
            seconds: n * unit.seconds(),
            unit,
        }
    }
    pub const fn from_secs(seconds: u64) -> Self {
        Self::of(seconds, Unit::Seconds)
    }
    pub const fn minutes(n: u64) -> Self {
        Self::of(n, Unit::Minutes)
    }
    pub const fn hours(n: u64) -> Self {
        Self::of(n, Unit::Hours)
    }
    pub const fn days(n: u64) -> Self {
        Self::of(n, Unit::Days)
    }
    pub const fn weeks(n: u64) -> Self {
        Self::of(n, Unit::Weeks)
    }
    pub const fn as_secs(self) -> u64 {
        self.seconds
    }
    pub fn to_chrono(self) -> chrono::TimeDelta {
        chrono::TimeDelta::seconds(i64::try_from(self.seconds).unwrap_or(i64::MAX))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid duration \"{input}\": {reason} (expected a whole number and a unit, e.g. 30m, 48h, 7d, 2w)"
)]
pub struct DurationParseError {
    pub input: String,
    pub reason: &'static str,
}

impl FromStr for PolicyDuration {
    type Err = DurationParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason| DurationParseError {
            input: input.to_owned(),
            reason,
        };
        let s = input.trim();
        let split = s
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| err(if s.is_empty() { "empty" } else { "no unit" }))?;
        let (number, unit) = s.split_at(split);
        if number.is_empty() {
            return Err(err("no number"));
        }
        let n: u64 = number.parse().map_err(|_| err("number too large"))?;
        let unit = match unit.trim() {
            "w" | "week" | "weeks" => Unit::Weeks,
            "d" | "day" | "days" => Unit::Days,
            "h" | "hour" | "hours" => Unit::Hours,
            "m" | "min" | "mins" | "minute" | "minutes" => Unit::Minutes,
            "s" | "sec" | "secs" | "second" | "seconds" => Unit::Seconds,
            _ => return Err(err("unknown unit")),
        };
        n.checked_mul(unit.seconds())
            .filter(|s| i64::try_from(*s).is_ok())
            .map(|seconds| PolicyDuration { seconds, unit })
            .ok_or_else(|| err("too large"))
    }
}

impl fmt::Display for PolicyDuration {
    /// In the unit it was written in: `48h` stays `48h`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}",
            self.seconds / self.unit.seconds(),
            self.unit.suffix()
        )
    }
}

impl Serialize for PolicyDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PolicyDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_procedures_numbers() {
        assert_eq!("48h".parse(), Ok(PolicyDuration::hours(48)));
        assert_eq!("7d".parse(), Ok(PolicyDuration::days(7)));
        assert_eq!("30m".parse(), Ok(PolicyDuration::minutes(30)));
        assert_eq!("2 weeks".parse(), Ok(PolicyDuration::weeks(2)));
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for bad in [
            "",
            "48",
            "h",
            "1.5h",
            "-3d",
            "3 months",
            "99999999999999999999d",
        ] {
            assert!(
                bad.parse::<PolicyDuration>().is_err(),
                "{bad:?} was accepted"
            );
        }
        assert_eq!(
            "3y".parse::<PolicyDuration>().unwrap_err().to_string(),
            "invalid duration \"3y\": unknown unit (expected a whole number and a unit, e.g. 30m, 48h, 7d, 2w)"
        );
    }

    #[test]
    fn displays_in_the_unit_it_was_written_in_and_compares_by_length() {
        for text in ["48h", "2d", "7d", "1w", "90m", "0s"] {
            let d: PolicyDuration = text.parse().expect("valid");
            assert_eq!(d.to_string(), text);
        }
        assert_eq!(
            "2 days".parse::<PolicyDuration>().map(|d| d.to_string()),
            Ok("2d".into())
        );
        assert_eq!(PolicyDuration::hours(48), PolicyDuration::days(2));
        assert!(PolicyDuration::days(7) < PolicyDuration::weeks(2));
    }
}
