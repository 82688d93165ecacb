//! The transitions: what each step demands, who may take it, and what it changes.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Assessment, Closure, Comment, Deployment, Dismissal, Mitigation, PatchPath, PatchRecord, Plan,
    RiskAcceptance, Stamp, State, TestEvidence, TestRun, Verification,
};
use crate::people::{Person, Role};
use crate::policy::Policy;
use crate::severity::Severity;

/// Why a finding needs no fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DismissKind {
    NotAffected,
    FalsePositive,
}

impl std::str::FromStr for DismissKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "not-affected" | "not_affected" => Ok(DismissKind::NotAffected),
            "false-positive" | "false_positive" => Ok(DismissKind::FalsePositive),
            _ => Err(format!(
                "unknown dismissal \"{s}\" (expected not-affected or false-positive)"
            )),
        }
    }
}

/// A step someone (or the tool itself, for the `system` actions) takes on a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Assess {
        /// Overrides the computed severity (needs a reason when it differs).
        severity: Option<Severity>,
        reason: Option<String>,
        affected_assets: Vec<String>,
        data_at_risk: Option<String>,
        /// Default: emergency for the policy's emergency severities, else scheduled.
        path: Option<PatchPath>,
    },
    Plan {
        release_owner: Option<String>,
        target_versions: Vec<String>,
        rollback_plan: Option<String>,
        tests: Vec<String>,
        planned_release: Option<DateTime<Utc>>,
    },
    Test {
        evidence: Vec<TestEvidence>,
    },
    Approve,
    Deploy {
        reference: Option<String>,
    },
    Verify {
        notes: Vec<String>,
        rescan: Option<i64>,
    },
    Close {
        incident_link: Option<String>,
        postmortem_link: Option<String>,
    },
    Mitigate {
        control: Option<String>,
        evidence: Option<String>,
        owner: Option<String>,
        recheck_at: Option<DateTime<Utc>>,
    },
    RequestRiskAcceptance {
        reason: Option<String>,
        expires_at: Option<DateTime<Utc>>,
    },
    ApproveRiskAcceptance,
    Dismiss {
        kind: DismissKind,
        justification: Option<String>,
    },
    Comment {
        text: String,
    },
    /// Re-evaluate the record under a changed policy (Engineering Lead, audited).
    Reevaluate {
        policy: Box<Policy>,
    },
    /// The tool's own: a risk acceptance reached its expiry.
    ExpireRiskAcceptance,
    /// The tool's own: the record passed its due time unremediated.
    RecordBreach,
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Assess { .. } => "assess",
            Action::Plan { .. } => "plan",
            Action::Test { .. } => "test",
            Action::Approve => "approve",
            Action::Deploy { .. } => "deploy",
            Action::Verify { .. } => "verify",
            Action::Close { .. } => "close",
            Action::Mitigate { .. } => "mitigate",
            Action::RequestRiskAcceptance { .. } => "accept-risk",
            Action::ApproveRiskAcceptance => "approve-risk",
            Action::Dismiss { .. } => "dismiss",
            Action::Comment { .. } => "comment",
            Action::Reevaluate { .. } => "reevaluate",
            Action::ExpireRiskAcceptance => "expire-risk",
            Action::RecordBreach => "record-breach",
        }
    }

    fn is_system(&self) -> bool {
        matches!(self, Action::ExpireRiskAcceptance | Action::RecordBreach)
    }
}

/// A refused step: everything that is missing or wrong, and what may be done instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionError {
    pub action: &'static str,
    pub record: i64,
    pub state: State,
    pub problems: Vec<String>,
    pub allowed: Vec<&'static str>,
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot {} record {} ({}): {}",
            self.action,
            self.record,
            self.state,
            self.problems.join("; ")
        )?;
        if self.allowed.is_empty() {
            write!(f, " — no further steps are possible")
        } else {
            write!(f, " — allowed next: {}", self.allowed.join(", "))
        }
    }
}

impl std::error::Error for TransitionError {}

/// The workflow state whose steps apply: a mitigated record continues where it was.
fn effective_state(r: &PatchRecord) -> State {
    match r.state {
        State::Mitigated => r.resume_state.unwrap_or(State::Detected),
        s => s,
    }
}

