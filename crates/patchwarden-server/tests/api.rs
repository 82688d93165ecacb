//! The API against a real server on an ephemeral loopback port: logins, tokens, CSRF, throttling, the
//! emergency hotfix with its role rules, a viewer's refused write, version conflicts, reports and
//! uploads — on SQLite always and on PostgreSQL when `PATCHWARDEN_TEST_POSTGRES_URL` is set, where two
//! servers share one database.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use patchwarden_app::{App, Settings};
use patchwarden_core::Role;
use patchwarden_server::{ServerOptions, ServerState, accounts};
use patchwarden_store::Store;
use serde_json::{Value, json};
use sqlx::Connection;

const TEAM: &str = r#"
[[people]]
name = "ivy"
roles = ["incident_commander"]

[[people]]
name = "leo"
roles = ["engineering_lead"]

[[people]]
name = "rosa"
roles = ["release_owner"]

[[people]]
name = "vic"
roles = ["viewer"]

[[assets]]
name = "web"
layer = "app-dependencies"

[[assets]]
name = "db"
layer = "database"
components = ["postgresql@12.1"]

[[tasks]]
name = "nightly_purge"
every = "1d"
heartbeat = true
grace = "30m"
min_duration = "1s"
"#;

const PYTEST_OK: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="2" time="1.2">
<testcase classname="tests.test_api" name="test_login" time="0.1"/>
<testcase classname="tests.test_api" name="test_upload" time="0.2"/>
</testsuite></testsuites>"#;

const PASSWORD: &str = "correct horse battery staple";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("time")
}

fn settings(dir: &Path) -> Settings {
    settings_with(dir, "")
}

/// The team's config with `extra` appended.
fn settings_with(dir: &Path, extra: &str) -> Settings {
    Settings {
        config: patchwarden_config::parse(&format!("{TEAM}\n{extra}"), "patchwarden.toml")
            .expect("config"),
        config_source: None,
        data_dir: dir.join(".patchwarden"),
        database_url: None,
        now: now(),
        actor: None,
    }
}

/// Adds a user with a password and an API token for each person; returns the tokens by name.
async fn users_and_tokens(app: &App) -> Vec<(String, String)> {
    let mut tokens = Vec::new();
    for (name, role) in [
        ("ivy", Role::IncidentCommander),
        ("leo", Role::EngineeringLead),
        ("rosa", Role::ReleaseOwner),
        ("vic", Role::Viewer),
    ] {
        accounts::add_user(app, name, None, role, PASSWORD)
            .await
            .expect("add user");
        let t = accounts::create_token(app, name, "tests", TimeDelta::days(30))
            .await
            .expect("token");
        tokens.push((name.to_owned(), t.token));
    }
    tokens
}

/// A server on 127.0.0.1:0 over `store`, running on `rt` until the runtime is dropped.
fn start(rt: &tokio::runtime::Runtime, settings: Settings, store: Store) -> String {
    let state = Arc::new(
        ServerState::new(
            settings,
            store,
            ServerOptions {
                fixed_now: Some(now()),
                body_limit: 64 * 1024,
                ..ServerOptions::default()
            },
        )
        .expect("templates"),
    );
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    rt.spawn(patchwarden_server::serve(
        listener,
        state,
        std::future::pending(),
    ));
    format!("http://{addr}")
}

