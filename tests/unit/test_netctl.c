/*
 * test_netctl.c -- net-svc control-plane helpers: route(8) argument parsing,
 * the raw ICMP listener table and the rule matching received ICMP to it.
 * Calls: netctl_route_parse, netctl_raw_open/close/next/count, netctl_icmp_key.
 */
#include <check.h>
#include <string.h>

#include "wire/bytes.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "net-svc/netctl.h"

/* 198.51.100.10 > 192.0.2.10: ICMP echo reply, id 0x1234, seq 1, "abcd" (ttl 63) */
static const uint8_t s_echo_reply[] = {
    0x45, 0x00, 0x00, 0x20, 0x00, 0x07, 0x00, 0x00, 0x3f, 0x01, 0x8f, 0x8e, 0xc6, 0x33, 0x64, 0x0a,
    0xc0, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x29, 0x04, 0x12, 0x34, 0x00, 0x01, 0x61, 0x62, 0x63, 0x64};

/* 192.0.2.1 > 192.0.2.10: ICMP time exceeded in-transit, quoting
 * 192.0.2.10 > 198.51.100.10 echo request id 0x1234 seq 3 (ttl 1) */
static const uint8_t s_time_exceeded[] = {
    0x45, 0x00, 0x00, 0x38, 0x00, 0x20, 0x00, 0x00, 0x40, 0x01, 0xf6, 0x99, 0xc0, 0x00, 0x02, 0x01,
    0xc0, 0x00, 0x02, 0x0a, 0x0b, 0x00, 0xb9, 0xc6, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x20,
    0x00, 0x09, 0x00, 0x00, 0x01, 0x01, 0xcd, 0x8c, 0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x0a,
    0x08, 0x00, 0x21, 0x02, 0x12, 0x34, 0x00, 0x03};

START_TEST(test_key_echo_reply)
{
    uint16_t id = 0;
    ck_assert_int_eq(netctl_icmp_key(s_echo_reply, sizeof s_echo_reply, &id), 0);
    ck_assert_uint_eq(id, 0x1234);
    /* the bytes are what they claim: a valid header */
    ipv4_repr_t ip;
    ck_assert_int_eq(ipv4_parse(s_echo_reply, sizeof s_echo_reply, &ip), IPV4_OK);
    ck_assert_uint_eq(ip.ttl, 63);
}
END_TEST

START_TEST(test_key_error_quotes_request)
{
    uint16_t id = 0;
    ck_assert_int_eq(netctl_icmp_key(s_time_exceeded, sizeof s_time_exceeded, &id), 0);
    ck_assert_uint_eq(id, 0x1234);
}
END_TEST

/* 192.0.2.1 > 192.0.2.10: ICMP time exceeded quoting a UDP probe
 * 192.0.2.10.40000 > 198.51.100.10.33434 (ttl 1), as traceroute -U sees it */
static const uint8_t s_te_udp[] = {
    0x45, 0x00, 0x00, 0x38, 0x00, 0x21, 0x00, 0x00, 0x40, 0x01, 0xf6, 0x98, 0xc0, 0x00, 0x02, 0x01,
    0xc0, 0x00, 0x02, 0x0a, 0x0b, 0x00, 0xd5, 0xfc, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x3c,
    0x00, 0x0a, 0x00, 0x00, 0x01, 0x11, 0xcd, 0x5f, 0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x0a,
    0x9c, 0x40, 0x82, 0x9a, 0x00, 0x28, 0x00, 0x00};

START_TEST(test_key_error_quotes_udp)
{
    uint8_t proto = 0;
    uint16_t key = 0;
    ck_assert_int_eq(netctl_icmp_key_ex(s_te_udp, sizeof s_te_udp, &proto, &key), 0);
    ck_assert_uint_eq(proto, IP_PROTO_UDP);
    ck_assert_uint_eq(key, 40000);
    ck_assert_int_eq(netctl_icmp_key_ex(s_te_udp, sizeof s_te_udp - 1, &proto, &key), -1);
    /* echo-related ones through the extended call */
    ck_assert_int_eq(netctl_icmp_key_ex(s_echo_reply, sizeof s_echo_reply, &proto, &key), 0);
    ck_assert_uint_eq(proto, IP_PROTO_ICMP);
    ck_assert_uint_eq(key, 0x1234);
    /* a UDP registration gets it, an ICMP one with the same number does not */
    netctl_raws_t t;
    memset(&t, 0, sizeof t);
    ls_ctl_peer_t a = {.len = 2, .id = "tr"}, b = {.len = 2, .id = "pi"};
    ck_assert_int_eq(netctl_raw_open_proto(&t, &a, IP_PROTO_UDP, 40000), 0);
    ck_assert_int_eq(netctl_raw_open(&t, &b, 40000), 0);
    ck_assert_int_eq(netctl_raw_open_proto(&t, &b, IP_PROTO_TCP, 1), -1);
    size_t cur = 0;
    netctl_raw_t *r = netctl_raw_next(&t, IP_PROTO_UDP, 40000, &cur);
    ck_assert_ptr_nonnull(r);
    ck_assert_mem_eq(r->peer.id, "tr", 2);
    ck_assert_ptr_null(netctl_raw_next(&t, IP_PROTO_UDP, 40000, &cur));
}
END_TEST

