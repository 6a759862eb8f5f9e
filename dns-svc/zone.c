/*
 * zone.c -- load a master file (RFC 1035 5) into a sorted array of
 * records, validate it as a zone, and answer the lookups an authoritative
 * server needs: the records of (name, type), whether a name exists (empty
 * non-terminals included, RFC 8020), and the delegation a name falls under.
 *
 * Call chain: dns-svc (authoritative role: zone_load per configured file;
 * recursive role: zone_load_hints) -> s_load -> zone_lex_next per entry ->
 * s_directive ($ORIGIN, $TTL) | s_record (owner, TTL/class, type ->
 * zone_rdata_parse) -> s_finish (SOA count, sort, merge duplicates, RRset
 * TTLs, CNAME rule, NS at the apex). Queries -> zone_find (binary search),
 * zone_name_exists, zone_cut, zone_soa.
 *
 * Loading is all or nothing: the first problem frees everything and leaves
 * one line "FILE:LINE: reason" in the caller's buffer (as NSD does). A
 * record's errors carry the line its entry starts on (the owner's line, also
 * for a record continued across lines in parentheses); a lexical error
 * (unterminated quote) carries the line where it happens.
 */
#include "zone.h"
#include "zone_int.h"
#include "wire/bytes.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_MAX_FILE (64u << 20) /* refuse anything absurd */
#define S_TTL_MAX 2147483647u  /* RFC 2181 8 */
#define S_RD_CAP 65535u
#define S_T_RRSIG 46           /* RFC 4034 3 */
#define S_T_NSEC 47            /* RFC 4034 4 */

typedef struct {
    const char *label;
    char *err;
    size_t errlen;
    bool hints;               /* root hints: only NS, A, AAAA; no SOA needed */
    zone_t *z;
    size_t cap;               /* of z->rr */
    bool have_apex;           /* z->origin is set */
    dns_name_t origin;        /* the current $ORIGIN */
    bool have_origin;
    dns_name_t owner;         /* the previous owner, for a blank one */
    bool have_owner;
    uint32_t dflt_ttl, last_ttl;
    bool have_dflt_ttl, have_last_ttl;
    int soa_line, first_line;
    uint8_t *rd;              /* scratch RDATA, S_RD_CAP bytes */
} s_ld_t;

/* ------------------------------------------------------- canonical order */

/* Label start offsets, left to right; the count. */
static int s_labels(const dns_name_t *n, uint8_t off[128])
{
    int k = 0;
    for (size_t i = 0; i < n->len && n->wire[i] && k < 128; i += (size_t)n->wire[i] + 1)
        off[k++] = (uint8_t)i;
    return k;
}

/* RFC 4034 6.1: label by label from the rightmost, each as a
 * case-folded octet string (a shorter label first when one is a prefix),
 * and a name with fewer labels before its descendants. */
static int s_name_cmp(const dns_name_t *a, const dns_name_t *b)
{
    uint8_t oa[128], ob[128];
    int na = s_labels(a, oa), nb = s_labels(b, ob);
    for (int i = 1; i <= na && i <= nb; i++) {
        const uint8_t *la = a->wire + oa[na - i], *lb = b->wire + ob[nb - i];
        int n = la[0] < lb[0] ? la[0] : lb[0];
        for (int k = 1; k <= n; k++) {
            int ca = tolower(la[k]), cb = tolower(lb[k]);
            if (ca != cb)
                return ca - cb;
        }
        if (la[0] != lb[0])
            return la[0] - lb[0];
    }
    return na - nb;
}

static int s_cmp_line(const zone_rr_t *a, const zone_rr_t *b) { return (a->line > b->line) - (a->line < b->line); }

/* name, type, RDATA, line: duplicates end up next to each other */
static int s_cmp_dup(const void *pa, const void *pb)
{
    const zone_rr_t *a = pa, *b = pb;
    int c = s_name_cmp(&a->name, &b->name);
    if (c == 0)
        c = (int)a->type - (int)b->type;
    if (c == 0)
        c = zone_rdata_cmp(a->type, a->rdata, a->rdlen, b->rdata, b->rdlen);
    return c ? c : s_cmp_line(a, b);
}

/* name, type, then file order within an RRset: the final order */
static int s_cmp_final(const void *pa, const void *pb)
{
    const zone_rr_t *a = pa, *b = pb;
    int c = s_name_cmp(&a->name, &b->name);
    if (c == 0)
        c = (int)a->type - (int)b->type;
    return c ? c : s_cmp_line(a, b);
}

