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
# Three consenting persons, each in an LA of their own: k = 1 each.
want_lines "$T/err" 1 stderr
want_fixed "$T/err" "ndx-transform: risk: persons=3 k_min=1 below_5=3"
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
	want_lines "$T/err" 1 stderr
	want_prefixed "$T/err" "ndx-transform: risk"
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

# A root attribute too long for ndx's header is refused at the root, not
# cut (a cut could end inside a UTF-8 sequence; the fuzzer found one).
begin long-root-attribute
# A cut at 15 bytes would end inside the two-byte character.
printf '<?xml version="1.0" encoding="UTF-8"?>\n<episodes xmlns="urn:ndx:episodes:1" dataset="1" asof="2026-10-02" source="postgresql-123\313\256">\n</episodes>\n' \
    >"$T/long-source.xml"
run ndx-transform --product commissioner "$T/long-source.xml"
want_rc 65
want_empty "$T/out" stdout
want_fixed "$T/err" \
    "long-source.xml:2: root attribute source is 16 bytes long; at most 15 expected"
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

# --- disclosure risk (exchange.md §8), on the hand-made tests/data/risk
# Persons of risk.xml (Q = AGE_AT_TRIAGE, SEX, ETHNIC, LA, PC_DISTRICT of
# the earliest row; LA1 E06000001, LA2 E06000002):
#   p1  25 M A LA1 TS1    p14 28 M A LA1 TS14   p15 29 M B LA1 TS15
#   p2  27 M C LA1 TS3 (its N1234 row: same TRIAGED as its N0852 row,
#       smaller PSEUDO_EPISODE)             p3 27 M C LA1 TS3
#   p4  30 F D LA2 TS5 (earliest row listed second)   p5 30 F D LA2 TS5
#   p6  33 F G LA2 -      p7 40 M H LA1 TS7     p8 41 M L LA1 TS8
#   p9  50 F M LA2 TS9    p10 52 F P LA1 TS10   p11 60 M R LA2 TS11
#   p12 61 M S LA2 TS12   p13 35 F Z LA1 TS1
#   p16 no consent; p3's other record (N1234) no consent.
# k: p2 p3 2, p4 p5 2, the others 1: persons 15, k_min 1, below_5 15.
# Generalised (AGE_BAND, SEX, broad ETHNIC, LA):
#   (25-29 M WH LA1) p1 p2 p3 p14 p15: 5    (30-34 F MX LA2) p4 p5 p6: 3
#   (40-44 M AS LA1) p7 p8: 2   (50-54 F BL LA2) p9: 1
#   (50-54 F BL LA1) p10: 1     (55-64 M OT LA2) p11 p12: 2
#   (35-39 F Z LA1) p13: 1
# --min-k 3 suppresses p7-p13 (7); published ("" SEX "" LA): (M LA1) p7 p8
# 2, (F LA2) p9 1, (F LA1) p10 p13 2, (M LA2) p11 p12 2; with the 5 and
# the 3: after_k_min 1, after_below_5 15 - 5 = 10.  --min-k 2 suppresses
# p9 p10 p13 (3), --min-k 1 nobody; the published k are the same groups'
# sizes, so both give after_k_min 1, after_below_5 10.
# Rows: 18 consenting episodes, 20 rows; left out: p16's 2 episodes and
# p3's 1 at N1234, 3.
R=$DATA/risk
RISK_BEFORE="persons=15 k_min=1 below_5=15"

# q_cols CSV: PSEUDO_CLIENT .. PC_DISTRICT of each row, unquoted (the
# fixtures hold no comma).
q_cols() {
	cut -d , -f 1-9 "$1" | tr -d '"'
}

# other_cols CSV: every other column.
other_cols() {
	cut -d , -f 3,10- "$1"
}

begin risk-figures
run ndx-transform --product public-health "$R/risk.xml"
want_rc 0
want_lines "$T/err" 1 stderr
want_fixed "$T/err" "ndx-transform: risk: $RISK_BEFORE"
want_lines "$T/out" 21 "the extract (header and 20 rows)"
cp "$T/out" "$T/risk.plain.csv"
# Measured, not changed: the values are the input's.
q_cols "$T/out" | grep -F -x \
    '04040404040404040404040404040404,b0400000000000000000000000000000,N0852,30,30-34,F,D,E06000002,TS5' \
    >/dev/null || bad "p4's second episode is not as in the input"
end

# choice.xml: rightly chosen rows give every person k = 2; any wrong
# choice (latest row, the tie's larger PSEUDO_EPISODE, the row of a
# record without consent) leaves someone alone, and a person without
# consent counted would make 7.
begin risk-which-row
run ndx-transform --product public-health "$R/choice.xml"
want_rc 0
want_lines "$T/err" 1 stderr
want_fixed "$T/err" "ndx-transform: risk: persons=6 k_min=2 below_5=6"
end

