//! `go.mod`: the modules of `require` directives (single lines and `( … )` blocks, `// indirect` ones
//! included: since Go 1.17 go.mod lists every module the build uses), ecosystem `Go`, versions as
//! written (with their `v`).
//!
//! * `replace old [v] => new v` changes what is built: the package is `new` at `v`, at the line of the
//!   `replace` (a replacement of one version applies before a replacement of all versions).
//! * `replace old [v] => ./dir` (a local directory) builds from a checkout that advisories cannot speak
//!   for: the module is reported as unpinned (`old v => ./dir`), not as a package.
//! * `exclude path v`: an excluded version is never built; a `require` of exactly that version is
//!   reported as unpinned (the go command picks another version, which go.mod does not name).
//! * `module`, `go`, `toolchain`, `godebug`, `retract`, `tool` and `ignore` name no dependency; the Go
//!   toolchain and standard library are out of scope. Any other directive is an error, as for the go
//!   command.
//!
//! The line of a package is the line of its `require` entry (or of the `replace` that changes it).

use std::collections::HashSet;

use crate::{Format, LockfileParseError, Package, Parsed, Unpinned, other_error};

const KNOWN: &[&str] = &[
    "module",
    "go",
    "toolchain",
    "godebug",
    "require",
    "exclude",
    "replace",
    "retract",
    "tool",
    "ignore",
];

struct Replace {
    old: String,
    old_version: Option<String>,
    new: String,
    new_version: Option<String>,
    line: u32,
}

pub(crate) fn parse(text: &str) -> Result<Parsed, LockfileParseError> {
    let format = Format::GoMod;
    let err = |line: u32, message: String| other_error(format, Some(line), None, message);
    let mut requires: Vec<(String, String, u32)> = Vec::new();
    let mut replaces: Vec<Replace> = Vec::new();
    let mut excludes: HashSet<(String, String)> = HashSet::new();
    let mut block: Option<(String, u32)> = None;

    for (i, raw) in text.lines().enumerate() {
        let line = crate::to_u32(i + 1);
        let tokens = tokenize(raw).map_err(|m| err(line, m))?;
        if tokens.is_empty() {
            continue;
        }
        let (verb, args): (String, &[String]) = match &block {
            Some((verb, _)) => {
                if tokens.len() == 1 && tokens[0] == ")" {
                    block = None;
                    continue;
                }
                (verb.clone(), &tokens[..])
            }
            None => {
                let verb = tokens[0].clone();
                if !KNOWN.contains(&verb.as_str()) {
                    return Err(err(line, format!("unknown directive `{verb}`")));
                }
                let args = &tokens[1..];
                if args.len() == 1 && args[0] == "(" {
                    block = Some((verb, line));
                    continue;
                }
                if args.len() == 2 && args[0] == "(" && args[1] == ")" {
                    continue;
                }
                (verb, args)
            }
        };
        match verb.as_str() {
            "require" | "exclude" => {
                let [path, version] = args else {
                    return Err(err(
                        line,
                        format!("`{verb}` needs a module path and a version"),
                    ));
                };
                check_version(version).map_err(|m| err(line, m))?;
                if verb == "require" {
                    requires.push((path.clone(), version.clone(), line));
                } else {
                    excludes.insert((path.clone(), version.clone()));
                }
            }
            "replace" => {
                let Some(arrow) = args.iter().position(|a| a == "=>") else {
                    return Err(err(line, "`replace` without `=>`".to_owned()));
                };
                let (left, right) = (&args[..arrow], &args[arrow + 1..]);
                let (old, old_version) = match left {
                    [old] => (old.clone(), None),
                    [old, v] => {
                        check_version(v).map_err(|m| err(line, m))?;
                        (old.clone(), Some(v.clone()))
                    }
                    _ => {
                        return Err(err(
                            line,
                            "`replace` needs `path [version] => …`".to_owned(),
                        ));
                    }
                };
                let (new, new_version) = match right {
                    [new] if is_directory(new) => (new.clone(), None),
                    [new] => {
                        return Err(err(
                            line,
                            format!(
                                "replacement `{new}` without a version must be a directory path"
                            ),
                        ));
                    }
                    [new, v] => {
                        check_version(v).map_err(|m| err(line, m))?;
                        (new.clone(), Some(v.clone()))
                    }
                    _ => {
                        return Err(err(
                            line,
                            "`replace` needs `… => path [version]`".to_owned(),
                        ));
                    }
                };
                replaces.push(Replace {
                    old,
                    old_version,
                    new,
                    new_version,
                    line,
                });
            }
            _ => {}
        }
    }
    if let Some((verb, line)) = block {
        return Err(err(line, format!("`{verb} (` block is never closed")));
    }

    let mut out = Parsed::default();
    for (path, version, line) in requires {
        let replace = replaces
            .iter()
            .rev()
            .find(|r| r.old == path && r.old_version.as_deref() == Some(version.as_str()))
            .or_else(|| {
                replaces
                    .iter()
                    .rev()
                    .find(|r| r.old == path && r.old_version.is_none())
            });
        match replace {
            Some(Replace {
                new,
                new_version: Some(new_version),
                line: rline,
                ..
            }) => {
                out.packages
                    .push(go_package(new.clone(), new_version.clone(), *rline));
            }
            Some(Replace {
                new,
                new_version: None,
                line: rline,
                ..
            }) => out.unpinned.push(Unpinned {
                requirement: format!("{path} {version} => {new}"),
                name: path,
                line: *rline,
            }),
            None if excludes.contains(&(path.clone(), version.clone())) => {
                out.unpinned.push(Unpinned {
                    requirement: format!("{path} {version} (excluded)"),
                    name: path,
                    line,
                })
            }
            None => out.packages.push(go_package(path, version, line)),
        }
    }
    Ok(out)
}

