/*
 * test_fault_reg.c -- orchestrator/fault_reg.c, the fault-rule registry both
 * orchestrators share: placement and id allocation, fault-add rows (pending /
 * in force / refused with rollback), fault-del, fault-clear and fault-list
 * rows, the topology's faults: as rules 1..n, and re-pushing a service's rules.
 * The services are fake: io.call records each request and answers from a
 * script; io.ready says which services are up.
 */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orchestrator/fault_reg.h"

static const char s_topo_text[] =
    "seed: 3\n"
    "segments: [{name: lan1}, {name: lan2}]\n"
    "hosts:\n"
    "  - name: hosta\n"
    "    interfaces: [{name: eth0, mac: '02:00:00:00:00:0a', addr: 192.0.2.10/24, segment: lan1}]\n"
    "  - name: router\n"
    "    forward: true\n"
    "    interfaces:\n"
    "      - {name: eth0, mac: '02:00:00:00:01:01', addr: 192.0.2.1/24, segment: lan1}\n"
    "      - {name: eth1, mac: '02:00:00:00:01:02', addr: 198.51.100.1/24, segment: lan2}\n"
    "    layers: {transport: none}\n";

/* ---- fake services ---- */

#define FAKE_MAX 16

typedef struct {
    char service[96];
    char cmd[32];
    char arg[32];     /* first arg, if any */
    size_t nrules;
    uint32_t ids[4];  /* ids of the first rules sent */
} s_call_t;

typedef enum { ANSWER_OK = 0, ANSWER_NONE, ANSWER_REFUSE } s_answer_t;

typedef struct {
    const char *ready[8];      /* services that answer */
    s_answer_t answer;         /* how fault-add is answered */
    uint64_t seen, dropped;    /* fault-list counters for every rule a service holds */
    s_call_t calls[FAKE_MAX];
    size_t ncalls;
} s_fake_t;

static int s_fake_ready(void *ctx, const char *service)
{
    s_fake_t *f = ctx;
    for (size_t i = 0; i < 8 && f->ready[i]; i++)
        if (strcmp(f->ready[i], service) == 0)
            return 1;
    return 0;
}

/* A reply as the registry gets one from the wire (it frees it with ls_ctl_reply_free). */
static Ls__CtlReply *s_wire(Ls__CtlReply *r)
{
    size_t n = ls__ctl_reply__get_packed_size(r);
    uint8_t *buf = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(buf);
    ls__ctl_reply__pack(r, buf);
    Ls__CtlReply *out = ls__ctl_reply__unpack(NULL, n, buf);
    free(buf);
    ck_assert_ptr_nonnull(out);
    return out;
}

static Ls__CtlReply *s_fake_call(void *ctx, const char *service, const char *cmd, const char *const *args,
                                 size_t nargs, Ls__FaultRule *const *rules, size_t nrules)
{
    s_fake_t *f = ctx;
    ck_assert_uint_lt(f->ncalls, FAKE_MAX);
    s_call_t *c = &f->calls[f->ncalls++];
    snprintf(c->service, sizeof c->service, "%s", service);
    snprintf(c->cmd, sizeof c->cmd, "%s", cmd);
    snprintf(c->arg, sizeof c->arg, "%s", nargs ? args[0] : "");
    c->nrules = nrules;
    for (size_t i = 0; i < nrules && i < 4; i++)
        c->ids[i] = rules[i]->id;

    Ls__CtlReply r = LS__CTL_REPLY__INIT;
    if (strcmp(cmd, "fault-add") == 0 && f->answer == ANSWER_NONE)
        return NULL;
    if (strcmp(cmd, "fault-add") == 0 && f->answer == ANSWER_REFUSE) {
        r.rc = EINVAL;
        r.error = "fault-add: hosta-net has no pipe 'net:link@eth0'";
    }
    Ls__FaultRule st[2], *stp[2];
    if (strcmp(cmd, "fault-list") == 0) {
        /* the service holds rules 1 and 2 (only those it really holds are matched) */
        for (int i = 0; i < 2; i++) {
            ls__fault_rule__init(&st[i]);
            st[i].id = (uint32_t)(i + 1);
            st[i].pipe = "net:link@eth0";
            st[i].spec = "loss 10%";
            st[i].has_seen = st[i].has_dropped = 1;
            st[i].seen = f->seen + (uint64_t)i;
            st[i].dropped = f->dropped;
            stp[i] = &st[i];
        }
        r.rules = stp;
        r.n_rules = 2;
    }
    return s_wire(&r);
}

