/*
 * nsvc.c -- net-svc glue: pipes, control commands and the raw ICMP endpoint
 * around the pure IPv4 engine (net_core.c). See nsvc.h.
 *
 * Call chain:
 *   up:   net:link@IF pipe -> s_link_rx: LINK_RX -> net_core_link_rx_from
 *                                        LINK_RESOLVE_FAILED -> net_core_resolve_failed
 *   down: transport:net pipe -> s_upper_rx: NET_TX -> net_core_send
 *         NET_SEND_ICMP_ERROR -> net_core_send_icmp_error; ROUTE_QUERY ->
 *         net_core_route_query -> ROUTE_REPLY
 *   engine callbacks: s_cb_link_tx (LINK_TX on net:link@IF), s_cb_deliver
 *         (NET_DELIVER), s_cb_icmp_error_up (NET_ICMP_ERROR), s_cb_raw_rx
 *         (netctl_icmp_key -> "icmp" events to raw listeners)
 *   ctl:  table route|if, route-add, route-del, link IF up|down,
 *         raw-open ID|udp SPORT, raw-send DST TTL DF [SRC [PROTO]] (+data: ICMP, or a UDP
 *         datagram with a source of the app's choosing), raw-close, route-get DST
 *   timer: loop -> s_deadline/s_fire -> net_core_next_deadline/net_core_poll
 */
#include "net-svc/nsvc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "net-svc/net_core.h"
#include "net-svc/netctl.h"
#include "runtime/pipe.h"
#include "wire/udp.h"
#include "runtime/pipe_ctl.h"

typedef struct {
    char name[NET_IFNAMSIZ];
    ls_pipe_t *pipe;
} s_link_t;

typedef struct {
    ls_svc_t *svc;
    net_core_t *core;
    s_link_t links[NET_MAX_IFS];
    size_t nlinks;
    ls_pipe_t *upper;   /* transport:net, NULL when the host runs no transport */
    netctl_raws_t raws;
} nsvc_t;

static s_link_t *s_link(nsvc_t *ns, const char *ifname)
{
    for (size_t i = 0; i < ns->nlinks; i++)
        if (strcmp(ns->links[i].name, ifname) == 0)
            return &ns->links[i];
    return NULL;
}

/* ---------------------------------------------------- engine callbacks */

static uint64_t s_cb_pdu_id(void *ctx)
{
    nsvc_t *ns = ctx;
    return ls_svc_pdu_id(ns->svc);
}

static void s_cb_link_tx(void *ctx, const char *ifname, uint32_t next_hop, const uint8_t *dgram,
                         size_t len, uint64_t pdu_id, const uint64_t *parents, size_t np)
{
    nsvc_t *ns = ctx;
    s_link_t *l = s_link(ns, ifname);
    if (!l || !l->pipe) {
        ls_drop(ns->svc->log, ns->svc->ctr,
                &(ls_logev_t){.layer = "net", .dir = "down", .pdu = pdu_id, .ifname = ifname},
                "net.drop.no_link_pipe", "no pipe to link-svc for %s", ifname);
        return;
    }
    Ls__Envelope env;
    Ls__LinkTx tx = LS__LINK_TX__INIT;
    tx.ifname = l->name;
    tx.next_hop = next_hop;
    tx.ethertype = 0x0800;
    ls_env_setup(&env, LS__KIND__LINK_TX, pdu_id, parents, np, dgram, len);
    env.link_tx = &tx;
    ls_pipe_send(l->pipe, &env);
}

static void s_cb_deliver(void *ctx, uint8_t proto, const char *ifname, bool link_bcast,
                         const uint8_t *dgram, size_t len, uint64_t pdu_id, const uint64_t *parents,
                         size_t np)
{
    nsvc_t *ns = ctx;
    if (!ns->upper) {
        ls_drop(ns->svc->log, ns->svc->ctr,
                &(ls_logev_t){.layer = "net", .dir = "up", .pdu = pdu_id, .ifname = ifname},
                "net.drop.no_transport", "protocol %u registered but no transport pipe", proto);
        return;
    }
    Ls__Envelope env;
    Ls__NetDeliver nd = LS__NET_DELIVER__INIT;
    nd.ifname = (char *)ifname;
    nd.link_bcast = link_bcast;
    nd.protocol = proto;
    /* the datagram keeps its id (a reassembled one has its fragments as parents) */
    ls_env_setup(&env, LS__KIND__NET_DELIVER, pdu_id, parents, np, dgram, len);
    env.net_deliver = &nd;
    ls_pipe_send(ns->upper, &env);
}