START_TEST(test_key_rejects)
{
    uint16_t id = 0xbeef;
    /* truncated copies: every shorter prefix of the error is refused */
    for (size_t n = 0; n < sizeof s_time_exceeded; n++)
        ck_assert_int_eq(netctl_icmp_key(s_time_exceeded, n, &id), -1);
    for (size_t n = 0; n < 28; n++)
        ck_assert_int_eq(netctl_icmp_key(s_echo_reply, n, &id), -1);
    ck_assert_uint_eq(id, 0xbeef);
    uint8_t b[sizeof s_time_exceeded];
    /* an echo request (not for raw listeners: net-svc answers it) */
    memcpy(b, s_echo_reply, sizeof s_echo_reply);
    b[20] = ICMP_ECHO_REQUEST;
    ck_assert_int_eq(netctl_icmp_key(b, sizeof s_echo_reply, &id), -1);
    /* not ICMP */
    memcpy(b, s_echo_reply, sizeof s_echo_reply);
    b[IP4_OFF_PROTO] = IP_PROTO_UDP;
    ck_assert_int_eq(netctl_icmp_key(b, sizeof s_echo_reply, &id), -1);
    /* an error quoting a UDP datagram (not an echo), or a non-first fragment */
    memcpy(b, s_time_exceeded, sizeof b);
    b[28 + IP4_OFF_PROTO] = IP_PROTO_UDP;
    ck_assert_int_eq(netctl_icmp_key(b, sizeof b, &id), -1);
    memcpy(b, s_time_exceeded, sizeof b);
    b[28 + IP4_OFF_PROTO] = IP_PROTO_TCP;
    uint8_t proto;
    ck_assert_int_eq(netctl_icmp_key_ex(b, sizeof b, &proto, &id), -1);
    memcpy(b, s_time_exceeded, sizeof b);
    wr_be16(b + 28 + IP4_OFF_FRAG, 0x0010);
    ck_assert_int_eq(netctl_icmp_key(b, sizeof b, &id), -1);
    /* garbage */
    memset(b, 0xa5, sizeof b);
    ck_assert_int_eq(netctl_icmp_key(b, sizeof b, &id), -1);
    ck_assert_int_eq(netctl_icmp_key(NULL, 40, &id), -1);
}
END_TEST

static int s_parse(const char *const *a, size_t n, netctl_route_t *r, char *err)
{
    return netctl_route_parse(a, n, r, err, 160);
}

START_TEST(test_route_parse)
{
    netctl_route_t r;
    char err[160];
    const char *a1[] = {"203.0.113.7/24", "via", "198.51.100.1", "dev", "eth1", "metric", "7"};
    ck_assert_int_eq(s_parse(a1, 7, &r, err), 0);
    ck_assert_uint_eq(r.dst, LS_IP4(203, 0, 113, 0)); /* masked */
    ck_assert_uint_eq(r.prefix_len, 24);
    ck_assert_uint_eq(r.gateway, LS_IP4(198, 51, 100, 1));
    ck_assert_str_eq(r.dev, "eth1");
    ck_assert_uint_eq(r.metric, 7);
    ck_assert(r.has_metric);
    const char *a2[] = {"default", "gw", "192.0.2.1"};
    ck_assert_int_eq(s_parse(a2, 3, &r, err), 0);
    ck_assert_uint_eq(r.dst, 0);
    ck_assert_uint_eq(r.prefix_len, 0);
    ck_assert_uint_eq(r.gateway, LS_IP4(192, 0, 2, 1));
    ck_assert_str_eq(r.dev, "");
    const char *a3[] = {"-host", "198.51.100.77", "dev", "eth0"};
    ck_assert_int_eq(s_parse(a3, 4, &r, err), 0);
    ck_assert_uint_eq(r.prefix_len, 32);
    ck_assert_uint_eq(r.dst, LS_IP4(198, 51, 100, 77));
    const char *a4[] = {"-net", "203.0.113.0", "netmask", "255.255.255.128", "dev", "eth0"};
    ck_assert_int_eq(s_parse(a4, 6, &r, err), 0);
    ck_assert_uint_eq(r.prefix_len, 25);
}
END_TEST

