/* test_file.c — the kernel's file utilities (sim/file.h), the process
 * launcher (sim/spawn.h) and the CSV reader's handling of odd bytes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "helpers.h"
#include "sim/csv.h"
#include "sim/file.h"
#include "sim/spawn.h"

static char *dir;

static void setup(void) { dir = th_mkdtemp(); }
static void teardown(void) { th_rmtree(dir); free(dir); }

static const char *in_dir(const char *name)
{
	static char buf[4][1024];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static void put(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	cr_assert(f);
	cr_assert_eq(fwrite(data, 1, n, f), n);
	fclose(f);
}

static int exists(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) == 0;
}

Test(file, read_returns_the_bytes_nul_terminated, .init = setup, .fini = teardown)
{
	put(in_dir("a"), "abc\ndef", 7);
	char *t;
	size_t n;
	cr_assert_eq(file_read(in_dir("a"), 100, &t, &n, NULL), SIM_OK);
	cr_expect_eq(n, 7);
	cr_expect_str_eq(t, "abc\ndef");
	free(t);
	put(in_dir("empty"), "", 0);
	cr_assert_eq(file_read(in_dir("empty"), 100, &t, &n, NULL), SIM_OK);
	cr_expect_eq(n, 0);
	cr_expect_str_eq(t, "");
	free(t);
}

/* A file one byte over the limit is refused with a message; /dev/zero, which
 * never ends, is refused after the limit instead of read forever. */
Test(file, read_refuses_what_is_over_the_limit, .init = setup, .fini = teardown)
{
	char buf[5000];
	memset(buf, 'x', sizeof buf);
	put(in_dir("big"), buf, sizeof buf);
	sim_diag d;
	diag_init(&d);
	char *t = (char *)1;
	size_t n;
	cr_expect_eq(file_read(in_dir("big"), sizeof buf - 1, &t, &n, &d), SIM_EINVAL);
	cr_expect_null(t);
	cr_assert_eq(d.n, 1);
	cr_expect(strstr(d.msg[0], "larger than"), "%s", d.msg[0]);
	cr_expect_eq(file_read(in_dir("big"), sizeof buf, &t, &n, NULL), SIM_OK);
	cr_expect_eq(n, sizeof buf);
	free(t);
	diag_clear(&d);
	cr_expect_eq(file_read("/dev/zero", 1 << 16, &t, &n, &d), SIM_EINVAL);
	cr_expect_eq(file_read(dir, 100, &t, &n, &d), SIM_EIO, "a directory is not read");
	cr_expect_eq(file_read(in_dir("missing"), 100, &t, &n, &d), SIM_EIO);
	cr_expect(strstr(d.msg[2], "cannot open"), "%s", d.msg[2]);
	diag_release(&d);
}

Test(file, mkdir_p_makes_parents_and_refuses_a_file, .init = setup, .fini = teardown)
{
	cr_expect_eq(file_mkdir_p(in_dir("x/y/z"), NULL), SIM_OK);
	struct stat sb;
	cr_expect(stat(in_dir("x/y/z"), &sb) == 0 && S_ISDIR(sb.st_mode));
	cr_expect_eq(file_mkdir_p(in_dir("x/y/z"), NULL), SIM_OK, "an existing folder is fine");
	put(in_dir("f"), "1", 1);
	sim_diag d;
	diag_init(&d);
	cr_expect_eq(file_mkdir_p(in_dir("f"), &d), SIM_EINVAL);
	cr_expect_eq(file_mkdir_p(in_dir("f/g"), &d), SIM_EINVAL);
	cr_expect_eq(d.n, 2);
	diag_release(&d);
}

Test(file, atomic_write_replaces_a_regular_file_whole, .init = setup, .fini = teardown)
{
	put(in_dir("out"), "old", 3);
	cr_assert_eq(file_write_atomic(in_dir("out"), "new!", 4, NULL), SIM_OK);
	char *t;
	size_t n;
	cr_assert_eq(file_read(in_dir("out"), 100, &t, &n, NULL), SIM_OK);
	cr_expect_str_eq(t, "new!");
	free(t);
	cr_expect_eq(th_count_entries(dir), 1, "no temporary left");
	/* aborting leaves the old file and nothing else */
	struct file_atomic a;
	cr_assert_eq(file_atomic_open(&a, in_dir("out"), NULL), SIM_OK);
	fputs("half", a.f);
	cr_expect_eq(th_count_entries(dir), 2);
	file_atomic_abort(&a);
	file_atomic_abort(&a); /* twice is harmless */
	cr_expect_eq(th_count_entries(dir), 1);
	cr_assert_eq(file_read(in_dir("out"), 100, &t, &n, NULL), SIM_OK);
	cr_expect_str_eq(t, "new!");
	free(t);
}

