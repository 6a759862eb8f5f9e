/*
 * test_dns.c -- the DNS codec (common/wire/dns.c): decode known bytes and encode
 * exact bytes (compression pointers at the right offsets), every rejection
 * with its exact reason, RDATA checks per type, EDNS(0), the builders, UDP
 * truncation, and the 14-bit pointer limit. The rejections are in
 * dns_cases_reject.c, names and presentation in dns_cases_text.c, the
 * messages captured from BIND's dig in dns_cases_bind.c; together they
 * make up the one "dns" suite.
 */
#include <check.h>
#include <string.h>

#include "wire/bytes.h"
#include "wire/dns.h"
#include "dns_cases.h"

#define N(text) dns_cases_name(text)

static int s_parse(const uint8_t *b, size_t len) { return dns_parse(b, len, dns_t_m); }

/* ------------------------------------------------------------ known bytes */

/* a referral: NS for lab.example.test. in authority, glue A in additional */
static const uint8_t r_referral[71] = {
    0x30, 0x39, 0x81, 0x00,                         /* ID 12345; QR RD */
    0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, /* QD 1, AN 0, NS 1, AR 1 */
    /* 12: www.lab.example.test. ("lab" at 16) */
    0x03, 'w', 'w', 'w', 0x03, 'l', 'a', 'b', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x04, 't', 'e', 's', 't',
    0x00, 0x00, 0x01, 0x00, 0x01, /* 34: A IN */
    /* 38: lab.example.test. (-> 16) NS IN 300, RDLEN 5: "ns" + pointer -> 16 (RDATA at 50) */
    0xc0, 0x10, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x05, 0x02, 'n', 's', 0xc0, 0x10,
    /* 55: ns.lab.example.test. (-> 50) A IN 300 198.51.100.10 */
    0xc0, 0x32, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 0xc6, 0x33, 0x64, 0x0a,
};

/* example.test. MX: 10 mail.example.test., the exchange compressed */
static const uint8_t r_mx[51] = {
    0x00, 0x02, 0x84, 0x00,                         /* ID 2; QR AA */
    0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, /* QD 1, AN 1 */
    0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x04, 't', 'e', 's', 't', 0x00, /* 12: example.test. */
    0x00, 0x0f, 0x00, 0x01,                                                  /* 26: MX IN */
    /* 30: -> 12, MX IN, TTL 3600, RDLEN 9: pref 10, "mail" + pointer -> 12 */
    0xc0, 0x0c, 0x00, 0x0f, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x09, 0x00, 0x0a, 0x04, 'm', 'a', 'i',
    'l', 0xc0, 0x0c,
};

/* example.test. SOA: both names compressed */
static const uint8_t r_soa[81] = {
    0x00, 0x03, 0x84, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x04, 't', 'e', 's', 't', 0x00, /* 12 */
    0x00, 0x06, 0x00, 0x01,                                                  /* 26: SOA IN */
    /* 30: -> 12, SOA IN, TTL 300, RDLEN 39 */
    0xc0, 0x0c, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x27,
    0x03, 'n', 's', '1', 0xc0, 0x0c,                                         /* 42: MNAME ns1 -> 12 */
    0x0a, 'h', 'o', 's', 't', 'm', 'a', 's', 't', 'e', 'r', 0xc0, 0x0c,      /* 48: RNAME */
    0x78, 0xc4, 0x24, 0x09, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x00, 0x03, 0x84,  /* 61: serial 2026120201, */
    0x00, 0x09, 0x3a, 0x80, 0x00, 0x00, 0x00, 0x1e,                          /* 3600 900 604800 30 */
};

