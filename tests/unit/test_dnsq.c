/*
 * test_dnsq.c -- the outstanding-query table (dns-svc/dnsq.c): seeded ids
 * and source ports that replay, ports inside the range and never shared by
 * two outstanding queries, the table limit, the RFC 5452 4 answer checks of
 * dnsq_match (each mismatch with its own verdict), case-insensitive
 * question names (RFC 4343), and deadlines on a fake clock.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "dns-svc/dnsq.h"
#include "wire/dns.h"

#define SEC 1000000000ull
#define T0 (1000 * SEC)
#define SRV LS_IP4(203, 0, 113, 30)

static dns_name_t s_n(const char *text)
{
    dns_name_t n;
    ck_assert_int_eq(dns_name_from_text(text, NULL, &n), DNS_OK);
    return n;
}

static dnsq_t *s_add(dnsq_table_t *t, const char *name, bool tcp, uint64_t deadline)
{
    dns_name_t n = s_n(name);
    return dnsq_add(t, &n, DNS_T_A, DNS_C_IN, SRV, tcp, 7, T0, deadline);
}

/* A message for (name, type, class) with this id and QR; its bytes in buf. */
static size_t s_msg(uint16_t id, bool qr, const char *name, uint16_t type, uint16_t qclass, uint8_t *buf, size_t cap)
{
    dns_msg_t *m = calloc(1, sizeof *m);
    dns_name_t n = s_n(name);
    dns_msg_init_query(m, id, &n, type, false);
    m->qd[0].qclass = qclass;
    m->qr = qr;
    if (qr) {
        m->aa = true;
        uint8_t a[4];
        wr_be32(a, LS_IP4(198, 51, 100, 10));
        ck_assert_int_eq(dns_msg_add(m, DNS_SEC_ANSWER, &n, DNS_T_A, DNS_C_IN, 300, a, 4), 0);
    }
    int len = dns_emit(m, buf, cap, 0, NULL);
    ck_assert_int_gt(len, 0);
    free(m);
    return (size_t)len;
}

/* ------------------------------------------------------------ ids and ports */

START_TEST(test_same_seed_replays)
{
    dnsq_table_t *a = dnsq_table_new(64, 42, 49152, 65535);
    dnsq_table_t *b = dnsq_table_new(64, 42, 49152, 65535);
    dnsq_table_t *c = dnsq_table_new(64, 43, 49152, 65535);
    size_t same_id = 0, same_port = 0;
    for (int i = 0; i < 32; i++) {
        bool tcp = i % 5 == 4;
        dnsq_t *qa = s_add(a, "www.example.test.", tcp, T0 + SEC);
        dnsq_t *qb = s_add(b, "www.example.test.", tcp, T0 + SEC);
        dnsq_t *qc = s_add(c, "www.example.test.", tcp, T0 + SEC);
        ck_assert(qa && qb && qc);
        ck_assert_uint_eq(qa->id, qb->id);
        ck_assert_uint_eq(qa->local_port, qb->local_port);
        ck_assert_uint_eq(qa->handle, qb->handle);
        same_id += qa->id == qc->id;
        if (!tcp)
            same_port += qa->local_port == qc->local_port;
    }
    /* another seed: another sequence (a coincidence or two at most) */
    ck_assert_uint_le(same_id, 2);
    ck_assert_uint_le(same_port, 2);
    ck_assert_uint_eq(dnsq_random(a), dnsq_random(b));
    ck_assert_uint_ne(dnsq_random(a), dnsq_random(c));
    dnsq_table_destroy(&a);
    dnsq_table_destroy(&b);
    dnsq_table_destroy(&c);
    ck_assert_ptr_null(a);
}
END_TEST

START_TEST(test_fields)
{
    dnsq_table_t *t = dnsq_table_new(4, 1, 49152, 65535);
    dnsq_t *q = s_add(t, "www.example.test.", false, T0 + 2 * SEC);
    ck_assert_ptr_nonnull(q);
    ck_assert_uint_ne(q->handle, 0);
    dns_name_t n = s_n("www.example.test.");
    ck_assert(dns_name_eq(&q->qname, &n));
    ck_assert_uint_eq(q->qtype, DNS_T_A);
    ck_assert_uint_eq(q->qclass, DNS_C_IN);
    ck_assert_uint_eq(q->server, SRV);
    ck_assert_uint_eq(q->server_port, 53);
    ck_assert(!q->tcp);
    ck_assert_uint_ge(q->local_port, 49152);
    ck_assert_uint_eq(q->sent_at, T0);
    ck_assert_uint_eq(q->deadline, T0 + 2 * SEC);
    ck_assert_int_eq(q->owner, 7);
    ck_assert_ptr_eq(dnsq_get(t, q->handle), q);
    dnsq_t *tq = s_add(t, "www.example.test.", true, T0 + 2 * SEC);
    ck_assert(tq->tcp);
    ck_assert_uint_eq(tq->local_port, 0); /* the connection is the socket */
    ck_assert_uint_ne(tq->handle, q->handle);
    ck_assert_uint_eq(dnsq_count(t), 2);
    ck_assert_ptr_null(dnsq_get(t, 0));
    ck_assert_ptr_null(dnsq_get(t, 12345));
    dnsq_table_destroy(&t);
}
END_TEST

