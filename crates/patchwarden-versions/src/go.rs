//! Go module versions (OSV ecosystem "Go").
//!
//! Spec: `golang.org/x/mod/semver` (<https://pkg.go.dev/golang.org/x/mod/semver>) and the Go modules
//! reference (<https://go.dev/ref/mod#versions>). Canonical semantic versions with a `v` prefix; the
//! prefix is optional here because OSV records Go versions without it. Shorthands `v1` and `v1.2` mean
//! `v1.0.0` and `v1.2.0` (not allowed with a pre-release or build suffix), as in `semver.Compare`.
//! Pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`, `v1.2.4-0.20191109021931-daa7c04131f5`) are
//! pre-releases and order by SemVer rules; `+incompatible` is build metadata and ignored. Numbers of any
//! size compare exactly, as in Go. No surrounding whitespace is accepted.

use crate::key::{digit_run, push_num};
use crate::semver::{check_build, push_prerelease, split_pre_build};

pub(crate) fn parse(input: &str, out: &mut Vec<u8>) -> Result<(), &'static str> {
    let s = input.as_bytes();
    let s = s.strip_prefix(b"v").unwrap_or(s);
    let mut at = 0;
    let mut parts = 0;
    while parts < 3 {
        if parts > 0 {
            if s.get(at) != Some(&b'.') {
                break;
            }
            at += 1;
        }
        let n = digit_run(&s[at..]);
        if n == 0 {
            return Err("expected a version number");
        }
        if n > 1 && s[at] == b'0' {
            return Err("leading zero in a version number");
        }
        push_num(out, &s[at..at + n]);
        at += n;
        parts += 1;
    }
    for _ in parts..3 {
        push_num(out, b"0");
    }
    let rest = &s[at..];
    if parts < 3 && !rest.is_empty() {
        return Err("a shorthand version (v1, v1.2) takes no suffix");
    }
    let (pre, build) = split_pre_build(rest)?;
    push_prerelease(out, pre)?;
    check_build(build)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::Scheme;

    fn v(s: &str) -> crate::Version {
        Scheme::Go.parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn ordering() {
        let ordered = [
            "v0.0.0-20170915032832-14c0d48ead0c",
            "v0.0.0-20191109021931-daa7c04131f5",
            "v0.0.1",
            "v1.0.0-alpha",
            "v1.0.0",
            "v1.2.3",
            "v1.2.4-0.20191109021931-daa7c04131f5",
            "v1.2.4",
            "v2.0.0+incompatible",
            "v2.1.0",
            "v10.0.0",
        ];
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                assert_eq!(v(a).cmp(&v(b)), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn equalities_and_invalid() {
        assert_eq!(v("v1"), v("1.0.0"));
        assert_eq!(v("v1.2"), v("v1.2.0"));
        assert_eq!(v("2.0.0+incompatible"), v("v2.0.0"));
        for bad in [
            "",
            "v",
            "v1.2-pre",
            "v1-pre",
            "v01.0.0",
            "v1.0.0-01",
            "1.0.0.0",
            " v1.0.0",
            "vv1",
            "v1.0.0+",
        ] {
            assert!(Scheme::Go.parse(bad).is_err(), "{bad:?} should be invalid");
        }
        let big = "1".repeat(40);
        assert!(v(&format!("v{big}.0.0")) > v("v9.0.0"));
    }
}
