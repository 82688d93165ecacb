//! Semantic Versioning 2.0.0 (npm, crates.io).
//!
//! Spec: <https://semver.org/spec/v2.0.0.html>, precedence per §11: major, minor, patch numerically; a
//! pre-release version has lower precedence than the release; pre-release identifiers compare left to
//! right, numeric ones numerically, alphanumeric ones in ASCII order, numeric < alphanumeric, and a larger
//! set of identifiers wins when all preceding ones are equal. Build metadata is ignored (§10).
//!
//! Syntax is that of npm's `semver` package with its default (non-loose) options, the reference of the
//! differential test (`semver@7`): surrounding whitespace is trimmed, one optional leading `v` is allowed
//! (`=` and `V` are not: those need npm's loose mode), numbers have no leading zeros.
//!
//! Deviations from npm `semver`, both on inputs npm rejects or mis-orders: numbers beyond
//! `Number.MAX_SAFE_INTEGER` are accepted and compared exactly (npm rejects such a major/minor/patch and
//! compares such pre-release identifiers as lossy floats), and versions longer than 256 characters are
//! accepted (npm rejects them).

use crate::key::{digit_run, push_num, push_plain};

/// JavaScript's `String.prototype.trim` whitespace.
pub(crate) fn js_isspace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\x0B' | '\x0C' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

pub(crate) fn parse(input: &str, out: &mut Vec<u8>) -> Result<(), &'static str> {
    let s = input.trim_matches(js_isspace).as_bytes();
    let s = s.strip_prefix(b"v").unwrap_or(s);
    let mut at = 0;
    for i in 0..3 {
        if i > 0 {
            if s.get(at) != Some(&b'.') {
                return Err("expected major.minor.patch");
            }
            at += 1;
        }
        let n = digit_run(&s[at..]);
        if n == 0 {
            return Err("expected major.minor.patch");
        }
        if n > 1 && s[at] == b'0' {
            return Err("leading zero in a version number");
        }
        push_num(out, &s[at..at + n]);
        at += n;
    }
    let rest = &s[at..];
    let (pre, build) = split_pre_build(rest)?;
    push_prerelease(out, pre)?;
    check_build(build)?;
    Ok(())
}

/// The pre-release and build parts, without their `-` and `+`.
pub(crate) type PreBuild<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

/// Splits `-pre+build` (both optional) after the core version.
pub(crate) fn split_pre_build(rest: &[u8]) -> Result<PreBuild<'_>, &'static str> {
    let (before_build, build) = match rest.iter().position(|&b| b == b'+') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let pre = match before_build.split_first() {
        None => None,
        Some((b'-', pre)) => Some(pre),
        Some(_) => return Err("unexpected characters after the version"),
    };
    Ok((pre, build))
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// Validates and encodes the pre-release identifiers (or the release marker when there are none).
pub(crate) fn push_prerelease(out: &mut Vec<u8>, pre: Option<&[u8]>) -> Result<(), &'static str> {
    let Some(pre) = pre else {
        out.push(2);
        return Ok(());
    };
    out.push(1);
    for id in pre.split(|&b| b == b'.') {
        if id.is_empty() {
            return Err("empty pre-release identifier");
        }
        if !id.iter().all(|&b| is_ident_char(b)) {
            return Err("invalid character in pre-release identifier");
        }
        if id.iter().all(u8::is_ascii_digit) {
            if id.len() > 1 && id[0] == b'0' {
                return Err("leading zero in a numeric pre-release identifier");
            }
            out.push(1);
            push_num(out, id);
        } else {
            out.push(2);
            push_plain(out, id);
        }
    }
    out.push(0);
    Ok(())
}

pub(crate) fn check_build(build: Option<&[u8]>) -> Result<(), &'static str> {
    if let Some(build) = build {
        for id in build.split(|&b| b == b'.') {
            if id.is_empty() || !id.iter().all(|&b| is_ident_char(b)) {
                return Err("invalid build metadata");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::Scheme;

    fn v(s: &str) -> crate::Version {
        Scheme::SemVer.parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    /// semver.org §11 examples, in order.
    const ORDERED: &[&str] = &[
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "2.0.0",
        "2.1.0",
        "2.1.1",
        "10.0.0",
    ];

    #[test]
    fn spec_examples() {
        for (i, a) in ORDERED.iter().enumerate() {
            for (j, b) in ORDERED.iter().enumerate() {
                assert_eq!(v(a).cmp(&v(b)), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn equalities() {
        for (a, b) in [
            ("1.0.0", "1.0.0+build"),
            ("1.0.0-alpha+001", "1.0.0-alpha+exp.sha.5114f85"),
            ("v1.2.3", "1.2.3"),
            (" 1.2.3\n", "1.2.3"),
        ] {
            assert_eq!(v(a), v(b), "{a} == {b}");
        }
        assert!(v("1.0.0-1") < v("1.0.0-a"));
        assert!(v("1.0.0-2") < v("1.0.0-10"));
        assert!(v("1.0.0-a-2") > v("1.0.0-a-10"));
        assert!(v("1.0.0-0A") > v("1.0.0-999"));
    }

    #[test]
    fn invalid() {
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.02.3",
            "1.2.03",
            "1.2.3-",
            "1.2.3-01",
            "1.2.3-a..b",
            "1.2.3+",
            "1.2.3+a..b",
            "1.2.3-a_b",
            "=1.2.3",
            "V1.2.3",
            "vv1.2.3",
            "1.2.3 -a",
            "a.b.c",
            "1.2.3-+a",
            "-1.2.3",
            "1.2.3-ü",
        ] {
            assert!(
                Scheme::SemVer.parse(bad).is_err(),
                "{bad:?} should be invalid"
            );
        }
    }

    #[test]
    fn huge_numbers() {
        let big = "9".repeat(30);
        assert!(v(&format!("{big}.0.0")) < v(&format!("1{big}.0.0")));
        assert!(v(&format!("1.0.0-{big}")) < v(&format!("1.0.0-1{big}")));
        assert!(v(&format!("1.0.0-1{big}")) < v("1.0.0-a"));
    }
}
