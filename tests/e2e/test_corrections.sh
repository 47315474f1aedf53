#!/bin/sh
# ndx-extract --corrections FILE (interfaces.md, issue 13): the file's rows
# replace every source row of each episode (AGNCY + EPISODID) it holds and
# add the episodes the source lacks, from any source; the data officer's
# month: a CSV with mistakes, the report, the rejects corrected, a clean
# resubmission.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

EX=$DATA/rules/example-pass.csv

# valid_clients XML: the file's <client> elements, each on one line,
# without the source lines, sorted: what was submitted, whichever file
# each row came from.
valid_clients() {
	tr -d '\n' <"$1" | sed 's/<client>/\n<client>/g' |
	    sed -n 's/ line="[0-9]*"//g; s/<\/episodes>$//; /^<client>/p' |
	    sed 's/>  */>/g' | LC_ALL=C sort
}

# The walk-through: two mistakes in a month's export, found, corrected in
# rejects.csv as an officer would, sent back with --corrections.
begin walk-through
W=$T/walk
mkdir -p "$W"
# Line 3: REFMODDT after MODST (R031); line 7: DISRSN without DISD (R021).
awk -F, -v OFS=, 'NR == 3 { $32 = "12/07/2026" }
    NR == 7 { $28 = "85" } { print }' "$EX" >"$W/export.csv"
run ndx-extract --source "csv:$W/export.csv" --as-of 2026-11-01 \
    -o "$W/episodes.xml"
want_rc 0
run ndx-validate -o "$W/valid.xml" --rejects "$W/rejects.csv" \
    --report "$W/report.csv" "$W/episodes.xml"
want_rc 1
want_fixed "$T/err" "episodes: 5 read, 3 valid, 2 rejected"
cut -d, -f1,7 "$W/report.csv" | sed 1d | sort >"$W/found"
printf '3,R031\n7,R021\n' >"$W/want"
want_same "$W/found" "$W/want" "problems found"
# EP-1 has two rows: both are in the rejects, so the officer corrects the
# one that is wrong and sends the episode whole.
[ "$(sed 1d "$W/rejects.csv" | wc -l | tr -d ' ')" = 3 ] ||
    bad "rejects.csv does not hold the three rows of the two episodes"
sed '/"EP-1",.*,"M2",/ s|"12/07/2026"|"03/07/2026"|
    /"H-77",/ s|,"85","M1",|,"","M1",|' "$W/rejects.csv" >"$W/corrected.csv"
cmp -s "$W/rejects.csv" "$W/corrected.csv" && bad "the test's edit did nothing"
run ndx-extract --source "csv:$W/export.csv" --as-of 2026-11-01 \
    --corrections "$W/corrected.csv" -o "$W/episodes2.xml"
want_rc 0
want_fixed "$T/err" "corrected.csv: 2 episodes replaced, 0 added (3 rows in place of 3)"
run ndx-validate -o "$W/valid2.xml" --rejects "$W/rejects2.csv" \
    --report "$W/report2.csv" "$W/episodes2.xml"
want_rc 0
want_fixed "$T/err" "episodes: 5 read, 5 valid, 0 rejected"
want_fixed "$T/err" "rows: 6 read, 6 written, 0 rejected"
# What goes out is what was meant: the example as it was.
run ndx-extract --source "csv:$EX" --as-of 2026-11-01 -o "$W/intended.xml"
valid_clients "$W/valid2.xml" >"$W/got"
valid_clients "$W/intended.xml" >"$W/want"
want_same "$W/got" "$W/want" "the resubmission"
end

# At scale, from a database: the episodes ndx-fixtures broke (--errors),
# replaced by the same episodes unbroken, give what the unbroken data
# gives; the summary counts them; rows of other episodes are untouched.
begin sqlite-source-round-trip
S=$T/sqlite
mkdir -p "$S"
run ndx-fixtures --seed 7 --clients 300 --errors 0.1 \
    --errors-list "$S/errors.csv" --target "sqlite:$S/broken.db"
want_rc 0
run ndx-fixtures --seed 7 --clients 300 --target "csv:$S/clean.csv"
want_rc 0
run ndx-fixtures --seed 7 --clients 300 --target "sqlite:$S/clean.db"
want_rc 0
run ndx-extract --source "sqlite:$S/broken.db" --as-of 2026-10-31 \
    -o "$S/broken.xml"
