/*
 * dns_cases_bind.c -- the dns suite against real messages: queries made by
 * BIND's dig and NSD's answers from topologies/zones/, captured on lo by
 * tests/fixtures/dns/capture.sh (see the README there; this file only reads
 * the .hex files, relative to $LS_ROOT, default "."). Each message must
 * parse to what dig asked and what the zone says, re-emit to NSD's exact
 * bytes, and survive parse -> emit -> parse unchanged.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "wire/dns.h"
#include "dns_cases.h"

#define N(text) dns_cases_name(text)
#define FIX_MAX 4096

typedef struct {
    uint8_t b[FIX_MAX];
    size_t len;
    char header[600];
} s_fix_t;

static const char *const s_fixtures[] = {"dig-www-a",   "dig-docs-cname", "dig-mx",      "dig-nxdomain", "dig-txt",
                                         "dig-many-tc", "dig-many-tcp",   "dig-ptr",     "dig-v6-aaaa"};

/* tests/fixtures/dns/NAME.KIND.hex: a '#' line, then hex */
static void s_load(const char *name, const char *kind, s_fix_t *f)
{
    char path[512], line[600];
    const char *root = getenv("LS_ROOT");
    snprintf(path, sizeof path, "%s/tests/fixtures/dns/%s.%s.hex", root && *root ? root : ".", name, kind);
    FILE *fp = fopen(path, "r");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    f->len = 0;
    f->header[0] = '\0';
    while (fgets(line, sizeof line, fp)) {
        if (line[0] == '#') {
            snprintf(f->header, sizeof f->header, "%s", line);
            continue;
        }
        for (char *p = line; p[0] && p[0] != '\n'; p += 2) {
            unsigned v;
            ck_assert_msg(p[1] && sscanf(p, "%2x", &v) == 1, "%s: bad hex", path);
            ck_assert_msg(f->len < FIX_MAX, "%s: too long", path);
            f->b[f->len++] = (uint8_t)v;
        }
    }
    fclose(fp);
    ck_assert_msg(strncmp(f->header, "# dig @127.0.0.1 -p 5353 ", 25) == 0, "%s: header %s", path, f->header);
}

/* load NAME's query into dns_t_m and its response into dns_t_m2 */
static s_fix_t s_q, s_r;
static void s_pair(const char *name)
{
    s_load(name, "query", &s_q);
    s_load(name, "response", &s_r);
    ck_assert_int_eq(dns_parse(s_q.b, s_q.len, dns_t_m), DNS_OK);
    ck_assert_int_eq(dns_parse(s_r.b, s_r.len, dns_t_m2), DNS_OK);
    const dns_msg_t *q = dns_t_m, *r = dns_t_m2;
    ck_assert_uint_eq(q->id, r->id);
    ck_assert(!q->qr && r->qr);
    ck_assert_uint_eq(q->opcode, DNS_OP_QUERY);
    ck_assert(!q->aa && !q->tc && !q->ra);
    ck_assert(q->ad); /* dig sets AD in queries by default */
    ck_assert_uint_eq(q->qdcount, 1);
    ck_assert_uint_eq(q->count[0] + q->count[1] + q->count[2], 0);
    /* the response repeats the question and RD; NSD is authoritative, no recursion */
    ck_assert_uint_eq(r->qdcount, 1);
    ck_assert(dns_name_eq(&q->qd[0].name, &r->qd[0].name));
    ck_assert_uint_eq(q->qd[0].qtype, r->qd[0].qtype);
    ck_assert_uint_eq(q->qd[0].qclass, DNS_C_IN);
    ck_assert_uint_eq(r->rd, q->rd);
    ck_assert(r->aa && !r->ra);
}

/* dig's EDNS: UDP 1232, version 0, no DO, one COOKIE option (RFC 7873: code 10, 8-byte client cookie) */
static void s_dig_edns(const dns_msg_t *q)
{
    ck_assert(q->edns);
    ck_assert_uint_eq(q->edns_udp_size, 1232);
    ck_assert_uint_eq(q->edns_version, 0);
    ck_assert(!q->edns_do);
    ck_assert_uint_eq(q->edns_optlen, 12);
    ck_assert_uint_eq(rd_be16(q->edns_opts), 10);
    ck_assert_uint_eq(rd_be16(q->edns_opts + 2), 8);
}

