//! Differential tests: thousands of generated version pairs per scheme, compared against the reference
//! implementation of each ecosystem in one batch process call per reference.
//!
//! Required references (the test fails, naming `scripts/install-references`, when they are missing):
//! PyPI `packaging` (PEP 440), npm `semver` (SemVer), `dpkg --compare-versions` (dpkg).
//! Optional references, compared when present (installed by `scripts/install-references` where apt can):
//! Maven's `ComparableVersion` (Debian `maven`'s maven-artifact jar + `java`), RubyGems `Gem::Version`
//! (`ruby`), Composer `VersionParser` + PHP `version_compare` (`php`, `php-composer-semver`).
//! apk and NuGet have no reference on this machine; their unit tests and data files cover them.
//!
//! `PATCHWARDEN_VERSIONS_DIFF_PAIRS` sets the number of pairs per scheme (default 3000);
//! `PATCHWARDEN_VERSIONS_DIFF_SEED` the RNG seed (default fixed).

use std::cmp::Ordering;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use patchwarden_versions::Scheme;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const INSTALL_HINT: &str =
    "run scripts/install-references to install the reference implementations";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn pairs_wanted() -> usize {
    std::env::var("PATCHWARDEN_VERSIONS_DIFF_PAIRS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000)
}

fn rng(salt: u64) -> StdRng {
    let seed = std::env::var("PATCHWARDEN_VERSIONS_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed);
    StdRng::seed_from_u64(seed ^ salt)
}

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("PATCHWARDEN_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = workspace().join(".venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

/// Runs `cmd`, feeding `input` on stdin; returns stdout lines.
fn run_batch(mut cmd: Command, input: &str, what: &str) -> Result<Vec<String>, String> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{what}: cannot start {cmd:?}: {e}"))?;
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("{what}: {e}"))?;
    writer
        .join()
        .expect("writer thread")
        .map_err(|e| format!("{what}: writing stdin: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what}: {cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect())
}

/// What the reference said about one pair.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Cmp(Ordering),
    /// Which sides the reference rejected (`b` unknown when the reference stops at `a`).
    Invalid {
        a: bool,
        b: Option<bool>,
    },
    /// The reference has no opinion (e.g. Composer branches); counted, not compared.
    Skip,
}

fn parse_verdict(line: &str) -> Verdict {
    match line.split('\t').next().unwrap_or("") {
        "-1" => Verdict::Cmp(Ordering::Less),
        "0" => Verdict::Cmp(Ordering::Equal),
        "1" => Verdict::Cmp(Ordering::Greater),
        "EA" => Verdict::Invalid {
            a: true,
            b: Some(false),
        },
        "EB" => Verdict::Invalid {
            a: false,
            b: Some(true),
        },
        "EAB" => Verdict::Invalid {
            a: true,
            b: Some(true),
        },
        "EA?" => Verdict::Invalid { a: true, b: None },
        "S" => Verdict::Skip,
        other => panic!("unexpected reference output {other:?}"),
    }
}

#[derive(Default)]
struct Report {
    compared: usize,
    equal: usize,
    rejected: usize,
    skipped: usize,
    mismatches: Vec<String>,
}

/// Checks our parse/compare against the reference verdicts. `strict_validity`: we must reject exactly
/// what the reference rejects; otherwise only "we reject a version the reference accepts" is an error.
fn check(
    scheme: Scheme,
    pairs: &[(String, String)],
    verdicts: &[Verdict],
    strict_validity: bool,
) -> Report {
    assert_eq!(
        pairs.len(),
        verdicts.len(),
        "{scheme}: reference answered {} of {} pairs",
        verdicts.len(),
        pairs.len()
    );
    let mut r = Report::default();
    for ((a, b), verdict) in pairs.iter().zip(verdicts) {
        let (pa, pb) = (scheme.parse(a), scheme.parse(b));
        match verdict {
            Verdict::Skip => r.skipped += 1,
            Verdict::Cmp(want) => match (&pa, &pb) {
                (Ok(va), Ok(vb)) => {
                    r.compared += 1;
                    if *want == Ordering::Equal {
                        r.equal += 1;
                    }
                    let got = va.cmp(vb);
                    if got != *want {
                        r.mismatches
                            .push(format!("{a:?} vs {b:?}: reference {want:?}, ours {got:?}"));
                    }
                }
                _ => r.mismatches.push(format!(
                    "{a:?} vs {b:?}: reference accepts both, we reject: {}",
                    [pa.err(), pb.err()]
                        .into_iter()
                        .flatten()
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                        .join("; ")
                )),
            },
            Verdict::Invalid { a: ia, b: ib } => {
                r.rejected += 1;
                let sides = [(a, *ia, pa.is_ok()), (b, ib.unwrap_or(false), pb.is_ok())];
                for (i, (s, ref_invalid, ours_ok)) in sides.into_iter().enumerate() {
                    let known = i == 0 || ib.is_some();
                    if !known {
                        continue;
                    }
                    if ref_invalid && ours_ok && strict_validity {
                        r.mismatches
                            .push(format!("{s:?}: reference rejects it, we accept it"));
                    }
                    if !ref_invalid && !ours_ok {
                        r.mismatches
                            .push(format!("{s:?}: reference accepts it, we reject it"));
                    }
                }
            }
        }
    }
    r
}

fn finish(scheme: Scheme, reference: &str, r: &Report) {
    eprintln!(
        "{scheme} vs {reference}: {} pairs compared ({} equal), {} with an invalid side, {} skipped, {} mismatches",
        r.compared,
        r.equal,
        r.rejected,
        r.skipped,
        r.mismatches.len()
    );
    if !r.mismatches.is_empty() {
        let shown: Vec<&str> = r.mismatches.iter().take(40).map(String::as_str).collect();
        panic!(
            "{scheme} differs from {reference} on {} pairs:\n{}",
            r.mismatches.len(),
            shown.join("\n")
        );
    }
    assert!(
        r.compared > pairs_wanted() / 3,
        "{scheme}: too few valid pairs were compared ({})",
        r.compared
    );
}

fn batch_input(pairs: &[(String, String)]) -> String {
    let mut s = String::new();
    for (a, b) in pairs {
        assert!(
            !a.contains(['\t', '\n', '\r']) && !b.contains(['\t', '\n', '\r']),
            "generator produced a separator"
        );
        s.push_str(a);
        s.push('\t');
        s.push_str(b);
        s.push('\n');
    }
    s
}

// ---------------------------------------------------------------------------------------------------------
// Generators

fn pick<'a>(rng: &mut StdRng, xs: &[&'a str]) -> &'a str {
    xs[rng.random_range(0..xs.len())]
}

