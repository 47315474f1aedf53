/*
 * Unit tests for lib/openpgp.c against a real gpg, in a private keyring
 * made once by tests/e2e/gpg.sh (provider, recipient, stranger) plus keys
 * made here: one expired, one revoked, one that signs with a subkey, and
 * an "outsider" made in another keyring and imported (public part only,
 * never certified, so the web of trust does not vouch for it).  What
 * ndx makes is read back by stock gpg and what stock gpg makes is read
 * by ndx, so each direction is real interoperability.  Every test runs
 * under an alarm: a gpg that waits for a prompt fails instead of hanging.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ndx/ndx.h"
#include "ndx/openpgp.h"

#define GPG "gpg --batch --no-tty --pinentry-mode loopback"
#define NOBODY "0123456789ABCDEF0123456789ABCDEF01234567"

static struct {
	char dir[PATH_MAX / 4];		/* our files; gpg.sh's in dir/g */
	char home[PATH_MAX / 4];	/* GNUPGHOME */
	char other[PATH_MAX / 4];	/* the outsider's keyring */
	char provider[NDX_FPR_MAX + 1], recipient[NDX_FPR_MAX + 1];
	char stranger[NDX_FPR_MAX + 1], outsider[NDX_FPR_MAX + 1];
	char unknown[NDX_FPR_MAX + 1], old[NDX_FPR_MAX + 1];
	char revoked[NDX_FPR_MAX + 1], sub[NDX_FPR_MAX + 1];
	char subkey[NDX_FPR_MAX + 1];	/* sub's signing subkey */
	char pass[PATH_MAX];		/* the provider's passphrase file */
} g;

/* Runs a shell command made from fmt; returns its exit status. */
static int
sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void
path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", g.dir, name);
}

