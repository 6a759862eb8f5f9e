/*
 * link.c -- link-svc host mode: Ethernet II (RFC 894), emulated FCS, ARP
 * (RFC 826) with a per-interface cache, and the link side of the envelope
 * primitives (see link.h).
 *
 * Call chain:
 *   down: net:link pipe -> s_upper_rx (LINK_TX) -> arp_cache_resolve
 *         -> s_arp_flush -> s_tx_frame (eth_emit, FCS) -> wire pipe
 *   up:   wire pipe -> s_wire_rx (WIRE_FRAME) -> FCS check -> eth_parse
 *         -> unicast filter -> demux ethertype: ARP -> s_arp_input
 *                                              IPv4 -> LINK_RX to net-svc
 *   ARP give-up -> s_arp_failed -> LINK_RESOLVE_FAILED to net-svc
 *   ctl: table if|arp, arp-del, link IF up|down, arping TARGET [IF]
 */
#include "link.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "link-svc/arp_cache.h"
#include "runtime/pipe.h"
#include "runtime/pipe_ctl.h"

#define LINK_MAX_IF 8
#define ARPING_MAX 16
#define ARPING_WINDOW_NS 2000000000ull /* a request listens this long for replies */

typedef struct link_ctx link_ctx_t;

typedef struct {
    ls_ctl_peer_t peer;
    uint32_t target;
    uint64_t sent_ns;
    uint64_t until_ns;
    int ifindex;
    int active;
} s_arping_t;

typedef struct {
    link_ctx_t *lc;
    int index;
    char name[16];
    uint8_t mac[6];
    uint32_t addr;
    uint8_t prefix_len;
    uint16_t mtu;
    int up;
    ls_pipe_t *upper;
    ls_pipe_t *wire;
    arp_cache_t *arp;
    uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors, tx_packets, tx_bytes, tx_dropped;
    /* set while arp_cache calls back from inside s_upper_rx */
    uint64_t cur_pdu;
} s_if_t;

struct link_ctx {
    ls_svc_t *svc;
    /* per-frame counters, looked up once (the registry keeps them stable) */
    uint64_t *c_eth_tx, *c_eth_rx, *c_rx_from_net;
    s_if_t ifs[LINK_MAX_IF];
    int nifs;
    s_arping_t arpings[ARPING_MAX];
};

static const uint8_t s_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static int s_payload_summary(uint16_t type, const uint8_t *p, size_t n, char *out, size_t cap)
{
    if (type == ETHERTYPE_ARP || type == ETHERTYPE_RARP)
        return arp_summary(p, n, out, cap);
    if (type == ETHERTYPE_IPV4) {
        ipv4_summary(p, n, out, cap);
        return (int)strlen(out); /* eth_summary advances by what was written */
    }
    return -1;
}

/* Frame the payload, append the FCS, send on the wire. */
static int s_tx_frame(s_if_t *ifc, const uint8_t dst[6], uint16_t ethertype, const uint8_t *payload,
                      size_t plen, uint64_t parent)
{
    ls_svc_t *svc = ifc->lc->svc;
    uint8_t frame[ETH_HDR_LEN + 65536 + ETH_FCS_LEN];
    if (plen > ifc->mtu) {
        ifc->tx_dropped++;
        ls_drop(svc->log, svc->ctr, &(ls_logev_t){.layer = "link", .dir = "down", .pdu = parent, .ifname = ifc->name},
                "eth.drop.too_big", "payload %zu bytes exceeds MTU %u", plen, ifc->mtu);
        return -1;
    }
    if (!ifc->up) {
        ifc->tx_dropped++;
        ls_drop(svc->log, svc->ctr, &(ls_logev_t){.layer = "link", .dir = "down", .pdu = parent, .ifname = ifc->name},
                "link.drop.if_down", "interface %s is down", ifc->name);
        return -1;
    }
    eth_repr_t eth;
    memcpy(eth.dst, dst, 6);
    memcpy(eth.src, ifc->mac, 6);
    eth.ethertype = ethertype;
    int n = eth_emit(&eth, payload, plen, frame, sizeof frame - ETH_FCS_LEN);
    if (n < 0)
        return -1;
    uint64_t id = ls_svc_pdu_id(svc);
    if (svc->log_pdu) {
        char sum[512];
        eth_summary(frame, (size_t)n, sum, sizeof sum, s_payload_summary);
        ls_logev(svc->log, LS_LOG_PDU,
                 &(ls_logev_t){.layer = "link", .dir = "down", .ev = "encap", .pdu = id,
                               .parents = parent ? &parent : NULL, .nparents = parent ? 1 : 0, .ifname = ifc->name},
                 "%s", sum);
    }
    int total = eth_fcs_append(frame, (size_t)n, sizeof frame);
    Ls__Envelope env;
    ls_env_setup(&env, LS__KIND__WIRE_FRAME, id, parent ? &parent : NULL, parent ? 1 : 0, frame, (size_t)total);
    if (ls_pipe_send(ifc->wire, &env) < 0) {
        ifc->tx_dropped++;
        return -1;
    }
    ifc->tx_packets++;
    ifc->tx_bytes += (uint64_t)n;
    (*ifc->lc->c_eth_tx)++;
    return 0;
}

