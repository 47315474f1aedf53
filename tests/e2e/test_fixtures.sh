#!/bin/sh
# ndx-fixtures: determinism (same seed, same bytes; another seed, other
# data), clean data that ndx-validate passes without a single problem,
# --errors data whose report is exactly the list ndx-fixtures wrote (from
# sqlite:, csv: and, with a test server, postgresql:), every figure of the
# PCC return exercised, and the usage and target errors.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/pg.sh
. "$E2E/pg.sh"

# Only the connection strings given here may reach a server.
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGPASSFILE \
    PGSERVICE PGSERVICEFILE PGOPTIONS PGDATESTYLE PGAPPNAME PGSSLMODE \
    PGCONNECT_TIMEOUT PGCLIENTENCODING PGTZ

UNTIL=2026-10-31
W=$T/fixtures
mkdir -p "$W"

# fixtures ARG...: runs ndx-fixtures, which must succeed silently.
fixtures() {
	run ndx-fixtures "$@"
	want_rc 0
	want_empty "$T/out" "ndx-fixtures stdout"
	want_empty "$T/err" "ndx-fixtures stderr"
}

# validate SOURCE RC: ndx-extract --as-of $UNTIL | ndx-validate, leaving
# the report in $W/report.csv; ndx-validate must exit RC.
validate() {
	rm -f "$W/report.csv"
	# shellcheck disable=SC2086 # empty, or --dataset N
	run_to "$W/episodes.xml" ndx-extract --source "$1" --as-of "$UNTIL" \
	    ${DATASET:+--dataset $DATASET}
	want_rc 0
	want_empty "$T/err" "ndx-extract stderr"
	run ndx-validate --report "$W/report.csv" -o "$W/valid.xml" \
	    "$W/episodes.xml"
	want_rc "$2"
	want_empty "$T/out" "ndx-validate stdout"
	want_prefixed "$T/err" ndx-validate
}

# want_clean SOURCE: the data validates with exit 0 and an empty report.
want_clean() {
	validate "$1" 0
	[ -f "$W/report.csv" ] || { bad "no report written"; return 0; }
	want_lines "$W/report.csv" 1 "report of clean data"
}

# The report's problems and the list's, as
# agncy,clientid,episodid,modid,rule,field,severity, sorted (duplicates
# kept: one report line per listed problem).
report_keys() {
	csv_records "$1" | awk -F '\t' 'NR > 1 {
		print $3 "," $4 "," $5 "," $6 "," $8 "," $7 "," $9 }' | sort
}
list_keys() {
	grep -v '^#' "$1" >"$W/list.nocomment"
	csv_records "$W/list.nocomment" | awk -F '\t' 'NR > 1 {
		print $2 "," $3 "," $4 "," $5 "," $6 "," $7 "," $8 }' | sort
}

# want_listed SOURCE LIST: the report holds exactly the listed problems.
want_listed() {
	validate "$1" 1
	[ -f "$W/report.csv" ] || { bad "no report written"; return 0; }
	report_keys "$W/report.csv" >"$W/got"
	list_keys "$2" >"$W/want"
	want_same "$W/got" "$W/want" "report against the errors list"
	_n=$(wc -l <"$W/want" | tr -d ' ')
	[ "$_n" -ge 40 ] || bad "only $_n problems listed"
}

# --- usage

begin usage-help
run ndx-fixtures --help
want_rc 0
want_fixed "$T/out" "usage: ndx-fixtures"
want_fixed "$T/out" "--errors-list FILE"
want_empty "$T/err" "stderr"
end

begin usage-version
run ndx-fixtures --version
want_rc 0
want_fixed "$T/out" "ndx-fixtures "
want_empty "$T/err" "stderr"
end

for args in "--bogus --target csv:-" "--target" "--clients 0 --target csv:-" \
    "--clients 10x --target csv:-" "--seed -1 --target csv:-" \
    "--until 2026-02-30 --target csv:-" "--until 1999-12-31 --target csv:-" \
    "--errors 0.1 --target csv:-" "--errors-list x.csv --target csv:-" \
    "--errors 1.5 --errors-list x.csv --target csv:-" \
    "--errors 5%% --errors-list x.csv --target csv:-" \
    "--clients 10" "--target mysql://db" "--target sqlite:" \
    "--target sqlite:-" "--target csv:" "--target csv:- extra"; do
	begin "usage $args"
	# shellcheck disable=SC2086 # the cases are word lists
	run ndx-fixtures $args
	want_rc 64
	want_empty "$T/out" "stdout"
	head -n 1 "$T/err" >"$W/msg"
	want_prefixed "$W/msg" ndx-fixtures
	want_fixed "$T/err" "usage: ndx-fixtures"
	end
done

# --- determinism

