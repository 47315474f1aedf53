/*
 * libFuzzer harness for the episodes XML reader (lib/epxml.c), judging
 * form with libxml2's XSD validator in the same pass (EPXML_XSD).  Bytes
 * are read as an episodes file to the end or to an error, and checked
 * against epxml.h: errors are 65 or 74, every problem names a record of
 * the client it came with, and every client read can be written back out
 * and read again to the same number of clients and rows.
 * (fuzz_judge.c compares the two judges' verdicts.)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "ndx/arena.h"
#include "ndx/dataset.h"
#include "ndx/epxml.h"
#include "ndx/model.h"
#include "ndx/ndx.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *, char ***);

static struct ndx_dataset *ds;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ds = fuzz_dataset("fuzz_epxml");
	return 0;
}

static long
rows_of(const struct ndx_client *c)
{
	long n = 0;

	for (size_t i = 0; i < c->nep; i++)
		n += (long)c->ep[i].niv;
	return n;
}

/* Reads a whole document; returns clients read, rows in *rows, or -1. */
static long
read_all(const char *path, int flags, FILE *copy, long *rows)
{
	struct ndx_arena *a = arena_new();
	struct epxml_reader *r;
	struct epxml_writer *w = NULL;
	const struct epxml_problem *probs;
	struct ndx_client *c;
	struct ndx_error err;
	size_t nprobs;
	long clients = 0, last_line = 0;
	int rc;

	*rows = 0;
	if ((r = epxml_reader_open(path, ds, flags, &err)) == NULL) {
		CHECK(err.code == NDX_EX_DATAERR || err.code == NDX_EX_IOERR);
		arena_free(a);
		return -1;
	}
	if (copy != NULL)
		CHECK((w = epxml_writer_open(copy, epxml_reader_header(r),
		    &err)) != NULL);
	while ((rc = epxml_reader_next(r, a, &c, &probs, &nprobs,
	    &err)) == 1) {
		CHECK(c != NULL && c->xml_line >= last_line);
		last_line = c->xml_line;
		for (size_t i = 0; i < nprobs; i++) {
			const struct epxml_problem *p = &probs[i];

			CHECK(p->xml_line >= 0 && p->message[0] != '\0');
			CHECK(p->episode >= -1 && p->episode < (long)c->nep);
			CHECK(p->intervention == -1 || (p->episode >= 0 &&
			    p->intervention < (long)c->ep[p->episode].niv));
		}
		clients++;
		*rows += rows_of(c);
		if (w != NULL)
			CHECK(epxml_write_client(w, c, &err) == 0);
		arena_reset(a);
	}
	if (rc < 0)
		CHECK(err.code == NDX_EX_DATAERR || err.code == NDX_EX_IOERR);
	if (w != NULL)
		CHECK(epxml_writer_close(w, &err) == 0);
	epxml_reader_close(r);
	arena_free(a);
	return rc < 0 ? -1 : clients;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], path2[64];
	char *buf = NULL;
	size_t len = 0;
	FILE *copy;
	long n, n2, rows, rows2;
	int fd, fd2;

	fd = fuzz_memfile(data, size, path, sizeof(path));
	copy = open_memstream(&buf, &len);
	CHECK(copy != NULL);
	n = read_all(path, EPXML_XSD, copy, &rows);
	CHECK(fclose(copy) == 0);
	/* What the writer wrote from a readable file reads back the same. */
	if (n >= 0) {
		fd2 = fuzz_memfile(buf, len, path2, sizeof(path2));
		n2 = read_all(path2, 0, NULL, &rows2);
		CHECK(n2 == n && rows2 == rows);
		close(fd2);
	}
	free(buf);
	close(fd);
	xmlResetLastError();
	return 0;
}
