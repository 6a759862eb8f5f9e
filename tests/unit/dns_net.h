/*
 * dns_net.h -- a fake internet for tests/unit/test_resolver.c: a recursive
 * resolver (dns-svc/resolver.c) whose io.send goes to in-test authoritative
 * servers. Each server address serves a set of zones; a query is parsed
 * with dns_parse, answered with auth_answer (REFUSED when none of its
 * zones covers the name), encoded with dns_emit as a real server would
 * (TCP: no limit; UDP: min(EDNS size, 1232), at least 512, or 512 without
 * EDNS) and queued for delivery through resolver_response from server:53
 * after the server's delay. A server can be dead (never answers) or
 * unreachable (send fails); a given send can be dropped. The clock is
 * fake: time moves only in fnet_run, from one deadline to the next.
 */
#ifndef LS_DNS_NET_H
#define LS_DNS_NET_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/bytes.h"
#include "runtime/counters.h"
#include "dns-svc/resolver.h"
#include "dns-svc/zone.h"
#include "wire/dns.h"
#include "runtime/log.h"

#define FNET_SEC 1000000000ull
#define FNET_MS 1000000ull
#define FNET_ROOT LS_IP4(203, 0, 113, 10)
#define FNET_TLD LS_IP4(203, 0, 113, 20)
#define FNET_AUTH LS_IP4(203, 0, 113, 30)
#define FNET_HOSTB LS_IP4(198, 51, 100, 10)

#define FNET_MAX_SRV 16
#define FNET_MAX_ZONES 16
#define FNET_MAX_SENT 256
#define FNET_MAX_PEND 64
#define FNET_MAX_DONE 16

typedef struct {
    uint32_t addr;
    const zone_t *zones[8];
    size_t nzones;
    bool dead;          /* receives, never answers */
    bool unreachable;   /* io.send fails */
    uint64_t delay;     /* answer after this long */
} fnet_srv_t;

/* One query the resolver sent. */
typedef struct {
    uint32_t handle, server;
    uint16_t sport, id;
    bool tcp, rd, edns;
    uint16_t edns_size;
    dns_name_t qname;
    uint16_t qtype, qclass;
    uint64_t at;
    uint8_t bytes[512];
    size_t len;
} fnet_sent_t;

typedef struct {
    uint32_t handle, from;
    uint8_t *msg;
    size_t len;
    uint64_t at, pdu;
} fnet_pend_t;

/* One client answer (io.done), copied. */
typedef struct {
    uint64_t token;
    dns_msg_t *resp;
    bool servfail;      /* why was set */
    char why[512];
    uint64_t pdu, at;
} fnet_done_t;

typedef struct {
    resolver_t *r;
    ls_counters_t *ctr;
    ls_log_t *log;
    uint64_t now;
    zone_t *hints;
    zone_t *owned[FNET_MAX_ZONES];
    size_t nowned;
    fnet_srv_t srv[FNET_MAX_SRV];
    size_t nsrv;
    fnet_sent_t sent[FNET_MAX_SENT];
    size_t nsent;
    fnet_pend_t pend[FNET_MAX_PEND];
    size_t npend;
    uint32_t cancelled[FNET_MAX_SENT];
    size_t ncancel;
    fnet_done_t done[FNET_MAX_DONE];
    size_t ndone;
    size_t drop_nth;    /* 1-based index of a send whose answer is lost; 0: none */
    bool hold;          /* queue no answers: the test feeds resolver_response itself */
    uint64_t next_pdu;
    dns_msg_t *q, *resp;
    uint8_t buf[DNS_TCP_MAX];
} fnet_t;

/* An empty net starting at `now`, with the shipped root hints. */
fnet_t *fnet_new(uint64_t now);
void fnet_free(fnet_t **self_p);
/* The default topology: root .10, test .20, example.test and
 * in-addr.arpa .30, lab.example.test 198.51.100.10 (shipped zone files). */
void fnet_default(fnet_t *self);
/* A zone from text (kept until fnet_free); a server serving zones. */
const zone_t *fnet_zone(fnet_t *self, const char *text);
fnet_srv_t *fnet_server(fnet_t *self, uint32_t addr, const zone_t *z1, const zone_t *z2);
fnet_srv_t *fnet_find(fnet_t *self, uint32_t addr);
/* Start the resolver (cfg NULL: defaults) with the hints and io. */
void fnet_start(fnet_t *self, const resolver_cfg_t *cfg);
/* resolver_resolve at self->now. */
int fnet_resolve(fnet_t *self, const char *name, uint16_t type, uint64_t token);
/* Deliver every answer due by now (and those they cause). */
void fnet_pump(fnet_t *self);
/* Pump, then jump the clock to the next answer or resolver deadline and
 * poll, until nothing is in progress or the clock would pass `until`. */
void fnet_run(fnet_t *self, uint64_t until);
/* Resolve and run until done: the answer (fails the test if none). */
const fnet_done_t *fnet_ask(fnet_t *self, const char *name, uint16_t type);
/* The genuine answer to sent[i] as its server would give it (UDP or TCP
 * limit as sent). Bytes in buf; the length. */
size_t fnet_answer(fnet_t *self, size_t i, uint8_t *buf, size_t cap);
/* Was handle cancelled (io.cancel)? */
bool fnet_cancelled(const fnet_t *self, uint32_t handle);
uint64_t fnet_ctr(const fnet_t *self, const char *name);

/* ---- for the resolver suite (test_resolver.c, resolver_cases_fail.c) ---- */
TCase *resolver_fail_tcase(void);
/* fnet_default + fnet_start. */
fnet_t *fnet_std(uint64_t now, const resolver_cfg_t *cfg);
/* Record i of section sec is name/type/ttl, RDATA text rd (NULL: not checked). */
void fnet_rr(const dns_msg_t *m, dns_section_t sec, size_t i, const char *name, uint16_t type, uint32_t ttl,
             const char *rd);
void fnet_counts(const dns_msg_t *m, size_t an, size_t ns);
/* The servers of sent[from..] are exactly the n addresses (uint32_t) given. */
void fnet_asked(const fnet_t *f, size_t from, size_t n, ...);
/* An answer with this rcode, or a SERVFAIL whose why holds why_part (NULL: any). */
void fnet_ok(const fnet_done_t *d, uint16_t rcode);
void fnet_servfail(const fnet_done_t *d, const char *why_part);
/* Nothing left behind: no request, no outstanding query, every query's socket freed. */
void fnet_idle(const fnet_t *f);
/* A root that delegates test. to FNET_TLD2 (ns.nic.test., glue): the tests add test. zones. */
#define FNET_TLD2 LS_IP4(192, 0, 2, 53)
extern const char fnet_root_tld2[];

#endif
