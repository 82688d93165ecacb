//! The specification's own examples, and the edges of the evaluation.

use super::*;
use crate::parse::parse_advisory;

fn affected(ecosystem: &str, ranges: &str, versions: &str) -> Affected {
    let json = format!(
        r#"{{"id":"T-1","modified":"2021-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"{ecosystem}","name":"p"}},"ranges":{ranges},"versions":{versions}}}]}}"#
    );
    parse_advisory(json.as_bytes())
        .expect("valid test advisory")
        .affected
        .remove(0)
}

fn is_affected(a: &Affected, v: &str) -> bool {
    match evaluate(a, v) {
        Verdict::Affected { .. } => true,
        Verdict::NotAffected => false,
        Verdict::Unevaluable(u) => panic!("{v}: unevaluable: {u:?}"),
    }
}

#[test]
fn unfixed_every_version_is_affected() {
    let a = affected(
        "npm",
        r#"[{"type":"SEMVER","events":[{"introduced":"0"}]}]"#,
        "[]",
    );
    for v in ["0.0.1", "1.0.0", "99.0.0-beta"] {
        assert!(is_affected(&a, v), "{v}");
    }
    assert_eq!(evaluate(&a, "1.0.0"), Verdict::Affected { fixed: vec![] });
}

#[test]
fn fixed_everything_before_the_fix_is_affected() {
    let a = affected(
        "npm",
        r#"[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.2"}]}]"#,
        "[]",
    );
    assert!(is_affected(&a, "1.0.1"));
    assert!(
        is_affected(&a, "1.0.2-rc.1"),
        "a prerelease of the fix precedes it"
    );
    assert!(!is_affected(&a, "1.0.2"), "fixed is exclusive");
    assert!(!is_affected(&a, "2.0.0"));
    assert_eq!(
        evaluate(&a, "0.9.0"),
        Verdict::Affected {
            fixed: vec!["1.0.2".into()]
        }
    );
}

#[test]
fn multiple_ranges_in_one_events_list() {
    let a = affected(
        "npm",
        r#"[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"fixed":"1.0.2"},{"introduced":"3.0.0"},{"fixed":"3.2.5"}]}]"#,
        "[]",
    );
    for (v, want) in [
        ("0.9.9", false),
        ("1.0.0", true),
        ("1.0.1", true),
        ("1.0.2", false),
        ("2.5.0", false),
        ("3.0.0", true),
        ("3.2.4", true),
        ("3.2.5", false),
    ] {
        assert_eq!(is_affected(&a, v), want, "{v}");
    }
    assert_eq!(
        evaluate(&a, "3.1.0"),
        Verdict::Affected {
            fixed: vec!["3.2.5".into()]
        }
    );
}

#[test]
fn events_are_evaluated_in_version_order_not_listed_order() {
    let a = affected(
        "PyPI",
        r#"[{"type":"ECOSYSTEM","events":[{"fixed":"2.0"},{"introduced":"1.5"},{"fixed":"1.6"},{"introduced":"0"}]}]"#,
        "[]",
    );
    // Sorted: introduced 0, introduced 1.5, fixed 1.6, fixed 2.0.
    assert!(is_affected(&a, "1.4"));
    assert!(is_affected(&a, "1.5"));
    assert!(
        !is_affected(&a, "1.7"),
        "fixed 1.6 clears it and nothing re-introduces it"
    );
    assert!(!is_affected(&a, "2.1"));
}

#[test]
fn last_affected_is_inclusive() {
    let a = affected(
        "PyPI",
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"last_affected":"2.1.214"}]}]"#,
        "[]",
    );
    assert!(is_affected(&a, "2.1.214"));
    assert!(!is_affected(&a, "2.1.215"));
    assert!(!is_affected(&a, "2.1.214.post1"), "a post-release is later");
}

#[test]
fn limit_bounds_the_range() {
    let a = affected(
        "npm",
        r#"[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"limit":"1.5.0"}]}]"#,
        "[]",
    );
    assert!(is_affected(&a, "1.4.9"));
    assert!(!is_affected(&a, "1.5.0"));
    assert!(!is_affected(&a, "0.9.0"));
}

#[test]
fn the_versions_list_counts_on_its_own() {
    let a = affected(
        "PyPI",
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"0.10"}]}]"#,
        r#"["0.8.4","0.9","1.2.post0"]"#,
    );
    assert!(is_affected(&a, "0.9"));
    assert!(
        is_affected(&a, "1.2.post0"),
        "listed though outside the range"
    );
    assert!(
        is_affected(&a, "1.2.0.post0"),
        "PEP 440 equal to a listed version"
    );
    assert!(!is_affected(&a, "1.3"));
}

#[test]
fn pep440_ordering_is_used_for_pypi() {
    let a = affected(
        "PyPI",
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.0"}]}]"#,
        "[]",
    );
    assert!(
        is_affected(&a, "2.0rc1"),
        "a release candidate precedes the release"
    );
    assert!(is_affected(&a, "1.10"), "1.10 > 1.9 numerically but < 2.0");
    assert!(!is_affected(&a, "2.0.0"), "2.0.0 == 2.0");
    assert!(!is_affected(&a, "10.0"));
}

#[test]
fn dpkg_ordering_is_used_for_debian() {
    let a = affected(
        "Debian:12",
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2.3-1+deb12u1"}]}]"#,
        "[]",
    );
    assert!(is_affected(&a, "1.2.3-1"));
    assert!(
        is_affected(&a, "1.2.3-1+deb12u1~pre1"),
        "~ sorts before everything"
    );
    assert!(!is_affected(&a, "1.2.3-1+deb12u1"));
    assert!(
        !is_affected(&a, "1:1.0-1"),
        "an epoch outranks the upstream version"
    );
}

#[test]
fn go_versions_carry_a_v_in_lockfiles_but_not_in_osv() {
    let a = affected(
        "Go",
        r#"[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"0.17.0"}]}]"#,
        "[]",
    );
    assert!(is_affected(&a, "v0.16.0"));
    assert!(
        is_affected(&a, "v0.0.0-20220101000000-abcdefabcdef"),
        "pseudo-versions are prereleases"
    );
    assert!(!is_affected(&a, "v0.17.0"));
}

#[test]
fn git_ranges_are_not_used_for_package_versions() {
    let a = affected(
        "PyPI",
        r#"[{"type":"GIT","repo":"https://example.invalid/r","events":[{"introduced":"abc"},{"fixed":"def"}]}]"#,
        "[]",
    );
    assert_eq!(evaluate(&a, "1.0"), Verdict::NotAffected);
}

#[test]
fn what_cannot_be_evaluated_says_why() {
    let a = affected(
        "Hackage",
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]"#,
        "[]",
    );
    assert_eq!(
        evaluate(&a, "1.0"),
        Verdict::Unevaluable(Unevaluable::UnsupportedEcosystem("Hackage".into()))
    );
    let a = affected(
        "npm",
        r#"[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.2"}]}]"#,
        "[]",
    );
    assert!(matches!(
        evaluate(&a, "not a version"),
        Verdict::Unevaluable(Unevaluable::InstalledVersion(_))
    ));
    let a = affected(
        "npm",
        r#"[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"one"}]}]"#,
        "[]",
    );
    assert!(matches!(
        evaluate(&a, "1.0.0"),
        Verdict::Unevaluable(Unevaluable::AdvisoryVersion(_))
    ));
}
