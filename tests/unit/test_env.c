/*
 * test_env.c -- envelope validation (bad version, truncated, garbage,
 * inconsistent) and per-pipe sequence-gap counting.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/env.h"

static size_t s_pack_link_tx(uint8_t *buf, uint32_t version, int with_prim, int with_pdu)
{
    Ls__Envelope e = LS__ENVELOPE__INIT;
    Ls__LinkTx tx = LS__LINK_TX__INIT;
    static const uint8_t dgram[20] = {0x45};
    e.version = version;
    e.pdu_id = ls_pdu_id_make(0xabcd, 7);
    e.layer = LS__LAYER__NET;
    e.dir = LS__DIRECTION__DOWN;
    e.seq = 1;
    e.ts_ns = 123;
    e.kind = LS__KIND__LINK_TX;
    if (with_pdu) {
        e.has_pdu = 1;
        e.pdu.data = (uint8_t *)dgram;
        e.pdu.len = sizeof dgram;
    }
    tx.ifname = "eth0";
    tx.next_hop = 0xc0000201;
    tx.ethertype = 0x0800;
    if (with_prim)
        e.link_tx = &tx;
    return ls__envelope__pack(&e, buf);
}

START_TEST(test_valid_roundtrip)
{
    uint8_t buf[256];
    size_t n = s_pack_link_tx(buf, LS__VERSION__CONTRACT_VERSION, 1, 1);
    Ls__Envelope *e = NULL;
    ck_assert_int_eq(ls_env_unpack(buf, n, &e), LS_ENV_OK);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->link_tx->ifname, "eth0");
    ck_assert_uint_eq(e->link_tx->next_hop, 0xc0000201);
    ck_assert_uint_eq(e->pdu.len, 20);
    ck_assert_uint_eq(e->pdu_id >> 32, 0xabcd);
    ls_env_free(&e);
    ck_assert_ptr_null(e);
}
END_TEST

START_TEST(test_bad_version)
{
    uint8_t buf[256];
    size_t n = s_pack_link_tx(buf, 99, 1, 1);
    Ls__Envelope *e = NULL;
    ck_assert_int_eq(ls_env_unpack(buf, n, &e), LS_ENV_ERR_VERSION);
    ck_assert_ptr_null(e);
    ck_assert_str_eq(ls_env_reason_counter(LS_ENV_ERR_VERSION), "pipe.drop.version");
}
END_TEST

START_TEST(test_truncated_and_garbage)
{
    uint8_t buf[256];
    size_t n = s_pack_link_tx(buf, LS__VERSION__CONTRACT_VERSION, 1, 1);
    Ls__Envelope *e = NULL;
    for (size_t cut = 1; cut < n; cut++) {
        ls_env_reason_t r = ls_env_unpack(buf, n - cut, &e);
        ck_assert_int_ne(r, LS_ENV_OK);
        ck_assert_ptr_null(e);
    }
    uint8_t junk[64];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(0xff - i * 7);
    ck_assert_int_ne(ls_env_unpack(junk, sizeof junk, &e), LS_ENV_OK);
    ck_assert_int_ne(ls_env_unpack(junk, 0, &e), LS_ENV_OK);
}
END_TEST

START_TEST(test_inconsistent)
{
    uint8_t buf[256];
    Ls__Envelope *e = NULL;
    size_t n = s_pack_link_tx(buf, LS__VERSION__CONTRACT_VERSION, 0, 1);
    ck_assert_int_eq(ls_env_unpack(buf, n, &e), LS_ENV_ERR_KIND);
    n = s_pack_link_tx(buf, LS__VERSION__CONTRACT_VERSION, 1, 0);
    ck_assert_int_eq(ls_env_unpack(buf, n, &e), LS_ENV_ERR_PDU);
    /* LINK_RX with a 5-byte MAC */
    Ls__Envelope env = LS__ENVELOPE__INIT;
    Ls__LinkRx rx = LS__LINK_RX__INIT;
    uint8_t mac5[5] = {0}, mac6[6] = {0}, pdu[4] = {1, 2, 3, 4};
    env.version = LS__VERSION__CONTRACT_VERSION;
    env.layer = LS__LAYER__LINK;
    env.dir = LS__DIRECTION__UP;
    env.kind = LS__KIND__LINK_RX;
    env.has_pdu = 1;
    env.pdu = (ProtobufCBinaryData){4, pdu};
    rx.ifname = "eth0";
    rx.src_mac = (ProtobufCBinaryData){5, mac5};
    rx.dst_mac = (ProtobufCBinaryData){6, mac6};
    env.link_rx = &rx;
    n = ls__envelope__pack(&env, buf);
    ck_assert_int_eq(ls_env_unpack(buf, n, &e), LS_ENV_ERR_FIELD);
    /* direction none */
    rx.src_mac.len = 6;
    rx.src_mac.data = mac6;
    env.dir = LS__DIRECTION__DIR_NONE;
    n = ls__envelope__pack(&env, buf);
    ck_assert_int_eq(ls_env_unpack(buf, n, &e), LS_ENV_ERR_LAYER);
    ck_assert_ptr_null(e);
}
END_TEST

