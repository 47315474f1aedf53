#!/bin/sh
# ndx-transform --product pcc-return: every measure of metrics.md and every
# disclosure rule, on hand-made fixtures in tests/data/pcc whose figures
# were worked out by hand (NOTES.md there) and written as grids
# (*.want, expanded to the long CSV by expand.awk).  The fixtures go
# through ndx-extract and ndx-validate first, as in production.  The XML
# and HTML forms are goldens (UPDATE=1 rewrites them, in
# tests/data/pcc/golden); the HTML must parse, hold no script and name no
# http(s) URL.  Then the panel layout, --trend over a four-quarter
# extract of ndx-fixtures data (each quarter equal to a plain run of it)
# and --format csv-wide rebuilt from the long CSV.  PCC_BIG=ROWS also
# times a generated input of that many rows and prints the peak memory of
# each product.
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

# --- --layout panel: breakdowns down, the local authorities across with
# their codes, the force area's TOTAL column last (metrics.md, "Panel
# layout"); report, the default, is the layout without the option
begin html-panel
# shellcheck disable=SC2086
run ndx-transform $Q --format html --layout panel "$T/disclosure.xml"
want_rc 0
want_empty "$T/err" stderr
html_ok "$T/out"
want_golden "$T/out" disclosure-panel.html
cp "$T/out" "$T/panel.html"
# Every measure's table is a panel: its header row is the corner, the
# LAs in code order (name, then code), then the total.
n=$(grep -c '<table class="panel">' "$T/panel.html" || :)
[ "$n" -eq 9 ] || bad "$n panel tables, want 9"
awk '/<table class="panel">/ { on = 1 } on && /<\/thead>/ { exit } on' \
    "$T/panel.html" | sed -n 's/^<th scope="col" [^>]*>//p' |
    sed 's/<br><span class="code">/ /; s/<.*//' >"$T/heads"
printf '%s\n' Breakdown "Hartlepool E06000001" "Middlesbrough E06000002" \
    "Redcar and Cleveland E06000003" "Stockton-on-Tees E06000004" \
    "Cleveland (total) TOTAL" >"$T/want-heads"
want_same "$T/heads" "$T/want-heads" "the panel's header row"
# The breakdowns are the row headers, in the measure's order.
awk '/<table class="panel">/ { n++ } n == 1' "$T/panel.html" |
    sed -n 's/^<th scope="row" class="breakdown">\(.*\)<\/th>$/\1/p' \
    >"$T/rows"
printf '%s\n' Opiate "Non-opiate only" "Alcohol only" \
    "Non-opiate and alcohol" Total >"$T/want-rows"
want_same "$T/rows" "$T/want-rows" "the panel's row headers"
want_fixed "$T/panel.html" '<td class="num area-total">'
# shellcheck disable=SC2086
run ndx-transform $Q --format html --layout report "$T/disclosure.xml"
want_rc 0
want_same "$T/out" "$GOLDEN/disclosure-suppress.html" "--layout report"
if grep 'class="panel"\|class="breakdown"' "$T/out" >/dev/null; then
	bad "the report layout has panel tables"
fi
end

# --- --trend N: every measure for the quarter and the N - 1 before it,
# each exactly as if it were the period (metrics.md, "Trend"), on an
# extract of four quarters made by ndx-fixtures
begin trend-extract
run ndx-fixtures --seed 5 --clients 800 --target "csv:$T/t.csv"
want_rc 0
run ndx-extract --source "csv:$T/t.csv" --as-of 2026-11-01 \
    --from 2025-10-01 --to 2026-09-30 -o "$T/t.xml"
want_rc 0
run ndx-validate --area Cleveland -o "$T/tv.xml" "$T/t.xml"
[ "$rc" -le 1 ] || bad "ndx-validate exit status $rc, want 0 or 1"
end

