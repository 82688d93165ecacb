//! Differential test against the reference implementation, the Python package
//! `cvss` 3.4 (PyPI), driven through `scripts/cvss_reference.py`.
//!
//! Every vector below is scored by both sides in one batch; scores must agree
//! to the tenth, severities must agree, and so must the accept/reject
//! decision (also for randomly mutated, mostly invalid, vectors).
//!
//! Interpreter: `$PATCHWARDEN_PYTHON`, else `<workspace>/.venv/bin/python` if
//! it exists, else `python3`. Without the reference package the test fails:
//!
//! ```text
//! python3 -m venv .venv && .venv/bin/pip install cvss==3.4
//! ```
//!
//! Deliberate deviations, checked as such:
//! - v3 temporal/environmental scores are `None` when the vector defines no
//!   metric of that group (the reference always computes them; there the
//!   temporal score then equals the base score, which is checked).
//! - A `CVSS:2.0/` prefix is accepted on v2 vectors (the reference rejects it);
//!   such vectors must score like the bare vector.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use patchwarden_cvss::{Cvss, Version};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use serde_json::Value;

const SEED: u64 = 0x00C0_FFEE_2024;
/// Random vectors per version (on top of the exhaustive v2/v3 base sets);
/// `PATCHWARDEN_CVSS_DIFF_VECTORS` raises it for a deeper local run (and
/// `PATCHWARDEN_CVSS_DIFF_SEED` changes the seed).
const RANDOM_PER_VERSION: usize = 3000;
const MUTATIONS: usize = 3000;

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| panic!("${name} must be a number, not {value:?}")),
        Err(_) => default,
    }
}

type Spec = &'static [(&'static str, &'static [&'static str])];

// Metric tables written out from the specifications, independently of the
// crate's own tables. Optional metrics list their "not defined" value too.
const V2_BASE: Spec = &[
    ("AV", &["L", "A", "N"]),
    ("AC", &["H", "M", "L"]),
    ("Au", &["M", "S", "N"]),
    ("C", &["N", "P", "C"]),
    ("I", &["N", "P", "C"]),
    ("A", &["N", "P", "C"]),
];
const V2_TEMPORAL: Spec = &[
    ("E", &["U", "POC", "F", "H", "ND"]),
    ("RL", &["OF", "TF", "W", "U", "ND"]),
    ("RC", &["UC", "UR", "C", "ND"]),
];
const V2_ENVIRONMENTAL: Spec = &[
    ("CDP", &["N", "L", "LM", "MH", "H", "ND"]),
    ("TD", &["N", "L", "M", "H", "ND"]),
    ("CR", &["L", "M", "H", "ND"]),
    ("IR", &["L", "M", "H", "ND"]),
    ("AR", &["L", "M", "H", "ND"]),
];
const V3_BASE: Spec = &[
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "R"]),
    ("S", &["U", "C"]),
    ("C", &["H", "L", "N"]),
    ("I", &["H", "L", "N"]),
    ("A", &["H", "L", "N"]),
];
const V3_TEMPORAL: Spec = &[
    ("E", &["X", "U", "P", "F", "H"]),
    ("RL", &["X", "O", "T", "W", "U"]),
    ("RC", &["X", "U", "R", "C"]),
];
const V3_ENVIRONMENTAL: Spec = &[
    ("CR", &["X", "L", "M", "H"]),
    ("IR", &["X", "L", "M", "H"]),
    ("AR", &["X", "L", "M", "H"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "R"]),
    ("MS", &["X", "U", "C"]),
    ("MC", &["X", "N", "L", "H"]),
    ("MI", &["X", "N", "L", "H"]),
    ("MA", &["X", "N", "L", "H"]),
];
const V4_BASE: Spec = &[
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("AT", &["N", "P"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "P", "A"]),
    ("VC", &["H", "L", "N"]),
    ("VI", &["H", "L", "N"]),
    ("VA", &["H", "L", "N"]),
    ("SC", &["H", "L", "N"]),
    ("SI", &["H", "L", "N"]),
    ("SA", &["H", "L", "N"]),
];
const V4_THREAT: Spec = &[("E", &["X", "A", "P", "U"])];
const V4_ENVIRONMENTAL: Spec = &[
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MAT", &["X", "N", "P"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "P", "A"]),
    ("MVC", &["X", "H", "L", "N"]),
    ("MVI", &["X", "H", "L", "N"]),
    ("MVA", &["X", "H", "L", "N"]),
    ("MSC", &["X", "H", "L", "N"]),
    ("MSI", &["X", "S", "H", "L", "N"]),
    ("MSA", &["X", "S", "H", "L", "N"]),
];
const V4_SUPPLEMENTAL: Spec = &[
    ("S", &["X", "N", "P"]),
    ("AU", &["X", "N", "Y"]),
    ("R", &["X", "A", "U", "I"]),
    ("V", &["X", "D", "C"]),
    ("RE", &["X", "L", "M", "H"]),
    ("U", &["X", "Clear", "Green", "Amber", "Red"]),
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("PATCHWARDEN_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = workspace_root().join(".venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

const INSTALL_HINT: &str = "the differential test needs the reference implementation, Python `cvss` 3.4. \
     From the workspace root: `scripts/install-references`, or \
     `python3 -m venv .venv && .venv/bin/pip install cvss==3.4` \
     (or point $PATCHWARDEN_PYTHON at an interpreter that has it)";

fn script() -> PathBuf {
    workspace_root().join("scripts/cvss_reference.py")
}

fn check_reference_installed(python: &Path) {
    let output = Command::new(python)
        .arg(script())
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}\n{INSTALL_HINT}", python.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{} cannot import the reference package `cvss`:\n{}\n{INSTALL_HINT}",
        python.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout.trim(),
        "3.4",
        "{} has cvss {} but the expected scores are pinned to 3.4; {INSTALL_HINT}",
        python.display(),
        stdout.trim()
    );
}

