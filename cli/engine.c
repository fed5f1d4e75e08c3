/* engine.c — `dais engine` and `dais calibrate`: run and time a model file or a synthetic shape,
 * the benchmark table behind `make bench-engine`, and the calibration that writes an engine cost
 * profile. */
#include "cli.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/eng_calib.h"
#include "engine/eng_probe.h"
#include "engine/eng_profile.h"
#include "engine/engine.h"
#include "sim/progress.h"

static const char engine_usage[] =
	"usage: dais engine [MODEL.gguf | MODEL.bin | --synthetic CONFIG] [options]\n"
	"       dais engine --bench [--threads-list 1,2] [--reps N] [--quick]\n"
	"\n"
	"Runs the inference engine on a model file (GGUF v3 or llama2.c checkpoint) or\n"
	"on a synthetic model (random weights, real shape) and reports prefill and\n"
	"decode speed.  --bench prints the stories110M table of docs/benchmarks.md.\n"
	"\n"
	"options:\n"
	"  --synthetic CFG   dim=768,layers=12,heads=12,kv_heads=12,hidden=2048,vocab=32000,seq=1024\n"
	"  --dtype T         f32, f16, q8_0, q4_0 (synthetic weights; converts a file's)\n"
	"  --seed N          synthetic weights seed (default 1)\n"
	"  --threads N       threads per step (default: OpenMP's)\n"
	"  --batch N         sequences decoded together (default 1)\n"
	"  --prompt N        prompt tokens per sequence (default 16)\n"
	"  --steps N         decode steps timed (default 32)\n"
	"  --isa NAME        auto, scalar, avx2, avx512 (default auto)\n"
	"  --cuda            run on the CUDA backend (fails cleanly without a device)\n"
	"  --save-gguf PATH  write the model as GGUF v3 and exit\n"
	"  --save-llama2c PATH  write the model as a llama2.c checkpoint and exit\n"
	"  --generate N      greedy-decode N tokens from the prompt and print their ids\n"
	"  --bench           stories110M table: f32, q8_0, q4_0; 1 and 2 threads (--threads-list);\n"
	"                    each row is the best of --reps repetitions (default 4)\n"
	"  -h, --help        this text\n";

static const struct eng_config stories110m = { .dim = 768, .n_layers = 12, .n_heads = 12, .n_kv_heads = 12,
                                               .hidden_dim = 2048, .vocab_size = 32000, .seq_len = 1024 };

#define MAX_THREADS 1024      /* what eng_ctx_alloc accepts */

static int parse_isa(const char *s, eng_isa *i)
{
	static const eng_isa all[] = { ENG_ISA_AUTO, ENG_ISA_SCALAR, ENG_ISA_AVX2, ENG_ISA_AVX512 };
	for (int k = 0; k < 4; k++)
		if (!strcmp(s, eng_isa_name(all[k]))) {
			*i = all[k];
			return 0;
		}
	return -1;
}

/* "1,2,4": up to n numbers in [1, MAX_THREADS]; their count, or -1. */
static int parse_list(const char *s, int *v, int n)
{
	int k = 0;
	for (const char *p = s; *p;) {
		char *e;
		long x = strtol(p, &e, 10);
		if (e == p || x <= 0 || x > MAX_THREADS || k == n || (*e && *e != ','))
			return -1;
		v[k++] = (int)x;
		p = *e ? e + 1 : e;
	}
	return k ? k : -1;
}

/* ---------------------------------------------------------------- bench */

/* One row: `reps` repetitions, each with bandwidth probes around it; the
 * shortest step and the highest probe are kept, so that other processes on a
 * shared machine spoil a row only if they spoil every repetition. */
