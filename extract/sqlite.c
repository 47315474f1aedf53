/*
 * The sqlite: source: a case-management database in one SQLite file.
 *
 * The file is opened read-only and the mapping stepped through row by
 * row, so memory does not grow with the database.  A database another
 * program is writing may be locked for a moment: the extract waits a
 * little, then gives up with 75 so that a later run can try again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ndx/diag.h"
#include "ndx/ndx.h"

#include "extract.h"

/* How long to wait for a writer's lock before exit 75. */
#define SQLITE_BUSY_MS 5000

/*
 * The exit code for an SQLite result code.  SQLITE_ERROR comes from the
 * mapping (no such table or column, a syntax error): it is configuration.
 */
static int
sqlite_code(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_ERROR:
	case SQLITE_AUTH:
		return NDX_EX_CONFIG;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return NDX_EX_TEMPFAIL;
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		return NDX_EX_NOINPUT;
	case SQLITE_IOERR:
		return NDX_EX_IOERR;
	case SQLITE_NOMEM:
		return NDX_EX_OSERR;
	case SQLITE_MISUSE:
		return NDX_EX_SOFTWARE;
	default:	/* SQLITE_NOTADB, SQLITE_CORRUPT, SQLITE_RANGE ... */
		return NDX_EX_DATAERR;
	}
}

/*
 * Reports a failure: the mapping's faults against the SQL file, the
 * rest against the database.
 */
static void
sqlite_fail(sqlite3 *db, int rc, const char *path, const char *sqlname,
    struct ndx_error *err)
{
	const char *msg = db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	int code = sqlite_code(rc);

	if (code != NDX_EX_CONFIG)
		ndx_error_set(err, code, path, 0, "%s", msg);
	else if (strncmp(msg, "no such ", 8) == 0)
		ndx_error_set(err, code, sqlname, 0,
		    "does not match the database %s: %s", path, msg);
	else
		ndx_error_set(err, code, sqlname, 0, "%s", msg);
}

/*
 * Opens path read-only.  SQLite's own message for a missing file is
 * "unable to open database file", so the file is looked at first.  A
 * name starting "file:" could be read as a URI (when SQLite is built to
 * allow them): "./" keeps it a plain path.
 */
static sqlite3 *
sqlite_open(const char *path, const char *sqlname, struct ndx_error *err)
{
	sqlite3 *db = NULL;
	struct stat st;
	char *name;
	int rc;

	if (stat(path, &st) != 0 || access(path, R_OK) != 0) {
		ndx_error_set(err, NDX_EX_NOINPUT, path, 0, "cannot open: %s",
		    strerror(errno));
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		ndx_error_set(err, NDX_EX_NOINPUT, path, 0, "is a directory");
		return NULL;
	}
	name = xmalloc(strlen(path) + 3);
	strcpy(name, strncmp(path, "file:", 5) == 0 ? "./" : "");
	strcat(name, path);
	/* One thread: no mutex on every column read (a tenth of the time). */
	rc = sqlite3_open_v2(name, &db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL);
	free(name);
	if (rc != SQLITE_OK) {
		sqlite_fail(db, rc, path, sqlname, err);
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, SQLITE_BUSY_MS);
	return db;
}

/* Prepares the mapping, which must be exactly one statement. */
static sqlite3_stmt *
sqlite_prepare(sqlite3 *db, const char *query, const char *path,
    const char *sqlname, struct ndx_error *err)
{
	sqlite3_stmt *stmt = NULL, *more = NULL;
	const char *tail;
	int rc;

	if ((rc = sqlite3_prepare_v2(db, query, -1, &stmt, &tail)) !=
	    SQLITE_OK) {
		sqlite_fail(db, rc, path, sqlname, err);
		return NULL;
	}
	if (stmt == NULL) {
		ndx_error_set(err, NDX_EX_CONFIG, sqlname, 0,
		    "holds no SQL statement");
		return NULL;
	}
	/* What follows may be comments and blanks only. */
	rc = sqlite3_prepare_v2(db, tail, -1, &more, NULL);
	if (rc != SQLITE_OK || more != NULL) {
		ndx_error_set(err, NDX_EX_CONFIG, sqlname, 0,
		    "holds more than one SQL statement");
		sqlite3_finalize(more);
		sqlite3_finalize(stmt);
		return NULL;
	}
	return stmt;
}

int
sqlite_run(const char *path, const char *query, const char *sqlname,
    struct sql_sink *sink, struct ndx_error *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	const char **names = NULL, **values = NULL;
	size_t *lens = NULL, n;
	int rc = -1, src;

	if ((db = sqlite_open(path, sqlname, err)) == NULL ||
	    (stmt = sqlite_prepare(db, query, path, sqlname, err)) == NULL)
		goto out;
	n = (size_t)sqlite3_column_count(stmt);
	names = xcalloc(n + 1, sizeof(*names));
	values = xcalloc(n + 1, sizeof(*values));
	lens = xcalloc(n + 1, sizeof(*lens));
	for (size_t i = 0; i < n; i++)
		names[i] = sqlite3_column_name(stmt, (int)i);
	if (sql_sink_columns(sink, n, names, err) != 0)
		goto out;
	while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
		/*
		 * Each value is fetched once, as text, before its length:
		 * both stay valid until the next step.
		 */
		for (size_t i = 0; i < n; i++) {
			values[i] = (const char *)sqlite3_column_text(stmt,
			    (int)i);
			lens[i] = (size_t)sqlite3_column_bytes(stmt, (int)i);
		}
		if (sql_sink_row(sink, values, lens, err) != 0)
			goto out;
	}
	if (src != SQLITE_DONE) {
		sqlite_fail(db, src, path, sqlname, err);
		goto out;
	}
	rc = 0;
out:
	free(names);
	free(values);
	free(lens);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return rc;
}
