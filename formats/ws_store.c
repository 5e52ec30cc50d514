/*
 * Store files: the append-only term dictionary, the per-generation term
 * statistics, the manifest, and the commits that publish them (segments are
 * read and written in ws_segment.c, file helpers in ws_fileio.c).
 *
 * Every byte of every file is covered by a check: segment chunks by their
 * XXH3-64 in the footer, the footer by the trailer's XXH3, header and trailer
 * by magic, version and exact-size arithmetic; dictionary records and the
 * statistics file carry their own XXH3; the manifest ends with the XXH3 of
 * its text. Readers bound every count by the bytes that remain before they
 * allocate, so a corrupt file costs an error, never a wild read or a huge
 * allocation.
 */
#include "ws_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>
#include <zstd.h>

#include "ws_columns.h"
#include "ws_fileio.h"
#include "ws_termidx.h"

/* ------------------------------------------------------------------ */
/* dictionary                                                          */

void ws_dict_free(ws_dict *d)
{
    ws_free(d->off);
    ws_free(d->text);
    ws_free(d->cf);
    ws_free(d->df);
    ws_free(d->slots);
    memset(d, 0, sizeof *d);
}

static int dict_grow(ws_dict *d, uint32_t need_terms, uint64_t need_text)
{
    if (need_terms > d->cap) {
        uint32_t cap = d->cap ? d->cap : 1024;
        while (cap < need_terms) cap = cap > UINT32_MAX / 2 ? UINT32_MAX - 1 : cap * 2;
        uint64_t *off = ws_realloc(d->off, ((size_t)cap + 1) * sizeof *off);
        if (off) d->off = off;
        uint64_t *cf = off ? ws_realloc(d->cf, (size_t)cap * sizeof *cf) : NULL;
        if (cf) d->cf = cf;
        uint64_t *df = cf ? ws_realloc(d->df, (size_t)cap * sizeof *df) : NULL;
        if (df) d->df = df;
        if (!df) return ws_error(WS_ENOMEM, "out of memory growing the dictionary to %u terms", cap);
        if (d->cap == 0) d->off[0] = 0;
        d->cap = cap;
    }
    if (need_text > d->text_cap) {
        uint64_t cap = d->text_cap ? d->text_cap : 1 << 16;
        while (cap < need_text) cap *= 2;
        char *t = ws_realloc(d->text, (size_t)cap);
        if (!t) return ws_error(WS_ENOMEM, "out of memory growing the dictionary text");
        d->text = t;
        d->text_cap = cap;
    }
    return 0;
}

/* Open addressing with linear probing over 16-byte slots. A slot holds 24
 * bits of the term's hash, its length, its id and its first 8 bytes, so a
 * probe that meets another term is rejected inside the slot, and a term of
 * at most 8 bytes (most words of running text) is found without touching
 * the dictionary's offsets or text: ingest looks up every token, and those
 * two dependent cache misses per lookup were most of its cost. */
static uint32_t slot_of(uint64_t h, uint32_t mask) { return (uint32_t)h & mask; }

static uint64_t term_prefix(ws_str t)
{
    uint64_t v = 0;
    memcpy(&v, t.p, t.n < 8 ? t.n : 8);
    return v;
}

/* Slot key without the id: tag and length; terms longer than 255 bytes
 * share length 255 and are told apart by the full comparison. */
static uint64_t slot_key(uint64_t h, size_t n)
{
    return (h >> 40) << 40 | (uint64_t)(n < 255 ? n : 255) << 32;
}

#define KEY_MASK (~(uint64_t)UINT32_MAX)

static int term_is(const ws_dict *d, uint32_t id, ws_str term)
{
    uint64_t a = d->off[id], n = d->off[id + 1] - a;
    return n == term.n && (n == 0 || memcmp(d->text + a, term.p, (size_t)n) == 0);
}

static inline int slot_matches(const ws_dict *d, const struct ws_dict_slot *sl, uint64_t key, uint64_t prefix, ws_str term)
{
    if ((sl->key & KEY_MASK) != key || sl->prefix != prefix) return 0;
    return term.n <= 8 || term_is(d, (uint32_t)sl->key - 1, term);
}

uint32_t ws_dict_lookup(const ws_dict *d, ws_str term, uint64_t hash)
{
    uint32_t mask = d->nslots - 1;
    uint64_t key = slot_key(hash, term.n), prefix = term_prefix(term);
    for (uint32_t i = slot_of(hash, mask);; i = (i + 1) & mask) {
        const struct ws_dict_slot *sl = &d->slots[i];
        if (!sl->key) return UINT32_MAX;
        if (slot_matches(d, sl, key, prefix, term)) return (uint32_t)sl->key - 1;
    }
}

static int dict_rehash(ws_dict *d, uint32_t nslots)
{
    struct ws_dict_slot *slots = ws_calloc(nslots, sizeof *slots);
    if (!slots) return ws_error(WS_ENOMEM, "out of memory indexing the dictionary");
    uint32_t mask = nslots - 1;
    for (uint32_t id = 0; id < d->nterms; id++) {
        ws_str t = ws_dict_term(d, id);
        uint64_t h = ws_hash64(t.p, t.n);
        uint32_t i = slot_of(h, mask);
        while (slots[i].key) i = (i + 1) & mask;
        slots[i].key = slot_key(h, t.n) | (id + 1);
        slots[i].prefix = term_prefix(t);
    }
    ws_free(d->slots);
    d->slots = slots;
    d->nslots = nslots;
    return 0;
}

int ws_dict_index(ws_dict *d) { return ws_dict_index_for(d, 0); }

int ws_dict_index_for(ws_dict *d, uint32_t expect)
{
    int rc = dict_grow(d, d->nterms + 1, 1); /* off[0] must exist even when empty */
    if (rc) return rc;
    uint64_t want = d->nterms > expect ? d->nterms : expect;
    uint32_t n = 1024;
    while (n < want * 2 && n < (1u << 31)) n *= 2;
    return dict_rehash(d, n);
}

int ws_dict_intern(ws_dict *d, ws_str term, uint64_t hash, uint32_t *id)
{
    uint32_t mask = d->nslots - 1, i;
    uint64_t key = slot_key(hash, term.n), prefix = term_prefix(term);
    for (i = slot_of(hash, mask); d->slots[i].key; i = (i + 1) & mask)
        if (slot_matches(d, &d->slots[i], key, prefix, term)) { *id = (uint32_t)d->slots[i].key - 1; return 0; }
    if (d->nterms >= UINT32_MAX - 2) return ws_error(WS_ETOOBIG, "dictionary is full (%u terms)", d->nterms);
    uint32_t nid = d->nterms;
    int rc = dict_grow(d, nid + 1, d->off[nid] + term.n);
    if (rc) return rc;
    memcpy(d->text + d->off[nid], term.p, term.n);
    d->off[nid + 1] = d->off[nid] + term.n;
    d->cf[nid] = d->df[nid] = 0;
    d->nterms++;
    d->slots[i].key = key | (nid + 1);
    d->slots[i].prefix = prefix;
    *id = nid;
    if ((uint64_t)d->nterms * 2 > d->nslots) return dict_rehash(d, d->nslots * 2);
    return 0;
}

/* Parse terms.wsd's valid prefix: a sequence of records
 *   magic[8] version u32, nterms u32, first_id u64, comp u32, raw u32,
 *   xxh3 u64 (of the 32 header bytes before it and the payload), payload
 * where payload is a zstd frame of nterms varint lengths then the bytes. */
