/*
 * tcp_script.c -- packetdrill-style script runner for the TCP engine (see
 * tcp_script.h for the language). Pure and in-process: a fake clock, the
 * stack's output callback appends to a queue that `>` lines consume.
 *
 * Call chain: tests/unit/test_tcp.c -> tcp_script_run() -> s_line() ->
 * tcp_socket/bind/connect/listen/accept/send/recv/..., tcp_input(),
 * tcp_icmp_error(), tcp_poll() (via s_advance()).
 */
#include "tests/unit/tcp_script.h"
#include "transport-svc/tcp.h"
#include "wire/tcp_wire.h"
#include "wire/bytes.h"
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define S_MAX_SOCKS 64
#define S_MAX_FLOWS 64
#define S_BASE_NS 1000000000ull /* script time 0; never 0, which means "timer off" */

typedef struct {
    uint64_t t;
    uint32_t src, dst;
    uint8_t *seg;
    size_t len;
} s_out_t;

typedef struct {
    uint32_t lip, rip;
    uint16_t lport, rport;
    bool have_lbase;
    uint32_t lbase;     /* the stack's ISN on this flow */
    bool have_rbase;
    uint32_t rbase;     /* the script's ISN (from its SYN) */
} s_flow_t;

typedef struct {
    int id;
    uint64_t tx_off, rx_off; /* stream offsets for pattern data */
} s_sock_t;

typedef struct {
    tcp_stack_t *st;
    ls_counters_t *reg;
    uint64_t now;           /* absolute ns */
    uint64_t line_t;        /* previous line time (ns since script start) */
    s_out_t *outq;
    size_t nout, outcap, outhead;
    s_sock_t socks[S_MAX_SOCKS];
    int nsocks, cur;
    s_flow_t flows[S_MAX_FLOWS];
    int nflows, curflow;
    uint16_t mtu;
    uint64_t tol;
    char *err;
    size_t errlen;
    int lineno;
    ls_log_t *log;
    char logpath[64];       /* the stack's log (a temp file), for expect-log */
    size_t logpos;          /* expect-log searches from here */
} s_ctx_t;

static int s_fail(s_ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int s_fail(s_ctx_t *c, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->err && c->errlen)
        snprintf(c->err, c->errlen, "line %d: %s", c->lineno, msg);
    return -1;
}

/* ------------------------------------------------------------------ */
/* stack callbacks                                                      */

static void s_output(void *ctx, uint32_t src, uint32_t dst, const uint8_t *seg, size_t len,
                     uint64_t pdu_id, const uint64_t *parents, size_t np)
{
    s_ctx_t *c = ctx;
    if (c->nout == c->outcap) {
        size_t nc = c->outcap ? c->outcap * 2 : 32;
        s_out_t *n = realloc(c->outq, nc * sizeof *n);
        if (!n)
            return;
        c->outq = n;
        c->outcap = nc;
    }
    s_out_t *o = &c->outq[c->nout];
    o->seg = malloc(len ? len : 1);
    if (!o->seg)
        return;
    memcpy(o->seg, seg, len);
    o->len = len;
    o->src = src;
    o->dst = dst;
    o->t = c->now;
    c->nout++;
}

static void s_event(void *ctx, int sock, tcp_event_t ev, int err) { (void)ctx; (void)sock; (void)ev; (void)err; }

static uint64_t s_pdu(void *ctx)
{
    static const uint64_t base = 0x7e57000000000000ull;
    s_ctx_t *c = ctx;
    return base + c->nout + 1;
}

static int s_route(void *ctx, uint32_t dst, uint32_t *src, uint16_t *mtu)
{
    s_ctx_t *c = ctx;
    (void)dst;
    *src = c->curflow >= 0 ? c->flows[c->curflow].lip : 0;
    *mtu = c->mtu;
    return 0;
}

/* ------------------------------------------------------------------ */
/* helpers                                                              */

static uint8_t s_pat_in(uint64_t off) { return (uint8_t)(off * 7 + 3); }
static uint8_t s_pat_out(uint64_t off) { return (uint8_t)(off * 13 + 5); }

static void s_advance(s_ctx_t *c, uint64_t to)
{
    for (;;) {
        uint64_t d = tcp_next_deadline(c->st);
        if (d == UINT64_MAX || d > to)
            break;
        if (d > c->now)
            c->now = d;
        tcp_poll(c->st, c->now);
    }
    if (to > c->now)
        c->now = to;
}

static int s_parse_time(const char *tok, uint64_t *ns)
{
    /* decimal seconds with up to 9 fractional digits, exact */
    const char *p = tok;
    uint64_t whole = 0, frac = 0;
    int nd = 0;
    if (!isdigit((unsigned char)*p) && *p != '.')
        return -1;
    while (isdigit((unsigned char)*p))
        whole = whole * 10 + (uint64_t)(*p++ - '0');
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) {
            if (nd < 9) {
                frac = frac * 10 + (uint64_t)(*p - '0');
                nd++;
            }
            p++;
        }
    }
    if (*p)
        return -1;
    while (nd++ < 9)
        frac *= 10;
    *ns = whole * 1000000000ull + frac;
    return 0;
}

