/*
 * topology.c -- load and validate the topology YAML file (libyaml document
 * API), lookups, settings, durations, endpoint naming, the service list and
 * the hosts file.
 *
 * Call chain: service main()s and the orchestrator call topo_load() once at
 * start, then the lookup / endpoint helpers; compose.c walks the result.
 * topo_load() never crashes on any input: every node is type-checked before
 * use, every string is length-checked into fixed fields, and the first
 * problem found is reported as "FILE:LINE: context: reason".
 *
 * No I/O besides reading the file in topo_load() and writing to the FILE *
 * handed to topo_write_hosts().
 */
#include "topology/topology.h"
#include "wire/bytes.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define S_MAX_FILE (1u << 20) /* a topology file is a few KiB; refuse anything huge */

static const char *const s_layer_names[TOPO_LAYER_COUNT] = {"link", "net", "transport", "dns"};
static const char *const s_default_programs[TOPO_LAYER_COUNT] = {"link-svc", "net-svc",
                                                                 "transport-svc", ""};
/* Settings whose values services parse as durations / counts / log levels:
 * validated at load so a typo is a line-numbered error, not a runtime surprise. */
static const char *const s_duration_keys[] = {"arp_timeout", "arp_retry", "msl", "min_rto",
                                              "max_rto", NULL};
static const char *const s_count_keys[] = {"arp_retries", NULL};
static const char *const s_log_levels[] = {"error", "warn", "info", "pdu", "debug", NULL};

/* ---------------------------------------------------------------- loader */

typedef struct {
    const char *label;      /* file name for messages */
    yaml_document_t *doc;
    char *err;
    size_t errlen;
    topo_t *topo;
    char ctx[192];          /* "host 'hosta': interface 'eth0': " */
} s_ld_t;

static int s_line(const yaml_node_t *n) { return n ? (int)n->start_mark.line + 1 : 0; }

static int s_fail(s_ld_t *ld, const yaml_node_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int s_fail(s_ld_t *ld, const yaml_node_t *at, const char *fmt, ...)
{
    if (!ld->err || ld->errlen == 0)
        return -1;
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    snprintf(ld->err, ld->errlen, "%s:%d: %s%s", ld->label, s_line(at), ld->ctx, reason);
    return -1;
}

/* Append to the context prefix; returns the old length for s_ctx_pop. */
static size_t s_ctx_push(s_ld_t *ld, const char *fmt, const char *name)
{
    size_t old = strlen(ld->ctx);
    snprintf(ld->ctx + old, sizeof ld->ctx - old, fmt, name);
    return old;
}
static void s_ctx_pop(s_ld_t *ld, size_t old) { ld->ctx[old] = '\0'; }

static yaml_node_t *s_node(s_ld_t *ld, int idx) { return yaml_document_get_node(ld->doc, idx); }

static const char *s_type_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE: return "a scalar";
    case YAML_SEQUENCE_NODE: return "a sequence";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "nothing";
    }
}

static bool s_is_null(const yaml_node_t *n)
{
    if (!n)
        return true;
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *v = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length;
    return len == 0 || (len == 1 && v[0] == '~') ||
           (len == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) || !memcmp(v, "NULL", 4)));
}

/* Does the scalar node equal the C string? */
static bool s_scalar_is(const yaml_node_t *n, const char *s)
{
    return n && n->type == YAML_SCALAR_NODE && n->data.scalar.length == strlen(s) &&
           memcmp(n->data.scalar.value, s, n->data.scalar.length) == 0;
}

static int s_map_len(const yaml_node_t *map)
{
    return (int)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
}

/* Check a mapping's keys: scalars, known (allowed is NULL-terminated), no duplicates. */
static int s_check_keys(s_ld_t *ld, const yaml_node_t *map, const char *what,
                        const char *const *allowed)
{
    int n = s_map_len(map);
    for (int i = 0; i < n; i++) {
        yaml_node_t *k = s_node(ld, map->data.mapping.pairs.start[i].key);
        if (!k || k->type != YAML_SCALAR_NODE)
            return s_fail(ld, k ? k : map, "%s key must be a scalar, got %s", what,
                          k ? s_type_name(k) : "nothing");
        bool known = false;
        for (int a = 0; allowed[a]; a++)
            known = known || s_scalar_is(k, allowed[a]);
        if (!known) {
            char exp[256] = "";
            for (int a = 0; allowed[a]; a++) {
                size_t l = strlen(exp);
                snprintf(exp + l, sizeof exp - l, "%s%s", a ? ", " : "", allowed[a]);
            }
            return s_fail(ld, k, "unknown key '%.*s' in %s (expected: %s)",
                          (int)(k->data.scalar.length > 64 ? 64 : k->data.scalar.length),
                          (const char *)k->data.scalar.value, what, exp);
        }
        for (int j = 0; j < i; j++) {
            yaml_node_t *k2 = s_node(ld, map->data.mapping.pairs.start[j].key);
            if (k2 && k2->type == YAML_SCALAR_NODE &&
                k2->data.scalar.length == k->data.scalar.length &&
                memcmp(k2->data.scalar.value, k->data.scalar.value, k->data.scalar.length) == 0)
                return s_fail(ld, k, "duplicate key '%.*s' in %s",
                              (int)(k->data.scalar.length > 64 ? 64 : k->data.scalar.length),
                              (const char *)k->data.scalar.value, what);
        }
    }
    return 0;
}

/* Value for key in map, or NULL (keys were checked to be scalars). */
static yaml_node_t *s_map_get(s_ld_t *ld, const yaml_node_t *map, const char *key)
{
    int n = s_map_len(map);
    for (int i = 0; i < n; i++) {
        yaml_node_t *k = s_node(ld, map->data.mapping.pairs.start[i].key);
        if (s_scalar_is(k, key))
            return s_node(ld, map->data.mapping.pairs.start[i].value);
    }
    return NULL;
}

/* Copy a scalar's text into out (cap incl. NUL). */
static int s_scalar(s_ld_t *ld, const yaml_node_t *n, const char *key, char *out, size_t cap)
{
    if (n->type != YAML_SCALAR_NODE)
        return s_fail(ld, n, "'%s' must be a scalar, got %s", key, s_type_name(n));
    size_t len = n->data.scalar.length;
    if (memchr(n->data.scalar.value, '\0', len))
        return s_fail(ld, n, "'%s' contains a NUL byte", key);
    if (len >= cap)
        return s_fail(ld, n, "'%s' is too long (%zu bytes, max %zu)", key, len, cap - 1);
    memcpy(out, n->data.scalar.value, len);
    out[len] = '\0';
    return 0;
}

/* 1 found, 0 absent (optional), -1 error. */
static int s_get_str(s_ld_t *ld, const yaml_node_t *map, const char *key, bool required,
                     char *out, size_t cap, yaml_node_t **at)
{
    yaml_node_t *v = s_map_get(ld, map, key);
    if (at)
        *at = v ? v : (yaml_node_t *)map;
    if (!v || s_is_null(v)) {
        if (required)
            return s_fail(ld, v ? v : map, v ? "'%s' has no value" : "missing required key '%s'",
                          key);
        return 0;
    }
    return s_scalar(ld, v, key, out, cap) < 0 ? -1 : 1;
}

