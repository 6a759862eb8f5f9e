/*
 * udp_sock.c -- UDP socket table: ports, demux, receive queues, ICMP errors
 * (see udp_sock.h). Pure: no I/O, no clock.
 *
 * Call chain: transport-svc/tsvc.c -> udp_sock_open/bind/connect/sendto/
 * recvfrom/close (app requests), udp_sock_input (NET_DELIVER protocol 17:
 * udp_parse -> demux by (dst, dport) -> queue -> io.readable), and
 * udp_sock_icmp_error (NET_ICMP_ERROR quoting a UDP datagram).
 */
#include "transport-svc/udp_sock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

#define UDP_SOCK_MAX 1024
#define UDP_SOCK_MAX_DGRAM 65507 /* 65535 - 20 (IPv4) - 8 (UDP) */

typedef struct s_dgram {
    struct s_dgram *next;
    uint32_t src, dst;
    uint16_t sport;
    uint64_t pdu_id;
    size_t len;
    uint8_t data[];
} s_dgram_t;

typedef struct {
    bool used;
    uint32_t lip, rip;
    uint16_t lport, rport;
    uint8_t ttl;
    int err;                  /* pending asynchronous error (connected sockets) */
    udp_sock_icmp_t icmp;     /* last ICMP error about what this socket sent */
    bool icmp_unread;
    s_dgram_t *head, *tail;
    size_t qbytes, qcount;
} s_sock_t;

struct udp_sock {
    udp_sock_cfg_t cfg;
    udp_sock_io_t io;
    s_sock_t socks[UDP_SOCK_MAX];
    size_t count;
    uint64_t rng;             /* xorshift64 state for ephemeral ports */
    uint8_t *obuf;
};

udp_sock_cfg_t udp_sock_cfg_default(void)
{
    return (udp_sock_cfg_t){.rcvbuf = 65536, .eph_lo = 49152, .eph_hi = 65535, .seed = 1, .default_ttl = 64};
}

udp_sock_t *udp_sock_new(const udp_sock_cfg_t *cfg, const udp_sock_io_t *io)
{
    udp_sock_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->cfg = cfg ? *cfg : udp_sock_cfg_default();
    self->io = *io;
    self->rng = self->cfg.seed * 0x9e3779b97f4a7c15ull + 0x75647073ull;
    if (!self->rng)
        self->rng = 1;
    self->obuf = malloc(UDP_HDR_LEN + UDP_SOCK_MAX_DGRAM);
    if (!self->obuf) {
        free(self);
        return NULL;
    }
    return self;
}

static void s_flush(s_sock_t *s)
{
    while (s->head) {
        s_dgram_t *d = s->head;
        s->head = d->next;
        free(d);
    }
    s->tail = NULL;
    s->qbytes = s->qcount = 0;
}

void udp_sock_destroy(udp_sock_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    udp_sock_t *self = *self_p;
    for (int i = 0; i < UDP_SOCK_MAX; i++)
        s_flush(&self->socks[i]);
    free(self->obuf);
    free(self);
    *self_p = NULL;
}

static s_sock_t *s_get(udp_sock_t *self, int sock)
{
    if (sock < 0 || sock >= UDP_SOCK_MAX || !self->socks[sock].used) {
        errno = EBADF;
        return NULL;
    }
    return &self->socks[sock];
}

bool udp_sock_valid(udp_sock_t *self, int sock)
{
    return sock >= 0 && sock < UDP_SOCK_MAX && self->socks[sock].used;
}

int udp_sock_open(udp_sock_t *self)
{
    for (int i = 0; i < UDP_SOCK_MAX; i++) {
        if (!self->socks[i].used) {
            memset(&self->socks[i], 0, sizeof self->socks[i]);
            self->socks[i].used = true;
            self->socks[i].ttl = self->cfg.default_ttl;
            self->count++;
            return i;
        }
    }
    errno = EMFILE;
    return -1;
}

static bool s_port_in_use(udp_sock_t *self, int except, uint32_t ip, uint16_t port)
{
    for (int i = 0; i < UDP_SOCK_MAX; i++) {
        const s_sock_t *s = &self->socks[i];
        if (i != except && s->used && s->lport == port && (s->lip == ip || !s->lip || !ip))
            return true;
    }
    return false;
}

static uint64_t s_rand(udp_sock_t *self)
{
    uint64_t x = self->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    self->rng = x;
    return x;
}

