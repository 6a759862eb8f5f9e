/*
 * net_core.h -- the net-svc protocol engine (IPv4 host + router), pure: no
 * ZeroMQ, no clock. Time comes in as now_ns; output goes out through the
 * callbacks in net_core_cb_t.
 *
 * Callers: net-svc/main.c (turns envelopes from link/transport into calls
 * here, and the callbacks into envelopes), tests/unit/test_net_core.c.
 *
 * PDU ids: every datagram the core creates (echo reply, ICMP error, a sent
 * datagram, each fragment, a forwarded copy, a reassembled datagram) gets a
 * fresh id from cb.new_pdu_id whose parents are the ids it was made from.
 * A received datagram delivered unchanged keeps its id.
 */
#ifndef LS_NET_CORE_H
#define LS_NET_CORE_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "runtime/log.h"
#include "net-svc/route.h"
#include "net-svc/frag.h"
#include "net-svc/icmp_rules.h"

#define NET_IFNAMSIZ 16
#define NET_MAX_IFS 16
#define NET_LO_MTU 65536u

/* Return codes of net_core_send (negative errno-like). */
enum {
    NET_OK = 0,
    NET_ERR_INVAL = -1,   /* bad arguments / too long (EINVAL) */
    NET_ERR_NOROUTE = -2, /* no route or interface down (ENETUNREACH) */
    NET_ERR_MSGSIZE = -3, /* DF set and larger than the path MTU (EMSGSIZE) */
};

typedef struct {
    char name[NET_IFNAMSIZ];
    uint32_t addr;
    uint8_t prefix_len;
    uint32_t mtu;
    bool up;
    bool loopback;
    /* ifconfig counters */
    uint64_t rx_packets, rx_bytes, rx_drops;
    uint64_t tx_packets, tx_bytes, tx_drops;
} net_if_t;

typedef struct {
    void *ctx;
    /* A datagram (or fragment) to send on ifname toward next_hop (the
     * destination itself when connected; 255.255.255.255 for broadcasts). */
    void (*link_tx)(void *ctx, const char *ifname, uint32_t next_hop, const uint8_t *dgram,
                    size_t len, uint64_t pdu_id, const uint64_t *parents, size_t nparents);
    /* Local delivery of a whole datagram to the registered protocol. */
    void (*deliver)(void *ctx, uint8_t proto, const char *ifname, bool link_bcast,
                    const uint8_t *dgram, size_t len, uint64_t pdu_id, const uint64_t *parents,
                    size_t nparents);
    /* An ICMP error quoting a TCP/UDP datagram (RFC 1122 3.2.2: MUST be
     * passed to the transport layer). quoted = IP header + >= 8 bytes. */
    void (*icmp_error_up)(void *ctx, uint8_t type, uint8_t code, uint32_t reporter, uint16_t mtu,
                          const uint8_t *quoted, size_t qlen, uint64_t pdu_id,
                          const uint64_t *parents, size_t nparents);
    /* Raw ICMP listeners (ping, traceroute): echo replies and ICMP errors,
     * the whole datagram. */
    void (*raw_rx)(void *ctx, const char *ifname, const uint8_t *dgram, size_t len,
                   uint64_t pdu_id, const uint64_t *parents, size_t nparents);
    /* Mint a PDU id (NULL: the core counts from 1). */
    uint64_t (*new_pdu_id)(void *ctx);
} net_core_cb_t;

typedef struct {
    bool forwarding;        /* router role (RFC 1812) */
    uint8_t default_ttl;    /* 0 = 64 */
    uint16_t ip_id_start;   /* first IP Identification used (default 1) */
    reass_cfg_t reass;      /* zeros = defaults */
    uint32_t icmp_rate;     /* 0 = ICMP_RL_DEFAULT_RATE; UINT32_MAX = unlimited */
    uint32_t icmp_burst;    /* 0 = ICMP_RL_DEFAULT_BURST */
    bool echo_ignore_broadcasts_off; /* answer broadcast pings (Linux default: ignore) */
} net_core_cfg_t;

