/* h5i.c — reading DAIS results files (see h5i.h).
 *
 * HDF5's own error printing is switched off; failures are reported through
 * sim_diag with the file and object named, plus HDF5's innermost message.
 */
#include "h5i.h"
#include "h5i_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hdf5_hl.h>

struct h5i {
	hid_t file;
	int owned;
	char *name;
	char **reps;
	size_t nreps;
};

/* ---- HDF5 error text ------------------------------------------------------ */

struct errwalk {
	char *buf;
	size_t len;
	int found;
};

static herr_t errwalk_cb(unsigned n, const H5E_error2_t *e, void *data)
{
	struct errwalk *w = data;
	(void)n;
	/* Innermost first: keep the first message, but prefer one quoting errno
	 * (the system error of a failed read or write). */
	if (e->desc && (!w->found || (w->found == 1 && strstr(e->desc, "errno")))) {
		/* The sec2 driver writes "..., errno = 28, error message = 'No space
		 * left on device', buf = ...": keep just the system's words. */
		const char *q = strstr(e->desc, "error message = '");
		const char *end = q ? strchr(q + 17, '\'') : NULL;
		if (q && end)
			snprintf(w->buf, w->len, "%.*s", (int)(end - q - 17), q + 17);
		else
			snprintf(w->buf, w->len, "%s", e->desc);
		w->found = strstr(e->desc, "errno") ? 2 : 1;
	}
	return 0;
}

void h5i_errmsg(char *buf, size_t len)
{
	struct errwalk w = { buf, len, 0 };
	buf[0] = 0;
	H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, errwalk_cb, &w);
	if (!w.found)
		snprintf(buf, len, "HDF5 error");
	H5Eclear2(H5E_DEFAULT);
}

