/*
 * test_fault.c -- the fault-injection engine (common/fault*.c): rule parsing,
 * reproducible keyed decisions, filters on hand-built packets, and the order
 * and timing of delayed / reordered / duplicated / rate-limited copies on a
 * fake clock.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wire/bytes.h"
#include "fault/fault.h"
#include "runtime/log.h"

#define MS 1000000ULL
#define MAXOUT 4096

/* ---- capture of emitted copies ---- */
typedef struct {
    size_t n;
    uint64_t id[MAXOUT];
    uint64_t t[MAXOUT];
    bool corrupted[MAXOUT];
    size_t len[MAXOUT];
    uint8_t bytes[MAXOUT][8]; /* first bytes of each copy */
    uint32_t opaque[MAXOUT];
    uint64_t now;             /* the fake clock, stamped on each emit */
} cap_t;

static void s_emit(void *ctx, const uint8_t *bytes, size_t len, uint64_t pdu_id,
                   const void *opaque, bool corrupted)
{
    cap_t *c = ctx;
    ck_assert_uint_lt(c->n, MAXOUT);
    c->id[c->n] = pdu_id;
    c->t[c->n] = c->now;
    c->corrupted[c->n] = corrupted;
    c->len[c->n] = len;
    memcpy(c->bytes[c->n], bytes, len < 8 ? len : 8);
    if (opaque)
        memcpy(&c->opaque[c->n], opaque, sizeof(uint32_t));
    c->n++;
}

static fault_set_t *s_set1(const char *spec, uint64_t seed)
{
    char err[128];
    fault_rule_t *r = fault_rule_parse(spec, seed, 1, err, sizeof err);
    ck_assert_msg(r != NULL, "parse '%s': %s", spec, err);
    fault_set_t *set = fault_set_new(0);
    ck_assert_int_eq(fault_set_add(set, &r), 0);
    ck_assert_ptr_null(r);
    return set;
}

/* A distinct 64-byte payload for PDU number i. */
static void s_pdu(uint8_t *buf, uint32_t i)
{
    for (int j = 0; j < 64; j++)
        buf[j] = (uint8_t)(j * 7);
    wr_be32(buf, i);
}

static size_t s_count_id(const cap_t *c, uint64_t id)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += c->id[i] == id;
    return n;
}

/* Run PDUs 1..n (ids = i) through spec at t=0 with no delay; out[i] = copies. */
static void s_run_stream(const char *spec, uint64_t seed, uint32_t n, uint32_t extra_every,
                         cap_t *c)
{
    fault_set_t *set = s_set1(spec, seed);
    uint8_t buf[64];
    memset(c, 0, sizeof *c);
    for (uint32_t i = 1; i <= n; i++) {
        if (extra_every && i % extra_every == 0) {
            s_pdu(buf, 0x80000000u + i); /* unrelated extra PDU, id 1e6+i */
            fault_set_apply(set, FAULT_PDU_L4, 253, buf, sizeof buf, 1000000 + i, NULL, 0,
                            s_emit, c);
        }
        s_pdu(buf, i);
        fault_set_apply(set, FAULT_PDU_L4, 253, buf, sizeof buf, i, NULL, 0, s_emit, c);
    }
    fault_set_destroy(&set);
    ck_assert_ptr_null(set);
}

/* Decision signature of PDU id in a capture: copies and corrupted copies. */
static unsigned s_sig(const cap_t *c, uint64_t id)
{
    unsigned copies = 0, bad = 0, sum = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->id[i] != id)
            continue;
        copies++;
        bad += c->corrupted[i];
        sum += c->bytes[i][0] + c->bytes[i][1] * 3u + c->bytes[i][4] * 5u + (unsigned)c->len[i];
    }
    return copies | bad << 4 | sum << 8;
}

/* ---------------- parsing ---------------- */

START_TEST(test_parse_canonical)
{
    static const char *cases[][2] = {
        {"loss 10", "loss 10%"},
        {"loss random 2.5%", "loss 2.5%"},
        {"loss gemodel 1% 30%", "loss gemodel 1% 30% 100% 0%"},
        {"loss gemodel 5", "loss gemodel 5% 95% 100% 0%"},
        {"delay 100ms 10ms distribution normal", "delay 100ms jitter 10ms distribution normal"},
        {"delay 1500us jitter 1ms", "delay 1500us jitter 1ms distribution uniform"},
        {"delay 2s", "delay 2s"},
        {"duplicate 5%", "duplicate 5%"},
        {"corrupt 1", "corrupt 1%"},
        {"reorder 25% gap 5 delay 10ms", "delay 10ms reorder 25% gap 5"},
        {"reorder 50%", "reorder 50% gap 1 hold 10ms"},
        {"rate 1mbit", "rate 1mbit limit 1000"},
        {"rate 1500kbit limit 20", "rate 1500kbit limit 20"},
        {"drop nth 2 match icmp-echo-request", "drop nth 2 match icmp-echo-request"},
        {"drop every 4", "drop every 4"},
        {"match udp-port 53 loss 5%", "loss 5% match udp-port 53"},
        {"delay 10ms loss 1% duplicate 2%", "loss 1% duplicate 2% delay 10ms"},
    };
    char err[128];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fault_rule_t *r = fault_rule_parse(cases[i][0], 7, 3, err, sizeof err);
        ck_assert_msg(r != NULL, "'%s': %s", cases[i][0], err);
        ck_assert_str_eq(fault_rule_spec(r), cases[i][1]);
        ck_assert_uint_eq(fault_rule_id(r), 3);
        ck_assert_uint_eq(fault_rule_seed(r), 7);
        /* the canonical text parses back to itself */
        fault_rule_t *r2 = fault_rule_parse(fault_rule_spec(r), 7, 3, err, sizeof err);
        ck_assert_ptr_nonnull(r2);
        ck_assert_str_eq(fault_rule_spec(r2), cases[i][1]);
        fault_rule_destroy(&r);
        fault_rule_destroy(&r2);
        ck_assert_ptr_null(r);
    }
}
END_TEST