/// The steps that may be taken next on this record (roles aside).
pub fn allowed_actions(r: &PatchRecord) -> Vec<&'static str> {
    let emergency = r.path() == Some(PatchPath::Emergency);
    let mut out: Vec<&'static str> = match (r.state, effective_state(r)) {
        (State::Closed | State::Dismissed, _) => vec![],
        (State::RiskAccepted, _) => vec!["accept-risk", "dismiss"],
        (_, State::Detected) => vec!["assess", "mitigate", "accept-risk", "dismiss"],
        (_, State::Assessed) => vec!["assess", "plan", "mitigate", "accept-risk", "dismiss"],
        (_, State::Planned) => {
            let mut v = vec!["plan", "test"];
            if emergency && r.approval.is_none() {
                v.push("approve");
            }
            v.extend(["mitigate", "accept-risk", "dismiss"]);
            v
        }
        (_, State::Tested) => {
            let mut v = vec!["test"];
            if emergency && r.approval.is_none() {
                v.push("approve");
            } else {
                v.push("deploy");
            }
            v.extend(["mitigate", "accept-risk", "dismiss"]);
            v
        }
        (_, State::Deployed) => vec!["verify"],
        (_, State::Verified) => vec!["close"],
        (_, _) => vec![],
    };
    if r.risk_request_pending() {
        out.push("approve-risk");
    }
    if r.state != State::Dismissed {
        out.push("comment");
    }
    out
}

impl PatchRecord {
    fn risk_request_pending(&self) -> bool {
        self.risk.as_ref().is_some_and(|r| r.approved.is_none())
    }
}

/// The next lower severity (a mitigation buys the permanent fix that much more time).
fn next_lower(s: Severity) -> Severity {
    match s {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        Severity::Medium | Severity::Low => Severity::Low,
    }
}

struct Check<'a> {
    record: &'a PatchRecord,
    action: &'static str,
    problems: Vec<String>,
}

impl<'a> Check<'a> {
    fn need(&mut self, ok: bool, problem: impl Into<String>) {
        if !ok {
            self.problems.push(problem.into());
        }
    }

    fn roles(&mut self, actor: Option<&Person>, roles: &[Role], doing: &str) {
        match actor {
            None => self
                .problems
                .push(format!("{doing} needs a person acting (--as NAME)")),
            Some(p) if roles.iter().any(|r| p.has_role(*r)) => {}
            Some(p) => {
                let held: Vec<_> = p.roles.iter().map(|r| r.as_str()).collect();
                let want: Vec<_> = roles.iter().map(|r| r.as_str()).collect();
                self.problems.push(format!(
                    "{} holds [{}] but {doing} needs {}",
                    p.name,
                    held.join(", "),
                    want.join(" or ")
                ));
            }
        }
    }

    fn state_allows(&mut self) {
        if !allowed_actions(self.record).contains(&self.action) {
            self.problems.push(format!(
                "{} is not a step from {}",
                self.action, self.record.state
            ));
        }
    }

    fn finish(self) -> Result<(), TransitionError> {
        if self.problems.is_empty() {
            return Ok(());
        }
        Err(TransitionError {
            action: self.action,
            record: self.record.id,
            state: self.record.state,
            problems: self.problems,
            allowed: allowed_actions(self.record),
        })
    }
}

fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Takes `action` on `record` as `actor` (None: the tool itself) at `now`, under the record's policy.
/// `people` are the configured people (a Release Owner must be one of them).
pub fn apply(
    record: &PatchRecord,
    action: &Action,
    actor: Option<&Person>,
    people: &[Person],
    now: DateTime<Utc>,
) -> Result<PatchRecord, TransitionError> {
    let mut c = Check {
        record,
        action: action.name(),
        problems: Vec::new(),
    };
    if action.is_system() {
        c.need(
            actor.is_none(),
            format!("{} is done by patchwarden itself", action.name()),
        );
    } else if !matches!(
        action,
        Action::Comment { .. } | Action::Reevaluate { .. } | Action::ApproveRiskAcceptance
    ) {
        c.state_allows();
    }
    let policy = &record.policy;
    let by = actor.map_or_else(|| crate::SYSTEM_ACTOR.to_owned(), |p| p.name.clone());
    let stamp = Stamp {
        by: by.clone(),
        at: now,
    };
    let emergency = record.path() == Some(PatchPath::Emergency);
    let mut next = record.clone();
    next.version += 1;

    match action {
        Action::Assess {
            severity,
            reason,
            affected_assets,
            data_at_risk,
            path,
        } => {
            c.roles(
                actor,
                &[Role::EngineeringLead, Role::IncidentCommander],
                "assessing",
            );
            let sev = severity.or(record.computed_severity);
            c.need(
                sev.is_some(),
                "a severity (none is known from the advisory: give --severity)",
            );
            let overridden = severity.is_some() && *severity != record.computed_severity;
            c.need(
                !overridden || text(reason).is_some(),
                "a reason for overriding the computed severity (--reason)",
            );
            c.need(
                text(data_at_risk).is_some(),
                "the data at risk (--data-at-risk)",
            );
            c.finish()?;
            let sev = sev.unwrap_or(Severity::Low);
            let path = path.unwrap_or(if policy.takes_emergency_path(sev) {
                PatchPath::Emergency
            } else {
                PatchPath::Scheduled
            });
            next.severity = Some(sev);
            next.severity_reason = if overridden { reason.clone() } else { None };
            next.due_at = Some(policy.due_on_path(sev, Some(path), record.clock_started_at));
            next.assessment = Some(Assessment {
                affected_assets: if affected_assets.is_empty() {
                    vec![record.asset.clone()]
                } else {
                    affected_assets.clone()
                },
                data_at_risk: text(data_at_risk).unwrap_or_default().to_owned(),
                path,
                stamp,
            });
            advance(&mut next, State::Assessed);
        }
        Action::Plan {
            release_owner,
            target_versions,
            rollback_plan,
            tests,
            planned_release,
        } => {
            let roles: &[Role] = if emergency {
                &[Role::EngineeringLead, Role::IncidentCommander]
            } else {
                &[Role::EngineeringLead]
            };
            c.roles(actor, roles, "planning");
            match text(release_owner) {
                None => c.need(false, "a Release Owner (--release-owner NAME)"),
                Some(name) => match people.iter().find(|p| p.name == name) {
                    None => c.need(false, format!("\"{name}\" is not a configured person")),
                    Some(p) => c.need(
                        p.has_role(Role::ReleaseOwner),
                        format!("{name} does not hold the release_owner role"),
                    ),
                },
            }
            c.need(
                !target_versions.is_empty(),
                "the patch: target versions (--target NAME@VERSION)",
            );
            c.need(
                text(rollback_plan).is_some(),
                "a rollback plan (--rollback)",
            );
            c.need(
                !tests.is_empty(),
                "the tests required for a safe release (--tests)",
            );
            c.need(
                emergency || planned_release.is_some(),
                "a planned release date for a scheduled patch (--release-date)",
            );
            c.finish()?;
            next.plan = Some(Plan {
                release_owner: text(release_owner).unwrap_or_default().to_owned(),
                target_versions: target_versions.clone(),
                rollback_plan: text(rollback_plan).unwrap_or_default().to_owned(),
                tests: tests.clone(),
                planned_release: *planned_release,
                stamp,
            });
            advance(&mut next, State::Planned);
        }
        Action::Test { evidence } => {
            // "Engineering Lead runs expedited testing": `[policy.emergency] expedited_tester`.
            let tester = policy.emergency.expedited_tester;
            let roles: &[Role] = if emergency {
                &[Role::ReleaseOwner, tester]
            } else {
                &[Role::ReleaseOwner]
            };
            c.roles(actor, roles, "testing");
            c.need(
                !evidence.is_empty(),
                "test evidence from staging (--junit FILE)",
            );
            for e in evidence {
                let counted = e.passed
                    + e.failed
                    + if policy.skipped_tests_fail {
                        e.skipped
                    } else {
                        0
                    };
                if counted == 0 {
                    c.need(
                        false,
                        format!("{}: the report holds no test results", e.file),
                    );
                } else if !policy.tests_pass(e.passed, e.failed, e.skipped) {
                    let rate = e.passed as f64 * 100.0 / counted as f64;
                    c.need(
                        false,
                        format!(
                            "{}: {} of {} tests failed — a pass rate of {:.1}% is below the required {}%",
                            e.file,
                            counted - e.passed,
                            counted,
                            rate,
                            policy.required_pass_rate
                        ),
                    );
                }
            }
            c.finish()?;
            next.tests.push(TestRun {
                evidence: evidence.clone(),
                expedited: emergency && actor.is_some_and(|p| p.has_role(tester)),
                stamp,
            });
            advance(&mut next, State::Tested);
        }
        Action::Approve => {
            c.roles(
                actor,
                &[policy.emergency.approver],
                "approving an emergency hotfix",
            );
            c.need(
                emergency,
                "only the emergency path needs the Incident Commander's approval",
            );
            c.finish()?;
            next.approval = Some(stamp);
        }
        Action::Deploy { reference } => {
            let assigned = record.plan.as_ref().map(|p| p.release_owner.as_str());
            let is_assigned = actor.is_some_and(|p| Some(p.name.as_str()) == assigned);
            if !is_assigned {
                c.roles(actor, &[Role::ReleaseOwner], "deploying");
            }
            c.need(
                text(reference).is_some(),
                "a deploy reference: runbook, pull request, commit or deploy id (--ref)",
            );
            c.need(
                !emergency || record.approval.is_some(),
                "the Incident Commander's approval of this emergency hotfix (patchwarden patch approve)",
            );
            c.finish()?;
            next.deployment = Some(Deployment {
                reference: text(reference).unwrap_or_default().to_owned(),
                stamp,
            });
            if emergency {
                next.postmortem_due = Some(now + policy.emergency.postmortem_due.to_chrono());
            }
            advance(&mut next, State::Deployed);
        }
        Action::Verify { notes, rescan } => {
            c.roles(
                actor,
                &[
                    Role::ReleaseOwner,
                    Role::EngineeringLead,
                    Role::IncidentCommander,
                ],
                "verifying",
            );
            if let Some(d) = &record.deployment {
                let open_at = d.stamp.at + policy.verification_window.to_chrono();
                c.need(
                    now >= open_at,
                    format!(
                        "the post-deploy verification window of {} runs until {}",
                        policy.verification_window,
                        open_at.format("%Y-%m-%d %H:%M UTC")
                    ),
                );
            }
            let notes: Vec<String> = notes
                .iter()
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect();
            c.need(
                rescan.is_some() || !notes.is_empty(),
                "evidence: a re-scan without the finding, or notes of the logs checked and user flows validated (--note)",
            );
            c.finish()?;
            next.verification = Some(Verification {
                notes,
                rescan: *rescan,
                stamp,
            });
            advance(&mut next, State::Verified);
        }
        Action::Close {
            incident_link,
            postmortem_link,
        } => {
            c.roles(
                actor,
                &[Role::EngineeringLead, Role::IncidentCommander],
                "closing",
            );
            c.need(record.severity.is_some(), "the severity");
            c.need(record.assessment.is_some(), "the affected systems (assess)");
            c.need(record.deployment.is_some(), "the resolution date (deploy)");
            c.need(
                record.verification.is_some(),
                "the validation steps performed (verify)",
            );
            c.need(
                !emergency || text(postmortem_link).is_some(),
                "the post-mortem link, required after an emergency hotfix (--postmortem URL)",
            );
            c.finish()?;
            next.closure = Some(Closure {
                incident_link: text(incident_link).map(str::to_owned),
                postmortem_link: text(postmortem_link).map(str::to_owned),
                stamp,
            });
            next.state = State::Closed;
            next.resume_state = None;
        }
        Action::Mitigate {
            control,
            evidence,
            owner,
            recheck_at,
        } => {
            c.roles(
                actor,
                &[Role::EngineeringLead, Role::IncidentCommander],
                "mitigating",
            );
            c.need(
                text(control).is_some(),
                "the compensating control, e.g. a WAF rule (--control)",
            );
            c.need(
                text(evidence).is_some(),
                "evidence that the control is in place (--evidence)",
            );
            c.need(text(owner).is_some(), "an owner of the control (--owner)");
            match recheck_at {
                None => c.need(false, "a re-check date (--recheck)"),
                Some(at) => c.need(*at > now, "the re-check date must be in the future"),
            }
            c.finish()?;
            let fix_severity = next_lower(record.severity.unwrap_or(Severity::Low));
            next.mitigation = Some(Mitigation {
                control: text(control).unwrap_or_default().to_owned(),
                evidence: text(evidence).unwrap_or_default().to_owned(),
                owner: text(owner).unwrap_or_default().to_owned(),
                recheck_at: recheck_at.unwrap_or(now),
                permanent_fix_due: policy.due_at(fix_severity, now),
                stamp,
            });
            next.resume_state = Some(effective_state(record));
            next.state = State::Mitigated;
        }
        Action::RequestRiskAcceptance { reason, expires_at } => {
            c.roles(
                actor,
                &[
                    Role::EngineeringLead,
                    Role::IncidentCommander,
                    Role::ReleaseOwner,
                ],
                "requesting a risk acceptance",
            );
            c.need(text(reason).is_some(), "a reason (--reason)");
            match expires_at {
                None => c.need(false, "an expiry date (--expires)"),
                Some(at) => c.need(*at > now, "the expiry must be in the future"),
            }
            c.finish()?;
            next.risk = Some(RiskAcceptance {
                reason: text(reason).unwrap_or_default().to_owned(),
                expires_at: expires_at.unwrap_or(now),
                requested: stamp,
                approved: None,
            });
        }
        Action::ApproveRiskAcceptance => {
            let approver = if record.severity == Some(Severity::Critical) {
                Role::IncidentCommander
            } else {
                Role::EngineeringLead
            };
            c.roles(actor, &[approver], "approving a risk acceptance");
            match &record.risk {
                Some(r) if r.approved.is_none() => c.need(
                    r.requested.by != by,
                    format!(
                        "a second person: {by} requested it and cannot approve it too (four eyes)"
                    ),
                ),
                _ => c.need(
                    false,
                    "a pending risk-acceptance request (patchwarden patch accept-risk)",
                ),
            }
            c.finish()?;
            if let Some(r) = next.risk.as_mut() {
                r.approved = Some(stamp);
            }
            if record.state != State::RiskAccepted {
                next.resume_state = Some(effective_state(record));
            }
            next.state = State::RiskAccepted;
        }
        Action::ExpireRiskAcceptance => {
            let expiry = record
                .risk
                .as_ref()
                .filter(|r| r.approved.is_some())
                .map(|r| r.expires_at);
            c.need(
                record.state == State::RiskAccepted,
                "the record is not risk-accepted",
            );
            c.need(
                expiry.is_some_and(|at| at <= now),
                "the acceptance has not expired",
            );
            c.finish()?;
            let restarted = expiry.unwrap_or(now);
            next.state = record.resume_state.unwrap_or(State::Detected);
            next.resume_state = None;
            next.risk = None;
            next.clock_started_at = restarted;
            next.sla_breached_at = None;
            next.due_at = next
                .severity
                .map(|s| record.policy.due_on_path(s, record.path(), restarted));
        }
        Action::Dismiss {
            kind,
            justification,
        } => {
            c.roles(
                actor,
                &[Role::EngineeringLead, Role::IncidentCommander],
                "dismissing",
            );
            c.need(
                text(justification).is_some(),
                "a justification (--justification)",
            );
            c.finish()?;
            next.dismissal = Some(Dismissal {
                kind: *kind,
                justification: text(justification).unwrap_or_default().to_owned(),
                stamp,
            });
            next.state = State::Dismissed;
            next.resume_state = None;
        }
        Action::Comment { text: body } => {
            c.roles(
                actor,
                &[
                    Role::EngineeringLead,
                    Role::IncidentCommander,
                    Role::ReleaseOwner,
                ],
                "commenting",
            );
            c.need(!body.trim().is_empty(), "the comment's text");
            c.finish()?;
            next.comments.push(Comment {
                text: body.trim().to_owned(),
                stamp,
            });
        }
        Action::Reevaluate { policy: new_policy } => {
            c.roles(
                actor,
                &[Role::EngineeringLead],
                "re-evaluating under a new policy",
            );
            c.finish()?;
            next.policy = (**new_policy).clone();
            next.due_at = next
                .severity
                .map(|s| new_policy.due_on_path(s, record.path(), record.clock_started_at));
        }
        Action::RecordBreach => {
            c.need(
                record.breach_unrecorded(now),
                "the record is not overdue, or its breach is already recorded",
            );
            c.finish()?;
            next.sla_breached_at = Some(now);
        }
    }
    Ok(next)
}

/// Moves along the main line; a mitigated record stays marked mitigated until it is deployed.
fn advance(next: &mut PatchRecord, to: State) {
    if next.state == State::Mitigated && !matches!(to, State::Deployed | State::Verified) {
        next.resume_state = Some(to);
    } else {
        next.state = to;
        next.resume_state = None;
    }
}