static int s_parse_addr(const char *tok, uint32_t *ip, uint16_t *port)
{
    char buf[64];
    const char *colon = strrchr(tok, ':');
    if (!colon || (size_t)(colon - tok) >= sizeof buf)
        return -1;
    memcpy(buf, tok, (size_t)(colon - tok));
    buf[colon - tok] = 0;
    char *end;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (*end || p > 65535 || ip4_parse(buf, ip) < 0)
        return -1;
    *port = (uint16_t)p;
    return 0;
}

static int s_flow_get(s_ctx_t *c, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport)
{
    for (int i = 0; i < c->nflows; i++) {
        s_flow_t *f = &c->flows[i];
        if (f->lip == lip && f->rip == rip && f->rport == rport && (f->lport == lport || !f->lport))
            return i;
    }
    if (c->nflows == S_MAX_FLOWS)
        return -1;
    c->flows[c->nflows] = (s_flow_t){.lip = lip, .rip = rip, .lport = lport, .rport = rport};
    return c->nflows++;
}

static const struct { const char *name; int val; } s_errnos[] = {
    {"0", 0}, {"ECONNREFUSED", ECONNREFUSED}, {"ECONNRESET", ECONNRESET}, {"ETIMEDOUT", ETIMEDOUT},
    {"EPIPE", EPIPE}, {"EAGAIN", EAGAIN}, {"ENOTCONN", ENOTCONN}, {"EHOSTUNREACH", EHOSTUNREACH},
    {"ENETUNREACH", ENETUNREACH}, {"EADDRINUSE", EADDRINUSE}, {"EINVAL", EINVAL}, {"EBADF", EBADF}};

static int s_errno_parse(const char *s)
{
    for (size_t i = 0; i < sizeof s_errnos / sizeof s_errnos[0]; i++)
        if (strcmp(s, s_errnos[i].name) == 0)
            return s_errnos[i].val;
    return -1;
}

static const char *s_errno_name(int e)
{
    for (size_t i = 0; i < sizeof s_errnos / sizeof s_errnos[0]; i++)
        if (e == s_errnos[i].val)
            return s_errnos[i].name;
    return "E?";
}

static int s_parse_flags(const char *s, uint8_t *flags)
{
    uint8_t f = 0;
    for (; *s; s++) {
        switch (*s) {
        case 'F': f |= TCP_FIN; break;
        case 'S': f |= TCP_SYN; break;
        case 'R': f |= TCP_RST; break;
        case 'P': f |= TCP_PSH; break;
        case '.': f |= TCP_ACK; break;
        case 'U': f |= TCP_URG; break;
        case 'E': f |= TCP_ECE; break;
        case 'W': f |= TCP_CWR; break;
        default: return -1;
        }
    }
    *flags = f;
    return 0;
}

typedef struct {
    bool has_addr;
    uint32_t aip, bip;
    uint16_t aport, bport;
    uint8_t flags;
    uint32_t seq, len;
    bool has_ack, has_win, has_opts, badcsum;
    uint32_t ack;
    uint32_t win;
    tcp_repr_t opts;
} s_seg_t;

static int s_parse_opts(s_ctx_t *c, const char *o, tcp_repr_t *r)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", o);
    char *save = NULL;
    for (char *it = strtok_r(buf, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
        while (*it == ' ')
            it++;
        unsigned a, b;
        if (sscanf(it, "mss %u", &a) == 1) {
            r->has_mss = true;
            r->mss = (uint16_t)a;
        } else if (sscanf(it, "wscale %u", &a) == 1) {
            r->has_wscale = true;
            r->wscale = (uint8_t)a;
        } else if (strcmp(it, "sackOK") == 0) {
            r->sack_perm = true;
        } else if (sscanf(it, "TS val %u ecr %u", &a, &b) == 2) {
            r->has_ts = true;
            r->ts_val = a;
            r->ts_ecr = b;
        } else if (strcmp(it, "nop") == 0) {
        } else {
            return s_fail(c, "bad option '%s'", it);
        }
    }
    return 0;
}