static int bench_row(eng_ctx *c, struct eng_probe_bw *bw, int prefill, int n, int ctx, int steps, int reps,
                     double *sec, double *gbs, double *rds)
{
	*sec = 1e30;
	*gbs = *rds = 0;
	for (int r = 0; r < reps; r++) {
		double med, best, g = eng_probe_bw_run(bw, 3), rd = prefill ? 0 : eng_probe_bw_read(bw, 3);
		*gbs = g > *gbs ? g : *gbs;
		*rds = rd > *rds ? rd : *rds;
		if (prefill ? eng_probe_prefill(c, n, 1, steps, &med, &best)
		            : eng_probe_decode(c, n, ctx, steps, &med, &best))
			return -1;
		*sec = best < *sec ? best : *sec;
		g = eng_probe_bw_run(bw, 3);
		rd = prefill ? 0 : eng_probe_bw_read(bw, 3);
		*gbs = g > *gbs ? g : *gbs;
		*rds = rd > *rds ? rd : *rds;
	}
	return 0;
}

static int bench(const int *threads, int n_threads, int quick, int reps_opt)
{
	static const eng_dtype types[] = { ENG_F32, ENG_Q8_0, ENG_Q4_0 };
	static const int batches[] = { 1, 4, 16, 32 };
	const int ctx = 64, steps = quick ? 4 : 8, reps = reps_opt ? reps_opt : quick ? 2 : 4;
	const struct eng_config *cf = &stories110m;
	char err[ENG_ERR_LEN];
	printf("# engine %s, kernels %s; stories110M shape (dim 768, 12 layers, 12 heads, hidden 2048, vocab 32000)\n",
	       ENG_VERSION, eng_isa_name(eng_isa_best()));
	printf("# decode: step at context %d; prefill: one 256-token prompt; best of %d x %d steps per row\n", ctx, reps,
	       steps);
	printf("# BW: best triad probe around the row; RD: best read-only probe (two arrays summed) around the row;\n"
	       "# peak: best FMA probe; load average at start %.2f\n",
	       eng_probe_loadavg());
	printf("%-5s %3s %-8s %6s %10s %9s %8s %8s %8s %8s %8s\n", "dtype", "thr", "what", "batch", "tok/s", "ms/step",
	       "GB/s", "BW GB/s", "of BW", "RD GB/s", "of RD");
	for (int ti = 0; ti < 3; ti++) {
		eng_model *m;
		if (eng_model_synthetic(&m, cf, types[ti], 1, err, sizeof err)) {
			fprintf(stderr, "dais engine: %s\n", err);
			return 1;
		}
		for (int hi = 0; hi < n_threads; hi++) {
			int nt = threads[hi];
			struct eng_probe_bw *bw = eng_probe_bw_alloc(nt, 48u << 20);
			eng_ctx *c;
			struct eng_ctx_params p = { .n_threads = nt, .max_tokens = 256, .max_seqs = 32, .max_logits = 32,
			                            .kv_block_tokens = 16, .kv_blocks = 32 * 8 + 32 };
			if (!bw || eng_ctx_alloc(&c, m, &p, err, sizeof err)) {
				fprintf(stderr, "dais engine: %s\n", bw ? err : "out of memory");
				eng_probe_bw_free(bw);
				eng_model_free(m);
				return 1;
			}
			eng_probe_bw_run(bw, 1);
			double peak = eng_probe_peak_gflops(nt), sec, gbs, rds;
			for (size_t bi = 0; bi < sizeof batches / sizeof *batches; bi++) {
				int b = batches[bi];
				if (bench_row(c, bw, 0, b, ctx, steps, reps, &sec, &gbs, &rds)) {
					fprintf(stderr, "dais engine: %s\n", eng_errmsg(c));
					break;
				}
				struct eng_probe_work w = eng_probe_step_work(cf, types[ti], 0, 0, b, ctx);
				double ach = w.bytes / sec / 1e9;
				printf("%-5s %3d %-8s %6d %10.1f %9.3f %8.1f %8.1f %7.0f%% %8.1f %7.0f%%\n", eng_dtype_name(types[ti]),
				       nt, "decode", b, b / sec, sec * 1e3, ach, gbs, 100 * ach / gbs, rds, 100 * ach / rds);
				fflush(stdout);
			}
			if (!bench_row(c, bw, 1, 256, 0, quick ? 2 : 3, reps, &sec, &gbs, &rds)) {
				struct eng_probe_work w = eng_probe_step_work(cf, types[ti], 256, 0, 0, 0);
				double pk = eng_probe_peak_gflops(nt);
				peak = pk > peak ? pk : peak;
				printf("%-5s %3d %-8s %6d %10.1f %9.3f %8s %8s %7.0f%% of %.0f GFLOP/s peak (%.0f GFLOP/s)\n",
				       eng_dtype_name(types[ti]), nt, "prefill", 256, 256 / sec, sec * 1e3, "", "",
				       100 * w.flops / sec / 1e9 / peak, peak, w.flops / sec / 1e9);
			}
			fflush(stdout);
			eng_ctx_free(c);
			eng_probe_bw_free(bw);
		}
		eng_model_free(m);
	}
	return 0;
}

