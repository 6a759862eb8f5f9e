/*
 * tsvc_upper.c -- the socket service transport-svc gives the layer above it
 * over their pipe (dns:transport): SockOp envelopes in, SockEvent envelopes
 * out (proto/layerstack.proto). Nothing is synchronous: an op that fails is
 * answered with an ERROR event; readiness is pushed, never polled.
 *
 * Call chain:
 *   down: transport-svc/main.c pipe rx -> tsvc_upper_rx -> s_op_open |
 *         s_op_listen | s_op_connect | s_op_send | s_op_close (UDP sends
 *         and connects may park on a route query: tsvc_rop_park, finished
 *         by tsvc_upper_rop_done)
 *   up:   tsvc_poll (after every input, timer or op) -> tsvc_upper_scan ->
 *         s_scan_udp (DATA per datagram, ERROR per ICMP error) |
 *         s_scan_tcp (CONNECTED, ACCEPTED, DATA, CLOSED, ERROR) -> io.upper_send
 *
 * The upper layer names its sockets; a connection accepted on one of its
 * listeners gets an id from 0x80000000 up. A HELLO from a new instance of
 * the upper service (it restarted) closes every socket the old one had,
 * so its ports are free again.
 */
#include "transport-svc/tsvc_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "runtime/pipe.h"

#define UP_ACCEPT_BASE 0x80000000u
#define UP_CHUNK 65536 /* TCP bytes per DATA event */
#define UP_TX_MAX (256 * 1024) /* TCP bytes held for one socket beyond the engine's send buffer */

static ls_logev_t s_ev(tsvc_t *self, const char *dir, const char *ev, uint64_t pdu)
{
    return (ls_logev_t){.now_ns = self->now, .layer = "transport", .dir = dir, .ev = ev, .pdu = pdu};
}

static void s_emit(tsvc_t *self, Ls__SockEvent *e, const uint8_t *pdu, size_t len, uint64_t parent)
{
    if (!self->io.upper_send)
        return;
    Ls__Envelope env;
    ls_env_setup(&env, LS__KIND__SOCK_EVENT, tsvc_pdu_id(self), parent ? &parent : NULL, parent ? 1 : 0, pdu, len);
    env.sock_event = e;
    if (self->io.upper_send(self->io.ctx, &env) == 0)
        LS_COUNT(self->io.counters, "upper.tx.events");
}

/* An event about fd (its uid, protocol and endpoints filled in). */
static Ls__SockEvent s_event(tsvc_t *self, int fd, Ls__SockEvent__Ev ev)
{
    Ls__SockEvent e = LS__SOCK_EVENT__INIT;
    tsvc_fd_t *f = &self->fds[fd];
    e.sock = f->uid;
    e.ev = ev;
    e.has_protocol = 1;
    e.protocol = f->type == FD_TCP ? 6 : 17;
    uint32_t lip = 0, rip = 0;
    uint16_t lport = 0, rport = 0;
    if (f->type == FD_UDP) {
        udp_sock_getsockname(self->udp, f->eid, &lip, &lport);
    } else {
        tcp_info_t in;
        if (tcp_sock_info(self->tcp, f->eid, &in) == 0) {
            lip = in.lip, lport = in.lport, rip = in.rip, rport = in.rport;
        }
    }
    e.has_local_addr = e.has_local_port = 1;
    e.local_addr = lip;
    e.local_port = lport;
    if (rport) {
        e.has_remote_addr = e.has_remote_port = 1;
        e.remote_addr = rip;
        e.remote_port = rport;
    }
    return e;
}

/* An ERROR event for an op that never got a socket (or lost it). */
static void s_error_uid(tsvc_t *self, uint32_t uid, Ls__SockOp__Op op, int err, uint64_t parent, const char *why)
{
    Ls__SockEvent e = LS__SOCK_EVENT__INIT;
    e.sock = uid;
    e.ev = LS__SOCK_EVENT__EV__ERROR;
    e.has_error = e.has_op = 1;
    e.error = err;
    e.op = op;
    ls_logev(self->io.log, LS_LOG_INFO, &(ls_logev_t){.now_ns = self->now, .layer = "transport", .dir = "up",
             .ev = "error", .pdu = parent}, "upper sock %u: %s: %s", uid, why, strerror(err));
    LS_COUNT(self->io.counters, "upper.op.failed");
    s_emit(self, &e, NULL, 0, parent);
}

