/*
 * Subcommands of the wirescan executable. Each takes the subcommand's argv
 * (argv[0] is the subcommand name) and returns a process exit status.
 */
#ifndef WS_CLI_H
#define WS_CLI_H

#include <stdio.h>

/* The executable's heap settings (cli/ws_heap_env.c); first thing in main. */
void ws_cli_heap_setup(int argc, char **argv);
int ws_cmd_ingest(int argc, char **argv);
int ws_cmd_info(int argc, char **argv);
int ws_cmd_verify(int argc, char **argv);
int ws_cmd_export(int argc, char **argv);
/* The same, in this process alone even under mpirun (wirescan shard: every
 * rank exports the source store for itself). */
int ws_cmd_export_local(int argc, char **argv);
int ws_cmd_index(int argc, char **argv);
int ws_cmd_upgrade(int argc, char **argv);
/* wirescan shard STORE --into N DIR: re-shard a store (ws_cli.c). */
int ws_cmd_shard(int argc, char **argv);
/* An analytic subcommand over the kernel of that name, its options derived
 * from the kernel's descriptor (ws_cmd_kernel.c). */
int ws_cmd_kernel(const char *cmd, int argc, char **argv);
/* wirescan run: a job file of analytic commands over one scan (ws_cmd_run.c). */
int ws_cmd_run(int argc, char **argv);

/* An option as given on the command line: a request parameter and its
 * value (NULL for a flag). */
typedef struct ws_cli_setting {
    const char *name, *value;
} ws_cli_setting;

/* After a usage error (its message printed): the line "Try 'wirescan CMD
 * --help'." on stderr; returns 2, the usage exit status. */
int ws_cli_try(const char *cmd);
/* Print "wirescan: <detail or strerror>" for err and return its exit status. */
int ws_cli_fail(int err);
/* The same, naming the command: "wirescan kwic: ...". */
int ws_cli_fail_cmd(const char *cmd, int err);

/* While a run goes on: the first SIGINT, SIGTERM, SIGHUP or SIGPIPE calls
 * cancel(ctx) (ws_request_cancel and ws_job_cancel only set a flag, safe in
 * a handler) so the run stops and cleans up; a second one ends the process
 * at once. */
void ws_cli_catch_signals(void (*cancel)(void *), void *ctx);
/* Restore the handlers; returns the signal that came, 0 for none. */
int ws_cli_release_signals(void);
/* After cleaning up: end the process by sig, as if it had not been caught. */
void ws_cli_reraise(int sig);
/* Parse a non-negative integer option value; prints an error naming opt. */
int ws_cli_parse_uint(const char *opt, const char *s, unsigned long long max, unsigned long long *out);
/* Open -o FILE (or stdout when NULL or "-"). */
FILE *ws_cli_open_out(const char *path);
/* Close it, reporting write errors (disk full) as an exit status. */
int ws_cli_close_out(FILE *f, const char *path);

#endif
