/*
 * tcp_input.c -- RFC 9293 3.10.7 SEGMENT ARRIVES, step by step, plus
 * RFC 5961 RST/SYN hardening, out-of-order reassembly and ICMP errors
 * (RFC 1122 4.2.3.9, RFC 5927).
 *
 * Call chain: transport-svc main loop (net-svc delivered a TCP PDU) and
 * tests/unit/tcp_script.c -> tcp_input() -> s_listen / s_syn_sent /
 * s_synchronized -> helpers in tcp.c (output, timers, state, events).
 * ICMP errors from net-svc -> tcp_icmp_error().
 */
#include "transport-svc/tcp_int.h"
#include "wire/bytes.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IP4_OFF_VHL 0
#define IP4_OFF_PROTO 9
#define IP4_OFF_SRC 12
#define IP4_OFF_DST 16

typedef struct {
    tcp_stack_t *st;
    uint32_t src, dst;
    uint64_t pdu, now;
    const tcp_repr_t *r;      /* the parsed segment */
    char sum[200];            /* its summary, built on first use (state lines, drops) */
} s_in_t;

/* The tcpdump-style summary of the segment, built only when a line needs it:
 * at info level most segments never do. */
static const char *s_sum(s_in_t *in)
{
    if (!in->sum[0] && in->r)
        tcp_summary(in->r, in->sum, sizeof in->sum);
    return in->sum;
}

static void s_drop(s_in_t *in, const char *counter, const char *fmt, const char *detail)
{
    ls_drop(in->st->io.log, in->st->io.counters,
            &(ls_logev_t){.now_ns = in->now, .layer = "transport", .dir = "up", .pdu = in->pdu},
            counter, fmt, detail);
}

static uint32_t s_seg_len(const tcp_repr_t *r)
{
    return (uint32_t)r->payload_len + !!(r->flags & TCP_SYN) + !!(r->flags & TCP_FIN);
}

/* ------------------------------------------------------------------ */
/* LISTEN (RFC 9293 3.10.7.2)                                           */

static void s_listen(s_in_t *in, tcp_tcb_t *l, const tcp_repr_t *r)
{
    /* first check for an RST: an incoming RST should be ignored */
    if (r->flags & TCP_RST) {
        s_drop(in, "tcp.drop.listen_rst", "%s", "RST to a listener ignored");
        return;
    }
    /* second check for an ACK: any acknowledgment is bad in LISTEN: <SEQ=SEG.ACK><CTL=RST> */
    if (r->flags & TCP_ACK) {
        tcp_send_rst_for(in->st, in->src, in->dst, r, in->now);
        s_drop(in, "tcp.drop.listen_ack", "%s", "ACK to a listener: RST sent");
        return;
    }
    /* third check for a SYN */
    if (!(r->flags & TCP_SYN)) {
        s_drop(in, "tcp.drop.listen_no_syn", "%s", "no SYN in LISTEN");
        return;
    }
    /* Accept queue full: drop the SYN silently, like Linux; the client's SYN
     * retransmission retries later. The half-open (SYN) queue is also bounded
     * by the backlog. */
    if (l->n_acc >= l->backlog) {
        s_drop(in, "tcp.drop.listen_overflow", "%s", "accept queue full: SYN dropped");
        return;
    }
    if (l->n_syn >= l->backlog) {
        s_drop(in, "tcp.drop.syn_queue_full", "%s", "SYN queue full: SYN dropped");
        return;
    }
    tcp_tcb_t *t = tcp_tcb_new_child(l, in->dst, in->src, r->sport, in->now);
    if (!t) {
        s_drop(in, "tcp.drop.no_memory", "%s", "cannot allocate a TCB");
        return;
    }
    /* RCV.NXT = SEG.SEQ+1, IRS = SEG.SEQ; send <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> */
    t->irs = r->seq;
    t->rcv_nxt = r->seq + 1;
    t->rcv_adv = t->rcv_nxt;
    t->snd_wnd = r->wnd; /* RFC 7323 2.2: never scaled in a SYN */
    t->max_sndwnd = t->snd_wnd;
    t->snd_wl1 = r->seq;
    t->snd_wl2 = t->iss;
    tcp_take_options(t, r);
    tcp_set_state(t, TCP_SYN_RECV, in->now, s_sum(in));
    tcp_send_syn(t, in->now);
    tcp_rto_arm(t, in->now);
    LS_COUNT(in->st->io.counters, "tcp.passive_opens");
    /* data in a SYN is not queued here (no TFO); the peer retransmits it */
}

