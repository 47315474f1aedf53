/*
 * Unit tests for ndx-pseudonymise's pseudonyms (pseudonymise/client.c)
 * and the derivations of lib/derive.c: dataset.md's published test
 * vector, AGE_AT_TRIAGE, AGE_BAND at every boundary, PC_DISTRICT,
 * SUBSTANCE_GROUP as metrics.md defines it, and one client turned into
 * its pseudonymised form, identifiers gone.  The dataset is loaded from
 * schemas/ (NDX_DATADIR, set by tests/unit/run.sh).
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

#include <libxml/parser.h>

#include "ndx/arena.h"
#include "ndx/dataset.h"
#include "ndx/derive.h"
#include "ndx/model.h"
#include "ndx/ndx.h"
#include "ndx/secret.h"
#include "../../pseudonymise/pseudonymise.h"

/*
 * dataset.md §6 test vector: key = bytes 00 01 ... 1f, FINITIAL J,
 * SINITIAL S, DOB 1980-03-07, SEX M, message "client:JS19800307M".
 * Computed once with two implementations independent of libsodium, which
 * agree:
 *   python3 -c 'import hmac, hashlib; print(hmac.new(bytes(range(32)),
 *       b"client:JS19800307M", hashlib.sha256).hexdigest()[:32])'
 *   printf 'client:JS19800307M' | openssl dgst -sha256 -mac HMAC
 *       -macopt hexkey:000102...1e1f      (first 32 hex digits)
 * Full HMAC: 3e0ae1066e3bc064ce0fd70e2e9a1fab
 *            9b0907ab876adac56ed3627c9a0bfec4
 */
#define VECTOR_KEY \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
#define VECTOR_CLIENT "3e0ae1066e3bc064ce0fd70e2e9a1fab"
/* The same key, message "episode:N0852:EP-1", by the same python line. */
#define VECTOR_EPISODE "e73b2a161770419096fc52cf57b397e9"

struct fixture {
	struct ndx_dataset *ds;
	struct ndx_mac *mac;
	struct ndx_arena *arena;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	struct ndx_error err;
	struct ndx_secret *key;
	int fd;

	if (f == NULL)
		return -1;
	if ((f->ds = ndx_dataset_load(&err)) == NULL) {
		fprintf(stderr, "%s: %s\n", err.file, err.msg);
		return -1;
	}
	/* The key goes through a real key file, as the program reads it. */
	snprintf(path, sizeof(path), "%s/ndx-pseudo-key.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if ((fd = mkstemp(path)) < 0)
		return -1;
	if (write(fd, VECTOR_KEY, strlen(VECTOR_KEY)) !=
	    (ssize_t)strlen(VECTOR_KEY) || close(fd) != 0)
		return -1;
	key = ndx_key_read(path, &err);
	unlink(path);
	if (key == NULL)
		return -1;
	f->mac = ndx_mac_new(key, &err);
	ndx_secret_free(key);
	f->arena = arena_new();
	*state = f;
	return f->mac != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	ndx_mac_free(f->mac);
	ndx_dataset_free(f->ds);
	arena_free(f->arena);
	free(f);
	xmlCleanupParser();
	return 0;
}

static void
test_pseudonymise_vector(void **state)
{
	struct fixture *f = *state;
	char p[PSEUDONYM_SIZE], q[PSEUDONYM_SIZE];

	assert_int_equal(pseudonym_client(f->mac, "J", "S", "1980-03-07",
	    "M", p), 0);
	assert_string_equal(p, VECTOR_CLIENT);
	/* Initials are upper-cased first: the same person. */
	assert_int_equal(pseudonym_client(f->mac, "j", "s", "1980-03-07",
	    "M", q), 0);
	assert_string_equal(q, VECTOR_CLIENT);
	assert_int_equal(pseudonym_episode(f->mac, "N0852", "EP-1", p), 0);
	assert_string_equal(p, VECTOR_EPISODE);
}

/* Any item changed makes another person. */
static void
test_pseudonymise_distinct(void **state)
{
	struct fixture *f = *state;
	static const char *const other[][4] = {
		{ "S", "J", "1980-03-07", "M" },	/* initials swapped */
		{ "J", "T", "1980-03-07", "M" },
		{ "J", "S", "1980-03-08", "M" },
		{ "J", "S", "1980-07-03", "M" },	/* day and month */
		{ "J", "S", "1980-03-07", "F" },
	};
	char p[PSEUDONYM_SIZE];

	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		assert_int_equal(pseudonym_client(f->mac, other[i][0],
		    other[i][1], other[i][2], other[i][3], p), 0);
		assert_int_equal(strlen(p), 32);
		assert_string_not_equal(p, VECTOR_CLIENT);
	}
	/* The episode pseudonym depends on the agency too. */
	assert_int_equal(pseudonym_episode(f->mac, "N1234", "EP-1", p), 0);
	assert_string_not_equal(p, VECTOR_EPISODE);
	/* Not a date, or an item missing: no pseudonym. */
	assert_int_equal(pseudonym_client(f->mac, "J", "S", "1980-02-30",
	    "M", p), -1);
	assert_int_equal(pseudonym_client(f->mac, "J", "S", "07/03/1980",
	    "M", p), -1);
	assert_int_equal(pseudonym_client(f->mac, NULL, "S", "1980-03-07",
	    "M", p), -1);
	assert_int_equal(pseudonym_episode(f->mac, "N0852", NULL, p), -1);
}

