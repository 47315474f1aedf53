/*
 * ndx-validate: checks an episodes file against the dataset, streaming.
 *
 * The reader judges each record's form as the file streams in (and, with
 * --xsd, libxml2's validator too); the rules of
 * dataset.md §5 run over one client group at a time (every <client> with
 * the same AGNCY and CLIENTID, which ndx-extract writes adjacently), so
 * memory holds one client's rows and no more, and of a client of more
 * than 1,024 episodes a few dozen bytes an episode ("large groups",
 * below).  Valid episodes go to -o,
 * every row of a rejected episode to --rejects, every problem to --report,
 * and a summary to standard error.  The row count is checked before exit:
 * rows read = rows written + rows rejected + duplicates removed.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "ndx/arena.h"
#include "ndx/csvrec.h"
#include "ndx/dataset.h"
#include "ndx/diag.h"
#include "ndx/epxml.h"
#include "ndx/filter.h"
#include "ndx/ndx.h"
#include "ndx/outfile.h"
#include "validate.h"
#include "validate_main.h"

#define ADOPT_MIN (1u << 20)	/* a client read this large is not copied */

enum count {
	EPISODES_READ, EPISODES_VALID, EPISODES_REJECTED, ROWS_READ,
	ROWS_WRITTEN, ROWS_REJECTED, DUPLICATES, NCOUNTS
};

/* A form problem of the reader's, and which client of the group it is in
 * (its episode counted within that client, not the reader's part). */
struct form_problem {
	size_t client;
	size_t order;		/* as the reader found them */
	struct epxml_problem p;
};

struct large;

struct validate {
	struct validate_options o;
	const char *area;		/* o.area, as areas.csv spells it */
	struct ndx_filter *next;	/* takes the valid part of each
					   client, or NULL */

	const struct ndx_dataset *ds;
	const struct ndx_rule *rules;
	size_t nrules;
	struct rules_ctx ctx;
	struct problems problems;

	/*
	 * Open until published or discarded: the outputs, the episodes
	 * writer and the reports' writers.  NULL once released.
	 */
	struct ndx_outfile *out, *rej, *rep[VALIDATE_REPORTS_MAX];
	struct epxml_writer *writer;
	struct report *report[VALIDATE_REPORTS_MAX];

	/*
	 * The current group: its clients, in group_arena and the arenas
	 * adopted from the reader (see add_to_group); scratch is the arena
	 * the next client is read into.
	 */
	struct ndx_arena *group_arena, *scratch;
	struct ndx_arena **adopted;
	size_t nadopted, adoptedcap;
	struct ndx_client **group;
	size_t ngroup, groupcap;
	struct form_problem *form;	/* its records' form problems */
	size_t nform, formcap;

	/* The current group is large: an element of it came in parts, and
	 * the group is spooled and judged a chunk at a time (judge_large). */
	struct large *large;
	int in_large;

	size_t ncolumns;	/* of the rejects: the input's version's */
	long counts[NCOUNTS];
	long *by_rule;
	struct agencies agencies;	/* episodes read by AGNCY */
};

static const char usage_text[] =
    "usage: ndx-validate [--area NAME] [-o VALID.xml] "
    "[--rejects REJECTS.csv]\n"
    "                    [--report REPORT.csv|REPORT.xml] [--xsd] "
    "[FILE | -]\n";

static const char help_text[] =
    "\nChecks an episodes file (ndx-extract's XML) against the dataset's "
    "XSD and\nrules R001-R126 (schemas/rules.csv), one client group at a "
    "time.\n\n"
    "  --area NAME          the police force area (schemas/areas.csv); a "
    "local\n"
    "                       authority outside it is a warning (R120)\n"
    "  -o, --output FILE    the valid episodes, as XML (default: standard "
    "output)\n"
    "  --rejects FILE       every row of every rejected episode, in the "
    "CSV layout,\n"
    "                       ready to be corrected and sent again "
    "(ndx-extract\n"
    "                       --corrections)\n"
    "  --report FILE        one entry per problem; .csv or .xml by the "
    "name, and\n"
    "                       the option may be given twice for both\n"
    "  --xsd                run libxml2's XSD validator as well, a second "
    "opinion\n"
    "  -h, --help           print this help\n"
    "  --version            print the version\n\n"
    "Exit status: 0 valid (warnings may have been reported); 1 records "
    "rejected,\nevery output complete; 64 usage; 65 not an episodes file; "
    "66 no input;\n73 an output cannot be created; 74 a write error. See "
    "ndx-validate(1).\n";

static int
usage(void)
{
	fputs(usage_text, stderr);
	return NDX_EX_USAGE;
}

static int
same_group(const struct ndx_client *a, const struct ndx_client *b)
{
	return same_value(NDX_C(a, NDX_AGNCY), NDX_C(b, NDX_AGNCY)) &&
	    same_value(NDX_C(a, NDX_CLIENTID), NDX_C(b, NDX_CLIENTID));
}

/*
 * The reader's form problems, under R001: an element out of order, an
 * undeclared one, an empty item.  A record the rules already found a
 * value error in is not told twice (a mandatory item missing is R003's).
 * With --xsd, a problem libxml2's validator finds is reported only where
 * ndx found none in that record: both judges' verdicts then reject it.
 */
static void
form_problems(struct validate *v, struct ndx_client *const *cl,
    const struct form_problem *form, size_t nform)
{
	for (int xsd = 0; xsd <= 1; xsd++)
		for (size_t k = 0; k < nform; k++) {
			const struct epxml_problem *xp = &form[k].p;
			struct ndx_client *c = cl[form[k].client];
			struct ndx_episode *e = xp->episode >= 0 ?
			    &c->ep[xp->episode] : NULL;
			struct ndx_intervention *iv = e != NULL &&
			    xp->intervention >= 0 ? &e->iv[xp->intervention] :
			    NULL;
			unsigned *mark = iv ? &iv->mark : e ? &e->mark :
			    &c->mark;
			struct problem *p;

			if (xp->xsd != xsd || (*mark & (MARK_VALUE_ERR |
			    MARK_FORM_ERR)))
				continue;
			*mark |= MARK_FORM_ERR;
			p = problem_add(&v->ctx, c, e, iv, xp->item, "R001",
			    "%s%s", xsd ? "libxml2's XSD validator: " :
			    "does not match the dataset schema: ",
			    xp->message);
			if (xp->item < 0)
				p->field_name = arena_strdup(v->ctx.arena,
				    xp->element);
		}
}