static void s_cb_icmp_error_up(void *ctx, uint8_t type, uint8_t code, uint32_t reporter,
                               uint16_t mtu, const uint8_t *quoted, size_t qlen, uint64_t pdu_id,
                               const uint64_t *parents, size_t np)
{
    nsvc_t *ns = ctx;
    if (!ns->upper)
        return; /* no transport: raw listeners (if any) saw it */
    Ls__Envelope env;
    Ls__IcmpError ie = LS__ICMP_ERROR__INIT;
    ie.type = type;
    ie.code = code;
    ie.reporter = reporter;
    if (type == ICMP_DEST_UNREACH && code == ICMP_UNREACH_NEEDFRAG) {
        ie.has_next_hop_mtu = 1;
        ie.next_hop_mtu = mtu;
    }
    ls_env_setup(&env, LS__KIND__NET_ICMP_ERROR, pdu_id, parents, np, quoted, qlen);
    env.icmp_error = &ie;
    char r[16];
    ls_logev(ns->svc->log, LS_LOG_PDU,
             &(ls_logev_t){.layer = "net", .dir = "up", .ev = "demux", .pdu = pdu_id,
                           .parents = parents, .nparents = np},
             "icmp type %u code %u from %s -> transport", type, code, ip4_fmt(reporter, r));
    ls_pipe_send(ns->upper, &env);
}

static void s_update_raw(nsvc_t *ns)
{
    net_core_set_raw_listeners(ns->core, netctl_raw_count(&ns->raws) > 0);
}

static void s_cb_raw_rx(void *ctx, const char *ifname, const uint8_t *dgram, size_t len,
                        uint64_t pdu_id, const uint64_t *parents, size_t np)
{
    nsvc_t *ns = ctx;
    ls_svc_t *svc = ns->svc;
    uint64_t now = ls_now_ns();
    ls_logev_t ev = {.now_ns = now, .layer = "net", .dir = "up", .pdu = pdu_id, .ifname = ifname};
    uint16_t id;
    uint8_t proto;
    if (netctl_icmp_key_ex(dgram, len, &proto, &id) < 0) {
        ls_drop(svc->log, svc->ctr, &ev, "raw.drop.no_match",
                "ICMP not about an echo request or UDP: no raw listener");
        return;
    }
    size_t cur = 0, hits = 0;
    netctl_raw_t *r;
    const char *kn = proto == IP_PROTO_UDP ? "udp sport" : "icmp id";
    while ((r = netctl_raw_next(&ns->raws, proto, id, &cur)) != NULL) {
        ls_ctl_reply_t rep;
        ls_ctl_reply_init(&rep);
        rep.rep.event = strdup("icmp");
        ls_ctl_data(&rep, dgram, len);
        ls_ctl_kv(&rep, "ts_ns", "%llu", (unsigned long long)now);
        ls_ctl_kv(&rep, "if", "%s", ifname);
        rep.rep.pdu_ids = malloc(sizeof(uint64_t));
        if (rep.rep.pdu_ids) {
            rep.rep.pdu_ids[0] = pdu_id;
            rep.rep.n_pdu_ids = 1;
        }
        int rc = ls_svc_ctl_send(svc, &r->peer, &rep);
        ls_ctl_reply_fini(&rep);
        if (rc < 0) {
            /* the app vanished (ROUTER_MANDATORY): forget its registration */
            r->active = false;
            ls_drop(svc->log, svc->ctr, &ev, "raw.drop.listener_gone",
                    "raw listener for %s %u is gone; registration dropped", kn, id);
            continue;
        }
        r->delivered++;
        hits++;
        ev.ev = "demux";
        ls_logev(svc->log, LS_LOG_PDU, &ev, "%s %u -> raw socket", kn, id);
        LS_COUNT(svc->ctr, "raw.tx.event");
    }
    if (!hits)
        ls_drop(svc->log, svc->ctr, &ev, "raw.drop.no_match", "no raw listener for %s %u", kn, id);
    s_update_raw(ns);
}

/* ------------------------------------------------------------- pipes */

