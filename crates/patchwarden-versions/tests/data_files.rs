//! Ordered-pair fixtures per scheme (`tests/data/<scheme>.txt`, in the style of osv-scanner's
//! `internal/semantic/fixtures/*-versions.txt`): each line is `a < b`, `a = b` or `a > b`, checked in both
//! directions.

use std::cmp::Ordering;
use std::path::Path;

use patchwarden_versions::Scheme;

fn check_file(scheme: Scheme, file: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut checked = 0;
    let mut failures = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (a, op, b) = [
            (" < ", Ordering::Less),
            (" = ", Ordering::Equal),
            (" > ", Ordering::Greater),
        ]
        .iter()
        .find_map(|(sep, ord)| line.split_once(sep).map(|(a, b)| (a, *ord, b)))
        .unwrap_or_else(|| panic!("{file}:{}: no ' < ', ' = ' or ' > ' in {line:?}", n + 1));
        let forward = scheme.compare(a, b);
        let backward = scheme.compare(b, a);
        match (forward, backward) {
            (Ok(f), Ok(r)) if f == op && r == op.reverse() => {}
            (f, r) => failures.push(format!(
                "{file}:{}: {a} {op:?} {b}: got {f:?} / reversed {r:?}",
                n + 1
            )),
        }
        if op == Ordering::Equal {
            let (pa, pb) = (scheme.parse(a), scheme.parse(b));
            if let (Ok(pa), Ok(pb)) = (pa, pb) {
                if pa != pb {
                    failures.push(format!(
                        "{file}:{}: {a} and {b} compare equal but are not ==",
                        n + 1
                    ));
                }
            }
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 10, "{file}: only {checked} lines");
}

#[test]
fn pep440() {
    check_file(Scheme::Pep440, "pep440.txt");
}

#[test]
fn semver() {
    check_file(Scheme::SemVer, "semver.txt");
}

#[test]
fn go() {
    check_file(Scheme::Go, "go.txt");
}

#[test]
fn dpkg() {
    check_file(Scheme::Dpkg, "dpkg.txt");
}

#[test]
fn apk() {
    check_file(Scheme::Apk, "apk.txt");
}

#[test]
fn rubygems() {
    check_file(Scheme::RubyGems, "rubygems.txt");
}

#[test]
fn composer() {
    check_file(Scheme::Composer, "composer.txt");
}

#[test]
fn maven() {
    check_file(Scheme::Maven, "maven.txt");
}

#[test]
fn nuget() {
    check_file(Scheme::NuGet, "nuget.txt");
}
