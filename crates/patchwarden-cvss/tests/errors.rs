//! Rejected vectors: the exact error, as data and as text.

use patchwarden_cvss::{ErrorKind, parse};

fn error(vector: &str) -> (ErrorKind, String) {
    match parse(vector) {
        Ok(parsed) => panic!("{vector:?} was accepted as {parsed}"),
        Err(e) => (e.kind().clone(), e.to_string()),
    }
}

fn message(vector: &str) -> String {
    error(vector).1
}

const V31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

#[test]
fn empty_and_slashes() {
    assert_eq!(error(""), (ErrorKind::Empty, "empty vector".to_owned()));
    assert_eq!(error(&format!("{V31}/")).0, ErrorKind::TrailingSlash);
    assert_eq!(
        message("CVSS:3.1/"),
        "trailing \"/\" at the end of the vector"
    );
    assert_eq!(message("/"), "trailing \"/\" at the end of the vector");
    assert_eq!(
        error("CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        (
            ErrorKind::EmptyPart { position: 3 },
            "empty part at position 3 (doubled or leading \"/\")".to_owned()
        )
    );
    assert_eq!(
        error("/AV:N/AC:L/Au:N/C:P/I:P/A:P").0,
        ErrorKind::EmptyPart { position: 1 }
    );
}

#[test]
fn malformed_parts() {
    assert_eq!(
        error("CVSS:3.1/AV/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        (
            ErrorKind::MalformedPart {
                part: "AV".to_owned()
            },
            "malformed part \"AV\" (expected METRIC:VALUE)".to_owned()
        )
    );
    assert_eq!(
        message("CVSS:3.1/AV:N:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        "malformed part \"AV:N:N\" (expected METRIC:VALUE)"
    );
    assert_eq!(
        message("AV:N/AC:L/Au:N/C:P/I:P/A:P/garbage"),
        "malformed part \"garbage\" (expected METRIC:VALUE)"
    );
}

#[test]
fn unknown_metrics_and_values() {
    assert_eq!(
        error(&format!("{V31}/ZZ:1")),
        (
            ErrorKind::UnknownMetric {
                metric: "ZZ".to_owned()
            },
            "unknown metric \"ZZ\"".to_owned()
        )
    );
    assert_eq!(
        error("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        (
            ErrorKind::UnknownValue {
                metric: "AV",
                value: "X".to_owned(),
                expected: "N, A, L, P".to_owned()
            },
            "unknown value \"X\" for metric AV (expected one of N, A, L, P)".to_owned()
        )
    );
    // Optional metrics list their "not defined" value too.
    assert_eq!(
        message(&format!("{V31}/E:A")),
        "unknown value \"A\" for metric E (expected one of X, U, P, F, H)"
    );
    assert_eq!(
        message("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:X"),
        "unknown value \"X\" for metric E (expected one of U, POC, F, H, ND)"
    );
    // Names and values are case-sensitive, as in the specifications.
    assert_eq!(
        message("AV:N/AC:L/AU:N/C:P/I:P/A:P"),
        "unknown metric \"AU\""
    );
    assert_eq!(
        message("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:green"),
        "unknown value \"green\" for metric U (expected one of X, Clear, Green, Amber, Red)"
    );
    // A v3 metric in a v2 vector, a v4 metric in a v3 vector.
    assert_eq!(
        message("AV:N/AC:L/PR:N/C:P/I:P/A:P"),
        "unknown metric \"PR\""
    );
    assert_eq!(message(&format!("{V31}/AT:N")), "unknown metric \"AT\"");
    // Surrounding whitespace is not trimmed.
    assert_eq!(
        message(&format!("{V31} ")),
        "unknown value \"H \" for metric A (expected one of H, L, N)"
    );
    // Long input is cut in messages.
    let long = "Z".repeat(500);
    let text = message(&format!("{V31}/{long}:1"));
    assert!(text.len() < 100 && text.ends_with("…\""), "{text}");
}

#[test]
fn duplicates() {
    assert_eq!(
        error(&format!("{V31}/AV:N")),
        (
            ErrorKind::DuplicateMetric { metric: "AV" },
            "metric AV appears twice".to_owned()
        )
    );
    // Even "not defined" counts.
    assert_eq!(message(&format!("{V31}/E:X/E:X")), "metric E appears twice");
    assert_eq!(
        message("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND/E:F"),
        "metric E appears twice"
    );
}

#[test]
fn missing_mandatory_metrics() {
    assert_eq!(
        error("CVSS:3.1/AV:N/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        (
            ErrorKind::MissingMetric { metric: "AC" },
            "missing mandatory metric AC".to_owned()
        )
    );
    // The first missing one in specification order.
    assert_eq!(message("CVSS:3.1/AV:N"), "missing mandatory metric AC");
    assert_eq!(message("CVSS:3.1"), "missing mandatory metric AV");
    assert_eq!(
        message("CVSS:4.0/AV:N/AC:L/PR:N/UI:N"),
        "missing mandatory metric AT"
    );
    assert_eq!(
        message("AV:N/AC:L/C:P/I:P/A:P"),
        "missing mandatory metric Au"
    );
    assert_eq!(message("CVSS:2.0"), "missing mandatory metric AV");
}

#[test]
fn unsupported_versions() {
    assert_eq!(
        error("CVSS:5.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
        (
            ErrorKind::UnsupportedVersion {
                prefix: "CVSS:5.0".to_owned()
            },
            "unsupported CVSS version prefix \"CVSS:5.0\"".to_owned()
        )
    );
    assert_eq!(
        message("CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        "unsupported CVSS version prefix \"CVSS:3.2\""
    );
    assert_eq!(
        message("cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        "unsupported CVSS version prefix \"cvss:3.1\""
    );
    assert_eq!(
        message("CVSS3.1/AV:N"),
        "unsupported CVSS version prefix \"CVSS3.1\""
    );
}

#[test]
fn the_error_type_is_a_std_error() {
    fn assert_error<E: std::error::Error + Send + Sync + 'static>(_: &E) {}
    let err = parse("").expect_err("empty");
    assert_error(&err);
    assert_eq!(err.clone(), err);
    assert!("AV:N".parse::<patchwarden_cvss::Cvss>().is_err());
}
