/*
 * The episode model: clients hold episodes, episodes hold interventions,
 * as in the episodes XML.  Each level keeps its items in an array indexed
 * by (item - first item of the level); NULL means absent.
 *
 * The extract is faithful, so one (AGNCY, CLIENTID) may appear as several
 * adjacent <client> elements when its rows disagree on client items, and
 * one EPISODID as several <episode> elements when rows disagree on episode
 * items.  Rules R121/R122 find those.  Each <intervention> is one source
 * row; a row of an episode with no intervention yet has no items.
 *
 * Ownership: strings and arrays belong to the arena they were built in.
 */
#ifndef NDX_MODEL_H
#define NDX_MODEL_H

#include <stddef.h>
#include <stdint.h>

struct ndx_arena;

/* Every item, grouped by level; the order within a level is the XSD's. */
enum ndx_item {
	/* client */
	NDX_AGNCY,
	NDX_CLIENTID,
	NDX_FINITIAL,
	NDX_SINITIAL,
	NDX_DOB,
	NDX_PSEUDO_CLIENT,	/* pseudonymised form only */
	NDX_SEX,
	NDX_ETHNIC,
	NDX_NATION,
	NDX_LA,
	NDX_PC,
	NDX_PC_DISTRICT,	/* pseudonymised form only */
	NDX_CONSENT,
	/* episode */
	NDX_EPISODID,
	NDX_PSEUDO_EPISODE,	/* pseudonymised form only */
	NDX_AGE_AT_TRIAGE,	/* pseudonymised form only */
	NDX_AGE_BAND,		/* pseudonymised form only */
	NDX_REFLD,
	NDX_TRIAGED,
	NDX_RFLS,
	NDX_DRUG1,
	NDX_DRUG2,
	NDX_DRUG3,
	NDX_SUBSTANCE_GROUP,	/* pseudonymised form only */
	NDX_ROUTE,
	NDX_INJSTAT,
	NDX_ACCMNEED,
	NDX_EMPSTAT,
	NDX_PRNTSTAT,
	NDX_PREGNANT,
	NDX_CJORDER,
	NDX_PRISREL,
	NDX_DISD,
	NDX_DISRSN,
	/* intervention */
	NDX_MODID,
	NDX_MODAL,
	NDX_MODSET,
	NDX_REFMODDT,
	NDX_MODST,
	NDX_MODEND,
	NDX_MODEXIT,
	/* TOP (dataset version 2, outcomes.md section 1) */
	NDX_TOPID,
	NDX_TOPDATE,
	NDX_TRSTAGE,
	NDX_ALCUSE,
	NDX_ALCUNITS,
	NDX_OPIUSE,
	NDX_CRAUSE,
	NDX_COCAUSE,
	NDX_AMPHUSE,
	NDX_CANNUSE,
	NDX_OTDRGUSE,
	NDX_IVDRGUSE,
	NDX_SHARING,
	NDX_SHOTHEFT,
	NDX_DRGSELL,
	NDX_OTHTHEFT,
	NDX_ASSAULT,
	NDX_PSYHSTAT,
	NDX_PHSTAT,
	NDX_QUALLIFE,
	NDX_PWORK,
	NDX_EDUCAT,
	NDX_ACUTHPBM,
	NDX_HRISK,
	NDX_NITEMS
};

#define NDX_CLIENT_FIRST NDX_AGNCY
#define NDX_EPISODE_FIRST NDX_EPISODID
#define NDX_INTERVENTION_FIRST NDX_MODID
#define NDX_TOP_FIRST NDX_TOPID
#define NDX_NCLIENT (NDX_EPISODE_FIRST - NDX_CLIENT_FIRST)
#define NDX_NEPISODE (NDX_INTERVENTION_FIRST - NDX_EPISODE_FIRST)
#define NDX_NINTERVENTION (NDX_TOP_FIRST - NDX_INTERVENTION_FIRST)
#define NDX_NTOP (NDX_NITEMS - NDX_TOP_FIRST)

/* The dataset versions a file may be (the CSV header, the XML dataset
 * attribute): 1 is dataset.md, 2 adds TOP (outcomes.md). */
#define NDX_DATASET_MIN 1
#define NDX_DATASET_MAX 2

enum ndx_level {
	NDX_LEVEL_CLIENT, NDX_LEVEL_EPISODE, NDX_LEVEL_INTERVENTION,
	NDX_LEVEL_TOP
};

struct ndx_item_info {
	const char *code;	/* short code, also the XML element name */
	enum ndx_level level;
	unsigned is_date : 1;
	unsigned identifying : 1;	/* [I] in dataset.md: masked in reports */
	unsigned pseudo : 1;	/* exists only in the pseudonymised form */
	unsigned v2 : 1;	/* brought by dataset version 2 (TOP) */
};

extern const struct ndx_item_info ndx_items[NDX_NITEMS];

/* The item with this short code, or -1. */
int ndx_item_lookup(const char *code);

/*
 * The CSV layout of dataset.md §1 (input, rejects, commissioner file) and
 * the Public Health extract of dataset.md §6, version 1; version 2 adds
 * the TOP items at the end of each (outcomes.md §2).  The _n are version
 * 1's; ndx_layout_csv_len() and ndx_layout_public_len() give a version's.
 */
extern const enum ndx_item ndx_layout_csv[];
extern const size_t ndx_layout_csv_n;
extern const enum ndx_item ndx_layout_public[];
extern const size_t ndx_layout_public_n;
size_t ndx_layout_csv_len(int version);
size_t ndx_layout_public_len(int version);

