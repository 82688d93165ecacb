//! The command line: clap types only. Resolution into settings happens in `settings.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const ABOUT: &str = "Detect, triage, drive and prove every patch.";

const EXAMPLES: &str = "\
Examples:
  patchwarden init                          write patchwarden.toml and create ./.patchwarden
  patchwarden config check                  validate patchwarden.toml
  patchwarden cvss 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'
  patchwarden audit verify                  prove the audit log is intact

Exit codes:
  0  success; nothing at or above --fail-on
  1  findings at or above --fail-on, or a check that failed (e.g. a broken audit chain)
  2  usage, input, configuration or database error

Environment:
  PATCHWARDEN_DATA_DIR      data dir (default ./.patchwarden)
  PATCHWARDEN_DATABASE_URL  postgres://… to use PostgreSQL instead of SQLite in the data dir
  PATCHWARDEN_USER          the acting person (same as --as)
  PATCHWARDEN_NOW           fixes the clock, RFC 3339 (e.g. 2026-03-01T09:00:00Z)
  NO_COLOR                  disables colour; RUST_LOG sets the log filter";

#[derive(Debug, Parser)]
#[command(name = "patchwarden", version, about = ABOUT, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Config file [default: ./patchwarden.toml if present, else the built-in policy]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Where patchwarden keeps its database and files
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "PATCHWARDEN_DATA_DIR",
        default_value = ".patchwarden"
    )]
    pub data_dir: PathBuf,

    /// The configured person acting (checked against [[people]] in the config)
    #[arg(
        long = "as",
        global = true,
        value_name = "NAME",
        env = "PATCHWARDEN_USER"
    )]
    pub actor: Option<String>,

    /// When to use colour (never when NO_COLOR is set)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// More log output (-v debug, -vv trace); RUST_LOG overrides
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented patchwarden.toml with the default policy and create the data dir
    #[command(after_help = "\
Examples:
  patchwarden init
  patchwarden init --force                   overwrite an existing patchwarden.toml
  patchwarden --data-dir /var/lib/patchwarden init")]
    Init {
        /// Overwrite an existing config file
        #[arg(long)]
        force: bool,
    },

    /// Check or show the configuration
    #[command(subcommand)]
    Config(ConfigCommand),

    /// Score a CVSS v2.0, v3.0, v3.1 or v4.0 vector
    #[command(after_help = "\
Examples:
  patchwarden cvss 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'
  patchwarden cvss 'AV:N/AC:L/Au:N/C:P/I:P/A:P'            CVSS v2.0, as OSV stores it
  patchwarden cvss 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' --format json")]
    Cvss {
        /// The vector; v2.0 vectors have no prefix
        #[arg(value_name = "VECTOR", allow_hyphen_values = true)]
        vector: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },

    /// Scan lockfiles, SBOMs and OS package databases for known vulnerabilities
    #[command(after_help = "\
Examples:
  patchwarden scan                                  the current directory, recursively
  patchwarden scan poetry.lock package-lock.json
  patchwarden scan --asset api --fail-on high      exit 1 if anything high or critical is found
  patchwarden scan --format sarif > results.sarif   for GitHub code scanning
  patchwarden scan --no-record --format json        look without recording

