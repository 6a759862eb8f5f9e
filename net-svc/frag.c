/*
 * frag.c -- IPv4 fragmentation (RFC 791 3.2 "fragmentation procedure") and
 * reassembly with a sorted fragment list per datagram.
 *
 * Call chain: net_core_send / net_core forward -> frag_fragment -> emit
 * callback -> link_tx; net_core_link_rx (fragment for us) -> reass_input ->
 * done callback -> local delivery; net_core_poll -> reass_poll -> timeout
 * callback -> ICMP time exceeded (code 1).
 *
 * Reassembly keys on (src, dst, proto, id) (RFC 791 3.2). Each datagram keeps
 * its fragments sorted by offset, each a private copy of the fragment's bytes
 * (header + data), so fragment zero's header is at hand for the final header
 * and for the timeout ICMP. The timer starts with the first fragment and is
 * not refreshed (Linux). Memory is accounted in fragment bytes.
 */
#include "net-svc/frag.h"
#include "wire/ipv4.h"
#include "wire/bytes.h"
#include "wire/csum.h"
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- fragment */

/* Copy the options of hdr (hlen bytes) whose copy flag is set into out (after
 * a 20-byte base), padded to 4 bytes with End of Option List. Returns new hlen. */
static size_t s_copied_options(const uint8_t *hdr, size_t hlen, uint8_t *out)
{
    size_t o = IP4_HDR_MIN;
    size_t i = IP4_HDR_MIN;
    while (i < hlen) {
        uint8_t t = hdr[i];
        if (t == 0) /* End of Option List */
            break;
        if (t == 1) { /* No Operation: copy flag 0, dropped */
            i++;
            continue;
        }
        if (i + 1 >= hlen)
            break;
        size_t l = hdr[i + 1];
        if (l < 2 || i + l > hlen)
            break; /* malformed: stop copying */
        if (t & 0x80) { /* RFC 791 3.1: copied flag set -> into every fragment */
            memcpy(out + o, hdr + i, l);
            o += l;
        }
        i += l;
    }
    while (o % 4)
        out[o++] = 0;
    return o;
}

int frag_fragment(const uint8_t *dgram, size_t len, size_t mtu, frag_emit_fn emit, void *ctx)
{
    ipv4_repr_t ip;
    if (!dgram || !emit || ipv4_parse(dgram, len, &ip) != IPV4_OK)
        return -1;
    size_t total = ip.total_len;
    if (total <= mtu) {
        emit(ctx, dgram, total);
        return 1;
    }
    /* RFC 791 3.2: a datagram marked Don't Fragment that exceeds the MTU is
     * discarded; RFC 1191 the caller reports it with ICMP frag needed. */
    if (ip.df)
        return -1;
    size_t h0 = ip.hdr_len;
    uint8_t nfhdr[IP4_HDR_MAX];
    memcpy(nfhdr, dgram, IP4_HDR_MIN);
    size_t hn = s_copied_options(dgram, h0, nfhdr);
    wr_u8(nfhdr + IP4_OFF_VER_IHL, (uint8_t)(0x40 | (hn / 4)));
    size_t hmax = h0 > hn ? h0 : hn;
    if (mtu < hmax + 8)
        return -1;
    if (mtu > IP4_MAX_LEN)
        mtu = IP4_MAX_LEN;
    uint8_t *buf = malloc(mtu);
    if (!buf)
        return -1;
    const uint8_t *pl = dgram + h0;
    size_t plen = total - h0;
    size_t base = (size_t)ip.frag_off * 8;
    int count = 0;
    for (size_t off = 0; off < plen;) {
        const uint8_t *hdr = off == 0 ? dgram : nfhdr;
        size_t h = off == 0 ? h0 : hn;
        size_t n = ((mtu - h) / 8) * 8;
        if (n > plen - off)
            n = plen - off;
        bool last = off + n == plen;
        memcpy(buf, hdr, h);
        memcpy(buf + h, pl + off, n);
        wr_be16(buf + IP4_OFF_LEN, (uint16_t)(h + n));
        uint16_t fo = (uint16_t)((base + off) / 8);
        if (!last || ip.mf)
            fo |= IP4_FLAG_MF;
        wr_be16(buf + IP4_OFF_FRAG, fo);
        ipv4_set_checksum(buf);
        emit(ctx, buf, h + n);
        count++;
        off += n;
    }
    free(buf);
    return count;
}

