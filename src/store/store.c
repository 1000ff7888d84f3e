/* store.c — the kiosk's local SQLite store (see include/amends/store.h).
 *
 * Every write runs inside BEGIN IMMEDIATE, either its own or the caller's
 * (am_store_begin), so the write lock is taken up front and a busy store is
 * reported at BEGIN rather than half-way through a guest step. Values always
 * travel as bound parameters; the SQL text is constant.
 *
 * Read-write handles of one store are tracked with flock(2) on a side file,
 * DIR/amends.db-writers: every read-write handle holds it shared, and only a
 * handle that can take it exclusively (no other read-write handle is alive,
 * in this process or another) repairs what a crash left: open journeys
 * closed as interrupted, inflight records back to pending. Without this an
 * `amendsctl requeue` or the sync worker's own handle would interrupt the
 * guest who is using the kiosk right now. The kernel drops the lock when a
 * process dies, so a crash never leaves it held.
 */
#include "amends/clock.h"
#include "amends/store.h"
#include "amends/uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "schema.h"

#define STORE_BUSY_TIMEOUT_MS 5000
#define STORE_ERR_MAX         (STORE_PATH_MAX + 512 + 8)
#define STORE_PATH_MAX        (AM_PATH_MAX + 32)
/* The sync log keeps this many newest entries; older ones are dropped so a
 * kiosk that is offline for months does not fill its disk with retries. */
#define STORE_SYNC_LOG_KEEP 10000
/* Outbox priority: lower goes first. */
#define PRIORITY_ALERT    0
#define PRIORITY_FEEDBACK 1
#define META_AUTH_FAILED  "sync.auth_failed"

/* --- text values --------------------------------------------------------- */

/* The store's own names for enum values. They match the names core gives
 * (am_severity_name, ...), but the store keeps a copy: these strings are
 * the on-disk format and must not change with a UI wording change. */
static const char *const severity_names[] = {"", "minor", "significant", "severe"};
static const char *const outcome_names[] = {"open", "completed", "abandoned", "interrupted"};
static const char *const offer_state_names[] = {"none", "shown", "accepted", "declined",
                                                "escalated"};
static const char *const consent_names[] = {"", "yes", "no"};
static const char *const alert_reason_names[] = {"staff_now", "severe", "over_budget"};
static const char *const sync_state_names[] = {"none", "pending", "inflight", "synced",
                                               "quarantined"};
static const char *const record_kind_names[] = {"feedback", "alert", "voucher"};

#define COUNT_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

_Static_assert(COUNT_OF(record_kind_names) == AM_RECORD_VOUCHER + 1,
               "an outbox record kind has no store name");

_Static_assert(COUNT_OF(alert_reason_names) == AM_ALERT_REASON_COUNT,
               "an alert reason has no store name");

/* Name of value v in names, or NULL when v is out of range. */
static const char *name_of(const char *const *names, int count, int v)
{
    return v >= 0 && v < count ? names[v] : NULL;
}

/* Index of name in names; `fallback` for a value this version has no name
 * for (only a hand-edited store can hold one). */
static int index_of(const char *const *names, int count, const char *name, int fallback)
{
    if (!name)
        return fallback;
    for (int i = 0; i < count; i++) {
        if (strcmp(names[i], name) == 0)
            return i;
    }
    return fallback;
}

const char *am_sync_state_name(am_sync_state s)
{
    const char *name = name_of(sync_state_names, COUNT_OF(sync_state_names), (int)s);
    return name ? name : "unknown";
}

const char *am_record_kind_name(am_record_kind k)
{
    const char *name = name_of(record_kind_names, COUNT_OF(record_kind_names), (int)k);
    return name ? name : "unknown";
}

/* --- the handle ---------------------------------------------------------- */

/* Statements prepared once per handle and reused. Functions that call back
 * into the caller prepare their own, so a callback may use the handle. */
enum store_stmt {
    STMT_JOURNEY_INSERT,
    STMT_JOURNEY_UPDATE,
    STMT_JOURNEY_OUTCOME,
    STMT_JOURNEY_GET,
    STMT_JOURNEY_GET_CLAIMED,
    STMT_ALERT_INSERT,
    STMT_ALERT_GET,
    STMT_OUTBOX_INSERT,
    STMT_OUTBOX_DUE,
    STMT_OUTBOX_MARK_INFLIGHT,
    STMT_OUTBOX_SETTLE,
    STMT_OUTBOX_SETTLE_ROW,
    STMT_OUTBOX_STATE,
    STMT_OUTBOX_REQUEUE,
    STMT_OUTBOX_NEXT_DUE,
    STMT_OFFER_UPSERT,
    STMT_SPEND,
    STMT_SYNC_LOG_INSERT,
    STMT_SYNC_LOG_PRUNE,
    STMT_META_SET,
    STMT_META_GET,
    STMT_PIN_GET,
    STMT_PIN_SET,
    STMT_STATUS_OUTBOX,
    STMT_STATUS_JOURNEYS,
    STMT_STATUS_ALERTS,
    STMT_STATUS_LAST,
    STMT_STATUS_LAST_OK,
    STMT_COUNT
};

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

/* A settled (synced) or quarantined record stays as it is: quarantine is
 * kept until a manager acts. ?2 state, ?3 next try, ?4 error, ?5 now. */
#define OUTBOX_SETTLE                                                                              \
    "UPDATE outbox SET state = ?2, attempts = attempts + 1, "                                      \
    "next_try_ms = CASE WHEN ?2 = 'pending' THEN ?3 ELSE next_try_ms END, "                        \
    "last_error = ?4, updated_ms = ?5 "

