#!/bin/sh
# ndx-pack: MANIFEST content, reproducible archives, AES zips that 7-Zip
# and bsdtar open with the passphrase and not without, verify naming what
# differs, unpack refusing unsafe entries, passphrase rules, a full disk.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

P=$DATA/pack
W=$T/pack
mkdir -p "$W"
FILES="$P/commissioner.csv $P/episodes.xml $P/rejects.csv"
PASS='correct horse battery'
printf '%s\n' "$PASS" >"$W/pass"
chmod 600 "$W/pass"

# pack ARG...: ndx-pack with FILES appended.
pack() {
	# shellcheck disable=SC2086 # FILES is a list of paths without spaces
	run ndx-pack "$@" $FILES
}

# sha FILE: its SHA-256 in hex.
sha() {
	sha256sum "$1" | cut -d ' ' -f 1
}

# size FILE: its size in bytes.
size() {
	wc -c <"$1" | tr -d ' '
}

# --- packing and the MANIFEST

for fmt in zip tar.gz; do
	begin "pack $fmt"
	pack -o "$W/a.$fmt" --period 2026-10
	want_rc 0
	want_empty "$T/out" stdout
	want_empty "$T/err" stderr
	bsdtar -tf "$W/a.$fmt" >"$W/list" 2>&1 || bad "bsdtar cannot list it"
	printf 'MANIFEST\nSHA256SUMS\ncommissioner.csv\nepisodes.xml\n' \
	    >"$W/want"
	printf 'rejects.csv\n' >>"$W/want"
	want_same "$W/list" "$W/want" "entries (MANIFEST first, sorted)"
	end

	begin "reproducible $fmt"
	pack -o "$W/b.$fmt" --period 2026-10
	want_rc 0
	cmp -s "$W/a.$fmt" "$W/b.$fmt" || bad "two packs differ"
	bsdtar -tvf "$W/a.$fmt" >"$W/listv" 2>&1
	grep -v '^-rw-r--r-- *[0-9]* *0 *0 .*Jan  1  2000 ' "$W/listv" \
	    >"$W/odd" && bad "modes, owners or times not fixed" && show "$W/odd"
	end

	begin "verify $fmt"
	run ndx-pack verify "$W/a.$fmt"
	want_rc 0
	want_empty "$T/err" stderr
	end
done

begin "standard tools read them"
gzip -t "$W/a.tar.gz" >"$W/gz" 2>&1 || bad "gzip -t fails"
want_empty "$W/gz" "gzip -t output"
unzip -tq "$W/a.zip" >/dev/null 2>&1 || bad "unzip -t fails"
end

begin "manifest"
bsdtar -xOf "$W/a.zip" MANIFEST >"$W/manifest" 2>&1
{
	printf 'ndx-manifest 2\nndx-version %s\ndataset-version 1\n' \
	    "$("$BIN/ndx-pack" --version | cut -d ' ' -f 2)"
	printf 'xsd-sha256 %s\n' "$(sha "$TOP/schemas/episodes.xsd")"
	printf 'period 2026-10\nstart 2026-04-01\nend 2026-10-31\n'
	printf 'as-of -\nagency -\narea -\nrecipient -\nkey-id -\n'
	printf 'consent-excluded -\n'
	printf 'file %s %s 3 commissioner.csv\n' "$(sha "$P/commissioner.csv")" \
	    "$(size "$P/commissioner.csv")"
	printf 'file %s %s - episodes.xml\n' "$(sha "$P/episodes.xml")" \
	    "$(size "$P/episodes.xml")"
	printf 'file %s %s 0 rejects.csv\n' "$(sha "$P/rejects.csv")" \
	    "$(size "$P/rejects.csv")"
} >"$W/want"
want_same "$W/manifest" "$W/want" MANIFEST
end

begin "no period"
run ndx-pack -o "$W/np.tar.gz" "$P/rejects.csv"
want_rc 0
bsdtar -xOf "$W/np.tar.gz" MANIFEST | grep -qx 'period -' ||
    bad "no 'period -' line"
end

# --- refusals when packing

