/*
 * pipe.c -- envelope pipes over ZeroMQ DEALER sockets (see pipe.h).
 *
 * Send path:  ls_pipe_send -> stamp (version, layer, dir) -> [out fault set]
 *             -> s_transmit (seq, ts, capture, pack, zmq_send DONTWAIT) | counted drop
 * Recv path:  loop -> s_readable (batch of up to 64) -> ls_env_unpack (counted
 *             rejects) -> ls_seq_track (gap counters) -> capture -> [in fault set] -> rx_fn
 * Delays:     loop timer (one per service, registered on the first fault set)
 *             -> s_svc_fire -> fault_set_poll on every pipe -> s_emit_out / s_emit_in
 * Control:    orchestrator/fault_place.c finds pipes with ls_pipe_find/first/next and
 *             edits their sets through ls_pipe_faults (stackctl fault ...).
 *
 * A faulted PDU travels through the fault engine as its pdu bytes plus an
 * opaque blob: the envelope packed without its pdu (s_meta_t). A surviving
 * copy is rebuilt from the blob and the (possibly corrupted) bytes.
 */
#include "runtime/pipe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "wire/bytes.h"
#include "wire/ipv4.h"
#include "runtime/pcap_out.h"
#include "wire/tcp_wire.h"
#include "wire/udp.h"

#define LS_PIPE_HWM 4096
#define LS_PIPE_BATCH 64
#define LS_PIPE_META_MAX 1022 /* packed envelope without pdu; larger ones bypass faults */
#define LS_PIPE_DLT_RAW 12    /* libpcap DLT_RAW: files carry LINKTYPE_RAW (101) */

enum { S_OUT = 0, S_IN = 1 };

/* The opaque blob the fault engine keeps with every stored copy. */
typedef struct {
    uint16_t len;
    uint8_t bytes[LS_PIPE_META_MAX];
} s_meta_t;

struct ls_pipe {
    ls_svc_t *svc;
    struct ls_pipe *next; /* svc->pipes list */
    char name[64];
    char ifname[16];      /* after '@' in the name, or "" */
    void *sock;
    Ls__Layer layer;
    Ls__Direction out_dir;
    uint64_t tx_seq;
    ls_seq_t rx_seq;
    ls_pipe_rx_fn fn;
    void *arg;
    uint8_t *buf;
    size_t buf_cap;
    fault_set_t *fs[2];   /* [S_OUT] what this end sends, [S_IN] what it receives */
    ls_pcap_t *pcap;
    char ctr_tx_full[96], ctr_tx[96], ctr_rx[96], ctr_gap[96];
    uint64_t *c_tx, *c_rx; /* per-message counters: looked up on first use only */
};

void ls_env_setup(Ls__Envelope *env, Ls__Kind kind, uint64_t pdu_id, const uint64_t *parents,
                  size_t nparents, const uint8_t *pdu, size_t len)
{
    ls__envelope__init(env);
    env->kind = kind;
    env->pdu_id = pdu_id;
    env->parent_ids = (uint64_t *)parents;
    env->n_parent_ids = nparents;
    if (pdu) {
        env->has_pdu = 1;
        env->pdu.data = (uint8_t *)pdu;
        env->pdu.len = len;
    }
}

/* ---- fault kinds and capture bytes (pure) ---- */

int ls_pipe_fault_kind(const Ls__Envelope *env, fault_pdu_kind_t *kind, uint8_t *proto)
{
    *proto = 0;
    if (!env->has_pdu || env->pdu.len == 0)
        return -1;
    switch (env->kind) {
    case LS__KIND__WIRE_FRAME:
        *kind = FAULT_PDU_ETH; /* the FCS trails; filters go by the IPv4 total length */
        return 0;
    case LS__KIND__LINK_TX:
    case LS__KIND__LINK_RX:
    case LS__KIND__LINK_RESOLVE_FAILED:
    case LS__KIND__NET_DELIVER:
    case LS__KIND__NET_ICMP_ERROR:
    case LS__KIND__NET_SEND_ICMP_ERROR:
        *kind = FAULT_PDU_IPV4;
        return 0;
    case LS__KIND__NET_TX:
        if (!env->net_tx)
            return -1;
        *kind = FAULT_PDU_L4;
        *proto = (uint8_t)env->net_tx->protocol;
        return 0;
    case LS__KIND__SOCK_OP:
    case LS__KIND__SOCK_EVENT: {
        /* only the payload-carrying primitives (SEND, DATA) have pdu bytes */
        uint32_t p = env->kind == LS__KIND__SOCK_OP ? env->sock_op->protocol : env->sock_event->protocol;
        *kind = FAULT_PDU_DNS;
        *proto = p == IP_PROTO_TCP ? IP_PROTO_TCP : IP_PROTO_UDP;
        return 0;
    }
    default: /* HELLO, ROUTE_QUERY, ROUTE_REPLY: control, never faulted */
        return -1;
    }
}

