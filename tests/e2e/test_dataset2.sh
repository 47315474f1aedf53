#!/bin/sh
# Dataset version 2 (issue 14, outcomes.md): the Treatment Outcomes
# Profile beside version 1.  ndx-fixtures --dataset 2 makes TOP
# interviews; the CSV and the database mapping say the version by their
# TOP columns; ndx-run (dataset = 2) takes one quarter through every
# stage: the valid episodes are version 2 and valid against
# episodes-2.xsd, the commissioner file and the Public Health extract
# carry the TOP columns (the extract without TOPID or any identifier),
# the MANIFEST says version 2 with that XSD's hash, and the archives
# verify.  ndx-combine joins version 2 extracts and refuses to mix
# versions.  Version 1's data is what it was: the same fixtures give the
# same rows whether or not TOP interviews are made beside them.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/browser.sh
. "$E2E/browser.sh"

Q=2026Q2
"$BIN/ndx-pseudonymise" keygen "$T/key"
"$BIN/ndx-pseudonymise" keygen "$T/eval-key"
printf 'the team passphrase\n' >"$T/pass"
chmod 600 "$T/pass"

begin "fixtures --dataset 2"
run ndx-fixtures --dataset 2 --seed 5 --clients 400 --until 2026-10-31 \
    --target "sqlite:$T/v2.db"
want_rc 0
run ndx-fixtures --dataset 2 --seed 5 --clients 400 --until 2026-10-31 \
    --target "csv:$T/v2.csv"
want_rc 0
run ndx-fixtures --seed 5 --clients 400 --until 2026-10-31 \
    --target "csv:$T/v1.csv"
want_rc 0
head -n 1 "$T/v2.csv" | grep -q ',MODEXIT,TOPID,TOPDATE,TRSTAGE,' ||
    bad "the version 2 CSV's header lacks the TOP columns"
head -n 1 "$T/v1.csv" | grep -q TOPID && bad "the version 1 CSV has TOP columns"
# The interviews, by stage: starts, reviews and exits, all made.
for s in S R E; do
	n=$(awk -F, -v s="\"$s\"" '$38 == s' "$T/v2.csv" | wc -l)
	[ "$n" -gt 10 ] || bad "only $n TOP rows of stage $s"
done
# Version 1's interventions are the version 2 file's (an episode with
# TOP rows and no intervention has no empty row in version 2).
awk -F, 'NR == 1 || $29 != "\"\""' "$T/v2.csv" | cut -d, -f1-35 |
    sort >"$T/v2-iv.csv"
awk -F, 'NR == 1 || $29 != "\"\""' "$T/v1.csv" | sort >"$T/v1-iv.csv"
want_same "$T/v2-iv.csv" "$T/v1-iv.csv" "version 1 interventions"
end

begin "ndx-extract --dataset"
run ndx-extract --dataset 2 --source "csv:$T/v1.csv" --as-of 2026-10-31
want_rc 65
want_fixed "$T/err" "dataset version 1 (it has no TOP column), but --dataset 2 was asked for"
run ndx-extract --source "sqlite:$T/v2.db" --as-of 2026-10-31
want_rc 0
want_fixed "$T/out" 'dataset="1"'
run ndx-extract --dataset 2 --source "sqlite:$T/v2.db" --as-of 2026-10-31
want_rc 0
want_fixed "$T/out" 'dataset="2"'
end

# conf NAME SOURCE: a provider's configuration, dataset = 2, with the
# commissioner and the Public Health team (no generalisation).
conf() {
	cat >"$T/$1.conf" <<CONF
source = $2
dataset = 2
agency = N0852, D0412, H0227, N0871, N0903
area = Cleveland
output_root = $T/out-$1
as_of = 2026-10-31

[recipient ndtms]
products = commissioner
passphrase_file = $T/pass

[recipient ph]
products = public-health, pcc-return
key_file = $T/key
passphrase_file = $T/pass

[recipient evaluators]
products = public-health
cohort = hat
key_file = $T/eval-key
passphrase_file = $T/pass
CONF
	mkdir -p "$T/out-$1"
	chmod 700 "$T/out-$1"
}

