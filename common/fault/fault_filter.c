/*
 * fault_filter.c -- the "match FILTER" part of fault rules: classify a PDU
 * at its pipe's level (Ethernet frame, IPv4 datagram, bare TCP/UDP/ICMP)
 * with bounds-checked header reads. Self-contained on purpose: it does not
 * use the eth/ipv4/tcp codecs, only common/wire/bytes.h.
 *
 * Call chain: fault_rule_parse() -> fault_filter_parse();
 * fault_set_apply() -> s_rule_process() -> fault_filter_match().
 */
#include "fault/fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"

#define ETH_HDR_LEN 14
#define ETH_OFF_TYPE 12
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_VLAN 0x8100
#define VLAN_TAG_LEN 4

#define ARP_OFF_OPER 6
#define ARP_MIN_LEN 8
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

#define IP4_MIN_HDR 20
#define IP4_OFF_VER_IHL 0
#define IP4_OFF_TOTLEN 2
#define IP4_OFF_FRAG 6
#define IP4_OFF_PROTO 9
#define IP4_FRAG_OFF_MASK 0x1fff

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17

#define TCP_MIN_HDR 20
#define TCP_OFF_SPORT 0
#define TCP_OFF_DPORT 2
#define TCP_OFF_DOFF 12
#define TCP_OFF_FLAGS 13
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10
#define TCP_FLAGS_MASK 0x3f /* FIN SYN RST PSH ACK URG; ECE/CWR ignored */

#define UDP_HDR_LEN 8
#define UDP_OFF_SPORT 0
#define UDP_OFF_DPORT 2

#define DNS_MIN_HDR 12
#define DNS_OFF_FLAGS_HI 2
#define DNS_QR 0x80
#define DNS_TCP_PREFIX 2

#define ICMP_MIN_LEN 8
#define ICMP_OFF_TYPE 0
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8

static const struct {
    const char *name;
    fault_filter_kind_t kind;
    bool has_arg;
} s_filters[] = {
    {"any", FAULT_F_ANY, false},
    {"tcp-syn", FAULT_F_TCP_SYN, false},
    {"tcp-synack", FAULT_F_TCP_SYNACK, false},
    {"tcp-fin", FAULT_F_TCP_FIN, false},
    {"tcp-ack", FAULT_F_TCP_ACK, false},
    {"tcp-data", FAULT_F_TCP_DATA, false},
    {"tcp-rst", FAULT_F_TCP_RST, false},
    {"tcp-port", FAULT_F_TCP_PORT, true},
    {"udp-port", FAULT_F_UDP_PORT, true},
    {"icmp-echo-request", FAULT_F_ICMP_ECHO_REQUEST, false},
    {"icmp-echo-reply", FAULT_F_ICMP_ECHO_REPLY, false},
    {"arp-request", FAULT_F_ARP_REQUEST, false},
    {"arp-reply", FAULT_F_ARP_REPLY, false},
    {"proto", FAULT_F_PROTO, true},
    {"dns-query", FAULT_F_DNS_QUERY, false},
    {"dns-response", FAULT_F_DNS_RESPONSE, false},
};
#define S_NFILTERS (sizeof s_filters / sizeof s_filters[0])

int fault_filter_parse(const char *text, fault_filter_t *filter, char *err, size_t errlen)
{
    char name[32], arg[32], extra[8];
    int n = text ? sscanf(text, "%31s %31s %7s", name, arg, extra) : 0;
    if (n < 1) {
        snprintf(err, errlen, "match: missing filter");
        return -1;
    }
    for (size_t i = 0; i < S_NFILTERS; i++) {
        if (strcmp(name, s_filters[i].name) != 0)
            continue;
        filter->kind = s_filters[i].kind;
        filter->arg = 0;
        if (!s_filters[i].has_arg) {
            if (n > 1) {
                snprintf(err, errlen, "match: %s takes no argument", name);
                return -1;
            }
            return 0;
        }
        if (n != 2) {
            snprintf(err, errlen, "match: %s needs one number", name);
            return -1;
        }
        char *end;
        unsigned long v = strtoul(arg, &end, 10);
        unsigned long max = filter->kind == FAULT_F_PROTO ? 255 : 65535;
        if (*arg < '0' || *arg > '9' || *end || v > max) {
            snprintf(err, errlen, "match: %s must be 0..%lu", name, max);
            return -1;
        }
        filter->arg = (uint32_t)v;
        return 0;
    }
    snprintf(err, errlen, "match: unknown filter '%s'", name);
    return -1;
}

