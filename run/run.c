/* run.c — `dais run`: load, parse, replicate in parallel, write, summarise. */
#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "h5/h5i.h"
#include "h5/h5o.h"
#include "analysis/summary.h"
#include "sim/file.h"
#include "sim/model.h"
#include "sim/rec.h"
#include "sim/sim.h"
#include "analysis/stats.h"

/* ------------------------------------------------------------- signals */

static void on_signal(int sig)
{
	if (sim_interrupted) {  /* second signal: leave at once, but leave nothing */
		file_tmp_remove_all();
		signal(sig, SIG_DFL);
		raise(sig);
	}
	sim_interrupted = 1;
}

void run_install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* ------------------------------------------------------------ progress */

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* About progress: each replication reports the fraction of its horizon done;
 * the bar shows the mean over replications.  Only stderr on a terminal. */
struct progress {
	int on;
	int nrep;
	double *frac;       /* (nrep,) */
	uint64_t *events;   /* (nrep,) */
	double t0, last;
};

static void progress_draw(struct progress *p, int final)
{
	double sum = 0;
	uint64_t ev = 0;
	for (int i = 0; i < p->nrep; i++) {
		sum += p->frac[i];
		ev += p->events[i];
	}
	double f = sum / p->nrep, el = wall() - p->t0;
	int w = 30, k = (int)(f * w + 0.5);
	char bar[64];
	for (int i = 0; i < w; i++)
		bar[i] = i < k ? '#' : '.';
	bar[w] = '\0';
	double eta = f > 0.001 ? el * (1 - f) / f : NAN;
	fprintf(stderr, "\r[%s] %5.1f%%  %.3g events/s  elapsed %.0fs  eta %s%.0fs ", bar,
	        100 * f, el > 0 ? ev / el : 0.0, el, isnan(eta) ? "~" : "", isnan(eta) ? 0 : eta);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

static void progress_cb(void *ctx, int rep, double frac, uint64_t events)
{
	struct progress *p = ctx;
	p->frac[rep] = frac;
	p->events[rep] = events;
	double now = wall();
	if (now - p->last < 0.25)
		return;
#pragma omp critical(dais_progress)
	{
		if (now - p->last >= 0.25) {
			p->last = now;
			progress_draw(p, 0);
		}
	}
}

/* ------------------------------------------------------- packed recorders */

/* About the packed form: "DAISREC1", then the recorder field by field
 * (u32 lengths and counts, u64 sizes, IEEE doubles, all little-endian as the
 * machine writes them: the parts are read back by the same build), then the
 * FNV-1a 64 of everything before it. */
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
		int named = rec_series_colname(r, i, 0) != NULL;
		put_u32(&b, (uint32_t)named);
		for (int c = 0; named && c < nc; c++)
			put_str(&b, rec_series_colname(r, i, c));
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
		char **cols = NULL;
		if (!r.bad && (nc < 1 || nc > len || named > 1))
			r.bad = 1;
		if (!r.bad && named) {
			cols = calloc(nc, sizeof *cols);
			if (!cols)
				r.bad = 1;
			for (uint32_t c = 0; c < nc && !r.bad; c++)
				cols[c] = get_str(&r);
		}
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

/* ------------------------------------------------------ the parts directory */

/* Removes what a directory of parts holds; the directory itself when rmdir. */
static void parts_clear(const char *dir, int rm)
{
	DIR *dd = opendir(dir);
	if (dd) {
		struct dirent *e;
		size_t len = strlen(dir) + 300;
		char *p = malloc(len);
		while (p && (e = readdir(dd))) {
			if (strncmp(e->d_name, "rep_", 4) && strncmp(e->d_name, "manifest", 8))
				continue;
			snprintf(p, len, "%s/%s", dir, e->d_name);
			unlink(p);
		}
		free(p);
		closedir(dd);
	}
	if (rm)
		rmdir(dir);
}

/* -------------------------------------------------------------- writing */

/* Replications finish in any order; whoever finds the next one in index
 * order ready writes it (and any that follow), so the file is laid out the
 * same whatever the thread or rank count, and memory holds only what waits. */
struct run_out {
	h5o *o;
	const scn *s;
	char *parts;       /* "<out>.parts" */
	char *hash;        /* of the resolved scenario */
	rec **done;        /* (nrep,) finished, not yet written */
	unsigned char *saved; /* (nrep,) in the parts directory */
	int nsaved;
	int next;
	int nrep;
	int ondisk;        /* replications of ours in the parts directory */
	int owns;          /* the parts directory is ours (checked or created) */
	sim_status st;
	/* per replication scalars, for the summary printed at the end */
	int nscal;
	char **sname, **sunits;
	double *sval;      /* (nrep, nscal) */
};

/* A parts file or the manifest, whole; NULL when it cannot be read (then the
 * replication counts as missing: no message). */
static unsigned char *read_part(const char *path, size_t *n)
{
	char *text;
	if (file_read(path, SIZE_MAX / 4, &text, n, NULL))
		return NULL;
	return (unsigned char *)text;
}

static char *part_path(const run_out *w, int rep)
{
	size_t len = strlen(w->parts) + 32;
	char *p = malloc(len);
	if (p)
		snprintf(p, len, "%s/rep_%04d.rec", w->parts, rep);
	return p;
}

static rec *part_load(const run_out *w, int rep)
{
	char *p = part_path(w, rep);
	size_t n = 0;
	unsigned char *b = p ? read_part(p, &n) : NULL;
	rec *r = b ? run_rec_unpack(b, n) : NULL;
	free(b);
	free(p);
	return r;
}

static void keep_scalars(run_out *w, int rep, const rec *r)
{
	if (!w->sname) {
		w->nscal = rec_nscalars(r);
		w->sname = calloc((size_t)w->nscal + 1, sizeof *w->sname);
		w->sunits = calloc((size_t)w->nscal + 1, sizeof *w->sunits);
		w->sval = malloc(((size_t)w->nscal + 1) * (size_t)w->nrep * sizeof *w->sval);
		if (!w->sname || !w->sunits || !w->sval)
			w->nscal = 0;
		for (int i = 0; i < w->nscal; i++) {
			w->sname[i] = strdup(rec_scalar_name(r, i));
			w->sunits[i] = strdup(rec_scalar_units(r, i));
		}
	}
	for (int i = 0; i < w->nscal; i++)
		w->sval[(size_t)rep * w->nscal + i] =
			i < rec_nscalars(r) ? rec_scalar_value(r, i) : NAN;
}

static void writer_flush(run_out *w, sim_diag *d)
{
	while (w->next < w->nrep && (w->done[w->next] || w->saved[w->next])) {
		rec *r = w->done[w->next];
		if (!r) {
			r = part_load(w, w->next);
			if (!r) {
				if (w->st == SIM_OK) {
					diag_add(d, "%s/rep_%04d.rec: cannot read back a saved replication",
					         w->parts, w->next);
					w->st = SIM_EIO;
				}
				return;
			}
		}
		if (w->st == SIM_OK)
			w->st = h5o_write_rep(w->o, w->next, r, d);
		keep_scalars(w, w->next, r);
		rec_free(r);
		w->done[w->next] = NULL;
		w->next++;
	}
}

void run_out_print_summary(const run_out *w, FILE *f)
{
	if (!w || !w->nscal)
		return;
	double *x = malloc(2 * (size_t)w->nrep * sizeof *x);
	if (!x)
		return;
	for (int i = 0; i < w->nscal; i++) {
		for (int r = 0; r < w->nrep; r++)
			x[r] = w->sval[(size_t)r * w->nscal + i];
		struct stats_summary s;
		stats_summary_work(x, (size_t)w->nrep, x + w->nrep, &s);
		if (s.n_finite == 0)
			fprintf(f, "  %-32s NaN (in all %d replications)\n", w->sname[i], w->nrep);
		else if (s.n_finite == 1)
			fprintf(f, "  %-32s %.6g %s\n", w->sname[i], s.mean, w->sunits[i]);
		else
			fprintf(f, "  %-32s %.6g %s  (95%% CI %.6g .. %.6g%s)\n", w->sname[i], s.mean,
			        w->sunits[i], s.ci95_lo, s.ci95_hi,
			        s.n_finite < (size_t)w->nrep ? ", NaN in some replications" : "");
	}
	free(x);
}

/* ---------------------------------------------------------------- running */

/* h5o_create already stored the build and host provenance; this adds what
 * belongs to the run: the resolved scenario, its seed and replications. */
static sim_status write_provenance(h5o *o, const scn *s, uint64_t seed, int nrep, int threads)
{
	char *json = scn_to_json(s);
	sim_status st = json ? SIM_OK : SIM_ENOMEM;
	if (st == SIM_OK)
		st = h5o_attr_str(o, "scenario_json", json);
	if (st == SIM_OK)
		st = h5o_attr_str(o, "scenario_path", scn_path(s));
	if (st == SIM_OK)
		st = h5o_attr_str(o, "model", scn_str(s, "model"));
	if (st == SIM_OK)
		st = h5o_attr_u64(o, "master_seed", seed);
	if (st == SIM_OK)
		st = h5o_attr_num(o, "replications", nrep);
	if (st == SIM_OK)
		st = h5o_attr_num(o, "threads", threads);
	free(json);
	return st;
}

/* Removes "<out>.tmp.<pid>" files of processes that died (SIGKILL). */
static void remove_stale_tmp(const char *out)
{
	char *dir = strdup(out);
	if (!dir)
		return;
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : out;
	if (slash)
		*slash = '\0';
	file_remove_stale_tmp(slash ? (*dir ? dir : "/") : ".", base);
	free(dir);
}


/* Reads the manifest: 1 when it names hash and nrep. */
static int manifest_matches(const char *parts, const char *hash, int nrep, char *found, size_t nfound)
{
	size_t len = strlen(parts) + 16;
	char *p = malloc(len);
	if (!p)
		return 0;
	snprintf(p, len, "%s/manifest", parts);
	size_t n = 0;
	char *text = (char *)read_part(p, &n); /* NUL-terminated */
	free(p);
	snprintf(found, nfound, "none");
	if (!text)
		return 0;
	char h[64] = "";
	int r = -1;
	int ok = sscanf(text, "dais-parts 1\nscenario_hash %63s\nreplications %d", h, &r) == 2;
	if (ok)
		snprintf(found, nfound, "%s", h);
	free(text);
	return ok && !strcmp(h, hash) && r == nrep;
}

sim_status run_out_open(const scn *s, const char *out, int resume, int threads,
                        run_out **wp, sim_diag *d)
{
	*wp = NULL;
	run_out *w = calloc(1, sizeof *w);
	if (!w)
		return SIM_ENOMEM;
	sim_status st = SIM_OK;
	char *json = scn_to_json(s);
	w->s = s;
	w->nrep = (int)scn_int(s, "replications");
	w->done = calloc((size_t)w->nrep, sizeof *w->done);
	w->saved = calloc((size_t)w->nrep, 1);
	w->parts = malloc(strlen(out) + 8);
	w->hash = malloc(17);
	if (!json || !w->done || !w->saved || !w->parts || !w->hash) {
		st = SIM_ENOMEM;
		goto fail;
	}
	sprintf(w->parts, "%s.parts", out);
	run_hash_hex(json, w->hash);
	if (resume)
		remove_stale_tmp(out);
	w->o = h5o_create(out, d);
	if (!w->o) {
		st = SIM_EIO;
		goto fail;
	}
	st = write_provenance(w->o, s, (uint64_t)scn_int(s, "seed"), w->nrep, threads);
	if (st != SIM_OK) {
		diag_add(d, "%s: cannot write provenance: %s", out, sim_strerror(st));
		goto fail;
	}
	struct stat sb;
	int exists = stat(w->parts, &sb) == 0;
	if (exists && !S_ISDIR(sb.st_mode)) {
		diag_add(d, "%s: exists and is not a directory (remove it)", w->parts);
		st = SIM_EIO;
		goto fail;
	}
	char found[64];
	if (resume && exists && manifest_matches(w->parts, w->hash, w->nrep, found, sizeof found)) {
		DIR *dd = opendir(w->parts);
		struct dirent *e;
		while (dd && (e = readdir(dd))) {
			int rep;
			char tail[8];
			if (sscanf(e->d_name, "rep_%d.re%7s", &rep, tail) == 2 && !strcmp(tail, "c") &&
			    rep >= 0 && rep < w->nrep) {
				rec *r = part_load(w, rep);
				if (r && !w->saved[rep]) {
					w->saved[rep] = 1;
					w->nsaved++;
				}
				rec_free(r);
			} else if (!strncmp(e->d_name, "rep_", 4) && strstr(e->d_name, ".tmp.")) {
				char p[PATH_MAX];
				snprintf(p, sizeof p, "%s/%s", w->parts, e->d_name);
				unlink(p);
			}
		}
		if (dd)
			closedir(dd);
		w->ondisk = w->nsaved;
		w->owns = 1;
	} else if (resume && exists && strcmp(found, "none")) {
		diag_add(d, "%s: the saved replications belong to another scenario (hash %s, this "
		            "one %s); run without --resume to start over", w->parts, found, w->hash);
		st = SIM_EINVAL;
		goto fail;
	} else {
		if (exists)
			parts_clear(w->parts, 0);
		else if (mkdir(w->parts, 0777) != 0) {
			diag_add(d, "%s: cannot create: %s", w->parts, strerror(errno));
			st = SIM_EIO;
			goto fail;
		}
		w->owns = 1;
		char man[128];
		int n = snprintf(man, sizeof man, "dais-parts 1\nscenario_hash %s\nreplications %d\n",
		                 w->hash, w->nrep);
		size_t plen = strlen(w->parts) + 16;
		char *mp = malloc(plen);
		if (!mp) {
			st = SIM_ENOMEM;
			goto fail;
		}
		snprintf(mp, plen, "%s/manifest", w->parts);
		st = file_write_atomic(mp, man, (size_t)n, d);
		free(mp);
		if (st != SIM_OK)
			goto fail;
	}
	free(json);
	writer_flush(w, d);
	*wp = w;
	return w->st;
fail:
	free(json);
	run_out_free(w);
	return st;
}

int run_out_nrep(const run_out *w) { return w->nrep; }
int run_out_saved(const run_out *w, int rep) { return w->saved[rep]; }
int run_out_nsaved(const run_out *w) { return w->nsaved; }

sim_status run_out_put(run_out *w, int rep, rec *r, sim_diag *d)
{
	SIM_ASSERT(rep >= 0 && rep < w->nrep);
	if (w->saved[rep]) { /* twice: keep the first, count once */
		rec_free(r);
		return w->st;
	}
	unsigned char *b = NULL;
	size_t n = 0;
	sim_status st = run_rec_pack(r, &b, &n);
	char *p = st == SIM_OK ? part_path(w, rep) : NULL;
	if (st == SIM_OK && !p)
		st = SIM_ENOMEM;
	if (st == SIM_OK)
		st = file_write_atomic(p, b, n, d);
	free(p);
	free(b);
	if (st != SIM_OK) {
		rec_free(r);
		if (w->st == SIM_OK)
			w->st = st;
		return st;
	}
	w->ondisk++;
	w->saved[rep] = 1;
	w->nsaved++;
	w->done[rep] = r;
	writer_flush(w, d);
	return w->st;
}

sim_status run_out_commit(run_out *w, sim_diag *d)
{
	writer_flush(w, d);
	sim_status st = w->st;
	if (st == SIM_OK && w->next < w->nrep) {
		diag_add(d, "%s: replication %d is missing", h5o_path(w->o), w->next);
		st = SIM_EINTERNAL;
	}
	if (st == SIM_OK)
		st = summary_write(w->o, d);
	if (st == SIM_OK)
		st = h5o_commit(w->o, d);
	if (st == SIM_OK) {
		parts_clear(w->parts, 1);
		w->ondisk = 0;
	}
	w->st = st;
	return st;
}

void run_out_free(run_out *w)
{
	if (!w)
		return;
	for (int i = 0; w->done && i < w->nrep; i++)
		rec_free(w->done[i]);
	h5o_free(w->o); /* removes the temporary file unless committed */
	if (w->parts && w->owns && w->ondisk == 0)
		parts_clear(w->parts, 1);
	for (int i = 0; i < w->nscal; i++) {
		free(w->sname[i]);
		free(w->sunits[i]);
	}
	free(w->sname);
	free(w->sunits);
	free(w->sval);
	free(w->done);
	free(w->saved);
	free(w->parts);
	free(w->hash);
	free(w);
}

int run_file_matches(const char *out, const scn *s)
{
	if (access(out, R_OK) != 0)
		return 0;
	h5i_quiet();
	h5i *f = h5i_open(out, NULL);
	if (!f)
		return 0;
	char *stored = NULL, *json = scn_to_json(s);
	int ok = json && h5i_attr_str(f, "/", "scenario_json", &stored, NULL) == SIM_OK &&
	         !strcmp(stored, json) && h5i_exists(f, "/summary");
	free(stored);
	free(json);
	h5i_close(f);
	return ok;
}

sim_status run_scenario(const scn *s, const struct run_opts *opt, sim_diag *d)
{
	const char *mname = scn_str(s, "model");
	const struct model_type *mt = model_type_find(opt->models, mname);
	if (!mt) {
		diag_add(d, "%s: $.model: model '%s' is not built into this dais", scn_path(s), mname);
		return SIM_EINVAL;
	}
	void *params = calloc(1, mt->params_size ? mt->params_size : 1);
	if (!params)
		return SIM_ENOMEM;
	sim_status st = mt->parse(params, s, d);
	if (st != SIM_OK) {
		if (mt->release)
			mt->release(params);
		free(params);
		return st;
	}
	uint64_t seed = (uint64_t)scn_int(s, "seed");
	int nrep = (int)scn_int(s, "replications");
	int threads = opt->threads;
#ifdef _OPENMP
	if (threads <= 0)
		threads = omp_get_max_threads();
#else
	threads = 1;
#endif
	if (threads > nrep)
		threads = nrep;

	run_out *w = NULL;
	struct progress pr = { .nrep = nrep };
	pr.frac = calloc((size_t)nrep, sizeof *pr.frac);
	pr.events = calloc((size_t)nrep, sizeof *pr.events);
	double t0 = wall();
	pr.t0 = pr.last = t0;
	pr.on = !opt->quiet && isatty(STDERR_FILENO);
	if (!pr.frac || !pr.events) {
		st = SIM_ENOMEM;
		goto out;
	}
	st = run_out_open(s, opt->out, opt->resume, threads, &w, d);
	if (st != SIM_OK)
		goto out;
	int resumed = run_out_nsaved(w);
	if (resumed && !opt->quiet)
		fprintf(stderr, "%s: resuming: %d of %d replications were saved\n", opt->out,
		        resumed, nrep);
	for (int rep = 0; rep < nrep; rep++)
		if (run_out_saved(w, rep))
			pr.frac[rep] = 1.0;
	run_install_signals();

	int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
	for (int rep = 0; rep < nrep; rep++) {
		int stop;
#pragma omp atomic read
		stop = failed;
		if (stop || sim_interrupted || run_out_saved(w, rep))
			continue;
		sim_diag rd;
		diag_init(&rd);
		struct model_ctx ctx = { .seed = seed, .rep = rep,
		                         .progress = pr.on ? progress_cb : NULL, .pctx = &pr };
		rec *r = rec_alloc("s");
		sim_status rst = r ? mt->run(params, &ctx, r, &rd) : SIM_ENOMEM;
		if (rst == SIM_OK && !rec_ok(r))
			rst = SIM_ENOMEM;
		pr.frac[rep] = 1.0;
#pragma omp critical(dais_writer)
		{
			for (int i = 0; i < rd.n; i++)
				diag_add(d, "%s", rd.msg[i]);
			if (rst != SIM_OK) {
				if (w->st == SIM_OK)
					w->st = rst;
				failed = 1;
				rec_free(r);
			} else if (run_out_put(w, rep, r, d) != SIM_OK) {
				failed = 1;
			}
		}
		diag_release(&rd);
	}
	if (pr.on)
		progress_draw(&pr, 1);
	st = w->st;
	if (st == SIM_OK && sim_interrupted)
		st = SIM_EINTR;
	if (st == SIM_OK)
		st = h5o_attr_num(w->o, "wall_time_s", wall() - t0);
	if (st == SIM_OK)
		st = run_out_commit(w, d);
	if (st == SIM_OK && !opt->quiet) {
		printf("%s: %d replication%s of '%s' in %.2f s -> %s\n", scn_path(s), nrep,
		       nrep == 1 ? "" : "s", mname, wall() - t0, opt->out);
		run_out_print_summary(w, stdout);
	}
out:
	run_out_free(w);
	free(pr.frac);
	free(pr.events);
	if (mt->release)
		mt->release(params);
	free(params);
	return st;
}
