/*
 * test_arp_cache.c -- the ARP neighbour cache (link-svc/arp_cache.c) on a fake
 * clock: RFC 826 merge rule, resolution queue (FIFO flush, overflow drops the
 * oldest), request retransmission and give-up, REACHABLE -> STALE -> deleted.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "wire/bytes.h"
#include "link-svc/arp_cache.h"

#define SEC 1000000000ull
#define IP_GW LS_IP4(192, 0, 2, 1)
#define IP_B LS_IP4(192, 0, 2, 20)
#define IP_C LS_IP4(192, 0, 2, 30)

static const uint8_t mac_gw[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t mac_gw2[6] = {0x02, 0, 0, 0, 0, 0x11};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x14};

typedef struct {
    uint32_t ip;
    uint8_t mac[6];
    uint8_t pdu[64];
    size_t len;
    uint64_t id;
    uint64_t parents[4];
    size_t np;
} rec_t;

typedef struct {
    uint32_t req_ip[32];
    uint64_t req_t[32];
    size_t nreq;
    rec_t flushed[32];
    size_t nflushed;
    rec_t failed[32];
    size_t nfailed;
    uint64_t now;            /* the fake clock */
    arp_cache_t *reenter;    /* if set, resolve_failed queues a new datagram */
} fx_t;

static void s_rec(rec_t *r, uint32_t ip, const uint8_t *mac, const uint8_t *pdu, size_t len,
                  uint64_t id, const uint64_t *parents, size_t np)
{
    r->ip = ip;
    if (mac)
        memcpy(r->mac, mac, 6);
    ck_assert_uint_le(len, sizeof r->pdu);
    memcpy(r->pdu, pdu, len);
    r->len = len;
    r->id = id;
    ck_assert_uint_le(np, 4);
    if (np)
        memcpy(r->parents, parents, np * sizeof *parents);
    r->np = np;
}

static void cb_req(void *ctx, uint32_t ip)
{
    fx_t *f = ctx;
    ck_assert_uint_lt(f->nreq, 32);
    f->req_t[f->nreq] = f->now;
    f->req_ip[f->nreq++] = ip;
}

static void cb_flush(void *ctx, uint32_t ip, const uint8_t mac[6], const uint8_t *pdu, size_t len,
                     uint64_t id, const uint64_t *parents, size_t np)
{
    fx_t *f = ctx;
    ck_assert_uint_lt(f->nflushed, 32);
    s_rec(&f->flushed[f->nflushed++], ip, mac, pdu, len, id, parents, np);
}

static void cb_failed(void *ctx, uint32_t ip, const uint8_t *pdu, size_t len, uint64_t id,
                      const uint64_t *parents, size_t np)
{
    fx_t *f = ctx;
    ck_assert_uint_lt(f->nfailed, 32);
    s_rec(&f->failed[f->nfailed++], ip, NULL, pdu, len, id, parents, np);
    if (f->reenter) {
        const uint8_t again[2] = {0xab, 0xcd};
        ck_assert_int_eq(arp_cache_resolve(f->reenter, ip, f->now, again, 2, 999, NULL, 0), 0);
    }
}

static const arp_cache_cb_t cbs = {cb_req, cb_flush, cb_failed};

static arp_cache_t *s_new(fx_t *f, ls_counters_t *reg, const arp_cache_cfg_t *cfg)
{
    memset(f, 0, sizeof *f);
    arp_cache_t *c = arp_cache_new(cfg, &cbs, f, reg, NULL, "eth0");
    ck_assert_ptr_nonnull(c);
    return c;
}

/* Queue datagram number i: 8 bytes {i, i+1, ...}, id 100+i, one parent 200+i. */
static int s_send(arp_cache_t *c, fx_t *f, uint32_t ip, uint8_t i)
{
    uint8_t d[8];
    for (int k = 0; k < 8; k++)
        d[k] = (uint8_t)(i + k);
    uint64_t parent = 200u + i;
    return arp_cache_resolve(c, ip, f->now, d, sizeof d, 100u + i, &parent, 1);
}

