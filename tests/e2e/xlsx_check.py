#!/usr/bin/env python3
"""Checks a PCC return workbook against the long CSV of the same run:
every figure of every measure sheet, as openpyxl reads it (what Excel
would show), equals the CSV's; codes, labels and hidden counts are text
cells, counts and rates numbers; the header row is frozen and filtered.

usage: xlsx_check.py BOOK.xlsx RETURN.csv   (exit 1 and a reason on failure)
"""
import csv
import sys

import openpyxl

book, long_csv = sys.argv[1:3]
want = {}
periods = set()
with open(long_csv, newline="") as f:
    for r in csv.DictReader(f):
        periods.add(r["period"])
        want[(r["period"], r["measure"], r["area_code"], r["breakdown"])] = \
            r["value"]
period = max(periods)
wb = openpyxl.load_workbook(book)
bad = []
measures = sorted({k[1] for k in want})
if sorted(wb.sheetnames) != sorted(["about"] + measures):
    bad.append("sheets %s" % wb.sheetnames)
for m in measures:
    ws = wb[m]
    if ws.freeze_panes != "B2":
        bad.append("%s: panes frozen at %s" % (m, ws.freeze_panes))
    if not ws.auto_filter.ref or not ws.auto_filter.ref.startswith("A1:"):
        bad.append("%s: no filter on the header row" % m)
    head = [c for c in next(ws.iter_rows(min_row=1, max_row=1))]
    codes = []
    for c in head[1:]:
        if c.data_type != "s":
            bad.append("%s: header %s not text" % (m, c.coordinate))
        codes.append(c.value.rsplit("(", 1)[1].rstrip(")"))
    n = 0
    for row in ws.iter_rows(min_row=2):
        b = row[0]
        if b.value is None:
            break
        if b.data_type != "s":
            bad.append("%s: breakdown %s not text" % (m, b.coordinate))
        for code, c in zip(codes, row[1:]):
            v = want.get((period, m, code, b.value))
            if v is None:
                bad.append("%s: %s %s not in the CSV" % (m, code, b.value))
                continue
            n += 1
            if v == "":
                ok = c.value is None
            elif v == "*":
                ok = c.value == "*" and c.data_type == "s"
            else:
                ok = c.data_type == "n" and float(c.value) == float(v)
            if not ok:
                bad.append("%s %s %s: %r in the book, %r in the CSV"
                           % (m, code, b.value, c.value, v))
    if n != sum(1 for k in want if k[0] == period and k[1] == m):
        bad.append("%s: %d cells, the CSV has more" % (m, n))
if bad:
    print("\n".join(bad[:20]))
    sys.exit(1)
