#!/bin/sh
# ndx-extract --source csv:FILE on input that is broken, odd or missing.
# A failure prints exactly one line, "ndx-extract: FILE[:LINE]: ...", and
# nothing on standard output; odd but acceptable input gives the same XML
# as the plain file.  Inputs are made here, from spec/example.csv.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

EXAMPLE=$TOP/../shared/spec/example.csv
[ -f "$EXAMPLE" ] || EXAMPLE=$DATA/rules/example-pass.csv
M=$T/m
mkdir -p "$M"
cp "$EXAMPLE" "$M/good.csv"

extract() {
	run ndx-extract --source "csv:$1" --as-of 2026-11-01
}

# fails NAME RC FILE [LINE]: extract exits RC; one line on stderr naming
# FILE, or FILE:LINE when LINE is given; nothing on stdout.
fails() {
	begin "$1"
	extract "$3"
	want_rc "$2"
	want_empty "$T/out" stdout
	want_lines "$T/err" 1 stderr
	want_prefixed "$T/err" ndx-extract
	want_fixed "$T/err" "$3${4:+:$4}" stderr
	end
}

# same NAME FILE: extract exits 0, quietly, with the XML of good.csv.
same() {
	begin "$1"
	extract "$2"
	want_rc 0
	want_empty "$T/err" stderr
	want_same "$T/out" "$M/good.xml" "XML"
	end
}

# --- the plain file, the reference for the rest
begin good
extract "$M/good.csv"
want_rc 0
want_empty "$T/err" stderr
cp "$T/out" "$M/good.xml"
_n=$(grep -o '<intervention[ />]' "$M/good.xml" | wc -l | tr -d ' ')
[ "$_n" -eq 6 ] || bad "$_n <intervention> elements, want 6"
end

# --- unprocessable (65)
: >"$M/empty.csv"
fails empty 65 "$M/empty.csv"

printf 'a,b,c\n1,2,3\n' >"$M/wrong-header.csv"
fails wrong-header 65 "$M/wrong-header.csv"

# SEX (mandatory) dropped from the header and every row
cut -d , -f 1-5,7- "$M/good.csv" >"$M/no-sex.csv"
fails missing-mandatory-column 65 "$M/no-sex.csv"

{
	printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000'
	head -c 4096 /dev/zero
	printf '\377\376\375,\n\001\002"\003\n'
} >"$M/binary.csv"
fails binary-junk 65 "$M/binary.csv"

{
	head -n 1 "$M/good.csv"
	printf 'N0852,C1,J,S,07/03/1980,M,A,GBR,E06000002,"TS1 3Q'
} >"$M/truncated.csv"
fails truncated-quoted-field 65 "$M/truncated.csv"

{
	head -n 1 "$M/good.csv"
	printf 'N0852,'
	head -c 10485760 /dev/zero | tr '\0' x
	printf ',J,S,07/03/1980,M,A,GBR,E06000002,TS1 3QY,Y,EP-1,01/07/2026,'
	printf '03/07/2026,4,1011,3201,,1,C,3,12,14,,9,,,,M1,94,1,03/07/2026,'
	printf '05/07/2026,,\n'
} >"$M/huge-field.csv"
fails huge-field 65 "$M/huge-field.csv" 2

# line 3 has a byte that is not UTF-8 in NATION
ff=$(printf '\377')
sed "3s/,GBR,/,G${ff}R,/" "$M/good.csv" >"$M/bad-utf8.csv"
fails invalid-utf8 65 "$M/bad-utf8.csv" 3

sed '3s/$/,extra/' "$M/good.csv" >"$M/too-many.csv"
fails too-many-fields 65 "$M/too-many.csv" 3

# line 2 ends ",," (MODEND, MODEXIT empty): drop one field
sed '2s/,$//' "$M/good.csv" >"$M/too-few.csv"
fails too-few-fields 65 "$M/too-few.csv" 2

# --- missing or unreadable (66)
fails nonexistent 66 "$M/no-such-file.csv"

if [ "$(id -u)" -eq 0 ]; then
	skip unreadable "running as root, which reads any file"
else
	cp "$M/good.csv" "$M/unreadable.csv"
	chmod 000 "$M/unreadable.csv"
	fails unreadable 66 "$M/unreadable.csv"
fi

# --- accepted (0)
begin header-only
head -n 1 "$M/good.csv" >"$M/header-only.csv"
extract "$M/header-only.csv"
want_rc 0
want_empty "$T/err" stderr
want_fixed "$T/out" "<episodes" "stdout"
if grep '<client' "$T/out" >/dev/null; then
	bad "episodes from a file with no rows"
fi
end

begin unknown-column
awk 'NR == 1 { print $0 ",NOTES"; next } { print $0 ",call back" }' \
    "$M/good.csv" >"$M/extra.csv"
