//! Packagist (Composer) versions.
//!
//! Spec: Composer's `Composer\Semver\VersionParser::normalize` (composer/semver 3.x,
//! <https://github.com/composer/semver/blob/main/src/VersionParser.php>) followed by PHP's
//! `version_compare` (<https://www.php.net/manual/en/function.version-compare.php>, ext/standard/versioning.c)
//! on the normalised strings, which is what `Composer\Semver\Comparator` does. The differential test checks
//! both against composer/semver 3.3 on PHP 8.2.
//!
//! Normalisation: trim; strip an ` as alias` and an `@stability` flag; `master`/`trunk`/`default` and
//! `dev-*` are branches; strip `+build`; classical versions `v?N(.N)?(.N)?(.N)?` (major up to 5 digits)
//! become 4-part `N.N.N.N`, date versions `YYYY[.-:]MM…` keep their digits; a stability modifier
//! (`stable|beta|b|RC|alpha|a|patch|pl|p`, case-insensitive, with numbers) becomes `-alpha1`, `-beta2`,
//! `-RC3`, `-patch4`; a trailing `dev` becomes `-dev`; numeric branches `1.x-dev` become
//! `1.9999999.9999999.9999999-dev`.
//!
//! `version_compare` splits the normalised string into runs of digits and of letters and compares them
//! pairwise: numbers numerically; words by class, any word starting with `dev` < `a…`/`alpha` < `b…` < `RC`/`rc`
//! < number < `p…`/`pl`/`patch`, unknown words below `dev`, words of one class equal; when one side runs
//! out, the other is greater if its next run is a number or `p…`, smaller otherwise. Hence
//! `1.0.0.0-dev < 1.0.0.0-alpha1 < 1.0.0.0-beta < 1.0.0.0-RC1 < 1.0.0.0 < 1.0.0.0-patch1`.
//!
//! Deviations: numbers beyond `PHP_INT_MAX` compare exactly (PHP saturates them). Branches (`dev-*`), which
//! Composer does not order at all and `version_compare` mostly calls equal, sort below every version and
//! among themselves by name.

use crate::key::{digit_run, push_escaped, push_num};

fn php_trim(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\0' | '\x0B')
}

fn pcre_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

/// A matched modifier: the stability word as written, its digits, and whether `dev` follows.
type Modifier<'a> = (Option<&'a [u8]>, &'a [u8], bool);

/// `[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?$` (case-insensitive)
/// against the whole of `s`: returns (stability word, its digits, dev flag).
fn modifier(s: &[u8]) -> Option<Modifier<'_>> {
    // Try with and without the optional leading separator (regex backtracking order: with first).
    let starts: &[usize] = if matches!(s.first(), Some(b'.' | b'_' | b'-')) {
        &[1, 0]
    } else {
        &[0]
    };
    for &start in starts {
        if let Some(m) = modifier_from(&s[start..]) {
            return Some(m);
        }
    }
    None
}

fn modifier_from(s: &[u8]) -> Option<Modifier<'_>> {
    const WORDS: [&str; 9] = [
        "stable", "beta", "b", "RC", "alpha", "a", "patch", "pl", "p",
    ];
    let mut candidates: Vec<(Option<&[u8]>, usize)> = Vec::new();
    for w in WORDS {
        if s.len() >= w.len() && s[..w.len()].eq_ignore_ascii_case(w.as_bytes()) {
            candidates.push((Some(&s[..w.len()]), w.len()));
        }
    }
    candidates.push((None, 0));
    for (word, len) in candidates {
        let mut at = len;
        let digits_start = at;
        if word.is_some() {
            // ((?:[.-]?\d+)*+) — possessive.
            loop {
                let sep = usize::from(matches!(s.get(at), Some(b'.' | b'-')));
                let n = digit_run(&s[at + sep..]);
                if n == 0 {
                    break;
                }
                at += sep + n;
            }
        }
        let digits = &s[digits_start..at];
        let rest = &s[at..];
        let dev = match rest {
            [] => Some(false),
            [b'.' | b'-', d, e, v] | [d, e, v] if [*d, *e, *v].eq_ignore_ascii_case(b"dev") => {
                Some(true)
            }
            _ => None,
        };
        if let Some(dev) = dev {
            return Some((word, digits, dev));
        }
    }
    None
}

/// `expandStability(strtolower(word))`.
fn expand_stability(word: &[u8]) -> &'static str {
    match word.to_ascii_lowercase().as_slice() {
        b"a" | b"alpha" => "alpha",
        b"b" | b"beta" => "beta",
        b"p" | b"pl" | b"patch" => "patch",
        b"rc" => "RC",
        _ => "stable",
    }
}

