#!/bin/sh
# ndx-extract --source sqlite:, postgresql: and csv: on one set of
# hand-made case-management data (tests/data/cm/cases.sql; its header
# says what each client is for).  The databases give the same XML byte
# for byte (but for the source attribute), CSV the same episodes; the
# periods select what interfaces.md says; failures exit with the
# documented code, leave no output file and never print a password.
# The PostgreSQL cases run on a throwaway server (pg.sh) and are skipped
# only when its binaries are not installed.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/pg.sh
. "$E2E/pg.sh"

# No libpq setting of the caller's may leak in.
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGPASSFILE \
    PGSERVICE PGSERVICEFILE PGOPTIONS PGDATESTYLE PGAPPNAME PGSSLMODE \
    PGCONNECT_TIMEOUT PGCLIENTENCODING PGTZ

SCHEMA=$TOP/extract/sql/schema.sql
MAPPING=$TOP/extract/sql/episodes.sql
CASES=$DATA/cm/cases.sql
ASOF=2026-11-01
S=$T/src
mkdir -p "$S"

ALL="EP-1 EP-2 EP-3 EP-4 EP-5 EP-6 EP-7 EP-8 EP-9 EP-L H-77"

# name|period options|the episodes taken (see cases.sql; 2026Q1 takes EP-7,
# discharged on its first day, and EP-8, referred on its last)
PERIODS="all||$ALL
month-2026-03-fy-to-date|--month 2026-03|EP-1 EP-3 EP-6 EP-7 EP-9
month-2026-04-new-fy|--month 2026-04|EP-1 EP-7 EP-9
quarter-2025Q4-jan-mar|--quarter 2025Q4|EP-1 EP-6 EP-7 EP-9
quarter-2026Q1-edges|--quarter 2026Q1|EP-1 EP-5 EP-7 EP-8 EP-9 H-77
quarter-2025Q1|--quarter 2025Q1|EP-3
quarter-2023Q4-leap-year|--quarter 2023Q4|EP-L
range-leap-day|--from 2024-02-29 --to 2024-02-29|EP-L
range-day-before-refld|--from 2024-02-28 --to 2024-02-28|
range-disd-on-start|--from 2025-03-31 --to 2025-04-30|EP-L
range-day-after-disd|--from 2025-04-01 --to 2025-04-30|"

# sqlite_db FILE [SQL]: the schema and the cases, then SQL, in FILE.
sqlite_db() {
	rm -f "$1"
	{ cat "$SCHEMA" "$CASES"; printf '%s\n' "${2-}"; } | sqlite3 "$1"
}

# episodes FILE: the EPISODIDs of an episodes file, sorted, on one line.
episodes() {
	sed -n 's/.*<EPISODID>\([^<]*\)<.*/\1/p' "$1" | sort -u |
	    tr '\n' ' ' | sed 's/ $//'
}

# want_episodes FILE LIST
want_episodes() {
	_got=$(episodes "$1")
	[ "$_got" = "$2" ] || bad "episodes '$_got', want '$2'"
}

# extract SOURCE ARG...: ndx-extract as of $ASOF to standard output.
extract() {
	_src=$1
	shift
	run ndx-extract --source "$_src" --as-of "$ASOF" "$@"
}

# checks NAME RC TEXT SOURCE ARG...: ndx-extract --check on SOURCE exits
# RC, writes nothing on stdout and, when RC is not 0, one line holding TEXT.
checks() {
	begin "$1"
	_rc=$2
	_text=$3
	shift 3
	run ndx-extract --check --source "$@"
	want_rc "$_rc"
	want_empty "$T/out" stdout
	if [ "$_rc" = 0 ]; then
		want_empty "$T/err" stderr
	else
		want_lines "$T/err" 1 stderr
		want_fixed "$T/err" "$_text" stderr
	fi
	end
}

# extract_ok SOURCE ARG...: the same, exit 0 and nothing on stderr.
extract_ok() {
	extract "$@"
	want_rc 0
	want_empty "$T/err" stderr
}

