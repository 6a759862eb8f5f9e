/*
 * arp.h -- ARP (RFC 826) and RARP (RFC 903) packet codec for Ethernet/IPv4.
 *
 * Pure codec over (buf, len); no I/O. Called by link-svc (parse on an
 * ETHERTYPE_ARP/RARP frame, emit for requests/replies, the neighbour logic in
 * link-svc/arp_cache.c decides what to send) and by eth_summary for traces.
 *
 * Wire layout (28 bytes): htype(2) ptype(2) hlen(1) plen(1) op(2)
 *                         sha(6) spa(4) tha(6) tpa(4)
 */
#ifndef LS_ARP_H
#define LS_ARP_H

#include <stdint.h>
#include <stddef.h>

#define ARP_OFF_HTYPE 0
#define ARP_OFF_PTYPE 2
#define ARP_OFF_HLEN 4
#define ARP_OFF_PLEN 5
#define ARP_OFF_OP 6
#define ARP_OFF_SHA 8
#define ARP_OFF_SPA 14
#define ARP_OFF_THA 18
#define ARP_OFF_TPA 24
#define ARP_LEN 28

#define ARP_HTYPE_ETHERNET 1
#define ARP_PTYPE_IPV4 0x0800
#define ARP_HLEN_ETHERNET 6
#define ARP_PLEN_IPV4 4

#define ARP_OP_REQUEST 1      /* RFC 826 */
#define ARP_OP_REPLY 2        /* RFC 826 */
#define ARP_OP_RARP_REQUEST 3 /* RFC 903 "request reverse" */
#define ARP_OP_RARP_REPLY 4   /* RFC 903 "reply reverse" */

typedef enum {
    ARP_OK = 0,
    ARP_ERR_TRUNCATED, /* fewer than 28 bytes */
    ARP_ERR_HTYPE,     /* hardware type is not Ethernet (1) */
    ARP_ERR_PTYPE,     /* protocol type is not IPv4 (0x0800) */
    ARP_ERR_LEN,       /* hlen != 6 or plen != 4 */
    ARP_ERR_OP,        /* opcode not 1..4 */
} arp_reason_t;

/* Host-order view; spa/tpa are host-order IPv4 addresses. */
typedef struct {
    uint16_t op;
    uint8_t sha[6];
    uint32_t spa;
    uint8_t tha[6];
    uint32_t tpa;
} arp_repr_t;

/* Parse an ARP/RARP packet (trailing Ethernet padding is ignored). */
arp_reason_t arp_parse(const uint8_t *buf, size_t len, arp_repr_t *repr);
/* Write the 28-byte packet. Returns 28, or -1 if cap < 28 or op is not 1..4. */
int arp_emit(const arp_repr_t *repr, uint8_t *buf, size_t cap);
const char *arp_reason_str(int code);
/* Gratuitous ARP (RFC 5227 sec. 3): sender and target protocol addresses equal. */
int arp_is_gratuitous(const arp_repr_t *repr);
/* "request", "reply", "rarp-request", "rarp-reply" or "unknown". */
const char *arp_op_str(uint16_t op);

/* tcpdump style one-liner, NUL-terminated within cap; returns strlen(out) or -1 if cap == 0:
 *   Request who-has 192.0.2.1 tell 192.0.2.10          (THA shown in parentheses when non-zero)
 *   Reply 192.0.2.1 is-at 02:00:00:00:00:01
 *   Reverse Request who-is 02:00:00:00:00:05 tell 02:00:00:00:00:0a
 *   Reverse Reply 02:00:00:00:00:05 at 192.0.2.5
 * Malformed packets print "[|arp]" (truncated) or "ARP, <reason>". */
int arp_summary(const uint8_t *buf, size_t len, char *out, size_t cap);
int arp_repr_summary(const arp_repr_t *repr, char *out, size_t cap);

#endif
