/* webhook.c — Standard Webhooks v1 signatures (HMAC-SHA256 over
 * "{id}.{timestamp}.{body}", base64 in the original alphabet with padding).
 * nettle computes the HMAC; libsodium compares, encodes base64 and draws
 * random bytes. */
#include "amends/webhook.h"

#include <errno.h>
#include <nettle/hmac.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* sodium_init is idempotent and thread-safe; a failure leaves the random
 * source unusable, which no caller could recover from. */
static void ensure_sodium(void)
{
    if (sodium_init() < 0)
        abort();
}

am_rc am_webhook_secret_parse(const char *secret, uint8_t *key, size_t *keylen)
{
    if (!secret)
        return AM_ERR_INVALID;
    if (strncmp(secret, "whsec_", 6) == 0)
        secret += 6;
    size_t len = strlen(secret);
    size_t bin_len = 0;
    const char *end = NULL;
    ensure_sodium();
    if (len == 0 || len > 4 * ((AM_WEBHOOK_KEY_MAX + 2) / 3))
        return AM_ERR_INVALID;
    if (sodium_base642bin(key, AM_WEBHOOK_KEY_MAX, secret, len, NULL, &bin_len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != secret + len)
        return AM_ERR_INVALID;
    if (bin_len < AM_WEBHOOK_KEY_MIN || bin_len > AM_WEBHOOK_KEY_MAX)
        return AM_ERR_INVALID;
    *keylen = bin_len;
    return AM_OK;
}

void am_webhook_secret_new(char out[AM_WEBHOOK_SECRET_MAX])
{
    unsigned char key[32];
    ensure_sodium();
    randombytes_buf(key, sizeof key);
    memcpy(out, "whsec_", 6);
    sodium_bin2base64(out + 6, AM_WEBHOOK_SECRET_MAX - 6, key, sizeof key,
                      sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(key, sizeof key);
}

bool am_webhook_id_valid(const char *id)
{
    if (!id)
        return false;
    size_t n = 0;
    for (; id[n]; n++) {
        char c = id[n];
        if (n >= AM_WEBHOOK_ID_MAX)
            return false;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return n > 0;
}

/* HMAC-SHA256 by nettle: it uses the CPU's SHA instructions where there
 * are any (about four times libsodium's portable SHA-256 here), and a
 * batch of 100 records is signed by the kiosk and checked by the hub on
 * every request. */
static void hmac(const uint8_t *key, size_t keylen, const char *msg_id, const char *ts,
                 const void *body, size_t len, unsigned char mac[SHA256_DIGEST_SIZE])
{
    struct hmac_sha256_ctx ctx;
    hmac_sha256_set_key(&ctx, keylen, key);
    hmac_sha256_update(&ctx, strlen(msg_id), (const uint8_t *)msg_id);
    hmac_sha256_update(&ctx, 1, (const uint8_t *)".");
    hmac_sha256_update(&ctx, strlen(ts), (const uint8_t *)ts);
    hmac_sha256_update(&ctx, 1, (const uint8_t *)".");
    if (len > 0)
        hmac_sha256_update(&ctx, len, body);
    hmac_sha256_digest(&ctx, SHA256_DIGEST_SIZE, mac);
    sodium_memzero(&ctx, sizeof ctx);
}

am_rc am_webhook_sign(const uint8_t *key, size_t keylen, const char *msg_id, int64_t timestamp,
                      const void *body, size_t len, char *out, size_t outlen)
{
    unsigned char mac[SHA256_DIGEST_SIZE];
    char ts[24];
    ensure_sodium();
    if (!key || keylen == 0 || !am_webhook_id_valid(msg_id) || timestamp < 0 ||
        outlen < AM_WEBHOOK_SIGNATURE_MAX)
        return AM_ERR_INVALID;
    snprintf(ts, sizeof ts, "%lld", (long long)timestamp);
    hmac(key, keylen, msg_id, ts, body, len, mac);
    memcpy(out, "v1,", 3);
    sodium_bin2base64(out + 3, outlen - 3, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    return AM_OK;
}

static const char *const webhook_reasons[] = {
    [AM_WEBHOOK_OK] = "signature verified",
    [AM_WEBHOOK_MISSING] = "webhook-id, webhook-timestamp or webhook-signature header missing",
    [AM_WEBHOOK_BAD_ID] = "webhook-id must be 1 to 128 of A-Z a-z 0-9 _ -",
    [AM_WEBHOOK_BAD_TIMESTAMP] = "webhook-timestamp is not Unix seconds",
    [AM_WEBHOOK_STALE] = "webhook-timestamp is more than 5 minutes from the hub's clock",
    [AM_WEBHOOK_BAD_SIGNATURE] = "webhook-signature does not match the body",
};

const char *am_webhook_result_str(am_webhook_result r)
{
    if ((int)r < 0 || (size_t)r >= sizeof webhook_reasons / sizeof webhook_reasons[0])
        return "unknown webhook result";
    return webhook_reasons[r];
}

/* Strict decimal seconds: digits only, no sign, no spaces, fits 64 bits. */
static bool parse_seconds(const char *s, int64_t *out)
{
    if (!s || !*s || strlen(s) > 18)
        return false;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return true;
}

am_webhook_result am_webhook_verify(const uint8_t *key, size_t keylen, const char *msg_id,
                                    const char *timestamp, const char *sig_header, const void *body,
                                    size_t len, int64_t now_s, int64_t tolerance_s)
{
    unsigned char mac[SHA256_DIGEST_SIZE];
    unsigned char given[SHA256_DIGEST_SIZE + 3];
    am_webhook_result result = AM_WEBHOOK_BAD_SIGNATURE;
    int64_t ts;
    ensure_sodium();
    if (!msg_id || !timestamp || !sig_header || !key)
        return AM_WEBHOOK_MISSING;
    if (!am_webhook_id_valid(msg_id))
        return AM_WEBHOOK_BAD_ID;
    if (!parse_seconds(timestamp, &ts))
        return AM_WEBHOOK_BAD_TIMESTAMP;
    if (ts > now_s + tolerance_s || ts < now_s - tolerance_s)
        return AM_WEBHOOK_STALE;
    hmac(key, keylen, msg_id, timestamp, body, len, mac);

    /* Space-separated "vN,<base64>" entries; only v1 counts. */
    const char *p = sig_header;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *start = p;
        while (*p && *p != ' ')
            p++;
        size_t n = (size_t)(p - start);
        if (n > 3 && memcmp(start, "v1,", 3) == 0) {
            size_t bin_len = 0;
            const char *end = NULL;
            if (sodium_base642bin(given, sizeof given, start + 3, n - 3, NULL, &bin_len, &end,
                                  sodium_base64_VARIANT_ORIGINAL) == 0 &&
                end == start + n && bin_len == sizeof mac &&
                sodium_memcmp(given, mac, sizeof mac) == 0) {
                result = AM_WEBHOOK_OK;
                break;
            }
        }
    }
    sodium_memzero(mac, sizeof mac);
    return result;
}
