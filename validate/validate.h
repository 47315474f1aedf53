/*
 * ndx-validate internals.  A "group" is every <client> element of one
 * AGNCY + CLIENTID (several when rows disagreed on client items); rules run
 * over one group at a time, which is the only state kept.
 */
#ifndef NDX_VALIDATE_H
#define NDX_VALIDATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ndx/dataset.h"
#include "ndx/date.h"
#include "ndx/model.h"

struct ndx_arena;
struct ndx_error;

struct problem {
	long line;		/* source CSV line, 0 when unknown */
	long xml_line;		/* for ordering when there is no CSV line */
	const struct ndx_client *c;	/* NULL for the file's (R104) */
	const struct ndx_episode *e;	/* NULL for a client-level problem */
	const struct ndx_intervention *iv; /* NULL unless intervention-level */
	uint32_t seq;		/* order found, for a stable sort */
	int field;		/* enum ndx_item, or -1 */
	const char *field_name;	/* when field < 0: an element name, or "" */
	const struct ndx_rule *rule;
	/* The record's EPISODID and MODID, for the report (NULL: none). */
	const char *episodid, *modid;
	const char *value;	/* as in the CSV layout; NULL = empty */
	const char *msg;	/* in the group's arena: a client of a million
				   rows may have a million problems */
};

struct problems {
	struct problem *p;
	size_t n, cap;
};

/* What the rules need to know besides the data. */
struct rules_ctx {
	const struct ndx_dataset *ds;
	ndx_day asof;
	const struct ndx_area_la *las;	/* --area, or NULL */
	size_t nlas;
	struct ndx_arena *arena;	/* the group's */
	struct problems *out;
	/* Set by rules_group(): distinct EPISODIDs, and those rejected. */
	long episodes, episodes_rejected;
	/*
	 * Set by problem_add() to the first rule the code names and
	 * rules.csv lacks: a bug, which ends the run (70) once the group's
	 * rules have run.  Such a problem is recorded nowhere: problem_add()
	 * returns unrecorded instead.
	 */
	const char *unknown_rule;
	struct problem unrecorded;
	/*
	 * Set by rules_episode() for rules_intervention() on the episode's
	 * rows (dataset version 2): its first start TOP, or NULL, and that
	 * TOP's date when it is a valid one.
	 */
	const struct ndx_intervention *start_top;
	int start_top_dated;
	ndx_day start_top_day;
};

/* Dates of one row, parsed once: ok[] is set for valid present dates. */
struct row_dates {
	ndx_day d[NDX_NITEMS];
	unsigned char ok[NDX_NITEMS];
};

/* rules.c: checks of single records and the items within one row. */
void rules_client(struct rules_ctx *, struct ndx_client *);
void rules_episode(struct rules_ctx *, struct ndx_client *,
    struct ndx_episode *);
void rules_intervention(struct rules_ctx *, struct ndx_client *,
    struct ndx_episode *, struct ndx_intervention *);

/* Marks (struct ndx_*.mark) set by the rules. */
#define MARK_REJECTED 1u	/* episode: rejected; client: all rejected */
#define MARK_DUPLICATE 2u	/* intervention: exact duplicate, dropped */
#define MARK_VALUE_ERR 4u	/* record has an R001/R002/R003/R070 error */
#define MARK_FORM_ERR 8u	/* record has a form problem (the reader's) */

/* cross.c: rules R121-R126 and R202 across the rows of one group. */
void rules_group(struct rules_ctx *, struct ndx_client *const *clients,
    size_t nclients);
/*
 * The group's rules but R121 (and R125 unless with_r125) over some of its
 * elements, for a group judged in chunks, each holding every element of
 * the EPISODIDs it has (validate.c): R122-R124, R126, R202, and the spread
 * of rejection; ctx's episode counts are the chunk's.
 */
void rules_runs(struct rules_ctx *, struct ndx_client *const *clients,
    size_t nclients, int with_r125);

/* The first CSV lines of an element's rows, and how many rows have one. */
#define LINES_SHOWN 4
struct lines {
	long line[LINES_SHOWN];
	size_t n, total;
};
void lines_add(struct lines *, const struct ndx_episode *);
/* "line 4", "lines 4, 9, 12", "lines 4, 9, 12, 15 and 3 more"; "" when
 * the rows have no CSV line (a database source). */
void say_lines(char *buf, size_t size, const struct lines *);

/*
 * R121 on the client items of a group's elements cl[0..n), lines[j] being
 * element j's rows: for each identity item, the first element that
 * disagrees with the first, and the problem's message.  A finding
 * rejects the whole group.
 */
#define R121_ITEMS 4
#define R121_DIFFERS 260
struct r121_finding {
	size_t element;
	int item;
	char differs[R121_DIFFERS];	/* "SEX differs: ..." */
};
size_t r121_find(struct ndx_client *const *cl, const struct lines *lines,
    size_t n, struct r121_finding out[R121_ITEMS]);
/* A finding as the problem of element c. */
void r121_report(struct rules_ctx *, struct ndx_client *c,
    const struct r121_finding *);

/*
 * R125's spans: an episode's [TRIAGED, DISD] (r125_span: 0 when it has
 * none), and the sweep that finds each span overlapping one that starts
 * earlier, found(arg, later, hit) once per later span; s is sorted in
 * place.  ref is the caller's.
 */
