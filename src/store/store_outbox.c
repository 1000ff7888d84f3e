/* store_outbox.c — the store's outbox of records for the hub, the sync log
 * and the status summary (see include/amends/store.h; the module's layout is
 * in store_internal.h).
 */
#include "amends/store.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store_internal.h"

/* The sync log keeps this many newest entries; older ones are dropped so a
 * kiosk that is offline for months does not fill its disk with retries. */
#define STORE_SYNC_LOG_KEEP 10000
/* Outbox priority: lower goes first. */
#define PRIORITY_ALERT    0
#define PRIORITY_FEEDBACK 1
#define META_AUTH_FAILED  "sync.auth_failed"

/* A settled (synced) or quarantined record stays as it is: quarantine is
 * kept until a manager acts. ?2 state, ?3 next try, ?4 error, ?5 now. */
#define OUTBOX_SETTLE                                                                              \
    "UPDATE outbox SET state = ?2, attempts = attempts + 1, "                                      \
    "next_try_ms = CASE WHEN ?2 = 'pending' THEN ?3 ELSE next_try_ms END, "                        \
    "last_error = ?4, updated_ms = ?5 "

static const char SQL_OUTBOX_INSERT[] =
    "INSERT INTO outbox (uuid, kind, priority, state, attempts, "
    "next_try_ms, last_error, created_ms, updated_ms) "
    "VALUES (?1, ?2, ?3, 'pending', 0, ?4, '', ?4, ?4)";
static const char SQL_OUTBOX_DUE[] = "SELECT uuid, kind, attempts, rowid FROM outbox "
                                     "WHERE state = 'pending' AND next_try_ms <= ?1 "
                                     "ORDER BY priority, created_ms, rowid LIMIT ?2";
/* By rowid, from the claim's own SELECT: one B-tree seek, not two. */
static const char SQL_OUTBOX_MARK_INFLIGHT[] =
    "UPDATE outbox SET state = 'inflight', updated_ms = ?2 "
    "WHERE rowid = ?1 AND state = 'pending'";
static const char SQL_OUTBOX_SETTLE[] =
    OUTBOX_SETTLE "WHERE uuid = ?1 AND state IN ('pending', 'inflight')";
/* The same for a record the claim returned: found by rowid, checked by
 * uuid. */
static const char SQL_OUTBOX_SETTLE_ROW[] =
    OUTBOX_SETTLE "WHERE rowid = ?6 AND uuid = ?1 AND state IN ('pending', 'inflight')";
static const char SQL_OUTBOX_STATE[] = "SELECT state FROM outbox WHERE uuid = ?1";
/* Back to a fresh start: due at once, backoff from the beginning. */
static const char SQL_OUTBOX_REQUEUE[] =
    "UPDATE outbox SET state = 'pending', attempts = 0, next_try_ms = 0 "
    "WHERE state = 'quarantined'";
/* A manager's "sync now": no record waits out its backoff. */
static const char SQL_OUTBOX_RETRY_NOW[] =
    "UPDATE outbox SET next_try_ms = 0 WHERE state = 'pending' AND next_try_ms > 0";
static const char SQL_OUTBOX_NEXT_DUE[] =
    "SELECT min(next_try_ms) FROM outbox WHERE state = 'pending'";
static const char SQL_SYNC_LOG_INSERT[] =
    "INSERT INTO sync_log (at_ms, batch_size, http_status, transport, "
    "latency_ms, outcome, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_SYNC_LOG_PRUNE[] = "DELETE FROM sync_log WHERE id <= ?1";
static const char SQL_STATUS_OUTBOX[] =
    "SELECT state, count(*), min(created_ms) FROM outbox GROUP BY state";
static const char SQL_STATUS_JOURNEYS[] =
    "SELECT count(*), count(CASE WHEN outcome = 'open' THEN 1 END) "
    "FROM journeys";
static const char SQL_STATUS_ALERTS[] = "SELECT count(*) FROM alerts";
/* An attempt the kiosk itself cut short (sync stopping) says nothing
 * about the hub. */