/* The datagram a capture shows for an application PDU crossing a socket
 * pipe: a 20-byte IPv4 header and a UDP header, or a TCP header (PSH|ACK,
 * seq = stream offset + 1) so Wireshark reassembles DNS over TCP. */
static int s_capture_sock(uint32_t proto, uint32_t src, uint32_t sport, uint32_t dst, uint32_t dport,
                          uint64_t stream_off, const uint8_t *p, size_t len, uint8_t *buf, size_t cap)
{
    size_t l4 = proto == IP_PROTO_TCP ? TCP_HDR_MIN : UDP_HDR_LEN;
    if (len + l4 + IP4_HDR_MIN > IP4_MAX_LEN || len + l4 + IP4_HDR_MIN > cap)
        return -1;
    ipv4_repr_t ip = {.ttl = 64, .proto = proto == IP_PROTO_TCP ? IP_PROTO_TCP : IP_PROTO_UDP,
                      .total_len = (uint16_t)(len + l4 + IP4_HDR_MIN), .src = src, .dst = dst};
    if (ipv4_emit(&ip, buf, cap) != IP4_HDR_MIN)
        return -1;
    int n;
    if (proto == IP_PROTO_TCP) {
        tcp_repr_t t = {.sport = (uint16_t)sport, .dport = (uint16_t)dport, .seq = (uint32_t)stream_off + 1,
                        .ack = 1, .flags = TCP_PSH | TCP_ACK, .wnd = 65535, .payload = p,
                        .payload_len = len};
        n = tcp_emit(&t, src, dst, buf + IP4_HDR_MIN, cap - IP4_HDR_MIN);
    } else {
        udp_repr_t u = {.sport = (uint16_t)sport, .dport = (uint16_t)dport, .payload = p, .payload_len = len};
        n = udp_emit(&u, src, dst, buf + IP4_HDR_MIN, cap - IP4_HDR_MIN);
    }
    return n < 0 ? -1 : n + IP4_HDR_MIN;
}

int ls_pipe_capture_bytes(const Ls__Envelope *env, uint8_t *buf, size_t cap)
{
    if (!env->has_pdu || env->pdu.len == 0)
        return -1;
    const uint8_t *p = env->pdu.data;
    size_t len = env->pdu.len;
    if (env->kind == LS__KIND__NET_TX) {
        if (!env->net_tx || len + IP4_HDR_MIN > IP4_MAX_LEN || len + IP4_HDR_MIN > cap)
            return -1;
        const Ls__NetTx *tx = env->net_tx;
        ipv4_repr_t ip = {.tos = (uint8_t)tx->tos, .ttl = (uint8_t)(tx->has_ttl ? tx->ttl : 64),
                          .proto = (uint8_t)tx->protocol, .total_len = (uint16_t)(len + IP4_HDR_MIN),
                          .df = tx->df, .src = tx->src, .dst = tx->dst};
        if (ipv4_emit(&ip, buf, cap) != IP4_HDR_MIN)
            return -1;
        memcpy(buf + IP4_HDR_MIN, p, len);
        return (int)(len + IP4_HDR_MIN);
    }
    if (env->kind == LS__KIND__SOCK_OP) {
        const Ls__SockOp *o = env->sock_op;
        return s_capture_sock(o->protocol, o->local_addr, o->local_port, o->remote_addr, o->remote_port,
                              o->stream_off, p, len, buf, cap);
    }
    if (env->kind == LS__KIND__SOCK_EVENT) {
        const Ls__SockEvent *v = env->sock_event;
        return s_capture_sock(v->protocol, v->remote_addr, v->remote_port, v->local_addr, v->local_port,
                              v->stream_off, p, len, buf, cap);
    }
    switch (env->kind) {
    case LS__KIND__LINK_TX:
    case LS__KIND__LINK_RX:
    case LS__KIND__LINK_RESOLVE_FAILED:
    case LS__KIND__NET_DELIVER:
    case LS__KIND__NET_ICMP_ERROR:
    case LS__KIND__NET_SEND_ICMP_ERROR:
        break;
    default:
        return -1;
    }
    /* IPv4 only (RFC 791 3.1: version 4); Ethernet padding trimmed by total length */
    if (len < IP4_HDR_MIN || rd_u8(p + IP4_OFF_VER_IHL) >> 4 != 4)
        return -1;
    uint16_t total = rd_be16(p + IP4_OFF_LEN);
    if (total >= IP4_HDR_MIN && total < len)
        len = total;
    if (len > cap)
        return -1;
    memcpy(buf, p, len);
    return (int)len;
}

