#!/bin/sh
# make bench: every ndx program, and ndx-run for a quarter, timed on
# synthetic data beside peers doing the comparable job on the same files.
#
# Usage: sh bench/run.sh PREFIX OUT "ROWS..." RUNS SEED
#
# PREFIX is an installed ndx (PREFIX/bin, PREFIX/share/ndx): make bench
# installs a snapshot of the build there, so that a rebuild or an edited
# stylesheet in the tree cannot change what is timed halfway through.
# For each size in ROWS (intervention rows of the full extract),
# ndx-fixtures makes a case-management database and the same data as CSV,
# cached in OUT/ROWS-seedSEED/ so re-runs do not make them again.  Then RUNS
# rounds; each round runs every job in pipeline order, each under
# /usr/bin/time (wall seconds, maximum resident set), the ndx program first
# and its peer straight after (A B A B ...), so load on the machine hits
# both alike.  A job reads what the job before it wrote in the same round,
# so every input comes from the programs being timed.  Each run's exit
# status and output (row counts, the peers' outputs compared with ndx's) is
# checked, and any failure stops the bench: a broken build cannot produce a
# fast-looking table.  The table of medians goes to standard output and to
# OUT/results-ROWS.md; progress goes to standard error.
#
# Peers:
#   ndx-validate    xmllint --stream --noout --schema schemas/episodes.xsd
#                   (the XSD alone, none of the rules)
#   ndx-transform --product commissioner
#                   xsltproc bench/naive-commissioner.xsl (whole tree in
#                   memory; skipped when it would not fit)
#   ndx-transform --product pcc-return
#                   python3 bench/cj_in_treatment.py on the CSV (one
#                   measure of the nine, no validation)
#
# Environment: CC and CFLAGS (for the header only), PYTHON (default
# /usr/bin/python3 when present, else python3), BENCH_KEEP=1 keeps the
# round's outputs (OUT/ROWS-seedSEED/work) for a look afterwards.
# shellcheck disable=SC2015 # a && b || fail: fail is meant for either
# shellcheck disable=SC2016 # backquotes are Markdown's
set -eu

LC_ALL=C
export LC_ALL
TOP=$(cd "$(dirname "$0")/.." && pwd)
USAGE="usage: run.sh PREFIX OUT ROWS RUNS SEED"
PREFIX=$(cd "${1:?$USAGE}" && pwd)
OUT=${2:?$USAGE}
SIZES=${3:-1000000}
RUNS=${4:-5}
SEED=${5:-1}
BIN=$PREFIX/bin
SHARE=$PREFIX/share/ndx
AS_OF=2026-10-31
QUARTER=2026Q2
AREA=Cleveland
# Intervention rows per client of ndx-fixtures (232,000 clients make
# about 1,004,000 rows), to size the data; the table gives the real count.
ROWS_PER_KCLIENT=4328
# libxml2's tree of the episodes XML, per byte of the file (measured:
# 13-14), for the guard on xsltproc.
XSLT_TREE_FACTOR=16
if [ -z "${PYTHON-}" ]; then
	PYTHON=python3
	[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi
TIME=/usr/bin/time

die() {
	echo "bench: $*" >&2
	exit 1
}

case $RUNS in
'' | *[!0-9]* | 0) die "BENCH_RUNS must be a positive number: $RUNS" ;;
esac
for s in $SIZES; do
	case $s in
	'' | *[!0-9]*) die "BENCH_ROWS must be numbers of rows: $s" ;;
	esac
	[ "$s" -ge 1000 ] || die "BENCH_ROWS: $s is too few rows (1000 at least)"
done
[ -x "$TIME" ] || die "$TIME is missing (Debian package time; make deps)"
for p in xmllint xsltproc "$PYTHON"; do
	command -v "$p" >/dev/null 2>&1 ||
	    die "$p is missing (make deps installs it)"
done
for p in ndx-extract ndx-validate ndx-pseudonymise ndx-transform ndx-pack \
    ndx-run ndx-fixtures; do
	[ -x "$BIN/$p" ] || die "$BIN/$p is missing (make all)"
done
[ -f "$SHARE/episodes.xsd" ] && [ -f "$SHARE/areas.csv" ] ||
    die "$SHARE: not an installed ndx data directory"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# The peers, as they are now, beside the snapshot.
PEERS=$OUT/peers
mkdir -p "$PEERS"
cp "$TOP/bench/naive-commissioner.xsl" "$TOP/bench/cj_in_treatment.py" \
    "$PEERS/"

