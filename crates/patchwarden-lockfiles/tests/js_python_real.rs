//! The JavaScript/Python parsers on every real lockfile of `shared/data/lockfiles/{npm-v1,npm-v2,npm-v3,
//! yarn-v1,yarn-berry,pnpm-v5,pnpm-v6,pnpm-v9,poetry,pipfile,requirements,uv}` and
//! `shared/data/lockfiles-extra/py-*`: exact counts and three spot checks per file.
//!
//! How the numbers were verified, independently of this crate: a Python script (json, tomllib,
//! PyYAML, re) rebuilt the full list of (name, version, dev, optional, line) of every file under the
//! rules the parsers document, and it matched the parsers' output entry for entry:
//! - npm v2/v3: the `packages` keys of `json.load`, minus "", keys without `node_modules/` and
//!   `link: true`; name = the `name` field or the last `node_modules/` segment; line = the line of
//!   `    "<key>": {` found by a scan down the file. npm v1: a depth-first walk of the nested
//!   `dependencies` (`npm:` aliases split), the line of each key found by the same scan at its
//!   indentation. Distinct (name, version) pairs, dev/optional ANDed over the copies.
//! - yarn: the entries (unindented lines) split by regex, `version` from `  version "x"` /
//!   `  version: x`, berry names from `resolution:` (npm and npm patches kept, workspace/link/portal
//!   dropped), classic aliases `npm:` split; the one GitHub tarball of prettier's yarn v1 is unpinned.
//! - pnpm: `yaml.safe_load` of `packages`, the key split by regex (`/name/ver_peer`, `/name@ver(peer)`,
//!   `name@ver`), the line of the key found by a scan; v5/v6 `dev: true` / `optional: true`; v9 dev by a
//!   graph walk from the importers over the snapshots (same rule as the crate), optional from the
//!   snapshots' `optional: true`.
//! - poetry / uv: `tomllib`, each package paired with the n-th `[[package]]` header line; poetry dev
//!   = groups without "main" or category "dev"; uv dev/optional by a graph walk from the editable
//!   project (dev-dependencies → dev roots, optional-dependencies → optional edges).
//! - Pipfile.lock: `json.load` of `default` then `develop`, `==` versions, key lines by a scan.
//! - requirements: the regex `^name([extras])?==version` per line.
//!
//! SOURCES.md's `entries` column is a rougher count (e.g. npm counts every copy, Pipfile counts both
//! sections), so it differs where copies or sections overlap.

use patchwarden_lockfiles::{Format, ParseContext, Parsed, detect, parse};

struct Case {
    /// Relative to `shared/data/`.
    path: &'static str,
    /// The name the file is detected by (relative to a scan root).
    detect_as: &'static str,
    format: Format,
    packages: usize,
    unpinned: usize,
    dev: usize,
    optional: usize,
    /// (name, version, dev, optional, line)
    spots: [(&'static str, &'static str, bool, bool, u32); 3],
}

fn check(case: &Case) -> Parsed {
    let path = patchwarden_testkit::shared_data().join(case.path);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let head = &bytes[..bytes.len().min(4096)];
    assert_eq!(
        detect(case.detect_as, head),
        Some(case.format),
        "{}",
        case.path
    );
    let text = String::from_utf8(bytes).expect("UTF-8");
    let p = parse(case.format, &text, &ParseContext::default())
        .unwrap_or_else(|e| panic!("{}: {e}", case.path));
    let count =
        |f: fn(&&patchwarden_lockfiles::Package) -> bool| p.packages.iter().filter(f).count();
    assert_eq!(
        (
            p.packages.len(),
            p.unpinned.len(),
            count(|p| p.dev),
            count(|p| p.optional)
        ),
        (case.packages, case.unpinned, case.dev, case.optional),
        "{}: (packages, unpinned, dev, optional)",
        case.path
    );
    let ecosystem = match case.format {
        Format::NpmLock | Format::YarnLock | Format::PnpmLock => "npm",
        _ => "PyPI",
    };
    for (name, version, dev, optional, line) in case.spots {
        let found = p
            .packages
            .iter()
            .find(|p| p.name == name && p.version == version)
            .unwrap_or_else(|| panic!("{}: no {name} {version}", case.path));
        assert_eq!(
            (
                found.dev,
                found.optional,
                found.line,
                found.ecosystem.as_str()
            ),
            (dev, optional, Some(line), ecosystem),
            "{}: {name} {version}",
            case.path
        );
    }
    // one package per (name, version), every one with a line
    let mut ids: Vec<_> = p.packages.iter().map(|p| (&p.name, &p.version)).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), p.packages.len(), "{}: duplicates", case.path);
    assert!(p.packages.iter().all(|p| p.line.is_some_and(|l| l > 0)));
    p
}

