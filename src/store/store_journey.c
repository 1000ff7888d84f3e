/* store_journey.c — the store's journeys, alerts, offers and budget (see
 * include/amends/store.h; the module's layout is in store_internal.h).
 */
#include "amends/store.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_internal.h"

/* The report's columns, in the order bind_report() binds them from ?4 on. */
#define REPORT_COLUMNS                                                                             \
    "lang, category, severity, description, first_name, resolution, resolution_text, offer, "      \
    "offer_value_minor, offer_state, voucher, rating, comment, contact, consent"
#define REPORT_PARAMS "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18"
#define JOURNEY_COLUMNS                                                                            \
    "SELECT j.id, j.kiosk, j.created_at_ms, j.closed_at_ms, j.outcome, j.lang, j.category, "       \
    "j.severity, j.description, j.first_name, j.resolution, j.resolution_text, j.offer, "          \
    "j.offer_value_minor, j.offer_state, j.voucher, j.rating, j.comment, j.contact, j.consent, "
#define JOURNEY_SELECT                                                                             \
    JOURNEY_COLUMNS "o.state FROM journeys j LEFT JOIN outbox o ON o.uuid = j.id "

static const char SQL_JOURNEY_INSERT[] =
    "INSERT INTO journeys (id, kiosk, created_at_ms, updated_at_ms, "
    "closed_at_ms, outcome, " REPORT_COLUMNS ") "
    "VALUES (?1, ?2, ?3, ?3, NULL, 'open', " REPORT_PARAMS ")";
/* ?3 is the outcome; 'open' saves without closing. Only an open journey
 * changes: a closed one may already be at the hub. */
static const char SQL_JOURNEY_UPDATE[] =
    "UPDATE journeys SET updated_at_ms = ?2, outcome = ?3, "
    "closed_at_ms = CASE WHEN ?3 = 'open' THEN NULL ELSE ?2 END, "
    "lang = ?4, category = ?5, severity = ?6, description = ?7, first_name = ?8, "
    "resolution = ?9, resolution_text = ?10, offer = ?11, offer_value_minor = ?12, "
    "offer_state = ?13, voucher = ?14, rating = ?15, comment = ?16, contact = ?17, "
    "consent = ?18 WHERE id = ?1 AND outcome = 'open'";
static const char SQL_JOURNEY_OUTCOME[] = "SELECT outcome FROM journeys WHERE id = ?1";
static const char SQL_JOURNEY_GET[] = JOURNEY_SELECT "WHERE j.id = ?1";
/* For the sync worker, which has the record inflight: no outbox join. */
static const char SQL_JOURNEY_GET_CLAIMED[] =
    JOURNEY_COLUMNS "'inflight' FROM journeys j WHERE j.id = ?1";
static const char SQL_ALERT_INSERT[] =
    "INSERT INTO alerts (id, kiosk, journey_id, reason, category, severity, "
    "created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_ALERT_GET[] =
    "SELECT a.id, a.kiosk, a.journey_id, a.reason, a.category, a.severity, "
    "a.created_at_ms, o.state FROM alerts a LEFT JOIN outbox o ON o.uuid = a.id "
    "WHERE a.id = ?1";
static const char SQL_OFFER_UPSERT[] =
    "INSERT INTO offer_spend (journey_id, offer_id, value_minor, state, "
    "at_ms) VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT (journey_id, offer_id) DO UPDATE SET "
    "value_minor = excluded.value_minor, state = excluded.state, "
    "at_ms = excluded.at_ms";
static const char SQL_SPEND[] =
    "SELECT coalesce(sum(CASE WHEN at_ms >= ?1 THEN value_minor END), 0), "
    "count(CASE WHEN at_ms >= ?2 THEN 1 END) "
    "FROM offer_spend WHERE state = 'accepted'";

/* --- journeys ------------------------------------------------------------ */

/* Binds the report's fields as ?4..?18 (REPORT_COLUMNS order). Enum values
 * without a name are refused rather than stored as something else. */
