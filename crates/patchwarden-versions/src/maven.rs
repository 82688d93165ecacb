//! Maven versions, as `org.apache.maven.artifact.versioning.ComparableVersion` orders them.
//!
//! Spec: <https://maven.apache.org/ref/3.9.6/maven-artifact/apidocs/org/apache/maven/artifact/versioning/ComparableVersion.html>
//! and the POM reference's "Version Order Specification" (<https://maven.apache.org/pom.html#Version_Order_Specification>).
//! The string is lowercased and split into items at `.`, at `-` (which opens a sub-list) and at every
//! digit/letter transition (which also opens a sub-list); a trailing `.qualifier` is read as `-qualifier`;
//! an empty item is `0`; `a1`/`b1`/`m1` mean `alpha-1`/`beta-1`/`milestone-1`; `ga`/`final`/`release` mean
//! the empty qualifier and `cr` means `rc`. Each list is normalised by dropping trailing "null" items
//! (`0`, empty qualifier, empty list), also those just before a sub-list (`1.0-alpha == 1-alpha`).
//! Items compare as: number > list > qualifier; numbers numerically (any size); qualifiers
//! `alpha < beta < milestone < rc < snapshot < "" < sp < other qualifiers (lexically)`; lists item by item,
//! a missing item comparing as "null" (number 0, empty qualifier, empty list — MNG-6964: a list against null
//! is decided by its first non-null item).
//!
//! Every version accepts any string. The differential test runs against maven-artifact 3.8.7 (Debian's
//! `maven` package), whose ComparableVersion has the same rules as 3.9.6.
//!
//! Deviations — Maven's own order is not transitive in some corner cases (`1-alpha < 1 < 1.foo.2` but
//! `1.foo.2 < 1-alpha`, because a qualifier that is not last in its list sorts below a sub-list). A Rust
//! `Ord` must be a total order (sorting may panic otherwise), so this implementation decides such pairs
//! consistently by how each side compares with the shared prefix padded with nulls (giving
//! `1-alpha < 1 < 1.foo.2` and `1-alpha < 1.foo.2`); it agrees with Maven on every pair where Maven is
//! consistent. Only ASCII digits are digits (Java also treats other Unicode decimal digits as digits), and
//! unknown qualifiers compare by Unicode code point (Java compares UTF-16 units; they differ only between
//! characters above U+FFFF and U+E000–U+FFFF).

use crate::key::{push_escaped, push_num};

#[derive(Debug)]
enum Leaf<'a> {
    /// Digits without leading zeros ("" is zero).
    Int(&'a str),
    Str(&'a str),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE: usize = 5;

fn qualifier(value: &str, followed_by_digit: bool) -> &str {
    let value = if followed_by_digit && value.len() == 1 {
        match value {
            "a" => "alpha",
            "b" => "beta",
            "m" => "milestone",
            other => other,
        }
    } else {
        value
    };
    match value {
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    }
}

fn parse_item(is_digit: bool, buf: &str) -> Leaf<'_> {
    if is_digit {
        Leaf::Int(buf.trim_start_matches('0'))
    } else {
        Leaf::Str(qualifier(buf, false))
    }
}

impl Leaf<'_> {
    /// `compareTo(null)`.
    fn null_sign(&self) -> i8 {
        match self {
            Leaf::Int(d) => i8::from(!d.is_empty()),
            Leaf::Str(s) => match QUALIFIERS.iter().position(|q| q == s) {
                Some(i) => (i as i8 - RELEASE as i8).signum(),
                None => 1,
            },
        }
    }
}

