//! Package URLs (`pkg:npm/%40scope/name@1.0.0`) and the tools' names for ecosystems, mapped to OSV's.

/// A package URL's ecosystem, name and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    pub ecosystem: String,
    pub name: String,
    pub version: Option<String>,
}

impl Purl {
    pub fn parse(text: &str) -> Option<Purl> {
        let rest = text.strip_prefix("pkg:")?;
        let (rest, qualifiers) = rest.split_once('?').unwrap_or((rest, ""));
        let rest = rest.split('#').next().unwrap_or(rest);
        let (kind, path) = rest.split_once('/')?;
        // The version follows the last '@' that is not the first character (an unencoded npm scope).
        let (path, version) = match path.rfind('@') {
            Some(at) if at > 0 => (&path[..at], Some(decode(&path[at + 1..]))),
            _ => (path, None),
        };
        let path = decode(path);
        let kind = kind.to_ascii_lowercase();
        let name = match kind.as_str() {
            // Maven's coordinates are group:artifact; OS packages drop the vendor namespace.
            "maven" => path.replacen('/', ":", 1),
            "deb" | "apk" | "rpm" => path.rsplit('/').next().unwrap_or(&path).to_owned(),
            _ => path,
        };
        let distro = qualifiers
            .split('&')
            .find_map(|q| q.strip_prefix("distro="))
            .map(decode);
        let ecosystem = match (kind.as_str(), distro) {
            ("deb", Some(d)) => os_ecosystem(&d).unwrap_or_else(|| "Debian".into()),
            ("apk", Some(d)) => {
                os_ecosystem(&format!("alpine-{d}")).unwrap_or_else(|| "Alpine".into())
            }
            _ => ecosystem_of(&kind),
        };
        (!name.is_empty()).then_some(Purl {
            ecosystem,
            name,
            version: version.filter(|v| !v.is_empty()),
        })
    }
}

/// `debian-12` → `Debian:12`, `alpine-3.19.1` → `Alpine:v3.19`, `ubuntu-22.04` → `Ubuntu:22.04`.
pub(crate) fn os_ecosystem(distro: &str) -> Option<String> {
    let (family, version) = distro.split_once(['-', ':', ' '])?;
    let version = version.trim_start_matches('v');
    match family.to_ascii_lowercase().as_str() {
        "debian" => Some(format!("Debian:{}", version.split('.').next()?)),
        "ubuntu" => Some(format!("Ubuntu:{version}")),
        "alpine" => {
            let mut parts = version.split('.');
            Some(format!("Alpine:v{}.{}", parts.next()?, parts.next()?))
        }
        _ => None,
    }
}

/// A tool's name for an ecosystem (a purl type, a Trivy or Grype package type, a Dependabot ecosystem)
/// as OSV names it; unknown names are kept as given.
pub fn ecosystem_of(name: &str) -> String {
    match name.to_ascii_lowercase().as_str() {
        "pypi" | "pip" | "pipenv" | "poetry" | "uv" | "python" | "python-pkg" | "conda" => "PyPI",
        "npm" | "yarn" | "pnpm" | "bun" | "node-pkg" => "npm",
        "cargo" | "crates.io" | "rust" | "rust-crate" | "rustbinary" => "crates.io",
        "golang" | "go" | "gomod" | "go-module" | "gobinary" => "Go",
        "gem" | "gems" | "rubygems" | "bundler" | "gemspec" => "RubyGems",
        "composer" | "php-composer" | "packagist" => "Packagist",
        "maven" | "jar" | "pom" | "gradle" | "java-archive" | "jenkins-plugin" => "Maven",
        "nuget" | "dotnet" | "dotnet-core" | "dotnet-deps" => "NuGet",
        "deb" | "debian" => "Debian",
        "ubuntu" => "Ubuntu",
        "apk" | "alpine" => "Alpine",
        "pub" => "Pub",
        "hex" => "Hex",
        "swift" => "SwiftURL",
        "actions" => "GitHub Actions",
        _ => return name.to_owned(),
    }
    .to_owned()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn purl(text: &str) -> (String, String, Option<String>) {
        let p = Purl::parse(text).expect("a purl");
        (p.ecosystem, p.name, p.version)
    }

    #[test]
    fn purls_map_to_osv_names() {
        assert_eq!(
            purl("pkg:npm/%40babel/traverse@7.23.0"),
            (
                "npm".into(),
                "@babel/traverse".into(),
                Some("7.23.0".into())
            )
        );
        assert_eq!(
            purl("pkg:npm/@babel/traverse"),
            ("npm".into(), "@babel/traverse".into(), None)
        );
        assert_eq!(
            purl("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar"),
            (
                "Maven".into(),
                "org.apache.logging.log4j:log4j-core".into(),
                Some("2.14.1".into())
            )
        );
        assert_eq!(
            purl("pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"),
            (
                "Debian:12".into(),
                "openssl".into(),
                Some("3.0.11-1~deb12u2".into())
            )
        );
        assert_eq!(
            purl("pkg:apk/alpine/busybox@1.36.1-r2?arch=x86_64&distro=3.18.4"),
            (
                "Alpine:v3.18".into(),
                "busybox".into(),
                Some("1.36.1-r2".into())
            )
        );
        assert_eq!(
            purl("pkg:cargo/time@0.1.45"),
            ("crates.io".into(), "time".into(), Some("0.1.45".into()))
        );
        assert_eq!(Purl::parse("npm/lodash"), None);
        assert_eq!(Purl::parse("pkg:npm/"), None);
    }
}
