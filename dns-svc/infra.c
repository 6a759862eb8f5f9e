/*
 * infra.c -- per-server RTT state (see infra.h).
 *
 * Call chain: infra_rto / infra_sample / infra_backoff -> infra_get (the
 * slot of the address: found, a free one, or the least recently used).
 */
#include "dns-svc/infra.h"

#include <string.h>

void infra_init(infra_t *t, uint64_t rto_initial, uint64_t rto_min, uint64_t rto_max)
{
    memset(t, 0, sizeof *t);
    t->rto_initial = rto_initial;
    t->rto_min = rto_min;
    t->rto_max = rto_max;
}

infra_srv_t *infra_get(infra_t *t, uint32_t addr, uint64_t now)
{
    /* a free slot (rto 0) first, else the least recently used: `used` is
     * a clock value and may be 0 for a server measured at time 0 */
    infra_srv_t *victim = NULL;
    for (int i = 0; i < INFRA_MAX; i++) {
        infra_srv_t *s = &t->srv[i];
        if (s->addr == addr && s->rto)
            return s;
        if (!victim || (victim->rto && (!s->rto || s->used < victim->used)))
            victim = s;
    }
    *victim = (infra_srv_t){.addr = addr, .rto = t->rto_initial ? t->rto_initial : 1, .used = now};
    return victim;
}

uint64_t infra_rto(infra_t *t, uint32_t addr, uint64_t now) { return infra_get(t, addr, now)->rto; }

void infra_sample(infra_t *t, uint32_t addr, uint64_t rtt, uint64_t now)
{
    infra_srv_t *s = infra_get(t, addr, now);
    if (!s->measured) { /* RFC 6298 2.2 */
        s->srtt = rtt;
        s->rttvar = rtt / 2;
        s->measured = true;
    } else { /* RFC 6298 2.3, alpha 1/8, beta 1/4 */
        uint64_t d = s->srtt > rtt ? s->srtt - rtt : rtt - s->srtt;
        s->rttvar = (3 * s->rttvar + d) / 4;
        s->srtt = (7 * s->srtt + rtt) / 8;
    }
    s->rto = s->srtt + 4 * s->rttvar;
    if (s->rto < t->rto_min)
        s->rto = t->rto_min;
    if (s->rto > t->rto_max)
        s->rto = t->rto_max;
    if (!s->rto)
        s->rto = 1; /* 0 marks a free slot */
    s->used = now;
}

void infra_backoff(infra_t *t, uint32_t addr, uint64_t now)
{
    infra_srv_t *s = infra_get(t, addr, now);
    s->rto = s->rto * 2 > t->rto_max ? t->rto_max : s->rto * 2; /* RFC 6298 5.5 */
    if (!s->rto)
        s->rto = 1;
}
