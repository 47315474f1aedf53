#!/bin/sh
# The man pages (style.md 2.9):
#   - every man/*.[157] is clean under `mandoc -Tlint -W warning`;
#   - for every built program with a page, the rendered SYNOPSIS and the
#     usage lines of --help are the same text once whitespace is
#     normalised (and "usage:" dropped): same options, same operands, same
#     brackets, in the same order;
#   - every built program prints --version ("ndx-x N.N.N") and --help;
#   - the EXAMPLES of ndx-extract.1, ndx-validate.1 and ndx-transform.1
#     are the commands copied below, and those run as written (through
#     PATH=$BIN) in a directory holding the demo data as export.csv.
# Without mandoc, the checks that need it are skipped (and counted).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

MAN=$TOP/man
nskip=0
skipped() {
	skip "$1" "$2"
	nskip=$((nskip + 1))
}

have_mandoc=
command -v mandoc >/dev/null 2>&1 && have_mandoc=1

# --- lint

for page in "$MAN"/*.[157] "$BIN/ndx-dataset.5"; do
	[ -f "$page" ] || continue
	name=lint-${page##*/}
	if [ -z "$have_mandoc" ]; then
		skipped "$name" "mandoc is not installed"
		continue
	fi
	begin "$name"
	rc=0
	mandoc -Tlint -W warning "$page" >"$T/lint" 2>&1 || rc=$?
	want_rc 0
	want_empty "$T/lint" "mandoc -Tlint -W warning"
	end
done

# --- ndx-dataset(5), made from the XSD: every item and every code of it

begin "ndx-dataset.5 lists every item and code of episodes-2.xsd"
XSD=$TOP/schemas/episodes-2.xsd
sed -n 's/^\.It Sy \([A-Z0-9_]*\)$/\1/p' "$BIN/ndx-dataset.5" | sort -u \
    >"$T/page-items"
grep -o '<xs:element name="[A-Z0-9_]*"' "$XSD" |
    sed 's/.*name="\(.*\)"/\1/' | sort -u >"$T/xsd-items"
want_same "$T/page-items" "$T/xsd-items" "items on the page"
# Each code list's size: the page lists every enumeration of the types
# it shows once per item of that type.
_codes=$(grep -c '^\.It Li ' "$BIN/ndx-dataset.5")
[ "$_codes" -gt 150 ] || bad "only $_codes codes on the page"
want_fixed "$BIN/ndx-dataset.5" "prison; criminal-justice source"
want_fixed "$BIN/ndx-dataset.5" "died; counted as died"
grep -A1 '^\.It Sy DOB$' "$BIN/ndx-dataset.5" | grep -q . &&
    grep -A3 '^\.It Sy DOB$' "$BIN/ndx-dataset.5" |
    grep -qx 'Identifying\.' || bad "DOB is not marked identifying"
end

# --- SYNOPSIS against usage

# norm: one line, blanks collapsed, none just inside brackets and parens.
norm() {
	tr '\n\t' '  ' | sed -e 's/   */ /g' -e 's/^ //' -e 's/ $//' \
	    -e 's/\([[(]\) /\1/g' -e 's/ \([])]\)/\1/g'
	echo
}

# synopsis PAGE: the SYNOPSIS section, rendered as plain text.
synopsis() {
	mandoc -Tascii "$1" | col -b |
	    awk '/^[A-Z]/ { on = ($0 == "SYNOPSIS"); next } on' | norm
}

# usage_of PROG: the usage lines of PROG --help: the first line ("usage:")
# and the indented lines after it, up to the first blank or other line.
usage_of() {
	run "$1" --help
	awk 'NR == 1 { if (!/^usage:/) exit; sub(/^usage:/, ""); print; next }
	    /^[ \t]+[^ \t]/ { print; next } { exit }' "$T/out" | norm
}

for page in "$MAN"/*.1; do
	[ -f "$page" ] || continue
	prog=${page##*/}
	prog=${prog%.1}
	name=synopsis-$prog
	if [ ! -x "$BIN/$prog" ]; then
		skipped "$name" "$prog is not built"
		continue
	fi
	if [ -z "$have_mandoc" ]; then
		skipped "$name" "mandoc is not installed"
		continue
	fi
	begin "$name"
	usage_of "$prog" >"$T/usage"
	want_rc 0
	synopsis "$page" >"$T/synopsis"
	[ -s "$T/usage" ] || bad "$prog --help prints no usage: line"
	[ -s "$T/synopsis" ] || bad "$page has no SYNOPSIS"
	want_same "$T/synopsis" "$T/usage" "usage of --help (-) against SYNOPSIS (+)"
	end
done

# --- --version and --help of every built program

