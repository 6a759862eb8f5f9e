/*
 * fault_ctl.c -- fault rule placement, the services' fault-* control commands,
 * and requests carrying FaultRules (see fault_ctl.h).
 *
 * Call chain: orchestrator/supervisor.c (fault_place, fault_ctl_request) ->
 *   service ctl socket -> svc.c s_builtin -> ls_fault_ctl -> pipe.c
 *   ls_pipe_find / ls_pipe_faults -> fault.c fault_set_add/del/clear/foreach.
 */
#include "fault_ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "fault.h"
#include "pipe.h"

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

/* ---- service side ---- */

static Ls__FaultRule *s_rule_append(ls_ctl_reply_t *r)
{
    Ls__CtlReply *p = &r->rep;
    if (p->n_rules == r->cap_rules) {
        r->cap_rules = r->cap_rules ? r->cap_rules * 2 : 8;
        Ls__FaultRule **nv = realloc(p->rules, r->cap_rules * sizeof *nv);
        if (!nv)
            abort();
        p->rules = nv;
    }
    Ls__FaultRule *fr = calloc(1, sizeof *fr);
    if (!fr)
        abort();
    ls__fault_rule__init(fr);
    p->rules[p->n_rules++] = fr;
    return fr;
}

typedef struct {
    ls_ctl_reply_t *rep;
    const char *pipe;
    Ls__Direction dir;
} s_list_ctx_t;

static void s_list_rule(const fault_rule_t *rule, void *arg)
{
    s_list_ctx_t *c = arg;
    fault_stats_t st;
    fault_rule_stats(rule, &st);
    Ls__FaultRule *fr = s_rule_append(c->rep);
    fr->id = fault_rule_id(rule);
    fr->pipe = strdup(c->pipe);
    fr->dir = c->dir;
    fr->spec = strdup(fault_rule_spec(rule));
    fr->seed = fault_rule_seed(rule);
    fr->has_seen = fr->has_dropped = fr->has_delayed = 1;
    fr->has_duplicated = fr->has_reordered = fr->has_corrupted = 1;
    fr->seen = st.seen;
    fr->dropped = st.dropped;
    fr->delayed = st.delayed;
    fr->duplicated = st.duplicated;
    fr->reordered = st.reordered;
    fr->corrupted = st.corrupted;
    if (!fr->pipe || !fr->spec)
        abort();
    ls_ctl_row(c->rep, "%u\t%s\t%s\t%s\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu", fr->id, fr->pipe,
               ls_dir_str(fr->dir), fr->spec, (unsigned long long)fr->seed, (unsigned long long)st.seen,
               (unsigned long long)st.dropped, (unsigned long long)st.delayed,
               (unsigned long long)st.duplicated, (unsigned long long)st.reordered,
               (unsigned long long)st.corrupted);
}

static int s_add(ls_svc_t *svc, const Ls__CtlRequest *req, ls_ctl_reply_t *rep)
{
    if (req->n_rules == 0) {
        ls_ctl_error(rep, EINVAL, "fault-add: no rule in the request");
        return 0;
    }
    for (size_t i = 0; i < req->n_rules; i++) {
        const Ls__FaultRule *fr = req->rules[i];
        ls_pipe_t *p = ls_pipe_find(svc, fr->pipe);
        if (!p) {
            ls_ctl_error(rep, ENOENT, "fault-add: %s has no pipe '%s'", svc->name, fr->pipe);
            return 0;
        }
        fault_set_t *fs = ls_pipe_faults(p, fr->dir);
        if (!fs) {
            ls_ctl_error(rep, EINVAL, "fault-add: direction must be up or down");
            return 0;
        }
        char err[200];
        fault_rule_t *rule = fault_rule_parse(fr->spec, fr->seed, fr->id, err, sizeof err);
        if (!rule) {
            ls_ctl_error(rep, EINVAL, "fault-add: %s", err);
            return 0;
        }
        if (fault_set_add(fs, &rule) < 0) {
            ls_ctl_error(rep, EEXIST, "fault-add: rule %u is already on %s", fr->id, svc->name);
            return 0;
        }
        ls_logev(svc->log, LS_LOG_INFO, &(ls_logev_t){.ev = "fault-rule", .dir = ls_dir_str(fr->dir)},
                 "rule %u added on %s %s: %s (seed %llu)", fr->id, fr->pipe, ls_dir_str(fr->dir), fr->spec,
                 (unsigned long long)fr->seed);
    }
    ls_ctl_kv(rep, "added", "%zu", req->n_rules);
    return 0;
}

static int s_del(ls_svc_t *svc, const Ls__CtlRequest *req, ls_ctl_reply_t *rep)
{
    char *end = NULL;
    unsigned long id = req->n_args ? strtoul(req->args[0], &end, 10) : 0;
    if (!req->n_args || !end || *end || !req->args[0][0]) {
        ls_ctl_error(rep, EINVAL, "fault-del: expected a rule id");
        return 0;
    }
    int found = 0;
    for (ls_pipe_t *p = ls_pipe_first(svc); p; p = ls_pipe_next(p))
        for (int d = LS__DIRECTION__DOWN; d <= LS__DIRECTION__UP; d++) {
            fault_set_t *fs = ls_pipe_faults_peek(p, (Ls__Direction)d);
            if (fs && fault_set_del(fs, (uint32_t)id) == 0)
                found++;
        }
    if (!found) {
        ls_ctl_error(rep, ENOENT, "fault-del: no rule %lu on %s", id, svc->name);
        return 0;
    }
    ls_logev(svc->log, LS_LOG_INFO, &(ls_logev_t){.ev = "fault-rule"}, "rule %lu deleted", id);
    return 0;
}

int ls_fault_ctl(ls_svc_t *svc, const Ls__CtlRequest *req, ls_ctl_reply_t *rep)
{
    if (strcmp(req->cmd, "fault-add") == 0)
        return s_add(svc, req, rep);
    if (strcmp(req->cmd, "fault-del") == 0)
        return s_del(svc, req, rep);
    if (strcmp(req->cmd, "fault-clear") == 0) {
        size_t n = 0;
        for (ls_pipe_t *p = ls_pipe_first(svc); p; p = ls_pipe_next(p))
            for (int d = LS__DIRECTION__DOWN; d <= LS__DIRECTION__UP; d++) {
                fault_set_t *fs = ls_pipe_faults_peek(p, (Ls__Direction)d);
                if (fs) {
                    n += fault_set_size(fs);
                    fault_set_clear(fs);
                }
            }
        ls_ctl_kv(rep, "cleared", "%zu", n);
        if (n)
            ls_logev(svc->log, LS_LOG_INFO, &(ls_logev_t){.ev = "fault-rule"}, "%zu rule(s) cleared", n);
        return 0;
    }
    if (strcmp(req->cmd, "fault-list") == 0) {
        for (ls_pipe_t *p = ls_pipe_first(svc); p; p = ls_pipe_next(p))
            for (int d = LS__DIRECTION__DOWN; d <= LS__DIRECTION__UP; d++) {
                fault_set_t *fs = ls_pipe_faults_peek(p, (Ls__Direction)d);
                s_list_ctx_t c = {rep, ls_pipe_name(p), (Ls__Direction)d};
                if (fs)
                    fault_set_foreach(fs, s_list_rule, &c);
            }
        return 0;
    }
    return -1;
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
