/*
 * tsvc.h -- transport-svc's core: the glue between net-svc (the
 * "transport:net" pipe), the TCP engine (tcp.h), the UDP socket table
 * (udp_sock.h) and the applications (the socket API over the ctl socket,
 * see apps/lib/sock.h for the client side and the wire protocol).
 *
 * Pure with respect to I/O and time: envelopes to net-svc and deferred ctl
 * replies leave through tsvc_io_t callbacks; time comes in as now_ns. That
 * lets tests/unit/test_tsvc.c run two stacks back to back on a fake clock.
 *
 * Call chain: transport-svc/main.c ->
 *   pipe rx         -> tsvc_net_rx (NET_DELIVER -> ipv4_parse -> demux proto:
 *                      6 tcp_input, 17 udp_sock_input; NET_ICMP_ERROR ->
 *                      tcp_icmp_error / udp_sock_icmp_error; ROUTE_REPLY ->
 *                      pending connect/sendto resume)
 *   ctl "sock ..."  -> tsvc_ctl (socket ops; blocking is the app's wait op)
 *   pipe "dns:transport" -> tsvc_upper_rx (SockOp in; SockEvent out through
 *                      io.upper_send: the socket service of the layer above)
 *   ctl "table netstat|ss" -> tsvc_ctl
 *   loop timer      -> tsvc_next_deadline / tsvc_poll (TCP timers, waits,
 *                      route timeouts, dead applications)
 */
#ifndef LS_TSVC_H
#define LS_TSVC_H

#include <stdint.h>
#include "runtime/log.h"
#include "runtime/svc.h"
#include "topology/topology.h"
#include "transport-svc/tcp.h"
#include "transport-svc/udp_sock.h"

typedef struct tsvc tsvc_t;

typedef struct {
    void *ctx;
    /* An envelope for net-svc (NET_TX, NET_SEND_ICMP_ERROR, ROUTE_QUERY). 0 / -1. */
    int (*net_send)(void *ctx, Ls__Envelope *env);
    /* A SockEvent for the layer above (the dns:transport pipe); may be NULL. 0 / -1. */
    int (*upper_send)(void *ctx, Ls__Envelope *env);
    /* A deferred reply to an application's request. */
    int (*reply)(void *ctx, const ls_ctl_peer_t *peer, ls_ctl_reply_t *rep);
    uint64_t (*new_pdu_id)(void *ctx);   /* may be NULL: ids 0 */
    ls_log_t *log;                       /* may be NULL */
    ls_counters_t *counters;             /* required */
} tsvc_io_t;

typedef struct {
    tcp_cfg_t tcp;
    udp_sock_cfg_t udp;
    uint64_t app_timeout_ns;    /* an app silent this long is dead: its sockets close (3 s) */
    uint64_t route_timeout_ns;  /* ROUTE_QUERY unanswered -> EHOSTUNREACH (2 s) */
    uint64_t route_cache_ns;    /* ROUTE_REPLY answers are reused this long (10 s) */
    const topo_host_t *host;    /* this host (interface MTUs, broadcast checks); may be NULL */
} tsvc_cfg_t;

tsvc_cfg_t tsvc_cfg_default(void);
/* Fill cfg from the topology `settings:` of a service: msl, min_rto, max_rto,
 * initial_rto, syn_retries, synack_retries, max_retries, rcvbuf, sndbuf, nodelay,
 * delack, window_scaling, cc, app_timeout; the seed keys ISNs and ports. */
void tsvc_cfg_from_svc(tsvc_cfg_t *cfg, ls_svc_t *svc);

tsvc_t *tsvc_new(const tsvc_cfg_t *cfg, const tsvc_io_t *io);
void tsvc_destroy(tsvc_t **self_p);

/* One envelope from net-svc. */
void tsvc_net_rx(tsvc_t *self, const Ls__Envelope *env, uint64_t now);
/* One envelope from the layer above (SockOp, HELLO) on its pipe. */
void tsvc_upper_rx(tsvc_t *self, const Ls__Envelope *env, uint64_t now);
/* A ctl request ("sock ...", "table netstat|ss|udp"). 0: reply now (rep filled);
 * 1: the reply comes later through io.reply; -1: not ours. */
int tsvc_ctl(tsvc_t *self, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer,
             uint64_t now);

uint64_t tsvc_next_deadline(const tsvc_t *self);
void tsvc_poll(tsvc_t *self, uint64_t now);

tcp_stack_t *tsvc_tcp(tsvc_t *self);
udp_sock_t *tsvc_udp(tsvc_t *self);
/* Live application sessions. */
size_t tsvc_sessions(const tsvc_t *self);

#endif
