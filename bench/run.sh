#!/bin/sh
# make bench: every ndx program, and ndx-run for a quarter, timed on
# synthetic data beside peers doing the comparable job on the same files.
#
# Usage: sh bench/run.sh PREFIX OUT "ROWS..." RUNS SEED [BASE]
#
# PREFIX is an installed ndx (PREFIX/bin, PREFIX/share/ndx): make bench
# installs a snapshot of the build there, so that a rebuild or an edited
# stylesheet in the tree cannot change what is timed halfway through.
# BASE, when given and not empty, is another installed ndx, the previous
# release (make bench builds BENCH_BASE, a commit, into it once): every
# job that it has the programs of is run with it too, right after ndx's
# run and before the peer's (ndx, previous, peer), on the same inputs
# (what ndx's job before wrote; only its ndx-pack verify reads the
# archive its own ndx-pack wrote) and under the same checks, its outputs
# going to OUT/.../work/prev/ so that no ndx job reads them; its ndx-run
# has a configuration and an output root of its own.  A failure of
# the previous release is reported on standard error and in the table,
# and that job's previous-release run is left out from then on; the rest
# of the bench goes on.
# For each size in ROWS (intervention rows of the full extract),
# ndx-fixtures makes a case-management database and the same data as CSV,
# cached in OUT/ROWS-seedSEED/ so re-runs do not make them again.  Then RUNS
# rounds; each round runs every job in pipeline order, each under
# /usr/bin/time (wall seconds, maximum resident set), the ndx program first
# and its peer straight after (A B A B ...; A P B A P B ... with the
# previous release P), so load on the machine hits them alike.  A job
# reads what the job before it wrote in the same round, so every input
# comes from the programs being timed.  Each run's exit status and output
# (row counts, the peers' outputs compared with ndx's) is checked, and any
# failure of ndx or a peer stops the bench: a broken build cannot produce a
# fast-looking table.  The table of medians goes to standard output and to
# OUT/results-ROWS.md; progress goes to standard error.
#
# Peers:
#   ndx-validate    xmllint --stream --noout --schema schemas/episodes.xsd
#                   (the XSD alone, none of the rules)
#   ndx-transform --product commissioner
#                   xsltproc bench/naive-commissioner.xsl (whole tree in
#                   memory; skipped when it would not fit)
#   ndx-pseudonymise && ndx-transform --product public-health
#                   (timed as one job, through sh -c)
#                   python3 bench/public_health.py on the CSV (the same
#                   extract byte for byte; no validation, no risk measure)
#   ndx-transform --product pcc-return
#                   python3 bench/cj_in_treatment.py on the CSV (one
#                   measure of the nine, no validation)
#
# ndx-run runs under bench/treerss.py, which samples the summed resident
# set of ndx-run and its stages: /usr/bin/time's figure is the largest
# single process of the tree, not the sum of those running side by side.
#
# Environment: CC and CFLAGS (for the header only), PYTHON (default
# /usr/bin/python3 when present, else python3), BENCH_KEEP=1 keeps the
# round's outputs (OUT/ROWS-seedSEED/work) for a look afterwards, AGENCY
# (ndx-run's agency list; default: every AGNCY of the data).
# shellcheck disable=SC2015 # a && b || fail: fail is meant for either
# shellcheck disable=SC2016 # backquotes are Markdown's
set -eu

LC_ALL=C
export LC_ALL
TOP=$(cd "$(dirname "$0")/.." && pwd)
USAGE="usage: run.sh PREFIX OUT ROWS RUNS SEED [BASE]"
PREFIX=$(cd "${1:?$USAGE}" && pwd)
OUT=${2:?$USAGE}
SIZES=${3:-1000000}
RUNS=${4:-5}
SEED=${5:-1}
BASE=${6-}
BIN=$PREFIX/bin
SHARE=$PREFIX/share/ndx
# The previous release's commit, when make bench wrote it beside the
# install; else the install's directory name.
BASE_BIN='' BASE_REV=''
if [ -n "$BASE" ]; then
	[ -d "$BASE/bin" ] || {
		echo "bench: $BASE: not an installed ndx (no bin/)" >&2
		exit 1
	}
	BASE=$(cd "$BASE" && pwd)
	BASE_BIN=$BASE/bin
	BASE_REV=$(cat "$BASE/.bench-commit" 2>/dev/null ||
	    basename "$BASE")
