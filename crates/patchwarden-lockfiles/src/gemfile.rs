//! `Gemfile.lock` (Bundler): the `specs:` of every `GEM` section (a lockfile has one per gem source),
//! ecosystem `RubyGems`.
//!
//! A spec line is `    name (version)` or, for a platform-specific gem, `    name (version-platform)`
//! (`nokogiri (1.19.4-x86_64-linux-gnu)`): as in Bundler's own parser, the version is what comes before
//! the first `-`. A gem locked for several platforms is one package: each (name, version) is listed
//! once, at its first line. Gems of `GIT`, `PATH` and `PLUGIN SOURCE` sections do not come from a gem
//! server and are reported as unpinned (`name (version) from GIT <remote>`). `PLATFORMS`,
//! `DEPENDENCIES`, `CHECKSUMS`, `RUBY VERSION` and `BUNDLED WITH` name no installed package. The line of
//! a package is the line of its spec.

use std::collections::HashSet;

use crate::{Format, LockfileParseError, Package, Parsed, Unpinned, other_error, to_u32};

#[derive(Clone, Copy, PartialEq)]
enum Section {
    Gem,
    Git,
    Path,
    Plugin,
    Other,
}

pub(crate) fn parse(text: &str) -> Result<Parsed, LockfileParseError> {
    let format = Format::GemfileLock;
    let mut out = Parsed::default();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut section = Section::Other;
    let mut in_specs = false;
    let mut remote = String::new();

    for (i, line) in text.lines().enumerate() {
        let line_no = to_u32(i + 1);
        if line.trim().is_empty() {
            continue;
        }
        if ["<<<<<<<", "=======", ">>>>>>>", "|||||||"]
            .iter()
            .any(|m| line.starts_with(m))
        {
            return Err(other_error(
                format,
                Some(line_no),
                Some(1),
                "merge conflict marker",
            ));
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        let content = line.trim();
        if indent == 0 {
            section = match content {
                "GEM" => Section::Gem,
                "GIT" => Section::Git,
                "PATH" => Section::Path,
                "PLUGIN SOURCE" => Section::Plugin,
                _ => Section::Other,
            };
            in_specs = false;
            remote.clear();
            continue;
        }
        if section == Section::Other {
            continue;
        }
        match indent {
            2 => {
                in_specs = content == "specs:";
                if let Some(r) = content.strip_prefix("remote:") {
                    remote = r.trim().to_owned();
                }
            }
            4 if in_specs => {
                let Some((name, version)) = spec(content) else {
                    return Err(other_error(
                        format,
                        Some(line_no),
                        Some(5),
                        format!("expected `name (version)`, found `{content}`"),
                    ));
                };
                if section == Section::Gem {
                    if seen.insert((name.to_owned(), version.to_owned())) {
                        out.packages.push(Package {
                            ecosystem: "RubyGems".to_owned(),
                            name: name.to_owned(),
                            version: version.to_owned(),
                            line: Some(line_no),
                            dev: false,
                            optional: false,
                        });
                    }
                } else {
                    let kind = match section {
                        Section::Git => "GIT",
                        Section::Path => "PATH",
                        _ => "PLUGIN SOURCE",
                    };
                    out.unpinned.push(Unpinned {
                        name: name.to_owned(),
                        requirement: format!("{content} from {kind} {remote}")
                            .trim_end()
                            .to_owned(),
                        line: line_no,
                    });
                }
            }
            // Dependencies of a spec (6 spaces) and anything else indented.
            _ => {}
        }
    }
    Ok(out)
}

/// `name (version)` / `name (version-platform)` → (name, version).
fn spec(content: &str) -> Option<(&str, &str)> {
    let (name, rest) = content.split_once(" (")?;
    let inner = rest.strip_suffix(')')?;
    let version = inner.split('-').next().unwrap_or_default().trim();
    let name = name.trim();
    if name.is_empty() || name.contains(' ') || version.is_empty() {
        return None;
    }
    Some((name, version))
}
