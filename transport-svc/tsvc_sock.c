/*
 * tsvc_sock.c -- the application socket API of transport-svc, served on its
 * control socket (client: apps/lib/sock.c; wire protocol in apps/lib/sock.h).
 *
 * Call chain: tsvc_ctl -> tsvc_sock_op -> s_op_* handlers (connect and
 * sendto may park on a route query: tsvc_rop_park); blocking is the app's
 * "wait" op, answered by tsvc_sock_check_waits after every input, timer or
 * request; tsvc_poll -> tsvc_sock_poll ends sessions whose app died.
 *
 * The socket protocol: CtlRequest cmd "sock", args[0] = op, args[1] =
 * session token (16 hex digits), then op arguments; data = payload.
 * CtlReply rc = 0 or an errno, kv = results, data = payload.
 */
#include "transport-svc/tsvc_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "wire/bytes.h"

/* ------------------------------------------------------------------ */
/* readiness and waits                                                  */

static int s_ready(tsvc_t *self, int fd, int want)
{
    if (fd < 0 || fd >= self->nfds || self->fds[fd].type == FD_FREE)
        return EV_NVAL;
    tsvc_fd_t *f = &self->fds[fd];
    int ev = 0;
    if (f->type == FD_UDP) {
        if (udp_sock_readable(self->udp, f->eid))
            ev |= EV_IN;
        if ((want & EV_ERR) && udp_sock_icmp_unread(self->udp, f->eid))
            ev |= EV_ERR; /* asked for: like POLLERR with IP_RECVERR; read it with "status" */
        ev |= EV_OUT;
        return ev & (want | EV_ERR | EV_NVAL);
    }
    tcp_info_t in;
    if (tcp_sock_info(self->tcp, f->eid, &in) < 0)
        return EV_NVAL;
    int err = tcp_sock_error(self->tcp, f->eid);
    if (err)
        ev |= EV_ERR | EV_IN | EV_OUT;
    if (in.state == TCP_LISTEN) {
        if (f->acc_pending > 0)
            ev |= EV_IN;
    } else if (f->connecting || in.state == TCP_SYN_SENT || in.state == TCP_SYN_RECV) {
        /* nothing yet */
    } else {
        if (in.recvq > 0) {
            ev |= EV_IN;
        } else {
            errno = 0;
            if (tcp_recv(self->tcp, f->eid, NULL, 0, self->now) >= 0 || errno != EAGAIN)
                ev |= EV_IN; /* EOF or error: recv would not block */
        }
        uint32_t sndbuf = tcp_stack_cfg(self->tcp)->sndbuf;
        if ((in.state == TCP_ESTABLISHED || in.state == TCP_CLOSE_WAIT) && !err) {
            /* like Linux sk_stream_wspace >= min_wspace: half the buffer free */
            if (in.sendq + sndbuf / 2 <= sndbuf)
                ev |= EV_OUT;
        } else {
            ev |= EV_OUT; /* send would fail at once (EPIPE / ENOTCONN) */
        }
    }
    return ev & (want | EV_ERR | EV_NVAL);
}

static void s_wait_reply(tsvc_t *self, tsvc_session_t *s)
{
    ls_ctl_reply_t r;
    ls_ctl_reply_init(&r);
    r.rep.has_tag = 1;
    r.rep.tag = s->wait_tag;
    char ready[TSVC_MAX_WAIT * 16] = "";
    size_t off = 0;
    for (int i = 0; i < s->nwait; i++) {
        int ev = s_ready(self, s->wait_fd[i], s->wait_ev[i]);
        if (ev && off < sizeof ready - 16)
            off += (size_t)snprintf(ready + off, sizeof ready - off, "%s%d:%d", off ? "," : "", s->wait_fd[i], ev);
    }
    ls_ctl_kv(&r, "ready", "%s", ready);
    s->wait_active = false;
    self->io.reply(self->io.ctx, &s->peer, &r);
    ls_ctl_reply_fini(&r);
}

