//! `/etc/os-release` → the OSV ecosystem of the operating system's packages.
//!
//! OSV scopes OS advisories to a release with an ecosystem suffix, spelled as the OSV schema's ecosystem
//! list says (and as the advisories write it, which is what matching compares exactly):
//!
//! * Debian: `Debian:<major>` (`VERSION_ID="12"` → `Debian:12`; a point release `12.4` is not part of the
//!   name). Debian testing and unstable have no `VERSION_ID`: the codename of `VERSION_CODENAME` (or of
//!   `PRETTY_NAME="Debian GNU/Linux trixie/sid"`) gives the number it will be released as (`trixie` →
//!   `Debian:13`, the number osv.dev already uses for testing); `sid` alone, or an unknown codename,
//!   gives the bare `Debian`, which names no release (OSV has no `Debian:sid`).
//! * Ubuntu: `Ubuntu:<YY.MM>` with the **mandatory** `:LTS` suffix for LTS releases
//!   (`Ubuntu:22.04:LTS`, `Ubuntu:23.10`): the OSV schema requires it and Ubuntu's advisories are filed
//!   under it, so `Ubuntu:22.04` would match nothing. LTS is read from `VERSION` (`"22.04.3 LTS (Jammy
//!   Jellyfish)"`); without `VERSION`, an even year's `.04` release is taken as LTS (Ubuntu's rule since
//!   8.04). Ubuntu Pro (`Ubuntu:Pro:…`) cannot be told from os-release and is not returned.
//! * Alpine: `Alpine:v<major>.<minor>` (`VERSION_ID=3.18.4` → `Alpine:v3.18`); edge's
//!   `3.21_alpha20240807` → `Alpine:v3.21`, the branch it becomes.
//! * Wolfi and Chainguard: `Wolfi`, `Chainguard` (OSV does not scope them to releases).
//!
//! Other distributions (including Debian and Ubuntu derivatives, whose packages differ) → `None`.

use std::collections::HashMap;

/// The OSV ecosystem of the OS that `os_release` (the text of `/etc/os-release`) describes: `Debian:12`,
/// `Ubuntu:22.04:LTS`, `Alpine:v3.18`, …; None for an OS patchwarden has no advisories' naming for.
pub fn os_ecosystem(os_release: &str) -> Option<String> {
    let fields = fields(os_release);
    let get = |key: &str| {
        fields
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let id = get("ID")?.to_ascii_lowercase();
    match id.as_str() {
        "debian" => {
            if let Some(eco) = get("VERSION_ID").and_then(debian_release) {
                return Some(eco);
            }
            let codename = get("VERSION_CODENAME").or_else(|| {
                // "Debian GNU/Linux trixie/sid": the codename before "/sid".
                get("PRETTY_NAME")
                    .and_then(|p| p.rsplit(' ').next())
                    .and_then(|last| last.split('/').next())
            });
            Some(
                codename
                    .and_then(debian_release)
                    .unwrap_or_else(|| "Debian".to_owned()),
            )
        }
        "ubuntu" => {
            let lts = get("VERSION").map(|v| v.contains("LTS"));
            get("VERSION_ID")
                .and_then(|v| ubuntu_release(v, lts))
                .or_else(|| get("VERSION_CODENAME").and_then(|c| ubuntu_release(c, None)))
        }
        "alpine" => get("VERSION_ID").and_then(alpine_release),
        "wolfi" => Some("Wolfi".to_owned()),
        "chainguard" => Some("Chainguard".to_owned()),
        _ => None,
    }
}

/// The `KEY=value` assignments of an os-release file, values unquoted (`"…"` with `\` escapes, `'…'`).
fn fields(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let value = value.trim();
        let value = if let Some(inner) = value.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => {
                        if let Some(next) = chars.next() {
                            out.push(next);
                        }
                    }
                    c => out.push(c),
                }
            }
            out
        } else if let Some(inner) = value.strip_prefix('\'') {
            inner.split('\'').next().unwrap_or_default().to_owned()
        } else {
            value.to_owned()
        };
        out.entry(key.to_owned()).or_insert(value);
    }
    out
}

const DEBIAN_CODENAMES: &[(&str, &str)] = &[
    ("lenny", "5"),
    ("squeeze", "6"),
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
    ("duke", "15"),
];

const UBUNTU_CODENAMES: &[(&str, &str)] = &[
    ("trusty", "14.04"),
    ("xenial", "16.04"),
    ("bionic", "18.04"),
    ("cosmic", "18.10"),
    ("disco", "19.04"),
    ("eoan", "19.10"),
    ("focal", "20.04"),
    ("groovy", "20.10"),
    ("hirsute", "21.04"),
    ("impish", "21.10"),
    ("jammy", "22.04"),
    ("kinetic", "22.10"),
    ("lunar", "23.04"),
    ("mantic", "23.10"),
    ("noble", "24.04"),
    ("oracular", "24.10"),
    ("plucky", "25.04"),
];

