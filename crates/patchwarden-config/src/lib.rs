//! `patchwarden.toml`: the team's policy, people, layers, assets and tasks.
//!
//! [`parse`] reads a file's text into a [`Config`] and reports *every* problem it finds (unknown key, bad
//! duration, unknown role, unknown layer, bad cron expression …) with its line and column, rather than
//! stopping at the first. The file [`TEMPLATE`] that `patchwarden init` writes holds the defaults;
//! [`Config::default`] is what you get without a file, and a test keeps the two equal.
//!
//! This crate reads text; finding and opening the file is the caller's job.

mod diagnostics;
mod read;

use std::collections::HashMap;

use patchwarden_core::policy::{
    EmergencyPolicy, RemediationTargets, SeverityBands, UnsupportedPolicy,
};
use patchwarden_core::{
    Asset, AssetTest, Cadence, Delivery, Forge, ForgeKind, Layer, NotifyChannel, Person, Policy,
    PolicyDuration, Role, Schedule, Severity, SmtpSecurity, TaskSpec, Trigger,
};
use toml::de::DeTable;

pub use diagnostics::{Diagnostic, Diagnostics};
use read::{Reader, Span, Table};

/// The commented configuration `patchwarden init` writes: the default policy, spelled out.
pub const TEMPLATE: &str = include_str!("default.toml");

/// The usual file name, looked up in the current directory.
pub const FILE_NAME: &str = "patchwarden.toml";

/// A validated configuration.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Config {
    /// `postgres://…` or `sqlite://…`; None: SQLite in the data dir.
    pub database_url: Option<String>,
    pub policy: Policy,
    pub people: Vec<Person>,
    pub layers: Vec<Layer>,
    pub assets: Vec<Asset>,
    pub tasks: Vec<TaskSpec>,
    pub notify: Vec<NotifyChannel>,
    pub advisories: AdvisorySettings,
    pub ignore: Vec<IgnoreRule>,
    pub feeds: Vec<FeedSpec>,
    pub notices: NoticeSettings,
    pub server: ServerSettings,
}

/// What a feed's body is: RSS 2.0, Atom, JSON Feed, or an Atlassian Statuspage JSON API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedKind {
    Rss,
    Atom,
    Jsonfeed,
    Statuspage,
}

impl FeedKind {
    pub const ALL: [FeedKind; 4] = [Self::Rss, Self::Atom, Self::Jsonfeed, Self::Statuspage];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rss => "rss",
            Self::Atom => "atom",
            Self::Jsonfeed => "jsonfeed",
            Self::Statuspage => "statuspage",
        }
    }
}

impl std::str::FromStr for FeedKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!("unknown feed kind \"{s}\" (expected rss, atom, jsonfeed or statuspage)")
            })
    }
}

/// Words that make a feed item security-relevant when none are configured.
pub const DEFAULT_FEED_KEYWORDS: [&str; 7] = [
    "security",
    "vulnerability",
    "CVE",
    "advisory",
    "patch",
    "exploit",
    "breach",
];

/// A vendor's advisory or status feed, polled by `feeds poll`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FeedSpec {
    pub name: String,
    pub url: String,
    pub kind: FeedKind,
    /// The vendor or service the feed speaks for (default: the feed's name).
    pub vendor: String,
    /// The asset the feed concerns, if it names one of `[[assets]]`.
    pub asset: Option<String>,
    /// An item is relevant when its title or text contains one of these (case-insensitive, whole words).
    pub keywords: Vec<String>,
    /// How often the scheduler polls the feed.
    pub interval: PolicyDuration,
}

/// The triage queue's policy.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NoticeSettings {
    /// A notice left untriaged longer than this is overdue and alerted.
    pub triage_within: PolicyDuration,
}

impl Default for NoticeSettings {
    fn default() -> Self {
        Self {
            triage_within: PolicyDuration::days(2),
        }
    }
}

/// `[server]`: what `patchwarden serve` accepts beyond its flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ServerSettings {
    pub reports: ReportSettings,
}

/// `[server.reports]`: tickets and user reports sent to `POST /api/v1/reports`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReportSettings {
    /// Off: the endpoint answers 404.
    pub enabled: bool,
    /// Also accept reports without a token (from anyone who can reach the server), rate-limited.
    pub public: bool,
    /// The largest report body, in bytes.
    pub max_bytes: u32,
    /// Reports accepted per client address within `rate_window` (those sent without a token).
    pub rate_limit: u32,
    pub rate_window: PolicyDuration,
}

impl Default for ReportSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            public: false,
            max_bytes: 16 * 1024,
            rate_limit: 10,
            rate_window: PolicyDuration::hours(1),
        }
    }
}

