//! The parse error: one type for every CVSS version, naming the offending part.

use core::fmt;

/// Longest piece of user input quoted in an error message (in characters);
/// longer input is cut and ends with `…`.
const QUOTE_LIMIT: usize = 48;

/// A vector string that could not be parsed.
///
/// The [`Display`](fmt::Display) text names the offending metric or part,
/// e.g. `unknown value "X" for metric AV (expected one of N, A, L, P)`;
/// [`CvssParseError::kind`] gives the same information as data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct CvssParseError {
    kind: ErrorKind,
}

impl CvssParseError {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl From<ErrorKind> for CvssParseError {
    fn from(kind: ErrorKind) -> Self {
        CvssParseError { kind }
    }
}

/// The reason a vector was rejected.
///
/// Strings taken from the input are cut to a few dozen characters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is the empty string.
    Empty,
    /// The input ends with `/`.
    TrailingSlash,
    /// Two consecutive `/` (or a leading `/`): part number `position`
    /// (1-based, counting the `CVSS:x.y` prefix as part 1) is empty.
    EmptyPart {
        /// 1-based index of the empty part.
        position: usize,
    },
    /// A part that is not exactly `METRIC:VALUE`.
    MalformedPart {
        /// The part as written.
        part: String,
    },
    /// A metric abbreviation this CVSS version does not define
    /// (abbreviations are case-sensitive).
    UnknownMetric {
        /// The metric as written.
        metric: String,
    },
    /// A value the metric does not allow (values are case-sensitive).
    UnknownValue {
        /// The metric's abbreviation.
        metric: &'static str,
        /// The value as written.
        value: String,
        /// The allowed values, comma separated, in specification order.
        expected: String,
    },
    /// The same metric given twice (even if both values agree).
    DuplicateMetric {
        /// The metric's abbreviation.
        metric: &'static str,
    },
    /// A mandatory base metric is absent (the first one in specification order).
    MissingMetric {
        /// The metric's abbreviation.
        metric: &'static str,
    },
    /// A `CVSS:` prefix naming a version this crate does not support, or a
    /// malformed prefix.
    UnsupportedVersion {
        /// The prefix as written (up to the first `/`).
        prefix: String,
    },
    /// The v4 scorer (the `cvss` crate) refused a vector this crate accepted.
    /// Not expected to happen; reported instead of panicking.
    Scoring {
        /// The scorer's message.
        detail: String,
    },
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Empty => f.write_str("empty vector"),
            ErrorKind::TrailingSlash => f.write_str("trailing \"/\" at the end of the vector"),
            ErrorKind::EmptyPart { position } => {
                write!(
                    f,
                    "empty part at position {position} (doubled or leading \"/\")"
                )
            }
            ErrorKind::MalformedPart { part } => {
                write!(f, "malformed part \"{part}\" (expected METRIC:VALUE)")
            }
            ErrorKind::UnknownMetric { metric } => write!(f, "unknown metric \"{metric}\""),
            ErrorKind::UnknownValue {
                metric,
                value,
                expected,
            } => write!(
                f,
                "unknown value \"{value}\" for metric {metric} (expected one of {expected})"
            ),
            ErrorKind::DuplicateMetric { metric } => write!(f, "metric {metric} appears twice"),
            ErrorKind::MissingMetric { metric } => write!(f, "missing mandatory metric {metric}"),
            ErrorKind::UnsupportedVersion { prefix } => {
                write!(f, "unsupported CVSS version prefix \"{prefix}\"")
            }
            ErrorKind::Scoring { detail } => write!(f, "CVSS v4.0 scorer failed: {detail}"),
        }
    }
}

/// Copies user input for an error message, cut to [`QUOTE_LIMIT`] characters.
pub(crate) fn quote(input: &str) -> String {
    match input.char_indices().nth(QUOTE_LIMIT) {
        Some((cut, _)) => {
            let mut quoted = input[..cut].to_owned();
            quoted.push('…');
            quoted
        }
        None => input.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_cuts_long_input_on_a_char_boundary() {
        assert_eq!(quote("AV"), "AV");
        let long = "é".repeat(100);
        let quoted = quote(&long);
        assert_eq!(quoted.chars().count(), QUOTE_LIMIT + 1);
        assert!(quoted.ends_with('…'));
    }
}
