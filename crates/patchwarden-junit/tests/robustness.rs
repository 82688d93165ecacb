//! Truncated and mutated reports: never a panic, and a truncated report is
//! never taken for a complete one.

use patchwarden_junit::{MAX_FAILURES, TestReport, parse};
use proptest::prelude::*;

const FIXTURES: &[(&str, &[u8])] = &[
    ("pytest.xml", include_bytes!("fixtures/pytest.xml")),
    (
        "pytest_rerunfailures.xml",
        include_bytes!("fixtures/pytest_rerunfailures.xml"),
    ),
    (
        "pytest_empty.xml",
        include_bytes!("fixtures/pytest_empty.xml"),
    ),
    ("playwright.xml", include_bytes!("fixtures/playwright.xml")),
    ("nextest.xml", include_bytes!("fixtures/nextest.xml")),
    ("jest.xml", include_bytes!("fixtures/jest.xml")),
    (
        "surefire_bare.xml",
        include_bytes!("fixtures/surefire_bare.xml"),
    ),
    ("nested.xml", include_bytes!("fixtures/nested.xml")),
    (
        "counts_only.xml",
        include_bytes!("fixtures/counts_only.xml"),
    ),
    (
        "huge_counts.xml",
        include_bytes!("fixtures/huge_counts.xml"),
    ),
    (
        "huge_counts_only.xml",
        include_bytes!("fixtures/huge_counts_only.xml"),
    ),
    ("malformed.xml", include_bytes!("fixtures/malformed.xml")),
    ("not_junit.html", include_bytes!("fixtures/not_junit.html")),
];

/// What holds for every report `parse` returns.
fn check_invariants(r: &TestReport) -> Result<(), String> {
    let sum = r
        .passed
        .checked_add(r.failed)
        .and_then(|n| n.checked_add(r.skipped));
    if sum != Some(r.tests) {
        return Err(format!("passed + failed + skipped != tests: {r:?}"));
    }
    if r.errors > r.failed {
        return Err(format!("errors > failed: {r:?}"));
    }
    if r.failures.len() > MAX_FAILURES || r.failures.len() as u64 > r.failed {
        return Err(format!("failures list: {r:?}"));
    }
    Ok(())
}

/// Parses without panicking (a panic fails the test with the input attached).
fn parse_checked(input: &[u8]) -> Result<Option<TestReport>, String> {
    let outcome = std::panic::catch_unwind(|| parse(input))
        .map_err(|_| format!("panic on {:?}", String::from_utf8_lossy(input)))?;
    match outcome {
        Ok(report) => {
            check_invariants(&report)?;
            Ok(Some(report))
        }
        Err(e) => {
            let shown = e.to_string();
            if e.message.is_empty() || e.line.is_none_or(|l| l == 0) || e.column == Some(0) {
                return Err(format!("bad error {e:?}"));
            }
            if !shown.starts_with("line ") {
                return Err(format!("error without position: {shown}"));
            }
            Ok(None)
        }
    }
}

#[test]
fn every_truncation_is_an_error_until_the_root_is_closed() {
    for (name, xml) in FIXTURES {
        let complete = parse(xml).is_ok();
        // The root element ends at the last `>`.
        let root_end = xml.iter().rposition(|&b| b == b'>').map_or(0, |i| i + 1);
        for cut in 0..=xml.len() {
            let outcome =
                parse_checked(&xml[..cut]).unwrap_or_else(|e| panic!("{name}[..{cut}]: {e}"));
            let expect_ok = complete && cut >= root_end;
            assert_eq!(
                outcome.is_some(),
                expect_ok,
                "{name} cut at {cut} of {}",
                xml.len()
            );
        }
    }
}

#[test]
fn every_single_byte_deletion_and_suffix() {
    for (name, xml) in FIXTURES {
        for at in 0..xml.len() {
            let mut v = xml.to_vec();
            v.remove(at);
            parse_checked(&v).unwrap_or_else(|e| panic!("{name} without byte {at}: {e}"));
            parse_checked(&xml[at..]).unwrap_or_else(|e| panic!("{name}[{at}..]: {e}"));
        }
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let interesting = prop::sample::select(vec![
        &b"<"[..],
        b">",
        b"/>",
        b"</testcase>",
        b"<testcase name=\"x\">",
        b"<failure>",
        b"<skipped/>",
        b"<testsuite tests=\"18446744073709551616\">",
        b"&",
        b"&#xD800;",
        b"&lt;",
        b"<![CDATA[",
        b"]]>",
        b"\"",
        b"\xff\xfe",
        b"\xe2\x80",
        b"\0",
        b"<!--",
        b"<?",
        b"<!DOCTYPE",
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        (any::<usize>(), interesting).prop_map(|(i, s)| Edit::Insert(i, s.to_vec())),
        (any::<usize>(), 0usize..64).prop_map(|(i, n)| Edit::Delete(i, n)),
        (any::<usize>(), 0usize..256).prop_map(|(i, n)| Edit::Duplicate(i, n)),
    ]
}

fn apply(xml: &mut Vec<u8>, edit: &Edit) {
    let len = xml.len();
    let pos = |i: usize| if len == 0 { 0 } else { i % (len + 1) };
    match edit {
        Edit::Set(i, b) => {
            if len > 0 {
                xml[i % len] = *b;
            }
        }
        Edit::Insert(i, s) => {
            let at = pos(*i);
            xml.splice(at..at, s.iter().copied());
        }
        Edit::Delete(i, n) => {
            let at = pos(*i);
            let end = (at + n).min(len);
            xml.drain(at..end);
        }
        Edit::Duplicate(i, n) => {
            let at = pos(*i);
            let end = (at + n).min(len);
            let copy = xml[at..end].to_vec();
            xml.splice(end..end, copy);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0..FIXTURES.len(),
        edits in prop::collection::vec(edit(), 1..8),
        cut in any::<Option<usize>>(),
    ) {
        let mut xml = FIXTURES[which].1.to_vec();
        for e in &edits {
            apply(&mut xml, e);
        }
        if let Some(cut) = cut {
            xml.truncate(cut % (xml.len() + 1));
        }
        if let Err(e) = parse_checked(&xml) {
            return Err(TestCaseError::fail(e));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Err(e) = parse_checked(&bytes) {
            return Err(TestCaseError::fail(e));
        }
    }

    #[test]
    fn arbitrary_markup_never_panics(
        parts in prop::collection::vec(
            prop::sample::select(vec![
                "<testsuites>", "</testsuites>", "<testsuite tests=\"2\" failures=\"1\">",
                "</testsuite>", "<testcase classname=\"c\" name=\"n\">", "<testcase name=\"m\"/>",
                "</testcase>", "<failure message=\"m\">", "</failure>", "<error/>", "<skipped/>",
                "<flakyFailure>", "</flakyFailure>", "text", "&amp;", "&#1;", "<![CDATA[x]]>",
                " ", "\n", "<system-out>", "</system-out>",
            ]),
            0..40,
        ),
    ) {
        let xml = parts.concat();
        if let Err(e) = parse_checked(xml.as_bytes()) {
            return Err(TestCaseError::fail(e));
        }
    }
}
