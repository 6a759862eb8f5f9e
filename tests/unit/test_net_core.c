/*
 * test_net_core.c -- the net-svc engine end to end with recording callbacks
 * and a fake clock: echo reply bytes, forwarding, TTL expiry, no route,
 * frag needed, protocol unreachable, bad checksum, loopback self-ping,
 * resolve failure, delivery/ICMP errors to transport, reassembly timeout,
 * link down, rate limiting.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net-svc/net_core.h"
#include "wire/ipv4.h"
#include "wire/icmp.h"
#include "wire/bytes.h"
#include "wire/csum.h"

/* 192.0.2.10 > 198.51.100.10 ICMP echo request id 1 seq 1, id 0x1234, DF, TTL 64 */
static const uint8_t echo_dgram[36] = {
    0x45, 0x00, 0x00, 0x24, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x3c, 0x5d,
    0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x0a, 0x08, 0x00, 0xab, 0xad,
    0x00, 0x01, 0x00, 0x01, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17};
/* its reply from a host whose first IP id is 1 (DF clear, TTL 64) */
static const uint8_t echo_reply_dgram[36] = {
    0x45, 0x00, 0x00, 0x24, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0x8e, 0x90,
    0xc6, 0x33, 0x64, 0x0a, 0xc0, 0x00, 0x02, 0x0a, 0x00, 0x00, 0xb3, 0xad,
    0x00, 0x01, 0x00, 0x01, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17};

typedef struct {
    char ifname[16];
    uint32_t nh;
    uint8_t d[1600];
    size_t len;
    uint64_t pdu;
    uint64_t parents[4];
    size_t np;
} tx_t;

typedef struct {
    tx_t tx[16];
    int ntx;
    int ndeliver;
    uint8_t dproto;
    char difname[16];
    uint8_t dd[4000];
    size_t dlen;
    uint64_t dpdu;
    size_t dnp;
    int nup;
    uint8_t utype, ucode;
    uint32_t reporter;
    uint16_t umtu;
    size_t uqlen;
    int nraw;
    uint8_t raw[1600];
    size_t rawlen;
    char rawif[16];
    uint64_t next_id;
} rec_t;

static void s_link_tx(void *ctx, const char *ifname, uint32_t nh, const uint8_t *d, size_t len,
                      uint64_t pdu, const uint64_t *parents, size_t np)
{
    rec_t *r = ctx;
    ck_assert_int_lt(r->ntx, 16);
    tx_t *t = &r->tx[r->ntx++];
    snprintf(t->ifname, sizeof t->ifname, "%s", ifname);
    t->nh = nh;
    ck_assert_uint_le(len, sizeof t->d);
    memcpy(t->d, d, len);
    t->len = len;
    t->pdu = pdu;
    ck_assert_uint_le(np, 4);
    if (np)
        memcpy(t->parents, parents, np * sizeof *parents);
    t->np = np;
}

static void s_deliver(void *ctx, uint8_t proto, const char *ifname, bool link_bcast,
                      const uint8_t *d, size_t len, uint64_t pdu, const uint64_t *parents, size_t np)
{
    rec_t *r = ctx;
    r->ndeliver++;
    r->dproto = proto;
    snprintf(r->difname, sizeof r->difname, "%s", ifname);
    ck_assert_uint_le(len, sizeof r->dd);
    memcpy(r->dd, d, len);
    r->dlen = len;
    r->dpdu = pdu;
    r->dnp = np;
}

static void s_icmp_up(void *ctx, uint8_t type, uint8_t code, uint32_t reporter, uint16_t mtu,
                      const uint8_t *q, size_t qlen, uint64_t pdu, const uint64_t *parents, size_t np)
{
    rec_t *r = ctx;
    r->nup++;
    r->utype = type;
    r->ucode = code;
    r->reporter = reporter;
    r->umtu = mtu;
    r->uqlen = qlen;
    ck_assert_uint_eq(np, 1);
}

static void s_raw_rx(void *ctx, const char *ifname, const uint8_t *d, size_t len, uint64_t pdu,
                     const uint64_t *parents, size_t np)
{
    rec_t *r = ctx;
    r->nraw++;
    ck_assert_uint_le(len, sizeof r->raw);
    memcpy(r->raw, d, len);
    r->rawlen = len;
    snprintf(r->rawif, sizeof r->rawif, "%s", ifname);
}

static uint64_t s_new_id(void *ctx)
{
    rec_t *r = ctx;
    return ++r->next_id;
}

static net_core_cb_t s_cb(rec_t *r)
{
    return (net_core_cb_t){.ctx = r, .link_tx = s_link_tx, .deliver = s_deliver,
                           .icmp_error_up = s_icmp_up, .raw_rx = s_raw_rx, .new_pdu_id = s_new_id};
}

