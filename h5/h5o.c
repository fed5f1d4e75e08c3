/* h5o.c — writing results files (layout and atomicity in h5o.h).
 *
 * Every object is created with timestamps off and the file types are explicit
 * (little-endian IEEE doubles, 64-bit integers, UTF-8 strings), so the same
 * recorders give the same bytes on every machine.  HDF5 return codes are all
 * checked; HDF5's own error printing is off and our messages name the file.
 */
#include "h5o.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "sim/buildinfo.h"
#include "sim/file.h"
#include "h5i.h"

enum { OPEN, COMMITTED, ABORTED };
#define H5O_NSCALES 8

struct h5o {
	hid_t file;
	char *path;      /* the final name */
	char *tmp;       /* "<path>.tmp.<pid>" while not committed */
	int slot;        /* in the signal table, -1 when not registered */
	int state;
	int mem;         /* a scratch file in memory (h5o_create_mem): no path, no commit */
	/* dimension scales opened by h5o_put_var, kept open: reopening one by
	 * path searches its group's links one by one (compact storage) */
	char *scale_path[H5O_NSCALES];
	hid_t scale_id[H5O_NSCALES];
	struct timespec t0; /* for wall_time_s */
};

/* ---- small writers ---------------------------------------------------------
 * Each creates, writes and closes its objects; on failure it leaves an HDF5
 * message in msg and returns SIM_EIO. */

#define MSG 512

/* snprintf into a MSG buffer; through va_list because truncating a long
 * message is intended. */
static void SIM_PRINTF(2, 3) msgf(char *msg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, MSG, fmt, ap);
	va_end(ap);
}

static void h5err(char *msg, const char *what)
{
	char m[384];
	h5i_errmsg(m, sizeof m);
	msgf(msg, "%s: %s", what, m);
}

/* h5err with a formatted subject. */
static void SIM_PRINTF(2, 3) h5errf(char *msg, const char *fmt, ...)
{
	char what[MSG];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	h5err(msg, what);
}

/* The most links or attributes an object header holds before HDF5 would move
 * them to dense storage (its limit). */
#define H5O_MAX_COMPACT 65535

/* Object creation properties: no timestamps, so identical runs give identical bytes. */
static hid_t ocpl(hid_t cls)
{
	hid_t p = H5Pcreate(cls);
	if (p < 0)
		return p;
	/* Groups: links indexed by name only (the default, stated), so no
	 * creation-order index whose layout could depend on write order. */
	int group = cls == H5P_GROUP_CREATE || cls == H5P_FILE_CREATE;
	/* Links and attributes stay in the object header (compact storage) rather
	 * than moving to a fractal heap past 8 of them: headers are checksummed,
	 * heap blocks are not, and a damaged heap crashed libhdf5 1.10.8. */
	if (H5Pset_obj_track_times(p, 0) < 0 ||
	    H5Pset_attr_phase_change(p, H5O_MAX_COMPACT, H5O_MAX_COMPACT) < 0 ||
	    (group && (H5Pset_link_creation_order(p, 0) < 0 ||
	               H5Pset_link_phase_change(p, H5O_MAX_COMPACT, H5O_MAX_COMPACT) < 0))) {
		H5Pclose(p);
		return H5I_INVALID_HID;
	}
	return p;
}

/* Deflate level: measured on a baseline replication's series, level 1
 * compresses 4.35 MB to 1.90 MB in 0.14 s, level 4 to 1.84 MB in 0.22 s and
 * level 6 to 1.82 MB in 0.59 s: 1 costs 3% in size and saves a third of the
 * time (docs/benchmarks.md). */
#define H5O_DEFLATE 1

/* Dataset creation properties: no timestamps, compression, and a checksum on
 * the data.  About compression: byte shuffle, then deflate (zlib), which is
 * deterministic, so identical runs still give identical bytes.
 * About checksums: a dataset with values is chunked with the Fletcher32 filter,
 * so a flipped bit in its data is an error on reading, not a wrong number; a
 * scalar is stored compact, inside its object header, which the file format
 * of HDF5 1.10 (H5F_LIBVER_V110, set in h5o_create) checksums like every other
 * piece of metadata.  Chunks hold whole rows, at most 2^16 values, so even the
 * longest series reads in a few chunks. */
static hid_t dcpl(int rank, const hsize_t *dims, size_t row_bytes)
{
	hid_t p = ocpl(H5P_DATASET_CREATE);
	if (p < 0)
		return p;
	hsize_t cells = 1;
	for (int k = 0; k < rank; k++)
		cells *= dims[k];
	herr_t e = 0;
	if (rank == 0) {
		e = H5Pset_layout(p, H5D_COMPACT);
		if (e >= 0)     /* a minimal header: 80 bytes less a scalar, 0.5 MB in 20 reps */
			e = H5Pset_dset_no_attrs_hint(p, 1);
	} else if (cells > 0) {
		hsize_t per_row = rank > 1 ? dims[1] : 1, chunk[2] = { dims[0], per_row };
		hsize_t rows = 65536 * 8 / (row_bytes ? row_bytes : 8);
		if (chunk[0] > rows)
			chunk[0] = rows ? rows : 1;
		e = H5Pset_chunk(p, rank, chunk);
		if (e >= 0)
			e = H5Pset_shuffle(p);
		if (e >= 0)
			e = H5Pset_deflate(p, H5O_DEFLATE);
		if (e >= 0)
			e = H5Pset_fletcher32(p);
	}
	if (e < 0) {
		H5Pclose(p);
		return H5I_INVALID_HID;
	}
	return p;
}

static hid_t str_type(size_t fixed)
{
	hid_t t = H5Tcopy(H5T_C_S1);
	if (t < 0)
		return t;
	if (H5Tset_size(t, fixed ? fixed : H5T_VARIABLE) < 0 ||
	    H5Tset_cset(t, H5T_CSET_UTF8) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0) {
		H5Tclose(t);
		return H5I_INVALID_HID;
	}
	return t;
}

