//! `patchwarden cvss VECTOR`: the scores of a vector, exactly as the FIRST specifications define them, and
//! the severity the team's policy gives that base score.

use std::io::Write;

use anyhow::Context;
use owo_colors::OwoColorize;
use patchwarden_config::Config;
use patchwarden_cvss::Cvss;
use serde::Serialize;

use crate::Outcome;
use crate::cli::{Format, GlobalArgs};
use crate::output::{print_json, severity_style};
use crate::settings;

#[derive(Debug, Serialize)]
struct CvssReport {
    /// "2.0", "3.0", "3.1" or "4.0".
    version: String,
    /// The vector in canonical form.
    vector: String,
    base_score: f64,
    /// The specification's qualitative rating of the base score.
    severity: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    temporal_score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    environmental_score: Option<f64>,
    /// CVSS v4.0 only: which metric groups the score reflects (CVSS-B, CVSS-BT, CVSS-BE, CVSS-BTE).
    #[serde(skip_serializing_if = "Option::is_none")]
    nomenclature: Option<&'static str>,
    /// The severity under the team's policy bands (null: below the lowest band).
    policy_severity: Option<String>,
}

pub fn run(global: &GlobalArgs, vector: &str, format: Format) -> anyhow::Result<Outcome> {
    let cvss: Cvss = vector
        .trim()
        .parse()
        .with_context(|| format!("invalid CVSS vector {:?}", vector.trim()))?;
    let policy = settings::load_config(global)?
        .map(|(_, _, config)| config.policy)
        .unwrap_or_else(|| Config::default().policy);
    let scores = cvss.scores();
    let report = CvssReport {
        version: cvss.version().to_string(),
        vector: cvss.to_string(),
        base_score: scores.base,
        severity: cvss.severity().to_string(),
        temporal_score: scores.temporal,
        environmental_score: scores.environmental,
        nomenclature: cvss.nomenclature(),
        policy_severity: policy
            .severity_for(Some(scores.base), false)
            .map(|s| s.to_string()),
    };
    match format {
        Format::Json => print_json("cvss", &report)?,
        Format::Table => {
            let mut out = anstream::stdout().lock();
            writeln!(
                out,
                "{}  {}",
                format!("CVSS v{}", report.version).bold(),
                report.vector
            )?;
            let label = match report.nomenclature {
                Some(n) => format!("score ({n})"),
                None => "base score".to_owned(),
            };
            writeln!(
                out,
                "{label:<20} {:>4.1}  {}",
                report.base_score, report.severity
            )?;
            if let Some(t) = report.temporal_score {
                writeln!(out, "{:<20} {t:>4.1}", "temporal score")?;
            }
            if let Some(e) = report.environmental_score {
                writeln!(out, "{:<20} {e:>4.1}", "environmental score")?;
            }
            let policy_line = match policy.severity_for(Some(scores.base), false) {
                Some(s) => format!(
                    "{} (remediate within {})",
                    s.style(severity_style(s)),
                    policy.targets.for_severity(s)
                ),
                None => "none (below the lowest band)".to_owned(),
            };
            writeln!(out, "{:<20} {policy_line}", "policy severity")?;
        }
    }
    Ok(Outcome::Ok)
}
