/*
 * pcap_out.h -- append PDUs to a pcap file with libpcap.
 *
 * One writer per capture point: each Ethernet segment (DLT_EN10MB, written
 * by its switch), and per-pipe captures (DLT_RAW for IPv4 on net:link).
 * Frames are written without the emulated FCS. Each packet is flushed so
 * tcpdump/tshark can read a live run.
 */
#ifndef LS_PCAP_OUT_H
#define LS_PCAP_OUT_H

#include <stdint.h>
#include <stddef.h>

typedef struct ls_pcap ls_pcap_t;

/* linktype: DLT_EN10MB (1) or DLT_RAW (12 / LINKTYPE_RAW 101). NULL on error. */
ls_pcap_t *ls_pcap_open(const char *path, int linktype, char *err, size_t errlen);
void ls_pcap_close(ls_pcap_t **self_p);
/* Write one packet stamped with the wall clock. 0 / -1. */
int ls_pcap_write(ls_pcap_t *self, const uint8_t *pkt, size_t len);

#endif
