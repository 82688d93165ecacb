//! Counting rules on small hand-made reports.

use patchwarden_junit::{Flavour, MAX_FAILURES, MAX_MESSAGE_CHARS, TestReport, parse};

fn ok(xml: &str) -> TestReport {
    parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{xml}"))
}

/// (tests, passed, failed, errors, skipped)
fn totals(r: &TestReport) -> (u64, u64, u64, u64, u64) {
    (r.tests, r.passed, r.failed, r.errors, r.skipped)
}

#[test]
fn outcome_of_a_test_case() {
    let r = ok(r#"<testsuite name="s">
        <testcase classname="c" name="pass"><system-out>ok</system-out><properties/></testcase>
        <testcase classname="c" name="fail"><failure/></testcase>
        <testcase classname="c" name="error"><error message="E"/></testcase>
        <testcase classname="c" name="both"><failure message="F"/><error message="E"/></testcase>
        <testcase classname="c" name="skip"><skipped/></testcase>
        <testcase classname="c" name="skip-and-fail"><skipped/><failure message="F"/></testcase>
        <testcase classname="c" name="flaky"><flakyFailure message="once"/><flakyError/></testcase>
        <testcase classname="c" name="rerun"><failure message="again"/><rerunFailure message="first"/><rerunError/></testcase>
    </testsuite>"#);
    assert_eq!(totals(&r), (8, 2, 5, 2, 1));
    let names: Vec<&str> = r.failures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["fail", "error", "both", "skip-and-fail", "rerun"]);
    let messages: Vec<&str> = r.failures.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(messages, ["", "E", "F", "F", "again"]);
}

