/*
 * Where schemas and stylesheets live.  Looked up, first found wins:
 * DIR/NAME for each DIR of $NDX_DATADIR, a colon-separated search path
 * (when set, nothing else is looked at), else
 * <exe>/../share/ndx/NAME (installed, relocatable),
 * then the source tree: <exe>/../schemas/NAME, <exe>/../transform/NAME
 * (NAME "xslt/...") and <exe>/../extract/NAME (NAME "sql/...").
 */
#ifndef NDX_DATADIR_H
#define NDX_DATADIR_H

/* A newly allocated path, or NULL when not found. */
char *ndx_datafile(const char *name);

#endif
