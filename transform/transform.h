/*
 * ndx-transform internals: one program, one product per run.
 *
 *   commissioner       valid episodes XML -> NDTMS-style CSV (streamed, C)
 *   public-health      pseudonymised episodes XML -> CSV (streamed, C)
 *   pcc-return         valid episodes XML -> measures (aggregated in C into
 *                      a small XML document) -> CSV / XML / HTML (XSLT)
 *   validation-report  the validator's XML report -> HTML (XSLT)
 *
 * Products write to the FILE the caller opened (an atomic lib/outfile);
 * they return 0 or -1 with *err filled.
 */
#ifndef NDX_TRANSFORM_H
#define NDX_TRANSFORM_H

#include <stdio.h>

#include "ndx/period.h"
#include "risk.h"

struct ndx_dataset;
struct ndx_error;
struct epxml_reader;

enum disclosure {
	DISCLOSURE_SUPPRESS,	/* default: primary + secondary suppression */
	DISCLOSURE_ROUND5,
	DISCLOSURE_NHS,
	DISCLOSURE_NONE
};

/* --disclosure's name as enum disclosure, or -1; and back. */
int transform_disclosure(const char *name);
const char *transform_disclosure_name(enum disclosure);
/* What an aggregate under --disclosure none says of itself. */
#define TRANSFORM_NOTICE_OFF "not for publication: disclosure control off"
#define TRANSFORM_THRESHOLD_DEFAULT 5	/* --threshold */

enum format { FORMAT_CSV, FORMAT_XML, FORMAT_HTML, FORMAT_CSV_WIDE,
	FORMAT_XLSX };

/* --layout (pcc-return's HTML): metrics.md's report, or the panel's. */
enum pcc_layout { LAYOUT_REPORT, LAYOUT_PANEL };

struct transform {
	const char *product;		/* --product */
	enum format format;		/* --format (pcc-return) */
	const char *area;		/* --area (pcc-return) */
	enum disclosure disclosure;	/* --disclosure */
	int threshold;			/* --threshold: counts 1..threshold-1
					   are suppressed (default 5) */
	int has_period;			/* a period option was given */
	struct ndx_period period;	/* --month/--quarter/--from/--to;
					   else the episodes file's */
	const char *output;		/* -o; NULL = standard output */
	const char *input;		/* operand; "-" = standard input */
	long min_k;			/* --min-k (public-health); 0 none */
	int cohort;			/* --cohort (public-health): enum
					   cohort + 1, 0 none */
	const char *summary;		/* --summary FILE (public-health) */
	const char *html;		/* --html FILE (pcc-return) */
	const char *rejects;		/* --rejects FILE (validation-report
					   as xlsx) */
	const char *changes;		/* --changes FILE (validation-report
					   as html) */
	long trend;			/* --trend N (pcc-return); 0 none */
	enum pcc_layout layout;		/* --layout (pcc-return's HTML) */
	FILE *html_fp;			/* its open output */
	int reread_stdin;		/* --min-k: each pass reads standard
					   input, the input spooled there */
	long stdin_offset;		/* where on it the input starts */
	struct ndx_dataset *ds;

	/* What public-health wrote, for --summary and the risk line. */
	int measured;
	long episodes, rows, consent_excluded;
	struct risk_result risk;
};

int transform_main(int, char **);

/*
 * --min-k's second reading of the input, from its start: the file again,
 * or the spool prepare_rereading() put on standard input.
 */
/*
 * The judge's verdict on a client just read (its form problems, then its
 * values): 0, or -1 with a 65 in err.  Every product refuses input the
 * validator would reject.
 */
struct epxml_problem;
struct ndx_client;
int transform_judge(const struct transform *, const struct ndx_client *,
    const struct epxml_problem *probs, size_t nprobs, struct ndx_error *);
struct epxml_reader *transform_reread(struct transform *,
    struct ndx_error *);

/*
 * The episodes products, each a filter (ndx/filter.h) over the clients of
 * an episodes file whose header is h, writing to out: NULL with err when
 * it cannot take that file.  A product reads what its clients say and
 * never changes them.  ndx-transform feeds one from a file, after the
 * judge (transform_judge); ndx-run feeds them from its one pass.
 */
struct ndx_filter;
struct ndx_header;
typedef struct ndx_filter *product_open_fn(struct transform *,
    const struct ndx_header *h, FILE *out, struct ndx_error *);

