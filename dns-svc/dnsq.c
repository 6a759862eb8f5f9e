/*
 * dnsq.c -- outstanding DNS queries and the answer checks (see dnsq.h).
 *
 * Call chain: dnsq_add -> s_draw (splitmix64) for the 16-bit id and the
 * source port (RFC 5452 9.2: both random); dnsq_match -> dns_parse ->
 * QR, server address, port, id, question in that order (RFC 5452 4.1:
 * "the answer MUST match the question, the ID and the address/port").
 */
#include "dns-svc/dnsq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"

struct dnsq_table {
    dnsq_t *q;
    size_t max, count;
    uint64_t rng;
    uint32_t next_handle;
    uint16_t port_lo, port_hi;
};

static const char *const s_str[DNSQ_NVERDICT] = {
    [DNSQ_MATCH] = "match",
    [DNSQ_NO_QUERY] = "no query outstanding",
    [DNSQ_MALFORMED] = "malformed",
    [DNSQ_NOT_RESPONSE] = "not a response (QR=0)",
    [DNSQ_BAD_ADDR] = "server address mismatch",
    [DNSQ_BAD_PORT] = "server port mismatch",
    [DNSQ_BAD_ID] = "id mismatch",
    [DNSQ_BAD_QUESTION] = "question mismatch",
};
static const char *const s_ctr[DNSQ_NVERDICT] = {
    [DNSQ_MATCH] = "match",
    [DNSQ_NO_QUERY] = "no_query",
    [DNSQ_MALFORMED] = "malformed",
    [DNSQ_NOT_RESPONSE] = "not_response",
    [DNSQ_BAD_ADDR] = "addr_mismatch",
    [DNSQ_BAD_PORT] = "port_mismatch",
    [DNSQ_BAD_ID] = "id_mismatch",
    [DNSQ_BAD_QUESTION] = "question_mismatch",
};

const char *dnsq_verdict_str(int v) { return v >= 0 && v < DNSQ_NVERDICT ? s_str[v] : "?"; }
const char *dnsq_verdict_counter(int v) { return v >= 0 && v < DNSQ_NVERDICT ? s_ctr[v] : "other"; }

static uint64_t s_draw(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t dnsq_random(dnsq_table_t *self) { return s_draw(&self->rng); }

dnsq_table_t *dnsq_table_new(size_t max, uint64_t seed, uint16_t port_lo, uint16_t port_hi)
{
    dnsq_table_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->max = max ? max : 1;
    self->q = calloc(self->max, sizeof *self->q);
    if (!self->q) {
        free(self);
        return NULL;
    }
    self->rng = seed;
    self->port_lo = port_lo;
    self->port_hi = port_hi >= port_lo ? port_hi : port_lo;
    return self;
}

void dnsq_table_destroy(dnsq_table_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->q);
    free(*self_p);
    *self_p = NULL;
}

static bool s_port_busy(const dnsq_table_t *self, uint16_t port)
{
    for (size_t i = 0; i < self->max; i++)
        if (self->q[i].handle && !self->q[i].tcp && self->q[i].local_port == port)
            return true;
    return false;
}

dnsq_t *dnsq_add(dnsq_table_t *self, const dns_name_t *qname, uint16_t qtype, uint16_t qclass, uint32_t server,
                 bool tcp, int owner, uint64_t now, uint64_t deadline)
{
    if (self->count >= self->max)
        return NULL;
    dnsq_t *q = NULL;
    for (size_t i = 0; i < self->max && !q; i++)
        if (!self->q[i].handle)
            q = &self->q[i];
    if (!q)
        return NULL;
    uint32_t span = (uint32_t)self->port_hi - self->port_lo + 1;
    uint16_t port = 0;
    if (!tcp) {
        bool found = false;
        for (int tries = 0; tries < 64 && !found; tries++) {
            port = (uint16_t)(self->port_lo + s_draw(&self->rng) % span);
            found = !s_port_busy(self, port);
        }
        /* a crowded range: walk it from the last draw rather than share a
         * port between two outstanding queries (their answers would mix) */
        for (uint32_t k = 1; k < span && !found; k++) {
            port = (uint16_t)(self->port_lo + (port - self->port_lo + 1) % span);
            found = !s_port_busy(self, port);
        }
        if (!found)
            return NULL;
    }
    if (++self->next_handle == 0)
        self->next_handle = 1;
    *q = (dnsq_t){.handle = self->next_handle, .id = (uint16_t)s_draw(&self->rng), .qname = *qname,
                  .qtype = qtype, .qclass = qclass, .server = server, .server_port = DNS_PORT,
                  .local_port = port, .tcp = tcp, .sent_at = now, .deadline = deadline, .owner = owner};
    self->count++;
    return q;
}

