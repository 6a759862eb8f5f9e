/*
 * netctl.h -- the pure parts of net-svc's control plane: parsing the
 * `route add|del` arguments stackctl forwards, and the table of raw ICMP
 * listeners (ping, traceroute) with the rule that picks which listener a
 * received ICMP datagram belongs to.
 *
 * Callers: net-svc/nsvc.c (ctl handler: route-add, route-del, raw-open,
 * raw-close; raw_rx callback of net_core -> netctl_icmp_key ->
 * netctl_raw_find), tests/unit/test_netctl.c.
 */
#ifndef LS_NETCTL_H
#define LS_NETCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "runtime/svc.h"

/* ---- route arguments ---- */

typedef struct {
    uint32_t dst;        /* host order, masked */
    uint8_t prefix_len;
    uint32_t gateway;    /* 0 = none given */
    char dev[16];        /* "" = none given */
    uint32_t metric;
    bool has_metric;
} netctl_route_t;

/* Parse `DST[/LEN]|default [via GW] [dev IF] [metric N]` (also `gw` for via,
 * `-net`/`-host` noise words and `netmask M` as in route(8)). A DST without
 * /LEN is a host route (/32). 0, or -1 with a one-line reason in err. */
int netctl_route_parse(const char *const *args, size_t nargs, netctl_route_t *out, char *err,
                       size_t errlen);

/* ---- raw ICMP listeners ---- */

#define NETCTL_RAW_MAX 32

typedef struct {
    ls_ctl_peer_t peer;
    uint8_t proto;        /* IP_PROTO_ICMP: key = echo id; IP_PROTO_UDP: key = source port */
    uint16_t icmp_id;     /* the key: echo identifier (or UDP source port) the app uses */
    bool active;
    uint64_t delivered;   /* datagrams streamed to it */
} netctl_raw_t;

typedef struct {
    netctl_raw_t regs[NETCTL_RAW_MAX];
} netctl_raws_t;

/* Register peer for ICMP about echo identifier icmp_id; the same peer
 * re-opening replaces its registration. 0, or -1 when the table is full. */
int netctl_raw_open(netctl_raws_t *t, const ls_ctl_peer_t *peer, uint16_t icmp_id);
/* Same for a key of protocol proto: IP_PROTO_ICMP (echo id) or IP_PROTO_UDP
 * (ICMP errors quoting UDP datagrams from source port key: traceroute -U). */
int netctl_raw_open_proto(netctl_raws_t *t, const ls_ctl_peer_t *peer, uint8_t proto, uint16_t key);
/* Drop peer's registration. 0, or -1 if it had none. */
int netctl_raw_close(netctl_raws_t *t, const ls_ctl_peer_t *peer);
size_t netctl_raw_count(const netctl_raws_t *t);
/* The next active registration for (proto, key), starting the search at
 * *cursor (set to 0 first); NULL when there are no more. */
netctl_raw_t *netctl_raw_next(netctl_raws_t *t, uint8_t proto, uint16_t key, size_t *cursor);

/* Which echo identifier does this received IPv4 datagram (header + ICMP)
 * concern? An echo reply: its own id. An ICMP error (unreachable, time
 * exceeded, parameter problem, source quench, redirect) quoting an ICMP
 * echo request: the quoted request's id. 0 and *id, or -1 (not for a raw
 * listener: truncated, not ICMP, not echo-related). */
int netctl_icmp_key(const uint8_t *dgram, size_t len, uint16_t *id);
/* Like netctl_icmp_key, also matching errors that quote a UDP datagram
 * (*proto = IP_PROTO_UDP, *key = its source port); echo-related ones give
 * *proto = IP_PROTO_ICMP and the echo id. 0 / -1. */
int netctl_icmp_key_ex(const uint8_t *dgram, size_t len, uint8_t *proto, uint16_t *key);

#endif
