/*
 * The spool of a large client group (validate.c): its episodes go to a
 * temporary file as they are read and come back, in order, for judging.
 * The form is this process's own (the structs' fields, each value with
 * its length) and never outlives it: the file is unnamed (ndx_tmpfd), and
 * emptied for each group.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ndx/arena.h"
#include "ndx/diag.h"
#include "ndx/model.h"
#include "ndx/ndx.h"
#include "ndx/outfile.h"
#include "validate.h"

#define SPOOL_IOBUF (256 * 1024)

struct spool {
	FILE *fp;
	int failed;	/* a write failed: errno in err at the next check */
	char *text;	/* a value read back, before it goes to the arena */
	size_t textcap;
};

struct spool *
spool_open(struct ndx_error *err)
{
	struct spool *sp;
	int fd;

	if ((fd = ndx_tmpfd("a large client's episodes", err)) < 0)
		return NULL;
	sp = xcalloc(1, sizeof(*sp));
	if ((sp->fp = fdopen(fd, "w+")) == NULL) {
		ndx_error_set(err, NDX_EX_OSERR, "", 0, "temporary file: %s",
		    strerror(errno));
		close(fd);
		free(sp);
		return NULL;
	}
	setvbuf(sp->fp, NULL, _IOFBF, SPOOL_IOBUF);
	return sp;
}

void
spool_close(struct spool *sp)
{
	if (sp == NULL)
		return;
	fclose(sp->fp);
	free(sp->text);
	free(sp);
}

static void
put(struct spool *sp, const void *p, size_t n)
{
	if (fwrite(p, 1, n, sp->fp) != n)
		sp->failed = 1;
}

/* The values present among v[0..n), n at most 64. */
static void
put_values(struct spool *sp, const char *const *v, size_t n)
{
	uint64_t present = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i] != NULL)
			present |= (uint64_t)1 << i;
	put(sp, &present, sizeof(present));
	for (size_t i = 0; i < n; i++)
		if (v[i] != NULL) {
			uint32_t len = (uint32_t)strlen(v[i]);

			put(sp, &len, sizeof(len));
			put(sp, v[i], len);
		}
}

static int
check(struct spool *sp, const char *doing, struct ndx_error *err)
{
	if (!sp->failed && !ferror(sp->fp))
		return 0;
	ndx_error_set(err, NDX_EX_IOERR, "", 0, "temporary file: %s: %s",
	    doing, errno ? strerror(errno) : "failed");
	return -1;
}

int
spool_put(struct spool *sp, const struct ndx_episode *e,
    struct ndx_error *err)
{
	uint64_t niv = e->niv;

	put(sp, &e->xml_line, sizeof(e->xml_line));
	put(sp, &e->raw, sizeof(e->raw));
	put(sp, &e->shared, sizeof(e->shared));
	put(sp, &e->shared_line, sizeof(e->shared_line));
	put_values(sp, e->v, NDX_NEPISODE);
	put(sp, &niv, sizeof(niv));
	for (size_t j = 0; j < e->niv; j++) {
		const struct ndx_intervention *iv = &e->iv[j];
		unsigned char is_top = iv->top != NULL;

		put(sp, &iv->line, sizeof(iv->line));
		put(sp, &iv->xml_line, sizeof(iv->xml_line));
		put(sp, &iv->raw, sizeof(iv->raw));
		put(sp, &iv->trimmed, sizeof(iv->trimmed));
		put(sp, &iv->normalised, sizeof(iv->normalised));
		put(sp, &is_top, sizeof(is_top));
		put_values(sp, iv->v, NDX_NINTERVENTION);
		if (is_top) {
			put(sp, &iv->top->raw, sizeof(iv->top->raw));
			put_values(sp, iv->top->v, NDX_NTOP);
		}
	}
	return check(sp, "write", err);
}

int
spool_rewind(struct spool *sp, struct ndx_error *err)
{
	if (fflush(sp->fp) != 0)
		sp->failed = 1;
	if (check(sp, "write", err) != 0)
		return -1;
	rewind(sp->fp);
	return 0;
}

int
spool_empty(struct spool *sp, struct ndx_error *err)
{
	rewind(sp->fp);
	if (ftruncate(fileno(sp->fp), 0) != 0) {
		ndx_error_set(err, NDX_EX_IOERR, "", 0, "temporary file: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
get(struct spool *sp, void *p, size_t n)
{
	if (fread(p, 1, n, sp->fp) == n)
		return 0;
	sp->failed = 1;
	return -1;
}

static int
get_values(struct spool *sp, struct ndx_arena *a, const char **v, size_t n)
{
	uint64_t present;

	if (get(sp, &present, sizeof(present)) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint32_t len;

		if (!(present >> i & 1))
			continue;
		if (get(sp, &len, sizeof(len)) != 0)
			return -1;
		if (len >= sp->textcap) {
			sp->textcap = (size_t)len + 1;
			sp->text = xrealloc(sp->text, sp->textcap);
		}
		if (get(sp, sp->text, len) != 0)
			return -1;
		v[i] = arena_strndup(a, sp->text, len);
	}
	return 0;
}

int
spool_get(struct spool *sp, struct ndx_arena *a, struct ndx_client *c,
    struct ndx_error *err)
{
	struct ndx_episode *e = ndx_client_add_episode(a, c);
	uint64_t niv;

	if (get(sp, &e->xml_line, sizeof(e->xml_line)) != 0 ||
	    get(sp, &e->raw, sizeof(e->raw)) != 0 ||
	    get(sp, &e->shared, sizeof(e->shared)) != 0 ||
	    get(sp, &e->shared_line, sizeof(e->shared_line)) != 0 ||
	    get_values(sp, a, e->v, NDX_NEPISODE) != 0 ||
	    get(sp, &niv, sizeof(niv)) != 0)
		return check(sp, "read", err);
	for (uint64_t j = 0; j < niv; j++) {
		struct ndx_intervention *iv = ndx_episode_add_intervention(a,
		    e);
		unsigned char is_top;

		if (get(sp, &iv->line, sizeof(iv->line)) != 0 ||
		    get(sp, &iv->xml_line, sizeof(iv->xml_line)) != 0 ||
		    get(sp, &iv->raw, sizeof(iv->raw)) != 0 ||
		    get(sp, &iv->trimmed, sizeof(iv->trimmed)) != 0 ||
		    get(sp, &iv->normalised, sizeof(iv->normalised)) != 0 ||
		    get(sp, &is_top, sizeof(is_top)) != 0 ||
		    get_values(sp, a, iv->v, NDX_NINTERVENTION) != 0)
			return check(sp, "read", err);
		if (is_top && (get(sp, &ndx_row_make_top(a, iv)->raw,
		    sizeof(iv->top->raw)) != 0 ||
		    get_values(sp, a, iv->top->v, NDX_NTOP) != 0))
			return check(sp, "read", err);
	}
	return 0;
}