/* The first line of file (without its newline) into out. */
static int
line_of(const char *file, char *out, size_t n)
{
	FILE *fp = fopen(file, "r");
	int ok;

	if (fp == NULL)
		return -1;
	ok = fgets(out, (int)n, fp) != NULL;
	fclose(fp);
	if (!ok)
		return -1;
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

/* The fingerprint of the last key or subkey listed for who, into out. */
static int
fpr_of(const char *who, int nth, char *out)
{
	char cmd[512], f[PATH_MAX];

	path(f, sizeof(f), "fpr.tmp");
	snprintf(cmd, sizeof(cmd), "%s", who);
	if (sh("gpg --batch --with-colons --list-keys '%s' 2>/dev/null | "
	    "awk -F: '$1 == \"fpr\" { print $10 }' | sed -n %dp > %s",
	    cmd, nth, f) != 0)
		return -1;
	return line_of(f, out, NDX_FPR_MAX + 1) == 0 &&
	    ndx_openpgp_fpr_valid(out) ? 0 : -1;
}

static void
put(const char *name, const void *data, size_t len, mode_t mode)
{
	char p[PATH_MAX];
	int fd;

	path(p, sizeof(p), name);
	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* The whole of dir/name, NUL-terminated; *len its length. */
static char *
get(const char *name, size_t *len)
{
	char p[PATH_MAX], *buf;
	struct stat st;
	int fd;

	path(p, sizeof(p), name);
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	buf[st.st_size] = '\0';
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static int
open_in(const char *name)
{
	char p[PATH_MAX];

	path(p, sizeof(p), name);
	return open(p, O_RDONLY);
}

static int
open_out(const char *name)
{
	char p[PATH_MAX];

	path(p, sizeof(p), name);
	return open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
}

static int
setup(void **state)
{
	const char *src = getenv("NDX_SRCDIR");
	char f[PATH_MAX];

	(void)state;
	alarm(300);
	snprintf(g.dir, sizeof(g.dir), "/tmp/ndx-openpgp.XXXXXX");
	if (mkdtemp(g.dir) == NULL)
		return -1;
	/* The same keyring the e2e tests get. */
	if (sh("GPG_NO_TRAP=1 sh -c '. \"$0\"/tests/e2e/gpg.sh && "
	    "gpg_setup \"$1\"' '%s' '%s/g'", src && *src ? src : ".",
	    g.dir) != 0)
		return -1;
	path(f, sizeof(f), "g/gnupghome");
	if (line_of(f, g.home, sizeof(g.home)) != 0)
		return -1;
	setenv("GNUPGHOME", g.home, 1);
	path(f, sizeof(f), "g/provider.fpr");
	if (line_of(f, g.provider, sizeof(g.provider)) != 0)
		return -1;
	path(f, sizeof(f), "g/recipient.fpr");
	if (line_of(f, g.recipient, sizeof(g.recipient)) != 0)
		return -1;
	path(f, sizeof(f), "g/stranger.fpr");
	if (line_of(f, g.stranger, sizeof(g.stranger)) != 0)
		return -1;
	path(g.pass, sizeof(g.pass), "g/provider.pass");

	/* Expired: made in 2020 to last a day; it signed while it could. */
	if (sh(GPG " --faked-system-time 20200101T000000 --passphrase '' "
	    "--quick-gen-key 'Old <old@ndx.test>' ed25519 sign 1d "
	    ">/dev/null 2>&1") != 0 || fpr_of("old@ndx.test", 1, g.old) ||
	    sh(GPG " --faked-system-time 20200101T000100 --passphrase '' "
	    "--quick-add-key %s cv25519 encr 1d >/dev/null 2>&1",
	    g.old) != 0 ||
	    sh("echo old > %s/old.txt && " GPG " --faked-system-time "
	    "20200101T120000 -u %s --detach-sign -o %s/old.sig "
	    "%s/old.txt 2>/dev/null", g.dir, g.old, g.dir, g.dir) != 0)
		return -1;
	/* Revoked, after it signed, with the certificate gpg made. */
	if (sh(GPG " --passphrase '' --quick-gen-key "
	    "'Revoked <revoked@ndx.test>' ed25519 sign 0 >/dev/null 2>&1") ||
	    fpr_of("revoked@ndx.test", 1, g.revoked) ||
	    sh(GPG " --passphrase '' --quick-add-key %s cv25519 encr 0 "
	    ">/dev/null 2>&1", g.revoked) ||
	    sh("echo revoked > %s/revoked.txt && " GPG " -u %s "
	    "--detach-sign -o %s/revoked.sig %s/revoked.txt 2>/dev/null",
	    g.dir, g.revoked, g.dir, g.dir) ||
	    sh("sed 's/^:-----/-----/' %s/openpgp-revocs.d/%s.rev | "
	    GPG " --import 2>/dev/null", g.home, g.revoked))
		return -1;
	/* A certify-only primary key that signs with a subkey. */
	if (sh(GPG " --passphrase '' --quick-gen-key 'Sub <sub@ndx.test>' "
	    "ed25519 cert 0 >/dev/null 2>&1") ||
	    fpr_of("sub@ndx.test", 1, g.sub) ||
	    sh(GPG " --passphrase '' --quick-add-key %s ed25519 sign 0 "
	    ">/dev/null 2>&1", g.sub) || fpr_of("sub@ndx.test", 2, g.subkey))
		return -1;
	/*
	 * Outsider and unknown, made in a keyring of their own: they sign
	 * there; only the outsider's public key comes here.
	 */
	snprintf(g.other, sizeof(g.other), "/tmp/ndxgpg.XXXXXX");
	if (mkdtemp(g.other) == NULL)
		return -1;
	if (sh("export GNUPGHOME=%s && " GPG " --passphrase '' "
	    "--quick-gen-key 'Outsider <out@ndx.test>' ed25519 sign 0 "
	    ">/dev/null 2>&1 && " GPG " --passphrase '' --quick-gen-key "
	    "'Unknown <unknown@ndx.test>' ed25519 sign 0 >/dev/null 2>&1 && "
	    "fpr=$(gpg --with-colons --list-keys out@ndx.test | "
	    "awk -F: '$1 == \"fpr\" { print $10; exit }') && "
	    GPG " --passphrase '' --quick-add-key $fpr cv25519 encr 0 "
	    ">/dev/null 2>&1 && echo outsider > %s/out.txt && "
	    GPG " -u out@ndx.test --detach-sign -o %s/out.sig %s/out.txt && "
	    GPG " -u unknown@ndx.test --detach-sign -o %s/unknown.sig "
	    "%s/out.txt && gpg --with-colons --list-keys unknown@ndx.test | "
	    "awk -F: '$1 == \"fpr\" { print $10; exit }' > %s/unknown.fpr && "
	    "gpg --export $fpr > %s/out.pub; rc=$?; "
	    "gpgconf --kill gpg-agent; exit $rc", g.other, g.dir, g.dir,
	    g.dir, g.dir, g.dir, g.dir, g.dir) != 0)
		return -1;
	sh("rm -rf %s", g.other);
	if (sh(GPG " --import %s/out.pub 2>/dev/null", g.dir) ||
	    fpr_of("out@ndx.test", 1, g.outsider))
		return -1;
	path(f, sizeof(f), "unknown.fpr");
	if (line_of(f, g.unknown, sizeof(g.unknown)) != 0)
		return -1;
	alarm(0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (g.home[0] != '\0') {
		sh("GNUPGHOME=%s gpgconf --kill gpg-agent", g.home);
		sh("rm -rf %s", g.home);
	}
	if (g.dir[0] != '\0')
		sh("rm -rf %s", g.dir);
	return 0;
}

static void
test_openpgp_fpr_valid(void **state)
{
	(void)state;
	assert_true(ndx_openpgp_fpr_valid(NOBODY));
	assert_true(ndx_openpgp_fpr_valid(
	    "0123456789abcdef0123456789abcdef01234567"));
	/* 64 digits: a v5 fingerprint. */
	assert_true(ndx_openpgp_fpr_valid(NOBODY "0123456789ABCDEF01234567"));
	assert_true(ndx_openpgp_fpr_valid(g.provider));
	assert_false(ndx_openpgp_fpr_valid(NULL));
	assert_false(ndx_openpgp_fpr_valid(""));
	assert_false(ndx_openpgp_fpr_valid(NOBODY "8"));
	assert_false(ndx_openpgp_fpr_valid(NOBODY + 1));
	assert_false(ndx_openpgp_fpr_valid("0x" NOBODY));
	assert_false(ndx_openpgp_fpr_valid("0123456789ABCDEF"));
	assert_false(ndx_openpgp_fpr_valid("0123 4567 89AB CDEF 0123  "
	    "4567 89AB CDEF 0123 4567"));
	assert_false(ndx_openpgp_fpr_valid("G123456789ABCDEF0123456789ABCDEF"
	    "01234567"));
	assert_false(ndx_openpgp_fpr_valid("Provider <provider@ndx.test>"));
	assert_false(ndx_openpgp_fpr_valid(NOBODY "\n"));
}

/* ndx_openpgp_check_key() refuses fpr with code, saying says. */
static void
key_refused(const char *fpr, enum ndx_openpgp_use use, int code,
    const char *says)
{
	struct ndx_error err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(ndx_openpgp_check_key(fpr, use, &err), code);
	assert_int_equal(err.code, code);
	if (ndx_openpgp_fpr_valid(fpr))
		assert_non_null(strstr(err.msg, fpr));
	if (strstr(err.msg, says) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err.msg, says);
}

static void
test_openpgp_check_key(void **state)
{
	struct ndx_error err;
	char lower[NDX_FPR_MAX + 1];
	size_t i;

	(void)state;
	assert_int_equal(ndx_openpgp_check_key(g.provider, NDX_OPENPGP_SIGN,
	    &err), 0);
	assert_int_equal(ndx_openpgp_check_key(g.recipient,
	    NDX_OPENPGP_ENCRYPT, &err), 0);
	assert_int_equal(ndx_openpgp_check_key(g.stranger, NDX_OPENPGP_SIGN,
	    &err), 0);
	/* Imported, never certified: the fingerprint is the trust. */
	assert_int_equal(ndx_openpgp_check_key(g.outsider,
	    NDX_OPENPGP_ENCRYPT, &err), 0);
	assert_int_equal(ndx_openpgp_check_key(g.sub, NDX_OPENPGP_SIGN,
	    &err), 0);
	for (i = 0; g.recipient[i] != '\0'; i++)
		lower[i] = (char)(g.recipient[i] >= 'A' && g.recipient[i] <=
		    'F' ? g.recipient[i] - 'A' + 'a' : g.recipient[i]);
	lower[i] = '\0';
	assert_int_equal(ndx_openpgp_check_key(lower, NDX_OPENPGP_ENCRYPT,
	    &err), 0);

	key_refused(NOBODY, NDX_OPENPGP_ENCRYPT, NDX_EX_CONFIG,
	    "not in the keyring");
	key_refused(NOBODY, NDX_OPENPGP_SIGN, NDX_EX_CONFIG,
	    "not in the keyring");
	key_refused("recipient@ndx.test", NDX_OPENPGP_ENCRYPT, NDX_EX_CONFIG,
	    "not a full fingerprint");
	key_refused(g.unknown, NDX_OPENPGP_ENCRYPT, NDX_EX_CONFIG,
	    "not in the keyring");
	/* Wrong purpose. */
	key_refused(g.recipient, NDX_OPENPGP_SIGN, NDX_EX_CONFIG,
	    "cannot sign");
	key_refused(g.provider, NDX_OPENPGP_ENCRYPT, NDX_EX_CONFIG,
	    "cannot encrypt");
	key_refused(g.sub, NDX_OPENPGP_ENCRYPT, NDX_EX_CONFIG,
	    "cannot encrypt");
	/* A public key only cannot sign. */
	key_refused(g.outsider, NDX_OPENPGP_SIGN, NDX_EX_CONFIG,
	    "secret key");
	key_refused(g.old, NDX_OPENPGP_ENCRYPT, NDX_EX_CONFIG, "expired");
	key_refused(g.old, NDX_OPENPGP_SIGN, NDX_EX_CONFIG, "expired");
	key_refused(g.revoked, NDX_OPENPGP_ENCRYPT, NDX_EX_CONFIG, "revoked");
	key_refused(g.revoked, NDX_OPENPGP_SIGN, NDX_EX_CONFIG, "revoked");
}

/* Some bytes of every value, a few hundred KiB: more than one pipe. */
static void
make_data(const char *name, size_t len)
{
	unsigned char *d = malloc(len);
	size_t i;

	assert_non_null(d);
	for (i = 0; i < len; i++)
		d[i] = (unsigned char)(i * 7 + i / 251);
	put(name, d, len, 0600);
	free(d);
}

static void
same_files(const char *a, const char *b)
{
	char *x, *y;
	size_t nx, ny;

	x = get(a, &nx);
	y = get(b, &ny);
	assert_int_equal(nx, ny);
	assert_memory_equal(x, y, nx);
	free(x);
	free(y);
}

static void
test_openpgp_encrypt(void **state)
{
	const char *to[2] = { g.recipient, g.outsider };
	struct ndx_error err;
	char *c;
	size_t n;
	int in, out;

	(void)state;
	alarm(120);
	make_data("plain", 300000);
	in = open_in("plain");
	out = open_out("plain.gpg");
	assert_int_equal(ndx_openpgp_encrypt(in, out, to, 2, &err), 0);
	close(in);
	close(out);
	/* Binary, not armoured: an OpenPGP packet tag has bit 7 set. */
	c = get("plain.gpg", &n);
	assert_true(n > 0 && (c[0] & 0x80));
	free(c);
	/* Stock gpg opens it, and it is for both keys. */
	assert_int_equal(sh(GPG " -o %s/plain.out --decrypt %s/plain.gpg "
	    "2>/dev/null", g.dir, g.dir), 0);
	same_files("plain", "plain.out");
	assert_int_equal(sh("test $(gpg --batch --list-packets %s/plain.gpg "
	    "2>/dev/null | grep -c '^:pubkey enc packet:') -eq 2", g.dir), 0);

	/* A key not fit for encryption: 78, and nothing written. */
	to[1] = g.provider;
	in = open_in("plain");
	out = open_out("bad.gpg");
	assert_int_equal(ndx_openpgp_encrypt(in, out, to, 2, &err),
	    NDX_EX_CONFIG);
	assert_non_null(strstr(err.msg, g.provider));
	close(in);
	close(out);
	c = get("bad.gpg", &n);
	assert_int_equal(n, 0);
	free(c);
	to[1] = NOBODY;
	in = open_in("plain");
	out = open_out("bad.gpg");
	assert_int_equal(ndx_openpgp_encrypt(in, out, to, 2, &err),
	    NDX_EX_CONFIG);
	assert_non_null(strstr(err.msg, "not in the keyring"));
	assert_int_equal(ndx_openpgp_encrypt(in, out, to, 0, &err),
	    NDX_EX_CONFIG);
	close(in);
	close(out);

	/* Read and write failures: 74. */
	in = open(g.dir, O_RDONLY | O_DIRECTORY);
	out = open_out("bad.gpg");
	assert_int_equal(ndx_openpgp_encrypt(in, out, to, 1, &err),
	    NDX_EX_IOERR);
	assert_non_null(strstr(err.msg, "read"));
	close(in);
	close(out);
	in = open_in("plain");
	out = open("/dev/full", O_WRONLY);
	assert_int_equal(ndx_openpgp_encrypt(in, out, to, 1, &err),
	    NDX_EX_IOERR);
	assert_non_null(strstr(err.msg, "write"));
	close(in);
	close(out);
	alarm(0);
}

static void
decrypt_refused(const char *name, const char *says)
{
	struct ndx_error err;
	int in, out;

	in = open_in(name);
	assert_true(in >= 0);
	out = open_out("refused.out");
	memset(&err, 0, sizeof(err));
	assert_int_equal(ndx_openpgp_decrypt(in, out, &err),
	    NDX_EX_REJECTED);
	if (strstr(err.msg, says) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err.msg, says);
	close(in);
	close(out);
}

static void
test_openpgp_decrypt(void **state)
{
	struct ndx_error err;
	char *c;
	size_t n;
	int in, out;

	(void)state;
	alarm(120);
	make_data("plain2", 200000);
	assert_int_equal(sh(GPG " --trust-model always -r %s -o "
	    "%s/plain2.gpg --encrypt %s/plain2", g.recipient, g.dir, g.dir),
	    0);
	in = open_in("plain2.gpg");
	out = open_out("plain2.out");
	assert_int_equal(ndx_openpgp_decrypt(in, out, &err), 0);
	close(in);
	close(out);
	same_files("plain2", "plain2.out");
	/* Armoured and signed: decrypted all the same. */
	assert_int_equal(sh(GPG " --trust-model always -r %s -u %s -a "
	    "-o %s/signed.asc --sign --encrypt %s/plain2", g.recipient,
	    g.stranger, g.dir, g.dir), 0);
	in = open_in("signed.asc");
	out = open_out("plain2.out");
	assert_int_equal(ndx_openpgp_decrypt(in, out, &err), 0);
	close(in);
	close(out);
	same_files("plain2", "plain2.out");

	put("notpgp", "hello, world\n", 13, 0600);
	decrypt_refused("notpgp", "not an OpenPGP message");
	/* For the outsider, whose secret key is elsewhere. */
	assert_int_equal(sh(GPG " --trust-model always -r %s -o "
	    "%s/other.gpg --encrypt %s/plain2", g.outsider, g.dir, g.dir), 0);
	decrypt_refused("other.gpg", "no secret key for this archive");
	/* A byte changed in the encrypted data, or the end cut off. */
	c = get("plain2.gpg", &n);
	c[n / 2] ^= 0x01;
	put("damaged.gpg", c, n, 0600);
	decrypt_refused("damaged.gpg", "damaged");
	c[n / 2] ^= 0x01;
	put("short.gpg", c, n - 100, 0600);
	decrypt_refused("short.gpg", "damaged");
	free(c);

	in = open_in("plain2.gpg");
	out = open("/dev/full", O_WRONLY);
	assert_int_equal(ndx_openpgp_decrypt(in, out, &err), NDX_EX_IOERR);
	close(in);
	close(out);
	alarm(0);
}

/* MANIFEST-like data, and what stock gpg thinks of a signature of it. */
static const char manifest[] = "ndx-manifest 2\nndx-version 0.1.0\n"
    "file 0123 10 1 a.csv\n";

static void
test_openpgp_sign(void **state)
{
	struct ndx_error err;
	char *sig = NULL, *st;
	size_t siglen, n;

	(void)state;
	alarm(120);
	assert_int_equal(ndx_openpgp_sign(manifest, sizeof(manifest) - 1,
	    g.provider, g.pass, &sig, &siglen, &err), 0);
	assert_non_null(sig);
	assert_int_equal(strlen(sig), siglen);
	assert_true(strncmp(sig, "-----BEGIN PGP SIGNATURE-----\n", 30) == 0);
	put("m", manifest, sizeof(manifest) - 1, 0600);
	put("m.sig", sig, siglen, 0600);
	free(sig);
	/* Stock gpg: a good, detached signature by the provider's key. */
	assert_int_equal(sh(GPG " --status-file %s/status --verify %s/m.sig "
	    "%s/m 2>/dev/null", g.dir, g.dir, g.dir), 0);
	st = get("status", &n);
	assert_non_null(strstr(st, "[GNUPG:] GOODSIG"));
	assert_non_null(strstr(st, "[GNUPG:] VALIDSIG"));
	assert_non_null(strstr(st, g.provider));
	free(st);
	put("m2", manifest, sizeof(manifest) - 2, 0600);
	assert_int_not_equal(sh(GPG " --verify %s/m.sig %s/m2 2>/dev/null",
	    g.dir, g.dir), 0);

	/* Only the first line is the passphrase; a key without one. */
	put("pass2", "x", 1, 0600);
	assert_int_equal(sh("head -n 1 %s > %s/pass2 && echo 'second "
	    "line' >> %s/pass2", g.pass, g.dir, g.dir), 0);
	path(st = malloc(PATH_MAX), PATH_MAX, "pass2");
	assert_int_equal(ndx_openpgp_sign(manifest, sizeof(manifest) - 1,
	    g.provider, st, &sig, &siglen, &err), 0);
	free(sig);
	free(st);
	assert_int_equal(ndx_openpgp_sign(manifest, sizeof(manifest) - 1,
	    g.stranger, NULL, &sig, &siglen, &err), 0);
	free(sig);

	/* Keys that cannot sign. */
	assert_int_equal(ndx_openpgp_sign(manifest, sizeof(manifest) - 1,
	    g.recipient, NULL, &sig, &siglen, &err), NDX_EX_CONFIG);
	assert_null(sig);
	assert_int_equal(ndx_openpgp_sign(manifest, sizeof(manifest) - 1,
	    g.outsider, NULL, &sig, &siglen, &err), NDX_EX_CONFIG);
	alarm(0);
}

static void
sign_refused(const char *pass, int code, const char *says)
{
	struct ndx_error err;
	char *sig = NULL;
	size_t siglen = 1;

	memset(&err, 0, sizeof(err));
	assert_int_equal(ndx_openpgp_sign(manifest, sizeof(manifest) - 1,
	    g.provider, pass, &sig, &siglen, &err), code);
	assert_null(sig);
	assert_int_equal(siglen, 0);
	if (strstr(err.msg, says) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err.msg, says);
}

static void
test_openpgp_sign_passphrase(void **state)
{
	char p[PATH_MAX], *right;
	size_t n;

	(void)state;
	/* A wrong passphrase ends at once: gpg-agent would ask 3 times. */
	alarm(60);
	put("wrong", "not the passphrase\n", 19, 0600);
	path(p, sizeof(p), "wrong");
	sign_refused(p, NDX_EX_CONFIG, "wrong passphrase for signing key");
	sign_refused(p, NDX_EX_CONFIG, g.provider);
	sign_refused(NULL, NDX_EX_CONFIG, "protected by a passphrase");
	/* The right one, but readable by others: 77, gpg never asked. */
	right = get("g/provider.pass", &n);
	put("open", right, n, 0644);
	free(right);
	path(p, sizeof(p), "open");
	sign_refused(p, NDX_EX_NOPERM, "chmod 600");
	put("empty", "\nsecond\n", 8, 0600);
	path(p, sizeof(p), "empty");
	sign_refused(p, NDX_EX_CONFIG, "no passphrase");
	path(p, sizeof(p), "missing");
	sign_refused(p, NDX_EX_NOINPUT, "passphrase");
	alarm(0);
}

/* ndx_openpgp_verify() of dir/data with dir/sig against signers. */
static int
verify(const char *data, const char *sig, const char *const *signers,
    size_t n, char *signer, struct ndx_error *err)
{
	char *d, *s;
	size_t dn, sn;
	int rc;

	d = get(data, &dn);
	s = get(sig, &sn);
	memset(err, 0, sizeof(*err));
	memset(signer, 'x', NDX_FPR_MAX + 1);
	rc = ndx_openpgp_verify(d, dn, s, sn, signers, n, signer, err);
	free(d);
	free(s);
	return rc;
}

static void
verify_refused(const char *data, const char *sig, const char *signer1,
    const char *says)
{
	struct ndx_error err;
	char signer[NDX_FPR_MAX + 1];

	assert_int_equal(verify(data, sig, &signer1, signer1 ? 1 : 0,
	    signer, &err), NDX_EX_REJECTED);
	assert_int_equal(err.code, NDX_EX_REJECTED);
	assert_string_equal(signer, "");
	if (strstr(err.msg, says) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err.msg, says);
}

static void
test_openpgp_verify(void **state)
{
	const char *who[2];
	struct ndx_error err;
	char signer[NDX_FPR_MAX + 1], msg[256], lower[NDX_FPR_MAX + 1];
	char *sig;
	size_t siglen, i;

	(void)state;
	alarm(120);
	put("v", manifest, sizeof(manifest) - 1, 0600);
	/* Stock gpg's signatures, armoured and binary. */
	assert_int_equal(sh(GPG " --passphrase-file %s -u %s -a "
	    "-o %s/v.asc --detach-sign %s/v", g.pass, g.provider, g.dir,
	    g.dir), 0);
	assert_int_equal(sh(GPG " --passphrase-file %s -u %s "
	    "-o %s/v.sig --detach-sign %s/v", g.pass, g.provider, g.dir,
	    g.dir), 0);
	who[0] = g.provider;
	assert_int_equal(verify("v", "v.asc", who, 1, signer, &err), 0);
	assert_string_equal(signer, g.provider);
	assert_int_equal(verify("v", "v.sig", who, 1, signer, &err), 0);
	assert_string_equal(signer, g.provider);
	/* Any of several; any key of the keyring; lower case. */
	who[0] = g.stranger;
	who[1] = g.provider;
	assert_int_equal(verify("v", "v.asc", who, 2, signer, &err), 0);
	assert_string_equal(signer, g.provider);
	assert_int_equal(verify("v", "v.asc", NULL, 0, signer, &err), 0);
	assert_string_equal(signer, g.provider);
	for (i = 0; g.provider[i] != '\0'; i++)
		lower[i] = (char)(g.provider[i] >= 'A' && g.provider[i] <= 'F' ?
		    g.provider[i] - 'A' + 'a' : g.provider[i]);
	lower[i] = '\0';
	who[0] = lower;
	assert_int_equal(verify("v", "v.asc", who, 1, signer, &err), 0);
	assert_string_equal(signer, g.provider);

	/* ndx's own signature, round trip. */
	assert_int_equal(ndx_openpgp_sign(manifest, sizeof(manifest) - 1,
	    g.provider, g.pass, &sig, &siglen, &err), 0);
	who[0] = g.provider;
	assert_int_equal(ndx_openpgp_verify(manifest, sizeof(manifest) - 1,
	    sig, siglen, who, 1, signer, &err), 0);
	assert_string_equal(signer, g.provider);
	/* One byte less of data: bad. */
	assert_int_equal(ndx_openpgp_verify(manifest, sizeof(manifest) - 2,
	    sig, siglen, who, 1, signer, &err), NDX_EX_REJECTED);
	assert_non_null(strstr(err.msg, "bad signature"));
	free(sig);

	/* Tampered data. */
	put("v2", manifest, sizeof(manifest) - 1, 0600);
	assert_int_equal(sh("sed -i 's/a.csv/b.csv/' %s/v2", g.dir), 0);
	verify_refused("v2", "v.asc", g.provider, "bad signature");
	verify_refused("v2", "v.sig", NULL, "bad signature");
	/* By the stranger, when the provider is expected. */
	assert_int_equal(sh(GPG " -u %s -a -o %s/s.asc --detach-sign %s/v",
	    g.stranger, g.dir, g.dir), 0);
	snprintf(msg, sizeof(msg), "signed by %s, not one of the expected "
	    "signers", g.stranger);
	verify_refused("v", "s.asc", g.provider, msg);
	/* A key of the keyring that nobody certified: the list decides. */
	who[0] = g.outsider;
	assert_int_equal(verify("out.txt", "out.sig", who, 1, signer, &err),
	    0);
	assert_string_equal(signer, g.outsider);
	verify_refused("out.txt", "out.sig", g.provider,
	    "not one of the expected signers");
	/* A key not in the keyring at all. */
	snprintf(msg, sizeof(msg), "signed by a key not in the keyring (%s)",
	    g.unknown);
	verify_refused("out.txt", "unknown.sig", g.unknown, msg);
	verify_refused("out.txt", "unknown.sig", NULL, "not in the keyring");
	/* Expired, revoked. */
	verify_refused("old.txt", "old.sig", g.old, "expired");
	verify_refused("revoked.txt", "revoked.sig", g.revoked, "revoked");
	/* No signature: not OpenPGP, empty, or a signed message. */
	put("junk", "hello\n", 6, 0600);
	verify_refused("v", "junk", g.provider, "no signature");
	put("empty", "", 0, 0600);
	verify_refused("v", "empty", g.provider, "no signature");
	assert_int_equal(sh(GPG " --passphrase-file %s -u %s -a -o "
	    "%s/inline.asc --sign %s/v2", g.pass, g.provider, g.dir, g.dir),
	    0);
	verify_refused("v", "inline.asc", g.provider, "no signature");
	assert_int_equal(sh(GPG " --passphrase-file %s -u %s -o %s/clear.asc "
	    "--clearsign %s/v2", g.pass, g.provider, g.dir, g.dir), 0);
	verify_refused("v", "clear.asc", g.provider, "no signature");
	/* Signers that are not fingerprints: the caller's mistake, 78. */
	who[0] = "provider@ndx.test";
	assert_int_equal(verify("v", "v.asc", who, 1, signer, &err),
	    NDX_EX_CONFIG);
	assert_string_equal(signer, "");
	alarm(0);
}

/* A signing subkey: the primary fingerprint or the subkey's will do. */
static void
test_openpgp_verify_subkey(void **state)
{
	const char *who[1];
	struct ndx_error err;
	char signer[NDX_FPR_MAX + 1], *sig;
	size_t siglen;

	(void)state;
	alarm(60);
	assert_int_equal(ndx_openpgp_sign(manifest, sizeof(manifest) - 1,
	    g.sub, NULL, &sig, &siglen, &err), 0);
	put("sub.asc", sig, siglen, 0600);
	free(sig);
	put("sub", manifest, sizeof(manifest) - 1, 0600);
	/* Stock gpg says the subkey made it. */
	assert_int_equal(sh(GPG " --status-file %s/substatus --verify "
	    "%s/sub.asc %s/sub 2>/dev/null && grep -q 'VALIDSIG %s' "
	    "%s/substatus", g.dir, g.dir, g.dir, g.subkey, g.dir), 0);
	who[0] = g.sub;
	assert_int_equal(verify("sub", "sub.asc", who, 1, signer, &err), 0);
	assert_string_equal(signer, g.sub);
	who[0] = g.subkey;
	assert_int_equal(verify("sub", "sub.asc", who, 1, signer, &err), 0);
	assert_string_equal(signer, g.sub);
	verify_refused("sub", "sub.asc", g.provider,
	    "not one of the expected signers");
	alarm(0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openpgp_fpr_valid),
		cmocka_unit_test(test_openpgp_check_key),
		cmocka_unit_test(test_openpgp_encrypt),
		cmocka_unit_test(test_openpgp_decrypt),
		cmocka_unit_test(test_openpgp_sign),
		cmocka_unit_test(test_openpgp_sign_passphrase),
		cmocka_unit_test(test_openpgp_verify),
		cmocka_unit_test(test_openpgp_verify_subkey),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
