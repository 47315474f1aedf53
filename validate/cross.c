/*
 * Rules across the rows of one client group (R121-R125), and the spread
 * of rejection: an error anywhere in an episode rejects every row with its
 * EPISODID, and an identity conflict (R121) rejects the whole group.
 *
 * A group is usually a handful of rows, but one client may have a million
 * (a data error, or a long-stay client in a large extract), so everything
 * here sorts instead of comparing pairs.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ndx/date.h"
#include "ndx/diag.h"
#include "validate.h"

/* NULL sorts first. */
static int
cmp_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* Initials compare as upper case: case alone is R101's business. */
static int
same_identity(const char *a, const char *b, int item)
{
	if ((item == NDX_FINITIAL || item == NDX_SINITIAL) && a != NULL &&
	    b != NULL && strlen(a) == 1 && strlen(b) == 1)
		return toupper((unsigned char)a[0]) ==
		    toupper((unsigned char)b[0]);
	return same_value(a, b);
}

/*
 * Both sides of a disagreement, for the data officer (dataset.md §5):
 * which lines, and what each says.  Initials and DOB stay masked and a
 * postcode shows only its shape (A a letter, 9 a digit), which is enough
 * to see "TS13QY" from "TS1 3QY" and no more.
 */
void
lines_add(struct lines *l, const struct ndx_episode *e)
{
	for (size_t j = 0; j < e->niv; j++)
		if (e->iv[j].line > 0 && l->total++ < LINES_SHOWN)
			l->line[l->n++] = e->iv[j].line;
}

void
say_lines(char *buf, size_t size, const struct lines *l)
{
	size_t len;

	buf[0] = '\0';
	if (l->n == 0)
		return;
	len = (size_t)snprintf(buf, size, "%s", l->total > 1 ? "lines " :
	    "line ");
	for (size_t i = 0; i < l->n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%ld",
		    i > 0 ? ", " : "", l->line[i]);
	if (l->total > l->n && len < size)
		snprintf(buf + len, size - len, " and %zu more",
		    l->total - l->n);
}

static void
episode_lines(const struct ndx_episode *e, char *buf, size_t size)
{
	struct lines l = { .n = 0 };

	lines_add(&l, e);
	say_lines(buf, size, &l);
}

/* A value as a message may show it: dates as the CSV writes them. */
static const char *
shown(int item, const char *v, char buf[POSTCODE_SHAPE_MAX])
{
	if (v == NULL)
		return "(empty)";
	/* No date is a postcode: buf holds one or the other. */
	if (ndx_items[item].is_date && ndx_date_iso_to_dmy(v, buf) == 0)
		v = buf;
	v = shown_or_masked(item, v, buf);
	return v != NULL ? v : "(masked)";
}

/* "SEX differs: F on line 2; M on lines 5, 6" into msg. */
static void
say_differs(char *msg, size_t size, int item, const char *a,
    const char *where_a, const char *b, const char *where_b)
{
	char ba[32], bb[32];
	const char *sa = shown(item, a, ba), *sb = shown(item, b, bb);

	if (strcmp(sa, sb) == 0)	/* masked, or one shape */
		snprintf(msg, size, "%s differs (masked%s%s) between %s and "
		    "%s", ndx_items[item].code, item == NDX_PC ?
		    "; both of the form " : "", item == NDX_PC ? sa : "",
		    where_a[0] ? where_a : "one row",
		    where_b[0] ? where_b : "another");
	else
		snprintf(msg, size, "%s differs: %s%s%s; %s%s%s",
		    ndx_items[item].code, sa, where_a[0] ? " on " : "",
		    where_a, sb, where_b[0] ? " on " : "", where_b);
}

size_t
r121_find(struct ndx_client *const *cl, const struct lines *lines, size_t n,
    struct r121_finding out[R121_ITEMS])
{
	static const enum ndx_item identity[R121_ITEMS] = { NDX_FINITIAL,
		NDX_SINITIAL, NDX_DOB, NDX_SEX };
	size_t nout = 0;

