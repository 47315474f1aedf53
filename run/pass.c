/*
 * ndx-run's one pass: the episodes file is read once, and each client
 * goes through every stage in this process, from the validator's filter
 * to every product's writer (docs/design.md, "The filter pipeline"):
 *
 *   episodes.xml ─▶ reader+judge ─▶ validate ─┬▶ valid.xml, rejects, reports
 *                                             ├▶ commissioner.csv
 *                                             ├▶ pcc-return.csv + .html
 *                                             └▶ pseudonymise (a key) ─┬▶ pseudonymised-K.xml
 *                                                  (one per key)       └▶ public-health.csv
 *                                                                        (each recipient of K)
 *
 * Nothing is written only to be parsed again, except where a product
 * must see everything before it can write anything (public-health with
 * min_k reads its pseudonymised file once more, as ndx-transform does).
 * Each stage keeps its program's name in its messages, and its own time
 * (what it spent, not what the stages after it did), for run.log.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndx/arena.h"
#include "ndx/clock.h"
#include "ndx/dataset.h"
#include "ndx/diag.h"
#include "ndx/epxml.h"
#include "ndx/filter.h"
#include "ndx/ndx.h"
#include "ndx/outfile.h"
#include "ndx/secret.h"
#include "../pseudonymise/pseudonymise.h"
#include "../transform/transform.h"
#include "../validate/validate.h"
#include "pass.h"

/*
 * One stage of the pass: its filter, timed.  Top-level stages take the
 * valid clients; a public-health stage takes its key's pseudonymised
 * ones.
 */
struct stage {
	struct ndx_filter *filter;
	void (*free_filter)(struct ndx_filter *);
	const char *name, *prog;
	double seconds;		/* in it and what it feeds */
	int rc;
	struct ndx_arena *copy;	/* pseudonymise: its own copy of each
				   client, which it changes */
	struct ndx_outfile *out, *html, *summary;
	struct transform t;
};

/* A key's pseudonymiser and the public-health stages it feeds. */
struct keyed {
	struct ndx_filter tee;	/* first: the pseudonymiser's next */
	struct stage st;
	struct ndx_mac *mac;
	struct pseudo_filter pf;
	int pf_open;
	struct stage **ph;
	size_t nph;
};

struct pass {
	const struct pass_spec *spec;
	struct ndx_dataset *ds;
	struct validate *v;
	struct ndx_filter tee;	/* first: the validator's next */
	struct stage **top;	/* commissioner, pcc-return, the keys' */
	size_t ntop;
	struct stage commissioner, pcc;
	struct keyed *keys;
	struct stage *ph;
	struct pass_result *res;
};

/* The keyed pseudonymiser a stage with a copy arena belongs to. */
static struct keyed *
keyed_of(struct stage *s)
{
	return (struct keyed *)((char *)s - offsetof(struct keyed, st));
}

static int
stage_client(struct stage *s, struct ndx_client *c, struct ndx_error *err)
{
	const char *caller = diag_progname();
	double t0 = ndx_seconds();
	int rc;

	diag_setprogname(s->prog);
	if (s->copy != NULL)
		c = pseudonymise_copy(s->copy, c);
	rc = s->filter->client(s->filter, c, err);
	if (s->copy != NULL)
		arena_reset(s->copy);
	if (rc != 0 && s->rc == 0)
		s->rc = err->code;
	diag_setprogname(caller);
	s->seconds += ndx_seconds() - t0;
	return rc;
}

static int
top_client(struct ndx_filter *f, struct ndx_client *c, struct ndx_error *err)
{
	struct pass *p = (struct pass *)((char *)f - offsetof(struct pass,
	    tee));

	for (size_t i = 0; i < p->ntop; i++)
		if (stage_client(p->top[i], c, err) != 0)
			return -1;
	return 0;
}

static int
keyed_client(struct ndx_filter *f, struct ndx_client *c,
    struct ndx_error *err)
{
	struct keyed *k = (struct keyed *)f;