static int s_parse_u64(const char *s, uint64_t *out)
{
    if (!isdigit((unsigned char)*s))
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s))
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int s_get_uint(s_ld_t *ld, const yaml_node_t *map, const char *key, bool required,
                      uint64_t min, uint64_t max, uint64_t *out)
{
    char text[32];
    yaml_node_t *at;
    int r = s_get_str(ld, map, key, required, text, sizeof text, &at);
    if (r <= 0)
        return r;
    uint64_t v;
    if (s_parse_u64(text, &v) < 0)
        return s_fail(ld, at, "'%s' must be a non-negative integer, got '%s'", key, text);
    if (v < min || v > max)
        return s_fail(ld, at, "'%s' %llu out of range (%llu..%llu)", key, (unsigned long long)v,
                      (unsigned long long)min, (unsigned long long)max);
    *out = v;
    return 1;
}

static int s_get_bool(s_ld_t *ld, const yaml_node_t *map, const char *key, bool *out)
{
    char text[16];
    yaml_node_t *at;
    int r = s_get_str(ld, map, key, false, text, sizeof text, &at);
    if (r <= 0)
        return r;
    if (!strcmp(text, "true") || !strcmp(text, "yes"))
        *out = true;
    else if (!strcmp(text, "false") || !strcmp(text, "no"))
        *out = false;
    else
        return s_fail(ld, at, "'%s' must be true or false, got '%s'", key, text);
    return 1;
}

/* Node of the given type, or NULL when absent/null (optional). -1 on error. */
static int s_get_node(s_ld_t *ld, const yaml_node_t *map, const char *key, yaml_node_type_t type,
                      bool required, yaml_node_t **out)
{
    yaml_node_t *v = s_map_get(ld, map, key);
    *out = NULL;
    if (!v || s_is_null(v)) {
        if (required)
            return s_fail(ld, v ? v : map, v ? "'%s' has no value" : "missing required key '%s'",
                          key);
        return 0;
    }
    if (v->type != type)
        return s_fail(ld, v, "'%s' must be %s, got %s", key,
                      type == YAML_SEQUENCE_NODE ? "a sequence" : "a mapping", s_type_name(v));
    *out = v;
    return 1;
}

/* Host, segment names: [A-Za-z0-9-], starting alphanumeric. Interface names may
 * also hold '_'. No '.', which separates "router.eth1". */
static bool s_valid_name(const char *s, bool allow_underscore)
{
    if (!isalnum((unsigned char)*s))
        return false;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '-' || (allow_underscore && *s == '_')))
            return false;
    return true;
}

static uint32_t s_mask(unsigned prefix) { return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix); }

/* "a.b.c.d/len" -> 0; -1 syntax; -2 prefix out of [pmin, 32]. slash_opt: bare = /32. */
static int s_parse_cidr(const char *text, bool slash_opt, unsigned pmin, uint32_t *addr,
                        unsigned *prefix)
{
    char ip[20];
    const char *slash = strchr(text, '/');
    size_t iplen = slash ? (size_t)(slash - text) : strlen(text);
    if (iplen >= sizeof ip)
        return -1;
    memcpy(ip, text, iplen);
    ip[iplen] = '\0';
    if (ip4_parse(ip, addr) < 0)
        return -1;
    if (!slash) {
        if (!slash_opt)
            return -1;
        *prefix = 32;
        return 0;
    }
    uint64_t p;
    if (strlen(slash + 1) > 3 || s_parse_u64(slash + 1, &p) < 0)
        return -1;
    if (p < pmin || p > 32)
        return -2;
    *prefix = (unsigned)p;
    return 0;
}

static bool s_in_list(const char *s, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (!strcmp(s, list[i]))
            return true;
    return false;
}

/* A settings mapping (key -> scalar) into *kv/n, replacing existing keys. */
static int s_load_settings(s_ld_t *ld, const yaml_node_t *map, topo_kv_t **kv, size_t *n)
{
    int cnt = s_map_len(map);
    for (int i = 0; i < cnt; i++) {
        yaml_node_t *k = s_node(ld, map->data.mapping.pairs.start[i].key);
        yaml_node_t *v = s_node(ld, map->data.mapping.pairs.start[i].value);
        topo_kv_t e = {.line = s_line(k)};
        if (!k || s_scalar(ld, k, "settings key", e.key, sizeof e.key) < 0)
            return -1;
        if (!e.key[0])
            return s_fail(ld, k, "settings: empty key");
        for (int j = 0; j < i; j++)
            if (s_scalar_is(s_node(ld, map->data.mapping.pairs.start[j].key), e.key))
                return s_fail(ld, k, "settings: duplicate key '%s'", e.key);
        if (!v || s_is_null(v))
            return s_fail(ld, v ? v : k, "settings: '%s' has no value", e.key);
        if (s_scalar(ld, v, e.key, e.value, sizeof e.value) < 0)
            return -1;
        uint64_t tmp;
        if (s_in_list(e.key, s_duration_keys) && topo_parse_duration_ns(e.value, &tmp) < 0)
            return s_fail(ld, v, "settings: '%s' bad duration '%s' (e.g. 30s, 200ms, 1.5s)",
                          e.key, e.value);
        if (s_in_list(e.key, s_count_keys) && s_parse_u64(e.value, &tmp) < 0)
            return s_fail(ld, v, "settings: '%s' must be a non-negative integer, got '%s'", e.key,
                          e.value);
        if (!strcmp(e.key, "log_level") && !s_in_list(e.value, s_log_levels))
            return s_fail(ld, v, "settings: bad log_level '%s' (expected: error, warn, info, "
                                 "pdu, debug)", e.value);
        size_t j;
        for (j = 0; j < *n && strcmp((*kv)[j].key, e.key); j++)
            ;
        if (j == *n) {
            topo_kv_t *grown = realloc(*kv, (*n + 1) * sizeof **kv);
            if (!grown)
                return s_fail(ld, k, "out of memory");
            *kv = grown;
            (*n)++;
        }
        (*kv)[j] = e;
    }
    return 0;
}

static int s_load_segments(s_ld_t *ld, const yaml_node_t *seq)
{
    topo_t *t = ld->topo;
    size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    if (n == 0)
        return s_fail(ld, seq, "'segments' is empty");
    t->segments = calloc(n, sizeof *t->segments);
    if (!t->segments)
        return s_fail(ld, seq, "out of memory");
    static const char *const keys[] = {"name", NULL};
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *m = s_node(ld, seq->data.sequence.items.start[i]);
        if (!m || m->type != YAML_MAPPING_NODE)
            return s_fail(ld, m ? m : seq, "segment must be a mapping, got %s",
                          m ? s_type_name(m) : "nothing");
        topo_segment_t *s = &t->segments[i];
        s->line = s_line(m);
        yaml_node_t *at;
        if (s_check_keys(ld, m, "segment", keys) < 0 ||
            s_get_str(ld, m, "name", true, s->name, sizeof s->name, &at) < 0)
            return -1;
        if (!s_valid_name(s->name, false))
            return s_fail(ld, at, "bad segment name '%s' (letters, digits, '-')", s->name);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(t->segments[j].name, s->name))
                return s_fail(ld, at, "duplicate segment '%s' (first at line %d)", s->name,
                              t->segments[j].line);
        t->nsegment = i + 1;
    }
    return 0;
}

