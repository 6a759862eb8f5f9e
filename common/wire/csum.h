/*
 * csum.h -- the Internet checksum (RFC 1071) and its incremental update
 * (RFC 1624), shared by IPv4, ICMP, UDP and TCP.
 */
#ifndef LS_CSUM_H
#define LS_CSUM_H

#include <stdint.h>
#include <stddef.h>

/* Add len bytes to a running 32-bit one's-complement sum (odd lengths padded). */
uint32_t csum_add(uint32_t sum, const uint8_t *buf, size_t len);
/* Fold a running sum into the final 16-bit checksum (complemented). */
uint16_t csum_fold(uint32_t sum);
/* Checksum of one buffer: csum_fold(csum_add(0, buf, len)). */
uint16_t csum(const uint8_t *buf, size_t len);
/* Running sum of the IPv4 pseudo-header (RFC 793 §3.1, RFC 768). */
uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);
/* RFC 1624 eqn. 3: new checksum after a 16-bit field changes from old_w to new_w. */
uint16_t csum_update16(uint16_t check, uint16_t old_w, uint16_t new_w);

#endif
