//! Fuzzes `patchwarden_imports::{detect, parse}` with arbitrary text.
//!
//! Run from the workspace root (stable toolchain):
//! `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run import_parse /tmp/import-corpus corpus/import_parse -- -max_total_time=90`
//! (new inputs go to the first directory, keeping the committed seeds small).
//!
//! Properties: reading never panics, in any format; a detected JSON format reads the text without a
//! syntax error; reading is deterministic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchwarden_imports::{Format, ImportError, detect, parse};

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    if let Ok(format) = detect(text) {
        assert!(
            !matches!(parse(text, format), Err(ImportError::Syntax { .. })) || format == Format::YarnAudit,
            "{format} detected, yet not JSON"
        );
    }
    for format in Format::ALL {
        let outcome = parse(text, format);
        assert_eq!(parse(text, format), outcome);
    }
});
