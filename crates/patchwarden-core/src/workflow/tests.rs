//! The two procedures, sentence by sentence, as cases of the state machine.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::*;
use crate::people::{Person, Role};
use crate::policy::Policy;
use crate::severity::Severity;

fn t(hours: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("time")
        + TimeDelta::hours(hours)
}

fn person(name: &str, roles: &[Role]) -> Person {
    Person {
        name: name.into(),
        email: None,
        roles: roles.to_vec(),
    }
}

struct Team {
    ic: Person,
    lead: Person,
    owner: Person,
    viewer: Person,
    all: Vec<Person>,
}

fn team() -> Team {
    let ic = person("ivy", &[Role::IncidentCommander]);
    let lead = person("leo", &[Role::EngineeringLead]);
    let owner = person("rosa", &[Role::ReleaseOwner]);
    let viewer = person("vic", &[Role::Viewer]);
    let all = vec![ic.clone(), lead.clone(), owner.clone(), viewer.clone()];
    Team {
        ic,
        lead,
        owner,
        viewer,
        all,
    }
}

fn record(severity: Option<Severity>) -> PatchRecord {
    PatchRecord::open(
        7,
        NewRecord {
            title: "django SQL injection".into(),
            asset: "api".into(),
            vulnerability: Some("CVE-2024-0001".into()),
            aliases: vec!["GHSA-xxxx".into()],
            source: RecordSource::Scan,
            links: vec![],
            severity,
            cvss_vector: None,
            cvss_score: None,
            detected_at: t(0),
        },
        &Policy::default(),
    )
}

fn assess() -> Action {
    Action::Assess {
        severity: None,
        reason: None,
        affected_assets: vec![],
        data_at_risk: Some("patient survey answers".into()),
        path: None,
    }
}

fn plan(release_date: Option<DateTime<Utc>>) -> Action {
    Action::Plan {
        release_owner: Some("rosa".into()),
        target_versions: vec!["django@4.2.11".into()],
        rollback_plan: Some("redeploy the previous image".into()),
        tests: vec!["pytest".into(), "playwright".into()],
        planned_release: release_date,
    }
}

fn passing() -> Action {
    Action::Test {
        evidence: vec![TestEvidence {
            file: "junit.xml".into(),
            sha256: "ab".repeat(32),
            flavour: "pytest".into(),
            tests: 120,
            passed: 118,
            failed: 0,
            skipped: 2,
        }],
    }
}

fn deploy() -> Action {
    Action::Deploy {
        reference: Some("PR #42".into()),
    }
}

fn verify() -> Action {
    Action::Verify {
        notes: vec!["production logs and Cloudflare analytics clean for 30 minutes".into()],
        rescan: None,
    }
}

fn step(r: &PatchRecord, a: &Action, who: &Person, team: &Team, at: DateTime<Utc>) -> PatchRecord {
    apply(r, a, Some(who), &team.all, at).unwrap_or_else(|e| panic!("{e}"))
}

fn refused(
    r: &PatchRecord,
    a: &Action,
    who: &Person,
    team: &Team,
    at: DateTime<Utc>,
) -> TransitionError {
    match apply(r, a, Some(who), &team.all, at) {
        Ok(_) => panic!("{} by {} was accepted", a.name(), who.name),
        Err(e) => e,
    }
}

#[test]
fn a_routine_patch_goes_from_detection_to_closed() {
    let tm = team();
    let r = record(Some(Severity::High));
    assert_eq!(
        r.due_at,
        Some(t(24 * 7)),
        "high: within 7 days of detection"
    );
    let r = step(&r, &assess(), &tm.lead, &tm, t(1));
    assert_eq!(
        r.path(),
        Some(PatchPath::Scheduled),
        "high defaults to a scheduled release"
    );
    assert_eq!(
        r.assessment.as_ref().map(|a| a.affected_assets.clone()),
        Some(vec!["api".to_owned()])
    );
    let r = step(&r, &plan(Some(t(48))), &tm.lead, &tm, t(2));
    let r = step(&r, &passing(), &tm.owner, &tm, t(30));
    let r = step(&r, &deploy(), &tm.owner, &tm, t(49));
    assert_eq!(r.postmortem_due, None, "no post-mortem for a routine patch");
    let r = step(&r, &verify(), &tm.owner, &tm, t(50));
    let r = step(
        &r,
        &Action::Close {
            incident_link: None,
            postmortem_link: None,
        },
        &tm.lead,
        &tm,
        t(51),
    );
    assert_eq!(r.state, State::Closed);
    assert!(matches!(r.sla(t(60)), SlaStatus::Met { .. }));
    assert_eq!(r.version, 7, "every step bumps the version");
}