struct Client {
    base: String,
    agent: ureq::Agent,
    tokens: Vec<(String, String)>,
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Client {
    fn new(base: String, tokens: Vec<(String, String)>) -> Self {
        // A fresh connection per request: a connection the server closed after an answer (a refused
        // upload it did not read) is never reused by the next request.
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_idle_connections(0)
            .build()
            .into();
        Self {
            base,
            agent,
            tokens,
        }
    }

    fn token(&self, who: &str) -> String {
        self.tokens
            .iter()
            .find(|(n, _)| n == who)
            .map(|(_, t)| t.clone())
            .expect("token")
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Reply {
        let url = format!("{}{path}", self.base);
        let mut req = ureq::http::Request::builder().method(method).uri(&url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let result = match body {
            Some(b) => self.agent.run(req.body(b.to_vec()).expect("request")),
            None => self.agent.run(req.body(()).expect("request")),
        };
        let mut response = result.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        Reply {
            status: response.status().as_u16(),
            headers,
            text: response.body_mut().read_to_string().expect("body"),
        }
    }

    fn get(&self, who: &str, path: &str) -> Reply {
        let auth = format!("Bearer {}", self.token(who));
        self.send("GET", path, &[("authorization", &auth)], None)
    }

    fn post(&self, who: &str, path: &str, body: Value) -> Reply {
        let auth = format!("Bearer {}", self.token(who));
        let bytes = body.to_string();
        self.send(
            "POST",
            path,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            Some(bytes.as_bytes()),
        )
    }
}

fn ok(reply: Reply) -> Value {
    assert!(
        (200..300).contains(&reply.status),
        "{}: {}",
        reply.status,
        reply.text
    );
    reply.json()
}

fn problem(reply: &Reply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    let p = reply.json();
    assert_eq!(p["status"], status);
    p
}

/// The story every backend must tell the same way.
fn story(c: &Client) {
    // Health and the headers every response carries.
    let health = c.send("GET", "/healthz", &[], None);
    assert_eq!(health.status, 200);
    let csp = health.header("content-security-policy").expect("csp");
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"));
    assert_eq!(health.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(health.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(ok(c.send("GET", "/readyz", &[], None))["status"], "ready");

    // No credentials, a made-up token: refused, saying how to authenticate.
    let p = problem(&c.send("GET", "/api/v1/records", &[], None), 401);
    assert!(p["detail"].as_str().expect("detail").contains("Bearer"));
    problem(
        &c.send(
            "GET",
            "/api/v1/records",
            &[("authorization", "Bearer pw_0000")],
            None,
        ),
        401,
    );

    // An emergency: critical by CVSS, so assessed onto the emergency path.
    let created = c.post(
        "leo",
        "/api/v1/records",
        json!({"title": "RCE in the upload handler", "asset": "web",
               "cvss": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let record = created.json()["record"].clone();
    let id = record["id"].as_i64().expect("id");
    assert_eq!(record["severity"], "critical");
    assert_eq!(record["due_at"], "2026-03-04T09:00:00Z");

    // A viewer reads but never writes.
    let listed = ok(c.get("vic", "/api/v1/records?severity=critical"));
    assert_eq!(listed["schema"], "patchwarden.records/v1");
    assert_eq!(listed["total"], 1);
    let p = problem(
        &c.post(
            "vic",
            &format!("/api/v1/records/{id}/comment"),
            json!({"text": "looks bad"}),
        ),
        403,
    );
    assert!(
        p["detail"].as_str().expect("detail").contains("viewer"),
        "{p}"
    );

    let sla = ok(c.get("vic", "/api/v1/sla?due_within_hours=48"));
    assert_eq!(sla["records"][0]["id"], id);
    assert_eq!(sla["records"][0]["hours_left"], 48);
    assert_eq!(
        ok(c.get("vic", "/api/v1/sla?overdue=true"))["records"],
        json!([])
    );

    let step = |who: &str, name: &str, body: Value| {
        c.post(who, &format!("/api/v1/records/{id}/{name}"), body)
    };
    let assessed = ok(step(
        "ivy",
        "assess",
        json!({"data_at_risk": "all customer data"}),
    ));
    assert_eq!(assessed["record"]["assessment"]["path"], "emergency");
    ok(step(
        "ivy",
        "plan",
        json!({"release_owner": "rosa", "targets": ["app@1.2.4"], "rollback": "redeploy 1.2.3", "tests": ["pytest"]}),
    ));
    let tested = ok(step(
        "leo",
        "test",
        json!({"junit": [{"name": "pytest.xml", "content": PYTEST_OK}]}),
    ));
    assert_eq!(tested["record"]["state"], "tested", "{tested}");

    // Only the Incident Commander approves a hotfix: the Release Owner is refused, naming the role.
    let p = problem(&step("rosa", "approve", json!({})), 422);
    assert!(
        p["problems"]
            .to_string()
            .contains("needs incident_commander"),
        "{p}"
    );
    assert!(p["allowed_next"].as_array().is_some_and(|a| !a.is_empty()));
    // Deploying before the approval is refused with what is missing.
    let p = problem(
        &step("rosa", "deploy", json!({"reference": "deploy-991"})),
        422,
    );
    assert!(
        p["detail"].as_str().expect("detail").contains("approval"),
        "{p}"
    );
    let approved = ok(step("ivy", "approve", json!({})));
    let version = approved["record"]["version"].as_i64().expect("version");

    // A step made against an old version is a conflict, not a silent overwrite.
    let p = problem(
        &step(
            "rosa",
            "deploy",
            json!({"reference": "deploy-991", "version": version - 1}),
        ),
        409,
    );
    assert_eq!(p["current_version"], version);
    let deployed = ok(step(
        "rosa",
        "deploy",
        json!({"reference": "deploy-991", "version": version}),
    ));
    assert_eq!(deployed["record"]["state"], "deployed");

    // Bad input names the field.
    let p = problem(&c.get("vic", "/api/v1/records?page_size=0"), 400);
    assert_eq!(p["field"], "page_size");
    let p = problem(&step("leo", "dismiss", json!({})), 400);
    assert_eq!(p["field"], "kind");
    problem(&step("leo", "frobnicate", json!({})), 404);
    let p = problem(&step("leo", "comment", json!({"txt": "typo"})), 400);
    assert!(p["detail"].as_str().expect("detail").contains("txt"), "{p}");

    // The record page data, the SLA list, the reports and the audit chain.
    let shown = ok(c.get("vic", &format!("/api/v1/records/{id}")));
    assert_eq!(shown["evidence"][0]["file"], "pytest.xml");
    assert!(
        shown["allowed_next"]
            .as_array()
            .is_some_and(|a| a.iter().any(|s| s == "verify"))
    );
    // Deployed: the SLA is met, so it is no longer on the SLA list.
    let sla = ok(c.get("vic", "/api/v1/sla"));
    assert!(
        sla["records"]
            .as_array()
            .is_some_and(|r| r.iter().all(|r| r["id"] != id)),
        "{sla}"
    );
    let csv = c.get("vic", "/api/v1/reports/patch-log?format=csv");
    assert_eq!(csv.status, 200);
    assert!(
        csv.header("content-disposition")
            .is_some_and(|d| d.contains("patch-log.csv"))
    );
    let md = c.get("vic", "/api/v1/reports/patch-log?format=markdown");
    assert!(md.text.contains("RCE in the upload handler"), "{}", md.text);
    let metrics = ok(c.get("vic", "/api/v1/reports/metrics"));
    assert_eq!(metrics["schema"], "patchwarden.metrics/v1");
    let audit = ok(c.get("vic", "/api/v1/audit/verify"));
    assert_eq!(audit["intact"], true, "{audit}");
    let assets = ok(c.get("vic", "/api/v1/assets"));
    assert_eq!(assets["assets"][0]["name"], "web");

    // Uploading a lockfile for an asset returns the CLI's scan document.
    let auth = format!("Bearer {}", c.token("rosa"));
    let lock = b"version = 3\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.200\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
    let scan = ok(c.send(
        "POST",
        "/api/v1/assets/web/scans?filename=Cargo.lock",
        &[("authorization", &auth)],
        Some(lock),
    ));
    assert_eq!(scan["schema"], "patchwarden.scan/v1");
    assert_eq!(scan["asset"], "web");
    assert_eq!(scan["packages"], 1);
    let p = problem(
        &c.send(
            "POST",
            "/api/v1/assets/web/scans?filename=../../etc/passwd",
            &[("authorization", &auth)],
            Some(lock),
        ),
        400,
    );
    assert_eq!(p["field"], "filename");
    // Bodies over the limit are refused before they are read whole (the server then drops the
    // connection, so this goes over one of its own).
    let big = vec![b'a'; 128 * 1024];
    let fresh = Client::new(c.base.clone(), c.tokens.clone());
    let too_big = fresh.send(
        "POST",
        "/api/v1/assets/web/scans?filename=Cargo.lock",
        &[("authorization", &auth)],
        Some(&big),
    );
    assert_eq!(too_big.status, 413);
    let findings = ok(c.get("vic", "/api/v1/findings?asset=web"));
    assert_eq!(findings["schema"], "patchwarden.findings/v1");
}

/// Browser sessions: the cookie's attributes, CSRF on writes, logout, throttling.
/// Every record of a listing, page by page; checks each page's size and total on the way.
fn all_pages(c: &Client, query: &str, size: usize) -> Vec<Value> {
    let mut out = Vec::new();
    for page in 1.. {
        let listed = ok(c.get(
            "vic",
            &format!("/api/v1/records?{query}&page_size={size}&page={page}"),
        ));
        let records = listed["records"].as_array().expect("records").clone();
        let total = listed["total"].as_u64().expect("total") as usize;
        assert!(records.len() <= size);
        if records.is_empty() {
            assert_eq!(
                out.len(),
                total,
                "{query}: the pages hold every record counted"
            );
            return out;
        }
        out.extend(records);
    }
    unreachable!()
}

fn ids(records: &[Value]) -> Vec<i64> {
    records
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect()
}

/// Listing filters and pages: the same records whichever the page size, in id order.
fn paging(c: &Client) {
    let mut created = Vec::new();
    for i in 0..7 {
        let r = ok(c.post(
            "leo",
            "/api/v1/records",
            json!({"title": format!("zlib advisory {i}"), "asset": "web", "severity": "low"}),
        ));
        created.push(r["record"]["id"].as_i64().expect("id"));
    }
    ok(c.post(
        "leo",
        &format!("/api/v1/records/{}/assess", created[2]),
        json!({"data_at_risk": "none"}),
    ));

    let low = all_pages(c, "severity=low", 500);
    let low_ids = ids(&low);
    assert!(created.iter().all(|id| low_ids.contains(id)), "{low_ids:?}");
    assert!(low_ids.windows(2).all(|w| w[0] < w[1]), "in id order");
    assert!(low.iter().all(|r| r["severity"] == "low"));
    // Pages of 3 and of 2 hold the same records as one page of 500.
    assert_eq!(ids(&all_pages(c, "severity=low", 3)), low_ids);
    assert_eq!(ids(&all_pages(c, "severity=low", 2)), low_ids);

    let assessed = all_pages(c, "state=assessed", 2);
    assert!(ids(&assessed).contains(&created[2]));
    assert!(assessed.iter().all(|r| r["state"] == "assessed"));
    let listed = ok(c.get("vic", "/api/v1/records?state=no-such-state"));
    assert_eq!(
        (listed["total"].clone(), listed["records"].clone()),
        (json!(0), json!([]))
    );

    // Open records by default; `all` adds the closed and dismissed ones.
    let open = all_pages(c, "asset=web", 4);
    assert!(
        open.iter()
            .all(|r| r["state"] != "closed" && r["state"] != "dismissed")
    );
    let everything = all_pages(c, "all=true", 4);
    assert!(everything.len() >= open.len());
    assert!(ids(&open).iter().all(|id| ids(&everything).contains(id)));
    assert!(all_pages(c, "asset=nowhere", 5).is_empty());
    // The overdue filter pages the same way.
    let not_overdue = ids(&all_pages(c, "severity=low&overdue=false", 3));
    assert!(created.iter().all(|id| not_overdue.contains(id)));
}

fn sessions(c: &Client) {
    let login = |name: &str, password: &str| {
        let body = json!({"name": name, "password": password}).to_string();
        c.send(
            "POST",
            "/api/v1/session",
            &[("content-type", "application/json")],
            Some(body.as_bytes()),
        )
    };
    let reply = login("leo", PASSWORD);
    assert_eq!(reply.status, 200, "{}", reply.text);
    let cookie = reply.header("set-cookie").expect("cookie").to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http on loopback: {cookie}"
    );
    let csrf = reply.json()["csrf_token"]
        .as_str()
        .expect("csrf")
        .to_owned();
    let session = cookie.split(';').next().expect("pair").to_owned();

    let me = ok(c.send("GET", "/api/v1/me", &[("cookie", &session)], None));
    assert_eq!(me["name"], "leo");
    let new = json!({"title": "OpenSSL advisory", "asset": "web", "severity": "high"}).to_string();
    // A cookie alone cannot write: a cross-site form would carry it too.
    let p = problem(
        &c.send(
            "POST",
            "/api/v1/records",
            &[("cookie", &session), ("content-type", "application/json")],
            Some(new.as_bytes()),
        ),
        403,
    );
    assert!(
        p["detail"]
            .as_str()
            .expect("detail")
            .contains("x-csrf-token")
    );
    let created = c.send(
        "POST",
        "/api/v1/records",
        &[
            ("cookie", &session),
            ("content-type", "application/json"),
            ("x-csrf-token", &csrf),
        ],
        Some(new.as_bytes()),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let out = c.send(
        "DELETE",
        "/api/v1/session",
        &[("cookie", &session), ("x-csrf-token", &csrf)],
        None,
    );
    assert_eq!(out.status, 204);
    problem(
        &c.send("GET", "/api/v1/me", &[("cookie", &session)], None),
        401,
    );

    // Five wrong passwords lock the name for a while, even for the right one.
    for _ in 0..5 {
        problem(&login("ivy", "wrong password!!"), 401);
    }
    let p = problem(&login("ivy", PASSWORD), 429);
    assert!(p["detail"].as_str().expect("detail").contains("try again"));
    problem(&login("nobody", PASSWORD), 401);
}

/// `application/x-www-form-urlencoded`, every byte but letters and digits escaped.
fn form(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The pages: login, dashboard, records, a record's forms with CSRF, escaping, role refusals.
fn pages(c: &Client) {
    const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");
    let anonymous = c.send("GET", "/", &[], None);
    assert_eq!(anonymous.status, 303);
    assert_eq!(anonymous.header("location"), Some("/login"));
    let login_page = c.send("GET", "/login", &[], None);
    assert_eq!(login_page.status, 200);
    assert!(login_page.text.contains("<label for=\"password\">"));
    assert!(!login_page.text.contains("<script"));

    let login = |name: &str, password: &str| {
        c.send(
            "POST",
            "/login",
            &[FORM],
            Some(form(&[("name", name), ("password", password)]).as_bytes()),
        )
    };
    let wrong = login("<b>leo</b>", "nope");
    assert_eq!(wrong.status, 401);
    assert!(
        wrong.text.contains("&lt;b&gt;leo&lt;"),
        "escaped: {}",
        wrong.text
    );
    let session = |name: &str| {
        let ok = login(name, PASSWORD);
        assert_eq!(ok.status, 303, "{}", ok.text);
        ok.header("set-cookie")
            .expect("cookie")
            .split(';')
            .next()
            .expect("pair")
            .to_owned()
    };
    let (rosa, ivy, vic) = (session("rosa"), session("ivy"), session("vic"));

    // An emergency record whose title would be markup if it were not escaped.
    let created = ok(c.post(
        "leo",
        "/api/v1/records",
        json!({"title": "<script>alert(1)</script> in uploads", "asset": "web",
               "cvss": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}),
    ));
    let id = created["record"]["id"].as_i64().expect("id");
    for (who, name, body) in [
        ("ivy", "assess", json!({"data_at_risk": "customer files"})),
        (
            "ivy",
            "plan",
            json!({"release_owner": "rosa", "targets": ["app@2"], "rollback": "redeploy", "tests": ["pytest"]}),
        ),
        (
            "leo",
            "test",
            json!({"junit": [{"name": "pytest.xml", "content": PYTEST_OK}]}),
        ),
    ] {
        ok(c.post(who, &format!("/api/v1/records/{id}/{name}"), body));
    }

    let dashboard = c.send("GET", "/", &[("cookie", &vic)], None);
    assert_eq!(dashboard.status, 200);
    assert!(dashboard.text.contains("Overdue and due within 48 hours"));
    assert!(dashboard.text.contains("&lt;script&gt;alert(1)&lt;"));
    assert!(!dashboard.text.contains("<script>alert"));
    assert!(dashboard.text.contains("Mean time to remediate"));
    // The chart: one bar per day, today's counting the open records (this one and the ones before).
    assert_eq!(dashboard.text.matches("<rect ").count(), 30);
    assert!(
        dashboard.text.contains("2026-03-02: "),
        "{}",
        dashboard.text
    );
    let list = c.send(
        "GET",
        "/records?severity=critical&overdue=",
        &[("cookie", &vic)],
        None,
    );
    assert!(
        list.text.contains(&format!("/records/{id}")),
        "{}",
        list.text
    );

    let page = |cookie: &str| {
        c.send(
            "GET",
            &format!("/records/{id}"),
            &[("cookie", cookie)],
            None,
        )
    };
    assert!(
        page(&vic)
            .text
            .contains("your role does not change records")
    );
    let rosa_page = page(&rosa).text;
    let csrf = |html: &str| {
        let marker = "name=\"csrf_token\" value=\"";
        let at = html.find(marker).expect("csrf field") + marker.len();
        html[at..at + 64].to_owned()
    };
    let rosa_csrf = csrf(&rosa_page);
    assert!(rosa_page.contains(&format!("action=\"/records/{id}/approve\"")));
    let version = page(&rosa).text.contains("<dt>Version</dt>");
    assert!(version);

    // A form without the session's token is refused before anything runs.
    let forged = c.send(
        "POST",
        &format!("/records/{id}/comment"),
        &[("cookie", &rosa), FORM],
        Some(form(&[("text", "forged")]).as_bytes()),
    );
    assert_eq!(forged.status, 403);
    // The Release Owner may not approve the hotfix: the page says why.
    let refused = c.send(
        "POST",
        &format!("/records/{id}/approve"),
        &[("cookie", &rosa), FORM],
        Some(form(&[("csrf_token", &rosa_csrf)]).as_bytes()),
    );
    assert_eq!(refused.status, 422);
    assert!(
        refused.text.contains("needs incident_commander"),
        "{}",
        refused.text
    );
    // The Incident Commander may.
    let ivy_csrf = csrf(&page(&ivy).text);
    let approved = c.send(
        "POST",
        &format!("/records/{id}/approve"),
        &[("cookie", &ivy), FORM],
        Some(form(&[("csrf_token", &ivy_csrf)]).as_bytes()),
    );
    assert_eq!(approved.status, 303, "{}", approved.text);
    let commented = c.send(
        "POST",
        &format!("/records/{id}/comment"),
        &[("cookie", &ivy), FORM],
        Some(form(&[("csrf_token", &ivy_csrf), ("text", "approved <now>")]).as_bytes()),
    );
    assert_eq!(commented.status, 303, "{}", commented.text);
    let after = page(&ivy).text;
    assert!(
        after.contains("ivy: record.approve") && after.contains("ivy: record.comment"),
        "{after}"
    );
    assert!(after.contains("pytest.xml"));

    let out = c.send(
        "POST",
        "/logout",
        &[("cookie", &ivy), FORM],
        Some(form(&[("csrf_token", &ivy_csrf)]).as_bytes()),
    );
    assert_eq!(out.status, 303);
    assert_eq!(page(&ivy).status, 303);
    let audit = c.send("GET", "/audit", &[("cookie", &vic)], None);
    assert!(audit.text.contains("verifies"), "{}", audit.text);
    assert!(audit.text.contains("record.approve"));
    let assets = c.send("GET", "/assets", &[("cookie", &vic)], None);
    assert!(
        assets.text.contains("<td>app-dependencies</td>"),
        "{}",
        assets.text
    );
    let findings = c.send("GET", "/findings?asset=web", &[("cookie", &vic)], None);
    assert_eq!(findings.status, 200);
    assert!(findings.text.contains("<h1>Findings</h1>"));
    let css = c.send("GET", "/static/app.css", &[], None);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
}

/// Tasks, the triage queue, the estate and the delivery log: what the CLI's `tasks`, `notices`,
/// `patch new --queue`, `assets list`, `report unsupported` and `notify log` do.
fn operations(c: &Client, app: &App, rt: &tokio::runtime::Runtime) {
    // ---- tasks: the list, a heartbeat's start and end, a whole run, the history, one run's output.
    let tasks = ok(c.get("vic", "/api/v1/tasks"));
    assert_eq!(tasks["schema"], "patchwarden.tasks/v1");
    let purge = tasks["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["name"] == "nightly_purge")
        .expect("the configured task")
        .clone();
    assert_eq!(purge["kind"], "heartbeat");
    assert!(
        tasks["tasks"]
            .as_array()
            .expect("tasks")
            .iter()
            .any(|t| t["name"] == "patchwarden.sla-check")
    );
    let report = |who: &str, body: Value| c.post(who, "/api/v1/tasks/nightly_purge/runs", body);
    problem(&report("vic", json!({"start": true})), 403);
    problem(
        &c.send(
            "POST",
            "/api/v1/tasks/nightly_purge/runs",
            &[("content-type", "application/json")],
            Some(b"{\"start\": true}"),
        ),
        401,
    );
    problem(&report("rosa", json!({"start": true, "exit_code": 0})), 400);
    problem(&report("rosa", json!({})), 400);
    problem(
        &c.post(
            "rosa",
            "/api/v1/tasks/no_such_task/runs",
            json!({"exit_code": 0}),
        ),
        404,
    );

    let started = report("rosa", json!({"start": true, "run_id": "cron-41"}));
    assert_eq!(started.status, 201, "{}", started.text);
    let started = started.json();
    assert_eq!(started["schema"], "patchwarden.task-run/v1");
    assert_eq!(
        (started["status"].as_str(), started["run_id"].as_str()),
        (Some("running"), Some("cron-41"))
    );
    // The same start twice is refused: run ids tell overlapping runs apart.
    problem(
        &report("rosa", json!({"start": true, "run_id": "cron-41"})),
        400,
    );
    let ended = ok(report(
        "rosa",
        json!({"exit_code": 0, "run_id": "cron-41", "log": "purged 12 drafts\n"}),
    ));
    assert_eq!(
        ended["id"], started["id"],
        "the end closes the run its id started"
    );
    assert_eq!(ended["status"], "succeeded");
    assert_eq!(ended["ended_at"], "2026-03-02T09:00:00Z");
    // A run reported only at its end, failed.
    let failed = ok(report(
        "rosa",
        json!({"exit_code": 3, "started_at": "2026-03-02T08:00:00Z", "log": "disk full"}),
    ));
    assert_eq!(
        (failed["status"].as_str(), failed["exit_code"].as_i64()),
        (Some("failed"), Some(3))
    );
    assert_eq!(failed["duration_ms"], 3_600_000);

    let history = ok(c.get("vic", "/api/v1/tasks/nightly_purge/runs?limit=10"));
    assert_eq!(history["schema"], "patchwarden.task-runs/v1");
    let runs = history["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 2);
    assert!(
        runs.iter().all(|r| r.get("output").is_none()),
        "the history leaves the output out"
    );
    problem(
        &c.get("vic", "/api/v1/tasks/nightly_purge/runs?limit=0"),
        400,
    );
    problem(&c.get("vic", "/api/v1/tasks/nope/runs"), 404);
    let id = ended["id"].as_i64().expect("id");
    let run = ok(c.get("vic", &format!("/api/v1/tasks/runs/{id}")));
    assert_eq!(run["output"], "purged 12 drafts\n");
    assert_eq!(run["runner"], "rosa");
    problem(&c.get("vic", "/api/v1/tasks/runs/999999"), 404);
    let listed = ok(c.get("vic", "/api/v1/tasks"));
    let last = listed["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["name"] == "nightly_purge")
        .expect("task")["last_run"]
        .clone();
    // The latest run by its start: the heartbeat's, which succeeded (in no time, which is alerted).
    assert_eq!(
        (last["run_id"].as_str(), last["status"].as_str()),
        (Some("cron-41"), Some("succeeded")),
        "{last}"
    );
    assert_eq!(runs[0]["id"], ended["id"], "newest first");

    // ---- reports and the triage queue.
    let sent = c.post(
        "rosa",
        "/api/v1/reports",
        json!({"title": "Ticket 4711: login bypass?", "text": "Looks like CVE-2024-3094 on the login page",
               "source": "ticket", "asset": "web", "link": "https://tickets.example.invalid/4711"}),
    );
    assert_eq!(sent.status, 201, "{}", sent.text);
    let notice = sent.json();
    assert_eq!(notice["schema"], "patchwarden.notice/v1");
    assert_eq!(
        (notice["source"].as_str(), notice["state"].as_str()),
        (Some("ticket"), Some("untriaged"))
    );
    assert_eq!(notice["cves"], json!(["CVE-2024-3094"]));
    let notice_id = notice["id"].as_i64().expect("id");
    // Public reports are off here: a viewer is refused, and nobody gets in without a token.
    problem(
        &c.post("vic", "/api/v1/reports", json!({"title": "hello"})),
        403,
    );
    problem(
        &c.send(
            "POST",
            "/api/v1/reports",
            &[("content-type", "application/json")],
            Some(b"{\"title\": \"hello\"}"),
        ),
        401,
    );
    problem(
        &c.post(
            "rosa",
            "/api/v1/reports",
            json!({"title": "x", "asset": "nowhere"}),
        ),
        400,
    );
    problem(
        &c.post(
            "rosa",
            "/api/v1/reports",
            json!({"title": "x", "link": "javascript:alert(1)"}),
        ),
        400,
    );
    problem(
        &c.post("rosa", "/api/v1/reports", json!({"title": "  "})),
        400,
    );

    let queue = ok(c.get("vic", "/api/v1/notices?untriaged=true"));
    assert_eq!(queue["schema"], "patchwarden.notices/v1");
    assert!(
        queue["notices"]
            .as_array()
            .expect("notices")
            .iter()
            .any(|n| n["id"] == notice_id && n["overdue"] == false)
    );
    let triage = |who: &str, id: i64, body: Value| {
        c.post(who, &format!("/api/v1/notices/{id}/triage"), body)
    };
    problem(
        &triage("vic", notice_id, json!({"dismiss": true, "reason": "dup"})),
        403,
    );
    problem(&triage("leo", notice_id, json!({})), 400);
    problem(
        &triage(
            "leo",
            notice_id,
            json!({"open_record": true, "severity": "severe"}),
        ),
        400,
    );
    problem(
        &triage("leo", 999_999, json!({"dismiss": true, "reason": "dup"})),
        404,
    );
    let opened = ok(triage(
        "leo",
        notice_id,
        json!({"open_record": true, "severity": "high"}),
    ));
    assert_eq!(opened["schema"], "patchwarden.notice-triage/v1");
    assert_eq!(opened["notice"]["state"], "opened");
    let record_id = opened["record"]["id"].as_i64().expect("record");
    assert_eq!(opened["notice"]["record_id"], record_id);
    assert_eq!(
        (
            opened["record"]["severity"].as_str(),
            opened["record"]["source"].as_str()
        ),
        (Some("high"), Some("ticket"))
    );
    assert_eq!(
        ok(c.get("vic", &format!("/api/v1/records/{record_id}")))["record"]["asset"],
        "web"
    );
    // Decided once: a second decision is a conflict.
    problem(
        &triage("leo", notice_id, json!({"dismiss": true, "reason": "late"})),
        409,
    );

    let second = ok(c.post(
        "ivy",
        "/api/v1/reports",
        json!({"title": "Spam from the contact form"}),
    ));
    let second_id = second["id"].as_i64().expect("id");
    assert_eq!(second["source"], "user-report");
    problem(
        &triage("ivy", second_id, json!({"dismiss": true, "reason": " "})),
        400,
    );
    let dismissed = ok(triage(
        "ivy",
        second_id,
        json!({"dismiss": true, "reason": "not a security issue"}),
    ));
    assert_eq!(
        (
            dismissed["notice"]["state"].as_str(),
            dismissed["notice"]["reason"].as_str()
        ),
        (Some("dismissed"), Some("not a security issue"))
    );
    assert!(dismissed.get("record").is_none());
    let untriaged = ok(c.get("vic", "/api/v1/notices?untriaged=true"));
    assert!(
        untriaged["notices"]
            .as_array()
            .expect("notices")
            .iter()
            .all(|n| n["id"] != notice_id && n["id"] != second_id)
    );
    assert_eq!(
        ok(c.get("vic", "/api/v1/notices"))["notices"]
            .as_array()
            .expect("notices")
            .len(),
        untriaged["notices"].as_array().expect("n").len() + 2
    );
    assert_eq!(ok(c.get("vic", "/api/v1/audit/verify"))["intact"], true);

    // ---- the estate: cadence and components with their end-of-life status, from the real EOL data.
    rt.block_on(app.import_path(
        &patchwarden_testkit::shared_data().join("eol"),
        patchwarden_app::advisories::ImportOptions::default(),
        &patchwarden_app::advisories::NoProgress,
    ))
    .expect("import the end-of-life data");
    let assets = ok(c.get("vic", "/api/v1/assets"));
    assert_eq!(assets["schema"], "patchwarden.assets/v1");
    let db = assets["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .find(|a| a["name"] == "db")
        .expect("db")
        .clone();
    assert_eq!(db["layer"], "database");
    assert!(
        db.get("next_due").is_some()
            && db.get("last_patched").is_some()
            && db["missed"].is_boolean(),
        "{db}"
    );
    assert_eq!(db["unsupported"], 1, "{db}");
    let pg = &db["component_status"][0];
    assert_eq!(
        (
            pg["product"].as_str(),
            pg["version"].as_str(),
            pg["status"].as_str()
        ),
        (Some("postgresql"), Some("12.1"), Some("unsupported")),
        "{pg}"
    );
    assert_eq!(pg["eol"], "2024-11-21");

    let report = ok(c.get("vic", "/api/v1/reports/unsupported"));
    assert_eq!(report["schema"], "patchwarden.unsupported/v1");
    assert_eq!(report["unsupported"], 1);
    let csv = c.get("vic", "/api/v1/reports/unsupported?format=csv");
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        csv.text
            .lines()
            .any(|l| l.contains("postgresql") && l.contains("2024-11-21")),
        "{}",
        csv.text
    );
    let md = c.get("vic", "/api/v1/reports/unsupported?format=markdown");
    assert!(
        md.header("content-disposition")
            .is_some_and(|d| d.contains("unsupported.md"))
    );
    assert!(md.text.contains("postgresql"), "{}", md.text);
    problem(&c.get("vic", "/api/v1/reports/unsupported?format=pdf"), 400);

    // ---- the delivery log (no channel is configured here: empty, but answered).
    let log = ok(c.get("vic", "/api/v1/notify/deliveries?limit=5"));
    assert_eq!(
        (log["schema"].as_str(), log["deliveries"].clone()),
        (Some("patchwarden.notify-log/v1"), json!([]))
    );
    problem(&c.get("vic", "/api/v1/notify/deliveries?limit=0"), 400);
}

/// `[server.reports]`: public reports within the size and rate limits; reports switched off.
#[test]
fn public_reports_are_limited_and_can_be_switched_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let public = settings_with(
        dir.path(),
        "[server.reports]\npublic = true\nmax_bytes = 400\nrate_limit = 2\nrate_window = \"1h\"\n",
    );
    let (app, _) = rt.block_on(App::open(public.clone())).expect("open");
    let tokens = rt.block_on(users_and_tokens(&app));
    let c = Client::new(start(&rt, public, app.store.clone()), tokens);
    let anonymous = |body: &[u8]| {
        c.send(
            "POST",
            "/api/v1/reports",
            &[("content-type", "application/json")],
            Some(body),
        )
    };
    let first = anonymous(
        br#"{"title": "Your login page leaks stack traces", "text": "see CVE-2023-1234"}"#,
    );
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.json()["source"], "user-report");
    // Over the size limit: 413, and nothing counted or queued.
    let big = json!({"title": "long", "text": "x".repeat(500)}).to_string();
    let p = problem(&anonymous(big.as_bytes()), 413);
    assert_eq!(p["max_bytes"], 400);
    // A malformed report is refused before it is counted.
    problem(&anonymous(b"{\"title\": 5}"), 400);
    assert_eq!(anonymous(br#"{"title": "second"}"#).status, 201);
    let limited = anonymous(br#"{"title": "third"}"#);
    problem(&limited, 429);
    assert_eq!(limited.header("retry-after"), Some("3600"));
    // Someone with a token is not rate-limited, and a wrong token is refused rather than taken as public.
    assert_eq!(
        c.post("rosa", "/api/v1/reports", json!({"title": "from rosa"}))
            .status,
        201
    );
    problem(
        &c.send(
            "POST",
            "/api/v1/reports",
            &[
                ("authorization", "Bearer pw_0000"),
                ("content-type", "application/json"),
            ],
            Some(b"{\"title\": \"x\"}"),
        ),
        401,
    );
    let queued = rt.block_on(app.list_notices(true)).expect("notices");
    let titles: Vec<&str> = queued
        .iter()
        .map(|n| n.notice.notice.title.as_str())
        .collect();
    assert_eq!(
        titles,
        ["Your login page leaks stack traces", "second", "from rosa"]
    );
    assert_eq!(queued[0].notice.notice.cves, ["CVE-2023-1234"]);

    // Switched off: 404, whoever asks.
    let off = settings_with(dir.path(), "[server.reports]\nenabled = false\n");
    let c = Client::new(start(&rt, off, app.store.clone()), c.tokens.clone());
    problem(
        &c.post("rosa", "/api/v1/reports", json!({"title": "anyone?"})),
        404,
    );
    problem(
        &c.send(
            "POST",
            "/api/v1/reports",
            &[("content-type", "application/json")],
            Some(b"{\"title\": \"x\"}"),
        ),
        404,
    );
}

#[test]
fn the_api_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (app, _) = rt.block_on(App::open(settings(dir.path()))).expect("open");
    let tokens = rt.block_on(users_and_tokens(&app));
    let base = start(&rt, app.settings.clone(), app.store.clone());
    let client = Client::new(base, tokens);
    story(&client);
    paging(&client);
    operations(&client, &app, &rt);
    // Before `sessions`, which throttles ivy's logins.
    pages(&client);
    sessions(&client);
}

#[test]
fn two_servers_on_one_postgres_database_stay_consistent() {
    let Ok(url) = std::env::var("PATCHWARDEN_TEST_POSTGRES_URL") else {
        eprintln!("PATCHWARDEN_TEST_POSTGRES_URL is not set: the PostgreSQL API test did not run");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let schema = format!("pw_api_{:016x}", rand_id());
    let mut admin = rt
        .block_on(sqlx::PgConnection::connect(&url))
        .expect("connect");
    rt.block_on(sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut admin))
        .expect("create schema");
    let open = || {
        rt.block_on(Store::open_postgres(&url, Some(&schema)))
            .expect("open postgres")
    };
    let settings = settings(dir.path());
    let (one, two) = (open(), open());
    rt.block_on(one.sync_people(&settings.config.people, "system", now()))
        .expect("people");
    rt.block_on(one.sync_assets(&settings.config.assets, "system", now()))
        .expect("assets");
    let app = App {
        settings: settings.clone(),
        store: one.clone(),
    };
    let tokens = rt.block_on(users_and_tokens(&app));
    let a = Client::new(start(&rt, settings.clone(), one), tokens.clone());
    let b = Client::new(start(&rt, settings, two), tokens);
    story(&a);
    paging(&b);
    operations(&b, &app, &rt);

    // A record changed through one server is seen, and version-checked, through the other.
    let created = ok(a.post(
        "leo",
        "/api/v1/records",
        json!({"title": "Kernel update", "asset": "web", "severity": "medium"}),
    ));
    let id = created["record"]["id"].as_i64().expect("id");
    let v0 = created["record"]["version"].as_i64().expect("version");
    let seen = ok(b.get("vic", &format!("/api/v1/records/{id}")));
    assert_eq!(seen["record"]["title"], "Kernel update");
    let commented = ok(a.post(
        "leo",
        &format!("/api/v1/records/{id}/comment"),
        json!({"text": "scheduled", "version": v0}),
    ));
    let v1 = commented["record"]["version"].as_i64().expect("version");
    assert!(v1 > v0);
    let seen = ok(b.get("vic", &format!("/api/v1/records/{id}")));
    assert_eq!(seen["record"]["version"], v1);
    let p = problem(
        &b.post(
            "leo",
            &format!("/api/v1/records/{id}/comment"),
            json!({"text": "stale", "version": v0}),
        ),
        409,
    );
    assert_eq!(p["current_version"], v1);
    ok(b.post(
        "leo",
        &format!("/api/v1/records/{id}/comment"),
        json!({"text": "fresh", "version": v1}),
    ));
    assert_eq!(ok(a.get("vic", "/api/v1/audit/verify"))["intact"], true);
    sessions(&b);

    drop(rt);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut admin = rt
        .block_on(sqlx::PgConnection::connect(&url))
        .expect("connect");
    rt.block_on(sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(&mut admin))
        .expect("drop schema");
}

fn rand_id() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.finish()
}

/// The OpenAPI document describes the router: every documented operation is routed (it answers 401
/// without credentials, or 200 for the public ones), and every other method on a documented path is 405.
#[test]
fn the_openapi_document_matches_the_router() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (app, _) = rt.block_on(App::open(settings(dir.path()))).expect("open");
    let base = start(&rt, app.settings.clone(), app.store.clone());
    let c = Client::new(base, Vec::new());

    let served = c.send("GET", "/api/openapi.json", &[], None);
    assert_eq!(served.status, 200);
    let doc = served.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(served.text, patchwarden_server::OPENAPI);

    let paths = doc["paths"].as_object().expect("paths");
    let mut documented = 0;
    for (template, operations) in paths {
        let path = template
            .replace("{id}", "1")
            .replace("{step}", "comment")
            .replace("{asset}", "web")
            .replace("{name}", "patchwarden.sla-check");
        let operations = operations.as_object().expect("operations");
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            // A fresh connection each: after a refused body the server may close the previous one.
            let fresh = Client::new(c.base.clone(), Vec::new());
            let reply = fresh.send(
                method,
                &path,
                &[("content-type", "application/json")],
                Some(b"{}"),
            );
            match operations.get(&method.to_lowercase()) {
                Some(op) => {
                    documented += 1;
                    let public = op["security"].as_array().is_some_and(|s| s.is_empty());
                    if public {
                        // Only the login is public; an empty body is refused as input, not as a missing route.
                        assert_eq!(reply.status, 400, "{method} {template}: {}", reply.text);
                    } else {
                        assert_eq!(reply.status, 401, "{method} {template}: {}", reply.text);
                    }
                    assert!(
                        op["responses"]["default"].is_object(),
                        "{method} {template} documents its problem responses"
                    );
                }
                None => assert_eq!(reply.status, 405, "{method} {template} is not documented"),
            }
        }
    }
    assert_eq!(documented, 23);
    assert_eq!(c.send("GET", "/nowhere", &[], None).status, 404);
}
