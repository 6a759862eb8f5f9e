/*
 * scenario.c -- `stackctl scenario run|list`: lessons from YAML files (see
 * scenario.h for the call chain, docs/scenarios.md for the format).
 *
 *   scenario_load -> s_load_root (libyaml document) -> faults, steps
 *   cmd_scenario run -> s_run: s_child("up TOPO") -> s_child("fault add ...")
 *     -> per step: s_step_run (child stackctl, subsequence of regexes over its
 *        output) | s_step_trace (child "stackctl trace ...", retried within
 *        the step's window) | s_step_counter (ctl "counters" to the service,
 *        retried) -> s_child("down")
 */
#include "scenario.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml.h>

#include "runtime/ctl_client.h"
#include "runtime/loop.h"
#include "stackctl.h"
#include "topology/topology.h"

#define SCN_DEFAULT_WITHIN_NS 5000000000ull
#define SCN_DEFAULT_TIMEOUT_NS 60000000000ull
#define SCN_RETRY_MS 100

/* ---- loading ---- */

typedef struct {
    const char *label;
    yaml_document_t *doc;
    char *err;
    size_t errlen;
} s_ld_t;

static int s_line(const yaml_node_t *n) { return n ? (int)n->start_mark.line + 1 : 0; }

static int s_fail(s_ld_t *ld, const yaml_node_t *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int s_fail(s_ld_t *ld, const yaml_node_t *at, const char *fmt, ...)
{
    char reason[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    snprintf(ld->err, ld->errlen, "%s:%d: %s", ld->label, s_line(at), reason);
    return -1;
}

static yaml_node_t *s_node(s_ld_t *ld, int idx) { return yaml_document_get_node(ld->doc, idx); }

static int s_scalar(s_ld_t *ld, const yaml_node_t *n, const char *what, char *out, size_t cap)
{
    if (!n || n->type != YAML_SCALAR_NODE)
        return s_fail(ld, n, "%s must be a scalar", what);
    if (n->data.scalar.length >= cap)
        return s_fail(ld, n, "%s is longer than %zu bytes", what, cap - 1);
    memcpy(out, n->data.scalar.value, n->data.scalar.length);
    out[n->data.scalar.length] = '\0';
    return 0;
}

static int s_is_null(const yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    const char *v = (const char *)n->data.scalar.value;
    return n->data.scalar.length == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0;
}

/* A list of strings: a sequence of scalars, or one scalar. */
static int s_strings(s_ld_t *ld, const yaml_node_t *n, const char *what, char ***out, size_t *nout)
{
    size_t cnt = n->type == YAML_SEQUENCE_NODE ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
                                               : 1;
    if (n->type != YAML_SEQUENCE_NODE && n->type != YAML_SCALAR_NODE)
        return s_fail(ld, n, "%s must be a regex or a list of regexes", what);
    *out = calloc(cnt + 1, sizeof **out);
    if (!*out)
        abort();
    for (size_t i = 0; i < cnt; i++) {
        const yaml_node_t *it = n->type == YAML_SEQUENCE_NODE ? s_node(ld, n->data.sequence.items.start[i]) : n;
        char buf[SCN_TEXT_MAX];
        if (s_scalar(ld, it, what, buf, sizeof buf) < 0)
            return -1;
        regex_t re;
        int rc = regcomp(&re, buf, REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
        if (rc != 0) {
            char e[160];
            regerror(rc, &re, e, sizeof e);
            return s_fail(ld, it, "%s: bad regex '%s': %s", what, buf, e);
        }
        regfree(&re);
        (*out)[i] = strdup(buf);
        (*nout)++;
    }
    return 0;
}

static int s_duration(s_ld_t *ld, const yaml_node_t *n, const char *what, uint64_t *ns)
{
    char buf[64];
    if (s_scalar(ld, n, what, buf, sizeof buf) < 0)
        return -1;
    if (topo_parse_duration_ns(buf, ns) < 0)
        return s_fail(ld, n, "%s: bad duration '%s' (e.g. 5s, 500ms)", what, buf);
    return 0;
}

static const char *const s_op_names[] = {">=", "<=", ">", "<", "==", "!="};

const char *scenario_op_str(scn_op_t op) { return (unsigned)op < 6 ? s_op_names[op] : "?"; }

int scenario_op_holds(scn_op_t op, uint64_t v, uint64_t want)
{
    switch (op) {
    case SCN_OP_GE: return v >= want;
    case SCN_OP_LE: return v <= want;
    case SCN_OP_GT: return v > want;
    case SCN_OP_LT: return v < want;
    case SCN_OP_EQ: return v == want;
    case SCN_OP_NE: return v != want;
    }
    return 0;
}

int scenario_parse_counter(const char *text, scn_step_t *st, char *err, size_t errlen)
{
    char svc[96], name[128], op[8], val[32], extra[8];
    int n = sscanf(text, "%95s %127s %7s %31s %7s", svc, name, op, val, extra);
    if (n != 4) {
        snprintf(err, errlen, "counter: expected 'SERVICE NAME OP VALUE', e.g. 'hostb-link eth.drop.bad_fcs >= 1'");
        return -1;
    }
    int k;
    for (k = 0; k < 6 && strcmp(op, s_op_names[k]) != 0; k++)
        ;
    if (k == 6) {
        snprintf(err, errlen, "counter: bad comparison '%s' (>=, <=, >, <, ==, !=)", op);
        return -1;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(val, &end, 10);
    if (errno || !end || *end || !isdigit((unsigned char)val[0])) {
        snprintf(err, errlen, "counter: value '%s' is not a number", val);
        return -1;
    }
    snprintf(st->service, sizeof st->service, "%s", svc);
    snprintf(st->counter, sizeof st->counter, "%s", name);
    st->op = (scn_op_t)k;
    st->value = v;
    return 0;
}

static int s_key_in(const char *k, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (strcmp(k, *allowed) == 0)
            return 1;
    return 0;
}

static int s_load_step(s_ld_t *ld, const yaml_node_t *m, scn_step_t *st)
{
    static const char *const keys[] = {"run", "trace", "counter", "title", "exit", "expect", "reject",
                                       "relative_seq", "within", "timeout", NULL};
    if (m->type != YAML_MAPPING_NODE)
        return s_fail(ld, m, "a step must be a mapping with run:, trace: or counter:");
    st->line = s_line(m);
    st->within_ns = SCN_DEFAULT_WITHIN_NS;
    int kinds = 0, has_timeout = 0;
    uint64_t timeout = SCN_DEFAULT_TIMEOUT_NS;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = s_node(ld, p->key), *v = s_node(ld, p->value);
        char key[32];
        if (s_scalar(ld, k, "step key", key, sizeof key) < 0)
            return -1;
        if (!s_key_in(key, keys))
            return s_fail(ld, k, "unknown step key '%s' (expected run, trace, counter, title, exit, expect, "
                                 "reject, relative_seq, within, timeout)", key);
        if (strcmp(key, "run") == 0) {
            st->kind = SCN_STEP_RUN;
            kinds++;
            if (s_scalar(ld, v, "run", st->text, sizeof st->text) < 0)
                return -1;
            if (!st->text[0])
                return s_fail(ld, v, "run: empty command");
        } else if (strcmp(key, "trace") == 0) {
            st->kind = SCN_STEP_TRACE;
            kinds++;
            if (!s_is_null(v) && s_scalar(ld, v, "trace", st->text, sizeof st->text) < 0)
                return -1;
        } else if (strcmp(key, "counter") == 0) {
            st->kind = SCN_STEP_COUNTER;
            kinds++;
            char e[200];
            if (s_scalar(ld, v, "counter", st->text, sizeof st->text) < 0)
                return -1;
            if (scenario_parse_counter(st->text, st, e, sizeof e) < 0)
                return s_fail(ld, v, "%s", e);
        } else if (strcmp(key, "title") == 0) {
            if (s_scalar(ld, v, "title", st->title, sizeof st->title) < 0)
                return -1;
        } else if (strcmp(key, "exit") == 0) {
            char b[16];
            if (s_scalar(ld, v, "exit", b, sizeof b) < 0)
                return -1;
            char *end = NULL;
            long x = strtol(b, &end, 10);
            if (strcmp(b, "any") == 0)
                st->exit_code = -1;
            else if (end && !*end && b[0] && x >= 0 && x < 256)
                st->exit_code = (int)x;
            else
                return s_fail(ld, v, "exit: expected 0..255 or any, got '%s'", b);
        } else if (strcmp(key, "expect") == 0) {
            if (s_strings(ld, v, "expect", &st->expect, &st->nexpect) < 0)
                return -1;
        } else if (strcmp(key, "reject") == 0) {
            if (s_strings(ld, v, "reject", &st->reject, &st->nreject) < 0)
                return -1;
        } else if (strcmp(key, "relative_seq") == 0) {
            char b[8];
            if (s_scalar(ld, v, "relative_seq", b, sizeof b) < 0)
                return -1;
            if (strcmp(b, "true") && strcmp(b, "false"))
                return s_fail(ld, v, "relative_seq: expected true or false");
            st->relative_seq = strcmp(b, "true") == 0;
        } else if (strcmp(key, "within") == 0) {
            if (s_duration(ld, v, "within", &st->within_ns) < 0)
                return -1;
        } else if (strcmp(key, "timeout") == 0) {
            if (s_duration(ld, v, "timeout", &timeout) < 0)
                return -1;
            has_timeout = 1;
        }
    }
    if (kinds != 1)
        return s_fail(ld, m, "a step needs exactly one of run:, trace:, counter:");
    if (st->kind == SCN_STEP_RUN)
        st->within_ns = timeout;
    else if (has_timeout)
        return s_fail(ld, m, "timeout: applies to run: steps (use within: for trace and counter)");
    if (st->kind == SCN_STEP_COUNTER && (st->nexpect || st->nreject))
        return s_fail(ld, m, "expect/reject do not apply to a counter: step");
    if (st->kind == SCN_STEP_TRACE && !st->nexpect && !st->nreject)
        return s_fail(ld, m, "a trace: step needs expect: (and/or reject:)");
    if (st->kind != SCN_STEP_TRACE && st->relative_seq)
        return s_fail(ld, m, "relative_seq applies to trace: steps");
    return 0;
}

static int s_load_fault(s_ld_t *ld, const yaml_node_t *m, scn_fault_t *f)
{
    if (m->type != YAML_MAPPING_NODE)
        return s_fail(ld, m, "a fault must be a mapping with pipe: and spec:");
    f->line = s_line(m);
    int have = 0;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = s_node(ld, p->key), *v = s_node(ld, p->value);
        char key[32];
        if (s_scalar(ld, k, "fault key", key, sizeof key) < 0)
            return -1;
        if (strcmp(key, "pipe") == 0) {
            have |= 1;
            if (s_scalar(ld, v, "pipe", f->host_pipe_dir, sizeof f->host_pipe_dir) < 0)
                return -1;
        } else if (strcmp(key, "spec") == 0) {
            have |= 2;
            if (s_scalar(ld, v, "spec", f->spec, sizeof f->spec) < 0)
                return -1;
        } else if (strcmp(key, "seed") == 0) {
            if (s_scalar(ld, v, "seed", f->seed, sizeof f->seed) < 0)
                return -1;
        } else {
            return s_fail(ld, k, "unknown fault key '%s' (expected pipe, spec, seed)", key);
        }
    }
    if (have != 3)
        return s_fail(ld, m, "a fault needs pipe: ('HOST PIPE [up|down|both]') and spec:");
    char words[SCN_TEXT_MAX], *w[4];
    int n = scenario_split(f->host_pipe_dir, words, sizeof words, w, 4);
    if (n < 2 || n > 3)
        return s_fail(ld, m, "fault pipe '%s': expected 'HOST PIPE [up|down|both]'", f->host_pipe_dir);
    return 0;
}

static int s_load_root(s_ld_t *ld, scenario_t *s)
{
    yaml_node_t *root = yaml_document_get_root_node(ld->doc);
    if (!root || root->type != YAML_MAPPING_NODE)
        return s_fail(ld, root, "a scenario is a mapping (name, description, topology, faults, steps)");
    int have = 0;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *k = s_node(ld, p->key), *v = s_node(ld, p->value);
        char key[32];
        if (s_scalar(ld, k, "key", key, sizeof key) < 0)
            return -1;
        if (strcmp(key, "name") == 0) {
            have |= 1;
            if (s_scalar(ld, v, "name", s->name, sizeof s->name) < 0)
                return -1;
        } else if (strcmp(key, "description") == 0) {
            have |= 2;
            if (s_scalar(ld, v, "description", s->description, sizeof s->description) < 0)
                return -1;
        } else if (strcmp(key, "topology") == 0) {
            have |= 4;
            if (s_scalar(ld, v, "topology", s->topology, sizeof s->topology) < 0)
                return -1;
        } else if (strcmp(key, "faults") == 0 || strcmp(key, "steps") == 0) {
            if (v->type != YAML_SEQUENCE_NODE)
                return s_fail(ld, v, "%s must be a list", key);
            size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
            int faults = key[0] == 'f';
            if (faults) {
                s->faults = calloc(n + 1, sizeof *s->faults);
                if (!s->faults)
                    abort();
            } else {
                have |= 8;
                s->steps = calloc(n + 1, sizeof *s->steps);
                if (!s->steps)
                    abort();
            }
            for (size_t i = 0; i < n; i++) {
                yaml_node_t *it = s_node(ld, v->data.sequence.items.start[i]);
                if (faults) {
                    if (s_load_fault(ld, it, &s->faults[i]) < 0)
                        return -1;
                    s->nfault = i + 1;
                } else {
                    s->nstep = i + 1; /* counted before loading: destroy frees partial steps */
                    if (s_load_step(ld, it, &s->steps[i]) < 0)
                        return -1;
                }
            }
        } else {
            return s_fail(ld, k, "unknown key '%s' (expected name, description, topology, faults, steps)", key);
        }
    }
    static const char *const need[] = {"name", "description", "topology", "steps"};
    for (int i = 0; i < 4; i++)
        if (!(have & (1 << i)))
            return s_fail(ld, root, "missing '%s'", need[i]);
    if (s->nstep == 0)
        return s_fail(ld, root, "steps: at least one step");
    return 0;
}

scenario_t *scenario_load_buf(const char *label, const char *text, size_t len, char *err, size_t errlen)
{
    scenario_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    snprintf(s->path, sizeof s->path, "%s", label);
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errlen, "%s:%d: YAML syntax error: %s", label, (int)parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "?");
        yaml_parser_delete(&parser);
        scenario_destroy(&s);
        return NULL;
    }
    s_ld_t ld = {label, &doc, err, errlen};
    int rc = s_load_root(&ld, s);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc < 0)
        scenario_destroy(&s);
    return s;
}

