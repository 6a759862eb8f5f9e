/*
 * ctl_client.c -- DEALER client for service control sockets (see ctl_client.h).
 * Callers: orchestrator/stackctl.c, orchestrator/supervisor.c, apps/lib.
 */
#include "runtime/ctl_client.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

struct ls_ctl_client {
    void *sock;
    uint32_t tag;
};

ls_ctl_client_t *ls_ctl_client_new(void *zctx, const char *endpoint)
{
    ls_ctl_client_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->sock = zmq_socket(zctx, ZMQ_DEALER);
    int zero = 0, hb = 1000, hbt = 3000;
    zmq_setsockopt(self->sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(self->sock, ZMQ_HEARTBEAT_IVL, &hb, sizeof hb);
    zmq_setsockopt(self->sock, ZMQ_HEARTBEAT_TIMEOUT, &hbt, sizeof hbt);
    zmq_setsockopt(self->sock, ZMQ_HEARTBEAT_TTL, &hbt, sizeof hbt);
    if (zmq_connect(self->sock, endpoint) < 0) {
        zmq_close(self->sock);
        free(self);
        return NULL;
    }
    return self;
}

void ls_ctl_client_destroy(ls_ctl_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zmq_close((*self_p)->sock);
    free(*self_p);
    *self_p = NULL;
}

void *ls_ctl_client_socket(ls_ctl_client_t *self) { return self->sock; }

int ls_ctl_send(ls_ctl_client_t *self, const char *cmd, const char *const *args, size_t nargs,
                const void *data, size_t dlen)
{
    Ls__CtlRequest req = LS__CTL_REQUEST__INIT;
    req.version = LS__VERSION__CONTRACT_VERSION;
    req.cmd = (char *)cmd;
    if (args && nargs == 0)
        while (args[nargs])
            nargs++;
    req.n_args = nargs;
    req.args = (char **)args;
    if (data) {
        req.has_data = 1;
        req.data.data = (uint8_t *)data;
        req.data.len = dlen;
    }
    req.has_tag = 1;
    req.tag = ++self->tag;
    size_t n = ls__ctl_request__get_packed_size(&req);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return -1;
    ls__ctl_request__pack(&req, buf);
    int rc = zmq_send(self->sock, buf, n, 0);
    free(buf);
    return rc < 0 ? -1 : 0;
}

Ls__CtlReply *ls_ctl_recv_on(void *sock, int timeout_ms)
{
    zmq_pollitem_t it = {.socket = sock, .events = ZMQ_POLLIN};
    if (zmq_poll(&it, 1, timeout_ms) <= 0)
        return NULL;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&msg);
        return NULL;
    }
    Ls__CtlReply *rep = ls__ctl_reply__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
    zmq_msg_close(&msg);
    return rep;
}

Ls__CtlReply *ls_ctl_recv(ls_ctl_client_t *self, int timeout_ms) { return ls_ctl_recv_on(self->sock, timeout_ms); }

Ls__CtlReply *ls_ctl_call(ls_ctl_client_t *self, const char *cmd, const char *const *args, size_t nargs,
                          int timeout_ms)
{
    if (ls_ctl_send(self, cmd, args, nargs, NULL, 0) < 0)
        return NULL;
    return ls_ctl_recv(self, timeout_ms);
}

void ls_ctl_reply_free(Ls__CtlReply **rep_p)
{
    if (rep_p && *rep_p) {
        ls__ctl_reply__free_unpacked(*rep_p, NULL);
        *rep_p = NULL;
    }
}

const char *ls_ctl_reply_get(const Ls__CtlReply *rep, const char *key)
{
    for (size_t i = 0; i < rep->n_kv; i++)
        if (strcmp(rep->kv[i]->key, key) == 0)
            return rep->kv[i]->value;
    return NULL;
}