static int s_load_iface(s_ld_t *ld, topo_host_t *h, size_t idx, const yaml_node_t *m)
{
    static const char *const keys[] = {"name", "mac", "addr", "segment", "mtu", NULL};
    topo_t *t = ld->topo;
    topo_iface_t *f = &h->ifaces[idx];
    f->line = s_line(m);
    yaml_node_t *at;
    if (s_get_str(ld, m, "name", true, f->name, sizeof f->name, &at) < 0)
        return -1;
    if (!s_valid_name(f->name, true))
        return s_fail(ld, at, "bad interface name '%s' (letters, digits, '-', '_')", f->name);
    size_t saved = s_ctx_push(ld, "interface '%s': ", f->name);
    int rc = -1;
    char text[64];
    uint64_t mtu = TOPO_DEFAULT_MTU;
    if (s_check_keys(ld, m, "interface", keys) < 0)
        goto out;
    for (size_t j = 0; j < idx; j++)
        if (!strcmp(h->ifaces[j].name, f->name)) {
            s_fail(ld, at, "duplicate interface name (first at line %d)", h->ifaces[j].line);
            goto out;
        }
    /* mac */
    if (s_get_str(ld, m, "mac", true, text, sizeof text, &at) < 0)
        goto out;
    if (mac_parse(text, f->mac) < 0) {
        s_fail(ld, at, "bad MAC '%s' (expected aa:bb:cc:dd:ee:ff)", text);
        goto out;
    }
    /* RFC 1122 2.4 / IEEE 802: a station address is unicast; the I/G bit marks groups. */
    if (f->mac[0] & 1) {
        s_fail(ld, at, "MAC '%s' is a multicast/broadcast address", text);
        goto out;
    }
    static const uint8_t zero[6];
    if (!memcmp(f->mac, zero, 6)) {
        s_fail(ld, at, "MAC '%s' is all zeros", text);
        goto out;
    }
    for (size_t hi = 0; hi < t->nhost + 1; hi++) {
        const topo_host_t *o = &t->hosts[hi];
        size_t nf = (o == h) ? idx : o->niface;
        for (size_t j = 0; j < nf; j++)
            if (!memcmp(o->ifaces[j].mac, f->mac, 6)) {
                s_fail(ld, at, "duplicate MAC '%s' (also host '%s' interface '%s', line %d)", text,
                       o->name, o->ifaces[j].name, o->ifaces[j].line);
                goto out;
            }
    }
    /* addr */
    if (s_get_str(ld, m, "addr", true, text, sizeof text, &at) < 0)
        goto out;
    unsigned plen;
    int pr = s_parse_cidr(text, false, 1, &f->addr, &plen);
    if (pr == -2) {
        s_fail(ld, at, "address '%s': prefix length out of range (1..32)", text);
        goto out;
    }
    if (pr < 0) {
        s_fail(ld, at, "bad address '%s' (expected a.b.c.d/len)", text);
        goto out;
    }
    f->prefix_len = (uint8_t)plen;
    uint32_t mask = s_mask(plen);
    /* RFC 1122 3.2.1.3: a host address is never 0, 127/8, class D/E, or (on a
     * subnet of /30 or wider) the subnet's all-zeros / all-ones host part. */
    uint8_t first = (uint8_t)(f->addr >> 24);
    if (first == 0 || first == 127 || first >= 224) {
        s_fail(ld, at, "address '%s' is not a valid unicast host address", text);
        goto out;
    }
    if (plen <= 30 && ((f->addr & ~mask) == 0 || (f->addr & ~mask) == ~mask)) {
        s_fail(ld, at, "address '%s' is the network or broadcast address of its subnet", text);
        goto out;
    }
    /* segment */
    char seg[TOPO_NAME_MAX];
    yaml_node_t *at_addr = at;
    if (s_get_str(ld, m, "segment", true, seg, sizeof seg, &at) < 0)
        goto out;
    f->segment = topo_segment(t, seg);
    if (f->segment < 0) {
        s_fail(ld, at, "unknown segment '%s'", seg);
        goto out;
    }
    at = at_addr;
    /* unique addresses per segment (one broadcast domain) */
    for (size_t hi = 0; hi < t->nhost + 1; hi++) {
        const topo_host_t *o = &t->hosts[hi];
        size_t nf = (o == h) ? idx : o->niface;
        for (size_t j = 0; j < nf; j++)
            if (o->ifaces[j].segment == f->segment && o->ifaces[j].addr == f->addr) {
                char a[16];
                s_fail(ld, at, "duplicate address %s on segment '%s' (also host '%s' interface "
                               "'%s', line %d)", ip4_fmt(f->addr, a), seg, o->name,
                       o->ifaces[j].name, o->ifaces[j].line);
                goto out;
            }
    }
    /* mtu: RFC 791: every internet module must handle 68-octet datagrams unfragmented */
    if (s_get_uint(ld, m, "mtu", false, 68, 9000, &mtu) < 0)
        goto out;
    f->mtu = (uint16_t)mtu;
    rc = 0;
out:
    s_ctx_pop(ld, saved);
    return rc;
}

