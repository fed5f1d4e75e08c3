/* test_cli.c — the command line: option parsing shared by the verbs, and the
 * verbs' exit statuses (0 ok, 2 bad usage or input). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "cli/cli.h"
#include "helpers.h"

/* The commands' exit statuses: 0 for help, 2 for bad usage or bad input (a
 * model file that is missing is bad input, and the message names it). */
Test(cli, engine_commands_exit_statuses)
{
	char *help[] = { "engine", "--help", NULL }, *none[] = { "engine", NULL },
	     *bad_dtype[] = { "engine", "--synthetic", "dim=64", "--dtype", "q3", NULL },
	     *bad_cfg[] = { "engine", "--synthetic", "dim=64,heads=5", NULL },
	     *missing[] = { "engine", "/nonexistent/model.gguf", NULL },
	     *cal_bad[] = { "calibrate", "--bogus", NULL }, *cal_help[] = { "calibrate", "-h", NULL },
	     *cal_shape[] = { "calibrate", "--shape", "noconfig", NULL };
	th_capture_begin();
	cr_expect_eq(cmd_engine(2, help), 0);
	cr_expect_eq(cmd_calibrate(2, cal_help), 0);
	cr_expect_eq(cmd_engine(1, none), 2);
	cr_expect_eq(cmd_engine(5, bad_dtype), 2);
	cr_expect_eq(cmd_engine(3, bad_cfg), 2);
	cr_expect_eq(cmd_engine(2, missing), 2);
	cr_expect_eq(cmd_calibrate(2, cal_bad), 2);
	cr_expect_eq(cmd_calibrate(3, cal_shape), 2);
	char msgs[8192];
	th_capture_end(msgs, sizeof msgs);
	cr_expect_neq(strstr(msgs, "dais engine: /nonexistent/model.gguf: cannot open"), NULL, "%s", msgs);
}

/* A run killed between its final rename and the removal of its parts leaves
 * OUT.parts/ beside a finished OUT: --resume keeps OUT and removes them. */
Test(cli, resume_of_a_finished_run_removes_its_leftover_parts)
{
	char *dir = th_mkdtemp(), out[1024], parts[1100], rep[1200];
	snprintf(out, sizeof out, "%s/r.h5", dir);
	snprintf(parts, sizeof parts, "%s.parts", out);
	snprintf(rep, sizeof rep, "%s/rep_0000.rec", parts);
	char *argv[] = { "run", (char *)th_src("scenarios/mm1.json"), "--set",
	                 "queue.customers=2000", "--replications", "2", "--quiet", "-o", out,
	                 NULL, NULL };
	cr_assert_eq(cmd_run(9, argv), 0);
	cr_assert_eq(mkdir(parts, 0700), 0);
	FILE *f = fopen(rep, "w");
	cr_assert(f);
	fclose(f);
	argv[9] = "--resume";
	cr_assert_eq(cmd_run(10, argv), 0);
	struct stat sb;
	cr_expect_neq(stat(parts, &sb), 0, "the parts directory was left");
	cr_expect_eq(stat(out, &sb), 0);
	th_rmtree(dir);
	free(dir);
}

/* A bad --set is reported as that --set, with its value: a value of the
 * wrong type, a section the model does not use (made by the --set itself),
 * and the same through dais sweep. */
Test(cli, a_bad_set_is_named_with_its_value)
{
	char *dir = th_mkdtemp(), out[1024], sw[1024];
	snprintf(out, sizeof out, "%s/r.h5", dir);
	snprintf(sw, sizeof sw, "%s/sw.json", dir);
	FILE *f = fopen(sw, "w");
	cr_assert(f);
	fprintf(f, "{ \"scenario\": \"%s\", \"parameters\": "
	           "[ { \"path\": \"queue.servers\", \"values\": [1, 2] } ] }",
	        th_src("scenarios/mm1.json"));
	fclose(f);
	char *type[] = { "run", (char *)th_src("scenarios/baseline.json"), "--set",
	                 "nodes.entry_rate=abc", "-o", out, NULL },
	     *section[] = { "run", (char *)th_src("scenarios/mm1.json"), "--set",
	                    "nodes.entry_rate=abc", "-o", out, NULL },
	     *sweep[] = { "sweep", sw, "--set", "queue.service_rate=fast", "--list", NULL };
	th_capture_begin();
	cr_expect_eq(cmd_run(6, type), 2);
	cr_expect_eq(cmd_run(6, section), 2);
	cr_expect_eq(cmd_sweep(5, sweep), 2);
	char msgs[8192];
	th_capture_end(msgs, sizeof msgs);
	cr_expect(strstr(msgs, "--set 'nodes.entry_rate=abc': $.nodes.entry_rate: expected number"),
	          "%s", msgs);
	cr_expect(strstr(msgs, "--set 'nodes.entry_rate=abc': $.nodes: section 'nodes' is not used "
	                       "by model 'queue'"), "%s", msgs);
	cr_expect(strstr(msgs, "--set 'queue.service_rate=fast': $.queue.service_rate: expected "
	                       "number"), "%s", msgs);
	struct stat sb;
	cr_expect_neq(stat(out, &sb), 0, "nothing is written");
	th_rmtree(dir);
	free(dir);
}