/// Splits into the chain of nested lists: `levels[k + 1]` is the last item of `levels[k]`.
fn split(lower: &str) -> Vec<Vec<Leaf<'_>>> {
    let mut levels: Vec<Vec<Leaf>> = vec![Vec::new()];
    let mut is_digit = false;
    let mut start = 0;
    macro_rules! cur {
        () => {
            levels.last_mut().expect("levels is never empty")
        };
    }
    for (i, c) in lower.char_indices() {
        if c == '.' || c == '-' {
            let item = if i == start {
                Leaf::Int("")
            } else {
                parse_item(is_digit, &lower[start..i])
            };
            cur!().push(item);
            start = i + 1;
            if c == '-' {
                levels.push(Vec::new());
            }
        } else if c.is_ascii_digit() {
            if !is_digit && i > start {
                if !cur!().is_empty() {
                    levels.push(Vec::new());
                }
                cur!().push(Leaf::Str(qualifier(&lower[start..i], true)));
                start = i;
                levels.push(Vec::new());
            }
            is_digit = true;
        } else {
            if is_digit && i > start {
                cur!().push(parse_item(true, &lower[start..i]));
                start = i;
                levels.push(Vec::new());
            }
            is_digit = false;
        }
    }
    if lower.len() > start {
        if !is_digit && !cur!().is_empty() {
            levels.push(Vec::new());
        }
        cur!().push(parse_item(is_digit, &lower[start..]));
    }
    // normalize(), deepest list first.
    let mut depth = levels.len();
    for k in (0..levels.len()).rev() {
        let level = &mut levels[k];
        while level
            .last()
            .is_some_and(|l| l.null_sign() == 0 && is_null(l))
        {
            level.pop();
        }
        let has_child = k + 1 < depth;
        if k > 0 && level.is_empty() && !has_child {
            depth = k;
        }
    }
    levels.truncate(depth);
    levels
}

fn is_null(leaf: &Leaf<'_>) -> bool {
    match leaf {
        Leaf::Int(d) => d.is_empty(),
        Leaf::Str(s) => s.is_empty(),
    }
}

