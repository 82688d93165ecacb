//! Container images and unpacked root filesystems → the files a scan reads.
//!
//! An image is a `docker save` tarball (`manifest.json`: `Layers` in order) or an OCI image layout
//! tarball (`oci-layout`, `index.json` → a manifest, possibly through nested indexes → `layers[]` under
//! `blobs/<algorithm>/<hex>`). Its layers, uncompressed or gzip, are applied in order **in memory**:
//! a later file replaces an earlier one, a whiteout `.wh.<name>` deletes a path and everything under
//! it, an opaque marker `.wh..wh..opq` drops what earlier layers had in its directory. Nothing is
//! written to disk, and the paths of the tar entries, which the image's author controls, are
//! normalised against the image root (`./`, `..` and absolute paths never leave it), as Docker does.
//!
//! Only what a scan reads is kept: `os-release`, the OS package databases at their standard places
//! (`/var/lib/dpkg/status`, the files of `/var/lib/dpkg/status.d/` in distroless images,
//! `/lib/apk/db/installed`), the files [`patchwarden_lockfiles::detect`] recognises outside the system
//! directories that hold no project lockfiles (`/proc`, `/usr/share`, `/var/cache`, …, and
//! dependency caches such as `node_modules`, `site-packages` or `~/.cargo`), and symlinks, to find
//! `/etc/os-release` → `../usr/lib/os-release`. A root filesystem is read the same way from disk,
//! without following symlinks out of it.
//!
//! The files are reported as `<image or directory as given>:/<path inside>`, e.g.
//! `app.tar:/usr/src/app/package-lock.json`; OS packages get the ecosystem of the image's
//! `os-release` (`Debian:12`, `Alpine:v3.18`, …).
//!
//! Not read: zstd (or other) compressed layers, compressed image tarballs (`docker save | gzip`),
//! `docker export` flat tarballs, and requirements `-r` includes inside an image.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use patchwarden_lockfiles::{Format, ParseContext};
use serde::Deserialize;

use crate::inventory::{Inventory, InventoryError};

/// The most patchwarden reads of one file of an image or root filesystem.
pub const MAX_ENTRY: u64 = 256 << 20;
/// The most patchwarden keeps of one image or root filesystem, all files together.
pub const MAX_TOTAL: u64 = 1 << 30;
/// An `os-release` larger than this is not one.
const MAX_OS_RELEASE: u64 = 64 << 10;
/// The largest `manifest.json`, `index.json` or manifest blob read.
const MAX_JSON: u64 = 16 << 20;
/// Bytes of a file's head given to format detection (as for directories).
const HEAD: usize = 512;
/// Symlinks followed to resolve one path.
const MAX_LINKS: usize = 40;
/// Nested OCI indexes followed.
const MAX_INDEX_DEPTH: usize = 8;

const OS_RELEASE: [&str; 2] = ["etc/os-release", "usr/lib/os-release"];
const DPKG_STATUS: &str = "var/lib/dpkg/status";
const DPKG_STATUS_D: &str = "var/lib/dpkg/status.d";
const APK_INSTALLED: [&str; 2] = ["lib/apk/db/installed", "usr/lib/apk/db/installed"];

/// Directories (from the root) that hold no project lockfiles: pseudo file systems, scratch space,
/// documentation and headers, caches, and the package managers' own state (read at the paths above).
const SKIP_ROOT_DIRS: &[&str] = &[
    "proc",
    "sys",
    "dev",
    "run",
    "tmp",
    "boot",
    "lost+found",
    "var/tmp",
    "var/cache",
    "var/log",
    "var/lib/dpkg",
    "var/lib/apt",
    "var/lib/apk",
    "var/lib/rpm",
    "lib/apk",
    "usr/lib/apk",
    "usr/share",
    "usr/include",
    "usr/lib/debug",
];

/// Directories, anywhere, that hold installed or cached copies of dependencies (with the lockfiles
/// some packages ship), beside those a directory scan skips.
const SKIP_ANYWHERE: &[&str] = &[
    ".cache",
    ".npm",
    ".yarn",
    ".cargo",
    ".rustup",
    ".m2",
    ".gradle",
    "site-packages",
    "dist-packages",
    "testdata",
];

