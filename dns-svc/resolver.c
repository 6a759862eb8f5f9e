/*
 * resolver.c -- iterative resolution (see resolver.h for the states).
 *
 * Call chain:
 *   resolver_resolve -> s_req_new -> s_init (cache; cached CNAMEs) ->
 *     s_finish | s_targets (zone cut from the cached NS sets, the root hints
 *     at the top) -> s_send (dnsq_add: random id and port) -> io.send
 *   resolver_response -> dnsq_match (demux: the answer is for this query or
 *     is dropped with its reason) -> s_resp -> TC: s_send over TCP |
 *     NXDOMAIN / NODATA: negative cache (RFC 2308) | answer / CNAME /
 *     referral (what the response says: resptype.c): s_cache_section (only
 *     records in bailiwick) -> s_init; the RTT sample -> infra_sample
 *   resolver_poll -> dnsq_expired -> infra_backoff (server RTO doubled) ->
 *     s_targets (the server with the lowest RTO: infra_rto)
 *   s_finish -> io.done (a client request) | s_resume (a sub-request for an
 *     NS name's address: its parent carries on)
 * Limits end a request with SERVFAIL and the reason in the log and in
 * io.done's why: referral depth, CNAME chain, queries per request, total
 * time, servers exhausted, a sub-request needing itself.
 */
#include "dns-svc/resolver.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "dns-svc/infra.h"
#include "dns-svc/resptype.h"

#define R_MAX_NS 13      /* NS names kept per zone cut */
#define R_MAX_ADDR 4     /* addresses kept per NS name */
#define R_SEND_BUF 4096

typedef struct {
    dns_name_t name;
    uint32_t addr[R_MAX_ADDR];
    uint8_t tries[R_MAX_ADDR];
    bool failed[R_MAX_ADDR];
    int naddr;
    bool looked_up;      /* its address was asked for (or cannot be) */
} s_ns_t;

typedef struct {
    bool used;
    bool client;         /* a client's request (counted in nclients), not a sub-request */
    uint64_t token;
    int parent;          /* the request this sub-request resolves an NS address for, -1: a client's */
    int sub;             /* our sub-request in progress, -1 */
    uint32_t id;         /* request number in the log */
    dns_name_t qname0, qname;
    uint16_t qtype, qclass;
    uint32_t ncname, depth, steps;
    uint32_t sends;      /* queries sent: a client's request counts its sub-requests' too */
    dns_name_t zone;
    bool have_zone;
    s_ns_t ns[R_MAX_NS];
    int nns;
    uint32_t qhandle;    /* outstanding upstream query */
    int q_ns, q_ai;
    uint64_t deadline;
    uint64_t parent_pdu, last_pdu;
} s_req_t;

struct resolver {
    resolver_cfg_t cfg;
    resolver_io_t io;
    const zone_t *hints;
    dns_cache_t *cache;
    dnsq_table_t *q;
    s_req_t *req;
    size_t nreq, nclients;
    uint32_t next_id;
    infra_t infra;       /* per-server RTOs */
    uint64_t now;
    dns_msg_t *m;        /* parse scratch */
    dns_msg_t *out;      /* build scratch */
    uint8_t buf[R_SEND_BUF];
};

resolver_cfg_t resolver_cfg_default(void)
{
    return (resolver_cfg_t){.max_depth = 16, .max_cname = 8, .max_requests = 256, .max_sends = 32,
                            .tries_per_server = 3, .rto_initial_ns = 1000000000ull, .rto_min_ns = 200000000ull,
                            .rto_max_ns = 8000000000ull, .request_timeout_ns = 10000000000ull,
                            .cache_max = 10000, .edns_size = DNS_EDNS_SIZE, .port_lo = 49152,
                            .port_hi = 65535, .seed = 1};
}

/* ---- logging ---- */

static void s_log(resolver_t *self, const s_req_t *r, const char *ev, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void s_log(resolver_t *self, const s_req_t *r, const char *ev, const char *fmt, ...)
{
    if (!ls_log_on(self->io.log, LS_LOG_PDU))
        return;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = self->now, .layer = "dns", .ev = ev},
             "resolver #%u: %s", r ? r->id : 0, msg);
}

