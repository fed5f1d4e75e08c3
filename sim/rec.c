/* rec.c — the in-memory recorder of one replication (see rec.h).
 *
 * Every array grows by doubling, so a sample costs amortised O(series) and
 * rec_set never allocates.  Event kinds are interned: a model emits a handful
 * of kinds many times, so each event stores an index, not a copy.
 */
#include "rec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct series {
	char *name;
	char *units;
	int ncols;
	char **colnames; /* (ncols,) or NULL */
	char *dim;       /* the columns' dimension name, or NULL */
	double *data;    /* (nsamples, ncols) row-major, capacity cap_samples rows */
	double *pending; /* (ncols,) the row being filled, NaN when unset */
};

struct scalar {
	char *name;
	char *units;
	double v;
};

struct event {
	double t;
	int kind; /* index into kinds */
	long long id;
	double value;
};

struct note {
	char *key;
	char *value;
};

struct rec {
	char *t_units;
	int ok;

	size_t nsamples, cap_samples;
	double *t; /* (nsamples,) */

	int nseries, cap_series;
	struct series *series;

	int nscalars, cap_scalars;
	struct scalar *scalars;

	size_t nevents, cap_events;
	struct event *events;
	int nkinds, cap_kinds;
	char **kinds;

	int nnotes, cap_notes;
	struct note *notes;
};

/* Grows *p (of *cap elements of size sz) to hold at least need elements. */
static int grow(void **p, size_t *cap, size_t need, size_t sz)
{
	if (need <= *cap)
		return 1;
	size_t c = *cap ? *cap : 16;
	while (c < need)
		c *= 2;
	void *q = realloc(*p, c * sz);
	if (!q)
		return 0;
	*p = q;
	*cap = c;
	return 1;
}

