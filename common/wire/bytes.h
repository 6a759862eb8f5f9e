/*
 * bytes.h -- big-endian field access over wire buffers.
 *
 * Every codec in layerstack reads and writes header fields through these
 * helpers with named offsets (rd_be16(buf + IP_OFF_LEN)), never by laying a
 * packed struct over the buffer: behind a 14-byte Ethernet header such a
 * struct is misaligned, and the aliasing rules make it undefined anyway.
 * Callers check the length before every read; these helpers do not.
 */
#ifndef LS_BYTES_H
#define LS_BYTES_H

#include <stdint.h>
#include <stddef.h>

static inline uint8_t rd_u8(const uint8_t *p) { return p[0]; }
static inline uint16_t rd_be16(const uint8_t *p) { return (uint16_t)((uint16_t)p[0] << 8 | p[1]); }
static inline uint32_t rd_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
static inline void wr_u8(uint8_t *p, uint8_t v) { p[0] = v; }
static inline void wr_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void wr_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* IPv4 addresses are kept in host order (uint32_t) everywhere in reprs. */
#define LS_IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* Format a host-order IPv4 address into buf (at least 16 bytes); returns buf. */
char *ip4_fmt(uint32_t addr, char *buf);
/* Parse dotted-quad text; 0 on success, -1 on malformed input. */
int ip4_parse(const char *text, uint32_t *addr);
/* Format a 6-byte MAC as aa:bb:cc:dd:ee:ff into buf (at least 18 bytes). */
char *mac_fmt(const uint8_t mac[6], char *buf);
/* Parse aa:bb:cc:dd:ee:ff; 0 on success, -1 on malformed input. */
int mac_parse(const char *text, uint8_t mac[6]);

#endif