static void
test_pseudonymise_age_band(void **state)
{
	struct fixture *f = *state;
	static const struct {
		int age;
		const char *band;
	} want[] = {
		{ -1, NULL }, { 0, NULL }, { 17, NULL },
		{ 18, "18-24" }, { 24, "18-24" }, { 25, "25-29" },
		{ 29, "25-29" }, { 30, "30-34" }, { 34, "30-34" },
		{ 35, "35-39" }, { 39, "35-39" }, { 40, "40-44" },
		{ 44, "40-44" }, { 45, "45-49" }, { 49, "45-49" },
		{ 50, "50-54" }, { 54, "50-54" }, { 55, "55-64" },
		{ 64, "55-64" }, { 65, "65+" }, { 101, "65+" },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *got = ndx_age_band(f->ds, want[i].age);

		if (want[i].band == NULL)
			assert_null(got);
		else
			assert_string_equal(got, want[i].band);
	}
}

/* A client with one episode, items set from name=value pairs. */
static struct ndx_client *
client(struct ndx_arena *a, const char *const *kv)
{
	struct ndx_client *c = arena_alloc(a, sizeof(*c));
	struct ndx_episode *e;

	memset(c, 0, sizeof(*c));
	c->xml_line = 3;
	e = ndx_client_add_episode(a, c);
	e->xml_line = 15;
	ndx_episode_add_intervention(a, e);
	for (; *kv != NULL; kv += 2) {
		int item = ndx_item_lookup(kv[0]);

		assert_true(item >= 0);
		ndx_row_set(a, c, e, NULL, item, kv[1], 0);
	}
	return c;
}

static const char *const valid[] = {
	"AGNCY", "N0852", "CLIENTID", "C1", "FINITIAL", "J", "SINITIAL", "S",
	"DOB", "1980-03-07", "SEX", "M", "ETHNIC", "A", "LA", "E06000002",
	"PC", "TS1 3QY", "CONSENT", "Y", "EPISODID", "EP-1",
	"REFLD", "2026-07-01", "TRIAGED", "2026-07-03", "RFLS", "4",
	"DRUG1", "1011", "DRUG2", "3201", NULL
};

