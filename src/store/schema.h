/* schema.h — internal to src/store: the schema migrations and the few
 * helpers store.c and the store tests share. Not part of the public surface
 * (include/amends/store.h is).
 */
#ifndef AMENDS_STORE_SCHEMA_H
#define AMENDS_STORE_SCHEMA_H

#include <stddef.h>

#include <sqlite3.h>

#include "amends/error.h"
#include "amends/store.h"

/* Brings db up to target_version (1..AM_STORE_SCHEMA_VERSION), one step at a
 * time. Each step runs in its own BEGIN IMMEDIATE transaction together with
 * its user_version bump, and the version is read again inside that
 * transaction, so two processes migrating at once apply each step once.
 * A database at or past target_version is left alone. Returns AM_OK or an
 * am_rc; err gets what failed (without the file name, which the caller
 * knows). Tests use a lower target to build an old store. */
int am_schema_migrate(sqlite3 *db, int target_version, char *err, size_t errlen);

/* The schema version stored in db (PRAGMA user_version); -1 on error, with
 * the SQLite result code in *sqlite_rc when that is not NULL. */
int am_schema_version(sqlite3 *db, int *sqlite_rc);

/* The am_rc class of a SQLite result code (primary or extended). */
am_rc am_store_rc_from_sqlite(int sqlite_rc);

/* The connection behind a store handle, so tests can check pragmas and
 * make SQLite fail on purpose. Borrowed; valid until am_store_close. */
sqlite3 *am_store_sqlite(am_store *st);

#endif