for prog in ndx ndx-extract ndx-validate ndx-pseudonymise ndx-transform \
    ndx-pack ndx-run ndx-fixtures; do
	if [ ! -x "$BIN/$prog" ]; then
		skipped "version-$prog" "$prog is not built"
		continue
	fi
	begin "version-$prog"
	run "$prog" --version
	want_rc 0
	grep -E "^$prog [0-9]+\.[0-9]+\.[0-9]+" "$T/out" >/dev/null ||
	    bad "--version printed '$(head -n 1 "$T/out")'"
	want_empty "$T/err" "stderr"
	run "$prog" --help
	want_rc 0
	[ -s "$T/out" ] || bad "--help printed nothing on standard output"
	[ -f "$MAN/$prog.1" ] || bad "no man/$prog.1"
	end
done

# --- EXAMPLES

# examples PAGE: the command lines of the literal displays of EXAMPLES,
# one a line, "\e" continuations joined, indentation dropped.
examples() {
	awk '/^\.Sh / { on = ($0 == ".Sh EXAMPLES"); next }
	    on && /^\.Bd -literal/ { lit = 1; next }
	    on && /^\.Ed/ { lit = 0; next }
	    on && lit { print }' "$1" |
	    sed -e 's/^[ \t]*//' -e 's/\\e$/\\/' |
	    awk '{ line = line $0 }
	    /\\$/ { sub(/\\$/, "", line); next }
	    { gsub(/  */, " ", line); print line; line = "" }'
}

# The EXAMPLES, copied from the pages, each with the status it gives on the
# demo data.  A command that needs a server is listed with status "-" and
# skipped.  Each line: STATUS<TAB>COMMAND.
EX=$T/examples
mkdir -p "$EX"
cp "$TOP/fixtures/demo.csv" "$EX/export.csv"

cat >"$T/want-ndx-extract" <<'EOF'
0	ndx-extract --source csv:export.csv --month 2026-10 --as-of 2026-11-05 -o episodes.xml
1	ndx-extract --quarter 2026Q2 export.csv | ndx-validate --area Cleveland -o q.xml
-	ndx-extract --source 'postgresql://ndx@db.example/cm' --month 2026-10 -o episodes.xml
EOF
cat >"$T/want-ndx-validate" <<'EOF'
1	ndx-validate --area Cleveland -o valid.xml --rejects rejects.csv --report report.csv episodes.xml
1	ndx-validate -o valid.xml --report report.csv --report report.xml episodes.xml
0	ndx-transform --product validation-report -o report.html report.xml
EOF
cat >"$T/want-ndx-transform" <<'EOF'
0	ndx-transform --product commissioner -o submission.csv valid.xml
0	ndx-transform --product pcc-return --area Cleveland --quarter 2026Q2 -o pcc.csv valid.xml
0	ndx-transform --product pcc-return --format html --area Cleveland --disclosure round5 -o pcc.html q.xml
0	ndx-transform --product validation-report -o report.html report.xml
EOF

# Outputs the examples must leave, after each page's examples have run.
outputs_ndx_extract="episodes.xml q.xml"
outputs_ndx_validate="valid.xml rejects.csv report.csv report.xml report.html"
outputs_ndx_transform="submission.csv pcc.csv pcc.html report.html"

for prog in ndx-extract ndx-validate ndx-transform; do
	page=$MAN/$prog.1
	name=examples-$prog
	if [ ! -f "$page" ]; then
		begin "$name"
		bad "no man/$prog.1"
		end
		continue
	fi
	begin "$name-text"
	examples "$page" >"$T/got-$prog"
	cut -f 2- "$T/want-$prog" >"$T/cmds-$prog"
	want_same "$T/got-$prog" "$T/cmds-$prog" \
	    "commands tested (-) against EXAMPLES of $prog.1 (+)"
	end
	missing=
	for p in $(cut -f 2- "$T/want-$prog" | awk '{ print $1 }' | sort -u); do
		[ -x "$BIN/$p" ] || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		skipped "$name" "not built:$missing"
		continue
	fi
	begin "$name"
	while IFS="$(printf '\t')" read -r want cmd; do
		if [ "$want" = - ]; then
			skipped "$name" "needs a server: $cmd"
			continue
		fi
		rc=0
		(cd "$EX" && PATH=$BIN:$PATH && export PATH &&
		    eval "$cmd") >"$T/out" 2>"$T/err" </dev/null || rc=$?
		if [ "$rc" -ne "$want" ]; then
			bad "'$cmd': exit status $rc, want $want"
			show "$T/err"
		fi
	done <"$T/want-$prog"
	eval "outs=\$outputs_$(printf '%s' "$prog" | tr - _)"
	for f in $outs; do
		[ -s "$EX/$f" ] || bad "no $f after the examples"
	done
	end
done

printf '%d skipped\n' "$nskip"
finish