void tsvc_sock_check_waits(tsvc_t *self)
{
    self->dirty = false;
    for (int si = 0; si < self->sess_hi; si++) {
        tsvc_session_t *s = &self->sessions[si];
        if (!s->used || !s->wait_active)
            continue;
        bool any = false;
        for (int i = 0; i < s->nwait && !any; i++)
            any = s_ready(self, s->wait_fd[i], s->wait_ev[i]) != 0;
        if (any || self->now >= s->wait_deadline)
            s_wait_reply(self, s);
    }
}

/* ------------------------------------------------------------------ */
/* sessions                                                             */

static void s_session_end(tsvc_t *self, int si, const char *why)
{
    tsvc_session_t *s = &self->sessions[si];
    int n = 0;
    for (int fd = 3; fd < self->nfds; fd++)
        if (self->fds[fd].type != FD_FREE && self->fds[fd].session == si) {
            tsvc_close_fd(self, fd);
            n++;
        }
    for (int i = 0; i < TSVC_MAX_ROPS; i++)
        if (self->rops[i].used && self->rops[i].session == si) {
            free(self->rops[i].data);
            memset(&self->rops[i], 0, sizeof self->rops[i]);
        }
    ls_logev(self->io.log, LS_LOG_INFO, &(ls_logev_t){.now_ns = self->now, .layer = "transport", .ev = "state"},
             "app session %016llx ended (%s): closed %d socket(s)", (unsigned long long)s->token, why, n);
    memset(s, 0, sizeof *s);
}

static int s_session_find(tsvc_t *self, uint64_t token)
{
    for (int i = 0; i < TSVC_MAX_SESSIONS; i++)
        if (self->sessions[i].used && self->sessions[i].token == token)
            return i;
    return -1;
}

size_t tsvc_sessions(const tsvc_t *self)
{
    size_t n = 0;
    for (int i = 0; i < TSVC_MAX_SESSIONS; i++)
        n += self->sessions[i].used;
    return n;
}

/* ------------------------------------------------------------------ */
/* socket operations                                                    */

typedef struct {
    tsvc_t *self;
    const Ls__CtlRequest *req;
    ls_ctl_reply_t *rep;
    const ls_ctl_peer_t *peer;
    int si;
} s_op_t;

static const char *s_arg(const s_op_t *o, size_t i) { return i < o->req->n_args ? o->req->args[i] : NULL; }

static int s_arg_int(const s_op_t *o, size_t i, long *v)
{
    const char *a = s_arg(o, i);
    if (!a || !*a)
        return -1;
    char *end;
    *v = strtol(a, &end, 10);
    return *end ? -1 : 0;
}

static int s_err(s_op_t *o, int rc, const char *what)
{
    ls_ctl_error(o->rep, rc, "%s: %s", what, strerror(rc));
    return 0;
}

/* The fd in args[2], owned by this session. NULL after an EBADF reply. */
static tsvc_fd_t *s_op_fd(s_op_t *o, int *fdp)
{
    long fd;
    if (s_arg_int(o, 2, &fd) < 0 || fd < 0 || fd >= o->self->nfds || o->self->fds[fd].type == FD_FREE ||
        o->self->fds[fd].session != o->si) {
        s_err(o, EBADF, s_arg(o, 0));
        return NULL;
    }
    *fdp = (int)fd;
    return &o->self->fds[fd];
}

static int s_addr_arg(const s_op_t *o, size_t i, uint32_t *ip, uint16_t *port)
{
    long p;
    const char *a = s_arg(o, i);
    if (!a || ip4_parse(a, ip) < 0 || s_arg_int(o, i + 1, &p) < 0 || p < 0 || p > 65535)
        return -1;
    *port = (uint16_t)p;
    return 0;
}

