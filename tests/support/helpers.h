/* helpers.h — shared test fixtures: temporary directories, scenario paths,
 * and a byte-for-byte comparison of the datasets of two results files. */
#ifndef DAIS_TEST_HELPERS_H
#define DAIS_TEST_HELPERS_H

#include <stddef.h>

/* A fresh directory under $TMPDIR (or /tmp); the caller removes it with
 * th_rmtree.  Returns a static buffer per call site copy: copy it. */
char *th_mkdtemp(void);
void th_rmtree(const char *dir);

/* Absolute path of a file in the source tree: th_src("scenarios/mm1.json"). */
const char *th_src(const char *rel);

/* The dais binary the tests run: $DAIS_BIN, else build/dais beside the test
 * binary's folder (build/tests/test_x -> build/dais). */
const char *th_dais_bin(void);

/* Number of entries in a directory (excluding . and ..). */
int th_count_entries(const char *dir);

/* Compares every dataset under "/" of two results files, value bits and
 * shapes, except under /summary when skip_summary; returns the number of
 * differences found and prints the first few to stderr.  Attributes are not
 * compared (they hold timestamps and wall times). */
int th_compare_datasets(const char *a, const char *b, int skip_summary);

/* Runs commands in between with stdout discarded and stderr captured:
 * th_capture_begin(); ...; th_capture_end(buf, n) restores both and leaves
 * what was written to stderr, NUL-terminated, in buf. */
void th_capture_begin(void);
void th_capture_end(char *buf, size_t n);

#endif
