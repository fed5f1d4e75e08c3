/* scn_int.h — what the parts of the scenario loader share; not an API.
 *
 * The loader (sim/scn.h is its manual) is five files:
 *   scn_json.c    growable strings, words for messages, the load context that
 *                 collects messages and remembers where each node came from,
 *                 reading a file, parsing with line:col, duplicate keys
 *   scn_schema.c  key schemas; the schema: build and check the section files,
 *                 load them, render them as Markdown and JSON
 *   scn_check.c   a tree checked against a key schema, defaults filled
 *   scn_path.c    the path language ("chains[sui].capacity_tps") and --set
 *   scn.c         loading: "extends" chains, merge, overrides, validation;
 *                 scn_set; the accessors
 * Names here carry scn_ only to stay out of other modules' way; only what
 * sim/scn.h declares is public.
 */
#ifndef DAIS_SCN_INT_H
#define DAIS_SCN_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "scn.h"
#include "status.h"

enum {
	SCN_MAX_MSGS = 100,    /* messages kept per load; the rest are counted */
	SCN_MAX_EXTENDS = 32,  /* files in one "extends" chain */
	SCN_MAX_SEGS = 64      /* segments in a --set or accessor path */
};

struct scn {
	char *path;   /* as given to scn_load, or the name given to scn_parse */
	cJSON *root;  /* resolved tree: every schema key present, schema order */
};

/* ---- growable strings (scn_json.c) --------------------------------------- */

/* A zeroed scn_sb is empty; after a failed allocation oom is set and later
 * additions are dropped, so callers check once, at the end. */
typedef struct scn_sb {
	char *s;
	size_t n, cap;
	int oom;
} scn_sb;

void scn_sb_addn(scn_sb *b, const char *s, size_t n);
void scn_sb_adds(scn_sb *b, const char *s);
void scn_sb_vaddf(scn_sb *b, const char *fmt, va_list ap);
void scn_sb_addf(scn_sb *b, const char *fmt, ...) SIM_PRINTF(2, 3);
void scn_sb_setlen(scn_sb *b, size_t n);     /* truncates; never grows */
const char *scn_sb_str(const scn_sb *b);      /* "" while empty */
void scn_sb_release(scn_sb *b);
char *scn_sb_take(scn_sb *b);                 /* hands the string over; NULL on oom */

/* ---- words for messages (scn_json.c) ---------------------------------------- */

/* Shortest text that reads back as x ("1e12", "2.5e-5", "nan", "infinity"). */
void scn_fmt_num(char *buf, size_t n, double x);
/* [A-Za-z_][A-Za-z0-9_]* */
int scn_is_ident(const char *s);
/* Append ".key" (["key"] when not an identifier) or "[i]" to a JSON path;
 * return the length before, for scn_sb_setlen. */
size_t scn_path_key(scn_sb *p, const char *k);
size_t scn_path_index(scn_sb *p, int i);

#include "near.h"

/* ---- the load context (scn_json.c) ----------------------------------------
 * About origins: after "extends" merges several files into one tree, a bad
 * value is reported against the file it came from.  Merging records the top
 * node of every subtree it moves; a node's file is that of its nearest
 * recorded ancestor, or the top file.  Replaced nodes are kept (buried) until
 * the load ends, so no recorded address is freed and reused while the table
 * lives. */
struct scn_origin { const cJSON *node; const char *file; };

struct scn_ld {
	sim_diag *d;
	int nerr;                 /* problems found, shown or not */
	int oom;
	struct scn_origin *orig;  /* (norig,) */
	int norig, corig;
	cJSON *grave;             /* replaced nodes, freed at the end */
	char *owned[2 * SCN_MAX_EXTENDS + 4]; /* file names and texts freed at the end */
	int nowned;
};

void scn_ld_init(struct scn_ld *L, sim_diag *d);
void scn_ld_release(struct scn_ld *L);
char *scn_ld_own(struct scn_ld *L, char *s);           /* s, or NULL (oom) when s is */
void scn_ld_bury(struct scn_ld *L, cJSON *n);
void scn_ld_record(struct scn_ld *L, const cJSON *n, const char *file);
/* The file node n came from; file when nothing was recorded. */
const char *scn_ld_origin(const struct scn_ld *L, const cJSON *n, const char *file);
/* Adds "file: path: message" ("file: message" when path is NULL). */
void scn_ld_err(struct scn_ld *L, const char *file, const char *path, const char *fmt, ...)
	SIM_PRINTF(4, 5);
/* Closes a load: the count of dropped messages, then out-of-memory; returns nerr. */
int scn_ld_finish(struct scn_ld *L, const char *file);

/* ---- reading and parsing (scn_json.c) -------------------------------------- */

/* Reads path whole (file_read, FILE_MAX_TEXT).  NULL, or why not in the
 * system's words ("No such file or directory"), for "cannot read: ...". */
const char *scn_read_text(const char *path, char **text, size_t *len);
/* Parses JSON text; on error reports file:line:col (or a duplicate key, with
 * its JSON path) and returns NULL. */
cJSON *scn_parse_json(struct scn_ld *L, const char *text, size_t len, const char *file);
/* Reports every key that appears twice in an object under v; p is v's path. */
void scn_check_dups(struct scn_ld *L, const cJSON *v, scn_sb *p, const char *file);

/* ---- key schemas and the schema (scn_schema.c) ---------------------------- */

enum scn_ktype {
	KT_BAD, KT_NUMBER, KT_INTEGER, KT_STRING, KT_BOOLEAN, KT_ENUM, KT_OBJECT, KT_ARRAY
};
extern const char *const scn_ktype_names[]; /* indexed by enum scn_ktype */

enum scn_ktype scn_ktype_of(const cJSON *ks);
static inline const cJSON *scn_kget(const cJSON *ks, const char *field)
{
	return cJSON_GetObjectItemCaseSensitive(ks, field);
}
int scn_enum_has(const cJSON *ks, const char *s);
/* The values of an enum key schema: "'a', 'b', 'c'" with quote "'". */
void scn_enum_list(scn_sb *b, const cJSON *ks, const char *quote);
/* The schema of this process as one object key schema (built and checked on
 * first use; a malformed embedded schema aborts). */
const cJSON *scn_schema_root(void);

/* ---- validation (scn_check.c) --------------------------------------------- */

/* Checks v against key schema ks and returns a resolved copy (defaults filled,
 * schema order), or NULL after reporting every problem under v; p is v's
 * path.  root: v is a whole scenario (sections follow $.model). */
cJSON *scn_check_value(struct scn_ld *L, const cJSON *ks, const cJSON *v, scn_sb *p,
                       const char *file, int root);

/* ---- paths and overrides (scn_path.c) ------------------------------------- */

enum { SEG_KEY, SEG_INDEX, SEG_NAME };
struct scn_seg { int kind; const char *name; int index; };

/* Splits buf (modified in place; room for 2 * strlen + 2 bytes) into at most
 * SCN_MAX_SEGS segments; returns the count, or -1 with *why set. */
int scn_split_path(char *buf, struct scn_seg *segs, const char **why);
/* The item of array a whose "name" is name, and its index. */
cJSON *scn_item_named(const cJSON *a, const char *name, int *index);
/* Applies "path=value" to root (a merged, unvalidated tree).  New nodes are
 * recorded as coming from file.  Returns 1, or 0 after one message. */
int scn_apply_set(struct scn_ld *L, cJSON *root, const char *assign, const char *file);

#endif
