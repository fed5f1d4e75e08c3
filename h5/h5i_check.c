/* h5i_check.c — walking a results file safely, and checking it before trusting
 * it: every object header loaded in full at open (h5i_headers_ok), every
 * dataset read once on demand (h5i_verify).  See h5i.h, about damaged and
 * hostile files. */
#include "h5i.h"
#include "h5i_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the first touch of an object ---------------------------------------------
 * About opening damaged files: libhdf5 1.10.8 reports a checksum failure of an
 * object header the first time the header is read, and on a second try hands
 * out what it half loaded (and loops when it closes).  So the walker's first
 * touch of every object loads its whole header (every continuation chunk,
 * each with its checksum: listing links or asking for the type reads only the
 * first) and reads every attribute's raw bytes. */

/* The object's basic info after a full load; 0 when something fails. */
static int load_header(hid_t file, const char *path, H5O_info_t *oi)
{
	hid_t o = H5Oopen(file, path, H5P_DEFAULT);
	int ok = o >= 0 && H5Oget_info2(o, oi, H5O_INFO_ALL) >= 0;
	for (hsize_t k = 0; ok && k < oi->num_attrs; k++) {
		hid_t a = H5Aopen_by_idx(o, ".", H5_INDEX_NAME, H5_ITER_INC, k, H5P_DEFAULT,
		                         H5P_DEFAULT);
		hid_t t = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
		hsize_t n = a >= 0 ? H5Aget_storage_size(a) : 0;
		void *buf = n <= H5I_MAX_STRING ? malloc(n ? n : 1) : NULL;
		/* variable-length data (not written by DAIS) is left unread */
		ok = a >= 0 && t >= 0 && buf &&
		     (H5Tdetect_class(t, H5T_VLEN) > 0 || H5Tis_variable_str(t) > 0 ||
		      H5Aread(a, t, buf) >= 0);
		free(buf);
		if (t >= 0)
			H5Tclose(t);
		if (a >= 0)
			H5Aclose(a);
	}
	if (o >= 0)
		H5Oclose(o);
	H5Eclear2(H5E_DEFAULT);
	return ok;
}

/* ---- the walker ------------------------------------------------------------------ */

struct walk {
	hid_t file;
	const char *name;      /* the file, for messages */
	h5i_visit fn;
	void *ctx;
	sim_diag *d;
	uint64_t *seen;        /* addresses of the groups entered */
	size_t n, cap;
	char **names;          /* links of the group being listed */
	size_t nn, ncap;
	int bad, stop, oom;
};

static herr_t list_hard(hid_t g, const char *name, const H5L_info_t *li, void *data)
{
	struct walk *w = data;
	(void)g;
	if (li->type != H5L_TYPE_HARD) /* see h5i.h: only hard links are followed */
		return 0;
	if (w->nn == H5I_MAX_LINKS)
		return -1;
	if (w->nn == w->ncap) {
		size_t cap = w->ncap ? 2 * w->ncap : 16;
		char **p = realloc(w->names, cap * sizeof *p);
		if (!p) {
			w->oom = 1;
			return -1;
		}
		w->names = p;
		w->ncap = cap;
	}
	if (!(w->names[w->nn] = strdup(name))) {
		w->oom = 1;
		return -1;
	}
	w->nn++;
	return 0;
}

/* 1 when the group at addr was entered before (else remembers it). */
static int seen(struct walk *w, uint64_t addr)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->seen[i] == addr)
			return 1;
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		uint64_t *p = realloc(w->seen, cap * sizeof *p);
		if (!p) {
			w->oom = 1;
			return 1;
		}
		w->seen = p;
		w->cap = cap;
	}
	w->seen[w->n++] = addr;
	return 0;
}