static void s_send_arp(s_if_t *ifc, uint16_t op, const uint8_t tha[6], uint32_t tpa, const uint8_t dst[6],
                       uint64_t parent)
{
    arp_repr_t a = {.op = op, .spa = ifc->addr, .tpa = tpa};
    memcpy(a.sha, ifc->mac, 6);
    memcpy(a.tha, tha, 6);
    uint8_t buf[28];
    if (arp_emit(&a, buf, sizeof buf) < 0)
        return;
    LS_COUNT(ifc->lc->svc->ctr, op == 1 ? "arp.tx.request" : "arp.tx.reply");
    s_tx_frame(ifc, dst, ETHERTYPE_ARP, buf, sizeof buf, parent);
}

/* ---- arp_cache callbacks ---- */

static void s_arp_request(void *ctx, uint32_t ip)
{
    s_if_t *ifc = ctx;
    static const uint8_t zero[6] = {0};
    s_send_arp(ifc, 1, zero, ip, s_bcast, ifc->cur_pdu);
}

static void s_arp_flush(void *ctx, uint32_t ip, const uint8_t mac[6], const uint8_t *pdu, size_t len,
                        uint64_t pdu_id, const uint64_t *parents, size_t np)
{
    s_tx_frame(ctx, mac, ETHERTYPE_IPV4, pdu, len, pdu_id);
}

static void s_arp_failed(void *ctx, uint32_t ip, const uint8_t *pdu, size_t len, uint64_t pdu_id,
                         const uint64_t *parents, size_t np)
{
    s_if_t *ifc = ctx;
    ls_svc_t *svc = ifc->lc->svc;
    char a[16];
    ls_logev(svc->log, LS_LOG_PDU,
             &(ls_logev_t){.layer = "link", .dir = "up", .ev = "resolve-failed", .pdu = pdu_id, .ifname = ifc->name},
             "ARP gave up on %s; datagram handed back to net", ip4_fmt(ip, a));
    Ls__Envelope env;
    Ls__LinkResolveFailed rf = LS__LINK_RESOLVE_FAILED__INIT;
    rf.ifname = ifc->name;
    rf.next_hop = ip;
    ls_env_setup(&env, LS__KIND__LINK_RESOLVE_FAILED, pdu_id, NULL, 0, pdu, len);
    env.link_resolve_failed = &rf;
    ls_pipe_send(ifc->upper, &env);
}

/* ---- down: from net-svc ---- */

