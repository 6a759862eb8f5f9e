/*
 * test_tsvc.c -- transport-svc's core (transport-svc/tsvc.c) with two
 * instances back to back on a fake clock: a tiny in-test "net" turns NET_TX
 * into NET_DELIVER (with a real IPv4 header), answers ROUTE_QUERY, and
 * records NET_SEND_ICMP_ERROR. Apps are simulated by "sock" ctl requests.
 * Envelopes and replies go through protobuf pack/unpack like on the pipes.
 */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "ipv4.h"
#include "pipe.h"
#include "transport-svc/tsvc.h"

#define A_IP LS_IP4(192, 0, 2, 10)
#define B_IP LS_IP4(198, 51, 100, 10)
#define QMAX 4096

typedef struct s_net s_net_t;

typedef struct {
    s_net_t *net;
    int idx;
} s_host_t;

struct s_net {
    tsvc_t *h[2];
    s_host_t hc[2];
    uint32_t addr[2];
    ls_counters_t *ctr[2];
    uint8_t *q[QMAX];
    size_t qlen[QMAX];
    int qfrom[QMAX];
    size_t qh, qt;
    Ls__CtlReply *def[2][64];
    int ndef[2];
    uint64_t now;
    uint32_t tag;
    int icmp_sent;
    uint8_t icmp_type, icmp_code;
    size_t icmp_len;
    int drop_to; /* host index whose NET_DELIVERs are dropped, -1 none */
    uint32_t last_ttl; /* NetTx ttl of the last NET_TX (64 when absent) */
};

static int s_net_send(void *ctx, Ls__Envelope *env)
{
    s_host_t *hc = ctx;
    s_net_t *n = hc->net;
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

static Ls__CtlReply *s_copy_reply(ls_ctl_reply_t *rep)
{
    size_t sz = ls__ctl_reply__get_packed_size(&rep->rep);
    uint8_t *buf = malloc(sz ? sz : 1);
    ls__ctl_reply__pack(&rep->rep, buf);
    Ls__CtlReply *r = ls__ctl_reply__unpack(NULL, sz, buf);
    free(buf);
    ck_assert_ptr_nonnull(r);
    return r;
}

static int s_reply(void *ctx, const ls_ctl_peer_t *peer, ls_ctl_reply_t *rep)
{
    s_host_t *hc = ctx;
    s_net_t *n = hc->net;
    ck_assert_int_lt(n->ndef[hc->idx], 64);
    n->def[hc->idx][n->ndef[hc->idx]++] = s_copy_reply(rep);
    return 0;
}

static uint64_t s_id(void *ctx)
{
    static const uint64_t base = 0x1000;
    s_host_t *hc = ctx;
    (void)base;
    return ((uint64_t)(hc->idx + 1) << 32) | (uint64_t)(hc->net->tag++);
}

static void s_deliver_one(s_net_t *n, const Ls__Envelope *env, int from)
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
static void s_pump(s_net_t *n)
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

static void s_advance(s_net_t *n, uint64_t ns)
{
    n->now += ns;
    s_pump(n);
}

static s_net_t *s_net_new(void)
{
    s_net_t *n = calloc(1, sizeof *n);
    n->addr[0] = A_IP;
    n->addr[1] = B_IP;
    n->now = 1000000000ull;
    n->drop_to = -1;
    for (int i = 0; i < 2; i++) {
        n->hc[i] = (s_host_t){n, i};
        n->ctr[i] = ls_counters_new();
        tsvc_cfg_t cfg = tsvc_cfg_default();
        cfg.tcp.msl_ns = 1000000000ull; /* TIME_WAIT 2 s */
        cfg.tcp.delack = false;
        tsvc_io_t io = {.ctx = &n->hc[i], .net_send = s_net_send, .reply = s_reply, .new_pdu_id = s_id,
                        .counters = n->ctr[i]};
        n->h[i] = tsvc_new(&cfg, &io);
        ck_assert_ptr_nonnull(n->h[i]);
    }
    return n;
}

static void s_net_destroy(s_net_t *n)
{
    while (n->qh != n->qt)
        free(n->q[n->qh++ % QMAX]);
    for (int i = 0; i < 2; i++) {
        tsvc_destroy(&n->h[i]);
        ck_assert_ptr_null(n->h[i]);
        ls_counters_destroy(&n->ctr[i]);
        for (int j = 0; j < n->ndef[i]; j++)
            ls__ctl_reply__free_unpacked(n->def[i][j], NULL);
    }
    free(n);
}

/* One request from host h's app; returns the reply (immediate or deferred). */
static Ls__CtlReply *s_req(s_net_t *n, int h, const void *data, size_t len, const char *cmd, ...)
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
        out = s_copy_reply(&rep);
    ls_ctl_reply_fini(&rep);
    s_pump(n);
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

static const char *s_kv(const Ls__CtlReply *r, const char *k)
{
    for (size_t i = 0; i < r->n_kv; i++)
        if (strcmp(r->kv[i]->key, k) == 0)
            return r->kv[i]->value;
    return NULL;
}

/* rc of a reply, and free it; *val gets kv key's value when asked. */
static int s_rc(Ls__CtlReply *r, const char *key, char *val, size_t cap)
{
    ck_assert_ptr_nonnull(r);
    int rc = r->rc;
    if (key) {
        const char *v = s_kv(r, key);
        snprintf(val, cap, "%s", v ? v : "");
    }
    ls__ctl_reply__free_unpacked(r, NULL);
    return rc;
}

#define TOKA "00000000000000aa"
#define TOKB "00000000000000bb"

static void s_hello(s_net_t *n)
{
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "hello", TOKA, NULL), NULL, NULL, 0), 0);
    ck_assert_int_eq(s_rc(s_req(n, 1, NULL, 0, "sock", "hello", TOKB, NULL), NULL, NULL, 0), 0);
}

