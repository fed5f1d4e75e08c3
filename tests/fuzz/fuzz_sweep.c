/* fuzz_sweep.c — the sweep file parser on arbitrary text: every accepted
 * file enumerates its points and turns into a one-at-a-time design. */
#include <stdio.h>

#include "fuzz_util.h"
#include "run/sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	if (!text)
		return 0;
	sim_diag d;
	diag_init(&d);
	sweep *w = sweep_parse(text, "fuzz.json", &d);
	if (w) {
		const char **sets = malloc(((size_t)sweep_nsets(w) + sweep_nparams(w) + 1) * sizeof *sets);
		int np = sweep_npoints(w);
		for (int i = 0; sets && i < np && i < 64; i++) {
			int n = sweep_point_sets(w, np - 1 - i, sets);
			if (n > sweep_nsets(w) + sweep_nparams(w))
				__builtin_trap();
		}
		free(sets);
		sweep_force_oat(w);
		if (sweep_npoints(w) != 1 + 2 * sweep_nparams(w))
			__builtin_trap();
	}
	sweep_free(w);
	diag_release(&d);
	free(text);
	return 0;
}
