/*
 * The files of `wirescan dtm -o PREFIX`, written from the dtm kernel's
 * streamed result (one row per nonzero cell, kernels/ws_k_dtm.c):
 *   PREFIX.mtx       Matrix Market "matrix coordinate integer general":
 *                    stories x terms, 1-based "row col count" lines in
 *                    store order, cells of a row by column;
 *   PREFIX.rows.csv  row,id,date,source (every story that passed the filters);
 *   PREFIX.cols.csv  col,term,df.
 * The matrix's size line needs the counts, so the cells go to PREFIX.mtx.tmp
 * first and are copied behind the header at the end. On failure every file
 * is removed.
 */
#ifndef WS_DTM_OUT_H
#define WS_DTM_OUT_H

#include "wirescan.h"

typedef struct ws_dtm_out ws_dtm_out;

int ws_dtm_out_open(ws_dtm_out **out, const char *prefix);
int ws_dtm_out_add(ws_dtm_out *o, const ws_result *batch);
/* ok: write the matrix and the column file; otherwise remove everything.
 * Frees o. Returns 0 or a negative WS_E* code (the message names the file). */
int ws_dtm_out_close(ws_dtm_out *o, int ok);

#endif