static void s_link_rx(ls_pipe_t *pipe, Ls__Envelope *env, void *arg)
{
    nsvc_t *ns = arg;
    ls_svc_t *svc = ns->svc;
    uint64_t now = ls_now_ns();
    const uint8_t *p = env->has_pdu ? env->pdu.data : NULL;
    size_t n = env->has_pdu ? env->pdu.len : 0;
    switch (env->kind) {
    case LS__KIND__HELLO:
        return;
    case LS__KIND__LINK_RX: {
        const Ls__LinkRx *rx = env->link_rx;
        if (rx->ethertype != 0x0800) {
            ls_drop(svc->log, svc->ctr,
                    &(ls_logev_t){.layer = "net", .dir = "up", .pdu = env->pdu_id, .ifname = rx->ifname},
                    "net.drop.not_ipv4", "ethertype 0x%04x is not IPv4", rx->ethertype);
            return;
        }
        net_core_link_rx_from(ns->core, rx->ifname, p, n, rx->link_bcast, rx->link_mcast,
                              env->pdu_id, env->parent_ids, env->n_parent_ids, now);
        return;
    }
    case LS__KIND__LINK_RESOLVE_FAILED: {
        const Ls__LinkResolveFailed *rf = env->link_resolve_failed;
        net_core_resolve_failed(ns->core, rf->ifname, rf->next_hop, p, n, env->pdu_id, now);
        return;
    }
    default:
        ls_drop(svc->log, svc->ctr, &(ls_logev_t){.layer = "net", .dir = "up", .pdu = env->pdu_id},
                "net.drop.unexpected_kind", "%s carries LINK_RX/LINK_RESOLVE_FAILED, got %s",
                ls_pipe_name(pipe), ls_kind_str(env->kind));
    }
}

/* Tell transport that a send failed locally (no route, or DF and too big
 * for the first hop), as an ICMP error reported by ourselves: it quotes
 * the header we would have sent plus the first 8 bytes of the segment. */
static void s_local_error(nsvc_t *ns, int err, uint32_t src, uint32_t dst, uint8_t proto,
                          const uint8_t *seg, size_t len, uint64_t parent)
{
    uint32_t mtu = 0, rsrc = 0;
    char ifn[NET_IFNAMSIZ];
    if (net_core_route_query(ns->core, dst, &rsrc, ifn, &mtu, NULL) == 0 && !src)
        src = rsrc;
    uint8_t q[IP4_HDR_MIN + 8] = {0};
    size_t qn = len < 8 ? len : 8;
    ipv4_repr_t ip = {.ttl = 64, .proto = proto, .total_len = (uint16_t)(IP4_HDR_MIN + len),
                      .src = src, .dst = dst};
    ipv4_emit(&ip, q, sizeof q);
    if (qn)
        memcpy(q + IP4_HDR_MIN, seg, qn);
    uint8_t code = err == NET_ERR_MSGSIZE ? ICMP_UNREACH_NEEDFRAG : ICMP_UNREACH_NET;
    s_cb_icmp_error_up(ns, ICMP_DEST_UNREACH, code, src, (uint16_t)(mtu > 65535 ? 65535 : mtu), q,
                       sizeof q, ls_svc_pdu_id(ns->svc), &parent, 1);
}

