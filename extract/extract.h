/*
 * ndx-extract: internal interfaces shared by its sources, the external
 * sort and the grouper.
 *
 * Data flows one way:
 *   source (csv.c; sqlsource.c over sqlite.c or postgresql.c)
 *     -> struct extract_row
 *     -> sorter (sort.c), since rows come in any order
 *     -> grouper (group.c), which wants rows ordered by AGNCY, CLIENTID
 *     -> one struct ndx_client per client variant -> emit callback.
 * A row's strings are borrowed: they live until the next row is asked
 * for, and whoever keeps them copies them.
 */
#ifndef NDX_EXTRACT_H
#define NDX_EXTRACT_H

#include <stdint.h>
#include <stdio.h>

#include "ndx/date.h"
#include "ndx/model.h"
#include "ndx/period.h"

struct csvrec;
struct ndx_client;
struct ndx_dataset;
struct ndx_error;

/*
 * One source row: a client's, an episode's and an intervention's or a
 * TOP's items.  Its sets of items are ndx_item_bit()'s.
 */
struct extract_row {
	long line;			/* source CSV line; 0 when not CSV */
	uint64_t raw;			/* a date kept as the source text */
	uint64_t trimmed;		/* blanks around the value were
					   removed (R102) */
	uint64_t normalised;		/* PC: the postcode was put in its
					   normal form (R103) */
	const char *v[NDX_NITEMS];	/* NULL = absent (never "") */
};

/* What -v reports. */
struct extract_counts {
	unsigned long long rows_read;
	unsigned long long rows_written;
	unsigned long long episodes_written;	/* AGNCY+CLIENTID+EPISODID */
	unsigned long long clients_written;	/* AGNCY+CLIENTID */
	unsigned long long episodes_outside;	/* not in the period */
};

/* What --source names. */
enum extract_kind {
	EXTRACT_CSV,
	EXTRACT_SQLITE,
	EXTRACT_POSTGRESQL,
	EXTRACT_ODBC
};

/* The program's state: one, on extract_main()'s stack. */
struct extract {
	const char *source;		/* --source URI */
	enum extract_kind kind;		/* the scheme of --source */
	const char *input;		/* FILE, csv:FILE ("-" = stdin),
					   sqlite:FILE, or the libpq
					   connection string */
	const char *sql;		/* --sql FILE; NULL = the installed
					   sql/episodes.sql */
	const char *corrections;	/* --corrections FILE, or NULL */
	const char *output;		/* -o FILE; NULL = standard output */
	ndx_day asof;			/* --as-of */
	int has_period;			/* a period option was given */
	struct ndx_period period;	/* --month, --quarter, --from/--to */
	int verbose;			/* -v */
	int progress;			/* --progress */
	int check;			/* --check: open, read no rows */
	uint64_t absent;		/* ndx_item_bit()s: an optional column
					   the CSV header lacks (R104) */
	int version;			/* the dataset's, by the columns */
	int want_version;		/* --dataset, or 0 */
	struct extract_counts counts;
};

int extract_main(int, char **);

/*
 * The CSV source (csv.c).
 *
 * csv_columns_map() reads the header record: names are matched to the
 * CSV layout's short codes case-insensitively after trimming blanks.
 * Unknown names are collected in ->unknown (for one warning); a duplicate
 * or a missing mandatory column is an error (65), and so is a header
 * that is one field holding the names joined by ';' or a tab (a file
 * saved with another separator).  ->absent has the optional and
 * conditional items that have no column.
 */
struct csv_columns {
	size_t n;		/* fields in the header */
	int *item;		/* per field: enum ndx_item, or -1 (unknown) */
	char *unknown;		/* unknown names, ", "-separated, or NULL */
	size_t nunknown;
	uint64_t absent;	/* ndx_item_bit()s: no column (R104) */
	int version;		/* the dataset's: 2 when it has TOP columns */
};

