//! The parsers of the other ecosystems, OS databases and SBOMs never panic: every parser is fed
//! truncated and mutated versions of the real files and of the fixtures (deterministic mutations: byte
//! ranges deleted, duplicated, overwritten with format-significant tokens, lines swapped), and the
//! purl and os-release helpers get the same treatment.

use std::path::Path;

use patchwarden_lockfiles::{Format, ParseContext, detect, os_ecosystem, parse, parse_purl};
use patchwarden_testkit::shared_data;

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

const REAL: [(&str, Format); 18] = [
    (
        "lockfiles/cargo-v1/BurntSushi__ripgrep/Cargo.lock",
        Format::CargoLock,
    ),
    (
        "lockfiles/cargo-v2/BurntSushi__ripgrep/Cargo.lock",
        Format::CargoLock,
    ),
    (
        "lockfiles/cargo-v3/BurntSushi__ripgrep/Cargo.lock",
        Format::CargoLock,
    ),
    (
        "lockfiles/cargo-v3/nushell__nushell/Cargo.lock",
        Format::CargoLock,
    ),
    (
        "lockfiles/cargo-v4/BurntSushi__ripgrep/Cargo.lock",
        Format::CargoLock,
    ),
    (
        "lockfiles/cargo-v4/nushell__nushell/Cargo.lock",
        Format::CargoLock,
    ),
    ("lockfiles-extra/rs-cargo-exa/Cargo.lock", Format::CargoLock),
    (
        "lockfiles-extra/rs-cargo-spotify/Cargo.lock",
        Format::CargoLock,
    ),
    (
        "lockfiles-extra/rs-cargo-ytop/Cargo.lock",
        Format::CargoLock,
    ),
    ("lockfiles/gomod/cli__cli/go.mod", Format::GoMod),
    ("lockfiles/gomod/golang__vulndb/go.mod", Format::GoMod),
    (
        "lockfiles/gemfile/endoflife-date__endoflife.date/Gemfile.lock",
        Format::GemfileLock,
    ),
    (
        "lockfiles/gemfile/rubygems__rubygems-registry-app/Gemfile.lock",
        Format::GemfileLock,
    ),
    (
        "lockfiles/composer/composer__composer/composer.lock",
        Format::ComposerLock,
    ),
    (
        "lockfiles/apk/google__osv-scalibr/installed",
        Format::ApkInstalled,
    ),
    ("lockfiles/dpkg/debian-bookworm/status", Format::DpkgStatus),
    (
        "lockfiles/sbom-cyclonedx/google__osv-scanner/alpine.cdx.xml",
        Format::CycloneDxXml,
    ),
    (
        "lockfiles/sbom-cyclonedx/google__osv-scanner/postgres-stretch.cdx.xml",
        Format::CycloneDxXml,
    ),
];

/// Tokens that mean something to one of the formats.
const TOKENS: &[&str] = &[
    "\n",
    "\r\n",
    "\"",
    "'",
    "`",
    "\\",
    "[",
    "]",
    "{",
    "}",
    "(",
    ")",
    "<",
    ">",
    "/>",
    "</",
    "=>",
    ":",
    "=",
    ",",
    "#",
    "//",
    "%",
    "%4",
    "@",
    "-",
    "?",
    "&",
    "&amp;",
    "&#",
    "&#x110000;",
    "<![CDATA[",
    "]]>",
    "<!--",
    "\u{feff}",
    "é",
    "\t",
    " ",
    "    ",
    "      ",
    "[[package]]",
    "name = \"",
    "version = ",
    "source = \"git+",
    "require (",
    "replace ",
    " => ",
    "GEM\n",
    "  specs:\n",
    "    x (",
    "-x86_64-linux)",
    "Package: ",
    "Source: a (",
    "Status: ",
    "P:",
    "V:",
    "o:",
    "pkg:",
    "pkg:deb/debian/x@1?distro=",
    "pkg:apk/alpine/x@1?upstream=y%40",
    "\"purl\": \"",
    "\"components\": [",
    "<component>",
    "<components>",
    "<purl>",
    "</component>",
    "\"bomFormat\": \"CycloneDX\"",
    "\"spdxVersion\": \"SPDX-2.3\"",
    "\"packages\": [",
    "\"externalRefs\": [{\"referenceType\": \"purl\"",
    "99999999999999999999",
    "-1",
    "null",
    "true",
    "\0",
];

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn mutate(base: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut bytes = base.to_vec();
    for _ in 0..=rng.below(4) {
        let len = bytes.len();
        let at = rng.below(len + 1);
        let span = rng.below(64).min(len - at);
        match rng.below(6) {
            0 => {
                bytes.drain(at..at + span);
            }
            1 => {
                let copy = bytes[at..at + span].to_vec();
                bytes.splice(at..at, copy);
            }
            2 | 3 => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                bytes.splice(at..at + span.min(2), token.iter().copied());
            }
            4 => {
                if at < len {
                    bytes[at] = rng.next() as u8;
                }
            }
            _ => {
                // swap two lines
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let mut lines: Vec<&str> = text.split('\n').collect();
                let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
                lines.swap(a, b);
                bytes = lines.join("\n").into_bytes();
            }
        }
    }
    bytes
}

