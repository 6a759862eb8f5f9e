/*
 * test_tsvc_upper.c -- the socket service transport-svc gives the layer
 * above it over their pipe (transport-svc/tsvc_upper.c): SockOp in,
 * SockEvent out, on two cores back to back (tsvc_harness.h), fake clock.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "tsvc_harness.h"

#define S1 1u
#define S2 2u

static Ls__SockOp s_op(uint32_t sock, Ls__SockOp__Op op)
{
    Ls__SockOp o = LS__SOCK_OP__INIT;
    o.sock = sock;
    o.op = op;
    return o;
}

static void s_open_udp(th_net_t *n, int h, uint32_t sock, uint16_t port)
{
    Ls__SockOp o = s_op(sock, LS__SOCK_OP__OP__OPEN);
    o.has_protocol = o.has_local_port = 1;
    o.protocol = 17;
    o.local_port = port;
    th_upper(n, h, &o, NULL, 0);
}

static void s_send_udp(th_net_t *n, int h, uint32_t sock, uint32_t dst, uint16_t port, const char *msg)
{
    Ls__SockOp o = s_op(sock, LS__SOCK_OP__OP__SEND);
    o.has_protocol = o.has_remote_addr = o.has_remote_port = 1;
    o.protocol = 17;
    o.remote_addr = dst;
    o.remote_port = port;
    th_upper(n, h, &o, msg, strlen(msg));
}

START_TEST(test_udp_open_send_data)
{
    th_net_t *n = th_net_new();
    s_open_udp(n, 1, S1, 53);
    int k = th_up_find(n, 1, 0, S1, LS__SOCK_EVENT__EV__OPENED);
    ck_assert_int_ge(k, 0);
    const Ls__SockEvent *e = th_up_ev(n, 1, k, NULL, NULL);
    ck_assert_uint_eq(e->protocol, 17);
    ck_assert_uint_eq(e->local_port, 53);
    /* an ephemeral port on the other host */
    s_open_udp(n, 0, S2, 0);
    k = th_up_find(n, 0, 0, S2, LS__SOCK_EVENT__EV__OPENED);
    ck_assert_int_ge(k, 0);
    uint32_t eph = th_up_ev(n, 0, k, NULL, NULL)->local_port;
    ck_assert_uint_ge(eph, 49152);
    /* the first send waits for the route (source address), then goes */
    s_send_udp(n, 0, S2, B_IP, 53, "query");
    ck_assert_uint_eq(ls_counter_get(n->ctr[0], "transport.tx.route_query"), 1);
    k = th_up_find(n, 1, 0, S1, LS__SOCK_EVENT__EV__DATA);
    ck_assert_int_ge(k, 0);
    const uint8_t *pdu;
    size_t len;
    e = th_up_ev(n, 1, k, &pdu, &len);
    ck_assert_uint_eq(len, 5);
    ck_assert_mem_eq(pdu, "query", 5);
    ck_assert_uint_eq(e->remote_addr, A_IP);
    ck_assert_uint_eq(e->remote_port, eph);
    ck_assert_uint_eq(e->local_addr, B_IP);
    ck_assert_uint_eq(e->local_port, 53);
    /* the answer back to the ephemeral port */
    s_send_udp(n, 1, S1, A_IP, (uint16_t)eph, "answer");
    k = th_up_find(n, 0, 0, S2, LS__SOCK_EVENT__EV__DATA);
    ck_assert_int_ge(k, 0);
    e = th_up_ev(n, 0, k, &pdu, &len);
    ck_assert_mem_eq(pdu, "answer", 6);
    ck_assert_uint_eq(e->remote_port, 53);
    ck_assert_uint_eq(ls_counter_get(n->ctr[1], "udp.rx.datagrams"), 1);
    th_net_destroy(n);
}
END_TEST

