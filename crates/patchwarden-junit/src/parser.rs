//! The streaming pass over the XML events.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use crate::{FailedCase, Flavour, JunitParseError, MAX_FAILURES, MAX_MESSAGE_CHARS, TestReport};

/// Text of a `<failure>`/`<error>` kept to find its first line, in bytes.
const BODY_LIMIT: usize = 4096;

pub(crate) fn parse(xml: &[u8]) -> Result<TestReport, JunitParseError> {
    if xml.starts_with(&[0xFF, 0xFE]) || xml.starts_with(&[0xFE, 0xFF]) {
        return Err(error_at(
            xml,
            0,
            "UTF-16 encoded reports are not supported (convert the report to UTF-8)",
        ));
    }
    let mut reader = Reader::from_reader(xml);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;
    config.trim_text(false);

    let mut state = State::default();
    loop {
        let before = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(err) => {
                return Err(error_at(
                    xml,
                    reader.error_position(),
                    &format!("malformed XML: {err}"),
                ));
            }
        };
        let outcome = match event {
            Event::Start(e) => state.open(&e, before),
            Event::Empty(e) => state.open(&e, before).and_then(|()| state.close(before)),
            Event::End(_) => state.close(before),
            Event::Text(t) => state.text(&t, before),
            Event::CData(t) => state.text(&t, before),
            Event::GeneralRef(r) => {
                let resolved = resolve_reference(&r);
                state.text(resolved.as_bytes(), before)
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => Ok(()),
            Event::Eof => break,
        };
        if let Err(Fault { at, message }) = outcome {
            return Err(error_at(xml, at, &message));
        }
    }
    state.finish(xml)
}

/// An error found by the pass, at a byte offset.
struct Fault {
    at: u64,
    message: String,
}

impl Fault {
    fn new(at: u64, message: impl Into<String>) -> Self {
        Fault {
            at,
            message: message.into(),
        }
    }
}

