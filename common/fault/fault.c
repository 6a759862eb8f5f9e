/*
 * fault.c -- fault rules (netem-style text -> fault_rule_t) and the engine
 * that runs every PDU of one pipe direction through them: drop, delay,
 * duplicate, reorder, corrupt, rate-limit, with reproducible keyed draws.
 * See fault.h for the rule language and the reproducibility design.
 *
 * Call chain: the pipe library -> fault_set_apply() / fault_set_poll() ->
 * s_run() -> s_rule_process() (per rule, per copy) -> emit callback;
 * the control handlers (stackctl fault-add/del/list/clear) ->
 * fault_rule_parse(), fault_set_add/del/clear/foreach.
 *
 * No I/O and no clock: time comes in as now (monotonic ns); output goes out
 * through the emit callback, decisions through ls_logev (ev "fault") and the
 * counter registry ("fault.drop", "fault.drop.loss", "fault.delay", ...).
 */
#include "fault/fault.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wire/bytes.h"

#define S_MAX_TOKENS 48
#define S_NS_PER_US 1000ULL
#define S_NS_PER_MS 1000000ULL
#define S_NS_PER_S 1000000000ULL
#define S_DEFAULT_LIMIT 1000      /* netem's default queue limit */
#define S_MAX_LIMIT 100000
#define S_DEFAULT_HOLD_NS (10 * S_NS_PER_MS)

/* Draw indices: one per independent random decision about a copy. */
enum {
    S_D_LOSS = 1,
    S_D_GE_LOSS,
    S_D_GE_TRANS,
    S_D_DUP,
    S_D_CORRUPT,
    S_D_CORRUPT_POS,
    S_D_DELAY1,
    S_D_DELAY2,
    S_D_REORDER,
};

enum { S_LOSS_NONE = 0, S_LOSS_RANDOM, S_LOSS_GE };
enum { S_DIST_UNIFORM = 0, S_DIST_NORMAL, S_DIST_PARETO, S_DIST_PARETONORMAL };
static const char *const s_dist_names[] = {"uniform", "normal", "pareto", "paretonormal"};

/* A copy of a PDU in flight through the engine: working copies during a run,
   stored copies in the queue, held copies in a reordering rule. One block:
   the struct, then opaque_len bytes, then len bytes. */
typedef struct {
    uint64_t due, seq, pdu_id;
    fault_pdu_kind_t kind;
    uint8_t proto;
    bool corrupted;
    size_t len;
    uint8_t *opaque;
    uint8_t *buf;
} s_entry_t;

typedef struct {
    uint64_t h, stamp; /* stamp 0 = empty slot */
    uint32_t count;
} s_occ_t;

struct fault_rule {
    uint32_t id;
    uint64_t seed;
    char spec[FAULT_SPEC_MAX];
    fault_filter_t match;
    uint32_t drop_nth, drop_every;
    int loss_mode;
    double loss_pct;
    double ge_p, ge_r, ge_1h, ge_1k; /* percentages */
    bool ge_bad;
    bool has_dup, has_corrupt, has_reorder;
    double dup_pct, corrupt_pct, reorder_pct;
    uint64_t delay_ns, jitter_ns;
    int dist;
    uint32_t gap, reorder_count;
    uint64_t hold_ns;
    uint64_t rate_bps;
    uint32_t limit;
    bool limit_set;
    uint64_t rate_busy;     /* the previous PDU's departure */
    uint64_t *ring;         /* departures of PDUs in the rate queue */
    size_t ring_head, ring_n;
    s_entry_t *held;        /* hold-mode reordering: the PDU held back */
    uint64_t held_deadline;
    s_occ_t *occ;           /* content hash -> occurrences, NULL if no draws */
    uint64_t occ_tick;
    uint64_t nmatch;
    fault_stats_t stats;
};

struct fault_set {
    size_t opaque_len;
    fault_rule_t **rules;
    size_t nrules, caprules;
    s_entry_t **heap;       /* min-heap on (due, seq) */
    size_t nheap, capheap;
    uint64_t seq;
    ls_log_t *log;
    ls_counters_t *reg;
    const char *layer, *dir, *ifname;
};

typedef struct {
    s_entry_t *v[FAULT_MAX_COPIES];
    size_t n;
} s_batch_t;

/* ------------------------------------------------------------------ */
/* Keyed draws                                                          */

static uint64_t s_mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t s_hash_bytes(const uint8_t *b, size_t len)
{
    uint64_t h = s_mix((uint64_t)len ^ 0x6661756c74ULL);
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        h = s_mix(h ^ ((uint64_t)rd_be32(b + i) << 32 | rd_be32(b + i + 4)));
    uint64_t w = 0xff;
    for (; i < len; i++)
        w = w << 8 | b[i];
    return s_mix(h ^ w);
}

static uint64_t s_draw(const fault_rule_t *r, uint64_t h, uint64_t k, unsigned copy, unsigned idx)
{
    uint64_t x = s_mix(r->seed);
    x = s_mix(x ^ r->id);
    x = s_mix(x ^ h);
    x = s_mix(x ^ k);
    return s_mix(x ^ ((uint64_t)copy << 32 | idx));
}