fn unpinned(p: &Parsed) -> Vec<(&str, &str, u32)> {
    p.unpinned
        .iter()
        .map(|u| (u.name.as_str(), u.requirement.as_str(), u.line))
        .collect()
}

#[test]
fn npm() {
    let cases = [
        Case {
            path: "lockfiles/npm-v1/mochajs__mocha/package-lock.json",
            detect_as: "package-lock.json",
            format: Format::NpmLock,
            packages: 1917,
            unpinned: 0,
            dev: 1833,
            optional: 18,
            spots: [
                ("@11ty/dependency-tree", "1.0.0", true, false, 7),
                ("is-data-descriptor", "0.1.4", true, false, 10161),
                ("remove-trailing-separator", "1.1.0", true, true, 16752),
            ],
        },
        Case {
            path: "lockfiles/npm-v1/nodejs__security-wg/package-lock.json",
            detect_as: "package-lock.json",
            format: Format::NpmLock,
            packages: 525,
            unpinned: 0,
            dev: 435,
            optional: 7,
            spots: [
                ("@babel/code-frame", "7.12.11", true, false, 7),
                ("is-generator-fn", "2.1.0", true, false, 2631),
                ("is-docker", "2.1.1", true, true, 2610),
            ],
        },
        Case {
            path: "lockfiles/npm-v2/axios__axios/package-lock.json",
            detect_as: "package-lock.json",
            format: Format::NpmLock,
            packages: 1672,
            unpinned: 0,
            dev: 1664,
            optional: 17,
            spots: [
                ("@aashutoshrathi/word-wrap", "1.2.6", true, false, 76),
                ("gitconfiglocal", "1.0.0", true, false, 11880),
                ("encoding", "0.1.13", true, true, 9390),
            ],
        },
        Case {
            path: "lockfiles/npm-v2/nodejs__security-wg/package-lock.json",
            detect_as: "package-lock.json",
            format: Format::NpmLock,
            packages: 339,
            unpinned: 0,
            dev: 245,
            optional: 1,
            spots: [
                ("@ampproject/remapping", "2.2.1", true, false, 24),
                ("find-up", "4.1.0", true, false, 2032),
                ("fsevents", "2.3.3", true, true, 2083),
            ],
        },
        Case {
            path: "lockfiles/npm-v3/mochajs__mocha/package-lock.json",
            detect_as: "package-lock.json",
            format: Format::NpmLock,
            packages: 1072,
            unpinned: 0,
            dev: 1013,
            optional: 50,
            spots: [
                ("@aashutoshrathi/word-wrap", "1.2.6", true, false, 90),
                // node_modules/string-width (prod) and the alias node_modules/string-width-cjs (dev)
                ("string-width", "4.2.3", false, false, 17469),
                (
                    "@oxc-resolver/binding-linux-s390x-gnu",
                    "11.6.0",
                    true,
                    true,
                    1846,
                ),
            ],
        },
        Case {
            path: "lockfiles/npm-v3/nodejs__security-wg/package-lock.json",
            detect_as: "package-lock.json",
            format: Format::NpmLock,
            packages: 54,
            unpinned: 0,
            dev: 0,
            optional: 0,
            spots: [
                ("@hapi/hoek", "9.3.0", false, false, 17),
                ("@sideway/pinpoint", "2.0.0", false, false, 85),
                ("cacheable-request", "7.0.2", false, false, 180),
            ],
        },
    ];
    for case in &cases {
        check(case);
    }
}