static int s_find(tsvc_t *self, uint32_t uid)
{
    for (int i = 0; i < self->nupfds; i++)
        if (self->fds[self->upfds[i]].uid == uid)
            return self->upfds[i];
    return -1;
}

static int s_track(tsvc_t *self, int fd, uint32_t uid)
{
    if (self->nupfds == self->upfds_cap) {
        int nc = self->upfds_cap ? self->upfds_cap * 2 : 16;
        int *n = realloc(self->upfds, (size_t)nc * sizeof *n);
        if (!n)
            return -1;
        self->upfds = n;
        self->upfds_cap = nc;
    }
    self->upfds[self->nupfds++] = fd;
    self->fds[fd].uid = uid;
    return 0;
}

/* Forget fd (closing its engine socket unless that is already gone). */
static void s_release(tsvc_t *self, int fd, bool close_engine)
{
    for (int i = 0; i < self->nupfds; i++)
        if (self->upfds[i] == fd) {
            self->upfds[i] = self->upfds[--self->nupfds];
            break;
        }
    free(self->fds[fd].up_tx);
    self->fds[fd].up_tx = NULL;
    if (close_engine) {
        tsvc_close_fd(self, fd);
    } else {
        tsvc_fd_free(self, fd);
        self->dirty = true;
    }
}

/* ---- ops from the upper layer ---- */

static int s_new_fd(tsvc_t *self, int type, uint32_t uid, uint64_t parent, Ls__SockOp__Op op)
{
    if (s_find(self, uid) >= 0) {
        s_error_uid(self, uid, op, EEXIST, parent, "socket id in use");
        return -1;
    }
    int eid = type == FD_TCP ? tcp_socket(self->tcp) : udp_sock_open(self->udp);
    if (eid < 0) {
        s_error_uid(self, uid, op, errno, parent, "socket");
        return -1;
    }
    int fd = tsvc_fd_alloc(self, type, eid, TSVC_SESSION_UPPER);
    if (fd < 0 || s_track(self, fd, uid) < 0) {
        if (fd >= 0)
            tsvc_fd_free(self, fd);
        if (type == FD_TCP)
            tcp_abort(self->tcp, eid, self->now);
        else
            udp_sock_close(self->udp, eid);
        s_error_uid(self, uid, op, EMFILE, parent, "socket");
        return -1;
    }
    self->fds[fd].up_parent = parent;
    return fd;
}

static void s_opened(tsvc_t *self, int fd, uint64_t parent)
{
    Ls__SockEvent e = s_event(self, fd, LS__SOCK_EVENT__EV__OPENED);
    char a[16];
    ls_logev(self->io.log, LS_LOG_INFO, &(ls_logev_t){.now_ns = self->now, .layer = "transport", .ev = "state",
             .pdu = parent}, "upper sock %u: %s socket %d bound to %s:%u", e.sock, e.protocol == 6 ? "tcp" : "udp",
             fd, ip4_fmt(e.local_addr, a), e.local_port);
    s_emit(self, &e, NULL, 0, parent);
}

static void s_op_open(tsvc_t *self, const Ls__SockOp *o, uint64_t id)
{
    bool tcp = o->op == LS__SOCK_OP__OP__LISTEN;
    int fd = s_new_fd(self, tcp ? FD_TCP : FD_UDP, o->sock, id, o->op);
    if (fd < 0)
        return;
    int eid = self->fds[fd].eid;
    uint32_t ip = o->has_local_addr ? o->local_addr : 0;
    uint16_t port = o->has_local_port ? (uint16_t)o->local_port : 0;
    int rc = tcp ? tcp_bind(self->tcp, eid, ip, port) : udp_sock_bind(self->udp, eid, ip, port);
    if (rc == 0 && tcp)
        rc = tcp_listen(self->tcp, eid, 16);
    if (rc < 0) {
        int e = errno;
        s_release(self, fd, true);
        s_error_uid(self, o->sock, o->op, e, id, tcp ? "listen" : "bind");
        return;
    }
    s_opened(self, fd, id);
}

