#!/bin/sh
# Runs every tests/e2e/test_*.sh and prints one closing line for them all,
# "N passed, N failed"; exits non-zero on any failure.  A script that
# stops without its own closing line counts as one failure.
# Usage: BIN=build [VALGRIND=...] [UPDATE=1] sh tests/e2e/run.sh [test_x.sh...]
set -u
LC_ALL=C
export LC_ALL

dir=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- "$dir"/test_*.sh

log=$(mktemp "${TMPDIR:-/tmp}/ndx-e2e-run.XXXXXX")
trap 'rm -f "$log"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

passed=0
failed=0
for script in "$@"; do
	name=${script##*/}
	echo "== $name"
	status=0
	sh "$script" >"$log" 2>&1 || status=$?
	last=$(tail -n 1 "$log")
	# Its own closing line is replaced by ours, in the final tally.
	sed '$d' "$log"
	p=$(printf '%s\n' "$last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1/p')
	f=$(printf '%s\n' "$last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\2/p')
	if [ -z "$p" ]; then
		printf '%s\n' "$last"
		echo "FAIL $name: stopped (status $status) without a closing line"
		p=0
		f=1
	elif [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: exit status $status"
		f=1
	fi
	echo "   $name: $p passed, $f failed"
	passed=$((passed + p))
	failed=$((failed + f))
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
