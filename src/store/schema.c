/* schema.c — the store's schema as an ordered list of migration steps.
 *
 * PRAGMA user_version holds the number of steps applied. A step is never
 * edited once released: a change to the schema is a new step at the end, and
 * AM_STORE_SCHEMA_VERSION moves with it. The SQL here is constant text; no
 * value from outside the program is ever spliced into it.
 *
 * Enumerated text columns (outcome, severity, state, ...) carry no CHECK
 * constraint on purpose: SQLite cannot change a CHECK without rebuilding the
 * table, and store.c already refuses values it has no name for.
 */
#include "schema.h"

#include <stdio.h>
#include <string.h>

typedef struct am_schema_step {
    int version;
    const char *sql; /* ends by setting user_version to `version` */
} am_schema_step;

/* Version 1: the journeys a guest reports, alerts for staff, the outbox of
 * records waiting for the hub, the sync log and small facts (meta). Times
 * are milliseconds; closed_at_ms is NULL while a journey is open. */
static const char schema_v1[] =
    "CREATE TABLE journeys ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " kiosk TEXT NOT NULL,"
    " created_at_ms INTEGER NOT NULL,"
    " updated_at_ms INTEGER NOT NULL,"
    " closed_at_ms INTEGER,"
    " outcome TEXT NOT NULL,"
    " lang INTEGER NOT NULL,"
    " category TEXT NOT NULL,"
    " severity TEXT NOT NULL,"
    " description TEXT NOT NULL,"
    " first_name TEXT NOT NULL,"
    " resolution TEXT NOT NULL,"
    " resolution_text TEXT NOT NULL,"
    " offer TEXT NOT NULL,"
    " offer_value_minor INTEGER NOT NULL,"
    " offer_state TEXT NOT NULL,"
    " voucher TEXT NOT NULL,"
    " rating INTEGER NOT NULL,"
    " comment TEXT NOT NULL,"
    " contact TEXT NOT NULL,"
    " consent TEXT NOT NULL);"
    "CREATE INDEX journeys_created ON journeys(created_at_ms);"
    "CREATE INDEX journeys_outcome ON journeys(outcome);"
    "CREATE TABLE alerts ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " kiosk TEXT NOT NULL,"
    " journey_id TEXT,"
    " reason TEXT NOT NULL,"
    " category TEXT NOT NULL,"
    " severity TEXT NOT NULL,"
    " created_at_ms INTEGER NOT NULL);"
    /* One row per record for the hub: a closed journey (kind feedback, uuid
     * = journey id) or an alert (uuid = alert id). priority 0 goes first. */
    "CREATE TABLE outbox ("
    " uuid TEXT PRIMARY KEY NOT NULL,"
    " kind TEXT NOT NULL,"
    " priority INTEGER NOT NULL,"
    " state TEXT NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_try_ms INTEGER NOT NULL,"
    " last_error TEXT NOT NULL DEFAULT '',"
    " created_ms INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL);"
    "CREATE INDEX outbox_due ON outbox(state, priority, created_ms);"
    "CREATE TABLE sync_log ("
    " id INTEGER PRIMARY KEY,"
    " at_ms INTEGER NOT NULL,"
    " batch_size INTEGER NOT NULL,"
    " http_status INTEGER NOT NULL,"
    " transport TEXT NOT NULL,"
    " latency_ms INTEGER NOT NULL,"
    " outcome TEXT NOT NULL,"
    " detail TEXT NOT NULL);"
    "CREATE TABLE meta ("
    " key TEXT PRIMARY KEY NOT NULL,"
    " value TEXT NOT NULL);"
    "PRAGMA user_version = 1;";

/* Version 2: goodwill offers and the manager PIN. offer_spend keeps one row
 * per offer shown to a journey, updated as the guest decides, so the budget
 * counts an accepted offer once. pin_state is a single row (id 1). */
