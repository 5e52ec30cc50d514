/*
 * Helpers shared by the fuzz targets that drive a record source: the input
 * is written to a file (one per process, rewritten for every input) and
 * read back through ws_source, as ingest reads it. The first input byte
 * picks the options, so one corpus covers the encodings, a tiny
 * --max-record and (CSV) the delimiters.
 */
#ifndef WS_FUZZ_COMMON_H
#define WS_FUZZ_COMMON_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ws_source.h"

/* Remove a scratch folder and everything in it (files and folders only:
 * the targets create nothing else). */
static inline void ws_fuzz_rmtree(const char *dir)
{
    if (!dir || !dir[0]) return;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[512];
        int w = snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (w < 0 || (size_t)w >= sizeof p) continue;
        if (remove(p) != 0) ws_fuzz_rmtree(p);
    }
    if (d) closedir(d);
    remove(dir);
}

static char ws_fuzz_dir[64];
static inline void ws_fuzz_cleanup(void) { ws_fuzz_rmtree(ws_fuzz_dir); }

/* A per-process scratch folder (removed at exit) holding the input file `name`; returns the
 * file's path (static storage) or NULL. */
static inline const char *ws_fuzz_write(const char *name, const uint8_t *data, size_t size)
{
    static char path[128];
    if (!ws_fuzz_dir[0]) {
        strcpy(ws_fuzz_dir, "/tmp/ws_fuzz_XXXXXX");
        if (!mkdtemp(ws_fuzz_dir)) { ws_fuzz_dir[0] = 0; return NULL; }
        atexit(ws_fuzz_cleanup);
    }
    snprintf(path, sizeof path, "%s/%s", ws_fuzz_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return NULL;
    size_t w = size ? fwrite(data, 1, size, f) : 0;
    if (fclose(f) != 0 || w != size) return NULL;
    return path;
}

/* Options from the selector byte: bits 0-1 encoding, bit 2 a 200-byte
 * --max-record, bits 3-4 the CSV delimiter, bit 5 a --date-format. */
static inline void ws_fuzz_opts(uint8_t sel, ws_source_opts *o)
{
    static const char *const enc[4] = {NULL, "utf-8", "latin-1", "windows-1252"};
    static const char delim[4] = {0, '\t', ';', '|'};
    memset(o, 0, sizeof *o);
    o->encoding = enc[sel & 3];
    o->max_record = (sel & 4) ? 200 : 0;
    o->delimiter = delim[(sel >> 3) & 3];
    if (sel & 32) o->date_format = "%d/%m/%Y %H:%M";
    o->year = (sel & 64) ? 1987 : 0;
}

/* Read every record of path as format fmt, touching every byte returned. */
static inline void ws_fuzz_drain(const char *path, ws_format fmt, const ws_source_opts *o)
{
    ws_source *s;
    if (ws_source_open(path, fmt, o, &s) != 0) return;
    volatile unsigned sum = 0;
    for (int guard = 0; guard < 1000000; guard++) {
        ws_record rec;
        ws_source_pos pos;
        int rc = ws_source_next(s, &rec, &pos);
        if (rc == 0) break;
        if (rc < 0) {
            if (rc == WS_EFORMAT || rc == WS_ETOOBIG) continue;
            break;
        }
        const ws_str f[4] = {rec.id, rec.title, rec.body, rec.source};
        for (int i = 0; i < 4; i++)
            for (size_t k = 0; k < f[i].n; k++) sum += (unsigned char)f[i].p[k];
        uint32_t total = 0;
        for (uint32_t t = 0; t < rec.ntags; t++) total += rec.tag_count[t];
        for (uint32_t k = 0; k < total; k++)
            for (size_t j = 0; j < rec.tag_vals[k].n; j++) sum += (unsigned char)rec.tag_vals[k].p[j];
        sum += (unsigned)rec.date;
    }
    for (uint32_t i = 0; i < ws_source_ntags(s); i++) sum += (unsigned char)ws_source_tag_name(s, i)[0];
    (void)sum;
    ws_source_close(s);
}

#endif