START_TEST(test_parse_errors)
{
    static const char *cases[][2] = {
        {"loss 120%", "loss: percentage must be 0..100"},
        {"loss -1%", "loss: expected a percentage"},
        {"loss ten", "loss: expected a percentage"},
        {"loss 10%%", "loss: bad percentage '10%%'"},
        {"loss 10% 25%", "loss: correlation is not supported (use loss gemodel)"},
        {"loss gemodel 1% 200%", "loss gemodel: percentage must be 0..100"},
        {"delay 10xs", "delay: bad time '10xs' (use us, ms, s)"},
        {"delay 10", "delay: bad time '10' (use us, ms, s)"},
        {"delay 10ms distribution cauchy", "delay: unknown distribution 'cauchy' (uniform, normal, pareto, paretonormal)"},
        {"", "empty rule: expected loss, delay, duplicate, reorder, corrupt, rate or drop"},
        {"match tcp-syn", "empty rule: expected loss, delay, duplicate, reorder, corrupt, rate or drop"},
        {"frobnicate 1", "unknown keyword 'frobnicate'"},
        {"rate 1mb", "rate: bad rate '1mb' (use bit, kbit, mbit, gbit)"},
        {"limit 5", "limit: needs rate"},
        {"rate 1mbit limit 0", "limit: expected a whole number 1..100000"},
        {"loss 1% loss 2%", "loss: given twice"},
        {"drop third 2", "drop: expected 'nth N' or 'every N'"},
        {"drop nth 0", "drop nth: expected a whole number 1..4294967295"},
        {"loss 1% match tcp-bogus", "match: unknown filter 'tcp-bogus'"},
        {"loss 1% match udp-port", "match: udp-port needs one number"},
        {"loss 1% match udp-port 70000", "match: udp-port must be 0..65535"},
        {"loss 1% match tcp-syn 5", "match: tcp-syn takes no argument"},
        {"reorder 10% gap 0 delay 1ms", "reorder gap: expected a whole number 1..1000000"},
    };
    char err[128];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fault_rule_t *r = fault_rule_parse(cases[i][0], 1, 1, err, sizeof err);
        ck_assert_msg(r == NULL, "'%s' parsed", cases[i][0]);
        ck_assert_str_eq(err, cases[i][1]);
    }
    ck_assert_ptr_null(fault_rule_parse(NULL, 1, 1, err, sizeof err));
    ck_assert_ptr_null(fault_rule_parse("loss 200", 1, 1, NULL, 0)); /* no err buffer: fine */
}
END_TEST

/* ---------------- reproducibility ---------------- */

START_TEST(test_loss_reproducible)
{
    static cap_t a, b, c;
    s_run_stream("loss 30%", 42, 1000, 0, &a);
    s_run_stream("loss 30%", 42, 1000, 0, &b);
    s_run_stream("loss 30%", 43, 1000, 0, &c);
    ck_assert_uint_eq(a.n, b.n);
    ck_assert_int_eq(memcmp(a.id, b.id, a.n * sizeof a.id[0]), 0); /* same drop set */
    ck_assert_uint_ge(a.n, 630); /* about 700 survive */
    ck_assert_uint_le(a.n, 770);
    unsigned differ = 0;
    for (uint64_t id = 1; id <= 1000; id++)
        differ += s_count_id(&a, id) != s_count_id(&c, id);
    ck_assert_uint_gt(differ, 200); /* another seed: another drop set */
}
END_TEST

START_TEST(test_extra_pdu_does_not_shift)
{
    static const char *specs[] = {"loss 30%", "corrupt 40%", "duplicate 30%",
                                  "loss 10% duplicate 20% corrupt 20%"};
    static cap_t a, b, c;
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        s_run_stream(specs[s], 99, 500, 0, &a);
        s_run_stream(specs[s], 99, 500, 7, &b); /* an extra PDU before every 7th */
        s_run_stream(specs[s], 100, 500, 0, &c);
        unsigned differ_seed = 0;
        for (uint64_t id = 1; id <= 500; id++) {
            ck_assert_msg(s_sig(&a, id) == s_sig(&b, id), "%s: pdu %llu shifted", specs[s],
                          (unsigned long long)id);
            differ_seed += s_sig(&a, id) != s_sig(&c, id);
        }
        ck_assert_msg(differ_seed > 50, "%s: seed has no effect", specs[s]);
        ck_assert_uint_gt(b.n, a.n); /* the extras were there */
    }
}
END_TEST

START_TEST(test_retransmission_fresh_decision)
{
    fault_set_t *set = s_set1("loss 50%", 5);
    static cap_t c;
    memset(&c, 0, sizeof c);
    uint8_t buf[64];
    unsigned differ = 0, same = 0;
    for (uint32_t i = 1; i <= 400; i++) {
        s_pdu(buf, i);
        size_t before = c.n;
        fault_set_apply(set, FAULT_PDU_L4, 253, buf, sizeof buf, i, NULL, 0, s_emit, &c);
        bool first = c.n > before;
        before = c.n;
        /* the retransmitted identical copy */
        fault_set_apply(set, FAULT_PDU_L4, 253, buf, sizeof buf, 10000 + i, NULL, 0, s_emit, &c);
        bool second = c.n > before;
        if (first == second)
            same++;
        else
            differ++;
    }
    /* independent 50% decisions: about half the pairs differ */
    ck_assert_uint_gt(differ, 140);
    ck_assert_uint_gt(same, 140);
    fault_set_destroy(&set);

    /* and the retransmissions replay too with the same seed */
    static cap_t d;
    memset(&d, 0, sizeof d);
    set = s_set1("loss 50%", 5);
    for (uint32_t i = 1; i <= 400; i++) {
        s_pdu(buf, i);
        fault_set_apply(set, FAULT_PDU_L4, 253, buf, sizeof buf, i, NULL, 0, s_emit, &d);
        fault_set_apply(set, FAULT_PDU_L4, 253, buf, sizeof buf, 10000 + i, NULL, 0, s_emit, &d);
    }
    ck_assert_uint_eq(c.n, d.n);
    ck_assert_int_eq(memcmp(c.id, d.id, c.n * sizeof c.id[0]), 0);
    fault_set_destroy(&set);
}
END_TEST

/* ---------------- hand-built packets for filters ---------------- */

