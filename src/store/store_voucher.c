/* store_voucher.c — the vouchers a kiosk issued (see include/amends/store.h;
 * the module's layout is in store_internal.h).
 */
#include "amends/store.h"

#include <string.h>

#include <sqlite3.h>

#include "store_internal.h"

/* --- vouchers (issue 6) -------------------------------------------------- */

/* Voucher statements are prepared per call: a voucher is issued or
 * checked a few times a day, and keeping them out of the cached table
 * keeps this section to itself. */
#define VOUCHER_SELECT                                                                             \
    "SELECT v.code, v.journey_id, coalesce(j.kiosk, ''), v.offer_id, v.value_minor, v.serial, "    \
    "v.expires_ms, v.created_ms, v.redeemed, coalesce(v.outbox_uuid, '') FROM vouchers v "         \
    "LEFT JOIN journeys j ON j.id = v.journey_id "
#define VOUCHER_MAX_SERIAL                                                                         \
    "SELECT coalesce(max(v.serial), 0) FROM vouchers v "                                           \
    "JOIN journeys j ON j.id = v.journey_id WHERE j.kiosk = ?1"

static am_rc voucher_prepare(am_store *st, const char *sql, sqlite3_stmt **out, const char *what)
{
    int src = sqlite3_prepare_v2(st->db, sql, -1, out, NULL);
    if (src != SQLITE_OK) {
        *out = NULL;
        return am_store_fail(st, src, what);
    }
    return AM_OK;
}

static void voucher_row_read(sqlite3_stmt *stmt, am_voucher_row *row)
{
    memset(row, 0, sizeof *row);
    am_store_column_text(stmt, 0, row->code, sizeof row->code);
    am_store_column_text(stmt, 1, row->journey_id, sizeof row->journey_id);
    am_store_column_text(stmt, 2, row->kiosk, sizeof row->kiosk);
    am_store_column_text(stmt, 3, row->offer_id, sizeof row->offer_id);
    row->value_minor = sqlite3_column_int64(stmt, 4);
    row->serial = sqlite3_column_int64(stmt, 5);
    row->expires_ms = sqlite3_column_int64(stmt, 6);
    row->created_ms = sqlite3_column_int64(stmt, 7);
    row->redeemed = sqlite3_column_int(stmt, 8) != 0;
    am_store_column_text(stmt, 9, row->outbox_uuid, sizeof row->outbox_uuid);
}

/* Runs a one-row voucher query whose ?1 (and ?2 when serial > 0) are bound
 * from key and serial. */
static am_rc voucher_get_one(am_store *st, const char *sql, const char *key, int64_t serial,
                             am_voucher_row *out, const char *what)
{
    sqlite3_stmt *stmt = NULL;
    am_rc rc = voucher_prepare(st, sql, &stmt, what);
    if (rc)
        return rc;
    int src = sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    if (src == SQLITE_OK && serial > 0)
        src = sqlite3_bind_int64(stmt, 2, serial);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        voucher_row_read(stmt, out);
    else if (src == SQLITE_DONE)
        rc = AM_ERR_NOTFOUND;
    else
        rc = am_store_fail(st, src, what);
    sqlite3_finalize(stmt);
    return rc;
}

am_rc am_store_voucher_get(am_store *st, const char *code, am_voucher_row *out)
{
    if (!st || !code || !out)
        return AM_ERR_INVALID;
    return voucher_get_one(st, VOUCHER_SELECT "WHERE v.code = ?1", code, 0, out,
                           "reading a voucher");
}

am_rc am_store_voucher_get_outbox(am_store *st, const char *outbox_uuid, am_voucher_row *out)
{
    if (!st || !outbox_uuid || !out)
        return AM_ERR_INVALID;
    return voucher_get_one(st, VOUCHER_SELECT "WHERE v.outbox_uuid = ?1", outbox_uuid, 0, out,
                           "reading a voucher to send");
}

am_rc am_store_voucher_get_serial(am_store *st, const char *kiosk, int64_t serial,
                                  am_voucher_row *out)
{
    if (!st || !kiosk || !out || serial < 1)
        return AM_ERR_INVALID;
    return voucher_get_one(st, VOUCHER_SELECT "WHERE j.kiosk = ?1 AND v.serial = ?2", kiosk, serial,
                           out, "reading a voucher by serial");
}

