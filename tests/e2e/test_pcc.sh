#!/bin/sh
# ndx-transform --product pcc-return: every measure of metrics.md and every
# disclosure rule, on hand-made fixtures in tests/data/pcc whose figures
# were worked out by hand (NOTES.md there) and written as grids
# (*.want, expanded to the long CSV by expand.awk).  The fixtures go
# through ndx-extract and ndx-validate first, as in production.  The XML
# and HTML forms are goldens (UPDATE=1 rewrites them, in
# tests/data/pcc/golden); the HTML must parse, hold no script and name no
# http(s) URL.  PCC_BIG=ROWS also times a generated input of that many
# rows and prints the peak memory of each product.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/browser.sh
. "$E2E/browser.sh"

P=$DATA/pcc
GOLDEN=$P/golden
Q="--product pcc-return --area Cleveland --quarter 2026Q2"
NOTICE="ndx-transform: not for publication: disclosure control off"

# valid NAME OUT [PERIOD-OPTION...]: $T/OUT.xml, the valid episodes of
# $P/NAME.csv (as of 2026-11-01).
valid() {
	_v=$1
	_o=$2
	shift 2
	begin "valid-$_o"
	run ndx-extract --source "csv:$P/$_v.csv" --as-of 2026-11-01 "$@"
	want_rc 0
	want_empty "$T/err" "ndx-extract stderr"
	cp "$T/out" "$T/$_o.episodes.xml"
	run ndx-validate --area Cleveland -o "$T/$_o.xml" \
	    "$T/$_o.episodes.xml"
	want_rc 0
	want_empty "$T/out" "ndx-validate stdout"
	end
}

# grid FIXTURE MODE: the product in CSV equals the hand-worked grid
# $P/FIXTURE-MODE.want; stderr is empty, or the notice for none.
grid() {
	begin "$1-$2"
	awk -v period=2026Q2 -f "$P/expand.awk" "$P/$1-$2.want" >"$T/want.csv"
	# shellcheck disable=SC2086 # $Q is a list of options
	run ndx-transform $Q --disclosure "$2" "$T/$1.xml"
	want_rc 0
	want_same "$T/out" "$T/want.csv" "CSV"
	if [ "$2" = none ]; then
		printf '%s\n' "$NOTICE" >"$T/want.err"
		want_same "$T/err" "$T/want.err" stderr
	else
		want_empty "$T/err" stderr
	fi
	end
}

# html FILE: parses as HTML (libxml2 2.9's parser knows neither HTML5
# sectioning elements nor inline SVG, and says so; nothing else may come
# up), no script, no external URL.
html_ok() {
	xmllint --html --noout "$1" >"$T/lint" 2>&1 || bad "xmllint failed"
	_tags='header\|nav\|main\|section\|figure\|figcaption\|svg\|rect\|text'
	grep 'error' "$T/lint" | grep -v "Tag \\($_tags\\|line\\) invalid" \
	    >"$T/lint.bad" || true
	want_empty "$T/lint.bad" "xmllint --html"
	if grep -i '<script' "$1" >/dev/null; then
		bad "HTML has a <script>"
	fi
	if grep -i 'https\?://' "$1" >"$T/urls"; then
		bad "HTML names a URL"
		show "$T/urls"
	fi
	return 0
}

valid measures measures
valid disclosure disclosure
valid disclosure disclosure-2026Q2 --quarter 2026Q2

# --- every measure, exact counts
grid measures none

# --- the pseudonymised form: the same people, PSEUDO_EPISODE breaks ties
begin pseudonymise-measures
cp "$P/test.key" "$T/test.key"
chmod 600 "$T/test.key"
run ndx-pseudonymise --key-file "$T/test.key" \
    -o "$T/measures-pseudonymised.xml" \
    "$T/measures.xml"
want_rc 0
end
grid measures-pseudonymised none

# --- every disclosure rule on the same counts
for mode in suppress round5 nhs none; do
	grid disclosure "$mode"
done

# --- suppression is the default; the period may come from the file
begin default-rule-and-file-period
awk -v period=2026Q2 -f "$P/expand.awk" "$P/disclosure-suppress.want" \
    >"$T/want.csv"
run ndx-transform --product pcc-return --area Cleveland \
    "$T/disclosure-2026Q2.xml"