START_TEST(test_udp_round_trip_and_port_unreachable)
{
    s_net_t *n = s_net_new();
    s_hello(n);
    char fa[16], fb[16], v[64];
    ck_assert_int_eq(s_rc(s_req(n, 1, NULL, 0, "sock", "socket", TOKB, "udp", NULL), "fd", fb, sizeof fb), 0);
    ck_assert_int_eq(s_rc(s_req(n, 1, NULL, 0, "sock", "bind", TOKB, fb, "0.0.0.0", "7", NULL), NULL, NULL, 0), 0);
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "socket", TOKA, "udp", NULL), "fd", fa, sizeof fa), 0);
    /* the first sendto waits for ROUTE_REPLY (source address for the pseudo-header) */
    ck_assert_int_eq(s_rc(s_req(n, 0, "ping", 4, "sock", "sendto", TOKA, fa, "198.51.100.10", "7", NULL), "n", v,
                          sizeof v), 0);
    ck_assert_str_eq(v, "4");
    ck_assert_uint_eq(ls_counter_get(n->ctr[0], "transport.tx.route_query"), 1);
    Ls__CtlReply *r = s_req(n, 1, NULL, 0, "sock", "recvfrom", TOKB, fb, "100", NULL);
    ck_assert_int_eq(r->rc, 0);
    ck_assert_uint_eq(r->data.len, 4);
    ck_assert_mem_eq(r->data.data, "ping", 4);
    ck_assert_str_eq(s_kv(r, "addr"), "192.0.2.10");
    char aport[8];
    snprintf(aport, sizeof aport, "%s", s_kv(r, "port"));
    ls__ctl_reply__free_unpacked(r, NULL);
    ck_assert_int_eq(s_rc(s_req(n, 1, "pong", 4, "sock", "sendto", TOKB, fb, "192.0.2.10", aport, NULL), NULL, NULL, 0),
                     0);
    r = s_req(n, 0, NULL, 0, "sock", "recvfrom", TOKA, fa, "100", NULL);
    ck_assert_int_eq(r->rc, 0);
    ck_assert_mem_eq(r->data.data, "pong", 4);
    ls__ctl_reply__free_unpacked(r, NULL);
    /* nothing left: EAGAIN */
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "recvfrom", TOKA, fa, "100", NULL), NULL, NULL, 0), EAGAIN);
    /* a closed port: B hands the whole datagram (20 + 8 + 3) down for ICMP 3/3 */
    ck_assert_int_eq(s_rc(s_req(n, 0, "xyz", 3, "sock", "sendto", TOKA, fa, "198.51.100.10", "9", NULL), NULL, NULL, 0),
                     0);
    ck_assert_int_eq(n->icmp_sent, 1);
    ck_assert_uint_eq(n->icmp_type, 3);
    ck_assert_uint_eq(n->icmp_code, 3);
    ck_assert_uint_eq(n->icmp_len, 31);
    ck_assert_uint_eq(ls_counter_get(n->ctr[1], "udp.rx.no_port"), 1);
    /* the unconnected sender keeps a record of it (traceroute -U reads it with status) */
    r = s_req(n, 0, NULL, 0, "sock", "status", TOKA, fa, NULL);
    ck_assert_str_eq(s_kv(r, "icmp_count"), "1");
    ck_assert_str_eq(s_kv(r, "icmp_type"), "3");
    ck_assert_str_eq(s_kv(r, "icmp_code"), "3");
    ck_assert_str_eq(s_kv(r, "icmp_from"), "198.51.100.10");
    ck_assert_str_eq(s_kv(r, "icmp_dport"), "9");
    ls__ctl_reply__free_unpacked(r, NULL);
    /* a TTL option reaches NetTx */
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "setopt", TOKA, fa, "ttl", "2", NULL), NULL, NULL, 0), 0);
    ck_assert_int_eq(s_rc(s_req(n, 0, "t", 1, "sock", "sendto", TOKA, fa, "198.51.100.10", "7", NULL), NULL, NULL, 0), 0);
    ck_assert_uint_eq(n->last_ttl, 2);
    /* a connected socket hears ECONNREFUSED */
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "connect", TOKA, fa, "198.51.100.10", "9", NULL), NULL, NULL, 0),
                     0);
    ck_assert_int_eq(s_rc(s_req(n, 0, "xyz", 3, "sock", "send", TOKA, fa, NULL), NULL, NULL, 0), 0);
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "recv", TOKA, fa, "100", NULL), NULL, NULL, 0), ECONNREFUSED);
    /* netstat lists both UDP sockets */
    r = s_req(n, 1, NULL, 0, "table", "netstat", NULL);
    ck_assert_uint_ge(r->n_rows, 3);
    ck_assert_ptr_nonnull(strstr(r->rows[1], "Proto Recv-Q Send-Q Local Address"));
    ck_assert_ptr_nonnull(strstr(r->rows[2], "0.0.0.0:7"));
    ls__ctl_reply__free_unpacked(r, NULL);
    /* a bad session token */
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "socket", "0000000000000123", "udp", NULL), NULL, NULL, 0),
                     ENOTCONN);
    ck_assert_uint_eq(ls_counter_get(n->ctr[0], "sock.drop.no_session"), 1);
    s_net_destroy(n);
}
END_TEST

