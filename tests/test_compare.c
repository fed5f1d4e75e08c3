/* test_compare.c — `dais compare` (analysis/compare.h, cli/compare.c) and
 * `dais sweep --set`: the table against the scalars read on their own, the
 * overlap of intervals, the figures' files, the exit statuses, and the
 * examples of the help texts. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "analysis/compare.h"
#include "analysis/plot.h"
#include "analysis/summary.h"
#include "cli/cli.h"
#include "h5/h5i.h"
#include "h5/h5o.h"
#include "sim/file.h"
#include "helpers.h"

/* ---- the overlap of two intervals ------------------------------------------------ */

Test(compare, overlap_of_intervals_by_hand)
{
	cr_expect_eq(compare_overlap(1, 2, 3, 4), 0);
	cr_expect_eq(compare_overlap(3, 4, 1, 2), 0);
	cr_expect_eq(compare_overlap(1, 3, 2, 4), 1);
	cr_expect_eq(compare_overlap(2, 4, 1, 3), 1);
	cr_expect_eq(compare_overlap(1, 4, 2, 3), 1);   /* one inside the other */
	cr_expect_eq(compare_overlap(1, 2, 2, 3), 1);   /* closed: they share 2 */
	cr_expect_eq(compare_overlap(1, 2, NAN, 3), -1); /* no interval */
}

/* ---- two runs of known different parameters -------------------------------------------- */

/* dir/name.h5: the M/M/1 queue at arrival rate lambda (service rate 1). */
static void run_mm1(const char *dir, const char *name, const char *lambda, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", dir, name);
	char rate[64];
	snprintf(rate, sizeof rate, "queue.arrival_rate=%s", lambda);
	char *argv[] = { "run", (char *)th_src("scenarios/mm1.json"), "--set",
	                 "queue.customers=3000", "--set", "queue.warmup=100", "--set", rate,
	                 "--replications", "3", "--quiet", "-o", out, NULL };
	cr_assert_eq(cmd_run(13, argv), 0);
}

/* /summary/NAME_STAT of a file, read on its own. */
static double summary_value(const char *path, const char *name, const char *stat)
{
	h5i *f = h5i_open(path, NULL);
	cr_assert_not_null(f);
	char p[256];
	snprintf(p, sizeof p, "/summary/%s_%s", name, stat);
	struct h5i_data x;
	cr_assert_eq(h5i_read(f, p, &x, NULL), SIM_OK, "%s", p);
	double v = x.v[0];
	h5i_data_release(&x);
	h5i_close(f);
	return v;
}

static const struct compare_row *find_row(const struct compare_tab *t, const char *name)
{
	for (size_t r = 0; r < t->nrows; r++)
		if (!strcmp(t->rows[r].name, name))
			return &t->rows[r];
	return NULL;
}

/* The line of the CSV that starts with prefix, copied into line. */
static int csv_line(const char *text, const char *prefix, char *line, size_t n)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, strlen(prefix))) {
			size_t k = strcspn(p, "\n");
			snprintf(line, n, "%.*s", (int)(k < n ? k : n - 1), p);
			return 1;
		}
	return 0;
}