# The machine, once per results file.
machine() {
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sed 1q)
	mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' \
	    /proc/meminfo)
	# shellcheck disable=SC1091
	os=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME-}")
	cc=$(${CC:-cc} --version 2>/dev/null | sed 1q)
	rev=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?')
	if [ -n "$(git -C "$TOP" status --porcelain --untracked-files=no \
	    2>/dev/null)" ]; then
		rev="$rev (with uncommitted changes)"
	fi
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $(nproc) CPUs, \"${cpu:-unknown}\", $mem memory"
	echo "- system: ${os:-unknown}, kernel $(uname -sr)"
	echo "- compiler: ${cc:-unknown}, CFLAGS \`${CFLAGS--O2 -g}\`"
	echo "- ndx: $("$BIN/ndx-run" --version 2>&1 | sed 1q), commit $rev"
	echo "- peers: xmllint with libxml2" \
	    "$(xmllint --version 2>&1 | sed -n '1s/.* //p'), xsltproc with" \
	    "libxslt $(xsltproc --version 2>&1 |
	    sed -n '1s/.*libxslt \([0-9]*\).*/\1/p')," \
	    "$("$PYTHON" --version 2>&1) ($PYTHON)"
	echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# bench_data ROWS: makes (or finds) the data of one size; sets DATA, CLIENTS.
bench_data() {
	CLIENTS=$((($1 * 1000 + ROWS_PER_KCLIENT / 2) / ROWS_PER_KCLIENT))
	DATA=$OUT/$1-seed$SEED
	if [ -f "$DATA/ok" ] && [ "$(cat "$DATA/ok")" = "$CLIENTS" ]; then
		echo "bench: data: $DATA (cached)" >&2
		return
	fi
	rm -rf "$DATA"
	mkdir -p "$DATA"
	echo "bench: data: $CLIENTS clients, seed $SEED, into $DATA" >&2
	"$BIN/ndx-fixtures" --seed "$SEED" --clients "$CLIENTS" \
	    --until "$AS_OF" --replace --target "sqlite:$DATA/cm.db" ||
	    die "ndx-fixtures (sqlite) failed"
	"$BIN/ndx-fixtures" --seed "$SEED" --clients "$CLIENTS" \
	    --until "$AS_OF" --target "csv:$DATA/cm.csv" ||
	    die "ndx-fixtures (csv) failed"
	echo "$CLIENTS" >"$DATA/ok"
}

# timed JOB SIDE CMD...: runs CMD in $W under /usr/bin/time; its stdout
# to $W/JOB.SIDE.out, stderr to $W/JOB.SIDE.err; appends "seconds KiB" to
# $T/JOB.SIDE.  Sets RC to its exit status.
timed() {
	job=$1 side=$2
	shift 2
	RC=0
	(cd "$W" && "$TIME" -f '%e %M' -o "$T/now" "$@" \
	    >"$W/$job.$side.out" 2>"$W/$job.$side.err") || RC=$?
	# With a failure, time writes "Command exited ..." first.
	tail -n 1 "$T/now" | tee -a "$T/$job.$side" >"$T/now.last"
	read -r sec kib <"$T/now.last" 2>/dev/null || :
	printf '  %-22s %-6s %8s s %8s KiB  exit %s\n' "$job" "$side" \
	    "$sec" "$kib" "$RC" >&2
}

# fail JOB SIDE WHAT: the check failed; show what the program said.
fail() {
	echo "bench: $1 ($2): $3" >&2
	if [ -s "$W/$1.$2.err" ]; then
		echo "bench: its standard error:" >&2
		sed 20q "$W/$1.$2.err" >&2
	fi
	exit 1
}

# expect JOB SIDE CODES: the exit status is one of CODES.
expect() {
	for c in $3; do
		[ "$RC" = "$c" ] && return 0
	done
	fail "$1" "$2" "exit status $RC, wanted $3"
}

# csv_rows FILE: data lines of a CSV file with a header.
csv_rows() {
	echo $(($(wc -l <"$1") - 1))
}