TQ="--product pcc-return --area Cleveland"
begin trend-csv
# shellcheck disable=SC2086
run_to "$T/trend.csv" ndx-transform $TQ --quarter 2026Q2 --trend 4 \
    "$T/tv.xml"
want_rc 0
want_empty "$T/err" stderr
cut -d, -f1 "$T/trend.csv" | uniq >"$T/periods"
printf '%s\n' period 2025Q3 2025Q4 2026Q1 2026Q2 >"$T/want-periods"
want_same "$T/periods" "$T/want-periods" "the quarters, oldest first"
for q in 2025Q3 2026Q1 2026Q2; do
	# shellcheck disable=SC2086
	run ndx-transform $TQ --quarter "$q" "$T/tv.xml"
	want_rc 0
	sed 1d "$T/out" >"$T/plain-$q"
	[ -s "$T/plain-$q" ] || bad "no rows for --quarter $q"
	grep "^$q," "$T/trend.csv" >"$T/trend-$q" || :
	want_same "$T/trend-$q" "$T/plain-$q" "$q in the trend and alone"
done
end

begin trend-not-covered
# shellcheck disable=SC2086
run ndx-transform $TQ --quarter 2026Q2 --trend 5 "$T/tv.xml"
want_rc 65
want_empty "$T/out" stdout
want_prefixed "$T/err" ndx-transform
want_fixed "$T/err" "it lacks 2025Q2"
end

begin trend-of-a-month
# shellcheck disable=SC2086
run ndx-transform $TQ --month 2026-09 --trend 2 "$T/tv.xml"
want_rc 64
want_empty "$T/out" stdout
want_fixed "$T/err" "--trend"
end

# HTML: each measure's trend (its TOTAL row by quarter, a table and a
# chart), in both layouts; a hidden figure is said, not drawn
MEASURES="cj_in_treatment in_treatment cj_referrals cj_requirements_started
continuity_of_care cj_successful_completions cj_early_unplanned_exits
deaths_in_treatment hat"
for layout in report panel; do
	begin "trend-html-$layout"
	# shellcheck disable=SC2086
	run ndx-transform $TQ --quarter 2026Q2 --trend 4 --format html \
	    --layout "$layout" "$T/tv.xml"
	want_rc 0
	want_empty "$T/err" stderr
	html_ok "$T/out"
	cp "$T/out" "$T/trend-$layout.html"
	n=$(grep -c '<div class="trend" id="trend-' "$T/out" || :)
	[ "$n" -eq 9 ] || bad "$n trend sections, want 9"
	for m in $MEASURES; do
		want_fixed "$T/out" "<div class=\"trend\" id=\"trend-$m\">"
	done
	# Each has its chart, or says why not (every total zero or hidden).
	n=$(grep -c 'aria-labelledby="trend-chart-' "$T/out" || :)
	none=$(grep -c 'No chart: every total over the quarters' "$T/out" || :)
	if [ "$n" -lt 1 ] || [ $((n + none)) -ne 9 ]; then
		bad "$n trend charts and $none without one, want 9 in all"
	fi
	want_fixed "$T/out" "<h3>Cleveland total by quarter, 2025Q3 to 2026Q2</h3>"
	# The quarters down each trend table, oldest first, the period last.
	awk '/<table class="trend">/ { n++ } n == 1 && /<\/table>/ { exit }
	    n == 1' "$T/out" | sed -n 's/^<th scope="row"[^>]*>\([^<]*\)<.*/\1/p' \
	    >"$T/quarters"
	printf '%s\n' 2025Q3 2025Q4 2026Q1 2026Q2 >"$T/want-quarters"
	want_same "$T/quarters" "$T/want-quarters" "the trend table's quarters"
	want_fixed "$T/out" "are hidden under disclosure control (*) and not drawn."
	if grep '(hidden)' "$T/out" >/dev/null; then
		bad "a hidden bar is labelled one by one"
	fi
	end