enum { PK_SYN, PK_SYNACK, PK_FIN, PK_ACK, PK_DATA, PK_RST, PK_ARPREQ, PK_ARPREP, PK_ECHOREQ,
       PK_ECHOREP, PK_UDP53, PK_UDP1234, PK_N };

static const uint8_t s_mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t s_mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};

static size_t s_eth(uint8_t *f, uint16_t type)
{
    memcpy(f, s_mac_b, 6);
    memcpy(f + 6, s_mac_a, 6);
    wr_be16(f + 12, type);
    return 14;
}

static size_t s_ip(uint8_t *p, uint8_t proto, size_t l4len)
{
    wr_u8(p, 0x45);
    wr_u8(p + 1, 0);
    wr_be16(p + 2, (uint16_t)(20 + l4len));
    wr_be16(p + 4, 0x1234);
    wr_be16(p + 6, 0x4000); /* DF */
    wr_u8(p + 8, 64);
    wr_u8(p + 9, proto);
    wr_be16(p + 10, 0);
    wr_be32(p + 12, LS_IP4(192, 0, 2, 10));
    wr_be32(p + 16, LS_IP4(198, 51, 100, 10));
    return 20;
}

static size_t s_tcp(uint8_t *t, uint8_t flags, size_t payload)
{
    memset(t, 0, 20 + payload);
    wr_be16(t, 49152);
    wr_be16(t + 2, 80);
    wr_be32(t + 4, 1000);
    wr_be32(t + 8, (flags & 0x10) ? 5000 : 0);
    wr_u8(t + 12, 5 << 4);
    wr_u8(t + 13, flags);
    wr_be16(t + 14, 65535);
    for (size_t i = 0; i < payload; i++)
        t[20 + i] = (uint8_t)('a' + i % 26);
    return 20 + payload;
}

/* Build packet k as an Ethernet frame in f; ip_off and l4_off locate the
   IPv4 header and the transport header (0 for ARP). Returns the frame length. */
static size_t s_packet(int k, uint8_t *f, size_t *ip_off, size_t *l4_off, uint8_t *proto)
{
    memset(f, 0, 128);
    *ip_off = *l4_off = 0;
    *proto = 0;
    if (k == PK_ARPREQ || k == PK_ARPREP) {
        size_t o = s_eth(f, 0x0806);
        wr_be16(f + o, 1);
        wr_be16(f + o + 2, 0x0800);
        wr_u8(f + o + 4, 6);
        wr_u8(f + o + 5, 4);
        wr_be16(f + o + 6, k == PK_ARPREQ ? 1 : 2);
        memcpy(f + o + 8, s_mac_a, 6);
        wr_be32(f + o + 14, LS_IP4(192, 0, 2, 10));
        wr_be32(f + o + 24, LS_IP4(192, 0, 2, 1));
        return 60; /* padded to the minimum frame */
    }
    size_t o = s_eth(f, 0x0800);
    *ip_off = o;
    *l4_off = o + 20;
    uint8_t *l4 = f + o + 20;
    size_t l4len;
    switch (k) {
    case PK_SYN: l4len = s_tcp(l4, 0x02, 0); *proto = 6; break;
    case PK_SYNACK: l4len = s_tcp(l4, 0x12, 0); *proto = 6; break;
    case PK_FIN: l4len = s_tcp(l4, 0x11, 0); *proto = 6; break;
    case PK_ACK: l4len = s_tcp(l4, 0x10, 0); *proto = 6; break;
    case PK_DATA: l4len = s_tcp(l4, 0x18, 10); *proto = 6; break;
    case PK_RST: l4len = s_tcp(l4, 0x04, 0); *proto = 6; break;
    case PK_ECHOREQ:
    case PK_ECHOREP:
        wr_u8(l4, k == PK_ECHOREQ ? 8 : 0);
        wr_u8(l4 + 1, 0);
        wr_be16(l4 + 4, 1);
        wr_be16(l4 + 6, 1);
        l4len = 16;
        *proto = 1;
        break;
    default: /* UDP */
        wr_be16(l4, k == PK_UDP53 ? 33000 : 1234);
        wr_be16(l4 + 2, k == PK_UDP53 ? 53 : 4321);
        wr_be16(l4 + 4, 12);
        l4len = 12;
        *proto = 17;
        break;
    }
    s_ip(f + o, *proto, l4len);
    size_t flen = o + 20 + l4len;
    return flen < 60 ? 60 : flen; /* Ethernet padding follows short frames */
}

START_TEST(test_filters)
{
    static const struct {
        const char *filter;
        const char *matches; /* one char per PK_*: 1 = match */
    } cases[] = {
        /*                     SYN SA FIN ACK DATA RST AREQ AREP EREQ EREP U53 U1234 */
        {"tcp-syn",           "100000000000"},
        {"tcp-synack",        "010000000000"},
        {"tcp-fin",           "001000000000"},
        {"tcp-ack",           "000100000000"},
        {"tcp-data",          "000010000000"},
        {"tcp-rst",           "000001000000"},
        {"arp-request",       "000000100000"},
        {"arp-reply",         "000000010000"},
        {"icmp-echo-request", "000000001000"},
        {"icmp-echo-reply",   "000000000100"},
        {"udp-port 53",       "000000000010"},
        {"udp-port 4321",     "000000000001"},
        {"tcp-port 80",       "111111000000"},
        {"tcp-port 53",       "000000000000"},
        {"proto 17",          "000000000011"},
        {"proto 1",           "000000001100"},
        {"any",               "111111111111"},
    };
    char err[96], txt[32];
    uint8_t f[128];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fault_filter_t flt;
        ck_assert_int_eq(fault_filter_parse(cases[c].filter, &flt, err, sizeof err), 0);
        ck_assert_str_eq(fault_filter_str(&flt, txt, sizeof txt), cases[c].filter);
        for (int k = 0; k < PK_N; k++) {
            size_t ipo, l4o;
            uint8_t proto;
            size_t flen = s_packet(k, f, &ipo, &l4o, &proto);
            bool want = cases[c].matches[k] == '1';
            /* as an Ethernet frame (with padding/FCS space after it) */
            ck_assert_msg(fault_filter_match(&flt, FAULT_PDU_ETH, 0, f, flen) == want,
                          "%s eth pkt %d", cases[c].filter, k);
            if (!ipo)
                continue;
            /* as an IPv4 datagram, and as a bare transport PDU */
            size_t iplen = rd_be16(f + ipo + 2);
            ck_assert_msg(fault_filter_match(&flt, FAULT_PDU_IPV4, 0, f + ipo, iplen) == want,
                          "%s ip pkt %d", cases[c].filter, k);
            fault_pdu_kind_t bare = proto == 6 ? FAULT_PDU_TCP : proto == 17 ? FAULT_PDU_UDP
                                                                             : FAULT_PDU_ICMP;
            ck_assert_msg(fault_filter_match(&flt, bare, 0, f + l4o, iplen - 20) == want,
                          "%s bare pkt %d", cases[c].filter, k);
            ck_assert_msg(fault_filter_match(&flt, FAULT_PDU_L4, proto, f + l4o, iplen - 20) == want,
                          "%s l4 pkt %d", cases[c].filter, k);
        }
    }
}
END_TEST

