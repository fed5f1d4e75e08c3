/* fuzz_rec.c — the reader of saved replications (OUT.h5.parts/rep_NNNN.rec,
 * and MPI messages) on arbitrary bytes.  Property: what unpacks packs back
 * to the same bytes. */
#include "fuzz_util.h"
#include "sim/rec.h"
#include "run/run_rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rec *r = run_rec_unpack(data, size);
	if (r) {
		unsigned char *b = NULL;
		size_t n = 0;
		if (run_rec_pack(r, &b, &n) == SIM_OK && (n != size || memcmp(b, data, n)))
			__builtin_trap();
		free(b);
		rec_free(r);
	}
	return 0;
}