Test(compare, table_matches_the_scalars_of_each_file, .timeout = 60)
{
	char *dir = th_mkdtemp(), a[1100], b[1100];
	run_mm1(dir, "a.h5", "0.5", a, sizeof a);
	run_mm1(dir, "b.h5", "0.8", b, sizeof b);
	sim_diag d;
	diag_init(&d);
	h5i *f[2] = { compare_open(a, &d), compare_open(b, &d) };
	cr_assert(f[0] && f[1]);
	struct compare_tab t;
	cr_assert_eq(compare_scalars(f, 2, &t, &d), SIM_OK);
	cr_expect_eq(t.nfiles, 2);

	/* the parameters themselves: utilisation lambda/mu is 0.5 and 0.8 */
	const struct compare_row *u = find_row(&t, "server_utilisation_analytic");
	cr_assert_not_null(u);
	cr_expect_float_eq(u->v[0].mean, 0.5, 1e-12);
	cr_expect_float_eq(u->v[1].mean, 0.8, 1e-12);
	cr_expect_str_eq(u->units, "1");

	/* every value of every row as the file has it */
	const char *const files[2] = { a, b };
	for (size_t r = 0; r < t.nrows; r++)
		for (int i = 0; i < 2; i++) {
			const struct compare_val *v = &t.rows[r].v[i];
			const char *nm = t.rows[r].name;
			cr_assert(v->have, "%s in %s", nm, files[i]);
			cr_expect_eq(v->mean, summary_value(files[i], nm, "mean"), "%s", nm);
			cr_expect_eq(v->lo, summary_value(files[i], nm, "ci95_lo"), "%s", nm);
			cr_expect_eq(v->hi, summary_value(files[i], nm, "ci95_hi"), "%s", nm);
			cr_expect_eq(v->n, 3);
		}

	/* the CSV: B's line has the difference, the relative one and no overlap */
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	const char *labels[2] = { "A.h5", "B.h5" };
	compare_print_csv(&t, labels, m);
	fclose(m);
	char line[512];
	cr_assert(csv_line(text, "server_utilisation_analytic,B.h5,", line, sizeof line), "%s", text);
	cr_expect(strstr(line, ",0.30000000000000004,0.60000000000000009,0,1") ||
	          strstr(line, ",0.30000000000000004,0.6000000000000001,0,1"), "%s", line);
	cr_assert(csv_line(text, "server_utilisation_analytic,A.h5,", line, sizeof line));
	cr_expect(strstr(line, ",,,,1"), "A's own differences are blank: %s", line);
	free(text);

	/* the text table: the difference of the means, and the overlap */
	text = NULL;
	m = open_memstream(&text, &len);
	compare_print(&t, labels, m);
	fclose(m);
	cr_expect(strstr(text, "A   A.h5\nB   B.h5\n"), "%s", text);
	cr_expect(strstr(text, "B-A"), "%s", text);
	const char *row = strstr(text, "\nserver_utilisation_analytic ");
	cr_assert_not_null(row, "%s", text);
	size_t k = strcspn(row + 1, "\n");
	char rl[512];
	snprintf(rl, sizeof rl, "%.*s", (int)k, row + 1);
	cr_expect(strstr(rl, "+0.3 ") && strstr(rl, "+60%") && strstr(rl, " no"), "%s", rl);
	free(text);

	compare_tab_release(&t);
	h5i_close(f[0]);
	h5i_close(f[1]);
	diag_release(&d);

	/* the command: 0, and the figures' folder is made only for --series */
	char *argv[] = { "compare", a, b, "--csv", NULL };
	th_capture_begin();
	int rc = cmd_compare(4, argv);
	char msgs[4096];
	th_capture_end(msgs, sizeof msgs);
	cr_expect_eq(rc, 0, "%s", msgs);
	th_rmtree(dir);
	free(dir);
}

/* ---- made-up results files: a scalar only one has, a series in both ----------------------- */

/* A results file of 3 replications: scalars x (values base+k) and, when
 * extra, only_here; a 1-D series level and a 2-D series split (columns p, q). */
static void make_file(const char *path, double base, int extra)
{
	h5o *o = h5o_create(path, NULL);
	cr_assert_not_null(o);
	const char *cols[] = { "p", "q" };
	for (int k = 0; k < 3; k++) {
		rec *r = rec_alloc("day");
		int a = rec_series(r, "level", "widgets", 1, NULL);
		int b = rec_series(r, "split", "USD", 2, cols);
		for (int i = 0; i < 10; i++) {
			rec_set(r, a, 0, base + i + k);
			rec_set(r, b, 0, i);
			rec_set(r, b, 1, -i);
			cr_assert_eq(rec_sample(r, i), SIM_OK);
		}
		rec_scalar(r, "x", "widgets", base + k);
		if (extra)
			rec_scalar(r, "only_here", "s", 7);
		cr_assert_eq(h5o_write_rep(o, k, r, NULL), SIM_OK);
		rec_free(r);
	}
	cr_assert_eq(summary_write(o, NULL), SIM_OK);
	cr_assert_eq(h5o_commit(o, NULL), SIM_OK);
	h5o_free(o);
}

