/* test_progress.c — the progress line: its text as pure functions, its
 * drawing against a clock the test moves (no timing), and silence when
 * stderr is not a terminal. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "models/registry.h"
#include "run/sweep.h"
#include "sim/progress.h"

Test(progress, eta_is_elapsed_times_left_over_done)
{
	char b[128];
	progress_format(b, sizeof b, "sweep", 25, 0, 100, 10);
	cr_expect_str_eq(b, "sweep: 25/100, elapsed 10s, eta 30s");
	progress_format(b, sizeof b, "sweep", 1, 0, 3, 1.0);
	cr_expect_str_eq(b, "sweep: 1/3, elapsed 1s, eta 2s");
}

Test(progress, no_eta_before_the_first_unit_or_after_the_last)
{
	char b[128];
	progress_format(b, sizeof b, "capacity", 0, 0, 100, 3.2);
	cr_expect_str_eq(b, "capacity: 0/100, elapsed 3s");
	progress_format(b, sizeof b, "capacity", 100, 0, 100, 75);
	cr_expect_str_eq(b, "capacity: 100/100, elapsed 1m15s");
}

/* Work kept from before (--resume) counts in done/total, not in the ETA:
 * 10 units in 20 s, 40 left: 80 s. */
Test(progress, skipped_work_is_not_timed)
{
	char b[128];
	progress_format(b, sizeof b, "uncertainty", 10, 50, 100, 20);
	cr_expect_str_eq(b, "uncertainty: 60/100, elapsed 20s, eta 1m20s");
}

