/* scn.c — scenario files: parse, resolve "extends", apply --set overrides,
 * validate against the embedded schema and fill defaults.
 *
 * The schema (scenarios/schema/<section>.json, embedded as dais_schema[]) is parsed and
 * checked once, on first use; a malformed schema is a bug and aborts.  A loaded
 * scenario is rebuilt key by key from the schema, so its keys come out in schema
 * order and scn_to_json is canonical.
 */
#include "scn.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Generated from scenarios/schema/<section>.json by scripts/embed.sh; NULL-terminated. */
extern const struct { const char *name; const char *text; } dais_schema[];

enum {
	MAX_MSGS = 100,          /* messages kept per load; the rest are counted */
	MAX_EXTENDS = 32,        /* files in one "extends" chain */
	MAX_SEGS = 64,           /* segments in a --set or accessor path */
	MAX_FILE = 64 << 20      /* bytes in a scenario file */
};

struct scn {
	char *path;   /* as given to scn_load, or the name given to scn_parse */
	cJSON *root;  /* resolved tree: every schema key present, schema order */
};

/* ------------------------------------------------------------------------
 * Growable strings */

typedef struct sbuf {
	char *s;
	size_t n, cap;
	int oom;
} sbuf;

static void sb_addn(sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *t = realloc(b->s, cap);
		if (!t) {
			b->oom = 1;
			return;
		}
		b->s = t;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void sb_adds(sbuf *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

static void sb_vaddf(sbuf *b, const char *fmt, va_list ap)
{
	char tmp[256];
	va_list ap2;
	va_copy(ap2, ap);
	int len = vsnprintf(tmp, sizeof tmp, fmt, ap);
	if (len < 0) {
		va_end(ap2);
		return;
	}
	if ((size_t)len < sizeof tmp) {
		sb_addn(b, tmp, (size_t)len);
	} else {
		char *big = malloc((size_t)len + 1);
		if (big) {
			vsnprintf(big, (size_t)len + 1, fmt, ap2);
			sb_addn(b, big, (size_t)len);
			free(big);
		} else {
			b->oom = 1;
		}
	}
	va_end(ap2);
}

static void sb_addf(sbuf *b, const char *fmt, ...) SIM_PRINTF(2, 3);
static void sb_addf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(b, fmt, ap);
	va_end(ap);
}

static void sb_setlen(sbuf *b, size_t n)
{
	if (b->s && n <= b->n) {
		b->n = n;
		b->s[n] = '\0';
	}
}

static const char *sb_str(const sbuf *b)
{
	return b->s ? b->s : "";
}

static void sb_release(sbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}

/* Hands the string over; NULL when an allocation failed. */
static char *sb_take(sbuf *b)
{
	if (b->oom || !b->s) {
		char *s = b->oom ? NULL : strdup("");
		sb_release(b);
		return s;
	}
	char *s = b->s;
	memset(b, 0, sizeof *b);
	return s;
}

/* ------------------------------------------------------------------------
 * Small helpers */

_Noreturn static void bug(const char *fmt, ...) SIM_PRINTF(1, 2);
_Noreturn static void bug(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "dais: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	sim_assert_fail("scenario accessed as the schema defines it", __FILE__, __LINE__);
}

/* Shortest text that reads back as x: integral values in full, round millions
 * and beyond as 1e12 or 2.5e12, others with up to 17 digits. */
static void fmt_num(char *buf, size_t n, double x)
{
	if (isnan(x)) {
		snprintf(buf, n, "nan");
	} else if (isinf(x)) {
		snprintf(buf, n, x > 0 ? "infinity" : "-infinity");
	} else if (x == 0) {
		snprintf(buf, n, "0");
	} else if (x == floor(x) && fabs(x) < 1e17) {
		char t[24]; /* below 1e17: at most 17 digits */
		snprintf(t, sizeof t, "%.0f", fabs(x));
		size_t len = strlen(t), tz = 0;
		while (tz < len && t[len - 1 - tz] == '0')
			tz++;
		if (tz < 6) {
			snprintf(buf, n, "%s%s", x < 0 ? "-" : "", t);
		} else {
			size_t nd = len - tz; /* significant digits */
			t[nd] = '\0';
			snprintf(buf, n, "%s%c%s%se%d", x < 0 ? "-" : "", t[0], nd > 1 ? "." : "",
			         t + 1, (int)(tz + nd - 1));
		}
	} else {
		snprintf(buf, n, "%.15g", x);
		if (strtod(buf, NULL) != x)
			snprintf(buf, n, "%.17g", x);
		char *e = strchr(buf, 'e');
		if (e) {
			/* "1e+20" -> "1e20", "2e-05" -> "2e-5" */
			char *d = e + 1, *q = e + 1;
			if (*q == '+')
				q++;
			else if (*q == '-')
				*d++ = *q++;
			while (*q == '0' && q[1])
				q++;
			memmove(d, q, strlen(q) + 1);
		}
	}
}

static const char *json_type(const cJSON *v)
{
	if (cJSON_IsString(v)) return "string";
	if (cJSON_IsNumber(v)) return "number";
	if (cJSON_IsBool(v))   return "boolean";
	if (cJSON_IsNull(v))   return "null";
	if (cJSON_IsArray(v))  return "array";
	if (cJSON_IsObject(v)) return "object";
	return "invalid value";
}

static int is_ident(const char *s)
{
	if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

/* Appends ".key" to a JSON path, or ["key"] when key is not an identifier. */
static size_t path_key(sbuf *p, const char *k)
{
	size_t old = p->n;
	if (is_ident(k))
		sb_addf(p, ".%s", k);
	else
		sb_addf(p, "[\"%s\"]", k);
	return old;
}

static size_t path_index(sbuf *p, int i)
{
	size_t old = p->n;
	sb_addf(p, "[%d]", i);
	return old;
}

/* Optimal string alignment distance, case-insensitive: a swap counts as one. */
static int edit_distance(const char *a, const char *b)
{
	enum { M = 64 };
	size_t la = strlen(a), lb = strlen(b);
	if (la >= M || lb >= M)
		return INT_MAX;
	int d[M + 1][M + 1];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			int cost = ca != cb;
			int v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/* Tracks the closest candidate seen; suggests only near misses. */
struct near { const char *word; const char *best; int dist; };

static void near_try(struct near *n, const char *cand)
{
	if (!cand || !strcmp(cand, n->word))
		return;
	size_t len = strlen(n->word);
	int limit = len <= 3 ? 1 : len <= 8 ? 2 : 3;
	int dd = edit_distance(n->word, cand);
	if (dd <= limit && dd < (int)strlen(cand) && dd < n->dist) {
		n->dist = dd;
		n->best = cand;
	}
}

/* " (did you mean 'x'?)" or "" into buf. */
static const char *did_you_mean(char *buf, size_t n, const struct near *nr)
{
	if (nr->best)
		snprintf(buf, n, " (did you mean '%s'?)", nr->best);
	else
		buf[0] = '\0';
	return buf;
}

/* ------------------------------------------------------------------------
 * Load context: diagnostics, where each node came from, nodes kept alive */

/* About origins: after "extends" merges several files into one tree, a bad
 * value is reported against the file it came from.  Merging records the top
 * node of every subtree it moves; a node's file is that of its nearest recorded
 * ancestor, or the top file.  Replaced nodes are kept (grave) until the load
 * ends, so no recorded address is freed and reused while the table lives. */
struct origin { const cJSON *node; const char *file; };

struct ld {
	sim_diag *d;
	int nerr;
	int oom;
	struct origin *orig;
	int norig, corig;
	cJSON *grave;
	char *owned[2 * MAX_EXTENDS + 4]; /* file names and texts freed at the end */
	int nowned;
};

static void ld_init(struct ld *L, sim_diag *d)
{
	memset(L, 0, sizeof *L);
	L->d = d;
}

static void ld_release(struct ld *L)
{
	free(L->orig);
	cJSON_Delete(L->grave);
	for (int i = 0; i < L->nowned; i++)
		free(L->owned[i]);
	memset(L, 0, sizeof *L);
}

static char *ld_own(struct ld *L, char *s)
{
	if (!s) {
		L->oom = 1;
		return NULL;
	}
	SIM_ASSERT(L->nowned < (int)(sizeof L->owned / sizeof L->owned[0]));
	L->owned[L->nowned++] = s;
	return s;
}

static void ld_bury(struct ld *L, cJSON *n)
{
	if (!n)
		return;
	if (!L->grave)
		L->grave = cJSON_CreateArray();
	if (!L->grave || !cJSON_AddItemToArray(L->grave, n)) {
		/* Cannot keep it: drop the origin table instead of risking a stale entry. */
		L->oom = 1;
		L->norig = 0;
		cJSON_Delete(n);
	}
}

static void ld_record(struct ld *L, const cJSON *n, const char *file)
{
	if (L->norig == L->corig) {
		int cap = L->corig ? 2 * L->corig : 32;
		struct origin *o = realloc(L->orig, (size_t)cap * sizeof *o);
		if (!o) {
			L->oom = 1;
			return;
		}
		L->orig = o;
		L->corig = cap;
	}
	L->orig[L->norig].node = n;
	L->orig[L->norig].file = file;
	L->norig++;
}

static const char *ld_origin(const struct ld *L, const cJSON *n, const char *file)
{
	for (int i = L->norig - 1; i >= 0; i--)
		if (L->orig[i].node == n)
			return L->orig[i].file;
	return file;
}

/* Adds "file: path: message"; "file: message" when path is NULL. */
static void ld_err(struct ld *L, const char *file, const char *path, const char *fmt, ...)
	SIM_PRINTF(4, 5);
static void ld_err(struct ld *L, const char *file, const char *path, const char *fmt, ...)
{
	if (++L->nerr > MAX_MSGS)
		return;
	sbuf b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&b, fmt, ap);
	va_end(ap);
	if (path)
		diag_add(L->d, "%s: %s: %s", file, path, sb_str(&b));
	else
		diag_add(L->d, "%s: %s", file, sb_str(&b));
	sb_release(&b);
}

/* Adds "file:line:col: message". */
static void ld_errpos(struct ld *L, const char *file, int line, int col, const char *fmt, ...)
	SIM_PRINTF(5, 6);
static void ld_errpos(struct ld *L, const char *file, int line, int col, const char *fmt, ...)
{
	if (++L->nerr > MAX_MSGS)
		return;
	sbuf b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&b, fmt, ap);
	va_end(ap);
	diag_add(L->d, "%s:%d:%d: %s", file, line, col, sb_str(&b));
	sb_release(&b);
}

/* Closes a load: the count of dropped messages, then out-of-memory. */
static int ld_finish(struct ld *L, const char *file)
{
	if (L->nerr > MAX_MSGS)
		diag_add(L->d, "%s: %d more problems not shown", file, L->nerr - MAX_MSGS);
	if (L->oom) {
		diag_add(L->d, "%s: out of memory", file);
		L->nerr++;
	}
	return L->nerr;
}

/* ------------------------------------------------------------------------
 * Reading and parsing */

/* Reads a whole file; returns 0 or an errno value. */
static int slurp(const char *path, char **text, size_t *len)
{
	*text = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	int err = 0;
	while (buf) {
		if (n + 1 >= cap) {
			if (cap > MAX_FILE) {
				err = EFBIG;
				break;
			}
			char *t = realloc(buf, 2 * cap);
			if (!t) {
				err = ENOMEM;
				break;
			}
			buf = t;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				err = errno ? errno : EIO;
			break;
		}
	}
	if (!buf)
		err = ENOMEM;
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/* 1-based line and column (in characters) of byte offset pos. */
static void line_col(const char *text, size_t pos, int *line, int *col)
{
	int l = 1, c = 1;
	for (size_t i = 0; i < pos; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

static void check_dups(struct ld *L, const cJSON *v, sbuf *p, const char *file)
{
	int i = 0;
	for (const cJSON *c = v->child; c; c = c->next, i++) {
		size_t mark;
		if (cJSON_IsObject(v)) {
			mark = path_key(p, c->string ? c->string : "");
			if (c->string && cJSON_GetObjectItemCaseSensitive(v, c->string) != c)
				ld_err(L, file, sb_str(p), "duplicate key");
		} else {
			mark = path_index(p, i);
		}
		if (c->child)
			check_dups(L, c, p, file);
		sb_setlen(p, mark);
	}
}

/* Parses JSON text; on error reports file:line:col and returns NULL. */
static cJSON *parse_text(struct ld *L, const char *text, size_t len, const char *file)
{
	size_t off = 0;
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		off = 3; /* a UTF-8 byte-order mark is harmless */
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		int line, col;
		line_col(text, (size_t)(nul - text), &line, &col);
		ld_errpos(L, file, line, col, "unexpected NUL byte");
		return NULL;
	}
	size_t i = off;
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	if (i == len) {
		ld_err(L, file, NULL, "empty file");
		return NULL;
	}
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithOpts(text + off, &end, 1);
	if (!j) {
		size_t pos = end && end >= text && end <= text + len ? (size_t)(end - text) : len;
		/* cJSON points one past a bad object key ('{"a": 1,}' points past '}'):
		 * step back when the previous character follows '{' or ','. */
		if (pos > off && pos <= len) {
			size_t q = pos - 1;
			if (!isspace((unsigned char)text[q]) && text[q] != '"') {
				size_t r = q;
				while (r > off && isspace((unsigned char)text[r - 1]))
					r--;
				if (r > off && (text[r - 1] == '{' || text[r - 1] == ','))
					pos = q;
			}
		}
		/* a number cut short by the end of the text: the problem is the end */
		size_t prev = pos;
		while (prev > off && isspace((unsigned char)text[prev - 1]))
			prev--;
		if (pos < len && strchr("-0123456789", text[pos]) && prev > off &&
		    strchr(",[:", text[prev - 1])) {
			char *num_end;
			strtod(text + pos, &num_end);
			while (isspace((unsigned char)*num_end))
				num_end++;
			if (num_end > text + pos && *num_end == '\0')
				pos = len;
		}
		int line, col;
		line_col(text, pos, &line, &col);
		if (pos > off && pos < len && text[pos - 1] == '"' && !memchr(text + pos, '"', len - pos)) {
			ld_errpos(L, file, line, col - 1, "unterminated string");
		} else if (pos >= len) {
			ld_errpos(L, file, line, col, "parse error at end of file");
		} else {
			char near[48];
			size_t k = 0;
			for (size_t m = pos; m < len && k < 16 && text[m] != '\n' && text[m] != '\r'; m++) {
				unsigned char ch = (unsigned char)text[m];
				if (ch < 0x20 || ch == 0x7f)
					k += (size_t)snprintf(near + k, sizeof near - k, "\\x%02x", ch);
				else
					near[k++] = (char)ch;
			}
			/* do not end inside a UTF-8 sequence */
			while (k > 0 && ((unsigned char)near[k - 1] & 0x80)) {
				size_t s = k - 1;
				while (s > 0 && ((unsigned char)near[s] & 0xC0) == 0x80)
					s--;
				unsigned char lead = (unsigned char)near[s];
				size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
				if (k - s >= need)
					break;
				k = s;
			}
			near[k] = '\0';
			ld_errpos(L, file, line, col, "parse error near '%s'", near);
		}
		return NULL;
	}
	int before = L->nerr;
	sbuf p = { 0 };
	sb_adds(&p, "$");
	check_dups(L, j, &p, file);
	sb_release(&p);
	if (L->nerr != before) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* ------------------------------------------------------------------------
 * Validation against a key schema */

enum ktype { KT_BAD, KT_NUMBER, KT_INTEGER, KT_STRING, KT_BOOLEAN, KT_ENUM, KT_OBJECT, KT_ARRAY };

static const char *const ktype_names[] = {
	"?", "number", "integer", "string", "boolean", "enum", "object", "array"
};

static enum ktype ktype_of(const cJSON *ks)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(ks, "type");
	if (!cJSON_IsString(t))
		return KT_BAD;
	for (int k = KT_NUMBER; k <= KT_ARRAY; k++)
		if (!strcmp(t->valuestring, ktype_names[k]))
			return (enum ktype)k;
	return KT_BAD;
}

static const cJSON *kget(const cJSON *ks, const char *field)
{
	return cJSON_GetObjectItemCaseSensitive(ks, field);
}

static int enum_has(const cJSON *ks, const char *s)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, kget(ks, "values"))
		if (cJSON_IsString(v) && !strcmp(v->valuestring, s))
			return 1;
	return 0;
}

/* "'a', 'b', 'c'" */
static void enum_list(sbuf *b, const cJSON *ks, const char *quote)
{
	const cJSON *v;
	int first = 1;
	cJSON_ArrayForEach(v, kget(ks, "values")) {
		if (cJSON_IsString(v))
			sb_addf(b, "%s%s%s%s", first ? "" : ", ", quote, v->valuestring, quote);
		first = 0;
	}
}

static cJSON *check_value(struct ld *L, const cJSON *ks, const cJSON *v, sbuf *p,
                          const char *file, int root);

static cJSON *oom(struct ld *L)
{
	L->oom = 1;
	return NULL;
}

static int check_number(struct ld *L, const cJSON *ks, const cJSON *v, const char *path,
                        const char *file, int integer)
{
	char got[40], lim[40];
	double x = v->valuedouble;
	const char *tn = integer ? "integer" : "number";
	fmt_num(got, sizeof got, x);
	if (!isfinite(x)) {
		ld_err(L, file, path, "expected finite %s, got %s", tn, got);
		return 0;
	}
	if (integer && x != floor(x)) {
		ld_err(L, file, path, "expected integer, got %s", got);
		return 0;
	}
	const cJSON *mn = kget(ks, "min"), *mx = kget(ks, "max");
	int exmin = cJSON_IsTrue(kget(ks, "exclusive_min"));
	int exmax = cJSON_IsTrue(kget(ks, "exclusive_max"));
	if (cJSON_IsNumber(mn) && (exmin ? !(x > mn->valuedouble) : !(x >= mn->valuedouble))) {
		fmt_num(lim, sizeof lim, mn->valuedouble);
		ld_err(L, file, path, "expected %s %s %s, got %s", tn, exmin ? ">" : ">=", lim, got);
		return 0;
	}
	if (cJSON_IsNumber(mx) && (exmax ? !(x < mx->valuedouble) : !(x <= mx->valuedouble))) {
		fmt_num(lim, sizeof lim, mx->valuedouble);
		ld_err(L, file, path, "expected %s %s %s, got %s", tn, exmax ? "<" : "<=", lim, got);
		return 0;
	}
	return 1;
}

/* The default of a key that is absent, itself checked and filled. */
static cJSON *make_default(struct ld *L, const cJSON *ks, sbuf *p, const char *file)
{
	const cJSON *def = kget(ks, "default");
	if (def)
		return check_value(L, ks, def, p, file, 0);
	if (ktype_of(ks) == KT_OBJECT) {
		cJSON *empty = cJSON_CreateObject();
		if (!empty)
			return oom(L);
		cJSON *r = check_value(L, ks, empty, p, file, 0);
		cJSON_Delete(empty);
		return r;
	}
	SIM_ASSERT(!"schema check guarantees a default for every optional key");
	return NULL;
}

static const char *root_model(const cJSON *keys, const cJSON *v)
{
	const cJSON *mks = cJSON_GetObjectItemCaseSensitive(keys, "model");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(v, "model");
	if (mks && ktype_of(mks) == KT_ENUM && cJSON_IsString(m) && enum_has(mks, m->valuestring))
		return m->valuestring;
	return NULL;
}

static int models_has(const cJSON *models, const char *model)
{
	const cJSON *m;
	cJSON_ArrayForEach(m, models)
		if (cJSON_IsString(m) && !strcmp(m->valuestring, model))
			return 1;
	return 0;
}

static cJSON *check_object(struct ld *L, const cJSON *ks, const cJSON *v, sbuf *p,
                           const char *file, int root)
{
	const cJSON *keys = kget(ks, "keys");
	int ok = 1;
	/* unknown keys; duplicates were reported by the parser */
	for (const cJSON *c = v->child; c; c = c->next) {
		const char *k = c->string ? c->string : "";
		if (cJSON_GetObjectItemCaseSensitive(keys, k))
			continue;
		if (cJSON_GetObjectItemCaseSensitive(v, k) != c)
			continue;
		struct near nr = { k, NULL, INT_MAX };
		for (const cJSON *s = keys ? keys->child : NULL; s; s = s->next)
			near_try(&nr, s->string);
		char dym[160];
		size_t mark = path_key(p, k);
		ld_err(L, ld_origin(L, c, file), sb_str(p), "unknown key%s",
		       did_you_mean(dym, sizeof dym, &nr));
		sb_setlen(p, mark);
		ok = 0;
	}
	const char *model = root ? root_model(keys, v) : NULL;
	cJSON *out = cJSON_CreateObject();
	if (!out)
		return oom(L);
	for (const cJSON *kk = keys ? keys->child : NULL; kk; kk = kk->next) {
		const cJSON *item = cJSON_GetObjectItemCaseSensitive(v, kk->string);
		const cJSON *models = root ? kget(kk, "models") : NULL;
		size_t mark = path_key(p, kk->string);
		cJSON *r = NULL;
		int used = !models ? 1 : model ? models_has(models, model) : -1;
		if (used == 0) {
			/* a section of another model: not allowed, not filled */
			if (item) {
				ld_err(L, ld_origin(L, item, file), sb_str(p),
				       "section '%s' is not used by model '%s'", kk->string, model);
				ok = 0;
			}
		} else if (item) {
			if (!(r = check_value(L, kk, item, p, file, 0)))
				ok = 0;
		} else if (used < 0) {
			/* model unknown (already reported): cannot tell whether to fill */
		} else if (cJSON_IsTrue(kget(kk, "required"))) {
			ld_err(L, file, sb_str(p), "missing required key");
			ok = 0;
		} else if (!(r = make_default(L, kk, p, file))) {
			ok = 0;
		}
		if (r && !cJSON_AddItemToObject(out, kk->string, r)) {
			cJSON_Delete(r);
			ok = 0;
			L->oom = 1;
		}
		sb_setlen(p, mark);
	}
	if (!ok) {
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

static cJSON *check_array(struct ld *L, const cJSON *ks, const cJSON *v, sbuf *p, const char *file)
{
	int n = cJSON_GetArraySize(v), ok = 1;
	const cJSON *mn = kget(ks, "min_items"), *mx = kget(ks, "max_items");
	if (cJSON_IsNumber(mn) && n < mn->valuedouble) {
		ld_err(L, file, sb_str(p), "expected at least %d item%s, got %d",
		       mn->valueint, mn->valueint == 1 ? "" : "s", n);
		ok = 0;
	}
	if (cJSON_IsNumber(mx) && n > mx->valuedouble) {
		ld_err(L, file, sb_str(p), "expected at most %d item%s, got %d",
		       mx->valueint, mx->valueint == 1 ? "" : "s", n);
		ok = 0;
	}
	const cJSON *items = kget(ks, "items");
	cJSON *out = cJSON_CreateArray();
	if (!out)
		return oom(L);
	int i = 0;
	for (const cJSON *c = v->child; c; c = c->next, i++) {
		size_t mark = path_index(p, i);
		cJSON *r = check_value(L, items, c, p, file, 0);
		if (!r)
			ok = 0;
		else if (!cJSON_AddItemToArray(out, r)) {
			cJSON_Delete(r);
			ok = 0;
			L->oom = 1;
		}
		sb_setlen(p, mark);
	}
	/* items addressed by name ("chains[sui]") must have distinct names */
	const cJSON *nks = ktype_of(items) == KT_OBJECT
		? cJSON_GetObjectItemCaseSensitive(kget(items, "keys"), "name") : NULL;
	if (nks && n <= 4096) {
		i = 0;
		for (const cJSON *c = v->child; c; c = c->next, i++) {
			const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
			if (!cJSON_IsString(nm))
				continue;
			int j = 0;
			for (const cJSON *e = v->child; e != c; e = e->next, j++) {
				const cJSON *en = cJSON_GetObjectItemCaseSensitive(e, "name");
				if (cJSON_IsString(en) && !strcmp(en->valuestring, nm->valuestring)) {
					size_t mark = path_index(p, i);
					path_key(p, "name");
					ld_err(L, ld_origin(L, c, file), sb_str(p),
					       "duplicate name '%s' (also at index %d)", nm->valuestring, j);
					sb_setlen(p, mark);
					ok = 0;
					break;
				}
			}
		}
	}
	if (!ok) {
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

/* Checks v against key schema ks and returns a resolved copy (defaults filled,
 * schema order), or NULL after reporting every problem under v. */
static cJSON *check_value(struct ld *L, const cJSON *ks, const cJSON *v, sbuf *p,
                          const char *file, int root)
{
	file = ld_origin(L, v, file);
	const char *path = sb_str(p);
	enum ktype t = ktype_of(ks);
	cJSON *r;
	switch (t) {
	case KT_NUMBER:
	case KT_INTEGER:
		if (!cJSON_IsNumber(v)) {
			ld_err(L, file, path, "expected %s, got %s", ktype_names[t], json_type(v));
			return NULL;
		}
		if (!check_number(L, ks, v, path, file, t == KT_INTEGER))
			return NULL;
		return (r = cJSON_CreateNumber(v->valuedouble)) ? r : oom(L);
	case KT_STRING:
		if (!cJSON_IsString(v)) {
			ld_err(L, file, path, "expected string, got %s", json_type(v));
			return NULL;
		}
		return (r = cJSON_CreateString(v->valuestring)) ? r : oom(L);
	case KT_BOOLEAN:
		if (!cJSON_IsBool(v)) {
			ld_err(L, file, path, "expected boolean, got %s", json_type(v));
			return NULL;
		}
		return (r = cJSON_CreateBool(cJSON_IsTrue(v))) ? r : oom(L);
	case KT_ENUM:
		if (!cJSON_IsString(v) || !enum_has(ks, v->valuestring)) {
			sbuf b = { 0 };
			enum_list(&b, ks, "'");
			if (!cJSON_IsString(v)) {
				ld_err(L, file, path, "expected one of %s, got %s", sb_str(&b), json_type(v));
			} else {
				struct near nr = { v->valuestring, NULL, INT_MAX };
				const cJSON *e;
				cJSON_ArrayForEach(e, kget(ks, "values"))
					near_try(&nr, cJSON_IsString(e) ? e->valuestring : NULL);
				char dym[160];
				ld_err(L, file, path, "expected one of %s, got '%s'%s", sb_str(&b),
				       v->valuestring, did_you_mean(dym, sizeof dym, &nr));
			}
			sb_release(&b);
			return NULL;
		}
		return (r = cJSON_CreateString(v->valuestring)) ? r : oom(L);
	case KT_OBJECT:
		if (!cJSON_IsObject(v)) {
			ld_err(L, file, path, "expected object, got %s", json_type(v));
			return NULL;
		}
		return check_object(L, ks, v, p, file, root);
	case KT_ARRAY:
		if (!cJSON_IsArray(v)) {
			ld_err(L, file, path, "expected array, got %s", json_type(v));
			return NULL;
		}
		return check_array(L, ks, v, p, file);
	case KT_BAD:
		break;
	}
	SIM_ASSERT(!"schema check guarantees a valid type");
	return NULL;
}

/* ------------------------------------------------------------------------
 * The schema: parse, check, merge into one root object schema */

static struct {
	cJSON *root;  /* {"type":"object","keys":{run keys..., section: {...,"models"}...}} */
	cJSON *files; /* the section files as written, "run" first */
} S;
static pthread_once_t schema_once = PTHREAD_ONCE_INIT;

static const char *const key_fields[] = {
	"type", "doc", "unit", "default", "required", "min", "max", "exclusive_min",
	"exclusive_max", "values", "keys", "items", "min_items", "max_items", NULL
};

static int field_allowed(enum ktype t, const char *f)
{
	static const char *const num[] = { "min", "max", "exclusive_min", "exclusive_max", NULL };
	static const char *const arr[] = { "items", "min_items", "max_items", NULL };
	int known = 0;
	for (int i = 0; key_fields[i]; i++)
		known |= !strcmp(key_fields[i], f);
	if (!known)
		return 0;
	for (int i = 0; num[i]; i++)
		if (!strcmp(num[i], f))
			return t == KT_NUMBER || t == KT_INTEGER;
	for (int i = 0; arr[i]; i++)
		if (!strcmp(arr[i], f))
			return t == KT_ARRAY;
	if (!strcmp(f, "values"))
		return t == KT_ENUM;
	if (!strcmp(f, "keys"))
		return t == KT_OBJECT;
	return 1;
}

static void check_keyschema(struct ld *L, const cJSON *ks, sbuf *p, const char *file, int item);

static void check_keys(struct ld *L, const cJSON *keys, sbuf *p, const char *file)
{
	if (!cJSON_IsObject(keys)) {
		ld_err(L, file, sb_str(p), "expected object, got %s", json_type(keys));
		return;
	}
	for (const cJSON *k = keys->child; k; k = k->next) {
		size_t mark = path_key(p, k->string);
		if (!is_ident(k->string))
			ld_err(L, file, sb_str(p), "key name is not an identifier ([A-Za-z_][A-Za-z0-9_]*)");
		else if (!strcmp(k->string, "extends"))
			ld_err(L, file, sb_str(p), "'extends' is reserved");
		check_keyschema(L, k, p, file, 0);
		sb_setlen(p, mark);
	}
}

static void check_count(struct ld *L, const cJSON *v, sbuf *p, const char *file, const char *field)
{
	size_t mark = path_key(p, field);
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
	    v->valuedouble < 0 || v->valuedouble > INT_MAX)
		ld_err(L, file, sb_str(p), "expected a count (integer >= 0)");
	sb_setlen(p, mark);
}

/* One key schema: known fields for its type, sane bounds, a default that
 * satisfies its own constraints.  item: the "items" of an array (no default). */
static void check_keyschema(struct ld *L, const cJSON *ks, sbuf *p, const char *file, int item)
{
	if (!cJSON_IsObject(ks)) {
		ld_err(L, file, sb_str(p), "expected key schema (object), got %s", json_type(ks));
		return;
	}
	int before = L->nerr;
	enum ktype t = ktype_of(ks);
	if (t == KT_BAD) {
		size_t mark = path_key(p, "type");
		ld_err(L, file, sb_str(p), "expected one of 'number', 'integer', 'string', "
		       "'boolean', 'enum', 'object', 'array'");
		sb_setlen(p, mark);
		return;
	}
	for (const cJSON *f = ks->child; f; f = f->next) {
		if (!field_allowed(t, f->string)) {
			size_t mark = path_key(p, f->string);
			ld_err(L, file, sb_str(p), "field not allowed for type '%s'", ktype_names[t]);
			sb_setlen(p, mark);
		}
	}
	const char *strs[] = { "doc", "unit" };
	for (int i = 0; i < 2; i++) {
		const cJSON *s = kget(ks, strs[i]);
		if (s && !cJSON_IsString(s)) {
			size_t mark = path_key(p, strs[i]);
			ld_err(L, file, sb_str(p), "expected string, got %s", json_type(s));
			sb_setlen(p, mark);
		}
	}
	if (!item && !cJSON_IsString(kget(ks, "doc")))
		ld_err(L, file, sb_str(p), "missing \"doc\"");
	const cJSON *req = kget(ks, "required"), *def = kget(ks, "default");
	if (req && !cJSON_IsBool(req))
		ld_err(L, file, sb_str(p), "\"required\" must be true or false");
	if (item && (req || def))
		ld_err(L, file, sb_str(p), "array items take no \"required\" or \"default\"");
	if (!item && cJSON_IsTrue(req) && def)
		ld_err(L, file, sb_str(p), "a required key cannot have a default");
	if (!item && !cJSON_IsTrue(req) && !def && t != KT_OBJECT)
		ld_err(L, file, sb_str(p), "an optional key needs a \"default\"");

	if (t == KT_NUMBER || t == KT_INTEGER) {
		const cJSON *mn = kget(ks, "min"), *mx = kget(ks, "max");
		const char *b[] = { "min", "max" };
		const cJSON *bv[] = { mn, mx };
		for (int i = 0; i < 2; i++) {
			if (!bv[i])
				continue;
			size_t mark = path_key(p, b[i]);
			if (!cJSON_IsNumber(bv[i]) || !isfinite(bv[i]->valuedouble))
				ld_err(L, file, sb_str(p), "expected finite number, got %s", json_type(bv[i]));
			else if (t == KT_INTEGER && bv[i]->valuedouble != floor(bv[i]->valuedouble))
				ld_err(L, file, sb_str(p), "expected integer bound");
			sb_setlen(p, mark);
		}
		if (cJSON_IsNumber(mn) && cJSON_IsNumber(mx) && mn->valuedouble > mx->valuedouble)
			ld_err(L, file, sb_str(p), "\"min\" is above \"max\"");
		const char *ex[] = { "exclusive_min", "exclusive_max" };
		for (int i = 0; i < 2; i++) {
			const cJSON *e = kget(ks, ex[i]);
			if (!e)
				continue;
			size_t mark = path_key(p, ex[i]);
			if (!cJSON_IsBool(e))
				ld_err(L, file, sb_str(p), "expected boolean, got %s", json_type(e));
			else if (!bv[i])
				ld_err(L, file, sb_str(p), "needs \"%s\"", b[i]);
			sb_setlen(p, mark);
		}
	} else if (t == KT_ENUM) {
		const cJSON *vals = kget(ks, "values");
		size_t mark = path_key(p, "values");
		if (!cJSON_IsArray(vals) || cJSON_GetArraySize(vals) == 0) {
			ld_err(L, file, sb_str(p), "expected a non-empty array of strings");
		} else {
			for (const cJSON *v = vals->child; v; v = v->next) {
				if (!cJSON_IsString(v))
					ld_err(L, file, sb_str(p), "expected strings, got %s", json_type(v));
				else
					for (const cJSON *w = vals->child; w != v; w = w->next)
						if (cJSON_IsString(w) && !strcmp(w->valuestring, v->valuestring))
							ld_err(L, file, sb_str(p), "'%s' is listed twice",
							       v->valuestring);
			}
		}
		sb_setlen(p, mark);
	} else if (t == KT_OBJECT) {
		size_t mark = path_key(p, "keys");
		check_keys(L, kget(ks, "keys"), p, file);
		sb_setlen(p, mark);
	} else if (t == KT_ARRAY) {
		size_t mark = path_key(p, "items");
		if (!kget(ks, "items"))
			ld_err(L, file, sb_str(p), "missing: an array needs \"items\"");
		else
			check_keyschema(L, kget(ks, "items"), p, file, 1);
		sb_setlen(p, mark);
		const cJSON *mn = kget(ks, "min_items"), *mx = kget(ks, "max_items");
		if (mn)
			check_count(L, mn, p, file, "min_items");
		if (mx)
			check_count(L, mx, p, file, "max_items");
		if (cJSON_IsNumber(mn) && cJSON_IsNumber(mx) && mn->valuedouble > mx->valuedouble)
			ld_err(L, file, sb_str(p), "\"min_items\" is above \"max_items\"");
	}
	if (L->nerr != before || item)
		return;
	/* Only a well-formed key schema can judge its default. */
	size_t mark = path_key(p, "default");
	/* an object without one takes its keys' defaults, each checked on its own */
	if (def)
		cJSON_Delete(check_value(L, ks, def, p, file, 0));
	sb_setlen(p, mark);
}

/* Checks one section file.  A section file is a key schema ("type" defaults to
 * object) plus "section", its name, and optionally "models".  Returns the key
 * schema of the section, without those two fields, or NULL. */
static cJSON *check_section(struct ld *L, const cJSON *sec, const char *file, const char **name)
{
	*name = NULL;
	if (!cJSON_IsObject(sec)) {
		ld_err(L, file, "$", "expected object, got %s", json_type(sec));
		return NULL;
	}
	const cJSON *s = kget(sec, "section");
	if (!cJSON_IsString(s) || !is_ident(s->valuestring))
		ld_err(L, file, "$.section", "expected an identifier");
	else if (!strcmp(s->valuestring, "extends"))
		ld_err(L, file, "$.section", "'extends' is reserved");
	else
		*name = s->valuestring;
	const cJSON *m = kget(sec, "models");
	if (m) {
		if (!cJSON_IsArray(m) || cJSON_GetArraySize(m) == 0)
			ld_err(L, file, "$.models", "expected a non-empty array of model names");
		else
			for (const cJSON *e = m->child; e; e = e->next)
				if (!cJSON_IsString(e))
					ld_err(L, file, "$.models", "expected strings, got %s", json_type(e));
	}
	cJSON *ks = cJSON_Duplicate(sec, 1);
	if (!ks || (!kget(ks, "type") && !cJSON_AddStringToObject(ks, "type", "object"))) {
		cJSON_Delete(ks);
		L->oom = 1;
		return NULL;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(ks, "section");
	cJSON_DeleteItemFromObjectCaseSensitive(ks, "models");
	if (*name && !strcmp(*name, "run")) {
		if (m)
			ld_err(L, file, "$.models", "section 'run' applies to every model");
		if (ktype_of(ks) != KT_OBJECT)
			ld_err(L, file, "$.type", "section 'run' is an object");
	}
	sbuf p = { 0 };
	sb_adds(&p, "$");
	check_keyschema(L, ks, &p, file, 0);
	sb_release(&p);
	return ks;
}

/* Builds the merged schema from section files; reports every problem. */
static sim_status schema_build(const char *const *names, const char *const *texts, int n,
                               sim_diag *d, cJSON **root_out, cJSON **files_out)
{
	enum { MAXSEC = 64 };
	struct ld L;
	ld_init(&L, d);
	*root_out = *files_out = NULL;
	cJSON *files = cJSON_CreateArray();
	cJSON *root = cJSON_CreateObject();
	cJSON *rkeys = cJSON_CreateObject();
	cJSON *secs[MAXSEC], *ents[MAXSEC];
	const char *secname[MAXSEC], *secfile[MAXSEC];
	int nsec = 0, run = -1;
	if (!files || !root || !rkeys)
		goto oom;
	for (int i = 0; i < n; i++) {
		cJSON *j = parse_text(&L, texts[i], strlen(texts[i]), names[i]);
		if (!j)
			continue;
		const char *name;
		cJSON *ent = check_section(&L, j, names[i], &name);
		if (!ent || nsec == MAXSEC) {
			if (ent)
				ld_err(&L, names[i], NULL, "more than %d schema sections", MAXSEC);
			cJSON_Delete(ent);
			cJSON_Delete(j);
			continue;
		}
		for (int k = 0; name && k < nsec; k++)
			if (secname[k] && !strcmp(secname[k], name))
				ld_err(&L, names[i], "$.section", "section '%s' is also defined by %s", name,
				       secfile[k]);
		if (name && !strcmp(name, "run"))
			run = nsec;
		secname[nsec] = name;
		secfile[nsec] = names[i];
		secs[nsec] = j;
		ents[nsec] = ent;
		nsec++;
	}
	if (L.nerr || L.oom)
		goto fail;
	if (run < 0) {
		ld_err(&L, "scenarios/schema", NULL, "no section 'run' (the top-level keys)");
		goto fail;
	}
	const cJSON *runkeys = kget(ents[run], "keys");
	const cJSON *model = cJSON_GetObjectItemCaseSensitive(runkeys, "model");
	for (int k = 0; k < nsec; k++) {
		if (k == run)
			continue;
		if (cJSON_GetObjectItemCaseSensitive(runkeys, secname[k]))
			ld_err(&L, secfile[k], "$.section", "'%s' is also a key of section 'run'", secname[k]);
		const cJSON *m;
		cJSON_ArrayForEach(m, kget(secs[k], "models"))
			if (cJSON_IsString(m) && (!model || ktype_of(model) != KT_ENUM ||
			                          !enum_has(model, m->valuestring)))
				ld_err(&L, secfile[k], "$.models", "'%s' is not a value of $.model",
				       m->valuestring);
	}
	if (L.nerr)
		goto fail;
	/* merge: run's keys at the top, then one key per section, in file order */
	for (const cJSON *k = runkeys->child; k; k = k->next) {
		cJSON *c = cJSON_Duplicate(k, 1);
		if (!c || !cJSON_AddItemToObject(rkeys, k->string, c)) {
			cJSON_Delete(c);
			goto oom;
		}
	}
	for (int k = 0; k < nsec; k++) {
		if (k == run)
			continue;
		const cJSON *m = kget(secs[k], "models");
		cJSON *md = m ? cJSON_Duplicate(m, 1) : NULL;
		if ((m && !md) || (md && !cJSON_AddItemToObject(ents[k], "models", md))) {
			cJSON_Delete(md);
			goto oom;
		}
		if (!cJSON_AddItemToObject(rkeys, secname[k], ents[k]))
			goto oom;
		ents[k] = NULL;
	}
	if (!cJSON_AddStringToObject(root, "type", "object") ||
	    !cJSON_AddItemToObject(root, "keys", rkeys))
		goto oom;
	rkeys = NULL;
	cJSON_AddItemToArray(files, secs[run]);
	secs[run] = NULL;
	for (int k = 0; k < nsec; k++) {
		if (secs[k])
			cJSON_AddItemToArray(files, secs[k]);
		secs[k] = NULL;
	}
	for (int k = 0; k < nsec; k++)
		cJSON_Delete(ents[k]);
	*root_out = root;
	*files_out = files;
	ld_release(&L);
	return SIM_OK;
oom:
	L.oom = 1;
fail:
	ld_finish(&L, "scenarios/schema");
	for (int k = 0; k < nsec; k++) {
		cJSON_Delete(secs[k]);
		cJSON_Delete(ents[k]);
	}
	cJSON_Delete(rkeys);
	cJSON_Delete(root);
	cJSON_Delete(files);
	sim_status st = L.oom ? SIM_ENOMEM : SIM_EINVAL;
	ld_release(&L);
	return st;
}

sim_status scn_schema_check(const char *const *names, const char *const *texts, int n, sim_diag *d)
{
	cJSON *root, *files;
	sim_status st = schema_build(names, texts, n, d, &root, &files);
	cJSON_Delete(root);
	cJSON_Delete(files);
	return st;
}

static void schema_init(void)
{
	int n = 0;
	while (dais_schema[n].name)
		n++;
	const char **names = calloc((size_t)n + 1, sizeof *names);
	const char **texts = calloc((size_t)n + 1, sizeof *texts);
	SIM_ASSERT(names && texts);
	for (int i = 0; i < n; i++) {
		names[i] = dais_schema[i].name;
		texts[i] = dais_schema[i].text;
	}
	sim_diag d;
	diag_init(&d);
	if (schema_build(names, texts, n, &d, &S.root, &S.files) != SIM_OK) {
		fprintf(stderr, "dais: the scenario schema compiled into this binary is malformed:\n");
		diag_print(&d, stderr, "dais:   ");
		sim_assert_fail("embedded schema (scenarios/schema/<section>.json) is well-formed",
		                __FILE__, __LINE__);
	}
	diag_release(&d);
	free(names);
	free(texts);
}

static const cJSON *schema_root(void)
{
	pthread_once(&schema_once, schema_init);
	return S.root;
}

sim_status scn_schema_load(const char *const *names, const char *const *texts, int n, sim_diag *d)
{
	cJSON *root, *files;
	schema_root();
	sim_status st = schema_build(names, texts, n, d, &root, &files);
	if (st == SIM_OK) {
		cJSON_Delete(S.root);
		cJSON_Delete(S.files);
		S.root = root;
		S.files = files;
	}
	return st;
}

/* ------------------------------------------------------------------------
 * Paths: "a.b[2].c", "chains[sui].capacity_tps" */

enum { SEG_KEY, SEG_INDEX, SEG_NAME };
struct seg { int kind; const char *name; int index; };

/* Splits buf (modified in place) into segments; returns the count, or -1 with
 * *why set. */
static int split_path(char *buf, struct seg *segs, const char **why)
{
	int n = 0;
	char *s = buf;
	*why = NULL;
	if (!*s) {
		*why = "empty path";
		return -1;
	}
	while (*s) {
		if (n == MAX_SEGS) {
			*why = "too many segments";
			return -1;
		}
		if (*s == '[') {
			if (n == 0) {
				*why = "a path starts with a key";
				return -1;
			}
			char *e = strchr(s + 1, ']');
			if (!e) {
				*why = "'[' without ']'";
				return -1;
			}
			if (e == s + 1) {
				*why = "empty '[]'";
				return -1;
			}
			*e = '\0';
			char *sel = s + 1;
			size_t len = strlen(sel);
			if (strspn(sel, "0123456789") == len) {
				if (len > 9) {
					*why = "index too large";
					return -1;
				}
				segs[n].kind = SEG_INDEX;
				segs[n].index = atoi(sel);
			} else {
				segs[n].kind = SEG_NAME;
			}
			segs[n++].name = sel;
			s = e + 1;
			if (*s == '.') {
				s++;
				if (!*s || *s == '.' || *s == '[') {
					*why = "empty key after '.'";
					return -1;
				}
			} else if (*s && *s != '[') {
				*why = "expected '.' or '[' after ']'";
				return -1;
			}
			continue;
		}
		size_t len = strcspn(s, ".[]");
		if (len == 0) {
			*why = s[0] == ']' ? "']' without '['" : "empty key";
			return -1;
		}
		segs[n].kind = SEG_KEY;
		segs[n].name = s;
		segs[n++].index = 0;
		s += len;
		if (*s == ']') {
			*why = "']' without '['";
			return -1;
		}
		if (*s == '.') {
			*s++ = '\0';
			if (!*s || *s == '.' || *s == '[') {
				*why = "empty key after '.'";
				return -1;
			}
		} else if (*s == '[') {
			/* keep '[' for the next round; end the key with a copy */
			memmove(s + 1, s, strlen(s) + 1);
			*s++ = '\0';
		}
	}
	return n;
}

/* The item of array a whose "name" is name, and its index. */
static cJSON *item_named(const cJSON *a, const char *name, int *index)
{
	int i = 0;
	for (cJSON *c = a ? a->child : NULL; c; c = c->next, i++) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
		if (cJSON_IsString(nm) && !strcmp(nm->valuestring, name)) {
			*index = i;
			return c;
		}
	}
	return NULL;
}

/* Applies "path=value" to root (a merged, unvalidated tree).  New nodes are
 * recorded as coming from file.  Returns 1, or 0 after one message. */
static int apply_set(struct ld *L, cJSON *root, const char *assign, const char *file)
{
	const char *eq = strchr(assign, '=');
	if (!eq || eq == assign) {
		ld_err(L, file, NULL, "--set '%s': expected PATH=VALUE", assign);
		return 0;
	}
	size_t plen = (size_t)(eq - assign);
	/* room for split_path to insert one NUL per segment */
	char *buf = malloc(2 * plen + 2);
	if (!buf) {
		L->oom = 1;
		return 0;
	}
	memcpy(buf, assign, plen);
	buf[plen] = '\0';
	struct seg segs[MAX_SEGS];
	const char *why;
	int ok = 0, n = split_path(buf, segs, &why);
	sbuf p = { 0 };
	sb_adds(&p, "$");
	cJSON *val = NULL, *ld_last_set = NULL;
	if (n < 0) {
		ld_err(L, file, NULL, "--set '%s': bad path: %s", assign, why);
		goto done;
	}
	val = cJSON_ParseWithOpts(eq + 1, NULL, 1);
	if (!val)
		val = cJSON_CreateString(eq + 1);
	if (!val) {
		L->oom = 1;
		goto done;
	}
	const cJSON *ks = schema_root();
	cJSON *node = root;
	int before = L->nerr;
	for (int i = 0; i < n; i++) {
		int last = i == n - 1;
		enum ktype t = ktype_of(ks);
		if (segs[i].kind == SEG_KEY) {
			const cJSON *keys = kget(ks, "keys");
			const cJSON *cks = t == KT_OBJECT ? cJSON_GetObjectItemCaseSensitive(keys, segs[i].name)
			                                  : NULL;
			if (t != KT_OBJECT) {
				ld_err(L, file, NULL, "--set '%s': %s is of type %s, it has no key '%s'",
				       assign, sb_str(&p), ktype_names[t], segs[i].name);
				goto done;
			}
			path_key(&p, segs[i].name);
			if (!cks) {
				struct near nr = { segs[i].name, NULL, INT_MAX };
				for (const cJSON *s = keys ? keys->child : NULL; s; s = s->next)
					near_try(&nr, s->string);
				char dym[160];
				ld_err(L, file, NULL, "--set '%s': %s: unknown key%s", assign, sb_str(&p),
				       did_you_mean(dym, sizeof dym, &nr));
				goto done;
			}
			if (!cJSON_IsObject(node)) {
				ld_err(L, file, NULL, "--set '%s': %s: parent is %s, not an object", assign,
				       sb_str(&p), json_type(node));
				goto done;
			}
			cJSON *child = cJSON_GetObjectItemCaseSensitive(node, segs[i].name);
			if (last) {
				if (child)
					ld_bury(L, cJSON_DetachItemViaPointer(node, child));
				if (!cJSON_AddItemToObject(node, segs[i].name, val)) {
					L->oom = 1;
					goto done;
				}
				ld_record(L, val, file);
				ld_last_set = val;
				val = NULL;
				break;
			}
			if (!child) {
				/* create what the path goes through: objects empty, arrays from defaults */
				enum ktype ct = ktype_of(cks);
				if (ct == KT_OBJECT)
					child = cJSON_CreateObject();
				else if (ct == KT_ARRAY && kget(cks, "default"))
					child = cJSON_Duplicate(kget(cks, "default"), 1);
				else {
					ld_err(L, file, NULL, "--set '%s': %s is of type %s, it has no key '%s'",
					       assign, sb_str(&p), ktype_names[ct], segs[i + 1].name);
					goto done;
				}
				if (!child || !cJSON_AddItemToObject(node, segs[i].name, child)) {
					cJSON_Delete(child);
					L->oom = 1;
					goto done;
				}
				ld_record(L, child, file);
			}
			node = child;
			ks = cks;
		} else {
			if (t != KT_ARRAY) {
				ld_err(L, file, NULL, "--set '%s': %s is of type %s, not an array", assign,
				       sb_str(&p), ktype_names[t]);
				goto done;
			}
			if (!cJSON_IsArray(node)) {
				ld_err(L, file, NULL, "--set '%s': %s: expected array, got %s", assign,
				       sb_str(&p), json_type(node));
				goto done;
			}
			const cJSON *items = kget(ks, "items");
			int idx = segs[i].index, size = cJSON_GetArraySize(node);
			cJSON *child = NULL;
			if (segs[i].kind == SEG_INDEX) {
				if (idx >= size) {
					ld_err(L, file, NULL, "--set '%s': %s[%d]: index out of range (%d item%s)",
					       assign, sb_str(&p), idx, size, size == 1 ? "" : "s");
					goto done;
				}
				child = cJSON_GetArrayItem(node, idx);
			} else {
				if (ktype_of(items) != KT_OBJECT ||
				    !cJSON_GetObjectItemCaseSensitive(kget(items, "keys"), "name")) {
					ld_err(L, file, NULL, "--set '%s': %s: items have no \"name\"; use an index",
					       assign, sb_str(&p));
					goto done;
				}
				child = item_named(node, segs[i].name, &idx);
				if (!child) {
					struct near nr = { segs[i].name, NULL, INT_MAX };
					for (const cJSON *c = node->child; c; c = c->next) {
						const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
						near_try(&nr, cJSON_IsString(nm) ? nm->valuestring : NULL);
					}
					char dym[160];
					ld_err(L, file, NULL, "--set '%s': %s: no item named '%s'%s", assign,
					       sb_str(&p), segs[i].name, did_you_mean(dym, sizeof dym, &nr));
					goto done;
				}
			}
			path_index(&p, idx);
			if (last) {
				ld_bury(L, cJSON_DetachItemViaPointer(node, child));
				if (!cJSON_InsertItemInArray(node, idx, val)) {
					L->oom = 1;
					goto done;
				}
				ld_record(L, val, file);
				ld_last_set = val;
				val = NULL;
				break;
			}
			node = child;
			ks = items;
		}
	}
	ok = 1;
done:
	if (ok && ld_last_set) {
		/* a JSON value given on the command line may repeat a key too */
		sbuf q = { 0 };
		sb_addf(&q, "--set '%s': %s", assign, sb_str(&p));
		check_dups(L, ld_last_set, &q, file);
		sb_release(&q);
		ok = L->nerr == before;
	}
	cJSON_Delete(val);
	sb_release(&p);
	free(buf);
	return ok;
}

/* ------------------------------------------------------------------------
 * Loading: extends chain, merge, overrides, validation */

/* Child's objects merge key by key over the parent's; arrays and scalars replace. */
static void merge(struct ld *L, cJSON *dst, cJSON *src, const char *file)
{
	cJSON *c = src->child;
	while (c) {
		cJSON *next = c->next;
		cJSON *old = cJSON_GetObjectItemCaseSensitive(dst, c->string);
		cJSON_DetachItemViaPointer(src, c);
		if (old && cJSON_IsObject(old) && cJSON_IsObject(c)) {
			merge(L, old, c, file);
			ld_bury(L, c);
		} else {
			if (old)
				ld_bury(L, cJSON_DetachItemViaPointer(dst, old));
			if (!cJSON_AddItemToObject(dst, c->string, c)) {
				cJSON_Delete(c);
				L->oom = 1;
			} else {
				ld_record(L, c, file);
			}
		}
		c = next;
	}
}

/* "dir/of/child.json" + "base.json" -> "dir/of/base.json" */
static char *join_dir(const char *child, const char *rel)
{
	const char *slash = strrchr(child, '/');
	if (rel[0] == '/' || !slash)
		return strdup(rel);
	size_t dl = (size_t)(slash - child) + 1, rl = strlen(rel);
	char *s = malloc(dl + rl + 1);
	if (s) {
		memcpy(s, child, dl);
		memcpy(s + dl, rel, rl + 1);
	}
	return s;
}

/* Parses the top text, follows "extends" and merges the chain into one tree. */
static cJSON *load_chain(struct ld *L, const char *text, size_t len, const char *name, int is_file)
{
	cJSON *docs[MAX_EXTENDS + 1];
	const char *names[MAX_EXTENDS + 1];
	char *reals[MAX_EXTENDS + 1];
	int n = 0;
	cJSON *root = NULL;
	docs[0] = parse_text(L, text, len, name);
	if (!docs[0])
		return NULL;
	names[0] = name;
	reals[0] = is_file ? realpath(name, NULL) : NULL;
	n = 1;
	if (!cJSON_IsObject(docs[0])) {
		ld_err(L, name, "$", "expected object, got %s", json_type(docs[0]));
		goto done;
	}
	for (;;) {
		int i = n - 1;
		cJSON *ext = cJSON_DetachItemFromObjectCaseSensitive(docs[i], "extends");
		if (!ext)
			break;
		ld_bury(L, ext);
		if (!cJSON_IsString(ext)) {
			ld_err(L, names[i], "$.extends", "expected string, got %s", json_type(ext));
			goto done;
		}
		if (!ext->valuestring[0]) {
			ld_err(L, names[i], "$.extends", "expected file name, got empty string");
			goto done;
		}
		if (n > MAX_EXTENDS) {
			ld_err(L, names[i], "$.extends", "more than %d files in the chain", MAX_EXTENDS);
			goto done;
		}
		char *pname = ld_own(L, join_dir(names[i], ext->valuestring));
		if (!pname)
			goto done;
		char *real = realpath(pname, NULL);
		if (!real) {
			ld_err(L, names[i], "$.extends", "cannot open '%s': %s", pname, strerror(errno));
			goto done;
		}
		for (int j = 0; j < n; j++) {
			if (reals[j] && !strcmp(reals[j], real)) {
				sbuf b = { 0 };
				for (int k = 0; k < n; k++)
					sb_addf(&b, "%s -> ", names[k]);
				sb_adds(&b, pname);
				ld_err(L, names[i], "$.extends", "cycle: %s", sb_str(&b));
				sb_release(&b);
				free(real);
				goto done;
			}
		}
		char *ptext;
		size_t plen;
		int e = slurp(pname, &ptext, &plen);
		if (e) {
			ld_err(L, names[i], "$.extends", "cannot read '%s': %s", pname, strerror(e));
			free(real);
			goto done;
		}
		ld_own(L, ptext);
		docs[n] = parse_text(L, ptext, plen, pname);
		if (!docs[n]) {
			free(real);
			goto done;
		}
		names[n] = pname;
		reals[n] = real;
		n++;
		if (!cJSON_IsObject(docs[n - 1])) {
			ld_err(L, pname, "$", "expected object, got %s", json_type(docs[n - 1]));
			goto done;
		}
	}
	/* the eldest is the base; every younger file merges over it */
	root = docs[n - 1];
	docs[n - 1] = NULL;
	if (n > 1)
		for (const cJSON *c = root->child; c; c = c->next)
			ld_record(L, c, names[n - 1]);
	for (int i = n - 2; i >= 0; i--) {
		merge(L, root, docs[i], names[i]);
		ld_bury(L, docs[i]);
		docs[i] = NULL;
	}
done:
	for (int i = 0; i < n; i++) {
		cJSON_Delete(docs[i]);
		free(reals[i]);
	}
	return root;
}

/* Everything after reading the top text; returns the scenario or NULL. */
static scn *load_text(const char *text, size_t len, const char *name, int is_file,
                      const char *const *sets, int n_sets, sim_diag *d)
{
	struct ld L;
	ld_init(&L, d);
	const cJSON *schema = schema_root();
	scn *s = NULL;
	cJSON *resolved = NULL;
	cJSON *tree = load_chain(&L, text, len, name, is_file);
	if (!tree)
		goto done;
	for (int i = 0; i < n_sets; i++)
		apply_set(&L, tree, sets[i] ? sets[i] : "", name);
	sbuf p = { 0 };
	sb_adds(&p, "$");
	resolved = check_value(&L, schema, tree, &p, name, 1);
	sb_release(&p);
	if (!resolved || L.nerr || L.oom)
		goto done;
	s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(name))) {
		free(s);
		s = NULL;
		L.oom = 1;
		goto done;
	}
	s->root = resolved;
	resolved = NULL;
done:
	cJSON_Delete(tree);
	cJSON_Delete(resolved);
	if (!s && !L.nerr && !L.oom)
		L.oom = 1;
	if (!s)
		ld_finish(&L, name);
	ld_release(&L);
	return s;
}

scn *scn_load(const char *path, const char *const *sets, int n_sets, sim_diag *d)
{
	SIM_ASSERT(path && d && n_sets >= 0);
	char *text;
	size_t len;
	int e = slurp(path, &text, &len);
	if (e) {
		struct ld L;
		ld_init(&L, d);
		ld_err(&L, path, NULL, "cannot read: %s", strerror(e));
		ld_release(&L);
		return NULL;
	}
	scn *s = load_text(text, len, path, 1, sets, n_sets, d);
	free(text);
	return s;
}

scn *scn_parse(const char *text, const char *name, const char *const *sets, int n_sets,
               sim_diag *d)
{
	SIM_ASSERT(text && d && n_sets >= 0);
	return load_text(text, strlen(text), name ? name : "<string>", 0, sets, n_sets, d);
}

void scn_free(scn *s)
{
	if (!s)
		return;
	cJSON_Delete(s->root);
	free(s->path);
	free(s);
}

const char *scn_path(const scn *s)
{
	return s->path;
}

char *scn_to_json(const scn *s)
{
	return cJSON_PrintUnformatted(s->root);
}

const cJSON *scn_root(const scn *s)
{
	return s->root;
}

sim_status scn_set(scn *s, const char *assignment, sim_diag *d)
{
	SIM_ASSERT(s && assignment && d);
	struct ld L;
	ld_init(&L, d);
	sim_status st = SIM_EINVAL;
	cJSON *tree = cJSON_Duplicate(s->root, 1), *resolved = NULL;
	if (!tree) {
		L.oom = 1;
		goto done;
	}
	if (!apply_set(&L, tree, assignment, s->path))
		goto done;
	sbuf p = { 0 };
	sb_adds(&p, "$");
	resolved = check_value(&L, schema_root(), tree, &p, s->path, 1);
	sb_release(&p);
	if (resolved && !L.nerr && !L.oom) {
		cJSON_Delete(s->root);
		s->root = resolved;
		resolved = NULL;
		st = SIM_OK;
	}
done:
	cJSON_Delete(tree);
	cJSON_Delete(resolved);
	if (st != SIM_OK) {
		ld_finish(&L, s->path);
		if (L.oom)
			st = SIM_ENOMEM;
	}
	ld_release(&L);
	return st;
}

/* ------------------------------------------------------------------------
 * Accessors */

static const cJSON *lookup(const scn *s, const char *path, enum ktype *type)
{
	SIM_ASSERT(s && path);
	size_t plen = strlen(path);
	char stackbuf[256];
	char *buf = 2 * plen + 2 <= sizeof stackbuf ? stackbuf : malloc(2 * plen + 2);
	SIM_ASSERT(buf);
	memcpy(buf, path, plen + 1);
	struct seg segs[MAX_SEGS];
	const char *why;
	int n = split_path(buf, segs, &why);
	if (n < 0)
		bug("scenario path '%s': %s", path, why);
	const cJSON *ks = schema_root(), *node = s->root;
	for (int i = 0; i < n; i++) {
		enum ktype t = ktype_of(ks);
		if (segs[i].kind == SEG_KEY) {
			const cJSON *cks = t == KT_OBJECT
				? cJSON_GetObjectItemCaseSensitive(kget(ks, "keys"), segs[i].name) : NULL;
			if (!cks)
				bug("scenario path '%s': '%s' is not defined by the schema", path, segs[i].name);
			node = cJSON_GetObjectItemCaseSensitive(node, segs[i].name);
			if (!node)
				bug("scenario path '%s': section '%s' is absent (not used by model '%s')", path,
				    segs[i].name, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s->root, "model")));
			ks = cks;
		} else {
			if (t != KT_ARRAY)
				bug("scenario path '%s': not an array before '[%s]'", path, segs[i].name);
			int idx = segs[i].index;
			const cJSON *c = segs[i].kind == SEG_INDEX ? cJSON_GetArrayItem(node, idx)
			                                           : item_named(node, segs[i].name, &idx);
			if (!c)
				bug("scenario path '%s': no item [%s] (%d items)", path, segs[i].name,
				    cJSON_GetArraySize(node));
			node = c;
			ks = kget(ks, "items");
		}
	}
	if (buf != stackbuf)
		free(buf);
	*type = ktype_of(ks);
	return node;
}