fn go_package(name: String, version: String, line: u32) -> Package {
    Package {
        ecosystem: "Go".to_owned(),
        name,
        version,
        line: Some(line),
        dev: false,
        optional: false,
    }
}

fn check_version(version: &str) -> Result<(), String> {
    if version.starts_with('v') && version.len() > 1 {
        Ok(())
    } else {
        Err(format!(
            "invalid version `{version}`: a module version starts with `v`"
        ))
    }
}

/// A replacement that is a file system path, as the go command tells them.
fn is_directory(path: &str) -> bool {
    path == "."
        || path == ".."
        || ["./", "../", "/", ".\\", "..\\", "\\"]
            .iter()
            .any(|p| path.starts_with(p))
        || (path.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
            && matches!(path.get(1..3), Some(":\\" | ":/")))
}

/// The tokens of a line without its `//` comment: words, `"…"` strings (Go escapes: `\"`, `\\`) and
/// `` `…` `` raw strings unquoted, `=>`, `(` and `)`.
fn tokenize(line: &str) -> Result<Vec<String>, String> {
    let mut tokens = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if line[i..].starts_with("//") {
            break;
        }
        match c {
            '"' | '`' => {
                chars.next();
                let mut s = String::new();
                let mut closed = false;
                while let Some((_, d)) = chars.next() {
                    if d == c {
                        closed = true;
                        break;
                    }
                    if c == '"' && d == '\\' {
                        match chars.next() {
                            Some((_, e)) => s.push(e),
                            None => break,
                        }
                        continue;
                    }
                    s.push(d);
                }
                if !closed {
                    return Err("unterminated quoted string".to_owned());
                }
                tokens.push(s);
            }
            '(' | ')' => {
                chars.next();
                tokens.push(c.to_string());
            }
            _ if line[i..].starts_with("=>") => {
                chars.next();
                chars.next();
                tokens.push("=>".to_owned());
            }
            _ => {
                let mut s = String::new();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_whitespace()
                        || d == '"'
                        || d == '`'
                        || d == '('
                        || d == ')'
                        || line[j..].starts_with("=>")
                        || line[j..].starts_with("//")
                    {
                        break;
                    }
                    s.push(d);
                    chars.next();
                }
                tokens.push(s);
            }
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert_eq!(
            tokenize("require a v1 // indirect").unwrap(),
            ["require", "a", "v1"]
        );
        assert_eq!(tokenize("\"a b\" v1").unwrap(), ["a b", "v1"]);
        assert_eq!(tokenize("a=>b v2").unwrap(), ["a", "=>", "b", "v2"]);
        assert_eq!(tokenize("require (").unwrap(), ["require", "("]);
        assert!(tokenize("\"open").is_err());
        assert!(tokenize("// only a comment").unwrap().is_empty());
    }

    #[test]
    fn directories() {
        assert!(is_directory("./x"));
        assert!(is_directory("../x"));
        assert!(is_directory("/abs"));
        assert!(is_directory("C:\\x"));
        assert!(!is_directory("github.com/x/y"));
        assert!(!is_directory("é:"));
        assert!(!is_directory("a€"));
    }
}
