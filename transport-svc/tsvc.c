/*
 * tsvc.c -- transport-svc core (see tsvc.h): demux from net-svc, TCP/UDP
 * glue, the application socket protocol, netstat/ss tables.
 *
 * Call chain:
 *   up:   tsvc_net_rx -> s_deliver (ipv4_parse, trim) -> "proto 6 -> tcp" ->
 *         tcp_input | "proto 17 -> udp" -> udp_sock_input (-> NO_PORT ->
 *         s_send_icmp_error type 3 code 3 with the whole datagram)
 *         tsvc_net_rx -> s_icmp_error -> tcp_icmp_error | udp_sock_icmp_error
 *         tsvc_net_rx -> s_route_reply -> s_rop_resume (connect / sendto)
 *   down: tcp engine io.output / udp_sock io.output -> s_net_tx (NET_TX)
 *   apps: tsvc_ctl -> s_sock_op -> op handlers; blocking = "wait" op,
 *         answered by s_check_waits after every input, timer or request
 *   time: tsvc_poll -> tcp_poll, wait timeouts, route timeouts, dead sessions
 *
 * The socket protocol (client: apps/lib/sock.c): CtlRequest cmd "sock",
 * args[0] = op, args[1] = session token (16 hex digits), then op arguments;
 * data = payload. CtlReply rc = 0 or an errno, kv = results, data = payload.
 */
#include "transport-svc/tsvc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bytes.h"
#include "icmp.h"
#include "ipv4.h"
#include "pipe.h"
#include "tcp_wire.h"
#include "udp.h"

#define TSVC_MAX_FDS 65536 /* hard limit; the fd table grows on demand up to it */
#define TSVC_FDS_MIN 64
#define TSVC_MAX_SESSIONS 64
#define TSVC_MAX_WAIT 16
#define TSVC_MAX_ROPS 64
#define TSVC_ROUTE_CACHE 32
#define TSVC_MAX_RECV (256 * 1024)
#define TSVC_WAIT_CAP_NS 2000000000ull /* one wait lasts at most this long */

/* wait event bits (same values in apps/lib/sock.h) */
#define EV_IN 1
#define EV_OUT 2
#define EV_ERR 4
#define EV_NVAL 8

enum { FD_FREE = 0, FD_TCP, FD_UDP };

typedef struct {
    int type;
    int eid;            /* engine socket id */
    int session;
    int acc_pending;    /* listener: ACCEPT_READY events not yet consumed */
    bool connecting;    /* connect() in progress (route query or SYN_SENT) */
} s_fd_t;

typedef struct {
    bool used;
    uint64_t token;
    uint64_t last_seen;
    ls_ctl_peer_t peer;
    bool wait_active;
    uint32_t wait_tag;
    uint64_t wait_deadline;
    int nwait;
    int wait_fd[TSVC_MAX_WAIT];
    int wait_ev[TSVC_MAX_WAIT];
} s_session_t;

enum { ROP_CONNECT = 1, ROP_SENDTO };

/* An app request parked on a ROUTE_QUERY. */
typedef struct {
    bool used;
    int kind;
    uint32_t qid;
    uint32_t dst;
    uint16_t port;
    uint64_t deadline;
    int session;
    int fd;
    ls_ctl_peer_t peer;
    uint32_t tag;
    bool has_tag;
    uint8_t *data;
    size_t len;
} s_rop_t;

typedef struct {
    uint32_t dst, src;
    uint16_t mtu;
    bool found;
    uint64_t expires;
} s_route_t;

struct tsvc {
    tsvc_cfg_t cfg;
    tsvc_io_t io;
    tcp_stack_t *tcp;
    udp_sock_t *udp;
    s_fd_t *fds;            /* [nfds], grown by doubling (s_fd_alloc) */
    int nfds;
    int fd_hint;            /* no free fd below this one */
    int *tcp2fd, *udp2fd;   /* engine socket id -> fd, -1 none; [ntcp2fd]/[nudp2fd] */
    int ntcp2fd, nudp2fd;
    s_session_t sessions[TSVC_MAX_SESSIONS];
    s_rop_t rops[TSVC_MAX_ROPS];
    int sess_hi, rop_hi;    /* no slot at or above these was ever used: the per-loop scans stop there */
    s_route_t routes[TSVC_ROUTE_CACHE];
    uint32_t next_qid;
    uint64_t now;           /* time of the entry point being processed */
    bool dirty;             /* readiness may have changed: check waits */
    /* per-segment/per-request counters, looked up on first use only */
    uint64_t *c_tcp_tx, *c_tcp_rx, *c_requests;
    uint8_t *rbuf;
};

/* ------------------------------------------------------------------ */
/* config                                                               */

tsvc_cfg_t tsvc_cfg_default(void)
{
    return (tsvc_cfg_t){.tcp = tcp_cfg_service_default(), .udp = udp_sock_cfg_default(),
                        .app_timeout_ns = 3000000000ull, .route_timeout_ns = 2000000000ull,
                        .route_cache_ns = 10000000000ull};
}

