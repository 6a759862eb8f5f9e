/*
 * test_resolver.c -- the iterative resolver (dns-svc/resolver.c) against a
 * fake internet (dns_net.h: the shipped zones, or small zone sets built
 * here, answered by auth_answer) on a fake clock: the full walk from the
 * root hints, the cache (TTLs counted down, expiry, negative answers per
 * RFC 2308, TTL 0 and the one-week cap), CNAME chains, TC=1 -> TCP,
 * glue-less NS names, deeper delegations, bailiwick and RFC 2181 5.4.1
 * ranking, RTOs kept per server, replay with the same seed, the states in
 * the log. Timeouts, failover, the RFC 5452 checks and the limits are in
 * resolver_cases_fail.c; both make up the one "resolver" suite. Every
 * check names the servers asked, in order.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns_net.h"

#define SEC FNET_SEC
#define MS FNET_MS
#define T0 (1000 * SEC)

/* ------------------------------------------------------------ the walk and the cache */

START_TEST(test_full_walk_then_cache)
{
    fnet_t *f = fnet_std(T0, NULL);
    const fnet_done_t *d = fnet_ask(f, "www.example.test.", DNS_T_A);
    fnet_asked(f, 0, 3, FNET_ROOT, FNET_TLD, FNET_AUTH);
    dns_name_t www;
    dns_name_from_text("www.example.test.", NULL, &www);
    for (size_t i = 0; i < 3; i++) {
        const fnet_sent_t *s = &f->sent[i];
        ck_assert(!s->rd); /* iterative (RFC 1034 5.3.1) */
        ck_assert(!s->tcp);
        ck_assert(s->edns);
        ck_assert_uint_eq(s->edns_size, 1232);
        ck_assert(dns_name_eq(&s->qname, &www));
        ck_assert_uint_eq(s->qtype, DNS_T_A);
        ck_assert_uint_eq(s->qclass, DNS_C_IN);
        ck_assert_uint_ge(s->sport, 49152);
    }
    fnet_ok(d, DNS_RCODE_NOERROR);
    ck_assert(d->resp->qr && d->resp->ra);
    fnet_counts(d->resp, 1, 0);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "www.example.test.", DNS_T_A, 300, "198.51.100.10");
    ck_assert_uint_ne(d->pdu, 0); /* the last upstream answer's PDU */
    ck_assert_uint_eq(d->at, T0);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.requests"), 1);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.tx.udp"), 3);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.rx.referral"), 2);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.rx.answer"), 1);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.answered"), 1);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.timeout"), 0);
    fnet_idle(f);

    /* again at the same instant: from the cache, no query, full TTL */
    d = fnet_ask(f, "www.example.test.", DNS_T_A);
    ck_assert_uint_eq(f->nsent, 3);
    fnet_ok(d, DNS_RCODE_NOERROR);
    fnet_counts(d->resp, 1, 0);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "www.example.test.", DNS_T_A, 300, "198.51.100.10");
    ck_assert_uint_eq(d->pdu, 0); /* all from the cache */

    /* 100 s later: TTL 200 */
    f->now = T0 + 100 * SEC;
    d = fnet_ask(f, "www.example.test.", DNS_T_A);
    ck_assert_uint_eq(f->nsent, 3);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "www.example.test.", DNS_T_A, 200, "198.51.100.10");

    /* 301 s: expired; only the example.test server is asked, its NS set is still cached */
    f->now = T0 + 301 * SEC;
    d = fnet_ask(f, "www.example.test.", DNS_T_A);
    fnet_asked(f, 3, 1, FNET_AUTH);
    fnet_ok(d, DNS_RCODE_NOERROR);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "www.example.test.", DNS_T_A, 300, "198.51.100.10");
    dns_name_t zone;
    dns_name_from_text("example.test.", NULL, &zone);
    const dns_cache_entry_t *ns = dns_cache_get(resolver_cache(f->r), &zone, DNS_T_NS, DNS_C_IN, f->now);
    ck_assert_ptr_nonnull(ns);
    ck_assert_uint_eq(dns_cache_ttl_left(ns, f->now), 172800 - 301);
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

