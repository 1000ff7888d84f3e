/* hub_db_pg.c — the PostgreSQL backend (libpq). Several hubs may share one
 * database: the schema is migrated under an advisory lock, and writes rely
 * on unique keys with ON CONFLICT DO NOTHING. Statements are prepared once
 * per connection; a lost connection is reset and reported as AM_ERR_BUSY
 * so that the caller retries. */
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub_db_driver.h"

#define STMT_CACHE 48
#define SQL_MAX    4096

typedef struct pg_conn {
    PGconn *pg;
    const char *cache[STMT_CACHE]; /* SQL text of statement "sN" */
    int cached;
    char err[256];
} pg_conn;

/* "relation already exists, skipping" and friends are not news. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static am_rc pg_connect(const hub_config *cfg, void **out, char *err, size_t errlen)
{
    *out = NULL;
    pg_conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return AM_ERR_NOMEM;
    }
    c->pg = PQconnectdb(cfg->conninfo);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        /* libpq's message names host and port, never the password. */
        snprintf(err, errlen, "postgresql: %s", c->pg ? PQerrorMessage(c->pg) : "out of memory");
        size_t n = strlen(err);
        while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
            err[--n] = '\0';
        PQfinish(c->pg);
        free(c);
        return AM_ERR;
    }
    PQsetNoticeProcessor(c->pg, quiet, NULL);
    *out = c;
    return AM_OK;
}

static void pg_disconnect(void *conn)
{
    pg_conn *c = conn;
    if (!c)
        return;
    PQfinish(c->pg);
    free(c);
}

static void set_err(pg_conn *c, const PGresult *res)
{
    const char *msg = res ? PQresultErrorMessage(res) : "";
    if (!msg || !*msg)
        msg = PQerrorMessage(c->pg);
    snprintf(c->err, sizeof c->err, "%s", msg);
    size_t n = strlen(c->err);
    while (n > 0 && c->err[n - 1] == '\n')
        c->err[--n] = '\0';
}

/* Deadlocks, serialization failures and lost connections go away when the
 * transaction is tried again. */
static am_rc map_error(pg_conn *c, const PGresult *res)
{
    set_err(c, res);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        PQreset(c->pg);
        c->cached = 0; /* prepared statements died with the session */
        return AM_ERR_BUSY;
    }
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03") ||
                  !strncmp(state, "57P", 3)))
        return AM_ERR_BUSY;
    if (state && !strcmp(state, "53100"))
        return AM_ERR_FULL;
    return AM_ERR;
}

static am_rc simple(pg_conn *c, const char *sql)
{
    PGresult *res = PQexec(c->pg, sql);
    am_rc rc = PQresultStatus(res) == PGRES_COMMAND_OK ? AM_OK : map_error(c, res);
    PQclear(res);
    return rc;
}

static am_rc pg_begin(void *conn)
{
    return simple(conn, "BEGIN");
}

static am_rc pg_commit(void *conn)
{
    return simple(conn, "COMMIT");
}

static void pg_rollback(void *conn)
{
    pg_conn *c = conn;
    if (PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        PQclear(PQexec(c->pg, "ROLLBACK"));
}

/* ?N placeholders become $N outside string literals. */
static bool rewrite(const char *sql, char *out, size_t outlen)
{
    size_t o = 0;
    bool quoted = false;
    for (const char *p = sql; *p; p++) {
        if (o + 2 >= outlen)
            return false;
        if (*p == '\'')
            quoted = !quoted;
        out[o++] = (!quoted && *p == '?' && p[1] >= '0' && p[1] <= '9') ? '$' : *p;
    }
    out[o] = '\0';
    return true;
}

/* The name of the prepared statement for sql, preparing it if needed;
 * NULL when the cache is full (the statement then runs unprepared). */
static am_rc statement(pg_conn *c, const char *sql, const char *text, char *name, size_t namelen,
                       bool *prepared)
{
    *prepared = false;
    for (int i = 0; i < c->cached; i++) {
        if (c->cache[i] == sql) {
            snprintf(name, namelen, "s%d", i);
            *prepared = true;
            return AM_OK;
        }
    }
    if (c->cached >= STMT_CACHE)
        return AM_OK;
    snprintf(name, namelen, "s%d", c->cached);
    PGresult *res = PQprepare(c->pg, name, text, 0, NULL);
    am_rc rc = AM_OK;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = map_error(c, res);
    } else {
        c->cache[c->cached++] = sql;
        *prepared = true;
    }
    PQclear(res);
    return rc;
}

static am_rc pg_exec(void *conn, const char *sql, int nparams, const char *const *params,
                     hub_row_fn fn, void *ud, int64_t *changes)
{
    pg_conn *c = conn;
    char text[SQL_MAX];
    char name[16];
    bool prepared;
    if (!rewrite(sql, text, sizeof text)) {
        snprintf(c->err, sizeof c->err, "statement longer than %d bytes", SQL_MAX);
        return AM_ERR;
    }
    am_rc rc = statement(c, sql, text, name, sizeof name, &prepared);
    if (rc)
        return rc;
    PGresult *res = prepared ? PQexecPrepared(c->pg, name, nparams, params, NULL, NULL, 0)
                             : PQexecParams(c->pg, text, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        rc = map_error(c, res);
        PQclear(res);
        return rc;
    }
    if (fn && st == PGRES_TUPLES_OK) {
        int ncols = PQnfields(res);
        if (ncols > 64)
            ncols = 64;
        const char *values[64];
        for (int row = 0; row < PQntuples(res); row++) {
            for (int i = 0; i < ncols; i++)
                values[i] = PQgetisnull(res, row, i) ? NULL : PQgetvalue(res, row, i);
            fn(ud, ncols, values);
        }
    }
    if (changes) {
        const char *n = PQcmdTuples(res);
        *changes = (n && *n) ? strtoll(n, NULL, 10) : 0;
    }
    PQclear(res);
    return AM_OK;
}

static void pg_describe(void *conn, char *out, size_t outlen)
{
    pg_conn *c = conn;
    const char *host = PQhost(c->pg);
    snprintf(out, outlen, "postgresql database %s on %s:%s", PQdb(c->pg),
             host && *host ? host : "(default)", PQport(c->pg));
}

static am_rc pg_script(void *conn, const char *sql)
{
    pg_conn *c = conn;
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType st = PQresultStatus(res);
    am_rc rc = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? AM_OK : map_error(c, res);
    PQclear(res);
    return rc;
}

static const char *pg_errmsg(void *conn)
{
    pg_conn *c = conn;
    return c->err[0] ? c->err : "no error";
}

const hub_driver hub_driver_pg = {
    .name = "postgresql",
    .dialect = HUB_DIALECT_PG,
    /* The key 0.1.0 took its schema lock with: a 0.1.0 hub starting next
     * to this one waits too. */
    .schema_lock_sql = "SELECT pg_advisory_xact_lock(428601)",
    .legacy_version_sql = NULL,
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .describe = pg_describe,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .exec = pg_exec,
    .script = pg_script,
    .errmsg = pg_errmsg,
};