START_TEST(test_decode_query)
{
    dns_msg_t *m = dns_t_m;
    ck_assert_int_eq(s_parse(dns_cases_q_www, sizeof dns_cases_q_www), DNS_OK);
    ck_assert_uint_eq(m->id, 7745);
    ck_assert(!m->qr && m->rd && !m->aa && !m->tc && !m->ra && !m->ad && !m->cd);
    ck_assert_uint_eq(m->opcode, DNS_OP_QUERY);
    ck_assert_uint_eq(m->rcode, 0);
    ck_assert_uint_eq(m->qdcount, 1);
    dns_name_t www = N("www.example.test.");
    ck_assert(dns_name_eq(&m->qd[0].name, &www));
    ck_assert_uint_eq(m->qd[0].name.len, 18);
    ck_assert_uint_eq(m->qd[0].qtype, DNS_T_A);
    ck_assert_uint_eq(m->qd[0].qclass, DNS_C_IN);
    /* the OPT record is lifted out: not in rr[], not counted */
    ck_assert_uint_eq(m->count[DNS_SEC_ANSWER] + m->count[DNS_SEC_AUTHORITY] + m->count[DNS_SEC_ADDITIONAL], 0);
    ck_assert(m->edns);
    ck_assert_uint_eq(m->edns_udp_size, 1232);
    ck_assert_uint_eq(m->edns_version, 0);
    ck_assert(!m->edns_do);
    ck_assert_uint_eq(m->edns_optlen, 0);
    /* trailing bytes after the last record are ignored */
    uint8_t pad[64] = {0};
    memcpy(pad, dns_cases_q_www, sizeof dns_cases_q_www);
    ck_assert_int_eq(s_parse(pad, sizeof pad), DNS_OK);
    ck_assert_uint_eq(m->qdcount, 1);
}
END_TEST

START_TEST(test_encode_query)
{
    dns_name_t www = N("www.example.test");
    dns_msg_init_query(dns_t_m, 7745, &www, DNS_T_A, true);
    dns_msg_set_edns(dns_t_m, DNS_EDNS_SIZE);
    uint8_t out[512];
    bool tc = true;
    ck_assert_int_eq(dns_emit(dns_t_m, out, sizeof out, DNS_UDP_MAX, &tc), (int)sizeof dns_cases_q_www);
    ck_assert(!tc);
    ck_assert_mem_eq(out, dns_cases_q_www, sizeof dns_cases_q_www);
    /* -1 when it does not fit cap */
    ck_assert_int_eq(dns_emit(dns_t_m, out, sizeof dns_cases_q_www - 1, 0, NULL), -1);
    ck_assert_int_eq(dns_emit(dns_t_m, out, sizeof dns_cases_q_www, 0, NULL), (int)sizeof dns_cases_q_www);
}
END_TEST

START_TEST(test_decode_response)
{
    dns_msg_t *m = dns_t_m;
    ck_assert_int_eq(s_parse(dns_cases_r_www, sizeof dns_cases_r_www), DNS_OK);
    ck_assert_uint_eq(m->id, 7745);
    ck_assert(m->qr && m->aa && m->rd && !m->ra && !m->tc);
    ck_assert_uint_eq(m->count[DNS_SEC_ANSWER], 1);
    ck_assert_uint_eq(m->count[DNS_SEC_AUTHORITY], 0);
    ck_assert_uint_eq(m->count[DNS_SEC_ADDITIONAL], 0);
    const dns_rr_t *an = dns_msg_section_c(m, DNS_SEC_ANSWER);
    /* the pointer is expanded: the owner is the full name */
    ck_assert_uint_eq(an->name.len, 18);
    ck_assert_mem_eq(an->name.wire, dns_cases_q_www + 12, 18);
    ck_assert_uint_eq(an->type, DNS_T_A);
    ck_assert_uint_eq(an->rclass, DNS_C_IN);
    ck_assert_uint_eq(an->ttl, 300);
    uint32_t a;
    ck_assert_int_eq(dns_rdata_a(dns_rr_rdata(m, an), an->rdlen, &a), 0);
    ck_assert_uint_eq(a, LS_IP4(198, 51, 100, 10));
    ck_assert(m->edns);
    ck_assert_uint_eq(m->edns_udp_size, 1232);
}
END_TEST

START_TEST(test_encode_response)
{
    dns_name_t www = N("www.example.test.");
    dns_msg_init_query(dns_t_m2, 7745, &www, DNS_T_A, true);
    dns_msg_init_response(dns_t_m, dns_t_m2);
    dns_t_m->aa = true;
    const uint8_t addr[4] = {198, 51, 100, 10};
    ck_assert_int_eq(dns_msg_add(dns_t_m, DNS_SEC_ANSWER, &www, DNS_T_A, DNS_C_IN, 300, addr, 4), 0);
    dns_msg_set_edns(dns_t_m, 1232);
    uint8_t out[512];
    ck_assert_int_eq(dns_emit(dns_t_m, out, sizeof out, 512, NULL), (int)sizeof dns_cases_r_www);
    ck_assert_mem_eq(out, dns_cases_r_www, sizeof dns_cases_r_www);
    ck_assert_uint_eq(rd_be16(out + 34), 0xc00c); /* the owner compressed to the question */
    dns_cases_reemit_exact(dns_cases_r_www, sizeof dns_cases_r_www);
}
END_TEST