scenario_t *scenario_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t cap = 0, len = 0;
    for (;;) {
        if (len + 4096 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, cap);
            if (!nb)
                abort();
            buf = nb;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        if (r == 0)
            break;
        len += r;
    }
    fclose(f);
    scenario_t *s = scenario_load_buf(path, buf ? buf : "", len, err, errlen);
    free(buf);
    return s;
}

static void s_free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void scenario_destroy(scenario_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    scenario_t *s = *self_p;
    for (size_t i = 0; i < s->nstep; i++) {
        s_free_strings(s->steps[i].expect, s->steps[i].nexpect);
        s_free_strings(s->steps[i].reject, s->steps[i].nreject);
    }
    free(s->steps);
    free(s->faults);
    free(s);
    *self_p = NULL;
}

/* ---- matching ---- */

static int s_match_walk(const char *text, char *const *pats, size_t npats, int ordered, char *err, size_t errlen)
{
    regex_t *res = calloc(npats + 1, sizeof *res);
    if (!res)
        abort();
    for (size_t i = 0; i < npats; i++) {
        int rc = regcomp(&res[i], pats[i], REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            regerror(rc, &res[i], err, errlen);
            for (size_t j = 0; j < i; j++)
                regfree(&res[j]);
            free(res);
            return (int)i;
        }
    }
    size_t next = 0;
    int hit = -1;
    char *line = NULL;
    size_t cap = 0;
    for (const char *p = text; *p && (ordered ? next < npats : hit < 0);) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        if (l + 1 > cap) {
            cap = l + 1;
            line = realloc(line, cap);
            if (!line)
                abort();
        }
        memcpy(line, p, l);
        line[l] = '\0';
        if (ordered) {
            if (regexec(&res[next], line, 0, NULL, 0) == 0)
                next++;
        } else {
            for (size_t i = 0; i < npats && hit < 0; i++)
                if (regexec(&res[i], line, 0, NULL, 0) == 0)
                    hit = (int)i;
        }
        p = nl ? nl + 1 : p + l;
    }
    free(line);
    for (size_t i = 0; i < npats; i++)
        regfree(&res[i]);
    free(res);
    if (ordered)
        return next >= npats ? -1 : (int)next;
    return hit;
}

