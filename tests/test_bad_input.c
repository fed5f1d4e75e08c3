/* test_bad_input.c — the bad-input corpus: every file tests/bad-input/NAME.case
 * runs the dais binary on one hostile or broken input and states what must
 * happen: the exit status, words the message must contain, and what must (not)
 * be on disk afterwards.  A case that runs longer than 20 s fails (no input
 * may hang DAIS).
 *
 * The format, one directive per line ('#' lines describe the case):
 *
 *     file NAME TEXT       create TMP/NAME holding TEXT
 *     fifo NAME            make TMP/NAME a FIFO
 *     link NAME TARGET     make TMP/NAME a symbolic link to TARGET
 *     dir NAME             make the folder TMP/NAME
 *     copy NAME SRC        copy a file of the source tree to TMP/NAME
 *     flip NAME OFFSET     flip one byte of TMP/NAME (negative: from the end)
 *     run WORD...          dais WORD... in TMP; "quoted words" keep spaces
 *     exit N               the exit status (default 2)
 *     err TEXT             stderr contains TEXT (repeatable)
 *     out TEXT             stdout contains TEXT (repeatable)
 *     absent NAME          TMP/NAME does not exist afterwards
 *     kind NAME KIND       TMP/NAME is a fifo, chr, dir, link or file afterwards
 *     only NAME...         TMP holds exactly these entries afterwards
 *
 * TEXT and WORDs take C escapes (\n \t \\ \" \xHH) and the substitutions
 * {tmp} (the case's folder) and {src} (the source tree).
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

#define MAX_WORDS 64
#define MAX_LINE 65536

struct ctx {
	const char *name;  /* the case file, for messages */
	char *tmp;         /* its folder */
	char *argv[MAX_WORDS + 2];
	int argc;
	int exit_want;
	char *err, *out;   /* what the run printed */
	int ran;
};

/* Decodes C escapes and substitutes {tmp} and {src}; malloc'd and
 * NUL-terminated, its length (NULs included) in *len when len is not NULL. */
static char *expand_n(const struct ctx *c, const char *s, size_t n, size_t *len)
{
	/* at most n/5 substitutions, each no longer than the two paths */
	size_t cap = n + 1 + (n / 5 + 1) * (strlen(c->tmp) + strlen(DAIS_SRCDIR));
	char *o = malloc(cap), *p = o;
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(s + i, "{tmp}", 5) && i + 5 <= n) {
			p += sprintf(p, "%s", c->tmp);
			i += 4;
		} else if (!strncmp(s + i, "{src}", 5) && i + 5 <= n) {
			p += sprintf(p, "%s", DAIS_SRCDIR);
			i += 4;
		} else if (s[i] == '\\' && i + 1 < n) {
			char e = s[++i];
			if (e == 'n')
				*p++ = '\n';
			else if (e == 't')
				*p++ = '\t';
			else if (e == 'x' && i + 2 < n) {
				char hex[3] = { s[i + 1], s[i + 2], 0 };
				*p++ = (char)strtol(hex, NULL, 16);
				i += 2;
			} else
				*p++ = e;
		} else {
			*p++ = s[i];
		}
	}
	*p = '\0';
	if (len)
		*len = (size_t)(p - o);
	return o;
}

static char *expand(const struct ctx *c, const char *s, size_t n)
{
	return expand_n(c, s, n, NULL);
}

/* The next word of *s ("quoted" or bare), expanded; NULL at the end. */
static char *word(const struct ctx *c, const char **s)
{
	while (**s == ' ' || **s == '\t')
		(*s)++;
	if (!**s)
		return NULL;
	const char *b = *s;
	if (*b == '"') {
		const char *e = ++b;
		while (*e && *e != '"')
			e += e[0] == '\\' && e[1] ? 2 : 1;
		*s = *e ? e + 1 : e;
		return expand(c, b, (size_t)(e - b));
	}
	const char *e = b;
	while (*e && *e != ' ' && *e != '\t')
		e++;
	*s = e;
	return expand(c, b, (size_t)(e - b));
}

/* The rest of the line, expanded (for TEXT). */
static char *rest(const struct ctx *c, const char *s)
{
	while (*s == ' ')
		s++;
	return expand(c, s, strlen(s));
}

