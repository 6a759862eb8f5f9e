/*
 * icmp_rules.h -- when an ICMP error may be sent (RFC 1122 3.2.2, RFC 1812
 * 4.3.2.7) and how often (token bucket, RFC 1812 4.3.2.8).
 *
 * Callers: net-svc/net_core.c before every ICMP error it would generate
 * (time exceeded, unreachable, frag needed, reassembly timeout, and errors
 * requested by transport via net_core_send_icmp_error).
 */
#ifndef LS_ICMP_RULES_H
#define LS_ICMP_RULES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef enum {
    ICMP_RULE_OK = 0,
    ICMP_RULE_TRUNCATED,        /* offending datagram too short to judge */
    ICMP_RULE_ERROR_ABOUT_ERROR,/* it is itself an ICMP error message */
    ICMP_RULE_DST_BCAST,        /* sent to an IP broadcast address */
    ICMP_RULE_DST_MCAST,        /* sent to an IP multicast address */
    ICMP_RULE_LINK_BCAST,       /* arrived as a link-layer broadcast */
    ICMP_RULE_LINK_MCAST,       /* arrived as a link-layer multicast */
    ICMP_RULE_NON_INITIAL_FRAG, /* a fragment other than the first */
    ICMP_RULE_BAD_SRC,          /* source not a unicast host address */
    ICMP_RULE__COUNT
} icmp_rule_t;

typedef struct {
    bool link_bcast, link_mcast;
    bool dst_bcast;   /* the caller knows dst is a (subnet-)broadcast address */
    bool src_bcast;   /* the caller knows src is a (subnet-)broadcast address */
    bool on_loopback; /* the datagram travelled on the loopback interface */
} icmp_err_ctx_t;

/* 0 (ICMP_RULE_OK) if an error about this datagram may be sent, else why not.
 * Detects limited broadcast and multicast by address; subnet broadcasts need
 * icmp_error_allowed_ex. 127/8 sources are refused (not on loopback). */
int icmp_error_allowed(const uint8_t *offending, size_t len, bool link_bcast, bool link_mcast);
int icmp_error_allowed_ex(const uint8_t *offending, size_t len, const icmp_err_ctx_t *c);
const char *icmp_rule_str(int code);
/* "icmp.suppress.error_about_error" ... ; NULL for OK */
const char *icmp_rule_counter(int code);

/* Token bucket: `rate` tokens per second, at most `burst` stored. */
typedef struct {
    uint32_t rate;        /* per second; 0 = unlimited */
    uint32_t burst;
    uint64_t credit_ns;   /* stored credit, in ns of refill time */
    uint64_t last_ns;
    bool started;
} icmp_ratelimit_t;

/* Linux icmp_msgs_per_sec / icmp_msgs_burst: 1000/s, burst 50 -- enough for
 * traceroute's 3 probes per hop and a flood ping's errors to be tamed. */
#define ICMP_RL_DEFAULT_RATE 1000u
#define ICMP_RL_DEFAULT_BURST 50u

void icmp_ratelimit_init(icmp_ratelimit_t *rl, uint32_t rate_per_sec, uint32_t burst);
/* Take a token at now_ns; true if allowed. The bucket starts full. */
bool icmp_ratelimit_allow(icmp_ratelimit_t *rl, uint64_t now_ns);

#endif