void tsvc_cfg_from_svc(tsvc_cfg_t *cfg, ls_svc_t *svc)
{
    tcp_cfg_t *t = &cfg->tcp;
    t->msl_ns = ls_svc_setting_ns(svc, "msl", t->msl_ns);
    t->min_rto_ns = ls_svc_setting_ns(svc, "min_rto", t->min_rto_ns);
    t->max_rto_ns = ls_svc_setting_ns(svc, "max_rto", t->max_rto_ns);
    t->initial_rto_ns = ls_svc_setting_ns(svc, "initial_rto", t->initial_rto_ns);
    t->syn_retries = (int)ls_svc_setting_u64(svc, "syn_retries", (uint64_t)t->syn_retries);
    t->synack_retries = (int)ls_svc_setting_u64(svc, "synack_retries", (uint64_t)t->synack_retries);
    t->max_retries = (int)ls_svc_setting_u64(svc, "max_retries", (uint64_t)t->max_retries);
    t->rcvbuf = (uint32_t)ls_svc_setting_u64(svc, "rcvbuf", t->rcvbuf);
    t->sndbuf = (uint32_t)ls_svc_setting_u64(svc, "sndbuf", t->sndbuf);
    t->nodelay = ls_svc_setting_u64(svc, "nodelay", t->nodelay) != 0;
    t->delack = ls_svc_setting_u64(svc, "delack", t->delack) != 0;
    t->window_scaling = ls_svc_setting_u64(svc, "window_scaling", t->window_scaling) != 0;
    const char *cc = topo_setting(svc->topo, svc->host, "cc");
    if (cc)
        t->cc = cc;
    uint64_t seed = svc->topo ? svc->topo->seed : 1;
    /* RFC 6528: the ISN secret; per host so two hosts do not mirror each other */
    uint64_t h = 1469598103934665603ull;
    for (const char *p = svc->host; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    t->isn_secret = (seed * 0x9e3779b97f4a7c15ull) ^ h;
    cfg->udp.rcvbuf = (uint32_t)ls_svc_setting_u64(svc, "udp_rcvbuf", cfg->udp.rcvbuf);
    cfg->udp.seed = seed ^ h;
    cfg->app_timeout_ns = ls_svc_setting_ns(svc, "app_timeout", cfg->app_timeout_ns);
    cfg->host = svc->h;
}

/* ------------------------------------------------------------------ */
/* helpers                                                              */

/* A counter bumped per segment or request: the registry's pointers are
 * stable, so the name is hashed on first use only. */
static uint64_t *s_hot(tsvc_t *self, uint64_t **slot, const char *name)
{
    if (!*slot)
        *slot = ls_counter(self->io.counters, name);
    return *slot;
}

static uint64_t s_pdu_id(tsvc_t *self)
{
    return self->io.new_pdu_id ? self->io.new_pdu_id(self->io.ctx) : 0;
}

static char *s_ipport(uint32_t ip, uint16_t port, char *buf, size_t cap)
{
    char a[16];
    snprintf(buf, cap, "%s.%u", ip4_fmt(ip, a), port);
    return buf;
}

/* tcpdump-style "IP a.p > b.q: Flags [S], ..." / "IP a.p > b.q: UDP, length n" */
static void s_summary(uint8_t proto, uint32_t src, uint32_t dst, const uint8_t *seg, size_t len, char *out,
                      size_t cap)
{
    char a[32], b[32], s[160];
    if (proto == IP_PROTO_TCP) {
        tcp_repr_t r;
        if (tcp_parse_nocsum(seg, len, &r) != TCP_PARSE_OK) {
            snprintf(out, cap, "IP %s > %s: tcp (malformed, %zu bytes)", ip4_fmt(src, a), ip4_fmt(dst, b), len);
            return;
        }
        snprintf(out, cap, "IP %s > %s: %s", s_ipport(src, r.sport, a, sizeof a), s_ipport(dst, r.dport, b, sizeof b),
                 tcp_summary(&r, s, sizeof s));
        return;
    }
    if (proto == IP_PROTO_UDP && len >= UDP_HDR_LEN) {
        udp_repr_t r = {.sport = rd_be16(seg + UDP_OFF_SPORT), .dport = rd_be16(seg + UDP_OFF_DPORT),
                        .payload_len = len - UDP_HDR_LEN};
        snprintf(out, cap, "IP %s > %s: %s", s_ipport(src, r.sport, a, sizeof a), s_ipport(dst, r.dport, b, sizeof b),
                 udp_summary(&r, s, sizeof s));
        return;
    }
    snprintf(out, cap, "IP %s > %s: proto %u, length %zu", ip4_fmt(src, a), ip4_fmt(dst, b), proto, len);
}

/* Record eid -> fd in the engine's map, growing it to cover eid. A map that
 * cannot grow leaves s_fd_of to its scan. */
static void s_map_set(tsvc_t *self, int type, int eid, int fd)
{
    int **map = type == FD_TCP ? &self->tcp2fd : &self->udp2fd;
    int *n = type == FD_TCP ? &self->ntcp2fd : &self->nudp2fd;
    if (eid < 0)
        return;
    if (eid >= *n) {
        if (fd < 0)
            return;
        int nn = *n ? *n : TSVC_FDS_MIN;
        while (nn <= eid && nn < INT32_MAX / 2)
            nn *= 2;
        int *nm = realloc(*map, (size_t)nn * sizeof *nm);
        if (!nm)
            return;
        for (int i = *n; i < nn; i++)
            nm[i] = -1;
        *map = nm;
        *n = nn;
    }
    (*map)[eid] = fd;
}

static int s_fd_alloc(tsvc_t *self, int type, int eid, int session)
{
    int i = self->fd_hint > 3 ? self->fd_hint : 3;
    while (i < self->nfds && self->fds[i].type != FD_FREE)
        i++;
    if (i >= self->nfds) {
        if (self->nfds >= TSVC_MAX_FDS) {
            errno = EMFILE;
            return -1;
        }
        int nn = self->nfds ? self->nfds * 2 : TSVC_FDS_MIN;
        if (nn > TSVC_MAX_FDS)
            nn = TSVC_MAX_FDS;
        s_fd_t *nf = realloc(self->fds, (size_t)nn * sizeof *nf);
        if (!nf) {
            errno = ENOMEM;
            return -1;
        }
        memset(nf + self->nfds, 0, (size_t)(nn - self->nfds) * sizeof *nf);
        self->fds = nf;
        self->nfds = nn;
    }
    self->fds[i] = (s_fd_t){.type = type, .eid = eid, .session = session};
    s_map_set(self, type, eid, i);
    self->fd_hint = i + 1;
    return i;
}

static void s_fd_free(tsvc_t *self, int fd)
{
    s_fd_t *f = &self->fds[fd];
    s_map_set(self, f->type, f->eid, -1);
    memset(f, 0, sizeof *f);
    if (fd < self->fd_hint)
        self->fd_hint = fd;
}

static int s_fd_of(tsvc_t *self, int type, int eid)
{
    int n = type == FD_TCP ? self->ntcp2fd : self->nudp2fd;
    if (eid >= 0 && eid < n)
        return (type == FD_TCP ? self->tcp2fd : self->udp2fd)[eid];
    for (int i = 3; i < self->nfds; i++)
        if (self->fds[i].type == type && self->fds[i].eid == eid)
            return i;
    return -1;
}

/* ------------------------------------------------------------------ */
/* routes                                                               */

static const topo_iface_t *s_iface_by_name(tsvc_t *self, const char *name)
{
    return self->cfg.host && name ? topo_iface(self->cfg.host, name) : NULL;
}

static s_route_t *s_route_find(tsvc_t *self, uint32_t dst)
{
    for (int i = 0; i < TSVC_ROUTE_CACHE; i++)
        if (self->routes[i].expires > self->now && self->routes[i].dst == dst)
            return &self->routes[i];
    return NULL;
}

static void s_route_put(tsvc_t *self, uint32_t dst, bool found, uint32_t src, uint16_t mtu, bool learned)
{
    s_route_t *r = s_route_find(self, dst);
    if (r && learned)
        return; /* an answer from net-svc beats a guess from traffic */
    if (!r) {
        r = &self->routes[0];
        for (int i = 1; i < TSVC_ROUTE_CACHE; i++)
            if (self->routes[i].expires < r->expires)
                r = &self->routes[i];
    }
    *r = (s_route_t){.dst = dst, .src = src, .mtu = mtu ? mtu : TOPO_DEFAULT_MTU, .found = found,
                     .expires = self->now + self->cfg.route_cache_ns};
}

/* tcp_io_t.route: the engine asks synchronously; the answer comes from the
 * cache filled by ROUTE_REPLY (active opens wait for it) or learned from the
 * interface a peer's segment arrived on (passive opens). */
static int s_tcp_route(void *ctx, uint32_t dst, uint32_t *src, uint16_t *mtu)
{
    tsvc_t *self = ctx;
    s_route_t *r = s_route_find(self, dst);
    if (r) {
        if (!r->found)
            return -1;
        *src = r->src;
        *mtu = r->mtu;
        return 0;
    }
    if (self->cfg.host && self->cfg.host->niface) {
        *src = self->cfg.host->ifaces[0].addr;
        *mtu = self->cfg.host->ifaces[0].mtu;
    }
    return 0;
}

static int s_send_route_query(tsvc_t *self, uint32_t dst, uint32_t *qid)
{
    Ls__Envelope env;
    Ls__RouteQuery q = LS__ROUTE_QUERY__INIT;
    q.query_id = *qid = ++self->next_qid;
    q.dst = dst;
    ls_env_setup(&env, LS__KIND__ROUTE_QUERY, s_pdu_id(self), NULL, 0, NULL, 0);
    env.route_query = &q;
    LS_COUNT(self->io.counters, "transport.tx.route_query");
    return self->io.net_send(self->io.ctx, &env);
}

/* ------------------------------------------------------------------ */
/* to net-svc                                                           */

static void s_net_tx(tsvc_t *self, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl, const uint8_t *seg,
                     size_t len, uint64_t pdu_id, const uint64_t *parents, size_t np)
{
    /* the TCP engine logs its own encap line (same id, same parents) */
    if (proto != IP_PROTO_TCP && ls_log_on(self->io.log, LS_LOG_PDU)) {
        char msg[320];
        s_summary(proto, src, dst, seg, len, msg, sizeof msg);
        ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = self->now, .layer = "transport", .dir = "down",
                 .ev = "encap", .pdu = pdu_id, .parents = parents, .nparents = np}, "%s", msg);
    }
    Ls__Envelope env;
    Ls__NetTx tx = LS__NET_TX__INIT;
    tx.src = src;
    tx.dst = dst;
    tx.protocol = proto;
    if (ttl && ttl != 64) {
        tx.has_ttl = 1;
        tx.ttl = ttl;
    }
    ls_env_setup(&env, LS__KIND__NET_TX, pdu_id, parents, np, seg, len);
    env.net_tx = &tx;
    if (self->io.net_send(self->io.ctx, &env) == 0) {
        if (proto == IP_PROTO_TCP)
            (*s_hot(self, &self->c_tcp_tx, "tcp.tx.segments"))++;
        else
            LS_COUNT(self->io.counters, "udp.tx.sent");
    }
}

static void s_tcp_output(void *ctx, uint32_t src, uint32_t dst, const uint8_t *seg, size_t len, uint64_t pdu_id,
                         const uint64_t *parents, size_t np)
{
    s_net_tx(ctx, src, dst, IP_PROTO_TCP, 64, seg, len, pdu_id, parents, np);
}