am_rc am_store_voucher_max_serial(am_store *st, const char *kiosk, int64_t *max_out)
{
    static const char what[] = "reading the last voucher serial";
    sqlite3_stmt *stmt = NULL;

    if (!st || !kiosk || !max_out)
        return AM_ERR_INVALID;
    am_rc rc = voucher_prepare(st, VOUCHER_MAX_SERIAL, &stmt, what);
    if (rc)
        return rc;
    int src = sqlite3_bind_text(stmt, 1, kiosk, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        *max_out = sqlite3_column_int64(stmt, 0);
    else
        rc = am_store_fail(st, src, what);
    sqlite3_finalize(stmt);
    return rc;
}

am_rc am_store_voucher_next_serial(am_store *st, const char *kiosk, int64_t *serial_out)
{
    if (!st || !kiosk || !serial_out)
        return AM_ERR_INVALID;
    if (!st->in_tx)
        return am_store_failf(st, AM_ERR_INVALID,
                              "taking a voucher serial: open a transaction first (am_store_begin), "
                              "so the serial and the voucher are committed together");
    int64_t max = 0;
    am_rc rc = am_store_voucher_max_serial(st, kiosk, &max);
    if (rc)
        return rc;
    *serial_out = max + 1;
    return AM_OK;
}

am_rc am_store_voucher_add(am_store *st, const am_voucher_row *v)
{
    static const char what[] = "storing a voucher";
    sqlite3_stmt *stmt = NULL;
    bool own = false;
    am_rc rc;
    char kiosk[AM_KIOSK_ID_MAX];
    char outbox_uuid[AM_UUID_LEN + 1];
    am_voucher_row existing;

    if (!st || !v)
        return AM_ERR_INVALID;
    if (!v->code[0] || !v->journey_id[0] || !v->offer_id[0] || v->serial < 1)
        return am_store_failf(st, AM_ERR_INVALID,
                              "%s: code, journey, offer and serial are required", what);
    rc = am_store_write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = voucher_prepare(st, "SELECT kiosk FROM journeys WHERE id = ?1", &stmt, what);
    if (rc)
        goto out;
    int src = BIND_FIELD(stmt, 1, v->journey_id);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src == SQLITE_DONE) {
        rc = am_store_failf(st, AM_ERR_INVALID, "%s: journey %s does not exist", what,
                            v->journey_id);
        goto out;
    }
    if (src != SQLITE_ROW) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    am_store_column_text(stmt, 0, kiosk, sizeof kiosk);
    sqlite3_finalize(stmt);
    stmt = NULL;
    rc = am_store_voucher_get_serial(st, kiosk, v->serial, &existing);
    if (rc == AM_OK) {
        rc = am_store_failf(st, AM_ERR_INVALID, "%s: kiosk %s already issued serial %lld", what,
                            kiosk, (long long)v->serial);
        goto out;
    }
    if (rc != AM_ERR_NOTFOUND)
        goto out;
    rc = am_store_new_uuid(st, outbox_uuid);
    if (rc)
        goto out;
    rc = voucher_prepare(st,
                         "INSERT INTO vouchers (code, journey_id, offer_id, value_minor, serial, "
                         "expires_ms, created_ms, redeemed, outbox_uuid) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                         &stmt, what);
    if (rc)
        goto out;
    src = BIND_FIELD(stmt, 1, v->code);
    if (src == SQLITE_OK)
        src = BIND_FIELD(stmt, 2, v->journey_id);
    if (src == SQLITE_OK)
        src = BIND_FIELD(stmt, 3, v->offer_id);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 4, v->value_minor);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 5, v->serial);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 6, v->expires_ms);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 7, v->created_ms);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int(stmt, 8, v->redeemed ? 1 : 0);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 9, outbox_uuid, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if ((src & 0xff) == SQLITE_CONSTRAINT) {
        rc = am_store_failf(st, AM_ERR_INVALID, "%s: a voucher with code %s is already stored",
                            what, v->code);
        goto out;
    }
    if (src != SQLITE_DONE) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    /* Same transaction: a voucher is never kept without its record for
     * the hub, nor queued without being kept. Due at once. */
    rc = am_store_outbox_insert(st, outbox_uuid, AM_RECORD_VOUCHER, v->created_ms, what);
out:
    sqlite3_finalize(stmt);
    return am_store_write_end(st, own, rc, what);
}