typedef struct {
    topo_t *topo;
    s_fake_t fake;
    fault_reg_t *reg;
    ls_ctl_reply_t rep;
} s_rig_t;

static s_rig_t *s_rig_new(const char *extra)
{
    s_rig_t *r = calloc(1, sizeof *r);
    ck_assert_ptr_nonnull(r);
    char text[2048], err[300];
    snprintf(text, sizeof text, "%s%s", s_topo_text, extra ? extra : "");
    r->topo = topo_load_buf("test.yaml", text, strlen(text), err, sizeof err);
    ck_assert_msg(r->topo != NULL, "%s", err);
    r->reg = fault_reg_new(r->topo, NULL,
                           &(fault_reg_io_t){.call = s_fake_call, .call_ctx = &r->fake, .ready = s_fake_ready,
                                             .ready_ctx = &r->fake, .scope = "run"});
    ck_assert_ptr_nonnull(r->reg);
    ls_ctl_reply_init(&r->rep);
    return r;
}

static void s_rig_destroy(s_rig_t **rp)
{
    s_rig_t *r = *rp;
    ls_ctl_reply_fini(&r->rep);
    fault_reg_destroy(&r->reg);
    ck_assert_ptr_null(r->reg);
    topo_destroy(&r->topo);
    free(r);
    *rp = NULL;
}

/* Run one ctl command (args NULL-terminated) on a fresh reply; returns rc. */
static int s_ctl(s_rig_t *r, const char *cmd, ...)
{
    const char *args[8];
    size_t n = 0;
    va_list ap;
    va_start(ap, cmd);
    for (const char *a; n < 8 && (a = va_arg(ap, const char *)) != NULL;)
        args[n++] = a;
    va_end(ap);
    Ls__CtlRequest req = LS__CTL_REQUEST__INIT;
    req.cmd = (char *)cmd;
    req.args = (char **)args;
    req.n_args = n;
    ls_ctl_reply_fini(&r->rep);
    ls_ctl_reply_init(&r->rep);
    ck_assert_int_eq(fault_reg_ctl(r->reg, &req, &r->rep), 0);
    return r->rep.rep.rc;
}

static const char *s_kv(s_rig_t *r, const char *key)
{
    const char *v = ls_ctl_reply_get(&r->rep.rep, key);
    ck_assert_msg(v != NULL, "no kv %s", key);
    return v;
}

/* ---- tests ---- */