#[test]
fn an_emergency_hotfix_needs_the_ic_approval_before_deploy_and_a_postmortem_within_48_hours() {
    let tm = team();
    let r = record(Some(Severity::Critical));
    assert_eq!(r.due_at, Some(t(48)), "critical: within 48 hours");
    let r = step(&r, &assess(), &tm.ic, &tm, t(1));
    assert_eq!(
        r.path(),
        Some(PatchPath::Emergency),
        "critical takes the emergency path"
    );
    let r = step(&r, &plan(None), &tm.ic, &tm, t(2));
    // "Engineering Lead runs expedited testing."
    let r = step(&r, &passing(), &tm.lead, &tm, t(3));
    assert!(r.tests[0].expedited);
    // "IC approves the hotfix." — not yet: the deploy is refused.
    let e = refused(&r, &deploy(), &tm.owner, &tm, t(4));
    assert!(
        e.problems
            .iter()
            .any(|p| p.contains("Incident Commander's approval")),
        "{e}"
    );
    assert!(e.allowed.contains(&"approve"), "{e}");
    // Only the IC may approve.
    let e = refused(&r, &Action::Approve, &tm.lead, &tm, t(4));
    assert!(e.to_string().contains("leo holds [engineering_lead] but approving an emergency hotfix needs incident_commander"), "{e}");
    let r = step(&r, &Action::Approve, &tm.ic, &tm, t(4));
    // "Release Owner deploys immediately."
    let r = step(&r, &deploy(), &tm.owner, &tm, t(5));
    assert_eq!(
        r.postmortem_due,
        Some(t(53)),
        "post-mortem required within 48 hours of the deploy"
    );
    let r = step(&r, &verify(), &tm.owner, &tm, t(6));
    let close = Action::Close {
        incident_link: Some("https://example.invalid/inc/1".into()),
        postmortem_link: None,
    };
    let e = refused(&r, &close, &tm.ic, &tm, t(7));
    assert!(
        e.problems.iter().any(|p| p.contains("post-mortem link")),
        "{e}"
    );
    let close = Action::Close {
        incident_link: Some("https://example.invalid/inc/1".into()),
        postmortem_link: Some("https://example.invalid/pm/1".into()),
    };
    let r = step(&r, &close, &tm.ic, &tm, t(7));
    assert_eq!(r.state, State::Closed);
}

#[test]
fn a_refusal_lists_everything_missing_and_what_is_allowed_next() {
    let tm = team();
    let r = step(
        &record(Some(Severity::High)),
        &assess(),
        &tm.lead,
        &tm,
        t(1),
    );
    let empty = Action::Plan {
        release_owner: None,
        target_versions: vec![],
        rollback_plan: None,
        tests: vec![],
        planned_release: None,
    };
    let e = refused(&r, &empty, &tm.lead, &tm, t(2));
    assert_eq!(e.problems.len(), 5, "{e}");
    assert_eq!(
        e.to_string(),
        "cannot plan record 7 (assessed): a Release Owner (--release-owner NAME); the patch: target versions (--target NAME@VERSION); \
         a rollback plan (--rollback); the tests required for a safe release (--tests); a planned release date for a scheduled patch (--release-date) \
         — allowed next: assess, plan, mitigate, accept-risk, dismiss, comment"
    );
}

#[test]
fn steps_cannot_be_skipped() {
    let tm = team();
    let r = record(Some(Severity::High));
    let e = refused(&r, &deploy(), &tm.owner, &tm, t(1));
    assert!(
        e.problems
            .iter()
            .any(|p| p == "deploy is not a step from detected"),
        "{e}"
    );
    assert_eq!(
        e.allowed,
        ["assess", "mitigate", "accept-risk", "dismiss", "comment"]
    );
}

