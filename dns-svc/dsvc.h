/*
 * dsvc.h -- dns-svc's core: the DNS layer of one host, between its
 * transport-svc (the dns:transport pipe: SockOp down, SockEvent up) and
 * the applications (ctl "resolve", the socket library's getaddrinfo).
 * One process, the roles its configuration gives it:
 *   stub          every host: hosts file -> own cache -> nameservers (stub.h)
 *   recursive     answers RD=1 queries on port 53 by iterating (resolver.h)
 *   authoritative answers from its zones on port 53 (auth.h, zone.h)
 *
 * Pure with respect to I/O and time: envelopes to transport-svc and
 * deferred ctl replies leave through dsvc_io_t; time comes in as now. So
 * tests/unit/test_dsvc.c can run it against a fake transport.
 *
 * Call chain: dns-svc/main.c ->
 *   pipe rx   -> dsvc_transport_rx (SockEvent: OPENED, DATA, CONNECTED,
 *                ACCEPTED, CLOSED, ERROR; HELLO) -> demux by socket id:
 *                port 53 (dsvc_server.c) | a query's own socket (stub or
 *                resolver: their dnsq_match decides)
 *   ctl       -> dsvc_ctl ("resolve", "table cache|pending|zones", "flush")
 *   loop      -> dsvc_next_deadline / dsvc_poll
 */
#ifndef LS_DSVC_H
#define LS_DSVC_H

#include <stdbool.h>
#include <stdint.h>

#include "dns-svc/resolver.h"
#include "dns-svc/stub.h"
#include "dns-svc/zone.h"
#include "runtime/log.h"
#include "runtime/svc.h"

typedef struct dsvc dsvc_t;

typedef struct {
    void *ctx;
    /* An envelope for transport-svc (SockOp, HELLO). 0 / -1. */
    int (*transport_send)(void *ctx, Ls__Envelope *env);
    /* A deferred reply to an application's request. */
    int (*reply)(void *ctx, const ls_ctl_peer_t *peer, ls_ctl_reply_t *rep);
    uint64_t (*new_pdu_id)(void *ctx);  /* may be NULL: ids 0 */
    /* Called once, when the layer can do its work: transport-svc answered
     * and, for a server, port 53 is open (UDP and TCP). May be NULL. */
    void (*ready)(void *ctx);
    ls_log_t *log;                      /* may be NULL */
    ls_counters_t *counters;            /* required */
} dsvc_io_t;

typedef struct {
    const char *host;              /* for log lines and HELLO */
    uint32_t addr;                 /* the host's first address (answers' source) */
    stub_cfg_t stub;
    bool recursive;
    resolver_cfg_t resolver;
    const zone_t *hints;           /* borrowed; required when recursive */
    const zone_t *const *zones;    /* borrowed; the authoritative role when nzones > 0 */
    size_t nzones;
    const char *hosts_text;        /* hosts(5) lines for the stub; borrowed, may be NULL */
    uint64_t tcp_idle_ns;          /* a server-side TCP connection idle this long is closed (10 s) */
    uint64_t hello_ns;             /* HELLO to transport-svc this often, to notice its restarts (2 s) */
} dsvc_cfg_t;

dsvc_cfg_t dsvc_cfg_default(void);

/* Fill the stub, resolver and role settings from the topology's dns:
 * block and settings (dns_cache_size, dns_max_depth, dns_seed, ...).
 * Zones and hints are loaded by the caller. */
void dsvc_cfg_from_svc(dsvc_cfg_t *cfg, ls_svc_t *svc);

dsvc_t *dsvc_new(const dsvc_cfg_t *cfg, const dsvc_io_t *io, uint64_t now);
void dsvc_destroy(dsvc_t **self_p);

/* One envelope from transport-svc. */
void dsvc_transport_rx(dsvc_t *self, const Ls__Envelope *env, uint64_t now);
/* A ctl request: 0 reply now, 1 later (io.reply), -1 not ours. */
int dsvc_ctl(dsvc_t *self, const Ls__CtlRequest *req, ls_ctl_reply_t *rep, const ls_ctl_peer_t *peer, uint64_t now);

uint64_t dsvc_next_deadline(const dsvc_t *self);
void dsvc_poll(dsvc_t *self, uint64_t now);

stub_t *dsvc_stub(dsvc_t *self);
resolver_t *dsvc_resolver(dsvc_t *self);   /* NULL without the recursive role */

#endif
