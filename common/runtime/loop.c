/*
 * loop.c -- zmq_poll-based event loop with deadline-driven timeouts.
 *
 * Each iteration: compute the earliest deadline over timer sources and
 * one-shots, poll with that timeout, dispatch readable items, then fire
 * every source whose deadline has passed. SIGTERM/SIGINT arrive through a
 * signalfd and stop the loop cleanly (no async signal handlers).
 */
#include "runtime/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define LS_LOOP_MAX_IO 64
#define LS_LOOP_MAX_TIMERS 32
#define LS_LOOP_MAX_AT 64

typedef struct {
    void *sock;
    int fd;
    ls_loop_io_fn fn;
    void *arg;
} s_io_t;

typedef struct {
    ls_loop_deadline_fn deadline;
    ls_loop_fire_fn fire;
    void *arg;
} s_timer_t;

typedef struct {
    uint64_t at;
    ls_loop_fire_fn fire;
    void *arg;
} s_at_t;

struct ls_loop {
    s_io_t io[LS_LOOP_MAX_IO];
    int nio;
    s_timer_t timers[LS_LOOP_MAX_TIMERS];
    int ntimers;
    s_at_t ats[LS_LOOP_MAX_AT];
    int nats;
    int sigfd;
    int stop;
};

uint64_t ls_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ls_proc_redirect_stdio(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0) {
        dup2(nul, 0);
        close(nul);
    }
}

ls_loop_t *ls_loop_new(void)
{
    ls_loop_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    self->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    signal(SIGPIPE, SIG_IGN);
    return self;
}

void ls_loop_destroy(ls_loop_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    if ((*self_p)->sigfd >= 0)
        close((*self_p)->sigfd);
    free(*self_p);
    *self_p = NULL;
}

int ls_loop_add_socket(ls_loop_t *self, void *sock, ls_loop_io_fn fn, void *arg)
{
    if (self->nio >= LS_LOOP_MAX_IO)
        return -1;
    self->io[self->nio++] = (s_io_t){.sock = sock, .fd = -1, .fn = fn, .arg = arg};
    return 0;
}

int ls_loop_add_fd(ls_loop_t *self, int fd, ls_loop_io_fn fn, void *arg)
{
    if (self->nio >= LS_LOOP_MAX_IO)
        return -1;
    self->io[self->nio++] = (s_io_t){.sock = NULL, .fd = fd, .fn = fn, .arg = arg};
    return 0;
}

int ls_loop_remove(ls_loop_t *self, void *sock, int fd)
{
    for (int i = 0; i < self->nio; i++) {
        if ((sock && self->io[i].sock == sock) || (!sock && self->io[i].fd == fd)) {
            memmove(&self->io[i], &self->io[i + 1], (size_t)(self->nio - i - 1) * sizeof self->io[0]);
            self->nio--;
            return 0;
        }
    }
    return -1;
}

int ls_loop_add_timer(ls_loop_t *self, ls_loop_deadline_fn deadline, ls_loop_fire_fn fire, void *arg)
{
    if (self->ntimers >= LS_LOOP_MAX_TIMERS)
        return -1;
    self->timers[self->ntimers++] = (s_timer_t){deadline, fire, arg};
    return 0;
}

int ls_loop_at(ls_loop_t *self, uint64_t at, ls_loop_fire_fn fire, void *arg)
{
    if (self->nats >= LS_LOOP_MAX_AT)
        return -1;
    self->ats[self->nats++] = (s_at_t){at, fire, arg};
    return 0;
}

void ls_loop_stop(ls_loop_t *self) { self->stop = 1; }

static uint64_t s_earliest(ls_loop_t *self)
{
    uint64_t d = UINT64_MAX;
    for (int i = 0; i < self->ntimers; i++) {
        uint64_t t = self->timers[i].deadline(self->timers[i].arg);
        if (t < d)
            d = t;
    }
    for (int i = 0; i < self->nats; i++)
        if (self->ats[i].at < d)
            d = self->ats[i].at;
    return d;
}

static void s_fire_due(ls_loop_t *self)
{
    uint64_t now = ls_now_ns();
    for (int i = 0; i < self->ntimers; i++)
        if (self->timers[i].deadline(self->timers[i].arg) <= now)
            self->timers[i].fire(self->timers[i].arg, now);
    for (int i = 0; i < self->nats;) {
        if (self->ats[i].at <= now) {
            s_at_t a = self->ats[i];
            self->ats[i] = self->ats[--self->nats];
            a.fire(a.arg, now);
        } else {
            i++;
        }
    }
}

int ls_loop_run(ls_loop_t *self)
{
    zmq_pollitem_t items[LS_LOOP_MAX_IO + 1];
    while (!self->stop) {
        int n = 0;
        items[n++] = (zmq_pollitem_t){.socket = NULL, .fd = self->sigfd, .events = ZMQ_POLLIN};
        int nio = self->nio;
        for (int i = 0; i < nio; i++)
            items[n++] = (zmq_pollitem_t){.socket = self->io[i].sock, .fd = self->io[i].fd, .events = ZMQ_POLLIN};
        uint64_t d = s_earliest(self), now = ls_now_ns();
        long timeout = -1;
        if (d != UINT64_MAX)
            timeout = d <= now ? 0 : (long)((d - now + 999999) / 1000000);
        int rc = zmq_poll(items, n, timeout);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (items[0].revents & ZMQ_POLLIN) {
            struct signalfd_siginfo si;
            while (read(self->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
                self->stop = 1;
        }
        /* dispatch on the snapshot; callbacks may add or remove items */
        s_io_t snap[LS_LOOP_MAX_IO];
        memcpy(snap, self->io, (size_t)nio * sizeof snap[0]);
        for (int i = 0; i < nio && !self->stop; i++)
            if (items[i + 1].revents & ZMQ_POLLIN)
                if (snap[i].fn(self, snap[i].sock, snap[i].fd, snap[i].arg) < 0)
                    self->stop = 1;
        s_fire_due(self);
    }
    return 0;
}