fi
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
    "$TOP/bench/public_health.py" "$TOP/bench/treerss.py" "$PEERS/"

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
	if [ -n "$BASE" ]; then
		echo "- previous release: commit $BASE_REV" \
		    "($("$BASE_BIN/ndx-run" --version 2>&1 | sed 1q)), built" \
		    "$(sed -n 's/, commit [0-9a-f]*$//p' "$BASE/.bench-build" \
		    2>/dev/null | sed -n '1s/^/with /p')" \
		    "in \`$BASE\`"
	fi
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

# fail JOB SIDE WHAT: the check failed; show what the program said.  For
# SIDE prev (which runs in a subshell, see prev) the failure is also
# recorded for the table, and only the subshell exits.
fail() {
	if [ "$2" = prev ]; then
		# With the first line the program said, for the table.
		{
			printf '%s' "$3"
			[ ! -s "$W/$1.$2.err" ] ||
			    printf ' (%s)' "$(sed 1q "$W/$1.$2.err")"
			echo
		} >"$T/$1.prev.failed"
		echo "bench: $1 (previous release $BASE_REV): $3" >&2
	else
		echo "bench: $1 ($2): $3" >&2
	fi
	if [ -s "$W/$1.$2.err" ]; then
		echo "bench: its standard error:" >&2
		sed 20q "$W/$1.$2.err" >&2
	fi
	[ "$2" != prev ] ||
	    echo "bench: $1: the previous release is left out of this job" \
		"from now on; the table says why" >&2
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

# on SIDE: the side a job function runs for, ndx or prev (the previous
# release): X is its bin directory, O the prefix of its outputs' names.
on() {
	SIDE=$1
	case $1 in
	ndx) X=$BIN O='' ;;
	prev) X=$BASE_BIN O=prev/ ;;
	esac
}

# prev JOB FUNCTION PROGRAM...: runs FUNCTION for the previous release,
# unless there is none, it lacks one of the PROGRAMs, or the job failed
# for it in an earlier round.  In a subshell, so that a failed check
# (fail) ends only this job's run and the ndx side's state is untouched.
prev() {
	pj=$1 pf=$2
	shift 2
	[ -n "$BASE" ] && [ ! -e "$T/$pj.prev.failed" ] &&
	    [ ! -e "$T/$pj.prev.missing" ] || return 0
	for pp in "$@"; do
		if [ ! -x "$BASE_BIN/$pp" ]; then
			echo "$pp" >"$T/$pj.prev.missing"
			echo "bench: $pj: the previous release ($BASE_REV)" \
			    "has no $pp; its column says so" >&2
			return 0
		fi
	done
	if (on prev && "$pf"); then
		return 0
	else
		pst=$?
	fi
	[ -e "$T/$pj.prev.failed" ] && return 0
	echo "stopped with status $pst before its checks" \
	    >"$T/$pj.prev.failed"
	echo "bench: $pj (previous release $BASE_REV): stopped with status" \
	    "$pst before its checks; left out of this job from now on" >&2
}

# The jobs, each run by `on ndx; job_...` and then by prev.  Each reads
# what ndx's job before it wrote (the same arguments on both sides); its
# outputs are named ${O}..., and the previous release's are removed once
# checked.  The ndx side's checks set what later checks compare with.

job_extract_sqlite() {
	timed extract-sqlite "$SIDE" "$X/ndx-extract" -v \
	    --source "sqlite:$DATA/cm.db" --as-of "$AS_OF" \
	    -o "${O}episodes.xml"
	expect extract-sqlite "$SIDE" 0
	n=$(sed -n 's/.*rows read; \([0-9]*\) rows,.*/\1/p' \
	    "$W/extract-sqlite.$SIDE.err")
	[ -n "$n" ] && [ "$n" -gt 0 ] ||
	    fail extract-sqlite "$SIDE" "no row count in its summary"
	if [ "$SIDE" = prev ]; then
		[ "$n" = "$N" ] ||
		    fail extract-sqlite prev "$n rows; ndx wrote $N"
		rm -f "$W/prev/episodes.xml"
		return 0
	fi
	if [ -z "$N" ]; then
		N=$n
		EPI_SIZE=$(wc -c <"$W/episodes.xml")
		xslt_fits
	fi
	[ "$n" = "$N" ] && [ "$(wc -c <"$W/episodes.xml")" = "$EPI_SIZE" ] ||
	    fail extract-sqlite ndx "round $r wrote other episodes than round 1"
}

