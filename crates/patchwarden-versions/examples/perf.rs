//! Rough timing of parse and compare per scheme: `cargo run --release -p patchwarden-versions --example perf`.

use std::hint::black_box;
use std::time::Instant;

use patchwarden_versions::Scheme;

fn main() {
    let samples: [(Scheme, &[&str]); 9] = [
        (
            Scheme::Pep440,
            &[
                "1.2.3",
                "2.0.0rc1",
                "1!1.0.post2.dev3+ubuntu.1",
                "0.12.1",
                "3.11.0b4",
            ],
        ),
        (
            Scheme::SemVer,
            &[
                "1.2.3",
                "4.17.21",
                "1.0.0-beta.2",
                "0.0.0-20191109021931",
                "10.2.0+build.7",
            ],
        ),
        (
            Scheme::Go,
            &[
                "v1.2.3",
                "0.0.0-20191109021931-daa7c04131f5",
                "1.20.5",
                "2.0.0+incompatible",
                "v0.3.1",
            ],
        ),
        (
            Scheme::Dpkg,
            &[
                "1:2.30-1+deb12u1",
                "7.88.1-10+deb12u5",
                "1.0~rc1-1ubuntu0.1",
                "2.36-9",
                "3.0.11-1~deb12u2",
            ],
        ),
        (
            Scheme::Apk,
            &[
                "1.36.1-r5",
                "3.0.8-r0",
                "1.2.3_rc1-r2",
                "8.4.0-r0",
                "2.14.4_p1-r1",
            ],
        ),
        (
            Scheme::RubyGems,
            &["7.0.4", "6.1.7.3", "1.0.0.pre.1", "2.7.4", "1.13.10"],
        ),
        (
            Scheme::Composer,
            &["5.4.21", "v2.3.0", "1.0.0-RC1", "6.2.0-beta2", "4.4.50"],
        ),
        (
            Scheme::Maven,
            &[
                "2.15.2",
                "5.3.27",
                "1.0-SNAPSHOT",
                "2.17.1.Final",
                "9.4.51.v20230217",
            ],
        ),
        (
            Scheme::NuGet,
            &[
                "13.0.3",
                "6.0.0-preview.7.21377.19",
                "4.3.0",
                "8.0.1",
                "2.2.0.1",
            ],
        ),
    ];
    const ROUNDS: usize = 200_000;
    println!(
        "{:<20} {:>12} {:>12} {:>10}",
        "scheme", "ns/parse", "ns/compare", "key bytes"
    );
    for (scheme, versions) in samples {
        let start = Instant::now();
        for _ in 0..ROUNDS / versions.len() {
            for v in versions {
                black_box(scheme.parse(black_box(v)).ok());
            }
        }
        let parse_ns =
            start.elapsed().as_nanos() as f64 / (ROUNDS / versions.len() * versions.len()) as f64;
        let parsed: Vec<_> = versions
            .iter()
            .filter_map(|v| scheme.parse(v).ok())
            .collect();
        let key_bytes: usize =
            parsed.iter().map(|v| v.sort_key().len()).sum::<usize>() / parsed.len();
        let start = Instant::now();
        let mut n = 0usize;
        for _ in 0..ROUNDS * 10 / (parsed.len() * parsed.len()) {
            for a in &parsed {
                for b in &parsed {
                    black_box(black_box(a).cmp(black_box(b)));
                    n += 1;
                }
            }
        }
        let cmp_ns = start.elapsed().as_nanos() as f64 / n as f64;
        println!(
            "{:<20} {parse_ns:>12.0} {cmp_ns:>12.1} {key_bytes:>10}",
            scheme.name()
        );
    }
}
