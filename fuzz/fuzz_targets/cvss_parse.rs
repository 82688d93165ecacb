//! Fuzzes `patchwarden_cvss::parse` with arbitrary UTF-8.
//!
//! Run from the workspace root (stable toolchain):
//! `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run cvss_parse /tmp/cvss-corpus corpus/cvss_parse -- -max_total_time=120`
//! (new inputs go to the first directory, keeping the committed seeds small).
//!
//! Properties: parsing never panics; when it succeeds every score is finite
//! and within 0.0..=10.0, and the canonical form re-parses to an equal value
//! that prints the same.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    match patchwarden_cvss::parse(input) {
        Ok(cvss) => {
            let scores = cvss.scores();
            let all = [
                Some(scores.base),
                scores.temporal,
                scores.environmental,
                Some(cvss.base_score()),
                Some(cvss.overall_score()),
            ];
            for score in all.into_iter().flatten() {
                assert!(
                    score.is_finite() && (0.0..=10.0).contains(&score),
                    "{input:?}: score {score} out of range"
                );
            }
            let _ = (cvss.severity(), cvss.version(), cvss.nomenclature());
            let canonical = cvss.to_string();
            let reparsed = patchwarden_cvss::parse(&canonical)
                .unwrap_or_else(|e| panic!("{input:?}: canonical {canonical:?} fails: {e}"));
            assert_eq!(reparsed, cvss, "{input:?} -> {canonical:?}");
            assert_eq!(reparsed.to_string(), canonical);
            assert_eq!(reparsed.scores(), scores);
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
        }
    }
});