int csv_columns_map(struct csv_columns *, const struct csvrec *hdr,
    const unsigned char mandatory[NDX_NITEMS], const char *name,
    struct ndx_error *);
void csv_columns_free(struct csv_columns *);
/*
 * Converts one data record into *row: blanks around a value are removed
 * (in rec's own buffer; R102), empty fields become absent, a postcode is
 * put in its normal form when that makes it valid (R103, into conv),
 * dates of DD/MM/YYYY shape become YYYY-MM-DD (written into conv), other
 * dates are kept verbatim and flagged raw.  65 on a wrong field count or
 * text that is not UTF-8.  row borrows from rec and conv.
 */
int csv_row(const struct csv_columns *, const struct csvrec *rec,
    const struct ndx_dataset *, const char *name,
    char conv[NDX_NITEMS][11], struct extract_row *row, struct ndx_error *);

/*
 * What R102 and R103 leave of a value: the length of s[0..len) without
 * the blanks (space, tab, CR, LF) around it, and in *lead how many it
 * starts with.
 */
size_t tidy_span(const char *s, size_t len, size_t *lead);
/*
 * R103: s in capitals with one space before its last three characters,
 * into out, when that differs from s and is a valid postcode; 1 then,
 * else 0 and s is left for R070 to judge.
 */
int tidy_postcode(const struct ndx_dataset *, const char *s, char out[11]);

struct sorter;

/*
 * Reads a whole CSV file into the sorter; rows_read counts its rows,
 * *absent and *version get the header's csv_columns.absent and .version.
 * Prints the warning about unknown columns.  With sorter NULL (--check)
 * only the header is read and checked.
 */
int csv_read(FILE *fp, const char *name, const struct ndx_dataset *,
    const unsigned char mandatory[NDX_NITEMS], struct sorter *,
    unsigned long long *rows_read, uint64_t *absent, int *version,
    struct ndx_error *);

/*
 * External sort (sort.c) by AGNCY, CLIENTID, EPISODID, line, then MODID
 * and the rest of the row, in byte order.
 * Runs of at most runmax bytes are sorted in memory; when the input
 * needs more than one, they go to unnamed temporary files in $TMPDIR and
 * are merged.  Add every row, call sorter_finish() once, then take rows
 * with sorter_next() (1, 0 at the end, -1 on error).
 */
#define SORTER_RUNMAX (64u << 20)
#define SORTER_KEYS 3

struct sorter *sorter_new(size_t runmax);
/* The same, by other key items (ndx-combine: PSEUDO_CLIENT, AGNCY,
 * PSEUDO_EPISODE). */
struct sorter *sorter_new_by(size_t runmax, const int key[SORTER_KEYS]);
int sorter_add(struct sorter *, const struct extract_row *,
    struct ndx_error *);
int sorter_finish(struct sorter *, struct ndx_error *);
int sorter_next(struct sorter *, struct extract_row *, struct ndx_error *);
/* Temporary files used so far, for tests. */
size_t sorter_runs(const struct sorter *);
/* fn sees every row as it is added (before it is packed). */
void sorter_watch(struct sorter *, void (*fn)(void *, const struct extract_row *),
    void *arg);

/*
 * fn decides, before the watcher sees a row, whether it goes into the
 * sort: 1 yes, 0 no (dropped), -1 an error in err, which sorter_add()
 * returns.  NULL takes every row.
 */
void sorter_filter(struct sorter *,
    int (*fn)(void *, const struct extract_row *, struct ndx_error *),
    void *arg);

/*
 * corrections.c: --corrections FILE.  Read the file into the sorter with
 * corrections_collect() as its filter (it notes each row's episode, and
 * refuses a row without AGNCY or EPISODID, 65), then the source with
 * corrections_drop() (it drops the rows of those episodes).
 */
struct corrections;
struct corrections *corrections_new(const char *name);
int corrections_collect(void *, const struct extract_row *,
    struct ndx_error *);
int corrections_drop(void *, const struct extract_row *, struct ndx_error *);
/* Episodes the source had (replaced) and lacked (added); source rows
 * dropped. */
