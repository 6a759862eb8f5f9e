/*
 * route.h -- the IPv4 routing table: longest-prefix match (RFC 1812 5.2.4.3),
 * host / network / connected / default routes, `route -n` style dump.
 *
 * Callers: net-svc/net_core.c (lookup on every send/forward, add/del from the
 * control plane, interface up/down), net-svc main (dump for `stackctl route`).
 */
#ifndef LS_ROUTE_H
#define LS_ROUTE_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define ROUTE_IFNAMSIZ 16

#define ROUTE_F_UP 0x1      /* U: route is usable */
#define ROUTE_F_GATEWAY 0x2 /* G: via a gateway */
#define ROUTE_F_HOST 0x4    /* H: /32 host route */

typedef struct {
    uint32_t dst;        /* host order, masked to prefix_len */
    uint8_t prefix_len;  /* 0..32 */
    uint32_t gateway;    /* 0 = connected (direct) */
    char ifname[ROUTE_IFNAMSIZ];
    uint32_t metric;
    unsigned flags;      /* ROUTE_F_*; U cleared while the interface is down */
    uint64_t use;        /* lookups that selected this route ("Use") */
    uint64_t seq;        /* insertion order (tie-break) */
} route_entry_t;

typedef struct {
    uint32_t next_hop;   /* gateway, or the destination itself when connected */
    char ifname[ROUTE_IFNAMSIZ];
    uint32_t metric;
    uint8_t prefix_len;
    unsigned flags;
} route_result_t;

typedef struct route_table route_table_t;

route_table_t *route_new(void);
void route_destroy(route_table_t **self_p);
/* Netmask for a prefix length (host order). */
uint32_t route_mask(uint8_t prefix_len);
/* Add a route; dst is masked. -1 on bad args or if dst/prefix/metric already
 * exists (Linux EEXIST). */
int route_add(route_table_t *t, uint32_t dst, uint8_t prefix_len, uint32_t gateway,
              const char *ifname, uint32_t metric);
/* Delete the first route matching dst/prefix and, if given, gateway (!= 0)
 * and ifname (!= NULL). 0 or -1 if none. */
int route_del(route_table_t *t, uint32_t dst, uint8_t prefix_len, uint32_t gateway,
              const char *ifname);
/* Delete every route through ifname; returns how many. */
int route_del_if(route_table_t *t, const char *ifname);
/* Longest prefix match among usable (U) routes; ties: lowest metric, then
 * first added. Bumps the winner's Use. 0 found / -1 none. */
int route_lookup(route_table_t *t, uint32_t dst, route_result_t *res);
/* Mark routes through ifname usable or not (interface up/down). */
void route_set_if_up(route_table_t *t, const char *ifname, bool up);
size_t route_count(const route_table_t *t);
/* The i-th route in lookup-independent storage order, or NULL. */
const route_entry_t *route_at(const route_table_t *t, size_t i);
/* "U", "UG", "UH", "UGH" ... into buf (>= 8 bytes). */
char *route_flags_str(unsigned flags, char *buf);
/* The `route -n` header line (no newline). */
const char *route_header(void);
/* One `route -n` row (no newline) into out; returns out. */
char *route_format_row(const route_entry_t *e, char *out, size_t cap);
/* Call fn with the header line then each row, most specific first. */
void route_dump(const route_table_t *t, void (*fn)(const char *line, void *arg), void *arg);

#endif
