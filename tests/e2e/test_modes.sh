#!/bin/sh
# Every output file is 0600 whatever the umask (lib/outfile): with umask
# 000, the files of ndx-extract, ndx-validate (-o, --rejects, --report CSV
# and XML) and ndx-transform.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

M=$T/modes
mkdir -p "$M"
umask 000

# want_mode FILE: FILE exists with mode 600.
want_mode() {
	if [ ! -f "$1" ]; then
		bad "$1 not written"
		return 0
	fi
	_m=$(stat -c %a "$1")
	[ "$_m" = 600 ] || bad "$(basename "$1") has mode $_m, not 600"
}

begin modes-umask-000
run ndx-extract --source "csv:$DATA/rules/example-pass.csv" \
    --as-of 2026-11-01 -o "$M/episodes.xml"
want_rc 0
want_mode "$M/episodes.xml"
run ndx-validate -o "$M/valid.xml" --rejects "$M/rejects.csv" \
    --report "$M/report.csv" --report "$M/report.xml" "$M/episodes.xml"
want_mode "$M/valid.xml"
want_mode "$M/rejects.csv"
want_mode "$M/report.csv"
want_mode "$M/report.xml"
run ndx-transform --product validation-report -o "$M/report.html" \
    "$M/report.xml"
want_rc 0
want_mode "$M/report.html"
end

finish
