/*
 * dns_cases.c -- helpers shared by the files of the dns check suite
 * (test_dns.c, dns_cases_*.c): the heap messages, message equality, the
 * header writer, and the two hand-built messages most cases start from.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "wire/dns.h"
#include "dns_cases.h"

dns_msg_t *dns_t_m, *dns_t_m2;

void dns_cases_setup(void)
{
    dns_t_m = calloc(1, sizeof *dns_t_m);
    dns_t_m2 = calloc(1, sizeof *dns_t_m2);
    ck_assert(dns_t_m && dns_t_m2);
}

void dns_cases_teardown(void)
{
    free(dns_t_m);
    free(dns_t_m2);
    dns_t_m = dns_t_m2 = NULL;
}

static bool s_rr_eq(const dns_msg_t *a, const dns_rr_t *x, const dns_msg_t *b, const dns_rr_t *y)
{
    return x->name.len == y->name.len && memcmp(x->name.wire, y->name.wire, x->name.len) == 0 &&
           x->type == y->type && x->rclass == y->rclass && x->ttl == y->ttl && x->rdlen == y->rdlen &&
           memcmp(dns_rr_rdata(a, x), dns_rr_rdata(b, y), x->rdlen) == 0;
}

bool dns_cases_msg_eq(const dns_msg_t *a, const dns_msg_t *b)
{
    if (a->id != b->id || a->qr != b->qr || a->aa != b->aa || a->tc != b->tc || a->rd != b->rd ||
        a->ra != b->ra || a->ad != b->ad || a->cd != b->cd || a->opcode != b->opcode || a->rcode != b->rcode ||
        a->qdcount != b->qdcount || a->edns != b->edns)
        return false;
    for (int s = 0; s < DNS_SEC_COUNT; s++)
        if (a->count[s] != b->count[s])
            return false;
    for (size_t i = 0; i < a->qdcount; i++)
        if (a->qd[i].name.len != b->qd[i].name.len ||
            memcmp(a->qd[i].name.wire, b->qd[i].name.wire, a->qd[i].name.len) != 0 ||
            a->qd[i].qtype != b->qd[i].qtype || a->qd[i].qclass != b->qd[i].qclass)
            return false;
    for (size_t i = 0; i < a->count[0] + a->count[1] + a->count[2]; i++)
        if (!s_rr_eq(a, &a->rr[i], b, &b->rr[i]))
            return false;
    return !a->edns || (a->edns_udp_size == b->edns_udp_size && a->edns_version == b->edns_version &&
                        a->edns_do == b->edns_do && a->edns_optlen == b->edns_optlen &&
                        memcmp(a->edns_opts, b->edns_opts, a->edns_optlen) == 0);
}

dns_name_t dns_cases_name(const char *text)
{
    dns_name_t n;
    ck_assert_int_eq(dns_name_from_text(text, NULL, &n), DNS_OK);
    return n;
}

/* 12-byte header (RFC 1035 4.1.1) */
void dns_cases_hdr(uint8_t *b, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
    wr_be16(b + DNS_OFF_ID, id);
    wr_be16(b + DNS_OFF_FLAGS, flags);
    wr_be16(b + DNS_OFF_QDCOUNT, qd);
    wr_be16(b + DNS_OFF_ANCOUNT, an);
    wr_be16(b + DNS_OFF_NSCOUNT, ns);
    wr_be16(b + DNS_OFF_ARCOUNT, ar);
}

/* parse -> emit must give back exactly these bytes */
void dns_cases_reemit_exact(const uint8_t *b, size_t len)
{
    uint8_t out[2048];
    ck_assert_int_eq(dns_parse(b, len, dns_t_m2), DNS_OK);
    ck_assert_int_eq(dns_emit(dns_t_m2, out, sizeof out, 0, NULL), (int)len);
    ck_assert_mem_eq(out, b, len);
}

/* dig-style query: www.example.test. A, RD, EDNS(0) UDP 1232 */
const uint8_t dns_cases_q_www[45] = {
    0x1e, 0x41,                                     /* ID 7745 */
    0x01, 0x00,                                     /* QR=0 opcode 0, RD */
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* QD 1, AN 0, NS 0, AR 1 */
    /* 12: QNAME www.example.test. */
    0x03, 'w', 'w', 'w', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x04, 't', 'e', 's', 't', 0x00,
    0x00, 0x01, 0x00, 0x01, /* 30: QTYPE A, QCLASS IN */
    /* 34: OPT: owner root, TYPE 41, CLASS 1232 (UDP size), TTL 0 (ext-rcode, version, DO), RDLEN 0 */
    0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* its answer: AA, no RA; the owner is a pointer to the question (0xc00c) */
const uint8_t dns_cases_r_www[61] = {
    0x1e, 0x41, 0x85, 0x00,                         /* ID 7745; QR AA RD, rcode 0 */
    0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, /* QD 1, AN 1, NS 0, AR 1 */
    0x03, 'w', 'w', 'w', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x04, 't', 'e', 's', 't', 0x00,
    0x00, 0x01, 0x00, 0x01,
    /* 34: answer: owner -> 12, A IN, TTL 300, RDLEN 4, 198.51.100.10 */
    0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 0xc6, 0x33, 0x64, 0x0a,
    /* 50: OPT UDP 1232 */
    0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

