/* sha256.h — SHA-256 digests, to name the inputs a result came from (the
 * calibration profile behind a capacity table, the table behind a run).
 *
 *     char hex[65];
 *     if (sha256_file_hex("data/calibration/default.json", hex)) puts(hex);
 */
#ifndef DAIS_SHA256_H
#define DAIS_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint8_t buf[64];
	uint64_t len;   /* bytes hashed so far */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t n);
/* Finishes and writes 64 lowercase hex digits and a NUL. */
void sha256_final(struct sha256 *c, char hex[65]);
/* Adds a file's bytes; returns 0 if it cannot be read. */
int sha256_file(struct sha256 *c, const char *path);
/* The digest of a whole file; returns 0 if it cannot be read. */
int sha256_file_hex(const char *path, char hex[65]);

#endif
