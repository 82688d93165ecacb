//! pip requirements files (`requirements*.txt`, `*requirements.txt`, `constraints*.txt`, and `.txt`
//! files under a `requirements/` directory whose content looks like requirements).
//!
//! Read like pip reads them: a line ending in `\` continues on the next (a whole-line comment never
//! continues), `#` at the start of a line or after whitespace starts a comment, per-requirement options
//! (`--hash=…`) are dropped. `name==1.2.3` and `name===1.2.3` (extras and `; markers` allowed) are
//! packages at the line where the requirement starts; any other specifier, no specifier, `name @ URL`,
//! URLs, paths, VCS links and `-e` of a URL or VCS link are [`crate::Unpinned`]. `-r`/`--requirement`
//! and `-c`/`--constraint` give [`crate::Parsed::includes`] as written. Other options (`-i`,
//! `--index-url`, `--extra-index-url`, `-f`, `--find-links`, `--hash` lines, …) and `-e` of a local
//! path (the project's own code) are skipped. A line that is none of these (no package name, an
//! unclosed `[`, an unknown operator) is an error. Requirements files have no dev or optional flags.

use crate::js_py::{Collector, error, excerpt, to_u32};
use crate::{Format, LockfileParseError, Parsed};

const FORMAT: Format = Format::Requirements;

/// Whether a `.txt` file at `path` (relative, `/`-separated) is a requirements file.
pub(crate) fn detect(path: &str, head: &[u8]) -> bool {
    let lower = path.to_ascii_lowercase();
    let mut parts = lower.rsplit('/');
    let base = parts.next().unwrap_or_default();
    let Some(stem) = base.strip_suffix(".txt") else {
        return false;
    };
    if stem.starts_with("requirements")
        || stem.ends_with("requirements")
        || stem.starts_with("constraints")
    {
        return true;
    }
    parts.any(|dir| dir == "requirements") && looks_like_requirements(head)
}

/// Whether the first lines of a file read as requirements (and at least one is a requirement).
fn looks_like_requirements(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let mut lines: Vec<(u32, String)> = logical_lines(&text);
    if !text.ends_with('\n') && lines.len() > 1 {
        lines.pop(); // may be cut short
    }
    let mut requirements = 0;
    for (_, line) in lines.iter().take(50) {
        let t = line.trim();
        if t.is_empty() || t.starts_with('-') {
            continue;
        }
        match requirement(before_options(t)) {
            Ok(_) => requirements += 1,
            Err(_) => return false,
        }
    }
    requirements > 0
}

pub(crate) fn parse(text: &str) -> Result<Parsed, LockfileParseError> {
    let mut c = Collector::new("PyPI");
    for (line, logical) in logical_lines(text) {
        let t = logical.trim();
        if t.is_empty() {
            continue;
        }
        if t.starts_with('-') {
            option(&mut c, t, line)?;
            continue;
        }
        let req = before_options(t);
        match requirement(req) {
            Ok(Req::Pinned { name, version }) => c.package(name, version, Some(line), false, false),
            Ok(Req::Unpinned { name }) => c.unpinned(&name, req, line),
            Err(message) => return Err(error(FORMAT, Some(line), None, message)),
        }
    }
    Ok(c.finish())
}

/// Whether a line is a comment as a whole (`#` after optional whitespace).
fn comment_line(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// The line without its comment: from a `#` at the start or after whitespace.
fn strip_comment(line: &str) -> &str {
    let mut prev_ws = true;
    for (i, ch) in line.char_indices() {
        if ch == '#' && prev_ws {
            return line.get(..i).unwrap_or_default();
        }
        prev_ws = ch.is_whitespace();
    }
    line
}

/// Logical lines (continuations joined, comments removed), each with the line where it starts.
fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut start: Option<u32> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = to_u32(i + 1);
        let first = *start.get_or_insert(line_no);
        match raw.strip_suffix('\\') {
            Some(body) if !comment_line(raw) => buf.push_str(body),
            _ => {
                // pip puts a space before a comment line, so that it never joins a requirement.
                if comment_line(raw) {
                    buf.push(' ');
                }
                buf.push_str(raw);
                out.push((first, strip_comment(&buf).to_owned()));
                buf.clear();
                start = None;
            }
        }
    }
    if let Some(first) = start {
        out.push((first, strip_comment(&buf).to_owned()));
    }
    out
}

