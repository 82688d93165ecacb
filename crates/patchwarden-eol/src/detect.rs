//! The components (product + version) a project or a system declares, found in the files that say so:
//! Dockerfile `FROM` lines, `.python-version`, `.nvmrc`, `.node-version`, `package.json` `engines`,
//! `pyproject.toml` `requires-python`, `rust-toolchain(.toml)`, the `go.mod` `go` directive, `os-release`,
//! runtime OS packages (`postgresql-13`, `python3.9`), and components declared in the config
//! (`postgresql@15.4`). Product names are endoflife.date's.

use std::collections::HashMap;

use serde::Serialize;

/// A component and where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    /// The endoflife.date product (`python`, `nodejs`, `alpine-linux`).
    pub product: String,
    /// As found: a version (`3.8.10`), a cycle (`3.8`) or a codename (`bookworm`).
    pub version: String,
    /// `file:line`, or `declared`.
    pub source: String,
    /// What said so (`FROM python:3.8-slim`, `requires-python = ">=3.8"`).
    pub evidence: String,
}

/// Container image names (the last path segment) → product.
const IMAGES: &[(&str, &str)] = &[
    ("python", "python"),
    ("node", "nodejs"),
    ("postgres", "postgresql"),
    ("postgresql", "postgresql"),
    ("mysql", "mysql"),
    ("mariadb", "mariadb"),
    ("redis", "redis"),
    ("debian", "debian"),
    ("ubuntu", "ubuntu"),
    ("alpine", "alpine-linux"),
    ("golang", "go"),
    ("rust", "rust"),
    ("ruby", "ruby"),
    ("php", "php"),
    ("nginx", "nginx"),
    ("mongo", "mongodb"),
    ("eclipse-temurin", "eclipse-temurin"),
    ("amazoncorretto", "amazon-corretto"),
    ("django", "django"),
];

/// Every product detection can name: what `db sync` fetches end-of-life data for (besides the products of
/// declared components).
pub const KNOWN_PRODUCTS: &[&str] = &[
    "python",
    "nodejs",
    "postgresql",
    "mysql",
    "mariadb",
    "redis",
    "debian",
    "ubuntu",
    "alpine-linux",
    "go",
    "rust",
    "ruby",
    "php",
    "nginx",
    "mongodb",
    "eclipse-temurin",
    "amazon-corretto",
    "django",
    "rhel",
    "centos",
    "fedora",
    "rocky-linux",
    "almalinux",
    "amazon-linux",
    "opensuse",
];

/// The operating system an OSV ecosystem of OS packages names (`Debian:12`, `Ubuntu:22.04`, `Alpine:v3.19`).
pub fn from_os_ecosystem(ecosystem: &str, source: &str) -> Option<Component> {
    let (os, version) = ecosystem.split_once(':')?;
    let product = match os {
        "Debian" => "debian",
        "Ubuntu" => "ubuntu",
        "Alpine" => "alpine-linux",
        _ => return None,
    };
    // Ubuntu ecosystems may carry a suffix (`Ubuntu:Pro:18.04:LTS`): the version is the numeric part.
    let version = version
        .split(':')
        .map(|v| v.trim_start_matches('v'))
        .find(|v| v.starts_with(|c: char| c.is_ascii_digit()))?;
    Some(Component {
        product: product.to_owned(),
        version: version.to_owned(),
        source: source.to_owned(),
        evidence: format!("OS packages of {ecosystem}"),
    })
}

/// Debian codenames that image tags carry (`python:3.11-slim-bookworm`).
const DEBIAN_CODENAMES: &[&str] = &[
    "trixie", "bookworm", "bullseye", "buster", "stretch", "jessie",
];

/// `os-release` `ID` → product.
const OS_IDS: &[(&str, &str)] = &[
    ("debian", "debian"),
    ("ubuntu", "ubuntu"),
    ("alpine", "alpine-linux"),
    ("rhel", "rhel"),
    ("centos", "centos"),
    ("fedora", "fedora"),
    ("rocky", "rocky-linux"),
    ("almalinux", "almalinux"),
    ("amzn", "amazon-linux"),
    ("opensuse-leap", "opensuse"),
];