static char *slurp(const char *path)
{
	char *text = NULL;
	size_t n;
	cr_assert_eq(file_read(path, FILE_MAX_TEXT, &text, &n, NULL), SIM_OK, "%s", path);
	return text;
}

Test(compare, a_scalar_only_one_file_has_is_blank)
{
	char *dir = th_mkdtemp(), a[1100], b[1100];
	snprintf(a, sizeof a, "%s/a.h5", dir);
	snprintf(b, sizeof b, "%s/b.h5", dir);
	make_file(a, 1, 0);
	make_file(b, 11, 1);
	h5i *f[2] = { compare_open(a, NULL), compare_open(b, NULL) };
	cr_assert(f[0] && f[1]);
	struct compare_tab t;
	cr_assert_eq(compare_scalars(f, 2, &t, NULL), SIM_OK);
	cr_assert_eq(t.nrows, 2); /* only_here, x */
	const struct compare_row *o = find_row(&t, "only_here"), *x = find_row(&t, "x");
	cr_assert(o && x);
	cr_expect_eq(o->v[0].have, 0);
	cr_expect_eq(o->v[1].have, 1);
	cr_expect_float_eq(o->v[1].mean, 7, 1e-12);
	cr_expect_str_eq(o->units, "s"); /* from the file that has it */
	cr_expect_float_eq(x->v[0].mean, 2, 1e-12);
	cr_expect_float_eq(x->v[1].mean, 12, 1e-12);
	/* [1,3]-ish and [11,13]-ish: far apart */
	cr_expect_eq(compare_overlap(x->v[0].lo, x->v[0].hi, x->v[1].lo, x->v[1].hi), 0);

	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	const char *labels[2] = { "a.h5", "b.h5" };
	compare_print(&t, labels, m);
	fclose(m);
	/* only_here: units, a blank for A, B's value, no difference */
	const char *row = strstr(text, "\nonly_here ");
	cr_assert_not_null(row, "%s", text);
	char rl[512];
	snprintf(rl, sizeof rl, "%.*s", (int)strcspn(row + 1, "\n"), row + 1);
	cr_expect(strstr(rl, " s ") && strstr(rl, "7 [7, 7]") && !strchr(rl, '+'), "%s", rl);
	cr_expect(!strstr(rl, "nan") && !strstr(rl, "NaN"), "%s", rl);
	free(text);
	compare_tab_release(&t);

	/* series overlaid: a block per file (and column), labels quoted for gnuplot */
	const char *quoted[2] = { "it's a.h5", "b.h5" };
	cr_assert_eq(compare_series(f, quoted, 2, "level", dir, PLOT_PNG, 0, NULL), SIM_OK);
	char p[1200];
	snprintf(p, sizeof p, "%s/level.gp", dir);
	char *gp = slurp(p);
	cr_expect(strstr(gp, "title 'it''s a.h5'"), "%s", gp);
	cr_expect(strstr(gp, "dat index 1 using 1:2 with lines"), "%s", gp);
	cr_expect(!strstr(gp, "dat index 2"), "%s", gp);
	free(gp);
	snprintf(p, sizeof p, "%s/level.dat", dir);
	char *dat = slurp(p);
	cr_expect(strstr(dat, "# block 0, file it's a.h5\n 0 2 "), "%s", dat); /* mean of 1,2,3 */
	cr_expect(strstr(dat, "# block 1, file b.h5\n 0 12 "), "%s", dat);
	free(dat);
	cr_assert_eq(compare_series(f, labels, 2, "split", dir, PLOT_PNG, 0, NULL), SIM_OK);
	snprintf(p, sizeof p, "%s/split.gp", dir);
	gp = slurp(p);
	cr_expect(strstr(gp, "dat index 3 using 1:2") && strstr(gp, "title 'b.h5: q'"), "%s", gp);
	free(gp);
	/* a series neither has, and a name that is not a file name */
	sim_diag d;
	diag_init(&d);
	cr_expect_eq(compare_series(f, labels, 2, "nope", dir, PLOT_PNG, 0, &d), SIM_EINVAL);
	cr_expect_eq(compare_series(f, labels, 2, "../x", dir, PLOT_PNG, 0, &d), SIM_EINVAL);
	diag_release(&d);
	h5i_close(f[0]);
	h5i_close(f[1]);
	th_rmtree(dir);
	free(dir);
}