static am_rc bind_report(am_store *st, sqlite3_stmt *stmt, const am_report *r)
{
    const char *severity = am_store_name_of(am_store_severity_names,
                                            COUNT_OF(am_store_severity_names), (int)r->severity);
    const char *offer_state = am_store_name_of(
        am_store_offer_state_names, COUNT_OF(am_store_offer_state_names), (int)r->offer_state);
    const char *consent =
        am_store_name_of(am_store_consent_names, COUNT_OF(am_store_consent_names), (int)r->consent);
    if (!severity || !offer_state || !consent)
        return am_store_failf(st, AM_ERR_INVALID,
                              "report has an unknown severity, offer state or "
                              "consent value");
    if (r->rating < 0 || r->rating > 5)
        return am_store_failf(st, AM_ERR_INVALID, "report rating %d is not 0..5", r->rating);

    int src = sqlite3_bind_int(stmt, 4, r->lang);
    if (src == SQLITE_OK)
        src = BIND_FIELD(stmt, 5, r->category);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 6, severity, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = BIND_FIELD(stmt, 7, r->description);
    if (src == SQLITE_OK)
        src = BIND_FIELD(stmt, 8, r->first_name);
    if (src == SQLITE_OK)
        src = BIND_FIELD(stmt, 9, r->resolution);
    if (src == SQLITE_OK)
        src = BIND_FIELD(stmt, 10, r->resolution_text);
    if (src == SQLITE_OK)
        src = BIND_FIELD(stmt, 11, r->offer);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 12, r->offer_value_minor);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 13, offer_state, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = BIND_FIELD(stmt, 14, r->voucher);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int(stmt, 15, r->rating);
    if (src == SQLITE_OK)
        src = BIND_FIELD(stmt, 16, r->comment);
    if (src == SQLITE_OK)
        src = BIND_FIELD(stmt, 17, r->contact);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 18, consent, -1, SQLITE_STATIC);
    if (src == SQLITE_TOOBIG)
        return am_store_failf(st, AM_ERR_INVALID, "a report text field is not terminated");
    if (src != SQLITE_OK)
        return am_store_fail(st, src, "binding a report");
    return AM_OK;
}

/* Why an update of journey `uuid` changed nothing: absent or closed. */
static am_rc journey_unchanged(am_store *st, const char *uuid, const char *what)
{
    sqlite3_stmt *stmt = NULL;
    am_rc rc = am_store_stmt(st, STMT_JOURNEY_OUTCOME, SQL_JOURNEY_OUTCOME, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src == SQLITE_DONE) {
        rc = am_store_failf(st, AM_ERR_NOTFOUND, "%s: no journey %.36s", what, uuid);
    } else if (src == SQLITE_ROW) {
        char outcome[32];
        am_store_column_text(stmt, 0, outcome, sizeof outcome);
        rc = am_store_failf(st, AM_ERR_INVALID, "%s: journey %.36s is already closed (%s)", what,
                            uuid, outcome);
    } else {
        rc = am_store_fail(st, src, what);
    }
out:
    am_store_stmt_done(stmt);
    return rc;
}

am_rc am_store_journey_open(am_store *st, const char *kiosk, const am_report *r, int64_t now_ms,
                            char *uuid_out)
{
    static const char what[] = "storing a new journey";
    sqlite3_stmt *stmt = NULL;
    bool own = false;
    char uuid[AM_UUID_LEN + 1];
    am_rc rc;

    if (!st || !kiosk || !r || !uuid_out)
        return AM_ERR_INVALID;
    if (strnlen(kiosk, AM_KIOSK_ID_MAX) == AM_KIOSK_ID_MAX)
        return am_store_failf(st, AM_ERR_INVALID, "%s: kiosk id too long", what);
    rc = am_store_write_begin(st, &own, what);
    if (rc)
        goto out;
    /* Made inside the transaction, so the id exists exactly when the
     * journey does. */
    rc = am_store_new_uuid(st, uuid);
    if (rc)
        goto out;
    rc = am_store_stmt(st, STMT_JOURNEY_INSERT, SQL_JOURNEY_INSERT, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 2, kiosk, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 3, now_ms);
    if (src != SQLITE_OK) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    rc = bind_report(st, stmt, r);
    if (rc)
        goto out;
    src = sqlite3_step(stmt);
    if (src != SQLITE_DONE) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
out:
    am_store_stmt_done(stmt);
    rc = am_store_write_end(st, own, rc, what);
    if (rc == AM_OK)
        memcpy(uuid_out, uuid, sizeof uuid);
    return rc;
}

