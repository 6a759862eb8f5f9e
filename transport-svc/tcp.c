/*
 * tcp.c -- the TCP engine's stack object, socket API, timers (binary
 * min-heap of TCBs keyed by their earliest deadline), ISN/port selection
 * (RFC 6528 / RFC 6056 with SipHash-2-4), segment output, retransmission
 * (RFC 6298), flow control (RFC 9293 3.8.6: persist timer and window
 * probes, sender SWS avoidance and Nagle, RFC 1122 4.2.3.4). Congestion
 * control lives in tcp_cc.c (core) and tcp_cc_newreno.c (algorithms).
 *
 * Call chain: transport-svc main loop (and tests/unit/tcp_script.c) ->
 * tcp_socket/bind/listen/accept/connect/send/recv/shutdown/close/abort,
 * tcp_poll/tcp_next_deadline, tcp_foreach. Segment arrival lives in
 * tcp_input.c, which calls back into the helpers declared in tcp_int.h.
 * Output leaves through io.output (-> net-svc) and io.event (-> app).
 */
#include "transport-svc/tcp_int.h"
#include "wire/bytes.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const char *const s_state_names[TCP_NSTATES] = {
    "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT1",
    "FIN_WAIT2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"};

const char *tcp_state_name(tcp_state_t st)
{
    return (unsigned)st < TCP_NSTATES ? s_state_names[st] : "?";
}

tcp_cfg_t tcp_cfg_default(void)
{
    return (tcp_cfg_t){
        .msl_ns = 30 * TCP_NS_S,
        .min_rto_ns = 200 * TCP_NS_MS,
        .max_rto_ns = 120 * TCP_NS_S,
        .initial_rto_ns = 1 * TCP_NS_S,
        .syn_retries = 6,
        .synack_retries = 5,
        .max_retries = 15,
        .isn_secret = 0x6c61796572737461ull,
        .rcvbuf = 65535,
        .sndbuf = 65536,
        .default_mss = 536,
        .default_mtu = 1500,
        .eph_lo = 49152,
        .eph_hi = 65535,
        .nodelay = false,
        .delack = false,
        .delack_ns = 200 * TCP_NS_MS,
        .window_scaling = false,
        .cc = "newreno",
        .initial_window_segments = 0,
        .initial_ssthresh = 0,
    };
}

tcp_cfg_t tcp_cfg_service_default(void)
{
    tcp_cfg_t c = tcp_cfg_default();
    c.window_scaling = true;
    c.rcvbuf = 256 * 1024;
    c.sndbuf = 256 * 1024;
    c.delack = true;
    c.delack_ns = 200 * TCP_NS_MS;
    return c;
}

/* RFC 1122 4.2.3.2: an ACK MUST NOT be delayed by 0.5 s or more; the
 * configured delay is capped at 500 ms */
uint64_t tcp_delack_delay(const tcp_cfg_t *c)
{
    uint64_t cap = 500 * TCP_NS_MS;
    return c->delack_ns < cap ? c->delack_ns : cap;
}

/* ------------------------------------------------------------------ */
/* SipHash-2-4                                                          */

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                              \
    do {                                                                      \
        v0 += v1; v1 = ROTL64(v1, 13); v1 ^= v0; v0 = ROTL64(v0, 32);         \
        v2 += v3; v3 = ROTL64(v3, 16); v3 ^= v2;                              \
        v0 += v3; v3 = ROTL64(v3, 21); v3 ^= v0;                              \
        v2 += v1; v1 = ROTL64(v1, 17); v1 ^= v2; v2 = ROTL64(v2, 32);         \
    } while (0)

static uint64_t s_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

uint64_t tcp_siphash24(const uint8_t key[16], const uint8_t *msg, size_t len)
{
    uint64_t k0 = s_le64(key), k1 = s_le64(key + 8);
    uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
    size_t end = len - len % 8;
    for (size_t i = 0; i < end; i += 8) {
        uint64_t m = s_le64(msg + i);
        v3 ^= m;
        SIPROUND; SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < len % 8; i++)
        b |= (uint64_t)msg[end + i] << (8 * i);
    v3 ^= b;
    SIPROUND; SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND; SIPROUND; SIPROUND; SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

static uint32_t s_hash4(const tcp_stack_t *st, uint8_t tag, uint32_t lip, uint16_t lport,
                        uint32_t rip, uint16_t rport)
{
    uint8_t m[13];
    wr_be32(m, lip); wr_be16(m + 4, lport); wr_be32(m + 6, rip); wr_be16(m + 10, rport);
    m[12] = tag;
    return (uint32_t)tcp_siphash24(st->key, m, sizeof m);
}

/* RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
 * M a 4-microsecond timer (here derived from now), F keyed SipHash-2-4. */
static uint32_t s_choose_iss(tcp_stack_t *st, const tcp_tcb_t *t, uint64_t now)
{
    if (st->force_iss)
        return st->forced_iss;
    return (uint32_t)(now / 4000) + s_hash4(st, 'i', t->lip, t->lport, t->rip, t->rport);
}

/* ------------------------------------------------------------------ */
/* stack                                                                */

tcp_stack_t *tcp_stack_new(const tcp_cfg_t *cfg, const tcp_io_t *io)
{
    tcp_stack_t *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->cfg = cfg ? *cfg : tcp_cfg_default();
    if (io)
        st->io = *io;
    for (int i = 0; i < 8; i++) {
        st->key[i] = (uint8_t)(st->cfg.isn_secret >> (8 * i));
        st->key[8 + i] = (uint8_t)((st->cfg.isn_secret ^ 0x9e3779b97f4a7c15ull) >> (8 * i));
    }
    st->hsize = 16384;
    st->htab = calloc(st->hsize, sizeof *st->htab);
    st->ocap = 65536 + TCP_HDR_MAX;
    st->obuf = malloc(st->ocap);
    if (!st->htab || !st->obuf) {
        free(st->htab);
        free(st->obuf);
        free(st);
        return NULL;
    }
    return st;
}

tcp_cfg_t *tcp_stack_cfg(tcp_stack_t *self) { return &self->cfg; }

void tcp_stack_force_iss(tcp_stack_t *self, bool force, uint32_t iss)
{
    self->force_iss = force;
    self->forced_iss = iss;
}

static void s_tcb_free(tcp_tcb_t *t);

void tcp_stack_destroy(tcp_stack_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tcp_stack_t *st = *self_p;
    while (st->all)
        s_tcb_free(st->all);
    free(st->htab);
    free(st->socks);
    free(st->heap);
    free(st->obuf);
    free(st->sscr);
    free(st);
    *self_p = NULL;
}

size_t tcp_count(const tcp_stack_t *self) { return self->count; }

/* ------------------------------------------------------------------ */
/* timer heap                                                           */

static void s_heap_swap(tcp_stack_t *st, size_t a, size_t b)
{
    tcp_tcb_t *x = st->heap[a];
    st->heap[a] = st->heap[b];
    st->heap[b] = x;
    st->heap[a]->heap_idx = a;
    st->heap[b]->heap_idx = b;
}

static void s_heap_up(tcp_stack_t *st, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (st->heap[p]->heap_key <= st->heap[i]->heap_key)
            break;
        s_heap_swap(st, p, i);
        i = p;
    }
}

static void s_heap_down(tcp_stack_t *st, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < st->heap_len && st->heap[l]->heap_key < st->heap[m]->heap_key)
            m = l;
        if (r < st->heap_len && st->heap[r]->heap_key < st->heap[m]->heap_key)
            m = r;
        if (m == i)
            break;
        s_heap_swap(st, i, m);
        i = m;
    }
}

