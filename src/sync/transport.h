/* transport.h — the sync worker's HTTPS client (internal to src/sync).
 *
 * One libcurl easy handle, configured once and reused so the connection to
 * the hub stays open between batches. TLS fails closed: peer and host name
 * verified against the configured CA bundle, an optional public-key pin,
 * TLS 1.2 at least, https only (http only for a loopback hub), redirects
 * never followed. A transfer checks `stop` about once a second and aborts
 * when it is set.
 */
#ifndef AMENDS_SYNC_TRANSPORT_H
#define AMENDS_SYNC_TRANSPORT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amends/buf.h"
#include "amends/error.h"

#define SYNC_REPLY_MAX (1024 * 1024) /* an answer larger than this is refused */

typedef struct sync_transport sync_transport;

typedef struct sync_transport_options {
    const char *base_url;
    const char *ca_file; /* NULL or "": system store */
    const char *pin;     /* NULL or "": none */
    const char *user_agent;
    int connect_timeout_s;
    int low_speed_time_s;
    int request_timeout_s;
    const atomic_bool *stop; /* borrowed */
} sync_transport_options;

typedef struct sync_reply {
    long status; /* 0: no HTTP answer */
    char *body;  /* NUL-terminated, owned; sync_reply_clear */
    size_t len;
    am_buf buf; /* the answer as it arrives, capped at SYNC_REPLY_MAX */
    char retry_after[64];
    int64_t latency_ms;
    bool aborted;        /* stopped by `stop` */
    char transport[160]; /* the transport failure, "" when an answer came */
} sync_reply;
void sync_reply_clear(sync_reply *r);

/* Checks the URL's scheme: https, or http only for 127.0.0.1, [::1] and
 * localhost. false and why otherwise. */
bool sync_url_allowed(const char *url, char *why, size_t whylen);

/* NULL and err on a refused URL or out of memory. */
sync_transport *sync_transport_new(const sync_transport_options *opt, char *err, size_t errlen);
void sync_transport_free(sync_transport *t); /* accepts NULL */

/* Signs body with the Standard Webhooks v1 scheme and posts it to
 * BASE/v1/ingest with the bearer token and Idempotency-Key: batch. AM_OK
 * when an HTTP answer came (any status); AM_ERR_IO on a transport failure
 * (out->transport says what, in words a manager can act on). */
am_rc sync_transport_post(sync_transport *t, const char *token, const uint8_t *key, size_t keylen,
                          const char *batch, const char *body, size_t len, sync_reply *out);

#endif