const cJSON *scn_get(const scn *s, const char *path)
{
	enum ktype t;
	return lookup(s, path, &t);
}

double scn_num(const scn *s, const char *path)
{
	enum ktype t;
	const cJSON *v = lookup(s, path, &t);
	if (t != KT_NUMBER && t != KT_INTEGER)
		bug("scn_num('%s'): the key is of type %s", path, ktype_names[t]);
	return v->valuedouble;
}

long long scn_int(const scn *s, const char *path)
{
	enum ktype t;
	const cJSON *v = lookup(s, path, &t);
	if (t != KT_INTEGER)
		bug("scn_int('%s'): the key is of type %s", path, ktype_names[t]);
	if (!(fabs(v->valuedouble) < 9.2e18))
		bug("scn_int('%s'): %g does not fit a long long; give the key a \"max\"", path,
		    v->valuedouble);
	return (long long)v->valuedouble;
}

int scn_bool(const scn *s, const char *path)
{
	enum ktype t;
	const cJSON *v = lookup(s, path, &t);
	if (t != KT_BOOLEAN)
		bug("scn_bool('%s'): the key is of type %s", path, ktype_names[t]);
	return cJSON_IsTrue(v);
}

const char *scn_str(const scn *s, const char *path)
{
	enum ktype t;
	const cJSON *v = lookup(s, path, &t);
	if (t != KT_STRING && t != KT_ENUM)
		bug("scn_str('%s'): the key is of type %s", path, ktype_names[t]);
	return v->valuestring;
}

