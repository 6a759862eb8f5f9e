/*
 * route.c -- IPv4 routing table with longest-prefix match.
 *
 * A small array kept sorted most-specific first (prefix length descending,
 * then metric ascending, then insertion order), so a lookup is the first
 * usable entry that matches (RFC 1812 5.2.4.3: longest match; among equals the
 * lowest metric). Tables here hold tens of routes; a linear scan is simplest.
 *
 * Call chain: net_core_send / net_core forward / net_core_route_query ->
 * route_lookup; net_core_add_if / control plane -> route_add / route_del;
 * net_core_set_link -> route_set_if_up; net-svc main -> route_dump.
 */
#include "net-svc/route.h"
#include "wire/bytes.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct route_table {
    route_entry_t *v;
    size_t n, cap;
    uint64_t next_seq;
};

route_table_t *route_new(void)
{
    return calloc(1, sizeof(route_table_t));
}

void route_destroy(route_table_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->v);
    free(*self_p);
    *self_p = NULL;
}

uint32_t route_mask(uint8_t prefix_len)
{
    if (prefix_len == 0)
        return 0;
    if (prefix_len >= 32)
        return 0xffffffffu;
    return 0xffffffffu << (32 - prefix_len);
}

/* Sort key: does a come before b? */
static int s_before(const route_entry_t *a, const route_entry_t *b)
{
    if (a->prefix_len != b->prefix_len)
        return a->prefix_len > b->prefix_len;
    if (a->metric != b->metric)
        return a->metric < b->metric;
    return a->seq < b->seq;
}

int route_add(route_table_t *t, uint32_t dst, uint8_t prefix_len, uint32_t gateway,
              const char *ifname, uint32_t metric)
{
    if (!t || prefix_len > 32 || !ifname || !*ifname || strlen(ifname) >= ROUTE_IFNAMSIZ)
        return -1;
    dst &= route_mask(prefix_len);
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].dst == dst && t->v[i].prefix_len == prefix_len && t->v[i].metric == metric)
            return -1; /* EEXIST, as Linux */
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 8;
        route_entry_t *nv = realloc(t->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        t->v = nv;
        t->cap = nc;
    }
    route_entry_t e = {.dst = dst, .prefix_len = prefix_len, .gateway = gateway, .metric = metric,
                       .flags = ROUTE_F_UP, .seq = t->next_seq++};
    snprintf(e.ifname, sizeof e.ifname, "%s", ifname);
    if (gateway)
        e.flags |= ROUTE_F_GATEWAY;
    if (prefix_len == 32)
        e.flags |= ROUTE_F_HOST;
    size_t pos = t->n;
    while (pos > 0 && s_before(&e, &t->v[pos - 1])) {
        t->v[pos] = t->v[pos - 1];
        pos--;
    }
    t->v[pos] = e;
    t->n++;
    return 0;
}

static void s_remove_at(route_table_t *t, size_t i)
{
    memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof t->v[0]);
    t->n--;
}

int route_del(route_table_t *t, uint32_t dst, uint8_t prefix_len, uint32_t gateway,
              const char *ifname)
{
    if (!t || prefix_len > 32)
        return -1;
    dst &= route_mask(prefix_len);
    for (size_t i = 0; i < t->n; i++) {
        route_entry_t *e = &t->v[i];
        if (e->dst != dst || e->prefix_len != prefix_len)
            continue;
        if (gateway && e->gateway != gateway)
            continue;
        if (ifname && strcmp(ifname, e->ifname) != 0)
            continue;
        s_remove_at(t, i);
        return 0;
    }
    return -1;
}

int route_del_if(route_table_t *t, const char *ifname)
{
    int n = 0;
    if (!t || !ifname)
        return 0;
    for (size_t i = 0; i < t->n;) {
        if (strcmp(t->v[i].ifname, ifname) == 0) {
            s_remove_at(t, i);
            n++;
        } else {
            i++;
        }
    }
    return n;
}

int route_lookup(route_table_t *t, uint32_t dst, route_result_t *res)
{
    if (!t)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        route_entry_t *e = &t->v[i];
        if (!(e->flags & ROUTE_F_UP))
            continue;
        if ((dst & route_mask(e->prefix_len)) != e->dst)
            continue;
        e->use++;
        if (res) {
            memset(res, 0, sizeof *res);
            res->next_hop = e->gateway ? e->gateway : dst;
            memcpy(res->ifname, e->ifname, sizeof res->ifname);
            res->metric = e->metric;
            res->prefix_len = e->prefix_len;
            res->flags = e->flags;
        }
        return 0;
    }
    return -1;
}

void route_set_if_up(route_table_t *t, const char *ifname, bool up)
{
    if (!t || !ifname)
        return;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].ifname, ifname) == 0) {
            if (up)
                t->v[i].flags |= ROUTE_F_UP;
            else
                t->v[i].flags &= ~(unsigned)ROUTE_F_UP;
        }
}

size_t route_count(const route_table_t *t) { return t ? t->n : 0; }

const route_entry_t *route_at(const route_table_t *t, size_t i)
{
    return (t && i < t->n) ? &t->v[i] : NULL;
}

char *route_flags_str(unsigned flags, char *buf)
{
    size_t n = 0;
    if (flags & ROUTE_F_UP)
        buf[n++] = 'U';
    if (flags & ROUTE_F_GATEWAY)
        buf[n++] = 'G';
    if (flags & ROUTE_F_HOST)
        buf[n++] = 'H';
    buf[n] = '\0';
    return buf;
}

const char *route_header(void)
{
    return "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface";
}

char *route_format_row(const route_entry_t *e, char *out, size_t cap)
{
    char d[16], g[16], m[16], f[8];
    snprintf(out, cap, "%-15s %-15s %-15s %-5s %-6u %-3u %6llu %s", ip4_fmt(e->dst, d),
             ip4_fmt(e->gateway, g), ip4_fmt(route_mask(e->prefix_len), m),
             route_flags_str(e->flags, f), e->metric, 0u, (unsigned long long)e->use, e->ifname);
    return out;
}

void route_dump(const route_table_t *t, void (*fn)(const char *line, void *arg), void *arg)
{
    if (!t || !fn)
        return;
    fn(route_header(), arg);
    char row[128];
    for (size_t i = 0; i < t->n; i++)
        fn(route_format_row(&t->v[i], row, sizeof row), arg);
}
