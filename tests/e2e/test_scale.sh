#!/bin/sh
# One client with a million rows (issue 6), in three shapes made by
# tests/data/scale/one-client.awk: one episode of a million interventions,
# a thousand episodes of a thousand, and a million episodes of one (read,
# written and judged in parts, issue 11).  Each goes through ndx-extract,
# ndx-validate, ndx-pseudonymise and every ndx-transform product; each
# program must succeed, account for every row, keep the rows in order, and
# peak under 256 MiB (the maximum resident set /usr/bin/time reports).
# Memory is per client by design, so this is the worst case for it.  The
# first two shapes run side by side, one per core, then the third, which
# has the most to write; each prints its times.
#
# NDX_SCALE_ROWS sets the number of rows.  Under $VALGRIND it defaults to
# 2,000 and under AddressSanitizer to 100,000, and memory is not checked:
# neither measures the program alone.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

RSS_MAX=262144	# KiB
CHECK_RSS=1
if [ -n "$VALGRIND" ]; then
	ROWS=${NDX_SCALE_ROWS:-2000}
	CHECK_RSS=
elif ldd "$BIN/ndx-extract" 2>/dev/null | grep -q libasan; then
	ROWS=${NDX_SCALE_ROWS:-100000}
	CHECK_RSS=
else
	ROWS=${NDX_SCALE_ROWS:-1000000}
fi
EPISODES_MANY=1000
KEY=$T/key

if [ ! -x /usr/bin/time ]; then
	skip scale "no /usr/bin/time (Debian package time)"
	finish
	exit
fi

# timed DIR NAME PROG ARG...: runs PROG with standard output to
# DIR/NAME.out and standard error to DIR/NAME.err; DIR/NAME.time gets
# "SECONDS KIB STATUS".
timed() {
	_d=$1
	_n=$2
	_p=$3
	shift 3
	# shellcheck disable=SC2086 # VALGRIND is a command prefix: split it
	/usr/bin/time --quiet -o "$_d/$_n.time" -f '%e %M %x' \
	    $VALGRIND "$BIN/$_p" "$@" >"$_d/$_n.out" 2>"$_d/$_n.err" || :
}

# pipeline DIR EPISODES: the whole chain on ROWS rows in EPISODES
# episodes.  What the checks need of the large files is kept in small ones
# (DIR/*.count), and each large file is removed once read: the two shapes
# make over 2 GB between them.
pipeline() {
	_d=$1
	mkdir -p "$_d"
	awk -v ROWS="$ROWS" -v EPISODES="$2" -f "$DATA/scale/one-client.awk" \
	    >"$_d/in.csv"
	timed "$_d" extract ndx-extract -v --source "csv:$_d/in.csv" \
	    --as-of 2026-11-01 --from 2010-01-01 --to 2026-10-31 \
	    -o "$_d/episodes.xml"
	rm -f "$_d/in.csv"
	for _e in client episode intervention; do
		printf '%s ' "$(grep -c "^ *<$_e[ >/]" "$_d/episodes.xml")"
	done >"$_d/extract.count"
	timed "$_d" validate ndx-validate --area Cleveland \
	    --report "$_d/report.xml" --rejects "$_d/rejects.csv" \
	    -o "$_d/valid.xml" "$_d/episodes.xml"
	rm -f "$_d/episodes.xml"
	timed "$_d" pseudonymise ndx-pseudonymise --key-file "$KEY" \
	    -o "$_d/pseudo.xml" "$_d/valid.xml"
	timed "$_d" commissioner ndx-transform --product commissioner \
	    -o "$_d/commissioner.csv" "$_d/valid.xml"
	# Rows, episodes, and whether each episode's rows are together and
	# in MODID order (M1, M2, ...: the order of the input).
	awk -F, 'NR > 1 {
		m = substr($29, 3) + 0
		if ($12 != last) {
			if (seen[$12]++)
				bad = 1
			want = 1
			n++
		}
		if (m != want++)
			bad = 1
		last = $12
	}
	END { print NR - 1, n, bad ? "disordered" : "ordered" }' \
	    "$_d/commissioner.csv" >"$_d/commissioner.count"
	rm -f "$_d/commissioner.csv"
	timed "$_d" public-health ndx-transform --product public-health \
	    -o "$_d/public-health.csv" "$_d/pseudo.xml"
	wc -l <"$_d/public-health.csv" >"$_d/public-health.count"
	rm -f "$_d/public-health.csv" "$_d/pseudo.xml"
	timed "$_d" pcc-return ndx-transform --product pcc-return \
	    --area Cleveland --disclosure none -o "$_d/pcc.csv" \
	    "$_d/valid.xml"
	rm -f "$_d/valid.xml"
	timed "$_d" validation-report ndx-transform \
	    --product validation-report -o "$_d/report.html" "$_d/report.xml"
}