/// A vulnerability the team has decided not to report, with a reason and (usually) an expiry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IgnoreRule {
    /// An advisory id or alias (CVE, GHSA, PYSEC …).
    pub id: String,
    pub reason: String,
    /// The last day the rule applies (inclusive); after it the finding is reported again.
    pub until: Option<chrono::NaiveDate>,
    /// Only for this package (as the lockfile names it).
    pub package: Option<String>,
}

/// Where `db sync` downloads advisory data from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AdvisorySettings {
    /// OSV ecosystems whose `all.zip` to download, as OSV spells them.
    pub ecosystems: Vec<String>,
    /// Base URL of the OSV bucket: `<base>/<ECOSYSTEM>/all.zip`.
    pub osv_base_url: String,
    /// The CISA KEV catalog (JSON feed); None: not synced.
    pub kev_url: Option<String>,
    /// End-of-life data per product, `{product}` standing for the product's name; None: not synced.
    pub eol_url: Option<String>,
}

pub const OSV_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";
pub const KEV_URL: &str =
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";
pub const EOL_URL: &str = "https://endoflife.date/api/{product}.json";

impl Default for AdvisorySettings {
    fn default() -> Self {
        Self {
            ecosystems: vec!["PyPI".into(), "npm".into()],
            osv_base_url: OSV_BASE_URL.into(),
            kev_url: Some(KEV_URL.into()),
            eol_url: Some(EOL_URL.into()),
        }
    }
}

impl Default for Config {
    /// The policy of the two procedures; identical to [`TEMPLATE`].
    fn default() -> Self {
        let layer =
            |name: &str, title: &str, responsible: &str, mechanism: &str, cadence, on_critical| {
                Layer {
                    name: name.into(),
                    title: title.into(),
                    responsible: responsible.into(),
                    mechanism: mechanism.into(),
                    cadence,
                    on_critical,
                }
            };
        let task = |name: &str, schedule, timeout, purpose: &str, compliance: &str| TaskSpec {
            name: name.into(),
            schedule,
            trigger: Trigger::Scheduled,
            command: vec!["python".into(), "manage.py".into(), name.into()],
            shell: false,
            working_dir: None,
            env: Default::default(),
            timeout,
            min_duration: None,
            purpose: Some(purpose.into()),
            compliance: Some(compliance.into()),
            asset: None,
            enabled: false,
        };
        Self {
            database_url: None,
            policy: Policy::default(),
            people: Vec::new(),
            layers: vec![
                layer(
                    "cloud-infrastructure",
                    "Cloud Infrastructure",
                    "AWS / Northflank",
                    "Automatic vendor managed",
                    Cadence::Immediate,
                    false,
                ),
                layer(
                    "base-os",
                    "Base OS (Containers)",
                    "CTO",
                    "Rebuild of Docker/OCI images",
                    Cadence::Weekly,
                    true,
                ),
                layer(
                    "database",
                    "Database (RDS)",
                    "AWS / CTO",
                    "Managed minor version upgrades",
                    Cadence::Monthly,
                    false,
                ),
                layer(
                    "app-dependencies",
                    "App Dependencies",
                    "CTO",
                    "Poetry / GitHub Dependabot",
                    Cadence::Weekly,
                    false,
                ),
            ],
            assets: Vec::new(),
            advisories: AdvisorySettings::default(),
            ignore: Vec::new(),
            notify: Vec::new(),
            feeds: Vec::new(),
            notices: NoticeSettings::default(),
            server: ServerSettings::default(),
            tasks: vec![
                task(
                    "process_data_governance",
                    Schedule::Every(PolicyDuration::days(1)),
                    PolicyDuration::minutes(30),
                    "Auto-deletion of expired surveys",
                    "GDPR Data Minimization",
                ),
                task(
                    "process_recovery_time_delays",
                    Schedule::Every(PolicyDuration::minutes(5)),
                    PolicyDuration::minutes(4),
                    "Processes ethical key recovery",
                    "Resilience & Business Continuity",
                ),
                task(
                    "sync_nhs_dd_datasets",
                    Schedule::Cron("0 4 * * 1".into()),
                    PolicyDuration::hours(1),
                    "Scrapes NHS Data Dictionary",
                    "Clinical Data Accuracy",
                ),
                task(
                    "cleanup_survey_progress",
                    Schedule::Every(PolicyDuration::days(1)),
                    PolicyDuration::minutes(30),
                    "Purges stale session drafts (>30d)",
                    "Storage Optimization / Security",
                ),
            ],
        }
    }
}

impl Config {
    pub fn person(&self, name: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.name == name)
    }
}