Directories are walked honouring .gitignore and skipping .git, node_modules, target and virtualenvs.
Findings are recorded for the asset (--asset, else the configured asset whose scan paths contain the
path, else the directory's name); a finding seen again keeps its first detection date.")]
    Scan(ScanArgs),

    /// Import another scanner's report (osv-scanner, pip-audit, npm/yarn audit, Trivy, Grype, cargo-audit, Dependabot, SARIF, CycloneDX VEX) as findings
    #[command(after_help = "\
Examples:
  patchwarden import trivy.json --asset web               the format is detected from the content
  patchwarden import audit.json --format npm-audit --asset web
  osv-scanner --format json -r . | patchwarden import - --asset api
  patchwarden import --dependabot-repo acme/shop --asset shop    fetch open alerts with $GITHUB_TOKEN
  patchwarden import report.sarif --no-record --output-format json

Each reported vulnerability joins patchwarden's own finding of it (by alias group) with the tool recorded
as a source; an import marks gone only what the same tool reported before for the asset. Dependabot alerts
come from the asset's [assets.forge] (kind github: api_url, repository, token_env) unless --api-url /
--dependabot-repo say otherwise; the default API is https://api.github.com.")]
    Import(ImportArgs),

    /// Write the inventory a scan sees as an SBOM (CycloneDX 1.5 or SPDX 2.3 JSON)
    #[command(after_help = "\
Examples:
  patchwarden sbom . --format cyclonedx-json > bom.json
  patchwarden sbom --image app.tar --format spdx-json --output app.spdx.json")]
    Sbom {
        /// Files or directories
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// A container image tarball (repeatable)
        #[arg(long = "image", value_name = "FILE.tar")]
        images: Vec<PathBuf>,
        /// An unpacked root filesystem (repeatable)
        #[arg(long, value_name = "DIR")]
        rootfs: Vec<PathBuf>,
        #[arg(long, value_parser = ["cyclonedx-json", "spdx-json"], default_value = "cyclonedx-json")]
        format: String,
        /// Write to FILE instead of standard output
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },

    /// Patch records: drive each patch from detection to closed
    #[command(subcommand)]
    Patch(PatchCommand),

    /// Make the patch: update the lockfile on a new branch, re-scan, commit, test, and record it as the
    /// records' Plan and Test
    #[command(after_help = "\
Examples:
  patchwarden --as lena fix 12 --dry-run                       show the plan only
  patchwarden --as lena fix 12 13 --release-owner rosa --release-date 2026-03-05 \\
      --test-command 'pytest --junitxml=junit.xml' --junit junit.xml
  patchwarden --as lena fix 12 --branch staging --push origin
  patchwarden --as lena fix --group api --severity high --branch weekly-deps   the weekly update

Run it inside the asset's git repository, from the folder that was scanned. The change is made in a
worktree of its own: your working tree and current branch are never touched. A failed step deletes the
branch it was building unless --keep-failed. Exit codes: 0 done, 1 the tests failed, 2 refused or an error.")]
    Fix(FixArgs),

    /// Records that need attention: due soon or overdue
    #[command(
        after_help = "Examples:\n  patchwarden sla\n  patchwarden sla --overdue\n  patchwarden sla --due-within 48h --format json\n  patchwarden sla --due-within 24h --alert      what the built-in SLA check runs"
    )]
    Sla {
        /// Only records past their due time
        #[arg(long)]
        overdue: bool,
        /// Only records due within this long (e.g. 48h, 7d)
        #[arg(long, value_name = "DURATION")]
        due_within: Option<String>,
        /// Raise a `sla.due_soon` alert (once per record) for each record due within --due-within
        #[arg(long, requires = "due_within")]
        alert: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },

    /// The estate: assets, when each was last patched, whether its cadence is kept
    #[command(subcommand)]
    Assets(AssetsCommand),

    /// Record keeping: purge closed records past retention
    #[command(subcommand)]
    Records(RecordsCommand),

    /// Reports: the vulnerability patch log, workflow metrics, a CycloneDX VEX document (no role needed)
    #[command(subcommand)]
    Report(ReportCommand),

    /// Import, sync and inspect the advisory database (OSV, CISA KEV)
    #[command(subcommand)]
    Db(DbCommand),

    /// Poll the vendor advisory and status feeds of [[feeds]]
    #[command(subcommand)]
    Feeds(FeedsCommand),

    /// The triage queue: vendor notices, tickets and user reports waiting for a decision
    #[command(subcommand)]
    Notices(NoticesCommand),

    /// Read and verify the tamper-evident audit log
    #[command(subcommand)]
    Audit(AuditCommand),

    /// Run the configured tasks at their schedules, in the foreground, until interrupted
    #[command(after_help = "\
Examples:
  patchwarden scheduler                       run until Ctrl-C / SIGTERM
  patchwarden scheduler --once                one pass: start what is due, wait for it, exit
  RUST_LOG=info patchwarden scheduler         log every run's start and end

Several schedulers may share one PostgreSQL database: each slot of each task runs once.")]
    Scheduler {
        /// Do one pass (abandoned runs, late heartbeats, due runs), wait for its runs, and exit
        #[arg(long)]
        once: bool,
        /// How often to look for due work, e.g. 5s
        #[arg(long, default_value = "5s", value_name = "DURATION")]
        tick: String,
        /// How long a run's claim holds without renewal (a dead scheduler's run is abandoned after it)
        #[arg(long, default_value = "60s", value_name = "DURATION")]
        lease: String,
    },

    /// List, run and inspect maintenance tasks, and record runs of external cron jobs
    #[command(subcommand)]
    Tasks(TasksCommand),

    /// Notification channels: send a test message, read the delivery log
    #[command(subcommand)]
    Notify(NotifyCommand),

    /// Show who --as / PATCHWARDEN_USER names and which roles they hold
    #[command(
        after_help = "Examples:\n  patchwarden --as cto whoami\n  PATCHWARDEN_USER=cto patchwarden whoami --format json"
    )]
    Whoami {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },

    /// Run the server: the REST API under /api/v1, health checks, logins and API tokens
    #[command(after_help = "\
Examples:
  patchwarden serve                                   http://127.0.0.1:8080, loopback only
  patchwarden serve --listen 0.0.0.0:8080 --public-origin https://patch.example.invalid
  patchwarden serve --log-format json                 one JSON object per log line

Add a user first (`patchwarden users add`), then log in with POST /api/v1/session or create an API
token (`patchwarden tokens create`). See docs/server.md.")]
    Serve(ServeArgs),

    /// Users who can log in to the server: configured people with a password
    #[command(subcommand)]
    Users(UsersCommand),

    /// API tokens for the server (shown once, stored hashed, revocable, with an expiry)
    #[command(subcommand)]
    Tokens(TokensCommand),

    /// Print a shell completion script
    #[command(after_help = "\