static void
test_pseudonymise_age_at_triage(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *dob, *triaged;
		int age;
	} want[] = {
		{ "1980-03-07", "2004-03-06", 23 },
		{ "1980-03-07", "2004-03-07", 24 },	/* on the birthday */
		{ "2000-02-29", "2018-02-28", 17 },
		{ "2000-02-29", "2018-03-01", 18 },
		{ "1980-03-07", "1979-03-07", -1 },	/* before birth */
	};
	struct ndx_client *c = client(f->arena, valid);
	int age;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		NDX_C(c, NDX_DOB) = want[i].dob;
		NDX_E(&c->ep[0], NDX_TRIAGED) = want[i].triaged;
		assert_int_equal(ndx_age_at_triage(c, &c->ep[0], &age), 0);
		assert_int_equal(age, want[i].age);
	}
	/* A raw date is never a date, even one shaped like it. */
	ndx_row_set(f->arena, c, NULL, NULL, NDX_DOB, "1980-03-07", 1);
	assert_int_equal(ndx_age_at_triage(c, &c->ep[0], &age), -1);
	NDX_C(c, NDX_DOB) = "1980-03-07";
	c->raw = 0;
	NDX_E(&c->ep[0], NDX_TRIAGED) = NULL;
	assert_int_equal(ndx_age_at_triage(c, &c->ep[0], &age), -1);
	NDX_E(&c->ep[0], NDX_TRIAGED) = "2026-02-30";
	assert_int_equal(ndx_age_at_triage(c, &c->ep[0], &age), -1);
}

static void
test_pseudonymise_pc_district(void **state)
{
	static const struct {
		const char *pc;
		int rc;
		const char *district;
	} want[] = {
		{ "TS1 3QY", 1, "TS1" },
		{ "EC1A 1BB", 1, "EC1A" },
		{ "TS18 2AB", 1, "TS18" },
		{ "M1 1AE", 1, "M1" },
		{ "GIR 0AA", 1, "GIR" },
		{ "ZZ99 3VZ", 0, NULL },	/* no fixed abode */
		{ NULL, 0, NULL },
		{ "TS13QY", -1, NULL },
		{ "TS1 ", -1, NULL },
		{ "ABCDE 1AA", -1, NULL },
		{ " 1AA", -1, NULL },
	};
	char out[NDX_PC_DISTRICT_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(ndx_pc_district(want[i].pc, out), want[i].rc);
		if (want[i].rc == 1)
			assert_string_equal(out, want[i].district);
	}
}

static void
test_pseudonymise_substance_group(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *d1, *d2, *d3, *group;
	} want[] = {
		{ "1011", NULL, NULL, "opiate" },
		{ "3201", "1105", NULL, "opiate" },
		{ "7000", "5000", "1000", "opiate" },
		{ "7000", NULL, NULL, "alcohol_only" },
		{ "7000", "3200", NULL, "non_opiate_and_alcohol" },
		{ "9010", "7000", NULL, "non_opiate_and_alcohol" },
		{ "5000", NULL, NULL, "non_opiate_only" },
		{ "3201", "5000", "2200", "non_opiate_only" },
	};
	struct ndx_episode e;
	unsigned seen;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		memset(&e, 0, sizeof(e));
		NDX_E(&e, NDX_DRUG1) = want[i].d1;
		NDX_E(&e, NDX_DRUG2) = want[i].d2;
		NDX_E(&e, NDX_DRUG3) = want[i].d3;
		seen = 0;
		assert_int_equal(ndx_substances_add(f->ds, &e, &seen), 0);
		assert_string_equal(ndx_substance_group(seen), want[i].group);
	}
	/* Over a set of episodes: alcohol in one, cannabis in another. */
	seen = 0;
	memset(&e, 0, sizeof(e));
	NDX_E(&e, NDX_DRUG1) = "7000";
	assert_int_equal(ndx_substances_add(f->ds, &e, &seen), 0);
	assert_string_equal(ndx_substance_group(seen), "alcohol_only");
	NDX_E(&e, NDX_DRUG1) = "5000";
	assert_int_equal(ndx_substances_add(f->ds, &e, &seen), 0);
	assert_string_equal(ndx_substance_group(seen),
	    "non_opiate_and_alcohol");
	/* Nothing seen, or a code outside the dataset. */
	assert_null(ndx_substance_group(0));
	NDX_E(&e, NDX_DRUG1) = "9999";
	assert_int_equal(ndx_substances_add(f->ds, &e, &seen), -1);
}

