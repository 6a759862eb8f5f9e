/*
 * switch.c -- link-svc in switch mode: a learning switch that joins several
 * hosts' link-svcs into one Ethernet segment, and writes the segment's pcap.
 *
 * Every link-svc connects a DEALER (identity "<svc>/wire@IF") to this
 * process's ROUTER; each identity is one switch port. The switch is
 * cut-through: it does not check the FCS, so corruption on the wire is
 * caught and counted by the receiving link-svc, as on real Ethernet.
 *
 * Call chain: loop -> s_readable -> ls_env_unpack (counted rejects)
 *   -> s_port (identity -> port; HELLO registers) -> seq tracking
 *   -> switch_table_learn(src) -> switch_table_decide(dst) -> s_send per port
 *   ctl: table mac
 */
#include "link.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "wire/bytes.h"
#include "runtime/env.h"
#include "wire/eth.h"
#include "link-svc/switch_table.h"
#include "runtime/pcap_out.h"
#include "runtime/pipe_ctl.h"

#define SW_MAX_PORTS 64

typedef struct {
    char id[160];
    size_t idlen;
    uint64_t tx_seq;
    ls_seq_t rx_seq;
    uint64_t rx, tx;
} s_port_t;

typedef struct {
    ls_svc_t *svc;
    void *sock;
    switch_table_t *table;
    s_port_t ports[SW_MAX_PORTS];
    unsigned nports;
    ls_pcap_t *pcap;
    uint8_t *buf;
    size_t buf_cap;
} s_sw_t;

static int s_port(s_sw_t *sw, const uint8_t *id, size_t len)
{
    for (unsigned i = 0; i < sw->nports; i++)
        if (sw->ports[i].idlen == len && memcmp(sw->ports[i].id, id, len) == 0)
            return (int)i;
    if (sw->nports >= SW_MAX_PORTS || len >= sizeof sw->ports[0].id)
        return -1;
    s_port_t *p = &sw->ports[sw->nports];
    memset(p, 0, sizeof *p);
    memcpy(p->id, id, len);
    p->idlen = len;
    sw->nports++;
    switch_table_set_ports(sw->table, sw->nports);
    ls_logev(sw->svc->log, LS_LOG_INFO, &(ls_logev_t){.layer = "switch", .ev = "port"}, "port %u = %.*s",
             sw->nports - 1, (int)len, (const char *)id);
    return (int)sw->nports - 1;
}

