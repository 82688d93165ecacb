//! Checks `a OP b` lines from stdin (OP one of `<`, `=`, `>`) under a scheme given as the first argument
//! (an OSV ecosystem name): `cargo run -p patchwarden-versions --example check_pairs -- Alpine < pairs.txt`.
//! Prints the lines where this crate disagrees (or rejects a version) and a summary.

use std::cmp::Ordering;
use std::io::Read;

use patchwarden_versions::Scheme;

fn main() {
    let ecosystem = std::env::args().nth(1).unwrap_or_else(|| "PyPI".to_owned());
    let Some(scheme) = Scheme::for_ecosystem(&ecosystem) else {
        eprintln!("unknown ecosystem {ecosystem:?}");
        std::process::exit(2);
    };
    let mut input = String::new();
    if std::io::stdin().read_to_string(&mut input).is_err() {
        std::process::exit(2);
    }
    let (mut ok, mut bad) = (0, 0);
    for line in input.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let mut parts = line.split_whitespace();
        let (Some(a), Some(op), Some(b)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let want = match op {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            _ => continue,
        };
        match scheme.compare(a, b) {
            Ok(got) if got == want => ok += 1,
            got => {
                bad += 1;
                println!("{a} {op} {b}: got {got:?}");
            }
        }
    }
    println!("{ok} agree, {bad} differ");
}
