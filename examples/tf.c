/*
 * The smallest wirescan client: the 20 most frequent terms of a store, as
 * CSV on standard output, exactly what `wirescan tf STORE --top 20` prints.
 *
 *   cc examples/tf.c $(pkg-config --cflags --libs wirescan) -o tf
 *   ./tf news.store
 */
#include <stdio.h>
#include <wirescan.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: tf STORE\n");
        return 2;
    }
    const char *paths[] = {argv[1]};
    ws_corpus *corpus = NULL;
    ws_request *q = NULL;
    ws_result *r = NULL;
    int rc = ws_corpus_open(&corpus, paths, 1);
    if (!rc) rc = ws_request_create(&q, corpus, "tf");
    if (!rc) rc = ws_request_set(q, "top", "20");
    if (!rc) rc = ws_request_run(q, &r);
    if (!rc) rc = ws_result_write(r, WS_FORMAT_CSV, 1, stdout);
    if (rc) fprintf(stderr, "tf: %s\n", *ws_last_error() ? ws_last_error() : ws_strerror(rc));
    ws_result_free(r);
    ws_request_free(q);
    ws_corpus_close(corpus);
    return rc ? ws_exit_status(rc) : 0;
}
