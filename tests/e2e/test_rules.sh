#!/bin/sh
# Every rule of dataset.md §5, one tiny CSV at a time: tests/data/rules/*.csv
# through ndx-extract | ndx-validate, checked against expected.txt (its
# header says how to read it and which conventions it follows).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

RULES=$DATA/rules
EXPECTED=$RULES/expected.txt

# Files whose whole report and stderr summary are also kept as goldens.
GOLDENS="R001-trip-sex-missing R031-trip-second-row R121-trip-sinitial-sex
R122-trip-pc-triaged R123-trip-three R125-trip-unsorted example-pass"

is_golden() {
	for _g in $GOLDENS; do
		[ "$_g.csv" = "$1" ] && return 0
	done
	return 1
}

# key NAME LINE: the value of NAME=VALUE in a summary line of expected.txt.
key() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# data_rows CSV: the records after the header, without their line numbers.
data_rows() {
	csv_records "$1" | sed 1d | cut -f 2-
}

# want_rejects CSV LINES: the rejects file holds the rows of CSV found on
# LINES ("2,3" or "-"), in any order, after the dataset's header.
want_rejects() {
	if [ ! -f "$R/rejects.csv" ]; then
		bad "no rejects file written"
		return 0
	fi
	# The rejects carry values as the extract tidied them: without the
	# blanks around them (R102).
	csv_records "$1" | awk -F '\t' -v OFS='\t' -v lines="$2" '
	    BEGIN { n = split(lines, l, ","); for (i = 1; i <= n; i++) want[l[i]] = 1 }
	    $1 in want {
		for (i = 2; i <= NF; i++)
			gsub(/^( |\\t)+|( |\\t)+$/, "", $i)
		print
	    }' | cut -f 2- | sort >"$R/rejects.want"
	csv_records "$R/rejects.csv" | cut -f 2- >"$R/rejects.all"
	if [ -s "$R/rejects.all" ]; then
		_h=$(head -n 1 "$R/rejects.all")
		# The layout's header, whatever columns the input had (R104):
		# the input's dataset version's.
		_x=$DATA/rules/example-pass.csv
		head -n 1 "$1" | grep -q TOPID && _x=$DATA/rules/v2-example-pass.csv
		_w=$(head -n 1 "$_x" | tr ',' '\t')
		[ "$_h" = "$_w" ] || bad "rejects header is '$_h'"
	fi
	sed 1d "$R/rejects.all" | sort >"$R/rejects.got"
	want_same "$R/rejects.got" "$R/rejects.want" "rejected rows"
}

# want_counts CSV READ WRITTEN REJECTED DUPLICATES, from the outputs:
# source rows, <intervention> and <top> elements of valid.xml, rows of
# rejects.csv,
# R123 rows of the report.
want_counts() {
	_read=$(data_rows "$1" | wc -l | tr -d ' ')
	_written=0
	[ -f "$R/valid.xml" ] &&
	    _written=$(grep -Eo '<(intervention|top)[ />]' "$R/valid.xml" | wc -l | tr -d ' ')
	_rejected=0
	[ -s "$R/rejects.csv" ] &&
	    _rejected=$(data_rows "$R/rejects.csv" | wc -l | tr -d ' ')
	_dups=$(grep -c ':R123:' "$R/got" || :)
	_got="$_read/$_written/$_rejected/$_dups"
	[ "$_got" = "$2/$3/$4/$5" ] ||
	    bad "rows read/written/rejected/duplicates $_got, want $2/$3/$4/$5"
	[ "$_read" -eq $((_written + _rejected + _dups)) ] ||
	    bad "rows read $_read != written + rejected + duplicates"
}

