#!/usr/bin/env python3
"""Checks a datapackage.json against the CSV files beside it, cell by cell.

Usage: datapackage.py DIR

What a Frictionless tool would check, with the standard library only:
the descriptor is a tabular data package; every CSV in DIR is one of its
resources and every resource a file in DIR; each resource's bytes and
sha256 hash are the file's; the header is the schema's field names in
order; every value is missing (""), or matches its field's type (a date in
the field's format, an integer), enum and pattern (matched whole, as
Table Schema does), and maxLength; each enum code has a category label.
Prints one line per problem and exits 1 if there was any.
"""
import csv
import datetime
import hashlib
import json
import os
import re
import sys


def main():
    d = sys.argv[1]
    problems = []

    def bad(msg):
        problems.append(msg)
        print(f"datapackage.py: {msg}")

    with open(os.path.join(d, "datapackage.json"), encoding="utf-8") as f:
        pkg = json.load(f)
    if pkg.get("profile") != "tabular-data-package":
        bad("profile is not tabular-data-package")
    if not re.fullmatch(r"[-a-z0-9._/]+", pkg.get("name", "")):
        bad(f"package name {pkg.get('name')!r} is not a Frictionless name")
    csvs = sorted(f for f in os.listdir(d) if f.endswith(".csv"))
    paths = sorted(r["path"] for r in pkg["resources"])
    if csvs != paths:
        bad(f"resources {paths} but CSV files {csvs}")
    for res in pkg["resources"]:
        path = os.path.join(d, res["path"])
        if not os.path.exists(path):
            continue
        data = open(path, "rb").read()
        if res.get("bytes") != len(data):
            bad(f"{res['path']}: bytes {res.get('bytes')}, file {len(data)}")
        if res.get("hash") != "sha256:" + hashlib.sha256(data).hexdigest():
            bad(f"{res['path']}: hash is not the file's")
        if res.get("profile") != "tabular-data-resource":
            bad(f"{res['path']}: not a tabular-data-resource")
        schema = res["schema"]
        fields = schema["fields"]
        missing = schema.get("missingValues")
        if missing != [""]:
            bad(f"{res['path']}: missingValues {missing}")
        for fd in fields:
            c = fd.get("constraints", {})
            if "enum" in c:
                labels = {x["value"]: x["label"] for x in fd["categories"]}
                for code in c["enum"]:
                    if not labels.get(code):
                        bad(f"{res['path']}: {fd['name']} code {code} "
                            "has no label")
                    elif f"{code} = {labels[code]}" not in fd["description"]:
                        bad(f"{res['path']}: {fd['name']}: the description "
                            f"does not give {code}'s meaning")
            if not fd.get("title"):
                bad(f"{res['path']}: {fd['name']} has no title")
        rows = list(csv.reader(data.decode("utf-8").splitlines()))
        names = [fd["name"] for fd in fields]
        if rows[0] != names:
            bad(f"{res['path']}: header {rows[0]} but fields {names}")
        if res.get("rows") not in (None, len(rows) - 1):
            bad(f"{res['path']}: rows {res.get('rows')}, file "
                f"{len(rows) - 1}")
        errors = 0
        for n, row in enumerate(rows[1:], start=2):
            for fd, v in zip(fields, row):
                why = cell_problem(fd, v)
                if why and errors < 20:
                    bad(f"{res['path']}:{n}: {fd['name']} {v!r}: {why}")
                errors += bool(why)
        if errors >= 20:
            bad(f"{res['path']}: {errors} bad cells in all")
    sys.exit(1 if problems else 0)


def cell_problem(fd, v):
    if v == "":
        return None
    t = fd["type"]
    if t == "date":
        try:
            datetime.datetime.strptime(v, fd["format"])
        except ValueError:
            return f"not a date in {fd['format']}"
    elif t == "integer":
        if not re.fullmatch(r"-?[0-9]+", v):
            return "not an integer"
        if int(v) < fd.get("constraints", {}).get("minimum", int(v)):
            return "below the minimum"
    elif t != "string":
        return f"unexpected type {t}"
    c = fd.get("constraints", {})
    if "enum" in c and v not in c["enum"]:
        return "not in the enum"
    if "pattern" in c:
        # XML Schema regular expressions: \- in a class is a hyphen.
        if not re.fullmatch(c["pattern"], v):
            return f"does not match {c['pattern']}"
    if "maxLength" in c and len(v) > c["maxLength"]:
        return "longer than maxLength"
    return None


main()