/* host: eth0 198.51.100.10/24, default via 198.51.100.1 */
static net_core_t *s_host(rec_t *r, ls_counters_t *reg)
{
    r->next_id = 1000;
    net_core_cb_t cb = s_cb(r);
    net_core_t *c = net_core_new(NULL, &cb, reg, NULL);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(net_core_add_if(c, "eth0", LS_IP4(198, 51, 100, 10), 24, 1500), 0);
    ck_assert_int_eq(net_core_route_add(c, 0, 0, LS_IP4(198, 51, 100, 1), "eth0", 0), 0);
    ck_assert_int_eq(net_core_register_proto(c, 6, "tcp"), 0);
    ck_assert_int_eq(net_core_register_proto(c, 17, "udp"), 0);
    return c;
}

/* router: eth0 192.0.2.1/24, eth1 198.51.100.1/24 (mtu 1000), 203.0.113.0/24 via .254 */
static net_core_t *s_router(rec_t *r, ls_counters_t *reg, uint32_t rate, uint32_t burst)
{
    r->next_id = 2000;
    net_core_cb_t cb = s_cb(r);
    net_core_cfg_t cfg = {.forwarding = true, .icmp_rate = rate, .icmp_burst = burst};
    net_core_t *c = net_core_new(&cfg, &cb, reg, NULL);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(net_core_add_if(c, "eth0", LS_IP4(192, 0, 2, 1), 24, 1500), 0);
    ck_assert_int_eq(net_core_add_if(c, "eth1", LS_IP4(198, 51, 100, 1), 24, 1000), 0);
    ck_assert_int_eq(net_core_route_add(c, LS_IP4(203, 0, 113, 0), 24, LS_IP4(198, 51, 100, 254),
                                        "eth1", 0), 0);
    return c;
}

/* A datagram with plen payload bytes. */
static size_t s_dgram(uint8_t *b, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl, bool df,
                      size_t plen)
{
    ipv4_repr_t ip = {.ttl = ttl, .proto = proto, .total_len = (uint16_t)(20 + plen), .id = 0x4321,
                      .df = df, .src = src, .dst = dst};
    ipv4_emit(&ip, b, 20);
    for (size_t i = 0; i < plen; i++)
        b[20 + i] = (uint8_t)(i + 1);
    return 20 + plen;
}

/* An ICMP-carrying datagram copy of echo_dgram with new addresses/ttl. */
static void s_echo_to(uint8_t *b, uint32_t src, uint32_t dst, uint8_t ttl)
{
    memcpy(b, echo_dgram, 36);
    wr_be32(b + IP4_OFF_SRC, src);
    wr_be32(b + IP4_OFF_DST, dst);
    b[IP4_OFF_TTL] = ttl;
    ipv4_set_checksum(b);
}

/* Assert tx[i] is an ICMP error and return its parsed parts. */
static void s_check_icmp(const tx_t *t, uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
                         icmp_repr_t *ir)
{
    ipv4_repr_t ip;
    ck_assert_int_eq(ipv4_parse(t->d, t->len, &ip), IPV4_OK);
    ck_assert_uint_eq(ip.proto, IP_PROTO_ICMP);
    ck_assert_uint_eq(ip.src, src);
    ck_assert_uint_eq(ip.dst, dst);
    ck_assert_int_eq(icmp_parse(t->d + 20, t->len - 20, ir), ICMP_OK);
    ck_assert_uint_eq(ir->type, type);
    ck_assert_uint_eq(ir->code, code);
}

START_TEST(test_echo_reply_exact)
{
    rec_t *r = calloc(1, sizeof *r);
    ls_counters_t *reg = ls_counters_new();
    net_core_t *c = s_host(r, reg);
    uint8_t padded[46] = {0};
    memcpy(padded, echo_dgram, 36);
    net_core_link_rx(c, "eth0", padded, sizeof padded, false, false, 500, 1);
    ck_assert_int_eq(r->ntx, 1);
    ck_assert_str_eq(r->tx[0].ifname, "eth0");
    ck_assert_uint_eq(r->tx[0].nh, LS_IP4(198, 51, 100, 1));
    ck_assert_uint_eq(r->tx[0].len, 36);
    ck_assert_mem_eq(r->tx[0].d, echo_reply_dgram, 36);
    ck_assert_uint_eq(r->tx[0].pdu, 1001);
    ck_assert_uint_eq(r->tx[0].np, 1);
    ck_assert_uint_eq(r->tx[0].parents[0], 500);
    ck_assert_uint_eq(ls_counter_get(reg, "icmp.rx.echo_request"), 1);
    ck_assert_uint_eq(ls_counter_get(reg, "icmp.tx.echo_reply"), 1);
    const net_if_t *f = net_core_if(c, "eth0");
    ck_assert_uint_eq(f->rx_packets, 1);
    ck_assert_uint_eq(f->rx_bytes, 46);
    ck_assert_uint_eq(f->tx_packets, 1);
    ck_assert_uint_eq(f->tx_bytes, 36);
    /* echo to the subnet broadcast is ignored (Linux default) */
    uint8_t b[36];
    s_echo_to(b, LS_IP4(198, 51, 100, 20), LS_IP4(198, 51, 100, 255), 64);
    net_core_link_rx(c, "eth0", b, 36, true, false, 501, 2);
    ck_assert_int_eq(r->ntx, 1);
    ck_assert_uint_eq(ls_counter_get(reg, "icmp.drop.echo_bcast"), 1);
    net_core_destroy(&c);
    ck_assert_ptr_null(c);
    ls_counters_destroy(&reg);
    free(r);
}
END_TEST