	for (size_t i = 0; i < k->nph; i++)
		if (stage_client(k->ph[i], c, err) != 0)
			return -1;
	return 0;
}

/* Ends a stage's filter and publishes its outputs: 0, or -1 with err. */
static int
stage_end(struct stage *s, int (*more)(struct stage *, struct ndx_error *),
    struct ndx_error *err)
{
	double t0 = ndx_seconds();
	int rc;

	diag_setprogname(s->prog);
	rc = s->filter->end(s->filter, err);
	if (rc == 0 && more != NULL)
		rc = more(s, err);
	if (rc == 0 && s->summary != NULL)
		rc = ndx_outfile_flush(s->out, err) != 0 ||
		    ndx_outfile_flush(s->summary, err) != 0 ? -1 : 0;
	if (rc == 0 && s->html != NULL)
		rc = ndx_outfile_flush(s->out, err) != 0 ||
		    ndx_outfile_flush(s->html, err) != 0 ? -1 : 0;
	if (rc == 0) {
		rc = ndx_outfile_commit(s->out, err);
		s->out = NULL;
	}
	if (rc == 0 && s->summary != NULL) {
		rc = ndx_outfile_commit(s->summary, err);
		s->summary = NULL;
	}
	if (rc == 0 && s->html != NULL) {
		rc = ndx_outfile_commit(s->html, err);
		s->html = NULL;
	}
	if (rc != 0) {
		if (err->code == NDX_EX_IOERR && err->file[0] == '\0' &&
		    s->out != NULL)
			snprintf(err->file, sizeof(err->file), "%s",
			    ndx_outfile_name(s->out));
		if (s->rc == 0)
			s->rc = err->code;
	}
	diag_setprogname("ndx-run");
	s->seconds += ndx_seconds() - t0;
	return rc;
}

/* public-health: its --summary file and the risk line, as ndx-transform
 * writes them. */
static int
ph_more(struct stage *s, struct ndx_error *err)
{
	char line[256];

	if (transform_write_summary(&s->t, ndx_outfile_fp(s->summary),
	    err) != 0) {
		snprintf(err->file, sizeof(err->file), "%s",
		    ndx_outfile_name(s->summary));
		return -1;
	}
	risk_format(&s->t.risk, line, sizeof(line));
	diag_warnx("risk: %s", line);
	return 0;
}

static int
pseudo_more(struct stage *s, struct ndx_error *err)
{
	struct keyed *k = keyed_of(s);

	(void)err;
	diag_warnx("%ld clients, %ld episodes, %ld rows pseudonymised",
	    k->pf.clients, k->pf.episodes, k->pf.rows);
	return 0;
}

static void
stage_init(struct stage *s, const char *name, const char *prog)
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->prog = prog;
}

/* Opens out (and html) and the product's filter over clients of h. */
static int
stage_product(struct pass *p, struct stage *s, product_open_fn *open,
    void (*free_filter)(struct ndx_filter *), const char *path,
    const char *html, const char *summary, const struct ndx_header *h,
    struct ndx_error *err)
{
	s->t.ds = p->ds;
	s->free_filter = free_filter;
	if ((s->out = ndx_outfile_open(path, err)) == NULL ||
	    (html != NULL && (s->html = ndx_outfile_open(html, err)) ==
	    NULL) || (summary != NULL && (s->summary =
	    ndx_outfile_open(summary, err)) == NULL))
		return -1;
	if (s->html != NULL) {
		s->t.html = html;
		s->t.html_fp = ndx_outfile_fp(s->html);
	}
	s->filter = open(&s->t, h, ndx_outfile_fp(s->out), err);
	return s->filter != NULL ? 0 : -1;
}

static void
stage_free(struct stage *s)
{
	if (s->filter != NULL && s->free_filter != NULL)
		s->free_filter(s->filter);
	s->filter = NULL;
	ndx_outfile_abort(s->out);
	ndx_outfile_abort(s->html);
	ndx_outfile_abort(s->summary);
	s->out = s->html = s->summary = NULL;
	arena_free(s->copy);
	s->copy = NULL;
}

