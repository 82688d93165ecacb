//! Reading one OSV record from JSON, with errors that name the JSON path and the line of the problem,
//! and the checks the schema makes that serde alone does not (one key per event, an `introduced` per
//! range, a non-empty id).

use std::fmt;

use crate::model::{Advisory, RangeType};

/// Why a record is not valid OSV, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsvParseError {
    /// JSON path of the problem, e.g. `affected[0].ranges[1].events[2]` (empty: the whole document).
    pub path: String,
    pub message: String,
    /// 1-based position in the text, when the JSON parser knows it.
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl fmt::Display for OsvParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.path.is_empty() {
            write!(f, "at {}: ", self.path)?;
        }
        f.write_str(&self.message)?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, " (line {line}, column {column})")?;
        }
        Ok(())
    }
}

impl std::error::Error for OsvParseError {}

fn invalid(path: String, message: impl Into<String>) -> OsvParseError {
    OsvParseError {
        path,
        message: message.into(),
        line: None,
        column: None,
    }
}

/// Parses and checks one OSV record.
pub fn parse_advisory(bytes: &[u8]) -> Result<Advisory, OsvParseError> {
    // Almost every record is valid: parse it without tracking the path, which costs a third of the time;
    // only a record that fails is parsed again to say where.
    let advisory = match serde_json::from_slice::<Advisory>(bytes) {
        Ok(advisory) => advisory,
        Err(_) => parse_with_path(bytes)?,
    };
    check(&advisory)?;
    Ok(advisory)
}

/// The slow parse, naming the JSON path of the first problem.
fn parse_with_path(bytes: &[u8]) -> Result<Advisory, OsvParseError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let (line, column) = (inner.line(), inner.column());
        // serde_json appends " at line X column Y"; we report the position separately.
        let message = inner.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m)
            .to_owned();
        OsvParseError {
            path: if path == "." { String::new() } else { path },
            message,
            line: (line > 0).then_some(line),
            column: (line > 0).then_some(column),
        }
    })
}

fn check(a: &Advisory) -> Result<(), OsvParseError> {
    if a.id.trim().is_empty() {
        return Err(invalid("id".into(), "the id is empty"));
    }
    for (i, affected) in a.affected.iter().enumerate() {
        if let Some(p) = &affected.package {
            if p.ecosystem.is_empty() || p.name.is_empty() {
                return Err(invalid(
                    format!("affected[{i}].package"),
                    "ecosystem and name must both be non-empty",
                ));
            }
        }
        for (j, range) in affected.ranges.iter().enumerate() {
            let at = format!("affected[{i}].ranges[{j}]");
            if range.events.is_empty() {
                return Err(invalid(
                    format!("{at}.events"),
                    "a range needs at least one event",
                ));
            }
            for (k, event) in range.events.iter().enumerate() {
                if event.get().is_none() {
                    return Err(invalid(
                        format!("{at}.events[{k}]"),
                        "an event must hold exactly one of introduced, fixed, last_affected, limit",
                    ));
                }
            }
            if range.kind != RangeType::Git && !range.events.iter().any(|e| e.introduced.is_some())
            {
                return Err(invalid(
                    format!("{at}.events"),
                    "a range needs an `introduced` event",
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_record_parses() {
        let a = parse_advisory(br#"{"id":"X-1","modified":"2021-01-04T19:02:00Z"}"#).unwrap();
        assert_eq!(a.id, "X-1");
        assert!(a.affected.is_empty());
    }

    #[test]
    fn the_fast_parse_and_the_path_tracking_parse_agree() {
        let inputs: [&[u8]; 5] = [
            br#"{"id":"X-1","modified":"2021-01-04T19:02:00Z","aliases":null,"affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}}]}"#,
            br#"{"id":"X-1","modified":"2021-01-04T19:02:00Z","unknown":{"kept":"ignored"}}"#,
            br#"{"id":"X-1","modified":"yesterday"}"#,
            br#"{"id":"X-1","modified":"2021-01-04T19:02:00Z","affected":[{"package":{"ecosystem":"PyPI"}}]}"#,
            b"{\"id\": 3",
        ];
        for input in inputs {
            let fast = serde_json::from_slice::<Advisory>(input).ok();
            let tracked = parse_with_path(input).ok();
            assert_eq!(fast, tracked, "{}", String::from_utf8_lossy(input));
        }
        // An invalid record still names the path, though the fast parse failed first.
        let err = parse_advisory(br#"{"id":"X-1","modified":"2021-01-04T19:02:00Z","affected":[{"package":{"ecosystem":"PyPI"}}]}"#)
            .unwrap_err();
        assert_eq!(err.path, "affected[0].package");
    }

    #[test]
    fn errors_name_the_json_path_and_line() {
        let err = parse_advisory(
            b"{\"id\":\"X-1\",\"modified\":\"2021-01-04T19:02:00Z\",\n\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\"}}]}",
        )
        .unwrap_err();
        assert_eq!(err.path, "affected[0].package");
        assert!(err.message.contains("missing field `name`"), "{err}");
        assert_eq!(err.line, Some(2));

        let err = parse_advisory(br#"{"id":"X-1","modified":"yesterday"}"#).unwrap_err();
        assert_eq!(err.path, "modified");

        let err = parse_advisory(b"{\"id\": 3").unwrap_err();
        assert_eq!(err.path, "id");
    }

    #[test]
    fn an_event_must_have_exactly_one_key() {
        let err = parse_advisory(
            br#"{"id":"X-1","modified":"2021-01-04T19:02:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},
            "ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1.0.0"}]}]}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.path, "affected[0].ranges[0].events[0]");
    }

    #[test]
    fn a_single_range_object_is_read_as_a_list_of_one() {
        let a = parse_advisory(
            br#"{"id":"ELA-1","modified":"2021-01-04T19:02:00Z","affected":[{"package":{"ecosystem":"Debian:8","name":"x"},
            "ranges":{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0-1"}]}}]}"#,
        )
        .unwrap();
        assert_eq!(a.affected[0].ranges.len(), 1);
    }

    #[test]
    fn unknown_range_and_severity_types_are_tolerated() {
        let a = parse_advisory(
            br#"{"id":"X-1","modified":"2021-01-04T19:02:00Z","severity":[{"type":"CVSS_V9","score":"x"}],
            "affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"NEWKIND","events":[{"introduced":"0"}]}]}],
            "aliases":null}"#,
        )
        .unwrap();
        assert_eq!(a.severity[0].kind, crate::model::SeverityType::Other);
        assert_eq!(a.affected[0].ranges[0].kind, RangeType::Other);
    }
}
