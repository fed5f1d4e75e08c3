/* run_out.c — the results file of a run, written in replication order, and
 * the parts directory that saves each replication for --resume.  See
 * run_out.h.
 */
#include "run_out.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/stats.h"
#include "analysis/summary.h"
#include "h5/h5i.h"
#include "h5/h5o.h"
#include "sim/file.h"
#include "sim/sim.h"
#include "run_rec.h"

/* Replications finish in any order; whoever finds the next one in index
 * order ready writes it (and any that follow), so the file is laid out the
 * same whatever the thread or rank count, and memory holds only what waits. */
struct run_out {
	h5o *o;
	h5o *scratch;      /* in memory: the whole replications, when only the summary is kept */
	int keep;          /* RUN_KEEP_* */
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

/* ------------------------------------------------- the parts directory */

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

/* Resuming the same scenario: every replication whose part reads back whole
 * counts as saved; temporaries of interrupted writes are removed. */
static void parts_keep(run_out *w)
{
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
}

/* A fresh start: the directory emptied (or created), then its manifest. */
static sim_status parts_start(run_out *w, int exists, sim_diag *d)
{
	if (exists)
		parts_clear(w->parts, 0);
	else if (file_mkdir_p(w->parts, d))
		return SIM_EIO;
	w->owns = 1;
	char man[128];
	int n = snprintf(man, sizeof man, "dais-parts 1\nscenario_hash %s\nreplications %d\n",
	                 w->hash, w->nrep);
	size_t plen = strlen(w->parts) + 16;
	char *mp = malloc(plen);
	if (!mp)
		return SIM_ENOMEM;
	snprintf(mp, plen, "%s/manifest", w->parts);
	sim_status st = file_write_atomic(mp, man, (size_t)n, d);
	free(mp);
	return st;
}

/* The parts directory as the resume rules say (run_out.h). */
static sim_status parts_open(run_out *w, int resume, sim_diag *d)
{
	struct stat sb;
	int exists = stat(w->parts, &sb) == 0;
	if (exists && !S_ISDIR(sb.st_mode)) {
		diag_add(d, "%s: exists and is not a directory (remove it)", w->parts);
		return SIM_EIO;
	}
	char found[64];
	if (resume && exists && manifest_matches(w->parts, w->hash, w->nrep, found, sizeof found)) {
		parts_keep(w);
		return SIM_OK;
	}
	if (resume && exists && strcmp(found, "none")) {
		diag_add(d, "%s: the saved replications belong to another scenario (hash %s, this "
		            "one %s); run without --resume to start over", w->parts, found, w->hash);
		return SIM_EINVAL;
	}
	return parts_start(w, exists, d);
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

/* ---------------------------------------------------- the results file */

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
		st = h5o_attr_i64(o, "replications", nrep);
	if (st == SIM_OK)
		st = h5o_attr_i64(o, "threads", threads);
	free(json);
	return st;
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
		if (w->st == SIM_OK && w->next == 0) /* before any replication: see summary.h */
			w->st = summary_reserve(w->o, r, d);
		/* what is not kept goes to the scratch file, for the summary only */
		if (w->st == SIM_OK && w->scratch)
			w->st = h5o_write_rep_parts(w->scratch, w->next, r,
			                            H5O_REP_SERIES | H5O_REP_SCALARS, d);
		if (w->st == SIM_OK)
			w->st = h5o_write_rep_parts(w->o, w->next, r, w->keep == RUN_KEEP_ALL
			                            ? H5O_REP_ALL : H5O_REP_SCALARS, d);
		keep_scalars(w, w->next, r);
		rec_free(r);
		w->done[w->next] = NULL;
		w->next++;
	}
}

/* ------------------------------------------------------- the interface */

int run_keep_parse(const char *s)
{
	return !strcmp(s, "all") ? RUN_KEEP_ALL : !strcmp(s, "summary") ? RUN_KEEP_SUMMARY
	     : !strcmp(s, "scalars") ? RUN_KEEP_SCALARS : -1;
}

