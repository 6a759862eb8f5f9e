/*
 * test_pipe.c -- common/runtime/pipe.c: fault sets on both directions of a pipe
 * (drop, delay through the loop timer, corruption), what is never faulted
 * (HELLO, ROUTE_*), the PDU kinds handed to filters, and the bytes a
 * per-pipe capture writes (a synthesized IPv4 header for bare NET_TX
 * segments, Ethernet padding trimmed).
 *
 * Pipes run over inproc:// endpoints inside one test process; the loop runs
 * until the receiver has what it expects (a one-shot loop deadline is only a
 * safety stop, never a wait the test depends on).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "wire/bytes.h"
#include "fault/fault.h"
#include "wire/ipv4.h"
#include "runtime/pipe.h"
#include "wire/tcp_wire.h"
#include "wire/udp.h"

#define MAXRX 64

typedef struct {
    ls_svc_t svc;
    ls_pipe_t *a, *b; /* a: net end (binds, sends DOWN); b: link end (connects, sends UP) */
    size_t n;
    uint64_t ids[MAXRX];
    uint8_t bytes[MAXRX][64];
    size_t len[MAXRX];
    Ls__Kind kinds[MAXRX];
    size_t want;
} s_rig_t;

static void s_rx(ls_pipe_t *pipe, Ls__Envelope *env, void *arg)
{
    s_rig_t *r = arg;
    if (env->kind == LS__KIND__HELLO)
        return;
    ck_assert_uint_lt(r->n, MAXRX);
    r->ids[r->n] = env->pdu_id;
    r->kinds[r->n] = env->kind;
    r->len[r->n] = env->has_pdu ? env->pdu.len : 0;
    if (env->has_pdu)
        memcpy(r->bytes[r->n], env->pdu.data, env->pdu.len < 64 ? env->pdu.len : 64);
    r->n++;
    if (r->n >= r->want)
        ls_loop_stop(r->svc.loop);
}

static void s_safety_stop(void *arg, uint64_t now) { ls_loop_stop(arg); }

static s_rig_t *s_rig_new(const char *ep)
{
    s_rig_t *r = calloc(1, sizeof *r);
    ck_assert_ptr_nonnull(r);
    snprintf(r->svc.name, sizeof r->svc.name, "test-svc");
    r->svc.zctx = zmq_ctx_new();
    r->svc.loop = ls_loop_new();
    r->svc.ctr = ls_counters_new();
    r->svc.nonce = 0x1234;
    r->a = ls_pipe_new(&r->svc, "net:link@eth0", ep, 1, LS__LAYER__NET, LS__DIRECTION__DOWN, s_rx, r);
    r->b = ls_pipe_new(&r->svc, "net:link@eth0", ep, 0, LS__LAYER__LINK, LS__DIRECTION__UP, s_rx, r);
    ck_assert_ptr_nonnull(r->a);
    ck_assert_ptr_nonnull(r->b);
    return r;
}

static void s_rig_run(s_rig_t *r, size_t want)
{
    r->want = want;
    ls_loop_at(r->svc.loop, ls_now_ns() + 2000000000ull, s_safety_stop, r->svc.loop);
    ls_loop_run(r->svc.loop);
}

static void s_rig_destroy(s_rig_t **rp)
{
    s_rig_t *r = *rp;
    ls_pipe_destroy(&r->a);
    ls_pipe_destroy(&r->b);
    ck_assert_ptr_null(r->svc.pipes);
    ls_loop_destroy(&r->svc.loop);
    ls_counters_destroy(&r->svc.ctr);
    zmq_ctx_term(r->svc.zctx);
    free(r);
    *rp = NULL;
}

/* A 28-byte IPv4/ICMP-ish datagram whose id field is i. */
static size_t s_dgram(uint8_t *buf, uint16_t i)
{
    ipv4_repr_t ip = {.ttl = 64, .proto = 253, .total_len = 28, .id = i,
                      .src = LS_IP4(192, 0, 2, 10), .dst = LS_IP4(198, 51, 100, 10)};
    ck_assert_int_eq(ipv4_emit(&ip, buf, 64), 20);
    memset(buf + 20, 0xab, 8);
    wr_be16(buf + 20, i);
    return 28;
}

