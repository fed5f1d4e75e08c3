/* test_sweep.c — sweep files: points of a grid and of a one-at-a-time design,
 * messages for bad files, and quick mm1 sweeps whose point files equal
 * separate runs with the same seed. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "sim/model.h"
#include "run/run.h"
#include "sim/scn.h"
#include "sim/sim.h"
#include "sim/spawn.h"
#include "run/sweep.h"
#include "models/registry.h"

/* ---------------------------------------------------------------- designs */

Test(sweep, grid_points_are_the_cartesian_product_last_fastest)
{
	const char *text =
		"{ \"scenario\": \"x.json\", \"set\": [\"replications=2\"],"
		"  \"parameters\": ["
		"    { \"path\": \"a.x\", \"values\": [1, 2] },"
		"    { \"path\": \"b.y\", \"values\": [\"p\", \"q\", \"r\"], \"label\": \"why\" },"
		"    { \"path\": \"c.z\", \"values\": [true, false] } ] }";
	sim_diag d;
	diag_init(&d);
	sweep *w = sweep_parse(text, "t.json", &d);
	diag_print(&d, stderr, "");
	cr_assert_not_null(w);
	cr_assert_eq(sweep_mode(w), SWEEP_GRID);
	cr_assert_eq(sweep_npoints(w), 12);
	cr_assert_str_eq(sweep_param(w, 1)->label, "why");
	cr_assert_str_eq(sweep_param(w, 0)->label, "a.x");
	/* enumerate: every combination exactly once, in nested-loop order */
	int seen[2][3][2] = { { { 0 } } };
	for (int i = 0; i < 12; i++) {
		int a = sweep_point_value(w, i, 0), b = sweep_point_value(w, i, 1),
		    c = sweep_point_value(w, i, 2);
		cr_assert_eq(i, (a * 3 + b) * 2 + c, "point %d is (%d,%d,%d)", i, a, b, c);
		seen[a][b][c]++;
	}
	for (int a = 0; a < 2; a++)
		for (int b = 0; b < 3; b++)
			for (int c = 0; c < 2; c++)
				cr_assert_eq(seen[a][b][c], 1);
	const char *sets[8];
	int n = sweep_point_sets(w, 7, sets); /* (1, 0, 1) */
	cr_assert_eq(n, 4);
	cr_assert_str_eq(sets[0], "replications=2");
	cr_assert_str_eq(sets[1], "a.x=2");
	cr_assert_str_eq(sets[2], "b.y=\"p\"");
	cr_assert_str_eq(sets[3], "c.z=false");
	cr_assert_str_eq(sweep_scenario_path(w), "x.json");
	cr_assert_str_eq(sweep_default_dir(w), "results/t");
	char fn[32];
	sweep_point_file(7, fn, sizeof fn);
	cr_assert_str_eq(fn, "point_0007.h5");
	sweep_free(w);
	diag_release(&d);
}

Test(sweep, ranges_and_relative_scenario)
{
	const char *text = "{ \"scenario\": \"../mm1.json\", \"output\": \"out/dir\","
	                   "  \"parameters\": [ { \"path\": \"queue.arrival_rate\","
	                   "    \"values\": { \"from\": 0.5, \"to\": 0.9, \"steps\": 5 } } ] }";
	sweep *w = sweep_parse(text, "scenarios/sweeps/r.json", NULL);
	cr_assert_not_null(w);
	cr_assert_eq(sweep_npoints(w), 5);
	const char *want[] = { "0.5", "0.6", "0.7", "0.8", "0.9" };
	for (int j = 0; j < 5; j++)
		cr_assert_str_eq(sweep_param(w, 0)->values[j], want[j]);
	cr_assert_str_eq(sweep_scenario_path(w), "scenarios/sweeps/../mm1.json");
	cr_assert_str_eq(sweep_default_dir(w), "out/dir");
	sweep_free(w);
}

