#!/bin/sh
# ndx-pack verify against forged archives: a zip whose central directory
# and local headers disagree (name, size, CRC, flags, offset), an entry
# added unencrypted to an AES zip, duplicate entries, entry floods and
# expansion bombs, in zip and tar.gz.  Each must fail (1) naming the
# problem.  Archives are crafted with python3 (zipfile, tarfile and byte
# surgery).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

P=$DATA/pack
W=$T/forgery
mkdir -p "$W"
PASS='correct horse battery'
printf '%s\n' "$PASS" >"$W/pass"
chmod 600 "$W/pass"

run ndx-pack -o "$W/good.zip" "$P/commissioner.csv" "$P/rejects.csv"
[ "$rc" -eq 0 ] || bad "cannot pack"
run ndx-pack -o "$W/good.tar.gz" "$P/commissioner.csv" "$P/rejects.csv"
run ndx-pack -o "$W/enc.zip" --encrypt --passphrase-file "$W/pass" \
    "$P/commissioner.csv" "$P/rejects.csv"

# surgery KIND IN OUT: a copy of the zip IN with one lie told.
surgery() {
	python3 - "$@" <<'PY'
import struct, sys, zipfile
kind, src, out = sys.argv[1:4]
data = bytearray(open(src, 'rb').read())
z = zipfile.ZipFile(src)
infos = z.infolist()
eocd = data.rindex(b'PK\x05\x06')
cdoff = struct.unpack('<I', data[eocd + 16:eocd + 20])[0]
# The central directory entry of commissioner.csv.
c = cdoff
while True:
    n, m, k = struct.unpack('<HHH', data[c + 28:c + 34])
    if data[c + 46:c + 46 + n] == b'commissioner.csv':
        break
    c += 46 + n + m + k
lo = struct.unpack('<I', data[c + 42:c + 46])[0]
if kind == 'cd-name':
    # Same length, another name, in the central directory only.
    data[c + 46:c + 46 + 16] = b'commissioner.txt'
elif kind == 'local-name':
    data[lo + 30:lo + 30 + 16] = b'commissioner.txt'
elif kind == 'cd-size':
    u = struct.unpack('<I', data[c + 24:c + 28])[0]
    data[c + 24:c + 28] = struct.pack('<I', u + 1)
elif kind == 'cd-crc':
    data[c + 16:c + 20] = b'\x01\x02\x03\x04'
elif kind == 'cd-flags':
    f = struct.unpack('<H', data[c + 8:c + 10])[0]
    data[c + 8:c + 10] = struct.pack('<H', f ^ 0x0800)
elif kind == 'cd-offset':
    # Points at the first entry's local header instead.
    data[c + 42:c + 46] = struct.pack('<I', 0)
elif kind == 'hidden':
    # A local record slipped in before the central directory, which
    # does not list it: libarchive would stream it, 7-Zip would not.
    extra = b'PK\x03\x04' + struct.pack('<HHHHHIIIHH', 20, 0, 0, 0, 0,
        0, 1, 1, 5, 0) + b'x.csv' + b'x'
    data[cdoff:cdoff] = extra
    cdoff2 = cdoff + len(extra)
    eocd += len(extra)
    data[eocd + 16:eocd + 20] = struct.pack('<I', cdoff2)
open(out, 'wb').write(data)
PY
}

# forged NAME KIND MESSAGE: verify and unpack of the forged zip fail (1)
# naming the problem, and nothing is unpacked.
forged() {
	begin "$1"
	surgery "$2" "$W/good.zip" "$W/f.zip"
	run ndx-pack verify "$W/f.zip"
	want_rc 1
	want_fixed "$T/err" "$3"
	want_prefixed "$T/err" ndx-pack
	run ndx-pack unpack "$W/f.zip" "$W/out"
	want_rc 1
	[ -e "$W/out" ] && bad "something was unpacked"
	rm -rf "$W/out"
	end
}

begin "the untouched archive verifies"
run ndx-pack verify "$W/good.zip"
want_rc 0
surgery none "$W/good.zip" "$W/same.zip"
cmp -s "$W/good.zip" "$W/same.zip" || bad "surgery changed it"
end

forged "central directory names another file" cd-name \
    "commissioner.txt: the local header names another file"
forged "local header names another file" local-name \
    "commissioner.csv: the local header names another file"
forged "size differs" cd-size \
    "commissioner.csv: sizes or CRC differ between the local header"