static int dict_load(ws_dict *d, const char *path, uint64_t bytes, uint32_t expect_terms)
{
    if (bytes == 0) return expect_terms == 0 ? 0 : ws_error(WS_ECORRUPT, "%s: dictionary missing", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ws_error(errno == ENOENT || errno == ENOTDIR ? WS_ECORRUPT : WS_EIO, "%s: %s dictionary: %s", path,
                        errno == ENOENT ? "missing" : "cannot open", strerror(errno));
    struct stat sb;
    int rc = 0;
    if (fstat(fd, &sb) != 0 || (uint64_t)sb.st_size < bytes) {
        close(fd);
        return ws_error(WS_ECORRUPT, "%s: dictionary shorter than the manifest says", path);
    }
    ws_buf comp = {0}, raw = {0};
    uint64_t off = 0;
    while (off < bytes && !rc) {
        uint8_t h[WS_DIC_HEADER_SIZE];
        if (bytes - off < sizeof h) { rc = ws_error(WS_ECORRUPT, "%s: truncated record at byte %" PRIu64, path, off); break; }
        if ((rc = ws_file_pread_all(fd, h, sizeof h, off, path))) break;
        uint32_t n = ws_le32_get(h + 12), csz = ws_le32_get(h + 24), rsz = ws_le32_get(h + 28);
        if (memcmp(h, WS_DIC_MAGIC, 8) || csz > bytes - off - sizeof h || csz == 0) {
            rc = ws_error(WS_ECORRUPT, "%s: bad dictionary record header at byte %" PRIu64, path, off);
            break;
        }
        comp.n = 0;
        if ((rc = ws_buf_reserve(&comp, csz))) break;
        if ((rc = ws_file_pread_all(fd, comp.p, csz, off + sizeof h, path))) break;
        XXH3_state_t st;
        XXH3_64bits_reset(&st);
        XXH3_64bits_update(&st, h, 32);
        XXH3_64bits_update(&st, comp.p, csz);
        if (XXH3_64bits_digest(&st) != ws_le64_get(h + 32)) {
            rc = ws_error(WS_ECORRUPT, "%s: dictionary record checksum mismatch at byte %" PRIu64, path, off);
            break;
        }
        /* The version is read only once the checksum vouches for it, so a
         * flipped bit is damage (5), and a sound newer record is 9. */
        uint32_t ver = ws_le32_get(h + 8);
        if (ver != WS_FORMAT_VERSION) {
            rc = ver > WS_FORMAT_VERSION
                     ? ws_error(WS_EVERSION, "%s: dictionary record at byte %" PRIu64 " has format version %u, this build reads %u",
                                path, off, ver, WS_FORMAT_VERSION)
                     : ws_error(WS_ECORRUPT, "%s: bad dictionary record version at byte %" PRIu64, path, off);
            break;
        }
        if (ws_le64_get(h + 16) != d->nterms || n > expect_terms - d->nterms) {
            rc = ws_error(WS_ECORRUPT, "%s: bad dictionary record header at byte %" PRIu64, path, off);
            break;
        }
        if ((rc = ws_zstd_unpack(comp.p, csz, rsz, &raw, path))) break;
        const uint8_t *p = raw.p, *end = raw.p + raw.n;
        uint64_t *lens = ws_malloc(((size_t)n + 1) * sizeof *lens);
        if (!lens) { rc = WS_ENOMEM; break; }
        uint64_t total = 0;
        for (uint32_t i = 0; i < n && !rc; i++) {
            if (ws_varint_get(&p, end, &lens[i]) || lens[i] > WS_MAX_TERM_LEN) rc = ws_error(WS_ECORRUPT, "%s: bad term length", path);
            total += lens[i];
        }
        if (!rc && (uint64_t)(end - p) != total) rc = ws_error(WS_ECORRUPT, "%s: dictionary record sizes disagree", path);
        if (!rc) rc = dict_grow(d, d->nterms + n, d->off[d->nterms] + total);
        for (uint32_t i = 0; i < n && !rc; i++) {
            uint32_t id = d->nterms;
            memcpy(d->text + d->off[id], p, lens[i]);
            p += lens[i];
            d->off[id + 1] = d->off[id] + lens[i];
            d->cf[id] = d->df[id] = 0;
            d->nterms++;
        }
        ws_free(lens);
        off += sizeof h + csz;
    }
    ws_buf_free(&comp);
    ws_buf_free(&raw);
    close(fd);
    if (!rc && d->nterms != expect_terms)
        rc = ws_error(WS_ECORRUPT, "%s: dictionary holds %u terms, manifest says %u", path, d->nterms, expect_terms);
    return rc;
}

/* stats-G.wst: magic[8] version u32, nterms u32, nstories u64, ntokens u64,
 * comp u64, raw u64, payload (zstd of varint cf, df per term), xxh3 u64 of
 * everything before it. */
static int stats_load(ws_dict *d, const char *path, uint64_t *nstories, uint64_t *ntokens)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ws_error(errno == ENOENT || errno == ENOTDIR ? WS_ECORRUPT : WS_EIO, "%s: %s statistics: %s", path,
                        errno == ENOENT ? "missing" : "cannot open", strerror(errno));
    struct stat sb;
    int rc = 0;
    uint8_t *all = NULL;
    ws_buf raw = {0};
    if (fstat(fd, &sb) != 0 || (uint64_t)sb.st_size < WS_STA_HEADER_SIZE + 8 || (uint64_t)sb.st_size > (1ull << 36)) {
        rc = ws_error(WS_ECORRUPT, "%s: statistics file has a bad size", path);
        goto out;
    }
    size_t size = (size_t)sb.st_size;
    if (!(all = ws_malloc(size))) { rc = WS_ENOMEM; goto out; }
    if ((rc = ws_file_pread_all(fd, all, size, 0, path))) goto out;
    if (XXH3_64bits(all, size - 8) != ws_le64_get(all + size - 8)) { rc = ws_error(WS_ECORRUPT, "%s: checksum mismatch", path); goto out; }
    uint32_t ver = ws_le32_get(all + 8);
    if (!memcmp(all, WS_STA_MAGIC, 8) && ver > WS_FORMAT_VERSION) {
        rc = ws_error(WS_EVERSION, "%s: statistics format version %u, this build reads %u", path, ver, WS_FORMAT_VERSION);
        goto out;
    }
    if (memcmp(all, WS_STA_MAGIC, 8) || ver != WS_FORMAT_VERSION || ws_le32_get(all + 12) != d->nterms ||
        ws_le64_get(all + 32) != size - WS_STA_HEADER_SIZE - 8) {
        rc = ws_error(WS_ECORRUPT, "%s: bad statistics header", path);
        goto out;
    }
    *nstories = ws_le64_get(all + 16);
    *ntokens = ws_le64_get(all + 24);
    uint64_t rsz = ws_le64_get(all + 40);
    if (rsz > (uint64_t)d->nterms * 20 + 1) { rc = ws_error(WS_ECORRUPT, "%s: bad statistics size", path); goto out; }
    if ((rc = ws_zstd_unpack(all + WS_STA_HEADER_SIZE, size - WS_STA_HEADER_SIZE - 8, rsz, &raw, path))) goto out;
    const uint8_t *p = raw.p, *end = raw.p + raw.n;
    for (uint32_t i = 0; i < d->nterms; i++) {
        if (ws_varint_get(&p, end, &d->cf[i]) || ws_varint_get(&p, end, &d->df[i]) || d->df[i] > d->cf[i] ||
            d->df[i] > *nstories) {
            rc = ws_error(WS_ECORRUPT, "%s: bad frequencies for term %u", path, i);
            goto out;
        }
    }
    if (p != end) rc = ws_error(WS_ECORRUPT, "%s: trailing bytes", path);
out:
    ws_free(all);
    ws_buf_free(&raw);
    close(fd);
    return rc;
}

