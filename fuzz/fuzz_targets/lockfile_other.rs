//! Fuzzes the lockfile parsers of the other ecosystems, OS databases and SBOMs (Cargo.lock, go.mod,
//! Gemfile.lock, composer.lock, dpkg status, apk installed, CycloneDX JSON/XML, SPDX JSON), and
//! `parse_purl` / `os_ecosystem`, with arbitrary bytes (lossy UTF-8).
//!
//! Run from the workspace root (stable toolchain):
//! `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run lockfile_other /tmp/lockfile-other-corpus corpus/lockfile_other -- -max_total_time=120`
//! (new inputs go to the first directory, keeping the committed seeds small).
//!
//! Properties: no parser panics; an error names the format it was asked for, has a message and a line
//! within the text; every package and unpinned entry has a name and a line within the text; a package
//! has an ecosystem and a version; a valid purl has a type and a name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchwarden_lockfiles::{Format, ParseContext, detect, os_ecosystem, parse, parse_purl};

const FORMATS: [Format; 9] = [
    Format::CargoLock,
    Format::GoMod,
    Format::GemfileLock,
    Format::ComposerLock,
    Format::DpkgStatus,
    Format::ApkInstalled,
    Format::CycloneDxJson,
    Format::CycloneDxXml,
    Format::SpdxJson,
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let last_line =
        u32::try_from(text.bytes().filter(|&b| b == b'\n').count() + 1).unwrap_or(u32::MAX);
    let ctx = ParseContext {
        os_ecosystem: Some("Debian:12".to_owned()),
    };
    for format in FORMATS {
        match parse(format, &text, &ctx) {
            Ok(parsed) => {
                for p in &parsed.packages {
                    assert!(
                        !p.ecosystem.is_empty() && !p.name.is_empty() && !p.version.is_empty(),
                        "{p:?}"
                    );
                    let line = p.line.unwrap_or(1);
                    assert!(
                        (1..=last_line).contains(&line),
                        "{format:?} {p:?} past line {last_line}"
                    );
                }
                for u in &parsed.unpinned {
                    assert!(!u.name.is_empty(), "{u:?}");
                    assert!(
                        (1..=last_line).contains(&u.line),
                        "{format:?} {u:?} past line {last_line}"
                    );
                }
            }
            Err(e) => {
                assert_eq!(e.format, format);
                assert!(!e.message.is_empty());
                if let Some(line) = e.line {
                    assert!(
                        (1..=last_line).contains(&line),
                        "{format:?} {e} past line {last_line}"
                    );
                }
                let _ = e.to_string();
            }
        }
    }
    for line in text.lines().take(64) {
        if let Some(p) = parse_purl(line) {
            assert!(
                !p.purl_type.is_empty() && !p.name.is_empty(),
                "{line:?} → {p:?}"
            );
            let _ = (p.ecosystem(), p.osv_name(), p.osv_version());
        }
    }
    let _ = os_ecosystem(&text);
    for name in [
        "status",
        "installed",
        "Cargo.lock",
        "sbom.json",
        "sbom.xml",
        "var/lib/dpkg/status.d/x",
    ] {
        let _ = detect(name, data);
    }
});
