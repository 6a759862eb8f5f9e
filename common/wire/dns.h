/*
 * dns.h -- DNS message codec (RFC 1035 4.1, RFC 3596 AAAA, RFC 3597 unknown
 * types, RFC 6891 EDNS(0) OPT), pure: bytes in, a host-order repr out, a
 * reason code for every rejection; no I/O, no allocation, no clock.
 *
 * Call chain: dns-svc (stub, recursive resolver, authoritative server) ->
 * dns_parse() on every message from the dns:transport pipe, dns_emit() for
 * every message it sends; apps/dig and apps/host -> dns_parse/dns_emit and
 * the presentation helpers; the per-layer log -> dns_summary().
 *
 * Names are kept in uncompressed wire form (dns_name_t: length-prefixed
 * labels ending in the root label, at most 255 bytes, RFC 1035 3.1).
 * dns_parse() expands every compression pointer, in owner names and inside
 * the RDATA of the RFC 1035 types that may carry them (NS, CNAME, SOA, PTR,
 * MX), so a parsed message holds no pointers. dns_emit() compresses owner
 * names and those RDATA names (RFC 3597 4: never inside other types).
 *
 * A parsed message keeps its records in one array (answer, then authority,
 * then additional; the OPT pseudo-record is lifted out into the edns
 * fields) and their RDATA in one byte pool inside the message, so a message
 * is a single self-contained value (about 140 KiB: callers put it on the
 * heap or in their context, not on a small stack).
 */
#ifndef LS_DNS_H
#define LS_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_PORT 53

/* header (RFC 1035 4.1.1) */
#define DNS_HDR_LEN 12
#define DNS_OFF_ID 0
#define DNS_OFF_FLAGS 2
#define DNS_OFF_QDCOUNT 4
#define DNS_OFF_ANCOUNT 6
#define DNS_OFF_NSCOUNT 8
#define DNS_OFF_ARCOUNT 10
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_FLAG_AD 0x0020 /* RFC 4035 */
#define DNS_FLAG_CD 0x0010

#define DNS_NAME_MAX 255   /* wire octets, RFC 1035 2.3.4 */
#define DNS_LABEL_MAX 63
#define DNS_NAME_TEXT_MAX 1024 /* presentation form with every octet escaped as \DDD, + NUL */
#define DNS_UDP_MAX 512       /* without EDNS, RFC 1035 4.2.1 */
#define DNS_EDNS_SIZE 1232    /* what we advertise (DNS flag day 2020) */
#define DNS_TCP_MAX 65535     /* 2-byte length prefix, RFC 7766 8 */

#define DNS_MSG_MAX_Q 4       /* questions kept per message */
#define DNS_MSG_MAX_RR 256    /* answer + authority + additional records kept */
#define DNS_RDATA_POOL 65536  /* expanded RDATA bytes kept per message */
#define DNS_OPT_MAX 512       /* EDNS option bytes kept */

/* types (RFC 1035 3.2.2, RFC 3596, RFC 6891) */
enum {
    DNS_T_A = 1,
    DNS_T_NS = 2,
    DNS_T_CNAME = 5,
    DNS_T_SOA = 6,
    DNS_T_PTR = 12,
    DNS_T_MX = 15,
    DNS_T_TXT = 16,
    DNS_T_AAAA = 28,
    DNS_T_OPT = 41,
    DNS_T_ANY = 255,
};
#define DNS_C_IN 1
#define DNS_C_ANY 255

/* opcodes and rcodes (RFC 1035 4.1.1, RFC 6891 6.1.3 for extended rcodes) */
enum { DNS_OP_QUERY = 0 };
enum {
    DNS_RCODE_NOERROR = 0,
    DNS_RCODE_FORMERR = 1,
    DNS_RCODE_SERVFAIL = 2,
    DNS_RCODE_NXDOMAIN = 3,
    DNS_RCODE_NOTIMP = 4,
    DNS_RCODE_REFUSED = 5,
    DNS_RCODE_BADVERS = 16,
};

/* Why a message (or a name) was rejected. */
typedef enum {
    DNS_OK = 0,
    DNS_ERR_TRUNC_HEADER,   /* fewer than 12 bytes */
    DNS_ERR_COUNT_OVERRUN,  /* the counts promise more questions/records than the bytes hold */
    DNS_ERR_PTR_LOOP,       /* a compression pointer that points at itself, or a chain that revisits */
    DNS_ERR_PTR_FORWARD,    /* a pointer to a later offset (RFC 1035 4.1.4: a prior occurrence) */
    DNS_ERR_PTR_PAST_END,   /* a pointer to an offset at or beyond the end of the message */
    DNS_ERR_LABEL_LEN,      /* a label longer than 63 octets (in text form) */
    DNS_ERR_LABEL_TYPE,     /* label type 01 or 10 (RFC 6891 5: extended labels are obsolete) */
    DNS_ERR_NAME_LEN,       /* a name longer than 255 octets */
    DNS_ERR_NAME_TRUNC,     /* a name runs past the end of the message */
    DNS_ERR_RDLEN,          /* RDLENGTH runs past the end of the message */
    DNS_ERR_RDATA,          /* RDATA malformed for its type (A not 4 bytes, SOA short, ...) */
    DNS_ERR_TOO_MANY,       /* more questions/records, or RDATA bytes, than a dns_msg_t keeps */
    DNS_ERR_OPT,            /* OPT outside the additional section, twice, or with a non-root owner */
    DNS_ERR_NAME_SYNTAX,    /* text form: empty label, bad escape */
    DNS_ERR_COUNT,
} dns_reason_t;

