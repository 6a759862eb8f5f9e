/*
 * stackctl.h -- shared context for stackctl's commands.
 *
 * stackctl.c parses global options (--run-dir) and dispatches; each command
 * family may live in its own orchestrator/cmd_*.c with the signature
 *   int cmd_NAME(stackctl_t *sc, int argc, char **argv)   (argv[0] = command)
 * returning the process exit code (0 ok, 1 failure, 2 usage).
 */
#ifndef LS_STACKCTL_H
#define LS_STACKCTL_H

#include "runtime/ctl_client.h"
#include "topology/topology.h"

typedef struct {
    char run_dir[256];
    char bin_dir[512];
    char topo_path[320];
    topo_mode_t mode;
    topo_t *topo;          /* loaded on demand from RUN/topology.yaml */
    void *zctx;
} stackctl_t;

/* Load the running topology; prints a clear error and returns -1 if not up. */
int stackctl_topo(stackctl_t *sc);
/* One request to a service ("hosta-link", "sw-lan1", "orchestrator"). NULL + message on failure. */
Ls__CtlReply *stackctl_call(stackctl_t *sc, const char *service, const char *cmd, const char *const *args,
                            size_t nargs, int timeout_ms);
/* Print rows / error of a reply; returns exit code. */
int stackctl_print_reply(const Ls__CtlReply *rep, const char *service);
/* The service name of HOST's LAYER ("hosta", "link") after checking the host exists. */
int stackctl_service(stackctl_t *sc, const char *host, const char *layer, char *out, size_t cap);

int cmd_trace(stackctl_t *sc, int argc, char **argv);
/* cmd_fault.c: fault rules on pipes; scenario.c: lessons */
int cmd_fault(stackctl_t *sc, int argc, char **argv);
int cmd_scenario(stackctl_t *sc, int argc, char **argv);
/* cmd_dns.c: a host's DNS caches, pending queries, zones */
int cmd_dns(stackctl_t *sc, int argc, char **argv);
/* cmd_compose.c: container deployment (compose file, orchestrator idle, tcp-mode status) */
int cmd_compose(stackctl_t *sc, int argc, char **argv);
int cmd_idle(stackctl_t *sc, int argc, char **argv);
int cmd_compose_status(stackctl_t *sc, int argc, char **argv);
int cmd_compose_updown(stackctl_t *sc, const char *verb);

#endif
