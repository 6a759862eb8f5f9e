/*
 * test_tcp.c -- the TCP engine (transport-svc/tcp*.c) driven by
 * packetdrill-style scripts (tests/unit/tcp_script.c) on a fake clock, plus
 * direct API tests (ISN reproducibility, SipHash vector, 10,000 TCBs).
 */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include "wire/bytes.h"
#include "wire/tcp_wire.h"
#include "transport-svc/tcp.h"
#include "tests/unit/tcp_script.h"

/* the handshake every data test starts from (client side) */
#define ACTIVE_OPEN                                                   \
    "0    socket connect 192.0.2.10:40000 > 198.51.100.10:80\n"       \
    "+0   > S 0:0(0) win 65535 <mss 1460>\n"                          \
    "+0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460>\n"                   \
    "+0   > . 1:1(0) ack 1\n"                                         \
    "+0   expect-state ESTABLISHED\n"

START_TEST(test_active_open)
{
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0 expect-counter tcp.established 1\n");
}
END_TEST


START_TEST(test_passive_open)
{
    TCP_SCRIPT_RUN("0    socket listen 192.0.2.10:80 backlog 4\n"
        "+0   < 198.51.100.20:40000 > 192.0.2.10:80 S 0:0(0) win 65535 <mss 1460>\n"
        "+0   > S. 0:0(0) ack 1 win 65535 <mss 1460>\n"
        "+0   accept EAGAIN\n"
        "+0.1 < . 1:1(0) ack 1 win 65535\n"
        "+0   expect-state ESTABLISHED\n"
        "+0   accept\n"
        "+0   < P. 1:11(10) ack 1 win 65535\n"
        "+0   > . 1:1(0) ack 11\n"
        "+0   recv 10\n"
        "+0   recv EAGAIN\n");
}
END_TEST

START_TEST(test_simultaneous_open)
{
    TCP_SCRIPT_RUN("0     socket connect 192.0.2.10:40000 > 198.51.100.10:80\n"
        "+0    > S 0:0(0) <mss 1460>\n"
        "+0.05 < S 5000:5000(0) win 65535 <mss 1460>\n"
        "+0    > S. 0:0(0) ack 5001 <mss 1460>\n"
        "+0    expect-state SYN_RECV\n"
        "+0.05 < S. 5000:5000(0) ack 1 win 65535 <mss 1460>\n"
        "+0    expect-state ESTABLISHED\n"
        "+0    send 20\n"
        "+0    > P. 1:21(20) ack 5001\n"
        "+0.1  < . 5001:5001(0) ack 21 win 65535\n");
}
END_TEST

START_TEST(test_data_both_directions)
{
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0   send 100\n"
        "+0   > P. 1:101(100) ack 1\n"
        "+0.1 < . 1:1(0) ack 101 win 65535\n"
        "+0   < P. 1:51(50) ack 101 win 65535\n"
        "+0   > . 101:101(0) ack 51 win 65485\n"
        "+0   recv 50\n"
        "+0   send 3000\n"                          /* two full segments + a tail */
        "+0   > . 101:1561(1460) ack 51\n"
        "+0   > . 1561:3021(1460) ack 51\n"
        "+0   > (none)\n"                          /* Nagle holds the 80-byte tail */
        "+0.1 < . 51:51(0) ack 3021 win 65535\n"
        "+0   > P. 3021:3101(80) ack 51\n"
        "+0.1 < . 51:51(0) ack 3101 win 65535\n"
        "+0   > (none)\n");
}
END_TEST

START_TEST(test_small_window)
{
    /* the peer advertises 1000 bytes: never more than that in flight */
    TCP_SCRIPT_RUN("0    socket connect 192.0.2.10:40000 > 198.51.100.10:80\n"
        "+0   > S 0:0(0) <mss 1460>\n"
        "+0.1 < S. 0:0(0) ack 1 win 1000 <mss 1460>\n"
        "+0   > . 1:1(0) ack 1\n"
        "+0   send 2500\n"
        "+0   > . 1:1001(1000) ack 1\n"
        "+0   > (none)\n"
        "+0.1 < . 1:1(0) ack 501 win 1000\n"
        "+0   > . 1001:1501(500) ack 1\n"
        "+0   > (none)\n"
        "+0.1 < . 1:1(0) ack 1501 win 1000\n"
        "+0   > P. 1501:2501(1000) ack 1\n"
        "+0.1 < . 1:1(0) ack 2501 win 1000\n");
}
END_TEST

START_TEST(test_peer_mss_536)
{
    /* no MSS option: RFC 9293 3.7.1 default 536 */
    TCP_SCRIPT_RUN("0    socket connect 192.0.2.10:40000 > 198.51.100.10:80\n"
        "+0   > S 0:0(0) <mss 1460>\n"
        "+0.1 < S. 0:0(0) ack 1 win 65535\n"
        "+0   > . 1:1(0) ack 1\n"
        "+0   send 1200\n"
        "+0   > . 1:537(536) ack 1\n"
        "+0   > . 537:1073(536) ack 1\n"
        "+0.1 < . 1:1(0) ack 1073 win 65535\n"
        "+0   > P. 1073:1201(128) ack 1\n"
        "+0.1 < . 1:1(0) ack 1201 win 65535\n");
}
END_TEST

START_TEST(test_route_mtu_mss)
{
    /* our MSS follows the route MTU (576 - 40) and caps the send MSS */
    TCP_SCRIPT_RUN("0    mtu 576\n"
        "0    socket connect 192.0.2.10:40000 > 198.51.100.10:80\n"
        "+0   > S 0:0(0) <mss 536>\n"
        "+0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460>\n"
        "+0   > . 1:1(0) ack 1\n"
        "+0   send 600\n"
        "+0   > . 1:537(536) ack 1\n"
        "+0.1 < . 1:1(0) ack 537 win 65535\n"
        "+0   > P. 537:601(64) ack 1\n"
        "+0.1 < . 1:1(0) ack 601 win 65535\n");
}
END_TEST

