/*
 * sock.c -- client side of the socket API (see sock.h): each call is one
 * "sock" request on HOST-transport's control socket; blocking calls are a
 * loop of try -> "wait" for readiness -> retry. A heartbeat thread with its
 * own DEALER keeps the session alive while the app is busy elsewhere.
 *
 * Call chain: apps/NAME.c -> sock_* -> s_call (pack CtlRequest, zmq_send, wait
 * for the reply with the same tag) -> transport-svc/tsvc.c (tsvc_ctl).
 */
#include "apps/lib/sock.h"
#include "apps/lib/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "wire/bytes.h"
#include "runtime/ctl_client.h"
#include "runtime/loop.h"
#include "proto/layerstack.pb-c.h"

#define SOCK_MAX_FD 65536     /* as many as transport-svc hands out (its table grows to 65536) */
#define SOCK_CHUNK (64 * 1024)
#define SOCK_CALL_MS 5000      /* a plain request must be answered within this */
#define SOCK_WAIT_MS 1000      /* one server-side wait lasts at most this */
#define SOCK_HB_MS 1000

typedef struct {
    bool nonblock;
    int timeout_ms;
} s_fdopt_t;

struct sock_lib {
    app_t *app;
    void *sock;             /* DEALER to HOST-transport's ctl ROUTER */
    char endpoint[400];
    char token[17];
    uint32_t tag;
    s_fdopt_t opts[SOCK_MAX_FD];
    /* heartbeat thread */
    pthread_t hb;
    bool hb_running;
    void *hb_stop;          /* PAIR: main side */
    char hb_ep[64];
};

/* ------------------------------------------------------------------ */
/* requests                                                             */

static Ls__CtlReply *s_recv_tag(sock_lib_t *self, uint32_t tag, int timeout_ms)
{
    uint64_t until = ls_now_ns() + (uint64_t)timeout_ms * 1000000ull;
    for (;;) {
        uint64_t now = ls_now_ns();
        if (now >= until)
            return NULL;
        Ls__CtlReply *rep = ls_ctl_recv_on(self->sock, (int)((until - now) / 1000000ull) + 1);
        if (!rep)
            continue;
        if (rep->has_tag && rep->tag == tag)
            return rep;
        ls__ctl_reply__free_unpacked(rep, NULL); /* a stale answer (an abandoned wait) */
    }
}

static int s_send_req(sock_lib_t *self, const char *op, const char *const *args, size_t nargs, const void *data,
                      size_t len, uint32_t *tag)
{
    char *av[12];
    size_t n = 0;
    av[n++] = (char *)op;
    av[n++] = self->token;
    for (size_t i = 0; i < nargs && n < 12; i++)
        av[n++] = (char *)args[i];
    Ls__CtlRequest req = LS__CTL_REQUEST__INIT;
    req.version = LS__VERSION__CONTRACT_VERSION;
    req.cmd = "sock";
    req.n_args = n;
    req.args = av;
    if (data) {
        req.has_data = 1;
        req.data.data = (uint8_t *)data;
        req.data.len = len;
    }
    req.has_tag = 1;
    req.tag = *tag = ++self->tag;
    size_t sz = ls__ctl_request__get_packed_size(&req);
    uint8_t *buf = malloc(sz ? sz : 1);
    if (!buf) {
        errno = ENOMEM;
        return -1;
    }
    ls__ctl_request__pack(&req, buf);
    int rc = zmq_send(self->sock, buf, sz, 0);
    free(buf);
    if (rc < 0) {
        errno = EIO;
        return -1;
    }
    return 0;
}

/* One request, its reply (NULL + errno EIO if transport-svc is silent). */
static Ls__CtlReply *s_call(sock_lib_t *self, const char *op, const char *const *args, size_t nargs,
                            const void *data, size_t len, int timeout_ms)
{
    uint32_t tag;
    if (s_send_req(self, op, args, nargs, data, len, &tag) < 0)
        return NULL;
    Ls__CtlReply *rep = s_recv_tag(self, tag, timeout_ms);
    if (!rep)
        errno = EIO;
    return rep;
}