/// Whether a file of this name (`path` may have directories) declares components.
pub fn declares_components(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    matches!(
        name,
        ".python-version"
            | ".nvmrc"
            | ".node-version"
            | "package.json"
            | "pyproject.toml"
            | "rust-toolchain.toml"
            | "rust-toolchain"
            | "go.mod"
    ) || is_os_release(path, name)
        || is_dockerfile(name)
}

fn is_os_release(path: &str, name: &str) -> bool {
    name == "os-release"
        && (path.ends_with("etc/os-release") || path.ends_with("lib/os-release") || path == name)
}

/// The components a file declares, chosen by its name (`path` may have directories); `None` when the
/// file is not one that declares components.
pub fn detect_file(path: &str, text: &str) -> Option<Vec<Component>> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let found = match name {
        ".python-version" => version_file(path, text, "python"),
        ".nvmrc" | ".node-version" => version_file(path, text, "nodejs"),
        "package.json" => package_json(path, text),
        "pyproject.toml" => pyproject(path, text),
        "rust-toolchain.toml" | "rust-toolchain" => rust_toolchain(path, text),
        "go.mod" => go_mod(path, text),
        "os-release"
            if path.ends_with("etc/os-release")
                || path.ends_with("lib/os-release")
                || path == name =>
        {
            from_os_release(text, path).into_iter().collect()
        }
        _ if is_dockerfile(name) => dockerfile(path, text),
        _ => return None,
    };
    Some(found)
}

fn is_dockerfile(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
}

fn component(product: &str, version: &str, path: &str, line: usize, evidence: &str) -> Component {
    Component {
        product: product.to_owned(),
        version: version.to_owned(),
        source: format!("{path}:{line}"),
        evidence: evidence.trim().to_owned(),
    }
}

/// The leading `digits(.digits)*` of `s`, after an optional `v`.
fn leading_version(s: &str) -> Option<&str> {
    let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let v = s[..end].trim_end_matches('.');
    (!v.is_empty() && v.starts_with(|c: char| c.is_ascii_digit())).then_some(v)
}

/// `.python-version`, `.nvmrc`, `.node-version`: the first line that names a version (`lts/*`, `system`
/// and aliases name none).
fn version_file(path: &str, text: &str, product: &str) -> Vec<Component> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .take(1)
        .filter_map(|(n, l)| {
            let version = leading_version(l.split_whitespace().next().unwrap_or(l))?;
            Some(component(product, version, path, n, l))
        })
        .collect()
}

/// The lowest version a requirement range admits (`>=3.8` → `3.8`, `^16.14` → `16.14`, `~3.10` →
/// `3.10`); a range with no lower bound admits nothing we can name.
fn lower_bound(range: &str) -> Option<&str> {
    range
        .split(['|', ','])
        .filter_map(|part| {
            let part = part.trim();
            let rest = part
                .strip_prefix(">=")
                .or_else(|| part.strip_prefix("~="))
                .or_else(|| part.strip_prefix("=="))
                .or_else(|| part.strip_prefix('^'))
                .or_else(|| part.strip_prefix('~'))
                .or_else(|| part.strip_prefix('='))
                .or_else(|| part.strip_prefix('>'))
                .unwrap_or(part);
            if part.starts_with('<') || part.starts_with("!=") {
                return None;
            }
            leading_version(rest.trim())
        })
        .min_by(|a, b| compare_dotted(a, b))
}

fn compare_dotted(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| {
        s.split('.')
            .map(|p| p.parse::<u64>().unwrap_or(0))
            .collect::<Vec<_>>()
    };
    parts(a).cmp(&parts(b))
}

/// The line (1-based) of the first occurrence of `needle`, for sources in structured files.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map_or(1, |i| i + 1)
}