want_rc 0
run ndx-validate -o /dev/null --rejects "$S/rejects.csv" "$S/broken.xml"
want_rc 1
# The officer's corrections: the rejected episodes as they should be.
awk -F, 'NR > 1 { print $1 "," $12 }' "$S/rejects.csv" | sort -u >"$S/keys"
n=$(wc -l <"$S/keys" | tr -d ' ')
[ "$n" -gt 5 ] || bad "only $n rejected episodes"
awk -F, 'NR == FNR { k[$0]; next } FNR == 1 || ($1 "," $12) in k' \
    "$S/keys" "$S/clean.csv" >"$S/fix.csv"
run ndx-extract --source "sqlite:$S/broken.db" --as-of 2026-10-31 \
    --corrections "$S/fix.csv" -o "$S/fixed.xml"
want_rc 0
want_fixed "$T/err" "fix.csv: $n episodes replaced, 0 added"
run ndx-validate -o "$S/fixed-valid.xml" "$S/fixed.xml"
run ndx-extract --source "sqlite:$S/clean.db" --as-of 2026-10-31 \
    -o "$S/clean.xml"
run ndx-validate -o "$S/clean-valid.xml" "$S/clean.xml"
valid_clients "$S/fixed-valid.xml" >"$S/got"
valid_clients "$S/clean-valid.xml" >"$S/want"
want_same "$S/got" "$S/want" "the corrected extract"
end

# An episode the source lacks is added; one outside the period is not
# taken, corrected or not.
begin added-and-period
A=$T/add
mkdir -p "$A"
head -n 1 "$EX" >"$A/fix.csv"
sed -n 2p "$EX" | sed 's/,EP-1,/,EP-NEW,/; s/,M1,/,M9,/' >>"$A/fix.csv"
sed -n 5p "$EX" | sed 's/,EP-4,01\/07\/2026,/,EP-4,/' >>"$A/fix.csv"
run ndx-extract --source "csv:$EX" --as-of 2026-11-01 \
    --corrections "$A/fix.csv" -o "$A/ep.xml"
want_rc 0
want_fixed "$T/err" "fix.csv: 1 episode replaced, 1 added (2 rows in place of 1)"
grep -q '<EPISODID>EP-NEW</EPISODID>' "$A/ep.xml" || bad "EP-NEW not added"
[ "$(grep -c '<EPISODID>EP-4</EPISODID>' "$A/ep.xml")" = 1 ] ||
    bad "EP-4 not once"
run ndx-extract --source "csv:$EX" --as-of 2026-11-01 --month 2026-05 \
    --corrections "$A/fix.csv" -o "$A/may.xml"
want_rc 0
grep -q '<EPISODID>EP-NEW</EPISODID>' "$A/may.xml" &&
    bad "EP-NEW (referred in July) taken in May"
end

# What cannot be a correction is refused before anything is written.
begin refusals
F=$T/bad
mkdir -p "$F"
head -n 1 "$EX" >"$F/nokey.csv"
sed -n 2p "$EX" | sed 's/,EP-1,/,,/' >>"$F/nokey.csv"
run ndx-extract --source "csv:$EX" --as-of 2026-11-01 \
    --corrections "$F/nokey.csv" -o "$F/out.xml"
want_rc 65
want_fixed "$T/err" "nokey.csv:2: a correction needs AGNCY and EPISODID"
[ -e "$F/out.xml" ] && bad "an output was written"
run ndx-extract --source "csv:$EX" --as-of 2026-11-01 --corrections - \
    -o "$F/out.xml" </dev/null
want_rc 64
run ndx-extract --source "csv:$EX" --as-of 2026-11-01 --corrections "$EX"
want_rc 64
run ndx-extract --source "csv:$EX" --as-of 2026-11-01 \
    --corrections "$F/none.csv"
want_rc 66
tr ',' ';' <"$EX" >"$F/semi.csv"
run ndx-extract --source "csv:$EX" --as-of 2026-11-01 \
    --corrections "$F/semi.csv"
want_rc 65
want_fixed "$T/err" "semi.csv:1: the header is one field"
run ndx-extract --check --source "csv:$EX" --corrections "$F/semi.csv"
want_rc 65
end

finish
