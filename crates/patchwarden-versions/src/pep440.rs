//! PEP 440 — Version Identification and Dependency Specification (PyPI).
//!
//! Spec: <https://peps.python.org/pep-0440/>. Implements exactly what `packaging.version.Version`
//! (packaging 26.4, the reference of the differential test) accepts and how it orders:
//!
//! ```text
//! \s* v? (?a: (N!)? N(.N)* ([._-]?(alpha|a|beta|b|preview|pre|c|rc)[._-]?N?)?
//!             (-N | [._-]?(post|rev|r)[._-]?N?)? ([._-]?dev[._-]?N?)? ) (\+[a-z0-9]+([._-][a-z0-9]+)*)? \s*
//! ```
//! (case-insensitive). Ordering key as packaging's `_cmpkey`: epoch; release with trailing zeros
//! stripped (`1.0 == 1.0.0`); pre-release (`a < b < rc`; a dev-only release sorts before every
//! pre-release of the same release); post (absent < any); dev (present < absent); local (absent < any,
//! segment-wise, alphanumeric segments < numeric ones, numeric by value, alphanumeric case-insensitive).
//! Alternate spellings normalise as PEP 440 says: `alpha`→`a`, `beta`→`b`, `c`/`pre`/`preview`→`rc`,
//! `rev`/`r`→`post`, `1.0-1` is `1.0.post1`, a missing number is 0.
//!
//! Deviations: numbers of more than 4300 digits are accepted and ordered exactly (CPython's `int()` raises
//! `ValueError` for them, which packaging lets escape).

use std::borrow::Cow;

use crate::key::{digit_run, push_num};

/// Python's `str.isspace()`, which is what `\s` matches in a `str` pattern.
fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }
    fn rest(&self) -> &'a [u8] {
        &self.s[self.at..]
    }
    fn sep(&mut self) {
        if matches!(self.peek(), Some(b'.' | b'_' | b'-')) {
            self.at += 1;
        }
    }
    fn digits(&mut self) -> Option<&'a [u8]> {
        let n = digit_run(self.rest());
        if n == 0 {
            return None;
        }
        let d = &self.s[self.at..self.at + n];
        self.at += n;
        Some(d)
    }
    /// Consumes the first of `words` (ASCII case-insensitive) that the input starts with.
    fn word(&mut self, words: &[&str]) -> Option<usize> {
        for (i, w) in words.iter().enumerate() {
            let w = w.as_bytes();
            if self.rest().len() >= w.len() && self.rest()[..w.len()].eq_ignore_ascii_case(w) {
                self.at += w.len();
                return Some(i);
            }
        }
        None
    }
}

/// Tries an optional component: on failure the cursor is restored.
fn attempt<'a, T>(c: &mut Cursor<'a>, f: impl FnOnce(&mut Cursor<'a>) -> Option<T>) -> Option<T> {
    let save = c.at;
    let r = f(c);
    if r.is_none() {
        c.at = save;
    }
    r
}

const PRE_WORDS: [&str; 8] = ["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"];
/// a=1, b=2, rc=3 for each entry of `PRE_WORDS`.
const PRE_RANK: [u8; 8] = [1, 1, 2, 2, 3, 3, 3, 3];

pub(crate) fn parse(input: &str, out: &mut Vec<u8>) -> Result<(), &'static str> {
    let trimmed = input.trim_matches(py_isspace);
    let mut c = Cursor {
        s: trimmed.as_bytes(),
        at: 0,
    };
    if matches!(c.peek(), Some(b'v' | b'V')) {
        c.at += 1;
    }
    // Epoch: digits followed by '!'.
    let epoch: &[u8] = {
        let n = digit_run(c.rest());
        if n > 0 && c.s.get(c.at + n) == Some(&b'!') {
            let e = &c.s[c.at..c.at + n];
            c.at += n + 1;
            e
        } else {
            b""
        }
    };
    // Release: N(.N)*
    let release_start = c.at;
    if c.digits().is_none() {
        return Err("expected a release number");
    }
    while c.peek() == Some(b'.') && c.s.get(c.at + 1).is_some_and(u8::is_ascii_digit) {
        c.at += 1;
        c.digits();
    }
    let release = &c.s[release_start..c.at];

    // Pre-release.
    let pre = attempt(&mut c, |c| {
        c.sep();
        let w = c.word(&PRE_WORDS)?;
        c.sep();
        Some((PRE_RANK[w], c.digits().unwrap_or(b"")))
    });
    // Post-release.
    let post = attempt(&mut c, |c| {
        if c.peek() == Some(b'-') {
            let save = c.at;
            c.at += 1;
            if let Some(n) = c.digits() {
                return Some(n);
            }
            c.at = save;
        }
        c.sep();
        c.word(&["post", "rev", "r"])?;
        c.sep();
        Some(c.digits().unwrap_or(b""))
    });
    // Dev release.
    let dev = attempt(&mut c, |c| {
        c.sep();
        c.word(&["dev"])?;
        c.sep();
        Some(c.digits().unwrap_or(b""))
    });
    // Local version.
    let local_start;
    let local = if c.peek() == Some(b'+') {
        c.at += 1;
        local_start = c.at;
        loop {
            let n = c
                .rest()
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            if n == 0 {
                return Err("empty local version segment");
            }
            c.at += n;
            if matches!(c.peek(), Some(b'.' | b'_' | b'-'))
                && c.s.get(c.at + 1).is_some_and(u8::is_ascii_alphanumeric)
            {
                c.at += 1;
            } else {
                break;
            }
        }
        Some(&c.s[local_start..c.at])
    } else {
        None
    };
    if c.at != c.s.len() {
        return Err("unexpected characters");
    }

    // Key.
    push_num(out, epoch);
    // Trailing zero parts are dropped: `release` up to the end of the last part with a non-zero digit.
    let significant = release
        .iter()
        .rposition(|&d| d != b'0' && d != b'.')
        .map_or(0, |i| {
            release[i..]
                .iter()
                .position(|&b| b == b'.')
                .map_or(release.len(), |j| i + j)
        });
    if significant > 0 {
        for p in release[..significant].split(|&b| b == b'.') {
            out.push(1);
            push_num(out, p);
        }
    }
    out.push(0);
    match pre {
        None if post.is_none() && dev.is_some() => out.push(0),
        None => out.push(4),
        Some((rank, n)) => {
            out.push(rank);
            push_num(out, n);
        }
    }
    match post {
        None => out.push(0),
        Some(n) => {
            out.push(1);
            push_num(out, n);
        }
    }
    match dev {
        Some(n) => {
            out.push(0);
            push_num(out, n);
        }
        None => out.push(1),
    }
    match local {
        None => out.push(0),
        Some(local) => {
            out.push(1);
            for seg in local.split(|&b| matches!(b, b'.' | b'_' | b'-')) {
                if seg.iter().all(u8::is_ascii_digit) {
                    out.push(2);
                    push_num(out, seg);
                } else {
                    out.push(1);
                    out.extend(seg.iter().map(u8::to_ascii_lowercase));
                    out.push(0);
                }
            }
            out.push(0);
        }
    }
    Ok(())
}