void h5i_quiet(void)
{
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* ---- open / close --------------------------------------------------------- */

static int is_rep_name(const char *s)
{
	if (strncmp(s, "rep_", 4) != 0 || !s[4])
		return 0;
	for (s += 4; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static sim_status load_reps(h5i *f, sim_diag *d)
{
	char **names = NULL;
	size_t n = 0;
	sim_status st = h5i_list(f, "/", &names, &n, d);
	if (st)
		return st;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (is_rep_name(names[i]) && h5i_is_group(f, names[i]))
			names[k++] = names[i];
		else
			free(names[i]);
	}
	/* Replication order, not name order: rep_10000 comes after rep_9999. */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0; j--) {
			size_t la = strlen(names[j - 1]), lb = strlen(names[j]);
			if (la < lb || (la == lb && strcmp(names[j - 1], names[j]) <= 0))
				break;
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	f->reps = names;
	f->nreps = k;
	return SIM_OK;
}

static h5i *wrap(hid_t file, int owned, const char *name, sim_diag *d)
{
	h5i *f = calloc(1, sizeof *f);
	if (!f || !(f->name = strdup(name))) {
		free(f);
		if (d)
			diag_add(d, "%s: out of memory", name);
		return NULL;
	}
	f->file = file;
	f->owned = owned;
	if (load_reps(f, d) != SIM_OK) {
		f->owned = 0; /* the caller closes the id on failure */
		h5i_close(f);
		return NULL;
	}
	return f;
}

h5i *h5i_open(const char *path, sim_diag *d)
{
	h5i_quiet();
	struct stat sb;
	if (stat(path, &sb) != 0) {
		if (d)
			diag_add(d, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (S_ISDIR(sb.st_mode)) {
		if (d)
			diag_add(d, "%s: is a directory, not a results file", path);
		return NULL;
	}
	htri_t is = H5Fis_hdf5(path);
	if (is <= 0) {
		if (d)
			diag_add(d, "%s: not an HDF5 file", path);
		H5Eclear2(H5E_DEFAULT);
		return NULL;
	}
	hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (file < 0) {
		char m[256];
		h5i_errmsg(m, sizeof m);
		if (d)
			diag_add(d, "%s: cannot open: %s", path, m);
		return NULL;
	}
	if (!h5i_headers_ok(file, path, d)) {
		H5Fclose(file);
		H5Eclear2(H5E_DEFAULT);
		return NULL;
	}
	h5i *f = wrap(file, 1, path, d);
	if (!f)
		H5Fclose(file);
	return f;
}

h5i *h5i_attach(hid_t file, const char *name)
{
	return wrap(file, 0, name, NULL);
}

void h5i_close(h5i *f)
{
	if (!f)
		return;
	if (f->owned && f->file >= 0)
		H5Fclose(f->file);
	h5i_names_free(f->reps, f->nreps);
	free(f->name);
	free(f);
}

hid_t h5i_file(const h5i *f) { return f->file; }
const char *h5i_name(const h5i *f) { return f->name; }
int h5i_nreps(const h5i *f) { return (int)f->nreps; }

const char *h5i_rep_name(const h5i *f, int i)
{
	SIM_ASSERT(i >= 0 && (size_t)i < f->nreps);
	return f->reps[i];
}

/* ---- objects -------------------------------------------------------------- */

int h5i_exists(const h5i *f, const char *path)
{
	if (!strcmp(path, "/") || !*path)
		return 1;
	/* H5Lexists wants every parent to exist, so walk the path.  Only hard
	 * links count: DAIS writes no other kind, and a soft or external link in
	 * a file someone sent could point anywhere, another file included. */
	size_t len = strlen(path);
	char *p = malloc(len + 1);
	if (!p)
		return 0;
	memcpy(p, path, len + 1);
	int ok = 1;
	for (size_t i = 1; i <= len && ok; i++) {
		if (p[i] != '/' && p[i] != 0)
			continue;
		char c = p[i];
		p[i] = 0;
		H5L_info_t li;
		ok = H5Lexists(f->file, p, H5P_DEFAULT) > 0 &&
		     H5Lget_info(f->file, p, &li, H5P_DEFAULT) >= 0 && li.type == H5L_TYPE_HARD &&
		     H5Oexists_by_name(f->file, p, H5P_DEFAULT) > 0;
		p[i] = c;
	}
	free(p);
	H5Eclear2(H5E_DEFAULT);
	return ok;
}

static int obj_type(const h5i *f, const char *path)
{
	if (!h5i_exists(f, path))
		return -1;
	H5O_info_t info;
	if (H5Oget_info_by_name2(f->file, path, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) {
		H5Eclear2(H5E_DEFAULT);
		return -1;
	}
	return (int)info.type;
}

int h5i_object_addr(const h5i *f, const char *path, uint64_t *addr)
{
	H5O_info_t info;
	if (!h5i_exists(f, path) ||
	    H5Oget_info_by_name2(f->file, path, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) {
		H5Eclear2(H5E_DEFAULT);
		return 0;
	}
	*addr = (uint64_t)info.addr;
	return 1;
}

int h5i_is_group(const h5i *f, const char *path)
{
	return obj_type(f, path) == H5O_TYPE_GROUP;
}

int h5i_is_dataset(const h5i *f, const char *path)
{
	return obj_type(f, path) == H5O_TYPE_DATASET;
}

void h5i_names_free(char **names, size_t n)
{
	if (!names)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

struct listing {
	char **names;
	size_t n, cap;
	int oom, toobig;
};

static herr_t list_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
	struct listing *l = data;
	(void)g;
	if (info->type != H5L_TYPE_HARD)
		return 0; /* see h5i_exists */
	if (l->n == H5I_MAX_LINKS) {
		l->toobig = 1;
		return -1;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		char **p = realloc(l->names, cap * sizeof *p);
		if (!p) {
			l->oom = 1;
			return -1;
		}
		l->names = p;
		l->cap = cap;
	}
	if (!(l->names[l->n] = strdup(name))) {
		l->oom = 1;
		return -1;
	}
	l->n++;
	return 0;
}

sim_status h5i_list(const h5i *f, const char *group, char ***names, size_t *n,
                    sim_diag *d)
{
	*names = NULL;
	*n = 0;
	if (!h5i_is_group(f, group)) {
		if (d)
			diag_add(d, "%s: no group '%s'", f->name, group);
		return SIM_EINVAL;
	}
	struct listing l = { 0 };
	hsize_t idx = 0;
	herr_t e = H5Literate_by_name(f->file, group, H5_INDEX_NAME, H5_ITER_INC, &idx,
	                              list_cb, &l, H5P_DEFAULT);
	if (e < 0 || l.oom) {
		char m[256];
		h5i_errmsg(m, sizeof m);
		if (d)
			diag_add(d, "%s: cannot list '%s': %s", f->name, group,
			         l.oom ? "out of memory"
			         : l.toobig ? "more links than a results file holds" : m);
		h5i_names_free(l.names, l.n);
		return l.oom ? SIM_ENOMEM : l.toobig ? SIM_EINVAL : SIM_EIO;
	}
	*names = l.names;
	*n = l.n;
	return SIM_OK;
}

/* ---- attributes ----------------------------------------------------------- */

int h5i_has_attr(const h5i *f, const char *obj, const char *name)
{
	if (!h5i_exists(f, obj))
		return 0;
	htri_t e = H5Aexists_by_name(f->file, obj, name, H5P_DEFAULT);
	H5Eclear2(H5E_DEFAULT);
	return e > 0;
}

/* Reads n strings of the string type ftype from attribute a into out[]. */
static sim_status read_strings(hid_t a, hid_t ftype, size_t n, char **out)
{
	sim_status st = SIM_EIO;
	hid_t mt = H5I_INVALID_HID;
	char *buf = NULL;
	char **vl = NULL;
	for (size_t i = 0; i < n; i++)
		out[i] = NULL;
	if (H5Tis_variable_str(ftype) > 0) {
		vl = calloc(n ? n : 1, sizeof *vl);
		mt = H5Tcopy(H5T_C_S1);
		if (!vl || mt < 0 || H5Tset_size(mt, H5T_VARIABLE) < 0 ||
		    H5Tset_cset(mt, H5Tget_cset(ftype)) < 0) /* no ASCII<->UTF-8 conversion */
			goto done;
		if (H5Aread(a, mt, vl) < 0) {
			/* a read that fails half way has allocated the strings before */
			for (size_t i = 0; i < n; i++)
				H5free_memory(vl[i]);
			goto done;
		}
		st = SIM_OK;
		for (size_t i = 0; i < n; i++)
			if (!(out[i] = strdup(vl[i] ? vl[i] : "")))
				st = SIM_ENOMEM;
		hid_t sp = H5Aget_space(a);
		H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, vl);
		H5Sclose(sp);
	} else {
		size_t sz = H5Tget_size(ftype);
		if (sz == 0 || sz > H5I_MAX_STRING || n > H5I_MAX_STRING / sz)
			goto done; /* damaged, or not written by DAIS */
		buf = calloc(n ? n : 1, sz + 1);
		mt = H5Tcopy(H5T_C_S1);
		if (!buf || mt < 0 || H5Tset_size(mt, sz + 1) < 0 ||
		    H5Tset_cset(mt, H5Tget_cset(ftype)) < 0 ||
		    H5Tset_strpad(mt, H5T_STR_NULLTERM) < 0)
			goto done;
		if (H5Aread(a, mt, buf) < 0)
			goto done;
		st = SIM_OK;
		for (size_t i = 0; i < n; i++)
			if (!(out[i] = strndup(buf + i * (sz + 1), sz)))
				st = SIM_ENOMEM;
	}
done:
	if (st != SIM_OK)
		for (size_t i = 0; i < n; i++) {
			free(out[i]);
			out[i] = NULL;
		}
	if (mt >= 0)
		H5Tclose(mt);
	free(buf);
	free(vl);
	return st;
}

/* Opens attribute name of obj, with a message when missing. */
static hid_t open_attr(const h5i *f, const char *obj, const char *name, sim_diag *d)
{
	if (!h5i_has_attr(f, obj, name)) {
		if (d)
			diag_add(d, "%s: %s: no attribute '%s'", f->name, obj, name);
		return H5I_INVALID_HID;
	}
	hid_t a = H5Aopen_by_name(f->file, obj, name, H5P_DEFAULT, H5P_DEFAULT);
	if (a < 0 && d) {
		char m[256];
		h5i_errmsg(m, sizeof m);
		diag_add(d, "%s: %s: cannot open attribute '%s': %s", f->name, obj, name, m);
	}
	return a;
}

/* Closes what an attribute read opened (negative ids are skipped) and drops
 * HDF5's error stack: failures were reported through the diagnostics. */
static void attr_close(hid_t a, hid_t t, hid_t sp)
{
	if (sp >= 0)
		H5Sclose(sp);
	if (t >= 0)
		H5Tclose(t);
	if (a >= 0)
		H5Aclose(a);
	H5Eclear2(H5E_DEFAULT);
}

sim_status h5i_attr_strv(const h5i *f, const char *obj, const char *name,
                         char ***out, size_t *n, sim_diag *d)
{
	*out = NULL;
	*n = 0;
	sim_status st = SIM_EINVAL;
	hid_t t = H5I_INVALID_HID, sp = H5I_INVALID_HID;
	hid_t a = open_attr(f, obj, name, d);
	if (a < 0)
		return SIM_EINVAL;
	t = H5Aget_type(a);
	sp = H5Aget_space(a);
	if (t < 0 || sp < 0 || H5Tget_class(t) != H5T_STRING) {
		if (d)
			diag_add(d, "%s: %s: attribute '%s' is not text", f->name, obj, name);
		goto done;
	}
	hssize_t cnt = H5Sget_simple_extent_npoints(sp);
	if (cnt < 0 || cnt > H5I_MAX_LINKS) {
		if (d)
			diag_add(d, "%s: %s: attribute '%s' has an unreadable shape", f->name, obj, name);
		goto done;
	}
	char **v = calloc(cnt ? (size_t)cnt : 1, sizeof *v);
	if (!v) {
		st = SIM_ENOMEM;
		goto done;
	}
	st = read_strings(a, t, (size_t)cnt, v);
	if (st != SIM_OK) {
		free(v);
		if (d)
			diag_add(d, "%s: %s: cannot read attribute '%s'", f->name, obj, name);
		goto done;
	}
	*out = v;
	*n = (size_t)cnt;
done:
	attr_close(a, t, sp);
	return st;
}

sim_status h5i_attr_num(const h5i *f, const char *obj, const char *name,
                        double *out, sim_diag *d)
{
	*out = NAN;
	hid_t a = open_attr(f, obj, name, d);
	if (a < 0)
		return SIM_EINVAL;
	sim_status st = SIM_EINVAL;
	hid_t t = H5Aget_type(a);
	hid_t sp = H5Aget_space(a);
	H5T_class_t c = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
	if ((c == H5T_FLOAT || c == H5T_INTEGER) && sp >= 0 &&
	    H5Sget_simple_extent_npoints(sp) == 1) {
		if (H5Aread(a, H5T_NATIVE_DOUBLE, out) >= 0)
			st = SIM_OK;
		else
			st = SIM_EIO;
	}
	if (st != SIM_OK && d)
		diag_add(d, "%s: %s: attribute '%s' is not a number", f->name, obj, name);
	attr_close(a, t, sp);
	return st;
}

sim_status h5i_attr_str(const h5i *f, const char *obj, const char *name,
                        char **out, sim_diag *d)
{
	*out = NULL;
	hid_t a = open_attr(f, obj, name, d);
	if (a < 0)
		return SIM_EINVAL;
	hid_t t = H5Aget_type(a);
	H5T_class_t c = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
	if (t >= 0)
		H5Tclose(t);
	H5Aclose(a);
	if (c == H5T_INTEGER) { /* exactly, not through a double: seeds are 64-bit */
		char buf[32];
		hid_t at = H5Aopen_by_name(f->file, obj, name, H5P_DEFAULT, H5P_DEFAULT);
		hid_t ft = at >= 0 ? H5Aget_type(at) : H5I_INVALID_HID;
		int uns = ft >= 0 && H5Tget_sign(ft) == H5T_SGN_NONE;
		unsigned long long u = 0;
		long long s = 0;
		herr_t e = at < 0 ? -1 : uns ? H5Aread(at, H5T_NATIVE_ULLONG, &u)
		                             : H5Aread(at, H5T_NATIVE_LLONG, &s);
		attr_close(at, ft, H5I_INVALID_HID);
		if (e < 0) {
			if (d)
				diag_add(d, "%s: %s: cannot read attribute '%s'", f->name, obj, name);
			return SIM_EIO;
		}
		if (uns)
			snprintf(buf, sizeof buf, "%llu", u);
		else
			snprintf(buf, sizeof buf, "%lld", s);
		return (*out = strdup(buf)) ? SIM_OK : SIM_ENOMEM;
	}
	if (c == H5T_FLOAT) {
		double v;
		sim_status st = h5i_attr_num(f, obj, name, &v, d);
		if (st)
			return st;
		char buf[64];
		snprintf(buf, sizeof buf, "%.15g", v); /* shortest that reads back */
		if (strtod(buf, NULL) != v)
			snprintf(buf, sizeof buf, "%.17g", v);
		return (*out = strdup(buf)) ? SIM_OK : SIM_ENOMEM;
	}
	char **v;
	size_t n;
	sim_status st = h5i_attr_strv(f, obj, name, &v, &n, d);
	if (st)
		return st;
	if (n >= 1) {
		*out = v[0];
		v[0] = NULL;
	} else {
		*out = strdup("");
	}
	h5i_names_free(v, n);
	return *out ? SIM_OK : SIM_ENOMEM;
}

/* ---- datasets ------------------------------------------------------------- */

static hid_t open_dataset(const h5i *f, const char *path, sim_diag *d)
{
	if (!h5i_is_dataset(f, path)) {
		if (d)
			diag_add(d, "%s: no dataset '%s'", f->name, path);
		return H5I_INVALID_HID;
	}
	hid_t ds = H5Dopen2(f->file, path, H5P_DEFAULT);
	if (ds < 0 && d) {
		char m[256];
		h5i_errmsg(m, sizeof m);
		diag_add(d, "%s: cannot open dataset '%s': %s", f->name, path, m);
	}
	return ds;
}

/* ---- netCDF-4 dimensions and the summary's names -------------------------- */

sim_status h5i_read_labels(const h5i *f, const char *path, char ***out, size_t *n,
                           sim_diag *d)
{
	*out = NULL;
	*n = 0;
	hid_t ds = open_dataset(f, path, d);
	if (ds < 0)
		return SIM_EINVAL;
	hid_t t = H5Dget_type(ds), sp = H5Dget_space(ds), mt = H5I_INVALID_HID;
	sim_status st = SIM_EINVAL;
	hsize_t dim = 0;
	char **v = NULL;
	if (t < 0 || sp < 0 || H5Tis_variable_str(t) <= 0 || H5Sget_simple_extent_ndims(sp) != 1 ||
	    H5Sget_simple_extent_dims(sp, &dim, NULL) < 0 || dim > H5I_MAX_LINKS) {
		if (d)
			diag_add(d, "%s: %s: not a 1-D dataset of strings", f->name, path);
		goto done;
	}
	mt = H5Tcopy(H5T_C_S1);
	v = calloc(dim ? dim : 1, sizeof *v);
	if (mt < 0 || !v || H5Tset_size(mt, H5T_VARIABLE) < 0 ||
	    H5Tset_cset(mt, H5Tget_cset(t)) < 0) {
		st = SIM_ENOMEM;
		goto done;
	}
	if (dim && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
		char m[256];
		h5i_errmsg(m, sizeof m);
		if (d)
			diag_add(d, "%s: cannot read '%s': %s", f->name, path, m);
		goto done;
	}
	/* copies into malloc'd strings of ours: HDF5's are freed by H5free_memory */
	char **own = calloc(dim ? dim : 1, sizeof *own);
	st = own ? SIM_OK : SIM_ENOMEM;
	for (hsize_t i = 0; i < dim && own; i++)
		if (!(own[i] = strdup(v[i] ? v[i] : "")))
			st = SIM_ENOMEM;
	for (hsize_t i = 0; i < dim; i++)
		H5free_memory(v[i]);
	if (st)
		h5i_names_free(own, own ? (size_t)dim : 0);
	else {
		*out = own;
		*n = (size_t)dim;
	}
done:
	free(v);
	if (mt >= 0)
		H5Tclose(mt);
	if (sp >= 0)
		H5Sclose(sp);
	if (t >= 0)
		H5Tclose(t);
	H5Dclose(ds);
	H5Eclear2(H5E_DEFAULT);
	return st;
}

int h5i_is_scale(const h5i *f, const char *path)
{
	if (!h5i_is_dataset(f, path))
		return 0;
	hid_t ds = H5Dopen2(f->file, path, H5P_DEFAULT);
	htri_t r = ds >= 0 ? H5DSis_scale(ds) : 0;
	if (ds >= 0)
		H5Dclose(ds);
	H5Eclear2(H5E_DEFAULT);
	return r > 0;
}

static herr_t scale_name(hid_t did, unsigned dim, hid_t dsid, void *data)
{
	(void)did;
	(void)dim;
	char **out = data;
	ssize_t n = H5DSget_scale_name(dsid, NULL, 0);
	if (n <= 0 || n > 1024 || !(*out = calloc((size_t)n + 1, 1)))
		return -1;
	if (H5DSget_scale_name(dsid, *out, (size_t)n + 1) < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 1; /* the first scale is the dimension's */
}

sim_status h5i_dim_name(const h5i *f, const char *path, unsigned k, char **out)
{
	*out = NULL;
	hid_t ds = h5i_is_dataset(f, path) ? H5Dopen2(f->file, path, H5P_DEFAULT)
	                                   : H5I_INVALID_HID;
	int idx = 0;
	if (ds >= 0 && H5DSget_num_scales(ds, k) > 0)
		H5DSiterate_scales(ds, k, &idx, scale_name, out);
	if (ds >= 0)
		H5Dclose(ds);
	H5Eclear2(H5E_DEFAULT);
	return *out ? SIM_OK : SIM_EINVAL;
}

sim_status h5i_summary_list(const h5i *f, int scalars, char ***names, size_t *n,
                            sim_diag *d)
{
	*names = NULL;
	*n = 0;
	if (!h5i_is_group(f, "/summary"))
		return SIM_OK;
	char **all;
	size_t na, k = 0;
	sim_status st = h5i_list(f, "/summary", &all, &na, d);
	if (st)
		return st;
	for (size_t i = 0; i < na; i++) {
		size_t len = strlen(all[i]);
		char path[1100];
		size_t dims[2];
		int keep = len > 5 && !strcmp(all[i] + len - 5, "_mean");
		if (keep) {
			snprintf(path, sizeof path, "/summary/%s", all[i]);
			int rank = h5i_shape(f, path, dims);
			keep = rank >= 0 && (rank == 0) == (scalars != 0);
		}
		if (keep) {
			all[i][len - 5] = 0;
			all[k++] = all[i];
		} else {
			free(all[i]);
		}
	}
	*names = all;
	*n = k;
	return SIM_OK;
}

int h5i_shape(const h5i *f, const char *path, size_t dims[2])
{
	dims[0] = dims[1] = 1;
	hid_t ds = open_dataset(f, path, NULL);
	if (ds < 0)
		return -1;
	hid_t sp = H5Dget_space(ds);
	int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
	if (rank > 2)
		rank = -1;
	if (rank >= 0) {
		hsize_t h[2] = { 1, 1 };
		H5Sget_simple_extent_dims(sp, h, NULL);
		dims[0] = (size_t)h[0];
		dims[1] = (size_t)h[1];
	}
	if (sp >= 0)
		H5Sclose(sp);
	H5Dclose(ds);
	H5Eclear2(H5E_DEFAULT);
	return rank;
}

void h5i_data_release(struct h5i_data *x)
{
	free(x->v);
	free(x->units);
	h5i_names_free(x->columns, x->ncolumns);
	memset(x, 0, sizeof *x);
}

sim_status h5i_read(const h5i *f, const char *path, struct h5i_data *x, sim_diag *d)
{
	memset(x, 0, sizeof *x);
	hid_t ds = open_dataset(f, path, d), t = H5I_INVALID_HID, sp = H5I_INVALID_HID;
	if (ds < 0)
		return SIM_EINVAL;
	sim_status st = SIM_EINVAL;
	t = H5Dget_type(ds);
	sp = H5Dget_space(ds);
	H5T_class_t c = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
	int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
	if ((c != H5T_FLOAT && c != H5T_INTEGER) || rank < 0 || rank > 2) {
		if (d)
			diag_add(d, "%s: %s: not a numeric dataset of rank 0, 1 or 2", f->name, path);
		goto done;
	}
	hsize_t h[2] = { 1, 1 };
	H5Sget_simple_extent_dims(sp, h, NULL);
	if (h[0] > H5I_MAX_VALUES || h[1] > H5I_MAX_VALUES || h[0] * h[1] > H5I_MAX_VALUES) {
		if (d)
			diag_add(d, "%s: %s: %llu x %llu values, more than a results file holds "
			         "(damaged?)", f->name, path, (unsigned long long)h[0],
			         (unsigned long long)h[1]);
		goto done;
	}
	x->rank = rank;
	x->dims[0] = (size_t)h[0];
	x->dims[1] = (size_t)h[1];
	x->n = x->dims[0] * x->dims[1];
	x->v = malloc((x->n ? x->n : 1) * sizeof *x->v);
	if (!x->v) {
		st = SIM_ENOMEM;
		goto done;
	}
	if (x->n && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x->v) < 0) {
		char m[256];
		h5i_errmsg(m, sizeof m);
		if (d)
			diag_add(d, "%s: cannot read '%s': %s", f->name, path, m);
		st = SIM_EINVAL; /* the dataset is there but unreadable: a damaged file */
		goto done;
	}
	if (h5i_has_attr(f, path, "units")) {
		if ((st = h5i_attr_str(f, path, "units", &x->units, d)))
			goto done;
	} else if (!(x->units = strdup(""))) {
		st = SIM_ENOMEM;
		goto done;
	}
	if (h5i_has_attr(f, path, "columns") &&
	    (st = h5i_attr_strv(f, path, "columns", &x->columns, &x->ncolumns, d)))
		goto done;
	st = SIM_OK;
done:
	if (st != SIM_OK)
		h5i_data_release(x);
	if (sp >= 0)
		H5Sclose(sp);
	if (t >= 0)
		H5Tclose(t);
	H5Dclose(ds);
	H5Eclear2(H5E_DEFAULT);
	return st;
}

void h5i_events_release(struct h5i_events *e)
{
	if (e->kind)
		h5i_names_free(e->kind, e->n);
	free(e->t);
	free(e->id);
	free(e->value);
	memset(e, 0, sizeof *e);
}

sim_status h5i_read_events(const h5i *f, const char *path, struct h5i_events *e,
                           sim_diag *d)
{
	memset(e, 0, sizeof *e);
	hid_t ds = open_dataset(f, path, d);
	if (ds < 0)
		return SIM_EINVAL;
	sim_status st = SIM_EINVAL;
	hid_t ft = H5Dget_type(ds), sp = H5Dget_space(ds), kt = H5I_INVALID_HID;
	hid_t mt = H5I_INVALID_HID, ks = H5I_INVALID_HID;
	unsigned char *buf = NULL;
	int ki = ft >= 0 ? H5Tget_member_index(ft, "kind") : -1;
	if (ft < 0 || sp < 0 || H5Tget_class(ft) != H5T_COMPOUND || ki < 0 ||
	    H5Tget_member_index(ft, "t") < 0 || H5Tget_member_index(ft, "id") < 0 ||
	    H5Tget_member_index(ft, "value") < 0 || H5Sget_simple_extent_ndims(sp) != 1) {
		if (d)
			diag_add(d, "%s: %s: not an events table (t, kind, id, value)", f->name, path);
		goto done;
	}
	kt = H5Tget_member_type(ft, (unsigned)ki);
	int vlen = H5Tis_variable_str(kt) > 0;
	size_t ksz = vlen ? sizeof(char *) : H5Tget_size(kt) + 1;
	ks = H5Tcopy(H5T_C_S1);
	H5Tset_size(ks, vlen ? H5T_VARIABLE : ksz);
	H5Tset_strpad(ks, H5T_STR_NULLTERM);
	H5Tset_cset(ks, H5Tget_cset(kt));
	/* Packed memory rows: t | kind | id | value. */
	size_t off_k = 8, off_id = 8 + ksz, off_v = 16 + ksz, row = 24 + ksz;
	mt = H5Tcreate(H5T_COMPOUND, row);
	H5Tinsert(mt, "t", 0, H5T_NATIVE_DOUBLE);
	H5Tinsert(mt, "kind", off_k, ks);
	H5Tinsert(mt, "id", off_id, H5T_NATIVE_LLONG);
	H5Tinsert(mt, "value", off_v, H5T_NATIVE_DOUBLE);
	hsize_t n = 0;
	H5Sget_simple_extent_dims(sp, &n, NULL);
	if (n > H5I_MAX_VALUES || ksz > H5I_MAX_STRING) {
		if (d)
			diag_add(d, "%s: %s: an events table of %llu rows of %zu bytes is more than a "
			         "results file holds (damaged?)", f->name, path, (unsigned long long)n,
			         row);
		goto done;
	}
	e->n = (size_t)n;
	buf = calloc(n ? n : 1, row);
	e->t = malloc((n ? n : 1) * sizeof *e->t);
	e->kind = calloc(n ? n : 1, sizeof *e->kind);
	e->id = malloc((n ? n : 1) * sizeof *e->id);
	e->value = malloc((n ? n : 1) * sizeof *e->value);
	if (!buf || !e->t || !e->kind || !e->id || !e->value) {
		st = SIM_ENOMEM;
		goto done;
	}
	if (n && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
		char m[256];
		h5i_errmsg(m, sizeof m);
		if (vlen) /* kinds read before the failure (the rest are NULL) */
			for (size_t i = 0; i < n; i++) {
				char *k;
				memcpy(&k, buf + i * row + off_k, sizeof k);
				H5free_memory(k);
			}
		if (d)
			diag_add(d, "%s: cannot read '%s': %s", f->name, path, m);
		st = SIM_EINVAL; /* damaged, as in h5i_read */
		goto done;
	}
	st = SIM_OK;
	for (size_t i = 0; i < n; i++) {
		unsigned char *r = buf + i * row;
		memcpy(&e->t[i], r, 8);
		memcpy(&e->id[i], r + off_id, 8);
		memcpy(&e->value[i], r + off_v, 8);
		const char *k;
		if (vlen)
			memcpy(&k, r + off_k, sizeof k);
		else
			k = (const char *)r + off_k;
		if (!(e->kind[i] = strdup(k ? k : "")))
			st = SIM_ENOMEM;
	}
	if (vlen && n)
		H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf);
done:
	if (st != SIM_OK)
		h5i_events_release(e);
	free(buf);
	if (mt >= 0)
		H5Tclose(mt);
	if (ks >= 0)
		H5Tclose(ks);
	if (kt >= 0)
		H5Tclose(kt);
	if (sp >= 0)
		H5Sclose(sp);
	if (ft >= 0)
		H5Tclose(ft);
	H5Dclose(ds);
	H5Eclear2(H5E_DEFAULT);
	return st;
}