# want_masked CSV: the report shows no DOB or postcode of CSV in clear and
# no initial (whole words: "TS1 3Q" is not found in "TS1 3QY").  A DOB
# that is also another date of the file (R010 cases) and ZZ99 3VZ (a code,
# not an address) are not looked for.
want_masked() {
	csv_records "$1" | awk -F '\t' '
	    NR == 1 { for (i = 2; i <= NF; i++) col[$i] = i; next }
	    {
		for (c in col)
			if (c ~ /^(REFLD|TRIAGED|PRISREL|DISD|REFMODDT|MODST|MODEND|TOPDATE)$/)
				other[$col[c]] = 1
		dob[$col["DOB"]] = 1
		if ($col["PC"] != "" && $col["PC"] != "ZZ99 3VZ") print $col["PC"]
	    }
	    END {
		for (d in dob) {
			if (d == "" || d in other) continue
			print d
			if (d ~ /^[0-9][0-9]\/[0-9][0-9]\/[0-9][0-9][0-9][0-9]$/)
				print substr(d, 7, 4) "-" substr(d, 4, 2) "-" substr(d, 1, 2)
		}
	    }' >"$R/secrets"
	if [ -s "$R/secrets" ] && grep -w -F -f "$R/secrets" "$R/report.csv" >"$R/leaks"; then
		bad "report shows a DOB or postcode in clear"
		show "$R/leaks"
	fi
	csv_records "$R/report.csv" | awk -F '\t' '
	    NR > 1 && $7 ~ /^[FS]INITIAL$/ && $10 ~ /^[A-Za-z]$/' >"$R/leaks"
	if [ -s "$R/leaks" ]; then
		bad "report shows an initial in clear"
		show "$R/leaks"
	fi
}

# expected.txt itself: every file it names exists, and it is consistent.
begin expected.txt
awk '!/^#/ && NF { print $1 }' "$EXPECTED" | sort -u | while read -r f; do
	[ -f "$RULES/$f" ] || echo "$f"
done >"$T/missing"
[ ! -s "$T/missing" ] || { bad "names files that do not exist"; show "$T/missing"; }
awk '
    /^#/ || !NF { next }
    $2 ~ /^exit=/ {
	if ($1 in sum) print $1 ": two summary lines"
	sum[$1] = $0
	for (i = 2; i <= NF; i++) { split($i, kv, "="); v[$1, kv[1]] = kv[2] }
	next
    }
    NF != 5 || $2 !~ /^[0-9]+$/ || $3 !~ /^R[0-9][0-9][0-9]$/ ||
	$5 !~ /^(error|warning)$/ { print "bad line: " $0; next }
    { if ($5 == "error") err[$1] = 1; if ($3 == "R123") dup[$1]++; any[$1] = 1 }
    END {
	for (f in any) if (!(f in sum)) print f ": rows but no summary line"
	for (f in sum) {
		if (v[f, "exit"] != (f in err ? 1 : 0)) print f ": exit vs errors"
		if (v[f, "read"] != v[f, "written"] + v[f, "rejected"] + v[f, "duplicates"])
			print f ": read != written + rejected + duplicates"
		if (v[f, "duplicates"] != dup[f] + 0) print f ": duplicates vs R123 rows"
		n = v[f, "rejects"] == "-" ? 0 : split(v[f, "rejects"], l, ",")
		if (n != v[f, "rejected"]) print f ": rejects vs rejected"
	}
    }' "$EXPECTED" >"$T/inconsistent"
[ ! -s "$T/inconsistent" ] || { bad "is inconsistent"; show "$T/inconsistent"; }
end

for csv in "$RULES"/*.csv; do
	f=${csv##*/}
	sum=$(awk -v f="$f" '$1 == f && $2 ~ /^exit=/' "$EXPECTED")
	if [ -z "$sum" ]; then
		begin "$f"
		bad "no summary line in expected.txt"
		end
		continue
	fi
	rows=$(awk -v f="$f" '$1 == f && $2 ~ /^[0-9]+$/ {
		print $2 ":" $3 ":" $4 ":" $5 }' "$EXPECTED")
	begin "$f"
	rules_run "$csv" "$(key exit "$sum")" "$rows"
	if [ -f "$R/report.csv" ]; then
		want_rejects "$csv" "$(key rejects "$sum")"
		want_counts "$csv" "$(key read "$sum")" "$(key written "$sum")" \
		    "$(key rejected "$sum")" "$(key duplicates "$sum")"
		want_masked "$csv"
		if is_golden "$f"; then
			want_golden "$R/report.csv" "rules/${f%.csv}.report.csv"
			want_golden "$R/summary.err" "rules/${f%.csv}.err"
		fi
	fi
	end
