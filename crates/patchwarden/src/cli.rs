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

    /// Import, sync and inspect the advisory database (OSV, CISA KEV)
    #[command(subcommand)]
    Db(DbCommand),

    /// Read and verify the tamper-evident audit log
    #[command(subcommand)]
    Audit(AuditCommand),

    /// Show who --as / PATCHWARDEN_USER names and which roles they hold
    #[command(
        after_help = "Examples:\n  patchwarden --as cto whoami\n  PATCHWARDEN_USER=cto patchwarden whoami --format json"
    )]
    Whoami {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },

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
    /// Files or directories to scan
    #[arg(value_name = "PATH", default_value = ".")]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    Table,
    Json,
    Sarif,
    Markdown,
    Csv,
}
