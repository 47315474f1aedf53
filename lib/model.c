/* The episode model's item table and row access. */
#include <string.h>

#include "ndx/arena.h"
#include "ndx/model.h"

#define C NDX_LEVEL_CLIENT
#define E NDX_LEVEL_EPISODE
#define I NDX_LEVEL_INTERVENTION
#define T NDX_LEVEL_TOP

/* code, level, is_date, identifying, pseudo, v2 */
const struct ndx_item_info ndx_items[NDX_NITEMS] = {
	[NDX_AGNCY] = { "AGNCY", C, 0, 0, 0, 0 },
	[NDX_CLIENTID] = { "CLIENTID", C, 0, 1, 0, 0 },
	[NDX_FINITIAL] = { "FINITIAL", C, 0, 1, 0, 0 },
	[NDX_SINITIAL] = { "SINITIAL", C, 0, 1, 0, 0 },
	[NDX_DOB] = { "DOB", C, 1, 1, 0, 0 },
	[NDX_PSEUDO_CLIENT] = { "PSEUDO_CLIENT", C, 0, 0, 1, 0 },
	[NDX_SEX] = { "SEX", C, 0, 0, 0, 0 },
	[NDX_ETHNIC] = { "ETHNIC", C, 0, 0, 0, 0 },
	[NDX_NATION] = { "NATION", C, 0, 0, 0, 0 },
	[NDX_LA] = { "LA", C, 0, 0, 0, 0 },
	[NDX_PC] = { "PC", C, 0, 1, 0, 0 },
	[NDX_PC_DISTRICT] = { "PC_DISTRICT", C, 0, 0, 1, 0 },
	[NDX_CONSENT] = { "CONSENT", C, 0, 0, 0, 0 },
	[NDX_EPISODID] = { "EPISODID", E, 0, 0, 0, 0 },
	[NDX_PSEUDO_EPISODE] = { "PSEUDO_EPISODE", E, 0, 0, 1, 0 },
	[NDX_AGE_AT_TRIAGE] = { "AGE_AT_TRIAGE", E, 0, 0, 1, 0 },
	[NDX_AGE_BAND] = { "AGE_BAND", E, 0, 0, 1, 0 },
	[NDX_REFLD] = { "REFLD", E, 1, 0, 0, 0 },
	[NDX_TRIAGED] = { "TRIAGED", E, 1, 0, 0, 0 },
	[NDX_RFLS] = { "RFLS", E, 0, 0, 0, 0 },
	[NDX_DRUG1] = { "DRUG1", E, 0, 0, 0, 0 },
	[NDX_DRUG2] = { "DRUG2", E, 0, 0, 0, 0 },
	[NDX_DRUG3] = { "DRUG3", E, 0, 0, 0, 0 },
	[NDX_SUBSTANCE_GROUP] = { "SUBSTANCE_GROUP", E, 0, 0, 1, 0 },
	[NDX_ROUTE] = { "ROUTE", E, 0, 0, 0, 0 },
	[NDX_INJSTAT] = { "INJSTAT", E, 0, 0, 0, 0 },
	[NDX_ACCMNEED] = { "ACCMNEED", E, 0, 0, 0, 0 },
	[NDX_EMPSTAT] = { "EMPSTAT", E, 0, 0, 0, 0 },
	[NDX_PRNTSTAT] = { "PRNTSTAT", E, 0, 0, 0, 0 },
	[NDX_PREGNANT] = { "PREGNANT", E, 0, 0, 0, 0 },
	[NDX_CJORDER] = { "CJORDER", E, 0, 0, 0, 0 },
	[NDX_PRISREL] = { "PRISREL", E, 1, 0, 0, 0 },
	[NDX_DISD] = { "DISD", E, 1, 0, 0, 0 },
	[NDX_DISRSN] = { "DISRSN", E, 0, 0, 0, 0 },
	[NDX_MODID] = { "MODID", I, 0, 0, 0, 0 },
	[NDX_MODAL] = { "MODAL", I, 0, 0, 0, 0 },
	[NDX_MODSET] = { "MODSET", I, 0, 0, 0, 0 },
	[NDX_REFMODDT] = { "REFMODDT", I, 1, 0, 0, 0 },
	[NDX_MODST] = { "MODST", I, 1, 0, 0, 0 },
	[NDX_MODEND] = { "MODEND", I, 1, 0, 0, 0 },
	[NDX_MODEXIT] = { "MODEXIT", I, 0, 0, 0, 0 },
	[NDX_TOPID] = { "TOPID", T, 0, 0, 0, 1 },
	[NDX_TOPDATE] = { "TOPDATE", T, 1, 0, 0, 1 },
	[NDX_TRSTAGE] = { "TRSTAGE", T, 0, 0, 0, 1 },
	[NDX_ALCUSE] = { "ALCUSE", T, 0, 0, 0, 1 },
	[NDX_ALCUNITS] = { "ALCUNITS", T, 0, 0, 0, 1 },
	[NDX_OPIUSE] = { "OPIUSE", T, 0, 0, 0, 1 },
	[NDX_CRAUSE] = { "CRAUSE", T, 0, 0, 0, 1 },
	[NDX_COCAUSE] = { "COCAUSE", T, 0, 0, 0, 1 },
	[NDX_AMPHUSE] = { "AMPHUSE", T, 0, 0, 0, 1 },
	[NDX_CANNUSE] = { "CANNUSE", T, 0, 0, 0, 1 },
	[NDX_OTDRGUSE] = { "OTDRGUSE", T, 0, 0, 0, 1 },
	[NDX_IVDRGUSE] = { "IVDRGUSE", T, 0, 0, 0, 1 },
	[NDX_SHARING] = { "SHARING", T, 0, 0, 0, 1 },
	[NDX_SHOTHEFT] = { "SHOTHEFT", T, 0, 0, 0, 1 },
	[NDX_DRGSELL] = { "DRGSELL", T, 0, 0, 0, 1 },
	[NDX_OTHTHEFT] = { "OTHTHEFT", T, 0, 0, 0, 1 },
	[NDX_ASSAULT] = { "ASSAULT", T, 0, 0, 0, 1 },
	[NDX_PSYHSTAT] = { "PSYHSTAT", T, 0, 0, 0, 1 },
	[NDX_PHSTAT] = { "PHSTAT", T, 0, 0, 0, 1 },
	[NDX_QUALLIFE] = { "QUALLIFE", T, 0, 0, 0, 1 },
	[NDX_PWORK] = { "PWORK", T, 0, 0, 0, 1 },
	[NDX_EDUCAT] = { "EDUCAT", T, 0, 0, 0, 1 },
	[NDX_ACUTHPBM] = { "ACUTHPBM", T, 0, 0, 0, 1 },
	[NDX_HRISK] = { "HRISK", T, 0, 0, 0, 1 },
};