/* ---------------------------------------------------------------- run */

struct engine_opts {
	const char *path;            /* the model file, or NULL with --synthetic */
	const char *synthetic;       /* --synthetic CONFIG */
	struct eng_config cfg;       /* the synthetic shape */
	eng_dtype dtype;
	int have_dtype;              /* --dtype given: convert a file's weights */
	long long seed;
	int threads, batch, prompt, steps, generate;
	eng_isa isa;
	int cuda;
	const char *save_gguf, *save_llama2c;
	int bench, quick, reps;
	int tlist[8], n_tlist;       /* --threads-list */
};

/* The options that take a word rather than a number; 1 when the current
 * argument was one of them. */
static int engine_word_opt(struct cli *c, struct engine_opts *o)
{
	const char *v = NULL;
	if (cli_str(c, "--dtype", NULL, &v)) {
		if (v && eng_dtype_parse(v, &o->dtype))
			cli_fail(c, "--dtype: expected f32, f16, q8_0 or q4_0, got '%s'", v);
		o->have_dtype = 1;
	} else if (cli_str(c, "--isa", NULL, &v)) {
		if (v && parse_isa(v, &o->isa))
			cli_fail(c, "--isa: expected auto, scalar, avx2 or avx512, got '%s'", v);
	} else if (cli_str(c, "--threads-list", NULL, &v)) {
		if (v && (o->n_tlist = parse_list(v, o->tlist, 8)) < 0)
			cli_fail(c, "--threads-list: expected up to 8 numbers in [1, %d] like 1,2, got '%s'",
			         MAX_THREADS, v);
	} else {
		return 0;
	}
	return 1;
}

/* Reads the command line into *o; -1 to go on, else the exit status. */
static int engine_parse(int argc, char **argv, struct engine_opts *o)
{
	*o = (struct engine_opts){ .dtype = ENG_F32, .seed = 1, .batch = 1, .prompt = 16, .steps = 32,
	                           .isa = ENG_ISA_AUTO, .tlist = { 1, 2 }, .n_tlist = 2 };
	struct cli c;
	cli_begin(&c, argc, argv, engine_usage);
	while (cli_next(&c))
		if (!engine_word_opt(&c, o) && !cli_str(&c, "--synthetic", NULL, &o->synthetic) &&
		    !cli_int(&c, "--seed", 0, INT64_MAX, &o->seed) &&
		    !cli_intv(&c, "--threads", 1, MAX_THREADS, &o->threads) &&
		    !cli_intv(&c, "--batch", 1, 256, &o->batch) && !cli_intv(&c, "--prompt", 1, 1 << 20, &o->prompt) &&
		    !cli_intv(&c, "--steps", 1, 256, &o->steps) &&
		    !cli_intv(&c, "--generate", 1, 1 << 20, &o->generate) && !cli_flag(&c, "--cuda", NULL, &o->cuda) &&
		    !cli_str(&c, "--save-gguf", NULL, &o->save_gguf) &&
		    !cli_str(&c, "--save-llama2c", NULL, &o->save_llama2c) &&
		    !cli_flag(&c, "--bench", NULL, &o->bench) &&
		    !cli_flag(&c, "--quick", NULL, &o->quick) && !cli_intv(&c, "--reps", 1, 64, &o->reps) &&
		    !cli_arg(&c, &o->path))
			cli_unknown(&c);
	if (c.status < 0 && !o->bench && o->path && o->synthetic)
		cli_fail(&c, "give one model file or --synthetic CONFIG, not both");
	if (c.status < 0 && !o->bench && o->synthetic) {
		char err[ENG_ERR_LEN];
		o->cfg = stories110m;
		if (eng_config_parse(o->synthetic, &o->cfg, err, sizeof err) ||
		    eng_config_check(&o->cfg, o->dtype, err, sizeof err))
			cli_fail(&c, "--synthetic: %s", err);
	}
	if (cli_end(&c, o->bench || o->path || o->synthetic))
		return c.status;
	return -1;
}