begin same-seed-sqlite
fixtures --seed 11 --clients 300 --target "sqlite:$W/a.db"
fixtures --seed 11 --clients 300 --target "sqlite:$W/b.db"
sqlite3 "$W/a.db" .dump >"$W/a.sql"
sqlite3 "$W/b.db" .dump >"$W/b.sql"
want_same "$W/b.sql" "$W/a.sql" "SQLite dump of a second run"
want_fixed "$W/a.sql" "INSERT INTO intervention"
end

begin other-seed-sqlite
fixtures --seed 12 --clients 300 --target "sqlite:$W/c.db"
sqlite3 "$W/c.db" .dump >"$W/c.sql"
cmp -s "$W/a.sql" "$W/c.sql" && bad "seeds 11 and 12 give the same data"
end

begin sqlite-exists
run ndx-fixtures --seed 11 --clients 10 --target "sqlite:$W/a.db"
want_rc 73
want_fixed "$T/err" "ndx-fixtures: $W/a.db: exists; --replace overwrites it"
sqlite3 "$W/a.db" .dump >"$W/a2.sql"
want_same "$W/a2.sql" "$W/a.sql" "the existing database"
fixtures --replace --seed 12 --clients 300 --target "sqlite:$W/a.db"
sqlite3 "$W/a.db" .dump >"$W/a2.sql"
want_same "$W/a2.sql" "$W/c.sql" "the replaced database"
ls -A "$W" | grep '^\.' >"$W/hidden" || :
want_empty "$W/hidden" "temporary files left"
end

begin same-seed-csv
fixtures --seed 11 --clients 300 --target "csv:$W/a.csv"
fixtures --seed 11 --clients 300 --target "csv:$W/b.csv"
want_same "$W/b.csv" "$W/a.csv" "CSV of a second run"
run ndx-fixtures --seed 11 --clients 300 --target csv:-
want_rc 0
want_same "$T/out" "$W/a.csv" "CSV on standard output"
fixtures --seed 12 --clients 300 --target "csv:$W/c.csv"
cmp -s "$W/a.csv" "$W/c.csv" && bad "seeds 11 and 12 give the same CSV"
_h=$(head -n 1 "$W/a.csv")
_w=AGNCY,CLIENTID,FINITIAL,SINITIAL,DOB,SEX,ETHNIC,NATION,LA,PC,CONSENT
_w=$_w,EPISODID,REFLD,TRIAGED,RFLS,DRUG1,DRUG2,DRUG3,ROUTE,INJSTAT
_w=$_w,ACCMNEED,EMPSTAT,PRNTSTAT,PREGNANT,CJORDER,PRISREL,DISD,DISRSN
_w=$_w,MODID,MODAL,MODSET,REFMODDT,MODST,MODEND,MODEXIT
[ "$_h" = "$_w" ] || bad "CSV header is '$_h'"
# Every value quoted, dates DD/MM/YYYY, no CR.
sed 1d "$W/a.csv" | grep -v '^"[^"]*"\(,"[^"]*"\)*$' >"$W/unquoted" || :
want_empty "$W/unquoted" "rows not fully quoted"
grep -E '"[0-9]{4}-[0-9]{2}-[0-9]{2}"' "$W/a.csv" >"$W/isodates" || :
want_empty "$W/isodates" "rows with ISO dates"
grep "$(printf '\r')" "$W/a.csv" >"$W/cr" || :
want_empty "$W/cr" "rows with CR"
# Ordered by AGNCY, CLIENTID, EPISODID, MODID in byte order.
csv_records "$W/a.csv" | sed 1d | cut -f 2,3,13,30 >"$W/keys"
sort -c -t "$(printf '\t')" -k1,1 -k2,2 -k3,3 -k4,4 "$W/keys" 2>"$W/sort" ||
    bad "CSV rows out of order: $(cat "$W/sort")"
end

# The CSV is what ndx-extract gets from the database, row for row.
begin csv-equals-sqlite
validate "csv:$W/a.csv" 0
sed 's/ line="[0-9]*"//; s/ source="csv"//' "$W/episodes.xml" \
    >"$W/from-csv.xml"
fixtures --seed 11 --clients 300 --target "sqlite:$W/s11.db"
validate "sqlite:$W/s11.db" 0
sed 's/ source="sqlite"//' "$W/episodes.xml" >"$W/from-sqlite.xml"
want_same "$W/from-csv.xml" "$W/from-sqlite.xml" \
    "episodes from csv: and sqlite:"
end

# --- clean data passes without a problem, at every size

for n in 10 100 2000; do
	for seed in 1 29; do
		begin "clean-sqlite-$n-seed-$seed"
		rm -f "$W/clean.db"
		fixtures --seed "$seed" --clients "$n" \
		    --target "sqlite:$W/clean.db"
		want_clean "sqlite:$W/clean.db"
		end
	done