static int grow_int(void **p, int *cap, int need, size_t sz)
{
	size_t c = (size_t)*cap;
	if (!grow(p, &c, (size_t)need, sz))
		return 0;
	*cap = (int)c;
	return 1;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int rec_valid_name(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

rec *rec_alloc(const char *t_units)
{
	rec *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->t_units = strdup(t_units ? t_units : "");
	if (!r->t_units) {
		free(r);
		return NULL;
	}
	r->ok = 1;
	return r;
}

void rec_set_t_units(rec *r, const char *t_units)
{
	char *u = strdup(t_units ? t_units : "");
	if (!u) {
		r->ok = 0;
		return;
	}
	free(r->t_units);
	r->t_units = u;
}

static void series_release(struct series *s)
{
	free(s->name);
	free(s->units);
	if (s->colnames)
		for (int c = 0; c < s->ncols; c++)
			free(s->colnames[c]);
	free(s->colnames);
	free(s->dim);
	free(s->data);
	free(s->pending);
}

void rec_free(rec *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nseries; i++)
		series_release(&r->series[i]);
	free(r->series);
	for (int i = 0; i < r->nscalars; i++) {
		free(r->scalars[i].name);
		free(r->scalars[i].units);
	}
	free(r->scalars);
	for (int i = 0; i < r->nkinds; i++)
		free(r->kinds[i]);
	free(r->kinds);
	free(r->events);
	for (int i = 0; i < r->nnotes; i++) {
		free(r->notes[i].key);
		free(r->notes[i].value);
	}
	free(r->notes);
	free(r->t);
	free(r->t_units);
	free(r);
}

int rec_series(rec *r, const char *name, const char *units, int ncols,
               const char *const *colnames)
{
	SIM_ASSERT(r && rec_valid_name(name) && ncols >= 1);
	SIM_ASSERT(r->nsamples == 0); /* the table's rows must all have every series */
	for (int i = 0; i < r->nseries; i++)
		SIM_ASSERT(strcmp(r->series[i].name, name) != 0);
	if (!grow_int((void **)&r->series, &r->cap_series, r->nseries + 1, sizeof *r->series))
		goto fail;
	struct series *s = &r->series[r->nseries];
	memset(s, 0, sizeof *s);
	s->ncols = ncols;
	s->name = strdup(name);
	s->units = strdup(units ? units : "");
	s->pending = malloc((size_t)ncols * sizeof *s->pending);
	if (!s->name || !s->units || !s->pending)
		goto fail_series;
	for (int c = 0; c < ncols; c++)
		s->pending[c] = NAN;
	if (colnames) {
		s->colnames = calloc((size_t)ncols, sizeof *s->colnames);
		if (!s->colnames)
			goto fail_series;
		for (int c = 0; c < ncols; c++) {
			SIM_ASSERT(colnames[c]);
			if (!(s->colnames[c] = strdup(colnames[c])))
				goto fail_series;
		}
	}
	if (r->cap_samples) {
		/* Unreachable today (nsamples==0 asserted) but keeps capacities uniform. */
		s->data = malloc(r->cap_samples * (size_t)ncols * sizeof *s->data);
		if (!s->data)
			goto fail_series;
	}
	return r->nseries++;
fail_series:
	series_release(s);
fail:
	r->ok = 0;
	return -1;
}

void rec_series_dim(rec *r, int id, const char *dim)
{
	SIM_ASSERT(r && rec_valid_name(dim));
	if (id < 0)
		return; /* the declaration failed; rec_ok() says so */
	SIM_ASSERT(id < r->nseries);
	char *c = strdup(dim);
	if (!c) {
		r->ok = 0;
		return;
	}
	free(r->series[id].dim);
	r->series[id].dim = c;
}

void rec_set(rec *r, int id, int col, double v)
{
	SIM_ASSERT(id >= 0 && id < r->nseries);
	SIM_ASSERT(col >= 0 && col < r->series[id].ncols);
	r->series[id].pending[col] = v;
}

void rec_setv(rec *r, int id, const double *v)
{
	SIM_ASSERT(id >= 0 && id < r->nseries);
	struct series *s = &r->series[id];
	memcpy(s->pending, v, (size_t)s->ncols * sizeof *v);
}

sim_status rec_sample(rec *r, double t)
{
	if (!r->ok)
		return SIM_ENOMEM;
	if (r->nsamples == r->cap_samples) {
		size_t cap = r->cap_samples ? 2 * r->cap_samples : 64;
		/* Each array keeps what it got; cap_samples moves only when all did. */
		double *nt = realloc(r->t, cap * sizeof *nt);
		if (!nt)
			goto fail;
		r->t = nt;
		for (int i = 0; i < r->nseries; i++) {
			struct series *s = &r->series[i];
			double *nd = realloc(s->data, cap * (size_t)s->ncols * sizeof *nd);
			if (!nd)
				goto fail;
			s->data = nd;
		}
		r->cap_samples = cap;
	}
	r->t[r->nsamples] = t;
	for (int i = 0; i < r->nseries; i++) {
		struct series *s = &r->series[i];
		double *row = s->data + r->nsamples * (size_t)s->ncols;
		memcpy(row, s->pending, (size_t)s->ncols * sizeof *row);
		for (int c = 0; c < s->ncols; c++)
			s->pending[c] = NAN;
	}
	r->nsamples++;
	return SIM_OK;
fail:
	r->ok = 0;
	return SIM_ENOMEM;
}

void rec_scalar(rec *r, const char *name, const char *units, double v)
{
	SIM_ASSERT(r && rec_valid_name(name));
	for (int i = 0; i < r->nscalars; i++)
		if (!strcmp(r->scalars[i].name, name)) { /* recorded again: last value wins */
			r->scalars[i].v = v;
			return;
		}
	if (!grow_int((void **)&r->scalars, &r->cap_scalars, r->nscalars + 1, sizeof *r->scalars))
		goto fail;
	struct scalar *s = &r->scalars[r->nscalars];
	s->name = strdup(name);
	s->units = strdup(units ? units : "");
	s->v = v;
	if (!s->name || !s->units) {
		free(s->name);
		free(s->units);
		goto fail;
	}
	r->nscalars++;
	return;
fail:
	r->ok = 0;
}

static int intern_kind(rec *r, const char *kind)
{
	for (int i = r->nkinds - 1; i >= 0; i--)
		if (!strcmp(r->kinds[i], kind))
			return i;
	if (!grow_int((void **)&r->kinds, &r->cap_kinds, r->nkinds + 1, sizeof *r->kinds))
		return -1;
	if (!(r->kinds[r->nkinds] = strdup(kind)))
		return -1;
	return r->nkinds++;
}

void rec_event(rec *r, double t, const char *kind, long long id, double value)
{
	SIM_ASSERT(r && kind);
	if (!r->ok)
		return;
	int k = intern_kind(r, kind);
	if (k < 0 || !grow((void **)&r->events, &r->cap_events, r->nevents + 1, sizeof *r->events)) {
		r->ok = 0;
		return;
	}
	r->events[r->nevents++] = (struct event){ .t = t, .kind = k, .id = id, .value = value };
}

void rec_note(rec *r, const char *key, const char *value)
{
	SIM_ASSERT(r && rec_valid_name(key) && value);
	for (int i = 0; i < r->nnotes; i++)
		if (!strcmp(r->notes[i].key, key)) {
			char *v = strdup(value);
			if (!v) {
				r->ok = 0;
				return;
			}
			free(r->notes[i].value);
			r->notes[i].value = v;
			return;
		}
	if (!grow_int((void **)&r->notes, &r->cap_notes, r->nnotes + 1, sizeof *r->notes))
		goto fail;
	struct note *n = &r->notes[r->nnotes];
	n->key = strdup(key);
	n->value = dup_or_null(value);
	if (!n->key || !n->value) {
		free(n->key);
		free(n->value);
		goto fail;
	}
	r->nnotes++;
	return;
fail:
	r->ok = 0;
}

int rec_ok(const rec *r) { return r->ok; }

const char *rec_t_units(const rec *r) { return r->t_units; }
size_t rec_nsamples(const rec *r) { return r->nsamples; }
const double *rec_times(const rec *r) { return r->t; }
int rec_nseries(const rec *r) { return r->nseries; }

const char *rec_series_name(const rec *r, int id)
{
	SIM_ASSERT(id >= 0 && id < r->nseries);
	return r->series[id].name;
}

const char *rec_series_units(const rec *r, int id)
{
	SIM_ASSERT(id >= 0 && id < r->nseries);
	return r->series[id].units;
}

int rec_series_ncols(const rec *r, int id)
{
	SIM_ASSERT(id >= 0 && id < r->nseries);
	return r->series[id].ncols;
}

const char *rec_series_dim_name(const rec *r, int id)
{
	SIM_ASSERT(id >= 0 && id < r->nseries);
	return r->series[id].dim;
}

const char *rec_series_colname(const rec *r, int id, int col)
{
	SIM_ASSERT(id >= 0 && id < r->nseries);
	SIM_ASSERT(col >= 0 && col < r->series[id].ncols);
	return r->series[id].colnames ? r->series[id].colnames[col] : NULL;
}

const double *rec_series_data(const rec *r, int id)
{
	SIM_ASSERT(id >= 0 && id < r->nseries);
	return r->series[id].data;
}

int rec_nscalars(const rec *r) { return r->nscalars; }

const char *rec_scalar_name(const rec *r, int i)
{
	SIM_ASSERT(i >= 0 && i < r->nscalars);
	return r->scalars[i].name;
}

const char *rec_scalar_units(const rec *r, int i)
{
	SIM_ASSERT(i >= 0 && i < r->nscalars);
	return r->scalars[i].units;
}

double rec_scalar_value(const rec *r, int i)
{
	SIM_ASSERT(i >= 0 && i < r->nscalars);
	return r->scalars[i].v;
}

size_t rec_nevents(const rec *r) { return r->nevents; }

void rec_event_get(const rec *r, size_t i, double *t, const char **kind,
                   long long *id, double *value)
{
	SIM_ASSERT(i < r->nevents);
	const struct event *e = &r->events[i];
	if (t)
		*t = e->t;
	if (kind)
		*kind = r->kinds[e->kind];
	if (id)
		*id = e->id;
	if (value)
		*value = e->value;
}

int rec_nnotes(const rec *r) { return r->nnotes; }

void rec_note_get(const rec *r, int i, const char **key, const char **value)
{
	SIM_ASSERT(i >= 0 && i < r->nnotes);
	if (key)
		*key = r->notes[i].key;
	if (value)
		*value = r->notes[i].value;
}
