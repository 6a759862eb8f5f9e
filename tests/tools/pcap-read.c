/*
 * pcap-read -- read a pcap back with libpcap and print one line per frame:
 *   N  SRC > DST  ETHERTYPE  LEN  [ARP op SPA > TPA | IPv4 SRC > DST proto P]
 * Used by integration tests to assert on what crossed a segment, and to
 * check the file is well-formed (libpcap refuses a malformed one: exit 1).
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "bytes.h"

int main(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc == 2 ? stdout : stderr, "usage: pcap-read FILE.pcap\n");
        return argc == 2 ? 0 : 2;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "pcap-read: %s\n", err);
        return 1;
    }
    if (pcap_datalink(p) != DLT_EN10MB)
        printf("# linktype %d\n", pcap_datalink(p));
    struct pcap_pkthdr *h;
    const u_char *d;
    int n = 0, rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        n++;
        char s[18], t[18], a[16], b[16];
        if (h->caplen < 14) {
            printf("%d runt %u\n", n, h->caplen);
            continue;
        }
        uint16_t type = rd_be16(d + 12);
        printf("%d %s > %s 0x%04x %u", n, mac_fmt(d + 6, s), mac_fmt(d, t), type, h->len);
        if (type == 0x0806 && h->caplen >= 42)
            printf(" ARP op %u %s > %s", rd_be16(d + 20), ip4_fmt(rd_be32(d + 28), a), ip4_fmt(rd_be32(d + 38), b));
        else if (type == 0x0800 && h->caplen >= 34)
            printf(" IPv4 %s > %s proto %u", ip4_fmt(rd_be32(d + 26), a), ip4_fmt(rd_be32(d + 30), b), d[23]);
        printf("\n");
    }
    pcap_close(p);
    if (rc == -1) {
        fprintf(stderr, "pcap-read: %s\n", pcap_geterr(p));
        return 1;
    }
    return 0;
}
