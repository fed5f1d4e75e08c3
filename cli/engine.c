/* engine.c — `dais engine` and `dais calibrate`: run and time a model file or a synthetic shape,
 * and the benchmark table behind `make bench-engine`. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/eng_calib.h"
#include "engine/eng_probe.h"
#include "engine/eng_profile.h"
#include "engine/engine.h"

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

static int parse_pos(const char *s, int *v)
{
	char *e;
	long x = strtol(s, &e, 10);
	if (*e || x <= 0 || x > 1 << 20)
		return -1;
	*v = (int)x;
	return 0;
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
		if (prefill ? eng_probe_prefill(c, n, 1, steps, &med, &best) : eng_probe_decode(c, n, ctx, steps, &med, &best))
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

int cmd_engine(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "synthetic", required_argument, 0, 'S' }, { "dtype", required_argument, 0, 'd' },
		{ "seed", required_argument, 0, 's' }, { "threads", required_argument, 0, 't' },
		{ "batch", required_argument, 0, 'b' }, { "prompt", required_argument, 0, 'p' },
		{ "steps", required_argument, 0, 'n' }, { "isa", required_argument, 0, 'i' },
		{ "cuda", no_argument, 0, 'c' }, { "save-gguf", required_argument, 0, 'g' },
		{ "save-llama2c", required_argument, 0, 'l' }, { "generate", required_argument, 0, 'G' },
		{ "bench", no_argument, 0, 'B' }, { "threads-list", required_argument, 0, 'T' },
		{ "quick", no_argument, 0, 'q' }, { "reps", required_argument, 0, 'r' }, { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	const char *synthetic = NULL, *save_gguf = NULL, *save_l2c = NULL;
	eng_dtype dtype = ENG_F32;
	int have_dtype = 0, threads = 0, batch = 1, prompt = 16, steps = 32, do_bench = 0, quick = 0, gen = 0;
	int tlist[8] = { 1, 2 }, n_tlist = 2, reps = 0;
	unsigned long long seed = 1;
	eng_isa isa = ENG_ISA_AUTO;
	eng_backend backend = ENG_BACKEND_CPU;
	int o;
	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'S': synthetic = optarg; break;
		case 'd':
			if (eng_dtype_parse(optarg, &dtype)) {
				fprintf(stderr, "dais engine: --dtype: expected f32, f16, q8_0 or q4_0, got '%s'\n", optarg);
				return 2;
			}
			have_dtype = 1;
			break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 't': if (parse_pos(optarg, &threads)) goto bad_num; break;
		case 'b': if (parse_pos(optarg, &batch) || batch > 256) goto bad_num; break;
		case 'p': if (parse_pos(optarg, &prompt)) goto bad_num; break;
		case 'n': if (parse_pos(optarg, &steps) || steps > 256) goto bad_num; break;
		case 'G': if (parse_pos(optarg, &gen)) goto bad_num; break;
		case 'i':
			if (parse_isa(optarg, &isa)) {
				fprintf(stderr, "dais engine: --isa: expected auto, scalar, avx2 or avx512, got '%s'\n", optarg);
				return 2;
			}
			break;
		case 'c': backend = ENG_BACKEND_CUDA; break;
		case 'g': save_gguf = optarg; break;
		case 'l': save_l2c = optarg; break;
		case 'B': do_bench = 1; break;
		case 'q': quick = 1; break;
		case 'r': if (parse_pos(optarg, &reps) || reps > 64) goto bad_num; break;
		case 'T': {
			n_tlist = 0;
			for (char *p = optarg; *p && n_tlist < 8;) {
				char *e;
				long v = strtol(p, &e, 10);
				if (e == p || v <= 0 || v > 1024) {
					fprintf(stderr, "dais engine: --threads-list: expected numbers like 1,2\n");
					return 2;
				}
				tlist[n_tlist++] = (int)v;
				p = *e == ',' ? e + 1 : e;
			}
			break;
		}
		case 'h': fputs(engine_usage, stdout); return 0;
		default:
			fprintf(stderr, "dais engine: unknown or incomplete option '%s'\n%s", argv[optind - 1], engine_usage);
			return 2;
		}
	}
	if (do_bench)
		return bench(tlist, n_tlist, quick, reps);
	const char *path = optind < argc ? argv[optind] : NULL;
	if (!!path == !!synthetic || optind + (path != NULL) < argc) {
		fprintf(stderr, "dais engine: give one model file or --synthetic CONFIG\n%s", engine_usage);
		return 2;
	}
	char err[ENG_ERR_LEN];
	eng_model *m;
	eng_status s;
	if (synthetic) {
		struct eng_config cf = stories110m;
		if (eng_config_parse(synthetic, &cf, err, sizeof err) || eng_config_check(&cf, dtype, err, sizeof err)) {
			fprintf(stderr, "dais engine: --synthetic: %s\n", err);
			return 2;
		}
		s = eng_model_synthetic(&m, &cf, dtype, seed, err, sizeof err);
	} else {
		struct eng_load_params lp = { .convert = have_dtype, .dtype = dtype };
		s = eng_model_load(&m, path, &lp, err, sizeof err);
	}
	if (s) {
		fprintf(stderr, "dais engine: %s\n", err);
		return s == ENG_EINVAL || s == ENG_EFORMAT ? 2 : 1;   /* bad input */
	}
	if (save_gguf || save_l2c) {
		s = save_gguf ? eng_model_save_gguf(m, save_gguf, err, sizeof err)
		              : eng_model_save_llama2c(m, save_l2c, err, sizeof err);
		if (s)
			fprintf(stderr, "dais engine: %s\n", err);
		eng_model_free(m);
		return s ? 1 : 0;
	}
	const struct eng_config *cf = eng_model_config(m);
	if (prompt + steps + gen > cf->seq_len) {
		fprintf(stderr, "dais engine: prompt + steps + generate exceed the context length %d\n", cf->seq_len);
		eng_model_free(m);
		return 2;
	}
	struct eng_ctx_params p = { .n_threads = threads, .max_tokens = prompt * batch > 256 ? prompt * batch : 256,
	                            .max_seqs = batch, .max_logits = batch, .isa = isa, .backend = backend };
	eng_ctx *c;
	if ((s = eng_ctx_alloc(&c, m, &p, err, sizeof err))) {
		fprintf(stderr, "dais engine: %s\n", err);
		eng_model_free(m);
		return 1;
	}
	printf("model: dim %d, layers %d, heads %d/%d, hidden %d, vocab %d, seq %d, %s, %.1f MB of weights\n",
	       cf->dim, cf->n_layers, cf->n_heads, cf->n_kv_heads, cf->hidden_dim, cf->vocab_size, cf->seq_len,
	       eng_dtype_name(eng_model_dtype(m)), eng_config_weight_bytes(cf, eng_model_dtype(m)) / 1e6);
	printf("engine %s: %s kernels, %d threads, %s\n", ENG_VERSION, eng_isa_name(eng_ctx_isa(c)),
	       eng_ctx_threads(c), backend == ENG_BACKEND_CUDA ? "cuda" : "cpu");
	double t_pre, t_dec;
	if ((s = eng_probe_prefill(c, prompt, batch, 3, &t_pre, NULL)) ||
	    (s = eng_probe_decode(c, batch, prompt, steps, &t_dec, NULL))) {
		fprintf(stderr, "dais engine: %s\n", eng_errmsg(c));
	} else {
		struct eng_probe_work w = eng_probe_step_work(cf, eng_model_dtype(m), 0, 0, batch, prompt);
		printf("prefill: %d x %d tokens in %.3f ms, %.1f tokens/s\n", batch, prompt, t_pre * 1e3,
		       prompt * batch / t_pre);
		printf("decode:  batch %d at context %d: %.3f ms/step, %.1f tokens/s, %.1f GB/s of weights and KV\n",
		       batch, prompt, t_dec * 1e3, batch / t_dec, w.bytes / t_dec / 1e9);
	}
	if (!s && gen) {
		int seq;
		int32_t *tok = malloc(sizeof(int32_t) * (size_t)prompt), *sq = malloc(sizeof(int32_t) * (size_t)prompt);
		s = tok && sq ? eng_seq_open(c, &seq) : ENG_ENOMEM;
		for (int j = 0; j < prompt && !s; j++) {
			tok[j] = j == 0 ? 1 : (int32_t)((j * 31) % cf->vocab_size);   /* 1: BOS in Llama vocabularies */
			sq[j] = seq;
		}
		struct eng_batch b = { .n = prompt, .token = tok, .seq = sq };
		if (!s)
			s = eng_step(c, &b);
		printf("generated:");
		for (int g = 0; g < gen && !s; g++) {
			int32_t next = eng_argmax(eng_logits(c, 0), cf->vocab_size);
			printf(" %d", next);
			b = (struct eng_batch){ .n = 1, .token = &next, .seq = &seq };
			s = eng_step(c, &b);
		}
		printf("\n");
		if (s)
			fprintf(stderr, "dais engine: %s\n", eng_errmsg(c));
		free(tok);
		free(sq);
	}
	eng_ctx_free(c);
	eng_model_free(m);
	return s ? 1 : 0;
