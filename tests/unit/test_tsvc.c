/*
 * test_tsvc.c -- transport-svc's core (transport-svc/tsvc.c, tsvc_sock.c)
 * with two instances back to back on a fake clock (tsvc_harness.h). Apps
 * are simulated by "sock" ctl requests.
 */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/ipv4.h"
#include "tsvc_harness.h"

START_TEST(test_udp_round_trip_and_port_unreachable)
{
    th_net_t *n = th_net_new();
    th_hello(n);
    char fa[16], fb[16], v[64];
    ck_assert_int_eq(th_rc(th_req(n, 1, NULL, 0, "sock", "socket", TOKB, "udp", NULL), "fd", fb, sizeof fb), 0);
    ck_assert_int_eq(th_rc(th_req(n, 1, NULL, 0, "sock", "bind", TOKB, fb, "0.0.0.0", "7", NULL), NULL, NULL, 0), 0);
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "socket", TOKA, "udp", NULL), "fd", fa, sizeof fa), 0);
    /* the first sendto waits for ROUTE_REPLY (source address for the pseudo-header) */
    ck_assert_int_eq(th_rc(th_req(n, 0, "ping", 4, "sock", "sendto", TOKA, fa, "198.51.100.10", "7", NULL), "n", v,
                          sizeof v), 0);
    ck_assert_str_eq(v, "4");
    ck_assert_uint_eq(ls_counter_get(n->ctr[0], "transport.tx.route_query"), 1);
    Ls__CtlReply *r = th_req(n, 1, NULL, 0, "sock", "recvfrom", TOKB, fb, "100", NULL);
    ck_assert_int_eq(r->rc, 0);
    ck_assert_uint_eq(r->data.len, 4);
    ck_assert_mem_eq(r->data.data, "ping", 4);
    ck_assert_str_eq(th_kv(r, "addr"), "192.0.2.10");
    char aport[8];
    snprintf(aport, sizeof aport, "%s", th_kv(r, "port"));
    ls__ctl_reply__free_unpacked(r, NULL);
    ck_assert_int_eq(th_rc(th_req(n, 1, "pong", 4, "sock", "sendto", TOKB, fb, "192.0.2.10", aport, NULL), NULL, NULL, 0),
                     0);
    r = th_req(n, 0, NULL, 0, "sock", "recvfrom", TOKA, fa, "100", NULL);
    ck_assert_int_eq(r->rc, 0);
    ck_assert_mem_eq(r->data.data, "pong", 4);
    ls__ctl_reply__free_unpacked(r, NULL);
    /* nothing left: EAGAIN */
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "recvfrom", TOKA, fa, "100", NULL), NULL, NULL, 0), EAGAIN);
    /* a closed port: B hands the whole datagram (20 + 8 + 3) down for ICMP 3/3 */
    ck_assert_int_eq(th_rc(th_req(n, 0, "xyz", 3, "sock", "sendto", TOKA, fa, "198.51.100.10", "9", NULL), NULL, NULL, 0),
                     0);
    ck_assert_int_eq(n->icmp_sent, 1);
    ck_assert_uint_eq(n->icmp_type, 3);
    ck_assert_uint_eq(n->icmp_code, 3);
    ck_assert_uint_eq(n->icmp_len, 31);
    ck_assert_uint_eq(ls_counter_get(n->ctr[1], "udp.rx.no_port"), 1);
    /* the unconnected sender keeps a record of it (traceroute -U reads it with status) */
    r = th_req(n, 0, NULL, 0, "sock", "status", TOKA, fa, NULL);
    ck_assert_str_eq(th_kv(r, "icmp_count"), "1");
    ck_assert_str_eq(th_kv(r, "icmp_type"), "3");
    ck_assert_str_eq(th_kv(r, "icmp_code"), "3");
    ck_assert_str_eq(th_kv(r, "icmp_from"), "198.51.100.10");
    ck_assert_str_eq(th_kv(r, "icmp_dport"), "9");
    ls__ctl_reply__free_unpacked(r, NULL);
    /* a TTL option reaches NetTx */
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "setopt", TOKA, fa, "ttl", "2", NULL), NULL, NULL, 0), 0);
    ck_assert_int_eq(th_rc(th_req(n, 0, "t", 1, "sock", "sendto", TOKA, fa, "198.51.100.10", "7", NULL), NULL, NULL, 0), 0);
    ck_assert_uint_eq(n->last_ttl, 2);
    /* a connected socket hears ECONNREFUSED */
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "connect", TOKA, fa, "198.51.100.10", "9", NULL), NULL, NULL, 0),
                     0);
    ck_assert_int_eq(th_rc(th_req(n, 0, "xyz", 3, "sock", "send", TOKA, fa, NULL), NULL, NULL, 0), 0);
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "recv", TOKA, fa, "100", NULL), NULL, NULL, 0), ECONNREFUSED);
    /* netstat lists both UDP sockets */
    r = th_req(n, 1, NULL, 0, "table", "netstat", NULL);
    ck_assert_uint_ge(r->n_rows, 3);
    ck_assert_ptr_nonnull(strstr(r->rows[1], "Proto Recv-Q Send-Q Local Address"));
    ck_assert_ptr_nonnull(strstr(r->rows[2], "0.0.0.0:7"));
    ls__ctl_reply__free_unpacked(r, NULL);
    /* a bad session token */
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "socket", "0000000000000123", "udp", NULL), NULL, NULL, 0),
                     ENOTCONN);
    ck_assert_uint_eq(ls_counter_get(n->ctr[0], "sock.drop.no_session"), 1);
    th_net_destroy(n);
}
END_TEST