	for (size_t k = 0; k < R121_ITEMS; k++)
		for (size_t j = 1; j < n; j++) {
			int item = identity[k];
			char la[96], lb[96], msg[R121_DIFFERS];

			if (same_identity(NDX_C(cl[0], item),
			    NDX_C(cl[j], item), item))
				continue;
			say_lines(la, sizeof(la), &lines[0]);
			say_lines(lb, sizeof(lb), &lines[j]);
			say_differs(msg, sizeof(msg), item, NDX_C(cl[0], item),
			    la, NDX_C(cl[j], item), lb);
			out[nout].element = j;
			out[nout].item = item;
			memcpy(out[nout].differs, msg, sizeof(msg));
			nout++;
			break;
		}
	return nout;
}

void
r121_report(struct rules_ctx *ctx, struct ndx_client *c,
    const struct r121_finding *f)
{
	problem_add(ctx, c, NULL, NULL, f->item, "R121", "rows of this client "
	    "disagree: %s. Every episode of the client is rejected",
	    f->differs);
}

static void
r121(struct rules_ctx *ctx, struct ndx_client *const *cl, size_t n)
{
	struct r121_finding found[R121_ITEMS];
	struct lines *lines;
	size_t nfound;

	if (n < 2)
		return;
	lines = xcalloc(n, sizeof(*lines));
	for (size_t j = 0; j < n; j++)
		for (size_t i = 0; i < cl[j]->nep; i++)
			lines_add(&lines[j], &cl[j]->ep[i]);
	nfound = r121_find(cl, lines, n, found);
	free(lines);
	for (size_t k = 0; k < nfound; k++)
		r121_report(ctx, cl[found[k].element], &found[k]);
	if (nfound > 0)
		for (size_t i = 0; i < n; i++)
			cl[i]->mark |= MARK_REJECTED;
}

/* Every episode element of the group, sorted by EPISODID then position. */
struct epref {
	struct ndx_client *c;
	struct ndx_episode *e;
	size_t pos;
};

