/*
 * CSV records with line numbers over libcsv.
 *
 * libcsv parses in strict mode and calls back per field and per record but
 * knows no positions, so lines are counted here: CSV_REPALL_NL makes it
 * report every unquoted CR and LF, which lets blank lines and CRLF be told
 * apart, and newlines inside quoted fields are counted from field content.
 * Records are queued so callers can pull them one at a time.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "ndx/csvrec.h"
#include "ndx/diag.h"
#include "ndx/ndx.h"

#define CSVREC_CHUNK (64 * 1024)
#define CSVREC_FIELDS_MAX 1024

struct qrec {
	long line;
	size_t nfields, fieldcap;
	size_t *off, *len;
	char *buf;
	size_t buflen, bufcap;
};

struct csvrec_reader {
	FILE *fp;
	char *name;
	struct csv_parser parser;
	struct qrec cur;	/* the record being built */
	struct qrec *q;		/* completed records, q[head..tail) */
	size_t head, tail, qcap;
	int returned;		/* q[head] was handed out */
	long start_line;	/* line where the current record starts */
	long nl_in_record;	/* newlines inside its quoted fields */
	int prev_term;		/* last terminator seen, or 0 */
	int started;		/* the BOM check is done */
	int eof;
	int failed;		/* a callback found an error */
	struct ndx_error cb_err;
	struct csvrec out;
	char **fieldv;
	size_t fieldvcap;
	char bom[3];
	size_t nbom;
};

static int
no_space(unsigned char c)
{
	(void)c;
	return 0;	/* keep leading and trailing blanks: values are data */
}

struct csvrec_reader *
csvrec_open(FILE *fp, const char *name)
{
	struct csvrec_reader *r = xcalloc(1, sizeof(*r));

	r->fp = fp;
	r->name = xstrdup(name);
	r->start_line = 1;
	if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI |
	    CSV_REPALL_NL) != 0) {
		free(r->name);
		free(r);
		return NULL;
	}
	csv_set_space_func(&r->parser, no_space);
	return r;
}

static void
qrec_free(struct qrec *q)
{
	free(q->off);
	free(q->len);
	free(q->buf);
}

void
csvrec_close(struct csvrec_reader *r)
{
	if (r == NULL)
		return;
	csv_free(&r->parser);
	qrec_free(&r->cur);
	for (size_t i = 0; i < r->qcap; i++)
		qrec_free(&r->q[i]);
	free(r->q);
	free(r->fieldv);
	free(r->name);
	free(r);
}

static void
fail(struct csvrec_reader *r, long line, const char *msg)
{
	if (!r->failed)
		ndx_error_set(&r->cb_err, NDX_EX_DATAERR, r->name, line, "%s",
		    msg);
	r->failed = 1;
}

static void
on_field(void *s, size_t len, void *data)
{
	struct csvrec_reader *r = data;
	struct qrec *c = &r->cur;

	if (r->failed)
		return;
	if (len > CSVREC_FIELD_MAX) {
		fail(r, r->start_line, "field longer than 4096 bytes");
		return;
	}
	if (len > 0 && memchr(s, '\0', len) != NULL) {
		fail(r, r->start_line, "NUL byte in field: not a text file");
		return;
	}
	if (c->nfields == CSVREC_FIELDS_MAX) {
		fail(r, r->start_line, "more than 1024 fields in a record");
		return;
	}
	if (c->nfields == c->fieldcap) {
		c->fieldcap = c->fieldcap ? c->fieldcap * 2 : 64;
		c->off = xreallocarray(c->off, c->fieldcap, sizeof(*c->off));
		c->len = xreallocarray(c->len, c->fieldcap, sizeof(*c->len));
	}
	if (c->buflen + len + 1 > c->bufcap) {
		while (c->buflen + len + 1 > c->bufcap)
			c->bufcap = c->bufcap ? c->bufcap * 2 : 1024;
		c->buf = xrealloc(c->buf, c->bufcap);
	}
	if (len > 0)
		memcpy(c->buf + c->buflen, s, len);
	c->buf[c->buflen + len] = '\0';
	c->off[c->nfields] = c->buflen;
	c->len[c->nfields] = len;
	c->nfields++;
	c->buflen += len + 1;
	for (size_t i = 0; i < len; i++)
		if (((const char *)s)[i] == '\n')
			r->nl_in_record++;
}

static void
on_record(int term, void *data)
{
	struct csvrec_reader *r = data;
	struct qrec tmp;
	long line = r->start_line;
	int crlf_tail = term == '\n' && r->prev_term == '\r' &&
	    r->cur.nfields == 0;

	if (r->failed)
		return;
	r->prev_term = term;
	if (crlf_tail)
		return;	/* the LF of a CRLF already counted at its CR */
	r->start_line += r->nl_in_record + (term == '\n' || term == '\r');
	r->nl_in_record = 0;
	if (r->cur.nfields == 0)
		return;	/* a blank line */
	if (r->tail == r->qcap) {
		size_t used = r->tail - r->head;

		if (r->head > 0 && used < r->qcap / 2) {
			/* Slide the live records down, keeping the buffers. */
			for (size_t i = 0; i < used; i++) {
				tmp = r->q[i];
				r->q[i] = r->q[r->head + i];
				r->q[r->head + i] = tmp;
			}
			r->head = 0;
			r->tail = used;
		} else {
			size_t cap = r->qcap ? r->qcap * 2 : 16;

			r->q = xreallocarray(r->q, cap, sizeof(*r->q));
			memset(r->q + r->qcap, 0,
			    (cap - r->qcap) * sizeof(*r->q));
			r->qcap = cap;
		}
	}
	r->cur.line = line;
	/* Swap buffers so both keep their capacity. */
	tmp = r->q[r->tail];
	r->q[r->tail] = r->cur;
	r->cur = tmp;
	r->cur.nfields = 0;
	r->cur.buflen = 0;
	r->tail++;
}