static void s_assert_dgram(const rec_t *r, uint32_t ip, uint8_t i)
{
    ck_assert_uint_eq(r->ip, ip);
    ck_assert_uint_eq(r->len, 8);
    for (int k = 0; k < 8; k++)
        ck_assert_uint_eq(r->pdu[k], (uint8_t)(i + k));
    ck_assert_uint_eq(r->id, 100u + i);
    ck_assert_uint_eq(r->np, 1);
    ck_assert_uint_eq(r->parents[0], 200u + i);
}

typedef struct {
    arp_cache_info_t v[8];
    size_t n;
} dump_t;

static void s_visit(const arp_cache_info_t *i, void *arg)
{
    dump_t *d = arg;
    if (d->n < 8)
        d->v[d->n++] = *i;
}

static arp_cache_state_t s_state(arp_cache_t *c, uint64_t now, uint32_t ip)
{
    dump_t d = {0};
    arp_cache_foreach(c, now, s_visit, &d);
    for (size_t k = 0; k < d.n; k++)
        if (d.v[k].ip == ip)
            return d.v[k].state;
    return (arp_cache_state_t)-1;
}

START_TEST(test_defaults)
{
    arp_cache_cfg_t d = arp_cache_cfg_default();
    ck_assert_uint_eq(d.timeout_ns, 20 * 60 * SEC);
    ck_assert_uint_eq(d.reachable_ns, 30 * SEC);
    ck_assert_uint_eq(d.retry_ns, 1 * SEC);
    ck_assert_uint_eq(d.max_retries, 3);
    ck_assert_uint_eq(d.max_pending_per_entry, 16);
    ck_assert_uint_eq(d.max_entries, 1024);
    ck_assert_str_eq(arp_cache_state_str(ARP_CACHE_STALE), "STALE");
    ck_assert_str_eq(arp_cache_state_str(ARP_CACHE_INCOMPLETE), "INCOMPLETE");
    ck_assert_str_eq(arp_cache_state_str(9), "?");
    /* private registry when none is given */
    fx_t f;
    arp_cache_t *c = s_new(&f, NULL, NULL);
    ck_assert_ptr_nonnull(arp_cache_counters(c));
    ck_assert_uint_eq(arp_cache_next_deadline(c), UINT64_MAX);
    arp_cache_destroy(&c);
    ck_assert_ptr_null(c);
    arp_cache_destroy(&c); /* idempotent */
}
END_TEST

START_TEST(test_resolve_then_update_flushes_fifo)
{
    fx_t f;
    ls_counters_t *reg = ls_counters_new();
    arp_cache_t *c = s_new(&f, reg, NULL);
    f.now = 5 * SEC;
    ck_assert_int_eq(s_send(c, &f, IP_GW, 1), 0);
    ck_assert_uint_eq(f.nreq, 1); /* a request goes out at once for a new entry */
    ck_assert_uint_eq(f.req_ip[0], IP_GW);
    ck_assert_int_eq(s_send(c, &f, IP_GW, 2), 0);
    ck_assert_int_eq(s_send(c, &f, IP_GW, 3), 0);
    ck_assert_uint_eq(f.nreq, 1); /* no new request while INCOMPLETE */
    ck_assert_uint_eq(f.nflushed, 0);
    uint8_t mac[6];
    ck_assert_int_eq(arp_cache_lookup(c, IP_GW, f.now, mac), -1);
    ck_assert_int_eq(s_state(c, f.now, IP_GW), ARP_CACHE_INCOMPLETE);
    ck_assert_uint_eq(arp_cache_next_deadline(c), 6 * SEC);
    /* the reply: the entry exists, so it merges even with create = 0 */
    f.now += SEC / 2;
    ck_assert_int_eq(arp_cache_update(c, IP_GW, mac_gw, f.now, 0), 0);
    ck_assert_uint_eq(f.nflushed, 3);
    for (int i = 0; i < 3; i++) {
        s_assert_dgram(&f.flushed[i], IP_GW, (uint8_t)(i + 1));
        ck_assert_mem_eq(f.flushed[i].mac, mac_gw, 6);
    }
    ck_assert_int_eq(arp_cache_lookup(c, IP_GW, f.now, mac), 0);
    ck_assert_mem_eq(mac, mac_gw, 6);
    ck_assert_int_eq(s_state(c, f.now, IP_GW), ARP_CACHE_REACHABLE);
    /* resolved: the next datagram is flushed immediately, no request */
    ck_assert_int_eq(s_send(c, &f, IP_GW, 4), 0);
    ck_assert_uint_eq(f.nflushed, 4);
    s_assert_dgram(&f.flushed[3], IP_GW, 4);
    ck_assert_uint_eq(f.nreq, 1);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.cache.resolved"), 1);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.pending.flushed"), 3);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.pending.queued"), 3);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.request.sent"), 1);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.cache.insert"), 1);
    arp_cache_destroy(&c);
    ls_counters_destroy(&reg);
}
END_TEST

