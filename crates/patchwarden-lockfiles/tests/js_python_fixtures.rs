//! The JavaScript/Python parsers on small fixtures of every format version (`tests/fixtures/<format>/`):
//! empty, malformed (the exact error line), one package, many (dev/optional flags, duplicates, and the
//! tricky cases: npm aliases, scoped names, yarn berry `patch:`, pnpm peer suffixes, requirements
//! hashes/markers/includes/unpinned).

use patchwarden_lockfiles::{Format, ParseContext, Parsed, detect, parse};

fn read(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn ok(format: Format, path: &str) -> Parsed {
    parse(format, &read(path), &ParseContext::default()).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// (name, version, dev, optional, line) of every package.
fn packages(p: &Parsed) -> Vec<(&str, &str, bool, bool, u32)> {
    p.packages
        .iter()
        .map(|p| {
            assert!(p.ecosystem == "npm" || p.ecosystem == "PyPI", "{p:?}");
            (
                p.name.as_str(),
                p.version.as_str(),
                p.dev,
                p.optional,
                p.line.unwrap_or(0),
            )
        })
        .collect()
}

/// (name, requirement, line) of every unpinned requirement.
fn unpinned(p: &Parsed) -> Vec<(&str, &str, u32)> {
    p.unpinned
        .iter()
        .map(|u| (u.name.as_str(), u.requirement.as_str(), u.line))
        .collect()
}

/// The (line, column) of the error a malformed fixture gives.
fn error_at(format: Format, path: &str) -> (Option<u32>, Option<u32>) {
    let e =
        parse(format, &read(path), &ParseContext::default()).expect_err(&format!("{path} parses"));
    assert_eq!(e.format, format);
    assert!(!e.to_string().is_empty());
    (e.line, e.column)
}

fn one(format: Format, path: &str, expect: (&str, &str, u32)) {
    let p = ok(format, path);
    assert_eq!(
        packages(&p),
        [(expect.0, expect.1, false, false, expect.2)],
        "{path}"
    );
    assert!(p.unpinned.is_empty() && p.includes.is_empty(), "{path}");
}

fn empty(format: Format, path: &str) {
    assert_eq!(ok(format, path), Parsed::default(), "{path}");
}

#[test]
fn blank_files_yield_nothing_in_every_format() {
    for format in [
        Format::NpmLock,
        Format::YarnLock,
        Format::PnpmLock,
        Format::BunLock,
        Format::PoetryLock,
        Format::PipfileLock,
        Format::UvLock,
        Format::PdmLock,
        Format::Requirements,
    ] {
        for text in ["", "\n\n", "\u{feff}", "  \r\n\t"] {
            assert_eq!(
                parse(format, text, &ParseContext::default()),
                Ok(Parsed::default())
            );
        }
    }
}

#[test]
fn detection_by_name_and_content() {
    let cases: [(&str, &[u8], Option<Format>); 20] = [
        ("package-lock.json", b"{", Some(Format::NpmLock)),
        ("web/npm-shrinkwrap.json", b"{", Some(Format::NpmLock)),
        ("yarn.lock", b"", Some(Format::YarnLock)),
        ("a\\b\\pnpm-lock.yaml", b"", Some(Format::PnpmLock)),
        ("bun.lock", b"{", Some(Format::BunLock)),
        ("bun.lockb", b"", None),
        ("poetry.lock", b"", Some(Format::PoetryLock)),
        ("Pipfile.lock", b"{", Some(Format::PipfileLock)),
        ("Pipfile", b"", None),
        ("uv.lock", b"", Some(Format::UvLock)),
        ("pdm.lock", b"", Some(Format::PdmLock)),
        ("requirements.txt", b"", Some(Format::Requirements)),
        ("requirements-dev.txt", b"", Some(Format::Requirements)),
        ("ci/test-requirements.txt", b"", Some(Format::Requirements)),
        ("constraints.txt", b"", Some(Format::Requirements)),
        (
            "requirements/dev.txt",
            b"-r base.txt\npytest==7.4.3 \\\n    --hash=sha256:0\n",
            Some(Format::Requirements),
        ),
        (
            "requirements/notes.txt",
            b"These pins are reviewed monthly.\n",
            None,
        ),
        ("docs/dev.txt", b"pytest==7.4.3\n", None),
        ("requirements.in", b"flask\n", None),
        ("package.json", b"{", None),
    ];
    for (name, head, expect) in cases {
        assert_eq!(detect(name, head), expect, "{name}");
    }
}

#[test]
fn npm_v1() {
    empty(Format::NpmLock, "npm/v1-empty.json");
    one(
        Format::NpmLock,
        "npm/v1-one-package.json",
        ("left-pad", "1.3.0", 7),
    );
    assert_eq!(
        error_at(Format::NpmLock, "npm/v1-malformed.json"),
        (Some(7), Some(7))
    );
    let p = ok(Format::NpmLock, "npm/v1-many.json");
    assert_eq!(
        packages(&p),
        [
            ("@babel/code-frame", "7.12.11", true, false, 7),
            ("debug", "4.3.1", false, false, 11),
            // nested under debug (prod) and under mocha (dev): one package, not dev
            ("ms", "2.1.2", false, false, 17),
            ("fsevents", "2.3.2", true, true, 22),
            ("mocha", "9.1.0", true, false, 27),
            // the alias string-width-cjs → npm:string-width@4.2.3
            ("string-width", "4.2.3", true, false, 41),
        ]
    );
    assert_eq!(
        unpinned(&p),
        [(
            "my-fork",
            "git+https://git.invalid/me/fork.git#0123456789abcdef0123456789abcdef01234567",
            37
        )]
    );
}

#[test]
fn npm_v2() {
    empty(Format::NpmLock, "npm/v2-empty.json");
    one(
        Format::NpmLock,
        "npm/v2-one-package.json",
        ("left-pad", "1.3.0", 14),
    );
    // a trailing comma: the error is at the `}` that follows it
    assert_eq!(
        error_at(Format::NpmLock, "npm/v2-malformed.json"),
        (Some(7), Some(5))
    );
    let p = ok(Format::NpmLock, "npm/v2-many.json");
    // `packages` wins over the v1-style `dependencies` kept beside it
    assert_eq!(
        packages(&p),
        [
            ("@types/node", "16.11.7", true, false, 17),
            ("debug", "4.3.1", false, false, 21),
            ("fsevents", "2.3.2", true, true, 27),
            ("mocha", "9.1.0", true, false, 32),
            ("ms", "2.1.3", true, false, 36),
            ("ms", "2.1.2", false, false, 40),
        ]
    );
    assert!(p.unpinned.is_empty());
}

#[test]
fn npm_v3() {
    empty(Format::NpmLock, "npm/v3-empty.json");
    one(
        Format::NpmLock,
        "npm/v3-one-package.json",
        ("left-pad", "1.3.0", 14),
    );
    assert_eq!(
        error_at(Format::NpmLock, "npm/v3-malformed.json"),
        (Some(4), None)
    );
    let p = ok(Format::NpmLock, "npm/v3-many.json");
    assert_eq!(
        packages(&p),
        [
            // dev at the top, optional (not dev) nested: neither flag holds for every copy
            ("@scope/tool", "2.0.0-beta.1", false, false, 14),
            // devOptional → optional, not dev
            ("chokidar", "3.5.3", false, true, 18),
            // node_modules/string-width and the alias node_modules/string-width-cjs
            ("string-width", "4.2.3", false, false, 30),
        ]
    );
    // link: true and the workspace folder packages/lib-a are skipped; the git dependency is unpinned
    assert_eq!(
        unpinned(&p),
        [(
            "my-fork",
            "git+ssh://git@git.invalid/me/fork.git#0123456789abcdef0123456789abcdef01234567",
            26
        )]
    );
}

#[test]
fn yarn_classic() {
    empty(Format::YarnLock, "yarn/v1-empty.lock");
    one(
        Format::YarnLock,
        "yarn/v1-one-package.lock",
        ("left-pad", "1.3.0", 5),
    );
    // an entry line without its `:`
    assert_eq!(
        error_at(Format::YarnLock, "yarn/v1-malformed.lock"),
        (Some(7), Some(1))
    );
    let p = ok(Format::YarnLock, "yarn/v1-many.lock");
    assert_eq!(
        packages(&p),
        [
            ("@babel/code-frame", "7.16.7", false, false, 5),
            ("debug", "4.3.1", false, false, 11),
            ("ms", "2.1.2", false, false, 17),
            ("string-width", "4.2.3", false, false, 29),
        ]
    );
    // the GitHub dependency is unpinned, the link: one skipped
    assert_eq!(
        unpinned(&p),
        [(
            "my-fork",
            "https://codeload.github.com/me/fork/tar.gz/0123456789abcdef",
            25
        )]
    );
}

#[test]
fn yarn_berry() {
    empty(Format::YarnLock, "yarn/berry-empty.lock");
    one(
        Format::YarnLock,
        "yarn/berry-one-package.lock",
        ("left-pad", "1.3.0", 8),
    );
    // an entry without `version:`
    assert_eq!(
        error_at(Format::YarnLock, "yarn/berry-malformed.lock"),
        (Some(5), None)
    );
    let p = ok(Format::YarnLock, "yarn/berry-many.lock");
    assert_eq!(
        packages(&p),
        [
            ("@babel/code-frame", "7.29.7", false, false, 8),
            // fsevents@npm and its builtin patch: one package
            ("fsevents", "2.3.3", false, false, 18),
            // a patched npm package counts as the npm package
            ("typescript", "5.2.2", false, false, 36),
            // resolution "string-width@npm:4.2.3" of the alias string-width-cjs
            ("string-width", "4.2.3", false, false, 58),
        ]
    );
    // workspace:, the patch: of a workspace package and portal: are skipped; git is unpinned
    assert_eq!(
        unpinned(&p),
        [(
            "my-fork",
            "my-fork@https://github.invalid/me/fork.git#commit=0123456789abcdef",
            64
        )]
    );
}

#[test]
fn pnpm_v5() {
    empty(Format::PnpmLock, "pnpm/v5-empty.yaml");
    one(
        Format::PnpmLock,
        "pnpm/v5-one-package.yaml",
        ("left-pad", "1.3.0", 11),
    );
    assert_eq!(
        error_at(Format::PnpmLock, "pnpm/v5-malformed.yaml"),
        (Some(7), Some(8))
    );
    let p = ok(Format::PnpmLock, "pnpm/v5-many.yaml");
    assert_eq!(
        packages(&p),
        [
            ("@babel/core", "7.16.0", true, false, 19),
            ("fsevents", "2.3.2", true, true, 24),
            // two peer variants (_rollup@…+typescript@…), one dev and one not
            ("rollup-plugin-ts", "2.0.5", false, false, 32),
            // no `dev` key: both prod and dev
            ("source-map", "0.6.1", false, false, 46),
        ]
    );
    assert_eq!(
        unpinned(&p),
        [("fork", "github.com/me/fork/0123456789abcdef", 50)]
    );
}

#[test]
fn pnpm_v6() {
    empty(Format::PnpmLock, "pnpm/v6-empty.yaml");
    one(
        Format::PnpmLock,
        "pnpm/v6-one-package.yaml",
        ("left-pad", "1.3.0", 14),
    );
    assert_eq!(
        error_at(Format::PnpmLock, "pnpm/v6-malformed.yaml"),
        (Some(7), Some(4))
    );
    let p = ok(Format::PnpmLock, "pnpm/v6-many.yaml");
    assert_eq!(
        packages(&p),
        [
            ("@esbuild/linux-x64", "0.19.10", true, true, 20),
            // (vite@5.0.12)(vue@3.4.19) and (vite@5.0.12)(vue@3.4.15) peer variants
            ("@vitejs/plugin-vue", "5.0.3", true, false, 29),
            ("entities", "4.5.0", false, false, 44),
            ("source-map-js", "1.0.2", false, false, 49),
        ]
    );
    assert_eq!(
        unpinned(&p),
        [("fork", "github.com/me/fork/0123456789abcdef", 53)]
    );
}

#[test]
fn pnpm_v9() {
    empty(Format::PnpmLock, "pnpm/v9-empty.yaml");
    one(
        Format::PnpmLock,
        "pnpm/v9-one-package.yaml",
        ("left-pad", "1.3.0", 17),
    );
    // an unterminated quoted key
    assert_eq!(
        error_at(Format::PnpmLock, "pnpm/v9-malformed.yaml"),
        (Some(13), Some(3))
    );
    let p = ok(Format::PnpmLock, "pnpm/v9-many.yaml");
    assert_eq!(
        packages(&p),
        [
            // only a devDependency of the root importer
            ("@vitejs/plugin-vue", "5.0.3", true, false, 40),
            ("debug", "4.3.4", false, false, 46),
            // an optionalDependency, `optional: true` in its snapshot
            ("fsevents", "2.3.3", false, true, 59),
            ("has-flag", "4.0.0", false, false, 64),
            // reached from debug (prod) and from the root's devDependencies
            ("ms", "2.1.2", false, false, 68),
            // the alias string-width-cjs → string-width@4.2.3
            ("string-width", "4.2.3", false, false, 71),
            ("supports-color", "8.1.1", false, false, 75),
        ]
    );
    assert_eq!(
        unpinned(&p),
        [(
            "fork",
            "fork@https://codeload.github.com/me/fork/tar.gz/0123456789abcdef",
            55
        )]
    );
}

#[test]
fn bun() {
    empty(Format::BunLock, "bun/empty.lock");
    one(
        Format::BunLock,
        "bun/one-package.lock",
        ("left-pad", "1.3.0", 12),
    );
    // a missing comma in an array (JSONC allows trailing commas, not missing ones)
    assert_eq!(
        error_at(Format::BunLock, "bun/malformed.lock"),
        (Some(10), Some(45))
    );
    let p = ok(Format::BunLock, "bun/many.lock");
    assert_eq!(
        packages(&p),
        [
            ("@types/node", "20.11.5", true, false, 30),
            ("debug", "4.3.4", false, false, 32),
            ("fsevents", "2.3.3", false, true, 34),
            ("ms", "2.1.2", false, false, 38),
            // key string-width-cjs, ident string-width@4.2.3
            ("string-width", "4.2.3", false, false, 42),
            ("typescript", "5.6.3", true, false, 44),
            // a dependency of the dev-only @types/node
            ("undici-types", "5.26.5", true, false, 46),
            // lib/ms: the copy nested under the workspace package lib
            ("ms", "2.0.0", false, false, 48),
        ]
    );
    // lib@workspace: is skipped
    assert_eq!(
        unpinned(&p),
        [("my-fork", "my-fork@github:me/fork#0123456", 40)]
    );
}

#[test]
fn poetry_pre_1_0() {
    empty(Format::PoetryLock, "poetry/v0-empty.lock");
    one(
        Format::PoetryLock,
        "poetry/v0-one-package.lock",
        ("requests", "2.19.1", 1),
    );
    // an unterminated string
    assert_eq!(
        error_at(Format::PoetryLock, "poetry/v0-malformed.lock"),
        (Some(8), Some(15))
    );
    let p = ok(Format::PoetryLock, "poetry/v0-many.lock");
    assert_eq!(
        packages(&p),
        [
            ("appdirs", "1.4.3", true, false, 1),
            ("certifi", "2018.8.24", false, false, 10),
            ("requests", "2.19.1", false, false, 18),
            ("toml", "0.10.0", false, true, 29),
        ]
    );
}

#[test]
fn poetry_1_1() {
    empty(Format::PoetryLock, "poetry/v1.1-empty.lock");
    one(
        Format::PoetryLock,
        "poetry/v1.1-one-package.lock",
        ("attrs", "22.1.0", 1),
    );
    // the second [[package]] has no name
    assert_eq!(
        error_at(Format::PoetryLock, "poetry/v1.1-malformed.lock"),
        (Some(7), None)
    );
    let p = ok(Format::PoetryLock, "poetry/v1.1-many.lock");
    assert_eq!(
        packages(&p),
        [
            ("attrs", "22.1.0", false, false, 1),
            ("CacheControl", "0.12.11", false, false, 9),
            ("lockfile", "0.12.2", false, true, 24),
            ("pytest", "7.1.3", true, false, 32),
        ]
    );
    // git source → unpinned; the directory source (my-lib) is skipped
    assert_eq!(
        unpinned(&p),
        [(
            "poetry-core",
            "poetry-core @ git+https://github.invalid/python-poetry/poetry-core.git@0123456789abcdef0123456789abcdef01234567",
            40
        )]
    );
}

#[test]
fn poetry_2_0() {
    empty(Format::PoetryLock, "poetry/v2.0-empty.lock");
    one(
        Format::PoetryLock,
        "poetry/v2.0-one-package.lock",
        ("build", "1.2.1", 3),
    );
    // an array left open: the error is where the next table starts
    assert_eq!(
        error_at(Format::PoetryLock, "poetry/v2.0-malformed.lock"),
        (Some(10), Some(1))
    );
    let p = ok(Format::PoetryLock, "poetry/v2.0-many.lock");
    // 2.0 has neither category nor groups: nothing is dev
    assert_eq!(
        packages(&p),
        [
            ("build", "1.2.1", false, false, 3),
            ("packaging", "24.0", false, false, 16),
            ("tomli", "2.0.1", false, true, 26),
        ]
    );
    assert_eq!(
        unpinned(&p),
        [(
            "vendored",
            "vendored @ https://files.invalid/vendored-1.0.0.tar.gz",
            36
        )]
    );
}

#[test]
fn poetry_2_1() {
    empty(Format::PoetryLock, "poetry/v2.1-empty.lock");
    one(
        Format::PoetryLock,
        "poetry/v2.1-one-package.lock",
        ("anyio", "4.13.0", 3),
    );
    // [package] after [[package]]
    assert_eq!(
        error_at(Format::PoetryLock, "poetry/v2.1-malformed.lock"),
        (Some(8), Some(2))
    );
    let p = ok(Format::PoetryLock, "poetry/v2.1-many.lock");
    assert_eq!(
        packages(&p),
        [
            ("anyio", "4.13.0", false, false, 3),
            ("colorama", "0.4.6", false, false, 17),
            ("exceptiongroup", "1.2.2", false, false, 27),
            // groups = ["github-actions", "test"]: no main
            ("pluggy", "1.6.0", true, false, 37),
            ("xattr", "1.1.0", false, true, 46),
        ]
    );
}

#[test]
fn pipfile() {
    empty(Format::PipfileLock, "pipfile/empty.lock");
    one(
        Format::PipfileLock,
        "pipfile/one-package.lock",
        ("requests", "2.31.0", 6),
    );
    assert_eq!(
        error_at(Format::PipfileLock, "pipfile/malformed.lock"),
        (Some(8), Some(9))
    );
    let p = ok(Format::PipfileLock, "pipfile/many.lock");
    assert_eq!(
        packages(&p),
        [
            ("certifi", "2023.7.22", false, false, 6),
            // in default and develop at the same version: one package, not dev
            ("packaging", "23.2", false, false, 17),
            ("pytest", "7.4.3", true, false, 29),
            ("tomli", "2.0.1", true, false, 32),
            ("pygments", "2.16.1", true, false, 36),
        ]
    );
    assert_eq!(
        unpinned(&p),
        [
            ("maya", "-e .", 13),
            (
                "private-lib",
                "git+https://git.invalid/me/private-lib.git@0123456789abcdef0123456789abcdef01234567",
                20
            ),
        ]
    );
}

#[test]
fn uv() {
    empty(Format::UvLock, "uv/empty.lock");
    one(Format::UvLock, "uv/one-package.lock", ("idna", "3.10", 5));
    // an inline table left open
    assert_eq!(
        error_at(Format::UvLock, "uv/malformed.lock"),
        (Some(9), Some(1))
    );
    let p = ok(Format::UvLock, "uv/many.lock");
    assert_eq!(
        packages(&p),
        [
            ("anyio", "4.6.2", false, false, 5),
            // only a dependency of the dev group's pytest
            ("colorama", "0.4.6", true, false, 14),
            ("idna", "3.10", false, false, 19),
            // versioned dependencies (markers fork the resolution)
            ("numpy", "2.0.2", false, false, 48),
            ("numpy", "2.1.3", false, false, 53),
            ("pytest", "8.3.3", true, false, 58),
            // in the dev group and a dependency of anyio: not dev
            ("sniffio", "1.3.1", false, false, 72),
            // only the project's `speed` extra asks for it
            ("uvloop", "0.21.0", false, true, 77),
        ]
    );
    // the editable project is skipped; the git source is unpinned
    assert_eq!(
        unpinned(&p),
        [(
            "private-helper",
            "private-helper @ git+https://git.invalid/me/private-helper?rev=main#0123456789abcdef0123456789abcdef01234567",
            67
        )]
    );
}

#[test]
fn pdm() {
    empty(Format::PdmLock, "pdm/empty.lock");
    one(
        Format::PdmLock,
        "pdm/one-package.lock",
        ("certifi", "2024.8.30", 13),
    );
    // version = 2024.8.30 unquoted
    assert_eq!(
        error_at(Format::PdmLock, "pdm/malformed.lock"),
        (Some(9), Some(17))
    );
    let p = ok(Format::PdmLock, "pdm/many.lock");
    assert_eq!(
        packages(&p),
        [
            ("certifi", "2024.8.30", false, false, 13),
            ("iniconfig", "2.0.0", true, false, 23),
            ("packaging", "24.1", false, false, 31),
            // requests (default) and requests[socks] (group socks): one package, not dev
            ("requests", "2.32.3", false, false, 39),
        ]
    );
    // the editable path package is skipped; the git one is unpinned
    assert_eq!(
        unpinned(&p),
        [(
            "private-lib",
            "private-lib @ git+https://git.invalid/me/private-lib.git@0123456789abcdef0123456789abcdef01234567",
            63
        )]
    );
}

#[test]
fn requirements() {
    empty(Format::Requirements, "requirements/empty.txt");
    empty(Format::Requirements, "requirements/comments-only.txt");
    one(
        Format::Requirements,
        "requirements/one-package.txt",
        ("Django", "4.2.7", 1),
    );
    assert_eq!(
        error_at(Format::Requirements, "requirements/malformed.txt"),
        (Some(4), None)
    );
    let p = ok(Format::Requirements, "requirements/many.txt");
    assert_eq!(
        packages(&p),
        [
            // three physical lines of hashes: the line where the requirement starts; listed twice
            ("certifi", "2023.7.22", false, false, 13),
            // extras, spaces around ==, markers and a trailing comment
            ("Requests", "2.31.0", false, false, 17),
            ("typing_extensions", "4.8.0+local", false, false, 18),
            ("colorama", "0.4.6", false, false, 19),
        ]
    );
    assert_eq!(
        unpinned(&p),
        [
            (
                "private-lib",
                "-e git+https://git.invalid/me/private-lib.git@v1.0#egg=private-lib",
                11
            ),
            ("flask", "flask>=2.0,<3", 20),
            ("numpy", "numpy", 21),
            ("urllib3", "urllib3==2.*", 22),
            (
                "pkg-from-url",
                "pkg-from-url @ https://files.invalid/pkg-from-url-1.0.tar.gz",
                23
            ),
            ("localpkg", "./vendor/localpkg-1.2.3-py3-none-any.whl", 24),
        ]
    );
    assert_eq!(
        p.includes,
        ["base.txt", "extra/more.txt", "constraints.txt"]
    );
}