static void s_udp_output(void *ctx, uint32_t src, uint32_t dst, uint8_t ttl, const uint8_t *dgram, size_t len,
                         uint64_t pdu_id, const uint64_t *parents, size_t np)
{
    s_net_tx(ctx, src, dst, IP_PROTO_UDP, ttl, dgram, len, pdu_id, parents, np);
}

static void s_tcp_event(void *ctx, int sock, tcp_event_t ev, int err)
{
    tsvc_t *self = ctx;
    int fd = s_fd_of(self, FD_TCP, sock);
    if (fd >= 0) {
        if (ev == TCP_EV_ACCEPT_READY)
            self->fds[fd].acc_pending++;
        if (ev == TCP_EV_CONNECTED || ev == TCP_EV_ERROR || ev == TCP_EV_CLOSED)
            self->fds[fd].connecting = false;
    }
    self->dirty = true;
}

static void s_udp_readable(void *ctx, int sock)
{
    tsvc_t *self = ctx;
    self->dirty = true;
}

static uint64_t s_io_pdu_id(void *ctx) { return s_pdu_id(ctx); }

static int s_udp_label(void *ctx, int sock) { return s_fd_of(ctx, FD_UDP, sock); }

/* RFC 1122 3.2.2 / 4.1.3.1: never answer a datagram to a broadcast or
 * multicast address, or one that came as a link-layer broadcast. */
static bool s_is_broadcast(tsvc_t *self, uint32_t dst, bool link_bcast)
{
    if (link_bcast || dst == 0xffffffffu || (dst >> 28) == 0xe)
        return true;
    if (self->cfg.host)
        for (size_t i = 0; i < self->cfg.host->niface; i++) {
            const topo_iface_t *f = &self->cfg.host->ifaces[i];
            uint32_t mask = f->prefix_len ? 0xffffffffu << (32 - f->prefix_len) : 0;
            if (f->prefix_len < 31 && (dst & ~mask) == ~mask && (dst & mask) == (f->addr & mask))
                return true;
        }
    return false;
}

static void s_send_icmp_error(tsvc_t *self, uint8_t type, uint8_t code, const uint8_t *dgram, size_t len,
                              uint64_t parent)
{
    Ls__Envelope env;
    Ls__SendIcmpError e = LS__SEND_ICMP_ERROR__INIT;
    e.type = type;
    e.code = code;
    uint64_t id = s_pdu_id(self);
    ls_env_setup(&env, LS__KIND__NET_SEND_ICMP_ERROR, id, &parent, 1, dgram, len);
    env.send_icmp_error = &e;
    ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = self->now, .layer = "transport", .dir = "down",
             .ev = "encap", .pdu = id, .parents = &parent, .nparents = 1},
             "send ICMP type %u code %u for a %zu-byte datagram", type, code, len);
    LS_COUNT(self->io.counters, "transport.tx.icmp_error");
    self->io.net_send(self->io.ctx, &env);
}

/* ------------------------------------------------------------------ */
/* from net-svc                                                         */

static void s_deliver(tsvc_t *self, const Ls__Envelope *env)
{
    uint64_t now = self->now;
    ls_logev_t ev = {.now_ns = now, .layer = "transport", .dir = "up", .pdu = env->pdu_id};
    ipv4_repr_t ip;
    int rc = ipv4_parse(env->pdu.data, env->pdu.len, &ip);
    if (!env->has_pdu || rc != IPV4_OK) {
        ls_drop(self->io.log, self->io.counters, &ev, "transport.drop.bad_ip", "NET_DELIVER with a bad IPv4 header: %s",
                ipv4_reason_str(rc));
        return;
    }
    const uint8_t *dgram = env->pdu.data;
    size_t dlen = ip.total_len; /* ipv4_parse checked total_len <= len */
    const uint8_t *seg = dgram + ip.hdr_len;
    size_t slen = dlen - ip.hdr_len;
    const char *ifname = env->net_deliver ? env->net_deliver->ifname : NULL;
    bool bcast = env->net_deliver && env->net_deliver->link_bcast;
    uint64_t seg_id = s_pdu_id(self);
    uint64_t parent = env->pdu_id;
    const char *pname = ipv4_proto_name(ip.proto);
    if (ls_log_on(self->io.log, LS_LOG_PDU)) {
        /* TCP: the engine logs the decap line itself (tcp_input), so the segment's
         * link to its datagram is recorded on this demux line */
        bool tcp = ip.proto == IP_PROTO_TCP;
        if (!tcp) {
            char msg[320];
            s_summary(ip.proto, ip.src, ip.dst, seg, slen, msg, sizeof msg);
            ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = now, .layer = "transport", .dir = "up",
                     .ev = "decap", .pdu = seg_id, .parents = &parent, .nparents = 1, .ifname = ifname}, "%s", msg);
        }
        ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = now, .layer = "transport", .dir = "up",
                 .ev = "demux", .pdu = seg_id, .parents = tcp ? &parent : NULL, .nparents = tcp ? 1 : 0,
                 .ifname = ifname}, "proto %u -> %s", ip.proto,
                 ip.proto == IP_PROTO_TCP || ip.proto == IP_PROTO_UDP ? pname : "none");
    }
    /* a peer reached us through this interface: a route guess for passive opens */
    const topo_iface_t *inif = s_iface_by_name(self, ifname);
    if (inif && ip.proto == IP_PROTO_TCP)
        s_route_put(self, ip.src, true, ip.dst, inif->mtu, true);
    ev.pdu = seg_id;
    if (ip.proto == IP_PROTO_TCP) {
        (*s_hot(self, &self->c_tcp_rx, "tcp.rx.segments"))++;
        if (ls_log_on(self->io.log, LS_LOG_PDU) && slen >= TCP_HDR_MIN) {
            uint16_t dport = rd_be16(seg + TCP_OFF_DPORT), sport = rd_be16(seg + TCP_OFF_SPORT);
            int fd = -1;
            /* find the socket the engine will pick, for the trace only */
            for (int i = 3; i < self->nfds && fd < 0; i++) {
                if (self->fds[i].type != FD_TCP)
                    continue;
                tcp_info_t in;
                if (tcp_sock_info(self->tcp, self->fds[i].eid, &in) == 0 && in.lport == dport &&
                    in.rport == sport && in.rip == ip.src)
                    fd = i;
            }
            for (int i = 3; i < self->nfds && fd < 0; i++) {
                if (self->fds[i].type != FD_TCP)
                    continue;
                tcp_info_t in;
                if (tcp_sock_info(self->tcp, self->fds[i].eid, &in) == 0 && in.state == TCP_LISTEN &&
                    in.lport == dport)
                    fd = i;
            }
            if (fd >= 0)
                ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = now, .layer = "transport", .dir = "up",
                         .ev = "demux", .pdu = seg_id}, "dport %u -> socket %d", dport, fd);
            else
                ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = now, .layer = "transport", .dir = "up",
                         .ev = "demux", .pdu = seg_id}, "dport %u -> tcp engine (no app socket)", dport);
        }
        tcp_input(self->tcp, ip.src, ip.dst, seg, slen, seg_id, now);
        self->dirty = true;
        return;
    }
    if (ip.proto == IP_PROTO_UDP) {
        udp_sock_verdict_t v = udp_sock_input(self->udp, ip.src, ip.dst, seg, slen, seg_id, now);
        if (v == UDP_SOCK_NO_PORT) {
            if (s_is_broadcast(self, ip.dst, bcast)) {
                /* RFC 1122 4.1.3.1: no port unreachable for broadcast/multicast */
                ls_drop(self->io.log, self->io.counters, &ev, "udp.drop.no_port_bcast",
                        "broadcast datagram to a closed port: no ICMP");
                return;
            }
            /* RFC 1122 4.1.3.1: "If a datagram arrives addressed to a UDP port for
             * which there is no pending LISTEN call, UDP SHOULD send an ICMP Port
             * Unreachable message" -- net-svc quotes the whole datagram we hand back */
            s_send_icmp_error(self, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, dgram, dlen, env->pdu_id);
        }
        self->dirty = true;
        return;
    }
    if (ip.proto == IP_PROTO_ICMP) {
        ls_drop(self->io.log, self->io.counters, &ev, "transport.drop.icmp", "ICMP belongs to net-svc");
        return;
    }
    ls_drop(self->io.log, self->io.counters, &ev, "transport.drop.no_proto", "no transport for protocol %u",
            ip.proto);
    /* RFC 1122 3.2.2.1: a host SHOULD generate Protocol Unreachable */
    if (!s_is_broadcast(self, ip.dst, bcast))
        s_send_icmp_error(self, ICMP_DEST_UNREACH, ICMP_UNREACH_PROTOCOL, dgram, dlen, env->pdu_id);
}