/* ---- bad input ------------------------------------------------------------------------ */

Test(compare, bad_input_exits_2_naming_the_path)
{
	char *dir = th_mkdtemp(), a[1100], plain[1100], nodir[1100];
	snprintf(a, sizeof a, "%s/a.h5", dir);
	snprintf(plain, sizeof plain, "%s/plain.h5", dir);
	snprintf(nodir, sizeof nodir, "%s/nosweep", dir);
	make_file(a, 1, 0);
	hid_t h = H5Fcreate(plain, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT); /* HDF5, not DAIS */
	cr_assert_geq(h, 0);
	H5Fclose(h);
	const char *scenario = th_src("scenarios/mm1.json");
	char *one[] = { "compare", a, NULL }, *none[] = { "compare", NULL },
	     *missing[] = { "compare", a, "/nonexistent/b.h5", NULL },
	     *notdais[] = { "compare", a, plain, NULL },
	     *nothdf5[] = { "compare", (char *)scenario, a, NULL },
	     *nosweep[] = { "compare", "--sweep", nodir, "--scalar", "x", NULL },
	     *noscalar[] = { "compare", "--sweep", nodir, NULL },
	     *help[] = { "compare", "--help", NULL };
	th_capture_begin();
	cr_expect_eq(cmd_compare(2, one), 2);
	cr_expect_eq(cmd_compare(1, none), 2);
	cr_expect_eq(cmd_compare(3, missing), 2);
	cr_expect_eq(cmd_compare(3, notdais), 2);
	cr_expect_eq(cmd_compare(3, nothdf5), 2);
	cr_expect_eq(cmd_compare(5, nosweep), 2);
	cr_expect_eq(cmd_compare(3, noscalar), 2);
	cr_expect_eq(cmd_compare(2, help), 0);
	char msgs[16384], want[2400];
	th_capture_end(msgs, sizeof msgs);
	snprintf(want, sizeof want, "dais compare: needs at least two results files, got one ('%s')", a);
	cr_expect(strstr(msgs, want), "%s", msgs);
	cr_expect(strstr(msgs, "dais compare: /nonexistent/b.h5: "), "%s", msgs);
	snprintf(want, sizeof want, "dais compare: %s: not a results file of dais run", plain);
	cr_expect(strstr(msgs, want), "%s", msgs);
	snprintf(want, sizeof want, "dais compare: %s: ", scenario);
	cr_expect(strstr(msgs, want), "%s", msgs);
	snprintf(want, sizeof want, "dais compare: %s/index.json: ", nodir);
	cr_expect(strstr(msgs, want), "%s", msgs);
	cr_expect(strstr(msgs, "--sweep needs --scalar NAME"), "%s", msgs);
	th_rmtree(dir);
	free(dir);
}

/* ---- sweeps: --set at every point, a scalar across the points ------------------------------ */

static const char *write_sweep(const char *dir)
{
	static char path[1200];
	snprintf(path, sizeof path, "%s/sw.json", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "{ \"scenario\": \"%s\", \"set\": [\"queue.customers=2000\", \"replications=2\"],"
	           "  \"parameters\": [ { \"path\": \"queue.arrival_rate\", \"label\": \"lambda\","
	           "                      \"values\": [0.3, 0.6] } ],"
	           "  \"outputs\": [\"mean_wait\"] }",
	        th_src("scenarios/mm1.json"));
	fclose(f);
	return path;
}

