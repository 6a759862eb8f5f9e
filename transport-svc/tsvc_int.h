/*
 * tsvc_int.h -- transport-svc's internals shared by its files (not a public
 * interface: see tsvc.h).
 *
 *   tsvc.c        the core: config, fd table, routes, demux from net-svc,
 *                 output to net-svc, parked requests, lifecycle and time
 *   tsvc_sock.c   the application socket API over the ctl socket (sessions,
 *                 socket ops, waits)
 *   tsvc_upper.c  the socket service of the layer above over its pipe
 *                 (dns:transport: SockOp in, SockEvent out)
 *   tsvc_table.c  netstat / ss tables
 */
#ifndef LS_TSVC_INT_H
#define LS_TSVC_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "transport-svc/tsvc.h"

#define TSVC_MAX_FDS 65536 /* hard limit; the fd table grows on demand up to it */
#define TSVC_FDS_MIN 64
#define TSVC_MAX_SESSIONS 64
#define TSVC_MAX_WAIT 16
#define TSVC_MAX_ROPS 64
#define TSVC_ROUTE_CACHE 32
#define TSVC_MAX_RECV (256 * 1024)
#define TSVC_WAIT_CAP_NS 2000000000ull /* one wait lasts at most this long */

/* wait event bits (same values in apps/lib/sock.h) */
#define EV_IN 1
#define EV_OUT 2
#define EV_ERR 4
#define EV_NVAL 8

enum { FD_FREE = 0, FD_TCP, FD_UDP };

typedef struct {
    int type;
    int eid;            /* engine socket id */
    int session;
    int acc_pending;    /* listener: ACCEPT_READY events not yet consumed */
    bool connecting;    /* connect() in progress (route query or SYN_SENT) */
    /* owned by the layer above over its pipe (session == TSVC_SESSION_UPPER) */
    uint32_t uid;       /* the upper layer's socket id */
    bool up_connecting; /* CONNECT asked, CONNECTED not pushed yet */
    bool up_eof_sent;   /* CLOSED (peer FIN) pushed */
    uint64_t up_rx_off; /* TCP stream bytes pushed up so far */
    uint64_t up_parent; /* TCP: the SockOp that opened it (parent of what it sends) */
    uint8_t *up_tx;     /* TCP bytes accepted from the upper layer, not yet taken by the engine */
    size_t up_txlen;
} tsvc_fd_t;

#define TSVC_SESSION_UPPER (-1) /* tsvc_fd_t.session of a socket of the upper-layer pipe */

typedef struct {
    bool used;
    uint64_t token;
    uint64_t last_seen;
    ls_ctl_peer_t peer;
    bool wait_active;
    uint32_t wait_tag;
    uint64_t wait_deadline;
    int nwait;
    int wait_fd[TSVC_MAX_WAIT];
    int wait_ev[TSVC_MAX_WAIT];
} tsvc_session_t;

enum { ROP_CONNECT = 1, ROP_SENDTO };

/* An app request parked on a ROUTE_QUERY. */
typedef struct {
    bool used;
    int kind;
    bool upper;         /* parked by the upper-layer pipe: no ctl reply, errors as events */
    uint32_t qid;
    uint32_t dst;
    uint16_t port;
    uint64_t deadline;
    int session;
    int fd;
    ls_ctl_peer_t peer;
    uint32_t tag;
    bool has_tag;
    uint8_t *data;
    size_t len;
    uint64_t parent;    /* upper-layer sendto: the SockOp's PDU id */
} tsvc_rop_t;

typedef struct {
    uint32_t dst, src;
    uint16_t mtu;
    bool found;
    uint64_t expires;
} tsvc_route_t;

