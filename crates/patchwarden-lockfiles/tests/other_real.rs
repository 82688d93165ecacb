//! The parsers of the other ecosystems, OS databases and SBOMs on every real file of the shared data
//! (`lockfiles/{cargo-v1..v4,gomod,gemfile,composer,dpkg,apk,sbom-cyclonedx}`, `lockfiles-extra/rs-*`).
//!
//! The expected counts and entries were computed independently of this crate, with a short Python
//! script (stdlib only) that applies the same rules with other tools:
//! * Cargo.lock: `tomllib`; packages = `[[package]]` tables that have a `source` key; line = the n-th
//!   line equal to `[[package]]`.
//! * go.mod: line split, `//` comments dropped, `require` lines and blocks; a `replace old => new v`
//!   swaps in `new v` at the replace's line.
//! * Gemfile.lock: lines under a `GEM` header matching `^    (\S+) \(([^-)]*)(-[^)]*)?\)$`, unique
//!   (name, version) in order (the same count as `awk '/^[A-Z]/{s=$0} s=="GEM" && /^    [^ ]/'` piped to
//!   `sed` + `sort -u`).
//! * composer.lock: `json.load`, `len(packages) + len(packages-dev)`; lines = the lines equal to
//!   8 spaces + `{`.
//! * apk: records split on blank lines, unique (`o:` or `P:`, `V:`) pairs; line = record's first line.
//! * dpkg: stanzas split on blank lines, `Status` ending in `installed`, unique (`Source` name or
//!   `Package`, `Source` `(version)` or `Version`) pairs; line = the `Package:` line.
//! * CycloneDX XML: `xml.etree.ElementTree`, `bom/components/component` recursively, a small purl split
//!   (`upstream` qualifier as the name/version, `distro` as the release); unique (ecosystem, name,
//!   version); components whose purl maps to no ecosystem, or without purl → unpinned.

use std::path::PathBuf;

use patchwarden_lockfiles::{Format, Package, ParseContext, Parsed, Unpinned, os_ecosystem, parse};
use patchwarden_testkit::shared_data;

fn real(path: &str) -> PathBuf {
    shared_data().join(path)
}

