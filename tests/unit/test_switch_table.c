/*
 * test_switch_table.c -- learning-switch MAC table (link-svc/switch_table.c):
 * learning, flooding of broadcast/multicast/unknown unicast to all ports but
 * the ingress, known unicast to one port, same-port filtering, MAC move,
 * aging on a fake clock, dump order.
 */
#include <check.h>
#include <string.h>
#include "link-svc/switch_table.h"

#define SEC 1000000000ull

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};
static const uint8_t mac_c[6] = {0x02, 0, 0, 0, 0, 0x0c};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};

static switch_table_t *s_new(ls_counters_t *reg, unsigned nports)
{
    switch_table_t *t = switch_table_new(0, 0, reg, NULL);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(switch_table_set_ports(t, nports), 0);
    ck_assert_uint_eq(switch_table_ports(t), nports);
    return t;
}

START_TEST(test_flood_broadcast_and_unknown)
{
    ls_counters_t *reg = ls_counters_new();
    switch_table_t *t = s_new(reg, 4);
    unsigned out[8];
    int n = switch_table_decide(t, bcast, 2, 0, out, 8);
    ck_assert_int_eq(n, 3);
    ck_assert_uint_eq(out[0], 0);
    ck_assert_uint_eq(out[1], 1);
    ck_assert_uint_eq(out[2], 3);
    n = switch_table_decide(t, mac_b, 0, 0, out, 8); /* unknown unicast */
    ck_assert_int_eq(n, 3);
    ck_assert_uint_eq(out[0], 1);
    ck_assert_uint_eq(out[1], 2);
    ck_assert_uint_eq(out[2], 3);
    ck_assert_uint_eq(ls_counter_get(reg, "switch.flood"), 2);
    ck_assert_uint_eq(ls_counter_get(reg, "switch.forward"), 0);
    /* not enough room for the flood list, bad ingress port */
    ck_assert_int_eq(switch_table_decide(t, bcast, 0, 0, out, 2), -1);
    ck_assert_int_eq(switch_table_decide(t, bcast, 4, 0, out, 8), -1);
    ck_assert_uint_eq(ls_counter_get(reg, "switch.drop.bad_port"), 2);
    switch_table_destroy(&t);
    ck_assert_ptr_null(t);
    ls_counters_destroy(&reg);
}
END_TEST

START_TEST(test_learn_and_forward)
{
    ls_counters_t *reg = ls_counters_new();
    switch_table_t *t = s_new(reg, 3);
    unsigned out[4], port;
    /* A (port 0) sends to B: B unknown -> flood; A learned */
    ck_assert_int_eq(switch_table_learn(t, mac_a, 0, 1 * SEC), 0);
    ck_assert_int_eq(switch_table_decide(t, mac_b, 0, 1 * SEC, out, 4), 2);
    /* B (port 2) answers A: known unicast -> port 0 only */
    ck_assert_int_eq(switch_table_learn(t, mac_b, 2, 2 * SEC), 0);
    ck_assert_int_eq(switch_table_decide(t, mac_a, 2, 2 * SEC, out, 4), 1);
    ck_assert_uint_eq(out[0], 0);
    ck_assert_int_eq(switch_table_decide(t, mac_b, 0, 2 * SEC, out, 4), 1);
    ck_assert_uint_eq(out[0], 2);
    ck_assert_int_eq(switch_table_lookup(t, mac_b, 2 * SEC, &port), 0);
    ck_assert_uint_eq(port, 2);
    /* multicast destination still floods even if something was learned */
    ck_assert_int_eq(switch_table_decide(t, mcast, 0, 2 * SEC, out, 4), 2);
    ck_assert_uint_eq(out[0], 1);
    ck_assert_uint_eq(out[1], 2);
    ck_assert_uint_eq(ls_counter_get(reg, "switch.learn"), 2);
    ck_assert_uint_eq(ls_counter_get(reg, "switch.forward"), 2);
    ck_assert_uint_eq(ls_counter_get(reg, "switch.flood"), 2);
    ck_assert_uint_eq(switch_table_size(t), 2);
    /* relearning on the same port refreshes, no new entry */
    ck_assert_int_eq(switch_table_learn(t, mac_a, 0, 3 * SEC), 0);
    ck_assert_uint_eq(ls_counter_get(reg, "switch.learn"), 2);
    /* group source addresses and unknown ports are never learned */
    ck_assert_int_eq(switch_table_learn(t, mcast, 1, 3 * SEC), -1);
    ck_assert_int_eq(switch_table_learn(t, mac_c, 3, 3 * SEC), -1);
    ck_assert_uint_eq(ls_counter_get(reg, "switch.learn.bad_src"), 1);
    ck_assert_uint_eq(ls_counter_get(reg, "switch.learn.bad_port"), 1);
    ck_assert_uint_eq(switch_table_size(t), 2);
    switch_table_destroy(&t);
    ls_counters_destroy(&reg);
}
END_TEST

