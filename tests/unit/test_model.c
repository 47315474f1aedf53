/*
 * Unit tests for lib/model.c: the item table, the CSV and Public Health
 * layouts, row access with raw bits, and growing children in an arena.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ndx/arena.h"
#include "ndx/model.h"

/* The header line of dataset.md §1 (shared/spec/example.csv). */
static const char csv_header[] =
    "AGNCY,CLIENTID,FINITIAL,SINITIAL,DOB,SEX,ETHNIC,NATION,LA,PC,CONSENT,"
    "EPISODID,REFLD,TRIAGED,RFLS,DRUG1,DRUG2,DRUG3,ROUTE,INJSTAT,ACCMNEED,"
    "EMPSTAT,PRNTSTAT,PREGNANT,CJORDER,PRISREL,DISD,DISRSN,MODID,MODAL,"
    "MODSET,REFMODDT,MODST,MODEND,MODEXIT";

/* dataset.md §6. */
static const char public_header[] =
    "PSEUDO_CLIENT,PSEUDO_EPISODE,AGNCY,AGE_AT_TRIAGE,AGE_BAND,SEX,ETHNIC,"
    "LA,PC_DISTRICT,REFLD,TRIAGED,RFLS,DRUG1,DRUG2,DRUG3,SUBSTANCE_GROUP,"
    "ROUTE,INJSTAT,ACCMNEED,EMPSTAT,PRNTSTAT,CJORDER,PRISREL,DISD,DISRSN,"
    "MODID,MODAL,MODSET,REFMODDT,MODST,MODEND,MODEXIT";

static int
setup(void **state)
{
	*state = arena_new();
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	arena_free(*state);
	return 0;
}

static void
test_model_levels_contiguous(void **state)
{
	(void)state;
	assert_int_equal(NDX_CLIENT_FIRST, 0);
	assert_true(NDX_CLIENT_FIRST < NDX_EPISODE_FIRST);
	assert_true(NDX_EPISODE_FIRST < NDX_INTERVENTION_FIRST);
	assert_true(NDX_INTERVENTION_FIRST < NDX_TOP_FIRST);
	assert_true(NDX_TOP_FIRST < NDX_NITEMS);
	assert_int_equal(NDX_NCLIENT + NDX_NEPISODE + NDX_NINTERVENTION +
	    NDX_NTOP, NDX_NITEMS);
	assert_int_equal(NDX_NTOP, 24);
	for (int i = 0; i < NDX_NITEMS; i++) {
		enum ndx_level want = i < NDX_EPISODE_FIRST ?
		    NDX_LEVEL_CLIENT : i < NDX_INTERVENTION_FIRST ?
		    NDX_LEVEL_EPISODE : i < NDX_TOP_FIRST ?
		    NDX_LEVEL_INTERVENTION : NDX_LEVEL_TOP;

		if (ndx_items[i].code == NULL)
			fail_msg("item %d has no code", i);
		if (ndx_items[i].level != want)
			fail_msg("%s is outside its level's range",
			    ndx_items[i].code);
	}
	/* Raw bits fit in 64. */
	assert_true(NDX_NCLIENT <= 64);
	assert_true(NDX_NEPISODE <= 64);
	assert_true(NDX_NINTERVENTION <= 64);
	assert_true(NDX_NTOP <= 64);
	/* Version 2 brought the TOP items, and only those. */
	for (int i = 0; i < NDX_NITEMS; i++)
		assert_int_equal(ndx_items[i].v2, i >= NDX_TOP_FIRST);
	assert_string_equal(ndx_items[NDX_TOP_FIRST].code, "TOPID");
	assert_string_equal(ndx_items[NDX_NITEMS - 1].code, "HRISK");
	assert_string_equal(ndx_items[NDX_CLIENT_FIRST].code, "AGNCY");
	assert_string_equal(ndx_items[NDX_EPISODE_FIRST].code, "EPISODID");
	assert_string_equal(ndx_items[NDX_INTERVENTION_FIRST].code, "MODID");
}

static void
test_model_item_lookup(void **state)
{
	(void)state;
	for (int i = 0; i < NDX_NITEMS; i++) {
		/* Codes are unique: lookup finds the item itself. */
		assert_int_equal(ndx_item_lookup(ndx_items[i].code), i);
		for (const char *p = ndx_items[i].code; *p != '\0'; p++)
			assert_true((*p >= 'A' && *p <= 'Z') || *p == '_' ||
			    (*p >= '0' && *p <= '9'));
	}
	assert_int_equal(ndx_item_lookup("DRUG2"), NDX_DRUG2);
	assert_int_equal(ndx_item_lookup("nope"), -1);
	assert_int_equal(ndx_item_lookup(""), -1);
	assert_int_equal(ndx_item_lookup("agncy"), -1);
	assert_int_equal(ndx_item_lookup("AGNCY "), -1);
}