START_TEST(test_route_parse_errors)
{
    netctl_route_t r;
    char err[160] = "";
    ck_assert_int_eq(s_parse(NULL, 0, &r, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "missing destination"));
    const char *b1[] = {"203.0.113.0/33"};
    ck_assert_int_eq(s_parse(b1, 1, &r, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "bad destination"));
    const char *b2[] = {"203.0.113.0/24", "via"};
    ck_assert_int_eq(s_parse(b2, 2, &r, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "needs a value"));
    const char *b3[] = {"203.0.113.0/24", "via", "300.1.1.1"};
    ck_assert_int_eq(s_parse(b3, 3, &r, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "bad gateway"));
    const char *b4[] = {"203.0.113.0/24", "metric", "x"};
    ck_assert_int_eq(s_parse(b4, 3, &r, err), -1);
    const char *b5[] = {"203.0.113.0/24", "table", "5"};
    ck_assert_int_eq(s_parse(b5, 3, &r, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "unknown keyword"));
    const char *b6[] = {"203.0.113.0", "netmask", "255.0.255.0"};
    ck_assert_int_eq(s_parse(b6, 3, &r, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "not contiguous"));
    const char *b7[] = {"-net", "203.0.113.0"};
    ck_assert_int_eq(s_parse(b7, 2, &r, err), -1);
}
END_TEST

static ls_ctl_peer_t s_peer(const char *id)
{
    ls_ctl_peer_t p = {.len = strlen(id)};
    memcpy(p.id, id, p.len);
    return p;
}

START_TEST(test_raw_table)
{
    netctl_raws_t t;
    memset(&t, 0, sizeof t);
    ls_ctl_peer_t a = s_peer("ping-a"), b = s_peer("trace-b"), c = s_peer("ping-c");
    ck_assert_int_eq(netctl_raw_open(&t, &a, 0x1234), 0);
    ck_assert_int_eq(netctl_raw_open(&t, &b, 0x4321), 0);
    ck_assert_int_eq(netctl_raw_open(&t, &c, 0x1234), 0);
    ck_assert_uint_eq(netctl_raw_count(&t), 3);
    /* both listeners with id 0x1234, none other */
    size_t cur = 0;
    netctl_raw_t *r1 = netctl_raw_next(&t, IP_PROTO_ICMP, 0x1234, &cur);
    netctl_raw_t *r2 = netctl_raw_next(&t, IP_PROTO_ICMP, 0x1234, &cur);
    ck_assert_ptr_nonnull(r1);
    ck_assert_ptr_nonnull(r2);
    ck_assert_ptr_null(netctl_raw_next(&t, IP_PROTO_ICMP, 0x1234, &cur));
    ck_assert_mem_eq(r1->peer.id, "ping-a", 6);
    ck_assert_mem_eq(r2->peer.id, "ping-c", 6);
    /* re-open by the same peer replaces, it does not add */
    ck_assert_int_eq(netctl_raw_open(&t, &a, 0x9999), 0);
    ck_assert_uint_eq(netctl_raw_count(&t), 3);
    cur = 0;
    ck_assert_ptr_nonnull(netctl_raw_next(&t, IP_PROTO_ICMP, 0x9999, &cur));
    ck_assert_int_eq(netctl_raw_close(&t, &a), 0);
    ck_assert_int_eq(netctl_raw_close(&t, &a), -1);
    ck_assert_uint_eq(netctl_raw_count(&t), 2);
    cur = 0;
    ck_assert_ptr_null(netctl_raw_next(&t, IP_PROTO_ICMP, 0x9999, &cur));
}
END_TEST

START_TEST(test_raw_table_full)
{
    netctl_raws_t t;
    memset(&t, 0, sizeof t);
    char name[16];
    for (int i = 0; i < NETCTL_RAW_MAX; i++) {
        snprintf(name, sizeof name, "app-%d", i);
        ls_ctl_peer_t p = s_peer(name);
        ck_assert_int_eq(netctl_raw_open(&t, &p, (uint16_t)i), 0);
    }
    ls_ctl_peer_t extra = s_peer("one-too-many");
    ck_assert_int_eq(netctl_raw_open(&t, &extra, 1), -1);
    ls_ctl_peer_t p0 = s_peer("app-0");
    ck_assert_int_eq(netctl_raw_close(&t, &p0), 0);
    ck_assert_int_eq(netctl_raw_open(&t, &extra, 1), 0);
    ck_assert_uint_eq(netctl_raw_count(&t), NETCTL_RAW_MAX);
}
END_TEST

Suite *netctl_suite(void)
{
    Suite *s = suite_create("netctl");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_key_echo_reply);
    tcase_add_test(tc, test_key_error_quotes_request);
    tcase_add_test(tc, test_key_error_quotes_udp);
    tcase_add_test(tc, test_key_rejects);
    tcase_add_test(tc, test_route_parse);
    tcase_add_test(tc, test_route_parse_errors);
    tcase_add_test(tc, test_raw_table);
    tcase_add_test(tc, test_raw_table_full);
    suite_add_tcase(s, tc);
    return s;
}
