/*
 * dns_net.c -- the fake internet of dns_net.h.
 *
 * Call chain: resolver -> s_send (record the query; parse it; auth_answer
 * from the destination's zones; dns_emit with the server's size limit;
 * queue) ... fnet_pump -> resolver_response(handle, server, 53, bytes);
 * resolver -> s_cancel (the socket is closed: queued answers for it are
 * lost) and s_done (copy the client answer to the heap).
 */
#include "dns_net.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns-svc/auth.h"

static const char *s_root_dir(void)
{
    const char *root = getenv("LS_ROOT");
    return root && *root ? root : ".";
}

static zone_t *s_load(fnet_t *self, const char *rel)
{
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/%s", s_root_dir(), rel);
    zone_t *z = zone_load(path, NULL, err, sizeof err);
    ck_assert_msg(z != NULL, "%s: %s", path, err);
    ck_assert_uint_lt(self->nowned, FNET_MAX_ZONES);
    self->owned[self->nowned++] = z;
    return z;
}

fnet_t *fnet_new(uint64_t now)
{
    fnet_t *self = calloc(1, sizeof *self);
    ck_assert_ptr_nonnull(self);
    self->now = now;
    self->ctr = ls_counters_new();
    /* every log line is formatted (under the sanitizers too); FNET_LOG=- shows them */
    const char *lp = getenv("FNET_LOG");
    self->log = ls_log_new("ns", "ns-dns", lp && *lp ? lp : "/dev/null", LS_LOG_PDU);
    self->q = malloc(sizeof *self->q);
    self->resp = malloc(sizeof *self->resp);
    ck_assert(self->ctr && self->log && self->q && self->resp);
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/topologies/zones/root.hints", s_root_dir());
    self->hints = zone_load_hints(path, err, sizeof err);
    ck_assert_msg(self->hints != NULL, "%s: %s", path, err);
    self->next_pdu = 0x1000;
    return self;
}

void fnet_free(fnet_t **self_p)
{
    fnet_t *self = *self_p;
    if (!self)
        return;
    resolver_destroy(&self->r);
    for (size_t i = 0; i < self->npend; i++)
        free(self->pend[i].msg);
    for (size_t i = 0; i < self->ndone; i++)
        free(self->done[i].resp);
    for (size_t i = 0; i < self->nowned; i++)
        zone_destroy(&self->owned[i]);
    zone_destroy(&self->hints);
    ls_counters_destroy(&self->ctr);
    ls_log_destroy(&self->log);
    free(self->q);
    free(self->resp);
    free(self);
    *self_p = NULL;
}

fnet_srv_t *fnet_find(fnet_t *self, uint32_t addr)
{
    for (size_t i = 0; i < self->nsrv; i++)
        if (self->srv[i].addr == addr)
            return &self->srv[i];
    return NULL;
}

fnet_srv_t *fnet_server(fnet_t *self, uint32_t addr, const zone_t *z1, const zone_t *z2)
{
    fnet_srv_t *s = fnet_find(self, addr);
    if (!s) {
        ck_assert_uint_lt(self->nsrv, FNET_MAX_SRV);
        s = &self->srv[self->nsrv++];
        memset(s, 0, sizeof *s);
        s->addr = addr;
    }
    if (z1)
        s->zones[s->nzones++] = z1;
    if (z2)
        s->zones[s->nzones++] = z2;
    return s;
}

void fnet_default(fnet_t *self)
{
    fnet_server(self, FNET_ROOT, s_load(self, "topologies/zones/root.zone"), NULL);
    fnet_server(self, FNET_TLD, s_load(self, "topologies/zones/test.zone"), NULL);
    fnet_server(self, FNET_AUTH, s_load(self, "topologies/zones/example.test.zone"),
                s_load(self, "topologies/zones/in-addr.arpa.zone"));
    fnet_server(self, FNET_HOSTB, s_load(self, "topologies/zones/lab.example.test.zone"), NULL);
}

const zone_t *fnet_zone(fnet_t *self, const char *text)
{
    char err[512] = "";
    zone_t *z = zone_load_buf("fnet", text, strlen(text), NULL, err, sizeof err);
    ck_assert_msg(z != NULL, "%s", err);
    ck_assert_uint_lt(self->nowned, FNET_MAX_ZONES);
    self->owned[self->nowned++] = z;
    return z;
}

/* What the server at addr answers to query bytes (0: nothing, it does not parse). */
static size_t s_serve(fnet_t *self, const fnet_srv_t *s, const uint8_t *msg, size_t len, bool tcp, uint8_t *out,
                      size_t cap)
{
    if (dns_parse(msg, len, self->q) != DNS_OK)
        return 0;
    char what[512];
    if (auth_answer(s->zones, s->nzones, self->q, self->resp, what, sizeof what) == AUTH_NOT_OURS)
        auth_error(self->q, DNS_RCODE_REFUSED, self->resp);
    /* RFC 6891 6.2.5: the requestor's size, at least 512; we send at most 1232 */
    size_t limit = DNS_UDP_MAX;
    if (self->q->edns)
        limit = self->q->edns_udp_size < DNS_EDNS_SIZE ? self->q->edns_udp_size : DNS_EDNS_SIZE;
    if (limit < DNS_UDP_MAX)
        limit = DNS_UDP_MAX;
    int n = dns_emit(self->resp, out, cap, tcp ? 0 : limit, NULL);
    ck_assert_int_gt(n, 0);
    return (size_t)n;
}

