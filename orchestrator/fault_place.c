/*
 * fault_place.c -- where a fault rule sits, and the request that puts it
 * there (see fault_place.h). Used by the orchestrator only: the native
 * supervisor and the compose orchestrator's registry (fault_reg.c).
 *
 * Call chain: stackctl fault add -> orchestrator "fault-add" (fault_reg.c)
 *   -> fault_place (which service holds the applying end) ->
 *   fault_ctl_request("fault-add", rule) -> that service's ctl socket ->
 *   runtime/pipe_ctl.c (the pipe's fault set).
 */
#include "fault_place.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* ---- placement ---- */

static const char *const s_ours[] = {"link-svc", "net-svc", "transport-svc", "dns-svc"};

int fault_prog_is_ours(const char *prog)
{
    if (!prog || !prog[0])
        return 0;
    const char *base = strrchr(prog, '/');
    base = base ? base + 1 : prog;
    for (size_t i = 0; i < sizeof s_ours / sizeof s_ours[0]; i++)
        if (strcmp(base, s_ours[i]) == 0)
            return 1;
    return 0;
}

/* The layer pipes: name, upper layer, lower layer (-1: the switch), per interface? */
typedef struct {
    const char *stem;
    int upper, lower;
    int per_if;
} s_pipe_kind_t;

static const s_pipe_kind_t s_kinds[] = {
    {"net:link", TOPO_LAYER_NET, TOPO_LAYER_LINK, 1},
    {"wire", TOPO_LAYER_LINK, -1, 1},
    {"transport:net", TOPO_LAYER_TRANSPORT, TOPO_LAYER_NET, 0},
    {"dns:transport", TOPO_LAYER_DNS, TOPO_LAYER_TRANSPORT, 0},
};

static int s_runs(const topo_host_t *h, int layer) { return layer < 0 || h->layers[layer][0] != '\0'; }

/* "net:link@eth0, wire@eth0, transport:net" for error messages */
static void s_list_pipes(const topo_host_t *h, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < sizeof s_kinds / sizeof s_kinds[0]; k++) {
        const s_pipe_kind_t *pk = &s_kinds[k];
        if (!s_runs(h, pk->upper) || !s_runs(h, pk->lower))
            continue;
        for (size_t i = 0; i < (pk->per_if ? h->niface : 1); i++) {
            int w = pk->per_if ? snprintf(buf + n, cap - n, "%s%s@%s", n ? ", " : "", pk->stem, h->ifaces[i].name)
                               : snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", pk->stem);
            if (w < 0 || (size_t)w >= cap - n)
                return;
            n += (size_t)w;
        }
    }
}

static int s_place_one(const topo_host_t *h, const s_pipe_kind_t *pk, const char *canon, Ls__Direction dir,
                       fault_place_t *out, char *err, size_t errlen)
{
    /* down: the upper layer sends, the lower receives; up: the reverse */
    int sender = dir == LS__DIRECTION__DOWN ? pk->upper : pk->lower;
    int receiver = dir == LS__DIRECTION__DOWN ? pk->lower : pk->upper;
    int at = -1, at_sender = 0;
    if (sender >= 0 && fault_prog_is_ours(h->layers[sender])) {
        at = sender;
        at_sender = 1;
    } else if (receiver >= 0 && fault_prog_is_ours(h->layers[receiver])) {
        at = receiver;
    }
    if (at < 0) {
        snprintf(err, errlen, "%s %s %s: neither end runs our pipe library (%s: %s, %s: %s)", h->name, canon,
                 ls_dir_str(dir), pk->upper >= 0 ? topo_layer_name((topo_layer_t)pk->upper) : "switch",
                 pk->upper >= 0 ? h->layers[pk->upper] : "-",
                 pk->lower >= 0 ? topo_layer_name((topo_layer_t)pk->lower) : "switch",
                 pk->lower >= 0 ? h->layers[pk->lower] : "switch");
        return -1;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->host, sizeof out->host, "%s", h->name);
    snprintf(out->pipe, sizeof out->pipe, "%s", canon);
    out->dir = dir;
    out->at_sender = at_sender;
    topo_service_name(h->name, (topo_layer_t)at, out->service, sizeof out->service);
    return 0;
}