static const char *s_qstr(const dns_name_t *n, uint16_t type, char *buf, size_t cap)
{
    char name[DNS_NAME_TEXT_MAX], t[16];
    snprintf(buf, cap, "%s %s", dns_name_to_text(n, name, sizeof name), dns_type_to_text(type, t));
    return buf;
}

/* ---- requests ---- */

static void s_targets(resolver_t *self, s_req_t *r);
static void s_init(resolver_t *self, s_req_t *r);

static int s_req_new(resolver_t *self, const dns_name_t *qname, uint16_t qtype, uint16_t qclass, int parent)
{
    for (size_t i = 0; i < self->nreq; i++) {
        s_req_t *r = &self->req[i];
        if (r->used)
            continue;
        memset(r, 0, sizeof *r);
        r->used = true;
        r->parent = parent;
        r->sub = -1;
        r->id = ++self->next_id;
        r->qname0 = r->qname = *qname;
        r->qtype = qtype;
        r->qclass = qclass;
        r->deadline = self->now + self->cfg.request_timeout_ns;
        if (parent >= 0) {
            r->depth = self->req[parent].depth + 1;
            r->parent_pdu = self->req[parent].parent_pdu;
            r->deadline = self->req[parent].deadline;
        }
        return (int)i;
    }
    return -1;
}

static void s_req_free(resolver_t *self, s_req_t *r)
{
    if (r->sub >= 0) {
        s_req_t *sub = &self->req[r->sub];
        sub->parent = -1; /* orphaned: freed below, nobody waits for it */
        s_req_free(self, sub);
    }
    if (r->qhandle) {
        self->io.cancel(self->io.ctx, r->qhandle);
        dnsq_remove(self->q, r->qhandle);
    }
    if (r->client)
        self->nclients--;
    memset(r, 0, sizeof *r);
}

/* The client's answer: the cached CNAME chain from qname0, then the final
 * RRset (positive) or the SOA (negative, RFC 2308 3), TTLs as left. */
static void s_build(resolver_t *self, const s_req_t *r, uint16_t rcode, bool from_cache)
{
    dns_msg_t *o = self->out;
    dns_msg_init_query(o, 0, &r->qname0, r->qtype, true);
    o->qr = o->ra = true;
    o->rcode = rcode;
    dns_cache_chain_t res;
    if (from_cache)
        dns_cache_chain(self->cache, &r->qname0, r->qtype, r->qclass, self->cfg.max_cname, self->now, o, &res);
}

static void s_resume(resolver_t *self, int idx);

/* fin: the cache holds the answer (the chain from qname0 leads to it). */
static void s_finish(resolver_t *self, s_req_t *r, uint16_t rcode, const dns_cache_entry_t *fin, const char *why)
{
    char q[DNS_NAME_TEXT_MAX + 16], rc[16];
    s_qstr(&r->qname0, r->qtype, q, sizeof q);
    if (why) {
        LS_COUNT(self->io.counters, "dns.resolver.servfail");
        if (ls_log_on(self->io.log, LS_LOG_INFO))
            ls_logev(self->io.log, LS_LOG_INFO, &(ls_logev_t){.now_ns = self->now, .layer = "dns", .ev = "state"},
                     "resolver #%u: FINISHED %s SERVFAIL: %s", r->id, q, why);
    } else {
        s_log(self, r, "state", "FINISHED %s %s%s", q, dns_rcode_to_text(rcode, rc),
              fin && !fin->negative ? "" : fin ? " (negative, SOA in authority)" : "");
    }
    int parent = r->parent;
    if (parent >= 0) {
        self->req[parent].sub = -1;
        r->parent = -1;
        s_req_free(self, r);
        s_resume(self, parent);
        return;
    }
    LS_COUNT(self->io.counters, why ? "dns.resolver.answered.servfail" : "dns.resolver.answered");
    s_build(self, r, rcode, fin != NULL);
    uint64_t token = r->token, pdu = r->last_pdu;
    s_req_free(self, r);
    self->io.done(self->io.ctx, token, self->out, why, pdu);
}