static int s_op_socket(s_op_t *o)
{
    tsvc_t *self = o->self;
    const char *type = s_arg(o, 2);
    int eid, kind;
    if (type && strcmp(type, "tcp") == 0) {
        kind = FD_TCP;
        eid = tcp_socket(self->tcp);
    } else if (type && strcmp(type, "udp") == 0) {
        kind = FD_UDP;
        eid = udp_sock_open(self->udp);
    } else {
        return s_err(o, EPROTONOSUPPORT, "socket");
    }
    if (eid < 0)
        return s_err(o, errno, "socket");
    int fd = tsvc_fd_alloc(self, kind, eid, o->si);
    if (fd < 0) {
        if (kind == FD_TCP)
            tcp_abort(self->tcp, eid, self->now);
        else
            udp_sock_close(self->udp, eid);
        return s_err(o, EMFILE, "socket");
    }
    ls_ctl_kv(o->rep, "fd", "%d", fd);
    return 0;
}

static int s_op_bind(s_op_t *o)
{
    int fd;
    tsvc_fd_t *f = s_op_fd(o, &fd);
    uint32_t ip;
    uint16_t port;
    if (!f)
        return 0;
    if (s_addr_arg(o, 3, &ip, &port) < 0)
        return s_err(o, EINVAL, "bind");
    int rc = f->type == FD_TCP ? tcp_bind(o->self->tcp, f->eid, ip, port) : udp_sock_bind(o->self->udp, f->eid, ip, port);
    return rc < 0 ? s_err(o, errno, "bind") : 0;
}

static int s_op_listen(s_op_t *o)
{
    int fd;
    long backlog = 16;
    tsvc_fd_t *f = s_op_fd(o, &fd);
    if (!f)
        return 0;
    if (f->type != FD_TCP)
        return s_err(o, EOPNOTSUPP, "listen");
    s_arg_int(o, 3, &backlog);
    if (tcp_listen(o->self->tcp, f->eid, (int)backlog) < 0)
        return s_err(o, errno, "listen");
    return 0;
}

static int s_op_accept(s_op_t *o)
{
    tsvc_t *self = o->self;
    int fd;
    tsvc_fd_t *f = s_op_fd(o, &fd);
    if (!f)
        return 0;
    if (f->type != FD_TCP)
        return s_err(o, EOPNOTSUPP, "accept");
    uint32_t rip;
    uint16_t rport;
    int c = tcp_accept(self->tcp, f->eid, &rip, &rport);
    if (c < 0) {
        if (errno == EAGAIN)
            f->acc_pending = 0;
        return s_err(o, errno, "accept");
    }
    if (f->acc_pending > 0)
        f->acc_pending--;
    int nfd = tsvc_fd_alloc(self, FD_TCP, c, o->si);
    if (nfd < 0) {
        tcp_abort(self->tcp, c, self->now);
        return s_err(o, EMFILE, "accept");
    }
    char a[16];
    ls_ctl_kv(o->rep, "fd", "%d", nfd);
    ls_ctl_kv(o->rep, "addr", "%s", ip4_fmt(rip, a));
    ls_ctl_kv(o->rep, "port", "%u", rport);
    ls_logev(self->io.log, LS_LOG_INFO, &(ls_logev_t){.now_ns = self->now, .layer = "transport", .ev = "state"},
             "accept on socket %d: socket %d from %s:%u", fd, nfd, a, rport);
    return 0;
}

static int s_op_connect(s_op_t *o)
{
    tsvc_t *self = o->self;
    int fd;
    tsvc_fd_t *f = s_op_fd(o, &fd);
    uint32_t ip;
    uint16_t port;
    if (!f)
        return 0;
    if (s_addr_arg(o, 3, &ip, &port) < 0)
        return s_err(o, EINVAL, "connect");
    if (f->type == FD_TCP && f->connecting)
        return s_err(o, EALREADY, "connect");
    tsvc_route_t *r = tsvc_route_find(self, ip);
    if (!r) {
        int rc = tsvc_rop_park(self, ROP_CONNECT, o->si, fd, ip, port, NULL, 0, 0, o->peer, o->req);
        return rc == 1 ? 1 : s_err(o, rc, "connect");
    }
    if (!r->found)
        return s_err(o, ENETUNREACH, "connect");
    int rc = tsvc_do_connect(self, fd, ip, port, r);
    return rc ? s_err(o, rc, "connect") : 0;
}