START_TEST(test_forward)
{
    rec_t *r = calloc(1, sizeof *r);
    ls_counters_t *reg = ls_counters_new();
    net_core_t *c = s_router(r, reg, 0, 0);
    uint8_t b[36];
    s_echo_to(b, LS_IP4(192, 0, 2, 10), LS_IP4(203, 0, 113, 5), 64);
    net_core_link_rx(c, "eth0", b, 36, false, false, 7, 1);
    ck_assert_int_eq(r->ntx, 1);
    ck_assert_str_eq(r->tx[0].ifname, "eth1");
    ck_assert_uint_eq(r->tx[0].nh, LS_IP4(198, 51, 100, 254));
    ck_assert_uint_eq(r->tx[0].d[IP4_OFF_TTL], 63);
    ck_assert_uint_eq(csum(r->tx[0].d, 20), 0);
    ck_assert_mem_eq(r->tx[0].d, b, 8);
    ck_assert_mem_eq(r->tx[0].d + 12, b + 12, 24);
    ck_assert_uint_eq(r->tx[0].parents[0], 7);
    ck_assert_uint_ne(r->tx[0].pdu, 7);
    /* connected destination: next hop is the destination */
    s_echo_to(b, LS_IP4(192, 0, 2, 10), LS_IP4(198, 51, 100, 77), 2);
    net_core_link_rx(c, "eth0", b, 36, false, false, 8, 2);
    ck_assert_int_eq(r->ntx, 2);
    ck_assert_str_eq(r->tx[1].ifname, "eth1");
    ck_assert_uint_eq(r->tx[1].nh, LS_IP4(198, 51, 100, 77));
    ck_assert_uint_eq(r->tx[1].d[IP4_OFF_TTL], 1);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.forwarded"), 2);
    /* link-layer broadcast is not forwarded */
    net_core_link_rx(c, "eth0", b, 36, true, false, 9, 3);
    ck_assert_int_eq(r->ntx, 2);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.drop.fwd_bcast"), 1);
    net_core_destroy(&c);
    ls_counters_destroy(&reg);
    free(r);
}
END_TEST

START_TEST(test_ttl_exceeded)
{
    rec_t *r = calloc(1, sizeof *r);
    ls_counters_t *reg = ls_counters_new();
    net_core_t *c = s_router(r, reg, 0, 0);
    uint8_t b[36];
    s_echo_to(b, LS_IP4(192, 0, 2, 10), LS_IP4(203, 0, 113, 5), 1);
    net_core_link_rx(c, "eth0", b, 36, false, false, 7, 1);
    ck_assert_int_eq(r->ntx, 1);
    ck_assert_str_eq(r->tx[0].ifname, "eth0");
    ck_assert_uint_eq(r->tx[0].nh, LS_IP4(192, 0, 2, 10));
    icmp_repr_t ir;
    s_check_icmp(&r->tx[0], LS_IP4(192, 0, 2, 1), LS_IP4(192, 0, 2, 10), 11, 0, &ir);
    ck_assert_uint_eq(ir.data_len, 28); /* header + 8 */
    ck_assert_mem_eq(ir.data, b, 28);
    ck_assert_uint_eq(r->tx[0].parents[0], 7);
    ck_assert_uint_eq(r->tx[0].d[IP4_OFF_TOS], 0xc0);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.drop.ttl_exceeded"), 1);
    ck_assert_uint_eq(ls_counter_get(reg, "icmp.tx.time_exceeded"), 1);
    /* no error about an ICMP error: a TTL-expiring time-exceeded */
    uint8_t e[100];
    memcpy(e, r->tx[0].d, r->tx[0].len);
    size_t elen = r->tx[0].len;
    wr_be32(e + IP4_OFF_SRC, LS_IP4(192, 0, 2, 10));
    wr_be32(e + IP4_OFF_DST, LS_IP4(203, 0, 113, 9));
    e[IP4_OFF_TTL] = 1;
    ipv4_set_checksum(e);
    net_core_link_rx(c, "eth0", e, elen, false, false, 8, 2);
    ck_assert_int_eq(r->ntx, 1);
    ck_assert_uint_eq(ls_counter_get(reg, "icmp.suppress.error_about_error"), 1);
    net_core_destroy(&c);
    ls_counters_destroy(&reg);
    free(r);
}
END_TEST