#[test]
fn yarn() {
    let cases = [
        Case {
            path: "lockfiles/yarn-v1/excalidraw__excalidraw/yarn.lock",
            detect_as: "yarn.lock",
            format: Format::YarnLock,
            packages: 1441,
            unpinned: 0,
            dev: 0,
            optional: 0,
            spots: [
                ("@adobe/css-tools", "4.4.2", false, false, 5),
                ("@esbuild/linux-s390x", "0.25.0", false, false, 1372),
                ("@types/lodash.debounce", "4.0.8", false, false, 3678),
            ],
        },
        Case {
            path: "lockfiles/yarn-v1/prettier__prettier/yarn.lock",
            detect_as: "yarn.lock",
            format: Format::YarnLock,
            packages: 901,
            unpinned: 1,
            dev: 0,
            optional: 0,
            spots: [
                ("@angular/compiler", "12.2.15", false, false, 5),
                (
                    "@babel/plugin-transform-block-scoping",
                    "7.16.7",
                    false,
                    false,
                    604,
                ),
                ("color-name", "1.1.4", false, false, 2398),
            ],
        },
        Case {
            path: "lockfiles/yarn-berry/prettier__prettier__4f84a93/yarn.lock",
            detect_as: "yarn.lock",
            format: Format::YarnLock,
            packages: 1049,
            unpinned: 0,
            dev: 0,
            optional: 0,
            spots: [
                ("@angular/compiler", "22.0.8", false, false, 8),
                // fsevents@npm:2.3.3 and its builtin patch
                ("fsevents", "2.3.3", false, false, 5148),
                (
                    "@yuku-parser/binding-linux-x64-musl",
                    "0.8.0",
                    false,
                    false,
                    3109,
                ),
            ],
        },
        Case {
            path: "lockfiles/yarn-berry/prettier__prettier__a2ae8af/yarn.lock",
            detect_as: "yarn.lock",
            format: Format::YarnLock,
            packages: 1093,
            unpinned: 0,
            dev: 0,
            optional: 0,
            spots: [
                ("@angular/compiler", "21.2.10", false, false, 8),
                ("@cspell/dict-vue", "3.0.5", false, false, 1039),
                ("babel-jest", "30.3.0", false, false, 3234),
            ],
        },
        Case {
            path: "lockfiles/yarn-berry/prettier__prettier__c453fc9/yarn.lock",
            detect_as: "yarn.lock",
            format: Format::YarnLock,
            packages: 928,
            unpinned: 0,
            dev: 0,
            optional: 0,
            spots: [
                ("@aashutoshrathi/word-wrap", "1.2.6", false, false, 8),
                // only present as a patch: entry (resolve@patch:resolve@npm%3A2.0.0-next.5)
                ("resolve", "2.0.0-next.5", false, false, 7738),
                ("concat-map", "0.0.1", false, false, 2958),
            ],
        },
    ];
    for case in &cases {
        let p = check(case);
        if case.unpinned == 1 {
            assert_eq!(
                unpinned(&p),
                [(
                    "parse-srcset",
                    "https://codeload.github.com/ikatyang/parse-srcset/tar.gz/54eb9c1cb21db5c62b4d0e275d7249516df6f0ee",
                    5293
                )]
            );
        }
    }
}

#[test]
fn pnpm() {
    let cases = [
        Case {
            path: "lockfiles/pnpm-v5/vuejs__core__37701a8/pnpm-lock.yaml",
            detect_as: "pnpm-lock.yaml",
            format: Format::PnpmLock,
            packages: 759,
            unpinned: 0,
            dev: 730,
            optional: 25,
            spots: [
                ("@ampproject/remapping", "2.2.0", true, false, 302),
                ("is-number-object", "1.0.7", true, false, 3133),
                ("@esbuild/linux-arm64", "0.17.5", true, true, 583),
            ],
        },
        Case {
            path: "lockfiles/pnpm-v5/vuejs__core__b2b6b6f/pnpm-lock.yaml",
            detect_as: "pnpm-lock.yaml",
            format: Format::PnpmLock,
            packages: 941,
            unpinned: 0,
            dev: 915,
            optional: 40,
            spots: [
                ("@babel/code-frame", "7.12.11", true, false, 290),
                ("is-fullwidth-code-point", "2.0.0", true, false, 3876),
                ("esbuild-linux-32", "0.14.35", true, true, 2697),
            ],
        },
        Case {
            path: "lockfiles/pnpm-v6/vuejs__core/pnpm-lock.yaml",
            detect_as: "pnpm-lock.yaml",
            format: Format::PnpmLock,
            packages: 741,
            unpinned: 0,
            dev: 710,
            optional: 63,
            spots: [
                ("@aashutoshrathi/word-wrap", "1.2.6", true, false, 418),
                ("has-property-descriptors", "1.0.0", true, false, 3379),
                ("@esbuild/linux-ia32", "0.20.0", true, true, 835),
            ],
        },
        Case {
            path: "lockfiles/pnpm-v9/google__osv.dev/pnpm-lock.yaml",
            detect_as: "gcp/website/frontend3/pnpm-lock.yaml",
            format: Format::PnpmLock,
            packages: 416,
            unpinned: 0,
            dev: 377,
            optional: 15,
            spots: [
                ("@discoveryjs/json-ext", "0.6.3", true, false, 75),
                ("@hotwired/turbo", "8.0.23", false, false, 86),
                ("@parcel/watcher-linux-arm-musl", "2.6.0", true, true, 357),
            ],
        },
        Case {
            path: "lockfiles/pnpm-v9/vuejs__core/pnpm-lock.yaml",
            detect_as: "pnpm-lock.yaml",
            format: Format::PnpmLock,
            packages: 620,
            unpinned: 0,
            dev: 587,
            optional: 143,
            spots: [
                ("@asamuzakjp/css-color", "6.0.5", true, false, 459),
                ("esbuild", "0.28.1", true, false, 1982),
                ("@parcel/watcher-win32-x64", "2.4.1", true, true, 903),
            ],
        },
    ];
    for case in &cases {
        check(case);
    }
}