/// Reads a config file's text. `file` is the name used in diagnostics.
pub fn parse(source: &str, file: &str) -> Result<Config, Diagnostics> {
    let mut reader = Reader::new(source);
    let (root, syntax_errors) = DeTable::parse_recoverable(source);
    for e in &syntax_errors {
        reader.error(
            e.span().unwrap_or(0..0),
            "syntax",
            e.message().trim_end().to_owned(),
        );
    }
    let config = if syntax_errors.is_empty() {
        read_config(&mut reader, &Table::root(&root))
    } else {
        Config::default()
    };
    let mut items = reader.diags.items;
    if items.is_empty() {
        return Ok(config);
    }
    items.sort_by_key(|d| (d.line, d.column));
    Err(Diagnostics {
        file: file.to_owned(),
        items,
    })
}

fn read_server(r: &mut Reader<'_>, t: &Table<'_, '_>) -> ServerSettings {
    r.known_keys(t, &["reports"]);
    let Some(t) = r.table(t, "reports") else {
        return ServerSettings::default();
    };
    r.known_keys(
        &t,
        &[
            "enabled",
            "public",
            "max_bytes",
            "rate_limit",
            "rate_window",
        ],
    );
    let d = ReportSettings::default();
    let max_bytes = r.unsigned(&t, "max_bytes").unwrap_or(d.max_bytes);
    if max_bytes == 0 {
        r.error(
            t.span.clone(),
            "bad-number",
            "`server.reports.max_bytes` must be at least 1 (to refuse every report, set enabled = false)",
        );
    }
    let rate_window: PolicyDuration = r
        .parsed(&t, "rate_window", "bad-duration")
        .unwrap_or(d.rate_window);
    if rate_window.as_secs() == 0 {
        r.error(
            t.span.clone(),
            "bad-duration",
            "`server.reports.rate_window` must be at least 1s",
        );
    }
    ServerSettings {
        reports: ReportSettings {
            enabled: r.boolean(&t, "enabled").unwrap_or(d.enabled),
            public: r.boolean(&t, "public").unwrap_or(d.public),
            max_bytes,
            rate_limit: r.unsigned(&t, "rate_limit").unwrap_or(d.rate_limit),
            rate_window,
        },
    }
}

fn read_config(r: &mut Reader<'_>, root: &Table<'_, '_>) -> Config {
    r.known_keys(
        root,
        &[
            "database_url",
            "advisories",
            "ignore",
            "policy",
            "people",
            "layers",
            "assets",
            "tasks",
            "notify",
            "feeds",
            "notices",
            "server",
        ],
    );
    let defaults = Config::default();
    let database_url = r.string(root, "database_url").map(|(url, span)| {
        if !(url.starts_with("postgres://")
            || url.starts_with("postgresql://")
            || url.starts_with("sqlite:"))
        {
            r.error(
                span,
                "bad-database-url",
                "`database_url` must start with postgres://, postgresql:// or sqlite:",
            );
        }
        url
    });
    let policy = match r.table(root, "policy") {
        Some(t) => read_policy(r, &t),
        None => defaults.policy,
    };
    let people = read_people(r, root);
    let layers = if root.has("layers") {
        read_layers(r, root)
    } else {
        defaults.layers
    };
    let assets = read_assets(r, root, &layers);
    let tasks = if root.has("tasks") {
        read_tasks(r, root, &assets)
    } else {
        defaults.tasks
    };
    let advisories = match r.table(root, "advisories") {
        Some(t) => read_advisories(r, &t),
        None => defaults.advisories,
    };
    let ignore = read_ignores(r, root);
    let notify = read_notify(r, root);
    let feeds = read_feeds(r, root, &assets);
    let notices = match r.table(root, "notices") {
        Some(t) => {
            r.known_keys(&t, &["triage_within"]);
            NoticeSettings {
                triage_within: r
                    .parsed(&t, "triage_within", "bad-duration")
                    .unwrap_or(defaults.notices.triage_within),
            }
        }
        None => defaults.notices,
    };
    let server = match r.table(root, "server") {
        Some(t) => read_server(r, &t),
        None => defaults.server,
    };
    Config {
        server,
        notify,
        database_url,
        advisories,
        ignore,
        feeds,
        notices,
        policy,
        people,
        layers,
        assets,
        tasks,
    }
}

