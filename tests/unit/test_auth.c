/*
 * test_auth.c -- authoritative answers (dns-svc/auth.c) from the shipped
 * zones of the default topology, checked field by field: answers, the
 * in-zone CNAME chain, NXDOMAIN and NODATA with the SOA (TTL min(SOA TTL,
 * MINIMUM), RFC 2308 3), additional-section addresses of MX and NS
 * targets, referrals with and without glue (RFC 1034 4.3.2), the zone
 * choice, FORMERR / NOTIMP / BADVERS / REFUSED, EDNS echo, and TC=1 when
 * the answer does not fit the client's size (RFC 1035 4.2.1).
 *
 * Zone files are read relative to $LS_ROOT (default "."), like test_zone.c.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "dns-svc/auth.h"
#include "dns-svc/zone.h"
#include "wire/dns.h"

enum { Z_ROOT, Z_TEST, Z_EXAMPLE, Z_ARPA, Z_LAB, Z_N };
static const char *const s_files[Z_N] = {
    "topologies/zones/root.zone", "topologies/zones/test.zone", "topologies/zones/example.test.zone",
    "topologies/zones/in-addr.arpa.zone", "topologies/zones/lab.example.test.zone",
};

static zone_t *s_z[Z_N];
static dns_msg_t *s_q, *s_r;
static char s_what[512];

static void s_setup(void)
{
    const char *root = getenv("LS_ROOT");
    for (int i = 0; i < Z_N; i++) {
        char path[512], err[512] = "";
        snprintf(path, sizeof path, "%s/%s", root && *root ? root : ".", s_files[i]);
        s_z[i] = zone_load(path, NULL, err, sizeof err);
        ck_assert_msg(s_z[i] != NULL, "%s: %s", path, err);
    }
    s_q = calloc(1, sizeof *s_q);
    s_r = calloc(1, sizeof *s_r);
    ck_assert(s_q && s_r);
}

static void s_teardown(void)
{
    for (int i = 0; i < Z_N; i++)
        zone_destroy(&s_z[i]);
    free(s_q);
    free(s_r);
    s_q = s_r = NULL;
}

static dns_name_t s_n(const char *text)
{
    dns_name_t n;
    ck_assert_int_eq(dns_name_from_text(text, NULL, &n), DNS_OK);
    return n;
}

/* A query (id 4242, RD as a stub sends it) for name/type. */
static dns_msg_t *s_query(const char *name, uint16_t type)
{
    dns_name_t n = s_n(name);
    dns_msg_init_query(s_q, 4242, &n, type, true);
    return s_q;
}

/* Answer the current query from these zones (indices into s_z, -1 ends). */
static auth_kind_t s_ask_zones(const int *idx)
{
    const zone_t *zs[Z_N];
    size_t n = 0;
    for (; idx[n] >= 0; n++)
        zs[n] = s_z[idx[n]];
    memset(s_r, 0xa5, sizeof *s_r);
    s_what[0] = 0;
    return auth_answer(zs, n, s_q, s_r, s_what, sizeof s_what);
}
#define ASK(...) s_ask_zones((const int[]){__VA_ARGS__, -1})

/* Record i of section sec is name/type/ttl with rdata text rd (NULL: not checked). */
static void s_rr(dns_section_t sec, size_t i, const char *name, uint16_t type, uint32_t ttl, const char *rd)
{
    ck_assert_uint_lt(i, s_r->count[sec]);
    const dns_rr_t *rr = &dns_msg_section_c(s_r, sec)[i];
    char nt[DNS_NAME_TEXT_MAX], rt[DNS_NAME_TEXT_MAX];
    ck_assert_str_eq(dns_name_to_text(&rr->name, nt, sizeof nt), name);
    ck_assert_uint_eq(rr->type, type);
    ck_assert_uint_eq(rr->rclass, DNS_C_IN);
    ck_assert_uint_eq(rr->ttl, ttl);
    if (rd)
        ck_assert_str_eq(dns_rdata_to_text(type, dns_rr_rdata(s_r, rr), rr->rdlen, rt, sizeof rt), rd);
}

