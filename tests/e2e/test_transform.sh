#!/bin/sh
# ndx-transform end to end, on the hand-made inputs of tests/data/transform:
#   episodes.xml          valid identifiable episodes (a client without
#                         consent, an episode with no intervention yet)
#   pseudo.xml            the same people pseudonymised (made-up pseudonyms)
#   pseudo-incomplete.xml pseudo.xml less one AGE_BAND
#   report.xml            a validator's XML report; report-clean.xml one
#                         with no problem; not-report.xml one cut short
#   example.csv           dataset.md's example; problems.csv the same with
#                         errors and warnings put in
# Goldens are in tests/data/transform/golden (make check UPDATE=1 rewrites
# them).  The Public Health pipeline needs ndx-pseudonymise and the
# screenshot needs chromium: without them those cases are skipped, never
# passed.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/browser.sh
. "$E2E/browser.sh"

TD=$DATA/transform
GOLDEN=$TD/golden
# Messages name their input as given: relative names keep goldens stable.
cd "$TD"

# fields FILE: the records of a CSV, quoting undone (TAB-separated), header
# first, without line numbers.
fields() {
	csv_records "$1" | cut -f 2-
}

# rows FILE: its records after the header, sorted, to compare as sets.
rows() {
	fields "$1" | sed 1d | sort
}

# consented CSV: the rows of a CSV whose CONSENT (column 11) is Y.  The
# fixtures quote nothing, so splitting on commas is exact here.
consented() {
	awk -F , 'NR > 1 && $11 != "N"' "$1"
}

# pipeline CSV: ndx-extract | ndx-validate, valid episodes in $T/valid.xml
# and the XML report in $T/report.xml; asserts the validator's status.
pipeline() {
	run_to "$T/episodes.xml" ndx-extract --source "csv:$1" \
	    --as-of 2026-11-05
	want_rc 0
	want_empty "$T/err" "ndx-extract stderr"
	run ndx-validate --area Cleveland -o "$T/valid.xml" \
	    --report "$T/report.xml" "$T/episodes.xml"
	want_rc "$2"
	want_prefixed "$T/err" ndx-validate
}

# --- the products, against goldens

t commissioner 0 ndx-transform --product commissioner episodes.xml
t public-health 0 ndx-transform --product public-health pseudo.xml
t validation-report 0 ndx-transform --product validation-report report.xml
t validation-report-clean 0 ndx-transform --product validation-report - \
    <report-clean.xml

# --- R130: CONSENT = N

begin commissioner-consent-n
run ndx-transform --product commissioner -o "$T/c.csv" - <episodes.xml
want_rc 0
want_empty "$T/out" stdout
want_empty "$T/err" stderr
# One row for C2's episode, though it has two interventions, with only
# AGNCY, CLIENTID, CONSENT and EPISODID filled.
fields "$T/c.csv" | awk -F '\t' '$2 == "C2"' >"$T/c2"
want_lines "$T/c2" 1 "rows of the client without consent"
fields "$T/c.csv" | awk -F '\t' '
	NR == 1 { for (i = 1; i <= NF; i++) name[i] = $i; next }
	$2 == "C2" { for (i = 1; i <= NF; i++) if ($i != "") print name[i] }
' | tr '\n' ' ' >"$T/filled"
echo >>"$T/filled"
echo "AGNCY CLIENTID CONSENT EPISODID " >"$T/filled.want"
want_same "$T/filled" "$T/filled.want" "items of the consent-N row"
end

begin public-health-consent-n
run ndx-transform --product public-health pseudo.xml
want_rc 0
want_empty "$T/err" stderr
want_lines "$T/out" 6 "the extract (header and 5 consented rows)"
if grep -F 5c5c5c5c00000000111111112222ffff "$T/out" >/dev/null; then
	bad "the client without consent is in the extract"
fi
end

# --- round trips through the pipeline

