//! Test evidence from JUnit XML reports.
//!
//! The patch workflow's Test step takes the JUnit XML written by the test
//! runners (pytest `--junitxml`, Playwright's `junit` reporter, cargo-nextest's
//! `[profile.<name>.junit]`, jest-junit, and anything else in the common
//! dialect) and needs to know how many tests ran, passed, failed and were
//! skipped. [`parse`] turns the bytes of one report into a [`TestReport`]; it
//! does no IO, reads the input once in a streaming pass (quick-xml) and never
//! panics, whatever the input.
//!
//! # Counting rules
//!
//! * Counts come from the `<testcase>` elements themselves, never from the
//!   `tests`/`failures`/`errors`/`skipped` attributes of the suites, which
//!   tools get wrong. A test case with a `<failure>` or `<error>` child has
//!   failed (an `<error>` one also counts in [`TestReport::errors`]); one with
//!   `<skipped>` was skipped; any other test case passed.
//! * Retries: a test case that passed after retries is a pass. nextest and
//!   Surefire write the failed attempts as `<flakyFailure>`/`<flakyError>`
//!   (passed in the end) or `<rerunFailure>`/`<rerunError>` (beside the final
//!   `<failure>`) children: only the final outcome counts. pytest-rerunfailures
//!   instead writes one `<testcase>` per attempt, the earlier ones empty, and
//!   pytest itself writes a second `<testcase>` when a failed test also errors
//!   in teardown: test cases with the same `classname` and `name` in the same
//!   suite are therefore one test, whose outcome is the worst of its records
//!   (error, then failure, then pass, then skip), so a failure is never
//!   hidden by a later record.
//! * A report with no `<testcase>` at all but with counts on its suites (some
//!   tools summarise only) is counted from those attributes: the outermost
//!   suites that carry counts, or else the root `<testsuites>` element.
//! * An empty report (no tests) parses: refusing it as evidence is the
//!   caller's business.
//!
//! # Example
//!
//! ```
//! let xml = br#"<?xml version="1.0" encoding="utf-8"?>
//! <testsuites><testsuite name="pytest" tests="2">
//!   <testcase classname="tests.test_patch" name="test_apply"/>
//!   <testcase classname="tests.test_patch" name="test_revert">
//!     <failure message="assert 1 == 2">...</failure>
//!   </testcase>
//! </testsuite></testsuites>"#;
//! let report = patchwarden_junit::parse(xml)?;
//! assert_eq!((report.tests, report.passed, report.failed), (2, 1, 1));
//! assert_eq!(report.flavour, patchwarden_junit::Flavour::Pytest);
//! assert_eq!(report.failures[0].message, "assert 1 == 2");
//! # Ok::<(), patchwarden_junit::JunitParseError>(())
//! ```

mod parser;

use std::fmt;

/// At most this many failed test cases are listed in [`TestReport::failures`].
pub const MAX_FAILURES: usize = 50;

/// A failure message longer than this many characters is cut short.
pub const MAX_MESSAGE_CHARS: usize = 500;

/// Parses one JUnit XML report.
///
/// The input is UTF-8 XML (a UTF-8 byte order mark is allowed); invalid UTF-8
/// inside names and messages is replaced, not refused. A document whose root
/// element is neither `<testsuites>` nor `<testsuite>` is refused with
/// `not a JUnit XML report (root element <NAME>)`, and malformed XML with the
/// line and column of the fault.
pub fn parse(xml: &[u8]) -> Result<TestReport, JunitParseError> {
    parser::parse(xml)
}

/// What one JUnit XML report says about a test run.
///
/// Always `tests == passed + failed + skipped` and `errors <= failed`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TestReport {
    /// Number of `<testsuite>` elements (nested ones included).
    pub suites: usize,
    /// Number of tests.
    pub tests: u64,
    /// Tests that passed (after retries, where the runner retries).
    pub passed: u64,
    /// Tests that failed or errored.
    pub failed: u64,
    /// Of the failed tests, those that errored (an `<error>` element).
    pub errors: u64,
    /// Tests that were skipped (including pytest's expected failures).
    pub skipped: u64,
    /// The first [`MAX_FAILURES`] failed tests, in document order.
    pub failures: Vec<FailedCase>,
    /// Which tool wrote the report, as far as can be told.
    pub flavour: Flavour,
}

