/* struct ndx_error: how lib/ hands a failure back to a program. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ndx/ndx.h"

void
ndx_error_set(struct ndx_error *err, int code, const char *file, long line,
    const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->code = code;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}
