/*
 * net_core.c -- the net-svc protocol engine: IPv4 input validation, local
 * delivery and demux, ICMP echo and errors, forwarding (router role),
 * fragmentation and reassembly, loopback, output routing.
 *
 * Call chain (all entry points are called by net-svc/main.c):
 *   net_core_link_rx -> ipv4_parse -> s_local_input (-> reass_input ->
 *       s_local_deliver -> deliver | s_icmp_input | protocol unreachable)
 *     | s_forward (-> TTL / route / DF checks -> s_icmp_error) -> s_output
 *       -> frag_fragment? -> link_tx
 *   net_core_send -> s_send_ip -> s_route -> loopback s_local_input | s_output
 *   net_core_resolve_failed / net_core_send_icmp_error / net_core_poll
 *       -> s_icmp_error -> icmp_error_allowed_ex, icmp_ratelimit_allow
 *       -> s_send_ip
 * No I/O, no clock: now_ns comes in, output goes out via net_core_cb_t.
 */
#include "net-svc/net_core.h"
#include "wire/ipv4.h"
#include "wire/icmp.h"
#include "wire/bytes.h"
#include "wire/csum.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LO_ADDR LS_IP4(127, 0, 0, 1)
#define BCAST_ALL 0xffffffffu
#define ICMP_ERR_TOS 0xc0 /* RFC 1812 4.3.2.5: precedence Internetwork Control (Linux) */

struct net_core {
    net_core_cfg_t cfg;
    net_core_cb_t cb;
    ls_counters_t *reg;
    /* per-datagram counters, looked up on first use only (s_count_hot) */
    uint64_t *c_tx_ok, *c_rx_ok, *c_rx_delivered, *c_forwarded;
    ls_log_t *log;
    net_if_t ifs[NET_MAX_IFS];
    size_t nifs;
    route_table_t *routes;
    reass_t *reass;
    icmp_ratelimit_t rl;
    bool raw_listeners;
    uint16_t next_ip_id;
    uint64_t next_pdu;
    char protos[256][12]; /* registered protocol names; "" = none */
};

/* ------------------------------------------------------------- helpers */

static uint64_t s_pdu(net_core_t *c)
{
    if (c->cb.new_pdu_id)
        return c->cb.new_pdu_id(c->cb.ctx);
    return ++c->next_pdu;
}

static void s_count(net_core_t *c, const char *name)
{
    if (c->reg)
        LS_COUNT(c->reg, name);
}

/* A counter bumped for every datagram: the registry's pointer is stable, so
 * the name is hashed once. */
static void s_count_hot(net_core_t *c, uint64_t **slot, const char *name)
{
    if (!c->reg)
        return;
    if (!*slot)
        *slot = ls_counter(c->reg, name);
    (**slot)++;
}

static net_if_t *s_if(net_core_t *c, const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < c->nifs; i++)
        if (strcmp(c->ifs[i].name, name) == 0)
            return &c->ifs[i];
    return NULL;
}

static bool s_is_mcast(uint32_t a) { return (a >> 28) == 0xe; }
static bool s_is_loopnet(uint32_t a) { return (a >> 24) == 127; }

/* One of our interface addresses? */
static net_if_t *s_own(net_core_t *c, uint32_t a)
{
    for (size_t i = 0; i < c->nifs; i++)
        if (c->ifs[i].addr == a && a != 0)
            return &c->ifs[i];
    return NULL;
}

/* Limited broadcast or the directed broadcast of one of our subnets? */
static bool s_is_bcast(net_core_t *c, uint32_t a)
{
    if (a == BCAST_ALL)
        return true;
    for (size_t i = 0; i < c->nifs; i++) {
        const net_if_t *f = &c->ifs[i];
        if (f->loopback || f->prefix_len >= 31)
            continue;
        uint32_t m = route_mask(f->prefix_len);
        if ((a & m) == (f->addr & m) && (a | m) == BCAST_ALL)
            return true;
    }
    return false;
}

static void s_log_pdu(net_core_t *c, const char *ev, const char *dir, uint64_t pdu,
                      const uint64_t *parents, size_t np, const char *ifname, const uint8_t *d,
                      size_t len, uint64_t now)
{
    if (!ls_log_on(c->log, LS_LOG_PDU))
        return;
    char s[400];
    ipv4_summary_v(d, len, s, sizeof s);
    ls_logev(c->log, LS_LOG_PDU,
             &(ls_logev_t){.now_ns = now, .layer = "net", .dir = dir, .ev = ev, .pdu = pdu,
                           .parents = parents, .nparents = np, .ifname = ifname},
             "%s", s);
}

/* The route a forwarded datagram takes (and its TTL change), for traces:
 * "route 198.51.100.0/24 dev eth1 (connected) -> next hop 198.51.100.10, ttl 64 -> 63". */
