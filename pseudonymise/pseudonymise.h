/*
 * ndx-pseudonymise internals: the program (pseudonymise.c) and what it
 * does to one client (client.c), reachable by the unit tests.
 */
#ifndef NDX_PSEUDONYMISE_H
#define NDX_PSEUDONYMISE_H

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

#endif