static void s_op_connect(tsvc_t *self, const Ls__SockOp *o, uint64_t id)
{
    int fd = s_new_fd(self, FD_TCP, o->sock, id, o->op);
    if (fd < 0)
        return;
    if (o->has_local_port && o->local_port &&
        tcp_bind(self->tcp, self->fds[fd].eid, o->has_local_addr ? o->local_addr : 0, (uint16_t)o->local_port) < 0) {
        int e = errno;
        s_release(self, fd, true);
        s_error_uid(self, o->sock, o->op, e, id, "bind");
        return;
    }
    self->fds[fd].up_connecting = true;
    tsvc_route_t *r = tsvc_route_find(self, o->remote_addr);
    int rc;
    if (!r)
        rc = tsvc_rop_park(self, ROP_CONNECT, TSVC_SESSION_UPPER, fd, o->remote_addr, (uint16_t)o->remote_port,
                           NULL, 0, 0, NULL, NULL);
    else
        rc = r->found ? tsvc_do_connect(self, fd, o->remote_addr, (uint16_t)o->remote_port, r) : ENETUNREACH;
    if (rc != 1 && rc != 0 && rc != EINPROGRESS) {
        s_release(self, fd, true);
        s_error_uid(self, o->sock, o->op, rc, id, "connect");
    }
}

/* Hand the engine what it takes of fd's held bytes. */
static void s_tcp_push(tsvc_t *self, int fd)
{
    tsvc_fd_t *f = &self->fds[fd];
    if (!f->up_txlen || f->connecting)
        return;
    ssize_t n = tcp_send(self->tcp, f->eid, f->up_tx, f->up_txlen, self->now);
    if (n <= 0)
        return; /* EAGAIN: the next scan retries; errors surface as events */
    memmove(f->up_tx, f->up_tx + n, f->up_txlen - (size_t)n);
    f->up_txlen -= (size_t)n;
}

static void s_op_send(tsvc_t *self, const Ls__Envelope *env)
{
    const Ls__SockOp *o = env->sock_op;
    int fd = s_find(self, o->sock);
    ls_logev_t ev = s_ev(self, "down", "drop", env->pdu_id);
    if (fd < 0) {
        ls_drop(self->io.log, self->io.counters, &ev, "upper.drop.no_sock", "SEND on unknown upper sock %u",
                o->sock);
        return;
    }
    tsvc_fd_t *f = &self->fds[fd];
    const uint8_t *data = env->pdu.data;
    size_t len = env->pdu.len;
    if (ls_log_on(self->io.log, LS_LOG_PDU)) {
        char a[16];
        ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = self->now, .layer = "transport", .dir = "down",
                 .ev = "demux", .pdu = env->pdu_id}, "upper sock %u -> %s socket %d: %zu bytes%s%s:%u",
                 o->sock, f->type == FD_TCP ? "tcp" : "udp", fd, len, f->type == FD_UDP ? " to " : "",
                 f->type == FD_UDP ? ip4_fmt(o->remote_addr, a) : "", f->type == FD_UDP ? o->remote_port : 0u);
    }
    if (f->type == FD_TCP) {
        if (f->up_txlen + len > UP_TX_MAX) {
            ls_drop(self->io.log, self->io.counters, &ev, "upper.drop.tx_full",
                    "upper sock %u: %zu bytes already held, %zu more refused", o->sock, f->up_txlen, len);
            return;
        }
        uint8_t *nb = realloc(f->up_tx, f->up_txlen + len);
        if (!nb) {
            ls_drop(self->io.log, self->io.counters, &ev, "upper.drop.nomem", "no memory for %zu bytes", len);
            return;
        }
        memcpy(nb + f->up_txlen, data, len);
        f->up_tx = nb;
        f->up_txlen += len;
        s_tcp_push(self, fd);
        return;
    }
    if (!o->has_remote_addr || !o->has_remote_port) {
        ls_drop(self->io.log, self->io.counters, &ev, "upper.drop.no_dest", "UDP SEND without a destination");
        return;
    }
    uint32_t lip;
    uint16_t lport;
    udp_sock_getsockname(self->udp, f->eid, &lip, &lport);
    tsvc_route_t *r = NULL;
    if (!lip) {
        r = tsvc_route_find(self, o->remote_addr);
        if (!r) {
            int rc = tsvc_rop_park(self, ROP_SENDTO, TSVC_SESSION_UPPER, fd, o->remote_addr,
                                   (uint16_t)o->remote_port, data, len, env->pdu_id, NULL, NULL);
            if (rc != 1)
                s_error_uid(self, o->sock, o->op, rc, env->pdu_id, "sendto");
            return;
        }
        if (!r->found) {
            s_error_uid(self, o->sock, o->op, ENETUNREACH, env->pdu_id, "sendto");
            return;
        }
    }
    ssize_t n;
    int rc = tsvc_do_sendto(self, fd, data, len, o->remote_addr, (uint16_t)o->remote_port, r, env->pdu_id, &n);
    if (rc)
        s_error_uid(self, o->sock, o->op, rc, env->pdu_id, "sendto");
}