fn parse_real(format: Format, path: &str, ctx: &ParseContext) -> Parsed {
    let full = real(path);
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
    parse(format, &text, ctx).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn pkg(ecosystem: &str, name: &str, version: &str, line: u32) -> Package {
    Package {
        ecosystem: ecosystem.to_owned(),
        name: name.to_owned(),
        version: version.to_owned(),
        line: Some(line),
        dev: false,
        optional: false,
    }
}

/// Checks the count and the first, middle (`n / 2`) and last packages.
fn check(parsed: &Parsed, path: &str, count: usize, spots: [Package; 3]) {
    let n = parsed.packages.len();
    assert_eq!(n, count, "{path}: package count");
    assert_eq!(parsed.packages[0], spots[0], "{path}: first");
    assert_eq!(parsed.packages[n / 2], spots[1], "{path}: middle");
    assert_eq!(parsed.packages[n - 1], spots[2], "{path}: last");
}

fn find<'a>(parsed: &'a Parsed, name: &str) -> &'a Package {
    parsed
        .packages
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn cargo_lock_every_real_file() {
    let ctx = ParseContext::default();
    let cases: [(&str, usize, [Package; 3]); 9] = [
        (
            "lockfiles/cargo-v1/BurntSushi__ripgrep/Cargo.lock",
            55,
            [
                pkg("crates.io", "aho-corasick", "0.7.10", 3),
                pkg("crates.io", "memmap", "0.7.0", 308),
                pkg("crates.io", "winapi-x86_64-pc-windows-gnu", "0.4.0", 539),
            ],
        ),
        (
            "lockfiles/cargo-v2/BurntSushi__ripgrep/Cargo.lock",
            56,
            [
                pkg("crates.io", "aho-corasick", "0.7.18", 3),
                pkg("crates.io", "num_cpus", "1.13.0", 348),
                pkg("crates.io", "winapi-x86_64-pc-windows-gnu", "0.4.0", 602),
            ],
        ),
        (
            "lockfiles/cargo-v3/BurntSushi__ripgrep/Cargo.lock",
            51,
            [
                pkg("crates.io", "aho-corasick", "1.1.3", 5),
                pkg("crates.io", "quote", "1.0.37", 324),
                pkg("crates.io", "windows_x86_64_msvc", "0.52.6", 552),
            ],
        ),
        (
            "lockfiles/cargo-v3/nushell__nushell/Cargo.lock",
            755,
            [
                pkg("crates.io", "addr2line", "0.24.2", 5),
                pkg("crates.io", "parking_lot_core", "0.9.10", 4575),
                pkg("crates.io", "zstd-sys", "2.0.13+zstd.1.5.6", 8621),
            ],
        ),
        (
            "lockfiles/cargo-v4/BurntSushi__ripgrep/Cargo.lock",
            52,
            [
                pkg("crates.io", "aho-corasick", "1.1.5", 5),
                pkg("crates.io", "pkg-config", "0.3.33", 346),
                pkg("crates.io", "zmij", "1.0.23", 588),
            ],
        ),
        (
            "lockfiles/cargo-v4/nushell__nushell/Cargo.lock",
            991,
            [
                pkg("crates.io", "addr2line", "0.25.1", 5),
                pkg("crates.io", "parking_lot", "0.12.5", 6012),
                pkg("crates.io", "zune-jpeg", "0.5.13", 11382),
            ],
        ),
        (
            "lockfiles-extra/rs-cargo-exa/Cargo.lock",
            44,
            [
                pkg("crates.io", "ansi_term", "0.12.1", 5),
                pkg("crates.io", "number_prefix", "0.4.0", 218),
                pkg("crates.io", "zoneinfo_compiled", "0.5.1", 388),
            ],
        ),
        (
            "lockfiles-extra/rs-cargo-spotify/Cargo.lock",
            254,
            [
                pkg("crates.io", "addr2line", "0.14.1", 5),
                pkg("crates.io", "openssl-probe", "0.1.2", 1227),
                pkg("crates.io", "yaml-rust", "0.4.5", 2450),
            ],
        ),
        (
            "lockfiles-extra/rs-cargo-ytop/Cargo.lock",
            128,
            [
                pkg("crates.io", "ansi_term", "0.11.0", 3),
                pkg("crates.io", "nix", "0.15.0", 595),
                pkg("crates.io", "ws2_32-sys", "0.2.1", 1178),
            ],
        ),
    ];
    for (path, count, spots) in cases {
        let parsed = parse_real(Format::CargoLock, path, &ctx);
        check(&parsed, path, count, spots);
        assert!(parsed.unpinned.is_empty(), "{path}");
        // the workspace members (no source) are not among them
        for member in [
            "ripgrep",
            "grep",
            "nu",
            "nu-command",
            "exa",
            "spotify-tui",
            "ytop",
        ] {
            assert!(
                parsed.packages.iter().all(|p| p.name != member),
                "{path}: member {member}"
            );
        }
    }
    // a git dependency is kept; SemVer build metadata is part of the version
    let nu = parse_real(
        Format::CargoLock,
        "lockfiles/cargo-v3/nushell__nushell/Cargo.lock",
        &ctx,
    );
    assert_eq!(find(&nu, "reedline").version, "0.38.0");
    let exa = parse_real(
        Format::CargoLock,
        "lockfiles-extra/rs-cargo-exa/Cargo.lock",
        &ctx,
    );
    assert_eq!(find(&exa, "libgit2-sys").version, "0.12.21+1.1.0");
}