/// What may be kept of an image, and of each of its files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest file read ([`MAX_ENTRY`]).
    pub max_entry: u64,
    /// The most kept of one image, all files together ([`MAX_TOTAL`]).
    pub max_total: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_entry: MAX_ENTRY,
            max_total: MAX_TOTAL,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    // The cause is part of the message, not a `source`: the CLI prints sources too.
    #[error("cannot read {target}: {error}")]
    Open {
        /// `image x.tar` or `root filesystem /srv/root`.
        target: String,
        error: io::Error,
    },
    #[error("{target}: {entry}: {message}")]
    Entry {
        target: String,
        entry: String,
        message: String,
    },
    #[error(
        "{target}: not a `docker save` or OCI image layout tarball: it has neither manifest.json nor index.json"
    )]
    NotAnImage { target: String },
    #[error("{target}: the tarball itself is {compression} compressed; decompress it first")]
    CompressedArchive {
        target: String,
        compression: &'static str,
    },
    #[error(
        "{target}: layer {layer}: unsupported layer compression ({compression}); patchwarden reads uncompressed and gzip layers"
    )]
    UnsupportedCompression {
        target: String,
        layer: String,
        compression: String,
    },
    #[error(
        "{target}: {entry} is {size} bytes, more than the {limit} bytes patchwarden reads of one file"
    )]
    EntryTooLarge {
        target: String,
        entry: String,
        size: u64,
        limit: u64,
    },
    #[error(
        "{target}: the files patchwarden keeps of it exceed {limit} bytes (at {entry}); scan its lockfiles separately"
    )]
    TooLarge {
        target: String,
        entry: String,
        limit: u64,
    },
    #[error(transparent)]
    Inventory(#[from] InventoryError),
}

/// A file of an image or root filesystem that a scan reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    /// Absolute inside the image or root filesystem: `/var/lib/dpkg/status`.
    pub path: String,
    pub format: Format,
    pub bytes: Vec<u8>,
}

/// What a scan reads of an image or root filesystem.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoundFiles {
    /// The text of `/etc/os-release` (or `/usr/lib/os-release`), symlinks resolved.
    pub os_release: Option<String>,
    /// The OS package databases first, then the lockfiles and SBOMs by path.
    pub files: Vec<FoundFile>,
}

impl FoundFiles {
    /// The OSV ecosystem of the OS packages (`Debian:12`, …), from `os-release`.
    pub fn os_ecosystem(&self) -> Option<String> {
        self.os_release
            .as_deref()
            .and_then(patchwarden_lockfiles::os_ecosystem)
    }

    /// Parses every file into `inventory`, named `<label>:<path>`. The OS ecosystem is the one of
    /// `os-release`, else `ctx`'s.
    pub fn add_to(
        &self,
        inventory: &mut Inventory,
        label: &str,
        ctx: &ParseContext,
    ) -> Result<(), InventoryError> {
        let ctx = ParseContext {
            os_ecosystem: self.os_ecosystem().or_else(|| ctx.os_ecosystem.clone()),
        };
        for file in &self.files {
            let display = format!("{label}:{}", file.path);
            inventory.add_bytes(&display, &file.bytes, Some(file.format), &ctx)?;
        }
        Ok(())
    }
}

/// Reads an image tarball into `inventory`, its files named `<image as given>:/<path>`.
pub fn add_image(
    inventory: &mut Inventory,
    image: &Path,
    ctx: &ParseContext,
) -> Result<(), ImageError> {
    let found = read_image(image, Limits::default())?;
    found.add_to(inventory, &image.display().to_string(), ctx)?;
    Ok(())
}

/// Reads a root filesystem into `inventory`, its files named `<dir as given>:/<path>`.
pub fn add_rootfs(
    inventory: &mut Inventory,
    root: &Path,
    ctx: &ParseContext,
) -> Result<(), ImageError> {
    let found = read_rootfs(root, Limits::default())?;
    found.add_to(inventory, &root.display().to_string(), ctx)?;
    Ok(())
}

// ---- paths ----

