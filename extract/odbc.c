/*
 * The odbc: source: a case-management database reached through unixODBC,
 * the driver manager every Linux ODBC driver plugs into (MariaDB's and
 * MySQL's, FreeTDS or Microsoft's for SQL Server, psqlODBC, SQLite's).
 *
 * --source odbc:DSN=NAME names a data source of odbc.ini; anything else
 * after "odbc:" is a full connection string ("odbc:Driver=MariaDB;
 * Server=localhost;Database=cm").  Credentials come from odbc.ini, the
 * driver's own option files (MariaDB's ~/.my.cnf) or a trusted
 * connection, never from the command line: a connection string holding
 * PWD= or Password= is refused (64).  The connection string is never
 * printed; driver messages are, on one line.
 *
 * The same mapping as the other database sources runs unchanged
 * (extract/sql/episodes.sql).  Every value is fetched as text
 * (SQL_C_CHAR), so a DATE column arrives as YYYY-MM-DD as it does from
 * SQLite and PostgreSQL.  Rows stream as SQLFetch gives them; whether
 * the driver holds the whole result first is the driver's setting
 * (MariaDB: NO_CACHE=1; psqlODBC: UseDeclareFetch=1), which docs/odbc.md
 * says to set.  Exit codes as for PostgreSQL: 75 when the server cannot
 * be reached or the connection is lost mid-extract, 78 when the mapping
 * does not fit the database or the data source is not configured.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>
#include <sql.h>
#include <sqlext.h>

#include "ndx/diag.h"
#include "ndx/ndx.h"

#include "extract.h"

#define ODBC_VALUE_MAX (1024 * 1024)	/* a value larger is no item's */

/* The first diagnostic of a handle: its SQLSTATE, native code, text. */
static void
odbc_diag(SQLSMALLINT type, SQLHANDLE h, char state[6], SQLINTEGER *native,
    char *msg, size_t size)
{
	SQLCHAR st[6] = "", text[1024] = "";
	SQLSMALLINT len = 0;

	*native = 0;
	if (!SQL_SUCCEEDED(SQLGetDiagRec(type, h, 1, st, native, text,
	    (SQLSMALLINT)sizeof(text), &len))) {
		snprintf(state, 6, "HY000");
		snprintf(msg, size, "no diagnostic from the driver");
		return;
	}
	memcpy(state, st, 6);
	state[5] = '\0';
	sql_flatten((const char *)text, msg, size);
}

/*
 * Worth trying again later: the connection failed or is gone (class 08),
 * a timeout (HYT), the server's "gone away" or "lost connection"
 * (MariaDB and MySQL 2006, 2013, which their driver reports as HY000),
 * a rollback (40).
 */
static int
odbc_retry(const char *state, SQLINTEGER native)
{
	return strncmp(state, "08", 2) == 0 || strncmp(state, "HYT", 3) == 0 ||
	    strncmp(state, "40", 2) == 0 || native == 2006 || native == 2013;
}

/* The mapping's fault: syntax, an unknown table or column (42). */
static int
odbc_config(const char *state)
{
	return strncmp(state, "42", 2) == 0 || strncmp(state, "0A", 2) == 0;
}

static void
odbc_fail(SQLSMALLINT type, SQLHANDLE h, unsigned long long rows,
    const char *sqlname, struct ndx_error *err)
{
	char state[6], msg[600], after[64] = "";
	SQLINTEGER native;

	odbc_diag(type, h, state, &native, msg, sizeof(msg));
	if (rows > 0)
		snprintf(after, sizeof(after), " after %llu rows", rows);
	if (odbc_retry(state, native))
		ndx_error_set(err, NDX_EX_TEMPFAIL, "", 0, "ODBC: query "
		    "failed%s: %s (SQLSTATE %s)", after, msg, state);
	else if (odbc_config(state))
		ndx_error_set(err, NDX_EX_CONFIG, sqlname, 0, "does not match "
		    "the database: %s (SQLSTATE %s)", msg, state);
	else
		ndx_error_set(err, NDX_EX_DATAERR, "", 0, "ODBC: %s "
		    "(SQLSTATE %s)", msg, state);
}