START_TEST(test_referral)
{
    dns_msg_t *m = dns_t_m;
    ck_assert_int_eq(s_parse(r_referral, sizeof r_referral), DNS_OK);
    ck_assert(m->qr && !m->aa && m->rd);
    ck_assert_uint_eq(m->count[DNS_SEC_ANSWER], 0);
    ck_assert_uint_eq(m->count[DNS_SEC_AUTHORITY], 1);
    ck_assert_uint_eq(m->count[DNS_SEC_ADDITIONAL], 1);
    ck_assert(!m->edns);
    const dns_rr_t *ns = dns_msg_section_c(m, DNS_SEC_AUTHORITY);
    const dns_rr_t *glue = dns_msg_section_c(m, DNS_SEC_ADDITIONAL);
    ck_assert_ptr_eq(ns, &m->rr[0]);
    ck_assert_ptr_eq(glue, &m->rr[1]);
    dns_name_t lab = N("lab.example.test."), nslab = N("ns.lab.example.test."), target;
    ck_assert(dns_name_eq(&ns->name, &lab));
    ck_assert_uint_eq(ns->type, DNS_T_NS);
    /* RDATA "ns" + pointer comes out expanded */
    ck_assert_uint_eq(ns->rdlen, nslab.len);
    ck_assert_int_eq(dns_rdata_name(dns_rr_rdata(m, ns), ns->rdlen, &target), 0);
    ck_assert(dns_name_eq(&target, &nslab));
    ck_assert(dns_name_eq(&glue->name, &nslab));
    ck_assert_uint_eq(glue->type, DNS_T_A);
    /* built from scratch it encodes to the same bytes: pointers at 38, 53, 55 */
    dns_name_t q = N("www.lab.example.test.");
    dns_msg_init_query(dns_t_m2, 12345, &q, DNS_T_A, true);
    dns_msg_init_response(dns_t_m2, dns_t_m2); /* in place */
    uint8_t rd[DNS_NAME_MAX];
    int n = dns_rdata_put_name(&nslab, rd, sizeof rd);
    ck_assert_int_eq(n, nslab.len);
    ck_assert_int_eq(dns_msg_add(dns_t_m2, DNS_SEC_AUTHORITY, &lab, DNS_T_NS, DNS_C_IN, 300, rd, (uint16_t)n), 0);
    ck_assert_int_eq(dns_msg_add(dns_t_m2, DNS_SEC_ADDITIONAL, &nslab, DNS_T_A, DNS_C_IN, 300,
                                 (const uint8_t[]){198, 51, 100, 10}, 4), 0);
    uint8_t out[512];
    ck_assert_int_eq(dns_emit(dns_t_m2, out, sizeof out, 0, NULL), (int)sizeof r_referral);
    ck_assert_mem_eq(out, r_referral, sizeof r_referral);
    ck_assert_uint_eq(rd_be16(out + 53), 0xc010);
    ck_assert_uint_eq(rd_be16(out + 55), 0xc032);
}
END_TEST

START_TEST(test_mx_compressed)
{
    dns_msg_t *m = dns_t_m;
    ck_assert_int_eq(s_parse(r_mx, sizeof r_mx), DNS_OK);
    const dns_rr_t *an = dns_msg_section_c(m, DNS_SEC_ANSWER);
    ck_assert_uint_eq(an->type, DNS_T_MX);
    ck_assert_uint_eq(an->ttl, 3600);
    ck_assert_uint_eq(an->rdlen, 2 + 19); /* pref + mail.example.test. uncompressed */
    uint16_t pref;
    dns_name_t ex, mail = N("mail.example.test.");
    ck_assert_int_eq(dns_rdata_mx(dns_rr_rdata(m, an), an->rdlen, &pref, &ex), 0);
    ck_assert_uint_eq(pref, 10);
    ck_assert(dns_name_eq(&ex, &mail));
    dns_cases_reemit_exact(r_mx, sizeof r_mx);
}
END_TEST

