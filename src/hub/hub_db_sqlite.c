/* hub_db_sqlite.c — the embedded backend: one SQLite file in WAL mode,
 * synchronous=FULL, BEGIN IMMEDIATE for writes, a busy timeout, and a
 * small per-connection cache of prepared statements. */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/log.h"
#include "amends/private_file.h"
#include "hub_db_driver.h"

#define MOD             "db"
#define STMT_CACHE      48
#define BUSY_TIMEOUT_MS 10000

typedef struct sq_conn {
    sqlite3 *db;
    char path[HUB_PATH_MAX];
    struct {
        const char *sql;
        sqlite3_stmt *stmt;
    } cache[STMT_CACHE];
    int cached;
    char err[256];
} sq_conn;

static am_rc sq_connect(const hub_config *cfg, void **out, char *err, size_t errlen)
{
    am_rc rc = AM_ERR;
    sq_conn *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return AM_ERR_NOMEM;
    }
    /* The database holds every kiosk's signing secret and guests' words:
     * made 0600 whatever the umask, and made private if it is not. */
    char note[1200];
    rc = am_private_db_prepare(cfg->db_path, note, sizeof note, err, errlen);
    if (rc)
        goto out;
    if (note[0])
        am_log_warn(MOD, "made the database private: %s", note);
    rc = AM_ERR;
    if (sqlite3_open_v2(cfg->db_path, &c->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", cfg->db_path,
                 c->db ? sqlite3_errmsg(c->db) : "cannot open");
        goto out;
    }
    snprintf(c->path, sizeof c->path, "%s", cfg->db_path);
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
    char *msg = NULL;
    if (sqlite3_exec(c->db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
                     NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", cfg->db_path, msg ? msg : sqlite3_errmsg(c->db));
        sqlite3_free(msg);
        goto out;
    }
    *out = c;
    c = NULL;
    rc = AM_OK;
out:
    if (c) {
        sqlite3_close(c->db);
        free(c);
    }
    return rc;
}

static void sq_disconnect(void *conn)
{
    sq_conn *c = conn;
    if (!c)
        return;
    for (int i = 0; i < c->cached; i++)
        sqlite3_finalize(c->cache[i].stmt);
    sqlite3_close(c->db);
    free(c);
}

static am_rc map_error(sq_conn *c, int code)
{
    snprintf(c->err, sizeof c->err, "%s", sqlite3_errmsg(c->db));
    switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return AM_ERR_BUSY;
    case SQLITE_FULL:
        return AM_ERR_FULL;
    default:
        return AM_ERR;
    }
}

static am_rc simple(sq_conn *c, const char *sql)
{
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? AM_OK : map_error(c, rc);
}

static am_rc sq_begin(void *conn)
{
    return simple(conn, "BEGIN IMMEDIATE");
}

static am_rc sq_commit(void *conn)
{
    return simple(conn, "COMMIT");
}

static void sq_rollback(void *conn)
{
    sq_conn *c = conn;
    if (!sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

static sqlite3_stmt *prepare(sq_conn *c, const char *sql, int *rc)
{
    for (int i = 0; i < c->cached; i++) {
        if (c->cache[i].sql == sql)
            return c->cache[i].stmt;
    }
    sqlite3_stmt *stmt = NULL;
    *rc = sqlite3_prepare_v2(c->db, sql, -1, &stmt, NULL);
    if (*rc != SQLITE_OK)
        return NULL;
    if (c->cached < STMT_CACHE) {
        c->cache[c->cached].sql = sql;
        c->cache[c->cached].stmt = stmt;
        c->cached++;
    }
    return stmt;
}

static bool is_cached(const sq_conn *c, const sqlite3_stmt *stmt)
{
    for (int i = 0; i < c->cached; i++) {
        if (c->cache[i].stmt == stmt)
            return true;
    }
    return false;
}

static am_rc sq_exec(void *conn, const char *sql, int nparams, const char *const *params,
                     hub_row_fn fn, void *ud, int64_t *changes)
{
    sq_conn *c = conn;
    int code = SQLITE_OK;
    am_rc rc = AM_OK;
    sqlite3_stmt *stmt = prepare(c, sql, &code);
    if (!stmt)
        return map_error(c, code);
    for (int i = 0; i < nparams; i++) {
        code = params[i] ? sqlite3_bind_text(stmt, i + 1, params[i], -1, SQLITE_STATIC)
                         : sqlite3_bind_null(stmt, i + 1);
        if (code != SQLITE_OK) {
            rc = map_error(c, code);
            goto out;
        }
    }
    const char *values[64];
    while ((code = sqlite3_step(stmt)) == SQLITE_ROW) {
        int ncols = sqlite3_column_count(stmt);
        if (ncols > 64)
            ncols = 64;
        for (int i = 0; i < ncols; i++)
            values[i] = (const char *)sqlite3_column_text(stmt, i);
        if (fn)
            fn(ud, ncols, values);
    }
    if (code != SQLITE_DONE) {
        rc = map_error(c, code);
        goto out;
    }
    if (changes)
        *changes = sqlite3_changes(c->db);
out:
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (!is_cached(c, stmt))
        sqlite3_finalize(stmt);
    return rc;
}

static void sq_describe(void *conn, char *out, size_t outlen)
{
    sq_conn *c = conn;
    snprintf(out, outlen, "SQLite database %s", c->path);
}

static am_rc sq_script(void *conn, const char *sql)
{
    sq_conn *c = conn;
    char *msg = NULL;
    int code = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
    if (code == SQLITE_OK)
        return AM_OK;
    am_rc rc = map_error(c, code);
    if (msg)
        snprintf(c->err, sizeof c->err, "%s", msg);
    sqlite3_free(msg);
    return rc;
}

static const char *sq_errmsg(void *conn)
{
    sq_conn *c = conn;
    return c->err[0] ? c->err : "no error";
}

const hub_driver hub_driver_sqlite = {
    .name = "sqlite",
    .dialect = HUB_DIALECT_SQLITE,
    .schema_lock_sql = NULL,
    .legacy_version_sql = "PRAGMA user_version",
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .describe = sq_describe,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .exec = sq_exec,
    .script = sq_script,
    .errmsg = sq_errmsg,
};
