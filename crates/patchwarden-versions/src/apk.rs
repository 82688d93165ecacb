//! Alpine package versions, as apk-tools orders them (`apk version -t`).
//!
//! Spec: apk-tools `src/version.c` (<https://gitlab.alpinelinux.org/alpine/apk-tools>), grammar
//! `digit{.digit}...{letter}{_suffix{#}}...{~hash}{-r#}`. Tokens compare pairwise while of the same kind:
//! numbers numerically, except that a non-initial number with a leading zero compares as a string (Gentoo
//! rule, so `1.01 < 1.1` and `1.010 > 1.01`); one lowercase letter; suffixes
//! `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p`, each with an optional number;
//! `~hash` (lowercase hex) by string; `-rN` numerically. When the kinds differ, a pre-release suffix makes
//! its version smaller, otherwise the version whose token kind comes earlier in the grammar is greater
//! (`1.0.1 > 1.0a > 1.0_p1 > 1.0 > 1.0_rc1`, `1.0-r1 > 1.0`). Invalid versions (per
//! `apk_version_validate`) are rejected.
//!
//! Deviations: numbers larger than `u64` compare exactly (apk-tools wraps them modulo 2^64).

use crate::key::{digit_run, push_num, push_plain};

// Token kind bytes, ordered so that at a position where two versions differ in kind, the byte order is the
// version order.
const T_SUFFIX_PRE: u8 = 1;
const T_END: u8 = 2;
const T_REVISION: u8 = 3;
const T_HASH: u8 = 4;
const T_SUFFIX_NO: u8 = 5;
const T_SUFFIX_POST: u8 = 6;
const T_LETTER: u8 = 7;
const T_DIGIT: u8 = 8;

#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Tok {
    Initial,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    Hash,
    Revision,
}

const SUFFIXES: [&[u8]; 9] = [
    b"alpha", b"beta", b"pre", b"rc", b"cvs", b"svn", b"git", b"hg", b"p",
];

pub(crate) fn parse(input: &str, out: &mut Vec<u8>) -> Result<(), &'static str> {
    let s = input.as_bytes();
    let n = digit_run(s);
    if n == 0 {
        return Err("must start with a digit");
    }
    push_num(out, &s[..n]);
    let mut at = n;
    let mut tok = Tok::Initial;
    while at < s.len() {
        match s[at] {
            b'a'..=b'z' => {
                if tok > Tok::Digit {
                    return Err("a letter must follow a number");
                }
                out.push(T_LETTER);
                out.push(s[at]);
                at += 1;
                tok = Tok::Letter;
            }
            b'.' | b'0'..=b'9' => {
                if s[at] == b'.' {
                    if tok > Tok::Digit {
                        return Err("unexpected '.'");
                    }
                    at += 1;
                }
                let n = digit_run(&s[at..]);
                if n == 0 {
                    return Err("expected digits");
                }
                let digits = &s[at..at + n];
                at += n;
                match tok {
                    Tok::Initial | Tok::Digit => {
                        out.push(T_DIGIT);
                        if digits[0] == b'0' {
                            // Leading zero: string comparison, below every number without one.
                            out.push(1);
                            push_plain(out, digits);
                        } else {
                            out.push(2);
                            push_num(out, digits);
                        }
                        tok = Tok::Digit;
                    }
                    Tok::Suffix => {
                        out.push(T_SUFFIX_NO);
                        push_num(out, digits);
                        tok = Tok::SuffixNo;
                    }
                    _ => return Err("unexpected digits"),
                }
            }
            b'_' => {
                if tok > Tok::SuffixNo {
                    return Err("unexpected suffix");
                }
                at += 1;
                let n = s[at..]
                    .iter()
                    .take_while(|b| b.is_ascii_lowercase())
                    .count();
                let word = &s[at..at + n];
                at += n;
                let idx = SUFFIXES
                    .iter()
                    .position(|w| *w == word)
                    .ok_or("unknown suffix")?;
                if idx < 4 {
                    out.push(T_SUFFIX_PRE);
                    out.push(idx as u8);
                } else {
                    out.push(T_SUFFIX_POST);
                    out.push(idx as u8);
                }
                tok = Tok::Suffix;
            }
            b'~' => {
                if tok >= Tok::Hash {
                    return Err("unexpected '~'");
                }
                at += 1;
                let n = s[at..]
                    .iter()
                    .take_while(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                    .count();
                if n == 0 {
                    return Err("empty commit hash");
                }
                out.push(T_HASH);
                push_plain(out, &s[at..at + n]);
                at += n;
                tok = Tok::Hash;
            }
            b'-' => {
                if tok >= Tok::Revision || s.get(at + 1) != Some(&b'r') {
                    return Err("expected -rN");
                }
                at += 2;
                let n = digit_run(&s[at..]);
                if n == 0 {
                    return Err("expected digits after -r");
                }
                out.push(T_REVISION);
                push_num(out, &s[at..at + n]);
                at += n;
                tok = Tok::Revision;
            }
            _ => return Err("invalid character"),
        }
    }
    out.push(T_END);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::Scheme;

    fn v(s: &str) -> crate::Version {
        Scheme::Apk.parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn ordering() {
        let ordered = [
            "0.9",
            "1.0_alpha",
            "1.0_alpha2",
            "1.0_beta",
            "1.0_pre1",
            "1.0_rc1",
            "1.0_rc1-r1",
            "1.0",
            "1.0-r0",
            "1.0-r1",
            "1.0-r10",
            "1.0~abc",
            "1.0_cvs",
            "1.0_svn",
            "1.0_git20200101",
            "1.0_hg",
            "1.0_p1",
            "1.0_p2",
            "1.0a",
            "1.0b",
            "1.0.0",
            "1.01",
            "1.010",
            "1.1",
            "1.2",
            "1.10",
            "2",
        ];
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                assert_eq!(v(a).cmp(&v(b)), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn equalities_and_invalid() {
        assert_eq!(v("01.0"), v("1.0"));
        assert_eq!(v("1.0_p01"), v("1.0_p1"));
        assert_eq!(v("1.0-r01"), v("1.0-r1"));
        assert_ne!(v("1.0-r0"), v("1.0"));
        for bad in [
            "",
            "a",
            "1.",
            "1..0",
            "1.0ab",
            "1.0a1",
            "1.0_foo",
            "1.0_",
            "1.0-r",
            "1.0-1",
            "1.0-r1-r2",
            "1.0-r1_p1",
            "1.0~",
            "1.0~XYZ",
            "1.0_p1.2",
            "1.0A",
            " 1.0",
            "1.0 ",
            "v1.0",
            "1.0~ab~cd",
        ] {
            assert!(Scheme::Apk.parse(bad).is_err(), "{bad:?} should be invalid");
        }
        let big = "9".repeat(30);
        assert!(v(&format!("1.{big}")) < v(&format!("1.1{big}")));
    }
}