START_TEST(test_filter_truncated_and_garbage)
{
    fault_filter_t syn = {FAULT_F_TCP_SYN, 0}, areq = {FAULT_F_ARP_REQUEST, 0},
                   p6 = {FAULT_F_PROTO, 6};
    uint8_t f[128];
    size_t ipo, l4o;
    uint8_t proto;
    size_t flen = s_packet(PK_SYN, f, &ipo, &l4o, &proto);
    ck_assert(fault_filter_match(&syn, FAULT_PDU_ETH, 0, f, flen));
    /* cut inside the TCP header: the IP total length exceeds the buffer */
    ck_assert(!fault_filter_match(&syn, FAULT_PDU_ETH, 0, f, 14 + 20 + 10));
    ck_assert(!fault_filter_match(&syn, FAULT_PDU_IPV4, 0, f + ipo, 19));
    ck_assert(!fault_filter_match(&syn, FAULT_PDU_TCP, 0, f + l4o, 19));
    ck_assert(!fault_filter_match(&syn, FAULT_PDU_ETH, 0, f, 13));
    ck_assert(!fault_filter_match(&syn, FAULT_PDU_ETH, 0, NULL, 0));
    /* a TCP data offset pointing past the segment */
    wr_u8(f + l4o + 12, 15 << 4);
    ck_assert(!fault_filter_match(&syn, FAULT_PDU_ETH, 0, f, flen));
    wr_u8(f + l4o + 12, 5 << 4);
    /* IPv6 version nibble, and a non-first fragment (only proto matches) */
    wr_u8(f + ipo, 0x65);
    ck_assert(!fault_filter_match(&p6, FAULT_PDU_IPV4, 0, f + ipo, 40));
    wr_u8(f + ipo, 0x45);
    wr_be16(f + ipo + 6, 0x0010);
    ck_assert(!fault_filter_match(&syn, FAULT_PDU_IPV4, 0, f + ipo, 40));
    ck_assert(fault_filter_match(&p6, FAULT_PDU_IPV4, 0, f + ipo, 40));
    /* garbage */
    uint8_t g[64];
    for (int i = 0; i < 64; i++)
        g[i] = (uint8_t)(i * 37 + 11);
    ck_assert(!fault_filter_match(&syn, FAULT_PDU_ETH, 0, g, sizeof g));
    ck_assert(!fault_filter_match(&syn, FAULT_PDU_IPV4, 0, g, sizeof g));
    ck_assert(!fault_filter_match(&areq, FAULT_PDU_IPV4, 0, g, sizeof g));
    /* truncated ARP */
    flen = s_packet(PK_ARPREQ, f, &ipo, &l4o, &proto);
    ck_assert(fault_filter_match(&areq, FAULT_PDU_ETH, 0, f, flen));
    ck_assert(!fault_filter_match(&areq, FAULT_PDU_ETH, 0, f, 14 + 7));
    /* VLAN-tagged ARP request */
    uint8_t v[128];
    memcpy(v, f, 12);
    wr_be16(v + 12, 0x8100);
    wr_be16(v + 14, 10);
    memcpy(v + 16, f + 12, flen - 12);
    ck_assert(fault_filter_match(&areq, FAULT_PDU_ETH, 0, v, flen + 4));
}
END_TEST

/* ---------------- deterministic rules ---------------- */

static void s_stats_of(const fault_rule_t *rule, void *arg)
{
    fault_rule_stats(rule, arg);
}

START_TEST(test_drop_nth_every)
{
    static cap_t c;
    s_run_stream("drop nth 3", 0, 10, 0, &c);
    ck_assert_uint_eq(c.n, 9);
    for (uint64_t id = 1; id <= 10; id++)
        ck_assert_uint_eq(s_count_id(&c, id), id == 3 ? 0 : 1);
    s_run_stream("drop every 4", 0, 12, 0, &c);
    ck_assert_uint_eq(c.n, 9);
    for (uint64_t id = 1; id <= 12; id++)
        ck_assert_uint_eq(s_count_id(&c, id), id % 4 == 0 ? 0 : 1);
}
END_TEST

START_TEST(test_drop_nth_match_echo)
{
    char err[96];
    fault_rule_t *r = fault_rule_parse("drop nth 2 match icmp-echo-request", 1, 3, err, sizeof err);
    ck_assert_ptr_nonnull(r);
    fault_set_t *set = fault_set_new(0);
    ls_counters_t *reg = ls_counters_new();
    fault_set_set_log(set, NULL, reg, "net", "down", "eth0");
    ck_assert_int_eq(fault_set_add(set, &r), 0);
    static const int seq[] = {PK_ARPREQ, PK_ECHOREQ, PK_ECHOREP, PK_UDP53, PK_ECHOREQ,
                              PK_ARPREP, PK_ECHOREQ, PK_SYN, PK_ECHOREQ};
    static cap_t c;
    memset(&c, 0, sizeof c);
    uint8_t f[128];
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        size_t ipo, l4o;
        uint8_t proto;
        size_t flen = s_packet(seq[i], f, &ipo, &l4o, &proto);
        wr_u8(f + 59, (uint8_t)i); /* distinct bytes */
        int n = fault_set_apply(set, FAULT_PDU_ETH, 0, f, flen, i + 1, NULL, 0, s_emit, &c);
        ck_assert_int_eq(n, i == 4 ? 0 : 1); /* the second echo request is pdu 5 */
    }
    ck_assert_uint_eq(c.n, 8);
    ck_assert_uint_eq(s_count_id(&c, 5), 0);
    ck_assert_uint_eq(ls_counter_get(reg, "fault.drop"), 1);
    ck_assert_uint_eq(ls_counter_get(reg, "fault.drop.nth"), 1);
    ck_assert_uint_eq(ls_counters_size(reg), 2);
    /* stats via foreach: seen counts the matching PDUs only */
    fault_stats_t st;
    memset(&st, 0xff, sizeof st);
    fault_set_foreach(set, s_stats_of, &st);
    ck_assert_uint_eq(st.seen, 4);
    ck_assert_uint_eq(st.dropped, 1);
    ck_assert_uint_eq(st.delayed + st.duplicated + st.reordered + st.corrupted, 0);
    fault_set_destroy(&set);
    ls_counters_destroy(&reg);
}
END_TEST

