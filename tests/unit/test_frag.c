/*
 * test_frag.c -- fragmentation (exact offsets/MF/lengths/checksums, DF,
 * copied options) and reassembly (out of order, duplicates, overlap, too big,
 * timeout with and without fragment zero, memory and datagram caps).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "net-svc/frag.h"
#include "wire/ipv4.h"
#include "wire/bytes.h"
#include "wire/csum.h"

#define MAXF 16

typedef struct {
    uint8_t f[MAXF][1600];
    size_t len[MAXF];
    int n;
} frags_t;

static void s_keep(void *ctx, const uint8_t *frag, size_t len)
{
    frags_t *fs = ctx;
    ck_assert_int_lt(fs->n, MAXF);
    ck_assert_uint_le(len, 1600);
    memcpy(fs->f[fs->n], frag, len);
    fs->len[fs->n++] = len;
}

/* A UDP-protocol datagram with plen payload bytes (pattern i*7) */
static size_t s_dgram(uint8_t *buf, size_t plen, uint16_t id, bool df)
{
    ipv4_repr_t r = {.ttl = 64, .proto = 17, .total_len = (uint16_t)(20 + plen), .id = id,
                     .df = df, .src = LS_IP4(192, 0, 2, 10), .dst = LS_IP4(198, 51, 100, 10)};
    ck_assert_int_eq(ipv4_emit(&r, buf, 20), 20);
    for (size_t i = 0; i < plen; i++)
        buf[20 + i] = (uint8_t)(i * 7);
    return 20 + plen;
}

START_TEST(test_fragment_exact)
{
    static uint8_t d[3020];
    size_t n = s_dgram(d, 3000, 0xbeef, false);
    frags_t *fs = calloc(1, sizeof *fs);
    ck_assert_int_eq(frag_fragment(d, n, 1500, s_keep, fs), 3);
    const size_t want_len[3] = {1500, 1500, 60};
    const uint16_t want_fo[3] = {0x2000 | 0, 0x2000 | 185, 370};
    for (int i = 0; i < 3; i++) {
        ck_assert_uint_eq(fs->len[i], want_len[i]);
        ck_assert_uint_eq(rd_be16(fs->f[i] + IP4_OFF_LEN), want_len[i]);
        ck_assert_uint_eq(rd_be16(fs->f[i] + IP4_OFF_FRAG), want_fo[i]);
        ck_assert_uint_eq(rd_be16(fs->f[i] + IP4_OFF_ID), 0xbeef);
        ck_assert_uint_eq(csum(fs->f[i], 20), 0);
        ck_assert_mem_eq(fs->f[i] + 20, d + 20 + i * 1480, want_len[i] - 20);
    }
    /* a 28-byte-header-MTU edge: mtu 68 (RFC 791 minimum) -> 48-byte pieces */
    fs->n = 0;
    n = s_dgram(d, 100, 1, false);
    ck_assert_int_eq(frag_fragment(d, n, 68, s_keep, fs), 3);
    ck_assert_uint_eq(fs->len[0], 68);
    ck_assert_uint_eq(fs->len[2], 20 + 4);
    ck_assert_uint_eq(rd_be16(fs->f[2] + IP4_OFF_FRAG), 12);
    free(fs);
}
END_TEST

START_TEST(test_fragment_df_and_fit)
{
    static uint8_t d[1620];
    frags_t *fs = calloc(1, sizeof *fs);
    size_t n = s_dgram(d, 1600, 9, true);
    ck_assert_int_eq(frag_fragment(d, n, 1500, s_keep, fs), -1);
    ck_assert_int_eq(fs->n, 0);
    /* fits: emitted unchanged, trimmed of trailing padding */
    n = s_dgram(d, 100, 9, true);
    ck_assert_int_eq(frag_fragment(d, n + 10, 1500, s_keep, fs), 1);
    ck_assert_uint_eq(fs->len[0], n);
    ck_assert_mem_eq(fs->f[0], d, n);
    /* mtu too small for header + 8 */
    fs->n = 0;
    n = s_dgram(d, 100, 9, false);
    ck_assert_int_eq(frag_fragment(d, n, 27, s_keep, fs), -1);
    ck_assert_int_eq(frag_fragment(d, 10, 1500, s_keep, fs), -1); /* garbage */
    ck_assert_int_eq(fs->n, 0);
    free(fs);
}
END_TEST