/* "pointer loop", ... */
const char *dns_reason_str(int reason);
/* Counter suffix: "ptr_loop", "trunc_header", ... (callers prefix "dns.drop."). */
const char *dns_reason_counter(int reason);

/* ---- names ---- */
typedef struct {
    uint8_t len;                 /* wire octets including the root label (1 for ".") */
    uint8_t wire[DNS_NAME_MAX];
} dns_name_t;

/* "www.example.test" or "www.example.test." (absolute either way) or "."
 * -> name; \. and \DDD escapes (RFC 1035 5.1). A name without a final dot is
 * relative to origin when origin is not NULL ("@" alone = origin). Returns a
 * reason (DNS_OK, DNS_ERR_LABEL_LEN, DNS_ERR_NAME_LEN, DNS_ERR_NAME_SYNTAX). */
int dns_name_from_text(const char *text, const dns_name_t *origin, dns_name_t *out);
/* Presentation form with the final dot ("www.example.test.", "."), escaping
 * '.', '\\', '"', ';', '(', ')', '@', '$', space and non-printables.
 * Returns buf (truncated if cap is too small; DNS_NAME_TEXT_MAX always fits). */
char *dns_name_to_text(const dns_name_t *name, char *buf, size_t cap);
/* Case-insensitive equality (RFC 4343). */
bool dns_name_eq(const dns_name_t *a, const dns_name_t *b);
/* name is zone or below it (every name is below "."). */
bool dns_name_is_sub(const dns_name_t *name, const dns_name_t *zone);
/* Number of labels, root not counted ("." = 0, "www.example.test." = 3). */
int dns_name_labels(const dns_name_t *name);
/* Drop the first n labels ("www.example.test." n=1 -> "example.test."). -1 if n > labels. */
int dns_name_parent(const dns_name_t *name, int n, dns_name_t *out);
/* The labels of prefix (its root label dropped) followed by suffix:
 * "www." + "example.test." -> "www.example.test.". out may alias neither.
 * DNS_OK or DNS_ERR_NAME_LEN. */
int dns_name_concat(const dns_name_t *prefix, const dns_name_t *suffix, dns_name_t *out);
/* The "d.c.b.a.in-addr.arpa." name of a host-order IPv4 address (RFC 1035 3.5). */
void dns_name_reverse4(uint32_t addr, dns_name_t *out);

/* ---- messages ---- */
typedef struct {
    dns_name_t name;
    uint16_t qtype, qclass;
} dns_question_t;

typedef struct {
    dns_name_t name;
    uint16_t type, rclass;
    uint32_t ttl;
    uint16_t rdlen;              /* of the expanded RDATA */
    uint32_t rdoff;              /* offset into the owning message's rdata pool */
} dns_rr_t;

typedef enum { DNS_SEC_ANSWER = 0, DNS_SEC_AUTHORITY, DNS_SEC_ADDITIONAL, DNS_SEC_COUNT } dns_section_t;

typedef struct {
    uint16_t id;
    bool qr, aa, tc, rd, ra, ad, cd;
    uint8_t opcode;
    uint16_t rcode;              /* 12 bits with EDNS: header RCODE | OPT extended RCODE << 4 */
    size_t qdcount;
    dns_question_t qd[DNS_MSG_MAX_Q];
    size_t count[DNS_SEC_COUNT]; /* records per section (the OPT record not counted) */
    dns_rr_t rr[DNS_MSG_MAX_RR]; /* answer, then authority, then additional */
    /* EDNS(0): the OPT pseudo-RR, RFC 6891 6.1.2 */
    bool edns;
    uint16_t edns_udp_size;      /* the OPT CLASS field */
    uint8_t edns_version;
    bool edns_do;                /* DO bit, RFC 3225 */
    uint16_t edns_optlen;
    uint8_t edns_opts[DNS_OPT_MAX]; /* the option TLVs as received, passed on opaquely */
    uint32_t rdused;             /* bytes of rdata[] in use */
    uint8_t rdata[DNS_RDATA_POOL];
} dns_msg_t;

/* Parse a whole message (UDP payload, or one TCP message without its
 * 2-byte prefix). Bytes after the last record are ignored. Returns a
 * dns_reason_t; on DNS_OK *m holds the message. */