static void s_counts(size_t an, size_t ns, size_t ar)
{
    ck_assert_uint_eq(s_r->count[DNS_SEC_ANSWER], an);
    ck_assert_uint_eq(s_r->count[DNS_SEC_AUTHORITY], ns);
    ck_assert_uint_eq(s_r->count[DNS_SEC_ADDITIONAL], ar);
}

/* The header of a response to s_q. */
static void s_header(bool aa, uint16_t rcode)
{
    ck_assert_uint_eq(s_r->id, 4242);
    ck_assert(s_r->qr);
    ck_assert_uint_eq(s_r->aa, aa);
    ck_assert(!s_r->tc);
    ck_assert(s_r->rd); /* copied from the query (RFC 1035 4.1.1) */
    ck_assert(!s_r->ra);
    ck_assert_uint_eq(s_r->opcode, DNS_OP_QUERY);
    ck_assert_uint_eq(s_r->rcode, rcode);
    ck_assert_uint_eq(s_r->qdcount, 1);
    ck_assert(dns_name_eq(&s_r->qd[0].name, &s_q->qd[0].name));
    ck_assert_uint_eq(s_r->qd[0].qtype, s_q->qd[0].qtype);
    ck_assert_uint_eq(s_r->qd[0].qclass, s_q->qd[0].qclass);
}

/* ------------------------------------------------------------ answers */

START_TEST(test_answer_www)
{
    s_query("www.example.test.", DNS_T_A);
    ck_assert_int_eq(ASK(Z_EXAMPLE, Z_ARPA), AUTH_ANSWER);
    s_header(true, DNS_RCODE_NOERROR);
    s_counts(1, 0, 0);
    s_rr(DNS_SEC_ANSWER, 0, "www.example.test.", DNS_T_A, 300, "198.51.100.10");
    ck_assert(!s_r->edns);
    ck_assert_ptr_nonnull(strstr(s_what, "1 record"));
    /* case does not matter (RFC 4343); the question is echoed as asked */
    s_query("WWW.Example.Test.", DNS_T_A);
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_ANSWER);
    s_counts(1, 0, 0);
    char t[DNS_NAME_TEXT_MAX];
    ck_assert_str_eq(dns_name_to_text(&s_r->qd[0].name, t, sizeof t), "WWW.Example.Test.");
}
END_TEST

START_TEST(test_answer_cname_chain)
{
    s_query("docs.example.test.", DNS_T_A);
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_ANSWER);
    s_header(true, DNS_RCODE_NOERROR);
    s_counts(3, 0, 0);
    s_rr(DNS_SEC_ANSWER, 0, "docs.example.test.", DNS_T_CNAME, 300, "web.example.test.");
    s_rr(DNS_SEC_ANSWER, 1, "web.example.test.", DNS_T_CNAME, 300, "www.example.test.");
    s_rr(DNS_SEC_ANSWER, 2, "www.example.test.", DNS_T_A, 300, "198.51.100.10");
    /* asking for the CNAME itself: just the CNAME */
    s_query("docs.example.test.", DNS_T_CNAME);
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_ANSWER);
    s_counts(1, 0, 0);
    s_rr(DNS_SEC_ANSWER, 0, "docs.example.test.", DNS_T_CNAME, 300, "web.example.test.");
    /* a chain ending in a name without the type: the CNAMEs, then NODATA's SOA */
    s_query("docs.example.test.", DNS_T_TXT);
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_NODATA);
    s_header(true, DNS_RCODE_NOERROR);
    s_counts(2, 1, 0);
    s_rr(DNS_SEC_AUTHORITY, 0, "example.test.", DNS_T_SOA, 30, NULL);
}
END_TEST