/* The resolved scenario stored in a point file, as text. */
static char *stored_scenario(const char *path)
{
	h5i *f = h5i_open(path, NULL);
	cr_assert_not_null(f, "%s", path);
	char *s = NULL;
	cr_assert_eq(h5i_attr_str(f, "/", "scenario_json", &s, NULL), SIM_OK);
	h5i_close(f);
	return s;
}

Test(compare, sweep_set_reaches_every_point_and_compare_reads_them, .timeout = 60)
{
	char *dir = th_mkdtemp(), out[1100], pt[1200];
	const char *sw = write_sweep(dir);
	snprintf(out, sizeof out, "%s/out", dir);
	char *argv[] = { "sweep", (char *)sw, "--set", "queue.customers=1500", "--set",
	                 "queue.service_rate=2", "--quiet", "-o", out, NULL, NULL };
	cr_assert_eq(cmd_sweep(9, argv), 0);
	for (int i = 0; i < 2; i++) {
		snprintf(pt, sizeof pt, "%s/point_%04d.h5", out, i);
		char *s = stored_scenario(pt);
		/* the --set wins over the file's "set"; the point keeps its own value */
		cr_expect(strstr(s, "\"customers\":1500") || strstr(s, "\"customers\": 1500"), "%s", s);
		cr_expect(strstr(s, "\"service_rate\":2") || strstr(s, "\"service_rate\": 2"), "%s", s);
		cr_expect(strstr(s, i ? "\"arrival_rate\":0.6" : "\"arrival_rate\":0.3") ||
		          strstr(s, i ? "\"arrival_rate\": 0.6" : "\"arrival_rate\": 0.3"), "%s", s);
		free(s);
		/* utilisation lambda/mu with mu = 2 from the --set */
		cr_expect_float_eq(summary_value(pt, "server_utilisation_analytic", "mean"),
		                   i ? 0.3 : 0.15, 1e-12);
	}
	snprintf(pt, sizeof pt, "%s/index.json", out);
	char *idx = slurp(pt);
	cr_expect(strstr(idx, "\"queue.service_rate=2\""), "the index lists the --set: %s", idx);
	free(idx);

	/* compare --sweep: the scalar of each point, x the swept value */
	struct compare_sweep s;
	cr_assert_eq(compare_sweep_load(out, "mean_wait", &s, NULL), SIM_OK);
	cr_expect_eq(s.npoints, 2);
	cr_expect_str_eq(s.xlabel, "lambda");
	cr_expect_float_eq(s.x[1], 0.6, 1e-12);
	cr_expect_str_eq(s.units, "s");
	for (int i = 0; i < 2; i++) {
		snprintf(pt, sizeof pt, "%s/point_%04d.h5", out, i);
		cr_expect_eq(s.v[i].mean, summary_value(pt, "mean_wait", "mean"));
		cr_expect_eq(s.v[i].hi, summary_value(pt, "mean_wait", "ci95_hi"));
	}
	cr_assert_eq(compare_sweep_figure(&s, out, "mean_wait", dir, PLOT_PNG, 0, NULL), SIM_OK);
	compare_sweep_release(&s);
	snprintf(pt, sizeof pt, "%s/mean_wait.dat", dir);
	char *dat = slurp(pt);
	cr_expect(strstr(dat, "\n 0.6 "), "%s", dat);
	free(dat);

	/* resuming with another --set: every point's scenario changed, refused */
	argv[3] = "queue.customers=1600";
	argv[9] = "--resume";
	th_capture_begin();
	int rc = cmd_sweep(10, argv);
	char msgs[8192];
	th_capture_end(msgs, sizeof msgs);
	cr_expect_eq(rc, 2, "%s", msgs);
	cr_expect(strstr(msgs, "holds the results of another scenario"), "%s", msgs);
	th_rmtree(dir);
	free(dir);
}