static const char *const stmt_sql[STMT_COUNT] = {
    [STMT_JOURNEY_INSERT] = "INSERT INTO journeys (id, kiosk, created_at_ms, updated_at_ms, "
                            "closed_at_ms, outcome, " REPORT_COLUMNS ") "
                            "VALUES (?1, ?2, ?3, ?3, NULL, 'open', " REPORT_PARAMS ")",
    /* ?3 is the outcome; 'open' saves without closing. Only an open journey
     * changes: a closed one may already be at the hub. */
    [STMT_JOURNEY_UPDATE] =
        "UPDATE journeys SET updated_at_ms = ?2, outcome = ?3, "
        "closed_at_ms = CASE WHEN ?3 = 'open' THEN NULL ELSE ?2 END, "
        "lang = ?4, category = ?5, severity = ?6, description = ?7, first_name = ?8, "
        "resolution = ?9, resolution_text = ?10, offer = ?11, offer_value_minor = ?12, "
        "offer_state = ?13, voucher = ?14, rating = ?15, comment = ?16, contact = ?17, "
        "consent = ?18 WHERE id = ?1 AND outcome = 'open'",
    [STMT_JOURNEY_OUTCOME] = "SELECT outcome FROM journeys WHERE id = ?1",
    [STMT_JOURNEY_GET] = JOURNEY_SELECT "WHERE j.id = ?1",
    /* For the sync worker, which has the record inflight: no outbox join. */
    [STMT_JOURNEY_GET_CLAIMED] = JOURNEY_COLUMNS "'inflight' FROM journeys j WHERE j.id = ?1",
    [STMT_ALERT_INSERT] = "INSERT INTO alerts (id, kiosk, journey_id, reason, category, severity, "
                          "created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [STMT_ALERT_GET] = "SELECT a.id, a.kiosk, a.journey_id, a.reason, a.category, a.severity, "
                       "a.created_at_ms, o.state FROM alerts a LEFT JOIN outbox o ON o.uuid = a.id "
                       "WHERE a.id = ?1",
    [STMT_OUTBOX_INSERT] = "INSERT INTO outbox (uuid, kind, priority, state, attempts, "
                           "next_try_ms, last_error, created_ms, updated_ms) "
                           "VALUES (?1, ?2, ?3, 'pending', 0, ?4, '', ?4, ?4)",
    [STMT_OUTBOX_DUE] = "SELECT uuid, kind, attempts, rowid FROM outbox "
                        "WHERE state = 'pending' AND next_try_ms <= ?1 "
                        "ORDER BY priority, created_ms, rowid LIMIT ?2",
    /* By rowid, from the claim's own SELECT: one B-tree seek, not two. */
    [STMT_OUTBOX_MARK_INFLIGHT] = "UPDATE outbox SET state = 'inflight', updated_ms = ?2 "
                                  "WHERE rowid = ?1 AND state = 'pending'",
    [STMT_OUTBOX_SETTLE] = OUTBOX_SETTLE "WHERE uuid = ?1 AND state IN ('pending', 'inflight')",
    /* The same for a record the claim returned: found by rowid, checked by
     * uuid. */
    [STMT_OUTBOX_SETTLE_ROW] =
        OUTBOX_SETTLE "WHERE rowid = ?6 AND uuid = ?1 AND state IN ('pending', 'inflight')",
    [STMT_OUTBOX_STATE] = "SELECT state FROM outbox WHERE uuid = ?1",
    /* Back to a fresh start: due at once, backoff from the beginning. */
    [STMT_OUTBOX_REQUEUE] = "UPDATE outbox SET state = 'pending', attempts = 0, next_try_ms = 0 "
                            "WHERE state = 'quarantined'",
    [STMT_OUTBOX_NEXT_DUE] = "SELECT min(next_try_ms) FROM outbox WHERE state = 'pending'",
    [STMT_OFFER_UPSERT] = "INSERT INTO offer_spend (journey_id, offer_id, value_minor, state, "
                          "at_ms) VALUES (?1, ?2, ?3, ?4, ?5) "
                          "ON CONFLICT (journey_id, offer_id) DO UPDATE SET "
                          "value_minor = excluded.value_minor, state = excluded.state, "
                          "at_ms = excluded.at_ms",
    [STMT_SPEND] = "SELECT coalesce(sum(CASE WHEN at_ms >= ?1 THEN value_minor END), 0), "
                   "count(CASE WHEN at_ms >= ?2 THEN 1 END) "
                   "FROM offer_spend WHERE state = 'accepted'",
    [STMT_SYNC_LOG_INSERT] = "INSERT INTO sync_log (at_ms, batch_size, http_status, transport, "
                             "latency_ms, outcome, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [STMT_SYNC_LOG_PRUNE] = "DELETE FROM sync_log WHERE id <= ?1",
    [STMT_META_SET] = "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [STMT_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [STMT_PIN_GET] =
        "SELECT failures, last_failure_ms, locked_until_ms FROM pin_state WHERE id = 1",
    [STMT_PIN_SET] = "INSERT INTO pin_state (id, failures, last_failure_ms, locked_until_ms) "
                     "VALUES (1, ?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET "
                     "failures = excluded.failures, last_failure_ms = excluded.last_failure_ms, "
                     "locked_until_ms = excluded.locked_until_ms",
    [STMT_STATUS_OUTBOX] = "SELECT state, count(*), min(created_ms) FROM outbox GROUP BY state",
    [STMT_STATUS_JOURNEYS] = "SELECT count(*), count(CASE WHEN outcome = 'open' THEN 1 END) "
                             "FROM journeys",
    [STMT_STATUS_ALERTS] = "SELECT count(*) FROM alerts",
    [STMT_STATUS_LAST] = "SELECT at_ms, http_status, transport, outcome, detail FROM sync_log "
                         "ORDER BY id DESC LIMIT 1",
    [STMT_STATUS_LAST_OK] = "SELECT max(at_ms) FROM sync_log WHERE outcome = 'ok'",
};

struct am_store {
    sqlite3 *db;
    am_store_mode mode;
    bool in_tx; /* the caller opened a transaction with am_store_begin */
    int schema_version;
    int interrupted_at_open;
    int writers_fd; /* DIR/amends.db-writers, held shared; -1 read-only */
    char path[STORE_PATH_MAX];
    char err[STORE_ERR_MAX];
    sqlite3_stmt *stmts[STMT_COUNT];
};

/* --- errors -------------------------------------------------------------- */

/* What a person can do about each class of failure. */
static const char *store_hint(am_rc rc)
{
    switch (rc) {
    case AM_ERR_FULL:
        return " (the disk is full: free space so reports can be kept)";
    case AM_ERR_READONLY:
        return " (the store cannot be written: check the file's permissions and the disk)";
    case AM_ERR_CORRUPT:
        return " (the store is damaged: move it aside and restore a backup)";
    case AM_ERR_BUSY:
        return " (another program held the store for more than 5 seconds)";
    default:
        return "";
    }
}

static am_rc store_failf(am_store *st, am_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records "PATH: message" as the handle's error and returns rc. */
static am_rc store_failf(am_store *st, am_rc rc, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(st->err, sizeof st->err, "%s: %s", st->path, msg);
    return rc;
}

/* Records a SQLite failure while doing `what` and returns its class.
 * SQLite's messages name tables and constraints, never bound values, so no
 * guest text can reach the message. */
static am_rc store_fail(am_store *st, int sqlite_rc, const char *what)
{
    am_rc rc = am_store_rc_from_sqlite(sqlite_rc);
    if (rc == AM_OK)
        rc = AM_ERR;
    /* The connection's message says more (which table, which file
     * operation), when it is about this failure. */
    const char *detail = sqlite3_errstr(sqlite_rc);
    if (st->db && (sqlite3_extended_errcode(st->db) & 0xff) == (sqlite_rc & 0xff))
        detail = sqlite3_errmsg(st->db);
    return store_failf(st, rc, "%s: %s%s", what, detail, store_hint(rc));
}

const char *am_store_errmsg(const am_store *st)
{
    if (!st)
        return "no store";
    return st->err[0] ? st->err : "no error";
}

/* --- statements ---------------------------------------------------------- */

static am_rc stmt_get(am_store *st, enum store_stmt id, sqlite3_stmt **out)
{
    if (!st->stmts[id]) {
        int src = sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                     &st->stmts[id], NULL);
        if (src != SQLITE_OK) {
            st->stmts[id] = NULL;
            return store_fail(st, src, "preparing a statement");
        }
    }
    *out = st->stmts[id];
    return AM_OK;
}

/* Makes a cached statement ready for its next use. Accepts NULL. */
static void stmt_done(sqlite3_stmt *stmt)
{
    if (stmt) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
    }
}

/* Binds text of at most `cap` bytes (the size of the array it came from):
 * text that fills its array has lost its terminator and is refused. */
static int bind_text(sqlite3_stmt *stmt, int idx, const char *text, size_t cap)
{
    size_t len = strnlen(text, cap);
    if (len == cap)
        return SQLITE_TOOBIG;
    return sqlite3_bind_text(stmt, idx, text, (int)len, SQLITE_STATIC);
}

#define BIND_FIELD(stmt, idx, arr) bind_text((stmt), (idx), (arr), sizeof(arr))

/* Copies a text column into dst, cut on a character boundary if the store
 * holds more than dst can (only a hand-edited store can). */
static void column_text(sqlite3_stmt *stmt, int col, char *dst, size_t dstsize)
{
    const unsigned char *text = sqlite3_column_text(stmt, col);
    size_t len = text ? (size_t)sqlite3_column_bytes(stmt, col) : 0;
    if (len >= dstsize) {
        len = dstsize - 1;
        while (len > 0 && (text[len] & 0xc0) == 0x80)
            len--;
    }
    if (len)
        memcpy(dst, text, len);
    dst[len] = '\0';
}

/* --- transactions -------------------------------------------------------- */

static int store_exec(am_store *st, const char *sql)
{
    return sqlite3_exec(st->db, sql, NULL, NULL, NULL);
}