/* Open a connection A -> B:80; fills the fds. */
static void s_connect(th_net_t *n, char *fl, char *fa, char *fb)
{
    char v[64];
    ck_assert_int_eq(th_rc(th_req(n, 1, NULL, 0, "sock", "socket", TOKB, "tcp", NULL), "fd", fl, 16), 0);
    ck_assert_int_eq(th_rc(th_req(n, 1, NULL, 0, "sock", "bind", TOKB, fl, "0.0.0.0", "80", NULL), NULL, NULL, 0), 0);
    ck_assert_int_eq(th_rc(th_req(n, 1, NULL, 0, "sock", "listen", TOKB, fl, "8", NULL), NULL, NULL, 0), 0);
    /* nothing to accept yet */
    ck_assert_int_eq(th_rc(th_req(n, 1, NULL, 0, "sock", "accept", TOKB, fl, NULL), NULL, NULL, 0), EAGAIN);
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "socket", TOKA, "tcp", NULL), "fd", fa, 16), 0);
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "connect", TOKA, fa, "198.51.100.10", "80", NULL), NULL, NULL,
                          0), EINPROGRESS);
    char w[32];
    snprintf(w, sizeof w, "%s:2", fa);
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "wait", TOKA, "1000", w, NULL), "ready", v, sizeof v), 0);
    ck_assert_str_eq(v, w);
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "status", TOKA, fa, NULL), "state", v, sizeof v), 0);
    ck_assert_str_eq(v, "ESTABLISHED");
    snprintf(w, sizeof w, "%s:1", fl);
    ck_assert_int_eq(th_rc(th_req(n, 1, NULL, 0, "sock", "wait", TOKB, "1000", w, NULL), "ready", v, sizeof v), 0);
    ck_assert_str_eq(v, w);
    Ls__CtlReply *r = th_req(n, 1, NULL, 0, "sock", "accept", TOKB, fl, NULL);
    ck_assert_int_eq(r->rc, 0);
    ck_assert_str_eq(th_kv(r, "addr"), "192.0.2.10");
    snprintf(fb, 16, "%s", th_kv(r, "fd"));
    ls__ctl_reply__free_unpacked(r, NULL);
}