START_TEST(test_udp_errors_are_events)
{
    th_net_t *n = th_net_new();
    s_open_udp(n, 1, S1, 53);
    /* the same port again: EADDRINUSE, as an ERROR event for the op */
    s_open_udp(n, 1, S2, 53);
    int k = th_up_find(n, 1, 0, S2, LS__SOCK_EVENT__EV__ERROR);
    ck_assert_int_ge(k, 0);
    const Ls__SockEvent *e = th_up_ev(n, 1, k, NULL, NULL);
    ck_assert_int_eq(e->error, EADDRINUSE);
    ck_assert_int_eq(e->op, LS__SOCK_OP__OP__OPEN);
    /* the id is still free after the failure, so reusing it works */
    s_open_udp(n, 1, S2, 5353);
    ck_assert_int_ge(th_up_find(n, 1, k, S2, LS__SOCK_EVENT__EV__OPENED), 0);
    /* an id already in use */
    s_open_udp(n, 1, S1, 54);
    k = th_up_find(n, 1, 0, S1, LS__SOCK_EVENT__EV__ERROR);
    ck_assert_int_ge(k, 0);
    ck_assert_int_eq(th_up_ev(n, 1, k, NULL, NULL)->error, EEXIST);
    /* a datagram to a closed port: ICMP port unreachable comes back as an ERROR event */
    s_open_udp(n, 0, 7, 0);
    s_send_udp(n, 0, 7, B_IP, 9, "x");
    k = th_up_find(n, 0, 0, 7, LS__SOCK_EVENT__EV__ERROR);
    ck_assert_int_ge(k, 0);
    e = th_up_ev(n, 0, k, NULL, NULL);
    ck_assert_int_eq(e->error, ECONNREFUSED);
    ck_assert_uint_eq(e->remote_addr, B_IP);
    ck_assert_uint_eq(e->remote_port, 9);
    /* SEND on an unknown socket is dropped and counted */
    s_send_udp(n, 0, 99, B_IP, 53, "x");
    ck_assert_uint_eq(ls_counter_get(n->ctr[0], "upper.drop.no_sock"), 1);
    th_net_destroy(n);
}
END_TEST

START_TEST(test_tcp_listen_connect_data_close)
{
    th_net_t *n = th_net_new();
    Ls__SockOp o = s_op(S1, LS__SOCK_OP__OP__LISTEN);
    o.has_protocol = o.has_local_port = 1;
    o.protocol = 6;
    o.local_port = 53;
    th_upper(n, 1, &o, NULL, 0);
    ck_assert_int_ge(th_up_find(n, 1, 0, S1, LS__SOCK_EVENT__EV__OPENED), 0);
    o = s_op(S2, LS__SOCK_OP__OP__CONNECT);
    o.has_protocol = o.has_remote_addr = o.has_remote_port = 1;
    o.protocol = 6;
    o.remote_addr = B_IP;
    o.remote_port = 53;
    th_upper(n, 0, &o, NULL, 0);
    int k = th_up_find(n, 0, 0, S2, LS__SOCK_EVENT__EV__CONNECTED);
    ck_assert_int_ge(k, 0);
    ck_assert_uint_eq(th_up_ev(n, 0, k, NULL, NULL)->remote_port, 53);
    /* the server side: one ACCEPTED with an id chosen by transport */
    int a = -1;
    for (int i = 0; i < n->nup[1]; i++)
        if (n->up[1][i]->sock_event && n->up[1][i]->sock_event->ev == LS__SOCK_EVENT__EV__ACCEPTED)
            a = i;
    ck_assert_int_ge(a, 0);
    const Ls__SockEvent *acc = th_up_ev(n, 1, a, NULL, NULL);
    uint32_t child = acc->sock;
    ck_assert_uint_ge(child, 0x80000000u);
    ck_assert_uint_eq(acc->listener, S1);
    ck_assert_uint_eq(acc->remote_addr, A_IP);
    /* client -> server stream bytes, in two sends */
    o = s_op(S2, LS__SOCK_OP__OP__SEND);
    th_upper(n, 0, &o, "\x00\x03" "ab", 4);
    th_upper(n, 0, &o, "c", 1);
    size_t got = 0;
    uint8_t buf[16];
    uint64_t next_off = 0;
    for (int i = th_up_find(n, 1, 0, child, LS__SOCK_EVENT__EV__DATA); i >= 0;
         i = th_up_find(n, 1, i + 1, child, LS__SOCK_EVENT__EV__DATA)) {
        const uint8_t *p;
        size_t len;
        const Ls__SockEvent *e = th_up_ev(n, 1, i, &p, &len);
        ck_assert_uint_eq(e->stream_off, next_off);
        memcpy(buf + got, p, len);
        got += len;
        next_off += len;
    }
    ck_assert_uint_eq(got, 5);
    ck_assert_mem_eq(buf, "\x00\x03" "abc", 5);
    /* the server answers and the client closes: the server sees CLOSED error 0 (FIN) */
    o = s_op(child, LS__SOCK_OP__OP__SEND);
    th_upper(n, 1, &o, "xy", 2);
    ck_assert_int_ge(th_up_find(n, 0, 0, S2, LS__SOCK_EVENT__EV__DATA), 0);
    o = s_op(S2, LS__SOCK_OP__OP__CLOSE);
    th_upper(n, 0, &o, NULL, 0);
    k = th_up_find(n, 1, 0, child, LS__SOCK_EVENT__EV__CLOSED);
    ck_assert_int_ge(k, 0);
    ck_assert_int_eq(th_up_ev(n, 1, k, NULL, NULL)->error, 0);
    o = s_op(child, LS__SOCK_OP__OP__CLOSE);
    th_upper(n, 1, &o, NULL, 0);
    th_advance(n, 5000000000ull); /* past TIME_WAIT */
    ck_assert_uint_eq(tcp_count(tsvc_tcp(n->h[0])) + tcp_count(tsvc_tcp(n->h[1])), 1); /* the listener */
    th_net_destroy(n);
}
END_TEST