/* Writes attribute name on obj, replacing one of that name. */
static sim_status put_attr(hid_t obj, const char *name, hid_t ftype, hid_t mtype,
                           hid_t space, const void *buf, char *msg)
{
	hid_t a = H5I_INVALID_HID;
	htri_t ex = H5Aexists(obj, name);
	if (ex < 0 || (ex > 0 && H5Adelete(obj, name) < 0))
		goto fail;
	a = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
	if (a < 0 || H5Awrite(a, mtype, buf) < 0)
		goto fail;
	if (H5Aclose(a) < 0) {
		a = H5I_INVALID_HID;
		goto fail;
	}
	return SIM_OK;
fail:
	if (a >= 0)
		H5Aclose(a);
	h5errf(msg, "attribute '%s'", name);
	return SIM_EIO;
}

/* Strings are written fixed-length (as long as the longest, NUL-terminated):
 * they then live inside the attribute, in the checksummed object header,
 * instead of in HDF5's global heap, which carries no checksum.  h5netcdf,
 * netCDF-4 and xarray read them as text; h5py as bytes. */
static sim_status attr_strv(hid_t obj, const char *name, const char *const *v,
                            size_t n, int scalar, char *msg)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		if (v[i] && strlen(v[i]) + 1 > len)
			len = strlen(v[i]) + 1;
	char *buf = calloc(n ? n : 1, len);
	if (!buf) {
		msgf(msg, "attribute '%s': out of memory", name);
		return SIM_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (v[i])
			memcpy(buf + i * len, v[i], strlen(v[i]));
	hid_t t = str_type(len);
	hsize_t dim = n;
	hid_t sp = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL);
	sim_status st = SIM_EIO;
	if (t < 0 || sp < 0)
		h5err(msg, "string type");
	else
		st = put_attr(obj, name, t, t, sp, buf, msg);
	if (sp >= 0)
		H5Sclose(sp);
	if (t >= 0)
		H5Tclose(t);
	free(buf);
	return st;
}

static sim_status attr_str(hid_t obj, const char *name, const char *value, char *msg)
{
	const char *v[1] = { value ? value : "" };
	return attr_strv(obj, name, v, 1, 1, msg);
}

static sim_status attr_scalar(hid_t obj, const char *name, hid_t ftype, hid_t mtype,
                              const void *v, char *msg)
{
	hid_t sp = H5Screate(H5S_SCALAR);
	if (sp < 0) {
		h5err(msg, "dataspace");
		return SIM_EIO;
	}
	sim_status st = put_attr(obj, name, ftype, mtype, sp, v, msg);
	H5Sclose(sp);
	return st;
}

/* A group; nlinks, when not 0, is how many links it will hold.  About the
 * estimate: links stay in the group's object header (ocpl), which HDF5
 * otherwise regrows and re-scans at every insertion; /summary holds about
 * 2000, and sizing its header once made a 6-replication baseline run 30%
 * faster. */
static hid_t new_group_sized(hid_t parent, const char *name, size_t nlinks, char *msg)
{
	hid_t p = ocpl(H5P_GROUP_CREATE);
	if (p >= 0 && nlinks && H5Pset_est_link_info(p, nlinks > 65535 ? 65535 : (unsigned)nlinks,
	                                             24) < 0) {
		H5Pclose(p);
		p = H5I_INVALID_HID;
	}
	hid_t g = p >= 0 ? H5Gcreate2(parent, name, H5P_DEFAULT, p, H5P_DEFAULT)
	                 : H5I_INVALID_HID;
	if (p >= 0)
		H5Pclose(p);
	if (g < 0) {
		h5errf(msg, "cannot create group '%s'", name);
	}
	return g;
}

static hid_t new_group(hid_t parent, const char *name, char *msg)
{
	return new_group_sized(parent, name, 0, msg);
}

/* A float64 dataset of rank 0..2 with units and (for rank 2) columns. */
/* The attributes and dimensions of a variable, set while it is open. */
static sim_status put_meta(hid_t ds, const struct h5o_var *m, const hid_t *scales, int rank,
                           char *msg)
{
	sim_status st = SIM_OK;
	if (m && m->long_name)
		st = attr_str(ds, "long_name", m->long_name, msg);
	if (!st && m && m->cell_methods)
		st = attr_str(ds, "cell_methods", m->cell_methods, msg);
	for (int k = 0; k < rank && !st && scales; k++)
		if (scales[k] >= 0 && H5DSattach_scale(ds, scales[k], (unsigned)k) < 0) {
			h5err(msg, "cannot attach a dimension");
			st = SIM_EIO;
		}
	return st;
}

double h5o_bitround(double x, int nsb)
{
	SIM_ASSERT(nsb >= 1 && nsb <= 52);
	if (!isfinite(x) || nsb == 52)
		return x;
	uint64_t u;
	memcpy(&u, &x, sizeof u);
	int drop = 52 - nsb;
	uint64_t half = ((uint64_t)1 << (drop - 1)) - 1;
	u += half + ((u >> drop) & 1);           /* to nearest, ties to even */
	u &= ~(((uint64_t)1 << drop) - 1);
	double y;
	memcpy(&y, &u, sizeof y);
	return isfinite(y) ? y : x;
}

#define QUANT_INFO "quantization_info"

/* A compact scalar dataset parent/name of file type ftype holding *v (of
 * memory type mtype), left open for its attributes; < 0 and msg on failure. */
static hid_t put_scalar_ds(hid_t parent, const char *name, hid_t ftype, hid_t mtype,
                           const void *v, char *msg)
{
	hid_t sp = H5Screate(H5S_SCALAR), p = dcpl(0, NULL, 8), ds = H5I_INVALID_HID;
	if (sp >= 0 && p >= 0)
		ds = H5Dcreate2(parent, name, ftype, sp, H5P_DEFAULT, p, H5P_DEFAULT);
	if (ds >= 0 && H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
		H5Dclose(ds);
		ds = H5I_INVALID_HID;
	}
	if (ds < 0)
		h5err(msg, name);
	if (p >= 0)
		H5Pclose(p);
	if (sp >= 0)
		H5Sclose(sp);
	return ds;
}