START_TEST(test_fragment_options_copy)
{
    /* header 32 bytes: Router Alert (0x94, copied), NOP, Timestamp (0x44, not copied) */
    uint8_t d[32 + 136];
    memset(d, 0, sizeof d);
    const uint8_t opts[12] = {0x94, 0x04, 0x00, 0x00, 0x01, 0x44, 0x07, 0x05, 0, 0, 0, 0};
    d[0] = 0x48;
    wr_be16(d + 2, sizeof d);
    wr_be16(d + 4, 77);
    d[8] = 64;
    d[9] = 17;
    wr_be32(d + 12, LS_IP4(10, 0, 0, 1));
    wr_be32(d + 16, LS_IP4(10, 0, 0, 2));
    memcpy(d + 20, opts, 12);
    for (int i = 0; i < 136; i++)
        d[32 + i] = (uint8_t)i;
    ipv4_set_checksum(d);
    frags_t *fs = calloc(1, sizeof *fs);
    ck_assert_int_eq(frag_fragment(d, sizeof d, 100, s_keep, fs), 2);
    /* first: full options, 64 data bytes */
    ck_assert_uint_eq(fs->len[0], 32 + 64);
    ck_assert_mem_eq(fs->f[0] + 20, opts, 12);
    /* second: IHL 6 with only Router Alert, 72 data bytes at offset 64 */
    ck_assert_uint_eq(fs->f[1][0], 0x46);
    ck_assert_uint_eq(fs->len[1], 24 + 72);
    ck_assert_mem_eq(fs->f[1] + 20, opts, 4);
    ck_assert_uint_eq(rd_be16(fs->f[1] + IP4_OFF_FRAG), 8);
    ck_assert_uint_eq(csum(fs->f[1], 24), 0);
    ck_assert_mem_eq(fs->f[1] + 24, d + 32 + 64, 72);
    /* and they reassemble to the original */
    reass_t *r = reass_new(NULL, NULL, NULL);
    ck_assert_int_eq(reass_input(r, fs->f[1], fs->len[1], 2, 0, NULL, NULL), REASS_HELD);
    ck_assert_int_eq(reass_input(r, fs->f[0], fs->len[0], 1, 0, NULL, NULL), REASS_DONE);
    reass_destroy(&r);
    free(fs);
}
END_TEST

typedef struct {
    uint8_t buf[70000];
    size_t len;
    uint64_t parents[MAXF];
    size_t np;
    int calls;
    uint8_t first[1600];
    size_t first_len;
    uint64_t first_pdu;
    int timeouts;
} sink_t;

static void s_done(void *ctx, const uint8_t *dgram, size_t len, const uint64_t *parents,
                   size_t np, uint64_t now)
{
    sink_t *s = ctx;
    ck_assert_uint_le(len, sizeof s->buf);
    memcpy(s->buf, dgram, len);
    s->len = len;
    ck_assert_uint_le(np, MAXF);
    memcpy(s->parents, parents, np * sizeof *parents);
    s->np = np;
    s->calls++;
}

static void s_timeout(void *ctx, const uint8_t *f, size_t len, uint64_t pdu, uint64_t now)
{
    sink_t *s = ctx;
    memcpy(s->first, f, len);
    s->first_len = len;
    s->first_pdu = pdu;
    s->timeouts++;
}

START_TEST(test_reassemble_out_of_order_and_dup)
{
    static uint8_t d[3020];
    size_t n = s_dgram(d, 3000, 0x4242, false);
    frags_t *fs = calloc(1, sizeof *fs);
    sink_t *s = calloc(1, sizeof *s);
    ck_assert_int_eq(frag_fragment(d, n, 1500, s_keep, fs), 3);
    ls_counters_t *reg = ls_counters_new();
    reass_t *r = reass_new(NULL, reg, NULL);
    ck_assert_int_eq(reass_input(r, fs->f[2], fs->len[2], 102, 10, s_done, s), REASS_HELD);
    ck_assert_int_eq(reass_input(r, fs->f[0], fs->len[0], 100, 11, s_done, s), REASS_HELD);
    ck_assert_int_eq(reass_input(r, fs->f[0], fs->len[0], 103, 12, s_done, s), REASS_HELD); /* dup */
    ck_assert_uint_eq(ls_counter_get(reg, "ip.reass.dup"), 1);
    ck_assert_uint_eq(reass_pending(r), 1);
    ck_assert_uint_eq(reass_bytes(r), 1560);
    ck_assert_uint_eq(reass_next_deadline(r), 10 + REASS_DEFAULT_TIMEOUT_NS);
    ck_assert_int_eq(reass_input(r, fs->f[1], fs->len[1], 101, 13, s_done, s), REASS_DONE);
    ck_assert_int_eq(s->calls, 1);
    ck_assert_uint_eq(s->len, n);
    ck_assert_mem_eq(s->buf, d, n); /* header too: MF 0, offset 0, same checksum */
    ck_assert_uint_eq(s->np, 3);
    ck_assert_uint_eq(s->parents[0], 100);
    ck_assert_uint_eq(s->parents[1], 101);
    ck_assert_uint_eq(s->parents[2], 102);
    ck_assert_uint_eq(reass_pending(r), 0);
    ck_assert_uint_eq(reass_bytes(r), 0);
    ck_assert_uint_eq(reass_next_deadline(r), UINT64_MAX);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.reass.ok"), 1);
    reass_destroy(&r);
    ck_assert_ptr_null(r);
    ls_counters_destroy(&reg);
    free(fs);
    free(s);
}
END_TEST

