//! Debian package versions (Debian, Ubuntu), as `dpkg --compare-versions` orders them.
//!
//! Spec: Debian Policy §5.6.12 "Version"
//! (<https://www.debian.org/doc/debian-policy/ch-controlfields.html#version>):
//! `[epoch:]upstream_version[-debian_revision]`. The epoch is compared numerically (absent = 0); then the
//! upstream version and the revision (absent = empty, which equals "0") are each compared by the
//! algorithm: alternately the longest non-digit prefix, compared character by character where `~` sorts
//! before everything, even the end of the part, then letters, then all other characters; and the longest
//! digit prefix, compared numerically (empty = 0). Parsing follows dpkg's `parseversion`
//! (lib/dpkg/parsehelp.c): leading/trailing blanks are trimmed, embedded blanks, an empty or non-numeric or
//! negative or over-`INT_MAX` epoch, nothing after the colon, and an empty revision are errors; the epoch is
//! everything before the first colon, the revision everything after the last hyphen. Characters outside
//! Policy's set are accepted, as dpkg only warns about them (bytes ≥ 0x80 order as dpkg does on x86, where
//! `char` is signed: after letters, before other ASCII punctuation). Digit runs of any length compare exactly.
//!
//! Deviations: the empty string (and dpkg's `<unknown>` placeholder) is an error here, whereas
//! `dpkg --compare-versions` treats it as "no version".

use crate::key::{push_num, push_u64};

/// Byte weights for non-digit characters (and the end of a non-digit run, weight 2).
const END: u8 = 2;

fn weight(b: u8) -> u8 {
    WEIGHTS[b as usize]
}

/// `~` 1; letters 3..=54 (A–Z then a–z); bytes 0x80..=0xFF 55..=182 (signed `char`: after letters); the
/// other ASCII characters 183..=246 in ASCII order (dpkg: `c + 256`). Digits and NUL never get here.
const WEIGHTS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut other = 183u8;
    let mut c = 1usize;
    while c < 256 {
        let b = c as u8;
        t[c] = if b == b'~' {
            1
        } else if b.is_ascii_uppercase() {
            3 + (b - b'A')
        } else if b.is_ascii_lowercase() {
            29 + (b - b'a')
        } else if b >= 0x80 {
            55 + (b - 0x80)
        } else if b.is_ascii_digit() {
            0
        } else {
            other += 1;
            other - 1
        };
        c += 1;
    }
    t
};

/// Encodes one part (upstream version or revision) by dpkg's `verrevcmp` rules.
fn push_part(out: &mut Vec<u8>, part: &[u8]) {
    let mut at = 0;
    loop {
        let start = at;
        while at < part.len() && !part[at].is_ascii_digit() {
            out.push(weight(part[at]));
            at += 1;
        }
        out.push(END);
        let digits_start = at;
        while at < part.len() && part[at].is_ascii_digit() {
            at += 1;
        }
        push_num(out, &part[digits_start..at]);
        if at >= part.len() {
            break;
        }
        debug_assert!(at > start);
    }
    out.push(END);
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

pub(crate) fn parse(input: &str, out: &mut Vec<u8>) -> Result<(), &'static str> {
    let bytes = input.as_bytes();
    if bytes.contains(&0) {
        return Err("NUL byte in version");
    }
    let start = bytes
        .iter()
        .position(|&b| !is_blank(b))
        .ok_or("version string is empty")?;
    let s = &bytes[start..];
    let end = s.iter().position(|&b| is_blank(b)).unwrap_or(s.len());
    if s[end..].iter().any(|&b| !is_blank(b)) {
        return Err("version string has embedded spaces");
    }
    let s = &s[..end];
    let (epoch, rest) = match s.iter().position(|&b| b == b':') {
        Some(colon) => {
            let epoch = parse_epoch(&s[..colon])?;
            let rest = &s[colon + 1..];
            if rest.is_empty() {
                return Err("nothing after colon in version number");
            }
            (epoch, rest)
        }
        None => (0, s),
    };
    let (upstream, revision) = match rest.iter().rposition(|&b| b == b'-') {
        Some(h) => {
            if h + 1 == rest.len() {
                return Err("revision number is empty");
            }
            (&rest[..h], &rest[h + 1..])
        }
        None => (rest, &b""[..]),
    };
    if upstream.is_empty() {
        return Err("version number is empty");
    }
    push_u64(out, epoch);
    push_part(out, upstream);
    push_part(out, revision);
    Ok(())
}