static void s_send_tx(ls_pipe_t *p, uint64_t id, uint16_t i)
{
    uint8_t d[64];
    size_t n = s_dgram(d, i);
    Ls__Envelope env;
    Ls__LinkTx tx = LS__LINK_TX__INIT;
    tx.ifname = "eth0";
    tx.next_hop = LS_IP4(192, 0, 2, 1);
    tx.ethertype = 0x0800;
    ls_env_setup(&env, LS__KIND__LINK_TX, id, NULL, 0, d, n);
    env.link_tx = &tx;
    ck_assert_int_eq(ls_pipe_send(p, &env), 0);
}

static void s_add_rule(ls_pipe_t *p, Ls__Direction dir, const char *spec, uint32_t id)
{
    char err[128];
    fault_rule_t *rule = fault_rule_parse(spec, 7, id, err, sizeof err);
    ck_assert_msg(rule != NULL, "%s: %s", spec, err);
    fault_set_t *fs = ls_pipe_faults(p, dir);
    ck_assert_ptr_nonnull(fs);
    ck_assert_int_eq(fault_set_add(fs, &rule), 0);
}

START_TEST(test_send_side_drop_nth)
{
    s_rig_t *r = s_rig_new("inproc://pipe-drop");
    s_add_rule(r->a, LS__DIRECTION__DOWN, "drop nth 2", 1);
    /* the set for DOWN on the DOWN-sending end is its outgoing set */
    ck_assert_ptr_eq(ls_pipe_faults_peek(r->a, LS__DIRECTION__DOWN), ls_pipe_faults(r->a, LS__DIRECTION__DOWN));
    ck_assert_ptr_null(ls_pipe_faults_peek(r->a, LS__DIRECTION__UP));
    for (uint16_t i = 1; i <= 3; i++)
        s_send_tx(r->a, 100 + i, i);
    s_rig_run(r, 2);
    ck_assert_uint_eq(r->n, 2);
    ck_assert_uint_eq(r->ids[0], 101);
    ck_assert_uint_eq(r->ids[1], 103);
    ck_assert_int_eq(r->kinds[0], LS__KIND__LINK_TX);
    ck_assert_uint_eq(r->len[1], 28);
    ck_assert_uint_eq(ls_counter_get(r->svc.ctr, "fault.drop"), 1);
    ck_assert_uint_eq(ls_counter_get(r->svc.ctr, "fault.drop.nth"), 1);
    /* a fault drop leaves no sequence gap: seq is stamped as a copy leaves */
    ck_assert_uint_eq(ls_counter_get(r->svc.ctr, "pipe.net:link@eth0.rx_seq_gap"), 0);
    ck_assert_uint_eq(ls_counter_get(r->svc.ctr, "pipe.net:link@eth0.tx"), 2 + 1 /* b's HELLO */);
    s_rig_destroy(&r);
}
END_TEST

START_TEST(test_receive_side_delay_via_timer)
{
    s_rig_t *r = s_rig_new("inproc://pipe-delay");
    /* DOWN arrives at b (which sends UP): b's incoming set */
    s_add_rule(r->b, LS__DIRECTION__DOWN, "delay 20ms", 1);
    ck_assert_ptr_null(ls_pipe_faults_peek(r->a, LS__DIRECTION__DOWN));
    uint64_t t0 = ls_now_ns();
    s_send_tx(r->a, 201, 1);
    s_send_tx(r->a, 202, 2);
    s_rig_run(r, 2);
    ck_assert_uint_eq(r->n, 2);
    ck_assert_uint_eq(r->ids[0], 201);
    ck_assert_uint_eq(r->ids[1], 202);
    ck_assert_uint_ge(ls_now_ns() - t0, 20000000ull); /* held by the engine, released by the loop timer */
    ck_assert_uint_eq(ls_counter_get(r->svc.ctr, "fault.delay"), 2);
    ck_assert_int_eq(r->svc.pipe_timer, 1);
    s_rig_destroy(&r);
}
END_TEST

