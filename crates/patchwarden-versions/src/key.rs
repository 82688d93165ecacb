//! Order-preserving byte encodings shared by the schemes.
//!
//! Every scheme turns a version into a *sort key*: a byte string whose plain lexicographic order is the
//! ecosystem's precedence, and which is identical for versions of equal precedence. The pieces below are
//! prefix-free (no encoding is a proper prefix of another of the same kind), so keys can be concatenated.

/// Appends an arbitrary-size non-negative decimal number given as ASCII digits (leading zeros allowed,
/// empty means zero). Encoding: significant-digit count (one byte below 0xF0, else 0xF0 and the count as
/// 8 bytes big-endian), then the significant digits. More digits sort higher; equal counts compare digit
/// by digit, so numbers of any size order exactly.
pub(crate) fn push_num(out: &mut Vec<u8>, digits: &[u8]) {
    let start = digits
        .iter()
        .position(|&b| b != b'0')
        .unwrap_or(digits.len());
    let significant = &digits[start..];
    push_len(out, significant.len());
    out.extend_from_slice(significant);
}

/// Appends a `u64` in the same encoding as [`push_num`].
pub(crate) fn push_u64(out: &mut Vec<u8>, mut value: u64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    while value > 0 {
        at -= 1;
        buf[at] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    push_num(out, &buf[at..]);
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0xF0 {
        out.push(len as u8);
    } else {
        out.push(0xF0);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
}

/// Appends a byte string that may contain any byte, terminated so that a string sorts before its
/// extensions: 0x00 is escaped as 0x00 0xFF, the terminator is 0x00 0x01.
pub(crate) fn push_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    for &b in bytes {
        if b == 0 {
            out.extend_from_slice(&[0, 0xFF]);
        } else {
            out.push(b);
        }
    }
    out.extend_from_slice(&[0, 1]);
}

/// Appends a byte string known not to contain 0x00, terminated by 0x00.
pub(crate) fn push_plain(out: &mut Vec<u8>, bytes: &[u8]) {
    debug_assert!(!bytes.contains(&0));
    out.extend_from_slice(bytes);
    out.push(0);
}

/// Parses a run of ASCII digits as a `u64`, or `None` when it does not fit.
pub(crate) fn parse_u64(digits: &[u8]) -> Option<u64> {
    let mut value: u64 = 0;
    for &d in digits {
        value = value
            .checked_mul(10)?
            .checked_add(u64::from(d.wrapping_sub(b'0')))?;
    }
    Some(value)
}

/// Length of the leading run of ASCII digits.
pub(crate) fn digit_run(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Vec<u8> {
        let mut v = Vec::new();
        push_num(&mut v, s.as_bytes());
        v
    }

    #[test]
    fn numbers_order_by_value() {
        let ordered = [
            "",
            "1",
            "2",
            "9",
            "10",
            "0011",
            "99",
            "100",
            "18446744073709551615",
            "18446744073709551616",
        ];
        for w in ordered.windows(2) {
            assert!(num(w[0]) < num(w[1]), "{:?} < {:?}", w[0], w[1]);
        }
        assert_eq!(num("0"), num(""));
        assert_eq!(num("007"), num("7"));
        let huge = "9".repeat(300);
        let huger = format!("1{}", "0".repeat(300));
        assert!(num(&huge) < num(&huger));
        assert!(num("5") < num(&huge));
        let mut v = Vec::new();
        push_u64(&mut v, 1234);
        assert_eq!(v, num("1234"));
        let mut z = Vec::new();
        push_u64(&mut z, 0);
        assert_eq!(z, num("0"));
    }

    #[test]
    fn escaped_strings_order_and_are_prefix_free() {
        let enc = |s: &[u8]| {
            let mut v = Vec::new();
            push_escaped(&mut v, s);
            v
        };
        assert!(enc(b"a") < enc(b"a\0"));
        assert!(enc(b"a\0") < enc(b"a\x01"));
        assert!(enc(b"") < enc(b"\0"));
        assert!(enc(b"ab") < enc(b"b"));
    }
}
