/*
 * test_icmp_rules.c -- RFC 1122 3.2.2 suppression rules and the token-bucket
 * ICMP rate limiter on a fake clock.
 */
#include <check.h>
#include <string.h>
#include "net-svc/icmp_rules.h"
#include "wire/ipv4.h"
#include "wire/icmp.h"
#include "wire/bytes.h"
#include "wire/csum.h"

/* 192.0.2.10 > 198.51.100.10 ICMP echo request id 1 seq 1 */
static const uint8_t echo_dgram[36] = {
    0x45, 0x00, 0x00, 0x24, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x3c, 0x5d,
    0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x0a, 0x08, 0x00, 0xab, 0xad,
    0x00, 0x01, 0x00, 0x01, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17};

static size_t s_udp(uint8_t *b, uint32_t src, uint32_t dst, uint16_t frag)
{
    memset(b, 0, 28);
    ipv4_repr_t r = {.ttl = 64, .proto = IP_PROTO_UDP, .total_len = 28, .src = src, .dst = dst,
                     .frag_off = frag & IP4_FRAG_MASK, .mf = (frag & IP4_FLAG_MF) != 0};
    ipv4_emit(&r, b, 28);
    return 28;
}

START_TEST(test_echo_request_allowed)
{
    ck_assert_int_eq(icmp_error_allowed(echo_dgram, sizeof echo_dgram, false, false), ICMP_RULE_OK);
    uint8_t b[28];
    s_udp(b, LS_IP4(192, 0, 2, 10), LS_IP4(198, 51, 100, 10), 0);
    ck_assert_int_eq(icmp_error_allowed(b, 28, false, false), ICMP_RULE_OK);
    /* first fragment (MF, offset 0) is allowed */
    s_udp(b, LS_IP4(192, 0, 2, 10), LS_IP4(198, 51, 100, 10), IP4_FLAG_MF);
    ck_assert_int_eq(icmp_error_allowed(b, 28, false, false), ICMP_RULE_OK);
}
END_TEST

START_TEST(test_no_error_about_error)
{
    uint8_t err[64], dg[100];
    int n = icmp_build_error(ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0, echo_dgram, 36, err, sizeof err);
    ck_assert_int_gt(n, 0);
    ipv4_repr_t r = {.ttl = 64, .proto = IP_PROTO_ICMP, .total_len = (uint16_t)(20 + n),
                     .src = LS_IP4(198, 51, 100, 10), .dst = LS_IP4(192, 0, 2, 10)};
    ipv4_emit(&r, dg, sizeof dg);
    memcpy(dg + 20, err, (size_t)n);
    int rc = icmp_error_allowed(dg, 20 + (size_t)n, false, false);
    ck_assert_int_eq(rc, ICMP_RULE_ERROR_ABOUT_ERROR);
    ck_assert_str_eq(icmp_rule_counter(rc), "icmp.suppress.error_about_error");
    /* an echo reply is a query, not an error */
    dg[20] = ICMP_ECHO_REPLY;
    ck_assert_int_eq(icmp_error_allowed(dg, 20 + (size_t)n, false, false), ICMP_RULE_OK);
    /* time exceeded is an error too */
    dg[20] = ICMP_TIME_EXCEEDED;
    ck_assert_int_eq(icmp_error_allowed(dg, 20 + (size_t)n, false, false), ICMP_RULE_ERROR_ABOUT_ERROR);
    /* ICMP header cut off: stay silent */
    ck_assert_int_eq(icmp_error_allowed(dg, 20, false, false), ICMP_RULE_TRUNCATED);
    ck_assert_int_eq(icmp_error_allowed(dg, 10, false, false), ICMP_RULE_TRUNCATED);
}
END_TEST

START_TEST(test_broadcast_multicast)
{
    uint8_t b[28];
    s_udp(b, LS_IP4(192, 0, 2, 10), 0xffffffffu, 0);
    ck_assert_int_eq(icmp_error_allowed(b, 28, false, false), ICMP_RULE_DST_BCAST);
    s_udp(b, LS_IP4(192, 0, 2, 10), LS_IP4(224, 0, 0, 1), 0);
    ck_assert_int_eq(icmp_error_allowed(b, 28, false, false), ICMP_RULE_DST_MCAST);
    /* subnet broadcast is known only to the caller */
    s_udp(b, LS_IP4(192, 0, 2, 10), LS_IP4(192, 0, 2, 255), 0);
    ck_assert_int_eq(icmp_error_allowed(b, 28, false, false), ICMP_RULE_OK);
    icmp_err_ctx_t c = {.dst_bcast = true};
    ck_assert_int_eq(icmp_error_allowed_ex(b, 28, &c), ICMP_RULE_DST_BCAST);
    /* link-layer broadcast / multicast with a unicast IP destination */
    s_udp(b, LS_IP4(192, 0, 2, 10), LS_IP4(192, 0, 2, 1), 0);
    ck_assert_int_eq(icmp_error_allowed(b, 28, true, false), ICMP_RULE_LINK_BCAST);
    ck_assert_int_eq(icmp_error_allowed(b, 28, false, true), ICMP_RULE_LINK_MCAST);
    ck_assert_str_eq(icmp_rule_counter(ICMP_RULE_LINK_BCAST), "icmp.suppress.link_bcast");
}
END_TEST

