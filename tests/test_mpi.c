/* test_mpi.c — distributed sweeps: the point files of `mpirun -n N dais-mpi
 * sweep` equal those of `dais sweep` for N = 1, 2 and 4, and a job killed
 * mid-way resumes on another number of ranks to the same files.
 *
 * Skipped unless mpirun is on PATH and <build>/dais-mpi exists (`make test`
 * builds it when mpicc is found; `make MPI=1` always).  $MPIRUN overrides the
 * launcher; --oversubscribe lets 4 ranks run on a 2-core machine and
 * --allow-run-as-root lets CI containers run as root. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

static char build_dir[PATH_MAX];

static const char *bin(const char *name)
{
	static char p[2][PATH_MAX + 32];
	static int k;
	k ^= 1;
	if (!build_dir[0]) {
		ssize_t n = readlink("/proc/self/exe", build_dir, sizeof build_dir - 1);
		cr_assert_gt(n, 0);
		build_dir[n] = '\0';
		for (int up = 0; up < 2; up++)
			*strrchr(build_dir, '/') = '\0';
	}
	snprintf(p[k], sizeof p[k], "%s/%s", build_dir, name);
	return p[k];
}

static const char *mpirun(void)
{
	static char found[PATH_MAX];
	const char *env = getenv("MPIRUN");
	if (env && *env)
		return access(env, X_OK) == 0 ? env : NULL;
	const char *path = getenv("PATH");
	char *copy = strdup(path ? path : ""), *save = NULL;
	found[0] = '\0';
	for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
		snprintf(found, sizeof found, "%s/mpirun", t);
		if (access(found, X_OK) == 0)
			break;
		found[0] = '\0';
	}
	free(copy);
	return found[0] ? found : NULL;
}

static void need_mpi(void)
{
	if (!mpirun())
		cr_skip_test("mpirun is not on PATH");
	if (access(bin("dais-mpi"), X_OK) != 0)
		cr_skip_test("%s is missing (make MPI=1, or make test with mpicc present)", bin("dais-mpi"));
}

/* Runs argv with stdout and stderr to errpath; kills it with sig after
 * delay_s when delay_s > 0.  Returns the exit code (128 + signal). */
