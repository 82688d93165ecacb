//! Property tests: the canonical form re-parses to the same value, and no
//! input makes the parser panic or produce an out-of-range score.

use patchwarden_cvss::{Cvss, parse, v2, v3, v4};
use proptest::prelude::*;
use proptest::sample::select;

/// A metric part: mandatory metrics always, optional ones half of the time
/// (their "not defined" value included).
fn part(
    abbrev: &'static str,
    values: &'static [&'static str],
    mandatory: bool,
) -> BoxedStrategy<Option<String>> {
    let value = select(values).prop_map(move |v| format!("{abbrev}:{v}"));
    if mandatory {
        value.prop_map(Some).boxed()
    } else {
        proptest::option::of(value).boxed()
    }
}

/// A valid vector: the metrics of `metrics` in random order, after `prefix`.
fn vector(
    prefix: Option<&'static str>,
    metrics: Vec<BoxedStrategy<Option<String>>>,
) -> impl Strategy<Value = String> {
    metrics
        .prop_map(|parts| parts.into_iter().flatten().collect::<Vec<_>>())
        .prop_shuffle()
        .prop_map(move |parts| {
            prefix
                .into_iter()
                .map(str::to_owned)
                .chain(parts)
                .collect::<Vec<_>>()
                .join("/")
        })
}

fn parts_of<M: Copy>(
    all: &[M],
    info: fn(M) -> (&'static str, &'static [&'static str], bool),
) -> Vec<BoxedStrategy<Option<String>>> {
    all.iter()
        .map(|m| {
            let (abbrev, values, mandatory) = info(*m);
            part(abbrev, values, mandatory)
        })
        .collect()
}

fn v2_vector() -> impl Strategy<Value = String> {
    select(vec![None, None, None, Some("CVSS:2.0")]).prop_flat_map(|prefix| {
        vector(
            prefix,
            parts_of(&v2::Metric::ALL, |m| {
                (m.abbrev(), m.values(), m.is_mandatory())
            }),
        )
    })
}

fn v3_vector() -> impl Strategy<Value = String> {
    select(vec!["CVSS:3.0", "CVSS:3.1"]).prop_flat_map(|prefix| {
        vector(
            Some(prefix),
            parts_of(&v3::Metric::ALL, |m| {
                (m.abbrev(), m.values(), m.is_mandatory())
            }),
        )
    })
}

fn v4_vector() -> impl Strategy<Value = String> {
    vector(
        Some("CVSS:4.0"),
        parts_of(&v4::Metric::ALL, |m| {
            (m.abbrev(), m.values(), m.is_mandatory())
        }),
    )
}

fn any_valid_vector() -> impl Strategy<Value = String> {
    prop_oneof![v2_vector(), v3_vector(), v4_vector()]
}

fn check_score(score: f64) -> Result<(), TestCaseError> {
    prop_assert!(
        score.is_finite() && (0.0..=10.0).contains(&score),
        "{score}"
    );
    // One decimal: the f64 nearest to some n/10.
    prop_assert_eq!(score, (score * 10.0).round() / 10.0);
    Ok(())
}

fn check_scores(cvss: &Cvss) -> Result<(), TestCaseError> {
    let scores = cvss.scores();
    check_score(scores.base)?;
    for score in scores.temporal.into_iter().chain(scores.environmental) {
        check_score(score)?;
    }
    check_score(cvss.overall_score())?;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn display_reparses_to_an_equal_value(input in any_valid_vector()) {
        let parsed = parse(&input).map_err(|e| TestCaseError::fail(format!("{input}: {e}")))?;
        let canonical = parsed.to_string();
        let reparsed = parse(&canonical).map_err(|e| TestCaseError::fail(format!("{canonical}: {e}")))?;
        prop_assert_eq!(&reparsed, &parsed);
        prop_assert_eq!(reparsed.to_string(), canonical);
        prop_assert_eq!(reparsed.scores(), parsed.scores());
        prop_assert_eq!(reparsed.version(), parsed.version());
        prop_assert_eq!(reparsed.severity(), parsed.severity());
        prop_assert_eq!(reparsed.nomenclature(), parsed.nomenclature());
        check_scores(&parsed)?;
    }

    #[test]
    fn order_does_not_matter(input in v3_vector()) {
        let parsed = parse(&input).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (prefix, body) = input.split_once('/').unwrap_or((input.as_str(), ""));
        let mut parts: Vec<&str> = body.split('/').collect();
        parts.reverse();
        let reversed = format!("{prefix}/{}", parts.join("/"));
        prop_assert_eq!(parse(&reversed), Ok(parsed));
    }

    #[test]
    fn arbitrary_text_never_panics(input in ".{0,120}") {
        if let Ok(parsed) = parse(&input) {
            check_scores(&parsed)?;
            prop_assert_eq!(parse(&parsed.to_string()), Ok(parsed));
        }
    }

    #[test]
    fn near_miss_vectors_never_panic(
        input in any_valid_vector(),
        cut in 0usize..200,
        noise in "[A-Za-z:/.0-9 ]{0,6}",
    ) {
        let at = input.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(input.len());
        let mutated = format!("{}{}{}", &input[..at], noise, &input[at..]);
        if let Ok(parsed) = parse(&mutated) {
            check_scores(&parsed)?;
            prop_assert_eq!(parse(&parsed.to_string()), Ok(parsed));
        }
    }
}