static void s_upper_rx(ls_pipe_t *pipe, Ls__Envelope *env, void *arg)
{
    nsvc_t *ns = arg;
    ls_svc_t *svc = ns->svc;
    uint64_t now = ls_now_ns();
    const uint8_t *p = env->has_pdu ? env->pdu.data : NULL;
    size_t n = env->has_pdu ? env->pdu.len : 0;
    ls_logev_t ev = {.now_ns = now, .layer = "net", .dir = "down", .pdu = env->pdu_id};
    switch (env->kind) {
    case LS__KIND__HELLO:
        return;
    case LS__KIND__NET_TX: {
        const Ls__NetTx *tx = env->net_tx;
        if (tx->protocol > 255 || tx->ttl > 255 || tx->tos > 255) {
            ls_drop(svc->log, svc->ctr, &ev, "net.drop.bad_net_tx",
                    "NET_TX protocol %u ttl %u tos %u out of range", tx->protocol, tx->ttl, tx->tos);
            return;
        }
        uint64_t parent = env->pdu_id;
        int rc = net_core_send(ns->core, tx->src, tx->dst, (uint8_t)tx->protocol,
                               (uint8_t)tx->ttl, tx->df, (uint8_t)tx->tos, p, n, &parent, 1, now);
        if (rc == NET_ERR_NOROUTE || rc == NET_ERR_MSGSIZE)
            s_local_error(ns, rc, tx->src, tx->dst, (uint8_t)tx->protocol, p, n, parent);
        else if (rc != NET_OK)
            ls_drop(svc->log, svc->ctr, &ev, "net.drop.bad_net_tx", "NET_TX of %zu bytes refused", n);
        return;
    }
    case LS__KIND__NET_SEND_ICMP_ERROR: {
        const Ls__SendIcmpError *se = env->send_icmp_error;
        if (net_core_send_icmp_error(ns->core, (uint8_t)se->type, (uint8_t)se->code, p, n,
                                     env->pdu_id, now) == 0)
            LS_COUNT(svc->ctr, "icmp.tx.for_transport");
        return;
    }
    case LS__KIND__ROUTE_QUERY: {
        const Ls__RouteQuery *q = env->route_query;
        Ls__RouteReply rr = LS__ROUTE_REPLY__INIT;
        char ifn[NET_IFNAMSIZ] = "";
        uint32_t src = 0, mtu = 0, nh = 0;
        rr.query_id = q->query_id;
        rr.found = net_core_route_query(ns->core, q->dst, &src, ifn, &mtu, &nh) == 0;
        if (rr.found) {
            rr.has_src = rr.has_mtu = rr.has_next_hop = 1;
            rr.src = src;
            rr.mtu = mtu;
            rr.next_hop = nh;
            rr.ifname = ifn;
        }
        Ls__Envelope out;
        uint64_t parent = env->pdu_id;
        ls_env_setup(&out, LS__KIND__ROUTE_REPLY, ls_svc_pdu_id(svc), &parent, 1, NULL, 0);
        out.route_reply = &rr;
        LS_COUNT(svc->ctr, "route.query");
        ls_pipe_send(ns->upper, &out);
        return;
    }
    default:
        ls_drop(svc->log, svc->ctr, &ev, "net.drop.unexpected_kind",
                "transport:net carries NET_TX/NET_SEND_ICMP_ERROR/ROUTE_QUERY, got %s",
                ls_kind_str(env->kind));
    }
}

/* ------------------------------------------------------------ timers */

static uint64_t s_deadline(void *arg)
{
    nsvc_t *ns = arg;
    return net_core_next_deadline(ns->core);
}

static void s_fire(void *arg, uint64_t now)
{
    nsvc_t *ns = arg;
    net_core_poll(ns->core, now);
}

/* ----------------------------------------------------------- control */

static int s_addr_arg(ls_svc_t *svc, const char *s, uint32_t *a)
{
    return ip4_parse(s, a) == 0 || topo_resolve_name(svc->topo, s, a) == 0 ? 0 : -1;
}

static void s_route_table(nsvc_t *ns, ls_ctl_reply_t *rep)
{
    route_table_t *t = net_core_routes(ns->core);
    ls_ctl_row(rep, "Kernel IP routing table");
    ls_ctl_row(rep, "%s", route_header());
    char row[160];
    for (size_t i = 0; i < route_count(t); i++) {
        const route_entry_t *e = route_at(t, i);
        if (strcmp(e->ifname, "lo") == 0)
            continue; /* route -n shows the main table; lo lives in "local" */
        ls_ctl_row(rep, "%s", route_format_row(e, row, sizeof row));
    }
}

static void s_if_table(nsvc_t *ns, ls_ctl_reply_t *rep)
{
    for (size_t i = 0; i < net_core_if_count(ns->core); i++) {
        const net_if_t *f = net_core_if_at(ns->core, i);
        char a[16];
        ls_ctl_row(rep, "%-6s %s/%u mtu %u %s%s  rx %llu pkts %llu bytes %llu drops  tx %llu pkts %llu bytes %llu drops",
                   f->name, ip4_fmt(f->addr, a), f->prefix_len, f->mtu, f->up ? "UP" : "DOWN",
                   f->loopback ? ",LOOPBACK" : "", (unsigned long long)f->rx_packets,
                   (unsigned long long)f->rx_bytes, (unsigned long long)f->rx_drops,
                   (unsigned long long)f->tx_packets, (unsigned long long)f->tx_bytes,
                   (unsigned long long)f->tx_drops);
    }
}

