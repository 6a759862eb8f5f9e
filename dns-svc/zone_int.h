/*
 * zone_int.h -- internals of the master file loader, shared by zone.c (the
 * loader, validation, lookups), zone_lex.c (tokens of one entry) and
 * zone_rdata.c (names, numbers and RDATA from presentation form).
 * Nothing outside dns-svc/zone*.c includes this.
 */
#ifndef LS_ZONE_INT_H
#define LS_ZONE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/dns.h"

#define ZONE_WHY_MAX 384 /* a reason, before "FILE:LINE: " is put in front */

/* ---- zone_lex.c: RFC 1035 5.1 tokens ---- */

typedef struct {
    const char *text;  /* NUL-terminated; escapes kept as written ("a\.b", "\#") */
    size_t off;        /* of text in the lexer's buffer (the lexer's own use) */
    int line;
    bool quoted;       /* was "..." (text is what was between the quotes) */
} zone_tok_t;

/* One entry: a directive or a record, parentheses already joined. */
typedef struct {
    const char *label;         /* file name for messages */
    const char *p, *end;       /* the rest of the text */
    int line;                  /* line of *p */
    char *err;
    size_t errlen;
    /* the current entry */
    int entry_line;            /* where its first token is */
    bool blank_owner;          /* it started with whitespace (RFC 1035 5.1) */
    zone_tok_t *tok;
    size_t ntok, tokcap;
    char *buf;                 /* the tokens' text, back to back */
    size_t buflen, bufcap;
} zone_lex_t;

void zone_lex_init(zone_lex_t *lx, const char *label, const char *text, size_t len, char *err,
                   size_t errlen);
void zone_lex_fini(zone_lex_t *lx);
/* The next entry: 1, 0 at the end of the text, -1 with err set. */
int zone_lex_next(zone_lex_t *lx);

/* "LABEL:LINE: reason" into err (one line). Returns -1. */
int zone_fail(char *err, size_t errlen, const char *label, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* ---- zone_rdata.c: presentation form -> wire ---- */

/* A name as written in a master file: "@", absolute ("a.b."), or relative
 * to origin (NULL: no $ORIGIN yet, so relative names are an error).
 * 0, or -1 with a reason in why. */
int zone_rdata_name(const char *text, const dns_name_t *origin, dns_name_t *out, char *why, size_t whylen);
/* Decimal seconds or BIND units (1w2d3h4m5s, any case): 0; -1 if
 * malformed, -2 if above max. */
int zone_rdata_ttl(const char *text, uint32_t max, uint32_t *out);
/* Plain decimal: 0; -1 if malformed, -2 if above max. */
int zone_rdata_u32(const char *text, uint32_t max, uint32_t *out);
/* "A", "mx" (any case) for the types with a text form here, "TYPE65280"
 * for any (RFC 3597 5) -> the type; -1 if neither. */
int zone_rdata_type(const char *text);
/* "A", ..., "TYPE65280". Returns buf (>= 16 bytes). */
const char *zone_rdata_type_name(uint16_t type, char *buf);
/* The RDATA of one record from the tokens after its type: the RFC 3597 5
 * generic form "\# LEN HEX..." for any type (checked against the type's
 * wire format when it is one of ours), else the type's own text form.
 * Writes *rdlen bytes into rd (cap >= 65535). 0, or -1 with a reason. */
int zone_rdata_parse(uint16_t type, const zone_tok_t *tok, size_t ntok, const dns_name_t *origin,
                     uint8_t *rd, size_t cap, size_t *rdlen, char *why, size_t whylen);
/* Order two RDATA of one type with the names in NS, CNAME, PTR, MX, SOA
 * compared case-insensitively (RFC 4034 6.2 lowercases them), so records
 * that differ only in the case of a name are duplicates: <0, 0, >0 like
 * memcmp, the shorter first on a common prefix. */
int zone_rdata_cmp(uint16_t type, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
