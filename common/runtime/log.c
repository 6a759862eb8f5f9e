/*
 * log.c -- structured JSON-lines logger (format documented in log.h).
 *
 * One ls_log_t per service, writing to the service's file in the run
 * directory (line-buffered so `stackctl trace --follow` sees whole lines).
 * Strings are JSON-escaped. Callers: every service and core; ls_drop() is
 * the single drop idiom (counter + line).
 */
#include "runtime/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ls_log {
    FILE *fp;
    int own_fp;
    int level;
    char *host;
    char *svc;
};

static uint64_t s_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

ls_log_t *ls_log_new(const char *host, const char *svc, const char *path, int level)
{
    ls_log_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    if (!path || strcmp(path, "-") == 0) {
        self->fp = stderr;
    } else {
        self->fp = fopen(path, "a");
        if (!self->fp) {
            free(self);
            return NULL;
        }
        self->own_fp = 1;
        setvbuf(self->fp, NULL, _IOLBF, 0);
    }
    self->host = strdup(host ? host : "-");
    self->svc = strdup(svc ? svc : "-");
    self->level = level;
    return self;
}

void ls_log_destroy(ls_log_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ls_log_t *self = *self_p;
    if (self->own_fp)
        fclose(self->fp);
    free(self->host);
    free(self->svc);
    free(self);
    *self_p = NULL;
}

void ls_log_set_level(ls_log_t *self, int level)
{
    if (self)
        self->level = level;
}

int ls_log_level(const ls_log_t *self) { return self ? self->level : -1; }

int ls_log_on(const ls_log_t *self, int level) { return self && level <= self->level; }

int ls_log_level_parse(const char *name)
{
    static const char *const names[] = {"error", "warn", "info", "pdu"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    if (strcmp(name, "debug") == 0)
        return LS_LOG_PDU;
    return -1;
}

char *ls_pdu_fmt(uint64_t id, char *buf)
{
    snprintf(buf, 18, "%08x:%08x", (unsigned)(id >> 32), (unsigned)(id & 0xffffffffu));
    return buf;
}

/* Append a JSON string literal (with quotes) to fp. */
static void s_json_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(fp, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", fp);
        else if (c == '\t')
            fputs("\\t", fp);
        else if (c < 0x20)
            fprintf(fp, "\\u%04x", c);
        else
            fputc(c, fp);
    }
    fputc('"', fp);
}

void ls_vlogev(ls_log_t *self, int level, const ls_logev_t *ev, const char *fmt, va_list ap)
{
    if (!ls_log_on(self, level))
        return;
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    uint64_t t = ev && ev->now_ns ? ev->now_ns : s_mono_ns();
    FILE *fp = self->fp;
    char id[18];
    flockfile(fp);
    fprintf(fp, "{\"t\":%llu.%09llu,\"host\":", (unsigned long long)(t / 1000000000ull),
            (unsigned long long)(t % 1000000000ull));
    s_json_str(fp, self->host);
    fputs(",\"svc\":", fp);
    s_json_str(fp, self->svc);
    static const char *const lvl[] = {"error", "warn", "info", "info"};
    if (ev && ev->layer) {
        fputs(",\"layer\":", fp);
        s_json_str(fp, ev->layer);
    }
    if (ev && ev->dir) {
        fputs(",\"dir\":", fp);
        s_json_str(fp, ev->dir);
    }
    fputs(",\"ev\":", fp);
    s_json_str(fp, ev && ev->ev ? ev->ev : lvl[level < 0 ? 0 : level > 3 ? 3 : level]);
    if (ev && ev->pdu)
        fprintf(fp, ",\"pdu\":\"%s\"", ls_pdu_fmt(ev->pdu, id));
    if (ev && ev->nparents) {
        fputs(",\"parents\":[", fp);
        for (size_t i = 0; i < ev->nparents; i++)
            fprintf(fp, "%s\"%s\"", i ? "," : "", ls_pdu_fmt(ev->parents[i], id));
        fputc(']', fp);
    }
    if (ev && ev->ifname) {
        fputs(",\"if\":", fp);
        s_json_str(fp, ev->ifname);
    }
    if (ev && ev->reason) {
        fputs(",\"reason\":", fp);
        s_json_str(fp, ev->reason);
    }
    fputs(",\"msg\":", fp);
    s_json_str(fp, msg);
    fputs("}\n", fp);
    funlockfile(fp);
}

void ls_logev(ls_log_t *self, int level, const ls_logev_t *ev, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ls_vlogev(self, level, ev, fmt, ap);
    va_end(ap);
}

void ls_logf(ls_log_t *self, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ls_vlogev(self, level, NULL, fmt, ap);
    va_end(ap);
}

void ls_drop(ls_log_t *self, ls_counters_t *reg, const ls_logev_t *ev, const char *counter,
             const char *fmt, ...)
{
    if (reg)
        (*ls_counter(reg, counter))++;
    if (!ls_log_on(self, LS_LOG_PDU))
        return;
    ls_logev_t e = ev ? *ev : (ls_logev_t){0};
    e.ev = "drop";
    e.reason = counter;
    va_list ap;
    va_start(ap, fmt);
    ls_vlogev(self, LS_LOG_PDU, &e, fmt, ap);
    va_end(ap);
}
