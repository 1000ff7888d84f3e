/* hub_db_session.c — dashboard sign-in sessions and one-time sign-in links. */
#include "hub_db_internal.h"

#include <sodium.h>
#include <string.h>

/* --- dashboard sessions -------------------------------------------------------------- */

am_rc hub_db_web_add(hub_db *db, const char *id_hash, bool link, const char *manager,
                     const char *csrf, int64_t now_ms, int64_t expires_ms,
                     const hub_audit_entry *audit)
{
    int slot;
    num now = i64(now_ms), exp = i64(expires_ms);
    const char *purge[] = {now.s};
    const char *p[] = {id_hash, link ? "link" : "session", manager, csrf, now.s, exp.s};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = db->drv->begin(conn);
    if (!rc)
        rc = hub_db_run(db, conn, "DELETE FROM web_sessions WHERE expires_at <= CAST(?1 AS BIGINT)",
                        1, purge, NULL, NULL, NULL);
    if (!rc)
        rc = hub_db_run(
            db, conn,
            "INSERT INTO web_sessions (id_hash, kind, manager, csrf, created_at, expires_at) "
            "VALUES (?1, ?2, ?3, ?4, CAST(?5 AS BIGINT), CAST(?6 AS BIGINT))",
            6, p, NULL, NULL, NULL);
    if (!rc)
        rc = hub_db_audit_write(db, conn, audit);
    if (!rc)
        rc = db->drv->commit(conn);
    if (rc)
        db->drv->rollback(conn);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    return rc;
}

typedef struct web_row {
    char hash[65];
    char manager[128];
    char csrf[64];
    int64_t expires_at;
    int rows;
} web_row;

static void on_web(void *ud, int ncols, const char *const *v)
{
    web_row *row = ud;
    if (ncols < 4 || !v[0] || !v[1] || !v[2] || !v[3])
        return;
    row->rows++;
    snprintf(row->hash, sizeof row->hash, "%s", v[0]);
    snprintf(row->manager, sizeof row->manager, "%s", v[1]);
    snprintf(row->csrf, sizeof row->csrf, "%s", v[2]);
    row->expires_at = strtoll(v[3], NULL, 10);
}

am_rc hub_db_web_session(hub_db *db, const char *id_hash, int64_t now_ms, char *manager,
                         size_t managerlen, char *csrf, size_t csrflen)
{
    int slot;
    web_row row = {.rows = 0};
    const char *p[] = {id_hash};
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = hub_db_run(db, conn,
                          "SELECT id_hash, manager, csrf, expires_at FROM web_sessions "
                          "WHERE id_hash = ?1 AND kind = 'session'",
                          1, p, on_web, &row, NULL);
    hub_db_release(db, slot);
    if (rc)
        return rc;
    if (row.rows != 1 || !hub_db_same_hash(row.hash, id_hash) || row.expires_at <= now_ms)
        return AM_ERR_NOTFOUND;
    snprintf(manager, managerlen, "%s", row.manager);
    snprintf(csrf, csrflen, "%s", row.csrf);
    sodium_memzero(&row, sizeof row);
    return AM_OK;
}

am_rc hub_db_web_link_take(hub_db *db, const char *id_hash, int64_t now_ms, char *manager,
                           size_t managerlen)
{
    int slot;
    web_row row = {.rows = 0};
    const char *p[] = {id_hash};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    /* One DELETE ... RETURNING: whoever deletes the row owns the link. */
    am_rc rc = hub_db_run(db, conn,
                          "DELETE FROM web_sessions WHERE id_hash = ?1 AND kind = 'link' "
                          "RETURNING id_hash, manager, csrf, expires_at",
                          1, p, on_web, &row, NULL);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    if (rc)
        return rc;
    if (row.rows != 1 || !hub_db_same_hash(row.hash, id_hash) || row.expires_at <= now_ms)
        return AM_ERR_NOTFOUND;
    snprintf(manager, managerlen, "%s", row.manager);
    return AM_OK;
}

am_rc hub_db_web_delete(hub_db *db, const char *id_hash, const hub_audit_entry *audit)
{
    int slot;
    const char *p[] = {id_hash};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = db->drv->begin(conn);
    if (!rc)
        rc = hub_db_run(db, conn, "DELETE FROM web_sessions WHERE id_hash = ?1", 1, p, NULL, NULL,
                        NULL);
    if (!rc)
        rc = hub_db_audit_write(db, conn, audit);
    if (!rc)
        rc = db->drv->commit(conn);
    if (rc)
        db->drv->rollback(conn);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    return rc;
}