/// A tar entry's path relative to the root: `./a/../b//c` → `b/c`, `/etc/x` → `etc/x`, `../../x` → `x`
/// (`..` stops at the root, as when Docker applies a layer). Empty for the root itself.
fn normalise(raw: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// (parent, name) of a normalised path; the root's parent is "".
fn split_parent(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// `path` with every symlink of it resolved by `read_link` (which answers a normalised path's target
/// when it is a symlink), never above the root; None for a loop.
fn resolve(path: &str, read_link: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let mut pending: Vec<String> = path.split('/').rev().map(str::to_owned).collect();
    let mut done: Vec<String> = Vec::new();
    let mut links = 0;
    while let Some(part) = pending.pop() {
        match part.as_str() {
            "" | "." => continue,
            ".." => {
                done.pop();
                continue;
            }
            _ => {}
        }
        done.push(part);
        if let Some(target) = read_link(&done.join("/")) {
            links += 1;
            if links > MAX_LINKS {
                return None;
            }
            done.pop();
            if target.starts_with('/') {
                done.clear();
            }
            pending.extend(target.split('/').rev().map(str::to_owned));
        }
    }
    Some(done.join("/"))
}

/// Whether nothing under the directory `dir` (normalised) is a project's lockfile.
fn skipped_dir(dir: &str) -> bool {
    if dir.is_empty() {
        return false;
    }
    if SKIP_ROOT_DIRS
        .iter()
        .any(|s| dir == *s || dir.strip_prefix(s).is_some_and(|r| r.starts_with('/')))
    {
        return true;
    }
    let parts: Vec<&str> = dir.split('/').collect();
    parts
        .iter()
        .any(|p| crate::inventory::SKIP_DIRS.contains(p) || SKIP_ANYWHERE.contains(p))
        || parts.windows(2).any(|w| w == ["pkg", "mod"]) // the Go module cache
}

/// What a file is to a scan, by its path alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    OsRelease,
    OsDatabase(Format),
    /// Kept when its name (and head) say it is a lockfile or SBOM.
    Detect,
}

fn wanted(path: &str) -> Option<Wanted> {
    let (dir, name) = split_parent(path);
    if name == "os-release" {
        return Some(Wanted::OsRelease);
    }
    if path == DPKG_STATUS || (dir == DPKG_STATUS_D && is_status_d_file(name)) {
        return Some(Wanted::OsDatabase(Format::DpkgStatus));
    }
    if APK_INSTALLED.contains(&path) {
        return Some(Wanted::OsDatabase(Format::ApkInstalled));
    }
    (!skipped_dir(dir)).then_some(Wanted::Detect)
}

/// A package's stanza in distroless `status.d/` (not its `.md5sums`).
fn is_status_d_file(name: &str) -> bool {
    !name.starts_with('.') && !name.ends_with(".md5sums")
}

// ---- layers ----

#[derive(Debug)]
enum Node {
    File {
        bytes: Vec<u8>,
        /// None: `os-release`.
        format: Option<Format>,
    },
    Symlink(String),
}

impl Node {
    fn cost(&self) -> u64 {
        match self {
            Node::File { bytes, .. } => bytes.len() as u64,
            Node::Symlink(target) => target.len() as u64,
        }
    }
}

#[derive(Debug)]
struct Kept {
    layer: usize,
    node: Node,
}

/// The kept files of the layers applied so far.
#[derive(Debug)]
struct Layers {
    target: String,
    limits: Limits,
    nodes: BTreeMap<String, Kept>,
    total: u64,
}

impl Layers {
    fn new(target: String, limits: Limits) -> Self {
        Self {
            target,
            limits,
            nodes: BTreeMap::new(),
            total: 0,
        }
    }

    fn remove(&mut self, path: &str) {
        if let Some(kept) = self.nodes.remove(path) {
            self.total -= kept.node.cost();
        }
    }

    /// Removes what layers before `layer` have under `dir` ("" for the root).
    fn remove_below(&mut self, dir: &str, layer: usize) {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let gone: Vec<String> = self
            .nodes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(_, v)| v.layer < layer)
            .map(|(k, _)| k.clone())
            .collect();
        for path in gone {
            self.remove(&path);
        }
    }

    /// A file, link or device at `path` replaces whatever was there, a directory included.
    fn replace(&mut self, path: &str, layer: usize) {
        self.remove(path);
        self.remove_below(path, layer);
    }

    fn insert(
        &mut self,
        path: String,
        layer: usize,
        node: Node,
        entry: &str,
    ) -> Result<(), ImageError> {
        self.remove(&path);
        let cost = node.cost();
        if self.total + cost > self.limits.max_total {
            return Err(ImageError::TooLarge {
                target: self.target.clone(),
                entry: entry.to_owned(),
                limit: self.limits.max_total,
            });
        }
        self.total += cost;
        self.nodes.insert(path, Kept { layer, node });
        Ok(())
    }

    fn too_large(&self, entry: &str, size: u64) -> Result<(), ImageError> {
        if size > self.limits.max_entry {
            return Err(ImageError::EntryTooLarge {
                target: self.target.clone(),
                entry: entry.to_owned(),
                size,
                limit: self.limits.max_entry,
            });
        }
        Ok(())
    }

    fn entry_error(&self, entry: String, e: &io::Error) -> ImageError {
        ImageError::Entry {
            target: self.target.clone(),
            entry,
            message: e.to_string(),
        }
    }

    /// Applies one layer (a tar stream) over the earlier ones.
    fn apply(
        &mut self,
        reader: impl Read,
        layer: usize,
        layer_name: &str,
    ) -> Result<(), ImageError> {
        let at = |path: &str| format!("layer {layer_name}, /{path}");
        let mut archive = tar::Archive::new(reader);
        let entries = archive
            .entries()
            .map_err(|e| self.entry_error(format!("layer {layer_name}"), &e))?;
        let mut last = String::new();
        for entry in entries {
            let mut entry = entry.map_err(|e| {
                let place = if last.is_empty() {
                    format!("layer {layer_name}")
                } else {
                    format!("layer {layer_name}, after /{last}")
                };
                self.entry_error(place, &e)
            })?;
            let path = normalise(&String::from_utf8_lossy(&entry.path_bytes()));
            if path.is_empty() {
                continue;
            }
            last.clone_from(&path);
            let (dir, name) = split_parent(&path);
            if let Some(whited) = name.strip_prefix(".wh.") {
                if whited == ".wh..opq" {
                    self.remove_below(dir, layer);
                } else if !whited.starts_with(".wh.") && !whited.is_empty() {
                    // Other `.wh..wh.*` names are aufs' own bookkeeping.
                    let gone = join(dir, whited);
                    self.remove_below(&gone, layer);
                    if self.nodes.get(&gone).is_some_and(|k| k.layer < layer) {
                        self.remove(&gone);
                    }
                }
                continue;
            }
            let kind = entry.header().entry_type();
            match kind {
                tar::EntryType::Directory => {
                    // A directory replaces a file of an earlier layer, and keeps what is under it.
                    if self.nodes.contains_key(&path) {
                        self.remove(&path);
                    }
                }
                tar::EntryType::Symlink => {
                    self.replace(&path, layer);
                    let target = entry
                        .link_name_bytes()
                        .map(|t| String::from_utf8_lossy(&t).into_owned())
                        .unwrap_or_default();
                    self.insert(path.clone(), layer, Node::Symlink(target), &at(&path))?;
                }
                tar::EntryType::Link => {
                    self.replace(&path, layer);
                    let target = entry
                        .link_name_bytes()
                        .map(|t| normalise(&String::from_utf8_lossy(&t)))
                        .unwrap_or_default();
                    let bytes = match self.nodes.get(&target) {
                        Some(Kept {
                            node: Node::File { bytes, .. },
                            ..
                        }) => bytes.clone(),
                        _ => continue,
                    };
                    if let Some(format) = self.keep_as(&path, bytes.len() as u64, &bytes)? {
                        self.insert(
                            path.clone(),
                            layer,
                            Node::File { bytes, format },
                            &at(&path),
                        )?;
                    }
                }
                tar::EntryType::Regular
                | tar::EntryType::Continuous
                | tar::EntryType::GNUSparse => {
                    self.replace(&path, layer);
                    let size = entry.size();
                    let Some(want) = wanted(&path) else {
                        continue;
                    };
                    if want == Wanted::OsRelease && size > MAX_OS_RELEASE {
                        continue;
                    }
                    let mut bytes = Vec::new();
                    (&mut entry)
                        .take(HEAD as u64)
                        .read_to_end(&mut bytes)
                        .map_err(|e| self.entry_error(at(&path), &e))?;
                    let Some(format) = self.keep_as(&path, size, &bytes)? else {
                        continue;
                    };
                    bytes.reserve(
                        usize::try_from(size)
                            .unwrap_or(0)
                            .saturating_sub(bytes.len()),
                    );
                    entry
                        .read_to_end(&mut bytes)
                        .map_err(|e| self.entry_error(at(&path), &e))?;
                    self.insert(
                        path.clone(),
                        layer,
                        Node::File { bytes, format },
                        &at(&path),
                    )?;
                }
                // Devices, fifos, and what this reader does not know: nothing to read, but they
                // replace what was at their path.
                _ => self.replace(&path, layer),
            }
        }
        Ok(())
    }

    /// Whether to keep a file of `size` bytes starting with `head` at `path`, and as what (None
    /// inside: `os-release`); an error when it is to be kept but is too large.
    fn keep_as(
        &self,
        path: &str,
        size: u64,
        head: &[u8],
    ) -> Result<Option<Option<Format>>, ImageError> {
        let format = match wanted(path) {
            None => return Ok(None),
            Some(Wanted::OsRelease) => {
                return Ok((size <= MAX_OS_RELEASE).then_some(None));
            }
            Some(Wanted::OsDatabase(format)) => format,
            Some(Wanted::Detect) => {
                let head = &head[..head.len().min(HEAD)];
                match patchwarden_lockfiles::detect(path, head) {
                    Some(format) => format,
                    None => return Ok(None),
                }
            }
        };
        self.too_large(&format!("/{path}"), size)?;
        Ok(Some(Some(format)))
    }

    /// What a scan reads of the files kept.
    fn finish(self) -> FoundFiles {
        let nodes = &self.nodes;
        let read_link = |p: &str| match nodes.get(p) {
            Some(Kept {
                node: Node::Symlink(target),
                ..
            }) => Some(target.clone()),
            _ => None,
        };
        let file = |p: &str| match nodes.get(p) {
            Some(Kept {
                node: Node::File { bytes, .. },
                ..
            }) => Some(bytes),
            _ => None,
        };
        let os_release = OS_RELEASE.iter().find_map(|p| {
            let real = resolve(p, &read_link)?;
            file(&real).map(|b| String::from_utf8_lossy(b).into_owned())
        });

        let mut found = FoundFiles {
            os_release,
            files: Vec::new(),
        };
        let mut used = BTreeSet::new();
        let mut take = |path: &str, format: Format| {
            if let Some(bytes) = file(path).filter(|_| used.insert(path.to_owned())) {
                found.files.push(FoundFile {
                    path: format!("/{path}"),
                    format,
                    bytes: bytes.clone(),
                });
            }
        };
        for (paths, format) in [
            (&[DPKG_STATUS][..], Format::DpkgStatus),
            (&APK_INSTALLED[..], Format::ApkInstalled),
        ] {
            for p in paths {
                if let Some(real) = resolve(p, &read_link) {
                    take(&real, format);
                }
            }
        }
        if let Some(dir) = resolve(DPKG_STATUS_D, &read_link) {
            let prefix = format!("{dir}/");
            let stanzas: Vec<String> = nodes
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .filter(|(k, _)| {
                    k.get(prefix.len()..)
                        .is_some_and(|n| !n.contains('/') && is_status_d_file(n))
                })
                .map(|(k, _)| k.clone())
                .collect();
            for p in stanzas {
                take(&p, Format::DpkgStatus);
            }
        }
        for (path, kept) in nodes {
            if let Node::File {
                format: Some(format),
                ..
            } = kept.node
            {
                take(path, format);
            }
        }
        found
    }
}