START_TEST(test_no_route)
{
    rec_t *r = calloc(1, sizeof *r);
    ls_counters_t *reg = ls_counters_new();
    net_core_t *c = s_router(r, reg, 0, 0);
    uint8_t b[36];
    s_echo_to(b, LS_IP4(192, 0, 2, 10), LS_IP4(10, 9, 9, 9), 64);
    net_core_link_rx(c, "eth0", b, 36, false, false, 7, 1);
    ck_assert_int_eq(r->ntx, 1);
    icmp_repr_t ir;
    s_check_icmp(&r->tx[0], LS_IP4(192, 0, 2, 1), LS_IP4(192, 0, 2, 10), 3, 0, &ir);
    ck_assert_mem_eq(ir.data, b, 28);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.drop.no_route"), 1);
    /* out interface down: same */
    net_core_set_link(c, "eth1", false);
    s_echo_to(b, LS_IP4(192, 0, 2, 10), LS_IP4(203, 0, 113, 5), 64);
    net_core_link_rx(c, "eth0", b, 36, false, false, 8, 2);
    ck_assert_int_eq(r->ntx, 2);
    s_check_icmp(&r->tx[1], LS_IP4(192, 0, 2, 1), LS_IP4(192, 0, 2, 10), 3, 0, &ir);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.drop.no_route"), 2);
    net_core_destroy(&c);
    ls_counters_destroy(&reg);
    free(r);
}
END_TEST

START_TEST(test_frag_needed_and_fragment)
{
    rec_t *r = calloc(1, sizeof *r);
    ls_counters_t *reg = ls_counters_new();
    net_core_t *c = s_router(r, reg, 0, 0);
    static uint8_t b[1200];
    size_t n = s_dgram(b, LS_IP4(192, 0, 2, 10), LS_IP4(198, 51, 100, 77), 17, 64, true, 1180);
    net_core_link_rx(c, "eth0", b, n, false, false, 7, 1);
    ck_assert_int_eq(r->ntx, 1);
    icmp_repr_t ir;
    s_check_icmp(&r->tx[0], LS_IP4(192, 0, 2, 1), LS_IP4(192, 0, 2, 10), 3, 4, &ir);
    ck_assert_uint_eq(ir.mtu, 1000);
    ck_assert_uint_eq(rd_be16(r->tx[0].d + 20 + 6), 1000);
    ck_assert_mem_eq(ir.data, b, 28);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.drop.frag_needed"), 1);
    /* without DF: two fragments on eth1 */
    n = s_dgram(b, LS_IP4(192, 0, 2, 10), LS_IP4(198, 51, 100, 77), 17, 64, false, 1180);
    net_core_link_rx(c, "eth0", b, n, false, false, 8, 2);
    ck_assert_int_eq(r->ntx, 3);
    ck_assert_str_eq(r->tx[1].ifname, "eth1");
    ck_assert_uint_eq(r->tx[1].len, 996);
    ck_assert_uint_eq(rd_be16(r->tx[1].d + IP4_OFF_FRAG), IP4_FLAG_MF);
    ck_assert_uint_eq(r->tx[2].len, 20 + 1180 - 976);
    ck_assert_uint_eq(rd_be16(r->tx[2].d + IP4_OFF_FRAG), 976 / 8);
    ck_assert_uint_eq(r->tx[1].d[IP4_OFF_TTL], 63);
    ck_assert_uint_eq(r->tx[1].parents[0], r->tx[2].parents[0]); /* both from the forwarded copy */
    ck_assert_uint_eq(ls_counter_get(reg, "ip.frag.created"), 2);
    net_core_destroy(&c);
    ls_counters_destroy(&reg);
    free(r);
}
END_TEST

START_TEST(test_protocol_unreachable)
{
    rec_t *r = calloc(1, sizeof *r);
    ls_counters_t *reg = ls_counters_new();
    net_core_t *c = s_host(r, reg);
    uint8_t b[60];
    size_t n = s_dgram(b, LS_IP4(192, 0, 2, 10), LS_IP4(198, 51, 100, 10), 99, 64, false, 20);
    net_core_link_rx(c, "eth0", b, n, false, false, 7, 1);
    ck_assert_int_eq(r->ntx, 1);
    ck_assert_uint_eq(r->tx[0].nh, LS_IP4(198, 51, 100, 1));
    icmp_repr_t ir;
    s_check_icmp(&r->tx[0], LS_IP4(198, 51, 100, 10), LS_IP4(192, 0, 2, 10), 3, 2, &ir);
    ck_assert_mem_eq(ir.data, b, 28);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.drop.unknown_proto"), 1);
    ck_assert_int_eq(r->ndeliver, 0);
    net_core_destroy(&c);
    ls_counters_destroy(&reg);
    free(r);
}
END_TEST

