//! One reader per tool, each following the tool's documented JSON output.

use serde_json::Value;

use crate::node::{Node, parse_json};
use crate::purl::{Purl, ecosystem_of, os_ecosystem};
use crate::{Format, ImportError, Imported, Report, is_vulnerability_id};

/// Which tool wrote a JSON report, from the members only that tool's schema has.
pub fn detect(v: &Value) -> Result<Format, ImportError> {
    let has = |k: &str| v.get(k).is_some();
    let first = v.as_array().and_then(|a| a.first());
    let format = if let Some(first) = first {
        if first.get("security_advisory").is_some() {
            Format::Dependabot
        } else if first.get("vulns").is_some() {
            Format::PipAudit
        } else {
            return Err(ImportError::Unknown("an array of unknown items".into()));
        }
    } else if v.as_array().is_some() {
        return Err(ImportError::Unknown(
            "an empty array: an empty Dependabot or pip-audit report".into(),
        ));
    } else if has("SchemaVersion") && has("ArtifactName") {
        Format::Trivy
    } else if has("matches") && (has("descriptor") || has("source")) {
        Format::Grype
    } else if has("database") && has("lockfile") && has("vulnerabilities") {
        Format::CargoAudit
    } else if has("runs") && has("version") {
        Format::Sarif
    } else if v.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        Format::CycloneDxVex
    } else if has("auditReportVersion") || (has("advisories") && has("metadata")) {
        Format::NpmAudit
    } else if has("dependencies") && (has("fixes") || v["dependencies"].is_array()) {
        Format::PipAudit
    } else if v.get("results").is_some_and(Value::is_array) {
        Format::OsvScanner
    } else {
        return Err(ImportError::Unknown(
            "no member that a known tool writes".into(),
        ));
    };
    Ok(format)
}

fn lower(s: Option<String>) -> Option<String> {
    s.map(|s| s.to_ascii_lowercase())
}

fn without(mut names: Vec<String>, id: &str) -> Vec<String> {
    names.retain(|n| n != id && !n.is_empty());
    names.sort();
    names.dedup();
    names
}

// ---------------------------------------------------------------------------------------------- osv

/// `osv-scanner --format json`: results → packages → vulnerabilities (OSV records) and their groups.
pub fn osv_scanner(root: Node) -> Result<Report, ImportError> {
    let mut report = Report::default();
    for result in root.get("results")?.items()? {
        let location = match result.opt("source") {
            Some(s) => s.opt_string("path")?,
            None => None,
        };
        for entry in result.list("packages")? {
            let package = entry.get("package")?;
            let name = package.string("name")?;
            let version = package.string("version")?;
            let ecosystem = ecosystem_of(&package.string("ecosystem")?);
            let vulns = entry.list("vulnerabilities")?;
            let mut groups: Vec<(Vec<String>, Vec<String>, Option<f64>)> = Vec::new();
            for g in entry.list("groups")? {
                groups.push((
                    g.strings("ids")?,
                    g.strings("aliases")?,
                    g.opt_number("max_severity")?,
                ));
            }
            if groups.is_empty() {
                for v in &vulns {
                    groups.push((vec![v.string("id")?], v.strings("aliases")?, None));
                }
            }
            for (ids, aliases, max_severity) in groups {
                let Some(id) = ids.first().cloned() else {
                    continue;
                };
                let members: Vec<&Node> = vulns
                    .iter()
                    .filter(|v| {
                        v.opt_string("id")
                            .ok()
                            .flatten()
                            .is_some_and(|i| ids.contains(&i))
                    })
                    .collect();
                let mut names: Vec<String> = ids.iter().chain(&aliases).cloned().collect();
                let mut vector = None;
                let mut fixed = Vec::new();
                let mut summary = None;
                for v in &members {
                    names.extend(v.strings("aliases")?);
                    summary = summary.or(v.opt_string("summary")?);
                    for s in v.list("severity")? {
                        if s.string("type")?.starts_with("CVSS") && vector.is_none() {
                            vector = Some(s.string("score")?);
                        }
                    }
                    fixed.extend(osv_fixed(v, &name)?);
                }
                fixed.dedup();
                report.items.push(Imported {
                    aliases: without(names, &id),
                    id,
                    ecosystem: ecosystem.clone(),
                    package: name.clone(),
                    version: version.clone(),
                    severity: None,
                    cvss_vector: vector,
                    cvss_score: max_severity,
                    fixed_versions: fixed,
                    summary,
                    location: location.clone(),
                });
            }
        }
    }
    Ok(report)
}