/* Result of a reply: 0, or -1 with errno = rc. Frees the reply unless keep. */
static int s_rc(Ls__CtlReply **rep_p)
{
    Ls__CtlReply *rep = *rep_p;
    if (!rep)
        return -1;
    int rc = rep->rc;
    if (rc) {
        ls__ctl_reply__free_unpacked(rep, NULL);
        *rep_p = NULL;
        errno = rc;
        return -1;
    }
    return 0;
}

static const char *s_kv(const Ls__CtlReply *rep, const char *key)
{
    for (size_t i = 0; i < rep->n_kv; i++)
        if (strcmp(rep->kv[i]->key, key) == 0)
            return rep->kv[i]->value;
    return NULL;
}

static long s_kv_long(const Ls__CtlReply *rep, const char *key, long dflt)
{
    const char *v = s_kv(rep, key);
    return v ? strtol(v, NULL, 10) : dflt;
}

static void s_free(Ls__CtlReply **rep_p)
{
    if (*rep_p)
        ls__ctl_reply__free_unpacked(*rep_p, NULL);
    *rep_p = NULL;
}

/* Simple op on one fd with extra args: 0 / -1. */
static int s_simple(sock_lib_t *self, const char *op, int fd, const char *a1, const char *a2)
{
    char f[16];
    snprintf(f, sizeof f, "%d", fd);
    const char *args[3] = {f, a1, a2};
    Ls__CtlReply *rep = s_call(self, op, args, a2 ? 3 : a1 ? 2 : 1, NULL, 0, SOCK_CALL_MS);
    if (s_rc(&rep) < 0)
        return -1;
    s_free(&rep);
    return 0;
}