static int s_op_send(s_op_t *o)
{
    tsvc_t *self = o->self;
    int fd;
    tsvc_fd_t *f = s_op_fd(o, &fd);
    if (!f)
        return 0;
    const uint8_t *data = o->req->has_data ? o->req->data.data : NULL;
    size_t len = o->req->has_data ? o->req->data.len : 0;
    if (f->type == FD_UDP) {
        ssize_t n;
        int rc = tsvc_do_sendto(self, fd, data, len, 0, 0, NULL, 0, &n);
        if (rc)
            return s_err(o, rc, "send");
        ls_ctl_kv(o->rep, "n", "%zd", n);
        return 0;
    }
    ssize_t n = tcp_send(self->tcp, f->eid, data ? (const void *)data : "", len, self->now);
    if (n < 0)
        return s_err(o, errno, "send");
    if (ls_log_on(self->io.log, LS_LOG_PDU))
        ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = self->now, .layer = "app", .dir = "down",
                 .ev = "write", .pdu = tsvc_pdu_id(self)}, "send fd %d: %zd of %zu bytes queued", fd, n, len);
    ls_ctl_kv(o->rep, "n", "%zd", n);
    return 0;
}

static int s_op_recv(s_op_t *o, bool from)
{
    tsvc_t *self = o->self;
    int fd;
    long max = 65536;
    tsvc_fd_t *f = s_op_fd(o, &fd);
    if (!f)
        return 0;
    if (s_arg_int(o, 3, &max) < 0 || max < 0)
        max = 65536;
    if (max > TSVC_MAX_RECV)
        max = TSVC_MAX_RECV;
    ssize_t n;
    uint32_t ip = 0;
    uint16_t port = 0;
    bool in_place = false; /* data read straight into the reply */
    if (f->type == FD_UDP) {
        n = udp_sock_recvfrom(self->udp, f->eid, self->rbuf, (size_t)max, &ip, &port);
    } else {
        size_t q = tcp_recv_queued(self->tcp, f->eid);
        if (q > 0) {
            /* read from the receive ring into the reply's data: one copy fewer */
            size_t want = q < (size_t)max ? q : (size_t)max;
            n = tcp_recv(self->tcp, f->eid, ls_ctl_data_buf(o->rep, want), want, self->now);
            in_place = true;
        } else {
            n = tcp_recv(self->tcp, f->eid, self->rbuf, (size_t)max, self->now);
        }
        if (from) {
            tcp_info_t in;
            if (tcp_sock_info(self->tcp, f->eid, &in) == 0) {
                ip = in.rip;
                port = in.rport;
            }
        }
    }
    if (n < 0)
        return s_err(o, errno, from ? "recvfrom" : "recv");
    if (!in_place)
        ls_ctl_data(o->rep, self->rbuf, (size_t)n);
    if (from) {
        char a[16];
        ls_ctl_kv(o->rep, "addr", "%s", ip4_fmt(ip, a));
        ls_ctl_kv(o->rep, "port", "%u", port);
    }
    if (n > 0 && ls_log_on(self->io.log, LS_LOG_PDU))
        ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = self->now, .layer = "app", .dir = "up",
                 .ev = "read", .pdu = tsvc_pdu_id(self)}, "%s fd %d: %zd bytes", from ? "recvfrom" : "recv", fd, n);
    self->dirty = true; /* a read may open the window / free queue space */
    return 0;
}

