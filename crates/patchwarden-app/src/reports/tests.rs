//! The reports over a small estate: a routine patch closed in time, an emergency hotfix closed late, a
//! dismissal, a mitigation, and a record still overdue.

use chrono::{TimeZone, Utc};
use patchwarden_core::workflow::{NewRecord, TestEvidence, apply};
use patchwarden_core::{Action, Person, Policy, Role};

use super::*;

fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, d, h, m, 0)
        .single()
        .expect("time")
}

/// The moment the reports are made.
fn now() -> DateTime<Utc> {
    at(10, 12, 0)
}

fn team() -> Vec<Person> {
    let p = |name: &str, role| Person {
        name: name.into(),
        email: None,
        roles: vec![role],
    };
    vec![
        p("ivy", Role::IncidentCommander),
        p("leo", Role::EngineeringLead),
        p("rosa", Role::ReleaseOwner),
    ]
}

struct Flow {
    people: Vec<Person>,
    r: PatchRecord,
}

impl Flow {
    fn open(
        id: i64,
        title: &str,
        asset: &str,
        severity: Severity,
        detected: DateTime<Utc>,
    ) -> Self {
        let r = PatchRecord::open(
            id,
            NewRecord {
                title: title.into(),
                asset: asset.into(),
                vulnerability: None,
                aliases: vec![],
                source: RecordSource::Ticket,
                links: vec![],
                severity: Some(severity),
                cvss_vector: None,
                cvss_score: None,
                detected_at: detected,
            },
            &Policy::default(),
        );
        Self { people: team(), r }
    }

    fn step(mut self, who: &str, when: DateTime<Utc>, action: Action) -> Self {
        let actor = self.people.iter().find(|p| p.name == who).cloned();
        self.r = apply(&self.r, &action, actor.as_ref(), &self.people, when).expect("step allowed");
        self
    }

    fn through_test(self, who: &str, t: [DateTime<Utc>; 3]) -> Self {
        self.step(
            who,
            t[0],
            Action::Assess {
                severity: None,
                reason: None,
                affected_assets: vec![],
                data_at_risk: Some("payment metadata".into()),
                path: None,
            },
        )
        .step(
            who,
            t[1],
            Action::Plan {
                release_owner: Some("rosa".into()),
                target_versions: vec!["stripe@9.1.0".into()],
                rollback_plan: Some("revert".into()),
                tests: vec!["pytest".into()],
                planned_release: Some(at(5, 0, 0)),
            },
        )
        .step(
            if who == "ivy" { "leo" } else { "rosa" },
            t[2],
            Action::Test {
                evidence: vec![TestEvidence {
                    file: "reports/pytest.xml".into(),
                    sha256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                        .into(),
                    flavour: "pytest".into(),
                    tests: 3,
                    passed: 2,
                    failed: 0,
                    skipped: 1,
                }],
            },
        )
    }
}

fn routine() -> PatchRecord {
    Flow::open(
        1,
        "Stripe SDK | webhook advisory",
        "api",
        Severity::High,
        at(2, 9, 0),
    )
    .through_test("leo", [at(2, 10, 0), at(2, 11, 0), at(4, 9, 0)])
    .step(
        "rosa",
        at(5, 9, 0),
        Action::Deploy {
            reference: Some("PR #42".into()),
        },
    )
    .step(
        "rosa",
        at(5, 9, 40),
        Action::Verify {
            notes: vec!["logs clean 30 min".into(), "checkout flow validated".into()],
            rescan: Some(17),
        },
    )
    .step(
        "leo",
        at(5, 10, 0),
        Action::Close {
            incident_link: None,
            postmortem_link: None,
        },
    )
    .r
}

fn emergency_late() -> PatchRecord {
    Flow::open(2, "RCE in upload", "api", Severity::Critical, at(2, 9, 0))
        .through_test("ivy", [at(2, 9, 10), at(2, 9, 20), at(4, 10, 0)])
        .step("ivy", at(5, 10, 30), Action::Approve)
        .step(
            "rosa",
            at(5, 11, 0),
            Action::Deploy {
                reference: Some("deploy-991".into()),
            },
        )
        .step(
            "rosa",
            at(5, 11, 40),
            Action::Verify {
                notes: vec!["error rate back to baseline".into()],
                rescan: None,
            },
        )
        .step(
            "ivy",
            at(6, 12, 0),
            Action::Close {
                incident_link: Some("https://example.invalid/inc/9".into()),
                postmortem_link: Some("https://example.invalid/pm/9".into()),
            },
        )
        .r
}