static const char schema_v2[] = "CREATE TABLE vouchers ("
                                " code TEXT PRIMARY KEY NOT NULL,"
                                " journey_id TEXT NOT NULL,"
                                " offer_id TEXT NOT NULL,"
                                " value_minor INTEGER NOT NULL,"
                                " serial INTEGER NOT NULL,"
                                " expires_ms INTEGER NOT NULL,"
                                " created_ms INTEGER NOT NULL,"
                                " redeemed INTEGER NOT NULL DEFAULT 0);"
                                "CREATE INDEX vouchers_journey ON vouchers(journey_id);"
                                "CREATE TABLE offer_spend ("
                                " id INTEGER PRIMARY KEY,"
                                " journey_id TEXT NOT NULL,"
                                " offer_id TEXT NOT NULL,"
                                " value_minor INTEGER NOT NULL,"
                                " state TEXT NOT NULL,"
                                " at_ms INTEGER NOT NULL,"
                                " UNIQUE (journey_id, offer_id));"
                                "CREATE INDEX offer_spend_at ON offer_spend(state, at_ms);"
                                "CREATE TABLE pin_state ("
                                " id INTEGER PRIMARY KEY CHECK (id = 1),"
                                " failures INTEGER NOT NULL,"
                                " last_failure_ms INTEGER NOT NULL,"
                                " locked_until_ms INTEGER NOT NULL);"
                                "INSERT INTO pin_state VALUES (1, 0, 0, 0);"
                                "PRAGMA user_version = 2;";

/* Version 3: manager tools. purged_at_ms marks a journey whose personal
 * text (first name, description, resolution text, comment, contact) was
 * blanked after the retention period; NULL while it is kept. manager is a
 * single row (id 1) holding the manager PIN as an Argon2id string from
 * libsodium's crypto_pwhash_str, never the PIN itself. */
static const char schema_v3[] = "ALTER TABLE journeys ADD COLUMN purged_at_ms INTEGER;"
                                "CREATE TABLE manager ("
                                " id INTEGER PRIMARY KEY CHECK (id = 1),"
                                " pin_hash TEXT NOT NULL,"
                                " set_at_ms INTEGER NOT NULL);"
                                "PRAGMA user_version = 3;";

/* Version 4: vouchers go to the hub. outbox_uuid names the voucher's
 * record in the outbox (kind 'voucher'), the id the hub deduplicates by;
 * add makes it in the voucher's own transaction. Vouchers a version-3
 * store already holds get one here (a random version-4 UUID made by
 * SQLite) and are queued, so they reach the hub too. */
static const char schema_v4[] =
    "ALTER TABLE vouchers ADD COLUMN outbox_uuid TEXT;"
    "UPDATE vouchers SET outbox_uuid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || "
    "'-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || "
    "substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)));"
    "CREATE UNIQUE INDEX vouchers_outbox ON vouchers(outbox_uuid);"
    "INSERT INTO outbox (uuid, kind, priority, state, attempts, next_try_ms, last_error, "
    "created_ms, updated_ms) SELECT outbox_uuid, 'voucher', 1, 'pending', 0, 0, '', created_ms, "
    "created_ms FROM vouchers ORDER BY created_ms, serial;"
    "PRAGMA user_version = 4;";

/* Version 5: the outbox's due index holds pending records only. A record
 * leaves it when claimed and comes back only if it is retried, so settling
 * a sent record touches no index, and the index stays the size of the
 * backlog rather than of the kiosk's whole history. The claim's query
 * (state = 'pending', ordered by priority, created_ms, rowid) reads it in
 * order. */
static const char schema_v5[] =
    "DROP INDEX outbox_due;"
    "CREATE INDEX outbox_due ON outbox(priority, created_ms) WHERE state = 'pending';"
    "PRAGMA user_version = 5;";

/* Version 6: where it happened ([kiosk] location_label): the room, the
 * till. Journeys stored before it have none. */
static const char schema_v6[] = "ALTER TABLE journeys ADD COLUMN location TEXT NOT NULL DEFAULT '';"
                                "PRAGMA user_version = 6;";

/* Version 7: each journey's case code (amends/case_code.h), made in the
 * transaction that commits the report, unique per kiosk (the index);
 * journeys stored before it have none (''). */