static int
problem_order(const void *x, const void *y)
{
	const struct problem *a = x, *b = y;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->xml_line != b->xml_line)
		return a->xml_line < b->xml_line ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* 0, or -1 with err set. */
static int
write_rejects(struct validate *v, const struct ndx_client *c,
    const struct ndx_episode *e, struct ndx_error *err)
{
	const char *f[NDX_NITEMS];
	char dmy[NDX_NITEMS][11];

	for (size_t j = 0; j < e->niv; j++) {
		v->counts[ROWS_REJECTED]++;
		if (v->rej == NULL)
			continue;
		for (size_t k = 0; k < v->ncolumns; k++)
			f[k] = csv_value(c, e, &e->iv[j], ndx_layout_csv[k],
			    dmy[k]);
		if (csvrec_write_row(ndx_outfile_fp(v->rej), f, v->ncolumns,
		    1) != 0) {
			ndx_error_set(err, NDX_EX_IOERR, v->o.rejects_path, 0,
			    "write error");
			return -1;
		}
	}
	return 0;
}

/*
 * The valid part of one client element (or of a chunk of one), counted:
 * the element is filtered in place, since the group is dropped once
 * written and a copy would hold a client of a million rows twice.
 */
static void
keep_valid(struct validate *v, struct ndx_client *c)
{
	size_t nep = 0;

	for (size_t i = 0; i < c->nep; i++) {
		struct ndx_episode *e = &c->ep[i];
		size_t niv = 0;

		if (e->mark & MARK_REJECTED)
			continue;
		for (size_t j = 0; j < e->niv; j++) {
			if (e->iv[j].mark & MARK_DUPLICATE) {
				v->counts[DUPLICATES]++;
				continue;
			}
			e->iv[niv++] = e->iv[j];
			v->counts[ROWS_WRITTEN]++;
		}
		/* Every row a duplicate of another element's (rows differing
		 * only in the case of initials): the element goes, its
		 * episode is written once, by the first. */
		if (niv == 0 && e->niv > 0)
			continue;
		e->niv = niv;
		c->ep[nep++] = *e;
	}
	c->nep = nep;
}

/* Writes c, initials upper-cased, and passes it on: 0, or -1 with err
 * set. */
static int
write_client(struct validate *v, struct ndx_client *c, struct ndx_error *err)
{
	static const enum ndx_item initials[] = { NDX_FINITIAL, NDX_SINITIAL };

	for (size_t k = 0; k < 2; k++) {
		const char *s = NDX_C(c, initials[k]);

		if (s != NULL && s[0] >= 'a' && s[0] <= 'z') {
			char *u = arena_strdup(v->group_arena, s);

			u[0] = (char)(u[0] - 'a' + 'A');
			NDX_C(c, initials[k]) = u;
		}
	}
	if (epxml_write_client(v->writer, c, err) != 0) {
		snprintf(err->file, sizeof(err->file), "%s",
		    ndx_outfile_name(v->out));
		return -1;
	}
	return v->next != NULL ? v->next->client(v->next, c, err) : 0;
}

static int
write_valid(struct validate *v, struct ndx_client *c, struct ndx_error *err)
{
	keep_valid(v, c);
	return c->nep > 0 ? write_client(v, c, err) : 0;
}

/* A problem into the summary's counts and every report: 0, or -1 with
 * err set. */
static int
count_and_report(struct validate *v, const struct problem *p,
    struct ndx_error *err)
{
	v->by_rule[p->rule - v->rules]++;
	for (size_t r = 0; r < v->o.nreports; r++)
		if (report_problem(v->report[r], p) != 0) {
			ndx_error_set(err, NDX_EX_IOERR, v->o.report_path[r], 0,
			    "write error");
			return -1;
		}
	return 0;
}

/* The rules of each episode of c and of each of its rows. */
static void
record_rules(struct validate *v, struct ndx_client *c)
{
	for (size_t i = 0; i < c->nep; i++) {
		rules_episode(&v->ctx, c, &c->ep[i]);
		for (size_t j = 0; j < c->ep[i].niv; j++)
			rules_intervention(&v->ctx, c, &c->ep[i],
			    &c->ep[i].iv[j]);
	}
}

/* After the rules: 0, or -1 (70) when the code named a rule rules.csv
 * lacks, a bug (problem_add). */
static int
rules_known(const struct validate *v, struct ndx_error *err)
{
	if (v->ctx.unknown_rule == NULL)
		return 0;
	ndx_error_set(err, NDX_EX_SOFTWARE, "", 0, "rule %s is not in "
	    "rules.csv", v->ctx.unknown_rule);
	return -1;
}

/* A group's problems, sorted, into the counts and reports: 0, or -1 with
 * err set. */
static int
report_group(struct validate *v, struct problem *p, size_t n,
    struct ndx_error *err)
{
	if (n > 1)
		qsort(p, n, sizeof(*p), problem_order);
	for (size_t k = 0; k < n; k++)
		if (count_and_report(v, &p[k], err) != 0)
			return -1;
	return 0;
}

/* A group's episodes (distinct EPISODIDs) into the summary's counts. */
static void
count_episodes(struct validate *v, const char *agncy, long episodes,
    long rejected)
{
	v->counts[EPISODES_READ] += episodes;
	agencies_add(&v->agencies, agncy, episodes);
	v->counts[EPISODES_REJECTED] += rejected;
	v->counts[EPISODES_VALID] += episodes - rejected;
}