# median FILE COLUMN: of the numbers in a column.
median() {
	awk -v c="$2" '{ print $c }' "$1" | sort -n | awk '
	{ v[NR] = $1 }
	END {
		if (NR == 0) exit
		if (NR % 2) print v[(NR + 1) / 2]
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

# xslt_fits: sets XSLT_OK when xsltproc's tree of the episodes would fit
# in three quarters of the memory available now, else XSLT_WHY.
xslt_fits() {
	avail=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
	need=$((EPI_SIZE * XSLT_TREE_FACTOR / 1024))
	if [ "$need" -le $((avail * 3 / 4)) ]; then
		XSLT_OK=yes
		return
	fi
	XSLT_WHY="its tree would need about $((need / 1048576 + 1)) GiB, \
$((avail / 1048576)) GiB available"
	echo "bench: xsltproc skipped: $XSLT_WHY" >&2
}

# One round of every job.
round() {
	r=$1
	echo "bench: $ROWS rows, round $r of $RUNS" >&2

	timed extract-sqlite ndx "$BIN/ndx-extract" -v \
	    --source "sqlite:$DATA/cm.db" --as-of "$AS_OF" -o episodes.xml
	expect extract-sqlite ndx 0
	n=$(sed -n 's/.*rows read; \([0-9]*\) rows,.*/\1/p' \
	    "$W/extract-sqlite.ndx.err")
	[ -n "$n" ] && [ "$n" -gt 0 ] ||
	    fail extract-sqlite ndx "no row count in its summary"
	if [ -z "$N" ]; then
		N=$n
		EPI_SIZE=$(wc -c <"$W/episodes.xml")
		xslt_fits
	fi
	[ "$n" = "$N" ] && [ "$(wc -c <"$W/episodes.xml")" = "$EPI_SIZE" ] ||
	    fail extract-sqlite ndx "round $r wrote other episodes than round 1"

	timed extract-csv ndx "$BIN/ndx-extract" -v \
	    --source "csv:$DATA/cm.csv" --as-of "$AS_OF" -o episodes-csv.xml
	expect extract-csv ndx 0
	grep -q "rows read; $N rows," "$W/extract-csv.ndx.err" ||
	    fail extract-csv ndx "did not write the $N rows of the sqlite source"
	rm -f "$W/episodes-csv.xml"

	timed validate ndx "$BIN/ndx-validate" --area "$AREA" -o valid.xml \
	    --rejects rejects.csv --report report.csv --report report.xml \
	    episodes.xml
	expect validate ndx 0
	grep -q "rows: $N read, $N written, 0 rejected" \
	    "$W/validate.ndx.err" ||
	    fail validate ndx "did not pass all $N rows (the peers' figures \
assume it does)"
	timed validate peer xmllint --stream --noout \
	    --schema "$SHARE/episodes.xsd" episodes.xml
	expect validate peer 0
	grep -q 'episodes.xml validates' "$W/validate.peer.err" ||
	    fail validate peer "xmllint did not say the file validates"

	timed pseudonymise ndx "$BIN/ndx-pseudonymise" --key-file key \
	    -o pseudonymised.xml valid.xml
	expect pseudonymise ndx 0
	grep -q " $N rows pseudonymised" "$W/pseudonymise.ndx.err" ||
	    fail pseudonymise ndx "did not pseudonymise $N rows"

	timed commissioner ndx "$BIN/ndx-transform" --product commissioner \
	    -o commissioner.csv valid.xml
	expect commissioner ndx 0
	n=$(csv_rows "$W/commissioner.csv")
	# CONSENT = N makes one row of an episode: fewer rows, never more.
	[ "$n" -gt $((N / 2)) ] && [ "$n" -le "$N" ] ||
	    fail commissioner ndx "$n rows for $N"
	if [ -n "$XSLT_OK" ]; then
		rm -f "$W/xslt.csv"
		timed commissioner peer xsltproc -o xslt.csv \
		    "$PEERS/naive-commissioner.xsl" valid.xml
		expect commissioner peer 0
		cmp -s "$W/xslt.csv" "$W/commissioner.csv" ||
		    fail commissioner peer "xsltproc's CSV differs from \
ndx's: diff $W/xslt.csv $W/commissioner.csv (BENCH_KEEP=1 keeps them)"
		rm -f "$W/xslt.csv"
	fi
	echo "$n" >"$T/commissioner.rows"

	timed public-health ndx "$BIN/ndx-transform" --product public-health \
	    -o public-health.csv pseudonymised.xml
	expect public-health ndx 0
	n=$(csv_rows "$W/public-health.csv")
	[ "$n" -gt $((N / 2)) ] && [ "$n" -le "$N" ] ||
	    fail public-health ndx "$n rows for $N"

	timed pcc-return ndx "$BIN/ndx-transform" --product pcc-return \
	    --area "$AREA" --quarter "$QUARTER" --disclosure none \
	    -o pcc-return.csv valid.xml
	expect pcc-return ndx 0
	timed pcc-return peer "$PYTHON" "$PEERS/cj_in_treatment.py" \
	    --areas "$SHARE/areas.csv" --area "$AREA" \
	    --quarter "$QUARTER" "$DATA/cm.csv"
	expect pcc-return peer 0
	grep ',cj_in_treatment,' "$W/pcc-return.csv" >"$T/cj.ndx"
	grep ',cj_in_treatment,' "$W/pcc-return.peer.out" >"$T/cj.peer"
	[ -s "$T/cj.ndx" ] || fail pcc-return ndx "no cj_in_treatment"
	cmp -s "$T/cj.ndx" "$T/cj.peer" ||
	    fail pcc-return peer "cj_in_treatment differs: diff $T/cj.ndx \
$T/cj.peer"

	timed validation-report ndx "$BIN/ndx-transform" \
	    --product validation-report -o validation-report.html report.xml
	expect validation-report ndx 0
	tail -n 1 "$W/validation-report.html" | grep -q '</html>' ||
	    fail validation-report ndx "not a whole HTML page"

	rm -f "$W/bench.zip"
	timed pack ndx "$BIN/ndx-pack" -o bench.zip --encrypt \
	    --passphrase-file passphrase --period "$QUARTER" \
	    commissioner.csv public-health.csv pcc-return.csv \
	    validation-report.html
	expect pack ndx 0
	[ -s "$W/bench.zip" ] || fail pack ndx "no archive"
	timed verify ndx "$BIN/ndx-pack" verify --passphrase-file passphrase \
	    bench.zip
	expect verify ndx 0

	timed ndx-run ndx "$BIN/ndx-run" --config ndx.conf \
	    --quarter "$QUARTER" --force
	expect ndx-run ndx 0
	log=$W/runs/$QUARTER/run.log
	[ -f "$log" ] && tail -n 1 "$log" | grep -q 'ndx-run: exit=0$' ||
	    fail ndx-run ndx "no run.log ending exit=0"
	n=$(sed -n 's/.*stage=validate .*rows_read=\([0-9]*\).*/\1/p' "$log")
	[ -n "$n" ] && [ "$n" -gt 0 ] || fail ndx-run ndx "no rows in run.log"
	echo "$n" >"$T/ndx-run.rows"
	# Its stages' seconds, for the second table.
	sed -n 's/^ndx-run: stage=\([^ ]*\) exit=0 seconds=\([0-9.]*\).*/\1 \2/p' \
	    "$log" | while read -r st sec; do
		echo "$sec" >>"$T/stage.$st"
		grep -qx "$st" "$T/stages" 2>/dev/null || echo "$st" >>"$T/stages"
	done
}

# mib KIB: as MiB, one decimal.
mib() {
	awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}

# group NUMBER: 1234567 -> 1,234,567.
group() {
	echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' \
	    -e 'ta'
}

# line JOB SIDE LABEL ROWS RATIO: one row of the table.
line() {
	f=$T/$1.$2
	[ -s "$f" ] || return 0
	s=$(median "$f" 1)
	k=$(median "$f" 2)
	lo=$(awk '{ print $1 }' "$f" | sort -n | sed 1q)
	hi=$(awk '{ print $1 }' "$f" | sort -n | tail -n 1)
	rate=$(awk -v n="$4" -v s="$s" \
	    'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }')
	printf '| %s | %s | %.2f | %s–%s | %s | %s | %s |\n' "$3" \
	    "$(group "$4")" "$s" "$lo" "$hi" "$(group "$rate")" \
	    "$(mib "$k")" "$5"
}

# ratio JOB: ndx/peer, of median seconds and of median peak RSS.
ratio() {
	[ -s "$T/$1.peer" ] || return 0
	awk -v a="$(median "$T/$1.ndx" 1)" -v b="$(median "$T/$1.peer" 1)" \
	    -v c="$(median "$T/$1.ndx" 2)" -v d="$(median "$T/$1.peer" 2)" \
	    'BEGIN {
		t = (b > 0) ? sprintf(a / b < 0.1 ? "%.3f" : "%.2f", a / b) : "-"
		m = (d > 0) ? sprintf(c / d < 0.1 ? "%.3f" : "%.2f", c / d) : "-"
		printf "%s × time, %s × RSS", t, m
	}'
}

table() {
	nrun=$(cat "$T/ndx-run.rows")
	ncom=$(cat "$T/commissioner.rows")
	nrep=$(csv_rows "$W/report.csv")
	echo "# make bench: $(group "$N") rows"
	echo
	echo "$MACHINE"
	echo "- data: ndx-fixtures --seed $SEED --clients $(group "$CLIENTS")" \
	    "(sqlite and csv); full extract --as-of $AS_OF:" \
	    "$(group "$N") intervention rows, $(mib $((EPI_SIZE / 1024))) MiB" \
	    "of episodes XML"
	echo "- runs: $RUNS of each command, interleaved with its peer;" \
	    "medians (the range is min–max of the runs)"
	echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	echo "| job | rows | seconds | range | rows/s | peak RSS MiB | ndx/peer |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	line extract-sqlite ndx '`ndx-extract --source sqlite:`' "$N" ''
	line extract-csv ndx '`ndx-extract --source csv:`' "$N" ''
	line validate ndx '`ndx-validate` (-o, --rejects, --report csv+xml)' \
	    "$N" "$(ratio validate)"
	line validate peer '↳ peer: `xmllint --stream --noout --schema episodes.xsd`' \
	    "$N" ''
	line pseudonymise ndx '`ndx-pseudonymise`' "$N" ''
	line commissioner ndx '`ndx-transform --product commissioner`' "$N" \
	    "$(ratio commissioner)"
	if [ -n "$XSLT_OK" ]; then
		line commissioner peer '↳ peer: `xsltproc bench/naive-commissioner.xsl`' \
		    "$N" ''
	else
		echo "| ↳ peer: \`xsltproc\` skipped: $XSLT_WHY | | | | | | |"
	fi
	line public-health ndx '`ndx-transform --product public-health`' \
	    "$N" ''
	line pcc-return ndx '`ndx-transform --product pcc-return` (all 9 measures)' \
	    "$N" "$(ratio pcc-return)"
	line pcc-return peer '↳ peer: `python3 bench/cj_in_treatment.py` (CSV, 1 measure)' \
	    "$N" ''
	line validation-report ndx \
	    '`ndx-transform --product validation-report` (rows: problems)' \
	    "$nrep" ''
	line pack ndx '`ndx-pack --encrypt` (4 products)' "$N" ''
	line verify ndx '`ndx-pack verify`' "$N" ''
	line ndx-run ndx "\`ndx-run --quarter $QUARTER\` (rows: the quarter's)" \
	    "$nrun" ''
	echo
	echo "Rows are the input's intervention rows (the full extract's," \
	    "except where stated); rows/s = rows / median seconds; ndx/peer" \
	    "is the ratio of medians (above 1: ndx takes longer or more)."
	echo "Checks passed on every run: exit statuses; row counts;" \
	    "ndx-validate passed all $(group "$N") rows;" \
	    "$(if [ -n "$XSLT_OK" ]; then
		echo "xsltproc's commissioner CSV is byte for byte ndx's" \
		    "($(group "$ncom") rows);"
	    fi)" \
	    "cj_in_treatment for $QUARTER, $AREA, agrees between ndx" \
	    "(--disclosure none) and Python:" \
	    "$(awk -F, '$2 == "TOTAL" && $5 == "total" { print $6 }' \
	    "$T/cj.ndx") and" \
	    "$(awk -F, '$2 == "TOTAL" && $5 == "total" { print $6 }' \
	    "$T/cj.peer") clients."
	echo
	echo "ndx-run's stages (run.log seconds, medians; $(group "$nrun")" \
	    "rows; the products may run side by side, so the stages need" \
	    "not add up to ndx-run's time):"
	echo
	echo "| stage | seconds |"
	echo "|---|---:|"
	while read -r st; do
		printf '| %s | %.2f |\n' "$st" "$(median "$T/stage.$st" 1)"
	done <"$T/stages"
}

MACHINE=$(machine)
for ROWS in $SIZES; do
	bench_data "$ROWS"
	W=$DATA/work
	T=$W/times
	rm -rf "$W"
	mkdir -p "$T" "$W/runs"
	"$BIN/ndx-pseudonymise" keygen "$W/key"
	(umask 077 && echo "ndx bench passphrase" >"$W/passphrase")
	cat >"$W/ndx.conf" <<CONF
# Made by bench/run.sh.
source = sqlite:$DATA/cm.db
agency = ${AGENCY:-AGN01}
area = $AREA
key_file = $W/key
passphrase_file = $W/passphrase
output_root = $W/runs
as_of = $AS_OF
CONF
	N='' EPI_SIZE='' XSLT_OK='' XSLT_WHY=''
	i=1
	while [ "$i" -le "$RUNS" ]; do
		round "$i"
		i=$((i + 1))
	done
	table | tee "$OUT/results-$ROWS.md"
	echo "bench: results in $OUT/results-$ROWS.md" >&2
	[ -n "${BENCH_KEEP-}" ] || rm -rf "$W"
done