static const char schema_v7[] =
    "ALTER TABLE journeys ADD COLUMN case_code TEXT NOT NULL DEFAULT '';"
    "CREATE UNIQUE INDEX journeys_case_code ON journeys(case_code) WHERE case_code != '';"
    "PRAGMA user_version = 7;";

static const am_schema_step schema_steps[] = {
    {1, schema_v1}, {2, schema_v2}, {3, schema_v3}, {4, schema_v4},
    {5, schema_v5}, {6, schema_v6}, {7, schema_v7},
};
#define SCHEMA_STEP_COUNT ((int)(sizeof schema_steps / sizeof schema_steps[0]))

_Static_assert(SCHEMA_STEP_COUNT == AM_STORE_SCHEMA_VERSION,
               "AM_STORE_SCHEMA_VERSION must equal the number of migration steps");

am_rc am_store_rc_from_sqlite(int sqlite_rc)
{
    switch (sqlite_rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return AM_OK;
    case SQLITE_FULL:
        return AM_ERR_FULL;
    case SQLITE_READONLY:
        return AM_ERR_READONLY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return AM_ERR_CORRUPT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return AM_ERR_BUSY;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
        return AM_ERR_IO;
    case SQLITE_NOMEM:
        return AM_ERR_NOMEM;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG:
        return AM_ERR_INVALID;
    default:
        return AM_ERR;
    }
}

int am_schema_version(sqlite3 *db, int *sqlite_rc)
{
    sqlite3_stmt *stmt = NULL;
    int version = -1;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            version = sqlite3_column_int(stmt, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(stmt);
    if (sqlite_rc)
        *sqlite_rc = rc;
    return version;
}

/* True when the database holds no schema objects at all: a new file. */
static int schema_is_empty(sqlite3 *db, int *empty)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &stmt, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            *empty = sqlite3_column_int(stmt, 0) == 0;
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(stmt);
    return rc;
}

int am_schema_migrate(sqlite3 *db, int target_version, char *err, size_t errlen)
{
    am_rc rc = AM_OK;
    int src = SQLITE_OK;
    const char *what = "starting a migration";
    int step_version = 0;

    if (target_version < 1 || target_version > SCHEMA_STEP_COUNT) {
        snprintf(err, errlen, "no migration to schema version %d", target_version);
        return AM_ERR_INVALID;
    }
    /* Bounded: each pass applies one step, and the last one finds nothing
     * left to do. */
    for (int pass = 0; pass <= SCHEMA_STEP_COUNT; pass++) {
        what = "starting a migration";
        src = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (src != SQLITE_OK)
            goto fail;
        what = "reading the schema version";
        int version = am_schema_version(db, &src);
        if (version < 0)
            goto fail;
        if (version >= target_version) {
            src = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
            if (src != SQLITE_OK)
                goto fail;
            return AM_OK;
        }
        if (version == 0) {
            /* Version 0 with tables in it is some other program's database:
             * adding ours beside them would hide the mistake. */
            int empty = 0;
            src = schema_is_empty(db, &empty);
            if (src != SQLITE_OK)
                goto fail;
            if (!empty) {
                sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
                snprintf(err, errlen,
                         "this SQLite database is not an amends store (it has tables but no "
                         "amends schema version); move it aside");
                return AM_ERR_CORRUPT;
            }
        }
        step_version = schema_steps[version].version;
        what = "migrating";
        src = sqlite3_exec(db, schema_steps[version].sql, NULL, NULL, NULL);
        if (src != SQLITE_OK)
            goto fail;
        src = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        if (src != SQLITE_OK)
            goto fail;
    }
    snprintf(err, errlen, "schema migration to version %d did not finish", target_version);
    return AM_ERR;

fail:
    rc = am_store_rc_from_sqlite(src);
    if (rc == AM_OK)
        rc = AM_ERR;
    if (step_version > 0 && strcmp(what, "migrating") == 0)
        snprintf(err, errlen, "migrating to schema version %d: %s", step_version,
                 sqlite3_errmsg(db));
    else
        snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
    /* The step and its version bump stand or fall together. */
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}
