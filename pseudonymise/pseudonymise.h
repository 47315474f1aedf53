/*
 * ndx-pseudonymise internals: the program (pseudonymise.c) and what it
 * does to one client (client.c), reachable by the unit tests.
 */
#ifndef NDX_PSEUDONYMISE_H
#define NDX_PSEUDONYMISE_H

#include <stdio.h>

struct ndx_arena;
struct ndx_client;
struct ndx_dataset;
struct ndx_error;
struct ndx_mac;

/* A pseudonym: lower-case hex of the first 16 bytes of the HMAC, NUL. */
#define PSEUDONYM_SIZE 33

int pseudonymise_main(int, char **);

/*
 * PSEUDO_CLIENT of dataset.md §6: HMAC-SHA-256 of "client:" FINITIAL
 * SINITIAL DOB(YYYYMMDD) SEX, initials upper-cased.  dob is YYYY-MM-DD.
 * -1 when an item is absent or dob is not a date.
 */
int pseudonym_client(struct ndx_mac *, const char *finitial,
    const char *sinitial, const char *dob, const char *sex,
    char out[PSEUDONYM_SIZE]);
/* PSEUDO_EPISODE: of "episode:" AGNCY ":" EPISODID; -1 when absent. */
int pseudonym_episode(struct ndx_mac *, const char *agncy,
    const char *episodid, char out[PSEUDONYM_SIZE]);

/* What pseudonymise_client() works with. */
struct pseudo_ctx {
	struct ndx_mac *mac;		/* keyed with --key-file */
	const struct ndx_dataset *ds;
	struct ndx_arena *arena;	/* the client's: derived values */
	const char *input;		/* name for messages */
};

/*
 * Turns an identifiable client into its pseudonymised form in place: sets
 * PSEUDO_CLIENT, PC_DISTRICT, and per episode PSEUDO_EPISODE,
 * AGE_AT_TRIAGE, AGE_BAND and SUBSTANCE_GROUP; removes CLIENTID, FINITIAL,
 * SINITIAL, DOB, PC and EPISODID.  -1 with err (65, naming the record by
 * line, agency and episode id, never by an identifier) when the client is
 * not valid enough to derive them.
 */
int pseudonymise_client(const struct pseudo_ctx *, struct ndx_client *,
    struct ndx_error *);

/*
 * A copy of c that pseudonymise_client() may change while c stays as it
 * is: the client and its episodes, whose value pointers it replaces (the
 * strings themselves are shared, never written); interventions, which it
 * leaves alone, are shared too.
 */
struct ndx_client *pseudonymise_copy(struct ndx_arena *,
    const struct ndx_client *);

/*
 * The pseudonymiser as a filter (ndx/filter.h): each client pseudonymised
 * in place, written to the pseudonymised episodes and passed to next.
 * ndx-pseudonymise feeds it from a file, ndx-run from the valid clients
 * of its one pass, one such filter per key.
 */
#include "ndx/filter.h"
struct epxml_writer;
struct ndx_header;

struct pseudo_filter {
	struct ndx_filter filter;	/* first: it is one */
	struct pseudo_ctx ctx;		/* ctx.arena is the filter's own */
	struct epxml_writer *writer;
	const char *out_name;		/* for messages */
	struct ndx_filter *next;	/* or NULL */
	long clients, episodes, rows;
};

/* h is the identifiable input's; mac, input and out are borrowed. */
int pseudo_filter_open(struct pseudo_filter *, struct ndx_mac *mac,
    const struct ndx_dataset *, const char *input,
    const struct ndx_header *h, FILE *out, const char *out_name,
    struct ndx_filter *next, struct ndx_error *);
/* Releases the filter; an unfinished output is left unfinished. */
void pseudo_filter_free(struct pseudo_filter *);

#endif