static int s_load_route(s_ld_t *ld, topo_host_t *h, size_t idx, const yaml_node_t *m)
{
    static const char *const keys[] = {"dst", "via", "dev", "metric", NULL};
    topo_route_t *r = &h->routes[idx];
    r->line = s_line(m);
    r->iface = -1;
    char dst[64], via[64] = "";
    yaml_node_t *at_dst, *at_via, *at_dev;
    if (s_check_keys(ld, m, "route", keys) < 0 ||
        s_get_str(ld, m, "dst", true, dst, sizeof dst, &at_dst) < 0)
        return -1;
    size_t saved = s_ctx_push(ld, "route '%s': ", dst);
    int rc = -1;
    unsigned plen = 0;
    if (!strcmp(dst, "default")) {
        r->dst = 0;
    } else {
        int pr = s_parse_cidr(dst, true, 0, &r->dst, &plen);
        if (pr == -2) {
            s_fail(ld, at_dst, "prefix length out of range (0..32)");
            goto out;
        }
        if (pr < 0) {
            s_fail(ld, at_dst, "bad destination (expected default, a.b.c.d/len or a.b.c.d)");
            goto out;
        }
        if (r->dst & ~s_mask(plen)) {
            s_fail(ld, at_dst, "destination has host bits set beyond /%u", plen);
            goto out;
        }
    }
    r->prefix_len = (uint8_t)plen;
    int hv = s_get_str(ld, m, "via", false, via, sizeof via, &at_via);
    int hd = s_get_str(ld, m, "dev", false, r->dev, sizeof r->dev, &at_dev);
    uint64_t metric = 0;
    if (hv < 0 || hd < 0 || s_get_uint(ld, m, "metric", false, 0, UINT32_MAX, &metric) < 0)
        goto out;
    r->metric = (uint32_t)metric;
    if (hd) {
        r->iface = topo_iface_index(h, r->dev);
        if (r->iface < 0) {
            s_fail(ld, at_dev, "unknown interface '%s'", r->dev);
            goto out;
        }
    }
    if (!hv) {
        if (!hd) {
            s_fail(ld, m, "a direct route (no 'via') needs 'dev'");
            goto out;
        }
    } else {
        if (ip4_parse(via, &r->gateway) < 0 || r->gateway == 0) {
            s_fail(ld, at_via, "bad gateway '%s'", via);
            goto out;
        }
        /* RFC 1122 3.3.1.1: the gateway (first hop) must be on a directly connected
         * network, else it cannot be reached without another routing decision. */
        int found = -1;
        for (size_t i = 0; i < h->niface; i++) {
            const topo_iface_t *f = &h->ifaces[i];
            uint32_t mask = s_mask(f->prefix_len);
            if (r->iface >= 0 && (int)i != r->iface)
                continue;
            if ((f->addr & mask) == (r->gateway & mask)) {
                if (f->addr == r->gateway) {
                    s_fail(ld, at_via, "gateway %s is this host's own address", via);
                    goto out;
                }
                found = (int)i;
                break;
            }
        }
        if (found < 0) {
            if (hd)
                s_fail(ld, at_via, "gateway %s is not on the network of interface '%s'", via,
                       r->dev);
            else
                s_fail(ld, at_via, "gateway %s is not on a connected network", via);
            goto out;
        }
        r->iface = found;
    }
    for (size_t j = 0; j < idx; j++) {
        const topo_route_t *o = &h->routes[j];
        if (o->dst == r->dst && o->prefix_len == r->prefix_len && o->metric == r->metric) {
            s_fail(ld, at_dst, "duplicate route (same destination and metric as line %d)",
                   o->line);
            goto out;
        }
    }
    rc = 0;
out:
    s_ctx_pop(ld, saved);
    return rc;
}

static int s_load_layers(s_ld_t *ld, topo_host_t *h, const yaml_node_t *m)
{
    static const char *const keys[] = {"link", "net", "transport", "dns", NULL};
    if (s_check_keys(ld, m, "layers", keys) < 0)
        return -1;
    for (int l = 0; l < TOPO_LAYER_COUNT; l++) {
        char prog[TOPO_PROG_MAX];
        yaml_node_t *at;
        int r = s_get_str(ld, m, s_layer_names[l], false, prog, sizeof prog, &at);
        if (r < 0)
            return -1;
        if (r == 0)
            continue;
        if (!strcmp(prog, "none")) {
            h->layers[l][0] = '\0';
            continue;
        }
        bool ok = prog[0] != '\0';
        for (const char *p = prog; *p; p++)
            ok = ok && !isspace((unsigned char)*p) && isprint((unsigned char)*p);
        if (!ok || (prog[0] != '/' && strchr(prog, '/')))
            return s_fail(ld, at, "layers: bad program '%s' for '%s' (a name in the bin dir, an "
                                  "absolute path, or none)", prog, s_layer_names[l]);
        memcpy(h->layers[l], prog, sizeof prog);
    }
    for (int l = 1; l < TOPO_LAYER_COUNT; l++) {
        int below = l == TOPO_LAYER_DNS ? TOPO_LAYER_TRANSPORT : l - 1;
        if (h->layers[l][0] && !h->layers[below][0])
            return s_fail(ld, m, "layers: '%s' runs but '%s' below it is none", s_layer_names[l],
                          s_layer_names[below]);
    }
    return 0;
}

/* A file named in the topology, relative to the topology file's directory. */
static int s_rel_path(s_ld_t *ld, const yaml_node_t *at, const char *in, char *out, size_t cap)
{
    const char *slash = strrchr(ld->label, '/');
    int n = in[0] == '/' || !slash ? snprintf(out, cap, "%s", in)
                                   : snprintf(out, cap, "%.*s/%s", (int)(slash - ld->label), ld->label, in);
    if (n < 0 || (size_t)n >= cap)
        return s_fail(ld, at, "path '%s' is too long", in);
    return 0;
}

/* A sequence of scalars (or one scalar) under key: each through fn. */
static int s_scalar_list(s_ld_t *ld, const yaml_node_t *map, const char *key, size_t max,
                         int (*fn)(s_ld_t *ld, const yaml_node_t *at, const char *text, size_t i, void *arg),
                         void *arg, size_t *count)
{
    yaml_node_t *v = s_map_get(ld, map, key);
    *count = 0;
    if (!v || s_is_null(v))
        return 0;
    size_t n = v->type == YAML_SEQUENCE_NODE
                   ? (size_t)(v->data.sequence.items.top - v->data.sequence.items.start) : 1;
    if (v->type != YAML_SEQUENCE_NODE && v->type != YAML_SCALAR_NODE)
        return s_fail(ld, v, "'%s' must be a list, got %s", key, s_type_name(v));
    if (n > max)
        return s_fail(ld, v, "'%s' has %zu entries (at most %zu)", key, n, max);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *e = v->type == YAML_SEQUENCE_NODE ? s_node(ld, v->data.sequence.items.start[i]) : v;
        char text[TOPO_PROG_MAX];
        if (!e || s_scalar(ld, e, key, text, sizeof text) < 0 || fn(ld, e, text, i, arg) < 0)
            return -1;
        *count = i + 1;
    }
    return 0;
}

static int s_dns_zone(s_ld_t *ld, const yaml_node_t *at, const char *text, size_t i, void *arg)
{
    topo_dns_t *d = arg;
    return s_rel_path(ld, at, text, d->zones[i], sizeof d->zones[i]);
}

static int s_dns_ns(s_ld_t *ld, const yaml_node_t *at, const char *text, size_t i, void *arg)
{
    topo_dns_t *d = arg;
    if (ip4_parse(text, &d->nameservers[i]) < 0)
        return s_fail(ld, at, "dns: nameserver '%s' is not an IPv4 address", text);
    return 0;
}

static int s_dns_search(s_ld_t *ld, const yaml_node_t *at, const char *text, size_t i, void *arg)
{
    topo_dns_t *d = arg;
    size_t len = strlen(text);
    bool ok = len > 0 && len < sizeof d->search[i] && text[0] != '.' && !strstr(text, "..");
    for (const char *p = text; *p && ok; p++)
        ok = isalnum((unsigned char)*p) || *p == '-' || *p == '.' || *p == '_';
    if (!ok)
        return s_fail(ld, at, "dns: search domain '%s' is not a domain name", text);
    snprintf(d->search[i], sizeof d->search[i], "%s", text);
    return 0;
}