/// Composer's `VersionParser::normalize`. Branch names come back as `Err(Ok(name))`.
pub(crate) fn normalize(input: &str) -> Result<String, Result<String, &'static str>> {
    let mut version = input.trim_matches(php_trim);
    // strip off aliasing: ^([^,\s]++) ++as ++([^,\s]++)$
    {
        let b = version.as_bytes();
        let first = b
            .iter()
            .position(|&c| c == b',' || pcre_space(c))
            .unwrap_or(b.len());
        if first > 0 && b.get(first) == Some(&b' ') {
            let mut at = first;
            while b.get(at) == Some(&b' ') {
                at += 1;
            }
            if b[at..].starts_with(b"as") && b.get(at + 2) == Some(&b' ') {
                at += 2;
                while b.get(at) == Some(&b' ') {
                    at += 1;
                }
                let tail = &b[at..];
                if !tail.is_empty() && !tail.iter().any(|&c| c == b',' || pcre_space(c)) {
                    version = &version[..first];
                }
            }
        }
    }
    // strip off stability flag: @(?:stable|RC|beta|alpha|dev)$ (case-insensitive)
    if let Some(at) = version.rfind('@') {
        let flag = &version[at + 1..];
        if ["stable", "RC", "beta", "alpha", "dev"]
            .iter()
            .any(|f| f.eq_ignore_ascii_case(flag))
        {
            version = &version[..at];
        }
    }
    let dev_prefixed;
    if matches!(version, "master" | "trunk" | "default") {
        dev_prefixed = format!("dev-{version}");
        version = &dev_prefixed;
    }
    if version.len() >= 4 && version.as_bytes()[..4].eq_ignore_ascii_case(b"dev-") {
        return Err(Ok(format!("dev-{}", &version[4..])));
    }
    // strip off build metadata: ^([^,\s+]++)\+[^\s]++$
    {
        let b = version.as_bytes();
        let first = b
            .iter()
            .position(|&c| c == b',' || c == b'+' || pcre_space(c))
            .unwrap_or(b.len());
        if first > 0 && b.get(first) == Some(&b'+') {
            let tail = &b[first + 1..];
            if !tail.is_empty() && !tail.iter().any(|&c| pcre_space(c)) {
                version = &version[..first];
            }
        }
    }
    let b = version.as_bytes();
    let body = if matches!(b.first(), Some(b'v' | b'V')) {
        &b[1..]
    } else {
        b
    };
    // classical versioning
    if let Some(n) = classical(body) {
        let (parts, end) = n;
        if let Some(m) = modifier(&body[end..]) {
            let mut out = String::new();
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                out.push_str(std::str::from_utf8(p).unwrap_or("0"));
            }
            for _ in parts.len()..4 {
                out.push_str(".0");
            }
            return Ok(add_modifiers(out, m));
        }
    }
    // date(time) based versioning
    if let Some(end) = date(body) {
        let m = modifier(&body[end..]).ok_or(Err("invalid version string"))?;
        let out: String = body[..end]
            .iter()
            .map(|&c| if c.is_ascii_digit() { c as char } else { '.' })
            .collect();
        return Ok(add_modifiers(out, m));
    }
    // dev branches: (.*?)[.-]?dev$ — unanchored, so the prefix starts after the last newline.
    let lower_ends_dev = b.len() >= 3 && b[b.len() - 3..].eq_ignore_ascii_case(b"dev");
    if lower_ends_dev {
        let mut end = b.len() - 3;
        if end > 0 && matches!(b[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let start = b[..end]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |i| i + 1);
        if let Some(branch) = numeric_branch(&version[start..end]) {
            return Ok(branch);
        }
    }
    Err(Err("invalid version string"))
}

fn add_modifiers(mut out: String, (word, digits, dev): Modifier<'_>) -> String {
    if let Some(word) = word {
        // Composer compares with `'stable' ===`, case-sensitively: `STABLE` becomes `-stable`.
        if word == b"stable" {
            return out;
        }
        out.push('-');
        out.push_str(expand_stability(word));
        let digits = std::str::from_utf8(digits).unwrap_or("");
        out.push_str(digits.trim_start_matches(['.', '-']));
    }
    if dev {
        out.push_str("-dev");
    }
    out
}

/// `(\d{1,5})(\.\d++)?(\.\d++)?(\.\d++)?` at the start: the number parts and the end offset.
fn classical(s: &[u8]) -> Option<(Vec<&[u8]>, usize)> {
    let n = digit_run(s);
    if n == 0 || n > 5 {
        // A longer digit run can only match with fewer digits if the rest then matches, which needs a
        // non-digit next: never.
        return None;
    }
    let mut parts = vec![&s[..n]];
    let mut at = n;
    while parts.len() < 4 && s.get(at) == Some(&b'.') {
        let m = digit_run(&s[at + 1..]);
        if m == 0 {
            break;
        }
        parts.push(&s[at + 1..at + 1 + m]);
        at += 1 + m;
    }
    Some((parts, at))
}