/// The `fixed` events of an OSV record's entries for this package.
fn osv_fixed(record: &Node, package: &str) -> Result<Vec<String>, ImportError> {
    let mut fixed = Vec::new();
    for affected in record.list("affected")? {
        let named = match affected.opt("package") {
            Some(p) => p.opt_string("name")?.is_none_or(|n| n == package),
            None => true,
        };
        if !named {
            continue;
        }
        for range in affected.list("ranges")? {
            for event in range.list("events")? {
                if let Some(f) = event.opt_string("fixed")? {
                    fixed.push(f);
                }
            }
        }
    }
    Ok(fixed)
}

// ---------------------------------------------------------------------------------------- pip-audit

/// `pip-audit -f json`: `{"dependencies": [{name, version, vulns: [{id, fix_versions, aliases}]}]}`
/// (older releases: the array alone). Skipped dependencies carry a `skip_reason` and no version.
pub fn pip_audit(root: Node) -> Result<Report, ImportError> {
    let deps = match root.value {
        Value::Array(_) => root.items()?,
        _ => root.get("dependencies")?.items()?,
    };
    let mut report = Report::default();
    for dep in deps {
        let name = dep.string("name")?;
        if let Some(reason) = dep.opt_string("skip_reason")? {
            report.skipped.push(format!("{name}: {reason}"));
            continue;
        }
        let version = dep.string("version")?;
        for v in dep.list("vulns")? {
            let id = v.string("id")?;
            report.items.push(Imported {
                aliases: without(v.strings("aliases")?, &id),
                id,
                ecosystem: "PyPI".into(),
                package: name.clone(),
                version: version.clone(),
                fixed_versions: v.strings("fix_versions")?,
                summary: v.opt_string("description")?,
                ..Imported::default()
            });
        }
    }
    Ok(report)
}

// ---------------------------------------------------------------------------------- npm / yarn audit

/// `npm audit --json`: version 2 (npm 7 and later, `auditReportVersion: 2`) lists vulnerable packages
/// with the advisories they are affected by in `via`; version 1 (npm 6) lists advisories with the
/// versions found.
pub fn npm_audit(root: Node) -> Result<Report, ImportError> {
    if root.opt("advisories").is_some() && root.opt("auditReportVersion").is_none() {
        let mut report = Report::default();
        for (_, advisory) in root.get("advisories")?.members()? {
            npm_v1_advisory(&advisory, None, &mut report)?;
        }
        return Ok(report);
    }
    let mut report = Report::default();
    for (name, entry) in root.get("vulnerabilities")?.members()? {
        let location = entry.strings("nodes")?.into_iter().next();
        let fix = match entry.opt("fixAvailable") {
            Some(f) if f.value.is_object() && f.opt_string("name")?.as_deref() == Some(name) => {
                f.opt_string("version")?
            }
            _ => None,
        };
        for via in entry.list("via")? {
            // A string names another vulnerable package this one depends on: reported under that one.
            if via.value.is_string() {
                continue;
            }
            let url = via.opt_string("url")?;
            let ghsa = url
                .as_deref()
                .and_then(|u| u.rsplit('/').next())
                .filter(|id| id.starts_with("GHSA-"))
                .map(str::to_owned);
            let id = match (ghsa, via.opt("source")) {
                (Some(id), _) => id,
                (None, Some(source)) => format!("NPM-{}", source.value),
                (None, None) => {
                    return Err(ImportError::Shape {
                        path: via.path.clone(),
                        message: "an advisory without a url or a source id".into(),
                    });
                }
            };
            let cvss = via.opt("cvss");
            let (vector, score) = match &cvss {
                Some(c) => (
                    c.opt_string("vectorString")?,
                    c.opt_number("score")?.filter(|s| *s > 0.0),
                ),
                None => (None, None),
            };
            report.items.push(Imported {
                id,
                ecosystem: "npm".into(),
                package: via.opt_string("name")?.unwrap_or_else(|| name.to_owned()),
                // npm audit v2 does not say which version is installed: the vulnerable range stands in.
                version: via
                    .opt_string("range")?
                    .or(entry.opt_string("range")?)
                    .unwrap_or_default(),
                severity: lower(via.opt_string("severity")?),
                cvss_vector: vector,
                cvss_score: score,
                fixed_versions: fix.clone().into_iter().collect(),
                summary: via.opt_string("title")?,
                location: location.clone(),
                ..Imported::default()
            });
        }
    }
    Ok(report)
}

