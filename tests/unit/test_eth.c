/*
 * test_eth.c -- Ethernet II codec (RFC 894), CRC-32 FCS, MAC helpers and the
 * tcpdump -e style summary (common/wire/eth.c).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "wire/bytes.h"
#include "wire/eth.h"

/* A real broadcast ARP request as it leaves the NIC: 42 bytes of header + ARP,
 * 18 bytes of zero padding, then the FCS (90 a5 83 68, LSB first). */
static const uint8_t arp_frame[64] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x08, 0x06, /* eth */
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,                                     /* arp */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0xc0, 0x00, 0x02, 0x0a,                         /* sha spa */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x01,                         /* tha tpa */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                               /* pad */
    0x90, 0xa5, 0x83, 0x68};                                                            /* FCS */

static const uint8_t mac_a[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

START_TEST(test_crc32_vectors)
{
    ck_assert_uint_eq(eth_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
    ck_assert_uint_eq(eth_crc32((const uint8_t *)"", 0), 0x00000000u);
    const char *fox = "The quick brown fox jumps over the lazy dog";
    ck_assert_uint_eq(eth_crc32((const uint8_t *)fox, strlen(fox)), 0x414FA339u);
    ck_assert_uint_eq(eth_crc32(arp_frame, 60), 0x6883A590u);
}
END_TEST

/* Bit-at-a-time CRC-32 (IEEE 802.3, reflected 0xEDB88320): the definition. */
static uint32_t s_crc_bitwise(const uint8_t *b, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= b[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

START_TEST(test_crc32_long_and_unaligned)
{
    /* eth_crc32 folds 16-byte blocks with carry-less multiplies on CPUs that
     * have them and uses tables for the rest: both must give the definition's
     * value for every length and alignment. Values from Python's zlib.crc32. */
    static uint8_t b[9100];
    for (size_t i = 0; i < 1514; i++)
        b[i] = (uint8_t)(i * 7 + 3);
    ck_assert_uint_eq(eth_crc32(b, 1514), 0x37d7dd96u);
    for (size_t i = 0; i < 100; i++)
        b[i] = (uint8_t)(i * 131 + 17);
    ck_assert_uint_eq(eth_crc32(b, 100), 0x775c2a7du);
    uint32_t x = 2024; /* seeded LCG */
    for (size_t i = 0; i < sizeof b; i++) {
        x = x * 1103515245u + 12345u;
        b[i] = (uint8_t)(x >> 16);
    }
    for (size_t off = 0; off < 4; off++)
        for (size_t len = 0; len <= 300; len++)
            ck_assert_uint_eq(eth_crc32(b + off, len), s_crc_bitwise(b + off, len));
    const size_t big[] = {1514, 1518, 1519, 4096, 9000};
    for (size_t k = 0; k < sizeof big / sizeof big[0]; k++)
        ck_assert_uint_eq(eth_crc32(b + 3, big[k]), s_crc_bitwise(b + 3, big[k]));
    memset(b, 0xff, sizeof b);
    ck_assert_uint_eq(eth_crc32(b, 1518), s_crc_bitwise(b, 1518));
}
END_TEST

START_TEST(test_parse_known_frame)
{
    eth_repr_t e;
    ck_assert_int_eq(eth_parse(arp_frame, 60, &e), ETH_OK);
    ck_assert_mem_eq(e.dst, mac_bcast, 6);
    ck_assert_mem_eq(e.src, mac_a, 6);
    ck_assert_uint_eq(e.ethertype, ETHERTYPE_ARP);
    /* an IPv4 frame */
    uint8_t f[60] = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x0a, 0x08, 0x00, 0x45};
    ck_assert_int_eq(eth_parse(f, sizeof f, &e), ETH_OK);
    ck_assert_uint_eq(e.ethertype, ETHERTYPE_IPV4);
    ck_assert_uint_eq(e.dst[5], 0x01);
}
END_TEST

START_TEST(test_emit_exact_bytes)
{
    eth_repr_t e = {.ethertype = ETHERTYPE_ARP};
    memcpy(e.dst, mac_bcast, 6);
    memcpy(e.src, mac_a, 6);
    uint8_t buf[128];
    memset(buf, 0xee, sizeof buf);
    int n = eth_emit(&e, arp_frame + ETH_HDR_LEN, 28, buf, sizeof buf);
    ck_assert_int_eq(n, 60); /* RFC 894 padding to the 60-byte minimum */
    ck_assert_mem_eq(buf, arp_frame, 60);
    ck_assert_uint_eq(buf[60], 0xee); /* nothing written past the frame */
    ck_assert_int_eq(eth_fcs_append(buf, (size_t)n, sizeof buf), 64);
    ck_assert_mem_eq(buf, arp_frame, 64);
    /* a payload over the minimum is not padded */
    uint8_t pl[100];
    for (int i = 0; i < 100; i++)
        pl[i] = (uint8_t)i;
    e.ethertype = ETHERTYPE_IPV4;
    ck_assert_int_eq(eth_emit(&e, pl, sizeof pl, buf, sizeof buf), 114);
    ck_assert_uint_eq(rd_be16(buf + ETH_OFF_TYPE), 0x0800);
    ck_assert_mem_eq(buf + ETH_HDR_LEN, pl, 100);
    /* empty payload: all padding */
    ck_assert_int_eq(eth_emit(&e, NULL, 0, buf, sizeof buf), 60);
    for (int i = ETH_HDR_LEN; i < 60; i++)
        ck_assert_uint_eq(buf[i], 0);
}
END_TEST

START_TEST(test_emit_in_place)
{
    uint8_t buf[64];
    memset(buf, 0xaa, sizeof buf);
    memcpy(buf + ETH_HDR_LEN, "hello", 5);
    eth_repr_t e = {.ethertype = 0x88b5};
    memcpy(e.dst, mac_a, 6);
    memcpy(e.src, mac_a, 6);
    ck_assert_int_eq(eth_emit(&e, buf + ETH_HDR_LEN, 5, buf, sizeof buf), 60);
    ck_assert_mem_eq(buf + ETH_HDR_LEN, "hello", 5);
    ck_assert_uint_eq(buf[ETH_HDR_LEN + 5], 0);
    ck_assert_uint_eq(buf[59], 0);
    ck_assert_uint_eq(buf[60], 0xaa);
}
END_TEST

START_TEST(test_emit_rejects)
{
    eth_repr_t e = {.ethertype = ETHERTYPE_IPV4};
    uint8_t big[1600] = {0};
    uint8_t buf[1600];
    ck_assert_int_eq(eth_emit(&e, big, 28, buf, 59), -1);      /* cap below the padded size */
    ck_assert_int_eq(eth_emit(&e, big, 1500, buf, 1513), -1);
    ck_assert_int_eq(eth_emit(&e, big, 1500, buf, 1514), 1514); /* full MTU fits exactly */
    ck_assert_int_eq(eth_emit(&e, big, 1501, buf, sizeof buf), -1); /* RFC 894 MTU */
    e.ethertype = 0x05dc;                                        /* an 802.3 length */
    ck_assert_int_eq(eth_emit(&e, big, 28, buf, sizeof buf), -1);
    e.ethertype = ETHERTYPE_IPV4;
    ck_assert_int_eq(eth_emit(&e, NULL, 4, buf, sizeof buf), -1);
}
END_TEST

START_TEST(test_parse_truncated_runt_llc)
{
    eth_repr_t e;
    for (size_t n = 0; n < ETH_HDR_LEN; n++)
        ck_assert_int_eq(eth_parse(arp_frame, n, &e), ETH_ERR_TRUNCATED);
    ck_assert_int_eq(eth_parse(NULL, 60, &e), ETH_ERR_TRUNCATED);
    /* the unpadded 42-byte frame: a runt, but the header is filled in */
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(eth_parse(arp_frame, 42, &e), ETH_ERR_RUNT);
    ck_assert_uint_eq(e.ethertype, ETHERTYPE_ARP);
    ck_assert_mem_eq(e.src, mac_a, 6);
    ck_assert_int_eq(eth_parse(arp_frame, 14, &e), ETH_ERR_RUNT);
    ck_assert_int_eq(eth_parse(arp_frame, 59, &e), ETH_ERR_RUNT);
    /* IEEE 802.3 LLC frame: type field 0x0026 is a length (STP BPDU) */
    uint8_t llc[60] = {0x01, 0x80, 0xc2, 0, 0, 0, 0x02, 0, 0, 0, 0, 0x0a, 0x00, 0x26, 0x42, 0x42, 0x03};
    ck_assert_int_eq(eth_parse(llc, sizeof llc, &e), ETH_ERR_LLC_LENGTH);
    ck_assert_uint_eq(e.ethertype, 0x0026);
    /* garbage */
    uint8_t junk[20];
    memset(junk, 0x05, sizeof junk); /* type 0x0505 < 0x0600 */
    ck_assert_int_eq(eth_parse(junk, sizeof junk, &e), ETH_ERR_LLC_LENGTH);
    ck_assert_str_eq(eth_reason_str(ETH_ERR_RUNT), "runt");
    ck_assert_str_eq(eth_reason_str(ETH_OK), "ok");
    ck_assert_str_eq(eth_reason_str(99), "unknown");
}
END_TEST

START_TEST(test_fcs_check)
{
    uint8_t f[64];
    memcpy(f, arp_frame, 64);
    ck_assert_int_eq(eth_fcs_check(f, 64), 0);
    f[20] ^= 0x01; /* one flipped bit in the payload */
    ck_assert_int_eq(eth_fcs_check(f, 64), -1);
    f[20] ^= 0x01;
    f[63] ^= 0x80; /* flipped bit in the FCS itself */
    ck_assert_int_eq(eth_fcs_check(f, 64), -1);
    ck_assert_int_eq(eth_fcs_check(f, 3), -1);
    ck_assert_int_eq(eth_fcs_check(NULL, 64), -1);
    /* 4 bytes: FCS of the empty string is 0 */
    const uint8_t z[4] = {0, 0, 0, 0};
    ck_assert_int_eq(eth_fcs_check(z, 4), 0);
    uint8_t g[64];
    memcpy(g, arp_frame, 60);
    ck_assert_int_eq(eth_fcs_append(g, 60, 63), -1);
    ck_assert_int_eq(eth_fcs_append(g, 60, 64), 64);
    ck_assert_int_eq(eth_fcs_append(g, 65, 64), -1);
}
END_TEST

START_TEST(test_mac_helpers)
{
    const uint8_t mc[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    const uint8_t zero[6] = {0};
    ck_assert_int_eq(eth_is_broadcast(mac_bcast), 1);
    ck_assert_int_eq(eth_is_multicast(mac_bcast), 1);
    ck_assert_int_eq(eth_is_broadcast(mc), 0);
    ck_assert_int_eq(eth_is_multicast(mc), 1);
    ck_assert_int_eq(eth_is_multicast(mac_a), 0);
    ck_assert_int_eq(eth_is_broadcast(mac_a), 0);
    ck_assert_int_eq(eth_is_zero(zero), 1);
    ck_assert_int_eq(eth_is_zero(mac_a), 0);
    ck_assert_str_eq(eth_type_name(ETHERTYPE_RARP), "Reverse ARP");
    ck_assert_str_eq(eth_type_name(0x1234), "Unknown");
}
END_TEST

static int s_fake_ip(uint16_t et, const uint8_t *p, size_t n, char *out, size_t cap)
{
    if (et != ETHERTYPE_IPV4)
        return -1;
    return snprintf(out, cap, "IP len %zu first 0x%02x", n, n ? p[0] : 0);
}

START_TEST(test_summary)
{
    char s[256];
    int n = eth_summary(arp_frame, 42, s, sizeof s, NULL);
    ck_assert_str_eq(s, "02:00:00:00:00:0a > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: "
                        "Request who-has 192.0.2.1 tell 192.0.2.10");
    ck_assert_int_eq(n, (int)strlen(s));
    eth_summary(arp_frame, 60, s, sizeof s, s_fake_ip); /* fn declines ARP: built-in used */
    ck_assert_str_eq(s, "02:00:00:00:00:0a > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 60: "
                        "Request who-has 192.0.2.1 tell 192.0.2.10");
    uint8_t f[60] = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x0a, 0x08, 0x00, 0x45};
    eth_summary(f, sizeof f, s, sizeof s, NULL);
    ck_assert_str_eq(s, "02:00:00:00:00:0a > 02:00:00:00:00:01, ethertype IPv4 (0x0800), length 60: IPv4");
    eth_summary(f, sizeof f, s, sizeof s, s_fake_ip);
    ck_assert_str_eq(s, "02:00:00:00:00:0a > 02:00:00:00:00:01, ethertype IPv4 (0x0800), length 60: "
                        "IP len 46 first 0x45");
    f[12] = 0x12;
    f[13] = 0x34;
    eth_summary(f, sizeof f, s, sizeof s, NULL);
    ck_assert_str_eq(s, "02:00:00:00:00:0a > 02:00:00:00:00:01, ethertype Unknown (0x1234), length 60: "
                        "payload 46 bytes");
    ck_assert_int_eq(eth_summary(arp_frame, 10, s, sizeof s, NULL), 8);
    ck_assert_str_eq(s, "[|ether]");
    /* ARP header cut short inside an Ethernet frame */
    eth_summary(arp_frame, 30, s, sizeof s, NULL);
    ck_assert_str_eq(s, "02:00:00:00:00:0a > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 30: [|arp]");
    /* output truncated to cap, still terminated */
    char small[20];
    ck_assert_int_eq(eth_summary(arp_frame, 60, small, sizeof small, NULL), 19);
    ck_assert_str_eq(small, "02:00:00:00:00:0a >");
    ck_assert_int_eq(eth_summary(arp_frame, 60, small, 0, NULL), -1);
    uint8_t llc[60] = {0x01, 0x80, 0xc2, 0, 0, 0, 0x02, 0, 0, 0, 0, 0x0a, 0x00, 0x26};
    eth_summary(llc, sizeof llc, s, sizeof s, NULL);
    ck_assert_str_eq(s, "02:00:00:00:00:0a > 01:80:c2:00:00:00, 802.3, length 60: LLC, length 38");
}
END_TEST

/* The definition, one bit at a time (IEEE 802.3 3.2.9, reflected form). */
static uint32_t s_crc32_bitwise(const uint8_t *buf, size_t len)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        crc ^= buf[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
    }
    return crc ^ 0xffffffffu;
}

START_TEST(test_crc32_fast_equals_bitwise)
{
    /* the slicing-by-8 path equals the bitwise definition for every
     * length 0..2048 and every start alignment 0..7 (seeded buffer). */
    static uint8_t buf[2048 + 8];
    uint32_t x = 0x2545F491u;
    for (size_t i = 0; i < sizeof buf; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
    for (size_t len = 0; len <= 2048; len++) {
        size_t off = len % 8;
        ck_assert_uint_eq(eth_crc32(buf + off, len), s_crc32_bitwise(buf + off, len));
    }
    /* every offset for one length that is not a multiple of 8 */
    for (size_t off = 0; off < 8; off++)
        ck_assert_uint_eq(eth_crc32(buf + off, 1517), s_crc32_bitwise(buf + off, 1517));
    /* append then check over the same bytes */
    uint8_t f[1518];
    memcpy(f, buf, 1514);
    ck_assert_int_eq(eth_fcs_append(f, 1514, sizeof f), 1518);
    ck_assert_int_eq(eth_fcs_check(f, 1518), 0);
    f[700] ^= 0x10;
    ck_assert_int_eq(eth_fcs_check(f, 1518), -1);
}
END_TEST

Suite *eth_suite(void)
{
    Suite *s = suite_create("eth");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_crc32_vectors);
    tcase_add_test(tc, test_crc32_long_and_unaligned);
    tcase_add_test(tc, test_crc32_fast_equals_bitwise);
    tcase_add_test(tc, test_parse_known_frame);
    tcase_add_test(tc, test_emit_exact_bytes);
    tcase_add_test(tc, test_emit_in_place);
    tcase_add_test(tc, test_emit_rejects);
    tcase_add_test(tc, test_parse_truncated_runt_llc);
    tcase_add_test(tc, test_fcs_check);
    tcase_add_test(tc, test_mac_helpers);
    tcase_add_test(tc, test_summary);
    suite_add_tcase(s, tc);
    return s;
}