START_TEST(test_ports_in_range_never_shared)
{
    /* 1000 ports, 1000 queries outstanding: every port once */
    enum { SPAN = 1000 };
    dnsq_table_t *t = dnsq_table_new(SPAN + 10, 5, 50000, 50000 + SPAN - 1);
    static bool used[SPAN];
    memset(used, 0, sizeof used);
    for (int i = 0; i < SPAN; i++) {
        dnsq_t *q = s_add(t, "www.example.test.", false, T0 + SEC);
        ck_assert_msg(q != NULL, "query %d: no port although %d are free", i, SPAN - i);
        ck_assert_uint_ge(q->local_port, 50000);
        ck_assert_uint_le(q->local_port, 50000 + SPAN - 1);
        ck_assert_msg(!used[q->local_port - 50000], "query %d: port %u reused while outstanding", i, q->local_port);
        used[q->local_port - 50000] = true;
    }
    /* no port left: a UDP query cannot be added, a TCP one can */
    ck_assert_ptr_null(s_add(t, "www.example.test.", false, T0 + SEC));
    dnsq_t *tq = s_add(t, "www.example.test.", true, T0 + SEC);
    ck_assert_ptr_nonnull(tq);
    ck_assert_uint_eq(dnsq_count(t), SPAN + 1);
    dnsq_table_destroy(&t);

    /* a small range: ports freed by dnsq_remove come back */
    t = dnsq_table_new(8, 9, 60000, 60001);
    dnsq_t *a = s_add(t, "a.test.", false, T0 + SEC);
    uint32_t ha = a->handle;
    uint16_t pa = a->local_port;
    dnsq_t *b = s_add(t, "b.test.", false, T0 + SEC);
    ck_assert_uint_ne(a->local_port, b->local_port);
    ck_assert_ptr_null(s_add(t, "c.test.", false, T0 + SEC));
    dnsq_remove(t, ha);
    dnsq_t *c = s_add(t, "c.test.", false, T0 + SEC);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(c->local_port, pa);
    dnsq_table_destroy(&t);
}
END_TEST

START_TEST(test_table_full)
{
    dnsq_table_t *t = dnsq_table_new(2, 1, 49152, 65535);
    dnsq_t *a = s_add(t, "a.test.", false, T0 + SEC);
    ck_assert_ptr_nonnull(a);
    uint32_t ha = a->handle;
    ck_assert_ptr_nonnull(s_add(t, "b.test.", false, T0 + SEC));
    ck_assert_ptr_null(s_add(t, "c.test.", false, T0 + SEC));
    ck_assert_ptr_null(s_add(t, "c.test.", true, T0 + SEC));
    ck_assert_uint_eq(dnsq_count(t), 2);
    dnsq_remove(t, ha);
    ck_assert_uint_eq(dnsq_count(t), 1);
    ck_assert_ptr_null(dnsq_get(t, ha));
    dnsq_remove(t, ha); /* twice: nothing */
    dnsq_remove(t, 0);
    ck_assert_uint_eq(dnsq_count(t), 1);
    dnsq_t *c = s_add(t, "c.test.", false, T0 + SEC);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_ne(c->handle, ha); /* handles are not reused */
    dnsq_table_destroy(&t);
}
END_TEST

/* ------------------------------------------------------------ dnsq_match (RFC 5452 4) */

START_TEST(test_match_exact)
{
    dnsq_table_t *t = dnsq_table_new(4, 1, 49152, 65535);
    dnsq_t *q = s_add(t, "www.example.test.", false, T0 + SEC);
    uint8_t buf[512];
    size_t len = s_msg(q->id, true, "www.example.test.", DNS_T_A, DNS_C_IN, buf, sizeof buf);
    dns_msg_t *m = calloc(1, sizeof *m);
    ck_assert_int_eq(dnsq_match(t, q->handle, SRV, 53, buf, len, m), DNSQ_MATCH);
    ck_assert_uint_eq(m->id, q->id);
    ck_assert_uint_eq(m->count[DNS_SEC_ANSWER], 1);
    /* case-insensitive question name (RFC 4343; RFC 5452 9.1 0x20 answers match) */
    len = s_msg(q->id, true, "WwW.EXAMPLE.test.", DNS_T_A, DNS_C_IN, buf, sizeof buf);
    ck_assert_int_eq(dnsq_match(t, q->handle, SRV, 53, buf, len, m), DNSQ_MATCH);
    /* matching does not consume the query */
    ck_assert_uint_eq(dnsq_count(t), 1);
    free(m);
    dnsq_table_destroy(&t);
}
END_TEST