int dns_parse(const uint8_t *buf, size_t len, dns_msg_t *m);
/* Header only (id, flags, counts): enough to answer FORMERR to a message
 * that does not parse. DNS_OK or DNS_ERR_TRUNC_HEADER. */
int dns_parse_header(const uint8_t *buf, size_t len, dns_msg_t *m);

/* Encode with name compression. Returns the length, or -1 if it does not
 * fit in cap. With limit > 0 (512, or the client's EDNS size over UDP) a
 * message longer than limit is re-encoded as header + question (+ OPT)
 * with TC=1 (RFC 1035 4.2.1, RFC 2181 9), and *truncated (may be NULL) is set. */
int dns_emit(const dns_msg_t *m, uint8_t *buf, size_t cap, size_t limit, bool *truncated);

/* ---- building ---- */
/* A zeroed message with one question. */
void dns_msg_init_query(dns_msg_t *m, uint16_t id, const dns_name_t *qname, uint16_t qtype, bool rd);
/* Start a response to q: same id, opcode, RD, question; QR=1; no records. */
void dns_msg_init_response(dns_msg_t *m, const dns_msg_t *q);
/* Append a record to a section (sections must be filled in order: answer,
 * authority, additional). RDATA is in uncompressed wire form. -1 if full. */
int dns_msg_add(dns_msg_t *m, dns_section_t sec, const dns_name_t *name, uint16_t type, uint16_t rclass,
                uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);
/* Set EDNS(0): OPT with this UDP size, version 0, no options. */
void dns_msg_set_edns(dns_msg_t *m, uint16_t udp_size);
/* First record of a section, and the RDATA bytes of a record of m. */
dns_rr_t *dns_msg_section(dns_msg_t *m, dns_section_t sec);
const dns_rr_t *dns_msg_section_c(const dns_msg_t *m, dns_section_t sec);
static inline const uint8_t *dns_rr_rdata(const dns_msg_t *m, const dns_rr_t *rr) { return m->rdata + rr->rdoff; }

/* ---- RDATA (uncompressed wire form) ---- */
/* Decoded views of the RFC 1035 types; 0, or -1 if rdata is malformed for the type. */
int dns_rdata_a(const uint8_t *rd, uint16_t len, uint32_t *addr);
/* NS, CNAME, PTR: one name. */
int dns_rdata_name(const uint8_t *rd, uint16_t len, dns_name_t *out);
int dns_rdata_mx(const uint8_t *rd, uint16_t len, uint16_t *pref, dns_name_t *exchange);
typedef struct {
    dns_name_t mname, rname;
    uint32_t serial, refresh, retry, expire, minimum;
} dns_soa_t;
int dns_rdata_soa(const uint8_t *rd, uint16_t len, dns_soa_t *soa);
/* Builders: bytes written, or -1 if cap is too small. */
int dns_rdata_put_name(const dns_name_t *name, uint8_t *rd, size_t cap);
int dns_rdata_put_soa(const dns_soa_t *soa, uint8_t *rd, size_t cap);
/* Presentation form as dig prints it: "198.51.100.10", "10 mail.example.test.",
 * "\"v=spf1 -all\"", "2001:db8::1", SOA "mname rname serial refresh retry
 * expire minimum", unknown types "\# 3 abcdef" (RFC 3597 5). Returns buf. */
char *dns_rdata_to_text(uint16_t type, const uint8_t *rd, uint16_t len, char *buf, size_t cap);

/* ---- names of things ---- */
/* "A", "AAAA", ..., "TYPE65280" for others (RFC 3597 5). Returns buf (>= 16 bytes). */
char *dns_type_to_text(uint16_t type, char *buf);
/* "A", "mx" (any case), "TYPE65280" -> type; -1 if unknown. */
int dns_type_from_text(const char *text);
/* "NOERROR", "NXDOMAIN", ... ("RCODE17" for others). Returns buf (>= 16 bytes). */
char *dns_rcode_to_text(uint16_t rcode, char *buf);
/* "IN", "CH", "ANY", "CLASS7". Returns buf (>= 16 bytes). */
char *dns_class_to_text(uint16_t rclass, char *buf);

/* tcpdump's one-line form (print-domain.c), for the per-layer log:
 *   query:    "7745+ [1au] A? www.example.test. (43)"   (+ = RD, [1au] = one additional/OPT)
 *   response: "7745*- 1/0/1 A 198.51.100.10 (59)"        (* = AA, - = no RA, | = TC)
 *             "7745 NXDomain* 0/1/1 (95)", "7745 2/0/1 CNAME web.example.test., A 198.51.100.10 (83)"
 * wire_len is the message length printed in parentheses. Returns buf. */
char *dns_summary(const dns_msg_t *m, size_t wire_len, char *buf, size_t cap);

#endif