static void s_icmp_error(tsvc_t *self, const Ls__Envelope *env)
{
    ls_logev_t ev = {.now_ns = self->now, .layer = "transport", .dir = "up", .pdu = env->pdu_id};
    const Ls__IcmpError *e = env->icmp_error;
    if (!e || !env->has_pdu || env->pdu.len < IP4_HDR_MIN + 8) {
        ls_drop(self->io.log, self->io.counters, &ev, "transport.drop.icmp_bad_quote",
                "NET_ICMP_ERROR without a usable quote");
        return;
    }
    uint8_t proto = rd_u8(env->pdu.data + IP4_OFF_PROTO);
    char a[16];
    ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = self->now, .layer = "transport", .dir = "up",
             .ev = "demux", .pdu = env->pdu_id}, "ICMP type %u code %u from %s quoting proto %u -> %s", e->type,
             e->code, ip4_fmt(e->reporter, a), proto, proto == IP_PROTO_TCP ? "tcp" : proto == IP_PROTO_UDP ? "udp" : "none");
    LS_COUNT(self->io.counters, "transport.rx.icmp_error");
    if (proto == IP_PROTO_TCP)
        tcp_icmp_error(self->tcp, (uint8_t)e->type, (uint8_t)e->code, env->pdu.data, env->pdu.len, self->now);
    else if (proto == IP_PROTO_UDP)
        udp_sock_icmp_error(self->udp, (uint8_t)e->type, (uint8_t)e->code, e->reporter, env->pdu.data,
                            env->pdu.len);
    else
        ls_drop(self->io.log, self->io.counters, &ev, "transport.drop.icmp_other_proto",
                "ICMP error quoting protocol %u", proto);
    self->dirty = true;
}

static void s_rop_finish(tsvc_t *self, s_rop_t *op, const s_route_t *r);

static void s_route_reply(tsvc_t *self, const Ls__Envelope *env)
{
    const Ls__RouteReply *rr = env->route_reply;
    if (!rr) {
        LS_COUNT(self->io.counters, "transport.drop.bad_route_reply");
        return;
    }
    uint32_t dst = 0;
    bool matched = false;
    for (int i = 0; i < TSVC_MAX_ROPS; i++)
        if (self->rops[i].used && self->rops[i].qid == rr->query_id) {
            dst = self->rops[i].dst;
            matched = true;
        }
    if (!matched) {
        LS_COUNT(self->io.counters, "transport.rx.route_reply_late");
        return;
    }
    uint16_t mtu = rr->has_mtu ? (uint16_t)rr->mtu : TOPO_DEFAULT_MTU;
    s_route_put(self, dst, rr->found, rr->has_src ? rr->src : 0, mtu, false);
    s_route_t *r = s_route_find(self, dst);
    for (int i = 0; i < TSVC_MAX_ROPS; i++)
        if (self->rops[i].used && self->rops[i].qid == rr->query_id)
            s_rop_finish(self, &self->rops[i], r);
}

void tsvc_net_rx(tsvc_t *self, const Ls__Envelope *env, uint64_t now)
{
    self->now = now;
    switch (env->kind) {
    case LS__KIND__NET_DELIVER: s_deliver(self, env); break;
    case LS__KIND__NET_ICMP_ERROR: s_icmp_error(self, env); break;
    case LS__KIND__ROUTE_REPLY: s_route_reply(self, env); break;
    case LS__KIND__HELLO: break;
    default:
        ls_drop(self->io.log, self->io.counters,
                &(ls_logev_t){.now_ns = now, .layer = "transport", .dir = "up", .pdu = env->pdu_id},
                "transport.drop.unexpected_kind", "envelope kind %d is not for transport", env->kind);
        break;
    }
    tsvc_poll(self, now);
}

/* ------------------------------------------------------------------ */
/* readiness and waits                                                  */

static int s_ready(tsvc_t *self, int fd, int want)
{
    if (fd < 0 || fd >= self->nfds || self->fds[fd].type == FD_FREE)
        return EV_NVAL;
    s_fd_t *f = &self->fds[fd];
    int ev = 0;
    if (f->type == FD_UDP) {
        if (udp_sock_readable(self->udp, f->eid))
            ev |= EV_IN;
        if ((want & EV_ERR) && udp_sock_icmp_unread(self->udp, f->eid))
            ev |= EV_ERR; /* asked for: like POLLERR with IP_RECVERR; read it with "status" */
        ev |= EV_OUT;
        return ev & (want | EV_ERR | EV_NVAL);
    }
    tcp_info_t in;
    if (tcp_sock_info(self->tcp, f->eid, &in) < 0)
        return EV_NVAL;
    int err = tcp_sock_error(self->tcp, f->eid);
    if (err)
        ev |= EV_ERR | EV_IN | EV_OUT;
    if (in.state == TCP_LISTEN) {
        if (f->acc_pending > 0)
            ev |= EV_IN;
    } else if (f->connecting || in.state == TCP_SYN_SENT || in.state == TCP_SYN_RECV) {
        /* nothing yet */
    } else {
        if (in.recvq > 0) {
            ev |= EV_IN;
        } else {
            errno = 0;
            if (tcp_recv(self->tcp, f->eid, NULL, 0, self->now) >= 0 || errno != EAGAIN)
                ev |= EV_IN; /* EOF or error: recv would not block */
        }
        uint32_t sndbuf = tcp_stack_cfg(self->tcp)->sndbuf;
        if ((in.state == TCP_ESTABLISHED || in.state == TCP_CLOSE_WAIT) && !err) {
            /* like Linux sk_stream_wspace >= min_wspace: half the buffer free */
            if (in.sendq + sndbuf / 2 <= sndbuf)
                ev |= EV_OUT;
        } else {
            ev |= EV_OUT; /* send would fail at once (EPIPE / ENOTCONN) */
        }
    }
    return ev & (want | EV_ERR | EV_NVAL);
}

static void s_wait_reply(tsvc_t *self, s_session_t *s)
{
    ls_ctl_reply_t r;
    ls_ctl_reply_init(&r);
    r.rep.has_tag = 1;
    r.rep.tag = s->wait_tag;
    char ready[TSVC_MAX_WAIT * 16] = "";
    size_t off = 0;
    for (int i = 0; i < s->nwait; i++) {
        int ev = s_ready(self, s->wait_fd[i], s->wait_ev[i]);
        if (ev && off < sizeof ready - 16)
            off += (size_t)snprintf(ready + off, sizeof ready - off, "%s%d:%d", off ? "," : "", s->wait_fd[i], ev);
    }
    ls_ctl_kv(&r, "ready", "%s", ready);
    s->wait_active = false;
    self->io.reply(self->io.ctx, &s->peer, &r);
    ls_ctl_reply_fini(&r);
}

static void s_check_waits(tsvc_t *self)
{
    self->dirty = false;
    for (int si = 0; si < self->sess_hi; si++) {
        s_session_t *s = &self->sessions[si];
        if (!s->used || !s->wait_active)
            continue;
        bool any = false;
        for (int i = 0; i < s->nwait && !any; i++)
            any = s_ready(self, s->wait_fd[i], s->wait_ev[i]) != 0;
        if (any || self->now >= s->wait_deadline)
            s_wait_reply(self, s);
    }
}

/* ------------------------------------------------------------------ */
/* sessions                                                             */

static void s_close_fd(tsvc_t *self, int fd)
{
    s_fd_t *f = &self->fds[fd];
    if (f->type == FD_TCP)
        tcp_close(self->tcp, f->eid, self->now); /* FIN, or RST if unread data (RFC 2525 2.17) */
    else if (f->type == FD_UDP)
        udp_sock_close(self->udp, f->eid);
    for (int i = 0; i < TSVC_MAX_ROPS; i++)
        if (self->rops[i].used && self->rops[i].fd == fd)
            self->rops[i].fd = -1;
    s_fd_free(self, fd);
    self->dirty = true;
}