want_rc 0
want_same "$T/out" "$T/want.csv" "CSV"
want_empty "$T/err" stderr
end

# --- the period is the label given, the range explicit
begin range-label
# shellcheck disable=SC2086
run ndx-transform --product pcc-return --area Cleveland --from 2026-07-01 \
    --to 2026-09-30 "$T/disclosure.xml"
want_rc 0
sed 's/^2026Q2,/2026-07-01..2026-09-30,/' "$T/want.csv" >"$T/want-range.csv"
want_same "$T/out" "$T/want-range.csv" "CSV"
end

# --- a period the file does not cover is 65 naming the gap, never a
# silent figure (issue 12: --quarter 2026Q1 on a 2026Q2 extract gave 0)
begin period-not-covered
run ndx-transform --product pcc-return --area Cleveland --quarter 2026Q1 \
    "$T/disclosure-2026Q2.xml"
want_rc 65
want_empty "$T/out" stdout
want_fixed "$T/err" "covers 2026-07-01 to 2026-09-30 (2026Q2), not all of 2026Q1: it lacks 2026-04-01 to 2026-06-30"
run ndx-transform --product pcc-return --area Cleveland --from 2026-07-01 \
    --to 2026-10-15 "$T/disclosure-2026Q2.xml"
want_rc 65
want_fixed "$T/err" "it lacks 2026-10-01 to 2026-10-15"
# A sub-period of what the file covers is fine.
run ndx-transform --product pcc-return --area Cleveland --from 2026-07-01 \
    --to 2026-07-31 "$T/disclosure-2026Q2.xml"
want_rc 0
end

# --- XML: well-formed, the same figures, golden
for mode in suppress none; do
	begin "xml-$mode"
	# shellcheck disable=SC2086
	run ndx-transform $Q --disclosure "$mode" --format xml \
	    "$T/disclosure.xml"
	want_rc 0
	xmllint --noout "$T/out" 2>"$T/lint" || bad "not well-formed XML"
	want_golden "$T/out" "disclosure-$mode.xml"
	[ "$mode" = none ] && want_fixed "$T/out" \
	    'notice="not for publication: disclosure control off"'
	end
done

# --- --html: the CSV and the HTML of one computation, the same as two runs
begin "html-beside-csv"
# shellcheck disable=SC2086
run ndx-transform $Q --disclosure suppress --format html "$T/disclosure.xml"
cp "$T/out" "$T/alone.html"
# shellcheck disable=SC2086
run ndx-transform $Q --disclosure suppress --format csv \
    --html "$T/beside.html" -o "$T/beside.csv" "$T/disclosure.xml"
want_rc 0
want_same "$T/beside.html" "$T/alone.html" "--html output"
# shellcheck disable=SC2086
run ndx-transform $Q --disclosure suppress --format csv "$T/disclosure.xml"
want_same "$T/beside.csv" "$T/out" "-o beside --html"
# shellcheck disable=SC2086
run ndx-transform $Q --format html --html "$T/x.html" "$T/disclosure.xml"
want_rc 64
end

# --- HTML: golden, parses, no script, no URL; none says so in its title
for f in disclosure-suppress disclosure-round5 disclosure-nhs measures-none
do
	begin "html-$f"
	# shellcheck disable=SC2086
	run ndx-transform $Q --disclosure "${f#*-}" --format html \
	    "$T/${f%-*}.xml"
	want_rc 0
	html_ok "$T/out"
	want_golden "$T/out" "$f.html"
	if [ "$f" = measures-none ]; then
		want_fixed "$T/out" "<title>PCC quarterly return: Cleveland, \
2026Q2 (not for publication: disclosure control off)</title>"
	else
		if grep 'not for publication' "$T/out" >/dev/null; then
			bad "a published report says not for publication"
		fi
		want_empty "$T/err" stderr
	fi
	end
done

# --- the report renders in a browser (no blank page)
if browser_ready; then
	begin html-renders
	cp "$GOLDEN/disclosure-suppress.html" "$T/report.html"
	browser_shot "$T/report.html" "$T/report.png"
	end
else
	skip html-renders "$browser_why"
fi

