/*
 * External sort of rows by AGNCY, CLIENTID, EPISODID, line, then the rest
 * of the row (see srec_cmp).
 *
 * A CSV export may be larger than memory and its rows come in any order,
 * yet the grouper needs all rows of a client together.  Rows are packed
 * into a buffer of at most runmax bytes; a full buffer is sorted and
 * spilled to an unnamed temporary file (a "run"), and the runs are merged
 * through a binary heap.  Merging opens one file per run, so when there
 * are more than SORTER_FANIN runs, they are first merged in batches.  An
 * input that fits one run never touches the disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ndx/diag.h"
#include "ndx/ndx.h"
#include "ndx/outfile.h"

#include "extract.h"

#define SORTER_FANIN 128
#define SORTER_IOBUF (64 * 1024)


/*
 * A packed row: this header, then every item's value as a NUL-terminated
 * string in item order ("" when absent), padded to a multiple of 8.
 */
struct srec {
	uint32_t size;		/* bytes, header and padding included */
	uint32_t pad;
	int64_t line;
	uint64_t raw;
	uint64_t trimmed;
	uint64_t normalised;
};

/* One run being merged. */
struct reader {
	FILE *fp;
	struct srec *rec;	/* current row */
	size_t cap;
};

struct merge {
	const int *key;		/* the sorter's */
	struct reader *rd;
	size_t nrd;
	size_t *heap;		/* indexes into rd, smallest row on top */
	size_t nheap;
	int pending;		/* the top row was handed out: advance it */
};

struct sorter {
	int key[SORTER_KEYS];	/* items compared first, in this order */
	void (*watch)(void *, const struct extract_row *);
	void *watch_arg;
	int (*filter)(void *, const struct extract_row *, struct ndx_error *);
	void *filter_arg;
	size_t runmax;
	char *buf;		/* the run being filled */
	size_t len, cap;
	size_t *off;		/* offsets of its rows in buf */
	size_t noff, offcap;
	FILE **run;		/* spilled runs, each rewound when merged */
	size_t nrun, runcap;
	size_t nspilled;	/* temporary files created, for tests */
	size_t next;		/* in-memory mode: next row to hand out */
	struct merge m;		/* merge mode (nrun > 0) */
};

static const char *
srec_str(const struct srec *r)
{
	return (const char *)(r + 1);
}

/* The value of item i in a packed row ("" when absent). */
static const char *
srec_item(const struct srec *r, int i)
{
	const char *s = srec_str(r);

	while (i-- > 0)
		s += strlen(s) + 1;
	return s;
}

/*
 * The key items (AGNCY, CLIENTID, EPISODID for the extract), line, then
 * MODID and every item in byte order.  The grouper builds each episode as its rows arrive, so they
 * come together (grouping by EPISODID, as the XML does, does not need
 * the line).  A CSV row's line is unique, so there the line decides the
 * rest.  Rows from a database all have line 0 and come in whatever order
 * the server chose (PostgreSQL orders text by the database's locale, not
 * by byte): ordering them by their whole content makes the XML the same
 * from every source.  Rows that still compare equal are identical, so
 * their order cannot show.
 */
static int
srec_cmp(const int *key, const struct srec *a, const struct srec *b)
{
	const char *sa = srec_str(a), *sb = srec_str(b);
	size_t na = a->size - sizeof(*a), nb = b->size - sizeof(*b);
	int c;

	for (int k = 0; k < SORTER_KEYS; k++)
		if ((c = strcmp(srec_item(a, key[k]),
		    srec_item(b, key[k]))) != 0)
			return c;
	if ((c = (a->line > b->line) - (a->line < b->line)) != 0)
		return c;
	if ((c = strcmp(srec_item(a, NDX_MODID), srec_item(b, NDX_MODID))) != 0)
		return c;
	/*
	 * NUL-terminated values back to back compare as the sequence of
	 * values would, NUL being the smallest byte.
	 */
	if ((c = memcmp(sa, sb, na < nb ? na : nb)) != 0)
		return c;
	if ((c = (na > nb) - (na < nb)) != 0)
		return c;
	if ((c = (a->raw > b->raw) - (a->raw < b->raw)) != 0)
		return c;
	/* Rows equal but for blanks removed are duplicates (R123); their
	 * order must still not depend on the order they came in. */
	if ((c = (a->trimmed > b->trimmed) - (a->trimmed < b->trimmed)) != 0)
		return c;
	return (a->normalised > b->normalised) - (a->normalised < b->normalised);
}

