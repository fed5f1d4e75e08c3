/* test_scn.c — scenario files: parse errors, extends, --set, defaults,
 * canonical output, validation messages, the bad-scenario corpus and the
 * schema itself (well-formed, documented).
 *
 * Tests that need arrays, nested objects and booleans load a small schema of
 * their own (scn_schema_load, per test process) so they do not depend on the
 * sections other modules add to scenarios/schema/.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sim/scn.h"

extern const struct { const char *name; const char *text; } dais_schema[];

/* JSON text written without escapes: J({"a": 1}) */
#define J(...) #__VA_ARGS__

/* ------------------------------------------------------------------------
 * Helpers */

/* The messages of d, one per line, without a final newline; caller frees. */
static char *joined(const sim_diag *d)
{
	size_t len = 1;
	for (int i = 0; i < d->n; i++)
		len += strlen(d->msg[i]) + 1;
	char *s = malloc(len);
	cr_assert(s);
	s[0] = '\0';
	for (int i = 0; i < d->n; i++) {
		if (i)
			strcat(s, "\n");
		strcat(s, d->msg[i]);
	}
	return s;
}

static scn *ok_sets(const char *text, const char *const *sets, int n)
{
	sim_diag d;
	diag_init(&d);
	scn *s = scn_parse(text, "t.json", sets, n, &d);
	char *m = joined(&d);
	cr_assert(s, "expected a valid scenario, got:\n%s", m);
	cr_assert_eq(d.n, 0);
	free(m);
	diag_release(&d);
	return s;
}

static scn *ok(const char *text)
{
	return ok_sets(text, NULL, 0);
}

/* The messages of a load that must fail; caller frees. */
static char *bad_sets(const char *text, const char *const *sets, int n)
{
	sim_diag d;
	diag_init(&d);
	scn *s = scn_parse(text, "t.json", sets, n, &d);
	cr_assert_null(s, "expected errors for: %s", text);
	cr_assert_gt(d.n, 0);
	char *m = joined(&d);
	diag_release(&d);
	return m;
}

static char *bad(const char *text)
{
	return bad_sets(text, NULL, 0);
}

#define EXPECT_MSGS(text, want) do { \
		char *got_ = bad(text); \
		cr_expect_str_eq(got_, want); \
		free(got_); \
	} while (0)

static char tmp[64];

static void mk_tmp(void)
{
	strcpy(tmp, "/tmp/test_scn.XXXXXX");
	cr_assert(mkdtemp(tmp));
	cr_assert_eq(chdir(tmp), 0);
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(p);
}

