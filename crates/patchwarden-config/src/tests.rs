use super::*;

fn problems(src: &str) -> Vec<String> {
    match parse(src, "patchwarden.toml") {
        Ok(_) => Vec::new(),
        Err(d) => d.to_string().lines().map(str::to_owned).collect(),
    }
}

#[test]
fn the_template_is_the_default_policy() {
    assert_eq!(parse(TEMPLATE, "patchwarden.toml"), Ok(Config::default()));
}

#[test]
fn an_empty_file_means_the_defaults() {
    assert_eq!(parse("", "patchwarden.toml"), Ok(Config::default()));
}

#[test]
fn values_override_the_defaults() {
    let cfg = parse(
        r#"
database_url = "postgres://pw@127.0.0.1/pw"
[policy.targets]
critical = "24h"
[[people]]
name = "cto"
email = "cto@example.com"
roles = ["incident_commander", "engineering_lead"]
[[assets]]
name = "rds"
layer = "database"
components = ["postgresql@15.4"]
[[tasks]]
name = "purge"
schedule = "*/5 * * * *"
command = ["./purge", "--all"]
asset = "rds"
"#,
        "x.toml",
    )
    .expect("valid config");
    assert_eq!(cfg.policy.targets.critical, PolicyDuration::hours(24));
    assert_eq!(cfg.policy.targets.high, PolicyDuration::days(7));
    assert_eq!(
        cfg.people[0].roles,
        [Role::IncidentCommander, Role::EngineeringLead]
    );
    assert_eq!(cfg.layers.len(), 4, "layers not given keep the defaults");
    assert_eq!(cfg.assets[0].components, ["postgresql@15.4"]);
    assert_eq!(cfg.tasks.len(), 1);
    assert_eq!(cfg.tasks[0].schedule, Schedule::Cron("*/5 * * * *".into()));
    assert!(cfg.tasks[0].enabled);
}

#[test]
fn every_problem_is_reported_with_its_line_and_column() {
    let src = r#"colour = "blue"
[policy]
scan_cadence = "daily"
[policy.targets]
critical = "two days"
high = 7
[[people]]
name = "cto"
roles = ["incident_commander", "ceo"]
[[assets]]
name = "api"
layer = "frontend"
[[tasks]]
name = "sync"
schedule = "61 * * * *"
command = ["sync"]
"#;
    assert_eq!(
        problems(src),
        [
            "patchwarden.toml:1:1: unknown key `colour` at the top level (expected one of: database_url, advisories, ignore, policy, people, layers, assets, tasks, notify, feeds, notices, server) [unknown-key]",
            "patchwarden.toml:3:16: `policy.scan_cadence`: invalid duration \"daily\": no number (expected a whole number and a unit, e.g. 30m, 48h, 7d, 2w) [bad-duration]",
            "patchwarden.toml:5:12: `policy.targets.critical`: invalid duration \"two days\": no number (expected a whole number and a unit, e.g. 30m, 48h, 7d, 2w) [bad-duration]",
            "patchwarden.toml:6:8: `policy.targets.high` must be a string, found an integer [wrong-type]",
            "patchwarden.toml:9:32: `people[0].roles`: unknown role \"ceo\" (expected one of incident_commander, engineering_lead, release_owner, viewer) [unknown-role]",
            "patchwarden.toml:12:9: asset `api`: unknown layer \"frontend\" (layers: cloud-infrastructure, base-os, database, app-dependencies) [unknown-layer]",
            "patchwarden.toml:15:12: task `sync`: bad cron expression \"61 * * * *\": Component error: Number out of bounds. [bad-cron]"
        ]
    );
}

#[test]
fn a_syntax_error_names_the_place() {
    let p = problems("[policy\nscan_cadence = 1d\n");
    assert!(!p.is_empty());
    assert!(p[0].starts_with("patchwarden.toml:1:"), "{p:?}");
    assert!(p[0].ends_with("[syntax]"), "{p:?}");
}

#[test]
fn names_must_be_unique_and_tasks_need_one_schedule_and_a_command() {
    let p = problems(
        r#"
[[people]]
name = "a"
roles = ["viewer"]
[[people]]
name = "a"
roles = []
[[tasks]]
name = "t"
schedule = "0 * * * *"
every = "1h"
command = []
"#,
    );
    assert_eq!(p.len(), 4, "{p:?}");
    for expected in [
        "person `a` is defined twice",
        "person `a` needs at least one role",
        "needs exactly one of `schedule` (cron) or `every` (interval), not both",
        "task `t` needs a `command`",
    ] {
        assert!(
            p.iter().any(|l| l.contains(expected)),
            "{expected:?} not in {p:?}"
        );
    }
}

#[test]
fn an_inconsistent_policy_is_explained() {
    let p = problems("[policy]\nretention_months = 6\n[policy.severity]\nhigh = 9.5\n");
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p.iter()
            .any(|l| l.contains("critical > high > medium > low"))
    );
    assert!(p.iter().any(|l| l.contains("below the 12 months")));
}

