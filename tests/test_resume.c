/* test_resume.c — crash safety of `dais run` and `dais sweep`: runs are
 * killed (SIGKILL, SIGINT) at random moments, resumed with --resume, and the
 * results compared dataset by dataset with an uninterrupted run; bad output
 * paths and a full disk give clear errors and leave no file behind.
 *
 * The moments come from a fixed seed (printed), so a failure can be replayed;
 * DAIS_TEST_SEED overrides it.  The dais binary is taken beside the test's
 * build directory (<build>/tests/test_resume -> <build>/dais), or from
 * $DAIS_BIN. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

/* ---------------------------------------------------------------- helpers */

static uint64_t rng_state;

static void rng_seed(const char *test)
{
	const char *e = getenv("DAIS_TEST_SEED");
	rng_state = e ? strtoull(e, NULL, 10) : 20251125;
	fprintf(stderr, "%s: kill moments from seed %llu (set DAIS_TEST_SEED to replay)\n", test,
	        (unsigned long long)rng_state);
}

/* splitmix64, mapped to [lo, hi) */
static double rng_between(double lo, double hi)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return lo + (hi - lo) * (double)(z >> 11) / 9007199254740992.0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Starts dais with argv (NULL-terminated, argv[0] ignored); stderr to errpath.
 * fsize > 0 limits the size of files it writes (a full disk, as seen by the
 * process: writes fail with EFBIG). */
