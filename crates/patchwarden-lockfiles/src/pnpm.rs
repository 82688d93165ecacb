//! `pnpm-lock.yaml`: lockfileVersion 5.x (`packages` keys `/name/1.2.3`, `/name/1.2.3_peer@1.0.0`),
//! 6.0 (`/name@1.2.3(peer@1.0.0)`) and 9.0 (`name@1.2.3` under `packages`, plus `snapshots`).
//!
//! Read with `saphyr-parser` into a small tree that keeps the line of every key ([`yaml`]). One
//! package per distinct (name, version) at the line of its first key; peer suffixes are dropped.
//! A version that is not a registry version (tarball URL, git, `file:`) is [`crate::Unpinned`];
//! `link:` entries are skipped.
//!
//! Dev and optional: v5/v6 say so per package (`dev: true`; no `dev` key means both prod and dev →
//! not dev; `optional: true`). v9 dropped `dev`, so it is computed from the graph: the roots are every
//! importer's `dependencies` / `optionalDependencies` (production) and `devDependencies` (dev), the
//! edges the `snapshots`' `dependencies` (required) and `optionalDependencies`; a package reached
//! only from dev roots is dev. v9 optional is pnpm's own `optional: true` on the snapshots.
//! Every YAML document of the file is read (pnpm ≥ 10 may put an environment lockfile first).

use std::collections::{HashMap, HashSet};

use crate::js_py::{Collector, DepGraph, error, is_plain_version};
use crate::{Format, LockfileParseError, Parsed};

use yaml::{Node, Yaml};

const FORMAT: Format = Format::PnpmLock;

pub(crate) fn parse(text: &str) -> Result<Parsed, LockfileParseError> {
    let docs =
        yaml::load(text).map_err(|e| error(FORMAT, Some(e.line), Some(e.column), e.message))?;
    let mut c = Collector::new("npm");
    for doc in &docs {
        match &doc.value {
            Yaml::Map(_) => document(&mut c, doc)?,
            Yaml::Null => {}
            _ => {
                return Err(error(
                    FORMAT,
                    Some(doc.line),
                    None,
                    "the document is not a mapping",
                ));
            }
        }
    }
    Ok(c.finish())
}

fn map_of<'a>(node: &'a Node, what: &str) -> Result<&'a [(String, u32, Node)], LockfileParseError> {
    match &node.value {
        Yaml::Map(m) => Ok(m),
        Yaml::Null => Ok(&[]),
        _ => Err(error(
            FORMAT,
            Some(node.line),
            None,
            format!("`{what}` is not a mapping"),
        )),
    }
}

/// A `packages` / `snapshots` key split into name and version (peer suffixes dropped); None for keys
/// that are not `name@version` or `/name/version` (tarball locations like `github.com/u/r/sha`).
fn split_key(key: &str) -> Option<(&str, &str)> {
    let key = key.split('(').next().unwrap_or_default(); // v6/v9 peers
    let slashed = key.strip_prefix('/');
    let body = slashed.unwrap_or(key);
    let scope_end = if body.starts_with('@') {
        body.find('/')? + 1
    } else {
        0
    };
    let rest = body.get(scope_end..)?;
    let sep = rest.find(['@', '/'])? + scope_end;
    let (name, version) = (body.get(..sep)?, body.get(sep + 1..)?);
    if name.is_empty() || name.ends_with('/') {
        return None;
    }
    match body.as_bytes().get(sep) {
        Some(b'@') => Some((name, version)),
        // v5 `/name/1.2.3_peer`; without the leading `/` a slash means a host or a path.
        Some(b'/') if slashed.is_some() => {
            Some((name, version.split('_').next().unwrap_or_default()))
        }
        _ => None,
    }
}

fn document(c: &mut Collector, doc: &Node) -> Result<(), LockfileParseError> {
    let v9_flags = match doc.value.get("snapshots") {
        Some(snapshots) => Some(snapshot_flags(doc, snapshots)?),
        None => None,
    };
    let Some(packages) = doc.value.get("packages") else {
        return Ok(());
    };
    for (key, line, entry) in map_of(packages, "packages")? {
        let field = |k: &str| entry.value.get(k).and_then(|n| n.value.as_str());
        let flag = |k: &str| field(k) == Some("true");
        let (name, version) = match split_key(key) {
            Some((n, v)) => (n, v),
            None => (field("name").unwrap_or(key.as_str()), ""),
        };
        if version.starts_with("link:") {
            continue;
        }
        if !is_plain_version(version) {
            c.unpinned(name, key, *line);
            continue;
        }
        let (dev, optional) = match &v9_flags {
            Some(flags) => flags
                .get(&(name.to_owned(), version.to_owned()))
                .copied()
                .unwrap_or((false, false)),
            None => (flag("dev"), flag("optional")),
        };
        c.package(name, version, Some(*line), dev, optional);
    }
    Ok(())
}

