/*
 * test_dsvc.c -- dns-svc's core (dns-svc/dsvc*.c) on top of two real
 * transport-svc cores (tsvc_harness.h), on a fake clock: host 0 runs a stub
 * whose nameserver is host 1, host 1 serves example.test. authoritatively.
 * The test carries SockOps from each dsvc to its tsvc and SockEvents back,
 * through protobuf as on the dns:transport pipe, and plays the app asking
 * host 0's dsvc "resolve".
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/ctl_client.h"
#include "dns-svc/dsvc.h"
#include "tsvc_harness.h"

#define OPMAX 512

typedef struct s_world s_world_t;

typedef struct {
    s_world_t *w;
    int idx;
} s_side_t;

struct s_world {
    th_net_t *net;
    dsvc_t *d[2];
    s_side_t side[2];
    ls_counters_t *ctr[2];
    zone_t *zone;
    uint8_t *ops[2][OPMAX];  /* packed SockOps waiting for their tsvc */
    size_t oplen[2][OPMAX];
    int nops[2], opdone[2];
    int evdone[2];           /* SockEvents of th_net already handed to dsvc */
    int ready[2];
    Ls__CtlReply *reply;     /* the last deferred ctl reply of host 0 */
};

static const char *s_zone =
    "$ORIGIN example.test.\n$TTL 300\n"
    "@ IN SOA ns1 hostmaster 1 3600 900 604800 30\n@ IN NS ns1\nns1 IN A 198.51.100.10\n"
    "www IN A 198.51.100.10\nweb IN CNAME www\n"
    "many IN A 198.51.100.100\n";

static int s_send(void *ctx, Ls__Envelope *env)
{
    s_side_t *s = ctx;
    s_world_t *w = s->w;
    env->version = LS__VERSION__CONTRACT_VERSION;
    env->layer = LS__LAYER__DNS;
    env->dir = LS__DIRECTION__DOWN;
    ck_assert_int_eq(ls_env_check(env), LS_ENV_OK);
    size_t sz = ls__envelope__get_packed_size(env);
    ck_assert_int_lt(w->nops[s->idx], OPMAX);
    int k = w->nops[s->idx]++;
    w->ops[s->idx][k] = malloc(sz);
    ls__envelope__pack(env, w->ops[s->idx][k]);
    w->oplen[s->idx][k] = sz;
    return 0;
}

static int s_reply(void *ctx, const ls_ctl_peer_t *peer, ls_ctl_reply_t *rep)
{
    s_side_t *s = ctx;
    if (s->w->reply)
        ls__ctl_reply__free_unpacked(s->w->reply, NULL);
    s->w->reply = th_copy_reply(rep);
    return 0;
}

static uint64_t s_id(void *ctx)
{
    static uint64_t next = 1; /* ids only label log lines here */
    return ((uint64_t)0xd0 << 32) | next++;
}

static void s_ready(void *ctx)
{
    s_side_t *s = ctx;
    s->w->ready[s->idx]++;
}

/* Move ops and events back and forth until nothing is left. */
static void s_pump(s_world_t *w)
{
    for (int guard = 0; guard < 10000; guard++) {
        bool moved = false;
        for (int h = 0; h < 2; h++) {
            while (w->opdone[h] < w->nops[h]) {
                int k = w->opdone[h]++;
                Ls__Envelope *env = NULL;
                ck_assert_int_eq(ls_env_unpack(w->ops[h][k], w->oplen[h][k], &env), LS_ENV_OK);
                tsvc_upper_rx(w->net->h[h], env, w->net->now);
                ls_env_free(&env);
                moved = true;
            }
            th_pump(w->net);
            while (w->evdone[h] < w->net->nup[h]) {
                dsvc_transport_rx(w->d[h], w->net->up[h][w->evdone[h]++], w->net->now);
                moved = true;
            }
            if (dsvc_next_deadline(w->d[h]) <= w->net->now) {
                dsvc_poll(w->d[h], w->net->now);
                moved = true;
            }
        }
        if (!moved)
            return;
    }
    ck_abort_msg("dns pump did not settle");
}

static s_world_t *s_world(void)
{
    s_world_t *w = calloc(1, sizeof *w);
    w->net = th_net_new();
    char err[200];
    w->zone = zone_load_buf("t.zone", s_zone, strlen(s_zone), NULL, err, sizeof err);
    ck_assert_msg(w->zone != NULL, "%s", err);
    /* 99 more addresses for "many": too big for a UDP answer */
    for (int i = 0; i < 2; i++) {
        w->side[i] = (s_side_t){w, i};
        w->ctr[i] = ls_counters_new();
        dsvc_cfg_t cfg = dsvc_cfg_default();
        cfg.host = i ? "hostb" : "hosta";
        cfg.addr = w->net->addr[i];
        cfg.stub.ns[0] = B_IP;
        cfg.stub.nns = 1;
        cfg.stub.timeout_ns = 2000000000ull;
        if (i == 1) {
            static const zone_t *zs[1];
            zs[0] = w->zone;
            cfg.zones = zs;
            cfg.nzones = 1;
        }
        dsvc_io_t io = {.ctx = &w->side[i], .transport_send = s_send, .reply = s_reply, .new_pdu_id = s_id,
                        .ready = s_ready, .counters = w->ctr[i]};
        w->d[i] = dsvc_new(&cfg, &io, w->net->now);
        ck_assert_ptr_nonnull(w->d[i]);
    }
    s_pump(w);
    return w;
}