/* Synthesizes or loads the model; 0, or the exit status. */
static int engine_model(const struct engine_opts *o, eng_model **m)
{
	char err[ENG_ERR_LEN];
	eng_status s;
	if (o->synthetic) {
		s = eng_model_synthetic(m, &o->cfg, o->dtype, (uint64_t)o->seed, err, sizeof err);
	} else {
		struct eng_load_params lp = { .convert = o->have_dtype, .dtype = o->dtype };
		s = eng_model_load(m, o->path, &lp, err, sizeof err);
	}
	if (!s)
		return DAIS_EXIT_OK;
	fprintf(stderr, "dais engine: %s\n", err);
	/* a file that cannot be opened, read or used is bad input; only memory is not */
	return s == ENG_ENOMEM ? DAIS_EXIT_FAIL : DAIS_EXIT_USAGE;
}

static int engine_save(const struct engine_opts *o, const eng_model *m)
{
	char err[ENG_ERR_LEN];
	eng_status s = o->save_gguf ? eng_model_save_gguf(m, o->save_gguf, err, sizeof err)
	                            : eng_model_save_llama2c(m, o->save_llama2c, err, sizeof err);
	if (s) {
		fprintf(stderr, "dais engine: %s\n", err);
		return DAIS_EXIT_FAIL;
	}
	return DAIS_EXIT_OK;
}

/* Prefill of --batch prompts of --prompt tokens, then --steps decode steps. */
static eng_status engine_time(const struct engine_opts *o, eng_ctx *c, const eng_model *m)
{
	const struct eng_config *cf = eng_model_config(m);
	double t_pre, t_dec;
	eng_status s;
	if ((s = eng_probe_prefill(c, o->prompt, o->batch, 3, &t_pre, NULL)) ||
	    (s = eng_probe_decode(c, o->batch, o->prompt, o->steps, &t_dec, NULL))) {
		fprintf(stderr, "dais engine: %s\n", eng_errmsg(c));
		return s;
	}
	struct eng_probe_work w = eng_probe_step_work(cf, eng_model_dtype(m), 0, 0, o->batch, o->prompt);
	printf("prefill: %d x %d tokens in %.3f ms, %.1f tokens/s\n", o->batch, o->prompt, t_pre * 1e3,
	       o->prompt * o->batch / t_pre);
	printf("decode:  batch %d at context %d: %.3f ms/step, %.1f tokens/s, %.1f GB/s of weights and KV\n",
	       o->batch, o->prompt, t_dec * 1e3, o->batch / t_dec, w.bytes / t_dec / 1e9);
	return ENG_OK;
}

/* Greedy decoding of --generate tokens after a fixed prompt; prints their ids. */
static eng_status engine_generate(const struct engine_opts *o, eng_ctx *c, const eng_model *m)
{
	const struct eng_config *cf = eng_model_config(m);
	int seq;
	int32_t *tok = malloc(sizeof(int32_t) * (size_t)o->prompt), *sq = malloc(sizeof(int32_t) * (size_t)o->prompt);
	eng_status s = tok && sq ? eng_seq_open(c, &seq) : ENG_ENOMEM;
	for (int j = 0; j < o->prompt && !s; j++) {
		tok[j] = j == 0 ? 1 : (int32_t)((j * 31) % cf->vocab_size);   /* 1: BOS in Llama vocabularies */
		sq[j] = seq;
	}
	struct eng_batch b = { .n = o->prompt, .token = tok, .seq = sq };
	if (!s)
		s = eng_step(c, &b);
	printf("generated:");
	for (int g = 0; g < o->generate && !s; g++) {
		int32_t next = eng_argmax(eng_logits(c, 0), cf->vocab_size);
		printf(" %d", next);
		b = (struct eng_batch){ .n = 1, .token = &next, .seq = &seq };
		s = eng_step(c, &b);
	}
	printf("\n");
	if (s)
		fprintf(stderr, "dais engine: %s\n", s == ENG_ENOMEM ? "out of memory" : eng_errmsg(c));
	free(tok);
	free(sq);
	return s;
}