Examples:
  patchwarden completions bash > ~/.local/share/bash-completion/completions/patchwarden
  patchwarden completions zsh > ~/.zfunc/_patchwarden
  patchwarden completions fish > ~/.config/fish/completions/patchwarden.fish")]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the config file and report every problem as file:line:column (exit 2 if any)
    #[command(
        after_help = "Examples:\n  patchwarden config check\n  patchwarden --config ops/patchwarden.toml config check"
    )]
    Check,
    /// Print the effective configuration (the file over the built-in defaults)
    #[command(
        after_help = "Examples:\n  patchwarden config show\n  patchwarden config show --format json | jq .policy.targets"
    )]
    Show {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every event's hash and link; exit 1 if the chain is broken
    #[command(after_help = "\
Examples:
  patchwarden audit verify
  patchwarden audit verify --format json
  patchwarden audit verify --expect-head 42:3f5a…   also check a head you recorded elsewhere earlier")]
    Verify {
        /// A head printed by an earlier verify (SEQ:SHA256), kept outside the database
        #[arg(long, value_name = "SEQ:HASH")]
        expect_head: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// List audit events, oldest first
    #[command(
        after_help = "Examples:\n  patchwarden audit log\n  patchwarden audit log --after 100 --limit 20 --format json"
    )]
    Log {
        /// Only events after this sequence number
        #[arg(long, default_value_t = 0)]
        after: i64,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum FeedsCommand {
    /// Fetch each feed (or the one named) and queue its new security-relevant items as notices
    #[command(after_help = "\
Examples:
  patchwarden feeds poll                       every feed in patchwarden.toml
  patchwarden feeds poll supabase-status       one feed
  patchwarden feeds poll --format json

Requests are conditional (ETag / Last-Modified): an unchanged feed costs one request and no body. Items are
remembered by id, so each is considered once. An item whose title or text holds one of the feed's
`keywords` becomes a notice with the CVE ids it names and their severity from the advisory database.
A feed that fails (network, HTTP status, unparsable body) is reported and the others still poll; it is
tried again next time. Exit code 2 if any feed failed.")]
    Poll {
        /// The feed's `name` in [[feeds]]; default: all of them
        #[arg(value_name = "NAME")]
        name: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum NoticesCommand {
    /// List notices, oldest first, flagging those untriaged past [notices] triage_within
    #[command(after_help = "\
Examples:
  patchwarden notices list
  patchwarden notices list --untriaged
  patchwarden notices list --format json

A warning on stderr names the untriaged notices older than `triage_within` (default 2d).")]
    List {
        /// Only notices waiting for a decision
        #[arg(long)]
        untriaged: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Decide on a notice: open a patch record for it, or dismiss it with a reason
    #[command(after_help = "\
Examples:
  patchwarden --as cto notices triage 3 --open-record
  patchwarden --as cto notices triage 3 --open-record --severity critical --asset api
  patchwarden --as cto notices triage 4 --dismiss --reason \"we do not use that service\"

Needs the engineering_lead, incident_commander or release_owner role. Each decision is an audit event.")]
    Triage {
        /// The notice's id (from `notices list`)
        id: i64,
        /// Open a patch record linked to the notice
        #[arg(long, conflicts_with = "dismiss", required_unless_present = "dismiss")]
        open_record: bool,
        /// The record's severity [default: the known severity of the notice's CVEs]
        #[arg(long, requires = "open_record", value_parser = ["critical", "high", "medium", "low"])]
        severity: Option<String>,
        /// The record's asset [default: the feed's asset]
        #[arg(long, requires = "open_record")]
        asset: Option<String>,
        /// Dismiss the notice (needs --reason)
        #[arg(long, requires = "reason")]
        dismiss: bool,
        /// Why the notice is dismissed
        #[arg(long, requires = "dismiss")]
        reason: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Import OSV advisories (an ecosystem's all.zip, a directory of .json records, one record) or the
    /// CISA KEV catalog
    #[command(after_help = "\
Examples:
  patchwarden db import PyPI-all.zip npm-all.zip
  patchwarden db import ./advisories/                 a directory of OSV .json records
  patchwarden db import known_exploited_vulnerabilities.json
  patchwarden db import --skip-invalid vendor.zip     import the valid records, list the rest

Each source is imported all-or-nothing: one invalid record refuses the whole source (naming the record and
the JSON path of the problem) and leaves the database as it was, unless --skip-invalid is given.
An unchanged source (same SHA-256 as last time) is not read again.")]
    Import {
        /// Files or directories
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Import the valid records of a source and list the invalid ones
        #[arg(long)]
        skip_invalid: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Download each configured ecosystem's OSV all.zip and the KEV catalog, importing what changed
    #[command(after_help = "\
Examples:
  patchwarden db sync                                  the [advisories] ecosystems of patchwarden.toml
  patchwarden db sync --ecosystem PyPI --ecosystem crates.io

Requests are conditional (ETag / Last-Modified): an unchanged source costs one request and no download.
The base URL is `osv_base_url` in [advisories]; to work offline, fetch the same files elsewhere and use
`patchwarden db import`. Exit code 2 if any source failed (the others are still synced).")]
    Sync {
        /// An OSV ecosystem name (repeatable); default: those in the config
        #[arg(long = "ecosystem", value_name = "NAME")]
        ecosystems: Vec<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Advisories per ecosystem, newest `modified`, sources and when they were last updated
    #[command(
        after_help = "Examples:\n  patchwarden db status\n  patchwarden db status --format json"
    )]
    Status {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan [default: ., unless --image or --rootfs is given]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// A container image saved with `docker save` or an OCI layout tarball (repeatable)
    #[arg(long = "image", value_name = "FILE.tar")]
    pub images: Vec<PathBuf>,
    /// An unpacked root filesystem (repeatable)
    #[arg(long, value_name = "DIR")]
    pub rootfs: Vec<PathBuf>,
    /// The asset the findings belong to
    #[arg(long)]
    pub asset: Option<String>,
    #[arg(long, value_enum, default_value_t = ScanFormat::Table)]
    pub format: ScanFormat,
    /// Exit 1 when a finding at or above this severity is reported
    #[arg(long, value_name = "SEVERITY", value_parser = ["critical", "high", "medium", "low"])]
    pub fail_on: Option<String>,
    /// Scan without writing anything to the database
    #[arg(long)]
    pub no_record: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The report (`-` reads stdin); not with --dependabot-repo
    #[arg(value_name = "FILE", required_unless_present_any = ["dependabot_repo", "dependabot"])]
    pub file: Option<PathBuf>,
    /// The report's format
    #[arg(long, value_name = "FORMAT", default_value = "auto", value_parser = [
        "auto", "osv-scanner", "pip-audit", "npm-audit", "yarn-audit", "trivy", "grype",
        "cargo-audit", "dependabot", "sarif", "cyclonedx-vex",
    ])]
    pub format: String,
    /// The asset the findings belong to [default: the report's directory name, or the repository's name]
    #[arg(long)]
    pub asset: Option<String>,
    /// Fetch the open Dependabot alerts of this repository (OWNER/REPO) with the token in $GITHUB_TOKEN
    #[arg(long, value_name = "OWNER/REPO", conflicts_with = "file")]
    pub dependabot_repo: Option<String>,
    /// Fetch the open Dependabot alerts of the asset's configured GitHub forge
    #[arg(long, conflicts_with_all = ["file", "dependabot_repo"], requires = "asset")]
    pub dependabot: bool,
    /// The GitHub REST API's base URL for --dependabot-repo [default: the asset's forge api_url, else https://api.github.com]
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub output_format: Format,
    /// Exit 1 when a finding at or above this severity is imported
    #[arg(long, value_name = "SEVERITY", value_parser = ["critical", "high", "medium", "low"])]
    pub fail_on: Option<String>,
    /// Read and show without writing anything to the database
    #[arg(long)]
    pub no_record: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    Table,
    Json,
    Sarif,
    Markdown,
    Csv,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    /// The records to fix (several records of one package become one change)
    #[arg(required_unless_present = "group", value_name = "RECORD")]
    pub records: Vec<i64>,
    /// Fix every assessed or planned record of this asset at or above --severity in one branch
    #[arg(long, value_name = "ASSET", conflicts_with = "records")]
    pub group: Option<String>,
    /// With --group: the lowest severity included
    #[arg(long, value_parser = ["critical", "high", "medium", "low"], default_value = "low", requires = "group")]
    pub severity: String,
    /// The branch to create [default: patchwarden/<record ids>]
    #[arg(long)]
    pub branch: Option<String>,
    /// Push the branch to this remote
    #[arg(long, value_name = "REMOTE")]
    pub push: Option<String>,
    /// The test command, run with `sh -c` in the changed tree
    #[arg(long, value_name = "CMD")]
    pub test_command: Option<String>,
    /// A JUnit report the test command writes, relative to the repository (repeatable)
    #[arg(long, value_name = "FILE")]
    pub junit: Vec<PathBuf>,
    /// For records still to be planned: the Release Owner of the change
    #[arg(long, value_name = "NAME")]
    pub release_owner: Option<String>,
    /// For records still to be planned on the scheduled path: the release date (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub release_date: Option<String>,
    /// Show the plan and stop
    #[arg(long)]
    pub dry_run: bool,
    /// Keep the branch when a step fails, for inspection
    #[arg(long)]
    pub keep_failed: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum AssetsCommand {
    /// Every configured asset: layer, cadence, last patched, next patch due, missed cadence, open records
    #[command(after_help = "\
Examples:
  patchwarden assets list
  patchwarden assets list --format json | jq '.assets[] | select(.missed)'

Exit code 1 with --fail when an asset has missed its cadence or needs an out-of-cycle patch.")]
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Exit with code 1 when a cadence is missed or an out-of-cycle patch is due
        #[arg(long)]
        fail: bool,
    },
    /// Check every asset's cadence and every component's end of life (the daily built-in
    /// patchwarden.estate-check); with --alert, raise what is missed, due or unsupported, once each
    #[command(after_help = "\
Examples:
  patchwarden assets check
  patchwarden assets check --alert        raise what was not raised before
  patchwarden assets check --format json --fail

Alerts: cadence.missed, rebuild.due, eol.reached, eol.nearing, each once per occasion.
Components come from each asset's scan targets and its declared components.
Exit code 1 with --fail when a cadence is missed, an out-of-cycle patch is due,
or a component is past its end of life.")]
    Check {
        /// Raise the alerts, each once per occasion (asset and due date, component and end-of-life date)
        #[arg(long)]
        alert: bool,
        /// Exit with code 1 when a cadence is missed, an out-of-cycle patch is due or a component is unsupported
        #[arg(long)]
        fail: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One asset in full
    #[command(after_help = "Examples:\n  patchwarden assets show base-image")]
    Show {
        name: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Record that an asset was patched now, outside the patch records (a rebuild, a maintenance window)
    #[command(after_help = "\
Examples:
  patchwarden --as cto assets patched base-image --note \"weekly rebuild, digest sha256:…\"
  patchwarden --as cto assets patched rds-main --note \"monthly maintenance window\"")]
    Patched {
        name: String,
        /// What was done
        #[arg(long)]
        note: Option<String>,
    },
    /// Add an asset to patchwarden.toml (appended as an [[assets]] table; the whole file is checked
    /// before it is written)
    #[command(after_help = "\
Examples:
  patchwarden --as cto assets add api --layer app-dependencies --owner CTO --scan poetry.lock
  patchwarden --as cto assets add rds-main --layer database --component postgresql@15.4")]
    Add {
        name: String,
        /// The layer it is patched in (one of the configured [[layers]])
        #[arg(long)]
        layer: String,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        environment: Option<String>,
        /// What data is at risk if it is compromised
        #[arg(long)]
        data_classification: Option<String>,
        /// A lockfile, SBOM, image tarball or root filesystem to scan (repeatable)
        #[arg(long, value_name = "PATH")]
        scan: Vec<String>,
        /// A component that cannot be scanned, as product@version (repeatable)
        #[arg(long, value_name = "PRODUCT@VERSION")]
        component: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RecordsCommand {
    /// Delete closed records (and their evidence) closed before DATE; refuses anything inside the
    /// policy's retention. The audit log is kept whole, so `audit verify` still passes.
    #[command(after_help = "\
Examples:
  patchwarden --as cto records purge --before 2025-01-01
  patchwarden records purge --expired          everything past retention (the daily built-in task)

--expired needs no --as: the policy alone decides what goes, and the purge is recorded as `system`.")]
    Purge {
        #[arg(
            long,
            value_name = "DATE",
            required_unless_present = "expired",
            conflicts_with = "expired"
        )]
        before: Option<String>,
        /// Purge every record ended longer than `retention_months` ago
        #[arg(long)]
        expired: bool,
    },
}

/// One or more record ids (one release may fix many records).
#[derive(Debug, Args)]
pub struct Ids {
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<i64>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum PatchCommand {
    /// List patch records (open ones unless --all)
    #[command(
        after_help = "Examples:\n  patchwarden patch list\n  patchwarden patch list --asset api --all --format json"
    )]
    List {
        #[arg(long)]
        asset: Option<String>,
        /// Include closed and dismissed records
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show one record with its history of steps
    #[command(
        after_help = "Examples:\n  patchwarden patch show 12\n  patchwarden patch show 12 --format json"
    )]
    Show {
        id: i64,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Open a record by hand: a vendor advisory, a security ticket, a user report
    #[command(after_help = "\
Examples:
  patchwarden --as cto patch new --title 'Supabase auth advisory' --asset auth --severity high --source vendor-advisory --link https://example.invalid/advisory
  patchwarden --as cto patch new --title 'XSS report' --asset web --cvss 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N' --source user-report
  patchwarden --as cto patch new --title 'Ticket 4711: login bypass?' --asset web --source ticket --queue

With --queue a ticket or user report joins the triage queue as a notice (`patchwarden notices list`)
instead of opening a record; CVE ids in the title are noted with their known severity.")]
    New {
        #[arg(long)]
        title: String,
        #[arg(long)]
        asset: String,
        #[arg(long, value_parser = ["critical", "high", "medium", "low"])]
        severity: Option<String>,
        /// A CVSS vector; its base score gives the severity unless --severity is given
        #[arg(long, value_name = "VECTOR", allow_hyphen_values = true)]
        cvss: Option<String>,
        #[arg(long, default_value = "ticket", value_parser = ["vendor-advisory", "ticket", "user-report"])]
        source: String,
        #[arg(long = "link", value_name = "URL")]
        links: Vec<String>,
        /// Queue a ticket or user report as a notice for triage instead of opening a record
        #[arg(long, conflicts_with_all = ["severity", "cvss"])]
        queue: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Assess: severity (computed, or overridden with a reason), exposure, and the path
    #[command(
        after_help = "Examples:\n  patchwarden --as cto patch assess 12 --data-at-risk 'patient survey answers'\n  patchwarden --as cto patch assess 12 --severity critical --reason 'RCE reachable' --affects api --affects worker --data-at-risk 'card data' --path emergency"
    )]
    Assess {
        #[command(flatten)]
        ids: Ids,
        #[arg(long, value_parser = ["critical", "high", "medium", "low"])]
        severity: Option<String>,
        #[arg(long)]
        reason: Option<String>,
        /// An affected asset (repeatable; default: the record's asset)
        #[arg(long = "affects", value_name = "ASSET")]
        affects: Vec<String>,
        #[arg(long)]
        data_at_risk: Option<String>,
        #[arg(long, value_parser = ["emergency", "scheduled"])]
        path: Option<String>,
    },
    /// Plan: a Release Owner, the patch, a rollback plan, the tests; a release date for scheduled patches
    #[command(
        after_help = "Examples:\n  patchwarden --as cto patch plan 12 --release-owner rosa --target django@4.2.11 --rollback 'redeploy previous image' --tests pytest --tests playwright --release-date 2026-03-05"
    )]
    Plan {
        #[command(flatten)]
        ids: Ids,
        #[arg(long)]
        release_owner: Option<String>,
        /// Target version, NAME@VERSION (repeatable)
        #[arg(long = "target", value_name = "NAME@VERSION")]
        targets: Vec<String>,
        #[arg(long)]
        rollback: Option<String>,
        /// A test suite to run (repeatable)
        #[arg(long = "tests", value_name = "SUITE")]
        tests: Vec<String>,
        /// Planned release (YYYY-MM-DD or RFC 3339)
        #[arg(long, value_name = "DATE")]
        release_date: Option<String>,
    },
    /// Test: JUnit XML reports from staging; refused unless the pass rate meets the policy
    #[command(
        after_help = "Examples:\n  patchwarden --as rosa patch test 12 --junit reports/pytest.xml --junit reports/playwright.xml"
    )]
    Test {
        #[command(flatten)]
        ids: Ids,
        #[arg(long = "junit", value_name = "FILE")]
        junit: Vec<PathBuf>,
    },
    /// Approve an emergency hotfix (Incident Commander)
    #[command(after_help = "Examples:\n  patchwarden --as ivy patch approve 12")]
    Approve {
        #[command(flatten)]
        ids: Ids,
    },
    /// Deploy: record the runbook, pull request, commit or deploy id
    #[command(after_help = "Examples:\n  patchwarden --as rosa patch deploy 12 13 --ref 'PR #42'")]
    Deploy {
        #[command(flatten)]
        ids: Ids,
        #[arg(long = "ref", value_name = "REFERENCE")]
        reference: Option<String>,
    },
    /// Verify after the post-deploy window: a re-scan without the finding (found automatically) and/or notes
    #[command(
        after_help = "Examples:\n  patchwarden --as rosa patch verify 12 --note 'logs clean 30 min' --note 'login and checkout flows validated'"
    )]
    Verify {
        #[command(flatten)]
        ids: Ids,
        #[arg(long = "note", value_name = "TEXT")]
        notes: Vec<String>,
        /// A scan id in which the finding is gone
        #[arg(long)]
        rescan: Option<i64>,
    },
    /// Close a complete record (incident link; post-mortem link after an emergency)
    #[command(
        after_help = "Examples:\n  patchwarden --as cto patch close 12 --incident https://example.invalid/inc/7 --postmortem https://example.invalid/pm/7"
    )]
    Close {
        #[command(flatten)]
        ids: Ids,
        #[arg(long, value_name = "URL")]
        incident: Option<String>,
        #[arg(long, value_name = "URL")]
        postmortem: Option<String>,
    },
    /// Mitigate with a compensating control (the permanent fix is still owed)
    #[command(
        after_help = "Examples:\n  patchwarden --as cto patch mitigate 12 --control 'WAF rule blocking /upload' --evidence 'rule 1234' --owner cto --recheck 2026-03-09"
    )]
    Mitigate {
        #[command(flatten)]
        ids: Ids,
        #[arg(long)]
        control: Option<String>,
        #[arg(long)]
        evidence: Option<String>,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long, value_name = "DATE")]
        recheck: Option<String>,
    },
    /// Request a risk acceptance (reason, expiry), or --approve one (a second person)
    #[command(
        after_help = "Examples:\n  patchwarden --as rosa patch accept-risk 12 --reason 'internal tool only' --expires 2026-06-30\n  patchwarden --as leo patch accept-risk 12 --approve"
    )]
    AcceptRisk {
        #[command(flatten)]
        ids: Ids,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long, value_name = "DATE")]
        expires: Option<String>,
        /// Approve the pending request
        #[arg(long, conflicts_with_all = ["reason", "expires"])]
        approve: bool,
    },
    /// Dismiss: not affected or a false positive, with a justification (exported as VEX)
    #[command(
        after_help = "Examples:\n  patchwarden --as cto patch dismiss 12 --not-affected --justification 'the vulnerable code path is never called'"
    )]
    Dismiss {
        #[command(flatten)]
        ids: Ids,
        #[arg(long, conflicts_with = "false_positive")]
        not_affected: bool,
        #[arg(long)]
        false_positive: bool,
        #[arg(long)]
        justification: Option<String>,
    },
    /// Re-evaluate records under the current policy (Engineering Lead); others keep the policy they were opened under
    #[command(after_help = "Examples:\n  patchwarden --as leo patch reevaluate 12 13")]
    Reevaluate {
        #[command(flatten)]
        ids: Ids,
    },
    /// Add a comment
    #[command(
        after_help = "Examples:\n  patchwarden --as rosa patch comment 12 --text 'waiting for the vendor'"
    )]
    Comment {
        #[command(flatten)]
        ids: Ids,
        #[arg(long)]
        text: String,
    },
}