static void s_upper_rx(ls_pipe_t *pipe, Ls__Envelope *env, void *arg)
{
    s_if_t *ifc = arg;
    ls_svc_t *svc = ifc->lc->svc;
    if (env->kind == LS__KIND__HELLO)
        return;
    if (env->kind != LS__KIND__LINK_TX) {
        ls_drop(svc->log, svc->ctr, &(ls_logev_t){.layer = "link", .dir = "down", .pdu = env->pdu_id, .ifname = ifc->name},
                "link.drop.unexpected_kind", "net:link carries LINK_TX, got %s", ls_kind_str(env->kind));
        return;
    }
    const Ls__LinkTx *tx = env->link_tx;
    if (strcmp(tx->ifname, ifc->name) != 0) {
        ls_drop(svc->log, svc->ctr, &(ls_logev_t){.layer = "link", .dir = "down", .pdu = env->pdu_id, .ifname = ifc->name},
                "link.drop.wrong_if", "LINK_TX for %s arrived on the pipe of %s", tx->ifname, ifc->name);
        return;
    }
    (*ifc->lc->c_rx_from_net)++;
    uint32_t bcast = ifc->addr | (ifc->prefix_len >= 32 ? 0 : (0xffffffffu >> ifc->prefix_len));
    if (tx->next_hop == 0xffffffffu || tx->next_hop == bcast) {
        s_tx_frame(ifc, s_bcast, (uint16_t)tx->ethertype, env->pdu.data, env->pdu.len, env->pdu_id);
        return;
    }
    if (!ifc->up) {
        ifc->tx_dropped++;
        ls_drop(svc->log, svc->ctr, &(ls_logev_t){.layer = "link", .dir = "down", .pdu = env->pdu_id, .ifname = ifc->name},
                "link.drop.if_down", "interface %s is down", ifc->name);
        return;
    }
    ifc->cur_pdu = env->pdu_id;
    arp_cache_resolve(ifc->arp, tx->next_hop, ls_now_ns(), env->pdu.data, env->pdu.len, env->pdu_id, NULL, 0);
    ifc->cur_pdu = 0;
}

/* ---- up: from the wire ---- */

static void s_arping_reply(link_ctx_t *lc, s_if_t *ifc, const arp_repr_t *a, uint64_t now)
{
    for (int i = 0; i < ARPING_MAX; i++) {
        s_arping_t *s = &lc->arpings[i];
        if (!s->active || s->target != a->spa || s->ifindex != ifc->index)
            continue;
        if (now > s->until_ns) {
            s->active = 0;
            continue;
        }
        ls_ctl_reply_t rep;
        ls_ctl_reply_init(&rep);
        char ip[16], mac[18];
        rep.rep.event = strdup("arp-reply");
        ls_ctl_kv(&rep, "from", "%s", ip4_fmt(a->spa, ip));
        ls_ctl_kv(&rep, "mac", "%s", mac_fmt(a->sha, mac));
        ls_ctl_kv(&rep, "if", "%s", ifc->name);
        ls_ctl_kv(&rep, "rtt_us", "%.3f", (double)(now - s->sent_ns) / 1000.0);
        ls_svc_ctl_send(lc->svc, &s->peer, &rep);
        ls_ctl_reply_fini(&rep);
    }
}

static void s_arp_input(s_if_t *ifc, const uint8_t *p, size_t n, uint64_t frame_id, uint64_t now)
{
    ls_svc_t *svc = ifc->lc->svc;
    arp_repr_t a;
    int r = arp_parse(p, n, &a);
    if (r != 0) {
        char ctr[48];
        snprintf(ctr, sizeof ctr, "arp.drop.%s", r == 1 ? "truncated" : "malformed");
        ls_drop(svc->log, svc->ctr, &(ls_logev_t){.layer = "link", .dir = "up", .pdu = frame_id, .ifname = ifc->name},
                ctr, "ARP: %s", arp_reason_str(r));
        return;
    }
    if (a.op == 3 || a.op == 4) {
        /* RFC 903 RARP: parsed and logged, not served */
        char sum[160];
        arp_repr_summary(&a, sum, sizeof sum);
        LS_COUNT(svc->ctr, "arp.rx.rarp_not_served");
        ls_logev(svc->log, LS_LOG_PDU,
                 &(ls_logev_t){.layer = "link", .dir = "up", .ev = "rarp", .pdu = frame_id, .ifname = ifc->name},
                 "%s (RARP is not served)", sum);
        return;
    }
    LS_COUNT(svc->ctr, a.op == 1 ? "arp.rx.request" : "arp.rx.reply");
    /* RFC 826 "Packet Reception": merge if we have the sender, add it only
     * when we are the target. */
    int for_us = a.tpa == ifc->addr;
    if (a.spa != 0)
        arp_cache_update(ifc->arp, a.spa, a.sha, now, for_us);
    if (a.op == 1 && for_us && a.spa != a.tpa)
        s_send_arp(ifc, 2, a.sha, a.spa, a.sha, frame_id);
    if (a.op == 2)
        s_arping_reply(ifc->lc, ifc, &a, now);
}

