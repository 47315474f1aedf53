# tests/e2e/lib.sh: sourced by every tests/e2e/test_*.sh (jq tests/setup).
#
# Environment:
#   BIN       directory of the built programs (required)
#   VALGRIND  optional command prefix for every program run
#   UPDATE    when non-empty, goldens are (re)written instead of compared
#
# A case is begin NAME, any number of want_* assertions, end.  run PROG
# ARGS... runs $BIN/PROG and leaves its exit status in $rc, its output in
# $T/out and $T/err.  finish prints "N passed, N failed" and exits 1 if any
# case failed.  One-line cases: t NAME RC PROG ARGS... (goldens of stdout
# and stderr) and t_rules CSV RC "LINE:RULE:FIELD:SEVERITY ...".  Goldens
# live in $GOLDEN (tests/e2e/golden; a script may point it elsewhere); a
# missing one fails the case, and UPDATE=1 writes it ("NEW golden"), to
# be reviewed and committed.

set -eu
LC_ALL=C
export LC_ALL

: "${BIN:?set BIN to the directory of the built programs}"
BIN=$(cd "$BIN" && pwd)
VALGRIND=${VALGRIND-}
UPDATE=${UPDATE-}

E2E=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$E2E/../.." && pwd)
DATA=$TOP/tests/data
GOLDEN=$E2E/golden

# Programs built outside the tree find the schemas of this one.
if [ -z "${NDX_DATADIR-}" ] && [ ! -d "$BIN/../schemas" ] &&
    [ ! -d "$BIN/../share/ndx" ]; then
	NDX_DATADIR=$TOP/schemas
	export NDX_DATADIR
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/ndx-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

npass=0
nfail=0
_case=
_bad=

# --- cases and counters

begin() {
	_case=$1
	_bad=
}

# bad MESSAGE...: the current case fails; a case keeps going after a failure.
bad() {
	printf 'FAIL %s: %s\n' "$_case" "$*"
	_bad=1
}

end() {
	if [ -n "$_bad" ]; then
		nfail=$((nfail + 1))
	else
		npass=$((npass + 1))
	fi
}

skip() {
	printf 'SKIP %s: %s\n' "$1" "$2"
}

finish() {
	printf '%d passed, %d failed\n' "$npass" "$nfail"
	[ "$nfail" -eq 0 ]
}

# --- running programs

# run PROG ARG...: stdin is the caller's; sets rc, writes $T/out, $T/err.
run() {
	run_to "$T/out" "$@"
}

# run_to FILE PROG ARG...: the same with standard output going to FILE.
run_to() {
	_to=$1
	_prog=$2
	shift 2
	rc=0
	# shellcheck disable=SC2086 # VALGRIND is a command prefix: split it
	$VALGRIND "$BIN/$_prog" "$@" >"$_to" 2>"$T/err" || rc=$?
}

# --- assertions (each returns 0; a failure marks the case)

# show FILE: indent a file's first lines under a failure message.
show() {
	sed -n '1,20s/^/    | /p' "$1"
}

want_rc() {
	if [ "$rc" -ne "$1" ]; then
		bad "exit status $rc, want $1"
		[ -s "$T/err" ] && show "$T/err"
	fi
	return 0
}

# want_empty FILE WHAT
want_empty() {
	if [ -s "$1" ]; then
		bad "$2 is not empty"
		show "$1"
	fi
	return 0
}

# want_same GOT WANT WHAT: the two files are identical.
want_same() {
	if ! diff -u "$2" "$1" >"$T/diff" 2>&1; then
		bad "$3 differs"
		show "$T/diff"
	fi
	return 0
}

# want_lines FILE N WHAT: FILE has exactly N lines.
want_lines() {
	_n=$(wc -l <"$1" | tr -d ' ')
	if [ "$_n" -ne "$2" ]; then
		bad "$3 has $_n lines, want $2"
		show "$1"
	fi
	return 0
}

# want_fixed FILE STRING [WHAT]: FILE contains STRING.
want_fixed() {
	if ! grep -F -e "$2" "$1" >/dev/null; then
		bad "${3:-${1##*/}} does not contain '$2'"
		show "$1"
	fi
	return 0
}

# want_prefixed FILE PROG: every line of FILE starts with "PROG: ".
want_prefixed() {
	if grep -v "^$2: " "$1" >"$T/unprefixed"; then
		bad "lines without '$2: ' prefix"
		show "$T/unprefixed"
	fi
	return 0
}

