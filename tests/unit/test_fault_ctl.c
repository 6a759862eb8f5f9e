/*
 * test_fault_ctl.c -- orchestrator/fault_place.c: rule placement ("HOST PIPE DIR" ->
 * pipe name and the service applying it, including replacement layers and
 * clear one-line errors) and the services' fault-add/del/list/clear
 * commands on real pipe objects.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "fault/fault.h"
#include "orchestrator/fault_place.h"
#include "runtime/pipe_ctl.h"
#include "runtime/pipe.h"

static const char s_topo[] =
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
    "    layers: {transport: none}\n"
    "  - name: swapped\n"
    "    interfaces: [{name: eth0, mac: '02:00:00:00:00:0c', addr: 192.0.2.12/24, segment: lan1}]\n"
    "    layers: {net: fake-net, transport: none}\n"
    "  - name: alien\n"
    "    interfaces: [{name: eth0, mac: '02:00:00:00:00:0d', addr: 192.0.2.13/24, segment: lan1}]\n"
    "    layers: {link: /opt/other/mylink, net: /opt/other/mynet, transport: none}\n";

static topo_t *s_load(void)
{
    char err[300];
    topo_t *t = topo_load_buf("test.yaml", s_topo, strlen(s_topo), err, sizeof err);
    ck_assert_msg(t != NULL, "%s", err);
    return t;
}

static void s_expect(const topo_t *t, const char *host, const char *pipe, const char *dir, const char *canon,
                     Ls__Direction d, const char *svc, int at_sender)
{
    fault_place_t pl[2];
    char err[300] = "";
    int n = fault_place(t, host, pipe, dir, pl, err, sizeof err);
    ck_assert_msg(n == 1, "%s %s %s: %d %s", host, pipe, dir, n, err);
    ck_assert_str_eq(pl[0].host, host);
    ck_assert_str_eq(pl[0].pipe, canon);
    ck_assert_int_eq(pl[0].dir, d);
    ck_assert_str_eq(pl[0].service, svc);
    ck_assert_int_eq(pl[0].at_sender, at_sender);
}

static void s_expect_err(const topo_t *t, const char *host, const char *pipe, const char *dir, const char *msg)
{
    fault_place_t pl[2];
    char err[300] = "";
    ck_assert_int_eq(fault_place(t, host, pipe, dir, pl, err, sizeof err), -1);
    ck_assert_str_eq(err, msg);
}

START_TEST(test_place_sending_end)
{
    topo_t *t = s_load();
    s_expect(t, "hosta", "net:link", "down", "net:link@eth0", LS__DIRECTION__DOWN, "hosta-net", 1);
    s_expect(t, "hosta", "net:link@eth0", "up", "net:link@eth0", LS__DIRECTION__UP, "hosta-link", 1);
    s_expect(t, "hosta", "transport:net", "down", "transport:net", LS__DIRECTION__DOWN, "hosta-transport", 1);
    s_expect(t, "hosta", "transport:net", "up", "transport:net", LS__DIRECTION__UP, "hosta-net", 1);
    s_expect(t, "hosta", "wire", "down", "wire@eth0", LS__DIRECTION__DOWN, "hosta-link", 1);
    /* up the wire: the switch is multi-port, so the link-svc applies it as it receives */
    s_expect(t, "hosta", "wire@eth0", "up", "wire@eth0", LS__DIRECTION__UP, "hosta-link", 0);
    s_expect(t, "router", "net:link@eth1", "down", "net:link@eth1", LS__DIRECTION__DOWN, "router-net", 1);
    topo_destroy(&t);
}
END_TEST

START_TEST(test_place_both_directions)
{
    topo_t *t = s_load();
    fault_place_t pl[2];
    char err[300];
    ck_assert_int_eq(fault_place(t, "hosta", "net:link", "both", pl, err, sizeof err), 2);
    ck_assert_int_eq(pl[0].dir, LS__DIRECTION__DOWN);
    ck_assert_str_eq(pl[0].service, "hosta-net");
    ck_assert_int_eq(pl[1].dir, LS__DIRECTION__UP);
    ck_assert_str_eq(pl[1].service, "hosta-link");
    topo_destroy(&t);
}
END_TEST

START_TEST(test_place_replacement_layer)
{
    topo_t *t = s_load();
    /* net is fake-net (not our library): net:link down is applied as link-svc receives */
    s_expect(t, "swapped", "net:link", "down", "net:link@eth0", LS__DIRECTION__DOWN, "swapped-link", 0);
    s_expect(t, "swapped", "net:link", "up", "net:link@eth0", LS__DIRECTION__UP, "swapped-link", 1);
    s_expect_err(t, "alien", "net:link", "down",
                 "alien net:link@eth0 down: neither end runs our pipe library (net: /opt/other/mynet, link: "
                 "/opt/other/mylink)");
    ck_assert_int_eq(fault_prog_is_ours("/work/build/bin/net-svc"), 1);
    ck_assert_int_eq(fault_prog_is_ours("fake-net"), 0);
    ck_assert_int_eq(fault_prog_is_ours(""), 0);
    topo_destroy(&t);
}
END_TEST