/* A context for the model; prints the model and the engine, times them and generates. */
static int engine_run(const struct engine_opts *o, const eng_model *m)
{
	const struct eng_config *cf = eng_model_config(m);
	if (o->prompt + o->steps + o->generate > cf->seq_len) {
		fprintf(stderr, "dais engine: prompt + steps + generate exceed the context length %d\n", cf->seq_len);
		return DAIS_EXIT_USAGE;
	}
	int n_prompt = o->prompt * o->batch;
	struct eng_ctx_params p = { .n_threads = o->threads, .max_tokens = n_prompt > 256 ? n_prompt : 256,
	                            .max_seqs = o->batch, .max_logits = o->batch, .isa = o->isa,
	                            .backend = o->cuda ? ENG_BACKEND_CUDA : ENG_BACKEND_CPU };
	eng_ctx *c;
	char err[ENG_ERR_LEN];
	if (eng_ctx_alloc(&c, m, &p, err, sizeof err)) {
		fprintf(stderr, "dais engine: %s\n", err);
		return DAIS_EXIT_FAIL;
	}
	printf("model: dim %d, layers %d, heads %d/%d, hidden %d, vocab %d, seq %d, %s, %.1f MB of weights\n",
	       cf->dim, cf->n_layers, cf->n_heads, cf->n_kv_heads, cf->hidden_dim, cf->vocab_size, cf->seq_len,
	       eng_dtype_name(eng_model_dtype(m)), eng_config_weight_bytes(cf, eng_model_dtype(m)) / 1e6);
	printf("engine %s: %s kernels, %d threads, %s\n", ENG_VERSION, eng_isa_name(eng_ctx_isa(c)),
	       eng_ctx_threads(c), o->cuda ? "cuda" : "cpu");
	eng_status s = engine_time(o, c, m);
	if (!s && o->generate)
		s = engine_generate(o, c, m);
	eng_ctx_free(c);
	return s ? DAIS_EXIT_FAIL : DAIS_EXIT_OK;
}

int cmd_engine(int argc, char **argv)
{
	struct engine_opts o;
	int rc = engine_parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (o.bench)
		return bench(o.tlist, o.n_tlist, o.quick, o.reps);
	eng_model *m;
	if ((rc = engine_model(&o, &m)))
		return rc;
	rc = o.save_gguf || o.save_llama2c ? engine_save(&o, m) : engine_run(&o, m);
	eng_model_free(m);
	return rc;
}

/* ---------------------------------------------------------------- calibrate */

static const char calibrate_usage[] =
	"usage: dais calibrate [-o PROFILE.json] [--quick] [--threads N] [--shape NAME:CONFIG]... [--quiet]\n"
	"\n"
	"Measures prefill and decode step times of synthetic models on this machine,\n"
	"with a memory-bandwidth probe beside every timing and the peak FMA rate, fits\n"
	"the step-time model t = a + b bytes/BW + c flops/PEAK + d kv_tokens (GSL least\n"
	"squares) and writes a profile (docs/engine.md) with the measurements, the fit,\n"
	"its error, provenance and hardware classes derived by roofline scaling.\n"
	"\n"
	"options:\n"
	"  -o, --output PATH   profile to write (default data/calibration/<host>.json)\n"
	"  --quick             fewer points and shapes (a few minutes on two cores)\n"
	"  --threads N         threads per step (default: OpenMP's)\n"
	"  --shape NAME:CFG    measure this shape instead of the defaults (repeatable;\n"
	"                      CFG as in dais engine --synthetic)\n"
	"  -q, --quiet         no measurement lines and no progress line\n"
	"  -h, --help          this text\n";

#define MAX_SHAPES 8