static void s_log_route(net_core_t *c, uint32_t dst, const route_result_t *r, uint64_t pdu,
                        uint64_t now, uint8_t ttl)
{
    if (!ls_log_on(c->log, LS_LOG_PDU))
        return;
    char d[16], nh[16];
    uint32_t net = dst & route_mask(r->prefix_len);
    ls_logev(c->log, LS_LOG_PDU,
             &(ls_logev_t){.now_ns = now, .layer = "net", .dir = "up", .ev = "route", .pdu = pdu,
                           .ifname = r->ifname},
             "route %s/%u dev %s%s -> next hop %s, ttl %u -> %u", ip4_fmt(net, d), r->prefix_len,
             r->ifname, (r->flags & ROUTE_F_GATEWAY) ? "" : " (connected)",
             ip4_fmt(r->next_hop, nh), ttl, ttl - 1);
}

static void s_drop(net_core_t *c, const char *ifname, const char *dir, uint64_t pdu, uint64_t now,
                   const char *counter, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static void s_drop(net_core_t *c, const char *ifname, const char *dir, uint64_t pdu, uint64_t now,
                   const char *counter, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ls_drop(c->log, c->reg,
            &(ls_logev_t){.now_ns = now, .layer = "net", .dir = dir, .pdu = pdu, .ifname = ifname},
            counter, "%s", msg);
}

/* ------------------------------------------------------------ lifecycle */

static int s_add_if(net_core_t *c, const char *name, uint32_t addr, uint8_t plen, uint32_t mtu,
                    bool loopback)
{
    if (!name || !*name || strlen(name) >= NET_IFNAMSIZ || plen > 32 || mtu < 68 ||
        c->nifs >= NET_MAX_IFS || s_if(c, name))
        return -1;
    net_if_t *f = &c->ifs[c->nifs];
    memset(f, 0, sizeof *f);
    snprintf(f->name, sizeof f->name, "%s", name);
    f->addr = addr;
    f->prefix_len = plen;
    f->mtu = mtu;
    f->up = true;
    f->loopback = loopback;
    if (route_add(c->routes, addr, plen, 0, name, 0) < 0)
        return -1;
    c->nifs++;
    return 0;
}

net_core_t *net_core_new(const net_core_cfg_t *cfg, const net_core_cb_t *cb, ls_counters_t *reg,
                         ls_log_t *log)
{
    net_core_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (cfg)
        c->cfg = *cfg;
    if (!c->cfg.default_ttl)
        c->cfg.default_ttl = 64;
    if (cb)
        c->cb = *cb;
    c->reg = reg;
    c->log = log;
    c->next_ip_id = c->cfg.ip_id_start ? c->cfg.ip_id_start : 1;
    uint32_t rate = c->cfg.icmp_rate ? c->cfg.icmp_rate : ICMP_RL_DEFAULT_RATE;
    if (rate == UINT32_MAX)
        rate = 0; /* unlimited */
    icmp_ratelimit_init(&c->rl, rate, c->cfg.icmp_burst ? c->cfg.icmp_burst : ICMP_RL_DEFAULT_BURST);
    c->routes = route_new();
    c->reass = reass_new(&c->cfg.reass, reg, log);
    if (!c->routes || !c->reass || s_add_if(c, "lo", LO_ADDR, 8, NET_LO_MTU, true) < 0) {
        net_core_destroy(&c);
        return NULL;
    }
    return c;
}

void net_core_destroy(net_core_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    net_core_t *c = *self_p;
    route_destroy(&c->routes);
    reass_destroy(&c->reass);
    free(c);
    *self_p = NULL;
}

int net_core_add_if(net_core_t *core, const char *name, uint32_t addr, uint8_t prefix_len,
                    uint32_t mtu)
{
    return core ? s_add_if(core, name, addr, prefix_len, mtu, false) : -1;
}

int net_core_set_link(net_core_t *core, const char *ifname, bool up)
{
    net_if_t *f = core ? s_if(core, ifname) : NULL;
    if (!f)
        return -1;
    f->up = up;
    route_set_if_up(core->routes, ifname, up);
    ls_logev(core->log, LS_LOG_INFO,
             &(ls_logev_t){.layer = "net", .ev = "state", .ifname = ifname}, "link %s",
             up ? "up" : "down");
    return 0;
}

const net_if_t *net_core_if(const net_core_t *core, const char *ifname)
{
    return core ? s_if((net_core_t *)core, ifname) : NULL;
}

size_t net_core_if_count(const net_core_t *core) { return core ? core->nifs : 0; }

const net_if_t *net_core_if_at(const net_core_t *core, size_t i)
{
    return (core && i < core->nifs) ? &core->ifs[i] : NULL;
}

void net_core_set_forwarding(net_core_t *core, bool on)
{
    if (core)
        core->cfg.forwarding = on;
}

void net_core_set_raw_listeners(net_core_t *core, bool on)
{
    if (core)
        core->raw_listeners = on;
}

int net_core_register_proto(net_core_t *core, uint8_t proto, const char *name)
{
    if (!core || !name || !*name || proto == IP_PROTO_ICMP)
        return -1;
    snprintf(core->protos[proto], sizeof core->protos[proto], "%s", name);
    return 0;
}

int net_core_route_add(net_core_t *core, uint32_t dst, uint8_t prefix_len, uint32_t gateway,
                       const char *ifname, uint32_t metric)
{
    net_if_t *f = core ? s_if(core, ifname) : NULL;
    if (!f)
        return -1;
    if (route_add(core->routes, dst, prefix_len, gateway, ifname, metric) < 0)
        return -1;
    if (!f->up)
        route_set_if_up(core->routes, ifname, false);
    return 0;
}

int net_core_route_del(net_core_t *core, uint32_t dst, uint8_t prefix_len, uint32_t gateway,
                       const char *ifname)
{
    return core ? route_del(core->routes, dst, prefix_len, gateway, ifname) : -1;
}

route_table_t *net_core_routes(net_core_t *core) { return core ? core->routes : NULL; }

/* --------------------------------------------------------------- output */

/* Pick the outgoing interface, next hop and source for dst. */
static int s_route(net_core_t *c, uint32_t dst, net_if_t **ifp, uint32_t *nh, uint32_t *src)
{
    net_if_t *own = s_own(c, dst);
    if (own || s_is_loopnet(dst)) {
        *ifp = s_if(c, "lo");
        *nh = dst;
        *src = own ? dst : LO_ADDR; /* Linux: a local destination is its own source */
        return 0;
    }
    if (dst == BCAST_ALL) {
        for (size_t i = 0; i < c->nifs; i++)
            if (!c->ifs[i].loopback && c->ifs[i].up) {
                *ifp = &c->ifs[i];
                *nh = BCAST_ALL;
                *src = c->ifs[i].addr;
                return 0;
            }
        return -1;
    }
    route_result_t r;
    if (route_lookup(c->routes, dst, &r) < 0)
        return -1;
    net_if_t *f = s_if(c, r.ifname);
    if (!f || !f->up)
        return -1;
    *ifp = f;
    *nh = r.next_hop;
    if (!f->loopback && s_is_bcast(c, dst))
        *nh = BCAST_ALL; /* directed broadcast on a connected subnet: link broadcast */
    *src = f->addr;
    return 0;
}

static void s_link_tx(net_core_t *c, net_if_t *f, uint32_t nh, const uint8_t *d, size_t len,
                      uint64_t pdu, const uint64_t *parents, size_t np, const char *ev,
                      uint64_t now)
{
    f->tx_packets++;
    f->tx_bytes += len;
    s_log_pdu(c, ev, "down", pdu, parents, np, f->name, d, len, now);
    if (c->cb.link_tx)
        c->cb.link_tx(c->cb.ctx, f->name, nh, d, len, pdu, parents, np);
}

typedef struct {
    net_core_t *c;
    net_if_t *f;
    uint32_t nh;
    uint64_t parent;
    uint64_t now;
} s_fragctx_t;

static void s_frag_emit(void *ctx, const uint8_t *frag, size_t len)
{
    s_fragctx_t *fc = ctx;
    s_count(fc->c, "ip.frag.created");
    s_link_tx(fc->c, fc->f, fc->nh, frag, len, s_pdu(fc->c), &fc->parent, 1, "fragment", fc->now);
}

/* Send a built datagram (id pdu) out f, fragmenting to the MTU
 * (RFC 791 3.2; RFC 1122 3.3.3). The caller has handled DF. */
static int s_output(net_core_t *c, net_if_t *f, uint32_t nh, const uint8_t *d, size_t len,
                    uint64_t pdu, const uint64_t *parents, size_t np, const char *ev, uint64_t now)
{
    if (len <= f->mtu) {
        s_link_tx(c, f, nh, d, len, pdu, parents, np, ev, now);
        return NET_OK;
    }
    s_log_pdu(c, ev, "down", pdu, parents, np, f->name, d, len, now);
    s_fragctx_t fc = {c, f, nh, pdu, now};
    if (frag_fragment(d, len, f->mtu, s_frag_emit, &fc) < 0) {
        f->tx_drops++;
        s_drop(c, f->name, "down", pdu, now, "ip.drop.frag_failed", "cannot fragment to mtu %u",
               f->mtu);
        return NET_ERR_MSGSIZE;
    }
    s_count(c, "ip.frag.fragmented");
    return NET_OK;
}

static void s_local_input(net_core_t *c, net_if_t *in, const uint8_t *d, size_t len,
                          bool link_bcast, bool link_mcast, uint64_t pdu, uint64_t now);

/* Build and send one datagram with our header. */
static int s_send_ip(net_core_t *c, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl,
                     bool df, uint8_t tos, const uint8_t *payload, size_t plen,
                     const uint64_t *parents, size_t np, uint64_t now)
{
    if ((!payload && plen) || plen > IP4_MAX_LEN - IP4_HDR_MIN)
        return NET_ERR_INVAL;
    net_if_t *f;
    uint32_t nh, psrc;
    if (s_route(c, dst, &f, &nh, &psrc) < 0) {
        s_drop(c, NULL, "down", 0, now, "ip.tx.no_route", "no route to %u.%u.%u.%u", dst >> 24,
               (dst >> 16) & 0xff, (dst >> 8) & 0xff, dst & 0xff);
        return NET_ERR_NOROUTE;
    }
    if (!src)
        src = psrc;
    size_t len = IP4_HDR_MIN + plen;
    /* RFC 1122 3.3.3 / RFC 1191: DF and too big for the first hop: report
     * locally (EMSGSIZE) rather than send. */
    if (df && len > f->mtu) {
        s_drop(c, f->name, "down", 0, now, "ip.tx.msgsize", "DF set, %zu > mtu %u", len, f->mtu);
        return NET_ERR_MSGSIZE;
    }
    uint8_t *buf = malloc(len);
    if (!buf)
        return NET_ERR_INVAL;
    ipv4_repr_t ip = {.tos = tos, .ttl = ttl ? ttl : c->cfg.default_ttl, .proto = proto,
                      .total_len = (uint16_t)len, .id = c->next_ip_id++, .df = df, .src = src,
                      .dst = dst};
    ipv4_emit(&ip, buf, len);
    if (plen)
        memcpy(buf + IP4_HDR_MIN, payload, plen);
    uint64_t pdu = s_pdu(c);
    s_count_hot(c, &c->c_tx_ok, "ip.tx.ok");
    int rc = NET_OK;
    if (f->loopback) {
        /* loopback: our own addresses and 127/8 never reach a link */
        f->tx_packets++;
        f->tx_bytes += len;
        f->rx_packets++;
        f->rx_bytes += len;
        s_log_pdu(c, "encap", "down", pdu, parents, np, f->name, buf, len, now);
        s_local_input(c, f, buf, len, false, false, pdu, now);
    } else {
        rc = s_output(c, f, nh, buf, len, pdu, parents, np, "encap", now);
    }
    free(buf);
    return rc;
}

/* Generate an ICMP error about `off` (a datagram, >= its header), subject to
 * RFC 1122 3.2.2 rules and the rate limiter. in = arrival interface or NULL. */
static int s_icmp_error(net_core_t *c, uint8_t type, uint8_t code, uint16_t mtu,
                        const uint8_t *off, size_t olen, bool link_bcast, bool link_mcast,
                        const net_if_t *in, uint64_t parent, uint64_t now)
{
    if (!off || olen < IP4_HDR_MIN)
        return -1;
    uint32_t osrc = rd_be32(off + IP4_OFF_SRC), odst = rd_be32(off + IP4_OFF_DST);
    icmp_err_ctx_t ec = {.link_bcast = link_bcast, .link_mcast = link_mcast,
                         .dst_bcast = s_is_bcast(c, odst), .src_bcast = s_is_bcast(c, osrc),
                         .on_loopback = in ? in->loopback : s_is_loopnet(osrc)};
    int rule = icmp_error_allowed_ex(off, olen, &ec);
    if (rule != ICMP_RULE_OK) {
        s_drop(c, in ? in->name : NULL, "down", parent, now, icmp_rule_counter(rule),
               "no ICMP type %u code %u: %s", type, code, icmp_rule_str(rule));
        return -1;
    }
    /* RFC 1812 4.3.2.8: limit the rate of ICMP error messages. */
    if (!icmp_ratelimit_allow(&c->rl, now)) {
        s_drop(c, in ? in->name : NULL, "down", parent, now, "icmp.suppress.rate_limit",
               "no ICMP type %u code %u: rate limited", type, code);
        return -1;
    }
    uint8_t msg[ICMP_HDR_LEN + IP4_HDR_MAX + 8];
    int n = icmp_build_error(type, code, mtu, off, olen, msg, sizeof msg);
    if (n < 0)
        return -1;
    /* Source: for a datagram addressed to us, the address it was sent to
     * (RFC 1122 3.2.2); otherwise the outgoing interface's address toward
     * the original sender (RFC 1812 4.3.2.4), chosen by s_route. */
    uint32_t src = (s_own(c, odst) || s_is_loopnet(odst)) ? odst : 0;
    s_count(c, type == ICMP_DEST_UNREACH    ? "icmp.tx.dest_unreach"
               : type == ICMP_TIME_EXCEEDED ? "icmp.tx.time_exceeded"
                                            : "icmp.tx.error");
    return s_send_ip(c, src, osrc, IP_PROTO_ICMP, c->cfg.default_ttl, false, ICMP_ERR_TOS, msg,
                     (size_t)n, &parent, 1, now) == NET_OK ? 0 : -1;
}

/* ---------------------------------------------------------------- input */

static void s_raw(net_core_t *c, const net_if_t *in, const uint8_t *d, size_t len, uint64_t pdu,
                  uint64_t now, const char *what)
{
    if (c->raw_listeners && c->cb.raw_rx) {
        c->cb.raw_rx(c->cb.ctx, in->name, d, len, pdu, NULL, 0);
    } else {
        s_drop(c, in->name, "up", pdu, now, "icmp.drop.no_listener", "%s: no raw ICMP listener",
               what);
    }
}

static void s_icmp_input(net_core_t *c, net_if_t *in, const uint8_t *d, size_t len,
                         const ipv4_repr_t *ip, bool link_bcast, bool link_mcast, uint64_t pdu,
                         uint64_t now)
{
    icmp_repr_t ir;
    int rc = icmp_parse(d + ip->hdr_len, len - ip->hdr_len, &ir);
    if (rc != ICMP_OK) {
        /* RFC 1122 3.2.2: bad checksum / unknown type: silently discard. */
        s_drop(c, in->name, "up", pdu, now, icmp_reason_counter(rc), "ICMP %s (type %u)",
               icmp_reason_str(rc), rc == ICMP_ERR_TYPE ? ir.type : 0);
        return;
    }
    switch (ir.type) {
    case ICMP_ECHO_REQUEST: {
        s_count(c, "icmp.rx.echo_request");
        bool bc = s_is_bcast(c, ip->dst) || s_is_mcast(ip->dst) || link_bcast || link_mcast;
        /* RFC 1122 3.2.2.6: an echo request to a broadcast/multicast address
         * MAY be silently discarded (Linux icmp_echo_ignore_broadcasts=1). */
        if (bc && !c->cfg.echo_ignore_broadcasts_off) {
            s_drop(c, in->name, "up", pdu, now, "icmp.drop.echo_bcast",
                   "echo request to a broadcast address ignored");
            return;
        }
        /* RFC 1122 3.2.2.6: MUST reply; data returned unchanged; the reply's
         * source is the request's specific destination address (3.2.1.3). */
        uint8_t *rep = malloc(ICMP_HDR_LEN + ir.data_len);
        if (!rep)
            return;
        icmp_repr_t rr = {.type = ICMP_ECHO_REPLY, .code = 0, .id = ir.id, .seq = ir.seq,
                          .data = ir.data, .data_len = ir.data_len};
        int n = icmp_emit(&rr, rep, ICMP_HDR_LEN + ir.data_len);
        uint32_t src = bc ? in->addr : ip->dst;
        if (n > 0 && s_send_ip(c, src, ip->src, IP_PROTO_ICMP, c->cfg.default_ttl, false, ip->tos,
                               rep, (size_t)n, &pdu, 1, now) == NET_OK)
            s_count(c, "icmp.tx.echo_reply");
        free(rep);
        return;
    }
    case ICMP_ECHO_REPLY:
        s_count(c, "icmp.rx.echo_reply");
        s_raw(c, in, d, len, pdu, now, "echo reply");
        return;
    case ICMP_DEST_UNREACH:
    case ICMP_TIME_EXCEEDED:
    case ICMP_PARAM_PROBLEM:
    case ICMP_SOURCE_QUENCH:
    case ICMP_REDIRECT: {
        s_count(c, ir.type == ICMP_DEST_UNREACH    ? "icmp.rx.dest_unreach"
                   : ir.type == ICMP_TIME_EXCEEDED ? "icmp.rx.time_exceeded"
                                                   : "icmp.rx.error_other");
        const uint8_t *q = ir.data;
        size_t ql = ir.data_len;
        bool up = false;
        if (ql >= IP4_HDR_MIN && (rd_u8(q) >> 4) == 4) {
            size_t qihl = (size_t)(rd_u8(q) & 0x0f) * 4;
            uint8_t qp = rd_u8(q + IP4_OFF_PROTO);
            /* RFC 1122 3.2.2: errors MUST be passed to the transport layer,
             * which needs the quoted header + 8 bytes (its ports). */
            if ((qp == IP_PROTO_TCP || qp == IP_PROTO_UDP) && qihl >= IP4_HDR_MIN &&
                ql >= qihl + 8 && c->cb.icmp_error_up) {
                uint64_t id = s_pdu(c);
                c->cb.icmp_error_up(c->cb.ctx, ir.type, ir.code, ip->src, ir.mtu, q, ql, id, &pdu, 1);
                up = true;
            }
        }
        if (c->raw_listeners && c->cb.raw_rx)
            c->cb.raw_rx(c->cb.ctx, in->name, d, len, pdu, NULL, 0);
        else if (!up)
            s_drop(c, in->name, "up", pdu, now, "icmp.drop.no_listener",
                   "ICMP error type %u code %u: nobody to tell", ir.type, ir.code);
        return;
    }
    default:
        s_count(c, "icmp.rx.other");
        s_raw(c, in, d, len, pdu, now, "ICMP query");
        return;
    }
}

static void s_local_deliver(net_core_t *c, net_if_t *in, const uint8_t *d, size_t len,
                            bool link_bcast, bool link_mcast, uint64_t pdu,
                            const uint64_t *parents, size_t np, uint64_t now)
{
    ipv4_repr_t ip;
    if (ipv4_parse(d, len, &ip) != IPV4_OK)
        return; /* validated by the caller */
    const char *name = ip.proto == IP_PROTO_ICMP ? "icmp" : c->protos[ip.proto];
    if (*name)
        ls_logev(c->log, LS_LOG_PDU,
                 &(ls_logev_t){.now_ns = now, .layer = "net", .dir = "up", .ev = "demux",
                               .pdu = pdu, .parents = parents, .nparents = np, .ifname = in->name},
                 "proto %u -> %s", ip.proto, name);
    if (ip.proto == IP_PROTO_ICMP) {
        s_icmp_input(c, in, d, len, &ip, link_bcast, link_mcast, pdu, now);
        return;
    }
    if (*name) {
        s_count_hot(c, &c->c_rx_delivered, "ip.rx.delivered");
        if (c->cb.deliver)
            c->cb.deliver(c->cb.ctx, ip.proto, in->name, link_bcast, d, len, pdu, parents, np);
        return;
    }
    /* RFC 1122 3.2.2.1: a host SHOULD generate Destination Unreachable
     * (protocol unreachable) when the transport protocol is not supported. */
    s_drop(c, in->name, "up", pdu, now, "ip.drop.unknown_proto", "no handler for protocol %u",
           ip.proto);
    s_icmp_error(c, ICMP_DEST_UNREACH, ICMP_UNREACH_PROTOCOL, 0, d, len, link_bcast, link_mcast,
                 in, pdu, now);
}

typedef struct {
    net_core_t *c;
    net_if_t *in;
    bool link_bcast, link_mcast;
} s_reassctx_t;

static void s_reass_done(void *ctx, const uint8_t *dgram, size_t len, const uint64_t *parents,
                         size_t np, uint64_t now)
{
    s_reassctx_t *rc = ctx;
    uint64_t id = s_pdu(rc->c);
    s_log_pdu(rc->c, "reassemble", "up", id, parents, np, rc->in->name, dgram, len, now);
    s_local_deliver(rc->c, rc->in, dgram, len, rc->link_bcast, rc->link_mcast, id, parents, np, now);
}

static void s_local_input(net_core_t *c, net_if_t *in, const uint8_t *d, size_t len,
                          bool link_bcast, bool link_mcast, uint64_t pdu, uint64_t now)
{
    uint16_t fo = rd_be16(d + IP4_OFF_FRAG);
    if (fo & (IP4_FLAG_MF | IP4_FRAG_MASK)) {
        /* RFC 1122 3.3.2: a host MUST be able to reassemble. */
        s_reassctx_t rc = {c, in, link_bcast, link_mcast};
        reass_input(c->reass, d, len, pdu, now, s_reass_done, &rc);
        return;
    }
    s_local_deliver(c, in, d, len, link_bcast, link_mcast, pdu, NULL, 0, now);
}

static void s_forward(net_core_t *c, net_if_t *in, const uint8_t *d, size_t len,
                      const ipv4_repr_t *ip, bool link_bcast, bool link_mcast, uint64_t pdu,
                      uint64_t now)
{
    /* RFC 1812 5.3.4: a router SHOULD NOT forward a packet that arrived as a
     * link-layer broadcast/multicast unless it is destined to multicast
     * (we do not route multicast at all, nor limited broadcast: 5.3.5.1). */
    if (link_bcast || link_mcast || ip->dst == BCAST_ALL || s_is_mcast(ip->dst)) {
        s_drop(c, in->name, "up", pdu, now, "ip.drop.fwd_bcast",
               "not forwarding a broadcast/multicast datagram");
        return;
    }
    /* RFC 1812 5.3.7: martian sources MUST NOT be forwarded. */
    if (ip->src == 0 || s_is_loopnet(ip->src) || s_is_mcast(ip->src) || s_is_bcast(c, ip->src) ||
        (ip->src >> 28) == 0xf) {
        s_drop(c, in->name, "up", pdu, now, "ip.drop.martian", "martian source");
        return;
    }
    /* RFC 1812 5.3.1 / 4.2.2.9: TTL <= 1 -> MUST NOT forward; send time
     * exceeded (code 0) quoting the datagram as received. */
    if (ip->ttl <= 1) {
        s_drop(c, in->name, "up", pdu, now, "ip.drop.ttl_exceeded", "ttl %u", ip->ttl);
        s_icmp_error(c, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0, d, len, link_bcast, link_mcast, in,
                     pdu, now);
        return;
    }
    route_result_t r;
    net_if_t *out = NULL;
    if (route_lookup(c->routes, ip->dst, &r) == 0)
        out = s_if(c, r.ifname);
    if (!out || !out->up || out->loopback) {
        /* RFC 1812 5.2.7.1: no route -> destination unreachable, net. */
        s_drop(c, in->name, "up", pdu, now, "ip.drop.no_route", "no route to destination");
        s_icmp_error(c, ICMP_DEST_UNREACH, ICMP_UNREACH_NET, 0, d, len, link_bcast, link_mcast, in,
                     pdu, now);
        return;
    }
    if (s_is_bcast(c, ip->dst)) {
        /* RFC 2644: directed broadcasts are not forwarded by default. */
        s_drop(c, in->name, "up", pdu, now, "ip.drop.directed_bcast", "directed broadcast");
        return;
    }
    /* RFC 1191 / RFC 1812 5.2.7.1: DF and too big -> frag needed with the
     * next-hop MTU. */
    if (len > out->mtu && ip->df) {
        s_drop(c, in->name, "up", pdu, now, "ip.drop.frag_needed", "DF set, %zu > mtu %u of %s",
               len, out->mtu, out->name);
        s_icmp_error(c, ICMP_DEST_UNREACH, ICMP_UNREACH_NEEDFRAG,
                     (uint16_t)(out->mtu > 65535 ? 65535 : out->mtu), d, len, link_bcast,
                     link_mcast, in, pdu, now);
        return;
    }
    s_log_route(c, ip->dst, &r, pdu, now, ip->ttl);
    uint8_t *buf = malloc(len);
    if (!buf)
        return;
    memcpy(buf, d, len);
    ipv4_decrement_ttl(buf); /* RFC 1812 5.3.1 + RFC 1624 incremental checksum */
    uint64_t id = s_pdu(c);
    s_count_hot(c, &c->c_forwarded, "ip.forwarded");
    s_output(c, out, r.next_hop, buf, len, id, &pdu, 1, "forward", now);
    free(buf);
}

void net_core_link_rx(net_core_t *core, const char *ifname, const uint8_t *pkt, size_t len,
                      bool link_bcast, bool link_mcast, uint64_t pdu_id, uint64_t now_ns)
{
    net_core_link_rx_from(core, ifname, pkt, len, link_bcast, link_mcast, pdu_id, NULL, 0, now_ns);
}

void net_core_link_rx_from(net_core_t *core, const char *ifname, const uint8_t *pkt, size_t len,
                           bool link_bcast, bool link_mcast, uint64_t pdu_id,
                           const uint64_t *parents, size_t nparents, uint64_t now_ns)
{
    if (!core)
        return;
    net_core_t *c = core;
    net_if_t *in = s_if(c, ifname);
    if (!in) {
        s_drop(c, ifname, "up", pdu_id, now_ns, "ip.drop.unknown_if", "unknown interface");
        return;
    }
    in->rx_packets++;
    in->rx_bytes += len;
    if (!in->up) {
        in->rx_drops++;
        s_drop(c, ifname, "up", pdu_id, now_ns, "ip.drop.if_down", "interface down");
        return;
    }
    ipv4_repr_t ip;
    int rc = ipv4_parse(pkt, len, &ip);
    if (rc != IPV4_OK) {
        /* RFC 1122 3.2.1.1/3.2.1.2: invalid header -> silently discard. */
        in->rx_drops++;
        s_drop(c, ifname, "up", pdu_id, now_ns, ipv4_reason_counter(rc), "%s (%zu bytes)",
               ipv4_reason_str(rc), len);
        return;
    }
    len = ip.total_len; /* trim link padding (RFC 1122 3.2.1.1 / FreeBSD ip_input) */
    s_log_pdu(c, "decap", "up", pdu_id, parents, nparents, ifname, pkt, len, now_ns);
    /* RFC 1122 3.2.1.3: a datagram whose source is broadcast or multicast
     * MUST be silently discarded. */
    if (ip.src == BCAST_ALL || s_is_mcast(ip.src) || s_is_bcast(c, ip.src)) {
        in->rx_drops++;
        s_drop(c, ifname, "up", pdu_id, now_ns, "ip.drop.bad_src", "broadcast/multicast source");
        return;
    }
    /* RFC 1122 3.2.1.3: 127/8 MUST NOT appear outside a host. */
    if (!in->loopback && (s_is_loopnet(ip.src) || s_is_loopnet(ip.dst))) {
        in->rx_drops++;
        s_drop(c, ifname, "up", pdu_id, now_ns, "ip.drop.martian", "loopback address on the wire");
        return;
    }
    s_count_hot(c, &c->c_rx_ok, "ip.rx.ok");
    bool for_us = s_own(c, ip.dst) || s_is_bcast(c, ip.dst) || ip.dst == LS_IP4(224, 0, 0, 1);
    if (for_us) {
        s_local_input(c, in, pkt, len, link_bcast, link_mcast, pdu_id, now_ns);
    } else if (c->cfg.forwarding) {
        s_forward(c, in, pkt, len, &ip, link_bcast, link_mcast, pdu_id, now_ns);
    } else {
        /* RFC 1122 3.3.4.2/3.3.1.6: a host (not a router) does not forward. */
        in->rx_drops++;
        s_drop(c, ifname, "up", pdu_id, now_ns, "ip.drop.not_for_us", "not for us, not forwarding");
    }
}

void net_core_resolve_failed(net_core_t *core, const char *ifname, uint32_t next_hop,
                             const uint8_t *dgram, size_t len, uint64_t pdu_id, uint64_t now_ns)
{
    if (!core)
        return;
    net_if_t *f = s_if(core, ifname);
    if (f)
        f->tx_drops++;
    char nh[16];
    s_drop(core, ifname, "down", pdu_id, now_ns, "ip.drop.resolve_failed",
           "no ARP reply from %s", ip4_fmt(next_hop, nh));
    ipv4_repr_t ip;
    if (ipv4_parse(dgram, len, &ip) != IPV4_OK)
        return;
    /* RFC 1812 4.3.3.1 / RFC 1122 3.2.2.1: host unreachable to the source.
     * For our own datagram the error travels over loopback, so local
     * listeners see "From <our address> ... Destination Host Unreachable". */
    s_icmp_error(core, ICMP_DEST_UNREACH, ICMP_UNREACH_HOST, 0, dgram, ip.total_len, false, false,
                 NULL, pdu_id, now_ns);
}

int net_core_send(net_core_t *core, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl,
                  bool df, uint8_t tos, const uint8_t *payload, size_t len,
                  const uint64_t *parents, size_t nparents, uint64_t now_ns)
{
    if (!core)
        return NET_ERR_INVAL;
    /* RFC 1122 3.2.1.3: we never send with a broadcast/multicast source. */
    if (src && (src == BCAST_ALL || s_is_mcast(src)))
        return NET_ERR_INVAL;
    return s_send_ip(core, src, dst, proto, ttl, df, tos, payload, len, parents, nparents, now_ns);
}

int net_core_send_icmp_error(net_core_t *core, uint8_t type, uint8_t code, const uint8_t *dgram,
                             size_t len, uint64_t parent_pdu, uint64_t now_ns)
{
    if (!core || !dgram || len < IP4_HDR_MIN)
        return -1;
    net_if_t *in = s_is_loopnet(rd_be32(dgram + IP4_OFF_DST)) ? s_if(core, "lo") : NULL;
    return s_icmp_error(core, type, code, 0, dgram, len, false, false, in, parent_pdu, now_ns);
}

int net_core_route_query(net_core_t *core, uint32_t dst, uint32_t *src, char *ifname_out,
                         uint32_t *mtu, uint32_t *next_hop)
{
    if (!core)
        return -1;
    net_if_t *f;
    uint32_t nh, s;
    if (s_route(core, dst, &f, &nh, &s) < 0)
        return -1;
    if (src)
        *src = s;
    if (ifname_out)
        memcpy(ifname_out, f->name, NET_IFNAMSIZ);
    if (mtu)
        *mtu = f->mtu;
    if (next_hop)
        *next_hop = nh;
    return 0;
}

typedef struct {
    net_core_t *c;
} s_pollctx_t;

static void s_reass_timeout(void *ctx, const uint8_t *first, size_t len, uint64_t pdu,
                            uint64_t now)
{
    s_pollctx_t *pc = ctx;
    /* RFC 792 / RFC 1122 3.3.2: time exceeded, fragment reassembly time
     * exceeded, only when fragment zero is available (frag.c checks). */
    s_icmp_error(pc->c, ICMP_TIME_EXCEEDED, ICMP_EXC_REASS, 0, first, len, false, false, NULL, pdu,
                 now);
}

void net_core_poll(net_core_t *core, uint64_t now_ns)
{
    if (!core)
        return;
    s_pollctx_t pc = {core};
    reass_poll(core->reass, now_ns, s_reass_timeout, &pc);
}

uint64_t net_core_next_deadline(const net_core_t *core)
{
    return core ? reass_next_deadline(core->reass) : UINT64_MAX;
}