/// Runs the reference on all vectors in one process.
fn reference(vectors: &[String]) -> Vec<Value> {
    let python = python();
    check_reference_installed(&python);
    let mut child = Command::new(&python)
        .arg(script())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let mut input = vectors.join("\n");
    input.push('\n');
    // The script reads all of stdin before writing anything: no deadlock.
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .expect("write vectors to the reference");
    }
    let output = child.wait_with_output().expect("reference output");
    assert!(
        output.status.success(),
        "reference script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("reference output is UTF-8");
    let results: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("reference output is JSON lines"))
        .collect();
    assert_eq!(
        results.len(),
        vectors.len(),
        "one reference result per vector"
    );
    results
}

/// A vector made of all of `mandatory` plus, from each optional group, each
/// metric with probability `p` (chosen per vector and group), values at
/// random, parts shuffled one time in four.
fn random_vector(
    rng: &mut StdRng,
    prefix: Option<&str>,
    mandatory: Spec,
    optional: &[Spec],
) -> String {
    let mut parts: Vec<String> = prefix.into_iter().map(str::to_owned).collect();
    let mut metrics: Vec<String> = mandatory
        .iter()
        .map(|(m, values)| format!("{m}:{}", values.choose(rng).expect("values")))
        .collect();
    for group in optional {
        let p = *[0.0, 0.0, 0.2, 0.5, 0.9, 1.0].choose(rng).expect("p");
        for (m, values) in *group {
            if rng.random_bool(p) {
                metrics.push(format!("{m}:{}", values.choose(rng).expect("values")));
            }
        }
    }
    if rng.random_ratio(1, 4) {
        metrics.shuffle(rng);
    }
    parts.extend(metrics);
    parts.join("/")
}

/// Every combination of the base metrics.
fn all_base_vectors(prefix: Option<&str>, base: Spec) -> Vec<String> {
    let mut vectors: Vec<Vec<String>> = vec![prefix.into_iter().map(str::to_owned).collect()];
    for (m, values) in base {
        vectors = vectors
            .into_iter()
            .flat_map(|parts| {
                values.iter().map(move |v| {
                    let mut parts = parts.clone();
                    parts.push(format!("{m}:{v}"));
                    parts
                })
            })
            .collect();
    }
    vectors.into_iter().map(|parts| parts.join("/")).collect()
}

