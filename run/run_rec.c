/* run_rec.c — a recorder packed into bytes and back: the parts files and the
 * MPI messages.  See run_rec.h.
 */
#include "run_rec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The layout is run_rec.h's "About the packed form". */
static const char rec_magic[8] = { 'D', 'A', 'I', 'S', 'R', 'E', 'C', '1' };

static uint64_t fnv1a(const void *p, size_t n, uint64_t h)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}
#define FNV_INIT 0xcbf29ce484222325ULL

void run_hash_hex(const char *text, char hex[17])
{
	snprintf(hex, 17, "%016llx", (unsigned long long)fnv1a(text, strlen(text), FNV_INIT));
}

/* ------------------------------------------------------------- packing */

/* A growing byte string; bad after a failed allocation (then every put is a
 * no-op and the pack fails once, at the end). */
struct buf {
	unsigned char *p;
	size_t n, cap;
	int bad;
};

static void put(struct buf *b, const void *v, size_t n)
{
	if (b->bad || n == 0) /* n == 0: v may be NULL (no samples) */
		return;
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->n + n)
			cap *= 2;
		unsigned char *q = realloc(b->p, cap);
		if (!q) {
			b->bad = 1;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->n, v, n);
	b->n += n;
}

static void put_u32(struct buf *b, uint32_t v) { put(b, &v, sizeof v); }
static void put_u64(struct buf *b, uint64_t v) { put(b, &v, sizeof v); }
static void put_f64(struct buf *b, double v) { put(b, &v, sizeof v); }
static void put_str(struct buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	put_u32(b, (uint32_t)n);
	put(b, s ? s : "", n);
}

sim_status run_rec_pack(const rec *r, unsigned char **out, size_t *len)
{
	struct buf b = { 0 };
	size_t ns = rec_nsamples(r);
	put(&b, rec_magic, sizeof rec_magic);
	put_str(&b, rec_t_units(r));
	put_u64(&b, ns);
	put(&b, rec_times(r), ns * sizeof(double));
	put_u32(&b, (uint32_t)rec_nseries(r));
	for (int i = 0; i < rec_nseries(r); i++) {
		int nc = rec_series_ncols(r, i);
		put_str(&b, rec_series_name(r, i));
		put_str(&b, rec_series_units(r, i));
		put_u32(&b, (uint32_t)nc);
		const char *dim = rec_series_dim_name(r, i);
		int named = rec_series_colname(r, i, 0) != NULL ? (dim ? 2 : 1) : 0;
		put_u32(&b, (uint32_t)named);
		for (int c = 0; named && c < nc; c++)
			put_str(&b, rec_series_colname(r, i, c));
		if (named == 2)
			put_str(&b, dim);
		put(&b, rec_series_data(r, i), ns * (size_t)nc * sizeof(double));
	}
	put_u32(&b, (uint32_t)rec_nscalars(r));
	for (int i = 0; i < rec_nscalars(r); i++) {
		put_str(&b, rec_scalar_name(r, i));
		put_str(&b, rec_scalar_units(r, i));
		put_f64(&b, rec_scalar_value(r, i));
	}
	put_u64(&b, rec_nevents(r));
	for (size_t i = 0; i < rec_nevents(r); i++) {
		double t, v;
		const char *kind;
		long long id;
		rec_event_get(r, i, &t, &kind, &id, &v);
		put_f64(&b, t);
		put_str(&b, kind);
		put_u64(&b, (uint64_t)id);
		put_f64(&b, v);
	}
	put_u32(&b, (uint32_t)rec_nnotes(r));
	for (int i = 0; i < rec_nnotes(r); i++) {
		const char *k, *v;
		rec_note_get(r, i, &k, &v);
		put_str(&b, k);
		put_str(&b, v);
	}
	if (!b.bad)
		put_u64(&b, fnv1a(b.p, b.n, FNV_INIT));
	if (b.bad) {
		free(b.p);
		return SIM_ENOMEM;
	}
	*out = b.p;
	*len = b.n;
	return SIM_OK;
}

/* ----------------------------------------------------------- unpacking */

/* A cursor over the bytes; bad once a read would pass the end. */
struct rd {
	const unsigned char *p;
	size_t n, at;
	int bad;
};

static const void *get(struct rd *r, size_t n)
{
	if (r->bad || n > r->n - r->at) {
		r->bad = 1;
		return NULL;
	}
	const void *q = r->p + r->at;
	r->at += n;
	return q;
}

static uint32_t get_u32(struct rd *r)
{
	uint32_t v = 0;
	const void *q = get(r, sizeof v);
	if (q)
		memcpy(&v, q, sizeof v);
	return v;
}

static uint64_t get_u64(struct rd *r)
{
	uint64_t v = 0;
	const void *q = get(r, sizeof v);
	if (q)
		memcpy(&v, q, sizeof v);
	return v;
}

static double get_f64(struct rd *r)
{
	double v = 0;
	const void *q = get(r, sizeof v);
	if (q)
		memcpy(&v, q, sizeof v);
	return v;
}