#[test]
fn poetry() {
    let cases = [
        Case {
            path: "lockfiles/poetry/python-poetry__poetry__b88a121/poetry.lock",
            detect_as: "poetry.lock",
            format: Format::PoetryLock,
            packages: 63,
            unpinned: 0,
            dev: 35,
            optional: 0,
            spots: [
                ("appdirs", "1.4.3", true, false, 1),
                ("mock", "2.0.0", true, false, 290),
                ("jsonschema", "2.6.0", false, false, 221),
            ],
        },
        Case {
            path: "lockfiles/poetry/python-poetry__poetry__7e23120/poetry.lock",
            detect_as: "poetry.lock",
            format: Format::PoetryLock,
            packages: 83,
            unpinned: 0,
            dev: 34,
            optional: 0,
            spots: [
                ("attrs", "22.1.0", false, false, 1),
                ("pytest", "7.1.3", true, false, 616),
                ("jaraco.classes", "3.2.2", false, false, 307),
            ],
        },
        Case {
            path: "lockfiles/poetry/python-poetry__poetry__0936028/poetry.lock",
            detect_as: "poetry.lock",
            format: Format::PoetryLock,
            packages: 69,
            unpinned: 0,
            dev: 0,
            optional: 0,
            spots: [
                ("build", "1.2.1", false, false, 3),
                ("iniconfig", "2.0.0", false, false, 638),
                ("zipp", "3.17.0", false, false, 1581),
            ],
        },
        Case {
            path: "lockfiles/poetry/python-poetry__poetry__298068d/poetry.lock",
            detect_as: "poetry.lock",
            format: Format::PoetryLock,
            packages: 77,
            unpinned: 1,
            dev: 25,
            optional: 0,
            spots: [
                ("anyio", "4.13.0", false, false, 3),
                ("pluggy", "1.6.0", true, false, 1386),
                ("httpcore", "1.0.9", false, false, 771),
            ],
        },
        Case {
            path: "lockfiles-extra/py-poetry-fastapirw/poetry.lock",
            detect_as: "poetry.lock",
            format: Format::PoetryLock,
            packages: 99,
            unpinned: 0,
            dev: 64,
            optional: 0,
            spots: [
                ("aiosql", "6.2", false, false, 1),
                ("iniconfig", "1.1.1", true, false, 587),
                ("greenlet", "1.1.2", false, false, 522),
            ],
        },
        Case {
            path: "lockfiles-extra/py-poetry-portray/poetry.lock",
            detect_as: "poetry.lock",
            format: Format::PoetryLock,
            packages: 101,
            unpinned: 0,
            dev: 64,
            optional: 0,
            spots: [
                ("appnope", "0.1.3", true, false, 1),
                ("pep8-naming", "0.13.3", true, false, 714),
                ("jinja2", "3.1.2", false, false, 486),
            ],
        },
    ];
    for case in &cases {
        let p = check(case);
        if case.unpinned == 1 {
            assert_eq!(
                unpinned(&p),
                [(
                    "poetry-core",
                    "poetry-core @ git+https://github.com/python-poetry/poetry-core.git@e3998b0e111dc03e4aa721fd054c48e5c7de6fc5",
                    1402
                )]
            );
        }
    }
}

