/*
 * stub.c -- the stub resolver (see stub.h).
 *
 * Call chain: stub_resolve -> s_hosts (A and PTR from the hosts file) ->
 * s_candidates (resolv.conf: ndots decides whether the name or the search
 * list goes first) -> s_try (dns_cache_chain: the stub's own cache) ->
 * s_ask (dnsq_add: random id and port; RD=1, EDNS 1232) -> io.send;
 * stub_response -> dnsq_match (the demux decision, logged) -> TC: s_ask over
 * TCP | NXDOMAIN / NODATA: s_next_name | SERVFAIL, REFUSED: s_next_server |
 * an answer: cache it, s_finish; stub_poll -> s_next_server (attempts x
 * servers, each try `timeout`).
 */
#include "dns-svc/stub.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"

#define STUB_BUF 4096
#define STUB_NAME_TXT 256

typedef struct {
    char name[STUB_NAME_TXT]; /* lower case, no final dot */
    uint32_t addr;
} s_host_t;

typedef struct {
    bool used;
    uint32_t id;
    uint64_t token, parent_pdu, last_pdu;
    uint16_t qtype;
    dns_name_t cand[1 + STUB_MAXDNSRCH];
    int ncand, ci;
    int as_is;          /* the candidate that is the name as given */
    int attempt, si;
    uint32_t qhandle;
    bool tcp;
    bool got_nodata;
} s_sreq_t;

struct stub {
    stub_cfg_t cfg;
    stub_io_t io;
    dns_cache_t *cache;
    dnsq_table_t *q;
    s_sreq_t *req;
    s_host_t *hosts;
    size_t nhosts, hosts_cap;
    uint32_t next_id;
    uint64_t now;
    dns_msg_t *m, *out;
    uint8_t buf[STUB_BUF];
};

stub_cfg_t stub_cfg_default(void)
{
    return (stub_cfg_t){.ndots = 1, .timeout_ns = 5000000000ull, .attempts = 2, .cache_max = 1000, .max_cname = 8,
                        .max_requests = 64, .edns_size = DNS_EDNS_SIZE, .port_lo = 49152, .port_hi = 65535,
                        .seed = 1};
}

const char *stub_src_str(stub_src_t src)
{
    static const char *const n[] = {"hosts", "cache", "server", "none"};
    return (unsigned)src <= STUB_SRC_NONE ? n[src] : "?";
}

static void s_log(stub_t *self, const s_sreq_t *r, const char *ev, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void s_log(stub_t *self, const s_sreq_t *r, const char *ev, const char *fmt, ...)
{
    if (!ls_log_on(self->io.log, LS_LOG_PDU))
        return;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = self->now, .layer = "dns", .ev = ev}, "stub #%u: %s",
             r ? r->id : 0, msg);
}

/* ---- hosts file ---- */

static void s_lower_copy(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    for (; src[n] && n + 1 < cap; n++)
        dst[n] = (char)tolower((unsigned char)src[n]);
    dst[n] = '\0';
    if (n > 1 && dst[n - 1] == '.')
        dst[n - 1] = '\0';
}

int stub_hosts_lookup(const stub_t *self, const char *name, uint32_t *addr)
{
    char key[STUB_NAME_TXT];
    s_lower_copy(key, sizeof key, name);
    for (size_t i = 0; i < self->nhosts; i++)
        if (strcmp(self->hosts[i].name, key) == 0) {
            *addr = self->hosts[i].addr;
            return 0;
        }
    return -1;
}

size_t stub_hosts_load(stub_t *self, const char *text)
{
    size_t added = 0;
    const char *p = text;
    while (p && *p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), p);
        p = eol ? eol + 1 : NULL;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *save = NULL, *tok = strtok_r(line, " \t\r", &save);
        uint32_t addr;
        if (!tok || ip4_parse(tok, &addr) < 0)
            continue; /* IPv6 lines and junk: not ours */
        for (tok = strtok_r(NULL, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save)) {
            uint32_t dummy;
            if (stub_hosts_lookup(self, tok, &dummy) == 0)
                continue; /* glibc: the first line naming a host wins */
            if (self->nhosts == self->hosts_cap) {
                size_t nc = self->hosts_cap ? self->hosts_cap * 2 : 32;
                s_host_t *nh = realloc(self->hosts, nc * sizeof *nh);
                if (!nh)
                    return added;
                self->hosts = nh;
                self->hosts_cap = nc;
            }
            s_lower_copy(self->hosts[self->nhosts].name, STUB_NAME_TXT, tok);
            self->hosts[self->nhosts++].addr = addr;
            added++;
        }
    }
    return added;
}

