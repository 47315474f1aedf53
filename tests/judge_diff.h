/*
 * The differential test of the dataset's judge against libxml2's XSD
 * validator, shared by tests/unit/test_judge.c (fixtures and their
 * mutations) and tests/fuzz/fuzz_judge.c (whatever the fuzzer makes).
 *
 * One pass of the reader with EPXML_XSD gives both verdicts on the same
 * events: the judge's form problems (xsd = 0) and libxml2's (xsd = 1),
 * each attached to its record.  A record is judged bad by ndx when it has
 * a form problem or a value ndx_dataset_check() refuses (raw dates are
 * judged on their text here, as the XSD does), and by libxml2 when libxml2
 * reported a problem in it.  libxml2 stops validating an element's content
 * at its first content error, so what is compared is what a verdict does:
 * the client element's own verdict, and each episode's together with its
 * client's and its interventions' (what rejects an episode).  The two
 * must agree on every client element and every episode.  A file the
 * reader refuses as a whole (not well-formed, a DOCTYPE, a root or
 * top-level problem) is
 * refused for both, and compared up to where it stopped.
 */
#ifndef NDX_TESTS_JUDGE_DIFF_H
#define NDX_TESTS_JUDGE_DIFF_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndx/arena.h"
#include "ndx/dataset.h"
#include "ndx/epxml.h"
#include "ndx/model.h"
#include "ndx/ndx.h"

struct judge_diff {
	long clients, records;	/* compared */
	long bad;		/* records both judged bad */
	int refused;		/* the file stopped the reader (65/74) */
	char why[1024];		/* the first disagreement, or "" */
};

/* A record's verdicts: bit 0 ndx's judge, bit 1 libxml2's. */
struct judge_verdicts {
	unsigned char client;
	unsigned char *ep, *iv;	/* per episode; per intervention, flat */
	size_t *iv_first;	/* index of episode i's first in iv[] */
};

static int
judge_diff_values_bad(const struct ndx_dataset *ds,
    const struct ndx_client *c, const struct ndx_episode *e,
    const struct ndx_intervention *iv, int first, int last)
{
	struct ndx_check chk;

	for (int item = first; item < last; item++) {
		const char *v = ndx_row_value(c, e, iv, (enum ndx_item)item);

		if (v != NULL && ndx_dataset_check(ds, (enum ndx_item)item, v,
		    &chk) != 0)
			return 1;
	}
	return 0;
}

static void
judge_diff_client(const struct ndx_dataset *ds, const struct ndx_client *c,
    const struct epxml_problem *probs, size_t nprobs, struct judge_diff *d)
{
	struct judge_verdicts v;
	size_t niv = 0;

	for (size_t i = 0; i < c->nep; i++)
		niv += c->ep[i].niv;
	v.client = 0;
	v.ep = calloc(c->nep + 1, 1);
	v.iv = calloc(niv + 1, 1);
	v.iv_first = calloc(c->nep + 1, sizeof(*v.iv_first));
	if (v.ep == NULL || v.iv == NULL || v.iv_first == NULL)
		abort();
	niv = 0;
	for (size_t i = 0; i < c->nep; i++) {
		v.iv_first[i] = niv;
		niv += c->ep[i].niv;
	}
	for (size_t k = 0; k < nprobs; k++) {
		const struct epxml_problem *p = &probs[k];
		unsigned char bit = p->xsd ? 2 : 1;

		if (p->episode < 0)
			v.client |= bit;
		else if (p->intervention < 0)
			v.ep[p->episode] |= bit;
		else
			v.iv[v.iv_first[p->episode] + (size_t)p->intervention] |=
			    bit;
	}
	if (judge_diff_values_bad(ds, c, NULL, NULL, NDX_CLIENT_FIRST,
	    NDX_EPISODE_FIRST))
		v.client |= 1;
	for (size_t i = 0; i < c->nep; i++) {
		const struct ndx_episode *e = &c->ep[i];

		if (judge_diff_values_bad(ds, c, e, NULL, NDX_EPISODE_FIRST,
		    NDX_INTERVENTION_FIRST))
			v.ep[i] |= 1;
		for (size_t j = 0; j < e->niv; j++)
			if (judge_diff_values_bad(ds, c, e, &e->iv[j],
			    NDX_INTERVENTION_FIRST, NDX_NITEMS))
				v.iv[v.iv_first[i] + j] |= 1;
	}

#define JUDGE_DIFF_CHECK(bits, what, ...) do {				\
	d->records++;							\
	d->bad += (bits) == 3;						\
	if (d->why[0] == '\0' && ((bits) == 1 || (bits) == 2)) {	\
		int n_ = snprintf(d->why, sizeof(d->why), what,		\
		    __VA_ARGS__);					\
		snprintf(d->why + n_, sizeof(d->why) - (size_t)n_,	\
		    ": %s says bad, the other good", (bits) == 1 ?	\
		    "ndx's judge" : "libxml2");				\
	}								\
} while (0)

	JUDGE_DIFF_CHECK(v.client, "client %ld (XML line %ld)", d->clients,
	    c->xml_line);
	for (size_t i = 0; i < c->nep; i++) {
		unsigned char bits = v.client | v.ep[i];

		for (size_t j = 0; j < c->ep[i].niv; j++)
			bits |= v.iv[v.iv_first[i] + j];
		JUDGE_DIFF_CHECK(bits, "episode at XML line %ld, with its "
		    "client and interventions", c->ep[i].xml_line);
	}
#undef JUDGE_DIFF_CHECK
	/* The messages, to tell a disagreement apart. */
	if (d->why[0] != '\0')
		for (size_t k = 0; k < nprobs; k++) {
			size_t n = strlen(d->why);

			snprintf(d->why + n, sizeof(d->why) - n, "\n  [%s] "
			    "line %ld: %s", probs[k].xsd ? "libxml2" : "ndx",
			    probs[k].xml_line, probs[k].message);
		}
	free(v.ep);
	free(v.iv);
	free(v.iv_first);
	d->clients++;
}

/* Compares the judges over the file at path; 0 when they agree. */
static int
judge_diff_file(const struct ndx_dataset *ds, const char *path,
    struct judge_diff *d)
{
	struct ndx_arena *a = arena_new();
	const struct epxml_problem *probs;
	struct epxml_reader *r;
	struct ndx_client *c;
	struct ndx_error err;
	size_t nprobs;
	int rc = 0;

	memset(d, 0, sizeof(*d));
	if ((r = epxml_reader_open(path, ds, EPXML_XSD, &err)) == NULL)
		rc = -1;
	while (rc == 0 && (rc = epxml_reader_next(r, a, &c, &probs, &nprobs,
	    &err)) == 1) {
		judge_diff_client(ds, c, probs, nprobs, d);
		arena_reset(a);
		rc = 0;
	}
	if (rc < 0) {
		d->refused = 1;
		if (err.code != NDX_EX_DATAERR && err.code != NDX_EX_IOERR &&
		    d->why[0] == '\0')
			snprintf(d->why, sizeof(d->why), "refused with exit "
			    "%d: %s", err.code, err.msg);
	}
	epxml_reader_close(r);
	arena_free(a);
	return d->why[0] == '\0' ? 0 : -1;
}

#endif