done

# The XML report's summary: one <agency> per AGNCY of the input, valid or
# rejected, in byte order, with its episodes (AGNCY+CLIENTID+EPISODID).
begin report-xml-agencies
A=$T/agencies
mkdir -p "$A"
awk -F, 'NR == 1 { print; next } { print } { $1 = "A0001"; OFS = ","; $0 = $0;
    print }' OFS=, "$DATA/rules/example-pass.csv" >"$A/two.csv"
sed -n 2p "$DATA/rules/example-pass.csv" | sed 's/^N0852,C1,/B0002,C9,/;
    s/,EP-1,/,EP-9,/; s/,M1,/,,/' >>"$A/two.csv"
run ndx-extract --source "csv:$A/two.csv" --as-of 2026-11-01
want_rc 0
cp "$T/out" "$A/episodes.xml"
run ndx-validate --report "$A/report.xml" -o "$A/valid.xml" "$A/episodes.xml"
[ -f "$A/report.xml" ] || bad "no report.xml written"
awk -F, 'NR > 1 { k = $1 "," $2 "," $12; if (!(k in s)) { s[k]; n[$1]++ } }
    END { for (a in n) printf "<agency code=\"%s\" episodes=\"%d\"/>\n", a, n[a] }' \
    "$A/two.csv" | LC_ALL=C sort >"$A/want"
[ "$(wc -l <"$A/want" | tr -d ' ')" -ge 3 ] ||
    bad "test data: fewer than three agencies"
grep -o '<agency [^>]*>' "$A/report.xml" >"$A/got" || true
want_same "$A/got" "$A/want" "report.xml agencies"
# Before the rules, inside the summary.
awk '/<summary/ { s = 1 } /<agency / && !s { print "outside" }
    /<rule / { r = 1 } /<agency / && r { print "after rule" }' \
    "$A/report.xml" >"$A/order"
want_empty "$A/order" "agency placement"
run ndx-transform --product validation-report "$A/report.xml"
want_rc 0
end


# Rows that differ only in the case of an initial are one row (issue 13):
# the extract keeps them apart as two client elements, the validator
# upper-cases the initial (R101) and keeps the row once (R123), so the
# commissioner file has it once, not once per spelling.
begin duplicates-across-initial-case
D=$T/dupcase
mkdir -p "$D"
{
	sed -n 1,2p "$DATA/rules/example-pass.csv"
	sed -n 2p "$DATA/rules/example-pass.csv" |
	    awk -F, 'BEGIN { OFS = "," } { $3 = tolower($3); print }'
	sed -n 2p "$DATA/rules/example-pass.csv" |
	    awk -F, 'BEGIN { OFS = "," } { $4 = tolower($4); print }'
} >"$D/in.csv"
run ndx-extract --source "csv:$D/in.csv" --as-of 2026-11-01 -o "$D/ep.xml"
want_rc 0
[ "$(grep -c '<client>' "$D/ep.xml")" -ge 2 ] ||
    bad "test data: the extract made one client element"
run ndx-validate -o "$D/valid.xml" --report "$D/report.csv" "$D/ep.xml"
want_rc 0
want_fixed "$T/err" "rows: 3 read, 1 written, 0 rejected, 2 exact duplicates removed"
[ "$(grep -c ',R123,' "$D/report.csv")" = 2 ] || bad "not two R123"
[ "$(grep -c ',R101,' "$D/report.csv")" = 2 ] || bad "not two R101"
run ndx-transform --product commissioner "$D/valid.xml"
want_rc 0
[ "$(wc -l <"$T/out" | tr -d ' ')" = 2 ] || bad "the row not written once"
xmllint --noout --schema "$TOP/schemas/episodes.xsd" "$D/valid.xml" \
    2>"$D/lint" || { bad "valid.xml is not valid"; show "$D/lint"; }
end