// ---- image tarballs ----

/// A file of the image tarball: its data, or a link to another.
#[derive(Debug, Clone)]
enum OuterEntry {
    Data { offset: u64, size: u64 },
    Link(String),
}

/// The image tarball, indexed: each member is read where it lies, without unpacking.
#[derive(Debug)]
struct Outer {
    target: String,
    file: File,
    entries: HashMap<String, OuterEntry>,
}

impl Outer {
    fn open(image: &Path, target: &str) -> Result<Self, ImageError> {
        let open_error = |error| ImageError::Open {
            target: target.to_owned(),
            error,
        };
        let mut file = File::open(image).map_err(open_error)?;
        let len = file.metadata().map_err(open_error)?.len();
        let mut magic = [0u8; 6];
        let n = read_up_to(&mut file, &mut magic).map_err(open_error)?;
        if let Some(compression) = compression(&magic[..n]) {
            return Err(ImageError::CompressedArchive {
                target: target.to_owned(),
                compression,
            });
        }
        file.seek(SeekFrom::Start(0)).map_err(open_error)?;

        let entry_error = |entry: String, e: io::Error| ImageError::Entry {
            target: target.to_owned(),
            entry,
            message: e.to_string(),
        };
        let mut entries = HashMap::new();
        let mut archive = tar::Archive::new(BufReader::new(file.try_clone().map_err(open_error)?));
        let mut last = String::new();
        let not_a_tar = |e: io::Error| ImageError::Entry {
            target: target.to_owned(),
            entry: "not a tar archive".to_owned(),
            message: e.to_string(),
        };
        let iter = archive.entries_with_seek().map_err(not_a_tar)?;
        for entry in iter {
            let entry = entry.map_err(|e| {
                if last.is_empty() {
                    not_a_tar(e)
                } else {
                    entry_error(format!("after {last}"), e)
                }
            })?;
            let path = normalise(&String::from_utf8_lossy(&entry.path_bytes()));
            if path.is_empty() {
                continue;
            }
            last.clone_from(&path);
            let link = || {
                entry
                    .link_name_bytes()
                    .map(|t| String::from_utf8_lossy(&t).into_owned())
                    .unwrap_or_default()
            };
            let value = match entry.header().entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    let (offset, size) = (entry.raw_file_position(), entry.size());
                    if offset.saturating_add(size) > len {
                        return Err(entry_error(
                            path,
                            io::Error::new(
                                io::ErrorKind::UnexpectedEof,
                                "the tarball is truncated: this member ends past its end",
                            ),
                        ));
                    }
                    OuterEntry::Data { offset, size }
                }
                // `docker save` links layers that several images share.
                tar::EntryType::Symlink => {
                    let (dir, _) = split_parent(&path);
                    let target = link();
                    OuterEntry::Link(if target.starts_with('/') {
                        normalise(&target)
                    } else {
                        normalise(&join(dir, &target))
                    })
                }
                tar::EntryType::Link => OuterEntry::Link(normalise(&link())),
                _ => continue,
            };
            entries.insert(path, value);
        }
        Ok(Self {
            target: target.to_owned(),
            file,
            entries,
        })
    }

    fn error(&self, entry: &str, message: impl Into<String>) -> ImageError {
        ImageError::Entry {
            target: self.target.clone(),
            entry: entry.to_owned(),
            message: message.into(),
        }
    }

    fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    /// The data of a member (links followed).
    fn reader(&self, name: &str) -> Result<(io::Take<File>, u64), ImageError> {
        let mut current = normalise(name);
        for _ in 0..MAX_LINKS {
            match self.entries.get(&current) {
                None => return Err(self.error(name, "not in the tarball")),
                Some(OuterEntry::Link(to)) => current.clone_from(to),
                Some(&OuterEntry::Data { offset, size }) => {
                    let io_error = |e: io::Error| self.error(name, e.to_string());
                    let mut file = self.file.try_clone().map_err(io_error)?;
                    file.seek(SeekFrom::Start(offset)).map_err(io_error)?;
                    return Ok((file.take(size), size));
                }
            }
        }
        Err(self.error(name, "too many links"))
    }

    fn read_json<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<T, ImageError> {
        let (reader, size) = self.reader(name)?;
        if size > MAX_JSON {
            return Err(ImageError::EntryTooLarge {
                target: self.target.clone(),
                entry: name.to_owned(),
                size,
                limit: MAX_JSON,
            });
        }
        let mut bytes = Vec::new();
        BufReader::new(reader)
            .read_to_end(&mut bytes)
            .map_err(|e| self.error(name, e.to_string()))?;
        serde_json::from_slice(&bytes).map_err(|e| self.error(name, format!("invalid JSON: {e}")))
    }
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The compression that these first bytes announce, other than none.
fn compression(magic: &[u8]) -> Option<&'static str> {
    if magic.starts_with(&[0x1f, 0x8b]) {
        Some("gzip")
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some("zstd")
    } else if magic.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Some("xz")
    } else if magic.starts_with(b"BZh") {
        Some("bzip2")
    } else {
        None
    }
}

