//! Worked examples from the specifications and well-known vectors, with the
//! scores the specifications (and FIRST's calculators) give.

use patchwarden_cvss::{Cvss, Rating, Scores, Version, parse};

fn cvss(vector: &str) -> Cvss {
    parse(vector).unwrap_or_else(|e| panic!("{vector}: {e}"))
}

fn scores(vector: &str) -> (f64, Option<f64>, Option<f64>) {
    let Scores {
        base,
        temporal,
        environmental,
    } = cvss(vector).scores();
    (base, temporal, environmental)
}

// ---- CVSS v2.0 guide, section 3.3 "Examples" ----

/// 3.3.1 CVE-2002-0392 (Apache chunked encoding): base 7.8, temporal 6.4,
/// environmental 9.2 (high collateral damage, AR:H).
#[test]
fn v2_cve_2002_0392() {
    let base = "AV:N/AC:L/Au:N/C:N/I:N/A:C";
    assert_eq!(scores(base), (7.8, None, None));
    assert_eq!(
        scores(&format!("{base}/E:F/RL:OF/RC:C")),
        (7.8, Some(6.4), None)
    );
    let full = format!("{base}/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H");
    assert_eq!(scores(&full), (7.8, Some(6.4), Some(9.2)));
    assert_eq!(cvss(&full).severity(), Rating::High);
    assert_eq!(cvss(&full).overall_score(), 9.2);
}

/// 3.3.2 CVE-2003-0818 (Microsoft ASN.1): base 10.0, temporal 8.3, environmental 9.0.
#[test]
fn v2_cve_2003_0818() {
    let full = "AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:L";
    assert_eq!(scores(full), (10.0, Some(8.3), Some(9.0)));
}

/// 3.3.3 CVE-2003-0062 (NOD32 buffer overflow): base 6.2, temporal 4.9, environmental 7.5.
#[test]
fn v2_cve_2003_0062() {
    let full = "AV:L/AC:H/Au:N/C:C/I:C/A:C/E:POC/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:M";
    assert_eq!(scores(full), (6.2, Some(4.9), Some(7.5)));
    assert_eq!(cvss(full).severity(), Rating::Medium);
}

#[test]
fn v2_details() {
    // The common NVD vector.
    assert_eq!(scores("AV:N/AC:L/Au:N/C:P/I:P/A:P"), (7.5, None, None));
    // f(Impact) = 0 when Impact = 0; v2 calls 0.0 "low", not "none".
    let zero = cvss("AV:N/AC:L/Au:N/C:N/I:N/A:N/E:H");
    assert_eq!(
        zero.scores(),
        Scores {
            base: 0.0,
            temporal: Some(0.0),
            environmental: None
        }
    );
    assert_eq!(zero.severity(), Rating::Low);
    // ND metrics do not make a score defined.
    assert_eq!(
        scores("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND/CDP:ND"),
        (7.5, None, None)
    );
    // The adjusted base equation goes negative here (−0.2 before CDP lifts it).
    assert_eq!(
        scores("AV:L/AC:H/Au:M/C:P/I:N/A:N/CDP:L/TD:H/CR:L"),
        (0.8, None, Some(0.8))
    );
    // TD:N zeroes the environmental score.
    assert_eq!(
        scores("AV:N/AC:L/Au:N/C:C/I:C/A:C/TD:N"),
        (10.0, None, Some(0.0))
    );
    let v2 = cvss("AV:N/AC:L/Au:N/C:P/I:P/A:P");
    assert_eq!(v2.version(), Version::V2_0);
    assert_eq!(v2.nomenclature(), None);
}

#[test]
fn v2_accepts_a_cvss_2_0_prefix_and_drops_it() {
    let prefixed = cvss("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P");
    assert_eq!(prefixed, cvss("AV:N/AC:L/Au:N/C:P/I:P/A:P"));
    assert_eq!(prefixed.to_string(), "AV:N/AC:L/Au:N/C:P/I:P/A:P");
}

// ---- CVSS v3.1 (specification and the FIRST "Examples" document) ----

#[test]
fn v3_well_known_vectors() {
    // CVE-2014-6271 (Shellshock), v3.1 examples document: 9.8 critical.
    let shellshock = cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_eq!(
        shellshock.scores(),
        Scores {
            base: 9.8,
            temporal: None,
            environmental: None
        }
    );
    assert_eq!(shellshock.severity(), Rating::Critical);
    // CVE-2014-0160 (Heartbleed): 7.5 high.
    assert_eq!(
        scores("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"),
        (7.5, None, None)
    );
    // CVE-2013-1937 (phpMyAdmin reflected XSS): 6.1 medium.
    assert_eq!(
        scores("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"),
        (6.1, None, None)
    );
    // CVE-2013-0375 (MySQL stored SQL injection): 6.4 medium.
    assert_eq!(
        scores("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N"),
        (6.4, None, None)
    );
    // Scope changed, everything high: min(1.08 × (…), 10) = 10.0.
    assert_eq!(
        scores("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"),
        (10.0, None, None)
    );
    // Local privilege escalation: 7.8.
    assert_eq!(
        scores("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"),
        (7.8, None, None)
    );
    // Lowest non-zero region.
    let low = cvss("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N");
    assert_eq!((low.base_score(), low.severity()), (1.6, Rating::Low));
    // No impact: 0.0, rating none.
    let none = cvss("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N");
    assert_eq!((none.base_score(), none.severity()), (0.0, Rating::None));
}