START_TEST(test_soa_compressed)
{
    dns_msg_t *m = dns_t_m;
    ck_assert_int_eq(s_parse(r_soa, sizeof r_soa), DNS_OK);
    const dns_rr_t *an = dns_msg_section_c(m, DNS_SEC_ANSWER);
    ck_assert_uint_eq(an->type, DNS_T_SOA);
    dns_soa_t soa;
    ck_assert_int_eq(dns_rdata_soa(dns_rr_rdata(m, an), an->rdlen, &soa), 0);
    dns_name_t ns1 = N("ns1.example.test."), hm = N("hostmaster.example.test.");
    ck_assert(dns_name_eq(&soa.mname, &ns1));
    ck_assert(dns_name_eq(&soa.rname, &hm));
    ck_assert_uint_eq(soa.serial, 2026120201u);
    ck_assert_uint_eq(soa.refresh, 3600);
    ck_assert_uint_eq(soa.retry, 900);
    ck_assert_uint_eq(soa.expire, 604800);
    ck_assert_uint_eq(soa.minimum, 30);
    ck_assert_uint_eq(an->rdlen, ns1.len + hm.len + 20);
    dns_cases_reemit_exact(r_soa, sizeof r_soa);
    /* put_soa builds the same uncompressed RDATA */
    uint8_t rd[600];
    ck_assert_int_eq(dns_rdata_put_soa(&soa, rd, sizeof rd), an->rdlen);
    ck_assert_mem_eq(rd, dns_rr_rdata(m, an), an->rdlen);
    ck_assert_int_eq(dns_rdata_put_soa(&soa, rd, an->rdlen - 1u), -1);
}
END_TEST

START_TEST(test_edns_fields)
{
    /* response with BADVERS (ext-rcode 1 -> 16), version 0, DO, a COOKIE option */
    uint8_t b[12 + 11 + 12];
    dns_cases_hdr(b, 0x4242, 0x8000, 0, 0, 0, 1);
    const uint8_t opt[] = {0x00, 0x00, 0x29, 0x10, 0x00, /* root, OPT, UDP 4096 */
                           0x01, 0x00, 0x80, 0x00,       /* ext-rcode 1, version 0, DO */
                           0x00, 0x0c,                   /* RDLEN 12 */
                           0x00, 0x0a, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8}; /* COOKIE, 8 bytes */
    memcpy(b + 12, opt, sizeof opt);
    dns_msg_t *m = dns_t_m;
    ck_assert_int_eq(s_parse(b, sizeof b), DNS_OK);
    ck_assert(m->edns);
    ck_assert_uint_eq(m->rcode, DNS_RCODE_BADVERS);
    ck_assert_uint_eq(m->edns_udp_size, 4096);
    ck_assert_uint_eq(m->edns_version, 0);
    ck_assert(m->edns_do);
    ck_assert_uint_eq(m->edns_optlen, 12);
    ck_assert_mem_eq(m->edns_opts, opt + 11, 12);
    dns_cases_reemit_exact(b, sizeof b);
    /* without EDNS only the low 4 bits of the rcode can be sent */
    m->edns = false;
    uint8_t out[64];
    ck_assert_int_eq(dns_emit(m, out, sizeof out, 0, NULL), 12);
    ck_assert_uint_eq(rd_be16(out + DNS_OFF_FLAGS) & 0xf, 0);
    ck_assert_uint_eq(rd_be16(out + DNS_OFF_ARCOUNT), 0);
}
END_TEST

START_TEST(test_parse_header)
{
    dns_msg_t *m = dns_t_m;
    ck_assert_int_eq(dns_parse_header(r_referral, 12, m), DNS_OK);
    ck_assert_uint_eq(m->id, 12345);
    ck_assert(m->qr && m->rd);
    ck_assert_uint_eq(m->qdcount, 1);
    ck_assert_uint_eq(m->count[DNS_SEC_AUTHORITY], 1);
    ck_assert_uint_eq(m->count[DNS_SEC_ADDITIONAL], 1);
    ck_assert_int_eq(dns_parse_header(r_referral, 11, m), DNS_ERR_TRUNC_HEADER);
    ck_assert_int_eq(dns_parse_header(NULL, 0, m), DNS_ERR_TRUNC_HEADER);
}
END_TEST

