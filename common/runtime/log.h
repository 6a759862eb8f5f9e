/*
 * log.h -- the structured per-layer logger: one JSON object per line.
 *
 * Every service writes one line per event to its own file under the run
 * directory. `stackctl trace` merges them by "t" (CLOCK_MONOTONIC seconds,
 * shared by all processes on a machine). Example:
 *
 *   {"t":12.000123456,"host":"hosta","svc":"hosta-link","layer":"link","dir":"down",
 *    "ev":"encap","pdu":"5f3a9c01:0000002a","parents":["5f3a9c00:00000007"],"if":"eth0",
 *    "msg":"02:00:00:00:00:0a > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 192.0.2.1 tell 192.0.2.10"}
 *
 * Keys: t, host, svc, layer, dir ("down"|"up"|"-"), ev (encap, decap, demux,
 * forward, drop, fault, timer, state, info, error, ...), pdu, parents, if,
 * reason (drops: the counter name), msg (tcpdump-style summary or text).
 *
 * Levels: LS_LOG_ERROR < LS_LOG_WARN < LS_LOG_INFO < LS_LOG_PDU. Per-PDU lines
 * (encap/decap/demux/forward/drop/fault) are LS_LOG_PDU, the default level, so
 * traces are complete; benchmarks run at info.
 */
#ifndef LS_LOG_H
#define LS_LOG_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>
#include "runtime/counters.h"

enum { LS_LOG_ERROR = 0, LS_LOG_WARN = 1, LS_LOG_INFO = 2, LS_LOG_PDU = 3 };

typedef struct ls_log ls_log_t;

/* One event's fields; unset pointers/zeros are omitted from the line. */
typedef struct {
    uint64_t now_ns;          /* 0: the logger reads CLOCK_MONOTONIC itself */
    const char *layer;        /* "wire", "link", "net", "transport", "app", "switch", ... */
    const char *dir;          /* "down", "up" or NULL */
    const char *ev;           /* event name */
    uint64_t pdu;             /* PDU id, 0 = none */
    const uint64_t *parents;  /* parent PDU ids */
    size_t nparents;
    const char *ifname;       /* interface, or NULL */
    const char *reason;       /* for drops: the counter name */
} ls_logev_t;

/* path NULL or "-" = stderr. host/svc label every line. Returns NULL on failure. */
ls_log_t *ls_log_new(const char *host, const char *svc, const char *path, int level);
void ls_log_destroy(ls_log_t **self_p);
void ls_log_set_level(ls_log_t *self, int level);
int ls_log_level(const ls_log_t *self);
/* Parse "error|warn|info|pdu|debug"; -1 if unknown. */
int ls_log_level_parse(const char *name);
/* Is a line at this level written? Callers skip building summaries when not. */
int ls_log_on(const ls_log_t *self, int level);

/* Write one event line. self may be NULL (logging disabled). */
void ls_logev(ls_log_t *self, int level, const ls_logev_t *ev, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void ls_vlogev(ls_log_t *self, int level, const ls_logev_t *ev, const char *fmt, va_list ap);
/* Plain message: ev "info"/"warn"/"error" by level. */
void ls_logf(ls_log_t *self, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The drop idiom: bump `counter` in reg and log ev "drop" with reason = counter. */
void ls_drop(ls_log_t *self, ls_counters_t *reg, const ls_logev_t *ev, const char *counter,
             const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Format a PDU id as "nnnnnnnn:cccccccc" (instance nonce : counter); buf >= 18 bytes. */
char *ls_pdu_fmt(uint64_t id, char *buf);

#endif