done

begin clean-csv-until
fixtures --seed 5 --clients 500 --until 2025-03-31 --target "csv:$W/u.csv"
UNTIL=2025-03-31
want_clean "csv:$W/u.csv"
UNTIL=2026-10-31
end

# --- the PCC return's figures all occur (metrics.md)

begin measures-exercised
fixtures --seed 1 --clients 2000 --target "csv:$W/m.csv"
csv_records "$W/m.csv" | sed 1d | cut -f 2- >"$W/m.tsv"
# Columns: 9 LA, 15 RFLS, 25 CJORDER, 26 PRISREL, 28 DISRSN, 30 MODAL.
for code in 5 6 8 13 30 31 32 33; do
	awk -F '\t' -v c="$code" '$15 == c' "$W/m.tsv" | grep -q . ||
	    bad "no RFLS $code"
done
for code in 80 81 82 83 84 85 86 87 88 89; do
	awk -F '\t' -v c="$code" '$28 == c' "$W/m.tsv" | grep -q . ||
	    bad "no DISRSN $code"
done
for code in 1 2 3 4; do
	awk -F '\t' -v c="$code" '$25 == c' "$W/m.tsv" | grep -q . ||
	    bad "no CJORDER $code"
done
awk -F '\t' '$30 == "97"' "$W/m.tsv" | grep -q . || bad "no MODAL 97"
awk -F '\t' '$30 == "97" && $9 != "E06000002"' "$W/m.tsv" >"$W/hat"
want_empty "$W/hat" "heroin-assisted treatment outside E06000002"
awk -F '\t' '$15 == "13" && $26 == ""' "$W/m.tsv" >"$W/prison"
want_empty "$W/prison" "prison referrals without a release"
awk -F '\t' '$28 == ""' "$W/m.tsv" | grep -q . || bad "no open episode"
awk -F '\t' '$29 == ""' "$W/m.tsv" | grep -q . ||
    bad "no episode without an intervention"
# Someone is seen at two agencies: same initials, DOB and sex.
awk -F '\t' '{ print $1 "\t" $3 $4 $5 $6 }' "$W/m.tsv" | sort -u |
    cut -f 2 | sort | uniq -d | grep -q . || bad "nobody at two agencies"
end

# --- --errors: the report is exactly the list

begin errors-sqlite
rm -f "$W/e.db"
fixtures --seed 1 --clients 700 --errors 0.1 --errors-list "$W/list.csv" \
    --target "sqlite:$W/e.db"
want_fixed "$W/list.csv" "--as-of $UNTIL"
want_listed "sqlite:$W/e.db" "$W/list.csv"
end

begin errors-csv
fixtures --seed 1 --clients 700 --errors 10% --errors-list "$W/list2.csv" \
    --target "csv:$W/e.csv"
want_same "$W/list2.csv" "$W/list.csv" "errors list of csv: and sqlite:"
want_listed "csv:$W/e.csv" "$W/list2.csv"
end

# At a high rate, every kind of violation is made and found.
begin errors-every-kind
rm -f "$W/e.db"
fixtures --seed 3 --clients 700 --errors 0.5 --errors-list "$W/list.csv" \
    --target "sqlite:$W/e.db"
want_listed "sqlite:$W/e.db" "$W/list.csv"
list_keys "$W/list.csv" | cut -d , -f 5 | sort -u | tr '\n' ' ' >"$W/rules"
want_fixed "$W/rules" "R001 R002 R003 R010 R020 R021 R030 R031 R032 R040 \
R041 R050 R060 R062 R070 R101 R123 R124 R125 "
end

# Dataset version 2: TOP interviews, clean, and broken exactly as listed
# (R200-R204 among the rest) without a change to version 1's rows.
begin dataset2-clean
rm -f "$W/t.db"
fixtures --dataset 2 --seed 6 --clients 500 --target "sqlite:$W/t.db"
DATASET=2 want_clean "sqlite:$W/t.db"
want_fixed "$W/episodes.xml" "<top"
end

begin dataset2-errors
rm -f "$W/t.db" "$W/v1.db"
fixtures --dataset 2 --seed 4 --clients 700 --errors 0.3 \
    --errors-list "$W/list3.csv" --target "sqlite:$W/t.db"
DATASET=2 want_listed "sqlite:$W/t.db" "$W/list3.csv"
list_keys "$W/list3.csv" | cut -d , -f 5 | sort -u | tr '\n' ' ' >"$W/rules"
for r in R200 R201 R202 R204 R003 R125; do
	want_fixed "$W/rules" "$r "
done
# Version 1's breakages are the same with TOP data beside them.
fixtures --seed 4 --clients 700 --errors 0.3 --errors-list "$W/list1.csv" \
    --target "sqlite:$W/v1.db"
