#!/bin/sh
# Prints SQL that fills the case-management schema (extract/sql/schema.sql)
# with N interventions: N/10 clients at one agency, each with one episode
# of ten interventions.  For volume (the mid-extract failure test, the
# memory benchmark), not for realism: ndx-fixtures makes realistic data.
# Usage: sh generate.sh sqlite|postgresql|mariadb N
set -eu

dialect=$1
n=$2
c=$(((n + 9) / 10))

case $dialect in
sqlite)
	# A recursive CTE stands in for generate_series.
	series() {
		printf 'WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL '
		printf 'SELECT n + 1 FROM g WHERE n < %d)\n' "$1"
	}
	from=' FROM g'
	day() { printf "date('%s', '+' || (%s) || ' days')" "$1" "$2"; }
	div=/
	;;
postgresql)
	series() { :; }
	from=" FROM generate_series(1, \$N) AS g(n)"
	day() { printf "DATE '%s' + (%s)" "$1" "$2"; }
	div=/
	;;
mariadb)
	# MariaDB's sequence engine stands in for generate_series, and
	# PIPES_AS_CONCAT makes || concatenate, as everywhere else.
	series() { :; }
	from=" FROM (SELECT seq AS n FROM seq_1_to_\$N) AS g"
	day() { printf "DATE '%s' + INTERVAL (%s) DAY" "$1" "$2"; }
	# Its / divides exactly; DIV truncates, as / does elsewhere.
	div=DIV
	echo "SET sql_mode = CONCAT(@@sql_mode, ',PIPES_AS_CONCAT');"
	;;
*)
	echo "usage: sh generate.sh sqlite|postgresql|mariadb N" >&2
	exit 64
	;;
esac

# fill ROWS COLUMNS: INSERT ... SELECT COLUMNS over n = 1..ROWS.
fill() {
	series "$1"
	printf 'INSERT INTO %s SELECT %s%s;\n' "$2" "$3" \
	    "$(printf '%s' "$from" | sed "s/\\\$N/$1/")"
}

[ "$dialect" = mariadb ] && echo "START TRANSACTION;" || echo "BEGIN;"
echo "INSERT INTO agency VALUES ('N0852', 'Generated');"
fill "$c" client "n, 'N0852', 'G' || n, 'Gen', 'Erated',
    $(day 1950-01-01 'n % 15000'), CASE n % 2 WHEN 0 THEN 'M' ELSE 'F' END,
    'A', 'GBR', 'Y'"
fill "$c" address "n, n, '2020-01-01', 'TS1 3QY', 0, 'E06000002'"
fill "$c" referral "n, n, $(day 2026-04-01 'n % 150'), '3'"
fill "$c" episode "n, n, n, 'E' || n, $(day 2026-04-02 'n % 150'),
    'N', '3', '12', '14', NULL"
fill "$c" problem_substance "n, 1, '3201', '3'"
fill "$n" intervention "n, (n - 1) $div 10 + 1, 'M' || ((n - 1) % 10 + 1),
    '95', '1', $(day 2026-04-02 "(n $div 10) % 150"),
    $(day 2026-04-03 "(n $div 10) % 150"), NULL, NULL"
echo "COMMIT;"
[ "$dialect" = mariadb ] || echo "ANALYZE;"