/* -------------------------------------------------------------- reassembly */

typedef struct s_frag {
    struct s_frag *next;
    uint8_t *raw;   /* the whole fragment: header + data */
    size_t raw_len;
    size_t hlen;
    size_t off, end; /* payload byte range [off, end) */
    uint64_t pdu;
} s_frag_t;

typedef struct s_dgram {
    struct s_dgram *next; /* age order: oldest first */
    uint32_t src, dst;
    uint8_t proto;
    uint16_t id;
    uint64_t deadline;
    s_frag_t *frags; /* sorted by off */
    size_t nfrags;
    size_t bytes;
    bool have_last;
    size_t plen; /* payload length, known once the last fragment arrived */
} s_dgram_t;

struct reass {
    reass_cfg_t cfg;
    ls_counters_t *reg;
    ls_log_t *log;
    s_dgram_t *head, *tail;
    size_t count, bytes;
};

static void s_count(reass_t *r, const char *name)
{
    if (r->reg)
        LS_COUNT(r->reg, name);
}

reass_t *reass_new(const reass_cfg_t *cfg, ls_counters_t *reg, ls_log_t *log)
{
    reass_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    if (cfg)
        r->cfg = *cfg;
    if (!r->cfg.timeout_ns)
        r->cfg.timeout_ns = REASS_DEFAULT_TIMEOUT_NS;
    if (!r->cfg.max_bytes)
        r->cfg.max_bytes = REASS_DEFAULT_MAX_BYTES;
    if (!r->cfg.max_datagrams)
        r->cfg.max_datagrams = REASS_DEFAULT_MAX_DATAGRAMS;
    r->reg = reg;
    r->log = log;
    return r;
}

static void s_dgram_free(s_dgram_t *d)
{
    for (s_frag_t *f = d->frags; f;) {
        s_frag_t *nx = f->next;
        free(f->raw);
        free(f);
        f = nx;
    }
    free(d);
}

/* Unlink d from the age list and free it. */
static void s_remove(reass_t *r, s_dgram_t *d)
{
    s_dgram_t **pp = &r->head, *prev = NULL;
    while (*pp && *pp != d) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp)
        return;
    *pp = d->next;
    if (r->tail == d)
        r->tail = prev;
    r->count--;
    r->bytes -= d->bytes;
    s_dgram_free(d);
}

void reass_destroy(reass_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    reass_t *r = *self_p;
    while (r->head)
        s_remove(r, r->head);
    free(r);
    *self_p = NULL;
}

static void s_drop(reass_t *r, uint64_t pdu, uint64_t now, const char *counter, const char *why)
{
    ls_drop(r->log, r->reg, &(ls_logev_t){.now_ns = now, .layer = "net", .dir = "up", .pdu = pdu},
            counter, "reassembly: %s", why);
}

/* Drop a whole datagram in progress (and the fragment that caused it). */
static void s_drop_dgram(reass_t *r, s_dgram_t *d, uint64_t pdu, uint64_t now,
                         const char *counter, const char *why)
{
    s_drop(r, pdu, now, counter, why);
    s_remove(r, d);
}

static s_dgram_t *s_find(reass_t *r, const ipv4_repr_t *ip)
{
    for (s_dgram_t *d = r->head; d; d = d->next)
        if (d->src == ip->src && d->dst == ip->dst && d->proto == ip->proto && d->id == ip->id)
            return d;
    return NULL;
}