static int s_send(void *ctx, uint32_t handle, uint32_t server, uint16_t sport, bool tcp, const uint8_t *msg,
                  size_t len, uint64_t parent)
{
    fnet_t *self = ctx;
    ck_assert_uint_lt(self->nsent, FNET_MAX_SENT);
    ck_assert_uint_le(len, sizeof self->sent[0].bytes);
    fnet_sent_t *st = &self->sent[self->nsent++];
    memset(st, 0, sizeof *st);
    st->handle = handle;
    st->server = server;
    st->sport = sport;
    st->tcp = tcp;
    st->at = self->now;
    memcpy(st->bytes, msg, len);
    st->len = len;
    ck_assert_int_eq(dns_parse(msg, len, self->q), DNS_OK);
    ck_assert(!self->q->qr);
    ck_assert_uint_eq(self->q->qdcount, 1);
    st->id = self->q->id;
    st->rd = self->q->rd;
    st->edns = self->q->edns;
    st->edns_size = self->q->edns_udp_size;
    st->qname = self->q->qd[0].name;
    st->qtype = self->q->qd[0].qtype;
    st->qclass = self->q->qd[0].qclass;
    const fnet_srv_t *s = fnet_find(self, server);
    if (s && s->unreachable)
        return -1;
    if (!s || s->dead || self->hold || self->drop_nth == self->nsent)
        return 0; /* sent into the void */
    size_t n = s_serve(self, s, msg, len, tcp, self->buf, sizeof self->buf);
    if (!n)
        return 0;
    ck_assert_uint_lt(self->npend, FNET_MAX_PEND);
    fnet_pend_t *p = &self->pend[self->npend++];
    p->handle = handle;
    p->from = server;
    p->msg = malloc(n);
    ck_assert_ptr_nonnull(p->msg);
    memcpy(p->msg, self->buf, n);
    p->len = n;
    p->at = self->now + s->delay;
    p->pdu = self->next_pdu++;
    return 0;
}

static void s_drop_pend(fnet_t *self, size_t i)
{
    free(self->pend[i].msg);
    memmove(&self->pend[i], &self->pend[i + 1], (self->npend - i - 1) * sizeof self->pend[0]);
    self->npend--;
}

static void s_cancel(void *ctx, uint32_t handle)
{
    fnet_t *self = ctx;
    ck_assert_uint_lt(self->ncancel, FNET_MAX_SENT);
    ck_assert_msg(!fnet_cancelled(self, handle), "handle %u cancelled twice", handle);
    self->cancelled[self->ncancel++] = handle;
    /* its socket is closed: what was still on the way is lost */
    for (size_t i = self->npend; i-- > 0;)
        if (self->pend[i].handle == handle)
            s_drop_pend(self, i);
}

static void s_done(void *ctx, uint64_t token, const dns_msg_t *resp, const char *why, uint64_t parent)
{
    fnet_t *self = ctx;
    ck_assert_uint_lt(self->ndone, FNET_MAX_DONE);
    fnet_done_t *d = &self->done[self->ndone++];
    memset(d, 0, sizeof *d);
    d->token = token;
    d->resp = malloc(sizeof *d->resp);
    ck_assert_ptr_nonnull(d->resp);
    memcpy(d->resp, resp, sizeof *resp);
    d->servfail = why != NULL;
    if (why)
        snprintf(d->why, sizeof d->why, "%s", why);
    d->pdu = parent;
    d->at = self->now;
}

void fnet_start(fnet_t *self, const resolver_cfg_t *cfg)
{
    resolver_io_t io = {.ctx = self, .send = s_send, .cancel = s_cancel, .done = s_done, .log = self->log,
                        .counters = self->ctr};
    self->r = resolver_new(cfg, &io, self->hints);
    ck_assert_ptr_nonnull(self->r);
}

int fnet_resolve(fnet_t *self, const char *name, uint16_t type, uint64_t token)
{
    dns_name_t n;
    ck_assert_int_eq(dns_name_from_text(name, NULL, &n), DNS_OK);
    return resolver_resolve(self->r, &n, type, DNS_C_IN, token, 0, self->now);
}

void fnet_pump(fnet_t *self)
{
    for (;;) {
        size_t i = 0;
        while (i < self->npend && self->pend[i].at > self->now)
            i++;
        if (i == self->npend)
            return;
        fnet_pend_t p = self->pend[i];
        memmove(&self->pend[i], &self->pend[i + 1], (self->npend - i - 1) * sizeof self->pend[0]);
        self->npend--;
        resolver_response(self->r, p.handle, p.from, DNS_PORT, p.msg, p.len, p.pdu, self->now);
        free(p.msg);
    }
}

