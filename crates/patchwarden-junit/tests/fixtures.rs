//! Hand-written reports in each tool's output shape: exact counts and flavour.

use patchwarden_junit::{FailedCase, Flavour, TestReport, parse};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parse_fixture(name: &str) -> TestReport {
    parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// (suites, tests, passed, failed, errors, skipped, flavour)
fn counts(r: &TestReport) -> (usize, u64, u64, u64, u64, u64, Flavour) {
    (
        r.suites, r.tests, r.passed, r.failed, r.errors, r.skipped, r.flavour,
    )
}

fn failed(classname: &str, name: &str, message: &str) -> FailedCase {
    FailedCase {
        classname: classname.into(),
        name: name.into(),
        message: message.into(),
    }
}

#[test]
fn pytest_junitxml() {
    let r = parse_fixture("pytest.xml");
    // 8 tests: 3 passed, a failure, a setup error, a failure that also errored
    // in teardown (two records, one test), a skip and an xfail.
    assert_eq!(counts(&r), (1, 8, 3, 3, 2, 2, Flavour::Pytest));
    assert_eq!(
        r.failures,
        vec![
            failed(
                "tests.test_apply",
                "test_apply_patch_conflict",
                "AssertionError: assert 'conflict' == 'applied'\n  \n  - applied\n  + conflict",
            ),
            failed(
                "tests.test_fetch",
                "test_fetch_mirror",
                "failed on setup with \"ConnectionRefusedError: [Errno 111] Connection refused\"",
            ),
            failed(
                "tests.test_lock",
                "test_lock_release",
                "assert not True\n +  where True = <Lock held=True>.held",
            ),
        ]
    );
}

#[test]
fn pytest_rerunfailures_records_each_attempt() {
    // pytest-rerunfailures writes one <testcase> per attempt, the reruns empty:
    // a test that passed on its rerun passed, one that never passed failed.
    let r = parse_fixture("pytest_rerunfailures.xml");
    assert_eq!(counts(&r), (1, 3, 2, 1, 0, 0, Flavour::Pytest));
    assert_eq!(
        r.failures,
        vec![failed(
            "tests.test_sync",
            "test_always_down",
            "TimeoutError: mirror did not answer within 1s"
        )]
    );
}

#[test]
fn pytest_no_tests_collected() {
    let r = parse_fixture("pytest_empty.xml");
    assert_eq!(counts(&r), (1, 0, 0, 0, 0, 0, Flavour::Pytest));
    assert!(r.failures.is_empty());
}

#[test]
fn playwright_junit_reporter() {
    let r = parse_fixture("playwright.xml");
    // Suites per spec file and project; the flaky test (passed on retry) is a
    // pass; the same test in chromium and firefox is two tests.
    assert_eq!(counts(&r), (3, 7, 5, 1, 0, 1, Flavour::Playwright));
    assert_eq!(
        r.failures,
        vec![failed(
            "auth.spec.ts",
            "login › locks the account after five attempts",
            "auth.spec.ts:41:7 locks the account after five attempts"
        )]
    );
}

#[test]
fn cargo_nextest() {
    let r = parse_fixture("nextest.xml");
    // The flaky test (flakyFailure, then passed) passed; the failing one
    // (failure + rerunFailure) failed once, not twice.
    assert_eq!(counts(&r), (3, 7, 6, 1, 0, 0, Flavour::CargoNextest));
    assert_eq!(
        r.failures,
        vec![failed(
            "patchwarden-store::migrations",
            "migrates_v3_to_v4",
            "thread 'migrates_v3_to_v4' panicked at crates/patchwarden-store/tests/migrations.rs:88:5:"
        )]
    );
}

#[test]
fn jest_junit() {
    let r = parse_fixture("jest.xml");
    assert_eq!(counts(&r), (3, 7, 4, 2, 1, 1, Flavour::Jest));
    assert_eq!(
        r.failures,
        vec![
            failed(
                "PatchTable sorts by severity",
                "PatchTable sorts by severity",
                "Error: expect(received).toEqual(expected) // deep equality"
            ),
            failed(
                "Test suite failed to run",
                "src/api/client.test.ts",
                "● Test suite failed to run"
            ),
        ]
    );
}

#[test]
fn jest_entity_escapes_in_names() {
    let r = parse_fixture("jest.xml");
    // Not listed (they passed), so check through a report where they fail.
    let xml = String::from_utf8(fixture("jest.xml"))
        .unwrap()
        .replace(
            "name=\"semver compares 1.2.3 &lt; 1.10.0\" time=\"0.002\">",
            "name=\"semver compares 1.2.3 &lt; 1.10.0\" time=\"0.002\"><failure message=\"x &amp;&#x20;y\"/>",
        );
    let r2 = parse(xml.as_bytes()).unwrap();
    assert_eq!(r2.failed, r.failed + 1);
    let last = r2.failures.last().unwrap();
    assert_eq!(last.name, "semver compares 1.2.3 < 1.10.0");
    assert_eq!(last.message, "x & y");
}

#[test]
fn surefire_bare_testsuite_root() {
    let r = parse_fixture("surefire_bare.xml");
    // flakyFailure in a passing test case: passed.
    assert_eq!(counts(&r), (1, 4, 2, 1, 0, 1, Flavour::Generic));
    assert_eq!(
        r.failures,
        vec![failed(
            "com.example.patch.PatchServiceTest",
            "rejectsUnsignedPatch",
            "expected: <REJECTED> but was: <APPLIED>"
        )]
    );
}

#[test]
fn nested_suites_with_cdata() {
    let r = parse_fixture("nested.xml");
    assert_eq!(counts(&r), (4, 5, 4, 1, 0, 0, Flavour::Generic));
    assert_eq!(
        r.failures,
        vec![failed(
            "Tests.VersionTest",
            "testParse",
            "Tests\\VersionTest::testParse"
        )]
    );
}

#[test]
fn suite_counts_without_test_cases() {
    // Outermost suites with counts: "api" (its child is included in it) and "worker".
    let r = parse_fixture("counts_only.xml");
    assert_eq!(counts(&r), (3, 12, 8, 2, 1, 2, Flavour::Generic));
    assert!(r.failures.is_empty());
}

#[test]
fn huge_counts_in_attributes_are_ignored_when_test_cases_exist() {
    let r = parse_fixture("huge_counts.xml");
    assert_eq!(counts(&r), (1, 3, 1, 1, 0, 1, Flavour::Generic));
    assert_eq!(r.failures, vec![failed("suite.a", "three", "boom")]);
}

#[test]
fn huge_counts_without_test_cases() {
    let r = parse_fixture("huge_counts_only.xml");
    assert_eq!(
        counts(&r),
        (1, u64::MAX, 1, 1, 0, u64::MAX - 2, Flavour::Generic)
    );
}

#[test]
fn reports_serialize() {
    let r = parse_fixture("pytest_rerunfailures.xml");
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "suites": 1, "tests": 3, "passed": 2, "failed": 1, "errors": 0, "skipped": 0,
            "failures": [{
                "classname": "tests.test_sync",
                "name": "test_always_down",
                "message": "TimeoutError: mirror did not answer within 1s"
            }],
            "flavour": "pytest"
        })
    );
}

#[test]
fn every_fixture_keeps_the_invariants() {
    for name in [
        "pytest.xml",
        "pytest_rerunfailures.xml",
        "pytest_empty.xml",
        "playwright.xml",
        "nextest.xml",
        "jest.xml",
        "surefire_bare.xml",
        "nested.xml",
        "counts_only.xml",
        "huge_counts.xml",
        "huge_counts_only.xml",
    ] {
        let r = parse_fixture(name);
        assert_eq!(
            r.passed
                .checked_add(r.failed)
                .and_then(|n| n.checked_add(r.skipped)),
            Some(r.tests),
            "{name}"
        );
        assert!(r.errors <= r.failed, "{name}");
        assert!(r.failures.len() as u64 <= r.failed, "{name}");
    }
}
