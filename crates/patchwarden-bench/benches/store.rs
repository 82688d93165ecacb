//! The database: a full import of one real zip into a fresh SQLite database, and the candidate lookup
//! of a scan (5,000 package keys) against a generated database of ≥ 200,000 advisories (13 copies of the
//! 15,929 real records; `PATCHWARDEN_BENCH_COPIES` changes that), built once per run with the app's import.

use std::hint::black_box;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use patchwarden_app::sources;
use patchwarden_bench::{app, generated_source, import, lookup_keys, osv_zip, scan_dir};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");

    // Import of one real zip (npm: 3,621 records), each iteration into a fresh database.
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    for ecosystem in ["npm", "crates.io"] {
        let zip = osv_zip(ecosystem);
        let records = sources::read_path(&zip).expect("the zip").documents.len();
        group.throughput(Throughput::Elements(records as u64));
        group.bench_function(BenchmarkId::new("real zip", ecosystem), |b| {
            b.iter_custom(|iters| {
                let mut total = std::time::Duration::ZERO;
                for _ in 0..iters {
                    let dir = tempfile::tempdir().expect("tempdir");
                    let app = rt.block_on(app(dir.path()));
                    let start = Instant::now();
                    let data = sources::read_path(&zip).expect("the zip");
                    black_box(rt.block_on(import(&app, "bench", data)));
                    total += start.elapsed();
                    rt.block_on(app.store.close());
                }
                total
            })
        });
    }
    group.finish();

    // Candidate lookup on the generated database.
    let copies: usize = std::env::var("PATCHWARDEN_BENCH_COPIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(13);
    let dir = tempfile::tempdir().expect("tempdir");
    let app = rt.block_on(app(dir.path()));
    let started = Instant::now();
    let records = rt.block_on(import(&app, "generated", generated_source(copies)));
    eprintln!(
        "generated database: {records} advisories imported in {:.1?}",
        started.elapsed()
    );
    let lockfiles = tempfile::tempdir().expect("tempdir");
    scan_dir(lockfiles.path());
    let keys = lookup_keys(lockfiles.path(), 5_000);
    let found = rt
        .block_on(app.store.advisory_candidates(&keys))
        .expect("lookup")
        .len();
    eprintln!("{} keys → {found} candidates", keys.len());

    let mut group = c.benchmark_group("candidate lookup");
    group.sample_size(20);
    group.throughput(Throughput::Elements(keys.len() as u64));
    group.bench_function(
        BenchmarkId::new("keys", format!("{}x{records}", keys.len())),
        |b| {
            b.iter(|| {
                black_box(
                    rt.block_on(app.store.advisory_candidates(black_box(&keys)))
                        .expect("lookup"),
                )
            })
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
