/* ndx-run's one pass over the episodes file (pass.c). */
#ifndef NDX_RUN_PASS_H
#define NDX_RUN_PASS_H

#include <signal.h>
#include <stddef.h>

#include "ndx/period.h"

/* A key: its pseudonymiser writes xml. */
struct pass_key {
	const char *stage;	/* "pseudonymise-OWNER" */
	const char *key_file;
	const char *xml;
};

/* A public-health recipient: its extract from its key's clients. */
struct pass_ph {
	const char *stage;	/* "transform-public-health-NAME" */
	const char *csv, *summary;
	long min_k;		/* 0: none */
	const char *cohort;	/* all, hat or cj (outcomes.md §5), or NULL */
	size_t key;		/* in pass_spec.keys */
};

struct pass_spec {
	const char *episodes;	/* ndx-extract's output */
	const char *area;	/* as areas.csv spells it */
	const char *valid, *rejects, *report_csv, *report_xml;
	const char *commissioner;	/* or NULL: none */
	const char *pcc_csv, *pcc_html;	/* or NULL: none */
	const char *disclosure;		/* or NULL: suppress */
	struct ndx_period period;
	long trend;			/* the PCC return's --trend, or 0 */
	const char *validate_stage;	/* its name in run.log: "validate" */
	const struct pass_key *keys;
	size_t nkeys;
	const struct pass_ph *ph;
	size_t nph;
	volatile sig_atomic_t *stop;	/* a signal's number, once caught */
	int progress;			/* rows and rows/s on standard error
					   (a terminal) as the pass goes */
};

struct pass_stage {
	const char *name;
	int rc;
	double seconds;		/* its own, not the stages it feeds */
};

struct pass_result {
	struct pass_stage *stage;	/* validate first; free() it */
	size_t nstage;
	int rejected;		/* the validator rejected episodes */
	int version;		/* the episodes' dataset version */
	const char *failed;	/* the stage that failed, or NULL */
};

/*
 * 0 when every stage succeeded (res->rejected says whether records were
 * rejected); else the first failing stage's exit code, its message said
 * under its program's name (128 + the signal when stopped).
 */
int run_pass(const struct pass_spec *, struct pass_result *res);


#endif