/* If d is complete, build the datagram, call done and free d. */
static int s_try_complete(reass_t *r, s_dgram_t *d, uint64_t pdu, uint64_t now,
                          reass_done_fn done, void *ctx)
{
    if (!d->have_last || !d->frags || d->frags->off != 0)
        return REASS_HELD;
    size_t covered = 0;
    for (s_frag_t *f = d->frags; f; f = f->next) {
        if (f->off > covered)
            return REASS_HELD; /* hole */
        if (f->end > covered)
            covered = f->end;
    }
    if (covered < d->plen)
        return REASS_HELD;
    s_frag_t *first = d->frags;
    size_t total = first->hlen + d->plen;
    /* RFC 791: a datagram is at most 65535 bytes; never build a larger one
     * (the "ping of death"). */
    if (total > IP4_MAX_LEN) {
        s_drop_dgram(r, d, pdu, now, "ip.reass.drop.too_big", "datagram > 65535");
        return REASS_DROPPED;
    }
    uint8_t *buf = malloc(total);
    uint64_t *parents = malloc(d->nfrags * sizeof *parents);
    if (!buf || !parents) {
        free(buf);
        free(parents);
        s_drop_dgram(r, d, pdu, now, "ip.reass.drop.nomem", "out of memory");
        return REASS_DROPPED;
    }
    memcpy(buf, first->raw, first->hlen);
    size_t np = 0;
    for (s_frag_t *f = d->frags; f; f = f->next) {
        memcpy(buf + first->hlen + f->off, f->raw + f->hlen, f->end - f->off);
        parents[np++] = f->pdu;
    }
    wr_be16(buf + IP4_OFF_LEN, (uint16_t)total);
    uint16_t fo = rd_be16(buf + IP4_OFF_FRAG) & IP4_FLAG_DF; /* MF=0, offset 0 */
    wr_be16(buf + IP4_OFF_FRAG, fo);
    ipv4_set_checksum(buf);
    s_count(r, "ip.reass.ok");
    s_remove(r, d);
    if (done)
        done(ctx, buf, total, parents, np, now);
    free(buf);
    free(parents);
    return REASS_DONE;
}

