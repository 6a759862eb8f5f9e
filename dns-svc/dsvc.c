/*
 * dsvc.c -- dns-svc's core (see dsvc.h and dsvc_int.h for the files): the
 * sockets dns-svc holds on its transport-svc's pipe, the queries the stub
 * and the resolver send from their own sockets, and time.
 *
 * Call chain:
 *   down: stub / resolver io.send -> s_cli_send -> OPEN (UDP, the query's
 *         random port) + SEND | CONNECT + SEND (TCP, a 2-byte length
 *         prefix, RFC 7766 8) -> dsvc_op -> io.transport_send
 *   up:   dsvc_transport_rx -> s_event -> the socket table decides:
 *         port 53 -> dsvc_server_query / dsvc_tcp_frames -> dsvc_server_tcp;
 *         a query's socket -> stub_response / resolver_response (their
 *         dnsq_match is the demux decision); ERROR / CLOSED -> *_failed
 *   time: dsvc_poll -> stub_poll, resolver_poll, idle connections, HELLO
 *         (transport-svc answers with its own: a new instance means it
 *         restarted, so port 53 is opened again)
 */
#include "dns-svc/dsvc_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "runtime/pipe.h"

dsvc_cfg_t dsvc_cfg_default(void)
{
    return (dsvc_cfg_t){.stub = stub_cfg_default(), .resolver = resolver_cfg_default(),
                        .tcp_idle_ns = 10000000000ull, .hello_ns = 2000000000ull};
}

static uint64_t s_pdu_id(dsvc_t *self) { return self->io.new_pdu_id ? self->io.new_pdu_id(self->io.ctx) : 0; }

/* ---- sockets ---- */

dsvc_sock_t *dsvc_sock_find(dsvc_t *self, uint32_t id)
{
    for (size_t i = 0; i < self->nsocks; i++)
        if (self->socks[i].kind != SK_FREE && self->socks[i].id == id)
            return &self->socks[i];
    return NULL;
}

dsvc_sock_t *dsvc_sock_add(dsvc_t *self, uint32_t id, int kind)
{
    dsvc_sock_t *s = NULL;
    for (size_t i = 0; i < self->nsocks && !s; i++)
        if (self->socks[i].kind == SK_FREE)
            s = &self->socks[i];
    if (!s) {
        if (self->nsocks == self->socks_cap) {
            size_t nc = self->socks_cap ? self->socks_cap * 2 : 32;
            dsvc_sock_t *n = realloc(self->socks, nc * sizeof *n);
            if (!n)
                return NULL;
            self->socks = n;
            self->socks_cap = nc;
        }
        s = &self->socks[self->nsocks++];
    }
    *s = (dsvc_sock_t){.id = id, .kind = kind, .last_active = self->now};
    return s;
}

void dsvc_sock_free(dsvc_t *self, dsvc_sock_t *s)
{
    free(s->rx);
    memset(s, 0, sizeof *s);
}

static uint32_t s_new_id(dsvc_t *self)
{
    for (;;) {
        uint32_t id = self->next_sock++;
        if (self->next_sock >= 0x80000000u)
            self->next_sock = DSVC_SOCK_FIRST;
        if (!dsvc_sock_find(self, id))
            return id;
    }
}

uint64_t dsvc_op(dsvc_t *self, const Ls__SockOp *op, const uint8_t *pdu, size_t len, uint64_t parent)
{
    Ls__Envelope env;
    uint64_t id = s_pdu_id(self);
    ls_env_setup(&env, LS__KIND__SOCK_OP, id, parent ? &parent : NULL, parent ? 1 : 0, pdu, len);
    env.sock_op = (Ls__SockOp *)op;
    return self->io.transport_send(self->io.ctx, &env) == 0 ? id : 0;
}

static Ls__SockOp s_op(uint32_t sock, Ls__SockOp__Op op, uint32_t proto)
{
    Ls__SockOp o = LS__SOCK_OP__INIT;
    o.sock = sock;
    o.op = op;
    if (proto) {
        o.has_protocol = 1;
        o.protocol = proto;
    }
    return o;
}

static void s_close(dsvc_t *self, dsvc_sock_t *s)
{
    Ls__SockOp o = s_op(s->id, LS__SOCK_OP__OP__CLOSE, 0);
    dsvc_op(self, &o, NULL, 0, 0);
    dsvc_sock_free(self, s);
}