begin "ndx-run, dataset = 2"
conf db "sqlite:$T/v2.db"
run ndx-run --config "$T/db.conf" --quarter $Q
want_rc 0
R=$T/out-db/$Q
want_fixed "$R/provider/valid.xml" 'dataset="2"'
xmllint --noout --schema "$TOP/schemas/episodes-2.xsd" \
    "$R/provider/valid.xml" 2>"$T/lint" ||
    { bad "valid.xml does not validate against episodes-2.xsd"; show "$T/lint"; }
grep -q '<top' "$R/provider/valid.xml" || bad "valid.xml has no <top>"
head -n 1 "$R/ndtms/commissioner.csv" | grep -q ',MODEXIT,TOPID,TOPDATE,' ||
    bad "the commissioner file lacks the TOP columns"
PH=$R/ph/public-health.csv
head -n 1 "$PH" | grep -q ',MODEXIT,TOPDATE,TRSTAGE,ALCUSE,' ||
    bad "the Public Health extract lacks the TOP columns"
head -n 1 "$PH" | grep -Eq 'TOPID|CLIENTID|DOB|FINITIAL|SINITIAL|(^|,)PC(,|$)' &&
    bad "the Public Health extract has an identifier column"
grep -c '"S"' "$PH" >/dev/null || bad "no start TOP in the extract"
for d in ndtms ph; do
	want_fixed "$R/$d/MANIFEST" "dataset-version 2"
	want_fixed "$R/$d/MANIFEST" "xsd-sha256 $(sha256sum <"$TOP/schemas/episodes-2.xsd" | cut -d' ' -f1)"
done
for a in "$R"/ndx-*.zip; do
	run ndx-pack verify --passphrase-file "$T/pass" "$a"
	want_rc 0
done
# The PCC return's HTML has the HAT cohort's section (issue 14, item 4):
# engagement and retention, street drug use, psychosocial outcomes and
# offending; its CSV is metrics.md's, as for version 1.
H=$R/ph/pcc-return.html
for s in 'id="hat-cohort"' 'Engagement and retention' 'Street drug use' \
    'Psychosocial outcomes' 'Offending' 'days used illicit opiates' \
    'days used crack' "client's rating of psychological health" \
    'days shoplifting' 'Dataset version'; do
	want_fixed "$H" "$s"
done
cut -d, -f4 "$R/ph/pcc-return.csv" | sort -u | tr '\n' ' ' >"$T/measures"
want_fixed "$T/measures" "cj_in_treatment"
grep -q 'OPIUSE' "$R/ph/pcc-return.csv" && bad "TOP rows in the PCC return's CSV"
if browser_ready; then
	browser_shot "$H" "$T/pcc.png"
fi
# The evaluators' extract: the HAT cohort's persons under a key of their
# own, so none of its pseudonyms is the Public Health team's.
E=$R/evaluators/public-health.csv
[ "$(sed 1d "$E" | wc -l)" -gt 0 ] || bad "the evaluators' extract is empty"
sed 1d "$E" | cut -d, -f1 | sort -u >"$T/eval-persons"
sed 1d "$PH" | cut -d, -f1 | sort -u >"$T/ph-persons"
comm -12 "$T/eval-persons" "$T/ph-persons" >"$T/both"
want_empty "$T/both" "pseudonyms shared by the two keys"
[ "$(wc -l <"$T/eval-persons")" -lt "$(wc -l <"$T/ph-persons")" ] ||
    bad "the evaluators' extract is not restricted"
want_fixed "$R/evaluators/MANIFEST" "recipient evaluators"
end