/* ------------------------------------------------------------------ */
/* manifest                                                            */

#define MANIFEST_NAME "MANIFEST"
#define DICT_NAME "terms.wsd"

static int valid_name(const char *s, const char *prefix, const char *suffix)
{
    size_t n = strlen(s), a = strlen(prefix), b = strlen(suffix);
    if (n <= a + b || strncmp(s, prefix, a) || strcmp(s + n - b, suffix)) return 0;
    for (size_t i = a; i < n - b; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

/* The generation number in a valid seg-/stats- name (0 when unreadable). */
static uint64_t name_generation(const char *name)
{
    const char *p = strchr(name, '-');
    uint64_t g = 0;
    for (p = p ? p + 1 : name; *p >= '0' && *p <= '9'; p++) {
        if (g > (UINT64_MAX - 9) / 10) return 0;
        g = g * 10 + (uint64_t)(*p - '0');
    }
    return g;
}

void ws_store_minhash_name(const char *seg, char *buf, size_t cap)
{
    size_t n = strlen(seg);
    snprintf(buf, cap, "mh-%.*s.wsm", n > 8 ? (int)(n - 8) : 0, seg + 4);
}

/* A "minhash SEG FILE BYTES" line (format 1.3): after SEG's own line, at
 * most one per segment, FILE named after SEG. */
static int manifest_minhash(ws_store *st, const char *seg, const char *mh, unsigned long long bytes, const char *path,
                            int lineno)
{
    char want[300];
    for (uint32_t i = 0; i < st->nsegs; i++) {
        if (strcmp(st->mseg[i].name, seg)) continue;
        ws_store_minhash_name(seg, want, sizeof want);
        if (st->mseg[i].mh || strcmp(want, mh)) break;
        if (!(st->mseg[i].mh = ws_strndup(mh, strlen(mh)))) return WS_ENOMEM;
        st->mseg[i].mh_bytes = bytes;
        return 0;
    }
    return ws_error(WS_ECORRUPT, "%s:%d: bad minhash line", path, lineno);
}

static int manifest_parse(ws_store *st, char *text, size_t n, const char *path, uint32_t *nterms_out)
{
    /* The checksum line covers every byte before it. */
    char *cl = NULL;
    for (size_t i = n; i-- > 1 && !cl;)
        if (text[i - 1] == '\n' && strncmp(text + i, "checksum ", 9) == 0) cl = text + i;
    if (!cl) return ws_error(WS_ECORRUPT, "%s: no checksum line", path);
    unsigned long long want;
    char tailc;
    if (sscanf(cl, "checksum %16llx%c", &want, &tailc) != 2 || tailc != '\n' || cl + 26 != text + n)
        return ws_error(WS_ECORRUPT, "%s: bad checksum line", path);
    if (XXH3_64bits(text, (size_t)(cl - text)) != want) return ws_error(WS_ECORRUPT, "%s: checksum mismatch", path);
    st->manifest_sum = want;
    *cl = 0;
    int lineno = 0, rc = 0;
    unsigned long long nterms = 0;
    unsigned seen = 0; /* bit per one-off line: generation, stories, tokens, terms, stats */
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line && !rc; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        char a[256], mhn[256], extra;
        unsigned long long x, y;
        if (lineno == 1) {
            unsigned v;
            if (sscanf(line, "wirescan-store %u%c", &v, &extra) != 1 || v == 0) rc = ws_error(WS_ECORRUPT, "%s:1: not a wirescan manifest", path);
            else if (v != WS_FORMAT_VERSION && v != WS_FORMAT2_VERSION)
                rc = ws_error(WS_EVERSION, "%s: store format %u, this build reads %u and %u", path, v, WS_FORMAT_VERSION,
                              WS_FORMAT2_VERSION);
            else st->format = v;
        } else if (sscanf(line, "generation %llu%c", &x, &extra) == 1 && !(seen & 1)) { st->generation = x; seen |= 1; }
        else if (sscanf(line, "stories %llu%c", &x, &extra) == 1 && !(seen & 2)) { st->nstories = x; seen |= 2; }
        else if (sscanf(line, "tokens %llu%c", &x, &extra) == 1 && !(seen & 4)) { st->ntokens = x; seen |= 4; }
        else if (sscanf(line, "terms %llu %llu%c", &x, &y, &extra) == 2 && x < UINT32_MAX && !(seen & 8)) {
            nterms = x;
            st->dict_bytes = y;
            seen |= 8;
        } else if (sscanf(line, "stats %255s%c", a, &extra) == 1 && !(seen & 16)) {
            seen |= 16;
            if (strcmp(a, "-") != 0) {
                if (!valid_name(a, "stats-", ".wst")) rc = ws_error(WS_ECORRUPT, "%s:%d: bad stats name", path, lineno);
                else if (!(st->stats_name = ws_strndup(a, strlen(a)))) rc = WS_ENOMEM;
            }
        } else if (sscanf(line, "segment %255s %llu %llu%c", a, &x, &y, &extra) == 3 && valid_name(a, "seg-", ".wss")) {
            ws_manifest_seg *m = ws_realloc(st->mseg, (st->nsegs + 1) * sizeof *m);
            if (!m) { rc = WS_ENOMEM; break; }
            st->mseg = m;
            if (!(m[st->nsegs].name = ws_strndup(a, strlen(a)))) { rc = WS_ENOMEM; break; }
            m[st->nsegs].bytes = x;
            m[st->nsegs].rows = y;
            m[st->nsegs].mh = NULL;
            m[st->nsegs].mh_bytes = 0;
            st->nsegs++;
        } else if (sscanf(line, "index %255s %llu%c", a, &x, &extra) == 2 && valid_name(a, "tidx-", ".wsx") &&
                   !st->index_name) {
            /* format 1.2: the optional term index */
            if (!(st->index_name = ws_strndup(a, strlen(a)))) rc = WS_ENOMEM;
            st->index_bytes = x;
        } else if (sscanf(line, "minhash %255s %255s %llu%c", a, mhn, &x, &extra) == 3) {
            rc = manifest_minhash(st, a, mhn, x, path, lineno);
        } else if (!strcmp(line, "segmentation chars") && !st->segmentation) {
            st->segmentation = WS_STORE_SEG_CHARS; /* format 1.4 */
        } else if (sscanf(line, "segmentation icu-%llu%c", &x, &extra) == 1 && x > 0 && x < 1000 && !st->segmentation) {
            st->segmentation = WS_STORE_SEG_ICU; /* format 1.4 */
            st->seg_icu = (unsigned)x;
        } else rc = ws_error(WS_ECORRUPT, "%s:%d: unrecognised line", path, lineno);
    }
    /* (at most G: the next commit writes tidx-(G+1), never a listed name) */
    if (!rc && st->index_name && (name_generation(st->index_name) == 0 || name_generation(st->index_name) > st->generation))
        rc = ws_error(WS_ECORRUPT, "%s: generation %llu, but it lists %s", path, (unsigned long long)st->generation,
                      st->index_name);
    if (!rc && lineno == 0) rc = ws_error(WS_ECORRUPT, "%s: empty manifest", path);
    if (!rc && seen != 31) rc = ws_error(WS_ECORRUPT, "%s: a generation, stories, tokens, terms or stats line is missing", path);
    /* Each file carries the generation that wrote it: stats-G for this
     * generation, seg-K for K <= G, ascending (segments are listed in the
     * order they were added). A manifest that disagrees with its files
     * would let the next commit reuse a live file's name, so it is refused
     * however sound its checksum. */
    if (!rc && st->stats_name && name_generation(st->stats_name) != st->generation)
        rc = ws_error(WS_ECORRUPT, "%s: generation %llu, but it lists %s", path, (unsigned long long)st->generation, st->stats_name);
    if (!rc && !st->stats_name && (st->nsegs || st->generation))
        rc = ws_error(WS_ECORRUPT, "%s: generation %llu without a statistics file", path, (unsigned long long)st->generation);
    for (uint32_t i = 0; i < st->nsegs && !rc; i++) {
        uint64_t g = name_generation(st->mseg[i].name);
        if (g == 0 || g > st->generation || (i && g <= name_generation(st->mseg[i - 1].name)))
            rc = ws_error(WS_ECORRUPT, "%s: generation %llu, but it lists %s%s", path, (unsigned long long)st->generation,
                          st->mseg[i].name, g && g <= st->generation ? " out of order" : "");
    }
    if (!rc && (nterms == 0) != (st->dict_bytes == 0)) rc = ws_error(WS_ECORRUPT, "%s: bad terms line", path);
    *nterms_out = (uint32_t)nterms;
    return rc;
}

static int read_small_file(const char *path, char **out, size_t *n, size_t limit)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ws_error(errno == ENOENT ? WS_ENOENT : WS_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || (uint64_t)sb.st_size > limit) {
        close(fd);
        return ws_error(WS_ECORRUPT, "%s: unreasonable size", path);
    }
    char *buf = ws_malloc((size_t)sb.st_size + 1);
    if (!buf) { close(fd); return WS_ENOMEM; }
    int rc = ws_file_pread_all(fd, buf, (size_t)sb.st_size, 0, path);
    close(fd);
    if (rc) { ws_free(buf); return rc; }
    buf[sb.st_size] = 0;
    *out = buf;
    *n = (size_t)sb.st_size;
    return 0;
}