uint64_t dsvc_send_msg(dsvc_t *self, dsvc_sock_t *s, uint32_t addr, uint16_t port, const uint8_t *msg, size_t len,
                       uint64_t parent, const char *why)
{
    bool tcp = s->kind == SK_SRV_CONN || s->kind == SK_CLI_TCP;
    Ls__SockOp o = s_op(s->id, LS__SOCK_OP__OP__SEND, tcp ? 6 : 17);
    o.has_local_addr = o.has_local_port = o.has_remote_addr = o.has_remote_port = 1;
    o.local_addr = s->laddr ? s->laddr : self->cfg.addr;
    o.local_port = s->lport;
    o.remote_addr = addr;
    o.remote_port = port;
    const uint8_t *pdu = msg;
    size_t plen = len;
    if (tcp) {
        /* RFC 7766 8: every message on a TCP connection has a 2-byte length prefix */
        memmove(self->buf + 2, msg, len);
        wr_be16(self->buf, (uint16_t)len);
        pdu = self->buf;
        plen = len + 2;
        o.has_stream_off = 1;
        o.stream_off = s->tx_off;
        s->tx_off += plen;
    }
    uint64_t id = s_pdu_id(self);
    if (ls_log_on(self->io.log, LS_LOG_PDU)) {
        char sum[400], a[16];
        if (dns_parse(msg, len, self->m) == DNS_OK)
            dns_summary(self->m, len, sum, sizeof sum);
        else
            snprintf(sum, sizeof sum, "%zu bytes", len);
        ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = self->now, .layer = "dns", .dir = "down",
                 .ev = "encap", .pdu = id, .parents = parent ? &parent : NULL, .nparents = parent ? 1 : 0},
                 "%s -> %s %s.%u%s (sock %u%s%s)", sum, tcp ? "TCP" : "UDP", ip4_fmt(addr, a), port,
                 tcp ? ", 2-byte length prefix" : "", s->id, why ? ", " : "", why ? why : "");
    }
    Ls__Envelope env;
    ls_env_setup(&env, LS__KIND__SOCK_OP, id, parent ? &parent : NULL, parent ? 1 : 0, pdu, plen);
    env.sock_op = &o;
    if (self->io.transport_send(self->io.ctx, &env) < 0)
        return 0;
    LS_COUNT(self->io.counters, tcp ? "dns.tx.tcp" : "dns.tx.udp");
    return id;
}

void dsvc_log_decap(dsvc_t *self, const dsvc_sock_t *s, uint32_t from, uint16_t port, const uint8_t *msg, size_t len,
                    uint64_t pdu, uint64_t parent)
{
    if (!ls_log_on(self->io.log, LS_LOG_PDU))
        return; /* not a drop: only the log line is skipped */
    char sum[400], a[16];
    int rc = dns_parse(msg, len, self->m);
    if (rc == DNS_OK)
        dns_summary(self->m, len, sum, sizeof sum);
    else
        snprintf(sum, sizeof sum, "%zu bytes, malformed: %s", len, dns_reason_str(rc));
    ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = self->now, .layer = "dns", .dir = "up", .ev = "decap",
             .pdu = pdu, .parents = parent ? &parent : NULL, .nparents = parent ? 1 : 0}, "%s.%u > sock %u: %s",
             ip4_fmt(from, a), port, s->id, sum);
}

int dsvc_tcp_frames(dsvc_t *self, dsvc_sock_t *s, const uint8_t *data, size_t len,
                    void (*fn)(dsvc_t *self, dsvc_sock_t *s, const uint8_t *msg, size_t len, uint64_t pdu),
                    uint64_t pdu)
{
    if (s->rxlen + len > DSVC_RX_MAX) {
        ls_drop(self->io.log, self->io.counters, &(ls_logev_t){.now_ns = self->now, .layer = "dns", .dir = "up",
                .pdu = pdu}, "dns.drop.tcp_overflow", "sock %u: more than one message's worth of stream bytes",
                s->id);
        return -1;
    }
    uint8_t *nb = realloc(s->rx, s->rxlen + len ? s->rxlen + len : 1);
    if (!nb) {
        ls_drop(self->io.log, self->io.counters, &(ls_logev_t){.now_ns = self->now, .layer = "dns", .dir = "up",
                .pdu = pdu}, "dns.drop.nomem", "sock %u: no memory for %zu stream bytes", s->id, len);
        return -1;
    }
    s->rx = nb;
    memcpy(s->rx + s->rxlen, data, len);
    s->rxlen += len;
    uint32_t id = s->id;
    while (s->rxlen >= 2) {
        size_t mlen = rd_be16(s->rx);
        if (s->rxlen < 2 + mlen)
            break;
        /* hand a copy out: fn may send on s, or close it */
        uint8_t *one = malloc(mlen ? mlen : 1);
        if (!one) {
            ls_drop(self->io.log, self->io.counters, &(ls_logev_t){.now_ns = self->now, .layer = "dns", .dir = "up",
                    .pdu = pdu}, "dns.drop.nomem", "sock %u: no memory for a %zu-byte message", s->id, mlen);
            return -1;
        }
        memcpy(one, s->rx + 2, mlen);
        memmove(s->rx, s->rx + 2 + mlen, s->rxlen - 2 - mlen);
        s->rxlen -= 2 + mlen;
        fn(self, s, one, mlen, pdu);
        free(one);
        if (!(s = dsvc_sock_find(self, id)))
            return 0; /* fn closed it (the table may also have moved) */
    }
    return 0;
}

