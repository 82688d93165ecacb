//! Downloads: one conditional HTTP GET at a time, so an unchanged source costs one request and no body.
//!
//! The caller keeps the `ETag` and `Last-Modified` of the last download and passes them back; a `304 Not
//! Modified` answer is [`Fetched::NotModified`]. Bodies are read under a size limit, with progress
//! reported as they arrive.

use std::io::Read;
use std::time::Duration;

/// What the caller remembers from the last successful download.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The server says the resource has not changed since the validators were taken.
    NotModified,
    /// A new body, with the validators to send next time.
    Body {
        bytes: Vec<u8>,
        validators: Validators,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("GET {url}: the server answered {status}")]
    Status { url: String, status: u16 },
    #[error("GET {url}: {message}")]
    Transport { url: String, message: String },
    #[error("GET {url}: the body is larger than {limit} bytes; refusing it")]
    TooLarge { url: String, limit: u64 },
    #[error("POST {url}: {message}")]
    Post { url: String, message: String },
}

/// One page of an API's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiPage {
    pub status: u16,
    pub body: String,
    /// The `Link` header, if any (`<…?page=2>; rel="next"`).
    pub link: Option<String>,
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(link: &str) -> Option<&str> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| url.trim().trim_start_matches('<').trim_end_matches('>'))
    })
}

/// Largest answer read from a POST (an API's JSON reply).
const MAX_POST_REPLY: u64 = 1024 * 1024;

/// A reusable HTTP client.
#[derive(Debug, Clone)]
pub struct Client {
    agent: ureq::Agent,
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

impl Client {
    pub fn new() -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_body(Some(Duration::from_secs(600)))
            .user_agent(concat!("patchwarden/", env!("CARGO_PKG_VERSION")))
            .build();
        Self {
            agent: config.into(),
        }
    }

    /// POSTs a JSON `body` with extra `headers` (an API call); returns the status and the reply's body.
    /// Header values (tokens) are never logged.
    pub fn post_json(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<(u16, String), FetchError> {
        let failed = |message: String| FetchError::Post {
            url: url.to_owned(),
            message,
        };
        let mut request = self
            .agent
            .post(url)
            .header("Content-Type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut response = request.send(body).map_err(|e| failed(e.to_string()))?;
        let status = response.status().as_u16();
        tracing::debug!(url, status, "posted");
        let reply = response
            .body_mut()
            .with_config()
            .limit(MAX_POST_REPLY)
            .read_to_string()
            .map_err(|e| failed(e.to_string()))?;
        Ok((status, reply))
    }

    /// GETs an API's JSON page with extra `headers` (a token), reading at most `limit` bytes; returns the
    /// status, the body and the `Link` header (the next page). Header values are never logged.
    pub fn get_api(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        limit: u64,
    ) -> Result<ApiPage, FetchError> {
        let transport = |message: String| FetchError::Transport {
            url: url.to_owned(),
            message,
        };
        let mut request = self.agent.get(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut response = request.call().map_err(|e| transport(e.to_string()))?;
        let status = response.status().as_u16();
        tracing::debug!(url, status, "fetched");
        let link = response
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_string()
            .map_err(|e| transport(e.to_string()))?;
        Ok(ApiPage { status, body, link })
    }

    /// GETs `url`, conditionally on `validators`, reading at most `limit` bytes of body.
    /// `progress(read, total)` is called as the body arrives (`total` from Content-Length, if sent).
    pub fn get(
        &self,
        url: &str,
        validators: &Validators,
        limit: u64,
        progress: &dyn Fn(u64, Option<u64>),
    ) -> Result<Fetched, FetchError> {
        let transport = |e: ureq::Error| FetchError::Transport {
            url: url.to_owned(),
            message: e.to_string(),
        };
        let mut request = self.agent.get(url);
        if let Some(etag) = &validators.etag {
            request = request.header("If-None-Match", etag);
        }
        if let Some(last_modified) = &validators.last_modified {
            request = request.header("If-Modified-Since", last_modified);
        }
        let mut response = request.call().map_err(transport)?;
        let status = response.status().as_u16();
        tracing::debug!(url, status, "fetched");
        if status == 304 {
            return Ok(Fetched::NotModified);
        }
        if !(200..300).contains(&status) {
            return Err(FetchError::Status {
                url: url.to_owned(),
                status,
            });
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let validators = Validators {
            etag: header("etag"),
            last_modified: header("last-modified"),
        };
        let total = header("content-length").and_then(|v| v.parse::<u64>().ok());
        if total.is_some_and(|t| t > limit) {
            return Err(FetchError::TooLarge {
                url: url.to_owned(),
                limit,
            });
        }
        let mut reader = response
            .body_mut()
            .with_config()
            .limit(limit.saturating_add(1))
            .reader();
        let mut bytes = Vec::with_capacity(total.unwrap_or(0).min(limit) as usize);
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = reader.read(&mut buf).map_err(|e| FetchError::Transport {
                url: url.to_owned(),
                message: e.to_string(),
            })?;
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&buf[..n]);
            if bytes.len() as u64 > limit {
                return Err(FetchError::TooLarge {
                    url: url.to_owned(),
                    limit,
                });
            }
            progress(bytes.len() as u64, total);
        }
        Ok(Fetched::Body { bytes, validators })
    }
}

#[cfg(test)]
mod tests {
    use super::next_link;

    #[test]
    fn the_next_page_is_found_among_the_links() {
        let link = "<https://api.example.invalid/repos/a/b/dependabot/alerts?page=2>; rel=\"next\", \
                    <https://api.example.invalid/repos/a/b/dependabot/alerts?page=5>; rel=\"last\"";
        assert_eq!(
            next_link(link),
            Some("https://api.example.invalid/repos/a/b/dependabot/alerts?page=2")
        );
        assert_eq!(next_link("<https://x.invalid/?page=1>; rel=\"prev\""), None);
        assert_eq!(next_link(""), None);
    }
}