#[test]
fn v3_temporal_and_environmental() {
    // Temporal: Roundup(6.1 × 0.94 × 0.97 × 1) = Roundup(5.56178) = 5.6.
    assert_eq!(
        scores("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N/E:P/RL:W/RC:C"),
        (6.1, Some(5.6), None)
    );
    // Roundup(8.1 × 0.91 × 0.95 × 0.92) = Roundup(6.442…) = 6.5.
    assert_eq!(
        scores("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:U"),
        (8.1, Some(6.5), None)
    );
    // Modified metrics raise a zero base score.
    let raised = cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N/MC:H");
    assert_eq!(
        raised.scores(),
        Scores {
            base: 0.0,
            temporal: None,
            environmental: Some(7.5)
        }
    );
    assert_eq!(raised.severity(), Rating::None);
    assert_eq!(raised.overall_score(), 7.5);
    // X everywhere defines nothing.
    assert_eq!(
        scores("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/RL:X/RC:X/CR:X/MAV:X/MS:X"),
        (9.8, None, None)
    );
}

/// v3.1 changed the scope-changed ModifiedImpact: `(MISS × 0.9731 − 0.02)^13`
/// instead of `(MISS − 0.02)^15`.
#[test]
fn v3_0_and_v3_1_differ_in_the_environmental_equation() {
    let body = "AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N/CR:H/IR:H/AR:H/MS:C/MC:H/MI:H/MA:H";
    let v30 = cvss(&format!("CVSS:3.0/{body}"));
    let v31 = cvss(&format!("CVSS:3.1/{body}"));
    assert_eq!(
        (v30.version(), v31.version()),
        (Version::V3_0, Version::V3_1)
    );
    assert_eq!(
        v30.scores(),
        Scores {
            base: 6.4,
            temporal: None,
            environmental: Some(9.9)
        }
    );
    assert_eq!(
        v31.scores(),
        Scores {
            base: 6.4,
            temporal: None,
            environmental: Some(10.0)
        }
    );
    assert_ne!(v30, v31);

    // …and the other way round.
    let body = "AV:P/AC:H/PR:N/UI:R/S:C/C:L/I:L/A:N/IR:M/MA:H";
    assert_eq!(scores(&format!("CVSS:3.0/{body}")), (3.4, None, Some(6.2)));
    assert_eq!(scores(&format!("CVSS:3.1/{body}")), (3.4, None, Some(6.1)));

    // Base scores never differ.
    for body in [
        "AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
        "AV:A/AC:H/PR:L/UI:R/S:C/C:L/I:N/A:H",
    ] {
        assert_eq!(
            cvss(&format!("CVSS:3.0/{body}")).base_score(),
            cvss(&format!("CVSS:3.1/{body}")).base_score()
        );
    }
}

// ---- CVSS v4.0 (specification and FIRST's v4.0 calculator) ----

#[test]
fn v4_scores() {
    let cases: &[(&str, f64, &str, Rating)] = &[
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
            10.0,
            "CVSS-B",
            Rating::Critical,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            9.3,
            "CVSS-B",
            Rating::Critical,
        ),
        // Threat: unreported exploit maturity lowers the score.
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U",
            8.1,
            "CVSS-BT",
            Rating::High,
        ),
        // Environmental: low requirements.
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:L/IR:L/AR:L",
            8.9,
            "CVSS-BE",
            Rating::High,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/CR:L/IR:L/AR:L/MAV:L",
            6.0,
            "CVSS-BTE",
            Rating::Medium,
        ),
        // Local privilege escalation (v4.0 examples document style): 8.5.
        (
            "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            8.5,
            "CVSS-B",
            Rating::High,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N",
            5.1,
            "CVSS-B",
            Rating::Medium,
        ),
        // Supplemental metrics never change the score nor the nomenclature.
        (
            "CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:P/VC:H/VI:L/VA:N/SC:L/SI:N/SA:N/S:P/AU:Y/U:Red",
            4.3,
            "CVSS-B",
            Rating::Medium,
        ),
        (
            "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N/E:U",
            0.1,
            "CVSS-BT",
            Rating::Low,
        ),
        // No impact at all: 0.0 whatever the rest.
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
            0.0,
            "CVSS-B",
            Rating::None,
        ),
    ];
    for (vector, score, nomenclature, rating) in cases {
        let v4 = cvss(vector);
        assert_eq!(v4.version(), Version::V4_0, "{vector}");
        assert_eq!(
            v4.scores(),
            Scores {
                base: *score,
                temporal: None,
                environmental: None
            },
            "{vector}"
        );
        assert_eq!(v4.overall_score(), *score, "{vector}");
        assert_eq!(v4.nomenclature(), Some(*nomenclature), "{vector}");
        assert_eq!(v4.severity(), *rating, "{vector}");
    }
    // E:X is "not defined": still CVSS-B.
    assert_eq!(
        cvss("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X").nomenclature(),
        Some("CVSS-B")
    );
}

