/*
 * udp.h -- UDP codec (RFC 768), checksum over the IPv4 pseudo-header.
 *
 * Call chain: transport-svc (datagram sockets) -> udp_parse()/udp_emit();
 * trace tools -> udp_summary().
 */
#ifndef LS_UDP_H
#define LS_UDP_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define UDP_OFF_SPORT 0
#define UDP_OFF_DPORT 2
#define UDP_OFF_LEN 4
#define UDP_OFF_CSUM 6
#define UDP_HDR_LEN 8
#define UDP_PROTO 17

typedef struct {
    uint16_t sport, dport;
    uint16_t len;        /* parse: the length field; emit: computed */
    uint16_t csum;       /* parse: as received (0 = none) */
    bool no_csum;        /* emit: transmit checksum 0 (RFC 768 "no checksum") */
    const uint8_t *payload;
    size_t payload_len;
} udp_repr_t;

typedef enum {
    UDP_PARSE_OK = 0,
    UDP_PARSE_TRUNCATED,    /* fewer than 8 bytes, or length field > buffer */
    UDP_PARSE_BAD_LENGTH,   /* length field < 8 */
    UDP_PARSE_BAD_CHECKSUM, /* non-zero checksum does not verify */
} udp_parse_reason_t;

/* Parse a datagram from src to dst (host order). Bytes beyond the length
 * field (link padding) are ignored. */
int udp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst, udp_repr_t *r);
const char *udp_reason_str(int reason);
/* Returns bytes written (8 + payload) or -1. */
int udp_emit(const udp_repr_t *r, uint32_t src, uint32_t dst, uint8_t *buf, size_t cap);
/* "UDP, length 12" (payload length). Returns buf. */
char *udp_summary(const udp_repr_t *r, char *buf, size_t cap);

#endif