int scn_len(const scn *s, const char *path)
{
	enum ktype t;
	const cJSON *v = lookup(s, path, &t);
	if (t != KT_ARRAY)
		bug("scn_len('%s'): the key is of type %s", path, ktype_names[t]);
	return cJSON_GetArraySize(v);
}

/* ------------------------------------------------------------------------
 * Documentation */

static void md_cell(sbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			sb_adds(b, "\\|");
		else if (*s == '\n' || *s == '\r')
			sb_adds(b, " ");
		else
			sb_addn(b, s, 1);
	}
}

static void md_range(sbuf *b, const cJSON *ks)
{
	char num[40];
	const cJSON *mn = kget(ks, "min"), *mx = kget(ks, "max");
	if (mn) {
		fmt_num(num, sizeof num, mn->valuedouble);
		sb_addf(b, "%s %s", cJSON_IsTrue(kget(ks, "exclusive_min")) ? ">" : "≥", num);
	}
	if (mx) {
		fmt_num(num, sizeof num, mx->valuedouble);
		sb_addf(b, "%s%s %s", mn ? ", " : "", cJSON_IsTrue(kget(ks, "exclusive_max")) ? "<" : "≤",
		        num);
	}
}

static void md_valid(sbuf *b, const cJSON *ks)
{
	switch (ktype_of(ks)) {
	case KT_NUMBER:
	case KT_INTEGER:
		md_range(b, ks);
		break;
	case KT_ENUM:
		enum_list(b, ks, "`");
		break;
	case KT_ARRAY: {
		const cJSON *mn = kget(ks, "min_items"), *mx = kget(ks, "max_items");
		if (mn && mx)
			sb_addf(b, "%d to %d items", mn->valueint, mx->valueint);
		else if (mn)
			sb_addf(b, "at least %d item%s", mn->valueint, mn->valueint == 1 ? "" : "s");
		else if (mx)
			sb_addf(b, "at most %d item%s", mx->valueint, mx->valueint == 1 ? "" : "s");
		sbuf inner = { 0 };
		md_valid(&inner, kget(ks, "items"));
		if (inner.n)
			sb_addf(b, "%seach %s", mn || mx ? "; " : "", sb_str(&inner));
		sb_release(&inner);
		break;
	}
	default:
		break;
	}
}

