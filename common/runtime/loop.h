/*
 * loop.h -- the one event loop of every process (redis ae.c style).
 *
 * A loop polls ZeroMQ sockets and plain fds with zmq_poll. Its timeout is
 * the earliest monotonic deadline over all registered timer sources; there
 * are no sleeps and no tick threads. Protocol cores expose
 * next_deadline()/poll(now); a service registers them as a timer source.
 *
 *   ls_loop_t *loop = ls_loop_new();
 *   ls_loop_add_socket(loop, zsock, on_readable, arg);
 *   ls_loop_add_timer(loop, core_next_deadline, core_poll, core);
 *   ls_loop_run(loop);            // until ls_loop_stop() or SIGTERM/SIGINT
 */
#ifndef LS_LOOP_H
#define LS_LOOP_H

#include <stdint.h>

typedef struct ls_loop ls_loop_t;

/* Readable callback; return -1 to stop the loop. */
typedef int (*ls_loop_io_fn)(ls_loop_t *loop, void *sock, int fd, void *arg);
/* Earliest deadline (monotonic ns) of a component, UINT64_MAX when none. */
typedef uint64_t (*ls_loop_deadline_fn)(void *arg);
/* Called when now >= the component's deadline. */
typedef void (*ls_loop_fire_fn)(void *arg, uint64_t now);

/* CLOCK_MONOTONIC in nanoseconds. The only clock the services read. */
uint64_t ls_now_ns(void);

/* In a freshly forked child: stdout and stderr append to path, stdin from
 * /dev/null. Used by the orchestrator for every process it starts. */
void ls_proc_redirect_stdio(const char *path);

ls_loop_t *ls_loop_new(void);
void ls_loop_destroy(ls_loop_t **self_p);
/* Watch a ZeroMQ socket (sock != NULL) or an fd (sock == NULL) for input. */
int ls_loop_add_socket(ls_loop_t *self, void *sock, ls_loop_io_fn fn, void *arg);
int ls_loop_add_fd(ls_loop_t *self, int fd, ls_loop_io_fn fn, void *arg);
int ls_loop_remove(ls_loop_t *self, void *sock, int fd);
int ls_loop_add_timer(ls_loop_t *self, ls_loop_deadline_fn deadline, ls_loop_fire_fn fire, void *arg);
/* One-shot deadline without a component: fire(arg, now) once at `at`. */
int ls_loop_at(ls_loop_t *self, uint64_t at, ls_loop_fire_fn fire, void *arg);
void ls_loop_stop(ls_loop_t *self);
/* Run until stopped or until SIGTERM/SIGINT (blocked and read via signalfd). */
int ls_loop_run(ls_loop_t *self);

#endif