START_TEST(test_isn_wraparound)
{
    /* our ISN 2^32 - 100: data crosses 2^32 in both directions */
    TCP_SCRIPT_RUN("0    iss 4294967196\n"
        "0    socket connect 192.0.2.10:40000 > 198.51.100.10:80\n"
        "+0   > S 0:0(0) <mss 1460>\n"
        "+0.1 < S. 4294967000:4294967000(0) ack 1 win 65535 <mss 1460>\n"
        "+0   > . 1:1(0) ack 4294967001\n"
        "+0   send 1000\n"
        "+0   > P. 1:1001(1000) ack 4294967001\n"
        "+0.1 < . 4294967001:4294967001(0) ack 501 win 65535\n"
        "+0   < . 4294967001:4294967001(0) ack 1001 win 65535\n"
        "+0   < P. 4294967001:705(1000) ack 1001 win 65535\n"
        "+0   > . 1001:1001(0) ack 705\n"
        "+0   recv 1000\n"
        "+0   close\n"
        "+0   > F. 1001:1001(0) ack 705\n"
        "+0.1 < F. 705:705(0) ack 1002 win 65535\n"
        "+0   > . 1002:1002(0) ack 706\n"
        "+0   expect-state TIME_WAIT\n");
}
END_TEST

START_TEST(test_active_close)
{
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0   close\n"
        "+0   > F. 1:1(0) ack 1\n"
        "+0   expect-state FIN_WAIT1\n"
        "+0.1 < . 1:1(0) ack 2 win 65535\n"
        "+0   expect-state FIN_WAIT2\n"
        "+0.1 < F. 1:1(0) ack 2 win 65535\n"
        "+0   > . 2:2(0) ack 2\n"
        "+0   expect-state TIME_WAIT\n"
        "+59.9 expect-state TIME_WAIT\n"
        "+0.1 expect-state CLOSED\n"
        "+0   expect-conns 0\n");
}
END_TEST

START_TEST(test_passive_close)
{
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0.1 < F. 1:1(0) ack 1 win 65535\n"
        "+0   > . 1:1(0) ack 2\n"
        "+0   expect-state CLOSE_WAIT\n"
        "+0   recv 0\n"
        "+0   send 10\n"                       /* half-closed: we may still send */
        "+0   > P. 1:11(10) ack 2\n"
        "+0.1 < . 2:2(0) ack 11 win 65535\n"
        "+0   close\n"
        "+0   > F. 11:11(0) ack 2\n"
        "+0   expect-state LAST_ACK\n"
        "+0.1 < . 2:2(0) ack 12 win 65535\n"
        "+0   expect-state CLOSED\n"
        "+0   expect-conns 0\n");
}
END_TEST

START_TEST(test_simultaneous_close)
{
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0   close\n"
        "+0   > F. 1:1(0) ack 1\n"
        "+0.05 < F. 1:1(0) ack 1 win 65535\n"  /* crossing FIN: ours not yet ACKed */
        "+0   > . 2:2(0) ack 2\n"
        "+0   expect-state CLOSING\n"
        "+0.05 < . 2:2(0) ack 2 win 65535\n"
        "+0   expect-state TIME_WAIT\n");
}
END_TEST

START_TEST(test_half_close)
{
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0   shutdown\n"
        "+0   > F. 1:1(0) ack 1\n"
        "+0   send 10 EPIPE\n"
        "+0.1 < . 1:1(0) ack 2 win 65535\n"
        "+0   expect-state FIN_WAIT2\n"
        "+0   < P. 1:101(100) ack 2 win 65535\n"
        "+0   > . 2:2(0) ack 101\n"
        "+0   recv 100\n"
        "+0.1 < F. 101:101(0) ack 2 win 65535\n"
        "+0   > . 2:2(0) ack 102\n"
        "+0   recv 0\n"
        "+0   expect-state TIME_WAIT\n");
}
END_TEST

START_TEST(test_rst_closed_port)
{
    /* RST from a closed port -> ECONNREFUSED; and our own RST generation */
    TCP_SCRIPT_RUN("0    socket connect 192.0.2.10:40000 > 198.51.100.10:80\n"
        "+0   > S 0:0(0) <mss 1460>\n"
        "+0.1 < R. 0:0(0) ack 1 win 0\n"
        "+0   expect-errno ECONNREFUSED\n"
        "+0   expect-state CLOSED\n"
        "+0   expect-counter tcp.conn.refused 1\n"
        "+0   > (none)\n"
        /* a segment to a port nobody listens on: RFC 9293 3.10.7.1 */
        "+1   < 198.51.100.20:5555 > 192.0.2.10:81 S 7000:7000(0) win 65535\n"
        "+0   > R. 0:0(0) ack 7001\n"
        "+0   < . 7001:7001(0) ack 12345 win 65535\n"
        "+0   > R 12345:12345(0)\n"
        "+0   < R 7001:7001(0) win 0\n"
        "+0   > (none)\n"
        "+0   expect-counter tcp.drop.no_socket 3\n");
}
END_TEST

START_TEST(test_rst_out_of_window)
{
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0.1 < R 900000:900000(0) win 0\n"          /* far outside: ignored, no reply */
        "+0   > (none)\n"
        "+0   expect-state ESTABLISHED\n"
        "+0   expect-counter tcp.drop.out_of_window 1\n"
        "+0   < R 100:100(0) win 0\n"                /* in window, not exact: challenge ACK */
        "+0   > . 1:1(0) ack 1\n"
        "+0   expect-state ESTABLISHED\n"
        "+0   < R 1:1(0) win 0\n"                    /* exactly RCV.NXT: reset */
        "+0   expect-state CLOSED\n"
        "+0   expect-errno ECONNRESET\n"
        "+0   recv ECONNRESET\n");
}
END_TEST

START_TEST(test_bad_checksum_dropped)
{
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0   < P. 1:11(10) ack 1 win 65535 badcsum\n"
        "+0   > (none)\n"
        "+0   expect-counter tcp.drop.bad_checksum 1\n"
        "+0   recv EAGAIN\n");
}
END_TEST

