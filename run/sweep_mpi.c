/* sweep_mpi.c — distributed sweeps: rank 0 hands out (point, replication)
 * tasks and writes the results.  The real driver is compiled only when
 * DAIS_MPI is defined (`make MPI=1` builds build/dais-mpi with mpicc); the
 * default build gets the stubs at the top.
 *
 * About the design: tasks are (point, replication) pairs in point order.
 * Rank 0 keeps a short queue of them ready and answers each worker's request
 * with the next one (dynamic load balancing: a fast worker simply asks more
 * often).  Every rank computes, rank 0 included: its main thread does the
 * MPI traffic and all HDF5 writing, a second thread computes tasks from the
 * same queue.  A worker sends back the replication's recorder packed with
 * run_rec_pack; rank 0 hands it to the point's run_out (run.h), which saves
 * it to point_NNNN.h5.parts/ at once and writes the point file in index
 * order when complete.  A replication's numbers depend only on the seed and
 * its index, so the files equal those of `dais sweep` without MPI, whatever
 * the number of ranks; a killed job resumes with --resume like any sweep.
 * Idle waits poll with short sleeps instead of spinning in MPI calls, so
 * rank 0's coordinator does not steal a core from its compute thread.
 * Results are written to one file per point (no parallel HDF5): rank 0 alone
 * touches HDF5, and the output directory must be on a file system every rank
 * can read for the sweep and scenario files (they are read by every rank).
 */
#include "sweep_mpi.h"

#ifndef DAIS_MPI

void sweep_mpi_init(int *argc, char ***argv, int *rank, int *size)
{
	(void)argc;
	(void)argv;
	*rank = 0;
	*size = 1;
}

void sweep_mpi_finalize(void) {}

int sweep_mpi_built(void) { return 0; }

sim_status sweep_mpi_run(const sweep *w, const struct sweep_opts *o, int *status, sim_diag *d)
{
	(void)w;
	(void)o;
	(void)status;
	diag_add(d, "this dais was built without MPI (make MPI=1 builds build/dais-mpi)");
	return SIM_ENOTSUP;
}

#else /* DAIS_MPI */

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mpi.h>

#include "sim/file.h"
#include "sim/model.h"
#include "sim/progress.h"
#include "sim/rec.h"
#include "run.h"
#include "sim/sim.h"

enum { TAG_RESULT = 1, TAG_TASK = 2, TAG_STOP = 3 };

static int mpi_on;

void sweep_mpi_init(int *argc, char ***argv, int *rank, int *size)
{
	int inited = 0;
	MPI_Initialized(&inited);
	if (!inited) {
		int prov;
		MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &prov);
		mpi_on = 1;
	}
	MPI_Comm_rank(MPI_COMM_WORLD, rank);
	MPI_Comm_size(MPI_COMM_WORLD, size);
}

void sweep_mpi_finalize(void)
{
	if (mpi_on) {
		MPI_Finalize();
		mpi_on = 0;
	}
}

int sweep_mpi_built(void) { return 1; }

static void nap(void)
{
	struct timespec ts = { 0, 100000 }; /* 0.1 ms */
	nanosleep(&ts, NULL);
}

/* Waits for a request without spinning. */
static void wait_req(MPI_Request *r, MPI_Status *st)
{
	int done = 0;
	for (;;) {
		MPI_Test(r, &done, st);
		if (done)
			return;
		nap();
	}
}

/* ------------------------------------------------------------ computing */

/* The model parameters of one point, kept while tasks of that point come. */
struct pcache {
	int point;
	const struct model_type *mt;
	void *params;
	uint64_t seed;
};

static void pcache_drop(struct pcache *c)
{
	if (c->params) {
		if (c->mt->release)
			c->mt->release(c->params);
		free(c->params);
	}
	c->params = NULL;
	c->point = -1;
}

/* Runs one replication; *r is the recorder (NULL on failure, messages in d). */
static sim_status compute(const sweep *w, struct pcache *c, int point, int rep, rec **r,
                          sim_diag *d)
{
	*r = NULL;
	if (c->point != point) {
		pcache_drop(c);
		scn *s = sweep_point_scn(w, point, d);
		if (!s)
			return SIM_EINVAL;
		c->mt = model_type_find(sweep_models(w), scn_str(s, "model"));
		c->seed = (uint64_t)scn_int(s, "seed");
		if (!c->mt) {
			scn_free(s);
			return SIM_EINVAL;
		}
		c->params = calloc(1, c->mt->params_size ? c->mt->params_size : 1);
		sim_status st = c->params ? c->mt->parse(c->params, s, d) : SIM_ENOMEM;
		scn_free(s);
		if (st != SIM_OK) {
			pcache_drop(c);
			return st;
		}
		c->point = point;
	}
	struct model_ctx ctx = { .seed = c->seed, .rep = rep };
	rec *out = rec_alloc("s");
	sim_status st = out ? c->mt->run(c->params, &ctx, out, d) : SIM_ENOMEM;
	if (st == SIM_OK && !rec_ok(out))
		st = SIM_ENOMEM;
	if (st != SIM_OK) {
		rec_free(out);
		return st;
	}
	*r = out;
	return SIM_OK;
}