static void
test_model_item_flags(void **state)
{
	static const enum ndx_item dates[] = { NDX_DOB, NDX_REFLD,
		NDX_TRIAGED, NDX_PRISREL, NDX_DISD, NDX_REFMODDT, NDX_MODST,
		NDX_MODEND, NDX_TOPDATE };
	static const enum ndx_item ident[] = { NDX_CLIENTID, NDX_FINITIAL,
		NDX_SINITIAL, NDX_DOB, NDX_PC };
	static const enum ndx_item pseudo[] = { NDX_PSEUDO_CLIENT,
		NDX_PC_DISTRICT, NDX_PSEUDO_EPISODE, NDX_AGE_AT_TRIAGE,
		NDX_AGE_BAND, NDX_SUBSTANCE_GROUP };
	int ndates = 0, nident = 0, npseudo = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++)
		assert_true(ndx_items[dates[i]].is_date);
	for (size_t i = 0; i < sizeof(ident) / sizeof(ident[0]); i++)
		assert_true(ndx_items[ident[i]].identifying);
	for (size_t i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++) {
		assert_true(ndx_items[pseudo[i]].pseudo);
		assert_false(ndx_items[pseudo[i]].identifying);
	}
	for (int i = 0; i < NDX_NITEMS; i++) {
		ndates += ndx_items[i].is_date;
		nident += ndx_items[i].identifying;
		npseudo += ndx_items[i].pseudo;
	}
	assert_int_equal(ndates, 9);
	assert_int_equal(nident, 5);
	assert_int_equal(npseudo, 6);
}

/* Joins a layout's codes with commas. */
static void
layout_text(const enum ndx_item *layout, size_t n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		assert_true(layout[i] >= 0 && layout[i] < NDX_NITEMS);
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    i ? "," : "", ndx_items[layout[i]].code);
		assert_true(len < size);
	}
}

static void
test_model_csv_layout(void **state)
{
	char buf[1024];
	int seen[NDX_NITEMS] = { 0 };

	(void)state;
	assert_int_equal(ndx_layout_csv_n, 35);
	layout_text(ndx_layout_csv, ndx_layout_csv_n, buf, sizeof(buf));
	assert_string_equal(buf, csv_header);
	/* Every item of the identifiable form exactly once, in XSD order. */
	for (size_t i = 0; i < ndx_layout_csv_n; i++) {
		seen[ndx_layout_csv[i]]++;
		if (i > 0)
			assert_true(ndx_layout_csv[i - 1] < ndx_layout_csv[i]);
	}
	for (int i = 0; i < NDX_NITEMS; i++)
		assert_int_equal(seen[i], ndx_items[i].pseudo ||
		    ndx_items[i].v2 ? 0 : 1);
	/* Version 2: version 1's, then every TOP item in order. */
	assert_int_equal(ndx_layout_csv_len(1), 35);
	assert_int_equal(ndx_layout_csv_len(2), 35 + NDX_NTOP);
	for (size_t i = 0; i < NDX_NTOP; i++)
		assert_int_equal(ndx_layout_csv[35 + i], NDX_TOP_FIRST +
		    (int)i);
}

/* Each item of the identifiable form has a bit of its own. */
static void
test_model_item_bit(void **state)
{
	uint64_t all = 0;

	(void)state;
	for (int i = 0; i < NDX_NITEMS; i++) {
		uint64_t b = ndx_item_bit((enum ndx_item)i);

		if (ndx_items[i].pseudo) {
			assert_true(b == 0);
			continue;
		}
		assert_true(b != 0 && (b & (b - 1)) == 0);
		assert_true((all & b) == 0);
		all |= b;
	}
}

static void
test_model_public_layout(void **state)
{
	char buf[1024];
	int seen[NDX_NITEMS] = { 0 };

	(void)state;
	assert_int_equal(ndx_layout_public_n, 32);
	layout_text(ndx_layout_public, ndx_layout_public_n, buf, sizeof(buf));
	assert_string_equal(buf, public_header);
	for (size_t i = 0; i < ndx_layout_public_n; i++) {
		enum ndx_item it = ndx_layout_public[i];

		assert_false(ndx_items[it].identifying);
		assert_int_equal(seen[it]++, 0);
	}
	for (int i = 0; i < NDX_NITEMS; i++)
		if (ndx_items[i].pseudo)
			assert_int_equal(seen[i], 1);
	/* Version 2: TOPDATE, TRSTAGE and the 21 answers; no TOPID. */
	assert_int_equal(ndx_layout_public_len(2), 32 + 23);
	for (size_t i = ndx_layout_public_n; i < ndx_layout_public_len(2);
	    i++)
		assert_int_equal(ndx_items[ndx_layout_public[i]].level,
		    NDX_LEVEL_TOP);
	assert_int_equal(ndx_layout_public[ndx_layout_public_n], NDX_TOPDATE);
}