#[test]
fn go_mod_every_real_file() {
    let ctx = ParseContext::default();
    let path = "lockfiles/gomod/cli__cli/go.mod";
    let parsed = parse_real(Format::GoMod, path, &ctx);
    check(
        &parsed,
        path,
        158,
        [
            pkg("Go", "github.com/AlecAivazis/survey/v2", "v2.3.7", 8),
            pkg("Go", "github.com/go-openapi/strfmt", "v0.23.0", 90),
            pkg("Go", "k8s.io/klog/v2", "v2.120.1", 168),
        ],
    );
    // `replace github.com/rogpeppe/go-internal => github.com/cli/go-internal v0.0.0-…` (line 171)
    assert!(
        parsed
            .packages
            .iter()
            .all(|p| p.name != "github.com/rogpeppe/go-internal")
    );
    assert_eq!(
        find(&parsed, "github.com/cli/go-internal"),
        &pkg(
            "Go",
            "github.com/cli/go-internal",
            "v0.0.0-20241024130215-fa3c22e38b9b",
            171
        )
    );
    let path = "lockfiles/gomod/golang__vulndb/go.mod";
    let parsed = parse_real(Format::GoMod, path, &ctx);
    check(
        &parsed,
        path,
        85,
        [
            pkg("Go", "cloud.google.com/go/errorreporting", "v0.4.0", 18),
            pkg("Go", "dario.cat/mergo", "v1.0.2", 63),
            pkg("Go", "gopkg.in/warnings.v0", "v0.1.2", 105),
        ],
    );
    assert!(parsed.unpinned.is_empty());
}

#[test]
fn gemfile_lock_every_real_file() {
    let ctx = ParseContext::default();
    let path = "lockfiles/gemfile/endoflife-date__endoflife.date/Gemfile.lock";
    let parsed = parse_real(Format::GemfileLock, path, &ctx);
    // 91 spec lines, 64 distinct gems (ffi, nokogiri, google-protobuf, sass-embedded … per platform)
    check(
        &parsed,
        path,
        64,
        [
            pkg("RubyGems", "activesupport", "8.1.3.1", 4),
            pkg("RubyGems", "just-the-docs", "0.12.0", 113),
            pkg("RubyGems", "webrick", "1.9.2", 193),
        ],
    );
    assert_eq!(find(&parsed, "nokogiri").version, "1.19.4");
    let path = "lockfiles/gemfile/rubygems__rubygems-registry-app/Gemfile.lock";
    let parsed = parse_real(Format::GemfileLock, path, &ctx);
    // two GEM sections: 341 spec lines, 298 distinct gems
    check(
        &parsed,
        path,
        298,
        [
            pkg("RubyGems", "avo-advanced", "3.32.4", 4),
            pkg("RubyGems", "minitest-reporters", "1.8.0", 490),
            pkg("RubyGems", "zlib", "3.2.3", 900),
        ],
    );
    assert_eq!(find(&parsed, "libdatadog").version, "36.0.0.1.0");
    assert!(parsed.unpinned.is_empty());
}

#[test]
fn composer_lock_real_file() {
    let path = "lockfiles/composer/composer__composer/composer.lock";
    let parsed = parse_real(Format::ComposerLock, path, &ParseContext::default());
    let mut last = pkg("Packagist", "symfony/phpunit-bridge", "7.3.4", 2470);
    last.dev = true;
    check(
        &parsed,
        path,
        36,
        [
            pkg("Packagist", "composer/ca-bundle", "1.5.12", 9),
            pkg("Packagist", "symfony/finder", "5.4.45", 1238),
            last,
        ],
    );
    assert_eq!(parsed.packages.iter().filter(|p| p.dev).count(), 6);
    assert!(parsed.unpinned.is_empty());
}

#[test]
fn apk_installed_real_file() {
    let path = "lockfiles/apk/google__osv-scalibr/installed";
    let ctx = ParseContext {
        os_ecosystem: Some("Alpine:v3.18".to_owned()),
    };
    let parsed = parse_real(Format::ApkInstalled, path, &ctx);
    // 15 records, 10 origins (busybox ×3, openssl ×2, musl ×2, alpine-baselayout ×2)
    check(
        &parsed,
        path,
        10,
        [
            pkg("Alpine:v3.18", "alpine-baselayout", "3.4.3-r1", 1),
            pkg("Alpine:v3.18", "libc-dev", "0.7.2-r5", 440),
            pkg("Alpine:v3.18", "zlib", "1.2.13-r1", 648),
        ],
    );
    assert_eq!(
        find(&parsed, "openssl"),
        &pkg("Alpine:v3.18", "openssl", "3.1.0-r4", 455)
    );
    // without an OS ecosystem: the bare one
    let parsed = parse_real(Format::ApkInstalled, path, &ParseContext::default());
    assert!(parsed.packages.iter().all(|p| p.ecosystem == "Alpine"));
}

