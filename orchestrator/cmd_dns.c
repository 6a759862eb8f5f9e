/*
 * cmd_dns.c -- stackctl dns: a host's DNS layer from the outside.
 *
 *   stackctl dns HOST            its caches: the stub's, and the recursive
 *                                resolver's on a resolver host (name, type,
 *                                TTL left, positive / NXDOMAIN / NODATA / hint)
 *   stackctl dns HOST flush      empty them (rndc flush)
 *   stackctl dns HOST pending    the resolver's queries in flight (id, server, port)
 *   stackctl dns HOST zones      the zones its authoritative role serves
 *
 * Call chain: stackctl.c dispatch -> cmd_dns -> stackctl_call(HOST-dns
 * "table cache|pending|zones" | "flush") -> stackctl_print_reply.
 */
#include <stdio.h>
#include <string.h>

#include "stackctl.h"

static int s_usage(FILE *f, int rc)
{
    fprintf(f, "usage: stackctl dns HOST [flush|pending|zones]\n"
               "  (no word)  the host's DNS caches with the TTL each entry has left\n"
               "  flush      empty the caches (the root hints stay)\n"
               "  pending    the recursive resolver's queries in flight\n"
               "  zones      the zones the host serves\n");
    return rc;
}

int cmd_dns(stackctl_t *sc, int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
        return s_usage(stdout, 0);
    if (argc < 2 || argc > 3)
        return s_usage(stderr, 2);
    const char *what = argc == 3 ? argv[2] : "cache";
    if (strcmp(what, "cache") && strcmp(what, "flush") && strcmp(what, "pending") && strcmp(what, "zones")) {
        fprintf(stderr, "stackctl dns: unknown word '%s' (flush, pending, zones)\n", what);
        return 2;
    }
    char svc[128];
    if (stackctl_service(sc, argv[1], "dns", svc, sizeof svc) < 0)
        return 1;
    const topo_host_t *h = topo_host(sc->topo, argv[1]);
    if (!h->layers[TOPO_LAYER_DNS][0]) {
        fprintf(stderr, "stackctl dns: %s has no dns layer (its topology says layers: dns: none)\n", argv[1]);
        return 1;
    }
    const char *args[] = {what};
    Ls__CtlReply *rep = strcmp(what, "flush") == 0 ? stackctl_call(sc, svc, "flush", NULL, 0, 3000)
                                                   : stackctl_call(sc, svc, "table", args, 1, 3000);
    if (!rep)
        return 1;
    int rc = stackctl_print_reply(rep, svc);
    ls_ctl_reply_free(&rep);
    return rc;
}
