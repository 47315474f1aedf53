/*
 * ndx: the git-style front door.  "ndx STAGE ARGS..." replaces itself
 * with ndx-STAGE from the directory ndx itself is in, so a build tree and
 * an installation each run their own programs; only when there is none
 * there is PATH searched.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ndx/diag.h"
#include "ndx/ndx.h"
#include "ndx.h"

static const struct {
	const char *name;
	const char *what;
} stages[] = {
	{ "combine", "join providers' Public Health extracts, each person "
	    "once" },
	{ "extract", "pull a period's episodes from a source" },
	{ "fixtures", "make synthetic case-management data" },
	{ "pack", "bundle, checksum and encrypt; verify an archive" },
	{ "pseudonymise", "replace identifiers with keyed pseudonyms" },
	{ "run", "run the whole pipeline for one period" },
	{ "transform", "render one output product" },
	{ "validate", "check episodes against the dataset" },
};

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: ndx STAGE [ARG...]\n"
	    "       ndx --help | --version\n\nstages:\n");
	for (i = 0; i < sizeof(stages) / sizeof(stages[0]); i++)
		fprintf(fp, "  %-14s %s\n", stages[i].name, stages[i].what);
	fprintf(fp, "\n\"ndx STAGE --help\" describes a stage.\n");
}

int
ndx_main(int argc, char **argv)
{
	char path[PATH_MAX], prog[64];
	ssize_t len;
	size_t i;
	char *slash;

	diag_setprogname("ndx");
	if (argc < 2) {
		usage(stderr);
		return NDX_EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return NDX_EX_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("ndx %s\n", NDX_VERSION);
		return NDX_EX_OK;
	}
	for (i = 0; i < sizeof(stages) / sizeof(stages[0]); i++)
		if (strcmp(argv[1], stages[i].name) == 0)
			break;
	if (i == sizeof(stages) / sizeof(stages[0])) {
		diag_warnx("%s: not a stage (ndx --help lists them)", argv[1]);
		return NDX_EX_USAGE;
	}
	snprintf(prog, sizeof(prog), "ndx-%s", stages[i].name);
	argv[1] = prog;
	if ((len = readlink("/proc/self/exe", path, sizeof(path) - 1)) > 0) {
		path[len] = '\0';
		if ((slash = strrchr(path, '/')) != NULL &&
		    (size_t)(slash - path) + strlen(prog) + 2 < sizeof(path)) {
			strcpy(slash + 1, prog);
			if (access(path, X_OK) == 0) {
				execv(path, argv + 1);
				diag_warn("%s", path);
				return NDX_EX_SOFTWARE;
			}
		}
	}
	execvp(prog, argv + 1);
	diag_warn("%s", prog);
	return errno == ENOENT ? NDX_EX_USAGE : NDX_EX_SOFTWARE;
}