/* Uniform in [0, 1). */
static double s_unit(uint64_t x) { return (double)(x >> 11) * 0x1.0p-53; }

static bool s_chance(const fault_rule_t *r, uint64_t h, uint64_t k, unsigned copy, unsigned idx,
                     double pct)
{
    if (pct >= 100.0)
        return true;
    if (pct <= 0.0)
        return false;
    return s_unit(s_draw(r, h, k, copy, idx)) * 100.0 < pct;
}

/* Occurrence index of these bytes at this rule (0 = first copy); bounded
   set-associative table, LRU within a set. */
static uint64_t s_occurrence(fault_rule_t *r, uint64_t h)
{
    s_occ_t *set = r->occ + (size_t)(h >> 40) % FAULT_OCC_SETS * FAULT_OCC_WAYS;
    s_occ_t *victim = set;
    for (int w = 0; w < FAULT_OCC_WAYS; w++) {
        if (set[w].stamp && set[w].h == h) {
            set[w].stamp = ++r->occ_tick;
            return set[w].count++;
        }
        if (set[w].stamp < victim->stamp)
            victim = set + w;
    }
    victim->h = h;
    victim->stamp = ++r->occ_tick;
    victim->count = 1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                              */

typedef struct {
    char *tok[S_MAX_TOKENS];
    int n, i;
    char *err;
    size_t errlen;
} s_lex_t;

static bool s_is_number(const char *t) { return t && ((*t >= '0' && *t <= '9') || *t == '.'); }

static const char *s_peek(const s_lex_t *lx) { return lx->i < lx->n ? lx->tok[lx->i] : NULL; }

static int s_fail(s_lex_t *lx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int s_fail(s_lex_t *lx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lx->err, lx->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int s_pct(s_lex_t *lx, const char *what, double *out)
{
    const char *t = s_peek(lx);
    if (!s_is_number(t))
        return s_fail(lx, "%s: expected a percentage", what);
    char *end;
    double v = strtod(t, &end);
    if (*end == '%')
        end++;
    if (*end)
        return s_fail(lx, "%s: bad percentage '%s'", what, t);
    if (!(v >= 0.0 && v <= 100.0))
        return s_fail(lx, "%s: percentage must be 0..100", what);
    lx->i++;
    *out = v;
    return 0;
}

static int s_time(s_lex_t *lx, const char *what, uint64_t *out)
{
    const char *t = s_peek(lx);
    if (!s_is_number(t))
        return s_fail(lx, "%s: expected a time (e.g. 10ms)", what);
    char *end;
    double v = strtod(t, &end);
    double mul = strcmp(end, "s") == 0    ? 1e9
                 : strcmp(end, "ms") == 0 ? 1e6
                 : strcmp(end, "us") == 0 ? 1e3
                 : strcmp(end, "ns") == 0 ? 1.0
                                          : -1.0;
    if (mul < 0)
        return s_fail(lx, "%s: bad time '%s' (use us, ms, s)", what, t);
    if (!(v >= 0.0 && v * mul < 1e15))
        return s_fail(lx, "%s: time '%s' out of range", what, t);
    lx->i++;
    *out = (uint64_t)llround(v * mul);
    return 0;
}

static int s_rate(s_lex_t *lx, uint64_t *out)
{
    const char *t = s_peek(lx);
    if (!s_is_number(t))
        return s_fail(lx, "rate: expected a rate (e.g. 1mbit)");
    char *end;
    double v = strtod(t, &end);
    double mul = strcasecmp(end, "bit") == 0    ? 1.0
                 : strcasecmp(end, "kbit") == 0 ? 1e3
                 : strcasecmp(end, "mbit") == 0 ? 1e6
                 : strcasecmp(end, "gbit") == 0 ? 1e9
                                                : -1.0;
    if (mul < 0)
        return s_fail(lx, "rate: bad rate '%s' (use bit, kbit, mbit, gbit)", t);
    if (!(v * mul >= 1.0 && v * mul <= 1e12))
        return s_fail(lx, "rate: '%s' out of range (1bit..1000gbit)", t);
    lx->i++;
    *out = (uint64_t)llround(v * mul);
    return 0;
}

static int s_uint(s_lex_t *lx, const char *what, uint32_t min, uint32_t max, uint32_t *out)
{
    const char *t = s_peek(lx);
    char *end;
    unsigned long v = t ? strtoul(t, &end, 10) : 0;
    if (!t || *t < '0' || *t > '9' || *end || v < min || v > max) {
        char range[48];
        snprintf(range, sizeof range, "%u..%u", min, max);
        return s_fail(lx, "%s: expected a whole number %s", what, range);
    }
    lx->i++;
    *out = (uint32_t)v;
    return 0;
}

static int s_parse_loss(s_lex_t *lx, fault_rule_t *r)
{
    const char *t = s_peek(lx);
    if (t && strcmp(t, "gemodel") == 0) {
        lx->i++;
        r->loss_mode = S_LOSS_GE;
        if (s_pct(lx, "loss gemodel", &r->ge_p) < 0)
            return -1;
        r->ge_r = 100.0 - r->ge_p;
        r->ge_1h = 100.0;
        r->ge_1k = 0.0;
        double *opt[] = {&r->ge_r, &r->ge_1h, &r->ge_1k};
        for (int j = 0; j < 3 && s_is_number(s_peek(lx)); j++)
            if (s_pct(lx, "loss gemodel", opt[j]) < 0)
                return -1;
        return 0;
    }
    if (t && strcmp(t, "random") == 0)
        lx->i++; /* netem's optional word */
    r->loss_mode = S_LOSS_RANDOM;
    if (s_pct(lx, "loss", &r->loss_pct) < 0)
        return -1;
    if (s_is_number(s_peek(lx)))
        return s_fail(lx, "loss: correlation is not supported (use loss gemodel)");
    return 0;
}

static int s_parse_delay(s_lex_t *lx, fault_rule_t *r)
{
    if (s_time(lx, "delay", &r->delay_ns) < 0)
        return -1;
    const char *t = s_peek(lx);
    if (t && strcmp(t, "jitter") == 0) {
        lx->i++;
        if (s_time(lx, "delay jitter", &r->jitter_ns) < 0)
            return -1;
    } else if (s_is_number(t)) { /* netem's positional form: delay 100ms 10ms */
        if (s_time(lx, "delay jitter", &r->jitter_ns) < 0)
            return -1;
    }
    if (s_is_number(s_peek(lx)))
        return s_fail(lx, "delay: correlation is not supported");
    t = s_peek(lx);
    if (t && strcmp(t, "distribution") == 0) {
        lx->i++;
        t = s_peek(lx);
        for (int d = 0; t && d < 4; d++) {
            if (strcmp(t, s_dist_names[d]) == 0) {
                r->dist = d;
                lx->i++;
                return 0;
            }
        }
        return s_fail(lx, "delay: unknown distribution '%s' (uniform, normal, pareto, paretonormal)",
                      t ? t : "");
    }
    return 0;
}

static int s_parse_match(s_lex_t *lx, fault_rule_t *r)
{
    const char *t = s_peek(lx);
    if (!t)
        return s_fail(lx, "match: missing filter");
    char text[96];
    lx->i++;
    if (s_is_number(s_peek(lx))) {
        snprintf(text, sizeof text, "%s %s", t, s_peek(lx));
        lx->i++;
    } else {
        snprintf(text, sizeof text, "%s", t);
    }
    return fault_filter_parse(text, &r->match, lx->err, lx->errlen);
}

/* Canonical text helpers. */
static void s_cat(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void s_cat(char *buf, size_t cap, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used >= cap - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, cap - used, fmt, ap);
    va_end(ap);
}

static const char *s_time_str(uint64_t ns, char *buf, size_t cap)
{
    if (ns != 0 && ns % S_NS_PER_S == 0)
        snprintf(buf, cap, "%llus", (unsigned long long)(ns / S_NS_PER_S));
    else if (ns % S_NS_PER_MS == 0)
        snprintf(buf, cap, "%llums", (unsigned long long)(ns / S_NS_PER_MS));
    else if (ns % S_NS_PER_US == 0)
        snprintf(buf, cap, "%lluus", (unsigned long long)(ns / S_NS_PER_US));
    else
        snprintf(buf, cap, "%lluns", (unsigned long long)ns);
    return buf;
}

static void s_build_spec(fault_rule_t *r)
{
    char *s = r->spec, t1[32], t2[32];
    size_t cap = sizeof r->spec;
    s[0] = 0;
    if (r->drop_nth)
        s_cat(s, cap, " drop nth %u", r->drop_nth);
    if (r->drop_every)
        s_cat(s, cap, " drop every %u", r->drop_every);
    if (r->loss_mode == S_LOSS_RANDOM)
        s_cat(s, cap, " loss %g%%", r->loss_pct);
    if (r->loss_mode == S_LOSS_GE)
        s_cat(s, cap, " loss gemodel %g%% %g%% %g%% %g%%", r->ge_p, r->ge_r, r->ge_1h, r->ge_1k);
    if (r->has_dup)
        s_cat(s, cap, " duplicate %g%%", r->dup_pct);
    if (r->has_corrupt)
        s_cat(s, cap, " corrupt %g%%", r->corrupt_pct);
    if (r->delay_ns || r->jitter_ns) {
        s_cat(s, cap, " delay %s", s_time_str(r->delay_ns, t1, sizeof t1));
        if (r->jitter_ns)
            s_cat(s, cap, " jitter %s distribution %s", s_time_str(r->jitter_ns, t2, sizeof t2),
                  s_dist_names[r->dist]);
    }
    if (r->has_reorder) {
        s_cat(s, cap, " reorder %g%% gap %u", r->reorder_pct, r->gap);
        if (!r->delay_ns && !r->jitter_ns)
            s_cat(s, cap, " hold %s", s_time_str(r->hold_ns, t1, sizeof t1));
    }
    if (r->rate_bps) {
        uint64_t b = r->rate_bps;
        if (b % 1000000000ULL == 0)
            s_cat(s, cap, " rate %llugbit", (unsigned long long)(b / 1000000000ULL));
        else if (b % 1000000ULL == 0)
            s_cat(s, cap, " rate %llumbit", (unsigned long long)(b / 1000000ULL));
        else if (b % 1000ULL == 0)
            s_cat(s, cap, " rate %llukbit", (unsigned long long)(b / 1000ULL));
        else
            s_cat(s, cap, " rate %llubit", (unsigned long long)b);
        s_cat(s, cap, " limit %u", r->limit);
    }
    if (r->match.kind != FAULT_F_ANY)
        s_cat(s, cap, " match %s", fault_filter_str(&r->match, t1, sizeof t1));
    memmove(s, s + (s[0] == ' '), strlen(s) + 1 - (s[0] == ' '));
}

static int s_parse(s_lex_t *lx, fault_rule_t *r)
{
    bool seen_loss = false, seen_delay = false, seen_match = false, seen_drop = false;
    while (lx->i < lx->n) {
        const char *kw = lx->tok[lx->i++];
        bool dup_kw = false;
        if (strcmp(kw, "loss") == 0) {
            dup_kw = seen_loss;
            seen_loss = true;
            if (!dup_kw && s_parse_loss(lx, r) < 0)
                return -1;
        } else if (strcmp(kw, "delay") == 0) {
            dup_kw = seen_delay;
            seen_delay = true;
            if (!dup_kw && s_parse_delay(lx, r) < 0)
                return -1;
        } else if (strcmp(kw, "duplicate") == 0) {
            dup_kw = r->has_dup;
            r->has_dup = true;
            if (!dup_kw && s_pct(lx, "duplicate", &r->dup_pct) < 0)
                return -1;
        } else if (strcmp(kw, "corrupt") == 0) {
            dup_kw = r->has_corrupt;
            r->has_corrupt = true;
            if (!dup_kw && s_pct(lx, "corrupt", &r->corrupt_pct) < 0)
                return -1;
        } else if (strcmp(kw, "reorder") == 0) {
            dup_kw = r->has_reorder;
            r->has_reorder = true;
            if (!dup_kw && s_pct(lx, "reorder", &r->reorder_pct) < 0)
                return -1;
            if (s_is_number(s_peek(lx)))
                return s_fail(lx, "reorder: correlation is not supported");
            for (;;) {
                const char *t = s_peek(lx);
                if (t && strcmp(t, "gap") == 0) {
                    lx->i++;
                    if (s_uint(lx, "reorder gap", 1, 1000000, &r->gap) < 0)
                        return -1;
                } else if (t && strcmp(t, "hold") == 0) {
                    lx->i++;
                    if (s_time(lx, "reorder hold", &r->hold_ns) < 0)
                        return -1;
                    if (r->hold_ns == 0)
                        return s_fail(lx, "reorder: hold must be > 0");
                } else {
                    break;
                }
            }
        } else if (strcmp(kw, "rate") == 0) {
            dup_kw = r->rate_bps != 0;
            if (!dup_kw && s_rate(lx, &r->rate_bps) < 0)
                return -1;
        } else if (strcmp(kw, "limit") == 0) {
            dup_kw = r->limit_set;
            r->limit_set = true;
            if (!dup_kw && s_uint(lx, "limit", 1, S_MAX_LIMIT, &r->limit) < 0)
                return -1;
        } else if (strcmp(kw, "drop") == 0) {
            dup_kw = seen_drop;
            seen_drop = true;
            const char *t = s_peek(lx);
            if (!dup_kw) {
                if (t && strcmp(t, "nth") == 0) {
                    lx->i++;
                    if (s_uint(lx, "drop nth", 1, UINT32_MAX, &r->drop_nth) < 0)
                        return -1;
                } else if (t && strcmp(t, "every") == 0) {
                    lx->i++;
                    if (s_uint(lx, "drop every", 1, UINT32_MAX, &r->drop_every) < 0)
                        return -1;
                } else {
                    return s_fail(lx, "drop: expected 'nth N' or 'every N'");
                }
            }
        } else if (strcmp(kw, "match") == 0) {
            dup_kw = seen_match;
            seen_match = true;
            if (!dup_kw && s_parse_match(lx, r) < 0)
                return -1;
        } else {
            return s_fail(lx, "unknown keyword '%s'", kw);
        }
        if (dup_kw)
            return s_fail(lx, "%s: given twice", kw);
    }
    if (r->limit_set && !r->rate_bps)
        return s_fail(lx, "limit: needs rate");
    bool any = r->drop_nth || r->drop_every || r->loss_mode || r->has_dup || r->has_corrupt ||
               seen_delay || r->has_reorder || r->rate_bps;
    if (!any)
        return s_fail(lx, "empty rule: expected loss, delay, duplicate, reorder, corrupt, rate or drop");
    return 0;
}

fault_rule_t *fault_rule_parse(const char *spec, uint64_t seed, uint32_t id, char *err,
                               size_t errlen)
{
    char dummy[8];
    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = 0;
    if (!spec) {
        snprintf(err, errlen, "empty rule");
        return NULL;
    }
    char *copy = strdup(spec);
    fault_rule_t *r = calloc(1, sizeof *r);
    if (!copy || !r) {
        free(copy);
        free(r);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->id = id;
    r->seed = seed;
    r->gap = 1;
    r->hold_ns = S_DEFAULT_HOLD_NS;
    r->limit = S_DEFAULT_LIMIT;
    s_lex_t lx = {.err = err, .errlen = errlen};
    char *save = NULL;
    for (char *t = strtok_r(copy, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
        if (lx.n == S_MAX_TOKENS) {
            snprintf(err, errlen, "rule too long");
            goto fail;
        }
        lx.tok[lx.n++] = t;
    }
    if (s_parse(&lx, r) < 0)
        goto fail;
    free(copy);
    copy = NULL;
    if (r->rate_bps) {
        r->ring = calloc(r->limit, sizeof *r->ring);
        if (!r->ring)
            goto oom;
    }
    bool draws = r->loss_mode || r->has_dup || r->has_corrupt || r->jitter_ns ||
                 (r->has_reorder && r->reorder_pct > 0 && r->reorder_pct < 100);
    if (draws) {
        r->occ = calloc((size_t)FAULT_OCC_SETS * FAULT_OCC_WAYS, sizeof *r->occ);
        if (!r->occ)
            goto oom;
    }
    s_build_spec(r);
    return r;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    free(copy);
    fault_rule_destroy(&r);
    return NULL;
}

void fault_rule_destroy(fault_rule_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    fault_rule_t *r = *self_p;
    free(r->held);
    free(r->ring);
    free(r->occ);
    free(r);
    *self_p = NULL;
}

const char *fault_rule_spec(const fault_rule_t *self) { return self->spec; }
uint32_t fault_rule_id(const fault_rule_t *self) { return self->id; }
uint64_t fault_rule_seed(const fault_rule_t *self) { return self->seed; }
void fault_rule_stats(const fault_rule_t *self, fault_stats_t *stats) { *stats = self->stats; }

/* ------------------------------------------------------------------ */
/* Entries, queue                                                       */

static s_entry_t *s_entry_new(const fault_set_t *set, const uint8_t *buf, size_t len,
                              const void *opaque)
{
    s_entry_t *e = malloc(sizeof *e + set->opaque_len + len + 1);
    if (!e)
        return NULL;
    memset(e, 0, sizeof *e);
    e->opaque = (uint8_t *)(e + 1);
    e->buf = e->opaque + set->opaque_len;
    e->len = len;
    if (set->opaque_len) {
        if (opaque)
            memcpy(e->opaque, opaque, set->opaque_len);
        else
            memset(e->opaque, 0, set->opaque_len);
    }
    if (len)
        memcpy(e->buf, buf, len);
    return e;
}

static s_entry_t *s_entry_clone(const fault_set_t *set, const s_entry_t *src)
{
    s_entry_t *e = s_entry_new(set, src->buf, src->len, src->opaque);
    if (e) {
        e->due = src->due;
        e->pdu_id = src->pdu_id;
        e->kind = src->kind;
        e->proto = src->proto;
        e->corrupted = src->corrupted;
    }
    return e;
}

static bool s_before(const s_entry_t *a, const s_entry_t *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void s_count(fault_set_t *set, const char *name)
{
    if (set->reg)
        LS_COUNT(set->reg, name);
}

static void s_log(fault_set_t *set, const fault_rule_t *r, const s_entry_t *e, uint64_t now,
                  const char *reason, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void s_log(fault_set_t *set, const fault_rule_t *r, const s_entry_t *e, uint64_t now,
                  const char *reason, const char *fmt, ...)
{
    if (!set->log || !ls_log_on(set->log, LS_LOG_PDU))
        return;
    char what[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    ls_logev_t ev = {.now_ns = now,
                     .layer = set->layer,
                     .dir = set->dir,
                     .ev = "fault",
                     .pdu = e->pdu_id,
                     .ifname = set->ifname,
                     .reason = reason};
    if (r)
        ls_logev(set->log, LS_LOG_PDU, &ev, "rule %u %s: %s", r->id, r->spec, what);
    else
        ls_logev(set->log, LS_LOG_PDU, &ev, "%s", what);
}

/* Drop e: count (per rule, "fault.drop" and the specific reason), log, free. */
static void s_drop(fault_set_t *set, fault_rule_t *r, s_entry_t *e, uint64_t now,
                   const char *reason, const char *why)
{
    if (r)
        r->stats.dropped++;
    s_count(set, "fault.drop");
    s_count(set, reason);
    s_log(set, r, e, now, reason, "drop%s%s", why ? " " : "", why ? why : "");
    free(e);
}

static void s_heap_push(fault_set_t *set, s_entry_t *e, uint64_t now)
{
    if (set->nheap >= FAULT_QUEUE_MAX) {
        s_drop(set, NULL, e, now, "fault.drop.queue_full", "(fault queue full)");
        return;
    }
    if (set->nheap == set->capheap) {
        size_t cap = set->capheap ? set->capheap * 2 : 64;
        s_entry_t **h = realloc(set->heap, cap * sizeof *h);
        if (!h) {
            s_drop(set, NULL, e, now, "fault.drop.no_memory", "(out of memory)");
            return;
        }
        set->heap = h;
        set->capheap = cap;
    }
    e->seq = set->seq++;
    size_t i = set->nheap++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!s_before(e, set->heap[p]))
            break;
        set->heap[i] = set->heap[p];
        i = p;
    }
    set->heap[i] = e;
}

static s_entry_t *s_heap_pop(fault_set_t *set)
{
    s_entry_t *top = set->heap[0];
    s_entry_t *last = set->heap[--set->nheap];
    size_t i = 0, n = set->nheap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && s_before(set->heap[c + 1], set->heap[c]))
            c++;
        if (!s_before(set->heap[c], last))
            break;
        set->heap[i] = set->heap[c];
        i = c;
    }
    if (n)
        set->heap[i] = last;
    return top;
}

/* ------------------------------------------------------------------ */
/* Per-rule processing                                                  */

static bool s_push(fault_set_t *set, fault_rule_t *r, s_batch_t *b, s_entry_t *e, uint64_t now)
{
    if (b->n == FAULT_MAX_COPIES) {
        s_drop(set, r, e, now, "fault.drop.too_many_copies", "(copy limit)");
        return false;
    }
    b->v[b->n++] = e;
    return true;
}

static int64_t s_delay_ns(const fault_rule_t *r, uint64_t h, uint64_t k, unsigned copy)
{
    if (!r->jitter_ns)
        return (int64_t)r->delay_ns;
    double u1 = s_unit(s_draw(r, h, k, copy, S_D_DELAY1));
    double u2 = s_unit(s_draw(r, h, k, copy, S_D_DELAY2));
    double z, zn = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
    /* Pareto with alpha 3, x_m 1 (mean 1.5, sd sqrt(3)/2), standardised. */
    double zp = (pow(1.0 - u2, -1.0 / 3.0) - 1.5) / (sqrt(3.0) / 2.0);
    switch (r->dist) {
    case S_DIST_NORMAL:
        z = zn;
        break;
    case S_DIST_PARETO:
        z = zp;
        break;
    case S_DIST_PARETONORMAL:
        z = (0.25 * zn + 0.75 * zp) / sqrt(0.25 * 0.25 + 0.75 * 0.75);
        break;
    default:
        z = 2.0 * u1 - 1.0;
        break;
    }
    double d = (double)r->delay_ns + (double)r->jitter_ns * z;
    return d <= 0.0 ? 0 : (int64_t)llround(d);
}

/* Rate stage: serialization behind the previous PDU, bounded queue. Returns
   false (e dropped) when the queue is full. */
static bool s_rate_stage(fault_set_t *set, fault_rule_t *r, s_entry_t *e, uint64_t now)
{
    uint64_t t = e->due;
    while (r->ring_n && r->ring[r->ring_head] <= t) {
        r->ring_head = (r->ring_head + 1) % r->limit;
        r->ring_n--;
    }
    if (r->ring_n >= r->limit) {
        char why[48];
        snprintf(why, sizeof why, "(rate queue full, limit %u)", r->limit);
        s_drop(set, r, e, now, "fault.drop.rate_limit", why);
        return false;
    }
    uint64_t ser = (uint64_t)(((unsigned __int128)e->len * 8 * S_NS_PER_S + r->rate_bps - 1) /
                              r->rate_bps);
    uint64_t dep = (r->rate_busy > t ? r->rate_busy : t) + ser;
    r->rate_busy = dep;
    r->ring[(r->ring_head + r->ring_n) % r->limit] = dep;
    r->ring_n++;
    if (dep > t) {
        r->stats.delayed++;
        s_count(set, "fault.delay");
        s_log(set, r, e, now, NULL, "rate queue %.3fms", (double)(dep - t) / 1e6);
    }
    e->due = dep;
    return true;
}

/* Everything after duplication for one copy: corrupt, delay/reorder, rate. */
static void s_copy_stage(fault_set_t *set, fault_rule_t *r, s_entry_t *e, uint64_t h, uint64_t k,
                         unsigned copy, s_batch_t *out, uint64_t now)
{
    if (r->has_corrupt && e->len && s_chance(r, h, k, copy, S_D_CORRUPT, r->corrupt_pct)) {
        uint64_t bit = s_draw(r, h, k, copy, S_D_CORRUPT_POS) % ((uint64_t)e->len * 8);
        e->buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        e->corrupted = true;
        r->stats.corrupted++;
        s_count(set, "fault.corrupt");
        s_log(set, r, e, now, NULL, "corrupt byte %llu bit %llu", (unsigned long long)(bit / 8),
              (unsigned long long)(bit % 8));
    }
    bool has_delay = r->delay_ns || r->jitter_ns;
    bool reordered = false;
    if (r->has_reorder) {
        if (!has_delay && r->held) {
            /* hold mode: this PDU overtakes the held one, which follows it */
            s_entry_t *held = r->held;
            r->held = NULL;
            r->reorder_count++;
            if (held->due < e->due)
                held->due = e->due;
            if (r->rate_bps && !s_rate_stage(set, r, e, now))
                e = NULL;
            if (e)
                s_push(set, r, out, e, now);
            s_log(set, r, held, now, NULL, "reorder: release held PDU");
            if (!r->rate_bps || s_rate_stage(set, r, held, now))
                s_push(set, r, out, held, now);
            return;
        }
        bool eligible = r->reorder_count + 1 >= r->gap &&
                        s_chance(r, h, k, copy, S_D_REORDER, r->reorder_pct);
        if (eligible) {
            r->reorder_count = 0;
            r->stats.reordered++;
            s_count(set, "fault.reorder");
            reordered = true;
            if (!has_delay) {
                r->held = e;
                r->held_deadline = e->due + r->hold_ns;
                s_log(set, r, e, now, NULL, "reorder: hold back");
                return;
            }
            s_log(set, r, e, now, NULL, "reorder: skip delay");
        } else {
            r->reorder_count++;
        }
    }
    if (has_delay && !reordered) {
        int64_t d = s_delay_ns(r, h, k, copy);
        if (d > 0) {
            e->due += (uint64_t)d;
            r->stats.delayed++;
            s_count(set, "fault.delay");
            s_log(set, r, e, now, NULL, "delay %.3fms", (double)d / 1e6);
        }
    }
    if (r->rate_bps && !s_rate_stage(set, r, e, now))
        return;
    s_push(set, r, out, e, now);
}

static void s_rule_process(fault_set_t *set, fault_rule_t *r, s_entry_t *e, s_batch_t *out,
                           uint64_t now)
{
    if (!fault_filter_match(&r->match, e->kind, e->proto, e->buf, e->len)) {
        s_push(set, r, out, e, now);
        return;
    }
    r->stats.seen++;
    r->nmatch++;
    if (r->drop_nth && r->nmatch == r->drop_nth) {
        s_drop(set, r, e, now, "fault.drop.nth", NULL);
        return;
    }
    if (r->drop_every && r->nmatch % r->drop_every == 0) {
        s_drop(set, r, e, now, "fault.drop.every", NULL);
        return;
    }
    uint64_t h = 0, k = 0;
    if (r->occ) {
        h = s_hash_bytes(e->buf, e->len);
        k = s_occurrence(r, h);
    }
    if (r->loss_mode == S_LOSS_RANDOM && s_chance(r, h, k, 0, S_D_LOSS, r->loss_pct)) {
        s_drop(set, r, e, now, "fault.drop.loss", NULL);
        return;
    }
    if (r->loss_mode == S_LOSS_GE) {
        /* netem loss_gilb_ell: the loss depends on the state the PDU finds;
           the transition is drawn for the next PDU. */
        bool lose = s_chance(r, h, k, 0, S_D_GE_LOSS, r->ge_bad ? r->ge_1h : r->ge_1k);
        if (s_chance(r, h, k, 0, S_D_GE_TRANS, r->ge_bad ? r->ge_r : r->ge_p))
            r->ge_bad = !r->ge_bad;
        if (lose) {
            s_drop(set, r, e, now, "fault.drop.gemodel", NULL);
            return;
        }
    }
    s_entry_t *dup = NULL;
    if (r->has_dup && s_chance(r, h, k, 0, S_D_DUP, r->dup_pct)) {
        dup = s_entry_clone(set, e);
        if (dup) {
            r->stats.duplicated++;
            s_count(set, "fault.duplicate");
            s_log(set, r, e, now, NULL, "duplicate");
        }
    }
    s_copy_stage(set, r, e, h, k, 0, out, now);
    if (dup)
        s_copy_stage(set, r, dup, h, k, 1, out, now);
}

/* Run a batch through rules[start..]; then emit what is due (emit != NULL)
   or store everything. Returns the number of copies that survived. */
static int s_run(fault_set_t *set, s_batch_t *b, size_t start, uint64_t now, fault_emit_fn *emit,
                 void *ctx)
{
    for (size_t i = start; i < set->nrules && b->n; i++) {
        s_batch_t out = {.n = 0};
        for (size_t j = 0; j < b->n; j++)
            s_rule_process(set, set->rules[i], b->v[j], &out, now);
        *b = out;
    }
    int n = (int)b->n;
    for (size_t j = 0; j < b->n; j++) {
        s_entry_t *e = b->v[j];
        if (emit && e->due <= now) {
            emit(ctx, e->buf, e->len, e->pdu_id, set->opaque_len ? e->opaque : NULL, e->corrupted);
            free(e);
        } else {
            s_heap_push(set, e, now);
        }
    }
    return n;
}

/* ------------------------------------------------------------------ */
/* The set                                                              */

fault_set_t *fault_set_new(size_t opaque_len)
{
    fault_set_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->opaque_len = opaque_len;
    return self;
}

static void s_release_held(fault_set_t *set, fault_rule_t *r)
{
    if (r->held) {
        s_heap_push(set, r->held, r->held->due);
        r->held = NULL;
    }
}

void fault_set_destroy(fault_set_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    fault_set_t *self = *self_p;
    for (size_t i = 0; i < self->nrules; i++)
        fault_rule_destroy(&self->rules[i]);
    free(self->rules);
    for (size_t i = 0; i < self->nheap; i++)
        free(self->heap[i]);
    free(self->heap);
    free(self);
    *self_p = NULL;
}

void fault_set_set_log(fault_set_t *self, ls_log_t *log, ls_counters_t *reg, const char *layer,
                       const char *dir, const char *ifname)
{
    self->log = log;
    self->reg = reg;
    self->layer = layer;
    self->dir = dir;
    self->ifname = ifname;
}

int fault_set_add(fault_set_t *self, fault_rule_t **rule_p)
{
    if (!rule_p || !*rule_p)
        return -1;
    for (size_t i = 0; i < self->nrules; i++) {
        if (self->rules[i]->id == (*rule_p)->id) {
            fault_rule_destroy(rule_p);
            return -1;
        }
    }
    if (self->nrules == self->caprules) {
        size_t cap = self->caprules ? self->caprules * 2 : 4;
        fault_rule_t **v = realloc(self->rules, cap * sizeof *v);
        if (!v) {
            fault_rule_destroy(rule_p);
            return -1;
        }
        self->rules = v;
        self->caprules = cap;
    }
    self->rules[self->nrules++] = *rule_p;
    *rule_p = NULL;
    return 0;
}

int fault_set_del(fault_set_t *self, uint32_t id)
{
    for (size_t i = 0; i < self->nrules; i++) {
        if (self->rules[i]->id != id)
            continue;
        s_release_held(self, self->rules[i]);
        fault_rule_destroy(&self->rules[i]);
        memmove(self->rules + i, self->rules + i + 1, (self->nrules - i - 1) * sizeof *self->rules);
        self->nrules--;
        return 0;
    }
    return -1;
}

void fault_set_clear(fault_set_t *self)
{
    for (size_t i = 0; i < self->nrules; i++) {
        s_release_held(self, self->rules[i]);
        fault_rule_destroy(&self->rules[i]);
    }
    self->nrules = 0;
}

size_t fault_set_size(const fault_set_t *self) { return self->nrules; }

void fault_set_foreach(const fault_set_t *self, void (*fn)(const fault_rule_t *rule, void *arg),
                       void *arg)
{
    for (size_t i = 0; i < self->nrules; i++)
        fn(self->rules[i], arg);
}

int fault_set_poll(fault_set_t *self, uint64_t now, fault_emit_fn *emit, void *ctx)
{
    /* Expired holds continue through the rules after their own. */
    for (size_t i = 0; i < self->nrules; i++) {
        fault_rule_t *r = self->rules[i];
        if (!r->held || r->held_deadline > now)
            continue;
        s_batch_t b = {.v = {r->held}, .n = 1};
        r->held = NULL;
        if (b.v[0]->due < r->held_deadline)
            b.v[0]->due = r->held_deadline;
        s_log(self, r, b.v[0], now, NULL, "reorder: hold expired");
        s_run(self, &b, i + 1, r->held_deadline, NULL, NULL);
    }
    int n = 0;
    while (self->nheap && self->heap[0]->due <= now) {
        s_entry_t *e = s_heap_pop(self);
        emit(ctx, e->buf, e->len, e->pdu_id, self->opaque_len ? e->opaque : NULL, e->corrupted);
        free(e);
        n++;
    }
    return n;
}

int fault_set_apply(fault_set_t *self, fault_pdu_kind_t kind, uint8_t proto, const uint8_t *pdu,
                    size_t len, uint64_t pdu_id, const void *opaque, uint64_t now,
                    fault_emit_fn *emit, void *ctx)
{
    fault_set_poll(self, now, emit, ctx);
    if (self->nrules == 0) {
        emit(ctx, pdu, len, pdu_id, self->opaque_len ? opaque : NULL, false);
        return 1;
    }
    s_entry_t *e = s_entry_new(self, pdu, len, opaque);
    if (!e) {
        s_count(self, "fault.drop");
        s_count(self, "fault.drop.no_memory");
        return 0;
    }
    e->due = now;
    e->pdu_id = pdu_id;
    e->kind = kind;
    e->proto = proto;
    s_batch_t b = {.v = {e}, .n = 1};
    return s_run(self, &b, 0, now, emit, ctx);
}

uint64_t fault_set_next_deadline(const fault_set_t *self)
{
    uint64_t d = self->nheap ? self->heap[0]->due : UINT64_MAX;
    for (size_t i = 0; i < self->nrules; i++)
        if (self->rules[i]->held && self->rules[i]->held_deadline < d)
            d = self->rules[i]->held_deadline;
    return d;
}

size_t fault_set_pending(const fault_set_t *self)
{
    size_t n = self->nheap;
    for (size_t i = 0; i < self->nrules; i++)
        n += self->rules[i]->held != NULL;
    return n;
}
