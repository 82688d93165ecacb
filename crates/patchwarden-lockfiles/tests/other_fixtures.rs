//! The parsers of the other ecosystems, OS databases and SBOMs on small hand-written fixtures
//! (`tests/fixtures/{cargo,gomod,gemfile,composer,dpkg,apk,cyclonedx,spdx}/`): empty files, malformed
//! ones (the exact error and line), one package, many, and the tricky cases of each format.

use std::path::Path;

use patchwarden_lockfiles::{
    Format, LockfileParseError, Package, ParseContext, Parsed, Unpinned, detect, parse,
};

fn fixture(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn ok_with(format: Format, path: &str, ctx: &ParseContext) -> Parsed {
    parse(format, &fixture(path), ctx).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ok(format: Format, path: &str) -> Parsed {
    ok_with(format, path, &ParseContext::default())
}

fn err(format: Format, path: &str) -> LockfileParseError {
    match parse(format, &fixture(path), &ParseContext::default()) {
        Ok(parsed) => panic!("{path}: parsed, expected an error: {parsed:?}"),
        Err(e) => {
            assert_eq!(e.format, format);
            e
        }
    }
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

fn dev(mut p: Package) -> Package {
    p.dev = true;
    p
}

fn optional(mut p: Package) -> Package {
    p.optional = true;
    p
}

fn unpinned(name: &str, requirement: &str, line: u32) -> Unpinned {
    Unpinned {
        name: name.to_owned(),
        requirement: requirement.to_owned(),
        line,
    }
}

fn assert_error(e: &LockfileParseError, line: Option<u32>, column: Option<u32>, message: &str) {
    assert_eq!(
        (e.line, e.column, e.message.as_str()),
        (line, column, message),
        "{e}"
    );
}

const ALL_OURS: [Format; 9] = [
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

#[test]
fn a_truly_empty_file_installs_nothing_in_every_format() {
    for format in ALL_OURS {
        for text in ["", "\n", "  \r\n\t\n", "\u{feff}"] {
            let parsed = parse(format, text, &ParseContext::default())
                .unwrap_or_else(|e| panic!("{format:?} {text:?}: {e}"));
            assert_eq!(parsed, Parsed::default(), "{format:?} {text:?}");
        }
    }
}

// ---- Cargo.lock

#[test]
fn cargo_empty_and_one_package() {
    assert_eq!(ok(Format::CargoLock, "cargo/empty.lock"), Parsed::default());
    // The workspace member `demo` has no source: it is not on crates.io and is left out.
    let parsed = ok(Format::CargoLock, "cargo/one-package.lock");
    assert_eq!(
        parsed.packages,
        vec![pkg("crates.io", "itoa", "1.0.11", 12)]
    );
    assert!(parsed.unpinned.is_empty());
}

#[test]
fn cargo_every_format_version() {
    // v1: no `version`, dependencies with "(registry+…)" and a [metadata] table of checksums.
    assert_eq!(
        ok(Format::CargoLock, "cargo/many-v1.lock").packages,
        vec![
            pkg("crates.io", "libc", "0.2.60", 9),
            pkg("crates.io", "smallvec", "0.6.10", 14),
            pkg("crates.io", "time", "0.1.42", 19),
        ]
    );
    // v2: no `version`, inline checksums.
    assert_eq!(
        ok(Format::CargoLock, "cargo/many-v2.lock").packages,
        vec![
            pkg("crates.io", "regex", "1.4.2", 11),
            pkg("crates.io", "smallvec", "1.6.0", 17)
        ]
    );
    // v3: SemVer build metadata is part of the version; a member between registry packages.
    assert_eq!(
        ok(Format::CargoLock, "cargo/many-v3.lock").packages,
        vec![
            pkg("crates.io", "libgit2-sys", "0.12.21+1.1.0", 5),
            pkg("crates.io", "tokio", "1.8.0", 15)
        ]
    );
    // v4: a git source and the sparse registry are kept; members (`app`, `utils`) are not.
    assert_eq!(
        ok(Format::CargoLock, "cargo/many-v4.lock").packages,
        vec![
            pkg("crates.io", "reedline", "0.38.0", 13),
            pkg("crates.io", "serde", "1.0.219", 18)
        ]
    );
}

#[test]
fn cargo_malformed() {
    let e = err(Format::CargoLock, "cargo/malformed.lock");
    assert_error(
        &e,
        Some(12),
        Some(15),
        "invalid basic string, expected `\"`",
    );
    assert_eq!(
        e.to_string(),
        "line 12, column 15: invalid Cargo.lock: invalid basic string, expected `\"`"
    );
    let e = err(Format::CargoLock, "cargo/malformed-no-version.lock");
    assert_error(&e, Some(5), Some(1), "missing field `version`");
    let e = parse(Format::CargoLock, "package = 3\n", &ParseContext::default()).unwrap_err();
    assert_eq!((e.line, e.column), (Some(1), Some(11)), "{e}");
}

#[test]
fn cargo_refuses_absurd_nesting_without_overflowing() {
    let text = format!("a = {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let e = parse(Format::CargoLock, &text, &ParseContext::default()).unwrap_err();
    assert_error(&e, Some(1), Some(69), "arrays or tables nested too deep");
    let text = format!("a = {}\n", "{ b = ".repeat(50_000));
    assert!(parse(Format::CargoLock, &text, &ParseContext::default()).is_err());
}

// ---- go.mod

#[test]
fn gomod_empty_and_one_package() {
    assert_eq!(ok(Format::GoMod, "gomod/empty.mod"), Parsed::default());
    assert_eq!(
        ok(Format::GoMod, "gomod/one-package.mod").packages,
        vec![pkg("Go", "golang.org/x/net", "v0.17.0", 5)]
    );
}

#[test]
fn gomod_many() {
    let parsed = ok(Format::GoMod, "gomod/many.mod");
    assert_eq!(
        parsed.packages,
        vec![
            pkg("Go", "github.com/spf13/cobra", "v1.8.0", 10),
            pkg("Go", "github.com/quoted/path", "v0.1.0", 11),
            pkg("Go", "golang.org/x/sys", "v0.15.0", 12),
            pkg("Go", "github.com/inconshreveable/mousetrap", "v1.1.0", 16),
            pkg("Go", "github.com/spf13/pflag", "v1.0.5", 17),
            pkg("Go", "github.com/golang-jwt/jwt/v4", "v4.4.1", 20),
        ]
    );
    assert!(parsed.unpinned.is_empty());
}

#[test]
fn gomod_replace_and_exclude() {
    let parsed = ok(Format::GoMod, "gomod/replace.mod");
    assert_eq!(
        parsed.packages,
        vec![
            // replace of every version → the new module at its version, at the replace's line
            pkg("Go", "github.com/gorilla/websocket", "v1.5.1", 17),
            // replace of exactly the required version wins; the one of v0.1.0 does not apply
            pkg("Go", "golang.org/x/net", "v0.23.0", 21),
            // replace by another module
            pkg("Go", "github.com/new/lib", "v1.3.0", 23),
            pkg("Go", "gopkg.in/yaml.v2", "v2.2.2", 15),
        ]
    );
    assert_eq!(
        parsed.unpinned,
        vec![
            unpinned(
                "github.com/example/local",
                "github.com/example/local v1.0.0 => ../local",
                20
            ),
            unpinned(
                "golang.org/x/crypto",
                "golang.org/x/crypto v0.14.0 (excluded)",
                10
            ),
        ]
    );
}

#[test]
fn gomod_malformed() {
    assert_error(
        &err(Format::GoMod, "gomod/malformed.mod"),
        Some(5),
        None,
        "`require (` block is never closed",
    );
    assert_error(
        &err(Format::GoMod, "gomod/malformed-version.mod"),
        Some(3),
        None,
        "invalid version `0.9.1`: a module version starts with `v`",
    );
    let cases = [
        (
            "module m\nrequire a\n",
            2,
            "`require` needs a module path and a version",
        ),
        (
            "module m\nrequir a v1.0.0\n",
            2,
            "unknown directive `requir`",
        ),
        (
            "replace a => b\n",
            1,
            "replacement `b` without a version must be a directory path",
        ),
        ("replace a b\n", 1, "`replace` without `=>`"),
        ("require \"a v1.0.0\n", 1, "unterminated quoted string"),
    ];
    for (text, line, message) in cases {
        let e = parse(Format::GoMod, text, &ParseContext::default()).unwrap_err();
        assert_error(&e, Some(line), None, message);
    }
}

// ---- Gemfile.lock

#[test]
fn gemfile_empty_and_one_package() {
    assert_eq!(
        ok(Format::GemfileLock, "gemfile/empty.lock"),
        Parsed::default()
    );
    assert_eq!(
        ok(Format::GemfileLock, "gemfile/one-package.lock").packages,
        vec![pkg("RubyGems", "rack", "2.2.8", 4)]
    );
}

#[test]
fn gemfile_sections_and_platforms() {
    let parsed = ok(Format::GemfileLock, "gemfile/many.lock");
    assert_eq!(
        parsed.packages,
        vec![
            // the first of two GEM sections (a private gem server)
            pkg("RubyGems", "private-gem", "1.0.0", 18),
            pkg("RubyGems", "actionpack", "7.0.4", 24),
            // three platform variants of one version: one package, the version without the platform
            pkg("RubyGems", "nokogiri", "1.15.4", 26),
            pkg("RubyGems", "racc", "1.7.1", 32),
            pkg("RubyGems", "rack", "2.2.8", 33),
            pkg("RubyGems", "sqlite3", "1.6.6", 34),
        ]
    );
    assert_eq!(
        parsed.unpinned,
        vec![
            unpinned(
                "rails",
                "rails (8.1.0.alpha) from GIT https://github.com/rails/rails.git",
                6
            ),
            unpinned("billing", "billing (0.1.0) from PATH engines/billing", 12),
        ]
    );
}

#[test]
fn gemfile_malformed() {
    assert_error(
        &err(Format::GemfileLock, "gemfile/malformed.lock"),
        Some(4),
        Some(5),
        "expected `name (version)`, found `rack 2.2.8`",
    );
    assert_error(
        &err(Format::GemfileLock, "gemfile/conflict.lock"),
        Some(4),
        Some(1),
        "merge conflict marker",
    );
}

// ---- composer.lock

#[test]
fn composer_empty_and_one_package() {
    assert_eq!(
        ok(Format::ComposerLock, "composer/empty.lock"),
        Parsed::default()
    );
    assert_eq!(
        ok(Format::ComposerLock, "composer/one-package.lock").packages,
        vec![pkg("Packagist", "guzzlehttp/guzzle", "7.4.4", 4)]
    );
}

#[test]
fn composer_many() {
    let parsed = ok(Format::ComposerLock, "composer/many.lock");
    assert_eq!(
        parsed.packages,
        vec![
            // `v5.4.20` → `5.4.20`, as Packagist advisories write versions
            pkg("Packagist", "symfony/http-kernel", "5.4.20", 4),
            pkg("Packagist", "twig/twig", "3.4.3", 18),
            dev(pkg("Packagist", "phpunit/phpunit", "9.6.3", 21)),
        ]
    );
    // branch checkouts are no releases
    assert_eq!(
        parsed.unpinned,
        vec![
            unpinned("acme/internal", "dev-main", 9),
            unpinned("vimeo/psalm", "5.x-dev", 26)
        ]
    );
}

#[test]
fn composer_malformed() {
    assert_error(
        &err(Format::ComposerLock, "composer/malformed.lock"),
        Some(7),
        Some(9),
        "trailing comma",
    );
    assert_error(
        &err(Format::ComposerLock, "composer/malformed-no-version.lock"),
        Some(7),
        None,
        "package `psr/log` has no `version`",
    );
    let e = parse(Format::ComposerLock, "[1, 2]", &ParseContext::default()).unwrap_err();
    assert_error(&e, Some(1), None, "expected a JSON object");
    let e = parse(
        Format::ComposerLock,
        "{\n\"packages\": {}\n}",
        &ParseContext::default(),
    )
    .unwrap_err();
    assert_error(&e, Some(2), None, "`packages` is not an array");
}

// ---- dpkg status

#[test]
fn dpkg_empty_and_one_package() {
    assert_eq!(ok(Format::DpkgStatus, "dpkg/empty"), Parsed::default());
    assert_eq!(
        ok(Format::DpkgStatus, "dpkg/only-removed"),
        Parsed::default()
    );
    let ctx = ParseContext {
        os_ecosystem: Some("Debian:12".to_owned()),
    };
    assert_eq!(
        ok_with(Format::DpkgStatus, "dpkg/one-package", &ctx).packages,
        vec![pkg("Debian:12", "curl", "7.88.1-10+deb12u5", 1)]
    );
}

#[test]
fn dpkg_source_packages() {
    let parsed = ok(Format::DpkgStatus, "dpkg/many");
    assert_eq!(
        parsed.packages,
        vec![
            // libc6 and libc-bin are both built from glibc: one package, at libc6's line
            pkg("Debian", "glibc", "2.36-9+deb12u4", 1),
            // `Source: bash (5.2.15-2)`: the source version, not the binNMU's 5.2.15-2+b7
            pkg("Debian", "bash", "5.2.15-2", 12),
            // the epoch stays
            pkg("Debian", "zlib", "1:1.2.13.dfsg-1", 21),
            // held, and installed; no Source: the binary's name
            pkg("Debian", "openssl", "3.0.11-1~deb12u2", 26),
            pkg("Debian", "tzdata", "2024a-0+deb12u1", 38),
        ]
    );
    // oldlib (config files only) and halfdone (half-installed) are not installed
}

#[test]
fn dpkg_malformed() {
    assert_error(
        &err(Format::DpkgStatus, "dpkg/malformed"),
        Some(6),
        None,
        "expected `Field: value`",
    );
    assert_error(
        &err(Format::DpkgStatus, "dpkg/malformed-no-package"),
        Some(5),
        None,
        "a stanza without a `Package` field",
    );
    let e = parse(Format::DpkgStatus, " continued\n", &ParseContext::default()).unwrap_err();
    assert_error(&e, Some(1), None, "a continuation line outside any field");
    let e = parse(
        Format::DpkgStatus,
        "Package: x\nStatus: install ok installed\n",
        &ParseContext::default(),
    )
    .unwrap_err();
    assert_error(&e, Some(1), None, "package `x` has no `Version`");
}

// ---- apk installed

#[test]
fn apk_empty_and_one_package() {
    assert_eq!(ok(Format::ApkInstalled, "apk/empty"), Parsed::default());
    let ctx = ParseContext {
        os_ecosystem: Some("Alpine:v3.18".to_owned()),
    };
    assert_eq!(
        ok_with(Format::ApkInstalled, "apk/one-package", &ctx).packages,
        vec![pkg("Alpine:v3.18", "musl", "1.2.4-r0", 1)]
    );
}

#[test]
fn apk_origins() {
    assert_eq!(
        ok(Format::ApkInstalled, "apk/many").packages,
        vec![
            // libcrypto3 and libssl3 come from openssl
            pkg("Alpine", "openssl", "3.1.0-r4", 1),
            pkg("Alpine", "busybox", "1.36.0-r9", 11),
            pkg("Alpine", "pax-utils", "1.3.7-r1", 16),
            // no `o:`: the package's own name
            pkg("Alpine", "noorigin", "0.1-r0", 21),
        ]
    );
}

#[test]
fn apk_malformed() {
    assert_error(
        &err(Format::ApkInstalled, "apk/malformed"),
        Some(7),
        None,
        "expected a `X:value` line",
    );
    assert_error(
        &err(Format::ApkInstalled, "apk/malformed-no-version"),
        Some(5),
        None,
        "package `busybox` has no `V:` (version) line",
    );
    let e = parse(Format::ApkInstalled, "V:1.0\n", &ParseContext::default()).unwrap_err();
    assert_error(
        &e,
        Some(1),
        None,
        "a record without a `P:` (package name) line",
    );
}

// ---- CycloneDX

#[test]
fn cyclonedx_json_empty_and_every_spec_version() {
    // metadata.component is the BOM's subject, not one of its components
    assert_eq!(
        ok(Format::CycloneDxJson, "cyclonedx/empty.cdx.json"),
        Parsed::default()
    );
    for version in ["1.2", "1.3", "1.4", "1.5", "1.6"] {
        let parsed = ok(
            Format::CycloneDxJson,
            &format!("cyclonedx/one-package-{version}.cdx.json"),
        );
        assert_eq!(
            parsed.packages,
            vec![pkg("npm", "lodash", "4.17.20", 6)],
            "{version}"
        );
        assert!(parsed.unpinned.is_empty());
    }
}

#[test]
fn cyclonedx_json_many() {
    let parsed = ok(Format::CycloneDxJson, "cyclonedx/many.cdx.json");
    assert_eq!(
        parsed.packages,
        vec![
            // %40 decoded; scope "excluded" → dev
            dev(pkg("npm", "@babel/traverse", "7.22.0", 9)),
            // pypi names are lowercased by the purl spec; percent-encoded qualifier ignored
            pkg("PyPI", "django", "3.2.0", 17),
            optional(pkg(
                "Maven",
                "org.apache.logging.log4j:log4j-core",
                "2.14.1",
                23
            )),
            // nested component
            pkg("Maven", "org.apache.logging.log4j:log4j-api", "2.14.1", 30),
            // libssl3's upstream is openssl; the openssl component at line 44 is the same package
            pkg("Debian:12", "openssl", "3.0.11-1~deb12u2", 38),
            pkg("Alpine:v3.17", "musl", "1.2.3-r4", 50),
            pkg("Go", "golang.org/x/net", "v0.7.0", 56),
            pkg("crates.io", "rand", "0.8.5", 74),
        ]
    );
    assert_eq!(
        parsed.unpinned,
        vec![
            // a purl type with no OSV ecosystem
            unpinned("left-pad", "left-pad@1.3.0", 62),
            // no purl
            unpinned("debian", "debian@12", 68),
            // a purl without a version
            unpinned("no-version-purl", "no-version-purl", 73),
        ]
    );
}

#[test]
fn cyclonedx_json_malformed() {
    assert_error(
        &err(Format::CycloneDxJson, "cyclonedx/malformed.cdx.json"),
        Some(7),
        Some(7),
        "expected `,` or `}`",
    );
    assert_error(
        &err(Format::CycloneDxJson, "cyclonedx/malformed-format.cdx.json"),
        Some(2),
        None,
        "`bomFormat` is \"SPDX\", not \"CycloneDX\"",
    );
    let e = parse(
        Format::CycloneDxJson,
        "{\"specVersion\": \"1.4\"}",
        &ParseContext::default(),
    )
    .unwrap_err();
    assert_error(&e, Some(1), None, "not a CycloneDX BOM: no `bomFormat`");
    let text = "{\"bomFormat\": \"CycloneDX\",\n \"components\": [\n 3\n]}";
    let e = parse(Format::CycloneDxJson, text, &ParseContext::default()).unwrap_err();
    assert_error(&e, Some(3), None, "a component is not an object");
}

#[test]
fn cyclonedx_xml_empty_and_spec_versions() {
    assert_eq!(
        ok(Format::CycloneDxXml, "cyclonedx/empty.cdx.xml"),
        Parsed::default()
    );
    for version in ["1.2", "1.6"] {
        let parsed = ok(
            Format::CycloneDxXml,
            &format!("cyclonedx/one-package-{version}.cdx.xml"),
        );
        assert_eq!(
            parsed.packages,
            vec![pkg("npm", "lodash", "4.17.20", 4)],
            "{version}"
        );
    }
}

#[test]
fn cyclonedx_xml_many() {
    let parsed = ok(Format::CycloneDxXml, "cyclonedx/many.cdx.xml");
    assert_eq!(
        parsed.packages,
        vec![
            // upstream=glibc; `&amp;` in the purl; the licence's <name> is not the component's
            pkg("Debian:9", "glibc", "2.24-11+deb9u4", 11),
            // upstream=attr%401:2.4.47-2: the source version
            pkg("Debian:9", "attr", "1:2.4.47-2", 18),
            // purl in CDATA
            pkg("npm", "parent-app", "2.0.0", 23),
            optional(pkg("npm", "minimist", "1.2.5", 28)),
        ]
    );
    assert_eq!(
        parsed.unpinned,
        vec![
            unpinned("busybox", "busybox@1.35.0", 36),
            unpinned("(unnamed component)", "(unnamed component)", 37)
        ]
    );
}

#[test]
fn cyclonedx_xml_malformed() {
    assert_error(
        &err(Format::CycloneDxXml, "cyclonedx/malformed.cdx.xml"),
        Some(7),
        Some(5),
        "ill-formed document: expected `</component>`, but `</components>` was found",
    );
    assert_error(
        &err(
            Format::CycloneDxXml,
            "cyclonedx/malformed-truncated.cdx.xml",
        ),
        Some(6),
        Some(1),
        "unexpected end of file: <component> is not closed",
    );
    assert_error(
        &err(Format::CycloneDxXml, "cyclonedx/not-a-bom.xml"),
        Some(2),
        Some(1),
        "not a CycloneDX BOM: the root element is <project>, not <bom>",
    );
    let e = parse(Format::CycloneDxXml, "just text", &ParseContext::default()).unwrap_err();
    assert_error(
        &e,
        Some(1),
        Some(1),
        "not a CycloneDX BOM: no <bom> element",
    );
}

// ---- SPDX

#[test]
fn spdx_empty_and_one_package() {
    assert_eq!(
        ok(Format::SpdxJson, "spdx/empty.spdx.json"),
        Parsed::default()
    );
    assert_eq!(
        ok(Format::SpdxJson, "spdx/one-package.spdx.json").packages,
        vec![pkg("PyPI", "requests", "2.25.0", 9)]
    );
}

#[test]
fn spdx_many() {
    let parsed = ok(Format::SpdxJson, "spdx/many.spdx.json");
    assert_eq!(
        parsed.packages,
        vec![
            // the cpe reference is skipped for the purl one
            pkg("RubyGems", "nokogiri", "1.13.0", 15),
            pkg("Packagist", "laravel/framework", "8.0.0", 24),
            pkg("NuGet", "Newtonsoft.Json", "12.0.1", 32),
            // %2B decoded; Go module paths keep their case
            pkg(
                "Go",
                "github.com/Azure/go-autorest",
                "v14.2.0+incompatible",
                48
            ),
            // Ubuntu 22.04 is an LTS release: OSV writes Ubuntu:22.04:LTS
            pkg("Ubuntu:22.04:LTS", "zlib", "1:1.2.11.dfsg-2", 56),
        ]
    );
    assert_eq!(
        parsed.unpinned,
        vec![
            // the document's root: no purl, no version
            unpinned("/app", "/app", 10),
            // a GitHub Actions purl: no OSV ecosystem patchwarden checks
            unpinned("actions/checkout", "actions/checkout@v4", 40),
            // an invalid purl (bad percent-encoding)
            unpinned("broken-purl", "broken-purl@1.0", 64),
        ]
    );
}

#[test]
fn spdx_malformed() {
    assert_error(
        &err(Format::SpdxJson, "spdx/malformed.spdx.json"),
        Some(1),
        None,
        "not an SPDX document: no `spdxVersion`",
    );
    assert_error(
        &err(Format::SpdxJson, "spdx/malformed-syntax.spdx.json"),
        Some(6),
        None,
        "control character (\\u0000-\\u001F) found while parsing a string",
    );
}

// ---- detection

#[test]
fn detection_by_name_and_content() {
    let cases: &[(&str, &[u8], Option<Format>)] = &[
        ("Cargo.lock", b"", Some(Format::CargoLock)),
        ("sub/dir/Cargo.lock", b"", Some(Format::CargoLock)),
        ("go.mod", b"module x", Some(Format::GoMod)),
        ("go.sum", b"", None),
        ("Gemfile.lock", b"GEM", Some(Format::GemfileLock)),
        ("gems.locked", b"GEM", Some(Format::GemfileLock)),
        ("composer.lock", b"{", Some(Format::ComposerLock)),
        ("composer.json", b"{", None),
        ("rootfs/var/lib/dpkg/status", b"", Some(Format::DpkgStatus)),
        (
            "rootfs\\var\\lib\\dpkg\\status",
            b"",
            Some(Format::DpkgStatus),
        ),
        (
            "var/lib/dpkg/status.d/base",
            b"Package: base-files\n",
            Some(Format::DpkgStatus),
        ),
        (
            "status",
            b"Package: adduser\nStatus: install ok installed\n",
            Some(Format::DpkgStatus),
        ),
        ("status", b"{\"ok\": true}", None),
        (
            "rootfs/lib/apk/db/installed",
            b"",
            Some(Format::ApkInstalled),
        ),
        (
            "installed",
            b"C:Q1abc=\nP:musl\n",
            Some(Format::ApkInstalled),
        ),
        ("installed", b"nothing here", None),
        ("bom.json", b"{", Some(Format::CycloneDxJson)),
        ("image.cdx.json", b"{", Some(Format::CycloneDxJson)),
        (
            "sbom.json",
            b"{\n  \"bomFormat\": \"CycloneDX\",",
            Some(Format::CycloneDxJson),
        ),
        (
            "sbom.json",
            b"{\n  \"spdxVersion\": \"SPDX-2.3\",",
            Some(Format::SpdxJson),
        ),
        ("image.spdx.json", b"{", Some(Format::SpdxJson)),
        ("bom.xml", b"<?xml", Some(Format::CycloneDxXml)),
        ("alpine.cdx.xml", b"<?xml", Some(Format::CycloneDxXml)),
        (
            "sbom.xml",
            b"<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\">",
            Some(Format::CycloneDxXml),
        ),
        ("pom.xml", b"<?xml version=\"1.0\"?>\n<project>", None),
        ("data.json", b"{\"a\": 1}", None),
    ];
    for (name, head, expected) in cases {
        assert_eq!(detect(name, head), *expected, "{name}");
    }
}