/* ------------------------------------------------------------ building, truncation */

START_TEST(test_builders)
{
    dns_msg_t *m = dns_t_m;
    dns_name_t q = N("example.test."), ns1 = N("ns1.example.test.");
    dns_msg_init_query(dns_t_m2, 99, &q, DNS_T_NS, false);
    dns_t_m2->cd = true;
    dns_msg_set_edns(dns_t_m2, 4096);
    dns_msg_init_response(m, dns_t_m2);
    ck_assert(m->qr && !m->rd && !m->edns);
    ck_assert_uint_eq(m->id, 99);
    ck_assert_uint_eq(m->qdcount, 1);
    ck_assert(dns_name_eq(&m->qd[0].name, &q));
    ck_assert_uint_eq(m->qd[0].qtype, DNS_T_NS);
    const uint8_t a[4] = {203, 0, 113, 30};
    uint8_t rd[DNS_NAME_MAX];
    int n = dns_rdata_put_name(&ns1, rd, sizeof rd);
    ck_assert_int_eq(dns_rdata_put_name(&ns1, rd, 3), -1);
    ck_assert_int_eq(dns_msg_add(m, DNS_SEC_ANSWER, &q, DNS_T_NS, DNS_C_IN, 300, rd, (uint16_t)n), 0);
    ck_assert_int_eq(dns_msg_add(m, DNS_SEC_ADDITIONAL, &ns1, DNS_T_A, DNS_C_IN, 300, a, 4), 0);
    /* sections are filled in order */
    ck_assert_int_eq(dns_msg_add(m, DNS_SEC_AUTHORITY, &q, DNS_T_NS, DNS_C_IN, 300, rd, (uint16_t)n), -1);
    ck_assert_int_eq(dns_msg_add(m, DNS_SEC_ANSWER, &q, DNS_T_NS, DNS_C_IN, 300, rd, (uint16_t)n), -1);
    ck_assert_int_eq(dns_msg_add(m, DNS_SEC_COUNT, &q, DNS_T_NS, DNS_C_IN, 300, rd, (uint16_t)n), -1);
    ck_assert_ptr_eq(dns_msg_section(m, DNS_SEC_ADDITIONAL), &m->rr[1]);
    ck_assert_ptr_eq(dns_msg_section(m, DNS_SEC_AUTHORITY), &m->rr[1]);
    ck_assert_uint_eq(m->rdused, (uint32_t)n + 4);
    uint8_t out[512];
    int len = dns_emit(m, out, sizeof out, 0, NULL);
    ck_assert_int_gt(len, 0);
    ck_assert_int_eq(dns_parse(out, (size_t)len, dns_t_m2), DNS_OK);
    ck_assert(dns_cases_msg_eq(m, dns_t_m2));
    /* full at DNS_MSG_MAX_RR */
    while (m->count[DNS_SEC_ADDITIONAL] + 1 < DNS_MSG_MAX_RR)
        ck_assert_int_eq(dns_msg_add(m, DNS_SEC_ADDITIONAL, &ns1, DNS_T_A, DNS_C_IN, 300, a, 4), 0);
    ck_assert_int_eq(dns_msg_add(m, DNS_SEC_ADDITIONAL, &ns1, DNS_T_A, DNS_C_IN, 300, a, 4), -1);
}
END_TEST

/* A response to many.example.test. A with 100 A records 198.51.100.100..199 */
static void s_many(dns_msg_t *m, bool edns)
{
    dns_name_t many = N("many.example.test.");
    dns_msg_init_query(dns_t_m2, 0xbeef, &many, DNS_T_A, true);
    dns_msg_init_response(m, dns_t_m2);
    m->aa = true;
    for (int i = 0; i < 100; i++) {
        const uint8_t a[4] = {198, 51, 100, (uint8_t)(100 + i)};
        ck_assert_int_eq(dns_msg_add(m, DNS_SEC_ANSWER, &many, DNS_T_A, DNS_C_IN, 300, a, 4), 0);
    }
    if (edns)
        dns_msg_set_edns(m, DNS_EDNS_SIZE);
}