struct calibrate_opts {
	const char *out;             /* -o PATH, or NULL: data/calibration/<host>.json */
	struct eng_calib_params p;
	struct eng_config shapes[MAX_SHAPES];
	char names[MAX_SHAPES][32];
	const char *name_ptr[MAX_SHAPES];
	int quiet;
};

/* --shape NAME:CONFIG into the next slot of o. */
static void calibrate_shape(struct cli *c, struct calibrate_opts *o, const char *v)
{
	const char *colon = strchr(v, ':');
	int k = o->p.n_shapes;
	char err[ENG_ERR_LEN];
	if (k == MAX_SHAPES || !colon || colon == v || colon - v >= (long)sizeof o->names[0]) {
		cli_fail(c, "--shape: expected NAME:CONFIG (at most %d), got '%s'", MAX_SHAPES, v);
		return;
	}
	o->shapes[k] = stories110m;
	if (eng_config_parse(colon + 1, &o->shapes[k], err, sizeof err) ||
	    eng_config_check(&o->shapes[k], ENG_Q4_0, err, sizeof err)) {
		cli_fail(c, "--shape: %s", err);
		return;
	}
	snprintf(o->names[k], sizeof o->names[k], "%.*s", (int)(colon - v), v);
	o->name_ptr[k] = o->names[k];
	o->p.n_shapes++;
}

/* Reads the command line into *o; -1 to go on, else the exit status. */
static int calibrate_parse(int argc, char **argv, struct calibrate_opts *o)
{
	*o = (struct calibrate_opts){ .p = { .log = stderr } };
	o->p.shapes = o->shapes;
	o->p.shape_names = o->name_ptr;
	struct cli c;
	cli_begin(&c, argc, argv, calibrate_usage);
	while (cli_next(&c)) {
		const char *shape = NULL;
		if (cli_str(&c, "--shape", NULL, &shape)) {
			if (shape)
				calibrate_shape(&c, o, shape);
		} else if (!cli_str(&c, "--output", "-o", &o->out) && !cli_flag(&c, "--quick", NULL, &o->p.quick) &&
		           !cli_flag(&c, "--quiet", "-q", &o->quiet) &&
		           !cli_intv(&c, "--threads", 1, MAX_THREADS, &o->p.n_threads)) {
			cli_unknown(&c);
		}
	}
	if (cli_end(&c, 1))
		return c.status;
	return -1;
}

/* Shapes and weight types measured, on the progress line. */
static void calibrate_progress(void *ctx, int done, int total)
{
	progress_set_total(ctx, total);
	if (done > 0)
		progress_add(ctx, 1);
}

int cmd_calibrate(int argc, char **argv)
{
	struct calibrate_opts o;
	int rc = calibrate_parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (!o.p.n_threads)
		o.p.n_threads = eng_default_threads();
	char out[1024], err[ENG_ERR_LEN];
	if (o.out) {
		snprintf(out, sizeof out, "%s", o.out);
	} else {
		char host[200] = "host";
		gethostname(host, sizeof host - 1);
		snprintf(out, sizeof out, "data/calibration/%s.json", host);
	}
	struct eng_calib_result r;
	struct progress pr;
	progress_begin(&pr, "calibrate", 0, o.quiet);
	o.p.log = o.quiet ? NULL : progress_stream(&pr, stderr);
	o.p.progress = calibrate_progress;
	o.p.progress_ctx = &pr;
	eng_status s = eng_calib_run(&o.p, &r, err, sizeof err);
	progress_end(&pr);
	if (s) {
		fprintf(stderr, "dais calibrate: %s\n", err);
		return DAIS_EXIT_FAIL;
	}
	s = eng_profile_write(out, &r, err, sizeof err);
	if (s)
		fprintf(stderr, "dais calibrate: %s\n", err);
	else
		fprintf(stderr, "fit: t = %.4g s + %.4g bytes/BW + %.4g flops/peak + %.4g s/token x kv_tokens; "
		        "relative rms error %.1f%% over %d points\nwrote %s\n", r.coef[0], r.coef[1], r.coef[2],
		        r.coef[3], 100 * r.rel_rms, r.n, out);
	eng_calib_result_release(&r);
	return s ? DAIS_EXIT_FAIL : DAIS_EXIT_OK;
}
