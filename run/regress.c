/* regress.c — golden projections, checked by `make test`, rewritten by
 * `make regress-update`. */
#include "regress.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5/h5i.h"
#include "run.h"
#include "sim/file.h"
#include "sim/scn.h"

struct gline {
	char *text;        /* the original line (comments, blanks) */
	int is_data;
	char scenario[512];
	int reps;
	char output[128];
	double value;
	char band[32];     /* "rel:0.05" or "abs:10" */
	int band_rel;
	double band_w;
	double fresh;      /* the new value */
};

static sim_status parse_line(const char *path, int lineno, struct gline *g, sim_diag *d)
{
	char val[64], rest[8];
	int n = sscanf(g->text, "%511s %d %127s %63s %31s %7s", g->scenario, &g->reps, g->output,
	               val, g->band, rest);
	if (n != 5) {
		diag_add(d, "%s:%d: expected 'scenario replications output value band', got %d fields",
		         path, lineno, n < 0 ? 0 : n);
		return SIM_EINVAL;
	}
	if (g->reps < 1 || g->reps > 10000) {
		diag_add(d, "%s:%d: replications: expected an integer in [1, 10000], got %d", path,
		         lineno, g->reps);
		return SIM_EINVAL;
	}
	char *end;
	if (!strcasecmp(val, "nan")) {
		g->value = NAN;
	} else {
		g->value = strtod(val, &end);
		if (*end || !isfinite(g->value)) {
			diag_add(d, "%s:%d: value: expected a number or nan, got '%s'", path, lineno, val);
			return SIM_EINVAL;
		}
	}
	g->band_rel = !strncmp(g->band, "rel:", 4);
	if (!g->band_rel && strncmp(g->band, "abs:", 4)) {
		diag_add(d, "%s:%d: band: expected rel:F or abs:X, got '%s'", path, lineno, g->band);
		return SIM_EINVAL;
	}
	g->band_w = strtod(g->band + 4, &end);
	if (*end || !(g->band_w >= 0)) {
		diag_add(d, "%s:%d: band: expected a non-negative width, got '%s'", path, lineno, g->band);
		return SIM_EINVAL;
	}
	g->is_data = 1;
	return SIM_OK;
}

static int in_band(const struct gline *g)
{
	if (isnan(g->value) || isnan(g->fresh))
		return isnan(g->value) && isnan(g->fresh);
	double w = g->band_rel ? g->band_w * fabs(g->value) : g->band_w;
	return fabs(g->fresh - g->value) <= w;
}

/* Runs one scenario into a temporary file and reads the means of the
 * summary scalars that lines [i0, i1) ask for. */
static sim_status run_one(struct gline *g, int n, const char *scenario, int reps,
                          const struct regress_opts *ro, sim_diag *d)
{
	char path[1024], tmpl[] = "/tmp/dais-regress-XXXXXX", out[1100], repset[64];
	snprintf(path, sizeof path, "%s/%s", DAIS_SRCDIR, scenario);
	if (access(path, R_OK) != 0)
		snprintf(path, sizeof path, "%s", scenario);
	if (!mkdtemp(tmpl)) {
		diag_add(d, "regress: cannot make a temporary directory: %s", strerror(errno));
		return SIM_EIO;
	}
	snprintf(out, sizeof out, "%s/r.h5", tmpl);
	snprintf(repset, sizeof repset, "replications=%d", reps);
	const char *sets[] = { repset };
	scn *s = scn_load(path, sets, 1, d);
	sim_status st = s ? SIM_OK : SIM_EINVAL;
	if (st == SIM_OK) {
		struct run_opts o = { .models = ro->models, .out = out, .threads = ro->threads,
		                      .quiet = 1 };
		st = run_scenario(s, &o, d);
	}
	h5i *f = st == SIM_OK ? h5i_open(out, d) : NULL;
	for (int i = 0; f && i < n; i++) {
		if (!g[i].is_data || strcmp(g[i].scenario, scenario) || g[i].reps != reps)
			continue;
		char p[512];
		struct h5i_data x;
		snprintf(p, sizeof p, "/summary/%s_mean", g[i].output);
		if (h5i_read(f, p, &x, d) != SIM_OK) {
			g[i].fresh = NAN;
			st = SIM_EINVAL;
			continue;
		}
		g[i].fresh = x.n ? x.v[0] : NAN;
		h5i_data_release(&x);
	}
	h5i_close(f);
	unlink(out);
	rmdir(tmpl);
	scn_free(s);
	return st;
}