/// `12`, `12.4`, `bookworm`, `debian-12`, `debian-bookworm` → `Debian:12`; None when no release number
/// can be told (`sid`, `unstable`, an unknown codename).
pub(crate) fn debian_release(release: &str) -> Option<String> {
    let release = release.trim().to_ascii_lowercase();
    let release = release.strip_prefix("debian-").unwrap_or(&release);
    let major = release.split('.').next().unwrap_or_default();
    if !major.is_empty() && major.len() <= 4 && major.bytes().all(|b| b.is_ascii_digit()) {
        return major.parse::<u32>().ok().map(|n| format!("Debian:{n}"));
    }
    DEBIAN_CODENAMES
        .iter()
        .find(|(name, _)| *name == release)
        .map(|(_, n)| format!("Debian:{n}"))
}

/// `22.04`, `22.04.3`, `jammy`, `ubuntu-22.04` → `Ubuntu:22.04:LTS`; `23.10` → `Ubuntu:23.10`.
/// `lts`: what the OS says (os-release `VERSION`), else Ubuntu's rule (the `.04` of even years).
pub(crate) fn ubuntu_release(release: &str, lts: Option<bool>) -> Option<String> {
    let release = release.trim().to_ascii_lowercase();
    let release = release.strip_prefix("ubuntu-").unwrap_or(&release);
    let numeric = match UBUNTU_CODENAMES.iter().find(|(name, _)| *name == release) {
        Some((_, n)) => (*n).to_owned(),
        None => release.to_owned(),
    };
    let mut parts = numeric.split('.');
    let (year, month) = (parts.next()?, parts.next()?);
    let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(year) || !two_digits(month) {
        return None;
    }
    let lts = lts.unwrap_or_else(|| month == "04" && year.parse::<u32>().is_ok_and(|y| y % 2 == 0));
    Some(if lts {
        format!("Ubuntu:{year}.{month}:LTS")
    } else {
        format!("Ubuntu:{year}.{month}")
    })
}

/// `3.18.4`, `v3.18`, `alpine-3.17.2`, `3.21_alpha20240807` → `Alpine:v3.18` …
pub(crate) fn alpine_release(release: &str) -> Option<String> {
    let release = release.trim().to_ascii_lowercase();
    let release = release.strip_prefix("alpine-").unwrap_or(&release);
    let release = release.strip_prefix('v').unwrap_or(release);
    let release = release.split(['_', '-']).next().unwrap_or_default();
    let mut parts = release.split('.');
    let (major, minor) = (parts.next()?, parts.next()?);
    let numeric = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    if !numeric(major) || !numeric(minor) {
        return None;
    }
    Some(format!("Alpine:v{major}.{minor}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_releases() {
        assert_eq!(debian_release("12").as_deref(), Some("Debian:12"));
        assert_eq!(debian_release("12.4").as_deref(), Some("Debian:12"));
        assert_eq!(debian_release("bookworm").as_deref(), Some("Debian:12"));
        assert_eq!(debian_release("debian-9").as_deref(), Some("Debian:9"));
        assert_eq!(debian_release("sid"), None);
        assert_eq!(debian_release(""), None);
    }

    #[test]
    fn ubuntu_releases() {
        assert_eq!(
            ubuntu_release("22.04", None).as_deref(),
            Some("Ubuntu:22.04:LTS")
        );
        assert_eq!(
            ubuntu_release("ubuntu-23.10", None).as_deref(),
            Some("Ubuntu:23.10")
        );
        assert_eq!(
            ubuntu_release("jammy", None).as_deref(),
            Some("Ubuntu:22.04:LTS")
        );
        assert_eq!(
            ubuntu_release("22.04", Some(false)).as_deref(),
            Some("Ubuntu:22.04")
        );
        assert_eq!(ubuntu_release("22", None), None);
        assert_eq!(ubuntu_release("2022.04", None), None);
    }

    #[test]
    fn alpine_releases() {
        assert_eq!(alpine_release("3.18.4").as_deref(), Some("Alpine:v3.18"));
        assert_eq!(
            alpine_release("alpine-3.17.2").as_deref(),
            Some("Alpine:v3.17")
        );
        assert_eq!(alpine_release("v3.9").as_deref(), Some("Alpine:v3.9"));
        assert_eq!(
            alpine_release("3.21_alpha20240807").as_deref(),
            Some("Alpine:v3.21")
        );
        assert_eq!(alpine_release("edge"), None);
        assert_eq!(alpine_release("3"), None);
    }

    #[test]
    fn quoting() {
        let f = fields("A=\"x \\\"y\\\"\"\nB='z w'\n# C=1\nD=plain\n");
        assert_eq!(f["A"], "x \"y\"");
        assert_eq!(f["B"], "z w");
        assert_eq!(f["D"], "plain");
        assert!(!f.contains_key("# C"));
    }
}
