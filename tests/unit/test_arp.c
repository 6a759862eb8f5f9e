/*
 * test_arp.c -- ARP (RFC 826) / RARP (RFC 903) codec and tcpdump style
 * summaries (common/wire/arp.c).
 */
#include <check.h>
#include <string.h>
#include "wire/arp.h"
#include "wire/bytes.h"

/* who-has 192.0.2.1 tell 192.0.2.10 (THA zero), followed by Ethernet padding */
static const uint8_t req_bytes[46] = {
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0xc0, 0x00, 0x02, 0x0a,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x01,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
/* 192.0.2.1 is-at 02:00:00:00:00:01, to 02:00:00:00:00:0a / 192.0.2.10 */
static const uint8_t rep_bytes[28] = {
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0xc0, 0x00, 0x02, 0x01,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0xc0, 0x00, 0x02, 0x0a};
/* RARP request (op 3): who-is 02:..:05 tell 02:..:0a, protocol addresses unused */
static const uint8_t rreq_bytes[28] = {
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x03,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00};

static const uint8_t mac_01[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t mac_05[6] = {0x02, 0, 0, 0, 0, 0x05};
static const uint8_t mac_0a[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t mac_zero[6] = {0};

START_TEST(test_parse_request)
{
    arp_repr_t r;
    ck_assert_int_eq(arp_parse(req_bytes, sizeof req_bytes, &r), ARP_OK); /* padding ignored */
    ck_assert_uint_eq(r.op, ARP_OP_REQUEST);
    ck_assert_mem_eq(r.sha, mac_0a, 6);
    ck_assert_uint_eq(r.spa, LS_IP4(192, 0, 2, 10));
    ck_assert_mem_eq(r.tha, mac_zero, 6);
    ck_assert_uint_eq(r.tpa, LS_IP4(192, 0, 2, 1));
    ck_assert_int_eq(arp_is_gratuitous(&r), 0);
}
END_TEST

START_TEST(test_parse_reply_and_rarp)
{
    arp_repr_t r;
    ck_assert_int_eq(arp_parse(rep_bytes, sizeof rep_bytes, &r), ARP_OK);
    ck_assert_uint_eq(r.op, ARP_OP_REPLY);
    ck_assert_mem_eq(r.sha, mac_01, 6);
    ck_assert_uint_eq(r.spa, LS_IP4(192, 0, 2, 1));
    ck_assert_mem_eq(r.tha, mac_0a, 6);
    ck_assert_uint_eq(r.tpa, LS_IP4(192, 0, 2, 10));
    ck_assert_int_eq(arp_parse(rreq_bytes, sizeof rreq_bytes, &r), ARP_OK);
    ck_assert_uint_eq(r.op, ARP_OP_RARP_REQUEST);
    ck_assert_mem_eq(r.tha, mac_05, 6);
    ck_assert_uint_eq(r.spa, 0);
}
END_TEST

START_TEST(test_emit_exact)
{
    uint8_t buf[40];
    memset(buf, 0xcc, sizeof buf);
    arp_repr_t r = {.op = ARP_OP_REQUEST, .spa = LS_IP4(192, 0, 2, 10), .tpa = LS_IP4(192, 0, 2, 1)};
    memcpy(r.sha, mac_0a, 6);
    ck_assert_int_eq(arp_emit(&r, buf, sizeof buf), ARP_LEN);
    ck_assert_mem_eq(buf, req_bytes, 28);
    ck_assert_uint_eq(buf[28], 0xcc);
    arp_repr_t p = {.op = ARP_OP_REPLY, .spa = LS_IP4(192, 0, 2, 1), .tpa = LS_IP4(192, 0, 2, 10)};
    memcpy(p.sha, mac_01, 6);
    memcpy(p.tha, mac_0a, 6);
    ck_assert_int_eq(arp_emit(&p, buf, 28), 28);
    ck_assert_mem_eq(buf, rep_bytes, 28);
    arp_repr_t q = {.op = ARP_OP_RARP_REQUEST};
    memcpy(q.sha, mac_0a, 6);
    memcpy(q.tha, mac_05, 6);
    ck_assert_int_eq(arp_emit(&q, buf, 28), 28);
    ck_assert_mem_eq(buf, rreq_bytes, 28);
    /* round trip */
    arp_repr_t back;
    ck_assert_int_eq(arp_parse(buf, 28, &back), ARP_OK);
    ck_assert_mem_eq(&back.tha, mac_05, 6);
}
END_TEST

START_TEST(test_emit_rejects)
{
    uint8_t buf[28];
    arp_repr_t r = {.op = ARP_OP_REQUEST};
    ck_assert_int_eq(arp_emit(&r, buf, 27), -1);
    ck_assert_int_eq(arp_emit(&r, NULL, 28), -1);
    r.op = 0;
    ck_assert_int_eq(arp_emit(&r, buf, 28), -1);
    r.op = 5;
    ck_assert_int_eq(arp_emit(&r, buf, 28), -1);
}
END_TEST

START_TEST(test_parse_rejects)
{
    arp_repr_t r;
    for (size_t n = 0; n < ARP_LEN; n++)
        ck_assert_int_eq(arp_parse(req_bytes, n, &r), ARP_ERR_TRUNCATED);
    ck_assert_int_eq(arp_parse(NULL, 28, &r), ARP_ERR_TRUNCATED);
    uint8_t b[28];
    memcpy(b, rep_bytes, 28);
    b[1] = 6; /* IEEE 802 htype */
    ck_assert_int_eq(arp_parse(b, 28, &r), ARP_ERR_HTYPE);
    memcpy(b, rep_bytes, 28);
    wr_be16(b + ARP_OFF_PTYPE, 0x86dd);
    ck_assert_int_eq(arp_parse(b, 28, &r), ARP_ERR_PTYPE);
    memcpy(b, rep_bytes, 28);
    b[ARP_OFF_HLEN] = 8;
    ck_assert_int_eq(arp_parse(b, 28, &r), ARP_ERR_LEN);
    memcpy(b, rep_bytes, 28);
    b[ARP_OFF_PLEN] = 16;
    ck_assert_int_eq(arp_parse(b, 28, &r), ARP_ERR_LEN);
    memcpy(b, rep_bytes, 28);
    wr_be16(b + ARP_OFF_OP, 0);
    ck_assert_int_eq(arp_parse(b, 28, &r), ARP_ERR_OP);
    wr_be16(b + ARP_OFF_OP, 8); /* InARP request: not supported */
    ck_assert_int_eq(arp_parse(b, 28, &r), ARP_ERR_OP);
    memset(b, 0xa5, sizeof b); /* garbage */
    ck_assert_int_eq(arp_parse(b, 28, &r), ARP_ERR_HTYPE);
    ck_assert_str_eq(arp_reason_str(ARP_ERR_OP), "bad_op");
    ck_assert_str_eq(arp_reason_str(ARP_ERR_TRUNCATED), "truncated");
    ck_assert_str_eq(arp_reason_str(42), "unknown");
    ck_assert_str_eq(arp_op_str(ARP_OP_RARP_REPLY), "rarp-reply");
}
END_TEST

START_TEST(test_summaries)
{
    char s[128];
    ck_assert_int_eq(arp_summary(req_bytes, 28, s, sizeof s), (int)strlen("Request who-has 192.0.2.1 tell 192.0.2.10"));
    ck_assert_str_eq(s, "Request who-has 192.0.2.1 tell 192.0.2.10");
    arp_summary(rep_bytes, 28, s, sizeof s);
    ck_assert_str_eq(s, "Reply 192.0.2.1 is-at 02:00:00:00:00:01");
    arp_summary(rreq_bytes, 28, s, sizeof s);
    ck_assert_str_eq(s, "Reverse Request who-is 02:00:00:00:00:05 tell 02:00:00:00:00:0a");
    arp_repr_t r = {.op = ARP_OP_RARP_REPLY, .tpa = LS_IP4(192, 0, 2, 5)};
    memcpy(r.sha, mac_01, 6);
    memcpy(r.tha, mac_05, 6);
    arp_repr_summary(&r, s, sizeof s);
    ck_assert_str_eq(s, "Reverse Reply 02:00:00:00:00:05 at 192.0.2.5");
    /* tcpdump shows a non-zero target hardware address in a request */
    r.op = ARP_OP_REQUEST;
    r.spa = LS_IP4(192, 0, 2, 10);
    r.tpa = LS_IP4(192, 0, 2, 1);
    arp_repr_summary(&r, s, sizeof s);
    ck_assert_str_eq(s, "Request who-has 192.0.2.1 (02:00:00:00:00:05) tell 192.0.2.10");
    arp_summary(req_bytes, 20, s, sizeof s);
    ck_assert_str_eq(s, "[|arp]");
    uint8_t b[28];
    memcpy(b, rep_bytes, 28);
    b[1] = 6;
    arp_summary(b, 28, s, sizeof s);
    ck_assert_str_eq(s, "ARP, bad_htype");
    char small[8];
    ck_assert_int_eq(arp_summary(rep_bytes, 28, small, sizeof small), 7);
    ck_assert_str_eq(small, "Reply 1");
    ck_assert_int_eq(arp_summary(rep_bytes, 28, small, 0), -1);
}
END_TEST

START_TEST(test_gratuitous)
{
    /* RFC 5227 announcement: who-has 192.0.2.10 tell 192.0.2.10 */
    arp_repr_t g = {.op = ARP_OP_REQUEST, .spa = LS_IP4(192, 0, 2, 10), .tpa = LS_IP4(192, 0, 2, 10)};
    memcpy(g.sha, mac_0a, 6);
    ck_assert_int_eq(arp_is_gratuitous(&g), 1);
    char s[80];
    arp_repr_summary(&g, s, sizeof s);
    ck_assert_str_eq(s, "Request who-has 192.0.2.10 tell 192.0.2.10");
    g.op = ARP_OP_REPLY;
    ck_assert_int_eq(arp_is_gratuitous(&g), 1);
    g.op = ARP_OP_RARP_REPLY; /* RARP: protocol addresses mean something else */
    ck_assert_int_eq(arp_is_gratuitous(&g), 0);
    g.op = ARP_OP_REQUEST;
    g.tpa = LS_IP4(192, 0, 2, 1);
    ck_assert_int_eq(arp_is_gratuitous(&g), 0);
}
END_TEST

Suite *arp_suite(void)
{
    Suite *s = suite_create("arp");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_parse_request);
    tcase_add_test(tc, test_parse_reply_and_rarp);
    tcase_add_test(tc, test_emit_exact);
    tcase_add_test(tc, test_emit_rejects);
    tcase_add_test(tc, test_parse_rejects);
    tcase_add_test(tc, test_summaries);
    tcase_add_test(tc, test_gratuitous);
    suite_add_tcase(s, tc);
    return s;
}