START_TEST(test_register_places_and_numbers)
{
    s_rig_t *r = s_rig_new(NULL);
    char err[300] = "";
    ck_assert_int_eq(fault_reg_register(r->reg, "hosta", "net:link", "both", "loss 10%", 7, err, sizeof err), 2);
    ck_assert_int_eq(fault_reg_register(r->reg, "router", "wire@eth1", "up", "delay 5ms", 3, err, sizeof err), 1);
    ck_assert_uint_eq(fault_reg_size(r->reg), 3);
    const fault_reg_rule_t *a = fault_reg_rule(r->reg, 0), *b = fault_reg_rule(r->reg, 1),
                           *c = fault_reg_rule(r->reg, 2);
    /* both: down first, at the sending end of each direction */
    ck_assert_uint_eq(a->id, 1);
    ck_assert_str_eq(a->pl.pipe, "net:link@eth0");
    ck_assert_int_eq(a->pl.dir, LS__DIRECTION__DOWN);
    ck_assert_str_eq(a->pl.service, "hosta-net");
    ck_assert_str_eq(a->spec, "loss 10%");
    ck_assert_uint_eq(a->seed, 7);
    ck_assert_uint_eq(b->id, 2);
    ck_assert_int_eq(b->pl.dir, LS__DIRECTION__UP);
    ck_assert_str_eq(b->pl.service, "hosta-link");
    ck_assert_uint_eq(c->id, 3);
    ck_assert_str_eq(c->pl.service, "router-link");
    ck_assert_int_eq(c->pl.at_sender, 0);
    ck_assert_ptr_null(fault_reg_rule(r->reg, 3));

    /* rejected: nothing registered, no id used */
    ck_assert_int_eq(fault_reg_register(r->reg, "hostz", "net:link", "down", "loss 10%", 1, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "hostz"));
    ck_assert_int_eq(fault_reg_register(r->reg, "hosta", "net:link", "down", "loss 120%", 1, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "loss"));
    char longspec[FAULT_SPEC_MAX + 8];
    memset(longspec, 'x', sizeof longspec - 1);
    longspec[sizeof longspec - 1] = '\0';
    ck_assert_int_eq(fault_reg_register(r->reg, "hosta", "net:link", "down", longspec, 1, err, sizeof err), -1);
    ck_assert_str_eq(err, "rule text longer than 255 bytes");
    ck_assert_uint_eq(fault_reg_size(r->reg), 3);
    ck_assert_int_eq(fault_reg_register(r->reg, "hosta", "wire", "down", "drop nth 2", 1, err, sizeof err), 1);
    ck_assert_uint_eq(fault_reg_rule(r->reg, 3)->id, 4);
    ck_assert_uint_eq(r->fake.ncalls, 0); /* registering pushes nothing */
    s_rig_destroy(&r);
}
END_TEST

START_TEST(test_add_pending_and_in_force)
{
    s_rig_t *r = s_rig_new(NULL);
    /* nobody ready: pending, nothing sent; empty seed = the topology's */
    ck_assert_int_eq(s_ctl(r, "fault-add", "hosta", "net:link", "down", "", "loss 20%", NULL), 0);
    ck_assert_uint_eq(r->rep.rep.n_rows, 1);
    ck_assert_str_eq(r->rep.rep.rows[0], "rule 1: hosta net:link@eth0 down: loss 20% (seed 3), applied by hosta-net "
                                         "as it sends; pending until the service is ready");
    ck_assert_str_eq(s_kv(r, "first_id"), "1");
    ck_assert_str_eq(s_kv(r, "count"), "1");
    ck_assert_uint_eq(r->fake.ncalls, 0);

    /* hosta-net up: pushed at once, one rule per request */
    r->fake.ready[0] = "hosta-net";
    ck_assert_int_eq(s_ctl(r, "fault-add", "hosta", "net:link", "both", "0x10", "drop nth 2", NULL), 0);
    ck_assert_uint_eq(r->rep.rep.n_rows, 2);
    ck_assert_str_eq(r->rep.rep.rows[0], "rule 2: hosta net:link@eth0 down: drop nth 2 (seed 16), applied by "
                                         "hosta-net as it sends; in force");
    ck_assert_str_eq(r->rep.rep.rows[1], "rule 3: hosta net:link@eth0 up: drop nth 2 (seed 16), applied by "
                                         "hosta-link as it sends; pending until the service is ready");
    ck_assert_str_eq(s_kv(r, "first_id"), "2");
    ck_assert_str_eq(s_kv(r, "count"), "2");
    ck_assert_uint_eq(r->fake.ncalls, 1);
    ck_assert_str_eq(r->fake.calls[0].service, "hosta-net");
    ck_assert_str_eq(r->fake.calls[0].cmd, "fault-add");
    ck_assert_uint_eq(r->fake.calls[0].nrules, 1);
    ck_assert_uint_eq(r->fake.calls[0].ids[0], 2);
    ck_assert_uint_eq(fault_reg_size(r->reg), 3);
    s_rig_destroy(&r);
}
END_TEST

