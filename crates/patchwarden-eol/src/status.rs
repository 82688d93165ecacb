//! A component's support status: its release cycle, whether that cycle has reached (or is about to
//! reach) its end of life on a given day, and the supported cycle to move to.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::data::{Cycle, Milestone, Product};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Support {
    Supported,
    /// End of life within the warning window.
    NearingEol,
    /// Past its end of life: an unsupported system.
    Unsupported,
    /// The version belongs to no published cycle of the product.
    UnknownCycle,
}

impl Support {
    pub fn as_str(self) -> &'static str {
        match self {
            Support::Supported => "supported",
            Support::NearingEol => "nearing-eol",
            Support::Unsupported => "unsupported",
            Support::UnknownCycle => "unknown-cycle",
        }
    }
}

/// What the end-of-life data says of one version of a product on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub cycle: Option<String>,
    pub support: Support,
    /// The cycle's end-of-life date, when the data gives one.
    pub eol: Option<NaiveDate>,
    /// The oldest newer cycle that stays supported past the warning window (an LTS one where the product
    /// has them).
    pub upgrade_to: Option<String>,
}

/// The cycle `version` belongs to: the longest cycle name equal to the version or a dotted prefix of it
/// (`3.8` for `3.8.10`, never `3.1` for `3.10`), or the cycle whose codename it is (`bookworm`).
pub fn find_cycle<'a>(product: &'a Product, version: &str) -> Option<&'a Cycle> {
    let version = version.trim().trim_start_matches(['v', 'V']);
    product
        .cycles
        .iter()
        .filter(|c| {
            version == c.cycle
                || version
                    .strip_prefix(c.cycle.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
                || c.codename.as_deref().is_some_and(|name| {
                    // "Jammy Jellyfish" is `jammy` in image tags and os-release.
                    name.split_whitespace()
                        .next()
                        .is_some_and(|first| first.eq_ignore_ascii_case(version))
                })
        })
        .max_by_key(|c| c.cycle.len())
}

/// Assesses `version` of `product` on `today`, warning `warn_days` ahead of an end of life.
pub fn assess(product: &Product, version: &str, today: NaiveDate, warn_days: u64) -> Assessment {
    let horizon = today
        .checked_add_days(Days::new(warn_days))
        .unwrap_or(today);
    let Some(cycle) = find_cycle(product, version) else {
        return Assessment {
            cycle: None,
            support: Support::UnknownCycle,
            eol: None,
            upgrade_to: upgrade_target(&product.cycles, horizon),
        };
    };
    let support = if cycle.eol.reached(today) {
        Support::Unsupported
    } else if cycle.eol.reached(horizon) {
        Support::NearingEol
    } else {
        Support::Supported
    };
    let newer = product
        .cycles
        .iter()
        .position(|c| c == cycle)
        .map_or(&product.cycles[..], |i| &product.cycles[..i]);
    Assessment {
        cycle: Some(cycle.cycle.clone()),
        support,
        eol: cycle.eol.date(),
        upgrade_to: match support {
            Support::Supported => None,
            _ => upgrade_target(newer, horizon),
        },
    }
}

/// Of `cycles` (newest first, as published), the oldest still supported at `horizon`; LTS cycles only
/// when the product marks any.
fn upgrade_target(cycles: &[Cycle], horizon: NaiveDate) -> Option<String> {
    let supported: Vec<&Cycle> = cycles.iter().filter(|c| !c.eol.reached(horizon)).collect();
    let is_lts = |c: &&Cycle| c.lts.is_some_and(|l| l != Milestone::Flag(false));
    let pool: Vec<&Cycle> = if supported.iter().any(is_lts) {
        supported.into_iter().filter(is_lts).collect()
    } else {
        supported
    };
    pool.last().map(|c| c.cycle.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn python() -> Product {
        Product::parse(
            br#"{"product":"python","cycles":[
              {"cycle":"3.13","eol":"2029-10-31"},
              {"cycle":"3.12","eol":"2028-10-31"},
              {"cycle":"3.10","eol":"2026-10-31"},
              {"cycle":"3.9","eol":"2025-10-31"},
              {"cycle":"3.1","eol":"2012-04-09"}]}"#,
            "python",
        )
        .unwrap()
    }

    #[test]
    fn a_version_belongs_to_the_longest_dotted_prefix_cycle() {
        let p = python();
        assert_eq!(find_cycle(&p, "3.10.4").unwrap().cycle, "3.10");
        assert_eq!(find_cycle(&p, "3.1.5").unwrap().cycle, "3.1");
        assert_eq!(find_cycle(&p, "v3.12").unwrap().cycle, "3.12");
        assert!(find_cycle(&p, "3.11.2").is_none());
        assert!(find_cycle(&p, "3").is_none());
    }

    #[test]
    fn past_its_eol_a_cycle_is_unsupported_and_names_the_cycle_to_move_to() {
        let a = assess(&python(), "3.9.18", day("2026-08-15"), 90);
        assert_eq!(a.support, Support::Unsupported);
        assert_eq!(a.eol, Some(day("2025-10-31")));
        // 3.10 ends within 90 days of the assessment: not a target.
        assert_eq!(a.upgrade_to.as_deref(), Some("3.12"));
    }

    #[test]
    fn within_the_warning_window_it_is_nearing_eol() {
        let p = python();
        assert_eq!(
            assess(&p, "3.10", day("2026-08-15"), 90).support,
            Support::NearingEol
        );
        assert_eq!(
            assess(&p, "3.10", day("2026-08-15"), 30).support,
            Support::Supported
        );
        assert_eq!(
            assess(&p, "3.10", day("2026-10-31"), 0).support,
            Support::Unsupported
        );
    }

    #[test]
    fn lts_cycles_are_preferred_where_a_product_has_them() {
        let node = Product::parse(
            br#"[{"cycle":"25","eol":"2026-06-01"},{"cycle":"24","eol":"2028-04-30","lts":"2025-10-28"},
                 {"cycle":"23","eol":"2027-06-01"},{"cycle":"22","eol":"2027-04-30","lts":"2024-10-29"},
                 {"cycle":"16","eol":"2023-09-11","lts":"2021-10-26"}]"#,
            "nodejs",
        )
        .unwrap();
        let a = assess(&node, "16.20.2", day("2026-08-01"), 90);
        assert_eq!(a.support, Support::Unsupported);
        assert_eq!(a.upgrade_to.as_deref(), Some("22"));
    }

    #[test]
    fn a_codename_finds_its_cycle() {
        let debian = Product::parse(
            br#"[{"cycle":"12","codename":"Bookworm","eol":"2026-06-10"},{"cycle":"11","codename":"Bullseye","eol":true}]"#,
            "debian",
        )
        .unwrap();
        assert_eq!(find_cycle(&debian, "bookworm").unwrap().cycle, "12");
        let a = assess(&debian, "bullseye", day("2026-01-01"), 90);
        assert_eq!((a.support, a.eol), (Support::Unsupported, None));
    }
}
