#!/bin/sh
# ndx-pseudonymise: key files (keygen, modes, links, format), the key never
# shown, refusals of input it must not pseudonymise, and the two promises
# of dataset.md §6 on tests/data/pseudonymise/provider-{a,b}.csv run
# through ndx-extract | ndx-validate | ndx-pseudonymise:
#   - no CLIENTID, initial pair, DOB (in any of four formats) or postcode
#     of the input appears in the pseudonymised XML, nor in the Public
#     Health CSV when ndx-transform is built;
#   - one key links the same person across two providers, and nobody else.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

P=$DATA/pseudonymise
XSD=$TOP/schemas/episodes.xsd
W=$T/pseudo
mkdir -p "$W"
VECTOR_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
VECTOR_CLIENT=3e0ae1066e3bc064ce0fd70e2e9a1fab	# see test_pseudonymise.c

# pseudo ARG...: run ndx-pseudonymise.
pseudo() {
	run ndx-pseudonymise "$@"
}

# valid_xml NAME PROVIDER: extract and validate provider-PROVIDER.csv into
# $W/NAME.xml (the identifiable valid episodes).
valid_xml() {
	run ndx-extract --source "csv:$P/provider-$2.csv" --as-of 2026-11-01
	want_rc 0
	cp "$T/out" "$W/$1.episodes.xml"
	run ndx-validate -o "$W/$1.xml" "$W/$1.episodes.xml"
	want_rc 0
}

# want_schema FILE: FILE is valid against the dataset's XSD.
want_schema() {
	if ! xmllint --noout --schema "$XSD" "$1" >"$T/xmllint" 2>&1; then
		bad "${1##*/} does not validate against episodes.xsd"
		show "$T/xmllint"
	fi
	return 0
}

# want_absent FILE STRING WHAT: FILE does not contain STRING (any case).
want_absent() {
	if grep -i -F -e "$2" "$1" >/dev/null; then
		bad "${3:-${1##*/}} contains '$2'"
	fi
	return 0
}

# mode FILE: its permission bits in octal.
mode() {
	stat -c %a "$1"
}

# --- keygen
begin keygen
pseudo keygen "$W/k1"
want_rc 0
want_empty "$T/out" stdout
want_empty "$T/err" stderr
[ "$(mode "$W/k1")" = 600 ] || bad "key mode $(mode "$W/k1"), want 600"
grep -E -x '[0-9a-f]{64}' "$W/k1" >/dev/null || bad "not 64 hex digits"
[ "$(wc -c <"$W/k1" | tr -d ' ')" -eq 65 ] || bad "key file is not 65 bytes"
end

begin keygen-umask-000
(umask 000 && pseudo keygen "$W/k-umask" && [ "$rc" -eq 0 ]) ||
    bad "keygen failed under umask 000"
[ "$(mode "$W/k-umask")" = 600 ] || bad "key mode $(mode "$W/k-umask")"
end

begin keygen-never-overwrites
cp "$W/k1" "$W/k1.copy"
pseudo keygen "$W/k1"
want_rc 73
want_empty "$T/out" stdout
want_lines "$T/err" 1 stderr
want_fixed "$T/err" \
    "ndx-pseudonymise: $W/k1: exists; ndx never overwrites a key"
cmp -s "$W/k1" "$W/k1.copy" || bad "the key was changed"
end

begin keygen-never-through-a-link
ln -s "$W/new-target" "$W/k-link"
pseudo keygen "$W/k-link"
want_rc 73
[ ! -e "$W/new-target" ] || bad "keygen followed a symbolic link"
end

begin keygen-not-to-stdout
pseudo keygen -
want_rc 64
want_empty "$T/out" stdout
end

begin keygen-usage
pseudo keygen
want_rc 64
want_fixed "$T/err" "usage: ndx-pseudonymise"
end

# --- options
begin help
pseudo --help
want_rc 0
want_fixed "$T/out" "usage: ndx-pseudonymise --key-file KEYFILE"
want_empty "$T/err" stderr
end

begin version
pseudo --version
want_rc 0
want_fixed "$T/out" "ndx-pseudonymise "
end

begin no-key-file
pseudo "$W/none.xml"
want_rc 64
want_fixed "$T/err" "--key-file is required"
end

