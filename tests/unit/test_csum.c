/*
 * test_csum.c -- RFC 1071 checksum and RFC 1624 incremental update, plus the
 * address text helpers in bytes.c.
 */
#include <check.h>
#include "wire/bytes.h"
#include "wire/csum.h"
#include <string.h>

/* A real IPv4 header (from a capture) whose checksum is 0xb861. */
static const uint8_t ip_hdr[20] = {
    0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
    0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

START_TEST(test_known_header)
{
    ck_assert_uint_eq(csum(ip_hdr, sizeof ip_hdr), 0); /* verifies to zero */
    uint8_t h[20];
    memcpy(h, ip_hdr, 20);
    h[10] = h[11] = 0;
    ck_assert_uint_eq(csum(h, 20), 0xb861);
}
END_TEST

START_TEST(test_odd_length)
{
    const uint8_t b[3] = {0x01, 0x02, 0x03};
    /* 0x0102 + 0x0300 = 0x0402 -> ~ = 0xfbfd */
    ck_assert_uint_eq(csum(b, 3), 0xfbfd);
}
END_TEST

START_TEST(test_incremental_ttl)
{
    uint8_t h[20];
    memcpy(h, ip_hdr, 20);
    uint16_t old_w = rd_be16(h + 8);
    h[8] = 0x3f; /* TTL 64 -> 63 */
    uint16_t inc = csum_update16(rd_be16(h + 10), old_w, rd_be16(h + 8));
    h[10] = h[11] = 0;
    ck_assert_uint_eq(inc, csum(h, 20));
}
END_TEST

START_TEST(test_addr_text)
{
    uint32_t a;
    char buf[18];
    ck_assert_int_eq(ip4_parse("192.0.2.10", &a), 0);
    ck_assert_uint_eq(a, LS_IP4(192, 0, 2, 10));
    ck_assert_str_eq(ip4_fmt(a, buf), "192.0.2.10");
    ck_assert_int_eq(ip4_parse("192.0.2", &a), -1);
    ck_assert_int_eq(ip4_parse("192.0.2.256", &a), -1);
    ck_assert_int_eq(ip4_parse("1.2.3.4x", &a), -1);
    uint8_t m[6];
    ck_assert_int_eq(mac_parse("02:00:00:00:00:0a", m), 0);
    ck_assert_uint_eq(m[5], 0x0a);
    ck_assert_str_eq(mac_fmt(m, buf), "02:00:00:00:00:0a");
    ck_assert_int_eq(mac_parse("02:00:00:00:00", m), -1);
    ck_assert_int_eq(mac_parse("02:00:00:00:00:0g", m), -1);
}
END_TEST

/* The word-at-a-time RFC 1071 sum that csum_add must reproduce exactly. */
static uint32_t s_ref_add(uint32_t sum, const uint8_t *buf, size_t len)
{
    uint64_t s = sum;
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        s += (uint32_t)buf[i] << 8 | buf[i + 1];
    if (i < len)
        s += (uint32_t)buf[i] << 8;
    while (s >> 32)
        s = (s & 0xffffffffu) + (s >> 32);
    return (uint32_t)s;
}

START_TEST(test_wide_sum_matches_words)
{
    /* csum_add sums eight bytes per step: its running sum must equal the
     * 16-bit word loop's for every length, alignment and starting sum,
     * including all-0xff data long enough to overflow unflushed lanes. */
    static uint8_t b[70000];
    uint32_t x = 12345; /* seeded LCG: reproducible */
    for (size_t i = 0; i < sizeof b; i++) {
        x = x * 1103515245u + 12345u;
        b[i] = (uint8_t)(x >> 16);
    }
    const uint32_t starts[] = {0, 1, 0xffff, 0x7fffffffu, 0xffffffffu};
    for (size_t off = 0; off < 8; off++)
        for (size_t len = 0; len < 600; len++)
            for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++)
                ck_assert_uint_eq(csum_add(starts[k], b + off, len), s_ref_add(starts[k], b + off, len));
    const size_t big[] = {2047, 2048, 2049, 2056, 4103, 65535, 65536, 69999};
    for (size_t k = 0; k < sizeof big / sizeof big[0]; k++)
        ck_assert_uint_eq(csum_add(7, b + 1, big[k]), s_ref_add(7, b + 1, big[k]));
    memset(b, 0xff, sizeof b);
    for (size_t k = 0; k < sizeof big / sizeof big[0]; k++) {
        ck_assert_uint_eq(csum_add(0, b, big[k]), s_ref_add(0, b, big[k]));
        ck_assert_uint_eq(csum_add(0xffffffffu, b + 1, big[k]), s_ref_add(0xffffffffu, b + 1, big[k]));
    }
}
END_TEST

Suite *csum_suite(void)
{
    Suite *s = suite_create("csum");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_known_header);
    tcase_add_test(tc, test_odd_length);
    tcase_add_test(tc, test_incremental_ttl);
    tcase_add_test(tc, test_wide_sum_matches_words);
    tcase_add_test(tc, test_addr_text);
    suite_add_tcase(s, tc);
    return s;
}
