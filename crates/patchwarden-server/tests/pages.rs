//! The pages of the maintenance tasks, the notice triage queue, the notification log and the estate,
//! against a real server on an ephemeral loopback port with real end-of-life data: what each shows,
//! escaped; triage through the forms with CSRF and the CLI's role rules, audited. On SQLite always and
//! on PostgreSQL when `PATCHWARDEN_TEST_POSTGRES_URL` is set; the server reads through a second handle
//! on the database, as another `serve` process would.

mod common;

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use patchwarden_app::advisories::{ImportOptions, NoProgress};
use patchwarden_app::notices::Report;
use patchwarden_app::tasks::offset_clock;
use patchwarden_app::{App, Settings};
use patchwarden_core::Role;
use patchwarden_core::workflow::RecordSource;
use patchwarden_server::{ServerOptions, ServerState, accounts};
use patchwarden_store::{NewDelivery, RunStatus, Store};
use patchwarden_testkit::shared_data;

const CONFIG: &str = r#"
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
owner = "Platform team"
environment = "production"

[[assets]]
name = "base-image"
layer = "base-os"

[[assets]]
name = "rds-main"
layer = "database"
components = ["postgresql@12"]

[[tasks]]
name = "purge-exports"
every = "1d"
command = ["sh", "-c", "echo '<b>purged</b> 3 files'; echo 'disk full' >&2; exit 3"]
timeout = "30s"
purpose = "Daily purge of temporary exports"
compliance = "GDPR Data Minimization"

[[notify]]
name = "chat"
kind = "webhook"
url = "http://127.0.0.1:9/hooks/s3cr3t-path"
"#;

const PASSWORD: &str = "correct horse battery staple";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("time")
}

struct Page {
    status: u16,
    location: Option<String>,
    cookie: Option<String>,
    text: String,
}

/// A browser without JavaScript: form posts and GETs with its session cookie.
struct Browser {
    base: String,
    agent: ureq::Agent,
    cookie: String,
}

const FORM: &str = "application/x-www-form-urlencoded";