/* Open a connection A -> B:80; fills the fds. */
static void s_connect(s_net_t *n, char *fl, char *fa, char *fb)
{
    char v[64];
    ck_assert_int_eq(s_rc(s_req(n, 1, NULL, 0, "sock", "socket", TOKB, "tcp", NULL), "fd", fl, 16), 0);
    ck_assert_int_eq(s_rc(s_req(n, 1, NULL, 0, "sock", "bind", TOKB, fl, "0.0.0.0", "80", NULL), NULL, NULL, 0), 0);
    ck_assert_int_eq(s_rc(s_req(n, 1, NULL, 0, "sock", "listen", TOKB, fl, "8", NULL), NULL, NULL, 0), 0);
    /* nothing to accept yet */
    ck_assert_int_eq(s_rc(s_req(n, 1, NULL, 0, "sock", "accept", TOKB, fl, NULL), NULL, NULL, 0), EAGAIN);
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "socket", TOKA, "tcp", NULL), "fd", fa, 16), 0);
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "connect", TOKA, fa, "198.51.100.10", "80", NULL), NULL, NULL,
                          0), EINPROGRESS);
    char w[32];
    snprintf(w, sizeof w, "%s:2", fa);
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "wait", TOKA, "1000", w, NULL), "ready", v, sizeof v), 0);
    ck_assert_str_eq(v, w);
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "status", TOKA, fa, NULL), "state", v, sizeof v), 0);
    ck_assert_str_eq(v, "ESTABLISHED");
    snprintf(w, sizeof w, "%s:1", fl);
    ck_assert_int_eq(s_rc(s_req(n, 1, NULL, 0, "sock", "wait", TOKB, "1000", w, NULL), "ready", v, sizeof v), 0);
    ck_assert_str_eq(v, w);
    Ls__CtlReply *r = s_req(n, 1, NULL, 0, "sock", "accept", TOKB, fl, NULL);
    ck_assert_int_eq(r->rc, 0);
    ck_assert_str_eq(s_kv(r, "addr"), "192.0.2.10");
    snprintf(fb, 16, "%s", s_kv(r, "fd"));
    ls__ctl_reply__free_unpacked(r, NULL);
}