static int s_route_cmd(nsvc_t *ns, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, bool add)
{
    netctl_route_t r;
    char err[160];
    if (netctl_route_parse((const char *const *)req->args, req->n_args, &r, err, sizeof err) < 0) {
        ls_ctl_error(rep, EINVAL, "%s", err);
        return 0;
    }
    const char *dev = r.dev[0] ? r.dev : NULL;
    char d[16], g[16];
    ip4_fmt(r.dst, d);
    ip4_fmt(r.gateway, g);
    if (add) {
        char devbuf[NET_IFNAMSIZ] = "";
        if (!dev) {
            /* the interface toward the gateway (RFC 1812 5.2.4: it must be
             * on a directly connected network) */
            uint32_t nh = 0;
            if (!r.gateway) {
                ls_ctl_error(rep, EINVAL, "route add %s/%u: give 'via GW' or 'dev IF'", d, r.prefix_len);
                return 0;
            }
            route_result_t rr;
            if (route_lookup(net_core_routes(ns->core), r.gateway, &rr) < 0 ||
                (rr.flags & ROUTE_F_GATEWAY) || strcmp(rr.ifname, "lo") == 0) {
                ls_ctl_error(rep, ENETUNREACH, "route add: gateway %s is not on a connected network", g);
                return 0;
            }
            (void)nh;
            snprintf(devbuf, sizeof devbuf, "%s", rr.ifname);
            dev = devbuf;
            if (net_core_route_add(ns->core, r.dst, r.prefix_len, r.gateway, dev, r.metric) < 0) {
                ls_ctl_error(rep, EEXIST, "route add %s/%u: exists already (or bad interface)", d, r.prefix_len);
                return 0;
            }
        } else if (net_core_route_add(ns->core, r.dst, r.prefix_len, r.gateway, dev, r.metric) < 0) {
            ls_ctl_error(rep, net_core_if(ns->core, dev) ? EEXIST : ENODEV,
                         "route add %s/%u dev %s: %s", d, r.prefix_len, dev,
                         net_core_if(ns->core, dev) ? "exists already" : "no such interface");
            return 0;
        }
        ls_logev(ns->svc->log, LS_LOG_INFO, &(ls_logev_t){.layer = "net", .ev = "route", .ifname = dev},
                 "route add %s/%u%s%s dev %s metric %u", d, r.prefix_len, r.gateway ? " via " : "",
                 r.gateway ? g : "", dev, r.metric);
        LS_COUNT(ns->svc->ctr, "route.added");
        ls_ctl_row(rep, "added %s/%u%s%s dev %s", d, r.prefix_len, r.gateway ? " via " : "",
                   r.gateway ? g : "", dev);
        return 0;
    }
    if (net_core_route_del(ns->core, r.dst, r.prefix_len, r.gateway, dev) < 0) {
        ls_ctl_error(rep, ESRCH, "route del %s/%u: no such route", d, r.prefix_len);
        return 0;
    }
    ls_logev(ns->svc->log, LS_LOG_INFO, &(ls_logev_t){.layer = "net", .ev = "route"},
             "route del %s/%u", d, r.prefix_len);
    LS_COUNT(ns->svc->ctr, "route.deleted");
    ls_ctl_row(rep, "deleted %s/%u", d, r.prefix_len);
    return 0;
}

/* raw-send DST TTL DF [SRC [PROTO]]; data = the ICMP message, or with
 * PROTO 17 a whole UDP datagram (checksums by the app: a raw socket with
 * IP_HDRINCL, as packet-crafting tools use to forge a source address). */
