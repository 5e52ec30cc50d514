/*
 * MinHash signatures of stories and the LSH join that clusters copies
 * (wirescan dedup, and --dedup on every command). Pure computation: no
 * I/O, no threads, no global state.
 *
 * Signing. A story is the sequence of its normalised terms (the field
 * asked for; dropped terms are skipped), each given a 64-bit hash of its
 * normalised string (XXH3), so a signature does not depend on the store's
 * term ids and stays valid across appends and stores. A shingle is N
 * consecutive terms (a story shorter than N is one shingle), hashed with
 * XXH3 seeded by the seed and folded to 32 bits, x. Permutation i maps x
 * to v = a_i x + b_i (mod 2^32), then v ^ (v >> 16): a bijection of the 32-bit
 * values (a_i odd; a_i, b_i drawn from XXH3 of (seed, i)); since the x are
 * themselves uniform hash values, the smallest v is equally likely to be
 * any shingle of the union, which is all MinHash needs. The signature keeps,
 * per permutation, the low 16 bits of the smallest value (b-bit MinHash: two different minima
 * agree by chance with probability 2^-16, a bias far below the estimate's
 * own error). Besides the signature a story keeps the number of its
 * shingles and an exact hash (XXH3 of its term hashes in order): two
 * stories are exact copies when their exact hashes and lengths agree.
 *
 * Similarity. J is estimated by the fraction of equal signature values;
 * the containment of the shorter story in the longer one follows from J
 * and the shingle counts: C = J (|A| + |B|) / ((1 + J) min(|A|, |B|)).
 * Two stories are copies when max(J, C) >= the threshold: a reprint cut to
 * half its length has J = 0.5 but C = 1.
 *
 * Clustering (ws_mh_cluster). Stories are given in chronological order
 * (the caller sorts by date, then id; undated stories last), so index
 * order is "earlier"; other input is refused (WS_EINVAL). Exact copies are
 * joined first (runs of equal exact hash; consecutive equal ones within
 * the window). Then LSH banding: bands of WS_MH_ROWS values; per band the
 * stories are sorted by band key (stably: each run of equal keys is in
 * chronological order); each story is verified against at most
 * WS_MH_LOOKBACK earlier members of its run that lie within the window,
 * and accepted pairs are joined in a union-find whose root is always the
 * earliest story. Everything runs in a fixed order, so clusters do not
 * depend on the thread count; cost is linear in the number of stories for
 * each band: the sort is one scatter into at most 256 buckets by the key's
 * top bits and three counting passes within each bucket while it is in
 * cache, and the look-back is bounded.
 */
#ifndef WS_MINHASH_H
#define WS_MINHASH_H

#include <stddef.h>
#include <stdint.h>

#define WS_MH_MAX_PERM 1024u
#define WS_MH_ROWS 2u      /* signature values per LSH band */
#define WS_MH_LOOKBACK 32u /* earlier run members a story is verified against, per band */

typedef struct ws_mh_params {
    uint32_t perm;    /* signature length (even, 16..WS_MH_MAX_PERM) */
    uint32_t shingle; /* terms per shingle (>= 1) */
    uint64_t seed;
    uint32_t field;   /* 0 all, 1 title, 2 body */
} ws_mh_params;

/* The defaults, which signatures stored in a store use. */
#define WS_MH_DEFAULT_PERM 128u
#define WS_MH_DEFAULT_SHINGLE 5u
#define WS_MH_DEFAULT_SEED 1u

/* Bytes of one stored story record: exact hash (8), shingle count (4),
 * perm 16-bit values. */
static inline size_t ws_mh_row_bytes(uint32_t perm) { return 12 + 2 * (size_t)perm; }

typedef struct ws_mh_hasher {
    ws_mh_params p;
    uint32_t *a, *b; /* perm coefficients each */
} ws_mh_hasher;

int ws_mh_hasher_init(ws_mh_hasher *h, const ws_mh_params *p);
void ws_mh_hasher_free(ws_mh_hasher *h);

/* The 64-bit hash of a normalised term string (never 0: 0 marks a dropped
 * term in term-hash tables). */
uint64_t ws_mh_term_hash(const void *s, size_t n);

/* Sign one story from its term hashes th[0..n) (entries 0 are skipped).
 * mins is scratch of h->p.perm uint32s. Writes one record of
 * ws_mh_row_bytes(perm) bytes to row. A story without terms gets shingle
 * count 0 (it is never anyone's copy). */
void ws_mh_sign(const ws_mh_hasher *h, const uint64_t *th, size_t n, uint64_t *scratch, uint32_t *mins, uint8_t *row);

/* Record accessors. */
uint64_t ws_mh_row_exact(const uint8_t *row);
uint32_t ws_mh_row_nsh(const uint8_t *row);
static inline const uint8_t *ws_mh_row_sig(const uint8_t *row) { return row + 12; }

/* max(estimated Jaccard, estimated containment) of two records. */
double ws_mh_similarity(const uint8_t *a, const uint8_t *b, uint32_t perm);

/* One story as the clustering sees it. */
typedef struct ws_mh_item {
    int64_t date;       /* WS_DATE_UNKNOWN: undated (the window does not apply) */
    const uint8_t *row; /* its record */
} ws_mh_item;

/* Union-find with the smallest index as every root. */
typedef struct ws_uf {
    uint32_t *parent;
    size_t n;
} ws_uf;
int ws_uf_init(ws_uf *u, size_t n);
void ws_uf_free(ws_uf *u);
uint32_t ws_uf_find(ws_uf *u, uint32_t x);
/* Join the sets of x and y; returns 1 when they were apart. */
int ws_uf_union(ws_uf *u, uint32_t x, uint32_t y);

typedef struct ws_mh_stats {
    uint64_t exact_pairs, candidates, verified, joined;
} ws_mh_stats;

/* Cluster items[0..n) (chronological order): root[i] receives the index of
 * the earliest story of i's cluster (i itself for a story alone).
 * window_s: copies are at most this many seconds apart (0: no limit).
 * Returns 0 or WS_ENOMEM. */
int ws_mh_cluster(const ws_mh_item *items, size_t n, uint32_t perm, double threshold, int64_t window_s, uint32_t *root,
                  ws_mh_stats *stats);

/* The probability that two stories of Jaccard similarity s share at least
 * one of `bands` bands of `rows` values: 1 - (1 - s^rows)^bands. */
double ws_mh_candidate_prob(double s, uint32_t rows, uint32_t bands);

#endif