int scenario_match_subsequence(const char *text, char *const *pats, size_t npats, char *err, size_t errlen)
{
    if (errlen)
        err[0] = '\0';
    return s_match_walk(text, pats, npats, 1, err, errlen);
}

int scenario_match_none(const char *text, char *const *pats, size_t npats, char *err, size_t errlen)
{
    if (errlen)
        err[0] = '\0';
    return s_match_walk(text, pats, npats, 0, err, errlen);
}

/* ---- relative TCP sequence numbers ---- */

typedef struct {
    char key[64]; /* "a.b.c.d.P>e.f.g.h.Q" */
    uint32_t base;
    int has_base;
} s_dirseq_t;

typedef struct {
    s_dirseq_t *v;
    size_t n, cap;
} s_dirtab_t;

static s_dirseq_t *s_dir(s_dirtab_t *t, const char *key)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].key, key) == 0)
            return &t->v[i];
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->v = realloc(t->v, t->cap * sizeof *t->v);
        if (!t->v)
            abort();
    }
    s_dirseq_t *d = &t->v[t->n++];
    memset(d, 0, sizeof *d);
    snprintf(d->key, sizeof d->key, "%s", key);
    return d;
}

/* Find "A.B.C.D.P > E.F.G.H.Q: " in line: fills src/dst ("a.b.c.d.p"); 0 / -1. */
static int s_flow_of(const char *line, char *src, char *dst, size_t cap)
{
    for (const char *p = line; (p = strstr(p, " > ")) != NULL; p += 3) {
        const char *s = p;
        while (s > line && (isdigit((unsigned char)s[-1]) || s[-1] == '.'))
            s--;
        const char *e = p + 3;
        while (isdigit((unsigned char)*e) || *e == '.')
            e++;
        int dots1 = 0, dots2 = 0;
        for (const char *q = s; q < p; q++)
            dots1 += *q == '.';
        for (const char *q = p + 3; q < e; q++)
            dots2 += *q == '.';
        if (dots1 == 4 && dots2 == 4 && *e == ':' && (size_t)(p - s) < cap && (size_t)(e - p - 3) < cap) {
            snprintf(src, cap, "%.*s", (int)(p - s), s);
            snprintf(dst, cap, "%.*s", (int)(e - p - 3), p + 3);
            return 0;
        }
    }
    return -1;
}