static void rm_tmp(void)
{
	if (tmp[0] && chdir("/") == 0)
		nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes text to path (relative to the current directory), making its folder. */
static void put(const char *path, const char *text)
{
	char dir[256];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		char cmd[300];
		snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
		cr_assert_eq(system(cmd), 0);
	}
	FILE *f = fopen(path, "wb");
	cr_assert(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	cr_assert(s);
	size_t got = fread(s, 1, (size_t)n, f);
	s[got] = '\0';
	fclose(f);
	return s;
}

static void to_srcdir(void)
{
	cr_assert_eq(chdir(DAIS_SRCDIR), 0, "cannot enter %s", DAIS_SRCDIR);
}

/* ------------------------------------------------------------------------
 * A schema of our own, with arrays, nested objects, booleans, enums */

static const char t_run[] = J({
	"section": "run", "doc": "Top-level keys.",
	"keys": {
		"description": { "type": "string", "default": "", "doc": "What it is for." },
		"model": { "type": "enum", "values": ["queue", "network"], "required": true, "doc": "Which model." },
		"seed": { "type": "integer", "default": 1, "min": 0, "max": 1000, "doc": "Seed." }
	}
});
static const char t_queue[] = J({
	"section": "queue", "models": ["queue"], "doc": "A queue.",
	"keys": {
		"servers": { "type": "integer", "default": 1, "min": 1, "max": 10, "doc": "Servers." },
		"rate": { "type": "number", "default": 0.5, "min": 0, "exclusive_min": true, "max": 1,
		          "unit": "1/s", "doc": "Arrival rate | per second." }
	}
});
static const char t_chains[] = J({
	"section": "chains", "models": ["network"], "doc": "Settlement chains.",
	"type": "array", "min_items": 1, "max_items": 4,
	"default": [ { "name": "sui" }, { "name": "eth", "capacity_tps": 15 } ],
	"items": { "type": "object", "keys": {
		"name": { "type": "string", "required": true, "doc": "Chain name." },
		"capacity_tps": { "type": "number", "default": 100, "min": 0, "exclusive_min": true,
		                  "unit": "tx/s", "doc": "Throughput." },
		"enabled": { "type": "boolean", "default": true, "doc": "In use." },
		"fees": { "type": "array", "default": [0.1], "min_items": 1, "max_items": 3,
		          "items": { "type": "number", "min": 0 }, "doc": "Fee levels." }
	} }
});
static const char t_net[] = J({
	"section": "net", "models": ["network"], "doc": "The network.",
	"keys": {
		"mode": { "type": "enum", "values": ["p2p", "star"], "default": "p2p", "doc": "Topology." },
		"p2p": { "type": "object", "doc": "Peer-to-peer settings.", "keys": {
			"latency_s": { "type": "number", "default": 0.05, "min": 0, "unit": "s", "doc": "Latency." },
			"peers": { "type": "integer", "default": 8, "min": 1, "doc": "Peers per node." }
		} }
	}
});

static void use_test_schema(void)
{
	const char *names[] = { "t/chains.json", "t/net.json", "t/queue.json", "t/run.json" };
	const char *texts[] = { t_chains, t_net, t_queue, t_run };
	sim_diag d;
	diag_init(&d);
	sim_status st = scn_schema_load(names, texts, 4, &d);
	char *m = joined(&d);
	cr_assert_eq(st, SIM_OK, "test schema rejected:\n%s", m);
	free(m);
	diag_release(&d);
}

/* ------------------------------------------------------------------------
 * Parsing */

Test(scn_parse, reports_line_and_column)
{
	EXPECT_MSGS("{\n  \"model\": \"queue\",\n  \"seed\": ,\n}\n",
	            "t.json:3:11: parse error near ','");
	EXPECT_MSGS("{\n  \"model\": \"queue\",\n}\n", "t.json:3:1: parse error near '}'");
	EXPECT_MSGS("{\"model\": \"queue\"} 7", "t.json:1:20: parse error near '7'");
	/* columns count characters, not bytes */
	EXPECT_MSGS("{\"description\": \"\xc3\xa9t\xc3\xa9\", x}",
	            "t.json:1:24: parse error near 'x}'");
}

Test(scn_parse, reports_end_of_file_and_empty_text)
{
	EXPECT_MSGS("{\n  \"model\": [1, 2", "t.json:2:17: parse error at end of file");
	EXPECT_MSGS("{\n  \"model\": \"que", "t.json:2:12: unterminated string");
	EXPECT_MSGS("", "t.json: empty file");
	EXPECT_MSGS(" \n\t ", "t.json: empty file");
}

Test(scn_parse, top_level_must_be_an_object)
{
	EXPECT_MSGS("[]", "t.json: $: expected object, got array");
	EXPECT_MSGS("42", "t.json: $: expected object, got number");
	EXPECT_MSGS("null", "t.json: $: expected object, got null");
}

Test(scn_parse, rejects_non_finite_numbers)
{
	EXPECT_MSGS(J({"model": "queue", "queue": {"arrival_rate": 1e400}}),
	            "t.json: $.queue.arrival_rate: expected finite number, got infinity");
	EXPECT_MSGS(J({"model": "queue", "queue": {"arrival_rate": NaN}}),
	            "t.json:1:46: parse error near 'NaN}}'");
	EXPECT_MSGS(J({"model": "queue", "queue": {"arrival_rate": Infinity}}),
	            "t.json:1:46: parse error near 'Infinity}}'");
}

Test(scn_parse, caps_the_number_of_messages)
{
	char text[8192] = "{\"model\": \"queue\"";
	for (int i = 0; i < 150; i++)
		sprintf(text + strlen(text), ", \"k%d\": 1", i);
	strcat(text, "}");
	sim_diag d;
	diag_init(&d);
	cr_assert_null(scn_parse(text, "t.json", NULL, 0, &d));
	cr_expect_eq(d.n, 101);
	cr_expect_str_eq(d.msg[0], "t.json: $.k0: unknown key");
	cr_expect_str_eq(d.msg[100], "t.json: 50 more problems not shown");
	diag_release(&d);
}

Test(scn_parse, reports_duplicate_keys)
{
	EXPECT_MSGS(J({"model": "queue", "seed": 1, "seed": 2}), "t.json: $.seed: duplicate key");
}

Test(scn_load, names_unreadable_files, .init = to_srcdir)
{
	sim_diag d;
	diag_init(&d);
	cr_assert_null(scn_load("tests/scenarios/no_such.json", NULL, 0, &d));
	cr_assert_eq(d.n, 1);
	cr_expect_str_eq(d.msg[0], "tests/scenarios/no_such.json: cannot read: No such file or directory");
	diag_clear(&d);
	cr_assert_null(scn_load("tests/scenarios", NULL, 0, &d));
	cr_expect_str_eq(d.msg[0], "tests/scenarios: cannot read: Is a directory");
	diag_release(&d);
}

/* Every truncation and many one-byte corruptions of a valid file: each must
 * load or fail with messages, never crash (run under ASan/valgrind too). */
Test(scn_parse, never_crashes_on_damaged_input, .init = to_srcdir)
{
	char *good = slurp("tests/scenarios/good/mm1.json");
	cr_assert(good);
	size_t n = strlen(good);
	const char subst[] = "{}[],:\"0-e.x\\\x01\xff";
	char *buf = malloc(n + 1);
	cr_assert(buf);
	for (size_t i = 0; i <= n; i++) {
		for (size_t k = 0; k <= sizeof subst - 1; k++) {
			memcpy(buf, good, n + 1);
			if (k == sizeof subst - 1)
				buf[i] = '\0'; /* truncate */
			else if (i < n)
				buf[i] = subst[k];
			sim_diag d;
			diag_init(&d);
			scn *s = scn_parse(buf, "t.json", NULL, 0, &d);
			cr_assert(s || d.n > 0, "no message for a rejected input");
			cr_assert(!s || d.n == 0);
			scn_free(s);
			diag_release(&d);
		}
	}
	free(buf);
	free(good);
	/* nesting beyond what cJSON accepts, and deep but unknown values */
	size_t deep = 5000;
	char *nest = malloc(2 * deep + 64);
	cr_assert(nest);
	strcpy(nest, "{\"model\":\"queue\",\"x\":");
	size_t off = strlen(nest);
	for (size_t i = 0; i < deep; i++)
		nest[off++] = '[';
	for (size_t i = 0; i < deep; i++)
		nest[off++] = ']';
	strcpy(nest + off, "}");
	char *m = bad(nest);
	cr_expect(strstr(m, "parse error"), "%s", m);
	free(m);
	free(nest);
}

/* ------------------------------------------------------------------------
 * extends */

Test(scn_extends, merges_objects_key_by_key, .init = mk_tmp, .fini = rm_tmp)
{
	put("base.json", J({"model": "queue", "seed": 5,
	                    "queue": {"servers": 3, "arrival_rate": 2, "service_rate": 1}}));
	put("child.json", J({"extends": "base.json", "queue": {"arrival_rate": 2.5}}));
	sim_diag d;
	diag_init(&d);
	scn *s = scn_load("child.json", NULL, 0, &d);
	cr_assert(s);
	cr_expect_eq(scn_int(s, "seed"), 5);
	cr_expect_eq(scn_int(s, "queue.servers"), 3);
	cr_expect_eq(scn_num(s, "queue.arrival_rate"), 2.5);
	cr_expect_eq(scn_num(s, "queue.service_rate"), 1);
	cr_expect_null(cJSON_GetObjectItem(scn_root(s), "extends"), "the resolved tree drops extends");
	cr_expect_str_eq(scn_path(s), "child.json");
	scn_free(s);
	diag_release(&d);
}

Test(scn_extends, follows_chains_relative_to_each_file, .init = mk_tmp, .fini = rm_tmp)
{
	put("common/base.json", J({"model": "queue", "seed": 1, "queue": {"servers": 2}}));
	put("common/mid.json", J({"extends": "base.json", "seed": 2, "replications": 3}));
	put("runs/deep/top.json", J({"extends": "../../common/mid.json", "seed": 3}));
	sim_diag d;
	diag_init(&d);
	scn *s = scn_load("runs/deep/top.json", NULL, 0, &d);
	char *m = joined(&d);
	cr_assert(s, "%s", m);
	free(m);
	cr_expect_eq(scn_int(s, "seed"), 3);
	cr_expect_eq(scn_int(s, "replications"), 3);
	cr_expect_eq(scn_int(s, "queue.servers"), 2);
	scn_free(s);
	diag_release(&d);
}

Test(scn_extends, detects_cycles_and_names_missing_parents, .init = mk_tmp, .fini = rm_tmp)
{
	put("a.json", J({"extends": "b.json", "model": "queue"}));
	put("b.json", J({"extends": "sub/c.json"}));
	put("sub/c.json", J({"extends": "../a.json"}));
	put("orphan.json", J({"extends": "sub/none.json", "model": "queue"}));
	sim_diag d;
	diag_init(&d);
	cr_assert_null(scn_load("a.json", NULL, 0, &d));
	cr_assert_eq(d.n, 1);
	cr_expect_str_eq(d.msg[0], "sub/c.json: $.extends: cycle: a.json -> b.json -> sub/c.json -> sub/../a.json");
	diag_clear(&d);
	cr_assert_null(scn_load("orphan.json", NULL, 0, &d));
	cr_assert_eq(d.n, 1);
	cr_expect_str_eq(d.msg[0], "orphan.json: $.extends: cannot open 'sub/none.json': No such file or directory");
	diag_release(&d);
}

Test(scn_extends, reports_problems_against_the_file_that_has_them, .init = mk_tmp, .fini = rm_tmp)
{
	put("base.json", J({"model": "queue", "queue": {"servrs": 2}}));
	put("child.json", J({"extends": "base.json", "seed": -1}));
	put("broken.json", "{\"model\": \"queue\",\n\"seed\": 1 2}");
	put("child2.json", J({"extends": "broken.json"}));
	sim_diag d;
	diag_init(&d);
	cr_assert_null(scn_load("child.json", NULL, 0, &d));
	char *m = joined(&d);
	cr_expect_str_eq(m, "child.json: $.seed: expected integer >= 0, got -1\n"
	                    "base.json: $.queue.servrs: unknown key (did you mean 'servers'?)");
	free(m);
	diag_clear(&d);
	cr_assert_null(scn_load("child2.json", NULL, 0, &d));
	m = joined(&d);
	cr_expect_str_eq(m, "broken.json:2:11: parse error near '2}'");
	free(m);
	diag_release(&d);
}

Test(scn_extends, parse_resolves_relative_to_the_current_directory, .init = mk_tmp, .fini = rm_tmp)
{
	put("base.json", J({"model": "queue", "seed": 9}));
	scn *s = ok(J({"extends": "base.json", "replications": 2}));
	cr_expect_eq(scn_int(s, "seed"), 9);
	cr_expect_eq(scn_int(s, "replications"), 2);
	scn_free(s);
	EXPECT_MSGS(J({"extends": 3}), "t.json: $.extends: expected string, got number");
}

/* ------------------------------------------------------------------------
 * --set */

Test(scn_set, sets_scalars_and_nested_keys_in_order)
{
	const char *sets[] = { "seed=7", "queue.servers=4", "seed=8", "queue.arrival_rate=0.25" };
	scn *s = ok_sets(J({"model": "queue", "queue": {"servers": 2}}), sets, 4);
	cr_expect_eq(scn_int(s, "seed"), 8);
	cr_expect_eq(scn_int(s, "queue.servers"), 4);
	cr_expect_eq(scn_num(s, "queue.arrival_rate"), 0.25);
	scn_free(s);
}

Test(scn_set, value_is_json_when_valid_else_a_string)
{
	const char *s1[] = { "description=an M/M/1 run" };
	scn *s = ok_sets(J({"model": "queue"}), s1, 1);
	cr_expect_str_eq(scn_str(s, "description"), "an M/M/1 run");
	scn_free(s);
	const char *s2[] = { "description=\"42\"" };
	s = ok_sets(J({"model": "queue"}), s2, 1);
	cr_expect_str_eq(scn_str(s, "description"), "42");
	scn_free(s);
	const char *s3[] = { "description=42", "queue.servers=four" };
	char *m = bad_sets(J({"model": "queue"}), s3, 2);
	/* each message names the --set the bad value came from */
	cr_expect_str_eq(m, "t.json: --set 'description=42': $.description: expected string, got number\n"
	                    "t.json: --set 'queue.servers=four': $.queue.servers: expected integer, "
	                    "got string");
	free(m);
	/* a whole section, then a key inside it */
	const char *s4[] = { "queue={\"servers\": 3}", "queue.customers=10" };
	s = ok_sets(J({"model": "queue", "queue": {"arrival_rate": 0.1}}), s4, 2);
	cr_expect_eq(scn_int(s, "queue.servers"), 3);
	cr_expect_eq(scn_int(s, "queue.customers"), 10);
	cr_expect_eq(scn_num(s, "queue.arrival_rate"), 0.9, "replaced section takes defaults");
	scn_free(s);
}

Test(scn_set, rejects_unknown_and_malformed_paths)
{
	static const struct { const char *set, *msg; } cases[] = {
		{ "queue.arival_rate=1",
		  "t.json: --set 'queue.arival_rate=1': $.queue.arival_rate: unknown key (did you mean 'arrival_rate'?)" },
		{ "sed=1", "t.json: --set 'sed=1': $.sed: unknown key (did you mean 'seed'?)" },
		{ "wibble=1", "t.json: --set 'wibble=1': $.wibble: unknown key" },
		{ "seed", "t.json: --set 'seed': expected PATH=VALUE" },
		{ "=3", "t.json: --set '=3': expected PATH=VALUE" },
		{ "queue..servers=1", "t.json: --set 'queue..servers=1': bad path: empty key after '.'" },
		{ "queue.=1", "t.json: --set 'queue.=1': bad path: empty key after '.'" },
		{ "queue[0]=1", "t.json: --set 'queue[0]=1': $.queue is of type object, not an array" },
		{ "seed.x=1", "t.json: --set 'seed.x=1': $.seed is of type integer, it has no key 'x'" },
		{ "[0]=1", "t.json: --set '[0]=1': bad path: a path starts with a key" },
		{ "queue[=1", "t.json: --set 'queue[=1': bad path: '[' without ']'" },
		{ "queue]=1", "t.json: --set 'queue]=1': bad path: ']' without '['" },
		{ "seed[]=1", "t.json: --set 'seed[]=1': bad path: empty '[]'" },
		{ "extends=x.json", "t.json: --set 'extends=x.json': $.extends: unknown key" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *sets[] = { cases[i].set };
		char *m = bad_sets(J({"model": "queue"}), sets, 1);
		cr_expect_str_eq(m, cases[i].msg);
		free(m);
	}
	/* every bad set is reported, with the file's own problems */
	const char *sets[] = { "sed=1", "queue.x=2" };
	char *m = bad_sets(J({"model": "queue", "replications": 0}), sets, 2);
	cr_expect_str_eq(m, "t.json: --set 'sed=1': $.sed: unknown key (did you mean 'seed'?)\n"
	                    "t.json: --set 'queue.x=2': $.queue.x: unknown key\n"
	                    "t.json: $.replications: expected integer >= 1, got 0");
	free(m);
}

Test(scn_set, json_values_may_not_repeat_keys)
{
	const char *sets[] = { "queue={\"servers\": 2, \"servers\": 3}" };
	char *m = bad_sets(J({"model": "queue"}), sets, 1);
	cr_expect_str_eq(m, "t.json: --set 'queue={\"servers\": 2, \"servers\": 3}': $.queue.servers: duplicate key");
	free(m);
}

Test(scn_set, applies_after_extends, .init = mk_tmp, .fini = rm_tmp)
{
	put("base.json", J({"model": "queue", "queue": {"servers": 2}}));
	put("child.json", J({"extends": "base.json", "queue": {"warmup": 0}}));
	const char *sets[] = { "queue.servers=6" };
	sim_diag d;
	diag_init(&d);
	scn *s = scn_load("child.json", sets, 1, &d);
	cr_assert(s);
	cr_expect_eq(scn_int(s, "queue.servers"), 6);
	cr_expect_eq(scn_int(s, "queue.warmup"), 0);
	scn_free(s);
	diag_release(&d);
}

Test(scn_set, resolved_scenario_changes_only_when_valid)
{
	scn *s = ok(J({"model": "queue", "queue": {"servers": 2}}));
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(scn_set(s, "queue.servers=5", &d), SIM_OK);
	cr_expect_eq(scn_int(s, "queue.servers"), 5);
	char *before = scn_to_json(s);
	cr_assert_eq(scn_set(s, "queue.servers=0", &d), SIM_EINVAL);
	cr_assert_eq(d.n, 1);
	cr_expect_str_eq(d.msg[0], "t.json: --set 'queue.servers=0': $.queue.servers: expected integer >= 1, "
	                           "got 0");
	cr_assert_eq(scn_set(s, "queue.nope=0", &d), SIM_EINVAL);
	char *after = scn_to_json(s);
	cr_expect_str_eq(before, after);
	free(before);
	free(after);
	scn_free(s);
	diag_release(&d);
}

/* ------------------------------------------------------------------------
 * Arrays, nested objects, booleans (own schema) */

Test(scn_arrays, defaults_fill_items_and_whole_arrays, .init = use_test_schema)
{
	scn *s = ok(J({"model": "network"}));
	cr_expect_eq(scn_len(s, "chains"), 2);
	cr_expect_str_eq(scn_str(s, "chains[0].name"), "sui");
	cr_expect_eq(scn_num(s, "chains[sui].capacity_tps"), 100);
	cr_expect_eq(scn_num(s, "chains[eth].capacity_tps"), 15);
	cr_expect(scn_bool(s, "chains[1].enabled"));
	cr_expect_eq(scn_len(s, "chains[eth].fees"), 1);
	cr_expect_eq(scn_num(s, "chains[eth].fees[0]"), 0.1);
	cr_expect_str_eq(scn_str(s, "net.mode"), "p2p");
	cr_expect_eq(scn_int(s, "net.p2p.peers"), 8);
	cr_expect_null(cJSON_GetObjectItem(scn_root(s), "queue"), "other models' sections stay out");
	char *js = scn_to_json(s);
	cr_expect_str_eq(js, "{\"description\":\"\",\"model\":\"network\",\"seed\":1,"
	                     "\"chains\":[{\"name\":\"sui\",\"capacity_tps\":100,\"enabled\":true,\"fees\":[0.1]},"
	                     "{\"name\":\"eth\",\"capacity_tps\":15,\"enabled\":true,\"fees\":[0.1]}],"
	                     "\"net\":{\"mode\":\"p2p\",\"p2p\":{\"latency_s\":0.05,\"peers\":8}}}");
	free(js);
	scn_free(s);
	s = ok(J({"model": "queue"}));
	js = scn_to_json(s);
	cr_expect_str_eq(js, "{\"description\":\"\",\"model\":\"queue\",\"seed\":1,"
	                     "\"queue\":{\"servers\":1,\"rate\":0.5}}");
	free(js);
	scn_free(s);
}

Test(scn_arrays, set_by_index_and_by_name, .init = use_test_schema)
{
	const char *sets[] = { "chains[1].capacity_tps=20", "chains[sui].enabled=false",
	                       "chains[sui].fees[0]=0.5", "net.p2p.latency_s=0.2",
	                       "chains[eth]={\"name\": \"eth\", \"fees\": [1, 2]}" };
	scn *s = ok_sets(J({"model": "network"}), sets, 5);
	cr_expect_eq(scn_num(s, "chains[eth].capacity_tps"), 100, "replaced item takes defaults");
	cr_expect_eq(scn_len(s, "chains[1].fees"), 2);
	cr_expect_not(scn_bool(s, "chains[0].enabled"));
	cr_expect_eq(scn_num(s, "chains[sui].fees[0]"), 0.5);
	cr_expect_eq(scn_num(s, "net.p2p.latency_s"), 0.2);
	scn_free(s);
	const char *wrong[] = { "chains[siu].enabled=false", "chains[5].enabled=false",
	                        "net.p2p[0]=1", "chains.name=x", "chains[sui].fees[1]=2" };
	char *m = bad_sets(J({"model": "network"}), wrong, 5);
	cr_expect_str_eq(m,
		"t.json: --set 'chains[siu].enabled=false': $.chains: no item named 'siu' (did you mean 'sui'?)\n"
		"t.json: --set 'chains[5].enabled=false': $.chains[5]: index out of range (2 items)\n"
		"t.json: --set 'net.p2p[0]=1': $.net.p2p is of type object, not an array\n"
		"t.json: --set 'chains.name=x': $.chains is of type array, it has no key 'name'\n"
		"t.json: --set 'chains[sui].fees[1]=2': $.chains[0].fees[1]: index out of range (1 item)");
	free(m);
}

Test(scn_arrays, reports_item_problems_with_their_index, .init = use_test_schema)
{
	EXPECT_MSGS(J({"model": "network", "chains": [
		{"name": "a"}, {"name": "b", "capacity_tps": "x"}, {"name": "c", "capacity_tps": -1},
		{"capacity_tps": 1, "enabled": "yes", "fees": [1, 2, 3, 4]}, {"name": "a", "fees": []}]}),
		"t.json: $.chains: expected at most 4 items, got 5\n"
		"t.json: $.chains[1].capacity_tps: expected number, got string\n"
		"t.json: $.chains[2].capacity_tps: expected number > 0, got -1\n"
		"t.json: $.chains[3].name: missing required key\n"
		"t.json: $.chains[3].enabled: expected boolean, got string\n"
		"t.json: $.chains[3].fees: expected at most 3 items, got 4\n"
		"t.json: $.chains[4].fees: expected at least 1 item, got 0\n"
		"t.json: $.chains[4].name: duplicate name 'a' (also at index 0)");
	EXPECT_MSGS(J({"model": "network", "chains": [], "net": {"mode": "ring", "p2p": {"peers": 0, "x": 1}}}),
		"t.json: $.chains: expected at least 1 item, got 0\n"
		"t.json: $.net.mode: expected one of 'p2p', 'star', got 'ring'\n"
		"t.json: $.net.p2p.x: unknown key\n"
		"t.json: $.net.p2p.peers: expected integer >= 1, got 0");
	EXPECT_MSGS(J({"model": "network", "chains": {"name": "sui"}, "net": [1]}),
		"t.json: $.chains: expected array, got object\n"
		"t.json: $.net: expected object, got array");
}

Test(scn_arrays, sections_of_other_models_are_errors, .init = use_test_schema)
{
	EXPECT_MSGS(J({"model": "queue", "chains": [], "net": {}}),
		"t.json: $.chains: section 'chains' is not used by model 'queue'\n"
		"t.json: $.net: section 'net' is not used by model 'queue'");
	const char *sets[] = { "model=network" };
	char *m = bad_sets(J({"model": "queue", "queue": {"servers": 2}}), sets, 1);
	cr_expect_str_eq(m, "t.json: $.queue: section 'queue' is not used by model 'network'");
	free(m);
}

/* The abort message is expected; keep it out of the test log. */
static void test_schema_quiet(void)
{
	use_test_schema();
	cr_redirect_stderr();
}

Test(scn_arrays, bad_accessor_path_aborts, .init = test_schema_quiet, .signal = SIGABRT)
{
	scn *s = ok(J({"model": "network"}));
	scn_num(s, "chains[0].capacity");
}

Test(scn_arrays, accessor_of_absent_section_aborts, .init = test_schema_quiet, .signal = SIGABRT)
{
	scn *s = ok(J({"model": "network"}));
	scn_int(s, "queue.servers");
}

Test(scn_arrays, accessor_of_wrong_type_aborts, .init = test_schema_quiet, .signal = SIGABRT)
{
	scn *s = ok(J({"model": "network"}));
	scn_int(s, "chains[sui].capacity_tps");
}

Test(scn_arrays, accessor_out_of_range_aborts, .init = test_schema_quiet, .signal = SIGABRT)
{
	scn *s = ok(J({"model": "network"}));
	scn_get(s, "chains[7]");
}

/* ------------------------------------------------------------------------
 * Defaults and canonical output */

Test(scn_defaults, fills_every_key)
{
	scn *s = ok(J({"model": "queue"}));
	cr_expect_str_eq(scn_str(s, "description"), "");
	cr_expect_eq(scn_int(s, "seed"), 1);
	cr_expect_eq(scn_int(s, "replications"), 1);
	cr_expect_eq(scn_int(s, "queue.servers"), 1);
	cr_expect_eq(scn_num(s, "queue.arrival_rate"), 0.9);
	cr_expect_eq(scn_num(s, "queue.service_rate"), 1.0);
	cr_expect_eq(scn_int(s, "queue.customers"), 1000000);
	cr_expect_eq(scn_int(s, "queue.warmup"), 10000);
	cr_expect_eq(scn_num(s, "queue.sample_every"), 0);
	cr_expect_eq(scn_int(s, "queue.customers"), 1000000);
	/* every key of the schema's run section is present */
	cr_expect_str_eq(scn_str(s, "model"), "queue");
	scn_free(s);
}

Test(scn_canon, same_scenario_same_bytes)
{
	scn *a = ok(J({"queue": {"warmup": 5, "servers": 2}, "seed": 3, "model": "queue"}));
	scn *b = ok("{\n  \"model\" : \"queue\",\n  \"seed\": 3.0,\n  \"queue\": {\"servers\": 2, \"warmup\": 5e0}\n}");
	char *ja = scn_to_json(a), *jb = scn_to_json(b);
	cr_expect_str_eq(ja, jb);
	cr_expect(!strncmp(ja, "{\"description\":\"\",\"model\":\"queue\",\"seed\":3,", 43), "%s", ja);
	free(ja);
	free(jb);
	scn_free(a);
	scn_free(b);
}

static void reload_is_identical(const char *path)
{
	sim_diag d;
	diag_init(&d);
	scn *s = scn_load(path, NULL, 0, &d);
	char *m = joined(&d);
	cr_assert(s, "%s: %s", path, m);
	free(m);
	char *j1 = scn_to_json(s);
	scn *t = scn_parse(j1, "reloaded", NULL, 0, &d);
	cr_assert(t, "%s: canonical JSON does not load again: %s", path, j1);
	char *j2 = scn_to_json(t);
	cr_expect_str_eq(j1, j2, "%s", path);
	cJSON *p = cJSON_Parse(j1);
	cr_expect(cJSON_Compare(p, scn_root(t), 1));
	cJSON_Delete(p);
	free(j1);
	free(j2);
	scn_free(s);
	scn_free(t);
	diag_release(&d);
}

Test(scn_canon, output_is_stable_and_reloadable, .init = to_srcdir)
{
	DIR *dir = opendir("tests/scenarios/good");
	cr_assert(dir);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		char path[512];
		snprintf(path, sizeof path, "tests/scenarios/good/%s", e->d_name);
		reload_is_identical(path);
		n++;
	}
	closedir(dir);
	cr_expect_geq(n, 4);
}

/* ------------------------------------------------------------------------
 * Corpus: tests/scenarios/bad/NAME.json with its exact messages in NAME.expected;
 * tests/scenarios/good/ files must validate. */

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted NAME.json files of dir; caller frees each and the array. */
static char **json_files(const char *dir, int *n)
{
	DIR *d = opendir(dir);
	cr_assert(d, "cannot open %s", dir);
	char **v = NULL;
	*n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		v = realloc(v, (size_t)(*n + 1) * sizeof *v);
		cr_assert(v);
		v[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(v, (size_t)*n, sizeof *v, by_name);
	return v;
}

Test(scn_corpus, bad_files_give_exactly_the_expected_messages, .init = to_srcdir)
{
	int n, failed = 0;
	char **files = json_files("tests/scenarios/bad", &n);
	cr_expect_geq(n, 24, "the corpus should hold at least 24 bad scenarios");
	for (int i = 0; i < n; i++) {
		char path[512], exp_path[512];
		snprintf(path, sizeof path, "tests/scenarios/bad/%s", files[i]);
		snprintf(exp_path, sizeof exp_path, "tests/scenarios/bad/%.*s.expected",
		         (int)strlen(files[i]) - 5, files[i]);
		char *want = slurp(exp_path);
		cr_expect(want, "%s has no %s", path, exp_path);
		sim_diag d;
		diag_init(&d);
		scn *s = scn_load(path, NULL, 0, &d);
		cr_expect_null(s, "%s loaded but should not", path);
		char *got = joined(&d);
		if (want) {
			size_t wl = strlen(want);
			while (wl && want[wl - 1] == '\n')
				want[--wl] = '\0';
			if (strcmp(got, want)) {
				failed++;
				cr_log_error("%s:\n--- expected\n%s\n--- got\n%s", path, want, got);
			}
		}
		free(want);
		free(got);
		scn_free(s);
		diag_release(&d);
		free(files[i]);
	}
	free(files);
	cr_expect_eq(failed, 0, "%d bad scenarios gave other messages (see above)", failed);
}

Test(scn_corpus, good_files_validate, .init = to_srcdir)
{
	int n;
	char **files = json_files("tests/scenarios/good", &n);
	cr_expect_geq(n, 4);
	for (int i = 0; i < n; i++) {
		char path[512];
		snprintf(path, sizeof path, "tests/scenarios/good/%s", files[i]);
		sim_diag d;
		diag_init(&d);
		scn *s = scn_load(path, NULL, 0, &d);
		char *m = joined(&d);
		cr_expect(s, "%s:\n%s", path, m);
		free(m);
		scn_free(s);
		diag_release(&d);
		free(files[i]);
	}
	free(files);
}

static void quiet_srcdir(void)
{
	to_srcdir();
	cr_redirect_stdout();
	cr_redirect_stderr();
}

Test(scn_cmd, validate_exit_status, .init = quiet_srcdir)
{
	char *good[] = { "validate", "tests/scenarios/good/mm1.json", "tests/scenarios/good/mm4.json", NULL };
	cr_expect_eq(cmd_validate(3, good), 0);
	char *mixed[] = { "validate", "tests/scenarios/good/mm1.json", "tests/scenarios/bad/empty.json", NULL };
	cr_expect_eq(cmd_validate(3, mixed), 2);
	char *set[] = { "validate", "--set", "queue.servers=0", "tests/scenarios/good/mm1.json", NULL };
	cr_expect_eq(cmd_validate(4, set), 2);
	char *set2[] = { "validate", "tests/scenarios/good/mm1.json", "--set=queue.servers=3", NULL };
	cr_expect_eq(cmd_validate(3, set2), 0);
	char *none[] = { "validate", NULL };
	cr_expect_eq(cmd_validate(1, none), 2);
	char *help[] = { "validate", "--help", NULL };
	cr_expect_eq(cmd_validate(2, help), 0);
	char *opt[] = { "validate", "--frobnicate", NULL };
	cr_expect_eq(cmd_validate(2, opt), 2);
	char *sch[] = { "schema", "--json", NULL };
	cr_expect_eq(cmd_schema(2, sch), 0);
	char *sch2[] = { "schema", "--yaml", NULL };
	cr_expect_eq(cmd_schema(2, sch2), 2);
}

/* ------------------------------------------------------------------------
 * The schema itself */

Test(scn_schema, embedded_files_are_well_formed)
{
	int n = 0;
	while (dais_schema[n].name)
		n++;
	cr_assert_gt(n, 1);
	const char **names = calloc((size_t)n, sizeof *names), **texts = calloc((size_t)n, sizeof *texts);
	for (int i = 0; i < n; i++) {
		names[i] = dais_schema[i].name;
		texts[i] = dais_schema[i].text;
	}
	sim_diag d;
	diag_init(&d);
	sim_status st = scn_schema_check(names, texts, n, &d);
	char *m = joined(&d);
	cr_expect_eq(st, SIM_OK, "%s", m);
	cr_expect_eq(d.n, 0, "%s", m);
	free(m);
	diag_release(&d);
	free(names);
	free(texts);
}

Test(scn_schema, malformed_schemas_are_reported)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ J({"section": "q", "models": ["queue"], "doc": "d", "keys": {
			"n": {"type": "integer", "default": 0, "min": 1, "doc": "d"}}}),
		  "q.json: $.keys.n.default: expected integer >= 1, got 0" },
		{ J({"section": "q", "doc": "d", "keys": {"n": {"type": "integer", "default": 1, "mn": 1, "doc": "d"}}}),
		  "q.json: $.keys.n.mn: field not allowed for type 'integer'" },
		{ J({"section": "q", "doc": "d", "keys": {"n": {"type": "int", "default": 1, "doc": "d"}}}),
		  "q.json: $.keys.n.type: expected one of 'number', 'integer', 'string', 'boolean', 'enum', 'object', 'array'" },
		{ J({"section": "q", "doc": "d", "keys": {"n": {"type": "enum", "values": [], "default": "a", "doc": "d"}}}),
		  "q.json: $.keys.n.values: expected a non-empty array of strings" },
		{ J({"section": "q", "doc": "d", "keys": {"n": {"type": "number", "default": 1}}}),
		  "q.json: $.keys.n: missing \"doc\"" },
		{ J({"section": "q", "doc": "d", "keys": {"n": {"type": "number", "doc": "d"}}}),
		  "q.json: $.keys.n: an optional key needs a \"default\"" },
		{ J({"section": "q", "doc": "d", "keys": {"n": {"type": "number", "min": 2, "max": 1, "default": 1, "doc": "d"}}}),
		  "q.json: $.keys.n: \"min\" is above \"max\"" },
		{ J({"section": "q", "models": ["nope"], "doc": "d", "keys": {}}),
		  "q.json: $.models: 'nope' is not a value of $.model" },
		{ J({"section": "seed", "doc": "d", "keys": {}}),
		  "q.json: $.section: 'seed' is also a key of section 'run'" },
		{ J({"section": "q", "doc": "d", "keys": {"a-b": {"type": "number", "default": 1, "doc": "d"}}}),
		  "q.json: $.keys[\"a-b\"]: key name is not an identifier ([A-Za-z_][A-Za-z0-9_]*)" },
		{ J({"section": "q", "doc": "d", "type": "array", "default": [{}],
		     "items": {"type": "object", "keys": {"name": {"type": "string", "required": true, "doc": "d"}}}}),
		  "q.json: $.default[0].name: missing required key" },
		{ "{\"section\": \"q\",", "q.json:1:17: parse error at end of file" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *names[] = { "run.json", "q.json" };
		const char *texts[] = { t_run, cases[i].text };
		sim_diag d;
		diag_init(&d);
		cr_expect_eq(scn_schema_check(names, texts, 2, &d), SIM_EINVAL, "case %zu", i);
		char *m = joined(&d);
		cr_expect_str_eq(m, cases[i].msg, "case %zu", i);
		free(m);
		diag_release(&d);
	}
	const char *names[] = { "q.json" };
	const char *texts[] = { t_queue };
	sim_diag d;
	diag_init(&d);
	cr_expect_eq(scn_schema_check(names, texts, 1, &d), SIM_EINVAL);
	cr_expect_eq(d.n, 1);
	cr_expect_str_eq(d.msg[0], "scenarios/schema: no section 'run' (the top-level keys)");
	diag_release(&d);
}

