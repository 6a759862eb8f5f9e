/*
 * pcap-read -- read a pcap back with libpcap and print one line per packet.
 *   Ethernet (segment captures):
 *     N SRC > DST ETHERTYPE LEN [ARP op OP SPA > TPA | IPv4 SRC > DST proto P]
 *   Raw IPv4 (per-pipe captures, LINKTYPE_RAW): a first line "linktype 101", then
 *     v4 proto 1 SRC > DST len TOTAL type ICMPTYPE
 *     v4 proto 6|17 SRC.SPORT > DST.DPORT
 * Used by integration tests to assert on what crossed a segment or a pipe,
 * and to check the file is well-formed (libpcap refuses a malformed one: exit 1).
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "wire/bytes.h"

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
    int raw = pcap_datalink(p) == DLT_RAW;
    if (raw)
        printf("linktype 101\n"); /* LINKTYPE_RAW in the file; libpcap calls it DLT_RAW */
    else if (pcap_datalink(p) != DLT_EN10MB)
        printf("# linktype %d\n", pcap_datalink(p));
    struct pcap_pkthdr *h;
    const u_char *d;
    int n = 0, rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        n++;
        char s[18], t[18], a[16], b[16];
        if (raw) {
            if (h->caplen < 20 || (d[0] >> 4) != 4) {
                printf("not-ipv4 %u\n", h->caplen);
                continue;
            }
            size_t ihl = (size_t)(d[0] & 0x0f) * 4;
            printf("v4 proto %u %s", d[9], ip4_fmt(rd_be32(d + 12), a));
            if ((d[9] == 6 || d[9] == 17) && h->caplen >= ihl + 4)
                printf(".%u > %s.%u\n", rd_be16(d + ihl), ip4_fmt(rd_be32(d + 16), b), rd_be16(d + ihl + 2));
            else
                printf(" > %s len %u type %d\n", ip4_fmt(rd_be32(d + 16), b), rd_be16(d + 2),
                       h->caplen > ihl ? d[ihl] : -1);
            continue;
        }
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