START_TEST(test_cname_chain)
{
    fnet_t *f = fnet_std(T0, NULL);
    const fnet_done_t *d = fnet_ask(f, "docs.example.test.", DNS_T_A);
    fnet_asked(f, 0, 3, FNET_ROOT, FNET_TLD, FNET_AUTH);
    fnet_ok(d, DNS_RCODE_NOERROR);
    fnet_counts(d->resp, 3, 0);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "docs.example.test.", DNS_T_CNAME, 300, "web.example.test.");
    fnet_rr(d->resp, DNS_SEC_ANSWER, 1, "web.example.test.", DNS_T_CNAME, 300, "www.example.test.");
    fnet_rr(d->resp, DNS_SEC_ANSWER, 2, "www.example.test.", DNS_T_A, 300, "198.51.100.10");
    /* the middle of the chain, later, from the cache */
    f->now += 10 * SEC;
    d = fnet_ask(f, "web.example.test.", DNS_T_A);
    ck_assert_uint_eq(f->nsent, 3);
    fnet_counts(d->resp, 2, 0);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "web.example.test.", DNS_T_CNAME, 290, "www.example.test.");
    fnet_rr(d->resp, DNS_SEC_ANSWER, 1, "www.example.test.", DNS_T_A, 290, "198.51.100.10");
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