// ---- Shared API ----

#[test]
fn canonical_form_orders_metrics_and_drops_not_defined() {
    let cases = [
        (
            "A:P/I:P/C:P/Au:N/AC:L/AV:N/E:ND/RL:OF",
            "AV:N/AC:L/Au:N/C:P/I:P/A:P/RL:OF",
        ),
        (
            "CVSS:3.1/MAV:N/E:X/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N/CR:H",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/CR:H/MAV:N",
        ),
        (
            "CVSS:4.0/U:Green/S:X/MSI:S/CR:M/E:A/SA:N/SI:N/SC:N/VA:H/VI:H/VC:H/UI:N/PR:N/AT:N/AC:L/AV:N",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/CR:M/MSI:S/U:Green",
        ),
    ];
    for (input, canonical) in cases {
        let parsed = cvss(input);
        assert_eq!(parsed.to_string(), canonical);
        assert_eq!(cvss(canonical), parsed);
    }
}

#[test]
fn version_and_rating_display() {
    assert_eq!(
        [Version::V2_0, Version::V3_0, Version::V3_1, Version::V4_0].map(|v| v.to_string()),
        ["2.0", "3.0", "3.1", "4.0"]
    );
    assert_eq!(
        [
            Rating::None,
            Rating::Low,
            Rating::Medium,
            Rating::High,
            Rating::Critical
        ]
        .map(|r| r.to_string()),
        ["none", "low", "medium", "high", "critical"]
    );
    assert!(Rating::None < Rating::Low && Rating::High < Rating::Critical);
}

#[test]
fn rating_bands_at_their_edges() {
    // v3: 3.9 low / 4.0 medium, 6.9 medium / 7.0 high, 8.9 high / 9.0 critical.
    let cases = [
        (
            "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:L/A:N",
            3.1,
            Rating::Low,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N",
            4.3,
            Rating::Medium,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L",
            7.3,
            Rating::High,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
            7.2,
            Rating::High,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H",
            9.9,
            Rating::Critical,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
            8.8,
            Rating::High,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
            8.8,
            Rating::High,
        ),
        (
            "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H",
            8.1,
            Rating::High,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N",
            8.2,
            Rating::High,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L",
            5.3,
            Rating::Medium,
        ),
        (
            "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H",
            5.5,
            Rating::Medium,
        ),
        (
            "CVSS:3.1/AV:L/AC:H/PR:H/UI:N/S:U/C:L/I:N/A:N",
            1.9,
            Rating::Low,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:L/A:L",
            8.3,
            Rating::High,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N",
            8.6,
            Rating::High,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:L/A:N",
            9.3,
            Rating::Critical,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N",
            9.1,
            Rating::Critical,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:L/A:N",
            7.1,
            Rating::High,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:N/A:N",
            4.3,
            Rating::Medium,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N",
            3.8,
            Rating::Low,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:L",
            6.5,
            Rating::Medium,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N",
            5.4,
            Rating::Medium,
        ),
        (
            "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            8.8,
            Rating::High,
        ),
        (
            "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H",
            7.0,
            Rating::High,
        ),
        (
            "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H",
            7.5,
            Rating::High,
        ),
        (
            "CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H",
            7.5,
            Rating::High,
        ),
        (
            "CVSS:3.1/AV:N/AC:H/PR:H/UI:N/S:U/C:H/I:H/A:H",
            6.6,
            Rating::Medium,
        ),
        (
            "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
            5.5,
            Rating::Medium,
        ),
        (
            "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:N/A:N",
            2.3,
            Rating::Low,
        ),
        (
            "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            6.8,
            Rating::Medium,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
            5.3,
            Rating::Medium,
        ),
        (
            "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
            7.8,
            Rating::High,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H",
            9.6,
            Rating::Critical,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H",
            9.1,
            Rating::Critical,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:L/I:N/A:N",
            2.7,
            Rating::Low,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
            7.5,
            Rating::High,
        ),
        (
            "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:L",
            3.3,
            Rating::Low,
        ),
        (
            "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N",
            3.3,
            Rating::Low,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H",
            6.5,
            Rating::Medium,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:H/A:N",
            6.5,
            Rating::Medium,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N",
            6.5,
            Rating::Medium,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N",
            7.5,
            Rating::High,
        ),
        (
            "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N",
            5.9,
            Rating::Medium,
        ),
        (
            "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N",
            5.9,
            Rating::Medium,
        ),
        (
            "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N",
            3.1,
            Rating::Low,
        ),
        (
            "CVSS:3.1/AV:A/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N",
            3.1,
            Rating::Low,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:N/I:N/A:L",
            2.7,
            Rating::Low,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N",
            5.4,
            Rating::Medium,
        ),
    ];
    for (vector, score, rating) in cases {
        let parsed = cvss(vector);
        assert_eq!(
            (parsed.base_score(), parsed.severity()),
            (score, rating),
            "{vector}"
        );
    }
}
