/*
 * Rules across the rows of one client group (R121-R125), and the spread
 * of rejection: an error anywhere in an episode rejects every row with its
 * EPISODID, and an identity conflict (R121) rejects the whole group.
 */
#include <ctype.h>
#include <string.h>

#include "ndx/date.h"
#include "validate.h"

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Initials compare as upper case: case alone is R101's business. */
static int
same_identity(const char *a, const char *b, int item)
{
	if ((item == NDX_FINITIAL || item == NDX_SINITIAL) && a != NULL &&
	    b != NULL && strlen(a) == 1 && strlen(b) == 1)
		return toupper((unsigned char)a[0]) ==
		    toupper((unsigned char)b[0]);
	return same(a, b);
}

static int
same_episode_id(const struct ndx_episode *a, const struct ndx_episode *b)
{
	return same(NDX_E(a, NDX_EPISODID), NDX_E(b, NDX_EPISODID));
}

static void
r121(struct rules_ctx *ctx, struct ndx_client *const *cl, size_t n)
{
	static const enum ndx_item identity[] = { NDX_FINITIAL, NDX_SINITIAL,
		NDX_DOB, NDX_SEX };

	for (size_t k = 0; k < sizeof(identity) / sizeof(identity[0]); k++) {
		int item = identity[k];

		for (size_t j = 1; j < n; j++) {
			if (same_identity(NDX_C(cl[0], item),
			    NDX_C(cl[j], item), item))
				continue;
			problem_add(ctx, cl[j], NULL, NULL, item, "R121",
			    "rows of this client disagree on %s: every "
			    "episode of the client is rejected",
			    ndx_items[item].code);
			break;
		}
	}
	for (size_t k = 0; k < sizeof(identity) / sizeof(identity[0]); k++)
		for (size_t j = 1; j < n; j++)
			if (!same_identity(NDX_C(cl[0], identity[k]),
			    NDX_C(cl[j], identity[k]), identity[k])) {
				for (size_t i = 0; i < n; i++)
					cl[i]->mark |= MARK_REJECTED;
				return;
			}
}

/*
 * R122: the first occurrence of each EPISODID is compared with every
 * later one (in another client variant or episode variant).
 */
static void
r122(struct rules_ctx *ctx, struct ndx_client *const *cl, size_t n)
{
	for (size_t a = 0; a < n; a++)
		for (size_t i = 0; i < cl[a]->nep; i++) {
			struct ndx_episode *first = &cl[a]->ep[i];
			int seen = 0;

			/* Only the first occurrence leads a comparison. */
			for (size_t b = 0; b <= a && !seen; b++)
				for (size_t j = 0; j < cl[b]->nep; j++) {
					if (b == a && j >= i)
						break;
					if (same_episode_id(&cl[b]->ep[j],
					    first)) {
						seen = 1;
						break;
					}
				}
			if (seen)
				continue;
			for (size_t b = a; b < n; b++)
				for (size_t j = b == a ? i + 1 : 0;
				    j < cl[b]->nep; j++) {
					struct ndx_episode *other = &cl[b]->ep[j];

					if (!same_episode_id(other, first))
						continue;
					for (int item = NDX_CLIENT_FIRST;
					    item < NDX_EPISODE_FIRST; item++)
						if (!same(NDX_C(cl[a], item),
						    NDX_C(cl[b], item)))
							problem_add(ctx, cl[b],
							    other, NULL, item,
							    "R122", "rows of "
							    "this episode "
							    "disagree on %s",
							    ndx_items[item].code);
					for (int item = NDX_EPISODE_FIRST;
					    item < NDX_INTERVENTION_FIRST; item++)
						if (!same(NDX_E(first, item),
						    NDX_E(other, item)))
							problem_add(ctx, cl[b],
							    other, NULL, item,
							    "R122", "rows of "
							    "this episode "
							    "disagree on %s",
							    ndx_items[item].code);
					first->mark |= MARK_REJECTED;
				}
		}
}

static int
same_intervention(const struct ndx_intervention *x,
    const struct ndx_intervention *y)
{
	if (x->raw != y->raw)
		return 0;
	for (int i = 0; i < NDX_NINTERVENTION; i++)
		if (!same(x->v[i], y->v[i]))
			return 0;
	return 1;
}