/* ---- the queries of the stub and the resolver ---- */

static dsvc_sock_t *s_cli_find(dsvc_t *self, int owner, uint32_t handle)
{
    for (size_t i = 0; i < self->nsocks; i++) {
        dsvc_sock_t *s = &self->socks[i];
        if ((s->kind == SK_CLI_UDP || s->kind == SK_CLI_TCP) && s->owner == owner && s->handle == handle)
            return s;
    }
    return NULL;
}

static int s_cli_send(dsvc_t *self, int owner, uint32_t handle, uint32_t server, uint16_t sport, bool tcp,
                      const uint8_t *msg, size_t len, uint64_t parent)
{
    dsvc_sock_t *s = dsvc_sock_add(self, s_new_id(self), tcp ? SK_CLI_TCP : SK_CLI_UDP);
    if (!s)
        return -1;
    s->owner = owner;
    s->handle = handle;
    s->raddr = server;
    s->rport = DNS_PORT;
    s->lport = sport;
    Ls__SockOp o = s_op(s->id, tcp ? LS__SOCK_OP__OP__CONNECT : LS__SOCK_OP__OP__OPEN, tcp ? 6 : 17);
    if (tcp) {
        o.has_remote_addr = o.has_remote_port = 1;
        o.remote_addr = server;
        o.remote_port = DNS_PORT;
    } else {
        o.has_local_port = 1;
        o.local_port = sport;
    }
    /* the SEND follows at once: transport-svc takes ops in order (and holds TCP bytes until connected) */
    if (!dsvc_op(self, &o, NULL, 0, parent) ||
        !dsvc_send_msg(self, s, server, DNS_PORT, msg, len, parent, owner == OWN_STUB ? "stub" : "resolver")) {
        dsvc_sock_free(self, s);
        return -1;
    }
    return 0;
}

static int s_stub_send(void *ctx, uint32_t handle, uint32_t server, uint16_t sport, bool tcp, const uint8_t *msg,
                       size_t len, uint64_t parent)
{
    return s_cli_send(ctx, OWN_STUB, handle, server, sport, tcp, msg, len, parent);
}

static int s_res_send(void *ctx, uint32_t handle, uint32_t server, uint16_t sport, bool tcp, const uint8_t *msg,
                      size_t len, uint64_t parent)
{
    return s_cli_send(ctx, OWN_RESOLVER, handle, server, sport, tcp, msg, len, parent);
}

static void s_cli_cancel(dsvc_t *self, int owner, uint32_t handle)
{
    dsvc_sock_t *s = s_cli_find(self, owner, handle);
    if (s)
        s_close(self, s);
}

static void s_stub_cancel(void *ctx, uint32_t handle) { s_cli_cancel(ctx, OWN_STUB, handle); }
static void s_res_cancel(void *ctx, uint32_t handle) { s_cli_cancel(ctx, OWN_RESOLVER, handle); }

/* A message on a query's socket: the owner's dnsq_match decides (and may close s). */
static void s_cli_msg(dsvc_t *self, const dsvc_sock_t *s, uint32_t from, uint16_t port, const uint8_t *msg,
                      size_t len, uint64_t pdu)
{
    uint32_t handle = s->handle;
    if (s->owner == OWN_STUB)
        stub_response(self->stub, handle, from, port, msg, len, pdu, self->now);
    else if (self->res)
        resolver_response(self->res, handle, from, port, msg, len, pdu, self->now);
}

static void s_cli_tcp_msg(dsvc_t *self, dsvc_sock_t *s, const uint8_t *msg, size_t len, uint64_t pdu)
{
    s_cli_msg(self, s, s->raddr, s->rport, msg, len, pdu);
}