START_TEST(test_retries_then_give_up)
{
    fx_t f;
    ls_counters_t *reg = ls_counters_new();
    arp_cache_t *c = s_new(&f, reg, NULL);
    uint64_t t0 = 100 * SEC;
    f.now = t0;
    ck_assert_int_eq(s_send(c, &f, IP_B, 1), 0);
    ck_assert_int_eq(s_send(c, &f, IP_B, 2), 0);
    f.now = t0 + SEC / 2;
    arp_cache_poll(c, f.now);
    ck_assert_uint_eq(f.nreq, 1); /* not yet */
    /* RFC 1122 2.3.2.1: one retransmission per second */
    for (unsigned k = 1; k <= 3; k++) {
        ck_assert_uint_eq(arp_cache_next_deadline(c), t0 + k * SEC);
        f.now = t0 + k * SEC;
        arp_cache_poll(c, f.now);
        ck_assert_uint_eq(f.nreq, k + 1);
        ck_assert_uint_eq(f.req_ip[k], IP_B);
        ck_assert_uint_eq(f.req_t[k], t0 + k * SEC);
        arp_cache_poll(c, f.now); /* polling twice at the same time sends nothing more */
        ck_assert_uint_eq(f.nreq, k + 1);
        if (k == 2)
            ck_assert_int_eq(s_send(c, &f, IP_B, 3), 0); /* joins the queue */
    }
    ck_assert_uint_eq(f.nfailed, 0);
    ck_assert_uint_eq(arp_cache_next_deadline(c), t0 + 4 * SEC);
    f.now = t0 + 4 * SEC - 1;
    arp_cache_poll(c, f.now);
    ck_assert_uint_eq(f.nfailed, 0);
    f.now = t0 + 4 * SEC;
    arp_cache_poll(c, f.now);
    ck_assert_uint_eq(f.nreq, 4); /* no request at give-up */
    ck_assert_uint_eq(f.nfailed, 3);
    for (int i = 0; i < 3; i++)
        s_assert_dgram(&f.failed[i], IP_B, (uint8_t)(i + 1)); /* handed back in order */
    ck_assert_uint_eq(f.nflushed, 0);
    ck_assert_uint_eq(arp_cache_size(c), 0);
    ck_assert_uint_eq(arp_cache_next_deadline(c), UINT64_MAX);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.request.retry"), 3);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.cache.resolve_failed"), 1);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.pending.failed"), 3);
    /* a late reply for a given-up address is not cached unless we are the target */
    ck_assert_int_eq(arp_cache_update(c, IP_B, mac_b, f.now, 0), -1);
    ck_assert_uint_eq(arp_cache_size(c), 0);
    /* a new datagram starts over with a fresh request */
    ck_assert_int_eq(s_send(c, &f, IP_B, 9), 0);
    ck_assert_uint_eq(f.nreq, 5);
    arp_cache_destroy(&c);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.drop.shutdown"), 1);
    ls_counters_destroy(&reg);
}
END_TEST