/* R123 within an episode variant; R124 across all rows of an EPISODID. */
static void
r123_r124(struct rules_ctx *ctx, struct ndx_client *const *cl, size_t n)
{
	for (size_t a = 0; a < n; a++)
		for (size_t i = 0; i < cl[a]->nep; i++) {
			struct ndx_episode *e = &cl[a]->ep[i];

			for (size_t k = 1; k < e->niv; k++)
				for (size_t m = 0; m < k; m++)
					if (!(e->iv[m].mark & MARK_DUPLICATE) &&
					    same_intervention(&e->iv[m],
					    &e->iv[k])) {
						e->iv[k].mark |= MARK_DUPLICATE;
						problem_add(ctx, cl[a], e,
						    &e->iv[k], -1, "R123",
						    "exact duplicate of an "
						    "earlier row: kept once");
						break;
					}
		}
	for (size_t a = 0; a < n; a++)
		for (size_t i = 0; i < cl[a]->nep; i++)
			for (size_t k = 0; k < cl[a]->ep[i].niv; k++) {
				struct ndx_episode *e = &cl[a]->ep[i];
				struct ndx_intervention *iv = &e->iv[k];
				const char *modid = NDX_I(iv, NDX_MODID);
				int found = 0;

				if (modid == NULL ||
				    (iv->mark & MARK_DUPLICATE))
					continue;
				/* Compare with earlier rows of this EPISODID. */
				for (size_t b = 0; b <= a && !found; b++)
					for (size_t j = 0; j < cl[b]->nep &&
					    !found; j++) {
						struct ndx_episode *f =
						    &cl[b]->ep[j];

						if (!same_episode_id(e, f))
							continue;
						for (size_t m = 0; m < f->niv;
						    m++) {
							if (f == e && m >= k)
								break;
							if (!same(NDX_I(&f->iv[m],
							    NDX_MODID), modid) ||
							    same_intervention(
							    &f->iv[m], iv))
								continue;
							found = 1;
							break;
						}
					}
				if (found)
					problem_add(ctx, cl[a], e, iv,
					    NDX_MODID, "R124",
					    "another row of this episode has "
					    "the same MODID with different "
					    "intervention items");
			}
}

struct span {
	struct ndx_client *c;
	struct ndx_episode *e;
	ndx_day start, end;	/* TRIAGED, DISD (open: INT32_MAX) */
};

/*
 * R125: treatment spans [TRIAGED, DISD] of different episodes at one
 * agency that overlap by more than a shared boundary day, because a new
 * journey starting on the day the last one closed is ordinary.
 */
static void
r125(struct rules_ctx *ctx, struct ndx_client *const *cl, size_t n)
{
	for (size_t a = 0; a < n; a++)
		for (size_t i = 0; i < cl[a]->nep; i++) {
			struct ndx_episode *x = &cl[a]->ep[i];
			struct span sx;

			if (ndx_date_parse_iso(NDX_E(x, NDX_TRIAGED), &sx.start)
			    != NDX_DATE_OK || (x->raw & ((uint64_t)1 <<
			    (NDX_TRIAGED - NDX_EPISODE_FIRST))))
				continue;
			sx.end = INT32_MAX;
			if (NDX_E(x, NDX_DISD) != NULL &&
			    ndx_date_parse_iso(NDX_E(x, NDX_DISD), &sx.end) !=
			    NDX_DATE_OK)
				continue;
			for (size_t b = 0; b < n; b++)
				for (size_t j = 0; j < cl[b]->nep; j++) {
					struct ndx_episode *y = &cl[b]->ep[j];
					ndx_day ys, ye = INT32_MAX;
					int later;

					if (same_episode_id(x, y) ||
					    ndx_date_parse_iso(NDX_E(y,
					    NDX_TRIAGED), &ys) != NDX_DATE_OK)
						continue;
					if (NDX_E(y, NDX_DISD) != NULL &&
					    ndx_date_parse_iso(NDX_E(y, NDX_DISD),
					    &ye) != NDX_DATE_OK)
						continue;
					/* Report once, on the later start. */
					later = sx.start > ys ||
					    (sx.start == ys && strcmp(
					    NDX_E(x, NDX_EPISODID) ?
					    NDX_E(x, NDX_EPISODID) : "",
					    NDX_E(y, NDX_EPISODID) ?
					    NDX_E(y, NDX_EPISODID) : "") > 0);
					if (!later)
						continue;
					if (sx.start < ye && ys < sx.end) {
						problem_add(ctx, cl[a], x, NULL,
						    NDX_TRIAGED, "R125",
						    "this episode overlaps "
						    "episode %s of the same "
						    "client at this agency",
						    NDX_E(y, NDX_EPISODID));
						goto next;
					}
				}
next:;
		}
}

/* Spreads rejection to every row sharing a rejected EPISODID. */
static void
spread_rejection(struct ndx_client *const *cl, size_t n)
{
	for (size_t a = 0; a < n; a++)
		if (cl[a]->mark & MARK_REJECTED)
			for (size_t i = 0; i < cl[a]->nep; i++)
				cl[a]->ep[i].mark |= MARK_REJECTED;
	for (size_t a = 0; a < n; a++)
		for (size_t i = 0; i < cl[a]->nep; i++) {
			if (!(cl[a]->ep[i].mark & MARK_REJECTED))
				continue;
			for (size_t b = 0; b < n; b++)
				for (size_t j = 0; j < cl[b]->nep; j++)
					if (same_episode_id(&cl[a]->ep[i],
					    &cl[b]->ep[j]))
						cl[b]->ep[j].mark |=
						    MARK_REJECTED;
		}
}

void
rules_group(struct rules_ctx *ctx, struct ndx_client *const *cl, size_t n)
{
	r121(ctx, cl, n);
	r122(ctx, cl, n);
	r123_r124(ctx, cl, n);
	r125(ctx, cl, n);
	spread_rejection(cl, n);
}