# R126 (issue 13): one EPISODID at one agency under two CLIENTIDs.  The
# clients sort apart, so the extract marks the episodes (shared="true")
# from an index of every row, and the validator rejects both; an episode
# id used again at another agency is no conflict.
begin r126-episode-under-two-clients
R=$T/r126
mkdir -p "$R"
{
	sed -n 1,2p "$DATA/rules/example-pass.csv"
	sed -n 2p "$DATA/rules/example-pass.csv" |
	    sed 's/^N0852,C1,J,S,07\/03\/1980,/N0852,C77,K,T,08\/04\/1981,/'
	sed -n 2p "$DATA/rules/example-pass.csv" |
	    sed 's/^N0852,C1,/N1234,C1,/'
} >"$R/in.csv"
run ndx-extract --source "csv:$R/in.csv" --as-of 2026-11-01 -o "$R/ep.xml"
want_rc 0
[ "$(grep -c 'shared="true"' "$R/ep.xml")" = 2 ] ||
    bad "not two episodes marked shared"
xmllint --noout --schema "$TOP/schemas/episodes.xsd" "$R/ep.xml" \
    2>"$R/lint" || { bad "the marked extract is not valid"; show "$R/lint"; }
run ndx-validate -o "$R/valid.xml" --report "$R/report.csv" "$R/ep.xml"
want_rc 1
want_fixed "$T/err" "episodes: 3 read, 1 valid, 2 rejected"
[ "$(grep -c ',R126,error,' "$R/report.csv")" = 2 ] || bad "not two R126"
grep ',R126,' "$R/report.csv" | cut -d, -f3 | sort | tr '\n' ' ' \
    >"$R/clients"
[ "$(cat "$R/clients")" = "C1 C77 " ] || bad "R126 on $(cat "$R/clients")"
# Both sides: each client's message names a line of the other's.
want_fixed "$R/report.csv" '2,N0852,C1,EP-1,,EPISODID,R126,error,EP-1,"EPISODID EP-1 is used at agency N0852 under another CLIENTID too (line 3)'
want_fixed "$R/report.csv" '3,N0852,C77,EP-1,,EPISODID,R126,error,EP-1,"EPISODID EP-1 is used at agency N0852 under another CLIENTID too (line 2)'
grep -q '<AGNCY>N1234</AGNCY>' "$R/valid.xml" ||
    bad "the other agency's episode was rejected"
end


# R104 (issue 13): a missing conditional column is reported once, at the
# header, and its values are taken as empty, as dataset.md §5 says: rows
# that need the item still break their rule (here R031, an ended
# intervention without MODEXIT), and the rejects file has every column of
# the layout, the missing one empty.
begin r104-values-taken-as-empty
R=$T/r104
mkdir -p "$R"
cut -d, -f1-34 "$DATA/rules/example-pass.csv" >"$R/in.csv"
run ndx-extract --source "csv:$R/in.csv" --as-of 2026-11-01 -o "$R/ep.xml"
want_rc 0
grep -q '<episodes [^>]*absent="MODEXIT"' "$R/ep.xml" ||
    bad "the extract does not record the absent column"
run ndx-validate -o "$R/valid.xml" --rejects "$R/rejects.csv" \
    --report "$R/report.csv" "$R/ep.xml"
want_rc 1
[ "$(grep -c ',R104,' "$R/report.csv")" = 1 ] || bad "not one R104"
want_fixed "$R/report.csv" "1,,,,,MODEXIT,R104,warning,,the CSV header has no MODEXIT column: every row's MODEXIT is taken as empty"
[ "$(grep -c ',MODEXIT,R031,error,' "$R/report.csv")" = 2 ] ||
    bad "the two ended interventions are not R031"
[ "$(head -n 1 "$R/rejects.csv")" = "$(head -n 1 "$DATA/rules/example-pass.csv")" ] ||
    bad "the rejects header is not the layout's"
end

# R102 and R103 from a database (issue 13): values with blanks around them
# and a postcode in lower case are tidied as from a CSV, reported per row
# without a line, and nothing of the kind reaches the pseudonymised file.
begin r102-r103-from-sqlite
R=$T/r102db
mkdir -p "$R"
run ndx-fixtures --clients 20 --target "sqlite:$R/cm.db"
want_rc 0
run ndx-extract --source "sqlite:$R/cm.db" --as-of 2026-11-01 -o "$R/clean.xml"
want_rc 0
grep -q 'trimmed=\|normalised=' "$R/clean.xml" &&
    bad "clean data marked as tidied"