START_TEST(test_give_up_callback_reenters)
{
    fx_t f;
    ls_counters_t *reg = ls_counters_new();
    arp_cache_cfg_t cfg = arp_cache_cfg_default();
    cfg.max_retries = 0; /* one request, give up after retry_ns */
    arp_cache_t *c = s_new(&f, reg, &cfg);
    f.reenter = c;
    ck_assert_int_eq(s_send(c, &f, IP_C, 1), 0);
    f.now = SEC;
    arp_cache_poll(c, f.now);
    ck_assert_uint_eq(f.nfailed, 1);
    s_assert_dgram(&f.failed[0], IP_C, 1);
    /* the callback queued again: a fresh INCOMPLETE entry and a new request */
    ck_assert_uint_eq(f.nreq, 2);
    ck_assert_uint_eq(arp_cache_size(c), 1);
    ck_assert_int_eq(s_state(c, f.now, IP_C), ARP_CACHE_INCOMPLETE);
    f.reenter = NULL;
    ck_assert_int_eq(arp_cache_update(c, IP_C, mac_b, f.now, 0), 0);
    ck_assert_uint_eq(f.nflushed, 1);
    ck_assert_uint_eq(f.flushed[0].id, 999);
    ck_assert_uint_eq(f.flushed[0].pdu[0], 0xab);
    arp_cache_destroy(&c);
    ls_counters_destroy(&reg);
}
END_TEST

START_TEST(test_pending_overflow_drops_oldest)
{
    fx_t f;
    ls_counters_t *reg = ls_counters_new();
    arp_cache_cfg_t cfg = arp_cache_cfg_default();
    cfg.max_pending_per_entry = 4;
    arp_cache_t *c = s_new(&f, reg, &cfg);
    for (uint8_t i = 1; i <= 6; i++)
        ck_assert_int_eq(s_send(c, &f, IP_GW, i), 0);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.drop.pending_overflow"), 2);
    dump_t d = {0};
    arp_cache_foreach(c, f.now, s_visit, &d);
    ck_assert_uint_eq(d.n, 1);
    ck_assert_uint_eq(d.v[0].npending, 4);
    ck_assert_int_eq(arp_cache_update(c, IP_GW, mac_gw, f.now, 1), 0);
    ck_assert_uint_eq(f.nflushed, 4);
    for (int i = 0; i < 4; i++)
        s_assert_dgram(&f.flushed[i], IP_GW, (uint8_t)(i + 3)); /* 1 and 2 were dropped */
    arp_cache_destroy(&c);
    ls_counters_destroy(&reg);
}
END_TEST

START_TEST(test_no_queue_at_all)
{
    fx_t f;
    ls_counters_t *reg = ls_counters_new();
    arp_cache_cfg_t cfg = arp_cache_cfg_default();
    cfg.max_pending_per_entry = 0;
    arp_cache_t *c = s_new(&f, reg, &cfg);
    ck_assert_int_eq(s_send(c, &f, IP_GW, 1), 0); /* the request still goes out */
    ck_assert_uint_eq(f.nreq, 1);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.drop.pending_overflow"), 1);
    ck_assert_int_eq(arp_cache_update(c, IP_GW, mac_gw, f.now, 0), 0);
    ck_assert_uint_eq(f.nflushed, 0);
    arp_cache_destroy(&c);
    ls_counters_destroy(&reg);
}
END_TEST

