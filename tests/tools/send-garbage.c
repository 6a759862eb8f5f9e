/*
 * send-garbage -- connect to a pipe endpoint and send malformed envelopes:
 * random bytes, an envelope with a wrong contract version, a truncated
 * envelope and an inconsistent one (LINK_TX without its primitive). The
 * receiving service must reject, count and log each, and keep running.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "runtime/env.h"

int main(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc == 2 ? stdout : stderr, "usage: send-garbage ENDPOINT\n");
        return argc == 2 ? 0 : 2;
    }
    void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 2000;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(s, argv[1]) < 0) {
        fprintf(stderr, "send-garbage: %s: %s\n", argv[1], zmq_strerror(zmq_errno()));
        return 1;
    }
    uint8_t junk[64];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(0xff - i * 13);
    zmq_send(s, junk, sizeof junk, 0);

    Ls__Envelope e = LS__ENVELOPE__INIT;
    Ls__LinkTx tx = LS__LINK_TX__INIT;
    uint8_t pdu[20] = {0x45};
    e.version = 77;
    e.pdu_id = 1;
    e.layer = LS__LAYER__NET;
    e.dir = LS__DIRECTION__DOWN;
    e.seq = 1;
    e.kind = LS__KIND__LINK_TX;
    e.has_pdu = 1;
    e.pdu = (ProtobufCBinaryData){sizeof pdu, pdu};
    tx.ifname = "eth0";
    tx.ethertype = 0x0800;
    e.link_tx = &tx;
    uint8_t buf[256];
    size_t n = ls__envelope__pack(&e, buf);
    zmq_send(s, buf, n, 0);              /* wrong version */
    e.version = LS__VERSION__CONTRACT_VERSION;
    n = ls__envelope__pack(&e, buf);
    zmq_send(s, buf, n / 2, 0);          /* truncated */
    e.link_tx = NULL;
    n = ls__envelope__pack(&e, buf);
    zmq_send(s, buf, n, 0);              /* inconsistent */
    zmq_close(s);
    zmq_ctx_term(ctx);
    printf("sent 4 malformed envelopes to %s\n", argv[1]);
    return 0;
}