int
odbc_check(const char *connstr, struct ndx_error *err)
{
	static const char *const secret[] = { "pwd", "password" };
	const char *p = connstr;

	/* key=value pairs separated by ';'; a value may be {braced;}. */
	while (*p != '\0') {
		const char *eq = strchr(p, '='), *end;
		size_t klen;

		if (eq == NULL)
			break;
		while (*p == ' ' || *p == ';')
			p++;
		klen = (size_t)(eq - p);
		while (klen > 0 && p[klen - 1] == ' ')
			klen--;
		for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]);
		    i++)
			if (klen == strlen(secret[i]) &&
			    strncasecmp(p, secret[i], klen) == 0) {
				ndx_error_set(err, NDX_EX_USAGE, "", 0,
				    "--source: a password in the ODBC "
				    "connection string is refused (anyone "
				    "can see it with ps); put it in odbc.ini "
				    "or the driver's option file");
				return -1;
			}
		end = eq + 1;
		if (*end == '{') {
			if ((end = strchr(end, '}')) == NULL)
				break;
		}
		if ((end = strchr(end, ';')) == NULL)
			break;
		p = end + 1;
	}
	return 0;
}

/* Connects; NULL handles with err set (75 unreachable, 78 not set up). */
static int
odbc_connect(const char *connstr, SQLHENV *envp, SQLHDBC *dbcp,
    struct ndx_error *err)
{
	SQLHENV env = SQL_NULL_HENV;
	SQLHDBC dbc = SQL_NULL_HDBC;
	SQLCHAR out[1024];
	SQLSMALLINT outlen;
	SQLRETURN r;
	char state[6], msg[600];
	SQLINTEGER native;

	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE,
	    &env)) || !SQL_SUCCEEDED(SQLSetEnvAttr(env,
	    SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0)) ||
	    !SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc))) {
		ndx_error_set(err, NDX_EX_OSERR, "", 0, "ODBC: the driver "
		    "manager cannot start");
		if (env != SQL_NULL_HENV)
			SQLFreeHandle(SQL_HANDLE_ENV, env);
		return -1;
	}
	/* A hint the driver may take: this session only reads. */
	SQLSetConnectAttr(dbc, SQL_ATTR_ACCESS_MODE,
	    (SQLPOINTER)SQL_MODE_READ_ONLY, 0);
	r = SQLDriverConnect(dbc, NULL, (SQLCHAR *)connstr, SQL_NTS, out,
	    (SQLSMALLINT)sizeof(out), &outlen, SQL_DRIVER_NOPROMPT);
	/* The completed string may hold the password: it is dropped. */
	sodium_memzero(out, sizeof(out));
	if (!SQL_SUCCEEDED(r)) {
		odbc_diag(SQL_HANDLE_DBC, dbc, state, &native, msg,
		    sizeof(msg));
		/* IM: the driver manager found no such source or driver. */
		ndx_error_set(err, strncmp(state, "IM", 2) == 0 ?
		    NDX_EX_CONFIG : NDX_EX_TEMPFAIL, "", 0,
		    "cannot connect through ODBC: %s (SQLSTATE %s)", msg,
		    state);
		SQLFreeHandle(SQL_HANDLE_DBC, dbc);
		SQLFreeHandle(SQL_HANDLE_ENV, env);
		return -1;
	}
	*envp = env;
	*dbcp = dbc;
	return 0;
}

/*
 * Column i of the current row as text into *buf (grown as needed);
 * *isnull for SQL NULL.  0, or -1 with err.
 */
static int
get_text(SQLHSTMT st, SQLUSMALLINT col, char **buf, size_t *cap,
    size_t *len, int *isnull, unsigned long long rows, const char *sqlname,
    struct ndx_error *err)
{
	SQLLEN ind;
	SQLRETURN r;

