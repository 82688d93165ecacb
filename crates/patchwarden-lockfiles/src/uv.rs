//! `uv.lock`: `[[package]]` tables with `name`, `version` and `source`.
//!
//! `registry` sources (or none) are packages. `editable`, `virtual` and `directory` sources are the
//! project and its workspace members: skipped, but they are the roots of the graph below. `git`,
//! `url` and `path` sources are [`crate::Unpinned`] (`name @ URL`).
//!
//! Dev and optional come from the graph: the roots are the local packages (production), whose
//! `[package.dev-dependencies]` groups are dev roots and whose `[package.optional-dependencies]`
//! extras are optional edges; every package's `dependencies` are required edges and its
//! `optional-dependencies` optional ones. A package reached only from dev roots is dev; one reached
//! only through optional edges (extras) is optional. A dependency naming a `version` goes to that
//! version only, else to every package of that name.

use std::collections::HashMap;

use toml::de::{DeTable, DeValue};

use crate::js_py::{Collector, DepGraph, LineIndex, error};
use crate::poetry::tomlx::{self, array_of, str_of, table_of};
use crate::{Format, LockfileParseError, Parsed};

const FORMAT: Format = Format::UvLock;

enum Kind {
    Registry,
    Local,
    Other(String),
}

pub(crate) fn parse(text: &str) -> Result<Parsed, LockfileParseError> {
    let lines = LineIndex::new(text);
    let root = tomlx::parse(text, FORMAT, &lines)?;
    let packages = tomlx::packages(root.get_ref(), FORMAT, &lines)?;
    let mut nodes = Vec::with_capacity(packages.len());
    for &(line, pkg) in &packages {
        let (name, version) = tomlx::name_version(pkg, FORMAT, line)?;
        let source = table_of(pkg, "source");
        let kind = match source.and_then(|s| s.iter().next()) {
            None => Kind::Registry,
            Some((key, value)) => match key.get_ref().as_ref() {
                "registry" => Kind::Registry,
                "editable" | "virtual" | "directory" => Kind::Local,
                other => {
                    let target = value.get_ref().as_str().unwrap_or_default();
                    let target = if other == "git" && !target.starts_with("git+") {
                        format!("git+{target}")
                    } else {
                        target.to_owned()
                    };
                    Kind::Other(format!("{name} @ {target}"))
                }
            },
        };
        if matches!(kind, Kind::Registry) && version.is_none() {
            return Err(error(
                FORMAT,
                Some(line),
                None,
                format!(
                    "the package `{}` has no version",
                    crate::js_py::excerpt(name)
                ),
            ));
        }
        nodes.push((line, name, version, kind, pkg));
    }

    // A dependency points at a stand-in node for its name (or name and version), which points at
    // every package that matches: edges stay linear in the size of the file.
    let mut g = DepGraph::new(nodes.len());
    let mut stand_ins: HashMap<(&str, Option<&str>), usize> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        for key in [(n.1, None), (n.1, n.2)] {
            let s = *stand_ins.entry(key).or_insert_with(|| g.add_node());
            g.edge(s, i, false);
        }
    }
    let target = |dep: &DeValue<'_>| -> Option<usize> {
        let t = dep.as_table()?;
        stand_ins
            .get(&(str_of(t, "name")?, str_of(t, "version")))
            .copied()
    };
    // Every dependency listed in an array-valued table (`optional-dependencies`, `dev-dependencies`).
    let grouped = |t: Option<&DeTable<'_>>| -> Vec<usize> {
        t.into_iter()
            .flat_map(|t| t.iter())
            .filter_map(|(_, v)| v.get_ref().as_array())
            .flat_map(|a| a.iter())
            .filter_map(|d| target(d.get_ref()))
            .collect()
    };
    let mut edges = Vec::new();
    let mut roots = Vec::new();
    for (i, (_, _, _, kind, pkg)) in nodes.iter().enumerate() {
        let deps = array_of(pkg, "dependencies")
            .into_iter()
            .flat_map(|a| a.iter());
        edges.extend(
            deps.filter_map(|d| target(d.get_ref()))
                .map(|to| (i, to, false)),
        );
        edges.extend(
            grouped(table_of(pkg, "optional-dependencies"))
                .into_iter()
                .map(|to| (i, to, true)),
        );
        if matches!(kind, Kind::Local) {
            roots.push((i, false));
            roots.extend(
                grouped(table_of(pkg, "dev-dependencies"))
                    .into_iter()
                    .map(|to| (to, true)),
            );
        }
    }
    for (from, to, optional) in edges {
        g.edge(from, to, optional);
    }
    for (node, dev) in roots {
        g.root(node, dev, false);
    }
    let flags = g.classify();

    let mut c = Collector::new("PyPI");
    for (i, (line, name, version, kind, _)) in nodes.iter().enumerate() {
        let (dev, optional) = flags.get(i).copied().unwrap_or_default();
        match kind {
            Kind::Registry => c.package(
                name,
                version.unwrap_or_default(),
                Some(*line),
                dev,
                optional,
            ),
            Kind::Local => {}
            Kind::Other(req) => c.unpinned(name, req, *line),
        }
    }
    Ok(c.finish())
}
