/* hub_client.h — a client of amends-hub over libcurl for the hub's tests
 * and benchmark: signs and posts ingest batches (also wrongly, on purpose,
 * to test the hub's refusals) and reads the manager API.
 *
 * Not the kiosk's client: the sync worker has its own in
 * src/sync/transport.c, and no program links this one. TLS is always
 * verified (against ca_file when given); TLS 1.2 at least; redirects are
 * never followed. One handle per thread; it keeps its connection alive
 * between requests.
 */
#ifndef AMENDS_TEST_HUB_CLIENT_H
#define AMENDS_TEST_HUB_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "amends/error.h"

typedef struct am_hub_client am_hub_client;

/* base_url: "https://host:port" (no trailing slash). ca_file may be NULL
 * (system CAs). token: the bearer token (kiosk or manager). secret: the
 * kiosk's whsec_ secret, NULL for a manager. Copies all strings. NULL on a
 * bad secret or out of memory. */
am_hub_client *am_hub_client_new(const char *base_url, const char *ca_file, const char *token,
                                 const char *secret);
void am_hub_client_free(am_hub_client *c); /* accepts NULL */

typedef struct am_hub_reply {
    long status; /* HTTP status; 0 when no answer came */
    char *body;  /* NUL-terminated, owned: am_hub_reply_clear */
    size_t len;
    char retry_after[64]; /* the Retry-After header, "" if none */
    char replayed[8];     /* the Idempotent-Replayed header, "" if none */
    double seconds;       /* time the request took */
} am_hub_reply;
void am_hub_reply_clear(am_hub_reply *r);

/* Posts an ingest batch to /v1/ingest: a fresh webhook-id, the current
 * time, its v1 signature, Idempotency-Key: batch. AM_OK when an HTTP
 * answer came (whatever its status); AM_ERR_IO on a transport error (err
 * says what). */
am_rc am_hub_client_post_batch(am_hub_client *c, const char *body, size_t len, const char *batch,
                               am_hub_reply *out, char *err, size_t errlen);

/* Signing overrides for tests of the hub's refusals: msg_id NULL makes a
 * fresh one, timestamp < 0 means now, signature NULL signs properly. */
typedef struct am_hub_sign_override {
    const char *msg_id;
    int64_t timestamp;
    const char *signature;
} am_hub_sign_override;
am_rc am_hub_client_post_batch_ex(am_hub_client *c, const char *body, size_t len, const char *batch,
                                  const am_hub_sign_override *ov, am_hub_reply *out, char *err,
                                  size_t errlen);

/* A request with the client's bearer token and no body ("GET") or an empty
 * body ("POST"). path starts with "/". */
am_rc am_hub_client_request(am_hub_client *c, const char *method, const char *path,
                            am_hub_reply *out, char *err, size_t errlen);

/* As am_hub_client_request, with `json` as the body (Content-Type:
 * application/json). */
am_rc am_hub_client_send_json(am_hub_client *c, const char *method, const char *path,
                              const char *json, am_hub_reply *out, char *err, size_t errlen);

#endif