#[test]
fn a_bad_database_url_and_component_are_refused() {
    let p = problems(
        "database_url = \"mysql://x\"\n[[assets]]\nname = \"db\"\nlayer = \"database\"\ncomponents = [\"postgresql\"]\n",
    );
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p[0].contains("[bad-database-url]"));
    assert!(p[1].contains("must be written name@version"));
}

#[test]
fn ignore_rules_need_a_reason_and_a_real_date() {
    let cfg = parse(
        "[[ignore]]\nid = \"GHSA-1\"\nreason = \"not reachable\"\nuntil = \"2026-12-31\"\npackage = \"pyyaml\"\n",
        "x.toml",
    )
    .expect("valid");
    assert_eq!(
        cfg.ignore[0].until,
        chrono::NaiveDate::from_ymd_opt(2026, 12, 31)
    );
    let p = problems(
        "[[ignore]]\nid = \"GHSA-1\"\nreason = \" \"\nuntil = \"31/12/2026\"\n[[ignore]]\nreason = \"x\"\n",
    );
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(p[0].contains("ignoring GHSA-1 needs a reason"), "{p:?}");
    assert!(p[1].contains("is not a date (YYYY-MM-DD)"), "{p:?}");
    assert!(p[2].contains("`ignore[1].id` is required"), "{p:?}");
}

#[test]
fn heartbeat_tasks_need_no_command_and_carry_their_grace() {
    let cfg = parse(
        r#"
[[tasks]]
name = "process_data_governance"
every = "1d"
heartbeat = true
grace = "30m"
min_duration = "5s"
"#,
        "patchwarden.toml",
    )
    .unwrap();
    let task = &cfg.tasks[0];
    assert_eq!(
        task.trigger,
        Trigger::Heartbeat {
            grace: PolicyDuration::minutes(30)
        }
    );
    assert_eq!(task.min_duration, Some(PolicyDuration::from_secs(5)));
    assert!(task.command.is_empty());
}

#[test]
fn grace_without_heartbeat_and_bad_durations_point_at_the_task() {
    let p = problems(
        r#"
[[tasks]]
name = "t"
every = "1h"
command = ["true"]
grace = "10m"
min_duration = "soon"
"#,
    );
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p.iter()
            .any(|l| l.contains("`grace` applies to heartbeat tasks only"))
    );
    assert!(
        p.iter()
            .any(|l| l.starts_with("patchwarden.toml:7:") && l.contains("[bad-duration]")),
        "{p:?}"
    );
}

#[test]
fn notify_channels_are_read_and_checked() {
    let cfg = parse(
        r#"
[[notify]]
name = "cto-mail"
kind = "email"
host = "127.0.0.1"
security = "plain"
port = 2525
from = "patchwarden@example.invalid"
to = ["cto@example.invalid"]
password_env = "SMTP_PASSWORD"
min_severity = "critical"
events = ["task.*"]
"#,
        "patchwarden.toml",
    )
    .unwrap();
    assert_eq!(cfg.notify.len(), 1);
    assert!(matches!(
        &cfg.notify[0].delivery,
        Delivery::Email {
            port: 2525,
            security: SmtpSecurity::Plain,
            ..
        }
    ));
    let p = problems(
        "[[notify]]\nname = \"x\"\nkind = \"pager\"\n[[notify]]\nname = \"y\"\nkind = \"webhook\"\n",
    );
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p[0].contains("must be webhook, email or command"), "{p:?}");
    assert!(p[1].contains("needs `url`"), "{p:?}");
}

#[test]
fn an_asset_names_its_test_command_and_its_forge() {
    let cfg = parse(
        r#"
[[assets]]
name = "api"
layer = "app-dependencies"
test = { command = "pytest --junitxml=junit.xml", junit = ["junit.xml"] }
[assets.forge]
kind = "gitlab"
api_url = "https://gitlab.example.invalid/api/v4/"
repository = "team/api"
"#,
        "patchwarden.toml",
    )
    .expect("valid");
    let api = &cfg.assets[0];
    assert_eq!(
        api.test.as_ref().map(|t| t.junit.clone()),
        Some(vec!["junit.xml".to_owned()])
    );
    let forge = api.forge.as_ref().expect("a forge");
    assert_eq!(forge.kind, ForgeKind::Gitlab);
    assert_eq!(forge.api_url, "https://gitlab.example.invalid/api/v4");
    assert_eq!(
        (forge.token_env.as_str(), forge.base.as_str()),
        ("GITLAB_TOKEN", "main")
    );

    let bad = problems(
        "[[assets]]\nname = \"api\"\nlayer = \"app-dependencies\"\n[assets.forge]\nkind = \"svn\"\nrepository = \"x\"\n",
    );
    assert!(bad.iter().any(|p| p.contains("unknown-forge")), "{bad:?}");
    assert!(bad.iter().any(|p| p.contains("api_url")), "{bad:?}");
}

