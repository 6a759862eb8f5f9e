/*
 * fake-net -- a stand-in for net-svc, used to test link-svc on its own.
 *
 * The topology names it as a host's net layer (`layers: {net: fake-net}`),
 * which is the first use of swapping a layer: it speaks only the contract
 * in proto/. It connects to each interface's net:link pipe and:
 *   ctl "send DST TEXT [IF]" -> an IPv4 datagram (protocol 253, RFC 3692
 *       experimental) carrying TEXT, as LINK_TX with next hop DST;
 *   LINK_RX                   -> validated with ipv4_parse, counted and
 *       logged as ev "deliver" with the text; ctl "last" returns it;
 *   LINK_RESOLVE_FAILED       -> counted and logged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "wire/ipv4.h"
#include "runtime/pipe.h"
#include "runtime/svc.h"
#include "runtime/pipe_ctl.h"

#define FAKE_MAX_IF 8

typedef struct {
    ls_svc_t *svc;
    ls_pipe_t *pipes[FAKE_MAX_IF];
    char ifnames[FAKE_MAX_IF][16];
    uint32_t addrs[FAKE_MAX_IF];
    int n;
    char last[256];
    uint16_t ip_id;
} s_fake_t;

static void s_rx(ls_pipe_t *pipe, Ls__Envelope *env, void *arg)
{
    s_fake_t *f = arg;
    ls_svc_t *svc = f->svc;
    ls_logev_t ev = {.layer = "net", .dir = "up", .pdu = env->pdu_id, .parents = env->parent_ids,
                     .nparents = env->n_parent_ids};
    if (env->kind == LS__KIND__LINK_RESOLVE_FAILED) {
        char a[16];
        LS_COUNT(svc->ctr, "fake.rx.resolve_failed");
        ev.ev = "resolve-failed";
        ls_logev(svc->log, LS_LOG_PDU, &ev, "link could not resolve %s",
                 ip4_fmt(env->link_resolve_failed->next_hop, a));
        return;
    }
    if (env->kind != LS__KIND__LINK_RX)
        return;
    ipv4_repr_t ip;
    int r = ipv4_parse(env->pdu.data, env->pdu.len, &ip);
    if (r != 0) {
        ls_drop(svc->log, svc->ctr, &ev, ipv4_reason_counter(r), "%s", ipv4_reason_str(r));
        return;
    }
    size_t plen = ip.total_len - ip.hdr_len;
    snprintf(f->last, sizeof f->last, "%.*s", (int)plen, (const char *)env->pdu.data + ip.hdr_len);
    LS_COUNT(svc->ctr, "fake.rx.datagram");
    ev.ev = "deliver";
    ev.ifname = env->link_rx->ifname;
    char s[16], d[16];
    ls_logev(svc->log, LS_LOG_PDU, &ev, "%s > %s proto %u: \"%s\" (%zu bytes incl. %zu padding)",
             ip4_fmt(ip.src, s), ip4_fmt(ip.dst, d), ip.proto, f->last, env->pdu.len,
             env->pdu.len - ip.total_len);
}

static int s_ctl(ls_svc_t *svc, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer, void *arg)
{
    s_fake_t *f = arg;
    if (strcmp(req->cmd, "last") == 0) {
        ls_ctl_kv(rep, "last", "%s", f->last);
        return 0;
    }
    if (strcmp(req->cmd, "send") != 0)
        return -1;
    uint32_t dst;
    if (req->n_args < 2 || ip4_parse(req->args[0], &dst) < 0) {
        ls_ctl_error(rep, EINVAL, "usage: send DST TEXT [IF]");
        return 0;
    }
    int k = 0;
    if (req->n_args >= 3)
        for (k = 0; k < f->n && strcmp(f->ifnames[k], req->args[2]) != 0; k++)
            ;
    if (k >= f->n) {
        ls_ctl_error(rep, ENODEV, "no such interface");
        return 0;
    }
    const char *text = req->args[1];
    size_t tl = strlen(text);
    uint8_t dgram[512];
    if (tl > sizeof dgram - 20)
        tl = sizeof dgram - 20;
    ipv4_repr_t ip = {.ttl = 64, .proto = 253, .total_len = (uint16_t)(20 + tl), .id = ++f->ip_id,
                      .src = f->addrs[k], .dst = dst, .hdr_len = 20};
    if (ipv4_emit(&ip, dgram, sizeof dgram) < 0) {
        ls_ctl_error(rep, EINVAL, "cannot build the datagram");
        return 0;
    }
    memcpy(dgram + 20, text, tl);
    uint64_t id = ls_svc_pdu_id(svc);
    char s[16], d[16];
    ls_logev(svc->log, LS_LOG_PDU, &(ls_logev_t){.layer = "net", .dir = "down", .ev = "encap", .pdu = id,
                                                .ifname = f->ifnames[k]},
             "IP %s > %s: proto 253, length %zu: \"%s\"", ip4_fmt(ip.src, s), ip4_fmt(dst, d), 20 + tl, text);
    Ls__Envelope env;
    Ls__LinkTx tx = LS__LINK_TX__INIT;
    tx.ifname = f->ifnames[k];
    tx.next_hop = dst;
    tx.ethertype = 0x0800;
    ls_env_setup(&env, LS__KIND__LINK_TX, id, NULL, 0, dgram, 20 + tl);
    env.link_tx = &tx;
    if (ls_pipe_send(f->pipes[k], &env) < 0)
        ls_ctl_error(rep, EAGAIN, "pipe to link-svc is full or absent");
    else
        ls_ctl_kv(rep, "pdu", "%s", ls_pdu_fmt(id, (char[18]){0}));
    return 0;
}

int main(int argc, char **argv)
{
    ls_svc_t svc;
    char err[1024];
    int rc = ls_svc_init(&svc, argc, argv, "net", "usage: fake-net --topology FILE --host HOST [--run-dir DIR]",
                         err, sizeof err);
    if (rc != 0) {
        fprintf(rc > 0 ? stdout : stderr, "%s\n", err);
        return rc > 0 ? 0 : 2;
    }
    s_fake_t f = {.svc = &svc};
    for (size_t i = 0; i < svc.h->niface && f.n < FAKE_MAX_IF; i++) {
        char ep[400], name[64];
        snprintf(f.ifnames[f.n], sizeof f.ifnames[0], "%s", svc.h->ifaces[i].name);
        f.addrs[f.n] = svc.h->ifaces[i].addr;
        if (ls_svc_endpoint(&svc, svc.host, TOPO_EP_NET_LINK, f.ifnames[f.n], 0, ep, sizeof ep) < 0)
            return 1;
        snprintf(name, sizeof name, "net:link@%s", f.ifnames[f.n]);
        f.pipes[f.n] = ls_pipe_new(&svc, name, ep, 0, LS__LAYER__NET, LS__DIRECTION__DOWN, s_rx, &f);
        if (!f.pipes[f.n])
            return 1;
        f.n++;
    }
    ls_svc_set_ctl_handler(&svc, s_ctl, &f);
    if (ls_pipe_ctl_register(&svc) < 0 || ls_svc_ready(&svc) < 0)
        return 1;
    ls_loop_run(svc.loop);
    for (int i = 0; i < f.n; i++)
        ls_pipe_destroy(&f.pipes[i]);
    ls_svc_fini(&svc);
    return 0;
}