static int s_op_sendto(s_op_t *o)
{
    tsvc_t *self = o->self;
    int fd;
    tsvc_fd_t *f = s_op_fd(o, &fd);
    uint32_t ip;
    uint16_t port;
    if (!f)
        return 0;
    if (f->type != FD_UDP)
        return s_op_send(o); /* TCP: like Linux, the address is ignored when connected */
    if (s_addr_arg(o, 3, &ip, &port) < 0)
        return s_err(o, EINVAL, "sendto");
    const uint8_t *data = o->req->has_data ? o->req->data.data : NULL;
    size_t len = o->req->has_data ? o->req->data.len : 0;
    uint32_t lip;
    uint16_t lport;
    udp_sock_getsockname(self->udp, f->eid, &lip, &lport);
    tsvc_route_t *r = NULL;
    if (!lip) { /* the pseudo-header needs the source address: ask the route */
        r = tsvc_route_find(self, ip);
        if (!r) {
            int rc = tsvc_rop_park(self, ROP_SENDTO, o->si, fd, ip, port, data, len, 0, o->peer, o->req);
            return rc == 1 ? 1 : s_err(o, rc, "sendto");
        }
        if (!r->found)
            return s_err(o, ENETUNREACH, "sendto");
    }
    ssize_t n;
    int rc = tsvc_do_sendto(self, fd, data, len, ip, port, r, 0, &n);
    if (rc)
        return s_err(o, rc, "sendto");
    ls_ctl_kv(o->rep, "n", "%zd", n);
    return 0;
}

static int s_op_shutdown(s_op_t *o)
{
    int fd;
    tsvc_fd_t *f = s_op_fd(o, &fd);
    if (!f)
        return 0;
    const char *how = s_arg(o, 3);
    int h = how && strcmp(how, "rd") == 0 ? SHUT_RD : how && strcmp(how, "rdwr") == 0 ? SHUT_RDWR : SHUT_WR;
    if (f->type != FD_TCP)
        return 0;
    if (tcp_shutdown(o->self->tcp, f->eid, h, o->self->now) < 0)
        return s_err(o, errno, "shutdown");
    return 0;
}

static int s_op_close(s_op_t *o)
{
    int fd;
    if (!s_op_fd(o, &fd))
        return 0;
    tsvc_close_fd(o->self, fd);
    return 0;
}

static int s_op_setopt(s_op_t *o)
{
    int fd;
    long v;
    tsvc_fd_t *f = s_op_fd(o, &fd);
    if (!f)
        return 0;
    const char *name = s_arg(o, 3);
    if (!name || s_arg_int(o, 4, &v) < 0)
        return s_err(o, EINVAL, "setopt");
    int rc = 0;
    if (strcmp(name, "nodelay") == 0 && f->type == FD_TCP)
        rc = tcp_setnodelay(o->self->tcp, f->eid, v != 0);
    else if (strcmp(name, "ttl") == 0 && f->type == FD_UDP)
        rc = udp_sock_set_ttl(o->self->udp, f->eid, (int)v);
    else
        return s_err(o, ENOPROTOOPT, "setopt");
    return rc < 0 ? s_err(o, errno, "setopt") : 0;
}

static int s_op_name(s_op_t *o, bool peer)
{
    int fd;
    tsvc_fd_t *f = s_op_fd(o, &fd);
    if (!f)
        return 0;
    uint32_t ip = 0;
    uint16_t port = 0;
    if (f->type == FD_UDP) {
        int rc = peer ? udp_sock_getpeername(o->self->udp, f->eid, &ip, &port)
                      : udp_sock_getsockname(o->self->udp, f->eid, &ip, &port);
        if (rc < 0)
            return s_err(o, errno, s_arg(o, 0));
    } else {
        tcp_info_t in;
        if (tcp_sock_info(o->self->tcp, f->eid, &in) < 0)
            return s_err(o, errno, s_arg(o, 0));
        if (peer && !in.rport)
            return s_err(o, ENOTCONN, s_arg(o, 0));
        ip = peer ? in.rip : in.lip;
        port = peer ? in.rport : in.lport;
    }
    char a[16];
    ls_ctl_kv(o->rep, "addr", "%s", ip4_fmt(ip, a));
    ls_ctl_kv(o->rep, "port", "%u", port);
    return 0;
}

