/* serving.c — `dais validate-serving` and `dais capacity`: the serving
 * model's experiments (models/srv_validate.h, models/srv_capacity.h) run
 * from the command line, their tables written atomically to the files named
 * here and their figures drawn by gnuplot. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/plot.h"
#include "engine/eng_profile.h"
#include "models/registry.h"
#include "models/srv_capacity.h"
#include "models/srv_type.h"
#include "models/srv_validate.h"
#include "sim/buildinfo.h"
#include "sim/file.h"
#include "sim/progress.h"
#include "sim/sha256.h"
#include "sim/spawn.h"

/* ---------------------------------------------------------------- shared */

/* scenarios/NAME from the working directory, else from the source tree. */
static const char *default_scenario(char *buf, size_t n, const char *name)
{
	char rel[512];
	snprintf(rel, sizeof rel, "scenarios/%s", name);
	snprintf(buf, n, "%s/%s", access(rel, F_OK) == 0 ? "." : DAIS_SRCDIR, rel);
	return buf;
}

/* Loads a serving scenario into tp and *sp; prints every problem and returns
 * the exit status (DAIS_EXIT_OK when loaded). */
static int load_serving(const char *path, const struct cli_sets *sets, struct srv_type_params *tp,
                        scn **sp)
{
	memset(tp, 0, sizeof *tp);
	*sp = cli_load(path, sets);
	if (!*sp)
		return DAIS_EXIT_USAGE;
	sim_diag d;
	diag_init(&d);
	sim_status st = SIM_EINVAL;
	if (strcmp(scn_str(*sp, "model"), "serving"))
		diag_add(&d, "%s: $.model: expected \"serving\", got \"%s\"", path, scn_str(*sp, "model"));
	else
		st = srv_type_parse(tp, *sp, &d);
	cli_print_diag(&d, "");
	diag_release(&d);
	if (st == SIM_OK)
		return DAIS_EXIT_OK;
	srv_type_release(tp);
	scn_free(*sp);
	*sp = NULL;
	return sim_exit_code(st);
}

/* Runs analysis/plots/SCRIPT with gnuplot's dir set to DIR (any name: it
 * reaches gnuplot as a quoted string, no shell on the way). */
static void draw(const char *script, const char *dir)
{
	char path[4096];
	if (!spawn_have("gnuplot")) {
		fprintf(stderr, "dais: gnuplot not found; the data are in %s, the script is "
		        "analysis/plots/%s\n", dir, script);
		return;
	}
	if (!plot_script_path(path, sizeof path, script)) {
		fprintf(stderr, "dais: analysis/plots/%s not found; the data are in %s\n", script, dir);
		return;
	}
	const struct plot_var v[] = { { "dir", dir } };
	sim_diag d;
	diag_init(&d);
	if (plot_gnuplot(path, NULL, v, 1, 0, &d) != SIM_OK) {
		cli_print_diag(&d, "dais: ");
		fprintf(stderr, "dais: gnuplot failed on analysis/plots/%s\n", script);
	}
	diag_release(&d);
}

/* Seconds in (0, 1e6], all of the value. */
static int cli_seconds(struct cli *c, const char *name, double *out)
{
	const char *v = NULL;
	if (!cli_str(c, name, NULL, &v))
		return 0;
	char *end;
	double x = v ? strtod(v, &end) : 0;
	if (v && (!*v || *end || !(x > 0) || x > 1e6))
		cli_fail(c, "%s: expected seconds in (0, 1e6], got '%s'", name, v);
	else if (v)
		*out = x;
	return 1;
}

/* A list of positive numbers "a,b,c" into v (at most max); their count, or
 * -1 when s is not one. */
