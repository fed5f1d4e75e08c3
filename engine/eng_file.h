/* eng_file.h — the files the engine writes (models, profiles) are written
 * whole or not at all.
 *
 *     struct eng_file w;
 *     if (eng_file_open(&w, path, err, err_len)) return ...;   // err names path
 *     fwrite(..., w.f);                                       // any number of writes
 *     return eng_file_commit(&w, err, err_len);               // or eng_file_abort(&w)
 *
 * About atomic writes: the content goes to "<path>.tmp.<pid>" beside the
 * target (same directory, so the rename never crosses a file system), is
 * flushed and fsynced, then renamed over path.  A reader sees the old file or
 * the whole new one; on every failure, and on eng_file_abort, the temporary
 * is removed.  (This is sim/file.h's protocol without its table of
 * temporaries for signal handlers: the engine depends on nothing outside
 * itself, and installs no handlers.)
 */
#ifndef DAIS_ENG_FILE_H
#define DAIS_ENG_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "engine.h"

struct eng_file {
	FILE *f;              /* where the content goes; NULL once committed or aborted */
	const char *path;     /* the target (borrowed: it must outlive the write) */
	char tmp[4096];       /* "<path>.tmp.<pid>" */
};

/* Creates the temporary; ENG_EIO ("PATH: cannot create: reason") or
 * ENG_EINVAL (a path too long for the temporary's name). */
ENG_MUST_CHECK eng_status eng_file_open(struct eng_file *w, const char *path, char *err, size_t err_len);
/* Flushes, fsyncs, closes and renames the temporary over the target; a write
 * that failed on the way (ferror) fails the commit.  ENG_EIO with "PATH:
 * cannot write: reason" or "PATH: cannot rename into place: reason", the
 * temporary removed. */
ENG_MUST_CHECK eng_status eng_file_commit(struct eng_file *w, char *err, size_t err_len);
/* Closes and removes the temporary; after a commit, or on a zeroed w, a no-op. */
void eng_file_abort(struct eng_file *w);

#endif
