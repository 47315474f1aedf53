#!/bin/sh
# Every program's --help (issue 13): exit 0 on standard output, and it
# describes every long option its parser takes, read from the source's
# getopt_long tables, so an option added without a word of help fails
# here.  A second input file is a usage error that says so.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# prog:source of its option tables
for ps in ndx-extract:extract/extract.c ndx-validate:validate/validate.c \
    ndx-pseudonymise:pseudonymise/pseudonymise.c \
    ndx-transform:transform/transform.c ndx-pack:pack/pack.c \
    ndx-run:run/run.c ndx-combine:combine/combine.c \
    ndx-fixtures:fixtures/fixtures.c; do
	p=${ps%%:*}
	src=$TOP/${ps#*:}
	begin "$p --help"
	run "$p" --help
	want_rc 0
	want_empty "$T/err" "stderr"
	[ "$(wc -l <"$T/out" | tr -d ' ')" -gt 8 ] ||
	    bad "--help is only a usage line"
	sed -n 's/.*{ "\([a-z][a-z-]*\)", *\(no\|required\|optional\)_argument.*/\1/p' \
	    "$src" | sort -u >"$T/opts"
	[ -s "$T/opts" ] || bad "no option table found in $src"
	while read -r o; do
		grep -q -e "--$o\\b" "$T/out" || bad "--help does not describe --$o"
	done <"$T/opts"
	end
done

for p in ndx-validate ndx-pseudonymise ndx-transform; do
	begin "$p with two input files"
	if [ "$p" = ndx-pseudonymise ]; then
		run "$p" --key-file "$T/none" a.xml b.xml
	elif [ "$p" = ndx-transform ]; then
		run "$p" --product commissioner a.xml b.xml
	else
		run "$p" a.xml b.xml
	fi
	want_rc 64
	want_fixed "$T/err" "$p: one input file expected, got 2 (a.xml, b.xml)"
	end
done

finish