job_extract_csv() {
	timed extract-csv "$SIDE" "$X/ndx-extract" -v \
	    --source "csv:$DATA/cm.csv" --as-of "$AS_OF" \
	    -o "${O}episodes-csv.xml"
	expect extract-csv "$SIDE" 0
	grep -q "rows read; $N rows," "$W/extract-csv.$SIDE.err" ||
	    fail extract-csv "$SIDE" "did not write the $N rows of the \
sqlite source"
	rm -f "$W/${O}episodes-csv.xml"
}

job_validate() {
	timed validate "$SIDE" "$X/ndx-validate" --area "$AREA" \
	    -o "${O}valid.xml" --rejects "${O}rejects.csv" \
	    --report "${O}report.csv" --report "${O}report.xml" episodes.xml
	expect validate "$SIDE" 0
	grep -q "rows: $N read, $N written, 0 rejected" \
	    "$W/validate.$SIDE.err" ||
	    fail validate "$SIDE" "did not pass all $N rows (the peers' \
figures assume it does)"
	[ "$SIDE" = ndx ] || rm -f "$W/prev/valid.xml"
}

job_pseudonymise() {
	timed pseudonymise "$SIDE" "$X/ndx-pseudonymise" --key-file key \
	    -o "${O}pseudonymised.xml" valid.xml
	expect pseudonymise "$SIDE" 0
	grep -q " $N rows pseudonymised" "$W/pseudonymise.$SIDE.err" ||
	    fail pseudonymise "$SIDE" "did not pseudonymise $N rows"
	[ "$SIDE" = ndx ] || rm -f "$W/prev/pseudonymised.xml"
}

# rows_check JOB FILE: FILE (a record-level product) has more rows than
# half the input's and no more than all (CONSENT = N makes one row of an
# episode, or none); the previous release's, as many as ndx's.  Sets n.
rows_check() {
	n=$(csv_rows "$W/$2")
	[ "$n" -gt $((N / 2)) ] && [ "$n" -le "$N" ] ||
	    fail "$1" "$SIDE" "$n rows for $N"
	if [ "$SIDE" = ndx ]; then
		echo "$n" >"$T/$1.rows"
	else
		[ "$n" = "$(cat "$T/$1.rows")" ] ||
		    fail "$1" prev "$n rows; ndx wrote $(cat "$T/$1.rows")"
		rm -f "$W/$2"
	fi
}

job_commissioner() {
	timed commissioner "$SIDE" "$X/ndx-transform" \
	    --product commissioner -o "${O}commissioner.csv" valid.xml
	expect commissioner "$SIDE" 0
	rows_check commissioner "${O}commissioner.csv"
}

job_public_health() {
	timed public-health "$SIDE" "$X/ndx-transform" \
	    --product public-health -o "${O}public-health.csv" \
	    pseudonymised.xml
	expect public-health "$SIDE" 0
	rows_check public-health "${O}public-health.csv"
}

# Both programs as one job, one sh -c under /usr/bin/time: what a Python
# script reading the CSV does in one (bench/public_health.py).  ndx's
# rewrites the files of the two jobs before, which it must reproduce byte
# for byte.  $1 ndx-pseudonymise, $2 ndx-transform, $3 the prefix O.
PH_CHAIN='"$1" --key-file key -o "${3}pseudonymised.xml" valid.xml &&
    "$2" --product public-health -o "${3}public-health.csv" \
    "${3}pseudonymised.xml"'
