//! Documents that are not (well-formed) JUnit XML: exact messages and positions.

use patchwarden_junit::{JunitParseError, parse};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn err(xml: &[u8]) -> JunitParseError {
    match parse(xml) {
        Ok(r) => panic!("parsed: {r:?}"),
        Err(e) => e,
    }
}

fn at(e: &JunitParseError) -> (Option<u32>, Option<u32>) {
    (e.line, e.column)
}

#[test]
fn malformed_xml_reports_the_line() {
    // Line 7 closes </testcase> while <failure> (line 6) is still open.
    let e = err(&fixture("malformed.xml"));
    assert_eq!(at(&e), (Some(7), Some(5)), "{e}");
    assert_eq!(
        e.to_string(),
        "line 7, column 5: malformed XML: ill-formed document: expected `</failure>`, but `</testcase>` was found"
    );
}

#[test]
fn html_is_not_junit() {
    let e = err(&fixture("not_junit.html"));
    assert_eq!(e.message, "not a JUnit XML report (root element <html>)");
    assert_eq!(at(&e), (Some(2), Some(1)));
    assert_eq!(
        e.to_string(),
        "line 2, column 1: not a JUnit XML report (root element <html>)"
    );
}

#[test]
fn unrelated_xml_roots_are_not_junit() {
    let cobertura = br#"<?xml version="1.0" ?>
<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">
<coverage version="7.4.1" timestamp="1710408071000" lines-valid="812" lines-covered="701" line-rate="0.8633">
  <packages/>
</coverage>"#;
    let e = err(cobertura);
    assert_eq!(
        e.message,
        "not a JUnit XML report (root element <coverage>)"
    );
    assert_eq!(at(&e), (Some(3), Some(1)));

    let e = err(b"<testcase name=\"alone\"/>");
    assert_eq!(
        e.message,
        "not a JUnit XML report (root element <testcase>)"
    );
    let e = err(b"<!doctype html><html><body><p>502 Bad Gateway</body></html>");
    assert_eq!(e.message, "not a JUnit XML report (root element <html>)");
}

#[test]
fn not_xml_at_all() {
    let e = err(br#"{"tests": 3, "failures": 0}"#);
    assert_eq!(
        e.to_string(),
        "line 1, column 1: not a JUnit XML report (text before the root element)"
    );
    let e = err(b"");
    assert_eq!(e.message, "not a JUnit XML report (empty document)");
    let e = err(b"  \n\t");
    assert_eq!(e.message, "not a JUnit XML report (empty document)");
    let e = err(b"<?xml version=\"1.0\"?>\n<!-- nothing -->\n");
    assert_eq!(e.message, "not a JUnit XML report (no root element)");
}

#[test]
fn utf16_is_refused_clearly() {
    let xml: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("<testsuites/>".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let e = err(&xml);
    assert_eq!(
        e.to_string(),
        "line 1, column 1: UTF-16 encoded reports are not supported (convert the report to UTF-8)"
    );
}

#[test]
fn truncated_report() {
    let xml = fixture("nextest.xml");
    let cut = xml.len() - "    </testsuite>\n</testsuites>\n".len();
    let e = err(&xml[..cut]);
    assert_eq!(
        e.message,
        "unexpected end of input: <testsuite> opened on line 29 is not closed"
    );
    assert_eq!(at(&e), (Some(64), Some(1)));

    let e = err(b"<testsuite name=\"x\"><testcase name=\"a\"");
    assert_eq!(at(&e), (Some(1), Some(21)));
    assert!(e.message.starts_with("malformed XML: "), "{e}");
}

#[test]
fn content_after_the_root() {
    let e = err(b"<testsuites/>\n<testsuites/>");
    assert_eq!(
        e.to_string(),
        "line 2, column 1: unexpected element <testsuites> after the root element"
    );
    let e = err(b"<testsuites/>\ntrailing");
    assert_eq!(
        e.to_string(),
        "line 1, column 14: unexpected text after the root element"
    );
    // Whitespace and comments after the root are fine.
    assert!(parse(b"<testsuites/>\n<!-- end -->\n\n").is_ok());
}

#[test]
fn malformed_attributes_and_references() {
    let e = err(b"<testsuites>\n  <testsuite name=\"a\" name=\"b\"/>\n</testsuites>");
    assert_eq!(at(&e), (Some(2), Some(3)));
    assert!(e.message.starts_with("malformed XML: "), "{e}");

    // A stray `&` in an attribute value is kept as written (lenient: it
    // cannot change a count), unlike one in text, which quick-xml refuses.
    let r = parse(b"<testsuite><testcase classname=\"R & D\" name=\"a &amp; b\"><failure/></testcase></testsuite>")
        .unwrap();
    assert_eq!(
        (
            r.failures[0].classname.as_str(),
            r.failures[0].name.as_str()
        ),
        ("R & D", "a & b")
    );

    let e = err(b"<testsuites>\n\n  <testsuite>a & b</testsuite></testsuites>");
    assert_eq!(e.line, Some(3), "{e}");
}

#[test]
fn invalid_suite_counts_without_test_cases() {
    let e = err(b"<testsuites>\n  <testsuite name=\"x\" tests=\"lots\"/>\n</testsuites>");
    assert_eq!(
        e.to_string(),
        "line 2, column 3: invalid count tests=\"lots\" on <testsuite>: not a whole number from 0 to 18446744073709551615"
    );
    let e = err(b"<testsuite name=\"x\" tests=\"18446744073709551616\"/>");
    assert_eq!(e.line, Some(1));
    assert!(e.message.starts_with("invalid count tests="), "{e}");

    let e = err(
        b"<testsuites>\n<testsuite tests=\"18446744073709551615\"/>\n<testsuite tests=\"1\"/>\n</testsuites>",
    );
    assert_eq!(
        e.to_string(),
        "line 3, column 1: counts on <testsuite> add up to more than 18446744073709551615"
    );
    let e = err(b"<testsuites failures=\"18446744073709551615\" errors=\"1\"/>");
    assert_eq!(
        e.message,
        "counts on <testsuites> add up to more than 18446744073709551615"
    );
}
