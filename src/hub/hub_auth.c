/* hub_auth.c — tokens (libsodium) and per-kiosk token buckets. */
#include "hub_auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "amends/config.h"

void hub_token_new(const char *prefix, char out[HUB_TOKEN_MAX])
{
    unsigned char raw[32];
    size_t n = strlen(prefix);
    randombytes_buf(raw, sizeof raw);
    memcpy(out, prefix, n);
    sodium_bin2base64(out + n, HUB_TOKEN_MAX - n, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

void hub_token_hash(const char *token, char out[HUB_HASH_HEX])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, HUB_HASH_HEX, digest, sizeof digest);
}

const char *hub_bearer(const char *authorization)
{
    if (!authorization)
        return NULL;
    /* The scheme name is case-insensitive (RFC 9110 11.1). */
    if (strncasecmp(authorization, "Bearer ", 7) != 0)
        return NULL;
    const char *token = authorization + 7;
    while (*token == ' ')
        token++;
    size_t n = strlen(token);
    if (n == 0 || n >= HUB_TOKEN_MAX)
        return NULL;
    return token;
}

typedef struct bucket {
    char kiosk[AM_KIOSK_ID_MAX];
    double tokens;
    int64_t at_ms;
} bucket;

struct hub_rate {
    pthread_mutex_t mu;
    double per_ms;
    double burst;
    bucket *buckets;
    size_t count, cap;
};

hub_rate *hub_rate_new(int per_minute, int burst)
{
    hub_rate *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    pthread_mutex_init(&r->mu, NULL);
    r->per_ms = per_minute / 60000.0;
    r->burst = burst > 0 ? burst : 1;
    return r;
}

void hub_rate_free(hub_rate *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->mu);
    free(r->buckets);
    free(r);
}

static bool rate_op(hub_rate *r, const char *kiosk, int64_t now_ms, int *retry_after_s, bool take)
{
    bool ok = true;
    *retry_after_s = 0;
    if (r->per_ms <= 0)
        return true;
    pthread_mutex_lock(&r->mu);
    bucket *b = NULL;
    /* A fleet is hundreds of kiosks: a scan is cheap next to a request. */
    for (size_t i = 0; i < r->count; i++) {
        if (strcmp(r->buckets[i].kiosk, kiosk) == 0) {
            b = &r->buckets[i];
            break;
        }
    }
    if (!b) {
        if (r->count == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 64;
            bucket *grown = realloc(r->buckets, cap * sizeof *grown);
            if (!grown)
                goto out; /* out of memory: let the request through */
            r->buckets = grown;
            r->cap = cap;
        }
        b = &r->buckets[r->count++];
        snprintf(b->kiosk, sizeof b->kiosk, "%s", kiosk);
        b->tokens = r->burst;
        b->at_ms = now_ms;
    }
    if (now_ms > b->at_ms) {
        b->tokens += (double)(now_ms - b->at_ms) * r->per_ms;
        if (b->tokens > r->burst)
            b->tokens = r->burst;
        b->at_ms = now_ms;
    }
    if (b->tokens >= 1.0) {
        if (take)
            b->tokens -= 1.0;
    } else {
        ok = false;
        double wait_ms = (1.0 - b->tokens) / r->per_ms;
        *retry_after_s = (int)(wait_ms / 1000.0) + 1;
    }
out:
    pthread_mutex_unlock(&r->mu);
    return ok;
}

bool hub_rate_take(hub_rate *r, const char *kiosk, int64_t now_ms, int *retry_after_s)
{
    return rate_op(r, kiosk, now_ms, retry_after_s, true);
}

bool hub_rate_check(hub_rate *r, const char *key, int64_t now_ms, int *retry_after_s)
{
    return rate_op(r, key, now_ms, retry_after_s, false);
}
