/*
 * test_stub.c -- the stub resolver (dns-svc/stub.c) on a fake clock. Its
 * nameservers are simulated in the test: io.send records each query, and
 * the test answers it (from a zone, through auth_answer, as a recursive
 * server that knows the answer would), drops it, or spoofs it.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "dns-svc/auth.h"
#include "dns-svc/stub.h"

#define NS1 LS_IP4(198, 51, 100, 53)
#define NS2 LS_IP4(198, 51, 100, 54)
#define SEC 1000000000ull
#define MAXQ 32

typedef struct {
    uint32_t handle, server;
    uint16_t sport;
    bool tcp;
    uint8_t msg[600];
    size_t len;
} s_sent_t;

typedef struct {
    stub_t *stub;
    ls_counters_t *ctr;
    zone_t *zone;
    uint64_t now;
    s_sent_t sent[MAXQ];
    int nsent, cancelled;
    int ndone;
    stub_result_t res;          /* the last result (msg copied) */
    dns_msg_t *resmsg;
    uint64_t token;
} s_fix_t;

static const char *s_zone_text =
    "$ORIGIN example.test.\n$TTL 300\n"
    "@ IN SOA ns1 hostmaster 1 3600 900 604800 30\n"
    "@ IN NS ns1\nns1 IN A 203.0.113.30\n"
    "www IN A 198.51.100.10\n"
    "web IN CNAME www\n";

static int s_send(void *ctx, uint32_t handle, uint32_t server, uint16_t sport, bool tcp, const uint8_t *msg,
                  size_t len, uint64_t parent)
{
    s_fix_t *f = ctx;
    ck_assert_int_lt(f->nsent, MAXQ);
    s_sent_t *s = &f->sent[f->nsent++];
    *s = (s_sent_t){.handle = handle, .server = server, .sport = sport, .tcp = tcp, .len = len};
    ck_assert_uint_le(len, sizeof s->msg);
    memcpy(s->msg, msg, len);
    return 0;
}

static void s_cancel(void *ctx, uint32_t handle)
{
    s_fix_t *f = ctx;
    f->cancelled++;
}

static void s_done(void *ctx, uint64_t token, const stub_result_t *res, uint64_t parent)
{
    s_fix_t *f = ctx;
    f->ndone++;
    f->token = token;
    f->res = *res;
    memcpy(f->resmsg, res->msg, sizeof *f->resmsg);
    f->res.msg = f->resmsg;
}

static s_fix_t *s_fix(size_t nns, bool with_search)
{
    s_fix_t *f = calloc(1, sizeof *f);
    f->ctr = ls_counters_new();
    f->now = 100 * SEC;
    f->resmsg = malloc(sizeof *f->resmsg);
    char err[200];
    f->zone = zone_load_buf("t.zone", s_zone_text, strlen(s_zone_text), NULL, err, sizeof err);
    ck_assert_msg(f->zone != NULL, "%s", err);
    stub_cfg_t cfg = stub_cfg_default();
    cfg.ns[0] = NS1;
    cfg.ns[1] = NS2;
    cfg.nns = nns;
    cfg.timeout_ns = 2 * SEC;
    if (with_search) {
        dns_name_from_text("example.test.", NULL, &cfg.search[0]);
        cfg.nsearch = 1;
    }
    stub_io_t io = {.ctx = f, .send = s_send, .cancel = s_cancel, .done = s_done, .counters = f->ctr};
    f->stub = stub_new(&cfg, &io);
    ck_assert_ptr_nonnull(f->stub);
    return f;
}

static void s_fix_free(s_fix_t *f)
{
    stub_destroy(&f->stub);
    zone_destroy(&f->zone);
    ls_counters_destroy(&f->ctr);
    free(f->resmsg);
    free(f);
}

