//! Fuzzes the end-of-life data parser and component detection with arbitrary bytes.
//!
//! Run from the workspace root (stable toolchain):
//! `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run eol_parse /tmp/eol-corpus corpus/eol_parse -- -max_total_time=90`
//!
//! Properties: nothing panics; a parsed product has a name; every detected component has a product, a
//! version and a source; assessing any version of a parsed product on any day works.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchwarden_eol::{Product, assess, detect_file, from_os_package, from_os_release};

const FILES: &[&str] = &[
    "Dockerfile",
    ".python-version",
    ".nvmrc",
    "package.json",
    "pyproject.toml",
    "rust-toolchain.toml",
    "rust-toolchain",
    "go.mod",
    "etc/os-release",
];

fuzz_target!(|input: &[u8]| {
    if let Ok(product) = Product::parse(input, "fuzzed") {
        assert!(!product.product.trim().is_empty());
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("a day");
        for version in ["1", "3.8.10", "bookworm", "", "v2"] {
            let _ = assess(&product, version, day, 90);
        }
        for cycle in &product.cycles {
            let _ = assess(&product, &cycle.cycle, day, u64::MAX);
        }
    }
    let text = String::from_utf8_lossy(input);
    for name in FILES {
        for c in detect_file(name, &text).unwrap_or_default() {
            assert!(!c.product.is_empty() && !c.version.is_empty() && !c.source.is_empty(), "{c:?}");
        }
    }
    let _ = from_os_release(&text, "etc/os-release");
    if let Some((name, version)) = text.split_once(' ') {
        let _ = from_os_package(name, version, "status:1");
    }
});
