/*
 * infra.h -- what a resolver has learnt about each server address it asks
 * (Unbound's services/cache/infra.c in miniature): an RTT estimator per
 * address in the style of RFC 6298 2 (SRTT, RTTVAR, RTO = SRTT + 4 RTTVAR
 * clamped to [min, max]), doubled on each timeout (RFC 6298 5.5), in a
 * fixed table whose least recently used slot is reused. Pure: no
 * allocation, time comes in as `now`.
 *
 * Call chain: resolver.c s_targets (the server with the lowest RTO first)
 * and s_send (its RTO is the query's timeout) -> infra_rto;
 * resolver_response -> infra_sample; resolver_poll (a timeout) ->
 * infra_backoff.
 */
#ifndef LS_INFRA_H
#define LS_INFRA_H

#include <stdbool.h>
#include <stdint.h>

#define INFRA_MAX 64 /* server addresses with RTT state */

typedef struct {
    uint32_t addr;
    bool measured;
    uint64_t srtt, rttvar, rto; /* ns; rto 0: a free slot */
    uint64_t used;              /* when last created or sampled */
} infra_srv_t;

typedef struct {
    infra_srv_t srv[INFRA_MAX];
    uint64_t rto_initial, rto_min, rto_max;
} infra_t;

void infra_init(infra_t *t, uint64_t rto_initial, uint64_t rto_min, uint64_t rto_max);
/* The state of addr, created (RTO rto_initial) if unknown. */
infra_srv_t *infra_get(infra_t *t, uint32_t addr, uint64_t now);
uint64_t infra_rto(infra_t *t, uint32_t addr, uint64_t now);
/* An answer came after rtt ns. */
void infra_sample(infra_t *t, uint32_t addr, uint64_t rtt, uint64_t now);
/* A query timed out: the RTO doubles, up to rto_max. */
void infra_backoff(infra_t *t, uint32_t addr, uint64_t now);

#endif