static void s_cat(char **out, size_t *n, size_t *cap, const char *s, size_t l)
{
    if (*n + l + 1 > *cap) {
        *cap = (*n + l + 1) * 2;
        *out = realloc(*out, *cap);
        if (!*out)
            abort();
    }
    memcpy(*out + *n, s, l);
    *n += l;
    (*out)[*n] = '\0';
}

/* Rewrite the number after "tag " (and a ":M" after it when colon_pair) relative to base. */
static const char *s_rel_num(const char *p, uint32_t base, int colon_pair, char **out, size_t *n, size_t *cap)
{
    char *end;
    unsigned long v = strtoul(p, &end, 10);
    char b[48];
    int l = snprintf(b, sizeof b, "%u", (uint32_t)((uint32_t)v - base));
    s_cat(out, n, cap, b, (size_t)l);
    if (colon_pair && *end == ':' && isdigit((unsigned char)end[1])) {
        unsigned long v2 = strtoul(end + 1, &end, 10);
        l = snprintf(b, sizeof b, ":%u", (uint32_t)((uint32_t)v2 - base));
        s_cat(out, n, cap, b, (size_t)l);
    }
    return end;
}

char *scenario_relative_seq(const char *text)
{
    s_dirtab_t tab = {0};
    char *out = NULL;
    size_t n = 0, cap = 0;
    s_cat(&out, &n, &cap, "", 0);
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) + 1 : strlen(p);
        char *line = strndup(p, l);
        if (!line)
            abort();
        char src[40], dst[40];
        const char *seq = strstr(line, ", seq "), *ack = strstr(line, ", ack ");
        if (strstr(line, "Flags [") && (seq || ack) && s_flow_of(line, src, dst, sizeof src) == 0) {
            /* a transport state line ("L > R: SYN_SENT -> ESTABLISHED on Flags [S.], seq ...")
             * names the connection local > remote but quotes the segment that came in:
             * its seq/ack belong to the other direction */
            if (strstr(line, " on Flags [")) {
                char t[40];
                snprintf(t, sizeof t, "%s", src);
                snprintf(src, sizeof src, "%s", dst);
                snprintf(dst, sizeof dst, "%s", t);
            }
            char kf[96], kr[96];
            snprintf(kf, sizeof kf, "%s>%s", src, dst);
            snprintf(kr, sizeof kr, "%s>%s", dst, src);
            s_dirseq_t *fw = s_dir(&tab, kf);
            if (seq && !fw->has_base) {
                fw->base = (uint32_t)strtoul(seq + 6, NULL, 10);
                fw->has_base = 1;
            }
            s_dirseq_t *rv = s_dir(&tab, kr); /* fw may move: look it up again below */
            fw = s_dir(&tab, kf);
            const char *q = line;
            while (*q) {
                if (seq && q == seq && fw->has_base) {
                    s_cat(&out, &n, &cap, ", seq ", 6);
                    q = s_rel_num(q + 6, fw->base, 1, &out, &n, &cap);
                } else if (ack && q == ack && rv->has_base) {
                    s_cat(&out, &n, &cap, ", ack ", 6);
                    q = s_rel_num(q + 6, rv->base, 0, &out, &n, &cap);
                } else {
                    s_cat(&out, &n, &cap, q, 1);
                    q++;
                }
            }
        } else {
            s_cat(&out, &n, &cap, line, l);
        }
        free(line);
        p += l;
    }
    free(tab.v);
    return out;
}