/* Load and check the term index MANIFEST lists (its checksum, and that it
 * covers exactly the store's dictionary, segments and blocks). */
static int index_load(ws_store *st)
{
    char *p = ws_path_join(st->dir, st->index_name), *data = NULL;
    size_t n = 0;
    int rc = p ? 0 : WS_ENOMEM;
    /* read through the descriptor opened with the store: a later append
     * may have replaced the file since (the generation this reader holds) */
    struct stat sb;
    if (!rc && (fstat(st->tidx_fd - 1, &sb) != 0 || (uint64_t)sb.st_size > ((uint64_t)1 << 34)))
        rc = ws_error(WS_ECORRUPT, "%s: unreasonable size", p);
    if (!rc && (uint64_t)sb.st_size != st->index_bytes) rc = ws_error(WS_ECORRUPT, "%s: size differs from MANIFEST", p);
    if (!rc && !(data = ws_malloc((size_t)sb.st_size + 1))) rc = WS_ENOMEM;
    if (!rc) rc = ws_file_pread_all(st->tidx_fd - 1, data, (size_t)sb.st_size, 0, p);
    if (!rc) n = (size_t)sb.st_size;
    if (!rc && !(st->tidx = ws_calloc(1, sizeof *st->tidx))) rc = WS_ENOMEM;
    int kept = 0; /* a version 2 index keeps the file's bytes: not copied */
    if (!rc) rc = ws_termidx_decode_owned((uint8_t *)data, n, p, st->tidx, &kept);
    if (kept) data = NULL;
    if (!rc) {
        uint32_t nb = 0;
        for (uint32_t i = 0; i < st->nsegs; i++) nb += st->segs[i]->nblocks;
        if (st->tidx->nterms != st->dict.nterms || st->tidx->nsegs != st->nsegs || st->tidx->nblocks != nb)
            rc = ws_error(WS_ECORRUPT, "%s: covers %u terms, %u segments, %u blocks; the store has %u, %u, %u", p,
                          st->tidx->nterms, st->tidx->nsegs, st->tidx->nblocks, st->dict.nterms, st->nsegs, nb);
        /* version 3 codes rows by the rows of their block, which it lists */
        for (uint32_t i = 0, b = 0; !rc && st->tidx->brows && i < st->nsegs; i++)
            for (uint32_t k = 0; !rc && k < st->segs[i]->nblocks; k++, b++)
                if (st->tidx->brows[b] != st->segs[i]->blocks[k].nrows)
                    rc = ws_error(WS_ECORRUPT, "%s: block %u has %u rows, the segments say %u", p, b, st->tidx->brows[b],
                                  st->segs[i]->blocks[k].nrows);
    }
    ws_free(data);
    ws_free(p);
    return rc;
}

/* The term index is read when a query first needs it, not at open: a scan
 * that reads every block has no use for it, and on generated archives it
 * is about a quarter of the store (480 MB a shard of 2.5M stories), which
 * every command, and every rank of an MPI job for every shard, read and
 * checksummed before. Readers may call this from several threads. */
int ws_store_load_index(const ws_store *cst)
{
    /* The index is a cache of what the store is: loading it changes no
     * answer, so readers holding a const store may load it (memcpy drops
     * the const without a cast; stores are always allocated, never const
     * objects). */
    ws_store *st;
    memcpy(&st, &cst, sizeof st);
    if (!st->index_name || __atomic_load_n(&st->tidx, __ATOMIC_ACQUIRE)) return 0;
    int rc = 0;
#pragma omp critical(ws_store_load_index)
    if (!st->tidx && !st->tidx_rc) {
        ws_store tmp = *st; /* index_load sets tidx; publish it only whole */
        tmp.tidx = NULL;
        rc = index_load(&tmp);
        if (rc) {
            ws_termidx_free(tmp.tidx);
            ws_free(tmp.tidx);
            st->tidx_rc = rc;
            snprintf(st->tidx_err, sizeof st->tidx_err, "%s", ws_last_error());
        } else {
            __atomic_store_n(&st->tidx, tmp.tidx, __ATOMIC_RELEASE);
        }
    }
    if (!rc && st->tidx_rc) rc = ws_error(st->tidx_rc, "%s", st->tidx_err);
    return rc;
}

void ws_store_close(ws_store *st)
{
    if (!st) return;
    if (st->tidx_fd) close(st->tidx_fd - 1);
    for (uint32_t i = 0; i < st->nsegs; i++) {
        if (st->segs) ws_segment_close(st->segs[i]);
        ws_free(st->mseg[i].name);
        ws_free(st->mseg[i].mh);
    }
    ws_free(st->segs);
    ws_free(st->mseg);
    ws_free(st->stats_name);
    ws_free(st->index_name);
    ws_termidx_free(st->tidx);
    ws_free(st->tidx);
    ws_dict_free(&st->dict);
    ws_free(st->dir);
    ws_free(st);
}

