/*
 * Unit tests for ndx-fixtures' own pieces: the PRNG (published test
 * vectors, so that the sequence is the same on every machine), the time
 * window, the error rate, and the generator's determinism.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ndx/date.h"
#include "ndx/ndx.h"
#include "../../fixtures/fixtures.h"

static ndx_day
iso(const char *s)
{
	ndx_day d = 0;

	assert_int_equal(ndx_date_parse_iso(s, &d), NDX_DATE_OK);
	return d;
}

/* Vigna's splitmix64.c from state 0. */
static void
test_fixtures_splitmix64_vector(void **state)
{
	uint64_t x = 0;

	(void)state;
	assert_true(fx_splitmix64(&x) == 0xe220a8397b1dcdafULL);
	assert_true(fx_splitmix64(&x) == 0x6e789e6aa1b965f4ULL);
	assert_true(fx_splitmix64(&x) == 0x06c45d188009454fULL);
}

/* xoshiro256** from the state {1, 2, 3, 4}, as in the reference code. */
static void
test_fixtures_xoshiro_vector(void **state)
{
	struct fx_rng r = { { 1, 2, 3, 4 } };

	(void)state;
	assert_true(fx_rng_next(&r) == 11520ULL);
	assert_true(fx_rng_next(&r) == 0ULL);
	assert_true(fx_rng_next(&r) == 1509978240ULL);
	assert_true(fx_rng_next(&r) == 1215971899390074240ULL);
}

/* The seeding is pinned: a change here changes every data set. */
static void
test_fixtures_seed_pinned(void **state)
{
	struct fx_rng r;

	(void)state;
	fx_rng_seed(&r, 1, 0, 0);
	assert_true(fx_rng_next(&r) == 0x6082e9993631e7d5ULL);
	assert_true(fx_rng_next(&r) == 0xe9acc0d447272233ULL);
	assert_true(fx_rng_next(&r) == 0x05fef1147bb626b9ULL);
}

static void
test_fixtures_seed_streams(void **state)
{
	struct fx_rng a, b, c, d;
	uint64_t x, y;

	(void)state;
	fx_rng_seed(&a, 42, 7, 1);
	fx_rng_seed(&b, 42, 7, 1);
	fx_rng_seed(&c, 42, 8, 1);
	fx_rng_seed(&d, 42, 7, 2);
	for (int i = 0; i < 1000; i++) {
		x = fx_rng_next(&a);
		y = fx_rng_next(&b);
		assert_true(x == y);
	}
	assert_true(fx_rng_next(&c) != fx_rng_next(&d));
	fx_rng_seed(&a, 42, 7, 1);
	fx_rng_seed(&c, 43, 7, 1);
	assert_true(fx_rng_next(&a) != fx_rng_next(&c));
}

static void
test_fixtures_below_range(void **state)
{
	struct fx_rng r;
	int seen[7] = { 0 };
	int64_t v;

	(void)state;
	fx_rng_seed(&r, 3, 0, 0);
	for (int i = 0; i < 100; i++)
		assert_true(fx_rng_below(&r, 1) == 0);
	for (int i = 0; i < 7000; i++) {
		uint64_t x = fx_rng_below(&r, 7);

		assert_true(x < 7);
		seen[x]++;
	}
	/* Each of 7 values about 1000 times: far from 0 and from 7000. */
	for (int i = 0; i < 7; i++)
		assert_in_range(seen[i], 800, 1200);
	for (int i = 0; i < 1000; i++) {
		v = fx_rng_range(&r, -3, 3);
		assert_true(v >= -3 && v <= 3);
	}
	/* The largest n: no overflow in the rejection threshold. */
	(void)fx_rng_below(&r, UINT64_MAX);
	for (int i = 0; i < 1000; i++)
		assert_true(fx_rng_percent(&r, 0) == 0);
	for (int i = 0; i < 1000; i++)
		assert_true(fx_rng_percent(&r, 100) == 1);
}