Test(compare, sweep_set_of_a_swept_path_or_a_bad_value_is_refused)
{
	char *dir = th_mkdtemp(), out[1100];
	const char *sw = write_sweep(dir);
	snprintf(out, sizeof out, "%s/out", dir);
	char *swept[] = { "sweep", (char *)sw, "--set", "queue.arrival_rate=0.5", "--list", NULL },
	     *bad[] = { "sweep", (char *)sw, "--set", "queue.customers=abc", "--list", NULL };
	th_capture_begin();
	cr_expect_eq(cmd_sweep(5, swept), 2);
	cr_expect_eq(cmd_sweep(5, bad), 2);
	char msgs[8192];
	th_capture_end(msgs, sizeof msgs);
	cr_expect(strstr(msgs, "--set 'queue.arrival_rate=0.5': queue.arrival_rate is swept by"),
	          "%s", msgs);
	cr_expect(strstr(msgs, "--set 'queue.customers=abc': $.queue.customers: expected integer"),
	          "%s", msgs);
	cr_expect(!strstr(msgs, "$.scenario"), "a bad --set is not the sweep file's: %s", msgs);
	th_rmtree(dir);
	free(dir);
}

/* ---- the examples of the help texts run ----------------------------------------------------- */

/* What cmd(--help) prints on stdout, into buf. */
static void help_text(int (*cmd)(int, char **), const char *verb, char *buf, size_t n)
{
	char *argv[] = { (char *)verb, "--help", NULL };
	fflush(stdout);
	int saved = dup(1);
	FILE *tmp = tmpfile();
	cr_assert(saved >= 0 && tmp);
	dup2(fileno(tmp), 1);
	cr_assert_eq(cmd(2, argv), 0);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(tmp);
	size_t k = fread(buf, 1, n - 1, tmp);
	buf[k] = 0;
	fclose(tmp);
}

/* Runs every "  dais VERB ..." line after "example" in text, with /tmp/
 * standing for a fresh folder and scenarios/ for the source tree's. */