/* Every row of c's rejected episodes to --rejects: 0, or -1 with err. */
static int
write_rejected(struct validate *v, const struct ndx_client *c,
    struct ndx_error *err)
{
	for (size_t i = 0; i < c->nep; i++)
		if ((c->ep[i].mark & MARK_REJECTED) &&
		    write_rejects(v, c, &c->ep[i], err) != 0)
			return -1;
	return 0;
}

/* 0, or -1 with err set. */
static int
process_group(struct validate *v, struct ndx_error *err)
{
	v->problems.n = 0;
	v->ctx.arena = v->group_arena;
	for (size_t a = 0; a < v->ngroup; a++) {
		rules_client(&v->ctx, v->group[a]);
		record_rules(v, v->group[a]);
	}
	form_problems(v, v->group, v->form, v->nform);
	rules_group(&v->ctx, v->group, v->ngroup);
	if (rules_known(v, err) != 0 ||
	    report_group(v, v->problems.p, v->problems.n, err) != 0)
		return -1;
	count_episodes(v, NDX_C(v->group[0], NDX_AGNCY), v->ctx.episodes,
	    v->ctx.episodes_rejected);
	for (size_t a = 0; a < v->ngroup; a++)
		if (write_rejected(v, v->group[a], err) != 0 ||
		    write_valid(v, v->group[a], err) != 0)
			return -1;
	v->ngroup = 0;
	v->nform = 0;
	arena_reset(v->group_arena);
	while (v->nadopted > 0)
		arena_free(v->adopted[--v->nadopted]);
	return 0;
}

/* A form problem of the reader's in client element k of the group, its
 * episode the offset-th and after of the element's. */
static void
add_form(struct validate *v, size_t k, size_t offset,
    const struct epxml_problem *xp)
{
	struct form_problem *f;

	if (v->nform == v->formcap) {
		v->formcap = v->formcap ? v->formcap * 2 : 16;
		v->form = xreallocarray(v->form, v->formcap, sizeof(*v->form));
	}
	f = &v->form[v->nform];
	f->client = k;
	f->order = v->nform++;
	f->p = *xp;
	if (f->p.episode >= 0)
		f->p.episode += (long)offset;
}

/*
 * Takes c, just read into v->scratch, into the group without copying
 * what is large: the first client of a group brings its arena along (the
 * two arenas swap), and so does any other client of ADOPT_MIN bytes.
 * The many small elements of a client whose rows disagree are copied
 * instead, so that each does not keep an arena's first block.
 */
static void
add_to_group(struct validate *v, struct ndx_client *c,
    const struct epxml_problem *probs, size_t nprobs)
{
	struct ndx_arena *t;

	if (v->ngroup == v->groupcap) {
		v->groupcap = v->groupcap ? v->groupcap * 2 : 4;
		v->group = xreallocarray(v->group, v->groupcap,
		    sizeof(*v->group));
	}
	if (v->ngroup == 0) {
		t = v->group_arena;
		v->group_arena = v->scratch;
		v->scratch = t;
	} else if (arena_size(v->scratch) >= ADOPT_MIN) {
		if (v->nadopted == v->adoptedcap) {
			v->adoptedcap = v->adoptedcap ? v->adoptedcap * 2 : 4;
			v->adopted = xreallocarray(v->adopted, v->adoptedcap,
			    sizeof(*v->adopted));
		}
		v->adopted[v->nadopted++] = v->scratch;
		v->scratch = arena_new();
	} else {
		c = ndx_client_copy(v->group_arena, c);
		arena_reset(v->scratch);
	}
	for (size_t k = 0; k < nprobs; k++)
		add_form(v, v->ngroup, 0, &probs[k]);
	v->group[v->ngroup++] = c;
}

static long
rows_of(const struct ndx_client *c)
{
	long n = 0;

	for (size_t i = 0; i < c->nep; i++)
		n += (long)c->ep[i].niv;
	return n;
}

/* 0, or -1 with err set; what was opened is in v, to release. */
static int
open_outputs(struct validate *v, const struct ndx_header *h,
    struct ndx_error *err)
{
	const char *outs[2 + VALIDATE_REPORTS_MAX];
	size_t nouts = 0;

	v->ncolumns = ndx_layout_csv_len(h->version);
	outs[nouts++] = v->o.out_path;
	outs[nouts++] = v->o.rejects_path;
	for (size_t r = 0; r < v->o.nreports; r++)
		outs[nouts++] = v->o.report_path[r];
	if (ndx_outputs_distinct(v->o.input, outs, nouts, err) != 0)
		return -1;
	if ((v->out = ndx_outfile_open(v->o.out_path, err)) == NULL ||
	    (v->writer = epxml_writer_open(ndx_outfile_fp(v->out), h,
	    err)) == NULL)
		return -1;
	if (v->o.rejects_path != NULL) {
		const char *hdr[NDX_NITEMS];

		if ((v->rej = ndx_outfile_open(v->o.rejects_path, err)) ==
		    NULL)
			return -1;
		for (size_t k = 0; k < v->ncolumns; k++)
			hdr[k] = ndx_items[ndx_layout_csv[k]].code;
		if (csvrec_write_row(ndx_outfile_fp(v->rej), hdr,
		    v->ncolumns, 0) != 0) {
			ndx_error_set(err, NDX_EX_IOERR, v->o.rejects_path, 0,
			    "write error");
			return -1;
		}
	}
	for (size_t r = 0; r < v->o.nreports; r++) {
		const char *p = v->o.report_path[r];
		size_t n = strlen(p);
		int xml = n > 4 && strcmp(p + n - 4, ".xml") == 0;

		if ((v->rep[r] = ndx_outfile_open(p, err)) == NULL ||
		    (v->report[r] = report_open(ndx_outfile_fp(v->rep[r]), xml,
		    v->o.input, h->asof, h->period, err)) == NULL)
			return -1;
	}
	return 0;
}