#[test]
fn repeated_records_are_one_test_with_the_worst_outcome() {
    let r = ok(r#"<testsuites>
        <testsuite name="a">
            <testcase classname="c" name="t1"><failure message="first"/></testcase>
            <testcase classname="c" name="t1"/>
            <testcase classname="c" name="t2"><skipped/></testcase>
            <testcase classname="c" name="t2"/>
            <testcase classname="c" name="t3"/>
            <testcase classname="c" name="t3"><error message="teardown"/></testcase>
            <testcase classname="c" name="t4"><failure/></testcase>
            <testcase classname="c" name="t4"><failure>second
            line</failure></testcase>
        </testsuite>
        <testsuite name="b">
            <testcase classname="c" name="t1"/>
        </testsuite>
    </testsuites>"#);
    // t1 in suite a failed (a later pass does not hide it), t2 passed, t3
    // errored, t4 failed; t1 in suite b is another test.
    assert_eq!(totals(&r), (5, 2, 3, 1, 0));
    let listed: Vec<(&str, &str)> = r
        .failures
        .iter()
        .map(|f| (f.name.as_str(), f.message.as_str()))
        .collect();
    assert_eq!(
        listed,
        [("t1", "first"), ("t3", "teardown"), ("t4", "second")]
    );
}

#[test]
fn nameless_test_cases_are_not_merged() {
    let r = ok("<testsuite><testcase/><testcase/><testcase><failure/></testcase></testsuite>");
    assert_eq!(totals(&r), (3, 2, 1, 0, 0));
}

#[test]
fn test_cases_directly_under_testsuites() {
    let r = ok(
        r#"<testsuites><testcase name="a"/><testcase name="b"><skipped/></testcase></testsuites>"#,
    );
    assert_eq!(r.suites, 0);
    assert_eq!(totals(&r), (2, 1, 0, 0, 1));
}

#[test]
fn elements_inside_test_cases_and_outputs_are_not_tests() {
    let r = ok(r#"<testsuite>
        <testcase name="outer">
            <testcase name="inner"><failure/></testcase>
            <system-out><testsuite><testcase name="x"><failure/></testcase></testsuite></system-out>
        </testcase>
        <properties><testcase name="y"><failure/></testcase></properties>
    </testsuite>"#);
    assert_eq!(r.suites, 1);
    assert_eq!(totals(&r), (1, 1, 0, 0, 0));
}

#[test]
fn failure_message_from_text_cdata_and_references() {
    let r = ok(r#"<testsuite>
        <testcase name="cdata"><failure><![CDATA[

   Error: <boom> & friends
 at x]]></failure></testcase>
        <testcase name="refs"><failure>&#x20;&lt;a&gt; &amp; &#98;&unknown;
rest</failure></testcase>
        <testcase name="empty-attr"><failure message="  ">  from body  </failure></testcase>
        <testcase name="nested"><failure><details>ignored</details>kept</failure></testcase>
    </testsuite>"#);
    let messages: Vec<&str> = r.failures.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "Error: <boom> & friends",
            "<a> & b&unknown;",
            "from body",
            "kept"
        ]
    );
}

#[test]
fn long_messages_are_cut_and_failures_are_capped() {
    let long = "é".repeat(MAX_MESSAGE_CHARS * 3);
    let mut xml = String::from("<testsuite>");
    for i in 0..MAX_FAILURES + 10 {
        xml.push_str(&format!(
            "<testcase classname=\"c\" name=\"t{i}\"><failure message=\"{long}\"/></testcase>"
        ));
    }
    xml.push_str("<testcase classname=\"c\" name=\"body\"><error>");
    xml.push_str(&"x".repeat(100_000));
    xml.push_str("</error></testcase></testsuite>");
    let r = ok(&xml);
    assert_eq!(r.failed, MAX_FAILURES as u64 + 11);
    assert_eq!(r.failures.len(), MAX_FAILURES);
    assert_eq!(r.failures[0].name, "t0");
    assert_eq!(
        r.failures[MAX_FAILURES - 1].name,
        format!("t{}", MAX_FAILURES - 1)
    );
    assert!(
        r.failures
            .iter()
            .all(|f| f.message.chars().count() == MAX_MESSAGE_CHARS)
    );
}

#[test]
fn prefixes_bom_and_declarations() {
    let r = ok(
        "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE testsuites>\n<?pi x?><junit:testsuites xmlns:junit=\"urn:x\" name=\"jest tests\"><junit:testsuite><junit:testcase name=\"a\"/></junit:testsuite></junit:testsuites>",
    );
    assert_eq!(r.flavour, Flavour::Jest);
    assert_eq!((r.suites, r.tests), (1, 1));
}

#[test]
fn flavour_detection() {
    let cases = [
        (r#"<testsuites name="nextest-run"/>"#, Flavour::CargoNextest),
        (
            r#"<testsuites name="my-ci-run" uuid="1b4e28ba-2fa1-11d2-883f-0016d3cca427"/>"#,
            Flavour::CargoNextest,
        ),
        (r#"<testsuites name="jest tests"/>"#, Flavour::Jest),
        (r#"<testsuites name="pytest tests"/>"#, Flavour::Pytest),
        (
            r#"<testsuites><testsuite name="pytest"/></testsuites>"#,
            Flavour::Pytest,
        ),
        (r#"<testsuite name="pytest" tests="0"/>"#, Flavour::Pytest),
        (
            r#"<testsuites><testsuite name="custom"><testcase name="a"><skipped type="pytest.xfail"/></testcase></testsuite></testsuites>"#,
            Flavour::Pytest,
        ),
        (
            r#"<testsuites id="" name="" tests="0"/>"#,
            Flavour::Playwright,
        ),
        (
            r#"<testsuites id="nightly" name="e2e"/>"#,
            Flavour::Playwright,
        ),
        (r#"<testsuites/>"#, Flavour::Generic),
        (r#"<testsuites name="pytest"/>"#, Flavour::Generic),
        (r#"<testsuite name="jest tests"/>"#, Flavour::Generic),
        (r#"<testsuite id="0" name="x"/>"#, Flavour::Generic),
    ];
    for (xml, flavour) in cases {
        assert_eq!(ok(xml).flavour, flavour, "{xml}");
    }
}

#[test]
fn empty_reports_parse() {
    for xml in [
        "<testsuites/>",
        "<testsuite/>",
        "<testsuites>\n</testsuites>",
        "<testsuites><testsuite name=\"a\"><properties/></testsuite></testsuites>",
        r#"<testsuites tests="0" failures="0"><testsuite tests="0"/></testsuites>"#,
    ] {
        let r = ok(xml);
        assert_eq!(totals(&r), (0, 0, 0, 0, 0), "{xml}");
    }
}

#[test]
fn attribute_counts_only_when_there_are_no_test_cases() {
    // Root counts are the fallback when no suite has any.
    let r = ok(
        r#"<testsuites tests="4" failures="1" errors="1" skipped="1"><testsuite name="a"/></testsuites>"#,
    );
    assert_eq!(totals(&r), (4, 1, 2, 1, 1));
    // Counts that add up to more than `tests` raise `tests`, never hide failures.
    let r = ok(r#"<testsuite tests="1" failures="2" skipped="1"/>"#);
    assert_eq!(totals(&r), (3, 0, 2, 0, 1));
    // Bad counts are ignored as soon as one test case is there.
    let r = ok(r#"<testsuite tests="many"><testcase name="a"/></testsuite>"#);
    assert_eq!(totals(&r), (1, 1, 0, 0, 0));
    // A suite inside a counted one is part of its count.
    let r = ok(
        r#"<testsuites><testsuite tests="3" failures="1"><testsuite tests="3" failures="1"/></testsuite><testsuite tests=" 2 "/></testsuites>"#,
    );
    assert_eq!(totals(&r), (5, 4, 1, 0, 0));
}

#[test]
fn large_and_deep_documents() {
    let n = 200_000;
    let mut xml = String::with_capacity(n * 60);
    xml.push_str("<testsuites name=\"nextest-run\"><testsuite name=\"big\">");
    for i in 0..n {
        if i % 1000 == 0 {
            xml.push_str(&format!(
                "<testcase classname=\"big\" name=\"t{i}\"><failure/></testcase>"
            ));
        } else {
            xml.push_str(&format!("<testcase classname=\"big\" name=\"t{i}\"/>"));
        }
    }
    xml.push_str("</testsuite></testsuites>");
    let r = ok(&xml);
    assert_eq!(totals(&r), (n as u64, n as u64 - 200, 200, 0, 0));
    assert_eq!(r.failures.len(), MAX_FAILURES);

    let depth = 100_000;
    let deep = format!(
        "<testsuites>{}{}</testsuites>",
        "<testsuite>".repeat(depth),
        "</testsuite>".repeat(depth)
    );
    assert_eq!(ok(&deep).suites, depth);
    let deep_other = format!(
        "<testsuite><testcase name=\"a\">{}{}</testcase></testsuite>",
        "<x>".repeat(depth),
        "</x>".repeat(depth)
    );
    assert_eq!(ok(&deep_other).tests, 1);

    // Test cases at every level of a deep chain: linear, not quadratic.
    let chain = format!(
        "<testsuite name=\"s\">{}{}</testsuite>",
        (0..depth)
            .map(|i| format!("<testsuites><testcase name=\"t{i}\"/>"))
            .collect::<String>(),
        "</testsuites>".repeat(depth)
    );
    let r = ok(&chain);
    assert_eq!(
        (r.suites, r.tests, r.passed),
        (1, depth as u64, depth as u64)
    );
}
