/*
 * tcp_cc.c -- the congestion-control core of the TCP engine: loss recovery
 * (RFC 5681 3.2 fast retransmit / fast recovery, RFC 6582 NewReno partial
 * ACKs, the RFC 5681 3.1 loss window after an RTO) around a pluggable
 * algorithm (tcp_cc_ops_t: NewReno in tcp_cc_newreno.c), the algorithm
 * table, the initial window (RFC 6928), and the log line + counter for
 * every cwnd/ssthresh change with its cause.
 *
 * Call chain: tcp_input.c (s_established -> tcp_cc_init; s_ack ->
 * tcp_cc_on_ack / tcp_cc_on_dupack) and tcp.c (s_on_rto -> tcp_cc_on_rto,
 * tcp_socket/tcp_setcc -> tcp_cc_find). The algorithm hooks run from here.
 *
 * Log levels: per-ACK growth ("slow start", "CA", "recovery dupack") at
 * LS_LOG_PDU, so a benchmark at info level writes nothing per ACK; loss
 * driven changes ("dupack #3", "partial ACK", "full ACK", "RTO") and the
 * initial window at LS_LOG_INFO. Counters "tcp.cc.<cause>".
 */
#include "transport-svc/tcp_int.h"
#include <stdio.h>
#include <string.h>

#define TCP_CC_INFINITE 0x7fffffffu

/* Adding an algorithm = one file + one line here. */
static const tcp_cc_ops_t *const s_algos[] = {&tcp_cc_newreno, &tcp_cc_none};

const tcp_cc_ops_t *tcp_cc_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof s_algos / sizeof s_algos[0]; i++)
        if (strcmp(s_algos[i]->name, name) == 0)
            return s_algos[i];
    return NULL;
}

uint32_t tcp_flight_size(const tcp_tcb_t *t) { return t->snd_max - t->snd_una; }

uint32_t tcp_initial_window(const tcp_tcb_t *t)
{
    uint32_t m = t->smss;
    uint32_t n = t->st->cfg.initial_window_segments;
    if (n) {
        uint64_t w = (uint64_t)n * m;
        return w > TCP_CC_INFINITE ? TCP_CC_INFINITE : (uint32_t)w;
    }
    /* RFC 6928 2: IW = min(10*MSS, max(2*MSS, 14600)) */
    uint32_t iw = 2 * m > 14600 ? 2 * m : 14600;
    return iw < 10 * m ? iw : 10 * m;
}

static const char *s_num(uint32_t v, char *buf, size_t cap)
{
    if (v >= TCP_CC_INFINITE)
        snprintf(buf, cap, "inf");
    else
        snprintf(buf, cap, "%u", v);
    return buf;
}

void tcp_cc_changed(tcp_tcb_t *t, uint64_t now, uint32_t old_cwnd, uint32_t old_ssthresh,
                    const char *cause, const char *counter, int level)
{
    bool changed = t->cwnd != old_cwnd || t->ssthresh != old_ssthresh;
    /* per-ACK growth is logged only when it changed something; loss
     * events always (they are rare and explain what follows) */
    if (!changed && level == LS_LOG_PDU)
        return;
    if (counter) {
        /* per ACK in slow start/CA: cache the pointer by the name's address
         * (callers pass literals), formatting the full name once */
        tcp_stack_t *st = t->st;
        size_t n = sizeof st->cc_ctr / sizeof st->cc_ctr[0], i = 0;
        while (i < n && st->cc_ctr[i].name && st->cc_ctr[i].name != counter)
            i++;
        if (i < n && st->cc_ctr[i].name == counter) {
            (*st->cc_ctr[i].val)++;
        } else {
            char name[48];
            snprintf(name, sizeof name, "tcp.cc.%s", counter);
            uint64_t *v = ls_counter(st->io.counters, name);
            (*v)++;
            if (i < n)
                st->cc_ctr[i].name = counter, st->cc_ctr[i].val = v;
        }
    }
    ls_log_t *log = t->st->io.log;
    if (!ls_log_on(log, level))
        return;
    char tu[64], a[16], b[16];
    ls_logev_t ev = {.now_ns = now, .layer = "transport", .dir = "-", .ev = "cwnd", .pdu = t->st->cur_parent};
    if (t->ssthresh != old_ssthresh)
        ls_logev(log, level, &ev, "%s: cwnd %u -> %u, ssthresh %s -> %s (%s)", tcp_tuple(t, tu, sizeof tu),
                 old_cwnd, t->cwnd, s_num(old_ssthresh, a, sizeof a), s_num(t->ssthresh, b, sizeof b), cause);
    else
        ls_logev(log, level, &ev, "%s: cwnd %u -> %u, ssthresh %s (%s)", tcp_tuple(t, tu, sizeof tu),
                 old_cwnd, t->cwnd, s_num(t->ssthresh, a, sizeof a), cause);
}

/* Does the algorithm react to loss at all? ("none" does not.) */
static bool s_reacts(const tcp_tcb_t *t) { return t->cc->ssthresh != NULL; }