bad_num:
	fprintf(stderr, "dais engine: %s: expected a positive integer in range, got '%s'\n", argv[optind - 1], optarg);
	return 2;
}

/* ---------------------------------------------------------------- calibrate */

static const char calibrate_usage[] =
	"usage: dais calibrate [-o PROFILE.json] [--quick] [--threads N] [--shape NAME:CONFIG]...\n"
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
	"  -h, --help          this text\n";

int cmd_calibrate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, 0, 'o' }, { "quick", no_argument, 0, 'q' },
		{ "threads", required_argument, 0, 't' }, { "shape", required_argument, 0, 's' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 }
	};
	char out[1024] = "", err[ENG_ERR_LEN];
	struct eng_calib_params p = { .log = stderr };
	struct eng_config shapes[8];
	char names[8][32];
	const char *name_ptr[8];
	int o;
	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (o) {
		case 'o': snprintf(out, sizeof out, "%s", optarg); break;
		case 'q': p.quick = 1; break;
		case 't':
			if (parse_pos(optarg, &p.n_threads)) {
				fprintf(stderr, "dais calibrate: --threads: expected a positive integer, got '%s'\n", optarg);
				return 2;
			}
			break;
		case 's': {
			const char *colon = strchr(optarg, ':');
			if (p.n_shapes == 8 || !colon || colon == optarg || colon - optarg >= 32) {
				fprintf(stderr, "dais calibrate: --shape: expected NAME:CONFIG (at most 8), got '%s'\n", optarg);
				return 2;
			}
			shapes[p.n_shapes] = stories110m;
			if (eng_config_parse(colon + 1, &shapes[p.n_shapes], err, sizeof err) ||
			    eng_config_check(&shapes[p.n_shapes], ENG_Q4_0, err, sizeof err)) {
				fprintf(stderr, "dais calibrate: --shape: %s\n", err);
				return 2;
			}
			snprintf(names[p.n_shapes], sizeof names[0], "%.*s", (int)(colon - optarg), optarg);
			name_ptr[p.n_shapes] = names[p.n_shapes];
			p.n_shapes++;
			break;
		}
		case 'h': fputs(calibrate_usage, stdout); return 0;
		default:
			fprintf(stderr, "dais calibrate: unknown or incomplete option '%s'\n%s", argv[optind - 1], calibrate_usage);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dais calibrate: unexpected argument '%s'\n%s", argv[optind], calibrate_usage);
		return 2;
	}
	p.shapes = shapes;
	p.shape_names = name_ptr;
	if (!p.n_threads)
		p.n_threads = eng_default_threads();
	if (!out[0]) {
		char host[200] = "host";
		gethostname(host, sizeof host - 1);
		snprintf(out, sizeof out, "data/calibration/%s.json", host);
	}
	struct eng_calib_result r;
	eng_status s = eng_calib_run(&p, &r, err, sizeof err);
	if (s) {
		fprintf(stderr, "dais calibrate: %s\n", err);
		return 1;
	}
	s = eng_profile_write(out, &r, err, sizeof err);
	if (s)
		fprintf(stderr, "dais calibrate: %s\n", err);
	else
		fprintf(stderr, "fit: t = %.4g s + %.4g bytes/BW + %.4g flops/peak + %.4g s/token x kv_tokens; "
		        "relative rms error %.1f%% over %d points\nwrote %s\n", r.coef[0], r.coef[1], r.coef[2], r.coef[3],
		        100 * r.rel_rms, r.n, out);
	eng_calib_result_release(&r);
	return s ? 1 : 0;
}