static void s_session_end(tsvc_t *self, int si, const char *why)
{
    s_session_t *s = &self->sessions[si];
    int n = 0;
    for (int fd = 3; fd < self->nfds; fd++)
        if (self->fds[fd].type != FD_FREE && self->fds[fd].session == si) {
            s_close_fd(self, fd);
            n++;
        }
    for (int i = 0; i < TSVC_MAX_ROPS; i++)
        if (self->rops[i].used && self->rops[i].session == si) {
            free(self->rops[i].data);
            memset(&self->rops[i], 0, sizeof self->rops[i]);
        }
    ls_logev(self->io.log, LS_LOG_INFO, &(ls_logev_t){.now_ns = self->now, .layer = "transport", .ev = "state"},
             "app session %016llx ended (%s): closed %d socket(s)", (unsigned long long)s->token, why, n);
    memset(s, 0, sizeof *s);
}

static int s_session_find(tsvc_t *self, uint64_t token)
{
    for (int i = 0; i < TSVC_MAX_SESSIONS; i++)
        if (self->sessions[i].used && self->sessions[i].token == token)
            return i;
    return -1;
}

size_t tsvc_sessions(const tsvc_t *self)
{
    size_t n = 0;
    for (int i = 0; i < TSVC_MAX_SESSIONS; i++)
        n += self->sessions[i].used;
    return n;
}

/* ------------------------------------------------------------------ */
/* parked requests (waiting for a route)                                */

static void s_reply_now(tsvc_t *self, const s_rop_t *op, int rc, const char *fmt_kv_key, long kv_val)
{
    ls_ctl_reply_t r;
    ls_ctl_reply_init(&r);
    r.rep.has_tag = op->has_tag;
    r.rep.tag = op->tag;
    r.rep.rc = rc;
    if (rc)
        ls_ctl_error(&r, rc, "%s", strerror(rc));
    if (fmt_kv_key)
        ls_ctl_kv(&r, fmt_kv_key, "%ld", kv_val);
    self->io.reply(self->io.ctx, &op->peer, &r);
    ls_ctl_reply_fini(&r);
}

static int s_do_connect(tsvc_t *self, int fd, uint32_t dst, uint16_t port, const s_route_t *r)
{
    s_fd_t *f = &self->fds[fd];
    if (f->type == FD_UDP) {
        if (udp_sock_connect(self->udp, f->eid, dst, port, r->src) < 0)
            return errno;
        return 0;
    }
    if (tcp_connect(self->tcp, f->eid, dst, port, self->now) < 0) {
        f->connecting = false;
        return errno;
    }
    f->connecting = true;
    return EINPROGRESS;
}

static int s_do_sendto(tsvc_t *self, int fd, const uint8_t *data, size_t len, uint32_t dst, uint16_t port,
                       const s_route_t *r, ssize_t *n)
{
    s_fd_t *f = &self->fds[fd];
    uint64_t id = s_pdu_id(self);
    if (ls_log_on(self->io.log, LS_LOG_PDU))
        ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = self->now, .layer = "app", .dir = "down",
                 .ev = "write", .pdu = id}, "sendto fd %d: %zu bytes", fd, len);
    *n = udp_sock_sendto(self->udp, f->eid, data, len, dst, port, r ? r->src : 0, &id, 1);
    return *n < 0 ? errno : 0;
}

static void s_rop_finish(tsvc_t *self, s_rop_t *op, const s_route_t *r)
{
    int rc;
    ssize_t n = 0;
    if (op->fd < 0 || self->fds[op->fd].type == FD_FREE)
        rc = EBADF;
    else if (!r)
        rc = EHOSTUNREACH; /* net-svc did not answer in time */
    else if (!r->found)
        rc = ENETUNREACH;
    else if (op->kind == ROP_CONNECT)
        rc = s_do_connect(self, op->fd, op->dst, op->port, r);
    else
        rc = s_do_sendto(self, op->fd, op->data, op->len, op->dst, op->port, r, &n);
    if (op->kind == ROP_CONNECT && op->fd >= 0 && rc != EINPROGRESS && self->fds[op->fd].type == FD_TCP)
        self->fds[op->fd].connecting = false;
    s_reply_now(self, op, rc, op->kind == ROP_SENDTO && !rc ? "n" : NULL, (long)n);
    free(op->data);
    memset(op, 0, sizeof *op);
    self->dirty = true;
}

/* Park a request until the route to dst is known. 1 = parked, else an errno. */
static int s_rop_park(tsvc_t *self, int kind, int si, int fd, uint32_t dst, uint16_t port, const uint8_t *data,
                      size_t len, const ls_ctl_peer_t *peer, const Ls__CtlRequest *req)
{
    s_rop_t *op = NULL;
    for (int i = 0; i < TSVC_MAX_ROPS && !op; i++)
        if (!self->rops[i].used)
            op = &self->rops[i];
    if (!op)
        return EAGAIN;
    if (op - self->rops >= self->rop_hi)
        self->rop_hi = (int)(op - self->rops) + 1;
    *op = (s_rop_t){.used = true, .kind = kind, .dst = dst, .port = port, .session = si, .fd = fd,
                    .peer = *peer, .tag = req->tag, .has_tag = req->has_tag,
                    .deadline = self->now + self->cfg.route_timeout_ns};
    if (len) {
        op->data = malloc(len);
        if (!op->data) {
            memset(op, 0, sizeof *op);
            return ENOMEM;
        }
        memcpy(op->data, data, len);
        op->len = len;
    }
    if (kind == ROP_CONNECT && self->fds[fd].type == FD_TCP)
        self->fds[fd].connecting = true;
    if (s_send_route_query(self, dst, &op->qid) < 0) {
        free(op->data);
        memset(op, 0, sizeof *op);
        if (kind == ROP_CONNECT)
            self->fds[fd].connecting = false;
        return ENETDOWN;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* socket operations                                                    */

typedef struct {
    tsvc_t *self;
    const Ls__CtlRequest *req;
    ls_ctl_reply_t *rep;
    const ls_ctl_peer_t *peer;
    int si;
} s_op_t;

static const char *s_arg(const s_op_t *o, size_t i) { return i < o->req->n_args ? o->req->args[i] : NULL; }

static int s_arg_int(const s_op_t *o, size_t i, long *v)
{
    const char *a = s_arg(o, i);
    if (!a || !*a)
        return -1;
    char *end;
    *v = strtol(a, &end, 10);
    return *end ? -1 : 0;
}

static int s_err(s_op_t *o, int rc, const char *what)
{
    ls_ctl_error(o->rep, rc, "%s: %s", what, strerror(rc));
    return 0;
}

/* The fd in args[2], owned by this session. NULL after an EBADF reply. */
static s_fd_t *s_op_fd(s_op_t *o, int *fdp)
{
    long fd;
    if (s_arg_int(o, 2, &fd) < 0 || fd < 0 || fd >= o->self->nfds || o->self->fds[fd].type == FD_FREE ||
        o->self->fds[fd].session != o->si) {
        s_err(o, EBADF, s_arg(o, 0));
        return NULL;
    }
    *fdp = (int)fd;
    return &o->self->fds[fd];
}

static int s_addr_arg(const s_op_t *o, size_t i, uint32_t *ip, uint16_t *port)
{
    long p;
    const char *a = s_arg(o, i);
    if (!a || ip4_parse(a, ip) < 0 || s_arg_int(o, i + 1, &p) < 0 || p < 0 || p > 65535)
        return -1;
    *port = (uint16_t)p;
    return 0;
}

static int s_op_socket(s_op_t *o)
{
    tsvc_t *self = o->self;
    const char *type = s_arg(o, 2);
    int eid, kind;
    if (type && strcmp(type, "tcp") == 0) {
        kind = FD_TCP;
        eid = tcp_socket(self->tcp);
    } else if (type && strcmp(type, "udp") == 0) {
        kind = FD_UDP;
        eid = udp_sock_open(self->udp);
    } else {
        return s_err(o, EPROTONOSUPPORT, "socket");
    }
    if (eid < 0)
        return s_err(o, errno, "socket");
    int fd = s_fd_alloc(self, kind, eid, o->si);
    if (fd < 0) {
        if (kind == FD_TCP)
            tcp_abort(self->tcp, eid, self->now);
        else
            udp_sock_close(self->udp, eid);
        return s_err(o, EMFILE, "socket");
    }
    ls_ctl_kv(o->rep, "fd", "%d", fd);
    return 0;
}

static int s_op_bind(s_op_t *o)
{
    int fd;
    s_fd_t *f = s_op_fd(o, &fd);
    uint32_t ip;
    uint16_t port;
    if (!f)
        return 0;
    if (s_addr_arg(o, 3, &ip, &port) < 0)
        return s_err(o, EINVAL, "bind");
    int rc = f->type == FD_TCP ? tcp_bind(o->self->tcp, f->eid, ip, port) : udp_sock_bind(o->self->udp, f->eid, ip, port);
    return rc < 0 ? s_err(o, errno, "bind") : 0;
}

static int s_op_listen(s_op_t *o)
{
    int fd;
    long backlog = 16;
    s_fd_t *f = s_op_fd(o, &fd);
    if (!f)
        return 0;
    if (f->type != FD_TCP)
        return s_err(o, EOPNOTSUPP, "listen");
    s_arg_int(o, 3, &backlog);
    if (tcp_listen(o->self->tcp, f->eid, (int)backlog) < 0)
        return s_err(o, errno, "listen");
    return 0;
}

static int s_op_accept(s_op_t *o)
{
    tsvc_t *self = o->self;
    int fd;
    s_fd_t *f = s_op_fd(o, &fd);
    if (!f)
        return 0;
    if (f->type != FD_TCP)
        return s_err(o, EOPNOTSUPP, "accept");
    uint32_t rip;
    uint16_t rport;
    int c = tcp_accept(self->tcp, f->eid, &rip, &rport);
    if (c < 0) {
        if (errno == EAGAIN)
            f->acc_pending = 0;
        return s_err(o, errno, "accept");
    }
    if (f->acc_pending > 0)
        f->acc_pending--;
    int nfd = s_fd_alloc(self, FD_TCP, c, o->si);
    if (nfd < 0) {
        tcp_abort(self->tcp, c, self->now);
        return s_err(o, EMFILE, "accept");
    }
    char a[16];
    ls_ctl_kv(o->rep, "fd", "%d", nfd);
    ls_ctl_kv(o->rep, "addr", "%s", ip4_fmt(rip, a));
    ls_ctl_kv(o->rep, "port", "%u", rport);
    ls_logev(self->io.log, LS_LOG_INFO, &(ls_logev_t){.now_ns = self->now, .layer = "transport", .ev = "state"},
             "accept on socket %d: socket %d from %s:%u", fd, nfd, a, rport);
    return 0;
}

static int s_op_connect(s_op_t *o)
{
    tsvc_t *self = o->self;
    int fd;
    s_fd_t *f = s_op_fd(o, &fd);
    uint32_t ip;
    uint16_t port;
    if (!f)
        return 0;
    if (s_addr_arg(o, 3, &ip, &port) < 0)
        return s_err(o, EINVAL, "connect");
    if (f->type == FD_TCP && f->connecting)
        return s_err(o, EALREADY, "connect");
    s_route_t *r = s_route_find(self, ip);
    if (!r) {
        int rc = s_rop_park(self, ROP_CONNECT, o->si, fd, ip, port, NULL, 0, o->peer, o->req);
        return rc == 1 ? 1 : s_err(o, rc, "connect");
    }
    if (!r->found)
        return s_err(o, ENETUNREACH, "connect");
    int rc = s_do_connect(self, fd, ip, port, r);
    return rc ? s_err(o, rc, "connect") : 0;
}

static int s_op_send(s_op_t *o)
{
    tsvc_t *self = o->self;
    int fd;
    s_fd_t *f = s_op_fd(o, &fd);
    if (!f)
        return 0;
    const uint8_t *data = o->req->has_data ? o->req->data.data : NULL;
    size_t len = o->req->has_data ? o->req->data.len : 0;
    if (f->type == FD_UDP) {
        ssize_t n;
        int rc = s_do_sendto(self, fd, data, len, 0, 0, NULL, &n);
        if (rc)
            return s_err(o, rc, "send");
        ls_ctl_kv(o->rep, "n", "%zd", n);
        return 0;
    }
    ssize_t n = tcp_send(self->tcp, f->eid, data ? (const void *)data : "", len, self->now);
    if (n < 0)
        return s_err(o, errno, "send");
    if (ls_log_on(self->io.log, LS_LOG_PDU))
        ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = self->now, .layer = "app", .dir = "down",
                 .ev = "write", .pdu = s_pdu_id(self)}, "send fd %d: %zd of %zu bytes queued", fd, n, len);
    ls_ctl_kv(o->rep, "n", "%zd", n);
    return 0;
}