/* Feeds one chunk; returns -1 on a parse or read error. */
static int
feed(struct csvrec_reader *r, struct ndx_error *err)
{
	char buf[CSVREC_CHUNK];
	char *p = buf;
	size_t n;

	n = fread(buf, 1, sizeof(buf), r->fp);
	if (n == 0) {
		if (ferror(r->fp)) {
			ndx_error_set(&r->cb_err, NDX_EX_IOERR, r->name, 0,
			    "read error: %s", strerror(errno));
			r->failed = 1;
			goto check;
		}
		/* Input shorter than a BOM: parse what there is. */
		if (r->nbom > 0 && !r->started &&
		    csv_parse(&r->parser, r->bom, r->nbom, on_field, on_record,
		    r) != r->nbom && !r->failed)
			fail(r, r->start_line, "malformed CSV quoting");
		r->started = 1;
		if (csv_fini(&r->parser, on_field, on_record, r) != 0 &&
		    !r->failed)
			fail(r, r->start_line,
			    "unterminated quoted field at end of file");
		r->eof = 1;
		goto check;
	}
	if (!r->started) {
		/* A BOM may straddle reads on a slow pipe; collect 3 bytes. */
		while (r->nbom < 3 && n > 0) {
			r->bom[r->nbom++] = *p++;
			n--;
		}
		if (r->nbom < 3)
			return 0;
		r->started = 1;
		if (memcmp(r->bom, "\xEF\xBB\xBF", 3) != 0 &&
		    csv_parse(&r->parser, r->bom, 3, on_field, on_record, r)
		    != 3 && !r->failed)
			fail(r, r->start_line, "malformed CSV quoting");
	}
	if (n > 0 && csv_parse(&r->parser, p, n, on_field, on_record, r) != n &&
	    !r->failed)
		fail(r, r->start_line + r->nl_in_record,
		    "malformed CSV quoting (a quote inside an unquoted field, "
		    "or text after a closing quote)");
	/* A field still open cannot grow without bound. */
	if (!r->failed &&
	    csv_get_buffer_size(&r->parser) > 2 * CSVREC_FIELD_MAX + 1024)
		fail(r, r->start_line, "field longer than 4096 bytes");
check:
	if (r->failed) {
		*err = r->cb_err;
		return -1;
	}
	return 0;
}

int
csvrec_next(struct csvrec_reader *r, const struct csvrec **rec,
    struct ndx_error *err)
{
	struct qrec *q;

	if (r->returned) {
		r->head++;
		r->returned = 0;
	}
	/* Records completed before an error are still handed out first. */
	while (r->head == r->tail) {
		if (r->failed) {
			*err = r->cb_err;
			return -1;
		}
		if (r->eof)
			return 0;
		(void)feed(r, err);
	}
	q = &r->q[r->head];
	if (q->nfields > r->fieldvcap) {
		r->fieldvcap = q->nfields;
		r->fieldv = xreallocarray(r->fieldv, r->fieldvcap,
		    sizeof(*r->fieldv));
	}
	for (size_t i = 0; i < q->nfields; i++)
		r->fieldv[i] = q->buf + q->off[i];
	r->out.line = q->line;
	r->out.nfields = q->nfields;
	r->out.field = r->fieldv;
	r->out.len = q->len;
	r->returned = 1;
	*rec = &r->out;
	return 1;
}

/* What a spreadsheet takes for the start of a formula (OWASP's list). */
static int
formula_start(const char *s)
{
	return *s == '=' || *s == '+' || *s == '-' || *s == '@' ||
	    *s == '\t' || *s == '\r';
}

static int
write_field(FILE *fp, const char *s, int quote_all, int neutral)
{
	int quote = quote_all;

	if (s == NULL)
		s = "";
	neutral = neutral && formula_start(s);
	if (!quote && strpbrk(s, ",\"\r\n") != NULL)
		quote = 1;
	if (!quote)
		return (neutral && putc('\'', fp) == EOF) || fputs(s, fp) < 0 ?
		    -1 : 0;
	if (putc('"', fp) == EOF || (neutral && putc('\'', fp) == EOF))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s == '"' && putc('"', fp) == EOF)
			return -1;
		if (putc(*s, fp) == EOF)
			return -1;
	}
	return putc('"', fp) == EOF ? -1 : 0;
}

int
csvrec_write_field(FILE *fp, const char *s, int quote_all)
{
	return write_field(fp, s, quote_all, 0);
}

static int
write_row(FILE *fp, const char *const *fields, size_t n, int quote_all,
    int neutral)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && putc(',', fp) == EOF)
			return -1;
		if (write_field(fp, fields[i], quote_all, neutral) != 0)
			return -1;
	}
	return putc('\n', fp) == EOF ? -1 : 0;
}

int
csvrec_write_row(FILE *fp, const char *const *fields, size_t n, int quote_all)
{
	return write_row(fp, fields, n, quote_all, 0);
}

int
csvrec_write_row_for_people(FILE *fp, const char *const *fields, size_t n)
{
	return write_row(fp, fields, n, 0, 1);
}

int
ndx_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				return 0;
			if (c == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		/* Overlong forms, surrogates, beyond U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return 0;
		/* XML 1.0 excludes U+FFFE and U+FFFF. */
		if (cp == 0xFFFE || cp == 0xFFFF)
			return 0;
		i += n + 1;
	}
	return 1;
}