START_TEST(test_nxdomain)
{
    s_query("nope.example.test.", DNS_T_A);
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_NXDOMAIN);
    s_header(true, DNS_RCODE_NXDOMAIN);
    s_counts(0, 1, 0);
    /* SOA TTL 300, MINIMUM 30: 30 (RFC 2308 3) */
    s_rr(DNS_SEC_AUTHORITY, 0, "example.test.", DNS_T_SOA, 30,
         "ns1.example.test. hostmaster.example.test. 2026120201 3600 900 604800 30");
    /* the root's: SOA TTL 86400, MINIMUM 60 */
    s_query("nosuchtld.", DNS_T_A);
    ck_assert_int_eq(ASK(Z_ROOT), AUTH_NXDOMAIN);
    s_counts(0, 1, 0);
    s_rr(DNS_SEC_AUTHORITY, 0, ".", DNS_T_SOA, 60, NULL);
}
END_TEST

START_TEST(test_nodata)
{
    s_query("www.example.test.", DNS_T_TXT);
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_NODATA);
    s_header(true, DNS_RCODE_NOERROR);
    s_counts(0, 1, 0);
    s_rr(DNS_SEC_AUTHORITY, 0, "example.test.", DNS_T_SOA, 30, NULL);
    ck_assert_ptr_nonnull(strstr(s_what, "NODATA"));
    /* an empty non-terminal is NODATA, not NXDOMAIN (RFC 8020) */
    s_query("100.51.198.in-addr.arpa.", DNS_T_PTR);
    ck_assert_int_eq(ASK(Z_EXAMPLE, Z_ARPA), AUTH_NODATA);
    s_counts(0, 1, 0);
    s_rr(DNS_SEC_AUTHORITY, 0, "in-addr.arpa.", DNS_T_SOA, 30, NULL);
}
END_TEST

START_TEST(test_mx_additional)
{
    s_query("example.test.", DNS_T_MX);
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_ANSWER);
    s_header(true, DNS_RCODE_NOERROR);
    s_counts(1, 0, 1);
    s_rr(DNS_SEC_ANSWER, 0, "example.test.", DNS_T_MX, 300, "10 mail.example.test.");
    s_rr(DNS_SEC_ADDITIONAL, 0, "mail.example.test.", DNS_T_A, 300, "198.51.100.25");
    /* the apex NS set: the server's address in additional */
    s_query("example.test.", DNS_T_NS);
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_ANSWER);
    s_header(true, DNS_RCODE_NOERROR);
    s_counts(1, 0, 1);
    s_rr(DNS_SEC_ANSWER, 0, "example.test.", DNS_T_NS, 300, "ns1.example.test.");
    s_rr(DNS_SEC_ADDITIONAL, 0, "ns1.example.test.", DNS_T_A, 300, "203.0.113.30");
}
END_TEST

START_TEST(test_ptr)
{
    s_query("10.100.51.198.in-addr.arpa.", DNS_T_PTR);
    ck_assert_int_eq(ASK(Z_EXAMPLE, Z_ARPA), AUTH_ANSWER);
    s_header(true, DNS_RCODE_NOERROR);
    s_counts(1, 0, 0);
    s_rr(DNS_SEC_ANSWER, 0, "10.100.51.198.in-addr.arpa.", DNS_T_PTR, 300, "www.example.test.");
}
END_TEST