START_TEST(test_nxdomain_negative_cache)
{
    fnet_t *f = fnet_std(T0, NULL);
    const fnet_done_t *d = fnet_ask(f, "nope.example.test.", DNS_T_A);
    fnet_asked(f, 0, 3, FNET_ROOT, FNET_TLD, FNET_AUTH);
    fnet_ok(d, DNS_RCODE_NXDOMAIN);
    fnet_counts(d->resp, 0, 1);
    fnet_rr(d->resp, DNS_SEC_AUTHORITY, 0, "example.test.", DNS_T_SOA, 30,
         "ns1.example.test. hostmaster.example.test. 2026120201 3600 900 604800 30");
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.rx.nxdomain"), 1);
    /* repeat: from the negative cache; and for another type too (RFC 2308 5) */
    f->now += 10 * SEC;
    d = fnet_ask(f, "nope.example.test.", DNS_T_A);
    ck_assert_uint_eq(f->nsent, 3);
    fnet_ok(d, DNS_RCODE_NXDOMAIN);
    fnet_counts(d->resp, 0, 1);
    fnet_rr(d->resp, DNS_SEC_AUTHORITY, 0, "example.test.", DNS_T_SOA, 20, NULL);
    d = fnet_ask(f, "nope.example.test.", DNS_T_MX);
    ck_assert_uint_eq(f->nsent, 3);
    fnet_ok(d, DNS_RCODE_NXDOMAIN);
    /* after the SOA MINIMUM (30 s): asked again, only the zone's server */
    f->now = T0 + 31 * SEC;
    d = fnet_ask(f, "nope.example.test.", DNS_T_A);
    fnet_asked(f, 3, 1, FNET_AUTH);
    fnet_ok(d, DNS_RCODE_NXDOMAIN);
    fnet_rr(d->resp, DNS_SEC_AUTHORITY, 0, "example.test.", DNS_T_SOA, 30, NULL);
    /* NXDOMAIN from the root: the root's SOA, MINIMUM 60 */
    d = fnet_ask(f, "nosuchtld.", DNS_T_A);
    fnet_asked(f, 4, 1, FNET_ROOT);
    fnet_ok(d, DNS_RCODE_NXDOMAIN);
    fnet_rr(d->resp, DNS_SEC_AUTHORITY, 0, ".", DNS_T_SOA, 60, NULL);
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

START_TEST(test_nodata_negative_cache)
{
    fnet_t *f = fnet_std(T0, NULL);
    const fnet_done_t *d = fnet_ask(f, "www.example.test.", DNS_T_TXT);
    fnet_asked(f, 0, 3, FNET_ROOT, FNET_TLD, FNET_AUTH);
    fnet_ok(d, DNS_RCODE_NOERROR);
    fnet_counts(d->resp, 0, 1);
    fnet_rr(d->resp, DNS_SEC_AUTHORITY, 0, "example.test.", DNS_T_SOA, 30, NULL);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.rx.nodata"), 1);
    f->now += 29 * SEC;
    d = fnet_ask(f, "www.example.test.", DNS_T_TXT);
    ck_assert_uint_eq(f->nsent, 3);
    fnet_ok(d, DNS_RCODE_NOERROR);
    fnet_counts(d->resp, 0, 1);
    fnet_rr(d->resp, DNS_SEC_AUTHORITY, 0, "example.test.", DNS_T_SOA, 1, NULL);
    /* NODATA is for one type: A at the same name is asked */
    d = fnet_ask(f, "www.example.test.", DNS_T_A);
    fnet_asked(f, 3, 1, FNET_AUTH);
    fnet_counts(d->resp, 1, 0);
    f->now = T0 + 31 * SEC;
    d = fnet_ask(f, "www.example.test.", DNS_T_TXT);
    fnet_asked(f, 4, 1, FNET_AUTH);
    fnet_counts(d->resp, 0, 1);
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

START_TEST(test_truncated_retries_over_tcp)
{
    fnet_t *f = fnet_std(T0, NULL);
    const fnet_done_t *d = fnet_ask(f, "many.example.test.", DNS_T_A);
    fnet_asked(f, 0, 4, FNET_ROOT, FNET_TLD, FNET_AUTH, FNET_AUTH);
    ck_assert(!f->sent[2].tcp);
    ck_assert(f->sent[3].tcp);
    ck_assert_uint_eq(f->sent[3].sport, 0);
    ck_assert(dns_name_eq(&f->sent[3].qname, &f->sent[2].qname));
    /* the UDP answer was TC=1 with no records */
    uint8_t buf[DNS_TCP_MAX];
    size_t n = fnet_answer(f, 2, buf, sizeof buf);
    ck_assert(rd_be16(buf + DNS_OFF_FLAGS) & DNS_FLAG_TC);
    ck_assert_uint_eq(rd_be16(buf + DNS_OFF_ANCOUNT), 0);
    ck_assert_uint_le(n, 1232);
    fnet_ok(d, DNS_RCODE_NOERROR);
    fnet_counts(d->resp, 100, 0);
    char want[32];
    for (int i = 0; i < 100; i++) {
        snprintf(want, sizeof want, "198.51.100.%d", 100 + i);
        fnet_rr(d->resp, DNS_SEC_ANSWER, (size_t)i, "many.example.test.", DNS_T_A, 300, want);
    }
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.truncated"), 1);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.tx.tcp"), 1);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.tx.udp"), 3);
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

START_TEST(test_glueless_ns_sub_request)
{
    fnet_t *f = fnet_std(T0, NULL);
    const fnet_done_t *d = fnet_ask(f, "10.100.51.198.in-addr.arpa.", DNS_T_PTR);
    /* PTR at the root (referral to in-addr.arpa., no glue); then the
     * sub-request for ns1.example.test. A walks root -> test. (whose
     * referral carries the glue); then the PTR goes to that address */
    fnet_asked(f, 0, 4, FNET_ROOT, FNET_ROOT, FNET_TLD, FNET_AUTH);
    ck_assert_uint_eq(f->sent[0].qtype, DNS_T_PTR);
    ck_assert_uint_eq(f->sent[1].qtype, DNS_T_A);
    ck_assert_uint_eq(f->sent[2].qtype, DNS_T_A);
    ck_assert_uint_eq(f->sent[3].qtype, DNS_T_PTR);
    char t[DNS_NAME_TEXT_MAX];
    ck_assert_str_eq(dns_name_to_text(&f->sent[1].qname, t, sizeof t), "ns1.example.test.");
    fnet_ok(d, DNS_RCODE_NOERROR);
    fnet_counts(d->resp, 1, 0);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "10.100.51.198.in-addr.arpa.", DNS_T_PTR, 300, "www.example.test.");
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.ns_lookup"), 1);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.answered"), 1); /* the sub-request is no client answer */
    ck_assert_uint_eq(f->ndone, 1);
    /* another reverse name: in-addr.arpa.'s server is known now */
    d = fnet_ask(f, "10.2.0.192.in-addr.arpa.", DNS_T_PTR);
    fnet_asked(f, 4, 1, FNET_AUTH);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "10.2.0.192.in-addr.arpa.", DNS_T_PTR, 300, "hosta.example.test.");
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