	*len = 0;
	*isnull = 0;
	for (;;) {
		r = SQLGetData(st, col, SQL_C_CHAR, *buf + *len,
		    (SQLLEN)(*cap - *len), &ind);
		if (r == SQL_NO_DATA)
			return 0;
		if (!SQL_SUCCEEDED(r)) {
			odbc_fail(SQL_HANDLE_STMT, st, rows, sqlname, err);
			return -1;
		}
		if (ind == SQL_NULL_DATA) {
			*isnull = 1;
			return 0;
		}
		if (r == SQL_SUCCESS) {
			*len += (size_t)ind;
			return 0;
		}
		/* 01004: truncated; the rest follows on the next call. */
		*len = *cap - 1;
		if (*cap >= ODBC_VALUE_MAX) {
			ndx_error_set(err, NDX_EX_DATAERR, "", 0, "ODBC: row "
			    "%llu: column %u is over %d bytes", rows + 1,
			    (unsigned)col, ODBC_VALUE_MAX);
			return -1;
		}
		*cap *= 2;
		*buf = xrealloc(*buf, *cap);
	}
}

int
odbc_run(const char *connstr, const char *query, const char *sqlname,
    struct sql_sink *sink, struct ndx_error *err)
{
	SQLHENV env = SQL_NULL_HENV;
	SQLHDBC dbc = SQL_NULL_HDBC;
	SQLHSTMT st = SQL_NULL_HSTMT;
	SQLSMALLINT ncols = 0;
	SQLRETURN r;
	char **names = NULL, **bufs = NULL;
	const char **values = NULL;
	size_t *caps = NULL, *lens = NULL, n = 0;
	int rc = -1;

	if (odbc_connect(connstr, &env, &dbc, err) != 0)
		return -1;
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st))) {
		odbc_fail(SQL_HANDLE_DBC, dbc, 0, sqlname, err);
		goto out;
	}
	SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE,
	    (SQLPOINTER)SQL_CURSOR_FORWARD_ONLY, 0);
	SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY,
	    (SQLPOINTER)SQL_CONCUR_READ_ONLY, 0);
	r = SQLExecDirect(st, (SQLCHAR *)query, SQL_NTS);
	if (!SQL_SUCCEEDED(r) && r != SQL_NO_DATA) {
		odbc_fail(SQL_HANDLE_STMT, st, 0, sqlname, err);
		goto out;
	}
	if (!SQL_SUCCEEDED(SQLNumResultCols(st, &ncols)) || ncols <= 0) {
		ndx_error_set(err, NDX_EX_CONFIG, sqlname, 0,
		    "is not a query: it returns no rows");
		goto out;
	}
	n = (size_t)ncols;
	names = xcalloc(n + 1, sizeof(*names));
	bufs = xcalloc(n + 1, sizeof(*bufs));
	values = xcalloc(n + 1, sizeof(*values));
	caps = xcalloc(n + 1, sizeof(*caps));
	lens = xcalloc(n + 1, sizeof(*lens));
	for (size_t i = 0; i < n; i++) {
		SQLCHAR name[256];
		SQLSMALLINT nlen, type, digits, nullable;
		SQLULEN size;

		if (!SQL_SUCCEEDED(SQLDescribeCol(st, (SQLUSMALLINT)(i + 1),
		    name, (SQLSMALLINT)sizeof(name), &nlen, &type, &size,
		    &digits, &nullable))) {
			odbc_fail(SQL_HANDLE_STMT, st, 0, sqlname, err);
			goto out;
		}
		names[i] = xstrdup((const char *)name);
		caps[i] = 256;
		bufs[i] = xmalloc(caps[i]);
	}
	if (sql_sink_columns(sink, n, (const char *const *)names, err) != 0)
		goto out;
	while ((r = SQLFetch(st)) != SQL_NO_DATA) {
		if (!SQL_SUCCEEDED(r)) {
			odbc_fail(SQL_HANDLE_STMT, st, sql_sink_rows(sink),
			    sqlname, err);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			int isnull;

			if (get_text(st, (SQLUSMALLINT)(i + 1), &bufs[i],
			    &caps[i], &lens[i], &isnull, sql_sink_rows(sink),
			    sqlname, err) != 0)
				goto out;
			values[i] = isnull ? NULL : bufs[i];
		}
		if (sql_sink_row(sink, values, lens, err) != 0)
			goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
		free(bufs[i]);
	}
	free(names);
	free(bufs);
	free(values);
	free(caps);
	free(lens);
	if (st != SQL_NULL_HSTMT)
		SQLFreeHandle(SQL_HANDLE_STMT, st);
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	return rc;
}
