/* scn_json.c — scenario text: growable strings, the words of messages (JSON
 * paths, numbers, "did you mean"), the load context that collects messages
 * and remembers which file each node came from, reading a file and parsing it
 * with line:col positions and a check for duplicate keys (see scn_int.h).
 */
#include "scn_int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file.h"

/* ------------------------------------------------------------------------
 * Growable strings */

void scn_sb_addn(scn_sb *b, const char *s, size_t n)
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

void scn_sb_adds(scn_sb *b, const char *s)
{
	scn_sb_addn(b, s, strlen(s));
}

void scn_sb_vaddf(scn_sb *b, const char *fmt, va_list ap)
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
		scn_sb_addn(b, tmp, (size_t)len);
	} else {
		char *big = malloc((size_t)len + 1);
		if (big) {
			vsnprintf(big, (size_t)len + 1, fmt, ap2);
			scn_sb_addn(b, big, (size_t)len);
			free(big);
		} else {
			b->oom = 1;
		}
	}
	va_end(ap2);
}

void scn_sb_addf(scn_sb *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	scn_sb_vaddf(b, fmt, ap);
	va_end(ap);
}

void scn_sb_setlen(scn_sb *b, size_t n)
{
	if (b->s && n <= b->n) {
		b->n = n;
		b->s[n] = '\0';
	}
}

const char *scn_sb_str(const scn_sb *b)
{
	return b->s ? b->s : "";
}

void scn_sb_release(scn_sb *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}

/* Hands the string over; NULL when an allocation failed. */
char *scn_sb_take(scn_sb *b)
{
	if (b->oom || !b->s) {
		char *s = b->oom ? NULL : strdup("");
		scn_sb_release(b);
		return s;
	}
	char *s = b->s;
	memset(b, 0, sizeof *b);
	return s;
}

/* ------------------------------------------------------------------------
 * Words for messages: numbers, JSON types and paths, "did you mean" */

/* Shortest text that reads back as x: integral values in full, round millions
 * and beyond as 1e12 or 2.5e12, others with up to 17 digits. */
void scn_fmt_num(char *buf, size_t n, double x)
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

const char *scn_json_type(const cJSON *v)
{
	if (!v)                return "nothing";
	if (cJSON_IsString(v)) return "string";
	if (cJSON_IsNumber(v)) return "number";
	if (cJSON_IsBool(v))   return "boolean";
	if (cJSON_IsNull(v))   return "null";
	if (cJSON_IsArray(v))  return "array";
	if (cJSON_IsObject(v)) return "object";
	return "invalid value";
}