static void s_heap_remove(tcp_stack_t *st, tcp_tcb_t *t)
{
    size_t i = t->heap_idx;
    if (i == SIZE_MAX)
        return;
    st->heap_len--;
    if (i != st->heap_len) {
        st->heap[i] = st->heap[st->heap_len];
        st->heap[i]->heap_idx = i;
        s_heap_down(st, i);
        s_heap_up(st, i);
    }
    t->heap_idx = SIZE_MAX;
}

static uint64_t s_min_deadline(uint64_t a, uint64_t b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    return a < b ? a : b;
}

void tcp_timer_sync(tcp_tcb_t *t)
{
    tcp_stack_t *st = t->st;
    uint64_t k = s_min_deadline(s_min_deadline(t->rto_at, t->tw_at), s_min_deadline(t->delack_at, t->persist_at));
    if (!k) {
        s_heap_remove(st, t);
        return;
    }
    if (t->heap_idx == SIZE_MAX) {
        if (st->heap_len == st->heap_cap) {
            size_t nc = st->heap_cap ? st->heap_cap * 2 : 64;
            tcp_tcb_t **nh = realloc(st->heap, nc * sizeof *nh);
            if (!nh)
                return; /* out of memory: the timer is lost */
            st->heap = nh;
            st->heap_cap = nc;
        }
        t->heap_key = k;
        t->heap_idx = st->heap_len;
        st->heap[st->heap_len++] = t;
        s_heap_up(st, t->heap_idx);
    } else if (k != t->heap_key) {
        uint64_t old = t->heap_key;
        t->heap_key = k;
        if (k < old)
            s_heap_up(st, t->heap_idx);
        else
            s_heap_down(st, t->heap_idx);
    }
}

uint64_t tcp_next_deadline(const tcp_stack_t *self)
{
    return self->heap_len ? self->heap[0]->heap_key : UINT64_MAX;
}

/* ------------------------------------------------------------------ */
/* TCB tables                                                           */

static size_t s_bucket(const tcp_stack_t *st, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport)
{
    uint64_t h = ((uint64_t)lip * 0x9e3779b1u) ^ ((uint64_t)rip * 0x85ebca6bu) ^
                 ((uint64_t)lport << 16 | rport) * 0xc2b2ae35u;
    h ^= h >> 29;
    return (size_t)(h & (st->hsize - 1));
}

tcp_tcb_t *tcp_tcb_lookup(tcp_stack_t *st, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport)
{
    for (tcp_tcb_t *t = st->htab[s_bucket(st, lip, lport, rip, rport)]; t; t = t->hnext)
        if (t->lip == lip && t->lport == lport && t->rip == rip && t->rport == rport)
            return t;
    return NULL;
}

tcp_tcb_t *tcp_listener_lookup(tcp_stack_t *st, uint32_t lip, uint16_t lport)
{
    tcp_tcb_t *wild = NULL;
    for (tcp_tcb_t *t = st->listeners; t; t = t->lnext) {
        if (t->lport != lport)
            continue;
        if (t->lip == lip)
            return t;
        if (t->lip == 0)
            wild = t;
    }
    return wild;
}

static void s_hash_insert(tcp_tcb_t *t)
{
    size_t b = s_bucket(t->st, t->lip, t->lport, t->rip, t->rport);
    t->hnext = t->st->htab[b];
    t->st->htab[b] = t;
    t->hashed = true;
}

static void s_hash_remove(tcp_tcb_t *t)
{
    if (!t->hashed)
        return;
    tcp_tcb_t **pp = &t->st->htab[s_bucket(t->st, t->lip, t->lport, t->rip, t->rport)];
    while (*pp && *pp != t)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = t->hnext;
    t->hashed = false;
}

static void s_listener_remove(tcp_tcb_t *t)
{
    for (tcp_tcb_t **pp = &t->st->listeners; *pp; pp = &(*pp)->lnext)
        if (*pp == t) {
            *pp = t->lnext;
            break;
        }
}

static tcp_tcb_t *s_tcb_alloc(tcp_stack_t *st)
{
    tcp_tcb_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->st = st;
    t->sock = -1;
    t->heap_idx = SIZE_MAX;
    t->state = TCP_CLOSED;
    t->rto = st->cfg.initial_rto_ns;
    t->smss = st->cfg.default_mss;
    t->rmss = (uint16_t)(st->cfg.default_mtu - 40);
    t->nodelay = st->cfg.nodelay;
    t->cc = tcp_cc_find(st->cfg.cc);
    if (!t->cc)
        t->cc = &tcp_cc_newreno;
    t->sndbuf_sz = st->cfg.sndbuf;
    t->rcvbuf_sz = st->cfg.rcvbuf;
    t->anext = st->all;
    if (st->all)
        st->all->aprev = t;
    st->all = t;
    st->count++;
    return t;
}

/* Fix the logical buffer sizes. The rings themselves are allocated on the
 * first byte and grown on demand (s_ring_reserve), so an idle connection
 * costs its TCB only (10,000 idle connections in a few MiB). */
static int s_tcb_buffers(tcp_tcb_t *t)
{
    if (!t->bufs) {
        t->scap = t->sndbuf_sz;
        t->rcap = t->rcvbuf_sz;
        t->bufs = true;
    }
    return 0;
}

#define S_RING_MIN 4096u

/* Make a ring of *alloc bytes (len used from *head) hold need bytes, up to
 * cap: a bigger allocation with the contents moved to its front. 0/-1. */
static int s_ring_reserve(uint8_t **buf, uint32_t *alloc, uint32_t *head, uint32_t len,
                          uint32_t need, uint32_t cap)
{
    if (need <= *alloc)
        return 0;
    if (need > cap)
        return -1;
    uint32_t n = *alloc ? *alloc : S_RING_MIN;
    while (n < need)
        n = n > UINT32_MAX / 2 ? UINT32_MAX : n * 2;
    if (n > cap)
        n = cap;
    uint8_t *nb = malloc(n);
    if (!nb)
        return -1;
    uint32_t first = *alloc - *head < len ? *alloc - *head : len;
    if (len) {
        memcpy(nb, *buf + *head, first);
        memcpy(nb + first, *buf, len - first);
    }
    free(*buf);
    *buf = nb;
    *alloc = n;
    *head = 0;
    return 0;
}

/* Copy n bytes into the ring at logical offset off (off + n <= alloc). */
static void s_ring_put(uint8_t *buf, uint32_t alloc, uint32_t head, uint32_t off, const uint8_t *d,
                       uint32_t n)
{
    uint32_t pos = (uint32_t)(((uint64_t)head + off) % alloc);
    uint32_t first = alloc - pos < n ? alloc - pos : n;
    memcpy(buf + pos, d, first);
    memcpy(buf, d + first, n - first);
}

/* Copy n bytes out of the ring from logical offset off. */
static void s_ring_get(const uint8_t *buf, uint32_t alloc, uint32_t head, uint32_t off, uint8_t *d,
                       uint32_t n)
{
    uint32_t pos = (uint32_t)(((uint64_t)head + off) % alloc);
    uint32_t first = alloc - pos < n ? alloc - pos : n;
    memcpy(d, buf + pos, first);
    memcpy(d + first, buf, n - first);
}

