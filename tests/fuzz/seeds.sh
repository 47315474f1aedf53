#!/bin/sh
# Makes the seeds that come from fixtures (the hand-made ones stay as they
# are).  Needs `make all` and `make build-fuzz/fuzz_rules`.
#
#  - fuzz_csvrec, fuzz_epxml (and fuzz_judge, with the hand-made valid
#    fixtures): ndx-fixtures data of five clients, and of
#    five with an error in every episode, as CSV and as extracted;
#  - fuzz_rules: each file of tests/data/rules through ndx-extract as
#    test_rules.sh runs it, the first client group written in the
#    harness's byte layout (see the top of fuzz_rules.c).  What could not
#    be encoded exactly is said on standard error.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
seeds=$top/tests/fuzz/seeds
bin=$top/build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
NDX_DATADIR=$top/schemas
export NDX_DATADIR

# fixtures NAME ARG...: ndx-fixtures data as CSV and as episodes XML.
fixtures() {
	_n=$1
	shift
	"$bin/ndx-fixtures" --clients 5 "$@" \
	    --target "csv:$seeds/fuzz_csvrec/$_n.csv"
	"$bin/ndx-extract" --source "csv:$seeds/fuzz_csvrec/$_n.csv" \
	    --as-of 2026-10-31 >"$seeds/fuzz_epxml/$_n.xml"
}
fixtures fixtures-5 --seed 1
fixtures fixtures-5-errors --seed 2 --errors 1 --errors-list "$tmp/errors"
# fuzz_judge: the same extracts, and the hand-made valid fixtures.
mkdir -p "$seeds/fuzz_judge"
cp "$seeds"/fuzz_epxml/fixtures-5*.xml "$seeds/fuzz_judge/"
cp "$top/tests/data/transform/episodes.xml" \
    "$seeds/fuzz_judge/identifiable.xml"
cp "$top/tests/data/transform/pseudo.xml" \
    "$seeds/fuzz_judge/pseudonymised.xml"

mkdir -p "$seeds/fuzz_rules"
for f in "$top"/tests/data/rules/*.csv; do
	n=$(basename "$f" .csv)
	"$bin/ndx-extract" --source "csv:$f" --as-of 2026-11-01 \
	    >"$tmp/episodes.xml"
	FUZZ_RULES_ENCODE=$tmp/episodes.xml "$top/build-fuzz/fuzz_rules" \
	    >"$seeds/fuzz_rules/$n" 2>"$tmp/err" ||
	    { cat "$tmp/err" >&2; exit 1; }
	sed "s|^encode: |$n: |; s|$tmp/episodes.xml: ||" "$tmp/err" >&2
done
