//! Maintenance tasks as configured: what to run, when, and why (the procedure's housekeeping table).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::duration::PolicyDuration;

/// When a task runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// A cron expression (five or six fields), validated when the config is read.
    Cron(String),
    /// A fixed interval from the previous run.
    Every(PolicyDuration),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSpec {
    pub name: String,
    pub schedule: Schedule,
    /// Program and arguments, run without a shell unless `shell` is set.
    pub command: Vec<String>,
    pub shell: bool,
    pub working_dir: Option<String>,
    pub env: BTreeMap<String, String>,
    pub timeout: PolicyDuration,
    pub purpose: Option<String>,
    pub compliance: Option<String>,
    pub asset: Option<String>,
    pub enabled: bool,
}
