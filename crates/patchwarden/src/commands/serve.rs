//! `patchwarden serve`, `users …` and `tokens …`: the server and who may use it.

use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use patchwarden_app::App;
use patchwarden_core::{PolicyDuration, Role};
use patchwarden_server::{ServerOptions, ServerState, accounts};
use serde::Serialize;

use crate::Outcome;
use crate::cli::{Format, GlobalArgs, ServeArgs, TokensCommand, UsersCommand};
use crate::output::{dim, good, print_json};
use crate::settings;

/// `16MiB`, `512KiB`, `1GiB`, `1000000` (bytes).
fn parse_size(text: &str) -> anyhow::Result<usize> {
    let t = text.trim();
    let (digits, factor) = [
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
        ("B", 1),
    ]
    .into_iter()
    .find_map(|(suffix, f)| t.strip_suffix(suffix).map(|d| (d, f)))
    .unwrap_or((t, 1));
    let n: usize = digits.trim().parse().with_context(|| {
        format!("--max-body {text:?}: expected a size such as 16MiB, 512KiB or 1000000")
    })?;
    n.checked_mul(factor)
        .filter(|n| *n > 0)
        .with_context(|| format!("--max-body {text:?} is out of range"))
}

pub async fn run(global: &GlobalArgs, args: ServeArgs) -> anyhow::Result<Outcome> {
    let body_limit = parse_size(&args.max_body)?;
    if args.request_timeout == 0 {
        bail!("--request-timeout must be at least 1 second");
    }
    let secure_cookies = match args.public_origin.as_deref() {
        None => false,
        Some(o) if o.starts_with("https://") => true,
        Some(o) if o.starts_with("http://") => false,
        Some(o) => bail!("--public-origin {o:?} must start with https:// or http://"),
    };
    let fixed_now = std::env::var("PATCHWARDEN_NOW")
        .ok()
        .filter(|t| !t.is_empty())
        .map(|_| settings::now())
        .transpose()?;
    let (app, _) = App::open(settings::resolve(global)?).await?;
    // The same scheduler as `patchwarden scheduler`, in this process: claims make a slot run once even
    // with several servers on one database.
    let scheduler = (!args.no_scheduler).then(|| {
        let options = patchwarden_app::tasks::SchedulerOptions {
            runner: super::tasks::runner_name(),
            ..patchwarden_app::tasks::SchedulerOptions::default()
        };
        app.scheduler(options, super::tasks::clock(&app))
    });
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let local = listener.local_addr()?;
    if !local.ip().is_loopback() {
        tracing::warn!(address = %local, "listening beyond loopback: put TLS in front of the server");
    }
    let state = Arc::new(ServerState::new(
        app.settings,
        app.store.clone(),
        ServerOptions {
            listen: local,
            body_limit,
            request_timeout: Duration::from_secs(args.request_timeout),
            secure_cookies,
            fixed_now,
            ..ServerOptions::default()
        },
    )?);
    tracing::info!(address = %local, database = app.store.backend_name(), "serving");
    // The bound address on stdout, so a script that asked for port 0 can find it.
    writeln!(std::io::stdout().lock(), "listening on http://{local}")?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let scheduler = scheduler.map(|s| {
        tracing::info!("scheduler started");
        tokio::spawn(s.run_until(async move {
            let mut stopped = stopped;
            let _ = stopped.wait_for(|stop| *stop).await;
        }))
    });
    let shutdown = async move {
        patchwarden_server::shutdown_signal().await;
        let _ = stop.send(true);
    };
    patchwarden_server::serve(listener, state, shutdown).await?;
    if let Some(scheduler) = scheduler {
        scheduler
            .await
            .context("the scheduler stopped abnormally")??;
    }
    app.store.close().await;
    Ok(Outcome::Ok)
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.is_empty() {
            bail!("no password on standard input");
        }
        return Ok(password);
    }
    match std::env::var("PATCHWARDEN_PASSWORD") {
        Ok(p) if !p.is_empty() => Ok(p),
        _ => bail!("give the password with --password-stdin or PATCHWARDEN_PASSWORD"),
    }
}

#[derive(Debug, Serialize)]
struct UserRow<'a> {
    name: &'a str,
    email: Option<&'a str>,
    role: Role,
    created_at: chrono::DateTime<chrono::Utc>,
}

pub async fn users(global: &GlobalArgs, cmd: UsersCommand) -> anyhow::Result<Outcome> {
    let (app, _) = App::open(settings::resolve(global)?).await?;
    let result = users_in(&app, cmd).await;
    app.store.close().await;
    result
}