static void s_servfail(resolver_t *self, s_req_t *r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void s_servfail(resolver_t *self, s_req_t *r, const char *fmt, ...)
{
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    s_finish(self, r, DNS_RCODE_SERVFAIL, NULL, why);
}

/* INIT_REQUEST: answer from the cache, following cached CNAMEs (RFC 1034 5.3.3 step 1). */
static void s_init(resolver_t *self, s_req_t *r)
{
    if (++r->steps > 4 * (self->cfg.max_depth + self->cfg.max_cname)) {
        s_servfail(self, r, "resolution made no progress after %u steps", r->steps - 1);
        return;
    }
    dns_cache_chain_t res;
    dns_cache_chain(self->cache, &r->qname0, r->qtype, r->qclass, self->cfg.max_cname, self->now, NULL, &res);
    if (res.too_long) {
        s_servfail(self, r, "CNAME chain longer than %u", self->cfg.max_cname);
        return;
    }
    char q[DNS_NAME_TEXT_MAX + 16];
    if (res.ncname > r->ncname) {
        char a[DNS_NAME_TEXT_MAX];
        s_log(self, r, "cache", "INIT_REQUEST %s is a CNAME (chain of %u): follow it to %s",
              dns_name_to_text(&r->qname, a, sizeof a), res.ncname, s_qstr(&res.end, r->qtype, q, sizeof q));
    }
    r->qname = res.end;
    r->ncname = res.ncname;
    const dns_cache_entry_t *e = res.fin;
    /* RFC 2181 5.4.1: glue and a referral's NS set must not be returned as
     * answers to a client; ask the zone's servers (whose answer outranks
     * them in the cache). An NS-address sub-request may use them. */
    if (e && r->client && !e->negative && e->trust < DNS_TRUST_ANSWER) {
        s_log(self, r, "cache", "INIT_REQUEST %s: only %s data cached, not an answer: ask",
              s_qstr(&r->qname, r->qtype, q, sizeof q), e->trust == DNS_TRUST_GLUE ? "glue" : "referral");
        e = NULL;
    }
    if (e) {
        s_log(self, r, "cache", "INIT_REQUEST %s: cache hit (%s, TTL %u left)", s_qstr(&r->qname, r->qtype, q, sizeof q),
              e->negative ? (e->nxdomain ? "NXDOMAIN" : "NODATA") : "answer", dns_cache_ttl_left(e, self->now));
        s_finish(self, r, e->negative && e->nxdomain ? DNS_RCODE_NXDOMAIN : DNS_RCODE_NOERROR, e, NULL);
        return;
    }
    s_targets(self, r);
}

/* Load the NS set of zone from the cache into r->ns (addresses from cached A records). */
static void s_load_cut(resolver_t *self, s_req_t *r, const dns_name_t *zone, const dns_cache_entry_t *ns)
{
    r->zone = *zone;
    r->have_zone = true;
    r->nns = 0;
    for (size_t i = 0; i < ns->n && r->nns < R_MAX_NS; i++) {
        s_ns_t *n = &r->ns[r->nns];
        memset(n, 0, sizeof *n);
        if (dns_rdata_name(ns->rdata[i], ns->rdlen[i], &n->name) < 0)
            continue;
        r->nns++;
    }
}

/* Addresses for NS names that have none yet, from the cache. */
static void s_fill_addrs(resolver_t *self, s_req_t *r)
{
    for (int i = 0; i < r->nns; i++) {
        s_ns_t *n = &r->ns[i];
        if (n->naddr)
            continue;
        const dns_cache_entry_t *a = dns_cache_get(self->cache, &n->name, DNS_T_A, DNS_C_IN, self->now);
        if (!a || a->negative) {
            if (a)
                n->looked_up = true; /* known not to exist */
            continue;
        }
        for (size_t k = 0; k < a->n && n->naddr < R_MAX_ADDR; k++)
            if (dns_rdata_a(a->rdata[k], a->rdlen[k], &n->addr[n->naddr]) == 0)
                n->naddr++;
    }
}

static bool s_in_chain(resolver_t *self, const s_req_t *r, const dns_name_t *name, uint16_t type)
{
    for (const s_req_t *p = r; p; p = p->parent >= 0 ? &self->req[p->parent] : NULL)
        if (p->qtype == type && dns_name_eq(&p->qname, name))
            return true;
    return false;
}

static void s_send(resolver_t *self, s_req_t *r, int ni, int ai, bool tcp);
static void s_load_hints(resolver_t *self);

/* QUERYTARGETS: the closest cached zone cut above qname and a server of it. */
static void s_targets(resolver_t *self, s_req_t *r)
{
    if (self->now >= r->deadline) {
        s_servfail(self, r, "no answer within %llu ms", (unsigned long long)(self->cfg.request_timeout_ns / 1000000));
        return;
    }
    dns_name_t zone = r->qname;
    const dns_cache_entry_t *ns = NULL;
    for (bool reloaded = false;;) {
        ns = dns_cache_get(self->cache, &zone, DNS_T_NS, DNS_C_IN, self->now);
        if (ns && !ns->negative && ns->n)
            break;
        ns = NULL;
        if (zone.len > 1 && dns_name_parent(&zone, 1, &zone) == 0)
            continue;
        /* at the root with nothing cached: LRU eviction pushed the hints
         * out of a full cache; put them back and look once more */
        if (reloaded || !self->hints)
            break;
        s_load_hints(self);
        reloaded = true;
    }
    if (!ns) {
        s_servfail(self, r, "no NS records known for any zone above the name (root hints missing)");
        return;
    }
    char zt[DNS_NAME_TEXT_MAX];
    dns_name_to_text(&zone, zt, sizeof zt);
    if (!r->have_zone || !dns_name_eq(&zone, &r->zone)) {
        s_load_cut(self, r, &zone, ns);
        s_log(self, r, "state", "QUERYTARGETS zone %s: %d name server(s)", zt, r->nns);
    }
    s_fill_addrs(self, r);
    /* the untried (or least tried) address with the lowest RTO */
    int bi = -1, ba = -1;
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < r->nns; i++)
        for (int k = 0; k < r->ns[i].naddr; k++) {
            if (r->ns[i].failed[k] || r->ns[i].tries[k] >= self->cfg.tries_per_server)
                continue;
            uint64_t score = infra_rto(&self->infra, r->ns[i].addr[k], self->now) +
                             (uint64_t)r->ns[i].tries[k] * 60000000000ull; /* untried first */
            if (score < best) {
                best = score;
                bi = i;
                ba = k;
            }
        }
    if (bi >= 0) {
        s_send(self, r, bi, ba, false);
        return;
    }
    /* no usable address: look up an NS name that has none (RFC 1034 5.3.3 step 3) */
    for (int i = 0; i < r->nns; i++) {
        s_ns_t *n = &r->ns[i];
        if (n->naddr || n->looked_up)
            continue;
        n->looked_up = true;
        char nt[DNS_NAME_TEXT_MAX];
        dns_name_to_text(&n->name, nt, sizeof nt);
        if (s_in_chain(self, r, &n->name, DNS_T_A)) {
            s_log(self, r, "state", "QUERYTARGETS %s: its address needs itself (dependency loop), skipped", nt);
            LS_COUNT(self->io.counters, "dns.resolver.ns_loop");
            continue;
        }
        if (r->depth + 1 > self->cfg.max_depth) {
            s_servfail(self, r, "referral depth limit (%u) reached looking up %s", self->cfg.max_depth, nt);
            return;
        }
        int sub = s_req_new(self, &n->name, DNS_T_A, DNS_C_IN, (int)(r - self->req));
        if (sub < 0) {
            s_servfail(self, r, "too many requests in progress to look up %s", nt);
            return;
        }
        r->sub = sub;
        s_log(self, r, "state", "QUERYTARGETS zone %s: no address for %s (no glue): sub-request #%u", zt, nt,
              self->req[sub].id);
        LS_COUNT(self->io.counters, "dns.resolver.ns_lookup");
        s_init(self, &self->req[sub]);
        return;
    }
    s_servfail(self, r, "every server of zone %s failed or timed out", zt);
}