static void
add_top(struct pass *p, struct stage *s)
{
	p->top = xreallocarray(p->top, p->ntop + 1, sizeof(*p->top));
	p->top[p->ntop++] = s;
}

/* Every stage after the validator, ready for clients of h. */
static int
open_stages(struct pass *p, const struct ndx_header *h, struct ndx_error *err)
{
	const struct pass_spec *sp = p->spec;
	struct ndx_header ph = *h;
	struct ndx_secret *key;
	int k;

	ph.pseudonymised = 1;
	if (sp->commissioner != NULL) {
		struct stage *s = &p->commissioner;

		stage_init(s, "transform-commissioner", "ndx-transform");
		s->t.product = "commissioner";
		s->t.input = sp->valid;
		if (stage_product(p, s, product_commissioner,
		    product_records_free, sp->commissioner, NULL, NULL, h,
		    err) != 0)
			return -1;
		add_top(p, s);
	}
	if (sp->pcc_csv != NULL) {
		struct stage *s = &p->pcc;

		stage_init(s, "transform-pcc-return", "ndx-transform");
		s->t.product = "pcc-return";
		s->t.input = sp->valid;
		s->t.format = FORMAT_CSV;
		s->t.area = ndx_dataset_area_name(p->ds, sp->area);
		s->t.threshold = TRANSFORM_THRESHOLD_DEFAULT;
		s->t.has_period = 1;
		s->t.period = sp->period;
		s->t.trend = sp->trend;
		k = sp->disclosure != NULL ?
		    transform_disclosure(sp->disclosure) : DISCLOSURE_SUPPRESS;
		if (s->t.area == NULL || k < 0) {
			ndx_error_set(err, NDX_EX_CONFIG, "", 0, "the area or "
			    "the disclosure method is not one ndx-transform "
			    "knows");
			return -1;
		}
		s->t.disclosure = (enum disclosure)k;
		if (stage_product(p, s, product_pcc_return, product_pcc_free,
		    sp->pcc_csv, sp->pcc_html, NULL, h, err) != 0)
			return -1;
		add_top(p, s);
	}
	if (sp->nkeys > 0 && ndx_secret_nodump(err) != 0)
		return -1;
	p->keys = xcalloc(sp->nkeys + 1, sizeof(*p->keys));
	p->ph = xcalloc(sp->nph + 1, sizeof(*p->ph));
	for (size_t i = 0; i < sp->nkeys; i++) {
		struct keyed *kd = &p->keys[i];
		struct stage *s = &kd->st;

		stage_init(s, sp->keys[i].stage, "ndx-pseudonymise");
		kd->tee.client = keyed_client;
		if ((key = ndx_key_read(sp->keys[i].key_file, err)) == NULL)
			return -1;
		kd->mac = ndx_mac_new(key, err);
		ndx_secret_free(key);
		if (kd->mac == NULL ||
		    (s->out = ndx_outfile_open(sp->keys[i].xml, err)) == NULL ||
		    pseudo_filter_open(&kd->pf, kd->mac, p->ds, sp->valid, h,
		    ndx_outfile_fp(s->out), ndx_outfile_name(s->out),
		    &kd->tee, err) != 0)
			return -1;
		kd->pf_open = 1;
		s->filter = &kd->pf.filter;
		s->copy = arena_new();
		add_top(p, s);
	}
	for (size_t i = 0; i < sp->nph; i++) {
		struct stage *s = &p->ph[i];
		struct keyed *kd = &p->keys[sp->ph[i].key];

		stage_init(s, sp->ph[i].stage, "ndx-transform");
		s->t.product = "public-health";
		/* min_k's second reading is of the pseudonymised file. */
		s->t.input = sp->keys[sp->ph[i].key].xml;
		s->t.min_k = sp->ph[i].min_k;
		s->t.cohort = sp->ph[i].cohort != NULL ?
		    outcomes_cohort(sp->ph[i].cohort) + 1 : 0;
		if (stage_product(p, s, product_public_health,
		    product_records_free, sp->ph[i].csv, NULL,
		    sp->ph[i].summary, &ph, err) != 0)
			return -1;
		kd->ph = xreallocarray(kd->ph, kd->nph + 1, sizeof(*kd->ph));
		kd->ph[kd->nph++] = s;
	}
	return 0;
}

