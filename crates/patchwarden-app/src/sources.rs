//! Reading advisory data from disk: an OSV `all.zip`, a directory of `.json` records, a single record, or
//! the KEV catalog. Zip entries are inflated a batch at a time as an import consumes them, under size
//! limits (a zip bomb is refused, not inflated); nothing is ever written from a zip, so entry names cannot
//! escape anywhere.

use std::borrow::Cow;
use std::io::{Cursor, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use patchwarden_osv::DocumentKind;
use sha2::{Digest, Sha256};

/// Largest single record accepted (the biggest real OSV records are a few MB).
pub const MAX_ENTRY_BYTES: u64 = 32 * 1024 * 1024;
/// Largest total of inflated records accepted from one source.
pub const MAX_TOTAL_BYTES: u64 = 8 * 1024 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a readable zip archive (truncated or corrupt?): {message}")]
    Zip { path: PathBuf, message: String },
    #[error("{path}: entry {entry}: {message}")]
    Entry {
        path: PathBuf,
        entry: String,
        message: String,
    },
    #[error(
        "{path}: entry {entry} inflates to more than {limit} bytes; refusing it (zip bomb?)",
        limit = MAX_ENTRY_BYTES
    )]
    TooLarge { path: PathBuf, entry: String },
    #[error(
        "{path}: neither an OSV record, a zip or directory of them, the KEV catalog, nor end-of-life data"
    )]
    Unrecognised { path: PathBuf },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    OsvZip,
    OsvDir,
    OsvFile,
    Kev,
    /// End-of-life data (endoflife.date shape): a product file or a directory of them.
    Eol,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::OsvZip => "osv-zip",
            SourceKind::OsvDir => "osv-dir",
            SourceKind::OsvFile => "osv-file",
            SourceKind::Kev => "kev",
            SourceKind::Eol => "eol",
        }
    }
}

/// A source's documents, in a stable order, and a digest of all of them.
#[derive(Debug)]
pub struct SourceData {
    pub kind: SourceKind,
    pub sha256: String,
    pub documents: Documents,
}

/// One document of a source: its name (the zip entry or the file under the directory) and its bytes.
#[derive(Debug)]
pub struct Document<'a> {
    pub name: Cow<'a, str>,
    pub bytes: Cow<'a, [u8]>,
}

/// The documents of a source: read already (files), or the `.json` entries of a zip, inflated when asked
/// for, so an import never holds a whole inflated database in memory.
#[derive(Debug)]
pub enum Documents {
    Read(Entries),
    Zip(ZipDocuments),
}

/// (entry name, bytes) of a source, in order.
pub type Entries = Vec<(String, Vec<u8>)>;

type Archive = zip::ZipArchive<Cursor<Arc<[u8]>>>;

/// The `.json` entries of a zip archive held in memory.
#[derive(Debug)]
pub struct ZipDocuments {
    path: PathBuf,
    archive: Archive,
    /// Archive indexes of the `.json` file entries, in archive order.
    json: Vec<usize>,
    /// Bytes inflated so far, against [`MAX_TOTAL_BYTES`].
    inflated: AtomicU64,
}