static int s_op_status(s_op_t *o)
{
    int fd;
    tsvc_fd_t *f = s_op_fd(o, &fd);
    if (!f)
        return 0;
    if (f->type == FD_UDP) {
        udp_sock_icmp_t ic;
        char a[16], b[16];
        udp_sock_last_icmp(o->self->udp, f->eid, &ic);
        ls_ctl_kv(o->rep, "state", "UDP");
        ls_ctl_kv(o->rep, "err", "0");
        ls_ctl_kv(o->rep, "icmp_count", "%u", ic.count);
        ls_ctl_kv(o->rep, "icmp_type", "%u", ic.type);
        ls_ctl_kv(o->rep, "icmp_code", "%u", ic.code);
        ls_ctl_kv(o->rep, "icmp_from", "%s", ip4_fmt(ic.from, a));
        ls_ctl_kv(o->rep, "icmp_dst", "%s", ip4_fmt(ic.dst, b));
        ls_ctl_kv(o->rep, "icmp_dport", "%u", ic.dport);
        return 0;
    }
    ls_ctl_kv(o->rep, "state", "%s", tcp_state_name(tcp_sock_state(o->self->tcp, f->eid)));
    ls_ctl_kv(o->rep, "err", "%d", tcp_sock_error(o->self->tcp, f->eid));
    ls_ctl_kv(o->rep, "connecting", "%d", f->connecting);
    return 0;
}

static int s_op_wait(s_op_t *o)
{
    tsvc_t *self = o->self;
    tsvc_session_t *s = &self->sessions[o->si];
    long ms;
    if (s_arg_int(o, 2, &ms) < 0)
        return s_err(o, EINVAL, "wait");
    s->nwait = 0;
    for (size_t i = 3; i < o->req->n_args && s->nwait < TSVC_MAX_WAIT; i++) {
        int fd, ev;
        if (sscanf(o->req->args[i], "%d:%d", &fd, &ev) != 2)
            return s_err(o, EINVAL, "wait");
        s->wait_fd[s->nwait] = fd;
        s->wait_ev[s->nwait] = ev;
        s->nwait++;
    }
    uint64_t dur = ms < 0 ? TSVC_WAIT_CAP_NS : (uint64_t)ms * 1000000ull;
    if (dur > TSVC_WAIT_CAP_NS)
        dur = TSVC_WAIT_CAP_NS;
    s->peer = *o->peer;
    s->wait_tag = o->req->tag;
    s->wait_deadline = self->now + dur;
    s->wait_active = true;
    bool any = false;
    for (int i = 0; i < s->nwait && !any; i++)
        any = s_ready(self, s->wait_fd[i], s->wait_ev[i]) != 0;
    if (any || dur == 0) {
        s_wait_reply(self, s);
        return 1; /* already answered through io.reply */
    }
    return 1;
}

static int s_op_cancel(s_op_t *o)
{
    tsvc_session_t *s = &o->self->sessions[o->si];
    if (s->wait_active)
        s_wait_reply(o->self, s); /* answers the wait first; this reply follows */
    return 0;
}

