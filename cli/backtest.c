/* backtest.c — `dais backtest`: the node-growth model fitted to Bitcoin's hash
 * rate (models/bitcoin.h), its errors, and the fitted scenario and figure. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/plot.h"
#include "models/btc_type.h"
#include "models/btc_fit.h"
#include "sim/file.h"
#include "sim/spawn.h"

static const char usage[] =
	"usage: dais backtest [SCENARIO] [-o DIR] [--set path=value]... [--no-fit] [--quiet]\n\n"
	"Fits the node-growth model to Bitcoin's hash rate on the fit window of a\n"
	"bitcoin scenario (default scenarios/bitcoin-backtest.json) with GSL nonlinear\n"
	"least squares, prints the in-sample and held-out errors beside those of a\n"
	"naive benchmark (revenue / frontier hardware cost, one scale fitted on the\n"
	"same window) with the model's skill over it, and writes to DIR\n"
	"(default results/backtest): bitcoin-fit.json (the scenario with the fitted\n"
	"parameters, rerunnable with dais run), fig_btc_backtest.dat and, when gnuplot\n"
	"is installed, fig_btc_backtest.png and .pdf.\n";

static void print_errors(const char *path, const struct btc_params *p, int fit,
                         const struct btc_err *e, const struct btc_naive *nv)
{
	static const char *const col[] = { "low", "central", "high" };
	printf("bitcoin back-test (%s, deterministic mode)\n", path);
	printf("  parameters: entry_rate %.6g /day, hurdle_rate %.6g /yr, revenue_decline %.6g /yr, "
	       "patience_days %g, elec_sigma %g, lag_days %g\n", p->nodes.entry_rate,
	       p->nodes.hurdle_rate, p->nodes.revenue_decline, p->nodes.patience_days,
	       p->nodes.elec_sigma, p->lag_days);
	if (fit) {
		printf("  fitted:");
		for (int k = 0; k < 6; k++)
			if (p->fit_mask & (1 << k))
				printf(" %s", btc_fit_name(k));
		printf(" (the others as given)\n");
	}
	printf("  fit window:  %d monthly observations, RMSE log10 = %.4f (factor %.2f)\n",
	       e->n_in, e->rmse_in, pow(10, e->rmse_in));
	printf("  held out:    %d observations, RMSE log10 = %.4f (factor %.2f), MAPE = %.1f%%, "
	       "bias log10 = %+.4f\n", e->n_out, e->rmse_out, pow(10, e->rmse_out),
	       100 * e->mape_out, e->bias_out);
	for (int k = 0; k < BTC_YEAR_STARTS; k++)
		printf("  %d start:  observed %8.4g EH/s, simulated %8.4g EH/s, log10 error %+.3f\n",
		       2020 + k, e->year_obs[k], e->year_sim[k], e->year_start[k]);
	printf("  naive benchmark: c x revenue / frontier cost of a TH/s-day, both %d-day trailing means "
	       "(usd_per_th_%s), c = %.4g fitted on the fit window\n", BTC_NAIVE_WINDOW,
	       col[p->capex_level], nv->scale);
	printf("  naive, fit window: RMSE log10 = %.4f; skill of the model 1 - (model/naive)^2 = %+.3f\n",
	       nv->e.rmse_in, btc_skill(e->rmse_in, nv->e.rmse_in));
	printf("  naive, held out:   RMSE log10 = %.4f, MAPE = %.1f%%, bias log10 = %+.4f; skill = %+.3f\n",
	       nv->e.rmse_out, 100 * nv->e.mape_out, nv->e.bias_out,
	       btc_skill(e->rmse_out, nv->e.rmse_out));
}

static int set_num(scn *s, const char *key, double v, sim_diag *d)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s=%.17g", key, v);
	return scn_set(s, buf, d) == SIM_OK ? 0 : -1;
}

/* DIR/bitcoin-fit.json: the scenario with the fitted parameters. */
static sim_status write_fitted(scn *s, const struct btc_params *p, const char *out,
                               sim_diag *d)
{
	if (set_num(s, "nodes.entry_rate", p->nodes.entry_rate, d) ||
	    set_num(s, "nodes.hurdle_rate", p->nodes.hurdle_rate, d) ||
	    set_num(s, "nodes.revenue_decline", p->nodes.revenue_decline, d) ||
	    set_num(s, "nodes.patience_days", p->nodes.patience_days, d) ||
	    set_num(s, "nodes.elec_sigma", p->nodes.elec_sigma, d) ||
	    set_num(s, "bitcoin.lag_days", p->lag_days, d))
		return SIM_EINVAL;
	char *json = scn_to_json(s), *path = NULL;
	sim_status st = SIM_ENOMEM;
	if (json && asprintf(&path, "%s/bitcoin-fit.json", out) >= 0) {
		size_t n = strlen(json);
		json[n] = '\n'; /* the file ends with a line break; the NUL is not written */
		st = file_write_atomic(path, json, n + 1, d);
		json[n] = '\0';
	} else {
		path = NULL;
		diag_add(d, "%s: out of memory", out);
	}
	free(json);
	free(path);
	return st;
}