/* A result message: int32 point, rep, status, message length; the message;
 * the packed recorder. */
static unsigned char *pack_result(int point, int rep, sim_status st, const sim_diag *d,
                                  const rec *r, size_t *len)
{
	char msg[2048] = "";
	size_t ml = 0;
	for (int i = 0; d && i < d->n && ml + 2 < sizeof msg; i++)
		ml += (size_t)snprintf(msg + ml, sizeof msg - ml, "%s%s", i ? "\n" : "", d->msg[i]);
	if (ml >= sizeof msg)
		ml = sizeof msg - 1;
	unsigned char *rb = NULL;
	size_t rn = 0;
	if (r && run_rec_pack(r, &rb, &rn) != SIM_OK) {
		st = SIM_ENOMEM;
		rn = 0;
	}
	int32_t h[4] = { point, rep, (int32_t)st, (int32_t)ml };
	*len = sizeof h + ml + rn;
	unsigned char *b = malloc(*len);
	if (b) {
		memcpy(b, h, sizeof h);
		memcpy(b + sizeof h, msg, ml);
		if (rn)
			memcpy(b + sizeof h + ml, rb, rn);
	}
	free(rb);
	return b;
}

/* ------------------------------------------------------------- workers */

static sim_status worker(const sweep *w)
{
	struct pcache c = { .point = -1 };
	int32_t req[4] = { -1, -1, 0, 0 };
	unsigned char *out = (unsigned char *)req;
	size_t outlen = sizeof req;
	int own = 0;
	for (;;) {
		MPI_Request rq;
		MPI_Status ms;
		MPI_Isend(out, (int)outlen, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD, &rq);
		wait_req(&rq, &ms);
		if (own)
			free(out);
		int task[2];
		/* the answer is a task or a stop */
		int flag = 0;
		for (;;) {
			MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &ms);
			if (flag)
				break;
			nap();
		}
		MPI_Recv(task, 2, MPI_INT, 0, ms.MPI_TAG, MPI_COMM_WORLD, &ms);
		if (ms.MPI_TAG == TAG_STOP)
			break;
		sim_diag d;
		diag_init(&d);
		rec *r = NULL;
		sim_status st = compute(w, &c, task[0], task[1], &r, &d);
		out = pack_result(task[0], task[1], st, &d, r, &outlen);
		rec_free(r);
		diag_release(&d);
		own = 1;
		if (!out) { /* cannot even say so: report the failure bare */
			static int32_t fail[4];
			fail[0] = task[0];
			fail[1] = task[1];
			fail[2] = SIM_ENOMEM;
			out = (unsigned char *)fail;
			outlen = sizeof fail;
			own = 0;
		}
	}
	pcache_drop(&c);
	return SIM_OK;
}

/* ---------------------------------------------------------------- rank 0 */

struct task {
	int point, rep;
};

struct result {
	int point, rep;
	sim_status st;
	char *msg;
	rec *r;
	struct result *next;
};

/* One point in progress on rank 0. */
struct point {
	scn *s;
	run_out *out;
	int left;        /* replications not yet back */
	int failed;
};

struct coord {
	const sweep *w;
	const struct sweep_opts *o;
	int *status;
	sim_diag *d;
	int size;
	sim_status st;
	struct point *pts;     /* (npoints,) */
	int gen_point, gen_rep;/* next task to generate */
	int nopen;
	/* shared with the compute thread */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct task *q;        /* ring of ready tasks */
	int qcap, qhead, qlen;
	int closed;            /* no more tasks will come */
	struct result *res, **res_tail;
	int local_done;
	int outstanding;       /* tasks handed out, results not back */
	int interrupted;       /* a rank reported SIGINT/SIGTERM */
	struct progress pr;    /* replications done of all the points' */
};

