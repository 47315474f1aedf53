/*
 * Unit tests for lib/secret.c: which secret files are refused and with
 * which exit code (mode, symbolic link, not a regular file, format), that
 * messages never show a key, that keygen makes a 0600 key and never
 * replaces a file, that secrets are read-only before a guard page, that
 * the process cannot dump core, and the keyed hash against RFC 4231.  Each
 * test works in a fresh temporary directory.
 */
#include <dirent.h>
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
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ndx/ndx.h"
#include "ndx/secret.h"

/* The key of dataset.md's test vector: bytes 00 01 ... 1f. */
#define VECTOR_HEX \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

struct fixture {
	char dir[PATH_MAX / 2];
	char key[PATH_MAX];	/* dir/key */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/ndx-secret.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->key, sizeof(f->key), "%s/key", f->dir);
	umask(022);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX * 2];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(f->dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", f->dir, de->d_name);
			if (unlink(p) != 0)
				rmdir(p);
		}
		closedir(d);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Writes content (len bytes) to path with exactly mode. */
static void
put(const char *path, const char *content, size_t len, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void
put_str(const char *path, const char *content, mode_t mode)
{
	put(path, content, strlen(content), mode);
}

/* ndx_key_read fails with code, and the message names the file. */
static void
key_refused(const char *path, int code, const char *says)
{
	struct ndx_error err;

	memset(&err, 0, sizeof(err));
	assert_null(ndx_key_read(path, &err));
	assert_int_equal(err.code, code);
	assert_string_equal(err.file, path);
	assert_non_null(strstr(err.msg, says));
}

static void
test_secret_key_read(void **state)
{
	struct fixture *f = *state;
	struct ndx_error err;
	struct ndx_secret *k;
	const unsigned char *b;
	size_t n;

	put_str(f->key, VECTOR_HEX "\n", 0600);
	k = ndx_key_read(f->key, &err);
	assert_non_null(k);
	b = ndx_secret_bytes(k, &n);
	assert_int_equal(n, NDX_KEY_BYTES);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(b[i], i);
	ndx_secret_free(k);

	/* Hexadecimal digits in capitals are digits too; 0400 is private. */
	put_str(f->key, "000102030405060708090A0B0C0D0E0F"
	    "101112131415161718191A1B1C1D1E1F\n", 0400);
	k = ndx_key_read(f->key, &err);
	assert_non_null(k);
	b = ndx_secret_bytes(k, &n);
	assert_int_equal(b[31], 0x1f);
	ndx_secret_free(k);
	ndx_secret_free(NULL);
}

static void
test_secret_mode_refused(void **state)
{
	struct fixture *f = *state;
	static const mode_t bad[] = { 0640, 0604, 0644, 0620, 0602, 0610,
	    0601, 0660, 0666, 0700 | 0044 };
	char want[PATH_MAX + 32];

	snprintf(want, sizeof(want), "chmod 600 %s", f->key);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char mode[16];

		put_str(f->key, VECTOR_HEX "\n", bad[i]);
		snprintf(mode, sizeof(mode), "mode %04o", (unsigned)bad[i]);
		key_refused(f->key, NDX_EX_NOPERM, want);
		key_refused(f->key, NDX_EX_NOPERM, mode);
	}
	/* Refused on the mode before the format is looked at. */
	put_str(f->key, "not a key", 0640);
	key_refused(f->key, NDX_EX_NOPERM, "chmod 600");
}

static void
test_secret_symlink_refused(void **state)
{
	struct fixture *f = *state;
	char link[PATH_MAX + 8];

	put_str(f->key, VECTOR_HEX "\n", 0600);
	snprintf(link, sizeof(link), "%s/link", f->dir);
	assert_int_equal(symlink(f->key, link), 0);
	key_refused(link, NDX_EX_CONFIG, "symbolic link");
}

static void
test_secret_not_regular(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX + 8];

	snprintf(p, sizeof(p), "%s/dir", f->dir);
	assert_int_equal(mkdir(p, 0700), 0);
	key_refused(p, NDX_EX_CONFIG, "not a regular file");
	/* A FIFO is refused at once, not waited on. */
	snprintf(p, sizeof(p), "%s/fifo", f->dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	key_refused(p, NDX_EX_CONFIG, "not a regular file");
	key_refused("/dev/null", NDX_EX_CONFIG, "not a regular file");
}