static void md_rows(sbuf *b, const cJSON *keys, const char *prefix);

/* One table row for key ks named name, then rows for what it contains. */
static void md_row(sbuf *b, const char *name, const cJSON *ks)
{
	enum ktype t = ktype_of(ks);
	const cJSON *def = kget(ks, "default"), *unit = kget(ks, "unit"), *doc = kget(ks, "doc");
	sb_addf(b, "| `%s` | ", name);
	if (t == KT_ARRAY)
		sb_addf(b, "array of %s", ktype_names[ktype_of(kget(ks, "items"))]);
	else
		sb_adds(b, ktype_names[t]);
	sb_adds(b, " | ");
	if (cJSON_IsTrue(kget(ks, "required"))) {
		sb_adds(b, "required");
	} else if (def) {
		char *js = cJSON_PrintUnformatted(def);
		if (js) {
			sb_adds(b, "`");
			md_cell(b, js);
			sb_adds(b, "`");
		}
		free(js);
	}
	sb_adds(b, " | ");
	sbuf v = { 0 };
	md_valid(&v, ks);
	md_cell(b, sb_str(&v));
	sb_release(&v);
	sb_adds(b, " | ");
	md_cell(b, cJSON_IsString(unit) ? unit->valuestring : "");
	sb_adds(b, " | ");
	md_cell(b, cJSON_IsString(doc) ? doc->valuestring : "");
	sb_adds(b, " |\n");
	sbuf sub = { 0 };
	if (t == KT_OBJECT) {
		sb_addf(&sub, "%s.", name);
		md_rows(b, kget(ks, "keys"), sb_str(&sub));
	} else if (t == KT_ARRAY && ktype_of(kget(ks, "items")) == KT_OBJECT) {
		sb_addf(&sub, "%s[].", name);
		md_rows(b, kget(kget(ks, "items"), "keys"), sb_str(&sub));
	}
	sb_release(&sub);
}