# TRIAGED is mandatory: a row without it stops the run before any
# output, with or without --min-k (docs/design.md, "Disclosure risk").
for _k in "" 2; do
	begin "risk-no-triaged${_k:+-min-k}"
	rm -f "$T/nt.csv"
	run ndx-transform --product public-health ${_k:+--min-k $_k} \
	    -o "$T/nt.csv" "$R/no-triaged.xml"
	want_rc 65
	want_fixed "$T/err" "<TRIAGED> is missing"
	[ ! -e "$T/nt.csv" ] || bad "an extract was written"
	end
done

begin min-k-3
rm -f "$T/s3"
run ndx-transform --product public-health --min-k 3 --summary "$T/s3" \
    -o "$T/r3.csv" "$R/risk.xml"
want_rc 0
want_empty "$T/out" stdout
want_lines "$T/err" 1 stderr
want_fixed "$T/err" "ndx-transform: risk: $RISK_BEFORE min_k=3 \
after_k_min=1 after_below_5=10 suppressed=7"
# Every row: no AGE_AT_TRIAGE or PC_DISTRICT, ETHNIC's broad group, and
# p7 to p13 without AGE_BAND or ETHNIC on every one of their rows.
cat >"$T/r3.want" <<'WANT'
PSEUDO_CLIENT,PSEUDO_EPISODE,AGNCY,AGE_AT_TRIAGE,AGE_BAND,SEX,ETHNIC,LA,PC_DISTRICT
01010101010101010101010101010101,c0100000000000000000000000000000,N0852,,25-29,M,WH,E06000001,
01010101010101010101010101010101,c0100000000000000000000000000000,N0852,,25-29,M,WH,E06000001,
02020202020202020202020202020202,f0200000000000000000000000000000,N0852,,25-29,M,WH,E06000001,
03030303030303030303030303030303,c0300000000000000000000000000000,N0852,,25-29,M,WH,E06000001,
14141414141414141414141414141414,c1400000000000000000000000000000,N0852,,25-29,M,WH,E06000001,
15151515151515151515151515151515,c1500000000000000000000000000000,N0852,,25-29,M,WH,E06000001,
04040404040404040404040404040404,a0400000000000000000000000000000,N0852,,30-34,F,MX,E06000002,
04040404040404040404040404040404,b0400000000000000000000000000000,N0852,,30-34,F,MX,E06000002,
05050505050505050505050505050505,c0500000000000000000000000000000,N0852,,30-34,F,MX,E06000002,
06060606060606060606060606060606,c0600000000000000000000000000000,N0852,,30-34,F,MX,E06000002,
07070707070707070707070707070707,c0700000000000000000000000000000,N0852,,,M,,E06000001,
07070707070707070707070707070707,d0700000000000000000000000000000,N0852,,,M,,E06000001,
07070707070707070707070707070707,d0700000000000000000000000000000,N0852,,,M,,E06000001,
08080808080808080808080808080808,c0800000000000000000000000000000,N0852,,,M,,E06000001,
09090909090909090909090909090909,c0900000000000000000000000000000,N0852,,,F,,E06000002,
10101010101010101010101010101010,c1000000000000000000000000000000,N0852,,,F,,E06000001,
11111111111111111111111111111111,c1100000000000000000000000000000,N0852,,,M,,E06000002,
12121212121212121212121212121212,c1200000000000000000000000000000,N0852,,,M,,E06000002,
13131313131313131313131313131313,c1300000000000000000000000000000,N0852,,,F,,E06000001,
02020202020202020202020202020202,a0200000000000000000000000000000,N1234,,25-29,M,WH,E06000001,
WANT
q_cols "$T/r3.csv" >"$T/r3.got"
want_same "$T/r3.got" "$T/r3.want" "generalised values"
other_cols "$T/r3.csv" >"$T/r3.other"
other_cols "$T/risk.plain.csv" >"$T/plain.other"
want_same "$T/r3.other" "$T/plain.other" "the columns --min-k leaves alone"
printf '%s\n' "episodes 18" "rows 20" "persons 15" "consent-excluded 3" \
    "risk $RISK_BEFORE min_k=3 after_k_min=1 after_below_5=10 \
suppressed=7" >"$T/s3.want"
want_same "$T/s3" "$T/s3.want" "the summary"
end