static void s_wire_rx(ls_pipe_t *pipe, Ls__Envelope *env, void *arg)
{
    s_if_t *ifc = arg;
    ls_svc_t *svc = ifc->lc->svc;
    uint64_t now = ls_now_ns();
    if (env->kind != LS__KIND__WIRE_FRAME) {
        if (env->kind != LS__KIND__HELLO)
            ls_drop(svc->log, svc->ctr, &(ls_logev_t){.layer = "link", .dir = "up", .pdu = env->pdu_id, .ifname = ifc->name},
                    "link.drop.unexpected_kind", "wire carries WIRE_FRAME, got %s", ls_kind_str(env->kind));
        return;
    }
    ls_logev_t ev = {.layer = "link", .dir = "up", .pdu = env->pdu_id, .ifname = ifc->name};
    if (!ifc->up) {
        ifc->rx_dropped++;
        ls_drop(svc->log, svc->ctr, &ev, "link.drop.if_down", "interface %s is down", ifc->name);
        return;
    }
    const uint8_t *f = env->pdu.data;
    size_t flen = env->pdu.len;
    /* IEEE 802.3 FCS: corruption anywhere in the frame is caught here */
    if (flen < ETH_HDR_LEN + ETH_FCS_LEN || eth_fcs_check(f, flen) != 0) {
        ifc->rx_errors++;
        ls_drop(svc->log, svc->ctr, &ev, "eth.drop.bad_fcs", "frame of %zu bytes fails its FCS", flen);
        return;
    }
    flen -= ETH_FCS_LEN;
    eth_repr_t eth;
    int r = eth_parse(f, flen, &eth);
    if (r == ETH_ERR_TRUNCATED || r == ETH_ERR_LLC_LENGTH) {
        ifc->rx_errors++;
        ls_drop(svc->log, svc->ctr, &ev, r == ETH_ERR_TRUNCATED ? "eth.drop.truncated" : "eth.drop.not_ethernet_ii",
                "%s", eth_reason_str(r));
        return;
    }
    int bcast = eth_is_broadcast(eth.dst), mcast = !bcast && eth_is_multicast(eth.dst);
    if (!bcast && !mcast && memcmp(eth.dst, ifc->mac, 6) != 0) {
        char d[18];
        ifc->rx_dropped++;
        ls_drop(svc->log, svc->ctr, &ev, "eth.drop.not_for_us", "unicast for %s, we are %s", mac_fmt(eth.dst, d),
                mac_fmt(ifc->mac, (char[18]){0}));
        return;
    }
    ifc->rx_packets++;
    ifc->rx_bytes += flen;
    (*ifc->lc->c_eth_rx)++;
    if (svc->log_pdu) {
        char sum[512];
        eth_summary(f, flen, sum, sizeof sum, s_payload_summary);
        ev.ev = "decap";
        ls_logev(svc->log, LS_LOG_PDU, &ev, "%s", sum);
    }
    const uint8_t *p = f + ETH_HDR_LEN;
    size_t plen = flen - ETH_HDR_LEN;
    if (eth.ethertype == ETHERTYPE_ARP || eth.ethertype == ETHERTYPE_RARP) {
        ev.ev = "demux";
        ls_logev(svc->log, LS_LOG_PDU, &ev, "ethertype 0x%04x -> %s", eth.ethertype,
                 eth.ethertype == ETHERTYPE_ARP ? "arp" : "rarp");
        s_arp_input(ifc, p, plen, env->pdu_id, now);
        return;
    }
    if (eth.ethertype != ETHERTYPE_IPV4) {
        ifc->rx_dropped++;
        ls_drop(svc->log, svc->ctr, &ev, "eth.drop.unknown_ethertype", "ethertype 0x%04x has no receiver",
                eth.ethertype);
        return;
    }
    ev.ev = "demux";
    uint64_t id = ls_svc_pdu_id(svc);
    if (svc->log_pdu) /* ls_pdu_fmt is an snprintf: only when the line is written */
        ls_logev(svc->log, LS_LOG_PDU, &ev, "ethertype 0x0800 -> ipv4 (to net-svc as %s)", ls_pdu_fmt(id, (char[18]){0}));
    Ls__Envelope up;
    Ls__LinkRx rx = LS__LINK_RX__INIT;
    rx.ifname = ifc->name;
    rx.src_mac = (ProtobufCBinaryData){6, eth.src};
    rx.dst_mac = (ProtobufCBinaryData){6, eth.dst};
    rx.ethertype = eth.ethertype;
    rx.link_bcast = bcast;
    rx.link_mcast = mcast;
    uint64_t parent = env->pdu_id;
    /* padding is passed up: IP trims by its total length (RFC 894) */
    ls_env_setup(&up, LS__KIND__LINK_RX, id, &parent, 1, p, plen);
    up.link_rx = &rx;
    ls_pipe_send(ifc->upper, &up);
}