static int s_load_dns(s_ld_t *ld, topo_host_t *h, const yaml_node_t *m)
{
    static const char *const keys[] = {"recursive", "root_hints", "zones", "nameservers", "search",
                                       "ndots", "timeout", "attempts", "hosts", NULL};
    topo_dns_t *d = &h->dns;
    d->present = true;
    d->line = s_line(m);
    d->ndots = -1;
    if (s_check_keys(ld, m, "dns", keys) < 0 || s_get_bool(ld, m, "recursive", &d->recursive) < 0)
        return -1;
    char text[TOPO_PROG_MAX];
    yaml_node_t *at;
    int r = s_get_str(ld, m, "root_hints", false, text, sizeof text, &at);
    if (r < 0 || (r > 0 && s_rel_path(ld, at, text, d->root_hints, sizeof d->root_hints) < 0))
        return -1;
    if (d->recursive && !d->root_hints[0])
        return s_fail(ld, m, "dns: recursive: true needs root_hints (a file like zones/root.hints)");
    r = s_get_str(ld, m, "hosts", false, text, sizeof text, &at);
    if (r < 0 || (r > 0 && s_rel_path(ld, at, text, d->hosts, sizeof d->hosts) < 0))
        return -1;
    if (s_scalar_list(ld, m, "zones", TOPO_DNS_MAX_ZONES, s_dns_zone, d, &d->nzone) < 0 ||
        s_scalar_list(ld, m, "nameservers", TOPO_DNS_MAXNS, s_dns_ns, d, &d->nns) < 0 ||
        s_scalar_list(ld, m, "search", TOPO_DNS_MAXSEARCH, s_dns_search, d, &d->nsearch) < 0)
        return -1;
    uint64_t v;
    r = s_get_uint(ld, m, "ndots", false, 0, 15, &v);
    if (r < 0)
        return -1;
    if (r > 0)
        d->ndots = (int)v;
    r = s_get_uint(ld, m, "attempts", false, 1, 5, &v);
    if (r < 0)
        return -1;
    if (r > 0)
        d->attempts = (int)v;
    r = s_get_str(ld, m, "timeout", false, text, sizeof text, &at);
    if (r < 0)
        return -1;
    if (r > 0 && (topo_parse_duration_ns(text, &d->timeout_ns) < 0 || d->timeout_ns < 100000000ull ||
                  d->timeout_ns > 30000000000ull))
        return s_fail(ld, at, "dns: timeout '%s' must be a duration from 100ms to 30s", text);
    if (!h->layers[TOPO_LAYER_DNS][0])
        return s_fail(ld, m, "dns: settings given, but this host's dns layer is none (add layers: {dns: dns-svc})");
    return 0;
}

static int s_load_host(s_ld_t *ld, size_t idx, const yaml_node_t *m)
{
    static const char *const keys[] = {"name", "forward", "interfaces", "routes", "layers",
                                       "settings", "dns", NULL};
    topo_t *t = ld->topo;
    topo_host_t *h = &t->hosts[idx];
    h->line = s_line(m);
    for (int l = 0; l < TOPO_LAYER_COUNT; l++)
        snprintf(h->layers[l], sizeof h->layers[l], "%s", s_default_programs[l]);
    yaml_node_t *at, *seq, *node;
    if (s_get_str(ld, m, "name", true, h->name, sizeof h->name, &at) < 0)
        return -1;
    if (!s_valid_name(h->name, false))
        return s_fail(ld, at, "bad host name '%s' (letters, digits, '-')", h->name);
    if (!strncmp(h->name, "sw-", 3))
        return s_fail(ld, at, "host name '%s' clashes with switch service names (sw-*)", h->name);
    size_t saved = s_ctx_push(ld, "host '%s': ", h->name);
    int rc = -1;
    if (s_check_keys(ld, m, "host", keys) < 0)
        goto out;
    for (size_t j = 0; j < idx; j++)
        if (!strcmp(t->hosts[j].name, h->name)) {
            s_fail(ld, at, "duplicate host name (first at line %d)", t->hosts[j].line);
            goto out;
        }
    if (s_get_bool(ld, m, "forward", &h->forward) < 0)
        goto out;
    /* interfaces */
    if (s_get_node(ld, m, "interfaces", YAML_SEQUENCE_NODE, true, &seq) < 0)
        goto out;
    size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    if (n == 0) {
        s_fail(ld, seq, "'interfaces' is empty");
        goto out;
    }
    h->ifaces = calloc(n, sizeof *h->ifaces);
    if (!h->ifaces) {
        s_fail(ld, seq, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *f = s_node(ld, seq->data.sequence.items.start[i]);
        if (!f || f->type != YAML_MAPPING_NODE) {
            s_fail(ld, f ? f : seq, "interface must be a mapping, got %s",
                   f ? s_type_name(f) : "nothing");
            goto out;
        }
        if (s_load_iface(ld, h, i, f) < 0)
            goto out;
        h->niface = i + 1;
    }
    /* routes */
    if (s_get_node(ld, m, "routes", YAML_SEQUENCE_NODE, false, &seq) < 0)
        goto out;
    n = seq ? (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start) : 0;
    if (n) {
        h->routes = calloc(n, sizeof *h->routes);
        if (!h->routes) {
            s_fail(ld, seq, "out of memory");
            goto out;
        }
    }
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *r = s_node(ld, seq->data.sequence.items.start[i]);
        if (!r || r->type != YAML_MAPPING_NODE) {
            s_fail(ld, r ? r : seq, "route must be a mapping, got %s",
                   r ? s_type_name(r) : "nothing");
            goto out;
        }
        if (s_load_route(ld, h, i, r) < 0)
            goto out;
        h->nroute = i + 1;
    }
    /* layers */
    if (s_get_node(ld, m, "layers", YAML_MAPPING_NODE, false, &node) < 0 ||
        (node && s_load_layers(ld, h, node) < 0))
        goto out;
    /* settings: global, then this host's overrides */
    if (t->nsetting) {
        h->settings = malloc(t->nsetting * sizeof *h->settings);
        if (!h->settings) {
            s_fail(ld, m, "out of memory");
            goto out;
        }
        memcpy(h->settings, t->settings, t->nsetting * sizeof *h->settings);
        h->nsetting = t->nsetting;
    }
    if (s_get_node(ld, m, "settings", YAML_MAPPING_NODE, false, &node) < 0 ||
        (node && s_load_settings(ld, node, &h->settings, &h->nsetting) < 0))
        goto out;
    if (s_get_node(ld, m, "dns", YAML_MAPPING_NODE, false, &node) < 0 || (node && s_load_dns(ld, h, node) < 0))
        goto out;
    rc = 0;
out:
    s_ctx_pop(ld, saved);
    return rc;
}

