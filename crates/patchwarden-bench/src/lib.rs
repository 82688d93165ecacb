//! Shared set-up for patchwarden's criterion benchmarks (`cargo bench -p patchwarden-bench`): the real
//! OSV data and lockfiles of `../shared/data`, a generated large advisory database built with the app's own
//! import, and an app on a temp dir. Not a library anyone else uses; whole-command timings are in
//! `scripts/bench`, the figures in `docs/performance.md`.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use patchwarden_app::advisories::{ImportOptions, NoProgress};
use patchwarden_app::sources::{SourceData, SourceKind};
use patchwarden_app::{App, Settings};
use patchwarden_store::AdvisorySource;

/// `../shared/data` (or `PATCHWARDEN_SHARED_DATA`).
pub fn shared_data() -> PathBuf {
    if let Some(dir) = std::env::var_os("PATCHWARDEN_SHARED_DATA") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// The real OSV zip of one ecosystem (`PyPI`, `npm`, `crates.io`, `Go`, `Debian`, `Alpine`).
pub fn osv_zip(ecosystem: &str) -> PathBuf {
    shared_data().join("osv").join(ecosystem).join("all.zip")
}

/// The six real ecosystems of the shared data.
pub const ECOSYSTEMS: [&str; 6] = ["Alpine", "Debian", "Go", "PyPI", "crates.io", "npm"];

/// Every `.json` entry of a zip, in the zip's order.
pub fn zip_entries(path: &Path) -> Vec<(String, Vec<u8>)> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut archive = zip::ZipArchive::new(file).expect("a zip");
    let mut out = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("a zip entry");
        let name = entry.name().to_owned();
        if !name.ends_with(".json") {
            continue;
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut bytes).expect("inflate");
        out.push((name, bytes));
    }
    out
}

/// `copies` copies of every real record, as `scripts/gen-advisories.py` writes them: copy k has the id
/// `<ID>-c<k>`, and for k > 0 its packages are named `<name>-c<k>`.
pub fn generated_source(copies: usize) -> SourceData {
    let mut entries = Vec::new();
    for ecosystem in ECOSYSTEMS {
        for (_, bytes) in zip_entries(&osv_zip(ecosystem)) {
            let record: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
            for k in 0..copies {
                let mut copy = record.clone();
                let id = format!("{}-c{k}", copy["id"].as_str().expect("an id"));
                copy["id"] = id.clone().into();
                if k > 0
                    && let Some(affected) = copy.get_mut("affected").and_then(|a| a.as_array_mut())
                {
                    for entry in affected {
                        if let Some(name) = entry.pointer_mut("/package/name")
                            && let Some(n) = name.as_str()
                        {
                            *name = format!("{n}-c{k}").into();
                        }
                    }
                }
                entries.push((
                    format!("{id}.json"),
                    serde_json::to_vec(&copy).expect("JSON"),
                ));
            }
        }
    }
    SourceData {
        kind: SourceKind::OsvZip,
        sha256: format!("generated-{copies}"),
        documents: patchwarden_app::sources::Documents::Read(entries),
    }
}

/// An app on a fresh SQLite database in `dir`, with the built-in policy and a fixed clock.
pub async fn app(dir: &Path) -> App {
    let settings = Settings {
        config: patchwarden_config::Config::default(),
        config_source: None,
        data_dir: dir.to_owned(),
        database_url: None,
        now: Utc
            .with_ymd_and_hms(2026, 3, 1, 9, 0, 0)
            .single()
            .expect("a time"),
        actor: None,
    };
    App::open(settings).await.expect("open the app").0
}

/// Imports a source with the app's own import (what `db import` and `db sync` run).
pub async fn import(app: &App, name: &str, data: SourceData) -> usize {
    let source = AdvisorySource {
        name: name.to_owned(),
        location: name.to_owned(),
        ..AdvisorySource::default()
    };
    app.import_source(source, data, ImportOptions::default(), &NoProgress)
        .await
        .expect("import")
        .records
}

/// The ten real lockfiles of the scan benchmark (≥ 5,000 packages together): (directory name, file).
pub const SCAN_LOCKFILES: [(&str, &str); 10] = [
    (
        "npm-v1-mocha",
        "lockfiles/npm-v1/mochajs__mocha/package-lock.json",
    ),
    (
        "npm-v2-axios",
        "lockfiles/npm-v2/axios__axios/package-lock.json",
    ),
    (
        "yarn-v1-excalidraw",
        "lockfiles/yarn-v1/excalidraw__excalidraw/yarn.lock",
    ),
    (
        "pnpm-v9-vue",
        "lockfiles/pnpm-v9/vuejs__core/pnpm-lock.yaml",
    ),
    (
        "cargo-v4-nushell",
        "lockfiles/cargo-v4/nushell__nushell/Cargo.lock",
    ),
    (
        "poetry-poetry",
        "lockfiles/poetry/python-poetry__poetry__298068d/poetry.lock",
    ),
    ("uv-crewai", "lockfiles-extra/py-uv-crewai/uv.lock"),
    (
        "requirements-warehouse",
        "lockfiles/requirements/pypi__warehouse/main.txt",
    ),
    ("gomod-cli", "lockfiles/gomod/cli__cli/go.mod"),
    (
        "composer-composer",
        "lockfiles/composer/composer__composer/composer.lock",
    ),
];

/// Copies the scan benchmark's lockfiles into `dir/<name>/<file name>`.
pub fn scan_dir(dir: &Path) {
    for (name, rel) in SCAN_LOCKFILES {
        let src = shared_data().join(rel);
        let target = dir.join(name);
        std::fs::create_dir_all(&target).expect("mkdir");
        // pip's lockfiles are found by their name: main.txt is one.
        let file = match src.file_name().and_then(|f| f.to_str()) {
            Some("main.txt") => "requirements.txt",
            Some(f) => f,
            None => panic!("{}: no file name", src.display()),
        };
        std::fs::copy(&src, target.join(file)).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    }
}

/// The (ecosystem, normalised name) keys a scan of `dir` looks up, topped up to `n` with the generated
/// copies' names (`<name>-c<k>`), which a generated database holds too.
pub fn lookup_keys(dir: &Path, n: usize) -> Vec<(String, String)> {
    let mut inventory = patchwarden_app::inventory::Inventory::default();
    inventory
        .add_dir(dir, &patchwarden_lockfiles::ParseContext::default())
        .expect("the lockfiles parse");
    let real: BTreeSet<(String, String)> = inventory
        .packages
        .iter()
        .map(|p| patchwarden_osv::package_key(&p.package.ecosystem, &p.package.name))
        .collect();
    let mut keys: Vec<_> = real.iter().cloned().collect();
    'fill: for k in 1.. {
        for (eco, name) in &real {
            if keys.len() >= n {
                break 'fill;
            }
            keys.push((eco.clone(), format!("{name}-c{k}")));
        }
    }
    keys.truncate(n);
    keys
}
