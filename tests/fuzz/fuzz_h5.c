/* fuzz_h5.c — the readers of results files (h5/h5i.h) on arbitrary bytes, as
 * `dais info`, `dais export`, `dais plot`'s tables and `dais run --resume`
 * use them.  Property: no crash, no hang, no leak; whatever opens is walked
 * whole.  Seeds are real results files (tests/fuzz/corpus/h5/). */
#include <fcntl.h>
#include <stdio.h>

#include "analysis/export.h"
#include "analysis/info.h"
#include "analysis/plot.h"
#include "fuzz_util.h"
#include "h5/h5i.h"
#include "run/run.h"
#include "sim/scn.h"

static scn *resume_scn;     /* the scenario a --resume compares against */
static char dat[64];        /* where the series tables go */
static char h5[64];         /* the input, as a file: HDF5 resolves the real path of
                             * what it opens, so a memfd (fuzz_file) will not do */
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	int fd = open("/dev/null", O_WRONLY);
	if (fd >= 0)
		dup2(fd, 1); /* info prints to stdout */
	snprintf(dat, sizeof dat, "/tmp/dais-fuzz-h5-%ld.dat", (long)getpid());
	snprintf(h5, sizeof h5, "/tmp/dais-fuzz-h5-%ld.h5", (long)getpid());
	sim_diag d;
	diag_init(&d);
	resume_scn = scn_parse("{\"model\": \"queue\", \"replications\": 2}", "<fuzz>", NULL, 0,
	                       &d);
	diag_release(&d);
	return 0;
}

/* Every summary series as a plot table. */
static void tables(const h5i *f, sim_diag *d)
{
	char **names;
	size_t n;
	if (h5i_summary_list(f, 0, &names, &n, d))
		return;
	for (size_t i = 0; i < n; i++)
		if (plot_write_dat(f, names[i], dat, d) == SIM_OK)
			unlink(dat);
	h5i_names_free(names, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *fp = fopen(h5, "wb");
	if (!fp)
		return 0;
	size_t put = fwrite(data, 1, size, fp);
	if (fclose(fp) != 0 || put != size)
		return 0;
	sim_diag d;
	diag_init(&d);
	h5i *f = h5i_open(h5, &d);
	if (f) {
		info_print(f);
		(void)info_print_json(f, &d);
		(void)export_scalars(f, devnull, &d);
		tables(f, &d);
		h5i_close(f);
	}
	(void)run_file_check(h5, resume_scn);
	diag_release(&d);
	unlink(h5);
	return 0;
}