static void s_resume(resolver_t *self, int idx)
{
    s_req_t *r = &self->req[idx];
    if (r->used)
        s_targets(self, r);
}

/* Send the question to ns[ni].addr[ai]. */
static void s_send(resolver_t *self, s_req_t *r, int ni, int ai, bool tcp)
{
    s_ns_t *n = &r->ns[ni];
    uint32_t addr = n->addr[ai];
    /* max_sends covers the client's request and its sub-requests together */
    s_req_t *top = r;
    while (top->parent >= 0)
        top = &self->req[top->parent];
    if (top->sends >= self->cfg.max_sends) {
        s_servfail(self, r, "%u queries sent without an answer", top->sends);
        return;
    }
    uint64_t rto = infra_rto(&self->infra, addr, self->now);
    if (tcp && rto < 2000000000ull)
        rto = 2000000000ull; /* a connection, then the query */
    dnsq_t *q = dnsq_add(self->q, &r->qname, r->qtype, r->qclass, addr, tcp, (int)(r - self->req), self->now,
                         self->now + rto);
    if (!q) {
        s_servfail(self, r, "too many queries outstanding");
        return;
    }
    dns_msg_t *o = self->out;
    dns_msg_init_query(o, q->id, &r->qname, r->qtype, false); /* iterative: RD = 0 */
    o->qd[0].qclass = r->qclass;
    dns_msg_set_edns(o, self->cfg.edns_size);
    int len = dns_emit(o, self->buf, sizeof self->buf, 0, NULL);
    top->sends++;
    if (!tcp)
        n->tries[ai]++;
    char a[16], nt[DNS_NAME_TEXT_MAX], qs[DNS_NAME_TEXT_MAX + 16];
    s_log(self, r, "state", "QUERYTARGETS ask %s (%s) for %s%s, timeout %llu ms", dns_name_to_text(&n->name, nt, sizeof nt),
          ip4_fmt(addr, a), s_qstr(&r->qname, r->qtype, qs, sizeof qs), tcp ? " over TCP" : "",
          (unsigned long long)(rto / 1000000));
    r->qhandle = q->handle;
    r->q_ns = ni;
    r->q_ai = ai;
    LS_COUNT(self->io.counters, tcp ? "dns.resolver.tx.tcp" : "dns.resolver.tx.udp");
    if (len < 0 || self->io.send(self->io.ctx, q->handle, addr, q->local_port, tcp, self->buf, (size_t)len,
                                 r->parent_pdu) < 0) {
        dnsq_remove(self->q, q->handle);
        r->qhandle = 0;
        n->failed[ai] = true;
        LS_COUNT(self->io.counters, "dns.resolver.send_failed");
        s_targets(self, r);
    }
}

