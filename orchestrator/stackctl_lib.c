/*
 * stackctl_lib.c -- what stackctl's commands share (stackctl.h): the running
 * topology, one control request to a service, printing its reply, and the
 * service name of a host's layer with a clear error for an unknown host.
 *
 * Call chain: orchestrator/stackctl.c and cmd_*.c -> stackctl_topo (loads
 * RUN/topology.yaml once) -> stackctl_call -> ls_ctl_call -> the service.
 */
#include "stackctl.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int stackctl_topo(stackctl_t *sc)
{
    if (sc->topo)
        return 0;
    char err[512];
    if (access(sc->topo_path, R_OK) != 0) {
        fprintf(stderr, "stackctl: nothing is up in %s (no %s); run 'stackctl up' first\n", sc->run_dir,
                sc->topo_path);
        return -1;
    }
    sc->topo = topo_load(sc->topo_path, err, sizeof err);
    if (!sc->topo) {
        fprintf(stderr, "stackctl: %s\n", err);
        return -1;
    }
    return 0;
}

Ls__CtlReply *stackctl_call(stackctl_t *sc, const char *service, const char *cmd, const char *const *args,
                            size_t nargs, int timeout_ms)
{
    if (stackctl_topo(sc) < 0)
        return NULL;
    char ep[400];
    if (topo_endpoint(sc->topo, sc->mode, sc->run_dir, service, TOPO_EP_CTL, NULL, false, ep, sizeof ep) < 0) {
        fprintf(stderr, "stackctl: %s\n", ep);
        return NULL;
    }
    ls_ctl_client_t *c = ls_ctl_client_new(sc->zctx, ep);
    if (!c) {
        fprintf(stderr, "stackctl: cannot connect to %s\n", ep);
        return NULL;
    }
    Ls__CtlReply *rep = ls_ctl_call(c, cmd, args, nargs, timeout_ms);
    ls_ctl_client_destroy(&c);
    if (!rep)
        fprintf(stderr, "stackctl: %s did not answer '%s' within %d ms (is it up? see 'stackctl status')\n",
                service, cmd, timeout_ms);
    return rep;
}

int stackctl_print_reply(const Ls__CtlReply *rep, const char *service)
{
    if (rep->rc != 0) {
        fprintf(stderr, "%s: %s\n", service, rep->error ? rep->error : strerror(rep->rc));
        return 1;
    }
    for (size_t i = 0; i < rep->n_rows; i++)
        printf("%s\n", rep->rows[i]);
    return 0;
}

int stackctl_service(stackctl_t *sc, const char *host, const char *layer, char *out, size_t cap)
{
    if (stackctl_topo(sc) < 0)
        return -1;
    const topo_host_t *h = topo_host(sc->topo, host);
    if (!h) {
        fprintf(stderr, "stackctl: no host '%s' in %s (hosts:", host, sc->topo_path);
        for (size_t i = 0; i < sc->topo->nhost; i++)
            fprintf(stderr, " %s", sc->topo->hosts[i].name);
        fprintf(stderr, ")\n");
        return -1;
    }
    snprintf(out, cap, "%s-%s", host, layer);
    return 0;
}
