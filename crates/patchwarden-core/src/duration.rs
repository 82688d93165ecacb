//! Policy durations written the way people write them in a procedure: `30m`, `48h`, `7d`, `2w`.
//!
//! Months are deliberately not a unit here: "12 months" of retention is a calendar span and is kept as a
//! number of months by the policy, not as a fixed number of seconds.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A whole number of seconds, written with a single unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PolicyDuration {
    seconds: u64,
}

const UNITS: [(&str, u64); 5] = [
    ("w", 7 * 86_400),
    ("d", 86_400),
    ("h", 3_600),
    ("m", 60),
    ("s", 1),
];

impl PolicyDuration {
    pub const fn from_secs(seconds: u64) -> Self {
        Self { seconds }
    }
    pub const fn minutes(n: u64) -> Self {
        Self::from_secs(n * 60)
    }
    pub const fn hours(n: u64) -> Self {
        Self::from_secs(n * 3_600)
    }
    pub const fn days(n: u64) -> Self {
        Self::from_secs(n * 86_400)
    }
    pub const fn weeks(n: u64) -> Self {
        Self::from_secs(n * 7 * 86_400)
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
        let scale = match unit.trim() {
            "w" | "week" | "weeks" => 7 * 86_400,
            "d" | "day" | "days" => 86_400,
            "h" | "hour" | "hours" => 3_600,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            _ => return Err(err("unknown unit")),
        };
        n.checked_mul(scale)
            .filter(|s| i64::try_from(*s).is_ok())
            .map(PolicyDuration::from_secs)
            .ok_or_else(|| err("too large"))
    }
}

impl fmt::Display for PolicyDuration {
    /// The largest unit that divides the duration exactly, so `172800` seconds reads `48h`... unless it is
    /// whole days: `2d`. Zero is `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (unit, scale) = UNITS
            .iter()
            .find(|(_, scale)| self.seconds.is_multiple_of(*scale) && self.seconds != 0)
            .copied()
            .unwrap_or(("s", 1));
        write!(f, "{}{unit}", self.seconds / scale)
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
    fn displays_in_the_largest_exact_unit_and_round_trips() {
        for (d, s) in [
            (PolicyDuration::hours(48), "2d"),
            (PolicyDuration::hours(36), "36h"),
            (PolicyDuration::days(14), "2w"),
            (PolicyDuration::minutes(90), "90m"),
            (PolicyDuration::from_secs(0), "0s"),
        ] {
            assert_eq!(d.to_string(), s);
            assert_eq!(s.parse(), Ok(d));
        }
    }
}