/* ------------------------------------------------------------------ */
/* SYN-SENT (RFC 9293 3.10.7.3)                                         */

static bool s_text_fin(s_in_t *in, tcp_tcb_t *t, tcp_repr_t *r);

static void s_established(s_in_t *in, tcp_tcb_t *t)
{
    tcp_cc_init(t, in->now);
    if (t->passive && t->parent) {
        tcp_tcb_t *l = t->parent;
        l->n_syn--;
        t->in_accq = true;
        l->n_acc++;
        if (l->acc_tail)
            l->acc_tail->qnext = t;
        else
            l->acc_head = t;
        l->acc_tail = t;
        tcp_emit_event(l, TCP_EV_ACCEPT_READY, 0);
    } else {
        tcp_emit_event(t, TCP_EV_CONNECTED, 0);
    }
    LS_COUNT(in->st->io.counters, "tcp.established");
}

static void s_syn_sent(s_in_t *in, tcp_tcb_t *t, tcp_repr_t *r)
{
    bool ack_ok = false;
    /* first check the ACK bit: if SEG.ACK =< ISS or SEG.ACK > SND.NXT, send
     * a reset (unless the RST bit is set) and discard */
    if (r->flags & TCP_ACK) {
        if (SEQ_LEQ(r->ack, t->iss) || SEQ_GT(r->ack, t->snd_max)) {
            if (!(r->flags & TCP_RST))
                tcp_send_rst_for(in->st, in->src, in->dst, r, in->now);
            s_drop(in, "tcp.drop.bad_ack", "%s", "unacceptable ACK in SYN_SENT");
            return;
        }
        ack_ok = true;
    }
    /* second check the RST bit: with an acceptable ACK, "connection reset"
     * (ECONNREFUSED); without an ACK, drop */
    if (r->flags & TCP_RST) {
        if (ack_ok) {
            tcp_conn_closed(t, ECONNREFUSED, in->now);
        } else {
            s_drop(in, "tcp.drop.rst_no_ack", "%s", "RST without ACK in SYN_SENT");
        }
        return;
    }
    /* third check the security (not implemented: no IPv4 security option) */
    /* fourth check the SYN bit */
    if (!(r->flags & TCP_SYN)) {
        s_drop(in, "tcp.drop.no_syn", "%s", "neither SYN nor RST in SYN_SENT");
        return;
    }
    t->irs = r->seq;
    t->rcv_nxt = r->seq + 1;
    t->rcv_adv = t->rcv_nxt;
    tcp_take_options(t, r);
    t->snd_wl1 = r->seq;
    if (ack_ok) {
        t->snd_una = r->ack;
        t->snd_wl2 = r->ack;
    }
    if (SEQ_GT(t->snd_una, t->iss)) {
        /* our SYN is ACKed: ESTABLISHED, <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
        t->snd_wnd = (uint32_t)r->wnd; /* SYN windows are unscaled */
        t->max_sndwnd = t->snd_wnd;
        t->rto_at = 0;
        if (!t->syn_rexmitted)
            tcp_rtt_sample(t, in->now - t->rtt_start);
        else
            /* RFC 6298 5.7: SYN timed out -> RTO = 3 s when data begins */
            t->rto = 3 * TCP_NS_S > t->rto ? 3 * TCP_NS_S : t->rto;
        t->nrexmit = 0;
        tcp_set_state(t, TCP_ESTABLISHED, in->now, s_sum(in));
        s_established(in, t);
        /* text or controls after the SYN: continue at the sixth step */
        r->seq++;
        r->flags &= (uint8_t)~TCP_SYN;
        if ((r->payload_len || (r->flags & TCP_FIN)) && s_text_fin(in, t, r))
            return;
        tcp_output(t, in->now, true);
    } else {
        /* simultaneous open: SYN-RECEIVED, <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> */
        t->snd_wnd = r->wnd;
        t->max_sndwnd = t->snd_wnd;
        tcp_set_state(t, TCP_SYN_RECV, in->now, s_sum(in));
        tcp_send_syn(t, in->now);
    }
}