/// PEP 503: lowercase, and every run of `-`, `_`, `.` becomes one `-`.
pub(crate) fn normalize_name(name: &str) -> Cow<'_, str> {
    let bytes = name.as_bytes();
    let already = !bytes.iter().enumerate().any(|(i, &b)| {
        b.is_ascii_uppercase()
            || b == b'_'
            || b == b'.'
            || (b == b'-' && matches!(bytes.get(i + 1), Some(b'-' | b'_' | b'.')))
    }) && name
        .chars()
        .all(|c| c.is_ascii() || c.to_lowercase().eq(std::iter::once(c)));
    if already {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for ch in name.chars() {
        if matches!(ch, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            in_run = false;
            out.extend(ch.to_lowercase());
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use crate::Scheme;

    fn v(s: &str) -> crate::Version {
        Scheme::Pep440.parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The ordered example list from PEP 440 ("Summary of permitted suffixes and relative ordering"),
    /// extended with epochs and local versions.
    const ORDERED: &[&str] = &[
        "1.0.dev456",
        "1.0a1",
        "1.0a2.dev456",
        "1.0a12.dev456",
        "1.0a12",
        "1.0b1.dev456",
        "1.0b2",
        "1.0b2.post345.dev456",
        "1.0b2.post345",
        "1.0rc1.dev456",
        "1.0rc1",
        "1.0",
        "1.0+abc.5",
        "1.0+abc.7",
        "1.0+5",
        "1.0.post456.dev34",
        "1.0.post456",
        "1.0.15",
        "1.1.dev1",
        "1!0.1",
    ];

    #[test]
    fn pep440_ordered_examples() {
        for (i, a) in ORDERED.iter().enumerate() {
            for (j, b) in ORDERED.iter().enumerate() {
                assert_eq!(v(a).cmp(&v(b)), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn equalities() {
        let classes: &[&[&str]] = &[
            &["1.0", "1.0.0", "1", "v1.0", "V1.0.0.0", " 1.0\n", "0!1.0"],
            &[
                "1.0a1",
                "1.0alpha1",
                "1.0-a-1",
                "1.0.a.1",
                "1.0_alpha_1",
                "1.0A1",
            ],
            &["1.0b0", "1.0beta", "1.0-b", "1.0.beta0"],
            &["1.0rc1", "1.0c1", "1.0pre1", "1.0preview1", "1.0-RC-1"],
            &[
                "1.0.post1",
                "1.0-1",
                "1.0post1",
                "1.0-r1",
                "1.0rev1",
                "1.0_post_1",
            ],
            &["1.0.post0", "1.0.post", "1.0-post", "1.0r"],
            &["1.0.dev0", "1.0dev", "1.0-dev", "1.0.dev"],
            &["1.0+abc", "1.0+ABC"],
            &["1.0+1.2", "1.0+01.002", "1.0+1-2", "1.0+1_2"],
            &["1.0a0", "1.0a-", "1.0a."],
        ];
        for class in classes {
            for a in *class {
                for b in *class {
                    assert_eq!(v(a), v(b), "{a} == {b}");
                }
            }
        }
    }

    #[test]
    fn invalid() {
        for bad in [
            "",
            " ",
            "1.0.x",
            "1..0",
            ".1",
            "1.",
            "a",
            "1.0-",
            "1.0+",
            "1.0+a.",
            "1.0+a..b",
            "1!",
            "!1",
            "1.0a1b1",
            "1.0 a1",
            "1.0.devx",
            "1.0_",
            "vv1",
            "1.0+a b",
            "1.0.post.dev.post",
            "١.٠",
        ] {
            assert!(
                Scheme::Pep440.parse(bad).is_err(),
                "{bad:?} should be invalid"
            );
        }
    }

    #[test]
    fn huge_numbers() {
        let a = format!("1.{}", "9".repeat(40));
        let b = format!("1.1{}", "0".repeat(40));
        assert!(v(&a) < v(&b));
        assert_eq!(v(&format!("{}1", "0".repeat(50))), v("1"));
    }
}