static int s_load_fault_fields(s_ld_t *ld, topo_fault_t *f, const yaml_node_t *m);

/* "<host> <pipe> [up|down|both]" */
static int s_load_fault(s_ld_t *ld, size_t idx, const yaml_node_t *m)
{
    topo_fault_t *f = &ld->topo->faults[idx];
    f->line = s_line(m);
    f->seed = ld->topo->seed;
    size_t saved = s_ctx_push(ld, "%s", "fault: ");
    int rc = s_load_fault_fields(ld, f, m);
    s_ctx_pop(ld, saved);
    return rc;
}

static int s_load_fault_fields(s_ld_t *ld, topo_fault_t *f, const yaml_node_t *m)
{
    static const char *const keys[] = {"pipe", "spec", "seed", NULL};
    topo_t *t = ld->topo;
    char text[TOPO_VALUE_MAX];
    yaml_node_t *at;
    if (s_check_keys(ld, m, "fault", keys) < 0 ||
        s_get_str(ld, m, "pipe", true, text, sizeof text, &at) < 0 ||
        s_get_str(ld, m, "spec", true, f->spec, sizeof f->spec, NULL) < 0 ||
        s_get_uint(ld, m, "seed", false, 0, UINT64_MAX, &f->seed) < 0)
        return -1;
    char *tok[4] = {0}, *save = NULL;
    int ntok = 0;
    for (char *p = strtok_r(text, " \t", &save); p; p = strtok_r(NULL, " \t", &save)) {
        if (ntok == 3)
            return s_fail(ld, at, "pipe has too many words (expected '<host> <pipe> "
                                  "[up|down|both]')");
        tok[ntok++] = p;
    }
    if (ntok < 2)
        return s_fail(ld, at, "pipe must be '<host> <pipe> [up|down|both]', e.g. "
                              "'hosta net:link@eth0 down'");
    const topo_host_t *h = topo_host(t, tok[0]);
    if (!h)
        return s_fail(ld, at, "unknown host '%s'", tok[0]);
    snprintf(f->host, sizeof f->host, "%s", tok[0]);
    char *colon = strchr(tok[1], ':');
    if (!colon || colon == tok[1] || colon[1] == '\0' || colon[1] == '@')
        return s_fail(ld, at, "bad pipe '%s' (expected upper:lower[@ifname])", tok[1]);
    char *atsign = strchr(tok[1], '@');
    if (atsign && !topo_iface(h, atsign + 1))
        return s_fail(ld, at, "host '%s' has no interface '%s'", h->name, atsign + 1);
    snprintf(f->pipe, sizeof f->pipe, "%s", tok[1]);
    f->dir = TOPO_DIR_BOTH;
    if (ntok == 3) {
        if (!strcmp(tok[2], "up"))
            f->dir = TOPO_DIR_UP;
        else if (!strcmp(tok[2], "down"))
            f->dir = TOPO_DIR_DOWN;
        else if (strcmp(tok[2], "both"))
            return s_fail(ld, at, "bad direction '%s' (up, down or both)", tok[2]);
    }
    return 0;
}

static int s_load_root(s_ld_t *ld, const yaml_node_t *root)
{
    static const char *const keys[] = {"name", "seed", "settings", "segments", "hosts", "faults",
                                       NULL};
    topo_t *t = ld->topo;
    if (root->type != YAML_MAPPING_NODE)
        return s_fail(ld, root, "top level must be a mapping, got %s", s_type_name(root));
    yaml_node_t *node;
    t->seed = 1;
    if (s_check_keys(ld, root, "topology", keys) < 0 ||
        s_get_str(ld, root, "name", false, t->name, sizeof t->name, NULL) < 0 ||
        s_get_uint(ld, root, "seed", false, 0, UINT64_MAX, &t->seed) < 0)
        return -1;
    if (s_get_node(ld, root, "settings", YAML_MAPPING_NODE, false, &node) < 0 ||
        (node && s_load_settings(ld, node, &t->settings, &t->nsetting) < 0))
        return -1;
    if (s_get_node(ld, root, "segments", YAML_SEQUENCE_NODE, true, &node) < 0 ||
        s_load_segments(ld, node) < 0)
        return -1;
    if (s_get_node(ld, root, "hosts", YAML_SEQUENCE_NODE, true, &node) < 0)
        return -1;
    size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
    if (n == 0)
        return s_fail(ld, node, "'hosts' is empty");
    t->hosts = calloc(n, sizeof *t->hosts);
    if (!t->hosts)
        return s_fail(ld, node, "out of memory");
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *m = s_node(ld, node->data.sequence.items.start[i]);
        if (!m || m->type != YAML_MAPPING_NODE)
            return s_fail(ld, m ? m : node, "host must be a mapping, got %s",
                          m ? s_type_name(m) : "nothing");
        /* While host i loads, nhost == i (the duplicate checks scan hosts[0..i]);
         * afterwards nhost covers it even on failure so topo_destroy frees its arrays. */
        int rc = s_load_host(ld, i, m);
        t->nhost = i + 1;
        if (rc < 0)
            return -1;
    }
    if (s_get_node(ld, root, "faults", YAML_SEQUENCE_NODE, false, &node) < 0)
        return -1;
    n = node ? (size_t)(node->data.sequence.items.top - node->data.sequence.items.start) : 0;
    if (n) {
        t->faults = calloc(n, sizeof *t->faults);
        if (!t->faults)
            return s_fail(ld, node, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *m = s_node(ld, node->data.sequence.items.start[i]);
        if (!m || m->type != YAML_MAPPING_NODE)
            return s_fail(ld, m ? m : node, "fault must be a mapping, got %s",
                          m ? s_type_name(m) : "nothing");
        if (s_load_fault(ld, i, m) < 0)
            return -1;
        t->nfault = i + 1;
    }
    return 0;
}

static void s_syntax_error(s_ld_t *ld, const yaml_parser_t *p)
{
    if (!ld->err || ld->errlen == 0)
        return;
    const char *problem = p->problem ? p->problem : "unknown error";
    if (p->error == YAML_READER_ERROR)
        snprintf(ld->err, ld->errlen, "%s: YAML error: %s at byte %zu", ld->label, problem,
                 p->problem_offset);
    else if (p->error == YAML_MEMORY_ERROR)
        snprintf(ld->err, ld->errlen, "%s: YAML error: out of memory", ld->label);
    else if (p->context)
        snprintf(ld->err, ld->errlen, "%s:%zu:%zu: YAML syntax error: %s %s (line %zu)", ld->label,
                 p->problem_mark.line + 1, p->problem_mark.column + 1, problem, p->context,
                 p->context_mark.line + 1);
    else
        snprintf(ld->err, ld->errlen, "%s:%zu:%zu: YAML syntax error: %s", ld->label,
                 p->problem_mark.line + 1, p->problem_mark.column + 1, problem);
}