# --- CSV quoting only where needed (RFC 4180), through the stylesheet
begin csv-quoting
cat >"$T/quote.xml" <<'EOF'
<pcc-return xmlns="urn:ndx:pcc:1" period="2026Q2" area="A, &quot;B&quot;">
 <measure name="m"><row code="X1" name="Plain"><value breakdown="b">1</value>
 </row><row code="TOTAL" name="A, &quot;B&quot;"><value breakdown="b"/></row>
 </measure></pcc-return>
EOF
xsltproc "$TOP/transform/xslt/pcc-csv.xsl" "$T/quote.xml" >"$T/out" \
    2>"$T/err" || bad "xsltproc failed"
printf '%s\n' 'period,area_code,area_name,measure,breakdown,value' \
    '2026Q2,X1,Plain,m,b,1' '2026Q2,TOTAL,"A, ""B""",m,b,' >"$T/want"
want_same "$T/out" "$T/want" "CSV"
end

# --- failures
# no_run NAME RC TEXT ARG...: exit RC, nothing on stdout, TEXT on stderr.
no_run() {
	_name=$1
	_rc=$2
	_text=$3
	shift 3
	begin "$_name"
	run ndx-transform "$@"
	want_rc "$_rc"
	want_empty "$T/out" stdout
	want_prefixed "$T/err" ndx-transform
	want_fixed "$T/err" "$_text" stderr
	end
}
no_run no-area 64 "area" --product pcc-return --quarter 2026Q2 \
    "$T/disclosure.xml"
# An unknown area is a usage error: the message, then the usage.
begin unknown-area
run ndx-transform --product pcc-return --area Atlantis --quarter 2026Q2 \
    "$T/disclosure.xml"
want_rc 64
want_empty "$T/out" stdout
want_fixed "$T/err" "ndx-transform: --area Atlantis" stderr
end
# No period option and none in the file.  (The exit status is the
# command line's to choose: 64 in interfaces.md's reading, a bad period;
# 65 in transform.c's, an input lacking one.)
begin no-period
run ndx-transform --product pcc-return --area Cleveland "$T/disclosure.xml"
[ "$rc" -eq 64 ] || [ "$rc" -eq 65 ] || bad "exit status $rc"
want_empty "$T/out" stdout
want_prefixed "$T/err" ndx-transform
want_fixed "$T/err" "period" stderr
end
printf '<x/>\n' >"$T/not-episodes.xml"
no_run not-episodes 65 "not-episodes.xml" --product pcc-return \
    --area Cleveland --quarter 2026Q2 "$T/not-episodes.xml"
sed 's|<TRIAGED>2026-08-03</TRIAGED>|<TRIAGED>2026-08-3</TRIAGED>|' \
    "$T/disclosure.xml" >"$T/unvalidated.xml"
no_run not-validated 65 "ndx-validate" --product pcc-return \
    --area Cleveland --quarter 2026Q2 "$T/unvalidated.xml"
no_run missing-input 66 "nowhere.xml" --product pcc-return \
    --area Cleveland --quarter 2026Q2 "$T/nowhere.xml"
if [ -w /dev/full ]; then
	no_run disk-full 74 "write" --product pcc-return --area Cleveland \
	    --quarter 2026Q2 -o /dev/full "$T/disclosure.xml"
fi

# --- a large input, on demand: time and peak memory of each product
if [ -n "${PCC_BIG-}" ]; then
	begin "big-$PCC_BIG"
	awk -v ROWS="$PCC_BIG" -f "$P/big.awk" >"$T/big.csv"
	run ndx-extract --source "csv:$T/big.csv" --as-of 2026-11-01 \
	    -o "$T/big.episodes.xml"
	run ndx-validate --area Cleveland -o "$T/big.xml" \
	    "$T/big.episodes.xml"
	rm -f "$T/big.csv" "$T/big.episodes.xml"
	for fmt in csv xml html; do
		# shellcheck disable=SC2086
		/usr/bin/time -f "pcc-return $fmt, $PCC_BIG rows: %e s, %M KB" \
		    "$BIN/ndx-transform" $Q --format "$fmt" \
		    -o "$T/big-out.$fmt" "$T/big.xml" 2>"$T/time" ||
		    bad "$fmt failed"
		cat "$T/time"
	done
	end
fi

finish