#[test]
fn pipfile() {
    let cases = [
        Case {
            path: "lockfiles/pipfile/pypa__pipenv/Pipfile.lock",
            detect_as: "Pipfile.lock",
            format: Format::PipfileLock,
            // 10 default + 100 develop; 9 names in both, 4 of them at another version in develop
            packages: 105,
            unpinned: 0,
            dev: 95,
            optional: 0,
            spots: [
                ("exceptiongroup", "1.3.1", false, false, 17),
                ("packaging", "26.2", true, false, 1043),
                ("pygments", "2.21.0", false, false, 49),
            ],
        },
        Case {
            path: "lockfiles-extra/py-pipfile-maya/Pipfile.lock",
            detect_as: "Pipfile.lock",
            format: Format::PipfileLock,
            packages: 32,
            unpinned: 0,
            dev: 21,
            optional: 0,
            spots: [
                ("dateparser", "0.7.0", false, false, 17),
                ("packaging", "17.1", true, false, 211),
                ("pytz", "2018.3", false, false, 53),
            ],
        },
        Case {
            path: "lockfiles-extra/py-pipfile-responder/Pipfile.lock",
            detect_as: "Pipfile.lock",
            format: Format::PipfileLock,
            packages: 80,
            unpinned: 1,
            dev: 46,
            optional: 0,
            spots: [
                ("aiofiles", "0.4.0", false, false, 17),
                ("pygments", "2.6.1", true, false, 604),
                ("h11", "0.9.0", false, false, 98),
            ],
        },
    ];
    for case in &cases {
        let p = check(case);
        if case.unpinned == 1 {
            assert_eq!(unpinned(&p), [("responder", "-e .", 220)]);
        }
    }
}

#[test]
fn uv() {
    let cases = [
        Case {
            path: "lockfiles/uv/pallets__flask/uv.lock",
            detect_as: "uv.lock",
            format: Format::UvLock,
            packages: 82,
            unpinned: 0,
            dev: 72,
            optional: 3,
            spots: [
                ("alabaster", "1.0.0", true, false, 10),
                ("pyright", "1.1.408", true, false, 1031),
                // flask's `dotenv` extra
                ("python-dotenv", "1.2.2", false, true, 1075),
            ],
        },
        Case {
            path: "lockfiles/uv/pydantic__pydantic__10af6a8/uv.lock",
            detect_as: "uv.lock",
            format: Format::UvLock,
            packages: 121,
            unpinned: 0,
            dev: 113,
            optional: 14,
            spots: [
                ("aiohappyeyeballs", "2.4.6", true, false, 5),
                ("mkdocstrings", "0.27.0", true, false, 1246),
                ("dnspython", "2.7.0", false, true, 603),
            ],
        },
        Case {
            path: "lockfiles/uv/pydantic__pydantic__8287630/uv.lock",
            detect_as: "uv.lock",
            format: Format::UvLock,
            packages: 110,
            unpinned: 1,
            dev: 103,
            optional: 14,
            spots: [
                ("annotated-types", "0.7.0", false, false, 11),
                ("mkdocstrings-python", "1.11.1", true, false, 1090),
                ("dnspython", "2.6.1", false, true, 504),
            ],
        },
        Case {
            path: "lockfiles/uv/pydantic__pydantic__f7e30af/uv.lock",
            detect_as: "uv.lock",
            format: Format::UvLock,
            packages: 173,
            unpinned: 1,
            dev: 166,
            optional: 14,
            spots: [
                ("aiohappyeyeballs", "2.6.1", true, false, 18),
                ("more-itertools", "11.0.1", true, false, 1840),
                ("dnspython", "2.7.0", false, true, 910),
            ],
        },
        Case {
            path: "lockfiles-extra/py-uv-crewai/uv.lock",
            detect_as: "uv.lock",
            format: Format::UvLock,
            packages: 280,
            unpinned: 0,
            dev: 36,
            optional: 9,
            spots: [
                ("agentops", "0.3.13", false, false, 12),
                ("mkdocstrings-python", "1.11.1", true, false, 2298),
                ("httptools", "0.6.1", false, true, 1523),
            ],
        },
        Case {
            path: "lockfiles-extra/py-uv-fsft/uv.lock",
            detect_as: "backend/uv.lock",
            format: Format::UvLock,
            packages: 80,
            unpinned: 0,
            dev: 18,
            optional: 16,
            spots: [
                ("alembic", "1.13.2", false, false, 8),
                ("packaging", "24.1", true, false, 793),
                ("mdurl", "0.1.2", false, true, 728),
            ],
        },
    ];
    for case in &cases {
        let p = check(case);
        match case.path {
            "lockfiles/uv/pydantic__pydantic__8287630/uv.lock" => assert_eq!(
                unpinned(&p),
                [(
                    "pydantic-extra-types",
                    "pydantic-extra-types @ git+https://github.com/pydantic/pydantic-extra-types.git?rev=main#f27a1325de5112ccd86b192645bfbb6b633ffcae",
                    1632
                )]
            ),
            "lockfiles/uv/pydantic__pydantic__f7e30af/uv.lock" => assert_eq!(
                unpinned(&p),
                [(
                    "pydantic-docs",
                    "pydantic-docs @ git+https://github.com/pydantic/pydantic-docs#6f657b30593b00cf5f7c0b7eca74e83b3b6b7819",
                    2754
                )]
            ),
            _ => assert!(p.unpinned.is_empty()),
        }
    }
}

