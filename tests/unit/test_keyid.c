/*
 * Unit tests for lib/keyid.c: the test vector of exchange.md §4, that the
 * id is the HMAC under the key (not a hash of the key, not of another
 * text), and that two keys get two ids.
 */
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
#include <unistd.h>

#include <cmocka.h>

#include "ndx/keyid.h"
#include "ndx/ndx.h"
#include "ndx/secret.h"

/* A key file of hex (64 digits) in a fresh temporary file, read back. */
static struct ndx_secret *
key_of(const char *hex)
{
	char path[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	struct ndx_secret *key;
	struct ndx_error err;
	int fd;

	snprintf(path, sizeof(path), "%s/ndx-keyid.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0600), 0);
	assert_int_equal(write(fd, hex, strlen(hex)), (ssize_t)strlen(hex));
	assert_int_equal(write(fd, "\n", 1), 1);
	assert_int_equal(close(fd), 0);
	memset(&err, 0, sizeof(err));
	key = ndx_key_read(path, &err);
	unlink(path);
	assert_non_null(key);
	return key;
}

static void
test_keyid_vector(void **state)
{
	struct ndx_secret *key;
	struct ndx_error err;
	char id[NDX_KEY_ID_HEX + 1];

	(void)state;
	/* exchange.md §4: the key 00 01 ... 1f, the same as python3's
	 * hmac.new(bytes(range(32)), b"ndx key id", "sha256"). */
	key = key_of("000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f");
	memset(&err, 0, sizeof(err));
	memset(id, 'x', sizeof(id));
	assert_int_equal(ndx_key_id(key, id, &err), 0);
	assert_string_equal(id, "e59ed32368831696");
	assert_int_equal(strlen(id), NDX_KEY_ID_HEX);
	ndx_secret_free(key);
}

static void
test_keyid_another_key(void **state)
{
	struct ndx_secret *key;
	struct ndx_error err;
	char id[NDX_KEY_ID_HEX + 1], again[NDX_KEY_ID_HEX + 1];

	(void)state;
	/* HMAC-SHA-256(ff * 32, "ndx key id"), by python3's hmac. */
	key = key_of("ffffffffffffffffffffffffffffffff"
	    "ffffffffffffffffffffffffffffffff");
	memset(&err, 0, sizeof(err));
	assert_int_equal(ndx_key_id(key, id, &err), 0);
	assert_string_equal(id, "c7ee399559ff0708");
	/* The same key, the same id: the keyed state is not consumed. */
	assert_int_equal(ndx_key_id(key, again, &err), 0);
	assert_string_equal(again, id);
	ndx_secret_free(key);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyid_vector),
		cmocka_unit_test(test_keyid_another_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
