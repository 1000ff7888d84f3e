/* hub_db_driver.h — what a storage backend provides to hub_db.c.
 *
 * SQL is written once, with ?1, ?2 ... placeholders and only syntax both
 * SQLite (3.35+) and PostgreSQL accept; parameters and results travel as
 * text (NULL for SQL NULL). A driver may cache prepared statements by the
 * address of the SQL text, which is always a string literal.
 */
#ifndef AMENDS_HUB_DB_DRIVER_H
#define AMENDS_HUB_DB_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "amends/error.h"
#include "hub_config.h"

/* The hub's tables, the same for both backends but for the column that
 * numbers the ingest log (seq_column: " seq <type> PRIMARY KEY ..."). Each
 * statement is safe to run again. */
#define HUB_SCHEMA_SQL(seq_column)                                                                 \
    "CREATE TABLE IF NOT EXISTS kiosks ("                                                          \
    " id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, secret TEXT NOT NULL,"                 \
    " created_at BIGINT NOT NULL, last_seen BIGINT, heartbeat_at BIGINT, pending BIGINT,"          \
    " quarantined BIGINT, last_error TEXT, version TEXT, uptime_s BIGINT);"                        \
    "CREATE TABLE IF NOT EXISTS managers ("                                                        \
    " name TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL);"        \
    "CREATE TABLE IF NOT EXISTS webhook_ids ("                                                     \
    " kiosk TEXT NOT NULL, msg_id TEXT NOT NULL, seen_at BIGINT NOT NULL,"                         \
    " PRIMARY KEY (kiosk, msg_id));"                                                               \
    "CREATE INDEX IF NOT EXISTS webhook_ids_seen ON webhook_ids (seen_at);"                        \
    "CREATE TABLE IF NOT EXISTS batches ("                                                         \
    " kiosk TEXT NOT NULL, batch TEXT NOT NULL, received_at BIGINT NOT NULL,"                      \
    " status INTEGER NOT NULL, response TEXT NOT NULL, PRIMARY KEY (kiosk, batch));"               \
    "CREATE INDEX IF NOT EXISTS batches_received ON batches (received_at);"                        \
    "CREATE TABLE IF NOT EXISTS feedback ("                                                        \
    " id TEXT PRIMARY KEY, kiosk TEXT NOT NULL, batch TEXT NOT NULL,"                              \
    " received_at BIGINT NOT NULL, created_at BIGINT NOT NULL, closed_at BIGINT NOT NULL,"         \
    " outcome TEXT NOT NULL, lang TEXT NOT NULL, category TEXT NOT NULL,"                          \
    " severity TEXT NOT NULL, description TEXT NOT NULL, first_name TEXT NOT NULL,"                \
    " resolution TEXT NOT NULL, resolution_text TEXT NOT NULL, offer TEXT NOT NULL,"               \
    " offer_value_minor BIGINT NOT NULL, offer_state TEXT NOT NULL, voucher TEXT NOT NULL,"        \
    " rating INTEGER NOT NULL, comment TEXT NOT NULL, contact TEXT NOT NULL,"                      \
    " consent TEXT NOT NULL);"                                                                     \
    "CREATE INDEX IF NOT EXISTS feedback_closed ON feedback (closed_at);"                          \
    "CREATE INDEX IF NOT EXISTS feedback_kiosk ON feedback (kiosk, closed_at);"                    \
    "CREATE TABLE IF NOT EXISTS alerts ("                                                          \
    " id TEXT PRIMARY KEY, kiosk TEXT NOT NULL, batch TEXT NOT NULL,"                              \
    " received_at BIGINT NOT NULL, journey TEXT, reason TEXT NOT NULL,"                            \
    " category TEXT NOT NULL, severity TEXT NOT NULL, raised_at BIGINT NOT NULL,"                  \
    " acked_at BIGINT, acked_by TEXT);"                                                            \
    "CREATE INDEX IF NOT EXISTS alerts_raised ON alerts (raised_at);"                              \
    "CREATE TABLE IF NOT EXISTS ingest_log (" seq_column                                           \
    ", kiosk TEXT NOT NULL, at BIGINT NOT NULL,"                                                   \
    " batch TEXT, status INTEGER NOT NULL, stored INTEGER NOT NULL, duplicate INTEGER NOT NULL,"   \
    " rejected INTEGER NOT NULL, reason TEXT NOT NULL);"                                           \
    "CREATE INDEX IF NOT EXISTS ingest_log_kiosk ON ingest_log (kiosk, seq);"                      \
    "CREATE TABLE IF NOT EXISTS voucher_keys ("                                                    \
    " kiosk TEXT PRIMARY KEY, vkey TEXT NOT NULL, created_at BIGINT NOT NULL);"                    \
    "CREATE TABLE IF NOT EXISTS vouchers ("                                                        \
    " code TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, kiosk TEXT NOT NULL, batch TEXT NOT NULL,"   \
    " received_at BIGINT NOT NULL, journey TEXT NOT NULL, serial BIGINT NOT NULL,"                 \
    " offer TEXT NOT NULL, value_minor BIGINT NOT NULL, issued_at BIGINT NOT NULL,"                \
    " expires_at BIGINT NOT NULL, redeemed_at BIGINT, redeemed_by TEXT, UNIQUE (kiosk, serial));"  \
    "CREATE TABLE IF NOT EXISTS web_sessions ("                                                    \
    " id_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, manager TEXT NOT NULL, csrf TEXT NOT NULL,"    \
    " created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);"                                    \
    "CREATE INDEX IF NOT EXISTS web_sessions_expires ON web_sessions (expires_at);"