/* Joins the caller's transaction or opens our own; *own says which. */
static am_rc write_begin(am_store *st, bool *own, const char *what)
{
    *own = false;
    if (st->mode == AM_STORE_READONLY)
        return store_failf(st, AM_ERR_READONLY, "%s: the store was opened read-only", what);
    if (st->in_tx)
        return AM_OK;
    int src = store_exec(st, "BEGIN IMMEDIATE");
    if (src != SQLITE_OK)
        return store_fail(st, src, what);
    *own = true;
    return AM_OK;
}

/* Ends a write: our own transaction commits on success and rolls back on
 * failure; the caller's is left to the caller. */
static am_rc write_end(am_store *st, bool own, am_rc rc, const char *what)
{
    if (!own)
        return rc;
    if (rc == AM_OK) {
        int src = store_exec(st, "COMMIT");
        if (src != SQLITE_OK)
            rc = store_fail(st, src, what);
    }
    if (rc != AM_OK && !sqlite3_get_autocommit(st->db))
        store_exec(st, "ROLLBACK");
    return rc;
}

/* A read of several statements sees one snapshot. Inside the caller's
 * transaction that is already so. */
static am_rc read_begin(am_store *st, bool *own, const char *what)
{
    *own = false;
    if (st->in_tx || !sqlite3_get_autocommit(st->db))
        return AM_OK;
    int src = store_exec(st, "BEGIN");
    if (src != SQLITE_OK)
        return store_fail(st, src, what);
    *own = true;
    return AM_OK;
}

static void read_end(am_store *st, bool own)
{
    if (own && !sqlite3_get_autocommit(st->db))
        store_exec(st, "COMMIT");
}

am_rc am_store_begin(am_store *st)
{
    if (!st)
        return AM_ERR_INVALID;
    /* SQLite grants BEGIN IMMEDIATE to a read-only WAL connection and
     * refuses only the first write; refuse at once instead. */
    if (st->mode == AM_STORE_READONLY)
        return store_failf(st, AM_ERR_READONLY,
                           "starting a transaction: the store was opened read-only");
    if (st->in_tx)
        return store_failf(st, AM_ERR_INVALID, "a transaction is already open");
    int src = store_exec(st, "BEGIN IMMEDIATE");
    if (src != SQLITE_OK)
        return store_fail(st, src, "starting a transaction");
    st->in_tx = true;
    return AM_OK;
}

/* A commit that fails is rolled back here: SQLite cannot retry it, and the
 * caller then knows nothing of the step was kept. */
am_rc am_store_commit(am_store *st)
{
    if (!st)
        return AM_ERR_INVALID;
    if (!st->in_tx)
        return store_failf(st, AM_ERR_INVALID, "commit without a transaction");
    am_rc rc = AM_OK;
    int src = store_exec(st, "COMMIT");
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, "committing");
        if (!sqlite3_get_autocommit(st->db))
            store_exec(st, "ROLLBACK");
    }
    st->in_tx = false;
    return rc;
}

void am_store_rollback(am_store *st)
{
    if (!st)
        return;
    /* SQLite itself rolls back after some failures (disk full, I/O). */
    if (st->db && !sqlite3_get_autocommit(st->db))
        store_exec(st, "ROLLBACK");
    st->in_tx = false;
}

/* --- UUIDs --------------------------------------------------------------- */

/* A record id: UUID version 7 (amends/uuid.h) with its random bits from
 * the kernel's random source. */
static am_rc store_uuid(am_store *st, char out[AM_UUID_LEN + 1])
{
    unsigned char b[16];
    size_t got = 0;
    int tries = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0) {
            if (errno == EINTR && ++tries < 100)
                continue;
            return store_failf(st, AM_ERR_IO, "making a record id: getrandom: %s", strerror(errno));
        }
        got += (size_t)n;
    }
    am_uuid_v7_text(b, am_wall_ms(), out);
    return AM_OK;
}

/* --- journeys ------------------------------------------------------------ */

/* Binds the report's fields as ?4..?18 (REPORT_COLUMNS order). Enum values
 * without a name are refused rather than stored as something else. */
static am_rc bind_report(am_store *st, sqlite3_stmt *stmt, const am_report *r)
{
    const char *severity = name_of(severity_names, COUNT_OF(severity_names), (int)r->severity);
    const char *offer_state =
        name_of(offer_state_names, COUNT_OF(offer_state_names), (int)r->offer_state);
    const char *consent = name_of(consent_names, COUNT_OF(consent_names), (int)r->consent);
    if (!severity || !offer_state || !consent)
        return store_failf(st, AM_ERR_INVALID,
                           "report has an unknown severity, offer state or "
                           "consent value");
    if (r->rating < 0 || r->rating > 5)
        return store_failf(st, AM_ERR_INVALID, "report rating %d is not 0..5", r->rating);

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
        return store_failf(st, AM_ERR_INVALID, "a report text field is not terminated");
    if (src != SQLITE_OK)
        return store_fail(st, src, "binding a report");
    return AM_OK;
}

/* Why an update of journey `uuid` changed nothing: absent or closed. */
static am_rc journey_unchanged(am_store *st, const char *uuid, const char *what)
{
    sqlite3_stmt *stmt = NULL;
    am_rc rc = stmt_get(st, STMT_JOURNEY_OUTCOME, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src == SQLITE_DONE) {
        rc = store_failf(st, AM_ERR_NOTFOUND, "%s: no journey %.36s", what, uuid);
    } else if (src == SQLITE_ROW) {
        char outcome[32];
        column_text(stmt, 0, outcome, sizeof outcome);
        rc = store_failf(st, AM_ERR_INVALID, "%s: journey %.36s is already closed (%s)", what, uuid,
                         outcome);
    } else {
        rc = store_fail(st, src, what);
    }
out:
    stmt_done(stmt);
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
        return store_failf(st, AM_ERR_INVALID, "%s: kiosk id too long", what);
    rc = write_begin(st, &own, what);
    if (rc)
        goto out;
    /* Made inside the transaction, so the id exists exactly when the
     * journey does. */
    rc = store_uuid(st, uuid);
    if (rc)
        goto out;
    rc = stmt_get(st, STMT_JOURNEY_INSERT, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 2, kiosk, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 3, now_ms);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, what);
        goto out;
    }
    rc = bind_report(st, stmt, r);
    if (rc)
        goto out;
    src = sqlite3_step(stmt);
    if (src != SQLITE_DONE) {
        rc = store_fail(st, src, what);
        goto out;
    }
out:
    stmt_done(stmt);
    rc = write_end(st, own, rc, what);
    if (rc == AM_OK)
        memcpy(uuid_out, uuid, sizeof uuid);
    return rc;
}

/* Writes the report into open journey `uuid` and sets its outcome. */
static am_rc journey_update(am_store *st, const char *uuid, const am_report *r, am_outcome outcome,
                            int64_t now_ms, const char *what)
{
    sqlite3_stmt *stmt = NULL;
    am_rc rc = stmt_get(st, STMT_JOURNEY_UPDATE, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 2, now_ms);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 3, outcome_names[outcome], -1, SQLITE_STATIC);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, what);
        goto out;
    }
    rc = bind_report(st, stmt, r);
    if (rc)
        goto out;
    src = sqlite3_step(stmt);
    if (src != SQLITE_DONE) {
        rc = store_fail(st, src, what);
        goto out;
    }
    if (sqlite3_changes(st->db) == 0) {
        stmt_done(stmt);
        stmt = NULL;
        rc = journey_unchanged(st, uuid, what);
    }
out:
    stmt_done(stmt);
    return rc;
}

static am_rc outbox_insert(am_store *st, const char *uuid, am_record_kind kind, int64_t now_ms,
                           const char *what)
{
    sqlite3_stmt *stmt = NULL;
    am_rc rc = stmt_get(st, STMT_OUTBOX_INSERT, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 2, record_kind_names[kind], -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src =
            sqlite3_bind_int(stmt, 3, kind == AM_RECORD_ALERT ? PRIORITY_ALERT : PRIORITY_FEEDBACK);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 4, now_ms);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src != SQLITE_DONE)
        rc = store_fail(st, src, what);
