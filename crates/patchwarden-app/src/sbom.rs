//! `sbom`: the inventory a scan sees, written as CycloneDX 1.5 JSON or SPDX 2.3 JSON, each component
//! identified by its package URL.

use std::collections::BTreeSet;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::inventory::Inventory;

/// Percent-encodes what a purl segment may not hold (RFC 3986 unreserved characters stay; `keep` too).
fn encode(text: &str, keep: &[char]) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._~".contains(c) || keep.contains(&c) {
                c.to_string()
            } else {
                let mut buf = [0u8; 4];
                c.encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect()
            }
        })
        .collect()
}

/// The package URL (https://github.com/package-url/purl-spec) of a package; None for ecosystems without
/// a purl type.
pub fn purl(ecosystem: &str, name: &str, version: &str) -> Option<String> {
    let v = encode(version, &[':']);
    let (base, release) = ecosystem
        .split_once(':')
        .map_or((ecosystem, None), |(b, r)| (b, Some(r)));
    let path = |n: &str| {
        n.split('/')
            .map(|s| encode(s, &[]))
            .collect::<Vec<_>>()
            .join("/")
    };
    Some(match base {
        "npm" => format!("pkg:npm/{}@{v}", path(name)),
        "PyPI" => format!(
            "pkg:pypi/{}@{v}",
            encode(&name.to_lowercase().replace('_', "-"), &[])
        ),
        "crates.io" => format!("pkg:cargo/{}@{v}", encode(name, &[])),
        "Go" => format!("pkg:golang/{}@{v}", path(name)),
        "RubyGems" => format!("pkg:gem/{}@{v}", encode(name, &[])),
        "Packagist" => format!("pkg:composer/{}@{v}", path(&name.to_lowercase())),
        "Maven" => {
            let (group, artifact) = name.split_once(':')?;
            format!(
                "pkg:maven/{}/{}@{v}",
                path(&group.replace('.', "/")).replace('/', "."),
                encode(artifact, &[])
            )
        }
        "NuGet" => format!("pkg:nuget/{}@{v}", encode(name, &[])),
        "Debian" | "Ubuntu" => {
            let distro = release
                .map(|r| {
                    format!(
                        "?distro={}-{}",
                        base.to_lowercase(),
                        r.trim_end_matches(":LTS")
                    )
                })
                .unwrap_or_default();
            format!(
                "pkg:deb/{}/{}@{v}{distro}",
                base.to_lowercase(),
                encode(name, &[])
            )
        }
        "Alpine" => {
            let distro = release
                .map(|r| format!("?distro={}", r.trim_start_matches('v')))
                .unwrap_or_default();
            format!("pkg:apk/alpine/{}@{v}{distro}", encode(name, &[]))
        }
        _ => return None,
    })
}

/// (ecosystem, name, version, purl) of every distinct package, sorted.
fn components(inventory: &Inventory) -> Vec<(String, String, String, Option<String>)> {
    let set: BTreeSet<(String, String, String)> = inventory
        .packages
        .iter()
        .map(|l| {
            (
                l.package.ecosystem.clone(),
                l.package.name.clone(),
                l.package.version.clone(),
            )
        })
        .collect();
    set.into_iter()
        .map(|(e, n, v)| {
            let p = purl(&e, &n, &v);
            (e, n, v, p)
        })
        .collect()
}

/// A CycloneDX 1.5 JSON BOM.
pub fn cyclonedx(inventory: &Inventory, name: &str, now: DateTime<Utc>) -> Value {
    let components: Vec<Value> = components(inventory)
        .into_iter()
        .map(|(ecosystem, n, v, p)| {
            let mut c = json!({
                "type": "library",
                "bom-ref": p.clone().unwrap_or_else(|| format!("{ecosystem}:{n}@{v}")),
                "name": n,
                "version": v,
                "properties": [{ "name": "patchwarden:ecosystem", "value": ecosystem }],
            });
            if let Some(p) = p {
                c["purl"] = json!(p);
            }
            c
        })
        .collect();
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {
            "timestamp": now.to_rfc3339_opts(SecondsFormat::Secs, true),
            "tools": { "components": [{ "type": "application", "name": "patchwarden", "version": env!("CARGO_PKG_VERSION") }] },
            "component": { "type": "application", "name": name, "bom-ref": format!("asset:{name}") },
        },
        "components": components,
    })
}

/// An SPDX 2.3 JSON document.
pub fn spdx(inventory: &Inventory, name: &str, now: DateTime<Utc>) -> Value {
    let packages: Vec<Value> = components(inventory)
        .into_iter()
        .enumerate()
        .map(|(i, (_, n, v, p))| {
            let mut pkg = json!({
                "SPDXID": format!("SPDXRef-Package-{i}"),
                "name": n,
                "versionInfo": v,
                "downloadLocation": "NOASSERTION",
                "filesAnalyzed": false,
            });
            if let Some(p) = p {
                pkg["externalRefs"] = json!([{ "referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": p }]);
            }
            pkg
        })
        .collect();
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": format!("https://example.invalid/patchwarden/{}/{}", encode(name, &[]), now.timestamp()),
        "creationInfo": { "created": now.to_rfc3339_opts(SecondsFormat::Secs, true), "creators": [concat!("Tool: patchwarden-", env!("CARGO_PKG_VERSION"))] },
        "packages": packages,
    })
}

#[cfg(test)]
mod tests {
    use super::purl;

    #[test]
    fn purls_follow_the_spec_per_ecosystem() {
        assert_eq!(
            purl("npm", "@babel/core", "7.0.0").as_deref(),
            Some("pkg:npm/%40babel/core@7.0.0")
        );
        assert_eq!(
            purl("PyPI", "Django_Rest", "3.4.4").as_deref(),
            Some("pkg:pypi/django-rest@3.4.4")
        );
        assert_eq!(
            purl("crates.io", "serde", "1.0.0+build").as_deref(),
            Some("pkg:cargo/serde@1.0.0%2Bbuild")
        );
        assert_eq!(
            purl("Go", "golang.org/x/net", "v0.17.0").as_deref(),
            Some("pkg:golang/golang.org/x/net@v0.17.0")
        );
        assert_eq!(
            purl("Debian:12", "openssl", "3.0.11-1~deb12u2").as_deref(),
            Some("pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12")
        );
        assert_eq!(
            purl("Alpine:v3.18", "musl", "1.2.4-r0").as_deref(),
            Some("pkg:apk/alpine/musl@1.2.4-r0?distro=3.18")
        );
        assert_eq!(purl("Hackage", "x", "1"), None);
    }
}
