//! Package URLs (<https://github.com/package-url/purl-spec>):
//! `pkg:type/namespace/name@version?qualifiers#subpath`, and the OSV ecosystem, name and version a purl
//! names.
//!
//! Parsing follows the specification's "how to parse": the scheme `pkg` (any case, `/` after it not
//! significant), the subpath after the last `#`, the qualifiers after the last `?` (keys lowercased,
//! values percent-decoded, empty values dropped), the type up to the first `/` (lowercased), the version
//! after an `@` in the last segment, the name in the last segment and the namespace before it, every
//! part percent-decoded. The type-specific rules the specification's test suite checks are applied:
//! `bitbucket`, `github`, `gitlab`, `composer`, `deb`, `apk` and `alpm` namespaces and names are
//! lowercased, `pypi` names lowercased with `_` → `-`; a `conan` namespace needs a `channel` qualifier
//! and the other way round; `cran` needs a version; `swift` a namespace and a version. An invalid purl
//! gives None.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::os_release::{alpine_release, debian_release, ubuntu_release};

/// A parsed package URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurlPackage {
    /// The type, lowercased: `npm`, `pypi`, `cargo`, `golang`, `deb`, …
    pub purl_type: String,
    /// The namespace segments joined by `/`, decoded (`@angular`, `github.com/gorilla`, `debian`).
    pub namespace: Option<String>,
    pub name: String,
    pub version: Option<String>,
    /// Qualifier keys (lowercased) → decoded values.
    pub qualifiers: BTreeMap<String, String>,
    /// The subpath without leading/trailing `/`, `.` and `..` segments.
    pub subpath: Option<String>,
}

/// Parses a package URL; None when it is not a valid purl.
pub fn parse_purl(purl: &str) -> Option<PurlPackage> {
    let purl = purl.trim();
    let (scheme, rest) = purl.split_once(':')?;
    if !scheme.eq_ignore_ascii_case("pkg") {
        return None;
    }
    let (rest, subpath) = match rest.rsplit_once('#') {
        Some((rest, sub)) => (rest, parse_subpath(sub)?),
        None => (rest, None),
    };
    let (rest, qualifiers) = match rest.rsplit_once('?') {
        Some((rest, q)) => (rest, parse_qualifiers(q)?),
        None => (rest, BTreeMap::new()),
    };
    let rest = rest.trim_start_matches('/');
    let (purl_type, rest) = rest.split_once('/')?;
    let purl_type = purl_type.to_ascii_lowercase();
    let mut type_chars = purl_type.chars();
    if !type_chars.next().is_some_and(|c| c.is_ascii_lowercase())
        || !type_chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".+-".contains(c))
    {
        return None;
    }
    let rest = rest.trim_end_matches('/');
    // The version is after an `@` of the last segment (an `@` before the last `/` is an npm scope).
    let last_slash = rest.rfind('/');
    let (rest, version) = match rest.rfind('@') {
        Some(at) if last_slash.is_none_or(|s| at > s) => {
            let version = decode(&rest[at + 1..])?;
            (&rest[..at], Some(version).filter(|v| !v.is_empty()))
        }
        _ => (rest, None),
    };
    let (namespace, name) = match rest.rsplit_once('/') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, rest),
    };
    let mut name = decode(name)?;
    let mut namespace = match namespace {
        Some(ns) => {
            let segments = ns
                .split('/')
                .filter(|s| !s.is_empty())
                .map(decode)
                .collect::<Option<Vec<_>>>()?;
            Some(segments.join("/")).filter(|s| !s.is_empty())
        }
        None => None,
    };
    if name.is_empty() {
        return None;
    }
    match purl_type.as_str() {
        "bitbucket" | "github" | "gitlab" | "composer" | "deb" | "apk" | "alpm" => {
            name = name.to_lowercase();
            namespace = namespace.map(|n| n.to_lowercase());
        }
        "pypi" => name = name.to_lowercase().replace('_', "-"),
        "conan" if namespace.is_some() != qualifiers.contains_key("channel") => return None,
        "cran" => {
            version.as_ref()?;
        }
        "swift" => {
            namespace.as_ref()?;
            version.as_ref()?;
        }
        _ => {}
    }
    Some(PurlPackage {
        purl_type,
        namespace,
        name,
        version,
        qualifiers,
        subpath,
    })
}

