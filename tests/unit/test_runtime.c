/*
 * test_runtime.c -- the service runtime's pure parts: the counter registry
 * (stable pointers across growth, sorted visits), the JSON-lines logger
 * (escaping, levels, the drop idiom) and the event loop (timer sources fire
 * at their deadline; a readable socket is dispatched; stop ends run).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "runtime/counters.h"
#include "runtime/log.h"
#include "runtime/loop.h"

static void s_collect(const char *name, uint64_t value, void *arg)
{
    char *buf = arg;
    char line[96];
    snprintf(line, sizeof line, "%s=%llu;", name, (unsigned long long)value);
    strcat(buf, line);
}

START_TEST(test_counters_stable_and_sorted)
{
    ls_counters_t *c = ls_counters_new();
    uint64_t *first = ls_counter(c, "ip.drop.bad_checksum");
    (*first)++;
    char name[32];
    for (int i = 0; i < 500; i++) { /* forces several table growths */
        snprintf(name, sizeof name, "x.c%03d", i);
        LS_COUNT(c, name);
    }
    ck_assert_ptr_eq(first, ls_counter(c, "ip.drop.bad_checksum"));
    (*first)++;
    ck_assert_uint_eq(ls_counter_get(c, "ip.drop.bad_checksum"), 2);
    ck_assert_uint_eq(ls_counter_get(c, "never.registered"), 0);
    ck_assert_uint_eq(ls_counters_size(c), 501);
    ls_counters_destroy(&c);
    ck_assert_ptr_null(c);

    c = ls_counters_new();
    LS_COUNT(c, "b.two");
    LS_COUNT(c, "a.one");
    LS_COUNT(c, "b.two");
    char out[256] = "";
    ls_counters_foreach(c, s_collect, out);
    ck_assert_str_eq(out, "a.one=1;b.two=2;");
    ls_counters_destroy(&c);
}
END_TEST

static char *s_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

START_TEST(test_log_json_and_drop)
{
    char path[] = "/tmp/ls-logtest-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ls_log_t *log = ls_log_new("hosta", "hosta-net", path, LS_LOG_INFO);
    ck_assert_ptr_nonnull(log);
    ls_counters_t *c = ls_counters_new();
    uint64_t parents[2] = {0x0000000100000002ull, 0xabcdef0000000001ull};
    ls_logev(log, LS_LOG_INFO,
             &(ls_logev_t){.now_ns = 12000123456ull, .layer = "net", .dir = "up", .ev = "decap",
                           .pdu = 0x1234567800000009ull, .parents = parents, .nparents = 2, .ifname = "eth0"},
             "say \"hi\"\\ %d", 7);
    /* a PDU-level line is filtered at info, but the drop is still counted */
    ls_drop(log, c, &(ls_logev_t){.layer = "net"}, "ip.drop.bad_version", "version %d", 6);
    ck_assert_uint_eq(ls_counter_get(c, "ip.drop.bad_version"), 1);
    ck_assert_int_eq(ls_log_on(log, LS_LOG_PDU), 0);
    ls_log_set_level(log, LS_LOG_PDU);
    ls_drop(log, c, &(ls_logev_t){.now_ns = 13000000000ull, .layer = "net", .pdu = 5}, "ip.drop.bad_ihl", "ihl %d", 3);
    ls_log_destroy(&log);
    ck_assert_ptr_null(log);
    const char *text = s_slurp(path);
    unlink(path);
    ck_assert_str_eq(text,
        "{\"t\":12.000123456,\"host\":\"hosta\",\"svc\":\"hosta-net\",\"layer\":\"net\",\"dir\":\"up\",\"ev\":\"decap\","
        "\"pdu\":\"12345678:00000009\",\"parents\":[\"00000001:00000002\",\"abcdef00:00000001\"],\"if\":\"eth0\","
        "\"msg\":\"say \\\"hi\\\"\\\\ 7\"}\n"
        "{\"t\":13.000000000,\"host\":\"hosta\",\"svc\":\"hosta-net\",\"layer\":\"net\",\"ev\":\"drop\","
        "\"pdu\":\"00000000:00000005\",\"reason\":\"ip.drop.bad_ihl\",\"msg\":\"ihl 3\"}\n");
    ck_assert_uint_eq(ls_counter_get(c, "ip.drop.bad_ihl"), 1);
    ck_assert_int_eq(ls_log_level_parse("warn"), LS_LOG_WARN);
    ck_assert_int_eq(ls_log_level_parse("debug"), LS_LOG_PDU);
    ck_assert_int_eq(ls_log_level_parse("loud"), -1);
    ls_counters_destroy(&c);
}
END_TEST

typedef struct {
    uint64_t deadline;
    int fired;
    int got;
    ls_loop_t *loop;
} s_loopctx_t;

static uint64_t s_deadline(void *arg) { return ((s_loopctx_t *)arg)->deadline; }
static void s_fire(void *arg, uint64_t now)
{
    s_loopctx_t *x = arg;
    ck_assert_uint_ge(now, x->deadline);
    x->fired++;
    x->deadline = UINT64_MAX; /* one-shot */
    if (x->got)
        ls_loop_stop(x->loop);
}

static int s_readable(ls_loop_t *loop, void *sock, int fd, void *arg)
{
    s_loopctx_t *x = arg;
    char buf[16];
    int n = zmq_recv(sock, buf, sizeof buf, ZMQ_DONTWAIT);
    ck_assert_int_eq(n, 5);
    ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
    x->got++;
    if (x->fired)
        ls_loop_stop(loop);
    return 0;
}

START_TEST(test_loop_timer_and_socket)
{
    void *ctx = zmq_ctx_new();
    void *a = zmq_socket(ctx, ZMQ_PAIR), *b = zmq_socket(ctx, ZMQ_PAIR);
    ck_assert_int_eq(zmq_bind(a, "inproc://loop-test"), 0);
    ck_assert_int_eq(zmq_connect(b, "inproc://loop-test"), 0);
    s_loopctx_t x = {0};
    x.loop = ls_loop_new();
    x.deadline = ls_now_ns() + 1000000; /* 1 ms: the poll timeout comes from it */
    ck_assert_int_eq(ls_loop_add_timer(x.loop, s_deadline, s_fire, &x), 0);
    ck_assert_int_eq(ls_loop_add_socket(x.loop, a, s_readable, &x), 0);
    ck_assert_int_eq(zmq_send(b, "hello", 5, 0), 5);
    ck_assert_int_eq(ls_loop_run(x.loop), 0);
    ck_assert_int_eq(x.fired, 1);
    ck_assert_int_eq(x.got, 1);
    ck_assert_int_eq(ls_loop_remove(x.loop, a, -1), 0);
    ck_assert_int_eq(ls_loop_remove(x.loop, a, -1), -1);
    ls_loop_destroy(&x.loop);
    zmq_close(a);
    zmq_close(b);
    zmq_ctx_term(ctx);
}
END_TEST

Suite *runtime_suite(void)
{
    Suite *s = suite_create("runtime");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_counters_stable_and_sorted);
    tcase_add_test(tc, test_log_json_and_drop);
    tcase_add_test(tc, test_loop_timer_and_socket);
    suite_add_tcase(s, tc);
    return s;
}
