/*
 * dsvc_cfg.c -- dns-svc's configuration, read once at start: the host's
 * `dns:` block of the topology (roles, zones, root hints, the stub's
 * resolv.conf) and its settings (dns_cache_size, dns_max_depth,
 * dns_max_cname, dns_max_requests, dns_query_timeout, dns_tcp_idle).
 *
 * Call chain: dns-svc/main.c -> dsvc_cfg_from_svc -> stub_cfg_t,
 * resolver_cfg_t; main.c then loads the zone files and the hints itself
 * and fills cfg.zones / cfg.hints / cfg.hosts_text.
 */
#include "dns-svc/dsvc_int.h"

#include <stdio.h>
#include <string.h>

/* FNV-1a of the host name: seeds differ per host, replay per topology seed. */
static uint64_t s_host_hash(const char *host)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = host; p && *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    return h;
}

void dsvc_cfg_from_svc(dsvc_cfg_t *cfg, ls_svc_t *svc)
{
    const topo_host_t *h = svc->h;
    cfg->host = svc->host;
    cfg->addr = h && h->niface ? h->ifaces[0].addr : 0;
    uint64_t seed = (svc->topo ? svc->topo->seed : 1) * 0x9e3779b97f4a7c15ull ^ s_host_hash(svc->host);
    stub_cfg_t *st = &cfg->stub;
    resolver_cfg_t *rc = &cfg->resolver;
    st->seed = seed;
    rc->seed = seed ^ 0x5bd1e995u;
    size_t cache = (size_t)ls_svc_setting_u64(svc, "dns_cache_size", 0);
    if (cache) {
        st->cache_max = cache;
        rc->cache_max = cache;
    }
    rc->max_depth = (uint32_t)ls_svc_setting_u64(svc, "dns_max_depth", rc->max_depth);
    rc->max_cname = (uint32_t)ls_svc_setting_u64(svc, "dns_max_cname", rc->max_cname);
    st->max_cname = rc->max_cname;
    rc->max_requests = (uint32_t)ls_svc_setting_u64(svc, "dns_max_requests", rc->max_requests);
    rc->request_timeout_ns = ls_svc_setting_ns(svc, "dns_query_timeout", rc->request_timeout_ns);
    cfg->tcp_idle_ns = ls_svc_setting_ns(svc, "dns_tcp_idle", cfg->tcp_idle_ns);
    if (!h || !h->dns.present)
        return;
    const topo_dns_t *d = &h->dns;
    cfg->recursive = d->recursive;
    st->nns = d->nns < STUB_MAXNS ? d->nns : STUB_MAXNS;
    memcpy(st->ns, d->nameservers, st->nns * sizeof st->ns[0]);
    st->nsearch = 0;
    for (size_t i = 0; i < d->nsearch && st->nsearch < STUB_MAXDNSRCH; i++)
        if (dns_name_from_text(d->search[i], NULL, &st->search[st->nsearch]) == DNS_OK)
            st->nsearch++;
    if (d->ndots >= 0)
        st->ndots = d->ndots;
    if (d->timeout_ns)
        st->timeout_ns = d->timeout_ns;
    if (d->attempts)
        st->attempts = d->attempts;
}