impl PurlPackage {
    /// The OSV ecosystem of the package, None for types patchwarden cannot check (the caller reports
    /// such components as not checkable): npm → `npm`, pypi → `PyPI`, cargo → `crates.io`, golang →
    /// `Go`, gem → `RubyGems`, composer → `Packagist`, maven → `Maven`, nuget → `NuGet`, hex → `Hex`,
    /// pub → `Pub`, cran → `CRAN`, hackage → `Hackage`; `deb` with namespace `debian` / `ubuntu` → the
    /// release of its `distro` qualifier (`debian-12`, `bookworm`, `12` → `Debian:12`; `ubuntu-22.04`,
    /// `jammy` → `Ubuntu:22.04:LTS`, as OSV names LTS releases), or the bare `Debian` / `Ubuntu` without
    /// one; `apk` with namespace `alpine` → `Alpine:v3.17` from `distro=3.17.2` or `alpine-3.17.2`
    /// (bare `Alpine` without), `wolfi` → `Wolfi`, `chainguard` → `Chainguard`.
    pub fn ecosystem(&self) -> Option<String> {
        let simple = match self.purl_type.as_str() {
            "npm" => "npm",
            "pypi" => "PyPI",
            "cargo" => "crates.io",
            "golang" => "Go",
            "gem" => "RubyGems",
            "composer" => "Packagist",
            "maven" => "Maven",
            "nuget" => "NuGet",
            "hex" => "Hex",
            "pub" => "Pub",
            "cran" => "CRAN",
            "hackage" => "Hackage",
            "deb" => {
                let distro = self.qualifiers.get("distro");
                return match self.namespace.as_deref()? {
                    "debian" => Some(
                        distro
                            .and_then(|d| debian_release(d))
                            .unwrap_or_else(|| "Debian".to_owned()),
                    ),
                    "ubuntu" => Some(
                        distro
                            .and_then(|d| ubuntu_release(d, None))
                            .unwrap_or_else(|| "Ubuntu".to_owned()),
                    ),
                    _ => None,
                };
            }
            "apk" => {
                return match self.namespace.as_deref()? {
                    "alpine" => Some(
                        self.qualifiers
                            .get("distro")
                            .and_then(|d| alpine_release(d))
                            .unwrap_or_else(|| "Alpine".to_owned()),
                    ),
                    "wolfi" => Some("Wolfi".to_owned()),
                    "chainguard" => Some("Chainguard".to_owned()),
                    _ => None,
                };
            }
            _ => return None,
        };
        Some(simple.to_owned())
    }

    /// The package's name as its OSV ecosystem writes it: npm `@scope/name`, Go `namespace/name` (the
    /// module path), Packagist `vendor/name`, Maven `group:artifact`; for `deb` and `apk` the source
    /// package, which OSV's Debian/Ubuntu/Alpine advisories are filed under: the name part of the
    /// `upstream` qualifier (`upstream=glibc` or `upstream=util-linux@2.29.2-1`, as syft writes it),
    /// else the binary package's name. Other types: the name.
    pub fn osv_name(&self) -> String {
        let ns = self.namespace.as_deref().filter(|n| !n.is_empty());
        match (self.purl_type.as_str(), ns) {
            ("npm", Some(ns)) if ns.starts_with('@') => format!("{ns}/{}", self.name),
            ("npm", Some(ns)) => format!("@{ns}/{}", self.name),
            ("golang" | "composer", Some(ns)) => format!("{ns}/{}", self.name),
            ("maven", Some(ns)) => format!("{ns}:{}", self.name),
            ("deb" | "apk", _) => match self.upstream() {
                Some((name, _)) => name.to_owned(),
                None => self.name.clone(),
            },
            _ => self.name.clone(),
        }
    }

    /// The version to match advisories with: for `deb` and `apk` the source version of the `upstream`
    /// qualifier when it carries one (`upstream=attr@1:2.4.47-2`), else the purl's version.
    pub fn osv_version(&self) -> Option<String> {
        if matches!(self.purl_type.as_str(), "deb" | "apk")
            && let Some((_, Some(version))) = self.upstream()
        {
            return Some(version.to_owned());
        }
        self.version.clone()
    }

    /// The `upstream` qualifier as (source name, source version).
    fn upstream(&self) -> Option<(&str, Option<&str>)> {
        let upstream = self.qualifiers.get("upstream")?.trim();
        let (name, version) = match upstream.split_once('@') {
            Some((n, v)) => (n.trim(), Some(v.trim()).filter(|v| !v.is_empty())),
            None => (upstream, None),
        };
        (!name.is_empty()).then_some((name, version))
    }
}

fn parse_qualifiers(text: &str) -> Option<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=')?;
        let key = key.to_ascii_lowercase();
        let mut chars = key.chars();
        if !chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || ".-_".contains(c))
            || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c))
        {
            return None;
        }
        let value = decode(value)?;
        if !value.is_empty() {
            out.entry(key).or_insert(value);
        }
    }
    Some(out)
}

fn parse_subpath(text: &str) -> Option<Option<String>> {
    let segments = text
        .split('/')
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        .map(decode)
        .collect::<Option<Vec<_>>>()?;
    Some(Some(segments.join("/")).filter(|s| !s.is_empty()))
}

/// Percent-decoding; None for a `%` not followed by two hex digits or bytes that are not UTF-8.
fn decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert_eq!(decode("a%20b").as_deref(), Some("a b"));
        assert_eq!(decode("%40scope").as_deref(), Some("@scope"));
        assert_eq!(decode("%e2%82%ac").as_deref(), Some("€"));
        assert_eq!(decode("50%"), None);
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("%ff"), None);
        assert_eq!(decode("%+1"), None);
    }
}