dnsq_t *dnsq_get(dnsq_table_t *self, uint32_t handle)
{
    if (!handle)
        return NULL;
    for (size_t i = 0; i < self->max; i++)
        if (self->q[i].handle == handle)
            return &self->q[i];
    return NULL;
}

void dnsq_remove(dnsq_table_t *self, uint32_t handle)
{
    dnsq_t *q = dnsq_get(self, handle);
    if (q) {
        memset(q, 0, sizeof *q);
        self->count--;
    }
}

dnsq_verdict_t dnsq_match(dnsq_table_t *self, uint32_t handle, uint32_t from, uint16_t from_port, const uint8_t *msg,
                          size_t len, dns_msg_t *m)
{
    const dnsq_t *q = dnsq_get(self, handle);
    if (!q)
        return DNSQ_NO_QUERY;
    if (dns_parse(msg, len, m) != DNS_OK)
        return DNSQ_MALFORMED;
    if (!m->qr)
        return DNSQ_NOT_RESPONSE;
    if (from != q->server)
        return DNSQ_BAD_ADDR;
    if (from_port != q->server_port)
        return DNSQ_BAD_PORT;
    if (m->id != q->id)
        return DNSQ_BAD_ID;
    /* RFC 5452 4.1 / RFC 1035 7.3: the question section must be the one asked */
    if (m->qdcount != 1 || m->qd[0].qtype != q->qtype || m->qd[0].qclass != q->qclass ||
        !dns_name_eq(&m->qd[0].name, &q->qname))
        return DNSQ_BAD_QUESTION;
    return DNSQ_MATCH;
}

dnsq_verdict_t dnsq_take(dnsq_table_t *self, uint32_t handle, uint32_t from, uint16_t from_port, const uint8_t *msg,
                         size_t len, dns_msg_t *m, dnsq_t *taken)
{
    dnsq_verdict_t v = dnsq_match(self, handle, from, from_port, msg, len, m);
    if (v == DNSQ_MATCH) {
        *taken = *dnsq_get(self, handle);
        dnsq_remove(self, handle);
    }
    return v;
}

void dnsq_reject(ls_log_t *log, ls_counters_t *ctr, const char *prefix, dnsq_verdict_t v, const dnsq_t *q,
                 const dns_msg_t *m, uint32_t from, uint16_t from_port, uint64_t pdu, uint64_t now)
{
    char name[96], a[16], b[16], detail[96] = "";
    snprintf(name, sizeof name, "%s.drop.%s", prefix, dnsq_verdict_counter(v));
    if (v == DNSQ_BAD_ID && q)
        snprintf(detail, sizeof detail, " (id %u, expected %u)", m->id, q->id);
    else if (v == DNSQ_BAD_ADDR && q)
        snprintf(detail, sizeof detail, " (from %s, asked %s)", ip4_fmt(from, a), ip4_fmt(q->server, b));
    ls_drop(log, ctr, &(ls_logev_t){.now_ns = now, .layer = "dns", .dir = "up", .pdu = pdu}, name,
            "answer from %s.%u rejected: %s%s", ip4_fmt(from, a), from_port, dnsq_verdict_str(v), detail);
}

uint64_t dnsq_next_deadline(const dnsq_table_t *self)
{
    uint64_t d = UINT64_MAX;
    for (size_t i = 0; i < self->max; i++)
        if (self->q[i].handle && self->q[i].deadline < d)
            d = self->q[i].deadline;
    return d;
}

dnsq_t *dnsq_expired(dnsq_table_t *self, uint64_t now)
{
    for (size_t i = 0; i < self->max; i++)
        if (self->q[i].handle && self->q[i].deadline <= now)
            return &self->q[i];
    return NULL;
}

void dnsq_foreach(const dnsq_table_t *self, void (*fn)(const dnsq_t *q, void *arg), void *arg)
{
    for (size_t i = 0; i < self->max; i++)
        if (self->q[i].handle)
            fn(&self->q[i], arg);
}

size_t dnsq_count(const dnsq_table_t *self) { return self->count; }