START_TEST(test_tcp_connect_transfer_close)
{
    th_net_t *n = th_net_new();
    th_hello(n);
    char fl[16], fa[16], fb[16], v[64];
    s_connect(n, fl, fa, fb);
    ck_assert_int_eq(th_rc(th_req(n, 0, "hello", 5, "sock", "send", TOKA, fa, NULL), "n", v, sizeof v), 0);
    ck_assert_str_eq(v, "5");
    /* B's app has not read: the data waits in B's transport (Recv-Q 5) */
    Ls__CtlReply *r = th_req(n, 1, NULL, 0, "table", "netstat", NULL);
    int found = 0;
    for (size_t i = 0; i < r->n_rows; i++)
        if (strstr(r->rows[i], "ESTABLISHED") && strstr(r->rows[i], "tcp        5"))
            found = 1;
    ck_assert_msg(found, "no ESTABLISHED row with Recv-Q 5");
    ls__ctl_reply__free_unpacked(r, NULL);
    r = th_req(n, 1, NULL, 0, "sock", "recv", TOKB, fb, "3", NULL);
    ck_assert_int_eq(r->rc, 0);
    ck_assert_uint_eq(r->data.len, 3);
    ck_assert_mem_eq(r->data.data, "hel", 3);
    ls__ctl_reply__free_unpacked(r, NULL);
    r = th_req(n, 1, NULL, 0, "sock", "recv", TOKB, fb, "100", NULL);
    ck_assert_mem_eq(r->data.data, "lo", 2);
    ls__ctl_reply__free_unpacked(r, NULL);
    ck_assert_int_eq(th_rc(th_req(n, 1, NULL, 0, "sock", "recv", TOKB, fb, "100", NULL), NULL, NULL, 0), EAGAIN);
    /* half-close from A: B reads EOF (an empty reply with rc 0) */
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "shutdown", TOKA, fa, "wr", NULL), NULL, NULL, 0), 0);
    r = th_req(n, 1, NULL, 0, "sock", "recv", TOKB, fb, "100", NULL);
    ck_assert_int_eq(r->rc, 0);
    ck_assert(!r->has_data || r->data.len == 0);
    ls__ctl_reply__free_unpacked(r, NULL);
    /* B can still send on its half */
    ck_assert_int_eq(th_rc(th_req(n, 1, "bye", 3, "sock", "send", TOKB, fb, NULL), NULL, NULL, 0), 0);
    r = th_req(n, 0, NULL, 0, "sock", "recv", TOKA, fa, "100", NULL);
    ck_assert_mem_eq(r->data.data, "bye", 3);
    ls__ctl_reply__free_unpacked(r, NULL);
    ck_assert_int_eq(th_rc(th_req(n, 1, NULL, 0, "sock", "close", TOKB, fb, NULL), NULL, NULL, 0), 0);
    /* A is the active closer: TIME_WAIT, shown by netstat, then gone after 2*MSL */
    r = th_req(n, 0, NULL, 0, "table", "netstat", NULL);
    found = 0;
    for (size_t i = 0; i < r->n_rows; i++)
        if (strstr(r->rows[i], "TIME_WAIT") && strstr(r->rows[i], "198.51.100.10:80"))
            found = 1;
    ck_assert_msg(found, "no TIME_WAIT row on the active closer");
    ls__ctl_reply__free_unpacked(r, NULL);
    r = th_req(n, 0, NULL, 0, "table", "ss", NULL);
    ck_assert_uint_ge(r->n_rows, 3);
    ck_assert_ptr_nonnull(strstr(r->rows[1], "TIME-WAIT"));
    ck_assert_ptr_nonnull(strstr(r->rows[2], "snd_una:"));
    ls__ctl_reply__free_unpacked(r, NULL);
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "close", TOKA, fa, NULL), NULL, NULL, 0), 0);
    th_advance(n, 2100000000ull);
    ck_assert_uint_eq(tcp_count(tsvc_tcp(n->h[0])), 0);
    /* the listener remains on B */
    ck_assert_uint_eq(tcp_count(tsvc_tcp(n->h[1])), 1);
    th_net_destroy(n);
}
END_TEST