START_TEST(test_reassemble_overlap_dropped)
{
    static uint8_t d[3020];
    size_t n = s_dgram(d, 3000, 7, false);
    frags_t *fs = calloc(1, sizeof *fs);
    sink_t *s = calloc(1, sizeof *s);
    ck_assert_int_eq(frag_fragment(d, n, 1500, s_keep, fs), 3);
    ls_counters_t *reg = ls_counters_new();
    reass_t *r = reass_new(NULL, reg, NULL);
    ck_assert_int_eq(reass_input(r, fs->f[0], fs->len[0], 1, 0, s_done, s), REASS_HELD);
    /* a fragment at offset 1472 (overlaps the first by 8 bytes) */
    uint8_t o[1500];
    memcpy(o, fs->f[1], 1500);
    wr_be16(o + IP4_OFF_FRAG, 0x2000 | 184);
    ipv4_set_checksum(o);
    ck_assert_int_eq(reass_input(r, o, 1500, 2, 1, s_done, s), REASS_DROPPED);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.reass.drop.overlap"), 1);
    ck_assert_uint_eq(reass_pending(r), 0);
    /* same range, different bytes: also a conflicting overlap */
    ck_assert_int_eq(reass_input(r, fs->f[1], fs->len[1], 3, 2, s_done, s), REASS_HELD);
    memcpy(o, fs->f[1], 1500);
    o[100] ^= 0xff;
    ck_assert_int_eq(reass_input(r, o, 1500, 4, 3, s_done, s), REASS_DROPPED);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.reass.drop.overlap"), 2);
    /* inconsistent last fragment */
    ck_assert_int_eq(reass_input(r, fs->f[2], fs->len[2], 5, 4, s_done, s), REASS_HELD);
    memcpy(o, fs->f[2], fs->len[2]);
    wr_be16(o + IP4_OFF_FRAG, 371);
    ipv4_set_checksum(o);
    ck_assert_int_eq(reass_input(r, o, fs->len[2], 6, 5, s_done, s), REASS_DROPPED);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.reass.drop.inconsistent"), 1);
    ck_assert_int_eq(s->calls, 0);
    reass_destroy(&r);
    ls_counters_destroy(&reg);
    free(fs);
    free(s);
}
END_TEST

START_TEST(test_reassemble_too_big_and_bad_len)
{
    ls_counters_t *reg = ls_counters_new();
    reass_t *r = reass_new(NULL, reg, NULL);
    uint8_t f[60];
    size_t n = s_dgram(f, 40, 5, false);
    wr_be16(f + IP4_OFF_FRAG, 8189); /* 65512 + 40 > 65535 - 20 */
    ipv4_set_checksum(f);
    ck_assert_int_eq(reass_input(r, f, n, 1, 0, NULL, NULL), REASS_DROPPED);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.reass.drop.too_big"), 1);
    n = s_dgram(f, 12, 5, false);
    wr_be16(f + IP4_OFF_FRAG, 0x2000); /* MF with 12 bytes: not a multiple of 8 */
    ipv4_set_checksum(f);
    ck_assert_int_eq(reass_input(r, f, n, 2, 0, NULL, NULL), REASS_DROPPED);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.reass.drop.bad_frag_len"), 1);
    f[11] ^= 1;
    ck_assert_int_eq(reass_input(r, f, n, 3, 0, NULL, NULL), REASS_DROPPED);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.drop.bad_checksum"), 1);
    ck_assert_uint_eq(reass_pending(r), 0);
    reass_destroy(&r);
    ls_counters_destroy(&reg);
}
END_TEST

