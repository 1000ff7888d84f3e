/* store_journey.c — the store's journeys, alerts, offers and budget (see
 * include/amends/store.h; the module's layout is in store_internal.h).
 */
#include "amends/case_code.h"
#include "amends/report.h"
#include "amends/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <sqlite3.h>

#include "store_internal.h"

/* The journey statements name the report's columns, which come from its
 * field table (amends/report.h): built once, then constant. The report's
 * fields bind from ?4 on, in table order. */
enum journey_sql {
    JSQL_INSERT,
    JSQL_UPDATE,
    JSQL_GET,
    JSQL_GET_CLAIMED,
    JSQL_EACH,
    JSQL_PURGE_SET,
    JSQL_COUNT
};
#define REPORT_FIRST_PARAM 4
#define JOURNEY_SQL_MAX    2048

static char journey_sql[JSQL_COUNT][JOURNEY_SQL_MAX];
static pthread_once_t journey_sql_once = PTHREAD_ONCE_INIT;

static void sql_add(char *sql, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sql_add(char *sql, const char *fmt, ...)
{
    size_t len = strlen(sql);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(sql + len, JOURNEY_SQL_MAX - len, fmt, ap);
    va_end(ap);
    /* The statements follow from the field table alone: one that does not
     * fit is a programming error, and the first store a test opens says so. */
    if (n < 0 || (size_t)n >= JOURNEY_SQL_MAX - len)
        abort();
}

static void journey_sql_build(void)
{
    char *insert = journey_sql[JSQL_INSERT], *update = journey_sql[JSQL_UPDATE];
    char columns[JOURNEY_SQL_MAX] = "";
    char *purge = journey_sql[JSQL_PURGE_SET];

    sql_add(insert, "INSERT INTO journeys (id, kiosk, created_at_ms, updated_at_ms, "
                    "closed_at_ms, outcome");
    /* ?3 is the outcome; 'open' saves without closing. Only an open journey
     * changes: a closed one may already be at the hub. */
    sql_add(update, "UPDATE journeys SET updated_at_ms = ?2, outcome = ?3, "
                    "closed_at_ms = CASE WHEN ?3 = 'open' THEN NULL ELSE ?2 END");
    for (size_t i = 0; i < am_report_field_count; i++) {
        const char *name = am_report_fields[i].name;
        sql_add(insert, ", %s", name);
        sql_add(update, ", %s = ?%zu", name, i + REPORT_FIRST_PARAM);
        sql_add(columns, "j.%s, ", name);
        if (am_report_fields[i].personal)
            sql_add(purge, "%s%s = ''", purge[0] ? ", " : "", name);
    }
    sql_add(insert, ", case_code) VALUES (?1, ?2, ?3, ?3, NULL, 'open'");
    for (size_t i = 0; i < am_report_field_count; i++)
        sql_add(insert, ", ?%zu", i + REPORT_FIRST_PARAM);
    sql_add(insert, ", ?%zu)", am_report_field_count + REPORT_FIRST_PARAM);
    sql_add(update, " WHERE id = ?1 AND outcome = 'open'");

    sql_add(columns, "j.case_code, ");
    static const char head[] = "SELECT j.id, j.kiosk, j.created_at_ms, j.closed_at_ms, j.outcome, ";
    sql_add(journey_sql[JSQL_GET],
            "%s%so.state FROM journeys j LEFT JOIN outbox o ON o.uuid = j.id WHERE j.id = ?1", head,
            columns);
    /* For the sync worker, which has the record inflight: no outbox join. */
    sql_add(journey_sql[JSQL_GET_CLAIMED], "%s%s'inflight' FROM journeys j WHERE j.id = ?1", head,
            columns);
    sql_add(journey_sql[JSQL_EACH],
            "%s%so.state FROM journeys j LEFT JOIN outbox o ON o.uuid = j.id "
            "WHERE j.created_at_ms >= ?1 ORDER BY j.created_at_ms, j.rowid",
            head, columns);
}

/* One of the journey statements (constant once built). */
static const char *journey_sql_get(enum journey_sql which)
{
    pthread_once(&journey_sql_once, journey_sql_build);
    return journey_sql[which];
}

const char *am_store_purge_set_sql(void)
{
    return journey_sql_get(JSQL_PURGE_SET);
}

static const char SQL_JOURNEY_OUTCOME[] = "SELECT outcome FROM journeys WHERE id = ?1";
static const char SQL_ALERT_INSERT[] =
    "INSERT INTO alerts (id, kiosk, journey_id, reason, category, severity, "
    "created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_ALERT_GET[] =
    "SELECT a.id, a.kiosk, a.journey_id, a.reason, a.category, a.severity, "
    "a.created_at_ms, o.state, coalesce(j.case_code, '') FROM alerts a "
    "LEFT JOIN outbox o ON o.uuid = a.id LEFT JOIN journeys j ON j.id = a.journey_id "
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

/* Binds the report's fields from ?4 on, in table order. Enum values
 * without a name are refused rather than stored as something else. */
static am_rc bind_report(am_store *st, sqlite3_stmt *stmt, const am_report *r)
{
    int src = SQLITE_OK;
    for (size_t i = 0; i < am_report_field_count && src == SQLITE_OK; i++) {
        const am_report_field_def *d = &am_report_fields[i];
        int idx = (int)i + REPORT_FIRST_PARAM;
        int64_t v = am_report_get_int(r, d);
        const char *name;
        switch (d->kind) {
        case AM_RK_ENUM:
            name = am_report_value_name(r, d);
            if (!name)
                return am_store_failf(st, AM_ERR_INVALID, "report has an unknown %s value",
                                      d->name);
            src = sqlite3_bind_text(stmt, idx, name, -1, SQLITE_STATIC);
            break;
        case AM_RK_INT:
            if (v < d->lo || v > d->hi)
                return am_store_failf(st, AM_ERR_INVALID, "report %s %lld is not %lld..%lld",
                                      d->name, (long long)v, (long long)d->lo, (long long)d->hi);
            src = sqlite3_bind_int(stmt, idx, (int)v);
            break;
        case AM_RK_LANG: /* the store keeps the language's index */
            src = sqlite3_bind_int(stmt, idx, (int)v);
            break;
        case AM_RK_INT64:
            src = sqlite3_bind_int64(stmt, idx, v);
            break;
        default:
            src = am_store_bind_text(stmt, idx, am_report_get_text(r, d), d->size);
            break;
        }
    }
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

/* Four random numbers for a case code's characters. */
static am_rc code_random(am_store *st, uint32_t rnd[AM_CASE_CODE_TAIL])
{
    size_t got = 0;
    int tries = 0;
    unsigned char *b = (unsigned char *)rnd;
    size_t want = AM_CASE_CODE_TAIL * sizeof rnd[0];
    while (got < want) {
        ssize_t n = getrandom(b + got, want - got, 0);
        if (n < 0) {
            if (errno == EINTR && ++tries < 100)
                continue;
            return am_store_failf(st, AM_ERR_IO, "making a case code: getrandom: %s",
                                  strerror(errno));
        }
        got += (size_t)n;
    }
    return AM_OK;
}

am_rc am_store_journey_open(am_store *st, const char *kiosk, const am_report *r, int64_t now_ms,
                            char *uuid_out)
{
    char prefix[AM_CASE_PREFIX_MAX + 1];
    am_case_prefix_of(kiosk, prefix, sizeof prefix);
    return am_store_journey_open_coded(st, kiosk, prefix, r, now_ms, uuid_out, NULL);
}

/* Codes a store may draw before it gives up: with 30^4 codes per prefix,
 * eight taken in a row means the prefix is all but used up. */
#define CODE_DRAWS 8

am_rc am_store_journey_open_coded(am_store *st, const char *kiosk, const char *case_prefix,
                                  const am_report *r, int64_t now_ms, char *uuid_out,
                                  char *code_out)
{
    static const char what[] = "storing a new journey";
    sqlite3_stmt *stmt = NULL;
    bool own = false;
    char uuid[AM_UUID_LEN + 1];
    char code[AM_CASE_CODE_MAX] = "";
    am_rc rc;

    if (!st || !kiosk || !r || !uuid_out || !am_case_prefix_valid(case_prefix))
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
    rc = am_store_stmt(st, STMT_JOURNEY_INSERT, journey_sql_get(JSQL_INSERT), &stmt);
    if (rc)
        goto out;
    /* The case code too: a code another journey holds fails the unique
     * index, and is drawn again in the same transaction. */
    for (int draw = 0;; draw++) {
        uint32_t rnd[AM_CASE_CODE_TAIL];
        rc = code_random(st, rnd);
        if (rc)
            goto out;
        am_case_code_make(case_prefix, rnd, code, sizeof code);
        sqlite3_reset(stmt);
        int src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
        if (src == SQLITE_OK)
            src = sqlite3_bind_text(stmt, 2, kiosk, -1, SQLITE_STATIC);
        if (src == SQLITE_OK)
            src = sqlite3_bind_int64(stmt, 3, now_ms);
        if (src == SQLITE_OK)
            src = sqlite3_bind_text(stmt, (int)(am_report_field_count + REPORT_FIRST_PARAM), code,
                                    -1, SQLITE_STATIC);
        if (src != SQLITE_OK) {
            rc = am_store_fail(st, src, what);
            goto out;
        }
        rc = bind_report(st, stmt, r);
        if (rc)
            goto out;
        src = sqlite3_step(stmt);
        if (src == SQLITE_DONE)
            break;
        if (sqlite3_extended_errcode(sqlite3_db_handle(stmt)) == SQLITE_CONSTRAINT_UNIQUE &&
            draw + 1 < CODE_DRAWS)
            continue;
        rc = am_store_fail(st, src, what);
        goto out;
    }
out:
    am_store_stmt_done(stmt);
    rc = am_store_write_end(st, own, rc, what);
    if (rc == AM_OK) {
        memcpy(uuid_out, uuid, sizeof uuid);
        if (code_out)
            memcpy(code_out, code, sizeof code);
    }
    return rc;
}

/* Writes the report into open journey `uuid` and sets its outcome. */
static am_rc journey_update(am_store *st, const char *uuid, const am_report *r, am_outcome outcome,
                            int64_t now_ms, const char *what)
{
    sqlite3_stmt *stmt = NULL;
    am_rc rc = am_store_stmt(st, STMT_JOURNEY_UPDATE, journey_sql_get(JSQL_UPDATE), &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 2, now_ms);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 3, am_outcome_name(outcome), -1, SQLITE_STATIC);
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
    if (outcome == AM_OUTCOME_OPEN || !am_outcome_name(outcome))
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

/* Fills row from a journey SELECT: id, kiosk, times, outcome, the report's
 * fields in table order, then the sync state. */
static void journey_row_read(sqlite3_stmt *stmt, am_journey_row *row)
{
    am_report *r = &row->report;
    char name[32];
    int col = 0;

    memset(row, 0, sizeof *row);
    am_store_column_text(stmt, col++, row->id, sizeof row->id);
    am_store_column_text(stmt, col++, row->kiosk, sizeof row->kiosk);
    row->created_at_ms = sqlite3_column_int64(stmt, col++);
    row->closed_at_ms = sqlite3_column_int64(stmt, col++); /* NULL reads as 0 */
    am_store_column_text(stmt, col++, name, sizeof name);
    /* A name this version does not know reads as open (0). */
    if (am_outcome_parse(name, &r->outcome) != 0)
        r->outcome = AM_OUTCOME_OPEN;
    for (size_t i = 0; i < am_report_field_count; i++, col++) {
        const am_report_field_def *d = &am_report_fields[i];
        int v = 0;
        switch (d->kind) {
        case AM_RK_ENUM:
            /* A name this version does not know reads as value 0. */
            am_store_column_text(stmt, col, name, sizeof name);
            if (am_report_value_parse(d, name, &v) != 0)
                v = 0;
            am_report_set_int(r, d, v);
            break;
        case AM_RK_INT:
        case AM_RK_LANG:
            am_report_set_int(r, d, sqlite3_column_int(stmt, col));
            break;
        case AM_RK_INT64:
            am_report_set_int(r, d, sqlite3_column_int64(stmt, col));
            break;
        default:
            am_store_column_text(stmt, col, am_report_member_mut(r, d), d->size);
            break;
        }
    }
    am_store_column_text(stmt, col++, row->case_code, sizeof row->case_code);
    am_store_column_text(stmt, col, name, sizeof name);
    row->sync_state = (am_sync_state)am_store_index_of(
        am_store_sync_state_names, COUNT_OF(am_store_sync_state_names), name, 0);
}

static am_rc journey_get(am_store *st, enum store_stmt which, enum journey_sql sql,
                         const char *uuid, am_journey_row *row)
{
    static const char what[] = "reading a journey";
    sqlite3_stmt *stmt = NULL;
    am_rc rc;

    if (!st || !uuid || !row)
        return AM_ERR_INVALID;
    rc = am_store_stmt(st, which, journey_sql_get(sql), &stmt);
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
    return journey_get(st, STMT_JOURNEY_GET, JSQL_GET, uuid, row);
}

am_rc am_store_journey_get_claimed(am_store *st, const char *uuid, am_journey_row *row)
{
    return journey_get(st, STMT_JOURNEY_GET_CLAIMED, JSQL_GET_CLAIMED, uuid, row);
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
    int src = sqlite3_prepare_v2(st->db, journey_sql_get(JSQL_EACH), -1, &stmt, NULL);
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
    const char *reason_name = am_alert_reason_name(reason);
    /* Severity may be "not chosen" (""): a guest can ask for staff first. */
    const char *severity_name =
        (unsigned)severity <= AM_SEVERITY_SEVERE ? am_severity_name(severity) : NULL;
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
    if (am_alert_reason_parse(name, &row->reason) != 0)
        row->reason = AM_ALERT_STAFF_NOW;
    am_store_column_text(stmt, 4, row->category, sizeof row->category);
    am_store_column_text(stmt, 5, name, sizeof name);
    if (am_severity_parse(name, &row->severity) != 0)
        row->severity = AM_SEVERITY_NONE;
    row->raised_at_ms = sqlite3_column_int64(stmt, 6);
    am_store_column_text(stmt, 7, name, sizeof name);
    row->sync_state = (am_sync_state)am_store_index_of(
        am_store_sync_state_names, COUNT_OF(am_store_sync_state_names), name, 0);
    am_store_column_text(stmt, 8, row->case_code, sizeof row->case_code);
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
    const char *state_name = am_offer_state_name(state);
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