static void s_cli_failed(dsvc_t *self, dsvc_sock_t *s, int err)
{
    int owner = s->owner;
    uint32_t handle = s->handle;
    if (owner == OWN_STUB)
        stub_failed(self->stub, handle, err ? err : EPIPE, self->now);
    else if (self->res)
        resolver_failed(self->res, handle, err ? err : EPIPE, self->now);
}

void dsvc_check_ready(dsvc_t *self)
{
    if (self->ready_sent || !self->transport_instance)
        return;
    if (dsvc_serves(self)) {
        dsvc_sock_t *u = dsvc_sock_find(self, DSVC_SOCK_SRV_UDP), *t = dsvc_sock_find(self, DSVC_SOCK_SRV_TCP);
        if (!u || !t || !u->lport || !t->lport || !u->laddr_known || !t->laddr_known)
            return;
    }
    self->ready_sent = true;
    if (self->io.ready)
        self->io.ready(self->io.ctx);
}

/* ---- events from transport-svc ---- */

static void s_event(dsvc_t *self, const Ls__Envelope *env)
{
    const Ls__SockEvent *e = env->sock_event;
    ls_logev_t drop = {.now_ns = self->now, .layer = "dns", .dir = "up", .pdu = env->pdu_id};
    dsvc_sock_t *s = dsvc_sock_find(self, e->sock);
    if (e->ev == LS__SOCK_EVENT__EV__ACCEPTED) {
        dsvc_sock_t *c = dsvc_sock_add(self, e->sock, SK_SRV_CONN);
        if (!c) {
            LS_COUNT(self->io.counters, "dns.drop.nomem");
            return;
        }
        c->raddr = e->remote_addr;
        c->rport = (uint16_t)e->remote_port;
        c->laddr = e->local_addr;
        c->lport = (uint16_t)e->local_port;
        LS_COUNT(self->io.counters, "dns.server.tcp_accepted");
        return;
    }
    if (!s) {
        /* a socket we already closed: late data or events are harmless */
        ls_drop(self->io.log, self->io.counters, &drop, "dns.drop.no_sock", "%s for sock %u, which is closed",
                e->ev == LS__SOCK_EVENT__EV__DATA ? "data" : "an event", e->sock);
        return;
    }
    s->last_active = self->now;
    switch (e->ev) {
    case LS__SOCK_EVENT__EV__OPENED:
        s->laddr = e->local_addr;
        s->lport = (uint16_t)e->local_port;
        s->laddr_known = true;
        if (s->kind == SK_SRV_UDP || s->kind == SK_SRV_LISTEN) {
            ls_logf(self->io.log, LS_LOG_INFO, "listening on %s port %u", s->kind == SK_SRV_UDP ? "UDP" : "TCP",
                    s->lport);
            dsvc_check_ready(self);
        }
        return;
    case LS__SOCK_EVENT__EV__CONNECTED:
        s->laddr = e->local_addr;
        s->lport = (uint16_t)e->local_port;
        return;
    case LS__SOCK_EVENT__EV__DATA: {
        const uint8_t *p = env->pdu.data;
        size_t len = env->pdu.len;
        uint64_t id = s_pdu_id(self);
        LS_COUNT(self->io.counters, s->kind == SK_CLI_TCP || s->kind == SK_SRV_CONN ? "dns.rx.tcp" : "dns.rx.udp");
        if (s->kind == SK_SRV_UDP) {
            dsvc_log_decap(self, s, e->remote_addr, (uint16_t)e->remote_port, p, len, id, env->pdu_id);
            dsvc_server_query(self, s, e->remote_addr, (uint16_t)e->remote_port, p, len, id);
        } else if (s->kind == SK_CLI_UDP) {
            dsvc_log_decap(self, s, e->remote_addr, (uint16_t)e->remote_port, p, len, id, env->pdu_id);
            /* the source as transport saw it: dnsq_match compares it with the server asked */
            s_cli_msg(self, s, e->remote_addr, (uint16_t)e->remote_port, p, len, id);
        } else if (s->kind == SK_CLI_TCP || s->kind == SK_SRV_CONN) {
            dsvc_log_decap(self, s, e->remote_addr, (uint16_t)e->remote_port, p, len, id, env->pdu_id);
            if (dsvc_tcp_frames(self, s, p, len, s->kind == SK_SRV_CONN ? dsvc_server_tcp : s_cli_tcp_msg, id) < 0 &&
                (s = dsvc_sock_find(self, e->sock)) != NULL) {
                if (s->kind == SK_CLI_TCP)
                    s_cli_failed(self, s, EPROTO);
                else if ((s = dsvc_sock_find(self, e->sock)) != NULL)
                    s_close(self, s);
            }
        } else {
            ls_drop(self->io.log, self->io.counters, &drop, "dns.drop.data_on_listener", "data on sock %u", s->id);
        }
        return;
    }
    case LS__SOCK_EVENT__EV__CLOSED:
    case LS__SOCK_EVENT__EV__ERROR: {
        int err = e->has_error ? e->error : 0;
        bool async = e->ev == LS__SOCK_EVENT__EV__ERROR && (!e->has_op || e->op == LS__SOCK_OP__OP__OP_NONE);
        if (async && (s->kind == SK_SRV_UDP || s->kind == SK_SRV_LISTEN)) {
            /* an ICMP error about something port 53 sent (a client that went away, or a
             * forged source): the socket stays, as a kernel's does */
            char a[16];
            LS_COUNT(self->io.counters, "dns.server.icmp_error");
            ls_logev(self->io.log, LS_LOG_INFO, &(ls_logev_t){.now_ns = self->now, .layer = "dns", .dir = "up",
                     .ev = "error", .pdu = env->pdu_id}, "port 53: %s from the network about %s.%u",
                     strerror(err), ip4_fmt(e->remote_addr, a), e->remote_port);
            return;
        }
        if (s->kind == SK_CLI_UDP || s->kind == SK_CLI_TCP) {
            if (e->ev == LS__SOCK_EVENT__EV__CLOSED && !err)
                err = ECONNRESET; /* the server closed before answering */
            s_cli_failed(self, s, err); /* the owner cancels: that closes the socket */
            return; /* not a drop: the event is consumed by the query's owner */
        }
        if (s->kind == SK_SRV_CONN) {
            dsvc_server_forget(self, s->id);
            if (e->ev == LS__SOCK_EVENT__EV__CLOSED && !err)
                s_close(self, s); /* the client's FIN: close our side too */
            else
                dsvc_sock_free(self, s);
            return; /* not a drop: the event ends the server connection */
        }
        ls_logev(self->io.log, LS_LOG_ERROR, &(ls_logev_t){.now_ns = self->now, .layer = "dns", .ev = "error"},
                 "port 53 (%s): %s; retrying when transport-svc answers the next HELLO",
                 s->kind == SK_SRV_UDP ? "UDP" : "TCP", strerror(err));
        LS_COUNT(self->io.counters, "dns.server.open_failed");
        dsvc_sock_free(self, s);
        self->transport_instance = 0; /* reopen at the next HELLO answer */
        return;
    }
    default:
        return;
    }
}

