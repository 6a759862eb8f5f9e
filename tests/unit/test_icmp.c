/*
 * test_icmp.c -- ICMP codec: known echo bytes, exact encode, truncated and
 * bad checksum, unknown type, error construction quoting IHL*4+8, summaries.
 */
#include <check.h>
#include <string.h>
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/bytes.h"
#include "wire/csum.h"

/* echo request id 1 seq 1, data 10..17 */
static const uint8_t echo_req[16] = {0x08, 0x00, 0xab, 0xad, 0x00, 0x01, 0x00, 0x01,
                                     0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17};
/* the matching echo reply */
static const uint8_t echo_rep[16] = {0x00, 0x00, 0xb3, 0xad, 0x00, 0x01, 0x00, 0x01,
                                     0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17};
/* 192.0.2.10 > 198.51.100.10 ICMP echo request (IP datagram) */
static const uint8_t echo_dgram[36] = {
    0x45, 0x00, 0x00, 0x24, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x3c, 0x5d,
    0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x0a, 0x08, 0x00, 0xab, 0xad,
    0x00, 0x01, 0x00, 0x01, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17};

START_TEST(test_decode_echo)
{
    icmp_repr_t r;
    ck_assert_int_eq(icmp_parse(echo_req, sizeof echo_req, &r), ICMP_OK);
    ck_assert_uint_eq(r.type, ICMP_ECHO_REQUEST);
    ck_assert_uint_eq(r.code, 0);
    ck_assert_uint_eq(r.id, 1);
    ck_assert_uint_eq(r.seq, 1);
    ck_assert_uint_eq(r.checksum, 0xabad);
    ck_assert_uint_eq(r.data_len, 8);
    ck_assert_ptr_eq(r.data, echo_req + 8);
}
END_TEST

START_TEST(test_encode_echo_reply)
{
    icmp_repr_t r = {.type = ICMP_ECHO_REPLY, .id = 1, .seq = 1, .data = echo_req + 8, .data_len = 8};
    uint8_t out[16];
    ck_assert_int_eq(icmp_emit(&r, out, sizeof out), 16);
    ck_assert_mem_eq(out, echo_rep, 16);
    ck_assert_int_eq(icmp_emit(&r, out, 15), -1);
}
END_TEST

START_TEST(test_truncated_and_garbage)
{
    icmp_repr_t r;
    for (size_t n = 0; n < 8; n++)
        ck_assert_int_eq(icmp_parse(echo_req, n, &r), ICMP_ERR_TRUNCATED);
    /* a truncated copy fails the checksum */
    ck_assert_int_eq(icmp_parse(echo_req, 15, &r), ICMP_ERR_CHECKSUM);
    uint8_t b[16];
    memcpy(b, echo_req, 16);
    b[9] ^= 0xff;
    ck_assert_int_eq(icmp_parse(b, 16, &r), ICMP_ERR_CHECKSUM);
    ck_assert_str_eq(icmp_reason_counter(ICMP_ERR_CHECKSUM), "icmp.drop.bad_checksum");
    ck_assert_str_eq(icmp_reason_counter(ICMP_ERR_TRUNCATED), "icmp.drop.truncated");
    /* unknown type 42 with a valid checksum: parsed generically */
    uint8_t u[12] = {42, 7, 0, 0, 0xca, 0xfe, 0xba, 0xbe, 1, 2, 3, 4};
    wr_be16(u + 2, csum(u, 12));
    ck_assert_int_eq(icmp_parse(u, 12, &r), ICMP_ERR_TYPE);
    ck_assert_uint_eq(r.type, 42);
    ck_assert_uint_eq(r.code, 7);
    ck_assert_uint_eq(r.rest, 0xcafebabe);
    ck_assert_uint_eq(r.data_len, 4);
    ck_assert_str_eq(icmp_reason_counter(ICMP_ERR_TYPE), "icmp.drop.unknown_type");
    /* emitting the generic repr reproduces it */
    uint8_t o[12];
    ck_assert_int_eq(icmp_emit(&r, o, sizeof o), 12);
    ck_assert_mem_eq(o, u, 12);
}
END_TEST

