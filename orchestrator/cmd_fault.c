/*
 * cmd_fault.c -- `stackctl fault`: add, list, delete and clear fault rules on
 * any pipe of a running topology.
 *
 * Call chain: stackctl main -> cmd_fault -> s_orch_call ("fault-add|list|del|
 * clear" to the orchestrator's ctl socket) -> supervisor.c registry ->
 * fault_place + fault_ctl_request to the service holding the pipe end ->
 * orchestrator/fault_place.c -> pipe.c fault sets. This file only parses the command
 * line and prints; validation (pipe names, rule text) happens in the
 * orchestrator so rules from the topology and from scenarios get the same.
 */
#include "stackctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const s_help =
    "usage: stackctl fault add HOST PIPE DIR SPEC... [seed N]\n"
    "       stackctl fault list\n"
    "       stackctl fault del ID\n"
    "       stackctl fault clear\n"
    "\n"
    "Inject netem-style faults on one direction of any pipe of a running topology.\n"
    "  HOST  a host of the topology (hosta, router, ...)\n"
    "  PIPE  net:link[@IF]   net-svc <-> link-svc (IF may be left out on a one-interface host)\n"
    "        wire[@IF]       link-svc <-> the segment's switch\n"
    "        transport:net   transport-svc <-> net-svc\n"
    "  DIR   down (towards the wire), up (towards the application) or both\n"
    "  SPEC  drop nth N | drop every N | loss P% | loss gemodel p [r [1-h [1-k]]] |\n"
    "        duplicate P% | corrupt P% | delay T [J [distribution D]] | reorder P% [gap N] [hold T] |\n"
    "        rate R [limit N] | match FILTER   (several may be combined; see docs/faults.md)\n"
    "  seed N  the seed of the rule's random draws (default: the topology's seed)\n"
    "\n"
    "A rule sits at the sending end of its direction (net:link down in net-svc,\n"
    "net:link up in link-svc, ...), or at the receiving end when the sender is a\n"
    "replacement layer; it survives a restart of that service.\n"
    "\n"
    "examples:\n"
    "  stackctl fault add hosta net:link down loss 10% seed 7\n"
    "  stackctl fault add hostb wire up corrupt 100% match icmp-echo-request\n"
    "  stackctl fault add hosta net:link down drop nth 2 match icmp-echo-request\n";

/* One request to the orchestrator; NULL + message when nothing answers. */
static Ls__CtlReply *s_orch_call(stackctl_t *sc, const char *cmd, const char *const *args, size_t nargs)
{
    if (!sc->topo) {
        char err[512];
        if (access(sc->topo_path, R_OK) != 0) {
            fprintf(stderr, "stackctl fault: nothing is up in %s; run 'stackctl up' first\n", sc->run_dir);
            return NULL;
        }
        sc->topo = topo_load(sc->topo_path, err, sizeof err);
        if (!sc->topo) {
            fprintf(stderr, "stackctl fault: %s\n", err);
            return NULL;
        }
    }
    char ep[400];
    if (topo_endpoint(sc->topo, sc->mode, sc->run_dir, "orchestrator", TOPO_EP_CTL, NULL, false, ep,
                      sizeof ep) < 0) {
        fprintf(stderr, "stackctl fault: %s\n", ep);
        return NULL;
    }
    ls_ctl_client_t *c = ls_ctl_client_new(sc->zctx, ep);
    if (!c) {
        fprintf(stderr, "stackctl fault: cannot connect to %s\n", ep);
        return NULL;
    }
    /* fault-list asks every service holding rules: allow for a few slow ones */
    Ls__CtlReply *rep = ls_ctl_call(c, cmd, args, nargs, 10000);
    ls_ctl_client_destroy(&c);
    if (!rep)
        fprintf(stderr, "stackctl fault: the orchestrator did not answer (is the run up? see 'stackctl status')\n");
    return rep;
}

static int s_print(const Ls__CtlReply *rep, const char *what)
{
    if (rep->rc != 0) {
        fprintf(stderr, "stackctl fault %s: %s\n", what, rep->error ? rep->error : strerror(rep->rc));
        return 1;
    }
    for (size_t i = 0; i < rep->n_rows; i++)
        printf("%s\n", rep->rows[i]);
    return 0;
}