fn emit(levels: &[Vec<Leaf<'_>>], out: &mut Vec<u8>) {
    // list_sign[k]: compareTo(null) of the list at level k.
    let mut list_sign = vec![0i8; levels.len() + 1];
    for k in (0..levels.len()).rev() {
        list_sign[k] = levels[k]
            .iter()
            .map(Leaf::null_sign)
            .find(|&s| s != 0)
            .unwrap_or(list_sign[k + 1]);
    }
    emit_level(levels, 0, &list_sign, out);
}

fn sign_byte(s: i8) -> u8 {
    (2 + s) as u8
}

fn emit_level(levels: &[Vec<Leaf<'_>>], k: usize, list_sign: &[i8], out: &mut Vec<u8>) {
    let items = &levels[k];
    let child = k + 1 < levels.len();
    // Suffix signs: compareTo(null) of the first non-null item from here on.
    let mut suffix = if child { list_sign[k + 1] } else { 0 };
    let mut signs = vec![0i8; items.len()];
    for (i, leaf) in items.iter().enumerate().rev() {
        let s = leaf.null_sign();
        if s != 0 {
            suffix = s;
        }
        signs[i] = suffix;
    }
    for (leaf, s) in items.iter().zip(signs) {
        out.push(sign_byte(s));
        match leaf {
            Leaf::Str(q) => {
                out.push(1);
                match QUALIFIERS.iter().position(|x| x == q) {
                    Some(i) => out.push(i as u8),
                    None => {
                        out.push(7);
                        push_escaped(out, q.as_bytes());
                    }
                }
            }
            Leaf::Int(d) => {
                out.push(3);
                push_num(out, d.as_bytes());
            }
        }
    }
    if child {
        out.push(sign_byte(list_sign[k + 1]));
        out.push(2);
        emit_level(levels, k + 1, list_sign, out);
    }
    out.push(sign_byte(0));
}

/// `toLowerCase(Locale.ENGLISH)`, borrowing when there is nothing to lower.
fn lowercase(input: &str) -> std::borrow::Cow<'_, str> {
    if input
        .bytes()
        .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
    {
        std::borrow::Cow::Owned(input.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(input)
    }
}

pub(crate) fn parse(input: &str, out: &mut Vec<u8>) -> Result<(), &'static str> {
    let lower = lowercase(input);
    let levels = split(&lower);
    emit(&levels, out);
    Ok(())
}

/// The canonical item structure, as `ComparableVersion` prints its tokens (for tests).
#[cfg(test)]
fn tokens(input: &str) -> String {
    fn level(levels: &[Vec<Leaf<'_>>], k: usize) -> String {
        let mut parts: Vec<String> = levels[k]
            .iter()
            .map(|l| match l {
                Leaf::Int("") => "0".to_owned(),
                Leaf::Int(d) | Leaf::Str(d) => (*d).to_owned(),
            })
            .collect();
        if k + 1 < levels.len() {
            parts.push(level(levels, k + 1));
        }
        format!("[{}]", parts.join(", "))
    }
    level(&split(&lowercase(input)), 0)
}

#[cfg(test)]
mod tests {
    use super::tokens;
    use crate::Scheme;

    fn v(s: &str) -> crate::Version {
        Scheme::Maven.parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    fn check_ordered(list: &[&str]) {
        for (i, a) in list.iter().enumerate() {
            for (j, b) in list.iter().enumerate() {
                assert_eq!(v(a).cmp(&v(b)), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    // ComparableVersionTest (maven-artifact): VERSIONS_QUALIFIER and VERSIONS_NUMBER.
    #[test]
    fn versions_qualifier() {
        check_ordered(&[
            "1-alpha2snapshot",
            "1-alpha2",
            "1-alpha-123",
            "1-beta-2",
            "1-beta123",
            "1-m2",
            "1-m11",
            "1-rc",
            "1-cr2",
            "1-rc123",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-sp2",
            "1-sp123",
            "1-abc",
            "1-def",
            "1-pom-1",
            "1-1-snapshot",
            "1-1",
            "1-2",
            "1-123",
        ]);
    }

    #[test]
    fn versions_number() {
        check_ordered(&[
            "2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1",
            "2.1.0.1", "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11",
            "11", "11.a", "11b", "11c", "11m",
        ]);
    }

    #[test]
    fn equalities() {
        let classes: &[&[&str]] = &[
            &[
                "1",
                "1.0",
                "1.0.0",
                "1-0",
                "1-0-0",
                "1.0-0",
                "1-ga",
                "1-GA",
                "1-final",
                "1-release",
                "1.0.0-ga",
            ],
            &[
                "1a1",
                "1-a1",
                "1-alpha-1",
                "1.alpha1",
                "1alpha1",
                "1-ALPHA-1",
            ],
            &["1cr", "1rc", "1-CR", "1.RC"],
            &["1.0-alpha", "1-alpha"],
        ];
        for class in classes {
            for a in *class {
                for b in *class {
                    assert_eq!(v(a), v(b), "{a} == {b}");
                }
            }
        }
        assert!(v("1-0.1") > v("1"), "MNG-6964");
        assert!(v("1.0.0.1") > v("1"));
        assert!(v("1.0.0-beta") < v("1"));
    }

    #[test]
    fn tokens_match_comparable_version() {
        for (input, want) in [
            ("1.sp", "[1, [sp]]"),
            ("1.0.alpha", "[1, [alpha]]"),
            ("1.0-x1", "[1, [x, [1]]]"),
            ("1.ga.1", "[1, , 1]"),
            ("1-0.1", "[1, [0, 1]]"),
            ("1.foo.2", "[1, foo, 2]"),
            ("1.0.0", "[1]"),
            ("", "[]"),
            ("-", "[]"),
            ("1.0a", "[1, [a]]"),
        ] {
            assert_eq!(tokens(input), want, "{input}");
        }
    }

    #[test]
    fn non_transitive_corner_is_total_here() {
        // Maven: 1-alpha < 1 < 1.foo.2, but 1.foo.2 < 1-alpha. We keep the first two and make it total.
        assert!(v("1-alpha") < v("1"));
        assert!(v("1") < v("1.foo.2"));
        assert!(v("1-alpha") < v("1.foo.2"));
    }

    #[test]
    fn anything_parses() {
        for s in [
            "",
            "...",
            "---",
            "a.b.c",
            "\0",
            "ü-ß",
            "1.2.3-🦀",
            &"9".repeat(500),
        ] {
            assert!(Scheme::Maven.parse(s).is_ok());
        }
        assert!(v(&"9".repeat(50)) < v(&format!("1{}", "0".repeat(50))));
    }
}
