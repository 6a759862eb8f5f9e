/*
 * test_tcp_wire.c -- TCP header codec: decode real bytes (a Linux-style SYN
 * with mss/sackOK/TS/wscale, a PSH data segment), encode to exact bytes,
 * reject truncated, malformed-option and bad-checksum copies, summaries.
 */
#include <check.h>
#include <string.h>
#include "wire/bytes.h"
#include "wire/tcp_wire.h"

#define SRC LS_IP4(192, 168, 1, 2)
#define DST LS_IP4(192, 168, 1, 1)

/* 192.168.1.2.40000 > 192.168.1.1.80: Flags [S], seq 1000, win 65535,
 * options [mss 1460,sackOK,TS val 168496141 ecr 0,nop,wscale 7], length 0 */
static const uint8_t syn[40] = {
    0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xff, 0xff,
    0x0e, 0x1c, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x0a, 0x0b, 0x0c, 0x0d,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};
/* Flags [P.], seq 1001:1007, ack 501, win 502, length 6: "hello\n" */
static const uint8_t data[26] = {
    0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe9, 0x00, 0x00, 0x01, 0xf5, 0x50, 0x18, 0x01, 0xf6,
    0x44, 0x32, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x0a};

START_TEST(test_decode_syn)
{
    tcp_repr_t r;
    ck_assert_int_eq(tcp_parse(syn, sizeof syn, SRC, DST, &r), TCP_PARSE_OK);
    ck_assert_uint_eq(r.sport, 40000);
    ck_assert_uint_eq(r.dport, 80);
    ck_assert_uint_eq(r.seq, 1000);
    ck_assert_uint_eq(r.ack, 0);
    ck_assert_uint_eq(r.flags, TCP_SYN);
    ck_assert_uint_eq(r.wnd, 65535);
    ck_assert_uint_eq(r.hdr_len, 40);
    ck_assert(r.has_mss);
    ck_assert_uint_eq(r.mss, 1460);
    ck_assert(r.sack_perm);
    ck_assert(r.has_ts);
    ck_assert_uint_eq(r.ts_val, 0x0a0b0c0d);
    ck_assert_uint_eq(r.ts_ecr, 0);
    ck_assert(r.has_wscale);
    ck_assert_uint_eq(r.wscale, 7);
    ck_assert_uint_eq(r.payload_len, 0);
    char s[160];
    ck_assert_str_eq(tcp_summary(&r, s, sizeof s),
                     "Flags [S], seq 1000, win 65535, options [mss 1460,sackOK,TS val 168496141 ecr 0,wscale 7], length 0");
}
END_TEST

START_TEST(test_decode_data)
{
    tcp_repr_t r;
    ck_assert_int_eq(tcp_parse(data, sizeof data, SRC, DST, &r), TCP_PARSE_OK);
    ck_assert_uint_eq(r.flags, TCP_PSH | TCP_ACK);
    ck_assert_uint_eq(r.seq, 1001);
    ck_assert_uint_eq(r.ack, 501);
    ck_assert_uint_eq(r.wnd, 502);
    ck_assert_uint_eq(r.payload_len, 6);
    ck_assert_int_eq(memcmp(r.payload, "hello\n", 6), 0);
    ck_assert(!r.has_mss && !r.has_wscale && !r.sack_perm && !r.has_ts);
    char s[160];
    ck_assert_str_eq(tcp_summary(&r, s, sizeof s), "Flags [P.], seq 1001:1007, ack 501, win 502, length 6");
}
END_TEST

START_TEST(test_encode_exact)
{
    tcp_repr_t r = {.sport = 40000, .dport = 80, .seq = 1000, .flags = TCP_SYN, .wnd = 65535,
                    .has_mss = true, .mss = 1460, .sack_perm = true, .has_ts = true,
                    .ts_val = 0x0a0b0c0d, .has_wscale = true, .wscale = 7};
    uint8_t buf[64];
    ck_assert_uint_eq(tcp_hdr_len(&r), 40);
    ck_assert_int_eq(tcp_emit(&r, SRC, DST, buf, sizeof buf), 40);
    ck_assert_int_eq(memcmp(buf, syn, 40), 0);
    ck_assert_int_eq(tcp_emit(&r, SRC, DST, buf, 39), -1);

    tcp_repr_t d = {.sport = 40000, .dport = 80, .seq = 1001, .ack = 501, .flags = TCP_PSH | TCP_ACK,
                    .wnd = 502, .payload = (const uint8_t *)"hello\n", .payload_len = 6};
    ck_assert_int_eq(tcp_emit(&d, SRC, DST, buf, sizeof buf), 26);
    ck_assert_int_eq(memcmp(buf, data, 26), 0);
}
END_TEST