static void s_capture(ls_pipe_t *self, const Ls__Envelope *env)
{
    if (!self->pcap)
        return;
    uint8_t pkt[IP4_MAX_LEN + IP4_HDR_MIN];
    int n = ls_pipe_capture_bytes(env, pkt, sizeof pkt);
    if (n > 0)
        ls_pcap_write(self->pcap, pkt, (size_t)n);
}

int ls_pipe_capture(ls_pipe_t *self, const char *path)
{
    char err[300];
    ls_pcap_close(&self->pcap);
    self->pcap = ls_pcap_open(path, LS_PIPE_DLT_RAW, err, sizeof err);
    if (!self->pcap) {
        ls_logf(self->svc->log, LS_LOG_WARN, "pipe %s: capture disabled: %s", self->name, err);
        return -1;
    }
    ls_logf(self->svc->log, LS_LOG_INFO, "pipe %s: capturing to %s", self->name, path);
    return 0;
}

/* ---- transmit and deliver ---- */

static int s_transmit(ls_pipe_t *self, Ls__Envelope *env)
{
    ls_svc_t *svc = self->svc;
    env->ts_ns = ls_now_ns();
    env->seq = self->tx_seq + 1;
    size_t n = ls_env_pack(env, &self->buf, &self->buf_cap);
    if (zmq_send(self->sock, self->buf, n, ZMQ_DONTWAIT) < 0) {
        int e = errno;
        ls_drop(svc->log, svc->ctr, &(ls_logev_t){.layer = "pipe", .dir = ls_dir_str(self->out_dir), .pdu = env->pdu_id},
                self->ctr_tx_full, "pipe %s: send failed (%s): peer absent or queue full",
                self->name, e == EAGAIN ? "queue full or no peer" : zmq_strerror(e));
        return -1;
    }
    self->tx_seq++;
    if (!self->c_tx)
        self->c_tx = ls_counter(svc->ctr, self->ctr_tx); /* stable until the registry dies */
    (*self->c_tx)++;
    s_capture(self, env);
    return 0;
}

/* Pack env without its pdu into m; -1 if it does not fit (faults bypassed). */
static int s_meta_pack(const Ls__Envelope *env, s_meta_t *m)
{
    Ls__Envelope bare = *env;
    bare.has_pdu = 0;
    bare.pdu.data = NULL;
    bare.pdu.len = 0;
    size_t n = ls__envelope__get_packed_size(&bare);
    if (n > sizeof m->bytes)
        return -1;
    ls__envelope__pack(&bare, m->bytes);
    m->len = (uint16_t)n;
    return 0;
}

/* Rebuild a copy's envelope: metadata from the blob, pdu borrowed from bytes. */
static Ls__Envelope *s_meta_env(ls_pipe_t *self, const s_meta_t *m, const uint8_t *bytes, size_t len)
{
    Ls__Envelope *env = ls__envelope__unpack(NULL, m->len, m->bytes);
    if (!env) {
        ls_drop(self->svc->log, self->svc->ctr, &(ls_logev_t){.layer = "pipe", .dir = "-"},
                "pipe.drop.fault_meta", "pipe %s: a faulted copy's envelope does not decode", self->name);
        return NULL;
    }
    env->has_pdu = 1;
    env->pdu.data = (uint8_t *)bytes;
    env->pdu.len = len;
    return env;
}