static int s_ephemeral(udp_sock_t *self, int sock, uint32_t ip)
{
    /* RFC 6056 3.3.1: a random start, then a linear walk */
    uint32_t lo = self->cfg.eph_lo, hi = self->cfg.eph_hi;
    uint32_t num = hi >= lo ? hi - lo + 1 : 1;
    uint32_t off = (uint32_t)(s_rand(self) % num);
    for (uint32_t i = 0; i < num; i++) {
        uint16_t port = (uint16_t)(lo + (off + i) % num);
        if (!s_port_in_use(self, sock, ip, port)) {
            self->socks[sock].lport = port;
            return 0;
        }
    }
    errno = EADDRNOTAVAIL;
    return -1;
}

int udp_sock_bind(udp_sock_t *self, int sock, uint32_t ip, uint16_t port)
{
    s_sock_t *s = s_get(self, sock);
    if (!s)
        return -1;
    if (s->lport) {
        errno = EINVAL;
        return -1;
    }
    if (port && s_port_in_use(self, sock, ip, port)) {
        errno = EADDRINUSE;
        return -1;
    }
    s->lip = ip;
    if (!port)
        return s_ephemeral(self, sock, ip);
    s->lport = port;
    return 0;
}

int udp_sock_connect(udp_sock_t *self, int sock, uint32_t rip, uint16_t rport, uint32_t src)
{
    s_sock_t *s = s_get(self, sock);
    if (!s)
        return -1;
    if (!rip && !rport) { /* AF_UNSPEC-like: dissolve the association */
        s->rip = 0;
        s->rport = 0;
        return 0;
    }
    if (!rport) {
        errno = EINVAL;
        return -1;
    }
    if (!s->lport && s_ephemeral(self, sock, 0) < 0)
        return -1;
    if (!s->lip)
        s->lip = src;
    s->rip = rip;
    s->rport = rport;
    s->err = 0;
    return 0;
}

ssize_t udp_sock_sendto(udp_sock_t *self, int sock, const void *buf, size_t len, uint32_t dst, uint16_t dport,
                        uint32_t src, const uint64_t *parents, size_t np)
{
    s_sock_t *s = s_get(self, sock);
    if (!s)
        return -1;
    if (!dst) {
        if (!s->rport) {
            errno = EDESTADDRREQ;
            return -1;
        }
        dst = s->rip;
        dport = s->rport;
    }
    if (!dport) {
        errno = EINVAL;
        return -1;
    }
    if (len > UDP_SOCK_MAX_DGRAM) {
        errno = EMSGSIZE;
        return -1;
    }
    if (s->rport && s->err) { /* Linux: a pending error fails the next send too */
        errno = s->err;
        s->err = 0;
        return -1;
    }
    if (!s->lport && s_ephemeral(self, sock, 0) < 0)
        return -1;
    uint32_t from = s->lip ? s->lip : src;
    udp_repr_t r = {.sport = s->lport, .dport = dport, .payload = buf, .payload_len = len};
    int n = udp_emit(&r, from, dst, self->obuf, UDP_HDR_LEN + UDP_SOCK_MAX_DGRAM);
    if (n < 0) {
        errno = EMSGSIZE;
        return -1;
    }
    uint64_t id = self->io.new_pdu_id ? self->io.new_pdu_id(self->io.ctx) : 0;
    LS_COUNT(self->io.counters, "udp.tx.datagrams");
    self->io.output(self->io.ctx, from, dst, s->ttl, self->obuf, (size_t)n, id, parents, np);
    return (ssize_t)len;
}

ssize_t udp_sock_recvfrom(udp_sock_t *self, int sock, void *buf, size_t len, uint32_t *ip, uint16_t *port)
{
    udp_sock_meta_t m;
    ssize_t n = udp_sock_recvmsg(self, sock, buf, len, &m);
    if (n >= 0 && ip)
        *ip = m.src;
    if (n >= 0 && port)
        *port = m.sport;
    return n;
}

ssize_t udp_sock_recvmsg(udp_sock_t *self, int sock, void *buf, size_t len, udp_sock_meta_t *meta)
{
    s_sock_t *s = s_get(self, sock);
    if (!s)
        return -1;
    if (s->err) {
        errno = s->err;
        s->err = 0;
        return -1;
    }
    s_dgram_t *d = s->head;
    if (!d) {
        errno = EAGAIN;
        return -1;
    }
    s->head = d->next;
    if (!s->head)
        s->tail = NULL;
    s->qbytes -= d->len;
    s->qcount--;
    size_t n = d->len < len ? d->len : len;
    if (n)
        memcpy(buf, d->data, n);
    *meta = (udp_sock_meta_t){.src = d->src, .dst = d->dst, .sport = d->sport, .len = d->len, .pdu_id = d->pdu_id};
    free(d);
    return (ssize_t)n;
}

int udp_sock_close(udp_sock_t *self, int sock)
{
    s_sock_t *s = s_get(self, sock);
    if (!s)
        return -1;
    s_flush(s);
    memset(s, 0, sizeof *s);
    self->count--;
    return 0;
}