START_TEST(test_many_truncates)
{
    s_query("many.example.test.", DNS_T_A);
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_ANSWER);
    s_counts(100, 0, 0);
    s_rr(DNS_SEC_ANSWER, 0, "many.example.test.", DNS_T_A, 300, "198.51.100.100");
    s_rr(DNS_SEC_ANSWER, 99, "many.example.test.", DNS_T_A, 300, "198.51.100.199");
    uint8_t buf[DNS_TCP_MAX];
    bool tc = false;
    /* 512 bytes (no EDNS): TC=1, header and question only */
    int len = dns_emit(s_r, buf, sizeof buf, DNS_UDP_MAX, &tc);
    ck_assert_int_gt(len, 0);
    ck_assert_int_le(len, DNS_UDP_MAX);
    ck_assert(tc);
    dns_msg_t *m = calloc(1, sizeof *m);
    ck_assert_int_eq(dns_parse(buf, (size_t)len, m), DNS_OK);
    ck_assert(m->tc);
    ck_assert(m->aa);
    ck_assert_uint_eq(m->id, 4242);
    ck_assert_uint_eq(m->qdcount, 1);
    ck_assert_uint_eq(m->count[DNS_SEC_ANSWER], 0);
    /* 1232 (EDNS) is still too small */
    s_q->edns = true;
    s_q->edns_udp_size = 4096;
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_ANSWER);
    len = dns_emit(s_r, buf, sizeof buf, DNS_EDNS_SIZE, &tc);
    ck_assert(tc);
    ck_assert_int_eq(dns_parse(buf, (size_t)len, m), DNS_OK);
    ck_assert(m->tc && m->edns);
    /* TCP (no limit): all 100 */
    len = dns_emit(s_r, buf, sizeof buf, 0, &tc);
    ck_assert(!tc);
    ck_assert_int_gt(len, DNS_EDNS_SIZE);
    ck_assert_int_eq(dns_parse(buf, (size_t)len, m), DNS_OK);
    ck_assert(!m->tc);
    ck_assert_uint_eq(m->count[DNS_SEC_ANSWER], 100);
    free(m);
}
END_TEST

/* ------------------------------------------------------------ referrals */

START_TEST(test_referral_lab_with_glue)
{
    s_query("www.lab.example.test.", DNS_T_A);
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_REFERRAL);
    s_header(false, DNS_RCODE_NOERROR);
    s_counts(0, 1, 1);
    s_rr(DNS_SEC_AUTHORITY, 0, "lab.example.test.", DNS_T_NS, 300, "ns.lab.example.test.");
    s_rr(DNS_SEC_ADDITIONAL, 0, "ns.lab.example.test.", DNS_T_A, 300, "198.51.100.10");
    ck_assert_ptr_nonnull(strstr(s_what, "referral to lab.example.test."));
    /* the glue name itself is below the cut: a referral too, not an answer */
    s_query("ns.lab.example.test.", DNS_T_A);
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_REFERRAL);
    ck_assert(!s_r->aa);
    s_counts(0, 1, 1);
    /* and the NS set at the cut is the child's to answer */
    s_query("lab.example.test.", DNS_T_NS);
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_REFERRAL);
    ck_assert(!s_r->aa);
    /* with the child zone loaded as well, the child answers */
    s_query("www.lab.example.test.", DNS_T_A);
    ck_assert_int_eq(ASK(Z_EXAMPLE, Z_LAB), AUTH_ANSWER);
    s_header(true, DNS_RCODE_NOERROR);
    s_counts(1, 0, 0);
    s_rr(DNS_SEC_ANSWER, 0, "www.lab.example.test.", DNS_T_A, 300, "198.51.100.10");
}
END_TEST

START_TEST(test_referral_root_and_tld)
{
    s_query("www.example.test.", DNS_T_A);
    ck_assert_int_eq(ASK(Z_ROOT), AUTH_REFERRAL);
    s_header(false, DNS_RCODE_NOERROR);
    s_counts(0, 1, 1);
    s_rr(DNS_SEC_AUTHORITY, 0, "test.", DNS_T_NS, 172800, "ns1.nic.test.");
    s_rr(DNS_SEC_ADDITIONAL, 0, "ns1.nic.test.", DNS_T_A, 172800, "203.0.113.20");
    s_query("www.example.test.", DNS_T_A);
    ck_assert_int_eq(ASK(Z_TEST), AUTH_REFERRAL);
    s_header(false, DNS_RCODE_NOERROR);
    s_counts(0, 1, 1);
    s_rr(DNS_SEC_AUTHORITY, 0, "example.test.", DNS_T_NS, 172800, "ns1.example.test.");
    s_rr(DNS_SEC_ADDITIONAL, 0, "ns1.example.test.", DNS_T_A, 172800, "203.0.113.30");
}
END_TEST

