/* fuzz_util.h — helpers shared by the libFuzzer targets in tests/fuzz/. */
#ifndef DAIS_FUZZ_UTIL_H
#define DAIS_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (caller frees). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *t = malloc(size + 1);
	if (t) {
		memcpy(t, data, size);
		t[size] = '\0';
	}
	return t;
}

/* The input as a file in memory: "/proc/self/fd/N" in path, the fd returned
 * (close it after use), -1 on failure.  For readers that take a path. */
static inline int fuzz_file(const uint8_t *data, size_t size, char *path, size_t n)
{
	int fd = memfd_create("fuzz", 0);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < size) {
		ssize_t k = write(fd, data + off, size - off);
		if (k <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)k;
	}
	lseek(fd, 0, SEEK_SET);
	snprintf(path, n, "/proc/self/fd/%d", fd);
	return fd;
}

#endif