START_TEST(test_aging_reachable_stale_deleted)
{
    fx_t f;
    ls_counters_t *reg = ls_counters_new();
    arp_cache_t *c = s_new(&f, reg, NULL);
    uint64_t t0 = 7 * SEC;
    f.now = t0;
    ck_assert_int_eq(arp_cache_update(c, IP_GW, mac_gw, t0, 1), 0);
    ck_assert_int_eq(s_state(c, t0, IP_GW), ARP_CACHE_REACHABLE);
    ck_assert_uint_eq(arp_cache_next_deadline(c), t0 + 30 * SEC);
    arp_cache_poll(c, t0 + 30 * SEC - 1);
    ck_assert_int_eq(s_state(c, t0, IP_GW), ARP_CACHE_REACHABLE);
    arp_cache_poll(c, t0 + 30 * SEC);
    ck_assert_int_eq(s_state(c, t0, IP_GW), ARP_CACHE_STALE);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.cache.stale"), 1);
    /* STALE is still used for sending, without a new request */
    uint8_t mac[6];
    ck_assert_int_eq(arp_cache_lookup(c, IP_GW, t0 + 60 * SEC, mac), 0);
    ck_assert_mem_eq(mac, mac_gw, 6);
    f.now = t0 + 60 * SEC;
    ck_assert_int_eq(s_send(c, &f, IP_GW, 1), 0);
    ck_assert_uint_eq(f.nflushed, 1);
    ck_assert_uint_eq(f.nreq, 0);
    ck_assert_uint_eq(arp_cache_next_deadline(c), t0 + 20 * 60 * SEC);
    arp_cache_poll(c, t0 + 20 * 60 * SEC - 1);
    ck_assert_uint_eq(arp_cache_size(c), 1);
    dump_t d = {0};
    arp_cache_foreach(c, t0 + 20 * 60 * SEC - 1, s_visit, &d);
    ck_assert_uint_eq(d.v[0].age_ns, 20 * 60 * SEC - 1);
    arp_cache_poll(c, t0 + 20 * 60 * SEC); /* aging time from the last confirmation */
    ck_assert_uint_eq(arp_cache_size(c), 0);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.cache.expire"), 1);
    ck_assert_uint_eq(arp_cache_next_deadline(c), UINT64_MAX);
    arp_cache_destroy(&c);
    ls_counters_destroy(&reg);
}
END_TEST

START_TEST(test_confirmation_restarts_aging)
{
    fx_t f;
    ls_counters_t *reg = ls_counters_new();
    arp_cache_t *c = s_new(&f, reg, NULL);
    ck_assert_int_eq(arp_cache_update(c, IP_GW, mac_gw, 0, 1), 0);
    arp_cache_poll(c, 10 * 60 * SEC);
    ck_assert_int_eq(s_state(c, 0, IP_GW), ARP_CACHE_STALE);
    ck_assert_int_eq(arp_cache_update(c, IP_GW, mac_gw, 10 * 60 * SEC, 0), 0);
    ck_assert_int_eq(s_state(c, 0, IP_GW), ARP_CACHE_REACHABLE);
    arp_cache_poll(c, 20 * 60 * SEC);
    ck_assert_uint_eq(arp_cache_size(c), 1); /* would have expired without the update */
    ck_assert_int_eq(s_state(c, 0, IP_GW), ARP_CACHE_STALE);
    /* lookup alone applies the aging too */
    uint8_t mac[6];
    ck_assert_int_eq(arp_cache_lookup(c, IP_GW, 30 * 60 * SEC - 1, mac), 0);
    ck_assert_int_eq(arp_cache_lookup(c, IP_GW, 30 * 60 * SEC, mac), -1);
    ck_assert_uint_eq(arp_cache_size(c), 0);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.cache.expire"), 1);
    arp_cache_destroy(&c);
    ls_counters_destroy(&reg);
}
END_TEST

START_TEST(test_merge_create_only_when_target)
{
    fx_t f;
    ls_counters_t *reg = ls_counters_new();
    arp_cache_t *c = s_new(&f, reg, NULL);
    uint8_t mac[6];
    /* RFC 826: not the target and not in the table: nothing is learned */
    ck_assert_int_eq(arp_cache_update(c, IP_B, mac_b, 0, 0), -1);
    ck_assert_int_eq(arp_cache_lookup(c, IP_B, 0, mac), -1);
    ck_assert_uint_eq(arp_cache_size(c), 0);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.cache.insert"), 0);
    /* the target: inserted */
    ck_assert_int_eq(arp_cache_update(c, IP_GW, mac_gw, 0, 1), 0);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.cache.insert"), 1);
    /* in the table: merged even when not the target (e.g. gratuitous ARP) */
    ck_assert_int_eq(arp_cache_update(c, IP_GW, mac_gw2, SEC, 0), 0);
    ck_assert_int_eq(arp_cache_lookup(c, IP_GW, SEC, mac), 0);
    ck_assert_mem_eq(mac, mac_gw2, 6);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.cache.mac_change"), 1);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.cache.update"), 1);
    ck_assert_uint_eq(arp_cache_size(c), 1);
    /* RFC 1812 3.3.2: a multicast hardware address is never believed */
    const uint8_t bad[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    ck_assert_int_eq(arp_cache_update(c, IP_GW, bad, SEC, 1), -1);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.drop.bad_sha"), 1);
    ck_assert_int_eq(arp_cache_lookup(c, IP_GW, SEC, mac), 0);
    ck_assert_mem_eq(mac, mac_gw2, 6);
    /* RFC 5227 probe sender 0.0.0.0 is never cached */
    ck_assert_int_eq(arp_cache_update(c, 0, mac_b, SEC, 1), -1);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.drop.bad_spa"), 1);
    ck_assert_uint_eq(arp_cache_size(c), 1);
    arp_cache_destroy(&c);
    ls_counters_destroy(&reg);
}
END_TEST