/// One failed test.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FailedCase {
    /// The `classname` attribute (empty when absent).
    pub classname: String,
    /// The `name` attribute (empty when absent).
    pub name: String,
    /// The `message` attribute of the first `<failure>`/`<error>`, or else
    /// the first non-blank line of its text, at most [`MAX_MESSAGE_CHARS`]
    /// characters; empty when there is neither.
    pub message: String,
}

/// The tool that wrote a report, detected from its attributes and names.
///
/// Detection, first match wins:
/// * [`CargoNextest`](Flavour::CargoNextest): root `<testsuites name="nextest-run">`
///   (nextest's default report name), or a root `<testsuites>` with a `uuid`
///   attribute (the run id nextest writes);
/// * [`Jest`](Flavour::Jest): root `<testsuites name="jest tests">` (jest-junit's default);
/// * [`Pytest`](Flavour::Pytest): a `<testsuite name="pytest">` (pytest's
///   default `junit_suite_name`), a root `<testsuites name="pytest tests">`, or a
///   `<skipped type="pytest.skip">`/`"pytest.xfail"`;
/// * [`Playwright`](Flavour::Playwright): a root `<testsuites>` with an `id`
///   attribute (Playwright always writes `id` and `name`, empty unless
///   `PLAYWRIGHT_JUNIT_SUITE_ID`/`_NAME` are set; other tools leave `id` out);
/// * [`Generic`](Flavour::Generic): anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flavour {
    /// pytest `--junitxml`.
    Pytest,
    /// Playwright's `junit` reporter.
    Playwright,
    /// cargo-nextest's JUnit output.
    CargoNextest,
    /// jest-junit.
    Jest,
    /// Any other JUnit XML.
    Generic,
}

impl Flavour {
    /// The lowercase name: `pytest`, `playwright`, `cargo-nextest`, `jest`, `generic`.
    pub fn as_str(self) -> &'static str {
        match self {
            Flavour::Pytest => "pytest",
            Flavour::Playwright => "playwright",
            Flavour::CargoNextest => "cargo-nextest",
            Flavour::Jest => "jest",
            Flavour::Generic => "generic",
        }
    }
}

impl fmt::Display for Flavour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a report could not be read.
///
/// Displays as `line L, column C: MESSAGE` (lines and columns count from 1,
/// columns in characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", display_error(*.line, *.column, .message))]
pub struct JunitParseError {
    /// Line of the fault, from 1.
    pub line: Option<u32>,
    /// Column of the fault in characters, from 1.
    pub column: Option<u32>,
    /// What is wrong.
    pub message: String,
}

fn display_error(line: Option<u32>, column: Option<u32>, message: &str) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!("line {line}, column {column}: {message}"),
        (Some(line), None) => format!("line {line}: {message}"),
        _ => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_display() {
        let e = JunitParseError {
            line: Some(3),
            column: Some(7),
            message: "boom".into(),
        };
        assert_eq!(e.to_string(), "line 3, column 7: boom");
        let e = JunitParseError {
            line: Some(3),
            column: None,
            message: "boom".into(),
        };
        assert_eq!(e.to_string(), "line 3: boom");
        let e = JunitParseError {
            line: None,
            column: None,
            message: "boom".into(),
        };
        assert_eq!(e.to_string(), "boom");
    }

    #[test]
    fn flavour_names() {
        let all = [
            Flavour::Pytest,
            Flavour::Playwright,
            Flavour::CargoNextest,
            Flavour::Jest,
            Flavour::Generic,
        ];
        let shown: Vec<String> = all.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            ["pytest", "playwright", "cargo-nextest", "jest", "generic"]
        );
        for flavour in all {
            let json = serde_json::to_string(&flavour).unwrap();
            assert_eq!(json, format!("\"{flavour}\""));
        }
    }
}