/* Output goes only to regular files: the rename at the end would otherwise
 * replace a device (as root, /dev/null became a file), a FIFO, a socket or a
 * symbolic link. */
Test(file, targets_that_are_not_regular_files_are_refused, .init = setup, .fini = teardown)
{
	cr_assert_eq(mkfifo(in_dir("fifo"), 0600), 0);
	cr_assert_eq(symlink(in_dir("elsewhere"), in_dir("link")), 0);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", in_dir("sock"));
	int have_sock = s >= 0 && strlen(in_dir("sock")) < sizeof sa.sun_path &&
	                bind(s, (struct sockaddr *)&sa, sizeof sa) == 0;
	const struct { const char *path, *why; } cases[] = {
		{ "/dev/null", "is a character device" },
		{ in_dir("fifo"), "is a FIFO" },
		{ in_dir("link"), "is a symbolic link" },
		{ dir, "is a directory" },
		{ have_sock ? in_dir("sock") : dir, have_sock ? "is a socket" : "is a directory" },
		{ "", "output path is empty" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sim_diag d;
		diag_init(&d);
		struct file_atomic a;
		cr_expect_eq(file_atomic_open(&a, cases[i].path, &d), SIM_EINVAL, "%s", cases[i].path);
		cr_expect_null(a.f);
		cr_assert_eq(d.n, 1);
		cr_expect(strstr(d.msg[0], cases[i].why), "'%s' lacks '%s'", d.msg[0], cases[i].why);
		diag_release(&d);
	}
	struct stat sb;
	cr_expect(stat("/dev/null", &sb) == 0 && S_ISCHR(sb.st_mode), "/dev/null is untouched");
	cr_expect(lstat(in_dir("fifo"), &sb) == 0 && S_ISFIFO(sb.st_mode));
	cr_expect(lstat(in_dir("link"), &sb) == 0 && S_ISLNK(sb.st_mode));
	cr_expect(!exists(in_dir("elsewhere")));
	if (s >= 0)
		close(s);
}

Test(file, stale_temporaries_of_dead_processes_are_removed, .init = setup, .fini = teardown)
{
	/* pid 2^22 + 1 is above Linux's pid_max default and cannot be alive */
	char mine[64], dead[64], other[64];
	snprintf(mine, sizeof mine, "r.h5.tmp.%ld", (long)getpid());
	snprintf(dead, sizeof dead, "r.h5.tmp.%d", (1 << 22) + 1);
	snprintf(other, sizeof other, "s.h5.tmp.%d", (1 << 22) + 1);
	put(in_dir(mine), "", 0);
	put(in_dir(dead), "", 0);
	put(in_dir(other), "", 0);
	cr_expect(file_is_stale_tmp(dead, "r.h5"));
	cr_expect(!file_is_stale_tmp(dead, "r.h"));
	cr_expect(!file_is_stale_tmp(mine, "r.h5"), "our own is not stale");
	file_remove_stale_tmp(dir, "r.h5");
	cr_expect(exists(in_dir(mine)));
	cr_expect(!exists(in_dir(dead)));
	cr_expect(exists(in_dir(other)), "another file's temporary is left to it");
	file_remove_stale_tmp(dir, NULL);
	cr_expect(!exists(in_dir(other)));
	cr_expect(exists(in_dir(mine)));
}

/* The launcher passes each argument as it is: nothing in it reaches a shell. */
Test(spawn, arguments_are_never_parsed_by_a_shell, .init = setup, .fini = teardown)
{
	cr_assert(spawn_have("sh"));
	cr_expect(!spawn_have("no-such-program-dais"));
	char hostile[1024];
	snprintf(hostile, sizeof hostile, "$(touch %s) `touch %s` it's \"quoted\"\nnext line",
	         in_dir("pwned1"), in_dir("pwned2"));
	/* sh -c 'printf %s "$1" > out' argv0 HOSTILE: the value is data to printf */
	char script[1200];
	snprintf(script, sizeof script, "printf %%s \"$1\" > '%s'", in_dir("out"));
	const char *argv[] = { "sh", "-c", script, "sh", hostile, NULL };
	cr_assert_eq(spawn_run(argv, NULL, NULL), SIM_OK);
	char *t;
	size_t n;
	cr_assert_eq(file_read(in_dir("out"), 4096, &t, &n, NULL), SIM_OK);
	cr_expect_str_eq(t, hostile);
	free(t);
	cr_expect(!exists(in_dir("pwned1")));
	cr_expect(!exists(in_dir("pwned2")));
}

Test(spawn, working_directory_environment_and_failures, .init = setup, .fini = teardown)
{
	const char *env[] = { "DAIS_SPAWN_TEST=42", NULL };
	struct spawn_opts o = { .cwd = dir, .env = env };
	const char *argv[] = { "sh", "-c", "echo \"$DAIS_SPAWN_TEST\" > here", NULL };
	cr_assert_eq(spawn_run(argv, &o, NULL), SIM_OK);
	char *t;
	size_t n;
	cr_assert_eq(file_read(in_dir("here"), 100, &t, &n, NULL), SIM_OK);
	cr_expect_str_eq(t, "42\n");
	free(t);
	sim_diag d;
	diag_init(&d);
	const char *fail[] = { "sh", "-c", "exit 3", NULL };
	cr_expect_eq(spawn_run(fail, NULL, &d), SIM_EIO);
	const char *none[] = { "no-such-program-dais", NULL };
	cr_expect_eq(spawn_run(none, NULL, &d), SIM_EIO);
	cr_assert_eq(d.n, 2);
	cr_expect(strstr(d.msg[0], "exit status 3"), "%s", d.msg[0]);
	cr_expect(strstr(d.msg[1], "cannot start no-such-program-dais"), "%s", d.msg[1]);
	diag_release(&d);
}

/* CSV inputs with odd first bytes: a lone 0xEF (the start of a byte-order
 * mark) used to make the reader move a negative length and corrupt the heap. */
Test(csv, byte_order_marks_and_short_files, .init = setup, .fini = teardown)
{
	static const struct { const char *bytes; size_t n; int ok, cols; const char *first; } cases[] = {
		{ "\xEF", 1, 1, 1, "\xEF" },
		{ "\xEF\xBB", 2, 1, 1, "\xEF\xBB" },
		{ "\xEF\xBB\xBF", 3, 0, 0, NULL },                  /* a mark and nothing else */
		{ "\xEF\xBB\xBF" "a,b\n1,2\n", 11, 1, 2, "a" },      /* the mark is skipped */
		{ "\xEF" "a,b\n", 5, 1, 2, "\xEF" "a" },              /* not a whole mark: kept */
		{ "", 0, 0, 0, NULL },
		{ "\n\n", 2, 0, 0, NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		put(in_dir("t.csv"), cases[i].bytes, cases[i].n);
		sim_diag d;
		diag_init(&d);
		csv *t = csv_read(in_dir("t.csv"), &d);
		cr_expect_eq(t != NULL, cases[i].ok, "case %zu", i);
		if (t) {
			cr_expect_eq(csv_ncols(t), cases[i].cols, "case %zu", i);
			cr_expect_str_eq(csv_header(t, 0), cases[i].first, "case %zu", i);
		} else {
			cr_expect(d.n == 1 && strstr(d.msg[0], "no header line"), "case %zu", i);
		}
		csv_free(t);
		diag_release(&d);
	}
}

Test(csv, nul_bytes_are_refused_with_their_line, .init = setup, .fini = teardown)
{
	put(in_dir("t.csv"), "a,b\n1,2\n3\0,4\n", 13);
	sim_diag d;
	diag_init(&d);
	cr_expect_null(csv_read(in_dir("t.csv"), &d));
	cr_assert_eq(d.n, 1);
	cr_expect(strstr(d.msg[0], "t.csv:3: NUL byte"), "%s", d.msg[0]);
	diag_release(&d);
}

#include <math.h>

#include "sim/csv.h"

/* Dates by hand: day 90 of 2025 (365 days), day 59 of the leap year 2024
 * (Feb 29 exists), and strings that are not calendar days. */
Test(file, dates_become_fractional_years_or_nan)
{
	cr_assert_float_eq(csv_date_year("2025-04-01"), 2025 + 90 / 365.0, 1e-12);
	cr_assert_float_eq(csv_date_year("2024-02-29"), 2024 + 59 / 366.0, 1e-12);
	cr_assert_eq(csv_date_year("2024-01-01"), 2024.0);
	cr_assert(isnan(csv_date_year("2023-02-29")));
	cr_assert(isnan(csv_date_year("2024-13-01")));
	cr_assert(isnan(csv_date_year("2024-1-5")));
	cr_assert(isnan(csv_date_year("")));
}