START_TEST(test_bad_input_counted)
{
    rec_t *r = calloc(1, sizeof *r);
    ls_counters_t *reg = ls_counters_new();
    net_core_t *c = s_host(r, reg);
    uint8_t b[36];
    memcpy(b, echo_dgram, 36);
    b[10] ^= 0x40;
    net_core_link_rx(c, "eth0", b, 36, false, false, 7, 1);
    memcpy(b, echo_dgram, 36);
    b[0] = 0x55;
    net_core_link_rx(c, "eth0", b, 36, false, false, 8, 1);
    net_core_link_rx(c, "eth0", echo_dgram, 12, false, false, 9, 1);
    net_core_link_rx(c, "eth0", echo_dgram, 30, false, false, 10, 1);
    ck_assert_int_eq(r->ntx, 0);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.drop.bad_checksum"), 1);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.drop.bad_version"), 1);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.drop.truncated"), 1);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.drop.bad_total_len"), 1);
    ck_assert_uint_eq(net_core_if(c, "eth0")->rx_drops, 4);
    /* ICMP checksum bad */
    memcpy(b, echo_dgram, 36);
    b[30] ^= 1;
    net_core_link_rx(c, "eth0", b, 36, false, false, 11, 1);
    ck_assert_uint_eq(ls_counter_get(reg, "icmp.drop.bad_checksum"), 1);
    /* not for us (host does not forward) */
    s_echo_to(b, LS_IP4(192, 0, 2, 10), LS_IP4(203, 0, 113, 5), 64);
    net_core_link_rx(c, "eth0", b, 36, false, false, 12, 1);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.drop.not_for_us"), 1);
    /* 127/8 on the wire */
    s_echo_to(b, LS_IP4(127, 0, 0, 1), LS_IP4(198, 51, 100, 10), 64);
    net_core_link_rx(c, "eth0", b, 36, false, false, 13, 1);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.drop.martian"), 1);
    net_core_link_rx(c, "eth9", echo_dgram, 36, false, false, 14, 1);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.drop.unknown_if"), 1);
    ck_assert_int_eq(r->ntx, 0);
    net_core_destroy(&c);
    ls_counters_destroy(&reg);
    free(r);
}
END_TEST

START_TEST(test_self_ping_loopback)
{
    rec_t *r = calloc(1, sizeof *r);
    ls_counters_t *reg = ls_counters_new();
    net_core_t *c = s_host(r, reg);
    net_core_set_raw_listeners(c, true);
    const uint8_t *req = echo_dgram + 20;
    uint64_t parent = 42;
    ck_assert_int_eq(net_core_send(c, 0, LS_IP4(198, 51, 100, 10), IP_PROTO_ICMP, 0, false, 0, req,
                                   16, &parent, 1, 1), NET_OK);
    ck_assert_int_eq(r->ntx, 0);
    ck_assert_int_eq(r->nraw, 1);
    ck_assert_str_eq(r->rawif, "lo");
    ipv4_repr_t ip;
    ck_assert_int_eq(ipv4_parse(r->raw, r->rawlen, &ip), IPV4_OK);
    ck_assert_uint_eq(ip.src, LS_IP4(198, 51, 100, 10));
    ck_assert_uint_eq(ip.dst, LS_IP4(198, 51, 100, 10));
    ck_assert_mem_eq(r->raw + 20, echo_reply_dgram + 20, 16);
    /* 127.0.0.1 */
    ck_assert_int_eq(net_core_send(c, 0, LS_IP4(127, 0, 0, 1), IP_PROTO_ICMP, 0, false, 0, req, 16,
                                   &parent, 1, 2), NET_OK);
    ck_assert_int_eq(r->nraw, 2);
    ck_assert_int_eq(ipv4_parse(r->raw, r->rawlen, &ip), IPV4_OK);
    ck_assert_uint_eq(ip.src, LS_IP4(127, 0, 0, 1));
    ck_assert_int_eq(r->ntx, 0);
    const net_if_t *lo = net_core_if(c, "lo");
    ck_assert_uint_eq(lo->tx_packets, 4); /* 2 requests + 2 replies */
    ck_assert_uint_eq(ls_counter_get(reg, "icmp.tx.echo_reply"), 2);
    /* UDP over loopback reaches transport */
    uint8_t udp[12] = {0x9c, 0x40, 0x00, 0x35, 0x00, 0x0c, 0, 0, 1, 2, 3, 4};
    ck_assert_int_eq(net_core_send(c, 0, LS_IP4(127, 0, 0, 1), 17, 0, false, 0, udp, 12, NULL, 0, 3),
                     NET_OK);
    ck_assert_int_eq(r->ndeliver, 1);
    ck_assert_str_eq(r->difname, "lo");
    ck_assert_uint_eq(r->dlen, 32);
    net_core_destroy(&c);
    ls_counters_destroy(&reg);
    free(r);
}
END_TEST