/* DIR/fig_btc_backtest.dat: block 0 the simulated days, block 1 the
 * observations beside the simulated values over the same days, atomically
 * (a failure leaves nothing); the naive benchmark (TH/s, naive) beside both. */
static sim_status write_table(const struct btc_params *p, const struct btc_trace *t,
                              const double *naive, const char *out, sim_diag *d)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/fig_btc_backtest.dat", out);
	struct file_atomic a;
	sim_status st = file_atomic_open(&a, path, d);
	if (st != SIM_OK)
		return st;
	FILE *fp = a.f;
	const struct btc_data *bd = &p->data;
	fprintf(fp, "# fig_btc_backtest.dat, written by dais backtest (models/bitcoin.c)\n"
	            "# entry_rate %.6g hurdle_rate %.6g revenue_decline %.6g patience_days %.6g elec_sigma %.6g lag_days %g\n"
	            "# fit window from %.4f to %.4f; held out from %.4f\n",
	        p->nodes.entry_rate, p->nodes.hurdle_rate, p->nodes.revenue_decline,
	        p->nodes.patience_days, p->nodes.elec_sigma, p->lag_days, btc_year_frac(p->fit_from),
	        btc_year_frac(p->fit_to), btc_year_frac(p->hold_from));
	fprintf(fp, "# block 0: simulated, daily\n# year hashrate_sim_ehs hashprice_usd_per_th_day "
	            "efficiency_j_per_th hashrate_naive_ehs\n");
	for (int i = 0; i < t->n_days; i++) {
		double ths = t->ths[i];
		fprintf(fp, "%.5f %.6g %.6g %.6g %.6g\n", btc_year_frac(p->start + i), ths / 1e6,
		        ths > 0 ? t->revenue[i] / ths : NAN, ths > 0 ? t->watts[i] / ths : NAN,
		        naive[i] / 1e6);
	}
	struct btc_trace nt = { .n_days = t->n_days, .ths = (double *)naive };
	fprintf(fp, "\n\n# block 1: observed (kind 0 monthly mean in the fit window, 1 monthly mean held out,"
	            " 2 point estimate held out, 3 monthly mean outside both)\n"
	            "# year hashrate_obs_ehs hashrate_sim_ehs kind hashrate_naive_ehs\n");
	for (int i = 0; i < bd->hr_month.n; i++) {
		double hs = btc_sim_month(p, t, i);
		if (isnan(hs))
			continue;
		int32_t day = bd->hr_month.day[i];
		int kind = day >= p->fit_from && day <= p->fit_to ? 0 : day >= p->hold_from ? 1 : 3;
		fprintf(fp, "%.5f %.6g %.6g %d %.6g\n", btc_year_frac(day + 14), bd->hr_month.v[i], hs,
		        kind, btc_sim_month(p, &nt, i));
	}
	for (int i = 0; i < bd->hr_point.n; i++) {
		double hs = btc_sim_point(p, t, i);
		if (isnan(hs))
			continue;
		fprintf(fp, "%.5f %.6g %.6g 2 %.6g\n", btc_year_frac(bd->hr_point.day[i]),
		        bd->hr_point.v[i], hs, btc_sim_point(p, &nt, i));
	}
	return file_atomic_commit(&a, d);
}

