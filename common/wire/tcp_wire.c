/*
 * tcp_wire.c -- TCP header codec: parse (data offset, options, pseudo-header
 * checksum), emit (options laid out like Linux, checksum computed) and the
 * tcpdump-style summary.
 *
 * Call chain: tcp_input() in transport-svc/tcp_input.c -> tcp_parse();
 * tcp_output.c -> tcp_emit(); tests/unit/tcp_script.c -> both; loggers ->
 * tcp_summary().
 */
#include "wire/tcp_wire.h"
#include "wire/bytes.h"
#include "wire/csum.h"
#include <stdio.h>
#include <string.h>

static int s_parse_options(const uint8_t *opt, size_t olen, tcp_repr_t *r)
{
    size_t i = 0;
    while (i < olen) {
        uint8_t kind = rd_u8(opt + i);
        if (kind == TCP_OPT_EOL)
            break;
        if (kind == TCP_OPT_NOP) {
            i++;
            continue;
        }
        /* RFC 9293 3.2: every other option has a length octet counting kind
         * and length; a length < 2 or running past the header is malformed. */
        if (i + 1 >= olen)
            return TCP_PARSE_BAD_OPTION;
        uint8_t l = rd_u8(opt + i + 1);
        if (l < 2 || i + l > olen)
            return TCP_PARSE_BAD_OPTION;
        const uint8_t *v = opt + i + 2;
        switch (kind) {
        case TCP_OPT_MSS:
            if (l != 4)
                return TCP_PARSE_BAD_OPTION;
            r->has_mss = true;
            r->mss = rd_be16(v);
            break;
        case TCP_OPT_WSCALE:
            if (l != 3)
                return TCP_PARSE_BAD_OPTION;
            r->has_wscale = true;
            r->wscale = rd_u8(v);
            break;
        case TCP_OPT_SACK_PERM:
            if (l != 2)
                return TCP_PARSE_BAD_OPTION;
            r->sack_perm = true;
            break;
        case TCP_OPT_TS:
            if (l != 10)
                return TCP_PARSE_BAD_OPTION;
            r->has_ts = true;
            r->ts_val = rd_be32(v);
            r->ts_ecr = rd_be32(v + 4);
            break;
        default: /* RFC 9293 3.2: MUST ignore unknown options (length known) */
            break;
        }
        i += l;
    }
    return TCP_PARSE_OK;
}

int tcp_parse_nocsum(const uint8_t *buf, size_t len, tcp_repr_t *r)
{
    memset(r, 0, sizeof *r);
    if (!buf || len < TCP_HDR_MIN)
        return TCP_PARSE_TRUNCATED;
    size_t hl = (size_t)(rd_u8(buf + TCP_OFF_DOFF) >> 4) * 4;
    if (hl < TCP_HDR_MIN)
        return TCP_PARSE_BAD_OFFSET;
    if (hl > len)
        return TCP_PARSE_TRUNCATED;
    r->sport = rd_be16(buf + TCP_OFF_SPORT);
    r->dport = rd_be16(buf + TCP_OFF_DPORT);
    r->seq = rd_be32(buf + TCP_OFF_SEQ);
    r->ack = rd_be32(buf + TCP_OFF_ACK);
    r->flags = rd_u8(buf + TCP_OFF_FLAGS);
    r->wnd = rd_be16(buf + TCP_OFF_WND);
    r->csum = rd_be16(buf + TCP_OFF_CSUM);
    r->urg = rd_be16(buf + TCP_OFF_URG);
    r->hdr_len = (uint8_t)hl;
    int rc = s_parse_options(buf + TCP_HDR_MIN, hl - TCP_HDR_MIN, r);
    if (rc != TCP_PARSE_OK)
        return rc;
    r->payload = buf + hl;
    r->payload_len = len - hl;
    return TCP_PARSE_OK;
}

int tcp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst, tcp_repr_t *r)
{
    int rc = tcp_parse_nocsum(buf, len, r);
    if (rc != TCP_PARSE_OK)
        return rc;
    /* RFC 9293 3.1 / RFC 1122 4.2.2.7: the checksum covers the pseudo-header;
     * a segment whose checksum fails MUST be discarded (by the caller). */
    if (len > 0xffff || csum_fold(csum_add(csum_pseudo(src, dst, TCP_PROTO, (uint16_t)len), buf, len)) != 0)
        return TCP_PARSE_BAD_CHECKSUM;
    return TCP_PARSE_OK;
}

const char *tcp_reason_str(int reason)
{
    switch (reason) {
    case TCP_PARSE_OK: return "ok";
    case TCP_PARSE_TRUNCATED: return "truncated";
    case TCP_PARSE_BAD_OFFSET: return "bad data offset";
    case TCP_PARSE_BAD_OPTION: return "malformed option";
    case TCP_PARSE_BAD_CHECKSUM: return "bad checksum";
    default: return "unknown";
    }
}