/// `patchwarden report …`: read-only documents over the patch records.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The vulnerability patch log an auditor reads: one row per record opened, remediated or closed
    /// in the period (default: all records)
    #[command(after_help = "\
Examples:
  patchwarden report patch-log                                   Markdown on stdout
  patchwarden report patch-log --output compliance/vulnerability-patch-log.md
  patchwarden report patch-log --since 2026-01-01 --until 2026-03-31 --format csv > q1.csv
  patchwarden report patch-log --format json | jq '.records[] | select(.sla.status == \"missed\")'

DATE is YYYY-MM-DD (--until includes that whole day) or RFC 3339. --output writes the file atomically
and creates its directories.")]
    PatchLog {
        /// Only records opened, remediated or closed at or after DATE
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only records opened, remediated or closed up to DATE (inclusive of that day)
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        #[arg(long, value_enum, default_value_t = PatchLogFormat::Markdown)]
        format: PatchLogFormat,
        /// Write to FILE (atomically, creating directories) instead of stdout
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Open records by severity, overdue now, mean time to remediate, share remediated within SLA
    #[command(after_help = "\
Examples:
  patchwarden report metrics                                     the last 90 days
  patchwarden report metrics --since 2026-01-01 --until 2026-03-31 --format json")]
    Metrics {
        /// Start of the period [default: 90 days before --until]
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// End of the period, inclusive of that day [default: now]
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// A CycloneDX 1.5 VEX document of the dismissed (not affected, false positive) and mitigated records
    #[command(after_help = "\
Examples:
  patchwarden report vex > vex.cdx.json
  patchwarden report vex --output compliance/vex.cdx.json")]
    Vex {
        #[arg(long, value_enum, default_value_t = VexFormat::CyclonedxJson)]
        format: VexFormat,
        /// Write to FILE (atomically, creating directories) instead of stdout
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Every component (OS, runtime, database) of every configured asset and of PATHs, its version, its
    /// end-of-life date and its status: the evidence for "no unsupported systems"
    #[command(after_help = "\
Examples:
  patchwarden report unsupported                                 the configured assets
  patchwarden report unsupported . --format markdown --output compliance/unsupported-systems.md
  patchwarden report unsupported --format json | jq '.components[] | select(.status == \"unsupported\")'

An asset's components come from its `scan` targets (Dockerfiles, version files, manifests, OS packages
of root filesystems and images) and its declared `components`. End-of-life data comes from `db sync` or
`db import`. Exit code 1 when a component is unsupported and --fail is given.")]
    Unsupported {
        /// Directories, files, images (.tar) or root filesystems to include, each as its own asset
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = PatchLogFormat::Markdown)]
        format: PatchLogFormat,
        /// Write to FILE (atomically, creating directories) instead of stdout
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Exit with code 1 when any component is past its end of life
        #[arg(long)]
        fail: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PatchLogFormat {
    Markdown,
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VexFormat {
    CyclonedxJson,
}

#[derive(Debug, Subcommand)]
pub enum TasksCommand {
    /// The configured tasks: schedule, next run, last result
    #[command(
        after_help = "Examples:\n  patchwarden tasks list\n  patchwarden tasks list --format json"
    )]
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Run a task now, in the foreground (refused while a run of it is live); exit 1 if it fails
    #[command(after_help = "Examples:\n  patchwarden tasks run cleanup_survey_progress")]
    Run {
        name: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// A task's latest runs, newest first
    #[command(
        after_help = "Examples:\n  patchwarden tasks history process_data_governance --limit 5"
    )]
    History {
        name: String,
        #[arg(long, default_value_t = 20)]
        limit: i64,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The captured output of a run
    #[command(after_help = "Examples:\n  patchwarden tasks logs 42")]
    Logs {
        run_id: i64,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Run a command as a run of NAME and record it (for an external cron); exits with its exit code
    #[command(
        after_help = "Examples:\n  patchwarden tasks exec process_data_governance -- python manage.py process_data_governance"
    )]
    Exec {
        name: String,
        /// The command and its arguments (no shell)
        #[arg(last = true, required = true, value_name = "CMD")]
        command: Vec<String>,
    },
    /// Record a run that happened elsewhere: its start (--start), its end (--exit-code), or both at once
    #[command(after_help = "\