#[test]
fn dpkg_status_real_file() {
    let path = "lockfiles/dpkg/debian-bookworm/status";
    let ctx = ParseContext {
        os_ecosystem: os_ecosystem("ID=debian\nVERSION_ID=\"12\"\n"),
    };
    let parsed = parse_real(Format::DpkgStatus, path, &ctx);
    // 708 installed binary packages, 391 (source, version) pairs
    check(
        &parsed,
        path,
        391,
        [
            pkg("Debian:12", "adduser", "3.134", 1),
            pkg("Debian:12", "mpclib3", "1.3.1-1", 7548),
            pkg("Debian:12", "zlib", "1:1.2.13.dfsg-1", 15726),
        ],
    );
    // `Source: bash (5.2.15-2)`; glibc from libc6 & co.
    assert_eq!(
        find(&parsed, "bash"),
        &pkg("Debian:12", "bash", "5.2.15-2", 257)
    );
    assert_eq!(
        find(&parsed, "glibc"),
        &pkg("Debian:12", "glibc", "2.36-9+deb12u14", 3378)
    );
    assert!(parsed.packages.iter().all(|p| p.name != "libc6"));
}

#[test]
fn cyclonedx_xml_real_files() {
    let ctx = ParseContext::default();
    let path = "lockfiles/sbom-cyclonedx/google__osv-scanner/alpine.cdx.xml";
    let parsed = parse_real(Format::CycloneDxXml, path, &ctx);
    // 16 components: 14 apk purls → 10 (origin, version) packages; a binary without purl and the OS
    check(
        &parsed,
        path,
        10,
        [
            pkg("Alpine:v3.17", "alpine-baselayout", "3.4.0-r0", 18),
            pkg("Alpine:v3.17", "libc-dev", "0.7.2-r3", 266),
            pkg("Alpine:v3.17", "zlib", "1.2.10-r0", 520),
        ],
    );
    assert_eq!(
        parsed.unpinned,
        vec![
            Unpinned {
                name: "busybox".into(),
                requirement: "busybox@1.35.0".into(),
                line: 172
            },
            Unpinned {
                name: "alpine".into(),
                requirement: "alpine@3.17.2".into(),
                line: 552
            },
        ]
    );
    let path = "lockfiles/sbom-cyclonedx/google__osv-scanner/postgres-stretch.cdx.xml";
    let parsed = parse_real(Format::CycloneDxXml, path, &ctx);
    // 137 components: 132 deb purls → 86 source packages, 3 golang (one `(devel)`), 1 generic, the OS
    check(
        &parsed,
        path,
        88,
        [
            pkg("Debian:9", "adduser", "3.115", 18),
            pkg("Debian:9", "libjson-perl", "2.90-1", 2015),
            pkg("Debian:9", "zlib", "1:1.2.8.dfsg-5+deb9u1", 5034),
        ],
    );
    assert_eq!(
        find(&parsed, "github.com/opencontainers/runc").version,
        "v1.0.1"
    );
    assert_eq!(find(&parsed, "util-linux").version, "2.29.2-1+deb9u1");
    assert_eq!(
        parsed.unpinned,
        vec![
            Unpinned {
                name: "github.com/tianon/gosu".into(),
                requirement: "github.com/tianon/gosu@(devel)".into(),
                line: 634,
            },
            Unpinned {
                name: "postgresql".into(),
                requirement: "postgresql@11.15".into(),
                line: 4438
            },
            Unpinned {
                name: "debian".into(),
                requirement: "debian@9".into(),
                line: 5085
            },
        ]
    );
}