fn package_json(path: &str, text: &str) -> Vec<Component> {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let Some(range) = doc.pointer("/engines/node").and_then(|v| v.as_str()) else {
        return Vec::new();
    };
    lower_bound(range)
        .map(|v| {
            let line = line_of(text, "\"node\"");
            component(
                "nodejs",
                v,
                path,
                line,
                &format!("engines.node = \"{range}\""),
            )
        })
        .into_iter()
        .collect()
}

fn pyproject(path: &str, text: &str) -> Vec<Component> {
    let Ok(doc) = toml::from_str::<toml::Table>(text) else {
        return Vec::new();
    };
    let range = doc
        .get("project")
        .and_then(|p| p.get("requires-python"))
        .or_else(|| {
            doc.get("tool")
                .and_then(|t| t.get("poetry"))
                .and_then(|p| p.get("dependencies"))
                .and_then(|d| d.get("python"))
        })
        .and_then(|v| v.as_str());
    let Some(range) = range else {
        return Vec::new();
    };
    lower_bound(range)
        .map(|v| {
            let line = line_of(text, "requires-python").max(1);
            component(
                "python",
                v,
                path,
                line,
                &format!("requires-python = \"{range}\""),
            )
        })
        .into_iter()
        .collect()
}

fn rust_toolchain(path: &str, text: &str) -> Vec<Component> {
    let channel = match toml::from_str::<toml::Table>(text) {
        Ok(doc) => doc
            .get("toolchain")
            .and_then(|t| t.get("channel"))
            .and_then(|c| c.as_str())
            .map(str::to_owned),
        // The legacy file holds the channel alone.
        Err(_) => text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(str::to_owned),
    };
    channel
        .as_deref()
        .and_then(leading_version)
        .map(|v| {
            let line = line_of(text, v);
            component(
                "rust",
                v,
                path,
                line,
                &format!("channel = \"{}\"", channel.as_deref().unwrap_or(v)),
            )
        })
        .into_iter()
        .collect()
}

fn go_mod(path: &str, text: &str) -> Vec<Component> {
    text.lines()
        .enumerate()
        .find_map(|(i, l)| {
            let rest = l.trim().strip_prefix("go ")?;
            let v = leading_version(rest.trim())?;
            Some(component("go", v, path, i + 1, l))
        })
        .into_iter()
        .collect()
}

/// `FROM` lines of a Dockerfile, with `ARG` defaults substituted; stages named earlier, `scratch` and
/// untagged or `latest` images name no version and are left out.
fn dockerfile(path: &str, text: &str) -> Vec<Component> {
    let mut args: HashMap<String, String> = HashMap::new();
    let mut stages: Vec<String> = Vec::new();
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        let mut words = line.split_whitespace();
        let Some(instruction) = words.next() else {
            continue;
        };
        if instruction.eq_ignore_ascii_case("ARG") {
            if let Some((name, value)) = words.next().and_then(|a| a.split_once('=')) {
                args.insert(name.to_owned(), value.trim_matches('"').to_owned());
            }
            continue;
        }
        if !instruction.eq_ignore_ascii_case("FROM") {
            continue;
        }
        let rest: Vec<&str> = words.filter(|w| !w.starts_with("--")).collect();
        let Some(image) = rest.first() else { continue };
        if let [_, as_kw, name] = rest.as_slice()
            && as_kw.eq_ignore_ascii_case("as")
        {
            stages.push(name.to_ascii_lowercase());
        }
        let image = substitute(image, &args);
        if stages
            .iter()
            .any(|s| *s == image.to_ascii_lowercase() && rest.len() < 3)
            || image == "scratch"
        {
            continue;
        }
        found.extend(from_image(&image, path, i + 1, line));
    }
    found
}

fn substitute(s: &str, args: &HashMap<String, String>) -> String {
    let mut out = s.to_owned();
    for (name, value) in args {
        out = out
            .replace(&format!("${{{name}}}"), value)
            .replace(&format!("${name}"), value);
    }
    out
}

