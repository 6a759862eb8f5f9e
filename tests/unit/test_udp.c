/*
 * test_udp.c -- UDP codec (RFC 768): decode real bytes, encode exact bytes,
 * zero checksum = none, computed 0 sent as 0xFFFF, truncated/garbage rejected.
 */
#include <check.h>
#include <string.h>
#include "wire/bytes.h"
#include "wire/csum.h"
#include "wire/udp.h"

#define SRC LS_IP4(192, 0, 2, 10)
#define DST LS_IP4(198, 51, 100, 10)

/* 192.0.2.10.5353 > 198.51.100.10.53: UDP, length 4 ("abcd") */
static const uint8_t dgram[12] = {0x14, 0xe9, 0x00, 0x35, 0x00, 0x0c, 0x39, 0xa9, 0x61, 0x62, 0x63, 0x64};

START_TEST(test_decode)
{
    udp_repr_t r;
    ck_assert_int_eq(udp_parse(dgram, sizeof dgram, SRC, DST, &r), UDP_PARSE_OK);
    ck_assert_uint_eq(r.sport, 5353);
    ck_assert_uint_eq(r.dport, 53);
    ck_assert_uint_eq(r.len, 12);
    ck_assert_uint_eq(r.csum, 0x39a9);
    ck_assert_uint_eq(r.payload_len, 4);
    ck_assert_int_eq(memcmp(r.payload, "abcd", 4), 0);
    char s[40];
    ck_assert_str_eq(udp_summary(&r, s, sizeof s), "UDP, length 4");
    /* trailing link padding beyond the length field is ignored */
    uint8_t pad[16] = {0};
    memcpy(pad, dgram, 12);
    ck_assert_int_eq(udp_parse(pad, sizeof pad, SRC, DST, &r), UDP_PARSE_OK);
    ck_assert_uint_eq(r.payload_len, 4);
}
END_TEST

START_TEST(test_encode)
{
    udp_repr_t r = {.sport = 5353, .dport = 53, .payload = (const uint8_t *)"abcd", .payload_len = 4};
    uint8_t b[32];
    ck_assert_int_eq(udp_emit(&r, SRC, DST, b, sizeof b), 12);
    ck_assert_int_eq(memcmp(b, dgram, 12), 0);
    ck_assert_int_eq(udp_emit(&r, SRC, DST, b, 11), -1);
    r.no_csum = true;
    ck_assert_int_eq(udp_emit(&r, SRC, DST, b, sizeof b), 12);
    ck_assert_uint_eq(rd_be16(b + UDP_OFF_CSUM), 0);
}
END_TEST

START_TEST(test_zero_checksum)
{
    /* received checksum 0 = none: accepted even though it would not verify */
    uint8_t b[12];
    memcpy(b, dgram, 12);
    b[6] = b[7] = 0;
    udp_repr_t r;
    ck_assert_int_eq(udp_parse(b, 12, SRC, DST, &r), UDP_PARSE_OK);
    ck_assert(r.no_csum);
    /* find a payload whose computed checksum is 0: adjust 2 payload bytes so
     * the one's-complement sum is 0xffff, then it must go out as 0xffff */
    uint8_t p[2] = {0, 0};
    udp_repr_t z = {.sport = 1, .dport = 2, .payload = p, .payload_len = 2};
    uint32_t sum = csum_add(csum_pseudo(SRC, DST, UDP_PROTO, 10), (const uint8_t[]){0, 1, 0, 2, 0, 10}, 6);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t need = (uint16_t)(0xffff - sum);
    wr_be16(p, need);
    ck_assert_int_eq(udp_emit(&z, SRC, DST, b, sizeof b), 10);
    ck_assert_uint_eq(rd_be16(b + UDP_OFF_CSUM), 0xffff);
    ck_assert_int_eq(udp_parse(b, 10, SRC, DST, &r), UDP_PARSE_OK);
}
END_TEST

START_TEST(test_reject)
{
    udp_repr_t r;
    ck_assert_int_eq(udp_parse(dgram, 7, SRC, DST, &r), UDP_PARSE_TRUNCATED);
    ck_assert_int_eq(udp_parse(dgram, 11, SRC, DST, &r), UDP_PARSE_TRUNCATED); /* length says 12 */
    uint8_t b[12];
    memcpy(b, dgram, 12);
    b[5] = 4; /* length field < 8 */
    ck_assert_int_eq(udp_parse(b, 12, SRC, DST, &r), UDP_PARSE_BAD_LENGTH);
    memcpy(b, dgram, 12);
    b[11] ^= 1;
    ck_assert_int_eq(udp_parse(b, 12, SRC, DST, &r), UDP_PARSE_BAD_CHECKSUM);
    memset(b, 0xa5, sizeof b);
    ck_assert_int_ne(udp_parse(b, 12, SRC, DST, &r), UDP_PARSE_OK);
    ck_assert_str_eq(udp_reason_str(UDP_PARSE_BAD_LENGTH), "bad length");
}
END_TEST

Suite *udp_suite(void)
{
    Suite *s = suite_create("udp");
    TCase *tc = tcase_create("codec");
    tcase_add_test(tc, test_decode);
    tcase_add_test(tc, test_encode);
    tcase_add_test(tc, test_zero_checksum);
    tcase_add_test(tc, test_reject);
    suite_add_tcase(s, tc);
    return s;
}