START_TEST(test_tcp_connect_transfer_close)
{
    s_net_t *n = s_net_new();
    s_hello(n);
    char fl[16], fa[16], fb[16], v[64];
    s_connect(n, fl, fa, fb);
    ck_assert_int_eq(s_rc(s_req(n, 0, "hello", 5, "sock", "send", TOKA, fa, NULL), "n", v, sizeof v), 0);
    ck_assert_str_eq(v, "5");
    /* B's app has not read: the data waits in B's transport (Recv-Q 5) */
    Ls__CtlReply *r = s_req(n, 1, NULL, 0, "table", "netstat", NULL);
    int found = 0;
    for (size_t i = 0; i < r->n_rows; i++)
        if (strstr(r->rows[i], "ESTABLISHED") && strstr(r->rows[i], "tcp        5"))
            found = 1;
    ck_assert_msg(found, "no ESTABLISHED row with Recv-Q 5");
    ls__ctl_reply__free_unpacked(r, NULL);
    r = s_req(n, 1, NULL, 0, "sock", "recv", TOKB, fb, "3", NULL);
    ck_assert_int_eq(r->rc, 0);
    ck_assert_uint_eq(r->data.len, 3);
    ck_assert_mem_eq(r->data.data, "hel", 3);
    ls__ctl_reply__free_unpacked(r, NULL);
    r = s_req(n, 1, NULL, 0, "sock", "recv", TOKB, fb, "100", NULL);
    ck_assert_mem_eq(r->data.data, "lo", 2);
    ls__ctl_reply__free_unpacked(r, NULL);
    ck_assert_int_eq(s_rc(s_req(n, 1, NULL, 0, "sock", "recv", TOKB, fb, "100", NULL), NULL, NULL, 0), EAGAIN);
    /* half-close from A: B reads EOF (an empty reply with rc 0) */
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "shutdown", TOKA, fa, "wr", NULL), NULL, NULL, 0), 0);
    r = s_req(n, 1, NULL, 0, "sock", "recv", TOKB, fb, "100", NULL);
    ck_assert_int_eq(r->rc, 0);
    ck_assert(!r->has_data || r->data.len == 0);
    ls__ctl_reply__free_unpacked(r, NULL);
    /* B can still send on its half */
    ck_assert_int_eq(s_rc(s_req(n, 1, "bye", 3, "sock", "send", TOKB, fb, NULL), NULL, NULL, 0), 0);
    r = s_req(n, 0, NULL, 0, "sock", "recv", TOKA, fa, "100", NULL);
    ck_assert_mem_eq(r->data.data, "bye", 3);
    ls__ctl_reply__free_unpacked(r, NULL);
    ck_assert_int_eq(s_rc(s_req(n, 1, NULL, 0, "sock", "close", TOKB, fb, NULL), NULL, NULL, 0), 0);
    /* A is the active closer: TIME_WAIT, shown by netstat, then gone after 2*MSL */
    r = s_req(n, 0, NULL, 0, "table", "netstat", NULL);
    found = 0;
    for (size_t i = 0; i < r->n_rows; i++)
        if (strstr(r->rows[i], "TIME_WAIT") && strstr(r->rows[i], "198.51.100.10:80"))
            found = 1;
    ck_assert_msg(found, "no TIME_WAIT row on the active closer");
    ls__ctl_reply__free_unpacked(r, NULL);
    r = s_req(n, 0, NULL, 0, "table", "ss", NULL);
    ck_assert_uint_ge(r->n_rows, 3);
    ck_assert_ptr_nonnull(strstr(r->rows[1], "TIME-WAIT"));
    ck_assert_ptr_nonnull(strstr(r->rows[2], "snd_una:"));
    ls__ctl_reply__free_unpacked(r, NULL);
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "close", TOKA, fa, NULL), NULL, NULL, 0), 0);
    s_advance(n, 2100000000ull);
    ck_assert_uint_eq(tcp_count(tsvc_tcp(n->h[0])), 0);
    /* the listener remains on B */
    ck_assert_uint_eq(tcp_count(tsvc_tcp(n->h[1])), 1);
    s_net_destroy(n);
}
END_TEST

