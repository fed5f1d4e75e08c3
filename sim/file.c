/* file.c — reading whole files, mkdir -p and atomic writes (see file.h). */
#include "file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- reading ---------------------------------------------------------------- */

sim_status file_read(const char *path, size_t max, char **text, size_t *len, sim_diag *d)
{
	*text = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		diag_add(d, "%s: cannot open: %s", path, strerror(errno));
		return SIM_EIO;
	}
	struct stat sb;
	if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
		fclose(f);
		diag_add(d, "%s: cannot read: is a directory", path);
		return SIM_EIO;
	}
	/* Read in growing chunks rather than trusting st_size: pipes and
	 * /proc files report 0, and a file can grow while it is read. */
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	sim_status st = buf ? SIM_OK : SIM_ENOMEM;
	while (st == SIM_OK) {
		if (n + 1 == cap) {
			if (cap > max) {
				diag_add(d, "%s: larger than the %zu MiB limit", path, max >> 20);
				st = SIM_EINVAL;
				break;
			}
			char *t = realloc(buf, 2 * cap);
			if (!t) {
				st = SIM_ENOMEM;
				break;
			}
			buf = t;
			cap *= 2;
		}
		size_t want = cap - n - 1, got = fread(buf + n, 1, want, f);
		n += got;
		if (got < want) {
			if (ferror(f)) {
				diag_add(d, "%s: cannot read: %s", path, strerror(errno ? errno : EIO));
				st = SIM_EIO;
			}
			break;
		}
	}
	fclose(f);
	if (st == SIM_OK && n > max) {
		diag_add(d, "%s: larger than the %zu MiB limit", path, max >> 20);
		st = SIM_EINVAL;
	}
	if (st == SIM_ENOMEM)
		diag_add(d, "%s: out of memory", path);
	if (st) {
		free(buf);
		return st;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return SIM_OK;
}

/* ---- directories -------------------------------------------------------------- */

sim_status file_mkdir_p(const char *dir, sim_diag *d)
{
	char *p = strdup(dir);
	if (!p) {
		diag_add(d, "%s: out of memory", dir);
		return SIM_ENOMEM;
	}
	sim_status st = SIM_OK;
	for (char *c = p + 1; st == SIM_OK; c++) {
		if (*c != '/' && *c != '\0')
			continue;
		char save = *c;
		*c = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			/* a file where a folder should be is the path's fault (bad input);
			 * permissions and full disks are the system's */
			st = errno == ENOTDIR ? SIM_EINVAL : SIM_EIO;
			diag_add(d, "%s: cannot create directory: %s", p, strerror(errno));
		}
		*c = save;
		if (!save)
			break;
	}
	free(p);
	struct stat sb;
	if (st == SIM_OK && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
		diag_add(d, "%s: not a directory", dir);
		st = SIM_EINVAL;
	}
	return st;
}

/* ---- targets ---------------------------------------------------------------- */

static const char *kind_of(mode_t m)
{
	return S_ISDIR(m) ? "is a directory" : S_ISLNK(m) ? "is a symbolic link"
	     : S_ISCHR(m) ? "is a character device" : S_ISBLK(m) ? "is a block device"
	     : S_ISFIFO(m) ? "is a FIFO" : S_ISSOCK(m) ? "is a socket" : "is not a regular file";
}

sim_status file_target(const char *path, sim_diag *d)
{
	if (!path || !*path) {
		diag_add(d, "output path is empty");
		return SIM_EINVAL;
	}
	struct stat sb;
	if (lstat(path, &sb) != 0) {
		/* absent: its folder must be there (a typo in -o is bad input) */
		char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
		sim_status st = SIM_OK;
		if (slash && slash != dir) {
			*slash = '\0';
			int e = stat(dir, &sb) != 0 ? errno : !S_ISDIR(sb.st_mode) ? ENOTDIR : 0;
			if (e) {
				diag_add(d, "%s: cannot write there: '%s': %s", path, dir, strerror(e));
				st = SIM_EINVAL;
			}
		}
		free(dir);
		return st;
	}
	if (S_ISREG(sb.st_mode))
		return SIM_OK;
	diag_add(d, "%s: cannot write results there: %s", path, kind_of(sb.st_mode));
	return SIM_EINVAL;
}

/* ---- temporaries that a signal handler removes -------------------------------- */

#define FILE_MAX_TMP 64
static char tmp_names[FILE_MAX_TMP][PATH_MAX];
static volatile sig_atomic_t tmp_used[FILE_MAX_TMP];
static pthread_mutex_t tmp_lock = PTHREAD_MUTEX_INITIALIZER;