/* An episodes file through a product: each client judged, then given to
 * the filter open makes; 0, or -1 with err. */
int transform_episodes(struct transform *, product_open_fn *open,
    void (*free_fn)(struct ndx_filter *), struct epxml_reader *, FILE *out,
    struct ndx_error *);

/* records.c; with --min-k, public-health's end reads the input again
 * (transform_reread) to write the generalised rows. */
struct ndx_filter *product_commissioner(struct transform *,
    const struct ndx_header *h, FILE *out, struct ndx_error *);
struct ndx_filter *product_public_health(struct transform *,
    const struct ndx_header *h, FILE *out, struct ndx_error *);
void product_records_free(struct ndx_filter *);

/*
 * The area and the period of an aggregate, set up as the PCC return sets
 * up its own (pcc.c): --area and its LAs in ascending code, the period
 * asked for (which the file must cover) or the file's.
 */
struct ndx_area_la;
struct ndx_episode;
struct scope {
	ndx_day start, end;
	char label[32], start_iso[11], end_iso[11];
	const char *area;		/* areas.csv's spelling */
	const struct ndx_area_la **la;	/* ascending code; free() it */
	size_t nla;
};
int scope_setup(const struct transform *, const struct ndx_header *,
    struct scope *, struct ndx_error *);
/* The LA's row in the scope, or -1 (outside the area). */
int scope_la(const struct scope *, const char *code);
/* A CJ episode (metrics.md): a CJ referral source or requirement. */
int scope_is_cj(const struct ndx_dataset *, const struct ndx_episode *);

/* outcomes.c: outcomes.md §4, of dataset version 2. */
enum cohort { COH_ALL, COH_HAT, COH_CJ, NCOHORTS };
/* A cohort's name ("all", "hat", "cj") as enum cohort, or -1. */
int outcomes_cohort(const char *name);
/* Whether e is a pair of [start, end] (a start TOP and a review or exit
 * TOP dated in it) of the cohort (outcomes.md §4 and §5). */
int outcomes_in_cohort(const struct ndx_dataset *, const struct ndx_episode *,
    ndx_day start, ndx_day end, int cohort);
struct ndx_filter *product_outcomes(struct transform *,
    const struct ndx_header *h, FILE *out, struct ndx_error *);
void product_outcomes_free(struct ndx_filter *);
/* The outcomes document of what the filter was given so far (the PCC
 * return's HAT section); the caller frees it. */
struct _xmlDoc *outcomes_doc(struct ndx_filter *);

/* pcc.c: measures of metrics.md with disclosure control. */
struct ndx_filter *product_pcc_return(struct transform *,
    const struct ndx_header *h, FILE *out, struct ndx_error *);
void product_pcc_free(struct ndx_filter *);

/* The --summary file's lines (interfaces.md), of public-health. */
int transform_write_summary(const struct transform *, FILE *,
    struct ndx_error *);

/* xlsx.c: the PCC return's document as an Excel workbook. */
struct _xmlDoc;
int pcc_write_xlsx(struct _xmlDoc *doc, FILE *out, struct ndx_error *);

/* report.c */
int product_validation_report(struct transform *, FILE *out,
    struct ndx_error *);
/*
 * The validation report as a workbook (xlsxreport.c): a summary sheet, a
 * problems sheet (every problem of the report) and, given the rejects
 * CSV, a rejected-rows sheet with each row's problems beside it.  The
 * report is read from fd, once, streaming.
 */
int report_write_xlsx(int fd, const char *name, const char *rejects,
    FILE *out, struct ndx_error *err);
/* xlsx.c: a workbook on an unnamed temporary file, and its bytes out. */
struct lxw_workbook;
int xlsx_open(struct lxw_workbook **wb, int *fd, int constant_memory,
    const char *title, const char *asof, struct ndx_error *err);
int xlsx_close(struct lxw_workbook *wb, int fd, FILE *out,
    struct ndx_error *err);

/*
 * render.c: applies transform/xslt/NAME (found with ndx_datafile
 * "xslt/NAME") to doc, with libxslt's security preferences forbidding
 * file writes and network access.  params: NULL-terminated name/value
 * pairs of XPath string literals, as libxslt takes them.  78 when the
 * stylesheet is missing or broken.
 */
struct _xmlDoc;
int render_xslt(const char *name, struct _xmlDoc *doc, const char **params,
    FILE *out, struct ndx_error *);

#endif