int udp_sock_set_ttl(udp_sock_t *self, int sock, int ttl)
{
    s_sock_t *s = s_get(self, sock);
    if (!s)
        return -1;
    if (ttl < 1 || ttl > 255) {
        errno = EINVAL;
        return -1;
    }
    s->ttl = (uint8_t)ttl;
    return 0;
}

int udp_sock_getsockname(udp_sock_t *self, int sock, uint32_t *ip, uint16_t *port)
{
    s_sock_t *s = s_get(self, sock);
    if (!s)
        return -1;
    *ip = s->lip;
    *port = s->lport;
    return 0;
}

int udp_sock_getpeername(udp_sock_t *self, int sock, uint32_t *ip, uint16_t *port)
{
    s_sock_t *s = s_get(self, sock);
    if (!s)
        return -1;
    if (!s->rport) {
        errno = ENOTCONN;
        return -1;
    }
    *ip = s->rip;
    *port = s->rport;
    return 0;
}

bool udp_sock_readable(udp_sock_t *self, int sock)
{
    s_sock_t *s = s_get(self, sock);
    return s && (s->head || s->err);
}

/* Best match for (dst, dport, src, sport): a connected socket beats a bound
 * one, a specific address beats the wildcard. */
static int s_lookup(udp_sock_t *self, uint32_t dst, uint16_t dport, uint32_t src, uint16_t sport)
{
    int best = -1, best_score = -1;
    for (int i = 0; i < UDP_SOCK_MAX; i++) {
        const s_sock_t *s = &self->socks[i];
        if (!s->used || s->lport != dport)
            continue;
        if (s->lip && s->lip != dst)
            continue;
        if (s->rport && (s->rip != src || s->rport != sport))
            continue;
        int score = (s->lip ? 1 : 0) + (s->rport ? 2 : 0);
        if (score > best_score) {
            best = i;
            best_score = score;
        }
    }
    return best;
}

udp_sock_verdict_t udp_sock_input(udp_sock_t *self, uint32_t src, uint32_t dst, const uint8_t *dgram, size_t len,
                                  uint64_t pdu_id, uint64_t now)
{
    udp_repr_t r;
    int rc = udp_parse(dgram, len, src, dst, &r);
    ls_logev_t ev = {.now_ns = now, .layer = "transport", .dir = "up", .pdu = pdu_id};
    if (rc != UDP_PARSE_OK) {
        /* RFC 1122 4.1.3.4: a datagram whose checksum fails MUST be silently discarded;
         * RFC 768: a length below the header is malformed */
        char name[48];
        snprintf(name, sizeof name, "udp.drop.%s",
                 rc == UDP_PARSE_BAD_CHECKSUM ? "bad_checksum" : rc == UDP_PARSE_BAD_LENGTH ? "bad_length" : "truncated");
        ls_drop(self->io.log, self->io.counters, &ev, name, "UDP %s (%zu bytes)", udp_reason_str(rc), len);
        return UDP_SOCK_DROPPED;
    }
    int sock = s_lookup(self, dst, r.dport, src, r.sport);
    if (sock < 0) {
        LS_COUNT(self->io.counters, "udp.rx.no_port");
        ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = now, .layer = "transport", .dir = "up",
                 .ev = "demux", .pdu = pdu_id}, "dport %u -> no socket (port unreachable)", r.dport);
        return UDP_SOCK_NO_PORT;
    }
    ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = now, .layer = "transport", .dir = "up",
             .ev = "demux", .pdu = pdu_id}, "dport %u -> socket %d", r.dport,
             self->io.sock_label ? self->io.sock_label(self->io.ctx, sock) : sock);
    s_sock_t *s = &self->socks[sock];
    if (s->qbytes + r.payload_len > self->cfg.rcvbuf) {
        ls_drop(self->io.log, self->io.counters, &ev, "udp.drop.rcvbuf_full",
                "socket %d receive queue full (%zu bytes queued)", sock, s->qbytes);
        return UDP_SOCK_DROPPED;
    }
    s_dgram_t *d = malloc(sizeof *d + (r.payload_len ? r.payload_len : 1));
    if (!d) {
        ls_drop(self->io.log, self->io.counters, &ev, "udp.drop.nomem", "no memory for %zu bytes", r.payload_len);
        return UDP_SOCK_DROPPED;
    }
    d->next = NULL;
    d->src = src;
    d->dst = dst;
    d->sport = r.sport;
    d->pdu_id = pdu_id;
    d->len = r.payload_len;
    if (r.payload_len)
        memcpy(d->data, r.payload, r.payload_len);
    if (s->tail)
        s->tail->next = d;
    else
        s->head = d;
    s->tail = d;
    s->qbytes += d->len;
    s->qcount++;
    LS_COUNT(self->io.counters, "udp.rx.datagrams");
    if (self->io.readable)
        self->io.readable(self->io.ctx, sock);
    return UDP_SOCK_DELIVERED;
}