START_TEST(test_static_and_delete)
{
    fx_t f;
    ls_counters_t *reg = ls_counters_new();
    arp_cache_t *c = s_new(&f, reg, NULL);
    ck_assert_int_eq(s_send(c, &f, IP_GW, 1), 0);
    ck_assert_int_eq(arp_cache_add_static(c, IP_GW, mac_gw, 0), 0);
    ck_assert_uint_eq(f.nflushed, 1); /* the waiter goes out */
    s_assert_dgram(&f.flushed[0], IP_GW, 1);
    ck_assert_int_eq(arp_cache_update(c, IP_GW, mac_gw2, 0, 1), -1); /* not overwritten */
    arp_cache_poll(c, 1000 * 60 * SEC);
    uint8_t mac[6];
    ck_assert_int_eq(arp_cache_lookup(c, IP_GW, 1000 * 60 * SEC, mac), 0);
    ck_assert_mem_eq(mac, mac_gw, 6);
    ck_assert_int_eq(s_state(c, 0, IP_GW), ARP_CACHE_PERMANENT);
    ck_assert_uint_eq(arp_cache_next_deadline(c), UINT64_MAX);
    /* delete: an INCOMPLETE entry's waiters are dropped and counted */
    ck_assert_int_eq(s_send(c, &f, IP_B, 1), 0);
    ck_assert_int_eq(s_send(c, &f, IP_B, 2), 0);
    ck_assert_int_eq(arp_cache_delete(c, IP_B), 0);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.drop.deleted"), 2);
    ck_assert_int_eq(arp_cache_delete(c, IP_B), -1);
    ck_assert_int_eq(arp_cache_delete(c, IP_GW), 0);
    ck_assert_uint_eq(arp_cache_size(c), 0);
    ck_assert_uint_eq(f.nfailed, 0);
    arp_cache_destroy(&c);
    ls_counters_destroy(&reg);
}
END_TEST

START_TEST(test_table_full)
{
    fx_t f;
    ls_counters_t *reg = ls_counters_new();
    arp_cache_cfg_t cfg = arp_cache_cfg_default();
    cfg.max_entries = 2;
    arp_cache_t *c = s_new(&f, reg, &cfg);
    ck_assert_int_eq(arp_cache_update(c, IP_GW, mac_gw, 0, 1), 0);
    ck_assert_int_eq(arp_cache_update(c, IP_B, mac_b, SEC, 1), 0);
    /* full: the entry confirmed longest ago is evicted */
    ck_assert_int_eq(arp_cache_update(c, IP_C, mac_b, 2 * SEC, 1), 0);
    ck_assert_uint_eq(arp_cache_size(c), 2);
    ck_assert_int_eq(arp_cache_lookup(c, IP_GW, 2 * SEC, NULL), -1);
    ck_assert_int_eq(arp_cache_lookup(c, IP_B, 2 * SEC, NULL), 0);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.cache.evict"), 1);
    arp_cache_destroy(&c);
    /* all INCOMPLETE: nothing can be evicted, the datagram is dropped */
    c = s_new(&f, reg, &cfg);
    ck_assert_int_eq(s_send(c, &f, IP_GW, 1), 0);
    ck_assert_int_eq(s_send(c, &f, IP_B, 2), 0);
    ck_assert_int_eq(s_send(c, &f, IP_C, 3), -1);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.drop.cache_full"), 1);
    ck_assert_uint_eq(f.nreq, 2);
    ck_assert_int_eq(arp_cache_resolve(c, IP_C, 0, NULL, 4, 1, NULL, 0), -1); /* bad args */
    arp_cache_destroy(&c);
    ls_counters_destroy(&reg);
}
END_TEST