/* Why a directory without MANIFEST is not a store, in words. */
static int describe_no_manifest(const char *dir)
{
    DIR *d = opendir(dir);
    int lock = 0, debris = 0, other = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..")) continue;
        if (!strcmp(n, "LOCK")) lock = 1;
        else if (!strncmp(n, "seg-", 4) || !strncmp(n, "stats-", 6) || !strncmp(n, "MANIFEST.", 9) || !strcmp(n, DICT_NAME))
            debris = 1;
        else other = 1;
    }
    if (d) closedir(d);
    if (debris)
        return ws_error(WS_ENOENT, "%s: not a wirescan store: it holds store files but no MANIFEST (a first ingest that did "
                                   "not finish, or a damaged store)", dir);
    if (lock && !other)
        return ws_error(WS_ENOENT, "%s: not a wirescan store: the folder holds only LOCK (a first ingest that did not finish "
                                   "left it; no stories were stored)", dir);
    if (!lock && !other) return ws_error(WS_ENOENT, "%s: not a wirescan store: the folder is empty", dir);
    return ws_error(WS_ENOENT, "%s: not a wirescan store (no MANIFEST)", dir);
}

/* One attempt at opening; *mtext receives a copy of the MANIFEST bytes it
 * used (NULL when there was none), so the caller can tell whether a
 * failure raced a commit. */
static int store_open_once(const char *dir, int allow_missing, ws_store **out, char **mtext, size_t *mlen)
{
    *out = NULL;
    ws_store *st = ws_calloc(1, sizeof *st);
    if (!st) return WS_ENOMEM;
    int rc = WS_ENOMEM;
    char *mpath = NULL, *text = NULL, *p = NULL;
    if (!(st->dir = ws_strndup(dir, strlen(dir))) || !(mpath = ws_path_join(dir, MANIFEST_NAME))) goto fail;
    size_t n = 0;
    rc = read_small_file(mpath, &text, &n, 64u << 20);
    if (rc == WS_ENOENT) {
        struct stat sb;
        if (stat(dir, &sb) != 0) {
            rc = allow_missing ? 0 : ws_error(WS_ENOENT, "%s: no such store", dir);
        } else if (!S_ISDIR(sb.st_mode)) {
            rc = ws_error(WS_EINVAL, "%s: not a directory", dir);
        } else {
            rc = allow_missing ? 0 : describe_no_manifest(dir);
        }
        if (rc) goto fail;
        if ((rc = dict_grow(&st->dict, 1, 1))) goto fail;
        /* A new store. WS_WRITE_FORMAT=1 makes it a 1.x store (tests of
         * reading and upgrading 1.x stores build them so). */
        const char *wf = getenv("WS_WRITE_FORMAT");
        st->format = wf && !strcmp(wf, "1") ? WS_FORMAT_VERSION : WS_STORE_FORMAT;
        ws_free(mpath);
        *out = st;
        return 0;
    }
    if (rc) goto fail;
    if (!(*mtext = ws_malloc(n + 1))) { rc = WS_ENOMEM; goto fail; }
    memcpy(*mtext, text, n + 1);
    *mlen = n;
    uint32_t nterms = 0;
    if ((rc = manifest_parse(st, text, n, mpath, &nterms))) goto fail;
    if ((rc = dict_grow(&st->dict, nterms + 1, 1))) goto fail;
    if (!(p = ws_path_join(dir, DICT_NAME))) { rc = WS_ENOMEM; goto fail; }
    if ((rc = dict_load(&st->dict, p, st->dict_bytes, nterms))) goto fail;
    ws_free(p);
    p = NULL;
    if (st->stats_name) {
        uint64_t ns = 0, nt = 0;
        if (!(p = ws_path_join(dir, st->stats_name))) { rc = WS_ENOMEM; goto fail; }
        if ((rc = stats_load(&st->dict, p, &ns, &nt))) goto fail;
        if (ns != st->nstories || nt != st->ntokens) { rc = ws_error(WS_ECORRUPT, "%s: totals disagree with MANIFEST", p); goto fail; }
        ws_free(p);
        p = NULL;
    } else if (nterms) {
        rc = ws_error(WS_ECORRUPT, "%s: terms without statistics", mpath);
        goto fail;
    }
    if (st->nsegs && !(st->segs = ws_calloc(st->nsegs, sizeof *st->segs))) { rc = WS_ENOMEM; goto fail; }
    uint64_t rows = 0;
    for (uint32_t i = 0; i < st->nsegs; i++) {
        if (!(p = ws_path_join(dir, st->mseg[i].name))) { rc = WS_ENOMEM; goto fail; }
        if ((rc = ws_segment_open(p, &st->segs[i]))) {
            /* Listed but gone: the store is damaged (5), like a missing
             * dictionary or statistics file. */
            if (rc == WS_ENOENT) rc = ws_error(WS_ECORRUPT, "%s: listed in MANIFEST but missing", p);
            goto fail;
        }
        const ws_segment *s = st->segs[i];
        if (s->size != st->mseg[i].bytes || s->nrows != st->mseg[i].rows) {
            rc = ws_error(WS_ECORRUPT, "%s: size or rows differ from MANIFEST", p);
            goto fail;
        }
        if (s->major != st->format) {
            rc = ws_error(WS_ECORRUPT, "%s: segment format %u in a store of format %u", p, s->major, st->format);
            goto fail;
        }
        if (s->dict_terms > st->dict.nterms) {
            rc = ws_error(WS_ECORRUPT, "%s: uses %u terms, dictionary has %u", p, s->dict_terms, st->dict.nterms);
            goto fail;
        }
        rows += s->nrows;
        ws_free(p);
        p = NULL;
    }
    if (rows != st->nstories) { rc = ws_error(WS_ECORRUPT, "%s: story count disagrees with segments", mpath); goto fail; }
    /* The term index is read on first use (ws_store_load_index), from the
     * file of this generation, opened now as the segments are. */
    if (st->index_name) {
        if (!(p = ws_path_join(dir, st->index_name))) { rc = WS_ENOMEM; goto fail; }
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            rc = errno == ENOENT ? ws_error(WS_ECORRUPT, "%s: listed in MANIFEST but missing", p)
                                 : ws_error(WS_EIO, "%s: cannot open: %s", p, strerror(errno));
            goto fail;
        }
        st->tidx_fd = fd + 1;
        ws_free(p);
        p = NULL;
    }
    ws_free(mpath);
    ws_free(text);
    *out = st;
    return 0;
fail:
    ws_free(p);
    ws_free(mpath);
    ws_free(text);
    ws_store_close(st);
    return rc;
}

int ws_store_open(const char *dir, int allow_missing, ws_store **out)
{
    /* A commit replaces MANIFEST and later removes files only older
     * MANIFESTs list. A reader that read MANIFEST just before a commit (or
     * two) can therefore find a file gone or changed under it: when opening
     * fails and MANIFEST has changed since it was read, open again. A store
     * that is really damaged fails the same way with the same MANIFEST. */
    int rc = 0;
    for (int attempt = 0;; attempt++) {
        char *used = NULL, *now = NULL;
        size_t ulen = 0, nlen = 0;
        rc = store_open_once(dir, allow_missing, out, &used, &ulen);
        int again = 0;
        if (rc && rc != WS_ENOMEM && used && attempt < 100) {
            char *mpath = ws_path_join(dir, MANIFEST_NAME);
            char saved[1024];
            snprintf(saved, sizeof saved, "%s", ws_last_error());
            int r2 = mpath ? read_small_file(mpath, &now, &nlen, 64u << 20) : WS_ENOMEM;
            again = r2 == 0 && (nlen != ulen || memcmp(now, used, ulen) != 0);
            if (!again) ws_error(rc, "%s", saved);
            ws_free(mpath);
        }
        ws_free(used);
        ws_free(now);
        if (!again) break;
    }
    return rc;
}