START_TEST(test_referral_without_glue)
{
    s_query("10.100.51.198.in-addr.arpa.", DNS_T_PTR);
    ck_assert_int_eq(ASK(Z_ROOT), AUTH_REFERRAL);
    s_header(false, DNS_RCODE_NOERROR);
    s_counts(0, 1, 0); /* ns1.example.test. is not in the root zone: no glue */
    s_rr(DNS_SEC_AUTHORITY, 0, "in-addr.arpa.", DNS_T_NS, 172800, "ns1.example.test.");
    ck_assert_ptr_nonnull(strstr(s_what, "0 glue"));
}
END_TEST

START_TEST(test_zone_choice)
{
    const zone_t *all[Z_N];
    for (int i = 0; i < Z_N; i++)
        all[i] = s_z[i];
    dns_name_t n = s_n("www.lab.example.test.");
    ck_assert_ptr_eq(auth_zone_for(all, Z_N, &n), s_z[Z_LAB]);
    ck_assert_ptr_eq(auth_zone_for(all, Z_LAB, &n), s_z[Z_EXAMPLE]);
    n = s_n("example.test.");
    ck_assert_ptr_eq(auth_zone_for(all, Z_N, &n), s_z[Z_EXAMPLE]);
    n = s_n("ns1.nic.test.");
    ck_assert_ptr_eq(auth_zone_for(all, Z_N, &n), s_z[Z_TEST]);
    n = s_n("other.");
    ck_assert_ptr_eq(auth_zone_for(all, Z_N, &n), s_z[Z_ROOT]);
    ck_assert_ptr_null(auth_zone_for(all + 1, Z_N - 1, &n));
    ck_assert_ptr_null(auth_zone_for(all, 0, &n));
}
END_TEST

/* ------------------------------------------------------------ errors */

START_TEST(test_not_ours)
{
    s_query("www.other.", DNS_T_A);
    ck_assert_int_eq(ASK(Z_EXAMPLE, Z_ARPA), AUTH_NOT_OURS);
    /* resp untouched */
    dns_msg_t *pat = malloc(sizeof *pat);
    memset(pat, 0xa5, sizeof *pat);
    ck_assert_mem_eq(s_r, pat, sizeof *pat);
    free(pat);
    /* a parent of the zone is not ours either */
    s_query("test.", DNS_T_NS);
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_NOT_OURS);
}
END_TEST

START_TEST(test_formerr_two_questions)
{
    s_query("www.example.test.", DNS_T_A);
    s_q->qdcount = 2;
    s_q->qd[1] = s_q->qd[0];
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_ERROR);
    ck_assert(s_r->qr);
    ck_assert_uint_eq(s_r->id, 4242);
    ck_assert_uint_eq(s_r->rcode, DNS_RCODE_FORMERR);
    s_counts(0, 0, 0);
    /* none at all */
    s_q->qdcount = 0;
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_ERROR);
    ck_assert_uint_eq(s_r->rcode, DNS_RCODE_FORMERR);
}
END_TEST

START_TEST(test_notimp_opcode)
{
    s_query("www.example.test.", DNS_T_A);
    s_q->opcode = 2; /* STATUS */
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_ERROR);
    ck_assert(s_r->qr);
    ck_assert_uint_eq(s_r->opcode, 2);
    ck_assert_uint_eq(s_r->rcode, DNS_RCODE_NOTIMP);
    s_counts(0, 0, 0);
}
END_TEST