# A key typed where its file name goes is refused, and not echoed (also
# through getopt's abbreviation --key of --key-file).
for _opt in --key-file --key; do
	begin "no-key-in-argv$_opt"
	pseudo "$_opt" "$VECTOR_KEY" "$W/none.xml"
	want_rc 64
	want_fixed "$T/err" "a key never goes on the command line"
	want_absent "$T/err" "$VECTOR_KEY" stderr
	end
done

begin two-operands
pseudo --key-file "$W/k1" a.xml b.xml
want_rc 64
end

# --- the identifiable inputs of everything below
begin valid-inputs
valid_xml a a
valid_xml b b
end
if [ ! -s "$W/a.xml" ] || [ ! -s "$W/b.xml" ]; then
	echo "the remaining cases need the valid inputs"
	finish || exit 1
fi

# --- key files refused

# refused NAME RC KEYFILE TEXT: pseudonymising with KEYFILE exits RC with
# one line containing TEXT, writes nothing, and never shows the key.
refused() {
	begin "$1"
	rm -f "$W/refused.xml"
	pseudo --key-file "$3" -o "$W/refused.xml" "$W/a.xml"
	want_rc "$2"
	want_empty "$T/out" stdout
	want_lines "$T/err" 1 stderr
	want_prefixed "$T/err" ndx-pseudonymise
	want_fixed "$T/err" "$4"
	want_absent "$T/err" "$VECTOR_KEY" stderr
	[ ! -e "$W/refused.xml" ] || bad "an output was written"
	end
}

printf '%s\n' "$VECTOR_KEY" >"$W/vector.key"
for m in 640 604 644 620 602 660; do
	cp "$W/vector.key" "$W/key-$m"
	chmod "$m" "$W/key-$m"
	refused "key-mode-$m" 77 "$W/key-$m" "mode 0$m lets group or others \
at the key; ndx refuses it until you run: chmod 600 $W/key-$m"
done
chmod 600 "$W/vector.key"
ln -s "$W/vector.key" "$W/key-symlink"
refused key-symlink 78 "$W/key-symlink" "is a symbolic link"
mkdir "$W/key-dir"
chmod 700 "$W/key-dir"
refused key-directory 78 "$W/key-dir" "not a regular file"
refused key-missing 66 "$W/no-such-key" "cannot open the key file"
printf '%s\r\n' "$VECTOR_KEY" >"$W/key-crlf"
chmod 600 "$W/key-crlf"
refused key-crlf 78 "$W/key-crlf" "not a key file"
printf '%s\n' "$VECTOR_KEY" | cut -c 1-62 >"$W/key-short"
chmod 600 "$W/key-short"
refused key-short 78 "$W/key-short" "exactly 64 hexadecimal digits"

# --- keyid: the key id of exchange.md §4, under the same key file rules
begin keyid-vector
pseudo keyid "$W/vector.key"
want_rc 0
want_empty "$T/err" stderr
printf 'e59ed32368831696\n' >"$T/keyid.want"
cmp -s "$T/out" "$T/keyid.want" || { bad "keyid output"; show "$T/out"; }
end

begin keyid-another-key
pseudo keyid "$W/k1"
want_rc 0
grep -E -x '[0-9a-f]{16}' "$T/out" >/dev/null || bad "not 16 hex digits"
want_absent "$T/out" e59ed32368831696 stdout
want_absent "$T/out" "$(cut -c 1-16 "$W/k1")" stdout
end

# keyid_refused NAME RC KEYFILE TEXT: keyid exits RC, one line, no id.
keyid_refused() {
	begin "keyid-$1"
	pseudo keyid "$3"
	want_rc "$2"
	want_empty "$T/out" stdout
	want_lines "$T/err" 1 stderr
	want_fixed "$T/err" "$4"
	want_absent "$T/err" "$VECTOR_KEY" stderr
	end
}
keyid_refused mode-640 77 "$W/key-640" "lets group or others at the key"
keyid_refused mode-604 77 "$W/key-604" "lets group or others at the key"
keyid_refused symlink 78 "$W/key-symlink" "is a symbolic link"
keyid_refused directory 78 "$W/key-dir" "not a regular file"
keyid_refused missing 66 "$W/no-such-key" "cannot open the key file"
keyid_refused short 78 "$W/key-short" "exactly 64 hexadecimal digits"
keyid_refused stdin 64 - "keyid reads a key only from a file"
keyid_refused in-argv 64 "$VECTOR_KEY" "a key never goes on the command line"