/* Parse "[A:p > B:q] FLAGS S:E(L) [ack N] [win N] [<opts>] [badcsum]". */
static int s_parse_seg(s_ctx_t *c, char *rest, s_seg_t *s)
{
    memset(s, 0, sizeof *s);
    char *lt = strchr(rest, '<');
    if (lt) {
        char *gt = strchr(lt, '>');
        if (!gt)
            return s_fail(c, "unterminated option list");
        *gt = 0;
        if (s_parse_opts(c, lt + 1, &s->opts) < 0)
            return -1;
        s->has_opts = true;
        memmove(lt, gt + 1, strlen(gt + 1) + 1);
    }
    char *tok[16];
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(rest, " \t", &save); t && n < 16; t = strtok_r(NULL, " \t", &save))
        tok[n++] = t;
    int i = 0;
    if (n >= 3 && strchr(tok[0], ':') && strcmp(tok[1], ">") == 0) {
        if (s_parse_addr(tok[0], &s->aip, &s->aport) < 0 || s_parse_addr(tok[2], &s->bip, &s->bport) < 0)
            return s_fail(c, "bad address");
        s->has_addr = true;
        i = 3;
    }
    if (i >= n || s_parse_flags(tok[i], &s->flags) < 0)
        return s_fail(c, "bad flags");
    i++;
    unsigned long long a, b, l;
    if (i >= n || sscanf(tok[i], "%llu:%llu(%llu)", &a, &b, &l) != 3 || (uint32_t)(b - a) != (uint32_t)l)
        return s_fail(c, "bad sequence '%s'", i < n ? tok[i] : "");
    s->seq = (uint32_t)a;
    s->len = (uint32_t)l;
    for (i++; i < n; i++) {
        if (strcmp(tok[i], "ack") == 0 && i + 1 < n) {
            s->has_ack = true;
            s->ack = (uint32_t)strtoull(tok[++i], NULL, 10);
        } else if (strcmp(tok[i], "win") == 0 && i + 1 < n) {
            s->has_win = true;
            s->win = (uint32_t)strtoull(tok[++i], NULL, 10);
        } else if (strcmp(tok[i], "badcsum") == 0) {
            s->badcsum = true;
        } else {
            return s_fail(c, "unexpected '%s'", tok[i]);
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* < and >                                                              */

static int s_inject(s_ctx_t *c, char *rest)
{
    s_seg_t s;
    if (s_parse_seg(c, rest, &s) < 0)
        return -1;
    if (s.has_addr) {
        int f = s_flow_get(c, s.bip, s.bport, s.aip, s.aport);
        if (f < 0)
            return s_fail(c, "too many flows");
        c->curflow = f;
    }
    if (c->curflow < 0)
        return s_fail(c, "no flow: connect/listen first or give addresses");
    s_flow_t *f = &c->flows[c->curflow];
    if ((s.flags & TCP_SYN) && !f->have_rbase) {
        f->have_rbase = true;
        f->rbase = s.seq;
    }
    uint8_t *payload = malloc(s.len ? s.len : 1);
    if (!payload)
        return s_fail(c, "out of memory");
    uint32_t data_seq = s.seq + ((s.flags & TCP_SYN) ? 1 : 0);
    for (uint32_t k = 0; k < s.len; k++)
        payload[k] = s_pat_in((uint32_t)(data_seq + k - f->rbase - 1));
    tcp_repr_t r = s.opts;
    r.sport = f->rport;
    r.dport = f->lport;
    r.seq = s.seq;
    r.ack = s.has_ack ? s.ack + f->lbase : 0;
    r.flags = s.flags;
    r.wnd = (uint16_t)(s.has_win ? s.win : 65535);
    r.payload = payload;
    r.payload_len = s.len;
    size_t cap = 60 + (size_t)s.len;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        free(payload);
        return s_fail(c, "out of memory");
    }
    int n = tcp_emit(&r, f->rip, f->lip, buf, cap);
    free(payload);
    if (n < 0) {
        free(buf);
        return s_fail(c, "cannot build segment");
    }
    if (s.badcsum)
        buf[TCP_OFF_CSUM] ^= 0x5a;
    tcp_input(c->st, f->rip, f->lip, buf, (size_t)n, 0, c->now);
    free(buf);
    return 0;
}

static int s_expect(s_ctx_t *c, char *rest)
{
    while (*rest == ' ' || *rest == '\t')
        rest++;
    if (strncmp(rest, "(none)", 6) == 0) {
        if (c->outhead < c->nout) {
            tcp_repr_t r;
            char sum[200];
            s_out_t *o = &c->outq[c->outhead];
            tcp_parse_nocsum(o->seg, o->len, &r);
            return s_fail(c, "expected no segment, got %s", tcp_summary(&r, sum, sizeof sum));
        }
        return 0;
    }
    s_seg_t s;
    if (s_parse_seg(c, rest, &s) < 0)
        return -1;
    if (c->outhead >= c->nout)
        return s_fail(c, "expected a segment, none was sent");
    s_out_t *o = &c->outq[c->outhead++];
    tcp_repr_t r;
    char sum[200];
    int rc = tcp_parse(o->seg, o->len, o->src, o->dst, &r);
    if (rc != TCP_PARSE_OK)
        return s_fail(c, "emitted segment does not parse: %s", tcp_reason_str(rc));
    tcp_summary(&r, sum, sizeof sum);
    if (s.has_addr) {
        int fi = s_flow_get(c, s.aip, s.aport, s.bip, s.bport);
        if (fi < 0)
            return s_fail(c, "too many flows");
        c->curflow = fi;
    }
    if (c->curflow < 0) {
        int fi = s_flow_get(c, o->src, r.sport, o->dst, r.dport);
        if (fi < 0)
            return s_fail(c, "too many flows");
        c->curflow = fi;
    }
    s_flow_t *f = &c->flows[c->curflow];
    if (!f->lport)
        f->lport = r.sport;
    if (o->src != f->lip || o->dst != f->rip || r.sport != f->lport || r.dport != f->rport) {
        char a[16], b[16];
        return s_fail(c, "segment %s.%u > %s.%u is not on the expected flow (%s)", ip4_fmt(o->src, a),
                      r.sport, ip4_fmt(o->dst, b), r.dport, sum);
    }
    uint64_t want_t = c->now;
    uint64_t dt = o->t > want_t ? o->t - want_t : want_t - o->t;
    if (dt > c->tol)
        return s_fail(c, "segment sent at %.6f s, expected at %.6f s: %s",
                      (double)(o->t - S_BASE_NS) / 1e9, (double)(want_t - S_BASE_NS) / 1e9, sum);
    if ((r.flags & TCP_SYN) && !f->have_lbase) {
        f->have_lbase = true;
        f->lbase = r.seq;
    }
    char fs[10], ws[10];
    if (r.flags != s.flags)
        return s_fail(c, "flags [%s], expected [%s]: %s", tcp_flags_str(r.flags, fs), tcp_flags_str(s.flags, ws), sum);
    uint32_t rel = r.seq - f->lbase;
    if (rel != s.seq || r.payload_len != s.len)
        return s_fail(c, "seq %u:%u(%zu) (relative), expected %u:%u(%u): %s", rel, (uint32_t)(rel + r.payload_len),
                      r.payload_len, s.seq, s.seq + s.len, s.len, sum);
    if (s.has_ack && r.ack != s.ack)
        return s_fail(c, "ack %u, expected %u: %s", r.ack, s.ack, sum);
    if (s.has_win && r.wnd != s.win)
        return s_fail(c, "win %u, expected %u: %s", r.wnd, s.win, sum);
    if (s.has_opts) {
        if (r.has_mss != s.opts.has_mss || (r.has_mss && r.mss != s.opts.mss))
            return s_fail(c, "mss option mismatch (expected %s %u): %s", s.opts.has_mss ? "mss" : "no mss", s.opts.mss, sum);
        if (r.has_wscale != s.opts.has_wscale || (r.has_wscale && r.wscale != s.opts.wscale))
            return s_fail(c, "wscale option mismatch: %s", sum);
        if (r.sack_perm != s.opts.sack_perm)
            return s_fail(c, "sackOK option mismatch: %s", sum);
    }
    /* payload content: pattern by the stack's stream offset */
    uint32_t data_seq = r.seq + ((r.flags & TCP_SYN) ? 1 : 0);
    for (size_t k = 0; k < r.payload_len; k++) {
        uint64_t off = (uint32_t)(data_seq + (uint32_t)k - f->lbase - 1);
        if (r.payload[k] != s_pat_out(off))
            return s_fail(c, "payload byte %zu (stream offset %llu) is 0x%02x, expected 0x%02x", k,
                          (unsigned long long)off, r.payload[k], s_pat_out(off));
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* commands                                                             */

typedef struct {
    s_flow_t *f;
    const char *state;
    uint32_t snd_una;
    bool found;
    tcp_info_t info;
} s_find_t;

static void s_find_cb(const tcp_info_t *i, void *arg)
{
    s_find_t *q = arg;
    if (i->lip == q->f->lip && i->rip == q->f->rip && i->rport == q->f->rport &&
        (i->lport == q->f->lport || !q->f->lport) && i->state != TCP_LISTEN) {
        q->found = true;
        q->state = i->state_name;
        q->snd_una = i->snd_una;
        q->info = *i;
    }
}

/* tcp_info_t of the current flow's connection (or the current socket) */
static int s_info_of(s_ctx_t *c, tcp_info_t *out)
{
    if (c->curflow >= 0 && c->flows[c->curflow].rport) {
        s_find_t q = {.f = &c->flows[c->curflow]};
        tcp_foreach(c->st, s_find_cb, &q);
        if (q.found) {
            *out = q.info;
            return 0;
        }
    }
    if (c->cur >= 0 && c->cur < c->nsocks && tcp_sock_info(c->st, c->socks[c->cur].id, out) == 0)
        return 0;
    return -1;
}

static int s_info_field(const tcp_info_t *i, const char *name, uint64_t *v)
{
    if (!strcmp(name, "cwnd")) *v = i->cwnd;
    else if (!strcmp(name, "ssthresh")) *v = i->ssthresh;
    else if (!strcmp(name, "dupacks")) *v = i->dupacks;
    else if (!strcmp(name, "retransmits")) *v = i->retransmits;
    else if (!strcmp(name, "snd_wnd")) *v = i->snd_wnd;
    else if (!strcmp(name, "rcv_wnd")) *v = i->rcv_wnd;
    else if (!strcmp(name, "in_flight")) *v = i->in_flight;
    else if (!strcmp(name, "in_recovery")) *v = i->in_recovery;
    else if (!strcmp(name, "mss")) *v = i->mss;
    else if (!strcmp(name, "snd_wscale")) *v = i->snd_wscale;
    else if (!strcmp(name, "rcv_wscale")) *v = i->rcv_wscale;
    else if (!strcmp(name, "window_probes")) *v = i->window_probes;
    else if (!strcmp(name, "sendq")) *v = i->sendq;
    else if (!strcmp(name, "recvq")) *v = i->recvq;
    else if (!strcmp(name, "nodelay")) *v = i->nodelay;
    else return -1;
    return 0;
}

/* Read the stack's log from offset `from`; caller frees. */
static char *s_log_read(s_ctx_t *c, size_t from)
{
    FILE *fp = c->logpath[0] ? fopen(c->logpath, "r") : NULL;
    if (!fp)
        return NULL;
    size_t cap = 4096, len = 0;
    char *b = malloc(cap);
    size_t n;
    while (b && (n = fread(b + len, 1, cap - len - 1, fp)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    fclose(fp);
    if (!b)
        return NULL;
    b[len] = 0;
    if (from > len)
        from = len;
    memmove(b, b + from, len - from + 1);
    return b;
}

/* the rest of the command line: tokens 1.. joined by single spaces */
static void s_join(char **tok, int n, char *buf, size_t cap)
{
    buf[0] = 0;
    size_t l = 0;
    for (int k = 1; k < n && l + 1 < cap; k++)
        l += (size_t)snprintf(buf + l, cap - l, "%s%s", k > 1 ? " " : "", tok[k]);
}

static s_sock_t *s_cur(s_ctx_t *c)
{
    return c->cur >= 0 && c->cur < c->nsocks ? &c->socks[c->cur] : NULL;
}

static int s_add_sock(s_ctx_t *c, int id)
{
    if (c->nsocks == S_MAX_SOCKS)
        return s_fail(c, "too many sockets");
    c->socks[c->nsocks] = (s_sock_t){.id = id};
    c->cur = c->nsocks++;
    return 0;
}

static int s_cmd(s_ctx_t *c, char **tok, int n)
{
    const char *cmd = tok[0];
    s_sock_t *so = s_cur(c);
    if (strcmp(cmd, "socket") == 0 && n >= 3) {
        uint32_t lip, rip;
        uint16_t lport, rport;
        if (s_parse_addr(tok[2], &lip, &lport) < 0)
            return s_fail(c, "bad address '%s'", tok[2]);
        int id = tcp_socket(c->st);
        if (id < 0 || s_add_sock(c, id) < 0)
            return s_fail(c, "socket failed");
        if (tcp_bind(c->st, id, lip, lport) < 0)
            return s_fail(c, "bind: %s", s_errno_name(errno));
        if (strcmp(tok[1], "connect") == 0) {
            if (n < 5 || strcmp(tok[3], ">") || s_parse_addr(tok[4], &rip, &rport) < 0)
                return s_fail(c, "usage: socket connect A:p > B:q");
            c->curflow = s_flow_get(c, lip, lport, rip, rport);
            if (c->curflow < 0)
                return s_fail(c, "too many flows");
            if (tcp_connect(c->st, id, rip, rport, c->now) < 0)
                return s_fail(c, "connect: %s", s_errno_name(errno));
            uint16_t p = 0;
            tcp_getsockname(c->st, id, NULL, &p);
            c->flows[c->curflow].lport = p;
            return 0;
        }
        if (strcmp(tok[1], "listen") == 0) {
            int backlog = 16;
            if (n >= 5 && strcmp(tok[3], "backlog") == 0)
                backlog = atoi(tok[4]);
            if (tcp_listen(c->st, id, backlog) < 0)
                return s_fail(c, "listen: %s", s_errno_name(errno));
            return 0;
        }
        return s_fail(c, "socket connect|listen");
    }
    if (strcmp(cmd, "accept") == 0) {
        if (!so)
            return s_fail(c, "no socket");
        uint32_t rip;
        uint16_t rport;
        int id = tcp_accept(c->st, so->id, &rip, &rport);
        if (n >= 2) {
            int e = s_errno_parse(tok[1]);
            if (id >= 0 || errno != e)
                return s_fail(c, "accept: expected %s, got %d (%s)", tok[1], id, id < 0 ? s_errno_name(errno) : "ok");
            return 0;
        }
        if (id < 0)
            return s_fail(c, "accept: %s", s_errno_name(errno));
        uint32_t lip;
        uint16_t lport;
        tcp_getsockname(c->st, id, &lip, &lport);
        c->curflow = s_flow_get(c, lip, lport, rip, rport);
        return s_add_sock(c, id);
    }
    if (strcmp(cmd, "use") == 0 && n >= 2) {
        int k = atoi(tok[1]);
        if (k < 0 || k >= c->nsocks)
            return s_fail(c, "no socket %d", k);
        c->cur = k;
        uint32_t lip;
        uint16_t lport;
        tcp_info_t info;
        if (tcp_sock_info(c->st, c->socks[k].id, &info) == 0 && info.rport) {
            tcp_getsockname(c->st, c->socks[k].id, &lip, &lport);
            c->curflow = s_flow_get(c, lip, lport, info.rip, info.rport);
        }
        return 0;
    }
    if (!so && strcmp(cmd, "expect-counter") && strcmp(cmd, "expect-conns") && strcmp(cmd, "iss") &&
        strcmp(cmd, "cfg") && strcmp(cmd, "mtu") && strcmp(cmd, "tolerance") && strcmp(cmd, "expect-state") &&
        strcmp(cmd, "expect-info") && strcmp(cmd, "expect-log") && strcmp(cmd, "expect-no-log") &&
        strcmp(cmd, "log-level"))
        return s_fail(c, "no current socket for '%s'", cmd);
    if (strcmp(cmd, "expect-info") == 0 && n >= 3) {
        tcp_info_t info;
        uint64_t got;
        if (s_info_of(c, &info) < 0)
            return s_fail(c, "expect-info: no connection");
        if (s_info_field(&info, tok[1], &got) < 0)
            return s_fail(c, "expect-info: unknown field '%s'", tok[1]);
        if (got != strtoull(tok[2], NULL, 10))
            return s_fail(c, "%s = %llu, expected %s", tok[1], (unsigned long long)got, tok[2]);
        return 0;
    }
    if ((strcmp(cmd, "expect-log") == 0 || strcmp(cmd, "expect-no-log") == 0) && n >= 2) {
        char want[256];
        s_join(tok, n, want, sizeof want);
        char *txt = s_log_read(c, c->logpos);
        if (!txt)
            return s_fail(c, "cannot read the log");
        char *hit = strstr(txt, want);
        if (cmd[7] == 'n') { /* expect-no-log: absent from here on */
            free(txt);
            return hit ? s_fail(c, "log has '%s'", want) : 0;
        }
        if (!hit) {
            free(txt);
            return s_fail(c, "log has no '%s' (after offset %zu)", want, c->logpos);
        }
        /* expect-log lines match in order: continue after this line */
        char *eol = strchr(hit, '\n');
        c->logpos += (size_t)((eol ? eol + 1 : hit + strlen(hit)) - txt);
        free(txt);
        return 0;
    }
    if (strcmp(cmd, "log-level") == 0 && n >= 2) {
        int lv = ls_log_level_parse(tok[1]);
        if (lv < 0)
            return s_fail(c, "bad log level '%s'", tok[1]);
        ls_log_set_level(c->log, lv);
        return 0;
    }
    if (strcmp(cmd, "nodelay") == 0 && n >= 2) {
        if (tcp_setnodelay(c->st, so->id, atoi(tok[1]) != 0) < 0)
            return s_fail(c, "nodelay: %s", s_errno_name(errno));
        return 0;
    }
    if (strcmp(cmd, "send") == 0 && n >= 2) {
        size_t len = strtoul(tok[1], NULL, 10);
        uint8_t *b = malloc(len ? len : 1);
        if (!b)
            return s_fail(c, "out of memory");
        for (size_t k = 0; k < len; k++)
            b[k] = s_pat_out(so->tx_off + k);
        ssize_t r = tcp_send(c->st, so->id, b, len, c->now);
        int e = errno;
        free(b);
        if (n >= 3 && tok[2][0] == 'E') {
            if (r >= 0 || e != s_errno_parse(tok[2]))
                return s_fail(c, "send: expected %s, got %zd (%s)", tok[2], r, r < 0 ? s_errno_name(e) : "ok");
            return 0;
        }
        size_t want = len;
        if (n >= 4 && strcmp(tok[2], "=") == 0)
            want = strtoul(tok[3], NULL, 10);
        if (r < 0)
            return s_fail(c, "send: %s", s_errno_name(e));
        if ((size_t)r != want)
            return s_fail(c, "send queued %zd, expected %zu", r, want);
        so->tx_off += (uint64_t)r;
        return 0;
    }
    if (strcmp(cmd, "recv") == 0 && n >= 2) {
        if (tok[1][0] == 'E') {
            uint8_t b[1];
            ssize_t r = tcp_recv(c->st, so->id, b, 1, c->now);
            if (r >= 0 || errno != s_errno_parse(tok[1]))
                return s_fail(c, "recv: expected %s, got %zd (%s)", tok[1], r, r < 0 ? s_errno_name(errno) : "data");
            return 0;
        }
        size_t len = strtoul(tok[1], NULL, 10);
        uint8_t *b = malloc(len + 1);
        if (!b)
            return s_fail(c, "out of memory");
        ssize_t r = tcp_recv(c->st, so->id, b, len ? len : 1, c->now);
        int e = errno;
        if (r < 0) {
            free(b);
            return s_fail(c, "recv: %s", s_errno_name(e));
        }
        if ((size_t)r != len) {
            free(b);
            return s_fail(c, "recv returned %zd, expected %zu", r, len);
        }
        for (size_t k = 0; k < (size_t)r; k++)
            if (b[k] != s_pat_in(so->rx_off + k)) {
                uint8_t got = b[k];
                free(b);
                return s_fail(c, "recv byte %zu (stream offset %llu) is 0x%02x, expected 0x%02x", k,
                              (unsigned long long)(so->rx_off + k), got, s_pat_in(so->rx_off + k));
            }
        so->rx_off += (uint64_t)r;
        free(b);
        return 0;
    }
    if (strcmp(cmd, "shutdown") == 0)
        return tcp_shutdown(c->st, so->id, SHUT_WR, c->now) < 0 ? s_fail(c, "shutdown: %s", s_errno_name(errno)) : 0;
    if (strcmp(cmd, "close") == 0)
        return tcp_close(c->st, so->id, c->now) < 0 ? s_fail(c, "close: %s", s_errno_name(errno)) : 0;
    if (strcmp(cmd, "abort") == 0)
        return tcp_abort(c->st, so->id, c->now) < 0 ? s_fail(c, "abort: %s", s_errno_name(errno)) : 0;
    if (strcmp(cmd, "expect-errno") == 0 && n >= 2) {
        int want = s_errno_parse(tok[1]);
        int got = tcp_sock_error(c->st, so->id);
        if (want < 0 || got != want)
            return s_fail(c, "socket error %s, expected %s", s_errno_name(got), tok[1]);
        return 0;
    }
    if (strcmp(cmd, "expect-state") == 0 && n >= 2) {
        const char *st = NULL;
        if (c->curflow >= 0 && c->flows[c->curflow].rport) {
            s_find_t q = {.f = &c->flows[c->curflow]};
            tcp_foreach(c->st, s_find_cb, &q);
            st = q.found ? q.state : "CLOSED";
        } else if (so) {
            st = tcp_state_name(tcp_sock_state(c->st, so->id));
        } else {
            return s_fail(c, "nothing to check");
        }
        if (strcmp(st, tok[1]))
            return s_fail(c, "state %s, expected %s", st, tok[1]);
        return 0;
    }
    if (strcmp(cmd, "expect-counter") == 0 && n >= 3) {
        uint64_t got = ls_counter_get(c->reg, tok[1]);
        if (got != strtoull(tok[2], NULL, 10))
            return s_fail(c, "counter %s = %llu, expected %s", tok[1], (unsigned long long)got, tok[2]);
        return 0;
    }
    if (strcmp(cmd, "expect-conns") == 0 && n >= 2) {
        size_t got = tcp_count(c->st);
        if (got != strtoul(tok[1], NULL, 10))
            return s_fail(c, "%zu TCBs, expected %s", got, tok[1]);
        return 0;
    }
    if (strcmp(cmd, "iss") == 0 && n >= 2) {
        tcp_stack_force_iss(c->st, true, (uint32_t)strtoull(tok[1], NULL, 10));
        return 0;
    }
    if (strcmp(cmd, "mtu") == 0 && n >= 2) {
        c->mtu = (uint16_t)atoi(tok[1]);
        return 0;
    }
    if (strcmp(cmd, "tolerance") == 0 && n >= 2) {
        c->tol = strtoull(tok[1], NULL, 10) * 1000000ull;
        return 0;
    }
    if (strcmp(cmd, "cfg") == 0 && n >= 3) {
        tcp_cfg_t *cf = tcp_stack_cfg(c->st);
        unsigned long long v = strtoull(tok[2], NULL, 10);
        if (!strcmp(tok[1], "cc")) {
            /* the name must outlive the stack: only registered names */
            if (!tcp_cc_find(tok[2]))
                return s_fail(c, "unknown cc '%s'", tok[2]);
            cf->cc = tcp_cc_find(tok[2])->name;
            return 0;
        }
        if (!strcmp(tok[1], "syn_retries")) cf->syn_retries = (int)v;
        else if (!strcmp(tok[1], "synack_retries")) cf->synack_retries = (int)v;
        else if (!strcmp(tok[1], "max_retries")) cf->max_retries = (int)v;
        else if (!strcmp(tok[1], "rcvbuf")) cf->rcvbuf = (uint32_t)v;
        else if (!strcmp(tok[1], "sndbuf")) cf->sndbuf = (uint32_t)v;
        else if (!strcmp(tok[1], "msl_ms")) cf->msl_ns = v * 1000000ull;
        else if (!strcmp(tok[1], "min_rto_ms")) cf->min_rto_ns = v * 1000000ull;
        else if (!strcmp(tok[1], "nodelay")) cf->nodelay = v != 0;
        else if (!strcmp(tok[1], "delack")) cf->delack = v != 0;
        else if (!strcmp(tok[1], "wscale")) cf->window_scaling = v != 0;
        else if (!strcmp(tok[1], "cc_none")) cf->cc = v ? "none" : "newreno";
        else if (!strcmp(tok[1], "iw")) cf->initial_window_segments = (uint32_t)v;
        else if (!strcmp(tok[1], "ssthresh")) cf->initial_ssthresh = (uint32_t)v;
        else if (!strcmp(tok[1], "delack_ms")) cf->delack_ns = v * 1000000ull;
        else return s_fail(c, "unknown cfg '%s'", tok[1]);
        return 0;
    }
    if (strcmp(cmd, "icmp") == 0 && n >= 3 && strcmp(tok[1], "unreach") == 0) {
        if (c->curflow < 0)
            return s_fail(c, "no flow");
        s_flow_t *f = &c->flows[c->curflow];
        s_find_t q = {.f = f};
        tcp_foreach(c->st, s_find_cb, &q);
        uint8_t code = !strcmp(tok[2], "port") ? 3 : !strcmp(tok[2], "proto") ? 2 : !strcmp(tok[2], "net") ? 0 : 1;
        uint8_t qb[28] = {0x45, 0, 0, 44, 0, 0, 0x40, 0, 64, TCP_PROTO};
        wr_be32(qb + 12, f->lip);
        wr_be32(qb + 16, f->rip);
        wr_be16(qb + 20, f->lport);
        wr_be16(qb + 22, f->rport);
        wr_be32(qb + 24, q.snd_una);
        tcp_icmp_error(c->st, 3, code, qb, sizeof qb, c->now);
        return 0;
    }
    return s_fail(c, "unknown command '%s'", cmd);
}

static int s_line(s_ctx_t *c, char *line)
{
    /* '#' starts a comment at the start of a line or before a blank, so
     * that "dupack #3" can be matched by expect-log */
    for (char *hash = strchr(line, '#'); hash; hash = strchr(hash + 1, '#'))
        if (hash == line || hash[1] == 0 || isspace((unsigned char)hash[1])) {
            *hash = 0;
            break;
        }
    char *sl = strstr(line, "//");
    if (sl)
        *sl = 0;
    char *p = line;
    while (isspace((unsigned char)*p))
        p++;
    if (!*p)
        return 0;
    /* time */
    char *te = p;
    while (*te && !isspace((unsigned char)*te))
        te++;
    char tsave = *te;
    *te = 0;
    uint64_t t;
    bool rel = *p == '+';
    if (s_parse_time(rel ? p + 1 : p, &t) < 0)
        return s_fail(c, "bad time '%s'", p);
    *te = tsave;
    t = rel ? c->line_t + t : t;
    if (t < c->line_t)
        return s_fail(c, "time goes backwards");
    c->line_t = t;
    s_advance(c, S_BASE_NS + t);
    p = te;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '<' && isspace((unsigned char)p[1]))
        return s_inject(c, p + 1);
    if (*p == '>' && isspace((unsigned char)p[1]))
        return s_expect(c, p + 1);
    char *tok[16];
    int n = 0;
    char *save = NULL;
    for (char *k = strtok_r(p, " \t\r", &save); k && n < 16; k = strtok_r(NULL, " \t\r", &save))
        tok[n++] = k;
    if (!n)
        return 0;
    return s_cmd(c, tok, n);
}

int tcp_script_run(const char *script, char *err, size_t errlen)
{
    s_ctx_t c;
    memset(&c, 0, sizeof c);
    c.cur = -1;
    c.curflow = -1;
    c.mtu = 1500;
    c.tol = 2000000ull;
    c.err = err;
    c.errlen = errlen;
    c.now = S_BASE_NS;
    if (err && errlen)
        err[0] = 0;
    c.reg = ls_counters_new();
    /* log every event (to a temp file, for expect-log) so the log paths run
     * under the sanitizers */
    const char *tmp = getenv("TMPDIR");
    snprintf(c.logpath, sizeof c.logpath, "%s/tcpscript.XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    int lfd = mkstemp(c.logpath);
    if (lfd >= 0)
        close(lfd);
    else
        c.logpath[0] = 0;
    ls_log_t *log = ls_log_new("script", "script-transport", c.logpath[0] ? c.logpath : "/dev/null", LS_LOG_PDU);
    c.log = log;
    tcp_cfg_t cfg = tcp_cfg_default();
    tcp_io_t io = {.ctx = &c, .output = s_output, .event = s_event, .new_pdu_id = s_pdu, .route = s_route,
                   .log = log, .counters = c.reg};
    c.st = tcp_stack_new(&cfg, &io);
    char *copy = strdup(script);
    int rc = (c.reg && c.st && copy) ? 0 : -1;
    if (rc < 0 && err && errlen)
        snprintf(err, errlen, "setup failed");
    for (char *line = copy; line && rc == 0;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        c.lineno++;
        rc = s_line(&c, line);
        line = nl ? nl + 1 : NULL;
    }
    if (rc == 0 && c.outhead < c.nout) {
        tcp_repr_t r;
        char sum[200];
        s_out_t *o = &c.outq[c.outhead];
        tcp_parse_nocsum(o->seg, o->len, &r);
        c.lineno++;
        rc = s_fail(&c, "end of script: unexpected segment at %.6f s: %s", (double)(o->t - S_BASE_NS) / 1e9,
                    tcp_summary(&r, sum, sizeof sum));
    }
    for (size_t k = 0; k < c.nout; k++)
        free(c.outq[k].seg);
    free(c.outq);
    free(copy);
    tcp_stack_destroy(&c.st);
    ls_counters_destroy(&c.reg);
    ls_log_destroy(&log);
    if (c.logpath[0])
        unlink(c.logpath);
    return rc;
}
