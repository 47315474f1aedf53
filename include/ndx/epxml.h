/*
 * The episodes XML: streaming reader and writer.
 *
 * Identifiable form:
 *   <episodes xmlns="urn:ndx:episodes:1" dataset="1" asof="YYYY-MM-DD"
 *       period="LABEL" start="YYYY-MM-DD" end="YYYY-MM-DD" source="csv">
 *     <client> AGNCY CLIENTID ... CONSENT
 *       <episode> EPISODID ... DISRSN
 *         <intervention line="N"> MODID ... MODEXIT </intervention>
 *         <top line="N"> TOPID ... HRISK </top>   (dataset="2" only)
 * Pseudonymised form: root <pseudonymised-episodes>, same namespace, the
 * identifying items replaced as in dataset.md §6.
 *
 * Items are child elements named by their short code, in the XSD's order;
 * an absent item has no element.  A date the source gave in a form that
 * could not be converted carries raw="true" and the source text.
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
	char source[16];	/* "csv", "sqlite", "postgresql", "combined" */
	int pseudonymised;
	int version;		/* the dataset's, 1 or 2 (0 is taken as 1) */
	/* ndx-combine's (pseudonymised form only; "" otherwise): the key id
	 * of the extracts combined, and each input's agencies and episodes
	 * left out for CONSENT = N, "D0412,H0227:3 N0852:0". */
	char keyid[17];
	char combined[1024];
	/* bit (1 << item): an optional or conditional column the source CSV
	 * lacked, its values taken as empty (R104; identifiable form only). */
	uint64_t absent;
};

/*
 * A problem with a record's form (an element out of order or repeated, an
 * undeclared element or attribute, a mandatory item missing, an empty
 * item): the XSD's verdict, from the dataset's judge or, marked xsd, from
 * libxml2's validator.  It names its record by position in the client the
 * reader returned, and never quotes a value.
 */
struct epxml_problem {
	long episode;		/* index in the client's ep[], or -1 */
	long intervention;	/* index in that episode's iv[], or -1 */
	int item;		/* the item concerned, or -1 */
	int xsd;		/* reported by libxml2's XSD validator */
	long xml_line;		/* where it was seen, for messages */
	char element[48];	/* the element concerned, or "" */
	char message[256];
};

/*
 * The one libxml2 error policy, set once at the start of every program's
 * main: libxml2 never prints (its messages lack the program's name, and
 * may quote data).  Code that wants libxml2's messages attaches a handler
 * of its own to its context (the reader's parser, the schema compiler, a
 * stylesheet being compiled) and sets this policy back when done.
 */
void epxml_quiet(void);

struct epxml_reader;

/*
 * path "-" or NULL reads standard input.  ds judges the records' form; with
 * flags EPXML_XSD libxml2's XSD validator runs as well, in the same pass.
 * With EPXML_PARTS a <client> of more than EPXML_PART_EPISODES episodes
 * comes in parts of that many (struct ndx_client's part; the last part
 * may have none): for a caller whose work on a client is done episode by
 * episode, so that a client of a million episodes is held a part at a
 * time.  The writer takes the parts as they come and writes the element
 * whole.
 */
#define EPXML_XSD 0x1
#define EPXML_PARTS 0x2
#define EPXML_PART_EPISODES 1024
struct epxml_reader *epxml_reader_open(const char *path,
    const struct ndx_dataset *ds, int flags, struct ndx_error *err);
const struct ndx_header *epxml_reader_header(const struct epxml_reader *);
/*
 * Reads the next <client>, or part of one, into *out (allocated in
 * arena).  probs/nprobs receive its records' form problems, at most one
 * per record from each judge; they live until the next call.  Returns 1, 0 at the end of the
 * document, -1 on an error that stops the run: not well-formed, a DOCTYPE,
 * a problem with the root or outside any client (65); a read error (74).
 */
int epxml_reader_next(struct epxml_reader *, struct ndx_arena *,
    struct ndx_client **out, const struct epxml_problem **probs,
    size_t *nprobs, struct ndx_error *err);
void epxml_reader_close(struct epxml_reader *);

/*
 * The values of c judged by ndx_dataset_check() (a raw date is never
 * valid): how many are not valid, the first of them in *first.
 */
int epxml_check_values(const struct ndx_dataset *, const struct ndx_client *,
    struct epxml_problem *first);

struct epxml_writer;

/* fp is borrowed; the writer never closes it.  A client in parts is
 * written as one element: every part in turn, the element left open
 * while the part says NDX_PART_MORE. */
struct epxml_writer *epxml_writer_open(FILE *fp, const struct ndx_header *,
    struct ndx_error *err);
int epxml_write_client(struct epxml_writer *, const struct ndx_client *,
    struct ndx_error *err);
/* Ends the document and flushes; frees the writer either way. */
int epxml_writer_close(struct epxml_writer *, struct ndx_error *err);
/*
 * Frees the writer without ending the document or writing what it holds:
 * output cut short by an error must never look whole to the next program
 * in a pipe.  NULL is a no-op.
 */
void epxml_writer_abort(struct epxml_writer *);

#endif
