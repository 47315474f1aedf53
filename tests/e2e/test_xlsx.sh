#!/bin/sh
# ndx-transform --product pcc-return --format xlsx: the workbook opens with
# openpyxl (what a PCC analyst's Excel reads), every figure equals the
# long CSV's of the same run, codes and hidden counts are text cells, the
# header rows frozen and filtered (tests/e2e/xlsx_check.py); the same
# input gives the same bytes; a trend adds the quarters below each table.
. "$(dirname "$0")/lib.sh"

# Debian's python3-openpyxl is for Debian's python3.
PY=
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import openpyxl' 2>/dev/null; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ]; then
	skip xlsx "no python3 with openpyxl (Debian: python3-openpyxl)"
	finish
	exit
fi

"$BIN/ndx-fixtures" --seed 5 --clients 800 --target "csv:$T/t.csv" \
    >/dev/null 2>&1 || bad "ndx-fixtures failed"
"$BIN/ndx-extract" --source "csv:$T/t.csv" --as-of 2026-11-01 \
    --from 2025-10-01 --to 2026-09-30 -o "$T/t.xml" 2>/dev/null ||
    bad "ndx-extract failed"
"$BIN/ndx-validate" --area Cleveland -o "$T/tv.xml" "$T/t.xml" 2>/dev/null
Q="--product pcc-return --area Cleveland --quarter 2026Q2"

for mode in suppress none; do
	begin "xlsx against the CSV ($mode)"
	# shellcheck disable=SC2086 # $Q is a list of options
	run ndx-transform $Q --disclosure "$mode" -o "$T/r.csv" "$T/tv.xml"
	want_rc 0
	# shellcheck disable=SC2086
	run ndx-transform $Q --disclosure "$mode" --format xlsx \
	    -o "$T/r.xlsx" "$T/tv.xml"
	want_rc 0
	want_empty "$T/out" stdout
	"$PY" "$E2E/xlsx_check.py" "$T/r.xlsx" "$T/r.csv" >"$T/check" 2>&1 ||
	    { bad "the workbook and the CSV disagree"; show "$T/check"; }
	end
done

begin "xlsx: one input, one file"
# shellcheck disable=SC2086
run ndx-transform $Q --format xlsx -o "$T/again.xlsx" "$T/tv.xml"
# shellcheck disable=SC2086
run ndx-transform $Q --format xlsx -o "$T/once.xlsx" "$T/tv.xml"
cmp -s "$T/again.xlsx" "$T/once.xlsx" || bad "two runs, two workbooks"
end

begin "xlsx with --trend 4: each sheet's totals by quarter"
# shellcheck disable=SC2086
run ndx-transform $Q --trend 4 --format xlsx -o "$T/tr.xlsx" "$T/tv.xml"
want_rc 0
# shellcheck disable=SC2086
run ndx-transform $Q --trend 4 -o "$T/tr.csv" "$T/tv.xml"
"$PY" - "$T/tr.xlsx" "$T/tr.csv" >"$T/check" 2>&1 <<'PY' ||
import csv, sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
want = {}
with open(sys.argv[2], newline="") as f:
    for r in csv.DictReader(f):
        if r["area_code"] == "TOTAL":
            want[(r["measure"], r["period"], r["breakdown"])] = r["value"]
for m in wb.sheetnames[1:]:
    rows = list(wb[m].iter_rows(values_only=True))
    at = [i for i, r in enumerate(rows) if r[0] == "quarter"]
    assert len(at) == 1, m + ": no trend block"
    head = rows[at[0]]
    quarters = [r[0] for r in rows[at[0] + 1:] if r[0]]
    assert quarters == ["2025Q3", "2025Q4", "2026Q1", "2026Q2"], quarters
    for r in rows[at[0] + 1:at[0] + 5]:
        for b, v in zip(head[1:], r[1:]):
            if b is None:
                break
            w = want[(m, r[0], b)]
            got = "" if v is None else v
            assert str(got) == w or (w not in ("", "*") and
                float(got) == float(w)), (m, r[0], b, got, w)
PY
	{ bad "the trend block"; show "$T/check"; }
end

begin "xlsx to standard output: the bytes of a zip container"
# shellcheck disable=SC2086
run ndx-transform $Q --format xlsx "$T/tv.xml"
want_rc 0
[ "$(head -c 2 "$T/out")" = PK ] || bad "not a zip container"
end

