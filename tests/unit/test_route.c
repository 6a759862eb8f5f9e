/*
 * test_route.c -- longest-prefix match: overlapping prefixes, host vs network
 * vs default, metric and insertion tie-breaks, no route, delete, interface
 * down, `route -n` rows and Use counts.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "net-svc/route.h"
#include "wire/bytes.h"

static route_table_t *s_table(void)
{
    route_table_t *t = route_new();
    ck_assert_int_eq(route_add(t, LS_IP4(192, 0, 2, 0), 24, 0, "eth0", 0), 0);
    ck_assert_int_eq(route_add(t, LS_IP4(10, 0, 0, 0), 8, LS_IP4(192, 0, 2, 254), "eth0", 0), 0);
    ck_assert_int_eq(route_add(t, LS_IP4(10, 1, 0, 0), 16, LS_IP4(192, 0, 2, 253), "eth0", 0), 0);
    ck_assert_int_eq(route_add(t, LS_IP4(10, 1, 2, 3), 32, 0, "eth1", 0), 0);
    ck_assert_int_eq(route_add(t, 0, 0, LS_IP4(192, 0, 2, 1), "eth0", 100), 0);
    return t;
}

START_TEST(test_longest_prefix)
{
    route_table_t *t = s_table();
    route_result_t r;
    /* connected: next hop is the destination itself */
    ck_assert_int_eq(route_lookup(t, LS_IP4(192, 0, 2, 77), &r), 0);
    ck_assert_uint_eq(r.next_hop, LS_IP4(192, 0, 2, 77));
    ck_assert_str_eq(r.ifname, "eth0");
    ck_assert_uint_eq(r.prefix_len, 24);
    /* /8 vs /16 vs /32 */
    ck_assert_int_eq(route_lookup(t, LS_IP4(10, 9, 9, 9), &r), 0);
    ck_assert_uint_eq(r.next_hop, LS_IP4(192, 0, 2, 254));
    ck_assert_int_eq(route_lookup(t, LS_IP4(10, 1, 9, 9), &r), 0);
    ck_assert_uint_eq(r.next_hop, LS_IP4(192, 0, 2, 253));
    ck_assert_int_eq(route_lookup(t, LS_IP4(10, 1, 2, 3), &r), 0);
    ck_assert_uint_eq(r.next_hop, LS_IP4(10, 1, 2, 3));
    ck_assert_str_eq(r.ifname, "eth1");
    ck_assert_uint_eq(r.flags, ROUTE_F_UP | ROUTE_F_HOST);
    /* default */
    ck_assert_int_eq(route_lookup(t, LS_IP4(203, 0, 113, 5), &r), 0);
    ck_assert_uint_eq(r.next_hop, LS_IP4(192, 0, 2, 1));
    ck_assert_uint_eq(r.prefix_len, 0);
    ck_assert_uint_eq(r.flags, ROUTE_F_UP | ROUTE_F_GATEWAY);
    route_destroy(&t);
    ck_assert_ptr_null(t);
}
END_TEST

START_TEST(test_no_route_and_del)
{
    route_table_t *t = s_table();
    route_result_t r;
    ck_assert_int_eq(route_del(t, 0, 0, 0, NULL), 0);
    ck_assert_int_eq(route_lookup(t, LS_IP4(203, 0, 113, 5), &r), -1);
    ck_assert_int_eq(route_del(t, 0, 0, 0, NULL), -1);
    /* delete the /16: 10.1.x falls back to the /8 */
    ck_assert_int_eq(route_del(t, LS_IP4(10, 1, 0, 0), 16, LS_IP4(9, 9, 9, 9), NULL), -1);
    ck_assert_int_eq(route_del(t, LS_IP4(10, 1, 0, 0), 16, 0, "eth1"), -1);
    ck_assert_int_eq(route_del(t, LS_IP4(10, 1, 7, 7), 16, LS_IP4(192, 0, 2, 253), "eth0"), 0);
    ck_assert_int_eq(route_lookup(t, LS_IP4(10, 1, 9, 9), &r), 0);
    ck_assert_uint_eq(r.next_hop, LS_IP4(192, 0, 2, 254));
    ck_assert_uint_eq(route_count(t), 3);
    ck_assert_int_eq(route_del_if(t, "eth0"), 2);
    ck_assert_uint_eq(route_count(t), 1);
    route_destroy(&t);
}
END_TEST