Test(sweep, oat_design_is_baseline_then_low_high_per_parameter)
{
	const char *text = "{ \"scenario\": \"x.json\", \"mode\": \"oat\", \"parameters\": ["
	                   "  { \"path\": \"a\", \"low\": 1, \"high\": 3 },"
	                   "  { \"path\": \"b\", \"low\": 0.1, \"high\": 0.2 } ] }";
	sweep *w = sweep_parse(text, "o.json", NULL);
	cr_assert_not_null(w);
	cr_assert_eq(sweep_mode(w), SWEEP_OAT);
	cr_assert_eq(sweep_npoints(w), 5);
	int want[5][2] = { { -1, -1 }, { 0, -1 }, { 1, -1 }, { -1, 0 }, { -1, 1 } };
	for (int i = 0; i < 5; i++)
		for (int k = 0; k < 2; k++)
			cr_assert_eq(sweep_point_value(w, i, k), want[i][k], "point %d param %d", i, k);
	const char *sets[4];
	cr_assert_eq(sweep_point_sets(w, 0, sets), 0);
	cr_assert_eq(sweep_point_sets(w, 4, sets), 1);
	cr_assert_str_eq(sets[0], "b=0.2");
	sweep_free(w);

	/* a grid run as sensitivity: first and last values become low and high */
	w = sweep_parse("{ \"scenario\": \"x.json\", \"parameters\": ["
	                "  { \"path\": \"a\", \"values\": [1, 2, 3, 4] },"
	                "  { \"path\": \"b\", \"values\": [7] } ] }", "g.json", NULL);
	cr_assert_not_null(w);
	cr_assert_eq(sweep_npoints(w), 4);
	sweep_force_oat(w);
	cr_assert_eq(sweep_npoints(w), 5);
	cr_assert_str_eq(sweep_param(w, 0)->sets[0], "a=1");
	cr_assert_str_eq(sweep_param(w, 0)->sets[1], "a=4");
	cr_assert_str_eq(sweep_param(w, 1)->sets[1], "b=7");
	sweep_free(w);
}

/* ------------------------------------------------------------ bad files */

struct bad {
	const char *text;
	const char *msg[4]; /* every message, in order */
};

static const struct bad bad_files[] = {
	{ "{ \"scenario\": \"x.json\", \"parameters\": [ { \"path\": \"a\", \"values\": [1,] } ] }",
	  { "bad.json:1:69: parse error near '] } ] }'" } },
	{ "[1, 2]", { "bad.json: $: expected object, got array" } },
	{ "{ \"parameters\": [ { \"path\": \"a\", \"values\": [1] } ] }",
	  { "bad.json: $.scenario: required key is missing" } },
	{ "{ \"scenario\": 3, \"parameters\": [ { \"path\": \"a\", \"values\": [1] } ] }",
	  { "bad.json: $.scenario: expected string (a scenario file), got number" } },
	{ "{ \"scenario\": \"x.json\", \"parametrs\": [] }",
	  { "bad.json: $.parametrs: unknown key (did you mean 'parameters'?)",
	    "bad.json: $.parameters: required key is missing" } },
	{ "{ \"scenario\": \"x.json\", \"parameters\": [] }",
	  { "bad.json: $.parameters: expected non-empty array, got empty array" } },
	{ "{ \"scenario\": \"x.json\", \"mode\": \"lhs\", \"parameters\": [ { \"path\": \"a\", \"values\": [1] } ] }",
	  { "bad.json: $.mode: expected one of grid, oat, got 'lhs'" } },
	{ "{ \"scenario\": \"x.json\", \"parameters\": [ { \"path\": \"a\", \"values\": { \"x\": 1 } } ] }",
	  { "bad.json: $.parameters[0].values.x: unknown key",
	    "bad.json: $.parameters[0].values.from: expected number, got nothing (required key is missing)",
	    "bad.json: $.parameters[0].values.to: expected number, got nothing (required key is missing)",
	    "bad.json: $.parameters[0].values.steps: expected number, got nothing (required key is missing)" } },
	{ "{ \"scenario\": \"x.json\", \"parameters\": [ { \"path\": \"a\", \"values\": 4 } ] }",
	  { "bad.json: $.parameters[0].values: expected non-empty array or {from, to, steps}, got number" } },
	{ "{ \"scenario\": \"x.json\", \"parameters\": [ { \"path\": \"a\", \"values\": [1, [2]] } ] }",
	  { "bad.json: $.parameters[0].values[1]: expected number, string or boolean, got array" } },
	{ "{ \"scenario\": \"x.json\", \"parameters\": [ { \"values\": [1] }, 5 ] }",
	  { "bad.json: $.parameters[0].path: required key is missing",
	    "bad.json: $.parameters[1]: expected object, got number" } },
	{ "{ \"scenario\": \"x.json\", \"parameters\": [ { \"path\": \"a\", \"values\": [1] },"
	  "  { \"path\": \"a\", \"values\": [2] } ] }",
	  { "bad.json: $.parameters[1].path: 'a' is swept twice (also $.parameters[0])" } },
	{ "{ \"scenario\": \"x.json\", \"parameters\": [ { \"path\": \"a\", \"low\": 1, \"high\": 2 } ] }",
	  { "bad.json: $.parameters[0].low: only in mode oat (a grid takes values)",
	    "bad.json: $.parameters[0].values: required key is missing" } },
	{ "{ \"scenario\": \"x.json\", \"mode\": \"oat\", \"parameters\": [ { \"path\": \"a\", \"low\": {} } ] }",
	  { "bad.json: $.parameters[0].low: expected number, string or boolean, got object",
	    "bad.json: $.parameters[0].high: required key is missing (mode oat)" } },
	{ "{ \"scenario\": \"x.json\", \"outputs\": [\"ok\", \"not ok\", 3],"
	  "  \"parameters\": [ { \"path\": \"a\", \"values\": [1] } ] }",
	  { "bad.json: $.outputs[1]: expected a scalar name ([A-Za-z0-9_]+), got 'not ok'",
	    "bad.json: $.outputs[2]: expected string, got number" } },
	{ "{ \"scenario\": \"x.json\", \"set\": [\"seed\"], \"parameters\": [ { \"path\": \"a\", \"values\": [1] } ] }",
	  { "bad.json: $.set[0]: expected \"path=value\", got 'seed'" } },
	{ "{ \"scenario\": \"x.json\", \"parameters\": ["
	  "  { \"path\": \"a\", \"values\": { \"from\": 0, \"to\": 1, \"steps\": 1000 } },"
	  "  { \"path\": \"b\", \"values\": { \"from\": 0, \"to\": 1, \"steps\": 1001 } } ] }",
	  { "bad.json: $.parameters: the grid has 1001000 points, more than the limit of 1000000" } },
	{ "{ \"scenario\": \"x.json\", \"parameters\": [ { \"path\": \"a\", \"values\": { \"from\": 0, \"to\": 1, \"steps\": 0.5 } } ] }",
	  { "bad.json: $.parameters[0].values.steps: expected an integer in [1, 1000000], got 0.5" } },
};