int scenario_split(const char *line, char *buf, size_t cap, char **argv, int max)
{
    size_t o = 0;
    int n = 0;
    const char *p = line;
    if (strlen(line) + 1 > cap)
        return -1;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        if (n == max)
            return -1;
        argv[n++] = buf + o;
        char q = 0;
        while (*p && (q || (*p != ' ' && *p != '\t'))) {
            if (!q && (*p == '\'' || *p == '"')) {
                q = *p++;
                continue;
            }
            if (q && *p == q) {
                q = 0;
                p++;
                continue;
            }
            if (*p == '\\' && q != '\'' && p[1])
                p++;
            buf[o++] = *p++;
        }
        if (q)
            return -1;
        buf[o++] = '\0';
    }
    return n;
}

/* ---- running ---- */

typedef struct {
    stackctl_t *sc;
    const scenario_t *s;
    char run_dir[256];
    char self[700];
    int verbose;
} s_runner_t;

/* Run `stackctl --run-dir RUN argv...` capturing stdout+stderr; returns the
 * exit status (128+sig if killed, 124 on timeout), *out malloc'd. */
static int s_child(s_runner_t *r, char *const *args, int nargs, uint64_t timeout_ns, char **out)
{
    int fds[2];
    *out = NULL;
    if (pipe(fds) < 0)
        return 127;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return 127;
    }
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0)
            dup2(nul, 0);
        char **av = calloc((size_t)nargs + 4, sizeof *av);
        if (!av)
            _exit(127);
        av[0] = r->self;
        av[1] = "--run-dir";
        av[2] = r->run_dir;
        for (int i = 0; i < nargs; i++)
            av[3 + i] = args[i];
        execv(r->self, av);
        fprintf(stderr, "scenario: exec %s: %s\n", r->self, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    size_t n = 0, cap = 4096;
    char *buf = malloc(cap);
    if (!buf)
        abort();
    uint64_t deadline = ls_now_ns() + timeout_ns;
    int timed_out = 0;
    for (;;) {
        uint64_t now = ls_now_ns();
        if (now >= deadline) {
            timed_out = 1;
            kill(pid, SIGKILL); /* our own child */
            break;
        }
        struct pollfd pf = {.fd = fds[0], .events = POLLIN};
        int rc = poll(&pf, 1, (int)((deadline - now) / 1000000 + 1));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            continue;
        if (n + 2048 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            if (!buf)
                abort();
        }
        ssize_t k = read(fds[0], buf + n, cap - n - 1);
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    close(fds[0]);
    buf[n] = '\0';
    *out = buf;
    int st = 0;
    waitpid(pid, &st, 0);
    if (timed_out)
        return 124;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void s_save(s_runner_t *r, size_t idx, const char *what, const char *text)
{
    char path[600];
    snprintf(path, sizeof path, "%s/scenario/%02zu-%s.out", r->run_dir, idx, what);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text ? text : "", f);
        fclose(f);
    }
}