fn send(agent: &ureq::Agent, url: &str, cookie: &str, form: Option<&[(&str, &str)]>) -> Page {
    let mut req = ureq::http::Request::builder()
        .method(if form.is_some() { "POST" } else { "GET" })
        .uri(url);
    if !cookie.is_empty() {
        req = req.header("cookie", cookie);
    }
    let result = match form {
        Some(pairs) => {
            let body = pairs
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect::<Vec<_>>()
                .join("&");
            let req = req.header("content-type", FORM);
            agent.run(req.body(body.into_bytes()).expect("request"))
        }
        None => agent.run(req.body(()).expect("request")),
    };
    let mut response = result.unwrap_or_else(|e| panic!("{url}: {e}"));
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (location, cookie) = (header("location"), header("set-cookie"));
    Page {
        status: response.status().as_u16(),
        location,
        cookie: cookie.and_then(|c| c.split(';').next().map(str::to_owned)),
        text: response.body_mut().read_to_string().expect("body"),
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Browser {
    fn login(base: &str, name: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        let page = send(
            &agent,
            &format!("{base}/login"),
            "",
            Some(&[("name", name), ("password", PASSWORD)]),
        );
        assert_eq!(page.status, 303, "login as {name}: {}", page.text);
        Self {
            base: base.to_owned(),
            cookie: page.cookie.expect("a session cookie"),
            agent,
        }
    }

    fn get(&self, path: &str) -> Page {
        let page = send(
            &self.agent,
            &format!("{}{path}", self.base),
            &self.cookie,
            None,
        );
        assert!(
            !page.text.contains("<script"),
            "{path} holds a script: {}",
            page.text
        );
        page
    }

    fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        send(
            &self.agent,
            &format!("{}{path}", self.base),
            &self.cookie,
            Some(form),
        )
    }

    /// The CSRF token the session's forms carry.
    fn csrf(&self) -> String {
        let page = self.get("/notices");
        let at = page
            .text
            .find("name=\"csrf_token\" value=\"")
            .expect("a form with the token");
        let rest = &page.text[at + "name=\"csrf_token\" value=\"".len()..];
        rest[..rest.find('"').expect("end of the token")].to_owned()
    }
}

/// Runs `f` (blocking HTTP) without stalling the server on the same runtime.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

async fn seed(dir: &Path, store: Store) -> (App, i64) {
    let mut app = App {
        settings: Settings {
            config: patchwarden_config::parse(CONFIG, "patchwarden.toml").expect("config"),
            config_source: None,
            data_dir: dir.join(".patchwarden"),
            database_url: None,
            now: now(),
            actor: None,
        },
        store,
    };
    // The estate was first seen ten days ago: the base image, never rebuilt, missed its weekly cadence.
    let first_seen = now() - TimeDelta::days(10);
    let config = &app.settings.config;
    app.store
        .sync_people(&config.people, "system", first_seen)
        .await
        .expect("people");
    app.store
        .sync_assets(&config.assets, "system", first_seen)
        .await
        .expect("assets");
    app.import_path(
        &shared_data().join("eol"),
        ImportOptions::default(),
        &NoProgress,
    )
    .await
    .expect("end-of-life data");
    for (name, role) in [
        ("ivy", Role::IncidentCommander),
        ("leo", Role::EngineeringLead),
        ("rosa", Role::ReleaseOwner),
        ("vic", Role::Viewer),
    ] {
        accounts::add_user(&app, name, None, role, PASSWORD)
            .await
            .expect("user");
    }
    let run = app
        .run_task_now("purge-exports", "tests", &offset_clock(now()))
        .await
        .expect("run");
    assert_eq!(run.status, RunStatus::Failed);
    app.settings.actor = Some("leo".into());
    for (title, link) in [
        (
            "<i>Storage</i> advisory: CVE-2024-3094 in the upload path",
            "https://status.vendor.registry.invalid/incidents/1",
        ),
        (
            "Scheduled maintenance of the dashboard",
            "https://status.vendor.registry.invalid/incidents/2",
        ),
    ] {
        app.report_notice(Report {
            source: RecordSource::Ticket,
            title: title.into(),
            asset: Some("web".into()),
            link: Some(link.into()),
            text: title.into(),
        })
        .await
        .expect("notice");
    }
    app.store
        .record_delivery(&NewDelivery {
            channel: "chat",
            event_seq: None,
            kind: "task.failed",
            subject: "task:purge-exports",
            status: "failed",
            attempts: 3,
            error: Some("connection refused"),
            at: now(),
        })
        .await
        .expect("delivery");
    (app, run.id)
}

async fn story(dir: &Path, one: Store, two: Store) {
    let (app, run) = seed(dir, one).await;
    let state = Arc::new(
        ServerState::new(
            app.settings.clone(),
            two,
            ServerOptions {
                fixed_now: Some(now()),
                ..ServerOptions::default()
            },
        )
        .expect("templates"),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let server = tokio::spawn(patchwarden_server::serve(
        listener,
        state,
        std::future::pending(),
    ));
    blocking(|| {
        tasks(&base, run);
        notices(&base);
        estate(&base);
        patch_log(&base);
    });
    let events = app
        .store
        .audit_events_for("notice:1")
        .await
        .expect("events");
    let triaged = events
        .iter()
        .find(|e| e.action == "notice.triaged")
        .expect("the triage is audited");
    assert_eq!(triaged.actor, "rosa");
    let events = app
        .store
        .audit_events_for("notice:2")
        .await
        .expect("events");
    assert!(
        events
            .iter()
            .any(|e| e.action == "notice.dismissed" && e.actor == "leo")
    );
    server.abort();
}

/// The tasks, a task's runs and alerts, and a run's captured output (escaped).
fn tasks(base: &str, run: i64) {
    let vic = Browser::login(base, "vic");
    let list = vic.get("/tasks");
    assert_eq!(list.status, 200);
    for shown in [
        "purge-exports",
        "every 1d",
        "Daily purge of temporary exports",
        "GDPR Data Minimization",
        "2026-03-03 00:00 UTC",
        &format!("/tasks/purge-exports/runs/{run}"),
        "<strong class=\"bad\">failed</strong> 2026-03-02 09:00 UTC",
    ] {
        assert!(list.text.contains(shown), "{shown:?} in {}", list.text);
    }
    let task = vic.get("/tasks/purge-exports");
    assert_eq!(task.status, 200);
    assert!(task.text.contains(&format!("run {run}")), "{}", task.text);
    assert!(task.text.contains("task.failed"), "{}", task.text);
    let page = vic.get(&format!("/tasks/purge-exports/runs/{run}"));
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("&lt;b&gt;purged&lt;&#x2f;b&gt; 3 files"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("<b>purged"));
    assert!(page.text.contains("disk full"));
    assert!(
        page.text.contains("<dt>Exit code</dt><dd>3</dd>"),
        "{}",
        page.text
    );
    assert_eq!(vic.get("/tasks/no-such-task").status, 404);
    assert_eq!(
        vic.get(&format!("/tasks/patchwarden.sla-check/runs/{run}"))
            .status,
        404
    );
    assert_eq!(vic.get("/tasks/purge-exports/runs/999999").status, 404);
    let notify = vic.get("/notifications");
    assert_eq!(notify.status, 200);
    assert!(notify.text.contains("connection refused"));
    assert!(
        notify.text.contains("<td>chat</td><td>webhook</td>"),
        "{}",
        notify.text
    );
    assert!(!notify.text.contains("s3cr3t"), "no webhook URL shown");
}

/// The triage queue: what a notice shows, who may decide, CSRF, and both decisions.
fn notices(base: &str) {
    let vic = Browser::login(base, "vic");
    let queue = vic.get("/notices");
    assert_eq!(queue.status, 200);
    assert!(
        queue
            .text
            .contains("&lt;i&gt;Storage&lt;&#x2f;i&gt; advisory: CVE-2024-3094"),
        "{}",
        queue.text
    );
    assert!(
        queue
            .text
            .contains("<dt>CVE ids</dt><dd>CVE-2024-3094</dd>")
    );
    assert!(queue.text.contains(
        "href=\"https:&#x2f;&#x2f;status.vendor.registry.invalid&#x2f;incidents&#x2f;1\""
    ));
    assert!(
        !queue.text.contains("/notices/1/triage"),
        "a viewer is offered no triage form"
    );
    // A viewer's decision is refused by the same rule as the CLI's, and changes nothing.
    let refused = vic.post(
        "/notices/1/triage",
        &[
            ("csrf_token", &vic.csrf()),
            ("decision", "dismiss"),
            ("reason", "not ours"),
        ],
    );
    assert_eq!(refused.status, 403);
    assert!(refused.text.contains("role=\"alert\""), "{}", refused.text);

    let rosa = Browser::login(base, "rosa");
    let forged = rosa.post(
        "/notices/1/triage",
        &[("decision", "dismiss"), ("reason", "not ours")],
    );
    assert_eq!(forged.status, 403, "no CSRF token");
    let csrf = rosa.csrf();
    let bare = rosa.post(
        "/notices/2/triage",
        &[
            ("csrf_token", &csrf),
            ("decision", "dismiss"),
            ("reason", " "),
        ],
    );
    assert_eq!(bare.status, 400);
    assert!(bare.text.contains("needs a reason"), "{}", bare.text);
    let opened = rosa.post(
        "/notices/1/triage",
        &[
            ("csrf_token", &csrf),
            ("decision", "open-record"),
            ("severity", "high"),
            ("asset", ""),
        ],
    );
    assert_eq!(opened.status, 303, "{}", opened.text);
    let record_path = opened.location.expect("to the record");
    let record = rosa.get(&record_path);
    assert!(
        record
            .text
            .contains("&lt;i&gt;Storage&lt;&#x2f;i&gt; advisory"),
        "{}",
        record.text
    );
    assert!(record.text.contains("high"));

    let leo = Browser::login(base, "leo");
    let dismissed = leo.post(
        "/notices/2/triage",
        &[
            ("csrf_token", &leo.csrf()),
            ("decision", "dismiss"),
            ("reason", "planned maintenance, no security impact"),
        ],
    );
    assert_eq!(dismissed.status, 303);
    assert_eq!(dismissed.location.as_deref(), Some("/notices"));
    assert!(leo.get("/notices").text.contains("No untriaged notices."));
    let all = leo.get("/notices?show=all");
    assert!(all.text.contains("planned maintenance, no security impact"));
    let record_id = record_path.trim_start_matches("/records/");
    assert!(
        all.text.contains(&format!(
            "href=\"/records/{record_id}\">record #{record_id}"
        )),
        "{}",
        all.text
    );
    assert_eq!(
        leo.post(
            "/notices/2/triage",
            &[
                ("csrf_token", &leo.csrf()),
                ("decision", "dismiss"),
                ("reason", "again")
            ],
        )
        .status,
        409,
        "a decided notice is not decided again"
    );
}

/// The assets with their cadence and components, and the dashboard's summary of them.
fn estate(base: &str) {
    let vic = Browser::login(base, "vic");
    let assets = vic.get("/assets");
    assert_eq!(assets.status, 200);
    for shown in [
        "Platform team",
        "production",
        "<strong class=\"bad\">cadence missed</strong>",
        "<td>postgresql</td><td>12</td><td>declared for asset rds-main</td><td><strong class=\"bad\">unsupported</strong></td><td>2024-11-21</td><td>14</td>",
    ] {
        assert!(assets.text.contains(shown), "{shown:?} in {}", assets.text);
    }
    let dashboard = vic.get("/");
    assert_eq!(dashboard.status, 200);
    for shown in [
        "1 unsupported system(s)</a>",
        "0 untriaged notice(s)",
        "href=\"/assets#asset-base-image\">base-image</a> (cadence missed",
        "href=\"/tasks\"",
        "href=\"/notices\"",
        "href=\"/notifications\"",
        "format=json\">Patch log (JSON)",
    ] {
        assert!(
            dashboard.text.contains(shown),
            "{shown:?} in {}",
            dashboard.text
        );
    }
}

/// The patch log of a period, with the record the triage opened (its title escaped) and the downloads
/// of the same period; a period that is no date is refused.
fn patch_log(base: &str) {
    let vic = Browser::login(base, "vic");
    let all = vic.get("/patch-log");
    assert_eq!(all.status, 200);
    for shown in [
        "&lt;i&gt;Storage&lt;&#x2f;i&gt; advisory",
        "<dt>Records</dt><dd>1</dd>",
        "href=\"/api/v1/reports/patch-log?format=csv\"",
    ] {
        assert!(all.text.contains(shown), "{shown:?} in {}", all.text);
    }
    assert!(!all.text.contains("<i>Storage"), "titles are escaped");
    let since = vic.get("/patch-log?since=2020-01-01&until=2099-01-01");
    assert!(
        since.text.contains("<dt>Records</dt><dd>1</dd>"),
        "{}",
        since.text
    );
    assert!(
        since
            .text
            .contains("format=markdown&amp;since=2020-01-01&amp;until=2099-01-01\""),
        "the downloads are of the period shown: {}",
        since.text
    );
    let later = vic.get("/patch-log?since=2099-01-01");
    assert!(
        later.text.contains("No record was opened"),
        "{}",
        later.text
    );
    assert_eq!(vic.get("/patch-log?since=yesterday").status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tasks_notices_and_estate_pages() {
    common::on_every_backend(|dir, one, two| async move { story(&dir, one, two).await }).await;
}
