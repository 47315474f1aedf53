/*
 * A filter of the pipeline: it takes the clients of an episodes stream
 * one at a time, in the file's order, and passes on what it makes.  The
 * stages (validate, pseudonymise, each product's writer) are filters, so
 * a standalone program is a reader feeding one of them and ndx-run one
 * reader feeding all of them (docs/design.md, "The filter pipeline").
 *
 * A filter may change the client it is given (validate drops rejected
 * episodes, pseudonymise replaces identifiers); whoever feeds one client
 * to several filters copies it for each that changes it.  The client and
 * what it points to live until the call returns, no longer.
 */
#ifndef NDX_FILTER_H
#define NDX_FILTER_H

struct ndx_client;
struct ndx_error;

struct ndx_filter {
	/* 0, or -1 with err set. */
	int (*client)(struct ndx_filter *, struct ndx_client *,
	    struct ndx_error *);
	/* After the last client: 0, or -1 with err set.  A filter ends
	 * itself only; whoever built the pipeline ends each filter, in the
	 * order their outputs depend on one another. */
	int (*end)(struct ndx_filter *, struct ndx_error *);
};

#endif
