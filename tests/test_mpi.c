/* test_mpi.c — distributed sweeps: the point files of `mpirun -n N dais-mpi
 * sweep` equal those of `dais sweep` for N = 1, 2 and 4, and a job killed
 * mid-way resumes on another number of ranks to the same files; the same
 * datasets from `dais uncertainty` on 1 and 3 ranks.
 *
 * Skipped unless mpirun is on PATH and <build>/dais-mpi exists (`make test`
 * builds it when mpicc is found; `make MPI=1` always).  $MPIRUN overrides the
 * launcher; --oversubscribe lets 4 ranks run on a 2-core machine and
 * --allow-run-as-root lets CI containers run as root. */
#include <criterion/criterion.h>
#include <dirent.h>
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

/* Sends sig to every process of session sid (mpirun gives each rank a
 * process group of its own, so a group kill would leave ranks running);
 * returns how many were signalled. */
static int kill_session(pid_t sid, int sig)
{
	int n = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		char p[64], buf[512];
		snprintf(p, sizeof p, "/proc/%ld/stat", pid);
		FILE *f = fopen(p, "r");
		if (!f)
			continue;
		size_t k = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[k] = '\0';
		/* pid (comm) state ppid pgrp session: comm may hold spaces */
		const char *r = strrchr(buf, ')');
		char state;
		long ppid, pgrp, session;
		if (r && sscanf(r + 1, " %c %ld %ld %ld", &state, &ppid, &pgrp, &session) == 4 &&
		    session == sid && state != 'Z') {
			kill((pid_t)pid, sig);
			n++;
		}
	}
	if (d)
		closedir(d);
	return n;
}

/* Runs argv in a session of its own with stdout and stderr to errpath.  With
 * a kill_when path, SIGKILLs the whole session as soon as that file appears
 * and waits until every process of it is gone.  Returns the exit code
 * (128 + signal). */
static int run(const char *const *argv, const char *errpath, const char *kill_when)
{
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		setsid();
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
	if (kill_when) {
		for (int i = 0; i < 60000 && access(kill_when, F_OK) != 0; i++) {
			if (waitpid(pid, &ws, WNOHANG) == pid)
				goto done;
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
		kill_session(pid, SIGKILL);
		while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
			;
		for (int i = 0; i < 1000 && kill_session(pid, SIGKILL) > 0; i++) {
			struct timespec ts = { 0, 10000000 };
			nanosleep(&ts, NULL);
		}
		goto done;
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
	cr_assert_eq(run(a, err, NULL), 0, "%s", slurp(err));
	const int ranks[] = { 1, 2, 4 };
	for (int r = 0; r < 3; r++) {
		snprintf(out, sizeof out, "%s/mpi%d", dir, ranks[r]);
		snprintf(np, sizeof np, "%d", ranks[r]);
		const char *m[] = { mpirun(), "--oversubscribe", "--allow-run-as-root", "-n", np,
		                    bin("dais-mpi"), "sweep", sw, "-o", out, "--quiet", NULL };
		cr_assert_eq(run(m, err, NULL), 0, "%d ranks: %s", ranks[r], slurp(err));
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
	cr_assert_eq(run(a, err, NULL), 0, "%s", slurp(err));
	/* SIGKILL to the whole job (mpirun and every rank) as soon as the first
	 * point is written, then resume on 4 ranks */
	char first[1300];
	snprintf(first, sizeof first, "%s/point_0000.h5", out);
	const char *m2[] = { mpirun(), "--oversubscribe", "--allow-run-as-root", "-n", "2",
	                     bin("dais-mpi"), "sweep", sw, "-o", out, "--quiet", NULL };
	run(m2, err, first);
	char last[1300];
	snprintf(last, sizeof last, "%s/point_0005.h5", out);
	cr_expect(access(last, F_OK) != 0, "the job was not killed before its end");
	const char *m4[] = { mpirun(), "--oversubscribe", "--allow-run-as-root", "-n", "4",
	                     bin("dais-mpi"), "sweep", sw, "-o", out, "--quiet", "--resume", NULL };
	cr_assert_eq(run(m4, err, NULL), 0, "%s", slurp(err));
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
	int code = run(m, err, NULL);
	cr_assert_neq(code, 0);
	cr_assert(strstr(slurp(err), "built without MPI") != NULL, "%s", slurp(err));
	th_rmtree(dir);
	free(dir);
}

Test(mpi, uncertainty_datasets_equal_serial_on_3_ranks, .timeout = 180)
{
	need_mpi();
	char *dir = th_mkdtemp(), pj[1200], ser[1200], out[1200], err[1200], fa[1300], fb[1300];
	snprintf(pj, sizeof pj, "%s/p.json", dir);
	FILE *f = fopen(pj, "w");
	cr_assert_not_null(f);
	fprintf(f, "{ \"scenario\": \"%s\", \"set\": [\"queue.customers=3000\", \"replications=1\","
	           "  \"queue.warmup=100\"], \"parameters\": ["
	           "  { \"path\": \"queue.arrival_rate\", \"bounds\": [0.3, 0.7], \"source\": \"estimate\" },"
	           "  { \"path\": \"queue.service_rate\", \"bounds\": [1, 2], \"source\": \"estimate\" } ],"
	           "  \"outputs\": [\"mean_wait\"] }", th_src("scenarios/mm1.json"));
	fclose(f);
	snprintf(ser, sizeof ser, "%s/serial", dir);
	snprintf(out, sizeof out, "%s/mpi", dir);
	snprintf(err, sizeof err, "%s/log", dir);
	const char *a[] = { bin("dais"), "uncertainty", pj, "-o", ser, "--samples", "16",
	                    "--bootstrap", "50", "--quiet", NULL };
	cr_assert_eq(run(a, err, NULL), 0, "%s", slurp(err));
	const char *m[] = { mpirun(), "--oversubscribe", "--allow-run-as-root", "-n", "3",
	                    bin("dais-mpi"), "uncertainty", pj, "-o", out, "--samples", "16",
	                    "--bootstrap", "50", "--quiet", NULL };
	cr_assert_eq(run(m, err, NULL), 0, "%s", slurp(err));
	snprintf(fa, sizeof fa, "%s/uncertainty.h5", ser);
	snprintf(fb, sizeof fb, "%s/uncertainty.h5", out);
	cr_assert_eq(th_compare_datasets(fa, fb, 0), 0, "%s differs from %s", fb, fa);
	th_rmtree(dir);
	free(dir);
}