START_TEST(test_error_quotes_ihl_plus_8)
{
    uint8_t out[128];
    int n = icmp_build_error(ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0, echo_dgram, sizeof echo_dgram, out,
                             sizeof out);
    ck_assert_int_eq(n, 8 + 28);
    const uint8_t hdr[8] = {0x0b, 0x00, 0, 0, 0, 0, 0, 0};
    ck_assert_mem_eq(out + 4, hdr + 4, 4);
    ck_assert_uint_eq(out[0], 11);
    ck_assert_mem_eq(out + 8, echo_dgram, 28);
    ck_assert_uint_eq(csum(out, (size_t)n), 0);
    icmp_repr_t r;
    ck_assert_int_eq(icmp_parse(out, (size_t)n, &r), ICMP_OK);
    ck_assert_uint_eq(r.data_len, 28);

    /* with 8 bytes of options: quotes 28 + 8 = 36 */
    uint8_t big[60] = {0};
    memcpy(big, echo_dgram, 20);
    big[0] = 0x47;
    wr_be16(big + 2, 60);
    for (int i = 0; i < 40; i++)
        big[20 + i] = (uint8_t)(i + 1);
    ipv4_set_checksum(big);
    n = icmp_build_error(ICMP_DEST_UNREACH, ICMP_UNREACH_NEEDFRAG, 1000, big, sizeof big, out,
                         sizeof out);
    ck_assert_int_eq(n, 8 + 36);
    ck_assert_uint_eq(rd_be16(out + 4), 0);
    ck_assert_uint_eq(rd_be16(out + 6), 1000); /* RFC 1191 next-hop MTU */
    ck_assert_mem_eq(out + 8, big, 36);
    ck_assert_int_eq(icmp_parse(out, (size_t)n, &r), ICMP_OK);
    ck_assert_uint_eq(r.mtu, 1000);

    /* short offending datagram: quote only what exists, not link padding */
    uint8_t padded[46] = {0};
    memcpy(padded, echo_dgram, 20);
    wr_be16(padded + 2, 24);
    ipv4_set_checksum(padded);
    n = icmp_build_error(ICMP_DEST_UNREACH, ICMP_UNREACH_PROTOCOL, 0, padded, sizeof padded, out,
                         sizeof out);
    ck_assert_int_eq(n, 8 + 24);
    ck_assert_int_eq(icmp_build_error(3, 1, 0, echo_dgram, 36, out, 20), -1);
    ck_assert_int_eq(icmp_build_error(3, 1, 0, NULL, 36, out, sizeof out), -1);
}
END_TEST

static void s_err_summary(uint8_t type, uint8_t code, uint16_t mtu, const uint8_t *dg, size_t dl,
                          const char *want)
{
    uint8_t out[128];
    char s[160];
    int n = icmp_build_error(type, code, mtu, dg, dl, out, sizeof out);
    ck_assert_int_gt(n, 0);
    icmp_summary(out, (size_t)n, s, sizeof s);
    ck_assert_str_eq(s, want);
}

START_TEST(test_summaries)
{
    char s[160];
    icmp_summary(echo_req, sizeof echo_req, s, sizeof s);
    ck_assert_str_eq(s, "ICMP echo request, id 1, seq 1, length 16");
    icmp_summary(echo_rep, sizeof echo_rep, s, sizeof s);
    ck_assert_str_eq(s, "ICMP echo reply, id 1, seq 1, length 16");
    /* a UDP datagram to port 33434 */
    uint8_t u[28] = {0};
    ipv4_repr_t ip = {.ttl = 1, .proto = IP_PROTO_UDP, .total_len = 28,
                      .src = LS_IP4(192, 0, 2, 10), .dst = LS_IP4(198, 51, 100, 10)};
    ipv4_emit(&ip, u, sizeof u);
    wr_be16(u + 20, 40000);
    wr_be16(u + 22, 33434);
    s_err_summary(3, 3, 0, u, sizeof u, "ICMP 198.51.100.10 udp port 33434 unreachable");
    s_err_summary(3, 2, 0, u, sizeof u, "ICMP 198.51.100.10 protocol 17 unreachable");
    s_err_summary(3, 4, 1000, u, sizeof u, "ICMP 198.51.100.10 unreachable - need to frag (mtu 1000)");
    s_err_summary(3, 0, 0, u, sizeof u, "ICMP net 198.51.100.10 unreachable");
    s_err_summary(3, 1, 0, u, sizeof u, "ICMP host 198.51.100.10 unreachable");
    s_err_summary(11, 0, 0, u, sizeof u, "ICMP time exceeded in-transit");
    s_err_summary(11, 1, 0, u, sizeof u, "ICMP ip reassembly time exceeded");
    icmp_summary(echo_req, 4, s, sizeof s);
    ck_assert_str_eq(s, "ICMP truncated, length 4");
}
END_TEST

Suite *icmp_suite(void)
{
    Suite *s = suite_create("icmp");
    TCase *tc = tcase_create("codec");
    tcase_add_test(tc, test_decode_echo);
    tcase_add_test(tc, test_encode_echo_reply);
    tcase_add_test(tc, test_truncated_and_garbage);
    tcase_add_test(tc, test_error_quotes_ihl_plus_8);
    tcase_add_test(tc, test_summaries);
    suite_add_tcase(s, tc);
    return s;
}
