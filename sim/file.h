/* file.h — the few things DAIS does with files: read a whole one, make a
 * directory with its parents, and write one atomically.
 *
 *     char *text; size_t n;
 *     if (file_read(path, FILE_MAX_TEXT, &text, &n, &d)) ...     // NUL-terminated
 *
 *     struct file_atomic a;
 *     if (file_atomic_open(&a, "results/index.csv", &d)) ...
 *     fprintf(a.f, "point,file\n");
 *     if (file_atomic_commit(&a, &d)) ...                          // all or nothing
 *
 * About atomic writes: the content goes to "<path>.tmp.<pid>" beside the
 * target (same directory, so the rename never crosses a file system), is
 * flushed and fsynced, then renamed over path, and the directory is fsynced.
 * A reader sees the old file or the whole new one, never a part.  On any
 * failure, and when a signal handler calls file_tmp_remove_all, the temporary
 * is removed: nothing is left behind.
 *
 * About targets: output is only ever written to a regular file.  file_target
 * refuses an empty path, a directory, a device, a FIFO or a socket, and a
 * symbolic link (a rename would replace the link itself, not what it points
 * at; docs/robustness.md says why DAIS refuses rather than follow it), each
 * with a message naming the path; every atomic writer checks it first.
 */
#ifndef DAIS_FILE_H
#define DAIS_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "status.h"

/* Size limits for inputs read whole: scenario and sweep files, CSV tables. */
#define FILE_MAX_TEXT ((size_t)64 << 20)

/* Reads the whole of path into a malloc'd, NUL-terminated buffer (*len bytes
 * before the NUL).  Refuses a file larger than max bytes (and a directory)
 * with a message; SIM_EIO when it cannot be opened or read, SIM_EINVAL when
 * too large, SIM_ENOMEM. */
sim_status file_read(const char *path, size_t max, char **text, size_t *len,
                     sim_diag *d) SIM_MUST_CHECK;

/* mkdir -p: creates dir and its missing parents.  With a message: SIM_EINVAL
 * when a part of the path is a file, SIM_EIO when the system refuses
 * (permissions, a full disk). */
sim_status file_mkdir_p(const char *dir, sim_diag *d) SIM_MUST_CHECK;

/* SIM_OK when path may be written as a results file: not empty, and absent or
 * a regular file, in a folder that exists; else SIM_EINVAL with a message
 * "PATH: cannot write results there: is a directory" (a device, a FIFO, a
 * socket, a symbolic link, ...) or "PATH: cannot write there: 'DIR': No such
 * file or directory" (or Not a directory). */
sim_status file_target(const char *path, sim_diag *d) SIM_MUST_CHECK;

/* An atomic writer; f is the stream to write to while open. */
struct file_atomic {
	FILE *f;
	char *path;   /* the target */
	char *tmp;    /* "<path>.tmp.<pid>" */
	int slot;     /* in the table of temporaries (file_tmp_register) */
};

/* Checks the target (file_target) and creates the temporary; on error a.f is
 * NULL and nothing exists on disk. */
sim_status file_atomic_open(struct file_atomic *a, const char *path,
                            sim_diag *d) SIM_MUST_CHECK;
/* Flushes, fsyncs, closes and renames into place; on error removes the
 * temporary.  Releases a in every case. */
sim_status file_atomic_commit(struct file_atomic *a, sim_diag *d) SIM_MUST_CHECK;
/* Closes and removes the temporary; a zeroed or released a is a no-op. */
void file_atomic_abort(struct file_atomic *a);

/* The whole of data[0..n) to path, atomically. */
sim_status file_write_atomic(const char *path, const void *data, size_t n,
                             sim_diag *d) SIM_MUST_CHECK;

/* fsync of the directory holding path (best effort: some file systems refuse). */
void file_sync_dir_of(const char *path);

/* ---- temporaries that a signal handler removes --------------------------
 * About the table: a handler may run at any moment, so it must not take
 * locks or follow pointers another thread is changing; names live in fixed
 * static slots.  register returns a slot (-1 when the table is full or the
 * name too long: the file still works, a signal just leaves it behind). */
int file_tmp_register(const char *name);
void file_tmp_unregister(int slot);
/* Removes every registered temporary: only async-signal-safe calls. */
void file_tmp_remove_all(void);

/* 1 when name is "<prefix>.tmp.<pid>" (prefix NULL: anything before
 * ".tmp.<pid>") of a process of this host that no longer exists. */
int file_is_stale_tmp(const char *name, const char *prefix);
/* Removes the stale temporaries (above) of prefix in dir (NULL: of any
 * file); for --resume after a killed run. */
void file_remove_stale_tmp(const char *dir, const char *prefix);

#endif