const enum ndx_item ndx_layout_csv[] = {
	NDX_AGNCY, NDX_CLIENTID, NDX_FINITIAL, NDX_SINITIAL, NDX_DOB, NDX_SEX,
	NDX_ETHNIC, NDX_NATION, NDX_LA, NDX_PC, NDX_CONSENT,
	NDX_EPISODID, NDX_REFLD, NDX_TRIAGED, NDX_RFLS, NDX_DRUG1, NDX_DRUG2,
	NDX_DRUG3, NDX_ROUTE, NDX_INJSTAT, NDX_ACCMNEED, NDX_EMPSTAT,
	NDX_PRNTSTAT, NDX_PREGNANT, NDX_CJORDER, NDX_PRISREL, NDX_DISD,
	NDX_DISRSN,
	NDX_MODID, NDX_MODAL, NDX_MODSET, NDX_REFMODDT, NDX_MODST, NDX_MODEND,
	NDX_MODEXIT,
	NDX_TOPID, NDX_TOPDATE, NDX_TRSTAGE, NDX_ALCUSE, NDX_ALCUNITS,
	NDX_OPIUSE, NDX_CRAUSE, NDX_COCAUSE, NDX_AMPHUSE, NDX_CANNUSE,
	NDX_OTDRGUSE, NDX_IVDRGUSE, NDX_SHARING, NDX_SHOTHEFT, NDX_DRGSELL,
	NDX_OTHTHEFT, NDX_ASSAULT, NDX_PSYHSTAT, NDX_PHSTAT, NDX_QUALLIFE,
	NDX_PWORK, NDX_EDUCAT, NDX_ACUTHPBM, NDX_HRISK,
};
const size_t ndx_layout_csv_n =
    sizeof(ndx_layout_csv) / sizeof(ndx_layout_csv[0]) - NDX_NTOP;

