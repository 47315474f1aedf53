/*
 * Disclosure risk of a record-level extract (exchange.md §8): each
 * person's quasi-identifiers Q are those of their row with the earliest
 * TRIAGED, and a person's k is the number of persons with the same Q.
 * With min_k the extract is generalised and the persons still below it
 * suppressed; see docs/design.md, "Disclosure risk", for the choices.
 *
 * Memory is per person, never per row: a table of PSEUDO_CLIENT to the
 * chosen row's values, which are interned (a few hundred distinct
 * values and combinations serve every person).
 */
#ifndef NDX_TRANSFORM_RISK_H
#define NDX_TRANSFORM_RISK_H

#include <stddef.h>

/* The values of a row that Q is made of, before and after generalising. */
enum risk_value {
	RISK_AGE_AT_TRIAGE,
	RISK_AGE_BAND,
	RISK_SEX,
	RISK_ETHNIC,
	RISK_LA,
	RISK_PC_DISTRICT,
	RISK_NVALUES
};

struct risk_figures {
	long persons;
	long k_min;		/* 0 when there is no person */
	long below_5;		/* persons with k < 5 */
};

struct risk_result {
	struct risk_figures before;
	long min_k;		/* 0: not generalised, the rest unset */
	struct risk_figures after;
	long suppressed;	/* persons with AGE_BAND, ETHNIC blanked */
};

struct risk;
struct ndx_dataset;

/* ds (borrowed) gives ETHNIC's broad groups. */
struct risk *risk_new(const struct ndx_dataset *ds);
/* NULL is a no-op. */
void risk_free(struct risk *);

/*
 * One row of person pseudo_client (one episode: every value of Q is the
 * client's or the episode's, so all rows of an episode agree).  The row is
 * kept as the person's when it comes first in the order of
 * risk_row_before().  NULL values are blank, as the CSV shows them.
 * Arguments are copied.
 */
void risk_row(struct risk *, const char *pseudo_client, const char *triaged,
    const char *pseudo_episode, const char *const v[RISK_NVALUES]);

/*
 * Whether a row (triaged a, episode ea) comes before (b, eb): a row with a
 * TRIAGED date before one without; earlier dates (YYYY-MM-DD, so byte
 * order) first; then the smaller PSEUDO_EPISODE in byte order.  NULL is
 * blank.
 */
int risk_row_before(const char *a, const char *ea, const char *b,
    const char *eb);

/*
 * The figures over every person given so far; with min_k > 0 also the
 * generalisation: after it, risk_suppressed() answers for each person.
 */
void risk_measure(struct risk *, long min_k, struct risk_result *);
/* Whether risk_measure() suppressed this person (0 for a stranger). */
int risk_suppressed(const struct risk *, const char *pseudo_client);

/*
 * ETHNIC's broad group, its code's ndx:group in the XSD (A-C WH, D-G MX,
 * H-L AS, M-P BL, R and S OT); Z and any other value (an unknown code,
 * blank) is returned as it is.
 */
const char *risk_broad_ethnic(const struct ndx_dataset *, const char *);

/*
 * "persons=P k_min=K below_5=B", then with min_k " min_k=N after_k_min=K2
 * after_below_5=B2 suppressed=S": the form of the summary, the MANIFEST and
 * the message.  Truncated to size like snprintf(3), whose result it is.
 */
int risk_format(const struct risk_result *, char *buf, size_t size);

#endif
