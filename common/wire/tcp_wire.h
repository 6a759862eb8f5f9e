/*
 * tcp_wire.h -- TCP header codec (RFC 9293 3.1, options RFC 9293 3.2,
 * RFC 7323 window scale / timestamps, RFC 2018 SACK-permitted).
 *
 * Call chain: transport-svc/tcp_input.c (tcp_input -> tcp_parse),
 * transport-svc/tcp_output.c (segment build -> tcp_emit), tests/unit/tcp_script.c
 * (inject/verify), trace tools (tcp_summary).
 */
#ifndef LS_TCP_WIRE_H
#define LS_TCP_WIRE_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* Header field offsets (RFC 9293 3.1). */
#define TCP_OFF_SPORT 0
#define TCP_OFF_DPORT 2
#define TCP_OFF_SEQ 4
#define TCP_OFF_ACK 8
#define TCP_OFF_DOFF 12 /* data offset in the high nibble */
#define TCP_OFF_FLAGS 13
#define TCP_OFF_WND 14
#define TCP_OFF_CSUM 16
#define TCP_OFF_URG 18
#define TCP_HDR_MIN 20
#define TCP_HDR_MAX 60

/* Control bits. */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

/* Option kinds. */
#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define TCP_OPT_WSCALE 3
#define TCP_OPT_SACK_PERM 4
#define TCP_OPT_SACK 5
#define TCP_OPT_TS 8

#define TCP_PROTO 6

typedef struct {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t wnd, urg;
    uint8_t hdr_len;     /* parse: from the data offset; emit: computed */
    uint16_t csum;       /* parse: as received; emit: ignored */
    bool has_mss;
    uint16_t mss;
    bool has_wscale;
    uint8_t wscale;
    bool sack_perm;
    bool has_ts;
    uint32_t ts_val, ts_ecr;
    const uint8_t *payload;
    size_t payload_len;
} tcp_repr_t;

typedef enum {
    TCP_PARSE_OK = 0,
    TCP_PARSE_TRUNCATED,    /* shorter than 20 bytes or than the data offset */
    TCP_PARSE_BAD_OFFSET,   /* data offset < 5 */
    TCP_PARSE_BAD_OPTION,   /* option length 0/1/overrunning, or wrong fixed length */
    TCP_PARSE_BAD_CHECKSUM, /* pseudo-header checksum does not verify */
} tcp_parse_reason_t;

/* Parse a segment received from src to dst (host-order IPv4, for the
 * pseudo-header checksum). payload points into buf. */
int tcp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst, tcp_repr_t *r);
/* Parse without verifying the checksum (ICMP quotes, trace tools). */
int tcp_parse_nocsum(const uint8_t *buf, size_t len, tcp_repr_t *r);
const char *tcp_reason_str(int reason);

/* Length of the header tcp_emit would write for r (20 + padded options). */
size_t tcp_hdr_len(const tcp_repr_t *r);
/* Write header + options + payload, with the checksum over the pseudo-header.
 * Returns bytes written or -1 if cap is too small. */
int tcp_emit(const tcp_repr_t *r, uint32_t src, uint32_t dst, uint8_t *buf, size_t cap);

/* tcpdump-style flags string ("S.", "P.", "F.", "R", "none"); buf >= 10. */
char *tcp_flags_str(uint8_t flags, char *buf);
/* tcpdump-style one-liner, e.g. "Flags [P.], seq 1:101, ack 1, win 502, length 100".
 * Returns buf. */
char *tcp_summary(const tcp_repr_t *r, char *buf, size_t cap);

#endif