START_TEST(test_deeper_delegation)
{
    fnet_t *f = fnet_std(T0, NULL);
    const fnet_done_t *d = fnet_ask(f, "www.lab.example.test.", DNS_T_A);
    fnet_asked(f, 0, 4, FNET_ROOT, FNET_TLD, FNET_AUTH, FNET_HOSTB);
    fnet_ok(d, DNS_RCODE_NOERROR);
    fnet_counts(d->resp, 1, 0);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "www.lab.example.test.", DNS_T_A, 300, "198.51.100.10");
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.rx.referral"), 3);
    d = fnet_ask(f, "printer.lab.example.test.", DNS_T_A);
    fnet_asked(f, 4, 1, FNET_HOSTB);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "printer.lab.example.test.", DNS_T_A, 300, "198.51.100.60");
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

START_TEST(test_flush_walks_again)
{
    fnet_t *f = fnet_std(T0, NULL);
    fnet_ask(f, "www.example.test.", DNS_T_A);
    ck_assert_uint_eq(f->nsent, 3);
    resolver_flush(f->r);
    const fnet_done_t *d = fnet_ask(f, "www.example.test.", DNS_T_A);
    fnet_asked(f, 3, 3, FNET_ROOT, FNET_TLD, FNET_AUTH);
    fnet_ok(d, DNS_RCODE_NOERROR);
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

/* ------------------------------------------------------------ replay, RTOs, ranking */

START_TEST(test_same_seed_same_ids_and_ports)
{
    resolver_cfg_t cfg = resolver_cfg_default();
    cfg.seed = 0x5eed;
    fnet_t *a = fnet_std(T0, &cfg), *b = fnet_std(T0, &cfg);
    cfg.seed = 0x5eee;
    fnet_t *c = fnet_std(T0, &cfg);
    static const char *const names[] = {"www.example.test.", "many.example.test.", "10.100.51.198.in-addr.arpa.",
                                        "www.lab.example.test."};
    for (size_t i = 0; i < 4; i++) {
        uint16_t type = i == 2 ? DNS_T_PTR : DNS_T_A;
        fnet_ask(a, names[i], type);
        fnet_ask(b, names[i], type);
        fnet_ask(c, names[i], type);
    }
    ck_assert_uint_eq(a->nsent, b->nsent);
    ck_assert_uint_eq(a->nsent, c->nsent);
    ck_assert_uint_ge(a->nsent, 8);
    size_t same = 0;
    for (size_t i = 0; i < a->nsent; i++) {
        ck_assert_uint_eq(a->sent[i].id, b->sent[i].id);
        ck_assert_uint_eq(a->sent[i].sport, b->sent[i].sport);
        ck_assert_uint_eq(a->sent[i].server, b->sent[i].server);
        ck_assert_mem_eq(a->sent[i].bytes, b->sent[i].bytes, a->sent[i].len);
        same += a->sent[i].id == c->sent[i].id;
    }
    ck_assert_uint_le(same, 1);
    fnet_free(&a);
    fnet_free(&b);
    fnet_free(&c);
}
END_TEST

START_TEST(test_measured_rto_is_kept)
{
    /* at any clock value (0 included), a server's measured RTO (answered
     * at once: the 200 ms floor) is used for its next query, however many
     * other servers were measured in between */
    const uint64_t starts[2] = {0, T0};
    for (int i = 0; i < 2; i++) {
        fnet_t *f = fnet_std(starts[i], NULL);
        fnet_ask(f, "www.example.test.", DNS_T_A);
        f->hold = true;
        ck_assert_int_eq(fnet_resolve(f, "nosuchtld.", DNS_T_A, 1), 0);
        fnet_asked(f, 3, 1, FNET_ROOT);
        ck_assert_uint_eq(resolver_next_deadline(f->r), starts[i] + 200 * MS);
        fnet_free(&f);
    }
}
END_TEST

START_TEST(test_glue_is_not_an_answer)
{
    /* RFC 2181 5.4.1: glue (TTL 172800 from the test. referral) is not
     * returned as an answer; the zone's own server is asked (TTL 300) */
    fnet_t *f = fnet_std(T0, NULL);
    fnet_ask(f, "www.example.test.", DNS_T_A);
    const fnet_done_t *d = fnet_ask(f, "ns1.example.test.", DNS_T_A);
    fnet_asked(f, 3, 1, FNET_AUTH);
    fnet_ok(d, DNS_RCODE_NOERROR);
    fnet_counts(d->resp, 1, 0);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "ns1.example.test.", DNS_T_A, 300, "203.0.113.30");
    /* nor the NS set of a referral (authority data): the apex's answer */
    d = fnet_ask(f, "example.test.", DNS_T_NS);
    fnet_asked(f, 4, 1, FNET_AUTH);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "example.test.", DNS_T_NS, 300, "ns1.example.test.");
    /* now both are authoritative answers in the cache */
    d = fnet_ask(f, "ns1.example.test.", DNS_T_A);
    ck_assert_uint_eq(f->nsent, 5);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "ns1.example.test.", DNS_T_A, 300, "203.0.113.30");
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