job_pseudo_ph() {
	[ "$SIDE" = prev ] ||
	    mv "$W/public-health.csv" "$W/public-health.before.csv"
	timed pseudo-ph "$SIDE" sh -c "$PH_CHAIN" sh \
	    "$X/ndx-pseudonymise" "$X/ndx-transform" "$O"
	expect pseudo-ph "$SIDE" 0
	grep -q " $N rows pseudonymised" "$W/pseudo-ph.$SIDE.err" ||
	    fail pseudo-ph "$SIDE" "did not pseudonymise $N rows"
	n=$(csv_rows "$W/${O}public-health.csv")
	[ "$n" = "$(cat "$T/public-health.rows")" ] ||
	    fail pseudo-ph "$SIDE" "$n rows; ndx's public-health wrote \
$(cat "$T/public-health.rows")"
	if [ "$SIDE" = prev ]; then
		rm -f "$W/prev/pseudonymised.xml" "$W/prev/public-health.csv"
		return 0
	fi
	cmp -s "$W/public-health.csv" "$W/public-health.before.csv" ||
	    fail pseudo-ph ndx "its extract differs from the public-health \
job's: diff $W/public-health.before.csv $W/public-health.csv"
	rm -f "$W/public-health.before.csv"
}

# The peer of job_pseudo_ph: the same extract from the CSV.
peer_pseudo_ph() {
	rm -f "$W/peer-public-health.csv"
	timed pseudo-ph peer "$PYTHON" "$PEERS/public_health.py" \
	    --key-file key -o peer-public-health.csv "$DATA/cm.csv"
	expect pseudo-ph peer 0
	if cmp -s "$W/peer-public-health.csv" "$W/public-health.csv"; then
		echo "byte for byte" >"$T/ph.same"
	elif sort "$W/peer-public-health.csv" >"$T/ph.peer" &&
	    sort "$W/public-health.csv" >"$T/ph.ndx" &&
	    cmp -s "$T/ph.peer" "$T/ph.ndx"; then
		echo "the same rows in another order as" >"$T/ph.same"
	else
		fail pseudo-ph peer "public_health.py's extract differs \
from ndx's: diff $W/peer-public-health.csv $W/public-health.csv \
(BENCH_KEEP=1 keeps them)"
	fi
	rm -f "$W/peer-public-health.csv" "$T/ph.peer" "$T/ph.ndx"
}

job_pcc_return() {
	timed pcc-return "$SIDE" "$X/ndx-transform" --product pcc-return \
	    --area "$AREA" --quarter "$QUARTER" --disclosure none \
	    -o "${O}pcc-return.csv" valid.xml
	expect pcc-return "$SIDE" 0
	if [ "$SIDE" = ndx ]; then
		grep ',cj_in_treatment,' "$W/pcc-return.csv" >"$T/cj.ndx"
		[ -s "$T/cj.ndx" ] || fail pcc-return ndx "no cj_in_treatment"
		return 0
	fi
	grep ',cj_in_treatment,' "$W/prev/pcc-return.csv" >"$T/cj.prev"
	cmp -s "$T/cj.ndx" "$T/cj.prev" ||
	    fail pcc-return prev "cj_in_treatment differs from ndx's: diff \
$T/cj.ndx $T/cj.prev"
	rm -f "$W/prev/pcc-return.csv"
}

job_validation_report() {
	timed validation-report "$SIDE" "$X/ndx-transform" \
	    --product validation-report -o "${O}validation-report.html" \
	    report.xml
	expect validation-report "$SIDE" 0
	tail -n 1 "$W/${O}validation-report.html" | grep -q '</html>' ||
	    fail validation-report "$SIDE" "not a whole HTML page"
	[ "$SIDE" = ndx ] || rm -f "$W/prev/validation-report.html"
}

job_pack() {
	rm -f "$W/${O}bench.zip"
	timed pack "$SIDE" "$X/ndx-pack" -o "${O}bench.zip" --encrypt \
	    --passphrase-file passphrase --period "$QUARTER" \
	    commissioner.csv public-health.csv pcc-return.csv \
	    validation-report.html
	expect pack "$SIDE" 0
	[ -s "$W/${O}bench.zip" ] || fail pack "$SIDE" "no archive"
}

# The archive its own side's pack wrote: an older ndx-pack need not read
# a newer MANIFEST.
job_verify() {
	[ -s "$W/${O}bench.zip" ] ||
	    fail verify "$SIDE" "no ${O}bench.zip: the pack job failed"
	timed verify "$SIDE" "$X/ndx-pack" verify \
	    --passphrase-file passphrase "${O}bench.zip"
	expect verify "$SIDE" 0
	[ "$SIDE" = ndx ] || rm -f "$W/prev/bench.zip"
}