static void s_meta_env_free(Ls__Envelope *env)
{
    env->has_pdu = 0;
    env->pdu.data = NULL; /* borrowed: not ours to free */
    env->pdu.len = 0;
    ls__envelope__free_unpacked(env, NULL);
}

static void s_emit_out(void *ctx, const uint8_t *bytes, size_t len, uint64_t pdu_id, const void *opaque,
                       bool corrupted)
{
    ls_pipe_t *self = ctx;
    Ls__Envelope *env = s_meta_env(self, opaque, bytes, len);
    if (!env)
        return;
    s_transmit(self, env);
    s_meta_env_free(env);
}

static void s_emit_in(void *ctx, const uint8_t *bytes, size_t len, uint64_t pdu_id, const void *opaque,
                      bool corrupted)
{
    ls_pipe_t *self = ctx;
    Ls__Envelope *env = s_meta_env(self, opaque, bytes, len);
    if (!env)
        return;
    self->fn(self, env, self->arg);
    s_meta_env_free(env);
}

static int s_active(const fault_set_t *fs)
{
    return fs && (fault_set_size(fs) > 0 || fault_set_pending(fs) > 0);
}

/* Run env through a fault set. 1 = taken by the engine (emitted, stored or
 * dropped), 0 = not subject to faults: the caller handles it unchanged. */
static int s_fault(ls_pipe_t *self, int which, const Ls__Envelope *env)
{
    fault_set_t *fs = self->fs[which];
    fault_pdu_kind_t kind;
    uint8_t proto;
    if (!s_active(fs) || ls_pipe_fault_kind(env, &kind, &proto) < 0)
        return 0;
    s_meta_t m;
    if (s_meta_pack(env, &m) < 0) {
        LS_COUNT(self->svc->ctr, "fault.bypass.meta_too_big");
        return 0;
    }
    fault_set_apply(fs, kind, proto, env->pdu.data, env->pdu.len, env->pdu_id, &m, ls_now_ns(),
                    which == S_OUT ? s_emit_out : s_emit_in, self);
    return 1;
}

static uint64_t s_svc_deadline(void *arg)
{
    ls_svc_t *svc = arg;
    uint64_t d = UINT64_MAX;
    for (ls_pipe_t *p = svc->pipes; p; p = p->next)
        for (int w = 0; w < 2; w++)
            if (p->fs[w]) {
                uint64_t t = fault_set_next_deadline(p->fs[w]);
                if (t < d)
                    d = t;
            }
    return d;
}

static void s_svc_fire(void *arg, uint64_t now)
{
    ls_svc_t *svc = arg;
    for (ls_pipe_t *p = svc->pipes, *nx; p; p = nx) {
        nx = p->next;
        for (int w = 0; w < 2; w++)
            if (p->fs[w] && fault_set_next_deadline(p->fs[w]) <= now)
                fault_set_poll(p->fs[w], now, w == S_OUT ? s_emit_out : s_emit_in, p);
    }
}

fault_set_t *ls_pipe_faults(ls_pipe_t *self, Ls__Direction dir)
{
    if (dir != LS__DIRECTION__UP && dir != LS__DIRECTION__DOWN)
        return NULL;
    int w = dir == self->out_dir ? S_OUT : S_IN;
    if (self->fs[w])
        return self->fs[w];
    self->fs[w] = fault_set_new(sizeof(s_meta_t));
    if (!self->fs[w])
        return NULL;
    /* log lines: this end's layer ("net" holds net:link down), the direction
     * the PDUs travel, the interface */
    fault_set_set_log(self->fs[w], self->svc->log, self->svc->ctr, ls_layer_str(self->layer),
                      ls_dir_str(dir), self->ifname[0] ? self->ifname : NULL);
    if (!self->svc->pipe_timer && self->svc->loop) {
        ls_loop_add_timer(self->svc->loop, s_svc_deadline, s_svc_fire, self->svc);
        self->svc->pipe_timer = 1;
    }
    return self->fs[w];
}

fault_set_t *ls_pipe_faults_peek(const ls_pipe_t *self, Ls__Direction dir)
{
    if (dir != LS__DIRECTION__UP && dir != LS__DIRECTION__DOWN)
        return NULL;
    return self->fs[dir == self->out_dir ? S_OUT : S_IN];
}