/* Writes the report into open journey `uuid` and sets its outcome. */
static am_rc journey_update(am_store *st, const char *uuid, const am_report *r, am_outcome outcome,
                            int64_t now_ms, const char *what)
{
    sqlite3_stmt *stmt = NULL;
    am_rc rc = am_store_stmt(st, STMT_JOURNEY_UPDATE, SQL_JOURNEY_UPDATE, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 2, now_ms);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 3, am_store_outcome_names[outcome], -1, SQLITE_STATIC);
    if (src != SQLITE_OK) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    rc = bind_report(st, stmt, r);
    if (rc)
        goto out;
    src = sqlite3_step(stmt);
    if (src != SQLITE_DONE) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    if (sqlite3_changes(st->db) == 0) {
        am_store_stmt_done(stmt);
        stmt = NULL;
        rc = journey_unchanged(st, uuid, what);
    }
out:
    am_store_stmt_done(stmt);
    return rc;
}

am_rc am_store_journey_save(am_store *st, const char *uuid, const am_report *r, int64_t now_ms)
{
    static const char what[] = "saving a journey";
    bool own = false;
    am_rc rc;

    if (!st || !uuid || !r)
        return AM_ERR_INVALID;
    rc = am_store_write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = journey_update(st, uuid, r, AM_OUTCOME_OPEN, now_ms, what);
out:
    return am_store_write_end(st, own, rc, what);
}

am_rc am_store_journey_close(am_store *st, const char *uuid, const am_report *r, am_outcome outcome,
                             int64_t now_ms)
{
    static const char what[] = "closing a journey";
    bool own = false;
    am_rc rc;

    if (!st || !uuid || !r)
        return AM_ERR_INVALID;
    if (outcome == AM_OUTCOME_OPEN ||
        !am_store_name_of(am_store_outcome_names, COUNT_OF(am_store_outcome_names), outcome))
        return am_store_failf(st, AM_ERR_INVALID, "%s: outcome %d does not close a journey", what,
                              (int)outcome);
    rc = am_store_write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = journey_update(st, uuid, r, outcome, now_ms, what);
    if (rc)
        goto out;
    rc = am_store_outbox_insert(st, uuid, AM_RECORD_FEEDBACK, now_ms, what);
out:
    return am_store_write_end(st, own, rc, what);
}

/* Fills row from a JOURNEY_SELECT result. */
static void journey_row_read(sqlite3_stmt *stmt, am_journey_row *row)
{
    am_report *r = &row->report;
    char name[32];

    memset(row, 0, sizeof *row);
    am_store_column_text(stmt, 0, row->id, sizeof row->id);
    am_store_column_text(stmt, 1, row->kiosk, sizeof row->kiosk);
    row->created_at_ms = sqlite3_column_int64(stmt, 2);
    row->closed_at_ms = sqlite3_column_int64(stmt, 3); /* NULL reads as 0 */
    am_store_column_text(stmt, 4, name, sizeof name);
    r->outcome = (am_outcome)am_store_index_of(am_store_outcome_names,
                                               COUNT_OF(am_store_outcome_names), name, 0);
    r->lang = sqlite3_column_int(stmt, 5);
    am_store_column_text(stmt, 6, r->category, sizeof r->category);
    am_store_column_text(stmt, 7, name, sizeof name);
    r->severity = (am_severity)am_store_index_of(am_store_severity_names,
                                                 COUNT_OF(am_store_severity_names), name, 0);
    am_store_column_text(stmt, 8, r->description, sizeof r->description);
    am_store_column_text(stmt, 9, r->first_name, sizeof r->first_name);
    am_store_column_text(stmt, 10, r->resolution, sizeof r->resolution);
    am_store_column_text(stmt, 11, r->resolution_text, sizeof r->resolution_text);
    am_store_column_text(stmt, 12, r->offer, sizeof r->offer);
    r->offer_value_minor = sqlite3_column_int64(stmt, 13);
    am_store_column_text(stmt, 14, name, sizeof name);
    r->offer_state = (am_offer_state)am_store_index_of(
        am_store_offer_state_names, COUNT_OF(am_store_offer_state_names), name, 0);
    am_store_column_text(stmt, 15, r->voucher, sizeof r->voucher);
    r->rating = sqlite3_column_int(stmt, 16);
    am_store_column_text(stmt, 17, r->comment, sizeof r->comment);
    am_store_column_text(stmt, 18, r->contact, sizeof r->contact);
    am_store_column_text(stmt, 19, name, sizeof name);
    r->consent = (am_consent)am_store_index_of(am_store_consent_names,
                                               COUNT_OF(am_store_consent_names), name, 0);
    am_store_column_text(stmt, 20, name, sizeof name);
    row->sync_state = (am_sync_state)am_store_index_of(
        am_store_sync_state_names, COUNT_OF(am_store_sync_state_names), name, 0);
}

