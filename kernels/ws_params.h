/*
 * Named, typed parameters: the values of a request's parameters, checked
 * against their descriptions (ws_param_info, include/wirescan.h). A kernel
 * descriptor lists its own parameters; the engine adds the common ones
 * (filters, normalisation, run). Every value can be set as text, the way
 * the command line gives it, so the CLI, the C API and the Python package
 * parse values in one place; typed setters check the type.
 */
#ifndef WS_PARAMS_H
#define WS_PARAMS_H

#include "wirescan.h"
#include "ws_util.h"

typedef struct ws_pval {
    const ws_param_info *info;
    int given;     /* set by the caller, not a default */
    int has;       /* holds a value (given, or a default) */
    int64_t i;     /* FLAG (0/1), INT, DATE (Unix seconds), SIZE (bytes) */
    double d;      /* DOUBLE */
    char *s;       /* TEXT, CHOICE; DATE: as written (owned) */
    char **list;   /* LIST (owned) */
    size_t nlist;
} ws_pval;

typedef struct ws_params {
    ws_pval *v;
    size_t n;
} ws_params;

/* The parameters of tables tabs[0..k) (ntabs[i] entries each), with their
 * defaults. A name in a later table hides the same name in an earlier one. */
int ws_params_init(ws_params *p, const ws_param_info *const *tabs, const size_t *ntabs, size_t k);
void ws_params_free(ws_params *p); /* NULL-safe */

/* Set a value. WS_EINVAL names the parameter and what it expects: an
 * unknown name, a value that does not parse or is out of range, a typed
 * setter on a parameter of another type. */
int ws_params_set_text(ws_params *p, const char *name, const char *value);
int ws_params_set_int(ws_params *p, const char *name, int64_t v);
int ws_params_set_double(ws_params *p, const char *name, double v);
int ws_params_set_flag(ws_params *p, const char *name, int on);

/* Parse value for parameter info without keeping it: 0 or WS_EINVAL. */
int ws_params_check(const ws_param_info *info, const char *value);

/* Reading (for kernels' prepare hooks and the engine). Unknown names read
 * as unset: 0, 0.0, NULL, an empty list. */
const ws_pval *ws_params_get(const ws_params *p, const char *name);
int ws_params_given(const ws_params *p, const char *name);
int64_t ws_params_int(const ws_params *p, const char *name);
double ws_params_double(const ws_params *p, const char *name);
const char *ws_params_text(const ws_params *p, const char *name);
const char *const *ws_params_list(const ws_params *p, const char *name, size_t *n);

/* Parsers the setters use (also for callers with values of their own).
 * A date: a calendar period means all of it: its first second, or its
 * last with end_of_period (YYYY, YYYY-Qn, YYYY-MM, YYYY-MM-DD, YYYYMMDD);
 * anything else ws_date_parse reads is taken as it is. */
int ws_parse_date_param(const char *s, int end_of_period, int64_t *out);
/* A size: digits with an optional K, M or G (powers of 1024) and B. */
int ws_parse_size(const char *s, size_t *out);

#endif