static int s_raw_send(nsvc_t *ns, const Ls__CtlRequest *req, ls_ctl_reply_t *rep)
{
    ls_svc_t *svc = ns->svc;
    uint32_t dst, src = 0;
    uint8_t proto = IP_PROTO_ICMP;
    if (req->n_args >= 5 && strcmp(req->args[4], "17") == 0)
        proto = IP_PROTO_UDP;
    else if (req->n_args >= 5 && strcmp(req->args[4], "1") != 0) {
        ls_ctl_error(rep, EPROTONOSUPPORT, "raw-send: protocol %s (1 ICMP or 17 UDP)", req->args[4]);
        return 0;
    }
    size_t min = proto == IP_PROTO_UDP ? UDP_HDR_LEN : ICMP_HDR_LEN;
    if (req->n_args < 3 || !req->has_data || req->data.len < min) {
        ls_ctl_error(rep, EINVAL, "raw-send DST TTL DF [SRC [PROTO]] with an ICMP message (or UDP datagram) as data");
        return 0;
    }
    int ttl = atoi(req->args[1]);
    if (s_addr_arg(svc, req->args[0], &dst) < 0 || ttl < 0 || ttl > 255 ||
        (req->n_args >= 4 && s_addr_arg(svc, req->args[3], &src) < 0)) {
        ls_ctl_error(rep, EINVAL, "raw-send: bad destination, ttl or source");
        return 0;
    }
    bool df = atoi(req->args[2]) != 0;
    uint64_t now = ls_now_ns();
    uint32_t rsrc = 0, mtu = 0;
    char ifn[NET_IFNAMSIZ] = "";
    if (net_core_route_query(ns->core, dst, &rsrc, ifn, &mtu, NULL) < 0) {
        ls_ctl_error(rep, ENETUNREACH, "Network is unreachable");
        return 0;
    }
    if (!src)
        src = rsrc;
    /* the app's PDU: the ICMP message, parent of the datagram net makes */
    uint64_t id = ls_svc_pdu_id(svc);
    if (svc->log_pdu) {
        char s[200], a[16], b[16];
        if (proto == IP_PROTO_UDP)
            snprintf(s, sizeof s, "UDP %u > %u, length %zu", rd_be16(req->data.data + UDP_OFF_SPORT),
                     rd_be16(req->data.data + UDP_OFF_DPORT), req->data.len - UDP_HDR_LEN);
        else
            icmp_summary(req->data.data, req->data.len, s, sizeof s);
        ls_logev(svc->log, LS_LOG_PDU,
                 &(ls_logev_t){.now_ns = now, .layer = "app", .dir = "down", .ev = "send", .pdu = id},
                 "raw %s > %s: %s", ip4_fmt(src, a), ip4_fmt(dst, b), s);
    }
    LS_COUNT(svc->ctr, proto == IP_PROTO_UDP ? "raw.rx.send_udp" : "raw.rx.send");
    int rc = net_core_send(ns->core, src, dst, proto, (uint8_t)ttl, df, 0, req->data.data,
                           req->data.len, &id, 1, now);
    if (rc == NET_ERR_NOROUTE) {
        ls_ctl_error(rep, ENETUNREACH, "Network is unreachable");
        return 0;
    }
    if (rc == NET_ERR_MSGSIZE) {
        ls_ctl_error(rep, EMSGSIZE, "message too long, mtu=%u", mtu);
        ls_ctl_kv(rep, "mtu", "%u", mtu);
        return 0;
    }
    if (rc != NET_OK) {
        ls_ctl_error(rep, EINVAL, "raw-send: invalid message");
        return 0;
    }
    char a[16];
    ls_ctl_kv(rep, "src", "%s", ip4_fmt(src, a));
    ls_ctl_kv(rep, "if", "%s", ifn);
    ls_ctl_kv(rep, "ts_ns", "%llu", (unsigned long long)now);
    rep->rep.event = strdup("sent");
    rep->rep.pdu_ids = malloc(sizeof(uint64_t));
    if (rep->rep.pdu_ids) {
        rep->rep.pdu_ids[0] = id;
        rep->rep.n_pdu_ids = 1;
    }
    return 0;
}