/* ---- requests ---- */

static void s_free(stub_t *self, s_sreq_t *r)
{
    if (r->qhandle) {
        self->io.cancel(self->io.ctx, r->qhandle);
        dnsq_remove(self->q, r->qhandle);
    }
    memset(r, 0, sizeof *r);
}

static void s_done(stub_t *self, s_sreq_t *r, uint16_t rcode, stub_src_t src, uint32_t server, bool timed_out,
                   const char *why)
{
    char name[DNS_NAME_TEXT_MAX], rc[16], t[16];
    const dns_name_t *n = &r->cand[r->ci < r->ncand ? r->ci : r->ncand - 1];
    s_log(self, r, "state", "done: %s %s %s from %s%s%s", dns_name_to_text(n, name, sizeof name),
          dns_type_to_text(r->qtype, t), dns_rcode_to_text(rcode, rc), stub_src_str(src), why ? ": " : "",
          why ? why : "");
    LS_COUNT(self->io.counters, rcode == DNS_RCODE_NOERROR ? "dns.stub.answered" : "dns.stub.failed");
    stub_result_t res = {.rcode = rcode, .timed_out = timed_out, .src = src, .server = server, .name = *n,
                         .msg = self->out, .why = why};
    uint64_t token = r->token, pdu = r->last_pdu;
    s_free(self, r);
    self->io.done(self->io.ctx, token, &res, pdu);
}

/* A fresh answer message for r's current name. */
static dns_msg_t *s_out(stub_t *self, const s_sreq_t *r, uint16_t rcode)
{
    dns_msg_t *o = self->out;
    dns_msg_init_query(o, 0, &r->cand[r->ci < r->ncand ? r->ci : 0], r->qtype, true);
    o->qr = o->ra = true;
    o->rcode = rcode;
    return o;
}

static void s_ask(stub_t *self, s_sreq_t *r);
static void s_try(stub_t *self, s_sreq_t *r);

static void s_next_name(stub_t *self, s_sreq_t *r)
{
    if (++r->ci < r->ncand) {
        r->attempt = r->si = 0;
        s_try(self, r);
        return;
    }
    r->ci = r->as_is;
    /* every name of the search list failed: NODATA if one existed (glibc), else NXDOMAIN,
     * reported for the name as given */
    dns_cache_chain_t res;
    dns_msg_t *o = s_out(self, r, r->got_nodata ? DNS_RCODE_NOERROR : DNS_RCODE_NXDOMAIN);
    dns_cache_chain(self->cache, &r->cand[r->ci], r->qtype, DNS_C_IN, self->cfg.max_cname, self->now, o, &res);
    s_done(self, r, o->rcode, r->last_pdu ? STUB_SRC_SERVER : STUB_SRC_CACHE, 0, false, NULL);
}

/* The cache for the current name (RFC 1034 5.3.1: the stub's own cache first). */
static void s_try(stub_t *self, s_sreq_t *r)
{
    dns_cache_chain_t res;
    dns_msg_t *o = s_out(self, r, DNS_RCODE_NOERROR);
    dns_cache_chain(self->cache, &r->cand[r->ci], r->qtype, DNS_C_IN, self->cfg.max_cname, self->now, o, &res);
    if (res.too_long) {
        s_done(self, r, DNS_RCODE_SERVFAIL, STUB_SRC_CACHE, 0, false, "CNAME chain too long");
        return;
    }
    if (!res.fin) {
        s_ask(self, r);
        return;
    }
    char name[DNS_NAME_TEXT_MAX];
    s_log(self, r, "cache", "cache hit for %s: %s, TTL %u left", dns_name_to_text(&r->cand[r->ci], name, sizeof name),
          res.fin->negative ? (res.fin->nxdomain ? "NXDOMAIN" : "NODATA") : "answer",
          dns_cache_ttl_left(res.fin, self->now));
    LS_COUNT(self->io.counters, "dns.stub.cache_hit");
    if (res.fin->negative) {
        r->got_nodata |= !res.fin->nxdomain;
        s_next_name(self, r);
        return;
    }
    s_done(self, r, DNS_RCODE_NOERROR, r->last_pdu ? STUB_SRC_SERVER : STUB_SRC_CACHE, 0, false, NULL);
}

