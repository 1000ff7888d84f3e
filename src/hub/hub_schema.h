/* hub_schema.h — internal to src/hub: the hub's schema as one ordered list
 * of migrations, shared by both backends, and the runner that brings a
 * database up to date at start.
 *
 * The table hub_schema holds one row: the number of migrations applied.
 * A database from before that table is brought in at the version it
 * counted in PRAGMA user_version (SQLite; 1 for 0.1.0) or from 0
 * (PostgreSQL, which counted nothing; there migrations 1 to 4 change
 * nothing where their work is already done). A database whose version is
 * above the hub's is refused: an older hub must not write to a schema it
 * does not know.
 *
 * To change the schema, add one entry at the end of hub_migrations[] in
 * hub_schema.c; a released entry is never edited. HUB_SCHEMA_VERSION
 * follows the list.
 */
#ifndef AMENDS_HUB_SCHEMA_H
#define AMENDS_HUB_SCHEMA_H

#include <stddef.h>

#include "amends/error.h"
#include "hub_db_driver.h"

/* One schema change. sql[HUB_DIALECT_SQLITE] and sql[HUB_DIALECT_PG] are
 * the same text unless the backends' syntax differs: HUB_SQL_BOTH(text)
 * gives both the same text; HUB_SQL_SERIAL(M) expands the function-like
 * macro M once per backend with its auto-numbered key column type
 * (HUB_SERIAL_KEY_*), the one difference the schema has needed so far.
 * Several statements, separated by ';'; run in the transaction that
 * records `version`. */
typedef struct hub_migration {
    int version; /* its position in the list, from 1 */
    const char *what;
    const char *sql[HUB_DIALECTS];
} hub_migration;

#define HUB_SQL_BOTH(text)                                                                         \
    {                                                                                              \
        text, text                                                                                 \
    }

#define HUB_SERIAL_KEY_SQLITE "INTEGER PRIMARY KEY AUTOINCREMENT"
#define HUB_SERIAL_KEY_PG     "BIGSERIAL PRIMARY KEY"
#define HUB_SQL_SERIAL(M)                                                                          \
    {                                                                                              \
        M(HUB_SERIAL_KEY_SQLITE), M(HUB_SERIAL_KEY_PG)                                             \
    }

/* Where a migration's SQL says HUB_REPORT_COLUMNS, the runner puts the
 * columns of the guest's report, from core's field table (amends/report.h)
 * in its order, each "NAME TYPE NOT NULL": INTEGER for an INT field, BIGINT
 * for an INT64 one, TEXT for the rest, as the insert writes them. Only the
 * fields every kiosk has sent since 0.1.0 (wire_optional false): a field
 * added since is wire_optional and gets its column from a migration of its
 * own (ALTER TABLE feedback ADD COLUMN), so migration 1 stays the 0.1.0
 * schema. */
#define HUB_REPORT_COLUMNS "{report columns}"

extern const hub_migration hub_migrations[];
extern const int hub_migration_count;
#define HUB_SCHEMA_VERSION hub_migration_count

/* Brings the database behind conn up to migrations[count - 1].version, in
 * one transaction under the backend's schema lock (SQLite: the write lock;
 * PostgreSQL: an advisory lock), so of several hubs starting at once
 * exactly one migrates and the others find the work done. Logs what it
 * did. A database above `count` is refused (AM_ERR_VERSION) with err
 * naming the database, its version and the hub's; nothing is changed.
 * Tests pass their own list (a prefix of hub_migrations, or more). */
am_rc hub_schema_migrate(const hub_driver *drv, void *conn, const hub_migration *migrations,
                         int count, char *err, size_t errlen);

#endif