static int s_ctl(ls_svc_t *svc, const Ls__CtlRequest *req, ls_ctl_reply_t *rep,
                 const ls_ctl_peer_t *peer, void *arg)
{
    nsvc_t *ns = arg;
    if (strcmp(req->cmd, "table") == 0 && req->n_args >= 1) {
        if (strcmp(req->args[0], "route") == 0) {
            s_route_table(ns, rep);
            return 0;
        }
        if (strcmp(req->args[0], "if") == 0) {
            s_if_table(ns, rep);
            return 0;
        }
        ls_ctl_error(rep, EINVAL, "table: net-svc has 'route' and 'if'");
        return 0;
    }
    if (strcmp(req->cmd, "route-add") == 0)
        return s_route_cmd(ns, req, rep, true);
    if (strcmp(req->cmd, "route-del") == 0)
        return s_route_cmd(ns, req, rep, false);
    if (strcmp(req->cmd, "link") == 0) {
        if (req->n_args != 2 || (strcmp(req->args[1], "up") != 0 && strcmp(req->args[1], "down") != 0)) {
            ls_ctl_error(rep, EINVAL, "link IF up|down");
            return 0;
        }
        if (strcmp(req->args[0], "lo") == 0 || !s_link(ns, req->args[0]) ||
            net_core_set_link(ns->core, req->args[0], strcmp(req->args[1], "up") == 0) < 0) {
            ls_ctl_error(rep, ENODEV, "no interface '%s' on %s", req->args[0], svc->host);
            return 0;
        }
        LS_COUNT(svc->ctr, strcmp(req->args[1], "up") == 0 ? "net.link.up" : "net.link.down");
        ls_ctl_row(rep, "%s %s", req->args[0], req->args[1]);
        return 0;
    }
    if (strcmp(req->cmd, "raw-open") == 0) {
        /* raw-open ICMP_ID | raw-open udp SPORT */
        bool udp = req->n_args == 2 && strcmp(req->args[0], "udp") == 0;
        const char *ka = req->n_args >= 1 ? req->args[udp ? 1 : 0] : "";
        char *end = NULL;
        unsigned long id = strtoul(ka, &end, 0);
        if (req->n_args < 1 || !*ka || !end || *end || id > 0xffff) {
            ls_ctl_error(rep, EINVAL, "raw-open ICMP_ID | raw-open udp SPORT (0..65535)");
            return 0;
        }
        if (netctl_raw_open_proto(&ns->raws, peer, udp ? IP_PROTO_UDP : IP_PROTO_ICMP, (uint16_t)id) < 0) {
            ls_ctl_error(rep, EMFILE, "raw-open: too many raw ICMP listeners");
            return 0;
        }
        s_update_raw(ns);
        LS_COUNT(svc->ctr, "raw.open");
        ls_ctl_kv(rep, "id", "%lu", id);
        rep->rep.event = strdup("opened");
        return 0;
    }
    if (strcmp(req->cmd, "raw-close") == 0) {
        if (netctl_raw_close(&ns->raws, peer) < 0)
            ls_ctl_error(rep, ENOENT, "raw-close: nothing open");
        s_update_raw(ns);
        return 0;
    }
    if (strcmp(req->cmd, "raw-send") == 0)
        return s_raw_send(ns, req, rep);
    if (strcmp(req->cmd, "route-get") == 0) {
        /* `ip route get DST`: what a send to DST would use */
        uint32_t dst, src, mtu, nh;
        char ifn[NET_IFNAMSIZ], a[16], b[16], c[16];
        if (req->n_args != 1 || s_addr_arg(svc, req->args[0], &dst) < 0) {
            ls_ctl_error(rep, EINVAL, "route-get DST");
            return 0;
        }
        if (net_core_route_query(ns->core, dst, &src, ifn, &mtu, &nh) < 0) {
            ls_ctl_error(rep, ENETUNREACH, "Network is unreachable");
            return 0;
        }
        ls_ctl_kv(rep, "src", "%s", ip4_fmt(src, a));
        ls_ctl_kv(rep, "if", "%s", ifn);
        ls_ctl_kv(rep, "mtu", "%u", mtu);
        ls_ctl_kv(rep, "next_hop", "%s", ip4_fmt(nh, b));
        ls_ctl_row(rep, "%s%s%s dev %s src %s mtu %u", ip4_fmt(dst, c), nh != dst ? " via " : "",
                   nh != dst ? b : "", ifn, a, mtu);
        return 0;
    }
    return -1;
}

/* ------------------------------------------------------------ set-up */