/* After the validator: every stage ended and published, in the order
 * their outputs need (a key's file before its public-health stages). */
static int
end_stages(struct pass *p, struct ndx_error *err)
{
	for (size_t i = 0; i < p->ntop; i++) {
		struct stage *s = p->top[i];

		if (s->copy == NULL) {
			if (stage_end(s, NULL, err) != 0)
				return -1;
			continue;
		}
		struct keyed *kd = keyed_of(s);

		if (stage_end(s, pseudo_more, err) != 0)
			return -1;
		for (size_t j = 0; j < kd->nph; j++)
			if (stage_end(kd->ph[j], ph_more, err) != 0)
				return -1;
	}
	return 0;
}

/* The stages for run.log, each with its own time. */
static void
results(struct pass *p, double validate_seconds)
{
	struct pass_result *r = p->res;
	double fed = 0;

	for (size_t i = 0; i < p->ntop; i++)
		fed += p->top[i]->seconds;
	r->nstage = 0;
	r->stage = xcalloc(1 + p->ntop + p->spec->nph, sizeof(*r->stage));
	r->stage[r->nstage].name = p->spec->validate_stage;
	r->stage[r->nstage].rc = r->rejected ? NDX_EX_REJECTED : 0;
	r->stage[r->nstage++].seconds = validate_seconds - fed > 0 ?
	    validate_seconds - fed : 0;
	for (size_t i = 0; i < p->ntop; i++) {
		struct stage *s = p->top[i];
		double own = s->seconds;
		struct keyed *kd = NULL;

		if (s->copy != NULL) {
			kd = keyed_of(s);
			for (size_t j = 0; j < kd->nph; j++)
				own -= kd->ph[j]->seconds;
		}
		r->stage[r->nstage].name = s->name;
		r->stage[r->nstage].rc = s->rc;
		r->stage[r->nstage++].seconds = own > 0 ? own : 0;
		for (size_t j = 0; kd != NULL && j < kd->nph; j++) {
			r->stage[r->nstage].name = kd->ph[j]->name;
			r->stage[r->nstage].rc = kd->ph[j]->rc;
			r->stage[r->nstage++].seconds = kd->ph[j]->seconds;
		}
	}
}

static void
pass_free(struct pass *p)
{
	for (size_t i = 0; i < p->spec->nph && p->ph != NULL; i++)
		stage_free(&p->ph[i]);
	for (size_t i = 0; i < p->spec->nkeys && p->keys != NULL; i++) {
		struct keyed *kd = &p->keys[i];

		kd->st.filter = NULL;	/* kd->pf, freed here */
		if (kd->pf_open)
			pseudo_filter_free(&kd->pf);
		stage_free(&kd->st);
		ndx_mac_free(kd->mac);	/* the keyed state is wiped */
		free(kd->ph);
	}
	stage_free(&p->commissioner);
	stage_free(&p->pcc);
	free(p->keys);
	free(p->ph);
	free(p->top);
	validate_free(p->v);
	ndx_dataset_free(p->ds);
}

/* Rows through the pass, for a person watching a terminal. */
struct progress {
	double t0, shown;
	long rows;
	int drawn;
};

/*
 * Twice a second at most, on one line redrawn: rows and rows a second,
 * so a million-row month is seen to move; the last, with end, stays.
 * Never in run.log: this is standard error on a terminal only.
 */