const NOISE: &[&str] = &[
    "/", ":", "X", "N", "ND", "H", "L", "C", "P", "U", "A", "3", "4", ".", "CVSS", " ", "\t", "x",
    "é", "MAV", "E", "AV", "Au", "au", "Green", "green", "?", "0", "-", "\r", "\u{0}",
];

/// A random edit of a valid vector: most results are invalid, some stay valid.
fn mutate(rng: &mut StdRng, vector: &str) -> String {
    let chars: Vec<char> = vector.chars().collect();
    let mut parts: Vec<String> = vector.split('/').map(str::to_owned).collect();
    let at = rng.random_range(0..=chars.len());
    let noise = *NOISE.choose(rng).expect("noise");
    match rng.random_range(0..14) {
        0 => chars
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != at)
            .map(|(_, c)| c)
            .collect(),
        1 => {
            let mut s: String = chars[..at].iter().collect();
            s.push_str(noise);
            s.extend(&chars[at..]);
            s
        }
        2 => {
            let mut s: String = chars[..at].iter().collect();
            s.push_str(noise);
            s.extend(chars.iter().skip(at + 1));
            s
        }
        3 => {
            // Drop a part (maybe a mandatory one, maybe the prefix).
            let i = rng.random_range(0..parts.len());
            parts.remove(i);
            parts.join("/")
        }
        4 => {
            // Duplicate a part.
            let i = rng.random_range(0..parts.len());
            let copy = parts[i].clone();
            let j = rng.random_range(0..=parts.len());
            parts.insert(j, copy);
            parts.join("/")
        }
        5 => format!("{vector}/"),
        6 => format!(" {vector}"),
        7 => vector.to_lowercase(),
        8 => {
            // Another version's prefix, or none.
            let prefix = [
                "CVSS:3.0", "CVSS:3.1", "CVSS:4.0", "CVSS:5.0", "CVSS:3", "cvss:3.1", "",
            ]
            .choose(rng)
            .expect("prefix");
            let body = vector.split_once('/').map_or(vector, |(first, rest)| {
                if first.starts_with("CVSS") {
                    rest
                } else {
                    vector
                }
            });
            if prefix.is_empty() {
                body.to_owned()
            } else {
                format!("{prefix}/{body}")
            }
        }
        9 => {
            // An extra, unknown or misspelled metric.
            let extra = [
                "ZZ:1", "E:Q", "MAV:X", "CR:M", "Au:N", "AT:N", "S:X", "U:Red", "MS:C",
            ]
            .choose(rng)
            .expect("extra");
            let j = rng.random_range(1..=parts.len());
            parts.insert(j, (*extra).to_owned());
            parts.join("/")
        }
        10 => {
            // Swap the value of one part for a value of another metric.
            let i = rng.random_range(0..parts.len());
            if let Some((metric, _)) = parts[i].split_once(':') {
                let value = [
                    "N", "X", "ND", "POC", "S", "Clear", "C", "R", "Y", "I", "D", "",
                ]
                .choose(rng)
                .expect("value");
                parts[i] = format!("{metric}:{value}");
            }
            parts.join("/")
        }
        11 => parts.join("//"),
        12 => {
            // Reverse the order of the metrics (keeps the prefix first).
            let start = usize::from(parts.first().is_some_and(|p| p.starts_with("CVSS")));
            parts[start..].reverse();
            parts.join("/")
        }
        _ => {
            // Split the value from its metric.
            vector.replacen(':', "/", rng.random_range(1..=2))
        }
    }
}

fn tenth(value: f64) -> String {
    format!("{value:.1}")
}

fn json_tenth(value: &Value) -> Option<String> {
    value.as_f64().map(tenth)
}

fn version_str(version: Version) -> String {
    version.to_string()
}