void tcp_cc_init(tcp_tcb_t *t, uint64_t now)
{
    uint32_t oc = t->cwnd, os = t->ssthresh;
    memset(t->cc_priv, 0, sizeof t->cc_priv);
    t->dupacks = 0;
    t->in_recovery = false;
    if (t->cc->init) {
        t->cc->init(t, now);
    } else {
        t->cwnd = tcp_initial_window(t);
        t->ssthresh = t->st->cfg.initial_ssthresh ? t->st->cfg.initial_ssthresh : TCP_CC_INFINITE;
    }
    tcp_cc_changed(t, now, oc, os, "initial window", NULL, LS_LOG_INFO);
}

void tcp_cc_on_ack(tcp_tcb_t *t, uint32_t acked, uint64_t now)
{
    uint32_t oc = t->cwnd, os = t->ssthresh;
    t->dupacks = 0;
    if (t->in_recovery) {
        if (SEQ_GEQ(t->snd_una, t->recover)) {
            /* RFC 6582 3.2 step 3: a full ACK (covers recover): exit fast
             * recovery, cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS) */
            t->in_recovery = false;
            if (s_reacts(t)) {
                uint32_t f = tcp_flight_size(t);
                uint32_t w = (f > t->smss ? f : t->smss) + t->smss;
                t->cwnd = w < t->ssthresh ? w : t->ssthresh;
            }
            tcp_cc_changed(t, now, oc, os, "full ACK", "full_ack", LS_LOG_INFO);
        } else {
            /* RFC 6582 3.2 step 4: a partial ACK: retransmit the first
             * unacknowledged segment, deflate cwnd by the amount of new
             * data acknowledged, add back SMSS if that was >= SMSS; the
             * caller then sends new data if cwnd permits */
            tcp_retransmit_one(t, now);
            LS_COUNT(t->st->io.counters, "tcp.tx.partial_ack_retransmit");
            if (s_reacts(t)) {
                t->cwnd = t->cwnd > acked ? t->cwnd - acked : 0;
                if (acked >= t->smss)
                    t->cwnd += t->smss;
                if (t->cwnd < t->smss)
                    t->cwnd = t->smss;
            }
            tcp_cc_changed(t, now, oc, os, "partial ACK", "partial_ack", LS_LOG_INFO);
        }
        return;
    }
    if (!t->cc->on_ack || acked == 0)
        return;
    /* RFC 5681 3.1: slow start while cwnd < ssthresh, else congestion avoidance */
    bool ss = t->cwnd < t->ssthresh;
    t->cc->on_ack(t, acked, now);
    tcp_cc_changed(t, now, oc, os, ss ? "slow start" : "CA", ss ? "slow_start" : "ca", LS_LOG_PDU);
}

void tcp_cc_on_dupack(tcp_tcb_t *t, uint64_t now)
{
    uint32_t oc = t->cwnd, os = t->ssthresh;
    t->dupacks++;
    if (t->cc->on_dupack)
        t->cc->on_dupack(t, (int)t->dupacks, now);
    if (t->in_recovery) {
        /* RFC 5681 3.2 step 4: each further duplicate ACK inflates cwnd by
         * SMSS (a segment has left the network); step 5 (send new data if
         * allowed) is the caller's tcp_output */
        if (s_reacts(t))
            t->cwnd += t->smss;
        tcp_cc_changed(t, now, oc, os, "recovery dupack", "recovery_dupack", LS_LOG_PDU);
        return;
    }
    if (t->dupacks != 3)
        return;
    /* RFC 6582 3.2 step 2: enter fast retransmit only if the cumulative ACK
     * covers more than recover (recover here is exclusive: SND.MAX at the
     * last loss event), so that one window of data is recovered once */
    if (!SEQ_GEQ(t->snd_una, t->recover)) {
        LS_COUNT(t->st->io.counters, "tcp.cc.dupack3_ignored");
        return;
    }
    /* RFC 5681 3.2 step 2: ssthresh = max(FlightSize / 2, 2*SMSS) (the
     * algorithm's choice); step 3: retransmit the lost segment, cwnd =
     * ssthresh + 3*SMSS */
    if (s_reacts(t))
        t->ssthresh = t->cc->ssthresh(t);
    t->recover = t->snd_max;
    t->in_recovery = true;
    tcp_retransmit_one(t, now);
    LS_COUNT(t->st->io.counters, "tcp.tx.fast_retransmit");
    if (s_reacts(t))
        t->cwnd = t->ssthresh + 3u * t->smss;
    tcp_cc_changed(t, now, oc, os, "dupack #3", "dupack3", LS_LOG_INFO);
}

void tcp_cc_on_rto(tcp_tcb_t *t, uint64_t now)
{
    uint32_t oc = t->cwnd, os = t->ssthresh;
    if (s_reacts(t)) {
        /* RFC 5681 3.1 eq. 4: ssthresh = max(FlightSize / 2, 2*SMSS) when
         * the segment had not yet been resent by the timer (nrexmit was
         * just incremented: 1 = first timeout); then cwnd = LW = 1 SMSS */
        if (t->nrexmit <= 1)
            t->ssthresh = t->cc->ssthresh(t);
        t->cwnd = t->smss;
    }
    /* RFC 6582 3.2: after a timeout, recover = the highest sequence sent,
     * and fast recovery (if any) is over */
    t->in_recovery = false;
    t->recover = t->snd_max;
    t->dupacks = 0;
    if (t->cc->on_rto)
        t->cc->on_rto(t, now);
    tcp_cc_changed(t, now, oc, os, "RTO", "rto", LS_LOG_INFO);
}