static void s_check_rr(const dns_msg_t *m, const dns_rr_t *rr, const char *owner, uint16_t type, uint32_t ttl,
                       const char *rdtext)
{
    char t[DNS_NAME_TEXT_MAX];
    ck_assert_str_eq(dns_name_to_text(&rr->name, t, sizeof t), owner);
    ck_assert_uint_eq(rr->type, type);
    ck_assert_uint_eq(rr->rclass, DNS_C_IN);
    ck_assert_uint_eq(rr->ttl, ttl);
    ck_assert_str_eq(dns_rdata_to_text(rr->type, dns_rr_rdata(m, rr), rr->rdlen, t, sizeof t), rdtext);
}

/* the apex NS in authority and ns1's address in additional, as NSD adds them */
static void s_check_ns_glue(const dns_msg_t *r, size_t nglue)
{
    ck_assert_uint_eq(r->count[DNS_SEC_AUTHORITY], 1);
    ck_assert_uint_eq(r->count[DNS_SEC_ADDITIONAL], nglue);
    const dns_rr_t *ns = dns_msg_section_c(r, DNS_SEC_AUTHORITY);
    s_check_rr(r, ns, "example.test.", DNS_T_NS, 300, "ns1.example.test.");
    const dns_rr_t *ar = dns_msg_section_c(r, DNS_SEC_ADDITIONAL);
    s_check_rr(r, &ar[nglue - 1], "ns1.example.test.", DNS_T_A, 300, "203.0.113.30");
    ck_assert(r->edns);
    ck_assert_uint_eq(r->edns_udp_size, 1232);
}

START_TEST(test_bind_roundtrip)
{
    static uint8_t out[DNS_TCP_MAX];
    static const char *const kinds[] = {"query", "response"};
    for (size_t i = 0; i < sizeof s_fixtures / sizeof s_fixtures[0]; i++) {
        for (int k = 0; k < 2; k++) {
            s_load(s_fixtures[i], kinds[k], &s_q);
            ck_assert_msg(dns_parse(s_q.b, s_q.len, dns_t_m) == DNS_OK, "%s.%s", s_fixtures[i], kinds[k]);
            /* our compression makes the same choices as dig and NSD */
            int n = dns_emit(dns_t_m, out, sizeof out, 0, NULL);
            ck_assert_msg(n == (int)s_q.len && memcmp(out, s_q.b, s_q.len) == 0, "%s.%s: re-emit differs",
                          s_fixtures[i], kinds[k]);
            ck_assert_int_eq(dns_parse(out, (size_t)n, dns_t_m2), DNS_OK);
            ck_assert_msg(dns_cases_msg_eq(dns_t_m, dns_t_m2), "%s.%s: unstable", s_fixtures[i], kinds[k]);
        }
    }
}
END_TEST

START_TEST(test_bind_www_a)
{
    s_pair("dig-www-a");
    const dns_msg_t *q = dns_t_m, *r = dns_t_m2;
    char s[256];
    ck_assert(q->rd);
    s_dig_edns(q);
    ck_assert_str_eq(dns_name_to_text(&q->qd[0].name, s, sizeof s), "www.example.test.");
    ck_assert_uint_eq(q->qd[0].qtype, DNS_T_A);
    ck_assert_uint_eq(r->rcode, DNS_RCODE_NOERROR);
    ck_assert_uint_eq(r->count[DNS_SEC_ANSWER], 1);
    s_check_rr(r, dns_msg_section_c(r, DNS_SEC_ANSWER), "www.example.test.", DNS_T_A, 300, "198.51.100.10");
    s_check_ns_glue(r, 1);
    /* the answer's owner is the pointer 0xc00c */
    ck_assert_uint_eq(rd_be16(s_r.b + 12 + 18 + 4), 0xc00c);
    char want[64];
    snprintf(want, sizeof want, "%u+ [1au] A? www.example.test. (%zu)", q->id, s_q.len);
    ck_assert_str_eq(dns_summary(q, s_q.len, s, sizeof s), want);
    snprintf(want, sizeof want, "%u*- 1/1/2 A 198.51.100.10 (%zu)", r->id, s_r.len);
    ck_assert_str_eq(dns_summary(r, s_r.len, s, sizeof s), want);
}
END_TEST