static bool s_fd_ok(int fd)
{
    if (fd < 0 || fd >= SOCK_MAX_FD) {
        errno = EBADF;
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* heartbeat                                                            */

static void *s_hb_main(void *arg)
{
    sock_lib_t *self = arg;
    void *stop = zmq_socket(self->app->zctx, ZMQ_PAIR);
    void *d = zmq_socket(self->app->zctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(stop, ZMQ_LINGER, &zero, sizeof zero);
    zmq_connect(stop, self->hb_ep);
    zmq_connect(d, self->endpoint);
    Ls__CtlRequest req = LS__CTL_REQUEST__INIT;
    char *av[2] = {"hb", self->token};
    req.version = LS__VERSION__CONTRACT_VERSION;
    req.cmd = "sock";
    req.n_args = 2;
    req.args = av;
    uint8_t buf[128];
    size_t n = ls__ctl_request__get_packed_size(&req);
    if (n <= sizeof buf)
        ls__ctl_request__pack(&req, buf);
    uint64_t next = 0;
    for (;;) {
        uint64_t now = ls_now_ns();
        if (now >= next) {
            if (n <= sizeof buf)
                zmq_send(d, buf, n, ZMQ_DONTWAIT);
            next = now + SOCK_HB_MS * 1000000ull;
        }
        zmq_pollitem_t it[2] = {{.socket = stop, .events = ZMQ_POLLIN}, {.socket = d, .events = ZMQ_POLLIN}};
        if (zmq_poll(it, 2, (long)((next - now) / 1000000ull) + 1) < 0 && errno != EINTR)
            break;
        if (it[0].revents & ZMQ_POLLIN)
            break;
        if (it[1].revents & ZMQ_POLLIN) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            zmq_msg_recv(&m, d, ZMQ_DONTWAIT); /* the hb replies: nothing to do */
            zmq_msg_close(&m);
        }
    }
    zmq_close(d);
    zmq_close(stop);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* lifecycle                                                            */

sock_lib_t *sock_lib_new(app_t *app)
{
    sock_lib_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->app = app;
    char svc[128];
    snprintf(svc, sizeof svc, "%s-transport", app->host);
    if (topo_endpoint(app->topo, app->mode, app->run_dir, svc, TOPO_EP_CTL, NULL, false, self->endpoint,
                      sizeof self->endpoint) < 0) {
        fprintf(stderr, "%s: %s\n", app->prog, self->endpoint);
        free(self);
        return NULL;
    }
    uint64_t tok = app_random64() | 1; /* never 0 */
    snprintf(self->token, sizeof self->token, "%016llx", (unsigned long long)tok);
    self->sock = zmq_socket(app->zctx, ZMQ_DEALER);
    int zero = 0, hb = 1000, hbt = 3000;
    zmq_setsockopt(self->sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(self->sock, ZMQ_HEARTBEAT_IVL, &hb, sizeof hb);
    zmq_setsockopt(self->sock, ZMQ_HEARTBEAT_TIMEOUT, &hbt, sizeof hbt);
    if (zmq_connect(self->sock, self->endpoint) < 0) {
        fprintf(stderr, "%s: cannot connect to %s: %s\n", app->prog, self->endpoint, zmq_strerror(errno));
        zmq_close(self->sock);
        free(self);
        return NULL;
    }
    for (int i = 0; i < SOCK_MAX_FD; i++)
        self->opts[i].timeout_ms = -1;
    Ls__CtlReply *rep = s_call(self, "hello", NULL, 0, NULL, 0, 3000);
    if (!rep || rep->rc) {
        if (rep)
            fprintf(stderr, "%s: %s-transport: %s\n", app->prog, app->host, rep->error ? rep->error : "refused");
        else
            fprintf(stderr, "%s: %s-transport does not answer (is transport-svc running? try: stackctl status)\n",
                    app->prog, app->host);
        s_free(&rep);
        zmq_close(self->sock);
        free(self);
        return NULL;
    }
    s_free(&rep);
    snprintf(self->hb_ep, sizeof self->hb_ep, "inproc://sock-hb-%p", (void *)self);
    self->hb_stop = zmq_socket(app->zctx, ZMQ_PAIR);
    zmq_setsockopt(self->hb_stop, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_bind(self->hb_stop, self->hb_ep) == 0 && pthread_create(&self->hb, NULL, s_hb_main, self) == 0)
        self->hb_running = true;
    return self;
}

void sock_lib_destroy(sock_lib_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sock_lib_t *self = *self_p;
    Ls__CtlReply *rep = s_call(self, "bye", NULL, 0, NULL, 0, 2000);
    s_free(&rep);
    if (self->hb_running) {
        zmq_send(self->hb_stop, "", 0, 0);
        pthread_join(self->hb, NULL);
    }
    if (self->hb_stop)
        zmq_close(self->hb_stop);
    zmq_close(self->sock);
    free(self);
    *self_p = NULL;
}

sock_lib_t *sock_lib_open(app_t *app, const char *prog, const char *host, uint32_t *dst)
{
    if (app_init(app, prog) < 0)
        return NULL;
    int grc = host ? app_resolve(app, host, dst) : 0;
    if (grc < 0) {
        fprintf(stderr, "%s: %s: %s\n", prog, host, app_gai_strerror(grc));
        app_fini(app);
        return NULL;
    }
    sock_lib_t *lib = sock_lib_new(app);
    if (!lib)
        app_fini(app);
    return lib;
}

/* ------------------------------------------------------------------ */
/* readiness                                                            */

static int s_parse_ready(const Ls__CtlReply *rep, sock_pollfd_t *fds, size_t n)
{
    const char *r = s_kv(rep, "ready");
    int count = 0;
    while (r && *r) {
        int fd, ev, used = 0;
        if (sscanf(r, "%d:%d%n", &fd, &ev, &used) != 2)
            break;
        for (size_t i = 0; i < n; i++)
            if (fds[i].fd == fd && fds[i].fd >= 0) {
                if (!fds[i].revents)
                    count++;
                fds[i].revents |= (short)ev;
            }
        r += used;
        if (*r == ',')
            r++;
    }
    return count;
}

static int s_poll_os(sock_pollfd_t *fds, size_t n, int timeout_ms)
{
    struct pollfd p[64];
    size_t map[64], k = 0;
    for (size_t i = 0; i < n && k < 64; i++)
        if (fds[i].fd < 0) {
            p[k] = (struct pollfd){.fd = fds[i].os_fd,
                                   .events = (short)((fds[i].events & SOCK_POLLIN ? POLLIN : 0) |
                                                     (fds[i].events & SOCK_POLLOUT ? POLLOUT : 0))};
            map[k++] = i;
        }
    if (!k)
        return 0;
    int rc = poll(p, k, timeout_ms);
    if (rc <= 0)
        return rc;
    int count = 0;
    for (size_t j = 0; j < k; j++) {
        short re = 0;
        if (p[j].revents & (POLLIN | POLLHUP))
            re |= SOCK_POLLIN;
        if (p[j].revents & POLLOUT)
            re |= SOCK_POLLOUT;
        if (p[j].revents & POLLERR)
            re |= SOCK_POLLERR;
        if (p[j].revents & POLLNVAL)
            re |= SOCK_POLLNVAL;
        if (re) {
            if (!fds[map[j]].revents)
                count++;
            fds[map[j]].revents |= re;
        }
    }
    return count;
}

/* Sockets and OS fds together: the server-side wait runs while zmq_poll
 * watches the OS fds; if one of those fires first, "cancel" makes the wait
 * answer at once (its reply precedes the cancel's). */
static int s_wait_mixed(sock_lib_t *self, sock_pollfd_t *fds, size_t n, const char *const *args, size_t k,
                        long chunk)
{
    uint32_t wtag;
    if (s_send_req(self, "wait", args, k, NULL, 0, &wtag) < 0)
        return -1;
    zmq_pollitem_t it[65];
    size_t m = 1;
    it[0] = (zmq_pollitem_t){.socket = self->sock, .events = ZMQ_POLLIN};
    for (size_t i = 0; i < n && m < 65; i++)
        if (fds[i].fd < 0) {
            it[m] = (zmq_pollitem_t){.fd = fds[i].os_fd,
                                     .events = (short)((fds[i].events & SOCK_POLLIN ? ZMQ_POLLIN : 0) |
                                                       (fds[i].events & SOCK_POLLOUT ? ZMQ_POLLOUT : 0))};
            m++;
        }
    uint64_t until = ls_now_ns() + (uint64_t)(chunk + SOCK_CALL_MS) * 1000000ull;
    int count = 0;
    for (;;) {
        uint64_t now = ls_now_ns();
        if (now >= until) {
            errno = EIO;
            return -1;
        }
        if (zmq_poll(it, (int)m, (long)((until - now) / 1000000ull) + 1) < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        bool os_ready = false;
        for (size_t j = 1; j < m; j++)
            if (it[j].revents)
                os_ready = true;
        if (os_ready) {
            count = s_poll_os(fds, n, 0);
            uint32_t ctag;
            if (s_send_req(self, "cancel", NULL, 0, NULL, 0, &ctag) < 0)
                return -1;
            /* the wait's reply (if still pending) arrives before the cancel's */
            uint64_t cu = ls_now_ns() + SOCK_CALL_MS * 1000000ull;
            for (;;) {
                uint64_t t = ls_now_ns();
                if (t >= cu) {
                    errno = EIO;
                    return -1;
                }
                Ls__CtlReply *r = ls_ctl_recv_on(self->sock, (int)((cu - t) / 1000000ull) + 1);
                if (!r)
                    continue;
                uint32_t tag = r->has_tag ? r->tag : 0;
                if (tag == wtag && r->rc == 0)
                    count += s_parse_ready(r, fds, n);
                ls__ctl_reply__free_unpacked(r, NULL);
                if (tag == ctag)
                    return count;
            }
        }
        if (it[0].revents & ZMQ_POLLIN) {
            zmq_msg_t msg;
            zmq_msg_init(&msg);
            if (zmq_msg_recv(&msg, self->sock, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&msg);
                continue;
            }
            Ls__CtlReply *r = ls__ctl_reply__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
            zmq_msg_close(&msg);
            if (!r)
                continue;
            bool mine = r->has_tag && r->tag == wtag;
            int rc = r->rc;
            if (mine && rc == 0)
                count = s_parse_ready(r, fds, n);
            ls__ctl_reply__free_unpacked(r, NULL);
            if (!mine)
                continue;
            if (rc) {
                errno = rc;
                return -1;
            }
            int c2 = s_poll_os(fds, n, 0);
            return count + (c2 > 0 ? c2 : 0);
        }
    }
}

int sock_poll(sock_lib_t *self, sock_pollfd_t *fds, size_t n, int timeout_ms)
{
    uint64_t start = ls_now_ns();
    uint64_t until = timeout_ms < 0 ? UINT64_MAX : start + (uint64_t)timeout_ms * 1000000ull;
    size_t nsock = 0, nos = 0;
    for (size_t i = 0; i < n; i++) {
        fds[i].revents = 0;
        if (fds[i].fd >= 0)
            nsock++;
        else
            nos++;
    }
    if (nsock > 10) {
        errno = EINVAL;
        return -1;
    }
    for (;;) {
        uint64_t now = ls_now_ns();
        long left = until == UINT64_MAX ? SOCK_WAIT_MS : now >= until ? 0 : (long)((until - now) / 1000000ull);
        long chunk = left < SOCK_WAIT_MS ? left : SOCK_WAIT_MS;
        if (!nsock) {
            int rc = s_poll_os(fds, n, (int)chunk);
            if (rc != 0 || now >= until)
                return rc;
            continue;
        }
        char sargs[11][24];
        const char *args[11];
        size_t k = 0;
        snprintf(sargs[k], sizeof sargs[k], "%ld", chunk);
        args[k] = sargs[k];
        k++;
        for (size_t i = 0; i < n; i++)
            if (fds[i].fd >= 0) {
                snprintf(sargs[k], sizeof sargs[k], "%d:%d", fds[i].fd, fds[i].events);
                args[k] = sargs[k];
                k++;
            }
        int count = 0;
        if (!nos) {
            Ls__CtlReply *rep = s_call(self, "wait", args, k, NULL, 0, (int)chunk + SOCK_CALL_MS);
            if (s_rc(&rep) < 0)
                return -1;
            count = s_parse_ready(rep, fds, n);
            s_free(&rep);
        } else {
            count = s_wait_mixed(self, fds, n, args, k, chunk);
            if (count < 0)
                return -1;
        }
        if (count > 0 || ls_now_ns() >= until)
            return count;
    }
}

/* Wait for ev on fd until the fd's timeout. 0 ready (or time to retry), -1 timed out. */
static int s_wait_for(sock_lib_t *self, int fd, short ev, uint64_t until)
{
    sock_pollfd_t p = {.fd = fd, .events = ev};
    uint64_t now = ls_now_ns();
    if (now >= until) {
        errno = EAGAIN;
        return -1;
    }
    long left = until == UINT64_MAX ? SOCK_WAIT_MS : (long)((until - now) / 1000000ull) + 1;
    int rc = sock_poll(self, &p, 1, left < SOCK_WAIT_MS ? (int)left : SOCK_WAIT_MS);
    if (rc < 0)
        return -1;
    if (p.revents & SOCK_POLLNVAL) {
        errno = EBADF;
        return -1;
    }
    return 0;
}

static uint64_t s_until(sock_lib_t *self, int fd)
{
    int t = self->opts[fd].timeout_ms;
    return t < 0 ? UINT64_MAX : ls_now_ns() + (uint64_t)t * 1000000ull;
}

/* ------------------------------------------------------------------ */
/* the calls                                                            */

int sock_socket(sock_lib_t *self, int type)
{
    const char *t = type == SOCK_T_TCP ? "tcp" : type == SOCK_T_UDP ? "udp" : NULL;
    if (!t) {
        errno = EPROTONOSUPPORT;
        return -1;
    }
    const char *args[1] = {t};
    Ls__CtlReply *rep = s_call(self, "socket", args, 1, NULL, 0, SOCK_CALL_MS);
    if (s_rc(&rep) < 0)
        return -1;
    int fd = (int)s_kv_long(rep, "fd", -1);
    s_free(&rep);
    if (!s_fd_ok(fd)) {
        errno = EIO;
        return -1;
    }
    self->opts[fd] = (s_fdopt_t){.nonblock = false, .timeout_ms = -1};
    return fd;
}

int sock_connect_to(sock_lib_t *self, int type, uint32_t dst, uint16_t port, const char *prog)
{
    int fd = sock_socket(self, type);
    if (fd >= 0 && sock_connect(self, fd, dst, port) == 0)
        return fd;
    int err = errno;
    char a[16];
    fprintf(stderr, "%s: connect to %s:%u: %s\n", prog, ip4_fmt(dst, a), port, strerror(err));
    if (fd >= 0)
        sock_close(self, fd);
    errno = err;
    return -1;
}

int sock_parse_port(const char *text)
{
    char *end;
    long p = strtol(text, &end, 10);
    return *end || p <= 0 || p > 65535 ? -1 : (int)p;
}

int sock_bind(sock_lib_t *self, int fd, uint32_t ip, uint16_t port)
{
    char a[16], p[8];
    snprintf(p, sizeof p, "%u", port);
    return s_simple(self, "bind", fd, ip4_fmt(ip, a), p);
}

int sock_listen(sock_lib_t *self, int fd, int backlog)
{
    char b[16];
    snprintf(b, sizeof b, "%d", backlog);
    return s_simple(self, "listen", fd, b, NULL);
}

int sock_accept(sock_lib_t *self, int fd, uint32_t *ip, uint16_t *port)
{
    if (!s_fd_ok(fd))
        return -1;
    uint64_t until = s_until(self, fd);
    char f[16];
    snprintf(f, sizeof f, "%d", fd);
    const char *args[1] = {f};
    for (;;) {
        Ls__CtlReply *rep = s_call(self, "accept", args, 1, NULL, 0, SOCK_CALL_MS);
        if (s_rc(&rep) == 0) {
            int nfd = (int)s_kv_long(rep, "fd", -1);
            const char *a = s_kv(rep, "addr");
            if (ip && (!a || ip4_parse(a, ip) < 0))
                *ip = 0;
            if (port)
                *port = (uint16_t)s_kv_long(rep, "port", 0);
            s_free(&rep);
            if (!s_fd_ok(nfd)) {
                errno = EIO;
                return -1;
            }
            self->opts[nfd] = (s_fdopt_t){.nonblock = false, .timeout_ms = -1};
            return nfd;
        }
        if (errno != EAGAIN || self->opts[fd].nonblock)
            return -1;
        if (s_wait_for(self, fd, SOCK_POLLIN, until) < 0)
            return -1;
    }
}

int sock_error(sock_lib_t *self, int fd)
{
    char f[16];
    snprintf(f, sizeof f, "%d", fd);
    const char *args[1] = {f};
    Ls__CtlReply *rep = s_call(self, "status", args, 1, NULL, 0, SOCK_CALL_MS);
    if (s_rc(&rep) < 0)
        return -1;
    int err = (int)s_kv_long(rep, "err", 0);
    s_free(&rep);
    return err;
}

int sock_connect(sock_lib_t *self, int fd, uint32_t ip, uint16_t port)
{
    if (!s_fd_ok(fd))
        return -1;
    uint64_t until = s_until(self, fd);
    char a[16], p[8], f[16];
    snprintf(f, sizeof f, "%d", fd);
    snprintf(p, sizeof p, "%u", port);
    const char *args[3] = {f, ip4_fmt(ip, a), p};
    Ls__CtlReply *rep = s_call(self, "connect", args, 3, NULL, 0, SOCK_CALL_MS);
    if (s_rc(&rep) == 0) {
        s_free(&rep);
        return 0; /* UDP */
    }
    if (errno != EINPROGRESS || self->opts[fd].nonblock)
        return -1;
    for (;;) {
        if (s_wait_for(self, fd, SOCK_POLLOUT, until) < 0) {
            if (errno == EAGAIN)
                errno = ETIMEDOUT;
            return -1;
        }
        rep = s_call(self, "status", args, 1, NULL, 0, SOCK_CALL_MS);
        if (s_rc(&rep) < 0)
            return -1;
        int err = (int)s_kv_long(rep, "err", 0);
        long connecting = s_kv_long(rep, "connecting", 0);
        const char *st = s_kv(rep, "state");
        bool pending = connecting || (st && strcmp(st, "SYN_SENT") == 0);
        s_free(&rep);
        if (err) {
            errno = err;
            return -1;
        }
        if (!pending)
            return 0;
    }
}

ssize_t sock_send(sock_lib_t *self, int fd, const void *buf, size_t len)
{
    if (!s_fd_ok(fd))
        return -1;
    uint64_t until = s_until(self, fd);
    char f[16];
    snprintf(f, sizeof f, "%d", fd);
    const char *args[1] = {f};
    size_t done = 0;
    do {
        size_t chunk = len - done < SOCK_CHUNK ? len - done : SOCK_CHUNK;
        Ls__CtlReply *rep = s_call(self, "send", args, 1, (const uint8_t *)buf + done, chunk, SOCK_CALL_MS);
        if (s_rc(&rep) == 0) {
            long n = s_kv_long(rep, "n", 0);
            s_free(&rep);
            done += (size_t)(n > 0 ? n : 0);
            if (self->opts[fd].nonblock)
                return (ssize_t)done;
            if (n > 0 && done == len)
                break;
            if (n > 0)
                continue;
            errno = EAGAIN;
        }
        if (errno != EAGAIN)
            return done ? (ssize_t)done : -1;
        if (self->opts[fd].nonblock)
            return done ? (ssize_t)done : -1;
        if (s_wait_for(self, fd, SOCK_POLLOUT, until) < 0)
            return done ? (ssize_t)done : -1;
    } while (done < len);
    return (ssize_t)done;
}

static ssize_t s_recv(sock_lib_t *self, int fd, void *buf, size_t len, uint32_t *ip, uint16_t *port, bool from)
{
    if (!s_fd_ok(fd))
        return -1;
    uint64_t until = s_until(self, fd);
    char f[16], m[16];
    snprintf(f, sizeof f, "%d", fd);
    snprintf(m, sizeof m, "%zu", len);
    const char *args[2] = {f, m};
    for (;;) {
        Ls__CtlReply *rep = s_call(self, from ? "recvfrom" : "recv", args, 2, NULL, 0, SOCK_CALL_MS);
        if (s_rc(&rep) == 0) {
            size_t n = rep->has_data ? rep->data.len : 0;
            if (n > len)
                n = len;
            if (n)
                memcpy(buf, rep->data.data, n);
            if (from) {
                const char *a = s_kv(rep, "addr");
                if (ip && (!a || ip4_parse(a, ip) < 0))
                    *ip = 0;
                if (port)
                    *port = (uint16_t)s_kv_long(rep, "port", 0);
            }
            s_free(&rep);
            return (ssize_t)n;
        }
        if (errno != EAGAIN || self->opts[fd].nonblock)
            return -1;
        if (s_wait_for(self, fd, SOCK_POLLIN, until) < 0)
            return -1;
    }
}

ssize_t sock_recv(sock_lib_t *self, int fd, void *buf, size_t len)
{
    return s_recv(self, fd, buf, len, NULL, NULL, false);
}

ssize_t sock_recv_all(sock_lib_t *self, int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = sock_recv(self, fd, (uint8_t *)buf + got, len - got);
        if (n < 0)
            return -1;
        if (n == 0) {
            if (got == 0)
                return 0;
            errno = EPIPE;
            return -1;
        }
        got += (size_t)n;
    }
    return (ssize_t)len;
}

ssize_t sock_recvfrom(sock_lib_t *self, int fd, void *buf, size_t len, uint32_t *ip, uint16_t *port)
{
    return s_recv(self, fd, buf, len, ip, port, true);
}

ssize_t sock_sendto(sock_lib_t *self, int fd, const void *buf, size_t len, uint32_t ip, uint16_t port)
{
    if (!s_fd_ok(fd))
        return -1;
    char a[16], p[8], f[16];
    snprintf(f, sizeof f, "%d", fd);
    snprintf(p, sizeof p, "%u", port);
    const char *args[3] = {f, ip4_fmt(ip, a), p};
    Ls__CtlReply *rep = s_call(self, "sendto", args, 3, buf, len, SOCK_CALL_MS);
    if (s_rc(&rep) < 0)
        return -1;
    long n = s_kv_long(rep, "n", 0);
    s_free(&rep);
    return (ssize_t)n;
}

int sock_shutdown(sock_lib_t *self, int fd, int how)
{
    return s_simple(self, "shutdown", fd, how == SOCK_SHUT_RD ? "rd" : how == SOCK_SHUT_RDWR ? "rdwr" : "wr", NULL);
}

int sock_close(sock_lib_t *self, int fd)
{
    return s_simple(self, "close", fd, NULL, NULL);
}

int sock_set_nonblock(sock_lib_t *self, int fd, bool on)
{
    if (!s_fd_ok(fd))
        return -1;
    self->opts[fd].nonblock = on;
    return 0;
}

int sock_set_timeout(sock_lib_t *self, int fd, int timeout_ms)
{
    if (!s_fd_ok(fd))
        return -1;
    self->opts[fd].timeout_ms = timeout_ms;
    return 0;
}

int sock_set_nodelay(sock_lib_t *self, int fd, bool on)
{
    return s_simple(self, "setopt", fd, "nodelay", on ? "1" : "0");
}

int sock_set_ttl(sock_lib_t *self, int fd, int ttl)
{
    char t[16];
    snprintf(t, sizeof t, "%d", ttl);
    return s_simple(self, "setopt", fd, "ttl", t);
}

static int s_name(sock_lib_t *self, const char *op, int fd, uint32_t *ip, uint16_t *port)
{
    char f[16];
    snprintf(f, sizeof f, "%d", fd);
    const char *args[1] = {f};
    Ls__CtlReply *rep = s_call(self, op, args, 1, NULL, 0, SOCK_CALL_MS);
    if (s_rc(&rep) < 0)
        return -1;
    const char *a = s_kv(rep, "addr");
    if (ip && (!a || ip4_parse(a, ip) < 0))
        *ip = 0;
    if (port)
        *port = (uint16_t)s_kv_long(rep, "port", 0);
    s_free(&rep);
    return 0;
}

int sock_getsockname(sock_lib_t *self, int fd, uint32_t *ip, uint16_t *port)
{
    return s_name(self, "getsockname", fd, ip, port);
}

int sock_getpeername(sock_lib_t *self, int fd, uint32_t *ip, uint16_t *port)
{
    return s_name(self, "getpeername", fd, ip, port);
}

int sock_last_icmp(sock_lib_t *self, int fd, sock_icmp_t *out)
{
    char f[16];
    snprintf(f, sizeof f, "%d", fd);
    const char *args[1] = {f};
    Ls__CtlReply *rep = s_call(self, "status", args, 1, NULL, 0, SOCK_CALL_MS);
    if (s_rc(&rep) < 0)
        return -1;
    memset(out, 0, sizeof *out);
    out->count = (unsigned)s_kv_long(rep, "icmp_count", 0);
    out->type = (uint8_t)s_kv_long(rep, "icmp_type", 0);
    out->code = (uint8_t)s_kv_long(rep, "icmp_code", 0);
    out->dport = (uint16_t)s_kv_long(rep, "icmp_dport", 0);
    const char *a = s_kv(rep, "icmp_from");
    if (a)
        ip4_parse(a, &out->from);
    a = s_kv(rep, "icmp_dst");
    if (a)
        ip4_parse(a, &out->dst);
    s_free(&rep);
    return 0;
}