uint32_t tcp_rbuf_append(tcp_tcb_t *t, const uint8_t *d, uint32_t n)
{
    uint32_t space = t->rcap - t->rlen;
    if (n > space)
        n = space;
    if (n == 0 || s_ring_reserve(&t->rbuf, &t->ralloc, &t->rhead, t->rlen, t->rlen + n, t->rcap) < 0)
        return 0;
    s_ring_put(t->rbuf, t->ralloc, t->rhead, t->rlen, d, n);
    t->rlen += n;
    return n;
}

void tcp_sbuf_consume(tcp_tcb_t *t, uint32_t n)
{
    if (n > t->slen)
        n = t->slen;
    t->slen -= n;
    t->sbuf_seq += n;
    t->shead = t->slen && t->salloc ? (uint32_t)(((uint64_t)t->shead + n) % t->salloc) : 0;
}

/* n bytes of the send ring from offset off as one contiguous run: in place,
 * or copied to the stack's scratch when they wrap. NULL if out of memory. */
static const uint8_t *s_sbuf_run(tcp_tcb_t *t, uint32_t off, uint32_t n)
{
    static const uint8_t none[1];
    if (n == 0)
        return none;
    uint32_t pos = (uint32_t)(((uint64_t)t->shead + off) % t->salloc);
    if (pos + n <= t->salloc)
        return t->sbuf + pos;
    tcp_stack_t *st = t->st;
    if (st->sscr_cap < n) {
        uint8_t *nb = realloc(st->sscr, n);
        if (!nb)
            return NULL;
        st->sscr = nb;
        st->sscr_cap = n;
    }
    s_ring_get(t->sbuf, t->salloc, t->shead, off, st->sscr, n);
    return st->sscr;
}

static void s_ooo_free(tcp_tcb_t *t)
{
    while (t->ooo) {
        tcp_ooo_t *n = t->ooo->next;
        free(t->ooo);
        t->ooo = n;
    }
    t->ooo_bytes = 0;
}

static void s_unlink_child(tcp_tcb_t *t)
{
    tcp_tcb_t *l = t->parent;
    if (!l)
        return;
    if (!t->in_accq)
        l->n_syn--;
    else {
        for (tcp_tcb_t **pp = &l->acc_head; *pp; pp = &(*pp)->qnext)
            if (*pp == t) {
                *pp = t->qnext;
                if (l->acc_tail == t) {
                    l->acc_tail = NULL;
                    for (tcp_tcb_t *q = l->acc_head; q; q = q->qnext)
                        l->acc_tail = q;
                }
                l->n_acc--;
                break;
            }
    }
    t->parent = NULL;
    t->qnext = NULL;
    t->in_accq = false;
}

static void s_tcb_free(tcp_tcb_t *t)
{
    tcp_stack_t *st = t->st;
    /* a listener takes its unaccepted children with it */
    while (t->acc_head)
        s_tcb_free(t->acc_head);
    if (t->state == TCP_LISTEN)
        for (tcp_tcb_t *c = st->all; c;) {
            tcp_tcb_t *n = c->anext;
            if (c->parent == t) {
                s_tcb_free(c);
                n = st->all; /* restart: the list changed */
            }
            c = n;
        }
    s_unlink_child(t);
    s_heap_remove(st, t);
    s_hash_remove(t);
    s_listener_remove(t);
    if (t->sock >= 0 && (size_t)t->sock < st->nsocks && st->socks[t->sock] == t) {
        st->socks[t->sock] = NULL;
        if ((size_t)t->sock < st->sock_hint)
            st->sock_hint = (size_t)t->sock;
    }
    if (t->aprev)
        t->aprev->anext = t->anext;
    else
        st->all = t->anext;
    if (t->anext)
        t->anext->aprev = t->aprev;
    st->count--;
    s_ooo_free(t);
    free(t->sbuf);
    free(t->rbuf);
    free(t);
}

static tcp_tcb_t *s_sock(tcp_stack_t *st, int sock)
{
    if (sock < 0 || (size_t)sock >= st->nsocks || !st->socks[sock]) {
        errno = EBADF;
        return NULL;
    }
    return st->socks[sock];
}

static int s_sock_alloc(tcp_stack_t *st, tcp_tcb_t *t)
{
    /* lowest free id at or after the hint (ids below it are all taken) */
    for (size_t i = st->sock_hint; i < st->nsocks; i++)
        if (!st->socks[i]) {
            st->socks[i] = t;
            st->sock_hint = i + 1;
            return t->sock = (int)i;
        }
    size_t nn = st->nsocks ? st->nsocks * 2 : 16;
    tcp_tcb_t **ns = realloc(st->socks, nn * sizeof *ns);
    if (!ns) {
        errno = ENOMEM;
        return -1;
    }
    memset(ns + st->nsocks, 0, (nn - st->nsocks) * sizeof *ns);
    int id = (int)st->nsocks;
    st->sock_hint = st->nsocks + 1;
    st->socks = ns;
    st->nsocks = nn;
    st->socks[id] = t;
    return t->sock = id;
}

/* ------------------------------------------------------------------ */
/* logging, events, state                                               */

const char *tcp_tuple(const tcp_tcb_t *t, char *buf, size_t cap)
{
    char a[16], b[16];
    snprintf(buf, cap, "%s.%u > %s.%u", ip4_fmt(t->lip, a), t->lport, ip4_fmt(t->rip, b), t->rport);
    return buf;
}

void tcp_set_state(tcp_tcb_t *t, tcp_state_t ns, uint64_t now, const char *why)
{
    if (t->state == ns)
        return;
    ls_log_t *log = t->st->io.log;
    if (ls_log_on(log, LS_LOG_INFO)) {
        char tu[64];
        ls_logev(log, LS_LOG_INFO,
                 &(ls_logev_t){.now_ns = now, .layer = "transport", .dir = "-", .ev = "state",
                               .pdu = t->st->cur_parent},
                 "%s: %s -> %s on %s", tcp_tuple(t, tu, sizeof tu), tcp_state_name(t->state),
                 tcp_state_name(ns), why ? why : "-");
    }
    t->state = ns;
    if (ns == TCP_TIME_WAIT) {
        /* RFC 9293 3.10.7.4: TIME-WAIT lasts 2 MSL; no more retransmission */
        t->rto_at = 0;
        t->persist_at = 0;
        t->delack_at = 0;
        t->tw_at = now + 2 * t->st->cfg.msl_ns;
        tcp_timer_sync(t);
    } else if (ns == TCP_FIN_WAIT2 && t->orphan) {
        /* an orphan cannot wait forever for the peer's FIN (Linux tcp_fin_timeout) */
        t->tw_at = now + 2 * t->st->cfg.msl_ns;
        tcp_timer_sync(t);
    }
}

void tcp_emit_event(tcp_tcb_t *t, tcp_event_t ev, int err)
{
    if (t->sock >= 0 && !t->orphan && t->st->io.event)
        t->st->io.event(t->st->io.ctx, t->sock, ev, err);
}

void tcp_conn_closed(tcp_tcb_t *t, int err, uint64_t now)
{
    tcp_set_state(t, TCP_CLOSED, now, err ? strerror(err) : "close");
    t->rto_at = t->tw_at = t->delack_at = t->persist_at = 0;
    tcp_timer_sync(t);
    s_hash_remove(t);
    s_ooo_free(t);
    if (err) {
        t->err = err;
        char c[48];
        snprintf(c, sizeof c, "tcp.conn.%s", err == ECONNREFUSED ? "refused" : err == ECONNRESET ? "reset"
                                              : err == ETIMEDOUT ? "timeout" : "error");
        LS_COUNT(t->st->io.counters, c);
    }
    if (t->orphan || t->parent || t->sock < 0) {
        s_tcb_free(t);
        return;
    }
    tcp_emit_event(t, err ? TCP_EV_ERROR : TCP_EV_CLOSED, err);
}