static void s_hello(dsvc_t *self, const Ls__Hello *h)
{
    if (h->instance == self->transport_instance)
        return;
    bool restarted = self->transport_instance != 0;
    self->transport_instance = h->instance;
    if (restarted) {
        /* its sockets are gone: every query in flight fails over, port 53 reopens */
        ls_logf(self->io.log, LS_LOG_INFO, "%s restarted (instance %08x): sockets opened again", h->service,
                h->instance);
        LS_COUNT(self->io.counters, "dns.transport_restart");
        size_t n = self->nsocks;
        uint32_t *ids = calloc(n ? n : 1, sizeof *ids);
        for (size_t i = 0; ids && i < n; i++)
            ids[i] = self->socks[i].kind != SK_FREE ? self->socks[i].id : 0;
        for (size_t i = 0; ids && i < n; i++) {
            dsvc_sock_t *s = ids[i] ? dsvc_sock_find(self, ids[i]) : NULL;
            if (!s)
                continue;
            if (s->kind == SK_CLI_UDP || s->kind == SK_CLI_TCP) {
                s_cli_failed(self, s, ECONNRESET); /* the owner's retry gets a new socket */
            } else {
                if (s->kind == SK_SRV_CONN)
                    dsvc_server_forget(self, s->id);
                dsvc_sock_free(self, s);
            }
        }
        free(ids);
    }
    dsvc_server_open(self);
    dsvc_check_ready(self);
}

