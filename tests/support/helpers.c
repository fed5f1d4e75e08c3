/* helpers.c — test fixtures shared by the simulator's test files. */
#include "helpers.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h5/h5i.h"

char *th_mkdtemp(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[1024];
	snprintf(tmpl, sizeof tmpl, "%s/dais-test-XXXXXX", base && *base ? base : "/tmp");
	char *d = mkdtemp(tmpl);
	return d ? strdup(d) : NULL;
}

void th_rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char p[2048];
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			th_rmtree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

const char *th_src(const char *rel)
{
	static char buf[4][2048];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", DAIS_SRCDIR, rel);
	return buf[k];
}

const char *th_dais_bin(void)
{
	static char path[PATH_MAX + 8];
	const char *env = getenv("DAIS_BIN");
	if (env && *env)
		return env;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return "build/dais";
	exe[n] = '\0';
	for (int up = 0; up < 2; up++) {
		char *s = strrchr(exe, '/');
		if (!s)
			return "build/dais";
		*s = '\0';
	}
	snprintf(path, sizeof path, "%s/dais", exe);
	return path;
}

int th_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* For string coordinates: 0 same labels, 1 different, -1 not string labels. */
static int label_diff(h5i *a, h5i *b, const char *p)
{
	char **la, **lb;
	size_t na, nb;
	if (h5i_read_labels(a, p, &la, &na, NULL) != SIM_OK)
		return -1;
	if (h5i_read_labels(b, p, &lb, &nb, NULL) != SIM_OK) {
		h5i_names_free(la, na);
		return 1;
	}
	int diff = na != nb;
	for (size_t i = 0; !diff && i < na; i++)
		diff = strcmp(la[i], lb[i]) != 0;
	h5i_names_free(la, na);
	h5i_names_free(lb, nb);
	return diff;
}

static int walk(h5i *a, h5i *b, const char *group, int skip_summary, int *shown)
{
	char **na = NULL, **nb = NULL;
	size_t ka = 0, kb = 0;
	int diff = 0;
	if (h5i_list(a, group, &na, &ka, NULL) != SIM_OK ||
	    h5i_list(b, group, &nb, &kb, NULL) != SIM_OK || ka != kb) {
		if ((*shown)++ < 5)
			fprintf(stderr, "compare: %s: different members\n", group);
		h5i_names_free(na, ka);
		h5i_names_free(nb, kb);
		return 1;
	}
	for (size_t i = 0; i < ka; i++) {
		char p[1024];
		snprintf(p, sizeof p, "%s%s%s", group, strcmp(group, "/") ? "/" : "", na[i]);
		if (strcmp(na[i], nb[i])) {
			if ((*shown)++ < 5)
				fprintf(stderr, "compare: %s: member '%s' against '%s'\n", group, na[i], nb[i]);
			diff++;
			continue;
		}
		if (skip_summary && !strcmp(p, "/summary"))
			continue;
		if (h5i_is_group(a, p)) {
			diff += walk(a, b, p, skip_summary, shown);
		} else if (!strcmp(na[i], "events") && !strchr(group + 1, '/')) {
			struct h5i_events ea, eb;
			int ra = h5i_read_events(a, p, &ea, NULL) == SIM_OK;
			int rb = h5i_read_events(b, p, &eb, NULL) == SIM_OK;
			int bad = !ra || !rb || ea.n != eb.n;
			for (size_t k = 0; !bad && k < ea.n; k++)
				bad = memcmp(&ea.t[k], &eb.t[k], sizeof(double)) || ea.id[k] != eb.id[k] ||
				      memcmp(&ea.value[k], &eb.value[k], sizeof(double)) ||
				      strcmp(ea.kind[k], eb.kind[k]);
			if (bad) {
				if ((*shown)++ < 5)
					fprintf(stderr, "compare: %s differs\n", p);
				diff++;
			}
			h5i_events_release(&ea);
			h5i_events_release(&eb);
		} else if (h5i_is_scale(a, p) && label_diff(a, b, p) >= 0) {
			int ld = label_diff(a, b, p);
			if (ld && (*shown)++ < 5)
				fprintf(stderr, "compare: %s differs\n", p);
			diff += ld;
		} else {
			struct h5i_data xa, xb;
			if (h5i_read(a, p, &xa, NULL) != SIM_OK || h5i_read(b, p, &xb, NULL) != SIM_OK) {
				if ((*shown)++ < 5)
					fprintf(stderr, "compare: %s: cannot read\n", p);
				diff++;
				continue;
			}
			if (xa.n != xb.n || xa.rank != xb.rank ||
			    memcmp(xa.v, xb.v, xa.n * sizeof(double)) || strcmp(xa.units, xb.units)) {
				if ((*shown)++ < 5)
					fprintf(stderr, "compare: %s differs\n", p);
				diff++;
			}
			h5i_data_release(&xa);
			h5i_data_release(&xb);
		}
	}
	h5i_names_free(na, ka);
	h5i_names_free(nb, kb);
	return diff;
}

int th_compare_datasets(const char *pa, const char *pb, int skip_summary)
{
	h5i *a = h5i_open(pa, NULL), *b = h5i_open(pb, NULL);
	int shown = 0, diff = a && b ? walk(a, b, "/", skip_summary, &shown) : 1;
	h5i_close(a);
	h5i_close(b);
	return diff;
}

static FILE *saved_out, *saved_err;

void th_capture_begin(void)
{
	saved_out = stdout;
	saved_err = stderr;
	stdout = fopen("/dev/null", "w");
	stderr = tmpfile();
	if (!stdout || !stderr)
		abort();
}

void th_capture_end(char *buf, size_t n)
{
	rewind(stderr);
	buf[fread(buf, 1, n - 1, stderr)] = 0;
	fclose(stdout);
	fclose(stderr);
	stdout = saved_out;
	stderr = saved_err;
}
