/*
 * resolver_cases_fail.c -- the resolver check suite's failure cases
 * (test_resolver.c holds the rest): timeouts and failover across an NS
 * set, slow, unreachable, lame and dead servers, the RFC 5452 4 answer
 * checks (each mismatch dropped with its own counter while the genuine
 * answer is still taken), referral loops through glue-less NS names, and
 * the limits: referral depth, CNAME chain, requests in progress, queries
 * per request, time per request.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns_net.h"

#define SEC FNET_SEC
#define MS FNET_MS
#define T0 (1000 * SEC)
#define NS1_DEAD LS_IP4(192, 0, 2, 1)
#define NS2_LIVE LS_IP4(192, 0, 2, 2)

/* ------------------------------------------------------------ timeouts and failover */

/* A root that delegates test. to two servers (ns1 dead, ns2 alive), both with glue. */
static const char s_root_two[] = "$ORIGIN .\n$TTL 86400\n"
                                 "@ IN SOA a.root-servers.test. hostmaster.test. 1 1800 900 604800 60\n"
                                 "  IN NS a.root-servers.test.\n"
                                 "test. 172800 IN NS ns1.test.\n"
                                 "test. 172800 IN NS ns2.test.\n"
                                 "ns1.test. 172800 IN A 192.0.2.1\n"
                                 "ns2.test. 172800 IN A 192.0.2.2\n";
static const char s_test_two[] = "$ORIGIN test.\n$TTL 300\n"
                                 "@ IN SOA ns2 hostmaster 1 1800 900 604800 60\n"
                                 "  IN NS ns1\n  IN NS ns2\n"
                                 "ns1 IN A 192.0.2.1\nns2 IN A 192.0.2.2\n"
                                 "www IN A 192.0.2.80\nftp IN A 192.0.2.21\nmail IN A 192.0.2.25\n";

static fnet_t *s_two(uint64_t now, const resolver_cfg_t *cfg)
{
    fnet_t *f = fnet_new(now);
    fnet_server(f, FNET_ROOT, fnet_zone(f, s_root_two), NULL);
    const zone_t *t = fnet_zone(f, s_test_two);
    fnet_server(f, NS1_DEAD, t, NULL)->dead = true;
    fnet_server(f, NS2_LIVE, t, NULL);
    fnet_start(f, cfg);
    return f;
}

START_TEST(test_timeout_failover)
{
    fnet_t *f = s_two(T0, NULL);
    ck_assert_int_eq(fnet_resolve(f, "www.test.", DNS_T_A, 1), 0);
    fnet_pump(f);
    fnet_asked(f, 0, 2, FNET_ROOT, NS1_DEAD);
    /* the RTO of a server never measured: 1 s */
    ck_assert_uint_eq(resolver_next_deadline(f->r), T0 + SEC);
    resolver_poll(f->r, T0 + SEC - 1);
    ck_assert_uint_eq(f->nsent, 2);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.timeout"), 0);
    f->now = T0 + SEC;
    resolver_poll(f->r, f->now);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.timeout"), 1);
    ck_assert(fnet_cancelled(f, f->sent[1].handle));
    fnet_asked(f, 0, 3, FNET_ROOT, NS1_DEAD, NS2_LIVE);
    ck_assert_uint_eq(f->sent[2].at, T0 + SEC);
    fnet_run(f, T0 + 60 * SEC);
    ck_assert_uint_eq(f->ndone, 1);
    fnet_ok(&f->done[0], DNS_RCODE_NOERROR);
    fnet_rr(f->done[0].resp, DNS_SEC_ANSWER, 0, "www.test.", DNS_T_A, 300, "192.0.2.80");
    ck_assert_uint_eq(f->done[0].at, T0 + SEC);
    /* a later request asks the server that answered first (lower RTO) */
    f->now = T0 + 5 * SEC;
    const fnet_done_t *d = fnet_ask(f, "ftp.test.", DNS_T_A);
    fnet_asked(f, 3, 1, NS2_LIVE);
    fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "ftp.test.", DNS_T_A, 300, "192.0.2.21");
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.timeout"), 1);
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