begin keyid-usage
pseudo keyid
want_rc 64
want_fixed "$T/err" "ndx-pseudonymise keyid KEYFILE"
pseudo keyid "$W/vector.key" "$W/k1"
want_rc 64
want_empty "$T/out" stdout
end

# --- input refused
begin already-pseudonymised
pseudo --key-file "$W/vector.key" -o "$W/vector-a.xml" "$W/a.xml"
want_rc 0
pseudo --key-file "$W/vector.key" "$W/vector-a.xml"
want_rc 65
want_empty "$T/out" stdout
want_fixed "$T/err" "is already pseudonymised"
end

# Not validated, DOB not a real date: refused, the value never shown.
begin invalid-dob
sed 's#07/03/1980#31/02/1980#' "$P/provider-a.csv" >"$W/bad-dob.csv"
run ndx-extract --source "csv:$W/bad-dob.csv" --as-of 2026-11-01
cp "$T/out" "$W/bad-dob.xml"
pseudo --key-file "$W/vector.key" -o "$W/refused.xml" "$W/bad-dob.xml"
want_rc 65
want_lines "$T/err" 1 stderr
want_fixed "$T/err" "$W/bad-dob.xml:3: not valid episodes (DOB is not a \
real calendar date (or is before 1900-01-01)); run ndx-validate first"
want_absent "$T/err" 1980 stderr
want_absent "$T/err" Qa-7712 stderr
[ ! -e "$W/refused.xml" ] || bad "an output was written"
end

# Schema-valid but 16 at triage (R010): no AGE_BAND exists.
begin under-18
sed 's#12/11/1991#12/11/2010#' "$P/provider-a.csv" >"$W/young.csv"
run ndx-extract --source "csv:$W/young.csv" --as-of 2026-11-01
cp "$T/out" "$W/young.xml"
pseudo --key-file "$W/vector.key" "$W/young.xml"
want_rc 65
want_fixed "$T/err" "episode N0852/EP-2: the age at triage is outside the \
adult dataset (rule R010); run ndx-validate first"
want_absent "$T/err" 2010 stderr
end

begin key-file-as-input
pseudo --key-file "$W/vector.key" "$W/vector.key"
want_rc 64
want_fixed "$T/err" "is the key file"
want_absent "$T/err" "$VECTOR_KEY" stderr
end

begin key-file-as-output
pseudo --key-file "$W/vector.key" -o "$W/vector.key" "$W/a.xml"
want_rc 64
want_fixed "$T/err" "ndx never overwrites a key"
grep -x -F "$VECTOR_KEY" "$W/vector.key" >/dev/null || bad "key changed"
end

begin output-dev-full
pseudo --key-file "$W/vector.key" -o /dev/full "$W/a.xml"
want_rc 74
end

begin output-missing-dir
pseudo --key-file "$W/vector.key" -o "$W/no/such/dir.xml" "$W/a.xml"
want_rc 73
end

# --- the published test vector, end to end
# client_of FILE LINE: PSEUDO_CLIENT of the client holding source line LINE.
client_of() {
	_x="//*[local-name()='client']"
	_x="${_x}[.//*[local-name()='intervention'][@line='$2']]"
	_x="$_x/*[local-name()='PSEUDO_CLIENT']"
	xmllint --xpath "string($_x)" "$1" 2>/dev/null || :
}

begin test-vector
want_schema "$W/vector-a.xml"
_got=$(client_of "$W/vector-a.xml" 2)
[ "$_got" = "$VECTOR_CLIENT" ] ||
    bad "J S 1980-03-07 M is '$_got', want $VECTOR_CLIENT"
end

# --- both providers, one new key
begin pseudonymise-providers
pseudo keygen "$W/shared.key"
want_rc 0
for p in a b; do
	pseudo --key-file "$W/shared.key" -o "$W/$p.pseudo.xml" "$W/$p.xml"
	want_rc 0
	want_empty "$T/out" stdout
	want_prefixed "$T/err" ndx-pseudonymise
	cp "$T/err" "$W/$p.pseudo.err"
	want_schema "$W/$p.pseudo.xml"
