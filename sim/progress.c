/* progress.c — the progress line of the long commands (see progress.h). */
#include "progress.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static double monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void progress_duration(char *buf, size_t n, double s)
{
	long t = s > 0 ? (long)(s + 0.5) : 0;
	if (t < 60)
		snprintf(buf, n, "%lds", t);
	else if (t < 3600)
		snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
	else
		snprintf(buf, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
}

void progress_format(char *buf, size_t n, const char *what, long done, long skipped,
                     long total, double elapsed)
{
	char el[32], eta[32];
	progress_duration(el, sizeof el, elapsed);
	long left = total - skipped - done;
	if (done > 0 && left > 0) {
		progress_duration(eta, sizeof eta, elapsed * (double)left / (double)done);
		snprintf(buf, n, "%s: %ld/%ld, elapsed %s, eta %s", what, done + skipped, total, el, eta);
	} else {
		snprintf(buf, n, "%s: %ld/%ld, elapsed %s", what, done + skipped, total, el);
	}
}

/* Erases the line: spaces over what was there (no terminal codes). */
static void erase(struct progress *p)
{
	if (!p->width)
		return;
	fprintf(p->out, "\r%*s\r", p->width, "");
	fflush(p->out);
	p->width = 0;
}

/* Draws the line at time now; in the critical section. */
static void draw(struct progress *p, double now)
{
	char line[256];
	long done, skipped;
#pragma omp atomic read
	done = p->done;
#pragma omp atomic read
	skipped = p->skipped;
	progress_format(line, sizeof line, p->what, done, skipped, p->total, now - p->t0);
	int w = (int)strlen(line);
	/* spaces over the end of a longer line before */
	fprintf(p->out, "\r%s%*s", line, p->width > w ? p->width - w : 0, "");
	fflush(p->out);
	p->width = w;
#pragma omp atomic write
	p->last = now;
}

void progress_begin_to(struct progress *p, const char *what, long total, FILE *out,
                       double (*clock)(void))
{
	memset(p, 0, sizeof *p);
	p->out = out;
	p->what = what;
	p->total = total;
	p->clock = clock ? clock : monotonic;
	p->t0 = p->clock();
	p->last = -INFINITY; /* the first unit draws */
}

void progress_begin(struct progress *p, const char *what, long total, int quiet)
{
	int on = !quiet && isatty(fileno(stderr));
	progress_begin_to(p, what, total, on ? stderr : NULL, NULL);
}

void progress_begin_tty(struct progress *p, const char *what, long total, int quiet)
{
	FILE *tty = quiet ? NULL : fopen("/dev/tty", "w");
	progress_begin_to(p, what, total, tty, NULL);
	p->own_out = tty != NULL;
}

void progress_set_total(struct progress *p, long total)
{
	p->total = total;
}

/* Redraws when the last drawing is PROGRESS_EVERY_S old (or was erased). */
static void update(struct progress *p)
{
	double now = p->clock(), last;
#pragma omp atomic read
	last = p->last;
	if (now - last < PROGRESS_EVERY_S)
		return;
#pragma omp critical(sim_progress)
	{
		if (now - p->last >= PROGRESS_EVERY_S && !p->midline)
			draw(p, now);
	}
}

void progress_add(struct progress *p, long n)
{
	if (!p->out)
		return;
#pragma omp atomic
	p->done += n;
	update(p);
}

void progress_skip(struct progress *p, long n)
{
	if (!p->out)
		return;
#pragma omp atomic
	p->skipped += n;
	update(p);
}

void progress_clear(struct progress *p)
{
	if (!p->out)
		return;
#pragma omp critical(sim_progress)
	{
		erase(p);
		p->last = -INFINITY;
	}
}

void progress_end(struct progress *p)
{
	if (p->stream)
		fclose(p->stream);
	p->stream = NULL;
	if (p->out)
		erase(p);
	if (p->own_out)
		fclose(p->out);
	p->own_out = 0;
	p->out = NULL;
}

/* ---- progress_stream: a log that shares the terminal with the line ------------ */

static ssize_t stream_write(void *cookie, const char *buf, size_t n)
{
	struct progress *p = cookie;
#pragma omp critical(sim_progress)
	{
		erase(p);
		fwrite(buf, 1, n, p->stream_to);
		fflush(p->stream_to);
		/* after a whole line the progress shows again; in the middle of one
		 * (a log's "running ... " before "done") it waits for the rest */
		p->midline = n > 0 && buf[n - 1] != '\n';
		if (n > 0 && !p->midline)
			draw(p, p->clock());
	}
	return (ssize_t)n;
}

FILE *progress_stream(struct progress *p, FILE *to)
{
	if (!p->out || p->stream)
		return p->stream ? p->stream : to;
	p->stream_to = to;
	cookie_io_functions_t io = { .write = stream_write };
	p->stream = fopencookie(p, "w", io);
	if (!p->stream)
		return to;
	setvbuf(p->stream, NULL, _IOLBF, 0); /* a line at a time, as it is printed */
	return p->stream;
}