t_rc() {
	_n=$1
	_want=$2
	shift 2
	begin "$_n"
	run ndx-pack "$@"
	want_rc "$_want"
	want_prefixed "$T/err" ndx-pack
	[ -s "$T/err" ] || bad "nothing said"
	end
}
mkdir -p "$W/d2"
cp "$P/rejects.csv" "$W/d2/"
t_rc "same basename" 64 -o "$W/x.zip" "$P/rejects.csv" "$W/d2/rejects.csv"
t_rc "bad suffix" 64 -o "$W/x.rar" "$P/rejects.csv"
t_rc "encrypt tar.gz" 64 -o "$W/x.tar.gz" --encrypt "$P/rejects.csv"
t_rc "no passphrase" 64 -o "$W/x.zip" --encrypt "$P/rejects.csv"
t_rc "missing input" 66 -o "$W/x.zip" "$W/nonesuch.csv"
t_rc "no --passphrase option" 64 -o "$W/x.zip" --encrypt --passphrase \
    s3cret "$P/rejects.csv"
grep -F s3cret "$T/err" >/dev/null && bad "the argument was shown"

begin "no operands"
run ndx-pack -o "$W/x.zip"
want_rc 64
want_fixed "$T/err" "usage: ndx-pack"
end
[ ! -e "$W/x.zip" ] && [ ! -e "$W/x.tar.gz" ] ||
    bad "an output appeared after a refusal"

begin "passphrase file 0644"
cp "$W/pass" "$W/pass644"
chmod 644 "$W/pass644"
pack -o "$W/x.zip" --encrypt --passphrase-file "$W/pass644"
want_rc 77
want_fixed "$T/err" pass644
[ -e "$W/x.zip" ] && bad "archive written"
grep -F "$PASS" "$T/err" >/dev/null && bad "passphrase shown"
end

# --- encryption: 7-Zip and bsdtar open it with the passphrase only

begin "encrypted zip"
pack -o "$W/e.zip" --encrypt --passphrase-file "$W/pass" --period 2026-10
want_rc 0
want_empty "$T/err" stderr
7z l -slt "$W/e.zip" >"$W/7zl" 2>&1
grep -q '^Method = AES-256' "$W/7zl" || bad "7z does not see AES-256"
mkdir -p "$W/7z"
if 7z x -y -o"$W/7z" -p"$PASS" "$W/e.zip" >"$W/7zout" 2>&1; then
	for f in $FILES; do
		cmp -s "$f" "$W/7z/${f##*/}" || bad "7z: ${f##*/} differs"
	done
else
	bad "7z x with the passphrase failed"
	show "$W/7zout"
fi
7z t -pwrong "$W/e.zip" >/dev/null 2>&1 && bad "7z t with a wrong passphrase"
7z t "$W/e.zip" </dev/null >/dev/null 2>&1 && bad "7z t without passphrase"
mkdir -p "$W/bsd" "$W/bsd2"
if bsdtar -xf "$W/e.zip" --passphrase "$PASS" -C "$W/bsd" 2>"$W/bsderr"
then
	for f in $FILES; do
		cmp -s "$f" "$W/bsd/${f##*/}" || bad "bsdtar: ${f##*/} differs"
	done
else
	bad "bsdtar -x with the passphrase failed"
	show "$W/bsderr"
fi
bsdtar -xf "$W/e.zip" --passphrase wrong -C "$W/bsd2" >/dev/null 2>&1 &&
    bad "bsdtar -x with a wrong passphrase"
cmp -s "$P/rejects.csv" "$W/bsd2/rejects.csv" && bad "bsdtar read it wrong"
end

begin "verify encrypted"
run ndx-pack verify --passphrase-file "$W/pass" "$W/e.zip"
want_rc 0
want_empty "$T/err" stderr
end

begin "NDX_PASSPHRASE"
NDX_PASSPHRASE=$PASS run ndx-pack verify "$W/e.zip"
want_rc 0
NDX_PASSPHRASE=$PASS pack -o "$W/e2.zip" --encrypt
want_rc 0
7z t -p"$PASS" "$W/e2.zip" >/dev/null 2>&1 || bad "7z t failed"
end

begin "verify wrong passphrase"
NDX_PASSPHRASE=wrong run ndx-pack verify "$W/e.zip"
want_rc 1
want_fixed "$T/err" "e.zip: commissioner.csv: wrong passphrase or damaged archive"
want_prefixed "$T/err" ndx-pack
end

begin "verify no passphrase"
run ndx-pack verify "$W/e.zip"
want_rc 64
want_fixed "$T/err" "encrypted"
end

# --- verify: tampering, missing and extra files