begin roundtrip-commissioner
consented example.csv | { head -n 1 example.csv; cat; } >"$T/consented.csv"
pipeline "$T/consented.csv" 0
run ndx-transform --product commissioner "$T/valid.xml"
want_rc 0
want_empty "$T/err" stderr
fields "$T/out" | head -n 1 >"$T/hdr.got"
fields example.csv | head -n 1 >"$T/hdr.want"
want_same "$T/hdr.got" "$T/hdr.want" "header"
rows "$T/out" >"$T/rows.got"
rows "$T/consented.csv" >"$T/rows.want"
want_same "$T/rows.got" "$T/rows.want" "rows (as a set)"
# On output every value is quoted (dataset.md §1).
if sed 1d "$T/out" | grep -v '^"[^"]*"\(,"[^"]*"\)*$' >"$T/unquoted"; then
	bad "values not all double-quoted"
	show "$T/unquoted"
fi
end

begin roundtrip-consent-n
pipeline "$PWD/example.csv" 0
run ndx-transform --product commissioner "$T/valid.xml"
want_rc 0
want_empty "$T/err" stderr
rows "$T/out" >"$T/rows.got"
{
	consented example.csv | csv_records /dev/stdin | cut -f 2-
	# C4 gave no consent: its one row keeps AGNCY, CLIENTID, CONSENT
	# and EPISODID only.
	printf 'N0852\tC4\t\t\t\t\t\t\t\t\tN\tEP-4'
	printf '\t%.0s' $(seq 23)
	echo
} | sort >"$T/rows.want"
want_same "$T/rows.got" "$T/rows.want" "rows (as a set)"
end

if [ -x "$BIN/ndx-pseudonymise" ]; then
	begin roundtrip-public-health
	pipeline "$PWD/example.csv" 0
	# The key of dataset.md's test vector; keys must be private.
	printf '%s\n' \
	    000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
	    >"$T/key"
	chmod 600 "$T/key"
	run ndx-pseudonymise --key-file "$T/key" -o "$T/pseudo.xml" \
	    "$T/valid.xml"
	want_rc 0
	run ndx-transform --product public-health "$T/pseudo.xml"
	want_rc 0
	want_empty "$T/err" stderr
	want_golden "$T/out" public-health-example.out
	want_lines "$T/out" 6 "the extract (header and 5 consented rows)"
	# Nothing identifying: no client id, no date of birth, no postcode.
	for _v in '"C1"' '"X9"' 07/03/1980 '"TS1 3QY"'; do
		if grep -F -e "$_v" "$T/out" >/dev/null; then
			bad "$_v is in the Public Health extract"
		fi
	done
	# The same person at two agencies has one pseudonym.
	fields "$T/out" | awk -F '\t' '$3 == "N0852" && $12 == "4" ||
	    $3 == "N1234" { print $1 }' | sort -u >"$T/people"
	want_lines "$T/people" 1 "pseudonyms of J S 07/03/1980 M"
	# dataset.md's test vector, computed once with Python's hmac.
	want_fixed "$T/people" 3e0ae1066e3bc064ce0fd70e2e9a1fab
	end
else
	skip roundtrip-public-health "ndx-pseudonymise is not built yet"
fi

# --- the validation report from a real run, and how it looks

begin validation-report-pipeline
pipeline "$PWD/problems.csv" 1
run_to "$T/report.html" ndx-transform --product validation-report \
    "$T/report.xml"
want_rc 0
want_empty "$T/err" stderr
# Errors first, then warnings, each rule with what to do.
grep -o 'id="R[0-9]*"' "$T/report.html" | tr '\n' ' ' >"$T/order"
echo >>"$T/order"
echo 'id="R001" id="R002" id="R041" id="R101" id="R120" id="R123" ' \
    >"$T/order.want"
want_same "$T/order" "$T/order.want" "order of the rules"
want_fixed "$T/report.html" "3 of 5 episodes were rejected"
want_fixed "$T/report.html" "Record the route of administration"
want_fixed "$T/report.html" "<td><code>***</code></td>"
# Self-contained: no script, nothing fetched.
if grep -i -E '<script|(src|href)="[a-z]+:|@import|url\(' \
    "$T/report.html" >"$T/external"; then
	bad "the report refers to something outside itself"
	show "$T/external"
fi
end

# A rule with more problems than a page can usefully list: the first 500
# are listed, the summary's count is given, memory does not follow the
# report's size.
begin validation-report-capped
awk '/rule="R041"/ && !done { for (i = 0; i < 1200; i++) print; done = 1 }
    { sub(/id="R041" severity="error" count="2"/,
          "id=\"R041\" severity=\"error\" count=\"1201\""); print }' \
    report.xml >"$T/big-report.xml"
