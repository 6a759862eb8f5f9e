/*
 * sock.h -- the socket API for layerstack applications.
 *
 * Applications do not own sockets: the host's transport-svc does. This
 * library turns BSD-socket-like calls into requests on transport-svc's
 * control socket, so an app reads like any sockets program:
 *
 *     app_t app;                         // apps/lib/app.h: where we run
 *     app_init(&app, "echo-client");
 *     sock_lib_t *lib = sock_lib_new(&app);
 *     int fd = sock_socket(lib, SOCK_T_TCP);
 *     if (sock_connect(lib, fd, LS_IP4(198, 51, 100, 10), 7) < 0)
 *         fprintf(stderr, "connect: %s\n", strerror(errno));
 *     sock_send(lib, fd, "hello\n", 6);
 *     char buf[100];
 *     ssize_t n = sock_recv(lib, fd, buf, sizeof buf);   // 0 = the peer closed
 *     sock_close(lib, fd);
 *     sock_lib_destroy(&lib);            // closes what is still open
 *     app_fini(&app);
 *
 * Semantics follow POSIX where they can:
 *   - Every call returns -1 and sets errno on failure: ECONNREFUSED,
 *     ECONNRESET, ETIMEDOUT, EADDRINUSE, EPIPE, ENOTCONN, EHOSTUNREACH,
 *     ENETUNREACH, EAGAIN (non-blocking), EBADF, EINVAL, EIO (transport-svc
 *     does not answer).
 *   - sock_connect (TCP) returns once the SYN-ACK has arrived; sock_accept
 *     only once the three-way handshake is complete; sock_recv returns 0 at
 *     the peer's FIN. Blocking sock_send queues everything before returning.
 *   - Received data stays in transport-svc until the app reads it, so the
 *     TCP window the peer sees is what this app has not read yet (end-to-end
 *     flow control); reading opens the window again.
 *   - If the app dies, transport-svc notices within ~3 s (a heartbeat
 *     thread sends one beat a second) and closes its sockets: FIN, or RST
 *     if unread data was left (RFC 2525 2.17).
 *
 * Addresses are host-order uint32_t (LS_IP4(a,b,c,d) from bytes.h); ports
 * are host order. Socket descriptors are small ints valid only with this
 * library (they are not kernel fds).
 *
 * Wire protocol (transport-svc/tsvc.c is the server): CtlRequest cmd "sock",
 * args = [op, session-token (16 hex digits), op args...], data = payload;
 * CtlReply rc = 0 or errno, error = text, kv = results, data = payload. Ops:
 *   hello | hb | bye                      session start / heartbeat / end
 *   socket tcp|udp -> fd                  bind FD IP PORT      listen FD BACKLOG
 *   accept FD -> fd addr port             connect FD IP PORT (rc EINPROGRESS for TCP)
 *   send FD +data -> n                    recv FD MAX -> data (empty = EOF)
 *   sendto FD IP PORT +data -> n          recvfrom FD MAX -> data addr port
 *   shutdown FD rd|wr|rdwr                close FD
 *   setopt FD nodelay|ttl VALUE           getsockname|getpeername FD -> addr port
 *   status FD -> state err connecting     wait MS FD:EV... -> ready "fd:ev,..."
 *     (UDP: icmp_count icmp_type icmp_code icmp_from icmp_dst icmp_dport)
 *   cancel                                (answers a pending wait at once)
 * Blocking calls are "try, then wait for readiness, then retry".
 */
#ifndef LS_SOCK_H
#define LS_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "apps/lib/app.h"

typedef struct sock_lib sock_lib_t;

enum { SOCK_T_TCP = 1, SOCK_T_UDP = 2 };

/* sock_shutdown how */
enum { SOCK_SHUT_RD = 0, SOCK_SHUT_WR = 1, SOCK_SHUT_RDWR = 2 };

/* sock_poll events (like POLLIN / POLLOUT / POLLERR / POLLNVAL) */
#define SOCK_POLLIN 1
#define SOCK_POLLOUT 2
#define SOCK_POLLERR 4
#define SOCK_POLLNVAL 8

typedef struct {
    int fd;          /* a socket from this library ... */
    int os_fd;       /* ... or, if fd < 0, an OS file descriptor (stdin: 0), polled with poll(2) */
    short events;    /* SOCK_POLLIN | SOCK_POLLOUT */
    short revents;   /* filled by sock_poll (ERR/NVAL always reported) */
} sock_pollfd_t;

/* Open a session with this host's transport-svc (app from app_init). NULL
 * after printing a clear error (transport-svc not running...). */
sock_lib_t *sock_lib_new(app_t *app);
/* What every socket program does first: app_init(app, prog), then, if host is
 * not NULL, resolve it into *dst ("PROG: HOST: unknown host" if it cannot),
 * then sock_lib_new. NULL after printing why (app is finished then: exit 2). */
