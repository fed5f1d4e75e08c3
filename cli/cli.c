/* cli.c — option parsing and the other helpers the verbs share (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/near.h"

void *cli_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		fprintf(stderr, "dais: out of memory\n");
		exit(DAIS_EXIT_FAIL);
	}
	return q;
}

void cli_print_diag(const sim_diag *d, const char *prefix)
{
	fflush(stdout);
	diag_print(d, stderr, prefix);
}

/* ---- options ----------------------------------------------------------------- */

void cli_begin(struct cli *c, int argc, char **argv, const char *usage)
{
	*c = (struct cli){ .argc = argc, .argv = argv, .verb = argv[0], .usage = usage,
	                   .i = 0, .status = -1 };
}

/* The first paragraph of the usage (up to its first blank line). */
static void short_usage(const struct cli *c, FILE *f)
{
	const char *end = strstr(c->usage, "\n\n");
	fprintf(f, "%.*s\n", end ? (int)(end - c->usage) : (int)strlen(c->usage), c->usage);
}

int cli_fail(struct cli *c, const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fprintf(stderr, "dais %s: ", c->verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	short_usage(c, stderr);
	c->status = DAIS_EXIT_USAGE;
	return c->status;
}

int cli_next(struct cli *c)
{
	if (c->status >= 0)
		return 0;
	if (++c->i >= c->argc)
		return 0;
	const char *a = c->argv[c->i];
	if (!c->operands && !strcmp(a, "--")) {
		c->operands = 1;
		return cli_next(c);
	}
	if (!c->operands && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
		fputs(c->usage, stdout);
		c->status = DAIS_EXIT_OK;
		return 0;
	}
	return 1;
}

int cli_is_operand(const struct cli *c)
{
	const char *a = c->argv[c->i];
	return c->operands || a[0] != '-' || !a[1];
}

/* Whether the current argument is option name (or alias); *inline_value is
 * set to what follows "name=" when given that way. */
static int is_opt(const struct cli *c, const char *name, const char *alias,
                  const char **inline_value)
{
	*inline_value = NULL;
	if (c->operands)
		return 0;
	const char *a = c->argv[c->i];
	if (!strcmp(a, name) || (alias && !strcmp(a, alias)))
		return 1;
	size_t n = strlen(name);
	if (name[1] == '-' && !strncmp(a, name, n) && a[n] == '=') {
		*inline_value = a + n + 1;
		return 1;
	}
	return 0;
}

/* The value of the option at c->i, or NULL (status set) when missing. */
static const char *value_of(struct cli *c, const char *name, const char *inl)
{
	if (inl)
		return inl;
	if (c->i + 1 >= c->argc) {
		cli_fail(c, "%s needs a value", name);
		return NULL;
	}
	return c->argv[++c->i];
}

int cli_flag(struct cli *c, const char *name, const char *alias, int *out)
{
	const char *inl;
	if (!is_opt(c, name, alias, &inl))
		return 0;
	if (inl)
		cli_fail(c, "%s takes no value", name);
	else
		*out = 1;
	return 1;
}

int cli_str(struct cli *c, const char *name, const char *alias, const char **out)
{
	const char *inl;
	if (!is_opt(c, name, alias, &inl))
		return 0;
	const char *v = value_of(c, name, inl);
	if (v)
		*out = v;
	return 1;
}

int cli_path(struct cli *c, const char *name, const char *alias, const char **out)
{
	const char *v = NULL;
	if (!cli_str(c, name, alias, &v))
		return 0;
	if (v && !*v)
		cli_fail(c, "%s: expected a file or folder name, got an empty string", name);
	else if (v)
		*out = v;
	return 1;
}

int cli_int(struct cli *c, const char *name, long long lo, long long hi, long long *out)
{
	const char *inl;
	if (!is_opt(c, name, NULL, &inl))
		return 0;
	const char *v = value_of(c, name, inl);
	if (v && !sim_parse_int(v, lo, hi, out))
		cli_fail(c, "%s: expected an integer in [%lld, %lld], got '%s'", name, lo, hi, v);
	return 1;
}

int cli_intv(struct cli *c, const char *name, int lo, int hi, int *out)
{
	long long v = *out;
	int r = cli_int(c, name, lo, hi, &v);
	*out = (int)v;
	return r;
}

int cli_num(struct cli *c, const char *name, double lo, double hi, double *out)
{
	const char *inl;
	if (!is_opt(c, name, NULL, &inl))
		return 0;
	const char *v = value_of(c, name, inl);
	if (!v)
		return 1;
	char *end;
	errno = 0;
	double x = strtod(v, &end);
	if (!*v || *end || errno == ERANGE || !isfinite(x) || x < lo || x > hi)
		cli_fail(c, "%s: expected a number in [%g, %g], got '%s'", name, lo, hi, v);
	else
		*out = x;
	return 1;
}

int cli_arg(struct cli *c, const char **out)
{
	if (*out || !cli_is_operand(c))
		return 0;
	*out = c->argv[c->i];
	return 1;
}

int cli_one_arg(struct cli *c, const char **out, const char *what)
{
	if (cli_arg(c, out))
		return 1;
	if (*out && cli_is_operand(c))
		cli_fail(c, "one %s at a time (got '%s' and '%s')", what, *out, c->argv[c->i]);
	else
		cli_unknown(c);
	return 1;
}

/* The nearest option the usage text names ("--word"), for "did you mean". */
static const char *near_option(const struct cli *c, const char *a, char *buf, size_t n)
{
	char word[64], opts[64][40];
	snprintf(word, sizeof word, "%.*s", (int)strcspn(a, "="), a);
	struct sim_near nr = SIM_NEAR(word);
	int k = 0;
	for (const char *u = strstr(c->usage, "--"); u && k < 64; u = strstr(u + 2, "--")) {
		size_t len = strspn(u + 2, "abcdefghijklmnopqrstuvwxyz-");
		if (len == 0 || len + 3 > sizeof opts[k] || (u > c->usage && u[-1] != ' ' &&
		                                             u[-1] != '[' && u[-1] != '\n'))
			continue;
		snprintf(opts[k], sizeof opts[k], "--%.*s", (int)len, u + 2);
		sim_near_try(&nr, opts[k]);
		if (nr.best == opts[k])
			k++;          /* keep the slot the best points into */
	}
	return sim_did_you_mean(buf, n, &nr);
}

void cli_unknown(struct cli *c)
{
	const char *a = c->argv[c->i];
	char buf[96];
	if (cli_is_operand(c))
		cli_fail(c, "unexpected argument '%s'", a);
	else
		cli_fail(c, "unknown option '%s'%s", a, near_option(c, a, buf, sizeof buf));
}

int cli_end(struct cli *c, int complete)
{
	if (c->status >= 0)
		return 1;
	if (!complete) {
		fflush(stdout);
		fputs(c->usage, stderr);
		c->status = DAIS_EXIT_USAGE;
		return 1;
	}
	return 0;
}

/* ---- scenario overrides ----------------------------------------------------------- */

void cli_sets_add(struct cli_sets *s, const char *assignment)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		s->v = cli_xrealloc(s->v, (size_t)s->cap * sizeof *s->v);
	}
	s->v[s->n++] = assignment;
}