Test(sweep, bad_files_give_every_message_with_its_json_path)
{
	for (size_t c = 0; c < sizeof bad_files / sizeof *bad_files; c++) {
		sim_diag d;
		diag_init(&d);
		sweep *w = sweep_parse(bad_files[c].text, "bad.json", &d);
		cr_expect_null(w, "case %zu was accepted", c);
		int n = 0;
		while (n < 4 && bad_files[c].msg[n])
			n++;
		cr_expect_eq(d.n, n, "case %zu: %d messages, expected %d (first: %s)", c, d.n, n,
		             d.n ? d.msg[0] : "-");
		for (int i = 0; i < n && i < d.n; i++)
			cr_expect_str_eq(d.msg[i], bad_files[c].msg[i], "case %zu message %d", c, i);
		sweep_free(w);
		diag_release(&d);
	}
}

/* Writes a sweep file into dir and returns its path (static buffer). */
static const char *write_sweep(const char *dir, const char *name, const char *body)
{
	static char path[1200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, body, th_src("scenarios/mm1.json"));
	fclose(f);
	return path;
}

Test(sweep, values_are_checked_against_the_scenario_before_running)
{
	char *dir = th_mkdtemp();
	const char *p = write_sweep(dir, "v.json",
	                            "{ \"scenario\": \"%s\", \"parameters\": ["
	                            "  { \"path\": \"queue.servers\", \"values\": [1, 0, \"two\"] },"
	                            "  { \"path\": \"queue.nope\", \"values\": [1] } ] }");
	sim_diag d;
	diag_init(&d);
	sweep *w = sweep_load(p, model_types, &d);
	cr_assert_null(w);
	cr_assert_geq(d.n, 3);
	char pre[1300];
	snprintf(pre, sizeof pre, "%s: $.parameters[0].values[1]: ", p);
	cr_expect(strncmp(d.msg[0], pre, strlen(pre)) == 0 && strstr(d.msg[0], "queue.servers"),
	          "%s", d.msg[0]);
	snprintf(pre, sizeof pre, "%s: $.parameters[0].values[2]: ", p);
	cr_expect(strncmp(d.msg[1], pre, strlen(pre)) == 0, "%s", d.msg[1]);
	snprintf(pre, sizeof pre, "%s: $.parameters[1].values[0]: ", p);
	cr_expect(strncmp(d.msg[2], pre, strlen(pre)) == 0 && strstr(d.msg[2], "nope"), "%s",
	          d.msg[2]);
	diag_release(&d);

	/* a point that passes the schema but not the model (load rho >= 1) */
	diag_init(&d);
	p = write_sweep(dir, "rho.json",
	                "{ \"scenario\": \"%s\", \"parameters\": ["
	                "  { \"path\": \"queue.arrival_rate\", \"values\": [0.5, 1.5] } ] }");
	w = sweep_load(p, model_types, &d);
	cr_assert_null(w);
	cr_assert_geq(d.n, 1);
	snprintf(pre, sizeof pre, "%s: point 1 (queue.arrival_rate=1.5): ", p);
	cr_expect(strncmp(d.msg[0], pre, strlen(pre)) == 0, "%s", d.msg[0]);
	diag_release(&d);

	/* a missing scenario */
	diag_init(&d);
	p = write_sweep(dir, "m.json", "{ \"scenario\": \"%s.missing\", \"parameters\": ["
	                               "  { \"path\": \"seed\", \"values\": [1] } ] }");
	cr_assert_null(sweep_load(p, model_types, &d));
	snprintf(pre, sizeof pre, "%s: $.scenario: ", p);
	cr_assert_geq(d.n, 1);
	cr_expect(strncmp(d.msg[0], pre, strlen(pre)) == 0, "%s", d.msg[0]);
	diag_release(&d);
	th_rmtree(dir);
	free(dir);
}

