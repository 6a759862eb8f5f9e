/*
 * dsvc_server.c -- port 53 of dns-svc: queries from clients (stubs, dig,
 * other resolvers), answered from the zones (the authoritative role) or by
 * the recursive resolver, over UDP (TC=1 when the answer does not fit
 * 512 bytes or the client's EDNS size, RFC 1035 4.2.1, RFC 6891 6.2.3) or
 * TCP (the whole answer, RFC 7766).
 *
 * Call chain: dsvc.c (DATA on port 53) -> dsvc_server_query -> dns_parse
 * (FORMERR when only the header parses) -> the demux decision, logged:
 * a zone covers the name -> auth_answer | RD=1 and recursion here ->
 * resolver_resolve (-> dsvc_server_done later) | RD=0 -> the resolver's
 * cache | REFUSED -> s_reply -> dns_emit (size limit) -> dsvc_send_msg.
 */
#include "dns-svc/dsvc_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "dns-svc/auth.h"

bool dsvc_serves(const dsvc_t *self) { return self->cfg.recursive || self->cfg.nzones > 0; }

void dsvc_server_open(dsvc_t *self)
{
    if (!dsvc_serves(self))
        return;
    static const struct { uint32_t id; int kind; Ls__SockOp__Op op; uint32_t proto; } ls[] = {
        {DSVC_SOCK_SRV_UDP, SK_SRV_UDP, LS__SOCK_OP__OP__OPEN, 17},
        {DSVC_SOCK_SRV_TCP, SK_SRV_LISTEN, LS__SOCK_OP__OP__LISTEN, 6},
    };
    for (size_t i = 0; i < 2; i++) {
        if (dsvc_sock_find(self, ls[i].id))
            continue;
        dsvc_sock_t *s = dsvc_sock_add(self, ls[i].id, ls[i].kind);
        if (!s)
            return;
        s->lport = DNS_PORT;
        Ls__SockOp o = LS__SOCK_OP__INIT;
        o.sock = ls[i].id;
        o.op = ls[i].op;
        o.has_protocol = o.has_local_port = 1;
        o.protocol = ls[i].proto;
        o.local_port = DNS_PORT;
        dsvc_op(self, &o, NULL, 0, 0);
    }
}

/* The UDP size limit of an answer to q (RFC 6891 6.2.3-6.2.5: the client's
 * size, at least 512, at most what we advertise). */
static size_t s_limit(const dns_msg_t *q, bool tcp)
{
    if (tcp)
        return 0;
    if (!q->edns)
        return DNS_UDP_MAX;
    size_t n = q->edns_udp_size < DNS_UDP_MAX ? DNS_UDP_MAX : q->edns_udp_size;
    return n > DNS_EDNS_SIZE ? DNS_EDNS_SIZE : n;
}

static void s_reply(dsvc_t *self, dsvc_sock_t *s, uint32_t addr, uint16_t port, const dns_msg_t *q,
                    const dns_msg_t *resp, uint64_t parent, const char *why)
{
    bool tcp = s->kind == SK_SRV_CONN;
    bool truncated = false;
    int len = dns_emit(resp, self->buf + 2, sizeof self->buf - 2, s_limit(q, tcp), &truncated);
    if (len < 0) {
        ls_drop(self->io.log, self->io.counters, &(ls_logev_t){.now_ns = self->now, .layer = "dns", .dir = "down",
                .pdu = parent}, "dns.server.drop.too_big", "answer does not fit a message");
        return;
    }
    if (truncated)
        LS_COUNT(self->io.counters, "dns.server.tx.truncated");
    LS_COUNT(self->io.counters, "dns.server.answers");
    /* the message sits at buf + 2 so a TCP length prefix goes in front without a copy */
    uint8_t *msg = malloc((size_t)len);
    if (!msg)
        return;
    memcpy(msg, self->buf + 2, (size_t)len);
    dsvc_send_msg(self, s, addr, port, msg, (size_t)len, parent, truncated ? "truncated: TC=1" : why);
    free(msg);
}

/* The client of a recursive answer: a slot and its token. */
static dsvc_client_t *s_client_new(dsvc_t *self)
{
    for (size_t i = 0; i < self->nclients; i++)
        if (!self->clients[i].used) {
            dsvc_client_t *c = &self->clients[i];
            if (!c->q && !(c->q = malloc(sizeof *c->q)))
                return NULL;
            c->used = true;
            c->token = ++self->next_token;
            return c;
        }
    return NULL;
}

static void s_demux(dsvc_t *self, uint64_t pdu, const char *fmt, const char *a, uint16_t port, const char *what)
{
    ls_logev(self->io.log, LS_LOG_PDU, &(ls_logev_t){.now_ns = self->now, .layer = "dns", .dir = "up", .ev = "demux",
             .pdu = pdu}, fmt, a, port, what);
}