/*
 * A source row's set of items (the extract's tidying, a raw date): one
 * bit for each item of the identifiable form, which are fewer than 64.
 * The pseudonymised form's derived items have no bit (0).
 */
uint64_t ndx_item_bit(enum ndx_item);

/*
 * A value's "raw" bit is set when a source date could not be converted
 * (not DD/MM/YYYY): the value is then the source text, kept for the
 * rejects file, and it is never a valid date.
 */
/* A TOP interview's answers (dataset version 2). */
struct ndx_top {
	uint64_t raw;		/* bit (item - NDX_TOP_FIRST) */
	const char *v[NDX_NTOP];
};

/*
 * One source row: an intervention, or in dataset version 2 a TOP (top
 * set, every intervention item absent), or neither (an episode's one row
 * when it has no intervention and no TOP).  A TOP row is an <top> element
 * in the episodes XML, written after the episode's <intervention>s.
 */
struct ndx_intervention {
	long line;		/* source CSV line, 0 when not from CSV */
	long xml_line;		/* line of the element in the episodes XML */
	uint64_t raw;		/* bit (item - NDX_INTERVENTION_FIRST) */
	/* The extract's tidying of this source row, any item of it (client
	 * and episode items too), bit (1 << item): blanks removed around
	 * the value (R102), a postcode put in its normal form (R103). */
	uint64_t trimmed;
	uint64_t normalised;
	unsigned mark;		/* the holding program's; 0 when read */
	const char *v[NDX_NINTERVENTION];
	struct ndx_top *top;	/* a TOP row's answers, else NULL */
};

struct ndx_episode {
	long xml_line;
	uint64_t raw;		/* bit (item - NDX_EPISODE_FIRST) */
	unsigned mark;		/* the holding program's; 0 when read */
	unsigned shared;	/* 1: the extract found this EPISODID at this
				   agency under another CLIENTID too (R126) */
	long shared_line;	/* a source line of that other CLIENTID's
				   row, 0 when unknown */
	const char *v[NDX_NEPISODE];
	struct ndx_intervention *iv;
	size_t niv, ivcap;
};

/*
 * A <client> element of many episodes may come in parts (a reader opened
 * with EPXML_PARTS), so that what is held is a part, not the element: each
 * part carries the element's client items and the next of its episodes.
 * A whole element has part 0.
 */
#define NDX_PART_MORE 1u	/* the element goes on in the next part */
#define NDX_PART_CONT 2u	/* this part goes on from the previous one */

struct ndx_client {
	long xml_line;
	uint64_t raw;		/* bit (item - NDX_CLIENT_FIRST) */
	unsigned mark;		/* the holding program's; 0 when read */
	unsigned part;		/* NDX_PART_*, 0 for a whole element */
	const char *v[NDX_NCLIENT];
	struct ndx_episode *ep;
	size_t nep, epcap;
};

/* Item access across levels; these return NULL when absent. */
#define NDX_C(c, item) ((c)->v[(item) - NDX_CLIENT_FIRST])
#define NDX_E(e, item) ((e)->v[(item) - NDX_EPISODE_FIRST])
#define NDX_I(i, item) ((i)->v[(item) - NDX_INTERVENTION_FIRST])
/* A TOP item of row i, which must be a TOP row. */
#define NDX_T(i, item) ((i)->top->v[(item) - NDX_TOP_FIRST])

/* Value of any item for one row (client, episode, intervention). */
const char *ndx_row_value(const struct ndx_client *,
    const struct ndx_episode *, const struct ndx_intervention *,
    enum ndx_item);
int ndx_row_is_raw(const struct ndx_client *, const struct ndx_episode *,
    const struct ndx_intervention *, enum ndx_item);
/* Set a value (copied into the arena; NULL or "" = absent). */
void ndx_row_set(struct ndx_arena *, struct ndx_client *,
    struct ndx_episode *, struct ndx_intervention *, enum ndx_item,
    const char *value, int raw);

/* Makes iv a TOP row (its answers all absent), if it is not one yet. */
struct ndx_top *ndx_row_make_top(struct ndx_arena *, struct ndx_intervention *);

/* As ndx_row_set, but keeps the pointer: value must live in the arena; a
 * TOP item is set only on a TOP row (ndx_row_make_top). */
void ndx_row_put(struct ndx_client *, struct ndx_episode *,
    struct ndx_intervention *, enum ndx_item, const char *value, int raw);

/* A copy of a client's items alone (none of its episodes), into arena. */
struct ndx_client *ndx_client_items(struct ndx_arena *,
    const struct ndx_client *);

/*
 * For a writer of a client in parts, once part c (in *a) has gone out:
 * the next part, c's items alone with NDX_PART_CONT, made in *spare;
 * then *a is reset and the two arenas swap, so that *a holds the next
 * part and no more.
 */
struct ndx_client *ndx_client_next_part(const struct ndx_client *c,
    struct ndx_arena **a, struct ndx_arena **spare);

/* A deep copy of a client, its episodes and interventions, into arena. */
struct ndx_client *ndx_client_copy(struct ndx_arena *,
    const struct ndx_client *);

/*
 * Growing children: the arrays are the arena's (arena_realloc), grown
 * without leaving old copies behind, so a client of a million rows costs
 * its rows and no more.  The new child is zeroed; earlier children may
 * move.
 */
struct ndx_episode *ndx_client_add_episode(struct ndx_arena *,
    struct ndx_client *);
struct ndx_intervention *ndx_episode_add_intervention(struct ndx_arena *,
    struct ndx_episode *);

/* A row with no intervention items: the row of an episode with none yet,
 * or a TOP row. */
int ndx_intervention_is_empty(const struct ndx_intervention *);

#endif