static void
test_secret_missing(void **state)
{
	struct fixture *f = *state;

	key_refused(f->key, NDX_EX_NOINPUT, "cannot open");
}

/* Every wrong shape is 78, and the message shows nothing of the file. */
static void
test_secret_key_format(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"",
		"\n",
		VECTOR_HEX,				/* no newline */
		VECTOR_HEX "\r\n",
		VECTOR_HEX "\n\n",
		VECTOR_HEX " \n",
		" " VECTOR_HEX "\n",
		VECTOR_HEX "00\n",			/* 33 bytes */
		VECTOR_HEX "\n" VECTOR_HEX "\n",
		"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d"
		    "1e1f\n",				/* 31 bytes */
		"0g0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d"
		    "1e1f\n",				/* not hex */
		"00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13\n",
		"00010203040506070809 0a0b0c0d0e0f101112131415161718191a1b1c1d"
		    "1e1f\n",
	};
	struct ndx_error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_str(f->key, bad[i], 0600);
		memset(&err, 0, sizeof(err));
		assert_null(ndx_key_read(f->key, &err));
		assert_int_equal(err.code, NDX_EX_CONFIG);
		assert_non_null(strstr(err.msg, "64 hexadecimal digits"));
		assert_null(strstr(err.msg, "0001"));
		assert_null(strstr(err.msg, "0g01"));
	}
	/* Longer than any key: refused without reading it all. */
	{
		char big[8192];

		memset(big, 'a', sizeof(big));
		put(f->key, big, sizeof(big), 0600);
		key_refused(f->key, NDX_EX_CONFIG, "too long");
	}
}