/// An npm audit v1 / yarn classic advisory: one item per version found.
fn npm_v1_advisory(
    a: &Node,
    location: Option<String>,
    report: &mut Report,
) -> Result<(), ImportError> {
    let name = a.string("module_name")?;
    let ghsa = a.opt_string("github_advisory_id")?;
    let cves = a.strings("cves")?;
    let id = match (&ghsa, cves.first(), a.opt("id")) {
        (Some(g), _, _) => g.clone(),
        (None, Some(c), _) => c.clone(),
        (None, None, Some(n)) => format!("NPM-{}", n.value),
        (None, None, None) => {
            return Err(ImportError::Shape {
                path: a.path.clone(),
                message: "an advisory without an id".into(),
            });
        }
    };
    let (vector, score) = match a.opt("cvss") {
        Some(c) => (
            c.opt_string("vectorString")?,
            c.opt_number("score")?.filter(|s| *s > 0.0),
        ),
        None => (None, None),
    };
    let fixed: Vec<String> = a
        .opt_string("patched_versions")?
        .and_then(|p| lowest_bound(&p))
        .into_iter()
        .collect();
    let mut names = cves.clone();
    names.extend(ghsa);
    for f in a.list("findings")? {
        let location = location
            .clone()
            .or_else(|| f.strings("paths").ok().and_then(|p| p.into_iter().next()));
        report.items.push(Imported {
            id: id.clone(),
            aliases: without(names.clone(), &id),
            ecosystem: "npm".into(),
            package: name.clone(),
            version: f.string("version")?,
            severity: lower(a.opt_string("severity")?),
            cvss_vector: vector.clone(),
            cvss_score: score,
            fixed_versions: fixed.clone(),
            summary: a.opt_string("title")?,
            location,
        });
    }
    Ok(())
}

/// The version of a `>=1.2.3`-style requirement (`>=4.17.21`, `^0.2.23`), the first of several.
fn lowest_bound(requirement: &str) -> Option<String> {
    let first = requirement
        .split(['|', ','])
        .next()?
        .split_whitespace()
        .next()?;
    let version = first.trim_start_matches(['>', '=', '^', '~']);
    (!version.is_empty() && version.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .then(|| version.to_owned())
}

/// Whether a text is yarn classic's `yarn audit --json` (NDJSON of `{"type": …, "data": …}`).
pub fn is_yarn_ndjson(text: &str) -> bool {
    let Some(first) = text.lines().find(|l| !l.trim().is_empty()) else {
        return false;
    };
    let mut rest = text.lines().filter(|l| !l.trim().is_empty()).skip(1);
    serde_json::from_str::<Value>(first).is_ok_and(|v| {
        v.get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.starts_with("audit"))
            && v.get("data").is_some()
    }) && rest.next().is_none_or(|l| l.trim_start().starts_with('{'))
}

/// `yarn audit --json` (yarn classic): one JSON object per line; `auditAdvisory` lines carry an npm
/// v1 advisory and the dependency path it was found at.
pub fn yarn_audit(text: &str) -> Result<Report, ImportError> {
    let mut report = Report::default();
    let mut seen = std::collections::HashSet::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value = parse_json(line).map_err(|e| match e {
            ImportError::Syntax {
                column, message, ..
            } => ImportError::Syntax {
                line: i + 1,
                column,
                message,
            },
            other => other,
        })?;
        let node = Node {
            value: &value,
            path: format!("line {}", i + 1),
        };
        let kind = node.string("type")?;
        if kind != "auditAdvisory" {
            continue;
        }
        let data = node.get("data")?;
        let path = data.get("resolution")?.opt_string("path")?;
        let mut found = Report::default();
        npm_v1_advisory(&data.get("advisory")?, path, &mut found)?;
        // The same advisory comes once per dependency path: one item per version.
        for item in found.items {
            if seen.insert((item.id.clone(), item.package.clone(), item.version.clone())) {
                report.items.push(item);
            }
        }
    }
    if report.items.is_empty() && !text.lines().any(|l| l.contains("\"auditSummary\"")) {
        return Err(ImportError::Unknown("no yarn audit lines".into()));
    }
    Ok(report)
}

