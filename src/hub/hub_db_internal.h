/* hub_db_internal.h — helpers the hub_db_*.c query files share: running a
 * statement on a borrowed connection, rows to JSON, one-row writes. */
#ifndef AMENDS_HUB_DB_INTERNAL_H
#define AMENDS_HUB_DB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "amends/report.h"
#include "hub_audit.h"
#include "hub_db.h"
#include "hub_db_driver.h"
#include "hub_db_pool.h"

#define BUSY_RETRIES 8 /* attempts at a transaction a conflict rolled back */

/* A number as statement text. */
typedef struct num {
    char s[24];
} num;

static inline num i64(int64_t v)
{
    num n;
    snprintf(n.s, sizeof n.s, "%lld", (long long)v);
    return n;
}

/* Column description for turning rows into JSON objects. */
typedef enum col_type { COL_TEXT, COL_INT } col_type;
typedef struct col {
    const char *name;
    col_type type;
} col;

/* The feedback statements, built from the report's fields. The INSERT's
 * parameters: id, kiosk, batch, received_at, created_at, closed_at,
 * outcome, then the report's fields. */
#define FEEDBACK_HEAD_PARAMS 7
#define FEEDBACK_SQL_MAX     2048

typedef struct feedback_sql {
    char insert[FEEDBACK_SQL_MAX];
    char select[FEEDBACK_SQL_MAX]; /* every column, then the filter of hub_db_feedback */
    col cols[6 + AM_REPORT_FIELDS_MAX];
    int ncols;
    const char *names[6 + AM_REPORT_FIELDS_MAX + 1]; /* NULL-terminated */
} feedback_sql;

/* Built on first use, then shared read-only (hub_db_feedback_sql.c). */
const feedback_sql *hub_db_feedback_sql(void);

/* Runs sql on conn; logs the driver's message on a failure other than busy. */
am_rc hub_db_run(hub_db *db, void *conn, const char *sql, int n, const char *const *params,
                 hub_row_fn fn, void *ud, int64_t *changes);

/* Runs sql on a borrowed connection; *out (caller owns) is an array of
 * objects keyed by cols. */
am_rc hub_db_query_rows(hub_db *db, const char *sql, int n, const char *const *params,
                        const col *cols, int ncols, cJSON **out);

/* Row callback: counts rows into the int at ud. */
void hub_db_count_rows(void *ud, int ncols, const char *const *values);

/* One statement and, when it wrote a row, the audit entry (NULL: none), in
 * one transaction on a borrowed connection under the write lock; *changes
 * is how many rows the statement wrote (0 when anything failed). */
am_rc hub_db_write_audited(hub_db *db, const char *sql, const char *const *params, int n,
                           const hub_audit_entry *audit, int64_t *changes);

/* One INSERT that may not collide, recorded as audit says (NULL: not);
 * err says "what 'params[0]' already exists" (AM_ERR_INVALID) when no row
 * was written. */
am_rc hub_db_add_unique(hub_db *db, const char *sql, const char *const *params, int n,
                        const char *what, const hub_audit_entry *audit, char *err, size_t errlen);

/* Records e (NULL: nothing) inside the transaction open on conn, so that
 * a change and its audit entry are committed together or not at all.
 * AM_ERR_INVALID for an entry hub_db_audit_add would refuse. */
am_rc hub_db_audit_write(hub_db *db, void *conn, const hub_audit_entry *e);

/* Two token hashes equal, compared in constant time. */
bool hub_db_same_hash(const char *a, const char *b);

#endif
