#!/bin/sh
# ndx-validate on hand-written episodes XML, where the reader's limits
# meet the schema.  The judge attaches each problem to its record as it
# reads, so none is dropped: a client with 1,001 bad MODAL codes in one
# episode still has its second episode's only fault (MODSET and REFMODDT
# swapped) reported against that episode, which is rejected rather than
# passed and re-serialised in canonical order (once, when libxml2's
# validator judged and its problems were matched to records by line
# number, the 1,001st problem was dropped).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

J=$T/judge
mkdir -p "$J"

# episodes NBAD: a client C1 with an episode of NBAD interventions with
# MODAL XX, and episode EP-SWAP with its items out of order; then a
# valid client C2.
episodes() {
	python3 - "$1" <<'PY'
import sys
nbad = int(sys.argv[1])
def iv(mid, modal, swapped=False):
    a = "<MODSET>1</MODSET>"
    b = "<REFMODDT>2026-07-03</REFMODDT>"
    pair = b + a if swapped else a + b
    return (f"<intervention><MODID>{mid}</MODID><MODAL>{modal}</MODAL>"
            f"{pair}<MODST>2026-07-05</MODST></intervention>\n")
def ep(eid, ivs):
    return (f"<episode><EPISODID>{eid}</EPISODID><REFLD>2026-07-01</REFLD>"
            "<TRIAGED>2026-07-03</TRIAGED><RFLS>4</RFLS><DRUG1>1011</DRUG1>"
            "<ROUTE>3</ROUTE><INJSTAT>N</INJSTAT><ACCMNEED>3</ACCMNEED>"
            "<EMPSTAT>12</EMPSTAT><PRNTSTAT>14</PRNTSTAT><CJORDER>9</CJORDER>\n"
            f"{ivs}</episode>\n")
def client(cid, eps):
    return ("<client><AGNCY>N0852</AGNCY>"
            f"<CLIENTID>{cid}</CLIENTID><FINITIAL>J</FINITIAL>"
            "<SINITIAL>S</SINITIAL><DOB>1980-03-07</DOB><SEX>M</SEX>"
            "<ETHNIC>A</ETHNIC><LA>E06000002</LA><PC>TS1 3QY</PC>"
            f"<CONSENT>Y</CONSENT>\n{eps}</client>\n")
bad = "".join(iv(f"M{i}", "XX") for i in range(nbad))
print('<?xml version="1.0" encoding="UTF-8"?>\n'
      '<episodes xmlns="urn:ndx:episodes:1" dataset="1" asof="2026-10-31" '
      'start="2026-07-01" end="2026-09-30">\n'
      + client("C1", ep("EP-BAD", bad) + ep("EP-SWAP", iv("S1", "94", True)))
      + client("C2", ep("EP-OK", iv("K1", "94")))
      + "</episodes>", end="\n")
PY
}

# validate FILE: ndx-validate with every output, in $J.
validate() {
	run ndx-validate -o "$J/valid.xml" --rejects "$J/rejects.csv" \
	    --report "$J/report.csv" "$1"
}

begin "an order error behind a thousand others is its episode's"
episodes 1001 >"$J/behind.xml"
validate "$J/behind.xml"
want_rc 1
want_fixed "$T/err" "episodes: 3 read, 1 valid, 2 rejected"
grep -q 'EP-SWAP' "$J/valid.xml" && bad "EP-SWAP passed as valid"
grep -q 'EP-OK' "$J/valid.xml" || bad "the valid client C2 was lost"
want_fixed "$J/report.csv" \
    ",N0852,C1,EP-SWAP,S1,MODSET,R001,error,1,does not match the dataset schema: <MODSET> is out of the dataset's order (it comes before <REFMODDT>)"
[ "$(grep -c ',EP-BAD,.*,MODAL,R001,' "$J/report.csv")" = 1001 ] ||
    bad "not every bad MODAL was reported"
