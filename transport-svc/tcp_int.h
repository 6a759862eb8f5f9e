/*
 * tcp_int.h -- TCP engine internals shared by tcp.c (stack, sockets, timers,
 * output) and tcp_input.c (RFC 9293 3.10.7 SEGMENT ARRIVES).
 * Not for use outside transport-svc/tcp*.c.
 */
#ifndef LS_TCP_INT_H
#define LS_TCP_INT_H

#include "transport-svc/tcp.h"
#include "wire/tcp_wire.h"

/* Sequence-number comparisons modulo 2^32 (RFC 9293 3.4). */
#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

#define TCP_NS_MS 1000000ull
#define TCP_NS_S 1000000000ull

/* An out-of-order segment held for reassembly (sorted by seq). */
typedef struct tcp_ooo {
    struct tcp_ooo *next;
    uint32_t seq, len;
    bool fin;
    uint8_t data[];
} tcp_ooo_t;

struct tcp_tcb {
    tcp_stack_t *st;
    int sock;                 /* socket id; -1: pending child or orphan */
    bool orphan;              /* the app closed it; finishing alone */
    tcp_state_t state;
    uint32_t lip, rip;
    uint16_t lport, rport;
    bool port_owner;          /* bound this port (bind/ephemeral), not a child */
    bool hashed;
    tcp_tcb_t *hnext;         /* 4-tuple hash chain */
    tcp_tcb_t *aprev, *anext; /* all TCBs */

    /* listener side */
    int backlog;
    int n_syn, n_acc;
    tcp_tcb_t *acc_head, *acc_tail; /* established, not yet accepted */
    tcp_tcb_t *lnext;               /* listeners list */
    tcp_tcb_t *parent;              /* child: its listener (until accepted) */
    tcp_tcb_t *qnext;               /* accept-queue link */
    bool passive;                   /* created by a listener */
    bool in_accq;                   /* child: established, in the accept queue */

    /* send sequence space (RFC 9293 3.3.1) */
    uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2, max_sndwnd;
    uint8_t snd_wscale, rcv_wscale;
    bool ws_ok;               /* both sides sent wscale (RFC 7323) */
    uint16_t smss;            /* effective send MSS */
    uint16_t rmss;            /* MSS we advertise (mtu - 40) */
    /* send buffer: a ring of salloc bytes (grown on demand up to scap, the
     * logical size); the byte with seq sbuf_seq is sbuf[shead]. */
    uint8_t *sbuf;            /* unacked + unsent data */
    uint32_t scap, slen, sbuf_seq;
    uint32_t salloc, shead;
    bool bufs;                /* buffer sizes fixed (connect/accept): no more setbufsize */
    bool fin_queued;          /* shutdown(SHUT_WR)/close: FIN after the data */
    uint32_t fin_seq;
    bool nodelay;
    uint32_t sndbuf_sz, rcvbuf_sz; /* buffer sizes to allocate (cfg or tcp_setbufsize) */

    /* receive sequence space */
    uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge last advertised */
    uint8_t *rbuf;            /* ring of ralloc bytes (grown up to rcap); head at rhead */
    uint32_t rcap, rlen;
    uint32_t ralloc, rhead;
    tcp_ooo_t *ooo;
    uint32_t ooo_bytes;
    bool fin_rcvd;

    /* timers: absolute deadlines, 0 = off; heap_key = earliest */
    uint64_t rto_at, tw_at, delack_at, persist_at;
    uint64_t heap_key;
    size_t heap_idx;          /* SIZE_MAX when not in the heap */

    /* RTT / RTO (RFC 6298) */
    uint64_t srtt, rttvar, rto;
    bool rtt_valid, rtt_timing, syn_rexmitted;
    uint32_t rtt_seq;
    uint64_t rtt_start;
    int nrexmit;              /* consecutive timeouts (backoff exponent) */
    uint32_t total_rexmit;
    int persist_backoff;
    uint32_t window_probes;   /* zero-window probes sent */

    /* congestion control (RFC 5681 / 6582): core state in tcp_cc.c */
    const tcp_cc_ops_t *cc;
    uint32_t cwnd, ssthresh, dupacks, recover;
    bool in_recovery;
    uint64_t cc_priv[8];      /* the algorithm's own per-connection state */
    int segs_unacked;         /* delayed ACK: full segments since the last ACK */

    int err;                  /* hard error delivered to the app */
    int soft_err;             /* last ICMP soft error (RFC 1122 4.2.3.9) */
};