START_TEST(test_tcp_refused_is_error_event)
{
    th_net_t *n = th_net_new();
    Ls__SockOp o = s_op(S2, LS__SOCK_OP__OP__CONNECT);
    o.has_protocol = o.has_remote_addr = o.has_remote_port = 1;
    o.protocol = 6;
    o.remote_addr = B_IP;
    o.remote_port = 53;
    th_upper(n, 0, &o, NULL, 0);
    int k = th_up_find(n, 0, 0, S2, LS__SOCK_EVENT__EV__ERROR);
    ck_assert_int_ge(k, 0);
    ck_assert_int_eq(th_up_ev(n, 0, k, NULL, NULL)->error, ECONNREFUSED);
    ck_assert_int_lt(th_up_find(n, 0, 0, S2, LS__SOCK_EVENT__EV__CONNECTED), 0);
    th_net_destroy(n);
}
END_TEST

START_TEST(test_upper_restart_frees_ports)
{
    th_net_t *n = th_net_new();
    th_upper_hello(n, 1, 0x1111);
    /* every HELLO is answered with transport's own (so the upper layer sees a restart) */
    ck_assert_int_eq(n->up[1][0]->kind, LS__KIND__HELLO);
    ck_assert_str_eq(n->up[1][0]->hello->service, "?-transport");
    s_open_udp(n, 1, S1, 53);
    ck_assert_uint_eq(udp_sock_count(tsvc_udp(n->h[1])), 1);
    /* the same instance again (a reconnect) keeps the sockets */
    th_upper_hello(n, 1, 0x1111);
    ck_assert_uint_eq(udp_sock_count(tsvc_udp(n->h[1])), 1);
    /* a new instance: port 53 is free for it */
    th_upper_hello(n, 1, 0x2222);
    ck_assert_uint_eq(udp_sock_count(tsvc_udp(n->h[1])), 0);
    ck_assert_uint_eq(ls_counter_get(n->ctr[1], "upper.restart"), 1);
    int before = n->nup[1];
    s_open_udp(n, 1, S1, 53);
    ck_assert_int_ge(th_up_find(n, 1, before, S1, LS__SOCK_EVENT__EV__OPENED), 0);
    th_net_destroy(n);
}
END_TEST

Suite *tsvc_upper_suite(void)
{
    Suite *s = suite_create("tsvc_upper");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_udp_open_send_data);
    tcase_add_test(tc, test_udp_errors_are_events);
    tcase_add_test(tc, test_tcp_listen_connect_data_close);
    tcase_add_test(tc, test_tcp_refused_is_error_event);
    tcase_add_test(tc, test_upper_restart_frees_ports);
    suite_add_tcase(s, tc);
    return s;
}