/* ------------------------------------------------------------------ */
/* text reassembly                                                      */

/* Append in-order bytes; returns bytes taken. */
static uint32_t s_append(tcp_tcb_t *t, const uint8_t *d, uint32_t n)
{
    n = tcp_rbuf_append(t, d, n);
    t->rcv_nxt += n;
    return n;
}

static bool s_ooo_insert(tcp_tcb_t *t, uint32_t seq, const uint8_t *d, uint32_t n, bool fin)
{
    if (t->ooo_bytes + n > t->rcap)
        return false;
    tcp_ooo_t *e = malloc(sizeof *e + (n ? n : 1));
    if (!e)
        return false;
    e->seq = seq;
    e->len = n;
    e->fin = fin;
    memcpy(e->data, d, n);
    tcp_ooo_t **pp = &t->ooo;
    while (*pp && SEQ_LEQ((*pp)->seq, seq))
        pp = &(*pp)->next;
    e->next = *pp;
    *pp = e;
    t->ooo_bytes += n;
    return true;
}

/* Move queued segments that became in-order; returns true if a FIN did. */
static bool s_ooo_drain(tcp_tcb_t *t)
{
    bool fin = false;
    while (t->ooo && SEQ_LEQ(t->ooo->seq, t->rcv_nxt)) {
        tcp_ooo_t *e = t->ooo;
        t->ooo = e->next;
        t->ooo_bytes -= e->len;
        uint32_t end = e->seq + e->len;
        if (SEQ_GT(end, t->rcv_nxt)) {
            uint32_t skip = t->rcv_nxt - e->seq;
            s_append(t, e->data + skip, e->len - skip);
        }
        if (e->fin && end == t->rcv_nxt)
            fin = true;
        free(e);
        if (fin)
            break;
    }
    if (fin)
        while (t->ooo) { /* nothing after a FIN is meaningful */
            tcp_ooo_t *n = t->ooo->next;
            t->ooo_bytes -= t->ooo->len;
            free(t->ooo);
            t->ooo = n;
        }
    return fin;
}

/* Seventh (text) and eighth (FIN) steps on a trimmed, acceptable segment.
 * Returns true if the TCB was freed. */
