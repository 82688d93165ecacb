//! No JavaScript/Python parser panics on damaged input: the first 16 KiB of every real lockfile,
//! truncated at many points and mutated (bytes replaced by syntax characters, lines dropped,
//! doubled or re-indented), is fed to every one of those parsers. Deterministic (a fixed xorshift).

use std::panic::{AssertUnwindSafe, catch_unwind};

use patchwarden_lockfiles::{Format, ParseContext, parse};

const FORMATS: [Format; 9] = [
    Format::NpmLock,
    Format::YarnLock,
    Format::PnpmLock,
    Format::BunLock,
    Format::PoetryLock,
    Format::PipfileLock,
    Format::UvLock,
    Format::PdmLock,
    Format::Requirements,
];

const DIRS: [&str; 12] = [
    "npm-v1",
    "npm-v2",
    "npm-v3",
    "yarn-v1",
    "yarn-berry",
    "pnpm-v5",
    "pnpm-v6",
    "pnpm-v9",
    "poetry",
    "pipfile",
    "requirements",
    "uv",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn real_files() -> Vec<std::path::PathBuf> {
    let data = patchwarden_testkit::shared_data();
    let mut dirs: Vec<_> = DIRS
        .iter()
        .map(|d| data.join("lockfiles").join(d))
        .collect();
    for e in std::fs::read_dir(data.join("lockfiles-extra")).expect("lockfiles-extra") {
        let p = e.expect("entry").path();
        if p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("py-"))
        {
            dirs.push(p);
        }
    }
    let mut files = Vec::new();
    let mut stack = dirs;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir") {
            let p = e.expect("entry").path();
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            if p.is_dir() {
                stack.push(p);
            } else if !["package.json", "pyproject.toml", "Pipfile"].contains(&name.as_str())
                && !name.ends_with(".in")
            {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 37, "{} files", files.len());
    files
}

fn variants(text: &str, rng: &mut Rng) -> Vec<String> {
    const SYNTAX: &[u8] = b"\"'{}[]():,\n\\#@=-|>&*!% \t/_~0\r";
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for i in 0..12 {
        let cut = if i == 0 { 1 } else { rng.below(bytes.len()) };
        out.push(String::from_utf8_lossy(&bytes[..cut]).into_owned());
    }
    for _ in 0..10 {
        let mut b = bytes.to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(b.len());
            b[at] = SYNTAX[rng.below(SYNTAX.len())];
        }
        out.push(String::from_utf8_lossy(&b).into_owned());
    }
    let lines: Vec<&str> = text.split('\n').collect();
    for k in 0..6 {
        let at = rng.below(lines.len());
        let mut l = lines.clone();
        let indented;
        match k % 3 {
            0 => {
                l.remove(at);
            }
            1 => l.insert(at, lines[at]),
            _ => {
                indented = format!("   {}", lines[at]);
                l[at] = &indented;
            }
        }
        out.push(l.join("\n"));
    }
    out
}

#[test]
fn damaged_real_files_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let ctx = ParseContext::default();
    for path in real_files() {
        let text = std::fs::read_to_string(&path).expect("read");
        let mut end = text.len().min(16 * 1024);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        for (i, v) in variants(&text[..end], &mut rng).iter().enumerate() {
            // YAML also breaks lines at a lone `\r`
            let breaks =
                v.matches('\n').count() + v.matches('\r').count() - v.matches("\r\n").count();
            let lines = u32::try_from(breaks + 1).expect("lines");
            for format in FORMATS {
                let result = catch_unwind(AssertUnwindSafe(|| parse(format, v, &ctx)));
                let Ok(result) = result else {
                    panic!("{format:?} panicked on variant {i} of {}", path.display());
                };
                match result {
                    Ok(p) => {
                        for pkg in &p.packages {
                            assert!(pkg.line.is_some_and(|l| (1..=lines).contains(&l)));
                        }
                        assert!(p.unpinned.iter().all(|u| (1..=lines).contains(&u.line)));
                    }
                    Err(e) => {
                        assert_eq!(e.format, format);
                        assert!(e.line.is_none_or(|l| (1..=lines + 1).contains(&l)), "{e}");
                    }
                }
            }
        }
    }
}

/// Inputs built to make a careless parser quadratic (or recurse without bound) finish quickly.
#[test]
fn crafted_inputs_stay_cheap() {
    let ctx = ParseContext::default();
    let start = std::time::Instant::now();

    // 20 000 uv packages of one name, each depending on that name: edges go through one stand-in.
    let mut uv = String::from("version = 1\n");
    for i in 0..20_000 {
        uv.push_str(&format!(
            "[[package]]\nname = \"a\"\nversion = \"{i}\"\nsource = {{ registry = \"r\" }}\ndependencies = [{{ name = \"a\" }}]\n"
        ));
    }
    uv.push_str("[[package]]\nname = \"p\"\nsource = { editable = \".\" }\ndependencies = [{ name = \"a\" }]\n");
    let p = parse(Format::UvLock, &uv, &ctx).expect("uv");
    assert_eq!(p.packages.len(), 20_000);
    assert!(p.packages.iter().all(|p| !p.dev && !p.optional));

    // a bun key 100 000 levels deep with a dependency to resolve
    let deep = "a/".repeat(100_000) + "a";
    let bun = format!(
        "{{\"packages\": {{\"{deep}\": [\"a@1.0.0\", \"\", {{\"dependencies\": {{\"b\": \"1\"}}}}], \"b\": [\"b@1.0.0\"]}}}}"
    );
    assert_eq!(
        parse(Format::BunLock, &bun, &ctx)
            .expect("bun")
            .packages
            .len(),
        2
    );

    // nesting far beyond the limits: an error, not a stack overflow
    for (format, text) in [
        (Format::NpmLock, "[".repeat(100_000)),
        (Format::PipfileLock, "{\"a\":".repeat(100_000)),
        (Format::BunLock, "[".repeat(100_000)),
        (Format::PnpmLock, "[".repeat(100_000)),
        (Format::PnpmLock, "- ".repeat(10_000)),
        (Format::PoetryLock, "a = ".to_owned() + &"[".repeat(100_000)),
        (Format::UvLock, "a = ".to_owned() + &"{b = ".repeat(100_000)),
    ] {
        assert!(parse(format, &text, &ctx).is_err(), "{format:?}");
    }

    // one long requirements line, and many continuation lines
    let long = "a==1".to_owned() + &" --hash=sha256:0".repeat(200_000);
    assert_eq!(
        parse(Format::Requirements, &long, &ctx)
            .expect("req")
            .packages
            .len(),
        1
    );
    let cont = "a==1 \\\n".to_owned() + &"    --hash=sha256:0 \\\n".repeat(100_000) + "\n";
    assert_eq!(
        parse(Format::Requirements, &cont, &ctx)
            .expect("cont")
            .packages
            .len(),
        1
    );

    assert!(
        start.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
}
