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