Examples:
  patchwarden tasks report sync_nhs_dd_datasets --exit-code 0 --log sync.log
  patchwarden tasks report nightly --start --run-id \"$JOB_ID\"
  patchwarden tasks report nightly --exit-code 1 --run-id \"$JOB_ID\" --log out.txt")]
    Report {
        name: String,
        /// The run started (end it later with --exit-code and the same --run-id)
        #[arg(
            long,
            conflicts_with = "exit_code",
            required_unless_present = "exit_code"
        )]
        start: bool,
        /// The run ended with this exit code
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        exit_code: Option<i32>,
        /// The reporter's id for the run, so a start and its end meet and overlapping runs stay apart
        #[arg(long, value_name = "ID")]
        run_id: Option<String>,
        /// A file with the run's output, stored (bounded) with the run
        #[arg(long, value_name = "FILE")]
        log: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Send a test message through a [[notify]] channel; exit 1 if it could not be delivered
    #[command(
        after_help = "Examples:\n  patchwarden notify test cto-mail\n  patchwarden notify test slack"
    )]
    Test { channel: String },
    /// Deliver pending alerts now (the scheduler does this on every tick)
    Send,
    /// The delivery log, newest first: sent, failed (after retries) and suppressed duplicates
    #[command(
        after_help = "Examples:\n  patchwarden notify log\n  patchwarden notify log --limit 5 --format json"
    )]
    Log {
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (loopback unless told otherwise)
    #[arg(
        long,
        value_name = "ADDR:PORT",
        default_value = "127.0.0.1:8080",
        env = "PATCHWARDEN_LISTEN"
    )]
    pub listen: std::net::SocketAddr,
    /// Log lines as text or as JSON objects
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// The largest request body accepted, uploads included (e.g. 16MiB, 512KiB)
    #[arg(long, value_name = "SIZE", default_value = "16MiB")]
    pub max_body: String,
    /// How long one request may take before it is answered 408, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub request_timeout: u64,
    /// The URL users reach the server at; an https:// origin marks the session cookie Secure
    #[arg(long, value_name = "URL", env = "PATCHWARDEN_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,
    /// Do not run the scheduler in this process (run `patchwarden scheduler` elsewhere)
    #[arg(long)]
    pub no_scheduler: bool,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Let a configured person log in (the role must be one [[people]] gives them)
    #[command(after_help = "\