void dsvc_server_query(dsvc_t *self, dsvc_sock_t *s, uint32_t from, uint16_t port, const uint8_t *msg, size_t len,
                       uint64_t pdu)
{
    dns_msg_t *q = self->m;
    char a[16], what[600];
    ip4_fmt(from, a);
    ls_logev_t drop = {.now_ns = self->now, .layer = "dns", .dir = "up", .pdu = pdu};
    int rc = dns_parse(msg, len, q);
    if (rc != DNS_OK) {
        char ctr[64];
        snprintf(ctr, sizeof ctr, "dns.server.drop.%s", dns_reason_counter(rc));
        ls_drop(self->io.log, self->io.counters, &drop, ctr, "query from %s.%u: %s", a, port, dns_reason_str(rc));
        /* RFC 1035 4.1.1: FORMERR when the header at least can be read (and it is a query) */
        if (dns_parse_header(msg, len, q) == DNS_OK && !q->qr) {
            q->qdcount = 0;
            q->edns = false;
            auth_error(q, DNS_RCODE_FORMERR, self->out);
            s_reply(self, s, from, port, q, self->out, pdu, "FORMERR");
        }
        return;
    }
    if (q->qr) {
        ls_drop(self->io.log, self->io.counters, &drop, "dns.server.drop.response",
                "a response (id %u) from %s.%u on port 53: not a query", q->id, a, port);
        return;
    }
    LS_COUNT(self->io.counters, "dns.server.queries");
    auth_kind_t k = auth_answer(self->cfg.zones, self->cfg.nzones, q, self->out, what, sizeof what);
    if (k != AUTH_NOT_OURS) {
        s_demux(self, pdu, "query from %s.%u -> authoritative: %s", a, port, what);
        s_reply(self, s, from, port, q, self->out, pdu, NULL);
        return;
    }
    if (self->res && q->rd && q->qdcount == 1) {
        dsvc_client_t *c = s_client_new(self);
        if (!c) {
            LS_COUNT(self->io.counters, "dns.server.drop.too_many_clients");
            auth_error(q, DNS_RCODE_SERVFAIL, self->out);
            s_reply(self, s, from, port, q, self->out, pdu, "too many clients waiting");
            return;
        }
        *c->q = *q;
        c->sock = s->id;
        c->tcp = s->kind == SK_SRV_CONN;
        c->addr = from;
        c->port = port;
        c->pdu = pdu;
        char qs[DNS_NAME_TEXT_MAX];
        snprintf(what, sizeof what, "recursive resolver (RD=1): %s", dns_name_to_text(&q->qd[0].name, qs, sizeof qs));
        s_demux(self, pdu, "query from %s.%u -> %s", a, port, what);
        uint64_t token = c->token;
        if (resolver_resolve(self->res, &q->qd[0].name, q->qd[0].qtype, q->qd[0].qclass, token, pdu, self->now) < 0) {
            dsvc_client_t *cc = NULL;
            for (size_t i = 0; i < self->nclients && !cc; i++)
                if (self->clients[i].used && self->clients[i].token == token)
                    cc = &self->clients[i];
            if (cc) {
                auth_error(cc->q, DNS_RCODE_REFUSED, self->out);
                cc->used = false;
                s_reply(self, s, from, port, q, self->out, pdu, "resolver busy");
            }
        }
        return;
    }
    if (self->res && q->qdcount == 1) {
        /* RD=0 to a resolver: what its cache holds, else REFUSED */
        dns_cache_chain_t res;
        auth_error(q, DNS_RCODE_NOERROR, self->out);
        self->out->ra = true;
        dns_cache_chain(resolver_cache(self->res), &q->qd[0].name, q->qd[0].qtype, q->qd[0].qclass, 8, self->now,
                        self->out, &res);
        if (res.fin) {
            self->out->rcode = res.fin->negative && res.fin->nxdomain ? DNS_RCODE_NXDOMAIN : DNS_RCODE_NOERROR;
            s_demux(self, pdu, "query from %s.%u -> %s", a, port, "RD=0: answered from the cache");
            s_reply(self, s, from, port, q, self->out, pdu, "from the cache");
            return;
        }
    }
    LS_COUNT(self->io.counters, "dns.server.refused");
    s_demux(self, pdu, "query from %s.%u -> %s", a, port,
            self->res ? "RD=0 and not in the cache: REFUSED" : "no zone of ours covers it, no recursion: REFUSED");
    auth_error(q, DNS_RCODE_REFUSED, self->out);
    self->out->ra = self->res != NULL;
    s_reply(self, s, from, port, q, self->out, pdu, "REFUSED");
}

void dsvc_server_tcp(dsvc_t *self, dsvc_sock_t *s, const uint8_t *msg, size_t len, uint64_t pdu)
{
    dsvc_server_query(self, s, s->raddr, s->rport, msg, len, pdu);
}

void dsvc_server_done(void *ctx, uint64_t token, const dns_msg_t *resp, const char *why, uint64_t parent)
{
    dsvc_t *self = ctx;
    dsvc_client_t *c = NULL;
    for (size_t i = 0; i < self->nclients && !c; i++)
        if (self->clients[i].used && self->clients[i].token == token)
            c = &self->clients[i];
    if (!c)
        return; /* its connection went away */
    c->used = false;
    dsvc_sock_t *s = dsvc_sock_find(self, c->sock);
    if (!s) {
        LS_COUNT(self->io.counters, "dns.server.drop.client_gone");
        return;
    }
    /* the resolver's records, under the client's header and question (RFC 1035 4.1.1) */
    dns_msg_t *o = self->out;
    if (o != resp)
        memcpy(o, resp, sizeof *o);
    o->id = c->q->id;
    o->qr = true;
    o->aa = false;
    o->ra = true;
    o->rd = c->q->rd;
    o->cd = c->q->cd;
    o->opcode = c->q->opcode;
    o->qdcount = 1;
    o->qd[0] = c->q->qd[0];
    o->edns = false;
    if (c->q->edns)
        dns_msg_set_edns(o, DNS_EDNS_SIZE);
    s_reply(self, s, c->addr, c->port, c->q, o, parent ? parent : c->pdu, why ? "SERVFAIL" : NULL);
}

void dsvc_server_forget(dsvc_t *self, uint32_t sock)
{
    for (size_t i = 0; i < self->nclients; i++)
        if (self->clients[i].used && self->clients[i].sock == sock && self->clients[i].tcp)
            self->clients[i].used = false; /* the resolver's answer will find no client */
}
