//! What a scan looks at: the files under the given paths that patchwarden can read, parsed into
//! packages. Directories are walked honouring `.gitignore`, skipping VCS data, dependency caches, build
//! output and virtualenvs; `requirements` includes are followed.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use patchwarden_lockfiles::{Format, LockfileParseError, Package, ParseContext, Unpinned};
use serde::Serialize;

/// Directories never descended into: they hold installed copies, not what the project locks.
pub(crate) const SKIP_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".patchwarden",
    "vendor",
];

/// Bytes of a file's head given to format detection.
const HEAD: usize = 512;

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {error}")]
    Parse {
        path: PathBuf,
        error: LockfileParseError,
    },
    #[error("{path}: not a lockfile, package database or SBOM patchwarden can read")]
    UnknownFormat { path: PathBuf },
    #[error("cannot walk {path}: {message}")]
    Walk { path: PathBuf, message: String },
}

/// One file read.
#[derive(Debug, Clone, Serialize)]
pub struct InventoryFile {
    /// As given or found (relative to the scanned directory where it was found by walking).
    pub path: String,
    pub format: Format,
    pub packages: usize,
}

/// A package and the file it came from.
#[derive(Debug, Clone)]
pub struct Located {
    pub package: Package,
    /// Index into [`Inventory::files`].
    pub file: usize,
}

#[derive(Debug, Default)]
pub struct Inventory {
    pub files: Vec<InventoryFile>,
    pub packages: Vec<Located>,
    /// Requirements that cannot be checked, with their file.
    pub unpinned: Vec<(String, Unpinned)>,
    /// Components (OS, runtimes, databases) that Dockerfiles, version files and manifests declare.
    pub components: Vec<patchwarden_eol::Component>,
}

impl Inventory {
    /// `path:line` of a package, for reports.
    pub fn source(&self, located: &Located) -> String {
        let path = self
            .files
            .get(located.file)
            .map_or("?", |f| f.path.as_str());
        match located.package.line {
            Some(line) => format!("{path}:{line}"),
            None => path.to_owned(),
        }
    }

    /// Reads a file's content already in memory (from an image layer, say). `display` is how reports
    /// name it and what format detection looks at.
    pub fn add_bytes(
        &mut self,
        display: &str,
        bytes: &[u8],
        format: Option<Format>,
        ctx: &ParseContext,
    ) -> Result<(), InventoryError> {
        let Some(format) = format.or_else(|| detect(display, bytes)) else {
            return Err(InventoryError::UnknownFormat {
                path: PathBuf::from(display),
            });
        };
        let text = String::from_utf8_lossy(bytes);
        let parsed = patchwarden_lockfiles::parse(format, &text, ctx).map_err(|error| {
            InventoryError::Parse {
                path: PathBuf::from(display),
                error,
            }
        })?;
        self.push(display, format, parsed);
        Ok(())
    }

    fn push(
        &mut self,
        display: &str,
        format: Format,
        parsed: patchwarden_lockfiles::Parsed,
    ) -> usize {
        let index = self.files.len();
        self.files.push(InventoryFile {
            path: display.to_owned(),
            format,
            packages: parsed.packages.len(),
        });
        self.packages
            .extend(parsed.packages.into_iter().map(|package| Located {
                package,
                file: index,
            }));
        self.unpinned
            .extend(parsed.unpinned.into_iter().map(|u| (display.to_owned(), u)));
        index
    }

    /// Adds the components a file declares (a Dockerfile, `.python-version`, …).
    pub fn add_components(&mut self, display: &str, text: &str) {
        if let Some(found) = patchwarden_eol::detect_file(display, text) {
            self.components.extend(found);
        }
    }

    /// Adds the packages an asset declares as package URLs (`pkg:pypi/django@4.2.1`) among its
    /// `components`, under `display` (where the config declares them); other entries are not packages.
    /// An entry that is no usable package URL is an error naming it.
    pub fn add_declared(&mut self, display: &str, components: &[String]) -> Result<(), String> {
        let mut parsed = patchwarden_lockfiles::Parsed::default();
        for spec in components.iter().filter(|c| c.starts_with("pkg:")) {
            let purl = patchwarden_lockfiles::parse_purl(spec)
                .ok_or_else(|| format!("{display}: {spec:?} is not a valid package URL"))?;
            let (Some(ecosystem), Some(version)) = (purl.ecosystem(), purl.osv_version()) else {
                return Err(format!(
                    "{display}: {spec:?} needs a package type patchwarden knows (pypi, npm, cargo, golang, gem, composer, maven, nuget, deb, apk, …) and a version"
                ));
            };
            parsed.packages.push(Package {
                ecosystem,
                name: purl.osv_name(),
                version,
                line: None,
                dev: false,
                optional: false,
            });
        }
        if !parsed.packages.is_empty() {
            self.push(display, Format::Declared, parsed);
        }
        Ok(())
    }

