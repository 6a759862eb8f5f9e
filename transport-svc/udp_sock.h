/*
 * udp_sock.h -- UDP sockets (RFC 768, RFC 1122 4.1) as a pure library: a
 * table of datagram sockets with ports, receive queues and pending errors.
 * No I/O, no clock: datagrams leave through the output callback.
 *
 * Call chain: transport-svc/tsvc.c (app "sock" requests -> udp_sock_open/
 * bind/connect/sendto/recvfrom/close; NET_DELIVER proto 17 -> udp_sock_input;
 * NET_ICMP_ERROR -> udp_sock_icmp_error). tests/unit/test_udp_sock.c drives it.
 *
 * Errors: int functions return >= 0 on success, -1 with errno set
 * (EADDRINUSE, EAGAIN, EBADF, EINVAL, EDESTADDRREQ, EMSGSIZE, ECONNREFUSED...).
 */
#ifndef LS_UDP_SOCK_H
#define LS_UDP_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "runtime/log.h"

typedef struct udp_sock udp_sock_t;

typedef struct {
    uint32_t rcvbuf;          /* bytes of payload queued per socket (default 65536) */
    uint16_t eph_lo, eph_hi;  /* ephemeral ports, 49152..65535 */
    uint64_t seed;            /* ephemeral port choice (topology seed) */
    uint8_t default_ttl;      /* 64 */
} udp_sock_cfg_t;

udp_sock_cfg_t udp_sock_cfg_default(void);

typedef struct {
    void *ctx;
    /* A complete UDP datagram (header + payload, checksum filled) from src to dst. */
    void (*output)(void *ctx, uint32_t src, uint32_t dst, uint8_t ttl, const uint8_t *dgram, size_t len,
                   uint64_t pdu_id, const uint64_t *parents, size_t np);
    void (*readable)(void *ctx, int sock);  /* data or an error is now pending; may be NULL */
    uint64_t (*new_pdu_id)(void *ctx);       /* may be NULL: ids 0 */
    int (*sock_label)(void *ctx, int sock);  /* the number logs show for a socket (the app's fd); may be NULL */
    ls_log_t *log;                           /* may be NULL */
    ls_counters_t *counters;                 /* required */
} udp_sock_io_t;

/* What udp_sock_input did with a datagram. */
typedef enum {
    UDP_SOCK_DELIVERED = 0,
    UDP_SOCK_NO_PORT,     /* nobody listens: the caller answers ICMP port unreachable */
    UDP_SOCK_DROPPED,     /* malformed, bad checksum, or queue full (counted, logged) */
} udp_sock_verdict_t;

/* The last ICMP error about a datagram a socket sent (like Linux IP_RECVERR:
 * traceroute -U learns who answered its probe). */
typedef struct {
    uint32_t count;       /* ICMP errors seen so far */
    uint8_t type, code;
    uint32_t from;        /* the reporter (source of the ICMP message) */
    uint32_t dst;         /* the quoted datagram's destination and port */
    uint16_t dport;
} udp_sock_icmp_t;

/* Introspection record (udp_sock_foreach). */
typedef struct {
    int sock;
    uint32_t lip, rip;        /* rip/rport 0 when not connected */
    uint16_t lport, rport;
    size_t recvq;             /* payload bytes queued */
    size_t ndgrams;
} udp_sock_info_t;

udp_sock_t *udp_sock_new(const udp_sock_cfg_t *cfg, const udp_sock_io_t *io);
void udp_sock_destroy(udp_sock_t **self_p);

int udp_sock_open(udp_sock_t *self);
/* port 0 picks an ephemeral port. */
int udp_sock_bind(udp_sock_t *self, int sock, uint32_t ip, uint16_t port);
/* Fix the peer (binds an ephemeral port first); src = the source address to use
 * (from the route) when the socket is bound to 0.0.0.0. */
int udp_sock_connect(udp_sock_t *self, int sock, uint32_t rip, uint16_t rport, uint32_t src);
/* Send one datagram. dst 0 = the connected peer. src = route's source address,
 * used when unbound to an address. Returns len or -1. */
ssize_t udp_sock_sendto(udp_sock_t *self, int sock, const void *buf, size_t len, uint32_t dst, uint16_t dport,
                        uint32_t src, const uint64_t *parents, size_t np);
/* Next datagram (truncated to len, like recvfrom without MSG_TRUNC); -1/EAGAIN
 * when none; a pending ICMP error is reported first (connected sockets). */
ssize_t udp_sock_recvfrom(udp_sock_t *self, int sock, void *buf, size_t len, uint32_t *ip, uint16_t *port);
/* What recvmsg tells beside the bytes: the datagram's addresses, its full
 * payload length and the PDU id it arrived as (parent of what is made of it). */
typedef struct {
    uint32_t src, dst;
    uint16_t sport;
    size_t len;
    uint64_t pdu_id;
} udp_sock_meta_t;
ssize_t udp_sock_recvmsg(udp_sock_t *self, int sock, void *buf, size_t len, udp_sock_meta_t *meta);
int udp_sock_close(udp_sock_t *self, int sock);
int udp_sock_set_ttl(udp_sock_t *self, int sock, int ttl);
int udp_sock_getsockname(udp_sock_t *self, int sock, uint32_t *ip, uint16_t *port);
int udp_sock_getpeername(udp_sock_t *self, int sock, uint32_t *ip, uint16_t *port);
/* A datagram or an error waits (recvfrom would not say EAGAIN). */
bool udp_sock_readable(udp_sock_t *self, int sock);
bool udp_sock_valid(udp_sock_t *self, int sock);

/* A datagram from net-svc: src/dst from the IPv4 header; bytes = UDP header +
 * payload (IP already validated; link padding already trimmed). */
udp_sock_verdict_t udp_sock_input(udp_sock_t *self, uint32_t src, uint32_t dst, const uint8_t *dgram, size_t len,
                                  uint64_t pdu_id, uint64_t now);
/* An ICMP error (from `reporter`) quoting one of our datagrams (IP header +
 * >= 8 bytes). The socket that sent it is found by its ports; every socket
 * records it (udp_sock_last_icmp), connected sockets also get it as their
 * pending error (RFC 1122 4.1.3.3: MUST pass ICMP errors to the application).
 * Returns the socket or -1. */
int udp_sock_icmp_error(udp_sock_t *self, uint8_t type, uint8_t code, uint32_t reporter, const uint8_t *quoted,
                        size_t len);
/* The last ICMP error record of a socket; clears "unread". 0 / -1 (EBADF). */
int udp_sock_last_icmp(udp_sock_t *self, int sock, udp_sock_icmp_t *out);
/* An ICMP record arrived that udp_sock_last_icmp has not returned yet. */
bool udp_sock_icmp_unread(udp_sock_t *self, int sock);
/* Map an ICMP destination-unreachable/time-exceeded to an errno. */
int udp_sock_icmp_errno(uint8_t type, uint8_t code);

void udp_sock_foreach(udp_sock_t *self, void (*fn)(const udp_sock_info_t *info, void *arg), void *arg);
size_t udp_sock_count(const udp_sock_t *self);

#endif