fn chance(rng: &mut StdRng, p: f64) -> bool {
    rng.random_bool(p)
}

fn number(rng: &mut StdRng) -> String {
    match rng.random_range(0..20) {
        0 => format!("{}", rng.random_range(100..100_000u32)),
        1 => "0".repeat(rng.random_range(1..3)) + &rng.random_range(0..10u32).to_string(),
        2 => rng
            .random_range(10_000_000_000u64..9_000_000_000_000_000u64)
            .to_string(),
        3..=8 => "0".to_owned(),
        _ => rng.random_range(0..12u32).to_string(),
    }
}

/// Number that is valid in strict SemVer/npm (no leading zeros, ≤ MAX_SAFE_INTEGER), or occasionally not.
fn semver_number(rng: &mut StdRng) -> String {
    match rng.random_range(0..30) {
        0 => format!("0{}", rng.random_range(0..10u32)),
        1 => rng
            .random_range(1_000_000_000u64..9_007_199_254_740_991u64)
            .to_string(),
        2..=10 => "0".to_owned(),
        _ => rng.random_range(0..12u32).to_string(),
    }
}

/// Mutates a valid-looking version into a probably-invalid one.
fn mangle(rng: &mut StdRng, s: &str, alphabet: &[char]) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    match rng.random_range(0..4) {
        0 if !chars.is_empty() => {
            let i = rng.random_range(0..chars.len());
            chars.remove(i);
        }
        1 => {
            let i = rng.random_range(0..=chars.len());
            chars.insert(i, alphabet[rng.random_range(0..alphabet.len())]);
        }
        2 if !chars.is_empty() => {
            let i = rng.random_range(0..chars.len());
            chars[i] = alphabet[rng.random_range(0..alphabet.len())];
        }
        _ => chars.push(alphabet[rng.random_range(0..alphabet.len())]),
    }
    chars.into_iter().collect()
}