struct tcp_stack {
    tcp_cfg_t cfg;
    tcp_io_t io;
    uint8_t key[16];
    bool force_iss;
    uint32_t forced_iss;
    tcp_tcb_t **htab;
    size_t hsize;
    tcp_tcb_t *all;
    size_t count;
    tcp_tcb_t *listeners;
    tcp_tcb_t **socks;
    size_t nsocks, sock_hint;
    tcp_tcb_t **heap;
    size_t heap_len, heap_cap;
    uint32_t eph_next;
    uint64_t cur_parent;      /* pdu id of the segment being processed, 0 if none */
    uint8_t *obuf;            /* output scratch */
    size_t ocap;
    uint8_t *sscr;            /* a segment's payload when it wraps the send ring */
    size_t sscr_cap;
    /* per-segment counters through cached pointers (TCP_COUNT_HOT); the
     * registry keeps them stable. cc_ctr: "tcp.cc.<name>" by name pointer. */
    uint64_t *c_tx_segs, *c_rx_segs, *c_rx_data_segs, *c_ack_delayed;
    struct {
        const char *name;
        uint64_t *val;
    } cc_ctr[8];
};

/* Bump a per-segment counter: looked up by name on first use only. */
#define TCP_COUNT_HOT(st, field, cname)                              \
    do {                                                              \
        if (!(st)->field)                                             \
            (st)->field = ls_counter((st)->io.counters, (cname));     \
        (*(st)->field)++;                                             \
    } while (0)

/* tcp.c helpers used by tcp_input.c */
tcp_tcb_t *tcp_tcb_lookup(tcp_stack_t *st, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport);
tcp_tcb_t *tcp_listener_lookup(tcp_stack_t *st, uint32_t lip, uint16_t lport);
tcp_tcb_t *tcp_tcb_new_child(tcp_tcb_t *l, uint32_t lip, uint32_t rip, uint16_t rport, uint64_t now);
void tcp_set_state(tcp_tcb_t *t, tcp_state_t ns, uint64_t now, const char *why);
void tcp_conn_closed(tcp_tcb_t *t, int err, uint64_t now); /* -> CLOSED, event, maybe free */
void tcp_timer_sync(tcp_tcb_t *t);
void tcp_emit_event(tcp_tcb_t *t, tcp_event_t ev, int err);
void tcp_take_options(tcp_tcb_t *t, const tcp_repr_t *r);
uint32_t tcp_rcv_window(tcp_tcb_t *t);
uint64_t tcp_delack_delay(const tcp_cfg_t *c);  /* min(delack_ns, 500 ms) */

/* buffer rings (tcp.c): append grows the allocation on demand up to the
 * logical capacity; returns bytes taken (0 also when out of memory). */
uint32_t tcp_rbuf_append(tcp_tcb_t *t, const uint8_t *d, uint32_t n);
void tcp_sbuf_consume(tcp_tcb_t *t, uint32_t n); /* n acked bytes leave the front */

/* segment output */
void tcp_send_syn(tcp_tcb_t *t, uint64_t now);          /* SYN or SYN-ACK per state */
void tcp_send_ack(tcp_tcb_t *t, uint64_t now);
void tcp_send_rst_for(tcp_stack_t *st, uint32_t src, uint32_t dst, const tcp_repr_t *r, uint64_t now);
void tcp_send_rst(tcp_tcb_t *t, uint64_t now);           /* <SEQ=SND.NXT><CTL=RST> */
void tcp_output(tcp_tcb_t *t, uint64_t now, bool force_ack);
int tcp_retransmit_one(tcp_tcb_t *t, uint64_t now);
void tcp_rtt_sample(tcp_tcb_t *t, uint64_t rtt);
void tcp_rto_arm(tcp_tcb_t *t, uint64_t now);
const char *tcp_tuple(const tcp_tcb_t *t, char *buf, size_t cap);
uint32_t tcp_flight_size(const tcp_tcb_t *t);   /* snd_max - snd_una (RFC 5681 FlightSize) */
uint32_t tcp_initial_window(const tcp_tcb_t *t); /* RFC 6928 or cfg.initial_window_segments */

/* congestion-control core (tcp_cc.c): loss recovery around the ops */
void tcp_cc_init(tcp_tcb_t *t, uint64_t now);                   /* on ESTABLISHED */
void tcp_cc_on_ack(tcp_tcb_t *t, uint32_t acked, uint64_t now); /* SND.UNA advanced */
void tcp_cc_on_dupack(tcp_tcb_t *t, uint64_t now);              /* a duplicate ACK */
void tcp_cc_on_rto(tcp_tcb_t *t, uint64_t now);                 /* retransmission timeout */
/* Log (and count "tcp.cc.<counter>") a cwnd/ssthresh change from the given
 * old values; level LS_LOG_PDU for per-ACK growth, LS_LOG_INFO for loss. */
void tcp_cc_changed(tcp_tcb_t *t, uint64_t now, uint32_t old_cwnd, uint32_t old_ssthresh,
                    const char *cause, const char *counter, int level);

extern const tcp_cc_ops_t tcp_cc_newreno;
extern const tcp_cc_ops_t tcp_cc_none;

#endif
