/* fuzz_trace.c — the request-trace reader (models/trace.h) on arbitrary
 * bytes, through a file in memory.  Property: an accepted trace obeys the
 * documented rules. */
#include <math.h>
#include <stdio.h>

#include "fuzz_util.h"
#include "models/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof path);
	if (fd < 0)
		return 0;
	sim_diag d;
	diag_init(&d);
	struct trace tr;
	if (trace_read(&tr, path, &d) == SIM_OK) {
		if (tr.n < 1)
			__builtin_trap();
		for (int i = 0; i < tr.n; i++) {
			if (!isfinite(tr.arrival_s[i]) || tr.arrival_s[i] < 0 ||
			    (i && tr.arrival_s[i] < tr.arrival_s[i - 1]))
				__builtin_trap();
			if (tr.prompt[i] < 1 || tr.prompt[i] > TRACE_MAX_TOKENS || tr.output[i] < 1 ||
			    tr.output[i] > TRACE_MAX_TOKENS)
				__builtin_trap();
		}
	}
	trace_release(&tr);
	diag_release(&d);
	close(fd);
	return 0;
}