/* ---- timers ---- */

static uint64_t s_deadline(void *arg)
{
    link_ctx_t *lc = arg;
    uint64_t d = UINT64_MAX;
    for (int i = 0; i < lc->nifs; i++) {
        uint64_t t = arp_cache_next_deadline(lc->ifs[i].arp);
        if (t < d)
            d = t;
    }
    return d;
}

static void s_fire(void *arg, uint64_t now)
{
    link_ctx_t *lc = arg;
    for (int i = 0; i < lc->nifs; i++)
        arp_cache_poll(lc->ifs[i].arp, now);
}

/* ---- control ---- */

static const char *s_name_of(link_ctx_t *lc, uint32_t ip)
{
    const topo_t *t = lc->svc->topo;
    for (size_t i = 0; i < t->nhost; i++)
        for (size_t j = 0; j < t->hosts[i].niface; j++)
            if (t->hosts[i].ifaces[j].addr == ip)
                return t->hosts[i].name;
    return "?";
}

typedef struct {
    link_ctx_t *lc;
    s_if_t *ifc;
    ls_ctl_reply_t *rep;
} s_arp_dump_t;

static void s_arp_row(const arp_cache_info_t *e, void *arg)
{
    s_arp_dump_t *d = arg;
    char ip[16], mac[18];
    if (e->state == ARP_CACHE_INCOMPLETE)
        ls_ctl_row(d->rep, "%s (%s) at <incomplete> on %s  INCOMPLETE retries %u waiting %zu", s_name_of(d->lc, e->ip),
                   ip4_fmt(e->ip, ip), d->ifc->name, e->retries, e->npending);
    else
        ls_ctl_row(d->rep, "%s (%s) at %s [ether] on %s  %s %.0fs", s_name_of(d->lc, e->ip), ip4_fmt(e->ip, ip),
                   mac_fmt(e->mac, mac), d->ifc->name, arp_cache_state_str(e->state), (double)e->age_ns / 1e9);
}

static s_if_t *s_find_if(link_ctx_t *lc, const char *name)
{
    for (int i = 0; i < lc->nifs; i++)
        if (strcmp(lc->ifs[i].name, name) == 0)
            return &lc->ifs[i];
    return NULL;
}

static void s_ifconfig(link_ctx_t *lc, s_if_t *ifc, ls_ctl_reply_t *rep)
{
    char a[16], m[16], b[16], mac[18];
    uint32_t mask = ifc->prefix_len ? 0xffffffffu << (32 - ifc->prefix_len) : 0;
    ls_ctl_row(rep, "%s: flags=%s<%sBROADCAST,MULTICAST>  mtu %u", ifc->name, ifc->up ? "4163" : "4098",
               ifc->up ? "UP,RUNNING," : "", ifc->mtu);
    ls_ctl_row(rep, "        inet %s  netmask %s  broadcast %s", ip4_fmt(ifc->addr, a), ip4_fmt(mask, m),
               ip4_fmt(ifc->addr | ~mask, b));
    ls_ctl_row(rep, "        ether %s  txqueuelen 1000  (Ethernet)", mac_fmt(ifc->mac, mac));
    ls_ctl_row(rep, "        RX packets %llu  bytes %llu", (unsigned long long)ifc->rx_packets,
               (unsigned long long)ifc->rx_bytes);
    ls_ctl_row(rep, "        RX errors %llu  dropped %llu", (unsigned long long)ifc->rx_errors,
               (unsigned long long)ifc->rx_dropped);
    ls_ctl_row(rep, "        TX packets %llu  bytes %llu", (unsigned long long)ifc->tx_packets,
               (unsigned long long)ifc->tx_bytes);
    ls_ctl_row(rep, "        TX errors 0  dropped %llu", (unsigned long long)ifc->tx_dropped);
    ls_ctl_row(rep, "%s", "");
}