START_TEST(test_non_initial_fragment)
{
    uint8_t b[28];
    s_udp(b, LS_IP4(192, 0, 2, 10), LS_IP4(198, 51, 100, 10), 185);
    ck_assert_int_eq(icmp_error_allowed(b, 28, false, false), ICMP_RULE_NON_INITIAL_FRAG);
    s_udp(b, LS_IP4(192, 0, 2, 10), LS_IP4(198, 51, 100, 10), IP4_FLAG_MF | 1);
    ck_assert_int_eq(icmp_error_allowed(b, 28, false, false), ICMP_RULE_NON_INITIAL_FRAG);
}
END_TEST

START_TEST(test_bad_source)
{
    uint8_t b[28];
    const uint32_t bad[] = {0, 0xffffffffu, LS_IP4(224, 1, 2, 3), LS_IP4(240, 0, 0, 1),
                            LS_IP4(127, 0, 0, 1)};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_udp(b, bad[i], LS_IP4(198, 51, 100, 10), 0);
        ck_assert_int_eq(icmp_error_allowed(b, 28, false, false), ICMP_RULE_BAD_SRC);
    }
    /* 127/8 is fine on the loopback interface */
    s_udp(b, LS_IP4(127, 0, 0, 1), LS_IP4(127, 0, 0, 1), 0);
    icmp_err_ctx_t c = {.on_loopback = true};
    ck_assert_int_eq(icmp_error_allowed_ex(b, 28, &c), ICMP_RULE_OK);
    ck_assert_int_eq(icmp_error_allowed(b, 19, false, false), ICMP_RULE_TRUNCATED);
    ck_assert_int_eq(icmp_error_allowed(NULL, 28, false, false), ICMP_RULE_TRUNCATED);
}
END_TEST

START_TEST(test_rate_limiter)
{
    icmp_ratelimit_t rl;
    icmp_ratelimit_init(&rl, 10, 3); /* 10/s, burst 3 */
    uint64_t now = 1000000000ull;
    /* burst of 3 */
    ck_assert(icmp_ratelimit_allow(&rl, now));
    ck_assert(icmp_ratelimit_allow(&rl, now));
    ck_assert(icmp_ratelimit_allow(&rl, now));
    ck_assert(!icmp_ratelimit_allow(&rl, now));
    /* 99 ms later: still nothing; at 100 ms one token */
    now += 99000000ull;
    ck_assert(!icmp_ratelimit_allow(&rl, now));
    now += 1000000ull;
    ck_assert(icmp_ratelimit_allow(&rl, now));
    ck_assert(!icmp_ratelimit_allow(&rl, now));
    /* a long idle refills only up to the burst */
    now += 3600ull * 1000000000ull;
    int ok = 0;
    for (int i = 0; i < 10; i++)
        ok += icmp_ratelimit_allow(&rl, now);
    ck_assert_int_eq(ok, 3);
    /* defaults let traceroute's 3 probes per hop through, hop after hop
     * (a hop every 10 ms), and 16 simultaneous probes (traceroute -N 16) */
    icmp_ratelimit_init(&rl, ICMP_RL_DEFAULT_RATE, ICMP_RL_DEFAULT_BURST);
    ok = 0;
    for (int p = 0; p < 16; p++)
        ok += icmp_ratelimit_allow(&rl, now);
    for (int hop = 1; hop <= 30; hop++)
        for (int p = 0; p < 3; p++)
            ok += icmp_ratelimit_allow(&rl, now + (uint64_t)hop * 10000000ull);
    ck_assert_int_eq(ok, 16 + 90);
    /* but a flood is cut to the burst plus the rate */
    ok = 0;
    now += 10ull * 1000000000ull;
    for (int i = 0; i < 200; i++)
        ok += icmp_ratelimit_allow(&rl, now);
    ck_assert_int_eq(ok, ICMP_RL_DEFAULT_BURST);
    /* rate 0 = unlimited */
    icmp_ratelimit_init(&rl, 0, 0);
    for (int i = 0; i < 1000; i++)
        ck_assert(icmp_ratelimit_allow(&rl, 5));
}
END_TEST

Suite *icmp_rules_suite(void)
{
    Suite *s = suite_create("icmp_rules");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, test_echo_request_allowed);
    tcase_add_test(tc, test_no_error_about_error);
    tcase_add_test(tc, test_broadcast_multicast);
    tcase_add_test(tc, test_non_initial_fragment);
    tcase_add_test(tc, test_bad_source);
    tcase_add_test(tc, test_rate_limiter);
    suite_add_tcase(s, tc);
    return s;
}