/* ---- answers ---- */

static bool s_same_rrset(const dns_rr_t *a, const dns_rr_t *b)
{
    return a->type == b->type && a->rclass == b->rclass && dns_name_eq(&a->name, &b->name);
}

/* Cache every RRset of a section whose owner is in bailiwick (at or below
 * zone: RFC 2181 5.4.1, data a server may speak for). types: 0 = any. */
static int s_cache_section(resolver_t *self, const dns_msg_t *m, dns_section_t sec, dns_trust_t trust,
                           const dns_name_t *zone, uint16_t only_type, uint16_t only_type2)
{
    const dns_rr_t *rr = dns_msg_section_c(m, sec);
    size_t n = m->count[sec];
    int stored = 0;
    bool *done = calloc(n ? n : 1, sizeof *done);
    const uint8_t **rd = calloc(DNS_CACHE_MAX_RR, sizeof *rd);
    uint16_t *rl = calloc(DNS_CACHE_MAX_RR, sizeof *rl);
    if (!done || !rd || !rl)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (done[i] || rr[i].type == DNS_T_OPT || (only_type && rr[i].type != only_type && rr[i].type != only_type2))
            continue;
        if (!dns_name_is_sub(&rr[i].name, zone)) {
            LS_COUNT(self->io.counters, "dns.resolver.drop.out_of_bailiwick");
            char a[DNS_NAME_TEXT_MAX], z[DNS_NAME_TEXT_MAX];
            s_log(self, NULL, "drop", "ignored %s: outside the bailiwick of the server for %s",
                  dns_name_to_text(&rr[i].name, a, sizeof a), dns_name_to_text(zone, z, sizeof z));
            continue;
        }
        size_t k = 0;
        uint32_t ttl = rr[i].ttl;
        for (size_t j = i; j < n && k < DNS_CACHE_MAX_RR; j++)
            if (!done[j] && s_same_rrset(&rr[i], &rr[j])) {
                done[j] = true;
                rd[k] = dns_rr_rdata(m, &rr[j]);
                rl[k] = rr[j].rdlen;
                if (rr[j].ttl < ttl)
                    ttl = rr[j].ttl; /* RFC 2181 5.2: one TTL per RRset */
                k++;
            }
        if (dns_cache_put(self->cache, &rr[i].name, rr[i].type, rr[i].rclass, ttl, rd, rl, k, trust, self->now) == 0)
            stored++;
    }
