/* hub_db_ingest.c — storing a kiosk batch (feedback, alerts) exactly once, and the ingest log. */
#include "hub_db_internal.h"
#include "hub_case.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "amends/log.h"
#include "amends/report.h"

#define MOD           "db"
#define BATCH_KEEP_MS (INT64_C(7) * 24 * 3600 * 1000) /* Idempotency-Key memory */

/* --- ingest ---------------------------------------------------------------------- */

/* Now and then forget webhook-ids too old to pass the timestamp check
 * anyway, and answers past the idempotency window. */
static void purge_old(hub_db *db, void *conn, int64_t now_ms, int64_t keep_ms)
{
    if ((atomic_fetch_add(&db->purge_tick, 1) % 512) != 0)
        return;
    num cutoff = i64(now_ms - keep_ms), batch_cutoff = i64(now_ms - BATCH_KEEP_MS);
    const char *q[] = {cutoff.s};
    const char *r[] = {batch_cutoff.s};
    hub_db_run(db, conn, "DELETE FROM webhook_ids WHERE seen_at < ?1", 1, q, NULL, NULL, NULL);
    hub_db_run(db, conn, "DELETE FROM batches WHERE received_at < ?1", 1, r, NULL, NULL, NULL);
}

typedef struct replay_row {
    int status;
    char *body;
    bool oom;
    bool other_body; /* the batch came with another body (NULL hash: not known) */
    const char *body_hash;
} replay_row;

static void on_replay(void *ud, int ncols, const char *const *v)
{
    replay_row *row = ud;
    if (ncols < 3 || !v[0] || !v[1] || row->body)
        return;
    row->status = (int)strtol(v[0], NULL, 10);
    row->body = strdup(v[1]);
    row->oom = !row->body;
    row->other_body = v[2] && strcmp(v[2], row->body_hash) != 0;
}

typedef struct seen_row {
    const char *body_hash;
    bool same; /* the webhook-id came with this very body before */
} seen_row;

static void on_seen(void *ud, int ncols, const char *const *v)
{
    seen_row *row = ud;
    row->same = ncols >= 1 && v[0] && strcmp(v[0], row->body_hash) == 0;
}

static am_rc insert_record(hub_db *db, void *conn, const am_proto_batch *b,
                           const am_proto_record *r, const char *now, am_proto_status *status)
{
    int64_t changes = 0;
    am_rc rc;
    if (r->kind == AM_PROTO_FEEDBACK) {
        const am_proto_feedback *fb = &r->u.feedback;
        const am_report *rp = &fb->report;
        num created = i64(fb->created_at), closed = i64(fb->closed_at);
        const char *p[FEEDBACK_HEAD_PARAMS + AM_REPORT_FIELDS_MAX] = {
            r->id, r->kiosk, b->batch, now, created.s, closed.s, am_outcome_name(rp->outcome)};
        char numbers[AM_REPORT_FIELDS_MAX][24];
        for (size_t i = 0; i < am_report_field_count; i++)
            p[FEEDBACK_HEAD_PARAMS + i] =
                am_report_value_text(rp, &am_report_fields[i], numbers[i], sizeof numbers[i]);
        const feedback_sql *sql = hub_db_feedback_sql();
        rc = hub_db_run(db, conn, sql->insert, FEEDBACK_HEAD_PARAMS + (int)am_report_field_count, p,
                        NULL, NULL, &changes);
        *status = changes ? AM_PROTO_STORED : AM_PROTO_DUPLICATE;
        return rc;
    }
    if (r->kind == AM_PROTO_ALERT) {
        const am_proto_alert *al = &r->u.alert;
        num raised = i64(al->raised_at);
        const char *p[] = {r->id,
                           r->kiosk,
                           b->batch,
                           now,
                           al->journey[0] ? al->journey : NULL,
                           am_alert_reason_name(al->reason),
                           al->category,
                           am_severity_name(al->severity),
                           raised.s};
        rc = hub_db_run(
            db, conn,
            "INSERT INTO alerts (id, kiosk, batch, received_at, journey, reason, category, "
            "severity, raised_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
            "ON CONFLICT DO NOTHING",
            9, p, NULL, NULL, &changes);
        *status = changes ? AM_PROTO_STORED : AM_PROTO_DUPLICATE;
        return rc;
    }
    if (r->kind == AM_PROTO_VOUCHER) {
        /* Keyed by code, id and (kiosk, serial): a resent voucher is a
         * duplicate whichever of them it repeats. */
        const am_proto_voucher *vo = &r->u.voucher;
        num serial = i64(vo->serial), value = i64(vo->value_minor), issued = i64(vo->issued_at),
            expires = i64(vo->expires_at);
        const char *p[] = {vo->code, r->id,     r->kiosk, b->batch, now,      vo->journey,
                           serial.s, vo->offer, value.s,  issued.s, expires.s};
        rc = hub_db_run(
            db, conn,
            "INSERT INTO vouchers (code, id, kiosk, batch, received_at, journey, serial, "
            "offer, value_minor, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
            "?8, ?9, ?10, ?11) ON CONFLICT DO NOTHING",
            11, p, NULL, NULL, &changes);
        *status = changes ? AM_PROTO_STORED : AM_PROTO_DUPLICATE;
        return rc;
    }
    /* A heartbeat is a state, not an event: the newest one wins and an
     * older one arriving late changes nothing, but either settles. */
    const am_proto_heartbeat *hb = &r->u.heartbeat;
    num sent = i64(hb->sent_at), pending = i64(hb->pending), quarantined = i64(hb->quarantined),
        uptime = i64(hb->uptime_s), daily = i64(hb->budget_daily_minor),
        hourly = i64(hb->budget_hourly_offers), spent = i64(hb->spent_today_minor),
        offers = i64(hb->offers_last_hour);
    /* The budget is part of the newest heartbeat's state: one without a
     * budget (an older kiosk) clears it rather than leaving a stale one. */
    bool bud = hb->has_budget;
    const char *p[] = {r->kiosk,
                       sent.s,
                       pending.s,
                       quarantined.s,
                       hb->last_error,
                       hb->version,
                       uptime.s,
                       bud ? hb->budget_currency : NULL,
                       bud ? daily.s : NULL,
                       bud ? hourly.s : NULL,
                       bud ? spent.s : NULL,
                       bud ? offers.s : NULL};
    rc = hub_db_run(db, conn,
                    "UPDATE kiosks SET heartbeat_at = ?2, pending = ?3, quarantined = ?4, "
                    "last_error = ?5, version = ?6, uptime_s = ?7, budget_currency = ?8, "
                    "budget_daily_minor = ?9, budget_hourly_offers = ?10, spent_today_minor = ?11, "
                    "offers_last_hour = ?12 "
                    "WHERE id = ?1 AND (heartbeat_at IS NULL OR heartbeat_at <= ?2)",
                    12, p, NULL, NULL, NULL);
    *status = AM_PROTO_STORED;
    return rc;
}