void cli_sets_addf(struct cli_sets *s, const char *fmt, ...)
{
	char *a;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&a, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fprintf(stderr, "dais: out of memory\n");
		exit(DAIS_EXIT_FAIL);
	}
	s->own = cli_xrealloc(s->own, (size_t)(s->nown + 1) * sizeof *s->own);
	s->own[s->nown++] = a;
	cli_sets_add(s, a);
}

void cli_sets_release(struct cli_sets *s)
{
	for (int i = 0; i < s->nown; i++)
		free(s->own[i]);
	free(s->own);
	free(s->v);
	memset(s, 0, sizeof *s);
}

int cli_set(struct cli *c, struct cli_sets *s)
{
	const char *v = NULL;
	if (!cli_str(c, "--set", NULL, &v))
		return 0;
	if (v)
		cli_sets_add(s, v); /* the scenario loader checks it, naming the --set */
	return 1;
}

scn *cli_load(const char *path, const struct cli_sets *s)
{
	sim_diag d;
	diag_init(&d);
	scn *sc = scn_load(path, s ? s->v : NULL, s ? s->n : 0, &d);
	cli_print_diag(&d, "");
	diag_release(&d);
	return sc;
}

/* A plain dais started by mpirun with several ranks would run every point on
 * every rank: refuse, and say which binary to use. */
int cli_refuse_plain_mpirun(const char *verb)
{
	const char *ws = getenv("OMPI_COMM_WORLD_SIZE");
	if (!ws)
		ws = getenv("PMI_SIZE");
	if (!ws || atoi(ws) <= 1)
		return 0;
	const char *rank = getenv("OMPI_COMM_WORLD_RANK");
	if (atoi(rank ? rank : "0") == 0)
		fprintf(stderr, "dais %s: started by mpirun with %s ranks, but this dais was built "
		                "without MPI; build it with 'make MPI=1' and run build/dais-mpi\n",
		        verb, ws);
	return 1;
}