/// One layer to apply: the member holding it, and its media type when the manifest gives one.
#[derive(Debug)]
struct LayerRef {
    name: String,
    media_type: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DockerManifest {
    #[serde(rename = "Config", default)]
    config: Option<String>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct OciIndex {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Debug, Deserialize)]
struct OciManifest {
    #[serde(default)]
    layers: Vec<Descriptor>,
}

#[derive(Debug, Deserialize)]
struct Descriptor {
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    digest: String,
    #[serde(default)]
    platform: Option<Platform>,
    #[serde(default)]
    annotations: HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct Platform {
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
}

/// `sha256:<hex>` → `blobs/sha256/<hex>`, refusing anything that is not a digest.
fn blob_path(outer: &Outer, digest: &str, from: &str) -> Result<String, ImageError> {
    let valid = digest.split_once(':').filter(|(algorithm, encoded)| {
        !algorithm.is_empty()
            && !encoded.is_empty()
            && algorithm
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b))
            && encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"=_-".contains(&b))
    });
    match valid {
        Some((algorithm, encoded)) => Ok(format!("blobs/{algorithm}/{encoded}")),
        None => Err(outer.error(from, format!("invalid digest {digest:?}"))),
    }
}

/// The manifest to read of an index: linux/amd64 where there are several, else the first (attestation
/// manifests, of platform `unknown`, last).
fn choose<'d>(
    outer: &Outer,
    manifests: &'d [Descriptor],
    from: &str,
) -> Result<&'d Descriptor, ImageError> {
    let is_image = |d: &&Descriptor| {
        d.annotations
            .get("vnd.docker.reference.type")
            .is_none_or(|t| t != "attestation-manifest")
            && d.platform.as_ref().is_none_or(|p| p.os != "unknown")
    };
    manifests
        .iter()
        .filter(is_image)
        .find(|d| {
            d.platform
                .as_ref()
                .is_some_and(|p| p.os == "linux" && p.architecture == "amd64")
        })
        .or_else(|| manifests.iter().find(is_image))
        .or_else(|| manifests.first())
        .ok_or_else(|| outer.error(from, "lists no manifest"))
}

