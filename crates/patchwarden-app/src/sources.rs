//! Reading advisory data from disk: an OSV `all.zip`, a directory of `.json` records, a single record, or
//! the KEV catalog. Zip entries are read into memory under size limits (a zip bomb is refused, not
//! inflated); nothing is ever written from a zip, so entry names cannot escape anywhere.

use std::io::Read;
use std::path::{Path, PathBuf};

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
    #[error("{path}: neither an OSV record, a zip or directory of them, nor the KEV catalog")]
    Unrecognised { path: PathBuf },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    OsvZip,
    OsvDir,
    OsvFile,
    Kev,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::OsvZip => "osv-zip",
            SourceKind::OsvDir => "osv-dir",
            SourceKind::OsvFile => "osv-file",
            SourceKind::Kev => "kev",
        }
    }
}

/// A source's documents, in a stable order, and a digest of all of them.
#[derive(Debug)]
pub struct SourceData {
    pub kind: SourceKind,
    pub sha256: String,
    /// (entry name, bytes); one entry for a single file or the KEV catalog.
    pub entries: Vec<(String, Vec<u8>)>,
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
        return read_zip(path, &bytes, sha256);
    }
    let kind = match patchwarden_osv::sniff(&bytes) {
        DocumentKind::Kev => SourceKind::Kev,
        DocumentKind::Osv => SourceKind::OsvFile,
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
        entries: vec![(name, bytes)],
    })
}

fn read_zip(path: &Path, bytes: &[u8], sha256: String) -> Result<SourceData, SourceError> {
    let zip_error = |e: zip::result::ZipError| SourceError::Zip {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(zip_error)?;
    // Entries are inflated on every core (a tenth of an import's work), each thread a range of them in
    // order; the first error in entry order wins, as if read one by one.
    let count = archive.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = count.div_ceil(threads).max(64);
    let total = std::sync::atomic::AtomicU64::new(0);
    let parts: Vec<Result<Entries, SourceError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..count)
            .step_by(chunk)
            .map(|start| {
                let mut archive = archive.clone();
                let total = &total;
                scope.spawn(move || {
                    read_zip_range(path, &mut archive, start..count.min(start + chunk), total)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut entries = Vec::with_capacity(count);
    for part in parts {
        entries.extend(part?);
    }
    Ok(SourceData {
        kind: SourceKind::OsvZip,
        sha256,
        entries,
    })
}

/// (entry name, bytes) of a source, in order.
type Entries = Vec<(String, Vec<u8>)>;

/// Inflates the `.json` entries in `range`, within the per-entry and (shared) total limits.
fn read_zip_range(
    path: &Path,
    archive: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>,
    range: std::ops::Range<usize>,
    total: &std::sync::atomic::AtomicU64,
) -> Result<Entries, SourceError> {
    let zip_error = |e: zip::result::ZipError| SourceError::Zip {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let mut entries = Vec::with_capacity(range.len());
    for i in range {
        let mut file = archive.by_index(i).map_err(zip_error)?;
        let name = file.name().to_owned();
        if file.is_dir() || !name.ends_with(".json") {
            continue;
        }
        if file.size() > MAX_ENTRY_BYTES {
            return Err(SourceError::TooLarge {
                path: path.to_owned(),
                entry: name,
            });
        }
        // The declared size can lie; never inflate more than the limit.
        let mut data = Vec::with_capacity(file.size() as usize);
        (&mut file)
            .take(MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(|e| SourceError::Entry {
                path: path.to_owned(),
                entry: name.clone(),
                message: e.to_string(),
            })?;
        if data.len() as u64 > MAX_ENTRY_BYTES {
            return Err(SourceError::TooLarge {
                path: path.to_owned(),
                entry: name,
            });
        }
        let size = data.len() as u64;
        if total.fetch_add(size, std::sync::atomic::Ordering::Relaxed) + size > MAX_TOTAL_BYTES {
            return Err(SourceError::TooLarge {
                path: path.to_owned(),
                entry: name,
            });
        }
        entries.push((name, data));
    }
    Ok(entries)
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
    Ok(SourceData {
        kind: SourceKind::OsvDir,
        sha256: hex::encode(digest.finalize()),
        entries,
    })
}