static const char *fmt(double v, char *buf, size_t n)
{
	if (isnan(v))
		snprintf(buf, n, "nan");
	else
		snprintf(buf, n, "%.9g", v);
	return buf;
}

sim_status regress_check(const char *golden, const struct regress_opts *ro, int *n_out,
                         sim_diag *d)
{
	int update = ro->update;
	FILE *rep = ro->report;
	*n_out = 0;
	FILE *f = fopen(golden, "r");
	if (!f) {
		diag_add(d, "%s: cannot open: %s", golden, strerror(errno));
		return SIM_EIO;
	}
	struct gline *g = NULL;
	int n = 0, cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	sim_status st = SIM_OK;
	while ((len = getline(&line, &lcap, f)) != -1) {
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			struct gline *ng = realloc(g, (size_t)cap * sizeof *g);
			if (!ng) {
				st = SIM_ENOMEM;
				break;
			}
			g = ng;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		memset(&g[n], 0, sizeof g[n]);
		g[n].text = strdup(line);
		const char *p = line + strspn(line, " \t");
		if (*p && *p != '#' && parse_line(golden, n + 1, &g[n], d) != SIM_OK)
			st = SIM_EINVAL;
		n++;
	}
	free(line);
	fclose(f);
	/* run every distinct (scenario, replications) once */
	for (int i = 0; st == SIM_OK && i < n; i++) {
		if (!g[i].is_data)
			continue;
		int seen = 0;
		for (int j = 0; j < i && !seen; j++)
			seen = g[j].is_data && !strcmp(g[j].scenario, g[i].scenario) && g[j].reps == g[i].reps;
		if (!seen)
			st = run_one(g, n, g[i].scenario, g[i].reps, ro, d);
	}
	if (st == SIM_OK) {
		char a[64], b[64];
		for (int i = 0; i < n; i++) {
			if (!g[i].is_data)
				continue;
			int ok = in_band(&g[i]);
			*n_out += !ok;
			if (update) {
				if (!ok || fmt(g[i].value, a, sizeof a) != NULL)
					if (strcmp(fmt(g[i].value, a, sizeof a), fmt(g[i].fresh, b, sizeof b)))
						fprintf(rep, "  %-36s %-34s %s -> %s\n", g[i].scenario, g[i].output, a, b);
			} else {
				fprintf(rep, "  %-4s %-36s %-34s old %-14s new %-14s band %s\n", ok ? "ok" : "OUT",
				        g[i].scenario, g[i].output, fmt(g[i].value, a, sizeof a),
				        fmt(g[i].fresh, b, sizeof b), g[i].band);
			}
		}
	}
	if (st == SIM_OK && update) {
		struct file_atomic w;
		st = file_atomic_open(&w, golden, d);
		char b[64];
		for (int i = 0; i < n && !st; i++) {
			if (g[i].is_data)
				fprintf(w.f, "%s\t%d\t%s\t%s\t%s\n", g[i].scenario, g[i].reps, g[i].output,
				        fmt(g[i].fresh, b, sizeof b), g[i].band);
			else
				fprintf(w.f, "%s\n", g[i].text);
		}
		if (!st)
			st = file_atomic_commit(&w, d);
	}
	for (int i = 0; i < n; i++)
		free(g[i].text);
	free(g);
	return st;
}