START_TEST(test_bind_cname)
{
    s_pair("dig-docs-cname");
    const dns_msg_t *q = dns_t_m, *r = dns_t_m2;
    ck_assert(!q->rd); /* +norecurse */
    s_dig_edns(q);
    ck_assert_uint_eq(r->count[DNS_SEC_ANSWER], 3);
    const dns_rr_t *an = dns_msg_section_c(r, DNS_SEC_ANSWER);
    s_check_rr(r, &an[0], "docs.example.test.", DNS_T_CNAME, 300, "web.example.test.");
    s_check_rr(r, &an[1], "web.example.test.", DNS_T_CNAME, 300, "www.example.test.");
    s_check_rr(r, &an[2], "www.example.test.", DNS_T_A, 300, "198.51.100.10");
    s_check_ns_glue(r, 1);
}
END_TEST

START_TEST(test_bind_mx)
{
    s_pair("dig-mx");
    const dns_msg_t *r = dns_t_m2;
    s_dig_edns(dns_t_m);
    ck_assert_uint_eq(dns_t_m->qd[0].qtype, DNS_T_MX);
    ck_assert_uint_eq(r->count[DNS_SEC_ANSWER], 1);
    const dns_rr_t *an = dns_msg_section_c(r, DNS_SEC_ANSWER);
    s_check_rr(r, an, "example.test.", DNS_T_MX, 300, "10 mail.example.test.");
    /* the exchange was compressed on the wire, expanded in the repr */
    uint16_t pref;
    dns_name_t ex, mail = N("mail.example.test.");
    ck_assert_int_eq(dns_rdata_mx(dns_rr_rdata(r, an), an->rdlen, &pref, &ex), 0);
    ck_assert(dns_name_eq(&ex, &mail));
    s_check_ns_glue(r, 2);
    s_check_rr(r, dns_msg_section_c(r, DNS_SEC_ADDITIONAL), "mail.example.test.", DNS_T_A, 300, "198.51.100.25");
}
END_TEST

START_TEST(test_bind_nxdomain)
{
    s_pair("dig-nxdomain");
    const dns_msg_t *r = dns_t_m2;
    s_dig_edns(dns_t_m);
    ck_assert_uint_eq(r->rcode, DNS_RCODE_NXDOMAIN);
    ck_assert_uint_eq(r->count[DNS_SEC_ANSWER], 0);
    ck_assert_uint_eq(r->count[DNS_SEC_AUTHORITY], 1);
    ck_assert_uint_eq(r->count[DNS_SEC_ADDITIONAL], 0);
    /* RFC 2308 3: the SOA, its TTL the minimum (30) */
    s_check_rr(r, dns_msg_section_c(r, DNS_SEC_AUTHORITY), "example.test.", DNS_T_SOA, 30,
               "ns1.example.test. hostmaster.example.test. 2026120201 3600 900 604800 30");
    char s[128], want[64];
    snprintf(want, sizeof want, "%u NXDomain*- 0/1/1 (%zu)", r->id, s_r.len);
    ck_assert_str_eq(dns_summary(r, s_r.len, s, sizeof s), want);
}
END_TEST

START_TEST(test_bind_txt)
{
    s_pair("dig-txt");
    const dns_msg_t *r = dns_t_m2;
    ck_assert_uint_eq(dns_t_m->qd[0].qtype, DNS_T_TXT);
    ck_assert_uint_eq(r->count[DNS_SEC_ANSWER], 1);
    s_check_rr(r, dns_msg_section_c(r, DNS_SEC_ANSWER), "example.test.", DNS_T_TXT, 300, "\"v=spf1 mx -all\"");
    s_check_ns_glue(r, 1);
}
END_TEST

START_TEST(test_bind_many_tc)
{
    s_pair("dig-many-tc");
    const dns_msg_t *q = dns_t_m, *r = dns_t_m2;
    ck_assert(!q->edns && !r->edns); /* +noedns: 512 bytes, RFC 1035 4.2.1 */
    ck_assert(r->tc);
    ck_assert_uint_eq(r->count[0] + r->count[1] + r->count[2], 0);
    ck_assert_uint_eq(s_r.len, 35);
    char s[128], want[64];
    snprintf(want, sizeof want, "%u*-| 0/0/0 (35)", r->id);
    ck_assert_str_eq(dns_summary(r, s_r.len, s, sizeof s), want);
}
END_TEST