# fails NAME RC TEXT SOURCE ARG...: extract -o FILE exits RC with one line
# on stderr holding TEXT, writes nothing and leaves no FILE behind.
fails() {
	begin "$1"
	_rc=$2
	_text=$3
	shift 3
	rm -rf "$S/out"
	mkdir "$S/out"
	extract "$@" -o "$S/out/episodes.xml"
	want_rc "$_rc"
	want_empty "$T/out" stdout
	want_lines "$T/err" 1 stderr
	want_prefixed "$T/err" ndx-extract
	want_fixed "$T/err" "$_text" stderr
	ls -A "$S/out" >"$S/left"
	want_empty "$S/left" "output directory"
	end
}

# periods NAME SOURCE: every period case on SOURCE; when a reference run's
# files exist ($S/period-*.xml, from SQLite), the XML must equal them but
# for the source attribute.
periods() {
	_ifs=$IFS
	IFS='
'
	for _line in $PERIODS; do
		IFS=$_ifs
		_name=${_line%%|*}
		_rest=${_line#*|}
		_opts=${_rest%%|*}
		_want=${_rest#*|}
		begin "$1-$_name"
		# shellcheck disable=SC2086 # the options are words
		extract_ok "$2" $_opts
		want_episodes "$T/out" "$_want"
		if [ -f "$S/period-$_name.xml" ]; then
			sed '2s/ source="[a-z]*"/ source="sqlite"/' "$T/out" \
			    >"$S/cmp.xml"
			want_same "$S/cmp.xml" "$S/period-$_name.xml" \
			    "XML (against sqlite:)"
		else
			cp "$T/out" "$S/period-$_name.xml"
		fi
		end
	done
	IFS=$_ifs
}

# --- SQLite

DB=$S/cm.db
sqlite_db "$DB"

begin sqlite-shape
extract_ok "sqlite:$DB"
cp "$T/out" "$S/sqlite.xml"
want_fixed "$T/out" 'source="sqlite"'
_n=$(grep -c '<client>' "$T/out")
# Seven clients; C1 is two <client>s, its address having changed
# between its episodes.
[ "$_n" -eq 8 ] || bad "$_n <client> elements, want 8"
_n=$(grep -c '<intervention[ />]' "$T/out")
[ "$_n" -eq 13 ] || bad "$_n <intervention> elements, want 13"
grep -q ' line=' "$T/out" && bad "line attributes on database rows"
want_fixed "$T/out" '<intervention/>'
want_fixed "$T/out" '<PC>ZZ99 3VZ</PC>'
want_fixed "$T/out" '<FINITIAL>a</FINITIAL>'
want_fixed "$T/out" '<PRISREL>2026-06-30</PRISREL>'
want_fixed "$T/out" '<DOB>1996-02-29</DOB>'
want_golden "$T/out" sources/cm.xml
end

periods sqlite "sqlite:$DB"

begin sqlite-period-bad-leap-day
extract "sqlite:$DB" --from 2025-02-29 --to 2025-03-31
want_rc 64
want_empty "$T/out" stdout
end

# csv: on the mapping's result, exported by the sqlite3 shell with
# DD/MM/YYYY dates, in the byte order ndx sorts database rows into: the
# same episodes, with line attributes and a different source.
begin csv-equivalent
_sel=
_ord="m.AGNCY, m.CLIENTID, m.EPISODID, m.MODID"
for _c in AGNCY CLIENTID FINITIAL SINITIAL DOB SEX ETHNIC NATION LA PC \
    CONSENT EPISODID REFLD TRIAGED RFLS DRUG1 DRUG2 DRUG3 ROUTE INJSTAT \
    ACCMNEED EMPSTAT PRNTSTAT PREGNANT CJORDER PRISREL DISD DISRSN MODID \
    MODAL MODSET REFMODDT MODST MODEND MODEXIT; do
	case $_c in
	DOB | REFLD | TRIAGED | PRISREL | DISD | REFMODDT | MODST | MODEND)
		_v="substr(m.$_c, 9, 2) || '/' || substr(m.$_c, 6, 2) || '/' ||
		    substr(m.$_c, 1, 4)" ;;
	*)
		_v="m.$_c" ;;
	esac
	_sel="$_sel${_sel:+, }$_v AS $_c"
	_ord="$_ord, m.$_c"