out:
    stmt_done(stmt);
    return rc;
}

am_rc am_store_journey_save(am_store *st, const char *uuid, const am_report *r, int64_t now_ms)
{
    static const char what[] = "saving a journey";
    bool own = false;
    am_rc rc;

    if (!st || !uuid || !r)
        return AM_ERR_INVALID;
    rc = write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = journey_update(st, uuid, r, AM_OUTCOME_OPEN, now_ms, what);
out:
    return write_end(st, own, rc, what);
}

am_rc am_store_journey_close(am_store *st, const char *uuid, const am_report *r, am_outcome outcome,
                             int64_t now_ms)
{
    static const char what[] = "closing a journey";
    bool own = false;
    am_rc rc;

    if (!st || !uuid || !r)
        return AM_ERR_INVALID;
    if (outcome == AM_OUTCOME_OPEN || !name_of(outcome_names, COUNT_OF(outcome_names), outcome))
        return store_failf(st, AM_ERR_INVALID, "%s: outcome %d does not close a journey", what,
                           (int)outcome);
    rc = write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = journey_update(st, uuid, r, outcome, now_ms, what);
    if (rc)
        goto out;
    rc = outbox_insert(st, uuid, AM_RECORD_FEEDBACK, now_ms, what);
out:
    return write_end(st, own, rc, what);
}

/* Fills row from a JOURNEY_SELECT result. */
static void journey_row_read(sqlite3_stmt *stmt, am_journey_row *row)
{
    am_report *r = &row->report;
    char name[32];

    memset(row, 0, sizeof *row);
    column_text(stmt, 0, row->id, sizeof row->id);
    column_text(stmt, 1, row->kiosk, sizeof row->kiosk);
    row->created_at_ms = sqlite3_column_int64(stmt, 2);
    row->closed_at_ms = sqlite3_column_int64(stmt, 3); /* NULL reads as 0 */
    column_text(stmt, 4, name, sizeof name);
    r->outcome = (am_outcome)index_of(outcome_names, COUNT_OF(outcome_names), name, 0);
    r->lang = sqlite3_column_int(stmt, 5);
    column_text(stmt, 6, r->category, sizeof r->category);
    column_text(stmt, 7, name, sizeof name);
    r->severity = (am_severity)index_of(severity_names, COUNT_OF(severity_names), name, 0);
    column_text(stmt, 8, r->description, sizeof r->description);
    column_text(stmt, 9, r->first_name, sizeof r->first_name);
    column_text(stmt, 10, r->resolution, sizeof r->resolution);
    column_text(stmt, 11, r->resolution_text, sizeof r->resolution_text);
    column_text(stmt, 12, r->offer, sizeof r->offer);
    r->offer_value_minor = sqlite3_column_int64(stmt, 13);
    column_text(stmt, 14, name, sizeof name);
    r->offer_state =
        (am_offer_state)index_of(offer_state_names, COUNT_OF(offer_state_names), name, 0);
    column_text(stmt, 15, r->voucher, sizeof r->voucher);
    r->rating = sqlite3_column_int(stmt, 16);
    column_text(stmt, 17, r->comment, sizeof r->comment);
    column_text(stmt, 18, r->contact, sizeof r->contact);
    column_text(stmt, 19, name, sizeof name);
    r->consent = (am_consent)index_of(consent_names, COUNT_OF(consent_names), name, 0);
    column_text(stmt, 20, name, sizeof name);
    row->sync_state =
        (am_sync_state)index_of(sync_state_names, COUNT_OF(sync_state_names), name, 0);
}

static am_rc journey_get(am_store *st, int which, const char *uuid, am_journey_row *row)
{
    static const char what[] = "reading a journey";
    sqlite3_stmt *stmt = NULL;
    am_rc rc;

    if (!st || !uuid || !row)
        return AM_ERR_INVALID;
    rc = stmt_get(st, which, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        journey_row_read(stmt, row);
    else if (src == SQLITE_DONE)
        rc = store_failf(st, AM_ERR_NOTFOUND, "%s: no journey %.36s", what, uuid);
    else
        rc = store_fail(st, src, what);
out:
    stmt_done(stmt);
    return rc;
}

am_rc am_store_journey_get(am_store *st, const char *uuid, am_journey_row *row)
{
    return journey_get(st, STMT_JOURNEY_GET, uuid, row);
}

am_rc am_store_journey_get_claimed(am_store *st, const char *uuid, am_journey_row *row)
{
    return journey_get(st, STMT_JOURNEY_GET_CLAIMED, uuid, row);
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
        return store_failf(st, AM_ERR_NOMEM, "%s: out of memory", what);
    /* Its own statement: cb may use the handle. */
    int src = sqlite3_prepare_v2(st->db,
                                 JOURNEY_SELECT "WHERE j.created_at_ms >= ?1 "
                                                "ORDER BY j.created_at_ms, j.rowid",
                                 -1, &stmt, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 1, since_ms);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, what);
        goto out;
    }
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        journey_row_read(stmt, row);
        if (cb(row, ud) != 0)
            break;
    }
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        rc = store_fail(st, src, what);
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
    const char *reason_name =
        name_of(alert_reason_names, COUNT_OF(alert_reason_names), (int)reason);
    const char *severity_name = name_of(severity_names, COUNT_OF(severity_names), (int)severity);
    if (!reason_name || !severity_name)
        return store_failf(st, AM_ERR_INVALID, "%s: unknown reason or severity", what);
    rc = write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = store_uuid(st, uuid);
    if (rc)
        goto out;
    rc = stmt_get(st, STMT_ALERT_INSERT, &stmt);
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
        rc = store_fail(st, src, what);
        goto out;
    }
    rc = outbox_insert(st, uuid, AM_RECORD_ALERT, now_ms, what);
out:
    stmt_done(stmt);
    rc = write_end(st, own, rc, what);
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
    rc = stmt_get(st, STMT_ALERT_GET, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src == SQLITE_DONE) {
        rc = store_failf(st, AM_ERR_NOTFOUND, "%s: no alert %.36s", what, uuid);
        goto out;
    }
    if (src != SQLITE_ROW) {
        rc = store_fail(st, src, what);
        goto out;
    }
    memset(row, 0, sizeof *row);
    column_text(stmt, 0, row->id, sizeof row->id);
    column_text(stmt, 1, row->kiosk, sizeof row->kiosk);
    column_text(stmt, 2, row->journey, sizeof row->journey); /* NULL reads as "" */
    column_text(stmt, 3, name, sizeof name);
    row->reason =
        (am_alert_reason)index_of(alert_reason_names, COUNT_OF(alert_reason_names), name, 0);
    column_text(stmt, 4, row->category, sizeof row->category);
    column_text(stmt, 5, name, sizeof name);
    row->severity = (am_severity)index_of(severity_names, COUNT_OF(severity_names), name, 0);
    row->raised_at_ms = sqlite3_column_int64(stmt, 6);
    column_text(stmt, 7, name, sizeof name);
    row->sync_state =
        (am_sync_state)index_of(sync_state_names, COUNT_OF(sync_state_names), name, 0);
out:
    stmt_done(stmt);
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
    const char *state_name = name_of(offer_state_names, COUNT_OF(offer_state_names), (int)state);
    if (!state_name)
        return store_failf(st, AM_ERR_INVALID, "%s: unknown offer state %d", what, (int)state);
    rc = write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = stmt_get(st, STMT_OFFER_UPSERT, &stmt);
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
        rc = store_fail(st, src, what);
out:
    stmt_done(stmt);
    return write_end(st, own, rc, what);
}