/* The CF 1.12 container variable that quantized variables of a group name. */
static sim_status put_quant_info(hid_t parent, char *msg)
{
	htri_t ex = H5Lexists(parent, QUANT_INFO, H5P_DEFAULT);
	if (ex > 0)
		return SIM_OK;
	int zero = 0;
	hid_t ds = ex == 0 ? put_scalar_ds(parent, QUANT_INFO, H5T_STD_I32LE, H5T_NATIVE_INT,
	                                   &zero, msg) : H5I_INVALID_HID;
	if (ds < 0) {
		if (ex < 0)
			h5err(msg, QUANT_INFO);
		return SIM_EIO;
	}
	char impl[128];
	snprintf(impl, sizeof impl, "DAIS %s (h5o_bitround)", dais_version);
	sim_status st = attr_str(ds, "algorithm", "bitround", msg);
	if (!st)
		st = attr_str(ds, "implementation", impl, msg);
	H5Dclose(ds);
	return st;
}

static sim_status put_f64x(hid_t parent, const char *name, int rank, const size_t *dims,
                           const double *v, const char *units, const char *const *columns,
                           size_t ncolumns, const struct h5o_var *m, const hid_t *scales,
                           char *msg)
{
	sim_status st = SIM_EIO;
	hsize_t h[2] = { rank > 0 ? dims[0] : 1, rank > 1 ? dims[1] : 1 };
	double *q = NULL;
	if (m && m->nsb > 0) {
		SIM_ASSERT(m->nsb <= 52);
		size_t n = (size_t)(h[0] * h[1]);
		if (!(q = malloc((n ? n : 1) * sizeof *q))) {
			snprintf(msg, MSG, "out of memory for dataset '%s'", name);
			return SIM_ENOMEM;
		}
		for (size_t i = 0; i < n; i++)
			q[i] = h5o_bitround(v[i], m->nsb);
		v = q;
	}
	hid_t sp = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, h, NULL);
	hid_t p = dcpl(rank, h, 8 * h[1]);
	hid_t ds = H5I_INVALID_HID;
	if (sp < 0 || p < 0)
		goto fail;
	ds = H5Dcreate2(parent, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, p, H5P_DEFAULT);
	if (ds < 0)
		goto fail;
	if (h[0] * h[1] > 0 &&
	    H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
		goto fail;
	if ((st = attr_str(ds, "units", units, msg)))
		goto done;
	if (columns && (st = attr_strv(ds, "columns", columns, ncolumns, 0, msg)))
		goto done;
	if (q) {
		int nsb = m->nsb;
		if ((st = attr_str(ds, "quantization", QUANT_INFO, msg)) ||
		    (st = attr_scalar(ds, "quantization_nsb", H5T_STD_I32LE, H5T_NATIVE_INT, &nsb,
		                      msg)) ||
		    (st = put_quant_info(parent, msg)))
			goto done;
	}
	st = put_meta(ds, m, scales, rank, msg);
	goto done;
fail:
	h5errf(msg, "cannot write dataset '%s'", name);
	st = SIM_EIO;
done:
	free(q);
	if (ds >= 0 && H5Dclose(ds) < 0 && st == SIM_OK) {
		h5errf(msg, "cannot write dataset '%s'", name);
		st = SIM_EIO;
	}
	if (p >= 0)
		H5Pclose(p);
	if (sp >= 0)
		H5Sclose(sp);
	return st;
}

static sim_status put_f64(hid_t parent, const char *name, int rank, const size_t *dims,
                          const double *v, const char *units,
                          const char *const *columns, size_t ncolumns, char *msg)
{
	return put_f64x(parent, name, rank, dims, v, units, columns, ncolumns, NULL, NULL, msg);
}

static sim_status put_i64(hid_t parent, const char *name, long long v, const char *units,
                          const struct h5o_var *m, char *msg)
{
	hid_t ds = put_scalar_ds(parent, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, &v, msg);
	if (ds < 0)
		return SIM_EIO;
	sim_status st = attr_str(ds, "units", units, msg);
	if (!st)
		st = put_meta(ds, m, NULL, 0, msg);
	H5Dclose(ds);
	return st;
}

/* ---- netCDF-4 dimensions ----------------------------------------------------
 * About dimensions: a netCDF-4 file is an HDF5 file whose dimensions are
 * dimension scales (H5DS): a 1-D dataset marked as the scale of a dimension
 * (its coordinate variable: time, chain, ...) and attached to every axis it
 * labels.  xarray, netCDF-4 and h5netcdf then read names, not phony_dim_N. */

/* A 1-D coordinate of n labels: UTF-8 strings of variable length (netCDF-4
 * reads fixed-length string datasets wrongly), or with labels NULL the
 * indices 0..n-1 as int64.  Compact layout: the references sit in the
 * checksummed object header. */
static sim_status put_labels(hid_t parent, const char *name, const char *const *labels,
                             size_t n, char *msg)
{
	sim_status st = SIM_EIO;
	hsize_t dim = n;
	hid_t sp = H5Screate_simple(1, &dim, NULL), p = ocpl(H5P_DATASET_CREATE);
	hid_t t = labels ? str_type(0) : H5T_STD_I64LE, ds = H5I_INVALID_HID;
	long long *idx = labels ? NULL : malloc((n ? n : 1) * sizeof *idx);
	if (sp < 0 || p < 0 || t < 0 || (!labels && !idx) || H5Pset_layout(p, H5D_COMPACT) < 0)
		goto done;
	for (size_t i = 0; !labels && i < n; i++)
		idx[i] = (long long)i;
	ds = H5Dcreate2(parent, name, t, sp, H5P_DEFAULT, p, H5P_DEFAULT);
	if (ds < 0 || (n && H5Dwrite(ds, labels ? t : H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL,
	                             H5P_DEFAULT, labels ? (const void *)labels : idx) < 0))
		goto done;
	st = SIM_OK;
done:
	if (st)
		h5errf(msg, "cannot write coordinate '%s'", name);
	if (ds >= 0 && H5Dclose(ds) < 0 && st == SIM_OK) {
		h5errf(msg, "cannot write coordinate '%s'", name);
		st = SIM_EIO;
	}
	if (labels && t >= 0)
		H5Tclose(t);
	if (p >= 0)
		H5Pclose(p);
	if (sp >= 0)
		H5Sclose(sp);
	free(idx);
	return st;
}