/* ------------------------------------------------------------------ */
/* output                                                               */

uint32_t tcp_rcv_window(tcp_tcb_t *t)
{
    uint32_t free_sp = t->rcap > t->rlen ? t->rcap - t->rlen : 0;
    uint32_t maxw = (uint32_t)0xffff << t->rcv_wscale;
    if (free_sp > maxw)
        free_sp = maxw;
    uint32_t cur = SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
    /* RFC 1122 4.2.3.3 receiver SWS avoidance: move the right edge only by
     * at least min(RCV.BUFF/2, MSS); never shrink it (RFC 9293 3.8.6.2.2). */
    uint32_t thresh = t->rcap / 2 < t->rmss ? t->rcap / 2 : t->rmss;
    if (free_sp > cur && free_sp - cur < thresh)
        return cur;
    return free_sp > cur ? free_sp : cur;
}

static void s_emit(tcp_tcb_t *t, tcp_repr_t *r, uint64_t now)
{
    tcp_stack_t *st = t->st;
    int n = tcp_emit(r, t->lip, t->rip, st->obuf, st->ocap);
    if (n < 0)
        return;
    uint64_t id = st->io.new_pdu_id ? st->io.new_pdu_id(st->io.ctx) : 0;
    if (ls_log_on(st->io.log, LS_LOG_PDU)) {
        char tu[64], sum[200];
        ls_logev(st->io.log, LS_LOG_PDU,
                 &(ls_logev_t){.now_ns = now, .layer = "transport", .dir = "down", .ev = "encap", .pdu = id,
                               .parents = st->cur_parent ? &st->cur_parent : NULL, .nparents = st->cur_parent ? 1 : 0},
                 "IP %s: %s", tcp_tuple(t, tu, sizeof tu), tcp_summary(r, sum, sizeof sum));
    }
    TCP_COUNT_HOT(st, c_tx_segs, "tcp.tx.segs");
    if (st->io.output)
        st->io.output(st->io.ctx, t->lip, t->rip, st->obuf, (size_t)n, id,
                      st->cur_parent ? &st->cur_parent : NULL, st->cur_parent ? 1 : 0);
}

static void s_fill(tcp_tcb_t *t, tcp_repr_t *r, uint32_t seq, uint8_t flags)
{
    memset(r, 0, sizeof *r);
    r->sport = t->lport;
    r->dport = t->rport;
    r->seq = seq;
    r->flags = flags;
    if (flags & TCP_ACK) {
        r->ack = t->rcv_nxt;
        uint32_t w = tcp_rcv_window(t);
        t->rcv_adv = t->rcv_nxt + w;
        /* RFC 7323 2.2: the window field of a SYN is never scaled */
        r->wnd = (uint16_t)((flags & TCP_SYN) ? (w > 0xffff ? 0xffff : w) : w >> t->rcv_wscale);
        t->delack_at = 0;
        t->segs_unacked = 0;
    }
}

void tcp_send_syn(tcp_tcb_t *t, uint64_t now)
{
    tcp_repr_t r;
    bool synack = t->state == TCP_SYN_RECV;
    if (!synack) { /* SYN: no ACK, advertise the unscaled window */
        s_fill(t, &r, t->iss, TCP_SYN);
        uint32_t w = t->rcap > 0xffff ? 0xffff : t->rcap;
        r.wnd = (uint16_t)w;
    } else {
        s_fill(t, &r, t->iss, TCP_SYN | TCP_ACK);
    }
    /* RFC 9293 3.7.1: send the MSS option on SYN and SYN-ACK */
    r.has_mss = true;
    r.mss = t->rmss;
    if (t->st->cfg.window_scaling && (!synack || t->ws_ok)) {
        r.has_wscale = true;
        r.wscale = t->rcv_wscale;
    }
    s_emit(t, &r, now);
}

void tcp_send_ack(tcp_tcb_t *t, uint64_t now)
{
    tcp_repr_t r;
    s_fill(t, &r, t->snd_nxt, TCP_ACK);
    tcp_timer_sync(t);
    s_emit(t, &r, now);
}

void tcp_send_rst(tcp_tcb_t *t, uint64_t now)
{
    tcp_repr_t r;
    s_fill(t, &r, t->snd_nxt, TCP_RST);
    s_emit(t, &r, now);
    LS_COUNT(t->st->io.counters, "tcp.tx.rst");
}

void tcp_send_rst_for(tcp_stack_t *st, uint32_t src, uint32_t dst, const tcp_repr_t *in, uint64_t now)
{
    /* RFC 9293 3.10.7.1: if the incoming segment has an ACK, the reset takes
     * its sequence number from the ACK field: <SEQ=SEG.ACK><CTL=RST>; else
     * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. Never answer a RST. */
    if (in->flags & TCP_RST)
        return;
    tcp_tcb_t tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.st = st;
    tmp.lip = dst; tmp.rip = src; tmp.lport = in->dport; tmp.rport = in->sport;
    tcp_repr_t r = {.sport = in->dport, .dport = in->sport};
    if (in->flags & TCP_ACK) {
        r.seq = in->ack;
        r.flags = TCP_RST;
    } else {
        r.seq = 0;
        r.ack = in->seq + (uint32_t)in->payload_len + !!(in->flags & TCP_SYN) + !!(in->flags & TCP_FIN);
        r.flags = TCP_RST | TCP_ACK;
    }
    s_emit(&tmp, &r, now);
    LS_COUNT(st->io.counters, "tcp.tx.rst");
}

void tcp_rto_arm(tcp_tcb_t *t, uint64_t now)
{
    t->rto_at = now + t->rto;
    tcp_timer_sync(t);
}

void tcp_rtt_sample(tcp_tcb_t *t, uint64_t r)
{
    const tcp_cfg_t *c = &t->st->cfg;
    /* RFC 6298 2.2 / 2.3 */
    if (!t->rtt_valid) {
        t->srtt = r;
        t->rttvar = r / 2;
        t->rtt_valid = true;
    } else {
        uint64_t d = t->srtt > r ? t->srtt - r : r - t->srtt;
        t->rttvar = (3 * t->rttvar + d) / 4;
        t->srtt = (7 * t->srtt + r) / 8;
    }
    uint64_t k = 4 * t->rttvar;
    uint64_t g = TCP_NS_MS; /* clock granularity G */
    uint64_t rto = t->srtt + (k > g ? k : g);
    /* RFC 6298 2.4 (min RTO, here configurable, default 200 ms) and 2.5 (max) */
    if (rto < c->min_rto_ns)
        rto = c->min_rto_ns;
    if (rto > c->max_rto_ns)
        rto = c->max_rto_ns;
    t->rto = rto;
}

static bool s_can_send_data(const tcp_tcb_t *t)
{
    switch (t->state) {
    case TCP_ESTABLISHED: case TCP_CLOSE_WAIT: case TCP_FIN_WAIT1: case TCP_CLOSING: case TCP_LAST_ACK:
        return true;
    default:
        return false;
    }
}

/* Send one segment starting at seq with up to maxlen data bytes (and the
 * FIN if it is next). Returns the sequence space used (data + FIN). */