done
want_fixed "$W/a.pseudo.err" "5 clients, 5 episodes, 6 rows pseudonymised"
want_fixed "$W/b.pseudo.err" "4 clients, 4 episodes, 4 rows pseudonymised"
end

begin pseudonymise-stdin-stdout
pseudo --key-file "$W/shared.key" <"$W/a.xml"
want_rc 0
want_same "$T/out" "$W/a.pseudo.xml" "stdout"
end

begin derived-items
_f=$W/a.pseudo.xml
for _w in '<AGE_AT_TRIAGE>46</AGE_AT_TRIAGE>' '<AGE_BAND>45-49</AGE_BAND>' \
    '<AGE_BAND>30-34</AGE_BAND>' '<AGE_BAND>55-64</AGE_BAND>' \
    '<AGE_BAND>25-29</AGE_BAND>' '<PC_DISTRICT>TS1</PC_DISTRICT>' \
    '<PC_DISTRICT>TS18</PC_DISTRICT>' \
    '<SUBSTANCE_GROUP>opiate</SUBSTANCE_GROUP>' \
    '<SUBSTANCE_GROUP>alcohol_only</SUBSTANCE_GROUP>' \
    '<SUBSTANCE_GROUP>non_opiate_only</SUBSTANCE_GROUP>' \
    '<SUBSTANCE_GROUP>non_opiate_and_alcohol</SUBSTANCE_GROUP>'; do
	want_fixed "$_f" "$_w"
done
# No fixed abode: five clients, four districts.
_n=$(grep -c '<PC_DISTRICT>' "$_f")
[ "$_n" -eq 4 ] || bad "$_n PC_DISTRICT elements, want 4"
end

# --- the identifier-leak test

# identifiers: every CLIENTID, EPISODID, initial pair, DOB in four
# formats, and postcode with and without its space, of both inputs.
for p in a b; do
	csv_records "$P/provider-$p.csv"
done | awk -F '\t' '$1 > 1 {
	print $3			# CLIENTID
	print $13			# EPISODID
	print $4 $5			# FINITIAL SINITIAL
	split($6, d, "/")		# DOB, DD/MM/YYYY
	print $6
	print d[3] "-" d[2] "-" d[1]
	print d[3] d[2] d[1]
	print d[1] "-" d[2] "-" d[3]
	if ($11 != "") {		# PC
		print $11
		pc = $11; sub(/ /, "", pc); print pc
	}
}' | sort -u >"$W/identifiers"

# values FILE: the values of an XML or CSV file, one run per line, with
# element and attribute names taken out (they are the schema's words, not
# data: INJSTAT holds "JS").
values() {
	sed -e 's/<[?/]\{0,1\}[A-Za-z_][A-Za-z0-9_:.-]*//g' \
	    -e 's/[A-Za-z_][A-Za-z0-9_:.-]*="/="/g' "$1"
}

# leaks FILE: the identifiers found among FILE's values, in any case.
leaks() {
	values "$1" | grep -o -i -F -f "$W/identifiers" | sort -u
}

begin leak-search-sees-identifiers
_n=$(wc -l <"$W/identifiers" | tr -d ' ')
[ "$_n" -ge 50 ] || bad "only $_n identifier forms"
# The same search on the identifiable file finds each CLIENTID, ISO DOB
# and postcode: a clean result below means clean, not blind.
leaks "$W/a.xml" >"$W/seen"
for _s in Qa-77120 Qa-77124 1980-03-07 1991-11-12 'TS1 3QY' 'ZZ99 3VZ'; do
	grep -x -i -F -e "$_s" "$W/seen" >/dev/null ||
	    bad "the search misses $_s in the identifiable XML"
done
leaks "$P/provider-b.csv" >"$W/seen"
for _s in hx-0009 03/07/1980 'TS19 8PP'; do
	grep -x -i -F -e "$_s" "$W/seen" >/dev/null ||
	    bad "the search misses $_s in the input CSV"
done
end

begin no-identifiers-in-xml
for p in a b; do
	leaks "$W/$p.pseudo.xml" >"$W/leaked"
	if [ -s "$W/leaked" ]; then
		bad "provider $p's pseudonymised XML holds identifiers"
		show "$W/leaked"
	fi
	for _e in CLIENTID FINITIAL SINITIAL DOB PC EPISODID; do
		want_absent "$W/$p.pseudo.xml" "<$_e>"
	done
