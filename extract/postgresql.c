/*
 * The postgresql: source: a case-management database on a PostgreSQL
 * server.
 *
 * --source takes a libpq URI (postgresql://..., postgres://...), or
 * "postgresql:" followed by a key=value connection string
 * ("postgresql:service=cm", "postgresql:host=/run/postgresql dbname=cm"),
 * or nothing ("postgresql:": all from PGHOST, PGDATABASE...).  Passwords
 * come from libpq's usual places, PGPASSWORD, PGPASSFILE, ~/.pgpass or
 * a service file, never from the command line, where ps(1) would show
 * them: a connection string holding one is refused.  The connection
 * string is never printed either; libpq's messages do not repeat it.
 *
 * Rows are streamed in single-row mode, so memory does not grow with
 * the result.  The session is read-only and its DateStyle ISO, whatever
 * the server or PGDATESTYLE say, so that CAST(date AS TEXT) gives
 * YYYY-MM-DD.  Every failure to reach the server or to stay connected is
 * 75 (try again later); a mapping that does not fit the database is 78.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "ndx/diag.h"
#include "ndx/ndx.h"

#include "extract.h"

/* Server notices and warnings, in the program's format. */
static void
notice(void *arg, const char *msg)
{
	char buf[512];

	(void)arg;
	sql_flatten(msg, buf, sizeof(buf));
	diag_warnx("PostgreSQL: %s", buf);
}

/*
 * Whether a failure is worth trying again later: the connection is gone
 * (class 08, or libpq's own report with no SQLSTATE), the transaction
 * was rolled back (40), the server is short of resources (53), an object
 * is locked (55), an operator shut the server down (57), or the system
 * under it failed (58).
 */
static int
pg_retry(PGconn *conn, const char *state)
{
	static const char *const classes[] = { "08", "40", "53", "55", "57",
		"58" };

	if (PQstatus(conn) != CONNECTION_OK || state == NULL)
		return 1;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strncmp(state, classes[i], 2) == 0)
			return 1;
	return 0;
}

/*
 * Whether the mapping is at fault: a syntax error, an undefined table or
 * column (class 42), an unsupported feature (0A), or an unknown database
 * or schema named in it (3D, 3F).
 */
static int
pg_config(const char *state)
{
	static const char *const classes[] = { "0A", "3D", "3F", "42" };

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (state != NULL && strncmp(state, classes[i], 2) == 0)
			return 1;
	return 0;
}

/*
 * Reports a failure of the query, or of the connection under it after
 * rows rows.
 */
static void
pg_fail(PGconn *conn, const PGresult *res, unsigned long long rows,
    const char *sqlname, struct ndx_error *err)
{
	const char *state = NULL, *msg = NULL;
	char buf[600], after[64] = "";

	if (res != NULL) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	}
	if (msg == NULL)
		msg = PQerrorMessage(conn);
	sql_flatten(msg, buf, sizeof(buf));
	if (rows > 0)
		snprintf(after, sizeof(after), " after %llu rows", rows);
	if (pg_retry(conn, state))
		ndx_error_set(err, NDX_EX_TEMPFAIL, "", 0,
		    "PostgreSQL: query failed%s: %s%s%s%s", after, buf,
		    state ? " (SQLSTATE " : "", state ? state : "",
		    state ? ")" : "");
	else if (pg_config(state))
		ndx_error_set(err, NDX_EX_CONFIG, sqlname, 0,
		    "%s%s (SQLSTATE %s)", strcmp(state, "42P01") == 0 ||
		    strcmp(state, "42703") == 0 ?
		    "does not match the database: " : "", buf, state);
	else
		ndx_error_set(err, NDX_EX_DATAERR, "", 0,
		    "PostgreSQL: %s (SQLSTATE %s)", buf, state);
}

int
postgresql_check(const char *conninfo, struct ndx_error *err)
{
	PQconninfoOption *opts, *o;
	char *msg = NULL;
	int rc = 0;

	if (*conninfo == '\0')
		return 0;
	if ((opts = PQconninfoParse(conninfo, &msg)) == NULL) {
		PQfreemem(msg);
		ndx_error_set(err, NDX_EX_USAGE, "", 0, "--source: not a valid "
		    "PostgreSQL URI or key=value connection string");
		return -1;
	}
	/* sslpassword unlocks the client's key: as secret as password.
	 * The message names the key, never its value. */
	for (o = opts; o->keyword != NULL && rc == 0; o++)
		if ((strcmp(o->keyword, "password") == 0 ||
		    strcmp(o->keyword, "sslpassword") == 0) &&
		    o->val != NULL && *o->val != '\0') {
			ndx_error_set(err, NDX_EX_USAGE, "", 0, "--source: %s "
			    "%s on the command line is refused (anyone "
			    "can see it with ps); use PGPASSFILE, ~/.pgpass or "
			    "a service file", o->keyword[0] == 'p' ? "a" : "an",
			    o->keyword);
			rc = -1;
		}
	PQconninfoFree(opts);
	return rc;
}