static am_rc journey_get(am_store *st, enum store_stmt which, const char *sql, const char *uuid,
                         am_journey_row *row)
{
    static const char what[] = "reading a journey";
    sqlite3_stmt *stmt = NULL;
    am_rc rc;

    if (!st || !uuid || !row)
        return AM_ERR_INVALID;
    rc = am_store_stmt(st, which, sql, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        journey_row_read(stmt, row);
    else if (src == SQLITE_DONE)
        rc = am_store_failf(st, AM_ERR_NOTFOUND, "%s: no journey %.36s", what, uuid);
    else
        rc = am_store_fail(st, src, what);
out:
    am_store_stmt_done(stmt);
    return rc;
}

am_rc am_store_journey_get(am_store *st, const char *uuid, am_journey_row *row)
{
    return journey_get(st, STMT_JOURNEY_GET, SQL_JOURNEY_GET, uuid, row);
}

am_rc am_store_journey_get_claimed(am_store *st, const char *uuid, am_journey_row *row)
{
    return journey_get(st, STMT_JOURNEY_GET_CLAIMED, SQL_JOURNEY_GET_CLAIMED, uuid, row);
}

am_rc am_store_journeys_each(am_store *st, int64_t since_ms,
                             int (*cb)(const am_journey_row *row, void *ud), void *ud)
{
    static const char what[] = "listing journeys";
    sqlite3_stmt *stmt = NULL;
    am_journey_row *row = NULL;
    am_rc rc = AM_OK;

    if (!st || !cb)
        return AM_ERR_INVALID;
    row = malloc(sizeof *row);
    if (!row)
        return am_store_failf(st, AM_ERR_NOMEM, "%s: out of memory", what);
    /* Its own statement: cb may use the handle. */
    int src = sqlite3_prepare_v2(st->db,
                                 JOURNEY_SELECT "WHERE j.created_at_ms >= ?1 "
                                                "ORDER BY j.created_at_ms, j.rowid",
                                 -1, &stmt, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 1, since_ms);
    if (src != SQLITE_OK) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        journey_row_read(stmt, row);
        if (cb(row, ud) != 0)
            break;
    }
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        rc = am_store_fail(st, src, what);
out:
    sqlite3_finalize(stmt);
    /* The row held a guest's personal data. */
    explicit_bzero(row, sizeof *row);
    free(row);
    return rc;
}

/* --- alerts -------------------------------------------------------------- */

am_rc am_store_alert_raise(am_store *st, const char *kiosk, const char *journey_uuid,
                           am_alert_reason reason, const char *category, am_severity severity,
                           int64_t now_ms, char *uuid_out)
{
    static const char what[] = "raising an alert";
    sqlite3_stmt *stmt = NULL;
    bool own = false;
    char uuid[AM_UUID_LEN + 1];
    am_rc rc;

    if (!st || !kiosk)
        return AM_ERR_INVALID;
    const char *reason_name = am_store_name_of(am_store_alert_reason_names,
                                               COUNT_OF(am_store_alert_reason_names), (int)reason);
    const char *severity_name =
        am_store_name_of(am_store_severity_names, COUNT_OF(am_store_severity_names), (int)severity);
    if (!reason_name || !severity_name)
        return am_store_failf(st, AM_ERR_INVALID, "%s: unknown reason or severity", what);
    rc = am_store_write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = am_store_new_uuid(st, uuid);
    if (rc)
        goto out;
    rc = am_store_stmt(st, STMT_ALERT_INSERT, SQL_ALERT_INSERT, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 2, kiosk, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = journey_uuid ? sqlite3_bind_text(stmt, 3, journey_uuid, -1, SQLITE_STATIC)
                           : sqlite3_bind_null(stmt, 3);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 4, reason_name, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 5, category ? category : "", -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 6, severity_name, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 7, now_ms);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src != SQLITE_DONE) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    rc = am_store_outbox_insert(st, uuid, AM_RECORD_ALERT, now_ms, what);
