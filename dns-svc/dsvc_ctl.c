/*
 * dsvc_ctl.c -- dns-svc's control commands:
 *   resolve NAME [TYPE]   the stub's lookup for an application (the socket
 *                         library's getaddrinfo, apps/lib/resolve.c): the
 *                         reply comes when the stub is done; kv rcode,
 *                         source (hosts|cache|server), server, name; rows
 *                         "SECTION\tNAME\tTTL\tCLASS\tTYPE\tRDATA"
 *   table cache           the stub's cache, and the resolver's (stackctl dns HOST)
 *   table pending         the resolver's queries in flight (id, server, port)
 *   table zones           the zones served
 *   flush                 empty the caches (stackctl dns HOST flush)
 *
 * Call chain: dns-svc/main.c ctl handler -> dsvc_ctl; stub io.done ->
 * dsvc_ctl_done -> io.reply (the deferred answer to "resolve").
 */
#include "dns-svc/dsvc_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wire/bytes.h"

static void s_rows(ls_ctl_reply_t *rep, const dns_msg_t *m, dns_section_t sec, const char *label)
{
    const dns_rr_t *rr = dns_msg_section_c(m, sec);
    for (size_t i = 0; i < m->count[sec]; i++) {
        char name[DNS_NAME_TEXT_MAX], rd[1200], t[16], c[16];
        ls_ctl_row(rep, "%s\t%s\t%u\t%s\t%s\t%s", label, dns_name_to_text(&rr[i].name, name, sizeof name), rr[i].ttl,
                   dns_class_to_text(rr[i].rclass, c), dns_type_to_text(rr[i].type, t),
                   dns_rdata_to_text(rr[i].type, dns_rr_rdata(m, &rr[i]), rr[i].rdlen, rd, sizeof rd));
    }
}

void dsvc_ctl_done(void *ctx, uint64_t token, const stub_result_t *res, uint64_t parent)
{
    dsvc_t *self = ctx;
    dsvc_app_t *a = NULL;
    for (size_t i = 0; i < DSVC_MAX_APPS && !a; i++)
        if (self->apps[i].used && self->apps[i].token == token)
            a = &self->apps[i];
    if (!a)
        return;
    ls_ctl_reply_t rep;
    ls_ctl_reply_init(&rep);
    rep.rep.has_tag = a->has_tag;
    rep.rep.tag = a->tag;
    char rc[16], name[DNS_NAME_TEXT_MAX], addr[16];
    if (res->timed_out)
        ls_ctl_error(&rep, ETIMEDOUT, "%s", res->why ? res->why : "timed out");
    else if (res->rcode == DNS_RCODE_FORMERR && res->src == STUB_SRC_NONE)
        ls_ctl_error(&rep, EINVAL, "%s", res->why ? res->why : "bad name");
    ls_ctl_kv(&rep, "rcode", "%s", dns_rcode_to_text(res->rcode, rc));
    ls_ctl_kv(&rep, "source", "%s", stub_src_str(res->src));
    ls_ctl_kv(&rep, "name", "%s", dns_name_to_text(&res->name, name, sizeof name));
    if (res->src == STUB_SRC_SERVER && res->server)
        ls_ctl_kv(&rep, "server", "%s", ip4_fmt(res->server, addr));
    if (res->why)
        ls_ctl_kv(&rep, "why", "%s", res->why);
    if (res->msg) {
        s_rows(&rep, res->msg, DNS_SEC_ANSWER, "ANSWER");
        s_rows(&rep, res->msg, DNS_SEC_AUTHORITY, "AUTHORITY");
    }
    a->used = false;
    self->io.reply(self->io.ctx, &a->peer, &rep);
    ls_ctl_reply_fini(&rep);
}

static int s_resolve(dsvc_t *self, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer)
{
    if (req->n_args < 1 || req->n_args > 2) {
        ls_ctl_error(rep, EINVAL, "usage: resolve NAME [TYPE]");
        return 0;
    }
    int type = req->n_args == 2 ? dns_type_from_text(req->args[1]) : DNS_T_A;
    if (type <= 0 || type == DNS_T_OPT) {
        ls_ctl_error(rep, EINVAL, "resolve: unknown type '%s'", req->args[1]);
        return 0;
    }
    dsvc_app_t *a = NULL;
    for (size_t i = 0; i < DSVC_MAX_APPS && !a; i++)
        if (!self->apps[i].used)
            a = &self->apps[i];
    if (!a) {
        LS_COUNT(self->io.counters, "dns.ctl.drop.too_many_lookups");
        ls_ctl_error(rep, EAGAIN, "resolve: %d lookups in progress already", DSVC_MAX_APPS);
        return 0;
    }
    *a = (dsvc_app_t){.used = true, .token = ++self->next_token, .peer = *peer, .tag = req->tag,
                      .has_tag = req->has_tag};
    LS_COUNT(self->io.counters, "dns.ctl.resolve");
    stub_resolve(self->stub, req->args[0], (uint16_t)type, a->token, 0, self->now);
    return 1; /* answered through io.reply (perhaps already) */
}

typedef struct {
    ls_ctl_reply_t *rep;
    uint64_t now;
    const char *who;
    size_t n;
} s_tab_t;

