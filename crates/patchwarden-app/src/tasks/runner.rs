//! Running one task's command: in a process group of its own (so a timeout kills everything it started),
//! without a shell unless asked, with its stdout and stderr captured up to a bound.

use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use patchwarden_core::TaskSpec;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

/// The default bound on a run's stored output: the first and the last half of it are kept.
pub const DEFAULT_OUTPUT_LIMIT: usize = 64 * 1024;

/// The output of a run, bounded: the head and the tail are kept, the middle is counted.
#[derive(Debug)]
pub struct BoundedOutput {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    half: usize,
    dropped: u64,
}

impl BoundedOutput {
    pub fn new(limit: usize) -> Self {
        Self {
            head: Vec::new(),
            tail: VecDeque::new(),
            half: (limit / 2).max(1),
            dropped: 0,
        }
    }

    pub fn push(&mut self, mut bytes: &[u8]) {
        if self.head.len() < self.half {
            let take = (self.half - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
        }
        for &b in bytes {
            if self.tail.len() == self.half {
                self.tail.pop_front();
                self.dropped += 1;
            }
            self.tail.push_back(b);
        }
    }

    /// Bytes left out of the middle.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The kept text, with a line saying how much was left out where it was.
    pub fn render(&self) -> String {
        let mut out = String::from_utf8_lossy(&self.head).into_owned();
        if self.dropped > 0 {
            if !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&format!("[… {} bytes of output dropped …]\n", self.dropped));
        }
        let tail: Vec<u8> = self.tail.iter().copied().collect();
        out.push_str(&String::from_utf8_lossy(&tail));
        out
    }
}

/// How a process ended.
#[derive(Debug)]
pub struct ProcessOutcome {
    /// None when it was killed by a signal, timed out, or could not start.
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    /// Why it could not be started, or which signal ended it.
    pub problem: Option<String>,
    pub output: String,
    pub output_dropped: u64,
}

impl ProcessOutcome {
    pub fn succeeded(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out
    }
}

fn command_for(spec: &TaskSpec) -> Result<Command, String> {
    let mut cmd = if spec.shell {
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg(spec.command.join(" "));
        c
    } else {
        let (program, args) = spec
            .command
            .split_first()
            .ok_or_else(|| format!("task {} has no command", spec.name))?;
        let mut c = Command::new(program);
        c.args(args);
        c
    };
    if let Some(dir) = &spec.working_dir {
        cmd.current_dir(dir);
    }
    cmd.envs(&spec.env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    Ok(cmd)
}

async fn drain(mut from: impl AsyncRead + Unpin, into: Arc<Mutex<BoundedOutput>>) {
    let mut buf = [0u8; 8192];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if let Ok(mut out) = into.lock() {
                    out.push(&buf[..n]);
                }
            }
        }
    }
}