static int
off_cmp(const void *a, const void *b, void *sorter)
{
	const struct sorter *s = sorter;

	return srec_cmp(s->key, (const struct srec *)(s->buf +
	    *(const size_t *)a), (const struct srec *)(s->buf +
	    *(const size_t *)b));
}

static void
srec_decode(const struct srec *r, struct extract_row *row)
{
	const char *s = srec_str(r);

	row->line = (long)r->line;
	row->raw = r->raw;
	row->trimmed = r->trimmed;
	row->normalised = r->normalised;
	for (int i = 0; i < NDX_NITEMS; i++) {
		row->v[i] = *s != '\0' ? s : NULL;
		s += strlen(s) + 1;
	}
}

static void
tmp_error(struct ndx_error *err, int code, const char *what)
{
	ndx_error_set(err, code, "", 0, "temporary file: %s: %s", what,
	    strerror(errno));
}

static FILE *
tmp_open(struct ndx_error *err)
{
	FILE *fp;
	int fd;

	if ((fd = ndx_tmpfd("the sort", err)) < 0)
		return NULL;
	if ((fp = fdopen(fd, "w+")) == NULL) {
		close(fd);
		ndx_error_set(err, NDX_EX_OSERR, "", 0, "temporary file: %s",
		    strerror(errno));
		return NULL;
	}
	setvbuf(fp, NULL, _IOFBF, SORTER_IOBUF);
	return fp;
}

struct sorter *
sorter_new_by(size_t runmax, const int key[SORTER_KEYS])
{
	struct sorter *s = xcalloc(1, sizeof(*s));

	memcpy(s->key, key, sizeof(s->key));
	s->runmax = runmax;
	return s;
}

struct sorter *
sorter_new(size_t runmax)
{
	static const int key[SORTER_KEYS] = { NDX_AGNCY, NDX_CLIENTID,
	    NDX_EPISODID };

	return sorter_new_by(runmax, key);
}

static void
merge_free(struct merge *m)
{
	for (size_t i = 0; i < m->nrd; i++)
		free(m->rd[i].rec);
	free(m->rd);
	free(m->heap);
	memset(m, 0, sizeof(*m));
}

void
sorter_free(struct sorter *s)
{
	if (s == NULL)
		return;
	merge_free(&s->m);
	for (size_t i = 0; i < s->nrun; i++)
		if (s->run[i] != NULL)
			fclose(s->run[i]);
	free(s->run);
	free(s->off);
	free(s->buf);
	free(s);
}

void
sorter_watch(struct sorter *s, void (*fn)(void *, const struct extract_row *),
    void *arg)
{
	s->watch = fn;
	s->watch_arg = arg;
}

void
sorter_filter(struct sorter *s,
    int (*fn)(void *, const struct extract_row *, struct ndx_error *),
    void *arg)
{
	s->filter = fn;
	s->filter_arg = arg;
}

size_t
sorter_runs(const struct sorter *s)
{
	return s->nspilled;
}

static void
add_run(struct sorter *s, FILE *fp)
{
	if (s->nrun == s->runcap) {
		s->runcap = s->runcap ? s->runcap * 2 : 16;
		s->run = xreallocarray(s->run, s->runcap, sizeof(*s->run));
	}
	s->run[s->nrun++] = fp;
	s->nspilled++;
}

