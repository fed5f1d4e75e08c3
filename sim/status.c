/* status.c — error strings, diagnostics lists and assertion failures. */
#include "status.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *sim_strerror(sim_status s)
{
	switch (s) {
	case SIM_OK:        return "success";
	case SIM_EINVAL:    return "invalid input";
	case SIM_ENOMEM:    return "out of memory";
	case SIM_EIO:       return "input/output error";
	case SIM_ERANGE:    return "value out of range";
	case SIM_EINTR:     return "interrupted";
	case SIM_ENOTSUP:   return "not supported";
	case SIM_EINTERNAL: return "internal error";
	}
	return "unknown status";
}

int sim_exit_code(sim_status s)
{
	if (s == SIM_OK)
		return DAIS_EXIT_OK;
	return s == SIM_EINVAL || s == SIM_ERANGE ? DAIS_EXIT_USAGE : DAIS_EXIT_FAIL;
}

int sim_parse_int(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return 0;
	*out = v;
	return 1;
}

void diag_init(sim_diag *d)
{
	d->n = d->cap = 0;
	d->msg = NULL;
}

static char oom_msg[] = "out of memory while recording a diagnostic";

void diag_clear(sim_diag *d)
{
	for (int i = 0; i < d->n && i < d->cap; i++)
		if (d->msg[i] != oom_msg)
			free(d->msg[i]);
	d->n = 0;
}

void diag_release(sim_diag *d)
{
	diag_clear(d);
	free(d->msg);
	diag_init(d);
}

void diag_add(sim_diag *d, const char *fmt, ...)
{
	if (!d)
		return;
	if (d->n == d->cap) {
		int cap = d->cap ? 2 * d->cap : 8;
		char **m = realloc(d->msg, (size_t)cap * sizeof *m);
		if (!m) {
			if (d->cap > 0)
				d->msg[d->cap - 1] = oom_msg;
			return;
		}
		d->msg = m;
		d->cap = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = len >= 0 ? malloc((size_t)len + 1) : NULL;
	if (!s) {
		d->msg[d->n++] = oom_msg;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(s, (size_t)len + 1, fmt, ap);
	va_end(ap);
	d->msg[d->n++] = s;
}

const char *diag_cut(char *buf, const char *s)
{
	size_t n = strlen(s);
	if (n <= DIAG_CUT) {
		memcpy(buf, s, n + 1);
		return buf;
	}
	n = DIAG_CUT;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--; /* not inside a UTF-8 sequence */
	memcpy(buf, s, n);
	strcpy(buf + n, "...");
	return buf;
}

void diag_print(const sim_diag *d, FILE *f, const char *prefix)
{
	for (int i = 0; i < d->n; i++)
		fprintf(f, "%s%s\n", prefix ? prefix : "", d->msg[i]);
}

void sim_assert_fail(const char *expr, const char *file, int line)
{
	fprintf(stderr, "dais: %s:%d: assertion failed: %s\n", file, line, expr);
	fflush(stderr);
	abort();
}