Test(scn_schema, json_lists_every_section)
{
	char *js = scn_schema_json();
	cr_assert(js);
	cJSON *o = cJSON_Parse(js);
	cr_assert(o);
	const cJSON *secs = cJSON_GetObjectItem(o, "sections");
	cr_assert(cJSON_IsArray(secs));
	int n = 0;
	while (dais_schema[n].name)
		n++;
	cr_expect_eq(cJSON_GetArraySize(secs), n);
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(secs, 0), "section")->valuestring, "run");
	cJSON_Delete(o);
	free(js);
}

Test(scn_schema, markdown_documents_every_key, .init = use_test_schema)
{
	char *md = scn_schema_markdown();
	cr_assert(md);
	static const char *const rows[] = {
		"| `model` | enum | required | `queue`, `network` |  | Which model. |",
		"| `queue.rate` | number | `0.5` | > 0, ≤ 1 | 1/s | Arrival rate \\| per second. |",
		"| `chains` | array of object | `[{\"name\":\"sui\"},{\"name\":\"eth\",\"capacity_tps\":15}]` | 1 to 4 items |  | Settlement chains. |",
		"| `chains[].fees` | array of number | `[0.1]` | 1 to 3 items; each ≥ 0 |  | Fee levels. |",
		"| `net.p2p.peers` | integer | `8` | ≥ 1 |  | Peers per node. |",
		"Used when `model` is `network`; not allowed otherwise.",
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		cr_expect(strstr(md, rows[i]), "missing: %s\nin:\n%s", rows[i], md);
	free(md);
}

Test(scn_schema, docs_reference_is_up_to_date)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/docs/scenarios.md", DAIS_SRCDIR);
	char *doc = slurp(path);
	cr_assert(doc, "cannot read %s", path);
	const char *begin = "<!-- BEGIN GENERATED -->\n", *end = "<!-- END GENERATED -->";
	char *b = strstr(doc, begin), *e = b ? strstr(b, end) : NULL;
	cr_assert(b && e, "%s lacks the markers %s and %s", path, begin, end);
	b += strlen(begin);
	*e = '\0';
	char *md = scn_schema_markdown();
	cr_assert(md);
	cr_expect_str_eq(b, md, "docs/scenarios.md is out of date with scenarios/schema/*.json; "
	                        "regenerate it with: make && sh scripts/gen-docs.sh");
	free(md);
	free(doc);
}