START_TEST(test_same_port_filtered)
{
    ls_counters_t *reg = ls_counters_new();
    switch_table_t *t = s_new(reg, 3);
    unsigned out[4] = {77, 77, 77, 77};
    ck_assert_int_eq(switch_table_learn(t, mac_a, 1, 0), 0);
    ck_assert_int_eq(switch_table_learn(t, mac_b, 1, 0), 0);
    /* A -> B, both behind port 1 (a hub): filtered */
    ck_assert_int_eq(switch_table_decide(t, mac_b, 1, 0, out, 4), 0);
    ck_assert_uint_eq(out[0], 77);
    ck_assert_uint_eq(ls_counter_get(reg, "switch.drop.same_port"), 1);
    ck_assert_uint_eq(ls_counter_get(reg, "switch.forward"), 0);
    switch_table_destroy(&t);
    ls_counters_destroy(&reg);
}
END_TEST

START_TEST(test_mac_move)
{
    ls_counters_t *reg = ls_counters_new();
    ls_log_t *log = ls_log_new("sw1", "sw1-switch", "/dev/null", LS_LOG_PDU);
    switch_table_t *t = switch_table_new(0, 0, reg, log);
    ck_assert_int_eq(switch_table_set_ports(t, 3), 0);
    unsigned out[4];
    ck_assert_int_eq(switch_table_learn(t, mac_a, 0, 0), 0);
    ck_assert_int_eq(switch_table_decide(t, mac_a, 2, 0, out, 4), 1);
    ck_assert_uint_eq(out[0], 0);
    ck_assert_int_eq(switch_table_learn(t, mac_a, 1, SEC), 0); /* the host moved */
    ck_assert_uint_eq(ls_counter_get(reg, "switch.move"), 1);
    ck_assert_uint_eq(ls_counter_get(reg, "switch.learn"), 1);
    ck_assert_uint_eq(switch_table_size(t), 1);
    ck_assert_int_eq(switch_table_decide(t, mac_a, 2, SEC, out, 4), 1);
    ck_assert_uint_eq(out[0], 1);
    ck_assert_int_eq(switch_table_decide(t, mac_a, 1, SEC, out, 4), 0); /* now same-port */
    ck_assert_uint_eq(ls_counter_get(reg, "switch.drop.same_port"), 1);
    switch_table_destroy(&t);
    ls_log_destroy(&log);
    ls_counters_destroy(&reg);
}
END_TEST