START_TEST(test_match_each_mismatch)
{
    dnsq_table_t *t = dnsq_table_new(4, 1, 49152, 65535);
    dnsq_t *q = s_add(t, "www.example.test.", false, T0 + SEC);
    uint32_t h = q->handle;
    uint16_t id = q->id;
    uint8_t buf[512];
    dns_msg_t *m = calloc(1, sizeof *m);
    size_t len = s_msg(id, true, "www.example.test.", DNS_T_A, DNS_C_IN, buf, sizeof buf);
    /* not from the server asked, not from port 53 */
    ck_assert_int_eq(dnsq_match(t, h, SRV + 1, 53, buf, len, m), DNSQ_BAD_ADDR);
    ck_assert_int_eq(dnsq_match(t, h, SRV, 5353, buf, len, m), DNSQ_BAD_PORT);
    /* another id */
    len = s_msg((uint16_t)(id + 1), true, "www.example.test.", DNS_T_A, DNS_C_IN, buf, sizeof buf);
    ck_assert_int_eq(dnsq_match(t, h, SRV, 53, buf, len, m), DNSQ_BAD_ID);
    ck_assert_uint_eq(m->id, (uint16_t)(id + 1)); /* parsed: the caller can log it */
    /* QR = 0: a query, not an answer */
    len = s_msg(id, false, "www.example.test.", DNS_T_A, DNS_C_IN, buf, sizeof buf);
    ck_assert_int_eq(dnsq_match(t, h, SRV, 53, buf, len, m), DNSQ_NOT_RESPONSE);
    /* another question: name, type, class */
    len = s_msg(id, true, "web.example.test.", DNS_T_A, DNS_C_IN, buf, sizeof buf);
    ck_assert_int_eq(dnsq_match(t, h, SRV, 53, buf, len, m), DNSQ_BAD_QUESTION);
    len = s_msg(id, true, "www.example.test.", DNS_T_AAAA, DNS_C_IN, buf, sizeof buf);
    ck_assert_int_eq(dnsq_match(t, h, SRV, 53, buf, len, m), DNSQ_BAD_QUESTION);
    len = s_msg(id, true, "www.example.test.", DNS_T_A, 3 /* CH */, buf, sizeof buf);
    ck_assert_int_eq(dnsq_match(t, h, SRV, 53, buf, len, m), DNSQ_BAD_QUESTION);
    /* no question at all: QDCOUNT 0 */
    len = s_msg(id, true, "www.example.test.", DNS_T_A, DNS_C_IN, buf, sizeof buf);
    uint8_t hdr[DNS_HDR_LEN];
    memcpy(hdr, buf, DNS_HDR_LEN);
    wr_be16(hdr + DNS_OFF_QDCOUNT, 0);
    wr_be16(hdr + DNS_OFF_ANCOUNT, 0);
    ck_assert_int_eq(dnsq_match(t, h, SRV, 53, hdr, sizeof hdr, m), DNSQ_BAD_QUESTION);
    /* malformed: truncated header, and records promised but missing */
    ck_assert_int_eq(dnsq_match(t, h, SRV, 53, buf, 11, m), DNSQ_MALFORMED);
    ck_assert_int_eq(dnsq_match(t, h, SRV, 53, buf, len - 3, m), DNSQ_MALFORMED);
    /* unknown handle, and one that was removed */
    ck_assert_int_eq(dnsq_match(t, h + 100, SRV, 53, buf, len, m), DNSQ_NO_QUERY);
    ck_assert_int_eq(dnsq_match(t, 0, SRV, 53, buf, len, m), DNSQ_NO_QUERY);
    ck_assert_int_eq(dnsq_match(t, h, SRV, 53, buf, len, m), DNSQ_MATCH);
    dnsq_remove(t, h);
    ck_assert_int_eq(dnsq_match(t, h, SRV, 53, buf, len, m), DNSQ_NO_QUERY);
    free(m);
    dnsq_table_destroy(&t);
}
END_TEST