static pid_t spawn(const char *const *argv, const char *errpath, long fsize)
{
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		int ef = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (ef >= 0)
			dup2(ef, 2);
		if (fsize > 0) {
			struct rlimit rl = { (rlim_t)fsize, (rlim_t)fsize };
			signal(SIGXFSZ, SIG_IGN);
			setrlimit(RLIMIT_FSIZE, &rl);
		}
		execv(th_dais_bin(), (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Waits for pid; after delay_s (< 0: never) sends sig.  Returns the exit code,
 * or 128 + signal when killed; *killed tells whether the signal was sent
 * while it still ran. */
static int finish(pid_t pid, double delay_s, int sig, int *killed)
{
	int ws;
	double t0 = now_s();
	if (killed)
		*killed = 0;
	if (delay_s >= 0) {
		for (;;) {
			pid_t r = waitpid(pid, &ws, WNOHANG);
			if (r == pid)
				goto done;
			if (now_s() - t0 >= delay_s)
				break;
			struct timespec ts = { 0, 2000000 };
			nanosleep(&ts, NULL);
		}
		kill(pid, sig);
		if (killed)
			*killed = 1;
	}
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
done:
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

static int run_dais(const char *const *argv, const char *errpath, long fsize)
{
	return finish(spawn(argv, errpath, fsize), -1, 0, NULL);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return strdup("");
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return strdup(buf);
}

static int exists(const char *p) { return access(p, F_OK) == 0; }

/* Names in dir holding ".tmp." (temporary files left behind). */
static int count_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += strstr(e->d_name, ".tmp.") != NULL;
	if (d)
		closedir(d);
	return n;
}

#define RUN_ARGS(out, seed)                                                                     \
	"dais", "run", th_src("scenarios/mm1.json"), "--set", "queue.customers=400000", "--set",    \
		"queue.warmup=1000", "--set", "queue.sample_every=2000", "--replications", "8",        \
		"--threads", "2", "--seed", seed, "--quiet", "-o", out

/* ---------------------------------------------------------------- runs */

Test(resume, sigkill_at_random_moments_then_resume_equals_uninterrupted, .timeout = 120)
{
	rng_seed("sigkill");
	char *dir = th_mkdtemp(), ref[1200], out[1200], err[1200], parts[1300];
	snprintf(ref, sizeof ref, "%s/ref.h5", dir);
	snprintf(out, sizeof out, "%s/out.h5", dir);
	snprintf(err, sizeof err, "%s.err", dir);
	snprintf(parts, sizeof parts, "%s.parts", out);
	const char *a_ref[] = { RUN_ARGS(ref, "7"), NULL };
	double t0 = now_s();
	cr_assert_eq(run_dais(a_ref, err, 0), 0, "%s", slurp(err));
	double full = now_s() - t0;

	const char *a_out[] = { RUN_ARGS(out, "7"), "--resume", NULL };
	/* A run can be quicker than the reference was (a warm cache, a quieter
	 * machine): when one finishes before any kill, start over and aim sooner. */
	int kills = 0;
	double hi = 0.7 * full;
	for (int attempt = 0; attempt < 30 && !(kills > 0 && exists(out)); attempt++) {
		if (exists(out)) {
			unlink(out);
			th_rmtree(parts);
			hi = hi > 0.02 ? 0.5 * hi : 0.01;
		}
		int killed;
		int code = finish(spawn(a_out, err, 0), rng_between(0.005, hi), SIGKILL, &killed);
		if (killed && code == 128 + SIGKILL) {
			kills++;
			/* Never a partial file at the target.  A kill that lands after
			 * the final rename, while the process exits, leaves the
			 * finished file: then it must be the whole result. */
			if (exists(out))
				cr_assert_eq(th_compare_datasets(ref, out, 0), 0,
				             "a killed run left a file at %s that differs from the reference", out);
		} else {
			cr_assert_eq(code, 0, "%s", slurp(err));
		}
	}
	cr_assert_eq(run_dais(a_out, err, 0), 0, "%s", slurp(err));
	cr_expect_gt(kills, 0, "no run was killed: the runs are too quick for the test");
	cr_assert_eq(th_compare_datasets(ref, out, 0), 0);
	cr_assert(!exists(parts), "the parts directory was not removed");
	cr_assert_eq(count_tmp(dir), 0, "temporary files were left in %s", dir);
	unlink(err);
	th_rmtree(dir);
	free(dir);
}

Test(resume, sigint_stops_cleanly_and_says_how_to_resume, .timeout = 120)
{
	rng_seed("sigint");
	char *dir = th_mkdtemp(), ref[1200], out[1200], err[1200];
	snprintf(ref, sizeof ref, "%s/ref.h5", dir);
	snprintf(out, sizeof out, "%s/out.h5", dir);
	snprintf(err, sizeof err, "%s.err", dir);
	const char *a_ref[] = { RUN_ARGS(ref, "11"), NULL };
	double t0 = now_s();
	cr_assert_eq(run_dais(a_ref, err, 0), 0, "%s", slurp(err));
	double full = now_s() - t0;
	const char *a_out[] = { RUN_ARGS(out, "11"), NULL };
	int interrupted = 0;
	double lo = 0.1 * full, hi = 0.6 * full;
	for (int attempt = 0; attempt < 30 && !interrupted; attempt++) {
		int killed;
		unlink(out);
		int code = finish(spawn(a_out, err, 0), rng_between(lo, hi), SIGINT, &killed);
		if (!killed || code == 0) {  /* finished first: aim sooner */
			lo *= 0.5;
			hi *= 0.5;
			continue;
		}
		interrupted = 1;
		cr_assert_eq(code, 130, "exit %d: %s", code, slurp(err));
		char *msg = slurp(err);
		cr_assert(strstr(msg, "interrupted") != NULL, "%s", msg);
		cr_assert(!exists(out));
		if (strstr(msg, "are kept in")) /* some replications finished */
			cr_assert(strstr(msg, "--resume") != NULL, "no resume hint: %s", msg);
		free(msg);
	}
	cr_assert(interrupted, "no run was interrupted: the runs are too quick for the test");
	const char *a_res[] = { RUN_ARGS(out, "11"), "--resume", NULL };
	cr_assert_eq(run_dais(a_res, err, 0), 0, "%s", slurp(err));
	cr_assert_eq(th_compare_datasets(ref, out, 0), 0);
	cr_assert_eq(count_tmp(dir), 0);
	/* resuming a finished run does nothing and succeeds */
	cr_assert_eq(run_dais(a_res, err, 0), 0, "%s", slurp(err));
	cr_assert_eq(th_compare_datasets(ref, out, 0), 0);
	unlink(err);
	th_rmtree(dir);
	free(dir);
}

Test(resume, parts_of_another_scenario_are_refused, .timeout = 60)
{
	char *dir = th_mkdtemp(), out[1200], err[1200], parts[1300], rep0[1400];
	snprintf(out, sizeof out, "%s/out.h5", dir);
	snprintf(err, sizeof err, "%s.err", dir);
	snprintf(parts, sizeof parts, "%s.parts", out);
	snprintf(rep0, sizeof rep0, "%s/rep_0000.rec", parts);
	const char *a[] = { RUN_ARGS(out, "5"), NULL };
	pid_t pid = spawn(a, err, 0);
	double t0 = now_s();
	while (!exists(rep0) && now_s() - t0 < 20) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	finish(pid, 0, SIGKILL, NULL);
	cr_assert(exists(rep0), "no replication was saved");
	cr_assert(!exists(out));
	const char *b[] = { RUN_ARGS(out, "6"), "--resume", NULL };
	cr_assert_eq(run_dais(b, err, 0), 2);
	char *msg = slurp(err);
	cr_assert(strstr(msg, "out.h5.parts: the saved replications belong to another scenario") &&
	          strstr(msg, "run without --resume to start over"), "%s", msg);
	free(msg);
	cr_assert(!exists(out));
	cr_assert(exists(rep0), "the other scenario's replications were removed");
	/* without --resume the stale parts are cleared and the run starts over */
	const char *c[] = { RUN_ARGS(out, "6"), NULL };
	cr_assert_eq(run_dais(c, err, 0), 0, "%s", slurp(err));
	cr_assert(exists(out) && !exists(parts));
	unlink(err);
	th_rmtree(dir);
	free(dir);
}

Test(resume, bad_output_paths_are_clear_errors_and_leave_nothing)
{
	char *dir = th_mkdtemp(), out[1300], err[1200], file[1200];
	snprintf(err, sizeof err, "%s.err", dir);
	snprintf(file, sizeof file, "%s/plain", dir);
	FILE *f = fopen(file, "w");
	fclose(f);
	const char *cases[] = { "/nonexistent-dais-dir/x.h5", NULL };
	snprintf(out, sizeof out, "%s/x.h5", file); /* parent is a regular file */
	cases[1] = out;
	for (int i = 0; i < 2; i++) {
		const char *a[] = { RUN_ARGS(cases[i], "1"), NULL };
		/* a folder that is not there is bad input (exit 2), named before anything runs */
		cr_assert_eq(run_dais(a, err, 0), 2);
		char *msg = slurp(err);
		cr_assert(strstr(msg, cases[i]) != NULL, "the message does not name %s: %s", cases[i], msg);
		free(msg);
	}
	cr_assert_eq(th_count_entries(dir), 1, "files were left in %s", dir);
	/* a sweep into an unwritable place */
	char sw[1200];
	snprintf(sw, sizeof sw, "%s/s.json", dir);
	f = fopen(sw, "w");
	fprintf(f, "{ \"scenario\": \"%s\", \"set\": [\"queue.customers=1000\"], \"parameters\": "
	           "[ { \"path\": \"seed\", \"values\": [1, 2] } ] }", th_src("scenarios/mm1.json"));
	fclose(f);
	const char *s[] = { "dais", "sweep", sw, "-o", out, "--quiet", NULL };
	cr_assert_eq(run_dais(s, err, 0), 2); /* a file in the path: bad input */
	char *msg = slurp(err);
	cr_assert(strstr(msg, "cannot create directory") != NULL, "%s", msg);
	free(msg);
	cr_assert_eq(th_count_entries(dir), 2);
	/* a bad sweep file: exit status 2, every message, nothing written */
	f = fopen(sw, "w");
	fprintf(f, "{ \"scenario\": \"%s\", \"mode\": \"oat\", \"parameters\": "
	           "[ { \"path\": \"queue.servers\", \"low\": 0, \"high\": 2 } ] }",
	        th_src("scenarios/mm1.json"));
	fclose(f);
	snprintf(out, sizeof out, "%s/never", dir);
	cr_assert_eq(run_dais(s, err, 0), 2);
	msg = slurp(err);
	char want[1400];
	snprintf(want, sizeof want, "%s: $.parameters[0].low: ", sw);
	cr_assert(strstr(msg, want) != NULL, "%s", msg);
	free(msg);
	cr_assert(!exists(out));
	unlink(err);
	th_rmtree(dir);
	free(dir);
}

Test(resume, a_full_disk_is_a_clear_error_and_leaves_no_partial_file, .timeout = 60)
{
	char *dir = th_mkdtemp(), out[1200], err[1200];
	snprintf(out, sizeof out, "%s/big.h5", dir);
	snprintf(err, sizeof err, "%s.err", dir);
	/* a file size limit makes every write beyond 64 KiB fail as a full disk would */
	const char *a[] = { "dais", "run", th_src("scenarios/mm1.json"), "--set", "queue.customers=200000",
	                    "--set", "queue.sample_every=20", "--replications", "4", "--threads", "2",
	                    "--quiet", "-o", out, NULL };
	int code = run_dais(a, err, 64 * 1024);
	char *msg = slurp(err);
	cr_assert_eq(code, 1, "exit %d: %s", code, msg);
	cr_assert(strstr(msg, "File too large") || strstr(msg, "No space"), "%s", msg);
	cr_assert(strstr(msg, dir) != NULL, "the message names no file: %s", msg);
	free(msg);
	cr_assert(!exists(out), "a partial results file was left");
	cr_assert_eq(count_tmp(dir), 0, "a temporary file was left");
	unlink(err);
	th_rmtree(dir);
	free(dir);
}

/* ---------------------------------------------------------------- sweeps */

static void compare_sweeps(const char *a, const char *b, int npoints)
{
	for (int i = 0; i < npoints; i++) {
		char pa[1300], pb[1300];
		snprintf(pa, sizeof pa, "%s/point_%04d.h5", a, i);
		snprintf(pb, sizeof pb, "%s/point_%04d.h5", b, i);
		cr_assert_eq(th_compare_datasets(pa, pb, 0), 0, "point %d differs", i);
	}
	char ia[1300], ib[1300];
	snprintf(ia, sizeof ia, "%s/index.csv", a);
	snprintf(ib, sizeof ib, "%s/index.csv", b);
	char *x = slurp(ia), *y = slurp(ib);
	cr_assert_str_eq(x, y);
	free(x);
	free(y);
}

Test(resume, killed_sweep_resumes_to_the_same_points_and_index, .timeout = 120)
{
	rng_seed("sweep");
	char *dir = th_mkdtemp(), sw[1200], ref[1200], out[1200], err[1200];
	snprintf(sw, sizeof sw, "%s/s.json", dir);
	snprintf(ref, sizeof ref, "%s/ref", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	snprintf(err, sizeof err, "%s.err", dir);
	FILE *f = fopen(sw, "w");
	fprintf(f, "{ \"scenario\": \"%s\", \"set\": [\"queue.customers=50000\", \"replications=4\","
	           "  \"queue.sample_every=5000\"], \"parameters\": ["
	           "  { \"path\": \"queue.arrival_rate\", \"values\": [0.5, 0.7, 0.8] },"
	           "  { \"path\": \"queue.servers\", \"values\": [1, 2] } ],"
	           "  \"outputs\": [\"mean_wait\"] }", th_src("scenarios/mm1.json"));
	fclose(f);
	const char *a_ref[] = { "dais", "sweep", sw, "-o", ref, "--quiet", "--threads", "2", NULL };
	double t0 = now_s();
	cr_assert_eq(run_dais(a_ref, err, 0), 0, "%s", slurp(err));
	double full = now_s() - t0;
	const char *a_out[] = { "dais", "sweep", sw, "-o", out, "--quiet", "--threads", "2",
	                        "--resume", NULL };
	char last[1300];
	snprintf(last, sizeof last, "%s/point_0005.h5", out);
	int kills = 0;
	double hi = 0.5 * full;
	for (int attempt = 0; attempt < 30 && !(kills > 0 && exists(last)); attempt++) {
		if (exists(last)) {  /* finished before any kill: start over, aim sooner */
			th_rmtree(out);
			hi = hi > 0.04 ? 0.5 * hi : 0.02;
		}
		int killed, sig = attempt % 3 == 2 ? SIGTERM : SIGKILL;
		int code = finish(spawn(a_out, err, 0), rng_between(0.01, hi), sig, &killed);
		if (killed && code != 0) {
			kills++;
			cr_assert(code == 128 + SIGKILL || code == 130, "exit %d: %s", code, slurp(err));
		}
	}
	cr_assert_eq(run_dais(a_out, err, 0), 0, "%s", slurp(err));
	cr_expect_gt(kills, 0);
	compare_sweeps(ref, out, 6);
	cr_assert_eq(count_tmp(out), 0);
	unlink(err);
	th_rmtree(dir);
	free(dir);
}
