/* spawn.c — the one place that starts a process (see spawn.h). */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int spawn_have(const char *prog)
{
	const char *p = getenv("PATH");
	if (!p || strchr(prog, '/'))
		return 0;
	while (*p) {
		size_t n = strcspn(p, ":");
		char buf[PATH_MAX];
		/* an empty entry means the working directory */
		int k = n ? snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, prog)
		          : snprintf(buf, sizeof buf, "./%s", prog);
		if (k > 0 && k < (int)sizeof buf && access(buf, X_OK) == 0)
			return 1;
		p += n;
		if (*p == ':')
			p++;
	}
	return 0;
}

/* environ with the entries of add replacing those of the same name; a
 * malloc'd array of borrowed pointers. */
static char **merged_env(const char *const *add)
{
	size_t ne = 0, na = 0;
	while (environ[ne])
		ne++;
	while (add && add[na])
		na++;
	char **v = malloc((ne + na + 1) * sizeof *v);
	if (!v)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < ne; i++) {
		size_t len = strcspn(environ[i], "=");
		int replaced = 0;
		for (size_t j = 0; j < na && !replaced; j++)
			replaced = !strncmp(add[j], environ[i], len) && add[j][len] == '=';
		if (!replaced)
			v[k++] = environ[i];
	}
	for (size_t j = 0; j < na; j++)
		v[k++] = (char *)add[j];
	v[k] = NULL;
	return v;
}

sim_status spawn_run(const char *const *argv, const struct spawn_opts *o, sim_diag *d)
{
	static const struct spawn_opts none = { 0 };
	if (!o)
		o = &none;
	posix_spawn_file_actions_t fa;
	char **env = merged_env(o->env);
	if (!env) {
		diag_add(d, "%s: out of memory", argv[0]);
		return SIM_ENOMEM;
	}
	int e = posix_spawn_file_actions_init(&fa);
	if (!e && o->cwd)
		e = posix_spawn_file_actions_addchdir_np(&fa, o->cwd);
	if (!e && o->quiet)
		e = posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	if (!e && o->quiet)
		e = posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
	pid_t pid = -1;
	fflush(NULL); /* the child must not repeat our buffered output */
	if (!e)
		e = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	if (e) {
		diag_add(d, "cannot start %s: %s", argv[0], strerror(e));
		return SIM_EIO;
	}
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR) {
			diag_add(d, "%s: %s", argv[0], strerror(errno));
			return SIM_EIO;
		}
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return SIM_OK;
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 127)
		diag_add(d, "cannot start %s (exit status 127: not found, or cannot run)", argv[0]);
	else
		diag_add(d, "%s failed (%s %d)", argv[0], WIFEXITED(ws) ? "exit status" : "signal",
		         WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws));
	return SIM_EIO;
}