void fnet_run(fnet_t *self, uint64_t until)
{
    for (int guard = 0; guard < 10000; guard++) {
        fnet_pump(self);
        uint64_t t = resolver_next_deadline(self->r);
        for (size_t i = 0; i < self->npend; i++)
            if (self->pend[i].at < t)
                t = self->pend[i].at;
        if (resolver_requests(self->r) == 0 && self->npend == 0)
            return;
        if (t == UINT64_MAX || t > until)
            return;
        if (t > self->now)
            self->now = t;
        resolver_poll(self->r, self->now);
    }
    ck_abort_msg("fnet_run: no progress");
}

const fnet_done_t *fnet_ask(fnet_t *self, const char *name, uint16_t type)
{
    size_t before = self->ndone;
    ck_assert_int_eq(fnet_resolve(self, name, type, 100 + before), 0);
    fnet_run(self, self->now + 60 * FNET_SEC);
    ck_assert_msg(self->ndone == before + 1, "%s: no answer", name);
    ck_assert_uint_eq(self->done[before].token, 100 + before);
    return &self->done[before];
}

size_t fnet_answer(fnet_t *self, size_t i, uint8_t *buf, size_t cap)
{
    ck_assert_uint_lt(i, self->nsent);
    const fnet_srv_t *s = fnet_find(self, self->sent[i].server);
    ck_assert_ptr_nonnull(s);
    size_t n = s_serve(self, s, self->sent[i].bytes, self->sent[i].len, self->sent[i].tcp, buf, cap);
    ck_assert_uint_gt(n, 0);
    return n;
}

bool fnet_cancelled(const fnet_t *self, uint32_t handle)
{
    for (size_t i = 0; i < self->ncancel; i++)
        if (self->cancelled[i] == handle)
            return true;
    return false;
}

uint64_t fnet_ctr(const fnet_t *self, const char *name) { return ls_counter_get(self->ctr, name); }

/* ---- assertions shared by the resolver suite's files ---- */

void fnet_rr(const dns_msg_t *m, dns_section_t sec, size_t i, const char *name, uint16_t type, uint32_t ttl,
             const char *rd)
{
    ck_assert_uint_lt(i, m->count[sec]);
    const dns_rr_t *rr = &dns_msg_section_c(m, sec)[i];
    char nt[DNS_NAME_TEXT_MAX], rt[DNS_NAME_TEXT_MAX];
    ck_assert_str_eq(dns_name_to_text(&rr->name, nt, sizeof nt), name);
    ck_assert_uint_eq(rr->type, type);
    ck_assert_uint_eq(rr->ttl, ttl);
    if (rd)
        ck_assert_str_eq(dns_rdata_to_text(type, dns_rr_rdata(m, rr), rr->rdlen, rt, sizeof rt), rd);
}

void fnet_counts(const dns_msg_t *m, size_t an, size_t ns)
{
    ck_assert_uint_eq(m->count[DNS_SEC_ANSWER], an);
    ck_assert_uint_eq(m->count[DNS_SEC_AUTHORITY], ns);
}

/* The servers of sent[from..] are exactly the n addresses given. */
void fnet_asked(const fnet_t *f, size_t from, size_t n, ...)
{
    char a[16], b[16];
    ck_assert_msg(f->nsent == from + n, "%zu queries sent, expected %zu", f->nsent - from, n);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) {
        uint32_t want = va_arg(ap, uint32_t);
        ck_assert_msg(f->sent[from + i].server == want, "query %zu went to %s, expected %s", i,
                      ip4_fmt(f->sent[from + i].server, a), ip4_fmt(want, b));
    }
    va_end(ap);
}

void fnet_ok(const fnet_done_t *d, uint16_t rcode)
{
    ck_assert_msg(!d->servfail, "SERVFAIL: %s", d->why);
    ck_assert_uint_eq(d->resp->rcode, rcode);
}

void fnet_servfail(const fnet_done_t *d, const char *why_part)
{
    ck_assert(d->servfail);
    ck_assert_uint_eq(d->resp->rcode, DNS_RCODE_SERVFAIL);
    ck_assert_str_ne(d->why, "");
    if (why_part)
        ck_assert_msg(strstr(d->why, why_part) != NULL, "why \"%s\" lacks \"%s\"", d->why, why_part);
}

fnet_t *fnet_std(uint64_t now, const resolver_cfg_t *cfg)
{
    fnet_t *f = fnet_new(now);
    fnet_default(f);
    fnet_start(f, cfg);
    return f;
}

void fnet_idle(const fnet_t *f)
{
    ck_assert_uint_eq(resolver_requests(f->r), 0);
    ck_assert_uint_eq(dnsq_count(resolver_queries(f->r)), 0);
    for (size_t i = 0; i < f->nsent; i++)
        ck_assert_msg(fnet_cancelled(f, f->sent[i].handle), "query %zu (handle %u) never cancelled", i,
                      f->sent[i].handle);
}

const char fnet_root_tld2[] = "$ORIGIN .\n$TTL 86400\n"
                              "@ IN SOA a.root-servers.test. hostmaster.test. 1 1800 900 604800 60\n"
                              "  IN NS a.root-servers.test.\n"
                              "test. IN NS ns.nic.test.\nns.nic.test. IN A 192.0.2.53\n";
