/*
 * The writer lock (STORE/LOCK) and the clean-up after a failed first
 * ingest: the parts of writing a store that deal with other processes
 * (a second writer, one waiting for the lock) rather than with file formats.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ws_fileio.h"
#include "ws_store.h"

#define MANIFEST_NAME "MANIFEST"
#define DICT_NAME "terms.wsd"

int ws_store_lock(const char *dir, int wait, int *created)
{
    if (created) *created = 0;
    if (mkdir(dir, 0755) == 0) {
        if (created) *created = 1;
    } else if (errno != EEXIST) {
        return ws_error(errno == ENOENT ? WS_ENOENT : WS_EIO, "%s: cannot create store directory: %s", dir, strerror(errno));
    }
    char *p = ws_path_join(dir, "LOCK");
    if (!p) return WS_ENOMEM;
    int rc = 0, fd = -1;
    for (int tries = 0; !rc; tries++) {
        fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            rc = ws_error(errno == ENOENT ? WS_ENOENT : WS_EIO, "%s: cannot open: %s", p, strerror(errno));
            break;
        }
        int r;
        while ((r = flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {}
        if (r != 0) {
            rc = errno == EWOULDBLOCK ? ws_error(WS_EBUSY, "%s: another wirescan process is writing this store (ingest --wait "
                                                           "waits for it)", dir)
                                      : ws_error(WS_EIO, "%s: cannot lock: %s", p, strerror(errno));
            break;
        }
        /* A failed first ingest removes its LOCK (and folder) on the way
         * out: a writer that waited on that file holds a lock nobody else
         * sees, so it starts again on the current LOCK. */
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(p, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) break;
        close(fd);
        fd = -1;
        if (tries >= 100) { rc = ws_error(WS_EBUSY, "%s: LOCK keeps being replaced", dir); break; }
        if (mkdir(dir, 0755) == 0 && created) *created = 1;
    }
    ws_free(p);
    if (rc) {
        if (fd >= 0) close(fd);
        return rc;
    }
    return fd;
}

int ws_store_unlock_discard(const char *dir, int fd, int created)
{
    /* Only a store that never had a MANIFEST: remove what this writer left
     * (its LOCK, debris of its temp files) and, when it made the folder,
     * the folder. No allocation here: this runs after out-of-memory
     * failures too, and must never mistake a store for an empty one. */
    char path[4096];
    struct stat sb;
    int n = snprintf(path, sizeof path, "%s/%s", dir, MANIFEST_NAME);
    int has_manifest = n < 0 || (size_t)n >= sizeof path || stat(path, &sb) == 0 || errno != ENOENT;
    if (!has_manifest) {
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            const char *nm = e->d_name;
            /* Without a MANIFEST nothing here is published: the LOCK and
             * the files a writer makes are debris the next writer would
             * remove anyway (ws_store_cleanup). Other files stay. */
            if (strcmp(nm, "LOCK") && strcmp(nm, DICT_NAME) && strncmp(nm, "seg-", 4) && strncmp(nm, "stats-", 6) &&
                strncmp(nm, "MANIFEST.", 9))
                continue;
            n = snprintf(path, sizeof path, "%s/%s", dir, nm);
            if (n > 0 && (size_t)n < sizeof path) unlink(path);
        }
        if (d) closedir(d);
        if (created) rmdir(dir); /* fails, harmlessly, if anything else is there */
    }
    if (fd >= 0) close(fd);
    return 0;
}
