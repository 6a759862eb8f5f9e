/*
 * pipe.c -- envelope pipes over ZeroMQ DEALER sockets (see pipe.h).
 *
 * Send path:  ls_pipe_send -> stamp (version, layer, dir, ts) -> [fault rules]
 *             -> s_transmit (seq, pack, zmq_send DONTWAIT) | counted drop
 * Recv path:  loop -> s_readable (batch of up to 64) -> ls_env_unpack (counted
 *             rejects) -> ls_seq_track (gap counters) -> [fault rules] -> rx_fn
 */
#include "pipe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define LS_PIPE_HWM 4096
#define LS_PIPE_BATCH 64

struct ls_pipe {
    ls_svc_t *svc;
    char name[64];
    void *sock;
    Ls__Layer layer;
    Ls__Direction out_dir;
    uint64_t tx_seq;
    ls_seq_t rx_seq;
    ls_pipe_rx_fn fn;
    void *arg;
    uint8_t *buf;
    size_t buf_cap;
    char ctr_tx_full[96], ctr_tx[96], ctr_rx[96], ctr_gap[96];
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
        (*ls_counter(svc->ctr, self->ctr_rx))++;
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
        self->fn(self, env, self->arg);
        ls_env_free(&env);
    }
    return 0;
}

ls_pipe_t *ls_pipe_new(ls_svc_t *svc, const char *name, const char *endpoint, int bind,
                       Ls__Layer layer, Ls__Direction out_dir, ls_pipe_rx_fn fn, void *arg)
{
    ls_pipe_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->svc = svc;
    snprintf(self->name, sizeof self->name, "%s", name);
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
    ls_logev(svc->log, LS_LOG_INFO, &(ls_logev_t){.layer = "pipe", .ev = "open"}, "pipe %s %s %s", name,
             bind ? "bound at" : "connecting to", endpoint);
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
    ls_loop_remove(self->svc->loop, self->sock, -1);
    zmq_close(self->sock);
    free(self->buf);
    free(self);
    *self_p = NULL;
}

int ls_pipe_send(ls_pipe_t *self, Ls__Envelope *env)
{
    ls_svc_t *svc = self->svc;
    env->version = LS__VERSION__CONTRACT_VERSION;
    env->layer = self->layer;
    env->dir = self->out_dir;
    env->ts_ns = ls_now_ns();
    env->seq = self->tx_seq + 1;
    size_t n = ls__envelope__get_packed_size(env);
    if (n > self->buf_cap) {
        free(self->buf);
        self->buf_cap = n < 2048 ? 2048 : n;
        self->buf = malloc(self->buf_cap);
        if (!self->buf)
            abort();
    }
    ls__envelope__pack(env, self->buf);
    if (zmq_send(self->sock, self->buf, n, ZMQ_DONTWAIT) < 0) {
        int e = errno;
        ls_drop(svc->log, svc->ctr, &(ls_logev_t){.layer = "pipe", .dir = ls_dir_str(self->out_dir), .pdu = env->pdu_id},
                self->ctr_tx_full, "pipe %s: send failed (%s): peer absent or queue full",
                self->name, e == EAGAIN ? "queue full or no peer" : zmq_strerror(e));
        return -1;
    }
    self->tx_seq++;
    (*ls_counter(svc->ctr, self->ctr_tx))++;
    return 0;
}

const char *ls_pipe_name(const ls_pipe_t *self) { return self->name; }
void *ls_pipe_socket(ls_pipe_t *self) { return self->sock; }
const ls_seq_t *ls_pipe_seq(const ls_pipe_t *self) { return &self->rx_seq; }