static void
test_model_row_set_and_raw(void **state)
{
	struct ndx_arena *a = *state;
	struct ndx_client c;
	struct ndx_episode e;
	struct ndx_intervention iv;
	char value[32];

	memset(&c, 0, sizeof(c));
	memset(&e, 0, sizeof(e));
	memset(&iv, 0, sizeof(iv));
	for (int i = 0; i < NDX_NITEMS; i++) {
		snprintf(value, sizeof(value), "v%d", i);
		ndx_row_set(a, &c, &e, &iv, (enum ndx_item)i, value, i % 3 == 0);
	}
	/* Copied: changing the source changes nothing. */
	memset(value, 'x', sizeof(value) - 1);
	for (int i = 0; i < NDX_NITEMS; i++) {
		const char *v = ndx_row_value(&c, &e, &iv, (enum ndx_item)i);

		snprintf(value, sizeof(value), "v%d", i);
		assert_non_null(v);
		assert_string_equal(v, value);
		assert_int_equal(ndx_row_is_raw(&c, &e, &iv, (enum ndx_item)i),
		    i % 3 == 0);
	}
	/* The level's own array holds the value. */
	assert_string_equal(NDX_C(&c, NDX_DOB), "v4");
	assert_string_equal(NDX_E(&e, NDX_DISD), "v32");
	assert_string_equal(NDX_I(&iv, NDX_MODEXIT), "v40");
	assert_int_equal(c.raw & 1, 1);			/* AGNCY, 0 % 3 */
	assert_int_equal(c.raw >> (NDX_DOB - NDX_CLIENT_FIRST) & 1, 0);

	/* Clearing the raw bit, and empty meaning absent. */
	ndx_row_set(a, &c, &e, &iv, NDX_AGNCY, "N0852", 0);
	assert_false(ndx_row_is_raw(&c, &e, &iv, NDX_AGNCY));
	ndx_row_set(a, &c, &e, &iv, NDX_REFLD, "31/02/2026", 1);
	assert_true(ndx_row_is_raw(&c, &e, &iv, NDX_REFLD));
	ndx_row_set(a, &c, &e, &iv, NDX_REFLD, "", 1);
	assert_null(ndx_row_value(&c, &e, &iv, NDX_REFLD));
	assert_false(ndx_row_is_raw(&c, &e, &iv, NDX_REFLD));
	ndx_row_set(a, &c, &e, &iv, NDX_MODST, "2026", 1);
	ndx_row_set(a, &c, &e, &iv, NDX_MODST, NULL, 1);
	assert_null(NDX_I(&iv, NDX_MODST));
	assert_false(ndx_row_is_raw(&c, &e, &iv, NDX_MODST));
	/* Other bits untouched. */
	assert_false(ndx_row_is_raw(&c, &e, &iv, NDX_MODID));	/* 34 */
	assert_true(ndx_row_is_raw(&c, &e, &iv, NDX_MODSET));	/* 36 */
	assert_string_equal(ndx_row_value(&c, &e, &iv, NDX_MODSET), "v36");
}

/* A missing level reads as absent, never raw. */
static void
test_model_row_missing_levels(void **state)
{
	struct ndx_arena *a = *state;
	struct ndx_client c;

	memset(&c, 0, sizeof(c));
	ndx_row_set(a, &c, NULL, NULL, NDX_CLIENTID, "C1", 1);
	assert_string_equal(ndx_row_value(&c, NULL, NULL, NDX_CLIENTID), "C1");
	assert_true(ndx_row_is_raw(&c, NULL, NULL, NDX_CLIENTID));
	assert_null(ndx_row_value(&c, NULL, NULL, NDX_EPISODID));
	assert_null(ndx_row_value(&c, NULL, NULL, NDX_MODID));
	assert_null(ndx_row_value(NULL, NULL, NULL, NDX_AGNCY));
	assert_false(ndx_row_is_raw(NULL, NULL, NULL, NDX_AGNCY));
	assert_false(ndx_row_is_raw(&c, NULL, NULL, NDX_DISD));
	assert_false(ndx_row_is_raw(&c, NULL, NULL, NDX_MODEND));
}

