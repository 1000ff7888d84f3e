/* voucher_store.c — issuing and checking vouchers against the kiosk's own
 * store: the glue the kiosk (issue) and amendsctl (verify) call. */
#include "amends/voucher_store.h"

#include "amends/store.h"

#include <stdio.h>
#include <string.h>

am_rc am_voucher_issue(am_store *st, const am_voucher_key *key, const char *kiosk_id,
                       const char *journey_id, const char *offer_id, int64_t value_minor,
                       int64_t now_ms, int voucher_days, char code_out[AM_VOUCHER_CODE_SIZE],
                       char *err, size_t errlen)
{
    am_voucher_row row;
    int64_t serial = 0;
    am_rc rc;

    code_out[0] = '\0';
    if (!st || !key || !kiosk_id || !kiosk_id[0] || !journey_id || !offer_id || voucher_days < 1) {
        snprintf(err, errlen, "issuing a voucher: missing kiosk, journey, offer or validity");
        return AM_ERR_INVALID;
    }
    memset(&row, 0, sizeof row);
    if (strlen(journey_id) >= sizeof row.journey_id || strlen(offer_id) >= sizeof row.offer_id) {
        snprintf(err, errlen, "issuing a voucher: journey or offer id too long");
        return AM_ERR_INVALID;
    }
    rc = am_store_voucher_next_serial(st, kiosk_id, &serial);
    if (rc) {
        snprintf(err, errlen, "issuing a voucher: %s", am_store_errmsg(st));
        return rc;
    }
    if (serial > AM_VOUCHER_SERIAL_MAX) {
        snprintf(err, errlen, "issuing a voucher: kiosk %s has used every serial", kiosk_id);
        return AM_ERR_TOOBIG;
    }
    rc = am_voucher_encode(key, kiosk_id, serial, row.code);
    if (rc) {
        snprintf(err, errlen, "issuing a voucher: cannot make a code for kiosk '%s'", kiosk_id);
        return rc;
    }
    snprintf(row.journey_id, sizeof row.journey_id, "%s", journey_id);
    snprintf(row.offer_id, sizeof row.offer_id, "%s", offer_id);
    row.value_minor = value_minor;
    row.serial = serial;
    row.created_ms = now_ms;
    row.expires_ms = am_voucher_expiry(now_ms, voucher_days);
    rc = am_store_voucher_add(st, &row);
    if (rc) {
        snprintf(err, errlen, "issuing a voucher: %s", am_store_errmsg(st));
        return rc;
    }
    memcpy(code_out, row.code, AM_VOUCHER_CODE_SIZE);
    code_out[AM_VOUCHER_CODE_SIZE - 1] = '\0';
    return AM_OK;
}

static am_rc store_lookup(void *ud, const char *code, am_voucher_record *rec)
{
    am_store *st = ud;
    am_voucher_row row;
    am_rc rc = am_store_voucher_get(st, code, &row);
    if (rc)
        return rc;
    memset(rec, 0, sizeof *rec);
    /* Codes are stored canonical, which always fits. */
    size_t len = strnlen(row.code, sizeof rec->code - 1);
    memcpy(rec->code, row.code, len);
    rec->code[len] = '\0';
    snprintf(rec->kiosk, sizeof rec->kiosk, "%s", row.kiosk);
    snprintf(rec->offer_id, sizeof rec->offer_id, "%s", row.offer_id);
    rec->serial = row.serial;
    rec->value_minor = row.value_minor;
    rec->created_ms = row.created_ms;
    rec->expires_ms = row.expires_ms;
    return AM_OK;
}

am_rc am_voucher_verify_store(am_store *st, const am_voucher_key *key, const char *kiosk_id,
                              const char *input, int64_t now_ms, am_voucher_result *out, char *err,
                              size_t errlen)
{
    int64_t max_serial = 0;
    am_rc rc;

    if (!st || !key || !kiosk_id || !out) {
        snprintf(err, errlen, "checking a voucher: missing store, key or kiosk");
        return AM_ERR_INVALID;
    }
    rc = am_store_voucher_max_serial(st, kiosk_id, &max_serial);
    if (rc == AM_OK)
        rc = am_voucher_verify(key, kiosk_id, input, now_ms, max_serial, store_lookup, st, out);
    if (rc)
        snprintf(err, errlen, "checking a voucher: %s", am_store_errmsg(st));
    return rc;
}
