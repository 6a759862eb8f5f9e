/*
 * pcap_out.c -- libpcap dump writer (see pcap_out.h).
 * Callers: link-svc switch mode (per segment), pipe captures.
 */
#include "runtime/pcap_out.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>

struct ls_pcap {
    pcap_t *dead;
    pcap_dumper_t *dumper;
};

ls_pcap_t *ls_pcap_open(const char *path, int linktype, char *err, size_t errlen)
{
    ls_pcap_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->dead = pcap_open_dead(linktype, 65535);
    if (!self->dead) {
        snprintf(err, errlen, "pcap_open_dead failed");
        free(self);
        return NULL;
    }
    self->dumper = pcap_dump_open(self->dead, path);
    if (!self->dumper) {
        snprintf(err, errlen, "%s: %s", path, pcap_geterr(self->dead));
        pcap_close(self->dead);
        free(self);
        return NULL;
    }
    return self;
}

void ls_pcap_close(ls_pcap_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pcap_dump_close((*self_p)->dumper);
    pcap_close((*self_p)->dead);
    free(*self_p);
    *self_p = NULL;
}

int ls_pcap_write(ls_pcap_t *self, const uint8_t *pkt, size_t len)
{
    if (!self)
        return -1;
    struct pcap_pkthdr h;
    gettimeofday(&h.ts, NULL); /* pcap timestamps are wall-clock by format */
    h.caplen = h.len = (bpf_u_int32)len;
    pcap_dump((u_char *)self->dumper, &h, pkt);
    return pcap_dump_flush(self->dumper);
}