/* Sorts the buffered rows and writes them out as a new run. */
static int
spill(struct sorter *s, struct ndx_error *err)
{
	FILE *fp;

	qsort_r(s->off, s->noff, sizeof(*s->off), off_cmp, s);
	if ((fp = tmp_open(err)) == NULL)
		return -1;
	add_run(s, fp);
	for (size_t i = 0; i < s->noff; i++) {
		const struct srec *r = (const struct srec *)(s->buf +
		    s->off[i]);

		if (fwrite(r, r->size, 1, fp) != 1)
			break;
	}
	if (fflush(fp) != 0 || ferror(fp)) {
		tmp_error(err, NDX_EX_IOERR, "write error");
		return -1;
	}
	s->len = 0;
	s->noff = 0;
	return 0;
}

int
sorter_add(struct sorter *s, const struct extract_row *row,
    struct ndx_error *err)
{
	size_t size = sizeof(struct srec), n[NDX_NITEMS];
	struct srec *r;
	char *p;
	int take;

	if (s->filter != NULL &&
	    (take = s->filter(s->filter_arg, row, err)) <= 0)
		return take;
	if (s->watch != NULL)
		s->watch(s->watch_arg, row);
	for (int i = 0; i < NDX_NITEMS; i++) {
		n[i] = row->v[i] != NULL ? strlen(row->v[i]) : 0;
		size += n[i] + 1;
	}
	size = (size + 7) & ~(size_t)7;
	if (s->noff > 0 && s->len + size > s->runmax &&
	    spill(s, err) != 0)
		return -1;
	if (s->len + size > s->cap) {
		/* Grow gently so that a small input costs little memory. */
		size_t cap = s->cap ? s->cap * 2 : 256 * 1024;

		if (cap > s->runmax)
			cap = s->runmax;
		if (cap < s->len + size)
			cap = s->len + size;
		s->buf = xrealloc(s->buf, cap);
		s->cap = cap;
	}
	if (s->noff == s->offcap) {
		s->offcap = s->offcap ? s->offcap * 2 : 4096;
		s->off = xreallocarray(s->off, s->offcap, sizeof(*s->off));
	}
	s->off[s->noff++] = s->len;
	r = (struct srec *)(s->buf + s->len);
	r->size = (uint32_t)size;
	r->pad = 0;
	r->line = row->line;
	r->raw = row->raw;
	r->trimmed = row->trimmed;
	r->normalised = row->normalised;
	p = (char *)(r + 1);
	for (int i = 0; i < NDX_NITEMS; i++) {
		if (n[i] > 0)
			memcpy(p, row->v[i], n[i]);
		p[n[i]] = '\0';
		p += n[i] + 1;
	}
	memset(p, 0, (size_t)((char *)r + size - p));
	s->len += size;
	return 0;
}

/* Reads the next row of a run: 1, 0 at its end, -1 on error. */
static int
reader_next(struct reader *rd, struct ndx_error *err)
{
	struct srec h;

	if (fread(&h, sizeof(h), 1, rd->fp) != 1) {
		if (ferror(rd->fp)) {
			tmp_error(err, NDX_EX_IOERR, "read error");
			return -1;
		}
		return 0;
	}
	if (h.size > rd->cap) {
		rd->cap = h.size > 2 * rd->cap ? h.size : 2 * rd->cap;
		free(rd->rec);
		rd->rec = xmalloc(rd->cap);
	}
	*rd->rec = h;
	if (fread(rd->rec + 1, h.size - sizeof(h), 1, rd->fp) != 1) {
		if (!ferror(rd->fp))
			errno = EIO;	/* our own file came back short */
		tmp_error(err, NDX_EX_IOERR, "read error");
		return -1;
	}
	return 1;
}

static int
heap_less(const struct merge *m, size_t a, size_t b)
{
	return srec_cmp(m->key, m->rd[m->heap[a]].rec,
	    m->rd[m->heap[b]].rec) < 0;
}

static void
heap_down(struct merge *m, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i, t;

		if (l < m->nheap && heap_less(m, l, min))
			min = l;
		if (r < m->nheap && heap_less(m, r, min))
			min = r;
		if (min == i)
			return;
		t = m->heap[i];
		m->heap[i] = m->heap[min];
		m->heap[min] = t;
		i = min;
	}
}

