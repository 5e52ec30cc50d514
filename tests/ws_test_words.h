/*
 * Shared by the kernel tests that count words (test_cooc, test_ngrams): a
 * seeded corpus of NSTORY stories over the words w000..w(NWORD-1), skewed
 * (a product of two uniform draws) so that some words and pairs are
 * frequent and many rare, each with a title of up to title_max tokens and
 * a body whose sentences start every SENT tokens (a capital W after ". ",
 * which case folding removes). tw_build writes it as JSONL, ingests it
 * into a store of small blocks (many blocks for the threads) and opens it.
 * The test keeps S to compute its expectations in plain loops.
 *
 * Include once, after <criterion/criterion.h>, with NSTORY, NWORD, MAXTOK
 * and SENT defined.
 */
#ifndef WS_TEST_WORDS_H
#define WS_TEST_WORDS_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ws_ingest.h"

typedef struct story {
    int ntitle, ntok;
    int tok[MAXTOK];
} story;

static story S[NSTORY];
static char dir[256];
static ws_store *st;

static uint64_t rng;
static uint32_t rnd(uint32_t n)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng >> 33) % n;
}

static void tw_build(const char *name, uint64_t seed, uint32_t title_max, uint32_t block_tokens)
{
    rng = seed;
    for (int i = 0; i < NSTORY; i++) {
        story *s = &S[i];
        s->ntok = (int)rnd(MAXTOK);
        s->ntitle = s->ntok ? (int)rnd(title_max + 1) : 0;
        if (s->ntitle > s->ntok) s->ntitle = s->ntok;
        for (int k = 0; k < s->ntok; k++) s->tok[k] = (int)(rnd(NWORD) * rnd(NWORD) / NWORD);
    }
    snprintf(dir, sizeof dir, "/tmp/ws-test-%s.%d", name, (int)getpid());
    char cmd[600], in[300], store[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(in, sizeof in, "%s/a.jsonl", dir);
    snprintf(store, sizeof store, "%s/store", dir);
    FILE *f = fopen(in, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < NSTORY; i++) {
        story *s = &S[i];
        fprintf(f, "{\"id\": \"%d\", \"title\": \"", i);
        for (int k = 0; k < s->ntitle; k++) fprintf(f, "%sw%03d", k ? " " : "", s->tok[k]);
        fprintf(f, "\", \"body\": \"");
        for (int k = s->ntitle; k < s->ntok; k++) {
            int start = k > s->ntitle && (k - s->ntitle) % SENT == 0;
            fprintf(f, "%s%c%03d", k == s->ntitle ? "" : start ? ". " : " ", start ? 'W' : 'w', s->tok[k]);
        }
        fprintf(f, "\"}\n");
    }
    fclose(f);
    const char *inputs[] = {in};
    ws_ingest_opts o;
    ws_ingest_opts_default(&o);
    o.store = store;
    o.inputs = inputs;
    o.ninputs = 1;
    o.threads = 2;
    o.block_tokens = block_tokens;
    FILE *log = fopen("/dev/null", "w");
    o.log = log;
    ws_ingest_stats is;
    int rc = ws_ingest(&o, &is);
    fclose(log);
    cr_assert_eq(rc, 0, "ingest: %s", ws_last_error());
    cr_assert_eq(ws_store_open(store, 0, &st), 0, "%s", ws_last_error());
}

/* Close the store and remove the folder. */
static void tw_remove(void)
{
    ws_store_close(st);
    st = NULL;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", dir);
}

#endif