fn dismissed() -> PatchRecord {
    let mut f = Flow::open(
        3,
        "CVE-2099-0001 in example-pkg 1.0",
        "worker",
        Severity::High,
        at(3, 9, 0),
    );
    f.r.vulnerability = Some("CVE-2099-0001".into());
    f.r.aliases = vec!["GHSA-aaaa-bbbb-cccc".into(), "PYSEC-2099-1".into()];
    f.r.cvss_score = Some(7.5);
    f.step(
        "leo",
        at(3, 12, 0),
        Action::Dismiss {
            kind: DismissKind::NotAffected,
            justification: Some("never imported, see \"ADR 12\"\nby the worker".into()),
        },
    )
    .r
}

fn mitigated() -> PatchRecord {
    let mut f = Flow::open(
        4,
        "Auth bypass in admin panel",
        "admin",
        Severity::High,
        at(4, 9, 0),
    );
    f.r.cvss_vector = Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N".into());
    f.r.cvss_score = Some(8.2);
    f.r.links = vec!["https://example.invalid/adv/4".into()];
    f.step(
        "leo",
        at(4, 15, 0),
        Action::Mitigate {
            control: Some("WAF rule blocking /admin outside the VPN".into()),
            evidence: Some("rule 1234".into()),
            owner: Some("leo".into()),
            recheck_at: Some(at(11, 0, 0)),
        },
    )
    .r
}

fn overdue() -> PatchRecord {
    Flow::open(
        5,
        "Stripe webhook library outdated",
        "api",
        Severity::Medium,
        Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0)
            .single()
            .expect("time"),
    )
    .r
}

fn estate() -> Vec<PatchRecord> {
    vec![
        overdue(),
        routine(),
        emergency_late(),
        dismissed(),
        mitigated(),
    ]
}

#[test]
fn durations_read_as_people_write_them() {
    assert_eq!(human(TimeDelta::minutes(45)), "45m");
    assert_eq!(human(TimeDelta::hours(26)), "26h");
    assert_eq!(human(TimeDelta::minutes(26 * 60 + 30)), "26h 30m");
    assert_eq!(human(TimeDelta::hours(96)), "4d");
    assert_eq!(human(TimeDelta::hours(7 * 24 + 3)), "7d 3h");
}

#[test]
fn cells_are_escaped_for_markdown_and_csv() {
    assert_eq!(md_cell("a | b\nc"), "a \\| b<br>c");
    assert_eq!(md_cell("<script>\\"), "&lt;script&gt;\\\\");
    assert_eq!(md_cell("x\r\ny"), "x<br>y");
    assert_eq!(csv_field("plain"), "plain");
    assert_eq!(csv_field("a, b"), "\"a, b\"");
    assert_eq!(csv_field("say \"hi\"\nnow"), "\"say \"\"hi\"\"\nnow\"");
}

#[test]
fn periods_are_half_open_and_read_as_inclusive_days() {
    let p = Period {
        since: Some(at(1, 0, 0)),
        until: Some(at(10, 0, 0)),
    };
    assert!(p.contains(at(1, 0, 0)));
    assert!(p.contains(at(9, 23, 59)));
    assert!(!p.contains(at(10, 0, 0)));
    assert_eq!(p.describe(), "2026-03-01 to 2026-03-09");
    assert_eq!(Period::default().describe(), "all records");
    let last = Period::last_days(90, None, None, now());
    assert_eq!(
        last.describe(),
        "2025-12-10 12:00 UTC to 2026-03-10 12:00 UTC"
    );
}