/// A close relative of `s`: one number changed, a zero appended, a separator or a letter's case changed,
/// or the last component dropped — so that equal and nearly equal versions meet often.
fn tweak(rng: &mut StdRng, s: &str, num: fn(&mut StdRng) -> String) -> String {
    let mut out = s.to_owned();
    for _ in 0..rng.random_range(1..=2) {
        let b = out.as_bytes();
        match rng.random_range(0..6) {
            0 => {
                let runs: Vec<(usize, usize)> = {
                    let mut v = Vec::new();
                    let mut i = 0;
                    while i < b.len() {
                        if b[i].is_ascii_digit() {
                            let j = i + b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
                            v.push((i, j));
                            i = j;
                        } else {
                            i += 1;
                        }
                    }
                    v
                };
                if let Some(&(i, j)) = runs.get(rng.random_range(0..runs.len().max(1))) {
                    out = format!("{}{}{}", &out[..i], num(rng), &out[j..]);
                }
            }
            1 => out.push_str(pick(rng, &[".0", "0", ".0.0"])),
            2 => {
                let seps: Vec<usize> = b
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| matches!(c, b'.' | b'-' | b'_'))
                    .map(|(i, _)| i)
                    .collect();
                if let Some(&i) = seps.get(rng.random_range(0..seps.len().max(1))) {
                    out.replace_range(i..i + 1, pick(rng, &[".", "-", "_"]));
                }
            }
            3 => {
                out = if chance(rng, 0.5) {
                    out.to_ascii_uppercase()
                } else {
                    out.to_ascii_lowercase()
                };
            }
            4 => {
                if let Some(i) = out.rfind(['.', '-']) {
                    out.truncate(i);
                }
            }
            _ => {}
        }
    }
    out
}

/// The pairs of `tests/data/<file>`, so that the fixtures' expectations are themselves checked against
/// the reference.
fn data_pairs(file: &str) -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            [" < ", " = ", " > "]
                .iter()
                .find_map(|sep| l.trim_end().split_once(sep))
        })
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect()
}

/// A pool of versions, and pairs drawn from it (so equal and near-equal versions meet often).
fn pairs_from(
    rng: &mut StdRng,
    make: impl Fn(&mut StdRng) -> String,
    num: fn(&mut StdRng) -> String,
) -> Vec<(String, String)> {
    let n = pairs_wanted();
    let pool: Vec<String> = (0..(n / 4).max(50)).map(|_| make(rng)).collect();
    (0..n)
        .map(|_| {
            let a = pool[rng.random_range(0..pool.len())].clone();
            let b = match rng.random_range(0..10) {
                0..=2 => make(rng),
                3..=6 => tweak(rng, &a, num),
                _ => pool[rng.random_range(0..pool.len())].clone(),
            };
            if chance(rng, 0.5) { (a, b) } else { (b, a) }
        })
        .collect()
}

fn gen_pep440(rng: &mut StdRng) -> String {
    let mut s = String::new();
    if chance(rng, 0.05) {
        s.push_str(pick(rng, &[" ", "  ", "\u{a0}", "\x0b"]));
    }
    if chance(rng, 0.1) {
        s.push_str(pick(rng, &["v", "V"]));
    }
    if chance(rng, 0.1) {
        s.push_str(&format!("{}!", pick(rng, &["0", "1", "2", "01", "10"])));
    }
    let parts = rng.random_range(1..=4);
    let release: Vec<String> = (0..parts).map(|_| number(rng)).collect();
    s.push_str(&release.join("."));
    let sep = |rng: &mut StdRng| pick(rng, &["", "", "", ".", "-", "_"]).to_owned();
    if chance(rng, 0.35) {
        s.push_str(&sep(rng));
        s.push_str(pick(
            rng,
            &[
                "a", "b", "rc", "alpha", "beta", "c", "pre", "preview", "A", "RC", "Beta",
            ],
        ));
        s.push_str(&sep(rng));
        if chance(rng, 0.8) {
            s.push_str(&number(rng));
        }
    }
    if chance(rng, 0.25) {
        if chance(rng, 0.3) {
            s.push('-');
            s.push_str(&number(rng));
        } else {
            s.push_str(&sep(rng));
            s.push_str(pick(rng, &["post", "rev", "r", "POST"]));
            s.push_str(&sep(rng));
            if chance(rng, 0.8) {
                s.push_str(&number(rng));
            }
        }
    }
    if chance(rng, 0.25) {
        s.push_str(&sep(rng));
        s.push_str(pick(rng, &["dev", "DEV"]));
        s.push_str(&sep(rng));
        if chance(rng, 0.8) {
            s.push_str(&number(rng));
        }
    }
    if chance(rng, 0.2) {
        s.push('+');
        let n = rng.random_range(1..=3);
        for i in 0..n {
            if i > 0 {
                s.push_str(pick(rng, &[".", "-", "_"]));
            }
            s.push_str(pick(
                rng,
                &[
                    "abc", "ubuntu", "1", "01", "2", "10", "x2", "ABC", "deadbeef", "0",
                ],
            ));
        }
    }
    if chance(rng, 0.05) {
        s.push_str(
            pick(rng, &[" ", "\n", "\u{2003}"])
                .replace('\n', " ")
                .as_str(),
        );
    }
    if chance(rng, 0.12) {
        s = mangle(
            rng,
            &s,
            &['.', '-', '_', '+', '!', 'a', 'x', '1', ' ', 'v', 'é'],
        );
    }
    s
}

