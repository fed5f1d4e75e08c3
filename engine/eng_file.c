/* eng_file.c — whole-or-nothing writes: a temporary beside the target, renamed over it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "eng_file.h"
#include "eng_model.h"

eng_status eng_file_open(struct eng_file *w, const char *path, char *err, size_t err_len)
{
	*w = (struct eng_file){ .path = path };
	int n = snprintf(w->tmp, sizeof w->tmp, "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof w->tmp)
		return eng_err(ENG_EINVAL, err, err_len, "%s: cannot create: path too long", path);
	int fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd >= 0 && (w->f = fdopen(fd, "wb")))
		return ENG_OK;
	int e = errno;
	if (fd >= 0) {
		close(fd);
		unlink(w->tmp);
	}
	return eng_err(ENG_EIO, err, err_len, "%s: cannot create: %s", path, strerror(e));
}

eng_status eng_file_commit(struct eng_file *w, char *err, size_t err_len)
{
	if (!w->f)
		return eng_err(ENG_EINVAL, err, err_len, "%s: not open for writing", w->path ? w->path : "?");
	errno = 0;
	int bad = fflush(w->f) != 0 || ferror(w->f) || fsync(fileno(w->f)) != 0;
	int e = errno;
	bad |= fclose(w->f) != 0;
	if (!e)
		e = errno ? errno : EIO;
	w->f = NULL;
	eng_status s = ENG_OK;
	if (bad)
		s = eng_err(ENG_EIO, err, err_len, "%s: cannot write: %s", w->path, strerror(e));
	else if (rename(w->tmp, w->path) != 0)
		s = eng_err(ENG_EIO, err, err_len, "%s: cannot rename into place: %s", w->path, strerror(errno));
	if (s)
		unlink(w->tmp);
	return s;
}

void eng_file_abort(struct eng_file *w)
{
	if (!w->f)
		return;
	fclose(w->f);
	w->f = NULL;
	unlink(w->tmp);
}