static uint32_t s_send_at(tcp_tcb_t *t, uint32_t seq, uint32_t maxlen, uint64_t now)
{
    uint32_t off = seq - t->sbuf_seq;
    uint32_t avail = off <= t->slen ? t->slen - off : 0;
    uint32_t len = avail < maxlen ? avail : maxlen;
    bool fin = t->fin_queued && seq + len == t->fin_seq;
    if (len == 0 && !fin)
        return 0;
    tcp_repr_t r;
    uint8_t flags = TCP_ACK;
    if (len && off + len == t->slen)
        flags |= TCP_PSH;
    if (fin)
        flags |= TCP_FIN;
    const uint8_t *payload = s_sbuf_run(t, off, len);
    if (!payload)
        return 0;
    s_fill(t, &r, seq, flags);
    r.payload = payload;
    r.payload_len = len;
    s_emit(t, &r, now);
    return len + (fin ? 1 : 0);
}

int tcp_retransmit_one(tcp_tcb_t *t, uint64_t now)
{
    uint32_t used = s_send_at(t, t->snd_una, t->smss, now);
    if (used) {
        t->total_rexmit++;
        LS_COUNT(t->st->io.counters, "tcp.tx.retransmits");
        if (SEQ_GT(t->snd_una + used, t->snd_nxt))
            t->snd_nxt = t->snd_una + used;
        if (SEQ_GT(t->snd_nxt, t->snd_max))
            t->snd_max = t->snd_nxt;
        t->rtt_timing = false; /* Karn: no sample across a retransmission */
    }
    return (int)used;
}

/* Arm the persist timer: zero-window probes (RFC 9293 3.8.6.1) and the
 * sender-SWS override timeout (RFC 1122 4.2.3.4 (4)) -- the only timer
 * that runs when the peer's window, not the network, stops us and nothing
 * is in flight (so no ACK will come). RTO-based, doubled per probe. */
static void s_persist_arm(tcp_tcb_t *t, uint64_t now)
{
    if (t->persist_at || t->rto_at)
        return;
    uint64_t p = t->rto << (t->persist_backoff < 10 ? t->persist_backoff : 10);
    if (p > t->st->cfg.max_rto_ns)
        p = t->st->cfg.max_rto_ns;
    t->persist_at = now + p;
    tcp_timer_sync(t);
}

/* The send loop. override: the persist timer fired with an open but small
 * window: send what fits once, even below the SWS threshold. */
static void s_output(tcp_tcb_t *t, uint64_t now, bool force_ack, bool override)
{
    bool sent = false;
    if (s_can_send_data(t)) {
        for (;;) {
            uint32_t data_end = t->sbuf_seq + t->slen;
            uint32_t avail = SEQ_LT(t->snd_nxt, data_end) ? data_end - t->snd_nxt : 0;
            bool fin_next = t->fin_queued && SEQ_LEQ(t->snd_nxt, t->fin_seq);
            if (!avail && !fin_next)
                break;
            /* RFC 5681 2: send no more than min(cwnd, rwnd) past SND.UNA */
            uint32_t wnd = t->snd_wnd < t->cwnd ? t->snd_wnd : t->cwnd;
            uint32_t inflight = t->snd_nxt - t->snd_una;
            uint32_t usable = wnd > inflight ? wnd - inflight : 0;
            uint32_t len = avail;
            if (len > t->smss)
                len = t->smss;
            if (len > usable)
                len = usable;
            if (avail && len == 0) {
                /* the window is full: the sender stops. RFC 9293 3.8.6.1: a
                 * zero window with nothing in flight is probed by the
                 * persist timer; otherwise the ACKs in flight reopen it */
                if (inflight == 0)
                    s_persist_arm(t, now);
                LS_COUNT(t->st->io.counters, t->snd_wnd <= inflight ? "tcp.tx.rwnd_limited" : "tcp.tx.cwnd_limited");
                break;
            }
            if (len < avail && len < t->smss && !override) {
                /* RFC 1122 4.2.3.4 / RFC 9293 3.8.6.2.1 sender SWS avoidance:
                 * a window-limited piece is sent only if it is at least
                 * Fs = 1/2 of the largest window the peer offered; else wait
                 * for ACKs, or (nothing in flight) the override timeout */
                if (len < t->max_sndwnd / 2) {
                    if (inflight == 0)
                        s_persist_arm(t, now);
                    LS_COUNT(t->st->io.counters, "tcp.tx.sws_hold");
                    break;
                }
            }
            /* Nagle (RFC 896, RFC 1122 4.2.3.4): while data is unacknowledged,
             * hold a final partial segment until the ACK (or a full segment);
             * TCP_NODELAY (tcp_setnodelay / cfg.nodelay) turns this off */
            if (len > 0 && len < t->smss && len == avail && !fin_next && inflight > 0 && !t->nodelay) {
                LS_COUNT(t->st->io.counters, "tcp.tx.nagle_hold");
                break;
            }
            override = false;
            uint32_t used = s_send_at(t, t->snd_nxt, len, now);
            if (!used)
                break;
            /* entirely below SND.MAX: a retransmission (go-back-N after an
             * RTO); a segment that merely covers a window-probe byte is new */
            bool new_data = SEQ_GT(t->snd_nxt + used, t->snd_max);
            if (!new_data) {
                t->total_rexmit++;
                LS_COUNT(t->st->io.counters, "tcp.tx.retransmits");
            }
            if (new_data && !t->rtt_timing && t->nrexmit == 0) {
                t->rtt_timing = true;
                t->rtt_seq = t->snd_nxt;
                t->rtt_start = now;
            }
            t->snd_nxt += used;
            if (SEQ_GT(t->snd_nxt, t->snd_max))
                t->snd_max = t->snd_nxt;
            t->persist_at = 0;
            if (!t->rto_at)
                tcp_rto_arm(t, now); /* RFC 6298 5.1 */
            sent = true;
        }
    }
    if (force_ack && !sent)
        tcp_send_ack(t, now);
    tcp_timer_sync(t);
}

void tcp_output(tcp_tcb_t *t, uint64_t now, bool force_ack) { s_output(t, now, force_ack, false); }

/* ------------------------------------------------------------------ */
/* timers                                                               */

/* returns true if t was freed */
static bool s_on_rto(tcp_tcb_t *t, uint64_t now)
{
    const tcp_cfg_t *c = &t->st->cfg;
    if (t->state == TCP_SYN_SENT || t->state == TCP_SYN_RECV) {
        int limit = t->state == TCP_SYN_SENT ? c->syn_retries : c->synack_retries;
        if (t->nrexmit >= limit) {
            if (t->passive) {
                LS_COUNT(t->st->io.counters, "tcp.drop.synack_timeout");
                tcp_conn_closed(t, 0, now);
                return true;
            }
            tcp_conn_closed(t, t->soft_err ? t->soft_err : ETIMEDOUT, now);
            return true;
        }
        t->nrexmit++;
        t->total_rexmit++;
        t->syn_rexmitted = true;
        LS_COUNT(t->st->io.counters, "tcp.tx.retransmits");
        /* RFC 6298 5.5: back off the timer */
        t->rto = t->rto * 2 > c->max_rto_ns ? c->max_rto_ns : t->rto * 2;
        tcp_send_syn(t, now);
        tcp_rto_arm(t, now);
        return false;
    }
    if (t->snd_una == t->snd_max)
        return false; /* nothing outstanding */
    if (t->nrexmit >= c->max_retries) {
        /* RFC 1122 4.2.3.5 R2 exceeded: close the connection */
        tcp_conn_closed(t, t->soft_err ? t->soft_err : ETIMEDOUT, now);
        return true;
    }
    t->nrexmit++;
    t->rto = t->rto * 2 > c->max_rto_ns ? c->max_rto_ns : t->rto * 2;
    tcp_cc_on_rto(t, now); /* cwnd = 1 SMSS (RFC 5681 3.1) */
    t->rtt_timing = false; /* Karn */
    /* go back N: resend from snd_una, one segment (cwnd = 1 MSS) */
    t->snd_nxt = t->snd_una;
    tcp_retransmit_one(t, now);
    tcp_rto_arm(t, now); /* RFC 6298 5.6 */
    return false;
}