static const char SQL_STATUS_LAST[] =
    "SELECT at_ms, http_status, transport, outcome, detail FROM sync_log "
    "WHERE outcome != 'aborted' ORDER BY id DESC LIMIT 1";
static const char SQL_STATUS_LAST_OK[] = "SELECT max(at_ms) FROM sync_log WHERE outcome = 'ok'";
/* The first attempt that failed to reach or satisfy the hub since the last
 * one that went well: how long the hub has been out of reach. */
static const char SQL_STATUS_FAILING_SINCE[] =
    "SELECT min(at_ms) FROM sync_log WHERE outcome IN ('retry', 'heartbeat_failed', "
    "'auth_failed') AND id > coalesce((SELECT max(id) FROM sync_log WHERE outcome = 'ok'), 0)";
/* The alerts not yet at the hub: how many, and the oldest one's state and
 * why it is still here. No row when none is waiting. */
static const char SQL_STATUS_ALERTS_WAITING[] =
    "SELECT count(*) OVER (), created_ms, state, last_error FROM outbox "
    "WHERE kind = 'alert' AND state != 'synced' ORDER BY created_ms LIMIT 1";

/* --- outbox -------------------------------------------------------------- */

am_rc am_store_outbox_insert(am_store *st, const char *uuid, am_record_kind kind, int64_t now_ms,
                             const char *what)
{
    sqlite3_stmt *stmt = NULL;
    am_rc rc = am_store_stmt(st, STMT_OUTBOX_INSERT, SQL_OUTBOX_INSERT, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 2, am_store_record_kind_names[kind], -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src =
            sqlite3_bind_int(stmt, 3, kind == AM_RECORD_ALERT ? PRIORITY_ALERT : PRIORITY_FEEDBACK);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 4, now_ms);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src != SQLITE_DONE)
        rc = am_store_fail(st, src, what);
out:
    am_store_stmt_done(stmt);
    return rc;
}

am_rc am_store_outbox_claim(am_store *st, int64_t now_ms, int max, am_outbox_item *items,
                            int *count_out)
{
    static const char what[] = "claiming outbox records";
    sqlite3_stmt *due = NULL, *mark = NULL;
    bool own = false;
    int count = 0;
    am_rc rc;

    if (!st || !count_out || (max > 0 && !items))
        return AM_ERR_INVALID;
    *count_out = 0;
    if (max <= 0)
        return AM_OK;
    rc = am_store_write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = am_store_stmt(st, STMT_OUTBOX_DUE, SQL_OUTBOX_DUE, &due);
    if (rc)
        goto out;
    int src = sqlite3_bind_int64(due, 1, now_ms);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int(due, 2, max);
    if (src != SQLITE_OK) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    while (count < max && (src = sqlite3_step(due)) == SQLITE_ROW) {
        am_outbox_item *it = &items[count++];
        char kind[16];
        am_store_column_text(due, 0, it->uuid, sizeof it->uuid);
        am_store_column_text(due, 1, kind, sizeof kind);
        it->kind = (am_record_kind)am_store_index_of(am_store_record_kind_names,
                                                     COUNT_OF(am_store_record_kind_names), kind, 0);
        it->attempts = sqlite3_column_int(due, 2);
        it->row = sqlite3_column_int64(due, 3);
    }
    if (src != SQLITE_ROW && src != SQLITE_DONE) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    am_store_stmt_done(due);
    due = NULL;
    rc = am_store_stmt(st, STMT_OUTBOX_MARK_INFLIGHT, SQL_OUTBOX_MARK_INFLIGHT, &mark);
    if (rc)
        goto out;
    for (int i = 0; i < count; i++) {
        src = sqlite3_bind_int64(mark, 1, items[i].row);
        if (src == SQLITE_OK)
            src = sqlite3_bind_int64(mark, 2, now_ms);
        if (src == SQLITE_OK)
            src = sqlite3_step(mark);
        am_store_stmt_done(mark);
        if (src != SQLITE_DONE) {
            rc = am_store_fail(st, src, what);
            goto out;
        }
    }
out:
    am_store_stmt_done(due);
    rc = am_store_write_end(st, own, rc, what);
    /* Nothing was claimed unless it was all committed (or joined). */
    *count_out = rc == AM_OK ? count : 0;
    return rc;
}

