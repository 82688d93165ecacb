//! NuGet package versions, as `NuGet.Versioning.NuGetVersion` orders them.
//!
//! Spec: <https://learn.microsoft.com/en-us/nuget/concepts/package-versioning> and NuGet.Client's
//! `NuGet.Versioning` (`NuGetVersion.TryParse`, `VersionComparer` with `VersionComparison.Default`).
//! `Major.Minor[.Patch[.Revision]]` — one to four non-negative 32-bit numbers (leading zeros allowed; a
//! missing part is 0, so `1.0 == 1.0.0.0`), then optional `-label.label…` and `+metadata`, after trimming
//! whitespace. Precedence: the four numbers; a release sorts after its pre-releases; labels compare left to
//! right, a label that `Int32.TryParse` accepts compares numerically and sorts before non-numeric labels,
//! other labels compare ordinal case-insensitively (`1.0.0-BETA == 1.0.0-beta`); fewer labels sort first.
//! Metadata is ignored. Labels are `[0-9A-Za-z-]+`, numeric labels without leading zeros; metadata parts
//! `[0-9A-Za-z-]+`.
//!
//! No reference implementation runs on this machine (no .NET), so this module is tested against the NuGet
//! documentation and NuGet.Client's own test cases. Deviations: version parts must be plain ASCII digits
//! (`System.Version` would also take a sign or surrounding spaces inside a part).

use crate::key::{digit_run, parse_u64, push_plain};

fn push_i32(out: &mut Vec<u8>, v: i32) {
    out.extend_from_slice(&((v as u32) ^ 0x8000_0000).to_be_bytes());
}

/// `Int32.TryParse` on a label (which can only contain `[0-9A-Za-z-]`): an optional `-` then digits.
fn label_number(label: &[u8]) -> Option<i32> {
    let (negative, digits) = match label.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, label),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = parse_u64(digits)?;
    if negative {
        if value <= 1 << 31 {
            Some((-(value as i64)) as i32)
        } else {
            None
        }
    } else {
        i32::try_from(value).ok()
    }
}

fn is_part_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

pub(crate) fn parse(input: &str, out: &mut Vec<u8>) -> Result<(), &'static str> {
    let s = input.trim().as_bytes();
    // Sections: version up to the first '-' or '+', labels up to the next '+', metadata after it.
    let version_end = s
        .iter()
        .position(|&b| b == b'-' || b == b'+')
        .unwrap_or(s.len());
    let (labels, metadata) = match s.get(version_end) {
        Some(b'-') => {
            let rest = &s[version_end + 1..];
            match rest.iter().position(|&b| b == b'+') {
                Some(p) => (Some(&rest[..p]), Some(&rest[p + 1..])),
                None => (Some(rest), None),
            }
        }
        Some(_) => (None, Some(&s[version_end + 1..])),
        None => (None, None),
    };
    let version = &s[..version_end];
    let mut parts = 0;
    let mut at = 0;
    loop {
        let n = digit_run(&version[at..]);
        if n == 0 {
            return Err("expected a version number");
        }
        let value = parse_u64(&version[at..at + n])
            .filter(|&v| v <= i32::MAX as u64)
            .ok_or("version number too large")?;
        push_i32(out, value as i32);
        at += n;
        parts += 1;
        if at == version.len() {
            break;
        }
        if version[at] != b'.' || parts == 4 {
            return Err("invalid version number");
        }
        at += 1;
    }
    for _ in parts..4 {
        push_i32(out, 0);
    }
    match labels {
        None => out.push(2),
        Some(labels) => {
            out.push(1);
            for label in labels.split(|&b| b == b'.') {
                if label.is_empty() || !label.iter().all(|&b| is_part_char(b)) {
                    return Err("invalid release label");
                }
                if label.len() > 1 && label[0] == b'0' && label.iter().all(u8::is_ascii_digit) {
                    return Err("leading zero in a numeric release label");
                }
                match label_number(label) {
                    Some(n) => {
                        out.push(1);
                        push_i32(out, n);
                    }
                    None => {
                        out.push(2);
                        push_plain(out, &label.to_ascii_uppercase());
                    }
                }
            }
            out.push(0);
        }
    }
    if let Some(metadata) = metadata {
        if metadata
            .split(|&b| b == b'.')
            .any(|p| p.is_empty() || !p.iter().all(|&b| is_part_char(b)))
        {
            return Err("invalid metadata");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::Scheme;

    fn v(s: &str) -> crate::Version {
        Scheme::NuGet.parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn ordering() {
        // From the NuGet docs ("Pre-release versions") and NuGet.Versioning's VersionComparerTests.
        let ordered = [
            "0.9.9",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.0.1",
            "1.0.1-alpha",
            "1.0.1",
            "1.1",
            "2.0.0",
            "10.0.0",
        ];
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                assert_eq!(v(a).cmp(&v(b)), i.cmp(&j), "{a} vs {b}");
            }
        }
        assert!(v("1.0.0-1") < v("1.0.0-a"));
        assert!(v("1.0.0-2") < v("1.0.0-10"));
        // Beyond Int32: not numeric, so ordinal text, and after numeric labels.
        assert!(v("1.0.0-99999999999") > v("1.0.0-3"));
        assert!(v("1.0.0-99999999999") < v("1.0.0-a"));
    }

    #[test]
    fn equalities_and_invalid() {
        for (a, b) in [
            ("1.0", "1.0.0"),
            ("1", "1.0.0.0"),
            ("01.02.03", "1.2.3"),
            ("1.0.0-BETA", "1.0.0-beta"),
            ("1.0.0+abc", "1.0.0"),
            ("1.0.0-rc.1+build.5", "1.0.0-RC.1"),
            (" 1.0.0 ", "1.0.0"),
        ] {
            assert_eq!(v(a), v(b), "{a} == {b}");
        }
        for bad in [
            "",
            "a",
            "1.",
            ".1",
            "1..2",
            "1.2.3.4.5",
            "1.0-",
            "1.0+",
            "1.0-a..b",
            "1.0-01",
            "1.0-a_b",
            "1.0+a..b",
            "2147483648.0",
            "1.0 .0",
            "-1.0",
            "v1.0",
        ] {
            assert!(
                Scheme::NuGet.parse(bad).is_err(),
                "{bad:?} should be invalid"
            );
        }
        assert_eq!(v("2147483647.0"), v("2147483647.0.0.0"));
    }
}