/*
 * Publishes every output, or none: 0, or -1 with err set (then what is
 * not yet published is left in v, to discard).
 */
static int
close_outputs(struct validate *v, struct ndx_error *err)
{
	int rc;

	for (size_t r = 0; r < v->o.nreports; r++) {
		rc = report_close(v->report[r], v->by_rule, v->rules,
		    v->nrules, v->counts, &v->agencies);
		v->report[r] = NULL;
		if (rc != 0) {
			ndx_error_set(err, NDX_EX_IOERR, v->o.report_path[r], 0,
			    "write error");
			return -1;
		}
	}
	rc = epxml_writer_close(v->writer, err);
	v->writer = NULL;
	if (rc != 0) {
		snprintf(err->file, sizeof(err->file), "%s",
		    ndx_outfile_name(v->out));
		return -1;
	}
	/* All written out before any is published: a write error leaves
	 * none of them, not a report without its valid episodes. */
	for (size_t r = 0; r < v->o.nreports; r++)
		if (ndx_outfile_flush(v->rep[r], err) != 0)
			return -1;
	if (v->rej != NULL && ndx_outfile_flush(v->rej, err) != 0)
		return -1;
	if (ndx_outfile_flush(v->out, err) != 0)
		return -1;
	/* A commit releases its output, published or not. */
	for (size_t r = 0; r < v->o.nreports; r++) {
		rc = ndx_outfile_commit(v->rep[r], err);
		v->rep[r] = NULL;
		if (rc != 0)
			return -1;
	}
	if (v->rej != NULL) {
		rc = ndx_outfile_commit(v->rej, err);
		v->rej = NULL;
		if (rc != 0)
			return -1;
	}
	rc = ndx_outfile_commit(v->out, err);
	v->out = NULL;
	return rc;
}

/*
 * Releases what a run that stopped early left open.  The episodes writer
 * is aborted, not closed: ending the document would make output cut short
 * look whole (on standard output, the next program in a pipe would take
 * it for all there is).  The reports and outputs are discarded, never
 * published.
 */
static void
discard_outputs(struct validate *v)
{
	epxml_writer_abort(v->writer);
	v->writer = NULL;
	for (size_t r = 0; r < v->o.nreports; r++) {
		report_abort(v->report[r]);
		v->report[r] = NULL;
		ndx_outfile_abort(v->rep[r]);
		v->rep[r] = NULL;
	}
	ndx_outfile_abort(v->rej);
	v->rej = NULL;
	ndx_outfile_abort(v->out);
	v->out = NULL;
}

static void
summary(const struct validate *v)
{
	diag_warnx("episodes: %ld read, %ld valid, %ld rejected",
	    v->counts[EPISODES_READ], v->counts[EPISODES_VALID],
	    v->counts[EPISODES_REJECTED]);
	diag_warnx("rows: %ld read, %ld written, %ld rejected, "
	    "%ld exact duplicates removed", v->counts[ROWS_READ],
	    v->counts[ROWS_WRITTEN], v->counts[ROWS_REJECTED],
	    v->counts[DUPLICATES]);
	for (size_t i = 0; i < v->nrules; i++)
		if (v->by_rule[i] > 0)
			diag_warnx("%s %s: %ld (%s)", v->rules[i].id,
			    v->rules[i].severity == NDX_SEV_ERROR ? "error" :
			    "warning", v->by_rule[i], v->rules[i].title);
}

/*
 * R104, once for each optional or conditional column the source CSV
 * lacked: a problem of the file, before any record's, at line 1 (the
 * header).  The rules then take the column's values as empty, as the
 * extract did, so any rule needing them still reports each row.
 */