void corrections_counts(const struct corrections *,
    unsigned long long *replaced, unsigned long long *added,
    unsigned long long *rows_dropped);
void corrections_free(struct corrections *);

/* epindex.c: EPISODIDs an agency uses under two CLIENTIDs (R126). */
struct epindex;
struct epindex *epindex_new(void);
void epindex_add(struct epindex *, const struct extract_row *);
/* Whether the episode is shared; *other_line a source line of another
 * CLIENTID's row of it (0 when none has one). */
int epindex_shared(const struct epindex *, const char *agncy,
    const char *episodid, const char *clientid, long *other_line);
void epindex_free(struct epindex *);
void sorter_free(struct sorter *);

/*
 * The grouper (group.c).  Feed it rows ordered by AGNCY, CLIENTID,
 * EPISODID (byte order; within an episode, by line or arrival); it keeps
 * the episodes of the period (every episode when period is NULL) and
 * hands each client variant to emit, which must not keep the client after
 * it returns.  Rows out of order are an internal error (70).
 */
struct group;

struct group *group_new(const struct ndx_period *,
    int (*emit)(void *arg, struct ndx_client *, struct ndx_error *),
    void *arg, struct extract_counts *);
int group_row(struct group *, const struct extract_row *,
    struct ndx_error *);
/* Flushes the last client. */
int group_end(struct group *, struct ndx_error *);
void group_free(struct group *);

/*
 * The database sources (sqlsource.c).  sql_read() runs the mapping (--sql
 * FILE, else sql/episodes.sql from the data directory) on the database
 * x->input names and hands every row to the sorter.  Result columns are
 * found by name, as a CSV header's are.  Exit codes in err: 66 no such
 * SQLite file, 65 not a database, 75 database unreachable, busy or gone,
 * 78 mapping and database do not match (names the table or column).
 * With x->check the mapping runs as SELECT * FROM (...) LIMIT 0: the
 * database prepares it, checking tables and columns, and no row is read.
 * *version is the dataset's, by the result's columns, as for a CSV.
 */
int sql_read(const struct extract *, const struct ndx_dataset *,
    const unsigned char mandatory[NDX_NITEMS], struct sorter *,
    unsigned long long *rows_read, int *version, struct ndx_error *);

/*
 * What a database backend hands its results to: the column names once,
 * then each row's values (NULL for SQL NULL) with their lengths in bytes.
 * Both return 0, or -1 with err set, and then the backend stops.
 */
struct sql_sink;

int sql_sink_columns(struct sql_sink *, size_t n, const char *const *names,
    struct ndx_error *);
int sql_sink_row(struct sql_sink *, const char *const *values,
    const size_t *lens, struct ndx_error *);
/* Rows taken so far, for messages. */
unsigned long long sql_sink_rows(const struct sql_sink *);
/* A driver's message on one line: runs of white space become one space. */
void sql_flatten(const char *msg, char *buf, size_t size);

/*
 * The backends run one query and stream its rows to the sink (sqlite.c:
 * sqlite3_step; postgresql.c: single-row mode).  sqlname names the
 * mapping in messages.
 */
int sqlite_run(const char *path, const char *query, const char *sqlname,
    struct sql_sink *, struct ndx_error *);
int postgresql_run(const char *conninfo, const char *query,
    const char *sqlname, struct sql_sink *, struct ndx_error *);
/* odbc.c: through unixODBC, a DSN=NAME or a full connection string. */
int odbc_run(const char *connstr, const char *query, const char *sqlname,
    struct sql_sink *, struct ndx_error *);
/* A connection string holding PWD= or Password= is refused (64). */
int odbc_check(const char *connstr, struct ndx_error *);
/*
 * Checks a connection string before use (64 in err): libpq's complaints
 * about a malformed one quote it, and one holding a password is refused.
 */
int postgresql_check(const char *conninfo, struct ndx_error *);

#endif
