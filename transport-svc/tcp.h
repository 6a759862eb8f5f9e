/*
 * tcp.h -- the TCP engine (RFC 9293) as a pure library: no I/O, no clock.
 *
 * Time comes in as now_ns (monotonic ns); segments go out through the
 * output callback; socket events through the event callback. transport-svc's
 * main loop owns one tcp_stack_t, feeds it tcp_input()/tcp_icmp_error() from
 * net-svc, calls tcp_poll() at tcp_next_deadline(), and maps app requests to
 * tcp_socket/bind/listen/accept/connect/send/recv/shutdown/close/abort.
 * tests/unit/tcp_script.c drives it on a fake clock.
 *
 * Errors: functions returning int give >= 0 on success and -1 with errno set
 * (EADDRINUSE, EAGAIN, EPIPE, ENOTCONN, EBADF, EINVAL, EISCONN, ...).
 * Callbacks run inside tcp_input/tcp_poll/tcp_* calls and must not call back
 * into the stack (queue the work instead).
 *
 * Listen queues: a SYN creates a SYN_RECV child counted in the half-open
 * queue (bounded by the backlog); on the final ACK it moves to the accept
 * queue (bounded by the backlog). When the accept queue is full a new SYN is
 * dropped silently and counted as tcp.drop.listen_overflow (like Linux): the
 * client's SYN retransmission retries later.
 *
 * Flow control: the sender keeps min(cwnd, peer window) in flight and stops
 * when it is full; a zero window with nothing in flight is probed with one
 * byte after RTO, then 2x, 4x... (persist timer, RFC 9293 3.8.6.1), for as
 * long as the peer answers. Sender SWS avoidance (RFC 1122 4.2.3.4): a
 * window-limited piece smaller than an MSS goes only if it is >= half the
 * largest window the peer offered, or when the persist timer (the override
 * timeout) fires with nothing in flight. Nagle (on unless cfg.nodelay or
 * tcp_setnodelay) holds a final partial segment while data is unACKed.
 * Receiver SWS (RFC 1122 4.2.3.3): the right edge moves only by
 * >= min(rcvbuf/2, MSS). Delayed ACK (cfg.delack): every second segment,
 * else after min(delack_ns, 500 ms). Window scaling (cfg.window_scaling,
 * RFC 7323) is on only if both SYNs carry the option; the shift follows
 * the receive buffer; without it windows are capped at 65535.
 * Congestion control: see tcp_cc_ops_t below. Every cwnd/ssthresh change
 * is logged (ev "cwnd", "...: cwnd A -> B, ssthresh S (cause)") and counted
 * as tcp.cc.<cause>: slow_start, ca (LS_LOG_PDU), dupack3, partial_ack,
 * full_ack, rto (LS_LOG_INFO); recovery_dupack (PDU) for inflation.
 */
#ifndef LS_TCP_H
#define LS_TCP_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <sys/types.h>
#include "runtime/log.h"

typedef struct tcp_stack tcp_stack_t;

typedef enum {
    TCP_CLOSED = 0, TCP_LISTEN, TCP_SYN_SENT, TCP_SYN_RECV, TCP_ESTABLISHED,
    TCP_FIN_WAIT1, TCP_FIN_WAIT2, TCP_CLOSE_WAIT, TCP_CLOSING, TCP_LAST_ACK, TCP_TIME_WAIT,
    TCP_NSTATES
} tcp_state_t;

typedef enum {
    TCP_EV_READABLE = 1, /* data or FIN (EOF) available */
    TCP_EV_WRITABLE,     /* send buffer space freed */
    TCP_EV_CONNECTED,    /* handshake done (active open) */
    TCP_EV_ACCEPT_READY, /* listener: a connection waits in the accept queue */
    TCP_EV_CLOSED,       /* connection fully closed without error */
    TCP_EV_ERROR,        /* connection aborted; err = ECONNREFUSED, ECONNRESET, ETIMEDOUT, ... */
} tcp_event_t;

typedef struct {
    uint64_t msl_ns;          /* 30 s; TIME_WAIT lasts 2*MSL */
    uint64_t min_rto_ns;      /* 200 ms (Linux; RFC 6298 says 1 s, MAY be less) */
    uint64_t max_rto_ns;      /* 120 s */
    uint64_t initial_rto_ns;  /* 1 s (RFC 6298 2.1) */
    int syn_retries;          /* 6: SYN sent at 0,1,3,7,15,31,63 s, ETIMEDOUT at 127 s */
    int synack_retries;       /* 5 */
    int max_retries;          /* 15 (data/FIN, like tcp_retries2) */
    uint64_t isn_secret;      /* keys SipHash-2-4 for ISNs (RFC 6528) and ephemeral ports */
    uint32_t rcvbuf;          /* 65535 bytes: advertised window = free space */
    uint32_t sndbuf;          /* 65536 bytes */
    uint16_t default_mss;     /* 536: peer's MSS when it sends no option (RFC 9293 3.7.1) */
    uint16_t default_mtu;     /* 1500: used when no route callback is given */
    uint16_t eph_lo, eph_hi;  /* 49152..65535 */
    bool nodelay;             /* true disables Nagle (RFC 896) */
    bool delack;              /* delayed ACK (RFC 1122 4.2.3.2); off in the engine default */
    uint64_t delack_ns;       /* 200 ms; capped at 500 ms (RFC 1122 4.2.3.2) */
    bool window_scaling;      /* send the RFC 7323 wscale option */
    const char *cc;           /* congestion control: "newreno" (default) or "none" */
    /* flow and congestion control */
    uint32_t initial_window_segments; /* IW in segments; 0 = RFC 6928: min(10*MSS, max(2*MSS, 14600)) */
    uint32_t initial_ssthresh;        /* bytes; 0 = "arbitrarily high" (RFC 5681 3.1) */
} tcp_cfg_t;

