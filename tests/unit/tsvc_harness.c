/*
 * tsvc_harness.c -- see tsvc_harness.h.
 */
#include "tsvc_harness.h"

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/ipv4.h"

static int s_net_send(void *ctx, Ls__Envelope *env)
{
    th_host_t *hc = ctx;
    th_net_t *n = hc->net;
    env->version = LS__VERSION__CONTRACT_VERSION;
    size_t sz = ls__envelope__get_packed_size(env);
    ck_assert_uint_lt(n->qt - n->qh, QMAX);
    size_t i = n->qt++ % QMAX;
    n->q[i] = malloc(sz);
    ls__envelope__pack(env, n->q[i]);
    n->qlen[i] = sz;
    n->qfrom[i] = hc->idx;
    return 0;
}

Ls__CtlReply *th_copy_reply(ls_ctl_reply_t *rep)
{
    size_t sz = ls__ctl_reply__get_packed_size(&rep->rep);
    uint8_t *buf = malloc(sz ? sz : 1);
    ls__ctl_reply__pack(&rep->rep, buf);
    Ls__CtlReply *r = ls__ctl_reply__unpack(NULL, sz, buf);
    free(buf);
    ck_assert_ptr_nonnull(r);
    return r;
}

static int s_upper_send(void *ctx, Ls__Envelope *env)
{
    th_host_t *hc = ctx;
    th_net_t *n = hc->net;
    env->version = LS__VERSION__CONTRACT_VERSION;
    env->layer = LS__LAYER__TRANSPORT;
    env->dir = LS__DIRECTION__UP;
    size_t sz = ls__envelope__get_packed_size(env);
    uint8_t *buf = malloc(sz);
    ls__envelope__pack(env, buf);
    Ls__Envelope *copy = NULL;
    ck_assert_int_eq(ls_env_unpack(buf, sz, &copy), LS_ENV_OK);
    free(buf);
    ck_assert_int_lt(n->nup[hc->idx], TH_UPMAX);
    n->up[hc->idx][n->nup[hc->idx]++] = copy;
    return 0;
}

static int s_reply(void *ctx, const ls_ctl_peer_t *peer, ls_ctl_reply_t *rep)
{
    th_host_t *hc = ctx;
    th_net_t *n = hc->net;
    ck_assert_int_lt(n->ndef[hc->idx], 64);
    n->def[hc->idx][n->ndef[hc->idx]++] = th_copy_reply(rep);
    return 0;
}

static uint64_t s_id(void *ctx)
{
    static const uint64_t base = 0x1000;
    th_host_t *hc = ctx;
    (void)base;
    return ((uint64_t)(hc->idx + 1) << 32) | (uint64_t)(hc->net->tag++);
}

static void s_deliver_one(th_net_t *n, const Ls__Envelope *env, int from)
{
    if (env->kind == LS__KIND__ROUTE_QUERY) {
        Ls__RouteReply rr = LS__ROUTE_REPLY__INIT;
        rr.query_id = env->route_query->query_id;
        uint32_t dst = env->route_query->dst;
        rr.found = dst == n->addr[0] || dst == n->addr[1];
        if (rr.found) {
            rr.has_src = rr.has_mtu = 1;
            rr.src = n->addr[from];
            rr.mtu = 1500;
            rr.ifname = "eth0";
        }
        Ls__Envelope out;
        ls_env_setup(&out, LS__KIND__ROUTE_REPLY, 1, NULL, 0, NULL, 0);
        out.route_reply = &rr;
        tsvc_net_rx(n->h[from], &out, n->now);
        return;
    }
    if (env->kind == LS__KIND__NET_SEND_ICMP_ERROR) {
        n->icmp_sent++;
        n->icmp_type = (uint8_t)env->send_icmp_error->type;
        n->icmp_code = (uint8_t)env->send_icmp_error->code;
        n->icmp_len = env->pdu.len;
        /* reflect it as the sender's NET_ICMP_ERROR, quoting header + 8 bytes */
        uint32_t src = rd_be32(env->pdu.data + IP4_OFF_SRC);
        int to = src == n->addr[0] ? 0 : 1;
        Ls__IcmpError ie = LS__ICMP_ERROR__INIT;
        ie.type = n->icmp_type;
        ie.code = n->icmp_code;
        ie.reporter = n->addr[from];
        Ls__Envelope out;
        ls_env_setup(&out, LS__KIND__NET_ICMP_ERROR, 2, NULL, 0, env->pdu.data, 28);
        out.icmp_error = &ie;
        tsvc_net_rx(n->h[to], &out, n->now);
        return;
    }
    ck_assert_int_eq(env->kind, LS__KIND__NET_TX);
    const Ls__NetTx *tx = env->net_tx;
    ck_assert_uint_eq(tx->src, n->addr[from]);
    n->last_ttl = tx->has_ttl ? tx->ttl : 64;
    int to = tx->dst == n->addr[0] ? 0 : tx->dst == n->addr[1] ? 1 : -1;
    ck_assert_int_ge(to, 0);
    if (to == n->drop_to)
        return;
    uint8_t dg[70000];
    ipv4_repr_t ip = {.ttl = 64, .proto = (uint8_t)tx->protocol, .src = tx->src, .dst = tx->dst,
                      .total_len = (uint16_t)(20 + env->pdu.len), .id = 1};
    ck_assert_int_eq(ipv4_emit(&ip, dg, sizeof dg), 20);
    memcpy(dg + 20, env->pdu.data, env->pdu.len);
    Ls__NetDeliver nd = LS__NET_DELIVER__INIT;
    nd.ifname = "eth0";
    nd.protocol = tx->protocol;
    Ls__Envelope out;
    ls_env_setup(&out, LS__KIND__NET_DELIVER, env->pdu_id + 7, &env->pdu_id, 1, dg, 20 + env->pdu.len);
    out.net_deliver = &nd;
    tsvc_net_rx(n->h[to], &out, n->now);
}