static bool s_text_fin(s_in_t *in, tcp_tcb_t *t, tcp_repr_t *r)
{
    bool fin_now = false, need_ack = false;
    bool text_ok = t->state == TCP_ESTABLISHED || t->state == TCP_FIN_WAIT1 || t->state == TCP_FIN_WAIT2;
    /* seventh, process the segment text */
    if (r->payload_len && text_ok) {
        if (t->orphan) {
            /* RFC 9293 3.10.4 / RFC 2525 2.17: the app is gone, new data
             * cannot be delivered: reset (like Linux) */
            tcp_send_rst(t, in->now);
            s_drop(in, "tcp.drop.data_after_close", "%s", "data for a closed socket: RST");
            tcp_conn_closed(t, 0, in->now);
            return true;
        }
        if (r->seq == t->rcv_nxt) {
            uint32_t took = s_append(t, r->payload, (uint32_t)r->payload_len);
            bool had_ooo = t->ooo != NULL;
            if (took == r->payload_len && (r->flags & TCP_FIN))
                fin_now = true;
            if (s_ooo_drain(t))
                fin_now = true;
            tcp_emit_event(t, TCP_EV_READABLE, 0);
            TCP_COUNT_HOT(in->st, c_rx_data_segs, "tcp.rx.data_segs");
            /* RFC 1122 4.2.3.2 / RFC 5681 4.2: ACK at least every second
             * (full) segment, and never later than 500 ms (the timer is
             * min(delack_ns, 500 ms) from the first unACKed segment and is
             * not pushed back by later ones); immediately when filling a
             * hole or on a FIN */
            t->segs_unacked++;
            if (!in->st->cfg.delack || had_ooo || t->segs_unacked >= 2 || fin_now)
                need_ack = true;
            else if (!t->delack_at) {
                t->delack_at = in->now + tcp_delack_delay(&in->st->cfg);
                tcp_timer_sync(t);
                TCP_COUNT_HOT(in->st, c_ack_delayed, "tcp.tx.ack_delayed");
            }
        } else {
            /* out of order: queue for reassembly and send a duplicate ACK at
             * once (RFC 5681 4.2) */
            if (!s_ooo_insert(t, r->seq, r->payload, (uint32_t)r->payload_len, (r->flags & TCP_FIN) != 0))
                s_drop(in, "tcp.drop.ooo_full", "%s", "reassembly queue full");
            else
                LS_COUNT(in->st->io.counters, "tcp.rx.ooo");
            tcp_send_ack(t, in->now);
            return false;
        }
    } else if (r->payload_len) {
        /* CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: ignore the segment text */
        LS_COUNT(in->st->io.counters, "tcp.rx.text_ignored");
    } else if ((r->flags & TCP_FIN) && r->seq == t->rcv_nxt) {
        fin_now = true;
    } else if ((r->flags & TCP_FIN) && SEQ_GT(r->seq, t->rcv_nxt) && text_ok) {
        if (s_ooo_insert(t, r->seq, r->payload, 0, true))
            LS_COUNT(in->st->io.counters, "tcp.rx.ooo");
        tcp_send_ack(t, in->now);
        return false;
    }
    /* eighth, check the FIN bit */
    if (fin_now && !t->fin_rcvd) {
        t->rcv_nxt++;
        t->fin_rcvd = true;
        need_ack = true;
        tcp_emit_event(t, TCP_EV_READABLE, 0);
        bool our_fin_acked = t->fin_queued && SEQ_GT(t->snd_una, t->fin_seq);
        switch (t->state) {
        case TCP_SYN_RECV: case TCP_ESTABLISHED:
            tcp_set_state(t, TCP_CLOSE_WAIT, in->now, s_sum(in));
            break;
        case TCP_FIN_WAIT1:
            /* if our FIN has been ACKed: TIME-WAIT, else CLOSING */
            tcp_set_state(t, our_fin_acked ? TCP_TIME_WAIT : TCP_CLOSING, in->now, s_sum(in));
            break;
        case TCP_FIN_WAIT2:
            tcp_set_state(t, TCP_TIME_WAIT, in->now, s_sum(in));
            break;
        default:
            break;
        }
    } else if (fin_now && t->state == TCP_TIME_WAIT) {
        need_ack = true;
    }
    if (need_ack) {
        t->segs_unacked = 0;
        t->delack_at = 0;
        tcp_output(t, in->now, true);
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* synchronized states (RFC 9293 3.10.7.4)                              */

/* returns true if t was freed */
static bool s_fin_acked(s_in_t *in, tcp_tcb_t *t)
{
    switch (t->state) {
    case TCP_FIN_WAIT1:
        tcp_set_state(t, TCP_FIN_WAIT2, in->now, s_sum(in));
        break;
    case TCP_CLOSING:
        tcp_set_state(t, TCP_TIME_WAIT, in->now, s_sum(in));
        break;
    case TCP_LAST_ACK:
        tcp_conn_closed(t, 0, in->now);
        return true; /* an orphan or not: CLOSED, never touched again here */
    default:
        break;
    }
    return false;
}

/* fifth step for ESTABLISHED and later: returns false if processing stops */
static bool s_ack(s_in_t *in, tcp_tcb_t *t, const tcp_repr_t *r)
{
    if (SEQ_GT(r->ack, t->snd_max)) {
        /* ACKs something not yet sent: send an ACK, drop the segment */
        tcp_send_ack(t, in->now);
        s_drop(in, "tcp.drop.ack_unsent", "%s", "ACK for data not yet sent");
        return false;
    }
    uint32_t wnd = (uint32_t)r->wnd << t->snd_wscale;
    bool wnd_changed = false;
    /* SND.UNA =< SEG.ACK: update the send window if the segment is newer
     * (SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK)) */
    if (SEQ_LEQ(t->snd_una, r->ack) &&
        (SEQ_LT(t->snd_wl1, r->seq) || (t->snd_wl1 == r->seq && SEQ_LEQ(t->snd_wl2, r->ack)))) {
        wnd_changed = wnd != t->snd_wnd;
        t->snd_wnd = wnd;
        t->snd_wl1 = r->seq;
        t->snd_wl2 = r->ack;
        if (wnd > t->max_sndwnd)
            t->max_sndwnd = wnd;
        if (wnd) {
            t->persist_at = 0;
            t->persist_backoff = 0;
        }
    }
    if (SEQ_GT(r->ack, t->snd_una)) {
        /* new data acknowledged: SND.UNA = SEG.ACK, drop acked bytes */
        uint32_t data_acked = 0;
        if (SEQ_GT(r->ack, t->sbuf_seq)) {
            data_acked = r->ack - t->sbuf_seq;
            if (data_acked > t->slen)
                data_acked = t->slen;
            tcp_sbuf_consume(t, data_acked); /* ring: no bytes move */
        }
        t->snd_una = r->ack;
        if (SEQ_LT(t->snd_nxt, t->snd_una))
            t->snd_nxt = t->snd_una;
        /* RFC 6298 + Karn: sample only a segment never retransmitted */
        if (t->rtt_timing && SEQ_GT(r->ack, t->rtt_seq)) {
            tcp_rtt_sample(t, in->now - t->rtt_start);
            t->rtt_timing = false;
        }
        t->nrexmit = 0;
        /* RFC 5681 3.1: cwnd grows by the new *data* acknowledged (a SYN
         * or FIN is not) */
        tcp_cc_on_ack(t, data_acked, in->now); /* resets dupacks; recovery / growth */
        /* RFC 6298 5.2 / 5.3: stop the timer when all is acked, else restart */
        if (t->snd_una == t->snd_max)
            t->rto_at = 0;
        else
            tcp_rto_arm(t, in->now);
        tcp_timer_sync(t);
        if (data_acked)
            tcp_emit_event(t, TCP_EV_WRITABLE, 0);
        if (t->fin_queued && SEQ_GT(r->ack, t->fin_seq) && s_fin_acked(in, t))
            return false; /* t may be gone */
    } else if (r->ack == t->snd_una && r->payload_len == 0 && !(r->flags & (TCP_SYN | TCP_FIN)) &&
               !wnd_changed && t->snd_max != t->snd_una && wnd != 0) {
        /* RFC 5681 2: a duplicate ACK: outstanding data, no data, no SYN or
         * FIN, ACK = SND.UNA, same window. An ACK advertising a zero window
         * answers a window probe (RFC 9293 3.8.6.1): it says nothing about
         * loss and is not counted. */
        LS_COUNT(in->st->io.counters, "tcp.rx.dupack");
        tcp_cc_on_dupack(t, in->now);
    }
    return true;
}

static void s_synchronized(s_in_t *in, tcp_tcb_t *t, tcp_repr_t *r)
{
    tcp_stack_t *st = in->st;
    uint32_t seg_len = s_seg_len(r);
    uint32_t rcv_wnd = SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
    uint32_t orig_seq = r->seq;

    /* A retransmitted SYN in SYN-RECEIVED means our SYN-ACK was lost:
     * answer with the SYN-ACK again (as Linux does) */
    if (t->state == TCP_SYN_RECV && (r->flags & TCP_SYN) && !(r->flags & (TCP_ACK | TCP_RST)) &&
        r->seq == t->irs) {
        LS_COUNT(st->io.counters, "tcp.rx.dup_syn");
        tcp_send_syn(t, in->now);
        return;
    }

    /* Simultaneous open: the peer's SYN-ACK repeats the SYN we already
     * consumed; strip it so the ACK it carries is processed (as Linux does;
     * RFC 9293's text would only ACK it) */
    if (t->state == TCP_SYN_RECV && !t->passive && (r->flags & TCP_SYN) && (r->flags & TCP_ACK) &&
        r->seq == t->irs) {
        r->flags &= (uint8_t)~TCP_SYN;
        r->seq++;
        orig_seq = r->seq;
        seg_len--;
    }

    /* first check sequence number (the four acceptability cases) */
    bool ok;
    if (seg_len == 0)
        ok = rcv_wnd == 0 ? r->seq == t->rcv_nxt
                          : SEQ_LEQ(t->rcv_nxt, r->seq) && SEQ_LT(r->seq, t->rcv_nxt + rcv_wnd);
    else
        ok = rcv_wnd == 0 ? false
                          : (SEQ_LEQ(t->rcv_nxt, r->seq) && SEQ_LT(r->seq, t->rcv_nxt + rcv_wnd)) ||
                                (SEQ_LEQ(t->rcv_nxt, r->seq + seg_len - 1) &&
                                 SEQ_LT(r->seq + seg_len - 1, t->rcv_nxt + rcv_wnd));
    /* a zero window still takes valid ACKs, RSTs and an exact FIN (RFC 9293) */
    if (!ok && rcv_wnd == 0 && r->seq == t->rcv_nxt && r->payload_len == 0)
        ok = true;
    if (!ok && rcv_wnd == 0 && r->seq == t->rcv_nxt && r->payload_len > 0) {
        /* zero window: the data is not acceptable, but process the ACK */
        tcp_repr_t a = *r;
        a.payload_len = 0;
        a.flags &= (uint8_t)~(TCP_FIN | TCP_SYN);
        s_drop(in, "tcp.drop.zero_window", "%s", "data beyond a zero window");
        if ((a.flags & TCP_ACK) && t->state != TCP_SYN_RECV && t->state != TCP_TIME_WAIT &&
            !(a.flags & TCP_RST) && !s_ack(in, t, &a))
            return;
        tcp_send_ack(t, in->now);
        return;
    }
    if (!ok) {
        /* not acceptable: send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> unless RST */
        if (!(r->flags & TCP_RST)) {
            /* TIME-WAIT: a retransmitted FIN is ACKed again and restarts 2MSL */
            if (t->state == TCP_TIME_WAIT && (r->flags & TCP_FIN)) {
                t->tw_at = in->now + 2 * st->cfg.msl_ns;
                tcp_timer_sync(t);
                LS_COUNT(st->io.counters, "tcp.rx.timewait_fin");
            }
            tcp_send_ack(t, in->now);
        }
        s_drop(in, "tcp.drop.out_of_window", "seq outside the window: %s", s_sum(in));
        return;
    }
    /* trim to the window: drop what is before RCV.NXT ... */
    if (SEQ_LT(r->seq, t->rcv_nxt)) {
        uint32_t d = t->rcv_nxt - r->seq;
        if (r->flags & TCP_SYN) {
            r->flags &= (uint8_t)~TCP_SYN;
            r->seq++;
            d--;
        }
        if (d >= r->payload_len) {
            if (d > r->payload_len)
                r->flags &= (uint8_t)~TCP_FIN; /* FIN already consumed */
            r->payload += r->payload_len;
            r->seq += (uint32_t)r->payload_len;
            r->payload_len = 0;
        } else {
            r->payload += d;
            r->payload_len -= d;
            r->seq += d;
        }
    }
    /* ... and what is beyond the right edge */
    if (r->payload_len && SEQ_GT(r->seq + (uint32_t)r->payload_len, t->rcv_nxt + rcv_wnd)) {
        r->payload_len = (t->rcv_nxt + rcv_wnd) - r->seq;
        r->flags &= (uint8_t)~TCP_FIN;
    }

    /* second check the RST bit (RFC 5961 3.2: exact match resets, in-window
     * but inexact gets a challenge ACK) */
    if (r->flags & TCP_RST) {
        if (orig_seq != t->rcv_nxt) {
            LS_COUNT(st->io.counters, "tcp.tx.challenge_ack");
            tcp_send_ack(t, in->now);
            s_drop(in, "tcp.drop.rst_inexact", "%s", "in-window RST not at RCV.NXT: challenge ACK");
            return;
        }
        LS_COUNT(st->io.counters, "tcp.rx.rst");
        switch (t->state) {
        case TCP_SYN_RECV:
            /* passive open: back to LISTEN (drop the child); active: refused */
            tcp_conn_closed(t, t->passive ? 0 : ECONNREFUSED, in->now);
            break;
        case TCP_ESTABLISHED: case TCP_FIN_WAIT1: case TCP_FIN_WAIT2: case TCP_CLOSE_WAIT:
            tcp_conn_closed(t, ECONNRESET, in->now);
            break;
        default: /* CLOSING, LAST-ACK, TIME-WAIT */
            tcp_conn_closed(t, 0, in->now);
            break;
        }
        return;
    }
    /* third check security (no IPv4 security option: nothing to do) */
    /* fourth, check the SYN bit (RFC 5961 4.2: challenge ACK, drop) */
    if (r->flags & TCP_SYN) {
        LS_COUNT(st->io.counters, "tcp.tx.challenge_ack");
        tcp_send_ack(t, in->now);
        s_drop(in, "tcp.drop.syn_in_window", "%s", "SYN in a synchronized state: challenge ACK");
        return;
    }
    /* fifth check the ACK field: if off, drop */
    if (!(r->flags & TCP_ACK)) {
        s_drop(in, "tcp.drop.no_ack", "%s", "segment without ACK");
        return;
    }
    if (t->state == TCP_SYN_RECV) {
        /* SYN-RECEIVED: if SND.UNA < SEG.ACK =< SND.NXT enter ESTABLISHED,
         * else send <SEQ=SEG.ACK><CTL=RST> */
        if (!(SEQ_LT(t->snd_una, r->ack) && SEQ_LEQ(r->ack, t->snd_max))) {
            tcp_send_rst_for(st, in->src, in->dst, r, in->now);
            s_drop(in, "tcp.drop.bad_ack", "%s", "unacceptable ACK in SYN_RECV");
            return;
        }
        if (!t->syn_rexmitted)
            tcp_rtt_sample(t, in->now - t->rtt_start);
        t->snd_una = r->ack;
        t->rto_at = 0;
        t->nrexmit = 0;
        t->snd_wnd = (uint32_t)r->wnd << t->snd_wscale;
        t->max_sndwnd = t->snd_wnd;
        t->snd_wl1 = r->seq;
        t->snd_wl2 = r->ack;
        tcp_timer_sync(t);
        tcp_set_state(t, TCP_ESTABLISHED, in->now, s_sum(in));
        s_established(in, t);
    } else if (t->state == TCP_TIME_WAIT) {
        /* TIME-WAIT: the only thing that can arrive is a retransmitted FIN
         * (handled in the eighth step) */
    } else if (!s_ack(in, t, r)) {
        return;
    }
    /* sixth, check the URG bit (urgent data is not supported: ignored, RFC 6093) */
    /* seventh, process the segment text; eighth, check the FIN bit */
    if (t->state == TCP_TIME_WAIT && (r->flags & TCP_FIN)) {
        t->tw_at = in->now + 2 * st->cfg.msl_ns; /* restart the 2 MSL timeout */
        tcp_timer_sync(t);
        tcp_send_ack(t, in->now);
        return;
    }
    if (!s_text_fin(in, t, r))
        tcp_output(t, in->now, false);
}

/* ------------------------------------------------------------------ */

void tcp_input(tcp_stack_t *self, uint32_t src, uint32_t dst, const uint8_t *seg, size_t len,
               uint64_t pdu_id, uint64_t now)
{
    s_in_t in = {.st = self, .src = src, .dst = dst, .pdu = pdu_id, .now = now};
    tcp_repr_t r;
    TCP_COUNT_HOT(self, c_rx_segs, "tcp.rx.segs");
    int rc = tcp_parse(seg, len, src, dst, &r);
    if (rc != TCP_PARSE_OK) {
        /* RFC 9293 3.1 / RFC 1122 4.2.2.7: a bad checksum MUST be discarded */
        s_drop(&in, rc == TCP_PARSE_BAD_CHECKSUM ? "tcp.drop.bad_checksum" : "tcp.drop.malformed",
               "%s", tcp_reason_str(rc));
        return;
    }
    in.r = &r;
    if (ls_log_on(self->io.log, LS_LOG_PDU)) {
        char a[16], b[16];
        ls_logev(self->io.log, LS_LOG_PDU,
                 &(ls_logev_t){.now_ns = now, .layer = "transport", .dir = "up", .ev = "decap", .pdu = pdu_id},
                 "IP %s.%u > %s.%u: %s", ip4_fmt(src, a), r.sport, ip4_fmt(dst, b), r.dport, s_sum(&in));
    }
    self->cur_parent = pdu_id;
    tcp_tcb_t *t = tcp_tcb_lookup(self, dst, r.dport, src, r.sport);
    if (!t)
        t = tcp_listener_lookup(self, dst, r.dport);
    if (!t) {
        /* CLOSED (RFC 9293 3.10.7.1): all data discarded; a RST is answered
         * with nothing, anything else with a RST */
        tcp_send_rst_for(self, src, dst, &r, now);
        s_drop(&in, "tcp.drop.no_socket", "no socket for port %s", (r.flags & TCP_RST) ? "(RST ignored)" : "(RST sent)");
        self->cur_parent = 0;
        return;
    }
    switch (t->state) {
    case TCP_LISTEN:
        s_listen(&in, t, &r);
        break;
    case TCP_SYN_SENT:
        s_syn_sent(&in, t, &r);
        break;
    case TCP_CLOSED:
        tcp_send_rst_for(self, src, dst, &r, now);
        s_drop(&in, "tcp.drop.no_socket", "%s", "closed TCB");
        break;
    default:
        s_synchronized(&in, t, &r);
        break;
    }
    self->cur_parent = 0;
}

void tcp_icmp_error(tcp_stack_t *self, uint8_t type, uint8_t code, const uint8_t *q, size_t len,
                    uint64_t now)
{
    s_in_t in = {.st = self, .now = now};
    if (!q || len < 20) {
        s_drop(&in, "tcp.drop.icmp_short", "%s", "quoted header truncated");
        return;
    }
    size_t ihl = (size_t)(rd_u8(q + IP4_OFF_VHL) & 0x0f) * 4;
    /* RFC 792 / RFC 1122 3.2.2: the quote holds the IP header + 8 bytes */
    if (ihl < 20 || len < ihl + 8 || rd_u8(q + IP4_OFF_PROTO) != TCP_PROTO) {
        s_drop(&in, "tcp.drop.icmp_short", "%s", "quoted header truncated or not TCP");
        return;
    }
    uint32_t src = rd_be32(q + IP4_OFF_SRC), dst = rd_be32(q + IP4_OFF_DST);
    uint16_t sport = rd_be16(q + ihl + TCP_OFF_SPORT), dport = rd_be16(q + ihl + TCP_OFF_DPORT);
    uint32_t seq = rd_be32(q + ihl + TCP_OFF_SEQ);
    tcp_tcb_t *t = tcp_tcb_lookup(self, src, sport, dst, dport);
    if (!t) {
        s_drop(&in, "tcp.drop.icmp_no_socket", "%s", "ICMP error for no connection");
        return;
    }
    /* RFC 5927 4.1: the quoted sequence number must be in flight */
    if (!(SEQ_GEQ(seq, t->snd_una) && SEQ_LT(seq, t->snd_max))) {
        s_drop(&in, "tcp.drop.icmp_bad_seq", "%s", "quoted seq not in flight");
        return;
    }
    LS_COUNT(self->io.counters, "tcp.rx.icmp_error");
    int err = 0;
    bool hard = false;
    if (type == 3) {
        switch (code) {
        case 2: case 3:
            /* RFC 1122 4.2.3.9: protocol/port unreachable are hard errors */
            err = ECONNREFUSED;
            hard = true;
            break;
        case 4:
            /* fragmentation needed: PMTU discovery is net-svc's business */
            LS_COUNT(self->io.counters, "tcp.rx.icmp_frag_needed");
            return;
        case 0: case 6: case 11:
            err = ENETUNREACH; /* RFC 1122 4.2.3.9: soft error, MUST NOT abort */
            break;
        default:
            err = EHOSTUNREACH;
            break;
        }
    } else if (type == 11) {
        err = EHOSTUNREACH; /* time exceeded: soft */
    } else if (type == 12) {
        err = EPROTO; /* parameter problem: soft */
    } else {
        /* source quench (RFC 6633: MUST ignore) and anything else */
        LS_COUNT(self->io.counters, "tcp.rx.icmp_ignored");
        return;
    }
    /* Hard errors abort a connection still in SYN-SENT (RFC 5461); later
     * they are reported like soft ones (recorded, surfaced on timeout). */
    if (hard && t->state == TCP_SYN_SENT) {
        tcp_conn_closed(t, err, now);
        return;
    }
    t->soft_err = err;
}