START_TEST(test_hints_survive_eviction)
{
    /* a cache of 4 entries: the walk pushes the root hints out, yet the
     * resolver still knows where to start */
    resolver_cfg_t cfg = resolver_cfg_default();
    cfg.cache_max = 4;
    fnet_t *f = fnet_std(T0, &cfg);
    const fnet_done_t *d = fnet_ask(f, "www.example.test.", DNS_T_A);
    fnet_ok(d, DNS_RCODE_NOERROR);
    d = fnet_ask(f, "nosuchtld.", DNS_T_A);
    fnet_ok(d, DNS_RCODE_NXDOMAIN);
    fnet_asked(f, 3, 1, FNET_ROOT);
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

/* Answer sent[i] genuinely, plus one extra record (name A addr) in section sec. */
static void s_answer_plus(fnet_t *f, size_t i, dns_section_t sec, const char *name, uint32_t addr)
{
    uint8_t buf[2048];
    size_t n = fnet_answer(f, i, buf, sizeof buf);
    dns_msg_t *m = malloc(sizeof *m);
    ck_assert_int_eq(dns_parse(buf, n, m), DNS_OK);
    /* sections fill in order: keep what follows sec aside */
    ck_assert(sec == DNS_SEC_ADDITIONAL || m->count[DNS_SEC_AUTHORITY] + m->count[DNS_SEC_ADDITIONAL] == 0);
    dns_name_t nm;
    ck_assert_int_eq(dns_name_from_text(name, NULL, &nm), DNS_OK);
    uint8_t a[4];
    wr_be32(a, addr);
    ck_assert_int_eq(dns_msg_add(m, sec, &nm, DNS_T_A, DNS_C_IN, 86400, a, 4), 0);
    int len = dns_emit(m, buf, sizeof buf, 0, NULL);
    ck_assert_int_gt(len, 0);
    free(m);
    resolver_response(f->r, f->sent[i].handle, f->sent[i].server, 53, buf, (size_t)len, 1, f->now);
}

START_TEST(test_out_of_bailiwick_ignored)
{
    /* RFC 2181 5.4.1: a server speaks only for its own zone. The test.
     * server's referral carries glue for a name outside test.; the
     * example.test. server's answer an address for a name outside its zone */
    fnet_t *f = fnet_std(T0, NULL);
    f->hold = true;
    ck_assert_int_eq(fnet_resolve(f, "www.example.test.", DNS_T_A, 1), 0);
    uint8_t buf[1024];
    size_t n = fnet_answer(f, 0, buf, sizeof buf);
    resolver_response(f->r, f->sent[0].handle, FNET_ROOT, 53, buf, n, 1, f->now);
    fnet_asked(f, 0, 2, FNET_ROOT, FNET_TLD);
    s_answer_plus(f, 1, DNS_SEC_ADDITIONAL, "evil.other.", LS_IP4(192, 0, 2, 66));
    fnet_asked(f, 0, 3, FNET_ROOT, FNET_TLD, FNET_AUTH);
    s_answer_plus(f, 2, DNS_SEC_ANSWER, "www.bank.other.", LS_IP4(192, 0, 2, 66));
    ck_assert_uint_eq(f->ndone, 1);
    fnet_ok(&f->done[0], DNS_RCODE_NOERROR);
    fnet_counts(f->done[0].resp, 1, 0);
    fnet_rr(f->done[0].resp, DNS_SEC_ANSWER, 0, "www.example.test.", DNS_T_A, 300, "198.51.100.10");
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.drop.out_of_bailiwick"), 2);
    dns_cache_t *c = resolver_cache(f->r);
    dns_name_t evil, bank;
    dns_name_from_text("evil.other.", NULL, &evil);
    dns_name_from_text("www.bank.other.", NULL, &bank);
    ck_assert_ptr_null(dns_cache_get(c, &evil, DNS_T_A, DNS_C_IN, f->now));
    ck_assert_ptr_null(dns_cache_get(c, &bank, DNS_T_A, DNS_C_IN, f->now));
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

static const char s_test_alias[] = "$ORIGIN test.\n$TTL 300\n"
                                   "@ IN SOA ns.nic hostmaster 1 1800 900 604800 45\n"
                                   "  IN NS ns.nic\nns.nic IN A 192.0.2.53\n"
                                   "alias IN CNAME nothere\n"
                                   "zero 0 IN A 192.0.2.7\n"
                                   "big 2147483647 IN A 192.0.2.8\n"
                                   "out IN CNAME www.example.other.\n";

START_TEST(test_cname_to_nxdomain)
{
    /* RFC 6604 / RFC 2308 5: NXDOMAIN refers to the chain's last name; the
     * CNAME and the SOA both come back, and both are cached */
    fnet_t *f = fnet_new(T0);
    fnet_server(f, FNET_ROOT, fnet_zone(f, fnet_root_tld2), NULL);
    fnet_server(f, FNET_TLD2, fnet_zone(f, s_test_alias), NULL);
    fnet_start(f, NULL);
    const fnet_done_t *d = fnet_ask(f, "alias.test.", DNS_T_A);
    fnet_asked(f, 0, 2, FNET_ROOT, FNET_TLD2);
    fnet_ok(d, DNS_RCODE_NXDOMAIN);
    fnet_counts(d->resp, 1, 1);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "alias.test.", DNS_T_CNAME, 300, "nothere.test.");
    fnet_rr(d->resp, DNS_SEC_AUTHORITY, 0, "test.", DNS_T_SOA, 45, NULL);
    f->now += 5 * SEC;
    d = fnet_ask(f, "alias.test.", DNS_T_A);
    ck_assert_uint_eq(f->nsent, 2);
    fnet_ok(d, DNS_RCODE_NXDOMAIN);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "alias.test.", DNS_T_CNAME, 295, "nothere.test.");
    fnet_rr(d->resp, DNS_SEC_AUTHORITY, 0, "test.", DNS_T_SOA, 40, NULL);
    /* a CNAME out of the zone: the resolver starts again at the target
     * (here a TLD that does not exist: the root says NXDOMAIN) */
    d = fnet_ask(f, "out.test.", DNS_T_A);
    fnet_asked(f, 2, 2, FNET_TLD2, FNET_ROOT);
    fnet_ok(d, DNS_RCODE_NXDOMAIN);
    fnet_counts(d->resp, 1, 1);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "out.test.", DNS_T_CNAME, 300, "www.example.other.");
    fnet_rr(d->resp, DNS_SEC_AUTHORITY, 0, ".", DNS_T_SOA, 60, NULL);
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