START_TEST(test_add_errors)
{
    s_rig_t *r = s_rig_new(NULL);
    ck_assert_int_eq(s_ctl(r, "fault-add", "hosta", "net:link", "down", "loss 1%", NULL), EINVAL);
    ck_assert_str_eq(r->rep.rep.error, "fault-add: expected HOST PIPE DIR SEED SPEC");
    ck_assert_int_eq(s_ctl(r, "fault-add", "hosta", "net:link", "down", "7x", "loss 1%", NULL), EINVAL);
    ck_assert_str_eq(r->rep.rep.error, "seed '7x' is not a number");
    ck_assert_int_eq(s_ctl(r, "fault-add", "hosta", "net:lnk", "down", "", "loss 1%", NULL), EINVAL);
    ck_assert_ptr_nonnull(strstr(r->rep.rep.error, "net:lnk"));
    ck_assert_uint_eq(fault_reg_size(r->reg), 0);

    /* the service refuses, then does not answer: EIO, the request's rules are forgotten */
    r->fake.ready[0] = "hosta-net";
    r->fake.answer = ANSWER_REFUSE;
    ck_assert_int_eq(s_ctl(r, "fault-add", "hosta", "net:link", "down", "", "loss 1%", NULL), EIO);
    ck_assert_str_eq(r->rep.rep.error, "fault-add: hosta-net has no pipe 'net:link@eth0'");
    ck_assert_uint_eq(fault_reg_size(r->reg), 0);
    r->fake.answer = ANSWER_NONE;
    ck_assert_int_eq(s_ctl(r, "fault-add", "hosta", "net:link", "down", "", "loss 1%", NULL), EIO);
    ck_assert_str_eq(r->rep.rep.error, "hosta-net did not answer fault-add");
    ck_assert_uint_eq(fault_reg_size(r->reg), 0);
    /* the ids were not used up */
    r->fake.answer = ANSWER_OK;
    ck_assert_int_eq(s_ctl(r, "fault-add", "hosta", "net:link", "down", "", "loss 1%", NULL), 0);
    ck_assert_str_eq(s_kv(r, "first_id"), "1");
    ck_assert_uint_eq(r->fake.ncalls, 3);
    s_rig_destroy(&r);
}
END_TEST

START_TEST(test_del)
{
    s_rig_t *r = s_rig_new(NULL);
    ck_assert_int_eq(s_ctl(r, "fault-add", "hosta", "net:link", "both", "5", "loss 10%", NULL), 0);
    r->fake.ready[0] = "hosta-link";
    /* rule 1 sits in hosta-net (not up): only the registry forgets it */
    ck_assert_int_eq(s_ctl(r, "fault-del", "1", NULL), 0);
    ck_assert_str_eq(r->rep.rep.rows[0], "rule 1 deleted (hosta net:link@eth0 down: loss 10%)");
    ck_assert_uint_eq(r->fake.ncalls, 0);
    /* rule 2 sits in hosta-link (up): it is told too */
    ck_assert_int_eq(s_ctl(r, "fault-del", "2", NULL), 0);
    ck_assert_str_eq(r->rep.rep.rows[0], "rule 2 deleted (hosta net:link@eth0 up: loss 10%)");
    ck_assert_uint_eq(r->fake.ncalls, 1);
    ck_assert_str_eq(r->fake.calls[0].service, "hosta-link");
    ck_assert_str_eq(r->fake.calls[0].cmd, "fault-del");
    ck_assert_str_eq(r->fake.calls[0].arg, "2");
    ck_assert_uint_eq(fault_reg_size(r->reg), 0);

    ck_assert_int_eq(s_ctl(r, "fault-del", "2", NULL), ENOENT);
    ck_assert_str_eq(r->rep.rep.error, "no fault rule 2 (see 'stackctl fault list')");
    ck_assert_int_eq(s_ctl(r, "fault-del", "two", NULL), EINVAL);
    ck_assert_str_eq(r->rep.rep.error, "fault-del: expected a rule id");
    ck_assert_int_eq(s_ctl(r, "fault-del", NULL), EINVAL);
    ck_assert_int_eq(s_ctl(r, "fault-del", "", NULL), EINVAL);
    /* ids are never reused after a delete */
    ck_assert_int_eq(s_ctl(r, "fault-add", "hosta", "wire", "down", "", "loss 10%", NULL), 0);
    ck_assert_str_eq(s_kv(r, "first_id"), "3");
    s_rig_destroy(&r);
}
END_TEST

