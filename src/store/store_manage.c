/* store_manage.c — the manager PIN, its lockout, and purging personal data
 * (see include/amends/store.h; the module's layout is in store_internal.h).
 */
#include "amends/clock.h"
#include "amends/store.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store_internal.h"

static const char SQL_PIN_GET[] =
    "SELECT failures, last_failure_ms, locked_until_ms FROM pin_state WHERE id = 1";
static const char SQL_PIN_SET[] =
    "INSERT INTO pin_state (id, failures, last_failure_ms, locked_until_ms) "
    "VALUES (1, ?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET "
    "failures = excluded.failures, last_failure_ms = excluded.last_failure_ms, "
    "locked_until_ms = excluded.locked_until_ms";

/* --- manager PIN --------------------------------------------------------- */

am_rc am_store_pin_state_get(am_store *st, am_pin_state *out)
{
    static const char what[] = "reading the PIN state";
    sqlite3_stmt *stmt = NULL;
    am_rc rc;

    if (!st || !out)
        return AM_ERR_INVALID;
    memset(out, 0, sizeof *out);
    rc = am_store_stmt(st, STMT_PIN_GET, SQL_PIN_GET, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        out->failures = sqlite3_column_int(stmt, 0);
        out->last_failure_ms = sqlite3_column_int64(stmt, 1);
        out->locked_until_ms = sqlite3_column_int64(stmt, 2);
    } else if (src != SQLITE_DONE) {
        rc = am_store_fail(st, src, what);
    }
out:
    am_store_stmt_done(stmt);
    return rc;
}

am_rc am_store_pin_state_set(am_store *st, const am_pin_state *ps)
{
    static const char what[] = "saving the PIN state";
    sqlite3_stmt *stmt = NULL;
    bool own = false;
    am_rc rc;

    if (!st || !ps)
        return AM_ERR_INVALID;
    rc = am_store_write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = am_store_stmt(st, STMT_PIN_SET, SQL_PIN_SET, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_int(stmt, 1, ps->failures);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 2, ps->last_failure_ms);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 3, ps->locked_until_ms);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src != SQLITE_DONE)
        rc = am_store_fail(st, src, what);
out:
    am_store_stmt_done(stmt);
    return am_store_write_end(st, own, rc, what);
}

/* --- manager tools (issue 7) --------------------------------------------- */

/* Like the voucher section, these statements are prepared per call: a
 * manager runs them a few times a month. */
#define PURGE_SYNCED_BEFORE                                                                        \
    "j.purged_at_ms IS NULL AND j.closed_at_ms IS NOT NULL AND o.kind = 'feedback' AND "           \
    "o.state = 'synced' AND o.updated_ms <= ?1"

static am_rc manage_prepare(am_store *st, const char *sql, sqlite3_stmt **out, const char *what)
{
    int src = sqlite3_prepare_v2(st->db, sql, -1, out, NULL);
    if (src != SQLITE_OK) {
        *out = NULL;
        return am_store_fail(st, src, what);
    }
    return AM_OK;
}

am_rc am_store_manager_pin_get(am_store *st, char *hash, size_t len)
{
    static const char what[] = "reading the manager PIN";
    sqlite3_stmt *stmt = NULL;
    am_rc rc;

    if (!st || !hash || len == 0)
        return AM_ERR_INVALID;
    hash[0] = '\0';
    rc = manage_prepare(st, "SELECT pin_hash FROM manager WHERE id = 1", &stmt, what);
    if (rc)
        return rc;
    int src = sqlite3_step(stmt);
    if (src == SQLITE_DONE) {
        rc = AM_ERR_NOTFOUND;
    } else if (src != SQLITE_ROW) {
        rc = am_store_fail(st, src, what);
    } else {
        const unsigned char *text = sqlite3_column_text(stmt, 0);
        size_t n = text ? (size_t)sqlite3_column_bytes(stmt, 0) : 0;
        /* A cut hash would never verify: say why instead. */
        if (n == 0 || n >= len)
            rc = am_store_failf(st, AM_ERR_INVALID, "%s: the stored hash is %s", what,
                                n == 0 ? "empty" : "too long");
        else
            memcpy(hash, text, n + 1);
    }
    sqlite3_finalize(stmt);
    return rc;
}