static void s_world_free(s_world_t *w)
{
    for (int h = 0; h < 2; h++) {
        dsvc_destroy(&w->d[h]);
        ls_counters_destroy(&w->ctr[h]);
        for (int k = 0; k < w->nops[h]; k++)
            free(w->ops[h][k]);
    }
    if (w->reply)
        ls__ctl_reply__free_unpacked(w->reply, NULL);
    zone_destroy(&w->zone);
    th_net_destroy(w->net);
    free(w);
}

/* ctl "resolve NAME TYPE" on host 0; the reply (deferred or not). */
static const Ls__CtlReply *s_resolve(s_world_t *w, const char *name, const char *type)
{
    const char *args[] = {name, type};
    Ls__CtlRequest req = LS__CTL_REQUEST__INIT;
    req.version = 1;
    req.cmd = "resolve";
    req.args = (char **)args;
    req.n_args = 2;
    ls_ctl_reply_t rep;
    ls_ctl_reply_init(&rep);
    ls_ctl_peer_t peer = {.id = {'x'}, .len = 1};
    if (w->reply)
        ls__ctl_reply__free_unpacked(w->reply, NULL);
    w->reply = NULL;
    int rc = dsvc_ctl(w->d[0], &req, &rep, &peer, w->net->now);
    ck_assert_int_eq(rc, 1); /* answered later, through io.reply */
    ls_ctl_reply_fini(&rep);
    s_pump(w);
    return w->reply;
}

static size_t s_rows(const Ls__CtlReply *r, const char *prefix)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_rows; i++)
        n += strncmp(r->rows[i], prefix, strlen(prefix)) == 0;
    return n;
}

START_TEST(test_ready_after_port_53)
{
    s_world_t *w = s_world();
    /* host 1 is ready only once transport-svc opened UDP and TCP port 53 */
    ck_assert_int_eq(w->ready[0], 1);
    ck_assert_int_eq(w->ready[1], 1);
    ck_assert_uint_eq(udp_sock_count(tsvc_udp(w->net->h[1])), 1);
    ck_assert_uint_eq(tcp_count(tsvc_tcp(w->net->h[1])), 1); /* the listener */
    ck_assert_uint_eq(udp_sock_count(tsvc_udp(w->net->h[0])), 0); /* a stub opens nothing */
    s_world_free(w);
}
END_TEST

START_TEST(test_stub_asks_the_server)
{
    s_world_t *w = s_world();
    const Ls__CtlReply *r = s_resolve(w, "web.example.test", "A");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->rc, 0);
    ck_assert_str_eq(ls_ctl_reply_get(r, "rcode"), "NOERROR");
    ck_assert_str_eq(ls_ctl_reply_get(r, "source"), "server");
    ck_assert_str_eq(ls_ctl_reply_get(r, "server"), "198.51.100.10");
    ck_assert_uint_eq(s_rows(r, "ANSWER\tweb.example.test.\t300\tIN\tCNAME\twww.example.test."), 1);
    ck_assert_uint_eq(s_rows(r, "ANSWER\twww.example.test.\t300\tIN\tA\t198.51.100.10"), 1);
    ck_assert_uint_eq(ls_counter_get(w->ctr[1], "dns.server.queries"), 1);
    ck_assert_uint_eq(ls_counter_get(w->ctr[0], "dns.tx.udp"), 1);
    /* the query's socket is closed once answered */
    ck_assert_uint_eq(udp_sock_count(tsvc_udp(w->net->h[0])), 0);
    /* NXDOMAIN with the SOA */
    r = s_resolve(w, "nope.example.test.", "A");
    ck_assert_str_eq(ls_ctl_reply_get(r, "rcode"), "NXDOMAIN");
    ck_assert_uint_eq(s_rows(r, "AUTHORITY\texample.test.\t30\tIN\tSOA"), 1);
    /* from the stub's cache the second time */
    r = s_resolve(w, "www.example.test", "A");
    ck_assert_str_eq(ls_ctl_reply_get(r, "source"), "cache");
    s_world_free(w);
}
END_TEST