done
end

if [ -x "$BIN/ndx-transform" ]; then
	begin no-identifiers-in-public-health-csv
	# Also generalised (--min-k), read from a pipe: no identifier in
	# the extract, its summary or the risk line.
	for p in a b a.k b.k; do
		case $p in
		*.k)
			run ndx-transform --product public-health --min-k 2 \
			    --summary "$W/$p.summary" -o "$W/$p.ph.csv" \
			    <"$W/${p%.k}.pseudo.xml"
			;;
		*)
			run ndx-transform --product public-health \
			    -o "$W/$p.ph.csv" "$W/$p.pseudo.xml"
			;;
		esac
		want_rc 0
		# The header is the layout's words (INJSTAT holds "JS").
		sed 1d "$W/$p.ph.csv" >"$W/$p.ph.rows"
		cat "$T/err" "$W/$p.summary" >>"$W/$p.ph.rows" 2>/dev/null ||
		    :
		leaks "$W/$p.ph.rows" >"$W/leaked"
		if [ -s "$W/leaked" ]; then
			bad "provider $p's Public Health CSV holds identifiers"
			show "$W/leaked"
		fi
	done
	end
else
	skip no-identifiers-in-public-health-csv \
	    "ndx-transform is not built: the CSV was not checked"
fi

# --- linkage: one key, two providers
# Source lines of each person (see the CSVs): P1 is J S 1980-03-07 M at
# both agencies (lower-case initials at N1234); P2 is W Y at both; P5
# differs from P1 by SEX only, P6 by DOB day and month swapped.
begin same-person-same-pseudonym
for _row in a:2:P1 a:3:P1 a:4:P2 a:5:P3 a:6:P4 a:7:P5 \
    b:2:P1 b:3:P6 b:4:P2 b:5:P7; do
	_p=${_row%%:*}
	_rest=${_row#*:}
	_line=${_rest%%:*}
	_who=${_rest#*:}
	_c=$(client_of "$W/$_p.pseudo.xml" "$_line")
	printf '%s\n' "$_c" | grep -E -x '[0-9a-f]{32}' >/dev/null ||
	    bad "$_p line $_line: PSEUDO_CLIENT '$_c'"
	printf '%s %s\n' "$_who" "$_c" >>"$W/links.all"
done
sort -u "$W/links.all" >"$W/links"
# Same person <=> same pseudonym: as many people as pseudonyms as pairs.
_people=$(cut -d ' ' -f 1 "$W/links" | sort -u | wc -l)
_pseudos=$(cut -d ' ' -f 2 "$W/links" | sort -u | wc -l)
_pairs=$(wc -l <"$W/links")
if [ "$_people" -ne 7 ] || [ "$_pseudos" -ne 7 ] || [ "$_pairs" -ne 7 ]; then
	bad "$_people people, $_pseudos pseudonyms, $_pairs pairs; want 7"
	show "$W/links"
fi
end

begin another-key-another-pseudonym
_a=$(client_of "$W/a.pseudo.xml" 2)
_v=$(client_of "$W/vector-a.xml" 2)
if [ -z "$_a" ] || [ "$_a" = "$_v" ]; then
	bad "two keys gave '$_a' and '$_v'"
fi
end

begin episodes-pseudonymised-per-agency
_n=$(cat "$W/a.pseudo.xml" "$W/b.pseudo.xml" |
    sed -n 's/.*<PSEUDO_EPISODE>\(.*\)<\/PSEUDO_EPISODE>.*/\1/p' |
    sort -u | wc -l)
[ "$_n" -eq 9 ] || bad "$_n distinct PSEUDO_EPISODE, want 9"
end

# --- the key never shows: not in any output or message of the runs
begin key-never-shown
_hex=$(cat "$W/shared.key")
for _f in "$W/a.pseudo.xml" "$W/b.pseudo.xml" "$W/a.pseudo.err" \
    "$W/b.pseudo.err" "$W"/*.ph.csv; do
	[ -f "$_f" ] || continue
	want_absent "$_f" "$_hex"
	# Any quarter of it would be a leak too.
	for _i in 1 17 33 49; do
		_q=$(printf '%s' "$_hex" | cut -c "$_i-$((_i + 15))")
		want_absent "$_f" "$_q"
	done
done
end

finish