static void finish_point(struct coord *c, int p)
{
	struct point *pt = &c->pts[p];
	if (pt->failed) {
		c->status[p] = SWEEP_FAILED;
	} else if (run_out_commit(pt->out, c->d) == SIM_OK) {
		c->status[p] = SWEEP_DONE;
	} else {
		c->status[p] = SWEEP_FAILED;
		if (c->st == SIM_OK)
			c->st = SIM_EIO;
	}
	run_out_free(pt->out);
	scn_free(pt->s);
	pt->out = NULL;
	pt->s = NULL;
	c->nopen--;
	progress_clear(&c->pr); /* the line is redrawn by the next replication */
	if (!c->o->quiet) {
		char fn[32];
		sweep_point_file(p, fn, sizeof fn);
		fprintf(stderr, "[%d/%d] %s: %s\n", p + 1, sweep_npoints(c->w), fn,
		        c->status[p] == SWEEP_DONE ? "done" : "failed");
	}
	if (c->status[p] == SWEEP_DONE) {
		sim_status ist = sweep_write_index(c->w, c->o->dir, c->status, c->d);
		if (ist != SIM_OK && c->st == SIM_OK)
			c->st = ist; /* SIM_EINVAL: an output the runs do not have */
	}
}

/* Opens point p: kept when done already, else its run_out.  Returns the
 * number of replications it still needs (0: nothing to hand out). */
static int open_point(struct coord *c, int p)
{
	char fn[32], path[PATH_MAX];
	sweep_point_file(p, fn, sizeof fn);
	snprintf(path, sizeof path, "%s/%s", c->o->dir, fn);
	struct point *pt = &c->pts[p];
	pt->s = sweep_point_scn(c->w, p, c->d);
	if (!pt->s) {
		c->status[p] = SWEEP_FAILED;
		return 0;
	}
	enum run_file have = c->o->resume ? run_file_check(path, pt->s) : RUN_FILE_NONE;
	if (have == RUN_FILE_DONE) {
		run_out_tidy(path);
		progress_skip(&c->pr, scn_int(pt->s, "replications"));
		c->status[p] = SWEEP_DONE;
		scn_free(pt->s);
		pt->s = NULL;
		return 0;
	}
	if (c->o->resume && have != RUN_FILE_DAMAGED && access(path, F_OK) == 0) {
		diag_add(c->d, "%s: holds the results of another scenario (not point %d of %s); "
		               "remove it or use another output directory", path, p, sweep_name(c->w));
		c->st = SIM_EINVAL;
		scn_free(pt->s);
		pt->s = NULL;
		return 0;
	}
	sim_status st = run_out_open(pt->s, path, c->o->resume, c->size, c->o->keep, &pt->out,
	                             c->d);
	if (st != SIM_OK) {
		if (c->st == SIM_OK)
			c->st = st;
		scn_free(pt->s);
		pt->s = NULL;
		return 0;
	}
	c->nopen++;
	progress_skip(&c->pr, run_out_nsaved(pt->out));
	pt->left = run_out_nrep(pt->out) - run_out_nsaved(pt->out);
	if (pt->left == 0)
		finish_point(c, p);
	return pt->left;
}

/* Keeps about 2 tasks per rank ready; called with the lock held. */
static void refill(struct coord *c)
{
	int np = sweep_npoints(c->w);
	while (!c->closed && c->qlen < 2 * c->size) {
		if (c->st != SIM_OK || sim_interrupted || c->interrupted || c->gen_point >= np) {
			c->closed = 1;
			break;
		}
		struct point *pt = &c->pts[c->gen_point];
		if (c->gen_rep == 0 && !pt->out) {
			if (open_point(c, c->gen_point) == 0) {
				c->gen_point++;
				continue;
			}
		}
		int nrep = run_out_nrep(pt->out);
		while (c->gen_rep < nrep && run_out_saved(pt->out, c->gen_rep))
			c->gen_rep++;
		if (c->gen_rep >= nrep) {
			c->gen_point++;
			c->gen_rep = 0;
			continue;
		}
		c->q[(c->qhead + c->qlen) % c->qcap] = (struct task){ c->gen_point, c->gen_rep };
		c->qlen++;
		c->gen_rep++;
	}
	pthread_cond_broadcast(&c->cond);
}

/* Pops a task; 0 when there is none (with the lock held). */
static int pop(struct coord *c, struct task *t)
{
	if (c->qlen == 0)
		return 0;
	*t = c->q[c->qhead];
	c->qhead = (c->qhead + 1) % c->qcap;
	c->qlen--;
	c->outstanding++;
	return 1;
}