static int run_examples(const char *text, const char *tmp)
{
	const char *at = strstr(text, "\nexample");
	cr_assert_not_null(at, "no example in:\n%s", text);
	int ran = 0;
	for (const char *l = strchr(at + 1, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
		if (strncmp(l + 1, "  dais ", 7))
			break;
		char line[1024], *argv[32], store[32][1200];
		snprintf(line, sizeof line, "%.*s", (int)strcspn(l + 8, "\n"), l + 8);
		int argc = 0;
		for (char *tok = strtok(line, " "); tok && argc < 31; tok = strtok(NULL, " ")) {
			if (!strncmp(tok, "/tmp/", 5))
				snprintf(store[argc], sizeof store[argc], "%s/%s", tmp, tok + 5);
			else if (!strncmp(tok, "scenarios/", 10))
				snprintf(store[argc], sizeof store[argc], "%s", th_src(tok));
			else
				snprintf(store[argc], sizeof store[argc], "%s", tok);
			argv[argc] = store[argc];
			argc++;
		}
		argv[argc] = NULL;
		int (*cmd)(int, char **) = !strcmp(argv[0], "run")     ? cmd_run
		                         : !strcmp(argv[0], "sweep")   ? cmd_sweep
		                         : !strcmp(argv[0], "compare") ? cmd_compare
		                         : !strcmp(argv[0], "uncertainty") ? cmd_uncertainty
		                         : !strcmp(argv[0], "validate-serving") ? cmd_validate_serving
		                                                       : NULL;
		cr_assert_not_null(cmd, "an example of an unexpected verb: %s", argv[0]);
		th_capture_begin();
		int rc = cmd(argc, argv);
		char msgs[8192];
		th_capture_end(msgs, sizeof msgs);
		/* validate-serving exits 1 when the targets are missed: a result */
		int ok = rc == 0 || (rc == 1 && cmd == cmd_validate_serving);
		cr_assert(ok, "example 'dais %.*s' exited %d:\n%s", (int)strcspn(l + 8, "\n"), l + 8,
		          rc, msgs);
		ran++;
	}
	return ran;
}

Test(compare, help_examples_run, .timeout = 240)
{
	char *dir = th_mkdtemp(), text[8192];
	help_text(cmd_compare, "compare", text, sizeof text);
	cr_expect_geq(run_examples(text, dir), 5);
	char fig[1200];
	snprintf(fig, sizeof fig, "%s/cmp/chain_utilisation.gp", dir);
	cr_expect_eq(access(fig, R_OK), 0, "%s", fig);
	snprintf(fig, sizeof fig, "%s/cmp/mean_wait.dat", dir);
	cr_expect_eq(access(fig, R_OK), 0, "%s", fig);
	help_text(cmd_sweep, "sweep", text, sizeof text);
	cr_expect_eq(run_examples(text, dir), 1);
	help_text(cmd_uncertainty, "uncertainty", text, sizeof text);
	cr_expect_eq(run_examples(text, dir), 1);
	snprintf(fig, sizeof fig, "%s/morris/uncertainty.h5", dir);
	cr_expect_eq(access(fig, R_OK), 0, "%s", fig);
	/* the quick one; the full validation's line (45 minutes) is not run */
	help_text(cmd_validate_serving, "validate-serving", text, sizeof text);
	cr_expect_eq(run_examples(text, dir), 1);
	snprintf(fig, sizeof fig, "%s/serving-try/serving_validation.csv", dir);
	cr_expect_eq(access(fig, R_OK), 0, "%s", fig);
	th_rmtree(dir);
	free(dir);
}

/* In a one-at-a-time design a --set of a parameter's path sets its baseline:
 * the points that vary another parameter use it, its own low and high win. */
Test(compare, sensitivity_set_of_a_parameter_sets_its_baseline, .timeout = 60)
{
	char *dir = th_mkdtemp(), sw[1100], out[1100], pt[1200];
	snprintf(sw, sizeof sw, "%s/oat.json", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	FILE *f = fopen(sw, "w");
	cr_assert_not_null(f);
	fprintf(f, "{ \"scenario\": \"%s\", \"mode\": \"oat\","
	           "  \"set\": [\"queue.customers=1000\", \"replications=2\"],"
	           "  \"parameters\": ["
	           "    { \"path\": \"queue.arrival_rate\", \"low\": 0.3, \"high\": 0.6 },"
	           "    { \"path\": \"queue.servers\", \"low\": 1, \"high\": 3 } ] }",
	        th_src("scenarios/mm1.json"));
	fclose(f);
	char *argv[] = { "sensitivity", sw, "--set", "queue.servers=2", "--quiet", "-o", out, NULL };
	cr_assert_eq(cmd_sensitivity(7, argv), 0);
	/* points: baseline, rate low, rate high, servers low, servers high */
	const int servers[5] = { 2, 2, 2, 1, 3 };
	for (int i = 0; i < 5; i++) {
		snprintf(pt, sizeof pt, "%s/point_%04d.h5", out, i);
		char *s = stored_scenario(pt), want[64], want2[64];
		snprintf(want, sizeof want, "\"servers\":%d", servers[i]);
		snprintf(want2, sizeof want2, "\"servers\": %d", servers[i]);
		cr_expect(strstr(s, want) || strstr(s, want2), "point %d: %s", i, s);
		free(s);
	}
	/* the same --set in a grid is refused: every point assigns servers */
	char *grid[] = { "sweep", (char *)write_sweep(dir), "--set", "queue.arrival_rate=0.5",
	                 "--list", NULL };
	th_capture_begin();
	int rc = cmd_sweep(5, grid);
	char msgs[4096];
	th_capture_end(msgs, sizeof msgs);
	cr_expect_eq(rc, 2, "%s", msgs);
	th_rmtree(dir);
	free(dir);
}
