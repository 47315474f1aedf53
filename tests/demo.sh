#!/bin/sh
# The README's first command: the monthly job on the demo database, a
# synthetic case-management system in SQLite made by ndx-fixtures.
set -eu
bin=$1
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/demo
mkdir -p "$out"
month=2026-10
echo "ndx demo: extracting $month from $bin/demo.db (SQLite) and validating it" >&2
rc=0
"$bin/ndx-extract" --source "sqlite:$bin/demo.db" --month "$month" \
    --as-of 2026-10-31 -o "$out/episodes.xml"
"$bin/ndx-validate" --area Cleveland -o "$out/valid.xml" \
    --rejects "$out/rejects.csv" --report "$out/report.csv" \
    --report "$out/report.xml" "$out/episodes.xml" || rc=$?
case $rc in
0|1) ;;
*) exit "$rc" ;;
esac
"$bin/ndx-transform" --product validation-report -o "$out/report.html" \
    "$out/report.xml"
echo
echo "Validation report ($out/report.csv), errors first:"
grep ',error,' "$out/report.csv" | head -n 15
echo "... $(($(wc -l <"$out/report.csv") - 1)) problems in all;" \
    "open $out/report.html for the full report."
echo
echo "Outputs in $out: episodes.xml valid.xml rejects.csv report.csv" \
    "report.xml report.html"
