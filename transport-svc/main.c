/*
 * transport-svc -- the transport layer process of one host: TCP (the engine
 * in tcp*.c), UDP (udp_sock.c), and the socket API server for applications
 * (tsvc.c; client library apps/lib/sock.h).
 *
 * Call chain: main -> ls_svc_init -> tsvc_cfg_from_svc (topology settings)
 *   -> tsvc_new -> pipe "transport:net" (connects to net-svc's
 *   TOPO_EP_TRANSPORT_NET) -> pipe "dns:transport" (binds
 *   TOPO_EP_DNS_TRANSPORT when the host runs a dns layer; tsvc_upper_rx)
 *   -> ctl handler (tsvc_ctl) -> loop timer (tsvc_next_deadline /
 *   tsvc_poll) -> ls_svc_ready -> ls_loop_run.
 */
#include <stdio.h>

#include "runtime/pipe.h"
#include "runtime/svc.h"
#include "transport-svc/tsvc.h"
#include "runtime/pipe_ctl.h"

static const char *const s_usage =
    "usage: transport-svc --topology FILE --host HOST [--run-dir DIR] [--endpoints ipc|tcp]\n"
    "                     [--log FILE] [--log-level error|warn|info|pdu]\n"
    "Runs HOST's transport layer: TCP and UDP over the pipe to net-svc, and the\n"
    "socket API for applications on its control socket. Normally started by\n"
    "`stackctl up`. Topology settings read: msl, min_rto, max_rto, initial_rto,\n"
    "syn_retries, synack_retries, max_retries, rcvbuf, sndbuf, nodelay, delack,\n"
    "window_scaling, cc, udp_rcvbuf, app_timeout.";

typedef struct {
    ls_svc_t *svc;
    ls_pipe_t *net;
    ls_pipe_t *upper;   /* dns:transport, NULL on a host without a dns layer */
    tsvc_t *core;
} s_main_t;

static int s_net_send(void *ctx, Ls__Envelope *env)
{
    s_main_t *m = ctx;
    return ls_pipe_send(m->net, env);
}

static int s_upper_send(void *ctx, Ls__Envelope *env)
{
    s_main_t *m = ctx;
    return m->upper ? ls_pipe_send(m->upper, env) : -1;
}

static void s_upper_rx(ls_pipe_t *pipe, Ls__Envelope *env, void *arg)
{
    s_main_t *m = arg;
    tsvc_upper_rx(m->core, env, ls_now_ns());
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

static void s_net_rx(ls_pipe_t *pipe, Ls__Envelope *env, void *arg)
{
    s_main_t *m = arg;
    tsvc_net_rx(m->core, env, ls_now_ns());
}

static int s_ctl(ls_svc_t *svc, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer, void *arg)
{
    s_main_t *m = arg;
    return tsvc_ctl(m->core, req, rep, peer, ls_now_ns());
}

static uint64_t s_deadline(void *arg)
{
    s_main_t *m = arg;
    return tsvc_next_deadline(m->core);
}

static void s_fire(void *arg, uint64_t now)
{
    s_main_t *m = arg;
    tsvc_poll(m->core, now);
}

int main(int argc, char **argv)
{
    ls_svc_t svc;
    char err[1024];
    int rc = ls_svc_init(&svc, argc, argv, "transport", s_usage, err, sizeof err);
    if (rc != 0) {
        fprintf(rc > 0 ? stdout : stderr, "%s%s\n", rc > 0 ? "" : "transport-svc: ", err);
        return rc > 0 ? 0 : 2;
    }
    if (!svc.h) {
        fprintf(stderr, "transport-svc: needs --host\n");
        ls_svc_fini(&svc);
        return 2;
    }
    s_main_t m = {.svc = &svc};
    tsvc_cfg_t cfg = tsvc_cfg_default();
    tsvc_cfg_from_svc(&cfg, &svc);
    tsvc_io_t io = {.ctx = &m, .net_send = s_net_send, .upper_send = s_upper_send, .reply = s_reply,
                    .new_pdu_id = s_pdu_id,
                    .log = svc.log, .counters = svc.ctr};
    m.core = tsvc_new(&cfg, &io);
    char ep[400];
    if (!m.core || ls_svc_endpoint(&svc, svc.host, TOPO_EP_TRANSPORT_NET, NULL, 0, ep, sizeof ep) < 0) {
        fprintf(stderr, "transport-svc: %s\n", m.core ? ep : "out of memory");
        tsvc_destroy(&m.core);
        ls_svc_fini(&svc);
        return 1;
    }
    m.net = ls_pipe_new(&svc, "transport:net", ep, 0, LS__LAYER__TRANSPORT, LS__DIRECTION__DOWN, s_net_rx, &m);
    if (!m.net) {
        fprintf(stderr, "transport-svc: cannot open the pipe to net-svc at %s\n", ep);
        tsvc_destroy(&m.core);
        ls_svc_fini(&svc);
        return 1;
    }
    if (svc.h->layers[TOPO_LAYER_DNS][0]) {
        if (ls_svc_endpoint(&svc, svc.host, TOPO_EP_DNS_TRANSPORT, NULL, 1, ep, sizeof ep) < 0 ||
            !(m.upper = ls_pipe_new(&svc, "dns:transport", ep, 1, LS__LAYER__TRANSPORT, LS__DIRECTION__UP,
                                    s_upper_rx, &m))) {
            fprintf(stderr, "transport-svc: cannot open the pipe to dns-svc at %s\n", ep);
            ls_pipe_destroy(&m.net);
            tsvc_destroy(&m.core);
            ls_svc_fini(&svc);
            return 1;
        }
    }
    ls_loop_add_timer(svc.loop, s_deadline, s_fire, &m);
    ls_svc_set_ctl_handler(&svc, s_ctl, &m);
    rc = 0;
    if (ls_pipe_ctl_register(&svc) < 0 || ls_svc_ready(&svc) < 0)
        rc = 1;
    else
        ls_loop_run(svc.loop);
    ls_pipe_destroy(&m.upper);
    ls_pipe_destroy(&m.net);
    tsvc_destroy(&m.core);
    ls_svc_fini(&svc);
    return rc;
}