void ws_store_next_segment_name(const ws_store *st, char *buf, size_t cap)
{
    snprintf(buf, cap, "seg-%06llu.wss", (unsigned long long)(st->generation + 1));
}

static int listed(const ws_store *st, const char *name)
{
    if (!strcmp(name, MANIFEST_NAME) || !strcmp(name, DICT_NAME) || !strcmp(name, "LOCK")) return 1;
    if (st->stats_name && !strcmp(name, st->stats_name)) return 1;
    if (st->index_name && !strcmp(name, st->index_name)) return 1;
    for (uint32_t i = 0; i < st->nsegs; i++)
        if (!strcmp(name, st->mseg[i].name) || (st->mseg[i].mh && !strcmp(name, st->mseg[i].mh))) return 1;
    return 0;
}

int ws_store_cleanup(const ws_store *st)
{
    DIR *d = opendir(st->dir);
    if (!d) return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *n = e->d_name;
        int ours = !strncmp(n, "seg-", 4) || !strncmp(n, "stats-", 6) || !strncmp(n, "tidx-", 5) ||
                   !strncmp(n, "MANIFEST.", 9) || !strncmp(n, "mh-", 3);
        if (!ours || listed(st, n)) continue;
        /* The statistics file the previous generation listed stays: a
         * reader that read the previous MANIFEST may be about to open it.
         * (Segments are never unlisted, so no reader needs an unlisted one.) */
        if (st->generation >= 2 && valid_name(n, "stats-", ".wst") && name_generation(n) == st->generation - 1) continue;
        if (st->generation >= 2 && valid_name(n, "tidx-", ".wsx") && name_generation(n) == st->generation - 1) continue;
        char *p = ws_path_join(st->dir, n);
        if (p) unlink(p);
        ws_free(p);
    }
    closedir(d);
    return 0;
}

/* Write name via name.tmp; noreplace: refuse (WS_EEXIST) rather than
 * replace an existing file of that name. */
static int write_file_atomic(const char *dir, const char *name, const void *data, size_t n, int noreplace)
{
    char *final = ws_path_join(dir, name);
    char *tmp = final ? ws_malloc(strlen(final) + 5) : NULL;
    if (!tmp) { ws_free(final); return WS_ENOMEM; }
    sprintf(tmp, "%s.tmp", final);
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) rc = ws_error(WS_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    if (!rc) rc = ws_file_write_all(fd, data, n, tmp);
    if (!rc && fsync(fd) != 0) rc = ws_error(WS_EIO, "%s: fsync failed: %s", tmp, strerror(errno));
    if (fd >= 0 && close(fd) != 0 && !rc) rc = ws_error(WS_EIO, "%s: close failed: %s", tmp, strerror(errno));
    if (!rc && noreplace) rc = ws_publish_noreplace(tmp, final);
    else if (!rc && rename(tmp, final) != 0) rc = ws_error(WS_EIO, "%s: rename failed: %s", final, strerror(errno));
    if (rc) unlink(tmp);
    ws_free(tmp);
    ws_free(final);
    return rc;
}

static int dict_append(ws_store *st, const ws_dict *d, uint32_t from, uint64_t *new_bytes)
{
    char *path = ws_path_join(st->dir, DICT_NAME);
    if (!path) return WS_ENOMEM;
    int rc = 0;
    ws_buf raw = {0}, comp = {0};
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) { rc = ws_error(WS_EIO, "%s: cannot open: %s", path, strerror(errno)); goto out; }
    /* Bytes past the manifest's length are a torn append: drop them. */
    if (ftruncate(fd, (off_t)st->dict_bytes) != 0) { rc = ws_error(WS_EIO, "%s: truncate failed: %s", path, strerror(errno)); goto out; }
    *new_bytes = st->dict_bytes;
    uint32_t n = d->nterms - from;
    if (n == 0) goto out;
    uint64_t text = d->off[d->nterms] - d->off[from];
    if ((rc = ws_buf_reserve(&raw, (size_t)n * WS_VARINT_MAX + (size_t)text))) goto out;
    for (uint32_t i = from; i < d->nterms; i++) ws_buf_put_varint(&raw, d->off[i + 1] - d->off[i]);
    memcpy(raw.p + raw.n, d->text + d->off[from], (size_t)text);
    raw.n += (size_t)text;
    if (raw.n > WS_MAX_CHUNK_RAW) { rc = ws_error(WS_ETOOBIG, "%s: too many new terms in one ingest", path); goto out; }
    if ((rc = ws_zstd_compress(raw.p, raw.n, 9, &comp))) goto out;
    uint8_t h[WS_DIC_HEADER_SIZE];
    memcpy(h, WS_DIC_MAGIC, 8);
    ws_le32_put(h + 8, WS_FORMAT_VERSION);
    ws_le32_put(h + 12, n);
    ws_le64_put(h + 16, from);
    ws_le32_put(h + 24, (uint32_t)comp.n);
    ws_le32_put(h + 28, (uint32_t)raw.n);
    XXH3_state_t xs;
    XXH3_64bits_reset(&xs);
    XXH3_64bits_update(&xs, h, 32);
    XXH3_64bits_update(&xs, comp.p, comp.n);
    ws_le64_put(h + 32, XXH3_64bits_digest(&xs));
    if (lseek(fd, (off_t)st->dict_bytes, SEEK_SET) < 0) { rc = ws_error(WS_EIO, "%s: seek failed", path); goto out; }
    if ((rc = ws_file_write_all(fd, h, sizeof h, path)) || (rc = ws_file_write_all(fd, comp.p, comp.n, path))) goto out;
    if (fsync(fd) != 0) { rc = ws_error(WS_EIO, "%s: fsync failed: %s", path, strerror(errno)); goto out; }
    *new_bytes = st->dict_bytes + sizeof h + comp.n;
out:
    if (fd >= 0) close(fd);
    ws_buf_free(&raw);
    ws_buf_free(&comp);
    ws_free(path);
    return rc;
}

static int stats_write(const ws_store *st, const ws_dict *d, const char *name, uint64_t nstories, uint64_t ntokens)
{
    ws_buf raw = {0}, comp = {0}, file = {0};
    int rc = ws_buf_reserve(&raw, (size_t)d->nterms * 2 * WS_VARINT_MAX + 1);
    if (rc) goto out;
    for (uint32_t i = 0; i < d->nterms; i++) {
        ws_buf_put_varint(&raw, d->cf[i]);
        ws_buf_put_varint(&raw, d->df[i]);
    }
    if ((rc = ws_zstd_compress(raw.p, raw.n, 3, &comp))) goto out;
    if ((rc = ws_buf_reserve(&file, WS_STA_HEADER_SIZE + comp.n + 8))) goto out;
    uint8_t *h = file.p;
    memcpy(h, WS_STA_MAGIC, 8);
    ws_le32_put(h + 8, WS_FORMAT_VERSION);
    ws_le32_put(h + 12, d->nterms);
    ws_le64_put(h + 16, nstories);
    ws_le64_put(h + 24, ntokens);
    ws_le64_put(h + 32, comp.n);
    ws_le64_put(h + 40, raw.n);
    memcpy(h + WS_STA_HEADER_SIZE, comp.p, comp.n);
    file.n = WS_STA_HEADER_SIZE + comp.n;
    ws_le64_put(file.p + file.n, XXH3_64bits(file.p, file.n));
    file.n += 8;
    rc = write_file_atomic(st->dir, name, file.p, file.n, 1);
out:
    ws_buf_free(&raw);
    ws_buf_free(&comp);
    ws_buf_free(&file);
    return rc;
}