Test(progress, durations_in_seconds_minutes_hours)
{
	static const struct { double s; const char *txt; } c[] = {
		{ 0, "0s" }, { -3, "0s" }, { 0.4, "0s" }, { 59.4, "59s" }, { 59.6, "1m00s" },
		{ 61, "1m01s" }, { 3599, "59m59s" }, { 3600, "1h00m" }, { 3725, "1h02m" },
		{ 100 * 3600 + 59, "100h00m" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		char b[32];
		progress_duration(b, sizeof b, c[i].s);
		cr_expect_str_eq(b, c[i].txt, "%g s", c[i].s);
	}
}

static double fake_now;
static double fake_clock(void) { return fake_now; }

static char *slurp(FILE *f)
{
	static char buf[4096];
	fflush(f);
	rewind(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	return buf;
}

static int count(const char *s, char c)
{
	int n = 0;
	for (; *s; s++)
		n += *s == c;
	return n;
}

/* Drawn at the first unit, then no more than once every PROGRESS_EVERY_S,
 * and erased at the end with spaces over it. */
Test(progress, redrawn_at_most_once_a_second)
{
	FILE *f = tmpfile();
	struct progress p;
	fake_now = 100;
	progress_begin_to(&p, "sweep", 4, f, fake_clock);
	fake_now = 102;
	progress_add(&p, 1);
	cr_expect_str_eq(slurp(f), "\rsweep: 1/4, elapsed 2s, eta 6s");
	fake_now = 102.5;
	progress_add(&p, 1); /* half a second later: not drawn */
	cr_expect_eq(count(slurp(f), '\r'), 1);
	fake_now = 104;
	progress_add(&p, 1);
	cr_expect_str_eq(slurp(f), "\rsweep: 1/4, elapsed 2s, eta 6s"
	                           "\rsweep: 3/4, elapsed 4s, eta 1s");
	progress_end(&p);
	char *s = slurp(f);
	const char *tail = "\r                              \r";
	cr_expect(strlen(s) > strlen(tail) && !strcmp(s + strlen(s) - strlen(tail), tail), "%s", s);
	fclose(f);
}

/* A log line printed through the stream erases the line first and redraws
 * it after; a line printed in two parts is never drawn over. */
Test(progress, log_lines_do_not_land_on_the_line)
{
	FILE *f = tmpfile();
	struct progress p;
	fake_now = 0;
	progress_begin_to(&p, "calibrate", 2, f, fake_clock);
	fake_now = 5;
	progress_add(&p, 1);
	FILE *log = progress_stream(&p, f);
	cr_assert_neq(log, f);
	fprintf(log, "pilot ... ");
	fflush(log);
	fake_now = 9;
	progress_add(&p, 0); /* mid-line: waits */
	fprintf(log, "done\n");
	progress_end(&p);
	cr_expect_str_eq(slurp(f), "\rcalibrate: 1/2, elapsed 5s, eta 5s"
	                           "\r                                  \r"
	                           "pilot ... done\n"
	                           "\rcalibrate: 1/2, elapsed 9s, eta 9s"
	                           "\r                                  \r");
	fclose(f);
}

/* stderr to a file (not a terminal): nothing at all, the log passes through. */
Test(progress, silent_when_stderr_is_not_a_terminal)
{
	char got[1024];
	th_capture_begin();
	for (int quiet = 0; quiet < 2; quiet++) {
		struct progress p;
		progress_begin(&p, "sweep", 10, quiet);
		cr_expect_null(p.out);
		for (int i = 0; i < 10; i++)
			progress_add(&p, 1);
		progress_skip(&p, 3);
		progress_clear(&p);
		FILE *log = progress_stream(&p, stderr);
		cr_expect_eq(log, stderr);
		fprintf(log, "log %d\n", quiet);
		progress_end(&p);
	}
	th_capture_end(got, sizeof got);
	cr_expect_str_eq(got, "log 0\nlog 1\n");
}

Test(progress, quiet_is_silent_on_any_stream)
{
	struct progress p;
	progress_begin(&p, "sweep", 10, 1);
	cr_expect_null(p.out);
	progress_end(&p);
}

/* An MPI rank's line goes to the controlling terminal: none in a new
 * session (a batch job), and none when quiet. */
Test(progress, mpi_line_needs_a_controlling_terminal)
{
	struct progress p;
	progress_begin_tty(&p, "sweep", 10, 1);
	cr_expect_null(p.out);
	progress_end(&p);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		setsid(); /* no controlling terminal from here on */
		progress_begin_tty(&p, "sweep", 10, 0);
		int off = p.out == NULL;
		progress_add(&p, 5);
		progress_end(&p);
		_exit(off ? 0 : 1);
	}
	int status = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
}

/* Threads add at once: every unit counts, once. */
Test(progress, threads_count_every_unit)
{
	FILE *f = tmpfile();
	struct progress p;
	fake_now = 0;
	progress_begin_to(&p, "uncertainty", 4000, f, fake_clock);
#pragma omp parallel for num_threads(4)
	for (int i = 0; i < 4000; i++)
		progress_add(&p, 1);
	cr_expect_eq(p.done, 4000);
	progress_end(&p);
	fclose(f);
}

/* A sweep not told to be quiet, its stderr a file: its point lines as
 * before, and no progress line (no \r, no "sweep: n/N"). */
Test(progress, a_sweep_into_a_log_file_prints_no_progress, .timeout = 60)
{
	char *dir = th_mkdtemp(), path[1200], out[1200];
	snprintf(path, sizeof path, "%s/g.json", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "{ \"scenario\": \"%s\", \"set\": [\"queue.customers=2000\", "
	           "\"queue.warmup=100\", \"replications=2\"], \"parameters\": ["
	           "{ \"path\": \"queue.arrival_rate\", \"values\": [0.5, 0.8] } ], "
	           "\"outputs\": [\"mean_wait\"] }", th_src("scenarios/mm1.json"));
	fclose(f);
	sim_diag d;
	diag_init(&d);
	sweep *w = sweep_load(path, model_types, &d);
	cr_assert_not_null(w);
	int status[2];
	struct sweep_opts o = { .dir = out, .threads = 2, .quiet = 0 };
	char got[4096];
	th_capture_begin();
	sim_status st = sweep_run(w, &o, status, &d);
	th_capture_end(got, sizeof got);
	cr_expect_eq(st, SIM_OK);
	cr_expect(strstr(got, "[1/2] point_0000.h5") && strstr(got, "[2/2] point_0001.h5"), "%s", got);
	cr_expect(!strchr(got, '\r') && !strstr(got, "sweep: "), "%s", got);
	sweep_free(w);
	diag_release(&d);
	th_rmtree(dir);
	free(dir);
}
