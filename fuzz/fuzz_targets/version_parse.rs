//! Fuzzes every `patchwarden_versions::Scheme`'s parse and compare with arbitrary bytes.
//!
//! Run from the workspace root (stable toolchain):
//! `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run version_parse /tmp/version-corpus corpus/version_parse -- -max_total_time=180`
//! (new inputs go to the first directory, keeping the committed seeds small).
//!
//! The input (as lossy UTF-8) is split at newlines into up to three versions. Properties, for every scheme:
//! parsing never panics and is deterministic; errors render; compare agrees with parse + cmp; the order is
//! antisymmetric, reflexive, consistent with `==`, and transitive on the three versions.
#![no_main]

use std::cmp::Ordering;

use libfuzzer_sys::fuzz_target;
use patchwarden_versions::Scheme;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let a = parts.next().unwrap_or("");
    let b = parts.next().unwrap_or("");
    let c = parts.next().unwrap_or("");
    for scheme in Scheme::ALL {
        let parsed: Vec<_> = [a, b, c]
            .iter()
            .map(|s| {
                let r = scheme.parse(s);
                assert_eq!(
                    r,
                    scheme.parse(s),
                    "{scheme}: parse({s:?}) is not deterministic"
                );
                if let Err(e) = &r {
                    assert!(!e.to_string().is_empty());
                }
                r
            })
            .collect();
        let ok: Vec<_> = parsed.iter().filter_map(|r| r.as_ref().ok()).collect();
        for x in &ok {
            assert_eq!(x.cmp(x), Ordering::Equal);
            for y in &ok {
                let xy = x.cmp(y);
                assert_eq!(
                    xy,
                    y.cmp(x).reverse(),
                    "{scheme}: not antisymmetric: {x:?} {y:?}"
                );
                assert_eq!(
                    xy == Ordering::Equal,
                    x == y,
                    "{scheme}: Eq disagrees with Ord"
                );
                for z in &ok {
                    if x <= y && y <= z {
                        assert!(x <= z, "{scheme}: not transitive: {x:?} {y:?} {z:?}");
                    }
                }
            }
        }
        if let (Ok(x), Ok(y)) = (&parsed[0], &parsed[1]) {
            assert_eq!(scheme.compare(a, b).ok(), Some(x.cmp(y)));
        }
    }
});
