/*
 * eth.h -- Ethernet II framing (RFC 894) and the IEEE 802.3 CRC-32 FCS.
 *
 * Pure codec over (buf, len); no I/O. Called by link-svc (encap on LINK_TX,
 * decap on WIRE_FRAME), by the switch (destination/source MACs) and by the
 * trace tools (eth_summary). ARP payloads are summarised through arp.h.
 *
 * Wire layout (RFC 894): dst MAC (6) | src MAC (6) | ethertype (2) | payload
 * (46..1500, zero-padded to the 60-byte minimum frame) | FCS (4, appended by
 * eth_fcs_append, little-endian as transmitted).
 */
#ifndef LS_ETH_H
#define LS_ETH_H

#include <stdint.h>
#include <stddef.h>

#define ETH_ADDR_LEN 6
#define ETH_OFF_DST 0
#define ETH_OFF_SRC 6
#define ETH_OFF_TYPE 12
#define ETH_HDR_LEN 14
#define ETH_MIN_FRAME 60 /* header + payload, FCS not included */
#define ETH_MIN_PAYLOAD (ETH_MIN_FRAME - ETH_HDR_LEN)
#define ETH_MTU 1500     /* RFC 894: max IP datagram on Ethernet */
#define ETH_MAX_FRAME (ETH_HDR_LEN + ETH_MTU)
#define ETH_FCS_LEN 4

#define ETHERTYPE_MIN 0x0600 /* below: an IEEE 802.3 length field */
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_RARP 0x8035
#define ETHERTYPE_IPV6 0x86dd

typedef enum {
    ETH_OK = 0,
    ETH_ERR_TRUNCATED,  /* shorter than the 14-byte header: repr not filled */
    ETH_ERR_LLC_LENGTH, /* type field < 0x0600: 802.3 length, not Ethernet II; repr filled */
    ETH_ERR_RUNT,       /* < 60 bytes (FCS excluded): repr filled, caller decides */
} eth_reason_t;

typedef struct {
    uint8_t dst[ETH_ADDR_LEN];
    uint8_t src[ETH_ADDR_LEN];
    uint16_t ethertype;
} eth_repr_t;

/* Parse the header of a frame without FCS. The payload (padding included) is
 * buf + ETH_HDR_LEN, len - ETH_HDR_LEN bytes. Checks run in the order
 * TRUNCATED, LLC_LENGTH, RUNT; for the last two the repr is filled. */
eth_reason_t eth_parse(const uint8_t *buf, size_t len, eth_repr_t *repr);
/* Write header + payload into buf, zero-padding to ETH_MIN_FRAME. payload may
 * be NULL when plen is 0, and may overlap buf. Returns bytes written (>= 60),
 * or -1 if plen > ETH_MTU, the ethertype is an 802.3 length, or cap is short. */
int eth_emit(const eth_repr_t *repr, const uint8_t *payload, size_t plen, uint8_t *buf, size_t cap);
const char *eth_reason_str(int code);

/* ff:ff:ff:ff:ff:ff */
int eth_is_broadcast(const uint8_t mac[6]);
/* I/G bit (LSB of the first octet) set; broadcast is multicast too. */
int eth_is_multicast(const uint8_t mac[6]);
/* 00:00:00:00:00:00 */
int eth_is_zero(const uint8_t mac[6]);

/* IEEE 802.3 CRC-32 (reflected, poly 0xEDB88320, init and xorout 0xFFFFFFFF). */
uint32_t eth_crc32(const uint8_t *buf, size_t len);
/* Append the FCS of buf[0..len) at buf[len], least significant byte first as
 * on the wire. Returns len + 4, or -1 if cap < len + 4. */
int eth_fcs_append(uint8_t *buf, size_t len, size_t cap);
/* 0 if the last 4 bytes of buf are the correct FCS of the bytes before them,
 * -1 otherwise (or if len < 4). */
int eth_fcs_check(const uint8_t *buf, size_t len);

/* Optional summariser for a payload; returns characters written (as strlen)
 * or -1 to fall back to the built-in summary for that ethertype. */
typedef int (*eth_payload_summary_fn)(uint16_t ethertype, const uint8_t *p, size_t n, char *out,
                                      size_t cap);

/* tcpdump -e style one-liner of a frame (without FCS):
 *   02:00:00:00:00:0a > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has ...
 * ARP/RARP payloads are summarised by arp_summary, IPv4 prints "IPv4" unless
 * payload_fn (may be NULL; tried first) handles it. Output is always
 * NUL-terminated (truncated to cap); returns strlen(out), or -1 if cap == 0. */
int eth_summary(const uint8_t *frame, size_t len, char *out, size_t cap,
                eth_payload_summary_fn payload_fn);
/* Name tcpdump uses for an ethertype ("IPv4", "ARP", "Reverse ARP", "IPv6"), or "Unknown". */
const char *eth_type_name(uint16_t ethertype);

#endif