START_TEST(test_syn_lost_backoff)
{
    /* SYN retransmitted at 1, 3, 7, 15, 31, 63 s; ETIMEDOUT at 127 s */
    TCP_SCRIPT_RUN("0    socket connect 192.0.2.10:40000 > 198.51.100.10:80\n"
        "+0   > S 0:0(0) <mss 1460>\n"
        "1    > S 0:0(0) <mss 1460>\n"
        "3    > S 0:0(0)\n"
        "7    > S 0:0(0)\n"
        "15   > S 0:0(0)\n"
        "31   > S 0:0(0)\n"
        "63   > S 0:0(0)\n"
        "126  expect-state SYN_SENT\n"
        "127  expect-state CLOSED\n"
        "+0   expect-errno ETIMEDOUT\n"
        "+0   > (none)\n");
}
END_TEST

START_TEST(test_syn_lost_then_connect)
{
    TCP_SCRIPT_RUN("0    socket connect 192.0.2.10:40000 > 198.51.100.10:80\n"
        "+0   > S 0:0(0) <mss 1460>\n"
        "1    > S 0:0(0) <mss 1460>\n"
        "+0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460>\n"
        "+0   > . 1:1(0) ack 1\n"
        "+0   expect-state ESTABLISHED\n"
        /* RFC 6298 5.7: after a SYN timeout the data RTO starts at 3 s */
        "+0   send 10\n"
        "+0   > P. 1:11(10) ack 1\n"
        "+3   > P. 1:11(10) ack 1\n"
        "+0.1 < . 1:1(0) ack 11 win 65535\n");
}
END_TEST

START_TEST(test_synack_lost_server)
{
    /* server side: SYN-ACK lost; the client's SYN retransmission and our
     * RTO both resend it; the ACK then completes the handshake */
    TCP_SCRIPT_RUN("0    socket listen 192.0.2.10:80\n"
        "+0   < 198.51.100.20:40000 > 192.0.2.10:80 S 0:0(0) win 65535 <mss 1460>\n"
        "+0   > S. 0:0(0) ack 1 <mss 1460>\n"
        "+0.9 < S 0:0(0) win 65535 <mss 1460>\n"
        "+0   > S. 0:0(0) ack 1 <mss 1460>\n"
        "1    > S. 0:0(0) ack 1 <mss 1460>\n"
        "3    > S. 0:0(0) ack 1\n"
        "+0.1 < . 1:1(0) ack 1 win 65535\n"
        "+0   expect-state ESTABLISHED\n"
        "+0   accept\n");
}
END_TEST

START_TEST(test_synack_lost_client)
{
    /* client side: our SYN is retransmitted, the (second) SYN-ACK completes */
    TCP_SCRIPT_RUN("0    socket connect 192.0.2.10:40000 > 198.51.100.10:80\n"
        "+0   > S 0:0(0)\n"
        "1    > S 0:0(0)\n"
        "+0.2 < S. 0:0(0) ack 1 win 65535 <mss 1460>\n"
        "+0   > . 1:1(0) ack 1\n"
        "+0   expect-state ESTABLISHED\n");
}
END_TEST

START_TEST(test_third_ack_lost)
{
    /* server: ACK lost -> SYN-ACK retransmitted at 1 s, client re-ACKs */
    TCP_SCRIPT_RUN("0    socket listen 192.0.2.10:80\n"
        "+0   < 198.51.100.20:40000 > 192.0.2.10:80 S 0:0(0) win 65535 <mss 1460>\n"
        "+0   > S. 0:0(0) ack 1\n"
        "1    > S. 0:0(0) ack 1\n"
        "+0.1 < . 1:1(0) ack 1 win 65535\n"
        "+0   expect-state ESTABLISHED\n"
        "+0   accept\n"
        "+0   > (none)\n");
    /* client: the retransmitted SYN-ACK is answered with an ACK again */
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+1   < S. 0:0(0) ack 1 win 65535 <mss 1460>\n"
        "+0   > . 1:1(0) ack 1\n"
        "+0   expect-state ESTABLISHED\n");
}
END_TEST

START_TEST(test_fin_lost)
{
    /* our FIN lost: retransmitted on RTO (RTT 100 ms -> RTO 300 ms) */
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0   close\n"
        "+0   > F. 1:1(0) ack 1\n"
        "+0.3 > F. 1:1(0) ack 1\n"
        "+0.6 > F. 1:1(0) ack 1\n"
        "+0.1 < F. 1:1(0) ack 2 win 65535\n"
        "+0   > . 2:2(0) ack 2\n"
        "+0   expect-state TIME_WAIT\n");
}
END_TEST

START_TEST(test_last_ack_lost)
{
    /* LAST_ACK: the peer's ACK of our FIN is lost -> FIN retransmitted */
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0.1 < F. 1:1(0) ack 1 win 65535\n"
        "+0   > . 1:1(0) ack 2\n"
        "+0   close\n"
        "+0   > F. 1:1(0) ack 2\n"
        "+0   expect-state LAST_ACK\n"
        "+0.3 > F. 1:1(0) ack 2\n"
        "+0.1 < . 2:2(0) ack 2 win 65535\n"
        "+0   expect-state CLOSED\n");
}
END_TEST

START_TEST(test_time_wait_refin)
{
    /* our last ACK is lost: the peer retransmits its FIN; TIME_WAIT ACKs it
     * again and restarts the 2 MSL timer */
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0   close\n"
        "+0   > F. 1:1(0) ack 1\n"
        "+0.1 < F. 1:1(0) ack 2 win 65535\n"
        "+0   > . 2:2(0) ack 2\n"
        "+0   expect-state TIME_WAIT\n"
        "+30  < F. 1:1(0) ack 2 win 65535\n"
        "+0   > . 2:2(0) ack 2\n"
        "+0   expect-counter tcp.rx.timewait_fin 1\n"
        "+59  expect-state TIME_WAIT\n"           /* 89 s after the first 2MSL start */
        "+1   expect-state CLOSED\n");
}
END_TEST

START_TEST(test_peer_fin_lost)
{
    /* passive side: the peer's FIN... we are in FIN_WAIT2 when it arrives
     * after a retransmission; both copies are ACKed */
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0   close\n"
        "+0   > F. 1:1(0) ack 1\n"
        "+0.1 < . 1:1(0) ack 2 win 65535\n"
        "+0   expect-state FIN_WAIT2\n"
        "+1   < F. 1:1(0) ack 2 win 65535\n"
        "+0   > . 2:2(0) ack 2\n"
        "+0.5 < F. 1:1(0) ack 2 win 65535\n"
        "+0   > . 2:2(0) ack 2\n"
        "+0   expect-state TIME_WAIT\n");
}
END_TEST