done
# Without --trend there is no trend section.
begin no-trend-no-section
if grep 'class="trend"' "$GOLDEN/disclosure-suppress.html" >/dev/null; then
	bad "a report without --trend has a trend section"
fi
end

# --- --format csv-wide: the panel's shape, one row per measure x
# breakdown, a column per LA then TOTAL; every cell the long CSV's
begin csv-wide
# shellcheck disable=SC2086
run_to "$T/long.csv" ndx-transform $TQ --quarter 2026Q2 "$T/tv.xml"
want_rc 0
# shellcheck disable=SC2086
run_to "$T/wide.csv" ndx-transform $TQ --quarter 2026Q2 --format csv-wide \
    "$T/tv.xml"
want_rc 0
want_empty "$T/err" stderr
head -n 1 "$T/wide.csv" >"$T/wide-head"
echo period,measure,breakdown,E06000001,E06000002,E06000003,E06000004,TOTAL \
    >"$T/want-head"
want_same "$T/wide-head" "$T/want-head" "csv-wide header"
# One row per measure x breakdown: 43 (metrics.md's table).
want_lines "$T/wide.csv" 44 "csv-wide"
# The wide table rebuilt from the long one: rows in order of first
# appearance, one column per area code.
awk -F, 'NR == 1 { next }
	!(($4, $5) in seen) { seen[$4, $5] = 1; key[++nk] = $4 SUBSEP $5 }
	!($2 in col) { col[$2] = 1; code[++nc] = $2 }
	{ period = $1; cell[$4, $5, $2] = $6 }
	END {
		printf "period,measure,breakdown"
		for (c = 1; c <= nc; c++) printf ",%s", code[c]
		printf "\n"
		for (k = 1; k <= nk; k++) {
			split(key[k], mb, SUBSEP)
			printf "%s,%s,%s", period, mb[1], mb[2]
			for (c = 1; c <= nc; c++)
				printf ",%s", cell[mb[1], mb[2], code[c]]
			printf "\n"
		}
	}' "$T/long.csv" >"$T/want-wide.csv"
want_same "$T/wide.csv" "$T/want-wide.csv" "csv-wide against the long CSV"
# A few cells by name: the long CSV's value is in the column of its code.
for mbc in cj_in_treatment,opiate,E06000002 in_treatment,total,TOTAL \
    cj_referrals,arrest_referral,E06000004 continuity_of_care,rate,TOTAL \
    hat,in_treatment,E06000001; do
	m=${mbc%%,*}
	rest=${mbc#*,}
	b=${rest%%,*}
	c=${rest#*,}
	long=$(awk -F, -v m="$m" -v b="$b" -v c="$c" \
	    '$4 == m && $5 == b && $2 == c { print "=" $6 }' "$T/long.csv")
	wide=$(awk -F, -v m="$m" -v b="$b" -v c="$c" '
	    NR == 1 { for (i = 4; i <= NF; i++) if ($i == c) at = i; next }
	    $2 == m && $3 == b { print "=" $at }' "$T/wide.csv")
	[ -n "$long" ] || bad "no long row for $mbc"
	[ "$wide" = "$long" ] ||
	    bad "$mbc: csv-wide '$wide', long CSV '$long'"
done
# With --trend the wide rows of every quarter, oldest first.
# shellcheck disable=SC2086
run ndx-transform $TQ --quarter 2026Q2 --trend 4 --format csv-wide \
    "$T/tv.xml"
want_rc 0
want_lines "$T/out" $((4 * 43 + 1)) "csv-wide --trend 4"
cut -d, -f1 "$T/out" | uniq >"$T/periods"
want_same "$T/periods" "$T/want-periods" "csv-wide quarters, oldest first"
grep '^2026Q2,' "$T/out" >"$T/wide-q2" || :
sed 1d "$T/wide.csv" >"$T/want-q2"
want_same "$T/wide-q2" "$T/want-q2" "csv-wide 2026Q2 in the trend and alone"
end

finish