#[test]
fn the_patch_log_has_one_row_per_record_with_its_sla_and_validation() {
    let log = patch_log(&estate(), Period::default(), now());
    assert_eq!(log.schema, "patchwarden.patch-log/v1");
    assert_eq!(
        log.records.iter().map(|r| r.id).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    let row = |id: i64| &log.records[(id - 1) as usize];

    assert_eq!(row(1).sla.status, "met");
    assert_eq!(row(1).sla.text, "met, 4d early");
    assert_eq!(row(1).resolution.kind, ResolutionKind::Deployed);
    assert_eq!(
        row(1).validation.steps(),
        [
            "tests reports/pytest.xml (pytest): 2/2 passed, 1 skipped, sha256 0123456789ab (rosa)",
            "logs clean 30 min",
            "checkout flow validated",
            "re-scan #17 without the finding",
        ]
    );
    assert_eq!(row(2).sla.status, "missed");
    assert_eq!(row(2).sla.hours, Some(26.0));
    assert_eq!(row(2).sla.text, "missed by 26h");
    assert!(row(2).validation.steps()[0].ends_with(", expedited (leo)"));
    assert_eq!(
        row(2).postmortem_link.as_deref(),
        Some("https://example.invalid/pm/9")
    );
    assert_eq!(row(3).sla.status, "not_applicable");
    assert_eq!(row(3).resolution.kind, ResolutionKind::Dismissed);
    assert_eq!(row(4).sla.text, "met, 6d 18h early");
    assert_eq!(row(4).resolution.kind, ResolutionKind::Mitigated);
    assert_eq!(row(5).sla.text, "OVERDUE by 7d 3h");
    assert_eq!(row(5).resolution.kind, ResolutionKind::Open);

    let s = &log.summary;
    assert_eq!(
        (
            s.records,
            s.by_severity.critical,
            s.by_severity.high,
            s.by_severity.medium
        ),
        (5, 1, 3, 1)
    );
    assert_eq!((s.met, s.missed, s.overdue, s.running), (2, 1, 1, 0));
    assert_eq!(s.within_sla_percent, Some(50.0));
    assert_eq!(
        (s.emergency, s.mitigated, s.dismissed, s.risk_accepted),
        (1, 1, 1, 0)
    );
}

#[test]
fn a_period_keeps_records_opened_remediated_or_closed_in_it() {
    let march_5 = Period {
        since: Some(at(5, 0, 0)),
        until: Some(at(6, 0, 0)),
    };
    let log = patch_log(&estate(), march_5, now());
    assert_eq!(
        log.records.iter().map(|r| r.id).collect::<Vec<_>>(),
        [1, 2],
        "both deployed that day"
    );
    let february = Period {
        since: None,
        until: Some(at(1, 0, 0)),
    };
    let log = patch_log(&estate(), february, now());
    assert_eq!(log.records.iter().map(|r| r.id).collect::<Vec<_>>(), [5]);
}

#[test]
fn the_markdown_log_has_a_title_a_summary_and_an_escaped_table() {
    let md = patch_log_markdown(&patch_log(&estate(), Period::default(), now()));
    assert!(md.starts_with("# Vulnerability patch log: all records\n\nGenerated 2026-03-10 12:00 UTC by patchwarden "), "{md}");
    assert!(
        md.contains("- Records: 5 (critical 1, high 3, medium 1, low 0)\n"),
        "{md}"
    );
    assert!(md.contains("- Within SLA: 2 of 4 with a decided SLA (50.0%); 1 missed, 1 overdue, 0 still running\n"), "{md}");
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| ")).collect();
    assert_eq!(rows.len(), 6, "a header and five rows");
    assert_eq!(
        rows[1],
        "| 1 | Stripe SDK \\| webhook advisory | high | api | 2026-03-02 09:00 | 2026-03-05 09:00 (deployed: PR #42) | met, 4d early | tests reports/pytest.xml (pytest): 2/2 passed, 1 skipped, sha256 0123456789ab (rosa)<br>logs clean 30 min<br>checkout flow validated<br>re-scan #17 without the finding | — | — | closed |"
    );
    assert!(rows[3].contains("| dismissed 2026-03-03 12:00 (not affected: never imported, see \"ADR 12\"<br>by the worker) | n/a (dismissed) |"), "{}", rows[3]);
    assert!(rows[2].ends_with("| https://example.invalid/inc/9 | https://example.invalid/pm/9 | closed (emergency hotfix) |"), "{}", rows[2]);
}

#[test]
fn the_csv_log_is_rfc_4180() {
    let csv = patch_log_csv(&patch_log(&estate(), Period::default(), now()));
    assert!(csv.starts_with("id,title,state,severity,"));
    assert!(csv.ends_with("\r\n"));
    assert!(
        csv.contains(",\"not affected: never imported, see \"\"ADR 12\"\"\nby the worker\","),
        "{csv}"
    );
    assert!(csv.contains("\r\n2,RCE in upload,closed,critical,,api,,emergency,2026-03-02T09:00:00Z,2026-03-04T09:00:00Z,deployed,2026-03-05T11:00:00Z,deploy-991,missed,26.00,missed by 26h,"), "{csv}");
}

#[test]
fn metrics_count_the_open_the_overdue_and_the_time_to_remediate() {
    let m = metrics(&estate(), Period::last_days(90, None, None, now()), now());
    assert_eq!(
        m.open_by_severity.high, 1,
        "the mitigated record still owes its fix"
    );
    assert_eq!(m.open_by_severity.medium, 1);
    assert_eq!((m.overdue_now, m.overdue_records.clone()), (1, vec![5]));
    assert_eq!(m.remediated.high, 2);
    assert_eq!(m.remediated.critical, 1);
    assert_eq!(m.mean_time_to_remediate_hours.critical, Some(74.0));
    assert_eq!(
        m.mean_time_to_remediate_hours.high,
        Some(39.0),
        "(72h + 6h) / 2"
    );
    assert_eq!(m.mean_time_to_remediate_hours.medium, None);
    assert_eq!(
        (m.within_sla.met, m.within_sla.missed, m.within_sla.percent),
        (2, 1, Some(66.7))
    );
    assert_eq!((m.opened, m.closed), (5, 2));
    assert_eq!((m.mitigated, m.risk_accepted, m.dismissed), (1, 0, 1));
    let table = metrics_table(&m);
    assert!(
        table.contains("critical          0           1  74.0h\n"),
        "{table}"
    );
    assert!(table.contains("overdue now            1 (#5)\n"), "{table}");
    assert!(
        table.contains("within SLA             2 of 3 remediated (66.7%)\n"),
        "{table}"
    );
}

#[test]
fn vex_states_dismissed_and_mitigated_records_only() {
    let doc = vex(&estate(), now(), &serial_number(b"seed"));
    assert_eq!(doc["specVersion"], "1.5");
    let vulns = doc["vulnerabilities"].as_array().expect("vulnerabilities");
    assert_eq!(vulns.len(), 2);
    let d = &vulns[0];
    assert_eq!(d["id"], "CVE-2099-0001");
    assert_eq!(d["source"]["name"], "NVD");
    assert_eq!(d["references"][0]["id"], "GHSA-aaaa-bbbb-cccc");
    assert_eq!(
        d["references"][1]["source"]["url"],
        "https://osv.dev/vulnerability/PYSEC-2099-1"
    );
    assert_eq!(d["analysis"]["state"], "not_affected");
    assert_eq!(
        d["analysis"]["detail"],
        "never imported, see \"ADR 12\"\nby the worker"
    );
    assert!(
        d["analysis"].get("justification").is_none(),
        "no justification code is recorded"
    );
    assert_eq!(d["affects"][0]["ref"], "asset:worker");
    assert_eq!(d["ratings"][0]["severity"], "high");
    let m = &vulns[1];
    assert_eq!(m["id"], "PATCHWARDEN-4");
    assert_eq!(m["analysis"]["state"], "exploitable");
    assert_eq!(
        m["analysis"]["response"],
        json!(["workaround_available", "update"])
    );
    assert_eq!(m["workaround"], "WAF rule blocking /admin outside the VPN");
    assert_eq!(m["ratings"][0]["method"], "CVSSv31");
    assert_eq!(m["advisories"][0]["url"], "https://example.invalid/adv/4");
    let refs: Vec<&str> = doc["components"]
        .as_array()
        .expect("components")
        .iter()
        .filter_map(|c| c["bom-ref"].as_str())
        .collect();
    assert_eq!(refs, ["asset:admin", "asset:worker"]);
}

#[test]
fn serial_numbers_are_uuids() {
    let s = serial_number(b"x");
    assert_eq!(s.len(), "urn:uuid:".len() + 36);
    assert_eq!(&s[9 + 14..9 + 15], "4");
    assert_ne!(s, serial_number(b"y"));
}

#[test]
fn output_is_written_atomically_into_new_directories() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("compliance/sub/vulnerability-patch-log.md");
    write_atomic(&target, b"one").expect("write");
    write_atomic(&target, b"two").expect("rewrite");
    assert_eq!(std::fs::read_to_string(&target).expect("read"), "two");
    let names: Vec<_> = std::fs::read_dir(target.parent().expect("parent"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
}
