/* store_internal.h — internal to src/store: the handle and the helpers the
 * store's files share. Not part of the public surface (include/amends/store.h
 * is).
 *
 * The store is one module in several files, one per topic:
 *   store.c          the handle: open, close, repair, errors, statements,
 *                    transactions, record ids, meta values, the names of
 *                    enum values
 *   store_journey.c  journeys, alerts, offers and the budget
 *   store_outbox.c   the outbox, the sync log and the status summary
 *   store_voucher.c  issued vouchers
 *   store_manage.c   the manager PIN, its lockout, and purging
 *   schema.c         the schema migrations
 */
#ifndef AMENDS_STORE_INTERNAL_H
#define AMENDS_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "amends/error.h"
#include "amends/journey.h"
#include "amends/store.h"
#include "amends/uuid.h"

#include "schema.h"

#define STORE_PATH_MAX (AM_PATH_MAX + 32)
#define STORE_ERR_MAX  (STORE_PATH_MAX + 512 + 8)

#define COUNT_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* --- text values (store.c) ----------------------------------------------- */

/* The names of enum values follow one rule (amends/journey.h): each enum
 * is named by the module that defines it, and that name is at once the
 * stored and the sent format. Core's enums (severity, outcome, offer
 * state, consent, alert reason) are written with core's names
 * (am_severity_name, ...); the store names only its own enums, the sync
 * state and the outbox record kind, here. */
extern const char *const am_store_sync_state_names[AM_SYNC_QUARANTINED + 1];
extern const char *const am_store_record_kind_names[AM_RECORD_VOUCHER + 1];

/* Name of value v in names, or NULL when v is out of range. */
const char *am_store_name_of(const char *const *names, int count, int v);
/* Index of name in names; `fallback` for a value this version has no name
 * for (only a hand-edited store can hold one). */
int am_store_index_of(const char *const *names, int count, const char *name, int fallback);

/* --- the handle ---------------------------------------------------------- */

/* Statements prepared once per handle and reused; each file passes the SQL
 * of its own. Functions that call back into the caller prepare their own,
 * so a callback may use the handle. */
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
    STMT_OUTBOX_RETRY_NOW,
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
    STMT_STATUS_FAILING_SINCE,
    STMT_STATUS_ALERTS_WAITING,
    STMT_COUNT
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

/* --- errors (store.c) ---------------------------------------------------- */

/* Records "PATH: message" as the handle's error and returns rc. */
am_rc am_store_failf(am_store *st, am_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Records a SQLite failure while doing `what` and returns its class.
 * SQLite's messages name tables and constraints, never bound values, so no
 * guest text can reach the message. */
am_rc am_store_fail(am_store *st, int sqlite_rc, const char *what);

/* --- statements (store.c) ------------------------------------------------ */

/* The handle's cached statement `id`, prepared from `sql` on first use.
 * Borrowed: give it back with am_store_stmt_done. */
am_rc am_store_stmt(am_store *st, enum store_stmt id, const char *sql, sqlite3_stmt **out);
/* Makes a cached statement ready for its next use. Accepts NULL. */
void am_store_stmt_done(sqlite3_stmt *stmt);
/* Binds text of at most `cap` bytes (the size of the array it came from):
 * text that fills its array has lost its terminator and is refused. */
int am_store_bind_text(sqlite3_stmt *stmt, int idx, const char *text, size_t cap);
#define BIND_FIELD(stmt, idx, arr) am_store_bind_text((stmt), (idx), (arr), sizeof(arr))
/* Copies a text column into dst, cut on a character boundary if the store
 * holds more than dst can (only a hand-edited store can). */
void am_store_column_text(sqlite3_stmt *stmt, int col, char *dst, size_t dstsize);

/* --- transactions (store.c) ---------------------------------------------- */

/* Joins the caller's transaction or opens our own; *own says which. */
am_rc am_store_write_begin(am_store *st, bool *own, const char *what);
/* Ends a write: our own transaction commits on success and rolls back on
 * failure; the caller's is left to the caller. */
am_rc am_store_write_end(am_store *st, bool own, am_rc rc, const char *what);
/* A read of several statements sees one snapshot. Inside the caller's
 * transaction that is already so. */
am_rc am_store_read_begin(am_store *st, bool *own, const char *what);
void am_store_read_end(am_store *st, bool own);

/* A record id: UUID version 7 (amends/uuid.h) with its random bits from
 * the kernel's random source. */
am_rc am_store_new_uuid(am_store *st, char out[AM_UUID_LEN + 1]);

/* --- journeys (store_journey.c) ----------------------------------------- */

/* "first_name = '', ..." for every personal field of the report: what a
 * purge clears. Static. */
const char *am_store_purge_set_sql(void);

/* --- outbox (store_outbox.c) --------------------------------------------- */

/* Queues record `uuid` of `kind` for the hub, due at once, inside the
 * caller's write. */
am_rc am_store_outbox_insert(am_store *st, const char *uuid, am_record_kind kind, int64_t now_ms,
                             const char *what);

#endif
