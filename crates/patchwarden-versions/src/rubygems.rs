//! RubyGems versions, as `Gem::Version` orders them.
//!
//! Spec: `Gem::Version` (<https://docs.ruby-lang.org/en/master/Gem/Version.html>, rubygems
//! `lib/rubygems/version.rb`). Valid: `\A\s*([0-9]+(?>\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?\s*\z`
//! (blank means "0"); `-` is read as `.pre.`. Segments are the runs of digits or of letters; any letter
//! segment makes the version a pre-release. Comparison uses the canonical segments (the numeric segments
//! before the first letter segment, and the segments from it on, each without trailing zeros), padded with
//! zeros: a letter segment sorts below any number, numbers compare numerically, letter segments
//! byte-wise (case-sensitive). So `1.0 == 1`, `1.0.a == 1.a`, `1.0.a < 1.0 < 1.0.0.1`.

use crate::key::{digit_run, push_num, push_plain};

fn ruby_isspace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

fn validate(s: &[u8]) -> bool {
    // [0-9]+ (\.[0-9a-zA-Z]+)* (-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?
    let n = digit_run(s);
    if n == 0 {
        return false;
    }
    let mut at = n;
    while s.get(at) == Some(&b'.') {
        let m = s[at + 1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if m == 0 {
            return false;
        }
        at += 1 + m;
    }
    if at == s.len() {
        return true;
    }
    if s[at] != b'-' {
        return false;
    }
    // The pre-release part: dot-separated non-empty runs of [0-9A-Za-z-].
    s[at + 1..]
        .split(|&b| b == b'.')
        .all(|p| !p.is_empty() && p.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-'))
}

enum Seg<'a> {
    Num(&'a [u8]),
    Str(&'a [u8]),
}

impl Seg<'_> {
    fn is_zero(&self) -> bool {
        matches!(self, Seg::Num(d) if d.iter().all(|&b| b == b'0'))
    }
}

pub(crate) fn parse(input: &str, out: &mut Vec<u8>) -> Result<(), &'static str> {
    let bytes = input.as_bytes();
    let start = bytes
        .iter()
        .position(|&b| !ruby_isspace(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| !ruby_isspace(b))
        .map_or(start, |e| e + 1);
    let s = &bytes[start..end];
    if !s.is_empty() && !validate(s) {
        return Err("malformed version number string");
    }
    // Segments: runs of digits or letters ("-" → ".pre." adds a "pre" segment).
    let mut segs: Vec<Seg<'_>> = Vec::new();
    let mut at = 0;
    while at < s.len() {
        let b = s[at];
        if b.is_ascii_digit() {
            let n = digit_run(&s[at..]);
            segs.push(Seg::Num(&s[at..at + n]));
            at += n;
        } else if b.is_ascii_alphabetic() {
            let n = s[at..]
                .iter()
                .take_while(|b| b.is_ascii_alphabetic())
                .count();
            segs.push(Seg::Str(&s[at..at + n]));
            at += n;
        } else {
            if b == b'-' {
                segs.push(Seg::Str(b"pre"));
            }
            at += 1;
        }
    }
    // Canonical segments.
    let first_str = segs
        .iter()
        .position(|s| matches!(s, Seg::Str(_)))
        .unwrap_or(segs.len());
    let (numeric, strings) = segs.split_at(first_str);
    let trim = |part: &[Seg<'_>]| part.iter().rposition(|s| !s.is_zero()).map_or(0, |i| i + 1);
    let canonical: Vec<&Seg<'_>> = numeric[..trim(numeric)]
        .iter()
        .chain(strings[..trim(strings)].iter())
        .collect();
    // Compared with zero padding: encode each segment with the sign of (the rest vs zeros), so that the
    // end of the shorter list orders correctly against the rest of the longer.
    let mut signs = vec![0u8; canonical.len()];
    let mut sign = 2u8; // END
    for i in (0..canonical.len()).rev() {
        match canonical[i] {
            Seg::Str(_) => sign = 1,
            seg if !seg.is_zero() => sign = 3,
            _ => {}
        }
        signs[i] = sign;
    }
    for (seg, sign) in canonical.iter().zip(signs) {
        out.push(sign);
        match seg {
            Seg::Str(s) => {
                out.push(1);
                push_plain(out, s);
            }
            Seg::Num(d) => {
                out.push(2);
                push_num(out, d);
            }
        }
    }
    out.push(2);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::Scheme;

    fn v(s: &str) -> crate::Version {
        Scheme::RubyGems.parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn ordering() {
        // From rubygems' test_gem_version.rb (test_spaceship, test_semver) and the Gem::Version docs.
        let ordered = [
            "0.9", "1.0.0.a", "1.0.a.2", "1.0.b1", "1.0.rc1", "1.0", "1.0.0.1", "1.0.1", "1.1.a",
            "1.1", "1.8.2", "1.9.3.a", "1.9.3", "1.10", "5.a", "5.1", "10",
        ];
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                assert_eq!(v(a).cmp(&v(b)), i.cmp(&j), "{a} vs {b}");
            }
        }
        assert!(v("1.0.0-alpha") < v("1.0.0-alpha.1"));
        assert!(v("1.0.0-alpha.1") < v("1.0.0-beta.2"));
        assert!(v("1.0.0-beta.11") < v("1.0.0-rc.1"));
        assert!(v("1.0.0-rc1") < v("1.0.0"));
        assert!(v("1.0.A") < v("1.0.a"));
        assert!(v("0.beta.1") < v("0.0.beta.2"));
    }

    #[test]
    fn equalities_and_invalid() {
        for (a, b) in [
            ("1.0", "1"),
            ("1.0", "1.0.0"),
            ("1.0.a", "1.a"),
            ("1.a.0", "1.a"),
            ("1.0.0-1", "1.pre.1"),
            ("", "0"),
            (" 1.2 ", "1.2"),
            ("01.02", "1.2"),
            ("1.0b1", "1.0.b.1"),
        ] {
            assert_eq!(v(a), v(b), "{a} == {b}");
        }
        for bad in [
            "junk", "1.0\n2.0", "1..2", "1.0.", "-1", "1.0-", "1.0-a..b", "1.0_a", "1.0+a", "v1.0",
            "1.0 a",
        ] {
            assert!(
                Scheme::RubyGems.parse(bad).is_err(),
                "{bad:?} should be invalid"
            );
        }
    }
}