static int s_op_recv(s_op_t *o, bool from)
{
    tsvc_t *self = o->self;
    int fd;
    long max = 65536;
    s_fd_t *f = s_op_fd(o, &fd);
    if (!f)
        return 0;
    if (s_arg_int(o, 3, &max) < 0 || max < 0)
        max = 65536;
    if (max > TSVC_MAX_RECV)
        max = TSVC_MAX_RECV;
    ssize_t n;
    uint32_t ip = 0;
    uint16_t port = 0;
    bool in_place = false; /* data read straight into the reply */
    if (f->type == FD_UDP) {
        n = udp_sock_recvfrom(self->udp, f->eid, self->rbuf, (size_t)max, &ip, &port);
    } else {
        size_t q = tcp_recv_queued(self->tcp, f->eid);
        if (q > 0) {
            /* read from the receive ring into the reply's data: one copy fewer */
            size_t want = q < (size_t)max ? q : (size_t)max;
            n = tcp_recv(self->tcp, f->eid, ls_ctl_data_buf(o->rep, want), want, self->now);
            in_place = true;
        } else {
            n = tcp_recv(self->tcp, f->eid, self->rbuf, (size_t)max, self->now);
        }
        if (from) {
            tcp_info_t in;
            if (tcp_sock_info(self->tcp, f->eid, &in) == 0) {
                ip = in.rip;
                port = in.rport;
            }
        }
    }
    if (n < 0)
        return s_err(o, errno, from ? "recvfrom" : "recv");
    if (!in_place)
        ls_ctl_data(o->rep, self->rbuf, (size_t)n);
    if (from) {
        char a[16];
        ls_ctl_kv(o->rep, "addr", "%s", ip4_fmt(ip, a));
        ls_ctl_kv(o->rep, "port", "%u", port);
    }
    if (n > 0 && ls_log_on(self->io.log, LS_LOG_PDU))
        ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = self->now, .layer = "app", .dir = "up",
                 .ev = "read", .pdu = s_pdu_id(self)}, "%s fd %d: %zd bytes", from ? "recvfrom" : "recv", fd, n);
    self->dirty = true; /* a read may open the window / free queue space */
    return 0;
}

static int s_op_sendto(s_op_t *o)
{
    tsvc_t *self = o->self;
    int fd;
    s_fd_t *f = s_op_fd(o, &fd);
    uint32_t ip;
    uint16_t port;
    if (!f)
        return 0;
    if (f->type != FD_UDP)
        return s_op_send(o); /* TCP: like Linux, the address is ignored when connected */
    if (s_addr_arg(o, 3, &ip, &port) < 0)
        return s_err(o, EINVAL, "sendto");
    const uint8_t *data = o->req->has_data ? o->req->data.data : NULL;
    size_t len = o->req->has_data ? o->req->data.len : 0;
    uint32_t lip;
    uint16_t lport;
    udp_sock_getsockname(self->udp, f->eid, &lip, &lport);
    s_route_t *r = NULL;
    if (!lip) { /* the pseudo-header needs the source address: ask the route */
        r = s_route_find(self, ip);
        if (!r) {
            int rc = s_rop_park(self, ROP_SENDTO, o->si, fd, ip, port, data, len, o->peer, o->req);
            return rc == 1 ? 1 : s_err(o, rc, "sendto");
        }
        if (!r->found)
            return s_err(o, ENETUNREACH, "sendto");
    }
    ssize_t n;
    int rc = s_do_sendto(self, fd, data, len, ip, port, r, &n);
    if (rc)
        return s_err(o, rc, "sendto");
    ls_ctl_kv(o->rep, "n", "%zd", n);
    return 0;
}

static int s_op_shutdown(s_op_t *o)
{
    int fd;
    s_fd_t *f = s_op_fd(o, &fd);
    if (!f)
        return 0;
    const char *how = s_arg(o, 3);
    int h = how && strcmp(how, "rd") == 0 ? SHUT_RD : how && strcmp(how, "rdwr") == 0 ? SHUT_RDWR : SHUT_WR;
    if (f->type != FD_TCP)
        return 0;
    if (tcp_shutdown(o->self->tcp, f->eid, h, o->self->now) < 0)
        return s_err(o, errno, "shutdown");
    return 0;
}