START_TEST(test_tcp_refused_and_wait_timeout)
{
    s_net_t *n = s_net_new();
    s_hello(n);
    char fa[16], v[64], w[32];
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "socket", TOKA, "tcp", NULL), "fd", fa, sizeof fa), 0);
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "connect", TOKA, fa, "198.51.100.10", "81", NULL), NULL, NULL,
                          0), EINPROGRESS);
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "status", TOKA, fa, NULL), "err", v, sizeof v), 0);
    ck_assert_int_eq(atoi(v), ECONNREFUSED);
    /* an unreachable destination: net-svc says !found -> ENETUNREACH */
    char fu[16];
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "socket", TOKA, "tcp", NULL), "fd", fu, sizeof fu), 0);
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "connect", TOKA, fu, "203.0.113.9", "80", NULL), NULL, NULL,
                          0), ENETUNREACH);
    /* a wait with nothing ready answers at its deadline, with an empty set */
    char fu2[16];
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "socket", TOKA, "udp", NULL), "fd", fu2, sizeof fu2), 0);
    snprintf(w, sizeof w, "%s:1", fu2);
    ck_assert_ptr_null(s_req(n, 0, NULL, 0, "sock", "wait", TOKA, "100", w, NULL));
    ck_assert_int_eq(n->ndef[0], 0);
    s_advance(n, 100000000ull);
    ck_assert_int_eq(n->ndef[0], 1);
    ck_assert_int_eq(s_rc(n->def[0][0], "ready", v, sizeof v), 0);
    n->ndef[0] = 0;
    ck_assert_str_eq(v, "");
    /* an unknown fd is EBADF */
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "recv", TOKA, "999", "1", NULL), NULL, NULL, 0), EBADF);
    s_net_destroy(n);
}
END_TEST

START_TEST(test_dead_app_closes_sockets)
{
    s_net_t *n = s_net_new();
    s_hello(n);
    char fl[16], fa[16], fb[16], v[64];
    s_connect(n, fl, fa, fb);
    ck_assert_uint_eq(tsvc_sessions(n->h[0]), 1);
    /* B keeps beating; A falls silent past app_timeout (3 s) */
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(s_rc(s_req(n, 1, NULL, 0, "sock", "hb", TOKB, NULL), NULL, NULL, 0), 0);
        s_advance(n, 1000000000ull);
    }
    ck_assert_uint_eq(tsvc_sessions(n->h[0]), 0);
    ck_assert_uint_eq(ls_counter_get(n->ctr[0], "transport.app.timeout"), 1);
    /* A's socket was closed with FIN: B reads EOF */
    Ls__CtlReply *r = s_req(n, 1, NULL, 0, "sock", "recv", TOKB, fb, "100", NULL);
    ck_assert_int_eq(r->rc, 0);
    ck_assert(!r->has_data || r->data.len == 0);
    ls__ctl_reply__free_unpacked(r, NULL);
    ck_assert_int_eq(s_rc(s_req(n, 1, NULL, 0, "sock", "status", TOKB, fb, NULL), "state", v, sizeof v), 0);
    ck_assert_str_eq(v, "CLOSE_WAIT");
    /* "bye" ends B's session at once */
    ck_assert_int_eq(s_rc(s_req(n, 1, NULL, 0, "sock", "bye", TOKB, NULL), NULL, NULL, 0), 0);
    ck_assert_uint_eq(tsvc_sessions(n->h[1]), 0);
    s_net_destroy(n);
}
END_TEST

START_TEST(test_many_sockets_past_1024)
{
    /* issue 8: the fd table grows on demand (it stopped at 1,024 sockets);
     * fds stay the lowest free number, like POSIX. */
    enum { N = 3000 };
    s_net_t *n = s_net_new();
    s_hello(n);
    char fd[16], want[16];
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "socket", TOKA, "tcp", NULL), "fd", fd, sizeof fd), 0);
        snprintf(want, sizeof want, "%d", 3 + i);
        ck_assert_str_eq(fd, want);
    }
    /* free two, in the middle and past the old limit: the lowest comes back first */
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "close", TOKA, "2500", NULL), NULL, NULL, 0), 0);
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "close", TOKA, "700", NULL), NULL, NULL, 0), 0);
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "socket", TOKA, "udp", NULL), "fd", fd, sizeof fd), 0);
    ck_assert_str_eq(fd, "700");
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "socket", TOKA, "tcp", NULL), "fd", fd, sizeof fd), 0);
    ck_assert_str_eq(fd, "2500");
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "socket", TOKA, "tcp", NULL), "fd", fd, sizeof fd), 0);
    snprintf(want, sizeof want, "%d", 3 + N);
    ck_assert_str_eq(fd, want);
    /* an fd past the table is EBADF, not a crash */
    ck_assert_int_eq(s_rc(s_req(n, 0, NULL, 0, "sock", "close", TOKA, "60000", NULL), NULL, NULL, 0), EBADF);
    s_net_destroy(n);
}
END_TEST

Suite *tsvc_suite(void)
{
    Suite *s = suite_create("tsvc");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_udp_round_trip_and_port_unreachable);
    tcase_add_test(tc, test_tcp_connect_transfer_close);
    tcase_add_test(tc, test_tcp_refused_and_wait_timeout);
    tcase_add_test(tc, test_dead_app_closes_sockets);
    tcase_add_test(tc, test_many_sockets_past_1024);
    suite_add_tcase(s, tc);
    return s;
}