/* Answer sent query k as a recursive server would (RA=1), from `from`:port, with TC if limit. */
static void s_answer_from(s_fix_t *f, int k, uint32_t from, uint16_t port, size_t limit, int id_delta)
{
    s_sent_t *s = &f->sent[k];
    dns_msg_t *q = malloc(sizeof *q), *r = malloc(sizeof *r);
    ck_assert_int_eq(dns_parse(s->msg, s->len, q), DNS_OK);
    ck_assert(q->rd); /* a stub asks recursively */
    const zone_t *zs[] = {f->zone};
    char what[300];
    if (auth_answer(zs, 1, q, r, what, sizeof what) == AUTH_NOT_OURS) {
        auth_error(q, DNS_RCODE_NXDOMAIN, r);
    }
    r->aa = false;
    r->ra = true;
    r->id = (uint16_t)(r->id + id_delta);
    uint8_t buf[4096];
    int n = dns_emit(r, buf, sizeof buf, limit, NULL);
    ck_assert_int_gt(n, 0);
    stub_response(f->stub, s->handle, from, port, buf, (size_t)n, 0, f->now);
    free(q);
    free(r);
}

static void s_answer(s_fix_t *f, int k) { s_answer_from(f, k, f->sent[k].server, 53, 0, 0); }

static const char *s_qname(s_fix_t *f, int k, char *buf)
{
    dns_msg_t *q = malloc(sizeof *q);
    ck_assert_int_eq(dns_parse(f->sent[k].msg, f->sent[k].len, q), DNS_OK);
    dns_name_to_text(&q->qd[0].name, buf, DNS_NAME_TEXT_MAX);
    free(q);
    return buf;
}

START_TEST(test_hosts_first)
{
    s_fix_t *f = s_fix(1, true);
    ck_assert_uint_eq(stub_hosts_load(f->stub, "# comment\n198.51.100.10 hostb hostb.eth0\n192.0.2.10 hosta\n"
                                               "192.0.2.99 hostb\n::1 localhost\n"), 3);
    ck_assert_int_eq(stub_resolve(f->stub, "hostb", DNS_T_A, 7, 0, f->now), 0);
    ck_assert_int_eq(f->ndone, 1);
    ck_assert_int_eq(f->nsent, 0); /* the hosts file answered: no query */
    ck_assert_int_eq(f->res.src, STUB_SRC_HOSTS);
    ck_assert_uint_eq(f->res.msg->count[DNS_SEC_ANSWER], 1);
    uint32_t a;
    const dns_rr_t *rr = dns_msg_section_c(f->res.msg, DNS_SEC_ANSWER);
    ck_assert_int_eq(dns_rdata_a(dns_rr_rdata(f->res.msg, rr), rr->rdlen, &a), 0);
    ck_assert_uint_eq(a, LS_IP4(198, 51, 100, 10)); /* the first line naming it wins */
    char t[DNS_NAME_TEXT_MAX];
    ck_assert_str_eq(dns_name_to_text(&rr->name, t, sizeof t), "hostb.");
    /* PTR from the hosts file */
    ck_assert_int_eq(stub_resolve(f->stub, "10.2.0.192.in-addr.arpa", DNS_T_PTR, 8, 0, f->now), 0);
    ck_assert_int_eq(f->nsent, 0);
    rr = dns_msg_section_c(f->res.msg, DNS_SEC_ANSWER);
    ck_assert_uint_eq(rr->type, DNS_T_PTR);
    ck_assert_uint_eq(ls_counter_get(f->ctr, "dns.stub.hosts_hit"), 2);
    s_fix_free(f);
}
END_TEST

