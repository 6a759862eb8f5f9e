/*
 * test_resptype.c -- reading upstream responses (dns-svc/resptype.c):
 * answers (the type or a CNAME at the name), the end of an answer's CNAME
 * chain (loops bounded), referrals (only strictly below the zone asked
 * and at or above the name), and the SOA of a negative answer (in
 * bailiwick, at or above the name).
 */
#include <check.h>
#include <stdlib.h>

#include "wire/bytes.h"
#include "dns-svc/resptype.h"
#include "wire/dns.h"

static dns_name_t s_n(const char *text)
{
    dns_name_t n;
    ck_assert_int_eq(dns_name_from_text(text, NULL, &n), DNS_OK);
    return n;
}

static void s_add_name(dns_msg_t *m, dns_section_t sec, const char *owner, uint16_t type, const char *target)
{
    uint8_t rd[DNS_NAME_MAX];
    dns_name_t o = s_n(owner), t = s_n(target);
    int len = dns_rdata_put_name(&t, rd, sizeof rd);
    ck_assert_int_gt(len, 0);
    ck_assert_int_eq(dns_msg_add(m, sec, &o, type, DNS_C_IN, 300, rd, (uint16_t)len), 0);
}

static void s_add_a(dns_msg_t *m, dns_section_t sec, const char *owner)
{
    uint8_t rd[4] = {192, 0, 2, 1};
    dns_name_t o = s_n(owner);
    ck_assert_int_eq(dns_msg_add(m, sec, &o, DNS_T_A, DNS_C_IN, 300, rd, 4), 0);
}

static void s_add_soa(dns_msg_t *m, const char *owner)
{
    dns_soa_t soa = {.mname = s_n("ns1.example.test."), .rname = s_n("hostmaster.example.test."), .minimum = 30};
    uint8_t rd[600];
    int len = dns_rdata_put_soa(&soa, rd, sizeof rd);
    dns_name_t o = s_n(owner);
    ck_assert_int_eq(dns_msg_add(m, DNS_SEC_AUTHORITY, &o, DNS_T_SOA, DNS_C_IN, 30, rd, (uint16_t)len), 0);
}

static dns_msg_t *s_msg(const char *qname, uint16_t qtype)
{
    dns_msg_t *m = calloc(1, sizeof *m);
    dns_name_t q = s_n(qname);
    dns_msg_init_query(m, 1, &q, qtype, false);
    m->qr = true;
    return m;
}

START_TEST(test_answers_and_chain_end)
{
    dns_msg_t *m = s_msg("docs.example.test.", DNS_T_A);
    s_add_name(m, DNS_SEC_ANSWER, "docs.example.test.", DNS_T_CNAME, "web.example.test.");
    s_add_name(m, DNS_SEC_ANSWER, "web.example.test.", DNS_T_CNAME, "www.example.test.");
    s_add_a(m, DNS_SEC_ANSWER, "www.example.test.");
    dns_name_t docs = s_n("DOCS.example.test."), www = s_n("www.example.test."), ns = s_n("ns.example.test.");
    ck_assert(resptype_answers(m, &docs, DNS_T_A));   /* a CNAME at the name */
    ck_assert(resptype_answers(m, &docs, DNS_T_MX));  /* likewise for any type */
    ck_assert(resptype_answers(m, &www, DNS_T_A));
    ck_assert(!resptype_answers(m, &www, DNS_T_AAAA));
    ck_assert(!resptype_answers(m, &ns, DNS_T_A));
    dns_name_t end;
    resptype_chain_end(m, &docs, &end);
    ck_assert(dns_name_eq(&end, &www));
    resptype_chain_end(m, &www, &end);
    ck_assert(dns_name_eq(&end, &www));
    resptype_chain_end(m, &ns, &end);
    ck_assert(dns_name_eq(&end, &ns));
    free(m);
    /* a loop in the answer: it ends somewhere, after a bounded walk */
    m = s_msg("l1.example.test.", DNS_T_A);
    s_add_name(m, DNS_SEC_ANSWER, "l1.example.test.", DNS_T_CNAME, "l2.example.test.");
    s_add_name(m, DNS_SEC_ANSWER, "l2.example.test.", DNS_T_CNAME, "l1.example.test.");
    dns_name_t l1 = s_n("l1.example.test.");
    resptype_chain_end(m, &l1, &end);
    ck_assert(dns_name_labels(&end) == 3);
    free(m);
}
END_TEST

START_TEST(test_referral)
{
    dns_msg_t *m = s_msg("www.lab.example.test.", DNS_T_A);
    s_add_name(m, DNS_SEC_AUTHORITY, "lab.example.test.", DNS_T_NS, "ns.lab.example.test.");
    s_add_a(m, DNS_SEC_ADDITIONAL, "ns.lab.example.test.");
    dns_name_t q = s_n("www.lab.example.test."), zone = s_n("example.test."), cut;
    ck_assert(resptype_referral(m, &zone, &q, &cut));
    dns_name_t lab = s_n("lab.example.test.");
    ck_assert(dns_name_eq(&cut, &lab));
    /* from the root too */
    dns_name_t root = s_n(".");
    ck_assert(resptype_referral(m, &root, &q, &cut));
    /* not below the zone asked (sideways or upwards), or the zone itself */
    dns_name_t other = s_n("other.test."), below = s_n("x.lab.example.test.");
    ck_assert(!resptype_referral(m, &other, &q, &cut));
    ck_assert(!resptype_referral(m, &lab, &q, &cut));
    ck_assert(!resptype_referral(m, &below, &q, &cut));
    /* an NS set that is not above the name asked */
    dns_name_t www = s_n("www.example.test.");
    ck_assert(!resptype_referral(m, &zone, &www, &cut));
    free(m);
}
END_TEST

START_TEST(test_negative_soa)
{
    dns_msg_t *m = s_msg("nope.example.test.", DNS_T_A);
    m->rcode = DNS_RCODE_NXDOMAIN;
    s_add_soa(m, "example.test.");
    dns_name_t nope = s_n("nope.example.test."), zone = s_n("example.test."), root = s_n(".");
    const dns_rr_t *soa = resptype_soa(m, &zone, &nope);
    ck_assert_ptr_nonnull(soa);
    ck_assert_uint_eq(soa->type, DNS_T_SOA);
    ck_assert_ptr_nonnull(resptype_soa(m, &root, &nope));
    /* a SOA above the server's zone is out of bailiwick */
    dns_name_t lab = s_n("lab.example.test.");
    ck_assert_ptr_null(resptype_soa(m, &lab, &nope));
    /* a SOA not above the name */
    dns_name_t elsewhere = s_n("nope.other.test.");
    ck_assert_ptr_null(resptype_soa(m, &root, &elsewhere));
    free(m);
}
END_TEST

Suite *resptype_suite(void)
{
    Suite *s = suite_create("resptype");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_answers_and_chain_end);
    tcase_add_test(tc, test_referral);
    tcase_add_test(tc, test_negative_soa);
    suite_add_tcase(s, tc);
    return s;
}
