#!/usr/bin/env python3
"""Score CVSS vectors with the reference implementation, the PyPI package `cvss`.

Used by crates/patchwarden-cvss/tests/differential.rs, which pins cvss==3.4:

    python3 -m venv .venv && .venv/bin/pip install cvss==3.4

Reads vectors on stdin, one per line (UTF-8, "\\n"-separated; a final newline is
optional), and prints one JSON object per input line, in order:

    {"ok": true, "version": "3.1", "base": 9.8, "temporal": 9.8,
     "environmental": 9.8, "severity": "critical", "clean": "CVSS:3.1/..."}
    {"ok": false, "error": "CVSS3MalformedError: ..."}

How a line is dispatched: "CVSS:4..." -> CVSS4, any other "CVSS:..." -> CVSS3
(which rejects unknown versions), anything else -> CVSS2. Scores are what the
reference computes: v3 temporal/environmental are always present, v2 ones are
null when not defined, v4 has only "base" (the v4 score). "severity" is the
lowercased rating of the base score. "clean" is the reference's normalized
vector (X/ND dropped, its preferred order).

`--version` prints the installed cvss version and exits.
"""

import json
import sys


def score(line, CVSS2, CVSS3, CVSS4):
    if line.startswith("CVSS:4"):
        c = CVSS4(line)
        version = "4.0"
        base, temporal, environmental = c.base_score, None, None
        severity = c.severity
    else:
        if line.startswith("CVSS:"):
            c = CVSS3(line)
            version = "3.%d" % c.minor_version
        else:
            c = CVSS2(line)
            version = "2.0"
        base, temporal, environmental = c.scores()
        severity = c.severities()[0]
    return {
        "ok": True,
        "version": version,
        "base": base,
        "temporal": temporal,
        "environmental": environmental,
        "severity": severity.lower(),
        "clean": c.clean_vector(),
    }


def main():
    try:
        import cvss
        from cvss import CVSS2, CVSS3, CVSS4
    except ImportError as e:
        sys.stderr.write(
            "cannot import the reference package `cvss` (%s); install it with:\n"
            "  scripts/install-references\n"
            "or\n"
            "  python3 -m venv .venv && .venv/bin/pip install cvss==3.4\n" % e
        )
        return 3
    if sys.argv[1:] == ["--version"]:
        print(cvss.__version__)
        return 0

    data = sys.stdin.buffer.read().decode("utf-8")
    lines = data.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out = []
    for line in lines:
        try:
            result = score(line, CVSS2, CVSS3, CVSS4)
        except Exception as e:  # the reference's own errors and any crash alike
            result = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        out.append(json.dumps(result))
    sys.stdout.write("\n".join(out) + ("\n" if out else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