sock_lib_t *sock_lib_open(app_t *app, const char *prog, const char *host, uint32_t *dst);
/* Close every socket still open (gracefully) and end the session. Call it
 * before app_fini (it stops the heartbeat thread, which uses app's context). */
void sock_lib_destroy(sock_lib_t **self_p);

/* A new socket: SOCK_T_TCP (stream) or SOCK_T_UDP (datagram). fd or -1. */
int sock_socket(sock_lib_t *self, int type);
/* sock_socket(type) + sock_connect(dst, port): the connected fd, or -1 after
 * printing "PROG: connect to 198.51.100.10:7: Connection refused". */
int sock_connect_to(sock_lib_t *self, int type, uint32_t dst, uint16_t port, const char *prog);
/* A port given on a command line: "1".."65535" -> the port, anything else
 * (0, garbage, trailing characters, out of range) -> -1. */
int sock_parse_port(const char *text);
/* Local address/port (ip 0 = any, port 0 = ephemeral). */
int sock_bind(sock_lib_t *self, int fd, uint32_t ip, uint16_t port);
int sock_listen(sock_lib_t *self, int fd, int backlog);
/* A completed connection: new fd, peer address in *ip and *port (may be NULL). */
int sock_accept(sock_lib_t *self, int fd, uint32_t *ip, uint16_t *port);
/* TCP: three-way handshake (non-blocking: -1/EINPROGRESS, then poll for
 * SOCK_POLLOUT and read sock_error). UDP: fixes the peer. */
int sock_connect(sock_lib_t *self, int fd, uint32_t ip, uint16_t port);
/* Bytes queued (blocking: all of len), -1/EAGAIN when non-blocking and full. */
ssize_t sock_send(sock_lib_t *self, int fd, const void *buf, size_t len);
/* Bytes read, 0 at end of stream, -1/EAGAIN when non-blocking and empty. */
ssize_t sock_recv(sock_lib_t *self, int fd, void *buf, size_t len);
/* Exactly len bytes (blocking): len, 0 at end of stream before the first
 * byte, -1 on error or an end of stream in the middle (errno EPIPE then). */
ssize_t sock_recv_all(sock_lib_t *self, int fd, void *buf, size_t len);
/* UDP datagrams (a TCP socket ignores the address). */
ssize_t sock_sendto(sock_lib_t *self, int fd, const void *buf, size_t len, uint32_t ip, uint16_t port);
ssize_t sock_recvfrom(sock_lib_t *self, int fd, void *buf, size_t len, uint32_t *ip, uint16_t *port);
/* SOCK_SHUT_WR sends FIN after the queued data (half-close). */
int sock_shutdown(sock_lib_t *self, int fd, int how);
int sock_close(sock_lib_t *self, int fd);

/* Options. */
int sock_set_nonblock(sock_lib_t *self, int fd, bool on);
int sock_set_nodelay(sock_lib_t *self, int fd, bool on);   /* TCP: disable Nagle */
int sock_set_ttl(sock_lib_t *self, int fd, int ttl);       /* UDP: IP TTL of datagrams sent (traceroute -U) */
/* Blocking calls give up after timeout_ms (-1 = never, default) with ETIMEDOUT/EAGAIN. */
int sock_set_timeout(sock_lib_t *self, int fd, int timeout_ms);
int sock_getsockname(sock_lib_t *self, int fd, uint32_t *ip, uint16_t *port);
int sock_getpeername(sock_lib_t *self, int fd, uint32_t *ip, uint16_t *port);
/* Pending error (SO_ERROR), 0 if none; -1 if the call itself failed. */
int sock_error(sock_lib_t *self, int fd);

/* The last ICMP error about a datagram this UDP socket sent (like Linux
 * IP_RECVERR; traceroute -U: type 11 from a router, type 3 code 3 from the
 * target). sock_poll reports SOCK_POLLERR while a new one is unread, if the
 * entry's events asked for SOCK_POLLERR. */
typedef struct {
    unsigned count;      /* ICMP errors seen so far on this socket */
    uint8_t type, code;
    uint32_t from;       /* who sent the ICMP message */
    uint32_t dst;        /* the quoted probe's destination address and port */
    uint16_t dport;
} sock_icmp_t;
/* 0 and *out filled (count 0 = none yet), -1 on error. Marks it read. */
int sock_last_icmp(sock_lib_t *self, int fd, sock_icmp_t *out);

/* Wait until one of fds is ready or timeout_ms passes (-1 = forever, 0 =
 * just look). Returns how many entries have revents != 0, 0 on timeout, -1. */
int sock_poll(sock_lib_t *self, sock_pollfd_t *fds, size_t n, int timeout_ms);

#endif
