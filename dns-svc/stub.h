/*
 * stub.h -- the stub resolver every host with a dns layer runs, in the
 * notes' order: the hosts file, then the stub's own cache, then the
 * configured nameservers (resolv.conf semantics: `nameserver` x3,
 * `search`, `options ndots timeout attempts`), asking them with RD=1 and
 * taking their (recursive) answer. Pure: queries leave through io.send,
 * answers come in through stub_response, time as `now`.
 *
 * Call chain: dsvc.c (an app's ctl "resolve NAME TYPE": the socket
 * library's getaddrinfo) -> stub_resolve -> s_hosts | cache
 * (dns_cache_chain) | s_ask -> io.send; dsvc.c (DATA on that query's
 * socket) -> stub_response -> dnsq_match -> s_answer (cache it; NXDOMAIN
 * moves to the next search name) -> io.done; stub_poll -> timeouts ->
 * next server, next attempt (RFC 1536 1: retransmit across servers).
 */
#ifndef LS_STUB_H
#define LS_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/counters.h"
#include "dns-svc/cache.h"
#include "dns-svc/dnsq.h"
#include "wire/dns.h"
#include "runtime/log.h"

#define STUB_MAXNS 3       /* resolv.conf MAXNS */
#define STUB_MAXDNSRCH 6   /* resolv.conf MAXDNSRCH */

typedef struct {
    uint32_t ns[STUB_MAXNS];
    size_t nns;
    dns_name_t search[STUB_MAXDNSRCH];
    size_t nsearch;
    int ndots;                 /* names with fewer dots try the search list first (1) */
    uint64_t timeout_ns;       /* per try (5 s, glibc's RES_TIMEOUT) */
    int attempts;              /* rounds over the servers (2) */
    size_t cache_max;          /* 1000 */
    uint32_t max_cname;        /* 8 */
    uint32_t max_requests;     /* 64 */
    uint16_t edns_size;        /* 1232 */
    uint16_t port_lo, port_hi;
    uint64_t seed;
} stub_cfg_t;

stub_cfg_t stub_cfg_default(void);

/* Where an answer came from. */
typedef enum { STUB_SRC_HOSTS = 0, STUB_SRC_CACHE, STUB_SRC_SERVER, STUB_SRC_NONE } stub_src_t;

typedef struct {
    uint16_t rcode;            /* NOERROR (possibly no data), NXDOMAIN, SERVFAIL */
    bool timed_out;            /* no server answered (rcode SERVFAIL) */
    stub_src_t src;
    uint32_t server;           /* STUB_SRC_SERVER: who answered */
    dns_name_t name;           /* the name that was answered (after the search list) */
    const dns_msg_t *msg;      /* answer (CNAMEs, then the RRset) and authority (SOA of a negative) */
    const char *why;           /* one line for an error, else NULL */
} stub_result_t;

typedef struct {
    void *ctx;
    int (*send)(void *ctx, uint32_t handle, uint32_t server, uint16_t sport, bool tcp, const uint8_t *msg,
                size_t len, uint64_t parent);
    void (*cancel)(void *ctx, uint32_t handle);
    void (*done)(void *ctx, uint64_t token, const stub_result_t *res, uint64_t parent);
    ls_log_t *log;
    ls_counters_t *counters;
} stub_io_t;

typedef struct stub stub_t;

stub_t *stub_new(const stub_cfg_t *cfg, const stub_io_t *io);
void stub_destroy(stub_t **self_p);
/* hosts(5) text ("198.51.100.10 hostb www" per line, '#' comments): the
 * entries are added (first address of a name wins, like glibc). Returns
 * the number of names added. */
size_t stub_hosts_load(stub_t *self, const char *text);
/* The hosts-file address of name (case-insensitive, a final dot ignored): 0 / -1. */
int stub_hosts_lookup(const stub_t *self, const char *name, uint32_t *addr);

/* Resolve name (presentation form) for type (A, AAAA, MX, PTR, ...). io.done
 * may be called before this returns. 0, -1 (too many requests / bad name:
 * io.done is called with an error either way). */
int stub_resolve(stub_t *self, const char *name, uint16_t qtype, uint64_t token, uint64_t parent, uint64_t now);
void stub_response(stub_t *self, uint32_t handle, uint32_t from, uint16_t from_port, const uint8_t *msg, size_t len,
                   uint64_t pdu, uint64_t now);
void stub_failed(stub_t *self, uint32_t handle, int err, uint64_t now);
uint64_t stub_next_deadline(const stub_t *self);
void stub_poll(stub_t *self, uint64_t now);

dns_cache_t *stub_cache(stub_t *self);
const stub_cfg_t *stub_cfg(const stub_t *self);
const char *stub_src_str(stub_src_t src);

#endif