out:
    am_store_stmt_done(stmt);
    rc = am_store_write_end(st, own, rc, what);
    if (rc == AM_OK && uuid_out)
        memcpy(uuid_out, uuid, sizeof uuid);
    return rc;
}

am_rc am_store_alert_get(am_store *st, const char *uuid, am_alert_row *row)
{
    static const char what[] = "reading an alert";
    sqlite3_stmt *stmt = NULL;
    char name[32];
    am_rc rc;

    if (!st || !uuid || !row)
        return AM_ERR_INVALID;
    rc = am_store_stmt(st, STMT_ALERT_GET, SQL_ALERT_GET, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src == SQLITE_DONE) {
        rc = am_store_failf(st, AM_ERR_NOTFOUND, "%s: no alert %.36s", what, uuid);
        goto out;
    }
    if (src != SQLITE_ROW) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    memset(row, 0, sizeof *row);
    am_store_column_text(stmt, 0, row->id, sizeof row->id);
    am_store_column_text(stmt, 1, row->kiosk, sizeof row->kiosk);
    am_store_column_text(stmt, 2, row->journey, sizeof row->journey); /* NULL reads as "" */
    am_store_column_text(stmt, 3, name, sizeof name);
    row->reason = (am_alert_reason)am_store_index_of(
        am_store_alert_reason_names, COUNT_OF(am_store_alert_reason_names), name, 0);
    am_store_column_text(stmt, 4, row->category, sizeof row->category);
    am_store_column_text(stmt, 5, name, sizeof name);
    row->severity = (am_severity)am_store_index_of(am_store_severity_names,
                                                   COUNT_OF(am_store_severity_names), name, 0);
    row->raised_at_ms = sqlite3_column_int64(stmt, 6);
    am_store_column_text(stmt, 7, name, sizeof name);
    row->sync_state = (am_sync_state)am_store_index_of(
        am_store_sync_state_names, COUNT_OF(am_store_sync_state_names), name, 0);
out:
    am_store_stmt_done(stmt);
    return rc;
}

/* --- offers and budget --------------------------------------------------- */

am_rc am_store_offer_record(am_store *st, const char *journey_uuid, const char *offer_id,
                            int64_t value_minor, am_offer_state state, int64_t now_ms)
{
    static const char what[] = "recording an offer";
    sqlite3_stmt *stmt = NULL;
    bool own = false;
    am_rc rc;

    if (!st || !journey_uuid || !offer_id)
        return AM_ERR_INVALID;
    const char *state_name = am_store_name_of(am_store_offer_state_names,
                                              COUNT_OF(am_store_offer_state_names), (int)state);
    if (!state_name)
        return am_store_failf(st, AM_ERR_INVALID, "%s: unknown offer state %d", what, (int)state);
    rc = am_store_write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = am_store_stmt(st, STMT_OFFER_UPSERT, SQL_OFFER_UPSERT, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, journey_uuid, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 2, offer_id, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 3, value_minor);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 4, state_name, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 5, now_ms);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src != SQLITE_DONE)
        rc = am_store_fail(st, src, what);
out:
    am_store_stmt_done(stmt);
    return am_store_write_end(st, own, rc, what);
}

am_rc am_store_spend(am_store *st, int64_t day_start_ms, int64_t hour_start_ms, int64_t *value_out,
                     int *offers_out)
{
    static const char what[] = "reading today's offer spend";
    sqlite3_stmt *stmt = NULL;
    am_rc rc;

    if (!st || !value_out || !offers_out)
        return AM_ERR_INVALID;
    rc = am_store_stmt(st, STMT_SPEND, SQL_SPEND, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_int64(stmt, 1, day_start_ms);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 2, hour_start_ms);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src != SQLITE_ROW) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    *value_out = sqlite3_column_int64(stmt, 0);
    *offers_out = sqlite3_column_int(stmt, 1);
out:
    am_store_stmt_done(stmt);
    return rc;
}