am_rc am_store_spend(am_store *st, int64_t day_start_ms, int64_t hour_start_ms, int64_t *value_out,
                     int *offers_out)
{
    static const char what[] = "reading today's offer spend";
    sqlite3_stmt *stmt = NULL;
    am_rc rc;

    if (!st || !value_out || !offers_out)
        return AM_ERR_INVALID;
    rc = stmt_get(st, STMT_SPEND, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_int64(stmt, 1, day_start_ms);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 2, hour_start_ms);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src != SQLITE_ROW) {
        rc = store_fail(st, src, what);
        goto out;
    }
    *value_out = sqlite3_column_int64(stmt, 0);
    *offers_out = sqlite3_column_int(stmt, 1);
out:
    stmt_done(stmt);
    return rc;
}

/* --- outbox -------------------------------------------------------------- */

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
    rc = write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = stmt_get(st, STMT_OUTBOX_DUE, &due);
    if (rc)
        goto out;
    int src = sqlite3_bind_int64(due, 1, now_ms);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int(due, 2, max);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, what);
        goto out;
    }
    while (count < max && (src = sqlite3_step(due)) == SQLITE_ROW) {
        am_outbox_item *it = &items[count++];
        char kind[16];
        column_text(due, 0, it->uuid, sizeof it->uuid);
        column_text(due, 1, kind, sizeof kind);
        it->kind =
            (am_record_kind)index_of(record_kind_names, COUNT_OF(record_kind_names), kind, 0);
        it->attempts = sqlite3_column_int(due, 2);
        it->row = sqlite3_column_int64(due, 3);
    }
    if (src != SQLITE_ROW && src != SQLITE_DONE) {
        rc = store_fail(st, src, what);
        goto out;
    }
    stmt_done(due);
    due = NULL;
    rc = stmt_get(st, STMT_OUTBOX_MARK_INFLIGHT, &mark);
    if (rc)
        goto out;
    for (int i = 0; i < count; i++) {
        src = sqlite3_bind_int64(mark, 1, items[i].row);
        if (src == SQLITE_OK)
            src = sqlite3_bind_int64(mark, 2, now_ms);
        if (src == SQLITE_OK)
            src = sqlite3_step(mark);
        stmt_done(mark);
        if (src != SQLITE_DONE) {
            rc = store_fail(st, src, what);
            goto out;
        }
    }
out:
    stmt_done(due);
    rc = write_end(st, own, rc, what);
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
        return store_failf(st, AM_ERR_INVALID, "%s: cannot settle as %s", what,
                           am_sync_state_name(state));
    /* A synced record has no error left to show. */
    const char *last_error = state == AM_SYNC_SYNCED || !error ? "" : error;
    rc = write_begin(st, &own, what);
    if (rc)
        goto out;
    /* By the claim's rowid first; the uuid decides, so a handle that no
     * longer names that record falls back to the uuid index. */
    for (int pass = row > 0 ? 0 : 1; pass < 2; pass++) {
        stmt_done(stmt);
        rc = stmt_get(st, pass == 0 ? STMT_OUTBOX_SETTLE_ROW : STMT_OUTBOX_SETTLE, &stmt);
        if (rc)
            goto out;
        int src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
        if (src == SQLITE_OK && pass == 0)
            src = sqlite3_bind_int64(stmt, 6, row);
        if (src == SQLITE_OK)
            src = sqlite3_bind_text(stmt, 2, sync_state_names[state], -1, SQLITE_STATIC);
        if (src == SQLITE_OK)
            src = sqlite3_bind_int64(stmt, 3, next_try_ms);
        if (src == SQLITE_OK)
            src = bind_text(stmt, 4, last_error, 256);
        if (src == SQLITE_TOOBIG)
            src = sqlite3_bind_text(stmt, 4, last_error, 255, SQLITE_STATIC);
        if (src == SQLITE_OK)
            src = sqlite3_bind_int64(stmt, 5, now_ms);
        if (src == SQLITE_OK)
            src = sqlite3_step(stmt);
        if (src != SQLITE_DONE) {
            rc = store_fail(st, src, what);
            goto out;
        }
        if (sqlite3_changes(st->db) > 0)
            break;
    }
    int src;
    if (sqlite3_changes(st->db) == 0) {
        stmt_done(stmt);
        rc = stmt_get(st, STMT_OUTBOX_STATE, &stmt);
        if (rc)
            goto out;
        src = sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
        if (src == SQLITE_OK)
            src = sqlite3_step(stmt);
        if (src == SQLITE_ROW) {
            char current[16];
            column_text(stmt, 0, current, sizeof current);
            rc = store_failf(st, AM_ERR_INVALID, "%s: record %.36s is already %s", what, uuid,
                             current);
        } else if (src == SQLITE_DONE) {
            rc = store_failf(st, AM_ERR_NOTFOUND, "%s: no outbox record %.36s", what, uuid);
        } else {
            rc = store_fail(st, src, what);
        }
    }
out:
    stmt_done(stmt);
    return write_end(st, own, rc, what);
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

am_rc am_store_outbox_requeue(am_store *st, int *count_out)
{
    static const char what[] = "requeuing quarantined records";
    sqlite3_stmt *stmt = NULL;
    bool own = false;
    int count = 0;
    am_rc rc;

    if (!st)
        return AM_ERR_INVALID;
    rc = write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = stmt_get(st, STMT_OUTBOX_REQUEUE, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_step(stmt);
    if (src != SQLITE_DONE) {
        rc = store_fail(st, src, what);
        goto out;
    }
    count = sqlite3_changes(st->db);
out:
    stmt_done(stmt);
    rc = write_end(st, own, rc, what);
    if (count_out)
        *count_out = rc == AM_OK ? count : 0;
    return rc;
}

am_rc am_store_outbox_next_due(am_store *st, int64_t *next_try_ms)
{
    sqlite3_stmt *stmt = NULL;
    am_rc rc;

    if (!st || !next_try_ms)
        return AM_ERR_INVALID;
    rc = stmt_get(st, STMT_OUTBOX_NEXT_DUE, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_step(stmt);
    if (src != SQLITE_ROW) {
        rc = store_fail(st, src, "reading the next sync time");
        goto out;
    }
    *next_try_ms =
        sqlite3_column_type(stmt, 0) == SQLITE_NULL ? INT64_MAX : sqlite3_column_int64(stmt, 0);
out:
    stmt_done(stmt);
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
    rc = write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = stmt_get(st, STMT_SYNC_LOG_INSERT, &stmt);
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
        rc = store_failf(st, AM_ERR_INVALID, "%s: a text field is not terminated", what);
        goto out;
    }
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src != SQLITE_DONE) {
        rc = store_fail(st, src, what);
        goto out;
    }
    int64_t newest = sqlite3_last_insert_rowid(st->db);
    stmt_done(stmt);
    rc = stmt_get(st, STMT_SYNC_LOG_PRUNE, &stmt);
    if (rc)
        goto out;
    src = sqlite3_bind_int64(stmt, 1, newest - STORE_SYNC_LOG_KEEP);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src != SQLITE_DONE)
        rc = store_fail(st, src, what);
out:
    stmt_done(stmt);
    return write_end(st, own, rc, what);
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
        rc = store_fail(st, src, what);
        goto out;
    }
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        am_sync_log_entry e;
        memset(&e, 0, sizeof e);
        e.at_ms = sqlite3_column_int64(stmt, 0);
        e.batch_size = sqlite3_column_int(stmt, 1);
        e.http_status = sqlite3_column_int(stmt, 2);
        column_text(stmt, 3, e.transport, sizeof e.transport);
        e.latency_ms = sqlite3_column_int64(stmt, 4);
        column_text(stmt, 5, e.outcome, sizeof e.outcome);
        column_text(stmt, 6, e.detail, sizeof e.detail);
        if (cb(&e, ud) != 0)
            break;
    }
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        rc = store_fail(st, src, what);
out:
    sqlite3_finalize(stmt);
    return rc;
}

/* --- status -------------------------------------------------------------- */