/* The engine's defaults: what the scripted tests are written against
 * (delayed ACK off, no window scaling, 64 KiB buffers). */
tcp_cfg_t tcp_cfg_default(void);

/* Recommended defaults for real runs (transport-svc should start from
 * these): tcp_cfg_default() plus window_scaling on, rcvbuf and sndbuf
 * 256 KiB (so windows above 64 KiB are used, RFC 7323), delayed ACK on
 * (200 ms, an ACK at least every second segment), Nagle on, NewReno. */
tcp_cfg_t tcp_cfg_service_default(void);

typedef struct {
    void *ctx;
    /* A complete segment (checksum filled) to hand to net-svc. */
    void (*output)(void *ctx, uint32_t src, uint32_t dst, const uint8_t *seg, size_t len,
                   uint64_t pdu_id, const uint64_t *parents, size_t np);
    void (*event)(void *ctx, int sock, tcp_event_t ev, int err);
    uint64_t (*new_pdu_id)(void *ctx);  /* may be NULL: ids 0 */
    /* Source address and MTU towards dst; 0 or -1 (no route). May be NULL. */
    int (*route)(void *ctx, uint32_t dst, uint32_t *src, uint16_t *mtu);
    ls_log_t *log;                /* may be NULL */
    ls_counters_t *counters;      /* required */
} tcp_io_t;

/* Introspection record (tcp_foreach). Times in ns. */
typedef struct {
    int sock;                   /* socket id, -1 for an orphan (closed by the app) */
    uint32_t lip, rip;
    uint16_t lport, rport;
    tcp_state_t state;
    const char *state_name;
    uint32_t iss, irs, snd_una, snd_nxt, rcv_nxt;
    uint32_t snd_wnd, rcv_wnd, cwnd, ssthresh;
    uint16_t mss;
    uint64_t srtt, rttvar, rto;
    uint32_t retransmits;       /* total retransmitted segments */
    size_t sendq, recvq;        /* bytes queued (unacked+unsent / unread) */
    /* flow and congestion control */
    uint32_t dupacks;           /* duplicate ACKs in a row (RFC 5681 2) */
    bool in_recovery;           /* in NewReno fast recovery (RFC 6582) */
    const char *cc;             /* congestion-control algorithm name */
    uint8_t snd_wscale, rcv_wscale; /* RFC 7323 shifts in use (0 if not negotiated) */
    uint32_t in_flight;         /* snd_nxt - snd_una */
    uint32_t window_probes;     /* zero-window probes sent (RFC 9293 3.8.6.1) */
    bool nodelay;               /* Nagle disabled on this socket */
    /* memory */
    size_t buf_bytes;           /* send + receive ring bytes allocated (grown on demand) */
} tcp_info_t;

tcp_stack_t *tcp_stack_new(const tcp_cfg_t *cfg, const tcp_io_t *io);
void tcp_stack_destroy(tcp_stack_t **self_p);
/* The live config; changes apply to connections created afterwards. */
tcp_cfg_t *tcp_stack_cfg(tcp_stack_t *self);
/* Test hook: every ISN chosen afterwards is `iss` (force = false: RFC 6528). */
void tcp_stack_force_iss(tcp_stack_t *self, bool force, uint32_t iss);

int tcp_socket(tcp_stack_t *self);
int tcp_bind(tcp_stack_t *self, int sock, uint32_t ip, uint16_t port);
int tcp_listen(tcp_stack_t *self, int sock, int backlog);
/* Next established connection from the accept queue, or -1/EAGAIN. */
int tcp_accept(tcp_stack_t *self, int sock, uint32_t *rip, uint16_t *rport);
int tcp_connect(tcp_stack_t *self, int sock, uint32_t rip, uint16_t rport, uint64_t now);
/* Bytes queued (may be < len), -1/EAGAIN when full, EPIPE after shutdown. */
ssize_t tcp_send(tcp_stack_t *self, int sock, const void *buf, size_t len, uint64_t now);
/* Bytes read, 0 at the peer's FIN, -1/EAGAIN when nothing yet, or the error. */
ssize_t tcp_recv(tcp_stack_t *self, int sock, void *buf, size_t len, uint64_t now);
int tcp_shutdown(tcp_stack_t *self, int sock, int how, uint64_t now); /* SHUT_WR / SHUT_RDWR */
/* Graceful close; the id is released, the connection finishes as an orphan. */
int tcp_close(tcp_stack_t *self, int sock, uint64_t now);
/* Send RST (if synchronized) and release everything. */
int tcp_abort(tcp_stack_t *self, int sock, uint64_t now);
int tcp_setnodelay(tcp_stack_t *self, int sock, bool on);
/* Per-socket buffer sizes (bytes, 0 = keep), like SO_SNDBUF/SO_RCVBUF:
 * only before connect()/listen() (EISCONN otherwise); a listener's values
 * are inherited by its connections. The window-scale shift follows rcvbuf. */
