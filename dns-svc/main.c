/*
 * dns-svc -- the DNS layer process of one host: the stub resolver (every
 * host), and by configuration the recursive resolver and the authoritative
 * server (dsvc.h). It talks to its host's transport-svc over the
 * dns:transport pipe and to applications over its control socket.
 *
 * Call chain: main -> ls_svc_init -> dsvc_cfg_from_svc (the topology's
 *   dns: block) -> zone_load per zone file, zone_load_hints (any error:
 *   "FILE:LINE: reason" and exit 2, nothing half-loaded) -> the hosts
 *   file text (the topology's names, then dns: hosts) -> pipe
 *   "dns:transport" (connects to transport-svc's TOPO_EP_DNS_TRANSPORT) ->
 *   dsvc_new -> ctl handler (dsvc_ctl) -> loop timer (dsvc_next_deadline /
 *   dsvc_poll) -> ls_loop_run; dsvc's io.ready (transport-svc answered,
 *   port 53 open) -> ls_svc_ready: only then does the supervisor see it up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns-svc/dsvc.h"
#include "runtime/pipe.h"
#include "runtime/pipe_ctl.h"

static const char *const s_usage =
    "usage: dns-svc --topology FILE --host HOST [--run-dir DIR] [--endpoints ipc|tcp]\n"
    "               [--log FILE] [--log-level error|warn|info|pdu]\n"
    "Runs HOST's DNS layer over the pipe to its transport-svc: the stub resolver\n"
    "(hosts file, cache, the nameservers of the topology's dns: block), and, as that\n"
    "block says, the recursive resolver (recursive: true, root_hints: FILE) and the\n"
    "authoritative server (zones: [FILE...]). Normally started by `stackctl up`.\n"
    "Topology settings read: dns_cache_size, dns_max_depth, dns_max_cname,\n"
    "dns_max_requests, dns_query_timeout, dns_tcp_idle.";

typedef struct {
    ls_svc_t *svc;
    ls_pipe_t *pipe;
    dsvc_t *core;
    zone_t *zones[TOPO_DNS_MAX_ZONES];
    size_t nzones;
    zone_t *hints;
    char *hosts;
    int failed;
} s_main_t;

static int s_send(void *ctx, Ls__Envelope *env)
{
    s_main_t *m = ctx;
    return ls_pipe_send(m->pipe, env);
}

static int s_reply(void *ctx, const ls_ctl_peer_t *peer, ls_ctl_reply_t *rep)
{
    s_main_t *m = ctx;
    return ls_svc_ctl_send(m->svc, peer, rep);
}

static uint64_t s_pdu_id(void *ctx)
{
    s_main_t *m = ctx;
    return ls_svc_pdu_id(m->svc);
}

/* dsvc io.ready: port 53 is open (or there is nothing to open): now answer
 * the supervisor, so `stackctl up` returns only when every server serves. */
static void s_ready(void *ctx)
{
    s_main_t *m = ctx;
    if (ls_pipe_ctl_register(m->svc) < 0 || ls_svc_ready(m->svc) < 0) {
        m->failed = 1;
        ls_loop_stop(m->svc->loop);
    }
}

static void s_rx(ls_pipe_t *pipe, Ls__Envelope *env, void *arg)
{
    s_main_t *m = arg;
    if (m->core)
        dsvc_transport_rx(m->core, env, ls_now_ns());
}

static int s_ctl(ls_svc_t *svc, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer, void *arg)
{
    s_main_t *m = arg;
    return dsvc_ctl(m->core, req, rep, peer, ls_now_ns());
}

static uint64_t s_deadline(void *arg)
{
    s_main_t *m = arg;
    return dsvc_next_deadline(m->core);
}

static void s_fire(void *arg, uint64_t now)
{
    s_main_t *m = arg;
    dsvc_poll(m->core, now);
}

/* The hosts file: the topology's names (as RUN/hosts has them), then the dns: hosts file. */
static char *s_hosts_text(ls_svc_t *svc, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    topo_write_hosts(svc->topo, f);
    const char *extra = svc->h->dns.hosts;
    if (extra[0]) {
        FILE *in = fopen(extra, "r");
        if (!in) {
            snprintf(err, errlen, "%s: cannot open the hosts file", extra);
            fclose(f);
            free(text);
            return NULL;
        }
        char line[512];
        while (fgets(line, sizeof line, in))
            fputs(line, f);
        fclose(in);
    }
    fclose(f);
    return text;
}