static int parse_list(const char *s, double *v, int max)
{
	int n = 0;
	char *end;
	while (*s && n < max) {
		v[n] = strtod(s, &end);
		if (end == s || !(v[n] > 0) || !isfinite(v[n]))
			return -1;
		n++;
		s = end;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return *s ? -1 : n;
}

/* A file that a function of this file fills through a stream. */
typedef void file_body(FILE *f, const void *arg);

/* Opens every path (each checked and written beside itself), fills it, then
 * commits them in order; on any failure nothing is left of the ones not
 * committed, and a message is in d. */
static sim_status write_files(int n, const char *const *path, file_body *const *body,
                              const void *arg, sim_diag *d)
{
	struct file_atomic a[8];
	memset(a, 0, sizeof a);
	sim_status st = SIM_OK;
	for (int i = 0; i < n && st == SIM_OK; i++)
		st = file_atomic_open(&a[i], path[i], d);
	for (int i = 0; i < n && st == SIM_OK; i++)
		body[i](a[i].f, arg);
	for (int i = 0; i < n && st == SIM_OK; i++)
		st = file_atomic_commit(&a[i], d);
	for (int i = 0; i < n; i++)
		file_atomic_abort(&a[i]);
	return st;
}

/* ---------------------------------------------------------------- validate-serving */

static const char validate_usage[] =
	"usage: dais validate-serving [SCENARIO] [-d DIR] [--requests N] [--loads F,F,...]\n"
	"                             [--knee-ttft S] [--driven-reps N] [--seed S | --seeds S,S,...]\n"
	"                             [--set path=value]... [--no-noise] [--no-refit] [--no-plot]\n"
	"                             [--replay DIR2] [--quiet]\n\n"
	"Runs the serving model in driven mode (every step on the embedded engine) and in\n"
	"model mode (a cost model fitted to separate driven calibration runs) on the same\n"
	"arrival traces, from light load to saturation, and compares TTFT, TPOT and\n"
	"end-to-end percentiles.  Writes DIR/serving_validation.csv (the error table),\n"
	"DIR/serving_latency.dat, DIR/serving_cost_fit.txt and, with gnuplot,\n"
	"DIR/fig_serving_latency.{png,pdf}.\n\n"
	"  SCENARIO          a driven serving scenario (default scenarios/serving-validate.json)\n"
	"  -d DIR            output directory (default results/serving)\n"
	"  --requests N      requests per load (default 1000)\n"
	"  --loads F,...     loads as multiples of the burst throughput (the driven pilot:\n"
	"                    200 requests at once); above 1 is overload\n"
	"                    (default 0.2,0.4,0.6,0.8,1.5)\n"
	"  --knee-ttft S     the p99 TTFT objective of the knee, model mode's capacity,\n"
	"                    reported beside the burst throughput (default 0.25)\n"
	"  --driven-reps N   driven runs per load, 1 to 8 (default 2): the reference is\n"
	"                    their mean, their spread the measurement's noise; the runs\n"
	"                    go round the loads\n"
	"  --seed S          seed of the traces (default the scenario's)\n"
	"  --seeds S,S,...   the whole validation once per seed (at most 16), each in\n"
	"                    DIR/seed-S/; DIR/serving_seeds.csv and the output list every\n"
	"                    seed's errors and the worst\n"
	"  --set path=value  override a scenario key\n"
	"  --no-noise        model mode without the measured step-time noise\n"
	"  --no-refit        predict every load with the calibration fit only (default: a\n"
	"                    fit on the calibration runs and the other loads' driven runs)\n"
	"  --no-plot         do not run gnuplot\n"
	"  --replay DIR2     no engine runs: read the driven measurements (step log and\n"
	"                    driven percentiles) of an earlier run of the same scenario\n"
	"                    from DIR2, and fit and run model mode on them again (its\n"
	"                    loads, requests and seed; not with the options that shape\n"
	"                    driven runs)\n"
	"  -q, --quiet       no run-by-run lines and no progress line (runs done, elapsed,\n"
	"                    ETA on a terminal)\n\n"
	"Targets: a median error of at most 5% over every load and percentile; at most\n"
	"10% for each p99 row (median over the loads) and for each load above 1\n"
	"(median over its percentiles).  Exit status 0 when every seed meets them, 1\n"
	"when one misses.  A run whose driven runs of the same trace agree within 2%\n"
	"(median relative sd) is labelled quiet; the label does not change the verdict.\n\n"
	"example (a tiny model, a few seconds, to see the files; its errors mean nothing):\n"
	"  dais validate-serving scenarios/serving-validate.json -d /tmp/serving-try --requests 100 "
	"--loads 0.3,1.5 --knee-ttft 0.01 --no-plot --set serving.engine.config=dim=64,layers=2,"
	"heads=2,kv_heads=2,hidden=128,vocab=256,seq=512 --set serving.prompt.max=64 "
	"--set serving.output.max=64 --set serving.max_seq_len=512\n"
	"The validation of docs/serving.md, section 5 (about an hour on two cores):\n"
	"  dais validate-serving -d results/serving --seeds 42,12,13,7,14\n";

/* The files of a validation, in DIR. */
enum { VF_VALIDATION, VF_LATENCY, VF_COST_FIT, VF_STEPS, VF_N };
static const char *const vf_name[VF_N] = { "serving_validation.csv", "serving_latency.dat",
                                           "serving_cost_fit.txt", "serving_steps.dat" };

enum { VAL_MAX_SEEDS = 16 };

/* Everything the validation's files say. */
struct vcmd {
	const char *path, *dir, *replay;
	struct srv_type_params tp;
	struct srv_val_opts o;
	struct srv_val_result r;
	char scn_sha[65];             /* of the resolved scenario: a replay must match it */
	long long seed;
	int seed_given, plot, quiet;
	char file[VF_N][4200];
	long long seeds[VAL_MAX_SEEDS];   /* --seeds */
	int nseeds;
	char seed_dir[4200];              /* DIR/seed-S of the seed at hand */
};

/* One seed's outcome, for the summary of --seeds. */
struct seed_row {
	long long seed;
	double median, p99_worst, overload, drv_sd;
	int quiet, pass, rc;
};

/* ---- reading a replay back (the files written below) */

static int replay_fail(const char *path, long line, const char *what, const char *got)
{
	fprintf(stderr, "dais validate-serving: %s:%ld: %s, got '%.60s'\n", path, line, what, got);
	return DAIS_EXIT_USAGE;
}

static FILE *replay_open(const char *dir, const char *name, char *path, size_t n)
{
	snprintf(path, n, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		fprintf(stderr, "dais validate-serving: --replay: cannot read %s: %s\n", path,
		        strerror(errno));
	return f;
}

/* DIR/serving_latency.dat: the loads, their rates and driven percentiles,
 * the knee's objective (in the header) and (in the replay line) the seed,
 * requests and scenario digest. */
static int replay_latency(struct vcmd *v)
{
	struct srv_val_driven *dv = &v->r.drv;
	char path[4200], line[1024];
	FILE *f = replay_open(v->replay, "serving_latency.dat", path, sizeof path);
	if (!f)
		return DAIS_EXIT_USAGE;
	long ln = 0;
	int nreq = 0;
	long long seed = -1;
	char sha[65] = "";
	while (fgets(line, sizeof line, f)) {
		ln++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#') {
			double burst, ttft;   /* the knee's objective: the replayed run's */
			if (sscanf(line, "# burst throughput (load 1, driven) %lf requests/s; knee (model mode "
			           "p99 TTFT <= %lf s)", &burst, &ttft) == 2 ||
			    sscanf(line, "# knee rate (load 1, model mode p99 TTFT <= %lf s)", &ttft) == 1) {
				if (!(ttft > 0 && ttft < 1e9)) {
					fclose(f);
					return replay_fail(path, ln, "expected a knee objective in seconds", line);
				}
				v->o.knee_ttft_s = ttft;
			}
			if (sscanf(line, "# replay: seed %lld requests %d scenario %64[0-9a-f]", &seed, &nreq,
			           sha) < 2 && !nreq) {
				const char *q = strstr(line, "requests/s; ");   /* older files: no replay line */
				if (q)
					sscanf(q, "requests/s; %d requests per load", &nreq);
			}
			continue;
		}
		double x[22];
		int n = 0, off = 0, used;
		while (n < 22 && sscanf(line + off, "%lf%n", &x[n], &used) == 1) {
			off += used;
			n++;
		}
		if (n != 22 || dv->nload >= SRV_VAL_MAX_LOADS || !(x[0] > 0) || !(x[1] > 0)) {
			fclose(f);
			return replay_fail(path, ln, "expected 22 numbers (load, rate, 9 driven and 9 model "
			                   "percentiles, 2 throughputs; at most 32 loads)", line);
		}
		struct srv_result *r = &dv->drv[dv->nload];
		memset(r, 0, sizeof *r);
		for (int b = 0; b < 3; b++) {
			r->ttft[b] = x[2 + b];
			r->tpot[b] = x[5 + b];
			r->e2e[b] = x[8 + b];
		}
		r->throughput_rps = x[20];
		for (int q = 0; q < SRV_VAL_NQ; q++)
			dv->drv_sd[dv->nload][q] = NAN;   /* one run's percentiles: no spread */
		dv->loads[dv->nload] = x[0];
		dv->rates[dv->nload++] = x[1];
	}
	fclose(f);
	if (dv->nload == 0)
		return replay_fail(path, ln, "expected a row per load", "end of file");
	if (sha[0] && strcmp(sha, v->scn_sha)) {
		fprintf(stderr, "dais validate-serving: %s was run with another scenario (sha256 %.12s..., this "
		        "one %.12s...): give the same scenario and --set options\n", v->replay, sha, v->scn_sha);
		return DAIS_EXIT_USAGE;
	}
	if (seed >= 0 && v->seed_given && seed != v->seed) {
		fprintf(stderr, "dais validate-serving: --seed %lld, but %s was run with seed %lld\n", v->seed,
		        v->replay, seed);
		return DAIS_EXIT_USAGE;
	}
	if (seed >= 0)
		v->seed = seed;
	if (nreq > 0)
		v->o.requests = nreq;
	return DAIS_EXIT_OK;
}

/* Room for one more step in the log. */
static void log_grow(struct srv_steplog *lg)
{
	if (lg->n < lg->cap)
		return;
	lg->cap = lg->cap ? 2 * lg->cap : 65536;
	lg->step = cli_xrealloc(lg->step, lg->cap * sizeof *lg->step);
	lg->dt = cli_xrealloc(lg->dt, lg->cap * sizeof *lg->dt);
}

/* DIR/serving_steps.dat: the driven steps, the calibration runs' (phase 0)
 * and then the loads' (phase 1) in the order of serving_latency.dat. */
static int replay_steps(struct vcmd *v)
{
	struct srv_val_driven *dv = &v->r.drv;
	struct srv_steplog *lg = &dv->log;
	char path[4200], line[1024];
	FILE *f = replay_open(v->replay, "serving_steps.dat", path, sizeof path);
	if (!f)
		return DAIS_EXIT_USAGE;
	long ln = 0;
	int k = -1, prev_ph = 0, rc = DAIS_EXIT_OK;
	double prev = NAN;
	while (rc == DAIS_EXIT_OK && fgets(line, sizeof line, f)) {
		ln++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#')
			continue;
		int ph;
		double load, meas, fitted;
		struct srv_step q = { 0 };
		if (sscanf(line, "%d %lf %d %d %d %d %d %lf %lf %lf %lf %lf", &ph, &load, &q.n_tokens,
		           &q.n_prefill, &q.n_decode, &q.n_seqs, &q.n_logits, &q.ctx_tokens, &q.attn,
		           &q.attn_old, &meas, &fitted) != 12 || (ph != 0 && ph != 1) || ph < prev_ph ||
		    !(meas > 0) || q.n_tokens < 1) {
			rc = replay_fail(path, ln, "expected a step: phase (0, then 1), load, tokens, prefill, "
			                 "decode, seqs, logits, ctx_tokens, attn, attn_old, measured_s > 0, "
			                 "fitted_s", line);
			break;
		}
		log_grow(lg);
		if (ph == 0 && load != prev) {   /* a new calibration run */
			if (dv->ncal_runs == SRV_VAL_MAX_CAL) {
				rc = replay_fail(path, ln, "expected at most 8 calibration loads", line);
				break;
			}
			dv->cal_load[dv->ncal_runs] = load;
			dv->cal_lo[dv->ncal_runs++] = lg->n;
		} else if (ph == 1 && (prev_ph == 0 || fabs(load - dv->loads[k]) > 0.006)) {
			/* the next load's driven runs, in the order of serving_latency.dat */
			if (++k >= dv->nload || fabs(load - dv->loads[k]) > 0.006) {
				rc = replay_fail(path, ln, "expected the loads of serving_latency.dat in order", line);
				break;
			}
			if (prev_ph == 0)
				dv->ncal = lg->n;
			dv->lo[k] = lg->n;
		}
		prev = load;
		prev_ph = ph;
		lg->step[lg->n] = q;
		lg->dt[lg->n++] = meas;
	}
	fclose(f);
	if (rc != DAIS_EXIT_OK)
		return rc;
	if (dv->ncal_runs == 0)
		return replay_fail(path, ln, "expected calibration steps (phase 0)", "none");
	if (prev_ph == 0)
		dv->ncal = lg->n;
	dv->cal_lo[dv->ncal_runs] = dv->ncal;
	for (int j = k + 1; j <= dv->nload; j++)   /* loads without logged steps: empty */
		dv->lo[j] = lg->n;
	return DAIS_EXIT_OK;
}

/* ---- the files */

static void body_cost_fit(FILE *f, const void *arg)
{
	const struct vcmd *v = arg;
	const struct srv_cost *fit = &v->r.fit;
	fprintf(f, "# dais validate-serving: linear step cost fitted on %zu driven steps (%s)\n"
	        "# t = c0 + c1 tokens + c2 logits + c3 attended_positions + c4 seqs + c5 kv_positions\n"
	        "#     + c6 older_positions_read ramp(kv_positions; cache_from_positions, cache_positions)\n"
	        "#     + c7 prefill_tokens + c8 (ceil(tokens / token_tile) - 1) + c9 [tokens == 1]\n"
	        "# (scenario keys: serving.cost_linear = [c0, ..., c9], serving.cost_cache_positions,\n"
	        "#  serving.cost_cache_from_positions, serving.cost_token_tile)\n"
	        "# relative rms error per step %.4f\ncache_positions %.0f\ncache_from_positions %.0f\n"
	        "token_tile %d\n", v->r.drv.ncal, v->tp.desc, v->r.fit_rms, fit->cache_positions,
	        fit->cache_from_positions, fit->token_tile);
	for (int j = 0; j < SRV_COST_NFEAT; j++)
		fprintf(f, "c%d %.6e\n", j, fit->c[j]);
}

static void body_latency(FILE *f, const void *arg)
{
	const struct vcmd *v = arg;
	const struct srv_val_driven *dv = &v->r.drv;
	fprintf(f, "# dais validate-serving: latency percentiles versus load, driven and model mode\n"
	        "# burst throughput (load 1, driven) %.10g requests/s; knee (model mode p99 TTFT <= %g s) "
	        "%.10g requests/s; %d requests per load; %s\n"
	        "# replay: seed %lld requests %d scenario %s (read by --replay)\n"
	        "# load rate_rps drv_ttft_p50 drv_ttft_p90 drv_ttft_p99 drv_tpot_p50 drv_tpot_p90 "
	        "drv_tpot_p99 drv_e2e_p50 drv_e2e_p90 drv_e2e_p99 mod_ttft_p50 mod_ttft_p90 "
	        "mod_ttft_p99 mod_tpot_p50 mod_tpot_p90 mod_tpot_p99 mod_e2e_p50 mod_e2e_p90 "
	        "mod_e2e_p99 drv_thr_rps mod_thr_rps\n", v->r.burst_rps, v->o.knee_ttft_s, v->r.knee,
	        v->o.requests, v->tp.desc, v->seed, v->o.requests, v->scn_sha);
	for (int k = 0; k < dv->nload; k++) {
		fprintf(f, "%.3f %.10g", dv->loads[k], dv->rates[k]);
		for (int q = 0; q < SRV_VAL_NQ; q++)
			fprintf(f, " %.6e", srv_val_get(&dv->drv[k], q));
		for (int q = 0; q < SRV_VAL_NQ; q++)
			fprintf(f, " %.6e", srv_val_get(&v->r.mod[k], q));
		fprintf(f, " %.6g %.6g\n", dv->drv[k].throughput_rps, v->r.mod[k].throughput_rps);
	}
}

static void body_validation(FILE *f, const void *arg)
{
	const struct vcmd *v = arg;
	const struct srv_val_driven *dv = &v->r.drv;
	fprintf(f, "# source: computed by dais validate-serving (%s); relative error |model - driven| / "
	        "driven of each percentile on the same trace\n"
	        "load,rate_rps,metric,percentile,driven_s,model_s,rel_error,driven_rel_sd\n", v->tp.desc);
	for (int k = 0; k < dv->nload; k++)
		for (int q = 0; q < SRV_VAL_NQ; q++)
			fprintf(f, "%.3f,%.6g,%s,%s,%.6e,%.6e,%.4f,%.4f\n", dv->loads[k], dv->rates[k],
			        srv_val_metric(q), srv_val_pct(q), srv_val_get(&dv->drv[k], q),
			        srv_val_get(&v->r.mod[k], q), v->r.err[k][q], dv->drv_sd[k][q]);
	fprintf(f, "# median over loads:\n");
	for (int q = 0; q < SRV_VAL_NQ; q++)
		fprintf(f, "# median,%s,%s,%.4f\n", srv_val_metric(q), srv_val_pct(q), v->r.err_median[q]);
	fprintf(f, "# median_all,%.4f\n", v->r.median);
	fprintf(f, "# p99_worst,%.4f\n", v->r.p99_worst);
	if (!isnan(v->r.overload))
		fprintf(f, "# overload,%.4f\n", v->r.overload);
	fprintf(f, "# pass,%d\n", v->r.pass);
	if (!isnan(v->r.drv_sd_median))
		fprintf(f, "# driven_rel_sd_median,%.4f\n", v->r.drv_sd_median);
}

static void body_steps(FILE *f, const void *arg)
{
	const struct vcmd *v = arg;
	const struct srv_val_driven *dv = &v->r.drv;
	fprintf(f, "# dais validate-serving: driven steps (%s); phase 0: calibration runs, 1: the "
	        "loads' runs (logged with the refit only); load: multiple of the burst throughput; "
	        "fitted_s: the calibration fit\n"
	        "# phase load tokens prefill decode seqs logits ctx_tokens attn attn_old measured_s "
	        "fitted_s\n", v->tp.desc);
	for (size_t i = 0; i < dv->log.n; i++) {
		const struct srv_step *q = &dv->log.step[i];
		int ph = i >= dv->ncal, r = 0;
		if (!ph)
			while (r < dv->ncal_runs - 1 && i >= dv->cal_lo[r + 1])
				r++;
		else
			while (r < dv->nload - 1 && i >= dv->lo[r + 1])
				r++;
		fprintf(f, "%d %.2f %d %d %d %d %d %.0f %.0f %.0f %.6e %.6e\n", ph,
		        ph ? dv->loads[r] : dv->cal_load[r], q->n_tokens, q->n_prefill, q->n_decode,
		        q->n_seqs, q->n_logits, q->ctx_tokens, q->attn, q->attn_old, dv->log.dt[i],
		        srv_cost_eval(&v->r.fit, q));
	}
}

/* The medians on stdout, as the error table's last lines say them. */
static void print_medians(const struct vcmd *v)
{
	printf("\nmedian relative error across loads (model vs driven):\n");
	for (int a = 0; a < 3; a++) {
		printf("  %-5s", srv_val_metric(3 * a));
		for (int b = 0; b < 3; b++)
			printf("  %s %5.1f%%", srv_val_pct(b), 100 * v->r.err_median[3 * a + b]);
		printf("\n");
	}
	printf("  all %d percentiles: median %.1f%% (target %.0f%%): %s\n", v->r.drv.nload * SRV_VAL_NQ,
	       100 * v->r.median, 100 * SRV_VAL_TARGET, v->r.median <= SRV_VAL_TARGET ? "PASS" : "FAIL");
	printf("  worst p99 row: %.1f%% (target %.0f%%): %s\n", 100 * v->r.p99_worst,
	       100 * SRV_VAL_TARGET_TAIL, v->r.p99_worst <= SRV_VAL_TARGET_TAIL ? "PASS" : "FAIL");
	if (!isnan(v->r.overload))
		printf("  overload (loads above 1, median over percentiles): %.1f%% (target %.0f%%): "
		       "%s\n", 100 * v->r.overload, 100 * SRV_VAL_TARGET_TAIL,
		       v->r.overload <= SRV_VAL_TARGET_TAIL ? "PASS" : "FAIL");
	if (!isnan(v->r.drv_sd_median))   /* E|mean of n runs - truth| = sd sqrt(2 / (pi n)) */
		printf("  driven run to run (%d runs per load): median relative sd %.1f%%; measurement noise "
		       "alone would give a median error of about %.1f%%\n", v->o.driven_reps,
		       100 * v->r.drv_sd_median,
		       100 * v->r.drv_sd_median * sqrt(2 / (M_PI * v->o.driven_reps)));
	if (!isnan(v->r.drv_sd_median))
		printf("  measured on a quiet machine (median relative sd <= %.0f%%): %s\n",
		       100 * SRV_VAL_QUIET_SD, v->r.quiet ? "yes" : "no");
}

/* ---- the command */

/* "S,S,..." into seeds (at most VAL_MAX_SEEDS, none repeated); the count, or
 * -1 when s is not such a list. */
static int parse_seeds(const char *s, long long *seeds)
{
	int n = 0;
	while (*s) {
		char *end;
		errno = 0;
		if (n == VAL_MAX_SEEDS || !isdigit((unsigned char)*s))
			return -1;
		long long x = strtoll(s, &end, 10);
		if (errno || x > 9007199254740991LL)
			return -1;
		for (int i = 0; i < n; i++)
			if (seeds[i] == x)
				return -1;
		seeds[n++] = x;
		s = end;
		if (*s == ',' && s[1])
			s++;
		else if (*s)
			return -1;
	}
	return n;
}

/* Reads the options into v; returns -1 to go on, else the exit status. */
static int validate_args(struct vcmd *v, int argc, char **argv, struct cli_sets *sets)
{
	const char *run_opt = NULL, *loads = NULL;   /* an option that shapes the driven runs */
	const char *seeds = NULL;
	int nonoise = 0, norefit = 0, noplot = 0;
	long long seed = -1;
	struct cli c;
	cli_begin(&c, argc, argv, validate_usage);
	while (cli_next(&c)) {
		if (cli_intv(&c, "--requests", 20, 10000000, &v->o.requests))
			run_opt = "--requests";
		else if (cli_str(&c, "--loads", NULL, &loads))
			run_opt = "--loads";
		else if (cli_seconds(&c, "--knee-ttft", &v->o.knee_ttft_s))
			run_opt = "--knee-ttft";
		else if (cli_intv(&c, "--driven-reps", 1, 8, &v->o.driven_reps))
			run_opt = "--driven-reps";
		else if (cli_int(&c, "--seed", 0, 9007199254740991LL, &seed))
			v->seed_given = 1;
		else if (cli_str(&c, "--seeds", NULL, &seeds))
			run_opt = "--seeds";
		else if (!cli_path(&c, "-d", NULL, &v->dir) && !cli_set(&c, sets) &&
		         !cli_flag(&c, "--no-plot", NULL, &noplot) &&
		         !cli_flag(&c, "--no-noise", NULL, &nonoise) &&
		         !cli_flag(&c, "--no-refit", NULL, &norefit) &&
		         !cli_flag(&c, "--quiet", "-q", &v->quiet) &&
		         !cli_path(&c, "--replay", NULL, &v->replay))
			cli_one_arg(&c, &v->path, "scenario");
		if (loads && c.status < 0 &&
		    (v->o.nload = parse_list(loads, v->o.loads, SRV_VAL_MAX_LOADS)) < 1)
			cli_fail(&c, "--loads: expected at most %d positive numbers separated by commas, got '%s'",
			         SRV_VAL_MAX_LOADS, loads);
		loads = NULL;
		if (seeds && c.status < 0 && (v->nseeds = parse_seeds(seeds, v->seeds)) < 1)
			cli_fail(&c, "--seeds: expected at most %d seeds (integers from 0 to 2^53 - 1) "
			         "separated by commas, got '%s'", VAL_MAX_SEEDS, seeds);
		seeds = NULL;
	}
	if (cli_end(&c, 1))
		return c.status;
	if (v->nseeds && v->seed_given)
		return cli_fail(&c, "--seed and --seeds: give one or the other");
	if (v->replay && run_opt)
		return cli_fail(&c, "%s shapes the driven runs; a --replay takes the replayed run's", run_opt);
	v->seed = seed;
	v->o.noise = !nonoise;
	v->o.refit = !norefit;
	v->plot = !noplot;
	return -1;
}

/* The scenario's digest, the seed, the replay and the output folder: what
 * must hold before any engine runs.  Returns -1 to go on, else the exit status. */
static int validate_prepare(struct vcmd *v, scn *s)
{
	if (v->tp.p.timing != SRV_TIMING_DRIVEN) {
		fprintf(stderr, "dais validate-serving: %s: $.serving.timing: expected \"driven\"\n", v->path);
		return DAIS_EXIT_USAGE;
	}
	if (v->seed < 0)
		v->seed = scn_int(s, "seed");
	char *json = scn_to_json(s);
	if (!json) {
		fprintf(stderr, "dais validate-serving: out of memory\n");
		return DAIS_EXIT_FAIL;
	}
	struct sha256 h;
	sha256_init(&h);
	sha256_update(&h, json, strlen(json));
	sha256_final(&h, v->scn_sha);
	free(json);
	if (v->replay) {
		int rc = replay_latency(v);
		if (rc == DAIS_EXIT_OK)
			rc = replay_steps(v);
		if (rc != DAIS_EXIT_OK)
			return rc;
		v->o.replay = 1;
		if (v->o.refit && v->r.drv.ncal == v->r.drv.log.n) {
			printf("%s has no steps of the loads' runs (run with --no-refit): no refit\n", v->replay);
			v->o.refit = 0;
		}
	}
	v->o.seed = (uint64_t)v->seed;
	sim_diag d;
	diag_init(&d);
	sim_status st = file_mkdir_p(v->dir, &d);
	for (int i = 0; i < VF_N && st == SIM_OK; i++) {
		snprintf(v->file[i], sizeof v->file[i], "%s/%s", v->dir, vf_name[i]);
		st = file_target(v->file[i], &d);
	}
	cli_print_diag(&d, "dais validate-serving: ");
	diag_release(&d);
	return st == SIM_OK ? -1 : sim_exit_code(st);
}

/* Runs done, on the progress line. */
static void runs_progress(void *ctx, int done, int total)
{
	progress_set_total(ctx, total);
	if (done > 0)
		progress_add(ctx, 1);
}

/* The validation proper, its files and figure. */
static int validate_run(struct vcmd *v)
{
	printf("validate-serving: %s, engine %s\n", v->path, v->tp.desc);
	const struct srv_val_driven *dv = &v->r.drv;
	if (v->replay)
		printf("replay of %s: %zu driven steps (%zu of %d calibration runs), %d loads, seed %lld, "
		       "%d requests per load\n", v->replay, dv->log.n, dv->ncal, dv->ncal_runs, dv->nload,
		       v->seed, v->o.requests);
	sim_diag d;
	diag_init(&d);
	struct progress pr;
	progress_begin(&pr, "validate-serving", 0, v->quiet);
	v->o.log = v->quiet ? NULL : progress_stream(&pr, stdout);
	v->o.progress = runs_progress;
	v->o.progress_ctx = &pr;
	sim_status st = srv_validate(&v->tp.p, &v->o, &v->r, &d);
	progress_end(&pr);
	if (st == SIM_OK) {
		print_medians(v);
		const char *path[VF_N];
		for (int i = 0; i < VF_N; i++)
			path[i] = v->file[i];
		static file_body *const body[VF_N] = { body_validation, body_latency, body_cost_fit,
		                                       body_steps };
		st = write_files(VF_N, path, body, v, &d);
	}
	cli_print_diag(&d, "dais validate-serving: ");
	diag_release(&d);
	if (st != SIM_OK)
		return sim_exit_code(st);
	printf("wrote %s, %s, %s, %s\n", v->file[VF_VALIDATION], v->file[VF_LATENCY],
	       v->file[VF_COST_FIT], v->file[VF_STEPS]);
	if (v->plot)
		draw("fig_serving_latency.gp", v->dir);
	return DAIS_EXIT_OK;
}

/* ---- --seeds */

static void body_seeds(FILE *f, const void *arg)
{
	const struct seed_row *row = arg;
	fprintf(f, "# source: computed by dais validate-serving --seeds, one whole validation per seed "
	        "(files in seed-S/); median: over every load and percentile (target %g); p99_worst: the "
	        "largest p99 row (target %g); overload: loads above 1 (target %g); driven_rel_sd: "
	        "median relative sd of the repeated driven runs (nan: one run); quiet: driven_rel_sd "
	        "<= %g (a label, not a target)\n"
	        "seed,median,p99_worst,overload,driven_rel_sd,quiet,pass\n", SRV_VAL_TARGET,
	        SRV_VAL_TARGET_TAIL, SRV_VAL_TARGET_TAIL, SRV_VAL_QUIET_SD);
	for (; row->rc >= 0; row++)
		fprintf(f, "%lld,%.4f,%.4f,%.4f,%.4f,%d,%d\n", row->seed, row->median, row->p99_worst,
		        row->overload, row->drv_sd, row->quiet, row->pass);
}

/* Each seed's validation in DIR/seed-S, then the summary; the exit status. */
static int validate_seeds(struct vcmd *v, scn *s)
{
	const char *base = v->dir;
	char sum[4200];
	struct seed_row row[VAL_MAX_SEEDS + 1];
	snprintf(sum, sizeof sum, "%s/serving_seeds.csv", base);
	sim_diag d;
	diag_init(&d);
	sim_status st = file_mkdir_p(base, &d);
	if (st == SIM_OK)
		st = file_target(sum, &d);
	cli_print_diag(&d, "dais validate-serving: ");
	diag_release(&d);
	if (st != SIM_OK)
		return sim_exit_code(st);
	int rc = DAIS_EXIT_OK, n = 0;
	for (; n < v->nseeds && rc == DAIS_EXIT_OK; n++) {
		srv_val_release(&v->r);
		memset(&v->r, 0, sizeof v->r);
		v->seed = v->seeds[n];
		v->seed_given = 1;
		snprintf(v->seed_dir, sizeof v->seed_dir, "%s/seed-%lld", base, v->seed);
		v->dir = v->seed_dir;
		printf("%s== seed %lld (%d of %d): %s\n", n ? "\n" : "", v->seed, n + 1, v->nseeds, v->dir);
		if ((rc = validate_prepare(v, s)) < 0)
			rc = validate_run(v);
		row[n] = (struct seed_row){ v->seed, v->r.median, v->r.p99_worst, v->r.overload,
		                            v->r.drv_sd_median, v->r.quiet, v->r.pass, rc };
	}
	v->dir = base;
	if (rc != DAIS_EXIT_OK)
		return rc;
	row[n].rc = -1;
	int worst = 0, pass = 1;
	printf("\n%-20s %8s %10s %9s %14s %6s  %s\n", "seed", "median", "worst p99", "overload",
	       "driven rel sd", "quiet", "targets");
	for (int i = 0; i < n; i++) {
		printf("%-20lld %7.1f%% %9.1f%% %8.1f%% %13.1f%% %6s  %s\n", row[i].seed,
		       100 * row[i].median, 100 * row[i].p99_worst, 100 * row[i].overload,
		       100 * row[i].drv_sd, row[i].quiet ? "yes" : "no",
		       row[i].pass ? "PASS" : "FAIL");
		if (row[i].median > row[worst].median)
			worst = i;
		pass &= row[i].pass;
	}
	printf("worst median: seed %lld, %.1f%%; every seed within the targets: %s\n", row[worst].seed,
	       100 * row[worst].median, pass ? "yes" : "no");
	diag_init(&d);
	const char *path = sum;
	static file_body *const body = body_seeds;
	st = write_files(1, &path, &body, row, &d);
	cli_print_diag(&d, "dais validate-serving: ");
	diag_release(&d);
	if (st != SIM_OK)
		return sim_exit_code(st);
	printf("wrote %s\n", sum);
	return pass ? DAIS_EXIT_OK : DAIS_EXIT_FAIL;
}

int cmd_validate_serving(int argc, char **argv)
{
	struct vcmd *v = calloc(1, sizeof *v);
	if (!v)
		return DAIS_EXIT_FAIL;
	static const double loads[] = { 0.2, 0.4, 0.6, 0.8, 1.5 };
	v->dir = "results/serving";
	v->o.requests = 1000;
	v->o.nload = (int)(sizeof loads / sizeof loads[0]);
	memcpy(v->o.loads, loads, sizeof loads);
	v->o.knee_ttft_s = 0.25;
	v->o.driven_reps = 2;
	struct cli_sets sets = { 0 };
	scn *s = NULL;
	char defpath[4096];
	int rc = validate_args(v, argc, argv, &sets);
	if (rc < 0) {
		if (!v->path)
			v->path = default_scenario(defpath, sizeof defpath, "serving-validate.json");
		rc = load_serving(v->path, &sets, &v->tp, &s);
		if (rc == DAIS_EXIT_OK) {
			if (v->nseeds)
				rc = validate_seeds(v, s);
			else if ((rc = validate_prepare(v, s)) < 0 &&
			         (rc = validate_run(v)) == DAIS_EXIT_OK && !v->r.pass)
				rc = DAIS_EXIT_FAIL;
			srv_type_release(&v->tp);
		}
	}
	srv_val_release(&v->r);
	scn_free(s);
	cli_sets_release(&sets);
	free(v);
	return rc;
}

/* ---------------------------------------------------------------- capacity */

static const char capacity_usage[] =
	"usage: dais capacity [SCENARIO] [-o OUT.csv] [--tpot S] [--ttft S] [--requests N]\n"
	"                     [--latency-curve FILE] [--scaling DIR] [--set path=value]... [--quiet]\n\n"
	"For each hardware class and each model size, the largest arrival rate whose p99\n"
	"time per output token stays under --tpot and p99 time to first token under --ttft\n"
	"(bisection on the rate, model mode), and the token rates it gives.  Writes a CSV\n"
	"for the network model (columns class, model, tokens_per_s, ...).  --latency-curve\n"
	"also writes latency against load below that capacity.  --scaling also writes\n"
	"DIR/serving_scaling.dat and DIR/serving_capacity.dat and draws the figures.\n\n"
	"  SCENARIO              serving scenario with the workload and scheduler (default\n"
	"                        scenarios/serving-capacity.json)\n"
	"  -o OUT.csv            output (default data/capacity/default.csv)\n"
	"  --tpot S              p99 TPOT objective, s (default 0.1)\n"
	"  --ttft S              p99 TTFT objective, s (default 2.5)\n"
	"  --requests N          requests per probe (default 20000)\n"
	"  --latency-curve FILE  for each class and model with a capacity, a run at 0.1, 0.2,\n"
	"                        ..., 0.9, 0.95 and 1 of its capacity rate: p50 and p99 TTFT\n"
	"                        and TPOT, mean end-to-end latency (data/capacity/latency.csv)\n"
	"  -q, --quiet           no progress line (rows done, elapsed, ETA on a terminal)\n";

/* Everything the capacity's files say. */
struct ccmd {
	const char *path, *out, *sdir, *curve;
	long long requests;
	struct srv_cap_opts o;
	struct srv_type_params tp;
	struct srv_hw *hw;
	struct srv_model_shape *ms;
	int nhw, nms;
	struct eng_profile *pf;
	char hp[4096], mp[4096], pp[4096];   /* hardware, models and profile files */
	char *src;                           /* the provenance line */
	struct srv_cap_row *rows;            /* (nhw * nms,) */
	struct srv_curve_point *pts;         /* (nhw * nms, SRV_CURVE_NLOAD): rows with a capacity */
	const struct srv_model_shape *sm;    /* the scaling's model */
	struct srv_scaling sc;
	char sfile[2][4200];                 /* DIR/serving_capacity.dat, DIR/serving_scaling.dat */
	int quiet;                           /* no progress line */
	struct progress pr;                  /* of the phase running */
};

/* "computed by dais capacity ...": every input that sets a number in the
 * table, with its digest; malloc'd, NULL when out of memory. */
static char *capacity_source(const struct ccmd *c, const scn *s)
{
	char phex[65] = "none", hex[65], settings[512];
	struct sha256 sh;
	if (c->pf) {
		sha256_init(&sh);
		sha256_file(&sh, c->pp);
		sha256_final(&sh, phex);
	}
	sha256_init(&sh);
	sha256_file(&sh, c->hp);
	sha256_file(&sh, c->mp);
	if (c->pf)
		sha256_file(&sh, c->pp);
	char *json = scn_to_json(s);
	if (json)
		sha256_update(&sh, json, strlen(json));
	free(json);
	snprintf(settings, sizeof settings, "tpot=%.17g ttft=%.17g requests=%lld", c->o.tpot_s,
	         c->o.ttft_s, c->requests);
	sha256_update(&sh, settings, strlen(settings));
	sha256_final(&sh, hex);
	char *prof = NULL, *src = NULL;
	if (!c->pf)
		prof = strdup("");
	else if (asprintf(&prof, "the engine calibration profile %s (sha256 %s; its classes, per GPU, "
	                  "where cost_source says profile) and ", c->pp, phex) < 0)
		prof = NULL;
	if (!prof)
		return NULL;
	const struct srv_params *p = &c->tp.p;
	const struct srv_roofline *rl = &c->o.roofline;
	if (asprintf(&src, "computed by dais capacity (dais %s) in model mode from %sthe roofline "
	             "cost of %s and %s (overhead %.3g s per step, bandwidth efficiency %.2f, compute "
	             "efficiency %.2f; where cost_source says roofline) and scenario %s; inputs sha256 %s; "
	             "objective p99 TPOT <= %g s and p99 TTFT <= %g s, no drops; Poisson arrivals, prompt %s "
	             "mean %.1f, output %s mean %.1f tokens; %lld requests per probe, rate bisected to 0.5%%; "
	             "multi-GPU nodes run one replica per GPU when the model fits one GPU; tokens "
	             "counted: tokens_per_s and tokens_per_day are output tokens, input_tokens_per_s "
	             "prompt tokens (the network model serves their sum, as its demand counts both)",
	             dais_version, prof, c->hp, c->mp, rl->overhead_s, rl->eff_bw, rl->eff_flops, c->path,
	             hex, c->o.tpot_s, c->o.ttft_s, scn_str(s, "serving.prompt.dist"), p->prompt.mean,
	             scn_str(s, "serving.output.dist"), p->output.mean, c->requests) < 0)
		src = NULL;
	free(prof);
	return src;
}

/* The tables, the profile and the provenance; -1 to go on, else the exit status. */
static int capacity_inputs(struct ccmd *c, scn *s)
{
	struct srv_params *p = &c->tp.p;
	p->max_requests = c->requests;
	p->arrival = p->arrival == SRV_ARR_MMPP ? SRV_ARR_MMPP : SRV_ARR_POISSON;
	srv_data_path(c->hp, sizeof c->hp, scn_str(s, "serving.hardware_file"));
	srv_data_path(c->mp, sizeof c->mp, scn_str(s, "serving.models_file"));
	c->o.roofline = (struct srv_roofline){ scn_num(s, "serving.roofline.overhead_s"),
	                                       scn_num(s, "serving.roofline.eff_bw"),
	                                       scn_num(s, "serving.roofline.eff_flops") };
	sim_diag d;
	diag_init(&d);
	sim_status st = srv_read_hw(c->hp, &c->hw, &c->nhw, &d);
	if (st == SIM_OK)
		st = srv_read_models(c->mp, &c->ms, &c->nms, &d);
	/* the calibration profile prices the classes it covers (cost: profile) */
	if (st == SIM_OK && !strcmp(scn_str(s, "serving.cost"), "profile")) {
		char err[ENG_ERR_LEN];
		srv_data_path(c->pp, sizeof c->pp, scn_str(s, "serving.calibration"));
		if (eng_profile_load(&c->pf, c->pp, err, sizeof err) != ENG_OK) {
			c->pf = NULL;
			diag_add(&d, "%s", err);
			st = SIM_EINVAL;
		}
		c->o.profile = c->pf;
	}
	if (st == SIM_OK && c->sdir) {
		c->sm = srv_find_model(c->ms, c->nms, scn_str(s, "serving.model_size"));
		if (!c->sm)
			c->sm = &c->ms[0];
		for (int k = 0; k < SRV_SCALING_NCLASS && st == SIM_OK; k++)
			if (!srv_find_hw(c->hw, c->nhw, srv_scaling_classes[k])) {
				diag_add(&d, "--scaling: %s: no hardware class '%s'", c->hp, srv_scaling_classes[k]);
				st = SIM_EINVAL;
			}
	}
	/* every output can be written: checked before minutes of probes */
	if (st == SIM_OK)
		st = file_target(c->out, &d);
	if (st == SIM_OK && c->curve)
		st = file_target(c->curve, &d);
	if (st == SIM_OK && c->sdir && (st = file_mkdir_p(c->sdir, &d)) == SIM_OK) {
		static const char *const name[2] = { "serving_capacity.dat", "serving_scaling.dat" };
		for (int k = 0; k < 2 && st == SIM_OK; k++) {
			snprintf(c->sfile[k], sizeof c->sfile[k], "%s/%s", c->sdir, name[k]);
			st = file_target(c->sfile[k], &d);
		}
	}
	if (st == SIM_OK && !(c->src = capacity_source(c, s))) {
		diag_add(&d, "out of memory");
		st = SIM_ENOMEM;
	}
	cli_print_diag(&d, "dais capacity: ");
	diag_release(&d);
	return st == SIM_OK ? -1 : sim_exit_code(st);
}

/* A row of the table on stdout, as it is found. */
static void print_row(void *arg, const struct srv_cap_row *row)
{
	struct ccmd *c = arg;
	int ok = row->rate > 0;
	progress_clear(&c->pr);
	printf("%-16s %-9s %12.5g %10.4g %9.3g %9.3g  %-20s %s\n", c->hw[row->hw].name,
	       c->ms[row->model].name, row->tokens_per_s, row->requests_per_s,
	       ok ? row->res.tpot[SRV_P99] : NAN, ok ? row->res.ttft[SRV_P99] : NAN,
	       srv_cap_limit_name(row->limit), row->cost_source);
	fflush(stdout);
	progress_add(&c->pr, 1);
}

static void body_table(FILE *f, const void *arg)
{
	const struct ccmd *c = arg;
	fprintf(f, "# source: %s\n", c->src);
	fprintf(f, "class,model,tokens_per_s,input_tokens_per_s,requests_per_s,tokens_per_day,replicas,"
	        "kv_blocks,p50_tpot_s,p99_tpot_s,p50_ttft_s,p99_ttft_s,mean_batch_seqs,kv_utilisation,"
	        "limit,cost_source\n");
	for (int i = 0; i < c->nhw * c->nms; i++) {
		const struct srv_cap_row *w = &c->rows[i];
		const struct srv_result *r = &w->res;
		int ok = w->rate > 0;
		fprintf(f, "%s,%s,%.6g,%.6g,%.6g,%.6g,%d,%d,%.6g,%.6g,%.6g,%.6g,%.4g,%.4g,%s,%s\n",
		        c->hw[w->hw].name, c->ms[w->model].name, w->tokens_per_s, w->input_tokens_per_s,
		        w->requests_per_s, w->tokens_per_s * 86400, w->replicas, w->node.kv_blocks,
		        ok ? r->tpot[SRV_P50] : NAN, ok ? r->tpot[SRV_P99] : NAN, ok ? r->ttft[SRV_P50] : NAN,
		        ok ? r->ttft[SRV_P99] : NAN, ok ? r->mean_batch_seqs : 0, ok ? r->kv_util_mean : 0,
		        srv_cap_limit_name(w->limit), w->cost_source);
	}
}

/* DIR/serving_capacity.dat: the table's output tokens/s, a row per class. */
static void body_capacity_dat(FILE *f, const void *arg)
{
	const struct ccmd *c = arg;
	fprintf(f, "# dais capacity: output tokens/s per node at the objective, one row per "
	        "class, one column per model: %s\nclass", c->src);
	for (int j = 0; j < c->nms; j++)
		fprintf(f, " %s", c->ms[j].name);
	fprintf(f, "\n");
	for (int i = 0; i < c->nhw; i++) {
		fprintf(f, "%s", c->hw[i].name);
		for (int j = 0; j < c->nms; j++)
			fprintf(f, " %.6g", c->rows[i * c->nms + j].tokens_per_s);
		fprintf(f, "\n");
	}
}

/* The latency curve of every row with a capacity; a line per row on stdout. */
static sim_status capacity_curves(struct ccmd *c, sim_diag *d)
{
	size_t n = (size_t)c->nhw * (size_t)c->nms;
	c->pts = calloc(n * SRV_CURVE_NLOAD + 1, sizeof *c->pts);
	if (!c->pts)
		return SIM_ENOMEM;
	long with = 0;
	for (size_t i = 0; i < n; i++)
		with += c->rows[i].rate > 0;
	progress_begin(&c->pr, "latency curves", with, c->quiet);
	for (size_t i = 0; i < n; i++) {
		const struct srv_cap_row *w = &c->rows[i];
		struct srv_curve_point *pt = &c->pts[i * SRV_CURVE_NLOAD];
		if (!(w->rate > 0))
			continue;
		sim_status st = srv_latency_curve(&c->tp.p, w, pt, d);
		progress_clear(&c->pr);
		if (st != SIM_OK) {
			progress_end(&c->pr);
			diag_add(d, "latency curve: at class '%s', model '%s'", c->hw[w->hw].name,
			         c->ms[w->model].name);
			return st;
		}
		const struct srv_result *half = &pt[4].res, *full = &pt[SRV_CURVE_NLOAD - 1].res;
		printf("latency curve %-16s %-9s p99 TTFT %.3g s, TPOT %.3g s at load 0.5; %.3g s, %.3g s "
		       "at 1\n", c->hw[w->hw].name, c->ms[w->model].name, half->ttft[SRV_P99],
		       half->tpot[SRV_P99], full->ttft[SRV_P99], full->tpot[SRV_P99]);
		fflush(stdout);
		progress_add(&c->pr, 1);
	}
	progress_end(&c->pr);
	return SIM_OK;
}

static void body_curve(FILE *f, const void *arg)
{
	const struct ccmd *c = arg;
	fprintf(f, "# source: latency against load below capacity, computed by dais capacity "
	        "--latency-curve in the run that computed the capacity table (the inputs and objective "
	        "below): for each class and model with a capacity, one request-level "
	        "run (model mode, seed %d, the capacity's workload, scheduler and requests per probe, "
	        "measured after a warm-up of a tenth) at each load = arrival rate / that capacity rate, "
	        "so the load 1 row is the capacity's own run; requests_per_s per node (all replicas); "
	        "tokens counted: output tokens only, as in the capacity's tokens_per_s (output tokens/s = "
	        "requests_per_s x mean output %.1f; prompt tokens are prefilled within TTFT); ttft_s: "
	        "arrival to the first output token (queueing and prefill included); tpot_s: (last - first "
	        "output token) / (output tokens - 1), requests of 2 or more output tokens; mean_e2e_s: "
	        "arrival to the last output token; capacity: %s\n", SRV_CAP_SEED,
	        c->tp.p.output.mean, c->src);
	fprintf(f, "class,model,load,requests_per_s,p50_ttft_s,p99_ttft_s,p50_tpot_s,p99_tpot_s,"
	        "mean_e2e_s\n");
	for (int i = 0; i < c->nhw * c->nms; i++) {
		const struct srv_cap_row *w = &c->rows[i];
		if (!(w->rate > 0))
			continue;
		for (int k = 0; k < SRV_CURVE_NLOAD; k++) {
			const struct srv_curve_point *pt = &c->pts[(size_t)i * SRV_CURVE_NLOAD + k];
			const struct srv_result *r = &pt->res;
			fprintf(f, "%s,%s,%g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g\n", c->hw[w->hw].name,
			        c->ms[w->model].name, pt->load, w->replicas * pt->rate, r->ttft[SRV_P50],
			        r->ttft[SRV_P99], r->tpot[SRV_P50], r->tpot[SRV_P99], r->e2e_mean);
		}
	}
}

static void print_scaling(void *arg, const struct srv_scaling_row *w)
{
	struct ccmd *c = arg;
	progress_clear(&c->pr);
	printf("scaling N=%2d: H100 %.4g tokens/s (p2c), %.3g per node; mixed fleet %.4g (hardware-aware), "
	       "p99 TTFT %.3g s random vs %.3g s hardware-aware\n", w->n, w->horiz[1].output_tps,
	       w->horiz[1].output_tps / w->n, w->het[2].output_tps, w->het[0].ttft[SRV_P99],
	       w->het[2].ttft[SRV_P99]);
	fflush(stdout);
	progress_add(&c->pr, 1);
}

/* DIR/serving_scaling.dat: a row per fleet size. */
static void body_scaling_dat(FILE *f, const void *arg)
{
	const struct ccmd *c = arg;
	const struct srv_scaling *sc = &c->sc;
	fprintf(f, "# dais capacity --scaling: fleets serving model '%s' at 80%% of their summed capacity "
	        "(p99 TPOT <= %g s, p99 TTFT <= %g s); %s\n", c->sm->name, c->o.tpot_s, c->o.ttft_s, c->src);
	fprintf(f, "# single-node capacity (requests/s): a100_80 %.4g, h100_80 %.4g, b200_180 %.4g\n",
	        sc->cap[0], sc->cap[1], sc->cap[2]);
	fprintf(f, "# N rate_rps thr_rr thr_p2c thr_ll ttft99_rr ttft99_p2c ttft99_ll "
	        "het_rate het_thr_random het_thr_ll het_thr_hw het_ttft99_random het_ttft99_ll het_ttft99_hw "
	        "vert_a100_thr vert_h100_thr vert_b200_thr   (throughputs in output tokens/s)\n");
	for (int k = 0; k < SRV_SCALING_NSIZES; k++) {
		const struct srv_scaling_row *w = &sc->row[k];
		fprintf(f, "%d %.6g", w->n, w->rate);
		for (int j = 0; j < 3; j++)
			fprintf(f, " %.6g", w->horiz[j].output_tps);
		for (int j = 0; j < 3; j++)
			fprintf(f, " %.6g", w->horiz[j].ttft[SRV_P99]);
		fprintf(f, " %.6g", w->het_rate);
		for (int j = 0; j < 3; j++)
			fprintf(f, " %.6g", w->het[j].output_tps);
		for (int j = 0; j < 3; j++)
			fprintf(f, " %.6g", w->het[j].ttft[SRV_P99]);
		for (int j = 0; j < SRV_SCALING_NCLASS; j++)
			fprintf(f, " %.6g", w->vert[j].output_tps);
		fprintf(f, "\n");
	}
}

/* The table, the scaling experiment and their files. */
static int capacity_run(struct ccmd *c)
{
	sim_diag d;
	diag_init(&d);
	printf("%-16s %-9s %12s %10s %9s %9s  %s\n", "class", "model", "out tok/s", "req/s",
	       "p99 TPOT", "p99 TTFT", "limit");
	sim_status st = SIM_ENOMEM;
	c->rows = calloc((size_t)c->nhw * (size_t)c->nms + 1, sizeof *c->rows);
	progress_begin(&c->pr, "capacity", (long)c->nhw * c->nms, c->quiet);
	if (c->rows)
		st = srv_capacity_table(&c->tp.p, c->hw, c->nhw, c->ms, c->nms, &c->o, c->rows, print_row,
		                        c, &d);
	progress_end(&c->pr);
	static file_body *const table[] = { body_table };
	if (st == SIM_OK && (st = write_files(1, &c->out, table, c, &d)) == SIM_OK)
		printf("wrote %s\n", c->out);
	static file_body *const curve[] = { body_curve };
	if (st == SIM_OK && c->curve && (st = capacity_curves(c, &d)) == SIM_OK &&
	    (st = write_files(1, &c->curve, curve, c, &d)) == SIM_OK)
		printf("wrote %s\n", c->curve);
	if (st == SIM_OK && c->sdir) {
		progress_begin(&c->pr, "fleet scaling", SRV_SCALING_NSIZES, c->quiet);
		st = srv_capacity_scaling(&c->tp.p, c->hw, c->nhw, c->sm, &c->o.roofline, c->o.tpot_s,
		                          c->o.ttft_s, &c->sc, print_scaling, c, &d);
		progress_end(&c->pr);
		const char *path[2] = { c->sfile[0], c->sfile[1] };
		static file_body *const body[2] = { body_capacity_dat, body_scaling_dat };
		if (st == SIM_OK && (st = write_files(2, path, body, c, &d)) == SIM_OK)
			printf("wrote %s/serving_scaling.dat and %s/serving_capacity.dat\n", c->sdir, c->sdir);
	}
	if (st == SIM_ENOMEM && d.n == 0)
		diag_add(&d, "out of memory");
	cli_print_diag(&d, "dais capacity: ");
	diag_release(&d);
	if (st != SIM_OK)
		return sim_exit_code(st);
	if (c->sdir) {
		draw("fig_serving_capacity.gp", c->sdir);
		draw("fig_serving_scaling.gp", c->sdir);
	}
	return DAIS_EXIT_OK;
}

int cmd_capacity(int argc, char **argv)
{
	struct ccmd *c = calloc(1, sizeof *c);
	if (!c)
		return DAIS_EXIT_FAIL;
	c->requests = 20000;
	c->o.tpot_s = 0.1;
	c->o.ttft_s = 2.5;
	struct cli_sets sets = { 0 };
	struct cli cl;
	cli_begin(&cl, argc, argv, capacity_usage);
	while (cli_next(&cl))
		if (!cli_path(&cl, "-o", NULL, &c->out) && !cli_seconds(&cl, "--tpot", &c->o.tpot_s) &&
		    !cli_seconds(&cl, "--ttft", &c->o.ttft_s) &&
		    !cli_int(&cl, "--requests", 100, 1000000000, &c->requests) &&
		    !cli_path(&cl, "--scaling", NULL, &c->sdir) &&
		    !cli_path(&cl, "--latency-curve", NULL, &c->curve) &&
		    !cli_flag(&cl, "--quiet", "-q", &c->quiet) && !cli_set(&cl, &sets))
			cli_one_arg(&cl, &c->path, "scenario");
	int rc;
	scn *s = NULL;
	char defpath[4096], defout[4096];
	if (!cli_end(&cl, 1)) {
		if (!c->out)
			c->out = model_data_path(defout, sizeof defout, "data/capacity/default.csv");
		if (!c->path)
			c->path = default_scenario(defpath, sizeof defpath, "serving-capacity.json");
		rc = load_serving(c->path, &sets, &c->tp, &s);
		if (rc == DAIS_EXIT_OK) {
			if ((rc = capacity_inputs(c, s)) < 0)
				rc = capacity_run(c);
			srv_type_release(&c->tp);
		}
	} else {
		rc = cl.status;
	}
	eng_profile_free(c->pf);
	free(c->hw);
	free(c->ms);
	free(c->rows);
	free(c->pts);
	free(c->src);
	scn_free(s);
	cli_sets_release(&sets);
	free(c);
	return rc;
}