/* row > 0: the outbox rowid the claim returned for uuid. */
static am_rc outbox_settle(am_store *st, const char *uuid, int64_t row, am_sync_state state,
                           int64_t next_try_ms, const char *error, int64_t now_ms)
{
    static const char what[] = "settling an outbox record";
    sqlite3_stmt *stmt = NULL;
    bool own = false;
    am_rc rc;

    if (!st || !uuid)
        return AM_ERR_INVALID;
    if (state != AM_SYNC_SYNCED && state != AM_SYNC_QUARANTINED && state != AM_SYNC_PENDING)
        return am_store_failf(st, AM_ERR_INVALID, "%s: cannot settle as %s", what,
                              am_sync_state_name(state));
    /* A synced record has no error left to show. */
    const char *last_error = state == AM_SYNC_SYNCED || !error ? "" : error;
    rc = am_store_write_begin(st, &own, what);
    if (rc)
        goto out;
    /* By the claim's rowid first; the uuid decides, so a handle that no
     * longer names that record falls back to the uuid index. */
    for (int pass = row > 0 ? 0 : 1; pass < 2; pass++) {
        am_store_stmt_done(stmt);
        rc = pass == 0 ? am_store_stmt(st, STMT_OUTBOX_SETTLE_ROW, SQL_OUTBOX_SETTLE_ROW, &stmt)
                       : am_store_stmt(st, STMT_OUTBOX_SETTLE, SQL_OUTBOX_SETTLE, &stmt);
        if (rc)
            goto out;
        int src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
        if (src == SQLITE_OK && pass == 0)
            src = sqlite3_bind_int64(stmt, 6, row);
        if (src == SQLITE_OK)
            src = sqlite3_bind_text(stmt, 2, am_store_sync_state_names[state], -1, SQLITE_STATIC);
        if (src == SQLITE_OK)
            src = sqlite3_bind_int64(stmt, 3, next_try_ms);
        if (src == SQLITE_OK)
            src = am_store_bind_text(stmt, 4, last_error, 256);
        if (src == SQLITE_TOOBIG)
            src = sqlite3_bind_text(stmt, 4, last_error, 255, SQLITE_STATIC);
        if (src == SQLITE_OK)
            src = sqlite3_bind_int64(stmt, 5, now_ms);
        if (src == SQLITE_OK)
            src = sqlite3_step(stmt);
        if (src != SQLITE_DONE) {
            rc = am_store_fail(st, src, what);
            goto out;
        }
        if (sqlite3_changes(st->db) > 0)
            break;
    }
    int src;
    if (sqlite3_changes(st->db) == 0) {
        am_store_stmt_done(stmt);
        rc = am_store_stmt(st, STMT_OUTBOX_STATE, SQL_OUTBOX_STATE, &stmt);
        if (rc)
            goto out;
        src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
        if (src == SQLITE_OK)
            src = sqlite3_step(stmt);
        if (src == SQLITE_ROW) {
            char current[16];
            am_store_column_text(stmt, 0, current, sizeof current);
            rc = am_store_failf(st, AM_ERR_INVALID, "%s: record %.36s is already %s", what, uuid,
                                current);
        } else if (src == SQLITE_DONE) {
            rc = am_store_failf(st, AM_ERR_NOTFOUND, "%s: no outbox record %.36s", what, uuid);
        } else {
            rc = am_store_fail(st, src, what);
        }
    }
out:
    am_store_stmt_done(stmt);
    return am_store_write_end(st, own, rc, what);
}

am_rc am_store_outbox_settle(am_store *st, const char *uuid, am_sync_state state,
                             int64_t next_try_ms, const char *error, int64_t now_ms)
{
    return outbox_settle(st, uuid, 0, state, next_try_ms, error, now_ms);
}