/* Starts merging n runs; the files stay owned by the caller. */
static int
merge_init(struct merge *m, const int *key, FILE **run, size_t n,
    struct ndx_error *err)
{
	int rc;

	m->key = key;
	m->rd = xcalloc(n, sizeof(*m->rd));
	m->heap = xcalloc(n, sizeof(*m->heap));
	m->nrd = n;
	for (size_t i = 0; i < n; i++) {
		m->rd[i].fp = run[i];
		if (fseek(run[i], 0, SEEK_SET) != 0) {
			tmp_error(err, NDX_EX_IOERR, "seek error");
			return -1;
		}
		if ((rc = reader_next(&m->rd[i], err)) < 0)
			return -1;
		if (rc > 0)
			m->heap[m->nheap++] = i;
	}
	for (size_t i = m->nheap / 2; i-- > 0;)
		heap_down(m, i);
	return 0;
}

/* The next row of the merge in *out, valid until the next call. */
static int
merge_next(struct merge *m, const struct srec **out, struct ndx_error *err)
{
	int rc;

	if (m->pending) {
		m->pending = 0;
		if ((rc = reader_next(&m->rd[m->heap[0]], err)) < 0)
			return -1;
		if (rc == 0)
			m->heap[0] = m->heap[--m->nheap];
		heap_down(m, 0);
	}
	if (m->nheap == 0)
		return 0;
	m->pending = 1;
	*out = m->rd[m->heap[0]].rec;
	return 1;
}

/* Merges the first SORTER_FANIN runs into one new run at the end. */
static int
merge_batch(struct sorter *s, struct ndx_error *err)
{
	struct merge m = { 0 };
	const struct srec *r;
	FILE *fp;
	int rc = -1;

	if ((fp = tmp_open(err)) == NULL)
		return -1;
	add_run(s, fp);
	if (merge_init(&m, s->key, s->run, SORTER_FANIN, err) != 0)
		goto out;
	while ((rc = merge_next(&m, &r, err)) > 0)
		if (fwrite(r, r->size, 1, fp) != 1)
			break;
	if (rc < 0)
		goto out;
	rc = -1;
	if (fflush(fp) != 0 || ferror(fp)) {
		tmp_error(err, NDX_EX_IOERR, "write error");
		goto out;
	}
	for (size_t i = 0; i < SORTER_FANIN; i++)
		fclose(s->run[i]);
	s->nrun -= SORTER_FANIN;
	memmove(s->run, s->run + SORTER_FANIN, s->nrun * sizeof(*s->run));
	rc = 0;
out:
	merge_free(&m);
	return rc;
}

int
sorter_finish(struct sorter *s, struct ndx_error *err)
{
	if (s->nrun == 0) {
		/* An empty input has no buffer, and qsort wants one. */
		if (s->noff > 0)
			qsort_r(s->off, s->noff, sizeof(*s->off), off_cmp,
			    s);
		return 0;
	}
	if (s->noff > 0 && spill(s, err) != 0)
		return -1;
	/* The run buffer is not needed again: give its memory back. */
	free(s->buf);
	free(s->off);
	s->buf = NULL;
	s->off = NULL;
	s->cap = s->offcap = 0;
	while (s->nrun > SORTER_FANIN)
		if (merge_batch(s, err) != 0)
			return -1;
	return merge_init(&s->m, s->key, s->run, s->nrun, err);
}

int
sorter_next(struct sorter *s, struct extract_row *row, struct ndx_error *err)
{
	const struct srec *r;
	int rc;

	if (s->nrun == 0) {
		if (s->next == s->noff)
			return 0;
		srec_decode((const struct srec *)(s->buf + s->off[s->next++]),
		    row);
		return 1;
	}
	if ((rc = merge_next(&s->m, &r, err)) > 0)
		srec_decode(r, row);
	return rc;
}