/* Marks dataset parent/name as the scale of the dimension of that name. */
static sim_status make_scale(hid_t parent, const char *name, char *msg)
{
	hid_t ds = H5Dopen2(parent, name, H5P_DEFAULT);
	sim_status st = ds >= 0 && H5DSset_scale(ds, name) >= 0 ? SIM_OK : SIM_EIO;
	if (st)
		h5errf(msg, "cannot make '%s' a dimension", name);
	if (ds >= 0)
		H5Dclose(ds);
	return st;
}

/* Attaches the scale parent/scale to axis k of dataset parent/name. */
static sim_status attach(hid_t parent, const char *name, unsigned k, const char *scale,
                         char *msg)
{
	hid_t ds = H5Dopen2(parent, name, H5P_DEFAULT);
	hid_t sc = ds >= 0 ? H5Dopen2(parent, scale, H5P_DEFAULT) : H5I_INVALID_HID;
	sim_status st = sc >= 0 && H5DSattach_scale(ds, sc, k) >= 0 ? SIM_OK : SIM_EIO;
	if (st)
		h5errf(msg, "cannot attach dimension '%s' to '%s'", scale, name);
	if (sc >= 0)
		H5Dclose(sc);
	if (ds >= 0)
		H5Dclose(ds);
	return st;
}

/* "nodes_by_class" -> "nodes by class": the long_name netCDF tools show. */
static sim_status put_long_name(hid_t parent, const char *name, char *msg)
{
	char ln[256];
	snprintf(ln, sizeof ln, "%s", name);
	for (char *c = ln; *c; c++)
		if (*c == '_')
			*c = ' ';
	hid_t ds = H5Oopen(parent, name, H5P_DEFAULT);
	if (ds < 0) {
		h5errf(msg, "cannot open '%s'", name);
		return SIM_EIO;
	}
	sim_status st = attr_str(ds, "long_name", ln, msg);
	H5Oclose(ds);
	return st;
}

/* The time coordinate of a group: float64 (n,), units; CF calendar when the
 * units name an epoch ("days since 2024-01-01"), so xarray decodes dates. */
static sim_status put_time(hid_t parent, size_t n, const double *t, const char *units,
                           char *msg)
{
	sim_status st = put_f64(parent, "time", 1, &n, t, units, NULL, 0, msg);
	hid_t ds = st ? H5I_INVALID_HID : H5Oopen(parent, "time", H5P_DEFAULT);
	if (!st && ds < 0) {
		h5err(msg, "cannot open 'time'");
		st = SIM_EIO;
	}
	if (!st)
		st = attr_str(ds, "long_name", "time", msg);
	if (!st)
		st = attr_str(ds, "standard_name", "time", msg);
	if (!st && strstr(units, " since "))
		st = attr_str(ds, "calendar", "standard", msg);
	if (ds >= 0)
		H5Oclose(ds);
	return st ? st : make_scale(parent, "time", msg);
}

/* The events table: compound (t float64, kind string, id int64, value float64).
 * kind is a fixed-length string as long as the longest kind, so rows are
 * plain bytes (no heap references) and identical runs give identical bytes. */