START_TEST(test_out_of_order)
{
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0   < P. 101:201(100) ack 1 win 65535\n"  /* hole at 1..101 */
        "+0   > . 1:1(0) ack 1\n"                  /* duplicate ACK at once */
        "+0   recv EAGAIN\n"
        "+0   < P. 301:401(100) ack 1 win 65535\n"
        "+0   > . 1:1(0) ack 1\n"
        "+0   < F. 401:401(0) ack 1 win 65535\n"    /* FIN out of order too */
        "+0   > . 1:1(0) ack 1\n"
        "+0   < P. 1:101(100) ack 1 win 65535\n"
        "+0   > . 1:1(0) ack 201\n"
        "+0   < P. 201:301(100) ack 1 win 65535\n"
        "+0   > . 1:1(0) ack 402\n"                /* everything + FIN */
        "+0   expect-state CLOSE_WAIT\n"
        "+0   recv 400\n"
        "+0   recv 0\n"
        "+0   expect-counter tcp.rx.ooo 3\n");
}
END_TEST

START_TEST(test_rto_backoff_timeout)
{
    /* data never ACKed: RTO 300 ms doubling; ETIMEDOUT after max_retries */
    TCP_SCRIPT_RUN("0    cfg max_retries 4\n"
        ACTIVE_OPEN
        "+0   send 100\n"
        "+0   > P. 1:101(100) ack 1\n"
        "+0.3 > P. 1:101(100) ack 1\n"
        "+0.6 > P. 1:101(100) ack 1\n"
        "+1.2 > P. 1:101(100) ack 1\n"
        "+2.4 > P. 1:101(100) ack 1\n"
        "+4.7 expect-state ESTABLISHED\n"
        "+0.1 expect-state CLOSED\n"
        "+0   expect-errno ETIMEDOUT\n"
        "+0   send 1 ETIMEDOUT\n");
}
END_TEST

START_TEST(test_rto_karn)
{
    /* a retransmitted segment gives no RTT sample (Karn): after the late
     * ACK the RTO stays backed off (600 ms), then a fresh sample resets it */
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0   send 100\n"
        "+0   > P. 1:101(100) ack 1\n"
        "+0.3 > P. 1:101(100) ack 1\n"
        "+0.5 < . 1:1(0) ack 101 win 65535\n"     /* 0.8 s after the original */
        "+0   send 100\n"
        "+0   > P. 101:201(100) ack 1\n"
        "+0.6 > P. 101:201(100) ack 1\n"
        "+0.1 < . 1:1(0) ack 201 win 65535\n");
}
END_TEST

START_TEST(test_listen_backlog_full)
{
    /* backlog 1: one connection waits in the accept queue; the next SYN is
     * dropped silently (like Linux) and counted */
    TCP_SCRIPT_RUN("0    socket listen 192.0.2.10:80 backlog 1\n"
        "+0   < 198.51.100.20:40000 > 192.0.2.10:80 S 0:0(0) win 65535 <mss 1460>\n"
        "+0   > S. 0:0(0) ack 1\n"
        "+0   < . 1:1(0) ack 1 win 65535\n"
        "+0   < 198.51.100.21:40000 > 192.0.2.10:80 S 0:0(0) win 65535 <mss 1460>\n"
        "+0   > (none)\n"
        "+0   expect-counter tcp.drop.listen_overflow 1\n"
        "+0   use 0\n"
        "+0   accept\n"
        "+0   use 0\n"
        "+0   accept EAGAIN\n"
        /* room again: the client's retransmitted SYN is answered */
        "+1   < 198.51.100.21:40000 > 192.0.2.10:80 S 0:0(0) win 65535 <mss 1460>\n"
        "+0   > S. 0:0(0) ack 1\n"
        "+0   < . 1:1(0) ack 1 win 65535\n"
        "+0   use 0\n"
        "+0   accept\n"
        "+0   expect-conns 3\n");
}
END_TEST

START_TEST(test_icmp_port_unreachable)
{
    TCP_SCRIPT_RUN("0    socket connect 192.0.2.10:40000 > 198.51.100.10:80\n"
        "+0   > S 0:0(0)\n"
        "+0.1 icmp unreach host\n"                  /* soft: keep trying */
        "+0   expect-state SYN_SENT\n"
        "+0.1 icmp unreach port\n"                  /* hard in SYN_SENT */
        "+0   expect-state CLOSED\n"
        "+0   expect-errno ECONNREFUSED\n");
}
END_TEST

START_TEST(test_abort_sends_rst)
{
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0   send 10\n"
        "+0   > P. 1:11(10) ack 1\n"
        "+0   abort\n"
        "+0   > R 11:11(0)\n"
        "+0   expect-conns 0\n");
}
END_TEST

START_TEST(test_receive_window_update)
{
    /* rcvbuf 4000: the window shrinks as data queues, and reading it back
     * reopens the window with an update (RFC 1122 4.2.3.3) */
    TCP_SCRIPT_RUN("0    cfg rcvbuf 4000\n"
        "0    socket connect 192.0.2.10:40000 > 198.51.100.10:80\n"
        "+0   > S 0:0(0) win 4000 <mss 1460>\n"
        "+0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460>\n"
        "+0   > . 1:1(0) ack 1 win 4000\n"
        "+0   < . 1:1461(1460) ack 1 win 65535\n"
        "+0   > . 1:1(0) ack 1461 win 2540\n"
        "+0   < . 1461:2921(1460) ack 1 win 65535\n"
        "+0   > . 1:1(0) ack 2921 win 1080\n"
        "+0   < . 2921:4001(1080) ack 1 win 65535\n"
        "+0   > . 1:1(0) ack 4001 win 0\n"
        "+0   < . 4001:4101(100) ack 1 win 65535\n"   /* beyond a zero window */
        "+0   > . 1:1(0) ack 4001 win 0\n"
        "+0   recv 100\n"                            /* opens by < MSS: no update */
        "+0   > (none)\n"
        "+0   recv 3900\n"
        "+0   > . 1:1(0) ack 4001 win 4000\n");
}
END_TEST