/* ---------------- timing and order on a fake clock ---------------- */

/* Apply PDU id at time t (the capture's clock is set first). */
static int s_at(fault_set_t *set, cap_t *c, uint64_t t, uint32_t id)
{
    uint8_t buf[64];
    s_pdu(buf, id);
    c->now = t;
    return fault_set_apply(set, FAULT_PDU_L4, 253, buf, sizeof buf, id, NULL, t, s_emit, c);
}

/* Poll at every deadline up to `until`, stamping emit times. */
static void s_drain(fault_set_t *set, cap_t *c, uint64_t until)
{
    for (uint64_t d; (d = fault_set_next_deadline(set)) <= until;) {
        c->now = d;
        ck_assert_int_gt(fault_set_poll(set, d, s_emit, c), 0);
    }
}

START_TEST(test_delay_order)
{
    fault_set_t *set = s_set1("delay 10ms", 0);
    static cap_t c;
    memset(&c, 0, sizeof c);
    ck_assert_uint_eq(fault_set_next_deadline(set), UINT64_MAX);
    ck_assert_int_eq(s_at(set, &c, 0, 1), 1);
    ck_assert_int_eq(s_at(set, &c, 1 * MS, 2), 1);
    ck_assert_int_eq(s_at(set, &c, 2 * MS, 3), 1);
    ck_assert_uint_eq(c.n, 0);
    ck_assert_uint_eq(fault_set_pending(set), 3);
    ck_assert_uint_eq(fault_set_next_deadline(set), 10 * MS);
    ck_assert_int_eq(fault_set_poll(set, 10 * MS - 1, s_emit, &c), 0);
    c.now = 11 * MS;
    ck_assert_int_eq(fault_set_poll(set, 11 * MS, s_emit, &c), 2);
    s_drain(set, &c, 100 * MS);
    ck_assert_uint_eq(c.n, 3);
    static const uint64_t ids[] = {1, 2, 3}, ts[] = {11 * MS, 11 * MS, 12 * MS};
    for (int i = 0; i < 3; i++) {
        ck_assert_uint_eq(c.id[i], ids[i]);
        ck_assert_uint_eq(c.t[i], ts[i]);
    }
    ck_assert_uint_eq(fault_set_pending(set), 0);
    fault_set_destroy(&set);
}
END_TEST

START_TEST(test_delay_jitter)
{
    /* uniform jitter stays in [delay-j, delay+j], replays with the seed */
    static cap_t a, b;
    for (int run = 0; run < 2; run++) {
        cap_t *c = run ? &b : &a;
        memset(c, 0, sizeof *c);
        fault_set_t *set = s_set1("delay 10ms 5ms", 11);
        for (uint32_t i = 1; i <= 200; i++)
            s_at(set, c, 0, i);
        s_drain(set, c, 1000 * MS);
        ck_assert_uint_eq(c->n, 200);
        fault_set_destroy(&set);
    }
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < a.n; i++) {
        ck_assert_uint_eq(a.id[i], b.id[i]);
        ck_assert_uint_eq(a.t[i], b.t[i]);
        lo = a.t[i] < lo ? a.t[i] : lo;
        hi = a.t[i] > hi ? a.t[i] : hi;
        if (i)
            ck_assert_uint_ge(a.t[i], a.t[i - 1]); /* emitted in time order */
    }
    ck_assert_uint_ge(lo, 5 * MS);
    ck_assert_uint_le(hi, 15 * MS);
    ck_assert_uint_lt(lo, 6 * MS); /* spread over the range */
    ck_assert_uint_gt(hi, 14 * MS);
    /* jitter reorders, as in netem */
    unsigned inversions = 0;
    for (size_t i = 1; i < a.n; i++)
        inversions += a.id[i] < a.id[i - 1];
    ck_assert_uint_gt(inversions, 20);
    /* the other distributions stay non-negative and replay */
    static const char *dists[] = {"delay 1ms 5ms distribution normal",
                                  "delay 1ms 5ms distribution pareto",
                                  "delay 1ms 5ms distribution paretonormal"};
    for (int d = 0; d < 3; d++) {
        memset(&a, 0, sizeof a);
        fault_set_t *set = s_set1(dists[d], 3);
        for (uint32_t i = 1; i <= 100; i++)
            s_at(set, &a, 0, i);
        s_drain(set, &a, UINT64_MAX - 1);
        ck_assert_uint_eq(a.n, 100);
        fault_set_destroy(&set);
    }
}
END_TEST

START_TEST(test_reorder_netem)
{
    /* with a delay: every 3rd PDU skips the 10ms delay */
    fault_set_t *set = s_set1("delay 10ms reorder 100% gap 3", 0);
    static cap_t c;
    memset(&c, 0, sizeof c);
    for (uint32_t i = 1; i <= 6; i++)
        s_at(set, &c, (i - 1) * MS, i);
    s_drain(set, &c, 100 * MS);
    static const uint64_t ids[] = {3, 6, 1, 2, 4, 5};
    static const uint64_t ts[] = {2 * MS, 5 * MS, 10 * MS, 11 * MS, 13 * MS, 14 * MS};
    ck_assert_uint_eq(c.n, 6);
    for (int i = 0; i < 6; i++) {
        ck_assert_uint_eq(c.id[i], ids[i]);
        ck_assert_uint_eq(c.t[i], ts[i]);
    }
    fault_stats_t st;
    fault_set_foreach(set, s_stats_of, &st);
    ck_assert_uint_eq(st.reordered, 2);
    ck_assert_uint_eq(st.delayed, 4);
    fault_set_destroy(&set);
}
END_TEST

