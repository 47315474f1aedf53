# tests/e2e/browser.sh: sourced after lib.sh by tests that render HTML.
#
# browser_shot HTML PNG renders a file with headless Debian chromium at
# 1200x1600 and checks that the screenshot is not blank; it marks the
# current case bad when either fails.  Before it, browser_ready says
# whether a check can run at all: it is false (and the case must be
# skipped, not passed) without chromium, or without python3 to read the
# PNG.
#
# The profile is a fresh directory under $T, and everything that could
# reach the network at start-up is switched off: a test must not depend on
# it, and the pages ndx writes fetch nothing.

BROWSER=
for _b in chromium chromium-browser; do
	if command -v "$_b" >/dev/null 2>&1; then
		BROWSER=$_b
		break
	fi
done

# browser_ready: 0 when screenshots can be taken and checked, else 1 with
# the reason in $browser_why.
browser_ready() {
	browser_why=
	if [ -z "$BROWSER" ]; then
		browser_why="chromium is not installed (sh .ci/deps)"
	elif ! command -v python3 >/dev/null 2>&1; then
		browser_why="python3 is not installed (it reads the PNG)"
	fi
	[ -z "$browser_why" ]
}

# browser_shot HTML PNG: renders HTML into PNG, then checks it.
browser_shot() {
	_html=$(cd "$(dirname "$1")" && pwd)/${1##*/}
	_png=$2
	_profile=$(mktemp -d "$T/chromium.XXXXXX")
	rm -f "$_png"
	# Chromium's messages about D-Bus and GPUs are noise here: kept in
	# a log shown only when no screenshot comes out.
	timeout 120 "$BROWSER" --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$_profile" --hide-scrollbars \
	    --screenshot="$_png" --window-size=1200,1600 \
	    "file://$_html" >"$T/browser.log" 2>&1 || :
	rm -rf "$_profile"
	if [ ! -s "$_png" ]; then
		bad "$BROWSER wrote no screenshot of ${1##*/}"
		show "$T/browser.log"
		return 0
	fi
	if ! png_not_blank "$_png" >"$T/png.log" 2>&1; then
		bad "screenshot of ${1##*/} looks blank"
		show "$T/png.log"
	fi
	return 0
}

# png_not_blank PNG: succeeds when the image has at least 3 distinct
# colours and 1% of its pixels are not white.  A minimal PNG reader
# (8-bit RGB or RGBA, not interlaced: what chromium writes), so that no
# imaging library is needed.
png_not_blank() {
	python3 - "$1" <<'EOF'
import struct
import sys
import zlib

data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("not a PNG")
pos, idat = 8, []
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat.append(body)
    pos += 12 + n
if depth != 8 or ctype not in (2, 6) or interlace:
    sys.exit("unsupported PNG: depth %d, colour type %d" % (depth, ctype))
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(b"".join(idat))
stride = w * bpp
prev = bytearray(stride)
colours, ink = set(), 0
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    if f == 1:
        for i in range(bpp, stride):
            line[i] = (line[i] + line[i - bpp]) & 255
    elif f == 2:
        line = bytearray((a + b) & 255 for a, b in zip(line, prev))
    elif f == 3:
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
    elif f == 4:
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
            line[i] = (line[i] + pred) & 255
    px = [bytes(line[i:i + 3]) for i in range(0, stride, bpp)]
    colours.update(px)
    ink += sum(1 for p in px if p != b"\xff\xff\xff")
    prev = line
share = ink / float(w * h)
print("%dx%d: %d colours, %.1f%% not white" % (w, h, len(colours),
      100 * share))
sys.exit(0 if len(colours) >= 3 and share >= 0.01 else 1)
EOF
}