topo_t *topo_load_buf(const char *label, const char *text, size_t len, char *err, size_t errlen)
{
    s_ld_t ld = {.label = label ? label : "<topology>", .err = err, .errlen = errlen};
    if (err && errlen)
        err[0] = '\0';
    topo_t *t = calloc(1, sizeof *t);
    if (!t) {
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", ld.label);
        return NULL;
    }
    snprintf(t->path, sizeof t->path, "%s", ld.label);
    ld.topo = t;
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = -1;
    if (!yaml_parser_initialize(&parser)) {
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", ld.label);
        topo_destroy(&t);
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)(text ? text : ""), text ? len : 0);
    if (!yaml_parser_load(&parser, &doc)) {
        s_syntax_error(&ld, &parser);
        goto done_parser;
    }
    ld.doc = &doc;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        if (err && errlen)
            snprintf(err, errlen, "%s:1: empty file (expected a topology mapping)", ld.label);
    } else if (s_load_root(&ld, root) == 0) {
        /* A second document would be silently ignored: refuse it. */
        yaml_document_t doc2;
        if (!yaml_parser_load(&parser, &doc2)) {
            s_syntax_error(&ld, &parser);
        } else {
            yaml_node_t *r2 = yaml_document_get_root_node(&doc2);
            if (!r2)
                rc = 0;
            else if (err && errlen)
                snprintf(err, errlen, "%s:%zu: more than one YAML document", ld.label,
                         r2->start_mark.line + 1);
            yaml_document_delete(&doc2);
        }
    }
    yaml_document_delete(&doc);
done_parser:
    yaml_parser_delete(&parser);
    if (rc < 0)
        topo_destroy(&t);
    return t;
}

topo_t *topo_load(const char *path, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!path) {
        if (err && errlen)
            snprintf(err, errlen, "topology: no file given");
        return NULL;
    }
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        if (err && errlen)
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *text = malloc(S_MAX_FILE + 1);
    size_t len = text ? fread(text, 1, S_MAX_FILE + 1, fp) : 0;
    bool bad = !text || ferror(fp) || len > S_MAX_FILE;
    fclose(fp);
    if (bad) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", path,
                     !text ? "out of memory" : len > S_MAX_FILE ? "file too large (max 1 MiB)"
                                                                : "read error");
        free(text);
        return NULL;
    }
    topo_t *t = topo_load_buf(path, text, len, err, errlen);
    free(text);
    return t;
}

void topo_destroy(topo_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    topo_t *t = *self_p;
    if (t->hosts) {
        for (size_t i = 0; i < t->nhost; i++) {
            free(t->hosts[i].ifaces);
            free(t->hosts[i].routes);
            free(t->hosts[i].settings);
        }
    }
    free(t->hosts);
    free(t->segments);
    free(t->settings);
    free(t->faults);
    free(t);
    *self_p = NULL;
}

/* --------------------------------------------------------------- lookups */

const topo_host_t *topo_host(const topo_t *topo, const char *name)
{
    if (!topo || !name)
        return NULL;
    for (size_t i = 0; i < topo->nhost; i++)
        if (!strcmp(topo->hosts[i].name, name))
            return &topo->hosts[i];
    return NULL;
}

int topo_iface_index(const topo_host_t *host, const char *name)
{
    if (!host || !name)
        return -1;
    for (size_t i = 0; i < host->niface; i++)
        if (!strcmp(host->ifaces[i].name, name))
            return (int)i;
    return -1;
}

const topo_iface_t *topo_iface(const topo_host_t *host, const char *name)
{
    int i = topo_iface_index(host, name);
    return i < 0 ? NULL : &host->ifaces[i];
}

int topo_segment(const topo_t *topo, const char *name)
{
    if (!topo || !name)
        return -1;
    for (size_t i = 0; i < topo->nsegment; i++)
        if (!strcmp(topo->segments[i].name, name))
            return (int)i;
    return -1;
}

static const char *s_kv_find(const topo_kv_t *kv, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(kv[i].key, key))
            return kv[i].value;
    return NULL;
}

const char *topo_setting(const topo_t *topo, const char *host, const char *key)
{
    if (!topo || !key)
        return NULL;
    const topo_host_t *h = topo_host(topo, host);
    if (h) /* host settings already hold the globals, overridden */
        return s_kv_find(h->settings, h->nsetting, key);
    return s_kv_find(topo->settings, topo->nsetting, key);
}

