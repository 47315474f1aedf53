#!/bin/sh
# ndx-transform --product outcomes (outcomes.md §4, issue 14).
#
# tests/data/outcomes/small.csv is three episodes worked out by hand:
#  - C1 EP-1 (Middlesbrough; a HAT intervention, MODAL 97, in treatment
#    in 2026Q2): start TOP OPIUSE 20, CRAUSE 6, PSYHSTAT 8, SHOTHEFT 4;
#    reviews on 04/08 and 15/09, the latest OPIUSE 8, CRAUSE 0,
#    PSYHSTAT 12, SHOTHEFT not asked.  A pair: OPIUSE a user at start,
#    at most half (8 <= 20 / 2), not abstinent; CRAUSE a user, abstinent
#    and so reduced; PSYHSTAT improved; SHOTHEFT not paired.
#  - C2 EP-2 (Stockton, CJ): its only review is dated 01/10, after the
#    quarter: no pair.
#  - C3 EP-3 (Hartlepool, CJ: RFLS 30): start OPIUSE 0, CRAUSE 0,
#    PSYHSTAT 14; a review (10/07) and an exit (20/08), the latest the
#    exit: OPIUSE 0, CRAUSE 0, PSYHSTAT 15.  A pair, no users at start,
#    PSYHSTAT improved.
# So, for all: OPIUSE pairs 2 (Hartlepool 1, Middlesbrough 1), users 1,
# reduced 1, means 10.0 -> 4.0; CRAUSE pairs 2, users 1, abstinent 1,
# reduced 1, means 3.0 -> 0.0; PSYHSTAT pairs 2, improved 2, means 11.0
# -> 13.5; hat: EP-1 alone; cj: EP-3 alone.  small.expected.csv is the
# whole table (--disclosure none), those figures and zeros.
#
# Then a fixture's quarter against tests/e2e/outcomes_expect.py, written
# from outcomes.md alone, on the identifiable and the pseudonymised form;
# disclosure control over it; a version 1 file refused; the HTML.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || { skip outcomes "no python3"; finish; exit; }
OD=$DATA/outcomes

# valid CSV OUT: OUT, the valid episodes of the 2026Q2 extract of CSV.
valid() {
	"$BIN/ndx-extract" --source "csv:$1" --as-of 2026-11-01 \
	    --quarter 2026Q2 -o "$T/ep.xml" 2>"$T/ex.err" &&
	    "$BIN/ndx-validate" --area Cleveland -o "$2" "$T/ep.xml" \
	    2>"$T/va.err"
}

begin "three episodes worked out by hand"
valid "$OD/small.csv" "$T/small.xml" || bad "the small case is not valid"
run ndx-transform --product outcomes --area Cleveland --disclosure none \
    "$T/small.xml"
want_rc 0
want_same "$T/out" "$OD/small.expected.csv" "outcomes"
want_fixed "$T/out" "2026Q2,TOTAL,Cleveland,all,PSYHSTAT,mean_latest,13.5"
want_fixed "$T/out" "2026Q2,E06000002,Middlesbrough,hat,CRAUSE,abstinent,1"
want_fixed "$T/out" "2026Q2,E06000001,Hartlepool,cj,PSYHSTAT,improved,1"
end

begin "suppression of the hand-worked case"
run ndx-transform --product outcomes --area Cleveland "$T/small.xml"
want_rc 0
# Counts of 1 to 4 are hidden, and a mean whose pairs are.
want_fixed "$T/out" "2026Q2,TOTAL,Cleveland,all,OPIUSE,pairs,*"
want_fixed "$T/out" "2026Q2,TOTAL,Cleveland,all,OPIUSE,mean_start,*"
want_fixed "$T/out" "2026Q2,E06000003,Redcar and Cleveland,all,OPIUSE,pairs,0"
grep -q ',[1-4]$' "$T/out" && bad "a count from 1 to 4 is shown"
end

begin "a fixture's quarter against outcomes_expect.py"
"$BIN/ndx-fixtures" --dataset 2 --seed 5 --clients 800 --until 2026-10-31 \
    --target "csv:$T/f.csv" 2>/dev/null || bad "ndx-fixtures failed"
valid "$T/f.csv" "$T/f.xml" || bad "the fixture is not valid"
"$BIN/ndx-pseudonymise" keygen "$T/key"
"$BIN/ndx-pseudonymise" --key-file "$T/key" -o "$T/p.xml" "$T/f.xml" \
    2>/dev/null || bad "ndx-pseudonymise failed"
