//! Version parsing and comparison per scheme, on versions taken from the real advisories (the
//! `introduced`/`fixed`/`last_affected` values of each ecosystem's ranges) where the shared data has that
//! ecosystem, and on short hand-written lists for the others.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use patchwarden_bench::{osv_zip, zip_entries};
use patchwarden_versions::Scheme;

/// Up to `max` distinct range versions of an ecosystem's real advisories that parse under `scheme`.
fn real_versions(ecosystem: &str, scheme: Scheme, max: usize) -> Vec<String> {
    let mut out = std::collections::BTreeSet::new();
    for (_, bytes) in zip_entries(&osv_zip(ecosystem)) {
        let record: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
        let events = record["affected"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|a| a["ranges"].as_array().into_iter().flatten())
            .flat_map(|r| r["events"].as_array().into_iter().flatten());
        for event in events {
            for value in event.as_object().into_iter().flat_map(|o| o.values()) {
                if let Some(v) = value.as_str()
                    && v != "0"
                    && scheme.parse(v).is_ok()
                {
                    out.insert(v.to_owned());
                }
            }
        }
        if out.len() >= max {
            break;
        }
    }
    out.into_iter().take(max).collect()
}

fn hand_written(scheme: Scheme) -> Vec<String> {
    let list: &[&str] = match scheme {
        Scheme::RubyGems => &[
            "1.0.0",
            "1.2.3.pre",
            "2.0.0.rc1",
            "5.2.4.3",
            "6.1.7.10",
            "7.0.8",
            "0.9.2.beta.1",
        ],
        Scheme::Composer => &[
            "1.0.0",
            "v2.3.4",
            "3.0.0-beta2",
            "5.4.47",
            "6.0.0-RC1",
            "2.0.x-dev",
            "10.1",
        ],
        Scheme::Maven => &[
            "1.0",
            "1.0-SNAPSHOT",
            "2.13.4.2",
            "5.3.18.RELEASE",
            "1.0-alpha-1",
            "9.4.51.v20230217",
            "32.0.0-jre",
        ],
        Scheme::NuGet => &[
            "1.0.0",
            "2.1.0-preview.3",
            "6.0.0-rc.1.21451.13",
            "13.0.1",
            "4.7.2",
            "1.2.3.4",
            "8.0.0",
        ],
        _ => &[],
    };
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn versions(scheme: Scheme) -> Vec<String> {
    let ecosystem = match scheme {
        Scheme::Pep440 => "PyPI",
        Scheme::SemVer => "npm",
        Scheme::Go => "Go",
        Scheme::Dpkg => "Debian",
        Scheme::Apk => "Alpine",
        _ => return hand_written(scheme),
    };
    real_versions(ecosystem, scheme, 1000)
}

fn bench(c: &mut Criterion) {
    let mut parse = c.benchmark_group("version parse");
    parse.sample_size(20);
    let all: Vec<(Scheme, Vec<String>)> = Scheme::ALL.iter().map(|&s| (s, versions(s))).collect();
    for (scheme, list) in &all {
        parse.throughput(Throughput::Elements(list.len() as u64));
        parse.bench_with_input(
            BenchmarkId::from_parameter(scheme.name()),
            list,
            |b, list| {
                b.iter(|| {
                    for v in list {
                        black_box(scheme.parse(black_box(v)).is_ok());
                    }
                })
            },
        );
    }
    parse.finish();

    let mut compare = c.benchmark_group("version compare");
    compare.sample_size(20);
    for (scheme, list) in &all {
        // Every version against its neighbour: parsing both sides, as `evaluate` does per event.
        compare.throughput(Throughput::Elements(list.len() as u64));
        compare.bench_with_input(
            BenchmarkId::from_parameter(scheme.name()),
            list,
            |b, list| {
                b.iter(|| {
                    for pair in list.windows(2) {
                        black_box(scheme.compare(&pair[0], &pair[1]).ok());
                    }
                })
            },
        );
    }
    compare.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