# flip ARCHIVE ENTRY: flips one byte in the middle of ENTRY's data in a
# zip (after its local header, before the next).
flip() {
	python3 - "$1" "$2" <<'PY'
import struct, sys, zipfile
path, name = sys.argv[1], sys.argv[2]
zi = zipfile.ZipFile(path).getinfo(name)
data = bytearray(open(path, 'rb').read())
o = zi.header_offset
n, m = struct.unpack('<HH', data[o + 26:o + 30])
start = o + 30 + n + m
data[start + zi.compress_size // 2] ^= 0x55
open(path, 'wb').write(data)
PY
}

begin "tampered zip"
cp "$W/a.zip" "$W/t.zip"
flip "$W/t.zip" commissioner.csv
run ndx-pack verify "$W/t.zip"
want_rc 1
want_fixed "$T/err" "t.zip: commissioner.csv: "
want_prefixed "$T/err" ndx-pack
grep -v commissioner.csv "$T/err" >"$W/others" && bad "others named" &&
    show "$W/others"
end

begin "tampered encrypted zip"
cp "$W/e.zip" "$W/te.zip"
flip "$W/te.zip" episodes.xml
NDX_PASSPHRASE=$PASS run ndx-pack verify "$W/te.zip"
want_rc 1
want_fixed "$T/err" "te.zip: episodes.xml: "
end

begin "missing file"
rm -rf "$W/m"
mkdir -p "$W/m"
bsdtar -xf "$W/a.tar.gz" -C "$W/m"
(cd "$W/m" && bsdtar -czf "$W/m.tar.gz" MANIFEST SHA256SUMS \
    commissioner.csv rejects.csv)
run ndx-pack verify "$W/m.tar.gz"
want_rc 1
want_fixed "$T/err" "m.tar.gz: episodes.xml: missing"
want_fixed "$T/err" "m.tar.gz: SHA256SUMS: episodes.xml: no such entry"
want_lines "$T/err" 2 stderr
end

begin "extra file"
printf 'x\n' >"$W/m/extra.txt"
(cd "$W/m" && bsdtar -czf "$W/x.tar.gz" MANIFEST SHA256SUMS \
    commissioner.csv episodes.xml rejects.csv extra.txt)
run ndx-pack verify "$W/x.tar.gz"
want_rc 1
want_fixed "$T/err" "x.tar.gz: extra.txt: not in the manifest"
want_fixed "$T/err" "x.tar.gz: SHA256SUMS: does not list every entry"
want_lines "$T/err" 2 stderr
end

begin "changed file"
printf 'A1,C009,new\n' >>"$W/m/commissioner.csv"
(cd "$W/m" && bsdtar -cf "$W/c.tar" MANIFEST SHA256SUMS \
    commissioner.csv episodes.xml rejects.csv)
run ndx-pack verify "$W/c.tar"
want_rc 1
want_fixed "$T/err" "c.tar: commissioner.csv: checksum differs"
want_fixed "$T/err" "c.tar: SHA256SUMS: commissioner.csv: checksum differs"
want_lines "$T/err" 2 stderr
end

begin "not an archive"
run ndx-pack verify "$P/episodes.xml"
want_rc 65
want_prefixed "$T/err" ndx-pack
end

begin "archive missing"
run ndx-pack verify "$W/nonesuch.zip"
want_rc 66
want_prefixed "$T/err" ndx-pack
end

# --- unpack

begin "unpack"
run ndx-pack unpack "$W/a.tar.gz" "$W/u"
want_rc 0
want_empty "$T/err" stderr
for f in $FILES; do
	cmp -s "$f" "$W/u/${f##*/}" || bad "${f##*/} differs"
done
[ -f "$W/u/MANIFEST" ] || bad "no MANIFEST"
run ndx-pack unpack "$W/a.tar.gz" "$W/u"
want_rc 73
want_fixed "$T/err" "exists"
run ndx-pack unpack --force "$W/a.tar.gz" "$W/u"
want_rc 0
end

begin "unpack encrypted"
NDX_PASSPHRASE=$PASS run ndx-pack unpack "$W/e.zip" "$W/ue"
want_rc 0
cmp -s "$P/commissioner.csv" "$W/ue/commissioner.csv" || bad "differs"
end

begin "unpack tampered"
run ndx-pack unpack "$W/t.zip" "$W/ut"
want_rc 1
[ -e "$W/ut" ] && bad "something was written"
end

# evil KIND ARCHIVE: a tar holding a valid MANIFEST and files plus one
# unsafe entry of KIND.
evil() {
	python3 - "$1" "$2" "$W/m" <<'PY'
import io, os, sys, tarfile
kind, out, src = sys.argv[1:4]
with tarfile.open(out, 'w') as t:
    for n in ('MANIFEST', 'episodes.xml', 'rejects.csv'):
        t.add(os.path.join(src, n), arcname=n)
    i = tarfile.TarInfo({'dotdot': '../evil', 'abs': '/tmp/evil',
                         'symlink': 'link', 'hardlink': 'hard',
                         'device': 'dev', 'fifo': 'fifo'}[kind])
    if kind == 'symlink':
        i.type, i.linkname = tarfile.SYMTYPE, '/etc/passwd'
    elif kind == 'hardlink':
        i.type, i.linkname = tarfile.LNKTYPE, 'rejects.csv'
    elif kind == 'device':
        i.type, i.devmajor, i.devminor = tarfile.CHRTYPE, 1, 3
    elif kind == 'fifo':
        i.type = tarfile.FIFOTYPE
    t.addfile(i, io.BytesIO(b''))
PY
}
for kind in dotdot abs symlink hardlink device fifo; do
	begin "unpack refuses $kind"
	evil "$kind" "$W/evil-$kind.tar"
	run ndx-pack unpack "$W/evil-$kind.tar" "$W/ev"
	want_rc 1
	want_fixed "$T/err" "refused"
	want_prefixed "$T/err" ndx-pack
	[ -e "$W/ev" ] && bad "something was written"
	[ -e "$T/evil" ] && bad "evil escaped"
	end
done

# --- MANIFEST version 2: provenance, SHA256SUMS, --manifest-dir

PROV="--period 2026Q2 --as-of 2026-10-05 --agency N0852,N0853
    --recipient public-health --key-id e59ed32368831696
    --consent-excluded 3"
begin "provenance"
# shellcheck disable=SC2086 # PROV is a list of words without spaces
pack -o "$W/v.zip" $PROV --area 'Greater Manchester' \
    --risk 'commissioner.csv persons=3 k_min=1 below_5=3' \
    --risk 'rejects.csv persons=0 k_min=0 below_5=0 min_k=5 after_k_min=0 after_below_5=0 suppressed=0' \
    --manifest-dir "$W/md"
want_rc 0
want_empty "$T/err" stderr
bsdtar -xOf "$W/v.zip" MANIFEST | sed -n '5,16p' >"$W/head"
cat >"$W/want" <<'EOF2'
period 2026Q2
start 2026-07-01
end 2026-09-30
as-of 2026-10-05
agency N0852,N0853
area Greater Manchester
recipient public-health
key-id e59ed32368831696
consent-excluded 3
risk commissioner.csv persons=3 k_min=1 below_5=3
risk rejects.csv persons=0 k_min=0 below_5=0 min_k=5 after_k_min=0 after_below_5=0 suppressed=0
file
EOF2
cut -c 1-4 "$W/head" | sed -n '12p' >"$W/h12"
sed -n '1,11p' "$W/head" >"$W/h11"
cat "$W/h11" "$W/h12" >"$W/headcut"
want_same "$W/headcut" "$W/want" "MANIFEST v2 header"
for f in MANIFEST SHA256SUMS; do
	[ -f "$W/md/$f" ] || bad "--manifest-dir: no $f"
	[ "$(stat -c %a "$W/md/$f")" = 600 ] || bad "--manifest-dir: $f not 0600"
done
[ "$(stat -c %a "$W/md")" = 700 ] || bad "--manifest-dir not 0700"
bsdtar -xOf "$W/v.zip" MANIFEST | cmp -s - "$W/md/MANIFEST" ||
    bad "--manifest-dir MANIFEST differs from the archive's"
end

begin "verify summary line"
run ndx-pack verify "$W/v.zip"
want_rc 0
want_empty "$T/err" stderr
printf '%s: verified 3 files; period 2026Q2; agency N0852,N0853; recipient public-health; key id e59ed32368831696\n' \
    "$W/v.zip" >"$W/want"
want_same "$T/out" "$W/want" "verify's line"
end

begin "sha256sum -c"
rm -rf "$W/s" && mkdir -p "$W/s"
bsdtar -xf "$W/v.zip" -C "$W/s"
if ! (cd "$W/s" && sha256sum -c --quiet SHA256SUMS) >"$W/sc" 2>&1; then
	bad "sha256sum -c fails"
	show "$W/sc"
fi
grep -c . "$W/s/SHA256SUMS" | grep -qx 4 || bad "SHA256SUMS: not 4 lines"
end

# --- --datapackage: the data dictionary (exchange.md §5)

DP=$T/dp
mkdir -p "$DP"
printf 'AGNCY,CLIENTID,SEX,DOB,RFLS\n"N0852","C1","F","07/03/1980","13"\n' \
    >"$DP/commissioner.csv"
begin "datapackage: packed, listed, in --manifest-dir, describing the CSV"
run ndx-pack -o "$W/dp.zip" --datapackage --period 2026Q2 \
    --agency N0852 --recipient ndtms --manifest-dir "$W/dpmd" \
    "$DP/commissioner.csv" "$P/episodes.xml"
want_rc 0
want_empty "$T/err" stderr
bsdtar -xOf "$W/dp.zip" datapackage.json >"$W/dp.json" ||
    bad "no datapackage.json in the archive"
want_same "$W/dp.json" "$W/dpmd/datapackage.json" \
    "--manifest-dir's datapackage.json"
[ "$(stat -c %a "$W/dpmd/datapackage.json")" = 600 ] ||
    bad "datapackage.json not 0600"
bsdtar -xOf "$W/dp.zip" MANIFEST | grep -q ' - datapackage\.json$' ||
    bad "MANIFEST does not list datapackage.json"
run ndx-pack verify "$W/dp.zip"
want_rc 0
want_fixed "$T/out" "verified 3 files"
rm -rf "$W/dpx" && mkdir -p "$W/dpx"
bsdtar -xf "$W/dp.zip" -C "$W/dpx"
(cd "$W/dpx" && sha256sum -c --quiet SHA256SUMS) >"$W/sc" 2>&1 ||
    bad "sha256sum -c fails with datapackage.json"
python3 "$TOP/tests/e2e/datapackage.py" "$W/dpx" >"$W/dpcheck" 2>&1 ||
    { bad "datapackage.json does not describe the CSV"; show "$W/dpcheck"; }
want_fixed "$W/dp.json" '"name": "ndx-n0852-2026q2-ndtms"'
want_fixed "$W/dp.json" '"description": "referral source. Codes: 1 = drug or alcohol service;'
want_fixed "$W/dp.json" '"format": "%d/%m/%Y"'
end

begin "datapackage: a column ndx does not know is refused, nothing written"
run ndx-pack -o "$W/dpbad.zip" --datapackage "$P/commissioner.csv"
want_rc 65
want_fixed "$T/err" "commissioner.csv:1: column 3, 'NOTE', is neither a dataset item nor a column of the PCC return"
[ ! -e "$W/dpbad.zip" ] || bad "an archive was written"
end

begin "datapackage: a file of that name is not packed beside it"
printf '{}\n' >"$DP/datapackage.json"
run ndx-pack -o "$W/dpbad.zip" --datapackage "$DP/commissioner.csv" \
    "$DP/datapackage.json"
want_rc 64
want_fixed "$T/err" "datapackage.json: cannot be packed under this name"
# Without --datapackage it is a file like any other.
run ndx-pack -o "$W/dpok.zip" "$DP/commissioner.csv" "$DP/datapackage.json"
want_rc 0
end

# retar DIR OUT NAME...: a tar.gz of the named files of DIR.
retar() {
	_d=$1
	_o=$2
	shift 2
	(cd "$_d" && bsdtar -czf "$_o" "$@")
}

begin "rows claimed wrongly"
rm -rf "$W/r" && mkdir -p "$W/r"
bsdtar -xf "$W/v.zip" -C "$W/r"
# The same bytes and digests, a different row count: only a re-count sees.
sed 's/^\(file [0-9a-f]* [0-9]*\) 3 commissioner.csv$/\1 2 commissioner.csv/' \
    "$W/r/MANIFEST" >"$W/r/M2" && mv "$W/r/M2" "$W/r/MANIFEST"
(cd "$W/r" && sha256sum MANIFEST commissioner.csv episodes.xml \
    rejects.csv >SHA256SUMS)
retar "$W/r" "$W/rows.tar.gz" MANIFEST SHA256SUMS commissioner.csv \
    episodes.xml rejects.csv
run ndx-pack verify "$W/rows.tar.gz"
want_rc 1
want_fixed "$T/err" "commissioner.csv: 3 rows, but the manifest says 2"
end

begin "other schema"
rm -rf "$W/x" && mkdir -p "$W/x"
bsdtar -xf "$W/v.zip" -C "$W/x"
sed 's/^xsd-sha256 .*/xsd-sha256 0000000000000000000000000000000000000000000000000000000000000000/; s/^dataset-version .*/dataset-version 9/' \
    "$W/x/MANIFEST" >"$W/x/M2" && mv "$W/x/M2" "$W/x/MANIFEST"
(cd "$W/x" && sha256sum MANIFEST commissioner.csv episodes.xml \
    rejects.csv >SHA256SUMS)
retar "$W/x" "$W/xsd.tar.gz" MANIFEST SHA256SUMS commissioner.csv \
    episodes.xml rejects.csv
run ndx-pack verify "$W/xsd.tar.gz"
want_rc 1
want_fixed "$T/err" "dataset version 9, but versions 1 and 2 are installed"
# A version ndx has, with another schema's hash.
sed 's/^dataset-version .*/dataset-version 1/' "$W/x/MANIFEST" >"$W/x/M2" &&
    mv "$W/x/M2" "$W/x/MANIFEST"
(cd "$W/x" && sha256sum MANIFEST commissioner.csv episodes.xml \
    rejects.csv >SHA256SUMS)
retar "$W/x" "$W/xsd.tar.gz" MANIFEST SHA256SUMS commissioner.csv \
    episodes.xml rejects.csv
run ndx-pack verify "$W/xsd.tar.gz"
want_rc 1
want_fixed "$T/err" "xsd-sha256 0000000000000000000000000000000000000000000000000000000000000000, but the installed episodes.xsd has $(sha "$TOP/schemas/episodes.xsd")"
end

begin "SHA256SUMS missing from a v2 archive"
retar "$W/s" "$W/nosums.tar.gz" MANIFEST commissioner.csv episodes.xml \
    rejects.csv
run ndx-pack verify "$W/nosums.tar.gz"
want_rc 1
want_fixed "$T/err" "nosums.tar.gz: SHA256SUMS: missing"
end

begin "version 1 archives still verify"
rm -rf "$W/one" && mkdir -p "$W/one"
cp $FILES "$W/one/"
{
	printf 'ndx-manifest 1\nndx-version 0.1.0\ndataset-version 1\n'
	printf 'period 2026-10\nxsd-sha256 %s\n' "$(sha "$TOP/schemas/episodes.xsd")"
	printf 'file %s %s 3 commissioner.csv\n' "$(sha "$P/commissioner.csv")" \
	    "$(size "$P/commissioner.csv")"
	printf 'file %s %s - episodes.xml\n' "$(sha "$P/episodes.xml")" \
	    "$(size "$P/episodes.xml")"
	printf 'file %s %s 0 rejects.csv\n' "$(sha "$P/rejects.csv")" \
	    "$(size "$P/rejects.csv")"
} >"$W/one/MANIFEST"
retar "$W/one" "$W/one.tar.gz" MANIFEST commissioner.csv episodes.xml \
    rejects.csv
run ndx-pack verify "$W/one.tar.gz"
want_rc 0
want_empty "$T/err" stderr
want_fixed "$T/out" "one.tar.gz: verified 3 files; period 2026-10"
end

t_rc "bad --agency" 64 -o "$W/x.zip" --agency n0852 "$P/rejects.csv"
t_rc "bad --key-id" 64 -o "$W/x.zip" --key-id E59ED32368831696 \
    "$P/rejects.csv"
t_rc "bad --risk" 64 -o "$W/x.zip" --risk 'rejects.csv persons=x' \
    "$P/rejects.csv"
t_rc "bad --as-of" 64 -o "$W/x.zip" --as-of 2026-02-30 "$P/rejects.csv"

# --- passphrase files: no final newline, NUL bytes

begin "passphrase without a final newline"
printf '%s' "$PASS" >"$W/passnl"
chmod 600 "$W/passnl"
pack -o "$W/nl.zip" --encrypt --passphrase-file "$W/passnl"
want_rc 0
want_empty "$T/err" stderr
run ndx-pack verify --passphrase-file "$W/pass" "$W/nl.zip"
want_rc 0
end

begin "passphrase holding a NUL byte"
printf 'abc\000def\n' >"$W/pass0"
chmod 600 "$W/pass0"
pack -o "$W/nul.zip" --encrypt --passphrase-file "$W/pass0"
want_rc 78
want_fixed "$T/err" "pass0: the passphrase holds a NUL byte"
[ -e "$W/nul.zip" ] && bad "archive written"
printf 'abc\ndef\000\n' >"$W/pass0"
pack -o "$W/nul.zip" --encrypt --passphrase-file "$W/pass0"
want_rc 78
end

# --- unpack: links, modes, restoring what --force replaced

begin "unpack --force never writes through a link"
rm -rf "$W/ul" && mkdir -p "$W/ul"
printf 'outside\n' >"$W/outside"
ln -s "$W/outside" "$W/ul/commissioner.csv"
run ndx-pack unpack "$W/a.tar.gz" "$W/ul"
want_rc 73
run ndx-pack unpack --force "$W/a.tar.gz" "$W/ul"
want_rc 0
printf 'outside\n' | cmp -s - "$W/outside" || bad "written through the link"
[ -L "$W/ul/commissioner.csv" ] && bad "the link is still there"
cmp -s "$P/commissioner.csv" "$W/ul/commissioner.csv" || bad "not unpacked"
end

begin "unpack modes whatever the umask"
for m in 000 077 022; do
	rm -rf "$W/um"
	(umask "$m" && "$BIN/ndx-pack" unpack "$W/a.tar.gz" "$W/um") ||
	    bad "umask $m: unpack failed"
	[ "$(stat -c %a "$W/um")" = 700 ] || bad "umask $m: dir not 0700"
	for f in MANIFEST SHA256SUMS commissioner.csv; do
		[ "$(stat -c %a "$W/um/$f")" = 600 ] ||
		    bad "umask $m: $f not 0600"
	done
done
end

begin "a failed unpack --force restores what it replaced"
if [ "$(id -u)" -eq 0 ] && mkdir -p "$W/rfs" &&
    mount -t tmpfs -o size=128k tmpfs "$W/rfs" 2>/dev/null; then
	head -c 300000 /dev/urandom >"$W/big.bin"
	run ndx-pack -o "$W/big.tar.gz" "$W/big.bin" "$P/rejects.csv"
	mkdir -p "$W/rfs/d"
	for f in MANIFEST SHA256SUMS rejects.csv; do
		printf 'old %s\n' "$f" >"$W/rfs/d/$f"
	done
	run ndx-pack unpack --force "$W/big.tar.gz" "$W/rfs/d"
	want_rc 74
	for f in MANIFEST SHA256SUMS rejects.csv; do
		printf 'old %s\n' "$f" | cmp -s - "$W/rfs/d/$f" ||
		    bad "$f not restored"
	done
	ls -A "$W/rfs/d" >"$W/rfs.ls"
	printf 'MANIFEST\nSHA256SUMS\nrejects.csv\n' >"$W/want"
	want_same "$W/rfs.ls" "$W/want" "what is left"
	umount "$W/rfs"
	end
else
	skip "a failed unpack --force restores what it replaced" \
	    "cannot mount a small tmpfs"
fi

# --- a full disk

begin "full disk"
ln -s /dev/full "$W/full.zip"
pack -o "$W/full.zip"
want_rc 74
want_prefixed "$T/err" ndx-pack
ln -s /dev/full "$W/full.tar.gz"
pack -o "$W/full.tar.gz"
want_rc 74
end

begin "full disk, no partial output"
if [ "$(id -u)" -eq 0 ] && mkdir -p "$W/tmpfs" &&
    mount -t tmpfs -o size=64k tmpfs "$W/tmpfs" 2>/dev/null; then
	head -c 200000 /dev/urandom >"$W/big.bin"
	run ndx-pack -o "$W/tmpfs/big.zip" "$W/big.bin"
	want_rc 74
	ls -A "$W/tmpfs" >"$W/tmpfs.ls"
	want_empty "$W/tmpfs.ls" "the small file system"
	umount "$W/tmpfs"
	end
else
	skip "full disk, no partial output" "cannot mount a small tmpfs"
fi

finish