static int s_ctl(ls_svc_t *svc, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer, void *arg)
{
    link_ctx_t *lc = arg;
    if (strcmp(req->cmd, "table") == 0 && req->n_args >= 1) {
        if (strcmp(req->args[0], "if") == 0) {
            for (int i = 0; i < lc->nifs; i++)
                s_ifconfig(lc, &lc->ifs[i], rep);
            return 0;
        }
        if (strcmp(req->args[0], "arp") == 0) {
            for (int i = 0; i < lc->nifs; i++) {
                s_arp_dump_t d = {lc, &lc->ifs[i], rep};
                arp_cache_foreach(lc->ifs[i].arp, ls_now_ns(), s_arp_row, &d);
            }
            if (rep->rep.n_rows == 0)
                ls_ctl_row(rep, "(ARP cache empty)");
            return 0;
        }
        ls_ctl_error(rep, EINVAL, "table: link-svc has 'if' and 'arp'");
        return 0;
    }
    if (strcmp(req->cmd, "arp-del") == 0 && req->n_args == 1) {
        uint32_t ip;
        if (ip4_parse(req->args[0], &ip) < 0 && topo_resolve_name(svc->topo, req->args[0], &ip) < 0) {
            ls_ctl_error(rep, EINVAL, "arp -d: '%s' is not an address", req->args[0]);
            return 0;
        }
        int found = 0;
        for (int i = 0; i < lc->nifs; i++)
            found |= arp_cache_delete(lc->ifs[i].arp, ip) == 0;
        if (!found)
            ls_ctl_error(rep, ENOENT, "arp -d %s: no entry", req->args[0]);
        else
            ls_ctl_row(rep, "deleted %s", req->args[0]);
        return 0;
    }
    if (strcmp(req->cmd, "link") == 0 && req->n_args == 2) {
        s_if_t *ifc = s_find_if(lc, req->args[0]);
        if (!ifc) {
            ls_ctl_error(rep, ENODEV, "no interface '%s' on %s", req->args[0], svc->host);
            return 0;
        }
        ifc->up = strcmp(req->args[1], "up") == 0;
        ls_logev(svc->log, LS_LOG_INFO, &(ls_logev_t){.layer = "link", .ev = "state", .ifname = ifc->name},
                 "link %s %s", ifc->name, ifc->up ? "up" : "down");
        return 0;
    }
    if (strcmp(req->cmd, "arping") == 0 && req->n_args >= 1) {
        uint32_t target;
        if (ip4_parse(req->args[0], &target) < 0 && topo_resolve_name(svc->topo, req->args[0], &target) < 0) {
            ls_ctl_error(rep, EINVAL, "arping: '%s' is not an address or host name", req->args[0]);
            return 0;
        }
        s_if_t *ifc = NULL;
        if (req->n_args >= 2) {
            ifc = s_find_if(lc, req->args[1]);
        } else {
            for (int i = 0; i < lc->nifs && !ifc; i++) {
                uint32_t mask = lc->ifs[i].prefix_len ? 0xffffffffu << (32 - lc->ifs[i].prefix_len) : 0;
                if ((target & mask) == (lc->ifs[i].addr & mask))
                    ifc = &lc->ifs[i];
            }
        }
        if (!ifc) {
            ls_ctl_error(rep, ENETUNREACH, "arping: %s is on no connected network of %s", req->args[0], svc->host);
            return 0;
        }
        uint64_t now = ls_now_ns();
        int slot = -1;
        for (int i = 0; i < ARPING_MAX; i++)
            if (!lc->arpings[i].active || now > lc->arpings[i].until_ns ||
                (lc->arpings[i].peer.len == peer->len && memcmp(lc->arpings[i].peer.id, peer->id, peer->len) == 0)) {
                slot = i;
                break;
            }
        if (slot < 0) {
            ls_ctl_error(rep, EBUSY, "arping: too many sessions");
            return 0;
        }
        lc->arpings[slot] = (s_arping_t){.peer = *peer, .target = target, .sent_ns = now,
                                         .until_ns = now + ARPING_WINDOW_NS, .ifindex = ifc->index, .active = 1};
        static const uint8_t zero[6] = {0};
        s_send_arp(ifc, 1, zero, target, s_bcast, 0);
        char a[16], mac[18];
        ls_ctl_kv(rep, "if", "%s", ifc->name);
        ls_ctl_kv(rep, "src", "%s", ip4_fmt(ifc->addr, a));
        ls_ctl_kv(rep, "mac", "%s", mac_fmt(ifc->mac, mac));
        rep->rep.event = strdup("sent");
        return 0;
    }
    return -1;
}

