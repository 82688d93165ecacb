//! SPDX JSON SBOMs (2.2, 2.3): `packages[]`, each checked through the first of its `externalRefs` with
//! `referenceType: "purl"` whose purl has an OSV ecosystem and a version (see [`crate::cyclonedx`] for
//! how a purl becomes a package). A package without such a purl (a document's root package, a file
//! system, a purl of an unknown type) is reported as [`crate::Unpinned`] `name@versionInfo`, never
//! dropped. The line of a package is the line of its `{`.

use serde_json::Value;

use crate::cyclonedx::{Component, SbomCollector, json_error, json_lines};
use crate::{Format, LockfileParseError, Parsed, other_error};

pub(crate) fn parse(text: &str) -> Result<Parsed, LockfileParseError> {
    let format = Format::SpdxJson;
    let doc: Value = serde_json::from_str(text).map_err(|e| json_error(format, &e))?;
    let lines = json_lines::parse(text);
    let root_line = lines.as_ref().map_or(1, |n| n.line);
    let Some(obj) = doc.as_object() else {
        return Err(other_error(
            format,
            Some(root_line),
            None,
            "expected a JSON object",
        ));
    };
    if !obj.get("spdxVersion").is_some_and(Value::is_string) {
        return Err(other_error(
            format,
            Some(root_line),
            None,
            "not an SPDX document: no `spdxVersion`",
        ));
    }
    let mut out = SbomCollector::default();
    let Some(packages) = obj.get("packages") else {
        return Ok(out.finish());
    };
    let pnode = lines.as_ref().and_then(|n| n.get("packages"));
    let pline = pnode.map_or(root_line, |n| n.line);
    let Some(packages) = packages.as_array() else {
        return Err(other_error(
            format,
            Some(pline),
            None,
            "`packages` is not an array",
        ));
    };
    for (i, package) in packages.iter().enumerate() {
        let line = pnode.and_then(|n| n.index(i)).map_or(pline, |n| n.line);
        let Some(p) = package.as_object() else {
            return Err(other_error(
                format,
                Some(line),
                None,
                "a package is not an object",
            ));
        };
        let purls = p
            .get("externalRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|r| r.get("referenceType").and_then(Value::as_str) == Some("purl"))
            .filter_map(|r| r.get("referenceLocator").and_then(Value::as_str))
            .collect();
        out.add(Component {
            name: p.get("name").and_then(Value::as_str),
            version: p.get("versionInfo").and_then(Value::as_str),
            purls,
            line,
            dev: false,
            optional: false,
        });
    }
    Ok(out.finish())
}