/* 50,000 copies of one key: every copy after the first is a duplicate, the
 * messages stop at SCN_MAX_MSGS with a count, and the check is n log n (it
 * was quadratic; nothing here times it, the test would just be very slow). */
Test(scn_hostile, many_duplicate_keys_are_counted_not_listed)
{
	enum { N = 50000 };
	size_t cap = 32 + (size_t)N * 16;
	char *t = malloc(cap);
	size_t k = (size_t)snprintf(t, cap, "{\"model\": \"queue\"");
	for (int i = 0; i < N; i++)
		k += (size_t)snprintf(t + k, cap - k, ", \"dup\": %d", i);
	snprintf(t + k, cap - k, "}");
	sim_diag d;
	diag_init(&d);
	cr_assert_null(scn_parse(t, "t.json", NULL, 0, &d));
	cr_assert_gt(d.n, 2);
	cr_expect_str_eq(d.msg[0], "t.json: $.dup: duplicate key");
	char want[64];
	snprintf(want, sizeof want, "t.json: %d more problems not shown", N - 1 - (d.n - 1));
	cr_expect_str_eq(d.msg[d.n - 1], want);
	diag_release(&d);
	free(t);
}

/* An unknown key of a megabyte is named by its first 64 bytes. */
Test(scn_hostile, a_long_unknown_key_is_cut_in_the_message)
{
	size_t n = 1 << 20;
	char *t = malloc(n + 64);
	int k = snprintf(t, n + 64, "{\"model\": \"queue\", \"");
	memset(t + k, 'x', n);
	snprintf(t + k + n, 64, "\": 1}");
	char *m = bad(t);
	char want[200];
	snprintf(want, sizeof want, "t.json: $.%.*s...: unknown key", 64, t + k);
	cr_expect_str_eq(m, want);
	free(m);
	free(t);
}

/* Text that would be changed on the way in is refused with its position. */
Test(scn_hostile, nul_escapes_and_invalid_utf8_are_refused)
{
	EXPECT_MSGS("{\"model\": \"queue\", \"description\": \"a\\u0000b\"}",
	            "t.json:1:37: \\u0000 (a NUL character) in a string: text would end there");
	EXPECT_MSGS("{\"model\": \"queue\", \"description\": \"\xC0\xAF\"}",
	            "t.json:1:36: invalid UTF-8 (byte 0xc0)");
	EXPECT_MSGS("{\"model\": \"queue\", \"description\": \"\xED\xA0\x80\"}",
	            "t.json:1:36: invalid UTF-8 (byte 0xed)");
	/* an escaped backslash before u0000 is text, not a NUL */
	scn *s = ok("{\"model\": \"queue\", \"description\": \"a\\\\u0000b\"}");
	cr_expect_str_eq(scn_str(s, "description"), "a\\u0000b");
	scn_free(s);
}