fn is_index(media_type: Option<&str>, value: &serde_json::Value) -> bool {
    match media_type {
        Some(t) if t.contains("image.index") || t.contains("manifest.list") => true,
        Some(t) if t.contains("manifest") => false,
        _ => value.get("manifests").is_some() && value.get("layers").is_none(),
    }
}

fn docker_layers(outer: &Outer) -> Result<Vec<LayerRef>, ImageError> {
    let manifests: Vec<DockerManifest> = outer.read_json("manifest.json")?;
    // One image per tarball is the common case; with several, the first is read.
    let manifest = manifests
        .into_iter()
        .next()
        .ok_or_else(|| outer.error("manifest.json", "lists no image"))?;
    if let Some(config) = &manifest.config {
        if !outer.contains(&normalise(config)) {
            return Err(outer.error(
                "manifest.json",
                format!("its Config {config} is not in the tarball"),
            ));
        }
    }
    Ok(manifest
        .layers
        .into_iter()
        .map(|name| LayerRef {
            name: normalise(&name),
            media_type: None,
        })
        .collect())
}

fn oci_layers(outer: &Outer) -> Result<Vec<LayerRef>, ImageError> {
    let index: OciIndex = outer.read_json("index.json")?;
    let mut from = "index.json".to_owned();
    let mut descriptor = choose(outer, &index.manifests, &from)?;
    let mut nested; // keeps the nested index alive while `descriptor` borrows it
    for _ in 0..MAX_INDEX_DEPTH {
        let blob = blob_path(outer, &descriptor.digest, &from)?;
        let value: serde_json::Value = outer.read_json(&blob)?;
        let media_type = descriptor.media_type.clone().or_else(|| {
            value
                .get("mediaType")
                .and_then(|t| t.as_str())
                .map(str::to_owned)
        });
        if is_index(media_type.as_deref(), &value) {
            nested = serde_json::from_value::<OciIndex>(value)
                .map_err(|e| outer.error(&blob, format!("invalid image index: {e}")))?;
            from = blob;
            descriptor = choose(outer, &nested.manifests, &from)?;
            continue;
        }
        let manifest: OciManifest = serde_json::from_value(value)
            .map_err(|e| outer.error(&blob, format!("invalid image manifest: {e}")))?;
        return manifest
            .layers
            .into_iter()
            .map(|l| {
                Ok(LayerRef {
                    name: blob_path(outer, &l.digest, &blob)?,
                    media_type: l.media_type,
                })
            })
            .collect();
    }
    Err(outer.error(&from, "image indexes nested too deep"))
}