START_TEST(test_aging)
{
    ls_counters_t *reg = ls_counters_new();
    switch_table_t *t = s_new(reg, 2); /* default 300 s aging */
    unsigned out[2], port;
    ck_assert_uint_eq(switch_table_next_deadline(t), UINT64_MAX);
    ck_assert_int_eq(switch_table_learn(t, mac_a, 0, 10 * SEC), 0);
    ck_assert_int_eq(switch_table_learn(t, mac_b, 1, 20 * SEC), 0);
    ck_assert_uint_eq(switch_table_next_deadline(t), 310 * SEC);
    ck_assert_uint_eq(switch_table_age(t, 310 * SEC - 1), 0);
    ck_assert_uint_eq(switch_table_size(t), 2);
    ck_assert_uint_eq(switch_table_age(t, 310 * SEC), 1);
    ck_assert_uint_eq(switch_table_size(t), 1);
    ck_assert_int_eq(switch_table_lookup(t, mac_a, 310 * SEC, &port), -1);
    ck_assert_uint_eq(ls_counter_get(reg, "switch.age"), 1);
    ck_assert_uint_eq(switch_table_next_deadline(t), 320 * SEC);
    /* an aged-but-not-swept entry is already unknown: flooded */
    ck_assert_int_eq(switch_table_decide(t, mac_b, 0, 320 * SEC, out, 2), 1);
    ck_assert_uint_eq(ls_counter_get(reg, "switch.flood"), 1);
    ck_assert_uint_eq(ls_counter_get(reg, "switch.forward"), 0);
    /* refresh keeps an entry alive */
    ck_assert_int_eq(switch_table_learn(t, mac_b, 1, 319 * SEC), 0);
    ck_assert_uint_eq(switch_table_age(t, 320 * SEC), 0);
    ck_assert_uint_eq(switch_table_next_deadline(t), 619 * SEC);
    ck_assert_uint_eq(switch_table_age(t, 619 * SEC), 1);
    ck_assert_uint_eq(switch_table_size(t), 0);
    ck_assert_uint_eq(ls_counter_get(reg, "switch.age"), 2);
    switch_table_destroy(&t);
    /* custom aging time */
    t = switch_table_new(5 * SEC, 0, reg, NULL);
    ck_assert_int_eq(switch_table_set_ports(t, 2), 0);
    ck_assert_int_eq(switch_table_learn(t, mac_a, 0, 0), 0);
    ck_assert_uint_eq(switch_table_next_deadline(t), 5 * SEC);
    switch_table_destroy(&t);
    ls_counters_destroy(&reg);
}
END_TEST

START_TEST(test_full_table_and_ports)
{
    ls_counters_t *reg = ls_counters_new();
    switch_table_t *t = switch_table_new(100 * SEC, 2, reg, NULL);
    ck_assert_int_eq(switch_table_set_ports(t, 3), 0);
    ck_assert_int_eq(switch_table_learn(t, mac_a, 0, 0), 0);
    ck_assert_int_eq(switch_table_learn(t, mac_b, 1, 50 * SEC), 0);
    ck_assert_int_eq(switch_table_learn(t, mac_c, 2, 60 * SEC), -1); /* full, nothing expired */
    ck_assert_uint_eq(ls_counter_get(reg, "switch.learn.full"), 1);
    ck_assert_int_eq(switch_table_learn(t, mac_c, 2, 100 * SEC), 0); /* A expired: room */
    ck_assert_uint_eq(switch_table_size(t), 2);
    ck_assert_int_eq(switch_table_lookup(t, mac_a, 100 * SEC, NULL), -1);
    /* a port going away forgets its MACs */
    ck_assert_int_eq(switch_table_set_ports(t, 2), 0);
    ck_assert_uint_eq(switch_table_size(t), 1);
    ck_assert_int_eq(switch_table_lookup(t, mac_c, 100 * SEC, NULL), -1);
    ck_assert_uint_eq(switch_table_forget_port(t, 1), 1);
    ck_assert_uint_eq(switch_table_size(t), 0);
    switch_table_destroy(&t);
    ls_counters_destroy(&reg);
}
END_TEST

typedef struct {
    uint8_t mac[4][6];
    unsigned port[4];
    uint64_t age[4];
    size_t n;
} dump_t;

static void s_visit(const uint8_t mac[6], unsigned port, uint64_t age_ns, void *arg)
{
    dump_t *d = arg;
    if (d->n < 4) {
        memcpy(d->mac[d->n], mac, 6);
        d->port[d->n] = port;
        d->age[d->n++] = age_ns;
    }
}

