#!/usr/bin/env python3
"""The peer of `ndx-pseudonymise` + `ndx-transform --product public-health`.

Writes the Public Health extract (dataset.md section 6) straight from the
dataset's CSV (section 1) with nothing but the standard csv, hmac and
hashlib modules (and argparse, operator, sys), so that `make bench` can
time the two ndx programs together beside it:

    python3 bench/public_health.py --key-file KEY -o public-health.csv cm.csv

One row per CSV row (an intervention, or an episode without one), except
that episodes with CONSENT = N are left out (R130).  The columns are
section 6's, in its order; every value is double-quoted and lines end in
LF, as ndx writes them (section 1), under an unquoted header:

- PSEUDO_CLIENT: lower-case hex of the first 16 bytes of
  HMAC-SHA-256(key, "client:" FINITIAL SINITIAL DOB-as-YYYYMMDD SEX),
  initials upper-cased (ASCII only);
- PSEUDO_EPISODE: the same of "episode:" AGNCY ":" EPISODID;
- the key: the key file's 64 hexadecimal digits (32 bytes), the format
  `ndx-pseudonymise keygen` writes;
- AGE_AT_TRIAGE: whole years from DOB to TRIAGED (the birthday counts on
  its day; 29 February's in a common year on 1 March); AGE_BAND its band;
- PC_DISTRICT: the outward code of PC, empty for ZZ99 3VZ or no PC;
- SUBSTANCE_GROUP: metrics.md's group over the episode's DRUG1-3.

It does not validate, normalise or de-duplicate anything: ndx-validate's
output is what ndx reads, so the two agree on data that ndx-validate
passes whole with no warning that changes a value (ndx-fixtures without
--errors).  Nor does it measure the disclosure risk (exchange.md section
8), which ndx-transform does in the same pass.

Rows come out in the CSV's order; ndx writes them in its episodes XML's
(AGNCY, CLIENTID, EPISODID, then the CSV's order).  On ndx-fixtures' CSV
the two are the same, and the derivation above is the spec's, so
bench/run.sh compares the whole extract with ndx's byte for byte, not
only its row count (sorted, when the order alone differs).  The pseudonym
of dataset.md's test vector (key 00 01 ... 1f, J S 1980-03-07 M) is
3e0ae1066e3bc064ce0fd70e2e9a1fab, as ndx's.
"""

import argparse
import csv
import hashlib
import hmac
import operator
import sys

COLUMNS = ["PSEUDO_CLIENT", "PSEUDO_EPISODE", "AGNCY", "AGE_AT_TRIAGE",
           "AGE_BAND", "SEX", "ETHNIC", "LA", "PC_DISTRICT", "REFLD",
           "TRIAGED", "RFLS", "DRUG1", "DRUG2", "DRUG3", "SUBSTANCE_GROUP",
           "ROUTE", "INJSTAT", "ACCMNEED", "EMPSTAT", "PRNTSTAT", "CJORDER",
           "PRISREL", "DISD", "DISRSN", "MODID", "MODAL", "MODSET",
           "REFMODDT", "MODST", "MODEND", "MODEXIT"]
# Every column of the CSV it reads (section 1; R104's missing optional
# columns are not handled: ndx-fixtures writes them all).
NEEDED = ["AGNCY", "FINITIAL", "SINITIAL", "DOB", "SEX", "ETHNIC", "LA",
          "PC", "CONSENT", "EPISODID", "REFLD", "TRIAGED", "RFLS", "DRUG1",
          "DRUG2", "DRUG3"]
# The columns after SUBSTANCE_GROUP, copied as they are.
TAIL = COLUMNS[COLUMNS.index("SUBSTANCE_GROUP") + 1:]
OPIATES = {"1000", "1011", "1105"}
ALCOHOL = "7000"
NO_FIXED_ABODE = "ZZ99 3VZ"
# Lower bounds, descending, and their labels.
BANDS = [(65, "65+"), (55, "55-64"), (50, "50-54"), (45, "45-49"),
         (40, "40-44"), (35, "35-39"), (30, "30-34"), (25, "25-29"),
         (18, "18-24")]
UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz",
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def die(msg):
    sys.exit("public_health.py: " + msg)


def read_key(path):
    with open(path, "rb") as f:
        text = f.read()
    if len(text) != 65 or text[64:] != b"\n":
        die("%s: not 64 hexadecimal digits and a newline" % path)
    try:
        return bytes.fromhex(text[:64].decode("ascii"))
    except ValueError:
        die("%s: not 64 hexadecimal digits and a newline" % path)


def age_band(age):
    for low, label in BANDS:
        if age >= low:
            return label
    return ""


def substance_group(codes):
    seen_alcohol = seen_other = False
    for d in codes:
        if not d:
            continue
        if d in OPIATES:
            return "opiate"
        if d == ALCOHOL:
            seen_alcohol = True
        else:
            seen_other = True
    if seen_alcohol and seen_other:
        return "non_opiate_and_alcohol"
    if seen_alcohol:
        return "alcohol_only"
    if seen_other:
        return "non_opiate_only"
    return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--key-file", required=True,
                    help="64 hexadecimal digits and a newline")
    ap.add_argument("-o", dest="out", default="-", help="output (- stdout)")
    ap.add_argument("csv", help="the dataset's CSV")
    a = ap.parse_args()
    key = read_key(a.key_file)
    # HMAC keyed once; each pseudonym copies the keyed state.
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    # A client's and an episode's rows repeat their items: the pseudonyms
    # and derived items of the row before serve while they stay the same.
    last_client = last_episode = last_derived = None
    p_client = p_episode = derived = None

    out = sys.stdout if a.out == "-" else \
        open(a.out, "w", newline="", encoding="utf-8")
    with open(a.csv, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        col = {name: i for i, name in enumerate(next(rows))}
        for name in NEEDED + TAIL:
            if name not in col:
                die("%s: no %s column" % (a.csv, name))
        (i_ag, i_fi, i_si, i_dob, i_sex, i_eth, i_la, i_pc, i_con, i_ep,
         i_ref, i_tri, i_rfls, i_d1, i_d2, i_d3) = (col[n] for n in NEEDED)
        tail = operator.itemgetter(*(col[n] for n in TAIL))

        w = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        out.write(",".join(COLUMNS) + "\n")
        n = 0
        for r in rows:
            if r[i_con] == "N":
                continue
            dob = r[i_dob]
            client = (r[i_fi], r[i_si], dob, r[i_sex])
            if client != last_client:
                m = keyed.copy()
                m.update(("client:" + client[0].translate(UPPER) +
                          client[1].translate(UPPER) + dob[6:10] +
                          dob[3:5] + dob[0:2] + client[3]).encode())
                p_client = m.hexdigest()[:32]
                last_client = client
            episode = (r[i_ag], r[i_ep])
            if episode != last_episode:
                m = keyed.copy()
                m.update(("episode:" + episode[0] + ":" +
                          episode[1]).encode())
                p_episode = m.hexdigest()[:32]
                last_episode = episode
            tri, pc = r[i_tri], r[i_pc]
            drugs = (r[i_d1], r[i_d2], r[i_d3])
            key_d = (dob, tri, pc, drugs)
            if key_d != last_derived:
                # Whole years; the birthday counts from its day (29/02's
                # in a common year from 01/03, which compares after).
                age = int(tri[6:10]) - int(dob[6:10])
                if (tri[3:5], tri[0:2]) < (dob[3:5], dob[0:2]):
                    age -= 1
                sp = pc.find(" ")
                district = pc[:sp] if pc != NO_FIXED_ABODE and sp > 0 \
                    else ""
                derived = (str(age), age_band(age), district,
                           substance_group(drugs))
                last_derived = key_d
            w.writerow((p_client, p_episode, r[i_ag], derived[0],
                        derived[1], r[i_sex], r[i_eth], r[i_la], derived[2],
                        r[i_ref], tri, r[i_rfls], drugs[0], drugs[1],
                        drugs[2], derived[3]) + tail(r))
            n += 1
    if out is not sys.stdout:
        out.close()
    print("public_health.py: %d rows" % n, file=sys.stderr)


if __name__ == "__main__":
    main()
