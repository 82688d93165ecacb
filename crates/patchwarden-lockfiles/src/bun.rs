//! Bun's text lockfile `bun.lock` (Bun ≥ 1.1.39): JSONC (comments and trailing commas) with
//! `"packages": { "key": ["name@version", "registry", {info}, "integrity"], ... }`.
//!
//! The key is where the package sits in `node_modules` (`parent/child` for a nested copy); the first
//! array item is `name@resolution` and gives the real name (aliases). `workspace:`, `link:` and `root:`
//! resolutions are the project's own code and skipped; git, GitHub, `file:` and tarball-URL ones are
//! [`crate::Unpinned`].
//!
//! The file has no dev or optional flags: they come from the dependency graph. The roots are the
//! `workspaces`' `dependencies`, `optionalDependencies`, `peerDependencies` (production) and
//! `devDependencies` (dev); each package's `dependencies` and `peerDependencies` are required edges,
//! `optionalDependencies` optional ones, resolved the way Node resolves (the nearest `parent/.../name`
//! key, then up). A package reached only from dev roots is dev; one reached only through optional
//! edges is optional.

use std::collections::HashMap;

use crate::js_py::{Collector, DepGraph, error, excerpt, is_plain_version, split_at_name};
use crate::npm::json::{self, Member, Value};
use crate::{Format, LockfileParseError, Parsed};

const FORMAT: Format = Format::BunLock;

/// What a `packages` entry resolves to.
enum Kind<'a> {
    Registry { name: &'a str, version: &'a str },
    Local,
    Other { name: &'a str, ident: &'a str },
}

pub(crate) fn parse(text: &str) -> Result<Parsed, LockfileParseError> {
    let root = json::parse(text, true).map_err(|e| e.into_error(FORMAT))?;
    if root.value.as_object().is_none() {
        return Err(error(
            FORMAT,
            Some(root.line),
            None,
            "the top level is not an object",
        ));
    }
    let entries: &[Member] = match root.value.get("packages") {
        None => &[],
        Some(p) => p
            .value
            .as_object()
            .ok_or_else(|| error(FORMAT, Some(p.line), None, "`packages` is not an object"))?,
    };
    let mut kinds = Vec::with_capacity(entries.len());
    let mut infos = Vec::with_capacity(entries.len());
    for m in entries {
        let items = m.value.value.as_array().ok_or_else(|| {
            error(
                FORMAT,
                Some(m.line),
                None,
                format!("the entry `{}` is not an array", excerpt(&m.key)),
            )
        })?;
        let ident = items
            .first()
            .and_then(|n| n.value.as_str())
            .ok_or_else(|| {
                error(
                    FORMAT,
                    Some(m.line),
                    None,
                    format!(
                        "the entry `{}` does not start with `name@version`",
                        excerpt(&m.key)
                    ),
                )
            })?;
        let kind = match split_at_name(ident) {
            Some((name, res)) if is_plain_version(res) => Kind::Registry { name, version: res },
            Some((_, res))
                if ["workspace:", "link:", "root:"]
                    .iter()
                    .any(|p| res.starts_with(p)) =>
            {
                Kind::Local
            }
            Some((name, _)) => Kind::Other { name, ident },
            None => Kind::Other {
                name: &m.key,
                ident,
            },
        };
        kinds.push(kind);
        infos.push(items.iter().skip(1).find(|n| n.value.as_object().is_some()));
    }

    let flags = graph(&root.value, entries, &infos).classify();
    let mut c = Collector::new("npm");
    for (i, (m, kind)) in entries.iter().zip(&kinds).enumerate() {
        let (dev, optional) = flags.get(i).copied().unwrap_or_default();
        match kind {
            Kind::Registry { name, version } => {
                c.package(name, version, Some(m.line), dev, optional)
            }
            Kind::Local => {}
            Kind::Other { name, ident } => c.unpinned(name, ident, m.line),
        }
    }
    Ok(c.finish())
}

/// Splits a `packages` key (`a/@s/b/c`) into the package names along its path.
fn segments(key: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = key;
    while !rest.is_empty() {
        let cut = if rest.starts_with('@') {
            rest.find('/')
                .and_then(|s| rest.get(s + 1..)?.find('/').map(|t| s + 1 + t))
        } else {
            rest.find('/')
        };
        match cut {
            Some(at) => {
                out.push(rest.get(..at).unwrap_or_default());
                rest = rest.get(at + 1..).unwrap_or_default();
            }
            None => {
                out.push(rest);
                break;
            }
        }
    }
    out
}

fn graph(root: &Value, entries: &[Member], infos: &[Option<&json::Node>]) -> DepGraph {
    let index: HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, m)| (m.key.as_str(), i))
        .collect();
    // The nearest `from/.../dep` key, then up to the top (real nesting is far shallower than
    // 32 levels; the bound keeps a crafted deep key from costing quadratic time).
    let resolve = |from: &[&str], dep: &str| -> Option<usize> {
        (0..=from.len().min(32)).rev().find_map(|n| {
            let mut key = from.get(..n).unwrap_or_default().join("/");
            if !key.is_empty() {
                key.push('/');
            }
            key.push_str(dep);
            index.get(key.as_str()).copied()
        })
    };
    let mut g = DepGraph::new(entries.len());
    for (i, m) in entries.iter().enumerate() {
        let Some(info) = infos.get(i).copied().flatten() else {
            continue;
        };
        let from = segments(&m.key);
        for (field, optional) in [
            ("dependencies", false),
            ("peerDependencies", false),
            ("optionalDependencies", true),
        ] {
            for dep in info
                .value
                .get(field)
                .and_then(|d| d.value.as_object())
                .unwrap_or_default()
            {
                if let Some(to) = resolve(&from, &dep.key) {
                    g.edge(i, to, optional);
                }
            }
        }
    }
    let workspaces = root.get("workspaces").and_then(|w| w.value.as_object());
    for ws in workspaces.unwrap_or_default() {
        // Dependencies of a workspace other than the root may sit under `its-name/`.
        let name = ws.value.value.str("name").filter(|_| !ws.key.is_empty());
        let from: Vec<&str> = name.into_iter().collect();
        for (field, dev, optional) in [
            ("dependencies", false, false),
            ("peerDependencies", false, false),
            ("optionalDependencies", false, true),
            ("devDependencies", true, false),
        ] {
            let deps = ws.value.value.get(field).and_then(|d| d.value.as_object());
            for dep in deps.unwrap_or_default() {
                if let Some(to) = resolve(&from, &dep.key) {
                    g.root(to, dev, optional);
                }
            }
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::segments;

    #[test]
    fn key_segments() {
        assert_eq!(segments("a"), ["a"]);
        assert_eq!(segments("@s/a"), ["@s/a"]);
        assert_eq!(segments("a/@s/b/c"), ["a", "@s/b", "c"]);
        assert_eq!(segments("@s/a/b"), ["@s/a", "b"]);
        assert_eq!(segments("@s"), ["@s"]);
        assert!(segments("").is_empty());
    }
}
