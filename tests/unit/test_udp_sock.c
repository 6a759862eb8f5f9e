/*
 * test_udp_sock.c -- UDP socket table (transport-svc/udp_sock.c): demux of
 * hand-written datagrams, exact bytes out, drops with counters, ICMP errors.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "wire/bytes.h"
#include "transport-svc/udp_sock.h"

#define A LS_IP4(192, 0, 2, 10)
#define B LS_IP4(198, 51, 100, 10)

typedef struct {
    uint8_t out[256];
    size_t out_len;
    uint32_t out_src, out_dst;
    uint8_t out_ttl;
    int nout;
    int readable_sock, nreadable;
} s_cap_t;

static void s_output(void *ctx, uint32_t src, uint32_t dst, uint8_t ttl, const uint8_t *d, size_t len, uint64_t id,
                     const uint64_t *parents, size_t np)
{
    s_cap_t *c = ctx;
    ck_assert_uint_le(len, sizeof c->out);
    memcpy(c->out, d, len);
    c->out_len = len;
    c->out_src = src;
    c->out_dst = dst;
    c->out_ttl = ttl;
    c->nout++;
}

static void s_readable(void *ctx, int sock)
{
    s_cap_t *c = ctx;
    c->readable_sock = sock;
    c->nreadable++;
}

/* 192.0.2.10:5000 -> 198.51.100.10:7, "hi", checksum 0x9799 (computed by hand) */
static const uint8_t s_dgram[] = {0x13, 0x88, 0x00, 0x07, 0x00, 0x0a, 0x97, 0x99, 'h', 'i'};

static udp_sock_t *s_new(s_cap_t *cap, ls_counters_t *ctr)
{
    udp_sock_io_t io = {.ctx = cap, .output = s_output, .readable = s_readable, .counters = ctr};
    udp_sock_cfg_t cfg = udp_sock_cfg_default();
    cfg.rcvbuf = 4;
    return udp_sock_new(&cfg, &io);
}

START_TEST(test_deliver_known_bytes)
{
    s_cap_t cap = {0};
    ls_counters_t *ctr = ls_counters_new();
    udp_sock_t *u = s_new(&cap, ctr);
    int s = udp_sock_open(u);
    ck_assert_int_ge(s, 0);
    ck_assert_int_eq(udp_sock_bind(u, s, 0, 7), 0);
    ck_assert(!udp_sock_readable(u, s));
    ck_assert_int_eq(udp_sock_input(u, A, B, s_dgram, sizeof s_dgram, 1, 0), UDP_SOCK_DELIVERED);
    ck_assert_int_eq(cap.nreadable, 1);
    ck_assert_int_eq(cap.readable_sock, s);
    ck_assert(udp_sock_readable(u, s));
    char buf[16];
    uint32_t ip;
    uint16_t port;
    ck_assert_int_eq(udp_sock_recvfrom(u, s, buf, sizeof buf, &ip, &port), 2);
    ck_assert_mem_eq(buf, "hi", 2);
    ck_assert_uint_eq(ip, A);
    ck_assert_uint_eq(port, 5000);
    ck_assert_int_eq(udp_sock_recvfrom(u, s, buf, sizeof buf, &ip, &port), -1);
    ck_assert_int_eq(errno, EAGAIN);
    ck_assert_uint_eq(ls_counter_get(ctr, "udp.rx.datagrams"), 1);
    udp_sock_destroy(&u);
    ck_assert_ptr_null(u);
    ls_counters_destroy(&ctr);
}
END_TEST