fn gen_semver(rng: &mut StdRng) -> String {
    let mut s = String::new();
    if chance(rng, 0.05) {
        s.push_str(pick(rng, &[" ", "\u{feff}", "\u{a0}"]));
    }
    if chance(rng, 0.1) {
        s.push_str(pick(rng, &["v", "v", "v", "=", "V", " v"]));
    }
    s.push_str(&format!(
        "{}.{}.{}",
        semver_number(rng),
        semver_number(rng),
        semver_number(rng)
    ));
    let ident = |rng: &mut StdRng| -> String {
        match rng.random_range(0..10) {
            0..=3 => pick(
                rng,
                &[
                    "alpha", "beta", "rc", "a", "b", "x-y", "-", "0a", "A", "RC", "alpha-1", "z",
                ],
            )
            .to_owned(),
            4 if chance(rng, 0.3) => pick(rng, &["01", "00"]).to_owned(),
            _ => semver_number(rng),
        }
    };
    if chance(rng, 0.5) {
        s.push('-');
        let n = rng.random_range(1..=3);
        let ids: Vec<String> = (0..n)
            .map(|_| ident(rng))
            .map(|i| if i.is_empty() { "0".into() } else { i })
            .collect();
        s.push_str(&ids.join("."));
    }
    if chance(rng, 0.15) {
        s.push('+');
        s.push_str(pick(
            rng,
            &["build", "001", "exp.sha.5114f85", "x-y.1", "20130313144700"],
        ));
    }
    if chance(rng, 0.08) {
        s = mangle(rng, &s, &['.', '-', '+', 'a', '0', '1', ' ', '_', 'v']);
    }
    s
}

fn gen_dpkg(rng: &mut StdRng) -> String {
    let mut s = String::new();
    if chance(rng, 0.2) {
        s.push_str(pick(rng, &["0:", "1:", "2:", "01:", "10:"]));
    }
    let upstream_tokens = [
        "1", "2", "0", "10", "01", "9", ".", ".", "~", "~~", "+", "a", "b", "rc", "dfsg", "git",
        "Z", "~rc", "+b",
    ];
    s.push_str(&number(rng).chars().take(4).collect::<String>());
    for _ in 0..rng.random_range(0..5) {
        s.push_str(pick(rng, &upstream_tokens));
    }
    if chance(rng, 0.2) {
        // a hyphen inside the upstream version needs a revision after it
        s.push('-');
        s.push_str(pick(rng, &["1", "a", "2"]));
    }
    if chance(rng, 0.6) {
        s.push('-');
        let rev_tokens = [
            "1", "0", "2", "ubuntu", "deb", "u", "+", ".", "~", "build", "10", "0.1", "~bpo",
        ];
        s.push_str(pick(rng, &rev_tokens));
        for _ in 0..rng.random_range(0..4) {
            s.push_str(pick(rng, &rev_tokens));
        }
    }
    if chance(rng, 0.08) {
        s = mangle(rng, &s, &[':', '-', ' ', 'a', '~', '.', '1', '_', '!', 'é']);
    }
    if s.trim().is_empty() || s == "<unknown>" {
        s.push('1');
    }
    s
}

fn gen_maven(rng: &mut StdRng) -> String {
    let tokens = [
        "1",
        "0",
        "2",
        "10",
        "01",
        "alpha",
        "a",
        "b",
        "m",
        "beta",
        "milestone",
        "rc",
        "cr",
        "snapshot",
        "SNAPSHOT",
        "ga",
        "final",
        "release",
        "sp",
        "foo",
        "abc",
        "RC",
        "Final",
        "jre",
        "",
    ];
    let mut s = number(rng).chars().take(3).collect::<String>();
    for _ in 0..rng.random_range(0..5) {
        s.push_str(pick(rng, &[".", ".", "-", "", "-"]));
        s.push_str(pick(rng, &tokens));
    }
    s
}