am_rc am_store_manager_pin_set_at(am_store *st, int64_t *set_at_ms)
{
    static const char what[] = "reading when the manager PIN was set";
    sqlite3_stmt *stmt = NULL;
    am_rc rc;

    if (!st || !set_at_ms)
        return AM_ERR_INVALID;
    *set_at_ms = 0;
    rc = manage_prepare(st, "SELECT set_at_ms FROM manager WHERE id = 1", &stmt, what);
    if (rc)
        return rc;
    int src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        *set_at_ms = sqlite3_column_int64(stmt, 0);
    else if (src == SQLITE_DONE)
        rc = AM_ERR_NOTFOUND;
    else
        rc = am_store_fail(st, src, what);
    sqlite3_finalize(stmt);
    return rc;
}

am_rc am_store_manager_pin_set(am_store *st, const char *hash)
{
    static const char what[] = "saving the manager PIN";
    sqlite3_stmt *stmt = NULL;
    bool own = false;
    am_rc rc;
    int src;

    if (!st || !hash)
        return AM_ERR_INVALID;
    size_t n = strnlen(hash, AM_PIN_HASH_MAX);
    if (n == 0 || n == AM_PIN_HASH_MAX)
        return am_store_failf(st, AM_ERR_INVALID, "%s: the hash is %s", what,
                              n == 0 ? "empty" : "too long");
    rc = am_store_write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = manage_prepare(st,
                        "INSERT INTO manager (id, pin_hash, set_at_ms) VALUES (1, ?1, ?2) "
                        "ON CONFLICT (id) DO UPDATE SET pin_hash = excluded.pin_hash, "
                        "set_at_ms = excluded.set_at_ms",
                        &stmt, what);
    if (rc)
        goto out;
    src = sqlite3_bind_text(stmt, 1, hash, (int)n, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 2, am_wall_ms());
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src != SQLITE_DONE) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    /* Same transaction: the new PIN and the cleared lockout stand or fall
     * together. */
    sqlite3_finalize(stmt);
    rc = manage_prepare(st, "INSERT OR REPLACE INTO pin_state VALUES (1, 0, 0, 0)", &stmt, what);
    if (rc)
        goto out;
    src = sqlite3_step(stmt);
    if (src != SQLITE_DONE)
        rc = am_store_fail(st, src, what);
out:
    sqlite3_finalize(stmt);
    return am_store_write_end(st, own, rc, what);
}

