/* test_trace.c — the request trace reader: good files, and bad files each
 * rejected with a message naming file:line and column. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "models/trace.h"

static const char *src(const char *rel)
{
	static char buf[4][1024];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/tests/traces/%s", DAIS_SRCDIR, rel);
	return buf[k];
}

Test(trace, reads_a_good_file)
{
	sim_diag d;
	diag_init(&d);
	struct trace tr;
	cr_assert_eq(trace_read(&tr, src("good/small.csv"), &d), SIM_OK);
	cr_assert_eq(d.n, 0);
	cr_assert_eq(tr.n, 4);
	cr_assert_float_eq(tr.arrival_s[3], 1.25, 1e-15);
	cr_assert_eq(tr.prompt[1], 70);
	cr_assert_eq(tr.output[1], 215);
	cr_assert_eq(tr.output[2], 1);
	cr_assert_str_eq(tr.source, "hand-written test trace (tests/traces/good/small.csv)");
	trace_release(&tr);
	cr_assert_eq(trace_read(&tr, src("good/extra_columns.csv"), &d), SIM_OK);
	cr_assert_eq(tr.n, 2);
	cr_assert_eq(tr.prompt[0], 9);
	cr_assert_eq(tr.output[1], 8);
	trace_release(&tr);
	diag_release(&d);
}

/* Each bad file and a piece of the message it must give. */
static const struct { const char *file, *line, *msg; } bad[] = {
	{ "bad/negative_time.csv", ":3:", "column 'arrival_s': expected a time >= 0, got '-1.0'" },
	{ "bad/nan_time.csv", ":3:", "column 'arrival_s': expected number, got 'nan'" },
	{ "bad/decreasing_time.csv", ":4:", "column 'arrival_s': times must not decrease, got 1.5 after 2 on line 3" },
	{ "bad/zero_prompt.csv", ":2:", "column 'prompt_tokens': expected at least 1 token, got '0'" },
	{ "bad/absurd_output.csv", ":2:", "column 'output_tokens': expected at most 1048576 tokens, got '2000000'" },
	{ "bad/fractional_tokens.csv", ":2:", "column 'prompt_tokens': expected an integer token count, got '10.5'" },
	{ "bad/missing_column.csv", "", "missing column 'prompt_tokens'" },
	{ "bad/no_rows.csv", "", "no requests (a header but no rows)" },
	{ "bad/short_row.csv", ":2:", "expected 3 fields, got 2" },
	{ "bad/text_tokens.csv", ":2:", "column 'prompt_tokens': expected number, got 'ten'" },
};

Test(trace, rejects_bad_files_with_clear_messages)
{
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sim_diag d;
		diag_init(&d);
		struct trace tr;
		const char *path = src(bad[i].file);
		cr_assert_eq(trace_read(&tr, path, &d), SIM_EINVAL, "%s was accepted", bad[i].file);
		cr_assert_geq(d.n, 1);
		char want[1200];
		snprintf(want, sizeof want, "%s%s", path, bad[i].line);
		cr_assert(strstr(d.msg[0], want) == d.msg[0], "%s: message '%s' should start with '%s'",
		          bad[i].file, d.msg[0], want);
		cr_assert(strstr(d.msg[0], bad[i].msg), "%s: message '%s' lacks '%s'", bad[i].file,
		          d.msg[0], bad[i].msg);
		cr_assert_eq(tr.n, 0);
		trace_release(&tr);
		diag_release(&d);
	}
}

Test(trace, missing_file_is_an_io_error)
{
	sim_diag d;
	diag_init(&d);
	struct trace tr;
	cr_assert_eq(trace_read(&tr, src("bad/does_not_exist.csv"), &d), SIM_EIO);
	cr_assert(strstr(d.msg[0], "cannot open"));
	trace_release(&tr);
	diag_release(&d);
}

Test(trace, write_then_read_round_trips)
{
	struct trace a, b;
	cr_assert_eq(trace_init(&a, 3), SIM_OK);
	for (int i = 0; i < 3; i++) {
		a.arrival_s[i] = 0.125 * i;
		a.prompt[i] = 10 + i;
		a.output[i] = 20 + i;
	}
	char path[] = "/tmp/dais_trace_XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	sim_diag d;
	diag_init(&d);
	FILE *f = fdopen(fd, "w");
	cr_assert(f);
	trace_print(&a, "test", f);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(trace_read(&b, path, &d), SIM_OK);
	cr_assert_eq(b.n, 3);
	for (int i = 0; i < 3; i++) {
		cr_assert_float_eq(b.arrival_s[i], a.arrival_s[i], 1e-12);
		cr_assert_eq(b.prompt[i], a.prompt[i]);
		cr_assert_eq(b.output[i], a.output[i]);
	}
	cr_assert_str_eq(b.source, "test");
	remove(path);
	trace_release(&a);
	trace_release(&b);
	diag_release(&d);
}