fn gen_rubygems(rng: &mut StdRng) -> String {
    let mut s = String::new();
    if chance(rng, 0.05) {
        s.push(' ');
    }
    s.push_str(&number(rng).chars().take(4).collect::<String>());
    for _ in 0..rng.random_range(0..5) {
        s.push('.');
        s.push_str(&match rng.random_range(0..4) {
            0 => pick(
                rng,
                &[
                    "a", "b", "pre", "rc", "alpha", "beta", "A", "x", "rc1", "b2", "0a",
                ],
            )
            .to_owned(),
            _ => number(rng).chars().take(3).collect(),
        });
    }
    if chance(rng, 0.2) {
        s.push('-');
        s.push_str(pick(rng, &["1", "alpha", "rc.1", "beta.2", "pre-1", "x-y"]));
    }
    if chance(rng, 0.05) {
        s.push(' ');
    }
    if chance(rng, 0.1) {
        s = mangle(rng, &s, &['.', '-', '_', 'a', '1', ' ', '+']);
    }
    s
}

fn gen_composer(rng: &mut StdRng) -> String {
    let mut s = String::new();
    match rng.random_range(0..20) {
        0 => {
            return pick(
                rng,
                &[
                    "dev-master",
                    "master",
                    "dev-feature/foo",
                    "1.x-dev",
                    "2.1.x-dev",
                    "1.*-dev",
                    "v3.x-dev",
                    "trunk",
                ],
            )
            .to_owned();
        }
        1 => {
            s.push_str(pick(rng, &["2010", "2020", "2023"]));
            for _ in 0..rng.random_range(1..4) {
                s.push_str(pick(rng, &["", "-", ".", ":"]));
                s.push_str(pick(rng, &["01", "12", "31", "05"]));
            }
        }
        _ => {
            if chance(rng, 0.15) {
                s.push_str(pick(rng, &["v", "V"]));
            }
            let parts = rng.random_range(1..=4);
            let nums: Vec<String> = (0..parts)
                .map(|_| number(rng).chars().take(3).collect())
                .collect();
            s.push_str(&nums.join("."));
        }
    }
    if chance(rng, 0.5) {
        s.push_str(pick(rng, &["", "-", ".", "_"]));
        s.push_str(pick(
            rng,
            &[
                "alpha", "a", "beta", "b", "RC", "rc", "patch", "pl", "p", "stable", "Beta",
                "STABLE",
            ],
        ));
        for _ in 0..rng.random_range(0..3) {
            s.push_str(pick(rng, &["", ".", "-"]));
            s.push_str(&number(rng).chars().take(2).collect::<String>());
        }
    }
    if chance(rng, 0.15) {
        s.push_str(pick(rng, &["-dev", ".dev", "dev", "-DEV"]));
    }
    if chance(rng, 0.08) {
        s.push_str(pick(
            rng,
            &["+build", "+foo.1", "@dev", "@stable", " as 1.0.0"],
        ));
    }
    if chance(rng, 0.1) {
        s = mangle(rng, &s, &['.', '-', '_', 'a', 'x', '1', ' ', '+', '@', 'p']);
    }
    s
}

// ---------------------------------------------------------------------------------------------------------
// References

const PY_PACKAGING: &str = r#"
import sys
from packaging.version import Version, InvalidVersion
def p(s):
    try:
        return Version(s)
    except InvalidVersion:
        return None
out = []
for line in sys.stdin.buffer.read().decode("utf-8").split("\n"):
    if not line:
        continue
    a, b = line.split("\t")
    va, vb = p(a), p(b)
    if va is None or vb is None:
        out.append("E" + ("A" if va is None else "") + ("B" if vb is None else ""))
    else:
        out.append(str((va > vb) - (va < vb)))
sys.stdout.write("\n".join(out) + "\n")
"#;

#[test]
fn pep440_vs_packaging() {
    let py = python();
    let probe = Command::new(&py)
        .args(["-c", "import packaging.version"])
        .output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        panic!(
            "PyPI `packaging` is not importable with {}; {INSTALL_HINT}",
            py.display()
        );
    }
    let pairs = data_pairs("pep440.txt")
        .into_iter()
        .chain(pairs_from(&mut rng(1), gen_pep440, number))
        .collect::<Vec<_>>();
    let mut cmd = Command::new(&py);
    cmd.args(["-c", PY_PACKAGING]);
    let out = run_batch(cmd, &batch_input(&pairs), "packaging")
        .unwrap_or_else(|e| panic!("{e}; {INSTALL_HINT}"));
    let verdicts: Vec<Verdict> = out.iter().map(|l| parse_verdict(l)).collect();
    let report = check(Scheme::Pep440, &pairs, &verdicts, true);
    finish(Scheme::Pep440, "packaging", &report);
}