am_rc am_store_purge_each(am_store *st, int64_t synced_before_ms,
                          int (*cb)(const am_purge_item *item, void *ud), void *ud,
                          int64_t *unsynced_out)
{
    static const char what[] = "listing journeys due for purging";
    sqlite3_stmt *stmt = NULL;
    bool own = false;
    am_rc rc;
    int src;

    if (!st || !cb)
        return AM_ERR_INVALID;
    if (unsynced_out)
        *unsynced_out = 0;
    rc = am_store_read_begin(st, &own, what);
    if (rc)
        return rc;
    rc = manage_prepare(st,
                        "SELECT j.id, j.created_at_ms, j.closed_at_ms, o.updated_ms "
                        "FROM journeys j JOIN outbox o ON o.uuid = j.id "
                        "WHERE " PURGE_SYNCED_BEFORE " ORDER BY o.updated_ms, j.id",
                        &stmt, what);
    if (rc)
        goto out;
    src = sqlite3_bind_int64(stmt, 1, synced_before_ms);
    while (src == SQLITE_OK && (src = sqlite3_step(stmt)) == SQLITE_ROW) {
        am_purge_item item;
        memset(&item, 0, sizeof item);
        am_store_column_text(stmt, 0, item.id, sizeof item.id);
        item.created_at_ms = sqlite3_column_int64(stmt, 1);
        item.closed_at_ms = sqlite3_column_int64(stmt, 2);
        item.synced_at_ms = sqlite3_column_int64(stmt, 3);
        if (cb(&item, ud)) {
            src = SQLITE_DONE;
            break;
        }
        src = SQLITE_OK;
    }
    if (src != SQLITE_DONE) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    if (unsynced_out) {
        sqlite3_finalize(stmt);
        rc = manage_prepare(st,
                            "SELECT count(*) FROM journeys j LEFT JOIN outbox o ON o.uuid = j.id "
                            "WHERE j.purged_at_ms IS NULL "
                            "AND coalesce(j.closed_at_ms, j.created_at_ms) <= ?1 "
                            "AND (o.state IS NULL OR o.state <> 'synced')",
                            &stmt, what);
        if (rc)
            goto out;
        src = sqlite3_bind_int64(stmt, 1, synced_before_ms);
        if (src == SQLITE_OK)
            src = sqlite3_step(stmt);
        if (src == SQLITE_ROW)
            *unsynced_out = sqlite3_column_int64(stmt, 0);
        else
            rc = am_store_fail(st, src, what);
    }
out:
    sqlite3_finalize(stmt);
    am_store_read_end(st, own);
    return rc;
}

am_rc am_store_purge(am_store *st, int64_t synced_before_ms, int64_t now_ms, int64_t *count_out)
{
    static const char what[] = "purging personal data";
    sqlite3_stmt *stmt = NULL;
    bool own = false;
    int64_t count = 0;
    am_rc rc;

    if (!st)
        return AM_ERR_INVALID;
    rc = am_store_write_begin(st, &own, what);
    if (rc)
        goto out;
    /* Only the personal text goes (the report's fields marked personal);
     * category, severity, outcome, rating, offer and consent stay for the
     * hub's trends and the budget. */
    char sql[1024];
    snprintf(sql, sizeof sql,
             "UPDATE journeys SET %s, purged_at_ms = ?2 "
             "WHERE id IN (SELECT j.id FROM journeys j JOIN outbox o ON o.uuid = j.id "
             "WHERE " PURGE_SYNCED_BEFORE ")",
             am_store_purge_set_sql());
    rc = manage_prepare(st, sql, &stmt, what);
    if (rc)
        goto out;
    int src = sqlite3_bind_int64(stmt, 1, synced_before_ms);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 2, now_ms);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src != SQLITE_DONE) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    count = sqlite3_changes(st->db);
out:
    sqlite3_finalize(stmt);
    rc = am_store_write_end(st, own, rc, what);
    if (count_out)
        *count_out = rc == AM_OK ? count : 0;
    return rc;
}

am_rc am_store_purge_flush(am_store *st, bool *complete)
{
    static const char what[] = "checkpointing the write-ahead log";

    if (!st || !complete)
        return AM_ERR_INVALID;
    *complete = false;
    if (st->mode == AM_STORE_READONLY)
        return am_store_failf(st, AM_ERR_READONLY, "%s: the store was opened read-only", what);
    if (st->in_tx)
        return am_store_failf(st, AM_ERR_INVALID, "%s: a transaction is open", what);
    int log_frames = 0, done_frames = 0;
    int src = sqlite3_wal_checkpoint_v2(st->db, "main", SQLITE_CHECKPOINT_TRUNCATE, &log_frames,
                                        &done_frames);
    /* BUSY: a reader kept the log; what was copied stays copied. */
    if ((src & 0xff) == SQLITE_BUSY)
        return AM_OK;
    if (src != SQLITE_OK)
        return am_store_fail(st, src, what);
    *complete = true;
    return AM_OK;
}