START_TEST(test_resolve_failed)
{
    rec_t *r = calloc(1, sizeof *r);
    ls_counters_t *reg = ls_counters_new();
    /* router: a forwarded datagram whose next hop never answers ARP */
    net_core_t *c = s_router(r, reg, 0, 0);
    uint8_t b[36];
    s_echo_to(b, LS_IP4(192, 0, 2, 10), LS_IP4(198, 51, 100, 77), 64);
    net_core_link_rx(c, "eth0", b, 36, false, false, 7, 1);
    ck_assert_int_eq(r->ntx, 1);
    tx_t fwd = r->tx[0];
    net_core_resolve_failed(c, "eth1", LS_IP4(198, 51, 100, 77), fwd.d, fwd.len, fwd.pdu, 2);
    ck_assert_int_eq(r->ntx, 2);
    ck_assert_str_eq(r->tx[1].ifname, "eth0");
    icmp_repr_t ir;
    s_check_icmp(&r->tx[1], LS_IP4(192, 0, 2, 1), LS_IP4(192, 0, 2, 10), 3, 1, &ir);
    ck_assert_mem_eq(ir.data, fwd.d, 28);
    ck_assert_uint_eq(r->tx[1].parents[0], fwd.pdu);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.drop.resolve_failed"), 1);
    ck_assert_uint_eq(net_core_if(c, "eth1")->tx_drops, 1);
    net_core_destroy(&c);
    ls_counters_destroy(&reg);

    /* host: our own ping to an absent neighbour -> reported locally */
    memset(r, 0, sizeof *r);
    reg = ls_counters_new();
    c = s_host(r, reg);
    net_core_set_raw_listeners(c, true);
    ck_assert_int_eq(net_core_send(c, 0, LS_IP4(198, 51, 100, 77), IP_PROTO_ICMP, 0, false, 0,
                                   echo_dgram + 20, 16, NULL, 0, 1), NET_OK);
    ck_assert_int_eq(r->ntx, 1);
    ck_assert_uint_eq(r->tx[0].nh, LS_IP4(198, 51, 100, 77));
    net_core_resolve_failed(c, "eth0", LS_IP4(198, 51, 100, 77), r->tx[0].d, r->tx[0].len,
                            r->tx[0].pdu, 2);
    ck_assert_int_eq(r->ntx, 1); /* nothing on the wire */
    ck_assert_int_eq(r->nraw, 1);
    ipv4_repr_t ip;
    ck_assert_int_eq(ipv4_parse(r->raw, r->rawlen, &ip), IPV4_OK);
    ck_assert_uint_eq(ip.src, LS_IP4(198, 51, 100, 10));
    ck_assert_uint_eq(r->raw[20], ICMP_DEST_UNREACH);
    ck_assert_uint_eq(r->raw[21], ICMP_UNREACH_HOST);
    ck_assert_mem_eq(r->raw + 28, r->tx[0].d, 28);
    char s[160];
    icmp_summary(r->raw + 20, r->rawlen - 20, s, sizeof s);
    ck_assert_str_eq(s, "ICMP host 198.51.100.77 unreachable");
    net_core_destroy(&c);
    ls_counters_destroy(&reg);
    free(r);
}
END_TEST

START_TEST(test_transport_deliver_and_errors)
{
    rec_t *r = calloc(1, sizeof *r);
    ls_counters_t *reg = ls_counters_new();
    net_core_t *c = s_host(r, reg);
    uint8_t u[60] = {0};
    size_t n = s_dgram(u, LS_IP4(192, 0, 2, 10), LS_IP4(198, 51, 100, 10), 17, 64, false, 12);
    wr_be16(u + 20, 40000);
    wr_be16(u + 22, 33434);
    wr_be16(u + 24, 12);
    net_core_link_rx(c, "eth0", u, 46, false, false, 77, 1); /* padded */
    ck_assert_int_eq(r->ndeliver, 1);
    ck_assert_uint_eq(r->dproto, 17);
    ck_assert_str_eq(r->difname, "eth0");
    ck_assert_uint_eq(r->dlen, n);
    ck_assert_uint_eq(r->dpdu, 77);
    ck_assert_mem_eq(r->dd, u, n);
    /* transport: port unreachable */
    ck_assert_int_eq(net_core_send_icmp_error(c, 3, 3, u, n, 77, 2), 0);
    ck_assert_int_eq(r->ntx, 1);
    icmp_repr_t ir;
    s_check_icmp(&r->tx[0], LS_IP4(198, 51, 100, 10), LS_IP4(192, 0, 2, 10), 3, 3, &ir);
    ck_assert_mem_eq(ir.data, u, 28);
    /* an incoming port unreachable about our UDP datagram goes up */
    uint8_t mine[40];
    size_t mn = s_dgram(mine, LS_IP4(198, 51, 100, 10), LS_IP4(203, 0, 113, 5), 17, 64, false, 12);
    uint8_t msg[64];
    int ml = icmp_build_error(3, 3, 0, mine, mn, msg, sizeof msg);
    uint8_t e[100];
    size_t en = s_dgram(e, LS_IP4(203, 0, 113, 5), LS_IP4(198, 51, 100, 10), 1, 60, false, (size_t)ml);
    memcpy(e + 20, msg, (size_t)ml);
    net_core_link_rx(c, "eth0", e, en, false, false, 78, 3);
    ck_assert_int_eq(r->nup, 1);
    ck_assert_uint_eq(r->utype, 3);
    ck_assert_uint_eq(r->ucode, 3);
    ck_assert_uint_eq(r->reporter, LS_IP4(203, 0, 113, 5));
    ck_assert_uint_eq(r->uqlen, 28);
    ck_assert_int_eq(r->nraw, 0); /* no raw listeners */
    /* route query */
    uint32_t src, mtu, nh;
    char ifn[16];
    ck_assert_int_eq(net_core_route_query(c, LS_IP4(203, 0, 113, 5), &src, ifn, &mtu, &nh), 0);
    ck_assert_uint_eq(src, LS_IP4(198, 51, 100, 10));
    ck_assert_str_eq(ifn, "eth0");
    ck_assert_uint_eq(mtu, 1500);
    ck_assert_uint_eq(nh, LS_IP4(198, 51, 100, 1));
    net_core_destroy(&c);
    ls_counters_destroy(&reg);
    free(r);
}
END_TEST