START_TEST(test_badvers)
{
    s_query("www.example.test.", DNS_T_A);
    s_q->edns = true;
    s_q->edns_udp_size = 1232;
    s_q->edns_version = 1;
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_ERROR);
    ck_assert_uint_eq(s_r->rcode, DNS_RCODE_BADVERS);
    ck_assert(s_r->edns);
    ck_assert_uint_eq(s_r->edns_version, 0); /* RFC 6891 6.1.3: the version we do speak */
    s_counts(0, 0, 0);
    /* on the wire: header RCODE 0, OPT extended RCODE 1 (16 = 1 << 4) */
    uint8_t buf[512];
    int len = dns_emit(s_r, buf, sizeof buf, 0, NULL);
    ck_assert_int_gt(len, DNS_HDR_LEN);
    ck_assert_uint_eq(rd_be16(buf + DNS_OFF_FLAGS) & 0xf, 0);
    dns_msg_t *m = calloc(1, sizeof *m);
    ck_assert_int_eq(dns_parse(buf, (size_t)len, m), DNS_OK);
    ck_assert_uint_eq(m->rcode, 16);
    free(m);
}
END_TEST

START_TEST(test_refused_class)
{
    s_query("www.example.test.", DNS_T_A);
    s_q->qd[0].qclass = 3; /* CH */
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_ERROR);
    ck_assert(s_r->qr);
    ck_assert_uint_eq(s_r->rcode, DNS_RCODE_REFUSED);
    ck_assert(!s_r->aa);
    s_counts(0, 0, 0);
    ck_assert_uint_eq(s_r->qd[0].qclass, 3);
}
END_TEST

START_TEST(test_edns_echo)
{
    s_query("www.example.test.", DNS_T_A);
    s_q->edns = true;
    s_q->edns_udp_size = 4096;
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_ANSWER);
    ck_assert(s_r->edns);
    ck_assert_uint_eq(s_r->edns_udp_size, DNS_EDNS_SIZE);
    ck_assert_uint_eq(s_r->edns_version, 0);
    ck_assert_uint_eq(s_r->edns_optlen, 0);
    s_counts(1, 0, 0); /* the OPT is not a counted record */
    /* an error to an EDNS query carries OPT too */
    s_q->qd[0].qclass = 3;
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_ERROR);
    ck_assert(s_r->edns);
    /* and without EDNS in the query, none in the answer */
    s_query("www.example.test.", DNS_T_A);
    ck_assert_int_eq(ASK(Z_EXAMPLE), AUTH_ANSWER);
    ck_assert(!s_r->edns);
}
END_TEST

START_TEST(test_auth_error_helper)
{
    s_query("www.example.test.", DNS_T_A);
    memset(s_r, 0xa5, sizeof *s_r);
    auth_error(s_q, DNS_RCODE_SERVFAIL, s_r);
    s_header(false, DNS_RCODE_SERVFAIL);
    s_counts(0, 0, 0);
    ck_assert(!s_r->edns);
}
END_TEST

Suite *auth_suite(void)
{
    Suite *s = suite_create("auth");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_answer_www);
    tcase_add_test(tc, test_answer_cname_chain);
    tcase_add_test(tc, test_nxdomain);
    tcase_add_test(tc, test_nodata);
    tcase_add_test(tc, test_mx_additional);
    tcase_add_test(tc, test_ptr);
    tcase_add_test(tc, test_many_truncates);
    tcase_add_test(tc, test_referral_lab_with_glue);
    tcase_add_test(tc, test_referral_root_and_tld);
    tcase_add_test(tc, test_referral_without_glue);
    tcase_add_test(tc, test_zone_choice);
    tcase_add_test(tc, test_not_ours);
    tcase_add_test(tc, test_formerr_two_questions);
    tcase_add_test(tc, test_notimp_opcode);
    tcase_add_test(tc, test_badvers);
    tcase_add_test(tc, test_refused_class);
    tcase_add_test(tc, test_edns_echo);
    tcase_add_test(tc, test_auth_error_helper);
    suite_add_tcase(s, tc);
    return s;
}