START_TEST(test_reorder_hold)
{
    /* without a delay: every 3rd PDU is held back until the next one passes */
    fault_set_t *set = s_set1("reorder 100% gap 3 hold 5ms", 0);
    static cap_t c;
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(s_at(set, &c, 0, 1), 1);
    ck_assert_int_eq(s_at(set, &c, 1 * MS, 2), 1);
    ck_assert_int_eq(s_at(set, &c, 2 * MS, 3), 0); /* held */
    ck_assert_uint_eq(fault_set_pending(set), 1);
    ck_assert_uint_eq(fault_set_next_deadline(set), 7 * MS);
    ck_assert_int_eq(s_at(set, &c, 3 * MS, 4), 2); /* 4 then the held 3 */
    ck_assert_uint_eq(fault_set_next_deadline(set), UINT64_MAX);
    ck_assert_int_eq(s_at(set, &c, 4 * MS, 5), 1);
    ck_assert_int_eq(s_at(set, &c, 5 * MS, 6), 0); /* held, nobody follows */
    ck_assert_uint_eq(fault_set_next_deadline(set), 10 * MS);
    s_drain(set, &c, 100 * MS);
    static const uint64_t ids[] = {1, 2, 4, 3, 5, 6};
    static const uint64_t ts[] = {0, 1 * MS, 3 * MS, 3 * MS, 4 * MS, 10 * MS};
    ck_assert_uint_eq(c.n, 6);
    for (int i = 0; i < 6; i++) {
        ck_assert_uint_eq(c.id[i], ids[i]);
        ck_assert_uint_eq(c.t[i], ts[i]);
    }
    ck_assert_uint_eq(fault_set_pending(set), 0);
    fault_stats_t st;
    fault_set_foreach(set, s_stats_of, &st);
    ck_assert_uint_eq(st.reordered, 2);
    /* a held PDU survives the rule's deletion and comes out at the next poll */
    ck_assert_int_eq(s_at(set, &c, 20 * MS, 7), 1);
    ck_assert_int_eq(s_at(set, &c, 21 * MS, 8), 1);
    ck_assert_int_eq(s_at(set, &c, 22 * MS, 9), 0);
    ck_assert_int_eq(fault_set_del(set, 1), 0);
    ck_assert_int_eq(fault_set_del(set, 1), -1);
    c.now = 23 * MS;
    ck_assert_int_eq(fault_set_poll(set, 23 * MS, s_emit, &c), 1);
    ck_assert_uint_eq(c.id[c.n - 1], 9);
    fault_set_destroy(&set);
}
END_TEST

START_TEST(test_duplicate_order)
{
    fault_set_t *set = s_set1("duplicate 100%", 0);
    ls_counters_t *reg = ls_counters_new();
    fault_set_set_log(set, NULL, reg, "link", "down", "eth0");
    static cap_t c;
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(s_at(set, &c, 0, 1), 2);
    ck_assert_int_eq(s_at(set, &c, 0, 2), 2);
    static const uint64_t ids[] = {1, 1, 2, 2};
    ck_assert_uint_eq(c.n, 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_uint_eq(c.id[i], ids[i]);
        ck_assert(!c.corrupted[i]);
        ck_assert_uint_eq(rd_be32(c.bytes[i]), ids[i]); /* identical bytes */
    }
    ck_assert_uint_eq(ls_counter_get(reg, "fault.duplicate"), 2);
    fault_set_destroy(&set);
    /* duplicates with a delay: both copies delayed, in order */
    set = s_set1("duplicate 100% delay 3ms", 0);
    memset(&c, 0, sizeof c);
    s_at(set, &c, 0, 1);
    s_at(set, &c, 1 * MS, 2);
    s_drain(set, &c, 100 * MS);
    ck_assert_uint_eq(c.n, 4);
    static const uint64_t ts[] = {3 * MS, 3 * MS, 4 * MS, 4 * MS};
    for (int i = 0; i < 4; i++) {
        ck_assert_uint_eq(c.id[i], ids[i]);
        ck_assert_uint_eq(c.t[i], ts[i]);
    }
    fault_set_destroy(&set);
    ls_counters_destroy(&reg);
}
END_TEST

typedef struct {
    uint8_t orig[128];
    size_t len;
    int flips, emits;
} corrupt_ctx_t;

static void s_emit_corrupt(void *ctx, const uint8_t *bytes, size_t len, uint64_t pdu_id,
                           const void *opaque, bool corrupted)
{
    corrupt_ctx_t *cc = ctx;
    ck_assert_uint_eq(len, cc->len);
    int bits = 0;
    for (size_t i = 0; i < len; i++)
        bits += __builtin_popcount(bytes[i] ^ cc->orig[i]);
    ck_assert_int_eq(bits, corrupted ? 1 : 0);
    cc->flips += bits;
    cc->emits++;
}

START_TEST(test_corrupt)
{
    fault_set_t *set = s_set1("corrupt 100%", 9);
    corrupt_ctx_t cc = {.len = 0};
    size_t ipo, l4o;
    uint8_t proto;
    for (uint8_t i = 0; i < 50; i++) {
        cc.len = s_packet(PK_ECHOREQ, cc.orig, &ipo, &l4o, &proto);
        wr_u8(cc.orig + l4o + 7, i);
        uint8_t copy[128];
        memcpy(copy, cc.orig, cc.len);
        ck_assert_int_eq(fault_set_apply(set, FAULT_PDU_ETH, 0, copy, cc.len, i, NULL, 0,
                                         s_emit_corrupt, &cc), 1);
        ck_assert_int_eq(memcmp(copy, cc.orig, cc.len), 0); /* the caller's bytes untouched */
    }
    ck_assert_int_eq(cc.emits, 50);
    ck_assert_int_eq(cc.flips, 50);
    fault_stats_t st;
    fault_set_foreach(set, s_stats_of, &st);
    ck_assert_uint_eq(st.corrupted, 50);
    ck_assert_uint_eq(st.seen, 50);
    fault_set_destroy(&set);
    /* corrupt 0%: untouched */
    set = s_set1("corrupt 0%", 9);
    cc.flips = cc.emits = 0;
    fault_set_apply(set, FAULT_PDU_ETH, 0, cc.orig, cc.len, 1, NULL, 0, s_emit_corrupt, &cc);
    ck_assert_int_eq(cc.emits, 1);
    ck_assert_int_eq(cc.flips, 0);
    fault_set_destroy(&set);
}
END_TEST

