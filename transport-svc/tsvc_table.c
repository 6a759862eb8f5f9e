/*
 * tsvc_table.c -- transport-svc's tables for stackctl: netstat (TCP and UDP
 * sockets) and ss (TCP with the engine's per-connection state, ss -ti style).
 *
 * Call chain: tsvc_ctl ("table netstat|conn|ss") -> tsvc_table ->
 * tcp_foreach / udp_sock_foreach -> one row per socket.
 */
#include "transport-svc/tsvc_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wire/bytes.h"

static const char *s_ss_state(tcp_state_t st)
{
    static const char *const n[TCP_NSTATES] = {"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECV", "ESTAB", "FIN-WAIT-1",
                                               "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT"};
    return (unsigned)st < TCP_NSTATES ? n[st] : "?";
}

static void s_fmt_ep(uint32_t ip, uint16_t port, bool star, char *buf, size_t cap)
{
    char a[16];
    if (star && !port)
        snprintf(buf, cap, "%s:*", ip4_fmt(ip, a));
    else
        snprintf(buf, cap, "%s:%u", ip4_fmt(ip, a), port);
}

static void s_netstat_row(const tcp_info_t *in, void *arg)
{
    char l[32], r[32];
    s_fmt_ep(in->lip, in->lport, false, l, sizeof l);
    s_fmt_ep(in->rip, in->rport, true, r, sizeof r);
    if (in->state == TCP_CLOSED)
        return;
    ls_ctl_row(arg, "%-5s %6zu %6zu %-23s %-23s %s", "tcp", in->recvq, in->sendq, l, r, in->state_name);
}

static void s_netstat_udp_row(const udp_sock_info_t *in, void *arg)
{
    char l[32], r[32];
    s_fmt_ep(in->lip, in->lport, false, l, sizeof l);
    s_fmt_ep(in->rip, in->rport, true, r, sizeof r);
    ls_ctl_row(arg, "%-5s %6zu %6d %-23s %-23s %s", "udp", in->recvq, 0, l, r, in->rport ? "ESTABLISHED" : "");
}

static void s_ss_row(const tcp_info_t *in, void *arg)
{
    char l[32], r[32];
    if (in->state == TCP_CLOSED)
        return;
    s_fmt_ep(in->lip, in->lport, false, l, sizeof l);
    s_fmt_ep(in->rip, in->rport, true, r, sizeof r);
    ls_ctl_row(arg, "%-10s %-6zu %-6zu %-22s %-22s", s_ss_state(in->state), in->recvq, in->sendq, l, r);
    if (in->state == TCP_LISTEN)
        return;
    char ssth[16];
    if (in->ssthresh >= 0x7fffffffu)
        snprintf(ssth, sizeof ssth, "inf");
    else
        snprintf(ssth, sizeof ssth, "%u", in->ssthresh);
    /* ss -ti: RTT figures in ms, windows in bytes, sequence numbers relative to ISS/IRS */
    ls_ctl_row(arg,
               "\t %s wscale:%u,%u mss:%u rto:%.0f rtt:%.3f/%.3f cwnd:%u ssthresh:%s bytes_in_flight:%u "
               "snd_una:%u snd_nxt:%u rcv_nxt:%u snd_wnd:%u rcv_wnd:%u retrans:%u dupacks:%u%s%s probes:%u",
               in->cc ? in->cc : "newreno", in->snd_wscale, in->rcv_wscale, in->mss, (double)in->rto / 1e6,
               (double)in->srtt / 1e6, (double)in->rttvar / 1e6, in->cwnd, ssth, in->in_flight,
               in->snd_una - in->iss, in->snd_nxt - in->iss, in->rcv_nxt - in->irs, in->snd_wnd, in->rcv_wnd,
               in->retransmits, in->dupacks, in->in_recovery ? " recovery" : "", in->nodelay ? " nodelay" : "",
               in->window_probes);
}

int tsvc_table(tsvc_t *self, const char *which, ls_ctl_reply_t *rep)
{
    if (strcmp(which, "netstat") == 0 || strcmp(which, "conn") == 0) {
        ls_ctl_row(rep, "Active Internet connections (servers and established)");
        ls_ctl_row(rep, "%-5s %6s %6s %-23s %-23s %s", "Proto", "Recv-Q", "Send-Q", "Local Address",
                   "Foreign Address", "State");
        tcp_foreach(self->tcp, s_netstat_row, rep);
        udp_sock_foreach(self->udp, s_netstat_udp_row, rep);
        return 0;
    }
    if (strcmp(which, "ss") == 0) {
        ls_ctl_row(rep, "%-10s %-6s %-6s %-22s %-22s", "State", "Recv-Q", "Send-Q", "Local Address:Port",
                   "Peer Address:Port");
        tcp_foreach(self->tcp, s_ss_row, rep);
        return 0;
    }
    ls_ctl_error(rep, EINVAL, "table: transport-svc has 'netstat' and 'ss'");
    return 0;
}