static am_rc ingest_once(hub_db *db, void *conn, const am_proto_batch *b, const char *msg_id,
                         const char *body_hash, int64_t now_ms, hub_ingest_result *out)
{
    am_proto_response *resp = NULL;
    char *body = NULL;
    int64_t changes = 0;
    num now = i64(now_ms);
    am_rc rc = db->drv->begin(conn);
    if (rc) {
        if (rc != AM_ERR_BUSY)
            am_log_error(MOD, "%s: begin: %s", db->drv->name, db->drv->errmsg(conn));
        return rc;
    }
    {
        /* The webhook-id first. Seen before with this very body, it is the
         * same request again (libcurl resends a request whose kept-alive
         * connection died before the answer, byte for byte): it goes on to
         * the batch's stored answer below. Seen with another body, it is a
         * replay and changes nothing. On PostgreSQL a copy that arrives
         * while the first is still being stored waits here on the unique
         * key until the first commits, then reads its answer. */
        const char *p[] = {b->kiosk, msg_id, now.s, body_hash};
        rc = hub_db_run(db, conn,
                        "INSERT INTO webhook_ids (kiosk, msg_id, seen_at, body_hash) "
                        "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                        4, p, NULL, NULL, &changes);
        if (rc)
            goto out;
        if (changes == 0) {
            seen_row seen = {.body_hash = body_hash};
            rc = hub_db_run(db, conn,
                            "SELECT body_hash FROM webhook_ids WHERE kiosk = ?1 AND msg_id = ?2", 2,
                            p, on_seen, &seen, NULL);
            if (rc)
                goto out;
            if (!seen.same) {
                out->webhook_replayed = true;
                db->drv->rollback(conn);
                return AM_OK;
            }
        }
    }
    {
        const char *p[] = {b->kiosk, b->batch, now.s, body_hash};
        rc = hub_db_run(
            db, conn,
            "INSERT INTO batches (kiosk, batch, received_at, status, response, body_hash) "
            "VALUES (?1, ?2, ?3, 0, '', ?4) ON CONFLICT DO NOTHING",
            4, p, NULL, NULL, &changes);
        if (rc)
            goto out;
    }
    if (changes == 0) {
        /* Seen before: the original answer, byte for byte, if this is the
         * same body; another body under the same key is refused. */
        replay_row row = {.body_hash = body_hash};
        const char *p[] = {b->kiosk, b->batch};
        rc = hub_db_run(
            db, conn,
            "SELECT status, response, body_hash FROM batches WHERE kiosk = ?1 AND batch = ?2", 2, p,
            on_replay, &row, NULL);
        if (!rc && (row.oom || !row.body))
            rc = row.oom ? AM_ERR_NOMEM : AM_ERR;
        if (rc) {
            free(row.body);
            goto out;
        }
        if (row.other_body) {
            free(row.body);
            out->key_reused = true;
            db->drv->rollback(conn);
            return AM_OK;
        }
        out->status = row.status;
        out->body = row.body;
        out->replayed = true;
        rc = db->drv->commit(conn);
        goto out;
    }
    resp = am_proto_response_new(b->batch, b->count);
    if (!resp) {
        rc = AM_ERR_NOMEM;
        goto out;
    }
    memset(out->counts, 0, sizeof out->counts);
    for (size_t i = 0; i < b->count; i++) {
        const am_proto_record *r = &b->records[i];
        am_proto_result *res = &resp->results[i];
        memcpy(res->id, r->id, sizeof res->id);
        if (!r->valid) {
            res->status = AM_PROTO_REJECTED;
            snprintf(res->reason, sizeof res->reason, "%s", r->reason);
        } else {
            rc = insert_record(db, conn, b, r, now.s, &res->status);
            if (rc)
                goto out;
        }
        out->counts[res->status]++;
    }
    /* Cases, in this same transaction: a batch stored is its cases opened. */
    rc = hub_cases_ingest(db, conn, b, resp, db->case_low_rating, now_ms);
    if (rc)
        goto out;
    body = am_proto_response_encode(resp);
    if (!body) {
        rc = AM_ERR_NOMEM;
        goto out;
    }
    {
        const char *p[] = {b->kiosk, b->batch, body};
        rc = hub_db_run(
            db, conn,
            "UPDATE batches SET status = 200, response = ?3 WHERE kiosk = ?1 AND batch = ?2", 3, p,
            NULL, NULL, NULL);
        if (rc)
            goto out;
    }
    {
        const char *p[] = {b->kiosk, now.s};
        rc = hub_db_run(db, conn, "UPDATE kiosks SET last_seen = ?2 WHERE id = ?1", 2, p, NULL,
                        NULL, NULL);
        if (rc)
            goto out;
    }
    {
        num stored = i64((int64_t)out->counts[AM_PROTO_STORED]);
        num dup = i64((int64_t)out->counts[AM_PROTO_DUPLICATE]);
        num rej = i64((int64_t)out->counts[AM_PROTO_REJECTED]);
        const char *p[] = {b->kiosk, now.s, b->batch, stored.s, dup.s, rej.s};
        rc = hub_db_run(
            db, conn,
            "INSERT INTO ingest_log (kiosk, at, batch, status, stored, duplicate, rejected, "
            "reason) VALUES (?1, ?2, ?3, 200, ?4, ?5, ?6, '')",
            6, p, NULL, NULL, NULL);
        if (rc)
            goto out;
    }
    rc = db->drv->commit(conn);
    if (rc)
        goto out;
    out->status = 200;
    out->body = body;
    body = NULL;
out:
    if (rc)
        db->drv->rollback(conn);
    free(body);
    am_proto_response_free(resp);
    return rc;
}

am_rc hub_db_ingest(hub_db *db, const am_proto_batch *b, const char *msg_id, const char *body_hash,
                    int64_t now_ms, int64_t keep_ms, hub_ingest_result *out)
{
    int slot;
    am_rc rc = AM_ERR_BUSY;
    memset(out, 0, sizeof *out);
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    for (int attempt = 0; attempt < BUSY_RETRIES && rc == AM_ERR_BUSY; attempt++) {
        if (attempt > 0) {
            /* Back off a little, more each time, before trying again. */
            struct timespec ts = {0, (long)(attempt * 20) * 1000000L};
            nanosleep(&ts, NULL);
            am_log_debug(MOD, "batch retry %d after a transient conflict", attempt);
        }
        memset(out, 0, sizeof *out);
        rc = ingest_once(db, conn, b, msg_id, body_hash, now_ms, out);
    }
    if (!rc)
        purge_old(db, conn, now_ms, keep_ms);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    return rc;
}

am_rc hub_db_ingest_log(hub_db *db, const char *kiosk, const char *batch, int64_t now_ms,
                        int status, const char *reason)
{
    int slot;
    num now = i64(now_ms), st = i64(status);
    const char *p[] = {kiosk, now.s, batch && *batch ? batch : NULL, st.s, reason};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc =
        hub_db_run(db, conn,
                   "INSERT INTO ingest_log (kiosk, at, batch, status, stored, duplicate, rejected, "
                   "reason) VALUES (?1, ?2, ?3, ?4, 0, 0, 0, ?5)",
                   5, p, NULL, NULL, NULL);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    return rc;
}
