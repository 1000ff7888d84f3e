/* hub_db_driver.h — what a storage backend provides to the hub_db*.c queries.
 *
 * SQL is written once, with ?1, ?2 ... placeholders and only syntax both
 * SQLite (3.35+) and PostgreSQL accept; parameters and results travel as
 * text (NULL for SQL NULL). A driver may cache exec()'s prepared
 * statements by the address of the SQL text, which lives as long as the
 * program: a string literal, or the feedback statements hub_db_feedback_sql.c builds
 * once from the report's field table. script() caches nothing.
 */
#ifndef AMENDS_HUB_DB_DRIVER_H
#define AMENDS_HUB_DB_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "amends/error.h"
#include "hub_config.h"

/* Which text of a migration a backend runs (hub_schema.h). */
typedef enum hub_dialect { HUB_DIALECT_SQLITE, HUB_DIALECT_PG, HUB_DIALECTS } hub_dialect;

/* Called once per result row; values[i] is NULL for SQL NULL. */
typedef void (*hub_row_fn)(void *ud, int ncols, const char *const *values);

typedef struct hub_driver {
    const char *name;
    hub_dialect dialect;
    /* Run right after begin() by the schema migration, so that of several
     * hubs migrating at once one goes first; NULL when begin() already
     * locks out other writers (SQLite's BEGIN IMMEDIATE). */
    const char *schema_lock_sql;
    /* Reads the version a database recorded before the hub_schema table
     * existed, or NULL when the backend kept none (hub_schema.c). */
    const char *legacy_version_sql;
    am_rc (*connect)(const hub_config *cfg, void **conn, char *err, size_t errlen);
    void (*disconnect)(void *conn);
    /* Names the database for a person, never with a password: "SQLite database
     * FILE" or "postgresql database NAME on HOST:PORT". */
    void (*describe)(void *conn, char *out, size_t outlen);
    /* BEGIN for a write transaction (SQLite: BEGIN IMMEDIATE). */
    am_rc (*begin)(void *conn);
    am_rc (*commit)(void *conn);
    void (*rollback)(void *conn);
    /* Runs one statement. *changes (may be NULL) gets the rows written.
     * AM_ERR_BUSY: a lock timeout, deadlock or serialization failure that a
     * retry can fix. Other failures: AM_ERR or AM_ERR_FULL. */
    am_rc (*exec)(void *conn, const char *sql, int nparams, const char *const *params,
                  hub_row_fn fn, void *ud, int64_t *changes);
    /* Runs several statements separated by ';', without parameters or
     * results, in the current transaction (schema migrations). */
    am_rc (*script)(void *conn, const char *sql);
    /* The last error on this connection; never NULL. */
    const char *(*errmsg)(void *conn);
} hub_driver;

extern const hub_driver hub_driver_sqlite;
extern const hub_driver hub_driver_pg;

#endif