START_TEST(test_slow_server_second_try)
{
    /* one server that answers after 1.5 s: the first try times out at 1 s
     * (its late answer dies with its socket), the second (RTO doubled: 2 s) gets one */
    fnet_t *f = fnet_std(T0, NULL);
    fnet_find(f, FNET_AUTH)->delay = 1500 * MS;
    const fnet_done_t *d = fnet_ask(f, "www.example.test.", DNS_T_A);
    fnet_asked(f, 0, 4, FNET_ROOT, FNET_TLD, FNET_AUTH, FNET_AUTH);
    ck_assert_uint_eq(f->sent[3].at, T0 + SEC);
    fnet_ok(d, DNS_RCODE_NOERROR);
    ck_assert_uint_eq(d->at, T0 + 2500 * MS);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.timeout"), 1);
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

START_TEST(test_unreachable_and_refusing_servers)
{
    /* send fails at once: the next server, no timeout */
    fnet_t *f = s_two(T0, NULL);
    fnet_find(f, NS1_DEAD)->unreachable = true;
    const fnet_done_t *d = fnet_ask(f, "www.test.", DNS_T_A);
    fnet_asked(f, 0, 3, FNET_ROOT, NS1_DEAD, NS2_LIVE);
    fnet_ok(d, DNS_RCODE_NOERROR);
    ck_assert_uint_eq(d->at, T0);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.send_failed"), 1);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.timeout"), 0);
    fnet_free(&f);

    /* a lame server (REFUSED: it does not serve test.): the next one */
    f = s_two(T0, NULL);
    fnet_srv_t *s = fnet_find(f, NS1_DEAD);
    s->dead = false;
    s->nzones = 0;
    d = fnet_ask(f, "www.test.", DNS_T_A);
    fnet_asked(f, 0, 3, FNET_ROOT, NS1_DEAD, NS2_LIVE);
    fnet_ok(d, DNS_RCODE_NOERROR);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.server_failed"), 1);
    fnet_idle(f);
    fnet_free(&f);

    /* ICMP port unreachable for the query (resolver_failed): the next one */
    f = s_two(T0, NULL);
    f->hold = true;
    ck_assert_int_eq(fnet_resolve(f, "www.test.", DNS_T_A, 1), 0);
    uint8_t buf[1024];
    size_t n = fnet_answer(f, 0, buf, sizeof buf);
    f->hold = false;
    resolver_response(f->r, f->sent[0].handle, FNET_ROOT, 53, buf, n, 1, f->now);
    fnet_asked(f, 0, 2, FNET_ROOT, NS1_DEAD);
    resolver_failed(f->r, f->sent[1].handle, ECONNREFUSED, f->now);
    ck_assert(fnet_cancelled(f, f->sent[1].handle));
    fnet_run(f, T0 + 60 * SEC);
    fnet_asked(f, 0, 3, FNET_ROOT, NS1_DEAD, NS2_LIVE);
    ck_assert_uint_eq(f->ndone, 1);
    fnet_ok(&f->done[0], DNS_RCODE_NOERROR);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.server_failed"), 1);
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

