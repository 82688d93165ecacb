//! OSV record parsing (with validation and JSON paths, as an import does it) and `evaluate`, the OSV
//! range rules for one package version, on the real records of each ecosystem.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use patchwarden_bench::{ECOSYSTEMS, osv_zip, zip_entries};

fn bench(c: &mut Criterion) {
    let data: Vec<_> = ECOSYSTEMS
        .iter()
        .map(|&e| (e, zip_entries(&osv_zip(e))))
        .collect();

    let mut parse = c.benchmark_group("osv parse");
    parse.sample_size(10);
    for (ecosystem, entries) in &data {
        let bytes: u64 = entries.iter().map(|(_, b)| b.len() as u64).sum();
        parse.throughput(Throughput::Bytes(bytes));
        parse.bench_with_input(
            BenchmarkId::from_parameter(ecosystem),
            entries,
            |b, entries| {
                b.iter(|| {
                    for (_, bytes) in entries {
                        black_box(patchwarden_osv::parse_advisory(black_box(bytes)).is_ok());
                    }
                })
            },
        );
    }
    parse.finish();

    // Every affected[] entry against a version: its first `fixed` (not affected, the usual outcome)
    // and its first `introduced` (affected), as stored and as a scan reads it back.
    let mut evaluate = c.benchmark_group("osv evaluate");
    evaluate.sample_size(10);
    for (ecosystem, entries) in &data {
        let mut cases = Vec::new();
        for (_, bytes) in entries {
            let Ok(advisory) = patchwarden_osv::parse_advisory(bytes) else {
                continue;
            };
            for affected in advisory.affected {
                let events: Vec<String> = affected
                    .ranges
                    .iter()
                    .flat_map(|r| r.events.iter())
                    .filter_map(|e| e.get().map(|(_, v)| v.to_owned()))
                    .filter(|v| v != "0")
                    .take(2)
                    .collect();
                for version in events {
                    cases.push((affected.clone(), version));
                }
            }
        }
        evaluate.throughput(Throughput::Elements(cases.len() as u64));
        evaluate.bench_with_input(
            BenchmarkId::from_parameter(ecosystem),
            &cases,
            |b, cases| {
                b.iter(|| {
                    for (affected, version) in cases {
                        black_box(patchwarden_osv::evaluate(affected, version));
                    }
                })
            },
        );
        // The scan's path: the stored affected JSON parsed, then evaluated.
        let stored: Vec<(String, String)> = cases
            .iter()
            .map(|(a, v)| (serde_json::to_string(a).expect("JSON"), v.clone()))
            .collect();
        evaluate.bench_with_input(
            BenchmarkId::new("from stored JSON", ecosystem),
            &stored,
            |b, stored| {
                b.iter(|| {
                    for (json, version) in stored {
                        let affected: patchwarden_osv::Affected =
                            serde_json::from_str(json).expect("stored JSON");
                        black_box(patchwarden_osv::evaluate(&affected, version));
                    }
                })
            },
        );
    }
    evaluate.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