START_TEST(test_zero_window_persist)
{
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0   send 100\n"
        "+0   > P. 1:101(100) ack 1\n"
        "+0.1 < . 1:1(0) ack 101 win 0\n"
        "+0   send 50\n"
        "+0   > (none)\n"
        "+0.25 > . 101:102(1) ack 1\n"      /* probe after RTO (250 ms) */
        "+0   < . 1:1(0) ack 101 win 0\n"
        "+0.5 > . 101:102(1) ack 1\n"       /* backed off */
        "+0   < . 1:1(0) ack 101 win 1000\n"
        "+0   > P. 101:151(50) ack 1\n"
        "+0.1 < . 1:1(0) ack 151 win 1000\n");
}
END_TEST

START_TEST(test_nagle)
{
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0   send 10\n"
        "+0   > P. 1:11(10) ack 1\n"
        "+0   send 10\n"                     /* held: small and data in flight */
        "+0   send 10\n"
        "+0   > (none)\n"
        "+0.1 < . 1:1(0) ack 11 win 65535\n"
        "+0   > P. 11:31(20) ack 1\n"
        "+0.1 < . 1:1(0) ack 31 win 65535\n");
}
END_TEST

START_TEST(test_fast_retransmit)
{
    /* 3rd duplicate ACK -> fast retransmit, ssthresh = max(flight/2, 2 MSS) */
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0   send 5840\n"
        "+0   > . 1:1461(1460) ack 1\n"
        "+0   > . 1461:2921(1460) ack 1\n"
        "+0   > . 2921:4381(1460) ack 1\n"
        "+0   > P. 4381:5841(1460) ack 1\n"
        "+0.1 < . 1:1(0) ack 1461 win 65535\n"
        "+0   < . 1:1(0) ack 1461 win 65535\n"
        "+0   < . 1:1(0) ack 1461 win 65535\n"
        "+0   < . 1:1(0) ack 1461 win 65535\n"
        "+0   > . 1461:2921(1460) ack 1\n"
        "+0   expect-counter tcp.rx.dupack 3\n"
        "+0.1 < . 1:1(0) ack 5841 win 65535\n"
        "+0   > (none)\n");
}
END_TEST

START_TEST(test_delayed_ack)
{
    /* delack on: one segment is ACKed after 200 ms, two full ones at once */
    TCP_SCRIPT_RUN("0    cfg delack 1\n"
        ACTIVE_OPEN
        "+0   < P. 1:101(100) ack 1 win 65535\n"
        "+0   > (none)\n"
        "+0.2 > . 1:1(0) ack 101\n"
        "+0   < . 101:1561(1460) ack 1 win 65535\n"
        "+0   < . 1561:3021(1460) ack 1 win 65535\n"
        "+0   > . 1:1(0) ack 3021\n"
        "+0   recv 3020\n");
}
END_TEST

START_TEST(test_window_scaling)
{
    /* RFC 7323: wscale 3 for a 256 KiB buffer; the peer's shift 7 applies
     * to windows after the SYN */
    TCP_SCRIPT_RUN("0    cfg wscale 1\n"
        "0    cfg rcvbuf 262144\n"
        "0    socket connect 192.0.2.10:40000 > 198.51.100.10:80\n"
        "+0   > S 0:0(0) win 65535 <mss 1460,wscale 3>\n"
        "+0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460,wscale 7>\n"
        "+0   > . 1:1(0) ack 1 win 32768\n"
        "+0   < . 1:1(0) ack 1 win 1\n"            /* 1 << 7 = 128 bytes */
        "+0   send 1000\n"
        /* 128 < half the largest window offered (65535): sender SWS
         * avoidance holds it until the override timeout (RTO 300 ms) */
        "+0   > (none)\n"
        "+0.3 > . 1:129(128) ack 1\n"
        "+0   > (none)\n"
        "+0.1 < . 1:1(0) ack 129 win 100\n"        /* 12800 bytes */
        "+0   > P. 129:1001(872) ack 1\n");
}
END_TEST

START_TEST(test_siphash_vector)
{
    /* reference vector from the SipHash paper: key 00..0f, message 00..0e */
    uint8_t key[16], msg[15];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 15; i++)
        msg[i] = (uint8_t)i;
    ck_assert_uint_eq(tcp_siphash24(key, msg, 15), 0xa129ca6149be45e5ull);
    ck_assert_uint_eq(tcp_siphash24(key, msg, 0), 0x726fdb47dd0e0e31ull);
}
END_TEST

typedef struct {
    size_t nout;
    uint32_t last_seq;
    uint16_t last_sport;
} s_sink_t;

static void s_sink_out(void *ctx, uint32_t src, uint32_t dst, const uint8_t *seg, size_t len,
                       uint64_t pdu_id, const uint64_t *parents, size_t np)
{
    s_sink_t *k = ctx;
    tcp_repr_t r;
    ck_assert_int_eq(tcp_parse(seg, len, src, dst, &r), TCP_PARSE_OK);
    k->nout++;
    k->last_seq = r.seq;
    k->last_sport = r.sport;
}

static uint32_t s_iss_for(uint64_t secret, uint64_t now, uint16_t *port)
{
    s_sink_t k = {0};
    ls_counters_t *reg = ls_counters_new();
    tcp_cfg_t cfg = tcp_cfg_default();
    cfg.isn_secret = secret;
    tcp_io_t io = {.ctx = &k, .output = s_sink_out, .counters = reg};
    tcp_stack_t *st = tcp_stack_new(&cfg, &io);
    int s = tcp_socket(st);
    ck_assert_int_ge(s, 0);
    ck_assert_int_eq(tcp_bind(st, s, LS_IP4(192, 0, 2, 10), 0), 0);
    ck_assert_int_eq(tcp_connect(st, s, LS_IP4(198, 51, 100, 10), 80, now), 0);
    ck_assert_uint_eq(k.nout, 1);
    tcp_stack_destroy(&st);
    ck_assert_ptr_null(st);
    ls_counters_destroy(&reg);
    if (port)
        *port = k.last_sport;
    return k.last_seq;
}