START_TEST(test_emit_exact_bytes)
{
    s_cap_t cap = {0};
    ls_counters_t *ctr = ls_counters_new();
    udp_sock_t *u = s_new(&cap, ctr);
    int s = udp_sock_open(u);
    ck_assert_int_eq(udp_sock_bind(u, s, A, 5000), 0);
    ck_assert_int_eq(udp_sock_sendto(u, s, "hi", 2, B, 7, 0, NULL, 0), 2);
    ck_assert_int_eq(cap.nout, 1);
    ck_assert_uint_eq(cap.out_len, sizeof s_dgram);
    ck_assert_mem_eq(cap.out, s_dgram, sizeof s_dgram);
    ck_assert_uint_eq(cap.out_src, A);
    ck_assert_uint_eq(cap.out_dst, B);
    ck_assert_uint_eq(cap.out_ttl, 64);
    /* a TTL option (traceroute -U) */
    ck_assert_int_eq(udp_sock_set_ttl(u, s, 3), 0);
    ck_assert_int_eq(udp_sock_sendto(u, s, "hi", 2, B, 7, 0, NULL, 0), 2);
    ck_assert_uint_eq(cap.out_ttl, 3);
    ck_assert_int_eq(udp_sock_set_ttl(u, s, 0), -1);
    ck_assert_int_eq(errno, EINVAL);
    udp_sock_destroy(&u);
    ls_counters_destroy(&ctr);
}
END_TEST

START_TEST(test_reject_truncated_and_bad_checksum)
{
    s_cap_t cap = {0};
    ls_counters_t *ctr = ls_counters_new();
    udp_sock_t *u = s_new(&cap, ctr);
    int s = udp_sock_open(u);
    ck_assert_int_eq(udp_sock_bind(u, s, 0, 7), 0);
    ck_assert_int_eq(udp_sock_input(u, A, B, s_dgram, 5, 1, 0), UDP_SOCK_DROPPED);
    ck_assert_uint_eq(ls_counter_get(ctr, "udp.drop.truncated"), 1);
    uint8_t bad[sizeof s_dgram];
    memcpy(bad, s_dgram, sizeof bad);
    bad[9] ^= 0x01; /* payload bit flip */
    ck_assert_int_eq(udp_sock_input(u, A, B, bad, sizeof bad, 2, 0), UDP_SOCK_DROPPED);
    ck_assert_uint_eq(ls_counter_get(ctr, "udp.drop.bad_checksum"), 1);
    /* checksum 0 = none transmitted (RFC 768): accepted */
    bad[6] = bad[7] = 0;
    ck_assert_int_eq(udp_sock_input(u, A, B, bad, sizeof bad, 3, 0), UDP_SOCK_DELIVERED);
    /* garbage length field below 8 */
    static const uint8_t garbage[] = {0x13, 0x88, 0x00, 0x07, 0x00, 0x03, 0x00, 0x00, 0xff, 0xff};
    ck_assert_int_eq(udp_sock_input(u, A, B, garbage, sizeof garbage, 4, 0), UDP_SOCK_DROPPED);
    ck_assert_uint_eq(ls_counter_get(ctr, "udp.drop.bad_length"), 1);
    ck_assert_int_eq(cap.nreadable, 1);
    udp_sock_destroy(&u);
    ls_counters_destroy(&ctr);
}
END_TEST