static void
test_fixtures_pick_weights(void **state)
{
	static const struct fx_weight w[] = { { "a", 0 }, { "b", 3 },
		{ NULL, 1 }, { "d", 0 } };
	struct fx_rng r;
	int b = 0, none = 0;

	(void)state;
	fx_rng_seed(&r, 9, 0, 0);
	for (int i = 0; i < 4000; i++) {
		const char *p = FX_PICK(&r, w);

		if (p == NULL)
			none++;
		else if (strcmp(p, "b") == 0)
			b++;
		else
			fail_msg("picked %s, whose weight is 0", p);
	}
	assert_in_range(b, 2800, 3200);
	assert_int_equal(b + none, 4000);
}

static void
test_fixtures_fy_start(void **state)
{
	(void)state;
	assert_int_equal(fx_fy_start(iso("2026-03-31")), iso("2025-04-01"));
	assert_int_equal(fx_fy_start(iso("2026-04-01")), iso("2026-04-01"));
	assert_int_equal(fx_fy_start(iso("2026-10-31")), iso("2026-04-01"));
	assert_int_equal(fx_fy_start(iso("2027-01-01")), iso("2026-04-01"));
	assert_int_equal(fx_fy_start(iso("2024-02-29")), iso("2023-04-01"));
}

static void
test_fixtures_window_start(void **state)
{
	(void)state;
	assert_int_equal(fx_window_start(iso("2026-10-31")),
	    iso("2023-04-01"));
	assert_int_equal(fx_window_start(iso("2026-04-01")),
	    iso("2023-04-01"));
	assert_int_equal(fx_window_start(iso("2026-03-31")),
	    iso("2022-04-01"));
}

static void
test_fixtures_rate_valid(void **state)
{
	static const struct {
		const char *s;
		uint32_t ppm;
	} ok[] = {
		{ "0", 0 }, { "0.05", 50000 }, { ".05", 50000 },
		{ "5%", 50000 }, { "12.5%", 125000 }, { "1", 1000000 },
		{ "1.0", 1000000 }, { "100%", 1000000 }, { "0.000001", 1 },
		{ "0.0001%", 1 }, { "0%", 0 }, { "0.1", 100000 },
		{ "00.25", 250000 },
	};
	uint32_t ppm;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ppm = 12345;
		if (fx_parse_rate(ok[i].s, &ppm) != 0)
			fail_msg("'%s' refused", ok[i].s);
		if (ppm != ok[i].ppm)
			fail_msg("'%s' gave %u ppm, want %u", ok[i].s,
			    (unsigned)ppm, (unsigned)ok[i].ppm);
	}
}

static void
test_fixtures_rate_invalid(void **state)
{
	static const char *const bad[] = { "", ".", "%", "1.5", "101%",
		"1.000001", "abc", "0.0000001", "0.00001%", "5%%", "-0.1",
		"+0.1", "0.05 ", " 0.05", "0,05", "1e-2", "5.%", "0x1",
		"1000000000000000000000" };
	uint32_t ppm;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (fx_parse_rate(bad[i], &ppm) == 0)
			fail_msg("'%s' accepted as %u ppm", bad[i],
			    (unsigned)ppm);
}

/* A sink that hashes every row (FNV-1a) and checks every date. */
struct hash_sink {
	uint64_t h;
	ndx_day until;
	long long rows;
	int late;		/* a date after until */
};

static void
fnv(uint64_t *h, const char *s)
{
	for (; *s != '\0'; s++) {
		*h ^= (unsigned char)*s;
		*h *= 0x100000001b3ULL;
	}
	*h ^= 0xff;
	*h *= 0x100000001b3ULL;
}

static int
hash_row(void *arg, enum fx_table t, const char *const *v,
    struct ndx_error *err)
{
	struct hash_sink *k = arg;
	ndx_day d;

	(void)err;
	k->rows++;
	fnv(&k->h, fx_tables[t].name);
	for (size_t i = 0; i < fx_tables[t].ncols; i++) {
		fnv(&k->h, v[i] != NULL ? v[i] : "\\N");
		if (v[i] != NULL && ndx_date_parse_iso(v[i], &d) ==
		    NDX_DATE_OK && d > k->until)
			k->late = 1;
	}
	return 0;
}