START_TEST(test_isn_reproducible)
{
    uint16_t p1, p2, p3;
    uint32_t a = s_iss_for(42, 1000000000ull, &p1);
    uint32_t b = s_iss_for(42, 1000000000ull, &p2);
    uint32_t c = s_iss_for(43, 1000000000ull, &p3);
    ck_assert_uint_eq(a, b);            /* same seed + clock: same ISN and port */
    ck_assert_uint_eq(p1, p2);
    ck_assert_uint_ne(a, c);            /* another secret: another ISN */
    ck_assert(p1 >= 49152);
    /* RFC 6528: M is a 4 us clock: 1 ms later the ISN moved by 250 */
    ck_assert_uint_eq(s_iss_for(42, 1001000000ull, NULL) - a, 250);
}
END_TEST

START_TEST(test_bind_in_use)
{
    s_sink_t k = {0};
    ls_counters_t *reg = ls_counters_new();
    tcp_io_t io = {.ctx = &k, .output = s_sink_out, .counters = reg};
    tcp_stack_t *st = tcp_stack_new(NULL, &io);
    int a = tcp_socket(st), b = tcp_socket(st);
    ck_assert_int_eq(tcp_bind(st, a, LS_IP4(192, 0, 2, 10), 80), 0);
    ck_assert_int_eq(tcp_listen(st, a, 4), 0);
    ck_assert_int_eq(tcp_bind(st, b, 0, 80), -1);
    ck_assert_int_eq(errno, EADDRINUSE);
    ck_assert_int_eq(tcp_recv(st, b, NULL, 0, 0), -1);
    ck_assert_int_eq(errno, ENOTCONN);
    ck_assert_int_eq(tcp_close(st, a, 0), 0);
    ck_assert_int_eq(tcp_bind(st, b, 0, 80), 0);
    ck_assert_int_eq(tcp_close(st, b, 0), 0);
    ck_assert_uint_eq(tcp_count(st), 0);
    tcp_stack_destroy(&st);
    ls_counters_destroy(&reg);
}
END_TEST

typedef struct {
    size_t n, syn_sent;
} s_count_t;

static void s_count_cb(const tcp_info_t *i, void *arg)
{
    s_count_t *c = arg;
    c->n++;
    if (i->state == TCP_SYN_SENT && i->rto == 2000000000ull)
        c->syn_sent++;
}

START_TEST(test_many_connections_timers)
{
    /* 10,000 TCBs in the timer heap: next_deadline is the heap top and a
     * poll only touches what expired */
    enum { N = 10000 };
    const uint64_t t0 = 1000000000ull;
    s_sink_t k = {0};
    ls_counters_t *reg = ls_counters_new();
    tcp_io_t io = {.ctx = &k, .output = s_sink_out, .counters = reg};
    tcp_stack_t *st = tcp_stack_new(NULL, &io);
    for (int i = 0; i < N; i++) {
        int s = tcp_socket(st);
        ck_assert_int_eq(s, i);
        ck_assert_int_eq(tcp_bind(st, s, LS_IP4(192, 0, 2, 10), 0), 0);
        /* staggered by 1 us so deadlines are all distinct */
        ck_assert_int_eq(tcp_connect(st, s, LS_IP4(10, 0, i >> 8, i & 255), 80, t0 + (uint64_t)i * 1000), 0);
    }
    ck_assert_uint_eq(k.nout, N);
    ck_assert_uint_eq(tcp_count(st), N);
    ck_assert_uint_eq(tcp_next_deadline(st), t0 + 1000000000ull);
    tcp_poll(st, t0 + 999999999ull);          /* nothing due yet */
    ck_assert_uint_eq(k.nout, N);
    tcp_poll(st, t0 + 1000000000ull + 4999 * 1000); /* first half fires */
    ck_assert_uint_eq(k.nout, N + 5000);
    ck_assert_uint_eq(tcp_next_deadline(st), t0 + 1000000000ull + 5000 * 1000);
    tcp_poll(st, t0 + 2000000000ull);
    ck_assert_uint_eq(k.nout, 2 * N);
    /* every SYN now waits 2 s (backed off) from the poll that fired it: the
     * first half was polled late, at t0 + 1.004999 s */
    ck_assert_uint_eq(tcp_next_deadline(st), t0 + 3004999000ull);
    s_count_t c = {0};
    tcp_foreach(st, s_count_cb, &c);
    ck_assert_uint_eq(c.n, N);
    ck_assert_uint_eq(c.syn_sent, N);
    /* closing half of them removes their timers */
    for (int i = 0; i < N; i += 2)
        ck_assert_int_eq(tcp_close(st, i, t0), 0);
    ck_assert_uint_eq(tcp_count(st), N / 2);
    ck_assert_uint_eq(tcp_next_deadline(st), t0 + 3004999000ull);
    tcp_poll(st, t0 + 3004999000ull);
    ck_assert_uint_eq(k.nout, 2 * N + 2500);  /* only the odd half of the first half */
    tcp_stack_destroy(&st);
    ls_counters_destroy(&reg);
}
END_TEST

START_TEST(test_harness_catches_mismatch)
{
    /* the harness itself must reject wrong expectations */
    char err[512];
    ck_assert_int_eq(tcp_script_run(ACTIVE_OPEN "+0 send 10\n+0 > P. 1:12(11) ack 1\n", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "line 7"));
    ck_assert_int_eq(tcp_script_run(ACTIVE_OPEN "+0 send 10\n", err, sizeof err), -1); /* unchecked segment */
    ck_assert_ptr_nonnull(strstr(err, "unexpected segment"));
    ck_assert_int_eq(tcp_script_run("0 socket connect 192.0.2.10:40000 > 198.51.100.10:80\n"
                                    "+0 > S 0:0(0)\n+1.5 > S 0:0(0)\n", err, sizeof err), -1); /* wrong time */
    ck_assert_int_eq(tcp_script_run(ACTIVE_OPEN "+0 expect-state CLOSE_WAIT\n", err, sizeof err), -1);
    ck_assert_int_eq(tcp_script_run(ACTIVE_OPEN "+0 < P. 1:11(10) ack 1\n+0 > . 1:1(0) ack 12\n", err, sizeof err), -1);
    ck_assert_int_eq(tcp_script_run("0 socket connect 192.0.2.10:40000 > 198.51.100.10:80\n"
                                    "+0 > S 0:0(0) <mss 1400>\n", err, sizeof err), -1);
    ck_assert_int_eq(tcp_script_run(ACTIVE_OPEN "+0 bogus\n", err, sizeof err), -1);
}
END_TEST