START_TEST(test_no_port_and_queue_full)
{
    s_cap_t cap = {0};
    ls_counters_t *ctr = ls_counters_new();
    udp_sock_t *u = s_new(&cap, ctr);
    ck_assert_int_eq(udp_sock_input(u, A, B, s_dgram, sizeof s_dgram, 1, 0), UDP_SOCK_NO_PORT);
    ck_assert_uint_eq(ls_counter_get(ctr, "udp.rx.no_port"), 1);
    int s = udp_sock_open(u);
    ck_assert_int_eq(udp_sock_bind(u, s, 0, 7), 0);
    /* rcvbuf is 4 bytes: two 2-byte datagrams fit, the third is dropped */
    ck_assert_int_eq(udp_sock_input(u, A, B, s_dgram, sizeof s_dgram, 2, 0), UDP_SOCK_DELIVERED);
    ck_assert_int_eq(udp_sock_input(u, A, B, s_dgram, sizeof s_dgram, 3, 0), UDP_SOCK_DELIVERED);
    ck_assert_int_eq(udp_sock_input(u, A, B, s_dgram, sizeof s_dgram, 4, 0), UDP_SOCK_DROPPED);
    ck_assert_uint_eq(ls_counter_get(ctr, "udp.drop.rcvbuf_full"), 1);
    /* EADDRINUSE on the same port; a different address on a wildcard-bound port too */
    int s2 = udp_sock_open(u);
    ck_assert_int_eq(udp_sock_bind(u, s2, B, 7), -1);
    ck_assert_int_eq(errno, EADDRINUSE);
    ck_assert_int_eq(udp_sock_close(u, s), 0);
    ck_assert_int_eq(udp_sock_bind(u, s2, B, 7), 0);
    ck_assert_int_eq(udp_sock_close(u, s), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_uint_eq(udp_sock_count(u), 1);
    udp_sock_destroy(&u);
    ls_counters_destroy(&ctr);
}
END_TEST

START_TEST(test_connected_icmp_refused)
{
    s_cap_t cap = {0};
    ls_counters_t *ctr = ls_counters_new();
    udp_sock_t *u = s_new(&cap, ctr);
    int s = udp_sock_open(u);
    ck_assert_int_eq(udp_sock_sendto(u, s, "x", 1, 0, 0, A, NULL, 0), -1);
    ck_assert_int_eq(errno, EDESTADDRREQ);
    ck_assert_int_eq(udp_sock_connect(u, s, B, 7, A), 0);
    uint32_t ip;
    uint16_t port;
    ck_assert_int_eq(udp_sock_getsockname(u, s, &ip, &port), 0);
    ck_assert_uint_eq(ip, A);
    ck_assert_uint_ge(port, 49152);
    ck_assert_int_eq(udp_sock_sendto(u, s, "hi", 2, 0, 0, A, NULL, 0), 2);
    ck_assert_uint_eq(rd_be16(cap.out + 0), port);
    ck_assert_uint_eq(rd_be16(cap.out + 2), 7);
    /* the ICMP quote: our IPv4 header (20 bytes) + the first 8 UDP bytes */
    uint8_t q[28] = {0x45, 0x00, 0x00, 0x1e, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00};
    wr_be32(q + 12, A);
    wr_be32(q + 16, B);
    memcpy(q + 20, cap.out, 8);
    ck_assert(!udp_sock_icmp_unread(u, s));
    ck_assert_int_eq(udp_sock_icmp_error(u, 3, 3, B, q, sizeof q), s);
    ck_assert(udp_sock_icmp_unread(u, s));
    udp_sock_icmp_t ic;
    ck_assert_int_eq(udp_sock_last_icmp(u, s, &ic), 0);
    ck_assert_uint_eq(ic.count, 1);
    ck_assert_uint_eq(ic.type, 3);
    ck_assert_uint_eq(ic.code, 3);
    ck_assert_uint_eq(ic.from, B);
    ck_assert_uint_eq(ic.dst, B);
    ck_assert_uint_eq(ic.dport, 7);
    ck_assert(!udp_sock_icmp_unread(u, s));
    ck_assert(udp_sock_readable(u, s));
    char buf[4];
    ck_assert_int_eq(udp_sock_recvfrom(u, s, buf, sizeof buf, &ip, &port), -1);
    ck_assert_int_eq(errno, ECONNREFUSED);
    ck_assert_int_eq(udp_sock_recvfrom(u, s, buf, sizeof buf, &ip, &port), -1);
    ck_assert_int_eq(errno, EAGAIN);
    ck_assert_uint_eq(ls_counter_get(ctr, "udp.rx.icmp_error"), 1);
    /* a short quote is rejected */
    ck_assert_int_eq(udp_sock_icmp_error(u, 3, 3, B, q, 24), -1);
    ck_assert_uint_eq(ls_counter_get(ctr, "udp.drop.icmp_bad_quote"), 1);
    ck_assert_int_eq(udp_sock_icmp_errno(3, 1), EHOSTUNREACH);
    ck_assert_int_eq(udp_sock_icmp_errno(11, 0), EHOSTUNREACH);
    udp_sock_destroy(&u);
    ls_counters_destroy(&ctr);
}
END_TEST

Suite *udp_sock_suite(void)
{
    Suite *s = suite_create("udp_sock");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_deliver_known_bytes);
    tcase_add_test(tc, test_emit_exact_bytes);
    tcase_add_test(tc, test_reject_truncated_and_bad_checksum);
    tcase_add_test(tc, test_no_port_and_queue_full);
    tcase_add_test(tc, test_connected_icmp_refused);
    suite_add_tcase(s, tc);
    return s;
}