int tsvc_sock_op(tsvc_t *self, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer)
{
    (*tsvc_hot(self, &self->c_requests, "sock.rx.requests"))++;
    const char *op = req->n_args >= 1 ? req->args[0] : NULL;
    const char *tok = req->n_args >= 2 ? req->args[1] : NULL;
    char *end = NULL;
    uint64_t token = tok ? strtoull(tok, &end, 16) : 0;
    if (!op || !tok || *end || !token) {
        LS_COUNT(self->io.counters, "sock.drop.malformed");
        ls_ctl_error(rep, EINVAL, "sock: expected OP SESSION [ARGS...]");
        return 0;
    }
    int si = s_session_find(self, token);
    if (strcmp(op, "hello") == 0) {
        if (si < 0) {
            for (int i = 0; i < TSVC_MAX_SESSIONS && si < 0; i++)
                if (!self->sessions[i].used)
                    si = i;
            if (si < 0) {
                ls_ctl_error(rep, EMFILE, "sock: too many applications");
                return 0;
            }
            self->sessions[si] = (tsvc_session_t){.used = true, .token = token};
            if (si >= self->sess_hi)
                self->sess_hi = si + 1;
            ls_logev(self->io.log, LS_LOG_INFO, &(ls_logev_t){.now_ns = self->now, .layer = "transport", .ev = "state"},
                     "app session %016llx started", (unsigned long long)token);
        }
        self->sessions[si].peer = *peer;
        self->sessions[si].last_seen = self->now;
        ls_ctl_kv(rep, "timeout_ms", "%llu", (unsigned long long)(self->cfg.app_timeout_ns / 1000000));
        return 0;
    }
    if (si < 0) {
        LS_COUNT(self->io.counters, "sock.drop.no_session");
        ls_ctl_error(rep, ENOTCONN, "sock: no session %s (transport-svc restarted, or the app timed out)", tok);
        return 0;
    }
    self->sessions[si].last_seen = self->now;
    if (strcmp(op, "hb") == 0)
        return 0;
    if (strcmp(op, "bye") == 0) {
        s_session_end(self, si, "bye");
        return 0;
    }
    s_op_t o = {self, req, rep, peer, si};
    static const struct { const char *name; int (*fn)(s_op_t *); } ops[] = {
        {"socket", s_op_socket}, {"bind", s_op_bind}, {"listen", s_op_listen}, {"accept", s_op_accept},
        {"connect", s_op_connect}, {"send", s_op_send}, {"sendto", s_op_sendto}, {"shutdown", s_op_shutdown},
        {"close", s_op_close}, {"setopt", s_op_setopt}, {"status", s_op_status}, {"wait", s_op_wait},
        {"cancel", s_op_cancel},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(op, ops[i].name) == 0)
            return ops[i].fn(&o);
    if (strcmp(op, "recv") == 0)
        return s_op_recv(&o, false);
    if (strcmp(op, "recvfrom") == 0)
        return s_op_recv(&o, true);
    if (strcmp(op, "getsockname") == 0)
        return s_op_name(&o, false);
    if (strcmp(op, "getpeername") == 0)
        return s_op_name(&o, true);
    LS_COUNT(self->io.counters, "sock.drop.unknown_op");
    ls_ctl_error(rep, EOPNOTSUPP, "sock: unknown op '%s'", op);
    return 0;
}

int tsvc_ctl(tsvc_t *self, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer, uint64_t now)
{
    self->now = now;
    int rc = -1;
    if (strcmp(req->cmd, "sock") == 0)
        rc = tsvc_sock_op(self, req, rep, peer);
    else if (strcmp(req->cmd, "table") == 0 && req->n_args >= 1)
        rc = tsvc_table(self, req->args[0], rep);
    if (rc >= 0)
        self->dirty = true;
    /* no tsvc_poll here: a wait answered now must not overtake this reply */
    return rc;
}


uint64_t tsvc_sock_deadline(const tsvc_t *self, uint64_t d)
{
    for (int i = 0; i < self->sess_hi; i++) {
        const tsvc_session_t *s = &self->sessions[i];
        if (!s->used)
            continue;
        if (s->wait_active && s->wait_deadline < d)
            d = s->wait_deadline;
        if (s->last_seen + self->cfg.app_timeout_ns < d)
            d = s->last_seen + self->cfg.app_timeout_ns;
    }
    return d;
}

void tsvc_sock_poll(tsvc_t *self)
{
    for (int i = 0; i < self->sess_hi; i++)
        if (self->sessions[i].used && self->sessions[i].last_seen + self->cfg.app_timeout_ns <= self->now) {
            LS_COUNT(self->io.counters, "transport.app.timeout");
            s_session_end(self, i, "no heartbeat: the app died");
        }
}