size_t tcp_hdr_len(const tcp_repr_t *r)
{
    size_t o = 0;
    if (r->has_mss)
        o += 4;
    if (r->has_ts)
        o += 12; /* SACK_PERM+TS or NOP NOP TS */
    else if (r->sack_perm)
        o += 4; /* NOP NOP SACK_PERM */
    if (r->has_wscale)
        o += 4; /* NOP WSCALE */
    return TCP_HDR_MIN + o;
}

int tcp_emit(const tcp_repr_t *r, uint32_t src, uint32_t dst, uint8_t *buf, size_t cap)
{
    size_t hl = tcp_hdr_len(r);
    size_t total = hl + r->payload_len;
    if (!buf || total > cap || total > 0xffff)
        return -1;
    wr_be16(buf + TCP_OFF_SPORT, r->sport);
    wr_be16(buf + TCP_OFF_DPORT, r->dport);
    wr_be32(buf + TCP_OFF_SEQ, r->seq);
    wr_be32(buf + TCP_OFF_ACK, r->ack);
    wr_u8(buf + TCP_OFF_DOFF, (uint8_t)((hl / 4) << 4));
    wr_u8(buf + TCP_OFF_FLAGS, r->flags);
    wr_be16(buf + TCP_OFF_WND, r->wnd);
    wr_be16(buf + TCP_OFF_CSUM, 0);
    wr_be16(buf + TCP_OFF_URG, r->urg);
    uint8_t *o = buf + TCP_HDR_MIN;
    if (r->has_mss) {
        wr_u8(o, TCP_OPT_MSS); wr_u8(o + 1, 4); wr_be16(o + 2, r->mss);
        o += 4;
    }
    if (r->has_ts) {
        if (r->sack_perm) {
            wr_u8(o, TCP_OPT_SACK_PERM); wr_u8(o + 1, 2);
        } else {
            wr_u8(o, TCP_OPT_NOP); wr_u8(o + 1, TCP_OPT_NOP);
        }
        wr_u8(o + 2, TCP_OPT_TS); wr_u8(o + 3, 10);
        wr_be32(o + 4, r->ts_val); wr_be32(o + 8, r->ts_ecr);
        o += 12;
    } else if (r->sack_perm) {
        wr_u8(o, TCP_OPT_NOP); wr_u8(o + 1, TCP_OPT_NOP);
        wr_u8(o + 2, TCP_OPT_SACK_PERM); wr_u8(o + 3, 2);
        o += 4;
    }
    if (r->has_wscale) {
        wr_u8(o, TCP_OPT_NOP); wr_u8(o + 1, TCP_OPT_WSCALE); wr_u8(o + 2, 3); wr_u8(o + 3, r->wscale);
        o += 4;
    }
    if (r->payload_len)
        memcpy(buf + hl, r->payload, r->payload_len);
    uint16_t c = csum_fold(csum_add(csum_pseudo(src, dst, TCP_PROTO, (uint16_t)total), buf, total));
    wr_be16(buf + TCP_OFF_CSUM, c);
    return (int)total;
}

char *tcp_flags_str(uint8_t flags, char *buf)
{
    /* tcpdump's order: F S R P . U E W */
    static const struct { uint8_t bit; char c; } tab[] = {
        {TCP_FIN, 'F'}, {TCP_SYN, 'S'}, {TCP_RST, 'R'}, {TCP_PSH, 'P'},
        {TCP_ACK, '.'}, {TCP_URG, 'U'}, {TCP_ECE, 'E'}, {TCP_CWR, 'W'}};
    size_t n = 0;
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (flags & tab[i].bit)
            buf[n++] = tab[i].c;
    if (n == 0) {
        strcpy(buf, "none");
        return buf;
    }
    buf[n] = 0;
    return buf;
}

char *tcp_summary(const tcp_repr_t *r, char *buf, size_t cap)
{
    char f[10];
    size_t n = 0;
    if (!buf || cap == 0)
        return buf;
    buf[0] = 0;
#define APP(...) do { if (n < cap) { int k_ = snprintf(buf + n, cap - n, __VA_ARGS__); if (k_ > 0) n += (size_t)k_; } } while (0)
    APP("Flags [%s]", tcp_flags_str(r->flags, f));
    if (r->payload_len)
        APP(", seq %u:%u", r->seq, (uint32_t)(r->seq + r->payload_len));
    else if (r->flags & (TCP_SYN | TCP_FIN | TCP_RST) || !(r->flags & TCP_ACK))
        APP(", seq %u", r->seq);
    if (r->flags & TCP_ACK)
        APP(", ack %u", r->ack);
    APP(", win %u", r->wnd);
    if (r->has_mss || r->has_wscale || r->sack_perm || r->has_ts) {
        const char *sep = "";
        APP(", options [");
        if (r->has_mss) { APP("%smss %u", sep, r->mss); sep = ","; }
        if (r->sack_perm) { APP("%ssackOK", sep); sep = ","; }
        if (r->has_ts) { APP("%sTS val %u ecr %u", sep, r->ts_val, r->ts_ecr); sep = ","; }
        if (r->has_wscale) { APP("%swscale %u", sep, r->wscale); }
        APP("]");
    }
    APP(", length %zu", r->payload_len);
#undef APP
    return buf;
}