/// (dev, optional) per (name, version).
type Flags = HashMap<(String, String), (bool, bool)>;

/// v9: (dev, optional) per (name, version), from the importers and the snapshot graph.
fn snapshot_flags(doc: &Node, snapshots: &Node) -> Result<Flags, LockfileParseError> {
    let snaps = map_of(snapshots, "snapshots")?;
    let index: HashMap<&str, usize> = snaps
        .iter()
        .enumerate()
        .map(|(i, (k, _, _))| (k.as_str(), i))
        .collect();
    // A dependency `name: version` → the snapshot key it points at.
    let target = |name: &str, version: &str| -> Option<usize> {
        if version.starts_with("link:") {
            return None;
        }
        let direct = format!("{name}@{version}");
        index
            .get(direct.as_str())
            .or_else(|| index.get(version)) // an alias: `real-name@1.2.3`
            .copied()
    };
    let mut g = DepGraph::new(snaps.len());
    for (i, (_, _, snap)) in snaps.iter().enumerate() {
        for (field, optional) in [("dependencies", false), ("optionalDependencies", true)] {
            for (dep, _, v) in snap.value.get(field).map_or(&[][..], |n| n.value.entries()) {
                if let Some(to) = v.value.as_str().and_then(|v| target(dep, v)) {
                    g.edge(i, to, optional);
                }
            }
        }
    }
    if let Some(importers) = doc.value.get("importers") {
        for (_, _, importer) in importers.value.entries() {
            for (field, dev, optional) in [
                ("dependencies", false, false),
                ("optionalDependencies", false, true),
                ("devDependencies", true, false),
            ] {
                for (dep, _, spec) in importer
                    .value
                    .get(field)
                    .map_or(&[][..], |n| n.value.entries())
                {
                    let version = spec
                        .value
                        .as_str()
                        .or_else(|| spec.value.get("version")?.value.as_str());
                    if let Some(to) = version.and_then(|v| target(dep, v)) {
                        g.root(to, dev, optional);
                    }
                }
            }
        }
    }
    let graph = g.classify();
    let mut flags = Flags::new();
    let mut seen = HashSet::new();
    for (i, (key, _, snap)) in snaps.iter().enumerate() {
        let Some((name, version)) = split_key(key) else {
            continue;
        };
        let dev = graph.get(i).is_some_and(|f| f.0);
        let optional = snap.value.get("optional").and_then(|n| n.value.as_str()) == Some("true");
        let id = (name.to_owned(), version.to_owned());
        if seen.insert(id.clone()) {
            flags.insert(id, (dev, optional));
        } else if let Some(f) = flags.get_mut(&id) {
            f.0 &= dev;
            f.1 &= optional;
        }
    }
    Ok(flags)
}

/// A YAML reader into a tree that keeps the line of every value and mapping key (on top of
/// `saphyr-parser`'s events). Scalars stay strings; aliases read as null; nesting is limited to
/// [`yaml::MAX_DEPTH`].
pub(crate) mod yaml {
    use saphyr_parser::{Event, Parser, ScalarStyle};

    use crate::js_py::to_u32;

    pub(crate) const MAX_DEPTH: usize = 64;

    #[derive(Debug, Clone, PartialEq)]
    pub(crate) enum Yaml {
        Null,
        Scalar(String),
        Seq(Vec<Node>),
        /// Keys that are not scalars read as "".
        Map(Vec<(String, u32, Node)>),
    }

    #[derive(Debug, Clone, PartialEq)]
    pub(crate) struct Node {
        pub(crate) line: u32,
        pub(crate) value: Yaml,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(crate) struct YamlError {
        pub(crate) line: u32,
        pub(crate) column: u32,
        pub(crate) message: String,
    }

    impl Yaml {
        pub(crate) fn get(&self, key: &str) -> Option<&Node> {
            self.entries()
                .iter()
                .rev()
                .find(|(k, _, _)| k == key)
                .map(|(_, _, n)| n)
        }

        pub(crate) fn entries(&self) -> &[(String, u32, Node)] {
            match self {
                Yaml::Map(m) => m,
                _ => &[],
            }
        }

        pub(crate) fn as_str(&self) -> Option<&str> {
            match self {
                Yaml::Scalar(s) => Some(s),
                _ => None,
            }
        }
    }

    enum Frame {
        Seq(u32, Vec<Node>),
        Map(u32, Vec<(String, u32, Node)>, Option<(String, u32)>),
    }