/// Reads what a scan needs of an image tarball (`docker save` or OCI layout), applying its layers in
/// memory.
pub fn read_image(image: &Path, limits: Limits) -> Result<FoundFiles, ImageError> {
    let target = format!("image {}", image.display());
    let outer = Outer::open(image, &target)?;
    let layers = if outer.contains("manifest.json") {
        docker_layers(&outer)?
    } else if outer.contains("index.json") {
        oci_layers(&outer)?
    } else {
        return Err(ImageError::NotAnImage { target });
    };
    let mut applied = Layers::new(target.clone(), limits);
    for (i, layer) in layers.iter().enumerate() {
        if let Some(t) = layer.media_type.as_deref() {
            if let Some(c) = ["zstd", "xz", "bzip2"].into_iter().find(|c| t.contains(c)) {
                return Err(ImageError::UnsupportedCompression {
                    target,
                    layer: layer.name.clone(),
                    compression: c.to_owned(),
                });
            }
        }
        let (reader, _) = outer.reader(&layer.name)?;
        let mut reader = BufReader::with_capacity(1 << 16, reader);
        let head = reader
            .fill_buf()
            .map_err(|e| applied.entry_error(format!("layer {}", layer.name), &e))?;
        match compression(head) {
            None => applied.apply(reader, i, &layer.name)?,
            Some("gzip") => {
                applied.apply(flate2::bufread::MultiGzDecoder::new(reader), i, &layer.name)?
            }
            Some(c) => {
                return Err(ImageError::UnsupportedCompression {
                    target,
                    layer: layer.name.clone(),
                    compression: c.to_owned(),
                });
            }
        }
    }
    Ok(applied.finish())
}

// ---- root filesystems ----