static PGconn *
pg_connect(const char *conninfo, const char *sqlname, struct ndx_error *err)
{
	/*
	 * Keywords after dbname override what the connection string says:
	 * values must reach the sink as UTF-8.
	 */
	static const char *const keys[] = { "dbname", "client_encoding",
		"fallback_application_name", NULL };
	const char *vals[] = { conninfo, "UTF8", "ndx-extract", NULL };
	PGconn *conn;
	PGresult *res;

	if ((conn = PQconnectdbParams(keys, vals, 1)) == NULL) {
		ndx_error_set(err, NDX_EX_OSERR, "", 0, "out of memory");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		char buf[600];

		sql_flatten(PQerrorMessage(conn), buf, sizeof(buf));
		ndx_error_set(err, NDX_EX_TEMPFAIL, "", 0,
		    "cannot connect to PostgreSQL: %s", buf);
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, notice, NULL);
	res = PQexec(conn, "SET datestyle = 'ISO, YMD'; "
	    "SET default_transaction_read_only = on");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_fail(conn, res, 0, sqlname, err);
		PQclear(res);
		PQfinish(conn);
		return NULL;
	}
	PQclear(res);
	return conn;
}

/* The values of a result's rows, to the sink; 0 or -1. */
static int
pg_rows(const PGresult *res, struct sql_sink *sink, const char **values,
    size_t *lens, struct ndx_error *err)
{
	int n = PQnfields(res);

	for (int r = 0; r < PQntuples(res); r++) {
		for (int i = 0; i < n; i++) {
			values[i] = PQgetisnull(res, r, i) ? NULL :
			    PQgetvalue(res, r, i);
			lens[i] = (size_t)PQgetlength(res, r, i);
		}
		if (sql_sink_row(sink, values, lens, err) != 0)
			return -1;
	}
	return 0;
}

int
postgresql_run(const char *conninfo, const char *query, const char *sqlname,
    struct sql_sink *sink, struct ndx_error *err)
{
	PGconn *conn = NULL;
	PGresult *res = NULL;
	const char **names = NULL, **values = NULL;
	size_t *lens = NULL, n = 0;
	int rc = -1, done = 0;

	if ((conn = pg_connect(conninfo, sqlname, err)) == NULL)
		goto out;
	/* The extended protocol takes exactly one statement. */
	if (!PQsendQueryParams(conn, query, 0, NULL, NULL, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(conn)) {
		pg_fail(conn, NULL, 0, sqlname, err);
		goto out;
	}
	while ((res = PQgetResult(conn)) != NULL) {
		switch (PQresultStatus(res)) {
		case PGRES_SINGLE_TUPLE:
		case PGRES_TUPLES_OK:
			/* Even a result without rows describes its columns. */
			if (names == NULL) {
				n = (size_t)PQnfields(res);
				names = xcalloc(n + 1, sizeof(*names));
				values = xcalloc(n + 1, sizeof(*values));
				lens = xcalloc(n + 1, sizeof(*lens));
				for (size_t i = 0; i < n; i++)
					names[i] = PQfname(res, (int)i);
				if (sql_sink_columns(sink, n, names, err) != 0)
					goto out;
			}
			if (pg_rows(res, sink, values, lens, err) != 0)
				goto out;
			done = PQresultStatus(res) == PGRES_TUPLES_OK;
			break;
		case PGRES_COMMAND_OK:
			ndx_error_set(err, NDX_EX_CONFIG, sqlname, 0,
			    "is not a query: it returns no rows");
			goto out;
		default:
			pg_fail(conn, res, sql_sink_rows(sink), sqlname, err);
			goto out;
		}
		PQclear(res);
	}
	/* The end of the stream without its last result: cut short. */
	if (!done) {
		pg_fail(conn, NULL, sql_sink_rows(sink), sqlname, err);
		goto out;
	}
	rc = 0;
out:
	PQclear(res);
	free(names);
	free(values);
	free(lens);
	/* Closing mid-stream makes the server abandon the query. */
	PQfinish(conn);
	return rc;
}