static void s_next_server(stub_t *self, s_sreq_t *r)
{
    r->tcp = false;
    if (++r->si >= (int)self->cfg.nns) {
        r->si = 0;
        if (++r->attempt >= self->cfg.attempts) {
            s_out(self, r, DNS_RCODE_SERVFAIL);
            LS_COUNT(self->io.counters, "dns.stub.timed_out");
            s_done(self, r, DNS_RCODE_SERVFAIL, STUB_SRC_NONE, 0, true,
                   "connection timed out; no servers could be reached");
            return;
        }
    }
    s_ask(self, r);
}

static void s_ask(stub_t *self, s_sreq_t *r)
{
    if (!self->cfg.nns) {
        s_out(self, r, DNS_RCODE_SERVFAIL);
        s_done(self, r, DNS_RCODE_SERVFAIL, STUB_SRC_NONE, 0, false, "no nameserver configured");
        return;
    }
    uint32_t server = self->cfg.ns[r->si];
    uint64_t timeout = r->tcp && self->cfg.timeout_ns < 2000000000ull ? 2000000000ull : self->cfg.timeout_ns;
    dnsq_t *q = dnsq_add(self->q, &r->cand[r->ci], r->qtype, DNS_C_IN, server, r->tcp, (int)(r - self->req),
                         self->now, self->now + timeout);
    if (!q) {
        s_out(self, r, DNS_RCODE_SERVFAIL);
        s_done(self, r, DNS_RCODE_SERVFAIL, STUB_SRC_NONE, 0, false, "too many queries outstanding");
        return;
    }
    dns_msg_t *o = self->out;
    dns_msg_init_query(o, q->id, &r->cand[r->ci], r->qtype, true); /* RD=1: a recursive query */
    dns_msg_set_edns(o, self->cfg.edns_size);
    int len = dns_emit(o, self->buf, sizeof self->buf, 0, NULL);
    char a[16], name[DNS_NAME_TEXT_MAX], t[16];
    s_log(self, r, "state", "ask nameserver %s for %s %s (attempt %d%s)", ip4_fmt(server, a),
          dns_name_to_text(&r->cand[r->ci], name, sizeof name), dns_type_to_text(r->qtype, t), r->attempt + 1,
          r->tcp ? ", TCP" : "");
    LS_COUNT(self->io.counters, r->tcp ? "dns.stub.tx.tcp" : "dns.stub.tx.udp");
    r->qhandle = q->handle;
    if (len < 0 || self->io.send(self->io.ctx, q->handle, server, q->local_port, r->tcp, self->buf, (size_t)len,
                                 r->parent_pdu) < 0) {
        dnsq_remove(self->q, q->handle);
        r->qhandle = 0;
        LS_COUNT(self->io.counters, "dns.stub.send_failed");
        s_next_server(self, r);
    }
}

/* Cache every RRset of the answer section (the stub trusts the resolver it asked). */
static void s_cache_answer(stub_t *self, const dns_msg_t *m)
{
    const dns_rr_t *rr = dns_msg_section_c(m, DNS_SEC_ANSWER);
    size_t n = m->count[DNS_SEC_ANSWER];
    const uint8_t *rd[DNS_CACHE_MAX_RR];
    uint16_t rl[DNS_CACHE_MAX_RR];
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = rr[j].type == rr[i].type && dns_name_eq(&rr[j].name, &rr[i].name);
        if (seen)
            continue;
        size_t k = 0;
        uint32_t ttl = rr[i].ttl;
        for (size_t j = i; j < n && k < DNS_CACHE_MAX_RR; j++)
            if (rr[j].type == rr[i].type && dns_name_eq(&rr[j].name, &rr[i].name)) {
                rd[k] = dns_rr_rdata(m, &rr[j]);
                rl[k++] = rr[j].rdlen;
                if (rr[j].ttl < ttl)
                    ttl = rr[j].ttl;
            }
        dns_cache_put(self->cache, &rr[i].name, rr[i].type, rr[i].rclass, ttl, rd, rl, k, DNS_TRUST_ANSWER, self->now);
    }
}