struct tsvc {
    tsvc_cfg_t cfg;
    tsvc_io_t io;
    tcp_stack_t *tcp;
    udp_sock_t *udp;
    tsvc_fd_t *fds;            /* [nfds], grown by doubling (tsvc_fd_alloc) */
    int nfds;
    int fd_hint;            /* no free fd below this one */
    int *tcp2fd, *udp2fd;   /* engine socket id -> fd, -1 none; [ntcp2fd]/[nudp2fd] */
    int ntcp2fd, nudp2fd;
    tsvc_session_t sessions[TSVC_MAX_SESSIONS];
    tsvc_rop_t rops[TSVC_MAX_ROPS];
    int sess_hi, rop_hi;    /* no slot at or above these was ever used: the per-loop scans stop there */
    tsvc_route_t routes[TSVC_ROUTE_CACHE];
    uint32_t next_qid;
    uint64_t now;           /* time of the entry point being processed */
    bool dirty;             /* readiness may have changed: check waits */
    /* per-segment/per-request counters, looked up on first use only */
    uint64_t *c_tcp_tx, *c_tcp_rx, *c_requests;
    uint8_t *rbuf;
    /* the upper-layer pipe (dns:transport): its sockets, in no particular order */
    int *upfds;
    int nupfds, upfds_cap;
    uint32_t up_instance;   /* HELLO instance of the upper service (0: none seen) */
    uint32_t up_next_accept;
};

/* ---- tsvc.c ---- */
/* A counter bumped per segment or request, looked up once into *slot. */
uint64_t *tsvc_hot(tsvc_t *self, uint64_t **slot, const char *name);
uint64_t tsvc_pdu_id(tsvc_t *self);
/* tcpdump-style one-liner of a transport segment ("IP a.p > b.q: ..."). */
void tsvc_summary(uint8_t proto, uint32_t src, uint32_t dst, const uint8_t *seg, size_t len, char *out, size_t cap);
int tsvc_fd_alloc(tsvc_t *self, int type, int eid, int session);
void tsvc_fd_free(tsvc_t *self, int fd);
int tsvc_fd_of(tsvc_t *self, int type, int eid);
/* Close the engine socket behind fd (FIN / free the port) and free fd. */
void tsvc_close_fd(tsvc_t *self, int fd);
tsvc_route_t *tsvc_route_find(tsvc_t *self, uint32_t dst);
/* Park a request until the route to dst is known: 1 parked, else an errno.
 * peer/req NULL for an upper-layer op (answered by tsvc_upper_rop_done);
 * parent: the PDU a parked datagram carries (0 = an app's write). */
int tsvc_rop_park(tsvc_t *self, int kind, int si, int fd, uint32_t dst, uint16_t port, const uint8_t *data,
                  size_t len, uint64_t parent, const ls_ctl_peer_t *peer, const Ls__CtlRequest *req);
int tsvc_do_connect(tsvc_t *self, int fd, uint32_t dst, uint16_t port, const tsvc_route_t *r);
/* Send a datagram on fd; parent (0 = none) is the PDU it carries. */
int tsvc_do_sendto(tsvc_t *self, int fd, const uint8_t *data, size_t len, uint32_t dst, uint16_t port,
                   const tsvc_route_t *r, uint64_t parent, ssize_t *n);

/* ---- tsvc_sock.c ---- */
int tsvc_sock_op(tsvc_t *self, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer);
void tsvc_sock_check_waits(tsvc_t *self);
/* Earliest wait or heartbeat deadline below d. */
uint64_t tsvc_sock_deadline(const tsvc_t *self, uint64_t d);
/* End the sessions whose app stopped sending heartbeats. */
void tsvc_sock_poll(tsvc_t *self);

/* ---- tsvc_upper.c ---- */
/* Push events for whatever changed on the upper layer's sockets. */
void tsvc_upper_scan(tsvc_t *self);
/* A parked upper-layer op finished with rc (0 or an errno). */
void tsvc_upper_rop_done(tsvc_t *self, const tsvc_rop_t *op, int rc);
/* Free the upper-layer socket table (tsvc_destroy). */
void tsvc_upper_fini(tsvc_t *self);

/* ---- tsvc_table.c ---- */
int tsvc_table(tsvc_t *self, const char *which, ls_ctl_reply_t *rep);

#endif
