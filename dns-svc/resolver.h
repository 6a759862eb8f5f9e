/*
 * resolver.h -- the recursive resolver (the notes' "local DNS server"):
 * iterative resolution from the root hints (RFC 1034 5.3.3, RFC 1035 7),
 * following referrals and CNAME chains, with a cache (cache.h), per-server
 * RTOs with failover across an NS set, TCP after TC=1, limits on referral
 * depth, CNAME chain length, queries per request and outstanding requests,
 * and answers accepted only when id, question, server address and port
 * match (dnsq.h). Pure: queries leave through io.send, answers come in
 * through resolver_response, time comes in as `now`.
 *
 * Each request moves through named states (Unbound's iterator), which is
 * also what it logs:
 *   INIT_REQUEST   answer from the cache if it can (following cached CNAMEs)
 *   QUERYTARGETS   find the closest zone cut and a server of it; start a
 *                  sub-request for an NS name that has no address
 *   QUERY_RESP     classify the answer: ANSWER, CNAME, REFERRAL, NXDOMAIN,
 *                  NODATA, or a server failure (next server)
 *   FINISHED       the client's answer (or SERVFAIL with a reason)
 *
 * Call chain: dsvc.c -> resolver_resolve (a client's RD=1 query) ->
 * s_init -> s_targets -> s_send -> io.send; dsvc.c (a DATA event on that
 * query's socket) -> resolver_response -> dnsq_match -> s_resp -> cache ->
 * s_init again (the cache now answers, or holds the referral) ... ->
 * s_finish -> io.done; resolver_poll -> timeouts -> next server.
 */
#ifndef LS_RESOLVER_H
#define LS_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/counters.h"
#include "dns-svc/cache.h"
#include "dns-svc/dnsq.h"
#include "dns-svc/zone.h"
#include "wire/dns.h"
#include "runtime/log.h"

typedef struct {
    uint32_t max_depth;          /* referrals and NS-address sub-requests per request (16) */
    uint32_t max_cname;          /* CNAMEs followed (8) */
    uint32_t max_requests;       /* client requests in progress (256) */
    uint32_t max_sends;          /* queries sent for one request, sub-requests included (32) */
    uint32_t tries_per_server;   /* sends to one server address per request (3) */
    uint64_t rto_initial_ns;     /* a server never measured (1 s) */
    uint64_t rto_min_ns, rto_max_ns; /* 200 ms .. 8 s */
    uint64_t request_timeout_ns; /* a request gives up after this (10 s) */
    size_t cache_max;            /* cache entries (10000) */
    uint16_t edns_size;          /* advertised UDP size (1232) */
    uint16_t port_lo, port_hi;   /* random source ports (49152..65535) */
    uint64_t seed;               /* ids, ports */
} resolver_cfg_t;

resolver_cfg_t resolver_cfg_default(void);

typedef struct {
    void *ctx;
    /* Send query msg for handle to server:53: over UDP from local port
     * sport, or over TCP (sport 0). parent: the PDU it is made for. 0 / -1
     * (-1: treated like an immediate failure of that server). */
    int (*send)(void *ctx, uint32_t handle, uint32_t server, uint16_t sport, bool tcp, const uint8_t *msg,
                size_t len, uint64_t parent);
    /* handle is over (answered, timed out, abandoned): free its socket. */
    void (*cancel)(void *ctx, uint32_t handle);
    /* A client request is answered. resp holds rcode, answer and authority
     * records (TTLs as left in the cache); the caller fills in its client's
     * id, flags and question. why: the reason of a SERVFAIL, else NULL.
     * parent: the PDU of the last upstream answer used (0: all from cache). */
    void (*done)(void *ctx, uint64_t token, const dns_msg_t *resp, const char *why, uint64_t parent);
    ls_log_t *log;               /* may be NULL */
    ls_counters_t *counters;     /* required */
} resolver_io_t;

typedef struct resolver resolver_t;

/* hints: the root's NS set and addresses (zone_load_hints); borrowed. */
resolver_t *resolver_new(const resolver_cfg_t *cfg, const resolver_io_t *io, const zone_t *hints);
void resolver_destroy(resolver_t **self_p);

/* Start resolving for a client (token is the caller's). It may finish at
 * once (from the cache): io.done is then called before this returns.
 * 0, or -1 when max_requests are in progress (counted; answer REFUSED). */
int resolver_resolve(resolver_t *self, const dns_name_t *qname, uint16_t qtype, uint16_t qclass, uint64_t token,
                     uint64_t parent, uint64_t now);
/* A message arrived on the socket of query `handle`, from from:from_port. */
void resolver_response(resolver_t *self, uint32_t handle, uint32_t from, uint16_t from_port, const uint8_t *msg,
                       size_t len, uint64_t pdu, uint64_t now);
/* The query's transport failed (ICMP unreachable, connection refused or reset). */
void resolver_failed(resolver_t *self, uint32_t handle, int err, uint64_t now);

uint64_t resolver_next_deadline(const resolver_t *self);
void resolver_poll(resolver_t *self, uint64_t now);

dns_cache_t *resolver_cache(resolver_t *self);
/* Empty the cache (stackctl dns HOST flush); the root hints stay. */
void resolver_flush(resolver_t *self);
/* Requests in progress, and the outstanding upstream queries. */
size_t resolver_requests(const resolver_t *self);
const dnsq_table_t *resolver_queries(const resolver_t *self);

#endif