const NODE_SEMVER: &str = r#"
const semver = require(process.argv[1]);
const input = require("fs").readFileSync(0, "utf8");
const p = (s) => { try { return new semver.SemVer(s); } catch (e) { return null; } };
const out = [];
for (const line of input.split("\n")) {
  if (!line) continue;
  const [a, b] = line.split("\t");
  const va = p(a), vb = p(b);
  if (!va || !vb) out.push("E" + (va ? "" : "A") + (vb ? "" : "B"));
  else out.push(String(semver.compare(va, vb)));
}
process.stdout.write(out.join("\n") + "\n");
"#;

#[test]
fn semver_vs_npm_semver() {
    let module = workspace().join(".references/node_modules/semver");
    if !module.join("package.json").exists() {
        panic!(
            "npm `semver` is not installed at {}; {INSTALL_HINT}",
            module.display()
        );
    }
    // Documented deviation: npm rejects numbers beyond Number.MAX_SAFE_INTEGER (and compares such
    // pre-release identifiers as floats); we accept and compare them exactly. Keep them out of this test.
    let too_big = |s: &str| {
        s.split(|c: char| !c.is_ascii_digit())
            .any(|run| run.len() > 15)
    };
    let pairs: Vec<(String, String)> = data_pairs("semver.txt")
        .into_iter()
        .chain(pairs_from(&mut rng(2), gen_semver, semver_number))
        .filter(|(a, b)| !too_big(a) && !too_big(b))
        .collect();
    let mut cmd = Command::new("node");
    cmd.args(["-e", NODE_SEMVER]).arg(&module);
    let out = run_batch(cmd, &batch_input(&pairs), "node semver")
        .unwrap_or_else(|e| panic!("{e}; {INSTALL_HINT}"));
    let verdicts: Vec<Verdict> = out.iter().map(|l| parse_verdict(l)).collect();
    let report = check(Scheme::SemVer, &pairs, &verdicts, true);
    finish(Scheme::SemVer, "npm semver", &report);
}

const PY_DPKG: &str = r#"
import subprocess, sys
from concurrent.futures import ThreadPoolExecutor
def run(a, op, b):
    return subprocess.run(["dpkg", "--compare-versions", a, op, b], capture_output=True)
def cmp(pair):
    a, b = pair
    r = run(a, "lt", b)
    if r.returncode == 0:
        return "-1"
    if r.returncode == 1:
        return "0" if run(a, "eq", b).returncode == 0 else "1"
    err = r.stderr.decode("utf-8", "replace")
    if ("error: version '%s' has bad syntax" % a) in err:
        return "EAB" if a == b else "EA?"
    if ("error: version '%s' has bad syntax" % b) in err:
        return "EB"
    return "X " + err.replace("\n", " ")
pairs = [tuple(l.split("\t")) for l in sys.stdin.buffer.read().decode("utf-8").split("\n") if l]
with ThreadPoolExecutor(max_workers=4) as ex:
    out = list(ex.map(cmp, pairs))
sys.stdout.write("\n".join(out) + "\n")
"#;

#[test]
fn dpkg_vs_dpkg_compare_versions() {
    let probe = Command::new("dpkg")
        .args(["--compare-versions", "1", "lt", "2"])
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        panic!("`dpkg --compare-versions` is not available; {INSTALL_HINT}");
    }
    // dpkg forks once or twice per pair: keep the default run within a few seconds.
    // A leading '-' would be read as a dpkg option; dpkg reads an empty version as no version at all
    // (a documented deviation: we reject it).
    let mut pairs: Vec<(String, String)> = data_pairs("dpkg.txt")
        .into_iter()
        .chain(pairs_from(&mut rng(3), gen_dpkg, number))
        .filter(|(a, b)| {
            [a, b]
                .iter()
                .all(|s| !s.trim_start().starts_with('-') && !s.trim().is_empty())
        })
        .collect();
    pairs.truncate(pairs_wanted().min(2000).max(pairs_wanted() / 2));
    let mut cmd = Command::new("python3");
    cmd.args(["-c", PY_DPKG]);
    let out = run_batch(cmd, &batch_input(&pairs), "dpkg")
        .unwrap_or_else(|e| panic!("{e}; {INSTALL_HINT}"));
    let verdicts: Vec<Verdict> = out.iter().map(|l| parse_verdict(l)).collect();
    let report = check(Scheme::Dpkg, &pairs, &verdicts, true);
    finish(Scheme::Dpkg, "dpkg --compare-versions", &report);
}