START_TEST(test_tcp_refused_and_wait_timeout)
{
    th_net_t *n = th_net_new();
    th_hello(n);
    char fa[16], v[64], w[32];
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "socket", TOKA, "tcp", NULL), "fd", fa, sizeof fa), 0);
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "connect", TOKA, fa, "198.51.100.10", "81", NULL), NULL, NULL,
                          0), EINPROGRESS);
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "status", TOKA, fa, NULL), "err", v, sizeof v), 0);
    ck_assert_int_eq(atoi(v), ECONNREFUSED);
    /* an unreachable destination: net-svc says !found -> ENETUNREACH */
    char fu[16];
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "socket", TOKA, "tcp", NULL), "fd", fu, sizeof fu), 0);
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "connect", TOKA, fu, "203.0.113.9", "80", NULL), NULL, NULL,
                          0), ENETUNREACH);
    /* a wait with nothing ready answers at its deadline, with an empty set */
    char fu2[16];
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "socket", TOKA, "udp", NULL), "fd", fu2, sizeof fu2), 0);
    snprintf(w, sizeof w, "%s:1", fu2);
    ck_assert_ptr_null(th_req(n, 0, NULL, 0, "sock", "wait", TOKA, "100", w, NULL));
    ck_assert_int_eq(n->ndef[0], 0);
    th_advance(n, 100000000ull);
    ck_assert_int_eq(n->ndef[0], 1);
    ck_assert_int_eq(th_rc(n->def[0][0], "ready", v, sizeof v), 0);
    n->ndef[0] = 0;
    ck_assert_str_eq(v, "");
    /* an unknown fd is EBADF */
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "recv", TOKA, "999", "1", NULL), NULL, NULL, 0), EBADF);
    th_net_destroy(n);
}
END_TEST

START_TEST(test_dead_app_closes_sockets)
{
    th_net_t *n = th_net_new();
    th_hello(n);
    char fl[16], fa[16], fb[16], v[64];
    s_connect(n, fl, fa, fb);
    ck_assert_uint_eq(tsvc_sessions(n->h[0]), 1);
    /* B keeps beating; A falls silent past app_timeout (3 s) */
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(th_rc(th_req(n, 1, NULL, 0, "sock", "hb", TOKB, NULL), NULL, NULL, 0), 0);
        th_advance(n, 1000000000ull);
    }
    ck_assert_uint_eq(tsvc_sessions(n->h[0]), 0);
    ck_assert_uint_eq(ls_counter_get(n->ctr[0], "transport.app.timeout"), 1);
    /* A's socket was closed with FIN: B reads EOF */
    Ls__CtlReply *r = th_req(n, 1, NULL, 0, "sock", "recv", TOKB, fb, "100", NULL);
    ck_assert_int_eq(r->rc, 0);
    ck_assert(!r->has_data || r->data.len == 0);
    ls__ctl_reply__free_unpacked(r, NULL);
    ck_assert_int_eq(th_rc(th_req(n, 1, NULL, 0, "sock", "status", TOKB, fb, NULL), "state", v, sizeof v), 0);
    ck_assert_str_eq(v, "CLOSE_WAIT");
    /* "bye" ends B's session at once */
    ck_assert_int_eq(th_rc(th_req(n, 1, NULL, 0, "sock", "bye", TOKB, NULL), NULL, NULL, 0), 0);
    ck_assert_uint_eq(tsvc_sessions(n->h[1]), 0);
    th_net_destroy(n);
}
END_TEST

START_TEST(test_many_sockets_past_1024)
{
    /* the fd table grows on demand past 1,024 sockets;
     * fds stay the lowest free number, like POSIX. */
    enum { N = 3000 };
    th_net_t *n = th_net_new();
    th_hello(n);
    char fd[16], want[16];
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "socket", TOKA, "tcp", NULL), "fd", fd, sizeof fd), 0);
        snprintf(want, sizeof want, "%d", 3 + i);
        ck_assert_str_eq(fd, want);
    }
    /* free two, in the middle and past the old limit: the lowest comes back first */
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "close", TOKA, "2500", NULL), NULL, NULL, 0), 0);
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "close", TOKA, "700", NULL), NULL, NULL, 0), 0);
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "socket", TOKA, "udp", NULL), "fd", fd, sizeof fd), 0);
    ck_assert_str_eq(fd, "700");
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "socket", TOKA, "tcp", NULL), "fd", fd, sizeof fd), 0);
    ck_assert_str_eq(fd, "2500");
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "socket", TOKA, "tcp", NULL), "fd", fd, sizeof fd), 0);
    snprintf(want, sizeof want, "%d", 3 + N);
    ck_assert_str_eq(fd, want);
    /* an fd past the table is EBADF, not a crash */
    ck_assert_int_eq(th_rc(th_req(n, 0, NULL, 0, "sock", "close", TOKA, "60000", NULL), NULL, NULL, 0), EBADF);
    th_net_destroy(n);
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