static int s_op_close(s_op_t *o)
{
    int fd;
    if (!s_op_fd(o, &fd))
        return 0;
    s_close_fd(o->self, fd);
    return 0;
}

static int s_op_setopt(s_op_t *o)
{
    int fd;
    long v;
    s_fd_t *f = s_op_fd(o, &fd);
    if (!f)
        return 0;
    const char *name = s_arg(o, 3);
    if (!name || s_arg_int(o, 4, &v) < 0)
        return s_err(o, EINVAL, "setopt");
    int rc = 0;
    if (strcmp(name, "nodelay") == 0 && f->type == FD_TCP)
        rc = tcp_setnodelay(o->self->tcp, f->eid, v != 0);
    else if (strcmp(name, "ttl") == 0 && f->type == FD_UDP)
        rc = udp_sock_set_ttl(o->self->udp, f->eid, (int)v);
    else
        return s_err(o, ENOPROTOOPT, "setopt");
    return rc < 0 ? s_err(o, errno, "setopt") : 0;
}

static int s_op_name(s_op_t *o, bool peer)
{
    int fd;
    s_fd_t *f = s_op_fd(o, &fd);
    if (!f)
        return 0;
    uint32_t ip = 0;
    uint16_t port = 0;
    if (f->type == FD_UDP) {
        int rc = peer ? udp_sock_getpeername(o->self->udp, f->eid, &ip, &port)
                      : udp_sock_getsockname(o->self->udp, f->eid, &ip, &port);
        if (rc < 0)
            return s_err(o, errno, s_arg(o, 0));
    } else {
        tcp_info_t in;
        if (tcp_sock_info(o->self->tcp, f->eid, &in) < 0)
            return s_err(o, errno, s_arg(o, 0));
        if (peer && !in.rport)
            return s_err(o, ENOTCONN, s_arg(o, 0));
        ip = peer ? in.rip : in.lip;
        port = peer ? in.rport : in.lport;
    }
    char a[16];
    ls_ctl_kv(o->rep, "addr", "%s", ip4_fmt(ip, a));
    ls_ctl_kv(o->rep, "port", "%u", port);
    return 0;
}

static int s_op_status(s_op_t *o)
{
    int fd;
    s_fd_t *f = s_op_fd(o, &fd);
    if (!f)
        return 0;
    if (f->type == FD_UDP) {
        udp_sock_icmp_t ic;
        char a[16], b[16];
        udp_sock_last_icmp(o->self->udp, f->eid, &ic);
        ls_ctl_kv(o->rep, "state", "UDP");
        ls_ctl_kv(o->rep, "err", "0");
        ls_ctl_kv(o->rep, "icmp_count", "%u", ic.count);
        ls_ctl_kv(o->rep, "icmp_type", "%u", ic.type);
        ls_ctl_kv(o->rep, "icmp_code", "%u", ic.code);
        ls_ctl_kv(o->rep, "icmp_from", "%s", ip4_fmt(ic.from, a));
        ls_ctl_kv(o->rep, "icmp_dst", "%s", ip4_fmt(ic.dst, b));
        ls_ctl_kv(o->rep, "icmp_dport", "%u", ic.dport);
        return 0;
    }
    ls_ctl_kv(o->rep, "state", "%s", tcp_state_name(tcp_sock_state(o->self->tcp, f->eid)));
    ls_ctl_kv(o->rep, "err", "%d", tcp_sock_error(o->self->tcp, f->eid));
    ls_ctl_kv(o->rep, "connecting", "%d", f->connecting);
    return 0;
}

static int s_op_wait(s_op_t *o)
{
    tsvc_t *self = o->self;
    s_session_t *s = &self->sessions[o->si];
    long ms;
    if (s_arg_int(o, 2, &ms) < 0)
        return s_err(o, EINVAL, "wait");
    s->nwait = 0;
    for (size_t i = 3; i < o->req->n_args && s->nwait < TSVC_MAX_WAIT; i++) {
        int fd, ev;
        if (sscanf(o->req->args[i], "%d:%d", &fd, &ev) != 2)
            return s_err(o, EINVAL, "wait");
        s->wait_fd[s->nwait] = fd;
        s->wait_ev[s->nwait] = ev;
        s->nwait++;
    }
    uint64_t dur = ms < 0 ? TSVC_WAIT_CAP_NS : (uint64_t)ms * 1000000ull;
    if (dur > TSVC_WAIT_CAP_NS)
        dur = TSVC_WAIT_CAP_NS;
    s->peer = *o->peer;
    s->wait_tag = o->req->tag;
    s->wait_deadline = self->now + dur;
    s->wait_active = true;
    bool any = false;
    for (int i = 0; i < s->nwait && !any; i++)
        any = s_ready(self, s->wait_fd[i], s->wait_ev[i]) != 0;
    if (any || dur == 0) {
        s_wait_reply(self, s);
        return 1; /* already answered through io.reply */
    }
    return 1;
}

static int s_op_cancel(s_op_t *o)
{
    s_session_t *s = &o->self->sessions[o->si];
    if (s->wait_active)
        s_wait_reply(o->self, s); /* answers the wait first; this reply follows */
    return 0;
}

static int s_sock_op(tsvc_t *self, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer)
{
    (*s_hot(self, &self->c_requests, "sock.rx.requests"))++;
    const char *op = req->n_args >= 1 ? req->args[0] : NULL;
    const char *tok = req->n_args >= 2 ? req->args[1] : NULL;
    char *end = NULL;
    uint64_t token = tok ? strtoull(tok, &end, 16) : 0;
    if (!op || !tok || *end || !token) {
        LS_COUNT(self->io.counters, "sock.drop.malformed");
        ls_ctl_error(rep, EINVAL, "sock: expected OP SESSION [ARGS...]");
        return 0;
    }
    int si = s_session_find(self, token);
    if (strcmp(op, "hello") == 0) {
        if (si < 0) {
            for (int i = 0; i < TSVC_MAX_SESSIONS && si < 0; i++)
                if (!self->sessions[i].used)
                    si = i;
            if (si < 0) {
                ls_ctl_error(rep, EMFILE, "sock: too many applications");
                return 0;
            }
            self->sessions[si] = (s_session_t){.used = true, .token = token};
            if (si >= self->sess_hi)
                self->sess_hi = si + 1;
            ls_logev(self->io.log, LS_LOG_INFO, &(ls_logev_t){.now_ns = self->now, .layer = "transport", .ev = "state"},
                     "app session %016llx started", (unsigned long long)token);
        }
        self->sessions[si].peer = *peer;
        self->sessions[si].last_seen = self->now;
        ls_ctl_kv(rep, "timeout_ms", "%llu", (unsigned long long)(self->cfg.app_timeout_ns / 1000000));
        return 0;
    }
    if (si < 0) {
        LS_COUNT(self->io.counters, "sock.drop.no_session");
        ls_ctl_error(rep, ENOTCONN, "sock: no session %s (transport-svc restarted, or the app timed out)", tok);
        return 0;
    }
    self->sessions[si].last_seen = self->now;
    if (strcmp(op, "hb") == 0)
        return 0;
    if (strcmp(op, "bye") == 0) {
        s_session_end(self, si, "bye");
        return 0;
    }
    s_op_t o = {self, req, rep, peer, si};
    static const struct { const char *name; int (*fn)(s_op_t *); } ops[] = {
        {"socket", s_op_socket}, {"bind", s_op_bind}, {"listen", s_op_listen}, {"accept", s_op_accept},
        {"connect", s_op_connect}, {"send", s_op_send}, {"sendto", s_op_sendto}, {"shutdown", s_op_shutdown},
        {"close", s_op_close}, {"setopt", s_op_setopt}, {"status", s_op_status}, {"wait", s_op_wait},
        {"cancel", s_op_cancel},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(op, ops[i].name) == 0)
            return ops[i].fn(&o);
    if (strcmp(op, "recv") == 0)
        return s_op_recv(&o, false);
    if (strcmp(op, "recvfrom") == 0)
        return s_op_recv(&o, true);
    if (strcmp(op, "getsockname") == 0)
        return s_op_name(&o, false);
    if (strcmp(op, "getpeername") == 0)
        return s_op_name(&o, true);
    LS_COUNT(self->io.counters, "sock.drop.unknown_op");
    ls_ctl_error(rep, EOPNOTSUPP, "sock: unknown op '%s'", op);
    return 0;
}