/// The first `max` bytes of `text`, cut at a character boundary.
fn prefix(text: &str, max: usize) -> &str {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn inputs() -> Vec<(String, String, Format)> {
    let mut out = Vec::new();
    for (path, format) in REAL {
        let full = shared_data().join(path);
        let text =
            std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
        out.push((path.to_owned(), text, format));
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for (dir, format) in [
        ("cargo", Format::CargoLock),
        ("gomod", Format::GoMod),
        ("gemfile", Format::GemfileLock),
        ("composer", Format::ComposerLock),
        ("dpkg", Format::DpkgStatus),
        ("apk", Format::ApkInstalled),
        ("cyclonedx", Format::CycloneDxJson),
        ("spdx", Format::SpdxJson),
    ] {
        let mut entries: Vec<_> = std::fs::read_dir(fixtures.join(dir))
            .expect("the fixtures directory")
            .map(|e| e.expect("a fixture").path())
            .collect();
        entries.sort();
        for entry in entries {
            let text = std::fs::read_to_string(&entry).expect("a fixture");
            let format = if entry.to_string_lossy().ends_with(".xml") {
                Format::CycloneDxXml
            } else {
                format
            };
            out.push((entry.display().to_string(), text, format));
        }
    }
    out
}

#[test]
fn truncated_files_never_panic() {
    let ctx = ParseContext {
        os_ecosystem: Some("Debian:12".to_owned()),
    };
    for (name, text, format) in inputs() {
        // every cut of small files, ~40 cuts of large ones, with the file's own parser
        let step = (text.len() / 40).max(1);
        let mut cut = 0;
        while cut <= text.len() {
            let part = prefix(&text, cut);
            let _ = parse(format, part, &ctx);
            cut += step;
        }
        // small prefixes with every parser
        for cut in [1, 7, 64, 300, 2000] {
            let part = prefix(&text, cut);
            for other in FORMATS {
                let _ = parse(other, part, &ctx);
            }
            let _ = detect(&name, part.as_bytes());
        }
    }
}

#[test]
fn mutated_files_never_panic() {
    let ctx = ParseContext::default();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (name, text, format) in inputs() {
        let base = prefix(&text, 6000).as_bytes();
        for round in 0..60 {
            let bytes = mutate(base, &mut rng);
            let mutated = String::from_utf8_lossy(&bytes);
            // the file's own parser every time, the others in turn
            let _ = parse(format, &mutated, &ctx);
            let other = FORMATS[round % FORMATS.len()];
            let _ = parse(other, &mutated, &ctx);
            let _ = detect(&name, &bytes);
            for line in mutated.lines().take(40) {
                let _ = parse_purl(line);
                if let Some(p) = parse_purl(line.trim().trim_matches(|c| c == '"' || c == ',')) {
                    let _ = (p.ecosystem(), p.osv_name(), p.osv_version());
                }
            }
            let _ = os_ecosystem(&mutated);
        }
    }
}

#[test]
fn mutated_purls_and_os_releases_never_panic() {
    let purls = [
        "pkg:deb/debian/libattr1@1:2.4.47-2+b2?arch=amd64&upstream=attr%401:2.4.47-2&distro=debian-9",
        "pkg:npm/%40angular/animation@12.3.1",
        "pkg:golang/google.golang.org/genproto@abcdedf#/googleapis/api/annotations/",
        "pkg:apk/alpine/musl@1.2.3-r4?arch=x86_64&distro=alpine-3.17.2",
        "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?classifier=sources&repository_url=repo.spring.io/release",
        "pkg:conan/bincrafters/cctz@2.3?channel=stable",
    ];
    let releases = [
        "ID=ubuntu\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.3 LTS (Jammy Jellyfish)\"\n",
        "ID=debian\nPRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\n",
        "ID=alpine\nVERSION_ID=3.18.4\n",
    ];
    let mut rng = Rng(42);
    for base in purls.iter().chain(releases.iter()) {
        for _ in 0..2000 {
            let bytes = mutate(base.as_bytes(), &mut rng);
            let text = String::from_utf8_lossy(&bytes);
            if let Some(p) = parse_purl(&text) {
                let _ = (p.ecosystem(), p.osv_name(), p.osv_version());
            }
            let _ = os_ecosystem(&text);
        }
    }
}