python3 "$E2E/outcomes_expect.py" "$TOP/schemas/areas.csv" Cleveland \
    2026Q2 2026-07-01 2026-09-30 "$T/f.xml" >"$T/want.csv"
[ "$(grep -c ',hat,OPIUSE,pairs,[1-9]' "$T/want.csv")" -ge 1 ] ||
    bad "test data: no HAT pair"
for form in f p; do
	run ndx-transform --product outcomes --area Cleveland \
	    --disclosure none "$T/$form.xml"
	want_rc 0
	want_same "$T/out" "$T/want.csv" "outcomes of $form.xml"
done
end

begin "disclosure control over a fixture's quarter"
run ndx-transform --product outcomes --area Cleveland "$T/f.xml"
want_rc 0
cp "$T/out" "$T/supp.csv"
# Every column of counts (cohort, item, statistic over the LAs and TOTAL)
# holds no single *, and no count from 1 to 4; a mean is * exactly
# where its pairs are * or below 5.
awk -F, 'NR > 1 && $6 !~ /^mean/ {
	k = $4 "," $5 "," $6
	if ($7 == "*") star[k]++
	if ($7 ~ /^[1-4]$/) print "shown: " $0
    }
    END { for (k in star) if (star[k] == 1) print "one * in " k }' \
    "$T/supp.csv" >"$T/bad"
want_empty "$T/bad" "disclosure"
awk -F, 'NR == FNR { if ($6 == "pairs") p[$2 "," $4 "," $5] = $7; next }
    FNR > 1 && $6 ~ /^mean/ {
	pairs = p[$2 "," $4 "," $5]
	hide = pairs == "*" || pairs + 0 < 5
	if (hide != ($7 == "*")) print "mean: " $0 " (pairs " pairs ")"
    }' "$T/want.csv" "$T/supp.csv" >"$T/bad"
want_empty "$T/bad" "means"
end

begin "the evaluators' extract: --cohort"
for c in all hat cj; do
	python3 "$E2E/outcomes_expect.py" --persons $c 2026-07-01 2026-09-30 \
	    "$T/p.xml" >"$T/want-$c"
	run ndx-transform --product public-health --cohort $c -o "$T/c-$c.csv" \
	    "$T/p.xml"
	want_rc 0
	sed 1d "$T/c-$c.csv" | cut -d, -f1 | tr -d '"' | sort -u >"$T/got-$c"
	want_same "$T/got-$c" "$T/want-$c" "persons of cohort $c"
	head -n 1 "$T/c-$c.csv" | grep -q ',TOPDATE,TRSTAGE,' ||
	    bad "cohort $c: no TOP columns"
done
[ -s "$T/want-hat" ] || bad "test data: an empty HAT cohort"
# Every row of the cohort's persons: their rows in the full extract.
run ndx-transform --product public-health -o "$T/full.csv" "$T/p.xml"
want_rc 0
awk -F, 'NR == FNR { want["\"" $1 "\""]; next }
    FNR == 1 || $1 in want' "$T/want-hat" "$T/full.csv" >"$T/full-hat.csv"
want_same "$T/c-hat.csv" "$T/full-hat.csv" "the HAT persons' rows"
run ndx-transform --product public-health --cohort hat --min-k 5 "$T/p.xml"
want_rc 64
run ndx-transform --product public-health --cohort nonesuch "$T/p.xml"
want_rc 64
run ndx-transform --product commissioner --cohort hat "$T/f.xml"
want_rc 64
end

begin "version 1 is refused"
valid "$DATA/rules/example-pass.csv" "$T/v1.xml" || bad "example-pass"
run ndx-transform --product outcomes --area Cleveland "$T/v1.xml"
want_rc 65
want_fixed "$T/err" "dataset version 1: the outcome measures are of the Treatment Outcomes Profile"
run ndx-transform --product outcomes "$T/f.xml"
want_rc 64
run ndx-transform --product outcomes --area Cleveland --trend 2 \
    --quarter 2026Q2 "$T/f.xml"
want_rc 64
end

begin "the HTML"
run ndx-transform --product outcomes --area Cleveland --format html \
    "$T/f.xml"
want_rc 0
xmllint --html --noout "$T/out" 2>"$T/lint" || { bad "not HTML"; show "$T/lint"; }
for s in 'id="cohort-all"' 'id="cohort-hat"' 'id="cohort-cj"' '<svg' \
    'days used illicit opiates' 'dataset version 2' 'Mean at start'; do
	want_fixed "$T/out" "$s"
done
end

finish