static int s_add(stackctl_t *sc, int argc, char **argv)
{
    /* argv: add HOST PIPE DIR SPEC... [seed N] */
    if (argc < 5) {
        fprintf(stderr, "usage: stackctl fault add HOST PIPE DIR SPEC... [seed N]\n");
        return 2;
    }
    int end = argc;
    const char *seed = "";
    if (argc >= 7 && strcmp(argv[argc - 2], "seed") == 0) {
        seed = argv[argc - 1];
        end = argc - 2;
    }
    char spec[512];
    size_t n = 0;
    spec[0] = '\0';
    for (int i = 4; i < end; i++) {
        int w = snprintf(spec + n, sizeof spec - n, "%s%s", n ? " " : "", argv[i]);
        if (w < 0 || (size_t)w >= sizeof spec - n) {
            fprintf(stderr, "stackctl fault add: rule text too long\n");
            return 2;
        }
        n += (size_t)w;
    }
    const char *args[] = {argv[1], argv[2], argv[3], seed, spec};
    Ls__CtlReply *rep = s_orch_call(sc, "fault-add", args, 5);
    if (!rep)
        return 1;
    int rc = s_print(rep, "add");
    ls_ctl_reply_free(&rep);
    return rc;
}

/* Split a tab-separated row in place; returns the number of fields. */
static int s_split(char *row, char **f, int max)
{
    int n = 0;
    for (char *p = row; n < max;) {
        f[n++] = p;
        char *t = strchr(p, '\t');
        if (!t)
            break;
        *t = '\0';
        p = t + 1;
    }
    return n;
}

#define S_COLS 12

static int s_list(stackctl_t *sc)
{
    Ls__CtlReply *rep = s_orch_call(sc, "fault-list", NULL, 0);
    if (!rep)
        return 1;
    if (rep->rc != 0) {
        int rc = s_print(rep, "list");
        ls_ctl_reply_free(&rep);
        return rc;
    }
    static const char *const head[S_COLS] = {"ID", "HOST", "PIPE", "DIR", "SPEC", "SEED", "seen", "dropped",
                                             "delayed", "duplicated", "reordered", "corrupted"};
    size_t w[S_COLS];
    for (int c = 0; c < S_COLS; c++)
        w[c] = strlen(head[c]);
    char ***cells = calloc(rep->n_rows + 1, sizeof *cells);
    if (!cells)
        abort();
    for (size_t r = 0; r < rep->n_rows; r++) {
        cells[r] = calloc(S_COLS + 1, sizeof **cells);
        char *f[S_COLS + 1];
        int nf = s_split(rep->rows[r], f, S_COLS + 1);
        for (int c = 0; c < S_COLS; c++) {
            cells[r][c] = c < nf ? f[c] : "";
            if (strlen(cells[r][c]) > w[c])
                w[c] = strlen(cells[r][c]);
        }
    }
    for (int c = 0; c < S_COLS; c++)
        printf(c < 6 ? "%-*s%s" : "%*s%s", (int)w[c], head[c], c + 1 < S_COLS ? "  " : "\n");
    for (size_t r = 0; r < rep->n_rows; r++) {
        for (int c = 0; c < S_COLS; c++)
            printf(c < 6 ? "%-*s%s" : "%*s%s", (int)w[c], cells[r][c], c + 1 < S_COLS ? "  " : "\n");
        free(cells[r]);
    }
    if (rep->n_rows == 0)
        printf("(no fault rules)\n");
    free(cells);
    ls_ctl_reply_free(&rep);
    return 0;
}

int cmd_fault(stackctl_t *sc, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(s_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "add") == 0)
        return s_add(sc, argc - 1, argv + 1);
    if (strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0) {
        if (argc != 2) {
            fprintf(stderr, "usage: stackctl fault list\n");
            return 2;
        }
        return s_list(sc);
    }
    if (strcmp(sub, "del") == 0 || strcmp(sub, "delete") == 0 || strcmp(sub, "rm") == 0) {
        if (argc != 3) {
            fprintf(stderr, "usage: stackctl fault del ID\n");
            return 2;
        }
        const char *args[] = {argv[2]};
        Ls__CtlReply *rep = s_orch_call(sc, "fault-del", args, 1);
        if (!rep)
            return 1;
        int rc = s_print(rep, "del");
        ls_ctl_reply_free(&rep);
        return rc;
    }
    if (strcmp(sub, "clear") == 0) {
        if (argc != 2) {
            fprintf(stderr, "usage: stackctl fault clear\n");
            return 2;
        }
        Ls__CtlReply *rep = s_orch_call(sc, "fault-clear", NULL, 0);
        if (!rep)
            return 1;
        int rc = s_print(rep, "clear");
        ls_ctl_reply_free(&rep);
        return rc;
    }
    fprintf(stderr, "stackctl fault: unknown subcommand '%s' (add, list, del, clear)\n", sub);
    return 2;
}