static int run(const char *const *argv, const char *errpath, double delay_s, int sig)
{
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		setpgid(0, 0); /* its own group: a kill reaches mpirun and its ranks */
		/* Open MPI's own allocations are not freed at exit: LeakSanitizer
		 * (SANITIZE=1) would fail every rank; our code's leaks are covered by
		 * the serial tests. */
		if (strstr(argv[0], "mpirun"))
			setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
		int ef = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(ef, 1);
		dup2(ef, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	int ws;
	if (delay_s > 0) {
		struct timespec ts = { (time_t)delay_s, (long)((delay_s - (time_t)delay_s) * 1e9) };
		nanosleep(&ts, NULL);
		if (waitpid(pid, &ws, WNOHANG) == pid)
			goto done;
		kill(-pid, sig);
	}
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
done:
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

static char *slurp(const char *path)
{
	static char buf[1 << 15];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

static const char *write_sweep(const char *dir)
{
	static char sw[1200];
	snprintf(sw, sizeof sw, "%s/s.json", dir);
	FILE *f = fopen(sw, "w");
	cr_assert_not_null(f);
	fprintf(f, "{ \"scenario\": \"%s\", \"set\": [\"queue.customers=30000\", \"replications=3\","
	           "  \"queue.sample_every=3000\"], \"parameters\": ["
	           "  { \"path\": \"queue.arrival_rate\", \"values\": [0.5, 0.7, 0.8] },"
	           "  { \"path\": \"queue.servers\", \"values\": [1, 2] } ],"
	           "  \"outputs\": [\"mean_wait\"] }", th_src("scenarios/mm1.json"));
	fclose(f);
	return sw;
}

static void compare_dirs(const char *a, const char *b, int n)
{
	for (int i = 0; i < n; i++) {
		char pa[1300], pb[1300];
		snprintf(pa, sizeof pa, "%s/point_%04d.h5", a, i);
		snprintf(pb, sizeof pb, "%s/point_%04d.h5", b, i);
		cr_assert_eq(th_compare_datasets(pa, pb, 0), 0, "%s differs from %s", pb, pa);
	}
	char ia[1300], ib[1300];
	snprintf(ia, sizeof ia, "%s/index.csv", a);
	snprintf(ib, sizeof ib, "%s/index.csv", b);
	char *x = strdup(slurp(ia));
	cr_assert_str_eq(x, slurp(ib));
	free(x);
}

Test(mpi, sweep_files_equal_serial_for_1_2_and_4_ranks, .timeout = 180)
{
	need_mpi();
	char *dir = th_mkdtemp(), ser[1200], out[1200], err[1200], np[8];
	const char *sw = write_sweep(dir);
	snprintf(ser, sizeof ser, "%s/serial", dir);
	snprintf(err, sizeof err, "%s/log", dir);
	const char *a[] = { bin("dais"), "sweep", sw, "-o", ser, "--quiet", NULL };
	cr_assert_eq(run(a, err, 0, 0), 0, "%s", slurp(err));
	const int ranks[] = { 1, 2, 4 };
	for (int r = 0; r < 3; r++) {
		snprintf(out, sizeof out, "%s/mpi%d", dir, ranks[r]);
		snprintf(np, sizeof np, "%d", ranks[r]);
		const char *m[] = { mpirun(), "--oversubscribe", "--allow-run-as-root", "-n", np,
		                    bin("dais-mpi"), "sweep", sw, "-o", out, "--quiet", NULL };
		cr_assert_eq(run(m, err, 0, 0), 0, "%d ranks: %s", ranks[r], slurp(err));
		compare_dirs(ser, out, 6);
	}
	th_rmtree(dir);
	free(dir);
}

Test(mpi, killed_job_resumes_on_another_rank_count, .timeout = 180)
{
	need_mpi();
	char *dir = th_mkdtemp(), ser[1200], out[1200], err[1200];
	const char *sw = write_sweep(dir);
	snprintf(ser, sizeof ser, "%s/serial", dir);
	snprintf(out, sizeof out, "%s/mpi", dir);
	snprintf(err, sizeof err, "%s/log", dir);
	const char *a[] = { bin("dais"), "sweep", sw, "-o", ser, "--quiet", NULL };
	cr_assert_eq(run(a, err, 0, 0), 0, "%s", slurp(err));
	/* SIGKILL to the whole job part-way (mpirun's start-up is most of the
	 * first second), then resume on 4 ranks */
	const char *m2[] = { mpirun(), "--oversubscribe", "--allow-run-as-root", "-n", "2",
	                     bin("dais-mpi"), "sweep", sw, "-o", out, "--quiet", NULL };
	run(m2, err, 0.9, SIGKILL);
	const char *m4[] = { mpirun(), "--oversubscribe", "--allow-run-as-root", "-n", "4",
	                     bin("dais-mpi"), "sweep", sw, "-o", out, "--quiet", "--resume", NULL };
	cr_assert_eq(run(m4, err, 0, 0), 0, "%s", slurp(err));
	compare_dirs(ser, out, 6);
	th_rmtree(dir);
	free(dir);
}

Test(mpi, serial_binary_refuses_to_run_under_mpirun, .timeout = 60)
{
	need_mpi();
	char *dir = th_mkdtemp(), err[1200];
	const char *sw = write_sweep(dir);
	snprintf(err, sizeof err, "%s/log", dir);
	const char *m[] = { mpirun(), "--oversubscribe", "--allow-run-as-root", "-n", "2",
	                    bin("dais"), "sweep", sw, "-o", dir, "--quiet", NULL };
	int code = run(m, err, 0, 0);
	cr_assert_neq(code, 0);
	cr_assert(strstr(slurp(err), "built without MPI") != NULL, "%s", slurp(err));
	th_rmtree(dir);
	free(dir);
}
