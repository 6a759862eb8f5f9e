/*
 * counters.h -- a registry of named 64-bit counters, one per service.
 *
 * Every drop site bumps a named counter (lwIP/FreeBSD discipline), and
 * `stackctl stats HOST` prints them all, netstat -s style. Names are
 * "layer.what", e.g. "ip.drop.bad_checksum", "arp.rx.reply".
 *
 *   uint64_t *c = ls_counter(reg, "ip.drop.bad_version");  // register or find
 *   (*c)++;                                                  // pointer is stable
 *   LS_COUNT(reg, "eth.rx.frames");                         // one-shot increment
 */
#ifndef LS_COUNTERS_H
#define LS_COUNTERS_H

#include <stdint.h>
#include <stddef.h>

typedef struct ls_counters ls_counters_t;

ls_counters_t *ls_counters_new(void);
void ls_counters_destroy(ls_counters_t **self_p);
/* Find or register a counter (starting at 0). The pointer stays valid until destroy. */
uint64_t *ls_counter(ls_counters_t *self, const char *name);
/* Value of a counter, 0 if never registered. */
uint64_t ls_counter_get(const ls_counters_t *self, const char *name);
/* Visit every counter in name order. */
void ls_counters_foreach(const ls_counters_t *self,
                         void (*fn)(const char *name, uint64_t value, void *arg), void *arg);
size_t ls_counters_size(const ls_counters_t *self);

#define LS_COUNT(reg, name) ((*ls_counter((reg), (name)))++)

#endif
