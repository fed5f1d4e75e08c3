/* scn.h — scenario files: load, inherit, override, validate against the schema.
 *
 * A scenario is a JSON object.  Its keys are described by the schema, one file
 * per section under scenarios/schema/ (compiled into the binary), and
 * documented for people in docs/scenarios.md (generated: `dais schema`).
 *
 *     sim_diag d; diag_init(&d);
 *     const char *sets[] = { "demand.growth_per_year=2.5" };
 *     scn *s = scn_load("scenarios/baseline.json", sets, 1, &d);
 *     if (!s) { diag_print(&d, stderr, "dais: "); exit(2); }
 *     double g = scn_num(s, "demand.growth_per_year");
 *     char *json = scn_to_json(s);   // the fully resolved scenario, for provenance
 *     free(json); scn_free(s); diag_release(&d);
 *
 * Loading, in order:
 *   1. parse the file (errors give file:line:col);
 *   2. resolve "extends": "other.json" (relative to the file; chains allowed,
 *      cycles are errors); the child's objects are merged key by key over the
 *      parent's, arrays and scalars replace;
 *   3. apply --set overrides "path=value" in order; value is parsed as JSON when
 *      it is valid JSON (numbers, true/false, arrays, quoted strings), else taken
 *      as a string; paths are dotted keys with [index] or [name] for arrays of
 *      objects that have a "name" key: chains[sui].capacity_tps=900;
 *   4. validate every key against the schema and fill defaults, reporting all
 *      problems at once: unknown keys (with "did you mean" when close), wrong
 *      types, values out of range, enum values not allowed, NaN or infinity;
 *   5. keep the resolved tree: every key present, defaults filled, "extends" gone.
 *
 * About the schema: each file in scenarios/schema/ is one section:
 *     { "section": "queue", "models": ["queue"], "doc": "...",
 *       "keys": { "servers": { "type": "integer", "default": 1, "min": 1,
 *                              "max": 100000, "unit": "", "doc": "..." }, ... } }
 * Key types: number, integer, string, boolean, enum ("values": [...]),
 * object ("keys": {...}), array ("items": <key schema>, "min_items", "max_items").
 * "min"/"max" are inclusive; "exclusive_min": true makes min exclusive
 * ("exclusive_max" likewise); numbers are finite and not subnormal.  A
 * string key may have "format": "date" (a calendar day YYYY-MM-DD) or
 * "identifier" (1 to 48 of [a-z0-9_]: it becomes part of dataset names).  A key has "doc" and, unless "required": true,
 * a "default" (an object without one takes its keys' defaults; an array's
 * default is a whole array, whose items are filled like any other).
 * A section file is a key schema plus "section" (its name, the top-level key)
 * and "models"; "type" defaults to object.  A section may instead be an array
 * of objects ("type": "array", "items", "default"): chains[2].capacity_tps, or
 * chains[sui].capacity_tps when the items have a "name" key (names must be
 * distinct).
 * The section "run" holds the keys every scenario has (model, seed,
 * replications, horizon...).  A section listing "models" is allowed only when
 * $.model is one of them, and its defaults are filled only then.
 *
 * Accessors take dotted paths into the resolved tree ("queue.servers",
 * "chains[2].name", "chains[sui].capacity_tps") and abort (SIM_ASSERT) on a path
 * that the schema does not define: after scn_load succeeded every schema key is
 * present, so a bad path is a programming error, not bad input.
 */
#ifndef DAIS_SCN_H
#define DAIS_SCN_H

#include <stdint.h>
#include <cjson/cJSON.h>

#include "status.h"

typedef struct scn scn;

/* Loads, resolves and validates a scenario file.  sets: n_sets "path=value"
 * overrides.  Returns NULL and fills d (one message per problem) on error. */
scn *scn_load(const char *path, const char *const *sets, int n_sets, sim_diag *d);

/* The same from text in memory; name is used in messages ("<string>").
 * "extends" is resolved relative to the current directory. */
scn *scn_parse(const char *text, const char *name, const char *const *sets,
               int n_sets, sim_diag *d);

void scn_free(scn *s);

/* The file the scenario came from, as given. */
const char *scn_path(const scn *s);

/* The resolved scenario as compact canonical JSON (keys in schema order).
 * The caller frees the string. Loading this text again gives the same scenario. */
char *scn_to_json(const scn *s);

/* The resolved tree; read-only. */
const cJSON *scn_root(const scn *s);

/* Typed accessors (see the note on paths above). */
const cJSON *scn_get(const scn *s, const char *path);
double       scn_num(const scn *s, const char *path);
long long    scn_int(const scn *s, const char *path);
int          scn_bool(const scn *s, const char *path);
const char  *scn_str(const scn *s, const char *path);
int          scn_len(const scn *s, const char *path); /* array length */

/* Applies one "path=value" override to a scenario that is already resolved
 * and validates again; used by sweeps.  On error returns SIM_EINVAL, fills d,
 * and leaves s unchanged. */
sim_status scn_set(scn *s, const char *assignment, sim_diag *d) SIM_MUST_CHECK;

/* The schema as Markdown (the body of docs/scenarios.md, between its
 * BEGIN/END GENERATED markers); caller frees.  NULL when out of memory. */
char *scn_schema_markdown(void);

/* The section files merged as {"sections": [run, others...]}, pretty-printed,
 * for tools; caller frees.  NULL when out of memory. */
char *scn_schema_json(void);

/* Checks a set of schema section files (names[i] for messages, texts[i] the
 * JSON): well-formed sections and key schemas, exactly one "run" section,
 * "models" naming values of $.model, and every default satisfying its own
 * constraints.  All problems go to d.  The embedded schema is checked this way
 * on first use, where a problem aborts: it is a bug, not bad input. */
sim_status scn_schema_check(const char *const *names, const char *const *texts, int n,
                            sim_diag *d) SIM_MUST_CHECK;

/* Replaces the schema of this process with the given section files, checked
 * as above; on error keeps the old one.  For tests that need sections which
 * scenarios/schema/ does not have; not thread-safe, and scenarios loaded
 * before must not be used after. */
sim_status scn_schema_load(const char *const *names, const char *const *texts, int n,
                           sim_diag *d) SIM_MUST_CHECK;

/* The JSON type of a value for messages: "string", "number", "boolean",
 * "null", "array", "object"; "nothing" for NULL (a missing key). */
struct cJSON;
const char *scn_json_type(const struct cJSON *v);

#endif