static void s_send(s_sw_t *sw, unsigned port, Ls__Envelope *env)
{
    s_port_t *p = &sw->ports[port];
    env->seq = ++p->tx_seq;
    env->ts_ns = ls_now_ns();
    env->layer = LS__LAYER__WIRE;
    env->dir = LS__DIRECTION__UP;
    size_t n = ls_env_pack(env, &sw->buf, &sw->buf_cap);
    if (zmq_send(sw->sock, p->id, p->idlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(sw->sock, sw->buf, n, ZMQ_DONTWAIT) < 0) {
        p->tx_seq--;
        ls_drop(sw->svc->log, sw->svc->ctr, &(ls_logev_t){.layer = "switch", .dir = "up", .pdu = env->pdu_id},
                "switch.drop.port_unreachable", "port %u (%s): %s", port, p->id, zmq_strerror(errno));
        return;
    }
    p->tx++;
}

static void s_frame(s_sw_t *sw, unsigned in, Ls__Envelope *env)
{
    ls_svc_t *svc = sw->svc;
    const uint8_t *f = env->pdu.data;
    size_t len = env->pdu.len;
    ls_logev_t ev = {.layer = "switch", .dir = "-", .pdu = env->pdu_id};
    if (len < ETH_HDR_LEN + ETH_FCS_LEN) {
        ls_drop(svc->log, svc->ctr, &ev, "switch.drop.runt", "frame of %zu bytes from port %u", len, in);
        return;
    }
    ls_pcap_write(sw->pcap, f, len - ETH_FCS_LEN);
    const uint8_t *dst = f + ETH_OFF_DST, *src = f + ETH_OFF_SRC;
    uint64_t now = ls_now_ns();
    switch_table_learn(sw->table, src, in, now);
    unsigned out[SW_MAX_PORTS];
    int n = switch_table_decide(sw->table, dst, in, now, out, SW_MAX_PORTS);
    if (n <= 0) {
        if (n == 0)
            ls_logev(svc->log, LS_LOG_PDU, &(ls_logev_t){.layer = "switch", .ev = "filter", .pdu = env->pdu_id},
                     "port %u: destination is on the ingress port; filtered", in);
        return;
    }
    if (svc->log_pdu) {
        char s[18], d[18], ports[256] = "";
        size_t o = 0;
        for (int i = 0; i < n && o + 8 < sizeof ports; i++)
            o += (size_t)snprintf(ports + o, sizeof ports - o, "%s%u", i ? "," : "", out[i]);
        int flood = eth_is_multicast(dst) || n > 1 || switch_table_lookup(sw->table, dst, now, &(unsigned){0}) < 0;
        ev.ev = "forward";
        ls_logev(svc->log, LS_LOG_PDU, &ev, "%s > %s, ethertype 0x%04x, length %zu: port %u -> %s%s", mac_fmt(src, s),
                 mac_fmt(dst, d), rd_be16(f + ETH_OFF_TYPE), len - ETH_FCS_LEN, in, flood ? "flood " : "", ports);
    }
    for (int i = 0; i < n; i++)
        s_send(sw, out[i], env);
}

static int s_readable(ls_loop_t *loop, void *sock, int fd, void *arg)
{
    s_sw_t *sw = arg;
    ls_svc_t *svc = sw->svc;
    for (int b = 0; b < 64; b++) {
        uint8_t id[256];
        int idl = zmq_recv(sock, id, sizeof id, ZMQ_DONTWAIT);
        if (idl < 0)
            break;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            continue;
        }
        Ls__Envelope *env = NULL;
        ls_env_reason_t r = ls_env_unpack(zmq_msg_data(&msg), zmq_msg_size(&msg), &env);
        zmq_msg_close(&msg);
        if (r != LS_ENV_OK) {
            ls_drop(svc->log, svc->ctr, &(ls_logev_t){.layer = "switch"}, ls_env_reason_counter(r),
                    "rejected envelope from %.*s: %s", idl, (const char *)id, ls_env_reason_str(r));
            continue;
        }
        int port = s_port(sw, id, (size_t)(idl > 255 ? 255 : idl));
        if (port < 0) {
            ls_drop(svc->log, svc->ctr, &(ls_logev_t){.layer = "switch"}, "switch.drop.no_port",
                    "no free port for %.*s", idl, (const char *)id);
        } else {
            s_port_t *p = &sw->ports[port];
            p->rx++;
            uint64_t missing = ls_seq_track(&p->rx_seq, env->seq);
            if (missing)
                *ls_counter(svc->ctr, "switch.rx.seq_gap") += missing;
            if (env->kind == LS__KIND__WIRE_FRAME)
                s_frame(sw, (unsigned)port, env);
            else if (env->kind != LS__KIND__HELLO)
                ls_drop(svc->log, svc->ctr, &(ls_logev_t){.layer = "switch", .pdu = env->pdu_id},
                        "switch.drop.unexpected_kind", "a wire carries WIRE_FRAME, got %s", ls_kind_str(env->kind));
        }
        ls_env_free(&env);
    }
    return 0;
}

static uint64_t s_deadline(void *arg) { return switch_table_next_deadline(((s_sw_t *)arg)->table); }
static void s_fire(void *arg, uint64_t now) { switch_table_age(((s_sw_t *)arg)->table, now); }

typedef struct {
    s_sw_t *sw;
    ls_ctl_reply_t *rep;
} s_dump_t;