START_TEST(test_verdict_names)
{
    ck_assert_str_eq(dnsq_verdict_counter(DNSQ_BAD_ID), "id_mismatch");
    ck_assert_str_eq(dnsq_verdict_counter(DNSQ_BAD_ADDR), "addr_mismatch");
    ck_assert_str_eq(dnsq_verdict_counter(DNSQ_BAD_PORT), "port_mismatch");
    ck_assert_str_eq(dnsq_verdict_counter(DNSQ_BAD_QUESTION), "question_mismatch");
    ck_assert_str_eq(dnsq_verdict_counter(DNSQ_NOT_RESPONSE), "not_response");
    ck_assert_str_eq(dnsq_verdict_counter(DNSQ_MALFORMED), "malformed");
    ck_assert_str_eq(dnsq_verdict_counter(DNSQ_NO_QUERY), "no_query");
    ck_assert_str_eq(dnsq_verdict_str(DNSQ_BAD_ID), "id mismatch");
    for (int v = 0; v < DNSQ_NVERDICT; v++) {
        ck_assert_ptr_nonnull(dnsq_verdict_str(v));
        ck_assert_ptr_nonnull(dnsq_verdict_counter(v));
        ck_assert_str_ne(dnsq_verdict_str(v), "?");
    }
    ck_assert_str_eq(dnsq_verdict_str(-1), "?");
    ck_assert_str_eq(dnsq_verdict_str(DNSQ_NVERDICT), "?");
    ck_assert_str_eq(dnsq_verdict_counter(DNSQ_NVERDICT), "other");
}
END_TEST

/* ------------------------------------------------------------ deadlines */

typedef struct {
    uint32_t handles[8];
    size_t n;
} s_seen_t;

static void s_visit(const dnsq_t *q, void *arg)
{
    s_seen_t *s = arg;
    ck_assert_uint_lt(s->n, 8);
    s->handles[s->n++] = q->handle;
}

START_TEST(test_deadlines)
{
    dnsq_table_t *t = dnsq_table_new(8, 1, 49152, 65535);
    ck_assert_uint_eq(dnsq_next_deadline(t), UINT64_MAX);
    ck_assert_ptr_null(dnsq_expired(t, UINT64_MAX));
    uint32_t h3 = s_add(t, "a.test.", false, T0 + 3 * SEC)->handle;
    uint32_t h1 = s_add(t, "b.test.", false, T0 + 1 * SEC)->handle;
    uint32_t h2 = s_add(t, "c.test.", true, T0 + 2 * SEC)->handle;
    ck_assert_uint_eq(dnsq_next_deadline(t), T0 + SEC);
    ck_assert_ptr_null(dnsq_expired(t, T0));
    ck_assert_ptr_null(dnsq_expired(t, T0 + SEC - 1));
    /* due at its deadline, one at a time */
    dnsq_t *q = dnsq_expired(t, T0 + SEC);
    ck_assert_ptr_nonnull(q);
    ck_assert_uint_eq(q->handle, h1);
    ck_assert_ptr_eq(dnsq_expired(t, T0 + SEC), q); /* still there until removed */
    dnsq_remove(t, h1);
    ck_assert_ptr_null(dnsq_expired(t, T0 + SEC));
    ck_assert_uint_eq(dnsq_next_deadline(t), T0 + 2 * SEC);
    /* both late: each comes out, in turn */
    s_seen_t s = {.n = 0};
    while ((q = dnsq_expired(t, T0 + 10 * SEC)) != NULL) {
        s.handles[s.n++] = q->handle;
        dnsq_remove(t, q->handle);
    }
    ck_assert_uint_eq(s.n, 2);
    ck_assert((s.handles[0] == h2 && s.handles[1] == h3) || (s.handles[0] == h3 && s.handles[1] == h2));
    ck_assert_uint_eq(dnsq_count(t), 0);
    ck_assert_uint_eq(dnsq_next_deadline(t), UINT64_MAX);
    /* foreach sees the outstanding ones */
    uint32_t ha = s_add(t, "a.test.", false, T0 + SEC)->handle;
    uint32_t hb = s_add(t, "b.test.", false, T0 + SEC)->handle;
    s.n = 0;
    dnsq_foreach(t, s_visit, &s);
    ck_assert_uint_eq(s.n, 2);
    ck_assert((s.handles[0] == ha && s.handles[1] == hb) || (s.handles[0] == hb && s.handles[1] == ha));
    dnsq_table_destroy(&t);
}
END_TEST

Suite *dnsq_suite(void)
{
    Suite *s = suite_create("dnsq");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_same_seed_replays);
    tcase_add_test(tc, test_fields);
    tcase_add_test(tc, test_ports_in_range_never_shared);
    tcase_add_test(tc, test_table_full);
    tcase_add_test(tc, test_match_exact);
    tcase_add_test(tc, test_match_each_mismatch);
    tcase_add_test(tc, test_verdict_names);
    tcase_add_test(tc, test_deadlines);
    suite_add_tcase(s, tc);
    return s;
}