const enum ndx_item ndx_layout_public[] = {
	NDX_PSEUDO_CLIENT, NDX_PSEUDO_EPISODE, NDX_AGNCY, NDX_AGE_AT_TRIAGE,
	NDX_AGE_BAND, NDX_SEX, NDX_ETHNIC, NDX_LA, NDX_PC_DISTRICT, NDX_REFLD,
	NDX_TRIAGED, NDX_RFLS, NDX_DRUG1, NDX_DRUG2, NDX_DRUG3,
	NDX_SUBSTANCE_GROUP, NDX_ROUTE, NDX_INJSTAT, NDX_ACCMNEED,
	NDX_EMPSTAT, NDX_PRNTSTAT, NDX_CJORDER, NDX_PRISREL, NDX_DISD,
	NDX_DISRSN, NDX_MODID, NDX_MODAL, NDX_MODSET, NDX_REFMODDT, NDX_MODST,
	NDX_MODEND, NDX_MODEXIT,
	/* outcomes.md §2: TOPDATE, TRSTAGE and the 21 answers, no TOPID. */
	NDX_TOPDATE, NDX_TRSTAGE, NDX_ALCUSE, NDX_ALCUNITS,
	NDX_OPIUSE, NDX_CRAUSE, NDX_COCAUSE, NDX_AMPHUSE, NDX_CANNUSE,
	NDX_OTDRGUSE, NDX_IVDRGUSE, NDX_SHARING, NDX_SHOTHEFT, NDX_DRGSELL,
	NDX_OTHTHEFT, NDX_ASSAULT, NDX_PSYHSTAT, NDX_PHSTAT, NDX_QUALLIFE,
	NDX_PWORK, NDX_EDUCAT, NDX_ACUTHPBM, NDX_HRISK,
};
const size_t ndx_layout_public_n =
    sizeof(ndx_layout_public) / sizeof(ndx_layout_public[0]) - (NDX_NTOP - 1);

size_t
ndx_layout_csv_len(int version)
{
	return ndx_layout_csv_n + (version >= 2 ? NDX_NTOP : 0);
}

size_t
ndx_layout_public_len(int version)
{
	return ndx_layout_public_n + (version >= 2 ? NDX_NTOP - 1 : 0);
}

uint64_t
ndx_item_bit(enum ndx_item item)
{
	static uint64_t bit[NDX_NITEMS];
	static int made;

	if (!made) {
		int n = 0;

		for (int i = 0; i < NDX_NITEMS; i++)
			if (!ndx_items[i].pseudo)
				bit[i] = (uint64_t)1 << n++;
		made = 1;
	}
	return bit[item];
}

int
ndx_item_lookup(const char *code)
{
	for (int i = 0; i < NDX_NITEMS; i++)
		if (strcmp(ndx_items[i].code, code) == 0)
			return i;
	return -1;
}

const char *
ndx_row_value(const struct ndx_client *c, const struct ndx_episode *e,
    const struct ndx_intervention *iv, enum ndx_item item)
{
	switch (ndx_items[item].level) {
	case NDX_LEVEL_CLIENT:
		return c ? NDX_C(c, item) : NULL;
	case NDX_LEVEL_EPISODE:
		return e ? NDX_E(e, item) : NULL;
	case NDX_LEVEL_INTERVENTION:
		return iv ? NDX_I(iv, item) : NULL;
	case NDX_LEVEL_TOP:
		return iv && iv->top ? NDX_T(iv, item) : NULL;
	}
	return NULL;
}

int
ndx_row_is_raw(const struct ndx_client *c, const struct ndx_episode *e,
    const struct ndx_intervention *iv, enum ndx_item item)
{
	switch (ndx_items[item].level) {
	case NDX_LEVEL_CLIENT:
		return c && (c->raw >> (item - NDX_CLIENT_FIRST) & 1);
	case NDX_LEVEL_EPISODE:
		return e && (e->raw >> (item - NDX_EPISODE_FIRST) & 1);
	case NDX_LEVEL_INTERVENTION:
		return iv && (iv->raw >> (item - NDX_INTERVENTION_FIRST) & 1);
	case NDX_LEVEL_TOP:
		return iv && iv->top &&
		    (iv->top->raw >> (item - NDX_TOP_FIRST) & 1);
	}
	return 0;
}

void
ndx_row_set(struct ndx_arena *a, struct ndx_client *c, struct ndx_episode *e,
    struct ndx_intervention *iv, enum ndx_item item, const char *value,
    int raw)
{
	if (ndx_items[item].level == NDX_LEVEL_TOP && value && *value)
		ndx_row_make_top(a, iv);
	ndx_row_put(c, e, iv, item,
	    value && *value ? arena_strdup(a, value) : NULL, raw);
}

struct ndx_top *
ndx_row_make_top(struct ndx_arena *a, struct ndx_intervention *iv)
{
	if (iv->top == NULL) {
		iv->top = arena_alloc(a, sizeof(*iv->top));
		memset(iv->top, 0, sizeof(*iv->top));
	}
	return iv->top;
}