cp "$J/report.csv" "$J/report-judge.csv"
run ndx-validate --xsd -o "$J/valid.xml" --rejects "$J/rejects.csv" \
    --report "$J/report.csv" "$J/behind.xml"
want_rc 1
want_same "$J/report.csv" "$J/report-judge.csv" \
    "--xsd (libxml2 agrees: nothing more to say)"
end

begin "with fewer, each problem is its record's"
episodes 999 >"$J/fewer.xml"
validate "$J/fewer.xml"
want_rc 1
want_fixed "$T/err" "episodes: 3 read, 1 valid, 2 rejected"
grep -q 'EP-SWAP' "$J/valid.xml" && bad "EP-SWAP passed as valid"
grep 'EP-SWAP' "$J/report.csv" | grep -q 'R001' ||
    bad "EP-SWAP's order problem is not reported against it"
grep -q 'were not kept' "$J/report.csv" && bad "problems said dropped"
end

# --- attributes: libxml2 checks a tag's for duplicates in quadratic time

begin "an element with 100,000 attributes is refused at once (65)"
episodes 0 >"$J/few.xml"
python3 - "$J/few.xml" "$J/attrs.xml" "$J/comment.xml" <<'PY'
import sys
src = open(sys.argv[1]).read()
many = " ".join(f'a{i}="x"' for i in range(100000))
open(sys.argv[2], "w").write(src.replace("<SEX>", f"<SEX {many}>", 1))
# '=' in a comment, CDATA or an attribute value is not an attribute.
quiet = "<!-- " + "=" * 100 + " -->"
open(sys.argv[3], "w").write(src.replace("<client>", quiet + "<client>", 1)
    .replace("<SEX>", '<!-- a="1" b="2" --><SEX>', 1))
PY
for p in transform validate pseudonymise; do
	case $p in
	transform) set -- --product commissioner ;;
	validate) set -- -o /dev/null ;;
	pseudonymise) set -- --key-file "$J/key" -o /dev/null ;;
	esac
	[ -f "$J/key" ] || "$BIN/ndx-pseudonymise" keygen "$J/key"
	run "ndx-$p" "$@" "$J/attrs.xml"
	want_rc 65
	want_fixed "$T/err" "ndx-$p: $J/attrs.xml:"
	want_fixed "$T/err" "an element with more than 32 attributes"
done
run ndx-validate -o /dev/null "$J/comment.xml"
want_rc 1
grep -q 'attributes' "$T/err" && bad "'=' outside a tag was counted"
end

# --- what no ndx episodes file holds is refused as a whole (65), by
# every program that reads one

begin "a DOCTYPE, another encoding, an xsi: attribute: 65 everywhere"
episodes 0 >"$J/base.xml"
python3 - "$J" <<'PY'
import sys
d = sys.argv[1]
src = open(d + "/base.xml").read()
head, body = src.split("\n", 1)
open(d + "/doctype.xml", "w").write(
    head + '\n<!DOCTYPE episodes [<!ENTITY x "xxxxxxxx">]>\n' + body)
open(d + "/latin1.xml", "w", encoding="latin-1").write(
    src.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'))
open(d + "/xsi.xml", "w").write(src.replace(
    "<client>", '<client xmlns:xsi="http://www.w3.org/2001/XMLSchema-'
    'instance" xsi:type="Client">', 1))
PY
[ -f "$J/key" ] || "$BIN/ndx-pseudonymise" keygen "$J/key"
for f in doctype:"a DOCTYPE" latin1:"encoded as ISO-8859-1" \
    xsi:"an xsi: attribute"; do
	for p in validate pseudonymise transform; do
		case $p in
		transform) set -- --product commissioner ;;
		validate) set -- -o /dev/null ;;
		pseudonymise) set -- --key-file "$J/key" -o /dev/null ;;
		esac
		run "ndx-$p" "$@" "$J/${f%%:*}.xml"
		want_rc 65
		want_lines "$T/err" 1 stderr
		want_fixed "$T/err" "ndx-$p: $J/${f%%:*}.xml:"
		want_fixed "$T/err" "${f#*:}"
	done