/* Runs a cached statement expected to give one row; the row stays readable
 * until stmt_done. */
static am_rc step_row(am_store *st, enum store_stmt id, sqlite3_stmt **out, const char *what)
{
    am_rc rc = stmt_get(st, id, out);
    if (rc)
        return rc;
    int src = sqlite3_step(*out);
    if (src != SQLITE_ROW)
        return store_fail(st, src == SQLITE_DONE ? SQLITE_CORRUPT : src, what);
    return AM_OK;
}

/* The newest sync log entry; an error is its transport failure, else what
 * the hub answered. A newest entry that went well clears the error. */
static am_rc status_last(am_store *st, am_store_status *out, const char *what)
{
    sqlite3_stmt *stmt = NULL;
    am_rc rc = stmt_get(st, STMT_STATUS_LAST, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_step(stmt);
    if (src == SQLITE_DONE)
        goto out;
    if (src != SQLITE_ROW) {
        rc = store_fail(st, src, what);
        goto out;
    }
    char transport[160], detail[256];
    out->last_attempt_ms = sqlite3_column_int64(stmt, 0);
    int http_status = sqlite3_column_int(stmt, 1);
    column_text(stmt, 2, transport, sizeof transport);
    column_text(stmt, 3, out->last_outcome, sizeof out->last_outcome);
    column_text(stmt, 4, detail, sizeof detail);
    if (strcmp(out->last_outcome, "ok") == 0)
        goto out;
    if (transport[0])
        snprintf(out->last_error, sizeof out->last_error, "%s", transport);
    else if (http_status && detail[0])
        snprintf(out->last_error, sizeof out->last_error, "HTTP %d: %.230s", http_status, detail);
    else if (http_status)
        snprintf(out->last_error, sizeof out->last_error, "HTTP %d", http_status);
    else
        snprintf(out->last_error, sizeof out->last_error, "%s", detail);
out:
    stmt_done(stmt);
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
    rc = read_begin(st, &own, what);
    if (rc)
        goto out;

    rc = stmt_get(st, STMT_STATUS_OUTBOX, &stmt);
    if (rc)
        goto out;
    int src;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        char state[16];
        column_text(stmt, 0, state, sizeof state);
        int64_t n = sqlite3_column_int64(stmt, 1);
        switch (index_of(sync_state_names, COUNT_OF(sync_state_names), state, AM_SYNC_NONE)) {
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
        rc = store_fail(st, src, what);
        goto out;
    }
    stmt_done(stmt);

    rc = step_row(st, STMT_STATUS_JOURNEYS, &stmt, what);
    if (rc)
        goto out;
    out->journeys = sqlite3_column_int64(stmt, 0);
    out->open_journeys = sqlite3_column_int64(stmt, 1);
    stmt_done(stmt);

    rc = step_row(st, STMT_STATUS_ALERTS, &stmt, what);
    if (rc)
        goto out;
    out->alerts = sqlite3_column_int64(stmt, 0);
    stmt_done(stmt);

    rc = step_row(st, STMT_STATUS_LAST_OK, &stmt, what);
    if (rc)
        goto out;
    out->last_success_ms = sqlite3_column_int64(stmt, 0); /* NULL (never) reads as 0 */
    stmt_done(stmt);
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
    stmt_done(stmt);
    read_end(st, own);
    return rc;
}

/* --- meta ---------------------------------------------------------------- */

am_rc am_store_meta_set(am_store *st, const char *key, const char *value)
{
    static const char what[] = "setting a meta value";
    sqlite3_stmt *stmt = NULL;
    bool own = false;
    am_rc rc;

    if (!st || !key || !*key || !value)
        return AM_ERR_INVALID;
    rc = write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = stmt_get(st, STMT_META_SET, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src != SQLITE_DONE)
        rc = store_fail(st, src, what);
out:
    stmt_done(stmt);
    return write_end(st, own, rc, what);
}

am_rc am_store_meta_get(am_store *st, const char *key, char *value, size_t valuelen)
{
    static const char what[] = "reading a meta value";
    sqlite3_stmt *stmt = NULL;
    am_rc rc;

    if (!st || !key || !value || valuelen == 0)
        return AM_ERR_INVALID;
    rc = stmt_get(st, STMT_META_GET, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src == SQLITE_DONE) {
        rc = AM_ERR_NOTFOUND; /* an answer, not a failure: errmsg unchanged */
        goto out;
    }
    if (src != SQLITE_ROW) {
        rc = store_fail(st, src, what);
        goto out;
    }
    const unsigned char *text = sqlite3_column_text(stmt, 0);
    size_t len = text ? (size_t)sqlite3_column_bytes(stmt, 0) : 0;
    /* A cut value would be a different value. */
    if (len >= valuelen) {
        rc = store_failf(st, AM_ERR_INVALID, "%s: value of '%.64s' is longer than %zu bytes", what,
                         key, valuelen - 1);
        goto out;
    }
    if (len)
        memcpy(value, text, len);
    value[len] = '\0';
out:
    stmt_done(stmt);
    return rc;
}

/* --- manager PIN --------------------------------------------------------- */

am_rc am_store_pin_state_get(am_store *st, am_pin_state *out)
{
    static const char what[] = "reading the PIN state";
    sqlite3_stmt *stmt = NULL;
    am_rc rc;

    if (!st || !out)
        return AM_ERR_INVALID;
    memset(out, 0, sizeof *out);
    rc = stmt_get(st, STMT_PIN_GET, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        out->failures = sqlite3_column_int(stmt, 0);
        out->last_failure_ms = sqlite3_column_int64(stmt, 1);
        out->locked_until_ms = sqlite3_column_int64(stmt, 2);
    } else if (src != SQLITE_DONE) {
        rc = store_fail(st, src, what);
    }
out:
    stmt_done(stmt);
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
    rc = write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = stmt_get(st, STMT_PIN_SET, &stmt);
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
        rc = store_fail(st, src, what);
out:
    stmt_done(stmt);
    return write_end(st, own, rc, what);
}

/* --- open and close ------------------------------------------------------ */

/* Runs constant SQL with one integer parameter and returns the number of
 * rows it changed in *changes. */
static am_rc exec_with_time(am_store *st, const char *sql, int64_t now_ms, int *changes,
                            const char *what)
{
    sqlite3_stmt *stmt = NULL;
    am_rc rc = AM_OK;
    int src = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
    if (src == SQLITE_OK && sqlite3_bind_parameter_count(stmt) > 0)
        src = sqlite3_bind_int64(stmt, 1, now_ms);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src != SQLITE_DONE)
        rc = store_fail(st, src, what);
    else if (changes)
        *changes = sqlite3_changes(st->db);
    sqlite3_finalize(stmt);
    return rc;
}

/* What a crash left behind: journeys still open are closed as interrupted
 * (keeping what the guest gave) and queued; records that were being sent
 * are pending again. One transaction, so a crash here repeats it cleanly. */
static am_rc store_repair(am_store *st, int64_t now_ms)
{
    static const char what[] = "closing journeys interrupted by a stop";
    bool own = false;
    int interrupted = 0;
    am_rc rc = write_begin(st, &own, what);
    if (rc)
        goto out;
    /* Queue first: afterwards they are no longer 'open'. */
    rc = exec_with_time(st,
                        "INSERT OR IGNORE INTO outbox (uuid, kind, priority, state, attempts, "
                        "next_try_ms, last_error, created_ms, updated_ms) "
                        "SELECT id, 'feedback', 1, 'pending', 0, ?1, '', ?1, ?1 "
                        "FROM journeys WHERE outcome = 'open' ORDER BY created_at_ms, rowid",
                        now_ms, NULL, what);
    if (rc)
        goto out;
    rc = exec_with_time(st,
                        "UPDATE journeys SET outcome = 'interrupted', closed_at_ms = ?1, "
                        "updated_at_ms = ?1 WHERE outcome = 'open'",
                        now_ms, &interrupted, what);
    if (rc)
        goto out;
    rc = exec_with_time(st, "UPDATE outbox SET state = 'pending' WHERE state = 'inflight'", now_ms,
                        NULL, "putting unsent records back in the queue");
out:
    rc = write_end(st, own, rc, what);
    if (rc == AM_OK)
        st->interrupted_at_open = interrupted;
    return rc;
}

