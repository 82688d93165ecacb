//! Fuzzes `patchwarden_junit::parse` with arbitrary bytes.
//!
//! Run from the workspace root (stable toolchain):
//! `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run junit_parse /tmp/junit-corpus corpus/junit_parse -- -max_total_time=90`
//! (new inputs go to the first directory, keeping the committed seeds small).
//!
//! Properties: parsing never panics; a report always has
//! `tests == passed + failed + skipped`, `errors <= failed` and at most
//! `MAX_FAILURES` listed failures; an error always has a message and a
//! 1-based position; parsing is deterministic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchwarden_junit::{MAX_FAILURES, MAX_MESSAGE_CHARS};

fuzz_target!(|input: &[u8]| {
    let outcome = patchwarden_junit::parse(input);
    match &outcome {
        Ok(r) => {
            let sum = r
                .passed
                .checked_add(r.failed)
                .and_then(|n| n.checked_add(r.skipped));
            assert_eq!(sum, Some(r.tests), "{r:?}");
            assert!(r.errors <= r.failed, "{r:?}");
            assert!(r.failures.len() <= MAX_FAILURES, "{r:?}");
            assert!(r.failures.len() as u64 <= r.failed, "{r:?}");
            for f in &r.failures {
                assert!(f.message.chars().count() <= MAX_MESSAGE_CHARS);
            }
            let _ = r.flavour.to_string();
        }
        Err(e) => {
            assert!(!e.message.is_empty());
            assert!(e.line.is_some_and(|l| l >= 1), "{e:?}");
            assert!(e.column.is_some_and(|c| c >= 1), "{e:?}");
            assert!(e.to_string().starts_with("line "));
        }
    }
    assert_eq!(patchwarden_junit::parse(input), outcome);
});