    /// Reads one file of a known or detected format, or one that declares components. `display` is how
    /// reports name it.
    pub fn add_file(
        &mut self,
        path: &Path,
        display: &str,
        format: Option<Format>,
        ctx: &ParseContext,
    ) -> Result<(), InventoryError> {
        if format.is_none() && patchwarden_eol::declares_components(display) {
            let bytes = std::fs::read(path).map_err(|source| InventoryError::Io {
                path: path.to_owned(),
                source,
            })?;
            self.add_components(display, &String::from_utf8_lossy(&bytes));
            if detect(display, &bytes).is_none() {
                return Ok(());
            }
        }
        let (format, parsed) = read_file(path, display, format, ctx)?;
        self.add_parsed(path, display, format, parsed, ctx)
    }

    /// Adds a file read by [`read_file`], and reads what it includes.
    fn add_parsed(
        &mut self,
        path: &Path,
        display: &str,
        format: Format,
        mut parsed: patchwarden_lockfiles::Parsed,
        ctx: &ParseContext,
    ) -> Result<(), InventoryError> {
        let includes = std::mem::take(&mut parsed.includes);
        self.push(display, format, parsed);
        // `-r other.txt`: read what is included, relative to this file, once.
        let base = path.parent().unwrap_or(Path::new("."));
        let display_base = Path::new(display).parent().unwrap_or(Path::new(""));
        for include in includes {
            let included = base.join(&include);
            let included_display = display_base.join(&include).display().to_string();
            if self.files.iter().any(|f| f.path == included_display) {
                continue;
            }
            self.add_file(
                &included,
                &included_display,
                Some(Format::Requirements),
                ctx,
            )?;
        }
        Ok(())
    }

    /// Walks a directory and reads every file of a known format in it.
    pub fn add_dir(&mut self, root: &Path, ctx: &ParseContext) -> Result<(), InventoryError> {
        let mut walker = ignore::WalkBuilder::new(root);
        walker
            .hidden(false)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(true)
            .require_git(false)
            .follow_links(false)
            .filter_entry(|e| {
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                !(is_dir
                    && (e
                        .file_name()
                        .to_str()
                        .is_some_and(|n| SKIP_DIRS.contains(&n))
                        || e.path().join("pyvenv.cfg").is_file()))
            });
        let mut found = Vec::new();
        let mut declaring = Vec::new();
        for entry in walker.build() {
            let entry = entry.map_err(|e| InventoryError::Walk {
                path: root.to_owned(),
                message: e.to_string(),
            })?;
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
            let rel_display = rel.display().to_string();
            if patchwarden_eol::declares_components(&rel_display) {
                declaring.push((entry.path().to_owned(), rel_display.clone()));
            }
            let head = read_head(entry.path());
            if let Some(format) = detect(&rel_display, &head) {
                found.push((entry.path().to_owned(), rel_display, format));
            }
        }
        declaring.sort_by(|a, b| a.1.cmp(&b.1));
        for (path, display) in &declaring {
            let bytes = std::fs::read(path).map_err(|source| InventoryError::Io {
                path: path.clone(),
                source,
            })?;
            self.add_components(display, &String::from_utf8_lossy(&bytes));
        }
        found.sort_by(|a, b| a.1.cmp(&b.1));
        let mut seen = HashSet::new();
        found.retain(|(_, display, _)| {
            seen.insert(display.clone()) && !self.files.iter().any(|f| f.path == *display)
        });
        // Parsing is most of a scan's work: files are read and parsed on every core, then added in order
        // (the first error in that order wins, as if they were read one by one).
        let parsed = read_files(&found, ctx);
        for ((path, display, _), result) in found.iter().zip(parsed) {
            // An earlier file's `-r` include may have added this one already.
            if self.files.iter().any(|f| f.path == *display) {
                continue;
            }
            let (format, parsed) = result?;
            self.add_parsed(path, display, format, parsed, ctx)?;
        }
        Ok(())
    }
}

type ReadResult = Result<(Format, patchwarden_lockfiles::Parsed), InventoryError>;

/// Reads and parses one file of a known or detected format.
fn read_file(path: &Path, display: &str, format: Option<Format>, ctx: &ParseContext) -> ReadResult {
    let bytes = std::fs::read(path).map_err(|source| InventoryError::Io {
        path: path.to_owned(),
        source,
    })?;
    let Some(format) = format.or_else(|| detect(display, &bytes)) else {
        return Err(InventoryError::UnknownFormat {
            path: path.to_owned(),
        });
    };
    let text = String::from_utf8_lossy(&bytes);
    let parsed = patchwarden_lockfiles::parse(format, &text, ctx).map_err(|error| {
        InventoryError::Parse {
            path: PathBuf::from(display),
            error,
        }
    })?;
    Ok((format, parsed))
}

/// [`read_file`] of each (path, display, format), on every core, in order. Files are handed out one at a
/// time: their sizes differ by orders of magnitude.
fn read_files(files: &[(PathBuf, String, Format)], ctx: &ParseContext) -> Vec<ReadResult> {
    crate::par::map_dynamic(files, |(path, display, format)| {
        read_file(path, display, Some(*format), ctx)
    })
}

fn detect(display: &str, bytes: &[u8]) -> Option<Format> {
    let head = &bytes[..bytes.len().min(HEAD)];
    patchwarden_lockfiles::detect(display, head)
}

fn read_head(path: &Path) -> Vec<u8> {
    use std::io::Read;
    let mut buf = vec![0u8; HEAD];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut buf))
        .unwrap_or(0);
    buf.truncate(n);
    buf
}