const JAVA_MAVEN: &str = r#"
import org.apache.maven.artifact.versioning.ComparableVersion;
import java.io.*;
import java.nio.charset.StandardCharsets;
public class MavenRef {
    public static void main(String[] args) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        StringBuilder sb = new StringBuilder();
        String line;
        while ((line = r.readLine()) != null) {
            if (line.isEmpty()) continue;
            int t = line.indexOf('\t');
            int c = new ComparableVersion(line.substring(0, t)).compareTo(new ComparableVersion(line.substring(t + 1)));
            sb.append(Integer.signum(c)).append('\n');
        }
        System.out.print(sb);
    }
}
"#;

fn maven_jar() -> Option<PathBuf> {
    let dir = Path::new("/usr/share/maven/lib");
    let mut jars: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("maven-artifact-") && n.ends_with(".jar"))
        })
        .collect();
    jars.sort();
    jars.pop()
}

/// Prefixes of `s` that end at an item boundary (before `.`/`-` or a digit/letter transition).
fn item_prefixes(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = vec![String::new()];
    for i in 1..b.len() {
        let boundary =
            matches!(b[i], b'.' | b'-') || (b[i].is_ascii_digit() != b[i - 1].is_ascii_digit());
        if boundary && s.is_char_boundary(i) {
            out.push(s[..i].to_owned());
        }
    }
    out
}