list_keys "$W/list1.csv" >"$W/l1"
list_keys "$W/list3.csv" | grep -v ',R20[0-4],' >"$W/l3"
want_same "$W/l3" "$W/l1" "version 1's problems"
end

# Broken data is the clean data with the listed changes: same episodes.
begin errors-keep-clean-data
rm -f "$W/clean.db" "$W/e.db"
fixtures --seed 8 --clients 200 --target "sqlite:$W/clean.db"
fixtures --seed 8 --clients 200 --errors 0.2 --errors-list "$W/l8.csv" \
    --target "sqlite:$W/e.db"
for db in clean e; do
	sqlite3 "$W/$db.db" "SELECT episode_ref FROM episode ORDER BY 1" \
	    >"$W/$db.eps"
done
want_same "$W/e.eps" "$W/clean.eps" "episodes with and without --errors"
end

# Past line 65,535 of the extract libxml2 no longer knows element lines;
# schema problems must still land on their own records (lib/epxml.c
# track_line), or innocent clients are rejected and the report grows.
begin errors-large
rm -f "$W/e.db"
fixtures --seed 5 --clients 6000 --errors 0.1 --errors-list "$W/list.csv" \
    --target "sqlite:$W/e.db"
want_listed "sqlite:$W/e.db" "$W/list.csv"
_n=$(wc -l <"$W/episodes.xml" | tr -d ' ')
[ "$_n" -gt 200000 ] || bad "extract has only $_n lines: not past 65535"
end

# --- PostgreSQL

if ! pg_available; then
	skip postgresql "no PostgreSQL server binaries in $PG_BIN"
	finish
	exit
fi

begin pg-start
if ! pg_start; then
	bad "the test server did not start"
	end
	finish
	exit
fi
pg_su postgres <<EOF
CREATE DATABASE fx;
EOF
end

URI="postgresql:///fx?host=$PGDIR&user=$PG_SU"

begin pg-load
fixtures --seed 11 --clients 300 --target "$URI"
validate "$URI" 0
sed '2s/ source="postgresql"/ source="sqlite"/' "$W/episodes.xml" >"$W/pg.xml"
validate "sqlite:$W/s11.db" 0
want_same "$W/pg.xml" "$W/episodes.xml" "episodes from postgresql: and sqlite:"
want_lines "$W/report.csv" 1 "report of clean data"
end

begin pg-exists
run ndx-fixtures --seed 11 --clients 10 --target "$URI"
want_rc 73
want_fixed "$T/err" "already has tables of the schema"
want_fixed "$T/err" "--replace drops them"
_n=$(pg_query fx "SELECT count(*) FROM client")
[ "$_n" = 300 ] || bad "the refused load changed the data: $_n clients"
end

begin pg-replace-errors
fixtures --replace --seed 3 --clients 700 --errors 0.5 \
    --errors-list "$W/pglist.csv" \
    --target "postgres:///fx?host=$PGDIR&user=$PG_SU"
want_fixed "$W/pglist.csv" "Not injected on a PostgreSQL target: R002"
list_keys "$W/pglist.csv" | grep ',R002,' >"$W/r002" || :
want_empty "$W/r002" "R002 listed for PostgreSQL"
want_listed "$URI" "$W/pglist.csv"
end

# Dataset version 2 from a real server: sql/episodes-2.sql's union of
# interventions and TOP interviews, the same episodes as from SQLite.
begin pg-dataset2
rm -f "$W/t2.db"
fixtures --replace --dataset 2 --seed 12 --clients 300 --target "$URI"
fixtures --dataset 2 --seed 12 --clients 300 --target "sqlite:$W/t2.db"
DATASET=2 validate "$URI" 0
want_fixed "$W/episodes.xml" 'dataset="2"'
sed '2s/ source="postgresql"/ source="sqlite"/' "$W/episodes.xml" >"$W/pg2.xml"
DATASET=2 validate "sqlite:$W/t2.db" 0
want_same "$W/pg2.xml" "$W/episodes.xml" "version 2 from postgresql: and sqlite:"
end

begin pg-keyvalue
fixtures --replace --seed 11 --clients 300 \
    --target "postgresql:host=$PGDIR dbname=fx user=$PG_SU"
validate "$URI" 0
end

begin pg-unreachable
run ndx-fixtures --target "postgresql://ndx:s3cret@/fx?host=$W/nowhere"
want_rc 75
want_empty "$T/out" "stdout"
want_prefixed "$T/err" ndx-fixtures
want_fixed "$T/err" "cannot connect to the PostgreSQL server"
grep -e s3cret -e 'ndx:' "$T/err" >"$W/leak" || :
want_empty "$W/leak" "connection details in messages"
end

finish