/* First index whose (name, type) is >= the key. */
static size_t s_lower(const zone_t *z, const dns_name_t *name, uint16_t type)
{
    size_t lo = 0, hi = z->nrr;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = s_name_cmp(&z->rr[mid].name, name);
        if (c == 0)
            c = (int)z->rr[mid].type - (int)type;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* --------------------------------------------------------------- loading */

static int s_fail(s_ld_t *ld, int line, const char *why)
{
    return zone_fail(ld->err, ld->errlen, ld->label, line, "%s", why);
}

static int s_directive(s_ld_t *ld, const zone_tok_t *t, size_t n, int line)
{
    char why[ZONE_WHY_MAX], buf[DNS_NAME_TEXT_MAX];
    if (strcasecmp(t[0].text, "$ORIGIN") == 0) {
        dns_name_t o;
        if (n != 2)
            return s_fail(ld, line, "$ORIGIN needs one name");
        if (zone_rdata_name(t[1].text, ld->have_origin ? &ld->origin : NULL, &o, why, sizeof why) < 0)
            return s_fail(ld, line, why);
        if (!ld->have_apex) {
            ld->z->origin = o;
            ld->have_apex = true;
        } else if (!dns_name_is_sub(&o, &ld->z->origin)) {
            return zone_fail(ld->err, ld->errlen, ld->label, line, "out of zone: %s",
                             dns_name_to_text(&o, buf, sizeof buf));
        }
        ld->origin = o;
        ld->have_origin = true;
        return 0;
    }
    if (strcasecmp(t[0].text, "$TTL") == 0) {
        /* RFC 2308 4: the default TTL of records that give none */
        if (n != 2)
            return s_fail(ld, line, "$TTL needs one value");
        int r = zone_rdata_ttl(t[1].text, S_TTL_MAX, &ld->dflt_ttl);
        if (r < 0)
            return zone_fail(ld->err, ld->errlen, ld->label, line,
                             r == -2 ? "TTL %.32s out of range (max 2147483647)" : "bad TTL '%.32s'",
                             t[1].text);
        ld->have_dflt_ttl = true;
        return 0;
    }
    if (strcasecmp(t[0].text, "$INCLUDE") == 0 || strcasecmp(t[0].text, "$GENERATE") == 0)
        return zone_fail(ld->err, ld->errlen, ld->label, line, "%.16s is not supported", t[0].text);
    return zone_fail(ld->err, ld->errlen, ld->label, line, "unknown directive %.32s", t[0].text);
}

/* 1: IN; -1: another class; 0: not a class. */
static int s_class(const char *t)
{
    uint32_t v;
    if (strcasecmp(t, "IN") == 0)
        return 1;
    if (!strcasecmp(t, "CH") || !strcasecmp(t, "CS") || !strcasecmp(t, "HS") || !strcasecmp(t, "NONE") ||
        !strcasecmp(t, "ANY"))
        return -1;
    if (strncasecmp(t, "CLASS", 5) == 0 && zone_rdata_u32(t + 5, 65535, &v) == 0)
        return v == DNS_C_IN ? 1 : -1; /* RFC 3597 5: CLASS1 is IN */
    return 0;
}

static int s_add(s_ld_t *ld, const zone_rr_t *rr, int line)
{
    zone_t *z = ld->z;
    if (z->nrr == ld->cap) {
        size_t cap = ld->cap ? ld->cap * 2 : 64;
        zone_rr_t *a = realloc(z->rr, cap * sizeof *a);
        if (!a)
            return s_fail(ld, line, "out of memory");
        z->rr = a;
        ld->cap = cap;
    }
    zone_rr_t *r = &z->rr[z->nrr];
    *r = *rr;
    r->rdata = malloc(rr->rdlen ? rr->rdlen : 1);
    if (!r->rdata)
        return s_fail(ld, line, "out of memory");
    memcpy(r->rdata, ld->rd, rr->rdlen);
    z->nrr++;
    return 0;
}

/* [owner] [ttl] [class] type rdata (RFC 1035 5.1; TTL and class in either order). */
static int s_record(s_ld_t *ld, const zone_tok_t *t, size_t n, bool blank, int line)
{
    char why[ZONE_WHY_MAX], buf[DNS_NAME_TEXT_MAX], tname[16];
    zone_rr_t rr;
    memset(&rr, 0, sizeof rr);
    rr.line = line;
    size_t i = 0;
    if (blank) {
        if (!ld->have_owner)
            return s_fail(ld, line, "blank owner with no previous owner");
        rr.name = ld->owner;
    } else {
        if (zone_rdata_name(t[0].text, ld->have_origin ? &ld->origin : NULL, &rr.name, why, sizeof why) < 0)
            return s_fail(ld, line, why);
        i = 1;
    }
    bool got_ttl = false, got_class = false;
    while (i < n && !t[i].quoted) {
        int c;
        if (!got_ttl && isdigit((unsigned char)t[i].text[0])) {
            int r = zone_rdata_ttl(t[i].text, S_TTL_MAX, &rr.ttl);
            if (r < 0)
                return zone_fail(ld->err, ld->errlen, ld->label, line,
                                 r == -2 ? "TTL %.32s out of range (max 2147483647)" : "bad TTL '%.32s'",
                                 t[i].text);
            got_ttl = true;
        } else if (!got_class && (c = s_class(t[i].text)) != 0) {
            if (c < 0)
                return zone_fail(ld->err, ld->errlen, ld->label, line, "class %.16s is not supported",
                                 t[i].text);
            got_class = true;
        } else {
            break;
        }
        i++;
    }
    if (i >= n)
        return s_fail(ld, line, "no type");
    int type = t[i].quoted ? -1 : zone_rdata_type(t[i].text);
    if (type < 0)
        return zone_fail(ld->err, ld->errlen, ld->label, line, "unknown type %.32s", t[i].text);
    rr.type = (uint16_t)type;
    rr.rclass = DNS_C_IN;
    zone_rdata_type_name(rr.type, tname);
    /* RFC 6891 6.1.1 (OPT), RFC 6895 3.1 (0 reserved, 128-255 meta and query types) */
    if (type == 0 || type == DNS_T_OPT || (type >= 128 && type <= 255))
        return zone_fail(ld->err, ld->errlen, ld->label, line, "type %s cannot be in a zone file", tname);
    if (ld->hints && type != DNS_T_NS && type != DNS_T_A && type != DNS_T_AAAA)
        return zone_fail(ld->err, ld->errlen, ld->label, line, "%s record in root hints (only NS, A, AAAA)",
                         tname);

    /* the owner: where the zone is, inside it, not a wildcard */
    if (!ld->have_apex) {
        if (type != DNS_T_SOA)
            return s_fail(ld, line, "no origin: set $ORIGIN before the first record");
        ld->z->origin = rr.name; /* RFC 1035 5.2: the SOA heads the zone */
        ld->have_apex = true;
    }
    if (!dns_name_is_sub(&rr.name, &ld->z->origin))
        return zone_fail(ld->err, ld->errlen, ld->label, line, "out of zone: %s",
                         dns_name_to_text(&rr.name, buf, sizeof buf));
    if (rr.name.len > 2 && rr.name.wire[0] == 1 && rr.name.wire[1] == '*')
        return s_fail(ld, line, "wildcard owners are not supported");
    ld->owner = rr.name;
    ld->have_owner = true;

    /* RFC 2308 4: $TTL; else RFC 1035 5.1: the last TTL given */
    if (got_ttl) {
        ld->last_ttl = rr.ttl;
        ld->have_last_ttl = true;
    } else if (ld->have_dflt_ttl) {
        rr.ttl = ld->dflt_ttl;
    } else if (ld->have_last_ttl) {
        rr.ttl = ld->last_ttl;
    } else {
        return s_fail(ld, line, "no TTL (add $TTL)");
    }

    size_t rdlen = 0;
    if (zone_rdata_parse(rr.type, t + i + 1, n - i - 1, ld->have_origin ? &ld->origin : NULL, ld->rd,
                         S_RD_CAP, &rdlen, why, sizeof why) < 0)
        return s_fail(ld, line, why);
    rr.rdlen = (uint16_t)rdlen;

    if (type == DNS_T_SOA) {
        /* RFC 1035 5.2: exactly one SOA, at the top of the zone */
        if (!dns_name_eq(&rr.name, &ld->z->origin))
            return s_fail(ld, line, "SOA not at the zone apex");
        if (ld->soa_line)
            return zone_fail(ld->err, ld->errlen, ld->label, line, "second SOA (first at line %d)",
                             ld->soa_line);
        ld->soa_line = line;
        ld->z->serial = rd_be32(ld->rd + rdlen - 20);
    }
    if (!ld->first_line)
        ld->first_line = line;
    return s_add(ld, &rr, line);
}

/* Drop exact duplicates (BIND merges them silently), keeping the first. */
static void s_merge_dups(zone_t *z)
{
    qsort(z->rr, z->nrr, sizeof *z->rr, s_cmp_dup);
    size_t w = 0;
    for (size_t r = 0; r < z->nrr; r++) {
        const zone_rr_t *prev = w ? &z->rr[w - 1] : NULL;
        if (prev && prev->type == z->rr[r].type && s_name_cmp(&prev->name, &z->rr[r].name) == 0 &&
            zone_rdata_cmp(prev->type, prev->rdata, prev->rdlen, z->rr[r].rdata, z->rr[r].rdlen) == 0) {
            free(z->rr[r].rdata);
            continue;
        }
        z->rr[w++] = z->rr[r];
    }
    z->nrr = w;
}

/* RFC 1034 3.6.2: a name with a CNAME has no other data (RFC 4035 2.5
 * allows its RRSIG and NSEC), and one CNAME at most. Reports the earliest
 * offending record in file order: the later one of the conflicting pair. */
static int s_check_cname(s_ld_t *ld)
{
    const zone_t *z = ld->z;
    int bad_line = INT_MAX, first_line = 0;
    bool two = false;
    const dns_name_t *bad_name = NULL;
    for (size_t g = 0; g < z->nrr;) {
        size_t e = g + 1;
        while (e < z->nrr && s_name_cmp(&z->rr[e].name, &z->rr[g].name) == 0)
            e++;
        int c1 = 0, c2 = 0, o1 = 0;
        for (size_t k = g; k < e; k++) { /* within a type, in file order */
            const zone_rr_t *r = &z->rr[k];
            if (r->type == DNS_T_CNAME) {
                if (!c1)
                    c1 = r->line;
                else if (!c2)
                    c2 = r->line;
            } else if (r->type != S_T_RRSIG && r->type != S_T_NSEC && (!o1 || r->line < o1)) {
                o1 = r->line;
            }
        }
        if (c2 && c2 < bad_line) {
            bad_line = c2, first_line = c1, two = true, bad_name = &z->rr[g].name;
        }
        if (c1 && o1) {
            int second = c1 > o1 ? c1 : o1;
            if (second < bad_line)
                bad_line = second, first_line = c1 < o1 ? c1 : o1, two = false, bad_name = &z->rr[g].name;
        }
        g = e;
    }
    if (!bad_name)
        return 0;
    char buf[DNS_NAME_TEXT_MAX];
    return zone_fail(ld->err, ld->errlen, ld->label, bad_line, "%s at %s (first at line %d)",
                     two ? "two CNAMEs" : "CNAME and other data", dns_name_to_text(bad_name, buf, sizeof buf),
                     first_line);
}

static int s_finish(s_ld_t *ld, int last_line)
{
    zone_t *z = ld->z;
    if (!ld->hints && !ld->soa_line)
        return s_fail(ld, ld->first_line ? ld->first_line : last_line, "no SOA record");
    s_merge_dups(z);
    qsort(z->rr, z->nrr, sizeof *z->rr, s_cmp_final);
    /* RFC 2181 5.2: one TTL per RRset; like BIND, the first one given wins */
    for (size_t i = 1; i < z->nrr; i++)
        if (z->rr[i].type == z->rr[i - 1].type && s_name_cmp(&z->rr[i].name, &z->rr[i - 1].name) == 0)
            z->rr[i].ttl = z->rr[i - 1].ttl;
    if (s_check_cname(ld) < 0)
        return -1;
    if (!ld->hints && zone_find(z, &z->origin, DNS_T_NS, NULL) == 0)
        return s_fail(ld, ld->soa_line, "no NS record at the zone apex");
    return 0;
}

static zone_t *s_load(const char *label, const char *text, size_t len, const dns_name_t *origin, bool hints,
                      char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    s_ld_t ld = {.label = label ? label : "<zone>", .err = err, .errlen = errlen, .hints = hints};
    ld.z = calloc(1, sizeof *ld.z);
    ld.rd = malloc(S_RD_CAP);
    if (!ld.z || !ld.rd) {
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", ld.label);
        free(ld.z);
        free(ld.rd);
        return NULL;
    }
    snprintf(ld.z->path, sizeof ld.z->path, "%s", ld.label);
    if (origin) {
        ld.z->origin = ld.origin = *origin;
        ld.have_apex = ld.have_origin = true;
    }
    zone_lex_t lx;
    zone_lex_init(&lx, ld.label, text ? text : "", text ? len : 0, err, errlen);
    int r;
    while ((r = zone_lex_next(&lx)) > 0) {
        const zone_tok_t *t = lx.tok;
        if (!lx.blank_owner && !t[0].quoted && t[0].text[0] == '$')
            r = s_directive(&ld, t, lx.ntok, lx.entry_line);
        else
            r = s_record(&ld, t, lx.ntok, lx.blank_owner, lx.entry_line);
        if (r < 0)
            break;
    }
    if (r == 0) {
        int last = lx.line; /* the line after a final newline does not count */
        if (len && text[len - 1] == '\n' && last > 1)
            last--;
        r = s_finish(&ld, last);
    }
    zone_lex_fini(&lx);
    free(ld.rd);
    if (r < 0)
        zone_destroy(&ld.z);
    return ld.z;
}

zone_t *zone_load_buf(const char *label, const char *text, size_t len, const dns_name_t *origin, char *err,
                      size_t errlen)
{
    return s_load(label, text, len, origin, false, err, errlen);
}

/* The whole file, NUL-terminated; NULL with err set. */
static char *s_read(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        if (err && errlen)
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *text = malloc(cap);
    const char *why = NULL;
    while (text && !why) {
        if (n == cap) {
            char *t = cap >= S_MAX_FILE ? NULL : realloc(text, cap * 2);
            if (!t) {
                why = cap >= S_MAX_FILE ? "file too large (max 64 MiB)" : "out of memory";
                break;
            }
            text = t;
            cap *= 2;
        }
        size_t got = fread(text + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            why = ferror(fp) ? "read error" : "";
    }
    fclose(fp);
    if (!text || (why && *why)) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", path, text ? why : "out of memory");
        free(text);
        return NULL;
    }
    *len = n;
    return text;
}

static zone_t *s_load_file(const char *path, const dns_name_t *origin, bool hints, char *err, size_t errlen)
{
    if (!path) {
        if (err && errlen)
            snprintf(err, errlen, "zone: no file given");
        return NULL;
    }
    size_t len = 0;
    char *text = s_read(path, &len, err, errlen);
    if (!text)
        return NULL;
    zone_t *z = s_load(path, text, len, origin, hints, err, errlen);
    free(text);
    return z;
}

zone_t *zone_load(const char *path, const dns_name_t *origin, char *err, size_t errlen)
{
    return s_load_file(path, origin, false, err, errlen);
}

zone_t *zone_load_hints(const char *path, char *err, size_t errlen)
{
    const dns_name_t root = {.len = 1, .wire = {0}};
    return s_load_file(path, &root, true, err, errlen);
}

void zone_destroy(zone_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zone_t *z = *self_p;
    for (size_t i = 0; i < z->nrr; i++)
        free(z->rr[i].rdata);
    free(z->rr);
    free(z);
    *self_p = NULL;
}

/* --------------------------------------------------------------- lookups */

size_t zone_find(const zone_t *z, const dns_name_t *name, uint16_t type, const zone_rr_t **first)
{
    bool any = type == DNS_T_ANY;
    size_t i = s_lower(z, name, any ? 0 : type), e = i;
    while (e < z->nrr && (any || z->rr[e].type == type) && s_name_cmp(&z->rr[e].name, name) == 0)
        e++;
    if (first)
        *first = e > i ? &z->rr[i] : NULL;
    return e - i;
}

bool zone_name_exists(const zone_t *z, const dns_name_t *name)
{
    if (!dns_name_is_sub(name, &z->origin))
        return false;
    /* in canonical order a name's descendants follow it directly, so the
     * first record at or after name is at name or below it if any is */
    size_t i = s_lower(z, name, 0);
    return i < z->nrr && dns_name_is_sub(&z->rr[i].name, name);
}

/* RFC 1034 4.3.2 step 3b: going down from the apex, the first NS set met
 * is the cut; an NS set below it is occluded data of the child, not a cut
 * of this zone. In a zone without occluded NS sets this is also the
 * deepest NS set above name. */
size_t zone_cut(const zone_t *z, const dns_name_t *name, const zone_rr_t **first, dns_name_t *cut)
{
    if (!dns_name_is_sub(name, &z->origin))
        return 0;
    int below = dns_name_labels(name) - dns_name_labels(&z->origin);
    for (int k = below - 1; k >= 0; k--) {
        dns_name_t n;
        if (dns_name_parent(name, k, &n) < 0)
            return 0;
        const zone_rr_t *f;
        size_t cnt = zone_find(z, &n, DNS_T_NS, &f);
        if (cnt) {
            if (first)
                *first = f;
            if (cut)
                *cut = n;
            return cnt;
        }
    }
    return 0;
}

const zone_rr_t *zone_soa(const zone_t *z)
{
    const zone_rr_t *f;
    return zone_find(z, &z->origin, DNS_T_SOA, &f) ? f : NULL;
}