#[test]
fn requirements() {
    let cases = [
        Case {
            path: "lockfiles/requirements/pypi__warehouse/main.txt",
            detect_as: "requirements/main.txt",
            format: Format::Requirements,
            packages: 184,
            unpinned: 0,
            dev: 0,
            optional: 0,
            spots: [
                ("alembic", "1.18.5", false, false, 7),
                ("jmespath", "1.1.0", false, false, 1081),
                ("setuptools", "81.0.0", false, false, 2676),
            ],
        },
        Case {
            path: "lockfiles/requirements/pallets__flask/dev.txt",
            detect_as: "requirements/dev.txt",
            format: Format::Requirements,
            packages: 54,
            unpinned: 0,
            dev: 0,
            optional: 0,
            spots: [
                ("alabaster", "1.0.0", false, false, 7),
                ("jinja2", "3.1.6", false, false, 67),
                ("virtualenv", "20.29.3", false, false, 199),
            ],
        },
        Case {
            path: "lockfiles-extra/py-req-djangorw/requirements.txt",
            detect_as: "requirements.txt",
            format: Format::Requirements,
            packages: 6,
            unpinned: 0,
            dev: 0,
            optional: 0,
            spots: [
                ("Django", "1.10.5", false, false, 1),
                ("django-extensions", "1.7.1", false, false, 3),
                ("six", "1.10.0", false, false, 6),
            ],
        },
        Case {
            path: "lockfiles-extra/py-req-healthchecks/requirements.txt",
            detect_as: "requirements.txt",
            format: Format::Requirements,
            packages: 6,
            unpinned: 0,
            dev: 0,
            optional: 0,
            spots: [
                ("croniter", "0.3.30", false, false, 1),
                ("django_compressor", "2.2", false, false, 3),
                ("requests", "2.22.0", false, false, 6),
            ],
        },
        Case {
            path: "lockfiles-extra/py-req-flaskdev/requirements.txt",
            detect_as: "requirements.txt",
            format: Format::Requirements,
            packages: 55,
            unpinned: 0,
            dev: 0,
            optional: 0,
            spots: [
                ("alabaster", "0.7.12", false, false, 7),
                ("markupsafe", "2.0.1", false, false, 49),
                ("virtualenv", "20.4.6", false, false, 140),
            ],
        },
        Case {
            path: "lockfiles-extra/py-req-sigstore/requirements.txt",
            detect_as: "install/requirements.txt",
            format: Format::Requirements,
            packages: 25,
            unpinned: 0,
            dev: 0,
            optional: 0,
            spots: [
                ("appdirs", "1.4.4", false, false, 7),
                // the PEP 440 pre-release pin
                ("betterproto", "2.0.0b5", false, false, 11),
                ("urllib3", "1.26.14", false, false, 381),
            ],
        },
    ];
    for case in &cases {
        let p = check(case);
        assert!(p.includes.is_empty(), "{}", case.path);
    }
}