/* A malloc'd copy of the next string; NULL (and bad) when truncated. */
static char *get_str(struct rd *r)
{
	uint32_t n = get_u32(r);
	const char *q = get(r, n);
	if (!q)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (!s) {
		r->bad = 1;
		return NULL;
	}
	memcpy(s, q, n);
	s[n] = '\0';
	if (strlen(s) != n) /* embedded NUL */
		r->bad = 1;
	return s;
}

rec *run_rec_unpack(const unsigned char *buf, size_t len)
{
	if (!buf || len < sizeof rec_magic + 8 || memcmp(buf, rec_magic, sizeof rec_magic))
		return NULL;
	uint64_t sum;
	memcpy(&sum, buf + len - 8, 8);
	if (sum != fnv1a(buf, len - 8, FNV_INIT))
		return NULL;
	struct rd r = { .p = buf, .n = len - 8, .at = sizeof rec_magic };
	rec *out = NULL;
	char *tu = get_str(&r);
	uint64_t ns = get_u64(&r);
	/* the bytes are not aligned for doubles: rows are copied out with memcpy */
	const unsigned char *t = get(&r, ns <= len / 8 ? ns * sizeof(double) : len);
	uint32_t nser = get_u32(&r);
	struct ser {
		int id, nc;
		const unsigned char *data;
	} *ser = NULL;
	double *row = NULL;
	if (r.bad || nser > len)
		goto fail;
	out = rec_alloc(tu ? tu : "");
	ser = calloc((size_t)nser + 1, sizeof *ser);
	if (!out || !ser)
		goto fail;
	for (uint32_t i = 0; i < nser && !r.bad; i++) {
		char *name = get_str(&r), *units = get_str(&r);
		uint32_t nc = get_u32(&r), named = get_u32(&r);
		char **cols = NULL, *dim = NULL;
		if (!r.bad && (nc < 1 || nc > len || named > 2))
			r.bad = 1;
		if (!r.bad && named) {
			cols = calloc(nc, sizeof *cols);
			if (!cols)
				r.bad = 1;
			for (uint32_t c = 0; c < nc && !r.bad; c++)
				cols[c] = get_str(&r);
		}
		if (!r.bad && named == 2 && (!(dim = get_str(&r)) || !rec_valid_name(dim)))
			r.bad = 1;
		ser[i].nc = (int)nc;
		ser[i].data = r.bad ? NULL : get(&r, ns * nc * sizeof(double) / nc == ns * sizeof(double)
		                                          ? ns * nc * sizeof(double) : len);
		int dup = 0;
		for (int k = 0; !r.bad && k < rec_nseries(out); k++)
			dup |= !strcmp(rec_series_name(out, k), name);
		if (!r.bad && rec_valid_name(name) && !dup)
			ser[i].id = rec_series(out, name, units ? units : "", (int)nc,
			                       (const char *const *)cols);
		else
			r.bad = 1;
		if (ser[i].id < 0)
			r.bad = 1;
		if (!r.bad && dim)
			rec_series_dim(out, ser[i].id, dim);
		free(dim);
		for (uint32_t c = 0; cols && c < nc; c++)
			free(cols[c]);
		free(cols);
		free(name);
		free(units);
	}
	size_t maxc = 1;
	for (uint32_t i = 0; i < nser && !r.bad; i++)
		if ((size_t)ser[i].nc > maxc)
			maxc = (size_t)ser[i].nc;
	if (!r.bad && ns > 0 && !(row = malloc(maxc * sizeof *row)))
		r.bad = 1;
	for (uint64_t k = 0; k < ns && !r.bad; k++) {
		for (uint32_t i = 0; i < nser; i++) {
			memcpy(row, ser[i].data + k * (size_t)ser[i].nc * sizeof(double),
			       (size_t)ser[i].nc * sizeof(double));
			rec_setv(out, ser[i].id, row);
		}
		double tk;
		memcpy(&tk, t + k * sizeof(double), sizeof tk);
		if (rec_sample(out, tk) != SIM_OK)
			r.bad = 1;
	}
	free(row);
	row = NULL;
	uint32_t nsc = get_u32(&r);
	for (uint32_t i = 0; i < nsc && !r.bad; i++) {
		char *name = get_str(&r), *units = get_str(&r);
		double v = get_f64(&r);
		if (!r.bad && rec_valid_name(name))
			rec_scalar(out, name, units ? units : "", v);
		else
			r.bad = 1;
		free(name);
		free(units);
	}
	uint64_t nev = get_u64(&r);
	for (uint64_t i = 0; i < nev && !r.bad; i++) {
		double et = get_f64(&r);
		char *kind = get_str(&r);
		long long id = (long long)get_u64(&r);
		double v = get_f64(&r);
		if (!r.bad)
			rec_event(out, et, kind, id, v);
		free(kind);
	}
	uint32_t nno = get_u32(&r);
	for (uint32_t i = 0; i < nno && !r.bad; i++) {
		char *k = get_str(&r), *v = get_str(&r);
		if (!r.bad && rec_valid_name(k) && v)
			rec_note(out, k, v);
		else
			r.bad = 1;
		free(k);
		free(v);
	}
	if (r.bad || r.at != r.n || !rec_ok(out))
		goto fail;
	free(ser);
	free(tu);
	return out;
fail:
	free(ser);
	free(tu);
	rec_free(out);
	return NULL;
}
