/*
 * tsvc.c -- transport-svc core (see tsvc.h, and tsvc_int.h for the files):
 * demux from net-svc, TCP/UDP glue, routes, parked requests, time.
 *
 * Call chain:
 *   up:   tsvc_net_rx -> s_deliver (ipv4_parse, trim) -> "proto 6 -> tcp" ->
 *         tcp_input | "proto 17 -> udp" -> udp_sock_input (-> NO_PORT ->
 *         s_send_icmp_error type 3 code 3 with the whole datagram)
 *         tsvc_net_rx -> s_icmp_error -> tcp_icmp_error | udp_sock_icmp_error
 *         tsvc_net_rx -> s_route_reply -> s_rop_finish (connect / sendto,
 *         answered to the app, or to the upper layer's pipe)
 *   down: tcp engine io.output / udp_sock io.output -> s_net_tx (NET_TX)
 *   apps: tsvc_ctl -> tsvc_sock_op (tsvc_sock.c) | tsvc_table (tsvc_table.c)
 *   dns:  tsvc_upper_rx (tsvc_upper.c)
 *   time: tsvc_poll -> tcp_poll, route timeouts, tsvc_sock_poll (dead apps),
 *         tsvc_sock_check_waits, tsvc_upper_scan
 */
#include "transport-svc/tsvc_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "wire/bytes.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "runtime/pipe.h"
#include "wire/tcp_wire.h"
#include "wire/udp.h"

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
uint64_t *tsvc_hot(tsvc_t *self, uint64_t **slot, const char *name)
{
    if (!*slot)
        *slot = ls_counter(self->io.counters, name);
    return *slot;
}

uint64_t tsvc_pdu_id(tsvc_t *self)
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
void tsvc_summary(uint8_t proto, uint32_t src, uint32_t dst, const uint8_t *seg, size_t len, char *out,
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
 * cannot grow leaves tsvc_fd_of to its scan. */
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

int tsvc_fd_alloc(tsvc_t *self, int type, int eid, int session)
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
        tsvc_fd_t *nf = realloc(self->fds, (size_t)nn * sizeof *nf);
        if (!nf) {
            errno = ENOMEM;
            return -1;
        }
        memset(nf + self->nfds, 0, (size_t)(nn - self->nfds) * sizeof *nf);
        self->fds = nf;
        self->nfds = nn;
    }
    self->fds[i] = (tsvc_fd_t){.type = type, .eid = eid, .session = session};
    s_map_set(self, type, eid, i);
    self->fd_hint = i + 1;
    return i;
}

void tsvc_fd_free(tsvc_t *self, int fd)
{
    tsvc_fd_t *f = &self->fds[fd];
    s_map_set(self, f->type, f->eid, -1);
    memset(f, 0, sizeof *f);
    if (fd < self->fd_hint)
        self->fd_hint = fd;
}

int tsvc_fd_of(tsvc_t *self, int type, int eid)
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

tsvc_route_t *tsvc_route_find(tsvc_t *self, uint32_t dst)
{
    for (int i = 0; i < TSVC_ROUTE_CACHE; i++)
        if (self->routes[i].expires > self->now && self->routes[i].dst == dst)
            return &self->routes[i];
    return NULL;
}

static void s_route_put(tsvc_t *self, uint32_t dst, bool found, uint32_t src, uint16_t mtu, bool learned)
{
    tsvc_route_t *r = tsvc_route_find(self, dst);
    if (r && learned)
        return; /* an answer from net-svc beats a guess from traffic */
    if (!r) {
        r = &self->routes[0];
        for (int i = 1; i < TSVC_ROUTE_CACHE; i++)
            if (self->routes[i].expires < r->expires)
                r = &self->routes[i];
    }
    *r = (tsvc_route_t){.dst = dst, .src = src, .mtu = mtu ? mtu : TOPO_DEFAULT_MTU, .found = found,
                     .expires = self->now + self->cfg.route_cache_ns};
}

/* tcp_io_t.route: the engine asks synchronously; the answer comes from the
 * cache filled by ROUTE_REPLY (active opens wait for it) or learned from the
 * interface a peer's segment arrived on (passive opens). */