// -------------------------------------------------------------------------------------------- trivy

/// `trivy … --format json`: `Results[]` per target (a lockfile, an OS package database), each with
/// `Vulnerabilities[]`.
pub fn trivy(root: Node) -> Result<Report, ImportError> {
    let os = match root.opt("Metadata").and_then(|m| m.opt("OS")) {
        Some(os) => match (os.opt_string("Family")?, os.opt_string("Name")?) {
            (Some(f), Some(n)) => os_ecosystem(&format!("{f}-{n}")),
            _ => None,
        },
        None => None,
    };
    let mut report = Report::default();
    for result in root.list("Results")? {
        let target = result.opt_string("Target")?;
        let kind = result.opt_string("Type")?.unwrap_or_default();
        let ecosystem = match result.opt_string("Class")?.as_deref() {
            Some("os-pkgs") => os.clone().unwrap_or_else(|| ecosystem_of(&kind)),
            _ => ecosystem_of(&kind),
        };
        for v in result.list("Vulnerabilities")? {
            let id = v.string("VulnerabilityID")?;
            let (mut vector, mut score) = (None, None);
            if let Some(cvss) = v.opt("CVSS") {
                // NVD's first, then any other source's.
                let mut sources = cvss.members()?;
                sources.sort_by_key(|(name, _)| *name != "nvd");
                for (_, s) in sources {
                    if vector.is_none() {
                        vector = s.opt_string("V3Vector")?;
                        score = s.opt_number("V3Score")?;
                    }
                }
            }
            report.items.push(Imported {
                aliases: without(v.strings("VendorIDs")?, &id),
                id,
                ecosystem: ecosystem.clone(),
                package: v.string("PkgName")?,
                version: v.string("InstalledVersion")?,
                severity: lower(v.opt_string("Severity")?).filter(|s| s != "unknown"),
                cvss_vector: vector,
                cvss_score: score,
                fixed_versions: v
                    .opt_string("FixedVersion")?
                    .map(|f| {
                        f.split(',')
                            .map(|s| s.trim().to_owned())
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
                summary: v.opt_string("Title")?,
                location: target.clone(),
            });
        }
    }
    Ok(report)
}

// -------------------------------------------------------------------------------------------- grype

/// `grype … -o json`: `matches[]`, each a vulnerability, its related ids and the artifact.
pub fn grype(root: Node) -> Result<Report, ImportError> {
    let mut report = Report::default();
    for m in root.get("matches")?.items()? {
        let v = m.get("vulnerability")?;
        let artifact = m.get("artifact")?;
        let id = v.string("id")?;
        let purl = artifact.opt_string("purl")?.and_then(|p| Purl::parse(&p));
        let ecosystem = match &purl {
            Some(p) => p.ecosystem.clone(),
            None => ecosystem_of(&artifact.string("type")?),
        };
        let mut names = Vec::new();
        for r in m.list("relatedVulnerabilities")? {
            names.push(r.string("id")?);
        }
        let (mut vector, mut score) = (None, None);
        for c in v.list("cvss")? {
            if vector.is_none() {
                vector = c.opt_string("vector")?;
                score = match c.opt("metrics") {
                    Some(metrics) => metrics.opt_number("baseScore")?,
                    None => None,
                };
            }
        }
        let fixed = match v.opt("fix") {
            Some(f) => f.strings("versions")?,
            None => Vec::new(),
        };
        let location = match artifact.list("locations")?.first() {
            Some(l) => l.opt_string("path")?,
            None => None,
        };
        report.items.push(Imported {
            aliases: without(names, &id),
            id,
            ecosystem,
            package: artifact.string("name")?,
            version: artifact.string("version")?,
            severity: lower(v.opt_string("severity")?)
                .filter(|s| s != "unknown" && s != "negligible"),
            cvss_vector: vector,
            cvss_score: score,
            fixed_versions: fixed,
            summary: v.opt_string("description")?,
            location,
        });
    }
    Ok(report)
}

// -------------------------------------------------------------------------------------- cargo-audit

/// `cargo audit --json`: `vulnerabilities.list[]` with the RustSec advisory and the locked package
/// (informational warnings — unmaintained, unsound, yanked — are not vulnerabilities: skipped).
pub fn cargo_audit(root: Node) -> Result<Report, ImportError> {
    let mut report = Report::default();
    for entry in root.get("vulnerabilities")?.list("list")? {
        let advisory = entry.get("advisory")?;
        let package = entry.get("package")?;
        let id = advisory.string("id")?;
        let patched = match entry.opt("versions") {
            Some(v) => v.strings("patched")?,
            None => Vec::new(),
        };
        report.items.push(Imported {
            aliases: without(advisory.strings("aliases")?, &id),
            id,
            ecosystem: "crates.io".into(),
            package: package.string("name")?,
            version: package.string("version")?,
            cvss_vector: advisory.opt_string("cvss")?,
            fixed_versions: patched.iter().filter_map(|p| lowest_bound(p)).collect(),
            summary: advisory.opt_string("title")?,
            location: Some("Cargo.lock".into()),
            ..Imported::default()
        });
    }
    if let Some(warnings) = root.opt("warnings") {
        for (kind, list) in warnings.members()? {
            for w in list.items()? {
                let id = w
                    .opt("advisory")
                    .and_then(|a| a.opt_string("id").ok().flatten())
                    .unwrap_or_default();
                let name = w.get("package")?.string("name")?;
                report
                    .skipped
                    .push(format!("{kind} {id} {name}").replace("  ", " "));
            }
        }
    }
    Ok(report)
}

// --------------------------------------------------------------------------------------- dependabot

/// The GitHub REST API's Dependabot alerts (`GET /repos/{owner}/{repo}/dependabot/alerts`): an array
/// of alerts; only open ones are findings.
pub fn dependabot(root: Node) -> Result<Report, ImportError> {
    let mut report = Report::default();
    for alert in root.items()? {
        let state = alert.string("state")?;
        let advisory = alert.get("security_advisory")?;
        let ghsa = advisory.string("ghsa_id")?;
        if state != "open" {
            report
                .skipped
                .push(format!("alert {} ({ghsa}): {state}", number(&alert)));
            continue;
        }
        let dependency = alert.get("dependency")?;
        let package = dependency.get("package")?;
        let vulnerable = alert.get("security_vulnerability")?;
        let mut names: Vec<String> = advisory.opt_string("cve_id")?.into_iter().collect();
        for i in advisory.list("identifiers")? {
            names.push(i.string("value")?);
        }
        let (vector, score) = match advisory.opt("cvss") {
            Some(c) => (
                c.opt_string("vector_string")?,
                c.opt_number("score")?.filter(|s| *s > 0.0),
            ),
            None => (None, None),
        };
        let fixed = match vulnerable.opt("first_patched_version") {
            Some(f) => f.opt_string("identifier")?,
            None => None,
        };
        report.items.push(Imported {
            aliases: without(names, &ghsa),
            id: ghsa,
            ecosystem: ecosystem_of(&package.string("ecosystem")?),
            package: package.string("name")?,
            // The API gives the vulnerable range, not the installed version.
            version: vulnerable.string("vulnerable_version_range")?,
            severity: lower(advisory.opt_string("severity")?),
            cvss_vector: vector,
            cvss_score: score,
            fixed_versions: fixed.into_iter().collect(),
            summary: advisory.opt_string("summary")?,
            location: dependency.opt_string("manifest_path")?,
        });
    }
    Ok(report)
}

fn number(alert: &Node) -> String {
    alert
        .opt("number")
        .map_or_else(|| "?".to_owned(), |n| n.value.to_string())
}

// -------------------------------------------------------------------------------------------- sarif

/// SARIF 2.1.0 from any scanner: results whose rule id is a vulnerability id and whose package can be
/// told — from a purl (a logical location or a `purl` property), from `package`/`version` properties,
/// or from Trivy's `Package:` / `Installed Version:` message lines.
pub fn sarif(root: Node) -> Result<Report, ImportError> {
    let mut report = Report::default();
    for run in root.get("runs")?.items()? {
        let driver = run.get("tool")?.get("driver")?;
        let rules = driver.list("rules")?;
        for result in run.list("results")? {
            let rule = match result.opt_string("ruleId")? {
                Some(r) => r,
                None => match result.opt("ruleIndex").and_then(|i| i.value.as_u64()) {
                    Some(i) => rules
                        .get(i as usize)
                        .and_then(|r| r.opt_string("id").ok().flatten())
                        .unwrap_or_default(),
                    None => String::new(),
                },
            };
            if !is_vulnerability_id(&rule) {
                report.skipped.push(format!(
                    "{}: rule {rule:?} is not a vulnerability id",
                    result.path
                ));
                continue;
            }
            let rule_node = rules
                .iter()
                .find(|r| r.opt_string("id").ok().flatten().as_deref() == Some(&rule));
            let message = match result.opt("message") {
                Some(m) => m.opt_string("text")?.unwrap_or_default(),
                None => String::new(),
            };
            let location = result.list("locations")?.into_iter().next();
            let (uri, line, logical) = match &location {
                Some(l) => {
                    let physical = l.opt("physicalLocation");
                    let uri = match physical.as_ref().and_then(|p| p.opt("artifactLocation")) {
                        Some(a) => a.opt_string("uri")?,
                        None => None,
                    };
                    let line = physical
                        .as_ref()
                        .and_then(|p| p.opt("region"))
                        .and_then(|r| r.opt("startLine"))
                        .and_then(|n| n.value.as_u64());
                    let mut logical = Vec::new();
                    for ll in l.list("logicalLocations")? {
                        logical.extend(ll.opt_string("fullyQualifiedName")?);
                        logical.extend(ll.opt_string("name")?);
                    }
                    (uri, line, logical)
                }
                None => (None, None, Vec::new()),
            };
            let props = result.opt("properties");
            let prop = |keys: &[&str]| -> Option<String> {
                let p = props.as_ref()?;
                keys.iter().find_map(|k| p.opt_string(k).ok().flatten())
            };
            let purl = logical
                .iter()
                .cloned()
                .chain(prop(&["purl", "packageUrl"]))
                .find_map(|p| Purl::parse(&p));
            let field = |label: &str| {
                message
                    .lines()
                    .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_owned()))
            };
            let package = purl
                .as_ref()
                .map(|p| p.name.clone())
                .or_else(|| prop(&["package", "packageName", "package_name"]))
                .or_else(|| field("Package:"));
            let version = purl
                .as_ref()
                .and_then(|p| p.version.clone())
                .or_else(|| {
                    prop(&[
                        "version",
                        "installedVersion",
                        "installed_version",
                        "packageVersion",
                    ])
                })
                .or_else(|| field("Installed Version:"));
            let ecosystem = purl
                .as_ref()
                .map(|p| p.ecosystem.clone())
                .or_else(|| prop(&["ecosystem"]).map(|e| ecosystem_of(&e)))
                .or_else(|| uri.as_deref().and_then(ecosystem_of_file));
            let (Some(package), Some(version), Some(ecosystem)) = (package, version, ecosystem)
            else {
                report.skipped.push(format!(
                    "{}: {rule} names no package, version and ecosystem",
                    result.path
                ));
                continue;
            };
            let score = match rule_node.and_then(|r| r.opt("properties")) {
                Some(p) => p.opt_number("security-severity")?,
                None => None,
            };
            let summary = rule_node
                .and_then(|r| r.opt("shortDescription"))
                .and_then(|d| d.opt_string("text").ok().flatten())
                .or_else(|| {
                    message
                        .lines()
                        .next()
                        .map(str::to_owned)
                        .filter(|m| !m.is_empty())
                });
            let fixed = prop(&["fixedVersion", "fixed_version"])
                .map(|f| f.split(',').map(|s| s.trim().to_owned()).collect())
                .or_else(|| {
                    field("Fixed Version:")
                        .map(|f| f.split(',').map(|s| s.trim().to_owned()).collect())
                })
                .unwrap_or_default();
            report.items.push(Imported {
                id: rule,
                ecosystem,
                package,
                version,
                cvss_score: score,
                fixed_versions: fixed,
                summary,
                location: uri.map(|u| match line {
                    Some(l) => format!("{u}:{l}"),
                    None => u,
                }),
                ..Imported::default()
            });
        }
    }
    Ok(report)
}