static void s_tail(const char *text, int lines)
{
    if (!text)
        return;
    const char *p = text + strlen(text);
    int k = 0;
    while (p > text && k <= lines) {
        p--;
        if (*p == '\n' && p[1])
            k++;
    }
    if (*p == '\n')
        p++;
    for (const char *q = p; *q;) {
        const char *nl = strchr(q, '\n');
        int l = nl ? (int)(nl - q) : (int)strlen(q);
        printf("        | %.*s\n", l, q);
        q += l + (nl ? 1 : 0);
    }
}

static int s_check_text(const scn_step_t *st, const char *text, char *why, size_t cap)
{
    char err[200];
    int i = scenario_match_subsequence(text, st->expect, st->nexpect, err, sizeof err);
    if (i >= 0) {
        snprintf(why, cap, "%s /%s/%s%s", err[0] ? "bad regex" : "no line (in order) matches", st->expect[i],
                 err[0] ? ": " : "", err);
        return -1;
    }
    i = scenario_match_none(text, st->reject, st->nreject, err, sizeof err);
    if (i >= 0) {
        snprintf(why, cap, "a line matches rejected /%s/", st->reject[i]);
        return -1;
    }
    return 0;
}

static int s_counter_value(s_runner_t *r, const char *svc, const char *name, uint64_t *v, char *why, size_t cap)
{
    char ep[400];
    if (!r->sc->topo) {
        char e[400], path[400];
        snprintf(path, sizeof path, "%s/topology.yaml", r->run_dir);
        r->sc->topo = topo_load(path, e, sizeof e);
    }
    if (!r->sc->topo ||
        topo_endpoint(r->sc->topo, r->sc->mode, r->run_dir, svc, TOPO_EP_CTL, NULL, false, ep, sizeof ep) < 0) {
        snprintf(why, cap, "no control endpoint for %s", svc);
        return -1;
    }
    ls_ctl_client_t *c = ls_ctl_client_new(r->sc->zctx, ep);
    if (!c) {
        snprintf(why, cap, "cannot connect to %s", svc);
        return -1;
    }
    Ls__CtlReply *rep = ls_ctl_call(c, "counters", NULL, 0, 2000);
    ls_ctl_client_destroy(&c);
    if (!rep) {
        snprintf(why, cap, "%s did not answer 'counters'", svc);
        return -1;
    }
    *v = 0;
    for (size_t i = 0; i < rep->n_counters; i++)
        if (strcmp(rep->counters[i]->name, name) == 0)
            *v = rep->counters[i]->value;
    ls_ctl_reply_free(&rep);
    return 0;
}

/* One step: 0 pass, -1 fail with why; *detail (malloc'd, may be NULL) is the
 * output to show (the tail on failure, all of it with --verbose). */
