/*
 * tcp_script.h -- a packetdrill-style script harness for the TCP engine:
 * drives one tcp_stack_t in-process on a fake clock.
 *
 * Call chain: tests/unit/test_tcp.c -> tcp_script_run() -> tcp_* API,
 * tcp_input(), tcp_poll(); the stack's output callback queues segments that
 * `>` lines then check.
 *
 * Script syntax (one command per line; "//", and '#' at the start of a line
 * or before a blank, start a comment):
 *   TIME COMMAND...        TIME is absolute seconds ("0.5") or "+0.1" (relative
 *                          to the previous line). Before a line runs, the clock
 *                          advances to TIME, firing every timer due on the way.
 * Commands:
 *   socket connect A:p > B:q      bind A:p (p 0 = ephemeral) and connect
 *   socket listen A:p [backlog N] listening socket (becomes the current socket)
 *   accept [EAGAIN]               accept one connection (becomes current)
 *   send N [= M | EAGAIN | EPIPE] queue N bytes (pattern data); expect M queued
 *   recv N | recv 0 | recv EAGAIN read and verify exactly N bytes; 0 = EOF
 *   shutdown | close | abort      SHUT_WR / close / abort on the current socket
 *   use K                         current socket := K-th socket created (0-based)
 *   expect-errno ECONNREFUSED     pending error of the current socket (or 0)
 *   expect-state ESTABLISHED      state of the current connection (by 4-tuple)
 *   expect-counter NAME N         counter value
 *   expect-conns N                number of TCBs in the stack
 *   iss N                         force every later ISN to N
 *   cfg KEY N                     syn_retries synack_retries max_retries rcvbuf
 *                                 sndbuf msl_ms min_rto_ms nodelay delack wscale
 *                                 cc_none iw (segments) ssthresh (bytes)
 *                                 delack_ms; "cfg cc NAME" (newreno, none)
 *   nodelay 0|1                   tcp_setnodelay() on the current socket
 *   expect-info FIELD N           tcp_info_t field of the current connection:
 *                                 cwnd ssthresh dupacks retransmits snd_wnd
 *                                 rcv_wnd in_flight in_recovery mss snd_wscale
 *                                 rcv_wscale window_probes sendq recvq nodelay
 *   expect-log TEXT...            the stack's log has TEXT after the previous
 *                                 expect-log match (in order)
 *   expect-no-log TEXT...         ... and does not have it from there on
 *   log-level info|pdu            the stack's log level (default pdu)
 *   mtu N                         route MTU (default 1500)
 *   tolerance MS                  timing tolerance for `>` lines (default 2 ms)
 *   icmp unreach port|proto|host  ICMP error quoting the current flow's SND.UNA
 *   < [R:r > L:l] FLAGS S:E(LEN) [ack N] [win N] [<opts>] [badcsum]
 *                                 inject a segment (remote seqs absolute, ack
 *                                 relative to the stack's ISN)
 *   > [L:l > R:r] FLAGS S:E(LEN) [ack N] [win N] [<opts>]
 *                                 the next emitted segment must match (seq
 *                                 relative to the stack's first SYN on the flow,
 *                                 ack absolute); win/options/ack checked if given
 *   > (none)                      nothing emitted and not yet checked
 * FLAGS: letters F S R P . (ACK) U E W as printed by tcpdump, e.g. "S.", "P.".
 * Options: <mss N,wscale N,sackOK,nop,TS val N ecr N>.
 * Payload bytes are a pattern of the stream offset, so reassembly and
 * retransmission content are checked by `recv` and `>` lines.
 * Unchecked emitted segments at the end are a failure.
 */
#ifndef LS_TCP_SCRIPT_H
#define LS_TCP_SCRIPT_H

#include <stddef.h>

/* Run a script; 0 on success, -1 with "line N: message" in err. */
int tcp_script_run(const char *script, char *err, size_t errlen);

/* In a check test: run a script and fail the test with the harness's
 * line-numbered message if it does not pass. */
#define TCP_SCRIPT_RUN(script)                                        \
    do {                                                              \
        char err_[512];                                               \
        int rc_ = tcp_script_run(script, err_, sizeof err_);          \
        ck_assert_msg(rc_ == 0, "script failed: %s", err_);           \
    } while (0)

#endif