/// `strtol(…, 10)` as dpkg uses it: optional C whitespace, optional sign, digits, and the colon right
/// after the digits.
fn parse_epoch(s: &[u8]) -> Result<u64, &'static str> {
    let mut at = s
        .iter()
        .position(|&b| !matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r'))
        .unwrap_or(s.len());
    let mut negative = false;
    if let Some(&sign @ (b'+' | b'-')) = s.get(at) {
        negative = sign == b'-';
        at += 1;
    }
    let digits = &s[at..];
    if digits.is_empty() || !digits[0].is_ascii_digit() {
        return Err("epoch in version is empty");
    }
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err("epoch in version is not number");
    }
    let value = crate::key::parse_u64(digits);
    match value {
        Some(0) => Ok(0),
        Some(_) if negative => Err("epoch in version is negative"),
        Some(v) if v <= i32::MAX as u64 => Ok(v),
        _ if negative => Err("epoch in version is negative"),
        _ => Err("epoch in version is too big"),
    }
}

#[cfg(test)]
mod tests {
    use crate::Scheme;

    fn v(s: &str) -> crate::Version {
        Scheme::Dpkg.parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn policy_examples() {
        // Policy §5.6.12: "~~" < "~~a" < "~" < "" < "a"; as upstream suffixes.
        let ordered = ["1.0~~", "1.0~~a", "1.0~", "1.0", "1.0a"];
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                assert_eq!(v(a).cmp(&v(b)), i.cmp(&j), "{a} vs {b}");
            }
        }
        let ordered = [
            "0:1.0~rc1-1",
            "1.0-0",
            "1.0-1",
            "1.0-1ubuntu0.1",
            "1.0-1ubuntu1",
            "1.0-2",
            "1.0a-1",
            "1.0+dfsg-1",
            "1.0.1-1",
            "1.2-1",
            "1.10-1",
            "1:0.1-1",
            "2:0",
        ];
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                assert_eq!(v(a).cmp(&v(b)), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn equalities() {
        for (a, b) in [
            ("1.0", "0:1.0"),
            ("1.0", "1.0-0"),
            ("1.00", "1.0"),
            ("1.0a", "1.0a0"),
            (" 1.0 ", "1.0"),
            ("007:1", "7:1"),
            ("+1:2", "1:2"),
            ("-0:2", "2"),
            ("1-1-1", "1-1-01"),
        ] {
            assert_eq!(v(a), v(b), "{a} == {b}");
        }
    }

    #[test]
    fn invalid() {
        for bad in [
            "",
            "  ",
            "1 0",
            ":1",
            "a:1",
            "1:",
            "-1:1",
            "99999999999:1",
            "1-",
            "1:-1",
            "1.0\0",
        ] {
            assert!(
                Scheme::Dpkg.parse(bad).is_err(),
                "{bad:?} should be invalid"
            );
        }
    }

    #[test]
    fn char_weights_are_increasing_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for b in 1..=255u8 {
            if b.is_ascii_digit() {
                continue;
            }
            assert!(seen.insert(super::weight(b)), "duplicate weight for {b}");
            assert!(super::weight(b) > super::END || b == b'~');
        }
        let order: Vec<u8> = (1..=255u8).filter(|b| !b.is_ascii_digit()).collect();
        let dpkg_order = |c: u8| -> i32 {
            if c == b'~' {
                -1
            } else if c.is_ascii_alphabetic() {
                i32::from(c)
            } else {
                i32::from(c as i8) + 256
            }
        };
        for a in &order {
            for b in &order {
                assert_eq!(
                    super::weight(*a).cmp(&super::weight(*b)),
                    dpkg_order(*a).cmp(&dpkg_order(*b)),
                    "{a} {b}"
                );
            }
        }
    }
}