START_TEST(test_bind_many_tcp)
{
    static uint8_t out[DNS_TCP_MAX];
    s_pair("dig-many-tcp");
    dns_msg_t *r = dns_t_m2;
    s_dig_edns(dns_t_m);
    ck_assert_uint_eq(r->count[DNS_SEC_ANSWER], 100);
    const dns_rr_t *an = dns_msg_section_c(r, DNS_SEC_ANSWER);
    dns_name_t many = N("many.example.test.");
    bool seen[100] = {false};
    for (int i = 0; i < 100; i++) {
        uint32_t a;
        ck_assert(dns_name_eq(&an[i].name, &many));
        ck_assert_uint_eq(an[i].type, DNS_T_A);
        ck_assert_int_eq(dns_rdata_a(dns_rr_rdata(r, &an[i]), an[i].rdlen, &a), 0);
        ck_assert_uint_eq(a >> 8, LS_IP4(198, 51, 100, 0) >> 8);
        ck_assert(a % 256 >= 100 && a % 256 < 200 && !seen[a % 256 - 100]);
        seen[a % 256 - 100] = true;
    }
    s_check_ns_glue(r, 1);
    /* over UDP this answer must be truncated: with dig's 1232 and with 512 */
    bool tc;
    int n = dns_emit(r, out, sizeof out, dns_t_m->edns_udp_size, &tc);
    ck_assert(tc);
    ck_assert_int_le(n, 1232);
    ck_assert_int_eq(dns_parse(out, (size_t)n, dns_t_m), DNS_OK);
    ck_assert(dns_t_m->tc && dns_t_m->edns);
    ck_assert_uint_eq(dns_t_m->count[DNS_SEC_ANSWER], 0);
    ck_assert_int_le(dns_emit(r, out, sizeof out, DNS_UDP_MAX, &tc), DNS_UDP_MAX);
    ck_assert(tc);
    ck_assert_int_eq(dns_emit(r, out, sizeof out, 0, &tc), (int)s_r.len);
    ck_assert(!tc);
}
END_TEST

START_TEST(test_bind_ptr)
{
    s_pair("dig-ptr");
    const dns_msg_t *q = dns_t_m, *r = dns_t_m2;
    dns_name_t rev;
    dns_name_reverse4(LS_IP4(198, 51, 100, 10), &rev);
    ck_assert(dns_name_eq(&q->qd[0].name, &rev));
    ck_assert_uint_eq(q->qd[0].qtype, DNS_T_PTR);
    s_dig_edns(q);
    ck_assert_uint_eq(r->rcode, DNS_RCODE_NOERROR);
    ck_assert_uint_eq(r->count[DNS_SEC_ANSWER], 1);
    s_check_rr(r, dns_msg_section_c(r, DNS_SEC_ANSWER), "10.100.51.198.in-addr.arpa.", DNS_T_PTR, 300,
               "www.example.test.");
    s_check_rr(r, dns_msg_section_c(r, DNS_SEC_AUTHORITY), "in-addr.arpa.", DNS_T_NS, 300, "ns1.example.test.");
}
END_TEST

START_TEST(test_bind_aaaa)
{
    s_pair("dig-v6-aaaa");
    const dns_msg_t *r = dns_t_m2;
    ck_assert_uint_eq(dns_t_m->qd[0].qtype, DNS_T_AAAA);
    ck_assert_uint_eq(r->count[DNS_SEC_ANSWER], 1);
    const dns_rr_t *an = dns_msg_section_c(r, DNS_SEC_ANSWER);
    s_check_rr(r, an, "v6.example.test.", DNS_T_AAAA, 300, "2001:db8::10");
    const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x10};
    ck_assert_uint_eq(an->rdlen, 16);
    ck_assert_mem_eq(dns_rr_rdata(r, an), v6, 16);
    s_check_ns_glue(r, 1);
}
END_TEST

TCase *dns_bind_tcase(void)
{
    TCase *tc = tcase_create("bind");
    tcase_add_checked_fixture(tc, dns_cases_setup, dns_cases_teardown);
    tcase_add_test(tc, test_bind_roundtrip);
    tcase_add_test(tc, test_bind_www_a);
    tcase_add_test(tc, test_bind_cname);
    tcase_add_test(tc, test_bind_mx);
    tcase_add_test(tc, test_bind_nxdomain);
    tcase_add_test(tc, test_bind_txt);
    tcase_add_test(tc, test_bind_many_tc);
    tcase_add_test(tc, test_bind_many_tcp);
    tcase_add_test(tc, test_bind_ptr);
    tcase_add_test(tc, test_bind_aaaa);
    return tc;
}