char *fault_filter_str(const fault_filter_t *filter, char *buf, size_t cap)
{
    for (size_t i = 0; i < S_NFILTERS; i++) {
        if (s_filters[i].kind != filter->kind)
            continue;
        if (s_filters[i].has_arg)
            snprintf(buf, cap, "%s %u", s_filters[i].name, filter->arg);
        else
            snprintf(buf, cap, "%s", s_filters[i].name);
        return buf;
    }
    snprintf(buf, cap, "?");
    return buf;
}

/* The transport header a filter looks at: protocol, bytes, length (the L4
   length from the IP header, not the buffer, so FCS/padding do not count). */
typedef struct {
    bool ip;          /* an IPv4 header was seen (or a bare L4 kind) */
    bool arp;
    uint16_t arp_oper;
    int proto;        /* -1 unknown */
    const uint8_t *l4;
    size_t l4len;     /* 0 with l4 == NULL: no transport header (fragment) */
} s_view_t;

static bool s_view_ipv4(const uint8_t *buf, size_t len, s_view_t *v)
{
    if (len < IP4_MIN_HDR)
        return false;
    uint8_t vi = rd_u8(buf + IP4_OFF_VER_IHL);
    size_t ihl = (size_t)(vi & 0x0f) * 4;
    uint16_t tot = rd_be16(buf + IP4_OFF_TOTLEN);
    if ((vi >> 4) != 4 || ihl < IP4_MIN_HDR || tot < ihl || tot > len)
        return false;
    v->ip = true;
    v->proto = rd_u8(buf + IP4_OFF_PROTO);
    if ((rd_be16(buf + IP4_OFF_FRAG) & IP4_FRAG_OFF_MASK) != 0)
        return true; /* non-first fragment: no transport header */
    v->l4 = buf + ihl;
    v->l4len = tot - ihl;
    return true;
}

static bool s_view(fault_pdu_kind_t kind, uint8_t proto, const uint8_t *buf, size_t len,
                   s_view_t *v)
{
    memset(v, 0, sizeof *v);
    v->proto = -1;
    switch (kind) {
    case FAULT_PDU_ETH: {
        if (len < ETH_HDR_LEN)
            return false;
        size_t off = ETH_HDR_LEN;
        uint16_t type = rd_be16(buf + ETH_OFF_TYPE);
        if (type == ETH_TYPE_VLAN) {
            if (len < ETH_HDR_LEN + VLAN_TAG_LEN)
                return false;
            type = rd_be16(buf + ETH_OFF_TYPE + VLAN_TAG_LEN);
            off += VLAN_TAG_LEN;
        }
        if (type == ETH_TYPE_ARP) {
            if (len - off < ARP_MIN_LEN)
                return false;
            v->arp = true;
            v->arp_oper = rd_be16(buf + off + ARP_OFF_OPER);
            return true;
        }
        if (type == ETH_TYPE_IPV4)
            return s_view_ipv4(buf + off, len - off, v);
        return false;
    }
    case FAULT_PDU_IPV4:
        return s_view_ipv4(buf, len, v);
    case FAULT_PDU_TCP:
    case FAULT_PDU_UDP:
    case FAULT_PDU_ICMP:
    case FAULT_PDU_L4:
        v->ip = true;
        v->proto = kind == FAULT_PDU_TCP ? PROTO_TCP
                   : kind == FAULT_PDU_UDP ? PROTO_UDP
                   : kind == FAULT_PDU_ICMP ? PROTO_ICMP
                                            : proto;
        v->l4 = buf;
        v->l4len = len;
        return true;
    case FAULT_PDU_DNS:
        return false; /* no IP or transport header on this pipe */
    }
    return false;
}