Ls__Direction ls_pipe_out_dir(const ls_pipe_t *self) { return self->out_dir; }
ls_pipe_t *ls_pipe_first(ls_svc_t *svc) { return svc->pipes; }
ls_pipe_t *ls_pipe_next(const ls_pipe_t *self) { return self->next; }

ls_pipe_t *ls_pipe_find(ls_svc_t *svc, const char *name)
{
    for (ls_pipe_t *p = svc->pipes; p; p = p->next)
        if (strcmp(p->name, name) == 0)
            return p;
    return NULL;
}

/* ---- receive ---- */

static int s_readable(ls_loop_t *loop, void *sock, int fd, void *arg)
{
    ls_pipe_t *self = arg;
    ls_svc_t *svc = self->svc;
    for (int i = 0; i < LS_PIPE_BATCH; i++) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            break;
        }
        Ls__Envelope *env = NULL;
        ls_env_reason_t r = ls_env_unpack(zmq_msg_data(&msg), zmq_msg_size(&msg), &env);
        size_t sz = zmq_msg_size(&msg);
        zmq_msg_close(&msg);
        if (r != LS_ENV_OK) {
            ls_drop(svc->log, svc->ctr, &(ls_logev_t){.layer = "pipe", .dir = "-"},
                    ls_env_reason_counter(r), "pipe %s: rejected %zu-byte envelope: %s", self->name, sz,
                    ls_env_reason_str(r));
            continue;
        }
        if (!self->c_rx)
            self->c_rx = ls_counter(svc->ctr, self->ctr_rx);
        (*self->c_rx)++;
        uint64_t missing = ls_seq_track(&self->rx_seq, env->seq);
        if (missing) {
            *ls_counter(svc->ctr, self->ctr_gap) += missing;
            ls_logev(svc->log, LS_LOG_WARN, &(ls_logev_t){.layer = "pipe", .ev = "gap"},
                     "pipe %s: %llu PDU(s) missing before seq %llu", self->name,
                     (unsigned long long)missing, (unsigned long long)env->seq);
        }
        if (env->kind == LS__KIND__HELLO) {
            ls_logev(svc->log, LS_LOG_INFO, &(ls_logev_t){.layer = "pipe", .ev = "hello"},
                     "pipe %s: peer %s instance %08x", self->name, env->hello->service,
                     env->hello->instance);
        }
        s_capture(self, env);
        if (!s_fault(self, S_IN, env))
            self->fn(self, env, self->arg);
        ls_env_free(&env);
    }
    return 0;
}

static int s_setting_true(ls_svc_t *svc, const char *key)
{
    const char *v = topo_setting(svc->topo, svc->h ? svc->host : NULL, key);
    return v && (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0);
}