am_rc am_store_outbox_settle_item(am_store *st, const am_outbox_item *item, am_sync_state state,
                                  int64_t next_try_ms, const char *error, int64_t now_ms)
{
    if (!item)
        return AM_ERR_INVALID;
    return outbox_settle(st, item->uuid, item->row, state, next_try_ms, error, now_ms);
}

/* One UPDATE of the outbox in a write transaction; *count_out gets the
 * rows it changed. */
static am_rc outbox_update(am_store *st, enum store_stmt which, const char *sql, const char *what,
                           int *count_out)
{
    sqlite3_stmt *stmt = NULL;
    bool own = false;
    int count = 0;
    am_rc rc;

    if (!st)
        return AM_ERR_INVALID;
    rc = am_store_write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = am_store_stmt(st, which, sql, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_step(stmt);
    if (src != SQLITE_DONE) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    count = sqlite3_changes(st->db);
out:
    am_store_stmt_done(stmt);
    rc = am_store_write_end(st, own, rc, what);
    if (count_out)
        *count_out = rc == AM_OK ? count : 0;
    return rc;
}

am_rc am_store_outbox_requeue(am_store *st, int *count_out)
{
    return outbox_update(st, STMT_OUTBOX_REQUEUE, SQL_OUTBOX_REQUEUE,
                         "requeuing quarantined records", count_out);
}

am_rc am_store_outbox_retry_now(am_store *st, int *count_out)
{
    return outbox_update(st, STMT_OUTBOX_RETRY_NOW, SQL_OUTBOX_RETRY_NOW,
                         "making waiting records due", count_out);
}

am_rc am_store_outbox_next_due(am_store *st, int64_t *next_try_ms)
{
    sqlite3_stmt *stmt = NULL;
    am_rc rc;

    if (!st || !next_try_ms)
        return AM_ERR_INVALID;
    rc = am_store_stmt(st, STMT_OUTBOX_NEXT_DUE, SQL_OUTBOX_NEXT_DUE, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_step(stmt);
    if (src != SQLITE_ROW) {
        rc = am_store_fail(st, src, "reading the next sync time");
        goto out;
    }
    *next_try_ms =
        sqlite3_column_type(stmt, 0) == SQLITE_NULL ? INT64_MAX : sqlite3_column_int64(stmt, 0);
out:
    am_store_stmt_done(stmt);
    return rc;
}

/* --- sync log ------------------------------------------------------------ */

am_rc am_store_sync_log_add(am_store *st, const am_sync_log_entry *e)
{
    static const char what[] = "adding to the sync log";
    sqlite3_stmt *stmt = NULL;
    bool own = false;
    am_rc rc;

    if (!st || !e)
        return AM_ERR_INVALID;
    rc = am_store_write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = am_store_stmt(st, STMT_SYNC_LOG_INSERT, SQL_SYNC_LOG_INSERT, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_int64(stmt, 1, e->at_ms);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int(stmt, 2, e->batch_size);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int(stmt, 3, e->http_status);
    if (src == SQLITE_OK)
        src = BIND_FIELD(stmt, 4, e->transport);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 5, e->latency_ms);
    if (src == SQLITE_OK)
        src = BIND_FIELD(stmt, 6, e->outcome);
    if (src == SQLITE_OK)
        src = BIND_FIELD(stmt, 7, e->detail);
    if (src == SQLITE_TOOBIG) {
        rc = am_store_failf(st, AM_ERR_INVALID, "%s: a text field is not terminated", what);
        goto out;
    }
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src != SQLITE_DONE) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    int64_t newest = sqlite3_last_insert_rowid(st->db);
    am_store_stmt_done(stmt);
    rc = am_store_stmt(st, STMT_SYNC_LOG_PRUNE, SQL_SYNC_LOG_PRUNE, &stmt);
    if (rc)
        goto out;
    src = sqlite3_bind_int64(stmt, 1, newest - STORE_SYNC_LOG_KEEP);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src != SQLITE_DONE)
        rc = am_store_fail(st, src, what);
out:
    am_store_stmt_done(stmt);
    return am_store_write_end(st, own, rc, what);
}