static void deliver(struct coord *c, int p, int rep, sim_status st, const char *msg, rec *r)
{
	c->outstanding--;
	if (st != SIM_EINTR)
		progress_add(&c->pr, 1);
	struct point *pt = &c->pts[p];
	if (msg && *msg) {
		char fn[32];
		sweep_point_file(p, fn, sizeof fn);
		const char *m = msg;
		while (*m) {
			const char *e = strchr(m, '\n');
			int n = e ? (int)(e - m) : (int)strlen(m);
			diag_add(c->d, "%s: %.*s", fn, n, m);
			m += n + (e ? 1 : 0);
		}
	}
	if (!pt->out) { /* a point that failed to open */
		rec_free(r);
		return;
	}
	if (st != SIM_OK) {
		rec_free(r);
		if (st == SIM_EINTR) { /* stays pending; its saved replications are kept */
			c->interrupted = 1;
			return;
		}
		pt->failed = 1;
		if (st == SIM_ENOMEM || st == SIM_EIO)
			c->st = st;
	} else if (run_out_put(pt->out, rep, r, c->d) != SIM_OK) {
		pt->failed = 1;
		c->st = SIM_EIO;
	}
	if (--pt->left == 0)
		finish_point(c, p);
}

static void *local_worker(void *arg)
{
	struct coord *c = arg;
	struct pcache pc = { .point = -1 };
	for (;;) {
		struct task t;
		int got;
		pthread_mutex_lock(&c->lock);
		while (!(got = pop(c, &t)) && !c->closed)
			pthread_cond_wait(&c->cond, &c->lock);
		pthread_mutex_unlock(&c->lock);
		if (!got)
			break;
		struct result *res = calloc(1, sizeof *res);
		sim_diag d;
		diag_init(&d);
		rec *r = NULL;
		sim_status st = compute(c->w, &pc, t.point, t.rep, &r, &d);
		if (res) {
			res->point = t.point;
			res->rep = t.rep;
			res->st = st;
			res->r = r;
			size_t ml = 0;
			for (int i = 0; i < d.n; i++)
				ml += strlen(d.msg[i]) + 1;
			res->msg = calloc(ml + 1, 1);
			for (int i = 0; res->msg && i < d.n; i++) {
				strcat(res->msg, d.msg[i]);
				strcat(res->msg, "\n");
			}
		} else {
			rec_free(r);
		}
		diag_release(&d);
		pthread_mutex_lock(&c->lock);
		if (res) {
			*c->res_tail = res;
			c->res_tail = &res->next;
		}
		pthread_mutex_unlock(&c->lock);
	}
	pcache_drop(&pc);
	pthread_mutex_lock(&c->lock);
	c->local_done = 1;
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static sim_status coordinator(const sweep *w, const struct sweep_opts *o, int size, int *status,
                              sim_diag *d)
{
	int np = sweep_npoints(w);
	struct coord c = { .w = w, .o = o, .status = status, .d = d, .size = size };
	c.pts = calloc((size_t)np, sizeof *c.pts);
	c.qcap = 2 * size + 1;
	c.q = calloc((size_t)c.qcap, sizeof *c.q);
	c.res_tail = &c.res;
	if (!c.pts || !c.q) {
		free(c.pts);
		free(c.q);
		return SIM_ENOMEM;
	}
	progress_begin_tty(&c.pr, "sweep", np, o->quiet);
	if (c.pr.out) /* in replications, which only the points' scenarios know */
		progress_set_total(&c.pr, sweep_count_replications(w));
	pthread_mutex_init(&c.lock, NULL);
	pthread_cond_init(&c.cond, NULL);
	pthread_mutex_lock(&c.lock);
	refill(&c);
	pthread_mutex_unlock(&c.lock);
	pthread_t th;
	int have_thread = pthread_create(&th, NULL, local_worker, &c) == 0;
	if (!have_thread)
		c.local_done = 1;
	int stopped = 0;
	unsigned char *buf = NULL;
	size_t bufcap = 0;
	for (;;) {
		int busy = 0;
		/* remote results and requests */
		int flag = 0;
		MPI_Status ms;
		MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &flag, &ms);
		if (flag) {
			busy = 1;
			int n = 0;
			MPI_Get_count(&ms, MPI_BYTE, &n);
			if ((size_t)n > bufcap) {
				free(buf);
				bufcap = (size_t)n * 2;
				buf = malloc(bufcap);
				if (!buf)
					MPI_Abort(MPI_COMM_WORLD, 1);
			}
			MPI_Recv(buf, n, MPI_BYTE, ms.MPI_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &ms);
			int32_t h[4] = { -1, -1, 0, 0 };
			if ((size_t)n >= sizeof h)
				memcpy(h, buf, sizeof h);
			pthread_mutex_lock(&c.lock);
			if (h[0] >= 0 && h[0] < np && h[3] >= 0 && (size_t)h[3] <= n - sizeof h) {
				char *msg = strndup((char *)buf + sizeof h, (size_t)h[3]);
				size_t off = sizeof h + (size_t)h[3];
				rec *r = h[2] == SIM_OK ? run_rec_unpack(buf + off, (size_t)n - off) : NULL;
				sim_status st = (sim_status)h[2];
				if (st == SIM_OK && !r)
					st = SIM_EINTERNAL;
				deliver(&c, h[0], h[1], st, msg, r);
				free(msg);
			}
			refill(&c);
			struct task t;
			if (pop(&c, &t)) {
				int tk[2] = { t.point, t.rep };
				MPI_Send(tk, 2, MPI_INT, ms.MPI_SOURCE, TAG_TASK, MPI_COMM_WORLD);
			} else {
				int tk[2] = { -1, -1 };
				MPI_Send(tk, 2, MPI_INT, ms.MPI_SOURCE, TAG_STOP, MPI_COMM_WORLD);
				stopped++;
			}
			pthread_mutex_unlock(&c.lock);
		}
		/* local results */
		pthread_mutex_lock(&c.lock);
		struct result *r = c.res;
		c.res = NULL;
		c.res_tail = &c.res;
		pthread_mutex_unlock(&c.lock);
		while (r) {
			busy = 1;
			struct result *next = r->next;
			pthread_mutex_lock(&c.lock);
			deliver(&c, r->point, r->rep, r->st, r->msg, r->r);
			refill(&c);
			pthread_mutex_unlock(&c.lock);
			free(r->msg);
			free(r);
			r = next;
		}
		pthread_mutex_lock(&c.lock);
		if (sim_interrupted || c.interrupted || c.st != SIM_OK) {
			c.closed = 1;
			c.qlen = 0; /* drop what was not handed out */
			pthread_cond_broadcast(&c.cond);
		}
		int finished = stopped == size - 1 && c.local_done && c.outstanding == 0 && !c.res;
		pthread_mutex_unlock(&c.lock);
		if (finished)
			break;
		if (!busy)
			nap();
	}
	if (have_thread)
		pthread_join(th, NULL);
	progress_end(&c.pr);
	free(buf);
	/* points left open (interrupt, error): their parts stay for --resume */
	for (int p = 0; p < np; p++) {
		run_out_free(c.pts[p].out);
		scn_free(c.pts[p].s);
	}
	sim_status st = c.st;
	if (st == SIM_OK && (sim_interrupted || c.interrupted))
		st = SIM_EINTR;
	int failed = 0;
	for (int p = 0; p < np; p++)
		failed += status[p] == SWEEP_FAILED;
	if (st == SIM_OK && failed)
		st = SIM_EINVAL;
	pthread_mutex_destroy(&c.lock);
	pthread_cond_destroy(&c.cond);
	free(c.pts);
	free(c.q);
	return st;
}

