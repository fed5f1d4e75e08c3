/* scn_path.c — the path language of --set and the accessors: dotted keys,
 * [index] and [name] for arrays of objects with a "name" key
 * ("chains[sui].capacity_tps"); and --set itself, which walks a path down a
 * merged tree, guided by the schema, and puts a value at its end.
 */
#include "scn_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Paths: "a.b[2].c", "chains[sui].capacity_tps" */

int scn_split_path(char *buf, struct scn_seg *segs, const char **why)
{
	int n = 0;
	char *s = buf;
	*why = NULL;
	if (!*s) {
		*why = "empty path";
		return -1;
	}
	while (*s) {
		if (n == SCN_MAX_SEGS) {
			*why = "too many segments";
			return -1;
		}
		if (*s == '[') {
			if (n == 0) {
				*why = "a path starts with a key";
				return -1;
			}
			char *e = strchr(s + 1, ']');
			if (!e) {
				*why = "'[' without ']'";
				return -1;
			}
			if (e == s + 1) {
				*why = "empty '[]'";
				return -1;
			}
			*e = '\0';
			char *sel = s + 1;
			size_t len = strlen(sel);
			if (strspn(sel, "0123456789") == len) {
				if (len > 9) {
					*why = "index too large";
					return -1;
				}
				segs[n].kind = SEG_INDEX;
				segs[n].index = atoi(sel);
			} else {
				segs[n].kind = SEG_NAME;
			}
			segs[n++].name = sel;
			s = e + 1;
			if (*s == '.') {
				s++;
				if (!*s || *s == '.' || *s == '[') {
					*why = "empty key after '.'";
					return -1;
				}
			} else if (*s && *s != '[') {
				*why = "expected '.' or '[' after ']'";
				return -1;
			}
			continue;
		}
		size_t len = strcspn(s, ".[]");
		if (len == 0) {
			*why = s[0] == ']' ? "']' without '['" : "empty key";
			return -1;
		}
		segs[n].kind = SEG_KEY;
		segs[n].name = s;
		segs[n++].index = 0;
		s += len;
		if (*s == ']') {
			*why = "']' without '['";
			return -1;
		}
		if (*s == '.') {
			*s++ = '\0';
			if (!*s || *s == '.' || *s == '[') {
				*why = "empty key after '.'";
				return -1;
			}
		} else if (*s == '[') {
			/* keep '[' for the next round; end the key with a copy */
			memmove(s + 1, s, strlen(s) + 1);
			*s++ = '\0';
		}
	}
	return n;
}