START_TEST(test_server_then_cache_ttl)
{
    s_fix_t *f = s_fix(1, true);
    /* "www" has fewer dots than ndots: the search list first */
    ck_assert_int_eq(stub_resolve(f->stub, "www", DNS_T_A, 1, 0, f->now), 0);
    ck_assert_int_eq(f->nsent, 1);
    char t[DNS_NAME_TEXT_MAX];
    ck_assert_str_eq(s_qname(f, 0, t), "www.example.test.");
    ck_assert_uint_eq(f->sent[0].server, NS1);
    ck_assert_uint_ge(f->sent[0].sport, 49152);
    ck_assert_int_eq(f->ndone, 0);
    s_answer(f, 0);
    ck_assert_int_eq(f->ndone, 1);
    ck_assert_uint_eq(f->token, 1);
    ck_assert_int_eq(f->res.rcode, DNS_RCODE_NOERROR);
    ck_assert_int_eq(f->res.src, STUB_SRC_SERVER);
    ck_assert_uint_eq(f->res.server, NS1);
    ck_assert_int_eq(f->cancelled, 1); /* its socket released */
    /* 100 s later: from the cache, TTL 200 left, no query */
    f->now += 100 * SEC;
    stub_resolve(f->stub, "www.example.test", DNS_T_A, 2, 0, f->now);
    ck_assert_int_eq(f->nsent, 1);
    ck_assert_int_eq(f->res.src, STUB_SRC_CACHE);
    ck_assert_uint_eq(dns_msg_section_c(f->res.msg, DNS_SEC_ANSWER)->ttl, 200);
    /* a CNAME chain comes back whole and is cached piece by piece */
    stub_resolve(f->stub, "web.example.test.", DNS_T_A, 3, 0, f->now);
    ck_assert_int_eq(f->nsent, 2);
    s_answer(f, 1);
    ck_assert_uint_eq(f->res.msg->count[DNS_SEC_ANSWER], 2);
    ck_assert_uint_eq(dns_msg_section_c(f->res.msg, DNS_SEC_ANSWER)[0].type, DNS_T_CNAME);
    /* after 301 s the answer has expired: a new query */
    f->now += 301 * SEC;
    stub_resolve(f->stub, "www.example.test", DNS_T_A, 4, 0, f->now);
    ck_assert_int_eq(f->nsent, 3);
    s_fix_free(f);
}
END_TEST

START_TEST(test_nxdomain_through_search_list)
{
    s_fix_t *f = s_fix(1, true);
    stub_resolve(f->stub, "nope.test", DNS_T_A, 1, 0, f->now);
    /* one dot >= ndots 1: as given first, then with the search domain */
    char t[DNS_NAME_TEXT_MAX];
    ck_assert_str_eq(s_qname(f, 0, t), "nope.test.");
    s_answer(f, 0); /* not in the zone: NXDOMAIN (no SOA from this fake: not cached) */
    ck_assert_int_eq(f->nsent, 2);
    ck_assert_str_eq(s_qname(f, 1, t), "nope.test.example.test.");
    s_answer(f, 1); /* in the zone's name space: NXDOMAIN with the SOA */
    ck_assert_int_eq(f->ndone, 1);
    ck_assert_int_eq(f->res.rcode, DNS_RCODE_NXDOMAIN);
    ck_assert_str_eq(dns_name_to_text(&f->res.name, t, sizeof t), "nope.test."); /* reported as given */
    /* the negative answer with an SOA is cached for the SOA minimum (30 s) */
    stub_resolve(f->stub, "nope.test.example.test.", DNS_T_A, 2, 0, f->now + 29 * SEC);
    ck_assert_int_eq(f->nsent, 2);
    ck_assert_int_eq(f->res.rcode, DNS_RCODE_NXDOMAIN);
    stub_resolve(f->stub, "nope.test.example.test.", DNS_T_A, 3, 0, f->now + 31 * SEC);
    ck_assert_int_eq(f->nsent, 3);
    s_fix_free(f);
}
END_TEST

START_TEST(test_timeout_failover_attempts)
{
    s_fix_t *f = s_fix(2, false);
    stub_resolve(f->stub, "www.example.test.", DNS_T_A, 1, 0, f->now);
    ck_assert_int_eq(f->nsent, 1);
    ck_assert_uint_eq(f->sent[0].server, NS1);
    /* nothing before the timeout */
    ck_assert_uint_eq(stub_next_deadline(f->stub), f->now + 2 * SEC);
    f->now += 2 * SEC;
    stub_poll(f->stub, f->now);
    ck_assert_int_eq(f->nsent, 2);
    ck_assert_uint_eq(f->sent[1].server, NS2); /* the next server */
    ck_assert_uint_eq(ls_counter_get(f->ctr, "dns.stub.timeout"), 1);
    /* a late answer to the first query is no longer wanted */
    s_answer(f, 0);
    ck_assert_int_eq(f->ndone, 0);
    ck_assert_uint_eq(ls_counter_get(f->ctr, "dns.stub.drop.no_query"), 1);
    /* both dead: attempts (2) x servers (2) tries, then a timeout */
    for (int i = 0; i < 3; i++) {
        f->now += 2 * SEC;
        stub_poll(f->stub, f->now);
    }
    ck_assert_int_eq(f->nsent, 4);
    ck_assert_uint_eq(f->sent[2].server, NS1);
    ck_assert_uint_eq(f->sent[3].server, NS2);
    ck_assert_int_eq(f->ndone, 1);
    ck_assert(f->res.timed_out);
    ck_assert_int_eq(f->res.rcode, DNS_RCODE_SERVFAIL);
    s_fix_free(f);
}
END_TEST

