/*
 * libFuzzer harness for the differential test (tests/judge_diff.h): on
 * any bytes, the dataset's judge and libxml2's XSD validator, run on the
 * same events, agree on every client element and every episode.  Seeds:
 * the valid fixtures, so that mutations start from files both accept.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "../judge_diff.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *, char ***);

static struct ndx_dataset *ds;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ds = fuzz_dataset("fuzz_judge");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct judge_diff d;
	char path[64];
	int fd = fuzz_memfile(data, size, path, sizeof(path));

	if (judge_diff_file(ds, path, &d) != 0) {
		fprintf(stderr, "fuzz_judge: the judges disagree: %s\n", d.why);
		abort();
	}
	close(fd);
	xmlResetLastError();
	return 0;
}