impl Documents {
    pub fn len(&self) -> usize {
        match self {
            Documents::Read(entries) => entries.len(),
            Documents::Zip(zip) => zip.json.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first document (the KEV catalog, or a single record).
    pub fn first(&self) -> Option<Result<Document<'_>, SourceError>> {
        (!self.is_empty()).then(|| self.map_range(0..1, |d| d).remove(0))
    }

    /// Maps `f` over the documents in `range` on every core, in order; a zip's entries are inflated by the
    /// thread that maps them.
    pub fn map_range<'a, U: Send>(
        &'a self,
        range: Range<usize>,
        f: impl Fn(Result<Document<'a>, SourceError>) -> U + Sync,
    ) -> Vec<U> {
        let start = range.start;
        match self {
            Documents::Read(entries) => crate::par::map_parts(range.len(), 64, |part| {
                entries[start + part.start..start + part.end]
                    .iter()
                    .map(|(name, bytes)| {
                        f(Ok(Document {
                            name: Cow::Borrowed(name),
                            bytes: Cow::Borrowed(bytes),
                        }))
                    })
                    .collect()
            }),
            Documents::Zip(zip) => crate::par::map_parts(range.len(), 16, |part| {
                let mut archive = zip.archive.clone();
                zip.json[start + part.start..start + part.end]
                    .iter()
                    .map(|&index| f(zip.inflate(&mut archive, index)))
                    .collect()
            }),
        }
    }

    /// Every document, inflated (for tests and small sources).
    pub fn read_all(&self) -> Result<Entries, SourceError> {
        self.map_range(0..self.len(), |d| {
            d.map(|d| (d.name.into_owned(), d.bytes.into_owned()))
        })
        .into_iter()
        .collect()
    }
}

impl ZipDocuments {
    /// Inflates one entry, within the per-entry and the source's total limits.
    fn inflate(
        &self,
        archive: &mut Archive,
        index: usize,
    ) -> Result<Document<'static>, SourceError> {
        let mut file = archive.by_index(index).map_err(|e| SourceError::Zip {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        let name = file.name().to_owned();
        let too_large = |entry: String| SourceError::TooLarge {
            path: self.path.clone(),
            entry,
        };
        if file.size() > MAX_ENTRY_BYTES {
            return Err(too_large(name));
        }
        // The declared size can lie; never inflate more than the limit.
        let mut data = Vec::with_capacity(file.size() as usize);
        (&mut file)
            .take(MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(|e| SourceError::Entry {
                path: self.path.clone(),
                entry: name.clone(),
                message: e.to_string(),
            })?;
        let size = data.len() as u64;
        if size > MAX_ENTRY_BYTES
            || self.inflated.fetch_add(size, Ordering::Relaxed) + size > MAX_TOTAL_BYTES
        {
            return Err(too_large(name));
        }
        Ok(Document {
            name: Cow::Owned(name),
            bytes: Cow::Owned(data),
        })
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SourceError + '_ {
    move |source| SourceError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Reads whatever `path` is.
pub fn read_path(path: &Path) -> Result<SourceData, SourceError> {
    let meta = std::fs::metadata(path).map_err(io(path))?;
    if meta.is_dir() {
        return read_dir(path);
    }
    let bytes = std::fs::read(path).map_err(io(path))?;
    read_bytes(path, bytes)
}

/// Reads a downloaded or opened file: zip by its magic number, else a JSON document.
pub fn read_bytes(path: &Path, bytes: Vec<u8>) -> Result<SourceData, SourceError> {
    let sha256 = hex::encode(Sha256::digest(&bytes));
    read_hashed(path, bytes, sha256)
}

/// [`read_bytes`] of a file whose SHA-256 (hex) the caller has already computed.
pub fn read_hashed(path: &Path, bytes: Vec<u8>, sha256: String) -> Result<SourceData, SourceError> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return read_zip(path, bytes, sha256);
    }
    let kind = match patchwarden_osv::sniff(&bytes) {
        DocumentKind::Kev => SourceKind::Kev,
        DocumentKind::Osv => SourceKind::OsvFile,
        DocumentKind::Unknown if patchwarden_eol::Product::sniff(&bytes) => SourceKind::Eol,
        DocumentKind::Unknown => {
            return Err(SourceError::Unrecognised {
                path: path.to_owned(),
            });
        }
    };
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok(SourceData {
        kind,
        sha256,
        documents: Documents::Read(vec![(name, bytes)]),
    })
}

fn read_zip(path: &Path, bytes: Vec<u8>, sha256: String) -> Result<SourceData, SourceError> {
    let archive = zip::ZipArchive::new(Cursor::new(Arc::<[u8]>::from(bytes))).map_err(|e| {
        SourceError::Zip {
            path: path.to_owned(),
            message: e.to_string(),
        }
    })?;
    let json = (0..archive.len())
        .filter(|&i| {
            archive
                .name_for_index(i)
                .is_some_and(|n| n.ends_with(".json"))
        })
        .collect();
    Ok(SourceData {
        kind: SourceKind::OsvZip,
        sha256,
        documents: Documents::Zip(ZipDocuments {
            path: path.to_owned(),
            archive,
            json,
            inflated: AtomicU64::new(0),
        }),
    })
}

fn read_dir(root: &Path) -> Result<SourceData, SourceError> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let entry = entry.map_err(io(&dir))?;
            let path = entry.path();
            let file_type = entry.file_type().map_err(io(&path))?;
            if file_type.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut digest = Sha256::new();
    let mut entries = Vec::with_capacity(files.len());
    for path in files {
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        let name = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        digest.update((name.len() as u64).to_be_bytes());
        digest.update(name.as_bytes());
        digest.update((bytes.len() as u64).to_be_bytes());
        digest.update(&bytes);
        entries.push((name, bytes));
    }
    // A directory of end-of-life data (`products/*.json` beside the `index.json` listing them).
    let is_index = |name: &str| name == "index.json";
    let eol = entries.iter().any(|(n, _)| !is_index(n))
        && entries
            .iter()
            .filter(|(n, _)| !is_index(n))
            .all(|(_, b)| patchwarden_eol::Product::sniff(b));
    if eol {
        entries.retain(|(n, _)| !is_index(n));
    }
    Ok(SourceData {
        kind: if eol {
            SourceKind::Eol
        } else {
            SourceKind::OsvDir
        },
        sha256: hex::encode(digest.finalize()),
        documents: Documents::Read(entries),
    })
}
