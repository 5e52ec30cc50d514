/*
 * One analytic command line (tf, cooc, trends, topics, ...) turned into a
 * configured request and its outputs (ws_cmd_kernel.c): used by the
 * command itself (`wirescan tf STORE ...`) and by each line of a job file
 * (`wirescan run`, ws_cmd_run.c), so both accept the same options with the
 * same checks and write the same bytes.
 *
 * Steps: ws_kcmd_parse (options; nothing opened), ws_kcmd_check (every
 * value checked against the kernel's descriptor, still without a store),
 * ws_kcmd_setup (the request over an open corpus, its side tables, the
 * dtm and chart writers), then a run streaming to ws_kcmd_batch, then
 * ws_kcmd_finish (close, publish or remove the outputs, draw charts).
 */
#ifndef WS_KCMD_H
#define WS_KCMD_H

#include "wirescan.h"
#include "ws_cli.h"
#include "ws_dtm_out.h"
#include "ws_trends_chart.h"

typedef struct ws_kcmd_side {
    const char *name, *path; /* table name, the file asked for */
    char tmp[4096];          /* written here, renamed to path when the run succeeds */
    int written;
} ws_kcmd_side;

typedef struct ws_kcmd {
    const char *cmd, *kernel;  /* kernel: "decode" under --decode-only */
    const char *prog;          /* how messages name the command ("wirescan tf", "jobs.txt:3: tf") */
    ws_cli_setting *set;       /* request parameters, in order */
    size_t nset;
    const char **charts;
    size_t ncharts;
    ws_kcmd_side *sides;
    size_t nsides;
    const char *out_path, *chart_y, *title;
    ws_result_format fmt;
    int progress, progress_given, quiet, decode_only, helped;
    char **stores;             /* the positional arguments */
    size_t nstores;
    /* Write the main output to a temporary file next to it, renamed when
     * the run succeeds (jobs: no partial report under the asked-for name). */
    int atomic;
    /* during the run */
    ws_request *q;
    ws_dtm_out *dtm;
    ws_trends_chart *chart;
    int side_chart;
    FILE *f;
    int header_done;
    char out_tmp[4096];
    char *owned[64];           /* paths made by ws_kcmd_rebase */
    size_t nowned;
} ws_kcmd;

/* Parse argv (argv[0] is the command; getopt's messages name prog). With
 * in_job, --help is refused. Returns 0 (after --help too: k->helped), or an
 * exit status after printing the error and "Try 'wirescan CMD --help'.".
 * argv must outlive k. */
int ws_kcmd_parse(ws_kcmd *k, const char *cmd, const char *prog, int argc, char **argv, int in_job);
/* Check every parameter value (without a store): 0 or the usage status. */
int ws_kcmd_check(ws_kcmd *k);
/* Make relative output paths (-o, --chart, side tables) relative to dir. */
int ws_kcmd_rebase(ws_kcmd *k, const char *dir);
/* Create the request over c and set it up: parameters, side tables, the
 * dtm and chart writers. Returns 0 or an exit status (message printed). */
int ws_kcmd_setup(ws_kcmd *k, ws_corpus *c);
/* The main table's sink (ctx: k). */
int ws_kcmd_batch(void *ctx, const ws_result *batch);
/* After the run: status is the run's exit status (0: it succeeded).
 * Closes the outputs, publishing them when status is 0 and removing what
 * was written otherwise, draws the charts; returns the final status. */
int ws_kcmd_finish(ws_kcmd *k, int status);
/* Every file the command writes (main output or dtm prefix, charts, side
 * tables), i from 0; NULL past the end. */
const char *ws_kcmd_output(const ws_kcmd *k, size_t i);
void ws_kcmd_free(ws_kcmd *k);

/* The usage line after an error: "Try 'wirescan CMD --help'."; returns 2. */
int ws_kcmd_usage_error(const char *cmd);

#endif
