/* hub_db_voucher.c — voucher keys per kiosk, looking up and redeeming a voucher. */
#include "hub_db_internal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* --- vouchers ------------------------------------------------------------------------ */

am_rc hub_db_voucher_key_add(hub_db *db, const char *kiosk, const char *key_b64, int64_t now_ms,
                             const hub_audit_entry *audit, char *err, size_t errlen)
{
    int slot, found = 0;
    const char *p1[] = {kiosk};
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = hub_db_run(db, conn, "SELECT 1 FROM kiosks WHERE id = ?1", 1, p1, hub_db_count_rows,
                          &found, NULL);
    hub_db_release(db, slot);
    if (rc) {
        snprintf(err, errlen, "reading the database failed (see the log)");
        return rc;
    }
    if (!found) {
        snprintf(err, errlen, "no kiosk '%s' (add it first: kiosk add %s)", kiosk, kiosk);
        return AM_ERR_NOTFOUND;
    }
    num now = i64(now_ms);
    const char *p[] = {kiosk, key_b64, now.s};
    rc = hub_db_add_unique(db,
                           "INSERT INTO voucher_keys (kiosk, vkey, created_at) VALUES (?1, ?2, ?3) "
                           "ON CONFLICT DO NOTHING",
                           p, 3, "voucher key of kiosk", audit, err, errlen);
    return rc;
}

typedef struct key_row {
    char b64[64];
    int rows;
} key_row;

static void on_key(void *ud, int ncols, const char *const *v)
{
    key_row *row = ud;
    if (ncols < 1 || !v[0])
        return;
    row->rows++;
    snprintf(row->b64, sizeof row->b64, "%s", v[0]);
}