/* After a failed commit: cut terms.wsd back to the length MANIFEST lists,
 * so the published files are byte for byte as before. (Readers ignore the
 * extra bytes anyway, and the next writer would cut them too.) */
static void dict_untear(const ws_store *st)
{
    char *p = ws_path_join(st->dir, DICT_NAME);
    if (!p) return;
    if (st->dict_bytes || st->generation) {
        if (truncate(p, (off_t)st->dict_bytes) != 0) { /* best effort */ }
    } else {
        unlink(p); /* a first commit: the file is new */
    }
    ws_free(p);
}

/* Does the MANIFEST now on disk mention name? (after a failed commit) */
static int manifest_lists(const char *dir, const char *name)
{
    char *p = ws_path_join(dir, MANIFEST_NAME), *text = NULL;
    size_t n = 0;
    int yes = p && read_small_file(p, &text, &n, 64u << 20) == 0 && strstr(text, name) != NULL;
    ws_free(p);
    ws_free(text);
    return yes;
}

/* Write the term index of the store plus new_seg (may be NULL) as name:
 * the store's index (when it has one) is reused, only the new segment is
 * read. */
static int index_write(const ws_store *st, const ws_dict *dict, const char *new_seg, const char *name, uint64_t *bytes)
{
    ws_segment **segs = ws_calloc((size_t)st->nsegs + 2, sizeof *segs), *ns = NULL;
    if (!segs) return WS_ENOMEM;
    for (uint32_t i = 0; i < st->nsegs; i++) segs[i] = st->segs[i];
    uint32_t n = st->nsegs;
    int rc = 0;
    if (new_seg) {
        char *p = ws_path_join(st->dir, new_seg);
        rc = p ? ws_segment_open(p, &ns) : WS_ENOMEM;
        ws_free(p);
        if (!rc) segs[n++] = ns;
    }
    ws_termidx x;
    ws_buf file = {0};
    /* WS_WRITE_INDEX=2: a version 2 index, as 1.5 to 2.0 wrote (for tests) */
    const char *wv = getenv("WS_WRITE_INDEX");
    if (!rc) rc = ws_termidx_build_ver(dict, segs, n, st->tidx, st->threads, wv && !strcmp(wv, "2") ? 2 : WS_IDX_VERSION, &x);
    if (!rc) {
        rc = ws_termidx_encode_mt(&x, st->threads, &file);
        ws_termidx_free(&x);
    }
    if (!rc) rc = write_file_atomic(st->dir, name, file.p, file.n, 1);
    *bytes = file.n;
    ws_buf_free(&file);
    ws_segment_close(ns);
    ws_free(segs);
    return rc;
}

/* The text of a MANIFEST: st's segments (and their signature files) plus
 * new_seg (may be NULL), and the term index index_name (NULL or "": none). */
static int manifest_text(const ws_store *st, uint64_t gen, uint64_t nstories, uint64_t ntokens, uint32_t nterms,
                         uint64_t dict_bytes, const char *stats_name, const char *new_seg, uint64_t seg_bytes,
                         uint64_t seg_rows, const char *index_name, uint64_t index_bytes, ws_buf *m)
{
    char line[640];
    int k = snprintf(line, sizeof line, "wirescan-store %u\ngeneration %llu\nstories %llu\ntokens %llu\nterms %u %llu\nstats %s\n",
                     st->format, (unsigned long long)gen, (unsigned long long)nstories, (unsigned long long)ntokens,
                     nterms, (unsigned long long)dict_bytes, stats_name ? stats_name : "-");
    int rc = ws_buf_append(m, line, (size_t)k);
    for (uint32_t i = 0; i <= st->nsegs && !rc; i++) {
        const char *name = i < st->nsegs ? st->mseg[i].name : new_seg;
        if (!name) continue;
        uint64_t bytes = i < st->nsegs ? st->mseg[i].bytes : seg_bytes, rows = i < st->nsegs ? st->mseg[i].rows : seg_rows;
        k = snprintf(line, sizeof line, "segment %s %llu %llu\n", name, (unsigned long long)bytes, (unsigned long long)rows);
        rc = ws_buf_append(m, line, (size_t)k);
    }
    /* Signature files (format 1.3) after every segment line. */
    for (uint32_t i = 0; i < st->nsegs && !rc; i++) {
        if (!st->mseg[i].mh) continue;
        k = snprintf(line, sizeof line, "minhash %s %s %llu\n", st->mseg[i].name, st->mseg[i].mh,
                     (unsigned long long)st->mseg[i].mh_bytes);
        rc = ws_buf_append(m, line, (size_t)k);
    }
    /* The term index (format 1.2) just before the checksum. */
    if (!rc && index_name && index_name[0]) {
        k = snprintf(line, sizeof line, "index %s %llu\n", index_name, (unsigned long long)index_bytes);
        rc = ws_buf_append(m, line, (size_t)k);
    }
    /* The word segmentation rule that made the store (format 1.4). */
    if (!rc && st->segmentation == WS_STORE_SEG_CHARS) rc = ws_buf_append(m, "segmentation chars\n", 19);
    if (!rc && st->segmentation == WS_STORE_SEG_ICU) {
        k = snprintf(line, sizeof line, "segmentation icu-%u\n", st->seg_icu);
        rc = ws_buf_append(m, line, (size_t)k);
    }
    if (!rc) {
        k = snprintf(line, sizeof line, "checksum %016llx\n", (unsigned long long)XXH3_64bits(m->p, m->n));
        rc = ws_buf_append(m, line, (size_t)k);
    }
    return rc;
}

int ws_store_publish(const ws_store *st, const char *name, const void *data, size_t n)
{
    return write_file_atomic(st->dir, name, data, n, 1);
}

int ws_store_commit_minhash(ws_store *st)
{
    ws_buf m = {0};
    int rc = manifest_text(st, st->generation, st->nstories, st->ntokens, st->dict.nterms, st->dict_bytes, st->stats_name,
                           NULL, 0, 0, st->index_name, st->index_bytes, &m);
    if (!rc) rc = write_file_atomic(st->dir, MANIFEST_NAME, m.p, m.n, 0);
    if (!rc) rc = ws_fsync_dir(st->dir);
    ws_buf_free(&m);
    return rc;
}