struct span {
	ndx_day start, end;
	const char *episodid;
	size_t ref;
};
int r125_span(const struct ndx_episode *, struct span *);
void r125_sweep(struct span *s, size_t ns, void (*found)(void *,
    const struct span *later, const struct span *hit), void *arg);
/* R125's problem on episode e of c, starting on start, which overlaps
 * span hit, whose rows have hit_lines. */
void r125_report(struct rules_ctx *, struct ndx_client *c,
    struct ndx_episode *e, ndx_day start, const struct span *hit,
    const struct lines *hit_lines);

/* problem.c */
struct problem *problem_add(struct rules_ctx *, struct ndx_client *,
    struct ndx_episode *, struct ndx_intervention *, int field,
    const char *rule_id, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* Two values are the same: both absent, or equal text. */
int same_value(const char *, const char *);
long client_line(const struct ndx_client *);
/*
 * A postcode masked to its shape, for the report and messages: A for a
 * capital, a for a small letter, 9 for a digit, ? for anything else,
 * spaces kept ("ts13qy" is "aa99aa"): enough to see what is wrong with
 * its form, nothing of where the person lives.
 */
#define POSTCODE_SHAPE_MAX 20
const char *postcode_shape(const char *, char buf[POSTCODE_SHAPE_MAX]);
/*
 * A value of item (field < 0: none) as the report and messages may show
 * it: a postcode as its shape (in buf), NULL for the other identifying
 * items but CLIENTID, which the officer needs to find the record; else
 * the value itself.  The one masking policy of both.
 */
const char *shown_or_masked(int item, const char *v,
    char buf[POSTCODE_SHAPE_MAX]);
long episode_line(const struct ndx_episode *);
/*
 * A value as the CSV layout shows it (dates DD/MM/YYYY): the item's own
 * string, or a date converted into buf.
 */
const char *csv_value(const struct ndx_client *, const struct ndx_episode *,
    const struct ndx_intervention *, int item, char buf[11]);

/* spool.c: a large group's episodes, in a temporary file (validate.c). */
struct spool;
struct spool *spool_open(struct ndx_error *);
int spool_put(struct spool *, const struct ndx_episode *, struct ndx_error *);
/* Ends the writing; the episodes come back from the first. */
int spool_rewind(struct spool *, struct ndx_error *);
/* The next episode, added to c (in arena). */
int spool_get(struct spool *, struct ndx_arena *, struct ndx_client *c,
    struct ndx_error *);
/* Forgets every episode, for the next group. */
int spool_empty(struct spool *, struct ndx_error *);
void spool_close(struct spool *);

/* report.c */
struct report;

/*
 * Episodes by AGNCY, for the XML summary: sorted by code in byte order.
 * Bounded, since AGNCY is input: past AGENCIES_MAX codes no more are
 * added and truncated is set.
 */
#define AGENCIES_MAX 10000
struct agency_count {
	char *code;
	long episodes;
};
struct agencies {
	struct agency_count *a;
	size_t n, cap;
	int truncated;
};
void agencies_add(struct agencies *, const char *code, long episodes);
void agencies_free(struct agencies *);

/* fp is borrowed; NULL with err 71 when libxml2 has no memory. */
struct report *report_open(FILE *fp, int xml, const char *input,
    const char *asof, const char *period, struct ndx_error *err);
int report_problem(struct report *, const struct problem *);
/* Writes the summary (XML only) and frees; -1 on a write error. */
int report_close(struct report *, const long *by_rule_count,
    const struct ndx_rule *rules, size_t nrules, const long *counts,
    const struct agencies *);
/*
 * Frees without writing anything more to fp, for a run that stopped (what
 * the XML writer still holds is dropped); NULL is a no-op.
 */
void report_abort(struct report *);

/*
 * The validator as a filter (validate.c): clients in, as an episodes
 * reader gives them; the valid part of each client group to next (after
 * valid.xml has it), every row of a rejected episode to the rejects
 * file, every problem to the reports.  ndx-validate feeds it from a
 * file, ndx-run from the one pass of its run.
 */
#define VALIDATE_REPORTS_MAX 2
struct validate_options {
	const char *area;		/* --area, or NULL */
	const char *input;		/* the input's name, "-" for stdin */
	const char *out_path;		/* -o; NULL: standard output */
	const char *rejects_path;	/* --rejects, or NULL */
	const char *report_path[VALIDATE_REPORTS_MAX];	/* CSV or XML */
	size_t nreports;
};

struct epxml_problem;
struct ndx_filter;
struct ndx_header;
struct validate;

/* The strings of o are borrowed; NULL with err (64: --area unknown). */
struct validate *validate_new(const struct validate_options *o,
    const struct ndx_dataset *, struct ndx_error *);
/* Opens the outputs for the episodes file of h; next may be NULL. */
int validate_begin(struct validate *, const struct ndx_header *h,
    struct ndx_filter *next, struct ndx_error *);
/* The arena to read the next client into. */
struct ndx_arena *validate_arena(struct validate *);
int validate_client(struct validate *, struct ndx_client *,
    const struct epxml_problem *, size_t nprobs, struct ndx_error *);
/* The last group (through next), the row check, every output
 * published, the summary on standard error; next's end is for whoever
 * built the pipeline to call. */
int validate_end(struct validate *, struct ndx_error *);
long validate_rejected(const struct validate *);
/* Discards whatever validate_end() has not published. */
void validate_free(struct validate *);

#endif