# ndx-run, in its own output root for each side (${O}ndx.conf), under
# treerss.py for the summed resident set of its processes.
job_ndx_run() {
	timed ndx-run "$SIDE" "$PYTHON" "$PEERS/treerss.py" -o "$T/tree.now" \
	    -- "$X/ndx-run" --config "${O}ndx.conf" --quarter "$QUARTER" \
	    --force
	expect ndx-run "$SIDE" 0
	log=$W/${O}runs/$QUARTER/run.log
	[ -f "$log" ] && tail -n 1 "$log" | grep -q 'ndx-run: exit=0$' ||
	    fail ndx-run "$SIDE" "no run.log ending exit=0"
	n=$(sed -n 's/.*stage=validate .*rows_read=\([0-9]*\).*/\1/p' "$log")
	[ -n "$n" ] && [ "$n" -gt 0 ] ||
	    fail ndx-run "$SIDE" "no rows in run.log"
	if [ "$SIDE" = ndx ]; then
		echo "$n" >"$T/ndx-run.rows"
	else
		[ "$n" = "$(cat "$T/ndx-run.rows")" ] ||
		    fail ndx-run prev "$n rows in its quarter; ndx's had \
$(cat "$T/ndx-run.rows")"
	fi
	# Its stages' seconds, for the second table (every side's stages,
	# in the order they first appear).
	sed -n 's/^ndx-run: stage=\([^ ]*\) exit=0 seconds=\([0-9.]*\).*/\1 \2/p' \
	    "$log" | while read -r st sec; do
		echo "$sec" >>"$T/stage.$SIDE.$st"
		grep -qx "$st" "$T/stages" 2>/dev/null || echo "$st" >>"$T/stages"
	done
	cat "$T/tree.now" >>"$T/ndx-run.$SIDE.tree"
	[ "$SIDE" = ndx ] || rm -rf "$W/prev/runs/$QUARTER"
}

# One round of every job.
round() {
	r=$1
	echo "bench: $ROWS rows, round $r of $RUNS" >&2

	on ndx
	job_extract_sqlite
	prev extract-sqlite job_extract_sqlite ndx-extract

	on ndx
	job_extract_csv
	prev extract-csv job_extract_csv ndx-extract

	on ndx
	job_validate
	prev validate job_validate ndx-validate
	timed validate peer xmllint --stream --noout \
	    --schema "$SHARE/episodes.xsd" episodes.xml
	expect validate peer 0
	grep -q 'episodes.xml validates' "$W/validate.peer.err" ||
	    fail validate peer "xmllint did not say the file validates"

	on ndx
	job_pseudonymise
	prev pseudonymise job_pseudonymise ndx-pseudonymise

	on ndx
	job_commissioner
	prev commissioner job_commissioner ndx-transform
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

	on ndx
	job_public_health
	prev public-health job_public_health ndx-transform

	on ndx
	job_pseudo_ph
	prev pseudo-ph job_pseudo_ph ndx-pseudonymise ndx-transform
	peer_pseudo_ph

	on ndx
	job_pcc_return
	prev pcc-return job_pcc_return ndx-transform
	timed pcc-return peer "$PYTHON" "$PEERS/cj_in_treatment.py" \
	    --areas "$SHARE/areas.csv" --area "$AREA" \
	    --quarter "$QUARTER" "$DATA/cm.csv"
	expect pcc-return peer 0
	grep ',cj_in_treatment,' "$W/pcc-return.peer.out" >"$T/cj.peer"
	cmp -s "$T/cj.ndx" "$T/cj.peer" ||
	    fail pcc-return peer "cj_in_treatment differs: diff $T/cj.ndx \
$T/cj.peer"

	on ndx
	job_validation_report
	prev validation-report job_validation_report ndx-transform

	on ndx
	job_pack
	prev pack job_pack ndx-pack

	on ndx
	job_verify
	prev verify job_verify ndx-pack

	on ndx
	job_ndx_run
	prev ndx-run job_ndx_run ndx-run
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

# line JOB SIDE LABEL ROWS RATIO: one row of the table; with a previous
# release, an ndx row gains its cells (prev_cells), any other empty ones.
line() {
	f=$T/$1.$2
	[ -s "$f" ] || return 0
	s=$(median "$f" 1)
	k=$(median "$f" 2)
	lo=$(awk '{ print $1 }' "$f" | sort -n | sed 1q)
	hi=$(awk '{ print $1 }' "$f" | sort -n | tail -n 1)
	rate=$(awk -v n="$4" -v s="$s" \
	    'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }')
	printf '| %s | %s | %.2f | %s–%s | %s | %s | %s |' "$3" \
	    "$(group "$4")" "$s" "$lo" "$hi" "$(group "$rate")" \
	    "$(mib "$k")" "$5"
	if [ -z "$BASE" ]; then
		echo
	elif [ "$2" = ndx ]; then
		echo " $(prev_cells "$1") |"
	else
		echo "  |  |"
	fi
}

# ratio JOB [OTHER]: ndx/OTHER (default peer), of median seconds and of
# median peak RSS.
ratio() {
	[ -s "$T/$1.${2:-peer}" ] || return 0
	awk -v a="$(median "$T/$1.ndx" 1)" \
	    -v b="$(median "$T/$1.${2:-peer}" 1)" \
	    -v c="$(median "$T/$1.ndx" 2)" \
	    -v d="$(median "$T/$1.${2:-peer}" 2)" \
	    'BEGIN {
		t = (b > 0) ? sprintf(a / b < 0.1 ? "%.3f" : "%.2f", a / b) : "-"
		m = (d > 0) ? sprintf(c / d < 0.1 ? "%.3f" : "%.2f", c / d) : "-"
		printf "%s × time, %s × RSS", t, m
	}'
}