forged "CRC differs" cd-crc \
    "commissioner.csv: its data descriptor differs from the central directory"
forged "flags differ" cd-flags \
    "commissioner.csv: flags or method differ"
forged "offset points elsewhere" cd-offset \
    "commissioner.csv: the central directory puts it at offset 0"
forged "a record the central directory hides" hidden \
    "data between the entries and the central directory"

# --- an unencrypted entry in an AES zip

begin "unencrypted MANIFEST added to an AES zip"
python3 - "$W/enc.zip" "$W/plain-manifest.zip" <<'PY'
import shutil, sys, warnings, zipfile
src, out = sys.argv[1:3]
warnings.simplefilter('ignore')
shutil.copy(src, out)
with zipfile.ZipFile(out, 'a') as z:
    z.writestr('MANIFEST', 'ndx-manifest 2\n')
PY
NDX_PASSPHRASE=$PASS run ndx-pack verify "$W/plain-manifest.zip"
want_rc 1
want_fixed "$T/err" "MANIFEST: refused: not AES-encrypted in an encrypted archive"
end

begin "unencrypted data file added to an AES zip"
python3 - "$W/enc.zip" "$W/plain-extra.zip" <<'PY'
import shutil, sys, zipfile
src, out = sys.argv[1:3]
shutil.copy(src, out)
with zipfile.ZipFile(out, 'a') as z:
    z.writestr('zzz.csv', 'a,b\n')
PY
NDX_PASSPHRASE=$PASS run ndx-pack verify "$W/plain-extra.zip"
want_rc 1
want_fixed "$T/err" "zzz.csv: refused: not AES-encrypted"
end

# --- duplicates

begin "duplicate entry, zip"
python3 - "$W/good.zip" "$W/dup.zip" <<'PY'
import sys, warnings, zipfile
src, out = sys.argv[1:3]
warnings.simplefilter('ignore')
with zipfile.ZipFile(src) as a, zipfile.ZipFile(out, 'w') as b:
    for i in a.infolist():
        b.writestr(i.filename, a.read(i.filename))
    b.writestr('rejects.csv', a.read('rejects.csv'))
PY
run ndx-pack verify "$W/dup.zip"
want_rc 1
want_fixed "$T/err" "rejects.csv: appears twice"
end

begin "duplicate entry, tar.gz"
python3 - "$W/good.tar.gz" "$W/dup.tar.gz" <<'PY'
import io, sys, tarfile
src, out = sys.argv[1:3]
with tarfile.open(src) as a, tarfile.open(out, 'w:gz') as b:
    members = [(m, a.extractfile(m).read()) for m in a.getmembers()]
    for m, d in members + [members[0]]:
        b.addfile(m, io.BytesIO(d))
PY
run ndx-pack verify "$W/dup.tar.gz"
want_rc 1
want_fixed "$T/err" "MANIFEST: appears twice"
end

# --- floods and bombs

begin "120000 empty entries, zip"
python3 - "$W/flood.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    for i in range(120000):
        z.writestr('e%06d' % i, b'')
PY
run ndx-pack verify "$W/flood.zip"
want_rc 1
want_fixed "$T/err" "flood.zip: refused: more than 1000 entries"
end

begin "120000 empty entries, tar.gz"
python3 - "$W/flood.tar.gz" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], 'w:gz') as t:
    for i in range(120000):
        t.addfile(tarfile.TarInfo('e%06d' % i), io.BytesIO(b''))
PY
run ndx-pack verify "$W/flood.tar.gz"
want_rc 1
want_fixed "$T/err" "flood.tar.gz: refused: more than 1000 entries"
end

begin "expansion bomb, zip"
python3 - "$W/bomb.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('MANIFEST', 'ndx-manifest 2\n')
    z.writestr('big.csv', b'\0' * (64 << 20))
PY
run ndx-pack verify "$W/bomb.zip"
want_rc 1
want_fixed "$T/err" "big.csv: refused: it expands more than 200 times"
end

begin "expansion bomb, tar.gz"
python3 - "$W/bomb.tar.gz" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], 'w:gz') as t:
    i = tarfile.TarInfo('big.csv')
    i.size = 64 << 20
    t.addfile(i, io.BytesIO(b'\0' * i.size))
PY
run ndx-pack verify "$W/bomb.tar.gz"
want_rc 1
want_fixed "$T/err" "big.csv: refused: the archive expands more than 200 times its size"
end

finish
