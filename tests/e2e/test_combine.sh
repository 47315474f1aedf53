#!/bin/sh
# ndx-combine (exchange.md §7): four providers, made by splitting one
# ndx-fixtures export by agency (so people who move between providers,
# people at two providers at once and non-consenting clients are among
# them), each run through ndx-run with the Public Health team's key; the
# team combines the four archives and makes the area's PCC return.  Its
# figures are checked against tests/e2e/combine_expect.py, written from
# metrics.md alone; a person at two providers is counted once; every
# refusal of the spec is tried.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || { skip combine "no python3"; finish; exit; }

"$BIN/ndx-fixtures" --seed 11 --clients 1500 --target "csv:$T/all.csv" \
    >/dev/null 2>&1 || { bad "ndx-fixtures failed"; finish; exit; }
"$BIN/ndx-pseudonymise" keygen "$T/key"
"$BIN/ndx-pseudonymise" keygen "$T/other-key"
printf 'the team passphrase\n' >"$T/pass"
chmod 600 "$T/pass"

# provider NAME AGENCIES...: NAME's CSV, the rows of those agencies.
provider() {
	_n=$1
	shift
	awk -F, -v want=" $* " '{ a = $1; gsub(/"/, "", a) }
	    NR == 1 || index(want, " " a " ")' "$T/all.csv" >"$T/$_n.csv"
}
provider p1 D0412 H0227
provider p2 N0852
provider p3 N0871
provider p4 N0903

# conf NAME AGENCIES [KEY] [EXTRA]: an ndx-run configuration for one
# provider, with the Public Health team as its one recipient.
conf() {
	cat >"$T/$1.conf" <<CONF
source = csv:$T/$1.csv
agency = $2
area = Cleveland
output_root = $T/out-$1
as_of = 2026-11-01

[recipient ph]
products = public-health
key_file = ${3:-$T/key}
passphrase_file = $T/pass
${4-}
CONF
}
conf p1 "D0412, H0227"
conf p2 N0852
conf p3 N0871
conf p4 N0903

begin "four providers' runs"
for p in p1 p2 p3 p4; do
	rc=0
	"$BIN/ndx-run" --config "$T/$p.conf" --quarter 2026Q2 \
	    >"$T/run.out" 2>"$T/run.err" || rc=$?
	[ "$rc" -le 1 ] || { bad "$p: ndx-run exit $rc"; show "$T/run.err"; }
done
A1=$(ls "$T"/out-p1/2026Q2/ndx-*-ph.zip)
A2=$(ls "$T"/out-p2/2026Q2/ndx-*-ph.zip)
A3=$(ls "$T"/out-p3/2026Q2/ndx-*-ph.zip)
A4=$(ls "$T"/out-p4/2026Q2/ndx-*-ph.zip)
end

begin "combine the four archives"
run ndx-combine --passphrase-file "$T/pass" -o "$T/area.xml" \
    "$A1" "$A2" "$A3" "$A4"
want_rc 0
want_empty "$T/out" stdout
want_prefixed "$T/err" ndx-combine
KEYID=$("$BIN/ndx-pseudonymise" keyid "$T/key")
want_fixed "$T/area.xml" "keyid=\"$KEYID\""
want_fixed "$T/area.xml" 'period="2026Q2"'
want_fixed "$T/area.xml" 'source="combined"'
# Each input's agencies and exclusions, as its MANIFEST says them.
for a in "$A1" "$A2" "$A3" "$A4"; do
	"$BIN/ndx-pack" unpack --passphrase-file "$T/pass" "$a" \
	    "$T/u-${a##*/}" >/dev/null 2>&1 || bad "unpack ${a##*/}"
	ag=$(sed -n 's/^agency //p' "$T/u-${a##*/}/MANIFEST")
	ce=$(sed -n 's/^consent-excluded //p' "$T/u-${a##*/}/MANIFEST")
	want_fixed "$T/area.xml" "$ag:$ce"
done
# No identifier of the providers' data: client ids, DOBs, postcodes.
awk -F, 'NR > 1 { print $2; print $10 }' "$T/all.csv" | tr -d '"' |
    sort -u | grep -v '^$' >"$T/ids"
grep -F -f "$T/ids" "$T/area.xml" | head -3 >"$T/leak" || :
# (dates of birth are DD/MM/YYYY in the CSV: the XML holds none such)
want_empty "$T/leak" "identifiers in the combined file"
# The judge passes it: ndx-transform reads it as any pseudonymised file.
run ndx-transform --product public-health -o "$T/area-ph.csv" "$T/area.xml"
want_rc 0
end

begin "a person at two providers is counted once"
run ndx-transform --product pcc-return --area Cleveland --disclosure none \
    -o "$T/area-pcc.csv" "$T/area.xml"
want_rc 0
U=""
for a in "$A1" "$A2" "$A3" "$A4"; do
	U="$U $T/u-${a##*/}/public-health.csv"
done
# shellcheck disable=SC2086 # U is a list of files
python3 "$E2E/combine_expect.py" "$TOP/schemas/areas.csv" Cleveland \
    2026Q2 2026-07-01 2026-09-30 $U >"$T/want.csv" ||
    bad "combine_expect.py failed"
grep -E '^period|,(in_treatment|cj_in_treatment|deaths_in_treatment),[a-z_]*,' \
    "$T/area-pcc.csv" >"$T/got.csv"