out:
    free(done);
    free(rd);
    free(rl);
    return stored;
}

static void s_server_failed(resolver_t *self, s_req_t *r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void s_server_failed(resolver_t *self, s_req_t *r, const char *fmt, ...)
{
    char why[300], a[16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    r->ns[r->q_ns].failed[r->q_ai] = true;
    LS_COUNT(self->io.counters, "dns.resolver.server_failed");
    s_log(self, r, "state", "QUERY_RESP from %s: %s: next server", ip4_fmt(r->ns[r->q_ns].addr[r->q_ai], a), why);
    s_targets(self, r);
}

/* QUERY_RESP (RFC 1034 5.3.3 step 4). */
static void s_resp(resolver_t *self, s_req_t *r, const dnsq_t *q, const dns_msg_t *m)
{
    char z[DNS_NAME_TEXT_MAX], rc[16];
    dns_name_to_text(&r->zone, z, sizeof z);
    if (m->tc && !q->tcp) {
        s_log(self, r, "state", "QUERY_RESP truncated (TC=1): retry over TCP");
        LS_COUNT(self->io.counters, "dns.resolver.truncated");
        s_send(self, r, r->q_ns, r->q_ai, true);
        return;
    }
    dns_trust_t trust = m->aa ? DNS_TRUST_AUTH_ANSWER : DNS_TRUST_ANSWER;
    if (m->rcode == DNS_RCODE_NXDOMAIN) {
        dns_name_t last;
        s_cache_section(self, m, DNS_SEC_ANSWER, trust, &r->zone, DNS_T_CNAME, 0);
        resptype_chain_end(m, &r->qname, &last);
        const dns_rr_t *soa = resptype_soa(m, &r->zone, &last);
        s_log(self, r, "state", "QUERY_RESP NXDOMAIN from the server for %s%s", z, soa ? "" : " (no SOA: not cached)");
        LS_COUNT(self->io.counters, "dns.resolver.rx.nxdomain");
        if (!soa) {
            s_finish(self, r, DNS_RCODE_NXDOMAIN, NULL, NULL);
            return;
        }
        dns_cache_put_negative(self->cache, &last, 0, r->qclass, &soa->name, soa->ttl, dns_rr_rdata(m, soa),
                               soa->rdlen, self->now);
        s_init(self, r);
        return;
    }
    if (m->rcode != DNS_RCODE_NOERROR) {
        s_server_failed(self, r, "rcode %s", dns_rcode_to_text(m->rcode, rc));
        return;
    }
    if (resptype_answers(m, &r->qname, r->qtype)) {
        int n = s_cache_section(self, m, DNS_SEC_ANSWER, trust, &r->zone, 0, 0);
        s_log(self, r, "state", "QUERY_RESP %s answer from the server for %s: %d RRset(s) cached",
              m->aa ? "authoritative" : "non-authoritative", z, n);
        LS_COUNT(self->io.counters, "dns.resolver.rx.answer");
        s_init(self, r);
        return;
    }
    dns_name_t cut;
    if (m->count[DNS_SEC_ANSWER] == 0 && resptype_referral(m, &r->zone, &r->qname, &cut)) {
        char ct[DNS_NAME_TEXT_MAX];
        dns_name_to_text(&cut, ct, sizeof ct);
        if (r->depth + 1 > self->cfg.max_depth) {
            s_servfail(self, r, "referral depth limit (%u) reached at %s", self->cfg.max_depth, ct);
            return;
        }
        r->depth++;
        s_cache_section(self, m, DNS_SEC_AUTHORITY, DNS_TRUST_AUTHORITY, &r->zone, DNS_T_NS, 0);
        /* glue: addresses of the new servers, trusted only in the referring server's bailiwick */
        int g = s_cache_section(self, m, DNS_SEC_ADDITIONAL, DNS_TRUST_GLUE, &r->zone, DNS_T_A, DNS_T_AAAA);
        s_log(self, r, "state", "QUERY_RESP referral from %s to %s (%zu NS, %d glue RRset(s) in bailiwick)", z, ct,
              m->count[DNS_SEC_AUTHORITY], g);
        LS_COUNT(self->io.counters, "dns.resolver.rx.referral");
        s_init(self, r);
        return;
    }
    const dns_rr_t *soa = resptype_soa(m, &r->zone, &r->qname);
    if (m->count[DNS_SEC_ANSWER] == 0 && (soa || m->aa)) {
        s_log(self, r, "state", "QUERY_RESP NODATA from the server for %s%s", z, soa ? "" : " (no SOA: not cached)");
        LS_COUNT(self->io.counters, "dns.resolver.rx.nodata");
        if (!soa) {
            s_finish(self, r, DNS_RCODE_NOERROR, NULL, NULL);
            return;
        }
        dns_cache_put_negative(self->cache, &r->qname, r->qtype, r->qclass, &soa->name, soa->ttl,
                               dns_rr_rdata(m, soa), soa->rdlen, self->now);
        s_init(self, r);
        return;
    }
    s_server_failed(self, r, "lame (no answer, no referral below %s, no SOA)", z);
}

void resolver_response(resolver_t *self, uint32_t handle, uint32_t from, uint16_t from_port, const uint8_t *msg,
                       size_t len, uint64_t pdu, uint64_t now)
{
    self->now = now;
    dnsq_t copy, *q = &copy;
    dnsq_verdict_t v = dnsq_take(self->q, handle, from, from_port, msg, len, self->m, &copy);
    char a[16];
    if (v != DNSQ_MATCH) {
        dnsq_reject(self->io.log, self->io.counters, "dns.resolver", v, dnsq_get(self->q, handle), self->m, from,
                    from_port, pdu, now);
        return;
    }
    s_req_t *r = &self->req[q->owner];
    if (ls_log_on(self->io.log, LS_LOG_PDU)) {
        char qs[DNS_NAME_TEXT_MAX + 16];
        ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = now, .layer = "dns", .dir = "up", .ev = "demux",
                 .pdu = pdu}, "id %u from %s.%u, question %s -> resolver #%u", q->id, ip4_fmt(from, a), from_port,
                 s_qstr(&q->qname, q->qtype, qs, sizeof qs), r->id);
    }
    if (!q->tcp)
        infra_sample(&self->infra, q->server, now - q->sent_at, now);
    self->io.cancel(self->io.ctx, handle);
    r->qhandle = 0;
    r->last_pdu = pdu;
    s_resp(self, r, &copy, self->m);
}