int tcp_setbufsize(tcp_stack_t *self, int sock, uint32_t sndbuf, uint32_t rcvbuf);
/* Per-socket congestion control by name ("newreno", "none"); before the
 * connection is established. -1/ENOENT for an unknown name. */
int tcp_setcc(tcp_stack_t *self, int sock, const char *name);
int tcp_getsockname(tcp_stack_t *self, int sock, uint32_t *ip, uint16_t *port);
tcp_state_t tcp_sock_state(tcp_stack_t *self, int sock);
/* Pending error of a socket (0 if none) -- like SO_ERROR, without clearing. */
int tcp_sock_error(tcp_stack_t *self, int sock);
int tcp_sock_info(tcp_stack_t *self, int sock, tcp_info_t *out);
/* Bytes queued for the application to read on sock (0 for an unknown socket). */
size_t tcp_recv_queued(tcp_stack_t *self, int sock);

/* A segment from net-svc (IP already validated). */
void tcp_input(tcp_stack_t *self, uint32_t src, uint32_t dst, const uint8_t *seg, size_t len,
               uint64_t pdu_id, uint64_t now);
/* An ICMP error quoting one of our segments (IP header + >= 8 bytes). */
void tcp_icmp_error(tcp_stack_t *self, uint8_t type, uint8_t code, const uint8_t *quoted,
                    size_t len, uint64_t now);

/* Fire every timer due at or before now. */
void tcp_poll(tcp_stack_t *self, uint64_t now);
/* Earliest armed timer, UINT64_MAX if none. O(1). */
uint64_t tcp_next_deadline(const tcp_stack_t *self);

void tcp_foreach(tcp_stack_t *self, void (*fn)(const tcp_info_t *info, void *arg), void *arg);
size_t tcp_count(const tcp_stack_t *self);
const char *tcp_state_name(tcp_state_t st);

/* Congestion-control algorithm (sizes in bytes). The engine's core
 * (transport-svc/tcp_cc.c) owns loss recovery -- duplicate-ACK counting,
 * fast retransmit on the 3rd dupACK, fast recovery with NewReno partial
 * ACKs (RFC 5681 3.2, RFC 6582), the loss window after an RTO -- and logs
 * and counts every cwnd/ssthresh change with its cause. An algorithm only
 * decides the numbers, through these hooks (all but name may be NULL):
 *   init      connection established: set tcb->cwnd and tcb->ssthresh
 *             (NULL: IW per RFC 6928 / cfg, ssthresh from cfg)
 *   on_ack    new data ACKed outside fast recovery: grow cwnd (slow start
 *             while cwnd < ssthresh, congestion avoidance after)
 *   on_dupack told of every duplicate ACK (ndup = 1, 2, 3, ...)
 *   on_rto    told after an RTO set cwnd to the loss window
 *   ssthresh  the new ssthresh on a loss (3rd dupACK, first RTO of a
 *             segment); NULL: the algorithm ignores loss (cwnd is never cut)
 * Algorithms live in transport-svc/tcp_cc_<name>.c (they include
 * tcp_int.h for the TCB fields and may keep state in tcb->cc_priv) and
 * are listed in tcp_cc.c's table; adding one (CUBIC) touches nothing else. */
typedef struct tcp_tcb tcp_tcb_t;
typedef struct {
    const char *name;
    void (*init)(tcp_tcb_t *tcb, uint64_t now);
    void (*on_ack)(tcp_tcb_t *tcb, uint32_t acked, uint64_t now);   /* new data ACKed */
    void (*on_dupack)(tcp_tcb_t *tcb, int ndup, uint64_t now);      /* ndup = 1, 2, 3, ... */
    void (*on_rto)(tcp_tcb_t *tcb, uint64_t now);
    uint32_t (*ssthresh)(const tcp_tcb_t *tcb);
} tcp_cc_ops_t;

/* The registered algorithm called name, or NULL. */
const tcp_cc_ops_t *tcp_cc_find(const char *name);

/* SipHash-2-4 (Aumasson & Bernstein), exposed for tests. */
uint64_t tcp_siphash24(const uint8_t key[16], const uint8_t *msg, size_t len);

#endif