static void s_mac_row(const uint8_t mac[6], unsigned port, uint64_t age_ns, void *arg)
{
    s_dump_t *d = arg;
    char m[18];
    ls_ctl_row(d->rep, "%-17s  %4u  %-28s %6.1fs", mac_fmt(mac, m), port, port < d->sw->nports ? d->sw->ports[port].id : "?",
               (double)age_ns / 1e9);
}

static int s_ctl(ls_svc_t *svc, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer, void *arg)
{
    s_sw_t *sw = arg;
    if (strcmp(req->cmd, "table") == 0 && req->n_args >= 1 && strcmp(req->args[0], "mac") == 0) {
        ls_ctl_row(rep, "%-17s  %4s  %-28s %7s", "MAC", "PORT", "PEER", "AGE");
        s_dump_t d = {sw, rep};
        switch_table_foreach(sw->table, ls_now_ns(), s_mac_row, &d);
        return 0;
    }
    if (strcmp(req->cmd, "table") == 0 && req->n_args >= 1 && strcmp(req->args[0], "ports") == 0) {
        for (unsigned i = 0; i < sw->nports; i++)
            ls_ctl_row(rep, "%2u %-28s rx %llu tx %llu gaps %llu", i, sw->ports[i].id,
                       (unsigned long long)sw->ports[i].rx, (unsigned long long)sw->ports[i].tx,
                       (unsigned long long)sw->ports[i].rx_seq.gaps);
        return 0;
    }
    return -1;
}

int switch_run(ls_svc_t *svc)
{
    s_sw_t *sw = calloc(1, sizeof *sw);
    if (!sw)
        return 1;
    sw->svc = svc;
    sw->table = switch_table_new(ls_svc_setting_ns(svc, "mac_aging", 300000000000ull), 4096, svc->ctr, svc->log);
    char path[400], err[256];
    snprintf(path, sizeof path, "%s/pcap/%s.pcap", svc->run_dir, svc->segment);
    sw->pcap = ls_pcap_open(path, 1 /* DLT_EN10MB */, err, sizeof err);
    if (!sw->pcap)
        ls_logf(svc->log, LS_LOG_WARN, "pcap disabled: %s", err);
    char ep[400];
    if (ls_svc_endpoint(svc, svc->segment, TOPO_EP_SWITCH, NULL, 1, ep, sizeof ep) < 0) {
        ls_logf(svc->log, LS_LOG_ERROR, "endpoint: %s", ep);
        return 1;
    }
    sw->sock = zmq_socket(svc->zctx, ZMQ_ROUTER);
    int one = 1, zero = 0, hb = 1000, hbt = 3000, hwm = 4096;
    zmq_setsockopt(sw->sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt(sw->sock, ZMQ_ROUTER_HANDOVER, &one, sizeof one);
    zmq_setsockopt(sw->sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(sw->sock, ZMQ_HEARTBEAT_IVL, &hb, sizeof hb);
    zmq_setsockopt(sw->sock, ZMQ_HEARTBEAT_TIMEOUT, &hbt, sizeof hbt);
    zmq_setsockopt(sw->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sw->sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (strncmp(ep, "ipc://", 6) == 0)
        unlink(ep + 6);
    if (zmq_bind(sw->sock, ep) < 0) {
        ls_logf(svc->log, LS_LOG_ERROR, "bind %s: %s", ep, zmq_strerror(errno));
        return 1;
    }
    ls_loop_add_socket(svc->loop, sw->sock, s_readable, sw);
    ls_loop_add_timer(svc->loop, s_deadline, s_fire, sw);
    ls_svc_set_ctl_handler(svc, s_ctl, sw);
    if (ls_pipe_ctl_register(svc) < 0 || ls_svc_ready(svc) < 0)
        return 1;
    ls_loop_run(svc->loop);
    zmq_close(sw->sock);
    ls_pcap_close(&sw->pcap);
    switch_table_destroy(&sw->table);
    free(sw->buf);
    free(sw);
    return 0;
}