fn read_feeds(r: &mut Reader<'_>, root: &Table<'_, '_>, assets: &[Asset]) -> Vec<FeedSpec> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for t in r.array_of_tables(root, "feeds") {
        r.known_keys(
            &t,
            &[
                "name", "url", "kind", "vendor", "asset", "keywords", "interval",
            ],
        );
        let Some((name, span)) = r.required_string(&t, "name") else {
            continue;
        };
        unique_name(r, &mut seen, "feed", &name, span);
        let url = r.required_string(&t, "url").and_then(|(url, span)| {
            if url.starts_with("https://") || url.starts_with("http://") {
                Some(url)
            } else {
                r.error(
                    span,
                    "bad-url",
                    format!("feed `{name}`: `url` must be an http:// or https:// URL"),
                );
                None
            }
        });
        let kind = if t.has("kind") {
            r.parsed::<FeedKind>(&t, "kind", "unknown-feed-kind")
        } else {
            r.error(
                t.span.clone(),
                "missing-key",
                format!(
                    "`{}.kind` is required (rss, atom, jsonfeed or statuspage)",
                    t.path
                ),
            );
            None
        };
        let asset = r.string(&t, "asset").map(|(asset, span)| {
            if !assets.iter().any(|a| a.name == asset) {
                r.error(
                    span,
                    "unknown-asset",
                    format!("feed `{name}`: unknown asset \"{asset}\""),
                );
            }
            asset
        });
        let keywords: Vec<String> = match r.strings(&t, "keywords") {
            Some(list) => {
                if list.is_empty() {
                    r.error(
                        t.span.clone(),
                        "missing-keywords",
                        format!("feed `{name}`: `keywords` must name at least one word (leave it out for the defaults)"),
                    );
                }
                for (word, span) in &list {
                    if word.trim().is_empty() {
                        r.error(
                            span.clone(),
                            "bad-keyword",
                            format!("feed `{name}`: an empty keyword matches everything"),
                        );
                    }
                }
                list.into_iter().map(|s| s.0).collect()
            }
            None => DEFAULT_FEED_KEYWORDS
                .iter()
                .map(|&k| k.to_owned())
                .collect(),
        };
        let interval = r
            .parsed::<PolicyDuration>(&t, "interval", "bad-duration")
            .and_then(|every| {
                if every.as_secs() < 60 {
                    r.error(
                        t.span.clone(),
                        "bad-duration",
                        format!("feed `{name}`: `interval` must be at least 1m"),
                    );
                    None
                } else {
                    Some(every)
                }
            })
            .unwrap_or(PolicyDuration::hours(1));
        if let (Some(url), Some(kind)) = (url, kind) {
            out.push(FeedSpec {
                vendor: r.string(&t, "vendor").map_or_else(|| name.clone(), |s| s.0),
                name,
                url,
                kind,
                asset,
                keywords,
                interval,
            });
        }
    }
    out
}

fn read_ignores(r: &mut Reader<'_>, root: &Table<'_, '_>) -> Vec<IgnoreRule> {
    let mut out = Vec::new();
    for t in r.array_of_tables(root, "ignore") {
        r.known_keys(&t, &["id", "reason", "until", "package"]);
        let id = r.required_string(&t, "id");
        let reason = r.required_string(&t, "reason");
        let until =
            r.string(&t, "until")
                .and_then(|(text, span)| {
                    match chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
                        Ok(date) => Some(date),
                        Err(_) => {
                            r.error(
                                span,
                                "bad-date",
                                format!("`{}.until` \"{text}\" is not a date (YYYY-MM-DD)", t.path),
                            );
                            None
                        }
                    }
                });
        if let (Some((id, _)), Some((reason, span))) = (id, reason) {
            if reason.trim().is_empty() {
                r.error(
                    span,
                    "missing-reason",
                    format!("ignoring {id} needs a reason"),
                );
            }
            out.push(IgnoreRule {
                id,
                reason,
                until,
                package: r.string(&t, "package").map(|s| s.0),
            });
        }
    }
    out
}

fn read_advisories(r: &mut Reader<'_>, t: &Table<'_, '_>) -> AdvisorySettings {
    r.known_keys(
        t,
        &[
            "ecosystems",
            "osv_base_url",
            "kev_url",
            "kev",
            "eol_url",
            "eol",
        ],
    );
    let d = AdvisorySettings::default();
    let url = |r: &mut Reader<'_>, key: &str| {
        r.string(t, key).and_then(|(url, span)| {
            if url.starts_with("https://") || url.starts_with("http://") {
                Some(url.trim_end_matches('/').to_owned())
            } else {
                r.error(
                    span,
                    "bad-url",
                    format!("`advisories.{key}` must be an http:// or https:// URL"),
                );
                None
            }
        })
    };
    let ecosystems = r.strings(t, "ecosystems").map_or(d.ecosystems, |list| {
        list.into_iter()
            .filter(|(name, span)| {
                let ok = !name.is_empty() && !name.contains('/') && !name.contains("..");
                if !ok {
                    r.error(
                        span.clone(),
                        "bad-ecosystem",
                        format!("\"{name}\" is not an OSV ecosystem name"),
                    );
                }
                ok
            })
            .map(|(name, _)| name)
            .collect()
    });
    let osv_base_url = url(r, "osv_base_url").unwrap_or(d.osv_base_url);
    let kev_url = match r.boolean(t, "kev") {
        Some(false) => None,
        _ => url(r, "kev_url").or(d.kev_url),
    };
    let eol_url = match r.boolean(t, "eol") {
        Some(false) => None,
        _ => url(r, "eol_url").or(d.eol_url),
    };
    if let Some(u) = &eol_url
        && !u.contains("{product}")
        && let Some((_, span)) = r.string(t, "eol_url")
    {
        r.error(
            span,
            "bad-url",
            "`advisories.eol_url` must contain {product}, where the product's name goes",
        );
    }
    AdvisorySettings {
        ecosystems,
        osv_base_url,
        kev_url,
        eol_url,
    }
}