/// The requirement before its per-requirement options (` --hash=…`, ` --config-settings …`).
fn before_options(line: &str) -> &str {
    let mut prev_ws = false;
    for (i, ch) in line.char_indices() {
        if ch == '-' && prev_ws {
            return line.get(..i).unwrap_or_default().trim_end();
        }
        prev_ws = ch.is_whitespace();
    }
    line
}

/// An option line: includes are kept, `-e` of a URL is unpinned, the rest is skipped.
fn option(c: &mut Collector, line: &str, line_no: u32) -> Result<(), LockfileParseError> {
    let (name, arg) = if line.starts_with("--") {
        let end = line.find(['=', ' ', '\t']).unwrap_or(line.len());
        let arg = line.get(end..).unwrap_or_default();
        (
            line.get(..end).unwrap_or_default(),
            arg.strip_prefix('=').unwrap_or(arg),
        )
    } else {
        let end = line.char_indices().nth(2).map_or(line.len(), |(i, _)| i);
        (
            line.get(..end).unwrap_or_default(),
            line.get(end..).unwrap_or_default(),
        )
    };
    let arg = arg.trim();
    match name {
        "-r" | "--requirement" | "-c" | "--constraint" => {
            if arg.is_empty() {
                return Err(error(
                    FORMAT,
                    Some(line_no),
                    None,
                    format!("`{name}` without a file"),
                ));
            }
            c.include(arg);
        }
        "-e" | "--editable" => {
            if arg.is_empty() {
                return Err(error(
                    FORMAT,
                    Some(line_no),
                    None,
                    format!("`{name}` without a target"),
                ));
            }
            if arg.contains("://") || is_vcs(arg) {
                c.unpinned(&url_name(arg), line, line_no);
            }
        }
        _ => {}
    }
    Ok(())
}

fn is_vcs(s: &str) -> bool {
    ["git+", "hg+", "svn+", "bzr+"]
        .iter()
        .any(|p| s.starts_with(p))
}

