/*
 * test_scenario.c -- orchestrator/scenario.c: loading lesson files (fields,
 * defaults, one-line errors with line numbers), counter expressions, ordered
 * subsequence / reject matching, relative TCP sequence numbers, and the
 * command-line splitter.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "orchestrator/scenario.h"

static const char s_ok[] =
    "name: demo\n"
    "description: a demo lesson\n"
    "topology: topologies/default.yaml\n"
    "faults:\n"
    "  - pipe: hosta net:link down\n"
    "    spec: loss 20%\n"
    "    seed: 7\n"
    "steps:\n"
    "  - run: exec hosta ping -c 3 hostb\n"
    "    expect: ['ttl=63', 'packets transmitted']\n"
    "    exit: any\n"
    "    timeout: 30s\n"
    "  - trace: --host hosta\n"
    "    expect: 'Flags \\[S\\]'\n"
    "    relative_seq: true\n"
    "    within: 2s\n"
    "  - counter: hostb-link eth.drop.bad_fcs >= 1\n"
    "    title: FCS drops\n";

START_TEST(test_load_ok)
{
    char err[300];
    scenario_t *s = scenario_load_buf("demo.yaml", s_ok, strlen(s_ok), err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    ck_assert_str_eq(s->name, "demo");
    ck_assert_str_eq(s->topology, "topologies/default.yaml");
    ck_assert_uint_eq(s->nfault, 1);
    ck_assert_str_eq(s->faults[0].host_pipe_dir, "hosta net:link down");
    ck_assert_str_eq(s->faults[0].spec, "loss 20%");
    ck_assert_str_eq(s->faults[0].seed, "7");
    ck_assert_uint_eq(s->nstep, 3);
    ck_assert_int_eq(s->steps[0].kind, SCN_STEP_RUN);
    ck_assert_int_eq(s->steps[0].exit_code, -1);
    ck_assert_uint_eq(s->steps[0].within_ns, 30000000000ull);
    ck_assert_uint_eq(s->steps[0].nexpect, 2);
    ck_assert_str_eq(s->steps[0].expect[1], "packets transmitted");
    ck_assert_int_eq(s->steps[0].line, 9);
    ck_assert_int_eq(s->steps[1].kind, SCN_STEP_TRACE);
    ck_assert_str_eq(s->steps[1].text, "--host hosta");
    ck_assert_int_eq(s->steps[1].relative_seq, 1);
    ck_assert_uint_eq(s->steps[1].within_ns, 2000000000ull);
    ck_assert_int_eq(s->steps[2].kind, SCN_STEP_COUNTER);
    ck_assert_str_eq(s->steps[2].service, "hostb-link");
    ck_assert_str_eq(s->steps[2].counter, "eth.drop.bad_fcs");
    ck_assert_int_eq(s->steps[2].op, SCN_OP_GE);
    ck_assert_uint_eq(s->steps[2].value, 1);
    ck_assert_str_eq(s->steps[2].title, "FCS drops");
    ck_assert_uint_eq(s->steps[2].within_ns, 5000000000ull); /* default */
    scenario_destroy(&s);
    ck_assert_ptr_null(s);
}
END_TEST

static void s_bad(const char *text, const char *want)
{
    char err[300] = "";
    scenario_t *s = scenario_load_buf("bad.yaml", text, strlen(text), err, sizeof err);
    ck_assert_ptr_null(s);
    ck_assert_str_eq(err, want);
}