int fault_place(const topo_t *topo, const char *host, const char *pipe, const char *dir,
                fault_place_t out[2], char *err, size_t errlen)
{
    const topo_host_t *h = topo_host(topo, host);
    if (!h) {
        snprintf(err, errlen, "no host '%s' in the topology", host);
        return -1;
    }
    Ls__Direction dirs[2];
    int ndir;
    if (strcmp(dir, "down") == 0) {
        dirs[0] = LS__DIRECTION__DOWN;
        ndir = 1;
    } else if (strcmp(dir, "up") == 0) {
        dirs[0] = LS__DIRECTION__UP;
        ndir = 1;
    } else if (strcmp(dir, "both") == 0) {
        dirs[0] = LS__DIRECTION__DOWN;
        dirs[1] = LS__DIRECTION__UP;
        ndir = 2;
    } else {
        snprintf(err, errlen, "bad direction '%s' (expected up, down or both)", dir);
        return -1;
    }
    char stem[48], list[400];
    snprintf(stem, sizeof stem, "%s", pipe);
    char *at = strchr(stem, '@');
    const char *ifname = NULL;
    if (at) {
        *at = '\0';
        ifname = at + 1;
    }
    const s_pipe_kind_t *pk = NULL;
    for (size_t k = 0; k < sizeof s_kinds / sizeof s_kinds[0]; k++)
        if (strcmp(stem, s_kinds[k].stem) == 0)
            pk = &s_kinds[k];
    s_list_pipes(h, list, sizeof list);
    if (!pk || (!pk->per_if && ifname) || !s_runs(h, pk->upper) || !s_runs(h, pk->lower)) {
        snprintf(err, errlen, "%s has no pipe '%s' (pipes: %s)", h->name, pipe, list);
        return -1;
    }
    char canon[48];
    if (pk->per_if) {
        if (ifname && !topo_iface(h, ifname)) {
            snprintf(err, errlen, "%s has no interface '%s' (pipes: %s)", h->name, ifname, list);
            return -1;
        }
        if (!ifname && h->niface != 1) {
            snprintf(err, errlen, "%s has %zu interfaces: say which, e.g. %s@%s (pipes: %s)", h->name, h->niface,
                     pk->stem, h->ifaces[0].name, list);
            return -1;
        }
        snprintf(canon, sizeof canon, "%s@%s", pk->stem, ifname ? ifname : h->ifaces[0].name);
    } else {
        snprintf(canon, sizeof canon, "%s", pk->stem);
    }
    for (int i = 0; i < ndir; i++)
        if (s_place_one(h, pk, canon, dirs[i], &out[i], err, errlen) < 0)
            return -1;
    return ndir;
}

/* ---- client side ---- */

Ls__CtlReply *fault_ctl_request(ls_ctl_client_t *client, const char *cmd, const char *const *args,
                                size_t nargs, Ls__FaultRule *const *rules, size_t nrules, int timeout_ms)
{
    static const uint32_t tag = 0x46430001u; /* "FC": told apart from ls_ctl_send's small tags */
    Ls__CtlRequest req = LS__CTL_REQUEST__INIT;
    req.version = LS__VERSION__CONTRACT_VERSION;
    req.cmd = (char *)cmd;
    req.args = (char **)args;
    req.n_args = nargs;
    req.rules = (Ls__FaultRule **)rules;
    req.n_rules = nrules;
    req.has_tag = 1;
    req.tag = tag;
    size_t n = ls__ctl_request__get_packed_size(&req);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return NULL;
    ls__ctl_request__pack(&req, buf);
    void *sock = ls_ctl_client_socket(client);
    int rc = zmq_send(sock, buf, n, 0);
    free(buf);
    if (rc < 0)
        return NULL;
    /* skip stale replies (a previous request that timed out) by tag */
    for (int tries = 0; tries < 8; tries++) {
        Ls__CtlReply *rep = ls_ctl_recv(client, timeout_ms);
        if (!rep)
            return NULL;
        if (!rep->has_tag || rep->tag == req.tag)
            return rep;
        ls_ctl_reply_free(&rep);
    }
    return NULL;
}