static bool key_decode(const char *b64, am_voucher_key *out)
{
    size_t len = 0;
    if (sodium_base642bin(out->bytes, sizeof out->bytes, b64, strlen(b64), NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        len != AM_VOUCHER_KEY_LEN) {
        sodium_memzero(out, sizeof *out);
        return false;
    }
    return true;
}

am_rc hub_db_voucher_key(hub_db *db, const char *kiosk, am_voucher_key *out)
{
    int slot;
    key_row row = {.rows = 0};
    const char *p[] = {kiosk};
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = hub_db_run(db, conn, "SELECT vkey FROM voucher_keys WHERE kiosk = ?1", 1, p, on_key,
                          &row, NULL);
    hub_db_release(db, slot);
    if (!rc && (row.rows != 1 || !key_decode(row.b64, out)))
        rc = row.rows ? AM_ERR : AM_ERR_NOTFOUND;
    sodium_memzero(&row, sizeof row);
    return rc;
}

typedef struct voucher_row {
    hub_voucher *v;
    int rows;
} voucher_row;

static void on_voucher(void *ud, int ncols, const char *const *v)
{
    voucher_row *row = ud;
    if (ncols < 11 || !v[0] || !v[1] || !v[2] || !v[3] || !v[4] || !v[5] || !v[6] || !v[7] || !v[8])
        return;
    row->rows++;
    hub_voucher *out = row->v;
    snprintf(out->rec.code, sizeof out->rec.code, "%s", v[0]);
    snprintf(out->rec.kiosk, sizeof out->rec.kiosk, "%s", v[1]);
    out->rec.serial = strtoll(v[2], NULL, 10);
    snprintf(out->rec.offer_id, sizeof out->rec.offer_id, "%s", v[3]);
    out->rec.value_minor = strtoll(v[4], NULL, 10);
    out->rec.created_ms = strtoll(v[5], NULL, 10);
    out->rec.expires_ms = strtoll(v[6], NULL, 10);
    snprintf(out->journey, sizeof out->journey, "%s", v[7]);
    out->redeemed_at = v[9] ? strtoll(v[9], NULL, 10) : 0;
    snprintf(out->redeemed_by, sizeof out->redeemed_by, "%s", v[10] ? v[10] : "");
}

static am_rc voucher_get(hub_db *db, void *conn, const char *code, hub_voucher *out)
{
    voucher_row row = {.v = out};
    const char *p[] = {code};
    memset(out, 0, sizeof *out);
    am_rc rc = hub_db_run(
        db, conn,
        "SELECT code, kiosk, serial, offer, value_minor, issued_at, expires_at, journey, "
        "id, redeemed_at, redeemed_by FROM vouchers WHERE code = ?1",
        1, p, on_voucher, &row, NULL);
    if (rc)
        return rc;
    return row.rows == 1 ? AM_OK : AM_ERR_NOTFOUND;
}

am_rc hub_db_voucher_get(hub_db *db, const char *code, hub_voucher *out)
{
    int slot;
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = voucher_get(db, conn, code, out);
    hub_db_release(db, slot);
    return rc;
}

am_rc hub_db_voucher_redeem(hub_db *db, const char *code, const char *manager, int64_t now_ms,
                            const hub_audit_entry *audit, bool *won, hub_voucher *out)
{
    int slot;
    int64_t changes = 0;
    num now = i64(now_ms);
    const char *p[] = {code, now.s, manager};
    am_rc rc = AM_ERR_BUSY;
    *won = false;
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    for (int attempt = 0; attempt < BUSY_RETRIES && rc == AM_ERR_BUSY; attempt++) {
        if (attempt > 0) {
            struct timespec ts = {0, (long)(attempt * 20) * 1000000L};
            nanosleep(&ts, NULL);
        }
        /* The condition is the lock: whoever's UPDATE finds redeemed_at
         * still NULL wins; the database serialises the writers to the row.
         * The winner's audit entry is in its transaction. */
        changes = 0;
        rc = db->drv->begin(conn);
        if (!rc)
            rc = hub_db_run(db, conn,
                            "UPDATE vouchers SET redeemed_at = ?2, redeemed_by = ?3 "
                            "WHERE code = ?1 AND redeemed_at IS NULL",
                            3, p, NULL, NULL, &changes);
        if (!rc && changes == 1)
            rc = hub_db_audit_write(db, conn, audit);
        if (!rc)
            rc = db->drv->commit(conn);
        if (rc)
            db->drv->rollback(conn);
    }
    hub_db_write_unlock(db);
    if (!rc) {
        *won = changes == 1;
        rc = voucher_get(db, conn, code, out);
    }
    hub_db_release(db, slot);
    return rc;
}

typedef struct kiosks_ctx {
    hub_voucher_kiosk *list;
    size_t count, cap;
    bool oom;
} kiosks_ctx;

static void on_voucher_kiosk(void *ud, int ncols, const char *const *v)
{
    kiosks_ctx *ctx = ud;
    if (ctx->oom || ncols < 3 || !v[0] || !v[1] || !v[2])
        return;
    if (ctx->count == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 16;
        hub_voucher_kiosk *grown = calloc(cap, sizeof *grown);
        if (!grown) {
            ctx->oom = true;
            return;
        }
        if (ctx->list) {
            memcpy(grown, ctx->list, ctx->count * sizeof *grown);
            sodium_memzero(ctx->list, ctx->cap * sizeof *ctx->list);
            free(ctx->list);
        }
        ctx->list = grown;
        ctx->cap = cap;
    }
    hub_voucher_kiosk *k = &ctx->list[ctx->count];
    if (!key_decode(v[1], &k->key))
        return; /* a damaged key cannot vouch for anything: skip it */
    snprintf(k->kiosk, sizeof k->kiosk, "%s", v[0]);
    k->max_serial = strtoll(v[2], NULL, 10);
    ctx->count++;
}

am_rc hub_db_voucher_kiosks(hub_db *db, hub_voucher_kiosk **out, size_t *count)
{
    int slot;
    kiosks_ctx ctx = {.list = NULL};
    *out = NULL;
    *count = 0;
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = hub_db_run(db, conn,
                          "SELECT k.kiosk, k.vkey, COALESCE((SELECT MAX(v.serial) FROM vouchers v "
                          "WHERE v.kiosk = k.kiosk), 0) FROM voucher_keys k ORDER BY k.kiosk",
                          0, NULL, on_voucher_kiosk, &ctx, NULL);
    hub_db_release(db, slot);
    if (!rc && ctx.oom)
        rc = AM_ERR_NOMEM;
    if (rc) {
        if (ctx.list)
            sodium_memzero(ctx.list, ctx.cap * sizeof *ctx.list);
        free(ctx.list);
        return rc;
    }
    *out = ctx.list;
    *count = ctx.count;
    return AM_OK;
}