START_TEST(test_load_errors)
{
    s_bad("name: x\ndescription: y\ntopology: t\nsteps: [{run: a, frob: 1}]\n",
          "bad.yaml:4: unknown step key 'frob' (expected run, trace, counter, title, exit, expect, reject, "
          "relative_seq, within, timeout)");
    s_bad("name: x\ndescription: y\nsteps: [{run: a}]\n", "bad.yaml:1: missing 'topology'");
    s_bad("name: x\ndescription: y\ntopology: t\nsteps:\n  - {run: a, trace: b}\n",
          "bad.yaml:5: a step needs exactly one of run:, trace:, counter:");
    s_bad("name: x\ndescription: y\ntopology: t\nsteps:\n  - trace:\n",
          "bad.yaml:5: a trace: step needs expect: (and/or reject:)");
    s_bad("name: x\ndescription: y\ntopology: t\nsteps:\n  - counter: a b c\n",
          "bad.yaml:5: counter: expected 'SERVICE NAME OP VALUE', e.g. 'hostb-link eth.drop.bad_fcs >= 1'");
    s_bad("name: x\ndescription: y\ntopology: t\nsteps:\n  - {run: a, expect: '(unclosed'}\n",
          "bad.yaml:5: expect: bad regex '(unclosed': Unmatched ( or \\(");
    s_bad("name: x\ndescription: y\ntopology: t\nsteps:\n  - {run: a, exit: maybe}\n",
          "bad.yaml:5: exit: expected 0..255 or any, got 'maybe'");
    s_bad("name: x\ndescription: y\ntopology: t\nfaults: [{pipe: hosta, spec: loss 1%}]\nsteps: [{run: a}]\n",
          "bad.yaml:4: fault pipe 'hosta': expected 'HOST PIPE [up|down|both]'");
    s_bad("name: [x\n", "bad.yaml:2: YAML syntax error: did not find expected ',' or ']'");
    s_bad("- 1\n", "bad.yaml:1: a scenario is a mapping (name, description, topology, faults, steps)");
}
END_TEST

START_TEST(test_counter_expr)
{
    scn_step_t st;
    char err[200];
    memset(&st, 0, sizeof st);
    ck_assert_int_eq(scenario_parse_counter("router-net ip.drop.bad_checksum == 3", &st, err, sizeof err), 0);
    ck_assert_int_eq(st.op, SCN_OP_EQ);
    ck_assert_uint_eq(st.value, 3);
    ck_assert_int_eq(scenario_parse_counter("a b => 3", &st, err, sizeof err), -1);
    ck_assert_str_eq(err, "counter: bad comparison '=>' (>=, <=, >, <, ==, !=)");
    ck_assert_int_eq(scenario_parse_counter("a b >= x3", &st, err, sizeof err), -1);
    ck_assert_int_eq(scenario_op_holds(SCN_OP_GE, 3, 3), 1);
    ck_assert_int_eq(scenario_op_holds(SCN_OP_GT, 3, 3), 0);
    ck_assert_int_eq(scenario_op_holds(SCN_OP_LT, 2, 3), 1);
    ck_assert_int_eq(scenario_op_holds(SCN_OP_LE, 4, 3), 0);
    ck_assert_int_eq(scenario_op_holds(SCN_OP_NE, 4, 3), 1);
    ck_assert_str_eq(scenario_op_str(SCN_OP_NE), "!=");
}
END_TEST

START_TEST(test_subsequence)
{
    const char *text = "alpha 1\nbeta 2\ngamma 3\nbeta 4\n";
    char *in_order[] = {"^alpha", "beta", "gamma", "beta 4$"};
    char *wrong_order[] = {"gamma", "alpha"};
    char *bad[] = {"("};
    char err[200];
    ck_assert_int_eq(scenario_match_subsequence(text, in_order, 4, err, sizeof err), -1);
    ck_assert_int_eq(scenario_match_subsequence(text, wrong_order, 2, err, sizeof err), 1);
    ck_assert_int_eq(scenario_match_subsequence(text, bad, 1, err, sizeof err), 0);
    ck_assert_str_ne(err, "");
    /* one line satisfies one pattern only */
    char *twice[] = {"alpha", "alpha"};
    ck_assert_int_eq(scenario_match_subsequence(text, twice, 2, err, sizeof err), 1);
    char *none[] = {"delta", "gamma"};
    ck_assert_int_eq(scenario_match_none(text, none, 2, err, sizeof err), 1);
    ck_assert_int_eq(scenario_match_none(text, none, 1, err, sizeof err), -1);
    ck_assert_int_eq(scenario_match_subsequence("", NULL, 0, err, sizeof err), -1);
}
END_TEST