/// The ecosystem of a lockfile or manifest, by its file name.
fn ecosystem_of_file(uri: &str) -> Option<String> {
    let name = uri.rsplit('/').next()?;
    let eco = match name {
        "package-lock.json"
        | "npm-shrinkwrap.json"
        | "yarn.lock"
        | "pnpm-lock.yaml"
        | "package.json" => "npm",
        "Cargo.lock" | "Cargo.toml" => "crates.io",
        "poetry.lock" | "Pipfile.lock" | "uv.lock" | "pdm.lock" | "pyproject.toml" => "PyPI",
        n if n.starts_with("requirements") && n.ends_with(".txt") => "PyPI",
        "go.mod" | "go.sum" => "Go",
        "Gemfile.lock" => "RubyGems",
        "composer.lock" => "Packagist",
        "pom.xml" | "gradle.lockfile" => "Maven",
        "packages.lock.json" => "NuGet",
        _ => return None,
    };
    Some(eco.to_owned())
}

// ------------------------------------------------------------------------------------ cyclonedx vex

/// A CycloneDX (1.4 and later) BOM's `vulnerabilities[]`, each affecting components by `bom-ref` (or
/// purl); a statement that the product is not affected (or that it was resolved, or a false positive)
/// is not a finding.
pub fn cyclonedx_vex(root: Node) -> Result<Report, ImportError> {
    let mut components = std::collections::HashMap::new();
    let mut stack = root.list("components")?;
    if let Some(meta) = root.opt("metadata").and_then(|m| m.opt("component")) {
        stack.push(meta);
    }
    while let Some(c) = stack.pop() {
        stack.extend(c.list("components")?);
        let purl = c.opt_string("purl")?;
        let parsed = purl.as_deref().and_then(Purl::parse);
        let entry = (parsed, c.opt_string("name")?, c.opt_string("version")?);
        if let Some(r) = c.opt_string("bom-ref")? {
            components.insert(r, entry.clone());
        }
        if let Some(p) = purl {
            components.insert(p, entry);
        }
    }
    let mut report = Report::default();
    for v in root.list("vulnerabilities")? {
        let id = v.string("id")?;
        if let Some(state) = v
            .opt("analysis")
            .map(|a| a.opt_string("state"))
            .transpose()?
            .flatten()
            && matches!(
                state.as_str(),
                "not_affected" | "false_positive" | "resolved" | "resolved_with_pedigree"
            )
        {
            report.skipped.push(format!("{id}: {state}"));
            continue;
        }
        let mut names = Vec::new();
        for r in v.list("references")? {
            names.push(r.string("id")?);
        }
        let (mut vector, mut score, mut label) = (None, None, None);
        for rating in v.list("ratings")? {
            let method = rating.opt_string("method")?.unwrap_or_default();
            if vector.is_none() && method.starts_with("CVSS") && method != "CVSSv2" {
                vector = rating.opt_string("vector")?;
                score = rating.opt_number("score")?;
            }
            label = label
                .or(lower(rating.opt_string("severity")?))
                .filter(|s| s != "unknown" && s != "none");
        }
        for affects in v.list("affects")? {
            let reference = affects.string("ref")?;
            let found = components
                .get(&reference)
                .cloned()
                .or_else(|| Purl::parse(&reference).map(|p| (Some(p), None, None)));
            let Some((purl, name, version)) = found else {
                return Err(ImportError::Shape {
                    path: affects.path.clone(),
                    message: format!("{reference:?} is neither a component's bom-ref nor a purl"),
                });
            };
            let Some(purl) = purl else {
                report.skipped.push(format!(
                    "{id}: {} has no purl to tell its ecosystem",
                    name.unwrap_or(reference)
                ));
                continue;
            };
            let Some(version) = purl.version.clone().or(version) else {
                report
                    .skipped
                    .push(format!("{id}: {} has no version", purl.name));
                continue;
            };
            report.items.push(Imported {
                id: id.clone(),
                aliases: without(names.clone(), &id),
                ecosystem: purl.ecosystem.clone(),
                package: purl.name.clone(),
                version,
                severity: label.clone(),
                cvss_vector: vector.clone(),
                cvss_score: score,
                summary: v.opt_string("description")?.or(v.opt_string("detail")?),
                location: Some(reference),
                ..Imported::default()
            });
        }
    }
    Ok(report)
}