/* ------------------------------------------------------------ running */

static const char *quick_grid =
	"{ \"description\": \"quick\", \"scenario\": \"%s\","
	"  \"set\": [\"queue.customers=20000\", \"queue.warmup=500\", \"replications=3\","
	"           \"queue.sample_every=2000\"],"
	"  \"parameters\": ["
	"    { \"path\": \"queue.arrival_rate\", \"label\": \"lambda\", \"values\": [0.5, 0.8] },"
	"    { \"path\": \"queue.servers\", \"values\": [1, 2] } ],"
	"  \"outputs\": [\"mean_wait\"] }";

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int n = 0, c;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

Test(sweep, points_equal_separate_runs_and_index_lists_them, .timeout = 60)
{
	char *dir = th_mkdtemp(), out[1100];
	const char *p = write_sweep(dir, "g.json", quick_grid);
	snprintf(out, sizeof out, "%s/out", dir);
	sim_diag d;
	diag_init(&d);
	sweep *w = sweep_load(p, model_types, &d);
	diag_print(&d, stderr, "");
	cr_assert_not_null(w);
	int status[4];
	struct sweep_opts o = { .dir = out, .threads = 2, .quiet = 1 };
	cr_assert_eq(sweep_run(w, &o, status, &d), SIM_OK);
	cr_assert_eq(sweep_write_index(w, out, status, &d), SIM_OK);
	diag_print(&d, stderr, "");
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(status[i], SWEEP_DONE);
		/* the same as dais run mm1.json --set ... with the same seed */
		const char *sets[8];
		int n = sweep_point_sets(w, i, sets);
		scn *s = scn_load(th_src("scenarios/mm1.json"), sets, n, &d);
		cr_assert_not_null(s);
		char a[1200], b[1200];
		snprintf(a, sizeof a, "%s/point_%04d.h5", out, i);
		snprintf(b, sizeof b, "%s/run_%d.h5", dir, i);
		struct run_opts ro = { .models = model_types, .out = b, .threads = 1, .quiet = 1 };
		cr_assert_eq(run_scenario(s, &ro, &d), SIM_OK);
		cr_assert_eq(th_compare_datasets(a, b, 0), 0, "point %d differs from its run", i);
		scn_free(s);
	}
	char idx[1200];
	snprintf(idx, sizeof idx, "%s/index.csv", out);
	cr_assert_eq(count_lines(idx), 5);
	FILE *f = fopen(idx, "r");
	char line[2048];
	cr_assert_not_null(fgets(line, sizeof line, f));
	cr_assert_str_eq(line, "point,lambda,queue.servers,file,status,mean_wait_mean,"
	                       "mean_wait_ci95_lo,mean_wait_ci95_hi,mean_wait_n\n");
	cr_assert_not_null(fgets(line, sizeof line, f));
	cr_assert(strncmp(line, "0,0.5,1,point_0000.h5,done,", 27) == 0, "%s", line);
	cr_assert_not_null(fgets(line, sizeof line, f));
	cr_assert(strncmp(line, "1,0.5,2,point_0001.h5,done,", 27) == 0, "%s", line);
	double mean, lo, hi, n;
	cr_assert_eq(sscanf(strrchr(line, 'e') + 2, "%lf,%lf,%lf,%lf", &mean, &lo, &hi, &n), 4, "%s", line);
	cr_assert(lo < mean && mean < hi && n == 3, "%s", line);
	fclose(f);
	snprintf(idx, sizeof idx, "%s/index.json", out);
	cr_assert_eq(access(idx, R_OK), 0);
	sweep_free(w);
	diag_release(&d);
	th_rmtree(dir);
	free(dir);
}

