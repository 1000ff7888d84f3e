/* hub_db_read.c — what managers read through the API and dashboard: ingest log, feedback, alerts,
 * and acknowledging an alert. */
#include "hub_db_internal.h"

#include <stdlib.h>
#include <string.h>

/* --- manager queries ---------------------------------------------------------------- */

am_rc hub_db_ingest_log_list(hub_db *db, const char *kiosk, int limit, cJSON **out)
{
    static const col cols[] = {
        {"at", COL_INT},        {"batch", COL_TEXT},   {"status", COL_INT},  {"stored", COL_INT},
        {"duplicate", COL_INT}, {"rejected", COL_INT}, {"reason", COL_TEXT},
    };
    int slot, found = 0;
    const char *p1[] = {kiosk};
    *out = NULL;
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = hub_db_run(db, conn, "SELECT 1 FROM kiosks WHERE id = ?1", 1, p1, hub_db_count_rows,
                          &found, NULL);
    hub_db_release(db, slot);
    if (rc)
        return rc;
    if (!found)
        return AM_ERR_NOTFOUND;
    num lim = i64(limit);
    const char *p[] = {kiosk, lim.s};
    cJSON *entries = NULL;
    rc = hub_db_query_rows(
        db,
        "SELECT at, batch, status, stored, duplicate, rejected, reason FROM ingest_log "
        "WHERE kiosk = ?1 ORDER BY seq DESC LIMIT CAST(?2 AS BIGINT)",
        2, p, cols, (int)(sizeof cols / sizeof cols[0]), &entries);
    if (rc)
        return rc;
    cJSON *root = cJSON_CreateObject();
    if (!root || !cJSON_AddStringToObject(root, "kiosk", kiosk) ||
        !cJSON_AddItemToObject(root, "entries", entries)) {
        cJSON_Delete(root);
        cJSON_Delete(entries);
        return AM_ERR_NOMEM;
    }
    *out = root;
    return AM_OK;
}

/* A person's scope as statement parameters: first "0" (every site: an
 * admin, or no person given) or "1", then HUB_SCOPE_MAX sites (NULL when
 * unused). SCOPE_SQL(col, N) keeps the rows whose kiosk column `col` is
 * at one of them, the parameters starting at ?N. */
#define SCOPE_PARAMS (1 + HUB_SCOPE_MAX)
static void scope_params(const hub_person *p, const char **out)
{
    out[0] = !p || p->role == HUB_ROLE_ADMIN ? "0" : "1";
    for (size_t i = 0; i < HUB_SCOPE_MAX; i++)
        out[1 + i] = p && i < p->nsites ? p->sites[i] : NULL;
}

am_rc hub_db_feedback(hub_db *db, const hub_feedback_filter *f, cJSON **out)
{
    static const col followup_cols[] = {
        {"id", COL_TEXT},          {"kiosk", COL_TEXT},    {"closed_at", COL_INT},
        {"category", COL_TEXT},    {"severity", COL_TEXT}, {"outcome", COL_TEXT},
        {"first_name", COL_TEXT},  {"contact", COL_TEXT},  {"rating", COL_INT},
        {"offer_state", COL_TEXT},
    };
    num since = i64(f->since_ms), lim = i64(f->limit);
    const char *p[5 + SCOPE_PARAMS] = {f->kiosk ? f->kiosk : "", since.s,
                                       f->category ? f->category : "", f->outcome ? f->outcome : "",
                                       lim.s};
    scope_params(f->scope, p + 5);
    if (f->followups)
        return hub_db_query_rows(
            db,
            "SELECT id, kiosk, closed_at, category, severity, outcome, first_name, "
            "contact, rating, offer_state FROM feedback "
            "WHERE consent = 'yes' AND contact <> '' "
            "AND (CAST(?1 AS TEXT) = '' OR kiosk = ?1) "
            "AND closed_at >= CAST(?2 AS BIGINT) "
            "AND (CAST(?3 AS TEXT) = '' OR category = ?3) "
            "AND (CAST(?4 AS TEXT) = '' OR outcome = ?4) "
            "AND (CAST(?6 AS BIGINT) = 0 OR kiosk IN (SELECT id FROM kiosks WHERE "
            "site IN (?7, ?8, ?9, "
            "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22))) "
            "ORDER BY closed_at, id LIMIT CAST(?5 AS BIGINT)",
            5 + SCOPE_PARAMS, p, followup_cols,
            (int)(sizeof followup_cols / sizeof followup_cols[0]), out);
    const feedback_sql *sql = hub_db_feedback_sql();
    return hub_db_query_rows(db, sql->select, 5 + SCOPE_PARAMS, p, sql->cols, sql->ncols, out);
}

static const col alert_cols[] = {
    {"id", COL_TEXT},       {"kiosk", COL_TEXT},      {"journey", COL_TEXT},
    {"reason", COL_TEXT},   {"category", COL_TEXT},   {"severity", COL_TEXT},
    {"raised_at", COL_INT}, {"received_at", COL_INT}, {"acked_at", COL_INT},
    {"acked_by", COL_TEXT},
};

am_rc hub_db_alerts(hub_db *db, bool open_only, int limit, const hub_person *scope, cJSON **out)
{
    num lim = i64(limit);
    const char *p[2 + SCOPE_PARAMS] = {open_only ? "1" : "0", lim.s};
    scope_params(scope, p + 2);
    return hub_db_query_rows(
        db,
        "SELECT id, kiosk, journey, reason, category, severity, raised_at, "
        "received_at, acked_at, acked_by FROM alerts "
        "WHERE (CAST(?1 AS BIGINT) = 0 OR acked_at IS NULL) "
        "AND (CAST(?3 AS BIGINT) = 0 OR kiosk IN (SELECT id FROM kiosks WHERE site IN "
        "(?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19))) "
        "ORDER BY raised_at DESC, id LIMIT CAST(?2 AS BIGINT)",
        2 + SCOPE_PARAMS, p, alert_cols, (int)(sizeof alert_cols / sizeof alert_cols[0]), out);
}

am_rc hub_db_alert_ack(hub_db *db, const char *id, const char *manager, int64_t now_ms,
                       const hub_audit_entry *audit, cJSON **out)
{
    int slot;
    int64_t changes = 0;
    num now = i64(now_ms);
    const char *p[] = {id, now.s, manager};
    *out = NULL;
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = db->drv->begin(conn);
    if (!rc)
        rc = hub_db_run(db, conn,
                        "UPDATE alerts SET acked_at = ?2, acked_by = ?3 "
                        "WHERE id = ?1 AND acked_at IS NULL",
                        3, p, NULL, NULL, &changes);
    /* Only the call that acknowledges it records it, in its transaction. */
    if (!rc && changes == 1)
        rc = hub_db_audit_write(db, conn, audit);
    if (!rc)
        rc = db->drv->commit(conn);
    if (rc)
        db->drv->rollback(conn);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    if (rc)
        return rc;
    cJSON *rows = NULL;
    const char *q[] = {id};
    rc =
        hub_db_query_rows(db,
                          "SELECT id, kiosk, journey, reason, category, severity, raised_at, "
                          "received_at, acked_at, acked_by FROM alerts WHERE id = ?1",
                          1, q, alert_cols, (int)(sizeof alert_cols / sizeof alert_cols[0]), &rows);
    if (rc)
        return rc;
    cJSON *first = cJSON_DetachItemFromArray(rows, 0);
    cJSON_Delete(rows);
    if (!first)
        return AM_ERR_NOTFOUND;
    *out = first;
    return AM_OK;
}