int file_tmp_register(const char *name)
{
	if (strlen(name) >= PATH_MAX)
		return -1;
	int slot = -1;
	pthread_mutex_lock(&tmp_lock);
	for (int i = 0; i < FILE_MAX_TMP; i++)
		if (!tmp_used[i]) {
			strcpy(tmp_names[i], name);
			tmp_used[i] = 1; /* set only once the name is complete */
			slot = i;
			break;
		}
	pthread_mutex_unlock(&tmp_lock);
	return slot;
}

void file_tmp_unregister(int slot)
{
	if (slot < 0)
		return;
	pthread_mutex_lock(&tmp_lock);
	tmp_used[slot] = 0;
	pthread_mutex_unlock(&tmp_lock);
}

void file_tmp_remove_all(void)
{
	int saved = errno;
	for (int i = 0; i < FILE_MAX_TMP; i++)
		if (tmp_used[i]) {
			unlink(tmp_names[i]);
			tmp_used[i] = 0;
		}
	errno = saved;
}

int file_is_stale_tmp(const char *name, const char *prefix)
{
	const char *t;
	if (prefix) {
		size_t k = strlen(prefix);
		if (strncmp(name, prefix, k) || strncmp(name + k, ".tmp.", 5))
			return 0;
		t = name + k;
	} else if (!(t = strstr(name, ".tmp."))) {
		return 0;
	}
	char *end;
	long pid = strtol(t + 5, &end, 10);
	if (*end || pid <= 0 || pid == (long)getpid())
		return 0;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

void file_remove_stale_tmp(const char *dir, const char *prefix)
{
	DIR *dd = opendir(dir);
	if (!dd)
		return;
	struct dirent *e;
	while ((e = readdir(dd))) {
		if (!file_is_stale_tmp(e->d_name, prefix))
			continue;
		char p[PATH_MAX];
		if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) < (int)sizeof p)
			unlink(p);
	}
	closedir(dd);
}

/* ---- atomic writes ------------------------------------------------------------- */

void file_sync_dir_of(const char *path)
{
	char *dir = strdup(path);
	if (!dir)
		return;
	char *slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

static void atomic_release(struct file_atomic *a)
{
	file_tmp_unregister(a->slot);
	free(a->path);
	free(a->tmp);
	memset(a, 0, sizeof *a);
	a->slot = -1;
}

sim_status file_atomic_open(struct file_atomic *a, const char *path, sim_diag *d)
{
	memset(a, 0, sizeof *a);
	a->slot = -1;
	sim_status st = file_target(path, d);
	if (st)
		return st;
	a->path = strdup(path);
	if (!a->path || asprintf(&a->tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
		a->tmp = NULL;
		atomic_release(a);
		diag_add(d, "%s: out of memory", path);
		return SIM_ENOMEM;
	}
	int fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd >= 0)
		a->slot = file_tmp_register(a->tmp);
	if (fd < 0 || !(a->f = fdopen(fd, "w"))) {
		diag_add(d, "%s: cannot create: %s", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(a->tmp);
		}
		atomic_release(a);
		return SIM_EIO;
	}
	return SIM_OK;
}

sim_status file_atomic_commit(struct file_atomic *a, sim_diag *d)
{
	if (!a->f) {
		atomic_release(a);
		return SIM_EINVAL;
	}
	int bad = fflush(a->f) != 0 || ferror(a->f) || fsync(fileno(a->f)) != 0;
	int e = errno;
	bad |= fclose(a->f) != 0;
	a->f = NULL;
	sim_status st = SIM_OK;
	if (bad) {
		diag_add(d, "%s: cannot write: %s", a->path, strerror(e ? e : errno ? errno : EIO));
		st = SIM_EIO;
	} else if (rename(a->tmp, a->path) != 0) {
		diag_add(d, "%s: cannot rename into place: %s", a->path, strerror(errno));
		st = SIM_EIO;
	}
	if (st)
		unlink(a->tmp);
	else
		file_sync_dir_of(a->path);
	atomic_release(a);
	return st;
}

void file_atomic_abort(struct file_atomic *a)
{
	if (!a->path)
		return;
	if (a->f)
		fclose(a->f);
	unlink(a->tmp);
	atomic_release(a);
}

sim_status file_write_atomic(const char *path, const void *data, size_t n, sim_diag *d)
{
	struct file_atomic a;
	sim_status st = file_atomic_open(&a, path, d);
	if (st)
		return st;
	if (n && fwrite(data, 1, n, a.f) != n) {
		diag_add(d, "%s: cannot write: %s", path, strerror(errno));
		file_atomic_abort(&a);
		return SIM_EIO;
	}
	return file_atomic_commit(&a, d);
}