static char *path_in(const struct ctx *c, const char *name)
{
	char *p;
	cr_assert(asprintf(&p, "%s/%s", c->tmp, name) > 0);
	return p;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = calloc(1, MAX_LINE + 1);
	if (f) {
		size_t n = fread(buf, 1, MAX_LINE, f);
		buf[n] = '\0';
		fclose(f);
	}
	return buf;
}

/* Runs dais with the case's words; fills err, out and the status. */
static int run(struct ctx *c)
{
	char *ep = path_in(c, ".stderr"), *op = path_in(c, ".stdout");
	c->argv[0] = "dais";
	c->argv[c->argc + 1] = NULL;
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int e = open(ep, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int o = open(op, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (chdir(c->tmp) != 0 || e < 0 || o < 0)
			_exit(126);
		dup2(o, 1);
		dup2(e, 2);
		execv(th_dais_bin(), c->argv);
		_exit(127);
	}
	int ws = 0;
	for (int t = 0; t < 2000; t++) { /* 20 s */
		if (waitpid(pid, &ws, WNOHANG) == pid)
			goto done;
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &ws, 0);
	cr_assert_fail("%s: dais ran for more than 20 s (a hang)", c->name);
done:
	c->err = slurp(ep);
	c->out = slurp(op);
	unlink(ep);
	unlink(op);
	free(ep);
	free(op);
	c->ran = 1;
	cr_assert(WIFEXITED(ws), "%s: dais died of signal %d\n%s", c->name,
	          WIFSIGNALED(ws) ? WTERMSIG(ws) : 0, c->err);
	return WEXITSTATUS(ws);
}

static const char *kind_of(const char *path)
{
	struct stat sb;
	if (lstat(path, &sb) != 0)
		return "absent";
	return S_ISFIFO(sb.st_mode) ? "fifo" : S_ISCHR(sb.st_mode) ? "chr" : S_ISDIR(sb.st_mode) ? "dir"
	     : S_ISLNK(sb.st_mode) ? "link" : S_ISREG(sb.st_mode) ? "file" : "other";
}

static void setup_file(struct ctx *c, const char *args)
{
	const char *s = args;
	char *name = word(c, &s), *p = path_in(c, name);
	while (*s == ' ')
		s++;
	size_t n;
	char *text = expand_n(c, s, strlen(s), &n); /* may hold NULs (\x00) */
	FILE *f = fopen(p, "wb");
	cr_assert(f, "%s: cannot create %s", c->name, p);
	cr_assert_eq(fwrite(text, 1, n, f), n);
	fclose(f);
	free(name);
	free(p);
	free(text);
}

static void copy_file(struct ctx *c, const char *args)
{
	const char *s = args;
	char *name = word(c, &s), *src = word(c, &s), *p = path_in(c, name);
	FILE *in = fopen(src, "rb"), *out = fopen(p, "wb");
	cr_assert(in && out, "%s: copy %s", c->name, src);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
	free(name);
	free(src);
	free(p);
}

static void flip_byte(struct ctx *c, const char *args)
{
	const char *s = args;
	char *name = word(c, &s), *p = path_in(c, name);
	long off = strtol(s, NULL, 10);
	FILE *f = fopen(p, "r+b");
	cr_assert(f);
	fseek(f, off, off < 0 ? SEEK_END : SEEK_SET);
	long at = ftell(f);
	int ch = fgetc(f);
	fseek(f, at, SEEK_SET);
	fputc(ch ^ 0x20, f);
	fclose(f);
	free(name);
	free(p);
}

/* Checks the listing of the case's folder against the names given. */
static void check_only(struct ctx *c, const char *args)
{
	const char *s = args;
	char *want[MAX_WORDS];
	int nw = 0;
	while (nw < MAX_WORDS && (want[nw] = word(c, &s)))
		nw++;
	DIR *d = opendir(c->tmp);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		int ok = 0;
		for (int i = 0; i < nw && !ok; i++)
			ok = !strcmp(want[i], e->d_name);
		cr_expect(ok, "%s: '%s' was left behind", c->name, e->d_name);
	}
	closedir(d);
	for (int i = 0; i < nw; i++)
		free(want[i]);
}

