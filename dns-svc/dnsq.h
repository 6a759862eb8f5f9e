/*
 * dnsq.h -- the queries a DNS client (the stub, the recursive resolver)
 * has sent and not yet seen answered, and the checks an answer must pass
 * to be taken as the answer to one of them (RFC 5452 4: ID, question,
 * server address and port must all match; ID and source port are random).
 * Pure: ids and ports come from a seeded generator (splitmix64), so a
 * lesson replays with the same ids and ports; time comes in as `now`.
 *
 * Call chain: resolver.c / stub.c -> dnsq_add (id, port) before sending,
 * dnsq_match on every message that arrives on the query's socket,
 * dnsq_remove when the query is answered, abandoned or timed out.
 */
#ifndef LS_DNSQ_H
#define LS_DNSQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/counters.h"
#include "wire/dns.h"
#include "runtime/log.h"

typedef struct {
    uint32_t handle;        /* nonzero while in use */
    uint16_t id;
    dns_name_t qname;
    uint16_t qtype, qclass;
    uint32_t server;        /* host-order IPv4 */
    uint16_t server_port;   /* 53 */
    uint16_t local_port;    /* UDP source port (0 for TCP: the connection is the socket) */
    bool tcp;
    uint64_t sent_at, deadline;
    int owner;              /* the caller's request index */
} dnsq_t;

/* Why an arriving message is not the answer to the query on its socket. */
typedef enum {
    DNSQ_MATCH = 0,
    DNSQ_NO_QUERY,      /* nothing outstanding under that handle (late, or never asked) */
    DNSQ_MALFORMED,     /* it does not parse */
    DNSQ_NOT_RESPONSE,  /* QR = 0 */
    DNSQ_BAD_ADDR,      /* not from the server asked */
    DNSQ_BAD_PORT,      /* not from port 53 */
    DNSQ_BAD_ID,        /* another query id */
    DNSQ_BAD_QUESTION,  /* another question (name, type or class) */
    DNSQ_NVERDICT,
} dnsq_verdict_t;

const char *dnsq_verdict_str(int v);     /* "id mismatch", ... */
const char *dnsq_verdict_counter(int v); /* "id_mismatch", ... */

typedef struct dnsq_table dnsq_table_t;

/* max: queries outstanding at once; ports drawn from [port_lo, port_hi]. */
dnsq_table_t *dnsq_table_new(size_t max, uint64_t seed, uint16_t port_lo, uint16_t port_hi);
void dnsq_table_destroy(dnsq_table_t **self_p);
/* A new outstanding query with a random id and (UDP) a random source port
 * not used by another outstanding query. NULL when the table is full, or
 * (UDP) when every port of the range is in use. */
dnsq_t *dnsq_add(dnsq_table_t *self, const dns_name_t *qname, uint16_t qtype, uint16_t qclass, uint32_t server,
                 bool tcp, int owner, uint64_t now, uint64_t deadline);
dnsq_t *dnsq_get(dnsq_table_t *self, uint32_t handle);
void dnsq_remove(dnsq_table_t *self, uint32_t handle);
/* Check msg (len bytes, from from:from_port, arriving on q's socket)
 * against the query with this handle; *m is parsed when the verdict is
 * DNSQ_MATCH or a mismatch of a well-formed response. */
dnsq_verdict_t dnsq_match(dnsq_table_t *self, uint32_t handle, uint32_t from, uint16_t from_port, const uint8_t *msg,
                          size_t len, dns_msg_t *m);
/* dnsq_match; on DNSQ_MATCH the query is also copied to *taken and
 * removed from the table (the caller still releases its socket). */
dnsq_verdict_t dnsq_take(dnsq_table_t *self, uint32_t handle, uint32_t from, uint16_t from_port, const uint8_t *msg,
                         size_t len, dns_msg_t *m, dnsq_t *taken);
/* The drop of an answer that failed the checks: counter "<prefix>.drop.<reason>"
 * and one log line saying what gave it away (the ids, the addresses). q may
 * be NULL (no query outstanding), m is what dnsq_match parsed. */
void dnsq_reject(ls_log_t *log, ls_counters_t *ctr, const char *prefix, dnsq_verdict_t v, const dnsq_t *q,
                 const dns_msg_t *m, uint32_t from, uint16_t from_port, uint64_t pdu, uint64_t now);
/* Earliest deadline of an outstanding query (UINT64_MAX if none) and the
 * queries whose deadline has passed (one at a time: NULL when none). */
uint64_t dnsq_next_deadline(const dnsq_table_t *self);
dnsq_t *dnsq_expired(dnsq_table_t *self, uint64_t now);
void dnsq_foreach(const dnsq_table_t *self, void (*fn)(const dnsq_t *q, void *arg), void *arg);
size_t dnsq_count(const dnsq_table_t *self);
/* The generator itself, for other draws that must replay (server choice ties). */
uint64_t dnsq_random(dnsq_table_t *self);

#endif
