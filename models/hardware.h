/* hardware.h — heterogeneous node classes and what each can serve.
 *
 *     struct hw_table t;
 *     if (hw_load(&t, "data/hardware/classes.csv", &d) != SIM_OK) ...
 *     const struct hw_class *h = &t.cls[i];
 *     if (hw_fits(h, &model))                               // weights + one context fit
 *         tps = hw_throughput(h, &model, &hp);              // tokens/s, roofline estimate
 *     price = hw_price(h, &hp, t_year);                     // USD, falls with FLOP/$ trend
 *
 * About throughput ("roofline estimate"): a decode step of a batch of b sequences
 * with mean context c reads the active weights once and the KV cache of every
 * sequence, and does 2 x active-params FLOP per token:
 *     bytes(b) = W_active + b c kv,   flops(b) = 2 N_active b,
 *     t_step   = max(bytes / BW, flops / F) / eta,   tokens/s = b / t_step.
 * b is the largest batch whose KV fits beside the weights (memory x usable
 * fraction), capped at batch_max.  eta (efficiency) is the achieved fraction of
 * the roofline, checked against the vLLM H100 measurements in
 * data/hardware/README (reference/data/llm_inference_throughput_h100.csv).
 * With b = 1, c = 0 and eta = 1 the rate is BW / W_active exactly.
 *
 * A model fits a class when W_total + c kv <= memory x usable fraction.
 * Vertical scaling: a class exists from its availability date; its price falls so
 * that FLOP/s per USD doubles every price_halving_years (Epoch: 2.46 yr, all GPUs).
 */
#ifndef DAIS_HARDWARE_H
#define DAIS_HARDWARE_H

#include "demand.h"
#include "sim/scn.h"
#include "sim/status.h"

#define HW_MAX_CLASSES 16
#define HW_NAME_LEN    32

struct hw_class {
	char name[HW_NAME_LEN];
	char kind[HW_NAME_LEN];        /* laptop, gaming_gpu, datacenter_gpu, datacenter_server */
	int gpus;                      /* accelerators per node */
	double memory_gb;              /* GB (1e9 B), per node */
	double bandwidth_gbs;          /* GB/s, per node */
	double tflops;                 /* 1e12 FLOP/s, dense BF16/FP16, per node */
	double power_w;                /* W, per node, at load, host included */
	double price_usd;              /* USD, per node, at availability */
	double available_year;         /* fractional calendar year */
	int tee;                       /* 1 when the class supports confidential compute */
	double mem_usable_frac;        /* fraction of memory usable for weights + KV */
	double lifetime_years;         /* economic life, yr */
	double electricity_usd_per_kwh;/* USD/kWh paid by operators of this class */
	double lag_days;               /* provisioning: order to operation, days */
	double shipments_per_day;      /* world units shipped per day while on sale */
};

struct hw_table {
	int n;
	struct hw_class cls[HW_MAX_CLASSES];
	char source[512];              /* the CSV's "# source:" line */
};

struct hw_params {
	char classes_csv[256];         /* path under data/ */
	double efficiency;             /* eta, achieved fraction of the roofline */
	double batch_max;              /* sequences per step, cap (vLLM max-num-seqs 256) */
	double price_halving_years;    /* yr; 0 keeps prices fixed */
	double tp_efficiency;          /* per-node scaling efficiency for gpus > 1 */
	char capacity_csv[256];        /* optional measured capacity table; "" = roofline only */
	double prompt_output_ratio;    /* input / output tokens of a request (LMSYS-Chat-1M) */
	double shipments_growth;       /* world accelerator unit shipments, growth per year */
};

void hw_defaults(struct hw_params *p);
sim_status hw_check(const struct hw_params *p, const char *where, sim_diag *d) SIM_MUST_CHECK;
/* Copies $.hardware and loads the class table it names. */
sim_status hw_parse(struct hw_params *p, struct hw_table *t, const scn *s, sim_diag *d)
	SIM_MUST_CHECK;

/* Reads and checks a class table (every row; all problems reported). */
sim_status hw_load(struct hw_table *t, const char *path, sim_diag *d) SIM_MUST_CHECK;
/* Checks one class (used by hw_load and by tests on classes built in code). */
sim_status hw_class_check(const struct hw_class *c, const char *where, sim_diag *d)
	SIM_MUST_CHECK;

/* Index of a class by name, or -1. */
int hw_find(const struct hw_table *t, const char *name);

/* Bytes of weights held in memory / read per decode step. */
double hw_weight_bytes(const struct dem_model *m);
double hw_active_bytes(const struct dem_model *m);

/* 1 when the weights and one full context fit in usable memory. */
int hw_fits(const struct hw_class *c, const struct dem_model *m);

/* Largest batch whose KV fits (>= 1 when the model fits, else 0), capped. */
double hw_max_batch(const struct hw_class *c, const struct dem_model *m, double batch_cap);

/* Roofline decode rate at batch b and mean context ctx, tokens/s, for
 * efficiency eta (no fit check). */
double hw_roofline_tps(const struct hw_class *c, const struct dem_model *m, double b,
                       double ctx, double eta);

/* Sustained tokens/s of one node of class c on model m at the largest batch
 * (0 when it does not fit). */
double hw_throughput(const struct hw_class *c, const struct dem_model *m,
                     const struct hw_params *p);

/* One kind of token everywhere: demand, capacity, served tokens and stacks
 * count input plus output tokens.  A decode rate (output tokens/s, as the
 * roofline gives it) serves (1 + prompt_output_ratio) tokens/s of them; the
 * prefill of the prompt, compute-bound and batched, is not charged separately.
 *
 * About the capacity table: a CSV with columns class, model, tokens_per_s (a
 * "# source:" line first, as every data table) giving the sustained output
 * rate of one node of a class on a model size class (names as in the class
 * table and in $.demand.models), e.g. from the serving model at a latency
 * objective; with a column input_tokens_per_s the pair serves the sum, else
 * (or where that cell is empty) tokens_per_s x (1 + prompt_output_ratio).  Each row replaces the roofline estimate of its pair in
 * tps (n_classes x DEM_MAX_MODELS) and sets measured[h][m] = 1; pairs without a
 * row keep the roofline.  Unknown names and bad numbers are reported with
 * file:line; a model that does not fit its class must have 0 tokens/s. */
sim_status hw_capacity_load(const struct hw_table *t, const struct dem_params *dp,
                            const struct hw_params *hp, const char *path,
                            double tps[][DEM_MAX_MODELS], int measured[][DEM_MAX_MODELS],
                            sim_diag *d) SIM_MUST_CHECK;

/* 1 when the class can be bought at calendar year y. */
int hw_available(const struct hw_class *c, double year);

/* Purchase price of one node at calendar year y, USD. */
double hw_price(const struct hw_class *c, const struct hw_params *p, double year);

/* Operating cost of one node, USD/day: energy at full load. */
double hw_energy_usd_per_day(const struct hw_class *c);

#endif