START_TEST(test_clear)
{
    s_rig_t *r = s_rig_new(NULL);
    ck_assert_int_eq(s_ctl(r, "fault-add", "hosta", "net:link", "both", "", "loss 10%", NULL), 0);
    ck_assert_int_eq(s_ctl(r, "fault-add", "router", "wire@eth1", "down", "", "loss 10%", NULL), 0);
    /* up: hosta-net (holds rule 1) and router-net (holds none) */
    r->fake.ready[0] = "router-net";
    r->fake.ready[1] = "hosta-net";
    ck_assert_int_eq(s_ctl(r, "fault-clear", NULL), 0);
    ck_assert_uint_eq(r->rep.rep.n_rows, 1);
    ck_assert_str_eq(r->rep.rep.rows[0], "3 rule(s) cleared");
    ck_assert_uint_eq(r->fake.ncalls, 1);
    ck_assert_str_eq(r->fake.calls[0].service, "hosta-net");
    ck_assert_str_eq(r->fake.calls[0].cmd, "fault-clear");
    ck_assert_uint_eq(fault_reg_size(r->reg), 0);
    ck_assert_int_eq(s_ctl(r, "fault-clear", NULL), 0);
    ck_assert_str_eq(r->rep.rep.rows[0], "0 rule(s) cleared");
    ck_assert_uint_eq(r->fake.ncalls, 1);
    s_rig_destroy(&r);
}
END_TEST

START_TEST(test_list)
{
    s_rig_t *r = s_rig_new(NULL);
    ck_assert_int_eq(s_ctl(r, "fault-list", NULL), 0);
    ck_assert_uint_eq(r->rep.rep.n_rows, 0);
    ck_assert_str_eq(s_kv(r, "rules"), "0");
    ck_assert_uint_eq(r->fake.ncalls, 0);

    ck_assert_int_eq(s_ctl(r, "fault-add", "hosta", "net:link", "down", "9", "loss 10%", NULL), 0);
    ck_assert_int_eq(s_ctl(r, "fault-add", "hosta", "wire", "up", "", "corrupt 50%", NULL), 0);
    r->fake.ready[0] = "hosta-net";
    r->fake.seen = 40;
    r->fake.dropped = 4;
    ck_assert_int_eq(s_ctl(r, "fault-list", NULL), 0);
    ck_assert_uint_eq(r->rep.rep.n_rows, 2);
    ck_assert_str_eq(r->rep.rep.rows[0], "1\thosta\tnet:link@eth0\tdown\tloss 10%\t9\t40\t4\t0\t0\t0\t0\thosta-net");
    /* hosta-link is not up: "-" counters, and it is not asked */
    ck_assert_str_eq(r->rep.rep.rows[1], "2\thosta\twire@eth0\tup\tcorrupt 50%\t3\t-\t-\t-\t-\t-\t-\thosta-link");
    ck_assert_str_eq(s_kv(r, "rules"), "2");
    ck_assert_uint_eq(r->fake.ncalls, 1);
    ck_assert_str_eq(r->fake.calls[0].service, "hosta-net");
    ck_assert_str_eq(r->fake.calls[0].cmd, "fault-list");

    /* a service up but holding the rule under no matching id: "-" as well */
    r->fake.ready[1] = "hosta-link";
    ck_assert_int_eq(s_ctl(r, "fault-del", "1", NULL), 0);
    ck_assert_int_eq(s_ctl(r, "fault-add", "hosta", "wire", "down", "", "loss 1%", NULL), 0); /* rule 3 */
    r->fake.ncalls = 0;
    ck_assert_int_eq(s_ctl(r, "fault-list", NULL), 0);
    ck_assert_uint_eq(r->rep.rep.n_rows, 2);
    ck_assert_str_eq(r->rep.rep.rows[0], "2\thosta\twire@eth0\tup\tcorrupt 50%\t3\t41\t4\t0\t0\t0\t0\thosta-link");
    ck_assert_str_eq(r->rep.rep.rows[1], "3\thosta\twire@eth0\tdown\tloss 1%\t3\t-\t-\t-\t-\t-\t-\thosta-link");
    ck_assert_uint_eq(r->fake.ncalls, 1); /* hosta-net holds nothing now */
    s_rig_destroy(&r);
}
END_TEST