/* Carries out one directive. */
static void directive(struct ctx *c, const char *line)
{
	const char *s = line;
	char *verb = word(c, &s);
	if (!verb)
		return;
	if (!strcmp(verb, "file")) {
		setup_file(c, s);
	} else if (!strcmp(verb, "fifo") || !strcmp(verb, "dir") || !strcmp(verb, "link")) {
		char *name = word(c, &s), *p = path_in(c, name);
		if (!strcmp(verb, "fifo"))
			cr_assert_eq(mkfifo(p, 0600), 0);
		else if (!strcmp(verb, "dir"))
			cr_assert_eq(mkdir(p, 0700), 0);
		else {
			char *target = word(c, &s);
			cr_assert_eq(symlink(target, p), 0);
			free(target);
		}
		free(name);
		free(p);
	} else if (!strcmp(verb, "copy")) {
		copy_file(c, s);
	} else if (!strcmp(verb, "flip")) {
		flip_byte(c, s);
	} else if (!strcmp(verb, "run")) {
		char *w;
		while (c->argc < MAX_WORDS && (w = word(c, &s)))
			c->argv[1 + c->argc++] = w;
	} else if (!strcmp(verb, "exit")) {
		c->exit_want = atoi(s);
	} else {
		/* the checks need the run first */
		if (!c->ran) {
			int code = run(c);
			cr_expect_eq(code, c->exit_want, "%s: exit status %d, expected %d\nstderr: %s",
			              c->name, code, c->exit_want, c->err);
		}
		char *a = NULL;
		if (!strcmp(verb, "err") || !strcmp(verb, "out")) {
			a = rest(c, s);
			const char *hay = verb[0] == 'e' ? c->err : c->out;
			cr_expect(strstr(hay, a), "%s: %s lacks '%s'; it was:\n%s", c->name, verb, a, hay);
		} else if (!strcmp(verb, "absent")) {
			a = word(c, &s);
			char *p = path_in(c, a);
			cr_expect(!strcmp(kind_of(p), "absent"), "%s: %s exists", c->name, a);
			free(p);
		} else if (!strcmp(verb, "kind")) {
			a = word(c, &s);
			char *k = word(c, &s), *p = path_in(c, a);
			cr_expect_str_eq(kind_of(p), k, "%s: %s is a %s, expected a %s", c->name, a,
			                 kind_of(p), k);
			free(k);
			free(p);
		} else if (!strcmp(verb, "only")) {
			check_only(c, s);
		} else {
			cr_assert_fail("%s: unknown directive '%s'", c->name, verb);
		}
		free(a);
	}
	free(verb);
}

static void run_case(const char *dir, const char *file)
{
	char path[2048];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	char *text = slurp(path);
	struct ctx c = { .name = file, .tmp = th_mkdtemp(), .exit_want = 2 };
	cr_assert(c.tmp);
	int checks = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#' || !line[strspn(line, " \t")])
			continue;
		checks += !strncmp(line, "err", 3) || !strncmp(line, "absent", 6) ||
		          !strncmp(line, "kind", 4) || !strncmp(line, "only", 4) ||
		          !strncmp(line, "out", 3);
		/* strtok's state is not reentrant across directive(): copy the line */
		char *copy = strdup(line);
		directive(&c, copy);
		free(copy);
	}
	cr_assert(c.argc > 0, "%s: no run line", file);
	cr_assert(checks > 0, "%s: a case checks at least one message or file", file);
	for (int i = 0; i < c.argc; i++)
		free(c.argv[1 + i]);
	free(c.err);
	free(c.out);
	th_rmtree(c.tmp);
	free(c.tmp);
	free(text);
}

static int is_case(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return n > 5 && !strcmp(e->d_name + n - 5, ".case");
}

Test(bad_input, every_case_gives_its_status_and_message, .timeout = 600)
{
	const char *dir = th_src("tests/bad-input");
	struct dirent **list;
	int n = scandir(dir, &list, is_case, alphasort);
	cr_assert_geq(n, 50, "the corpus holds %d cases; it should hold at least 50", n);
	for (int i = 0; i < n; i++) {
		run_case(dir, list[i]->d_name);
		free(list[i]);
	}
	free(list);
}