# prev_cells JOB: "previous s | ndx/previous" of an ndx row.
prev_cells() {
	if [ -e "$T/$1.prev.failed" ]; then
		echo "failed (below) | "
	elif [ -e "$T/$1.prev.missing" ]; then
		echo "no \`$(cat "$T/$1.prev.missing")\` | "
	elif [ -s "$T/$1.prev" ]; then
		printf '%.2f | %s' "$(median "$T/$1.prev" 1)" \
		    "$(ratio "$1" prev)"
	else
		echo "– | "
	fi
}

# tree_mib JOB SIDE: median of treerss.py's peaks, in MiB.
tree_mib() {
	[ -s "$T/$1.$2.tree" ] || return 0
	mib "$(median "$T/$1.$2.tree" 1)"
}

table() {
	nrun=$(cat "$T/ndx-run.rows")
	ncom=$(cat "$T/commissioner.rows")
	nph=$(cat "$T/public-health.rows")
	nrep=$(csv_rows "$W/report.csv")
	echo "# make bench: $(group "$N") rows"
	echo
	echo "$MACHINE"
	echo "- data: ndx-fixtures --seed $SEED --clients $(group "$CLIENTS")" \
	    "(sqlite and csv); full extract --as-of $AS_OF:" \
	    "$(group "$N") intervention rows, $(mib $((EPI_SIZE / 1024))) MiB" \
	    "of episodes XML"
	echo "- runs: $RUNS of each command, interleaved with$(
	    [ -z "$BASE" ] || echo " the previous release's and") its" \
	    "peer's; medians (the range is min–max of the runs)"
	echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	if [ -n "$BASE" ]; then
		echo "| job | rows | seconds | range | rows/s | peak RSS MiB |" \
		    "ndx/peer | previous s | ndx/previous |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	else
		echo "| job | rows | seconds | range | rows/s | peak RSS MiB |" \
		    "ndx/peer |"
		echo "|---|---:|---:|---:|---:|---:|---:|"
	fi
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
		echo "| ↳ peer: \`xsltproc\` skipped: $XSLT_WHY | | | | | | |$(
		    [ -z "$BASE" ] || echo '  |  |')"
	fi
	line public-health ndx '`ndx-transform --product public-health`' \
	    "$N" ''
	line pseudo-ph ndx '`ndx-pseudonymise` + `ndx-transform --product public-health` (one `sh -c`, timed as one)' \
	    "$N" "$(ratio pseudo-ph)"
	line pseudo-ph peer '↳ peer: `python3 bench/public_health.py` (CSV, no validation, no risk measure)' \
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
	if [ -n "$BASE" ]; then
		echo "previous s: the median seconds of the previous release" \
		    "(commit $BASE_REV) on the same inputs (ndx-pack verify:" \
		    "the archive of its own ndx-pack), with the same" \
		    "arguments and checks, each run right after ndx's;" \
		    "ndx/previous is the ratio of medians (below 1: this" \
		    "commit is faster or smaller)."
	fi
	echo "Peak RSS is /usr/bin/time's maximum resident set: for a job of" \
	    "several processes (ndx-run and its stages; the \`sh -c\` of" \
	    "pseudonymise + public-health) that of the largest single" \
	    "process, not their sum (the kernel reports the maximum over a" \
	    "process and the children it waited for). Summed over the" \
	    "processes alive at one time, sampled every 50 ms" \
	    "(bench/treerss.py), ndx-run peaked at $(tree_mib ndx-run ndx)" \
	    "MiB (median of the runs)$(if [ -s "$T/ndx-run.prev.tree" ] &&
		[ ! -e "$T/ndx-run.prev.failed" ]; then
		echo ", the previous release at $(tree_mib ndx-run prev) MiB"
	    fi)."
	echo "Checks passed on every run: exit statuses; row counts;" \
	    "ndx-validate passed all $(group "$N") rows;" \
	    "$(if [ -n "$XSLT_OK" ]; then
		echo "xsltproc's commissioner CSV is byte for byte ndx's" \
		    "($(group "$ncom") rows);"
	    fi)" \
	    "public_health.py's extract is $(cat "$T/ph.same") ndx's" \
	    "($(group "$nph") rows), and pseudonymise + public-health as" \
	    "one job wrote ndx's separate jobs' extract byte for byte;" \
	    "cj_in_treatment for $QUARTER, $AREA, agrees between ndx" \
	    "(--disclosure none) and Python:" \
	    "$(awk -F, '$2 == "TOTAL" && $5 == "total" { print $6 }' \
	    "$T/cj.ndx") and" \
	    "$(awk -F, '$2 == "TOTAL" && $5 == "total" { print $6 }' \
	    "$T/cj.peer") clients$([ -z "$BASE" ] || echo "; the previous \
release's runs passed the same checks, and its row counts (and \
cj_in_treatment) are ndx's, except where the table says otherwise")."
	if [ -n "$BASE" ] && [ -n "$(find "$T" -name '*.prev.failed')" ]; then
		echo
		echo "The previous release ($BASE_REV) failed, and was left" \
		    "out of the job from that round on:"
		echo
		for f in "$T"/*.prev.failed; do
			j=${f##*/}
			echo "- \`${j%.prev.failed}\`: $(cat "$f")"
		done
	fi
	echo
	echo "ndx-run's stages (run.log seconds, medians; $(group "$nrun")" \
	    "rows; the products may run side by side, so the stages need" \
	    "not add up to ndx-run's time$([ -z "$BASE" ] ||
	    echo "; each release names its own stages, – where it has no" \
		"such stage")):"
	echo
	if [ -n "$BASE" ]; then
		echo "| stage | seconds | previous s |"
		echo "|---|---:|---:|"
	else
		echo "| stage | seconds |"
		echo "|---|---:|"
	fi
	while read -r st; do
		printf '| %s | %s |' "$st" "$(stage_s ndx "$st")"
		if [ -n "$BASE" ]; then
			echo " $(stage_s prev "$st") |"
		else
			echo
		fi
	done <"$T/stages"
}

# stage_s SIDE STAGE: its median seconds, or – when that side has none.
stage_s() {
	if [ -s "$T/stage.$1.$2" ]; then
		printf '%.2f' "$(median "$T/stage.$1.$2" 1)"
	else
		echo –
	fi
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
	# Every agency of the data (ndx-run stops when the data holds one
	# its configuration does not list); AGENCY overrides.
	agencies=${AGENCY:-$(awk -F, 'NR > 1 { gsub(/"/, "", $1); print $1 }' \
	    "$DATA/cm.csv" | sort -u | paste -sd, -)}
	cat >"$W/ndx.conf" <<CONF
# Made by bench/run.sh.
source = sqlite:$DATA/cm.db
agency = $agencies
area = $AREA
key_file = $W/key
passphrase_file = $W/passphrase
output_root = $W/runs
as_of = $AS_OF
CONF
	if [ -n "$BASE" ]; then
		# The previous release's outputs, and its own ndx-run output
		# root (its own lock and run directory).
		mkdir -p "$W/prev/runs"
		sed "s|^output_root = .*|output_root = $W/prev/runs|" \
		    "$W/ndx.conf" >"$W/prev/ndx.conf"
	fi
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