extract "$M/extra.csv"
want_rc 0
want_same "$T/out" "$M/good.xml" "XML"
want_lines "$T/err" 1 stderr
want_prefixed "$T/err" ndx-extract
want_fixed "$T/err" "$M/extra.csv"
want_fixed "$T/err" NOTES
end

# SEX moved to the end: columns may come in any order
awk -F , -v OFS=, '{ s = $6; for (i = 6; i < NF; i++) $i = $(i + 1); $NF = s; print }' \
    "$M/good.csv" >"$M/reordered.csv"
same columns-reordered "$M/reordered.csv"

awk '{ printf "%s\r\n", $0 }' "$M/good.csv" >"$M/crlf.csv"
same crlf "$M/crlf.csv"

{ printf '\357\273\277'; cat "$M/good.csv"; } >"$M/bom.csv"
same bom "$M/bom.csv"

{ printf '\357\273\277'; cat "$M/crlf.csv"; } >"$M/bom-crlf.csv"
same bom-crlf "$M/bom-crlf.csv"

# Every value quoted: the same XML.
awk -F , '{ s = ""; for (i = 1; i <= NF; i++) s = s (i > 1 ? "," : "") "\"" $i "\""; print s }' \
    "$M/good.csv" >"$M/quoted.csv"
same all-quoted "$M/quoted.csv"

# A quoted PC holding a comma and a newline: the record spans lines 2-3,
# the next one starts on line 4.  The extract does not judge the value.
begin quoted-comma-newline
{
	head -n 1 "$M/good.csv"
	sed -n '2s/,TS1 3QY,/,"TS1,\
3QY",/p' "$M/good.csv"
	sed -n '3,$p' "$M/good.csv"
} >"$M/multiline.csv"
extract "$M/multiline.csv"
want_rc 0
want_empty "$T/err" stderr
want_fixed "$T/out" 'line="2"'
want_fixed "$T/out" 'line="4"'
want_fixed "$T/out" 'TS1,'
if grep 'line="3"' "$T/out" >/dev/null; then
	bad "a record said to start inside a quoted field"
fi
end

# The extract converts and never judges: bad values reach the validator.
begin bad-values-pass
sed '2s/^N0852,C1,J,S,07\/03\/1980,M,/N0852,C1,J,S,31\/02\/1980,Q,/' \
    "$M/good.csv" >"$M/bad-values.csv"
extract "$M/bad-values.csv"
want_rc 0
want_empty "$T/err" stderr
want_fixed "$T/out" "<SEX>Q</SEX>"
want_fixed "$T/out" "1980-02-31"
end

# --- output
begin dev-full
run_to /dev/full ndx-extract --source "csv:$M/good.csv" --as-of 2026-11-01
want_rc 74
want_lines "$T/err" 1 stderr
want_prefixed "$T/err" ndx-extract
end

begin no-output-file-on-failure
run ndx-extract --source "csv:$M/empty.csv" --as-of 2026-11-01 -o "$M/out.xml"
want_rc 65
want_empty "$T/out" stdout
[ ! -e "$M/out.xml" ] || bad "-o file left behind"
end

# --- usage (64)
begin bad-option
run ndx-extract --source "csv:$M/good.csv" --no-such-option
want_rc 64
want_empty "$T/out" stdout
[ -s "$T/err" ] || bad "nothing on stderr"
end

begin bad-month
run ndx-extract --source "csv:$M/good.csv" --month 2026-13
want_rc 64
want_empty "$T/out" stdout
[ -s "$T/err" ] || bad "nothing on stderr"
end

# What people give a program that wants the episodes XML by mistake
# (issue 13): said in words, not libxml2's, 65.
: >"$T/empty.xml"
printf '  \n\n' >"$T/blank.xml"
for p in ndx-validate ndx-pseudonymise ndx-transform; do
	case $p in
	ndx-pseudonymise) set -- --key-file "$T/none" ;;
	ndx-transform) set -- --product commissioner ;;
	*) set -- ;;
	esac
	begin "$p: an empty input, a blank one, a CSV export"
	if [ "$p" = ndx-pseudonymise ]; then
		"$BIN/ndx-pseudonymise" keygen "$T/none" 2>/dev/null || :
	fi
	for f in "$T/empty.xml" "$T/blank.xml"; do
		run "$p" "$@" "$f"
		want_rc 65
		want_fixed "$T/err" "$p: $f: empty input: no episodes XML"
	done
	run "$p" "$@" "$DATA/rules/example-pass.csv"
	want_rc 65
	want_fixed "$T/err" "example-pass.csv:1: this is not an episodes XML file: it starts with text, not a tag; it looks like a CSV export, which ndx-extract reads"
	grep -q 'libxml2\|not well-formed\|Document is empty' "$T/err" &&
	    bad "libxml2's words"
	end
done

finish