/// The name a URL or path requirement gives: `#egg=name`, a wheel's or sdist's name, else itself.
fn url_name(target: &str) -> String {
    if let Some(at) = target.find("egg=") {
        let egg = target.get(at + 4..).unwrap_or_default();
        let end = egg.find(['&', ' ', '#']).unwrap_or(egg.len());
        if end > 0 {
            return egg.get(..end).unwrap_or_default().to_owned();
        }
    }
    let file = target.split(['#', '?']).next().unwrap_or_default();
    let file = file.rsplit(['/', '\\']).next().unwrap_or_default();
    let archive = [".whl", ".tar.gz", ".zip", ".tgz", ".tar.bz2"]
        .iter()
        .any(|ext| file.to_ascii_lowercase().ends_with(ext));
    match file.split('-').next() {
        Some(n) if archive && !n.is_empty() => n.to_owned(),
        _ => target.to_owned(),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Req<'a> {
    Pinned { name: &'a str, version: &'a str },
    Unpinned { name: String },
}

const OPERATORS: [&str; 8] = ["===", "==", "!=", "~=", ">=", "<=", ">", "<"];

/// A requirement (PEP 508, or a URL / path).
fn requirement(req: &str) -> Result<Req<'_>, String> {
    let req = req.trim();
    let head = req.split(';').next().unwrap_or_default().trim();
    let archive = [".whl", ".tar.gz", ".zip", ".tgz", ".tar.bz2"]
        .iter()
        .any(|ext| head.to_ascii_lowercase().ends_with(ext));
    let pathish = ["./", "../", "/", "~", ".\\", "file:"]
        .iter()
        .any(|p| head.starts_with(p))
        || head == "."
        || head.contains("://")
        || is_vcs(head)
        || archive;
    if pathish && !head.contains(" @ ") {
        return Ok(Req::Unpinned {
            name: url_name(head),
        });
    }
    let name_end = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(req.len());
    let name = req.get(..name_end).unwrap_or_default();
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!("expected a package name in `{}`", excerpt(req)));
    }
    let mut rest = req.get(name_end..).unwrap_or_default().trim_start();
    if let Some(extras) = rest.strip_prefix('[') {
        let close = extras
            .find(']')
            .ok_or_else(|| format!("unclosed `[` in `{}`", excerpt(req)))?;
        rest = extras.get(close + 1..).unwrap_or_default().trim_start();
    }
    if rest.starts_with('@') {
        return Ok(Req::Unpinned {
            name: name.to_owned(),
        });
    }
    let spec = rest.split(';').next().unwrap_or_default().trim();
    let spec = match spec.strip_prefix('(') {
        Some(inner) => inner
            .strip_suffix(')')
            .ok_or_else(|| format!("unclosed `(` in `{}`", excerpt(req)))?
            .trim(),
        None => spec,
    };
    if spec.is_empty() {
        return Ok(Req::Unpinned {
            name: name.to_owned(),
        });
    }
    let mut clauses = Vec::new();
    for clause in spec.split(',') {
        let clause = clause.trim();
        let op = OPERATORS
            .iter()
            .find(|op| clause.starts_with(**op))
            .ok_or_else(|| format!("invalid version specifier `{}`", excerpt(clause)))?;
        let version = clause.get(op.len()..).unwrap_or_default().trim();
        if version.is_empty() || version.contains(char::is_whitespace) {
            return Err(format!("invalid version in `{}`", excerpt(clause)));
        }
        clauses.push((*op, version));
    }
    match clauses.as_slice() {
        [(op, version)] if (*op == "==" && !version.contains('*')) || *op == "===" => {
            Ok(Req::Pinned { name, version })
        }
        _ => Ok(Req::Unpinned {
            name: name.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements() {
        let pinned = |name, version| Ok(Req::Pinned { name, version });
        let unpinned = |name: &str| {
            Ok(Req::Unpinned {
                name: name.to_owned(),
            })
        };
        assert_eq!(requirement("Flask==2.0.1"), pinned("Flask", "2.0.1"));
        assert_eq!(
            requirement("a[x, y] == 1.0 ; python_version < \"3.8\""),
            pinned("a", "1.0")
        );
        assert_eq!(requirement("a===1.0+local"), pinned("a", "1.0+local"));
        assert_eq!(requirement("a (==1.0)"), pinned("a", "1.0"));
        assert_eq!(requirement("a==1.*"), unpinned("a"));
        assert_eq!(requirement("a>=1,<2"), unpinned("a"));
        assert_eq!(requirement("a"), unpinned("a"));
        assert_eq!(
            requirement("a @ https://x.invalid/a-1.0.tar.gz"),
            unpinned("a")
        );
        assert_eq!(requirement("./pkgs/b-1.0-py3-none-any.whl"), unpinned("b"));
        assert_eq!(
            requirement("git+https://x.invalid/r.git#egg=c&subdirectory=d"),
            unpinned("c")
        );
        assert!(requirement("a[x==1").is_err());
        assert!(requirement("a ~ 1").is_err());
        assert!(requirement("a==").is_err());
        assert!(requirement("==1").is_err());
        assert_eq!(before_options("a==1 --hash=sha256:x"), "a==1");
        assert_eq!(strip_comment("a==1 # c"), "a==1 ");
        assert_eq!(strip_comment("git+https://x#egg=a"), "git+https://x#egg=a");
    }

    #[test]
    fn logical() {
        let l = logical_lines("a==1 \\\n  --hash=x \\\n  --hash=y\n# c \\\nb==2\nc==3 \\");
        assert_eq!(l[0], (1, "a==1   --hash=x   --hash=y".to_owned()));
        assert_eq!(l[1].0, 4);
        assert_eq!(l[2], (5, "b==2".to_owned()));
        assert_eq!(l[3], (6, "c==3 ".to_owned()));
    }

    #[test]
    fn detection() {
        assert!(detect("requirements.txt", b""));
        assert!(detect("a/requirements-dev.txt", b""));
        assert!(detect("dev-requirements.txt", b""));
        assert!(detect("Constraints.txt", b""));
        assert!(detect(
            "requirements/dev.txt",
            b"# x\nflask==2.0 \\\n  --hash=sha256:1\n-r base.txt\n"
        ));
        assert!(!detect(
            "requirements/README.txt",
            b"This folder holds pins.\n"
        ));
        assert!(!detect("requirements/empty.txt", b""));
        assert!(!detect("docs/dev.txt", b"flask==2.0\n"));
        assert!(!detect("requirements.in", b"flask\n"));
    }
}