/// `\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?` at the start: the longest match whose remainder does not
/// start with a digit or ':' (the only remainders the modifier could accept).
fn date(s: &[u8]) -> Option<usize> {
    if digit_run(s) < 4 {
        return None;
    }
    // ends reachable after k two-digit groups
    let mut best = None;
    let mut frontier = vec![4usize];
    for _ in 0..6 {
        let mut next = Vec::new();
        for &p in &frontier {
            for sep in [0usize, 1] {
                if sep == 1 && !matches!(s.get(p), Some(b'.' | b':' | b'-')) {
                    continue;
                }
                let q = p + sep;
                if s.len() >= q + 2 && s[q].is_ascii_digit() && s[q + 1].is_ascii_digit() {
                    next.push(q + 2);
                }
            }
        }
        next.sort_unstable();
        next.dedup();
        for &p in &next {
            // optional tail (?:[.:-]?\d{1,3})?
            let mut ends = vec![p];
            for sep in [0usize, 1] {
                if sep == 1 && !matches!(s.get(p), Some(b'.' | b':' | b'-')) {
                    continue;
                }
                let q = p + sep;
                for k in 1..=3 {
                    if s.len() >= q + k && s[q..q + k].iter().all(u8::is_ascii_digit) {
                        ends.push(q + k);
                    }
                }
            }
            for e in ends {
                let ok = !matches!(s.get(e), Some(c) if c.is_ascii_digit() || *c == b':');
                if ok && modifier(&s[e..]).is_some() && best.is_none_or(|b| e > b) {
                    best = Some(e);
                }
            }
        }
        frontier = next;
        if frontier.is_empty() {
            break;
        }
    }
    best
}

/// `normalizeBranch` for the numeric case: `v?(\d++)(\.(?:\d++|[xX*]))?{3}` → `…-dev`.
fn numeric_branch(name: &str) -> Option<String> {
    let name = name.trim_matches(php_trim).as_bytes();
    let name = if matches!(name.first(), Some(b'v' | b'V')) {
        &name[1..]
    } else {
        name
    };
    let n = digit_run(name);
    if n == 0 {
        return None;
    }
    let mut out = String::from_utf8_lossy(&name[..n]).into_owned();
    let mut at = n;
    let mut parts = 1;
    while parts < 4 && name.get(at) == Some(&b'.') {
        let m = digit_run(&name[at + 1..]);
        if m > 0 {
            out.push('.');
            out.push_str(&String::from_utf8_lossy(&name[at + 1..at + 1 + m]));
            at += 1 + m;
        } else if matches!(name.get(at + 1), Some(b'x' | b'X' | b'*')) {
            out.push_str(".9999999");
            at += 2;
        } else {
            break;
        }
        parts += 1;
    }
    if at != name.len() {
        return None;
    }
    for _ in parts..4 {
        out.push_str(".9999999");
    }
    out.push_str("-dev");
    Some(out)
}

// Element classes of version_compare, as key bytes.
const C_UNKNOWN: u8 = 1;
const C_DEV: u8 = 2;
const C_ALPHA: u8 = 3;
const C_BETA: u8 = 4;
const C_RC: u8 = 5;
const C_END: u8 = 6;
const C_NUMBER: u8 = 7;
const C_PATCH: u8 = 8;

fn word_class(w: &[u8]) -> u8 {
    if w.starts_with(b"dev") {
        C_DEV
    } else if w.starts_with(b"a") {
        C_ALPHA
    } else if w.starts_with(b"b") {
        C_BETA
    } else if w.starts_with(b"RC") || w.starts_with(b"rc") {
        C_RC
    } else if w.starts_with(b"p") {
        C_PATCH
    } else {
        C_UNKNOWN
    }
}