done
{
	printf '.headers on\n.mode csv\nSELECT %s FROM (\n' "$_sel"
	cat "$MAPPING"
	printf ') AS m ORDER BY %s;\n' "$_ord"
} | sqlite3 "$DB" >"$S/export.csv"
extract_ok "csv:$S/export.csv"
sed 's/ line="[0-9]*"//; 2s/ source="[a-z]*"//' "$T/out" >"$S/csv.xml"
sed '2s/ source="[a-z]*"//' "$S/sqlite.xml" >"$S/sqlite-nosource.xml"
want_same "$S/csv.xml" "$S/sqlite-nosource.xml" "XML (csv: against sqlite:)"
end

# A date the database holds in another form reaches the validator as is.
begin sqlite-raw-date
sqlite_db "$S/raw.db" "UPDATE referral SET referral_date = '31/12/2025'
    WHERE referral_id = 7;"
extract_ok "sqlite:$S/raw.db" --quarter 2026Q1
want_fixed "$T/out" '<REFLD raw="true">31/12/2025</REFLD>'
end

# An adapted mapping: SEX from a constant, an extra column.
sed "s/c\.sex  *AS SEX/'Z' AS SEX, 1 AS EXTRA/" "$MAPPING" >"$S/adapted.sql"
begin sqlite-sql-adapted
run ndx-extract --source "sqlite:$DB" --sql "$S/adapted.sql" --as-of "$ASOF"
want_rc 0
want_lines "$T/err" 1 stderr
want_fixed "$T/err" \
    "ndx-extract: $S/adapted.sql: unknown column ignored: EXTRA"
grep '<SEX>' "$T/out" | grep -v -q '<SEX>Z</SEX>' && bad "SEX not from --sql"
end

grep -v 'AS SEX' "$MAPPING" >"$S/nosex.sql"
fails sqlite-sql-missing-mandatory 78 \
    "$S/nosex.sql: mandatory column missing: SEX" \
    "sqlite:$DB" --sql "$S/nosex.sql"
printf 'SELECT * FROM client; SELECT 1;\n' >"$S/two.sql"
fails sqlite-sql-two-statements 78 \
    "$S/two.sql: holds more than one SQL statement" \
    "sqlite:$DB" --sql "$S/two.sql"
fails sqlite-sql-missing-file 78 "$S/none.sql: cannot open" \
    "sqlite:$DB" --sql "$S/none.sql"

begin csv-with-sql
extract "csv:$S/export.csv" --sql "$S/adapted.sql"
want_rc 64
end

sqlite_db "$S/nocol.db" "ALTER TABLE client DROP COLUMN sex;"
fails sqlite-missing-column 78 "no such column: c.sex" "sqlite:$S/nocol.db"
sqlite_db "$S/notab.db" "DROP TABLE prison_release;"
fails sqlite-missing-table 78 "no such table: prison_release" \
    "sqlite:$S/notab.db"
fails sqlite-missing-file 66 "$S/none.db: cannot open" "sqlite:$S/none.db"
checks check-sqlite 0 "" "sqlite:$DB"
checks check-sqlite-missing-table 78 "no such table: prison_release" \
    "sqlite:$S/notab.db"
checks check-sqlite-missing-column 78 "no such column: c.sex" \
    "sqlite:$S/nocol.db"
checks check-sqlite-missing-file 66 "$S/none.db: cannot open" \
    "sqlite:$S/none.db"
checks check-csv 0 "" "csv:$S/export.csv"
checks check-csv-missing-file 66 "$S/none.csv: cannot open" "csv:$S/none.csv"
head -n 1 "$S/export.csv" | sed 's/,SEX,/,/' >"$S/nosex.csv"
checks check-csv-missing-column 65 "SEX" "csv:$S/nosex.csv"
fails sqlite-directory 66 "$S: is a directory" "sqlite:$S"
cp "$CASES" "$S/text.db"
fails sqlite-not-a-database 65 "$S/text.db: file is not a database" \
    "sqlite:$S/text.db"
sqlite_db "$S/bytes.db" "UPDATE client SET sex = CAST(X'FF' AS TEXT)
    WHERE client_id = 2;"
fails sqlite-not-utf8 65 "SEX: not valid UTF-8 text" "sqlite:$S/bytes.db"