START_TEST(test_timeout)
{
    static uint8_t d[3020];
    size_t n = s_dgram(d, 3000, 11, false);
    frags_t *fs = calloc(1, sizeof *fs);
    sink_t *s = calloc(1, sizeof *s);
    ck_assert_int_eq(frag_fragment(d, n, 1500, s_keep, fs), 3);
    ls_counters_t *reg = ls_counters_new();
    reass_cfg_t cfg = {.timeout_ns = 1000};
    reass_t *r = reass_new(&cfg, reg, NULL);
    uint64_t now = 5000;
    /* with fragment zero */
    reass_input(r, fs->f[0], fs->len[0], 77, now, s_done, s);
    reass_input(r, fs->f[2], fs->len[2], 78, now + 10, s_done, s);
    ck_assert_uint_eq(reass_next_deadline(r), now + 1000);
    reass_poll(r, now + 999, s_timeout, s);
    ck_assert_int_eq(s->timeouts, 0);
    ck_assert_uint_eq(reass_pending(r), 1);
    reass_poll(r, now + 1000, s_timeout, s);
    ck_assert_int_eq(s->timeouts, 1);
    ck_assert_uint_eq(s->first_pdu, 77);
    ck_assert_uint_eq(s->first_len, 1500);
    ck_assert_mem_eq(s->first, fs->f[0], 1500);
    ck_assert_uint_eq(reass_pending(r), 0);
    ck_assert_uint_eq(reass_bytes(r), 0);
    /* without fragment zero: no callback, still freed and counted */
    now = 10000;
    reass_input(r, fs->f[1], fs->len[1], 80, now, s_done, s);
    reass_poll(r, now + 5000, s_timeout, s);
    ck_assert_int_eq(s->timeouts, 1);
    ck_assert_uint_eq(reass_pending(r), 0);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.reass.timeout"), 2);
    ck_assert_int_eq(s->calls, 0);
    reass_destroy(&r);
    ls_counters_destroy(&reg);
    free(fs);
    free(s);
}
END_TEST

START_TEST(test_memory_cap)
{
    static uint8_t d[3020];
    frags_t *fs = calloc(1, sizeof *fs);
    sink_t *s = calloc(1, sizeof *s);
    ls_counters_t *reg = ls_counters_new();
    reass_cfg_t cfg = {.max_bytes = 3200};
    reass_t *r = reass_new(&cfg, reg, NULL);
    /* three datagrams, first fragment (1500 bytes) of each */
    for (uint16_t id = 1; id <= 3; id++) {
        fs->n = 0;
        size_t n = s_dgram(d, 3000, id, false);
        frag_fragment(d, n, 1500, s_keep, fs);
        ck_assert_int_eq(reass_input(r, fs->f[0], fs->len[0], id, id, s_done, s), REASS_HELD);
    }
    /* the third evicted the first */
    ck_assert_uint_eq(ls_counter_get(reg, "ip.reass.drop.mem_cap"), 1);
    ck_assert_uint_eq(reass_pending(r), 2);
    ck_assert_uint_le(reass_bytes(r), 3200);
    /* datagram 3 can still complete */
    ck_assert_int_eq(reass_input(r, fs->f[2], fs->len[2], 33, 9, s_done, s), REASS_HELD);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.reass.drop.mem_cap"), 1);
    ck_assert_int_eq(reass_input(r, fs->f[1], fs->len[1], 32, 9, s_done, s), REASS_DONE);
    /* the last fragment evicted datagram 2 (oldest) to fit */
    ck_assert_uint_eq(ls_counter_get(reg, "ip.reass.drop.mem_cap"), 2);
    ck_assert_int_eq(s->calls, 1);
    ck_assert_uint_eq(rd_be16(s->buf + IP4_OFF_ID), 3);
    ck_assert_uint_eq(reass_pending(r), 0);
    reass_destroy(&r);

    /* datagram count cap */
    reass_cfg_t c2 = {.max_datagrams = 2};
    r = reass_new(&c2, reg, NULL);
    for (uint16_t id = 1; id <= 3; id++) {
        fs->n = 0;
        size_t n = s_dgram(d, 3000, id, false);
        frag_fragment(d, n, 1500, s_keep, fs);
        reass_input(r, fs->f[0], fs->len[0], id, id, s_done, s);
    }
    ck_assert_uint_eq(reass_pending(r), 2);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.reass.drop.max_datagrams"), 1);
    reass_destroy(&r);
    ls_counters_destroy(&reg);
    free(fs);
    free(s);
}
END_TEST

Suite *frag_suite(void)
{
    Suite *s = suite_create("frag");
    TCase *tc = tcase_create("frag");
    tcase_add_test(tc, test_fragment_exact);
    tcase_add_test(tc, test_fragment_df_and_fit);
    tcase_add_test(tc, test_fragment_options_copy);
    tcase_add_test(tc, test_reassemble_out_of_order_and_dup);
    tcase_add_test(tc, test_reassemble_overlap_dropped);
    tcase_add_test(tc, test_reassemble_too_big_and_bad_len);
    tcase_add_test(tc, test_timeout);
    tcase_add_test(tc, test_memory_cap);
    suite_add_tcase(s, tc);
    return s;
}
