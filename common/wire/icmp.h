/*
 * icmp.h -- ICMP codec (RFC 792, RFC 1191 next-hop MTU): echo, destination
 * unreachable, time exceeded, parameter problem, redirect, generic others.
 *
 * Callers: net-svc/net_core.c (echo reply, errors), apps/ping, apps/traceroute,
 * ipv4_summary (icmp_summary).
 */
#ifndef LS_ICMP_H
#define LS_ICMP_H

#include <stdint.h>
#include <stddef.h>

#define ICMP_OFF_TYPE 0
#define ICMP_OFF_CODE 1
#define ICMP_OFF_CSUM 2
#define ICMP_OFF_ID 4      /* echo */
#define ICMP_OFF_SEQ 6     /* echo */
#define ICMP_OFF_MTU 6     /* dest unreachable code 4 (RFC 1191) */
#define ICMP_OFF_POINTER 4 /* parameter problem */
#define ICMP_OFF_GATEWAY 4 /* redirect */
#define ICMP_OFF_REST 4
#define ICMP_OFF_DATA 8
#define ICMP_HDR_LEN 8

#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_SOURCE_QUENCH 4
#define ICMP_REDIRECT 5
#define ICMP_ECHO_REQUEST 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12
#define ICMP_TIMESTAMP 13
#define ICMP_TIMESTAMP_REPLY 14

#define ICMP_UNREACH_NET 0
#define ICMP_UNREACH_HOST 1
#define ICMP_UNREACH_PROTOCOL 2
#define ICMP_UNREACH_PORT 3
#define ICMP_UNREACH_NEEDFRAG 4
#define ICMP_UNREACH_SRCFAIL 5

#define ICMP_EXC_TTL 0
#define ICMP_EXC_REASS 1

typedef enum {
    ICMP_OK = 0,
    ICMP_ERR_TRUNCATED, /* fewer than 8 bytes */
    ICMP_ERR_CHECKSUM,  /* checksum over the whole message does not verify */
    ICMP_ERR_TYPE,      /* unknown type: repr is still filled in generically */
    ICMP_ERR__COUNT
} icmp_reason_t;

typedef struct {
    uint8_t type, code;
    uint16_t checksum;   /* as found (parse) / as written (emit) */
    uint16_t id, seq;    /* echo request/reply */
    uint16_t mtu;        /* dest unreachable code 4: next-hop MTU */
    uint8_t pointer;     /* parameter problem */
    uint32_t gateway;    /* redirect (host order) */
    uint32_t rest;       /* bytes 4-7 raw, for any type (emit: used for unknown types) */
    const uint8_t *data; /* bytes after the 8-byte header (echo data or quoted datagram) */
    size_t data_len;
} icmp_repr_t;

/* Decode a whole ICMP message (IP payload). Fills repr even for ICMP_ERR_TYPE. */
int icmp_parse(const uint8_t *buf, size_t len, icmp_repr_t *repr);
/* Write header + repr->data with checksum; returns 8 + data_len or -1. */
int icmp_emit(icmp_repr_t *repr, uint8_t *buf, size_t cap);
const char *icmp_reason_str(int code);
/* "icmp.drop.truncated", "icmp.drop.bad_checksum", "icmp.drop.unknown_type"; NULL for 0. */
const char *icmp_reason_counter(int code);
/* 1 if type is an error message (3, 4, 5, 11, 12), else 0. */
int icmp_is_error(uint8_t type);
/* Build an ICMP error quoting the offending datagram's IP header plus the
 * first 8 bytes of its payload (RFC 792). mtu is used for type 3 code 4 only.
 * Returns the ICMP message length or -1. */
int icmp_build_error(uint8_t type, uint8_t code, uint16_t mtu, const uint8_t *offending_dgram,
                     size_t dlen, uint8_t *out, size_t cap);
/* tcpdump-style one-liner for an ICMP message ("ICMP echo request, id 1, ..."). */
char *icmp_summary(const uint8_t *buf, size_t len, char *out, size_t cap);

#endif