/* Newest means most recently added: the wall clock of a kiosk can jump. */
am_rc am_store_sync_log_each(am_store *st, int limit,
                             int (*cb)(const am_sync_log_entry *e, void *ud), void *ud)
{
    static const char what[] = "reading the sync log";
    sqlite3_stmt *stmt = NULL;
    am_rc rc = AM_OK;

    if (!st || !cb)
        return AM_ERR_INVALID;
    int src = sqlite3_prepare_v2(st->db,
                                 "SELECT at_ms, batch_size, http_status, transport, latency_ms, "
                                 "outcome, detail FROM sync_log ORDER BY id DESC LIMIT ?1",
                                 -1, &stmt, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int(stmt, 1, limit > 0 ? limit : -1); /* -1: no limit */
    if (src != SQLITE_OK) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        am_sync_log_entry e;
        memset(&e, 0, sizeof e);
        e.at_ms = sqlite3_column_int64(stmt, 0);
        e.batch_size = sqlite3_column_int(stmt, 1);
        e.http_status = sqlite3_column_int(stmt, 2);
        am_store_column_text(stmt, 3, e.transport, sizeof e.transport);
        e.latency_ms = sqlite3_column_int64(stmt, 4);
        am_store_column_text(stmt, 5, e.outcome, sizeof e.outcome);
        am_store_column_text(stmt, 6, e.detail, sizeof e.detail);
        if (cb(&e, ud) != 0)
            break;
    }
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        rc = am_store_fail(st, src, what);
out:
    sqlite3_finalize(stmt);
    return rc;
}

/* --- status -------------------------------------------------------------- */

/* Runs a cached statement expected to give one row; the row stays readable
 * until am_store_stmt_done. */
static am_rc step_row(am_store *st, enum store_stmt id, const char *sql, sqlite3_stmt **out,
                      const char *what)
{
    am_rc rc = am_store_stmt(st, id, sql, out);
    if (rc)
        return rc;
    int src = sqlite3_step(*out);
    if (src != SQLITE_ROW)
        return am_store_fail(st, src == SQLITE_DONE ? SQLITE_CORRUPT : src, what);
    return AM_OK;
}

/* The newest sync log entry; an error is its transport failure, else what
 * the hub answered. A newest entry that went well clears the error. */