int link_run(ls_svc_t *svc)
{
    link_ctx_t *lc = calloc(1, sizeof *lc);
    if (!lc)
        return 1;
    lc->svc = svc;
    lc->c_eth_tx = ls_counter(svc->ctr, "eth.tx.frames");
    lc->c_eth_rx = ls_counter(svc->ctr, "eth.rx.frames");
    lc->c_rx_from_net = ls_counter(svc->ctr, "link.rx_from_net");
    const topo_host_t *h = svc->h;
    arp_cache_cfg_t cfg = arp_cache_cfg_default();
    cfg.timeout_ns = ls_svc_setting_ns(svc, "arp_timeout", cfg.timeout_ns);
    cfg.reachable_ns = ls_svc_setting_ns(svc, "arp_reachable", cfg.reachable_ns);
    cfg.retry_ns = ls_svc_setting_ns(svc, "arp_retry", cfg.retry_ns);
    cfg.max_retries = (unsigned)ls_svc_setting_u64(svc, "arp_retries", cfg.max_retries);
    for (size_t i = 0; i < h->niface && lc->nifs < LINK_MAX_IF; i++) {
        const topo_iface_t *ti = &h->ifaces[i];
        s_if_t *ifc = &lc->ifs[lc->nifs];
        ifc->lc = lc;
        ifc->index = lc->nifs;
        snprintf(ifc->name, sizeof ifc->name, "%s", ti->name);
        memcpy(ifc->mac, ti->mac, 6);
        ifc->addr = ti->addr;
        ifc->prefix_len = ti->prefix_len;
        ifc->mtu = ti->mtu;
        ifc->up = 1;
        arp_cache_cb_t cb = {s_arp_request, s_arp_flush, s_arp_failed};
        ifc->arp = arp_cache_new(&cfg, &cb, ifc, svc->ctr, svc->log, ifc->name);
        char ep[400], name[64];
        if (ls_svc_endpoint(svc, svc->host, TOPO_EP_NET_LINK, ifc->name, 1, ep, sizeof ep) < 0) {
            ls_logf(svc->log, LS_LOG_ERROR, "endpoint: %s", ep);
            return 1;
        }
        snprintf(name, sizeof name, "net:link@%s", ifc->name);
        ifc->upper = ls_pipe_new(svc, name, ep, 1, LS__LAYER__LINK, LS__DIRECTION__UP, s_upper_rx, ifc);
        const char *seg = svc->topo->segments[ti->segment].name;
        if (ls_svc_endpoint(svc, seg, TOPO_EP_SWITCH, NULL, 0, ep, sizeof ep) < 0) {
            ls_logf(svc->log, LS_LOG_ERROR, "endpoint: %s", ep);
            return 1;
        }
        snprintf(name, sizeof name, "wire@%s", ifc->name);
        ifc->wire = ls_pipe_new(svc, name, ep, 0, LS__LAYER__WIRE, LS__DIRECTION__DOWN, s_wire_rx, ifc);
        if (!ifc->upper || !ifc->wire)
            return 1;
        lc->nifs++;
    }
    ls_loop_add_timer(svc->loop, s_deadline, s_fire, lc);
    ls_svc_set_ctl_handler(svc, s_ctl, lc);
    if (ls_pipe_ctl_register(svc) < 0 || ls_svc_ready(svc) < 0)
        return 1;
    /* gratuitous ARP at start-up (RFC 5227 announcement): neighbours that
     * cache us update their entry, e.g. after this service restarted */
    for (int i = 0; i < lc->nifs; i++) {
        static const uint8_t zero[6] = {0};
        s_send_arp(&lc->ifs[i], 1, zero, lc->ifs[i].addr, s_bcast, 0);
        LS_COUNT(svc->ctr, "arp.tx.gratuitous");
    }
    ls_loop_run(svc->loop);
    for (int i = 0; i < lc->nifs; i++) {
        ls_pipe_destroy(&lc->ifs[i].upper);
        ls_pipe_destroy(&lc->ifs[i].wire);
        arp_cache_destroy(&lc->ifs[i].arp);
    }
    free(lc);
    return 0;
}