# ran DIR NAME SHAPE: NAME's exit status was 0 and its peak under
# RSS_MAX; prints its time and peak.  Leaves its stderr in $T/err.
ran() {
	cat "$1/$2.err" >"$T/err" 2>/dev/null || :
	# shellcheck disable=SC2046 # three words, split on purpose
	set -- "$1" "$2" "$3" $(tail -n 1 "$1/$2.time" 2>/dev/null)
	case "$4 $5 $6" in
	*[!0-9.\ ]* | " "*)
		bad "$2 did not run to the end: '$4 $5 $6'"
		return 0
		;;
	esac
	rc=$6
	_kib=$5
	printf '%s, %s rows: %s: %s s, %s MiB\n' "$3" "$ROWS" "$2" "$4" \
	    $((_kib / 1024))
	want_rc 0
	if [ -n "$CHECK_RSS" ] && [ "$_kib" -ge "$RSS_MAX" ]; then
		bad "$2 peaked at $_kib KiB, over $RSS_MAX"
	fi
	return 0
}

# persons DIR: ROWS rows of ROWS / 2 persons (tests/data/risk/persons.awk)
# piped into the generalised Public Health extract: a pipe read twice
# through its spool, in memory per person (exchange.md §8).
persons() {
	mkdir -p "$1"
	awk -v ROWS="$ROWS" -f "$DATA/risk/persons.awk" |
	    timed "$1" min-k ndx-transform --product public-health \
	    --min-k 5 --summary "$1/summary" -o "$1/ph.csv" -
	wc -l <"$1/ph.csv" >"$1/ph.count" 2>/dev/null || :
	rm -f "$1/ph.csv"
}

# want_file_is FILE TEXT: FILE holds the one line TEXT.
want_file_is() {
	_got=$(cat "$1" 2>/dev/null) || :
	[ "$_got" = "$2" ] || bad "${1##*/} is '$_got', want '$2'"
	return 0
}

# want_output FILE TEXT: FILE was written and contains TEXT.
want_output() {
	if [ -f "$1" ]; then
		want_fixed "$1" "$2"
	else
		bad "no ${1##*/}"
	fi
}

"$BIN/ndx-pseudonymise" keygen "$KEY" >/dev/null 2>&1 ||
    echo "ndx-pseudonymise keygen failed"
pipeline "$T/one" 1 &
pid_one=$!
pipeline "$T/many" "$EPISODES_MANY" &
pid_many=$!
wait "$pid_one" || :
wait "$pid_many" || :
pipeline "$T/single" "$ROWS"
persons "$T/persons"