static uint64_t
run_hash(uint64_t seed, long long clients, uint32_t ppm, FILE *list,
    struct fx_stats *st, int *late)
{
	struct fx_opts o;
	struct hash_sink k;
	struct fx_sink sink = { hash_row, &k };
	struct ndx_error err;

	memset(&o, 0, sizeof(o));
	o.seed = seed;
	o.clients = clients;
	o.until = iso("2026-10-31");
	o.error_ppm = ppm;
	memset(&k, 0, sizeof(k));
	k.h = 0xcbf29ce484222325ULL;
	k.until = o.until;
	assert_int_equal(fx_generate(&o, &sink, list, st, &err), 0);
	assert_int_equal(k.rows, st->rows[FX_AGENCY] + st->rows[FX_CLIENT] +
	    st->rows[FX_ADDRESS] + st->rows[FX_REFERRAL] +
	    st->rows[FX_EPISODE] + st->rows[FX_SUBSTANCE] + st->rows[FX_CJ] +
	    st->rows[FX_PRISON] + st->rows[FX_DISCHARGE] +
	    st->rows[FX_INTERVENTION]);
	if (late != NULL)
		*late = k.late;
	return k.h;
}

static void
test_fixtures_generate_deterministic(void **state)
{
	struct fx_stats a, b;
	int late = 1;

	(void)state;
	assert_true(run_hash(1, 500, 0, NULL, &a, &late) ==
	    run_hash(1, 500, 0, NULL, &b, NULL));
	assert_false(late);
	assert_int_equal(a.rows[FX_CLIENT], 500);
	assert_int_equal(a.rows[FX_EPISODE], b.rows[FX_EPISODE]);
	assert_true(a.rows[FX_EPISODE] >= 500 &&
	    a.rows[FX_EPISODE] <= 1500);
	assert_true(run_hash(1, 500, 0, NULL, &a, NULL) !=
	    run_hash(2, 500, 0, NULL, &b, NULL));
	assert_int_equal(run_hash(7, 10, 0, NULL, &a, NULL) != 0, 1);
	assert_int_equal(a.rows[FX_CLIENT], 10);
	assert_int_equal(a.injected, 0);
}

/*
 * Broken data is the clean data plus the injections: the errors come
 * from a stream of their own, so the row counts of the tables the
 * injections never add to stay the same.
 */
static void
test_fixtures_generate_errors(void **state)
{
	struct fx_stats clean, broken, all;
	char *buf = NULL;
	size_t len = 0;
	FILE *list;
	long lines = 0;

	(void)state;
	run_hash(5, 300, 0, NULL, &clean, NULL);
	list = open_memstream(&buf, &len);
	assert_non_null(list);
	run_hash(5, 300, 100000, list, &broken, NULL);
	fclose(list);
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	free(buf);
	assert_int_equal(lines, broken.injected);
	assert_true(broken.injected > 0);
	assert_int_equal(clean.rows[FX_CLIENT], broken.rows[FX_CLIENT]);
	assert_int_equal(clean.rows[FX_EPISODE], broken.rows[FX_EPISODE]);
	assert_int_equal(clean.rows[FX_REFERRAL], broken.rows[FX_REFERRAL]);
	/* At a rate of 1 every episode gets exactly one violation. */
	run_hash(5, 300, 1000000, NULL, &all, NULL);
	assert_int_equal(all.injected, all.rows[FX_EPISODE]);
	assert_int_equal(all.skipped_kinds, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_splitmix64_vector),
		cmocka_unit_test(test_fixtures_xoshiro_vector),
		cmocka_unit_test(test_fixtures_seed_pinned),
		cmocka_unit_test(test_fixtures_seed_streams),
		cmocka_unit_test(test_fixtures_below_range),
		cmocka_unit_test(test_fixtures_pick_weights),
		cmocka_unit_test(test_fixtures_fy_start),
		cmocka_unit_test(test_fixtures_window_start),
		cmocka_unit_test(test_fixtures_rate_valid),
		cmocka_unit_test(test_fixtures_rate_invalid),
		cmocka_unit_test(test_fixtures_generate_deterministic),
		cmocka_unit_test(test_fixtures_generate_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
