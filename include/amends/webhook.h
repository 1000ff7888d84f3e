/* webhook.h — Standard Webhooks v1 signatures, as every sync request
 * carries them (docs/protocol.md, "Signature"): HMAC-SHA256 over
 * "{id}.{timestamp}.{body}", base64 with padding. Implemented by
 * src/proto/webhook.c (nettle for the HMAC, libsodium for comparing,
 * base64 and randomness); part of the amends_proto library. No I/O.
 */
#ifndef AMENDS_WEBHOOK_H
#define AMENDS_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amends/error.h"

#define AM_WEBHOOK_KEY_MIN       16
#define AM_WEBHOOK_KEY_MAX       64
#define AM_WEBHOOK_SECRET_MAX    (6 + 4 * ((AM_WEBHOOK_KEY_MAX + 2) / 3) + 1) /* whsec_... */
#define AM_WEBHOOK_SIGNATURE_MAX (3 + 44 + 1)                                 /* v1,<b64> */
#define AM_WEBHOOK_ID_MAX        128
#define AM_WEBHOOK_TOLERANCE_S   300

/* Decodes "whsec_<base64>" into key (AM_WEBHOOK_KEY_MAX bytes). The
 * "whsec_" prefix is optional, as in the reference libraries. AM_OK or
 * AM_ERR_INVALID (not base64, shorter than AM_WEBHOOK_KEY_MIN bytes or
 * longer than AM_WEBHOOK_KEY_MAX). */
am_rc am_webhook_secret_parse(const char *secret, uint8_t *key, size_t *keylen);
/* A new secret of 32 random bytes as "whsec_<base64>" into out
 * (AM_WEBHOOK_SECRET_MAX bytes). */
void am_webhook_secret_new(char out[AM_WEBHOOK_SECRET_MAX]);

/* True for a webhook-id: [A-Za-z0-9_-]{1,128}. */
bool am_webhook_id_valid(const char *id);

/* Writes "v1,<base64 HMAC-SHA256 of id.timestamp.body>" into out. AM_OK, or
 * AM_ERR_INVALID for a bad id or a small buffer. */
am_rc am_webhook_sign(const uint8_t *key, size_t keylen, const char *msg_id, int64_t timestamp,
                      const void *body, size_t len, char *out, size_t outlen);

typedef enum am_webhook_result {
    AM_WEBHOOK_OK = 0,
    AM_WEBHOOK_MISSING,       /* a header is absent */
    AM_WEBHOOK_BAD_ID,        /* webhook-id not [A-Za-z0-9_-]{1,128} */
    AM_WEBHOOK_BAD_TIMESTAMP, /* not decimal Unix seconds */
    AM_WEBHOOK_STALE,         /* more than the tolerance from now, either way */
    AM_WEBHOOK_BAD_SIGNATURE, /* no v1 signature in the header matches */
} am_webhook_result;
/* A short English reason ("signature does not match"); never NULL. */
const char *am_webhook_result_str(am_webhook_result r);

/* Verifies the three headers (any may be NULL: MISSING) against the body.
 * sig_header may hold several space-separated "vN,<base64>" entries, as
 * during a secret rotation; entries of other versions are skipped; any v1
 * match passes (compared in constant time). now_s is the receiver's clock;
 * a timestamp more than tolerance_s away either way is STALE. */
am_webhook_result am_webhook_verify(const uint8_t *key, size_t keylen, const char *msg_id,
                                    const char *timestamp, const char *sig_header, const void *body,
                                    size_t len, int64_t now_s, int64_t tolerance_s);

#endif
