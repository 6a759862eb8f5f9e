/*
 * switch_table.h -- learning-switch MAC address table (IEEE 802.1D 7.7/7.8
 * filtering database, transparent bridging), pure: no I/O, fake-clock testable.
 *
 * Call chain: the switch process (link-svc in switch mode) calls, per frame
 * received on port in_port:
 *   switch_table_learn(t, eth.src, in_port, now);
 *   n = switch_table_decide(t, eth.dst, in_port, now, out, max);  -> send to out[0..n)
 * and switch_table_age() when switch_table_next_deadline() is reached;
 * switch_table_foreach() serves `stackctl table mac`.
 * Ports are small integers 0..nports-1 that the caller maps to its peers.
 */
#ifndef LS_SWITCH_TABLE_H
#define LS_SWITCH_TABLE_H

#include <stdint.h>
#include <stddef.h>
#include "runtime/log.h"

#define SWITCH_TABLE_AGING_DEFAULT_NS (300ull * 1000000000ull) /* 802.1D default ageing time */
#define SWITCH_TABLE_MAX_ENTRIES_DEFAULT 4096

typedef struct switch_table switch_table_t;

/* aging_ns 0 = 300 s, max_entries 0 = 4096. reg NULL = a private registry
 * (switch_table_counters); log may be NULL. Starts with 0 ports. */
switch_table_t *switch_table_new(uint64_t aging_ns, size_t max_entries, ls_counters_t *reg,
                                 ls_log_t *log);
void switch_table_destroy(switch_table_t **self_p);

/* Number of ports (0..nports-1). Shrinking forgets entries on removed ports. 0/-1. */
int switch_table_set_ports(switch_table_t *self, unsigned nports);
unsigned switch_table_ports(const switch_table_t *self);

/* Learn (or refresh) src_mac on port. A MAC seen on a new port moves there
 * (logged "mac move", counter switch.move). Group (multicast) source
 * addresses are never learned. 0, or -1 if not learned (bad source, bad
 * port, table full). */
int switch_table_learn(switch_table_t *self, const uint8_t src_mac[6], unsigned port, uint64_t now);

/* Output ports for a frame to dst_mac that arrived on in_port, written to
 * out_ports[0..n). Broadcast, multicast and unknown unicast: flooded to every
 * port except in_port (switch.flood); known unicast: its port
 * (switch.forward); known unicast whose port is in_port: filtered, 0 ports
 * (switch.drop.same_port). Returns n, or -1 if in_port is out of range or
 * max is too small (switch.drop.bad_port). */
int switch_table_decide(switch_table_t *self, const uint8_t dst_mac[6], unsigned in_port,
                        uint64_t now, unsigned *out_ports, size_t max);

/* 0 and the port if mac is known (and not aged out at now), else -1. */
int switch_table_lookup(const switch_table_t *self, const uint8_t mac[6], uint64_t now,
                        unsigned *port);
/* Remove entries not refreshed for aging_ns (switch.age). Returns how many. */
size_t switch_table_age(switch_table_t *self, uint64_t now);
/* Earliest time an entry ages out, or UINT64_MAX. */
uint64_t switch_table_next_deadline(const switch_table_t *self);
/* Forget every MAC learned on port (link down). Returns how many. */
size_t switch_table_forget_port(switch_table_t *self, unsigned port);

typedef void (*switch_table_visit_fn)(const uint8_t mac[6], unsigned port, uint64_t age_ns, void *arg);
/* Visit every entry in ascending MAC order; age = now - last seen. */
void switch_table_foreach(const switch_table_t *self, uint64_t now, switch_table_visit_fn fn, void *arg);
size_t switch_table_size(const switch_table_t *self);
ls_counters_t *switch_table_counters(switch_table_t *self);

#endif