void resolver_failed(resolver_t *self, uint32_t handle, int err, uint64_t now)
{
    self->now = now;
    dnsq_t *q = dnsq_get(self->q, handle);
    if (!q)
        return;
    s_req_t *r = &self->req[q->owner];
    self->io.cancel(self->io.ctx, handle);
    dnsq_remove(self->q, handle);
    r->qhandle = 0;
    s_server_failed(self, r, "%s", strerror(err));
}

int resolver_resolve(resolver_t *self, const dns_name_t *qname, uint16_t qtype, uint16_t qclass, uint64_t token,
                     uint64_t parent, uint64_t now)
{
    self->now = now;
    if (self->nclients >= self->cfg.max_requests) {
        LS_COUNT(self->io.counters, "dns.resolver.drop.too_many_requests");
        return -1;
    }
    int idx = s_req_new(self, qname, qtype, qclass, -1);
    if (idx < 0) {
        LS_COUNT(self->io.counters, "dns.resolver.drop.too_many_requests");
        return -1;
    }
    s_req_t *r = &self->req[idx];
    r->token = token;
    r->client = true;
    r->parent_pdu = parent;
    self->nclients++;
    LS_COUNT(self->io.counters, "dns.resolver.requests");
    char q[DNS_NAME_TEXT_MAX + 16];
    s_log(self, r, "state", "INIT_REQUEST %s", s_qstr(qname, qtype, q, sizeof q));
    s_init(self, r);
    return 0;
}

/* ---- time ---- */