typedef struct {
    tx_t f[4];
    int n;
} fl_t;

START_TEST(test_reassembly_and_timeout)
{
    rec_t *r = calloc(1, sizeof *r);
    ls_counters_t *reg = ls_counters_new();
    net_core_t *c = s_host(r, reg);
    /* the host sends 2000 bytes of UDP: fragmented to its 1500 MTU */
    static uint8_t pl[2000];
    for (int i = 0; i < 2000; i++)
        pl[i] = (uint8_t)i;
    ck_assert_int_eq(net_core_send(c, 0, LS_IP4(203, 0, 113, 5), 17, 0, false, 0, pl, 2000, NULL, 0,
                                   1), NET_OK);
    ck_assert_int_eq(r->ntx, 2);
    ck_assert_uint_eq(r->tx[0].len, 1500);
    ck_assert_uint_eq(r->tx[1].len, 20 + 2000 - 1480);
    ck_assert_uint_eq(r->tx[0].parents[0], r->tx[1].parents[0]);
    /* DF and too big: EMSGSIZE */
    ck_assert_int_eq(net_core_send(c, 0, LS_IP4(203, 0, 113, 5), 17, 0, true, 0, pl, 2000, NULL, 0,
                                   1), NET_ERR_MSGSIZE);
    /* feed those fragments back as if addressed to us, out of order */
    tx_t f0 = r->tx[0], f1 = r->tx[1];
    wr_be32(f0.d + IP4_OFF_DST, LS_IP4(198, 51, 100, 10));
    wr_be32(f0.d + IP4_OFF_SRC, LS_IP4(203, 0, 113, 5));
    ipv4_set_checksum(f0.d);
    wr_be32(f1.d + IP4_OFF_DST, LS_IP4(198, 51, 100, 10));
    wr_be32(f1.d + IP4_OFF_SRC, LS_IP4(203, 0, 113, 5));
    ipv4_set_checksum(f1.d);
    net_core_link_rx(c, "eth0", f1.d, f1.len, false, false, 301, 2);
    ck_assert_int_eq(r->ndeliver, 0);
    ck_assert_uint_lt(net_core_next_deadline(c), UINT64_MAX);
    net_core_link_rx(c, "eth0", f0.d, f0.len, false, false, 300, 3);
    ck_assert_int_eq(r->ndeliver, 1);
    ck_assert_uint_eq(r->dlen, 2020);
    ck_assert_mem_eq(r->dd + 20, pl, 2000);
    ck_assert_uint_eq(r->dnp, 2);
    ck_assert_uint_eq(net_core_next_deadline(c), UINT64_MAX);
    /* only fragment zero arrives: after 30 s, time exceeded (code 1) */
    int ntx = r->ntx;
    uint64_t now = 1000000000ull;
    net_core_link_rx(c, "eth0", f0.d, f0.len, false, false, 302, now);
    ck_assert_uint_eq(net_core_next_deadline(c), now + REASS_DEFAULT_TIMEOUT_NS);
    net_core_poll(c, now + REASS_DEFAULT_TIMEOUT_NS - 1);
    ck_assert_int_eq(r->ntx, ntx);
    net_core_poll(c, now + REASS_DEFAULT_TIMEOUT_NS);
    ck_assert_int_eq(r->ntx, ntx + 1);
    icmp_repr_t ir;
    s_check_icmp(&r->tx[ntx], LS_IP4(198, 51, 100, 10), LS_IP4(203, 0, 113, 5), 11, 1, &ir);
    ck_assert_mem_eq(ir.data, f0.d, 28);
    /* only the last fragment: silence */
    net_core_link_rx(c, "eth0", f1.d, f1.len, false, false, 303, now);
    net_core_poll(c, now + 2 * REASS_DEFAULT_TIMEOUT_NS);
    ck_assert_int_eq(r->ntx, ntx + 1);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.reass.timeout"), 2);
    net_core_destroy(&c);
    ls_counters_destroy(&reg);
    free(r);
}
END_TEST