START_TEST(test_all_servers_dead)
{
    resolver_cfg_t cfg = resolver_cfg_default();
    ck_assert_uint_eq(cfg.tries_per_server, 3); /* the default */
    cfg.tries_per_server = 2;                   /* this test counts with 2 */
    fnet_t *f = fnet_std(T0, &cfg);
    fnet_find(f, FNET_ROOT)->dead = true;
    const fnet_done_t *d = fnet_ask(f, "www.example.test.", DNS_T_A);
    /* the only root server, tries_per_server (2) times: 1 s, then 2 s */
    fnet_asked(f, 0, 2, FNET_ROOT, FNET_ROOT);
    ck_assert_uint_eq(f->sent[1].at, T0 + SEC);
    fnet_servfail(d, NULL);
    ck_assert_uint_le(d->at, T0 + cfg.request_timeout_ns);
    ck_assert_uint_eq(d->at, T0 + 3 * SEC);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.timeout"), 2);
    ck_assert_uint_ge(fnet_ctr(f, "dns.resolver.servfail"), 1);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.answered.servfail"), 1);
    fnet_counts(d->resp, 0, 0);
    fnet_idle(f);
    fnet_free(&f);

    /* both servers of test. dead */
    f = s_two(T0, &cfg);
    fnet_find(f, NS2_LIVE)->dead = true;
    d = fnet_ask(f, "www.test.", DNS_T_A);
    fnet_servfail(d, "test.");
    ck_assert_uint_eq(f->nsent, 1 + 2 * 2);
    ck_assert_uint_le(d->at, T0 + cfg.request_timeout_ns);
    fnet_idle(f);
    fnet_free(&f);

    /* the request's own limit: more tries than fit in 2 s */
    cfg.request_timeout_ns = 2 * SEC;
    cfg.tries_per_server = 10;
    f = s_two(T0, &cfg);
    fnet_find(f, NS2_LIVE)->dead = true;
    d = fnet_ask(f, "www.test.", DNS_T_A);
    fnet_servfail(d, "2000 ms");
    ck_assert_uint_eq(d->at, T0 + 2 * SEC);
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

START_TEST(test_lost_answers)
{
    /* the 2nd query's answer is lost: the TLD is asked again after its RTO */
    fnet_t *f = fnet_std(T0, NULL);
    f->drop_nth = 2;
    const fnet_done_t *d = fnet_ask(f, "www.example.test.", DNS_T_A);
    fnet_asked(f, 0, 4, FNET_ROOT, FNET_TLD, FNET_TLD, FNET_AUTH);
    fnet_ok(d, DNS_RCODE_NOERROR);
    ck_assert_uint_eq(d->at, T0 + SEC);
    ck_assert_uint_ne(f->sent[1].id, f->sent[2].id); /* a new query, not the same bytes again */
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.timeout"), 1);
    fnet_idle(f);
    fnet_free(&f);

    /* the TCP retry's answer is lost: that server is done for (the UDP
     * answer was truncated), and it was the zone's only one */
    f = fnet_std(T0, NULL);
    f->drop_nth = 4;
    d = fnet_ask(f, "many.example.test.", DNS_T_A);
    fnet_asked(f, 0, 4, FNET_ROOT, FNET_TLD, FNET_AUTH, FNET_AUTH);
    ck_assert(f->sent[3].tcp);
    fnet_servfail(d, "example.test.");
    ck_assert_uint_eq(d->at, T0 + 2 * SEC); /* a TCP query gets 2 s at least */
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

/* ------------------------------------------------------------ RFC 5452 answer checks */

START_TEST(test_mismatched_answers_dropped)
{
    fnet_t *f = fnet_std(T0, NULL);
    f->hold = true;
    ck_assert_int_eq(fnet_resolve(f, "www.example.test.", DNS_T_A, 1), 0);
    fnet_asked(f, 0, 1, FNET_ROOT);
    const fnet_sent_t *s = &f->sent[0];
    uint8_t good[1024], bad[1024];
    size_t n = fnet_answer(f, 0, good, sizeof good);
    /* (a) another id */
    memcpy(bad, good, n);
    wr_be16(bad + DNS_OFF_ID, (uint16_t)(s->id + 1));
    resolver_response(f->r, s->handle, FNET_ROOT, 53, bad, n, 1, f->now);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.drop.id_mismatch"), 1);
    /* (b) from another address */
    resolver_response(f->r, s->handle, LS_IP4(192, 0, 2, 66), 53, good, n, 2, f->now);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.drop.addr_mismatch"), 1);
    /* (c) from another port */
    resolver_response(f->r, s->handle, FNET_ROOT, 5353, good, n, 3, f->now);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.drop.port_mismatch"), 1);
    /* (d) the answer to another question, with the right id */
    dns_msg_t *m = malloc(sizeof *m);
    dns_name_t other;
    dns_name_from_text("web.example.test.", NULL, &other);
    dns_msg_init_query(m, s->id, &other, DNS_T_A, false);
    m->qr = true;
    int bl = dns_emit(m, bad, sizeof bad, 0, NULL);
    ck_assert_int_gt(bl, 0);
    resolver_response(f->r, s->handle, FNET_ROOT, 53, bad, (size_t)bl, 4, f->now);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.drop.question_mismatch"), 1);
    free(m);
    /* (e) QR = 0 */
    memcpy(bad, good, n);
    wr_be16(bad + DNS_OFF_FLAGS, rd_be16(bad + DNS_OFF_FLAGS) & ~DNS_FLAG_QR);
    resolver_response(f->r, s->handle, FNET_ROOT, 53, bad, n, 5, f->now);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.drop.not_response"), 1);
    /* malformed, and for a handle nobody asked on */
    resolver_response(f->r, s->handle, FNET_ROOT, 53, good, 7, 6, f->now);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.drop.malformed"), 1);
    resolver_response(f->r, s->handle + 1000, FNET_ROOT, 53, good, n, 7, f->now);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.drop.no_query"), 1);
    /* none of them ended the request or sent anything */
    ck_assert_uint_eq(f->ndone, 0);
    ck_assert_uint_eq(resolver_requests(f->r), 1);
    ck_assert_uint_eq(f->nsent, 1);
    ck_assert(!fnet_cancelled(f, s->handle));
    /* the genuine answer is still taken */
    f->hold = false;
    resolver_response(f->r, s->handle, FNET_ROOT, 53, good, n, 8, f->now);
    fnet_run(f, T0 + 60 * SEC);
    fnet_asked(f, 0, 3, FNET_ROOT, FNET_TLD, FNET_AUTH);
    ck_assert_uint_eq(f->ndone, 1);
    fnet_ok(&f->done[0], DNS_RCODE_NOERROR);
    fnet_rr(f->done[0].resp, DNS_SEC_ANSWER, 0, "www.example.test.", DNS_T_A, 300, "198.51.100.10");
    /* and once answered, a replay of it is no longer accepted */
    resolver_response(f->r, s->handle, FNET_ROOT, 53, good, n, 9, f->now);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.drop.no_query"), 2);
    ck_assert_uint_eq(f->ndone, 1);
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

/* ------------------------------------------------------------ limits */

/* A server for test. whose zone refers a.test. and b.test. to each other's
 * names, with no glue anywhere. */
static const char s_test_loop[] = "$ORIGIN test.\n$TTL 300\n"
                                  "@ IN SOA ns.nic hostmaster 1 1800 900 604800 60\n"
                                  "  IN NS ns.nic\nns.nic IN A 192.0.2.53\n"
                                  "a IN NS ns.b.test.\n"
                                  "b IN NS ns.a.test.\n";

START_TEST(test_referral_loop)
{
    fnet_t *f = fnet_new(T0);
    fnet_server(f, FNET_ROOT, fnet_zone(f, fnet_root_tld2), NULL);
    fnet_server(f, FNET_TLD2, fnet_zone(f, s_test_loop), NULL);
    fnet_start(f, NULL);
    const fnet_done_t *d = fnet_ask(f, "www.a.test.", DNS_T_A);
    fnet_servfail(d, NULL);
    ck_assert_uint_ge(fnet_ctr(f, "dns.resolver.ns_loop"), 1);
    ck_assert_uint_ge(fnet_ctr(f, "dns.resolver.ns_lookup"), 1);
    ck_assert_uint_eq(f->ndone, 1);
    ck_assert_uint_le(f->nsent, 8);
    ck_assert_uint_eq(d->at, T0); /* no waiting: the loop is seen, not timed out */
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

START_TEST(test_depth_limit)
{
    resolver_cfg_t cfg = resolver_cfg_default();
    cfg.max_depth = 2;
    /* from an empty cache: two referrals are allowed ... */
    fnet_t *f = fnet_std(T0, &cfg);
    const fnet_done_t *d = fnet_ask(f, "www.example.test.", DNS_T_A);
    fnet_ok(d, DNS_RCODE_NOERROR);
    fnet_asked(f, 0, 3, FNET_ROOT, FNET_TLD, FNET_AUTH);
    fnet_free(&f);
    /* ... the third (to lab.example.test.) is one too many */
    f = fnet_std(T0, &cfg);
    d = fnet_ask(f, "www.lab.example.test.", DNS_T_A);
    fnet_servfail(d, "depth");
    fnet_asked(f, 0, 3, FNET_ROOT, FNET_TLD, FNET_AUTH);
    fnet_idle(f);
    fnet_free(&f);

    /* an NS-address sub-request counts as a level too */
    cfg.max_depth = 1;
    f = fnet_std(T0, &cfg);
    d = fnet_ask(f, "10.100.51.198.in-addr.arpa.", DNS_T_PTR);
    fnet_servfail(d, "depth");
    fnet_asked(f, 0, 1, FNET_ROOT);
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

/* c0 -> c1 -> ... -> c9 -> c10 (A): ten CNAMEs, more than auth.c follows in one answer */
static const char s_test_chain[] = "$ORIGIN test.\n$TTL 300\n"
                                   "@ IN SOA ns.nic hostmaster 1 1800 900 604800 60\n"
                                   "  IN NS ns.nic\nns.nic IN A 192.0.2.53\n"
                                   "c0 IN CNAME c1\nc1 IN CNAME c2\nc2 IN CNAME c3\nc3 IN CNAME c4\n"
                                   "c4 IN CNAME c5\nc5 IN CNAME c6\nc6 IN CNAME c7\nc7 IN CNAME c8\n"
                                   "c8 IN CNAME c9\nc9 IN CNAME c10\nc10 IN A 192.0.2.10\n";

START_TEST(test_cname_limit)
{
    resolver_cfg_t cfg = resolver_cfg_default();
    cfg.max_cname = 1;
    fnet_t *f = fnet_std(T0, &cfg);
    const fnet_done_t *d = fnet_ask(f, "docs.example.test.", DNS_T_A);
    fnet_servfail(d, "CNAME");
    fnet_counts(d->resp, 0, 0);
    fnet_free(&f);

    cfg.max_cname = 2;
    f = fnet_std(T0, &cfg);
    d = fnet_ask(f, "docs.example.test.", DNS_T_A);
    fnet_ok(d, DNS_RCODE_NOERROR);
    fnet_counts(d->resp, 3, 0);
    fnet_free(&f);

    /* ten CNAMEs: beyond the default 8 -> SERVFAIL; with max_cname 10 resolved */
    for (int pass = 0; pass < 2; pass++) {
        cfg = resolver_cfg_default();
        if (pass)
            cfg.max_cname = 10;
        f = fnet_new(T0);
        fnet_server(f, FNET_ROOT, fnet_zone(f, fnet_root_tld2), NULL);
        fnet_server(f, FNET_TLD2, fnet_zone(f, s_test_chain), NULL);
        fnet_start(f, &cfg);
        d = fnet_ask(f, "c0.test.", DNS_T_A);
        if (!pass) {
            fnet_servfail(d, "CNAME chain longer than 8");
        } else {
            fnet_ok(d, DNS_RCODE_NOERROR);
            fnet_counts(d->resp, 11, 0);
            fnet_rr(d->resp, DNS_SEC_ANSWER, 0, "c0.test.", DNS_T_CNAME, 300, "c1.test.");
            fnet_rr(d->resp, DNS_SEC_ANSWER, 9, "c9.test.", DNS_T_CNAME, 300, "c10.test.");
            fnet_rr(d->resp, DNS_SEC_ANSWER, 10, "c10.test.", DNS_T_A, 300, "192.0.2.10");
        }
        fnet_idle(f);
        fnet_free(&f);
    }
}
END_TEST

START_TEST(test_max_requests)
{
    resolver_cfg_t cfg = resolver_cfg_default();
    cfg.max_requests = 2;
    fnet_t *f = fnet_std(T0, &cfg);
    fnet_find(f, FNET_ROOT)->delay = 100 * MS;
    ck_assert_int_eq(fnet_resolve(f, "www.example.test.", DNS_T_A, 1), 0);
    ck_assert_int_eq(fnet_resolve(f, "hosta.example.test.", DNS_T_A, 2), 0);
    ck_assert_uint_eq(resolver_requests(f->r), 2);
    ck_assert_int_eq(fnet_resolve(f, "mail.example.test.", DNS_T_A, 3), -1);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.drop.too_many_requests"), 1);
    ck_assert_uint_eq(resolver_requests(f->r), 2);
    fnet_run(f, T0 + 60 * SEC);
    ck_assert_uint_eq(f->ndone, 2);
    ck_assert_uint_eq(f->done[0].token + f->done[1].token, 3);
    fnet_ok(&f->done[0], DNS_RCODE_NOERROR);
    fnet_ok(&f->done[1], DNS_RCODE_NOERROR);
    ck_assert_uint_eq(resolver_requests(f->r), 0);
    /* room again */
    ck_assert_int_eq(fnet_resolve(f, "mail.example.test.", DNS_T_A, 3), 0);
    fnet_run(f, T0 + 60 * SEC);
    ck_assert_uint_eq(f->ndone, 3);
    /* the token is the caller's: 0 is a token like any other, and its
     * request's slot is given back too (answered from the cache here) */
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(fnet_resolve(f, "www.example.test.", DNS_T_A, 0), 0);
    ck_assert_uint_eq(f->ndone, 7);
    ck_assert_uint_eq(f->done[6].token, 0);
    ck_assert_uint_eq(resolver_requests(f->r), 0);
    ck_assert_uint_eq(fnet_ctr(f, "dns.resolver.drop.too_many_requests"), 1);
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

START_TEST(test_max_sends_counts_sub_requests)
{
    /* the glue-less PTR takes 4 queries, 2 of them by its sub-request:
     * max_sends covers the request and its sub-requests together */
    resolver_cfg_t cfg = resolver_cfg_default();
    cfg.max_sends = 3;
    fnet_t *f = fnet_std(T0, &cfg);
    const fnet_done_t *d = fnet_ask(f, "10.100.51.198.in-addr.arpa.", DNS_T_PTR);
    fnet_servfail(d, "queries sent");
    ck_assert_uint_le(f->nsent, 3);
    fnet_idle(f);
    fnet_free(&f);
    cfg.max_sends = 4;
    f = fnet_std(T0, &cfg);
    d = fnet_ask(f, "10.100.51.198.in-addr.arpa.", DNS_T_PTR);
    fnet_ok(d, DNS_RCODE_NOERROR);
    ck_assert_uint_eq(f->nsent, 4);
    /* the full walk: 3 */
    cfg.max_sends = 2;
    fnet_free(&f);
    f = fnet_std(T0, &cfg);
    d = fnet_ask(f, "www.example.test.", DNS_T_A);
    fnet_servfail(d, "queries sent");
    fnet_asked(f, 0, 2, FNET_ROOT, FNET_TLD);
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

START_TEST(test_timeout_while_sub_request_runs)
{
    /* the TLD is dead: the glue-less PTR's sub-request for ns1.example.test.
     * is still waiting on it when the client's request runs out of time;
     * the request ends (SERVFAIL) and the sub-request's query is cancelled */
    resolver_cfg_t cfg = resolver_cfg_default();
    cfg.request_timeout_ns = 2 * SEC;
    fnet_t *f = fnet_std(T0, &cfg);
    fnet_find(f, FNET_TLD)->dead = true;
    const fnet_done_t *d = fnet_ask(f, "10.100.51.198.in-addr.arpa.", DNS_T_PTR);
    fnet_asked(f, 0, 4, FNET_ROOT, FNET_ROOT, FNET_TLD, FNET_TLD);
    fnet_servfail(d, "2000 ms");
    ck_assert_uint_eq(d->at, T0 + 2 * SEC);
    ck_assert_uint_eq(f->ndone, 1);
    fnet_idle(f);
    fnet_free(&f);
}
END_TEST

TCase *resolver_fail_tcase(void)
{
    TCase *tc = tcase_create("failures");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_timeout_failover);
    tcase_add_test(tc, test_slow_server_second_try);
    tcase_add_test(tc, test_unreachable_and_refusing_servers);
    tcase_add_test(tc, test_all_servers_dead);
    tcase_add_test(tc, test_lost_answers);
    tcase_add_test(tc, test_mismatched_answers_dropped);
    tcase_add_test(tc, test_referral_loop);
    tcase_add_test(tc, test_depth_limit);
    tcase_add_test(tc, test_cname_limit);
    tcase_add_test(tc, test_max_requests);
    tcase_add_test(tc, test_max_sends_counts_sub_requests);
    tcase_add_test(tc, test_timeout_while_sub_request_runs);
    return tc;
}