START_TEST(test_corrupt_and_hello_untouched)
{
    s_rig_t *r = s_rig_new("inproc://pipe-corrupt");
    s_add_rule(r->a, LS__DIRECTION__DOWN, "corrupt 100%", 1);
    s_send_tx(r->a, 301, 1);
    /* a HELLO (no pdu) passes any rule untouched */
    Ls__Envelope env;
    Ls__Hello hello = LS__HELLO__INIT;
    hello.service = "x";
    hello.instance = 9;
    ls_env_setup(&env, LS__KIND__HELLO, 302, NULL, 0, NULL, 0);
    env.hello = &hello;
    ck_assert_int_eq(ls_pipe_send(r->a, &env), 0);
    s_send_tx(r->a, 303, 3);
    s_rig_run(r, 2);
    ck_assert_uint_eq(r->n, 2);
    ck_assert_uint_eq(ls_counter_get(r->svc.ctr, "fault.corrupt"), 2);
    /* one bit flipped somewhere in the 28 bytes: the datagram no longer
       equals what was sent (header checksum or payload differs) */
    uint8_t d[64];
    s_dgram(d, 1);
    ck_assert_uint_eq(r->len[0], 28);
    int flipped = 0;
    for (size_t i = 0; i < 28; i++)
        flipped += __builtin_popcount(r->bytes[0][i] ^ d[i]);
    ck_assert_int_eq(flipped, 1);
    ck_assert_uint_eq(ls_counter_get(r->svc.ctr, "pipe.net:link@eth0.rx"), 2 + 1 + 1 /* HELLOs */);
    s_rig_destroy(&r);
}
END_TEST

START_TEST(test_fault_kind)
{
    fault_pdu_kind_t k;
    uint8_t proto = 99;
    uint8_t b[4] = {0x45, 0, 0, 0};
    Ls__Envelope env;
    ls_env_setup(&env, LS__KIND__WIRE_FRAME, 1, NULL, 0, b, 4);
    ck_assert_int_eq(ls_pipe_fault_kind(&env, &k, &proto), 0);
    ck_assert_int_eq(k, FAULT_PDU_ETH);
    ls_env_setup(&env, LS__KIND__LINK_RX, 1, NULL, 0, b, 4);
    ck_assert_int_eq(ls_pipe_fault_kind(&env, &k, &proto), 0);
    ck_assert_int_eq(k, FAULT_PDU_IPV4);
    ls_env_setup(&env, LS__KIND__NET_DELIVER, 1, NULL, 0, b, 4);
    ck_assert_int_eq(ls_pipe_fault_kind(&env, &k, &proto), 0);
    ck_assert_int_eq(k, FAULT_PDU_IPV4);
    Ls__NetTx tx = LS__NET_TX__INIT;
    tx.protocol = 17;
    ls_env_setup(&env, LS__KIND__NET_TX, 1, NULL, 0, b, 4);
    env.net_tx = &tx;
    ck_assert_int_eq(ls_pipe_fault_kind(&env, &k, &proto), 0);
    ck_assert_int_eq(k, FAULT_PDU_L4);
    ck_assert_uint_eq(proto, 17);
    ls_env_setup(&env, LS__KIND__ROUTE_QUERY, 1, NULL, 0, b, 4);
    ck_assert_int_eq(ls_pipe_fault_kind(&env, &k, &proto), -1);
    ls_env_setup(&env, LS__KIND__LINK_TX, 1, NULL, 0, NULL, 0);
    ck_assert_int_eq(ls_pipe_fault_kind(&env, &k, &proto), -1); /* no pdu bytes */
}
END_TEST