# A writer holding the lock longer than the extract waits (5 s): 75.
sqlite_db "$S/busy.db"
{ echo 'BEGIN EXCLUSIVE;'; sleep 9; echo 'COMMIT;'; } | sqlite3 "$S/busy.db" &
_locker=$!
sleep 1
fails sqlite-locked 75 "database is locked" "sqlite:$S/busy.db"
wait "$_locker" || :

# --- PostgreSQL

# CI sets NDX_REQUIRE_PG: there a missing server is a failure, not a skip.
if ! pg_available; then
	if [ -n "${NDX_REQUIRE_PG-}" ]; then
		begin postgresql
		bad "no PostgreSQL server binaries in $PG_BIN"
		end
	else
		skip postgresql "no PostgreSQL server binaries in $PG_BIN \
(.ci/deps installs them)"
	fi
	finish
	exit
fi

PW=pw-Zq81-never-printed
begin pg-start
if ! pg_start; then
	bad "cannot start a PostgreSQL server"
	end
	finish
	exit
fi
pg_su postgres <<EOF
CREATE ROLE ndx LOGIN PASSWORD '$PW';
CREATE DATABASE cm;
EOF
{
	cat "$SCHEMA" "$CASES"
	echo "GRANT SELECT ON ALL TABLES IN SCHEMA public TO ndx;"
} | pg_su cm
pg_su postgres <<EOF
CREATE DATABASE cm_nocol TEMPLATE cm;
CREATE DATABASE cm_notab TEMPLATE cm;
EOF
echo "ALTER TABLE client DROP COLUMN sex;" | pg_su cm_nocol
echo "DROP TABLE prison_release;" | pg_su cm_notab
end

printf '*:*:*:ndx:%s\n' "$PW" >"$S/pgpass"
chmod 600 "$S/pgpass"
PGPASSFILE=$S/pgpass
export PGPASSFILE
URI="postgresql:///cm?host=$PGDIR&user=ndx"

begin pg-equivalent
extract_ok "$URI"
want_fixed "$T/out" 'source="postgresql"'
sed '2s/ source="postgresql"/ source="sqlite"/' "$T/out" >"$S/pg.xml"
want_same "$S/pg.xml" "$S/sqlite.xml" "XML (postgresql: against sqlite:)"
end

periods pg "$URI"

begin pg-keyvalue-postgres-scheme
extract_ok "postgresql:host=$PGDIR dbname=cm user=ndx"
sed '2s/ source="postgresql"/ source="sqlite"/' "$T/out" >"$S/pg.xml"
want_same "$S/pg.xml" "$S/sqlite.xml" "XML"
extract_ok "postgres://ndx@/cm?host=$PGDIR"
sed '2s/ source="postgresql"/ source="sqlite"/' "$T/out" >"$S/pg.xml"
want_same "$S/pg.xml" "$S/sqlite.xml" "XML"
end

# A DateStyle of the user's cannot change how dates come out.
begin pg-datestyle
PGDATESTYLE="SQL, DMY"
export PGDATESTYLE
extract_ok "$URI"
unset PGDATESTYLE
sed '2s/ source="postgresql"/ source="sqlite"/' "$T/out" >"$S/pg.xml"
want_same "$S/pg.xml" "$S/sqlite.xml" "XML"
end

checks check-pg 0 "" "$URI"
checks check-pg-missing-table 78 "prison_release" \
    "postgresql:///cm_notab?host=$PGDIR&user=ndx"
checks check-pg-missing-column 78 "sex" \
    "postgresql:///cm_nocol?host=$PGDIR&user=ndx"

fails pg-password-in-uri 64 "password on the command line is refused" \
    "postgresql://ndx:$PW@/cm?host=$PGDIR"
grep -q -F "$PW" "$T/err" && bad "stderr shows the password"
fails pg-password-in-keyvalue 64 "password on the command line is refused" \
    "postgresql:host=$PGDIR dbname=cm user=ndx password=$PW"
grep -q -F "$PW" "$T/err" && bad "stderr shows the password"
fails pg-sslpassword-in-uri 64 "an sslpassword on the command line is refused" \
    "postgresql://ndx@/cm?host=$PGDIR&sslpassword=$PW"