START_TEST(test_reject_truncated_and_garbage)
{
    tcp_repr_t r;
    ck_assert_int_eq(tcp_parse(syn, 19, SRC, DST, &r), TCP_PARSE_TRUNCATED);
    ck_assert_int_eq(tcp_parse(syn, 36, SRC, DST, &r), TCP_PARSE_TRUNCATED); /* doff says 40 */
    ck_assert_int_eq(tcp_parse(NULL, 0, SRC, DST, &r), TCP_PARSE_TRUNCATED);
    uint8_t b[40];
    memcpy(b, syn, 40);
    b[12] = 0x40; /* data offset 4 words */
    ck_assert_int_eq(tcp_parse(b, 40, SRC, DST, &r), TCP_PARSE_BAD_OFFSET);
    memcpy(b, syn, 40);
    b[21] = 0; /* MSS option length 0 */
    ck_assert_int_eq(tcp_parse(b, 40, SRC, DST, &r), TCP_PARSE_BAD_OPTION);
    memcpy(b, syn, 40);
    b[27] = 30; /* TS length runs past the header */
    ck_assert_int_eq(tcp_parse(b, 40, SRC, DST, &r), TCP_PARSE_BAD_OPTION);
    memcpy(b, syn, 40);
    b[39] = 8; /* flip a bit: checksum fails */
    ck_assert_int_eq(tcp_parse(b, 40, SRC, DST, &r), TCP_PARSE_BAD_CHECKSUM);
    ck_assert_int_eq(tcp_parse_nocsum(b, 40, &r), TCP_PARSE_OK);
    /* right bytes, wrong pseudo-header */
    ck_assert_int_eq(tcp_parse(syn, 40, SRC, LS_IP4(192, 168, 1, 3), &r), TCP_PARSE_BAD_CHECKSUM);
    uint8_t garbage[24];
    memset(garbage, 0xff, sizeof garbage);
    ck_assert_int_ne(tcp_parse(garbage, sizeof garbage, SRC, DST, &r), TCP_PARSE_OK);
    ck_assert_str_eq(tcp_reason_str(TCP_PARSE_BAD_CHECKSUM), "bad checksum");
}
END_TEST

START_TEST(test_flags_summary)
{
    char f[10], s[160];
    ck_assert_str_eq(tcp_flags_str(TCP_SYN | TCP_ACK, f), "S.");
    ck_assert_str_eq(tcp_flags_str(TCP_FIN | TCP_PSH | TCP_ACK, f), "FP.");
    ck_assert_str_eq(tcp_flags_str(TCP_RST, f), "R");
    ck_assert_str_eq(tcp_flags_str(0, f), "none");
    tcp_repr_t a = {.seq = 1, .ack = 1, .flags = TCP_ACK, .wnd = 502};
    ck_assert_str_eq(tcp_summary(&a, s, sizeof s), "Flags [.], ack 1, win 502, length 0");
    tcp_repr_t syn1 = {.seq = 1000, .flags = TCP_SYN, .wnd = 65535, .has_mss = true, .mss = 1460,
                       .has_wscale = true, .wscale = 7};
    ck_assert_str_eq(tcp_summary(&syn1, s, sizeof s),
                     "Flags [S], seq 1000, win 65535, options [mss 1460,wscale 7], length 0");
}
END_TEST

Suite *tcp_wire_suite(void)
{
    Suite *s = suite_create("tcp_wire");
    TCase *tc = tcase_create("codec");
    tcase_add_test(tc, test_decode_syn);
    tcase_add_test(tc, test_decode_data);
    tcase_add_test(tc, test_encode_exact);
    tcase_add_test(tc, test_reject_truncated_and_garbage);
    tcase_add_test(tc, test_flags_summary);
    suite_add_tcase(s, tc);
    return s;
}