static time_t mtime_of(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec : -1;
}

Test(sweep, resume_keeps_finished_points_and_reruns_the_rest, .timeout = 60)
{
	char *dir = th_mkdtemp(), out[1100], a[1200], b[1200], keep[1200];
	const char *p = write_sweep(dir, "g.json", quick_grid);
	snprintf(out, sizeof out, "%s/out", dir);
	sim_diag d;
	diag_init(&d);
	sweep *w = sweep_load(p, model_types, &d);
	cr_assert_not_null(w);
	int status[4];
	struct sweep_opts o = { .dir = out, .threads = 1, .quiet = 1 };
	cr_assert_eq(sweep_run(w, &o, status, &d), SIM_OK);
	snprintf(a, sizeof a, "%s/point_0002.h5", out);
	snprintf(b, sizeof b, "%s/ref_0002.h5", dir);
	cr_assert_eq(rename(a, b), 0);
	snprintf(keep, sizeof keep, "%s/point_0001.h5", out);
	long long t1 = mtime_of(keep);
	o.resume = 1;
	cr_assert_eq(sweep_run(w, &o, status, &d), SIM_OK);
	cr_assert_eq(mtime_of(keep), t1, "a finished point was run again");
	cr_assert_eq(th_compare_datasets(a, b, 0), 0);
	/* a point file of another scenario is refused */
	snprintf(b, sizeof b, "%s/point_0003.h5", out);
	cr_assert_eq(rename(keep, b), 0);
	diag_clear(&d);
	cr_assert_eq(sweep_run(w, &o, status, &d), SIM_EINVAL);
	cr_assert_geq(d.n, 1);
	cr_assert(strstr(d.msg[0], "point_0003.h5: holds the results of another scenario"), "%s",
	          d.msg[0]);
	sweep_free(w);
	diag_release(&d);
	th_rmtree(dir);
	free(dir);
}

Test(sweep, sensitivity_writes_a_sorted_tornado_table, .timeout = 60)
{
	char *dir = th_mkdtemp(), out[1100], path[1200];
	const char *p = write_sweep(dir, "o.json",
		"{ \"scenario\": \"%s\", \"mode\": \"oat\","
		"  \"set\": [\"queue.customers=20000\", \"queue.warmup=500\", \"replications=2\","
		"           \"queue.arrival_rate=0.7\"],"
		"  \"parameters\": ["
		"    { \"path\": \"seed\", \"low\": 1, \"high\": 1 },"
		"    { \"path\": \"queue.arrival_rate\", \"low\": 0.5, \"high\": 0.8 } ],"
		"  \"outputs\": [\"mean_wait\"] }");
	snprintf(out, sizeof out, "%s/out", dir);
	sim_diag d;
	diag_init(&d);
	sweep *w = sweep_load(p, model_types, &d);
	cr_assert_not_null(w);
	int status[5];
	struct sweep_opts o = { .dir = out, .threads = 2, .quiet = 1 };
	cr_assert_eq(sweep_run(w, &o, status, &d), SIM_OK);
	cr_assert_eq(sweep_write_tornado(w, out, status, 1, &d), SIM_OK);
	snprintf(path, sizeof path, "%s/tornado.csv", out);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	char line[1024];
	cr_assert_not_null(fgets(line, sizeof line, f));
	cr_assert_str_eq(line, "output,parameter,low,high,baseline_value,output_baseline,"
	                       "output_low,output_high,swing\n");
	cr_assert_not_null(fgets(line, sizeof line, f));
	cr_assert(strncmp(line, "mean_wait,queue.arrival_rate,0.5,0.8,0.7,", 41) == 0, "%s", line);
	cr_assert_not_null(fgets(line, sizeof line, f));
	/* seed 1 is the scenario's own seed: no swing at all */
	cr_assert(strncmp(line, "mean_wait,seed,1,1,20240101,", 28) == 0, "%s", line);
	cr_assert(strstr(line, ",0\n") != NULL, "%s", line);
	fclose(f);
	snprintf(path, sizeof path, "%s/tornado_mean_wait.dat", out);
	cr_assert_eq(access(path, R_OK), 0);
	sweep_free(w);
	diag_release(&d);
	th_rmtree(dir);
	free(dir);
}