/* The item of array a whose "name" is name, and its index. */
cJSON *scn_item_named(const cJSON *a, const char *name, int *index)
{
	int i = 0;
	for (cJSON *c = a ? a->child : NULL; c; c = c->next, i++) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
		if (cJSON_IsString(nm) && !strcmp(nm->valuestring, name)) {
			*index = i;
			return c;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * --set: "path=value" */

/* About a --set walk: the path is followed through the tree and the schema
 * side by side.  What the path goes through but the tree lacks is created
 * (objects empty, arrays from their defaults), so chains[sui].x works before
 * defaults are filled; the value replaces what was at the end.  Every node
 * made or moved is recorded as coming from the --set (its file and its
 * assignment), for messages, and what it replaces is buried (scn_int.h). */
struct set_walk {
	struct scn_ld *L;
	const char *assign;  /* "path=value", for messages */
	const char *file;    /* where new nodes come from */
	scn_sb p;            /* the JSON path walked so far: "$.chains[2]" */
	cJSON *node;         /* where the walk is */
	const cJSON *ks;     /* node's key schema */
	cJSON *val;          /* the value, until it is placed */
	cJSON *placed;       /* the value, once placed */
};

/* "file: --set 'assign': message". */
static void set_err(struct set_walk *w, const char *fmt, ...) SIM_PRINTF(2, 3);
static void set_err(struct set_walk *w, const char *fmt, ...)
{
	scn_sb b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	scn_sb_vaddf(&b, fmt, ap);
	va_end(ap);
	char cut[DIAG_CUT + 4];
	scn_ld_err(w->L, w->file, NULL, "--set '%s': %s", diag_cut(cut, w->assign), scn_sb_str(&b));
	scn_sb_release(&b);
}

/* "file: --set 'assign'": what a message about a value that came from a
 * --set names as its origin (scn_int.h, about origins). */
static const char *set_origin(struct set_walk *w)
{
	char *o = NULL, cut[DIAG_CUT + 4];
	if (asprintf(&o, "%s: --set '%s'", w->file, diag_cut(cut, w->assign)) < 0)
		o = NULL;
	const char *kept = o ? scn_ld_own(w->L, o) : NULL;
	return kept ? kept : w->file;
}

/* The value, placed: w no longer owns it. */
static int set_placed(struct set_walk *w)
{
	scn_ld_record(w->L, w->val, set_origin(w));
	w->placed = w->val;
	w->val = NULL;
	return 1;
}

/* Creates key name of w->node, which the path goes through (next is the
 * segment after it): an object empty, an array from its default. */
static cJSON *set_make(struct set_walk *w, const cJSON *cks, const char *name, const char *next)
{
	enum scn_ktype ct = scn_ktype_of(cks);
	cJSON *child;
	if (ct == KT_OBJECT) {
		child = cJSON_CreateObject();
	} else if (ct == KT_ARRAY && scn_kget(cks, "default")) {
		child = cJSON_Duplicate(scn_kget(cks, "default"), 1);
	} else {
		set_err(w, "%s is of type %s, it has no key '%s'", scn_sb_str(&w->p),
		        scn_ktype_names[ct], next);
		return NULL;
	}
	if (!child || !cJSON_AddItemToObject(w->node, name, child)) {
		cJSON_Delete(child);
		w->L->oom = 1;
		return NULL;
	}
	/* made for this --set: a message about it (a section of another model)
	 * names the --set, not the file */
	scn_ld_record(w->L, child, set_origin(w));
	return child;
}

/* Goes down key sg->name, or puts the value there when next is NULL (the
 * last segment).  0 after a message. */
static int set_key(struct set_walk *w, const struct scn_seg *sg, const struct scn_seg *next)
{
	enum scn_ktype t = scn_ktype_of(w->ks);
	if (t != KT_OBJECT) {
		set_err(w, "%s is of type %s, it has no key '%s'", scn_sb_str(&w->p),
		        scn_ktype_names[t], sg->name);
		return 0;
	}
	const cJSON *keys = scn_kget(w->ks, "keys");
	const cJSON *cks = cJSON_GetObjectItemCaseSensitive(keys, sg->name);
	scn_path_key(&w->p, sg->name);
	if (!cks) {
		struct sim_near nr = { sg->name, NULL, INT_MAX };
		for (const cJSON *s = keys ? keys->child : NULL; s; s = s->next)
			sim_near_try(&nr, s->string);
		char dym[160];
		set_err(w, "%s: unknown key%s", scn_sb_str(&w->p),
		        sim_did_you_mean(dym, sizeof dym, &nr));
		return 0;
	}
	if (!cJSON_IsObject(w->node)) {
		set_err(w, "%s: parent is %s, not an object", scn_sb_str(&w->p),
		        scn_json_type(w->node));
		return 0;
	}
	cJSON *child = cJSON_GetObjectItemCaseSensitive(w->node, sg->name);
	if (!next) {
		if (child)
			scn_ld_bury(w->L, cJSON_DetachItemViaPointer(w->node, child));
		if (!cJSON_AddItemToObject(w->node, sg->name, w->val)) {
			w->L->oom = 1;
			return 0;
		}
		return set_placed(w);
	}
	if (!child && !(child = set_make(w, cks, sg->name, next->name)))
		return 0;
	w->node = child;
	w->ks = cks;
	return 1;
}

/* The item of w->node that sg names ("[sui]"), and its index. */
static cJSON *set_named(struct set_walk *w, const cJSON *items, const char *name, int *idx)
{
	if (scn_ktype_of(items) != KT_OBJECT ||
	    !cJSON_GetObjectItemCaseSensitive(scn_kget(items, "keys"), "name")) {
		set_err(w, "%s: items have no \"name\"; use an index", scn_sb_str(&w->p));
		return NULL;
	}
	cJSON *child = scn_item_named(w->node, name, idx);
	if (!child) {
		struct sim_near nr = { name, NULL, INT_MAX };
		for (const cJSON *c = w->node->child; c; c = c->next) {
			const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
			sim_near_try(&nr, cJSON_IsString(nm) ? nm->valuestring : NULL);
		}
		char dym[160], cut[DIAG_CUT + 4];
		set_err(w, "%s: no item named '%s'%s", scn_sb_str(&w->p), diag_cut(cut, name),
		        sim_did_you_mean(dym, sizeof dym, &nr));
	}
	return child;
}

/* Goes down item [index] or [name], or puts the value there when last.
 * 0 after a message. */
static int set_item(struct set_walk *w, const struct scn_seg *sg, int last)
{
	enum scn_ktype t = scn_ktype_of(w->ks);
	if (t != KT_ARRAY) {
		set_err(w, "%s is of type %s, not an array", scn_sb_str(&w->p), scn_ktype_names[t]);
		return 0;
	}
	if (!cJSON_IsArray(w->node)) {
		set_err(w, "%s: expected array, got %s", scn_sb_str(&w->p), scn_json_type(w->node));
		return 0;
	}
	const cJSON *items = scn_kget(w->ks, "items");
	int idx = sg->index, size = cJSON_GetArraySize(w->node);
	cJSON *child;
	if (sg->kind == SEG_INDEX) {
		if (idx >= size) {
			set_err(w, "%s[%d]: index out of range (%d item%s)", scn_sb_str(&w->p), idx, size,
			        size == 1 ? "" : "s");
			return 0;
		}
		child = cJSON_GetArrayItem(w->node, idx);
	} else if (!(child = set_named(w, items, sg->name, &idx))) {
		return 0;
	}
	scn_path_index(&w->p, idx);
	if (last) {
		scn_ld_bury(w->L, cJSON_DetachItemViaPointer(w->node, child));
		if (!cJSON_InsertItemInArray(w->node, idx, w->val)) {
			w->L->oom = 1;
			return 0;
		}
		return set_placed(w);
	}
	w->node = child;
	w->ks = items;
	return 1;
}

/* A JSON value given on the command line may repeat a key too. */
static int set_check_dups(struct set_walk *w)
{
	int before = w->L->nerr;
	scn_sb q = { 0 };
	char cut[DIAG_CUT + 4];
	scn_sb_addf(&q, "--set '%s': %s", diag_cut(cut, w->assign), scn_sb_str(&w->p));
	scn_check_dups(w->L, w->placed, &q, w->file);
	scn_sb_release(&q);
	return w->L->nerr == before;
}

int scn_apply_set(struct scn_ld *L, cJSON *root, const char *assign, const char *file)
{
	const char *eq = strchr(assign, '=');
	if (!eq || eq == assign) {
		char cut[DIAG_CUT + 4];
		scn_ld_err(L, file, NULL, "--set '%s': expected PATH=VALUE", diag_cut(cut, assign));
		return 0;
	}
	size_t plen = (size_t)(eq - assign);
	/* room for scn_split_path to insert one NUL per segment */
	char *buf = malloc(2 * plen + 2);
	if (!buf) {
		L->oom = 1;
		return 0;
	}
	memcpy(buf, assign, plen);
	buf[plen] = '\0';
	struct scn_seg segs[SCN_MAX_SEGS];
	const char *why;
	int n = scn_split_path(buf, segs, &why), ok = 0;
	struct set_walk w = { .L = L, .assign = assign, .file = file, .node = root,
	                      .ks = scn_schema_root() };
	scn_sb_adds(&w.p, "$");
	if (n < 0) {
		char cut[DIAG_CUT + 4];
		scn_ld_err(L, file, NULL, "--set '%s': bad path: %s", diag_cut(cut, assign), why);
		goto done;
	}
	/* the value as JSON when it is valid JSON, else as a string */
	w.val = cJSON_ParseWithOpts(eq + 1, NULL, 1);
	if (!w.val)
		w.val = cJSON_CreateString(eq + 1);
	if (!w.val) {
		L->oom = 1;
		goto done;
	}
	for (int i = 0; i < n; i++) {
		const struct scn_seg *next = i + 1 < n ? &segs[i + 1] : NULL;
		if (!(segs[i].kind == SEG_KEY ? set_key(&w, &segs[i], next)
		                              : set_item(&w, &segs[i], !next)))
			goto done;
	}
	ok = set_check_dups(&w);
done:
	cJSON_Delete(w.val);
	scn_sb_release(&w.p);
	free(buf);
	return ok;
}
