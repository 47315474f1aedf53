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

finish