static void md_rows(sbuf *b, const cJSON *keys, const char *prefix)
{
	for (const cJSON *k = keys ? keys->child : NULL; k; k = k->next) {
		sbuf name = { 0 };
		sb_addf(&name, "%s%s", prefix, k->string);
		md_row(b, sb_str(&name), k);
		sb_release(&name);
	}
}

static const char md_head[] =
	"| Key | Type | Default | Valid values | Unit | Description |\n"
	"|---|---|---|---|---|---|\n";

static const char *name_dot(sbuf *b, const char *name)
{
	sb_setlen(b, 0);
	sb_addf(b, "%s.", name);
	return sb_str(b);
}

char *scn_schema_markdown(void)
{
	schema_root();
	sbuf b = { 0 }, prefix = { 0 };
	const cJSON *f;
	cJSON_ArrayForEach(f, S.files) {
		const char *name = kget(f, "section")->valuestring;
		const cJSON *models = kget(f, "models");
		int run = !strcmp(name, "run");
		if (run)
			sb_adds(&b, "\n### Top-level keys\n\n");
		else
			sb_addf(&b, "\n### Section `%s`\n\n", name);
		sb_addf(&b, "%s\n\n", kget(f, "doc")->valuestring);
		if (models) {
			sb_adds(&b, "Used when `model` is ");
			int i = 0, nm = cJSON_GetArraySize(models);
			const cJSON *m;
			cJSON_ArrayForEach(m, models) {
				sb_addf(&b, "%s`%s`", i == 0 ? "" : i == nm - 1 ? " or " : ", ", m->valuestring);
				i++;
			}
			sb_adds(&b, "; not allowed otherwise.\n\n");
		} else if (!run) {
			sb_adds(&b, "Used by every model.\n\n");
		}
		sb_adds(&b, md_head);
		const cJSON *ent = cJSON_GetObjectItemCaseSensitive(kget(S.root, "keys"), name);
		if (run)
			md_rows(&b, kget(f, "keys"), "");
		else if (ktype_of(ent) == KT_OBJECT)
			md_rows(&b, kget(ent, "keys"), name_dot(&prefix, name));
		else
			md_row(&b, name, ent);
	}
	sb_release(&prefix);
	sb_adds(&b, "\n");
	return sb_take(&b);
}

char *scn_schema_json(void)
{
	schema_root();
	cJSON *o = cJSON_CreateObject();
	cJSON *files = cJSON_Duplicate(S.files, 1);
	if (!o || !files || !cJSON_AddItemToObject(o, "sections", files)) {
		cJSON_Delete(o);
		cJSON_Delete(files);
		return NULL;
	}
	char *s = cJSON_Print(o);
	cJSON_Delete(o);
	return s;
}