done
end

begin "ndx-validate --xsd on an extract: libxml2 finds nothing more"
run ndx-extract --source "csv:$DATA/rules/example-pass.csv" \
    --as-of 2026-11-01
cp "$T/out" "$J/extract.xml"
run ndx-validate -o "$J/v1.xml" --report "$J/r1.csv" "$J/extract.xml"
_rc=$rc
run ndx-validate --xsd -o "$J/v2.xml" --report "$J/r2.csv" "$J/extract.xml"
want_rc "$_rc"
want_same "$J/v2.xml" "$J/v1.xml" "valid output"
want_same "$J/r2.csv" "$J/r1.csv" "report"
end

begin "a parse error's message quotes no data"
episodes 0 >"$J/b.xml"
python3 - "$J" <<'PY'
import sys
d = sys.argv[1]
src = open(d + "/b.xml", "rb").read()
open(d + "/latin1-pc.xml", "wb").write(
    src.replace(b"TS1 3QY", b"TS\xe9 3QY", 1))
open(d + "/entity.xml", "wb").write(
    src.replace(b"<LA>E06000002", b"<LA>E06&SMITH;", 1))
PY
run ndx-validate -o /dev/null "$J/latin1-pc.xml"
want_rc 65
want_lines "$T/err" 1 stderr
want_fixed "$T/err" "not well-formed XML: Input is not proper UTF-8"
grep -q '0xE9\|Bytes' "$T/err" && bad "the bytes were quoted"
run ndx-validate -o /dev/null "$J/entity.xml"
want_rc 65
want_fixed "$T/err" "Entity '***' not defined"
grep -q SMITH "$T/err" && bad "the entity's name was quoted"
end

begin "a period without dates: the output reads again"
episodes 0 | sed 's/ start="2026-07-01" end="2026-09-30"/ period="2026Q2"/' \
    >"$J/nodates.xml"
run ndx-validate -o "$J/nd1.xml" "$J/nodates.xml"
want_rc 1
grep -q 'start=""' "$J/nd1.xml" && bad "an empty start attribute was written"
run ndx-validate -o "$J/nd2.xml" "$J/nd1.xml"
want_rc 0
want_same "$J/nd2.xml" "$J/nd1.xml" "valid output read and written again"
end

# --- outputs that would destroy what is read or written

begin "an output named like the input, or like another output, is 64"
episodes 3 >"$J/in.xml"
cp "$J/in.xml" "$J/keep.xml"
run ndx-validate -o "$J/./in.xml" "$J/in.xml"
want_rc 64
want_fixed "$T/err" "ndx-validate: $J/./in.xml: is the input too"
cmp -s "$J/in.xml" "$J/keep.xml" || bad "the input was changed"
run ndx-validate -o "$J/v.xml" --rejects "$J/same.csv" \
    --report "$J/same.csv" "$J/in.xml"
want_rc 64
want_fixed "$T/err" "is also the output"
[ ! -e "$J/v.xml" ] || bad "an output was written"
run ndx-transform --product commissioner -o "$J/in.xml" "$J/in.xml"
want_rc 64
cmp -s "$J/in.xml" "$J/keep.xml" || bad "transform changed its input"
end

begin "-o /dev/stdout writes to standard output, into a redirected file"
run ndx-validate -o "$J/v.xml" "$J/in.xml"
"$BIN/ndx-transform" --product commissioner -o /dev/stdout "$J/v.xml" \
    >"$J/via-dev.csv" 2>"$T/err" || bad "ndx-transform -o /dev/stdout failed"
"$BIN/ndx-transform" --product commissioner "$J/v.xml" >"$J/plain.csv"
want_same "$J/via-dev.csv" "$J/plain.csv" "-o /dev/stdout"
[ -L /dev/stdout ] || [ -c /dev/stdout ] || bad "/dev/stdout was replaced"
end

finish