static int s_tcp_route(void *ctx, uint32_t dst, uint32_t *src, uint16_t *mtu)
{
    tsvc_t *self = ctx;
    tsvc_route_t *r = tsvc_route_find(self, dst);
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
    ls_env_setup(&env, LS__KIND__ROUTE_QUERY, tsvc_pdu_id(self), NULL, 0, NULL, 0);
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
        tsvc_summary(proto, src, dst, seg, len, msg, sizeof msg);
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
            (*tsvc_hot(self, &self->c_tcp_tx, "tcp.tx.segments"))++;
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
    int fd = tsvc_fd_of(self, FD_TCP, sock);
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

static uint64_t s_io_pdu_id(void *ctx) { return tsvc_pdu_id(ctx); }

static int s_udp_label(void *ctx, int sock) { return tsvc_fd_of(ctx, FD_UDP, sock); }

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
    uint64_t id = tsvc_pdu_id(self);
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
    uint64_t seg_id = tsvc_pdu_id(self);
    uint64_t parent = env->pdu_id;
    const char *pname = ipv4_proto_name(ip.proto);
    if (ls_log_on(self->io.log, LS_LOG_PDU)) {
        /* TCP: the engine logs the decap line itself (tcp_input), so the segment's
         * link to its datagram is recorded on this demux line */
        bool tcp = ip.proto == IP_PROTO_TCP;
        if (!tcp) {
            char msg[320];
            tsvc_summary(ip.proto, ip.src, ip.dst, seg, slen, msg, sizeof msg);
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
        (*tsvc_hot(self, &self->c_tcp_rx, "tcp.rx.segments"))++;
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

static void s_rop_finish(tsvc_t *self, tsvc_rop_t *op, const tsvc_route_t *r);

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
    tsvc_route_t *r = tsvc_route_find(self, dst);
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

void tsvc_close_fd(tsvc_t *self, int fd)
{
    tsvc_fd_t *f = &self->fds[fd];
    if (f->type == FD_TCP)
        tcp_close(self->tcp, f->eid, self->now); /* FIN, or RST if unread data (RFC 2525 2.17) */
    else if (f->type == FD_UDP)
        udp_sock_close(self->udp, f->eid);
    for (int i = 0; i < TSVC_MAX_ROPS; i++)
        if (self->rops[i].used && self->rops[i].fd == fd)
            self->rops[i].fd = -1;
    tsvc_fd_free(self, fd);
    self->dirty = true;
}

/* ------------------------------------------------------------------ */
/* parked requests (waiting for a route)                                */

static void s_reply_now(tsvc_t *self, const tsvc_rop_t *op, int rc, const char *fmt_kv_key, long kv_val)
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

int tsvc_do_connect(tsvc_t *self, int fd, uint32_t dst, uint16_t port, const tsvc_route_t *r)
{
    tsvc_fd_t *f = &self->fds[fd];
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

int tsvc_do_sendto(tsvc_t *self, int fd, const uint8_t *data, size_t len, uint32_t dst, uint16_t port,
                   const tsvc_route_t *r, uint64_t parent, ssize_t *n)
{
    tsvc_fd_t *f = &self->fds[fd];
    uint64_t id = parent;
    if (!id) {
        /* an app's write: its own PDU id, parent of the datagram */
        id = tsvc_pdu_id(self);
        if (ls_log_on(self->io.log, LS_LOG_PDU))
            ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = self->now, .layer = "app", .dir = "down",
                     .ev = "write", .pdu = id}, "sendto fd %d: %zu bytes", fd, len);
    }
    *n = udp_sock_sendto(self->udp, f->eid, data, len, dst, port, r ? r->src : 0, &id, 1);
    return *n < 0 ? errno : 0;
}

static void s_rop_finish(tsvc_t *self, tsvc_rop_t *op, const tsvc_route_t *r)
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
        rc = tsvc_do_connect(self, op->fd, op->dst, op->port, r);
    else
        rc = tsvc_do_sendto(self, op->fd, op->data, op->len, op->dst, op->port, r, op->parent, &n);
    if (op->kind == ROP_CONNECT && op->fd >= 0 && rc != EINPROGRESS && self->fds[op->fd].type == FD_TCP)
        self->fds[op->fd].connecting = false;
    if (op->upper)
        tsvc_upper_rop_done(self, op, rc == EINPROGRESS ? 0 : rc);
    else
        s_reply_now(self, op, rc, op->kind == ROP_SENDTO && !rc ? "n" : NULL, (long)n);
    free(op->data);
    memset(op, 0, sizeof *op);
    self->dirty = true;
}

int tsvc_rop_park(tsvc_t *self, int kind, int si, int fd, uint32_t dst, uint16_t port, const uint8_t *data,
                  size_t len, uint64_t parent, const ls_ctl_peer_t *peer, const Ls__CtlRequest *req)
{
    tsvc_rop_t *op = NULL;
    for (int i = 0; i < TSVC_MAX_ROPS && !op; i++)
        if (!self->rops[i].used)
            op = &self->rops[i];
    if (!op)
        return EAGAIN;
    if (op - self->rops >= self->rop_hi)
        self->rop_hi = (int)(op - self->rops) + 1;
    *op = (tsvc_rop_t){.used = true, .kind = kind, .upper = !peer, .dst = dst, .port = port, .session = si,
                       .fd = fd, .parent = parent, .deadline = self->now + self->cfg.route_timeout_ns};
    if (peer) {
        op->peer = *peer;
        op->tag = req->tag;
        op->has_tag = req->has_tag;
    }
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
    tsvc_upper_fini(self);
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
    if (self->dirty)
        return 0;
    uint64_t d = tsvc_sock_deadline(self, tcp_next_deadline(self->tcp));
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
    tsvc_sock_poll(self);
    tsvc_sock_check_waits(self);
    tsvc_upper_scan(self);
}

tcp_stack_t *tsvc_tcp(tsvc_t *self) { return self->tcp; }
udp_sock_t *tsvc_udp(tsvc_t *self) { return self->udp; }