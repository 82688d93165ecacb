//! The machine and document formats of a scan: JSON (`patchwarden.scan/v1`), SARIF 2.1.0 for code
//! scanning, Markdown for a pull-request comment, CSV for spreadsheets.

use std::collections::BTreeMap;
use std::io::Write;

use patchwarden_app::scan::{Finding, ScanResult};
use serde_json::json;

pub fn json(r: &ScanResult, out: &mut impl Write) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, r)?;
    writeln!(out)?;
    Ok(())
}

/// SARIF level for a policy severity: what code scanning shows as error / warning / note.
fn level(severity: &str) -> &'static str {
    match severity {
        "critical" | "high" => "error",
        "medium" => "warning",
        _ => "note",
    }
}

/// `file:line` → (file, line).
fn split_source(source: &str) -> (&str, Option<u64>) {
    match source.rsplit_once(':') {
        Some((file, line)) => match line.parse() {
            Ok(n) => (file, Some(n)),
            Err(_) => (source, None),
        },
        None => (source, None),
    }
}

fn message(f: &Finding) -> String {
    let fix = f.remediation.as_ref().map_or_else(
        || "No fixed version is known.".to_owned(),
        |r| format!("Fixed in {}: {}.", r.version, r.command),
    );
    format!(
        "{}@{} is affected by {}{} ({}{}). {}",
        f.package,
        f.version,
        f.advisory_id,
        if f.aliases.is_empty() {
            String::new()
        } else {
            format!(" / {}", f.aliases.join(", "))
        },
        f.severity,
        if f.kev { ", known exploited" } else { "" },
        fix
    )
}

pub fn sarif(r: &ScanResult, out: &mut impl Write) -> anyhow::Result<()> {
    let mut rules = BTreeMap::new();
    for f in &r.findings {
        rules.entry(f.advisory_id.clone()).or_insert_with(|| {
            let mut properties = json!({ "tags": ["security", "vulnerability", f.ecosystem] });
            if let Some(score) = f.cvss_score {
                // GitHub reads this to rank results.
                properties["security-severity"] = json!(format!("{score:.1}"));
            }
            json!({
                "id": f.advisory_id,
                "name": f.advisory_id,
                "shortDescription": { "text": f.summary.clone().unwrap_or_else(|| format!("{} in {}", f.advisory_id, f.package)) },
                "fullDescription": { "text": f.summary.clone().unwrap_or_else(|| format!("{} in {}", f.advisory_id, f.package)) },
                "helpUri": format!("https://osv.dev/vulnerability/{}", f.advisory_id),
                "help": { "text": format!("See https://osv.dev/vulnerability/{}", f.advisory_id) },
                "defaultConfiguration": { "level": level(&f.severity) },
                "properties": properties,
            })
        });
    }
    let results: Vec<_> = r
        .findings
        .iter()
        .map(|f| {
            let (file, line) = split_source(&f.source);
            let mut region = json!({});
            if let Some(line) = line {
                region = json!({ "startLine": line });
            }
            json!({
                "ruleId": f.advisory_id,
                "level": level(&f.severity),
                "message": { "text": message(f) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": file },
                        "region": region,
                    }
                }],
                "partialFingerprints": {
                    "patchwarden/v1": format!("{}:{}:{}", f.vulnerability, f.ecosystem, f.package),
                },
                "properties": {
                    "severity": f.severity,
                    "kev": f.kev,
                    "due": f.due,
                    "fixed_versions": f.fixed_versions,
                },
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "patchwarden",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://example.invalid/patchwarden",
                    "rules": rules.into_values().collect::<Vec<_>>(),
                }
            },
            "results": results,
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)?;
    Ok(())
}

/// Escapes text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

pub fn markdown(r: &ScanResult, out: &mut impl Write) -> anyhow::Result<()> {
    writeln!(
        out,
        "### patchwarden: {} findings in {} packages ({})",
        r.findings.len(),
        r.packages,
        cell(&r.asset)
    )?;
    writeln!(out)?;
    let unsupported: Vec<_> = r.components.iter().filter(|c| c.needs_action()).collect();
    if !unsupported.is_empty() {
        writeln!(out, "**Unsupported systems**")?;
        writeln!(out)?;
        for c in unsupported {
            writeln!(out, "- {}: {}", c.status, cell(&c.describe()))?;
        }
        writeln!(out)?;
    }
    if r.findings.is_empty() {
        writeln!(out, "No known vulnerabilities.")?;
        return Ok(());
    }
    writeln!(
        out,
        "| Severity | Package | Version | Advisory | Fixed in | Due | Source |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|")?;
    for f in &r.findings {
        writeln!(
            out,
            "| {}{} | {} | {} | {} | {} | {} | `{}` |",
            f.severity,
            if f.kev { " (known exploited)" } else { "" },
            cell(&f.package),
            cell(&f.version),
            cell(
                &std::iter::once(f.advisory_id.clone())
                    .chain(f.aliases.iter().cloned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            cell(
                &f.remediation
                    .as_ref()
                    .map_or_else(|| "—".to_owned(), |r| r.version.clone())
            ),
            f.due
                .map_or_else(|| "—".to_owned(), |d| d.format("%Y-%m-%d").to_string()),
            cell(&f.source)
        )?;
    }
    Ok(())
}

/// A CSV field, quoted when it needs to be (RFC 4180).
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

pub fn csv(r: &ScanResult, out: &mut impl Write) -> anyhow::Result<()> {
    writeln!(
        out,
        "severity,advisory_id,aliases,ecosystem,package,version,fixed_versions,cvss_score,kev,detected_at,due,source"
    )?;
    for f in &r.findings {
        let row = [
            f.severity.clone(),
            f.advisory_id.clone(),
            f.aliases.join(" "),
            f.ecosystem.clone(),
            f.package.clone(),
            f.version.clone(),
            f.fixed_versions.join(" "),
            f.cvss_score.map(|s| format!("{s:.1}")).unwrap_or_default(),
            f.kev.to_string(),
            f.detected_at.to_rfc3339(),
            f.due.map(|d| d.to_rfc3339()).unwrap_or_default(),
            f.source.clone(),
        ];
        writeln!(
            out,
            "{}",
            row.iter().map(|v| field(v)).collect::<Vec<_>>().join(",")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }

    #[test]
    fn sources_split_into_file_and_line() {
        assert_eq!(split_source("poetry.lock:12"), ("poetry.lock", Some(12)));
        assert_eq!(split_source("C:\\x"), ("C:\\x", None));
        assert_eq!(split_source("sbom.json"), ("sbom.json", None));
    }
}