/// The components an image reference names: the image's product at its tag's version, plus the Debian
/// or Alpine release a tag suffix names (`python:3.11-slim-bookworm`, `node:18-alpine3.19`).
fn from_image(image: &str, path: &str, line: usize, evidence: &str) -> Vec<Component> {
    let image = image.split('@').next().unwrap_or(image);
    let (name, tag) = match image.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n, t),
        _ => (image, ""),
    };
    let short = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    let Some(&(_, product)) = IMAGES.iter().find(|(img, _)| *img == short) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut tokens = tag.split('-');
    let first = tokens.next().unwrap_or("");
    if let Some(v) = leading_version(first) {
        out.push(component(product, v, path, line, evidence));
    } else if (product == "debian" && DEBIAN_CODENAMES.contains(&first))
        || (product == "ubuntu" && !first.is_empty() && first != "latest")
    {
        // A codename: `debian:bookworm-slim`, `ubuntu:jammy`.
        out.push(component(product, first, path, line, evidence));
    }
    for token in tokens {
        if DEBIAN_CODENAMES.contains(&token) && product != "debian" {
            out.push(component("debian", token, path, line, evidence));
        } else if let Some(v) = token.strip_prefix("alpine").and_then(leading_version)
            && product != "alpine-linux"
        {
            out.push(component("alpine-linux", v, path, line, evidence));
        }
    }
    out
}

/// The operating system `os-release` names (`ID`, `VERSION_ID`; `VERSION_CODENAME` when there is no
/// `VERSION_ID`, as on Debian testing).
pub fn from_os_release(text: &str, path: &str) -> Option<Component> {
    let mut fields: HashMap<&str, (usize, String)> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        if let Some((k, v)) = line.trim().split_once('=') {
            fields.insert(k, (i + 1, v.trim().trim_matches(['"', '\'']).to_owned()));
        }
    }
    let (_, id) = fields.get("ID")?;
    let product = OS_IDS.iter().find(|(os, _)| os == id)?.1;
    let (line, version) = fields
        .get("VERSION_ID")
        .or_else(|| fields.get("VERSION_CODENAME"))?;
    Some(component(
        product,
        version,
        path,
        *line,
        &format!("ID={id} VERSION_ID={version}"),
    ))
}

/// The runtime an OS package installs (`postgresql-13`, `python3.9`, `nodejs` 18.19.0, `redis-server`
/// 7.0.15), as a component.
pub fn from_os_package(name: &str, version: &str, source: &str) -> Option<Component> {
    // dpkg versions carry an epoch (`5:7.0.15-1`): the upstream part follows it.
    let upstream = version.rsplit_once(':').map_or(version, |(_, v)| v);
    let major_minor = |v: &str| -> Option<String> {
        let v = leading_version(v)?;
        Some(v.split('.').take(2).collect::<Vec<_>>().join("."))
    };
    let major = |v: &str| {
        leading_version(v)
            .and_then(|v| v.split('.').next())
            .map(str::to_owned)
    };
    let (product, cycle) = if let Some(rest) = name
        .strip_prefix("postgresql-")
        .or_else(|| name.strip_prefix("postgresql"))
    {
        ("postgresql", leading_version(rest).map(str::to_owned)?)
    } else if let Some(rest) = name.strip_prefix("python") {
        // `python3.9`, `python3.11-minimal`; Alpine's `python3` is versioned by its package version.
        match leading_version(rest) {
            Some(v) if v.contains('.') => ("python", v.to_owned()),
            Some("3") if !rest.contains('-') => ("python", major_minor(upstream)?),
            _ => return None,
        }
    } else if name == "nodejs" {
        ("nodejs", major(upstream)?)
    } else if let Some(rest) = name.strip_prefix("mysql-server-") {
        ("mysql", leading_version(rest).map(str::to_owned)?)
    } else if name == "mariadb-server" || name == "mariadb" {
        ("mariadb", major_minor(upstream)?)
    } else if name == "redis-server" || name == "redis" {
        ("redis", major_minor(upstream)?)
    } else if name == "nginx" {
        ("nginx", major_minor(upstream)?)
    } else if let Some(rest) = name.strip_prefix("ruby") {
        (
            "ruby",
            leading_version(rest)
                .filter(|v| v.contains('.'))
                .map(str::to_owned)?,
        )
    } else if let Some(rest) = name.strip_prefix("php") {
        let v = leading_version(rest)?;
        // Alpine names them php82.
        let v = if v.contains('.') {
            v.to_owned()
        } else {
            format!("{}.{}", &v[..1], &v[1..])
        };
        (v.len() > 2).then_some(())?;
        ("php", v)
    } else if let Some(rest) = name.strip_prefix("golang-") {
        ("go", leading_version(rest).map(str::to_owned)?)
    } else {
        return None;
    };
    Some(Component {
        product: product.to_owned(),
        version: cycle,
        source: source.to_owned(),
        evidence: format!("package {name} {version}"),
    })
}