/* The names in a tornado go to gnuplot as strings, never as script text: an
 * output folder whose name holds a quote, $(...) and backticks gets its
 * figure, and no command in the name runs. */
Test(sweep, tornado_in_a_folder_named_like_a_command_runs_none, .timeout = 60)
{
	char *dir = th_mkdtemp(), out[1200], path[1300];
	const char *p = write_sweep(dir, "o.json",
		"{ \"scenario\": \"%s\", \"mode\": \"oat\","
		"  \"set\": [\"queue.customers=5000\", \"queue.warmup=500\", \"replications=2\"],"
		"  \"parameters\": ["
		"    { \"path\": \"queue.arrival_rate\", \"low\": 0.5, \"high\": 0.8 },"
		"    { \"path\": \"queue.service_rate\", \"low\": 1.5, \"high\": 2 } ],"
		"  \"outputs\": [\"mean_wait\"] }");
	snprintf(out, sizeof out, "%s/it's $(touch F) `touch G`", dir);
	/* gnuplot, and any shell it might start, works here: F or G would land here */
	cr_assert_eq(chdir(dir), 0);
	sim_diag d;
	diag_init(&d);
	sweep *w = sweep_load(p, model_types, &d);
	cr_assert_not_null(w);
	int status[5];
	struct sweep_opts o = { .dir = out, .threads = 2, .quiet = 1 };
	cr_assert_eq(sweep_run(w, &o, status, &d), SIM_OK);
	cr_assert_eq(sweep_write_tornado(w, out, status, 1, &d), SIM_OK);
	diag_print(&d, stderr, "");
	snprintf(path, sizeof path, "%s/tornado_mean_wait.dat", out);
	cr_assert_eq(access(path, R_OK), 0);
	if (spawn_have("gnuplot")) {
		snprintf(path, sizeof path, "%s/tornado_mean_wait.png", out);
		cr_expect_eq(access(path, R_OK), 0, "no figure in %s", out);
	}
	const char *where[] = { dir, out };
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/F", where[i]);
		cr_expect_neq(access(path, F_OK), 0, "%s was created", path);
		snprintf(path, sizeof path, "%s/G", where[i]);
		cr_expect_neq(access(path, F_OK), 0, "%s was created", path);
	}
	cr_assert_eq(chdir(DAIS_SRCDIR), 0);
	sweep_free(w);
	diag_release(&d);
	th_rmtree(dir);
	free(dir);
}

/* ---------------------------------------------- fuzz corpora, replayed */

/* Every input under tests/fuzz/{corpus,regress}/<target>/ goes through the
 * parser once: a crash found by `make fuzz` stays fixed. */
static int replay(const char *target, int (*fn)(const char *text))
{
	int n = 0;
	const char *kinds[] = { "corpus", "regress" };
	for (int k = 0; k < 2; k++) {
		char dpath[1200];
		snprintf(dpath, sizeof dpath, "%s/tests/fuzz/%s/%s", DAIS_SRCDIR, kinds[k], target);
		DIR *dd = opendir(dpath);
		struct dirent *e;
		while (dd && (e = readdir(dd))) {
			if (e->d_name[0] == '.')
				continue;
			char p[1600];
			snprintf(p, sizeof p, "%s/%s", dpath, e->d_name);
			FILE *f = fopen(p, "rb");
			if (!f)
				continue;
			static char buf[1 << 20];
			size_t m = fread(buf, 1, sizeof buf - 1, f);
			buf[m] = '\0';
			fclose(f);
			fn(buf);
			n++;
		}
		if (dd)
			closedir(dd);
	}
	return n;
}