want_same "$T/got.csv" "$T/want.csv" "the area's figures against the spec's"
# Summing the providers' own returns counts such people twice.
sum=0
for a in "$A1" "$A2" "$A3" "$A4"; do
	run_to "$T/one.xml" ndx-combine --passphrase-file "$T/pass" "$a"
	run ndx-transform --product pcc-return --area Cleveland \
	    --disclosure none "$T/one.xml"
	n=$(awk -F, '$2 == "TOTAL" && $4 == "in_treatment" &&
	    $5 == "total" { print $6 }' "$T/out")
	sum=$((sum + n))
done
both=$(awk -F, '$2 == "TOTAL" && $4 == "in_treatment" && $5 == "total" {
    print $6 }' "$T/area-pcc.csv")
[ "$both" -lt "$sum" ] ||
    bad "combined in_treatment $both, summed $sum: nobody at two providers?"
end

begin "the HTML and XML name the providers combined"
run ndx-transform --product pcc-return --area Cleveland --format xml \
    "$T/area.xml"
want_rc 0
[ "$(grep -c '<provider ' "$T/out")" = 4 ] || bad "not four <provider>s"
want_fixed "$T/out" "agencies=\"D0412,H0227\""
run ndx-transform --product pcc-return --area Cleveland --format html \
    "$T/area.xml"
want_fixed "$T/out" "Providers combined"
end

begin "directories unpacked from the archives combine the same"
run ndx-combine -o "$T/area-dirs.xml" "$T/u-${A1##*/}" "$T/u-${A2##*/}" \
    "$T/u-${A3##*/}" "$T/u-${A4##*/}"
want_rc 0
want_same "$T/area-dirs.xml" "$T/area.xml" "combined from directories"
# ndx-pack verify checks an unpacked directory as it checks an archive.
run ndx-pack verify "$T/u-${A2##*/}"
want_rc 0
want_fixed "$T/out" "verified"
mkdir -p "$T/extra"
cp "$T/u-${A2##*/}"/* "$T/extra/"
: >"$T/extra/added.csv"
run ndx-pack verify "$T/extra"
want_rc 1
want_fixed "$T/err" "added.csv: not in the manifest"
# The order of the inputs does not change the file.
run ndx-combine --passphrase-file "$T/pass" -o "$T/area-rev.xml" \
    "$A4" "$A3" "$A2" "$A1"
want_same "$T/area-rev.xml" "$T/area.xml" "combined in another order"
end

# --- refusals
begin "an agency given twice: 65"
run ndx-combine --passphrase-file "$T/pass" "$A1" "$A2" "$A1"
want_rc 65
want_fixed "$T/err" "agency D0412 is in"
want_empty "$T/out" stdout
end

begin "another key id: 65"
conf p4 N0903 "$T/other-key"
rm -rf "$T/out-p4"
"$BIN/ndx-run" --config "$T/p4.conf" --quarter 2026Q2 >/dev/null 2>&1 || :
B4=$(ls "$T"/out-p4/2026Q2/ndx-*-ph.zip)
run ndx-combine --passphrase-file "$T/pass" "$A1" "$B4"
want_rc 65
want_fixed "$T/err" "key id $("$BIN/ndx-pseudonymise" keyid "$T/other-key"), but"
end

begin "another period: 65"
conf p4 N0903
rm -rf "$T/out-p4"
"$BIN/ndx-run" --config "$T/p4.conf" --quarter 2026Q1 >/dev/null 2>&1 || :
B4=$(ls "$T"/out-p4/2026Q1/ndx-*-ph.zip)
run ndx-combine --passphrase-file "$T/pass" "$A1" "$B4"
want_rc 65
want_fixed "$T/err" "period 2026Q1, but"
end

begin "a generalised extract (min_k): 65"
conf p4 N0903 "$T/key" "min_k = 3"
rm -rf "$T/out-p4"
"$BIN/ndx-run" --config "$T/p4.conf" --quarter 2026Q2 >/dev/null 2>&1 || :
B4=$(ls "$T"/out-p4/2026Q2/ndx-*-ph.zip)
run ndx-combine --passphrase-file "$T/pass" "$A1" "$B4"
want_rc 65
want_fixed "$T/err" "is generalised (min_k)"
end

begin "an archive that does not verify: 1, nothing written"
cp "$A2" "$T/bad.zip"
printf 'x' | dd of="$T/bad.zip" bs=1 seek=200 conv=notrunc 2>/dev/null
run ndx-combine --passphrase-file "$T/pass" -o "$T/none.xml" "$A1" \
    "$T/bad.zip"
want_rc 1
[ -e "$T/none.xml" ] && bad "an output was written"
# A directory whose extract was changed after unpacking.
cp -r "$T/u-${A3##*/}" "$T/changed"
sed -i '2d' "$T/changed/public-health.csv"
run ndx-combine "$T/changed"
want_rc 1
want_fixed "$T/err" "public-health.csv"
end

begin "no archive left unpacked on disk"
mkdir -p "$T/tmp"
TMPDIR=$T/tmp run ndx-combine --passphrase-file "$T/pass" -o /dev/null \
    "$A1" "$A2"
want_rc 0
[ -z "$(ls -A "$T/tmp")" ] || bad "left in TMPDIR: $(ls -A "$T/tmp")"
end

begin "usage and missing input"
run ndx-combine
want_rc 64
run ndx-combine "$T/nowhere.zip"
want_rc 66
run ndx-combine --help
want_rc 0
want_fixed "$T/out" "usage: ndx-combine"
end

finish
