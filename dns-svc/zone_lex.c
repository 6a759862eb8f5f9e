/*
 * zone_lex.c -- the tokens of a master file, one entry at a time
 * (RFC 1035 5.1): whitespace separates tokens; ';' starts a comment that
 * runs to the end of the line; '(' ... ')' continue an entry across lines;
 * "..." is one token (its \" and \\ escapes are kept as written, for the
 * RDATA parser to decode); a backslash makes the next character part of
 * an unquoted token (so "a\;b" and "a\ b" are single tokens). An entry that
 * starts with whitespace has a blank owner.
 *
 * Call chain: zone.c s_load -> zone_lex_next() per entry -> zone.c
 * s_directive / s_record with the entry's tokens. Errors (an unterminated
 * quote, unbalanced parentheses, a NUL byte) are "LABEL:LINE: reason".
 */
#include "zone_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int zone_fail(char *err, size_t errlen, const char *label, int line, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return -1;
    char why[ZONE_WHY_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s:%d: %s", label, line, why);
    return -1;
}

void zone_lex_init(zone_lex_t *lx, const char *label, const char *text, size_t len, char *err,
                   size_t errlen)
{
    memset(lx, 0, sizeof *lx);
    lx->label = label;
    lx->p = text;
    lx->end = text + len;
    lx->line = 1;
    lx->err = err;
    lx->errlen = errlen;
}

void zone_lex_fini(zone_lex_t *lx)
{
    free(lx->tok);
    free(lx->buf);
    lx->tok = NULL;
    lx->buf = NULL;
}

static int s_oom(zone_lex_t *lx) { return zone_fail(lx->err, lx->errlen, lx->label, lx->line, "out of memory"); }

static int s_putc(zone_lex_t *lx, char c)
{
    if (lx->buflen == lx->bufcap) {
        size_t cap = lx->bufcap ? lx->bufcap * 2 : 256;
        char *b = realloc(lx->buf, cap);
        if (!b)
            return s_oom(lx);
        lx->buf = b;
        lx->bufcap = cap;
    }
    lx->buf[lx->buflen++] = c;
    return 0;
}

/* Start a token at the current end of buf; its text pointer is set once
 * the entry is complete (buf may move while it grows). */
static int s_tok_begin(zone_lex_t *lx, bool quoted, const char *line_start)
{
    if (lx->ntok == lx->tokcap) {
        size_t cap = lx->tokcap ? lx->tokcap * 2 : 16;
        zone_tok_t *t = realloc(lx->tok, cap * sizeof *t);
        if (!t)
            return s_oom(lx);
        lx->tok = t;
        lx->tokcap = cap;
    }
    if (lx->ntok == 0) {
        lx->entry_line = lx->line;
        /* RFC 1035 5.1: a blank owner is a line that starts with white space */
        lx->blank_owner = *line_start == ' ' || *line_start == '\t';
    }
    lx->tok[lx->ntok++] = (zone_tok_t){.off = lx->buflen, .line = lx->line, .quoted = quoted};
    return 0;
}

static bool s_delim(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '(' || c == ')' ||
           c == '"';
}

/* The rest of a quoted string (the opening quote consumed). */
static int s_quoted(zone_lex_t *lx, int open_line)
{
    for (;;) {
        if (lx->p >= lx->end || *lx->p == '\n')
            return zone_fail(lx->err, lx->errlen, lx->label, open_line, "unterminated quote");
        char c = *lx->p++;
        if (c == '\0')
            return zone_fail(lx->err, lx->errlen, lx->label, lx->line, "NUL byte in the file");
        if (c == '"')
            return s_putc(lx, '\0');
        if (s_putc(lx, c) < 0)
            return -1;
        if (c == '\\') {
            if (lx->p >= lx->end || *lx->p == '\n')
                return zone_fail(lx->err, lx->errlen, lx->label, open_line, "unterminated quote");
            if (s_putc(lx, *lx->p++) < 0)
                return -1;
        }
    }
}

static int s_plain(zone_lex_t *lx)
{
    while (lx->p < lx->end && !s_delim(*lx->p)) {
        char c = *lx->p++;
        if (c == '\0')
            return zone_fail(lx->err, lx->errlen, lx->label, lx->line, "NUL byte in the file");
        if (s_putc(lx, c) < 0)
            return -1;
        if (c == '\\') {
            if (lx->p >= lx->end || *lx->p == '\n' || *lx->p == '\0')
                return zone_fail(lx->err, lx->errlen, lx->label, lx->line, "backslash at the end of a line");
            if (s_putc(lx, *lx->p++) < 0)
                return -1;
        }
    }
    return s_putc(lx, '\0');
}

int zone_lex_next(zone_lex_t *lx)
{
    lx->ntok = 0;
    lx->buflen = 0;
    lx->blank_owner = false;
    int depth = 0, open_line = 0;
    /* entries always start at the beginning of a line */
    const char *line_start = lx->p;
    for (;;) {
        if (lx->p >= lx->end) {
            if (depth > 0)
                return zone_fail(lx->err, lx->errlen, lx->label, open_line,
                                 "unbalanced parentheses: '(' not closed");
            break;
        }
        char c = *lx->p;
        if (c == '\n') {
            lx->p++;
            lx->line++;
            line_start = lx->p;
            if (depth == 0 && lx->ntok > 0)
                break;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r') {
            lx->p++;
            continue;
        }
        if (c == ';') {
            while (lx->p < lx->end && *lx->p != '\n')
                lx->p++;
            continue;
        }
        if (c == '(') {
            if (depth++ == 0)
                open_line = lx->line;
            lx->p++;
            continue;
        }
        if (c == ')') {
            if (depth == 0)
                return zone_fail(lx->err, lx->errlen, lx->label, lx->line,
                                 "unbalanced parentheses: ')' without '('");
            depth--;
            lx->p++;
            continue;
        }
        if (c == '\0')
            return zone_fail(lx->err, lx->errlen, lx->label, lx->line, "NUL byte in the file");
        if (c == '"') {
            lx->p++;
            if (s_tok_begin(lx, true, line_start) < 0 || s_quoted(lx, lx->line) < 0)
                return -1;
        } else if (s_tok_begin(lx, false, line_start) < 0 || s_plain(lx) < 0) {
            return -1;
        }
    }
    for (size_t i = 0; i < lx->ntok; i++)
        lx->tok[i].text = lx->buf + lx->tok[i].off;
    return lx->ntok > 0 ? 1 : 0;
}