static int
is_lower_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int
hexval(int c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

static void
test_secret_keygen(void **state)
{
	struct fixture *f = *state;
	struct ndx_error err;
	struct ndx_secret *k;
	const unsigned char *b;
	char text[128], other[PATH_MAX + 8], text2[128];
	struct stat st;
	size_t n;
	FILE *fp;

	assert_int_equal(ndx_key_generate(f->key, &err), 0);
	assert_int_equal(lstat(f->key, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 65);

	/* The file: 64 lower-case hexadecimal digits and a newline. */
	fp = fopen(f->key, "r");
	assert_non_null(fp);
	n = fread(text, 1, sizeof(text), fp);
	fclose(fp);
	assert_int_equal(n, 65);
	assert_int_equal(text[64], '\n');
	for (size_t i = 0; i < 64; i++)
		assert_true(is_lower_hex(text[i]));

	/* ndx_key_read gives back the bytes the digits spell. */
	k = ndx_key_read(f->key, &err);
	assert_non_null(k);
	b = ndx_secret_bytes(k, &n);
	assert_int_equal(n, NDX_KEY_BYTES);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(b[i], hexval(text[2 * i]) * 16 +
		    hexval(text[2 * i + 1]));
	ndx_secret_free(k);

	/* A second key is another key. */
	snprintf(other, sizeof(other), "%s/other", f->dir);
	assert_int_equal(ndx_key_generate(other, &err), 0);
	fp = fopen(other, "r");
	assert_non_null(fp);
	assert_int_equal(fread(text2, 1, sizeof(text2), fp), 65);
	fclose(fp);
	assert_memory_not_equal(text, text2, 64);

	/* The mode is 0600 whatever the umask allows. */
	umask(0);
	snprintf(other, sizeof(other), "%s/open-umask", f->dir);
	assert_int_equal(ndx_key_generate(other, &err), 0);
	assert_int_equal(stat(other, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void
test_secret_keygen_never_overwrites(void **state)
{
	struct fixture *f = *state;
	struct ndx_error err;
	char link[PATH_MAX + 8], target[PATH_MAX + 8], buf[128];
	struct stat st;
	FILE *fp;

	put_str(f->key, "precious\n", 0600);
	assert_int_equal(ndx_key_generate(f->key, &err), -1);
	assert_int_equal(err.code, NDX_EX_CANTCREAT);
	assert_non_null(strstr(err.msg, "never overwrites"));
	fp = fopen(f->key, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_string_equal(buf, "precious\n");

	/* Nor through a symbolic link, even a dangling one. */
	snprintf(link, sizeof(link), "%s/link", f->dir);
	snprintf(target, sizeof(target), "%s/target", f->dir);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(ndx_key_generate(link, &err), -1);
	assert_int_equal(err.code, NDX_EX_CANTCREAT);
	assert_int_equal(lstat(target, &st), -1);

	/* A directory that does not exist: 73, nothing made. */
	snprintf(target, sizeof(target), "%s/no/key", f->dir);
	assert_int_equal(ndx_key_generate(target, &err), -1);
	assert_int_equal(err.code, NDX_EX_CANTCREAT);
}

/* The permissions ("r--p") of the mapping holding addr, from the kernel. */
static void
perms(const void *addr, char out[5])
{
	unsigned long lo, hi, a = (unsigned long)(uintptr_t)addr;
	char line[512];
	FILE *fp = fopen("/proc/self/maps", "r");

	assert_non_null(fp);
	strcpy(out, "none");
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, out) == 3 &&
		    lo <= a && a < hi)
			break;
		else
			strcpy(out, "none");
	fclose(fp);
}

/*
 * A loaded key is read-only, locked memory ends where it ends, and the
 * page after it is a guard page: an overrun faults instead of reading on.
 */
static void
test_secret_guarded(void **state)
{
	struct fixture *f = *state;
	struct ndx_error err;
	struct ndx_secret *k;
	const unsigned char *b;
	char p[5];
	size_t n;

	put_str(f->key, VECTOR_HEX "\n", 0600);
	k = ndx_key_read(f->key, &err);
	assert_non_null(k);
	b = ndx_secret_bytes(k, &n);
	perms(b, p);
	assert_string_equal(p, "r--p");
	perms(b + n, p);
	assert_string_equal(p, "---p");
	ndx_secret_free(k);
}

static void
test_secret_nodump(void **state)
{
	struct ndx_error err;
	struct rlimit rl;
	pid_t pid;
	int status;

	(void)state;
	/* In a child: this test program itself stays debuggable. */
	if ((pid = fork()) == 0) {
		if (ndx_secret_nodump(&err) != 0 ||
		    getrlimit(RLIMIT_CORE, &rl) != 0 || rl.rlim_cur != 0 ||
		    rl.rlim_max != 0 || prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
			_exit(1);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/*
 * RFC 4231 test case 2 (key "Jefe"), through a secret file of any content
 * read by ndx_secret_read: whole, in pieces, and again with the same state.
 */
static void
test_secret_mac_rfc4231(void **state)
{
	struct fixture *f = *state;
	static const char msg[] = "what do ya want for nothing?";
	static const char want[] = "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843";
	unsigned char h[NDX_MAC_BYTES];
	char got[2 * NDX_MAC_BYTES + 1];
	struct ndx_error err;
	struct ndx_secret *s;
	struct ndx_mac *m;

	put_str(f->key, "Jefe", 0600);
	s = ndx_secret_read(f->key, "passphrase", 64, &err);
	assert_non_null(s);
	m = ndx_mac_new(s, &err);
	assert_non_null(m);
	ndx_secret_free(s);	/* the MAC no longer needs it */

	ndx_mac_start(m);
	ndx_mac_update(m, msg, strlen(msg));
	ndx_mac_final(m, h);
	hex(h, sizeof(h), got);
	assert_string_equal(got, want);

	ndx_mac_start(m);
	ndx_mac_update(m, msg, 5);
	ndx_mac_update(m, msg + 5, strlen(msg) - 5);
	ndx_mac_final(m, h);
	hex(h, sizeof(h), got);
	assert_string_equal(got, want);
	ndx_mac_free(m);
	ndx_mac_free(NULL);

	/* The generic reader keeps its limit too. */
	assert_null(ndx_secret_read(f->key, "passphrase", 3, &err));
	assert_int_equal(err.code, NDX_EX_CONFIG);
	assert_non_null(strstr(err.msg, "passphrase"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_secret_key_read),
		T(test_secret_mode_refused),
		T(test_secret_symlink_refused),
		T(test_secret_not_regular),
		T(test_secret_missing),
		T(test_secret_key_format),
		T(test_secret_keygen),
		T(test_secret_keygen_never_overwrites),
		T(test_secret_guarded),
		T(test_secret_nodump),
		T(test_secret_mac_rfc4231),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