int scn_is_ident(const char *s)
{
	if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

/* Appends ".key" to a JSON path, or ["key"] when key is not an identifier.
 * Paths are for messages: a long key is cut (diag_cut), so a megabyte-long
 * unknown key is not echoed back whole. */
size_t scn_path_key(scn_sb *p, const char *k)
{
	size_t old = p->n;
	char cut[DIAG_CUT + 4];
	if (scn_is_ident(k))
		scn_sb_addf(p, ".%s", diag_cut(cut, k));
	else
		scn_sb_addf(p, "[\"%s\"]", diag_cut(cut, k));
	return old;
}

size_t scn_path_index(scn_sb *p, int i)
{
	size_t old = p->n;
	scn_sb_addf(p, "[%d]", i);
	return old;
}

/* ------------------------------------------------------------------------
 * Load context: diagnostics, where each node came from (about origins:
 * scn_int.h), nodes kept alive */

void scn_ld_init(struct scn_ld *L, sim_diag *d)
{
	memset(L, 0, sizeof *L);
	L->d = d;
}

void scn_ld_release(struct scn_ld *L)
{
	free(L->orig);
	cJSON_Delete(L->grave);
	for (int i = 0; i < L->nowned; i++)
		free(L->owned[i]);
	memset(L, 0, sizeof *L);
}

char *scn_ld_own(struct scn_ld *L, char *s)
{
	if (!s) {
		L->oom = 1;
		return NULL;
	}
	SIM_ASSERT(L->nowned < (int)(sizeof L->owned / sizeof L->owned[0]));
	L->owned[L->nowned++] = s;
	return s;
}

void scn_ld_bury(struct scn_ld *L, cJSON *n)
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

void scn_ld_record(struct scn_ld *L, const cJSON *n, const char *file)
{
	if (L->norig == L->corig) {
		int cap = L->corig ? 2 * L->corig : 32;
		struct scn_origin *o = realloc(L->orig, (size_t)cap * sizeof *o);
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

const char *scn_ld_origin(const struct scn_ld *L, const cJSON *n, const char *file)
{
	for (int i = L->norig - 1; i >= 0; i--)
		if (L->orig[i].node == n)
			return L->orig[i].file;
	return file;
}

/* Adds "where: message", counting it; past SCN_MAX_MSGS only counting. */
static void ld_vadd(struct scn_ld *L, const scn_sb *where, const char *fmt, va_list ap)
{
	if (++L->nerr > SCN_MAX_MSGS)
		return;
	scn_sb b = { 0 };
	scn_sb_vaddf(&b, fmt, ap);
	diag_add(L->d, "%s: %s", scn_sb_str(where), scn_sb_str(&b));
	scn_sb_release(&b);
}

/* Adds "file: path: message"; "file: message" when path is NULL. */
void scn_ld_err(struct scn_ld *L, const char *file, const char *path, const char *fmt, ...)
{
	scn_sb where = { 0 };
	if (path)
		scn_sb_addf(&where, "%s: %s", file, path);
	else
		scn_sb_adds(&where, file);
	va_list ap;
	va_start(ap, fmt);
	ld_vadd(L, &where, fmt, ap);
	va_end(ap);
	scn_sb_release(&where);
}

/* Adds "file:line:col: message". */
static void ld_errpos(struct scn_ld *L, const char *file, int line, int col, const char *fmt,
                      ...) SIM_PRINTF(5, 6);
static void ld_errpos(struct scn_ld *L, const char *file, int line, int col, const char *fmt,
                      ...)
{
	scn_sb where = { 0 };
	scn_sb_addf(&where, "%s:%d:%d", file, line, col);
	va_list ap;
	va_start(ap, fmt);
	ld_vadd(L, &where, fmt, ap);
	va_end(ap);
	scn_sb_release(&where);
}

/* Closes a load: the count of dropped messages, then out-of-memory. */
int scn_ld_finish(struct scn_ld *L, const char *file)
{
	if (L->nerr > SCN_MAX_MSGS)
		diag_add(L->d, "%s: %d more problems not shown", file, L->nerr - SCN_MAX_MSGS);
	if (L->oom) {
		diag_add(L->d, "%s: out of memory", file);
		L->nerr++;
	}
	return L->nerr;
}

/* ------------------------------------------------------------------------
 * Reading and parsing */

const char *scn_read_text(const char *path, char **text, size_t *len)
{
	sim_diag sub;
	diag_init(&sub);
	sim_status st = file_read(path, FILE_MAX_TEXT, text, len, &sub);
	diag_release(&sub);
	if (st == SIM_OK)
		return NULL;
	if (st == SIM_ENOMEM)
		return strerror(ENOMEM);
	if (st == SIM_EINVAL)
		return strerror(EFBIG); /* over the size limit */
	/* file_read words its messages its own way; scenario messages have always
	 * given the system's, so ask the system again what is wrong */
	struct stat sb;
	if (stat(path, &sb) != 0)
		return strerror(errno);
	if (S_ISDIR(sb.st_mode))
		return strerror(EISDIR);
	FILE *f = fopen(path, "rb");
	if (!f)
		return strerror(errno);
	fclose(f);
	return strerror(EIO);
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

/* About duplicates: cJSON keeps every copy of a repeated key and finds the
 * first.  Each object's keys are sorted once (by name, then position), so a
 * key is a duplicate when the one before it in that order has its name:
 * n log n, where asking cJSON for each key was quadratic (50,000 keys took
 * seconds).  Reported in document order, the later copies only. */
struct keypos {
	const char *k;
	int i;
};

static int keypos_cmp(const void *a, const void *b)
{
	const struct keypos *x = a, *y = b;
	int c = strcmp(x->k, y->k);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* dup[i] = 1 for every child after the first of its name; NULL when none
 * (or out of memory: then nothing is reported). */
static unsigned char *find_dups(const cJSON *v)
{
	int n = 0;
	for (const cJSON *c = v->child; c; c = c->next)
		n++;
	if (n < 2)
		return NULL;
	struct keypos *kp = malloc((size_t)n * sizeof *kp);
	unsigned char *dup = calloc((size_t)n, 1);
	if (!kp || !dup) {
		free(kp);
		free(dup);
		return NULL;
	}
	int i = 0;
	for (const cJSON *c = v->child; c; c = c->next, i++)
		kp[i] = (struct keypos){ c->string ? c->string : "", i };
	qsort(kp, (size_t)n, sizeof *kp, keypos_cmp);
	int any = 0;
	for (i = 1; i < n; i++)
		if (!strcmp(kp[i].k, kp[i - 1].k))
			any = dup[kp[i].i] = 1;
	free(kp);
	if (!any) {
		free(dup);
		return NULL;
	}
	return dup;
}

void scn_check_dups(struct scn_ld *L, const cJSON *v, scn_sb *p, const char *file)
{
	unsigned char *dup = cJSON_IsObject(v) ? find_dups(v) : NULL;
	int i = 0;
	for (const cJSON *c = v->child; c; c = c->next, i++) {
		size_t mark;
		if (cJSON_IsObject(v)) {
			mark = scn_path_key(p, c->string ? c->string : "");
			if (dup && dup[i])
				scn_ld_err(L, file, scn_sb_str(p), "duplicate key");
		} else {
			mark = scn_path_index(p, i);
		}
		if (c->child)
			scn_check_dups(L, c, p, file);
		scn_sb_setlen(p, mark);
	}
	free(dup);
}

/* Where cJSON stopped, moved to where a person sees the problem. */
static size_t error_pos(const char *text, size_t len, size_t off, const char *end)
{
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
	return pos;
}

/* Up to 16 characters of text from pos to the end of its line, control
 * characters as \xNN, never ending inside a UTF-8 sequence. */
static void near_text(const char *text, size_t len, size_t pos, char *near, size_t n)
{
	size_t k = 0;
	for (size_t m = pos; m < len && k < 16 && text[m] != '\n' && text[m] != '\r'; m++) {
		unsigned char ch = (unsigned char)text[m];
		if (ch < 0x20 || ch == 0x7f)
			k += (size_t)snprintf(near + k, n - k, "\\x%02x", ch);
		else
			near[k++] = (char)ch;
	}
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
}

/* The length of a valid UTF-8 sequence starting at s (at most n bytes), or 0:
 * no overlong forms, no surrogates, nothing past U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	size_t k = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
	if (!k || s[0] > 0xF4 || k > n)
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
	    (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
		return 0;
	return k;
}

/* The offset of the first byte that is not UTF-8, or of a \u0000 escape in a
 * string (cJSON would end the string there and drop the rest silently);
 * len when there is neither. */
static size_t text_check(const char *text, size_t len, size_t off)
{
	const unsigned char *t = (const unsigned char *)text;
	int in_string = 0;
	for (size_t i = off; i < len;) {
		size_t k = utf8_len(t + i, len - i);
		if (!k)
			return i;
		if (t[i] == '"')
			in_string = !in_string;
		else if (in_string && t[i] == '\\' && i + 1 < len) {
			if (t[i + 1] == 'u' && i + 5 < len && !memcmp(t + i + 2, "0000", 4))
				return i;
			k = 2; /* an escaped character, a quote included */
		}
		i += k;
	}
	return len;
}

/* The message for text that cJSON refused (it stopped at end). */
static void parse_error(struct scn_ld *L, const char *text, size_t len, size_t off,
                        const char *end, const char *file)
{
	size_t pos = error_pos(text, len, off, end);
	int line, col;
	line_col(text, pos, &line, &col);
	if (pos > off && pos < len && text[pos - 1] == '"' && !memchr(text + pos, '"', len - pos)) {
		ld_errpos(L, file, line, col - 1, "unterminated string");
	} else if (pos >= len) {
		ld_errpos(L, file, line, col, "parse error at end of file");
	} else {
		char near[48];
		near_text(text, len, pos, near, sizeof near);
		ld_errpos(L, file, line, col, "parse error near '%s'", near);
	}
}

cJSON *scn_parse_json(struct scn_ld *L, const char *text, size_t len, const char *file)
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
	size_t bad = text_check(text, len, off);
	if (bad < len) {
		int line, col;
		line_col(text, bad, &line, &col);
		if (text[bad] == '\\')
			ld_errpos(L, file, line, col, "\\u0000 (a NUL character) in a string: "
			          "text would end there");
		else
			ld_errpos(L, file, line, col, "invalid UTF-8 (byte 0x%02x)",
			          (unsigned char)text[bad]);
		return NULL;
	}
	size_t i = off;
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	if (i == len) {
		scn_ld_err(L, file, NULL, "empty file");
		return NULL;
	}
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithOpts(text + off, &end, 1);
	if (!j) {
		parse_error(L, text, len, off, end, file);
		return NULL;
	}
	int before = L->nerr;
	scn_sb p = { 0 };
	scn_sb_adds(&p, "$");
	scn_check_dups(L, j, &p, file);
	scn_sb_release(&p);
	if (L->nerr != before) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}