pub(crate) fn parse(input: &str, out: &mut Vec<u8>) -> Result<(), &'static str> {
    match normalize(input) {
        Ok(normalized) => {
            out.push(1);
            let s = normalized.as_bytes();
            let mut at = 0;
            while at < s.len() {
                if s[at].is_ascii_digit() {
                    let n = digit_run(&s[at..]);
                    out.push(C_NUMBER);
                    push_num(out, &s[at..at + n]);
                    at += n;
                } else if s[at].is_ascii_alphabetic() {
                    let n = s[at..]
                        .iter()
                        .take_while(|b| b.is_ascii_alphabetic())
                        .count();
                    out.push(word_class(&s[at..at + n]));
                    at += n;
                } else {
                    at += 1;
                }
            }
            out.push(C_END);
            Ok(())
        }
        Err(Ok(branch)) => {
            out.push(0);
            push_escaped(out, branch.as_bytes());
            Ok(())
        }
        Err(Err(reason)) => Err(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use crate::Scheme;

    fn v(s: &str) -> crate::Version {
        Scheme::Composer.parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn normalisation() {
        // From composer/semver's VersionParserTest::successfulNormalizedVersions.
        let cases = [
            ("1.0.0", "1.0.0.0"),
            ("1.2.3.4", "1.2.3.4"),
            ("1.0.0RC1dev", "1.0.0.0-RC1-dev"),
            ("1.0.0-rC15-dev", "1.0.0.0-RC15-dev"),
            ("1.0.0.RC.15-dev", "1.0.0.0-RC15-dev"),
            ("1.0.0-rc1", "1.0.0.0-RC1"),
            ("1.0.0.pl3-dev", "1.0.0.0-patch3-dev"),
            ("1.0-dev", "1.0.0.0-dev"),
            ("0", "0.0.0.0"),
            ("10.4.13-beta", "10.4.13.0-beta"),
            ("10.4.13beta2", "10.4.13.0-beta2"),
            ("10.4.13beta.2", "10.4.13.0-beta2"),
            ("v1.13.11-beta.0", "1.13.11.0-beta0"),
            ("1.13.11.0-beta0", "1.13.11.0-beta0"),
            ("10.4.13-b", "10.4.13.0-beta"),
            ("10.4.13-b5", "10.4.13.0-beta5"),
            ("v1.0.0", "1.0.0.0"),
            ("v20100102", "20100102"),
            ("2010.01", "2010.01.0.0"),
            ("2010.01.02", "2010.01.02.0"),
            ("2010-01-02", "2010.01.02"),
            ("2010-01-02.5", "2010.01.02.5"),
            ("2010.1.555", "2010.1.555.0"),
            ("2010-01-02-10-20-30.5", "2010.01.02.10.20.30.5"),
            ("20100102-203040", "20100102.203040"),
            ("20100102203040-10", "20100102203040.10"),
            ("20100102-203040-p1", "20100102.203040-patch1"),
            ("202211111-dev", "202211111-dev"),
            ("1.x-dev", "1.9999999.9999999.9999999-dev"),
            ("1.0.0+foo", "1.0.0.0"),
            ("1.0.0-rc1+foo", "1.0.0.0-RC1"),
            ("1.0.0+foo as 2.0", "1.0.0.0"),
            ("1.0.0-alpha.3.1+foo/-bar", "1.0.0.0-alpha3.1"),
            ("00.01.03.04", "00.01.03.04"),
            ("000.001.003.004", "000.001.003.004"),
            ("0.000.103.204", "0.000.103.204"),
            ("0700", "0700.0.0.0"),
            ("041.x-dev", "041.9999999.9999999.9999999-dev"),
            (" 1.0.0", "1.0.0.0"),
            ("1.0.0 ", "1.0.0.0"),
            ("1.0.0-stable", "1.0.0.0"),
            ("1.0.0@dev", "1.0.0.0"),
            ("1.0.0-patch1", "1.0.0.0-patch1"),
            ("1.0.0-p1", "1.0.0.0-patch1"),
            ("1.0.0-STABLE", "1.0.0.0-stable"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(input), Ok(want.to_owned()), "{input}");
        }
        assert_eq!(normalize("dev-master"), Err(Ok("dev-master".into())));
        assert_eq!(normalize("master"), Err(Ok("dev-master".into())));
        assert_eq!(
            normalize("dev-feature-foo"),
            Err(Ok("dev-feature-foo".into()))
        );
        for bad in [
            "",
            "a",
            "1.0.0-meh",
            "1.0.0.0.0",
            "feature-foo",
            "1.0.0-1",
            "1.0 .2",
            "1.0-dev-dev",
        ] {
            assert!(
                normalize(bad).is_err() && Scheme::Composer.parse(bad).is_err(),
                "{bad:?} should be invalid"
            );
        }
    }

    #[test]
    fn ordering() {
        let ordered = [
            "dev-master",
            "1.0.0-dev",
            "1.0.0-alpha1",
            "1.0.0-alpha2",
            "1.0.0-beta",
            "1.0.0-beta2",
            "1.0.0-RC1",
            "1.0.0",
            "1.0.0-patch1",
            "1.0.1",
            "1.1.0",
            "1.1.x-dev",
            "2.0.0",
        ];
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                assert_eq!(v(a).cmp(&v(b)), i.cmp(&j), "{a} vs {b}");
            }
        }
        assert_eq!(v("v1.0"), v("1.0.0.0"));
        assert_eq!(v("1.0.0-a1"), v("1.0.0-alpha1"));
        assert_eq!(v("1.0.0-rc1"), v("1.0.0-RC1"));
        assert_eq!(v("1.0.0.0"), v("1.0.0+build"));
    }
}