/* Deliver everything queued (and what that produces), polling both cores. */
void th_pump(th_net_t *n)
{
    for (int guard = 0; guard < 100000; guard++) {
        for (int i = 0; i < 2; i++)
            if (tsvc_next_deadline(n->h[i]) <= n->now)
                tsvc_poll(n->h[i], n->now);
        if (n->qh == n->qt)
            return;
        size_t i = n->qh++ % QMAX;
        Ls__Envelope *env = ls__envelope__unpack(NULL, n->qlen[i], n->q[i]);
        ck_assert_ptr_nonnull(env);
        s_deliver_one(n, env, n->qfrom[i]);
        ls__envelope__free_unpacked(env, NULL);
        free(n->q[i]);
    }
    ck_abort_msg("pump did not settle");
}

void th_advance(th_net_t *n, uint64_t ns)
{
    n->now += ns;
    th_pump(n);
}

th_net_t *th_net_new(void)
{
    th_net_t *n = calloc(1, sizeof *n);
    n->addr[0] = A_IP;
    n->addr[1] = B_IP;
    n->now = 1000000000ull;
    n->drop_to = -1;
    for (int i = 0; i < 2; i++) {
        n->hc[i] = (th_host_t){n, i};
        n->ctr[i] = ls_counters_new();
        tsvc_cfg_t cfg = tsvc_cfg_default();
        cfg.tcp.msl_ns = 1000000000ull; /* TIME_WAIT 2 s */
        cfg.tcp.delack = false;
        tsvc_io_t io = {.ctx = &n->hc[i], .net_send = s_net_send, .upper_send = s_upper_send, .reply = s_reply, .new_pdu_id = s_id,
                        .counters = n->ctr[i]};
        n->h[i] = tsvc_new(&cfg, &io);
        ck_assert_ptr_nonnull(n->h[i]);
    }
    return n;
}

void th_net_destroy(th_net_t *n)
{
    while (n->qh != n->qt)
        free(n->q[n->qh++ % QMAX]);
    for (int i = 0; i < 2; i++) {
        tsvc_destroy(&n->h[i]);
        ck_assert_ptr_null(n->h[i]);
        ls_counters_destroy(&n->ctr[i]);
        for (int j = 0; j < n->ndef[i]; j++)
            ls__ctl_reply__free_unpacked(n->def[i][j], NULL);
        for (int j = 0; j < n->nup[i]; j++)
            ls_env_free(&n->up[i][j]);
    }
    free(n);
}