grep -q -F "$PW" "$T/err" && bad "stderr shows the sslpassword"
fails pg-sslpassword-in-keyvalue 64 \
    "an sslpassword on the command line is refused" \
    "postgresql:host=$PGDIR dbname=cm user=ndx sslpassword=$PW"
grep -q -F "$PW" "$T/err" && bad "stderr shows the sslpassword"
fails pg-malformed-uri 64 "not a valid PostgreSQL URI" \
    "postgresql://ndx@/cm?host=$PGDIR&sekrit%zz"
grep -q -F "sekrit" "$T/err" && bad "stderr quotes the URI"

PGPASSWORD=wrong-Xk2-password
export PGPASSWORD
fails pg-wrong-password 75 'password authentication failed for user "ndx"' \
    "$URI"
grep -q -F "$PGPASSWORD" "$T/err" && bad "stderr shows the password"
unset PGPASSWORD

PGPASSFILE=$S/none
fails pg-no-password 75 "cannot connect to PostgreSQL" "$URI"
PGPASSFILE=$S/pgpass

fails pg-unreachable 75 "cannot connect to PostgreSQL" \
    "postgresql:host=$S dbname=cm user=ndx"
fails pg-missing-column 78 \
    "episodes.sql: does not match the database: column c.sex does not exist" \
    "postgresql:host=$PGDIR dbname=cm_nocol user=ndx"
fails pg-missing-table 78 \
    "relation \"prison_release\" does not exist (SQLSTATE 42P01)" \
    "postgresql:host=$PGDIR dbname=cm_notab user=ndx"
fails pg-two-statements 78 "SQLSTATE 42601" "$URI" --sql "$S/two.sql"

# The server stopped (immediate shutdown) while a million rows stream:
# 75, after some rows, and no output file.
begin pg-server-stops-mid-extract
echo "CREATE DATABASE big;" | pg_su postgres
{
	cat "$SCHEMA"
	sh "$DATA/cm/generate.sh" postgresql 1000000
	echo "GRANT SELECT ON ALL TABLES IN SCHEMA public TO ndx;"
} | pg_su big
rm -rf "$S/out"
mkdir "$S/out"
# shellcheck disable=SC2086 # VALGRIND is a command prefix
$VALGRIND "$BIN/ndx-extract" \
    --source "postgresql:host=$PGDIR dbname=big user=ndx" \
    --as-of "$ASOF" -o "$S/out/episodes.xml" >"$T/out" 2>"$T/err" &
_pid=$!
_i=0
while [ "$_i" -lt 100 ] && [ "$(pg_query postgres "SELECT count(*) FROM
    pg_stat_activity WHERE application_name = 'ndx-extract' AND
    state = 'active'")" -eq 0 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
[ "$_i" -lt 100 ] || bad "the extract's query never became active"
# Rows are flowing once the extract's sort buffer grows by 16 MB; a fixed
# sleep is not enough on a loaded machine, where the server may still be
# planning when it is stopped.
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$_pid/status" 2>/dev/null || echo 0; }
_base=$(rss)
_i=0
while [ "$_i" -lt 300 ] && [ "$(rss)" -lt $((_base + 16384)) ]; do
	sleep 0.1
	_i=$((_i + 1))
done
[ "$_i" -lt 300 ] || bad "no rows reached the extract"
pg_stop immediate || bad "pg_ctl stop failed"
rc=0
wait "$_pid" || rc=$?
want_rc 75
want_empty "$T/out" stdout
# The server's own farewell ("terminating connection due to immediate
# shutdown") may come first, as a relayed warning.
grep -v -F "ndx-extract: PostgreSQL: WARNING: " "$T/err" >"$T/err.own" || :
want_lines "$T/err.own" 1 stderr
want_fixed "$T/err.own" "ndx-extract: PostgreSQL: query failed after " stderr
ls -A "$S/out" >"$S/left"
want_empty "$S/left" "output directory"
end

fails pg-server-down 75 "cannot connect to PostgreSQL" "$URI"

# Without -o, a failure while reading leaves standard output empty.
begin pg-server-down-stdout
extract "$URI"
want_rc 75
want_empty "$T/out" stdout
end

finish