    /// Every document of the stream.
    pub(crate) fn load(text: &str) -> Result<Vec<Node>, YamlError> {
        let mut docs = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        for event in Parser::new_from_str(text) {
            let (event, span) = event.map_err(|e| YamlError {
                line: to_u32(e.marker().line()),
                column: to_u32(e.marker().col() + 1),
                message: e.info().to_owned(),
            })?;
            let line = to_u32(span.start.line());
            let done = match event {
                Event::Scalar(v, style, _, _) => {
                    let plain_null = style == ScalarStyle::Plain
                        && matches!(v.as_ref(), "" | "~" | "null" | "Null" | "NULL");
                    let value = if plain_null {
                        Yaml::Null
                    } else {
                        Yaml::Scalar(v.into_owned())
                    };
                    Node { line, value }
                }
                Event::Alias(_) => Node {
                    line,
                    value: Yaml::Null,
                },
                Event::SequenceStart(..) | Event::MappingStart(..) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(YamlError {
                            line,
                            column: to_u32(span.start.col() + 1),
                            message: format!("nested deeper than {MAX_DEPTH} levels"),
                        });
                    }
                    stack.push(if matches!(event, Event::SequenceStart(..)) {
                        Frame::Seq(line, Vec::new())
                    } else {
                        Frame::Map(line, Vec::new(), None)
                    });
                    continue;
                }
                Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                    Some(Frame::Seq(line, items)) => Node {
                        line,
                        value: Yaml::Seq(items),
                    },
                    Some(Frame::Map(line, entries, _)) => Node {
                        line,
                        value: Yaml::Map(entries),
                    },
                    None => continue,
                },
                _ => continue,
            };
            match stack.last_mut() {
                None => docs.push(done),
                Some(Frame::Seq(_, items)) => items.push(done),
                Some(Frame::Map(_, entries, pending)) => match pending.take() {
                    None => {
                        let key = done.value.as_str().unwrap_or_default().to_owned();
                        *pending = Some((key, done.line));
                    }
                    Some((key, key_line)) => entries.push((key, key_line, done)),
                },
            }
        }
        Ok(docs)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn tree_with_lines() {
            let docs = load("a: 1\nb:\n  c: [x, 'y']\n  d: {e: f}\n---\n- ~\n").unwrap();
            assert_eq!(docs.len(), 2);
            let b = docs[0].value.get("b").unwrap();
            assert_eq!(docs[0].value.entries()[1].1, 2);
            assert_eq!(b.value.entries()[1].1, 4);
            assert_eq!(
                b.value
                    .get("d")
                    .unwrap()
                    .value
                    .get("e")
                    .unwrap()
                    .value
                    .as_str(),
                Some("f")
            );
            assert_eq!(
                docs[1].value,
                Yaml::Seq(vec![Node {
                    line: 6,
                    value: Yaml::Null
                }])
            );
            let e = load("a: [1\nb: 2\n").unwrap_err();
            assert!(e.line >= 1);
            assert!(
                load(&"[".repeat(100))
                    .unwrap_err()
                    .message
                    .contains("nested")
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_key;

    #[test]
    fn keys() {
        assert_eq!(split_key("/lodash/4.17.21"), Some(("lodash", "4.17.21")));
        assert_eq!(
            split_key("/@babel/core/7.21.3"),
            Some(("@babel/core", "7.21.3"))
        );
        assert_eq!(
            split_key("/@rollup/plugin-commonjs/24.0.1_rollup@3.20.2"),
            Some(("@rollup/plugin-commonjs", "24.0.1"))
        );
        assert_eq!(split_key("/ws/8.2.3_a+b@1"), Some(("ws", "8.2.3")));
        assert_eq!(
            split_key("/vite@5.0.12(@types/node@20.11.5)"),
            Some(("vite", "5.0.12"))
        );
        assert_eq!(
            split_key("/@vue/x@3.4.0(vue@3.4.0)"),
            Some(("@vue/x", "3.4.0"))
        );
        assert_eq!(split_key("@vue/x@3.4.0"), Some(("@vue/x", "3.4.0")));
        assert_eq!(
            split_key("vue@3.4.0(typescript@5.3.3)"),
            Some(("vue", "3.4.0"))
        );
        assert_eq!(
            split_key("foo@https://x.invalid/foo.tgz"),
            Some(("foo", "https://x.invalid/foo.tgz"))
        );
        assert_eq!(split_key("github.com/user/repo/abcdef"), None);
        assert_eq!(split_key("/@scope"), None);
        assert_eq!(split_key("@"), None);
        assert_eq!(split_key(""), None);
    }
}