#[test]
fn the_release_owner_must_hold_the_role() {
    let tm = team();
    let r = step(
        &record(Some(Severity::High)),
        &assess(),
        &tm.lead,
        &tm,
        t(1),
    );
    let mut p = plan(Some(t(48)));
    if let Action::Plan { release_owner, .. } = &mut p {
        *release_owner = Some("vic".into());
    }
    let e = refused(&r, &p, &tm.lead, &tm, t(2));
    assert!(
        e.problems
            .contains(&"vic does not hold the release_owner role".to_owned()),
        "{e}"
    );
}

#[test]
fn a_scheduled_patch_is_planned_by_the_engineering_lead_only() {
    let tm = team();
    let r = step(
        &record(Some(Severity::Medium)),
        &assess(),
        &tm.lead,
        &tm,
        t(1),
    );
    let e = refused(&r, &plan(Some(t(48))), &tm.ic, &tm, t(2));
    assert!(
        e.to_string().contains("planning needs engineering_lead"),
        "{e}"
    );
}

#[test]
fn tests_below_the_required_pass_rate_are_refused() {
    let tm = team();
    let r = step(
        &record(Some(Severity::High)),
        &assess(),
        &tm.lead,
        &tm,
        t(1),
    );
    let r = step(&r, &plan(Some(t(48))), &tm.lead, &tm, t(2));
    let failing = Action::Test {
        evidence: vec![TestEvidence {
            file: "playwright.xml".into(),
            sha256: "cd".repeat(32),
            flavour: "playwright".into(),
            tests: 40,
            passed: 39,
            failed: 1,
            skipped: 0,
        }],
    };
    let e = refused(&r, &failing, &tm.owner, &tm, t(3));
    assert!(
        e.to_string().contains(
            "playwright.xml: 1 of 40 tests failed — a pass rate of 97.5% is below the required 100%"
        ),
        "{e}"
    );
    let none = Action::Test { evidence: vec![] };
    assert!(
        refused(&r, &none, &tm.owner, &tm, t(3))
            .to_string()
            .contains("test evidence from staging")
    );
    // A routine patch is tested by the Release Owner, not the Engineering Lead.
    let e = refused(&r, &passing(), &tm.lead, &tm, t(3));
    assert!(e.to_string().contains("testing needs release_owner"), "{e}");
}

#[test]
fn verification_waits_for_the_post_deploy_window() {
    let tm = team();
    let mut r = record(Some(Severity::High));
    for (a, who) in [
        (assess(), &tm.lead),
        (plan(Some(t(48))), &tm.lead),
        (passing(), &tm.owner),
        (deploy(), &tm.owner),
    ] {
        r = step(&r, &a, who, &tm, t(10));
    }
    let e = refused(
        &r,
        &verify(),
        &tm.owner,
        &tm,
        t(10) + TimeDelta::minutes(29),
    );
    assert!(
        e.to_string()
            .contains("verification window of 30m runs until 2026-03-02 19:30 UTC"),
        "{e}"
    );
    let no_evidence = Action::Verify {
        notes: vec![" ".into()],
        rescan: None,
    };
    assert!(
        refused(&r, &no_evidence, &tm.owner, &tm, t(11))
            .to_string()
            .contains("evidence: a re-scan")
    );
    let by_scan = Action::Verify {
        notes: vec![],
        rescan: Some(3),
    };
    assert_eq!(
        step(&r, &by_scan, &tm.owner, &tm, t(11)).state,
        State::Verified
    );
}

#[test]
fn a_viewer_can_change_nothing() {
    let tm = team();
    let r = record(Some(Severity::Low));
    for a in [
        assess(),
        Action::Comment { text: "hi".into() },
        Action::Dismiss {
            kind: DismissKind::FalsePositive,
            justification: Some("x".into()),
        },
    ] {
        let e = refused(&r, &a, &tm.viewer, &tm, t(1));
        assert!(e.to_string().contains("vic holds [viewer]"), "{e}");
    }
}