static void walk_at(struct walk *w, const char *path, int depth)
{
	H5O_info_t oi;
	if (!load_header(w->file, path, &oi)) {
		if (w->d)
			diag_add(w->d, "%s: damaged: cannot read '%s'", w->name, path);
		w->bad++;
		return;
	}
	int is_group = oi.type == H5O_TYPE_GROUP, again = is_group && seen(w, (uint64_t)oi.addr);
	int r = w->fn ? w->fn(path, is_group, again || depth >= H5I_MAX_DEPTH, w->ctx) : H5I_WALK_ON;
	if (r == H5I_WALK_STOP)
		w->stop = 1;
	if (r != H5I_WALK_ON || !is_group || again || depth >= H5I_MAX_DEPTH)
		return;
	hsize_t idx = 0;
	w->nn = 0;
	herr_t e = H5Literate_by_name(w->file, path, H5_INDEX_NAME, H5_ITER_INC, &idx, list_hard,
	                              w, H5P_DEFAULT);
	H5Eclear2(H5E_DEFAULT);
	char **names = w->names;
	size_t nn = w->nn;
	w->names = NULL;
	w->nn = w->ncap = 0;
	if (e < 0 && !w->oom) {
		if (w->d)
			diag_add(w->d, "%s: damaged: cannot list '%s'", w->name, path);
		w->bad++;
	}
	for (size_t i = 0; i < nn && w->bad < 20 && !w->stop; i++) {
		char *child;
		if (asprintf(&child, "%s/%s", strcmp(path, "/") ? path : "", names[i]) >= 0) {
			walk_at(w, child, depth + 1);
			free(child);
		}
	}
	h5i_names_free(names, nn);
}

/* Walks from root; the number of objects that could not be read. */
static int walk(hid_t file, const char *name, const char *root, h5i_visit fn, void *ctx,
                sim_diag *d)
{
	struct walk w = { .file = file, .name = name, .fn = fn, .ctx = ctx, .d = d };
	walk_at(&w, root, 0);
	free(w.seen);
	h5i_names_free(w.names, w.nn);
	if (w.oom && d)
		diag_add(d, "%s: out of memory", name);
	return w.bad + w.oom;
}

int h5i_headers_ok(hid_t file, const char *name, sim_diag *d)
{
	return walk(file, name, "/", NULL, NULL, d) == 0;
}

sim_status h5i_walk(const h5i *f, const char *root, h5i_visit fn, void *ctx, sim_diag *d)
{
	return walk(h5i_file(f), h5i_name(f), root, fn, ctx, d) ? SIM_EINVAL : SIM_OK;
}

/* ---- reading everything ------------------------------------------------------- */

struct verify {
	const h5i *f;
	sim_diag *d;
	int bad;          /* datasets that could not be read */
};

/* Reads one dataset whole (its checksums are checked on the way). */
static int verify_one(const char *path, int is_group, int stop_here, void *ctx)
{
	struct verify *v = ctx;
	(void)stop_here;
	if (is_group)
		return H5I_WALK_ON;
	hid_t ds = H5Dopen2(h5i_file(v->f), path, H5P_DEFAULT);
	hid_t t = ds >= 0 ? H5Dget_type(ds) : H5I_INVALID_HID;
	H5T_class_t c = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
	if (t >= 0)
		H5Tclose(t);
	if (ds >= 0)
		H5Dclose(ds);
	H5Eclear2(H5E_DEFAULT);
	sim_status st = SIM_OK;
	if (c == H5T_FLOAT || c == H5T_INTEGER) {
		struct h5i_data x;
		if (!(st = h5i_read(v->f, path, &x, v->d)))
			h5i_data_release(&x);
	} else if (c == H5T_COMPOUND) {
		struct h5i_events e;
		if (!(st = h5i_read_events(v->f, path, &e, v->d)))
			h5i_events_release(&e);
	} else if (ds < 0) {
		diag_add(v->d, "%s: cannot open '%s'", h5i_name(v->f), path);
		st = SIM_EINVAL;
	}
	v->bad += st != SIM_OK;
	return v->bad >= 20 ? H5I_WALK_STOP : H5I_WALK_ON;
}

sim_status h5i_verify(const h5i *f, sim_diag *d)
{
	struct verify v = { .f = f, .d = d };
	v.bad += walk(h5i_file(f), h5i_name(f), "/", verify_one, &v, d);
	if (v.bad)
		diag_add(d, "%s: damaged: %d object%s could not be read%s", h5i_name(f), v.bad,
		         v.bad == 1 ? "" : "s", v.bad >= 20 ? " (stopped at 20)" : "");
	return v.bad ? SIM_EINVAL : SIM_OK;
}
