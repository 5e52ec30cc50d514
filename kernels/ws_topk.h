/*
 * Top-k selection, the one every kernel uses to rank its rows (tf, keyness,
 * cooc, ngrams, trends --emerging): keep the best k items of a stream in a
 * bounded max-heap whose root is the item that ranks last, then heapsort
 * them into rank order. O(n log k) with k small, and most items are
 * rejected by one comparison with the root.
 *
 * A template rather than a function taking a comparator pointer: the
 * comparison is the whole inner loop (called about n times, over millions
 * of terms or pairs), and the template keeps it inlined and type-specific,
 * as the hand-written heaps it replaced in each kernel had it.
 *
 * WS_TOPK_DEFINE(name, T, C, AFTER) defines, for items of type T and a
 * context of type C, with AFTER(const C *c, const T *a, const T *b)
 * returning nonzero when a ranks after b (a total order, so that the
 * result does not depend on the input order):
 *
 *   size_t name_select(const C *c, T *v, size_t n, size_t top)
 *       the best min(top, n) items of v[0..n) first, in rank order
 *       (top 0: all); returns how many.
 *   void name_offer(const C *c, T *h, size_t *n, size_t cap, const T *x)
 *       streaming: keep in h[0..*n) the best `cap` items offered so far.
 *   void name_sort(const C *c, T *h, size_t n)
 *       h[0..n) as name_offer left it, into rank order.
 */
#ifndef WS_TOPK_H
#define WS_TOPK_H

#include <stddef.h>

#define WS_TOPK_DEFINE(name, T, C, AFTER)                                                                              \
    static inline void name##_sift(const C *c, T *h, size_t n, size_t i)                                             \
    {                                                                                                                  \
        for (;;) { /* max-heap by AFTER: the root ranks last */                                                      \
            size_t l = 2 * i + 1, m = i;                                                                               \
            if (l < n && AFTER(c, &h[l], &h[m])) m = l;                                                                \
            if (l + 1 < n && AFTER(c, &h[l + 1], &h[m])) m = l + 1;                                                    \
            if (m == i) return;                                                                                        \
            T t_ = h[i];                                                                                               \
            h[i] = h[m];                                                                                               \
            h[m] = t_;                                                                                                 \
            i = m;                                                                                                     \
        }                                                                                                              \
    }                                                                                                                  \
    static inline void name##_sort(const C *c, T *h, size_t n)                                                       \
    {                                                                                                                  \
        for (size_t i = n / 2; i-- > 0;) name##_sift(c, h, n, i);                                                      \
        for (size_t e = n; e > 1; e--) { /* the last-ranked goes to the end */                                       \
            T t_ = h[0];                                                                                               \
            h[0] = h[e - 1];                                                                                           \
            h[e - 1] = t_;                                                                                             \
            name##_sift(c, h, e - 1, 0);                                                                               \
        }                                                                                                              \
    }                                                                                                                  \
    static inline void name##_offer(const C *c, T *h, size_t *n, size_t cap, const T *x)                             \
    {                                                                                                                  \
        if (*n < cap) {                                                                                                \
            h[(*n)++] = *x;                                                                                            \
            if (*n == cap)                                                                                             \
                for (size_t i = cap / 2; i-- > 0;) name##_sift(c, h, cap, i);                                          \
        } else if (cap && AFTER(c, &h[0], x)) {                                                                        \
            h[0] = *x;                                                                                                 \
            name##_sift(c, h, cap, 0);                                                                                 \
        }                                                                                                              \
    }                                                                                                                  \
    static inline size_t name##_select(const C *c, T *v, size_t n, size_t top)                                       \
    {                                                                                                                  \
        size_t k = top && top < n ? top : n;                                                                           \
        for (size_t i = k / 2; i-- > 0;) name##_sift(c, v, k, i);                                                      \
        for (size_t i = k; i < n; i++)                                                                                 \
            if (AFTER(c, &v[0], &v[i])) {                                                                              \
                v[0] = v[i];                                                                                           \
                name##_sift(c, v, k, 0);                                                                               \
            }                                                                                                          \
        name##_sort(c, v, k);                                                                                          \
        return k;                                                                                                      \
    }

#endif