int topo_setting_ns(const topo_t *topo, const char *host, const char *key, uint64_t dflt,
                    uint64_t *out)
{
    const char *v = topo_setting(topo, host, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    return topo_parse_duration_ns(v, out);
}

int topo_setting_u64(const topo_t *topo, const char *host, const char *key, uint64_t dflt,
                     uint64_t *out)
{
    const char *v = topo_setting(topo, host, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    return s_parse_u64(v, out);
}

int topo_parse_duration_ns(const char *s, uint64_t *ns)
{
    if (!s || !ns || !isdigit((unsigned char)*s))
        return -1;
    uint64_t whole = 0, frac = 0, fscale = 1;
    for (; isdigit((unsigned char)*s); s++) {
        unsigned d = (unsigned)(*s - '0');
        if (whole > (UINT64_MAX - d) / 10)
            return -1;
        whole = whole * 10 + d;
    }
    if (*s == '.') {
        s++;
        if (!isdigit((unsigned char)*s))
            return -1;
        for (; isdigit((unsigned char)*s); s++) {
            if (fscale == 1000000000ull)
                return -1; /* finer than a nanosecond of a second */
            frac = frac * 10 + (uint64_t)(*s - '0');
            fscale *= 10;
        }
    }
    static const struct { const char *unit; uint64_t mult; } units[] = {
        {"ns", 1ull}, {"us", 1000ull}, {"ms", 1000000ull}, {"s", 1000000000ull},
        {"m", 60000000000ull}, {"h", 3600000000000ull}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(s, units[i].unit))
            continue;
        uint64_t mult = units[i].mult;
        if (whole > UINT64_MAX / mult)
            return -1;
        unsigned __int128 part = (unsigned __int128)frac * mult;
        if (part % fscale)
            return -1; /* not a whole number of nanoseconds */
        uint64_t add = (uint64_t)(part / fscale);
        if (whole * mult > UINT64_MAX - add)
            return -1;
        *ns = whole * mult + add;
        return 0;
    }
    return -1;
}

int topo_resolve_name(const topo_t *topo, const char *name, uint32_t *addr)
{
    if (!name || !addr)
        return -1;
    if (ip4_parse(name, addr) == 0)
        return 0;
    if (!topo)
        return -1;
    const topo_host_t *h = topo_host(topo, name);
    if (h) {
        *addr = h->ifaces[0].addr;
        return 0;
    }
    const char *dot = strchr(name, '.');
    if (!dot || (size_t)(dot - name) >= TOPO_NAME_MAX)
        return -1;
    char hn[TOPO_NAME_MAX];
    memcpy(hn, name, (size_t)(dot - name));
    hn[dot - name] = '\0';
    const topo_iface_t *f = topo_iface(topo_host(topo, hn), dot + 1);
    if (!f)
        return -1;
    *addr = f->addr;
    return 0;
}

const char *topo_layer_name(topo_layer_t layer)
{
    return (unsigned)layer < TOPO_LAYER_COUNT ? s_layer_names[layer] : "?";
}

const char *topo_role_name(topo_role_t role)
{
    return role == TOPO_ROLE_SWITCH ? "switch" : topo_layer_name((topo_layer_t)role);
}

int topo_service_name(const char *host, topo_layer_t layer, char *buf, size_t cap)
{
    if (!host || !buf || (unsigned)layer >= TOPO_LAYER_COUNT)
        return -1;
    int n = snprintf(buf, cap, "%s-%s", host, s_layer_names[layer]);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* ------------------------------------------------------------- endpoints */

int topo_mode_parse(const char *text, topo_mode_t *mode)
{
    if (text && !strcmp(text, "ipc"))
        *mode = TOPO_MODE_IPC;
    else if (text && !strcmp(text, "tcp"))
        *mode = TOPO_MODE_TCP;
    else
        return -1;
    return 0;
}

static int s_ep_fail(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int s_ep_fail(char *buf, size_t cap, const char *fmt, ...)
{
    if (buf && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, cap, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int topo_endpoint(const topo_t *topo, topo_mode_t mode, const char *run_dir,
                  const char *host_or_segment, topo_ep_role_t role, const char *ifname,
                  bool bind, char *buf, size_t cap)
{
    const char *who = host_or_segment;
    if (!buf || cap == 0)
        return -1;
    if (!who || !*who)
        return s_ep_fail(buf, cap, "endpoint: no host or segment given");
    char svc[TOPO_NAME_MAX + 16], suffix[TOPO_IFNAME_MAX + 8];
    int port;
    const topo_host_t *h = topo_host(topo, who);
    if (topo && role != TOPO_EP_CTL && role != TOPO_EP_SWITCH && !h)
        return s_ep_fail(buf, cap, "endpoint: unknown host '%s'", who);
    switch (role) {
    case TOPO_EP_CTL:
        snprintf(svc, sizeof svc, "%.*s", TOPO_NAME_MAX + 15, who);
        snprintf(suffix, sizeof suffix, ".ctl");
        port = TOPO_PORT_CTL;
        break;
    case TOPO_EP_NET_LINK: {
        int idx = topo_iface_index(h, ifname);
        if (idx < 0)
            return s_ep_fail(buf, cap, "endpoint: host '%s' has no interface '%s'", who,
                             ifname ? ifname : "(null)");
        snprintf(svc, sizeof svc, "%s-link", who);
        snprintf(suffix, sizeof suffix, ".%s", ifname);
        port = TOPO_PORT_NET_LINK + idx;
        break;
    }
    case TOPO_EP_TRANSPORT_NET:
        snprintf(svc, sizeof svc, "%.*s-net", TOPO_NAME_MAX, who);
        snprintf(suffix, sizeof suffix, ".up");
        port = TOPO_PORT_TRANSPORT_NET;
        break;
    case TOPO_EP_DNS_TRANSPORT:
        snprintf(svc, sizeof svc, "%.*s-transport", TOPO_NAME_MAX, who);
        snprintf(suffix, sizeof suffix, ".up");
        port = TOPO_PORT_DNS_TRANSPORT;
        break;
    case TOPO_EP_SWITCH:
        if (topo && topo_segment(topo, who) < 0)
            return s_ep_fail(buf, cap, "endpoint: unknown segment '%s'", who);
        snprintf(svc, sizeof svc, "sw-%.*s", TOPO_NAME_MAX, who);
        snprintf(suffix, sizeof suffix, ".ports");
        port = TOPO_PORT_SWITCH;
        break;
    default:
        return s_ep_fail(buf, cap, "endpoint: bad role %d", (int)role);
    }
    int n;
    if (mode == TOPO_MODE_IPC) {
        if (!run_dir || !*run_dir)
            return s_ep_fail(buf, cap, "endpoint: ipc mode needs a run directory");
        size_t rl = strlen(run_dir);
        while (rl > 1 && run_dir[rl - 1] == '/')
            rl--;
        size_t plen = rl + strlen("/s/") + strlen(svc) + strlen(suffix);
        if (plen > TOPO_IPC_PATH_MAX)
            return s_ep_fail(buf, cap,
                             "endpoint: ipc path for %s%s is %zu bytes, over the %d-byte Unix "
                             "socket path limit; use a shorter --run-dir",
                             svc, suffix, plen, TOPO_IPC_PATH_MAX);
        n = snprintf(buf, cap, "ipc://%.*s/s/%s%s", (int)rl, run_dir, svc, suffix);
    } else if (mode == TOPO_MODE_TCP) {
        n = bind ? snprintf(buf, cap, "tcp://*:%d", port)
                 : snprintf(buf, cap, "tcp://%s:%d", svc, port);
    } else {
        return s_ep_fail(buf, cap, "endpoint: bad mode %d", (int)mode);
    }
    if (n < 0 || (size_t)n >= cap)
        return s_ep_fail(buf, cap, "endpoint: buffer too small");
    return 0;
}

/* -------------------------------------------------------------- services */

int topo_service_list(const topo_t *topo, topo_service_fn *fn, void *arg)
{
    if (!topo || !fn)
        return -1;
    char name[TOPO_NAME_MAX + 16];
    for (size_t i = 0; i < topo->nsegment; i++) {
        snprintf(name, sizeof name, "sw-%s", topo->segments[i].name);
        topo_service_t s = {.name = name, .segment = topo->segments[i].name,
                            .role = TOPO_ROLE_SWITCH, .program = "link-svc"};
        if (fn(&s, arg))
            return -1;
    }
    for (size_t i = 0; i < topo->nhost; i++) {
        const topo_host_t *h = &topo->hosts[i];
        for (int l = 0; l < TOPO_LAYER_COUNT; l++) {
            if (!h->layers[l][0])
                continue;
            snprintf(name, sizeof name, "%s-%s", h->name, s_layer_names[l]);
            topo_service_t s = {.name = name, .host = h->name, .role = (topo_role_t)l,
                                .program = h->layers[l]};
            if (fn(&s, arg))
                return -1;
        }
    }
    return 0;
}

int topo_write_hosts(const topo_t *topo, FILE *out)
{
    if (!topo || !out)
        return -1;
    char a[16];
    for (size_t i = 0; i < topo->nhost; i++) {
        const topo_host_t *h = &topo->hosts[i];
        for (size_t j = 0; j < h->niface; j++) {
            const topo_iface_t *f = &h->ifaces[j];
            ip4_fmt(f->addr, a);
            if (h->niface == 1)
                fprintf(out, "%s %s\n", a, h->name);
            else if (j == 0)
                fprintf(out, "%s %s %s.%s\n", a, h->name, h->name, f->name);
            else
                fprintf(out, "%s %s.%s\n", a, h->name, f->name);
        }
    }
    return ferror(out) ? -1 : 0;
}