static int parse_sweep(const char *text)
{
	sim_diag d;
	diag_init(&d);
	sweep *w = sweep_parse(text, "fuzz.json", &d);
	if (w) {
		const char *sets[64];
		for (int i = 0; i < sweep_npoints(w) && i < 100; i++)
			if (sweep_nsets(w) + sweep_nparams(w) <= 64)
				sweep_point_sets(w, i, sets);
		sweep_force_oat(w);
	}
	sweep_free(w);
	diag_release(&d);
	return 0;
}

static int parse_scn(const char *text)
{
	sim_diag d;
	diag_init(&d);
	scn *s = scn_parse(text, "fuzz.json", NULL, 0, &d);
	if (s)
		free(scn_to_json(s));
	scn_free(s);
	diag_release(&d);
	return 0;
}

Test(sweep, fuzz_corpora_replay_without_crashing)
{
	cr_expect_gt(replay("sweep", parse_sweep), 0);
	cr_expect_gt(replay("scn", parse_scn), 0);
}

/* ------------------------------------------------- hostile numeric input */

/* Every bad value is refused while loading (schema) or parsing (the model's
 * own rules), before any replication runs, with a message naming the key. */
static const struct {
	const char *scenario;
	const char *set;
	const char *key; /* in the message */
} bad_numbers[] = {
	{ "scenarios/mm1.json", "queue.arrival_rate=-1", "$.queue.arrival_rate" },
	{ "scenarios/mm1.json", "queue.arrival_rate=nan", "$.queue.arrival_rate" },
	{ "scenarios/mm1.json", "queue.service_rate=1e400", "$.queue.service_rate" },
	{ "scenarios/mm1.json", "queue.customers=1e300", "$.queue.customers" },
	{ "scenarios/mm1.json", "queue.servers=0", "$.queue.servers" },
	{ "scenarios/mm1.json", "queue.arrival_rate=2", "queue" }, /* load >= 1: the model's rule */
	{ "scenarios/mm1.json", "replications=0", "$.replications" },
	{ "scenarios/mm1.json", "seed=-3", "$.seed" },
	{ "scenarios/baseline.json", "network.horizon_years=1e9", "$.network.horizon_years" },
	{ "scenarios/baseline.json", "network.sample_every_days=0", "$.network.sample_every_days" },
	{ "scenarios/baseline.json", "verification.cross.p=1.5", "$.verification.cross.p" },
	{ "scenarios/baseline.json", "verification.cross.p=-0.1", "$.verification.cross.p" },
	{ "scenarios/baseline.json", "token.split.operators=2", "$.token.split.operators" },
	{ "scenarios/baseline.json", "demand.noise_sigma=-1", "$.demand.noise_sigma" },
	{ "scenarios/baseline.json", "chains[sui].capacity_tps=-5", "capacity_tps" },
	{ "scenarios/baseline.json", "settlement.routing=[]", "$.settlement.routing" },
	{ "scenarios/baseline.json", "network.initial_nodes=[{\"class\":\"nope\",\"nodes\":5}]",
	  "$.network.initial_nodes[0].class" },
};

Test(sweep, numeric_bad_input_is_rejected_before_the_run)
{
	for (size_t c = 0; c < sizeof bad_numbers / sizeof *bad_numbers; c++) {
		if (access(th_src(bad_numbers[c].scenario), R_OK) != 0)
			continue;
		sim_diag d;
		diag_init(&d);
		scn *s = scn_load(th_src(bad_numbers[c].scenario), &bad_numbers[c].set, 1, &d);
		if (s) {
			const struct model_type *mt = model_find(scn_str(s, "model"));
			cr_assert_not_null(mt);
			void *p = calloc(1, mt->params_size ? mt->params_size : 1);
			sim_status st = mt->parse(p, s, &d);
			if (mt->release)
				mt->release(p);
			free(p);
			cr_expect_neq(st, SIM_OK, "%s was accepted", bad_numbers[c].set);
		}
		cr_expect_geq(d.n, 1, "%s: no message", bad_numbers[c].set);
		int named = 0;
		for (int i = 0; i < d.n; i++)
			named |= strstr(d.msg[i], bad_numbers[c].key) != NULL;
		cr_expect(named, "%s: no message names %s (first: %s)", bad_numbers[c].set,
		          bad_numbers[c].key, d.n ? d.msg[0] : "-");
		scn_free(s);
		diag_release(&d);
	}
}