fn read_policy(r: &mut Reader<'_>, t: &Table<'_, '_>) -> Policy {
    r.known_keys(
        t,
        &[
            "scan_cadence",
            "known_exploited_is_critical",
            "verification_window",
            "retention_months",
            "severity",
            "targets",
            "emergency",
            "testing",
            "unsupported",
        ],
    );
    let d = Policy::default();
    let bands = r.table(t, "severity").map_or(d.bands, |s| {
        r.known_keys(&s, &["critical", "high", "medium", "low"]);
        SeverityBands {
            critical: r.number(&s, "critical").unwrap_or(d.bands.critical),
            high: r.number(&s, "high").unwrap_or(d.bands.high),
            medium: r.number(&s, "medium").unwrap_or(d.bands.medium),
            low: r.number(&s, "low").unwrap_or(d.bands.low),
        }
    });
    let targets = r.table(t, "targets").map_or(d.targets, |s| {
        r.known_keys(&s, &["critical", "high", "medium", "low"]);
        let dt = RemediationTargets::default();
        RemediationTargets {
            critical: r
                .parsed(&s, "critical", "bad-duration")
                .unwrap_or(dt.critical),
            high: r.parsed(&s, "high", "bad-duration").unwrap_or(dt.high),
            medium: r.parsed(&s, "medium", "bad-duration").unwrap_or(dt.medium),
            low: r.parsed(&s, "low", "bad-duration").unwrap_or(dt.low),
        }
    });
    let emergency = r.table(t, "emergency").map_or(d.emergency.clone(), |s| {
        r.known_keys(
            &s,
            &[
                "severities",
                "approver",
                "expedited_tester",
                "postmortem_due",
                "target",
            ],
        );
        let de = EmergencyPolicy::default();
        EmergencyPolicy {
            severities: r
                .parsed_list(&s, "severities", "unknown-severity")
                .unwrap_or(de.severities),
            approver: r
                .parsed(&s, "approver", "unknown-role")
                .unwrap_or(de.approver),
            expedited_tester: r
                .parsed(&s, "expedited_tester", "unknown-role")
                .unwrap_or(de.expedited_tester),
            postmortem_due: r
                .parsed(&s, "postmortem_due", "bad-duration")
                .unwrap_or(de.postmortem_due),
            target: r.parsed(&s, "target", "bad-duration").or(de.target),
        }
    });
    let (required_pass_rate, skipped_tests_fail) =
        r.table(t, "testing")
            .map_or((d.required_pass_rate, d.skipped_tests_fail), |s| {
                r.known_keys(&s, &["required_pass_rate", "skipped_tests_fail"]);
                (
                    r.number(&s, "required_pass_rate")
                        .unwrap_or(d.required_pass_rate),
                    r.boolean(&s, "skipped_tests_fail")
                        .unwrap_or(d.skipped_tests_fail),
                )
            });
    let unsupported = r
        .table(t, "unsupported")
        .map_or(d.unsupported.clone(), |s| {
            r.known_keys(&s, &["severity", "warn_before"]);
            let du = UnsupportedPolicy::default();
            UnsupportedPolicy {
                severity: r
                    .parsed(&s, "severity", "unknown-severity")
                    .unwrap_or(du.severity),
                warn_before: r
                    .parsed(&s, "warn_before", "bad-duration")
                    .unwrap_or(du.warn_before),
            }
        });
    let policy = Policy {
        bands,
        known_exploited_is_critical: r
            .boolean(t, "known_exploited_is_critical")
            .unwrap_or(d.known_exploited_is_critical),
        targets,
        emergency,
        verification_window: r
            .parsed(t, "verification_window", "bad-duration")
            .unwrap_or(d.verification_window),
        required_pass_rate,
        skipped_tests_fail,
        retention_months: r
            .unsigned(t, "retention_months")
            .unwrap_or(d.retention_months),
        scan_cadence: r
            .parsed(t, "scan_cadence", "bad-duration")
            .unwrap_or(d.scan_cadence),
        unsupported,
    };
    for problem in policy.problems() {
        r.error(t.span.clone(), "inconsistent-policy", problem);
    }
    policy
}

