/*
 * What every libFuzzer harness here shares: a check that aborts (so the
 * fuzzer keeps the input) with the failed condition, and the bytes as a
 * file for readers that take a path.
 */
#ifndef NDX_FUZZ_H
#define NDX_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ndx/dataset.h"
#include "ndx/ndx.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

/* The dataset, loaded once by a harness's LLVMFuzzerInitialize; aborts. */
static inline struct ndx_dataset *
fuzz_dataset(const char *harness)
{
	struct ndx_error err;
	struct ndx_dataset *ds = ndx_dataset_load(&err);

	if (ds == NULL) {
		fprintf(stderr, "%s: %s: %s\n", harness, err.file, err.msg);
		abort();
	}
	return ds;
}

/* A file descriptor holding the bytes; its name goes to path. */
static inline int
fuzz_memfile(const void *data, size_t size, char *path, size_t pathsize)
{
	int fd = memfd_create("fuzz", 0);

	CHECK(fd >= 0);
	CHECK(size == 0 || write(fd, data, size) == (ssize_t)size);
	snprintf(path, pathsize, "/proc/self/fd/%d", fd);
	return fd;
}

#endif