START_TEST(test_newreno_partial_ack)
{
    /* RFC 6582: a partial ACK during fast recovery retransmits the next hole */
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0   send 5840\n"
        "+0   > . 1:1461(1460) ack 1\n"
        "+0   > . 1461:2921(1460) ack 1\n"
        "+0   > . 2921:4381(1460) ack 1\n"
        "+0   > P. 4381:5841(1460) ack 1\n"
        "+0.1 < . 1:1(0) ack 1461 win 65535\n"
        "+0   < . 1:1(0) ack 1461 win 65535\n"
        "+0   < . 1:1(0) ack 1461 win 65535\n"
        "+0   < . 1:1(0) ack 1461 win 65535\n"
        "+0   > . 1461:2921(1460) ack 1\n"          /* fast retransmit */
        "+0.1 < . 1:1(0) ack 2921 win 65535\n"      /* partial ACK */
        "+0   > . 2921:4381(1460) ack 1\n"
        "+0.1 < . 1:1(0) ack 5841 win 65535\n"      /* full ACK */
        "+0   > (none)\n"
        "+0   expect-counter tcp.tx.retransmits 2\n");
}
END_TEST

START_TEST(test_rto_cwnd_one_mss)
{
    /* after an RTO only one segment is resent (cwnd = 1 MSS), then slow
     * start resends the rest go-back-N */
    TCP_SCRIPT_RUN(ACTIVE_OPEN
        "+0   send 5840\n"
        "+0   > . 1:1461(1460) ack 1\n"
        "+0   > . 1461:2921(1460) ack 1\n"
        "+0   > . 2921:4381(1460) ack 1\n"
        "+0   > P. 4381:5841(1460) ack 1\n"
        "+0.3 > . 1:1461(1460) ack 1\n"
        "+0   > (none)\n"
        "+0.1 < . 1:1(0) ack 1461 win 65535\n"
        "+0   > . 1461:2921(1460) ack 1\n"
        "+0   > . 2921:4381(1460) ack 1\n"
        "+0   > (none)\n"
        "+0.1 < . 1:1(0) ack 4381 win 65535\n"
        "+0   > P. 4381:5841(1460) ack 1\n"
        "+0.1 < . 1:1(0) ack 5841 win 65535\n");
}
END_TEST

/* Two engines joined back to back: each one's output is queued and handed
 * to the other by s_wire_run (callbacks must not re-enter the engine). */
typedef struct {
    uint8_t seg[2048];
    size_t len;
    uint32_t src, dst;
} s_wseg_t;

typedef struct {
    s_wseg_t *q;
    size_t n, cap;
} s_wq_t;

static void s_wq_out(void *ctx, uint32_t src, uint32_t dst, const uint8_t *seg, size_t len, uint64_t id,
                     const uint64_t *parents, size_t np)
{
    (void)id;
    (void)parents;
    (void)np;
    s_wq_t *w = ctx;
    ck_assert_uint_lt(w->n, w->cap);
    ck_assert_uint_le(len, sizeof w->q[0].seg);
    memcpy(w->q[w->n].seg, seg, len);
    w->q[w->n].len = len;
    w->q[w->n].src = src;
    w->q[w->n].dst = dst;
    w->n++;
}

/* Deliver everything in flight both ways until both queues are empty. */
static void s_wire_run(tcp_stack_t *a, s_wq_t *qa, tcp_stack_t *b, s_wq_t *qb, s_wq_t *tmp, uint64_t now)
{
    while (qa->n || qb->n) {
        tcp_stack_t *dst[2] = {b, a};
        s_wq_t *src[2] = {qa, qb};
        for (int k = 0; k < 2; k++) {
            /* move the queue aside: delivering makes new output */
            s_wq_t *q = src[k];
            memcpy(tmp->q, q->q, q->n * sizeof q->q[0]);
            size_t n = q->n;
            q->n = 0;
            for (size_t i = 0; i < n; i++)
                tcp_input(dst[k], tmp->q[i].src, tmp->q[i].dst, tmp->q[i].seg, tmp->q[i].len, 0, now);
        }
    }
}