/// Compares one vector; returns a description of each disagreement.
fn compare(
    vector: &str,
    ours: &Result<Cvss, patchwarden_cvss::CvssParseError>,
    theirs: &Value,
) -> Vec<String> {
    let mut problems = Vec::new();
    let reference_ok = theirs["ok"].as_bool() == Some(true);
    let ours = match (ours, reference_ok) {
        (Err(_), false) => return problems,
        (Ok(_), false) if vector.starts_with("CVSS:2.0/") => {
            // Deviation: checked against the bare vector by the caller.
            return problems;
        }
        (Ok(c), false) => {
            problems.push(format!(
                "we accept ({c}) but the reference rejects: {}",
                theirs["error"]
            ));
            return problems;
        }
        (Err(e), true) => {
            problems.push(format!("we reject ({e}) but the reference accepts"));
            return problems;
        }
        (Ok(c), true) => c,
    };
    let scores = ours.scores();
    let version = version_str(ours.version());
    if theirs["version"].as_str() != Some(version.as_str()) {
        problems.push(format!("version {version} vs {}", theirs["version"]));
    }
    let their_base = json_tenth(&theirs["base"]);
    if Some(tenth(scores.base)) != their_base {
        problems.push(format!("base {} vs {:?}", tenth(scores.base), their_base));
    }
    let their_temporal = json_tenth(&theirs["temporal"]);
    let their_environmental = json_tenth(&theirs["environmental"]);
    match ours.version() {
        Version::V2_0 => {
            if scores.temporal.map(tenth) != their_temporal {
                problems.push(format!(
                    "temporal {:?} vs {their_temporal:?}",
                    scores.temporal
                ));
            }
            if scores.environmental.map(tenth) != their_environmental {
                problems.push(format!(
                    "environmental {:?} vs {their_environmental:?}",
                    scores.environmental
                ));
            }
        }
        Version::V3_0 | Version::V3_1 => {
            // Without temporal metrics the reference's temporal score is the base score.
            let expected_temporal = scores.temporal.unwrap_or(scores.base);
            if Some(tenth(expected_temporal)) != their_temporal {
                problems.push(format!(
                    "temporal {:?} vs {their_temporal:?}",
                    scores.temporal
                ));
            }
            if let Some(environmental) = scores.environmental {
                if Some(tenth(environmental)) != their_environmental {
                    problems.push(format!(
                        "environmental {environmental} vs {their_environmental:?}"
                    ));
                }
            }
        }
        Version::V4_0 => {
            if scores.temporal.is_some() || scores.environmental.is_some() {
                problems.push("v4 with temporal/environmental scores".to_owned());
            }
        }
    }
    let severity = ours.severity().to_string();
    if theirs["severity"].as_str() != Some(severity.as_str()) {
        problems.push(format!("severity {severity} vs {}", theirs["severity"]));
    }
    // Canonical form: same metrics as the reference's normalized vector (v2
    // and v3 also in the same order; v4's reference order is not the spec's).
    let canonical = ours.to_string();
    let clean = theirs["clean"].as_str().unwrap_or_default();
    let same = if ours.version() == Version::V4_0 {
        let mut a: Vec<&str> = canonical.split('/').collect();
        let mut b: Vec<&str> = clean.split('/').collect();
        a.sort_unstable();
        b.sort_unstable();
        a == b
    } else {
        canonical == clean
    };
    if !same {
        problems.push(format!("canonical {canonical} vs reference {clean}"));
    }
    problems
}