# The validation report as a workbook (interfaces.md): a summary, every
# problem, and each rejected row with its problems beside it, every cell
# checked against report.csv and rejects.csv of the same run; ids, codes
# and dates text cells; headers frozen and filtered; one input, one file.
begin "validation report: summary, problems, rejected rows"
"$BIN/ndx-fixtures" --seed 9 --clients 200 --errors 0.15 \
    --errors-list "$T/el.csv" --target "csv:$T/e.csv" >/dev/null 2>&1 ||
    bad "ndx-fixtures failed"
"$BIN/ndx-extract" --source "csv:$T/e.csv" --as-of 2026-11-01 \
    -o "$T/e.xml" 2>/dev/null || bad "ndx-extract failed"
run ndx-validate --area Cleveland -o /dev/null --rejects "$T/rej.csv" \
    --report "$T/rep.xml" --report "$T/rep.csv" "$T/e.xml"
want_rc 1
run ndx-transform --product validation-report --format xlsx \
    --rejects "$T/rej.csv" -o "$T/rep.xlsx" "$T/rep.xml"
want_rc 0
sleep 1	# another second on the clock, which must not date the file
run ndx-transform --product validation-report --format xlsx \
    --rejects "$T/rej.csv" -o "$T/rep2.xlsx" "$T/rep.xml"
cmp -s "$T/rep.xlsx" "$T/rep2.xlsx" || bad "two runs, two workbooks"
"$PY" - "$T/rep.xlsx" "$T/rep.csv" "$T/rej.csv" "$T/rep.xml" >"$T/check" 2>&1 <<'PY' ||
import csv, sys
import xml.etree.ElementTree as ET
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
assert wb.sheetnames == ["summary", "problems", "rejected rows"], wb.sheetnames
unneutral = lambda v: v[1:] if v[:1] == "'" and v[1:2] in "=+-@\t\r" else v
rep = [[unneutral(v) for v in r] for r in csv.reader(open(sys.argv[2]))]
ws = wb["problems"]
assert ws.freeze_panes == "A2" and ws.auto_filter.ref, "problems header"
rows = list(ws.iter_rows(values_only=True))
assert list(rows[0]) == rep[0], rows[0]
assert len(rows) == len(rep) > 5, (len(rows), len(rep))
for got, want in zip(rows[1:], rep[1:]):
    got = ["" if v is None else (str(v) if i == 0 else v)
           for i, v in enumerate(got)]
    assert got == want, (got, want)
for row in ws.iter_rows(min_row=2):
    for c in row[1:]:
        assert c.value is None or c.data_type == "s", c
# Each rejected row, its cells as rejects.csv's, its problems those of
# its client, its episode and itself.
rej = list(csv.reader(open(sys.argv[3])))
ws = wb["rejected rows"]
assert ws.freeze_panes == "B2" and ws.auto_filter.ref, "rejects header"
rows = list(ws.iter_rows(values_only=True))
assert list(rows[0][1:]) == rej[0] and rows[0][0] == "problems"
assert len(rows) == len(rej) > 5
h = rej[0]
a, c, e, m = (h.index(x) for x in ("AGNCY", "CLIENTID", "EPISODID", "MODID"))
for got, want in zip(rows[1:], rej[1:]):
    assert ["" if v is None else v for v in got[1:]] == want, (got, want)
    mine = [r for r in rep[1:] if r[1] == want[a] and r[2] == want[c] and
            (r[3] == "" or (r[3] == want[e] and (r[4] == "" or
             (want[m] != "" and r[4] == want[m]))))]
    if not mine:
        assert got[0] == "(rejected with its episode)", got[0]
    for r in mine:
        assert (r[6] + (" " + r[5] if r[5] else "") + ": " + r[9]) in got[0], (r, got[0])
# The summary's counts are the report's.
s = ET.parse(sys.argv[4]).getroot().find("{urn:ndx:report:1}summary")
ws = dict((r[0], r[1]) for r in wb["summary"].iter_rows(values_only=True) if r[0])
assert ws["episodes rejected"] == int(s.get("episodes-rejected"))
assert ws["rows rejected"] == int(s.get("rows-rejected"))
PY
	{ bad "the validation report's workbook"; show "$T/check"; }
run ndx-transform --product validation-report --rejects "$T/rej.csv" \
    "$T/rep.xml"
want_rc 64
# An episodes file is no report: said so, 65, no workbook.
run ndx-transform --product validation-report --format xlsx \
    -o "$T/not.xlsx" "$T/e.xml"
want_rc 65
want_fixed "$T/err" "not a validation report"
[ -e "$T/not.xlsx" ] && bad "a workbook from an episodes file"
end

finish
