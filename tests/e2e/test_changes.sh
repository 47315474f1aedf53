#!/bin/sh
# Month on month (issue 13): ndx-run writes provider/changes.csv against
# the previous run of the same financial year: episodes added, changed
# (which items), gone, and those rejected with the month they were first
# rejected; the first run of a financial year compares with nothing.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

[ -e "$BIN/../schemas" ] && ln -s "$(cd "$BIN/.." && pwd)/schemas" "$T/schemas"
[ -e "$BIN/../transform" ] &&
    ln -s "$(cd "$BIN/.." && pwd)/transform" "$T/transform"
"$BIN/ndx-pseudonymise" keygen "$T/key"
printf 'a passphrase\n' >"$T/pass"
chmod 600 "$T/pass"
OUT=$T/runs
SRC=$T/export.csv
cp "$TOP/fixtures/demo.csv" "$SRC"
cat >"$T/ndx.conf" <<CONF
source = csv:$SRC
agency = N0852, N1234
area = Cleveland
key_file = $T/key
passphrase_file = $T/pass
output_root = $OUT
as_of = 2026-11-01
CONF
HEADER=change,since,agncy,clientid,episodid,items,first_rejected

# rejected_keys RUN: AGNCY,CLIENTID,EPISODID of the run's rejects, once each.
rejected_keys() {
	sed 1d "$OUT/$1/provider/rejects.csv" | tr -d '"' | cut -d, -f1,2,12 |
	    LC_ALL=C sort -u
}

begin "the first run of the year: every episode added"
run ndx-run --config "$T/ndx.conf" --month 2026-09
want_rc 1
C=$OUT/2026-09/provider/changes.csv
[ "$(head -n 1 "$C")" = "$HEADER" ] || bad "header $(head -n 1 "$C")"
grep -c '^added,,' "$C" >"$T/n" || :
grep -o '<EPISODID>' "$OUT/2026-09/provider/valid.xml" | wc -l |
    tr -d ' ' >"$T/want"
want_same "$T/n" "$T/want" "added = the valid episodes"
rejected_keys 2026-09 | sed 's/^/rejected,,/; s/$/,,2026-09/' >"$T/want"
grep '^rejected,' "$C" >"$T/got" || :
want_same "$T/got" "$T/want" "the rejected episodes, first rejected now"
[ -s "$T/want" ] || bad "the demo has no rejected episode"
want_fixed "$OUT/2026-09/run.log" "changes since=(none: the first run of the financial year)"
want_fixed "$OUT/2026-09/provider/validation-report.html" "The first run of the financial year"
end

begin "the next month: added, changed, gone, still rejected"
# EP-2's employment status changes, EP-10 is deleted, EP-11 is new (a
# second episode of C5's, once EP-5 is discharged).
awk -F, -v OFS=, '$12 == "EP-2" { $22 = "9" } $12 == "EP-10" { next }
    $12 == "EP-5" { $27 = "20/09/2026"; $28 = "80"; $34 = "20/09/2026";
	$35 = "A" }
    { print }
    $12 == "EP-5" { $12 = "EP-11"; $13 = $14 = $32 = $33 = "01/10/2026";
	$27 = $28 = $34 = $35 = ""; $29 = "M1"; print }' \
    "$TOP/fixtures/demo.csv" >"$SRC"
run ndx-run --config "$T/ndx.conf" --month 2026-10
want_rc 1
C=$OUT/2026-10/provider/changes.csv
{
	echo "$HEADER"
	echo "added,2026-09,N0852,C5,EP-11,,"
	echo "changed,2026-09,N0852,C2,EP-2,EMPSTAT,"
	echo "changed,2026-09,N0852,C5,EP-5,DISD DISRSN interventions,"
	echo "gone,2026-09,N0852,C9,EP-10,,"
	rejected_keys 2026-10 | while IFS= read -r k; do
		if rejected_keys 2026-09 | grep -qx "$k"; then
			echo "rejected,2026-09,$k,,2026-09"
		else
			echo "rejected,2026-09,$k,,2026-10"
		fi
	done
} >"$T/want"
want_same "$C" "$T/want" "changes.csv"
grep -q ',2026-09$' "$C" || bad "no episode still rejected from September"
want_fixed "$OUT/2026-10/run.log" "changes since=2026-09 added=1 changed=2 gone=1 "
# The validation report's page says it first.
H=$OUT/2026-10/provider/validation-report.html
want_fixed "$H" "Since the last submission"
tr -d '\n' <"$H" | sed 's/<[^>]*>//g; s/  */ /g' >"$T/page"
nrej=$(grep -c '^rejected,' "$C" || :)
nold=$(grep -c '^rejected,.*,2026-09$' "$C" || :)
want_fixed "$T/page" "Against the run for 2026-09: 1 episodes added, 2 changed, 1 gone; $nrej rejected, $nold of them rejected in an earlier period and still outstanding"
end

begin "April does not compare with March: a new financial year"
cp -R "$OUT/2026-09" "$OUT/2026-03"
cp "$TOP/fixtures/demo.csv" "$SRC"
run ndx-run --config "$T/ndx.conf" --month 2026-04
want_rc 1
grep -q '^added,,' "$OUT/2026-04/provider/changes.csv" ||
    bad "April compared with an earlier month"
grep -q ',2026-03,' "$OUT/2026-04/provider/changes.csv" &&
    bad "April compared with March"
end

begin "changes.csv stays with the provider"
for z in "$OUT"/2026-10/*.zip "$OUT"/2026-10/*.tar.gz; do
	[ -e "$z" ] || continue
	"$BIN/ndx-pack" unpack --passphrase-file "$T/pass" "$z" "$T/u" \
	    2>/dev/null || bad "cannot unpack ${z##*/}"
	[ -e "$T/u/changes.csv" ] && bad "changes.csv in ${z##*/}"
	rm -rf "$T/u"
done
end

finish