#[test]
fn scores_match_the_reference_implementation() {
    let seed = env_number("PATCHWARDEN_CVSS_DIFF_SEED", SEED);
    let per_version = env_number("PATCHWARDEN_CVSS_DIFF_VECTORS", RANDOM_PER_VERSION as u64);
    let per_version = usize::try_from(per_version)
        .expect("vector count")
        .max(RANDOM_PER_VERSION);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut vectors: Vec<String> = Vec::new();

    // Exhaustive base metrics for v2, v3.0 and v3.1.
    vectors.extend(all_base_vectors(None, V2_BASE));
    vectors.extend(all_base_vectors(Some("CVSS:3.0"), V3_BASE));
    vectors.extend(all_base_vectors(Some("CVSS:3.1"), V3_BASE));
    // Random vectors with random subsets of the optional groups.
    for _ in 0..per_version {
        vectors.push(random_vector(
            &mut rng,
            None,
            V2_BASE,
            &[V2_TEMPORAL, V2_ENVIRONMENTAL],
        ));
        vectors.push(random_vector(
            &mut rng,
            Some("CVSS:3.0"),
            V3_BASE,
            &[V3_TEMPORAL, V3_ENVIRONMENTAL],
        ));
        vectors.push(random_vector(
            &mut rng,
            Some("CVSS:3.1"),
            V3_BASE,
            &[V3_TEMPORAL, V3_ENVIRONMENTAL],
        ));
        vectors.push(random_vector(
            &mut rng,
            Some("CVSS:4.0"),
            V4_BASE,
            &[V4_THREAT, V4_ENVIRONMENTAL, V4_SUPPLEMENTAL],
        ));
    }
    let valid_count = vectors.len();
    // Mutations of the valid ones.
    let mutations = MUTATIONS.max(per_version);
    for _ in 0..mutations {
        let original = vectors[rng.random_range(0..valid_count)].clone();
        vectors.push(mutate(&mut rng, &original));
    }
    // Hand-picked edge cases.
    for edge in [
        "",
        "/",
        "CVSS:3.1",
        "CVSS:3.1/",
        "CVSS:4.0",
        "AV:N",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H ",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\t",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/RL:X/RC:X",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/E:X",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:N",
        "CVSS:3.1/AV:N:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P",
        "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND",
        "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND/RL:ND/RC:ND/CDP:ND/TD:ND/CR:ND/IR:ND/AR:ND",
        "AV:N/AC:L/AU:N/C:P/I:P/A:P",
        "(AV:N/AC:L/Au:N/C:P/I:P/A:P)",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/U:green",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/MSI:S",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:S/SA:H",
    ] {
        vectors.push(edge.to_owned());
    }

    let results = reference(&vectors);

    let mut mismatches: Vec<String> = Vec::new();
    let mut accepted: BTreeMap<String, usize> = BTreeMap::new();
    let (mut both_reject, mut deviations) = (0usize, 0usize);
    for (vector, theirs) in vectors.iter().zip(&results) {
        let ours = patchwarden_cvss::parse(vector);
        match &ours {
            Ok(c) => *accepted.entry(c.version().to_string()).or_default() += 1,
            Err(_) if theirs["ok"].as_bool() != Some(true) => both_reject += 1,
            Err(_) => {}
        }
        if let (Ok(c), Some(bare)) = (&ours, vector.strip_prefix("CVSS:2.0/")) {
            // Deviation: the prefixed vector must score like the bare one.
            deviations += 1;
            match patchwarden_cvss::parse(bare) {
                Ok(b) if b == *c && b.scores() == c.scores() => {}
                other => mismatches.push(format!(
                    "{vector:?}: CVSS:2.0/ prefix changes the result: {other:?}"
                )),
            }
        }
        for problem in compare(vector, &ours, theirs) {
            mismatches.push(format!("{vector:?}: {problem}"));
        }
    }

    eprintln!(
        "differential (seed {seed:#x}): {} vectors, accepted per version {accepted:?}, rejected by both {both_reject}, \
         CVSS:2.0-prefix deviations {deviations}, mismatches {}",
        vectors.len(),
        mismatches.len()
    );
    for version in ["2.0", "3.0", "3.1", "4.0"] {
        let count = accepted.get(version).copied().unwrap_or(0);
        assert!(
            count >= 2000,
            "only {count} valid v{version} vectors compared"
        );
    }
    assert!(
        both_reject >= mutations / 3,
        "only {both_reject} invalid vectors compared"
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches with the reference, first ones:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