static void s_cleanup(s_main_t *m)
{
    dsvc_destroy(&m->core);
    ls_pipe_destroy(&m->pipe);
    for (size_t i = 0; i < m->nzones; i++)
        zone_destroy(&m->zones[i]);
    zone_destroy(&m->hints);
    free(m->hosts);
}

static int s_fail(s_main_t *m, ls_svc_t *svc, int code, const char *msg)
{
    fprintf(stderr, "dns-svc: %s\n", msg);
    ls_logf(svc->log, LS_LOG_ERROR, "refusing to start: %s", msg);
    s_cleanup(m);
    ls_svc_fini(svc);
    return code;
}

int main(int argc, char **argv)
{
    ls_svc_t svc;
    char err[1024];
    int rc = ls_svc_init(&svc, argc, argv, "dns", s_usage, err, sizeof err);
    if (rc != 0) {
        fprintf(rc > 0 ? stdout : stderr, "%s%s\n", rc > 0 ? "" : "dns-svc: ", err);
        return rc > 0 ? 0 : 2;
    }
    s_main_t m = {.svc = &svc};
    if (!svc.h)
        return s_fail(&m, &svc, 2, "needs --host");
    dsvc_cfg_t cfg = dsvc_cfg_default();
    dsvc_cfg_from_svc(&cfg, &svc);
    const topo_dns_t *d = &svc.h->dns;
    for (size_t i = 0; i < d->nzone; i++) {
        m.zones[i] = zone_load(d->zones[i], NULL, err, sizeof err);
        if (!m.zones[i])
            return s_fail(&m, &svc, 2, err);
        m.nzones = i + 1;
        ls_logf(svc.log, LS_LOG_INFO, "zone %s loaded: %zu records, serial %u", d->zones[i], m.zones[i]->nrr,
                m.zones[i]->serial);
    }
    if (cfg.recursive) {
        m.hints = zone_load_hints(d->root_hints, err, sizeof err);
        if (!m.hints)
            return s_fail(&m, &svc, 2, err);
    }
    if (!(m.hosts = s_hosts_text(&svc, err, sizeof err)))
        return s_fail(&m, &svc, 2, err);
    cfg.zones = (const zone_t *const *)m.zones;
    cfg.nzones = m.nzones;
    cfg.hints = m.hints;
    cfg.hosts_text = m.hosts;
    char ep[400];
    if (ls_svc_endpoint(&svc, svc.host, TOPO_EP_DNS_TRANSPORT, NULL, 0, ep, sizeof ep) < 0)
        return s_fail(&m, &svc, 1, ep);
    m.pipe = ls_pipe_new(&svc, "dns:transport", ep, 0, LS__LAYER__DNS, LS__DIRECTION__DOWN, s_rx, &m);
    if (!m.pipe)
        return s_fail(&m, &svc, 1, "cannot open the pipe to transport-svc");
    dsvc_io_t io = {.ctx = &m, .transport_send = s_send, .reply = s_reply, .new_pdu_id = s_pdu_id,
                    .ready = s_ready, .log = svc.log, .counters = svc.ctr};
    m.core = dsvc_new(&cfg, &io, ls_now_ns());
    if (!m.core)
        return s_fail(&m, &svc, 1, "out of memory");
    ls_logf(svc.log, LS_LOG_INFO, "roles: stub (%zu nameserver(s))%s%s", cfg.stub.nns,
            cfg.recursive ? ", recursive resolver" : "", m.nzones ? ", authoritative" : "");
    ls_loop_add_timer(svc.loop, s_deadline, s_fire, &m);
    ls_svc_set_ctl_handler(&svc, s_ctl, &m);
    /* ready (the ctl socket bound) comes from dsvc once port 53 is open: s_ready */
    ls_loop_run(svc.loop);
    rc = m.failed;
    s_cleanup(&m);
    ls_svc_fini(&svc);
    return rc;
}