static const dns_rr_t *s_soa(const dns_msg_t *m)
{
    const dns_rr_t *rr = dns_msg_section_c(m, DNS_SEC_AUTHORITY);
    for (size_t i = 0; i < m->count[DNS_SEC_AUTHORITY]; i++)
        if (rr[i].type == DNS_T_SOA)
            return &rr[i];
    return NULL;
}

/* Copy the answer and authority of m into the result (an answer the cache cannot hold). */
static void s_copy_answer(stub_t *self, s_sreq_t *r, const dns_msg_t *m)
{
    dns_msg_t *o = s_out(self, r, m->rcode);
    for (int sec = DNS_SEC_ANSWER; sec <= DNS_SEC_AUTHORITY; sec++) {
        const dns_rr_t *rr = dns_msg_section_c(m, (dns_section_t)sec);
        for (size_t i = 0; i < m->count[sec]; i++)
            dns_msg_add(o, (dns_section_t)sec, &rr[i].name, rr[i].type, rr[i].rclass, rr[i].ttl,
                        dns_rr_rdata(m, &rr[i]), rr[i].rdlen);
    }
}

static void s_answer(stub_t *self, s_sreq_t *r, const dnsq_t *q, const dns_msg_t *m)
{
    char rc[16];
    if (m->tc && !q->tcp) {
        s_log(self, r, "state", "answer truncated (TC=1): ask again over TCP");
        LS_COUNT(self->io.counters, "dns.stub.truncated");
        r->tcp = true;
        s_ask(self, r);
        return;
    }
    if (m->rcode == DNS_RCODE_NXDOMAIN || (m->rcode == DNS_RCODE_NOERROR && m->count[DNS_SEC_ANSWER] == 0)) {
        const dns_rr_t *soa = s_soa(m);
        bool nx = m->rcode == DNS_RCODE_NXDOMAIN;
        if (soa)
            dns_cache_put_negative(self->cache, &r->cand[r->ci], nx ? 0 : r->qtype, DNS_C_IN, &soa->name, soa->ttl,
                                   dns_rr_rdata(m, soa), soa->rdlen, self->now);
        r->got_nodata |= !nx;
        s_copy_answer(self, r, m);
        if (r->ci + 1 < r->ncand) {
            s_log(self, r, "state", "%s: try the next name of the search list", nx ? "NXDOMAIN" : "no data");
            s_next_name(self, r);
        } else {
            r->ci = r->as_is; /* reported for the name as given */
            s_done(self, r, r->got_nodata ? DNS_RCODE_NOERROR : DNS_RCODE_NXDOMAIN, STUB_SRC_SERVER, q->server,
                   false, NULL);
        }
        return;
    }
    if (m->rcode != DNS_RCODE_NOERROR) {
        s_log(self, r, "state", "nameserver answered %s: next server", dns_rcode_to_text(m->rcode, rc));
        LS_COUNT(self->io.counters, "dns.stub.server_failed");
        if (r->attempt + 1 >= self->cfg.attempts && r->si + 1 >= (int)self->cfg.nns) {
            s_copy_answer(self, r, m);
            s_done(self, r, m->rcode, STUB_SRC_SERVER, q->server, false, "the nameserver could not answer");
            return;
        }
        s_next_server(self, r);
        return;
    }
    s_cache_answer(self, m);
    dns_cache_chain_t res;
    dns_msg_t *o = s_out(self, r, DNS_RCODE_NOERROR);
    dns_cache_chain(self->cache, &r->cand[r->ci], r->qtype, DNS_C_IN, self->cfg.max_cname, self->now, o, &res);
    if (!res.fin || res.fin->negative)
        s_copy_answer(self, r, m); /* a chain the cache cannot finish: pass the answer on as it came */
    s_done(self, r, DNS_RCODE_NOERROR, STUB_SRC_SERVER, q->server, false, NULL);
}

