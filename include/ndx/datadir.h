/*
 * Where schemas and stylesheets live.  Looked up, first found wins:
 * $NDX_DATADIR/NAME, <exe>/../share/ndx/NAME (installed, relocatable),
 * then the source tree: <exe>/../schemas/NAME, <exe>/../transform/NAME
 * (NAME "xslt/...") and <exe>/../extract/NAME (NAME "sql/...").
 */
#ifndef NDX_DATADIR_H
#define NDX_DATADIR_H

/* A newly allocated path, or NULL when not found. */
char *ndx_datafile(const char *name);

#endif
