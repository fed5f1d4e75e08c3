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
static sim_status run_one(struct gline *g, int n, const char *scenario, int reps, int threads,
                          sim_diag *d)
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
		struct run_opts o = { .out = out, .threads = threads, .quiet = 1 };
		st = run_scenario(s, &o, d);
	}
	h5i *f = st == SIM_OK ? h5i_open(out, d) : NULL;
	for (int i = 0; f && i < n; i++) {
		if (!g[i].is_data || strcmp(g[i].scenario, scenario) || g[i].reps != reps)
			continue;
		char p[512];
		struct h5i_data x;
		snprintf(p, sizeof p, "/summary/scalars/%s/mean", g[i].output);
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

sim_status regress_check(const char *golden, int update, int threads, FILE *rep, int *n_out,
                         sim_diag *d)
{
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
			st = run_one(g, n, g[i].scenario, g[i].reps, threads, d);
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
		char tmp[1100];
		snprintf(tmp, sizeof tmp, "%s.tmp", golden);
		FILE *w = fopen(tmp, "w");
		if (!w) {
			diag_add(d, "%s: cannot write: %s", tmp, strerror(errno));
			st = SIM_EIO;
		} else {
			char b[64];
			for (int i = 0; i < n; i++) {
				if (g[i].is_data)
					fprintf(w, "%s\t%d\t%s\t%s\t%s\n", g[i].scenario, g[i].reps, g[i].output,
					        fmt(g[i].fresh, b, sizeof b), g[i].band);
				else
					fprintf(w, "%s\n", g[i].text);
			}
			if (fclose(w) != 0 || rename(tmp, golden) != 0) {
				diag_add(d, "%s: cannot write: %s", golden, strerror(errno));
				unlink(tmp);
				st = SIM_EIO;
			}
		}
	}
	for (int i = 0; i < n; i++)
		free(g[i].text);
	free(g);
	return st;
}

static int usage(FILE *f, int code)
{
	fprintf(f, "usage: dais regress [--update] [--threads T] [GOLDEN]\n\n"
	           "Runs the scenarios named in GOLDEN (default tests/golden/projections.tsv)\n"
	           "and checks each projection against its golden value and band; prints old\n"
	           "and new values.  Exit status 1 when a projection left its band.  With\n"
	           "--update, rewrites the golden values and prints what changed.\n");
	return code;
}

int regress_cmd(int argc, char **argv)
{
	const char *golden = NULL;
	int update = 0, threads = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage(stdout, DAIS_EXIT_OK);
		else if (!strcmp(argv[i], "--update"))
			update = 1;
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
			long long v;
			if (!sim_parse_int(argv[++i], 1, 4096, &v)) {
				fprintf(stderr, "dais regress: --threads: expected an integer in [1, 4096], got '%s'\n", argv[i]);
				return DAIS_EXIT_USAGE;
			}
			threads = (int)v;
		}
		else if (argv[i][0] == '-' || golden)
			return usage(stderr, DAIS_EXIT_USAGE);
		else
			golden = argv[i];
	}
	char def[1024];
	if (!golden) {
		snprintf(def, sizeof def, "%s/tests/golden/projections.tsv", DAIS_SRCDIR);
		golden = def;
	}
	sim_diag d;
	diag_init(&d);
	int nout = 0;
	printf("%s %s\n", update ? "updating" : "checking", golden);
	sim_status st = regress_check(golden, update, threads, stdout, &nout, &d);
	diag_print(&d, stderr, "dais regress: ");
	diag_release(&d);
	if (st != SIM_OK)
		return sim_exit_code(st);
	if (!update && nout)
		printf("%d projection%s outside %s band; if the change is deliberate, run "
		       "'make regress-update' and commit the new values\n", nout, nout == 1 ? "" : "s",
		       nout == 1 ? "its" : "their");
	return !update && nout ? DAIS_EXIT_FAIL : DAIS_EXIT_OK;
}