fn kill_group(pid: Option<u32>) {
    let pid = pid
        .and_then(|p| i32::try_from(p).ok())
        .and_then(rustix::process::Pid::from_raw);
    if let Some(pid) = pid {
        // ESRCH (nothing left in the group) is the common case after a clean exit.
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

/// Runs the task's command to its end or its timeout. Whatever the command left running in its process
/// group when it ended (or timed out) is killed, so no run leaves strays behind.
pub async fn run_process(
    spec: &TaskSpec,
    timeout: Duration,
    output_limit: usize,
) -> ProcessOutcome {
    let output = Arc::new(Mutex::new(BoundedOutput::new(output_limit)));
    let spawned = command_for(spec).and_then(|mut c| {
        c.spawn().map_err(|e| {
            format!(
                "cannot start {:?}: {e}",
                spec.command.first().map_or("", |s| s.as_str())
            )
        })
    });
    let mut child = match spawned {
        Ok(child) => child,
        Err(problem) => {
            return ProcessOutcome {
                exit_code: None,
                timed_out: false,
                problem: Some(problem),
                output: String::new(),
                output_dropped: 0,
            };
        }
    };
    let pid = child.id();
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        readers.push(tokio::spawn(drain(out, output.clone())));
    }
    if let Some(err) = child.stderr.take() {
        readers.push(tokio::spawn(drain(err, output.clone())));
    }
    let waited = tokio::time::timeout(timeout, child.wait()).await;
    kill_group(pid);
    let (exit_code, timed_out, problem) = match waited {
        Ok(Ok(status)) => {
            use std::os::unix::process::ExitStatusExt;
            let problem = status.signal().map(|s| format!("killed by signal {s}"));
            (status.code(), false, problem)
        }
        Ok(Err(e)) => (
            None,
            false,
            Some(format!("cannot wait for the process: {e}")),
        ),
        Err(_) => {
            let _ = child.wait().await;
            (
                None,
                true,
                Some(format!(
                    "timed out after {}s; its process group was killed",
                    timeout.as_secs()
                )),
            )
        }
    };
    for reader in readers {
        // A pipe held open by a process that left the group must not hold up the run.
        let _ = tokio::time::timeout(Duration::from_secs(2), reader).await;
    }
    let (output, output_dropped) = match output.lock() {
        Ok(out) => (out.render(), out.dropped()),
        Err(_) => (String::new(), 0),
    };
    ProcessOutcome {
        exit_code,
        timed_out,
        problem,
        output,
        output_dropped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use patchwarden_core::{PolicyDuration, Schedule, Trigger};

    fn spec(command: &[&str], shell: bool) -> TaskSpec {
        TaskSpec {
            name: "t".into(),
            schedule: Schedule::Every(PolicyDuration::minutes(5)),
            trigger: Trigger::Scheduled,
            command: command.iter().map(|s| s.to_string()).collect(),
            shell,
            working_dir: None,
            env: [("GREETING".to_string(), "hello".to_string())].into(),
            timeout: PolicyDuration::minutes(1),
            min_duration: None,
            purpose: None,
            compliance: None,
            asset: None,
            enabled: true,
        }
    }

    #[test]
    fn bounded_output_keeps_head_and_tail_and_counts_the_rest() {
        let mut out = BoundedOutput::new(10);
        out.push(b"0123456789abcdefghij");
        assert_eq!(out.dropped(), 10);
        assert_eq!(
            out.render(),
            "01234\n[… 10 bytes of output dropped …]\nfghij"
        );
    }

    #[tokio::test]
    async fn a_command_runs_without_a_shell_with_its_env_and_both_streams_captured() {
        let out = run_process(
            &spec(
                &["sh", "-c", "echo $GREETING; echo oops >&2; exit 3"],
                false,
            ),
            Duration::from_secs(20),
            DEFAULT_OUTPUT_LIMIT,
        )
        .await;
        assert_eq!(out.exit_code, Some(3));
        assert!(out.output.contains("hello\n"), "{:?}", out.output);
        assert!(out.output.contains("oops\n"), "{:?}", out.output);
        // Without a shell, shell syntax is just an argument.
        let literal = run_process(
            &spec(&["echo", "$GREETING", "|", "x"], false),
            Duration::from_secs(20),
            1024,
        )
        .await;
        assert_eq!(literal.output, "$GREETING | x\n");
        let shell = run_process(
            &spec(&["echo", "$GREETING", "|", "tr", "h", "j"], true),
            Duration::from_secs(20),
            1024,
        )
        .await;
        assert_eq!(shell.output, "jello\n");
    }

    #[tokio::test]
    async fn a_timeout_kills_the_whole_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("grandchild-survived");
        // The grandchild would write the marker after 3 s if it outlived the timeout.
        let script = format!("(sleep 3; touch {}) & sleep 60", marker.display());
        let out = run_process(
            &spec(&["sh", "-c", &script], false),
            Duration::from_millis(500),
            1024,
        )
        .await;
        assert!(out.timed_out);
        assert_eq!(out.exit_code, None);
        tokio::time::sleep(Duration::from_secs(4)).await;
        assert!(
            !marker.exists(),
            "a process of the group outlived the timeout"
        );
    }

    #[tokio::test]
    async fn a_lot_of_output_is_bounded_and_says_how_much_was_dropped() {
        let out = run_process(
            &spec(
                &[
                    "sh",
                    "-c",
                    "echo START; yes line | head -n 200000; echo END",
                ],
                false,
            ),
            Duration::from_secs(30),
            4096,
        )
        .await;
        assert_eq!(out.exit_code, Some(0));
        assert!(out.output.starts_with("START\n"));
        assert!(out.output.ends_with("line\nEND\n"));
        assert_eq!(out.output_dropped, 6 + 200_000 * 5 + 4 - 4096);
        assert!(out.output.contains(&format!(
            "[… {} bytes of output dropped …]",
            out.output_dropped
        )));
    }

    #[tokio::test]
    async fn a_missing_program_is_a_problem_not_a_panic() {
        let out = run_process(
            &spec(&["/nonexistent/program"], false),
            Duration::from_secs(5),
            1024,
        )
        .await;
        assert_eq!(out.exit_code, None);
        assert!(out.problem.unwrap().contains("cannot start"));
    }
}
