/* fuzz_scn.c — the scenario loader on arbitrary text.  Property: what loads
 * prints as canonical JSON that loads again to the same text. */
#include <stdio.h>

#include "fuzz_util.h"
#include "sim/scn.h"
#include "sim/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	if (!text)
		return 0;
	sim_diag d;
	diag_init(&d);
	scn *s = scn_parse(text, "fuzz.json", NULL, 0, &d);
	if (s) {
		char *json = scn_to_json(s);
		if (json) {
			scn *t = scn_parse(json, "canonical.json", NULL, 0, &d);
			if (!t)
				__builtin_trap(); /* canonical text must load */
			char *again = scn_to_json(t);
			if (again && strcmp(json, again))
				__builtin_trap(); /* and be a fixed point */
			free(again);
			scn_free(t);
		}
		free(json);
	}
	scn_free(s);
	diag_release(&d);
	free(text);
	return 0;
}
