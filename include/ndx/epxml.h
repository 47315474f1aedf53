/*
 * The episodes XML: streaming reader and writer.
 *
 * Identifiable form:
 *   <episodes xmlns="urn:ndx:episodes:1" dataset="1" asof="YYYY-MM-DD"
 *       period="LABEL" start="YYYY-MM-DD" end="YYYY-MM-DD" source="csv">
 *     <client> AGNCY CLIENTID ... CONSENT
 *       <episode> EPISODID ... DISRSN
 *         <intervention line="N"> MODID ... MODEXIT </intervention>
 * Pseudonymised form: root <pseudonymised-episodes>, same namespace, the
 * identifying items replaced as in dataset.md §6.
 *
 * Items are child elements named by their short code, in the XSD's order;
 * an absent item has no element.  A date the source gave in a form that
 * could not be converted carries raw="true" and the source text.
 * The writer puts every element on its own line, which the reader relies
 * on to attribute XSD validity errors to records by line number.
 */
#ifndef NDX_EPXML_H
#define NDX_EPXML_H

#include <stdio.h>

#include "ndx/date.h"

#define NDX_NS_EPISODES "urn:ndx:episodes:1"

struct ndx_arena;
struct ndx_client;
struct ndx_error;
struct ndx_dataset;

struct ndx_header {
	char asof[11];		/* data-cut date, YYYY-MM-DD */
	char period[32];	/* "2026-10", "2026Q2" or "START..END" */
	char start[11];
	char end[11];
	char source[16];	/* "csv", "sqlite", "postgresql" */
	int pseudonymised;
};

/* A validity error libxml2 reported against the XSD. */
struct epxml_problem {
	long xml_line;
	char element[48];	/* local name of the element, or "" */
	char message[320];
};

/*
 * libxml2 prints some errors itself (a failed write: "I/O error : ...")
 * without the program's name; ndx reports every failure through its own
 * return values, so programs call this once at start to silence libxml2.
 */
void epxml_quiet(void);

struct epxml_reader;

/*
 * path "-" or NULL reads standard input.  With ds non-NULL, the document is
 * validated against the dataset's XSD while it streams.
 */
struct epxml_reader *epxml_reader_open(const char *path,
    const struct ndx_dataset *ds, struct ndx_error *err);
const struct ndx_header *epxml_reader_header(const struct epxml_reader *);
/*
 * Reads the next <client> into *out (allocated in arena).  probs/nprobs
 * receive the XSD problems whose line lies within that client; they live
 * until the next call.  Returns 1, 0 at the end of the document, -1 on an
 * error that stops the run (not well-formed: 65, read error: 74, a validity
 * error outside any client: 65).
 */
int epxml_reader_next(struct epxml_reader *, struct ndx_arena *,
    struct ndx_client **out, const struct epxml_problem **probs,
    size_t *nprobs, struct ndx_error *err);
/*
 * A client with more than EPXML_PROBLEMS_MAX problems keeps only the
 * first (memory stays bounded); this is how many more the client last
 * returned had.  Nothing then tells which of its records they concern,
 * so a caller that passes records on must reject the whole client.
 */
#define EPXML_PROBLEMS_MAX 1000
long epxml_reader_dropped(const struct epxml_reader *);
void epxml_reader_close(struct epxml_reader *);

struct epxml_writer;

/* fp is borrowed; the writer never closes it. */
struct epxml_writer *epxml_writer_open(FILE *fp, const struct ndx_header *,
    struct ndx_error *err);
int epxml_write_client(struct epxml_writer *, const struct ndx_client *,
    struct ndx_error *err);
/* Ends the document and flushes; frees the writer either way. */
int epxml_writer_close(struct epxml_writer *, struct ndx_error *err);

#endif