const char *run_keep_name(int keep)
{
	return keep == RUN_KEEP_SUMMARY ? "summary" : keep == RUN_KEEP_SCALARS ? "scalars" : "all";
}

sim_status run_out_open(const scn *s, const char *out, int resume, int threads, int keep,
                        run_out **wp, sim_diag *d)
{
	*wp = NULL;
	/* A device, a FIFO, a link or a folder at OUT is refused before anything
	 * (the parts directory included) is made beside it. */
	sim_status st = file_target(out, d);
	if (st)
		return st;
	run_out *w = calloc(1, sizeof *w);
	if (!w)
		return SIM_ENOMEM;
	char *json = scn_to_json(s);
	w->s = s;
	w->keep = keep;
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
	if (keep == RUN_KEEP_SUMMARY && !(w->scratch = h5o_create_mem(out, d))) {
		st = SIM_ENOMEM;
		goto fail;
	}
	st = write_provenance(w->o, s, (uint64_t)scn_int(s, "seed"), w->nrep, threads);
	if (st == SIM_OK)
		st = h5o_attr_str(w->o, "keep", run_keep_name(keep));
	if (st != SIM_OK) {
		diag_add(d, "%s: cannot write provenance: %s", out, sim_strerror(st));
		goto fail;
	}
	st = parts_open(w, resume, d);
	if (st != SIM_OK)
		goto fail;
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

void run_out_fail(run_out *w, sim_status st)
{
	if (w->st == SIM_OK)
		w->st = st;
}

sim_status run_out_status(const run_out *w) { return w->st; }

sim_status run_out_attr_num(run_out *w, const char *name, double v)
{
	return h5o_attr_num(w->o, name, v);
}

sim_status run_out_commit(run_out *w, sim_diag *d)
{
	writer_flush(w, d);
	sim_status st = w->st;
	if (st == SIM_OK && w->next < w->nrep) {
		diag_add(d, "%s: replication %d is missing", h5o_path(w->o), w->next);
		st = SIM_EINTERNAL;
	}
	if (st == SIM_OK) {
		h5i *src = h5o_reader(w->scratch ? w->scratch : w->o);
		st = src ? summary_write_from(w->o, src, w->keep == RUN_KEEP_SCALARS
		                              ? SUMMARY_SCALARS : SUMMARY_ALL, d) : SIM_ENOMEM;
		h5i_close(src);
		h5o_free(w->scratch); /* its memory, before the commit */
		w->scratch = NULL;
	}
	/* An interrupt during the summary still means "nothing written": the
	 * last moment to honour it is before the rename. */
	if (st == SIM_OK && sim_interrupted)
		st = SIM_EINTR;
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
	h5o_free(w->scratch);
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

void run_out_tidy(const char *out)
{
	char *parts;
	if (asprintf(&parts, "%s.parts", out) < 0)
		return;
	parts_clear(parts, 1);
	free(parts);
	remove_stale_tmp(out);
}

enum run_file run_file_check(const char *out, const scn *s)
{
	if (access(out, R_OK) != 0)
		return RUN_FILE_NONE;
	h5i_quiet();
	h5i *f = h5i_open(out, NULL);
	if (!f)
		return RUN_FILE_NONE;
	char *stored = NULL, *json = scn_to_json(s);
	enum run_file st = RUN_FILE_NONE;
	if (json && h5i_attr_str(f, "/", "scenario_json", &stored, NULL) == SIM_OK)
		st = strcmp(stored, json) ? RUN_FILE_OTHER
		   : h5i_exists(f, "/summary") && h5i_verify(f, NULL) == SIM_OK ? RUN_FILE_DONE
		   : RUN_FILE_DAMAGED;
	free(stored);
	free(json);
	h5i_close(f);
	return st;
}