START_TEST(test_ttl_zero_and_cap)
{
    fnet_t *f = fnet_new(T0);
    fnet_server(f, FNET_ROOT, fnet_zone(f, fnet_root_tld2), NULL);
    fnet_server(f, FNET_TLD2, fnet_zone(f, s_test_alias), NULL);
    fnet_start(f, NULL);
    /* TTL 0 (RFC 1035 3.2.1): used for the answer at hand, TTL 0 passed on */
    const fnet_done_t *d = fnet_ask(f, "zero.test.", DNS_T_A);
    fnet_asked(f, 0, 2, FNET_ROOT, FNET_TLD2);
    fnet_ok(d, DNS_RCODE_NOERROR);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "zero.test.", DNS_T_A, 0, "192.0.2.7");
    /* a moment later it is not cached any more */
    f->now += 1;
    d = fnet_ask(f, "zero.test.", DNS_T_A);
    fnet_asked(f, 2, 1, FNET_TLD2);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "zero.test.", DNS_T_A, 0, "192.0.2.7");
    /* a TTL of 2^31-1 is kept (and passed on) as a week at most */
    d = fnet_ask(f, "big.test.", DNS_T_A);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "big.test.", DNS_T_A, 604800, "192.0.2.8");
    f->now += 604800 * SEC + 1;
    size_t before = f->nsent;
    d = fnet_ask(f, "big.test.", DNS_T_A);
    ck_assert_uint_gt(f->nsent, before);
    fnet_ok(d, DNS_RCODE_NOERROR);
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