uint64_t resolver_next_deadline(const resolver_t *self)
{
    uint64_t d = dnsq_next_deadline(self->q);
    for (size_t i = 0; i < self->nreq; i++)
        if (self->req[i].used && self->req[i].parent < 0 && self->req[i].deadline < d)
            d = self->req[i].deadline;
    return d;
}

void resolver_poll(resolver_t *self, uint64_t now)
{
    self->now = now;
    dnsq_t *q;
    while ((q = dnsq_expired(self->q, now)) != NULL) {
        s_req_t *r = &self->req[q->owner];
        infra_backoff(&self->infra, q->server, now);
        char a[16];
        s_log(self, r, "timer", "QUERYTARGETS no answer from %s within %llu ms%s", ip4_fmt(q->server, a),
              (unsigned long long)((now - q->sent_at) / 1000000), q->tcp ? " (TCP)" : "");
        LS_COUNT(self->io.counters, "dns.resolver.timeout");
        uint32_t h = q->handle;
        bool tcp = q->tcp;
        self->io.cancel(self->io.ctx, h);
        dnsq_remove(self->q, h);
        r->qhandle = 0;
        if (tcp)
            r->ns[r->q_ns].failed[r->q_ai] = true;
        s_targets(self, r);
    }
    for (size_t i = 0; i < self->nreq; i++) {
        s_req_t *r = &self->req[i];
        if (r->used && r->parent < 0 && r->deadline <= now)
            s_servfail(self, r, "no answer within %llu ms",
                       (unsigned long long)(self->cfg.request_timeout_ns / 1000000));
    }
}

/* ---- lifecycle ---- */

/* The root hints as cache entries that never expire. */
static void s_load_hints(resolver_t *self)
{
    if (!self->hints)
        return;
    const zone_t *h = self->hints;
    const uint8_t *rd[DNS_CACHE_MAX_RR];
    uint16_t rl[DNS_CACHE_MAX_RR];
    for (size_t i = 0; i < h->nrr;) {
        size_t j = i, k = 0;
        while (j < h->nrr && h->rr[j].type == h->rr[i].type && dns_name_eq(&h->rr[j].name, &h->rr[i].name)) {
            if (k < DNS_CACHE_MAX_RR) {
                rd[k] = h->rr[j].rdata;
                rl[k++] = h->rr[j].rdlen;
            }
            j++;
        }
        dns_cache_put(self->cache, &h->rr[i].name, h->rr[i].type, h->rr[i].rclass, h->rr[i].ttl, rd, rl, k,
                      DNS_TRUST_HINTS, 0);
        i = j;
    }
}

resolver_t *resolver_new(const resolver_cfg_t *cfg, const resolver_io_t *io, const zone_t *hints)
{
    resolver_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->cfg = cfg ? *cfg : resolver_cfg_default();
    self->io = *io;
    self->hints = hints;
    infra_init(&self->infra, self->cfg.rto_initial_ns, self->cfg.rto_min_ns, self->cfg.rto_max_ns);
    self->nreq = (size_t)self->cfg.max_requests * 2;
    self->req = calloc(self->nreq, sizeof *self->req);
    self->cache = dns_cache_new(self->cfg.cache_max);
    self->q = dnsq_table_new(self->nreq, self->cfg.seed, self->cfg.port_lo, self->cfg.port_hi);
    self->m = malloc(sizeof *self->m);
    self->out = malloc(sizeof *self->out);
    if (!self->req || !self->cache || !self->q || !self->m || !self->out) {
        resolver_destroy(&self);
        return NULL;
    }
    dns_cache_count_evictions(self->cache, ls_counter(io->counters, "dns.resolver.cache.evicted"));
    s_load_hints(self);
    return self;
}

void resolver_destroy(resolver_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    resolver_t *self = *self_p;
    free(self->req);
    dns_cache_destroy(&self->cache);
    dnsq_table_destroy(&self->q);
    free(self->m);
    free(self->out);
    free(self);
    *self_p = NULL;
}

void resolver_flush(resolver_t *self)
{
    dns_cache_flush(self->cache);
    s_load_hints(self);
}

dns_cache_t *resolver_cache(resolver_t *self) { return self->cache; }
size_t resolver_requests(const resolver_t *self) { return self->nclients; }
const dnsq_table_t *resolver_queries(const resolver_t *self) { return self->q; }