/// Reads what a scan needs of an unpacked root filesystem; symlinks are resolved inside it.
pub fn read_rootfs(root: &Path, limits: Limits) -> Result<FoundFiles, ImageError> {
    let target = format!("root filesystem {}", root.display());
    let error = |path: &str, source: io::Error| ImageError::Entry {
        target: target.clone(),
        entry: format!("/{path}"),
        message: source.to_string(),
    };
    let real = root
        .canonicalize()
        .and_then(|r| {
            if r.is_dir() {
                Ok(r)
            } else {
                Err(io::Error::other("not a directory"))
            }
        })
        .map_err(|error| ImageError::Open {
            target: target.clone(),
            error,
        })?;
    let read_link = |p: &str| -> Option<String> {
        let full = real.join(p);
        let meta = std::fs::symlink_metadata(&full).ok()?;
        if !meta.file_type().is_symlink() {
            return None;
        }
        std::fs::read_link(&full)
            .ok()
            .map(|t| t.to_string_lossy().into_owned())
    };
    // A regular file (not a link) at a resolved path, and its size.
    let regular = |p: &str| -> Option<u64> {
        std::fs::symlink_metadata(real.join(p))
            .ok()
            .filter(|m| m.file_type().is_file())
            .map(|m| m.len())
    };
    let mut total = 0u64;
    let mut read = |p: &str, size: u64| -> Result<Vec<u8>, ImageError> {
        if size > limits.max_entry {
            return Err(ImageError::EntryTooLarge {
                target: target.clone(),
                entry: format!("/{p}"),
                size,
                limit: limits.max_entry,
            });
        }
        let bytes = std::fs::read(real.join(p)).map_err(|e| error(p, e))?;
        total += bytes.len() as u64;
        if total > limits.max_total {
            return Err(ImageError::TooLarge {
                target: target.clone(),
                entry: format!("/{p}"),
                limit: limits.max_total,
            });
        }
        Ok(bytes)
    };

    let mut found = FoundFiles::default();
    for p in OS_RELEASE {
        let Some(real_path) = resolve(p, &read_link) else {
            continue;
        };
        if let Some(size) = regular(&real_path).filter(|s| *s <= MAX_OS_RELEASE) {
            let bytes = read(&real_path, size)?;
            found.os_release = Some(String::from_utf8_lossy(&bytes).into_owned());
            break;
        }
    }

    let mut databases: Vec<(String, Format)> = Vec::new();
    databases.extend(resolve(DPKG_STATUS, &read_link).map(|r| (r, Format::DpkgStatus)));
    if let Some(dir) = resolve(DPKG_STATUS_D, &read_link) {
        if let Ok(list) = std::fs::read_dir(real.join(&dir)) {
            let mut names: Vec<String> = list
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| is_status_d_file(n))
                .collect();
            names.sort();
            databases.extend(
                names
                    .into_iter()
                    .map(|n| (join(&dir, &n), Format::DpkgStatus)),
            );
        }
    }
    for p in APK_INSTALLED {
        databases.extend(resolve(p, &read_link).map(|r| (r, Format::ApkInstalled)));
    }
    let mut used = BTreeSet::new();
    for (path, format) in databases {
        let Some(size) = regular(&path) else { continue };
        if !used.insert(path.clone()) {
            continue;
        }
        let bytes = read(&path, size)?;
        found.files.push(FoundFile {
            path: format!("/{path}"),
            format,
            bytes,
        });
    }

    // The lockfiles and SBOMs elsewhere in the tree.
    let walk_root = real.clone();
    let mut walker = ignore::WalkBuilder::new(&real);
    walker
        .standard_filters(false)
        .follow_links(false)
        .same_file_system(true)
        .filter_entry(move |e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            !is_dir || !skipped_dir(&relative(&walk_root, e.path()))
        });
    let mut lockfiles = Vec::new();
    for entry in walker.build() {
        let entry = entry.map_err(|e| error("", io::Error::other(e.to_string())))?;
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let rel = relative(&real, entry.path());
        if used.contains(&rel) || wanted(&rel) != Some(Wanted::Detect) {
            continue;
        }
        let mut head = Vec::with_capacity(HEAD);
        if let Ok(f) = File::open(entry.path()) {
            let _ = f.take(HEAD as u64).read_to_end(&mut head);
        }
        if let Some(format) = patchwarden_lockfiles::detect(&rel, &head) {
            lockfiles.push((rel, format));
        }
    }
    lockfiles.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, format) in lockfiles {
        let Some(size) = regular(&path) else { continue };
        let bytes = read(&path, size)?;
        found.files.push(FoundFile {
            path: format!("/{path}"),
            format,
            bytes,
        });
    }
    Ok(found)
}

/// `full` relative to `root`, `/`-separated.
fn relative(root: &Path, full: &Path) -> String {
    let rel: PathBuf = full.strip_prefix(root).unwrap_or(full).to_owned();
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_never_leave_the_root() {
        assert_eq!(normalise("./usr/src/app/"), "usr/src/app");
        assert_eq!(normalise("../../etc/passwd"), "etc/passwd");
        assert_eq!(normalise("/abs//x/./y/../z"), "abs/x/z");
        assert_eq!(normalise("./"), "");
        assert_eq!(normalise(".."), "");
    }

    #[test]
    fn symlinks_resolve_inside_the_root() {
        let links: HashMap<&str, &str> = [
            ("etc/os-release", "../usr/lib/os-release"),
            ("lib", "usr/lib"),
            ("evil", "../../../../host"),
            ("abs", "/usr/lib"),
            ("loop", "loop"),
        ]
        .into_iter()
        .collect();
        let read_link = |p: &str| links.get(p).map(|t| (*t).to_owned());
        assert_eq!(
            resolve("etc/os-release", &read_link).as_deref(),
            Some("usr/lib/os-release")
        );
        assert_eq!(
            resolve("lib/apk/db/installed", &read_link).as_deref(),
            Some("usr/lib/apk/db/installed")
        );
        assert_eq!(resolve("evil/x", &read_link).as_deref(), Some("host/x"));
        assert_eq!(resolve("abs/x", &read_link).as_deref(), Some("usr/lib/x"));
        assert_eq!(resolve("loop/x", &read_link), None);
    }

    #[test]
    fn system_directories_and_dependency_caches_are_skipped() {
        for dir in [
            "proc",
            "usr/share/doc/x",
            "var/lib/dpkg",
            "app/node_modules/x",
            "usr/lib/python3/dist-packages/x",
            "go/pkg/mod/golang.org/x",
            "root/.cargo/registry/src",
        ] {
            assert!(skipped_dir(dir), "{dir}");
        }
        for dir in ["", "usr/src/app", "srv/www", "usr/sharegpt", "opt/app/pkg"] {
            assert!(!skipped_dir(dir), "{dir}");
        }
        assert_eq!(
            wanted("var/lib/dpkg/status.d/libc6"),
            Some(Wanted::OsDatabase(Format::DpkgStatus))
        );
        assert_eq!(wanted("var/lib/dpkg/status.d/libc6.md5sums"), None);
        assert_eq!(wanted("usr/share/x/package-lock.json"), None);
    }
}
