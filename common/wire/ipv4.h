/*
 * ipv4.h -- IPv4 header codec (RFC 791), pure functions over wire buffers.
 *
 * Callers: net-svc/net_core.c (rx validation, forwarding, send), net-svc/frag.c
 * (fragment/reassemble), net-svc/icmp_rules.c, the link/transport loggers
 * (ipv4_summary), apps that build raw datagrams.
 */
#ifndef LS_IPV4_H
#define LS_IPV4_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* Field offsets (RFC 791 3.1). */
#define IP4_OFF_VER_IHL 0
#define IP4_OFF_TOS 1
#define IP4_OFF_LEN 2
#define IP4_OFF_ID 4
#define IP4_OFF_FRAG 6 /* flags (3 bits) + fragment offset (13 bits) */
#define IP4_OFF_TTL 8
#define IP4_OFF_PROTO 9
#define IP4_OFF_CSUM 10
#define IP4_OFF_SRC 12
#define IP4_OFF_DST 16
#define IP4_OFF_OPTIONS 20

#define IP4_HDR_MIN 20
#define IP4_HDR_MAX 60
#define IP4_MAX_LEN 65535
#define IP4_FLAG_RF 0x8000
#define IP4_FLAG_DF 0x4000
#define IP4_FLAG_MF 0x2000
#define IP4_FRAG_MASK 0x1fff

#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17

typedef enum {
    IPV4_OK = 0,
    IPV4_ERR_TRUNCATED,  /* fewer than 20 bytes */
    IPV4_ERR_VERSION,    /* version != 4 */
    IPV4_ERR_IHL,        /* IHL < 5 or IHL*4 > len */
    IPV4_ERR_TOTAL_LEN,  /* total length < IHL*4 or > len */
    IPV4_ERR_CHECKSUM,   /* header checksum does not verify */
    IPV4_ERR__COUNT
} ipv4_reason_t;

typedef struct {
    uint8_t tos, ttl, proto;
    uint16_t total_len, id;
    uint16_t frag_off; /* in 8-byte units */
    bool df, mf;
    uint32_t src, dst; /* host order */
    uint8_t hdr_len;   /* bytes, 20..60; the payload starts here */
    uint16_t checksum; /* as found on the wire (parse) / as written (emit) */
} ipv4_repr_t;

/* Validate and decode the header; returns IPV4_OK or the first failing check
 * (order: truncated, version, ihl, total_len, checksum). len may exceed
 * total_len (link padding); the caller trims to repr->total_len. */
int ipv4_parse(const uint8_t *buf, size_t len, ipv4_repr_t *repr);
/* Write a 20-byte header (options are never emitted) with a correct checksum,
 * using repr->total_len as given; sets repr->hdr_len/checksum. Returns 20 or -1. */
int ipv4_emit(ipv4_repr_t *repr, uint8_t *buf, size_t cap);
/* "ok", "truncated", "bad version", ... */
const char *ipv4_reason_str(int code);
/* The drop counter for a reason: "ip.drop.bad_version" ...; NULL for IPV4_OK. */
const char *ipv4_reason_counter(int code);
/* Recompute the header checksum in place over IHL*4 bytes (buf holds >= IHL*4). */
void ipv4_set_checksum(uint8_t *buf);
/* TTL-1 with the RFC 1624 incremental checksum update. buf holds >= 20 bytes.
 * Returns the new TTL, or -1 (unchanged) if TTL was already 0. */
int ipv4_decrement_ttl(uint8_t *buf);
/* tcpdump-style one-liner for a datagram (header + payload). Returns out. */
char *ipv4_summary(const uint8_t *buf, size_t len, char *out, size_t cap);
/* tcpdump -v style: "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto ICMP (1),
 * length 84) 192.0.2.10 > 198.51.100.10: ICMP echo request, ..." (net-svc's log lines). */
char *ipv4_summary_v(const uint8_t *buf, size_t len, char *out, size_t cap);
/* Protocol name for summaries: "icmp", "tcp", "udp", or NULL. */
const char *ipv4_proto_name(uint8_t proto);

#endif
