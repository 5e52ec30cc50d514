/*
 * wirescan: entry point and subcommand dispatch.
 */
#include <stdio.h>
#include <string.h>

#include "wirescan.h"
#include "ws_cli.h"
#include "ws_generate.h"
#include "ws_mpi.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} commands[] = {
    {"ingest", ws_cmd_ingest, "read news archives (JSONL) into a store, or append to one"},
    {"info", ws_cmd_info, "summarise a store: stories, dates, tokens, terms, size"},
    {"verify", ws_cmd_verify, "check every checksum and structural bound of a store"},
    {"export", ws_cmd_export, "write a store's stories back out as JSONL or CSV"},
    {"index", ws_cmd_index, "add the term index to a store written without one"},
    {"upgrade", ws_cmd_upgrade, "rewrite a format 1.x store as format 2.0"},
    {"run", ws_cmd_run, "run a job file of analytic commands over one scan, with provenance"},
    {"shard", ws_cmd_shard, "split a store into N shard stores by story id (for MPI runs)"},
    {"generate", ws_generate_main, "write a synthetic news corpus with planted topics (JSONL)"},
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wirescan COMMAND [OPTIONS] ...\n"
            "\n"
            "wirescan ingests news archives once into a compressed columnar store and\n"
            "answers corpus questions (term frequencies, ...) by scanning it in parallel.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, "generate")) fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    /* The analytic commands: one per kernel, from the kernels' descriptors. */
    for (size_t i = 0; ws_kernel_name(i); i++) {
        const char *summary;
        ws_kernel_describe(ws_kernel_name(i), &summary, NULL, NULL, NULL);
        fprintf(f, "  %-10s %s\n", ws_kernel_name(i), summary);
    }
    fprintf(f, "  %-10s %s\n", "generate", "write a synthetic news corpus with planted topics (JSONL)");
    fprintf(f,
            "\n"
            "Run 'wirescan COMMAND --help' for a command's options.\n"
            "Typical use:\n"
            "  wirescan generate --stories 10000 -o sample.jsonl\n"
            "  wirescan ingest -o sample.store sample.jsonl\n"
            "  wirescan tf sample.store --top 20\n"
            "\n"
            "Exit status: 0 ok (skipped bad input records are reported, not fatal);\n"
            "2 usage; 3 out of memory; 4 I/O error; 5 corrupt store; 6 malformed input\n"
            "(--strict); 7 over a limit; 8 not found; 9 unsupported store version;\n"
            "10 store locked by another writer; 13 cancelled.\n");
}

static int run_command(int argc, char **argv);

/* Under mpirun or srun every rank runs the same command line; MPI is set
 * up only then (ws_mpi.h), so a plain start is one process as always. */
int main(int argc, char **argv)
{
    ws_cli_heap_setup(argc, argv);
    ws_mpi_init(&argc, &argv);
    return ws_mpi_finish(run_command(argc, argv));
}

static int run_command(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        /* The minor version is the newest file a new store gets (docs/FORMAT.md:
         * 2.1 is the term index's file version 3; segments stay 2.0). */
        printf("wirescan %s (writes store format %d.1; reads 1.x and 2.x)\n", ws_version(), WS_STORE_FORMAT);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) {
            /* getopt's own messages ("unrecognized option '--top3'") start
             * with argv[0]: make it name the command. */
            static char name[64];
            snprintf(name, sizeof name, "wirescan %s", commands[i].name);
            argv[1] = name;
            return commands[i].fn(argc - 1, argv + 1);
        }
    for (size_t i = 0; ws_kernel_name(i); i++)
        if (!strcmp(argv[1], ws_kernel_name(i))) return ws_cmd_kernel(argv[1], argc - 1, argv + 1);
    fprintf(stderr, "wirescan: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