static void
test_pseudonymise_client(void **state)
{
	struct fixture *f = *state;
	struct ndx_client *c = client(f->arena, valid);
	struct pseudo_ctx x = { f->mac, f->ds, f->arena, "in.xml" };
	struct ndx_episode *e = &c->ep[0];
	struct ndx_error err;

	assert_int_equal(pseudonymise_client(&x, c, &err), 0);
	assert_string_equal(NDX_C(c, NDX_PSEUDO_CLIENT), VECTOR_CLIENT);
	assert_string_equal(NDX_C(c, NDX_PC_DISTRICT), "TS1");
	assert_string_equal(NDX_E(e, NDX_PSEUDO_EPISODE), VECTOR_EPISODE);
	assert_string_equal(NDX_E(e, NDX_AGE_AT_TRIAGE), "46");
	assert_string_equal(NDX_E(e, NDX_AGE_BAND), "45-49");
	assert_string_equal(NDX_E(e, NDX_SUBSTANCE_GROUP), "opiate");
	/* Identifiers removed; the rest kept. */
	for (int k = NDX_CLIENT_FIRST; k < NDX_EPISODE_FIRST; k++)
		if (ndx_items[k].identifying)
			assert_null(c->v[k - NDX_CLIENT_FIRST]);
	assert_null(NDX_E(e, NDX_EPISODID));
	assert_string_equal(NDX_C(c, NDX_AGNCY), "N0852");
	assert_string_equal(NDX_C(c, NDX_SEX), "M");
	assert_string_equal(NDX_E(e, NDX_TRIAGED), "2026-07-03");

	/* No fixed abode: no district. */
	c = client(f->arena, valid);
	NDX_C(c, NDX_PC) = NDX_PC_NO_FIXED_ABODE;
	assert_int_equal(pseudonymise_client(&x, c, &err), 0);
	assert_null(NDX_C(c, NDX_PC_DISTRICT));
}

/* 65 naming the record by line, agency and episode; never identifiers. */
static void
refused(struct fixture *f, struct ndx_client *c, long line, const char *says)
{
	struct pseudo_ctx x = { f->mac, f->ds, f->arena, "in.xml" };
	struct ndx_error err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(pseudonymise_client(&x, c, &err), -1);
	assert_int_equal(err.code, NDX_EX_DATAERR);
	assert_string_equal(err.file, "in.xml");
	assert_int_equal(err.line, line);
	assert_non_null(strstr(err.msg, says));
	assert_non_null(strstr(err.msg, "ndx-validate"));
	assert_null(strstr(err.msg, "C1"));
	assert_null(strstr(err.msg, "1980"));
	assert_null(strstr(err.msg, "TS1"));
}

static void
test_pseudonymise_refused(void **state)
{
	struct fixture *f = *state;
	struct ndx_client *c;

	c = client(f->arena, valid);
	ndx_row_set(f->arena, c, NULL, NULL, NDX_DOB, "1980-03-07", 1);
	refused(f, c, 3, "DOB is not a date");

	c = client(f->arena, valid);
	NDX_C(c, NDX_DOB) = "1980-02-30";
	refused(f, c, 3, "DOB is not a date");

	c = client(f->arena, valid);
	NDX_E(&c->ep[0], NDX_TRIAGED) = "2026-13-01";
	refused(f, c, 15, "N0852/EP-1: TRIAGED");

	c = client(f->arena, valid);
	NDX_C(c, NDX_DOB) = "2010-01-01";
	refused(f, c, 15, "rule R010");

	c = client(f->arena, valid);
	NDX_E(&c->ep[0], NDX_DRUG1) = "1234";
	refused(f, c, 15, "DRUG1");

	c = client(f->arena, valid);
	NDX_C(c, NDX_PC) = "TS13QY";
	refused(f, c, 3, "PC is not a postcode");

	c = client(f->arena, valid);
	ndx_row_set(f->arena, c, &c->ep[0], &c->ep[0].iv[0], NDX_MODST,
	    "5 July", 1);
	refused(f, c, 15, "intervention date");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pseudonymise_vector),
		cmocka_unit_test(test_pseudonymise_distinct),
		cmocka_unit_test(test_pseudonymise_age_band),
		cmocka_unit_test(test_pseudonymise_age_at_triage),
		cmocka_unit_test(test_pseudonymise_pc_district),
		cmocka_unit_test(test_pseudonymise_substance_group),
		cmocka_unit_test(test_pseudonymise_client),
		cmocka_unit_test(test_pseudonymise_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