START_TEST(test_states_logged)
{
    char path[] = "/tmp/ls-resolver-log-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    fnet_t *f = fnet_new(T0);
    fnet_default(f);
    ls_log_destroy(&f->log);
    f->log = ls_log_new("ns", "ns-dns", path, LS_LOG_PDU);
    ck_assert_ptr_nonnull(f->log);
    fnet_start(f, NULL);
    fnet_ask(f, "docs.example.test.", DNS_T_A);
    fnet_ask(f, "docs.example.test.", DNS_T_A);
    fnet_free(&f);
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text - 1, fp);
    text[n] = 0;
    fclose(fp);
    unlink(path);
    static const char *const want[] = {"INIT_REQUEST docs.example.test. A", "QUERYTARGETS zone .",
                                       "QUERYTARGETS ask a.root-servers.test. (203.0.113.10)",
                                       "QUERY_RESP referral from . to test.", "QUERY_RESP authoritative answer",
                                       "FINISHED docs.example.test. A NOERROR", "cache hit"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(text, want[i]) != NULL, "log lacks \"%s\"", want[i]);
}
END_TEST

Suite *resolver_suite(void)
{
    Suite *s = suite_create("resolver");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_full_walk_then_cache);
    tcase_add_test(tc, test_cname_chain);
    tcase_add_test(tc, test_nxdomain_negative_cache);
    tcase_add_test(tc, test_nodata_negative_cache);
    tcase_add_test(tc, test_truncated_retries_over_tcp);
    tcase_add_test(tc, test_glueless_ns_sub_request);
    tcase_add_test(tc, test_deeper_delegation);
    tcase_add_test(tc, test_flush_walks_again);
    tcase_add_test(tc, test_same_seed_same_ids_and_ports);
    tcase_add_test(tc, test_measured_rto_is_kept);
    tcase_add_test(tc, test_glue_is_not_an_answer);
    tcase_add_test(tc, test_hints_survive_eviction);
    tcase_add_test(tc, test_out_of_bailiwick_ignored);
    tcase_add_test(tc, test_cname_to_nxdomain);
    tcase_add_test(tc, test_ttl_zero_and_cap);
    tcase_add_test(tc, test_states_logged);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, resolver_fail_tcase());
    return s;
}
