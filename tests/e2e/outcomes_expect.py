#!/usr/bin/env python3
"""The outcome measures an episodes file of dataset version 2 must give,
worked out from ../shared/spec/outcomes.md §4 (and metrics.md's terms)
alone, without ndx's code: the file is read with Python's own XML parser.

usage: outcomes_expect.py AREAS.csv AREA LABEL START END EPISODES.xml
       outcomes_expect.py --persons COHORT START END PSEUDONYMISED.xml

The second form prints the persons (PSEUDO_CLIENT) of the evaluators'
extract of a cohort (§5), those with a consenting episode of it (the
extract has no row without consent, dataset.md R130), one a line,
sorted; the first prints the long CSV layout without disclosure control: for every cohort
(all, hat, cj), item, statistic and area row (the LAs in code order, then
TOTAL), a mean empty where there are no pairs.
"""
import csv
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal, ROUND_HALF_UP

CJ_RFLS = {"5", "6", "8", "13", "30", "31", "32", "33"}
CJ_ORDER = {"1", "2", "3", "4"}
DAYS = ["ALCUSE", "OPIUSE", "CRAUSE", "COCAUSE", "AMPHUSE", "CANNUSE",
        "IVDRGUSE", "SHOTHEFT", "DRGSELL"]
RATINGS = ["PSYHSTAT", "PHSTAT", "QUALLIFE"]
DAY_STATS = ["pairs", "users_at_start", "abstinent", "reduced",
             "mean_start", "mean_latest"]
RATING_STATS = ["pairs", "improved", "mean_start", "mean_latest"]


NS = "{urn:ndx:episodes:1}"


def items(el):
    """The items of a record: {code: text}, absent ones missing."""
    return {c.tag[len(NS):]: (c.text or "") for c in el
            if c.tag.startswith(NS) and c.tag[len(NS)].isupper()}


def mean(total, n):
    if n == 0:
        return ""
    q = (Decimal(total) / Decimal(n)).quantize(Decimal("0.1"),
                                               rounding=ROUND_HALF_UP)
    return str(q)


def pair(e, start, end):
    """The start TOP and the latest review or exit TOP in the period."""
    tops = e["top"]
    starts = [t for t in tops if t.get("TRSTAGE") == "S"]
    later = [t for t in tops if t.get("TRSTAGE") in ("R", "E") and
             start <= t.get("TOPDATE", "") <= end]
    if not starts or not later:
        return None
    return starts[0], max(later, key=lambda t: (t["TOPDATE"],
                                                t.get("TOPID", "")))


def cohorts(e, start, end):
    """The cohorts of a pair episode: all, and hat and cj where it is."""
    row = e["row"]
    hat = any(i.get("MODAL") == "97" and "MODST" in i and
              i["MODST"] <= end and ("MODEND" not in i or
                                     i["MODEND"] >= start)
              for i in e["iv"])
    cj = row.get("RFLS") in CJ_RFLS or row.get("CJORDER") in CJ_ORDER
    return [c for c, m in (("all", True), ("hat", hat), ("cj", cj)) if m]


def episodes_of(path):
    for client in ET.parse(path).getroot().iter(NS + "client"):
        ci = items(client)
        for ep in client.iter(NS + "episode"):
            yield ci, {
                "la": ci.get("LA", ""),
                "row": items(ep),
                "iv": [items(i) for i in ep.iter(NS + "intervention")],
                "top": [items(t) for t in ep.iter(NS + "top")],
            }


def persons():
    cohort, start, end, path = sys.argv[2:6]
    out = set()
    for ci, e in episodes_of(path):
        # Without consent, no row of the episode is in the extract.
        if ci.get("CONSENT") == "N":
            continue
        if pair(e, start, end) and cohort in cohorts(e, start, end):
            out.add(ci["PSEUDO_CLIENT"])
    for p in sorted(out):
        print(p)


def main():
    if sys.argv[1] == "--persons":
        persons()
        return
    areas, area, label, start, end, extract = sys.argv[1:7]
    las = {}
    with open(areas, newline="") as f:
        for r in csv.DictReader(f):
            if r["area"].lower() == area.lower():
                las[r["la"]] = r["name"]
                area = r["area"]
    episodes = [e for _, e in episodes_of(extract) if e["la"] in las]
    # cell[(cohort, item, la)] = [pairs, users, abstinent, reduced,
    # improved, sum_start, sum_latest]
    cell = {}
    for e in episodes:
        p = pair(e, start, end)
        if p is None:
            continue
        s, l = p
        for cohort in cohorts(e, start, end):
            for item in DAYS + RATINGS:
                if item not in s or item not in l:
                    continue
                a, b = int(s[item]), int(l[item])
                c = cell.setdefault((cohort, item, e["la"]),
                                    [0, 0, 0, 0, 0, 0, 0])
                c[0] += 1
                c[5] += a
                c[6] += b
                if item in RATINGS:
                    c[4] += b > a
                elif a >= 1:
                    c[1] += 1
                    c[2] += b == 0
                    c[3] += 2 * b <= a
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["period", "area_code", "area_name", "cohort", "item",
                  "statistic", "value"])
    rows = sorted(las) + ["TOTAL"]
    for cohort in ("all", "hat", "cj"):
        for item in DAYS + RATINGS:
            stats = DAY_STATS if item in DAYS else RATING_STATS
            for stat in stats:
                for la in rows:
                    keys = sorted(las) if la == "TOTAL" else [la]
                    c = [0] * 7
                    for k in keys:
                        v = cell.get((cohort, item, k), [0] * 7)
                        c = [x + y for x, y in zip(c, v)]
                    value = {
                        "pairs": c[0], "users_at_start": c[1],
                        "abstinent": c[2], "reduced": c[3],
                        "improved": c[4],
                        "mean_start": mean(c[5], c[0]),
                        "mean_latest": mean(c[6], c[0]),
                    }[stat]
                    out.writerow([label, la,
                                  area if la == "TOTAL" else las[la],
                                  cohort, item, stat, value])


if __name__ == "__main__":
    main()