#[test]
fn feeds_are_read_with_their_defaults() {
    let cfg = parse(
        r#"
[[assets]]
name = "api"
layer = "app-dependencies"
[[feeds]]
name = "supabase-status"
vendor = "Supabase"
kind = "statuspage"
url = "https://status.supabase.com/api/v2/incidents.json"
asset = "api"
interval = "30m"
[[feeds]]
name = "django"
kind = "rss"
url = "https://www.djangoproject.com/rss/weblog/"
keywords = ["security", "CVE"]
[notices]
triage_within = "1d"
"#,
        "x.toml",
    )
    .expect("valid config");
    assert_eq!(cfg.feeds.len(), 2);
    assert_eq!(cfg.feeds[0].kind, FeedKind::Statuspage);
    assert_eq!(cfg.feeds[0].vendor, "Supabase");
    assert_eq!(cfg.feeds[0].asset.as_deref(), Some("api"));
    assert_eq!(cfg.feeds[0].interval, PolicyDuration::minutes(30));
    assert_eq!(cfg.feeds[0].keywords, DEFAULT_FEED_KEYWORDS);
    assert_eq!(
        cfg.feeds[1].vendor, "django",
        "the vendor defaults to the name"
    );
    assert_eq!(cfg.feeds[1].keywords, ["security", "CVE"]);
    assert_eq!(cfg.feeds[1].interval, PolicyDuration::hours(1));
    assert_eq!(cfg.notices.triage_within, PolicyDuration::days(1));
}

#[test]
fn server_reports_are_read_and_checked() {
    let cfg = parse(
        "[server.reports]\npublic = true\nmax_bytes = 2048\nrate_limit = 3\nrate_window = \"10m\"\n",
        "x.toml",
    )
    .expect("valid config");
    let r = &cfg.server.reports;
    assert!(r.enabled && r.public);
    assert_eq!((r.max_bytes, r.rate_limit), (2048, 3));
    assert_eq!(r.rate_window, PolicyDuration::minutes(10));
    assert_eq!(
        parse("[server]\n", "x.toml").expect("empty").server,
        ServerSettings::default()
    );
    assert_eq!(
        problems(
            "[server.reports]\nenabled = \"yes\"\nmax_bytes = 0\nrate_window = \"soon\"\ncolour = 1\n"
        ),
        [
            "patchwarden.toml:1:1: `server.reports.max_bytes` must be at least 1 (to refuse every report, set enabled = false) [bad-number]",
            "patchwarden.toml:2:11: `server.reports.enabled` must be true or false, found a string [wrong-type]",
            "patchwarden.toml:4:15: `server.reports.rate_window`: invalid duration \"soon\": no number (expected a whole number and a unit, e.g. 30m, 48h, 7d, 2w) [bad-duration]",
            "patchwarden.toml:5:1: unknown key `colour` in [server.reports] (expected one of: enabled, public, max_bytes, rate_limit, rate_window) [unknown-key]",
        ]
    );
}

#[test]
fn feed_mistakes_are_reported_where_they_are() {
    let got = problems(
        r#"[[feeds]]
name = "a"
kind = "xml"
url = "ftp://example.com/feed"
asset = "nowhere"
keywords = []
colour = "red"
[[feeds]]
name = "a"
url = "https://example.com/feed"
interval = "10s"
"#,
    );
    let want = [
        ("patchwarden.toml:1:1:", "[missing-keywords]"),
        ("patchwarden.toml:3:8:", "[unknown-feed-kind]"),
        ("patchwarden.toml:4:7:", "[bad-url]"),
        ("patchwarden.toml:5:9:", "[unknown-asset]"),
        ("patchwarden.toml:7:1:", "[unknown-key]"),
        ("patchwarden.toml:8:1:", "[missing-key]"),
        ("patchwarden.toml:8:1:", "[bad-duration]"),
        ("patchwarden.toml:9:8:", "[duplicate-name]"),
    ];
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for (line, (at, code)) in got.iter().zip(want) {
        assert!(
            line.starts_with(at) && line.ends_with(code),
            "{line} should be {at} … {code}"
        );
    }
}

#[test]
fn the_template_feed_examples_are_valid() {
    let start = TEMPLATE.find("# [[feeds]]").expect("feed examples");
    let end = TEMPLATE
        .find("# The triage queue")
        .expect("notices section");
    let feeds: String = TEMPLATE[start..end]
        .lines()
        .map(|l| l.strip_prefix("# ").unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let cfg = parse(&feeds, "patchwarden.toml").expect("the examples parse");
    let vendors: Vec<&str> = cfg.feeds.iter().map(|f| f.vendor.as_str()).collect();
    assert_eq!(vendors, ["Supabase", "Vercel", "Stripe", "AWS", "Django"]);
}

#[test]
fn the_emergency_target_is_unset_by_default_and_read_where_given() {
    assert_eq!(Config::default().policy.emergency.target, None);
    let cfg = parse("[policy.emergency]\ntarget = \"48h\"\n", "x.toml").expect("valid config");
    assert_eq!(cfg.policy.emergency.target, Some(PolicyDuration::hours(48)));
    assert_eq!(
        problems("[policy.emergency]\ntarget = \"soon\"\n")
            .iter()
            .filter(|l| l.starts_with("patchwarden.toml:2:") && l.contains("[bad-duration]"))
            .count(),
        1
    );
}