START_TEST(test_place_errors)
{
    topo_t *t = s_load();
    s_expect_err(t, "hosta", "net:lnk", "down",
                 "hosta has no pipe 'net:lnk' (pipes: net:link@eth0, wire@eth0, transport:net)");
    s_expect_err(t, "router", "transport:net", "down",
                 "router has no pipe 'transport:net' (pipes: net:link@eth0, net:link@eth1, wire@eth0, wire@eth1)");
    s_expect_err(t, "router", "net:link", "down",
                 "router has 2 interfaces: say which, e.g. net:link@eth0 (pipes: net:link@eth0, net:link@eth1, "
                 "wire@eth0, wire@eth1)");
    s_expect_err(t, "hosta", "net:link@eth7", "down",
                 "hosta has no interface 'eth7' (pipes: net:link@eth0, wire@eth0, transport:net)");
    s_expect_err(t, "hosta", "transport:net@eth0", "up",
                 "hosta has no pipe 'transport:net@eth0' (pipes: net:link@eth0, wire@eth0, transport:net)");
    s_expect_err(t, "hostz", "net:link", "down", "no host 'hostz' in the topology");
    s_expect_err(t, "hosta", "net:link", "sideways", "bad direction 'sideways' (expected up, down or both)");
    topo_destroy(&t);
}
END_TEST

/* ---- service side on real pipes ---- */

typedef struct {
    ls_svc_t svc;
    ls_pipe_t *up, *wire;
} s_svc_rig_t;

static void s_ignore(ls_pipe_t *pipe, Ls__Envelope *env, void *arg) {}

static s_svc_rig_t *s_svc_new(void)
{
    s_svc_rig_t *r = calloc(1, sizeof *r);
    ck_assert_ptr_nonnull(r);
    snprintf(r->svc.name, sizeof r->svc.name, "hosta-link");
    r->svc.zctx = zmq_ctx_new();
    r->svc.loop = ls_loop_new();
    r->svc.ctr = ls_counters_new();
    r->up = ls_pipe_new(&r->svc, "net:link@eth0", "inproc://fc-up", 1, LS__LAYER__LINK, LS__DIRECTION__UP,
                        s_ignore, r);
    r->wire = ls_pipe_new(&r->svc, "wire@eth0", "inproc://fc-wire", 1, LS__LAYER__WIRE, LS__DIRECTION__DOWN,
                          s_ignore, r);
    ck_assert_ptr_nonnull(r->up);
    ck_assert_ptr_nonnull(r->wire);
    ck_assert_int_eq(ls_pipe_ctl_register(&r->svc), 0);
    return r;
}

static void s_svc_destroy(s_svc_rig_t **rp)
{
    s_svc_rig_t *r = *rp;
    ls_pipe_destroy(&r->up);
    ls_pipe_destroy(&r->wire);
    ls_loop_destroy(&r->svc.loop);
    ls_counters_destroy(&r->svc.ctr);
    zmq_ctx_term(r->svc.zctx);
    free(r);
    *rp = NULL;
}

/* What the control channel does with a request: the command registered for
 * it (here by runtime/pipe_ctl.c), or -1. */
static int s_dispatch(ls_svc_t *svc, const Ls__CtlRequest *req, ls_ctl_reply_t *rep)
{
    for (size_t i = 0; i < svc->ncmds; i++)
        if (strcmp(svc->cmds[i].name, req->cmd) == 0)
            return svc->cmds[i].fn(svc, req, rep, NULL, svc->cmds[i].arg);
    return -1;
}

static int s_cmd(s_svc_rig_t *r, ls_ctl_reply_t *rep, const char *cmd, const char *arg, uint32_t id,
                 const char *pipe, Ls__Direction dir, const char *spec)
{
    Ls__CtlRequest req = LS__CTL_REQUEST__INIT;
    Ls__FaultRule fr = LS__FAULT_RULE__INIT;
    Ls__FaultRule *frs[1] = {&fr};
    char *args[1] = {(char *)arg};
    req.version = 1;
    req.cmd = (char *)cmd;
    if (arg) {
        req.args = args;
        req.n_args = 1;
    }
    if (pipe) {
        fr.id = id;
        fr.pipe = (char *)pipe;
        fr.dir = dir;
        fr.spec = (char *)spec;
        fr.seed = 11;
        req.rules = frs;
        req.n_rules = 1;
    }
    ls_ctl_reply_fini(rep);
    ck_assert_int_eq(s_dispatch(&r->svc, &req, rep), 0);
    return rep->rep.rc;
}

