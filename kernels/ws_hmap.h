/*
 * The kernels' hash tables: one open-addressing table with linear probing,
 * written once as a template (one definition per slot type, so the probe
 * loop is inlined and a slot is one cache-friendly struct) and used by
 * every counting table of the kernels: tf's and trends' term and group
 * maps, cooc's pair table and ngrams' n-gram table.
 *
 * Capacities are any size, not only powers of two (see ws_hmap_home), so
 * a table bounded by a memory budget can use the whole of its share; each
 * table has a seed mixed into its hash.
 *
 * WS_HMAP_DEFINE_SLOTS(name, SLOT, KEY, HASH, MATCH, ISEMPTY, SETKEY, FILL)
 * defines a table `name` {slots, cap, used, limit, mask, seed} of SLOT, keyed by
 * KEY (passed by value), where
 *   HASH(key, seed)   the key's 64-bit hash,
 *   MATCH(slot, key)  1 when the (occupied) slot holds key,
 *   ISEMPTY(slot)     1 for an empty slot,
 *   SETKEY(slot, key) stores key in a zeroed slot,
 *   FILL              the byte every byte of an empty slot holds;
 * and
 *   int   name_init(name *m, size_t cap, uint64_t seed)   WS_ENOMEM
 *   void  name_free(name *m)
 *   void  name_clear(name *m)                  every slot empty again
 *   uint64_t name_hash(const name *m, KEY k)
 *   void  name_prefetch(const name *m, uint64_t h)
 *   SLOT *name_probe(name *m, KEY k, uint64_t h)
 *         the slot holding k, or the empty slot where k would go (nothing
 *         inserted): for tables with their own policy when full
 *   SLOT *name_claim(name *m, SLOT *empty, KEY k)
 *         inserts k into the empty slot probe returned (the rest zeroed)
 *   int   name_resize(name *m, size_t cap)     rehash into cap slots
 *   SLOT *name_get_h(name *m, KEY k, uint64_t h, int *fresh)
 *   SLOT *name_get(name *m, KEY k, int *fresh)
 *         the slot of k, inserted zeroed when absent (*fresh = 1; fresh may
 *         be NULL), the table doubling when 3/4 full; NULL when growing
 *         fails (error set)
 *   const SLOT *name_find(const name *m, KEY k)   NULL when absent
 *   size_t name_compact(name *m)
 *         moves the occupied slots to the front (in slot order) and returns
 *         their number; the table must be cleared before its next insert
 *
 * Iterate with `for (i = 0; i < m->cap; i++) if (!ISEMPTY(&m->slots[i]))`
 * (slots are in hash order: sort before output).
 *
 * WS_HMAP_DEFINE(name, V) is the common case: 64-bit keys (a term id, a
 * pair of ids, a bucket and a group packed together), slots {key, val},
 * key UINT64_MAX (WS_HMAP_EMPTY) marking an empty slot. Its name_get and
 * name_find return the value (V *) rather than the slot.
 *
 * The term dictionaries keep their own tables: the store's (formats/
 * ws_store.c, a layer below the kernels) and the ingest's (engine/
 * ws_ingest.c), both keyed by strings that live in the dictionary's text
 * and probed by a stored 64-bit hash before any string is compared.
 */
#ifndef WS_HMAP_H
#define WS_HMAP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ws_util.h"

#define WS_HMAP_EMPTY UINT64_MAX

/* The finaliser of MurmurHash3: ids are dense small integers, which taken
 * as they are would fill neighbouring slots. */
static inline uint64_t ws_hmap_mix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

/* The cheaper mix for the 64-bit-key tables (one multiply: a lookup per
 * token in tf and trends, where the second multiply of the full finaliser
 * measured a few percent). */