void stub_response(stub_t *self, uint32_t handle, uint32_t from, uint16_t from_port, const uint8_t *msg, size_t len,
                   uint64_t pdu, uint64_t now)
{
    self->now = now;
    dnsq_t copy;
    dnsq_verdict_t v = dnsq_take(self->q, handle, from, from_port, msg, len, self->m, &copy);
    char a[16];
    if (v != DNSQ_MATCH) {
        dnsq_reject(self->io.log, self->io.counters, "dns.stub", v, dnsq_get(self->q, handle), self->m, from,
                    from_port, pdu, now);
        return;
    }
    const dnsq_t *q = &copy;
    s_sreq_t *r = &self->req[q->owner];
    ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = now, .layer = "dns", .dir = "up", .ev = "demux",
             .pdu = pdu}, "id %u from %s.%u matches -> stub #%u", q->id, ip4_fmt(from, a), from_port, r->id);
    self->io.cancel(self->io.ctx, handle);
    r->qhandle = 0;
    r->last_pdu = pdu;
    s_answer(self, r, &copy, self->m);
}

void stub_failed(stub_t *self, uint32_t handle, int err, uint64_t now)
{
    self->now = now;
    dnsq_t *q = dnsq_get(self->q, handle);
    if (!q)
        return;
    s_sreq_t *r = &self->req[q->owner];
    char a[16];
    s_log(self, r, "state", "nameserver %s: %s: next server", ip4_fmt(q->server, a), strerror(err));
    self->io.cancel(self->io.ctx, handle);
    dnsq_remove(self->q, handle);
    r->qhandle = 0;
    s_next_server(self, r);
}

/* resolv.conf(5): a name with at least ndots dots is tried as is first,
 * then with each search domain; one with fewer the other way round; a
 * final dot means absolute (no search). */
static int s_candidates(stub_t *self, s_sreq_t *r, const char *name)
{
    size_t len = strlen(name);
    int dots = 0;
    for (const char *p = name; *p; p++)
        dots += *p == '.';
    dns_name_t as_is;
    if (dns_name_from_text(name, NULL, &as_is) != DNS_OK)
        return -1;
    r->ncand = 0;
    bool absolute = len > 1 && name[len - 1] == '.';
    if (absolute || dots >= self->cfg.ndots) {
        r->as_is = r->ncand;
        r->cand[r->ncand++] = as_is;
    }
    for (size_t i = 0; i < self->cfg.nsearch && !absolute; i++) {
        dns_name_t full;
        if (dns_name_concat(&as_is, &self->cfg.search[i], &full) == DNS_OK)
            r->cand[r->ncand++] = full;
    }
    if (!absolute && dots < self->cfg.ndots) {
        r->as_is = r->ncand;
        r->cand[r->ncand++] = as_is;
    }
    return r->ncand ? 0 : -1;
}

/* The hosts file answers A (name -> address) and PTR (reverse name -> first name). */
static bool s_hosts(stub_t *self, s_sreq_t *r, const char *name)
{
    dns_msg_t *o = self->out;
    uint32_t addr;
    const dns_name_t *given = &r->cand[r->as_is];
    if (r->qtype == DNS_T_A && stub_hosts_lookup(self, name, &addr) == 0) {
        r->ci = r->as_is;
        dns_msg_init_query(o, 0, given, r->qtype, true);
        o->qr = o->ra = true;
        uint8_t rd[4];
        wr_be32(rd, addr);
        dns_msg_add(o, DNS_SEC_ANSWER, given, DNS_T_A, DNS_C_IN, 0, rd, 4);
        return true;
    }
    if (r->qtype != DNS_T_PTR)
        return false;
    for (size_t i = 0; i < self->nhosts; i++) {
        dns_name_t rev, target;
        dns_name_reverse4(self->hosts[i].addr, &rev);
        if (!dns_name_eq(&rev, given) || dns_name_from_text(self->hosts[i].name, NULL, &target) != DNS_OK)
            continue;
        r->ci = r->as_is;
        dns_msg_init_query(o, 0, given, r->qtype, true);
        o->qr = o->ra = true;
        uint8_t rd[DNS_NAME_MAX];
        int n = dns_rdata_put_name(&target, rd, sizeof rd);
        dns_msg_add(o, DNS_SEC_ANSWER, given, DNS_T_PTR, DNS_C_IN, 0, rd, (uint16_t)n);
        return true;
    }
    return false;
}

