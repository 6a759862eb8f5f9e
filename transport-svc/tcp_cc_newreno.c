/*
 * tcp_cc_newreno.c -- the congestion-control algorithms behind
 * tcp_cc_ops_t: "newreno" (RFC 5681 slow start and congestion avoidance
 * with byte counting, RFC 3465; loss response max(FlightSize/2, 2*SMSS))
 * and "none" (no congestion window: only the peer's window limits).
 * Fast retransmit / fast recovery / partial ACKs / the RTO loss window are
 * the core's (tcp_cc.c); these only compute cwnd and ssthresh.
 *
 * Call chain: tcp_cc.c (tcp_cc_init / tcp_cc_on_ack / tcp_cc_on_dupack /
 * tcp_cc_on_rto) -> the hooks below; selected by name through tcp_cc_find()
 * from tcp_cfg_t.cc or tcp_setcc().
 */
#include "transport-svc/tcp_int.h"

#define NR_BYTES_ACKED 0 /* cc_priv slot: RFC 3465 bytes_acked in CA */

static void s_nr_init(tcp_tcb_t *t, uint64_t now)
{
    (void)now;
    /* RFC 6928 initial window (or cfg.initial_window_segments); RFC 5681
     * 3.1: the initial ssthresh SHOULD be arbitrarily high */
    t->cwnd = tcp_initial_window(t);
    t->ssthresh = t->st->cfg.initial_ssthresh ? t->st->cfg.initial_ssthresh : 0x7fffffffu;
    t->cc_priv[NR_BYTES_ACKED] = 0;
}

static void s_nr_on_ack(tcp_tcb_t *t, uint32_t acked, uint64_t now)
{
    (void)now;
    if (t->cwnd < t->ssthresh) {
        /* RFC 5681 3.1 eq. 2: slow start, cwnd += min(N, SMSS) per ACK:
         * with every segment ACKed, cwnd doubles per RTT */
        t->cwnd += acked < t->smss ? acked : t->smss;
        t->cc_priv[NR_BYTES_ACKED] = 0;
        return;
    }
    /* RFC 5681 3.1 / RFC 3465 2.1: congestion avoidance with byte counting:
     * once a whole cwnd of bytes has been ACKed, cwnd += SMSS -- exactly
     * one segment per RTT */
    t->cc_priv[NR_BYTES_ACKED] += acked;
    if (t->cc_priv[NR_BYTES_ACKED] >= t->cwnd) {
        t->cc_priv[NR_BYTES_ACKED] -= t->cwnd;
        t->cwnd += t->smss;
    }
}

static void s_nr_on_dupack(tcp_tcb_t *t, int ndup, uint64_t now)
{
    (void)now;
    if (ndup == 3)
        t->cc_priv[NR_BYTES_ACKED] = 0; /* a loss event restarts the CA count */
}

static void s_nr_on_rto(tcp_tcb_t *t, uint64_t now)
{
    (void)now;
    t->cc_priv[NR_BYTES_ACKED] = 0;
}

static uint32_t s_nr_ssthresh(const tcp_tcb_t *t)
{
    /* RFC 5681 3.1 eq. 4 / 3.2 step 2: max(FlightSize / 2, 2*SMSS) */
    uint32_t half = tcp_flight_size(t) / 2, two = 2u * t->smss;
    return half > two ? half : two;
}

const tcp_cc_ops_t tcp_cc_newreno = {
    .name = "newreno",
    .init = s_nr_init,
    .on_ack = s_nr_on_ack,
    .on_dupack = s_nr_on_dupack,
    .on_rto = s_nr_on_rto,
    .ssthresh = s_nr_ssthresh,
};

static void s_none_init(tcp_tcb_t *t, uint64_t now)
{
    (void)now;
    t->cwnd = 0x7fffffffu;
    t->ssthresh = 0x7fffffffu;
}

/* no on_ack (cwnd never grows), no ssthresh (loss never cuts it) */
const tcp_cc_ops_t tcp_cc_none = {.name = "none", .init = s_none_init};