who="(SELECT client_id FROM address WHERE postcode IS NOT NULL
    AND no_fixed_abode = 0 ORDER BY address_id LIMIT 1)"
sqlite3 "$R/cm.db" "UPDATE client SET client_ref = ' ' || client_ref
    WHERE client_id = $who;
    UPDATE address SET postcode = lower(replace(postcode, ' ', ''))
    WHERE client_id = $who;" 2>"$R/sqlerr" ||
    { bad "cannot edit the database"; show "$R/sqlerr"; }
run ndx-extract --source "sqlite:$R/cm.db" --as-of 2026-11-01 -o "$R/ep.xml"
want_rc 0
# Tidied, the values are what they were: only the marks differ.
sed 's/ trimmed="[^"]*"//; s/ normalised="[^"]*"//' "$R/ep.xml" >"$R/unmarked"
want_same "$R/unmarked" "$R/clean.xml" "the tidied extract"
grep -q '<intervention trimmed="CLIENTID" normalised="PC"' "$R/ep.xml" ||
    bad "the rows are not marked"
run ndx-validate -o "$R/valid.xml" --report "$R/report.csv" "$R/ep.xml"
n102=$(grep -c '^,.*,CLIENTID,R102,warning,[^*]' "$R/report.csv" || :)
# The postcode as its shape: put right, it is capitals and one space.
n103=$(grep -c '^,.*,PC,R103,warning,AA*9[A9]* 9AA,' "$R/report.csv" || :)
[ "$n102" -gt 0 ] && [ "$n102" = "$n103" ] ||
    bad "R102 $n102 and R103 $n103 rows (want the same, more than none)"
run ndx-pseudonymise keygen "$R/k"
want_rc 0
run ndx-pseudonymise --key-file "$R/k" -o "$R/p.xml" "$R/valid.xml"
want_rc 0
grep -q 'trimmed=\|normalised=' "$R/p.xml" &&
    bad "the pseudonymised file carries the marks"
end

# A CSV saved with ';' between fields (issue 13): said in words, 65.
begin csv-with-semicolons
R=$T/semi
mkdir -p "$R"
tr ',' ';' <"$DATA/rules/example-pass.csv" >"$R/in.csv"
run ndx-extract --source "csv:$R/in.csv" --as-of 2026-11-01
want_rc 65
want_fixed "$T/err" "in.csv:1: the header is one field of column names separated by ';': ndx reads comma-separated CSV"
grep -q 'mandatory column' "$T/err" && bad "lists the columns as missing"
end

# A value Excel would run as a formula (issue 13): made text in the report,
# which people open, and given back as it came in the rejects, which the
# source system reads.
begin report-neutralises-formulas
R=$T/formula
mkdir -p "$R"
{
	head -n 1 "$DATA/rules/example-pass.csv"
	sed -n 2p "$DATA/rules/example-pass.csv" |
	    sed 's/^N0852,C1,/N0852,"=HYPERLINK(""http:\/\/x.example"",""C1"")",/;
	    s/,EP-1,/,@EP1,/'
} >"$R/in.csv"
run ndx-extract --source "csv:$R/in.csv" --as-of 2026-11-01 -o "$R/ep.xml"
want_rc 0
run ndx-validate -o "$R/valid.xml" --rejects "$R/rejects.csv" \
    --report "$R/report.csv" "$R/ep.xml"
want_rc 1
want_fixed "$R/report.csv" ",\"'=HYPERLINK(\"\"http://x.example\"\",\"\"C1\"\")\",'@EP1,"
grep -q ',"=HYPERLINK\|,=HYPERLINK\|,@EP1' "$R/report.csv" &&
    bad "a formula left as a formula in the report"
want_fixed "$R/rejects.csv" "\"N0852\",\"=HYPERLINK(\"\"http://x.example\"\",\"\"C1\"\")\","
want_fixed "$R/rejects.csv" ",\"@EP1\","
end

finish
