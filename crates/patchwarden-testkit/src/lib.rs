//! Test support shared by patchwarden's crates: where the shared real-world data lives, and a small
//! loopback HTTP server that serves files the way a CDN does (ETag, Last-Modified, 304), so that code
//! which downloads is tested on the same path a user runs, pointed at 127.0.0.1.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// `../shared/data` from the workspace root; panics with a clear message when it is missing, because a
/// test that needs real data must not pass silently without it.
pub fn shared_data() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(
        root.is_dir(),
        "the shared test data is missing: expected {} (../shared/data beside the project)",
        root.display()
    );
    root.canonicalize().unwrap_or(root)
}

/// What the server answers for a path.
#[derive(Debug, Clone)]
pub enum Route {
    /// The file's bytes, with an ETag of its length and a hash, and a fixed Last-Modified.
    File(PathBuf),
    /// The file's bytes with no validators at all (no ETag, no Last-Modified): always a full 200.
    FileWithoutValidators(PathBuf),
    /// A status with an empty body.
    Status(u16),
    /// An API page: the file's bytes when the request's `Authorization` header is exactly
    /// `authorization` (401 otherwise), with a `Link` header when given.
    Authorized {
        file: PathBuf,
        authorization: String,
        link: Option<String>,
    },
}

/// One request the server saw: the path and the status it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub path: String,
    pub status: u16,
}

/// A static file server on 127.0.0.1, stopped when dropped.
#[derive(Debug)]
pub struct StaticServer {
    base: String,
    routes: Arc<Mutex<HashMap<String, Route>>>,
    hits: Arc<Mutex<Vec<Hit>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl StaticServer {
    pub fn start(routes: impl IntoIterator<Item = (String, Route)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let base = format!("http://{}", listener.local_addr().expect("local addr"));
        let routes = Arc::new(Mutex::new(routes.into_iter().collect::<HashMap<_, _>>()));
        let hits = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (routes, hits, stop) = (routes.clone(), hits.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        let _ = serve(stream, &routes, &hits);
                    }
                }
            })
        };
        Self {
            base,
            routes,
            hits,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn set_route(&self, path: &str, route: Route) {
        self.routes
            .lock()
            .expect("routes lock")
            .insert(path.to_owned(), route);
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().expect("hits lock").clone()
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.base.trim_start_matches("http://"));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

const LAST_MODIFIED: &str = "Mon, 25 Aug 2025 17:04:19 GMT";

fn etag(bytes: &[u8]) -> String {
    // FNV-1a: enough to tell files apart in tests.
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("\"{}-{hash:016x}\"", bytes.len())
}

fn serve(
    stream: TcpStream,
    routes: &Mutex<HashMap<String, Route>>,
    hits: &Mutex<Vec<Hit>>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let route = routes.lock().expect("routes lock").get(&path).cloned();
    let (status, body, extra) = match route {
        Some(Route::File(file)) => match std::fs::read(&file) {
            Ok(bytes) => {
                let tag = etag(&bytes);
                let fresh = headers.get("if-none-match") == Some(&tag)
                    || (!headers.contains_key("if-none-match")
                        && headers.get("if-modified-since").map(String::as_str)
                            == Some(LAST_MODIFIED));
                let extra = format!("ETag: {tag}\r\nLast-Modified: {LAST_MODIFIED}\r\n");
                if fresh {
                    (304, Vec::new(), extra)
                } else {
                    (200, bytes, extra)
                }
            }
            Err(_) => (404, Vec::new(), String::new()),
        },
        Some(Route::FileWithoutValidators(file)) => match std::fs::read(&file) {
            Ok(bytes) => (200, bytes, String::new()),
            Err(_) => (404, Vec::new(), String::new()),
        },
        Some(Route::Status(code)) => (code, Vec::new(), String::new()),
        Some(Route::Authorized {
            file,
            authorization,
            link,
        }) => match (headers.get("authorization"), std::fs::read(&file)) {
            (Some(given), Ok(bytes)) if *given == authorization => {
                let extra = link.map_or_else(String::new, |l| format!("Link: {l}\r\n"));
                (200, bytes, extra)
            }
            (_, Ok(_)) => (401, Vec::new(), String::new()),
            (_, Err(_)) => (404, Vec::new(), String::new()),
        },
        None => (404, Vec::new(), String::new()),
    };
    hits.lock().expect("hits lock").push(Hit { path, status });
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    )?;
    out.write_all(&body)?;
    out.flush()
}