int stub_resolve(stub_t *self, const char *name, uint16_t qtype, uint64_t token, uint64_t parent, uint64_t now)
{
    self->now = now;
    s_sreq_t *r = NULL;
    for (uint32_t i = 0; i < self->cfg.max_requests && !r; i++)
        if (!self->req[i].used)
            r = &self->req[i];
    if (!r) {
        LS_COUNT(self->io.counters, "dns.stub.drop.too_many_requests");
        s_sreq_t tmp = {.used = true, .token = token, .qtype = qtype, .ncand = 1};
        dns_name_from_text(".", NULL, &tmp.cand[0]);
        stub_result_t res = {.rcode = DNS_RCODE_SERVFAIL, .src = STUB_SRC_NONE, .msg = s_out(self, &tmp,
                             DNS_RCODE_SERVFAIL), .why = "too many lookups in progress"};
        self->io.done(self->io.ctx, token, &res, 0);
        return -1;
    }
    *r = (s_sreq_t){.used = true, .id = ++self->next_id, .token = token, .parent_pdu = parent, .qtype = qtype};
    LS_COUNT(self->io.counters, "dns.stub.requests");
    char t[16];
    if (s_candidates(self, r, name) < 0) {
        s_log(self, r, "state", "'%s': not a valid name", name);
        r->ncand = 1;
        dns_name_from_text(".", NULL, &r->cand[0]);
        s_out(self, r, DNS_RCODE_FORMERR);
        s_done(self, r, DNS_RCODE_FORMERR, STUB_SRC_NONE, 0, false, "not a valid domain name");
        return -1;
    }
    s_log(self, r, "state", "lookup %s %s: hosts file, then cache, then %zu nameserver(s)", name,
          dns_type_to_text(qtype, t), self->cfg.nns);
    if (s_hosts(self, r, name)) {
        LS_COUNT(self->io.counters, "dns.stub.hosts_hit");
        s_log(self, r, "cache", "hosts file has %s", name);
        s_done(self, r, DNS_RCODE_NOERROR, STUB_SRC_HOSTS, 0, false, NULL);
        return 0;
    }
    s_try(self, r);
    return 0;
}

uint64_t stub_next_deadline(const stub_t *self) { return dnsq_next_deadline(self->q); }

void stub_poll(stub_t *self, uint64_t now)
{
    self->now = now;
    dnsq_t *q;
    while ((q = dnsq_expired(self->q, now)) != NULL) {
        s_sreq_t *r = &self->req[q->owner];
        char a[16];
        s_log(self, r, "timer", "no answer from %s within %llu ms", ip4_fmt(q->server, a),
              (unsigned long long)((now - q->sent_at) / 1000000));
        LS_COUNT(self->io.counters, "dns.stub.timeout");
        uint32_t h = q->handle;
        self->io.cancel(self->io.ctx, h);
        dnsq_remove(self->q, h);
        r->qhandle = 0;
        s_next_server(self, r);
    }
}

stub_t *stub_new(const stub_cfg_t *cfg, const stub_io_t *io)
{
    stub_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->cfg = cfg ? *cfg : stub_cfg_default();
    if (self->cfg.nns > STUB_MAXNS)
        self->cfg.nns = STUB_MAXNS;
    if (self->cfg.nsearch > STUB_MAXDNSRCH)
        self->cfg.nsearch = STUB_MAXDNSRCH;
    if (self->cfg.attempts < 1)
        self->cfg.attempts = 1;
    if (!self->cfg.max_requests)
        self->cfg.max_requests = 1;
    self->io = *io;
    self->cache = dns_cache_new(self->cfg.cache_max);
    self->q = dnsq_table_new(self->cfg.max_requests, self->cfg.seed, self->cfg.port_lo, self->cfg.port_hi);
    self->req = calloc(self->cfg.max_requests, sizeof *self->req);
    self->m = malloc(sizeof *self->m);
    self->out = malloc(sizeof *self->out);
    if (!self->cache || !self->q || !self->req || !self->m || !self->out) {
        stub_destroy(&self);
        return NULL;
    }
    dns_cache_count_evictions(self->cache, ls_counter(io->counters, "dns.stub.cache.evicted"));
    return self;
}

void stub_destroy(stub_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    stub_t *self = *self_p;
    dns_cache_destroy(&self->cache);
    dnsq_table_destroy(&self->q);
    free(self->req);
    free(self->hosts);
    free(self->m);
    free(self->out);
    free(self);
    *self_p = NULL;
}

dns_cache_t *stub_cache(stub_t *self) { return self->cache; }
const stub_cfg_t *stub_cfg(const stub_t *self) { return &self->cfg; }