static int
absent_columns(struct validate *v, uint64_t absent, struct ndx_error *err)
{
	const struct ndx_rule *rule = ndx_dataset_rule(v->ds, "R104");
	char msg[200];

	for (int item = 0; item < NDX_NITEMS; item++) {
		struct problem p = { 0 };

		if (!(absent & ndx_item_bit((enum ndx_item)item)))
			continue;
		if (rule == NULL) {	/* rules.csv and the code disagree */
			ndx_error_set(err, NDX_EX_SOFTWARE, "", 0,
			    "rule R104 is not in rules.csv");
			return -1;
		}
		snprintf(msg, sizeof(msg), "the CSV header has no %s column: "
		    "every row's %s is taken as empty", ndx_items[item].code,
		    ndx_items[item].code);
		p.line = 1;
		p.field = item;
		p.field_name = ndx_items[item].code;
		p.rule = rule;
		p.msg = msg;
		if (count_and_report(v, &p, err) != 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------- large groups */

/*
 * A group one of whose elements comes in parts (more than
 * EPXML_PART_EPISODES episodes) is not held: its episodes go to a spool
 * as they are read, with what the rules across the group need of each
 * (its EPISODID, R125's span, its rows' lines) and of each element (its
 * client items and lines, for R121).  At the group's end R121 and R125 are
 * decided on that, and the episodes come back from the spool a chunk at a
 * time, each chunk holding whole EPISODIDs, to be judged as the whole
 * group would be: the same problems, rejections, outputs and order.
 * What that needs is that each EPISODID's elements are next to one another
 * in one client element, as ndx-extract writes them; a group where they
 * are not is read back from the spool whole and judged as any other.
 */
#define NO_HIT UINT32_MAX

/* 48 bytes: a million episodes of one client are 48 MB of these. */
struct large_episode {
	const char *episodid;
	ndx_day start, end;	/* R125's span, when has_span */
	uint32_t element;
	uint32_t hit;		/* R125: the episode it overlaps, or NO_HIT */
	uint32_t line[LINES_SHOWN];	/* its rows' first lines, */
	uint32_t nlines;		/* of so many with a line */
	unsigned char has_span;	/* the first of its EPISODID, with dates */
};

struct large_element {
	struct ndx_client *c;	/* its client items, no episodes */
	size_t first, nep;	/* its episodes in ep[] */
	struct lines lines;
	long line;		/* its first CSV line: a client problem's */
	unsigned mark;		/* its client's, once its first chunk is judged */
	int r121;		/* its R121 finding, or -1 */
	int opened;		/* its <client> is begun in -o */
};

struct large {
	struct spool *spool;
	struct ndx_arena *arena;	/* elements' items, EPISODIDs */
	struct ndx_arena *chunk;	/* the chunk being judged */
	struct large_episode *ep;
	size_t nep, epcap;
	struct large_element *el;
	size_t nel, elcap;
	struct r121_finding found[R121_ITEMS];
	size_t nfound;
	int wide;	/* a line past 32 bits: the group is judged whole */
	/* The group's problems, kept with copies of what the report shows,
	 * to be sorted and reported at its end. */
	struct problem *kept;
	size_t nkept, keptcap;
	struct ndx_arena *kept_arena;
	struct ndx_client *who;		/* AGNCY and CLIENTID of them all */
	const char *last_from[3], *last_to[3];
	long episodes, episodes_rejected;
};

static struct large *
large_new(struct ndx_error *err)
{
	struct large *L = xcalloc(1, sizeof(*L));

	if ((L->spool = spool_open(err)) == NULL) {
		free(L);
		return NULL;
	}
	L->arena = arena_new();
	L->chunk = arena_new();
	L->kept_arena = arena_new();
	return L;
}

static void
large_free(struct large *L)
{
	if (L == NULL)
		return;
	spool_close(L->spool);
	arena_free(L->arena);
	arena_free(L->chunk);
	arena_free(L->kept_arena);
	free(L->ep);
	free(L->el);
	free(L->kept);
	free(L);
}

/* The first lines of e's rows, for R125's message. */
static void
keep_lines(struct large *L, struct large_episode *le,
    const struct ndx_episode *e)
{
	struct lines l = { .n = 0 };

	lines_add(&l, e);
	for (size_t k = 0; k < l.n; k++) {
		if (l.line[k] > (long)UINT32_MAX)
			L->wide = 1;
		le->line[k] = (uint32_t)l.line[k];
	}
	if (l.total > UINT32_MAX)
		L->wide = 1;
	le->nlines = (uint32_t)l.total;
}

static struct lines
lines_of(const struct large_episode *le)
{
	struct lines l = { .n = 0 };

	l.total = le->nlines;
	l.n = l.total < LINES_SHOWN ? l.total : LINES_SHOWN;
	for (size_t k = 0; k < l.n; k++)
		l.line[k] = le->line[k];
	return l;
}

static struct span
span_of(const struct large *L, size_t i)
{
	struct span sp;

	sp.start = L->ep[i].start;
	sp.end = L->ep[i].end;
	sp.episodid = L->ep[i].episodid;
	sp.ref = i;
	return sp;
}

/* Part c of the group into the spool, with its form problems: 0, or -1
 * with err set. */
static int
large_add(struct validate *v, struct ndx_client *c,
    const struct epxml_problem *probs, size_t nprobs, struct ndx_error *err)
{
	struct large *L = v->large;
	struct large_element *el;

	if (!(c->part & NDX_PART_CONT) || L->nel == 0) {
		if (L->nel == L->elcap) {
			L->elcap = L->elcap ? L->elcap * 2 : 4;
			L->el = xreallocarray(L->el, L->elcap, sizeof(*L->el));
		}
		el = &L->el[L->nel++];
		memset(el, 0, sizeof(*el));
		el->c = ndx_client_items(L->arena, c);
		el->first = L->nep;
		el->r121 = -1;
	}
	el = &L->el[L->nel - 1];
	for (size_t k = 0; k < nprobs; k++)
		add_form(v, L->nel - 1, el->nep, &probs[k]);
	for (size_t i = 0; i < c->nep; i++) {
		const struct ndx_episode *e = &c->ep[i];
		const char *id = NDX_E(e, NDX_EPISODID);
		struct large_episode *le, *prev = el->nep > 0 ?
		    &L->ep[L->nep - 1] : NULL;
		long line;

		if (L->nep == L->epcap) {
			L->epcap = L->epcap ? L->epcap * 2 : 1024;
			L->ep = xreallocarray(L->ep, L->epcap, sizeof(*L->ep));
			prev = el->nep > 0 ? &L->ep[L->nep - 1] : NULL;
		}
		le = &L->ep[L->nep];
		memset(le, 0, sizeof(*le));
		le->element = (uint32_t)(L->nel - 1);
		le->hit = NO_HIT;
		if (prev != NULL && same_value(prev->episodid, id))
			le->episodid = prev->episodid;
		else {
			struct span sp;

			if ((le->has_span = (unsigned char)r125_span(e, &sp))) {
				le->start = sp.start;
				le->end = sp.end;
			}
			le->episodid = id ? arena_strdup(L->arena, id) : NULL;
		}
		keep_lines(L, le, e);
		lines_add(&el->lines, e);
		if ((line = episode_line(e)) > 0 && (el->line == 0 ||
		    line < el->line))
			el->line = line;
		if (spool_put(L->spool, e, err) != 0)
			return -1;
		L->nep++;
		el->nep++;
	}
	return 0;
}

/* The group held so far into the spool, and the group large from now. */
static int
large_begin(struct validate *v, struct ndx_error *err)
{
	if (v->large == NULL && (v->large = large_new(err)) == NULL)
		return -1;
	v->in_large = 1;
	/* The held elements' form problems are already the elements'. */
	for (size_t a = 0; a < v->ngroup; a++)
		if (large_add(v, v->group[a], NULL, 0, err) != 0)
			return -1;
	v->ngroup = 0;
	arena_reset(v->group_arena);
	while (v->nadopted > 0)
		arena_free(v->adopted[--v->nadopted]);
	return 0;
}

static uint64_t
fnv64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;

	if (s == NULL)
		return 1;
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return h | 2;	/* never 0, an empty slot, nor NULL's 1 */
}

/*
 * Whether every EPISODID's episodes are one run, next to one another in
 * one element: a set of the runs' EPISODIDs (by hash: two that collide
 * only send the group the slower way).
 */
static int
runs_apart(const struct large *L)
{
	size_t cap = 64, mask;
	uint64_t *set;
	int apart = 0;

	while (cap < 2 * L->nep)
		cap *= 2;
	set = xcalloc(cap, sizeof(*set));
	mask = cap - 1;
	for (size_t i = 0; i < L->nep && !apart; i++) {
		uint64_t h;
		size_t k;

		if (i > 0 && L->ep[i].element == L->ep[i - 1].element &&
		    L->ep[i].episodid == L->ep[i - 1].episodid)
			continue;
		h = fnv64(L->ep[i].episodid);
		for (k = h & mask; set[k] != 0 && set[k] != h; k = (k + 1) &
		    mask)
			continue;
		if (set[k] == h)
			apart = 1;
		set[k] = h;
	}
	free(set);
	return apart;
}

/* The whole group back from the spool, judged as any other. */
static int
large_whole(struct validate *v, struct ndx_error *err)
{
	struct large *L = v->large;

	if (spool_rewind(L->spool, err) != 0)
		return -1;
	for (size_t a = 0; a < L->nel; a++) {
		struct ndx_client *c = ndx_client_copy(v->group_arena,
		    L->el[a].c);

		for (size_t i = 0; i < L->el[a].nep; i++)
			if (spool_get(L->spool, v->group_arena, c, err) != 0)
				return -1;
		if (v->ngroup == v->groupcap) {
			v->groupcap = v->groupcap ? v->groupcap * 2 : 4;
			v->group = xreallocarray(v->group, v->groupcap,
			    sizeof(*v->group));
		}
		v->group[v->ngroup++] = c;
	}
	return process_group(v, err);
}

static void
r125_hit(void *arg, const struct span *later, const struct span *hit)
{
	struct large *L = arg;

	L->ep[later->ref].hit = (uint32_t)hit->ref;
}

/* R121 and R125, which need the whole group, on what was kept of it. */
static void
large_across(struct large *L)
{
	struct ndx_client **cl = xreallocarray(NULL, L->nel, sizeof(*cl));
	struct lines *lines = xreallocarray(NULL, L->nel, sizeof(*lines));
	struct span *sp = xreallocarray(NULL, L->nep ? L->nep : 1,
	    sizeof(*sp));
	size_t nsp = 0;

	for (size_t a = 0; a < L->nel; a++) {
		cl[a] = L->el[a].c;
		lines[a] = L->el[a].lines;
	}
	L->nfound = L->nel > 1 ? r121_find(cl, lines, L->nel, L->found) : 0;
	for (size_t k = 0; k < L->nfound; k++)
		L->el[L->found[k].element].r121 = (int)k;
	free(cl);
	free(lines);
	for (size_t i = 0; i < L->nep; i++)
		if (L->ep[i].has_span)
			sp[nsp++] = span_of(L, i);
	r125_sweep(sp, nsp, r125_hit, L);
	free(sp);
}

/* A copy in the kept arena of s, the last copy reused (slot: which of
 * the problem's strings). */
static const char *
kept_str(struct large *L, int slot, const char *s)
{
	if (s == NULL)
		return NULL;
	if (s != L->last_from[slot]) {
		L->last_from[slot] = s;
		L->last_to[slot] = arena_strdup(L->kept_arena, s);
	}
	return L->last_to[slot];
}

/* The chunk's problems, kept for the group's end: what the report shows
 * is copied, the records they point to are about to go. */
static void
keep_problems(struct validate *v)
{
	struct large *L = v->large;

	if (L->who == NULL)
		L->who = ndx_client_items(L->kept_arena, L->el[0].c);
	for (size_t k = 0; k < v->problems.n; k++) {
		const struct problem *p = &v->problems.p[k];
		struct problem *q;

		if (L->nkept == L->keptcap) {
			L->keptcap = L->keptcap ? L->keptcap * 2 : 64;
			L->kept = xreallocarray(L->kept, L->keptcap,
			    sizeof(*L->kept));
		}
		q = &L->kept[L->nkept];
		*q = *p;
		q->seq = (uint32_t)L->nkept++;
		q->c = L->who;
		q->e = NULL;
		q->iv = NULL;
		q->episodid = kept_str(L, 0, p->episodid);
		q->modid = p->modid ? arena_strdup(L->kept_arena, p->modid) :
		    NULL;
		q->value = p->value ? arena_strdup(L->kept_arena, p->value) :
		    NULL;
		q->msg = kept_str(L, 1, p->msg);
		if (p->field < 0)
			q->field_name = kept_str(L, 2, p->field_name);
	}
}

/* The form problems of the reader's in element a, episodes [from, to) of
 * it, and the element's own when first: taken from *next on (v->form is
 * sorted by element, then episode). */
static void
chunk_form(struct validate *v, struct ndx_client *cc, size_t a, size_t from,
    size_t to, size_t *next)
{
	size_t k = *next, n;
	struct form_problem *f;

	while (k < v->nform && (v->form[k].client < a ||
	    (v->form[k].client == a && (v->form[k].p.episode < 0 ?
	    from > 0 : (size_t)v->form[k].p.episode < from))))
		k++;
	for (n = 0; k + n < v->nform && v->form[k + n].client == a &&
	    (v->form[k + n].p.episode < 0 ? from == 0 :
	    (size_t)v->form[k + n].p.episode < to); n++)
		;
	f = xreallocarray(NULL, n ? n : 1, sizeof(*f));
	for (size_t j = 0; j < n; j++) {
		f[j] = v->form[k + j];
		f[j].client = 0;
		if (f[j].p.episode >= 0)
			f[j].p.episode -= (long)from;
	}
	form_problems(v, &cc, f, n);
	free(f);
	*next = k + n;
}

/*
 * Judges chunk cc of element a, its episodes from the from-th of the
 * element's, as rules_group() would the whole group, then writes it: its
 * rejected episodes to --rejects, the rest as a part of the element in
 * -o.  0, or -1 with err set.
 */
static int
judge_chunk(struct validate *v, size_t a, struct ndx_client *cc, size_t from,
    size_t *form_next, struct ndx_error *err)
{
	struct large *L = v->large;
	struct large_element *el = &L->el[a];
	int first = from == 0, last = from + cc->nep == el->nep;

	v->problems.n = 0;
	v->ctx.arena = L->chunk;
	if (first)
		rules_client(&v->ctx, cc);
	else
		cc->mark = el->mark;
	record_rules(v, cc);
	chunk_form(v, cc, a, from, from + cc->nep, form_next);
	if (first) {
		if (el->r121 >= 0)
			r121_report(&v->ctx, cc, &L->found[el->r121]);
		if (L->nfound > 0)
			cc->mark |= MARK_REJECTED;
		el->mark = cc->mark;
	}
	rules_runs(&v->ctx, &cc, 1, 0);
	for (size_t i = 0; i < cc->nep; i++) {
		const struct large_episode *le = &L->ep[el->first + from + i];
		struct span hit;
		struct lines hit_lines;

		if (le->hit == NO_HIT)
			continue;
		hit = span_of(L, le->hit);
		hit_lines = lines_of(&L->ep[le->hit]);
		r125_report(&v->ctx, cc, &cc->ep[i], le->start, &hit,
		    &hit_lines);
	}
	if (rules_known(v, err) != 0)
		return -1;
	/* A client's problem is the element's, at its first line. */
	for (size_t k = 0; k < v->problems.n; k++)
		if (v->problems.p[k].e == NULL)
			v->problems.p[k].line = el->line;
	keep_problems(v);
	L->episodes += v->ctx.episodes;
	L->episodes_rejected += v->ctx.episodes_rejected;

	if (write_rejected(v, cc, err) != 0)
		return -1;
	keep_valid(v, cc);
	if (cc->nep == 0 && !(el->opened && last))
		return 0;
	cc->part = (el->opened ? NDX_PART_CONT : 0) | (last ? 0 :
	    NDX_PART_MORE);
	el->opened = 1;
	return write_client(v, cc, err);
}

static int
form_order(const void *x, const void *y)
{
	const struct form_problem *a = x, *b = y;

	if (a->client != b->client)
		return a->client < b->client ? -1 : 1;
	if (a->p.episode != b->p.episode)
		return a->p.episode < b->p.episode ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* The large group's end: judged a chunk at a time, its problems then
 * reported in order.  0, or -1 with err set. */
static int
judge_large(struct validate *v, struct ndx_error *err)
{
	struct large *L = v->large;
	size_t form_next = 0;
	int rc = 0;

	v->in_large = 0;
	if (L->wide || runs_apart(L))
		rc = large_whole(v, err);
	else {
		large_across(L);
		if (v->nform > 1)
			qsort(v->form, v->nform, sizeof(*v->form),
			    form_order);
		rc = spool_rewind(L->spool, err);
		for (size_t a = 0; a < L->nel && rc == 0; a++) {
			const struct large_element *el = &L->el[a];
			size_t from = 0;

			/* Every element is judged, one of no episodes too. */
			do {
				struct ndx_client *cc = ndx_client_copy(
				    L->chunk, el->c);
				size_t i = from;

				while (i < el->nep && rc == 0 &&
				    (i - from < EPXML_PART_EPISODES ||
				    same_value(L->ep[el->first + i].episodid,
				    L->ep[el->first + i - 1].episodid))) {
					rc = spool_get(L->spool, L->chunk, cc,
					    err);
					i++;
				}
				if (rc == 0)
					rc = judge_chunk(v, a, cc, from,
					    &form_next, err);
				arena_reset(L->chunk);
				from = i;
			} while (from < el->nep && rc == 0);
		}
		if (rc == 0)
			rc = report_group(v, L->kept, L->nkept, err);
		count_episodes(v, NDX_C(L->el[0].c, NDX_AGNCY), L->episodes,
		    L->episodes_rejected);
	}
	v->nform = 0;
	L->nep = L->nel = L->nfound = L->nkept = 0;
	L->wide = 0;
	L->episodes = L->episodes_rejected = 0;
	L->who = NULL;
	memset(L->last_from, 0, sizeof(L->last_from));
	arena_reset(L->arena);
	arena_reset(L->kept_arena);
	if (rc == 0)
		rc = spool_empty(L->spool, err);
	return rc;
}

/* The current group ends: 0, or -1 with err set. */
static int
end_group(struct validate *v, struct ndx_error *err)
{
	if (v->in_large)
		return judge_large(v, err);
	return v->ngroup > 0 ? process_group(v, err) : 0;
}

/* ------------------------------------------------------------ the filter */

struct validate *
validate_new(const struct validate_options *o, const struct ndx_dataset *ds,
    struct ndx_error *err)
{
	struct validate *v = xcalloc(1, sizeof(*v));

	v->o = *o;
	v->ds = ds;
	v->rules = ndx_dataset_rules(ds, &v->nrules);
	v->by_rule = xcalloc(v->nrules, sizeof(*v->by_rule));
	v->ctx.ds = ds;
	v->ctx.out = &v->problems;
	if (o->area != NULL && (v->ctx.las = ndx_dataset_area(ds, o->area,
	    &v->ctx.nlas)) == NULL) {
		ndx_error_set(err, NDX_EX_USAGE, "", 0, "--area %s: not a "
		    "police force area in areas.csv", o->area);
		validate_free(v);
		return NULL;
	}
	v->group_arena = arena_new();
	v->scratch = arena_new();
	return v;
}

int
validate_begin(struct validate *v, const struct ndx_header *h,
    struct ndx_filter *next, struct ndx_error *err)
{
	v->next = next;
	if (h->pseudonymised) {
		ndx_error_set(err, NDX_EX_DATAERR, v->o.input, 0,
		    "pseudonymised episodes cannot be validated; validate "
		    "before ndx-pseudonymise");
		return -1;
	}
	if (ndx_date_parse_iso(h->asof, &v->ctx.asof) != NDX_DATE_OK) {
		ndx_error_set(err, NDX_EX_DATAERR, v->o.input, 0,
		    "the episodes file has no valid data-cut date (asof)");
		return -1;
	}
	if (open_outputs(v, h, err) != 0)
		return -1;
	return absent_columns(v, h->absent, err);
}

struct ndx_arena *
validate_arena(struct validate *v)
{
	return v->scratch;
}

int
validate_client(struct validate *v, struct ndx_client *c,
    const struct epxml_problem *probs, size_t nprobs, struct ndx_error *err)
{
	int rc = 0;

	v->counts[ROWS_READ] += rows_of(c);
	if (!(c->part & NDX_PART_CONT)) {
		const struct ndx_client *first = v->in_large ?
		    v->large->el[0].c : v->ngroup > 0 ? v->group[0] : NULL;

		if (first != NULL && !same_group(first, c) &&
		    end_group(v, err) != 0)
			return -1;
		if ((c->part & NDX_PART_MORE) && !v->in_large &&
		    large_begin(v, err) != 0)
			return -1;
	}
	if (!v->in_large) {
		add_to_group(v, c, probs, nprobs);
		return 0;
	}
	rc = large_add(v, c, probs, nprobs, err);
	arena_reset(v->scratch);	/* the part is in the spool */
	return rc;
}

int
validate_end(struct validate *v, struct ndx_error *err)
{
	long total;

	if (end_group(v, err) != 0)
		return -1;
	total = v->counts[ROWS_WRITTEN] + v->counts[ROWS_REJECTED] +
	    v->counts[DUPLICATES];
	if (total != v->counts[ROWS_READ]) {
		ndx_error_set(err, NDX_EX_SOFTWARE, "", 0, "internal error: "
		    "%ld rows read but %ld accounted for",
		    v->counts[ROWS_READ], total);
		return -1;
	}
	if (close_outputs(v, err) != 0)
		return -1;
	summary(v);
	return 0;
}

long
validate_rejected(const struct validate *v)
{
	return v->counts[EPISODES_REJECTED];
}

void
validate_free(struct validate *v)
{
	if (v == NULL)
		return;
	discard_outputs(v);
	large_free(v->large);
	arena_free(v->group_arena);
	arena_free(v->scratch);
	while (v->nadopted > 0)
		arena_free(v->adopted[--v->nadopted]);
	free(v->adopted);
	free(v->group);
	free(v->form);
	free(v->problems.p);
	free(v->by_rule);
	agencies_free(&v->agencies);
	free(v);
}

/* ------------------------------------------------------------ the program */

/* Returns -1 to go on, or the exit code (0 for --help and --version). */
static int
parse_options(struct validate_options *o, int *xsd, int argc, char **argv)
{
	enum { OPT_AREA = 256, OPT_REJECTS, OPT_REPORT, OPT_VERSION, OPT_XSD };
	static const struct option longopts[] = {
		{ "area", required_argument, NULL, OPT_AREA },
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "rejects", required_argument, NULL, OPT_REJECTS },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "xsd", no_argument, NULL, OPT_XSD },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	optind = 0;	/* glibc: start afresh when run in-process again */
	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			return NDX_EX_OK;
		case 'o':
			o->out_path = optarg;
			break;
		case OPT_AREA:
			o->area = optarg;
			break;
		case OPT_REJECTS:
			o->rejects_path = optarg;
			break;
		case OPT_REPORT:
			if (o->nreports == VALIDATE_REPORTS_MAX) {
				diag_warnx("--report may be given at most "
				    "twice");
				return NDX_EX_USAGE;
			}
			o->report_path[o->nreports++] = optarg;
			break;
		case OPT_VERSION:
			printf("ndx-validate %s\n", NDX_VERSION);
			return NDX_EX_OK;
		case OPT_XSD:
			*xsd = 1;
			break;
		default:
			return usage();
		}
	}
	if (argc - optind > 1) {
		diag_one_input(argc - optind, argv + optind);
		return usage();
	}
	o->input = argc - optind == 1 ? argv[optind] : "-";
	return -1;
}

