//! Each reader on a report that follows its tool's documented output, format detection on all of
//! them, and errors that say where a report is malformed.

use patchwarden_imports::{Format, ImportError, Imported, detect, parse};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read(name: &str, format: Format) -> patchwarden_imports::Report {
    let text = fixture(name);
    assert_eq!(detect(&text), Ok(format), "{name} is detected as {format}");
    parse(&text, format).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// (id, package, version) of each item.
fn keys(items: &[Imported]) -> Vec<(&str, &str, &str)> {
    items
        .iter()
        .map(|i| (i.id.as_str(), i.package.as_str(), i.version.as_str()))
        .collect()
}

#[test]
fn osv_scanner_groups_become_one_item_each() {
    let r = read("osv-scanner.json", Format::OsvScanner);
    assert_eq!(
        keys(&r.items),
        [
            ("GHSA-j8r2-6x86-q33q", "requests", "2.28.0"),
            ("PYSEC-2021-109", "django", "3.2.4")
        ]
    );
    let requests = &r.items[0];
    assert_eq!(requests.ecosystem, "PyPI");
    assert_eq!(requests.aliases, ["CVE-2023-32681", "PYSEC-2023-74"]);
    assert_eq!(requests.cvss_score, Some(6.1));
    assert_eq!(
        requests.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N")
    );
    assert_eq!(requests.fixed_versions, ["2.31.0"]);
    assert_eq!(requests.location.as_deref(), Some("/src/api/poetry.lock"));
    let django = &r.items[1];
    assert_eq!(django.cvss_score, None, "an empty max_severity is no score");
    assert_eq!(django.fixed_versions, ["3.1.13", "3.2.5"]);
}

#[test]
fn pip_audit_reads_vulns_and_lists_skipped_dependencies() {
    let r = read("pip-audit.json", Format::PipAudit);
    assert_eq!(
        keys(&r.items),
        [
            ("PYSEC-2023-74", "requests", "2.28.0"),
            ("PYSEC-2021-109", "django", "3.2.4")
        ]
    );
    assert_eq!(
        r.items[0].aliases,
        ["CVE-2023-32681", "GHSA-j8r2-6x86-q33q"]
    );
    assert_eq!(r.items[1].fixed_versions, ["3.1.13", "3.2.5"]);
    assert_eq!(r.skipped.len(), 1);
    assert!(r.skipped[0].starts_with("internal-tools: "));
    // The array alone, as older pip-audit releases write it.
    let old = r#"[{"name": "requests", "version": "2.28.0", "vulns": [{"id": "PYSEC-2023-74", "fix_versions": ["2.31.0"]}]}]"#;
    assert_eq!(detect(old), Ok(Format::PipAudit));
    assert_eq!(parse(old, Format::PipAudit).expect("old").items.len(), 1);
}

#[test]
fn npm_audit_v2_reads_each_advisory_of_each_package() {
    let r = read("npm-audit.json", Format::NpmAudit);
    assert_eq!(
        keys(&r.items),
        [
            ("GHSA-29mw-wpgm-hmr9", "lodash", "<4.17.21"),
            ("GHSA-35jh-r3h4-6jhm", "lodash", "<4.17.21"),
            (
                "GHSA-xvch-5gv4-984h",
                "minimist",
                "<0.2.4 || >=1.0.0 <1.2.6"
            ),
        ],
        "mkdirp is only affected through minimist: not an item of its own"
    );
    let command_injection = &r.items[1];
    assert_eq!(command_injection.severity.as_deref(), Some("high"));
    assert_eq!(command_injection.cvss_score, Some(7.2));
    assert_eq!(command_injection.fixed_versions, ["4.17.21"]);
    assert_eq!(
        command_injection.location.as_deref(),
        Some("node_modules/lodash")
    );
    assert!(
        r.items[2].fixed_versions.is_empty(),
        "fixAvailable: true names no version"
    );
}

#[test]
fn yarn_audit_reads_one_item_per_advisory_and_version() {
    let r = read("yarn-audit.ndjson", Format::YarnAudit);
    assert_eq!(
        keys(&r.items),
        [
            ("GHSA-p6mc-m468-83gw", "lodash", "4.17.15"),
            ("GHSA-xvch-5gv4-984h", "minimist", "1.2.5")
        ],
        "the second path to lodash is the same finding"
    );
    assert_eq!(r.items[0].aliases, ["CVE-2020-8203"]);
    assert_eq!(r.items[0].fixed_versions, ["4.17.19"]);
    assert_eq!(r.items[1].severity.as_deref(), Some("critical"));
}

#[test]
fn trivy_reads_os_and_language_packages() {
    let r = read("trivy.json", Format::Trivy);
    assert_eq!(
        keys(&r.items),
        [
            ("CVE-2024-0727", "libssl3", "3.0.11-1~deb12u2"),
            ("CVE-2021-23337", "lodash", "4.17.20"),
            ("CVE-2020-28500", "lodash", "4.17.20")
        ]
    );
    assert_eq!(r.items[0].ecosystem, "Debian:12", "from the image's OS");
    assert_eq!(r.items[0].severity.as_deref(), Some("low"));
    assert_eq!(r.items[1].ecosystem, "npm");
    assert_eq!(r.items[1].aliases, ["GHSA-35jh-r3h4-6jhm"]);
    assert_eq!(
        r.items[1].cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"),
        "NVD's vector first"
    );
    assert_eq!(
        r.items[1].location.as_deref(),
        Some("app/package-lock.json")
    );
}

#[test]
fn grype_reads_matches_with_their_related_ids() {
    let r = read("grype.json", Format::Grype);
    assert_eq!(
        keys(&r.items),
        [
            ("GHSA-j8r2-6x86-q33q", "requests", "2.28.0"),
            ("CVE-2024-0727", "libssl3", "3.0.11-1~deb12u2")
        ]
    );
    assert_eq!(r.items[0].ecosystem, "PyPI");
    assert_eq!(r.items[0].aliases, ["CVE-2023-32681"]);
    assert_eq!(r.items[0].cvss_score, Some(6.1));
    assert_eq!(r.items[0].severity.as_deref(), Some("medium"));
    assert_eq!(r.items[1].ecosystem, "Debian:12");
    assert_eq!(r.items[1].severity, None, "negligible says nothing");
    assert!(
        r.items[1].aliases.is_empty(),
        "a related id equal to the id is no alias"
    );
}

#[test]
fn cargo_audit_reads_vulnerabilities_and_skips_informational_warnings() {
    let r = read("cargo-audit.json", Format::CargoAudit);
    assert_eq!(
        keys(&r.items),
        [
            ("RUSTSEC-2022-0013", "regex", "1.3.6"),
            ("RUSTSEC-2022-0006", "thread_local", "1.0.1")
        ]
    );
    let regex = &r.items[0];
    assert_eq!(regex.ecosystem, "crates.io");
    assert_eq!(regex.aliases, ["CVE-2022-24713", "GHSA-m5pq-gvj9-9vr8"]);
    assert_eq!(
        regex.fixed_versions,
        ["1.5.5"],
        "from the >=1.5.5 requirement"
    );
    assert_eq!(
        regex.cvss_vector, None,
        "the advisory-db layout made from the OSV data carries no CVSS"
    );
    assert_eq!(r.skipped.len(), 5, "{:?}", r.skipped);
    assert!(
        r.skipped
            .contains(&"unmaintained RUSTSEC-2020-0077 memmap".to_owned())
    );
}

#[test]
fn dependabot_reads_open_alerts_only() {
    let r = read("dependabot.json", Format::Dependabot);
    assert_eq!(
        keys(&r.items),
        [
            ("GHSA-j8r2-6x86-q33q", "requests", ">= 2.3.0, < 2.31.0"),
            ("GHSA-35jh-r3h4-6jhm", "lodash", "< 4.17.21")
        ]
    );
    assert_eq!(r.items[0].ecosystem, "PyPI");
    assert_eq!(r.items[0].aliases, ["CVE-2023-32681"]);
    assert_eq!(r.items[0].fixed_versions, ["2.31.0"]);
    assert_eq!(
        r.items[0].location.as_deref(),
        Some("services/api/requirements.txt")
    );
    assert_eq!(r.skipped, ["alert 9 (GHSA-xpfp-f569-q3p2): dismissed"]);
}

#[test]
fn sarif_takes_vulnerability_results_with_a_package() {
    let r = read("sarif.json", Format::Sarif);
    assert_eq!(
        keys(&r.items),
        [
            ("CVE-2021-23337", "lodash", "4.17.20"),
            ("CVE-2024-0727", "libssl3", "3.0.11-1~deb12u2")
        ]
    );
    assert_eq!(r.items[0].ecosystem, "npm", "from the lockfile's name");
    assert_eq!(r.items[0].cvss_score, Some(7.2));
    assert_eq!(r.items[0].fixed_versions, ["4.17.21"]);
    assert_eq!(
        r.items[0].location.as_deref(),
        Some("app/package-lock.json:1")
    );
    assert_eq!(r.items[1].ecosystem, "Debian:12", "from the purl");
    assert_eq!(r.skipped.len(), 1);
    assert!(r.skipped[0].contains("js/sql-injection"));
}

#[test]
fn cyclonedx_vex_resolves_refs_and_drops_not_affected() {
    let r = read("cyclonedx-vex.json", Format::CycloneDxVex);
    assert_eq!(
        keys(&r.items),
        [
            ("CVE-2021-23337", "lodash", "4.17.20"),
            ("CVE-2017-20162", "ms", "1.0.0")
        ],
        "the nested component is found by its bom-ref"
    );
    assert_eq!(r.items[0].aliases, ["GHSA-35jh-r3h4-6jhm"]);
    assert_eq!(r.items[0].severity.as_deref(), Some("high"));
    assert_eq!(r.items[1].cvss_vector, None);
    assert_eq!(r.skipped, ["CVE-2021-44906: not_affected"]);
}

#[test]
fn a_truncated_report_names_line_and_column() {
    let text = fixture("trivy.json");
    let cut = &text[..text.len() / 2];
    match parse(cut, Format::Trivy) {
        Err(ImportError::Syntax { line, .. }) => assert!(line > 10, "line {line}"),
        other => panic!("expected a syntax error, got {other:?}"),
    }
    assert!(matches!(detect(cut), Err(ImportError::Syntax { .. })));
}

#[test]
fn a_report_of_the_wrong_shape_names_the_value() {
    let text = fixture("trivy.json").replace(
        "\"InstalledVersion\": \"4.17.20\"",
        "\"InstalledVersion\": 4",
    );
    let e = parse(&text, Format::Trivy).expect_err("a number for a version");
    assert_eq!(
        e.to_string(),
        "$.Results[1].Vulnerabilities[0].InstalledVersion: expected a string, found a number"
    );
    let e = parse(r#"{"matches": {}}"#, Format::Grype).expect_err("not an array");
    assert_eq!(
        e.to_string(),
        "$.matches: expected an array, found an object"
    );
    let e = parse(&fixture("pip-audit.json"), Format::Trivy);
    assert_eq!(
        e,
        Ok(patchwarden_imports::Report::default()),
        "no Results: nothing"
    );
    let e = parse(&fixture("pip-audit.json"), Format::Grype).expect_err("another tool's report");
    assert_eq!(e.to_string(), "$: missing \"matches\"");
    assert!(matches!(
        detect(r#"{"hello": 1}"#),
        Err(ImportError::Unknown(_))
    ));
    assert!(matches!(detect("[]"), Err(ImportError::Unknown(_))));
}

#[test]
fn every_reader_survives_every_other_report() {
    let names = [
        "osv-scanner.json",
        "pip-audit.json",
        "cargo-audit.json",
        "npm-audit.json",
        "yarn-audit.ndjson",
        "trivy.json",
        "grype.json",
        "dependabot.json",
        "sarif.json",
        "cyclonedx-vex.json",
    ];
    for name in names {
        let text = fixture(name);
        for format in Format::ALL {
            // An error or a report; never a panic.
            let _ = parse(&text, format);
            for cut in [1, text.len() / 3, text.len() - 1] {
                let _ = parse(&text[..cut], format);
            }
        }
    }
}

proptest::proptest! {
    /// Reports with a value replaced anywhere (a string for a number, an object for an array, …) and
    /// arbitrary text: an error or a report, never a panic.
    #[test]
    fn damaged_reports_never_panic(
        file in 0usize..10,
        at in 0usize..100_000,
        replacement in proptest::sample::select(vec!["null", "1", "\"x\"", "[]", "{}", "[{}]", "{\"a\":[]}", "\"pkg:npm/@\""]),
        noise in ".{0,200}",
    ) {
        let names = [
            "osv-scanner.json", "pip-audit.json", "cargo-audit.json", "npm-audit.json", "yarn-audit.ndjson",
            "trivy.json", "grype.json", "dependabot.json", "sarif.json", "cyclonedx-vex.json",
        ];
        let text = fixture(names[file]);
        // Replace the value after the colon nearest to `at`.
        let colons: Vec<usize> = text.match_indices(':').map(|(i, _)| i).collect();
        let start = colons[at % colons.len()] + 1;
        let end = text[start..].find([',', '\n', '}']).map_or(text.len(), |e| start + e);
        let damaged = format!("{}{replacement}{}", &text[..start], &text[end..]);
        for format in Format::ALL {
            let _ = parse(&damaged, format);
            let _ = parse(&noise, format);
        }
        let _ = detect(&damaged);
        let _ = detect(&noise);
    }
}