START_TEST(test_foreach_dump)
{
    fx_t f;
    ls_counters_t *reg = ls_counters_new();
    arp_cache_t *c = s_new(&f, reg, NULL);
    ck_assert_int_eq(arp_cache_update(c, IP_C, mac_b, 2 * SEC, 1), 0);
    ck_assert_int_eq(arp_cache_update(c, IP_GW, mac_gw, 1 * SEC, 1), 0);
    f.now = 3 * SEC;
    ck_assert_int_eq(s_send(c, &f, IP_B, 1), 0);
    dump_t d = {0};
    arp_cache_foreach(c, 10 * SEC, s_visit, &d);
    ck_assert_uint_eq(d.n, 3);
    ck_assert_uint_eq(d.v[0].ip, IP_GW); /* ascending IP order */
    ck_assert_uint_eq(d.v[1].ip, IP_B);
    ck_assert_uint_eq(d.v[2].ip, IP_C);
    ck_assert_uint_eq(d.v[0].age_ns, 9 * SEC);
    ck_assert_mem_eq(d.v[0].mac, mac_gw, 6);
    ck_assert_int_eq(d.v[1].state, ARP_CACHE_INCOMPLETE);
    ck_assert_uint_eq(d.v[1].age_ns, 7 * SEC);
    ck_assert_uint_eq(d.v[1].npending, 1);
    ck_assert_int_eq(d.v[2].state, ARP_CACHE_REACHABLE);
    ck_assert_uint_eq(d.v[2].age_ns, 8 * SEC);
    arp_cache_destroy(&c);
    ls_counters_destroy(&reg);
}
END_TEST

START_TEST(test_with_logger)
{
    /* every log path (state, drop, warn) formatted under the sanitizers */
    ls_log_t *log = ls_log_new("hosta", "hosta-link", "/dev/null", LS_LOG_PDU);
    ck_assert_ptr_nonnull(log);
    ls_counters_t *reg = ls_counters_new();
    fx_t f;
    memset(&f, 0, sizeof f);
    arp_cache_cfg_t cfg = arp_cache_cfg_default();
    cfg.max_pending_per_entry = 1;
    cfg.max_retries = 1;
    arp_cache_t *c = arp_cache_new(&cfg, &cbs, &f, reg, log, "eth0");
    ck_assert_int_eq(s_send(c, &f, IP_GW, 1), 0);
    ck_assert_int_eq(s_send(c, &f, IP_GW, 2), 0);
    ck_assert_int_eq(s_send(c, &f, IP_B, 3), 0);
    ck_assert_int_eq(arp_cache_update(c, IP_GW, mac_gw, 0, 0), 0);
    ck_assert_int_eq(arp_cache_update(c, IP_GW, mac_gw2, 0, 0), 0);
    arp_cache_poll(c, 1 * SEC);
    ck_assert_uint_eq(f.nreq, 3);
    arp_cache_poll(c, 2 * SEC);
    ck_assert_uint_eq(f.nfailed, 1);
    arp_cache_poll(c, 40 * SEC);
    ck_assert_int_eq(s_state(c, 0, IP_GW), ARP_CACHE_STALE);
    arp_cache_poll(c, 21 * 60 * SEC);
    ck_assert_uint_eq(arp_cache_size(c), 0);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.drop.pending_overflow"), 1);
    arp_cache_destroy(&c);
    ls_counters_destroy(&reg);
    ls_log_destroy(&log);
}
END_TEST