/* Children grow by copying; earlier children keep their values. */
static void
test_model_growth_keeps_values(void **state)
{
	struct ndx_arena *a = *state;
	struct ndx_client c;
	char v[64];

	memset(&c, 0, sizeof(c));
	for (int i = 0; i < 100; i++) {
		struct ndx_episode *e = ndx_client_add_episode(a, &c);

		assert_non_null(e);
		assert_int_equal(c.nep, (size_t)i + 1);
		assert_true(c.epcap >= c.nep);
		assert_ptr_equal(e, &c.ep[i]);
		/* New children start empty. */
		assert_int_equal(e->niv, 0);
		assert_int_equal(e->raw, 0);
		for (int k = 0; k < NDX_NEPISODE; k++)
			assert_null(e->v[k]);
		snprintf(v, sizeof(v), "EP-%d", i);
		ndx_row_set(a, &c, e, NULL, NDX_EPISODID, v, 0);
		ndx_row_set(a, &c, e, NULL, NDX_REFLD, "bad", i % 2);
		e->xml_line = 1000 + i;
		for (int j = 0; j < i % 13; j++) {
			struct ndx_intervention *iv =
			    ndx_episode_add_intervention(a, e);

			assert_ptr_equal(iv, &e->iv[j]);
			assert_true(ndx_intervention_is_empty(iv));
			assert_int_equal(iv->line, 0);
			snprintf(v, sizeof(v), "M%d.%d", i, j);
			ndx_row_set(a, &c, e, iv, NDX_MODID, v, j % 2);
			iv->line = j + 2;
			assert_false(ndx_intervention_is_empty(iv));
		}
	}
	for (int i = 0; i < 100; i++) {
		const struct ndx_episode *e = &c.ep[i];

		snprintf(v, sizeof(v), "EP-%d", i);
		assert_string_equal(NDX_E(e, NDX_EPISODID), v);
		assert_int_equal(ndx_row_is_raw(&c, e, NULL, NDX_REFLD), i % 2);
		assert_int_equal(e->xml_line, 1000 + i);
		assert_int_equal(e->niv, (size_t)(i % 13));
		for (size_t j = 0; j < e->niv; j++) {
			snprintf(v, sizeof(v), "M%d.%zu", i, j);
			assert_string_equal(NDX_I(&e->iv[j], NDX_MODID), v);
			assert_int_equal(ndx_row_is_raw(&c, e, &e->iv[j],
			    NDX_MODID), (int)(j % 2));
			assert_int_equal(e->iv[j].line, (long)j + 2);
		}
	}
}

static void
test_model_intervention_is_empty(void **state)
{
	struct ndx_arena *a = *state;
	struct ndx_intervention iv;

	memset(&iv, 0, sizeof(iv));
	assert_true(ndx_intervention_is_empty(&iv));
	/* Line numbers and raw bits are not items. */
	iv.line = 7;
	assert_true(ndx_intervention_is_empty(&iv));
	ndx_row_set(a, NULL, NULL, &iv, NDX_MODEXIT, "A", 0);
	assert_false(ndx_intervention_is_empty(&iv));
	ndx_row_set(a, NULL, NULL, &iv, NDX_MODEXIT, "", 0);
	assert_true(ndx_intervention_is_empty(&iv));
}

/*
 * The next part of a client in parts: its items copied into the spare
 * arena, none of its episodes, NDX_PART_CONT; the arena that held the
 * part is reset and the two swap.
 */
static void
test_model_next_part(void **state)
{
	struct ndx_arena *a = *state, *spare = arena_new();
	struct ndx_arena *was_a = a, *was_spare = spare;
	struct ndx_client *c = arena_alloc(a, sizeof(*c)), *next;

	memset(c, 0, sizeof(*c));
	c->xml_line = 3;
	c->raw = 1u << (NDX_DOB - NDX_CLIENT_FIRST);
	c->part = NDX_PART_MORE;
	ndx_row_set(a, c, NULL, NULL, NDX_CLIENTID, "C1", 0);
	ndx_row_set(a, c, NULL, NULL, NDX_DOB, "07/03/1980", 1);
	ndx_client_add_episode(a, c);
	next = ndx_client_next_part(c, &a, &spare);
	assert_ptr_equal(a, was_spare);
	assert_ptr_equal(spare, was_a);
	assert_int_equal(next->part, NDX_PART_CONT);
	assert_int_equal(next->nep, 0);
	assert_int_equal(next->xml_line, 3);
	assert_true(ndx_row_is_raw(next, NULL, NULL, NDX_DOB));
	assert_string_equal(NDX_C(next, NDX_CLIENTID), "C1");
	assert_string_equal(NDX_C(next, NDX_DOB), "07/03/1980");
	assert_null(NDX_C(next, NDX_SEX));
	*state = a;
	arena_free(spare);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_model_levels_contiguous),
		T(test_model_item_lookup),
		T(test_model_item_flags),
		T(test_model_csv_layout),
		T(test_model_item_bit),
		T(test_model_public_layout),
		T(test_model_row_set_and_raw),
		T(test_model_row_missing_levels),
		T(test_model_growth_keeps_values),
		T(test_model_intervention_is_empty),
		T(test_model_next_part),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
