#!/usr/bin/env python3
"""The peer of `ndx-transform --product pcc-return` in `make bench`.

Computes one measure of metrics.md, cj_in_treatment, straight from the
dataset's CSV (dataset.md section 1) with nothing but the standard csv
module, and prints it in the PCC return's long CSV layout, so that its
lines can be compared with ndx's (run with --disclosure none):

    python3 bench/cj_in_treatment.py --areas schemas/areas.csv \\
        --area Cleveland --quarter 2026Q2 cm.csv

metrics.md: clients (FINITIAL, SINITIAL, DOB, SEX; initials upper-cased)
with at least one CJ episode (RFLS 5, 6, 8, 13, 30, 31, 32, 33 or CJORDER
1-4) in treatment in the period (an intervention with MODST <= end and
MODEND empty or >= start), by the substance group over those episodes'
DRUG1-3, in the row of the LA of the client's latest such episode
(greatest TRIAGED, ties by AGNCY then EPISODID in byte order).  Episodes
whose LA is outside the area are dropped first.

It does not validate: ndx counts valid episodes only, so the two agree on
data that ndx-validate passes whole (ndx-fixtures without --errors).
"""

import argparse
import csv
import sys

CJ_RFLS = {"5", "6", "8", "13", "30", "31", "32", "33"}
CJ_ORDER = {"1", "2", "3", "4"}
OPIATES = {"1000", "1011", "1105"}
ALCOHOL = "7000"
OPIATE, NON_OPIATE, ALC = 1, 2, 4
GROUPS = ["opiate", "non_opiate_only", "alcohol_only",
          "non_opiate_and_alcohol"]


def group(bits):
    if bits & OPIATE:
        return 0
    if bits & ALC and bits & NON_OPIATE:
        return 3
    if bits & ALC:
        return 2
    return 1


def iso(dmy):
    """DD/MM/YYYY as YYYYMMDD, which compares as the dates do."""
    return dmy[6:10] + dmy[3:5] + dmy[0:2]


def quarter(q):
    """2026Q2 -> ("20260701", "20260930"): quarters of financial years."""
    if len(q) != 6 or not q[:4].isdigit() or q[4] not in "Qq" or \
            q[5] not in "1234":
        sys.exit("cj_in_treatment.py: --quarter %s: not YYYYQn" % q)
    year, n = int(q[:4]), int(q[5])
    y, m = (year, 3 * n + 1) if n < 4 else (year + 1, 1)
    last = {4: "0630", 7: "0930", 10: "1231", 1: "0331"}[m]
    return "%04d%02d01" % (y, m), "%04d%s" % (y, last)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", required=True, help="schemas/areas.csv")
    ap.add_argument("--area", required=True)
    ap.add_argument("--quarter", required=True, help="YYYYQn")
    ap.add_argument("csv", help="the dataset's CSV")
    a = ap.parse_args()
    start, end = quarter(a.quarter)

    las, area_name = {}, None
    with open(a.areas, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["area"].lower() == a.area.lower():
                las[row["la"]] = row["name"]
                area_name = row["area"]
    if not las:
        sys.exit("cj_in_treatment.py: %s: no such area" % a.area)

    # person -> [latest (TRIAGED, AGNCY, EPISODID), its LA, group bits]
    people = {}
    with open(a.csv, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        col = {name: i for i, name in enumerate(next(rows))}
        (i_la, i_rfls, i_cjo, i_st, i_en, i_fi, i_si, i_dob, i_sex, i_tri,
         i_ag, i_ep, i_d1, i_d2, i_d3) = (col[n] for n in (
            "LA", "RFLS", "CJORDER", "MODST", "MODEND", "FINITIAL",
            "SINITIAL", "DOB", "SEX", "TRIAGED", "AGNCY", "EPISODID",
            "DRUG1", "DRUG2", "DRUG3"))
        for r in rows:
            la = r[i_la]
            if la not in las:
                continue
            if r[i_rfls] not in CJ_RFLS and r[i_cjo] not in CJ_ORDER:
                continue
            st = r[i_st]
            if not st or iso(st) > end:
                continue
            en = r[i_en]
            if en and iso(en) < start:
                continue
            key = (r[i_fi].upper(), r[i_si].upper(), r[i_dob], r[i_sex])
            bits = 0
            for d in (r[i_d1], r[i_d2], r[i_d3]):
                if d in OPIATES:
                    bits |= OPIATE
                elif d == ALCOHOL:
                    bits |= ALC
                elif d:
                    bits |= NON_OPIATE
            latest = (iso(r[i_tri]), r[i_ag].encode(), r[i_ep].encode())
            p = people.get(key)
            if p is None:
                people[key] = [latest, la, bits]
            else:
                if latest > p[0]:
                    p[0], p[1] = latest, la
                p[2] |= bits

    count = {la: [0] * len(GROUPS) for la in las}
    for _, la, bits in people.values():
        count[la][group(bits)] += 1
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["period", "area_code", "area_name", "measure",
                  "breakdown", "value"])
    total = [0] * len(GROUPS)
    for la in sorted(las):
        for g, name in enumerate(GROUPS):
            out.writerow([a.quarter, la, las[la], "cj_in_treatment", name,
                          count[la][g]])
            total[g] += count[la][g]
        out.writerow([a.quarter, la, las[la], "cj_in_treatment", "total",
                      sum(count[la])])
    for g, name in enumerate(GROUPS):
        out.writerow([a.quarter, "TOTAL", area_name, "cj_in_treatment", name,
                      total[g]])
    out.writerow([a.quarter, "TOTAL", area_name, "cj_in_treatment", "total",
                  sum(total)])


if __name__ == "__main__":
    main()