bool fault_filter_match(const fault_filter_t *filter, fault_pdu_kind_t kind, uint8_t proto,
                        const uint8_t *buf, size_t len)
{
    if (filter->kind == FAULT_F_ANY)
        return true;
    if (kind == FAULT_PDU_DNS || filter->kind == FAULT_F_DNS_QUERY || filter->kind == FAULT_F_DNS_RESPONSE) {
        /* a DNS message only on the dns:transport pipe; over TCP behind its length prefix */
        size_t off = proto == PROTO_TCP ? DNS_TCP_PREFIX : 0;
        if (kind != FAULT_PDU_DNS || !buf || len < off + DNS_MIN_HDR)
            return false;
        bool qr = (rd_u8(buf + off + DNS_OFF_FLAGS_HI) & DNS_QR) != 0;
        return filter->kind == FAULT_F_DNS_QUERY ? !qr : filter->kind == FAULT_F_DNS_RESPONSE && qr;
    }
    s_view_t v;
    if (!buf || !s_view(kind, proto, buf, len, &v))
        return false;
    switch (filter->kind) {
    case FAULT_F_ARP_REQUEST:
        return v.arp && v.arp_oper == ARP_OP_REQUEST;
    case FAULT_F_ARP_REPLY:
        return v.arp && v.arp_oper == ARP_OP_REPLY;
    case FAULT_F_PROTO:
        return v.ip && v.proto == (int)filter->arg;
    default:
        break;
    }
    if (!v.ip || !v.l4)
        return false;
    if (v.proto == PROTO_ICMP) {
        if (v.l4len < ICMP_MIN_LEN)
            return false;
        uint8_t type = rd_u8(v.l4 + ICMP_OFF_TYPE);
        return (filter->kind == FAULT_F_ICMP_ECHO_REQUEST && type == ICMP_ECHO_REQUEST) ||
               (filter->kind == FAULT_F_ICMP_ECHO_REPLY && type == ICMP_ECHO_REPLY);
    }
    if (v.proto == PROTO_UDP) {
        if (v.l4len < UDP_HDR_LEN || filter->kind != FAULT_F_UDP_PORT)
            return false;
        return rd_be16(v.l4 + UDP_OFF_SPORT) == filter->arg ||
               rd_be16(v.l4 + UDP_OFF_DPORT) == filter->arg;
    }
    if (v.proto != PROTO_TCP || v.l4len < TCP_MIN_HDR)
        return false;
    size_t doff = (size_t)(rd_u8(v.l4 + TCP_OFF_DOFF) >> 4) * 4;
    if (doff < TCP_MIN_HDR || doff > v.l4len)
        return false;
    uint8_t fl = rd_u8(v.l4 + TCP_OFF_FLAGS) & TCP_FLAGS_MASK;
    size_t payload = v.l4len - doff;
    switch (filter->kind) {
    case FAULT_F_TCP_SYN:
        return (fl & TCP_SYN) && !(fl & TCP_ACK);
    case FAULT_F_TCP_SYNACK:
        return (fl & TCP_SYN) && (fl & TCP_ACK);
    case FAULT_F_TCP_FIN:
        return (fl & TCP_FIN) != 0;
    case FAULT_F_TCP_RST:
        return (fl & TCP_RST) != 0;
    case FAULT_F_TCP_ACK:
        return fl == TCP_ACK && payload == 0;
    case FAULT_F_TCP_DATA:
        return payload > 0;
    case FAULT_F_TCP_PORT:
        return rd_be16(v.l4 + TCP_OFF_SPORT) == filter->arg ||
               rd_be16(v.l4 + TCP_OFF_DPORT) == filter->arg;
    default:
        return false;
    }
}