static int
epref_order(const void *x, const void *y)
{
	const struct epref *a = x, *b = y;
	int d = cmp_str(NDX_E(a->e, NDX_EPISODID), NDX_E(b->e, NDX_EPISODID));

	if (d != 0)
		return d;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static size_t
run_end(const struct epref *r, size_t i, size_t n)
{
	size_t j = i + 1;

	while (j < n && same_value(NDX_E(r[j].e, NDX_EPISODID),
	    NDX_E(r[i].e, NDX_EPISODID)))
		j++;
	return j;
}

/*
 * R126: the extract saw this EPISODID at this agency under another
 * CLIENTID too (the episode's shared attribute): the two clients' rows
 * are not one episode, whichever is right, so the episode is rejected,
 * here and in the other client's group alike.  Once per EPISODID.
 */
static void
r126(struct rules_ctx *ctx, struct epref *r, size_t i, size_t end)
{
	for (size_t k = i; k < end; k++)
		if (r[k].e->shared) {
			char where[48] = "";

			if (r[k].e->shared_line > 0)
				snprintf(where, sizeof(where), " (line %ld)",
				    r[k].e->shared_line);
			problem_add(ctx, r[i].c, r[i].e, NULL, NDX_EPISODID,
			    "R126", "EPISODID %s is used at agency %s under "
			    "another CLIENTID too%s: one episode id must name "
			    "one client's episode, so every episode with it "
			    "is rejected", NDX_E(r[i].e, NDX_EPISODID),
			    NDX_C(r[i].c, NDX_AGNCY), where);
			return;
		}
}

/* R122: each later occurrence of an EPISODID against the first. */
static void
r122(struct rules_ctx *ctx, struct epref *r, size_t i, size_t end)
{
	const struct epref *first = &r[i];
	char la[96], lb[96], msg[260];

	for (size_t k = i + 1; k < end; k++) {
		episode_lines(first->e, la, sizeof(la));
		episode_lines(r[k].e, lb, sizeof(lb));
		for (int item = NDX_CLIENT_FIRST; item < NDX_EPISODE_FIRST;
		    item++)
			if (!same_identity(NDX_C(first->c, item),
			    NDX_C(r[k].c, item), item)) {
				say_differs(msg, sizeof(msg), item,
				    NDX_C(first->c, item), la,
				    NDX_C(r[k].c, item), lb);
				problem_add(ctx, r[k].c, r[k].e, NULL, item,
				    "R122", "rows of this episode disagree: "
				    "%s", msg);
			}
		for (int item = NDX_EPISODE_FIRST;
		    item < NDX_INTERVENTION_FIRST; item++)
			if (!same_value(NDX_E(first->e, item), NDX_E(r[k].e, item))) {
				say_differs(msg, sizeof(msg), item,
				    NDX_E(first->e, item), la,
				    NDX_E(r[k].e, item), lb);
				problem_add(ctx, r[k].c, r[k].e, NULL, item,
				    "R122", "rows of this episode disagree: "
				    "%s", msg);
			}
	}
}

/*
 * Interventions of one EPISODID, for R123 and R124: the row is
 * r[k].e->iv[j], and (k, j) is also its order in the file.  Eight bytes
 * a row, as one episode may have a million.
 */
struct ivref {
	uint32_t k, j;
};

/*
 * The rows of the nr elements r that keep() keeps (NULL: all) into *buf,
 * grown to hold every row, in file order; how many.  Fewer than two rows
 * in all are counted and not collected: no pair rule needs them, and most
 * episodes have one row.
 */
static size_t
row_refs(const struct epref *r, size_t nr, struct ivref **buf,
    size_t *bufcap, int (*keep)(const struct ndx_intervention *))
{
	size_t n = 0;

	for (size_t k = 0; k < nr; k++)
		n += r[k].e->niv;
	if (n < 2)
		return n;
	if (n > *bufcap) {
		*bufcap = n;
		*buf = xreallocarray(*buf, n, sizeof(**buf));
	}
	n = 0;
	for (size_t k = 0; k < nr; k++)
		for (size_t j = 0; j < r[k].e->niv; j++)
			if (keep == NULL || keep(&r[k].e->iv[j])) {
				(*buf)[n].k = (uint32_t)k;
				(*buf)[n].j = (uint32_t)j;
				n++;
			}
	return n;
}

/* The row a of the run of episode elements r. */
static struct ndx_intervention *
ivref_iv(const struct epref *r, struct ivref a)
{
	return &r[a.k].e->iv[a.j];
}

static int
ivref_pos(struct ivref a, struct ivref b)
{
	if (a.k != b.k)
		return a.k < b.k ? -1 : 1;
	return a.j < b.j ? -1 : a.j > b.j;
}

static int
cmp_items(const struct ndx_intervention *x, const struct ndx_intervention *y)
{
	int d;

	for (int i = 0; i < NDX_NINTERVENTION; i++)
		if ((d = cmp_str(x->v[i], y->v[i])) != 0)
			return d;
	if (x->raw != y->raw)
		return x->raw < y->raw ? -1 : 1;
	/* A TOP row's answers are its items too (dataset version 2). */
	if (x->top == NULL || y->top == NULL)
		return (x->top != NULL) - (y->top != NULL);
	for (int i = 0; i < NDX_NTOP; i++)
		if ((d = cmp_str(x->top->v[i], y->top->v[i])) != 0)
			return d;
	return x->top->raw < y->top->raw ? -1 : x->top->raw > y->top->raw;
}

/*
 * Exact duplicates are rows of one episode, as the rows say it, with equal
 * items: episode elements whose client and episode items are equal (the
 * initials compared as upper case, which is all that tells apart the
 * client elements of rows differing only in their case) are one for it,
 * element grp[k].
 */
struct dupctx {
	const struct epref *r;
	const uint32_t *grp;
};

static int
ivref_dup_order(const void *x, const void *y, void *arg)
{
	const struct dupctx *d = arg;
	const struct ivref *a = x, *b = y;
	int c;

	if (d->grp[a->k] != d->grp[b->k])
		return d->grp[a->k] < d->grp[b->k] ? -1 : 1;
	if ((c = cmp_items(ivref_iv(d->r, *a), ivref_iv(d->r, *b))) != 0)
		return c;
	return ivref_pos(*a, *b);
}

/* Whether elements a and b say the same of the client and the episode. */
static int
same_element(const struct epref *a, const struct epref *b)
{
	for (int item = NDX_CLIENT_FIRST; item < NDX_EPISODE_FIRST; item++)
		if (!same_identity(NDX_C(a->c, item), NDX_C(b->c, item), item))
			return 0;
	for (int item = NDX_EPISODE_FIRST; item < NDX_INTERVENTION_FIRST;
	    item++)
		if (!same_value(NDX_E(a->e, item), NDX_E(b->e, item)))
			return 0;
	return a->e->raw == b->e->raw;
}

static int
ivref_modid_order(const void *x, const void *y, void *r)
{
	const struct ivref *a = x, *b = y;
	int d = cmp_str(NDX_I(ivref_iv(r, *a), NDX_MODID),
	    NDX_I(ivref_iv(r, *b), NDX_MODID));

	return d != 0 ? d : ivref_pos(*a, *b);
}

/* An exact duplicate, and the line of the row kept in its place. */
struct dup {
	struct ivref at;
	long kept;
};

static int
dup_order(const void *x, const void *y)
{
	return ivref_pos(((const struct dup *)x)->at,
	    ((const struct dup *)y)->at);
}

/* R124 on row a, which has row b's MODID and other items. */
static void
r124(struct rules_ctx *ctx, struct epref *r, struct ivref a, struct ivref b)
{
	struct ndx_intervention *x = ivref_iv(r, a), *y = ivref_iv(r, b);
	char items[160] = "", where[40] = "";
	size_t len = 0;

	for (int i = NDX_MODID + 1; i < NDX_TOP_FIRST; i++)
		if (cmp_str(NDX_I(x, i), NDX_I(y, i)) != 0 ||
		    ((x->raw ^ y->raw) >> (i - NDX_INTERVENTION_FIRST) & 1)) {
			char bx[32], by[32];

			len += (size_t)snprintf(items + len, sizeof(items) - len,
			    "%s%s %s here, %s there", len ? "; " : "",
			    ndx_items[i].code, shown(i, NDX_I(x, i), bx),
			    shown(i, NDX_I(y, i), by));
			if (len >= sizeof(items))
				break;
		}
	if (y->line > 0)
		snprintf(where, sizeof(where), " (line %ld)", y->line);
	problem_add(ctx, r[a.k].c, r[a.k].e, x, NDX_MODID, "R124",
	    "another row of this episode%s has MODID %s with other "
	    "intervention items: %s", where, NDX_I(x, NDX_MODID), items);
}

/* R123 and R124 over the nr elements r of one EPISODID. */
static void
r123_r124(struct rules_ctx *ctx, struct epref *r, size_t nr,
    struct ivref **buf, size_t *bufcap)
{
	struct ivref *v;
	struct dupctx dc;
	struct dup *dups = NULL;
	uint32_t *grp;
	size_t n = 0, ndups = 0, dupcap = 0;

	if ((n = row_refs(r, nr, buf, bufcap, NULL)) < 2)
		return;
	v = *buf;

	/* R123: within one episode as the rows say it, equal items are
	 * duplicates; the first in file order is kept.  An EPISODID has few
	 * elements (one per variant), so comparing each with those before
	 * it is cheap. */
	grp = xreallocarray(NULL, nr, sizeof(*grp));
	for (size_t k = 0; k < nr; k++) {
		grp[k] = (uint32_t)k;
		for (size_t m = 0; m < k; m++)
			if (grp[m] == m && same_element(&r[m], &r[k])) {
				grp[k] = (uint32_t)m;
				break;
			}
	}
	dc.r = r;
	dc.grp = grp;
	qsort_r(v, n, sizeof(*v), ivref_dup_order, &dc);
	for (size_t k = 1, kept = 0; k < n; k++) {
		if (grp[v[k].k] != grp[v[k - 1].k] ||
		    cmp_items(ivref_iv(r, v[k]), ivref_iv(r, v[k - 1])) != 0) {
			kept = k;
			continue;
		}
		ivref_iv(r, v[k])->mark |= MARK_DUPLICATE;
		if (ndups == dupcap) {
			dupcap = dupcap ? 2 * dupcap : 16;
			dups = xreallocarray(dups, dupcap, sizeof(*dups));
		}
		dups[ndups].at = v[k];
		dups[ndups++].kept = ivref_iv(r, v[kept])->line;
	}
	free(grp);
	/* Reported in file order, as the rows came. */
	if (ndups > 1)
		qsort(dups, ndups, sizeof(*dups), dup_order);
	for (size_t k = 0; k < ndups; k++) {
		struct epref *er = &r[dups[k].at.k];
		struct ndx_intervention *iv = ivref_iv(r, dups[k].at);

		if (dups[k].kept > 0)
			problem_add(ctx, er->c, er->e, iv, -1, "R123",
			    "exact duplicate of line %ld: kept once",
			    dups[k].kept);
		else
			problem_add(ctx, er->c, er->e, iv, -1, "R123",
			    "exact duplicate of an earlier row: kept once");
	}
	free(dups);

	/* R124: once a row with a MODID differs from an earlier row with
	 * that MODID, it and every later one conflict. */
	qsort_r(v, n, sizeof(*v), ivref_modid_order, r);
	for (size_t k = 0; k < n;) {
		const char *modid = NDX_I(ivref_iv(r, v[k]), NDX_MODID);
		size_t j = k + 1, lead = k;
		int conflict = 0;

		while (j < n && same_value(NDX_I(ivref_iv(r, v[j]),
		    NDX_MODID), modid))
			j++;
		if (modid != NULL)
			for (size_t m = k + 1; m < j; m++) {
				if (ivref_iv(r, v[m])->mark & MARK_DUPLICATE)
					continue;
				if (!conflict && cmp_items(ivref_iv(r, v[m]),
				    ivref_iv(r, v[lead])) == 0)
					continue;
				conflict = 1;
				r124(ctx, r, v[m], v[lead]);
			}
		k = j;
	}
}

static int
ivref_topid_order(const void *x, const void *y, void *r)
{
	const struct ivref *a = x, *b = y;
	int d = cmp_str(NDX_T(ivref_iv(r, *a), NDX_TOPID),
	    NDX_T(ivref_iv(r, *b), NDX_TOPID));

	return d != 0 ? d : ivref_pos(*a, *b);
}

/* " (line N)" of row iv, or "". */
static const char *
line_note(const struct ndx_intervention *iv, char buf[40])
{
	buf[0] = '\0';
	if (iv->line > 0)
		snprintf(buf, 40, " (line %ld)", iv->line);
	return buf;
}

/* A TOP row that is not an exact duplicate (R123) of an earlier one. */
static int
top_kept(const struct ndx_intervention *iv)
{
	return iv->top != NULL && !(iv->mark & MARK_DUPLICATE);
}

/*
 * R202 over the nr elements r of one EPISODID (dataset version 2): one
 * start TOP at most, the first in file order standing; and one TOPID
 * names one TOP, so once a row with a TOPID differs from the first with
 * it, it and every later one conflict.  An exact duplicate (R123) is not
 * a second row.
 */
static void
r202(struct rules_ctx *ctx, struct epref *r, size_t nr, struct ivref **buf,
    size_t *bufcap)
{
	struct ivref *v;
	const struct ndx_intervention *first_start = NULL;
	char where[40];
	size_t n = 0;

	if ((n = row_refs(r, nr, buf, bufcap, top_kept)) < 2)
		return;
	v = *buf;
	for (size_t m = 0; m < n; m++) {
		struct ndx_intervention *iv = ivref_iv(r, v[m]);

		if (!same_value(NDX_T(iv, NDX_TRSTAGE), "S"))
			continue;
		if (first_start == NULL) {
			first_start = iv;
			continue;
		}
		problem_add(ctx, r[v[m].k].c, r[v[m].k].e, iv, NDX_TRSTAGE,
		    "R202", "a second start TOP in this episode: the first is "
		    "TOPID %s%s", NDX_T(first_start, NDX_TOPID) ?
		    NDX_T(first_start, NDX_TOPID) : "(none)",
		    line_note(first_start, where));
	}
	qsort_r(v, n, sizeof(*v), ivref_topid_order, r);
	for (size_t k = 0; k < n;) {
		const char *topid = NDX_T(ivref_iv(r, v[k]), NDX_TOPID);
		size_t j = k + 1;
		int conflict = 0;

		while (j < n && same_value(NDX_T(ivref_iv(r, v[j]),
		    NDX_TOPID), topid))
			j++;
		for (size_t m = k + 1; topid != NULL && m < j; m++) {
			if (!conflict && cmp_items(ivref_iv(r, v[m]),
			    ivref_iv(r, v[k])) == 0)
				continue;
			conflict = 1;
			problem_add(ctx, r[v[m].k].c, r[v[m].k].e,
			    ivref_iv(r, v[m]), NDX_TOPID, "R202",
			    "another row of this episode%s has TOPID %s with "
			    "other answers", line_note(ivref_iv(r, v[k]),
			    where), topid);
		}
		k = j;
	}
}

/*
 * R125: treatment spans [TRIAGED, DISD] of different episodes of the
 * client that overlap by more than a shared boundary day (a new journey
 * starting on the day the last one closed is ordinary).  Reported once per
 * episode, on the one that starts later, naming the earlier episode that
 * reaches furthest into it.
 */
static int
valid_date(const struct ndx_episode *e, enum ndx_item item, ndx_day *d)
{
	if (e->raw >> (item - NDX_EPISODE_FIRST) & 1)
		return 0;
	return ndx_date_parse_iso(NDX_E(e, item), d) == NDX_DATE_OK;
}

static int
span_order(const void *x, const void *y)
{
	const struct span *a = x, *b = y;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return cmp_str(a->episodid, b->episodid);
}

int
r125_span(const struct ndx_episode *e, struct span *sp)
{
	if (!valid_date(e, NDX_TRIAGED, &sp->start))
		return 0;
	sp->end = INT32_MAX;
	if (NDX_E(e, NDX_DISD) != NULL && !valid_date(e, NDX_DISD, &sp->end))
		return 0;
	sp->episodid = NDX_E(e, NDX_EPISODID);
	return 1;
}

static int
overlap(const struct span *a, const struct span *b)
{
	return a->start < b->end && b->start < a->end;
}

/*
 * Sorted by start, an episode overlaps an earlier one exactly when the
 * furthest end seen so far passes its start; so one pass finds them all.
 * Only an episode of no length (TRIAGED = DISD) needs a second look, as
 * the furthest-reaching one may start on the same day and not count: its
 * hit is then the first span that starts before that day and is still
 * open on it.  Spans closed by a day stay closed for every later one, so
 * the first open span is found by a pointer that only moves on (a
 * thousand episodes of no length on one day cost a thousand steps, not
 * half a million).
 */
void
r125_sweep(struct span *s, size_t ns, void (*found)(void *,
    const struct span *, const struct span *), void *arg)
{
	size_t far = 0, day_first = 0, open = 0;

	if (ns > 1)
		qsort(s, ns, sizeof(*s), span_order);
	for (size_t k = 1; k < ns; k++) {
		const struct span *hit = NULL;

		if (s[k].start != s[k - 1].start)
			day_first = k;
		if (s[far].end > s[k].start) {
			if (overlap(&s[far], &s[k]))
				hit = &s[far];
			else {
				while (open < day_first &&
				    s[open].end <= s[k].start)
					open++;
				if (open < day_first)
					hit = &s[open];
			}
		}
		if (hit != NULL)
			found(arg, &s[k], hit);
		if (s[k].end > s[far].end)
			far = k;
	}
}

void
r125_report(struct rules_ctx *ctx, struct ndx_client *c,
    struct ndx_episode *e, ndx_day start, const struct span *hit,
    const struct lines *hit_lines)
{
	char t1[11], t2[11], t3[11] = "", la[96];

	ndx_date_format_dmy(start, t1);
	ndx_date_format_dmy(hit->start, t2);
	if (hit->end != INT32_MAX)
		ndx_date_format_dmy(hit->end, t3);
	say_lines(la, sizeof(la), hit_lines);
	problem_add(ctx, c, e, NULL, NDX_TRIAGED, "R125", "this episode, "
	    "TRIAGED %s, overlaps episode %s of the same client at this agency "
	    "(%s%sTRIAGED %s, %s%s)", t1, hit->episodid ? hit->episodid :
	    "(none)", la, la[0] ? ", " : "", t2, t3[0] ? "DISD " : "still open",
	    t3);
}

struct r125_group {
	struct rules_ctx *ctx;
	struct epref *r;
};

static void
r125_found(void *arg, const struct span *later, const struct span *hit)
{
	struct r125_group *g = arg;
	struct lines l = { .n = 0 };

	lines_add(&l, g->r[hit->ref].e);
	r125_report(g->ctx, g->r[later->ref].c, g->r[later->ref].e,
	    later->start, hit, &l);
}

/* R125 over the group: one span per EPISODID, its first element's
 * (variants are R122). */
static void
r125(struct rules_ctx *ctx, struct epref *r, size_t n)
{
	struct span *s = xreallocarray(NULL, n ? n : 1, sizeof(*s));
	struct r125_group g = { ctx, r };
	size_t ns = 0;

	for (size_t i = 0; i < n; i = run_end(r, i, n))
		if (r125_span(r[i].e, &s[ns])) {
			s[ns].ref = i;
			ns++;
		}
	r125_sweep(s, ns, r125_found, &g);
	free(s);
}

void
rules_group(struct rules_ctx *ctx, struct ndx_client *const *cl, size_t n)
{
	r121(ctx, cl, n);
	rules_runs(ctx, cl, n, 1);
}

void
rules_runs(struct rules_ctx *ctx, struct ndx_client *const *cl, size_t n,
    int with_r125)
{
	struct epref *r;
	struct ivref *ivbuf = NULL;
	size_t nr = 0, ivcap = 0;

	for (size_t a = 0; a < n; a++)
		nr += cl[a]->nep;
	r = xreallocarray(NULL, nr ? nr : 1, sizeof(*r));
	nr = 0;
	for (size_t a = 0; a < n; a++)
		for (size_t i = 0; i < cl[a]->nep; i++) {
			r[nr].c = cl[a];
			r[nr].e = &cl[a]->ep[i];
			r[nr].pos = nr;
			nr++;
		}
	qsort(r, nr, sizeof(*r), epref_order);
	for (size_t i = 0; i < nr; i = run_end(r, i, nr)) {
		r126(ctx, r, i, run_end(r, i, nr));
		r122(ctx, r, i, run_end(r, i, nr));
		r123_r124(ctx, r + i, run_end(r, i, nr) - i, &ivbuf, &ivcap);
		r202(ctx, r + i, run_end(r, i, nr) - i, &ivbuf, &ivcap);
	}
	if (with_r125)
		r125(ctx, r, nr);

	/* Rejection spreads from a client element to its episodes, then
	 * from any element of an EPISODID to all of them. */
	for (size_t i = 0; i < nr; i++)
		if (r[i].c->mark & MARK_REJECTED)
			r[i].e->mark |= MARK_REJECTED;
	ctx->episodes = ctx->episodes_rejected = 0;
	for (size_t i = 0, end; i < nr; i = end) {
		unsigned rejected = 0;

		end = run_end(r, i, nr);
		for (size_t k = i; k < end; k++)
			rejected |= r[k].e->mark & MARK_REJECTED;
		for (size_t k = i; k < end; k++)
			r[k].e->mark |= rejected;
		ctx->episodes++;
		ctx->episodes_rejected += rejected != 0;
	}
	free(r);
	free(ivbuf);
}