sim_status sweep_mpi_run(const sweep *w, const struct sweep_opts *o, int *status, sim_diag *d)
{
	int rank, size;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	run_install_signals();
	sim_status st = SIM_OK;
	if (rank == 0) {
		st = file_mkdir_p(o->dir, d);
	}
	int ok = st == SIM_OK;
	MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
	if (!ok)
		return st;
	for (int i = 0; i < sweep_npoints(w); i++)
		status[i] = SWEEP_PENDING;
	if (rank == 0 && o->resume)
		file_remove_stale_tmp(o->dir, NULL);
	double t0 = MPI_Wtime();
	if (rank == 0)
		st = coordinator(w, o, size, status, d);
	else
		st = worker(w);
	/* wait for everyone without spinning: ranks done early would otherwise
	 * busy-wait in MPI_Barrier and take the cores rank 0 needs to finish */
	MPI_Request br;
	MPI_Status bs;
	MPI_Ibarrier(MPI_COMM_WORLD, &br);
	wait_req(&br, &bs);
	if (rank == 0 && !o->quiet && st == SIM_OK)
		fprintf(stderr, "%s: %d points on %d ranks in %.2f s -> %s/index.csv\n", sweep_name(w),
		        sweep_npoints(w), size, MPI_Wtime() - t0, o->dir);
	if (rank != 0 && sim_interrupted)
		st = SIM_EINTR;
	return st;
}

#endif /* DAIS_MPI */