# want_golden FILE NAME: FILE equals $GOLDEN/NAME; UPDATE rewrites it.  A
# golden that does not exist yet is written and reported, not a failure
# (libxml2's "New test file"); review and commit it.
want_golden() {
	_g=$GOLDEN/$2
	# A missing golden is a failure: made silently, it would pass forever.
	if [ -z "$UPDATE" ] && [ ! -f "$_g" ]; then
		bad "golden $2 is missing (make check UPDATE=1, review, commit)"
		return 0
	fi
	if [ -n "$UPDATE" ]; then
		[ -f "$_g" ] || printf 'NEW golden %s\n' "$2"
		mkdir -p "$(dirname "$_g")"
		cp "$1" "$_g"
		return 0
	fi
	want_same "$1" "$_g" "$2"
}

# t NAME RC PROG ARG...: exit status RC, stdout and stderr equal to the
# goldens NAME.out and NAME.err.
t() {
	_name=$1
	_want=$2
	shift 2
	begin "$_name"
	run "$@"
	want_rc "$_want"
	want_golden "$T/out" "$_name.out"
	want_golden "$T/err" "$_name.err"
	end
}

# --- CSV

# csv_records FILE: one record per line, fields separated by a TAB (RFC
# 4180 quotes removed; a quoted newline becomes "\n", a TAB "\t"; CR at
# line ends dropped; empty lines skipped).  Output is prefixed by the
# record's first physical line number and a TAB.
csv_records() {
	awk '
	function flush(   i, c, f, inq, out, n) {
		n = 0; f = ""; inq = 0; out = ""
		for (i = 1; i <= length(rec); i++) {
			c = substr(rec, i, 1)
			if (inq) {
				if (c == "\"") {
					if (substr(rec, i + 1, 1) == "\"") { f = f c; i++ }
					else inq = 0
				} else if (c == "\n") f = f "\\n"
				else if (c == "\t") f = f "\\t"
				else f = f c
			} else if (c == "\"") inq = 1
			else if (c == ",") { out = out (n++ ? "\t" : "") f; f = "" }
			else if (c == "\t") f = f "\\t"
			else f = f c
		}
		print start "\t" out (n ? "\t" : "") f
	}
	{
		sub(/\r$/, "")
		if (rec == "" && !open) {
			if ($0 == "") next
			rec = $0; start = NR
		} else rec = rec "\n" $0
		q = rec; open = gsub(/"/, "", q) % 2
		if (!open) { flush(); rec = "" }
	}
	END { if (rec != "") flush() }
	' "$1"
}

# --- the rules pipeline

# rules_run CSV RC ROWS: ndx-extract | ndx-validate on CSV (as of
# 2026-11-01, area Cleveland); asserts the exit statuses and that the
# report's set of LINE:RULE:FIELD:SEVERITY equals ROWS (space-separated;
# FIELD "-" stands for an empty field).
# Leaves episodes.xml, valid.xml, rejects.csv, report.csv in $R.
REPORT_HEADER=line,agncy,clientid,episodid,modid,field,rule,severity,value,message
rules_run() {
	R=$T/rules
	rm -rf "$R"
	mkdir -p "$R"
	run ndx-extract --source "csv:$1" --as-of 2026-11-01
	want_rc 0
	want_empty "$T/err" "ndx-extract stderr"
	cp "$T/out" "$R/episodes.xml"
	run ndx-validate --area Cleveland --report "$R/report.csv" \
	    --rejects "$R/rejects.csv" -o "$R/valid.xml" - <"$R/episodes.xml"
	want_rc "$2"
	want_empty "$T/out" "ndx-validate stdout"
	want_prefixed "$T/err" ndx-validate
	cp "$T/err" "$R/summary.err"
	if [ ! -f "$R/report.csv" ]; then
		bad "no report written"
		return 0
	fi
	_h=$(head -n 1 "$R/report.csv" | tr -d '\r')
	[ "$_h" = "$REPORT_HEADER" ] || bad "report header is '$_h'"
	csv_records "$R/report.csv" | awk -F '\t' 'NR > 1 {
		print $2 ":" $8 ":" ($7 == "" ? "-" : $7) ":" $9 }' | sort >"$R/got"
	: >"$R/want"
	for _row in $3; do
		printf '%s\n' "$_row"
	done | sort >"$R/want"
	want_same "$R/got" "$R/want" "report (line:rule:field:severity)"
}

t_rules() {
	begin "$1"
	rules_run "$DATA/rules/$1" "$2" "$3"
	end
}