# --min-k 1 suppresses nobody: every broad group shows (H L AS, M P BL,
# R S OT, Z stays).
begin min-k-1-broad-groups
run ndx-transform --product public-health --min-k 1 "$R/risk.xml"
want_rc 0
want_fixed "$T/err" "ndx-transform: risk: $RISK_BEFORE min_k=1 \
after_k_min=1 after_below_5=10 suppressed=0"
q_cols "$T/out" | sed 1d | cut -d , -f 1,5,7 | sort -u >"$T/g.got"
cat >"$T/g.want" <<'WANT'
01010101010101010101010101010101,25-29,WH
02020202020202020202020202020202,25-29,WH
03030303030303030303030303030303,25-29,WH
04040404040404040404040404040404,30-34,MX
05050505050505050505050505050505,30-34,MX
06060606060606060606060606060606,30-34,MX
07070707070707070707070707070707,40-44,AS
08080808080808080808080808080808,40-44,AS
09090909090909090909090909090909,50-54,BL
10101010101010101010101010101010,50-54,BL
11111111111111111111111111111111,55-64,OT
12121212121212121212121212121212,55-64,OT
13131313131313131313131313131313,35-39,Z
14141414141414141414141414141414,25-29,WH
15151515151515151515151515151515,25-29,WH
WANT
want_same "$T/g.got" "$T/g.want" "AGE_BAND and broad ETHNIC per person"
if q_cols "$T/out" | sed 1d | cut -d , -f 4,9 | grep -v -x , >/dev/null
then
	bad "AGE_AT_TRIAGE or PC_DISTRICT published"
fi
end

begin min-k-2
run ndx-transform --product public-health --min-k 2 "$R/risk.xml"
want_rc 0
want_fixed "$T/err" "ndx-transform: risk: $RISK_BEFORE min_k=2 \
after_k_min=1 after_below_5=10 suppressed=3"
# p9, p10 and p13 lost AGE_BAND and ETHNIC; p7 kept them.
q_cols "$T/out" | awk -F , '$5 == "" && $7 == "" { print $1 }' |
    sort -u | cut -c 1-2 | tr '\n' ' ' >"$T/sup"
printf '09 10 13 ' >"$T/sup.want"
want_same "$T/sup" "$T/sup.want" "persons suppressed"
end

# The same extract and figures from a file, a regular standard input, a
# pipe and a named pipe (the last two spooled to an unnamed temporary
# file, which leaves nothing in TMPDIR).
for _k in "" 3; do
	run ndx-transform --product public-health ${_k:+--min-k $_k} \
	    "$R/risk.xml"
	cp "$T/out" "$T/file.out"
	cp "$T/err" "$T/file.err"
	for _how in redirect pipe fifo; do
		begin "risk-$_how${_k:+-min-k}"
		mkdir -p "$T/spool"
		rm -f "$T/fifo"
		_tmp=${TMPDIR-}
		TMPDIR=$T/spool
		export TMPDIR
		case $_how in
		redirect)
			run ndx-transform --product public-health \
			    ${_k:+--min-k $_k} - <"$R/risk.xml"
			;;
		pipe)
			mkfifo "$T/fifo"
			cat "$R/risk.xml" >"$T/fifo" &
			run ndx-transform --product public-health \
			    ${_k:+--min-k $_k} <"$T/fifo"
			wait
			;;
		fifo)
			mkfifo "$T/fifo"
			cat "$R/risk.xml" >"$T/fifo" &
			run ndx-transform --product public-health \
			    ${_k:+--min-k $_k} "$T/fifo"
			wait
			;;
		esac
		if [ -n "$_tmp" ]; then TMPDIR=$_tmp; else unset TMPDIR; fi
		want_rc 0
		want_same "$T/out" "$T/file.out" "the extract"
		want_same "$T/err" "$T/file.err" "the risk line"
		[ -z "$(ls -A "$T/spool")" ] || bad "left files in TMPDIR"
		end
	done
done

# pseudo.xml's person without consent has 1 episode (dataset.md §6).
begin summary-without-min-k
run ndx-transform --product public-health --summary "$T/s" \
    -o "$T/p.csv" pseudo.xml
want_rc 0
printf '%s\n' "episodes 4" "rows 5" "persons 3" "consent-excluded 1" \
    "risk persons=3 k_min=1 below_5=3" >"$T/s.want"
want_same "$T/s" "$T/s.want" "the summary"
end

begin summary-cannot-be-created
rm -f "$T/p2.csv"
run ndx-transform --product public-health --summary "$T/no/dir/s" \
    -o "$T/p2.csv" pseudo.xml
want_rc 73
[ ! -e "$T/p2.csv" ] || bad "the extract was published without its summary"
end

# --min-k N, N a whole number from 1; both options are public-health's.
for _n in 0 -1 abc 1.5 "" 2x 99999999999; do
	begin "bad-min-k-'$_n'"
	run ndx-transform --product public-health --min-k "$_n" pseudo.xml
	want_rc 64
	want_empty "$T/out" stdout
	want_fixed "$T/err" "--min-k"
	end
done
for _p in commissioner pcc-return; do
	for _o in "--min-k 3" "--summary $T/s-$_p"; do
		begin "${_o%% *}-not-for-$_p"
		# shellcheck disable=SC2086 # option and value
		run ndx-transform --product "$_p" $_o episodes.xml
		want_rc 64
		want_fixed "$T/err" "are for --product public-health"
		[ ! -e "$T/s-$_p" ] || bad "a summary was written"
		end
	done
done
begin summary-and-extract-on-stdout
run ndx-transform --product public-health --summary - pseudo.xml
want_rc 64
want_empty "$T/out" stdout
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
