/*
 * link.h -- link-svc in host mode: one process per host, one interface
 * context per topology interface.
 *
 * Each interface has two pipes: "net:link@IF" up to net-svc (bound here) and
 * "wire@IF" to the segment's switch (connected, identity "<svc>/wire@IF").
 * Down: LINK_TX -> ARP resolve (arp_cache) -> Ethernet II + FCS -> wire.
 * Up: wire frame -> FCS -> Ethernet -> demux by ethertype -> ARP | LINK_RX.
 */
#ifndef LS_LINK_H
#define LS_LINK_H

#include "runtime/svc.h"

/* Run host-mode link-svc on an initialised service; returns the exit code. */
int link_run(ls_svc_t *svc);
/* Run switch mode (svc->segment set); returns the exit code. */
int switch_run(ls_svc_t *svc);

#endif