/* ------------------------------------------------------------------ */
/* tables                                                               */

static const char *s_ss_state(tcp_state_t st)
{
    static const char *const n[TCP_NSTATES] = {"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECV", "ESTAB", "FIN-WAIT-1",
                                               "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT"};
    return (unsigned)st < TCP_NSTATES ? n[st] : "?";
}

static void s_fmt_ep(uint32_t ip, uint16_t port, bool star, char *buf, size_t cap)
{
    char a[16];
    if (star && !port)
        snprintf(buf, cap, "%s:*", ip4_fmt(ip, a));
    else
        snprintf(buf, cap, "%s:%u", ip4_fmt(ip, a), port);
}

static void s_netstat_row(const tcp_info_t *in, void *arg)
{
    char l[32], r[32];
    s_fmt_ep(in->lip, in->lport, false, l, sizeof l);
    s_fmt_ep(in->rip, in->rport, true, r, sizeof r);
    if (in->state == TCP_CLOSED)
        return;
    ls_ctl_row(arg, "%-5s %6zu %6zu %-23s %-23s %s", "tcp", in->recvq, in->sendq, l, r, in->state_name);
}

static void s_netstat_udp_row(const udp_sock_info_t *in, void *arg)
{
    char l[32], r[32];
    s_fmt_ep(in->lip, in->lport, false, l, sizeof l);
    s_fmt_ep(in->rip, in->rport, true, r, sizeof r);
    ls_ctl_row(arg, "%-5s %6zu %6d %-23s %-23s %s", "udp", in->recvq, 0, l, r, in->rport ? "ESTABLISHED" : "");
}

static void s_ss_row(const tcp_info_t *in, void *arg)
{
    char l[32], r[32];
    if (in->state == TCP_CLOSED)
        return;
    s_fmt_ep(in->lip, in->lport, false, l, sizeof l);
    s_fmt_ep(in->rip, in->rport, true, r, sizeof r);
    ls_ctl_row(arg, "%-10s %-6zu %-6zu %-22s %-22s", s_ss_state(in->state), in->recvq, in->sendq, l, r);
    if (in->state == TCP_LISTEN)
        return;
    char ssth[16];
    if (in->ssthresh >= 0x7fffffffu)
        snprintf(ssth, sizeof ssth, "inf");
    else
        snprintf(ssth, sizeof ssth, "%u", in->ssthresh);
    /* ss -ti: RTT figures in ms, windows in bytes, sequence numbers relative to ISS/IRS */
    ls_ctl_row(arg,
               "\t %s wscale:%u,%u mss:%u rto:%.0f rtt:%.3f/%.3f cwnd:%u ssthresh:%s bytes_in_flight:%u "
               "snd_una:%u snd_nxt:%u rcv_nxt:%u snd_wnd:%u rcv_wnd:%u retrans:%u dupacks:%u%s%s probes:%u",
               in->cc ? in->cc : "newreno", in->snd_wscale, in->rcv_wscale, in->mss, (double)in->rto / 1e6,
               (double)in->srtt / 1e6, (double)in->rttvar / 1e6, in->cwnd, ssth, in->in_flight,
               in->snd_una - in->iss, in->snd_nxt - in->iss, in->rcv_nxt - in->irs, in->snd_wnd, in->rcv_wnd,
               in->retransmits, in->dupacks, in->in_recovery ? " recovery" : "", in->nodelay ? " nodelay" : "",
               in->window_probes);
}

static int s_table(tsvc_t *self, const char *which, ls_ctl_reply_t *rep)
{
    if (strcmp(which, "netstat") == 0 || strcmp(which, "conn") == 0) {
        ls_ctl_row(rep, "Active Internet connections (servers and established)");
        ls_ctl_row(rep, "%-5s %6s %6s %-23s %-23s %s", "Proto", "Recv-Q", "Send-Q", "Local Address",
                   "Foreign Address", "State");
        tcp_foreach(self->tcp, s_netstat_row, rep);
        udp_sock_foreach(self->udp, s_netstat_udp_row, rep);
        return 0;
    }
    if (strcmp(which, "ss") == 0) {
        ls_ctl_row(rep, "%-10s %-6s %-6s %-22s %-22s", "State", "Recv-Q", "Send-Q", "Local Address:Port",
                   "Peer Address:Port");
        tcp_foreach(self->tcp, s_ss_row, rep);
        return 0;
    }
    ls_ctl_error(rep, EINVAL, "table: transport-svc has 'netstat' and 'ss'");
    return 0;
}

int tsvc_ctl(tsvc_t *self, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer, uint64_t now)
{
    self->now = now;
    int rc = -1;
    if (strcmp(req->cmd, "sock") == 0)
        rc = s_sock_op(self, req, rep, peer);
    else if (strcmp(req->cmd, "table") == 0 && req->n_args >= 1)
        rc = s_table(self, req->args[0], rep);
    if (rc >= 0)
        self->dirty = true;
    /* no tsvc_poll here: a wait answered now must not overtake this reply */
    return rc;
}

/* ------------------------------------------------------------------ */
/* lifecycle and time                                                   */

tsvc_t *tsvc_new(const tsvc_cfg_t *cfg, const tsvc_io_t *io)
{
    tsvc_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->cfg = cfg ? *cfg : tsvc_cfg_default();
    self->io = *io;
    tcp_io_t tio = {.ctx = self, .output = s_tcp_output, .event = s_tcp_event, .new_pdu_id = s_io_pdu_id,
                    .route = s_tcp_route, .log = io->log, .counters = io->counters};
    udp_sock_io_t uio = {.ctx = self, .output = s_udp_output, .readable = s_udp_readable,
                         .new_pdu_id = s_io_pdu_id, .sock_label = s_udp_label, .log = io->log,
                         .counters = io->counters};
    self->tcp = tcp_stack_new(&self->cfg.tcp, &tio);
    self->udp = udp_sock_new(&self->cfg.udp, &uio);
    self->rbuf = malloc(TSVC_MAX_RECV);
    if (!self->tcp || !self->udp || !self->rbuf) {
        tsvc_destroy(&self);
        return NULL;
    }
    return self;
}

void tsvc_destroy(tsvc_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tsvc_t *self = *self_p;
    for (int i = 0; i < TSVC_MAX_ROPS; i++)
        free(self->rops[i].data);
    tcp_stack_destroy(&self->tcp);
    udp_sock_destroy(&self->udp);
    free(self->rbuf);
    free(self->fds);
    free(self->tcp2fd);
    free(self->udp2fd);
    free(self);
    *self_p = NULL;
}

uint64_t tsvc_next_deadline(const tsvc_t *self)
{
    uint64_t d = tcp_next_deadline(self->tcp);
    if (self->dirty)
        return 0;
    for (int i = 0; i < self->sess_hi; i++) {
        const s_session_t *s = &self->sessions[i];
        if (!s->used)
            continue;
        if (s->wait_active && s->wait_deadline < d)
            d = s->wait_deadline;
        if (s->last_seen + self->cfg.app_timeout_ns < d)
            d = s->last_seen + self->cfg.app_timeout_ns;
    }
    for (int i = 0; i < self->rop_hi; i++)
        if (self->rops[i].used && self->rops[i].deadline < d)
            d = self->rops[i].deadline;
    return d;
}

void tsvc_poll(tsvc_t *self, uint64_t now)
{
    self->now = now;
    if (tcp_next_deadline(self->tcp) <= now) {
        tcp_poll(self->tcp, now);
        self->dirty = true;
    }
    for (int i = 0; i < self->rop_hi; i++)
        if (self->rops[i].used && self->rops[i].deadline <= now) {
            LS_COUNT(self->io.counters, "transport.route.timeout");
            s_rop_finish(self, &self->rops[i], NULL);
        }
    for (int i = 0; i < self->sess_hi; i++)
        if (self->sessions[i].used && self->sessions[i].last_seen + self->cfg.app_timeout_ns <= now) {
            LS_COUNT(self->io.counters, "transport.app.timeout");
            s_session_end(self, i, "no heartbeat: the app died");
        }
    s_check_waits(self);
}

tcp_stack_t *tsvc_tcp(tsvc_t *self) { return self->tcp; }
udp_sock_t *tsvc_udp(tsvc_t *self) { return self->udp; }