begin "a version 2 CSV through every program"
D=$T/programs
mkdir -p "$D"
run ndx-extract --source "csv:$T/v2.csv" --as-of 2026-10-31 --quarter $Q \
    -o "$D/ep.xml"
want_rc 0
run ndx-validate --area Cleveland --rejects "$D/rej.csv" \
    --report "$D/report.xml" -o "$D/valid.xml" "$D/ep.xml"
want_rc 0
run ndx-pseudonymise --key-file "$T/key" -o "$D/pseudo.xml" "$D/valid.xml"
want_rc 0
xmllint --noout --schema "$TOP/schemas/episodes-2.xsd" "$D/pseudo.xml" \
    2>"$T/lint" || { bad "pseudo.xml is not valid"; show "$T/lint"; }
run ndx-transform --product commissioner -o "$D/comm.csv" "$D/valid.xml"
want_rc 0
run ndx-transform --product pcc-return --area Cleveland --quarter $Q \
    -o "$D/pcc.csv" "$D/valid.xml"
want_rc 0
run ndx-transform --product public-health -o "$D/ph.csv" "$D/pseudo.xml"
want_rc 0
run ndx-transform --product validation-report -o "$D/vr.html" \
    "$D/report.xml"
want_rc 0
# The rows a TOP gives are rows: read = written + rejected + duplicates.
want_fixed "$D/ep.xml" "<top"
end

begin "ndx-combine: version 2, and never two versions"
conf c2 "csv:$T/v2.csv"
sed -i 's/^agency = .*/agency = N0852/' "$T/c2.conf"
sed -i '/^\[recipient evaluators\]/,$d' "$T/c2.conf"
awk -F, 'NR == 1 || $1 == "\"N0852\""' "$T/v2.csv" >"$T/n0852.csv"
sed -i "s|^source = .*|source = csv:$T/n0852.csv|" "$T/c2.conf"
run ndx-run --config "$T/c2.conf" --quarter $Q
want_rc 0
awk -F, 'NR == 1 || $1 == "\"D0412\""' "$T/v1.csv" >"$T/d0412.csv"
cat >"$T/c1.conf" <<CONF
source = csv:$T/d0412.csv
agency = D0412
area = Cleveland
output_root = $T/out-c1
as_of = 2026-10-31

[recipient ph]
products = public-health
key_file = $T/key
passphrase_file = $T/pass
CONF
mkdir -p "$T/out-c1" && chmod 700 "$T/out-c1"
run ndx-run --config "$T/c1.conf" --quarter $Q
want_rc 0
awk -F, 'NR == 1 || $1 == "\"D0412\""' "$T/v2.csv" >"$T/d0412-2.csv"
sed "s|^source = .*|source = csv:$T/d0412-2.csv\ndataset = 2|; s|out-c1|out-c3|" \
    "$T/c1.conf" >"$T/c3.conf"
mkdir -p "$T/out-c3" && chmod 700 "$T/out-c3"
run ndx-run --config "$T/c3.conf" --quarter $Q
want_rc 0
A2=$(ls "$T"/out-c2/$Q/ndx-*-ph.zip)
A1=$(ls "$T"/out-c1/$Q/ndx-*-ph.zip)
A3=$(ls "$T"/out-c3/$Q/ndx-*-ph.zip)
run ndx-combine --passphrase-file "$T/pass" -o "$T/area.xml" "$A2" "$A3"
want_rc 0
want_fixed "$T/area.xml" 'dataset="2"'
grep -q '<top' "$T/area.xml" || bad "the combined file has no TOP rows"
xmllint --noout --schema "$TOP/schemas/episodes-2.xsd" "$T/area.xml" \
    2>"$T/lint" || { bad "area.xml is not valid"; show "$T/lint"; }
run ndx-combine --passphrase-file "$T/pass" -o "$T/mixed.xml" "$A2" "$A1"
want_rc 65
want_fixed "$T/err" "dataset version"
[ -e "$T/mixed.xml" ] && bad "a mixed combine left an output"
end

finish