START_TEST(test_ties_and_dup)
{
    route_table_t *t = route_new();
    route_result_t r;
    ck_assert_int_eq(route_add(t, 0, 0, LS_IP4(1, 1, 1, 1), "eth0", 200), 0);
    ck_assert_int_eq(route_add(t, 0, 0, LS_IP4(2, 2, 2, 2), "eth1", 100), 0);
    ck_assert_int_eq(route_add(t, 0, 0, LS_IP4(3, 3, 3, 3), "eth2", 100), -1); /* EEXIST */
    ck_assert_int_eq(route_lookup(t, LS_IP4(8, 8, 8, 8), &r), 0);
    ck_assert_uint_eq(r.next_hop, LS_IP4(2, 2, 2, 2)); /* lowest metric */
    /* same prefix and metric cannot coexist, so tie on insertion: two /24s,
     * different metrics, then a wider /16 loses regardless of metric */
    ck_assert_int_eq(route_add(t, LS_IP4(10, 0, 0, 0), 16, 0, "eth0", 0), 0);
    ck_assert_int_eq(route_add(t, LS_IP4(10, 0, 1, 0), 24, 0, "eth1", 500), 0);
    ck_assert_int_eq(route_lookup(t, LS_IP4(10, 0, 1, 1), &r), 0);
    ck_assert_str_eq(r.ifname, "eth1");
    /* bad args */
    ck_assert_int_eq(route_add(t, 0, 33, 0, "eth0", 0), -1);
    ck_assert_int_eq(route_add(t, 0, 8, 0, "", 0), -1);
    ck_assert_int_eq(route_add(t, 0, 8, 0, "a-very-long-interface-name", 0), -1);
    /* dst is masked on add */
    ck_assert_int_eq(route_add(t, LS_IP4(172, 16, 5, 5), 12, 0, "eth3", 0), 0);
    ck_assert_int_eq(route_lookup(t, LS_IP4(172, 31, 0, 1), &r), 0);
    ck_assert_str_eq(r.ifname, "eth3");
    route_destroy(&t);
}
END_TEST

START_TEST(test_if_down)
{
    route_table_t *t = s_table();
    route_result_t r;
    route_set_if_up(t, "eth1", false);
    ck_assert_int_eq(route_lookup(t, LS_IP4(10, 1, 2, 3), &r), 0);
    ck_assert_uint_eq(r.next_hop, LS_IP4(192, 0, 2, 253)); /* falls back to the /16 */
    route_set_if_up(t, "eth0", false);
    ck_assert_int_eq(route_lookup(t, LS_IP4(10, 1, 2, 3), &r), -1);
    route_set_if_up(t, "eth1", true);
    ck_assert_int_eq(route_lookup(t, LS_IP4(10, 1, 2, 3), &r), 0);
    ck_assert_str_eq(r.ifname, "eth1");
    route_destroy(&t);
}
END_TEST

typedef struct {
    char lines[8][128];
    int n;
} dump_t;

static void s_collect(const char *line, void *arg)
{
    dump_t *d = arg;
    ck_assert_int_lt(d->n, 8);
    snprintf(d->lines[d->n++], 128, "%s", line);
}

START_TEST(test_dump_format_and_use)
{
    route_table_t *t = s_table();
    route_result_t r;
    for (int i = 0; i < 3; i++)
        route_lookup(t, LS_IP4(8, 8, 8, 8), &r);
    dump_t d = {.n = 0};
    route_dump(t, s_collect, &d);
    ck_assert_int_eq(d.n, 6);
    ck_assert_str_eq(d.lines[0],
                     "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface");
    ck_assert_str_eq(d.lines[1],
                     "10.1.2.3        0.0.0.0         255.255.255.255 UH    0      0        0 eth1");
    ck_assert_str_eq(d.lines[5],
                     "0.0.0.0         192.0.2.1       0.0.0.0         UG    100    0        3 eth0");
    route_destroy(&t);
}
END_TEST

Suite *route_suite(void)
{
    Suite *s = suite_create("route");
    TCase *tc = tcase_create("lpm");
    tcase_add_test(tc, test_longest_prefix);
    tcase_add_test(tc, test_no_route_and_del);
    tcase_add_test(tc, test_ties_and_dup);
    tcase_add_test(tc, test_if_down);
    tcase_add_test(tc, test_dump_format_and_use);
    suite_add_tcase(s, tc);
    return s;
}