START_TEST(test_topology_faults_and_repush)
{
    s_rig_t *r = s_rig_new("faults:\n"
                           "  - pipe: hosta net:link@eth0 both\n"
                           "    spec: loss 10%\n"
                           "    seed: 7\n"
                           "  - pipe: router transport:net down\n"
                           "    spec: loss 5%\n");
    char err[300] = "";
    int line = 0;
    /* router has no transport layer: placement fails, the line is given */
    ck_assert_int_eq(fault_reg_load_topology(r->reg, err, sizeof err, &line), -1);
    ck_assert_int_eq(line, 16);
    ck_assert_ptr_nonnull(strstr(err, "router"));
    s_rig_destroy(&r);

    r = s_rig_new("faults:\n"
                  "  - pipe: hosta net:link@eth0 both\n"
                  "    spec: loss 10%\n"
                  "    seed: 7\n"
                  "  - pipe: hosta transport:net up\n"
                  "    spec: drop nth 3\n");
    ck_assert_int_eq(fault_reg_load_topology(r->reg, err, sizeof err, &line), 0);
    ck_assert_uint_eq(fault_reg_size(r->reg), 3);
    ck_assert_uint_eq(fault_reg_rule(r->reg, 0)->id, 1);
    ck_assert_uint_eq(fault_reg_rule(r->reg, 2)->id, 3);
    ck_assert_uint_eq(fault_reg_rule(r->reg, 2)->seed, 3);
    ck_assert_uint_eq(r->fake.ncalls, 0);

    ck_assert_str_eq(fault_reg_rule(r->reg, 2)->pl.service, "hosta-net");
    /* hosta-net (re)becomes ready: its two rules (1 and 3) in one request */
    ck_assert_int_eq(fault_reg_push_service(r->reg, "hosta-net"), 0);
    ck_assert_uint_eq(r->fake.ncalls, 1);
    ck_assert_str_eq(r->fake.calls[0].service, "hosta-net");
    ck_assert_str_eq(r->fake.calls[0].cmd, "fault-add");
    ck_assert_uint_eq(r->fake.calls[0].nrules, 2);
    ck_assert_uint_eq(r->fake.calls[0].ids[0], 1);
    ck_assert_uint_eq(r->fake.calls[0].ids[1], 3);
    /* a service holding none is not called */
    ck_assert_int_eq(fault_reg_push_service(r->reg, "router-net"), 0);
    ck_assert_uint_eq(r->fake.ncalls, 1);
    /* no answer: -1, the rules stay registered */
    r->fake.answer = ANSWER_NONE;
    ck_assert_int_eq(fault_reg_push_service(r->reg, "hosta-link"), -1);
    ck_assert_uint_eq(fault_reg_size(r->reg), 3);

    /* the next rule added at run time follows the topology's */
    r->fake.answer = ANSWER_OK;
    ck_assert_int_eq(s_ctl(r, "fault-add", "hosta", "wire", "up", "", "loss 1%", NULL), 0);
    ck_assert_str_eq(s_kv(r, "first_id"), "4");
    s_rig_destroy(&r);
}
END_TEST

START_TEST(test_ctl_other_command)
{
    s_rig_t *r = s_rig_new(NULL);
    Ls__CtlRequest req = LS__CTL_REQUEST__INIT;
    req.cmd = "services";
    ck_assert_int_eq(fault_reg_ctl(r->reg, &req, &r->rep), -1);
    ck_assert_uint_eq(r->rep.rep.n_rows, 0);
    fault_reg_t *none = NULL;
    fault_reg_destroy(&none); /* NULL-safe */
    fault_reg_destroy(NULL);
    s_rig_destroy(&r);
}
END_TEST

Suite *fault_reg_suite(void)
{
    Suite *s = suite_create("fault_reg");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_register_places_and_numbers);
    tcase_add_test(tc, test_add_pending_and_in_force);
    tcase_add_test(tc, test_add_errors);
    tcase_add_test(tc, test_del);
    tcase_add_test(tc, test_clear);
    tcase_add_test(tc, test_list);
    tcase_add_test(tc, test_topology_faults_and_repush);
    tcase_add_test(tc, test_ctl_other_command);
    suite_add_tcase(s, tc);
    return s;
}