static int s_setup(nsvc_t *ns)
{
    ls_svc_t *svc = ns->svc;
    const topo_host_t *h = svc->h;
    net_core_cfg_t cfg = {0};
    cfg.forwarding = h->forward;
    cfg.icmp_rate = (uint32_t)ls_svc_setting_u64(svc, "icmp_ratelimit", ICMP_RL_DEFAULT_RATE);
    cfg.icmp_burst = (uint32_t)ls_svc_setting_u64(svc, "icmp_burst", ICMP_RL_DEFAULT_BURST);
    if (cfg.icmp_rate == 0)
        cfg.icmp_rate = UINT32_MAX; /* 0 in the topology: unlimited */
    cfg.reass.timeout_ns = ls_svc_setting_ns(svc, "ipfrag_time", REASS_DEFAULT_TIMEOUT_NS);
    cfg.default_ttl = (uint8_t)ls_svc_setting_u64(svc, "ip_default_ttl", 64);
    net_core_cb_t cb = {.ctx = ns, .link_tx = s_cb_link_tx, .deliver = s_cb_deliver,
                        .icmp_error_up = s_cb_icmp_error_up, .raw_rx = s_cb_raw_rx,
                        .new_pdu_id = s_cb_pdu_id};
    ns->core = net_core_new(&cfg, &cb, svc->ctr, svc->log);
    if (!ns->core)
        return -1;
    for (size_t i = 0; i < h->niface && ns->nlinks < NET_MAX_IFS - 1; i++) {
        const topo_iface_t *ti = &h->ifaces[i];
        if (net_core_add_if(ns->core, ti->name, ti->addr, ti->prefix_len, ti->mtu) < 0) {
            ls_logf(svc->log, LS_LOG_ERROR, "interface %s: cannot add", ti->name);
            return -1;
        }
        s_link_t *l = &ns->links[ns->nlinks];
        snprintf(l->name, sizeof l->name, "%s", ti->name);
        if (h->layers[TOPO_LAYER_LINK][0]) {
            char ep[400], name[64];
            if (ls_svc_endpoint(svc, svc->host, TOPO_EP_NET_LINK, ti->name, 0, ep, sizeof ep) < 0) {
                ls_logf(svc->log, LS_LOG_ERROR, "endpoint: %s", ep);
                return -1;
            }
            snprintf(name, sizeof name, "net:link@%s", ti->name);
            l->pipe = ls_pipe_new(svc, name, ep, 0, LS__LAYER__NET, LS__DIRECTION__DOWN, s_link_rx, ns);
            if (!l->pipe)
                return -1;
        }
        ns->nlinks++;
    }
    for (size_t i = 0; i < h->nroute; i++) {
        const topo_route_t *r = &h->routes[i];
        const char *dev = r->iface >= 0 && (size_t)r->iface < h->niface ? h->ifaces[r->iface].name : r->dev;
        char d[16];
        if (net_core_route_add(ns->core, r->dst, r->prefix_len, r->gateway, dev, r->metric) < 0)
            ls_logf(svc->log, LS_LOG_WARN, "route %s/%u from the topology: cannot add",
                    ip4_fmt(r->dst, d), r->prefix_len);
    }
    if (h->layers[TOPO_LAYER_TRANSPORT][0]) {
        char ep[400];
        if (ls_svc_endpoint(svc, svc->host, TOPO_EP_TRANSPORT_NET, NULL, 1, ep, sizeof ep) < 0) {
            ls_logf(svc->log, LS_LOG_ERROR, "endpoint: %s", ep);
            return -1;
        }
        ns->upper = ls_pipe_new(svc, "transport:net", ep, 1, LS__LAYER__NET, LS__DIRECTION__UP,
                                s_upper_rx, ns);
        if (!ns->upper)
            return -1;
        net_core_register_proto(ns->core, IP_PROTO_TCP, "tcp");
        net_core_register_proto(ns->core, IP_PROTO_UDP, "udp");
    }
    ls_loop_add_timer(svc->loop, s_deadline, s_fire, ns);
    ls_svc_set_ctl_handler(svc, s_ctl, ns);
    return 0;
}

int nsvc_run(ls_svc_t *svc)
{
    if (!svc->h) {
        ls_logf(svc->log, LS_LOG_ERROR, "net-svc needs --host");
        return 2;
    }
    nsvc_t *ns = calloc(1, sizeof *ns);
    if (!ns)
        return 1;
    ns->svc = svc;
    int rc = 1;
    if (s_setup(ns) == 0 && ls_pipe_ctl_register(svc) == 0 && ls_svc_ready(svc) == 0) {
        ls_loop_run(svc->loop);
        rc = 0;
    }
    for (size_t i = 0; i < ns->nlinks; i++)
        ls_pipe_destroy(&ns->links[i].pipe);
    ls_pipe_destroy(&ns->upper);
    net_core_destroy(&ns->core);
    free(ns);
    return rc;
}