START_TEST(test_gemodel_rate)
{
    /* p 1%, r 10%, 1-h 70%, 1-k 0.1%:
       p/(p+r)*(1-h) + r/(p+r)*(1-k) = 0.01/0.11*0.7 + 0.1/0.11*0.001 = 0.064545 */
    fault_set_t *set = s_set1("loss gemodel 1% 10% 70% 0.1%", 1234);
    static cap_t c;
    uint8_t buf[64];
    size_t passed = 0;
    const uint32_t n = 100000;
    for (uint32_t i = 1; i <= n; i++) {
        s_pdu(buf, i);
        c.n = 0;
        passed += (size_t)fault_set_apply(set, FAULT_PDU_L4, 253, buf, sizeof buf, i, NULL, 0,
                                          s_emit, &c);
    }
    double loss = 1.0 - (double)passed / n;
    double expect = 0.01 / 0.11 * 0.7 + 0.1 / 0.11 * 0.001;
    ck_assert_msg(loss > expect - 0.012 && loss < expect + 0.012, "loss %f vs %f", loss, expect);
    fault_stats_t st;
    fault_set_foreach(set, s_stats_of, &st);
    ck_assert_uint_eq(st.dropped, n - passed);
    fault_set_destroy(&set);

    /* Bernoulli special case: loss gemodel 20% -> r = 80%, 1-h = 100%: 20% loss */
    set = s_set1("loss gemodel 20%", 77);
    passed = 0;
    for (uint32_t i = 1; i <= 20000; i++) {
        s_pdu(buf, i);
        c.n = 0;
        passed += (size_t)fault_set_apply(set, FAULT_PDU_L4, 253, buf, sizeof buf, i, NULL, 0,
                                          s_emit, &c);
    }
    loss = 1.0 - (double)passed / 20000;
    ck_assert_msg(loss > 0.18 && loss < 0.22, "bernoulli loss %f", loss);
    fault_set_destroy(&set);
}
END_TEST

START_TEST(test_rate_limit)
{
    /* 1 mbit/s: a 125-byte PDU takes exactly 1 ms; queue of 3 */
    fault_set_t *set = s_set1("rate 1mbit limit 3", 0);
    ls_counters_t *reg = ls_counters_new();
    fault_set_set_log(set, NULL, reg, "wire", "down", "eth0");
    static cap_t c;
    memset(&c, 0, sizeof c);
    uint8_t buf[125];
    memset(buf, 0, sizeof buf);
    int stored = 0;
    for (uint32_t i = 1; i <= 5; i++) {
        wr_be32(buf, i);
        stored += fault_set_apply(set, FAULT_PDU_L4, 253, buf, sizeof buf, i, NULL, 0, s_emit, &c);
    }
    ck_assert_int_eq(stored, 3);
    ck_assert_uint_eq(ls_counter_get(reg, "fault.drop.rate_limit"), 2);
    ck_assert_uint_eq(ls_counter_get(reg, "fault.drop"), 2);
    ck_assert_uint_eq(c.n, 0);
    /* at 1.5 ms one PDU has left the queue: room for one more, departing at 4 ms */
    wr_be32(buf, 6);
    c.now = 1500000;
    ck_assert_int_eq(fault_set_apply(set, FAULT_PDU_L4, 253, buf, sizeof buf, 6, NULL, c.now,
                                     s_emit, &c), 1);
    ck_assert_uint_eq(c.n, 1); /* pdu 1 was due at 1 ms, flushed by apply */
    wr_be32(buf, 7);
    ck_assert_int_eq(fault_set_apply(set, FAULT_PDU_L4, 253, buf, sizeof buf, 7, NULL, c.now,
                                     s_emit, &c), 0);
    s_drain(set, &c, 100 * MS);
    /* an idle link: the next PDU takes just its own serialization time */
    wr_be32(buf, 8);
    c.now = 50 * MS;
    fault_set_apply(set, FAULT_PDU_L4, 253, buf, sizeof buf, 8, NULL, c.now, s_emit, &c);
    ck_assert_uint_eq(fault_set_next_deadline(set), 51 * MS);
    s_drain(set, &c, 100 * MS);
    static const uint64_t ids[] = {1, 2, 3, 6, 8};
    static const uint64_t ts[] = {1500000, 2 * MS, 3 * MS, 4 * MS, 51 * MS};
    ck_assert_uint_eq(c.n, 5);
    for (int i = 0; i < 5; i++) {
        ck_assert_uint_eq(c.id[i], ids[i]);
        ck_assert_uint_eq(c.t[i], ts[i]);
    }
    ck_assert_uint_eq(ls_counter_get(reg, "fault.drop.rate_limit"), 3);
    fault_set_destroy(&set);
    ls_counters_destroy(&reg);
}
END_TEST

/* ---------------- the set ---------------- */

typedef struct {
    char specs[8][64];
    uint32_t ids[8];
    int n;
} list_t;

static void s_list(const fault_rule_t *rule, void *arg)
{
    list_t *l = arg;
    snprintf(l->specs[l->n], sizeof l->specs[0], "%s", fault_rule_spec(rule));
    l->ids[l->n++] = fault_rule_id(rule);
}

