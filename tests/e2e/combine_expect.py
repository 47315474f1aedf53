#!/usr/bin/env python3
"""What the PCC return of several providers' Public Health extracts must
say, worked out from ../shared/spec/metrics.md and exchange.md §7 alone,
without ndx's code: each person (PSEUDO_CLIENT) once, in the LA of their
latest counted episode (greatest TRIAGED; ties by AGNCY, then
PSEUDO_EPISODE, greatest in byte order).

usage: combine_expect.py AREAS.csv AREA LABEL START END EXTRACT.csv...

Prints, in the long CSV layout without disclosure control, the rows of
in_treatment, cj_in_treatment and deaths_in_treatment for the period.
"""
import csv
import sys

CJ_RFLS = {"5", "6", "8", "13", "30", "31", "32", "33"}
CJ_ORDER = {"1", "2", "3", "4"}
GROUPS = ["opiate", "non_opiate_only", "alcohol_only",
          "non_opiate_and_alcohol"]


def iso(dmy):
    if not dmy:
        return ""
    d, m, y = dmy.split("/")
    return "%s-%s-%s" % (y, m, d)


def group(codes):
    codes = {c for c in codes if c}
    if codes & {"1000", "1011", "1105"}:
        return "opiate"
    if "7000" in codes and len(codes) > 1:
        return "non_opiate_and_alcohol"
    if codes == {"7000"}:
        return "alcohol_only"
    return "non_opiate_only"


def main():
    areas, area, label, start, end = sys.argv[1:6]
    las = {}
    with open(areas, newline="") as f:
        for r in csv.DictReader(f):
            if r["area"] == area:
                las[r["la"]] = r["name"]
    # Episodes: (agency, pseudo_episode) -> facts; rows are interventions.
    eps = {}
    for path in sys.argv[6:]:
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                k = (r["AGNCY"], r["PSEUDO_EPISODE"])
                e = eps.setdefault(k, {
                    "person": r["PSEUDO_CLIENT"], "la": r["LA"],
                    "agency": r["AGNCY"], "pe": r["PSEUDO_EPISODE"],
                    "triaged": iso(r["TRIAGED"]),
                    "drugs": {r["DRUG1"], r["DRUG2"], r["DRUG3"]},
                    "cj": r["RFLS"] in CJ_RFLS or r["CJORDER"] in CJ_ORDER,
                    "disd": iso(r["DISD"]), "disrsn": r["DISRSN"],
                    "in": False})
                st, en = iso(r["MODST"]), iso(r["MODEND"])
                if st and st <= end and (not en or en >= start):
                    e["in"] = True
    eps = [e for e in eps.values() if e["la"] in las]

    def client_measure(qualifies):
        people = {}
        for e in eps:
            if qualifies(e):
                people.setdefault(e["person"], []).append(e)
        table = {la: dict.fromkeys(GROUPS, 0) for la in las}
        for es in people.values():
            latest = max(es, key=lambda e: (e["triaged"], e["agency"],
                                            e["pe"]))
            codes = set()
            for e in es:
                codes |= e["drugs"]
            table[latest["la"]][group(codes)] += 1
        return table

    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["period", "area_code", "area_name", "measure",
                  "breakdown", "value"])
    for name, q in (("cj_in_treatment", lambda e: e["in"] and e["cj"]),
                    ("in_treatment", lambda e: e["in"])):
        t = client_measure(q)
        for la in sorted(las) + ["TOTAL"]:
            row = t[la] if la != "TOTAL" else {
                g: sum(t[x][g] for x in las) for g in GROUPS}
            for g in GROUPS + ["total"]:
                v = row[g] if g != "total" else sum(row.values())
                out.writerow([label, la, las.get(la, area), name, g, v])
    deaths = {la: {"cj": 0, "non_cj": 0} for la in las}
    for e in eps:
        if e["disd"] and start <= e["disd"] <= end and e["disrsn"] == "89":
            deaths[e["la"]]["cj" if e["cj"] else "non_cj"] += 1
    for la in sorted(las) + ["TOTAL"]:
        row = deaths[la] if la != "TOTAL" else {
            b: sum(deaths[x][b] for x in las) for b in ("cj", "non_cj")}
        for b in ("cj", "non_cj", "total"):
            v = row[b] if b != "total" else row["cj"] + row["non_cj"]
            out.writerow([label, la, las.get(la, area),
                          "deaths_in_treatment", b, v])


main()