int
validate_main(int argc, char **argv)
{
	struct validate_options o;
	struct validate *v = NULL;
	struct epxml_reader *reader = NULL;
	struct ndx_dataset *ds = NULL;
	struct ndx_error err;
	const struct epxml_problem *probs;
	struct ndx_client *c;
	size_t nprobs;
	int rc, xsd = 0;

	memset(&o, 0, sizeof(o));
	diag_setprogname("ndx-validate");
	signal(SIGPIPE, SIG_IGN);
	epxml_quiet();
	if ((rc = parse_options(&o, &xsd, argc, argv)) >= 0)
		return rc;

	if ((ds = ndx_dataset_load(&err)) == NULL ||
	    (v = validate_new(&o, ds, &err)) == NULL ||
	    (reader = epxml_reader_open(o.input, ds, (xsd ? EPXML_XSD : 0) |
	    EPXML_PARTS, &err)) == NULL ||
	    validate_begin(v, epxml_reader_header(reader), NULL, &err) != 0)
		goto fail;
	while ((rc = epxml_reader_next(reader, validate_arena(v), &c, &probs,
	    &nprobs, &err)) == 1)
		if (validate_client(v, c, probs, nprobs, &err) != 0)
			goto fail;
	if (rc < 0 || validate_end(v, &err) != 0)
		goto fail;
	rc = validate_rejected(v) > 0 ? NDX_EX_REJECTED : NDX_EX_OK;
	goto out;
fail:
	rc = diag_error(&err);
out:
	validate_free(v);
	epxml_reader_close(reader);
	ndx_dataset_free(ds);
	xmlCleanupParser();
	return rc;
}
