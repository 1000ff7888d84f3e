/* voucher.c — making and checking the authentication part of a code, and
 * the verification answer (see include/amends/voucher.h). */
#include "voucher_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#define SHORT_MODULUS (UINT32_C(1) << AM_VOUCHER_SHORT_BITS)
#define MS_PER_DAY    INT64_C(86400000)

/* Domain separation: a key used for anything else never yields a tag. */
static const char tag_context[] = "amends-voucher-v1";

static const char *const status_names[AM_VOUCHER_STATUS_COUNT] = {"valid", "expired", "tampered",
                                                                  "unknown", "malformed"};

const char *am_voucher_status_name(am_voucher_status s)
{
    return (unsigned)s < AM_VOUCHER_STATUS_COUNT ? status_names[s] : "invalid";
}

uint64_t am_voucher_tag(const am_voucher_key *key, const char *kiosk_id, int64_t serial)
{
    crypto_auth_hmacsha256_state state;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    unsigned char serial_be[8];
    uint64_t tag = 0;

    for (int i = 0; i < 8; i++)
        serial_be[i] = (unsigned char)((uint64_t)serial >> (56 - 8 * i));
    /* context NUL kiosk NUL serial: the NULs keep the fields apart, since
     * a kiosk id never holds one. */
    crypto_auth_hmacsha256_init(&state, key->bytes, sizeof key->bytes);
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)tag_context, sizeof tag_context);
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)kiosk_id, strlen(kiosk_id) + 1);
    crypto_auth_hmacsha256_update(&state, serial_be, sizeof serial_be);
    crypto_auth_hmacsha256_final(&state, mac);
    for (int i = 0; i < 8; i++)
        tag = (tag << 8) | mac[i];
    sodium_memzero(&state, sizeof state);
    sodium_memzero(mac, sizeof mac);
    return tag >> (64 - AM_VOUCHER_TAG_BITS);
}

am_rc am_voucher_encode(const am_voucher_key *key, const char *kiosk_id, int64_t serial,
                        char code_out[AM_VOUCHER_CODE_SIZE])
{
    unsigned char values[AM_VOUCHER_SYMBOLS];

    code_out[0] = '\0';
    if (!key || !kiosk_id || !kiosk_id[0] || serial < 1 || serial > AM_VOUCHER_SERIAL_MAX)
        return AM_ERR_INVALID;
    uint32_t short_serial = (uint32_t)(serial % SHORT_MODULUS);
    am_voucher_pack(short_serial, am_voucher_tag(key, kiosk_id, serial), values);
    am_voucher_format(values, code_out);
    return AM_OK;
}

bool am_voucher_authentic(const am_voucher_key *key, const char *kiosk_id, int64_t serial,
                          const am_voucher_code *code)
{
    unsigned char want[8], got[8];

    if (!key || !kiosk_id || !code || serial < 1 || serial > AM_VOUCHER_SERIAL_MAX)
        return false;
    if ((uint32_t)(serial % SHORT_MODULUS) != code->short_serial)
        return false;
    uint64_t expected = am_voucher_tag(key, kiosk_id, serial);
    for (int i = 0; i < 8; i++) {
        want[i] = (unsigned char)(expected >> (56 - 8 * i));
        got[i] = (unsigned char)(code->tag >> (56 - 8 * i));
    }
    /* Constant time: how many leading bits match must not show in timing. */
    return sodium_memcmp(want, got, sizeof want) == 0;
}

int am_voucher_serial_candidates(uint32_t short_serial, int64_t max_serial, int64_t *out, int max)
{
    int count = 0;
    if (short_serial >= SHORT_MODULUS)
        return 0;
    if (max_serial < 0)
        max_serial = 0;
    if (max_serial > AM_VOUCHER_SERIAL_MAX)
        max_serial = AM_VOUCHER_SERIAL_MAX;
    /* The whole 32768-serial cycle that max_serial is in: a code from
     * later in it may not have reached this record keeper yet. */
    int64_t limit = (max_serial / SHORT_MODULUS + 1) * SHORT_MODULUS - 1;
    for (int64_t n = short_serial; n <= limit; n += SHORT_MODULUS) {
        if (n < 1)
            continue;
        if (count < max && out)
            out[count] = n;
        count++;
    }
    return count;
}

int64_t am_voucher_expiry(int64_t issued_ms, int days)
{
    return issued_ms + (int64_t)days * MS_PER_DAY;
}

static void format_utc(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm))
        snprintf(buf, len, "%lld ms", (long long)ms);
}

am_rc am_voucher_verify(const am_voucher_key *key, const char *kiosk_id, const char *input,
                        int64_t now_ms, int64_t max_serial, am_voucher_lookup_fn lookup, void *ud,
                        am_voucher_result *out)
{
    char why[160];

    memset(out, 0, sizeof *out);
    if (!key || !kiosk_id || !lookup)
        return AM_ERR_INVALID;
    if (am_voucher_parse(input, &out->code, why, sizeof why) != AM_OK) {
        out->status = AM_VOUCHER_MALFORMED;
        snprintf(out->reason, sizeof out->reason, "%s", why);
        return AM_OK;
    }
    am_voucher_record rec;
    memset(&rec, 0, sizeof rec);
    am_rc rc = lookup(ud, out->code.text, &rec);
    if (rc == AM_OK) {
        /* The record says which kiosk and full serial; the tag must agree
         * with both, so an edited record does not pass either. */
        const char *issuer = rec.kiosk[0] ? rec.kiosk : kiosk_id;
        if (!am_voucher_authentic(key, issuer, rec.serial, &out->code)) {
            out->status = AM_VOUCHER_TAMPERED;
            snprintf(out->reason, sizeof out->reason,
                     "a voucher record has this code, but the code does not match this kiosk's "
                     "voucher key: the key was changed or the record altered");
            return AM_OK;
        }
        out->rec = rec;
        out->serial = rec.serial;
        char when[48];
        format_utc(rec.expires_ms, when, sizeof when);
        if (now_ms >= rec.expires_ms) {
            out->status = AM_VOUCHER_EXPIRED;
            snprintf(out->reason, sizeof out->reason, "expired on %s", when);
        } else {
            out->status = AM_VOUCHER_VALID;
            snprintf(out->reason, sizeof out->reason, "genuine, valid until %s", when);
        }
        return AM_OK;
    }
    if (rc != AM_ERR_NOTFOUND)
        return rc;
    /* No record: the tag alone tells a code this kiosk made from a guess
     * or a code mistyped in two places. */
    int64_t candidates[64];
    int count = am_voucher_serial_candidates(out->code.short_serial, max_serial, candidates,
                                             (int)(sizeof candidates / sizeof candidates[0]));
    if (count > (int)(sizeof candidates / sizeof candidates[0]))
        count = (int)(sizeof candidates / sizeof candidates[0]);
    for (int i = 0; i < count; i++) {
        if (am_voucher_authentic(key, kiosk_id, candidates[i], &out->code)) {
            out->status = AM_VOUCHER_UNKNOWN;
            out->serial = candidates[i];
            snprintf(out->reason, sizeof out->reason,
                     "made with this kiosk's key (serial %lld), but there is no record of it "
                     "here: check it at the hub",
                     (long long)candidates[i]);
            return AM_OK;
        }
    }
    out->status = AM_VOUCHER_TAMPERED;
    snprintf(out->reason, sizeof out->reason,
             "not a voucher from this kiosk: the code does not match its key (mistyped in more "
             "than one place, altered, or issued by another kiosk: check it at the hub)");
    return AM_OK;
}