/* errno of a failed file operation as an am_rc. */
static am_rc rc_from_errno(int err)
{
    switch (err) {
    case EROFS:
    case EACCES:
    case EPERM:
        return AM_ERR_READONLY;
    case ENOSPC:
    case EDQUOT:
        return AM_ERR_FULL;
    case ENOENT:
        return AM_ERR_NOTFOUND;
    case ENOMEM:
        return AM_ERR_NOMEM;
    default:
        return AM_ERR_IO;
    }
}

/* Takes the writers lock shared and says whether this handle is the only
 * read-write one (it could take it exclusively first). */
static am_rc writers_lock(am_store *st, const char *data_dir, bool *first)
{
    char lock_path[STORE_PATH_MAX];
    am_rc rc = AM_OK;
    *first = false;
    snprintf(lock_path, sizeof lock_path, "%s/%s-writers", data_dir, AM_STORE_FILE);
    st->writers_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (st->writers_fd < 0) {
        int e = errno;
        return store_failf(st, rc_from_errno(e) == AM_ERR_NOTFOUND ? AM_ERR_IO : rc_from_errno(e),
                           "opening the lock file %s: %s", lock_path, strerror(e));
    }
    if (flock(st->writers_fd, LOCK_EX | LOCK_NB) == 0) {
        *first = true;
        return AM_OK;
    }
    if (errno != EWOULDBLOCK)
        goto fail;
    /* Another read-write handle exists. It may be repairing right now
     * (holding the lock exclusively); that is short, so wait for it as
     * long as SQLite would wait for a busy store. */
    for (int waited_ms = 0; waited_ms <= STORE_BUSY_TIMEOUT_MS; waited_ms += 10) {
        if (flock(st->writers_fd, LOCK_SH | LOCK_NB) == 0)
            return AM_OK;
        if (errno != EWOULDBLOCK)
            goto fail;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return store_failf(st, AM_ERR_BUSY, "another program kept the store locked for %d seconds",
                       STORE_BUSY_TIMEOUT_MS / 1000);
fail:
    rc = store_failf(st, AM_ERR_IO, "locking %s: %s", lock_path, strerror(errno));
    return rc;
}

/* Reads and checks one pragma's text answer. */
static am_rc pragma_text(am_store *st, const char *sql, char *value, size_t valuelen,
                         const char *what)
{
    sqlite3_stmt *stmt = NULL;
    am_rc rc = AM_OK;
    int src = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        column_text(stmt, 0, value, valuelen);
    else if (src == SQLITE_DONE)
        value[0] = '\0';
    else
        rc = store_fail(st, src, what);
    sqlite3_finalize(stmt);
    return rc;
}

/* Reads the schema version and refuses what this handle cannot use: a
 * newer schema always (before anything touches the file), and in read-only
 * mode an older one, which only the kiosk may upgrade. */
static am_rc store_check_version(am_store *st, int *version_out)
{
    int src = SQLITE_OK;
    int version = am_schema_version(st->db, &src);
    if (version < 0)
        return store_fail(st, src, "reading the store");
    if (version > AM_STORE_SCHEMA_VERSION)
        return store_failf(st, AM_ERR_VERSION,
                           "store schema version %d is newer than this amends supports (%d); "
                           "install a newer amends or restore a backup made by this version",
                           version, AM_STORE_SCHEMA_VERSION);
    if (version < AM_STORE_SCHEMA_VERSION && st->mode == AM_STORE_READONLY) {
        if (version == 0)
            return store_failf(st, AM_ERR_VERSION,
                               "the store is empty or not an amends store; start the kiosk "
                               "once to create it");
        return store_failf(st, AM_ERR_VERSION,
                           "store schema version %d is older than this amends (%d); start "
                           "the kiosk once to upgrade it, then try again",
                           version, AM_STORE_SCHEMA_VERSION);
    }
    *version_out = version;
    return AM_OK;
}

/* Brings an older (or new, empty) store up to this version. */
static am_rc store_upgrade(am_store *st, int version)
{
    if (version < AM_STORE_SCHEMA_VERSION) {
        char err[512];
        am_rc rc = (am_rc)am_schema_migrate(st->db, AM_STORE_SCHEMA_VERSION, err, sizeof err);
        if (rc)
            return store_failf(st, rc, "%s%s", err, store_hint(rc));
    }
    st->schema_version = AM_STORE_SCHEMA_VERSION;
    return AM_OK;
}

am_rc am_store_open(const char *data_dir, am_store_mode mode, int64_t now_ms, am_store **out,
                    char *err, size_t errlen)
{
    am_store *st = NULL;
    am_rc rc = AM_OK;
    bool first_writer = false;
    int version = 0;
    struct stat sb;

    if (out)
        *out = NULL;
    if (!data_dir || !*data_dir || !out ||
        (mode != AM_STORE_READWRITE && mode != AM_STORE_READONLY)) {
        if (err && errlen)
            snprintf(err, errlen, "opening the store: no data directory given");
        return AM_ERR_INVALID;
    }
    st = calloc(1, sizeof *st);
    if (!st) {
        if (err && errlen)
            snprintf(err, errlen, "opening the store: out of memory");
        return AM_ERR_NOMEM;
    }
    st->mode = mode;
    st->writers_fd = -1;
    int n = snprintf(st->path, sizeof st->path, "%s/%s", data_dir, AM_STORE_FILE);
    if (n < 0 || (size_t)n >= sizeof st->path) {
        rc = store_failf(st, AM_ERR_INVALID, "data directory path is too long");
        goto out;
    }

    if (mode == AM_STORE_READONLY) {
        /* Read-only never creates: a missing store is an answer, not a new
         * empty one. */
        if (stat(st->path, &sb) != 0) {
            int e = errno;
            if (e == ENOENT || e == ENOTDIR) {
                snprintf(st->err, sizeof st->err, "no store at %s", st->path);
                rc = AM_ERR_NOTFOUND;
            } else {
                rc = store_failf(st, e == EACCES ? AM_ERR_READONLY : AM_ERR_IO, "%s", strerror(e));
            }
            goto out;
        }
    } else if (stat(data_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        rc = store_failf(st, AM_ERR_IO, "data directory %s does not exist or is not a directory",
                         data_dir);
        goto out;
    }

    int flags = SQLITE_OPEN_NOMUTEX |
                (mode == AM_STORE_READONLY ? SQLITE_OPEN_READONLY
                                           : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    int src = sqlite3_open_v2(st->path, &st->db, flags, NULL);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, "opening");
        goto out;
    }
    sqlite3_extended_result_codes(st->db, 1);
    src = sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, "setting the busy timeout");
        goto out;
    }

    /* SQLite quietly opens an unwritable file read-only; the kiosk must
     * know now, not when a guest's report cannot be kept. */
    if (mode == AM_STORE_READWRITE && sqlite3_db_readonly(st->db, "main") == 1) {
        rc = store_failf(st, AM_ERR_READONLY, "opening: the store file cannot be written%s",
                         store_hint(AM_ERR_READONLY));
        goto out;
    }
    rc = store_check_version(st, &version);
    if (rc)
        goto out;

    if (mode == AM_STORE_READWRITE) {
        rc = writers_lock(st, data_dir, &first_writer);
        if (rc)
            goto out;
        char journal[16];
        rc = pragma_text(st, "PRAGMA journal_mode = WAL", journal, sizeof journal, "opening");
        if (rc)
            goto out;
        if (strcmp(journal, "wal") != 0) {
            rc = store_failf(st, AM_ERR_IO,
                             "opening: cannot use write-ahead logging here "
                             "(journal mode stays %s)",
                             journal);
            goto out;
        }
        /* FULL: a commit is on disk before the guest sees the next screen.
         * secure_delete: text a guest corrected or that was purged is
         * overwritten, not left in free pages. */
        src = store_exec(st, "PRAGMA synchronous = FULL");
        if (src == SQLITE_OK)
            src = store_exec(st, "PRAGMA secure_delete = ON");
        if (src != SQLITE_OK) {
            rc = store_fail(st, src, "opening");
            goto out;
        }
    }

    rc = store_upgrade(st, version);
    if (rc)
        goto out;

    if (mode == AM_STORE_READWRITE) {
        if (first_writer) {
            rc = store_repair(st, now_ms);
            if (rc)
                goto out;
        }
        /* From here on other read-write handles may open beside this one. */
        if (flock(st->writers_fd, LOCK_SH) != 0) {
            rc = store_failf(st, AM_ERR_IO, "locking: %s", strerror(errno));
            goto out;
        }
    }
    st->err[0] = '\0';