/// Reports a second use of a name within one section.
fn unique_name(
    r: &mut Reader<'_>,
    seen: &mut HashMap<String, ()>,
    section: &str,
    name: &str,
    span: Span,
) {
    if seen.insert(name.to_owned(), ()).is_some() {
        r.error(
            span,
            "duplicate-name",
            format!("{section} `{name}` is defined twice"),
        );
    }
}

fn read_people(r: &mut Reader<'_>, root: &Table<'_, '_>) -> Vec<Person> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for t in r.array_of_tables(root, "people") {
        r.known_keys(&t, &["name", "email", "roles"]);
        let Some((name, span)) = r.required_string(&t, "name") else {
            continue;
        };
        unique_name(r, &mut seen, "person", &name, span);
        let email = r.string(&t, "email").map(|(email, span)| {
            if !email.contains('@') {
                r.error(
                    span,
                    "bad-email",
                    format!("`{}.email` \"{email}\" is not an e-mail address", t.path),
                );
            }
            email
        });
        let roles: Vec<Role> = r
            .parsed_list(&t, "roles", "unknown-role")
            .unwrap_or_default();
        if !t.has("roles") || t.is_empty_array("roles") {
            r.error(
                t.span.clone(),
                "missing-role",
                format!("person `{name}` needs at least one role"),
            );
        }
        out.push(Person { name, email, roles });
    }
    out
}

fn read_layers(r: &mut Reader<'_>, root: &Table<'_, '_>) -> Vec<Layer> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for t in r.array_of_tables(root, "layers") {
        r.known_keys(
            &t,
            &[
                "name",
                "title",
                "responsible",
                "mechanism",
                "cadence",
                "on_critical",
            ],
        );
        let Some((name, span)) = r.required_string(&t, "name") else {
            continue;
        };
        unique_name(r, &mut seen, "layer", &name, span);
        let cadence = if t.has("cadence") {
            r.parsed(&t, "cadence", "unknown-cadence")
        } else {
            r.error(
                t.span.clone(),
                "missing-key",
                format!("`{}.cadence` is required", t.path),
            );
            None
        };
        out.push(Layer {
            title: r.string(&t, "title").map_or_else(|| name.clone(), |s| s.0),
            name,
            responsible: r.string(&t, "responsible").map(|s| s.0).unwrap_or_default(),
            mechanism: r.string(&t, "mechanism").map(|s| s.0).unwrap_or_default(),
            cadence: cadence.unwrap_or(Cadence::Weekly),
            on_critical: r.boolean(&t, "on_critical").unwrap_or(false),
        });
    }
    out
}

fn read_assets(r: &mut Reader<'_>, root: &Table<'_, '_>, layers: &[Layer]) -> Vec<Asset> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for t in r.array_of_tables(root, "assets") {
        r.known_keys(
            &t,
            &[
                "name",
                "layer",
                "owner",
                "environment",
                "data_classification",
                "scan",
                "components",
                "test",
                "forge",
            ],
        );
        let Some((name, span)) = r.required_string(&t, "name") else {
            continue;
        };
        unique_name(r, &mut seen, "asset", &name, span);
        let layer = r.required_string(&t, "layer").map(|(layer, span)| {
            if !layers.iter().any(|l| l.name == layer) {
                let known: Vec<&str> = layers.iter().map(|l| l.name.as_str()).collect();
                r.error(
                    span,
                    "unknown-layer",
                    format!(
                        "asset `{name}`: unknown layer \"{layer}\" (layers: {})",
                        known.join(", ")
                    ),
                );
            }
            layer
        });
        let components = r.strings(&t, "components").unwrap_or_default();
        for (c, span) in &components {
            if c.split_once('@')
                .is_none_or(|(n, v)| n.is_empty() || v.is_empty())
            {
                r.error(
                    span.clone(),
                    "bad-component",
                    format!("component \"{c}\" must be written name@version, e.g. postgresql@15.4"),
                );
            }
        }
        out.push(Asset {
            layer: layer.unwrap_or_default(),
            owner: r.string(&t, "owner").map(|s| s.0),
            environment: r.string(&t, "environment").map(|s| s.0),
            data_classification: r.string(&t, "data_classification").map(|s| s.0),
            scan: r
                .strings(&t, "scan")
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.0)
                .collect(),
            components: components.into_iter().map(|s| s.0).collect(),
            test: r.table(&t, "test").and_then(|test| {
                r.known_keys(&test, &["command", "junit"]);
                Some(AssetTest {
                    command: r.required_string(&test, "command")?.0,
                    junit: r
                        .strings(&test, "junit")
                        .unwrap_or_default()
                        .into_iter()
                        .map(|s| s.0)
                        .collect(),
                })
            }),
            forge: r.table(&t, "forge").and_then(|forge| {
                r.known_keys(
                    &forge,
                    &["kind", "api_url", "repository", "token_env", "base"],
                );
                let kind = r.parsed(&forge, "kind", "unknown-forge");
                let api_url = r.required_string(&forge, "api_url").map(|s| s.0);
                let repository = r.required_string(&forge, "repository").map(|s| s.0);
                let default_kind = ForgeKind::Github;
                let kind: ForgeKind = kind.unwrap_or(default_kind);
                Some(Forge {
                    token_env: r.string(&forge, "token_env").map_or_else(
                        || match kind {
                            ForgeKind::Github => "GITHUB_TOKEN".to_owned(),
                            ForgeKind::Gitlab => "GITLAB_TOKEN".to_owned(),
                            ForgeKind::Gitea => "GITEA_TOKEN".to_owned(),
                        },
                        |s| s.0,
                    ),
                    base: r
                        .string(&forge, "base")
                        .map_or_else(|| "main".to_owned(), |s| s.0),
                    kind,
                    api_url: api_url?.trim_end_matches('/').to_owned(),
                    repository: repository?,
                })
            }),
            name,
        });
    }
    out
}