START_TEST(test_spoofed_answers_rejected)
{
    s_fix_t *f = s_fix(1, false);
    stub_resolve(f->stub, "www.example.test.", DNS_T_A, 1, 0, f->now);
    s_answer_from(f, 0, NS1, 53, 0, 1);                      /* wrong id */
    s_answer_from(f, 0, LS_IP4(192, 0, 2, 66), 53, 0, 0);    /* wrong source */
    s_answer_from(f, 0, NS1, 5353, 0, 0);                    /* wrong port */
    ck_assert_int_eq(f->ndone, 0);
    ck_assert_uint_eq(ls_counter_get(f->ctr, "dns.stub.drop.id_mismatch"), 1);
    ck_assert_uint_eq(ls_counter_get(f->ctr, "dns.stub.drop.addr_mismatch"), 1);
    ck_assert_uint_eq(ls_counter_get(f->ctr, "dns.stub.drop.port_mismatch"), 1);
    s_answer(f, 0);
    ck_assert_int_eq(f->ndone, 1);
    ck_assert_int_eq(f->res.rcode, DNS_RCODE_NOERROR);
    s_fix_free(f);
}
END_TEST

START_TEST(test_truncated_retries_over_tcp)
{
    s_fix_t *f = s_fix(1, false);
    stub_resolve(f->stub, "www.example.test.", DNS_T_A, 1, 0, f->now);
    s_answer_from(f, 0, NS1, 53, 12 + 10, 0); /* a limit below the answer: TC=1, header + question only */
    ck_assert_int_eq(f->ndone, 0);
    ck_assert_int_eq(f->nsent, 2);
    ck_assert(!f->sent[0].tcp);
    ck_assert(f->sent[1].tcp);
    ck_assert_uint_eq(f->sent[1].server, NS1);
    ck_assert_uint_eq(ls_counter_get(f->ctr, "dns.stub.truncated"), 1);
    s_answer(f, 1);
    ck_assert_int_eq(f->ndone, 1);
    ck_assert_uint_eq(f->res.msg->count[DNS_SEC_ANSWER], 1);
    s_fix_free(f);
}
END_TEST

START_TEST(test_bad_name_and_no_server)
{
    s_fix_t *f = s_fix(0, false);
    ck_assert_int_eq(stub_resolve(f->stub, "a..b", DNS_T_A, 1, 0, f->now), -1);
    ck_assert_int_eq(f->ndone, 1);
    ck_assert_int_eq(f->res.rcode, DNS_RCODE_FORMERR);
    stub_resolve(f->stub, "www.example.test", DNS_T_A, 2, 0, f->now);
    ck_assert_int_eq(f->ndone, 2);
    ck_assert_int_eq(f->res.rcode, DNS_RCODE_SERVFAIL);
    ck_assert_str_eq(f->res.why, "no nameserver configured");
    s_fix_free(f);
}
END_TEST

Suite *stub_suite(void)
{
    Suite *s = suite_create("stub");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_hosts_first);
    tcase_add_test(tc, test_server_then_cache_ttl);
    tcase_add_test(tc, test_nxdomain_through_search_list);
    tcase_add_test(tc, test_timeout_failover_attempts);
    tcase_add_test(tc, test_spoofed_answers_rejected);
    tcase_add_test(tc, test_truncated_retries_over_tcp);
    tcase_add_test(tc, test_bad_name_and_no_server);
    suite_add_tcase(s, tc);
    return s;
}