START_TEST(test_relative_seq)
{
    const char *in =
        "x IP 192.0.2.10.40000 > 198.51.100.10.80: Flags [S], seq 1000, win 65535, length 0\n"
        "x IP 198.51.100.10.80 > 192.0.2.10.40000: Flags [S.], seq 5000, ack 1001, win 65535, length 0\n"
        "x IP 192.0.2.10.40000 > 198.51.100.10.80: Flags [.], ack 5001, win 65535, length 0\n"
        "x IP 192.0.2.10.40000 > 198.51.100.10.80: Flags [P.], seq 1001:1101, ack 5001, win 65535, length 100\n"
        "x unrelated line, seq 7\n";
    const char *want =
        "x IP 192.0.2.10.40000 > 198.51.100.10.80: Flags [S], seq 0, win 65535, length 0\n"
        "x IP 198.51.100.10.80 > 192.0.2.10.40000: Flags [S.], seq 0, ack 1, win 65535, length 0\n"
        "x IP 192.0.2.10.40000 > 198.51.100.10.80: Flags [.], ack 1, win 65535, length 0\n"
        "x IP 192.0.2.10.40000 > 198.51.100.10.80: Flags [P.], seq 1:101, ack 1, win 65535, length 100\n"
        "x unrelated line, seq 7\n";
    char *out = scenario_relative_seq(in);
    ck_assert_str_eq(out, want);
    free(out);
    /* a state line quotes the incoming segment: relative to the peer's direction */
    out = scenario_relative_seq(
        "IP 192.0.2.10.40000 > 198.51.100.10.80: Flags [S], seq 1000, win 65535, length 0\n"
        "198.51.100.10.80 > 192.0.2.10.40000: CLOSED -> SYN_RECV on Flags [S], seq 1000, win 65535, length 0\n"
        "IP 198.51.100.10.80 > 192.0.2.10.40000: Flags [S.], seq 5000, ack 1001, win 65535, length 0\n"
        "192.0.2.10.40000 > 198.51.100.10.80: SYN_SENT -> ESTABLISHED on Flags [S.], seq 5000, ack 1001, win 1\n");
    ck_assert_str_eq(out,
                     "IP 192.0.2.10.40000 > 198.51.100.10.80: Flags [S], seq 0, win 65535, length 0\n"
                     "198.51.100.10.80 > 192.0.2.10.40000: CLOSED -> SYN_RECV on Flags [S], seq 0, win 65535, length 0\n"
                     "IP 198.51.100.10.80 > 192.0.2.10.40000: Flags [S.], seq 0, ack 1, win 65535, length 0\n"
                     "192.0.2.10.40000 > 198.51.100.10.80: SYN_SENT -> ESTABLISHED on Flags [S.], seq 0, ack 1, win 1\n");
    free(out);
    /* wrap-around stays relative */
    out = scenario_relative_seq("IP 1.2.3.4.1 > 5.6.7.8.2: Flags [S], seq 4294967295, win 1, length 0\n"
                                "IP 1.2.3.4.1 > 5.6.7.8.2: Flags [P.], seq 0:10, ack 9, win 1, length 10");
    ck_assert_str_eq(out, "IP 1.2.3.4.1 > 5.6.7.8.2: Flags [S], seq 0, win 1, length 0\n"
                          "IP 1.2.3.4.1 > 5.6.7.8.2: Flags [P.], seq 1:11, ack 9, win 1, length 10");
    free(out);
}
END_TEST

START_TEST(test_split)
{
    char buf[128], *av[8];
    ck_assert_int_eq(scenario_split("exec hosta  ping -c 3 'a b' \"c d\" e\\ f", buf, sizeof buf, av, 8), 8);
    ck_assert_str_eq(av[0], "exec");
    ck_assert_str_eq(av[1], "hosta");
    ck_assert_str_eq(av[5], "a b");
    ck_assert_str_eq(av[6], "c d");
    ck_assert_str_eq(av[7], "e f");
    ck_assert_int_eq(scenario_split("a 'b", buf, sizeof buf, av, 8), -1);
    ck_assert_int_eq(scenario_split("a b c", buf, sizeof buf, av, 2), -1);
    ck_assert_int_eq(scenario_split("   ", buf, sizeof buf, av, 2), 0);
}
END_TEST

Suite *scenario_suite(void)
{
    Suite *s = suite_create("scenario");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, test_load_ok);
    tcase_add_test(tc, test_load_errors);
    tcase_add_test(tc, test_counter_expr);
    suite_add_tcase(s, tc);
    tc = tcase_create("match");
    tcase_add_test(tc, test_subsequence);
    tcase_add_test(tc, test_relative_seq);
    tcase_add_test(tc, test_split);
    suite_add_tcase(s, tc);
    return s;
}