int reass_input(reass_t *r, const uint8_t *frag, size_t len, uint64_t pdu_id, uint64_t now_ns,
                reass_done_fn done, void *ctx)
{
    if (!r)
        return REASS_DROPPED;
    ipv4_repr_t ip;
    int rc = ipv4_parse(frag, len, &ip);
    if (rc != IPV4_OK) {
        s_drop(r, pdu_id, now_ns, ipv4_reason_counter(rc), ipv4_reason_str(rc));
        return REASS_DROPPED;
    }
    size_t hlen = ip.hdr_len;
    size_t raw_len = ip.total_len;
    size_t off = (size_t)ip.frag_off * 8;
    size_t dlen = raw_len - hlen;
    size_t end = off + dlen;
    /* RFC 791 3.2: every fragment but the last carries a multiple of 8
     * octets of data; anything else cannot be placed and is discarded. */
    if (ip.mf && (dlen == 0 || dlen % 8 != 0)) {
        s_drop(r, pdu_id, now_ns, "ip.reass.drop.bad_frag_len", "non-final fragment length not a multiple of 8");
        return REASS_DROPPED;
    }
    if (end + IP4_HDR_MIN > IP4_MAX_LEN) {
        s_drop(r, pdu_id, now_ns, "ip.reass.drop.too_big", "fragment ends beyond 65535");
        return REASS_DROPPED;
    }
    if (raw_len > r->cfg.max_bytes) {
        s_drop(r, pdu_id, now_ns, "ip.reass.drop.mem_cap", "fragment larger than the memory cap");
        return REASS_DROPPED;
    }
    s_dgram_t *d = s_find(r, &ip);

    /* Overlap / duplicate / consistency checks against what is queued. */
    if (d) {
        if (!ip.mf) {
            if (d->have_last && end != d->plen) {
                s_drop_dgram(r, d, pdu_id, now_ns, "ip.reass.drop.inconsistent", "two different last fragments");
                return REASS_DROPPED;
            }
            for (s_frag_t *f = d->frags; f; f = f->next)
                if (f->end > end) {
                    s_drop_dgram(r, d, pdu_id, now_ns, "ip.reass.drop.inconsistent", "data beyond the last fragment");
                    return REASS_DROPPED;
                }
        } else if (d->have_last && end > d->plen) {
            s_drop_dgram(r, d, pdu_id, now_ns, "ip.reass.drop.inconsistent", "fragment beyond the last fragment");
            return REASS_DROPPED;
        }
        for (s_frag_t *f = d->frags; f; f = f->next) {
            if (f->off >= end || off >= f->end)
                continue;
            if (f->off == off && f->end == end &&
                memcmp(f->raw + f->hlen, frag + hlen, dlen) == 0) {
                /* exact duplicate: harmless retransmission, ignore it */
                s_count(r, "ip.reass.dup");
                return REASS_HELD;
            }
            /* RFC 5722 (applied to IPv4 as Linux does): overlapping fragments
             * are an attack vector; discard the whole datagram. */
            s_drop_dgram(r, d, pdu_id, now_ns, "ip.reass.drop.overlap", "overlapping fragment");
            return REASS_DROPPED;
        }
    }

    /* Memory cap: evict the oldest datagrams until this fragment fits. */
    while (r->head && r->bytes + raw_len > r->cfg.max_bytes) {
        s_dgram_t *old = r->head;
        s_drop(r, pdu_id, now_ns, "ip.reass.drop.mem_cap", "memory cap: evicting the oldest datagram");
        if (old == d)
            d = NULL;
        s_remove(r, old);
    }
    if (!d) {
        if (r->count >= r->cfg.max_datagrams && r->head) {
            s_drop(r, pdu_id, now_ns, "ip.reass.drop.max_datagrams", "too many datagrams: evicting the oldest");
            s_remove(r, r->head);
        }
        d = calloc(1, sizeof *d);
        if (!d) {
            s_drop(r, pdu_id, now_ns, "ip.reass.drop.nomem", "out of memory");
            return REASS_DROPPED;
        }
        d->src = ip.src;
        d->dst = ip.dst;
        d->proto = ip.proto;
        d->id = ip.id;
        d->deadline = now_ns + r->cfg.timeout_ns;
        if (r->tail)
            r->tail->next = d;
        else
            r->head = d;
        r->tail = d;
        r->count++;
    }
    s_frag_t *nf = calloc(1, sizeof *nf);
    uint8_t *raw = malloc(raw_len);
    if (!nf || !raw) {
        free(nf);
        free(raw);
        s_drop(r, pdu_id, now_ns, "ip.reass.drop.nomem", "out of memory");
        return REASS_DROPPED;
    }
    memcpy(raw, frag, raw_len);
    nf->raw = raw;
    nf->raw_len = raw_len;
    nf->hlen = hlen;
    nf->off = off;
    nf->end = end;
    nf->pdu = pdu_id;
    s_frag_t **pp = &d->frags;
    while (*pp && (*pp)->off < off)
        pp = &(*pp)->next;
    nf->next = *pp;
    *pp = nf;
    d->nfrags++;
    d->bytes += raw_len;
    r->bytes += raw_len;
    if (!ip.mf) {
        d->have_last = true;
        d->plen = end;
    }
    s_count(r, "ip.reass.frags");
    return s_try_complete(r, d, pdu_id, now_ns, done, ctx);
}

void reass_poll(reass_t *r, uint64_t now_ns, reass_timeout_fn on_timeout, void *ctx)
{
    if (!r)
        return;
    for (s_dgram_t *d = r->head; d;) {
        s_dgram_t *nx = d->next;
        if (d->deadline <= now_ns) {
            s_frag_t *f0 = (d->frags && d->frags->off == 0) ? d->frags : NULL;
            s_drop(r, f0 ? f0->pdu : (d->frags ? d->frags->pdu : 0), now_ns, "ip.reass.timeout",
                   f0 ? "timed out (fragment zero present)" : "timed out (no fragment zero)");
            /* RFC 1122 3.3.2 / RFC 792: time exceeded (code 1) only if
             * fragment zero is available; the caller sends it. */
            if (f0 && on_timeout)
                on_timeout(ctx, f0->raw, f0->raw_len, f0->pdu, now_ns);
            s_remove(r, d);
        }
        d = nx;
    }
}

uint64_t reass_next_deadline(const reass_t *r)
{
    uint64_t best = UINT64_MAX;
    for (const s_dgram_t *d = r ? r->head : NULL; d; d = d->next)
        if (d->deadline < best)
            best = d->deadline;
    return best;
}

size_t reass_pending(const reass_t *r) { return r ? r->count : 0; }
size_t reass_bytes(const reass_t *r) { return r ? r->bytes : 0; }