static void s_op_close(tsvc_t *self, const Ls__SockOp *o, uint64_t id)
{
    int fd = s_find(self, o->sock);
    if (fd < 0) {
        LS_COUNT(self->io.counters, "upper.close.unknown");
        return; /* already gone (reset, or closed twice): nothing to do */
    }
    tsvc_fd_t *f = &self->fds[fd];
    if (f->type == FD_TCP && f->up_txlen)
        s_tcp_push(self, fd); /* what the engine cannot take now is lost with the close */
    ls_logev(self->io.log, LS_LOG_INFO, &(ls_logev_t){.now_ns = self->now, .layer = "transport", .ev = "state",
             .pdu = id}, "upper sock %u: close %s socket %d", o->sock, f->type == FD_TCP ? "tcp" : "udp", fd);
    s_release(self, fd, true);
}

/* The upper service (re)connected: a new instance frees what the old one
 * held. Every HELLO is answered with ours, so the upper layer notices when
 * this transport-svc restarted (and its sockets with it). */
static void s_hello(tsvc_t *self, const Ls__Hello *h)
{
    Ls__Envelope env;
    Ls__Hello me = LS__HELLO__INIT;
    char name[96];
    snprintf(name, sizeof name, "%s-transport", self->cfg.host ? self->cfg.host->name : "?");
    uint64_t id = tsvc_pdu_id(self);
    me.service = name;
    me.instance = (uint32_t)(id >> 32);
    ls_env_setup(&env, LS__KIND__HELLO, id, NULL, 0, NULL, 0);
    env.hello = &me;
    if (self->io.upper_send)
        self->io.upper_send(self->io.ctx, &env);
    if (self->up_instance && self->up_instance != h->instance && self->nupfds) {
        int n = self->nupfds;
        while (self->nupfds)
            s_release(self, self->upfds[0], true);
        LS_COUNT(self->io.counters, "upper.restart");
        ls_logev(self->io.log, LS_LOG_INFO, &(ls_logev_t){.now_ns = self->now, .layer = "transport", .ev = "state"},
                 "%s restarted (instance %08x): closed the %d socket(s) of the old instance", h->service,
                 h->instance, n);
    }
    self->up_instance = h->instance;
}

void tsvc_upper_rx(tsvc_t *self, const Ls__Envelope *env, uint64_t now)
{
    self->now = now;
    if (env->kind == LS__KIND__HELLO) {
        s_hello(self, env->hello);
    } else if (env->kind != LS__KIND__SOCK_OP) {
        ls_logev_t ev = s_ev(self, "down", "drop", env->pdu_id);
        ls_drop(self->io.log, self->io.counters, &ev, "upper.drop.unexpected_kind",
                "envelope kind %s is not a socket op", ls_kind_str(env->kind));
    } else {
        const Ls__SockOp *o = env->sock_op;
        LS_COUNT(self->io.counters, "upper.rx.ops");
        switch (o->op) {
        case LS__SOCK_OP__OP__OPEN:
        case LS__SOCK_OP__OP__LISTEN: s_op_open(self, o, env->pdu_id); break;
        case LS__SOCK_OP__OP__CONNECT: s_op_connect(self, o, env->pdu_id); break;
        case LS__SOCK_OP__OP__SEND: s_op_send(self, env); break;
        case LS__SOCK_OP__OP__CLOSE: s_op_close(self, o, env->pdu_id); break;
        default: break; /* ls_env_check admits no other op */
        }
    }
    self->dirty = true;
    tsvc_poll(self, now);
}