START_TEST(test_capture_bytes_net_tx_synthesized)
{
    /* UDP 40000 -> 53, 4 bytes of payload */
    static const uint8_t seg[] = {0x9c, 0x40, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00, 'a', 'b', 'c', 'd'};
    static const uint8_t want_hdr[20] = {
        0x45, 0x00, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, /* csum below */
        0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x35};
    Ls__NetTx tx = LS__NET_TX__INIT;
    tx.src = LS_IP4(192, 0, 2, 10);
    tx.dst = LS_IP4(198, 51, 100, 53);
    tx.protocol = 17;
    tx.has_df = 1;
    tx.df = 1;
    Ls__Envelope env;
    ls_env_setup(&env, LS__KIND__NET_TX, 1, NULL, 0, seg, sizeof seg);
    env.net_tx = &tx;
    uint8_t out[128];
    ck_assert_int_eq(ls_pipe_capture_bytes(&env, out, sizeof out), 32);
    ck_assert_mem_eq(out, want_hdr, 10);
    ck_assert_mem_eq(out + 12, want_hdr + 12, 8);
    ipv4_repr_t ip;
    ck_assert_int_eq(ipv4_parse(out, 32, &ip), IPV4_OK); /* checksum verifies */
    ck_assert_mem_eq(out + 20, seg, sizeof seg);
    ck_assert_int_eq(ls_pipe_capture_bytes(&env, out, 20), -1); /* does not fit */
}
END_TEST

