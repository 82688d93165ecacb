//! Property tests: parsing never panics, and `Ord` is a total order consistent with `Eq` and `Hash`.

use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use patchwarden_versions::{Scheme, Version};
use proptest::prelude::*;

fn scheme() -> impl Strategy<Value = Scheme> {
    proptest::sample::select(Scheme::ALL.to_vec())
}

/// Strings made of the characters versions are made of, so that many of them parse.
fn versionish() -> impl Strategy<Value = String> {
    proptest::string::string_regex("v?[0-9]{1,3}([.\\-_+~:!]?([0-9]{1,4}|a|b|rc|alpha|beta|dev|post|pre|p|r|sp|ga|SNAPSHOT|x)){0,6}")
        .expect("valid regex")
}

fn hash(v: &Version) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_never_panics(s in "\\PC*", scheme in scheme()) {
        let _ = scheme.parse(&s);
    }

    #[test]
    fn parse_never_panics_on_any_chars(s in proptest::collection::vec(any::<char>(), 0..40), scheme in scheme()) {
        let s: String = s.into_iter().collect();
        let _ = scheme.parse(&s);
    }

    #[test]
    fn order_is_total_and_consistent(a in versionish(), b in versionish(), c in versionish(), scheme in scheme()) {
        let parsed: Vec<Version> = [a, b, c].iter().filter_map(|s| scheme.parse(s).ok()).collect();
        for x in &parsed {
            prop_assert_eq!(x.cmp(x), Ordering::Equal);
            for y in &parsed {
                // antisymmetry, and Eq/Hash agree with Ord
                prop_assert_eq!(x.cmp(y), y.cmp(x).reverse());
                prop_assert_eq!(x == y, x.cmp(y) == Ordering::Equal);
                if x == y {
                    prop_assert_eq!(hash(x), hash(y));
                }
                for z in &parsed {
                    // transitivity
                    if x <= y && y <= z {
                        prop_assert!(x <= z, "{:?} <= {:?} <= {:?}", x, y, z);
                    }
                }
            }
        }
    }

    #[test]
    fn compare_matches_parse(a in versionish(), b in versionish(), scheme in scheme()) {
        if let (Ok(x), Ok(y)) = (scheme.parse(&a), scheme.parse(&b)) {
            prop_assert_eq!(scheme.compare(&a, &b).ok(), Some(x.cmp(&y)));
        } else {
            prop_assert!(scheme.compare(&a, &b).is_err());
        }
    }

    #[test]
    fn sorting_is_stable_under_permutation(mut vs in proptest::collection::vec(versionish(), 1..30), scheme in scheme()) {
        let mut parsed: Vec<Version> = vs.iter().filter_map(|s| scheme.parse(s).ok()).collect();
        parsed.sort();
        vs.reverse();
        let mut again: Vec<Version> = vs.iter().filter_map(|s| scheme.parse(s).ok()).collect();
        again.sort();
        prop_assert_eq!(parsed, again);
    }
}