void tsvc_upper_rop_done(tsvc_t *self, const tsvc_rop_t *op, int rc)
{
    if (op->fd < 0 || self->fds[op->fd].type == FD_FREE || self->fds[op->fd].session != TSVC_SESSION_UPPER)
        return;
    if (!rc)
        return; /* connect: CONNECTED comes with the SYN-ACK; sendto: sent */
    uint32_t uid = self->fds[op->fd].uid;
    bool tcp = self->fds[op->fd].type == FD_TCP;
    if (tcp)
        s_release(self, op->fd, true);
    s_error_uid(self, uid, op->kind == ROP_CONNECT ? LS__SOCK_OP__OP__CONNECT : LS__SOCK_OP__OP__SEND, rc,
                op->parent, tcp ? "connect" : "sendto");
}

/* ---- events to the upper layer ---- */

static void s_scan_udp(tsvc_t *self, int fd)
{
    tsvc_fd_t *f = &self->fds[fd];
    while (udp_sock_readable(self->udp, f->eid)) {
        udp_sock_meta_t m;
        ssize_t n = udp_sock_recvmsg(self->udp, f->eid, self->rbuf, TSVC_MAX_RECV, &m);
        if (n < 0)
            break; /* a pending error of a connected socket: ours are never connected */
        Ls__SockEvent e = s_event(self, fd, LS__SOCK_EVENT__EV__DATA);
        if (m.dst)
            e.local_addr = m.dst;
        e.has_remote_addr = e.has_remote_port = 1;
        e.remote_addr = m.src;
        e.remote_port = m.sport;
        if (ls_log_on(self->io.log, LS_LOG_PDU)) {
            char a[16];
            ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = self->now, .layer = "transport", .dir = "up",
                     .ev = "deliver", .pdu = m.pdu_id}, "udp socket %d -> upper sock %u: %zd bytes from %s.%u", fd,
                     f->uid, n, ip4_fmt(m.src, a), m.sport);
        }
        s_emit(self, &e, self->rbuf, (size_t)n, m.pdu_id);
    }
    if (udp_sock_icmp_unread(self->udp, f->eid)) {
        udp_sock_icmp_t ic;
        udp_sock_last_icmp(self->udp, f->eid, &ic);
        Ls__SockEvent e = s_event(self, fd, LS__SOCK_EVENT__EV__ERROR);
        e.has_error = 1;
        e.error = udp_sock_icmp_errno(ic.type, ic.code);
        e.has_remote_addr = e.has_remote_port = 1;
        e.remote_addr = ic.dst;
        e.remote_port = ic.dport;
        char a[16];
        ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = self->now, .layer = "transport", .dir = "up",
                 .ev = "deliver"}, "udp socket %d -> upper sock %u: ICMP type %u code %u about %s.%u", fd, f->uid,
                 ic.type, ic.code, ip4_fmt(ic.dst, a), ic.dport);
        s_emit(self, &e, NULL, 0, 0);
    }
}