void
ndx_row_put(struct ndx_client *c, struct ndx_episode *e,
    struct ndx_intervention *iv, enum ndx_item item, const char *value,
    int raw)
{
	const char *v = value && *value ? value : NULL;
	uint64_t bit;

	raw = raw && v != NULL;
	switch (ndx_items[item].level) {
	case NDX_LEVEL_CLIENT:
		bit = (uint64_t)1 << (item - NDX_CLIENT_FIRST);
		NDX_C(c, item) = v;
		c->raw = raw ? c->raw | bit : c->raw & ~bit;
		break;
	case NDX_LEVEL_EPISODE:
		bit = (uint64_t)1 << (item - NDX_EPISODE_FIRST);
		NDX_E(e, item) = v;
		e->raw = raw ? e->raw | bit : e->raw & ~bit;
		break;
	case NDX_LEVEL_INTERVENTION:
		bit = (uint64_t)1 << (item - NDX_INTERVENTION_FIRST);
		NDX_I(iv, item) = v;
		iv->raw = raw ? iv->raw | bit : iv->raw & ~bit;
		break;
	case NDX_LEVEL_TOP:
		if (iv->top == NULL)	/* absent stays absent */
			break;
		bit = (uint64_t)1 << (item - NDX_TOP_FIRST);
		NDX_T(iv, item) = v;
		iv->top->raw = raw ? iv->top->raw | bit : iv->top->raw & ~bit;
		break;
	}
}

struct ndx_episode *
ndx_client_add_episode(struct ndx_arena *a, struct ndx_client *c)
{
	/* Half as much again: realloc moves no large array, so slack costs
	 * more than growing often (a client may have a million children). */
	if (c->nep == c->epcap) {
		c->epcap += c->epcap / 2 + 1;
		c->ep = arena_realloc(a, c->ep, c->epcap * sizeof(*c->ep));
	}
	memset(&c->ep[c->nep], 0, sizeof(c->ep[0]));
	return &c->ep[c->nep++];
}

struct ndx_intervention *
ndx_episode_add_intervention(struct ndx_arena *a, struct ndx_episode *e)
{
	if (e->niv == e->ivcap) {
		e->ivcap += e->ivcap / 2 + 1;
		e->iv = arena_realloc(a, e->iv, e->ivcap * sizeof(*e->iv));
	}
	memset(&e->iv[e->niv], 0, sizeof(e->iv[0]));
	return &e->iv[e->niv++];
}

int
ndx_intervention_is_empty(const struct ndx_intervention *iv)
{
	for (int i = 0; i < NDX_NINTERVENTION; i++)
		if (iv->v[i] != NULL)
			return 0;
	return 1;
}

static const char *
copy_value(struct ndx_arena *a, const char *v)
{
	return v ? arena_strdup(a, v) : NULL;
}

struct ndx_client *
ndx_client_items(struct ndx_arena *a, const struct ndx_client *src)
{
	struct ndx_client *c = arena_alloc(a, sizeof(*c));

	memset(c, 0, sizeof(*c));
	c->xml_line = src->xml_line;
	c->raw = src->raw;
	for (int i = 0; i < NDX_NCLIENT; i++)
		c->v[i] = copy_value(a, src->v[i]);
	return c;
}

struct ndx_client *
ndx_client_next_part(const struct ndx_client *c, struct ndx_arena **a,
    struct ndx_arena **spare)
{
	struct ndx_client *next = ndx_client_items(*spare, c);
	struct ndx_arena *t = *a;

	next->part = NDX_PART_CONT;
	arena_reset(t);
	*a = *spare;
	*spare = t;
	return next;
}

struct ndx_client *
ndx_client_copy(struct ndx_arena *a, const struct ndx_client *src)
{
	struct ndx_client *c = arena_alloc(a, sizeof(*c));

	*c = *src;
	for (int i = 0; i < NDX_NCLIENT; i++)
		c->v[i] = copy_value(a, src->v[i]);
	c->ep = arena_realloc(a, NULL, (src->nep ? src->nep : 1) *
	    sizeof(*c->ep));
	c->epcap = c->nep;
	for (size_t k = 0; k < src->nep; k++) {
		const struct ndx_episode *se = &src->ep[k];
		struct ndx_episode *e = &c->ep[k];

		*e = *se;
		for (int i = 0; i < NDX_NEPISODE; i++)
			e->v[i] = copy_value(a, se->v[i]);
		e->iv = arena_realloc(a, NULL, (se->niv ? se->niv : 1) *
		    sizeof(*e->iv));
		e->ivcap = e->niv;
		for (size_t j = 0; j < se->niv; j++) {
			e->iv[j] = se->iv[j];
			for (int i = 0; i < NDX_NINTERVENTION; i++)
				e->iv[j].v[i] = copy_value(a, se->iv[j].v[i]);
			if (se->iv[j].top == NULL)
				continue;
			e->iv[j].top = arena_alloc(a, sizeof(*e->iv[j].top));
			e->iv[j].top->raw = se->iv[j].top->raw;
			for (int i = 0; i < NDX_NTOP; i++)
				e->iv[j].top->v[i] = copy_value(a,
				    se->iv[j].top->v[i]);
		}
	}
	return c;
}