/// A component declared in the config: `product@version` (a package URL, `pkg:…`, is not one).
pub fn parse_declared(spec: &str) -> Option<Component> {
    // A package URL declares a package (matched against advisories), not a product with a life cycle.
    if spec.starts_with("pkg:") {
        return None;
    }
    let (product, version) = spec.split_once('@')?;
    let (product, version) = (product.trim(), version.trim());
    (!product.is_empty() && !version.is_empty()).then(|| Component {
        product: product.to_ascii_lowercase(),
        version: version.to_owned(),
        source: "declared".into(),
        evidence: spec.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pv(c: &[Component]) -> Vec<(String, String, String)> {
        c.iter()
            .map(|c| (c.product.clone(), c.version.clone(), c.source.clone()))
            .collect()
    }

    fn t(p: &str, v: &str, s: &str) -> (String, String, String) {
        (p.into(), v.into(), s.into())
    }

    #[test]
    fn dockerfile_from_lines_name_the_runtime_and_the_base_os() {
        let text = "# syntax=docker/dockerfile:1\nARG PY=3.8\nFROM --platform=linux/amd64 python:${PY}-slim-bookworm AS build\nRUN pip wheel .\nFROM build AS test\nFROM node:16-alpine3.19\nFROM postgres:12\nFROM docker.io/library/ubuntu:22.04\nFROM scratch\nFROM nginx\nFROM debian:bullseye-slim@sha256:abc\n";
        assert_eq!(
            pv(&detect_file("deploy/Dockerfile", text).unwrap()),
            vec![
                t("python", "3.8", "deploy/Dockerfile:3"),
                t("debian", "bookworm", "deploy/Dockerfile:3"),
                t("nodejs", "16", "deploy/Dockerfile:6"),
                t("alpine-linux", "3.19", "deploy/Dockerfile:6"),
                t("postgresql", "12", "deploy/Dockerfile:7"),
                t("ubuntu", "22.04", "deploy/Dockerfile:8"),
                t("debian", "bullseye", "deploy/Dockerfile:11"),
            ]
        );
    }

    #[test]
    fn version_files_and_manifests_name_their_runtime() {
        assert_eq!(
            pv(&detect_file(".python-version", "# pyenv\n3.8.10\n").unwrap()),
            vec![t("python", "3.8.10", ".python-version:2")]
        );
        assert_eq!(
            pv(&detect_file("web/.nvmrc", "v16.20.0\n").unwrap()),
            vec![t("nodejs", "16.20.0", "web/.nvmrc:1")]
        );
        assert!(detect_file(".nvmrc", "lts/*\n").unwrap().is_empty());
        let pkg = "{\n  \"name\": \"x\",\n  \"engines\": {\n    \"node\": \">=14.17 <20\"\n  }\n}";
        assert_eq!(
            pv(&detect_file("package.json", pkg).unwrap()),
            vec![t("nodejs", "14.17", "package.json:4")]
        );
        let py = "[project]\nname = \"x\"\nrequires-python = \">=3.8,<4\"\n";
        assert_eq!(
            pv(&detect_file("pyproject.toml", py).unwrap()),
            vec![t("python", "3.8", "pyproject.toml:3")]
        );
        let poetry = "[tool.poetry.dependencies]\npython = \"^3.9\"\n";
        assert_eq!(
            pv(&detect_file("pyproject.toml", poetry).unwrap())[0].1,
            "3.9"
        );
        assert_eq!(
            pv(&detect_file("rust-toolchain.toml", "[toolchain]\nchannel = \"1.70.0\"\n").unwrap()),
            vec![t("rust", "1.70.0", "rust-toolchain.toml:2")]
        );
        assert!(
            detect_file("rust-toolchain.toml", "[toolchain]\nchannel = \"stable\"\n")
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            pv(&detect_file("go.mod", "module x\n\ngo 1.19\n").unwrap()),
            vec![t("go", "1.19", "go.mod:3")]
        );
        assert!(detect_file("README.md", "FROM python:2.7").is_none());
    }

    #[test]
    fn os_release_names_the_distribution() {
        let debian = "PRETTY_NAME=\"Debian GNU/Linux 11 (bullseye)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"11\"\nID=debian\n";
        assert_eq!(
            pv(&from_os_release(debian, "etc/os-release")
                .into_iter()
                .collect::<Vec<_>>()),
            vec![t("debian", "11", "etc/os-release:3")]
        );
        let alpine = "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.16.9\n";
        assert_eq!(
            from_os_release(alpine, "x").unwrap().product,
            "alpine-linux"
        );
        assert!(from_os_release("ID=plan9\nVERSION_ID=4\n", "x").is_none());
    }

    #[test]
    fn os_packages_that_install_a_runtime() {
        let c = |n: &str, v: &str| {
            from_os_package(n, v, "var/lib/dpkg/status:1").map(|c| (c.product, c.version))
        };
        let s = |p: &str, v: &str| Some((p.to_owned(), v.to_owned()));
        assert_eq!(c("postgresql-13", "13.11-0+deb11u1"), s("postgresql", "13"));
        assert_eq!(c("postgresql15", "15.4-r0"), s("postgresql", "15"));
        assert_eq!(c("python3.9", "3.9.2-1"), s("python", "3.9"));
        assert_eq!(c("python3.11-minimal", "3.11.2-6"), s("python", "3.11"));
        assert_eq!(c("python3", "3.11.6-r0"), s("python", "3.11"));
        assert_eq!(c("nodejs", "18.19.0+dfsg-6~deb12u1"), s("nodejs", "18"));
        assert_eq!(c("redis-server", "5:7.0.15-1~deb12u1"), s("redis", "7.0"));
        assert_eq!(
            c("mysql-server-8.0", "8.0.36-0ubuntu0.22.04.1"),
            s("mysql", "8.0")
        );
        assert_eq!(c("php82", "8.2.10-r0"), s("php", "8.2"));
        assert_eq!(c("php8.2-cli", "8.2.7-1"), s("php", "8.2"));
        assert_eq!(c("python3-yaml", "6.0-3"), None);
        assert_eq!(c("libpq5", "15.4-0"), None);
    }

    #[test]
    fn os_package_ecosystems_name_their_release() {
        let c = |e: &str| from_os_ecosystem(e, "s").map(|c| (c.product, c.version));
        assert_eq!(c("Debian:12"), Some(("debian".into(), "12".into())));
        assert_eq!(
            c("Alpine:v3.19"),
            Some(("alpine-linux".into(), "3.19".into()))
        );
        assert_eq!(c("Ubuntu:22.04"), Some(("ubuntu".into(), "22.04".into())));
        assert_eq!(
            c("Ubuntu:Pro:18.04:LTS"),
            Some(("ubuntu".into(), "18.04".into()))
        );
        assert_eq!(c("PyPI"), None);
    }

    #[test]
    fn declared_components_are_product_at_version() {
        let c = parse_declared("PostgreSQL@15.4").unwrap();
        assert_eq!(
            (c.product.as_str(), c.version.as_str(), c.source.as_str()),
            ("postgresql", "15.4", "declared")
        );
        assert!(parse_declared("postgresql").is_none());
        assert!(parse_declared("@1").is_none());
        assert!(parse_declared("pkg:pypi/django@4.2.1").is_none());
    }
}
