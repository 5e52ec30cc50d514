/*
 * Synthetic news corpus generator (`wirescan generate`).
 *
 * Produces JSONL stories that look statistically like a wire archive: an
 * invented, syllable-built vocabulary drawn with a Zipf law, log-normal story
 * lengths, several outlets of different volume, dates over 2015-2020 with
 * weekly seasonality and growth, a sprinkling of accented Latin and Cyrillic
 * words, and a set of planted topics (rise, burst, decline, seasonal, steady)
 * whose ground truth can be written as CSV so trend detection can be checked.
 * Every story is a pure function of (seed, story index, story count), so the
 * output is byte-identical for any thread count.
 */
#ifndef WS_GENERATE_H
#define WS_GENERATE_H

#include <stdint.h>

/* First and last day of generated dates (inclusive), UTC. */
#define WS_GEN_FIRST_YEAR 2015
#define WS_GEN_LAST_YEAR 2020

typedef struct ws_gen_opts {
    uint64_t stories;       /* number of stories to write (0 writes an empty file) */
    uint64_t seed;          /* vocabulary, topics and stories all derive from it */
    const char *out_path;   /* JSONL output; "-" is stdout; required */
    const char *truth_path; /* planted-topic CSV, or NULL for none */
    int threads;            /* <= 0: all cores */
} ws_gen_opts;

/* Default seed when --seed is not given. */
#define WS_GEN_DEFAULT_SEED 42

/* Writes the corpus (and the truth CSV when truth_path is set).
 * @return 0, or WS_EINVAL (bad options), WS_ENOMEM, WS_EIO, with detail in
 * ws_last_error() naming the file. */
int ws_generate(const ws_gen_opts *o);

/* Runs `wirescan generate ARGS`; argv[0] is "generate". Prints usage errors
 * and failures on stderr. Returns a process exit status (0 ok, 2 usage,
 * 3 out of memory, 4 I/O). */
int ws_generate_main(int argc, char **argv);

#endif /* WS_GENERATE_H */