START_TEST(test_link_down_and_rate_limit)
{
    rec_t *r = calloc(1, sizeof *r);
    ls_counters_t *reg = ls_counters_new();
    net_core_t *c = s_host(r, reg);
    ck_assert_int_eq(net_core_set_link(c, "eth0", false), 0);
    ck_assert_int_eq(net_core_send(c, 0, LS_IP4(203, 0, 113, 5), 17, 0, false, 0, echo_dgram, 8,
                                   NULL, 0, 1), NET_ERR_NOROUTE);
    ck_assert_int_eq(net_core_route_query(c, LS_IP4(203, 0, 113, 5), NULL, NULL, NULL, NULL), -1);
    net_core_link_rx(c, "eth0", echo_dgram, 36, false, false, 5, 1);
    ck_assert_uint_eq(ls_counter_get(reg, "ip.drop.if_down"), 1);
    ck_assert_int_eq(net_core_set_link(c, "eth0", true), 0);
    ck_assert_int_eq(net_core_send(c, 0, LS_IP4(203, 0, 113, 5), 17, 0, false, 0, echo_dgram, 8,
                                   NULL, 0, 1), NET_OK);
    ck_assert_int_eq(r->ntx, 1);
    ck_assert_int_eq(net_core_set_link(c, "eth7", true), -1);
    net_core_destroy(&c);

    /* router with 1 error/s, burst 1 */
    memset(r, 0, sizeof *r);
    c = s_router(r, reg, 1, 1);
    uint8_t b[36];
    s_echo_to(b, LS_IP4(192, 0, 2, 10), LS_IP4(203, 0, 113, 5), 1);
    uint64_t now = 5000000000ull;
    net_core_link_rx(c, "eth0", b, 36, false, false, 7, now);
    net_core_link_rx(c, "eth0", b, 36, false, false, 8, now + 1000);
    ck_assert_int_eq(r->ntx, 1);
    ck_assert_uint_eq(ls_counter_get(reg, "icmp.suppress.rate_limit"), 1);
    net_core_link_rx(c, "eth0", b, 36, false, false, 9, now + 1000000000ull);
    ck_assert_int_eq(r->ntx, 2);
    net_core_destroy(&c);
    ls_counters_destroy(&reg);
    free(r);
}
END_TEST

START_TEST(test_with_pdu_logging)
{
    /* the same paths with a PDU-level logger (to /dev/null): summaries and
     * drop lines must not disturb the results */
    rec_t *r = calloc(1, sizeof *r);
    ls_counters_t *reg = ls_counters_new();
    ls_log_t *log = ls_log_new("r1", "r1-net", "/dev/null", LS_LOG_PDU);
    ck_assert_ptr_nonnull(log);
    r->next_id = 1;
    net_core_cb_t cb = s_cb(r);
    net_core_cfg_t cfg = {.forwarding = true};
    net_core_t *c = net_core_new(&cfg, &cb, reg, log);
    ck_assert_int_eq(net_core_add_if(c, "eth0", LS_IP4(192, 0, 2, 1), 24, 1500), 0);
    ck_assert_int_eq(net_core_add_if(c, "eth1", LS_IP4(198, 51, 100, 1), 24, 576), 0);
    net_core_set_raw_listeners(c, true);
    uint8_t b[36];
    s_echo_to(b, LS_IP4(192, 0, 2, 10), LS_IP4(198, 51, 100, 7), 64);
    net_core_link_rx(c, "eth0", b, 36, false, false, 100, 1);   /* forward */
    s_echo_to(b, LS_IP4(192, 0, 2, 10), LS_IP4(198, 51, 100, 7), 1);
    net_core_link_rx(c, "eth0", b, 36, false, false, 101, 2);   /* ttl exceeded */
    net_core_link_rx(c, "eth0", echo_dgram, 36, false, false, 102, 3);
    static uint8_t big[1000];
    size_t n = s_dgram(big, LS_IP4(192, 0, 2, 10), LS_IP4(198, 51, 100, 7), 17, 64, false, 980);
    net_core_link_rx(c, "eth0", big, n, false, false, 103, 4);  /* fragmented to 576 */
    ck_assert_int_eq(net_core_send(c, 0, LS_IP4(192, 0, 2, 1), IP_PROTO_ICMP, 0, false, 0,
                                   echo_dgram + 20, 16, NULL, 0, 5), NET_OK); /* self ping */
    ck_assert_int_eq(r->ntx, 1 + 1 + 1 + 2);
    ck_assert_int_eq(r->nraw, 1);
    net_core_destroy(&c);
    ls_log_destroy(&log);
    ls_counters_destroy(&reg);
    free(r);
}
END_TEST

Suite *net_core_suite(void)
{
    Suite *s = suite_create("net_core");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_echo_reply_exact);
    tcase_add_test(tc, test_forward);
    tcase_add_test(tc, test_ttl_exceeded);
    tcase_add_test(tc, test_no_route);
    tcase_add_test(tc, test_frag_needed_and_fragment);
    tcase_add_test(tc, test_protocol_unreachable);
    tcase_add_test(tc, test_bad_input_counted);
    tcase_add_test(tc, test_self_ping_loopback);
    tcase_add_test(tc, test_resolve_failed);
    tcase_add_test(tc, test_transport_deliver_and_errors);
    tcase_add_test(tc, test_reassembly_and_timeout);
    tcase_add_test(tc, test_link_down_and_rate_limit);
    tcase_add_test(tc, test_with_pdu_logging);
    suite_add_tcase(s, tc);
    return s;
}