/* One request from host h's app; returns the reply (immediate or deferred). */
Ls__CtlReply *th_req(th_net_t *n, int h, const void *data, size_t len, const char *cmd, ...)
{
    const char *args[12];
    size_t na = 0;
    va_list ap;
    va_start(ap, cmd);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL && na < 12;)
        args[na++] = a;
    va_end(ap);
    Ls__CtlRequest req = LS__CTL_REQUEST__INIT;
    req.version = 1;
    req.cmd = (char *)cmd;
    req.args = (char **)args;
    req.n_args = na;
    if (data) {
        req.has_data = 1;
        req.data.data = (uint8_t *)data;
        req.data.len = len;
    }
    req.has_tag = 1;
    req.tag = ++n->tag;
    ls_ctl_reply_t rep;
    ls_ctl_reply_init(&rep);
    rep.rep.has_tag = 1;
    rep.rep.tag = req.tag;
    ls_ctl_peer_t peer = {.id = {'a', (uint8_t)h}, .len = 2};
    int rc = tsvc_ctl(n->h[h], &req, &rep, &peer, n->now);
    ck_assert_int_ge(rc, 0);
    Ls__CtlReply *out = NULL;
    if (rc == 0)
        out = th_copy_reply(&rep);
    ls_ctl_reply_fini(&rep);
    th_pump(n);
    if (out)
        return out;
    for (int j = 0; j < n->ndef[h]; j++)
        if (n->def[h][j]->tag == req.tag) {
            out = n->def[h][j];
            n->def[h][j] = n->def[h][--n->ndef[h]];
            return out;
        }
    return NULL; /* still pending */
}

const char *th_kv(const Ls__CtlReply *r, const char *k)
{
    for (size_t i = 0; i < r->n_kv; i++)
        if (strcmp(r->kv[i]->key, k) == 0)
            return r->kv[i]->value;
    return NULL;
}

/* rc of a reply, and free it; *val gets kv key's value when asked. */
int th_rc(Ls__CtlReply *r, const char *key, char *val, size_t cap)
{
    ck_assert_ptr_nonnull(r);
    int rc = r->rc;
    if (key) {
        const char *v = th_kv(r, key);
        snprintf(val, cap, "%s", v ? v : "");
    }
    ls__ctl_reply__free_unpacked(r, NULL);
    return rc;
}


void th_hello(th_net_t *n)
{
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "hello", TOKA, NULL), NULL, NULL, 0), 0);
    ck_assert_int_eq(th_rc(th_req(n, 1, NULL, 0, "sock", "hello", TOKB, NULL), NULL, NULL, 0), 0);
}

void th_upper(th_net_t *n, int h, const Ls__SockOp *op, const void *pdu, size_t len)
{
    Ls__Envelope env;
    ls_env_setup(&env, LS__KIND__SOCK_OP, ((uint64_t)(h + 1) << 40) | ++n->tag, NULL, 0, pdu, len);
    env.version = LS__VERSION__CONTRACT_VERSION;
    env.layer = LS__LAYER__DNS;
    env.dir = LS__DIRECTION__DOWN;
    env.sock_op = (Ls__SockOp *)op;
    ck_assert_int_eq(ls_env_check(&env), LS_ENV_OK);
    tsvc_upper_rx(n->h[h], &env, n->now);
    th_pump(n);
}

void th_upper_hello(th_net_t *n, int h, uint32_t instance)
{
    Ls__Hello hello = LS__HELLO__INIT;
    hello.service = "hosta-dns";
    hello.instance = instance;
    Ls__Envelope env;
    ls_env_setup(&env, LS__KIND__HELLO, 1, NULL, 0, NULL, 0);
    env.hello = &hello;
    tsvc_upper_rx(n->h[h], &env, n->now);
    th_pump(n);
}

const Ls__SockEvent *th_up_ev(const th_net_t *n, int h, int k, const uint8_t **pdu, size_t *len)
{
    if (k < 0 || k >= n->nup[h])
        return NULL;
    const Ls__Envelope *e = n->up[h][k];
    if (pdu)
        *pdu = e->has_pdu ? e->pdu.data : NULL;
    if (len)
        *len = e->has_pdu ? e->pdu.len : 0;
    return e->sock_event;
}

int th_up_find(const th_net_t *n, int h, int k, uint32_t sock, Ls__SockEvent__Ev ev)
{
    for (int i = k < 0 ? 0 : k; i < n->nup[h]; i++)
        if (n->up[h][i]->sock_event && n->up[h][i]->sock_event->sock == sock && n->up[h][i]->sock_event->ev == ev)
            return i;
    return -1;
}
