/*
 * Locating schemas and stylesheets without a compiled-in path, so the
 * same binary works from the build tree, from `make install`, and from a
 * relocated install.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ndx/datadir.h"
#include "ndx/diag.h"

static char *
found(const char *dir, const char *sub, const char *name)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s%s/%s", dir, sub, name);

	if (n < 0 || (size_t)n >= sizeof(path) || access(path, R_OK) != 0)
		return NULL;
	return xstrdup(path);
}

char *
ndx_datafile(const char *name)
{
	static const char *const subs[] = { "/../share/ndx", "/../schemas",
		"/../transform", "/../extract" };
	char exe[PATH_MAX];
	const char *env = getenv("NDX_DATADIR");
	char *p, *slash;
	ssize_t n;

	if (env != NULL && *env != '\0') {
		/* A search path, as PATH is: the first directory that holds
		 * the file; an empty entry is skipped. */
		char *dirs = xstrdup(env), *save = NULL, *d;

		p = NULL;
		for (d = strtok_r(dirs, ":", &save); d != NULL && p == NULL;
		    d = strtok_r(NULL, ":", &save))
			p = found(d, "", name);
		free(dirs);
		return p;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return NULL;
	*slash = '\0';
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if ((p = found(exe, subs[i], name)) != NULL)
			return p;
	return NULL;
}