/* TCP: returns false if fd was released. */
static bool s_scan_tcp(tsvc_t *self, int fd)
{
    tsvc_fd_t *f = &self->fds[fd];
    tcp_info_t in;
    if (tcp_sock_info(self->tcp, f->eid, &in) < 0) {
        s_release(self, fd, false);
        return false;
    }
    int err = tcp_sock_error(self->tcp, f->eid);
    if (in.state == TCP_LISTEN) {
        while (f->acc_pending > 0) {
            uint32_t rip;
            uint16_t rport;
            int c = tcp_accept(self->tcp, f->eid, &rip, &rport);
            if (c < 0) {
                f->acc_pending = 0;
                break;
            }
            f->acc_pending--;
            int nfd = tsvc_fd_alloc(self, FD_TCP, c, TSVC_SESSION_UPPER);
            uint32_t uid = UP_ACCEPT_BASE | (self->up_next_accept++ & 0x7fffffffu);
            if (nfd < 0 || s_track(self, nfd, uid) < 0) {
                if (nfd >= 0)
                    tsvc_fd_free(self, nfd);
                tcp_abort(self->tcp, c, self->now);
                LS_COUNT(self->io.counters, "upper.drop.accept_nomem");
                continue;
            }
            f = &self->fds[fd]; /* the fd table may have moved */
            Ls__SockEvent e = s_event(self, nfd, LS__SOCK_EVENT__EV__ACCEPTED);
            e.has_listener = 1;
            e.listener = f->uid;
            char a[16];
            ls_logev(self->io.log, LS_LOG_INFO, &(ls_logev_t){.now_ns = self->now, .layer = "transport",
                     .ev = "state"}, "upper sock %u: accepted socket %d from %s:%u as upper sock %u", f->uid, nfd,
                     ip4_fmt(rip, a), rport, uid);
            s_emit(self, &e, NULL, 0, 0);
        }
        return true;
    }
    if (f->up_connecting && in.state == TCP_ESTABLISHED && !err) {
        f->up_connecting = false;
        Ls__SockEvent e = s_event(self, fd, LS__SOCK_EVENT__EV__CONNECTED);
        s_emit(self, &e, NULL, 0, 0);
    }
    if (f->connecting || in.state == TCP_SYN_SENT || in.state == TCP_SYN_RECV)
        return true;
    s_tcp_push(self, fd);
    while (tcp_recv_queued(self->tcp, f->eid) > 0) {
        ssize_t n = tcp_recv(self->tcp, f->eid, self->rbuf, UP_CHUNK, self->now);
        if (n <= 0)
            break;
        Ls__SockEvent e = s_event(self, fd, LS__SOCK_EVENT__EV__DATA);
        e.has_stream_off = 1;
        e.stream_off = f->up_rx_off;
        f->up_rx_off += (uint64_t)n;
        if (ls_log_on(self->io.log, LS_LOG_PDU))
            ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = self->now, .layer = "transport", .dir = "up",
                     .ev = "deliver"}, "tcp socket %d -> upper sock %u: %zd stream bytes at offset %llu", fd, f->uid,
                     n, (unsigned long long)e.stream_off);
        s_emit(self, &e, self->rbuf, (size_t)n, 0);
    }
    if (err) {
        uint32_t uid = f->uid;
        Ls__SockEvent e = s_event(self, fd, in.state == TCP_CLOSED && err == ECONNRESET
                                               ? LS__SOCK_EVENT__EV__CLOSED : LS__SOCK_EVENT__EV__ERROR);
        e.has_error = 1;
        e.error = err;
        ls_logev(self->io.log, LS_LOG_INFO, &(ls_logev_t){.now_ns = self->now, .layer = "transport", .ev = "state"},
                 "upper sock %u: tcp socket %d failed: %s", uid, fd, strerror(err));
        s_release(self, fd, true);
        s_emit(self, &e, NULL, 0, 0);
        return false;
    }
    if (!f->up_eof_sent) {
        errno = 0;
        if (tcp_recv(self->tcp, f->eid, NULL, 0, self->now) == 0) {
            f->up_eof_sent = true; /* the peer's FIN: the upper layer still closes the id */
            Ls__SockEvent e = s_event(self, fd, LS__SOCK_EVENT__EV__CLOSED);
            e.has_error = 1;
            e.error = 0;
            s_emit(self, &e, NULL, 0, 0);
        }
    }
    return true;
}

void tsvc_upper_scan(tsvc_t *self)
{
    for (int i = 0; i < self->nupfds;) {
        int fd = self->upfds[i];
        bool kept = self->fds[fd].type == FD_UDP ? (s_scan_udp(self, fd), true) : s_scan_tcp(self, fd);
        if (kept)
            i++;
    }
}

void tsvc_upper_fini(tsvc_t *self)
{
    for (int i = 0; i < self->nupfds; i++)
        free(self->fds[self->upfds[i]].up_tx);
    free(self->upfds);
    self->upfds = NULL;
    self->nupfds = self->upfds_cap = 0;
}