START_TEST(test_deadline_cached)
{
    /* next_deadline is O(1). A refresh leaves it early (a lower
     * bound, never late); the poll it causes does nothing and makes it
     * exact, so the loop cannot spin. */
    fx_t f;
    ls_counters_t *reg = ls_counters_new();
    arp_cache_t *c = s_new(&f, reg, NULL);
    uint64_t t0 = 5 * SEC;
    ck_assert_int_eq(arp_cache_update(c, IP_GW, mac_gw, t0, 1), 0);
    ck_assert_uint_eq(arp_cache_next_deadline(c), t0 + 30 * SEC);
    ck_assert_int_eq(arp_cache_update(c, IP_GW, mac_gw, t0 + 10 * SEC, 0), 0); /* confirmation */
    ck_assert_uint_le(arp_cache_next_deadline(c), t0 + 40 * SEC);
    arp_cache_poll(c, arp_cache_next_deadline(c));
    ck_assert_int_eq(s_state(c, t0 + 30 * SEC, IP_GW), ARP_CACHE_REACHABLE);
    ck_assert_uint_eq(ls_counter_get(reg, "arp.cache.stale"), 0);
    ck_assert_uint_eq(arp_cache_next_deadline(c), t0 + 40 * SEC);
    /* a new INCOMPLETE entry lowers it at once */
    f.now = t0 + 31 * SEC;
    ck_assert_int_eq(s_send(c, &f, IP_B, 1), 0);
    ck_assert_uint_eq(arp_cache_next_deadline(c), t0 + 32 * SEC);
    /* many entries: after a poll it equals the earliest entry deadline */
    for (uint32_t i = 0; i < 500; i++)
        ck_assert_int_eq(arp_cache_update(c, LS_IP4(192, 0, 3, 0) + i, mac_b, t0 + 31 * SEC + (500 - i) * 1000, 1), 0);
    ck_assert_uint_eq(arp_cache_next_deadline(c), t0 + 32 * SEC);
    ck_assert_int_eq(arp_cache_update(c, IP_B, mac_b, t0 + 31 * SEC + 1, 0), 0); /* resolves IP_B */
    ck_assert_uint_eq(f.nflushed, 1);
    arp_cache_poll(c, t0 + 32 * SEC);
    ck_assert_uint_eq(arp_cache_next_deadline(c), t0 + 40 * SEC); /* IP_GW goes stale first */
    arp_cache_poll(c, t0 + 40 * SEC);
    ck_assert_uint_eq(arp_cache_next_deadline(c), t0 + 61 * SEC + 1); /* IP_B's reachable time */
    /* deleting everything clears it */
    ck_assert_int_eq(arp_cache_delete(c, IP_GW), 0);
    ck_assert_int_eq(arp_cache_delete(c, IP_B), 0);
    for (uint32_t i = 0; i < 500; i++)
        ck_assert_int_eq(arp_cache_delete(c, LS_IP4(192, 0, 3, 0) + i), 0);
    ck_assert_uint_eq(arp_cache_next_deadline(c), UINT64_MAX);
    arp_cache_destroy(&c);
    ls_counters_destroy(&reg);
}
END_TEST

Suite *arp_cache_suite(void)
{
    Suite *s = suite_create("arp_cache");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_resolve_then_update_flushes_fifo);
    tcase_add_test(tc, test_retries_then_give_up);
    tcase_add_test(tc, test_give_up_callback_reenters);
    tcase_add_test(tc, test_pending_overflow_drops_oldest);
    tcase_add_test(tc, test_no_queue_at_all);
    tcase_add_test(tc, test_aging_reachable_stale_deleted);
    tcase_add_test(tc, test_deadline_cached);
    tcase_add_test(tc, test_confirmation_restarts_aging);
    tcase_add_test(tc, test_merge_create_only_when_target);
    tcase_add_test(tc, test_static_and_delete);
    tcase_add_test(tc, test_table_full);
    tcase_add_test(tc, test_foreach_dump);
    tcase_add_test(tc, test_with_logger);
    suite_add_tcase(s, tc);
    return s;
}