static int s_step(s_runner_t *r, size_t idx, const scn_step_t *st, char *why, size_t cap, char **detail)
{
    *detail = NULL;
    if (st->kind == SCN_STEP_RUN) {
        char buf[SCN_TEXT_MAX], *av[64];
        int n = scenario_split(st->text, buf, sizeof buf, av, 64);
        if (n <= 0) {
            snprintf(why, cap, "cannot split the command (quotes?)");
            return -1;
        }
        char *out = NULL;
        int rc = s_child(r, av, n, st->within_ns, &out);
        s_save(r, idx, "run", out);
        int bad = 0;
        if (rc == 124) {
            snprintf(why, cap, "timed out after %.1f s", (double)st->within_ns / 1e9);
            bad = 1;
        } else if (st->exit_code >= 0 && rc != st->exit_code) {
            snprintf(why, cap, "exit status %d, expected %d", rc, st->exit_code);
            bad = 1;
        } else if (s_check_text(st, out, why, cap) < 0) {
            bad = 1;
        }
        if (bad || r->verbose)
            *detail = out;
        else
            free(out);
        return bad ? -1 : 0;
    }
    uint64_t deadline = ls_now_ns() + st->within_ns;
    for (;;) {
        int ok = 0;
        char *out = NULL;
        if (st->kind == SCN_STEP_TRACE) {
            char buf[SCN_TEXT_MAX + 8], *av[64];
            snprintf(buf, sizeof buf, "trace %s", st->text);
            char words[SCN_TEXT_MAX + 8];
            int n = scenario_split(buf, words, sizeof words, av, 64);
            if (n <= 0) {
                snprintf(why, cap, "cannot split the trace arguments");
                return -1;
            }
            s_child(r, av, n, SCN_DEFAULT_TIMEOUT_NS, &out);
            if (st->relative_seq) {
                char *rel = scenario_relative_seq(out);
                free(out);
                out = rel;
            }
            ok = s_check_text(st, out, why, cap) == 0;
        } else {
            uint64_t v = 0;
            if (s_counter_value(r, st->service, st->counter, &v, why, cap) == 0) {
                ok = scenario_op_holds(st->op, v, st->value);
                if (!ok)
                    snprintf(why, cap, "%s %s = %llu, expected %s %llu", st->service, st->counter,
                             (unsigned long long)v, scenario_op_str(st->op), (unsigned long long)st->value);
            }
            char line[300];
            snprintf(line, sizeof line, "%s %s = %llu\n", st->service, st->counter, (unsigned long long)v);
            out = strdup(line);
        }
        if (ok || ls_now_ns() >= deadline) {
            s_save(r, idx, st->kind == SCN_STEP_TRACE ? "trace" : "counter", out);
            if (!ok && st->kind == SCN_STEP_TRACE) {
                size_t l = strlen(why);
                snprintf(why + l, cap - l, " (whole trace: %s/scenario/%02zu-trace.out)", r->run_dir, idx);
            }
            if (r->verbose || (!ok && st->kind == SCN_STEP_TRACE))
                *detail = out;
            else
                free(out);
            return ok ? 0 : -1;
        }
        free(out);
        poll(NULL, 0, SCN_RETRY_MS); /* retry interval while the logs/counters settle */
    }
}

/* The topology path: as given, or relative to the scenario file, its repo
 * root (two levels up) or the build's repo root. */
static int s_topo_path(s_runner_t *r, char *out, size_t cap)
{
    const char *t = r->s->topology;
    char dir[512];
    snprintf(dir, sizeof dir, "%s", r->s->path);
    char *d = dirname(dir);
    char cands[4][1100];
    snprintf(cands[0], sizeof cands[0], "%s", t);
    snprintf(cands[1], sizeof cands[1], "%s/%s", d, t);
    snprintf(cands[2], sizeof cands[2], "%s/../../%s", d, t);
    snprintf(cands[3], sizeof cands[3], "%s/../../%s", r->sc->bin_dir, t);
    for (int i = 0; i < (t[0] == '/' ? 1 : 4); i++)
        if (access(cands[i], R_OK) == 0) {
            snprintf(out, cap, "%.1099s", cands[i]);
            return 0;
        }
    return -1;
}

static void s_step_label(const scn_step_t *st, char *buf, size_t cap)
{
    if (st->title[0])
        snprintf(buf, cap, "%s", st->title);
    else if (st->kind == SCN_STEP_RUN)
        snprintf(buf, cap, "run: %s", st->text);
    else if (st->kind == SCN_STEP_TRACE)
        snprintf(buf, cap, "trace%s%s: %zu pattern(s) in order%s", st->text[0] ? " " : "", st->text, st->nexpect,
                 st->relative_seq ? ", relative seq" : "");
    else
        snprintf(buf, cap, "counter: %s", st->text);
}