async fn users_in(app: &App, cmd: UsersCommand) -> anyhow::Result<Outcome> {
    let mut out = anstream::stdout().lock();
    match cmd {
        UsersCommand::Add {
            name,
            email,
            role,
            password_stdin,
        } => {
            let role: Role = role.parse().context("--role")?;
            let password = read_password(password_stdin)?;
            let user = accounts::add_user(app, &name, email, role, &password).await?;
            writeln!(out, "{} user {} ({})", good("added"), user.name, user.role)?;
        }
        UsersCommand::List { format } => {
            let users = app.store.users().await?;
            let rows: Vec<UserRow> = users
                .iter()
                .map(|u| UserRow {
                    name: &u.name,
                    email: u.email.as_deref(),
                    role: u.role,
                    created_at: u.created_at,
                })
                .collect();
            match format {
                Format::Json => print_json("users", &serde_json::json!({ "users": rows }))?,
                Format::Table => {
                    if rows.is_empty() {
                        writeln!(
                            out,
                            "{}",
                            dim("no users (add one with `patchwarden users add`)")
                        )?;
                    }
                    for u in rows {
                        writeln!(
                            out,
                            "{:<20} {:<20} {}",
                            u.name,
                            u.role,
                            u.email.unwrap_or("-")
                        )?;
                    }
                }
            }
        }
        UsersCommand::Passwd {
            name,
            password_stdin,
        } => {
            let password = read_password(password_stdin)?;
            accounts::set_password(app, &name, &password).await?;
            writeln!(
                out,
                "{} the password of {name}; their sessions have ended",
                good("changed")
            )?;
        }
        UsersCommand::Remove { name } => {
            accounts::remove_user(app, &name).await?;
            writeln!(
                out,
                "{} user {name} with their tokens and sessions",
                good("removed")
            )?;
        }
    }
    Ok(Outcome::Ok)
}

pub async fn tokens(global: &GlobalArgs, cmd: TokensCommand) -> anyhow::Result<Outcome> {
    let (app, _) = App::open(settings::resolve(global)?).await?;
    let result = tokens_in(&app, cmd).await;
    app.store.close().await;
    result
}

async fn tokens_in(app: &App, cmd: TokensCommand) -> anyhow::Result<Outcome> {
    let mut out = anstream::stdout().lock();
    match cmd {
        TokensCommand::Create {
            user,
            label,
            expires_in,
            format,
        } => {
            let valid_for = expires_in
                .parse::<PolicyDuration>()
                .map_err(anyhow::Error::msg)
                .context("--expires-in")?
                .to_chrono();
            let token = accounts::create_token(app, &user, &label, valid_for).await?;
            match format {
                Format::Json => print_json("api-token", &token)?,
                Format::Table => {
                    writeln!(out, "{}", token.token)?;
                    writeln!(
                        out,
                        "{}",
                        dim(&format!(
                            "token {} for {} expires {}; it is shown only now",
                            token.id,
                            token.user,
                            token.expires_at.format("%Y-%m-%d %H:%M UTC")
                        ))
                    )?;
                }
            }
        }
        TokensCommand::List { user, format } => {
            let tokens = accounts::tokens(app, user.as_deref()).await?;
            let now = app.settings.now;
            let rows: Vec<_> = tokens
                .iter()
                .map(|t| {
                    let status = if t.revoked_at.is_some() {
                        "revoked"
                    } else if t.expires_at <= now {
                        "expired"
                    } else {
                        "active"
                    };
                    serde_json::json!({
                        "id": t.id, "user": t.user, "label": t.label, "created_at": t.created_at,
                        "expires_at": t.expires_at, "revoked_at": t.revoked_at, "status": status,
                    })
                })
                .collect();
            match format {
                Format::Json => print_json("api-tokens", &serde_json::json!({ "tokens": rows }))?,
                Format::Table => {
                    if rows.is_empty() {
                        writeln!(out, "{}", dim("no tokens"))?;
                    }
                    for (t, row) in tokens.iter().zip(&rows) {
                        writeln!(
                            out,
                            "{:>4}  {:<16} {:<20} {:<8} expires {}",
                            t.id,
                            t.user,
                            t.label,
                            row["status"].as_str().unwrap_or_default(),
                            t.expires_at.format("%Y-%m-%d")
                        )?;
                    }
                }
            }
        }
        TokensCommand::Revoke { id } => {
            accounts::revoke_token(app, id).await?;
            writeln!(out, "{} token {id}", good("revoked"))?;
        }
    }
    Ok(Outcome::Ok)
}
