#!/bin/sh
# ndx-extract from SQLite and PostgreSQL at several sizes, under
# /usr/bin/time -v: wall time and maximum resident set, one line each.
# The data come from tests/data/cm/generate.sh (ten interventions per
# episode); PostgreSQL runs in a throwaway cluster (tests/e2e/pg.sh).
# Usage: sh bench/extract-db.sh [BIN [N...]]   (default: build 10000 1000000)
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "${1:-$TOP/build}" && pwd)
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- 10000 1000000
T=$(mktemp -d "${TMPDIR:-/tmp}/ndx-bench.XXXXXX")
# shellcheck source=tests/e2e/pg.sh
. "$TOP/tests/e2e/pg.sh"
NDX_DATADIR=$TOP/schemas
export NDX_DATADIR
SCHEMA=$TOP/extract/sql/schema.sql
GEN=$TOP/tests/data/cm/generate.sh

# measure LABEL SOURCE: one line of figures.
measure() {
	/usr/bin/time -v "$BIN/ndx-extract" --source "$2" \
	    --sql "$TOP/extract/sql/episodes.sql" --as-of 2026-11-01 \
	    -o /dev/null 2>"$T/time"
	awk -v l="$1" -F': ' '
	/Elapsed \(wall clock\)/ { w = $2 }
	/Maximum resident set size/ { m = $2 }
	END { printf "%-28s wall %8s  max RSS %7.1f MiB\n", l, w, m / 1024 }
	' "$T/time"
}

pg_start
printf '*:*:*:ndx:bench\n' >"$T/pgpass"
chmod 600 "$T/pgpass"
PGPASSFILE=$T/pgpass
export PGPASSFILE
echo "CREATE ROLE ndx LOGIN PASSWORD 'bench';" | pg_su postgres
for n in "$@"; do
	{ cat "$SCHEMA"; sh "$GEN" sqlite "$n"; } | sqlite3 "$T/$n.db"
	measure "sqlite $n interventions" "sqlite:$T/$n.db"
	echo "CREATE DATABASE b$n;" | pg_su postgres
	{
		cat "$SCHEMA"
		sh "$GEN" postgresql "$n"
		echo "GRANT SELECT ON ALL TABLES IN SCHEMA public TO ndx;"
	} | pg_su "b$n"
	measure "postgresql $n interventions" \
	    "postgresql:host=$PGDIR dbname=b$n user=ndx"
	rm -f "$T/$n.db"
done