void dsvc_transport_rx(dsvc_t *self, const Ls__Envelope *env, uint64_t now)
{
    self->now = now;
    if (env->kind == LS__KIND__SOCK_EVENT)
        s_event(self, env);
    else if (env->kind == LS__KIND__HELLO && env->hello)
        s_hello(self, env->hello);
    else
        ls_drop(self->io.log, self->io.counters,
                &(ls_logev_t){.now_ns = now, .layer = "dns", .dir = "up", .pdu = env->pdu_id},
                "dns.drop.unexpected_kind", "envelope kind %s is not for dns-svc", ls_kind_str(env->kind));
}

/* ---- time ---- */

static void s_send_hello(dsvc_t *self)
{
    Ls__Envelope env;
    Ls__Hello h = LS__HELLO__INIT;
    char name[96];
    snprintf(name, sizeof name, "%s-dns", self->cfg.host ? self->cfg.host : "?");
    h.service = name;
    uint64_t id = s_pdu_id(self);
    h.instance = (uint32_t)(id >> 32);
    ls_env_setup(&env, LS__KIND__HELLO, id, NULL, 0, NULL, 0);
    env.hello = &h;
    self->io.transport_send(self->io.ctx, &env);
    self->next_hello = self->now + self->cfg.hello_ns;
}

uint64_t dsvc_next_deadline(const dsvc_t *self)
{
    uint64_t d = self->next_hello;
    uint64_t t = stub_next_deadline(self->stub);
    if (t < d)
        d = t;
    if (self->res && (t = resolver_next_deadline(self->res)) < d)
        d = t;
    for (size_t i = 0; i < self->nsocks; i++)
        if (self->socks[i].kind == SK_SRV_CONN && self->socks[i].last_active + self->cfg.tcp_idle_ns < d)
            d = self->socks[i].last_active + self->cfg.tcp_idle_ns;
    return d;
}

void dsvc_poll(dsvc_t *self, uint64_t now)
{
    self->now = now;
    stub_poll(self->stub, now);
    if (self->res)
        resolver_poll(self->res, now);
    for (size_t i = 0; i < self->nsocks; i++) {
        dsvc_sock_t *s = &self->socks[i];
        if (s->kind == SK_SRV_CONN && s->last_active + self->cfg.tcp_idle_ns <= now) {
            LS_COUNT(self->io.counters, "dns.server.tcp_idle_closed");
            dsvc_server_forget(self, s->id);
            s_close(self, s); /* RFC 7766 6.2.3: the server may close an idle connection */
        }
    }
    if (now >= self->next_hello)
        s_send_hello(self);
}

/* ---- lifecycle ---- */

dsvc_t *dsvc_new(const dsvc_cfg_t *cfg, const dsvc_io_t *io, uint64_t now)
{
    dsvc_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->cfg = cfg ? *cfg : dsvc_cfg_default();
    self->io = *io;
    self->now = now;
    self->next_sock = DSVC_SOCK_FIRST;
    self->m = malloc(sizeof *self->m);
    self->out = malloc(sizeof *self->out);
    stub_io_t sio = {.ctx = self, .send = s_stub_send, .cancel = s_stub_cancel, .done = dsvc_ctl_done,
                     .log = io->log, .counters = io->counters};
    self->stub = stub_new(&self->cfg.stub, &sio);
    if (self->cfg.recursive) {
        resolver_io_t rio = {.ctx = self, .send = s_res_send, .cancel = s_res_cancel, .done = dsvc_server_done,
                             .log = io->log, .counters = io->counters};
        self->res = resolver_new(&self->cfg.resolver, &rio, self->cfg.hints);
        self->nclients = self->cfg.resolver.max_requests;
        self->clients = calloc(self->nclients, sizeof *self->clients);
    }
    if (!self->m || !self->out || !self->stub || (self->cfg.recursive && (!self->res || !self->clients))) {
        dsvc_destroy(&self);
        return NULL;
    }
    if (self->cfg.hosts_text)
        stub_hosts_load(self->stub, self->cfg.hosts_text);
    s_send_hello(self); /* transport-svc's answer opens port 53 (dsvc_server_open) */
    return self;
}

void dsvc_destroy(dsvc_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    dsvc_t *self = *self_p;
    for (size_t i = 0; i < self->nsocks; i++)
        free(self->socks[i].rx);
    free(self->socks);
    for (size_t i = 0; i < self->nclients; i++)
        free(self->clients[i].q);
    free(self->clients);
    stub_destroy(&self->stub);
    resolver_destroy(&self->res);
    free(self->m);
    free(self->out);
    free(self);
    *self_p = NULL;
}

stub_t *dsvc_stub(dsvc_t *self) { return self->stub; }
resolver_t *dsvc_resolver(dsvc_t *self) { return self->res; }