int ws_store_commit(ws_store *st, const ws_dict *dict, uint32_t old_nterms, const char *new_seg, uint64_t seg_bytes,
                    uint64_t seg_rows, uint64_t add_stories, uint64_t add_tokens)
{
    int lrc = ws_store_load_index(st); /* an append extends the index it has */
    if (lrc) return lrc;
    uint64_t gen = st->generation + 1, dict_bytes = 0;
    uint64_t nstories = st->nstories + add_stories, ntokens = st->ntokens + add_tokens;
    int rc = dict_append(st, dict, old_nterms, &dict_bytes);
    if (rc) { dict_untear(st); return rc; }
    char stats_name[64];
    snprintf(stats_name, sizeof stats_name, "stats-%06llu.wst", (unsigned long long)gen);
    if ((rc = stats_write(st, dict, stats_name, nstories, ntokens))) { dict_untear(st); return rc; }
    char index_name[64] = "";
    uint64_t index_bytes = 0;
    if (st->tidx || st->build_index || !st->nsegs) {
        snprintf(index_name, sizeof index_name, "tidx-%06llu.wsx", (unsigned long long)gen);
        if ((rc = index_write(st, dict, new_seg, index_name, &index_bytes))) {
            char *p = ws_path_join(st->dir, stats_name);
            if (p) unlink(p);
            ws_free(p);
            dict_untear(st);
            return rc;
        }
    }

    ws_buf m = {0};
    rc = manifest_text(st, gen, nstories, ntokens, dict->nterms, dict_bytes, stats_name, new_seg, seg_bytes, seg_rows,
                       index_name, index_bytes, &m);
    if (!rc) rc = write_file_atomic(st->dir, MANIFEST_NAME, m.p, m.n, 0);
    if (!rc) rc = ws_fsync_dir(st->dir);
    ws_buf_free(&m);
    if (rc) {
        /* Whether the rename happened is unknown only if the directory
         * fsync failed; then the new MANIFEST may be live: keep its files. */
        if (!manifest_lists(st->dir, stats_name)) {
            char *p = ws_path_join(st->dir, stats_name);
            if (p) unlink(p);
            ws_free(p);
            if (index_name[0] && (p = ws_path_join(st->dir, index_name))) unlink(p);
            ws_free(p);
            dict_untear(st);
        }
        return rc;
    }
    /* The statistics file superseded one commit ago is no longer listed by
     * this MANIFEST or the previous one. The one just superseded stays
     * until the next commit, for readers that read the previous MANIFEST
     * (ws_store_open retries in the rare case that is not enough). */
    if (gen >= 3) {
        char old[64];
        snprintf(old, sizeof old, "stats-%06llu.wst", (unsigned long long)(gen - 2));
        char *p = ws_path_join(st->dir, old);
        if (p) unlink(p);
        ws_free(p);
        snprintf(old, sizeof old, "tidx-%06llu.wsx", (unsigned long long)(gen - 2));
        if ((p = ws_path_join(st->dir, old))) unlink(p);
        ws_free(p);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* format 2.0: the upgrade commit                                      */

int ws_store_commit_upgrade(ws_store *st, char *const *new_names, const uint64_t *new_bytes, char *const *new_mh,
                            const uint64_t *new_mh_bytes)
{
    int lrc = ws_store_load_index(st);
    if (lrc) return lrc;
    /* A store without segments has nothing to rewrite: only its MANIFEST
     * changes, in the same generation. */
    int empty = st->nsegs == 0;
    uint64_t gen = st->generation + st->nsegs;
    char stats_name[64] = "", index_name[64] = "";
    uint64_t index_bytes = 0;
    int rc = 0;
    if (empty) {
        if (st->stats_name) snprintf(stats_name, sizeof stats_name, "%s", st->stats_name);
        if (st->index_name) snprintf(index_name, sizeof index_name, "%s", st->index_name);
        index_bytes = st->index_bytes;
    } else if (st->stats_name) {
        snprintf(stats_name, sizeof stats_name, "stats-%06llu.wst", (unsigned long long)gen);
        rc = stats_write(st, &st->dict, stats_name, st->nstories, st->ntokens);
    }
    /* The term index lists blocks by number across the store: the same
     * blocks in the same order, so the same bytes under the new name. */
    if (!rc && !empty && st->index_name) {
        snprintf(index_name, sizeof index_name, "tidx-%06llu.wsx", (unsigned long long)gen);
        char *p = ws_path_join(st->dir, st->index_name), *data = NULL;
        size_t n = 0;
        rc = p ? read_small_file(p, &data, &n, (size_t)1 << 40) : WS_ENOMEM;
        if (!rc) rc = write_file_atomic(st->dir, index_name, data, n, 1);
        index_bytes = n;
        ws_free(p);
        ws_free(data);
    }
    ws_manifest_seg *old = st->mseg, *nw = NULL;
    if (!rc && st->nsegs && !(nw = ws_calloc(st->nsegs, sizeof *nw))) rc = WS_ENOMEM;
    for (uint32_t i = 0; !rc && i < st->nsegs; i++) {
        nw[i] = old[i];
        nw[i].name = new_names[i];
        nw[i].bytes = new_bytes[i];
        nw[i].mh = new_mh[i];
        nw[i].mh_bytes = new_mh[i] ? new_mh_bytes[i] : 0;
    }
    ws_buf m = {0};
    if (!rc) {
        unsigned old_format = st->format;
        st->mseg = nw;
        st->format = WS_FORMAT2_VERSION;
        rc = manifest_text(st, gen, st->nstories, st->ntokens, st->dict.nterms, st->dict_bytes,
                           st->stats_name ? stats_name : NULL, NULL, 0, 0, index_name, index_bytes, &m);
        st->mseg = old;
        st->format = old_format;
    }
    if (!rc) rc = write_file_atomic(st->dir, MANIFEST_NAME, m.p, m.n, 0);
    if (!rc) rc = ws_fsync_dir(st->dir);
    ws_buf_free(&m);
    ws_free(nw);
    char *p;
    if (rc) {
        /* As in ws_store_commit: a failed directory fsync may leave the new
         * MANIFEST live; keep its files then. */
        if (!empty && (!stats_name[0] || !manifest_lists(st->dir, stats_name))) {
            if (stats_name[0] && (p = ws_path_join(st->dir, stats_name))) unlink(p), ws_free(p);
            if (index_name[0] && (p = ws_path_join(st->dir, index_name))) unlink(p), ws_free(p);
        }
        return rc;
    }
    /* The old store's files: no MANIFEST lists them now. A reader that read
     * the old MANIFEST holds them open or, finding one gone, reads the new
     * MANIFEST (ws_store_open retries). */
    for (uint32_t i = 0; i < st->nsegs; i++) {
        if ((p = ws_path_join(st->dir, old[i].name))) unlink(p);
        ws_free(p);
        if (old[i].mh && (p = ws_path_join(st->dir, old[i].mh))) unlink(p), ws_free(p);
    }
    if (!empty && st->stats_name && (p = ws_path_join(st->dir, st->stats_name))) unlink(p), ws_free(p);
    if (!empty && st->index_name && (p = ws_path_join(st->dir, st->index_name))) unlink(p), ws_free(p);
    /* and the previous generation's, kept by the last commit for readers of
     * the MANIFEST before it: such a reader retries with the new one */
    if (!empty && st->generation >= 2) {
        char old_name[64];
        snprintf(old_name, sizeof old_name, "stats-%06llu.wst", (unsigned long long)(st->generation - 1));
        if ((p = ws_path_join(st->dir, old_name))) unlink(p), ws_free(p);
        snprintf(old_name, sizeof old_name, "tidx-%06llu.wsx", (unsigned long long)(st->generation - 1));
        if ((p = ws_path_join(st->dir, old_name))) unlink(p), ws_free(p);
    }
    return 0;
}