static void s_on_persist(tcp_tcb_t *t, uint64_t now)
{
    uint32_t data_end = t->sbuf_seq + t->slen;
    if (!SEQ_LT(t->snd_nxt, data_end) || t->snd_nxt != t->snd_una || !s_can_send_data(t))
        return; /* nothing waiting, or ACKs in flight drive the sender */
    if (t->snd_wnd != 0) {
        /* RFC 1122 4.2.3.4 (4): the SWS override timeout: send what fits */
        LS_COUNT(t->st->io.counters, "tcp.tx.sws_override");
        s_output(t, now, false, true);
        return;
    }
    /* RFC 9293 3.8.6.1 / RFC 1122 4.2.2.17: probe the zero window with one
     * byte, again at exponentially increasing intervals, for as long as the
     * peer keeps answering (the probes are not retransmissions: no abort) */
    uint32_t used = s_send_at(t, t->snd_nxt, 1, now);
    LS_COUNT(t->st->io.counters, "tcp.tx.window_probe");
    t->window_probes++;
    if (used && SEQ_GT(t->snd_nxt + used, t->snd_max))
        t->snd_max = t->snd_nxt + used;
    t->persist_backoff++;
    s_persist_arm(t, now);
}

static void s_fire(tcp_tcb_t *t, uint64_t now)
{
    if (t->tw_at && t->tw_at <= now) {
        t->tw_at = 0;
        tcp_conn_closed(t, 0, now); /* 2MSL over (or orphan FIN_WAIT2 timeout) */
        return;
    }
    if (t->delack_at && t->delack_at <= now) {
        t->delack_at = 0;
        tcp_send_ack(t, now);
    }
    if (t->persist_at && t->persist_at <= now) {
        t->persist_at = 0;
        s_on_persist(t, now);
    }
    if (t->rto_at && t->rto_at <= now) {
        t->rto_at = 0;
        if (s_on_rto(t, now))
            return; /* t was freed */
    }
    tcp_timer_sync(t);
}

void tcp_poll(tcp_stack_t *self, uint64_t now)
{
    self->cur_parent = 0;
    while (self->heap_len && self->heap[0]->heap_key <= now) {
        tcp_tcb_t *t = self->heap[0];
        uint64_t key = t->heap_key;
        s_fire(t, now);
        /* safety: a TCB still on top with an unchanged key would spin */
        if (self->heap_len && self->heap[0] == t && t->heap_key == key) {
            t->rto_at = t->tw_at = t->delack_at = t->persist_at = 0;
            tcp_timer_sync(t);
        }
    }
}

/* ------------------------------------------------------------------ */
/* socket API                                                           */

int tcp_socket(tcp_stack_t *self)
{
    tcp_tcb_t *t = s_tcb_alloc(self);
    if (!t) {
        errno = ENOMEM;
        return -1;
    }
    if (s_sock_alloc(self, t) < 0) {
        s_tcb_free(t);
        return -1;
    }
    return t->sock;
}

static bool s_port_in_use(tcp_stack_t *st, const tcp_tcb_t *self, uint32_t ip, uint16_t port)
{
    for (tcp_tcb_t *t = st->all; t; t = t->anext)
        if (t != self && t->port_owner && t->lport == port && (t->lip == ip || !t->lip || !ip))
            return true;
    return false;
}

static int s_pick_ephemeral(tcp_stack_t *st, tcp_tcb_t *t)
{
    /* RFC 6056 3.3.3 (algorithm 3): offset = F(addrs, secret), then walk */
    uint32_t lo = st->cfg.eph_lo, hi = st->cfg.eph_hi;
    uint32_t num = hi >= lo ? hi - lo + 1 : 1;
    uint32_t off = s_hash4(st, 'p', t->lip, 0, t->rip, t->rport);
    for (uint32_t i = 0; i < num; i++) {
        uint16_t port = (uint16_t)(lo + (off + st->eph_next + i) % num);
        if (t->rport ? (!tcp_tcb_lookup(st, t->lip, port, t->rip, t->rport) &&
                        !tcp_listener_lookup(st, t->lip, port))
                     : !s_port_in_use(st, t, t->lip, port)) {
            st->eph_next += i + 1;
            t->lport = port;
            t->port_owner = true;
            return 0;
        }
    }
    errno = EADDRNOTAVAIL;
    return -1;
}

int tcp_bind(tcp_stack_t *self, int sock, uint32_t ip, uint16_t port)
{
    tcp_tcb_t *t = s_sock(self, sock);
    if (!t)
        return -1;
    if (t->state != TCP_CLOSED || t->lport) {
        errno = EINVAL;
        return -1;
    }
    if (port && s_port_in_use(self, t, ip, port)) {
        errno = EADDRINUSE;
        return -1;
    }
    t->lip = ip;
    t->lport = port;
    t->port_owner = port != 0;
    return 0;
}

int tcp_listen(tcp_stack_t *self, int sock, int backlog)
{
    tcp_tcb_t *t = s_sock(self, sock);
    if (!t)
        return -1;
    if (t->state == TCP_LISTEN) {
        t->backlog = backlog > 0 ? backlog : 1;
        return 0;
    }
    if (t->state != TCP_CLOSED || t->err) {
        errno = EINVAL;
        return -1;
    }
    if (!t->lport && s_pick_ephemeral(self, t) < 0)
        return -1;
    t->backlog = backlog > 0 ? backlog : 1;
    tcp_set_state(t, TCP_LISTEN, 0, "listen()");
    t->lnext = self->listeners;
    self->listeners = t;
    return 0;
}

int tcp_accept(tcp_stack_t *self, int sock, uint32_t *rip, uint16_t *rport)
{
    tcp_tcb_t *l = s_sock(self, sock);
    if (!l)
        return -1;
    if (l->state != TCP_LISTEN) {
        errno = EINVAL;
        return -1;
    }
    tcp_tcb_t *c = l->acc_head;
    if (!c) {
        errno = EAGAIN;
        return -1;
    }
    l->acc_head = c->qnext;
    if (!l->acc_head)
        l->acc_tail = NULL;
    l->n_acc--;
    c->qnext = NULL;
    c->parent = NULL;
    c->in_accq = false;
    if (s_sock_alloc(self, c) < 0) {
        tcp_send_rst(c, 0);
        s_tcb_free(c);
        return -1;
    }
    if (rip)
        *rip = c->rip;
    if (rport)
        *rport = c->rport;
    return c->sock;
}

static int s_route(tcp_stack_t *st, uint32_t dst, uint32_t *src, uint16_t *mtu)
{
    *mtu = st->cfg.default_mtu;
    if (st->io.route)
        return st->io.route(st->io.ctx, dst, src, mtu);
    return 0;
}