out:
    if (rc) {
        if (err && errlen)
            snprintf(err, errlen, "%s", st->err);
        am_store_close(st);
        return rc;
    }
    *out = st;
    return AM_OK;
}

void am_store_close(am_store *st)
{
    if (!st)
        return;
    if (st->db && !sqlite3_get_autocommit(st->db))
        store_exec(st, "ROLLBACK");
    for (int i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(st->stmts[i]);
    sqlite3_close(st->db);
    if (st->writers_fd >= 0)
        close(st->writers_fd);
    explicit_bzero(st, sizeof *st);
    free(st);
}

int am_store_interrupted_at_open(const am_store *st)
{
    return st ? st->interrupted_at_open : 0;
}

int am_store_schema_version(const am_store *st)
{
    return st ? st->schema_version : 0;
}

sqlite3 *am_store_sqlite(am_store *st)
{
    return st ? st->db : NULL;
}

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
        return store_fail(st, src, what);
    }
    return AM_OK;
}

static void voucher_row_read(sqlite3_stmt *stmt, am_voucher_row *row)
{
    memset(row, 0, sizeof *row);
    column_text(stmt, 0, row->code, sizeof row->code);
    column_text(stmt, 1, row->journey_id, sizeof row->journey_id);
    column_text(stmt, 2, row->kiosk, sizeof row->kiosk);
    column_text(stmt, 3, row->offer_id, sizeof row->offer_id);
    row->value_minor = sqlite3_column_int64(stmt, 4);
    row->serial = sqlite3_column_int64(stmt, 5);
    row->expires_ms = sqlite3_column_int64(stmt, 6);
    row->created_ms = sqlite3_column_int64(stmt, 7);
    row->redeemed = sqlite3_column_int(stmt, 8) != 0;
    column_text(stmt, 9, row->outbox_uuid, sizeof row->outbox_uuid);
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
        rc = store_fail(st, src, what);
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
        rc = store_fail(st, src, what);
    sqlite3_finalize(stmt);
    return rc;
}

am_rc am_store_voucher_next_serial(am_store *st, const char *kiosk, int64_t *serial_out)
{
    if (!st || !kiosk || !serial_out)
        return AM_ERR_INVALID;
    if (!st->in_tx)
        return store_failf(st, AM_ERR_INVALID,
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
        return store_failf(st, AM_ERR_INVALID, "%s: code, journey, offer and serial are required",
                           what);
    rc = write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = voucher_prepare(st, "SELECT kiosk FROM journeys WHERE id = ?1", &stmt, what);
    if (rc)
        goto out;
    int src = BIND_FIELD(stmt, 1, v->journey_id);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src == SQLITE_DONE) {
        rc = store_failf(st, AM_ERR_INVALID, "%s: journey %s does not exist", what, v->journey_id);
        goto out;
    }
    if (src != SQLITE_ROW) {
        rc = store_fail(st, src, what);
        goto out;
    }
    column_text(stmt, 0, kiosk, sizeof kiosk);
    sqlite3_finalize(stmt);
    stmt = NULL;
    rc = am_store_voucher_get_serial(st, kiosk, v->serial, &existing);
    if (rc == AM_OK) {
        rc = store_failf(st, AM_ERR_INVALID, "%s: kiosk %s already issued serial %lld", what, kiosk,
                         (long long)v->serial);
        goto out;
    }
    if (rc != AM_ERR_NOTFOUND)
        goto out;
    rc = store_uuid(st, outbox_uuid);
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
        rc = store_failf(st, AM_ERR_INVALID, "%s: a voucher with code %s is already stored", what,
                         v->code);
        goto out;
    }
    if (src != SQLITE_DONE) {
        rc = store_fail(st, src, what);
        goto out;
    }
    /* Same transaction: a voucher is never kept without its record for
     * the hub, nor queued without being kept. Due at once. */
    rc = outbox_insert(st, outbox_uuid, AM_RECORD_VOUCHER, v->created_ms, what);
out:
    sqlite3_finalize(stmt);
    return write_end(st, own, rc, what);
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
        return store_fail(st, src, what);
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
        rc = store_fail(st, src, what);
    } else {
        const unsigned char *text = sqlite3_column_text(stmt, 0);
        size_t n = text ? (size_t)sqlite3_column_bytes(stmt, 0) : 0;
        /* A cut hash would never verify: say why instead. */
        if (n == 0 || n >= len)
            rc = store_failf(st, AM_ERR_INVALID, "%s: the stored hash is %s", what,
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
        rc = store_fail(st, src, what);
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
        return store_failf(st, AM_ERR_INVALID, "%s: the hash is %s", what,
                           n == 0 ? "empty" : "too long");
    rc = write_begin(st, &own, what);
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
        rc = store_fail(st, src, what);
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
        rc = store_fail(st, src, what);
out:
    sqlite3_finalize(stmt);
    return write_end(st, own, rc, what);
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
    rc = read_begin(st, &own, what);
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
        column_text(stmt, 0, item.id, sizeof item.id);
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
        rc = store_fail(st, src, what);
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
            rc = store_fail(st, src, what);
    }
out:
    sqlite3_finalize(stmt);
    read_end(st, own);
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
    rc = write_begin(st, &own, what);
    if (rc)
        goto out;
    /* Only the personal text goes; category, severity, outcome, rating,
     * offer and consent stay for the hub's trends and the budget. */
    rc = manage_prepare(st,
                        "UPDATE journeys SET first_name = '', description = '', "
                        "resolution_text = '', comment = '', contact = '', purged_at_ms = ?2 "
                        "WHERE id IN (SELECT j.id FROM journeys j JOIN outbox o ON o.uuid = j.id "
                        "WHERE " PURGE_SYNCED_BEFORE ")",
                        &stmt, what);
    if (rc)
        goto out;
    int src = sqlite3_bind_int64(stmt, 1, synced_before_ms);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(stmt, 2, now_ms);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src != SQLITE_DONE) {
        rc = store_fail(st, src, what);
        goto out;
    }
    count = sqlite3_changes(st->db);
out:
    sqlite3_finalize(stmt);
    rc = write_end(st, own, rc, what);
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
        return store_failf(st, AM_ERR_READONLY, "%s: the store was opened read-only", what);
    if (st->in_tx)
        return store_failf(st, AM_ERR_INVALID, "%s: a transaction is open", what);
    int log_frames = 0, done_frames = 0;
    int src = sqlite3_wal_checkpoint_v2(st->db, "main", SQLITE_CHECKPOINT_TRUNCATE, &log_frames,
                                        &done_frames);
    /* BUSY: a reader kept the log; what was copied stays copied. */
    if ((src & 0xff) == SQLITE_BUSY)
        return AM_OK;
    if (src != SQLITE_OK)
        return store_fail(st, src, what);
    *complete = true;
    return AM_OK;
}