/* Sites and teams (migration 2): a site has a time zone and a currency;
 * a team belongs to a site. Kiosks already provisioned land in the site
 * "default" (UTC, currency not set). The kiosks column is added by each
 * driver in its own syntax. */
#define HUB_SITES_SQL                                                                              \
    "CREATE TABLE IF NOT EXISTS sites ("                                                           \
    " id TEXT PRIMARY KEY, name TEXT NOT NULL, timezone TEXT NOT NULL, currency TEXT NOT NULL,"    \
    " created_at BIGINT NOT NULL);"                                                                \
    "CREATE TABLE IF NOT EXISTS teams ("                                                           \
    " site TEXT NOT NULL REFERENCES sites (id), id TEXT NOT NULL, name TEXT NOT NULL,"             \
    " created_at BIGINT NOT NULL, PRIMARY KEY (site, id));"                                        \
    "INSERT INTO sites (id, name, timezone, currency, created_at)"                                 \
    " VALUES ('default', 'Default site', 'UTC', '', 0) ON CONFLICT DO NOTHING;"

/* People, their scope and their API tokens (migration 4). Each manager
 * credential of an older hub becomes an admin with that token; the
 * managers table is emptied so that running this again (PostgreSQL runs
 * every migration at each start) cannot bring back a removed token. */
#define HUB_PEOPLE_SQL                                                                             \
    "CREATE TABLE IF NOT EXISTS people ("                                                          \
    " name TEXT PRIMARY KEY, role TEXT NOT NULL, created_at BIGINT NOT NULL);"                     \
    "CREATE TABLE IF NOT EXISTS person_scopes ("                                                   \
    " person TEXT NOT NULL REFERENCES people (name), site TEXT NOT NULL REFERENCES sites (id),"    \
    " team TEXT NOT NULL, PRIMARY KEY (person, site, team));"                                      \
    "CREATE TABLE IF NOT EXISTS api_tokens ("                                                      \
    " token_hash TEXT PRIMARY KEY, person TEXT NOT NULL REFERENCES people (name),"                 \
    " created_at BIGINT NOT NULL);"                                                                \
    "INSERT INTO people (name, role, created_at)"                                                  \
    " SELECT name, 'admin', created_at FROM managers WHERE true ON CONFLICT DO NOTHING;"           \
    "INSERT INTO api_tokens (token_hash, person, created_at)"                                      \
    " SELECT token_hash, name, created_at FROM managers WHERE true ON CONFLICT DO NOTHING;"        \
    "DELETE FROM managers;"

/* Called once per result row; values[i] is NULL for SQL NULL. */
typedef void (*hub_row_fn)(void *ud, int ncols, const char *const *values);

typedef struct hub_driver {
    const char *name;
    am_rc (*connect)(const hub_config *cfg, void **conn, char *err, size_t errlen);
    void (*disconnect)(void *conn);
    /* Creates the tables if absent; safe when several hubs start at once. */
    am_rc (*init_schema)(void *conn, char *err, size_t errlen);
    /* BEGIN for a write transaction (SQLite: BEGIN IMMEDIATE). */
    am_rc (*begin)(void *conn);
    am_rc (*commit)(void *conn);
    void (*rollback)(void *conn);
    /* Runs one statement. *changes (may be NULL) gets the rows written.
     * AM_ERR_BUSY: a lock timeout, deadlock or serialization failure that a
     * retry can fix. Other failures: AM_ERR or AM_ERR_FULL. */
    am_rc (*exec)(void *conn, const char *sql, int nparams, const char *const *params,
                  hub_row_fn fn, void *ud, int64_t *changes);
    /* The last error on this connection; never NULL. */
    const char *(*errmsg)(void *conn);
} hub_driver;

extern const hub_driver hub_driver_sqlite;
extern const hub_driver hub_driver_pg;

#endif