#[test]
fn one_person_holding_several_roles_may_do_all_of_them() {
    let cto = person(
        "cto",
        &[
            Role::IncidentCommander,
            Role::EngineeringLead,
            Role::ReleaseOwner,
        ],
    );
    let tm = Team {
        all: vec![cto.clone()],
        ic: cto.clone(),
        lead: cto.clone(),
        owner: cto.clone(),
        viewer: cto.clone(),
    };
    let mut r = record(Some(Severity::Critical));
    let mut p = plan(None);
    if let Action::Plan { release_owner, .. } = &mut p {
        *release_owner = Some("cto".into());
    }
    for (a, at) in [
        (assess(), 1),
        (p, 2),
        (passing(), 3),
        (Action::Approve, 4),
        (deploy(), 5),
        (verify(), 6),
    ] {
        r = step(&r, &a, &cto, &tm, t(at));
    }
    assert_eq!(r.state, State::Verified);
}

#[test]
fn overriding_the_computed_severity_needs_a_reason_and_recomputes_the_due_date_from_detection() {
    let tm = team();
    let r = record(Some(Severity::Medium));
    assert_eq!(r.due_at, Some(t(24 * 30)));
    let up = Action::Assess {
        severity: Some(Severity::Critical),
        reason: None,
        affected_assets: vec![],
        data_at_risk: Some("card data".into()),
        path: None,
    };
    let e = refused(&r, &up, &tm.lead, &tm, t(5));
    assert!(
        e.to_string()
            .contains("a reason for overriding the computed severity"),
        "{e}"
    );
    let up = Action::Assess {
        severity: Some(Severity::Critical),
        reason: Some("RCE reachable from the public API".into()),
        affected_assets: vec!["api".into(), "worker".into()],
        data_at_risk: Some("card data".into()),
        path: None,
    };
    let r = step(&r, &up, &tm.lead, &tm, t(5));
    assert_eq!(
        r.due_at,
        Some(t(48)),
        "48 hours from detection, not from the assessment"
    );
    assert_eq!(r.path(), Some(PatchPath::Emergency));
    let unknown = record(None);
    let e = refused(&unknown, &assess(), &tm.lead, &tm, t(1));
    assert!(e.to_string().contains("a severity (none is known"), "{e}");
}

#[test]
fn a_mitigation_meets_the_sla_and_the_permanent_fix_gets_the_next_lower_target() {
    let tm = team();
    let r = step(
        &record(Some(Severity::Critical)),
        &assess(),
        &tm.ic,
        &tm,
        t(1),
    );
    let waf = Action::Mitigate {
        control: Some("WAF rule blocking /api/upload".into()),
        evidence: Some("rule id 1234 deployed".into()),
        owner: Some("cto".into()),
        recheck_at: Some(t(24 * 7)),
    };
    let r = step(&r, &waf, &tm.ic, &tm, t(10));
    assert_eq!(r.state, State::Mitigated);
    assert_eq!(
        r.mitigation.as_ref().map(|m| m.permanent_fix_due),
        Some(t(10) + TimeDelta::days(7)),
        "critical → high's 7 days"
    );
    assert!(matches!(r.sla(t(100)), SlaStatus::Met { .. }));
    // Work continues where it was: plan is allowed next.
    assert!(allowed_actions(&r).contains(&"plan"));
    let r = step(&r, &plan(None), &tm.ic, &tm, t(11));
    assert_eq!(
        r.state,
        State::Mitigated,
        "still mitigated until the fix is deployed"
    );
    assert_eq!(r.resume_state, Some(State::Planned));
}