for shape in one many single; do
	D=$T/$shape
	case $shape in
	one) E=1 ;;
	many) E=$EPISODES_MANY ;;
	single) E=$ROWS ;;
	esac

	begin "$shape: ndx-extract"
	ran "$D" extract "$shape"
	want_fixed "$T/err" "$ROWS rows read; $ROWS rows, $E episodes and 1 \
clients written; 0 episodes outside the period"
	want_file_is "$D/extract.count" "1 $E $ROWS "
	end

	begin "$shape: ndx-validate"
	ran "$D" validate "$shape"
	# "rows: R read, W written, J rejected, D exact duplicates removed"
	# shellcheck disable=SC2046 # four numbers, split on purpose
	set -- $(sed -n 's/^ndx-validate: rows: \([0-9]*\) read, '\
'\([0-9]*\) written, \([0-9]*\) rejected, \([0-9]*\) exact .*/'\
'\1 \2 \3 \4/p' "$T/err") - - - -
	if [ "$1" = - ] || [ "$1" -ne $(($2 + $3 + $4)) ]; then
		bad "rows read ($1) are not written ($2) + rejected ($3)" \
		    "+ duplicates removed ($4)"
	elif [ "$1" -ne "$ROWS" ] || [ "$2" -ne "$ROWS" ]; then
		bad "$1 rows read and $2 written, want $ROWS"
	fi
	want_fixed "$T/err" "episodes: $E read, $E valid, 0 rejected"
	end

	begin "$shape: ndx-pseudonymise"
	ran "$D" pseudonymise "$shape"
	want_fixed "$T/err" "1 clients, $E episodes, $ROWS rows pseudonymised"
	end

	begin "$shape: ndx-transform commissioner"
	ran "$D" commissioner "$shape"
	want_empty "$T/err" stderr
	want_file_is "$D/commissioner.count" "$ROWS $E ordered"
	end

	begin "$shape: ndx-transform public-health"
	ran "$D" public-health "$shape"
	want_lines "$T/err" 1 stderr
	want_fixed "$T/err" "ndx-transform: risk: persons=1 k_min=1 below_5=1"
	want_file_is "$D/public-health.count" "$((ROWS + 1))"
	end

	begin "$shape: ndx-transform pcc-return"
	ran "$D" pcc-return "$shape"
	# --disclosure none, so that the count of one person shows.
	want_lines "$T/err" 1 stderr
	want_fixed "$T/err" "not for publication: disclosure control off"
	want_output "$D/pcc.csv" "E06000002,Middlesbrough,in_treatment,total,1"
	end

	begin "$shape: ndx-transform validation-report"
	ran "$D" validation-report "$shape"
	want_empty "$T/err" stderr
	want_output "$D/report.html" "<html"
	end
done

# A client written in parts whose rows then disagree on SEX: EP-99's row,
# moved to the top of the file, says F, and comes after more than a part
# of EP-1 .. EP-989 in (AGNCY, CLIENTID, EPISODID) order.  The element
# gone out in part keeps its place before the F variant's, whose first
# line is earlier; the file is whole, and the group is rejected (R121).
begin "variants: ndx-extract writes a client in parts, then a variant"
V=$T/variants
mkdir -p "$V"
awk -v ROWS=1500 -v EPISODES=1500 -f "$DATA/scale/one-client.awk" \
    >"$V/all.csv"
{
	head -n 1 "$V/all.csv"
	awk -F, -v OFS=, '$12 == "EP-99" { $6 = "F"; print }' "$V/all.csv"
	awk -F, 'NR > 1 && $12 != "EP-99"' "$V/all.csv"
} >"$V/in.csv"
run ndx-extract --source "csv:$V/in.csv" --as-of 2026-11-01 \
    --from 2010-01-01 --to 2026-10-31 -o "$V/episodes.xml"
want_rc 0
if xmllint --noout "$V/episodes.xml" 2>"$T/err"; then
	awk '/<SEX>/ { printf "%s ", $0 }' "$V/episodes.xml" |
	    tr -d ' ' >"$V/sexes"
	want_file_is "$V/sexes" "<SEX>M</SEX><SEX>F</SEX>"
else
	bad "the episodes XML is not well-formed"
	show "$T/err"
fi
run ndx-validate --area Cleveland --report "$V/report.csv" \
    -o "$V/valid.xml" "$V/episodes.xml"
want_rc 1
want_fixed "$T/err" "episodes: 1500 read, 0 valid, 1500 rejected"
want_fixed "$V/report.csv" ",SEX,R121,error,F,"
end

begin "persons: ndx-transform public-health --min-k 5 from a pipe"
ran "$T/persons" min-k persons
want_lines "$T/err" 1 stderr
want_fixed "$T/err" "ndx-transform: risk: persons=$((ROWS / 2)) "
want_fixed "$T/err" " min_k=5 "
want_file_is "$T/persons/ph.count" "$((ROWS + 1))"
for _l in "episodes $((ROWS / 2))" "rows $ROWS" "persons $((ROWS / 2))" \
    "consent-excluded 0"; do
	grep -x -F "$_l" "$T/persons/summary" >/dev/null ||
	    bad "the summary has no line '$_l'"
done
end

finish
