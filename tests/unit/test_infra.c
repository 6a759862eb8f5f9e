/*
 * test_infra.c -- per-server RTT state (dns-svc/infra.c) on a fake clock:
 * the initial RTO, the RFC 6298 2 estimator with its clamps, the back-off
 * on a timeout (RFC 6298 5.5), and the slot table (a server measured at
 * time 0 keeps its slot; the least recently used goes when it is full).
 */
#include <check.h>

#include "wire/bytes.h"
#include "dns-svc/infra.h"

#define MS 1000000ull
#define SEC 1000000000ull

START_TEST(test_initial_and_estimator)
{
    static infra_t t;
    infra_init(&t, SEC, 200 * MS, 8 * SEC);
    const uint32_t a = LS_IP4(203, 0, 113, 10);
    ck_assert_uint_eq(infra_rto(&t, a, 0), SEC);
    ck_assert(!infra_get(&t, a, 0)->measured);
    /* first sample: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR */
    infra_sample(&t, a, 100 * MS, 5 * SEC);
    infra_srv_t *s = infra_get(&t, a, 5 * SEC);
    ck_assert(s->measured);
    ck_assert_uint_eq(s->srtt, 100 * MS);
    ck_assert_uint_eq(s->rttvar, 50 * MS);
    ck_assert_uint_eq(s->rto, 300 * MS);
    ck_assert_uint_eq(s->used, 5 * SEC);
    /* then RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, SRTT = 7/8 SRTT + 1/8 R */
    infra_sample(&t, a, 100 * MS, 6 * SEC);
    ck_assert_uint_eq(s->srtt, 100 * MS);
    ck_assert_uint_eq(s->rttvar, 37500000);
    ck_assert_uint_eq(s->rto, 250 * MS);
    infra_sample(&t, a, 500 * MS, 7 * SEC);
    ck_assert_uint_eq(s->srtt, 150 * MS);
    ck_assert_uint_eq(s->rttvar, (3 * 37500000ull + 400 * MS) / 4);
    /* clamps */
    const uint32_t fast = LS_IP4(192, 0, 2, 1), slow = LS_IP4(192, 0, 2, 2);
    infra_sample(&t, fast, 0, 0);
    ck_assert_uint_eq(infra_rto(&t, fast, 0), 200 * MS);
    infra_sample(&t, slow, 10 * SEC, 0);
    ck_assert_uint_eq(infra_rto(&t, slow, 0), 8 * SEC);
}
END_TEST

START_TEST(test_backoff)
{
    static infra_t t;
    infra_init(&t, SEC, 200 * MS, 8 * SEC);
    const uint32_t a = LS_IP4(203, 0, 113, 10);
    infra_backoff(&t, a, 0);
    ck_assert_uint_eq(infra_rto(&t, a, 0), 2 * SEC);
    infra_backoff(&t, a, 0);
    infra_backoff(&t, a, 0);
    ck_assert_uint_eq(infra_rto(&t, a, 0), 8 * SEC);
    infra_backoff(&t, a, 0);
    ck_assert_uint_eq(infra_rto(&t, a, 0), 8 * SEC);
    /* an answer brings it back down */
    infra_sample(&t, a, 0, SEC);
    ck_assert_uint_eq(infra_rto(&t, a, SEC), 200 * MS);
}
END_TEST

START_TEST(test_slots)
{
    static infra_t t;
    infra_init(&t, SEC, 200 * MS, 8 * SEC);
    /* all measured at time 0: each keeps its own slot */
    for (uint32_t i = 0; i < INFRA_MAX; i++)
        infra_sample(&t, LS_IP4(10, 0, 0, i), 0, 0);
    for (uint32_t i = 0; i < INFRA_MAX; i++) {
        infra_srv_t *s = infra_get(&t, LS_IP4(10, 0, 0, i), 0);
        ck_assert(s->measured);
        ck_assert_uint_eq(s->rto, 200 * MS);
    }
    /* full: a new server takes the least recently used slot */
    for (uint32_t i = 1; i < INFRA_MAX; i++)
        infra_sample(&t, LS_IP4(10, 0, 0, i), 0, SEC);
    infra_srv_t *n = infra_get(&t, LS_IP4(10, 0, 1, 0), 2 * SEC);
    ck_assert(!n->measured);
    ck_assert_uint_eq(n->rto, SEC);
    /* it was 10.0.0.0's (measured at 0, the others at 1 s) */
    for (int i = 0; i < INFRA_MAX; i++)
        ck_assert_uint_ne(t.srv[i].addr, LS_IP4(10, 0, 0, 0));
    for (uint32_t i = 1; i < INFRA_MAX; i++)
        ck_assert(infra_get(&t, LS_IP4(10, 0, 0, i), 3 * SEC)->measured);
}
END_TEST

Suite *infra_suite(void)
{
    Suite *s = suite_create("infra");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_initial_and_estimator);
    tcase_add_test(tc, test_backoff);
    tcase_add_test(tc, test_slots);
    suite_add_tcase(s, tc);
    return s;
}