/* fig_btc_backtest.png and .pdf from the table, when gnuplot is installed. */
static void draw(const char *out)
{
	char script[4096], dat[4096], base[4096];
	if (!spawn_have("gnuplot") ||
	    !plot_script_path(script, sizeof script, "fig_btc_backtest.gp"))
		return;
	snprintf(dat, sizeof dat, "%s/fig_btc_backtest.dat", out);
	snprintf(base, sizeof base, "%s/fig_btc_backtest", out);
	const struct plot_var v[] = { { "dat", dat }, { "out", base } };
	sim_diag d;
	diag_init(&d);
	if (plot_gnuplot(script, NULL, v, 2, 0, &d) == SIM_OK)
		printf("  wrote %s/fig_btc_backtest.png and .pdf\n", out);
	else
		fprintf(stderr, "dais backtest: gnuplot failed; the .dat file is kept\n");
	cli_print_diag(&d, "dais backtest: ");
	diag_release(&d);
}

/* Fits (unless !fit), simulates the fitted model, reports, writes DIR. */
static int backtest(scn *s, const char *path, const char *out, int fit, int quiet,
                    sim_diag *d)
{
	struct btc_params p;
	struct btc_trace t = { 0 };
	double *naive = NULL;      /* the naive benchmark, TH/s by day */
	int rc = DAIS_EXIT_FAIL;
	sim_status st = btc_params_load(&p, s, d);
	if (st != SIM_OK)
		return sim_exit_code(st);
	if (fit) {
		if (!p.fit_mask)
			p.fit_mask = BTC_FIT_ENTRY | BTC_FIT_DECLINE | BTC_FIT_LAG;
		if ((st = btc_fit(&p, !quiet, d)) != SIM_OK) {
			rc = sim_exit_code(st);
			goto done;
		}
	}
	struct node_params np = p.nodes;
	np.deterministic = 1;
	if ((st = btc_simulate(&p, &np, NULL, &t)) != SIM_OK) {
		diag_add(d, "bitcoin: simulation failed: %s", sim_strerror(st));
		goto done;
	}
	struct btc_err e;
	btc_errors(&p, &t, &e);
	struct btc_naive nv;
	if (!(naive = calloc((size_t)t.n_days, sizeof *naive))) {
		diag_add(d, "bitcoin: out of memory");
		goto done;
	}
	if ((st = btc_naive(&p, naive, &nv, d)) != SIM_OK) {
		rc = sim_exit_code(st);
		goto done;
	}
	print_errors(path, &p, fit, &e, &nv);
	if (file_mkdir_p(out, d) || write_table(&p, &t, naive, out, d) != SIM_OK ||
	    write_fitted(s, &p, out, d) != SIM_OK)
		goto done;
	printf("  wrote %s/bitcoin-fit.json and %s/fig_btc_backtest.dat\n", out, out);
	draw(out);
	rc = DAIS_EXIT_OK;
done:
	free(naive);
	btc_trace_release(&t);
	btc_params_release(&p);
	return rc;
}

int cmd_backtest(int argc, char **argv)
{
	const char *path = NULL, *out = "results/backtest";
	int nofit = 0, quiet = 0;
	struct cli_sets sets = { 0 };
	struct cli c;
	cli_begin(&c, argc, argv, usage);
	while (cli_next(&c))
		if (!cli_path(&c, "-o", NULL, &out) && !cli_set(&c, &sets) &&
		    !cli_flag(&c, "--no-fit", NULL, &nofit) && !cli_flag(&c, "--quiet", NULL, &quiet) &&
		    !cli_arg(&c, &path))
			cli_unknown(&c);
	if (cli_end(&c, 1)) {
		cli_sets_release(&sets);
		return c.status;
	}
	char defpath[4096];
	if (!path) {
		struct stat sb;
		path = "scenarios/bitcoin-backtest.json";
		if (stat(path, &sb) != 0) {
			snprintf(defpath, sizeof defpath, "%s/%s", DAIS_SRCDIR, path);
			path = defpath;
		}
	}
	cli_sets_add(&sets, "bitcoin.fit=false"); /* the command fits itself, verbosely */
	int rc = DAIS_EXIT_USAGE;
	scn *s = cli_load(path, &sets);
	sim_diag d;
	diag_init(&d);
	if (s && strcmp(scn_str(s, "model"), "bitcoin"))
		diag_add(&d, "%s: $.model: expected 'bitcoin', got '%s'", path, scn_str(s, "model"));
	else if (s)
		rc = backtest(s, path, out, !nofit, quiet, &d);
	cli_print_diag(&d, "dais: ");
	diag_release(&d);
	scn_free(s);
	cli_sets_release(&sets);
	return rc;
}