START_TEST(test_set_rules_and_opaque)
{
    char err[96];
    fault_set_t *set = fault_set_new(sizeof(uint32_t));
    static cap_t c;
    memset(&c, 0, sizeof c);
    uint8_t buf[64];
    s_pdu(buf, 1);
    uint32_t meta = 0xfeedbeef;
    /* no rules: pass-through, the opaque pointer handed back */
    ck_assert_int_eq(fault_set_apply(set, FAULT_PDU_L4, 253, buf, 64, 1, &meta, 0, s_emit, &c), 1);
    ck_assert_uint_eq(c.opaque[0], 0xfeedbeef);
    fault_rule_t *r = fault_rule_parse("delay 5ms", 1, 1, err, sizeof err);
    ck_assert_int_eq(fault_set_add(set, &r), 0);
    r = fault_rule_parse("loss 0%", 1, 2, err, sizeof err);
    ck_assert_int_eq(fault_set_add(set, &r), 0);
    r = fault_rule_parse("loss 1%", 1, 2, err, sizeof err);
    ck_assert_int_eq(fault_set_add(set, &r), -1); /* id in use: destroyed */
    ck_assert_ptr_null(r);
    ck_assert_uint_eq(fault_set_size(set), 2);
    list_t l = {.n = 0};
    fault_set_foreach(set, s_list, &l);
    ck_assert_int_eq(l.n, 2);
    ck_assert_str_eq(l.specs[0], "delay 5ms");
    ck_assert_uint_eq(l.ids[1], 2);
    /* the stored copy carries its own copy of the opaque blob */
    meta = 0x11223344;
    ck_assert_int_eq(fault_set_apply(set, FAULT_PDU_L4, 253, buf, 64, 2, &meta, 0, s_emit, &c), 1);
    meta = 0;
    ck_assert_int_eq(fault_set_poll(set, 5 * MS, s_emit, &c), 1);
    ck_assert_uint_eq(c.id[1], 2);
    ck_assert_uint_eq(c.opaque[1], 0x11223344);
    ck_assert_int_eq(fault_set_del(set, 1), 0);
    l.n = 0;
    fault_set_foreach(set, s_list, &l);
    ck_assert_int_eq(l.n, 1);
    ck_assert_uint_eq(l.ids[0], 2);
    fault_set_clear(set);
    ck_assert_uint_eq(fault_set_size(set), 0);
    /* queued copies outlive clear, and destroy frees what is still queued */
    r = fault_rule_parse("delay 1s", 1, 9, err, sizeof err);
    ck_assert_int_eq(fault_set_add(set, &r), 0);
    fault_set_apply(set, FAULT_PDU_L4, 253, buf, 64, 3, NULL, 0, s_emit, &c);
    fault_set_clear(set);
    ck_assert_uint_eq(fault_set_pending(set), 1);
    fault_set_destroy(&set);
    ck_assert_ptr_null(set);
    fault_set_destroy(&set); /* NULL-safe */
}
END_TEST

START_TEST(test_two_rules_chain)
{
    /* rule 1 duplicates, rule 2 drops the first echo request it sees: the
       duplicate (an identical copy) passes, showing per-copy decisions */
    char err[96];
    fault_set_t *set = fault_set_new(0);
    fault_rule_t *r = fault_rule_parse("duplicate 100%", 1, 1, err, sizeof err);
    fault_set_add(set, &r);
    r = fault_rule_parse("drop nth 1 match icmp-echo-request", 1, 2, err, sizeof err);
    fault_set_add(set, &r);
    static cap_t c;
    memset(&c, 0, sizeof c);
    uint8_t f[128];
    size_t ipo, l4o;
    uint8_t proto;
    size_t flen = s_packet(PK_ECHOREQ, f, &ipo, &l4o, &proto);
    ck_assert_int_eq(fault_set_apply(set, FAULT_PDU_ETH, 0, f, flen, 1, NULL, 0, s_emit, &c), 1);
    ck_assert_int_eq(fault_set_apply(set, FAULT_PDU_ETH, 0, f, flen, 2, NULL, 0, s_emit, &c), 2);
    ck_assert_uint_eq(c.n, 3);
    fault_set_destroy(&set);
}
END_TEST

START_TEST(test_log_lines)
{
    char path[] = "/tmp/test_fault_log_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ls_log_t *log = ls_log_new("hosta", "hosta-net", path, LS_LOG_PDU);
    ck_assert_ptr_nonnull(log);
    ls_counters_t *reg = ls_counters_new();
    char err[96];
    fault_rule_t *r = fault_rule_parse("loss 100%", 1, 3, err, sizeof err);
    fault_set_t *set = fault_set_new(0);
    fault_set_set_log(set, log, reg, "net", "down", "eth0");
    fault_set_add(set, &r);
    static cap_t c;
    memset(&c, 0, sizeof c);
    s_at(set, &c, 1000, 1);
    ck_assert_uint_eq(c.n, 0);
    ck_assert_uint_eq(ls_counter_get(reg, "fault.drop.loss"), 1);
    fault_set_destroy(&set);
    ls_log_destroy(&log);
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    char line[1024] = "";
    ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
    fclose(fp);
    unlink(path);
    ck_assert_ptr_nonnull(strstr(line, "\"ev\":\"fault\""));
    ck_assert_ptr_nonnull(strstr(line, "rule 3 loss 100%: drop"));
    ck_assert_ptr_nonnull(strstr(line, "fault.drop.loss"));
    ls_counters_destroy(&reg);
}
END_TEST

Suite *fault_suite(void)
{
    Suite *s = suite_create("fault");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_parse_canonical);
    tcase_add_test(tc, test_parse_errors);
    tcase_add_test(tc, test_loss_reproducible);
    tcase_add_test(tc, test_extra_pdu_does_not_shift);
    tcase_add_test(tc, test_retransmission_fresh_decision);
    tcase_add_test(tc, test_filters);
    tcase_add_test(tc, test_filter_truncated_and_garbage);
    tcase_add_test(tc, test_drop_nth_every);
    tcase_add_test(tc, test_drop_nth_match_echo);
    tcase_add_test(tc, test_delay_order);
    tcase_add_test(tc, test_delay_jitter);
    tcase_add_test(tc, test_reorder_netem);
    tcase_add_test(tc, test_reorder_hold);
    tcase_add_test(tc, test_duplicate_order);
    tcase_add_test(tc, test_corrupt);
    tcase_add_test(tc, test_gemodel_rate);
    tcase_add_test(tc, test_rate_limit);
    tcase_add_test(tc, test_set_rules_and_opaque);
    tcase_add_test(tc, test_two_rules_chain);
    tcase_add_test(tc, test_log_lines);
    suite_add_tcase(s, tc);
    return s;
}