static sim_status put_events(hid_t parent, const rec *r, char *msg)
{
	size_t n = rec_nevents(r), klen = 1;
	for (size_t i = 0; i < n; i++) {
		const char *k;
		rec_event_get(r, i, NULL, &k, NULL, NULL);
		if (strlen(k) + 1 > klen)
			klen = strlen(k) + 1;
	}
	sim_status st = SIM_EIO;
	size_t row = 24 + klen;
	hid_t ks = str_type(klen), ft = H5I_INVALID_HID, mt = H5I_INVALID_HID;
	hid_t sp = H5I_INVALID_HID, p = H5I_INVALID_HID, ds = H5I_INVALID_HID;
	unsigned char *buf = calloc(n ? n : 1, row);
	if (!buf) {
		msgf(msg, "events: out of memory");
		return SIM_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		double t, v;
		const char *k;
		long long id;
		rec_event_get(r, i, &t, &k, &id, &v);
		unsigned char *b = buf + i * row;
		memcpy(b, &t, 8);
		memcpy(b + 8, k, strlen(k));
		memcpy(b + 8 + klen, &id, 8);
		memcpy(b + 16 + klen, &v, 8);
	}
	if (ks < 0)
		goto fail;
	ft = H5Tcreate(H5T_COMPOUND, row);
	mt = H5Tcreate(H5T_COMPOUND, row);
	if (ft < 0 || mt < 0 ||
	    H5Tinsert(ft, "t", 0, H5T_IEEE_F64LE) < 0 ||
	    H5Tinsert(ft, "kind", 8, ks) < 0 ||
	    H5Tinsert(ft, "id", 8 + klen, H5T_STD_I64LE) < 0 ||
	    H5Tinsert(ft, "value", 16 + klen, H5T_IEEE_F64LE) < 0 ||
	    H5Tinsert(mt, "t", 0, H5T_NATIVE_DOUBLE) < 0 ||
	    H5Tinsert(mt, "kind", 8, ks) < 0 ||
	    H5Tinsert(mt, "id", 8 + klen, H5T_NATIVE_LLONG) < 0 ||
	    H5Tinsert(mt, "value", 16 + klen, H5T_NATIVE_DOUBLE) < 0)
		goto fail;
	hsize_t dim = n;
	sp = H5Screate_simple(1, &dim, NULL);
	p = dcpl(1, &dim, row);
	if (sp < 0 || p < 0)
		goto fail;
	ds = H5Dcreate2(parent, "events", ft, sp, H5P_DEFAULT, p, H5P_DEFAULT);
	if (ds < 0 || (n && H5Dwrite(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0))
		goto fail;
	st = attr_str(ds, "units", rec_t_units(r), msg); /* of t and of nothing else */
	goto done;
fail:
	h5err(msg, "cannot write dataset 'events'");
done:
	if (ds >= 0)
		H5Dclose(ds);
	if (p >= 0)
		H5Pclose(p);
	if (sp >= 0)
		H5Sclose(sp);
	if (mt >= 0)
		H5Tclose(mt);
	if (ft >= 0)
		H5Tclose(ft);
	if (ks >= 0)
		H5Tclose(ks);
	free(buf);
	return st;
}

/* ---- create --------------------------------------------------------------- */

static void utc_now(char *buf, size_t len)
{
	/* SOURCE_DATE_EPOCH (reproducible-builds.org) pins the date for golden files. */
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t;
	if (sde && *sde) {
		t = (time_t)strtoll(sde, NULL, 10);
	} else {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		t = ts.tv_sec;
	}
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

h5o *h5o_create(const char *path, sim_diag *d)
{
	h5i_quiet();
	char msg[MSG] = "";
	hid_t fcpl = H5I_INVALID_HID, fapl = H5I_INVALID_HID;
	h5o *o = calloc(1, sizeof *o);
	if (!o)
		goto oom;
	o->file = H5I_INVALID_HID;
	o->slot = -1;
	o->state = ABORTED; /* until the temporary file exists */
	o->path = strdup(path);
	if (!o->path || asprintf(&o->tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
		o->tmp = NULL;
		goto oom;
	}
	if (file_target(path, d))
		goto fail;
	/* Create the file ourselves first: the system error is clearer than HDF5's. */
	int fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		diag_add(d, "%s: cannot create '%s': %s", path, o->tmp, strerror(errno));
		goto fail;
	}
	close(fd);
	o->state = OPEN;
	o->slot = file_tmp_register(o->tmp);
	clock_gettime(CLOCK_MONOTONIC, &o->t0);

	fcpl = ocpl(H5P_FILE_CREATE); /* the root group's timestamps too */
	fapl = H5Pcreate(H5P_FILE_ACCESS);
	/* The 1.10 file format checksums every piece of metadata (superblock,
	 * object headers, chunk indexes, heaps), so damage is detected, not parsed;
	 * h5py, netCDF-4 and xarray built on HDF5 >= 1.10 read it. */
	if (fcpl < 0 || fapl < 0 || H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0 ||
	    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST) < 0) {
		h5err(msg, "property lists");
		goto fail_msg;
	}
	o->file = H5Fcreate(o->tmp, H5F_ACC_TRUNC, fcpl, fapl);
	if (o->file < 0) {
		h5err(msg, "cannot create HDF5 file");
		goto fail_msg;
	}
	char host[256] = "unknown", created[64];
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = 0;
	utc_now(created, sizeof created);
	if (attr_str(o->file, "dais_version", dais_version, msg) ||
	    attr_str(o->file, "compiler", dais_compiler, msg) ||
	    attr_str(o->file, "cflags", dais_cflags, msg) ||
	    attr_str(o->file, "host", host, msg) ||
	    attr_str(o->file, "created", created, msg))
		goto fail_msg;
	H5Pclose(fcpl);
	H5Pclose(fapl);
	return o;
oom:
	diag_add(d, "%s: out of memory", path);
	goto fail;
fail_msg:
	diag_add(d, "%s: %s", path, msg);
fail:
	if (fcpl >= 0)
		H5Pclose(fcpl);
	if (fapl >= 0)
		H5Pclose(fapl);
	h5o_free(o);
	return NULL;
}

h5o *h5o_create_mem(const char *name, sim_diag *d)
{
	h5i_quiet();
	char msg[MSG] = "";
	h5o *o = calloc(1, sizeof *o);
	hid_t fcpl = ocpl(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
	if (!o || !(o->path = strdup(name))) {
		diag_add(d, "%s: out of memory", name);
		goto fail;
	}
	o->file = H5I_INVALID_HID;
	o->slot = -1;
	o->mem = 1;
	o->state = OPEN;
	clock_gettime(CLOCK_MONOTONIC, &o->t0);
	/* in memory, grown 4 MiB at a time, never written to disk */
	if (fcpl < 0 || fapl < 0 || H5Pset_fapl_core(fapl, (size_t)4 << 20, 0) < 0 ||
	    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST) < 0 ||
	    (o->file = H5Fcreate(name, H5F_ACC_TRUNC, fcpl, fapl)) < 0) {
		h5err(msg, "cannot create a file in memory");
		diag_add(d, "%s: %s", name, msg);
		goto fail;
	}
	H5Pclose(fcpl);
	H5Pclose(fapl);
	return o;
fail:
	if (fcpl >= 0)
		H5Pclose(fcpl);
	if (fapl >= 0)
		H5Pclose(fapl);
	if (o)
		o->state = ABORTED;
	h5o_free(o);
	return NULL;
}

const char *h5o_path(const h5o *o) { return o->path; }
const char *h5o_tmp_path(const h5o *o) { return o->tmp; }

/* ---- root attributes ------------------------------------------------------ */

sim_status h5o_attr_str(h5o *o, const char *name, const char *value)
{
	char msg[MSG];
	SIM_ASSERT(o->state == OPEN);
	return attr_str(o->file, name, value, msg);
}

sim_status h5o_attr_num(h5o *o, const char *name, double value)
{
	char msg[MSG];
	SIM_ASSERT(o->state == OPEN);
	return attr_scalar(o->file, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, msg);
}

sim_status h5o_attr_i64(h5o *o, const char *name, long long value)
{
	char msg[MSG];
	SIM_ASSERT(o->state == OPEN);
	return attr_scalar(o->file, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, &value, msg);
}

sim_status h5o_attr_u64(h5o *o, const char *name, uint64_t value)
{
	char msg[MSG];
	SIM_ASSERT(o->state == OPEN);
	unsigned long long v = value;
	return attr_scalar(o->file, name, H5T_STD_U64LE, H5T_NATIVE_ULLONG, &v, msg);
}

/* ---- replications --------------------------------------------------------- */

/* The dimension of series i's columns: its declared name, else
 * "<series>_column" (written into buf). */
static const char *col_dim(const rec *r, int i, char *buf, size_t len)
{
	const char *dim = rec_series_dim_name(r, i);
	if (dim && rec_series_colname(r, i, 0))
		return dim;
	snprintf(buf, len, "%s_column", rec_series_name(r, i));
	return buf;
}

/* 1 when series i and j have the same column names. */
static int same_columns(const rec *r, int i, int j)
{
	int nc = rec_series_ncols(r, i);
	if (nc != rec_series_ncols(r, j) || !rec_series_colname(r, i, 0) != !rec_series_colname(r, j, 0))
		return 0;
	for (int c = 0; c < nc && rec_series_colname(r, i, 0); c++)
		if (strcmp(rec_series_colname(r, i, c), rec_series_colname(r, j, c)) != 0)
			return 0;
	return 1;
}

/* Writes the coordinate of series i's columns unless an earlier series wrote
 * it; checks that a shared
 * dimension has the same labels everywhere and names no series. */
static sim_status put_col_dim(hid_t ts, const rec *r, int i, const char *dim, char *msg)
{
	char buf[256];
	for (int j = 0; j < rec_nseries(r); j++) {
		if (!strcmp(rec_series_name(r, j), dim) || !strcmp(dim, "time")) {
			msgf(msg, "series '%s': its dimension '%s' is also the name of a series or "
			     "of the time axis", rec_series_name(r, i), dim);
			return SIM_EINVAL;
		}
	}
	for (int j = 0; j < i; j++) {
		int nc = rec_series_ncols(r, j);
		if ((nc == 1 && !rec_series_colname(r, j, 0)) || strcmp(col_dim(r, j, buf, sizeof buf), dim))
			continue;
		if (same_columns(r, i, j))
			return SIM_OK; /* written with series j */
		msgf(msg, "series '%s' and '%s' share dimension '%s' but not its column names",
		     rec_series_name(r, j), rec_series_name(r, i), dim);
		return SIM_EINVAL;
	}
	int nc = rec_series_ncols(r, i);
	const char *labels[nc];
	for (int c = 0; c < nc; c++)
		labels[c] = rec_series_colname(r, i, c);
	sim_status st = put_labels(ts, dim, labels[0] ? labels : NULL, (size_t)nc, msg);
	if (!st)
		st = put_long_name(ts, dim, msg);
	return st ? st : make_scale(ts, dim, msg);
}

/* /rep_N/timeseries: the time coordinate, the column coordinates, and every
 * series with its dimensions attached (a netCDF-4 group). */
static sim_status write_series(hid_t ts, const rec *r, char *msg)
{
	size_t n = rec_nsamples(r);
	sim_status st = put_time(ts, n, rec_times(r), rec_t_units(r), msg);
	for (int i = 0; i < rec_nseries(r) && !st; i++) {
		const char *name = rec_series_name(r, i);
		int nc = rec_series_ncols(r, i);
		const char *cols[nc];
		int named = rec_series_colname(r, i, 0) != NULL;
		for (int c = 0; c < nc; c++)
			cols[c] = rec_series_colname(r, i, c);
		/* One unnamed column is a plain (n,) series; anything else is a table. */
		int rank = nc == 1 && !named ? 1 : 2;
		size_t dims[2] = { n, (size_t)nc };
		char buf[256];
		const char *dim = rank == 2 ? col_dim(r, i, buf, sizeof buf) : NULL;
		if (!strcmp(name, "time")) {
			msgf(msg, "a series may not be called 'time' (the time axis)");
			return SIM_EINVAL;
		}
		if (dim && (st = put_col_dim(ts, r, i, dim, msg)))
			break;
		if ((st = put_f64(ts, name, rank, dims, rec_series_data(r, i), rec_series_units(r, i),
		                  named ? cols : NULL, (size_t)nc, msg)) ||
		    (st = put_long_name(ts, name, msg)) || (st = attach(ts, name, 0, "time", msg)))
			break;
		if (dim)
			st = attach(ts, name, 1, dim, msg);
	}
	return st;
}

static sim_status write_rep(hid_t g, int rep, const rec *r, unsigned what, char *msg)
{
	sim_status st;
	hid_t ts = H5I_INVALID_HID, sc = H5I_INVALID_HID;
	long long repv = rep;
	for (int i = 0; i < rec_nnotes(r); i++) {
		const char *k, *v;
		rec_note_get(r, i, &k, &v);
		if ((st = attr_str(g, k, v, msg)))
			goto done;
	}
	if ((st = attr_scalar(g, "replication", H5T_STD_I64LE, H5T_NATIVE_LLONG, &repv, msg)))
		goto done;
	if (what & H5O_REP_SERIES) {
		st = SIM_EIO;
		if ((ts = new_group(g, "timeseries", msg)) < 0 || (st = write_series(ts, r, msg)))
			goto done;
	}
	if (what & H5O_REP_SCALARS) {
		st = SIM_EIO;
		if ((sc = new_group(g, "scalars", msg)) < 0)
			goto done;
		for (int i = 0; i < rec_nscalars(r); i++) {
			double v = rec_scalar_value(r, i);
			if ((st = put_f64(sc, rec_scalar_name(r, i), 0, NULL, &v, rec_scalar_units(r, i),
			                  NULL, 0, msg)))
				goto done;
		}
	}
	st = what & H5O_REP_EVENTS ? put_events(g, r, msg) : SIM_OK;
done:
	if (sc >= 0)
		H5Gclose(sc);
	if (ts >= 0)
		H5Gclose(ts);
	return st;
}

sim_status h5o_write_rep(h5o *o, int rep, const rec *r, sim_diag *d)
{
	return h5o_write_rep_parts(o, rep, r, H5O_REP_ALL, d);
}

sim_status h5o_write_rep_parts(h5o *o, int rep, const rec *r, unsigned what, sim_diag *d)
{
	SIM_ASSERT(o && o->state == OPEN && rep >= 0);
	char name[32], msg[MSG] = "";
	snprintf(name, sizeof name, "rep_%04d", rep);
	if (!rec_ok(r)) {
		diag_add(d, "%s: replication %d: the recorder ran out of memory and lost data",
		         o->path, rep);
		return SIM_ENOMEM;
	}
	htri_t ex = H5Lexists(o->file, name, H5P_DEFAULT);
	if (ex != 0) {
		H5Eclear2(H5E_DEFAULT);
		diag_add(d, "%s: replication %d written twice", o->path, rep);
		return SIM_EINVAL;
	}
	hid_t g = new_group(o->file, name, msg);
	sim_status st = g < 0 ? SIM_EIO : write_rep(g, rep, r, what, msg);
	if (g >= 0 && H5Gclose(g) < 0 && st == SIM_OK) {
		h5err(msg, "closing group");
		st = SIM_EIO;
	}
	if (st)
		diag_add(d, "%s: /%s: %s", o->path, name, msg);
	return st;
}

/* ---- derived results at a path ---------------------------------------------- */

/* Opens the object at path (a group or dataset); H5I_INVALID_HID with a message. */
static hid_t open_obj(const h5o *o, const char *path, char *msg)
{
	hid_t id = H5Oopen(o->file, path, H5P_DEFAULT);
	if (id < 0)
		h5errf(msg, "cannot open '%s'", path);
	return id;
}

/* Splits path "/a/b/name" into its parent (opened) and its last name. */
static hid_t open_parent(const h5o *o, const char *path, const char **name, char *msg)
{
	const char *slash = strrchr(path, '/');
	*name = slash ? slash + 1 : path;
	if (!slash || slash == path)
		return H5Oopen(o->file, "/", H5P_DEFAULT);
	char parent[1024];
	if ((size_t)(slash - path) >= sizeof parent) {
		msgf(msg, "path too long: '%s'", path);
		return H5I_INVALID_HID;
	}
	memcpy(parent, path, (size_t)(slash - path));
	parent[slash - path] = 0;
	return open_obj(o, parent, msg);
}

static sim_status put_done(const h5o *o, const char *path, sim_status st, const char *msg,
                           sim_diag *d)
{
	if (st)
		diag_add(d, "%s: %s: %s", o->path, path, msg[0] ? msg : sim_strerror(st));
	return st;
}

sim_status h5o_group(h5o *o, const char *path, sim_diag *d)
{
	return h5o_group_sized(o, path, 0, d);
}

sim_status h5o_group_sized(h5o *o, const char *path, size_t nlinks, sim_diag *d)
{
	SIM_ASSERT(o && o->state == OPEN);
	char msg[MSG] = "";
	const char *name;
	hid_t parent = open_parent(o, path, &name, msg);
	hid_t g = parent >= 0 ? new_group_sized(parent, name, nlinks, msg) : H5I_INVALID_HID;
	sim_status st = g >= 0 ? SIM_OK : SIM_EIO;
	if (g >= 0 && H5Gclose(g) < 0) {
		h5errf(msg, "closing group '%s'", path);
		st = SIM_EIO;
	}
	if (parent >= 0)
		H5Oclose(parent);
	return put_done(o, path, st, msg, d);
}

sim_status h5o_put_f64(h5o *o, const char *path, int rank, const size_t *dims,
                       const double *v, const char *units, const char *const *columns,
                       size_t ncolumns, sim_diag *d)
{
	return h5o_put_var(o, path, rank, dims, v, units, columns, ncolumns, NULL, d);
}

/* The scale at path, opened once and kept (closed by h5o_abort). */
static hid_t scale_open(h5o *o, const char *path, char *msg)
{
	int k;
	for (k = 0; k < H5O_NSCALES && o->scale_path[k]; k++)
		if (!strcmp(o->scale_path[k], path))
			return o->scale_id[k];
	hid_t id = H5Dopen2(o->file, path, H5P_DEFAULT);
	if (id < 0) {
		h5errf(msg, "no dimension '%s'", path);
		return id;
	}
	if (k == H5O_NSCALES) { /* full: forget the oldest */
		H5Dclose(o->scale_id[0]);
		free(o->scale_path[0]);
		memmove(o->scale_path, o->scale_path + 1, (H5O_NSCALES - 1) * sizeof *o->scale_path);
		memmove(o->scale_id, o->scale_id + 1, (H5O_NSCALES - 1) * sizeof *o->scale_id);
		k = H5O_NSCALES - 1;
		o->scale_path[k] = NULL;
	}
	if (!(o->scale_path[k] = strdup(path))) {
		H5Dclose(id);
		msgf(msg, "out of memory");
		return H5I_INVALID_HID;
	}
	o->scale_id[k] = id;
	return id;
}

static void scales_close(h5o *o)
{
	for (int k = 0; k < H5O_NSCALES && o->scale_path[k]; k++) {
		H5Dclose(o->scale_id[k]);
		free(o->scale_path[k]);
		o->scale_path[k] = NULL;
	}
}

sim_status h5o_put_var(h5o *o, const char *path, int rank, const size_t *dims,
                       const double *v, const char *units, const char *const *columns,
                       size_t ncolumns, const struct h5o_var *var, sim_diag *d)
{
	SIM_ASSERT(o && o->state == OPEN && rank >= 0 && rank <= 2);
	char msg[MSG] = "";
	const char *name;
	sim_status st = SIM_EIO;
	hid_t scales[2] = { H5I_INVALID_HID, H5I_INVALID_HID };
	for (int k = 0; k < rank && var; k++)
		if (var->dims[k] && (scales[k] = scale_open(o, var->dims[k], msg)) < 0)
			return put_done(o, path, SIM_EIO, msg, d);
	hid_t parent = open_parent(o, path, &name, msg);
	if (parent >= 0) {
		st = put_f64x(parent, name, rank, dims, v, units, columns, ncolumns, var, scales, msg);
		H5Oclose(parent);
	}
	return put_done(o, path, st, msg, d);
}

sim_status h5o_put_i64(h5o *o, const char *path, long long v, const char *units,
                       const struct h5o_var *var, sim_diag *d)
{
	SIM_ASSERT(o && o->state == OPEN);
	char msg[MSG] = "";
	const char *name;
	sim_status st = SIM_EIO;
	hid_t parent = open_parent(o, path, &name, msg);
	if (parent >= 0) {
		st = put_i64(parent, name, v, units, var, msg);
		H5Oclose(parent);
	}
	return put_done(o, path, st, msg, d);
}

sim_status h5o_put_attr_str(h5o *o, const char *obj, const char *name, const char *value,
                            sim_diag *d)
{
	return h5o_put_attr_strv(o, obj, name, &value, 1, 1, d);
}

sim_status h5o_put_attr_strv(h5o *o, const char *obj, const char *name,
                             const char *const *v, size_t n, int scalar, sim_diag *d)
{
	SIM_ASSERT(o && o->state == OPEN && (!scalar || n == 1));
	char msg[MSG] = "";
	sim_status st = SIM_EIO;
	hid_t id = open_obj(o, obj, msg);
	if (id >= 0) {
		const char *one[1] = { scalar && v[0] ? v[0] : "" };
		st = attr_strv(id, name, scalar ? one : v, n, scalar, msg);
		H5Oclose(id);
	}
	return put_done(o, obj, st, msg, d);
}

sim_status h5o_put_attr_i64(h5o *o, const char *obj, const char *name, long long v,
                            sim_diag *d)
{
	SIM_ASSERT(o && o->state == OPEN);
	char msg[MSG] = "";
	sim_status st = SIM_EIO;
	hid_t id = open_obj(o, obj, msg);
	if (id >= 0) {
		st = attr_scalar(id, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, &v, msg);
		H5Oclose(id);
	}
	return put_done(o, obj, st, msg, d);
}

sim_status h5o_put_labels(h5o *o, const char *path, const char *const *labels, size_t n,
                          sim_diag *d)
{
	SIM_ASSERT(o && o->state == OPEN);
	char msg[MSG] = "";
	const char *name;
	sim_status st = SIM_EIO;
	hid_t parent = open_parent(o, path, &name, msg);
	if (parent >= 0) {
		st = put_labels(parent, name, labels, n, msg);
		H5Oclose(parent);
	}
	return put_done(o, path, st, msg, d);
}

sim_status h5o_scale(h5o *o, const char *path, sim_diag *d)
{
	SIM_ASSERT(o && o->state == OPEN);
	char msg[MSG] = "";
	const char *name;
	sim_status st = SIM_EIO;
	hid_t parent = open_parent(o, path, &name, msg);
	if (parent >= 0) {
		st = make_scale(parent, name, msg);
		H5Oclose(parent);
	}
	return put_done(o, path, st, msg, d);
}

h5i *h5o_reader(h5o *o)
{
	SIM_ASSERT(o && o->state == OPEN);
	return h5i_attach(o->file, o->path);
}

/* ---- commit / abort ------------------------------------------------------- */

sim_status h5o_commit(h5o *o, sim_diag *d)
{
	SIM_ASSERT(o && o->state == OPEN && !o->mem);
	char msg[MSG] = "";
	if (H5Aexists(o->file, "wall_time_s") == 0) {
		struct timespec t1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double w = (double)(t1.tv_sec - o->t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - o->t0.tv_nsec);
		if (attr_scalar(o->file, "wall_time_s", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &w, msg))
			goto fail_msg;
	}
	scales_close(o);
	H5Eclear2(H5E_DEFAULT);
	if (H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0) {
		h5err(msg, "cannot write");
		goto fail_msg;
	}
	herr_t e = H5Fclose(o->file);
	o->file = H5I_INVALID_HID; /* a failed close is not retried: HDF5 half-closed it */
	if (e < 0) {
		h5err(msg, "cannot close");
		goto fail_msg;
	}
	int fd = open(o->tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		diag_add(d, "%s: cannot sync '%s': %s", o->path, o->tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	close(fd);
	if (rename(o->tmp, o->path) != 0) {
		diag_add(d, "%s: cannot move '%s' into place: %s", o->path, o->tmp, strerror(errno));
		goto fail;
	}
	file_tmp_unregister(o->slot);
	o->slot = -1;
	o->state = COMMITTED;
	file_sync_dir_of(o->path);
	return SIM_OK;
fail_msg:
	diag_add(d, "%s: %s", o->path, msg);
fail:
	h5o_abort(o);
	return SIM_EIO;
}

/* About closing a discarded file: on a full disk HDF5 cannot flush its
 * metadata, so H5Fclose fails, the file stays open inside the library, and
 * HDF5 crashes trying again at exit (1.10.8).  The contents are being thrown
 * away, so the library's descriptor is pointed at an anonymous memory file
 * first: the final writes then succeed and the disk file is released. */
static void discard_close(hid_t file)
{
	void *h = NULL;
	if (H5Fget_vfd_handle(file, H5P_DEFAULT, &h) >= 0 && h) {
		int fd = *(int *)h; /* the sec2 driver's handle is its descriptor */
		int m = memfd_create("dais-h5o-discard", MFD_CLOEXEC);
		if (m >= 0) {
			if (dup2(m, fd) < 0)
				errno = 0; /* then HDF5 writes to the disk file, as before */
			close(m);
		}
	}
	H5Fclose(file);
	H5Eclear2(H5E_DEFAULT);
}

void h5o_abort(h5o *o)
{
	if (!o)
		return;
	scales_close(o);
	if (o->file >= 0) {
		if (o->mem) {
			H5Fclose(o->file);
			H5Eclear2(H5E_DEFAULT);
		} else {
			discard_close(o->file);
		}
		o->file = H5I_INVALID_HID;
	}
	if (o->state == OPEN && !o->mem) {
		unlink(o->tmp);
		o->state = ABORTED;
	}
	file_tmp_unregister(o->slot);
	o->slot = -1;
}

void h5o_free(h5o *o)
{
	if (!o)
		return;
	h5o_abort(o);
	free(o->path);
	free(o->tmp);
	free(o);
}