run_to "$T/big.html" ndx-transform --product validation-report \
    "$T/big-report.xml"
want_rc 0
want_empty "$T/err" stderr
want_fixed "$T/big.html" "The first 500 are listed here; the CSV report lists all 1201."
want_fixed "$T/big.html" '<td class="num">1201</td>'
grep -c 'ROUTE is missing' "$T/big.html" >"$T/n"
echo 500 >"$T/n.want"
want_same "$T/n" "$T/n.want" "R041 rows listed"
end

if browser_ready; then
	begin validation-report-screenshot
	browser_shot "$T/report.html" "$T/report.png"
	end
else
	skip validation-report-screenshot "$browser_why"
fi

# --- refusals: the wrong input is not transformed

t commissioner-pseudonymised 65 ndx-transform --product commissioner \
    pseudo.xml
t public-health-identifiable 65 ndx-transform --product public-health \
    episodes.xml
t validation-report-episodes 65 ndx-transform --product \
    validation-report episodes.xml
t validation-report-cut-short 65 ndx-transform --product \
    validation-report not-report.xml
t missing-input 66 ndx-transform --product commissioner no-such-file.xml
t missing-report 66 ndx-transform --product validation-report \
    no-such-file.xml

begin public-health-identifiable-says-why
run ndx-transform --product public-health - <episodes.xml
want_rc 65
want_fixed "$T/err" "run ndx-pseudonymise first"
want_prefixed "$T/err" ndx-transform
end

# A missing derived item stops the run, and -o is not written at all.
begin public-health-incomplete
run ndx-transform --product public-health -o "$T/ph.csv" \
    pseudo-incomplete.xml
want_rc 65
want_empty "$T/out" stdout
want_golden "$T/err" public-health-incomplete.err
[ ! -e "$T/ph.csv" ] || bad "-o file written by a failed run"
end

begin not-well-formed
printf '<report xmlns="urn:ndx:report:1">\n<summary>\n' >"$T/broken.xml"
run ndx-transform --product validation-report "$T/broken.xml"
want_rc 65
# The streaming reader names the line it stopped on (libxml2 2.9: the
# open tag's), where a whole-document parse named the end of the data.
want_fixed "$T/err" "broken.xml:2: not well-formed XML"
end

# --- output failures

for _p in commissioner:episodes.xml public-health:pseudo.xml \
    validation-report:report.xml; do
	begin "dev-full-${_p%%:*}"
	run ndx-transform --product "${_p%%:*}" -o /dev/full "${_p#*:}"
	want_rc 74
	want_fixed "$T/err" "ndx-transform: /dev/full: write error"
	end
done

begin output-cannot-be-created
run ndx-transform --product commissioner -o "$T/no/such/dir/c.csv" \
    episodes.xml
want_rc 73
want_prefixed "$T/err" ndx-transform
end

# --- usage

t no-product 64 ndx-transform episodes.xml
t bad-product 64 ndx-transform --product nonesuch episodes.xml
t bad-format 64 ndx-transform --product commissioner --format html \
    episodes.xml
t bad-option 64 ndx-transform --product commissioner --nonesuch \
    episodes.xml
t two-inputs 64 ndx-transform --product commissioner episodes.xml \
    pseudo.xml
t period-not-for-commissioner 64 ndx-transform --product commissioner \
    --month 2026-10 episodes.xml
t bad-month 64 ndx-transform --product pcc-return --month 2026-13 \
    episodes.xml
t two-periods 64 ndx-transform --product pcc-return --month 2026-10 \
    --quarter 2026Q2 episodes.xml
t from-without-to 64 ndx-transform --product pcc-return \
    --from 2026-04-01 episodes.xml
t bad-threshold 64 ndx-transform --product pcc-return --threshold 0 \
    episodes.xml
t bad-disclosure 64 ndx-transform --product pcc-return \
    --disclosure hide episodes.xml
t bad-area 64 ndx-transform --product pcc-return --area Atlantis \
    episodes.xml
t help 0 ndx-transform --help
t version 0 ndx-transform --version

finish