static int s_run(stackctl_t *sc, const char *file, int verbose, int keep_up)
{
    char err[600];
    scenario_t *s = scenario_load(file, err, sizeof err);
    if (!s) {
        fprintf(stderr, "stackctl scenario: %s\n", err);
        return 2;
    }
    s_runner_t r = {.sc = sc, .s = s, .verbose = verbose};
    snprintf(r.run_dir, sizeof r.run_dir, "%s", sc->run_dir);
    snprintf(r.self, sizeof r.self, "%s/stackctl", sc->bin_dir);
    char topo[1200];
    if (s_topo_path(&r, topo, sizeof topo) < 0) {
        fprintf(stderr, "stackctl scenario: %s: topology '%s' not found\n", file, s->topology);
        scenario_destroy(&s);
        return 2;
    }
    size_t total = 1 + s->nfault + s->nstep, k = 0, failed = 0;
    printf("scenario %s: %s\n", s->name, s->description);
    char *out = NULL;
    char *up[] = {"up", topo};
    printf("  [%zu/%zu] up %s ... ", ++k, total, s->topology);
    int rc = s_child(&r, up, 2, SCN_DEFAULT_TIMEOUT_NS, &out);
    if (rc != 0) {
        printf("FAIL\n");
        s_tail(out, 10);
        free(out);
        printf("scenario %s: FAIL (could not bring the topology up)\n", s->name);
        scenario_destroy(&s);
        return 1;
    }
    printf("PASS\n");
    free(out);
    char sdir[400];
    snprintf(sdir, sizeof sdir, "%s/scenario", r.run_dir);
    mkdir(sdir, 0755);
    for (size_t i = 0; i < s->nfault && !failed; i++) {
        const scn_fault_t *f = &s->faults[i];
        char words[SCN_TEXT_MAX], *w[4];
        int n = scenario_split(f->host_pipe_dir, words, sizeof words, w, 4);
        char *av[8] = {"fault", "add", w[0], w[1], n == 3 ? w[2] : "both", (char *)f->spec, NULL, NULL};
        int ac = 6;
        if (f->seed[0]) {
            av[ac++] = "seed";
            av[ac++] = (char *)f->seed;
        }
        printf("  [%zu/%zu] fault %s: %s%s%s ... ", ++k, total, f->host_pipe_dir, f->spec, f->seed[0] ? " seed " : "",
               f->seed);
        rc = s_child(&r, av, ac, SCN_DEFAULT_TIMEOUT_NS, &out);
        if (rc != 0) {
            printf("FAIL\n");
            s_tail(out, 5);
            failed++;
        } else {
            printf("PASS\n");
        }
        free(out);
    }
    for (size_t i = 0; i < s->nstep && !failed; i++) {
        char label[SCN_TEXT_MAX + 64], why[700] = "";
        s_step_label(&s->steps[i], label, sizeof label);
        printf("  [%zu/%zu] %s ... ", ++k, total, label);
        fflush(stdout);
        char *detail = NULL;
        if (s_step(&r, k, &s->steps[i], why, sizeof why, &detail) < 0) {
            printf("FAIL\n        %s:%d: %s\n", file, s->steps[i].line, why);
            s_tail(detail, 15);
            failed++;
        } else {
            printf("PASS\n");
            if (verbose)
                s_tail(detail, 1000);
        }
        free(detail);
    }
    if (!keep_up) {
        char *down[] = {"down"};
        s_child(&r, down, 1, SCN_DEFAULT_TIMEOUT_NS, &out);
        free(out);
    }
    printf("scenario %s: %s (%zu of %zu steps passed); logs in %s/log, step outputs in %s/scenario\n", s->name,
           failed ? "FAIL" : "PASS", k - failed, total, r.run_dir, r.run_dir);
    scenario_destroy(&s);
    return failed ? 1 : 0;
}

static int s_list(stackctl_t *sc, const char *dir_arg)
{
    char dir[800];
    if (dir_arg)
        snprintf(dir, sizeof dir, "%s", dir_arg);
    else if (access("tests/scenarios", R_OK) == 0)
        snprintf(dir, sizeof dir, "tests/scenarios");
    else
        snprintf(dir, sizeof dir, "%s/../../tests/scenarios", sc->bin_dir);
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "stackctl scenario list: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".yaml") == 0) {
            names = realloc(names, (n + 1) * sizeof *names);
            if (!names)
                abort();
            names[n++] = strdup(e->d_name);
        }
    }
    closedir(d);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(names[i], names[j]) > 0) {
                char *t = names[i];
                names[i] = names[j];
                names[j] = t;
            }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char path[1200], err[600];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        scenario_t *s = scenario_load(path, err, sizeof err);
        if (s)
            printf("%-22s %s\n", s->name, s->description);
        else {
            fprintf(stderr, "%s\n", err);
            rc = 1;
        }
        scenario_destroy(&s);
        free(names[i]);
    }
    free(names);
    return rc;
}

static const char *const s_help =
    "usage: stackctl scenario run FILE [--run-dir DIR] [--verbose] [--keep-up]\n"
    "       stackctl scenario list [DIR]\n"
    "\n"
    "Run a lesson end to end: bring its topology up, add its faults, run its steps\n"
    "(stackctl commands, checks on their output, on the merged trace and on\n"
    "counters), print PASS/FAIL per step, bring the run down and keep the logs.\n"
    "Exit status 0 when every step passed, 1 otherwise, 2 for a bad file.\n"
    "'list' prints name and description of every *.yaml in DIR (default tests/scenarios).\n"
    "The format is described in docs/scenarios.md.\n";

int cmd_scenario(stackctl_t *sc, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(s_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "list") == 0) {
        if (argc > 3) {
            fprintf(stderr, "usage: stackctl scenario list [DIR]\n");
            return 2;
        }
        return s_list(sc, argc == 3 ? argv[2] : NULL);
    }
    if (strcmp(argv[1], "run") == 0) {
        const char *file = NULL;
        int verbose = 0, keep = 0;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0)
                verbose = 1;
            else if (strcmp(argv[i], "--keep-up") == 0)
                keep = 1;
            else if (argv[i][0] == '-' || file) {
                fprintf(stderr, "stackctl scenario run: unexpected '%s'\n%s", argv[i], s_help);
                return 2;
            } else
                file = argv[i];
        }
        if (!file) {
            fprintf(stderr, "usage: stackctl scenario run FILE [--run-dir DIR]\n");
            return 2;
        }
        return s_run(sc, file, verbose, keep);
    }
    fprintf(stderr, "stackctl scenario: unknown subcommand '%s' (run, list)\n", argv[1]);
    return 2;
}