int tcp_connect(tcp_stack_t *self, int sock, uint32_t rip, uint16_t rport, uint64_t now)
{
    tcp_tcb_t *t = s_sock(self, sock);
    if (!t)
        return -1;
    if (t->state != TCP_CLOSED) {
        errno = t->state == TCP_SYN_SENT ? EALREADY : EISCONN;
        return -1;
    }
    if (t->err || !rport) {
        errno = EINVAL;
        return -1;
    }
    uint32_t src = 0;
    uint16_t mtu = 0;
    if (s_route(self, rip, &src, &mtu) < 0) {
        errno = ENETUNREACH;
        return -1;
    }
    if (!t->lip)
        t->lip = src;
    t->rip = rip;
    t->rport = rport;
    if (!t->lport) {
        if (s_pick_ephemeral(self, t) < 0) {
            t->rip = 0;
            t->rport = 0;
            return -1;
        }
    } else if (tcp_tcb_lookup(self, t->lip, t->lport, rip, rport)) {
        t->rip = 0;
        t->rport = 0;
        errno = EADDRINUSE;
        return -1;
    }
    if (s_tcb_buffers(t) < 0) {
        errno = ENOMEM;
        return -1;
    }
    t->rmss = (uint16_t)(mtu > 40 ? mtu - 40 : 536);
    t->smss = t->rmss < self->cfg.default_mss ? t->rmss : self->cfg.default_mss;
    if (self->cfg.window_scaling) {
        uint8_t s = 0;
        while (s < 14 && (t->rcap >> s) > 0xffff)
            s++;
        t->rcv_wscale = s;
    }
    t->iss = s_choose_iss(self, t, now);
    t->snd_una = t->iss;
    t->snd_nxt = t->iss + 1;
    t->snd_max = t->snd_nxt;
    t->sbuf_seq = t->iss + 1;
    t->recover = t->iss;
    t->rto = self->cfg.initial_rto_ns;
    s_hash_insert(t);
    tcp_set_state(t, TCP_SYN_SENT, now, "connect()");
    t->rtt_start = now;
    tcp_send_syn(t, now);
    tcp_rto_arm(t, now);
    return 0;
}

tcp_tcb_t *tcp_tcb_new_child(tcp_tcb_t *l, uint32_t lip, uint32_t rip, uint16_t rport, uint64_t now)
{
    tcp_stack_t *st = l->st;
    tcp_tcb_t *t = s_tcb_alloc(st);
    if (!t)
        return NULL;
    t->lip = lip;
    t->lport = l->lport;
    t->rip = rip;
    t->rport = rport;
    t->passive = true;
    t->parent = l;
    t->nodelay = l->nodelay;
    t->cc = l->cc;
    t->sndbuf_sz = l->sndbuf_sz;
    t->rcvbuf_sz = l->rcvbuf_sz;
    if (s_tcb_buffers(t) < 0) {
        s_tcb_free(t);
        return NULL;
    }
    uint32_t src = 0;
    uint16_t mtu = st->cfg.default_mtu;
    s_route(st, rip, &src, &mtu);
    t->rmss = (uint16_t)(mtu > 40 ? mtu - 40 : 536);
    t->iss = s_choose_iss(st, t, now);
    t->snd_una = t->iss;
    t->snd_nxt = t->iss + 1;
    t->snd_max = t->snd_nxt;
    t->sbuf_seq = t->iss + 1;
    t->recover = t->iss;
    t->rtt_start = now;
    l->n_syn++;
    s_hash_insert(t);
    return t;
}

void tcp_take_options(tcp_tcb_t *t, const tcp_repr_t *r)
{
    /* RFC 9293 3.7.1: send MSS = min(peer's MSS option or 536, our MTU - 40) */
    uint16_t peer = r->has_mss ? r->mss : t->st->cfg.default_mss;
    if (peer < 64)
        peer = 64;
    t->smss = peer < t->rmss ? peer : t->rmss;
    /* RFC 7323 2.2: scaling is on only if both sides sent the option */
    t->ws_ok = t->st->cfg.window_scaling && r->has_wscale;
    if (t->ws_ok) {
        t->snd_wscale = r->wscale > 14 ? 14 : r->wscale;
        if (t->state == TCP_LISTEN || t->passive) {
            uint8_t s = 0;
            while (s < 14 && (t->rcap >> s) > 0xffff)
                s++;
            t->rcv_wscale = s;
        }
    } else {
        t->snd_wscale = 0;
        t->rcv_wscale = 0;
    }
}

ssize_t tcp_send(tcp_stack_t *self, int sock, const void *buf, size_t len, uint64_t now)
{
    tcp_tcb_t *t = s_sock(self, sock);
    if (!t)
        return -1;
    if (t->err) {
        errno = t->err;
        return -1;
    }
    if (t->fin_queued) {
        errno = EPIPE;
        return -1;
    }
    switch (t->state) {
    case TCP_SYN_SENT: case TCP_SYN_RECV: case TCP_ESTABLISHED: case TCP_CLOSE_WAIT:
        break;
    case TCP_CLOSED: case TCP_LISTEN:
        errno = ENOTCONN;
        return -1;
    default:
        errno = EPIPE;
        return -1;
    }
    uint32_t space = t->scap - t->slen;
    if (space == 0) {
        errno = EAGAIN;
        return -1;
    }
    uint32_t n = len < space ? (uint32_t)len : space;
    if (s_ring_reserve(&t->sbuf, &t->salloc, &t->shead, t->slen, t->slen + n, t->scap) < 0) {
        errno = ENOMEM;
        return -1;
    }
    s_ring_put(t->sbuf, t->salloc, t->shead, t->slen, buf, n);
    t->slen += n;
    self->cur_parent = 0;
    tcp_output(t, now, false);
    return (ssize_t)n;
}

size_t tcp_recv_queued(tcp_stack_t *self, int sock)
{
    tcp_tcb_t *t = s_sock(self, sock);
    return t ? t->rlen : 0;
}

ssize_t tcp_recv(tcp_stack_t *self, int sock, void *buf, size_t len, uint64_t now)
{
    tcp_tcb_t *t = s_sock(self, sock);
    if (!t)
        return -1;
    if (t->rlen == 0) {
        if (t->fin_rcvd)
            return 0;
        if (t->err) {
            errno = t->err;
            return -1;
        }
        if (t->state == TCP_CLOSED || t->state == TCP_LISTEN) {
            errno = ENOTCONN;
            return -1;
        }
        errno = EAGAIN;
        return -1;
    }
    uint32_t n = len < t->rlen ? (uint32_t)len : t->rlen;
    s_ring_get(t->rbuf, t->ralloc, t->rhead, 0, buf, n);
    uint32_t old_wnd = SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
    t->rlen -= n;
    t->rhead = t->rlen ? (uint32_t)(((uint64_t)t->rhead + n) % t->ralloc) : 0;
    /* RFC 1122 4.2.3.3: send a window update once the window has opened by
     * min(RCV.BUFF/2, MSS) -- only if the peer may be limited by it (the
     * old window is below half the buffer). */
    if (t->state == TCP_ESTABLISHED || t->state == TCP_FIN_WAIT1 || t->state == TCP_FIN_WAIT2) {
        uint32_t w = tcp_rcv_window(t);
        if (w > old_wnd && old_wnd < t->rcap / 2) {
            self->cur_parent = 0;
            tcp_send_ack(t, now);
            LS_COUNT(self->io.counters, "tcp.tx.window_update");
        }
    }
    return (ssize_t)n;
}