fn read_tasks(r: &mut Reader<'_>, root: &Table<'_, '_>, assets: &[Asset]) -> Vec<TaskSpec> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for t in r.array_of_tables(root, "tasks") {
        r.known_keys(
            &t,
            &[
                "name",
                "schedule",
                "every",
                "command",
                "shell",
                "working_dir",
                "env",
                "timeout",
                "purpose",
                "compliance",
                "asset",
                "enabled",
                "min_duration",
                "heartbeat",
                "grace",
            ],
        );
        let Some((name, span)) = r.required_string(&t, "name") else {
            continue;
        };
        unique_name(r, &mut seen, "task", &name, span);
        let schedule = match (t.has("schedule"), t.has("every")) {
            (true, false) => r.string(&t, "schedule").and_then(|(expr, span)| {
                match expr.parse::<croner::Cron>() {
                    Ok(_) => Some(Schedule::Cron(expr)),
                    Err(e) => {
                        r.error(
                            span,
                            "bad-cron",
                            format!("task `{name}`: bad cron expression \"{expr}\": {e}"),
                        );
                        None
                    }
                }
            }),
            (false, true) => r
                .parsed::<PolicyDuration>(&t, "every", "bad-duration")
                .and_then(|every| {
                    if every.as_secs() < 60 {
                        r.error(
                            t.span.clone(),
                            "bad-duration",
                            format!("task `{name}`: `every` must be at least 1m"),
                        );
                        None
                    } else {
                        Some(Schedule::Every(every))
                    }
                }),
            (has_schedule, _) => {
                r.error(
                    t.span.clone(),
                    "bad-schedule",
                    format!(
                        "task `{name}` needs exactly one of `schedule` (cron) or `every` (interval){}",
                        if has_schedule { ", not both" } else { "" }
                    ),
                );
                None
            }
        };
        let command: Vec<String> = r
            .strings(&t, "command")
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.0)
            .collect();
        let heartbeat = r.boolean(&t, "heartbeat").unwrap_or(false);
        let grace = r
            .parsed::<PolicyDuration>(&t, "grace", "bad-duration")
            .unwrap_or(PolicyDuration::minutes(10));
        if !heartbeat && t.has("grace") {
            r.error(
                t.span.clone(),
                "bad-grace",
                format!("task `{name}`: `grace` applies to heartbeat tasks only (add `heartbeat = true`)"),
            );
        }
        let trigger = if heartbeat {
            Trigger::Heartbeat { grace }
        } else {
            Trigger::Scheduled
        };
        // `patchwarden.*` names adjust a built-in task (its schedule, timeout, enabled); it has its command.
        let builtin = name.starts_with("patchwarden.");
        if !heartbeat && !builtin && (!t.has("command") || t.is_empty_array("command")) {
            r.error(
                t.span.clone(),
                "missing-key",
                format!(
                    "task `{name}` needs a `command` (program and arguments), or `heartbeat = true` when an external cron runs it"
                ),
            );
        }
        let asset = r.string(&t, "asset").map(|(asset, span)| {
            if !assets.iter().any(|a| a.name == asset) {
                r.error(
                    span,
                    "unknown-asset",
                    format!("task `{name}`: unknown asset \"{asset}\""),
                );
            }
            asset
        });
        out.push(TaskSpec {
            schedule: schedule.unwrap_or(Schedule::Every(PolicyDuration::days(1))),
            trigger,
            command,
            shell: r.boolean(&t, "shell").unwrap_or(false),
            working_dir: r.string(&t, "working_dir").map(|s| s.0),
            env: r.string_map(&t, "env").unwrap_or_default(),
            timeout: r
                .parsed(&t, "timeout", "bad-duration")
                .unwrap_or(PolicyDuration::hours(1)),
            min_duration: r.parsed(&t, "min_duration", "bad-duration"),
            purpose: r.string(&t, "purpose").map(|s| s.0),
            compliance: r.string(&t, "compliance").map(|s| s.0),
            asset,
            enabled: r.boolean(&t, "enabled").unwrap_or(true),
            name,
        });
    }
    out
}