typedef struct net_core net_core_t;

/* cfg may be NULL (host defaults). reg/log may be NULL. cb is copied.
 * Adds "lo" 127.0.0.1/8 (mtu 65536) and its route. */
net_core_t *net_core_new(const net_core_cfg_t *cfg, const net_core_cb_t *cb,
                         ls_counters_t *reg, ls_log_t *log);
void net_core_destroy(net_core_t **self_p);

/* Add an interface (up) and its connected route. 0 / -1. */
int net_core_add_if(net_core_t *core, const char *name, uint32_t addr, uint8_t prefix_len,
                    uint32_t mtu);
/* Link up/down: a down interface's routes are ignored and output fails. */
int net_core_set_link(net_core_t *core, const char *ifname, bool up);
const net_if_t *net_core_if(const net_core_t *core, const char *ifname);
size_t net_core_if_count(const net_core_t *core);
const net_if_t *net_core_if_at(const net_core_t *core, size_t i);
void net_core_set_forwarding(net_core_t *core, bool on);
/* Are raw ICMP sockets open (ping/traceroute)? Gates raw_rx. Default off. */
void net_core_set_raw_listeners(net_core_t *core, bool on);
/* Register an upper-layer protocol for delivery (6 "tcp", 17 "udp"). */
int net_core_register_proto(net_core_t *core, uint8_t proto, const char *name);
int net_core_route_add(net_core_t *core, uint32_t dst, uint8_t prefix_len, uint32_t gateway,
                       const char *ifname, uint32_t metric);
int net_core_route_del(net_core_t *core, uint32_t dst, uint8_t prefix_len, uint32_t gateway,
                       const char *ifname);
route_table_t *net_core_routes(net_core_t *core);

/* A frame's payload from the link layer (padding kept; trimmed here). */
void net_core_link_rx(net_core_t *core, const char *ifname, const uint8_t *pkt, size_t len,
                      bool link_bcast, bool link_mcast, uint64_t pdu_id, uint64_t now_ns);
/* Same, naming the PDUs the datagram was taken from (the link layer's frame)
 * so a trace can follow it across the layer boundary. */
void net_core_link_rx_from(net_core_t *core, const char *ifname, const uint8_t *pkt, size_t len,
                           bool link_bcast, bool link_mcast, uint64_t pdu_id,
                           const uint64_t *parents, size_t nparents, uint64_t now_ns);
/* ARP gave up on next_hop: send ICMP host unreachable to the datagram's
 * source (or, for our own datagram, report it locally). */
void net_core_resolve_failed(net_core_t *core, const char *ifname, uint32_t next_hop,
                             const uint8_t *dgram, size_t len, uint64_t pdu_id, uint64_t now_ns);
/* Send payload (a transport segment or ICMP message) as one IPv4 datagram
 * (fragmented if needed). src 0 = choose. ttl 0 = default. Returns NET_OK or
 * NET_ERR_*. */
int net_core_send(net_core_t *core, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl,
                  bool df, uint8_t tos, const uint8_t *payload, size_t len,
                  const uint64_t *parents, size_t nparents, uint64_t now_ns);
/* Transport asks for an ICMP error (e.g. port unreachable, RFC 1122 4.1.3.1)
 * about a datagram it was delivered. parent_pdu = that datagram's id. */
int net_core_send_icmp_error(net_core_t *core, uint8_t type, uint8_t code,
                             const uint8_t *dgram, size_t len, uint64_t parent_pdu,
                             uint64_t now_ns);
/* Route query for transport (MSS, source address). ifname_out >= 16 bytes.
 * 0 found / -1. */
int net_core_route_query(net_core_t *core, uint32_t dst, uint32_t *src, char *ifname_out,
                         uint32_t *mtu, uint32_t *next_hop);
/* Timers: reassembly expiry. */
void net_core_poll(net_core_t *core, uint64_t now_ns);
/* Earliest deadline, UINT64_MAX if none. */
uint64_t net_core_next_deadline(const net_core_t *core);

#endif
