#!/bin/sh
# Runs the cmocka unit test programs given as arguments, each optionally
# under $VALGRIND, and counts test cases from cmocka's summary lines.  A
# program that fails without saying which test did (a crash, a valgrind
# error) counts as one failure; one that prints no summary counts as one
# test.  The last line is "N passed, N failed"; the exit status is 1 when
# anything failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
NDX_SRCDIR=$root
NDX_DATADIR=$root/schemas
export NDX_SRCDIR NDX_DATADIR
LC_ALL=C
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ndx-unit.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# The number in cmocka's "[  WORD  ] N test(s)." summary line, or "".
count() {
	sed -n "s/.*\\[ *$1 *\\] \\([0-9][0-9]*\\) test(s).*/\\1/p" "$2" |
	    tail -n 1
}

passed=0
failed=0
skipped=0
for t in "$@"; do
	name=${t##*/}
	log=$tmp/$name.log
	if [ ! -x "$t" ]; then
		echo "$name: missing or not executable" >&2
		failed=$((failed + 1))
		continue
	fi
	# shellcheck disable=SC2086 # $VALGRIND is a command line.
	${VALGRIND:-} "$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(count PASSED "$log")
	f=$(count FAILED "$log")
	s=$(count SKIPPED "$log")
	p=${p:-0}
	f=${f:-0}
	s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "$name: exit status $rc" >&2
		f=1
	fi
	if [ "$rc" -eq 0 ] && [ "$p" -eq 0 ] && [ "$s" -eq 0 ]; then
		p=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done
[ "$skipped" -gt 0 ] && echo "($skipped skipped)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