static inline uint64_t ws_hmap_mix1(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

/* The slot of hash h in a table of cap slots: its low bits when cap is a
 * power of two (mask = cap - 1), else h scaled to [0, cap). Why not always
 * scale: a mask is one instruction. Either way, tables that merge (one
 * table's entries moved in slot order into another) must hash with
 * different seeds: with the same hash the entries arrive in the other's
 * slot order and pile into ever longer probe runs (quadratic; ngrams with
 * 2 threads hung on 200k stories before its tables were seeded). */
static inline size_t ws_hmap_home(uint64_t h, size_t mask, size_t cap)
{
    if (mask) return (size_t)h & mask;
#if defined(__SIZEOF_INT128__)
    __extension__ typedef unsigned __int128 ws_u128;
    return (size_t)(((ws_u128)h * cap) >> 64);
#else
    return (size_t)(((h >> 32) * (uint64_t)cap) >> 32); /* capacities below 2^32 */
#endif
}

#define WS_HMAP_DEFINE_SLOTS(name, SLOT, KEY, HASH, MATCH, ISEMPTY, SETKEY, FILL)                                      \
    typedef struct name {                                                                                              \
        SLOT *slots;                                                                                                   \
        size_t cap, used, limit; /* limit: 3/4 of cap, where name_get grows */                                        \
        size_t mask;             /* cap - 1 when cap is a power of two, else 0 */                                        \
        uint64_t seed;                                                                                                 \
    } name;                                                                                                            \
    static inline void name##_clear(name *m)                                                                         \
    {                                                                                                                  \
        memset(m->slots, (FILL), m->cap * sizeof *m->slots);                                                           \
        m->used = 0;                                                                                                   \
    }                                                                                                                  \
    static inline int name##_init(name *m, size_t cap, uint64_t seed)                                                \
    {                                                                                                                  \
        if (cap < 4) cap = 4;                                                                                          \
        m->slots = ws_malloc(cap * sizeof *m->slots);                                                                  \
        if (!m->slots) return ws_error(WS_ENOMEM, "out of memory for a hash table of %zu slots", cap);               \
        if (cap * sizeof *m->slots >= ((size_t)4 << 20)) ws_advise_random_table(m->slots, cap * sizeof *m->slots);      \
        m->cap = cap;                                                                                                  \
        m->mask = (cap & (cap - 1)) ? 0 : cap - 1;                                                                     \
        m->limit = cap / 4 * 3;                                                                                        \
        m->seed = seed;                                                                                                \
        name##_clear(m);                                                                                               \
        return 0;                                                                                                      \
    }                                                                                                                  \
    static inline void name##_free(name *m)                                                                          \
    {                                                                                                                  \
        ws_free(m->slots);                                                                                             \
        m->slots = NULL;                                                                                               \
        m->cap = m->used = m->limit = m->mask = 0;                                                                               \
    }                                                                                                                  \
    static inline uint64_t name##_hash(const name *m, KEY k) { return HASH(k, m->seed); }                            \
    static inline void name##_prefetch(const name *m, uint64_t h)                                                    \
    {                                                                                                                  \
        __builtin_prefetch(&m->slots[ws_hmap_home(h, m->mask, m->cap)], 1);                                                     \
    }                                                                                                                  \
    static inline SLOT *name##_probe(name *m, KEY k, uint64_t h)                                                     \
    {                                                                                                                  \
        size_t j = ws_hmap_home(h, m->mask, m->cap);                                                                            \
        for (;;) {                                                                                                     \
            SLOT *s = &m->slots[j];                                                                                    \
            if (MATCH(s, k) || ISEMPTY(s)) return s;                                                                   \
            j = j + 1 == m->cap ? 0 : j + 1;                                                                           \
        }                                                                                                              \
    }                                                                                                                  \
    static inline SLOT *name##_claim(name *m, SLOT *s, KEY k)                                                        \
    {                                                                                                                  \
        memset(s, 0, sizeof *s);                                                                                       \
        SETKEY(s, k);                                                                                                  \
        m->used++;                                                                                                     \
        return s;                                                                                                      \
    }                                                                                                                  \
    static inline int name##_resize(name *m, size_t cap)                                                             \
    {                                                                                                                  \
        name g;                                                                                                        \
        if (name##_init(&g, cap, m->seed)) return WS_ENOMEM;                                                           \
        for (size_t i = 0; i < m->cap; i++) {                                                                          \
            const SLOT *s = &m->slots[i];                                                                              \
            if (ISEMPTY(s)) continue;                                                                                  \
            size_t j = ws_hmap_home(HASH(s->key, m->seed), g.mask, g.cap);                                                     \
            while (!ISEMPTY(&g.slots[j])) j = j + 1 == g.cap ? 0 : j + 1;                                              \
            g.slots[j] = *s;                                                                                           \
        }                                                                                                              \
        g.used = m->used;                                                                                              \
        ws_free(m->slots);                                                                                             \
        *m = g;                                                                                                        \
        return 0;                                                                                                      \
    }                                                                                                                  \
    static inline SLOT *name##_get_h(name *m, KEY k, uint64_t h, int *fresh)                                         \
    {                                                                                                                  \
        /* grown before the probe, so that the probe loop is the whole hot path */                                    \
        if (WS_UNLIKELY(m->used >= m->limit) && name##_resize(m, m->cap * 2)) return NULL;                             \
        SLOT *s = name##_probe(m, k, h);                                                                               \
        int f = ISEMPTY(s);                                                                                            \
        if (f) name##_claim(m, s, k);                                                                                  \
        if (fresh) *fresh = f;                                                                                         \
        return s;                                                                                                      \
    }                                                                                                                  \
    static inline SLOT *name##_get(name *m, KEY k, int *fresh) { return name##_get_h(m, k, HASH(k, m->seed), fresh); } \
    static inline const SLOT *name##_find(const name *m, KEY k)                                                      \
    {                                                                                                                  \
        if (!m->slots) return NULL;                                                                                    \
        for (size_t j = ws_hmap_home(HASH(k, m->seed), m->mask, m->cap);; j = j + 1 == m->cap ? 0 : j + 1) {                    \
            const SLOT *s = &m->slots[j];                                                                              \
            if (ISEMPTY(s)) return NULL;                                                                               \
            if (MATCH(s, k)) return s;                                                                                 \
        }                                                                                                              \
    }                                                                                                                  \
    static inline size_t name##_compact(name *m)                                                                     \
    {                                                                                                                  \
        size_t n = 0;                                                                                                  \
        for (size_t i = 0; i < m->cap; i++)                                                                            \
            if (!ISEMPTY(&m->slots[i])) m->slots[n++] = m->slots[i];                                                   \
        return n;                                                                                                      \
    }

#define WS_HMAP_U64_HASH(k, seed) ws_hmap_mix1((k) ^ (seed))
#define WS_HMAP_U64_MATCH(s, k) ((s)->key == (k))
#define WS_HMAP_U64_ISEMPTY(s) ((s)->key == WS_HMAP_EMPTY)
#define WS_HMAP_U64_SETKEY(s, k) ((s)->key = (k))

/* 64-bit keys to V; name_get / name_find return the value. */
#define WS_HMAP_DEFINE(name, V)                                                                                        \
    typedef struct name##_slot {                                                                                       \
        uint64_t key;                                                                                                  \
        V val;                                                                                                         \
    } name##_slot;                                                                                                     \
    WS_HMAP_DEFINE_SLOTS(name##_t, name##_slot, uint64_t, WS_HMAP_U64_HASH, WS_HMAP_U64_MATCH, WS_HMAP_U64_ISEMPTY,    \
                         WS_HMAP_U64_SETKEY, 0xff)                                                                     \
    typedef name##_t name;                                                                                             \
    static inline int name##_init(name *m, size_t cap, uint64_t seed) { return name##_t_init(m, cap, seed); }        \
    static inline void name##_free(name *m) { name##_t_free(m); }                                                    \
    static inline V *name##_get(name *m, uint64_t k, int *fresh)                                                     \
    {                                                                                                                  \
        name##_slot *s = name##_t_get(m, k, fresh);                                                                    \
        return s ? &s->val : NULL;                                                                                     \
    }                                                                                                                  \
    static inline const V *name##_find(const name *m, uint64_t k)                                                    \
    {                                                                                                                  \
        const name##_slot *s = name##_t_find(m, k);                                                                    \
        return s ? &s->val : NULL;                                                                                     \
    }

#endif
