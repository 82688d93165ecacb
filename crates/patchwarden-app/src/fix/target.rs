//! The version a fix moves a package to: the smallest fixed version above the installed one that removes
//! every finding of the records being fixed, preferring one of the installed major (the smaller upgrade).

use patchwarden_osv::{Affected, Verdict};
use patchwarden_versions::Scheme;

/// Picks the target among `fixed` (every fixed version the advisories name) for a package at `installed`,
/// given the advisories' affected entries for it: the smallest candidate above `installed` that none of
/// them affects, of the installed major if there is one.
pub fn choose_target(
    scheme: Scheme,
    installed: &str,
    fixed: &[String],
    affected: &[Affected],
) -> Option<String> {
    let installed_key = scheme.parse(installed).ok()?;
    let mut candidates: Vec<(_, &String)> = fixed
        .iter()
        .filter_map(|f| Some((scheme.parse(f).ok()?, f)))
        .filter(|(v, _)| *v > installed_key)
        .collect();
    candidates.sort_by(|a, b| a.0.cmp(&b.0));
    candidates.dedup_by(|a, b| a.0 == b.0);
    let removes_all = |version: &str| {
        affected
            .iter()
            .all(|a| matches!(patchwarden_osv::evaluate(a, version), Verdict::NotAffected))
    };
    let good: Vec<&String> = candidates
        .into_iter()
        .map(|(_, f)| f)
        .filter(|f| removes_all(f))
        .collect();
    let major = |v: &str| {
        v.trim_start_matches('v')
            .split(['.', '-', '+'])
            .next()
            .map(str::to_owned)
    };
    good.iter()
        .find(|f| major(f) == major(installed))
        .or_else(|| good.first())
        .map(|f| (*f).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn affected(ecosystem: &str, events: &[(&str, &str)]) -> Affected {
        let events: Vec<String> = events
            .iter()
            .map(|(k, v)| format!("{{\"{k}\":\"{v}\"}}"))
            .collect();
        serde_json::from_str(&format!(
            r#"{{"package":{{"ecosystem":"{ecosystem}","name":"x"}},"ranges":[{{"type":"ECOSYSTEM","events":[{}]}}]}}"#,
            events.join(",")
        ))
        .unwrap()
    }

    #[test]
    fn the_smallest_fix_of_the_installed_major_that_removes_every_finding() {
        // Two advisories: one fixed in 3.2.19 / 4.1.9, one fixed in 3.2.20 / 4.1.10 (branches of one package).
        let a = [
            affected(
                "PyPI",
                &[
                    ("introduced", "0"),
                    ("fixed", "3.2.19"),
                    ("introduced", "4.0"),
                    ("fixed", "4.1.9"),
                ],
            ),
            affected(
                "PyPI",
                &[
                    ("introduced", "0"),
                    ("fixed", "3.2.20"),
                    ("introduced", "4.0"),
                    ("fixed", "4.1.10"),
                ],
            ),
        ];
        let fixed: Vec<String> = ["3.2.19", "4.1.9", "3.2.20", "4.1.10"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            choose_target(Scheme::Pep440, "3.2.1", &fixed, &a).as_deref(),
            Some("3.2.20")
        );
        assert_eq!(
            choose_target(Scheme::Pep440, "4.0.2", &fixed, &a).as_deref(),
            Some("4.1.10")
        );
        // Nothing fixes it above the installed version.
        assert_eq!(choose_target(Scheme::Pep440, "5.0", &fixed, &a), None);
    }

    #[test]
    fn another_major_when_the_installed_one_has_no_fix() {
        let a = [affected("npm", &[("introduced", "0"), ("fixed", "2.0.1")])];
        let fixed = vec!["2.0.1".to_owned()];
        assert_eq!(
            choose_target(Scheme::SemVer, "1.4.0", &fixed, &a).as_deref(),
            Some("2.0.1")
        );
    }
}
