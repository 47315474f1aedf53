#!/bin/sh
# The README's first command: the monthly job on the demo data.  For now
# the pipeline is extract | validate; it grows stage by stage.
set -eu
bin=$1
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/demo
mkdir -p "$out"
month=2026-10
echo "ndx demo: extracting $month from fixtures/demo.csv and validating it" >&2
rc=0
"$bin/ndx-extract" --source "csv:$top/fixtures/demo.csv" --month "$month" \
    --as-of 2026-11-05 -o "$out/episodes.xml"
"$bin/ndx-validate" --area Cleveland -o "$out/valid.xml" \
    --rejects "$out/rejects.csv" --report "$out/report.csv" \
    --report "$out/report.xml" "$out/episodes.xml" || rc=$?
case $rc in
0|1) ;;
*) exit "$rc" ;;
esac
echo
echo "Validation report ($out/report.csv):"
cat "$out/report.csv"
echo
echo "Outputs in $out: episodes.xml valid.xml rejects.csv report.csv report.xml"