static void s_queue_fin(tcp_tcb_t *t, uint64_t now, const char *why)
{
    if (t->fin_queued)
        return;
    t->fin_queued = true;
    t->fin_seq = t->sbuf_seq + t->slen;
    if (t->state == TCP_ESTABLISHED || t->state == TCP_SYN_RECV)
        tcp_set_state(t, TCP_FIN_WAIT1, now, why);
    else if (t->state == TCP_CLOSE_WAIT)
        tcp_set_state(t, TCP_LAST_ACK, now, why);
    t->st->cur_parent = 0;
    tcp_output(t, now, false);
}

int tcp_shutdown(tcp_stack_t *self, int sock, int how, uint64_t now)
{
    tcp_tcb_t *t = s_sock(self, sock);
    if (!t)
        return -1;
    if (how == SHUT_RD)
        return 0;
    switch (t->state) {
    case TCP_ESTABLISHED: case TCP_CLOSE_WAIT: case TCP_SYN_RECV:
        s_queue_fin(t, now, "shutdown()");
        return 0;
    case TCP_FIN_WAIT1: case TCP_FIN_WAIT2: case TCP_CLOSING: case TCP_LAST_ACK: case TCP_TIME_WAIT:
        return 0;
    default:
        errno = ENOTCONN;
        return -1;
    }
}

int tcp_close(tcp_stack_t *self, int sock, uint64_t now)
{
    tcp_tcb_t *t = s_sock(self, sock);
    if (!t)
        return -1;
    self->socks[sock] = NULL;
    if ((size_t)sock < self->sock_hint)
        self->sock_hint = (size_t)sock;
    t->sock = -1;
    t->orphan = true;
    switch (t->state) {
    case TCP_LISTEN:
        /* reset the connections nobody will accept (like Linux) */
        self->cur_parent = 0;
        for (tcp_tcb_t *c = self->all; c; c = c->anext)
            if (c->parent == t && c->in_accq)
                tcp_send_rst(c, now);
        s_tcb_free(t);
        return 0;
    case TCP_CLOSED: case TCP_SYN_SENT:
        s_tcb_free(t);
        return 0;
    default:
        break;
    }
    if (t->rlen > 0) {
        /* RFC 2525 2.17 / RFC 9293 3.10.4: closing with unread data -> RST */
        LS_COUNT(self->io.counters, "tcp.tx.rst_unread_data");
        self->cur_parent = 0;
        tcp_send_rst(t, now);
        tcp_conn_closed(t, 0, now);
        return 0;
    }
    switch (t->state) {
    case TCP_ESTABLISHED: case TCP_CLOSE_WAIT: case TCP_SYN_RECV:
        s_queue_fin(t, now, "close()");
        break;
    case TCP_FIN_WAIT2:
        t->tw_at = now + 2 * self->cfg.msl_ns;
        tcp_timer_sync(t);
        break;
    default:
        break;
    }
    return 0;
}

int tcp_abort(tcp_stack_t *self, int sock, uint64_t now)
{
    tcp_tcb_t *t = s_sock(self, sock);
    if (!t)
        return -1;
    self->cur_parent = 0;
    switch (t->state) {
    case TCP_SYN_RECV: case TCP_ESTABLISHED: case TCP_FIN_WAIT1: case TCP_FIN_WAIT2: case TCP_CLOSE_WAIT:
        /* RFC 9293 3.10.5 ABORT: send <SEQ=SND.NXT><CTL=RST> */
        tcp_send_rst(t, now);
        break;
    default:
        break;
    }
    s_tcb_free(t);
    return 0;
}

int tcp_setnodelay(tcp_stack_t *self, int sock, bool on)
{
    tcp_tcb_t *t = s_sock(self, sock);
    if (!t)
        return -1;
    t->nodelay = on;
    return 0;
}

int tcp_setbufsize(tcp_stack_t *self, int sock, uint32_t sndbuf, uint32_t rcvbuf)
{
    tcp_tcb_t *t = s_sock(self, sock);
    if (!t)
        return -1;
    if ((t->state != TCP_CLOSED && t->state != TCP_LISTEN) || t->bufs) {
        errno = EISCONN;
        return -1;
    }
    if (sndbuf)
        t->sndbuf_sz = sndbuf;
    if (rcvbuf)
        t->rcvbuf_sz = rcvbuf;
    return 0;
}

int tcp_setcc(tcp_stack_t *self, int sock, const char *name)
{
    tcp_tcb_t *t = s_sock(self, sock);
    if (!t)
        return -1;
    const tcp_cc_ops_t *cc = tcp_cc_find(name);
    if (!cc) {
        errno = ENOENT;
        return -1;
    }
    if (t->state != TCP_CLOSED && t->state != TCP_LISTEN && t->state != TCP_SYN_SENT) {
        errno = EISCONN;
        return -1;
    }
    t->cc = cc;
    return 0;
}

int tcp_getsockname(tcp_stack_t *self, int sock, uint32_t *ip, uint16_t *port)
{
    tcp_tcb_t *t = s_sock(self, sock);
    if (!t)
        return -1;
    if (ip)
        *ip = t->lip;
    if (port)
        *port = t->lport;
    return 0;
}

tcp_state_t tcp_sock_state(tcp_stack_t *self, int sock)
{
    tcp_tcb_t *t = s_sock(self, sock);
    return t ? t->state : TCP_CLOSED;
}

int tcp_sock_error(tcp_stack_t *self, int sock)
{
    tcp_tcb_t *t = s_sock(self, sock);
    return t ? t->err : EBADF;
}

static void s_info(const tcp_tcb_t *t, tcp_info_t *o)
{
    memset(o, 0, sizeof *o);
    o->sock = t->sock;
    o->lip = t->lip; o->rip = t->rip; o->lport = t->lport; o->rport = t->rport;
    o->state = t->state;
    o->state_name = tcp_state_name(t->state);
    o->iss = t->iss; o->irs = t->irs;
    o->snd_una = t->snd_una; o->snd_nxt = t->snd_nxt; o->rcv_nxt = t->rcv_nxt;
    o->snd_wnd = t->snd_wnd;
    o->rcv_wnd = SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
    o->cwnd = t->cwnd; o->ssthresh = t->ssthresh;
    o->mss = t->smss;
    o->srtt = t->srtt; o->rttvar = t->rttvar; o->rto = t->rto;
    o->retransmits = t->total_rexmit;
    o->sendq = t->slen;
    o->recvq = t->rlen;
    o->dupacks = t->dupacks;
    o->in_recovery = t->in_recovery;
    o->cc = t->cc ? t->cc->name : "";
    o->snd_wscale = t->snd_wscale;
    o->rcv_wscale = t->rcv_wscale;
    o->in_flight = t->snd_nxt - t->snd_una;
    o->window_probes = t->window_probes;
    o->nodelay = t->nodelay;
    o->buf_bytes = (size_t)t->salloc + t->ralloc;
}

int tcp_sock_info(tcp_stack_t *self, int sock, tcp_info_t *out)
{
    tcp_tcb_t *t = s_sock(self, sock);
    if (!t)
        return -1;
    s_info(t, out);
    return 0;
}

void tcp_foreach(tcp_stack_t *self, void (*fn)(const tcp_info_t *info, void *arg), void *arg)
{
    tcp_info_t info;
    for (tcp_tcb_t *t = self->all; t;) {
        tcp_tcb_t *n = t->anext; /* fn must not modify the stack */
        s_info(t, &info);
        fn(&info, arg);
        t = n;
    }
}