#[test]
fn maven_vs_comparable_version() {
    let Some(jar) = maven_jar() else {
        eprintln!(
            "SKIP (optional reference): no /usr/share/maven/lib/maven-artifact-*.jar (Debian package `maven`)"
        );
        return;
    };
    if Command::new("java").arg("-version").output().is_err() {
        eprintln!("SKIP (optional reference): no java");
        return;
    }
    let pairs = data_pairs("maven.txt")
        .into_iter()
        .chain(pairs_from(&mut rng(4), gen_maven, number))
        .collect::<Vec<_>>();
    // Every pair, plus for each pair comparisons with the item prefixes of both sides: when we disagree with
    // Maven, such a prefix proves that Maven's own order is not transitive for that pair.
    let mut requests: Vec<(String, String)> = Vec::new();
    let mut witness_ranges = Vec::new();
    for (a, b) in &pairs {
        requests.push((a.clone(), b.clone()));
        let start = requests.len();
        for w in item_prefixes(a).into_iter().chain(item_prefixes(b)) {
            requests.push((a.clone(), w.clone()));
            requests.push((w, b.clone()));
        }
        witness_ranges.push(start..requests.len());
    }
    let dir = std::env::temp_dir().join(format!("patchwarden-maven-ref-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let src = dir.join("MavenRef.java");
    std::fs::write(&src, JAVA_MAVEN).expect("write MavenRef.java");
    let mut cmd = Command::new("java");
    cmd.arg("-cp").arg(&jar).arg(&src);
    let out = run_batch(cmd, &batch_input(&requests), "maven").unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_dir_all(&dir);
    let answer = |i: usize| parse_verdict(&out[i]);
    let mut verdicts = Vec::new();
    let mut explained = 0;
    let mut at = 0;
    for ((a, b), range) in pairs.iter().zip(&witness_ranges) {
        let want = answer(at);
        let ours = Scheme::Maven
            .compare(a, b)
            .expect("Maven accepts everything");
        let Verdict::Cmp(want_ord) = want else {
            panic!("maven reference gave {want:?}")
        };
        if ours != want_ord {
            // Is Maven itself intransitive here? A witness w with a R1 w and w R2 b implying the opposite.
            let intransitive = range
                .clone()
                .step_by(2)
                .any(|i| match (answer(i), answer(i + 1)) {
                    (Verdict::Cmp(x), Verdict::Cmp(y)) => {
                        let implied = match (x, y) {
                            (Ordering::Less, Ordering::Less | Ordering::Equal)
                            | (Ordering::Equal, Ordering::Less) => Some(Ordering::Less),
                            (Ordering::Greater, Ordering::Greater | Ordering::Equal)
                            | (Ordering::Equal, Ordering::Greater) => Some(Ordering::Greater),
                            (Ordering::Equal, Ordering::Equal) => Some(Ordering::Equal),
                            _ => None,
                        };
                        implied.is_some_and(|imp| imp != want_ord && imp == ours)
                    }
                    _ => false,
                });
            if intransitive {
                explained += 1;
                verdicts.push(Verdict::Skip);
                at = range.end;
                continue;
            }
        }
        verdicts.push(want);
        at = range.end;
    }
    let report = check(Scheme::Maven, &pairs, &verdicts, false);
    eprintln!(
        "Maven: {explained} pairs differ where Maven's own order is provably not transitive (documented deviation)"
    );
    finish(
        Scheme::Maven,
        &format!("ComparableVersion ({})", jar.display()),
        &report,
    );
}

const RUBY_GEMS: &str = r#"
out = []
STDIN.binmode.read.force_encoding("UTF-8").split("\n").each do |line|
  next if line.empty?
  a, b = line.split("\t", 2)
  b ||= ""
  va = Gem::Version.correct?(a) ? Gem::Version.new(a) : nil rescue nil
  vb = Gem::Version.correct?(b) ? Gem::Version.new(b) : nil rescue nil
  if va.nil? || vb.nil?
    out << "E" + (va ? "" : "A") + (vb ? "" : "B")
  else
    out << (va <=> vb).to_s
  end
end
STDOUT.write(out.join("\n") + "\n")
"#;

#[test]
fn rubygems_vs_gem_version() {
    if Command::new("ruby").arg("--version").output().is_err() {
        eprintln!("SKIP (optional reference): no ruby (Debian package `ruby`)");
        return;
    }
    let pairs: Vec<(String, String)> = data_pairs("rubygems.txt")
        .into_iter()
        .chain(pairs_from(&mut rng(5), gen_rubygems, number))
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
        .collect();
    let mut cmd = Command::new("ruby");
    cmd.args(["-W0", "-e", RUBY_GEMS]);
    let out = run_batch(cmd, &batch_input(&pairs), "ruby").unwrap_or_else(|e| panic!("{e}"));
    let verdicts: Vec<Verdict> = out.iter().map(|l| parse_verdict(l)).collect();
    let report = check(Scheme::RubyGems, &pairs, &verdicts, true);
    finish(Scheme::RubyGems, "Gem::Version", &report);
}

const PHP_COMPOSER: &str = r#"<?php
require '/usr/share/php/Composer/Semver/autoload.php';
$p = new Composer\Semver\VersionParser();
$out = [];
foreach (explode("\n", stream_get_contents(STDIN)) as $line) {
    if ($line === '') continue;
    [$a, $b] = explode("\t", $line, 2);
    try { $na = $p->normalize($a); } catch (\Exception $e) { $na = null; }
    try { $nb = $p->normalize($b); } catch (\Exception $e) { $nb = null; }
    if ($na === null || $nb === null) {
        $out[] = 'E' . ($na === null ? 'A' : '') . ($nb === null ? 'B' : '');
    } elseif (strpos($na, 'dev-') === 0 || strpos($nb, 'dev-') === 0) {
        $out[] = "S\t$na\t$nb";
    } else {
        $out[] = version_compare($na, $nb) . "\t$na\t$nb";
    }
}
echo implode("\n", $out), "\n";
"#;

#[test]
fn composer_vs_version_parser() {
    let autoload = Path::new("/usr/share/php/Composer/Semver/autoload.php");
    if Command::new("php").arg("--version").output().is_err() || !autoload.exists() {
        eprintln!(
            "SKIP (optional reference): no php + composer/semver (Debian packages `php-cli`, `php-composer-semver`)"
        );
        return;
    }
    let pairs = data_pairs("composer.txt")
        .into_iter()
        .chain(pairs_from(&mut rng(6), gen_composer, number))
        .collect::<Vec<_>>();
    let dir = std::env::temp_dir().join(format!("patchwarden-composer-ref-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let script = dir.join("ref.php");
    std::fs::write(&script, PHP_COMPOSER).expect("write ref.php");
    let mut cmd = Command::new("php");
    cmd.arg(&script);
    let out = run_batch(cmd, &batch_input(&pairs), "php").unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_dir_all(&dir);
    let verdicts: Vec<Verdict> = out.iter().map(|l| parse_verdict(l)).collect();
    let mut report = check(Scheme::Composer, &pairs, &verdicts, true);
    // Show the reference's normalised forms next to each ordering mismatch.
    for m in report.mismatches.iter_mut() {
        if let Some(i) = pairs
            .iter()
            .position(|(a, b)| m.starts_with(&format!("{a:?} vs {b:?}")))
        {
            m.push_str(&format!("  [composer: {}]", out[i]));
        }
    }
    finish(
        Scheme::Composer,
        "composer/semver + version_compare",
        &report,
    );
}