ls_pipe_t *ls_pipe_new(ls_svc_t *svc, const char *name, const char *endpoint, int bind,
                       Ls__Layer layer, Ls__Direction out_dir, ls_pipe_rx_fn fn, void *arg)
{
    ls_pipe_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->svc = svc;
    snprintf(self->name, sizeof self->name, "%s", name);
    const char *at = strchr(name, '@');
    snprintf(self->ifname, sizeof self->ifname, "%s", at ? at + 1 : "");
    self->layer = layer;
    self->out_dir = out_dir;
    self->fn = fn;
    self->arg = arg;
    snprintf(self->ctr_tx, sizeof self->ctr_tx, "pipe.%s.tx", name);
    snprintf(self->ctr_rx, sizeof self->ctr_rx, "pipe.%s.rx", name);
    snprintf(self->ctr_gap, sizeof self->ctr_gap, "pipe.%s.rx_seq_gap", name);
    snprintf(self->ctr_tx_full, sizeof self->ctr_tx_full, "pipe.%s.drop.tx_full", name);
    self->sock = zmq_socket(svc->zctx, ZMQ_DEALER);
    int zero = 0, hwm = LS_PIPE_HWM;
    int hb_ivl = 1000, hb_timeout = 3000, hb_ttl = 3000, reconnect = 100, reconnect_max = 1000;
    zmq_setsockopt(self->sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(self->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(self->sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(self->sock, ZMQ_HEARTBEAT_IVL, &hb_ivl, sizeof hb_ivl);
    zmq_setsockopt(self->sock, ZMQ_HEARTBEAT_TIMEOUT, &hb_timeout, sizeof hb_timeout);
    zmq_setsockopt(self->sock, ZMQ_HEARTBEAT_TTL, &hb_ttl, sizeof hb_ttl);
    zmq_setsockopt(self->sock, ZMQ_RECONNECT_IVL, &reconnect, sizeof reconnect);
    zmq_setsockopt(self->sock, ZMQ_RECONNECT_IVL_MAX, &reconnect_max, sizeof reconnect_max);
    /* identity "<service>/<pipe>": a switch's ROUTER maps it to a port, and
     * ROUTER_HANDOVER lets a restarted service take its port back */
    char ident[160];
    snprintf(ident, sizeof ident, "%s/%s", svc->name, name);
    zmq_setsockopt(self->sock, ZMQ_ROUTING_ID, ident, strlen(ident));
    int rc;
    if (bind) {
        if (strncmp(endpoint, "ipc://", 6) == 0)
            unlink(endpoint + 6); /* stale socket file from a killed predecessor */
        rc = zmq_bind(self->sock, endpoint);
    } else {
        /* Queue (up to the HWM) until the peer is there, so the first PDUs
         * (HELLO, gratuitous ARP) are not lost while the connection forms; a
         * full queue is a counted drop. */
        rc = zmq_connect(self->sock, endpoint);
    }
    if (rc < 0) {
        ls_logf(svc->log, LS_LOG_ERROR, "pipe %s: %s %s: %s", name, bind ? "bind" : "connect", endpoint,
                zmq_strerror(errno));
        zmq_close(self->sock);
        free(self);
        return NULL;
    }
    ls_loop_add_socket(svc->loop, self->sock, s_readable, self);
    self->next = svc->pipes;
    svc->pipes = self;
    ls_logev(svc->log, LS_LOG_INFO, &(ls_logev_t){.layer = "pipe", .ev = "open"}, "pipe %s %s %s", name,
             bind ? "bound at" : "connecting to", endpoint);
    /* per-pipe capture, written by the binding (lower) end of layer pipes */
    if (bind && strncmp(name, "wire", 4) != 0 && svc->h && s_setting_true(svc, "pipe_pcap")) {
        char path[600], stem[64];
        snprintf(stem, sizeof stem, "%s", name);
        for (char *c = stem; *c; c++)
            if (*c == ':' || *c == '@')
                *c = '-';
        snprintf(path, sizeof path, "%s/pcap/%s-%s.pcap", svc->run_dir, svc->host, stem);
        ls_pipe_capture(self, path);
    }
    if (!bind) {
        /* announce this instance: a switch learns the port, a peer logs the restart */
        Ls__Envelope env;
        Ls__Hello hello = LS__HELLO__INIT;
        hello.service = svc->name;
        hello.instance = svc->nonce;
        ls_env_setup(&env, LS__KIND__HELLO, ls_svc_pdu_id(svc), NULL, 0, NULL, 0);
        env.hello = &hello;
        ls_pipe_send(self, &env);
    }
    return self;
}

void ls_pipe_destroy(ls_pipe_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ls_pipe_t *self = *self_p;
    for (ls_pipe_t **pp = &self->svc->pipes; *pp; pp = &(*pp)->next)
        if (*pp == self) {
            *pp = self->next;
            break;
        }
    ls_loop_remove(self->svc->loop, self->sock, -1);
    zmq_close(self->sock);
    fault_set_destroy(&self->fs[S_OUT]);
    fault_set_destroy(&self->fs[S_IN]);
    ls_pcap_close(&self->pcap);
    free(self->buf);
    free(self);
    *self_p = NULL;
}

int ls_pipe_send(ls_pipe_t *self, Ls__Envelope *env)
{
    env->version = LS__VERSION__CONTRACT_VERSION;
    env->layer = self->layer;
    env->dir = self->out_dir;
    if (s_fault(self, S_OUT, env))
        return 0; /* in the fault engine's hands: loss on the wire is not a send failure */
    return s_transmit(self, env);
}

const char *ls_pipe_name(const ls_pipe_t *self) { return self->name; }
void *ls_pipe_socket(ls_pipe_t *self) { return self->sock; }
const ls_seq_t *ls_pipe_seq(const ls_pipe_t *self) { return &self->rx_seq; }