#[test]
fn risk_acceptance_needs_four_eyes_and_reopens_when_it_expires() {
    let tm = team();
    let r = step(
        &record(Some(Severity::High)),
        &assess(),
        &tm.lead,
        &tm,
        t(1),
    );
    let ask = Action::RequestRiskAcceptance {
        reason: Some("internal tool only".into()),
        expires_at: Some(t(24 * 30)),
    };
    let r = step(&r, &ask, &tm.lead, &tm, t(2));
    assert_eq!(r.state, State::Assessed, "not accepted until approved");
    let e = refused(&r, &Action::ApproveRiskAcceptance, &tm.lead, &tm, t(3));
    assert!(
        e.to_string()
            .contains("leo requested it and cannot approve it too (four eyes)"),
        "{e}"
    );
    let other_lead = person("lena", &[Role::EngineeringLead]);
    let r = step(&r, &Action::ApproveRiskAcceptance, &other_lead, &tm, t(3));
    assert_eq!(r.state, State::RiskAccepted);
    assert!(
        apply(&r, &Action::ExpireRiskAcceptance, None, &tm.all, t(24 * 29)).is_err(),
        "not yet expired"
    );
    let r = apply(&r, &Action::ExpireRiskAcceptance, None, &tm.all, t(24 * 31)).expect("expires");
    assert_eq!(r.state, State::Assessed, "re-opens where it was");
    assert_eq!(
        r.clock_started_at,
        t(24 * 30),
        "the SLA clock restarts from the expiry"
    );
    assert_eq!(r.due_at, Some(t(24 * 37)));
}

#[test]
fn accepting_a_critical_risk_needs_the_incident_commander() {
    let tm = team();
    let r = step(
        &record(Some(Severity::Critical)),
        &assess(),
        &tm.ic,
        &tm,
        t(1),
    );
    let ask = Action::RequestRiskAcceptance {
        reason: Some("vendor fix pending".into()),
        expires_at: Some(t(72)),
    };
    let r = step(&r, &ask, &tm.owner, &tm, t(2));
    let e = refused(&r, &Action::ApproveRiskAcceptance, &tm.lead, &tm, t(3));
    assert!(e.to_string().contains("needs incident_commander"), "{e}");
    assert_eq!(
        step(&r, &Action::ApproveRiskAcceptance, &tm.ic, &tm, t(3)).state,
        State::RiskAccepted
    );
}

#[test]
fn dismissing_needs_a_justification_and_ends_the_record() {
    let tm = team();
    let r = record(Some(Severity::High));
    let bare = Action::Dismiss {
        kind: DismissKind::NotAffected,
        justification: None,
    };
    assert!(
        refused(&r, &bare, &tm.lead, &tm, t(1))
            .to_string()
            .contains("a justification")
    );
    let why = Action::Dismiss {
        kind: DismissKind::NotAffected,
        justification: Some("the vulnerable function is never called".into()),
    };
    let r = step(&r, &why, &tm.lead, &tm, t(1));
    assert_eq!(r.state, State::Dismissed);
    assert!(allowed_actions(&r).is_empty());
    assert_eq!(r.sla(t(1000)), SlaStatus::NoTarget);
}

#[test]
fn a_breach_is_recorded_once_when_noticed() {
    let tm = team();
    let r = record(Some(Severity::Critical));
    assert!(
        apply(&r, &Action::RecordBreach, None, &tm.all, t(47)).is_err(),
        "not overdue yet"
    );
    let r = apply(&r, &Action::RecordBreach, None, &tm.all, t(49)).expect("breach");
    assert_eq!(r.sla_breached_at, Some(t(49)));
    assert!(
        apply(&r, &Action::RecordBreach, None, &tm.all, t(50)).is_err(),
        "already recorded"
    );
    assert!(matches!(r.sla(t(50)), SlaStatus::Overdue { .. }));
    assert!(
        apply(&r, &Action::RecordBreach, Some(&tm.lead), &tm.all, t(50)).is_err(),
        "only patchwarden records breaches"
    );
}

#[test]
fn a_policy_change_applies_only_when_the_engineering_lead_re_evaluates() {
    let tm = team();
    let r = record(Some(Severity::High));
    let mut stricter = Policy::default();
    stricter.targets.high = crate::duration::PolicyDuration::days(3);
    let e = refused(
        &r,
        &Action::Reevaluate {
            policy: Box::new(stricter.clone()),
        },
        &tm.owner,
        &tm,
        t(1),
    );
    assert!(e.to_string().contains("needs engineering_lead"), "{e}");
    let r2 = step(
        &r,
        &Action::Reevaluate {
            policy: Box::new(stricter),
        },
        &tm.lead,
        &tm,
        t(1),
    );
    assert_eq!(r.due_at, Some(t(24 * 7)));
    assert_eq!(r2.due_at, Some(t(24 * 3)));
}

