/*
 * test_ipv4.c -- IPv4 header codec: known bytes, exact encode, each
 * validation failure with its counter name, padding, options, TTL decrement,
 * summaries.
 */
#include <check.h>
#include <string.h>
#include "wire/ipv4.h"
#include "wire/bytes.h"
#include "wire/csum.h"

/* A real IPv4/UDP header from a capture: 192.168.0.1 > 192.168.0.199, len 115. */
static const uint8_t cap_hdr[20] = {
    0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
    0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

/* 192.0.2.10 > 198.51.100.10 ICMP echo request id 1 seq 1, 8 data bytes. */
static const uint8_t echo_dgram[36] = {
    0x45, 0x00, 0x00, 0x24, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x3c, 0x5d,
    0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x0a, 0x08, 0x00, 0xab, 0xad,
    0x00, 0x01, 0x00, 0x01, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17};

START_TEST(test_decode_known)
{
    uint8_t buf[115] = {0};
    memcpy(buf, cap_hdr, 20);
    ipv4_repr_t r;
    ck_assert_int_eq(ipv4_parse(buf, sizeof buf, &r), IPV4_OK);
    ck_assert_uint_eq(r.total_len, 115);
    ck_assert_uint_eq(r.ttl, 64);
    ck_assert_uint_eq(r.proto, IP_PROTO_UDP);
    ck_assert(r.df);
    ck_assert(!r.mf);
    ck_assert_uint_eq(r.frag_off, 0);
    ck_assert_uint_eq(r.id, 0);
    ck_assert_uint_eq(r.src, LS_IP4(192, 168, 0, 1));
    ck_assert_uint_eq(r.dst, LS_IP4(192, 168, 0, 199));
    ck_assert_uint_eq(r.hdr_len, 20);
    ck_assert_uint_eq(r.checksum, 0xb861);
}
END_TEST

START_TEST(test_encode_exact)
{
    ipv4_repr_t r = {.tos = 0, .ttl = 64, .proto = IP_PROTO_ICMP, .total_len = 36, .id = 0x1234,
                     .df = true, .src = LS_IP4(192, 0, 2, 10), .dst = LS_IP4(198, 51, 100, 10)};
    uint8_t buf[20];
    ck_assert_int_eq(ipv4_emit(&r, buf, sizeof buf), 20);
    ck_assert_mem_eq(buf, echo_dgram, 20);
    ck_assert_uint_eq(r.checksum, 0x3c5d);
    ck_assert_int_eq(ipv4_emit(&r, buf, 19), -1);
    /* round trip */
    ipv4_repr_t p;
    ck_assert_int_eq(ipv4_parse(echo_dgram, sizeof echo_dgram, &p), IPV4_OK);
    ck_assert_uint_eq(p.id, 0x1234);
    ck_assert_uint_eq(p.total_len, 36);
    ck_assert_uint_eq(p.src, r.src);
}
END_TEST

START_TEST(test_encode_frag_fields)
{
    ipv4_repr_t r = {.ttl = 1, .proto = 17, .total_len = 20, .id = 7, .mf = true, .frag_off = 185,
                     .src = 1, .dst = 2};
    uint8_t buf[20];
    ck_assert_int_eq(ipv4_emit(&r, buf, sizeof buf), 20);
    ck_assert_uint_eq(rd_be16(buf + IP4_OFF_FRAG), 0x2000 | 185);
    ck_assert_uint_eq(csum(buf, 20), 0);
    r.frag_off = 0x2000; /* does not fit in 13 bits */
    ck_assert_int_eq(ipv4_emit(&r, buf, sizeof buf), -1);
}
END_TEST

START_TEST(test_truncated_and_garbage)
{
    ipv4_repr_t r;
    for (size_t n = 0; n < 20; n++)
        ck_assert_int_eq(ipv4_parse(echo_dgram, n, &r), IPV4_ERR_TRUNCATED);
    ck_assert_int_eq(ipv4_parse(NULL, 40, &r), IPV4_ERR_TRUNCATED);
    /* truncated below total length: 35 of 36 bytes */
    ck_assert_int_eq(ipv4_parse(echo_dgram, 35, &r), IPV4_ERR_TOTAL_LEN);
    uint8_t junk[40];
    memset(junk, 0xa5, sizeof junk);
    ck_assert_int_eq(ipv4_parse(junk, sizeof junk, &r), IPV4_ERR_VERSION);
    ck_assert_str_eq(ipv4_reason_counter(IPV4_ERR_TRUNCATED), "ip.drop.truncated");
}
END_TEST

START_TEST(test_each_validation)
{
    uint8_t b[36];
    ipv4_repr_t r;
    /* version 6 */
    memcpy(b, echo_dgram, 36);
    b[0] = 0x65;
    ck_assert_int_eq(ipv4_parse(b, 36, &r), IPV4_ERR_VERSION);
    ck_assert_str_eq(ipv4_reason_counter(IPV4_ERR_VERSION), "ip.drop.bad_version");
    /* IHL 4 */
    memcpy(b, echo_dgram, 36);
    b[0] = 0x44;
    ck_assert_int_eq(ipv4_parse(b, 36, &r), IPV4_ERR_IHL);
    /* IHL 15 = 60 bytes > 36 */
    b[0] = 0x4f;
    ck_assert_int_eq(ipv4_parse(b, 36, &r), IPV4_ERR_IHL);
    ck_assert_str_eq(ipv4_reason_counter(IPV4_ERR_IHL), "ip.drop.bad_ihl");
    /* total length 19 < 20 */
    memcpy(b, echo_dgram, 36);
    wr_be16(b + 2, 19);
    ck_assert_int_eq(ipv4_parse(b, 36, &r), IPV4_ERR_TOTAL_LEN);
    /* total length 37 > 36 */
    wr_be16(b + 2, 37);
    ck_assert_int_eq(ipv4_parse(b, 36, &r), IPV4_ERR_TOTAL_LEN);
    ck_assert_str_eq(ipv4_reason_counter(IPV4_ERR_TOTAL_LEN), "ip.drop.bad_total_len");
    /* checksum */
    memcpy(b, echo_dgram, 36);
    b[11] ^= 0x01;
    ck_assert_int_eq(ipv4_parse(b, 36, &r), IPV4_ERR_CHECKSUM);
    ck_assert_str_eq(ipv4_reason_counter(IPV4_ERR_CHECKSUM), "ip.drop.bad_checksum");
    ck_assert_ptr_null(ipv4_reason_counter(IPV4_OK));
    ck_assert_str_eq(ipv4_reason_str(IPV4_ERR_CHECKSUM), "bad header checksum");
    ck_assert_str_eq(ipv4_reason_str(99), "unknown");
}
END_TEST

START_TEST(test_padding_ok)
{
    /* Ethernet pads a 36-byte datagram to 46 bytes of payload */
    uint8_t b[46] = {0};
    memcpy(b, echo_dgram, 36);
    ipv4_repr_t r;
    ck_assert_int_eq(ipv4_parse(b, sizeof b, &r), IPV4_OK);
    ck_assert_uint_eq(r.total_len, 36); /* caller trims to this */
}
END_TEST

START_TEST(test_options_skipped)
{
    /* IHL 6: Router Alert option (94 04 00 00), then 4 payload bytes */
    uint8_t b[28] = {0x46, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x01, 0x11, 0, 0,
                     10, 0, 0, 1, 10, 0, 0, 2, 0x94, 0x04, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef};
    ipv4_set_checksum(b);
    ck_assert_uint_eq(csum(b, 24), 0);
    ipv4_repr_t r;
    ck_assert_int_eq(ipv4_parse(b, sizeof b, &r), IPV4_OK);
    ck_assert_uint_eq(r.hdr_len, 24);
    ck_assert_uint_eq(rd_be32(b + r.hdr_len), 0xdeadbeef);
    /* a checksum computed over only 20 bytes must fail with options present */
    b[10] = b[11] = 0;
    wr_be16(b + 10, csum(b, 20));
    ck_assert_int_eq(ipv4_parse(b, sizeof b, &r), IPV4_ERR_CHECKSUM);
}
END_TEST

START_TEST(test_ttl_decrement)
{
    uint8_t b[36];
    memcpy(b, echo_dgram, 36);
    ck_assert_int_eq(ipv4_decrement_ttl(b), 63);
    ck_assert_uint_eq(b[IP4_OFF_TTL], 63);
    ck_assert_uint_eq(csum(b, 20), 0);
    /* matches a full recompute, all the way down */
    for (int t = 62; t >= 0; t--) {
        ck_assert_int_eq(ipv4_decrement_ttl(b), t);
        uint8_t c[20];
        memcpy(c, b, 20);
        ipv4_set_checksum(c);
        ck_assert_uint_eq(rd_be16(c + 10), rd_be16(b + 10));
    }
    ck_assert_int_eq(ipv4_decrement_ttl(b), -1);
    ck_assert_uint_eq(b[IP4_OFF_TTL], 0);
}
END_TEST

START_TEST(test_summary)
{
    char s[200];
    ipv4_summary(echo_dgram, sizeof echo_dgram, s, sizeof s);
    ck_assert_str_eq(s, "IP 192.0.2.10 > 198.51.100.10: ICMP echo request, id 1, seq 1, length 16");

    uint8_t u[40] = {0};
    ipv4_repr_t r = {.ttl = 64, .proto = IP_PROTO_UDP, .total_len = 40, .src = LS_IP4(192, 0, 2, 10),
                     .dst = LS_IP4(198, 51, 100, 10)};
    ipv4_emit(&r, u, sizeof u);
    wr_be16(u + 20, 49152);
    wr_be16(u + 22, 53);
    wr_be16(u + 24, 20);
    ipv4_summary(u, sizeof u, s, sizeof s);
    ck_assert_str_eq(s, "IP 192.0.2.10.49152 > 198.51.100.10.53: UDP, length 12");

    r.proto = IP_PROTO_TCP;
    ipv4_emit(&r, u, sizeof u);
    wr_be16(u + 22, 80);
    u[32] = 0x50; /* data offset 5 */
    ipv4_summary(u, sizeof u, s, sizeof s);
    ck_assert_str_eq(s, "IP 192.0.2.10.49152 > 198.51.100.10.80: tcp 0");

    /* first fragment and a later one */
    r.proto = IP_PROTO_UDP;
    r.mf = true;
    r.id = 1234;
    ipv4_emit(&r, u, sizeof u);
    ipv4_summary(u, sizeof u, s, sizeof s);
    ck_assert_str_eq(s, "IP 192.0.2.10.49152 > 198.51.100.10.80: UDP, length 12 (frag 1234:20@0+)");
    r.mf = false;
    r.frag_off = 185;
    ipv4_emit(&r, u, sizeof u);
    ipv4_summary(u, sizeof u, s, sizeof s);
    ck_assert_str_eq(s, "IP 192.0.2.10 > 198.51.100.10: udp (frag 1234:20@1480)");

    ipv4_summary(echo_dgram, 10, s, sizeof s);
    ck_assert_str_eq(s, "IP truncated-ip - 10 bytes");
    /* tiny output buffer: truncated, still terminated */
    char t[8];
    ipv4_summary(echo_dgram, sizeof echo_dgram, t, sizeof t);
    ck_assert_uint_eq(strlen(t), 7);
}
END_TEST

/* tcpdump -v form, used by net-svc's log lines */
START_TEST(test_summary_v)
{
    char s[300];
    ipv4_summary_v(echo_dgram, sizeof echo_dgram, s, sizeof s);
    ck_assert_str_eq(s, "IP (tos 0x0, ttl 64, id 4660, offset 0, flags [DF], proto ICMP (1), length 36) "
                        "192.0.2.10 > 198.51.100.10: ICMP echo request, id 1, seq 1, length 16");
    uint8_t u[40] = {0};
    ipv4_repr_t r = {.ttl = 63, .tos = 0xc0, .proto = IP_PROTO_UDP, .total_len = 40, .id = 7,
                     .df = true, .src = LS_IP4(192, 0, 2, 10), .dst = LS_IP4(198, 51, 100, 10)};
    ipv4_emit(&r, u, sizeof u);
    wr_be16(u + 20, 49152);
    wr_be16(u + 22, 53);
    wr_be16(u + 24, 20);
    ipv4_summary_v(u, sizeof u, s, sizeof s);
    ck_assert_str_eq(s, "IP (tos 0xc0, ttl 63, id 7, offset 0, flags [DF], proto UDP (17), length 40) "
                        "192.0.2.10.49152 > 198.51.100.10.53: UDP, length 12");
    r.df = false;
    r.mf = true;
    r.frag_off = 185;
    ipv4_emit(&r, u, sizeof u);
    ipv4_summary_v(u, sizeof u, s, sizeof s);
    ck_assert_str_eq(s, "IP (tos 0xc0, ttl 63, id 7, offset 1480, flags [+], proto UDP (17), length 40) "
                        "192.0.2.10 > 198.51.100.10: udp (frag 7:20@1480+)");
    /* truncated and garbage fall back to the short form's verdicts */
    ipv4_summary_v(echo_dgram, 10, s, sizeof s);
    ck_assert_str_eq(s, "IP truncated-ip - 10 bytes");
    memset(u, 0xff, sizeof u);
    ipv4_summary_v(u, sizeof u, s, sizeof s);
    ck_assert_str_eq(s, "IP bad-version 15, length 40");
}
END_TEST

Suite *ipv4_suite(void)
{
    Suite *s = suite_create("ipv4");
    TCase *tc = tcase_create("codec");
    tcase_add_test(tc, test_decode_known);
    tcase_add_test(tc, test_encode_exact);
    tcase_add_test(tc, test_encode_frag_fields);
    tcase_add_test(tc, test_truncated_and_garbage);
    tcase_add_test(tc, test_each_validation);
    tcase_add_test(tc, test_padding_ok);
    tcase_add_test(tc, test_options_skipped);
    tcase_add_test(tc, test_ttl_decrement);
    tcase_add_test(tc, test_summary);
    tcase_add_test(tc, test_summary_v);
    suite_add_tcase(s, tc);
    return s;
}
