#!/bin/sh
# The README's first command: the quarterly job, end to end, on the demo
# database (a synthetic case-management system in SQLite made by
# ndx-fixtures), with ndx-run as cron would run it: one archive per
# recipient (exchange.md §2), and how each recipient opens and checks
# theirs.
set -eu
bin=$1
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/demo
quarter=2026Q2
mkdir -p "$out"
chmod 700 "$out"
# Demo secrets, made once; a real deployment keeps them in /etc/ndx, and
# gives each recipient its own passphrase, or its OpenPGP key.
[ -f "$out/demo.key" ] || "$bin/ndx-pseudonymise" keygen "$out/demo.key"
for r in ndtms public-health; do
	[ -f "$out/$r.passphrase" ] ||
	    (umask 077 && echo "demo passphrase for $r: change me" \
	    >"$out/$r.passphrase")
done
# The demo database holds five agencies' data, all this provider's.
cat >"$out/demo.conf" <<CONF
# Made by make demo: ndx-run's configuration for the demo database.
source = sqlite:$bin/demo.db
agency = N0852, D0412, H0227, N0871, N0903
area = Cleveland
output_root = $out/runs
as_of = 2026-10-31

[recipient ndtms]
products = commissioner
passphrase_file = $out/ndtms.passphrase

[recipient public-health]
products = public-health, pcc-return
key_file = $out/demo.key
passphrase_file = $out/public-health.passphrase
min_k = 5

[recipient pcc]
products = pcc-return
CONF
mkdir -p "$out/runs"
chmod 700 "$out/runs"
echo "ndx demo: ndx-run --check --config $out/demo.conf" >&2
"$bin/ndx-run" --check --config "$out/demo.conf"
echo "ndx demo: ndx-run --config $out/demo.conf --quarter $quarter" >&2
rc=0
"$bin/ndx-run" --config "$out/demo.conf" --quarter "$quarter" --force || rc=$?
case $rc in
0|1) ;;
*) exit "$rc" ;;
esac
run=$out/runs/$quarter
a=ndx-N0852-$quarter
echo
echo "Run directory $run:"
ls -l "$run"
echo
echo "Validation problems by rule (provider/ stays with the provider):"
grep -o ',R[0-9]*,[a-z]*,' "$run/provider/report.csv" | sort | uniq -c
echo
echo "Open $run/provider/validation-report.html in a browser."
echo
echo "Each recipient gets one archive, and checks it like this:"
echo
echo "ndtms (the national system; identifiable: commissioner.csv):"
echo "  ndx-pack verify --passphrase-file ndtms.passphrase $a-ndtms.zip"
echo "  ndx-pack unpack --passphrase-file ndtms.passphrase $a-ndtms.zip ndtms/"
"$bin/ndx-pack" verify --passphrase-file "$out/ndtms.passphrase" \
    "$run/$a-ndtms.zip" | sed 's|^[^:]*/||; s/^/  -> /'
echo "  (or 7-Zip with the passphrase, then: sha256sum -c SHA256SUMS)"
echo
echo "public-health (pseudonymised: public-health.csv, min_k 5, and the PCC return):"
echo "  ndx-pack unpack --passphrase-file public-health.passphrase $a-public-health.zip ph/"
echo "  cd ph && sha256sum -c SHA256SUMS    # datapackage.json describes the columns"
"$bin/ndx-pack" verify --passphrase-file "$out/public-health.passphrase" \
    "$run/$a-public-health.zip" | sed 's|^[^:]*/||; s/^/  -> /'
echo
echo "pcc (aggregate only: pcc-return.csv and .html, not encrypted):"
echo "  ndx-pack verify $a-pcc.zip     # or any unzip, then sha256sum -c SHA256SUMS"
"$bin/ndx-pack" verify "$run/$a-pcc.zip" | sed 's|^[^:]*/||; s/^/  -> /'
echo
echo "With openpgp = FINGERPRINT in a recipient's section its archive is"
echo "$a-RECIPIENT.zip.gpg: gpg --decrypt it, and with signing_key set,"
echo "gpg --verify MANIFEST.sig MANIFEST inside proves who made it."