/* pack env (a SockOp or SockEvent envelope) and validate it again */
static ls_env_reason_t s_check_packed(Ls__Envelope *env)
{
    uint8_t buf[512];
    size_t n = ls__envelope__pack(env, buf);
    Ls__Envelope *e = NULL;
    ls_env_reason_t r = ls_env_unpack(buf, n, &e);
    ls_env_free(&e);
    return r;
}

START_TEST(test_sock_primitives)
{
    Ls__Envelope env = LS__ENVELOPE__INIT;
    Ls__SockOp op = LS__SOCK_OP__INIT;
    uint8_t msg[12] = {0x12, 0x34};
    env.version = LS__VERSION__CONTRACT_VERSION;
    env.layer = LS__LAYER__DNS;
    env.dir = LS__DIRECTION__DOWN;
    env.kind = LS__KIND__SOCK_OP;
    ck_assert_int_eq(s_check_packed(&env), LS_ENV_ERR_KIND); /* no SockOp */
    env.sock_op = &op;
    op.sock = 3;
    op.op = LS__SOCK_OP__OP__OPEN;
    ck_assert_int_eq(s_check_packed(&env), LS_ENV_ERR_FIELD); /* OPEN needs protocol 17 */
    op.has_protocol = 1;
    op.protocol = 6;
    ck_assert_int_eq(s_check_packed(&env), LS_ENV_ERR_FIELD);
    op.protocol = 17;
    ck_assert_int_eq(s_check_packed(&env), LS_ENV_OK); /* no pdu needed */
    op.has_local_port = 1;
    op.local_port = 70000;
    ck_assert_int_eq(s_check_packed(&env), LS_ENV_ERR_FIELD);
    op.local_port = 53;
    op.op = LS__SOCK_OP__OP__CONNECT; /* TCP, and a destination */
    op.protocol = 6;
    ck_assert_int_eq(s_check_packed(&env), LS_ENV_ERR_FIELD);
    op.has_remote_addr = op.has_remote_port = 1;
    op.remote_addr = 0xc6336435;
    op.remote_port = 53;
    ck_assert_int_eq(s_check_packed(&env), LS_ENV_OK);
    op.op = LS__SOCK_OP__OP__SEND;
    ck_assert_int_eq(s_check_packed(&env), LS_ENV_ERR_PDU); /* a SEND carries bytes */
    env.has_pdu = 1;
    env.pdu = (ProtobufCBinaryData){sizeof msg, msg};
    ck_assert_int_eq(s_check_packed(&env), LS_ENV_OK);
    op.op = (Ls__SockOp__Op)9;
    ck_assert_int_eq(s_check_packed(&env), LS_ENV_ERR_FIELD);
    /* events: DATA needs bytes, others not; unknown events rejected */
    Ls__Envelope up = LS__ENVELOPE__INIT;
    Ls__SockEvent ev = LS__SOCK_EVENT__INIT;
    up.version = LS__VERSION__CONTRACT_VERSION;
    up.layer = LS__LAYER__TRANSPORT;
    up.dir = LS__DIRECTION__UP;
    up.kind = LS__KIND__SOCK_EVENT;
    up.sock_event = &ev;
    ev.sock = 3;
    ev.ev = LS__SOCK_EVENT__EV__DATA;
    ck_assert_int_eq(s_check_packed(&up), LS_ENV_ERR_PDU);
    ev.ev = LS__SOCK_EVENT__EV__OPENED;
    ck_assert_int_eq(s_check_packed(&up), LS_ENV_OK);
    ev.ev = LS__SOCK_EVENT__EV__EV_NONE;
    ck_assert_int_eq(s_check_packed(&up), LS_ENV_ERR_FIELD);
    ck_assert_str_eq(ls_layer_str(LS__LAYER__DNS), "dns");
}
END_TEST

START_TEST(test_seq_gaps)
{
    ls_seq_t t = {0};
    ck_assert_uint_eq(ls_seq_track(&t, 5), 0); /* first seen: no baseline */
    ck_assert_uint_eq(ls_seq_track(&t, 6), 0);
    ck_assert_uint_eq(ls_seq_track(&t, 9), 2);   /* 7, 8 missing */
    ck_assert_uint_eq(ls_seq_track(&t, 8), 0);   /* late */
    ck_assert_uint_eq(t.reordered, 1);
    ck_assert_uint_eq(ls_seq_track(&t, 1), 0);   /* peer restarted */
    ck_assert_uint_eq(t.restarts, 1);
    ck_assert_uint_eq(ls_seq_track(&t, 2), 0);
    ck_assert_uint_eq(ls_seq_track(&t, 4), 1);
    ck_assert_uint_eq(t.gaps, 3);
    ck_assert_uint_eq(t.last, 4);
}
END_TEST

Suite *env_suite(void)
{
    Suite *s = suite_create("env");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_valid_roundtrip);
    tcase_add_test(tc, test_bad_version);
    tcase_add_test(tc, test_truncated_and_garbage);
    tcase_add_test(tc, test_inconsistent);
    tcase_add_test(tc, test_seq_gaps);
    tcase_add_test(tc, test_sock_primitives);
    suite_add_tcase(s, tc);
    return s;
}
