//! Fuzzes the lockfile parsers of the JavaScript and Python ecosystems (package-lock.json, yarn.lock,
//! pnpm-lock.yaml, bun.lock, poetry.lock, Pipfile.lock, uv.lock, pdm.lock, requirements.txt) and
//! their detection, with arbitrary bytes (lossy UTF-8).
//!
//! Run from the workspace root (stable toolchain):
//! `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run lockfile_js_python /tmp/lockfile-js-python-corpus corpus/lockfile_js_python -- -max_total_time=120`
//! (new inputs go to the first directory, keeping the committed seeds small).
//!
//! Properties: no parser panics; an error names the format it was asked for, has a message and a line
//! within the text (YAML also breaks lines at a lone `\r`); every package has an ecosystem, a name, a
//! version and a line within the text, and appears once per (name, version); every unpinned entry
//! has a line within the text.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use patchwarden_lockfiles::{Format, ParseContext, detect, parse};

const FORMATS: [Format; 9] = [
    Format::NpmLock,
    Format::YarnLock,
    Format::PnpmLock,
    Format::BunLock,
    Format::PoetryLock,
    Format::PipfileLock,
    Format::UvLock,
    Format::PdmLock,
    Format::Requirements,
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let breaks = text.matches('\n').count() + text.matches('\r').count() - text.matches("\r\n").count();
    let last_line = u32::try_from(breaks + 1).unwrap_or(u32::MAX);
    let ctx = ParseContext::default();
    for format in FORMATS {
        match parse(format, &text, &ctx) {
            Ok(parsed) => {
                let mut seen = HashSet::new();
                for p in &parsed.packages {
                    assert!(!p.ecosystem.is_empty() && !p.name.is_empty() && !p.version.is_empty(), "{format:?} {p:?}");
                    let line = p.line.unwrap_or(0);
                    assert!((1..=last_line).contains(&line), "{format:?} {p:?} past line {last_line}");
                    assert!(seen.insert((&p.name, &p.version)), "{format:?} {p:?} twice");
                }
                for u in &parsed.unpinned {
                    assert!((1..=last_line).contains(&u.line), "{format:?} {u:?} past line {last_line}");
                }
            }
            Err(e) => {
                assert_eq!(e.format, format);
                assert!(!e.message.is_empty());
                if let Some(line) = e.line {
                    assert!((1..=last_line + 1).contains(&line), "{format:?} {e} past line {last_line}");
                }
                let _ = e.to_string();
            }
        }
    }
    for name in ["requirements/dev.txt", "requirements.txt", "pnpm-lock.yaml", "x.txt"] {
        let _ = detect(name, data);
    }
});
