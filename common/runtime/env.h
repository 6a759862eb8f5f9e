/*
 * env.h -- envelope helpers: filling, validating and sequence tracking.
 *
 * Pure functions over the protobuf-c Envelope (proto/layerstack.proto); the
 * ZeroMQ side lives in pipe.c. A receiver calls ls_env_unpack(), which
 * rejects (never crashes on) undecodable bytes, a wrong contract version and
 * inconsistent envelopes, each with its own reason and counter name.
 */
#ifndef LS_ENV_H
#define LS_ENV_H

#include <stdint.h>
#include <stddef.h>
#include "proto/layerstack.pb-c.h"

typedef enum {
    LS_ENV_OK = 0,
    LS_ENV_ERR_DECODE,       /* protobuf-c could not unpack (truncated, garbage) */
    LS_ENV_ERR_VERSION,      /* version != CONTRACT_VERSION */
    LS_ENV_ERR_LAYER,        /* layer/direction out of range or none */
    LS_ENV_ERR_KIND,         /* kind unknown, or its primitive message missing */
    LS_ENV_ERR_PDU,          /* kind needs pdu bytes and they are absent/empty */
    LS_ENV_ERR_FIELD,        /* a primitive's field is malformed (e.g. MAC not 6 bytes) */
} ls_env_reason_t;

const char *ls_env_reason_str(ls_env_reason_t r);
/* Counter name for a reason: "pipe.drop.decode", "pipe.drop.version", ... */
const char *ls_env_reason_counter(ls_env_reason_t r);

/* Unpack and validate. On LS_ENV_OK *out must be freed with ls_env_free(). */
ls_env_reason_t ls_env_unpack(const uint8_t *buf, size_t len, Ls__Envelope **out);
/* Validate an already-unpacked envelope. */
ls_env_reason_t ls_env_check(const Ls__Envelope *env);
void ls_env_free(Ls__Envelope **env_p);

/* Pack env into *buf, growing it (at least 2 KiB) as needed; returns the
 * packed length. Aborts only on out-of-memory. */
size_t ls_env_pack(const Ls__Envelope *env, uint8_t **buf, size_t *cap);

/* Short names for logs: "LINK_TX", "down", "link". */
const char *ls_kind_str(Ls__Kind k);
const char *ls_dir_str(Ls__Direction d);
const char *ls_layer_str(Ls__Layer l);

/* Per-pipe receive sequence tracking. Sequence numbers start at 1 per sender
 * instance; a 1 after higher numbers means the peer restarted. */
typedef struct {
    uint64_t last;       /* last seq seen, 0 = none */
    uint64_t gaps;       /* PDUs missing between seen sequence numbers */
    uint64_t restarts;   /* peer restarts detected (seq went back to 1) */
    uint64_t reordered;  /* seq lower than expected, not a restart */
} ls_seq_t;

/* Account one received seq; returns the number of PDUs missing before it. */
uint64_t ls_seq_track(ls_seq_t *t, uint64_t seq);

/* PDU id = (instance nonce << 32) | counter. */
static inline uint64_t ls_pdu_id_make(uint32_t nonce, uint32_t counter)
{
    return (uint64_t)nonce << 32 | counter;
}

#endif
