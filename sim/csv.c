/* csv.c — a small, strict CSV reader for sourced data tables. */
#include "csv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"

struct csv {
	char *path;
	char *source;
	int nrows, ncols;
	char **header;   /* (ncols,) */
	char **cells;    /* (nrows, ncols) row-major, each malloc'd */
	int *lines;      /* (nrows,) file line of each row */
};

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

static void free_fields(char **f, int n)
{
	for (int i = 0; i < n; i++)
		free(f[i]);
}

/* Splits one line into fields; returns the count, -1 on an unterminated
 * quote or -2 when out of memory.  Fields are written into *out (grown as
 * needed); on failure the fields already copied are freed. */
static int split_line(const char *line, char ***out, int *cap)
{
	int n = 0;
	const char *p = line;
	size_t len = strlen(line);
	char *buf = malloc(len + 1);
	if (!buf)
		return -2;
	for (;;) {
		size_t k = 0;
		if (*p == '"') {
			p++;
			for (;;) {
				if (*p == '\0') {
					free(buf);
					free_fields(*out, n);
					return -1;
				}
				if (*p == '"') {
					if (p[1] == '"') {
						buf[k++] = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				buf[k++] = *p++;
			}
			while (*p && *p != ',')
				buf[k++] = *p++;
		} else {
			while (*p && *p != ',')
				buf[k++] = *p++;
		}
		buf[k] = '\0';
		/* trim surrounding blanks of unquoted content */
		char *s = buf;
		while (*s == ' ' || *s == '\t')
			s++;
		char *e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (n == *cap) {
			int nc = *cap ? 2 * *cap : 16;
			char **f = realloc(*out, (size_t)nc * sizeof *f);
			if (!f) {
				free(buf);
				free_fields(*out, n);
				return -2;
			}
			*out = f;
			*cap = nc;
		}
		(*out)[n] = xstrdup(s);
		if (!(*out)[n]) {
			free(buf);
			free_fields(*out, n);
			return -2;
		}
		n++;
		if (*p != ',')
			break;
		p++;
	}
	free(buf);
	return n;
}

void csv_free(csv *t)
{
	if (!t)
		return;
	free_fields(t->header, t->ncols);
	free(t->header);
	free_fields(t->cells, t->nrows * t->ncols);
	free(t->cells);
	free(t->lines);
	free(t->source);
	free(t->path);
	free(t);
}

/* Keeps the first "# source:" comment as the table's provenance. */
static int take_source(csv *t, const char *line)
{
	if (t->source || strncmp(line, "# source:", 9))
		return 0;
	const char *s = line + 9;
	while (*s == ' ')
		s++;
	return (t->source = xstrdup(s)) ? 0 : -1;
}

/* Appends one data row (the fields are taken); -1 when out of memory. */
static int add_row(csv *t, char **fields, int n, int lineno, int *rcap)
{
	if (t->nrows == *rcap) {
		int cap = *rcap ? 2 * *rcap : 64;
		char **c = realloc(t->cells, (size_t)cap * (size_t)t->ncols * sizeof *c);
		if (c)
			t->cells = c;
		int *l = c ? realloc(t->lines, (size_t)cap * sizeof *l) : NULL;
		if (l)
			t->lines = l;
		if (!c || !l) {
			free_fields(fields, n);
			return -1;
		}
		*rcap = cap;
	}
	memcpy(t->cells + (size_t)t->nrows * (size_t)t->ncols, fields, (size_t)n * sizeof *fields);
	t->lines[t->nrows++] = lineno;
	return 0;
}

/* Parses the text of a whole file into t; 0, or -1 with a message in d. */
static int parse(csv *t, char *text, size_t len, sim_diag *d)
{
	const char *path = t->path;
	char **fields = NULL;
	int fcap = 0, rcap = 0, lineno = 0, rc = -1;
	const char *nul = memchr(text, '\0', len);
	if (nul) { /* C strings would end there and drop the rest silently */
		for (const char *c = text; c < nul; c++)
			lineno += *c == '\n';
		diag_add(d, "%s:%d: NUL byte in a text file", path, lineno + 1);
		return -1;
	}
	char *line = text;
	if (len >= 3 && !memcmp(line, "\xEF\xBB\xBF", 3))
		line += 3; /* a UTF-8 byte-order mark */
	for (char *next; line && *line; line = next) {
		lineno++;
		next = strchr(line, '\n');
		size_t n = next ? (size_t)(next - line) : strlen(line);
		if (next)
			*next++ = '\0';
		while (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (line[0] == '#') {
			if (take_source(t, line))
				goto oom;
			continue;
		}
		if (strspn(line, " \t") == n)
			continue;
		int nf = split_line(line, &fields, &fcap);
		if (nf == -2)
			goto oom;
		if (nf == -1) {
			diag_add(d, "%s:%d: unterminated quoted field", path, lineno);
			goto done;
		}
		if (!t->header) {
			t->ncols = nf;
			if (!(t->header = malloc((size_t)nf * sizeof *t->header))) {
				free_fields(fields, nf);
				goto oom;
			}
			memcpy(t->header, fields, (size_t)nf * sizeof *fields);
			continue;
		}
		if (nf != t->ncols) {
			diag_add(d, "%s:%d: expected %d fields, got %d", path, lineno, t->ncols, nf);
			free_fields(fields, nf);
			goto done;
		}
		if (add_row(t, fields, nf, lineno, &rcap))
			goto oom;
	}
	if (!t->header)
		diag_add(d, "%s: no header line", path);
	else if (!t->source && !(t->source = xstrdup("")))
		goto oom;
	else
		rc = 0;
	goto done;
oom:
	diag_add(d, "%s: out of memory", path);
done:
	free(fields);
	return rc;
}

csv *csv_read(const char *path, sim_diag *d)
{
	char *text;
	size_t len;
	if (file_read(path, CSV_MAX_BYTES, &text, &len, d))
		return NULL;
	csv *t = calloc(1, sizeof *t);
	if (!t || !(t->path = xstrdup(path))) {
		diag_add(d, "%s: out of memory", path);
		free(text);
		csv_free(t);
		return NULL;
	}
	int rc = parse(t, text, len, d);
	free(text);
	if (rc) {
		csv_free(t);
		return NULL;
	}
	return t;
}

const char *csv_path(const csv *t) { return t->path; }
const char *csv_source(const csv *t) { return t->source; }
int csv_nrows(const csv *t) { return t->nrows; }
int csv_ncols(const csv *t) { return t->ncols; }
const char *csv_header(const csv *t, int col) { return t->header[col]; }
int csv_line(const csv *t, int row) { return t->lines[row]; }

int csv_col(const csv *t, const char *name)
{
	for (int j = 0; j < t->ncols; j++)
		if (!strcmp(t->header[j], name))
			return j;
	return -1;
}

int csv_require(const csv *t, const char *name, sim_diag *d)
{
	int j = csv_col(t, name);
	if (j < 0)
		diag_add(d, "%s: missing column '%s'", t->path, name);
	return j;
}

const char *csv_cell(const csv *t, int row, int col)
{
	SIM_ASSERT(row >= 0 && row < t->nrows && col >= 0 && col < t->ncols);
	return t->cells[(size_t)row * (size_t)t->ncols + (size_t)col];
}

sim_status csv_num(const csv *t, int row, int col, double *out, sim_diag *d)
{
	const char *s = csv_cell(t, row, col);
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v)) {
		diag_add(d, "%s:%d: column '%s': expected number, got '%s'", t->path,
		         t->lines[row], t->header[col], s);
		return SIM_EINVAL;
	}
	*out = v;
	return SIM_OK;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

double csv_date_to_year(int y, int m, int d)
{
	static const int cum[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	int doy = cum[m - 1] + (d - 1) + (m > 2 && is_leap(y));
	return y + doy / (is_leap(y) ? 366.0 : 365.0);
}

double csv_date_year(const char *s)
{
	int y, m, d;
	return csv_date(s, &y, &m, &d) ? csv_date_to_year(y, m, d) : NAN;
}

int csv_date(const char *s, int *y, int *m, int *d)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int n = 0;
	/* exactly YYYY-MM-DD: sscanf alone would take " 2024-1-5" too */
	for (int i = 0; i < 10; i++)
		if (!s[i] || (i == 4 || i == 7 ? s[i] != '-' : s[i] < '0' || s[i] > '9'))
			return 0;
	if (s[10] || sscanf(s, "%4d-%2d-%2d%n", y, m, d, &n) != 3 || n != 10)
		return 0;
	if (*y < 1900 || *y > 2200 || *m < 1 || *m > 12 || *d < 1)
		return 0;
	return *d <= mdays[*m - 1] + (*m == 2 && is_leap(*y));
}

sim_status csv_year(const csv *t, int row, int col, double *out, sim_diag *d)
{
	const char *s = csv_cell(t, row, col);
	int y = 0, m = 1, dd = 1, n = 0, k;
	if (csv_date(s, &y, &m, &dd))
		goto ok;
	m = dd = 1;
	k = sscanf(s, "%4d-%2d%n", &y, &m, &n);
	if (k == 2 && s[n] == '\0')
		goto ok;
	m = 1;
	k = sscanf(s, "%4d%n", &y, &n);
	if (k == 1 && s[n] == '\0')
		goto ok;
	goto bad;
ok:
	if (y < 1900 || y > 2200 || m < 1 || m > 12)
		goto bad;
	*out = csv_date_to_year(y, m, dd);
	return SIM_OK;
bad:
	diag_add(d, "%s:%d: column '%s': expected date YYYY[-MM[-DD]], got '%s'", t->path,
	         t->lines[row], t->header[col], s);
	return SIM_EINVAL;
}
