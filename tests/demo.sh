#!/bin/sh
# The README's first command: the quarterly job, end to end, on the demo
# database (a synthetic case-management system in SQLite made by
# ndx-fixtures), with ndx-run as cron would run it.
set -eu
bin=$1
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/demo
quarter=2026Q2
mkdir -p "$out"
# Demo secrets, made once; a real deployment keeps them in /etc/ndx.
[ -f "$out/demo.key" ] || "$bin/ndx-pseudonymise" keygen "$out/demo.key"
if [ ! -f "$out/demo.passphrase" ]; then
	(umask 077 && echo "demo passphrase: change me" >"$out/demo.passphrase")
fi
cat >"$out/demo.conf" <<CONF
# Made by make demo: ndx-run's configuration for the demo database.
source = sqlite:$bin/demo.db
agency = N0852
area = Cleveland
key_file = $out/demo.key
passphrase_file = $out/demo.passphrase
output_root = $out/runs
as_of = 2026-10-31
CONF
mkdir -p "$out/runs"
echo "ndx demo: ndx-run --config $out/demo.conf --quarter $quarter" >&2
rc=0
"$bin/ndx-run" --config "$out/demo.conf" --quarter "$quarter" --force || rc=$?
case $rc in
0|1) ;;
*) exit "$rc" ;;
esac
run=$out/runs/$quarter
echo
echo "Run directory $run:"
ls -l "$run"
echo
echo "Validation problems by rule:"
grep -o ',R[0-9]*,[a-z]*,' "$run/report.csv" | sort | uniq -c
echo
echo "Open $run/pcc-return.html and $run/validation-report.html in a browser."
echo "The archive for Public Health verifies with:"
echo "  $bin/ndx-pack verify --passphrase-file $out/demo.passphrase $run/ndx-$quarter.zip"
