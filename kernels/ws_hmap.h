/*
 * The kernels' hash map: 64-bit keys (a term id, a group id, a bucket and a
 * group packed together) to a value type, open addressing with linear
 * probing, a power-of-two table grown at 3/4 load, key UINT64_MAX marking
 * an empty slot. A template (one definition per value type) so that the
 * probe loop is inlined and the slot is one cache-friendly struct.
 *
 * WS_HMAP_DEFINE(name, V) defines `name` (a map: slots, mask, used) with
 * slots of type `name##_slot` {key, val} and:
 *
 *   int  name_init(name *m, size_t cap)   cap a power of two; WS_ENOMEM
 *   void name_free(name *m)
 *   V   *name_get(name *m, uint64_t key, int *fresh)
 *        the value of key, inserted zeroed when absent (*fresh = 1; fresh
 *        may be NULL); NULL when growing the table fails (error set)
 *   const V *name_find(const name *m, uint64_t key)   NULL when absent
 *
 * Iterate with `for (i = 0; i <= m->mask; i++) if (m->slots[i].key !=
 * WS_HMAP_EMPTY) ...` (slots are in hash order: sort before output).
 *
 * The hot counting tables of cooc and ngrams (batched prefetching probes,
 * spilling when full) and the ingest dictionary (string keys) keep their
 * own tables beside the kernel that needs them.
 */
#ifndef WS_HMAP_H
#define WS_HMAP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ws_util.h"

#define WS_HMAP_EMPTY UINT64_MAX

/* The key's slot hash (the finaliser of MurmurHash3: ids are dense small
 * integers, which a plain mask would pile into neighbouring slots). */
static inline uint64_t ws_hmap_mix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

#define WS_HMAP_DEFINE(name, V)                                                                                        \
    typedef struct name##_slot {                                                                                       \
        uint64_t key;                                                                                                  \
        V val;                                                                                                         \
    } name##_slot;                                                                                                     \
    typedef struct name {                                                                                              \
        name##_slot *slots;                                                                                            \
        size_t mask, used;                                                                                             \
    } name;                                                                                                            \
    static inline int name##_init(name *m, size_t cap)                                                               \
    {                                                                                                                  \
        m->slots = ws_malloc(cap * sizeof *m->slots);                                                                  \
        if (!m->slots) return WS_ENOMEM;                                                                               \
        for (size_t i = 0; i < cap; i++) m->slots[i].key = WS_HMAP_EMPTY;                                              \
        m->mask = cap - 1;                                                                                             \
        m->used = 0;                                                                                                   \
        return 0;                                                                                                      \
    }                                                                                                                  \
    static inline void name##_free(name *m)                                                                          \
    {                                                                                                                  \
        ws_free(m->slots);                                                                                             \
        m->slots = NULL;                                                                                               \
        m->mask = m->used = 0;                                                                                         \
    }                                                                                                                  \
    static inline int name##_grow(name *m)                                                                           \
    {                                                                                                                  \
        name g;                                                                                                        \
        if (name##_init(&g, (m->mask + 1) * 2)) return ws_error(WS_ENOMEM, "out of memory growing a hash table");     \
        for (size_t i = 0; i <= m->mask; i++) {                                                                        \
            if (m->slots[i].key == WS_HMAP_EMPTY) continue;                                                            \
            size_t j = ws_hmap_mix(m->slots[i].key) & g.mask;                                                          \
            while (g.slots[j].key != WS_HMAP_EMPTY) j = (j + 1) & g.mask;                                              \
            g.slots[j] = m->slots[i];                                                                                  \
        }                                                                                                              \
        g.used = m->used;                                                                                              \
        ws_free(m->slots);                                                                                             \
        *m = g;                                                                                                        \
        return 0;                                                                                                      \
    }                                                                                                                  \
    static inline V *name##_get(name *m, uint64_t key, int *fresh)                                                   \
    {                                                                                                                  \
        for (;;) {                                                                                                     \
            size_t j = ws_hmap_mix(key) & m->mask;                                                                     \
            for (;;) {                                                                                                 \
                name##_slot *s = &m->slots[j];                                                                         \
                if (s->key == key) {                                                                                   \
                    if (fresh) *fresh = 0;                                                                             \
                    return &s->val;                                                                                    \
                }                                                                                                      \
                if (s->key == WS_HMAP_EMPTY) break;                                                                    \
                j = (j + 1) & m->mask;                                                                                 \
            }                                                                                                          \
            if ((m->used + 1) * 4 > (m->mask + 1) * 3) { /* grow, then probe again */                                \
                if (name##_grow(m)) return NULL;                                                                       \
                continue;                                                                                              \
            }                                                                                                          \
            m->slots[j].key = key;                                                                                     \
            memset(&m->slots[j].val, 0, sizeof m->slots[j].val);                                                       \
            m->used++;                                                                                                 \
            if (fresh) *fresh = 1;                                                                                     \
            return &m->slots[j].val;                                                                                   \
        }                                                                                                              \
    }                                                                                                                  \
    static inline const V *name##_find(const name *m, uint64_t key)                                                  \
    {                                                                                                                  \
        if (!m->slots) return NULL;                                                                                    \
        for (size_t j = ws_hmap_mix(key) & m->mask;; j = (j + 1) & m->mask) {                                          \
            if (m->slots[j].key == key) return &m->slots[j].val;                                                       \
            if (m->slots[j].key == WS_HMAP_EMPTY) return NULL;                                                         \
        }                                                                                                              \
    }

#endif