int udp_sock_icmp_errno(uint8_t type, uint8_t code)
{
    if (type == ICMP_TIME_EXCEEDED)
        return EHOSTUNREACH;
    if (type != ICMP_DEST_UNREACH)
        return 0;
    switch (code) {
    case ICMP_UNREACH_NET: return ENETUNREACH;
    case ICMP_UNREACH_HOST: return EHOSTUNREACH;
    case ICMP_UNREACH_PROTOCOL: return ENOPROTOOPT;
    case ICMP_UNREACH_PORT: return ECONNREFUSED;
    case ICMP_UNREACH_NEEDFRAG: return EMSGSIZE;
    default: return EHOSTUNREACH;
    }
}

int udp_sock_icmp_error(udp_sock_t *self, uint8_t type, uint8_t code, uint32_t reporter, const uint8_t *quoted,
                        size_t len)
{
    ipv4_repr_t ip;
    /* the quote may be cut short after 8 payload bytes: take the header fields
     * only, without insisting on the quoted total length */
    if (len < IP4_HDR_MIN || (rd_u8(quoted + IP4_OFF_VER_IHL) >> 4) != 4) {
        LS_COUNT(self->io.counters, "udp.drop.icmp_bad_quote");
        return -1;
    }
    memset(&ip, 0, sizeof ip);
    ip.hdr_len = (uint8_t)((rd_u8(quoted + IP4_OFF_VER_IHL) & 0x0f) * 4);
    ip.proto = rd_u8(quoted + IP4_OFF_PROTO);
    ip.src = rd_be32(quoted + IP4_OFF_SRC);
    ip.dst = rd_be32(quoted + IP4_OFF_DST);
    if (ip.hdr_len < IP4_HDR_MIN || len < (size_t)ip.hdr_len + 8 || ip.proto != UDP_PROTO) {
        LS_COUNT(self->io.counters, "udp.drop.icmp_bad_quote");
        return -1;
    }
    const uint8_t *u = quoted + ip.hdr_len;
    uint16_t sport = rd_be16(u + UDP_OFF_SPORT), dport = rd_be16(u + UDP_OFF_DPORT);
    int best = -1;
    for (int i = 0; i < UDP_SOCK_MAX && best < 0; i++) {
        const s_sock_t *s = &self->socks[i];
        if (s->used && s->lport == sport && (!s->lip || s->lip == ip.src))
            if (!s->rport || (s->rip == ip.dst && s->rport == dport))
                best = i;
    }
    if (best < 0) {
        LS_COUNT(self->io.counters, "udp.drop.icmp_no_socket");
        return -1;
    }
    s_sock_t *s = &self->socks[best];
    s->icmp = (udp_sock_icmp_t){.count = s->icmp.count + 1, .type = type, .code = code, .from = reporter,
                                .dst = ip.dst, .dport = dport};
    s->icmp_unread = true;
    int err = udp_sock_icmp_errno(type, code);
    /* RFC 1122 4.1.3.3: UDP MUST pass ICMP errors up; like Linux, only a
     * connected socket sees them as an error on its next call */
    if (s->rport && err) {
        s->err = err;
        LS_COUNT(self->io.counters, "udp.rx.icmp_error");
        if (self->io.readable)
            self->io.readable(self->io.ctx, best);
    } else {
        LS_COUNT(self->io.counters, "udp.rx.icmp_recorded");
        if (self->io.readable)
            self->io.readable(self->io.ctx, best);
    }
    return best;
}

int udp_sock_last_icmp(udp_sock_t *self, int sock, udp_sock_icmp_t *out)
{
    s_sock_t *s = s_get(self, sock);
    if (!s)
        return -1;
    *out = s->icmp;
    s->icmp_unread = false;
    return 0;
}

bool udp_sock_icmp_unread(udp_sock_t *self, int sock)
{
    s_sock_t *s = s_get(self, sock);
    return s && s->icmp_unread;
}

void udp_sock_foreach(udp_sock_t *self, void (*fn)(const udp_sock_info_t *info, void *arg), void *arg)
{
    for (int i = 0; i < UDP_SOCK_MAX; i++) {
        const s_sock_t *s = &self->socks[i];
        if (!s->used)
            continue;
        udp_sock_info_t in = {.sock = i, .lip = s->lip, .rip = s->rip, .lport = s->lport, .rport = s->rport,
                              .recvq = s->qbytes, .ndgrams = s->qcount};
        fn(&in, arg);
    }
}

size_t udp_sock_count(const udp_sock_t *self) { return self->count; }
