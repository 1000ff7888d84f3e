/* hub_auth.h — bearer tokens for kiosks and managers, and the per-kiosk
 * rate limit.
 *
 * A token is a prefix ("amk_" for kiosks, "amm_" for people's API tokens) and 32
 * random bytes in URL-safe base64. The hub keeps only its SHA-256 (hex),
 * so a copy of the database does not let anyone post or read.
 */
#ifndef AMENDS_HUB_AUTH_H
#define AMENDS_HUB_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HUB_TOKEN_MAX 64 /* prefix + 43 base64 characters + NUL fits */
#define HUB_HASH_HEX  65

#define HUB_KIOSK_TOKEN_PREFIX   "amk_"
#define HUB_MANAGER_TOKEN_PREFIX "amm_"

/* A new token: prefix followed by 32 random bytes, URL-safe base64. */
void hub_token_new(const char *prefix, char out[HUB_TOKEN_MAX]);
/* Lower-case hex SHA-256 of the token's bytes. */
void hub_token_hash(const char *token, char out[HUB_HASH_HEX]);
/* The token of an "Authorization: Bearer TOKEN" header value, or NULL. */
const char *hub_bearer(const char *authorization);

/* Token buckets, one per kiosk: `per_minute` requests on average, up to
 * `burst` at once. Thread-safe. per_minute 0 turns the limit off. */
typedef struct hub_rate hub_rate;
hub_rate *hub_rate_new(int per_minute, int burst);
void hub_rate_free(hub_rate *r); /* accepts NULL */
/* True when the kiosk may go ahead now; otherwise false and the whole
 * seconds until a request would be allowed. */
bool hub_rate_take(hub_rate *r, const char *kiosk, int64_t now_ms, int *retry_after_s);
/* As hub_rate_take, but takes nothing: true when a request would be
 * allowed now. For limits that count only failures: check first, take
 * after a failure. */
bool hub_rate_check(hub_rate *r, const char *key, int64_t now_ms, int *retry_after_s);

#endif