START_TEST(test_truncate)
{
    static uint8_t out[4096];
    bool tc = false;
    dns_msg_t *m = dns_t_m;
    s_many(m, false);
    /* 12 + 23 + 100 * 16 = 1635 in full */
    ck_assert_int_eq(dns_emit(m, out, sizeof out, 0, &tc), 1635);
    ck_assert(!tc);
    ck_assert_int_eq(dns_emit(m, out, sizeof out, 4096, &tc), 1635);
    ck_assert(!tc);
    /* RFC 1035 4.2.1: over 512 -> header + question with TC=1 */
    int n = dns_emit(m, out, sizeof out, DNS_UDP_MAX, &tc);
    ck_assert_int_eq(n, 35);
    ck_assert(tc);
    ck_assert_uint_eq(rd_be16(out + DNS_OFF_FLAGS) & DNS_FLAG_TC, DNS_FLAG_TC);
    ck_assert_uint_eq(rd_be16(out + DNS_OFF_ANCOUNT), 0);
    ck_assert_uint_eq(rd_be16(out + DNS_OFF_NSCOUNT), 0);
    ck_assert_uint_eq(rd_be16(out + DNS_OFF_ARCOUNT), 0);
    ck_assert_int_eq(dns_parse(out, (size_t)n, dns_t_m2), DNS_OK);
    ck_assert(dns_t_m2->tc && dns_t_m2->qr && dns_t_m2->aa);
    ck_assert_uint_eq(dns_t_m2->qdcount, 1);
    ck_assert_uint_eq(dns_t_m2->count[DNS_SEC_ANSWER], 0);
    /* a cap below the limit acts as the limit; truncated *pointer may be NULL */
    ck_assert_int_eq(dns_emit(m, out, 600, DNS_UDP_MAX, NULL), 35);
    ck_assert_int_eq(dns_emit(m, out, 100, 0, NULL), -1);
    ck_assert_int_eq(dns_emit(m, out, 30, DNS_UDP_MAX, &tc), -1);
    /* with EDNS: 1646 > 1232 -> TC, and the OPT stays (ARCOUNT 1) */
    s_many(m, true);
    ck_assert_int_eq(dns_emit(m, out, sizeof out, 0, &tc), 1646);
    n = dns_emit(m, out, sizeof out, DNS_EDNS_SIZE, &tc);
    ck_assert(tc);
    ck_assert_int_eq(n, 46);
    ck_assert_uint_eq(rd_be16(out + DNS_OFF_ARCOUNT), 1);
    ck_assert_int_eq(dns_parse(out, (size_t)n, dns_t_m2), DNS_OK);
    ck_assert(dns_t_m2->tc && dns_t_m2->edns);
    ck_assert_uint_eq(dns_t_m2->edns_udp_size, DNS_EDNS_SIZE);
    /* a message that fits is sent whole */
    m->count[DNS_SEC_ANSWER] = 10;
    ck_assert_int_eq(dns_emit(m, out, sizeof out, DNS_UDP_MAX, &tc), 12 + 23 + 160 + 11);
    ck_assert(!tc);
}
END_TEST