START_TEST(test_service_add_list_del_clear)
{
    s_svc_rig_t *r = s_svc_new();
    ls_ctl_reply_t rep;
    ls_ctl_reply_init(&rep);
    ck_assert_int_eq(s_cmd(r, &rep, "fault-add", NULL, 4, "net:link@eth0", LS__DIRECTION__DOWN, "loss 10%"), 0);
    /* DOWN on the link end of net:link is its incoming set */
    ck_assert_ptr_nonnull(ls_pipe_faults_peek(r->up, LS__DIRECTION__DOWN));
    ck_assert_uint_eq(fault_set_size(ls_pipe_faults_peek(r->up, LS__DIRECTION__DOWN)), 1);
    ck_assert_int_eq(s_cmd(r, &rep, "fault-add", NULL, 5, "wire@eth0", LS__DIRECTION__UP, "delay 10ms"), 0);
    ck_assert_int_eq(s_cmd(r, &rep, "fault-add", NULL, 5, "wire@eth0", LS__DIRECTION__UP, "delay 10ms"), EEXIST);
    ck_assert_str_eq(rep.rep.error, "fault-add: rule 5 is already on hosta-link");
    ck_assert_int_eq(s_cmd(r, &rep, "fault-add", NULL, 6, "net:lnk", LS__DIRECTION__UP, "delay 10ms"), ENOENT);
    ck_assert_str_eq(rep.rep.error, "fault-add: hosta-link has no pipe 'net:lnk'");
    ck_assert_int_eq(s_cmd(r, &rep, "fault-add", NULL, 6, "wire@eth0", LS__DIRECTION__UP, "loss 120%"), EINVAL);
    ck_assert_ptr_nonnull(strstr(rep.rep.error, "fault-add: loss"));

    ck_assert_int_eq(s_cmd(r, &rep, "fault-list", NULL, 0, NULL, 0, NULL), 0);
    ck_assert_uint_eq(rep.rep.n_rules, 2);
    /* pipes are listed newest first: wire, then net:link */
    ck_assert_uint_eq(rep.rep.rules[0]->id, 5);
    ck_assert_str_eq(rep.rep.rules[0]->pipe, "wire@eth0");
    ck_assert_int_eq(rep.rep.rules[0]->dir, LS__DIRECTION__UP);
    ck_assert_str_eq(rep.rep.rules[0]->spec, "delay 10ms");
    ck_assert_uint_eq(rep.rep.rules[1]->id, 4);
    ck_assert_uint_eq(rep.rep.rules[1]->seed, 11);
    ck_assert_int_eq(rep.rep.rules[1]->has_seen, 1);
    ck_assert_uint_eq(rep.rep.rules[1]->seen, 0);
    ck_assert_uint_eq(rep.rep.n_rows, 2);
    ck_assert_str_eq(rep.rep.rows[1], "4\tnet:link@eth0\tdown\tloss 10%\t11\t0\t0\t0\t0\t0\t0");

    ck_assert_int_eq(s_cmd(r, &rep, "fault-del", "4", 0, NULL, 0, NULL), 0);
    ck_assert_uint_eq(fault_set_size(ls_pipe_faults_peek(r->up, LS__DIRECTION__DOWN)), 0);
    ck_assert_int_eq(s_cmd(r, &rep, "fault-del", "4", 0, NULL, 0, NULL), ENOENT);
    ck_assert_int_eq(s_cmd(r, &rep, "fault-del", "x", 0, NULL, 0, NULL), EINVAL);
    ck_assert_int_eq(s_cmd(r, &rep, "fault-clear", NULL, 0, NULL, 0, NULL), 0);
    ck_assert_str_eq(ls_ctl_reply_get(&rep.rep, "cleared"), "1");
    ck_assert_int_eq(s_cmd(r, &rep, "fault-list", NULL, 0, NULL, 0, NULL), 0);
    ck_assert_uint_eq(rep.rep.n_rules, 0);
    Ls__CtlRequest other = LS__CTL_REQUEST__INIT;
    other.cmd = "status";
    ck_assert_int_eq(s_dispatch(&r->svc, &other, &rep), -1);
    ls_ctl_reply_fini(&rep);
    s_svc_destroy(&r);
}
END_TEST

Suite *fault_ctl_suite(void)
{
    Suite *s = suite_create("fault_ctl");
    TCase *tc = tcase_create("place");
    tcase_add_test(tc, test_place_sending_end);
    tcase_add_test(tc, test_place_both_directions);
    tcase_add_test(tc, test_place_replacement_layer);
    tcase_add_test(tc, test_place_errors);
    suite_add_tcase(s, tc);
    tc = tcase_create("service");
    tcase_add_test(tc, test_service_add_list_del_clear);
    suite_add_tcase(s, tc);
    return s;
}