/// Converts a byte offset into a 1-based line and a 1-based column in characters.
fn error_at(xml: &[u8], offset: u64, message: &str) -> JunitParseError {
    let offset = usize::try_from(offset).unwrap_or(usize::MAX).min(xml.len());
    let before = xml.get(..offset).unwrap_or(xml);
    let newlines = before.iter().filter(|&&b| b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = before
        .get(line_start..)
        .unwrap_or_default()
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count();
    JunitParseError {
        line: Some(saturate(newlines.saturating_add(1))),
        column: Some(saturate(column.saturating_add(1))),
        message: message.to_owned(),
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `&lt;` and friends, and character references; anything else stays as written.
fn resolve_reference(r: &[u8]) -> String {
    let name = String::from_utf8_lossy(r);
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix('x') {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => number.parse::<u32>().ok(),
        };
        return code
            .and_then(char::from_u32)
            .unwrap_or(char::REPLACEMENT_CHARACTER)
            .to_string();
    }
    match quick_xml::escape::resolve_predefined_entity(&name) {
        Some(value) => value.to_owned(),
        None => format!("&{name};"),
    }
}

/// An attribute value: decoded (lossily), whitespace-normalised and unescaped.
fn attr_value(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let text = if text.contains(['\t', '\n', '\r']) {
        Cow::Owned(text.replace(['\t', '\n', '\r'], " "))
    } else {
        text
    };
    match quick_xml::escape::unescape(&text) {
        Ok(unescaped) => unescaped.into_owned(),
        // An unknown entity (`&nbsp;`) or a stray `&`: keep the text as written.
        Err(_) => text.into_owned(),
    }
}

/// Calls `f(local name, raw value)` for each attribute of `e`.
fn each_attr(e: &BytesStart<'_>, at: u64, mut f: impl FnMut(&[u8], &[u8])) -> Result<(), Fault> {
    for attr in e.attributes() {
        let attr = attr.map_err(|err| Fault::new(at, format!("malformed XML: {err}")))?;
        f(attr.key.local_name().as_ref(), &attr.value);
    }
    Ok(())
}

fn is_xml_whitespace(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `<testsuites>` (the root, or nested in a suite).
    Testsuites,
    /// `<testsuite>`, with its index in `State::suites`.
    Testsuite(usize),
    /// `<testcase>` (the one in `State::case`).
    Testcase,
    /// `<failure>` or `<error>` directly in a test case.
    Failure,
    /// Anything else: `<properties>`, `<system-out>`, `<skipped>`, and
    /// everything inside those.
    Other,
}

#[derive(Debug)]
struct Frame {
    kind: Kind,
    /// Byte offset of the start tag.
    start: u64,
    /// The innermost `<testsuite>` open here (this one, or an enclosing one).
    suite: Option<usize>,
}

/// Outcome of a test, in increasing order of severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Skipped,
    Passed,
    Failed,
    Errored,
}

/// One `<testcase>` element being read.
#[derive(Debug, Default)]
struct Record {
    classname: String,
    name: String,
    failed: bool,
    errored: bool,
    skipped: bool,
    message: Option<String>,
}

/// One test (possibly several `<testcase>` records).
#[derive(Debug)]
struct Case {
    outcome: Outcome,
    classname: String,
    name: String,
    message: Option<String>,
}

/// A count attribute on a suite: absent, a number, or garbage (kept for the error).
#[derive(Debug, Clone, Default)]
enum Count {
    #[default]
    Absent,
    Valid(u64),
    Invalid(String),
}

impl Count {
    fn read(raw: &[u8]) -> Count {
        let text = attr_value(raw);
        match text.trim().parse::<u64>() {
            Ok(n) => Count::Valid(n),
            Err(_) => Count::Invalid(text),
        }
    }

    fn is_present(&self) -> bool {
        !matches!(self, Count::Absent)
    }
}

/// The `tests`, `failures`, `errors` and `skipped` attributes of a suite.
#[derive(Debug, Clone, Default)]
struct Counts {
    tests: Count,
    failures: Count,
    errors: Count,
    skipped: Count,
}

impl Counts {
    fn any(&self) -> bool {
        [&self.tests, &self.failures, &self.errors, &self.skipped]
            .iter()
            .any(|c| c.is_present())
    }
}

#[derive(Debug)]
struct Suite {
    start: u64,
    element: &'static str,
    counts: Counts,
    /// An enclosing suite carries counts, which include this one's.
    covered: bool,
}

#[derive(Debug, Default)]
struct Signals {
    root_name: Option<String>,
    root_has_id: bool,
    root_has_uuid: bool,
    pytest_suite: bool,
    pytest_skip: bool,
}

#[derive(Debug, Default)]
struct State {
    stack: Vec<Frame>,
    seen_root: bool,
    /// `<testsuite>` elements, in document order (a bare root one included).
    suites: Vec<Suite>,
    /// Counts of a root `<testsuites>`.
    root_counts: Option<(u64, Counts)>,
    /// The test case being read.
    case: Option<Record>,
    /// The text of the `<failure>`/`<error>` being read, when its message is wanted.
    body: Option<String>,
    cases: Vec<Case>,
    /// (enclosing suite, classname, name) to index in `cases`.
    seen: HashMap<(Option<usize>, String, String), usize>,
    signals: Signals,
}

impl State {
    fn top(&self) -> Option<Kind> {
        self.stack.last().map(|f| f.kind)
    }

    /// The innermost open `<testsuite>`.
    fn current_suite(&self) -> Option<usize> {
        self.stack.last().and_then(|f| f.suite)
    }

    fn open(&mut self, e: &BytesStart<'_>, at: u64) -> Result<(), Fault> {
        let local = e.local_name();
        let local = local.as_ref();
        let kind = match self.top() {
            None if self.seen_root => {
                return Err(Fault::new(
                    at,
                    format!(
                        "unexpected element <{}> after the root element",
                        String::from_utf8_lossy(e.name().as_ref())
                    ),
                ));
            }
            None => {
                self.seen_root = true;
                match local {
                    b"testsuites" => self.open_root_testsuites(e, at)?,
                    b"testsuite" => self.open_testsuite(e, at)?,
                    _ => {
                        return Err(Fault::new(
                            at,
                            format!(
                                "not a JUnit XML report (root element <{}>)",
                                String::from_utf8_lossy(e.name().as_ref())
                            ),
                        ));
                    }
                }
            }
            Some(Kind::Testsuites | Kind::Testsuite(_)) => match local {
                b"testsuite" => self.open_testsuite(e, at)?,
                b"testsuites" => Kind::Testsuites,
                b"testcase" => self.open_testcase(e, at)?,
                _ => Kind::Other,
            },
            Some(Kind::Testcase) => self.open_case_child(local, e, at)?,
            Some(Kind::Failure | Kind::Other) => Kind::Other,
        };
        let suite = match kind {
            Kind::Testsuite(i) => Some(i),
            _ => self.current_suite(),
        };
        self.stack.push(Frame {
            kind,
            start: at,
            suite,
        });
        Ok(())
    }

    fn open_root_testsuites(&mut self, e: &BytesStart<'_>, at: u64) -> Result<Kind, Fault> {
        let mut counts = Counts::default();
        let signals = &mut self.signals;
        each_attr(e, at, |key, value| match key {
            b"name" => signals.root_name = Some(attr_value(value)),
            b"id" => signals.root_has_id = true,
            b"uuid" => signals.root_has_uuid = true,
            _ => read_count(&mut counts, key, value),
        })?;
        self.root_counts = Some((at, counts));
        Ok(Kind::Testsuites)
    }

    fn open_testsuite(&mut self, e: &BytesStart<'_>, at: u64) -> Result<Kind, Fault> {
        let mut counts = Counts::default();
        let mut pytest = false;
        each_attr(e, at, |key, value| match key {
            b"name" => pytest |= value == b"pytest",
            _ => read_count(&mut counts, key, value),
        })?;
        self.signals.pytest_suite |= pytest;
        let covered = self
            .current_suite()
            .and_then(|i| self.suites.get(i))
            .is_some_and(|parent| parent.covered || parent.counts.any());
        let index = self.suites.len();
        self.suites.push(Suite {
            start: at,
            element: "testsuite",
            counts,
            covered,
        });
        Ok(Kind::Testsuite(index))
    }

    fn open_testcase(&mut self, e: &BytesStart<'_>, at: u64) -> Result<Kind, Fault> {
        let mut record = Record::default();
        let mut class = None;
        each_attr(e, at, |key, value| match key {
            b"classname" => record.classname = attr_value(value),
            b"class" => class = Some(attr_value(value)),
            b"name" => record.name = attr_value(value),
            _ => {}
        })?;
        if record.classname.is_empty() {
            if let Some(class) = class {
                record.classname = class;
            }
        }
        self.case = Some(record);
        Ok(Kind::Testcase)
    }

    fn open_case_child(
        &mut self,
        local: &[u8],
        e: &BytesStart<'_>,
        at: u64,
    ) -> Result<Kind, Fault> {
        let Some(record) = self.case.as_mut() else {
            return Ok(Kind::Other);
        };
        match local {
            b"failure" | b"error" => {
                if local == b"error" {
                    record.errored = true;
                } else {
                    record.failed = true;
                }
                let mut message = None;
                each_attr(e, at, |key, value| {
                    if key == b"message" {
                        message = Some(attr_value(value));
                    }
                })?;
                if record.message.is_none() {
                    match message.map(|m| cap_message(m.trim())) {
                        Some(m) if !m.is_empty() => record.message = Some(m),
                        _ => self.body = Some(String::new()),
                    }
                }
                Ok(Kind::Failure)
            }
            b"skipped" => {
                record.skipped = true;
                let mut pytest = false;
                each_attr(e, at, |key, value| {
                    if key == b"type" {
                        pytest |= value.starts_with(b"pytest.");
                    }
                })?;
                self.signals.pytest_skip |= pytest;
                Ok(Kind::Other)
            }
            // flakyFailure, flakyError, rerunFailure, rerunError: failed
            // attempts; the test case's own children say how it ended.
            _ => Ok(Kind::Other),
        }
    }

    fn close(&mut self, at: u64) -> Result<(), Fault> {
        let Some(frame) = self.stack.pop() else {
            return Err(Fault::new(
                at,
                "malformed XML: closing tag without an open element",
            ));
        };
        match frame.kind {
            Kind::Failure => {
                if let (Some(body), Some(record)) = (self.body.take(), self.case.as_mut()) {
                    let first_line = body.lines().map(str::trim).find(|l| !l.is_empty());
                    if let Some(line) = first_line {
                        record.message = Some(cap_message(line));
                    }
                }
            }
            Kind::Testcase => {
                if let Some(record) = self.case.take() {
                    self.finish_case(record);
                }
            }
            Kind::Testsuites | Kind::Testsuite(_) | Kind::Other => {}
        }
        Ok(())
    }

    fn finish_case(&mut self, record: Record) {
        let outcome = if record.errored {
            Outcome::Errored
        } else if record.failed {
            Outcome::Failed
        } else if record.skipped {
            Outcome::Skipped
        } else {
            Outcome::Passed
        };
        let case = Case {
            outcome,
            classname: record.classname,
            name: record.name,
            message: record.message,
        };
        if case.classname.is_empty() && case.name.is_empty() {
            // Nothing to tell records apart: each is its own test.
            self.cases.push(case);
            return;
        }
        let key = (
            self.current_suite(),
            case.classname.clone(),
            case.name.clone(),
        );
        match self.seen.entry(key) {
            Entry::Occupied(entry) => {
                if let Some(earlier) = self.cases.get_mut(*entry.get()) {
                    earlier.outcome = earlier.outcome.max(case.outcome);
                    if earlier.message.is_none() {
                        earlier.message = case.message;
                    }
                }
            }
            Entry::Vacant(entry) => {
                entry.insert(self.cases.len());
                self.cases.push(case);
            }
        }
    }

    fn text(&mut self, bytes: &[u8], at: u64) -> Result<(), Fault> {
        if self.stack.is_empty() {
            if is_xml_whitespace(bytes) {
                return Ok(());
            }
            let message = if self.seen_root {
                "unexpected text after the root element"
            } else {
                "not a JUnit XML report (text before the root element)"
            };
            return Err(Fault::new(at, message));
        }
        if self.top() == Some(Kind::Failure) {
            if let Some(body) = self.body.as_mut() {
                push_capped(body, &String::from_utf8_lossy(bytes), BODY_LIMIT);
            }
        }
        Ok(())
    }

    fn finish(self, xml: &[u8]) -> Result<TestReport, JunitParseError> {
        if let Some(open) = self.stack.last() {
            let (line, _) = line_of(xml, open.start);
            let name = match open.kind {
                Kind::Testsuites => "<testsuites>",
                Kind::Testsuite(_) => "<testsuite>",
                Kind::Testcase => "<testcase>",
                Kind::Failure => "<failure>/<error>",
                Kind::Other => "an element",
            };
            return Err(error_at(
                xml,
                u64::try_from(xml.len()).unwrap_or(u64::MAX),
                &format!("unexpected end of input: {name} opened on line {line} is not closed"),
            ));
        }
        if !self.seen_root {
            let message = if is_xml_whitespace(xml) {
                "not a JUnit XML report (empty document)"
            } else {
                "not a JUnit XML report (no root element)"
            };
            return Err(error_at(xml, 0, message));
        }
        let flavour = self.signals.flavour();
        let suites = self.suites.len();
        if self.cases.is_empty() {
            let totals = self.attribute_totals(xml)?;
            return Ok(TestReport {
                suites,
                tests: totals.tests,
                passed: totals.passed,
                failed: totals.failed,
                errors: totals.errors,
                skipped: totals.skipped,
                failures: Vec::new(),
                flavour,
            });
        }
        let mut report = TestReport {
            suites,
            tests: 0,
            passed: 0,
            failed: 0,
            errors: 0,
            skipped: 0,
            failures: Vec::new(),
            flavour,
        };
        for case in self.cases {
            report.tests += 1;
            match case.outcome {
                Outcome::Passed => report.passed += 1,
                Outcome::Skipped => report.skipped += 1,
                Outcome::Failed | Outcome::Errored => {
                    report.failed += 1;
                    if case.outcome == Outcome::Errored {
                        report.errors += 1;
                    }
                    if report.failures.len() < MAX_FAILURES {
                        report.failures.push(FailedCase {
                            classname: case.classname,
                            name: case.name,
                            message: case.message.unwrap_or_default(),
                        });
                    }
                }
            }
        }
        Ok(report)
    }

    /// Totals from the suites' attributes, for a report without test cases.
    fn attribute_totals(&self, xml: &[u8]) -> Result<Totals, JunitParseError> {
        let mut sources: Vec<(u64, &'static str, &Counts)> = self
            .suites
            .iter()
            .filter(|s| !s.covered && s.counts.any())
            .map(|s| (s.start, s.element, &s.counts))
            .collect();
        if sources.is_empty() {
            if let Some((start, counts)) = &self.root_counts {
                sources.push((*start, "testsuites", counts));
            }
        }
        let mut sum = Totals::default();
        for (start, element, counts) in sources {
            let value = |count: &Count, attr: &str| match count {
                Count::Absent => Ok(0),
                Count::Valid(n) => Ok(*n),
                Count::Invalid(text) => Err(error_at(
                    xml,
                    start,
                    &format!(
                        "invalid count {attr}=\"{}\" on <{element}>: not a whole number from 0 to {}",
                        cap_message(text),
                        u64::MAX
                    ),
                )),
            };
            let tests = value(&counts.tests, "tests")?;
            let failures = value(&counts.failures, "failures")?;
            let errors = value(&counts.errors, "errors")?;
            let skipped = value(&counts.skipped, "skipped")?;
            let overflow = || {
                error_at(
                    xml,
                    start,
                    &format!("counts on <{element}> add up to more than {}", u64::MAX),
                )
            };
            let failed = failures.checked_add(errors).ok_or_else(overflow)?;
            let not_passed = failed.checked_add(skipped).ok_or_else(overflow)?;
            // Tools get these wrong too: never let failures vanish into a
            // smaller `tests`.
            let tests = tests.max(not_passed);
            sum.tests = sum.tests.checked_add(tests).ok_or_else(overflow)?;
            sum.failed = sum.failed.checked_add(failed).ok_or_else(overflow)?;
            sum.errors = sum.errors.checked_add(errors).ok_or_else(overflow)?;
            sum.skipped = sum.skipped.checked_add(skipped).ok_or_else(overflow)?;
            sum.passed = sum
                .passed
                .checked_add(tests - not_passed)
                .ok_or_else(overflow)?;
        }
        Ok(sum)
    }
}

#[derive(Debug, Default)]
struct Totals {
    tests: u64,
    passed: u64,
    failed: u64,
    errors: u64,
    skipped: u64,
}

impl Signals {
    fn flavour(&self) -> Flavour {
        let root_name = self.root_name.as_deref();
        if root_name == Some("nextest-run") || self.root_has_uuid {
            Flavour::CargoNextest
        } else if root_name == Some("jest tests") {
            Flavour::Jest
        } else if self.pytest_suite || self.pytest_skip || root_name == Some("pytest tests") {
            Flavour::Pytest
        } else if self.root_has_id {
            Flavour::Playwright
        } else {
            Flavour::Generic
        }
    }
}

fn read_count(counts: &mut Counts, key: &[u8], value: &[u8]) {
    match key {
        b"tests" => counts.tests = Count::read(value),
        b"failures" => counts.failures = Count::read(value),
        b"errors" => counts.errors = Count::read(value),
        b"skipped" => counts.skipped = Count::read(value),
        _ => {}
    }
}

fn line_of(xml: &[u8], offset: u64) -> (u32, u32) {
    let e = error_at(xml, offset, "");
    (e.line.unwrap_or(1), e.column.unwrap_or(1))
}

fn cap_message(text: &str) -> String {
    text.chars().take(MAX_MESSAGE_CHARS).collect()
}

/// Appends as much of `text` as fits in `limit` bytes, on a character boundary.
fn push_capped(buf: &mut String, text: &str, limit: usize) {
    let room = limit.saturating_sub(buf.len());
    let mut end = room.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    buf.push_str(text.get(..end).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters() {
        let xml = "ab\nçé<x".as_bytes();
        let e = error_at(xml, 7, "m");
        assert_eq!((e.line, e.column), (Some(2), Some(3)));
        let e = error_at(xml, 0, "m");
        assert_eq!((e.line, e.column), (Some(1), Some(1)));
        let e = error_at(xml, u64::MAX, "m");
        assert_eq!((e.line, e.column), (Some(2), Some(5)));
    }

    #[test]
    fn references() {
        assert_eq!(resolve_reference(b"lt"), "<");
        assert_eq!(resolve_reference(b"#x41"), "A");
        assert_eq!(resolve_reference(b"#65"), "A");
        assert_eq!(resolve_reference(b"#xD800"), "\u{FFFD}");
        assert_eq!(resolve_reference(b"nbsp"), "&nbsp;");
    }

    #[test]
    fn attribute_values() {
        assert_eq!(attr_value(b"a &lt; b&#10;c"), "a < b\nc");
        assert_eq!(attr_value(b"line\none"), "line one");
        assert_eq!(attr_value(b"R&D"), "R&D");
        assert_eq!(attr_value(b"\xff"), "\u{FFFD}");
    }

    #[test]
    fn capped_push_respects_char_boundaries() {
        let mut buf = String::from("ab");
        push_capped(&mut buf, "çé", 5);
        assert_eq!(buf, "abç");
        push_capped(&mut buf, "xy", 5);
        assert_eq!(buf, "abçx");
        push_capped(&mut buf, "é", 6);
        assert_eq!(buf, "abçx");
    }
}