fn read_notify(r: &mut Reader<'_>, root: &Table<'_, '_>) -> Vec<NotifyChannel> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for t in r.array_of_tables(root, "notify") {
        r.known_keys(
            &t,
            &[
                "name",
                "kind",
                "url",
                "command",
                "host",
                "port",
                "security",
                "from",
                "to",
                "username_env",
                "password_env",
                "events",
                "min_severity",
                "retries",
                "dedupe_window",
            ],
        );
        let Some((name, span)) = r.required_string(&t, "name") else {
            continue;
        };
        unique_name(r, &mut seen, "notify channel", &name, span);
        let Some((kind, kind_span)) = r.required_string(&t, "kind") else {
            continue;
        };
        let strings = |r: &mut Reader<'_>, key: &str| -> Vec<String> {
            r.strings(&t, key)
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.0)
                .collect()
        };
        let need = |r: &mut Reader<'_>, key: &str| -> Option<String> {
            let v = r.string(&t, key).map(|s| s.0);
            if v.is_none() {
                r.error(
                    t.span.clone(),
                    "missing-key",
                    format!("notify channel `{name}` ({kind}) needs `{key}`"),
                );
            }
            v
        };
        let delivery = match kind.as_str() {
            "webhook" => need(r, "url").map(|url| Delivery::Webhook { url }),
            "command" => {
                let command = strings(r, "command");
                if command.is_empty() {
                    r.error(
                        t.span.clone(),
                        "missing-key",
                        format!("notify channel `{name}` (command) needs a `command`"),
                    );
                    None
                } else {
                    Some(Delivery::Command { command })
                }
            }
            "email" => {
                let host = need(r, "host");
                let from = need(r, "from");
                let to = strings(r, "to");
                if to.is_empty() {
                    r.error(
                        t.span.clone(),
                        "missing-key",
                        format!("notify channel `{name}` (email) needs `to` (a list of addresses)"),
                    );
                }
                let security = match r.string(&t, "security") {
                    None => Some(SmtpSecurity::Starttls),
                    Some((s, span)) => match s.as_str() {
                        "tls" => Some(SmtpSecurity::Tls),
                        "starttls" => Some(SmtpSecurity::Starttls),
                        "plain" => Some(SmtpSecurity::Plain),
                        _ => {
                            r.error(
                                span,
                                "bad-value",
                                format!("`security` \"{s}\" must be tls, starttls or plain"),
                            );
                            None
                        }
                    },
                };
                let port = r.unsigned(&t, "port");
                match (host, from, security) {
                    (Some(host), Some(from), Some(security)) if !to.is_empty() => {
                        let default_port = match security {
                            SmtpSecurity::Tls => 465,
                            SmtpSecurity::Starttls => 587,
                            SmtpSecurity::Plain => 25,
                        };
                        Some(Delivery::Email {
                            host,
                            port: port
                                .and_then(|p| u16::try_from(p).ok())
                                .unwrap_or(default_port),
                            security,
                            from,
                            to,
                            username_env: r.string(&t, "username_env").map(|s| s.0),
                            password_env: r.string(&t, "password_env").map(|s| s.0),
                        })
                    }
                    _ => None,
                }
            }
            other => {
                r.error(
                    kind_span,
                    "bad-value",
                    format!("notify channel `{name}`: kind \"{other}\" must be webhook, email or command"),
                );
                None
            }
        };
        let min_severity = r
            .parsed::<Severity>(&t, "min_severity", "bad-severity")
            .unwrap_or(Severity::Low);
        let events = strings(r, "events");
        let retries = r.unsigned(&t, "retries").unwrap_or(3);
        let dedupe_window = r
            .parsed::<PolicyDuration>(&t, "dedupe_window", "bad-duration")
            .unwrap_or(PolicyDuration::hours(1));
        if let Some(delivery) = delivery {
            out.push(NotifyChannel {
                name,
                delivery,
                events,
                min_severity,
                retries,
                dedupe_window,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;