static am_rc status_last(am_store *st, am_store_status *out, const char *what)
{
    sqlite3_stmt *stmt = NULL;
    am_rc rc = am_store_stmt(st, STMT_STATUS_LAST, SQL_STATUS_LAST, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_step(stmt);
    if (src == SQLITE_DONE)
        goto out;
    if (src != SQLITE_ROW) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    char transport[160], detail[256];
    out->last_attempt_ms = sqlite3_column_int64(stmt, 0);
    int http_status = sqlite3_column_int(stmt, 1);
    am_store_column_text(stmt, 2, transport, sizeof transport);
    am_store_column_text(stmt, 3, out->last_outcome, sizeof out->last_outcome);
    am_store_column_text(stmt, 4, detail, sizeof detail);
    if (strcmp(out->last_outcome, "ok") == 0)
        goto out;
    out->last_http_status = transport[0] ? 0 : http_status;
    if (transport[0])
        snprintf(out->last_error, sizeof out->last_error, "%s", transport);
    else if (http_status && detail[0])
        snprintf(out->last_error, sizeof out->last_error, "HTTP %d: %.230s", http_status, detail);
    else if (http_status)
        snprintf(out->last_error, sizeof out->last_error, "HTTP %d", http_status);
    else
        snprintf(out->last_error, sizeof out->last_error, "%s", detail);
out:
    am_store_stmt_done(stmt);
    return rc;
}

static am_rc status_alerts_waiting(am_store *st, am_store_status *out, const char *what)
{
    sqlite3_stmt *stmt = NULL;
    am_rc rc = am_store_stmt(st, STMT_STATUS_ALERTS_WAITING, SQL_STATUS_ALERTS_WAITING, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_step(stmt);
    if (src == SQLITE_DONE)
        goto out;
    if (src != SQLITE_ROW) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    out->alerts_waiting = sqlite3_column_int64(stmt, 0);
    out->oldest_alert_ms = sqlite3_column_int64(stmt, 1);
    char state[16];
    am_store_column_text(stmt, 2, state, sizeof state);
    out->oldest_alert_state = (am_sync_state)am_store_index_of(
        am_store_sync_state_names, COUNT_OF(am_store_sync_state_names), state, AM_SYNC_NONE);
    am_store_column_text(stmt, 3, out->oldest_alert_error, sizeof out->oldest_alert_error);
out:
    am_store_stmt_done(stmt);
    return rc;
}

am_rc am_store_get_status(am_store *st, am_store_status *out)
{
    static const char what[] = "reading the store status";
    sqlite3_stmt *stmt = NULL;
    bool own = false;
    am_rc rc;

    if (!st || !out)
        return AM_ERR_INVALID;
    memset(out, 0, sizeof *out);
    out->schema_version = st->schema_version;
    rc = am_store_read_begin(st, &own, what);
    if (rc)
        goto out;

    rc = am_store_stmt(st, STMT_STATUS_OUTBOX, SQL_STATUS_OUTBOX, &stmt);
    if (rc)
        goto out;
    int src;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        char state[16];
        am_store_column_text(stmt, 0, state, sizeof state);
        int64_t n = sqlite3_column_int64(stmt, 1);
        switch (am_store_index_of(am_store_sync_state_names, COUNT_OF(am_store_sync_state_names),
                                  state, AM_SYNC_NONE)) {
        case AM_SYNC_PENDING:
            out->pending = n;
            out->oldest_pending_ms = sqlite3_column_int64(stmt, 2);
            break;
        case AM_SYNC_INFLIGHT:
            out->inflight = n;
            break;
        case AM_SYNC_SYNCED:
            out->synced = n;
            break;
        case AM_SYNC_QUARANTINED:
            out->quarantined = n;
            break;
        default:
            break;
        }
    }
    if (src != SQLITE_DONE) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    am_store_stmt_done(stmt);

    rc = step_row(st, STMT_STATUS_JOURNEYS, SQL_STATUS_JOURNEYS, &stmt, what);
    if (rc)
        goto out;
    out->journeys = sqlite3_column_int64(stmt, 0);
    out->open_journeys = sqlite3_column_int64(stmt, 1);
    am_store_stmt_done(stmt);

    rc = step_row(st, STMT_STATUS_ALERTS, SQL_STATUS_ALERTS, &stmt, what);
    if (rc)
        goto out;
    out->alerts = sqlite3_column_int64(stmt, 0);
    am_store_stmt_done(stmt);

    rc = step_row(st, STMT_STATUS_LAST_OK, SQL_STATUS_LAST_OK, &stmt, what);
    if (rc)
        goto out;
    out->last_success_ms = sqlite3_column_int64(stmt, 0); /* NULL (never) reads as 0 */
    am_store_stmt_done(stmt);

    rc = step_row(st, STMT_STATUS_FAILING_SINCE, SQL_STATUS_FAILING_SINCE, &stmt, what);
    if (rc)
        goto out;
    out->failing_since_ms = sqlite3_column_int64(stmt, 0); /* NULL (none) reads as 0 */
    am_store_stmt_done(stmt);

    rc = status_alerts_waiting(st, out, what);
    if (rc)
        goto out;
    stmt = NULL;

    rc = status_last(st, out, what);
    if (rc)
        goto out;

    char flag[8];
    rc = am_store_meta_get(st, META_AUTH_FAILED, flag, sizeof flag);
    if (rc == AM_ERR_NOTFOUND || rc == AM_ERR_INVALID) {
        rc = AM_OK; /* absent, or too long to be "1" */
        flag[0] = '\0';
    }
    if (rc)
        goto out;
    out->auth_failed = strcmp(flag, "1") == 0;
out:
    am_store_stmt_done(stmt);
    am_store_read_end(st, own);
    return rc;
}