START_TEST(test_compress_limit)
{
    /* pointers are 14 bits (RFC 1035 4.1.4): names written past 0x3fff are
     * never pointer targets, and the message still round-trips */
    static uint8_t out[DNS_TCP_MAX];
    dns_msg_t *m = dns_t_m;
    dns_name_t apex = N("example.test.");
    dns_msg_init_query(dns_t_m2, 1, &apex, DNS_T_ANY, false);
    dns_msg_init_response(m, dns_t_m2);
    uint8_t txt[256];
    txt[0] = 254;
    memset(txt + 1, 'z', 254);
    for (int i = 0; i < 70; i++) /* 70 * (2 + 10 + 255) = 18690 bytes */
        ck_assert_int_eq(dns_msg_add(m, DNS_SEC_ANSWER, &apex, DNS_T_TXT, DNS_C_IN, 1, txt, 255), 0);
    dns_name_t far = N("far.example.test."), ns = N("ns.far.example.test.");
    uint8_t rd[DNS_NAME_MAX];
    int n = dns_rdata_put_name(&ns, rd, sizeof rd);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(dns_msg_add(m, DNS_SEC_ANSWER, &far, DNS_T_NS, DNS_C_IN, 1, rd, (uint16_t)n), 0);
    int len = dns_emit(m, out, sizeof out, 0, NULL);
    /* header 12, question 18; TXT at 30..18719; each "far" NS record spells
     * "far" (4) + pointer to example.test. (2) as owner, and "ns" "far" + pointer (9)
     * in RDATA, because neither earlier copy is reachable: 3 * (6 + 10 + 9) */
    ck_assert_int_eq(len, 12 + 18 + 70 * 267 + 3 * 25);
    ck_assert_int_eq(dns_parse(out, (size_t)len, dns_t_m2), DNS_OK);
    ck_assert(dns_cases_msg_eq(m, dns_t_m2));
    for (int k = 0; k < 3; k++) {
        const uint8_t *rr = out + 30 + 70 * 267 + 25 * k;
        ck_assert_mem_eq(rr, "\3far\300\014", 6);              /* owner */
        ck_assert_mem_eq(rr + 16, "\2ns\3far\300\014", 9);     /* RDATA */
    }
}
END_TEST

START_TEST(test_compress_case)
{
    /* names are compressed only onto identical octets, so the case given is kept */
    dns_msg_t *m = dns_t_m;
    dns_name_t q = N("WWW.Example.TEST."), lower = N("www.example.test.");
    dns_msg_init_query(dns_t_m2, 5, &q, DNS_T_A, true);
    dns_msg_init_response(m, dns_t_m2);
    ck_assert_int_eq(dns_msg_add(m, DNS_SEC_ANSWER, &lower, DNS_T_A, DNS_C_IN, 1, (const uint8_t *)"\1\2\3\4", 4), 0);
    ck_assert_int_eq(dns_msg_add(m, DNS_SEC_ANSWER, &q, DNS_T_A, DNS_C_IN, 1, (const uint8_t *)"\1\2\3\5", 4), 0);
    uint8_t out[256];
    int len = dns_emit(m, out, sizeof out, 0, NULL);
    /* question 18 + 4; answer 1 spelled out (18 + 14); answer 2 -> 12 (2 + 14) */
    ck_assert_int_eq(len, 12 + 22 + 32 + 16);
    ck_assert_uint_eq(rd_be16(out + 12 + 22 + 32), 0xc00c);
    ck_assert_int_eq(dns_parse(out, (size_t)len, dns_t_m2), DNS_OK);
    ck_assert_mem_eq(dns_t_m2->rr[0].name.wire, "\3www\7example\4test", 18);
    ck_assert_mem_eq(dns_t_m2->rr[1].name.wire, "\3WWW\7Example\4TEST", 18);
    ck_assert(dns_name_eq(&dns_t_m2->rr[0].name, &dns_t_m2->rr[1].name));
    /* a malformed dns_name_t cannot be encoded */
    m->rr[0].name.len = 5;
    ck_assert_int_eq(dns_emit(m, out, sizeof out, 0, NULL), -1);
}
END_TEST

Suite *dns_suite(void)
{
    Suite *s = suite_create("dns");
    TCase *tc = tcase_create("codec");
    tcase_add_checked_fixture(tc, dns_cases_setup, dns_cases_teardown);
    tcase_add_test(tc, test_decode_query);
    tcase_add_test(tc, test_encode_query);
    tcase_add_test(tc, test_decode_response);
    tcase_add_test(tc, test_encode_response);
    tcase_add_test(tc, test_referral);
    tcase_add_test(tc, test_mx_compressed);
    tcase_add_test(tc, test_soa_compressed);
    tcase_add_test(tc, test_edns_fields);
    tcase_add_test(tc, test_parse_header);
    tcase_add_test(tc, test_builders);
    tcase_add_test(tc, test_truncate);
    tcase_add_test(tc, test_compress_limit);
    tcase_add_test(tc, test_compress_case);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, dns_reject_tcase());
    suite_add_tcase(s, dns_text_tcase());
    suite_add_tcase(s, dns_bind_tcase());
    return s;
}