START_TEST(test_truncated_then_tcp)
{
    s_world_t *w = s_world();
    /* many has 100 addresses once the zone has them all */
    zone_destroy(&w->zone);
    char text[8192];
    size_t off = (size_t)snprintf(text, sizeof text, "%s", s_zone);
    for (int i = 101; i < 200; i++)
        off += (size_t)snprintf(text + off, sizeof text - off, "many IN A 198.51.100.%d\n", i);
    char err[200];
    w->zone = zone_load_buf("t.zone", text, off, NULL, err, sizeof err);
    ck_assert_msg(w->zone != NULL, "%s", err);
    static const zone_t *zs[1];
    zs[0] = w->zone;
    dsvc_destroy(&w->d[1]);
    dsvc_cfg_t cfg = dsvc_cfg_default();
    cfg.host = "hostb";
    cfg.addr = B_IP;
    cfg.zones = zs;
    cfg.nzones = 1;
    dsvc_io_t io = {.ctx = &w->side[1], .transport_send = s_send, .reply = s_reply, .new_pdu_id = s_id,
                    .ready = s_ready, .counters = w->ctr[1]};
    w->d[1] = dsvc_new(&cfg, &io, w->net->now);
    th_upper_hello(w->net, 1, 0x7777); /* the new instance: transport frees the old one's port 53 */
    s_pump(w);
    const Ls__CtlReply *r = s_resolve(w, "many.example.test", "A");
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(ls_ctl_reply_get(r, "rcode"), "NOERROR");
    ck_assert_uint_eq(s_rows(r, "ANSWER\tmany.example.test."), 100);
    ck_assert_uint_eq(ls_counter_get(w->ctr[1], "dns.server.tx.truncated"), 1);
    ck_assert_uint_eq(ls_counter_get(w->ctr[0], "dns.stub.truncated"), 1);
    ck_assert_uint_eq(ls_counter_get(w->ctr[0], "dns.tx.tcp"), 1);
    ck_assert_uint_eq(ls_counter_get(w->ctr[1], "dns.server.tcp_accepted"), 1);
    /* the client closed after its answer, the server closed on its FIN: after
     * TIME_WAIT only the listener is left on either side */
    th_advance(w->net, 11000000000ull);
    s_pump(w);
    ck_assert_uint_eq(tcp_count(tsvc_tcp(w->net->h[1])), 1);
    ck_assert_uint_eq(tcp_count(tsvc_tcp(w->net->h[0])), 0);
    s_world_free(w);
}
END_TEST

START_TEST(test_transport_restart_reopens_port_53)
{
    s_world_t *w = s_world();
    ck_assert_int_eq(w->ready[1], 1);
    /* transport-svc answers HELLOs with its instance; a new one means it restarted */
    Ls__Hello h = LS__HELLO__INIT;
    h.service = "hostb-transport";
    h.instance = 0x4242;
    Ls__Envelope env;
    ls_env_setup(&env, LS__KIND__HELLO, 1, NULL, 0, NULL, 0);
    env.hello = &h;
    int before = w->nops[1];
    dsvc_transport_rx(w->d[1], &env, w->net->now);
    ck_assert_uint_eq(ls_counter_get(w->ctr[1], "dns.transport_restart"), 1);
    ck_assert_int_eq(w->nops[1], before + 2); /* OPEN udp 53, LISTEN tcp 53 again */
    s_world_free(w);
}
END_TEST

START_TEST(test_malformed_query_formerr)
{
    s_world_t *w = s_world();
    /* a query whose question runs off the end: FORMERR back (the header parses) */
    static const uint8_t bad[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w'};
    Ls__SockOp o = LS__SOCK_OP__INIT;
    o.sock = 9;
    o.op = LS__SOCK_OP__OP__OPEN;
    o.has_protocol = 1;
    o.protocol = 17;
    th_upper(w->net, 0, &o, NULL, 0);
    o.op = LS__SOCK_OP__OP__SEND;
    o.has_remote_addr = o.has_remote_port = 1;
    o.remote_addr = B_IP;
    o.remote_port = 53;
    th_upper(w->net, 0, &o, bad, sizeof bad);
    s_pump(w);
    ck_assert_uint_eq(ls_counter_get(w->ctr[1], "dns.server.drop.name_trunc"), 1);
    int k = th_up_find(w->net, 0, 0, 9, LS__SOCK_EVENT__EV__DATA);
    ck_assert_int_ge(k, 0);
    const uint8_t *pdu;
    size_t len;
    th_up_ev(w->net, 0, k, &pdu, &len);
    ck_assert_uint_ge(len, 12);
    ck_assert_uint_eq(pdu[0], 0x12);
    ck_assert_uint_eq(pdu[1], 0x34);
    ck_assert_uint_eq(pdu[3] & 0x0f, 1); /* RCODE FORMERR */
    s_world_free(w);
}
END_TEST

Suite *dsvc_suite(void)
{
    Suite *s = suite_create("dsvc");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_ready_after_port_53);
    tcase_add_test(tc, test_stub_asks_the_server);
    tcase_add_test(tc, test_truncated_then_tcp);
    tcase_add_test(tc, test_transport_restart_reopens_port_53);
    tcase_add_test(tc, test_malformed_query_formerr);
    suite_add_tcase(s, tc);
    return s;
}