Examples:
  printf '%s\\n' \"$PASSWORD\" | patchwarden users add cto --email cto@example.invalid --role incident_commander --password-stdin
  PATCHWARDEN_PASSWORD=… patchwarden users add auditor --role viewer")]
    Add {
        /// A name from [[people]] in the config
        name: String,
        #[arg(long)]
        email: Option<String>,
        /// incident_commander, engineering_lead, release_owner or viewer
        #[arg(long)]
        role: String,
        /// Read the password from the first line of standard input (else PATCHWARDEN_PASSWORD)
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users
    #[command(
        after_help = "Examples:\n  patchwarden users list\n  patchwarden users list --format json"
    )]
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Set a new password (ends the user's sessions)
    #[command(after_help = "Examples:\n  patchwarden users passwd cto --password-stdin")]
    Passwd {
        name: String,
        /// Read the password from the first line of standard input (else PATCHWARDEN_PASSWORD)
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove a user with their tokens and sessions (their records and audit events stay)
    #[command(after_help = "Examples:\n  patchwarden users remove contractor")]
    Remove { name: String },
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create an API token for a user; it is printed once and only its hash is kept
    #[command(after_help = "\
Examples:
  patchwarden tokens create --user ci-bot --label 'CI scans' --expires-in 90d
  curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:8080/api/v1/records")]
    Create {
        #[arg(long)]
        user: String,
        /// What the token is for
        #[arg(long, default_value = "api")]
        label: String,
        /// How long the token is valid (e.g. 12h, 30d; at most 400d)
        #[arg(long, value_name = "DURATION", default_value = "90d")]
        expires_in: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// List tokens (never the tokens themselves)
    #[command(
        after_help = "Examples:\n  patchwarden tokens list\n  patchwarden tokens list --user ci-bot --format json"
    )]
    List {
        #[arg(long)]
        user: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Revoke a token by its id: requests with it are refused from then on
    #[command(after_help = "Examples:\n  patchwarden tokens revoke 3")]
    Revoke { id: i64 },
}
