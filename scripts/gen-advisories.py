#!/usr/bin/env python3
"""Writes a large, realistic OSV zip for benchmarks: N copies of real records.

Copy k of a record has the id `<ID>-c<k>`; for k > 0 every affected package is renamed `<name>-c<k>`, so
copy 0 keeps the real package names (a real lockfile still matches it) and the other copies add advisories
for packages nobody has, like most of a real database. Everything else (aliases, ranges, versions,
severity, sizes) is kept as it is, so the records have the same shapes as the real ones.

    scripts/gen-advisories.py --copies 13 --out /tmp/advisories-200k.zip [ZIP...]

Without ZIPs it reads ../shared/data/osv/*/all.zip. Standard library only.
"""

import argparse
import glob
import json
import os
import sys
import zipfile


def records(paths):
    for path in paths:
        with zipfile.ZipFile(path) as z:
            for name in sorted(z.namelist()):
                if name.endswith(".json"):
                    yield json.loads(z.read(name))


def copy_of(record, k):
    out = dict(record)
    out["id"] = f"{record['id']}-c{k}"
    if k > 0 and isinstance(record.get("affected"), list):
        affected = []
        for entry in record["affected"]:
            entry = dict(entry)
            package = entry.get("package")
            if isinstance(package, dict) and "name" in package:
                package = dict(package)
                package["name"] = f"{package['name']}-c{k}"
                entry["package"] = package
            affected.append(entry)
        out["affected"] = affected
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = sorted(glob.glob(os.path.join(here, "..", "..", "shared", "data", "osv", "*", "all.zip")))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zips", nargs="*", help="OSV all.zip files (default: ../shared/data/osv/*/all.zip)")
    parser.add_argument("--copies", type=int, default=13, help="copies of each record (default 13)")
    parser.add_argument("--out", required=True, help="the zip to write")
    args = parser.parse_args()
    paths = args.zips or default
    if not paths:
        sys.exit("no OSV zips given or found")
    real = list(records(paths))
    tmp = args.out + ".tmp"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for k in range(args.copies):
            for record in real:
                c = copy_of(record, k)
                z.writestr(f"{c['id']}.json", json.dumps(c, indent=2, ensure_ascii=False))
    os.replace(tmp, args.out)
    print(f"{args.out}: {len(real) * args.copies} records ({len(real)} real x {args.copies})", file=sys.stderr)


if __name__ == "__main__":
    main()