static void s_cache_row(const dns_cache_entry_t *e, void *arg)
{
    s_tab_t *t = arg;
    char name[DNS_NAME_TEXT_MAX], ty[16], ttl[16], data[1200] = "";
    dns_name_to_text(&e->name, name, sizeof name);
    if (e->trust == DNS_TRUST_HINTS)
        snprintf(ttl, sizeof ttl, "-");
    else
        snprintf(ttl, sizeof ttl, "%u", dns_cache_ttl_left(e, t->now));
    const char *state = e->trust == DNS_TRUST_HINTS ? "hint" : e->negative ? (e->nxdomain ? "NXDOMAIN" : "NODATA")
                                                                           : "positive";
    if (e->negative) {
        char soa[DNS_NAME_TEXT_MAX];
        snprintf(data, sizeof data, "(SOA %s)", dns_name_to_text(&e->soa_name, soa, sizeof soa));
    } else {
        size_t off = 0;
        for (size_t i = 0; i < e->n && off + 2 < sizeof data; i++) {
            char one[600];
            dns_rdata_to_text(e->type, e->rdata[i], e->rdlen[i], one, sizeof one);
            off += (size_t)snprintf(data + off, sizeof data - off, "%s%s", i ? " " : "", one);
        }
    }
    ls_ctl_row(t->rep, "%-32s %-6s %7s  %-9s %s", name, e->nxdomain ? "*" : dns_type_to_text(e->type, ty), ttl, state,
               data);
    t->n++;
}

static void s_cache_table(dsvc_t *self, dns_cache_t *c, const char *who, ls_ctl_reply_t *rep)
{
    ls_ctl_row(rep, "%s cache: %zu entries (hits %llu, misses %llu, evicted %llu)", who, dns_cache_size(c),
               (unsigned long long)dns_cache_stats(c)->hits, (unsigned long long)dns_cache_stats(c)->misses,
               (unsigned long long)dns_cache_stats(c)->evicted);
    ls_ctl_row(rep, "%-32s %-6s %7s  %-9s %s", "NAME", "TYPE", "TTL", "STATE", "DATA");
    s_tab_t t = {rep, self->now, who, 0};
    dns_cache_foreach(c, self->now, s_cache_row, &t);
}

static void s_pending_row(const dnsq_t *q, void *arg)
{
    s_tab_t *t = arg;
    char name[DNS_NAME_TEXT_MAX], ty[16], a[16];
    ls_ctl_row(t->rep, "%-6u %-5u %-15s %-5s %-5u %s %s %llu", q->handle, q->id, ip4_fmt(q->server, a),
               q->tcp ? "tcp" : "udp", q->local_port, dns_name_to_text(&q->qname, name, sizeof name),
               dns_type_to_text(q->qtype, ty), (unsigned long long)((t->now - q->sent_at) / 1000000));
}

int dsvc_ctl(dsvc_t *self, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer, uint64_t now)
{
    self->now = now;
    if (strcmp(req->cmd, "resolve") == 0)
        return s_resolve(self, req, rep, peer);
    if (strcmp(req->cmd, "flush") == 0) {
        size_t n = dns_cache_size(stub_cache(self->stub));
        dns_cache_flush(stub_cache(self->stub));
        if (self->res) {
            n += dns_cache_size(resolver_cache(self->res));
            resolver_flush(self->res);
        }
        LS_COUNT(self->io.counters, "dns.cache.flushed");
        ls_logf(self->io.log, LS_LOG_INFO, "cache flushed (%zu entries)", n);
        ls_ctl_row(rep, "flushed %zu cache entries", n);
        return 0;
    }
    if (strcmp(req->cmd, "table") != 0 || req->n_args < 1)
        return -1;
    const char *which = req->args[0];
    if (strcmp(which, "cache") == 0) {
        s_cache_table(self, stub_cache(self->stub), "stub", rep);
        if (self->res)
            s_cache_table(self, resolver_cache(self->res), "resolver", rep);
        return 0;
    }
    if (strcmp(which, "pending") == 0) {
        ls_ctl_row(rep, "%-6s %-5s %-15s %-5s %-5s %s", "HANDLE", "ID", "SERVER", "PROTO", "PORT", "QUESTION AGE_MS");
        s_tab_t t = {rep, now, NULL, 0};
        if (self->res)
            dnsq_foreach(resolver_queries(self->res), s_pending_row, &t);
        return 0;
    }
    if (strcmp(which, "zones") == 0) {
        ls_ctl_row(rep, "%-24s %-10s %-7s %s", "ZONE", "SERIAL", "RECORDS", "FILE");
        for (size_t i = 0; i < self->cfg.nzones; i++) {
            char o[DNS_NAME_TEXT_MAX];
            const zone_t *z = self->cfg.zones[i];
            ls_ctl_row(rep, "%-24s %-10u %-7zu %s", dns_name_to_text(&z->origin, o, sizeof o), z->serial, z->nrr,
                       z->path);
        }
        return 0;
    }
    ls_ctl_error(rep, EINVAL, "table: dns-svc has 'cache', 'pending' and 'zones'");
    return 0;
}