static void
progress(struct progress *pg, const struct ndx_client *c, int end)
{
	double now;

	for (size_t i = 0; c != NULL && i < c->nep; i++)
		pg->rows += (long)c->ep[i].niv;
	if ((++pg->drawn & 255) != 0 && !end)
		return;
	now = ndx_seconds();
	if (!end && now - pg->shown < 0.5)
		return;
	pg->shown = now;
	fprintf(stderr, "\rndx-run: validate and products: %ld rows, %.0f "
	    "rows/s%s", pg->rows, now > pg->t0 ? pg->rows / (now - pg->t0) :
	    0.0, end ? "\n" : "");
	fflush(stderr);
}

int
run_pass(const struct pass_spec *sp, struct pass_result *res)
{
	struct pass p;
	struct validate_options o;
	struct epxml_reader *reader = NULL;
	const struct epxml_problem *probs;
	struct ndx_client *c;
	struct ndx_error err;
	size_t nprobs;
	double t0 = ndx_seconds(), secs;
	struct progress pg = { t0, t0, 0, 0 };
	int rc = -1, more;
	const char *failed = sp->validate_stage;

	memset(&p, 0, sizeof(p));
	memset(&err, 0, sizeof(err));
	memset(res, 0, sizeof(*res));
	p.spec = sp;
	p.res = res;
	p.tee.client = top_client;
	memset(&o, 0, sizeof(o));
	o.area = sp->area;
	o.input = sp->episodes;
	o.out_path = sp->valid;
	o.rejects_path = sp->rejects;
	o.report_path[o.nreports++] = sp->report_csv;
	o.report_path[o.nreports++] = sp->report_xml;

	diag_setprogname("ndx-validate");
	if ((p.ds = ndx_dataset_load(&err)) == NULL ||
	    (p.v = validate_new(&o, p.ds, &err)) == NULL ||
	    (reader = epxml_reader_open(sp->episodes, p.ds, EPXML_PARTS,
	    &err)) == NULL ||
	    validate_begin(p.v, epxml_reader_header(reader), &p.tee,
	    &err) != 0)
		goto out;
	diag_setprogname("ndx-run");
	res->version = epxml_reader_header(reader)->version;
	if (open_stages(&p, epxml_reader_header(reader), &err) != 0) {
		failed = "the pass's outputs";
		goto out;
	}
	diag_setprogname("ndx-validate");
	while ((more = epxml_reader_next(reader, validate_arena(p.v), &c,
	    &probs, &nprobs, &err)) == 1) {
		if (sp->progress)
			progress(&pg, c, 0);
		if (*sp->stop ||
		    validate_client(p.v, c, probs, nprobs, &err) != 0)
			goto out;
	}
	/* The line ends before the validator's summary starts. */
	if (sp->progress)
		progress(&pg, NULL, 1);
	if (more < 0 || validate_end(p.v, &err) != 0)
		goto out;
	secs = ndx_seconds() - t0;
	res->rejected = validate_rejected(p.v) > 0;
	diag_setprogname("ndx-run");
	if (end_stages(&p, &err) != 0)
		goto out;
	results(&p, secs);
	rc = 0;
out:
	epxml_reader_close(reader);
	if (rc != 0 && !*sp->stop) {
		/* The stage whose filter failed says so, under its name. */
		for (size_t i = 0; i < p.ntop; i++) {
			struct stage *s = p.top[i];
			struct keyed *kd = s->copy != NULL ? keyed_of(s) :
			    NULL;

			for (size_t j = 0; kd != NULL && j < kd->nph; j++)
				if (kd->ph[j]->rc != 0) {
					s = kd->ph[j];
					break;
				}
			if (s->rc != 0) {
				diag_setprogname(s->prog);
				failed = s->name;
				break;
			}
		}
		res->failed = failed;
		rc = diag_error(&err);
	} else if (rc != 0)
		rc = 128 + *sp->stop;
	diag_setprogname("ndx-run");
	pass_free(&p);
	return rc;
}