START_TEST(test_ring_buffers_bulk)
{
    /* send and receive buffers are rings grown on demand. Buffer
     * sizes that are not multiples of the MSS and reads of odd sizes make
     * segments and reads straddle the ring's end; every byte must arrive
     * in order, and an idle connection must hold no buffer memory. */
    enum { TOTAL = 300000, QCAP = 512 };
    const uint32_t cip = LS_IP4(192, 0, 2, 10), sip = LS_IP4(198, 51, 100, 10);
    s_wq_t qa = {.q = calloc(QCAP, sizeof(s_wseg_t)), .cap = QCAP};
    s_wq_t qb = {.q = calloc(QCAP, sizeof(s_wseg_t)), .cap = QCAP};
    s_wq_t tmp = {.q = calloc(QCAP, sizeof(s_wseg_t)), .cap = QCAP};
    ls_counters_t *reg = ls_counters_new();
    tcp_io_t ioa = {.ctx = &qa, .output = s_wq_out, .counters = reg};
    tcp_io_t iob = {.ctx = &qb, .output = s_wq_out, .counters = reg};
    tcp_stack_t *a = tcp_stack_new(NULL, &ioa), *b = tcp_stack_new(NULL, &iob);
    uint64_t now = 1000000000ull;

    int l = tcp_socket(b);
    ck_assert_int_eq(tcp_setbufsize(b, l, 7001, 9999), 0);
    ck_assert_int_eq(tcp_bind(b, l, sip, 80), 0);
    ck_assert_int_eq(tcp_listen(b, l, 4), 0);
    int c = tcp_socket(a);
    ck_assert_int_eq(tcp_setbufsize(a, c, 5003, 6007), 0);
    ck_assert_int_eq(tcp_bind(a, c, cip, 40000), 0);
    ck_assert_int_eq(tcp_connect(a, c, sip, 80, now), 0);
    s_wire_run(a, &qa, b, &qb, &tmp, now);
    uint32_t rip;
    uint16_t rport;
    int s = tcp_accept(b, l, &rip, &rport);
    ck_assert_int_ge(s, 0);
    ck_assert_uint_eq(rport, 40000);
    ck_assert_int_eq(tcp_sock_state(a, c), TCP_ESTABLISHED);
    tcp_info_t in;
    ck_assert_int_eq(tcp_sock_info(a, c, &in), 0);
    ck_assert_uint_eq(in.buf_bytes, 0); /* established and idle: no rings yet */
    ck_assert_int_eq(tcp_sock_info(b, s, &in), 0);
    ck_assert_uint_eq(in.buf_bytes, 0);

    uint8_t *src = malloc(TOTAL), *dst = malloc(TOTAL);
    uint32_t x = 12345;
    for (size_t i = 0; i < TOTAL; i++) {
        x = x * 1103515245u + 12345u;
        src[i] = (uint8_t)(x >> 16);
    }
    size_t sent = 0, got = 0, wchunk = 1, rchunk = 1;
    for (int iter = 0; iter < 100000 && got < TOTAL; iter++) {
        if (sent < TOTAL) {
            size_t want = TOTAL - sent < wchunk ? TOTAL - sent : wchunk;
            ssize_t n = tcp_send(a, c, src + sent, want, now);
            if (n > 0)
                sent += (size_t)n;
            else
                ck_assert_int_eq(errno, EAGAIN);
            wchunk = wchunk * 7 % 9001 + 1;
        }
        s_wire_run(a, &qa, b, &qb, &tmp, now);
        size_t queued = tcp_recv_queued(b, s); /* what transport-svc sizes a recv reply by */
        ck_assert_int_eq(tcp_sock_info(b, s, &in), 0);
        ck_assert_uint_eq(queued, in.recvq);
        size_t rwant = rchunk < TOTAL - got ? rchunk : TOTAL - got;
        ssize_t r = tcp_recv(b, s, dst + got, rwant, now);
        if (r > 0)
            got += (size_t)r;
        if (queued > 0)
            ck_assert_int_eq(r, (ssize_t)(queued < rwant ? queued : rwant));
        rchunk = rchunk * 13 % 4099 + 1;
        s_wire_run(a, &qa, b, &qb, &tmp, now);
        now += 1000000; /* 1 ms: delayed ACKs and Nagle's override may fire */
        tcp_poll(a, now);
        tcp_poll(b, now);
        s_wire_run(a, &qa, b, &qb, &tmp, now);
    }
    ck_assert_uint_eq(got, TOTAL);
    ck_assert_int_eq(memcmp(src, dst, TOTAL), 0);
    ck_assert_uint_eq(ls_counter_get(reg, "tcp.tx.retransmits"), 0);
    /* the rings never outgrow the buffer sizes */
    ck_assert_int_eq(tcp_sock_info(a, c, &in), 0);
    ck_assert_uint_eq(in.sendq, 0);
    ck_assert_uint_gt(in.buf_bytes, 0);
    ck_assert_uint_le(in.buf_bytes, 5003 + 6007);
    ck_assert_int_eq(tcp_sock_info(b, s, &in), 0);
    ck_assert_uint_eq(in.recvq, 0);
    ck_assert_uint_le(in.buf_bytes, 7001 + 9999);
    free(src);
    free(dst);
    tcp_stack_destroy(&a);
    tcp_stack_destroy(&b);
    ls_counters_destroy(&reg);
    free(qa.q);
    free(qb.q);
    free(tmp.q);
}
END_TEST

Suite *tcp_suite(void)
{
    Suite *s = suite_create("tcp");
    TCase *tc = tcase_create("script");
    tcase_add_test(tc, test_active_open);
    tcase_add_test(tc, test_passive_open);
    tcase_add_test(tc, test_simultaneous_open);
    tcase_add_test(tc, test_data_both_directions);
    tcase_add_test(tc, test_small_window);
    tcase_add_test(tc, test_peer_mss_536);
    tcase_add_test(tc, test_route_mtu_mss);
    tcase_add_test(tc, test_isn_wraparound);
    tcase_add_test(tc, test_active_close);
    tcase_add_test(tc, test_passive_close);
    tcase_add_test(tc, test_simultaneous_close);
    tcase_add_test(tc, test_half_close);
    tcase_add_test(tc, test_rst_closed_port);
    tcase_add_test(tc, test_rst_out_of_window);
    tcase_add_test(tc, test_bad_checksum_dropped);
    tcase_add_test(tc, test_syn_lost_backoff);
    tcase_add_test(tc, test_syn_lost_then_connect);
    tcase_add_test(tc, test_synack_lost_server);
    tcase_add_test(tc, test_synack_lost_client);
    tcase_add_test(tc, test_third_ack_lost);
    tcase_add_test(tc, test_fin_lost);
    tcase_add_test(tc, test_last_ack_lost);
    tcase_add_test(tc, test_time_wait_refin);
    tcase_add_test(tc, test_peer_fin_lost);
    tcase_add_test(tc, test_out_of_order);
    tcase_add_test(tc, test_rto_backoff_timeout);
    tcase_add_test(tc, test_rto_karn);
    tcase_add_test(tc, test_listen_backlog_full);
    tcase_add_test(tc, test_icmp_port_unreachable);
    tcase_add_test(tc, test_abort_sends_rst);
    tcase_add_test(tc, test_receive_window_update);
    tcase_add_test(tc, test_zero_window_persist);
    tcase_add_test(tc, test_nagle);
    tcase_add_test(tc, test_fast_retransmit);
    tcase_add_test(tc, test_delayed_ack);
    tcase_add_test(tc, test_window_scaling);
    tcase_add_test(tc, test_siphash_vector);
    tcase_add_test(tc, test_isn_reproducible);
    tcase_add_test(tc, test_bind_in_use);
    tcase_add_test(tc, test_many_connections_timers);
    tcase_add_test(tc, test_harness_catches_mismatch);
    tcase_add_test(tc, test_newreno_partial_ack);
    tcase_add_test(tc, test_rto_cwnd_one_mss);
    tcase_add_test(tc, test_ring_buffers_bulk);
    suite_add_tcase(s, tc);
    return s;
}