#[test]
fn a_high_severity_zero_day_on_the_emergency_path_is_due_in_48_hours_where_the_policy_says_so() {
    let team = team();
    let on_emergency = Action::Assess {
        severity: None,
        reason: None,
        affected_assets: vec![],
        data_at_risk: Some("patient survey answers".into()),
        path: Some(PatchPath::Emergency),
    };
    // The default policy: the path keeps the severity's 7 days.
    let high = record(Some(Severity::High));
    let r = step(&high, &on_emergency, &team.lead, &team, t(1));
    assert_eq!(r.due_at, Some(t(7 * 24)));
    // "[policy.emergency] target = 48h": 48 h from detection, on that path only.
    let mut dspt = Policy::default();
    dspt.emergency.target = Some(crate::PolicyDuration::hours(48));
    let mut high = record(Some(Severity::High));
    high.policy = dspt;
    let r = step(&high, &on_emergency, &team.lead, &team, t(1));
    assert_eq!(r.due_at, Some(t(48)));
    let scheduled = step(&high, &assess(), &team.lead, &team, t(1));
    assert_eq!(scheduled.due_at, Some(t(7 * 24)));
    // Never later than the severity's own target.
    let mut low = record(Some(Severity::Low));
    low.policy.emergency.target = Some(crate::PolicyDuration::days(120));
    let r = step(&low, &on_emergency, &team.lead, &team, t(1));
    assert_eq!(r.due_at, Some(t(90 * 24)));
}

#[test]
fn the_expedited_tester_is_the_role_the_policy_names() {
    let tm = team();
    let mut r = record(Some(Severity::Critical));
    r.policy.emergency.expedited_tester = Role::IncidentCommander;
    let r = step(&r, &assess(), &tm.ic, &tm, t(1));
    let r = step(&r, &plan(None), &tm.ic, &tm, t(2));
    let e = refused(&r, &passing(), &tm.lead, &tm, t(3));
    assert!(e.to_string().contains("testing"), "{e}");
    let tested = step(&r, &passing(), &tm.ic, &tm, t(3));
    assert!(tested.tests[0].expedited);
    let by_owner = step(&r, &passing(), &tm.owner, &tm, t(3));
    assert!(!by_owner.tests[0].expedited);
}

#[test]
fn housekeeping_is_due_exactly_when_a_system_action_applies() {
    let tm = team();
    let open = record(Some(Severity::Critical));
    let assessed = step(
        &record(Some(Severity::High)),
        &assess(),
        &tm.lead,
        &tm,
        t(1),
    );
    let ask = Action::RequestRiskAcceptance {
        reason: Some("internal tool only".into()),
        expires_at: Some(t(24 * 30)),
    };
    let requested = step(&assessed, &ask, &tm.lead, &tm, t(2));
    let other_lead = person("lena", &[Role::EngineeringLead]);
    let accepted = step(
        &requested,
        &Action::ApproveRiskAcceptance,
        &other_lead,
        &tm,
        t(3),
    );
    let breached = apply(&open, &Action::RecordBreach, None, &tm.all, t(49)).expect("breach");
    let dismissed = step(
        &open,
        &Action::Dismiss {
            kind: DismissKind::NotAffected,
            justification: Some("never called".into()),
        },
        &tm.lead,
        &tm,
        t(1),
    );
    for r in [
        &open, &assessed, &requested, &accepted, &breached, &dismissed,
    ] {
        for hours in [0, 47, 49, 24 * 29, 24 * 31, 24 * 60] {
            let any = [Action::ExpireRiskAcceptance, Action::RecordBreach]
                .iter()
                .any(|a| apply(r, a, None, &tm.all, t(hours)).is_ok());
            assert_eq!(
                r.housekeeping_due(t(hours)),
                any,
                "record in {} at {hours} h",
                r.state.as_str()
            );
        }
    }
}