START_TEST(test_sock_fault_kind_and_capture)
{
    /* a DNS query going down the dns:transport pipe: 12-byte header, QR = 0 */
    static const uint8_t q[12] = {0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    Ls__SockOp op = LS__SOCK_OP__INIT;
    op.sock = 1;
    op.op = LS__SOCK_OP__OP__SEND;
    op.has_protocol = op.has_local_addr = op.has_local_port = op.has_remote_addr = op.has_remote_port = 1;
    op.protocol = 17;
    op.local_addr = LS_IP4(192, 0, 2, 10);
    op.local_port = 40000;
    op.remote_addr = LS_IP4(198, 51, 100, 53);
    op.remote_port = 53;
    Ls__Envelope env;
    ls_env_setup(&env, LS__KIND__SOCK_OP, 1, NULL, 0, q, sizeof q);
    env.sock_op = &op;
    fault_pdu_kind_t k;
    uint8_t proto;
    ck_assert_int_eq(ls_pipe_fault_kind(&env, &k, &proto), 0);
    ck_assert_int_eq(k, FAULT_PDU_DNS);
    ck_assert_uint_eq(proto, 17);
    fault_filter_t fq, fr;
    char err[64];
    ck_assert_int_eq(fault_filter_parse("dns-query", &fq, err, sizeof err), 0);
    ck_assert_int_eq(fault_filter_parse("dns-response", &fr, err, sizeof err), 0);
    ck_assert(fault_filter_match(&fq, k, proto, q, sizeof q));
    ck_assert(!fault_filter_match(&fr, k, proto, q, sizeof q));
    ck_assert(!fault_filter_match(&fq, FAULT_PDU_L4, 17, q, sizeof q)); /* only on the dns pipe */
    /* the capture synthesizes IPv4 + UDP around it, checksums real */
    uint8_t out[128];
    ck_assert_int_eq(ls_pipe_capture_bytes(&env, out, sizeof out), 20 + 8 + 12);
    ipv4_repr_t ip;
    ck_assert_int_eq(ipv4_parse(out, 40, &ip), IPV4_OK);
    ck_assert_uint_eq(ip.proto, 17);
    ck_assert_uint_eq(ip.src, LS_IP4(192, 0, 2, 10));
    udp_repr_t u;
    ck_assert_int_eq(udp_parse(out + 20, 20, ip.src, ip.dst, &u), UDP_PARSE_OK);
    ck_assert_uint_eq(u.sport, 40000);
    ck_assert_uint_eq(u.dport, 53);
    ck_assert_mem_eq(u.payload, q, sizeof q);
    /* an answer coming up over TCP: the prefix skipped by the filter, a TCP header in the capture */
    static const uint8_t a[14] = {0, 12, 0xbe, 0xef, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0};
    Ls__SockEvent ev = LS__SOCK_EVENT__INIT;
    ev.sock = 1;
    ev.ev = LS__SOCK_EVENT__EV__DATA;
    ev.has_protocol = ev.has_stream_off = 1;
    ev.protocol = 6;
    ev.stream_off = 100;
    ev.local_addr = LS_IP4(192, 0, 2, 10);
    ev.local_port = 40001;
    ev.remote_addr = LS_IP4(198, 51, 100, 53);
    ev.remote_port = 53;
    ls_env_setup(&env, LS__KIND__SOCK_EVENT, 2, NULL, 0, a, sizeof a);
    env.sock_event = &ev;
    ck_assert_int_eq(ls_pipe_fault_kind(&env, &k, &proto), 0);
    ck_assert_uint_eq(proto, 6);
    ck_assert(fault_filter_match(&fr, k, proto, a, sizeof a));
    ck_assert_int_eq(ls_pipe_capture_bytes(&env, out, sizeof out), 20 + 20 + 14);
    ck_assert_int_eq(ipv4_parse(out, 54, &ip), IPV4_OK);
    ck_assert_uint_eq(ip.src, LS_IP4(198, 51, 100, 53)); /* up: from the remote end */
    tcp_repr_t t;
    ck_assert_int_eq(tcp_parse(out + 20, 34, ip.src, ip.dst, &t), TCP_PARSE_OK);
    ck_assert_uint_eq(t.seq, 101);
    ck_assert_uint_eq(t.sport, 53);
    ck_assert_uint_eq(t.payload_len, 14);
}
END_TEST

START_TEST(test_capture_bytes_trims_padding_and_skips_non_ip)
{
    uint8_t d[64];
    size_t n = s_dgram(d, 5);
    memset(d + n, 0, 18); /* Ethernet padding to 46 bytes */
    Ls__Envelope env;
    ls_env_setup(&env, LS__KIND__LINK_RX, 1, NULL, 0, d, 46);
    uint8_t out[128];
    ck_assert_int_eq(ls_pipe_capture_bytes(&env, out, sizeof out), 28);
    ck_assert_mem_eq(out, d, 28);
    static const uint8_t arp[28] = {0x00, 0x01, 0x08, 0x00};
    ls_env_setup(&env, LS__KIND__LINK_RX, 1, NULL, 0, arp, sizeof arp);
    ck_assert_int_eq(ls_pipe_capture_bytes(&env, out, sizeof out), -1); /* not IPv4 */
    ls_env_setup(&env, LS__KIND__LINK_RX, 1, NULL, 0, d, 10);
    ck_assert_int_eq(ls_pipe_capture_bytes(&env, out, sizeof out), -1); /* truncated */
    ls_env_setup(&env, LS__KIND__WIRE_FRAME, 1, NULL, 0, d, 28);
    ck_assert_int_eq(ls_pipe_capture_bytes(&env, out, sizeof out), -1); /* wires: the switch's pcap */
}
END_TEST

Suite *pipe_suite(void)
{
    Suite *s = suite_create("pipe");
    TCase *tc = tcase_create("faults");
    tcase_add_test(tc, test_send_side_drop_nth);
    tcase_add_test(tc, test_receive_side_delay_via_timer);
    tcase_add_test(tc, test_corrupt_and_hello_untouched);
    tcase_add_test(tc, test_fault_kind);
    suite_add_tcase(s, tc);
    tc = tcase_create("capture");
    tcase_add_test(tc, test_capture_bytes_net_tx_synthesized);
    tcase_add_test(tc, test_capture_bytes_trims_padding_and_skips_non_ip);
    tcase_add_test(tc, test_sock_fault_kind_and_capture);
    suite_add_tcase(s, tc);
    return s;
}