START_TEST(test_foreach_dump)
{
    switch_table_t *t = switch_table_new(0, 0, NULL, NULL); /* private registry */
    ck_assert_ptr_nonnull(switch_table_counters(t));
    ck_assert_int_eq(switch_table_set_ports(t, 3), 0);
    ck_assert_int_eq(switch_table_learn(t, mac_c, 2, 1 * SEC), 0);
    ck_assert_int_eq(switch_table_learn(t, mac_a, 0, 2 * SEC), 0);
    ck_assert_int_eq(switch_table_learn(t, mac_b, 1, 3 * SEC), 0);
    dump_t d = {0};
    switch_table_foreach(t, 10 * SEC, s_visit, &d);
    ck_assert_uint_eq(d.n, 3);
    ck_assert_mem_eq(d.mac[0], mac_a, 6); /* ascending MAC order */
    ck_assert_mem_eq(d.mac[1], mac_b, 6);
    ck_assert_mem_eq(d.mac[2], mac_c, 6);
    ck_assert_uint_eq(d.port[0], 0);
    ck_assert_uint_eq(d.port[2], 2);
    ck_assert_uint_eq(d.age[0], 8 * SEC);
    ck_assert_uint_eq(d.age[2], 9 * SEC);
    ck_assert_uint_eq(ls_counter_get(switch_table_counters(t), "switch.learn"), 3);
    switch_table_destroy(&t);
}
END_TEST

/* Brute-force earliest deadline over the dump (age = now - last seen). */
typedef struct {
    uint64_t now, best;
} s_min_t;

static void s_min_cb(const uint8_t mac[6], unsigned port, uint64_t age_ns, void *arg)
{
    (void)mac;
    (void)port;
    s_min_t *m = arg;
    uint64_t d = m->now - age_ns + 300 * SEC;
    if (d < m->best)
        m->best = d;
}

START_TEST(test_deadline_ordered_list)
{
    /* next_deadline is O(1) from an aging list ordered by last
     * seen; it must equal the brute-force minimum after refreshes, moves,
     * out-of-order (non-monotonic) timestamps, aging and port removal. */
    ls_counters_t *reg = ls_counters_new();
    switch_table_t *t = s_new(reg, 4);
    uint32_t x = 99;
    uint64_t now = 1000 * SEC;
    for (int i = 0; i < 3000; i++) {
        x = x * 1103515245u + 12345u;
        uint8_t mac[6] = {0x02, 0, 0, 0, (uint8_t)(x >> 24) & 0x03, (uint8_t)(x >> 16)};
        /* mostly forward in time, sometimes a little back */
        uint64_t at = (x & 7) == 0 ? now - (x >> 8) % (5 * SEC) : (now += (x >> 8) % SEC);
        ck_assert_int_eq(switch_table_learn(t, mac, (x >> 4) & 3, at), 0);
        if (i % 500 == 499)
            switch_table_forget_port(t, (x >> 6) & 3);
        if (i % 700 == 699)
            switch_table_age(t, now + 300 * SEC - 200 * SEC);
        s_min_t m = {.now = now + 10 * SEC, .best = UINT64_MAX};
        switch_table_foreach(t, m.now, s_min_cb, &m);
        ck_assert_uint_eq(switch_table_next_deadline(t), m.best);
    }
    /* aging sweeps exactly what is due, oldest first */
    size_t before = switch_table_size(t);
    uint64_t d = switch_table_next_deadline(t);
    ck_assert_uint_ge(switch_table_age(t, d), 1);
    ck_assert_uint_lt(switch_table_size(t), before);
    ck_assert_uint_gt(switch_table_next_deadline(t), d);
    size_t left = switch_table_size(t);
    ck_assert_uint_eq(switch_table_age(t, UINT64_MAX - 1), left);
    ck_assert_uint_eq(switch_table_size(t), 0);
    ck_assert_uint_eq(switch_table_next_deadline(t), UINT64_MAX);
    switch_table_destroy(&t);
    ls_counters_destroy(&reg);
}
END_TEST

Suite *switch_table_suite(void)
{
    Suite *s = suite_create("switch_table");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_flood_broadcast_and_unknown);
    tcase_add_test(tc, test_learn_and_forward);
    tcase_add_test(tc, test_same_port_filtered);
    tcase_add_test(tc, test_mac_move);
    tcase_add_test(tc, test_aging);
    tcase_add_test(tc, test_full_table_and_ports);
    tcase_add_test(tc, test_foreach_dump);
    tcase_add_test(tc, test_deadline_ordered_list);
    suite_add_tcase(s, tc);
    return s;
}
