/* hub_db.c — every query the hub runs, written once over either driver.
 * The handle and its pool of connections are in hub_db_pool.c. */
#include "hub_db.h"

#include <pthread.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amends/log.h"
#include "amends/report.h"
#include "hub_db_driver.h"
#include "hub_db_pool.h"

#define MOD           "db"
#define BUSY_RETRIES  8
#define BATCH_KEEP_MS (INT64_C(7) * 24 * 3600 * 1000) /* Idempotency-Key memory */

/* --- helpers ---------------------------------------------------------------- */

typedef struct num {
    char s[24];
} num;

static num i64(int64_t v)
{
    num n;
    snprintf(n.s, sizeof n.s, "%lld", (long long)v);
    return n;
}

static am_rc run(hub_db *db, void *conn, const char *sql, int n, const char *const *params,
                 hub_row_fn fn, void *ud, int64_t *changes)
{
    am_rc rc = db->drv->exec(conn, sql, n, params, fn, ud, changes);
    if (rc && rc != AM_ERR_BUSY)
        am_log_error(MOD, "%s: %s", db->drv->name, db->drv->errmsg(conn));
    return rc;
}

/* Column description for turning rows into JSON objects. */
typedef enum col_type { COL_TEXT, COL_INT } col_type;
typedef struct col {
    const char *name;
    col_type type;
} col;

typedef struct rows_ctx {
    const col *cols;
    int ncols;
    cJSON *array;
    bool oom;
    int rows;
} rows_ctx;

static void rows_to_json(void *ud, int ncols, const char *const *values)
{
    rows_ctx *ctx = ud;
    ctx->rows++;
    if (ctx->oom)
        return;
    cJSON *obj = cJSON_CreateObject();
    if (!obj || !cJSON_AddItemToArray(ctx->array, obj)) {
        cJSON_Delete(obj);
        ctx->oom = true;
        return;
    }
    for (int i = 0; i < ncols && i < ctx->ncols; i++) {
        cJSON *item;
        if (!values[i])
            item = cJSON_CreateNull();
        else if (ctx->cols[i].type == COL_INT)
            item = cJSON_CreateNumber((double)strtoll(values[i], NULL, 10));
        else
            item = cJSON_CreateString(values[i]);
        if (!item || !cJSON_AddItemToObject(obj, ctx->cols[i].name, item)) {
            cJSON_Delete(item);
            ctx->oom = true;
            return;
        }
    }
}

static am_rc query_rows(hub_db *db, const char *sql, int n, const char *const *params,
                        const col *cols, int ncols, cJSON **out)
{
    int slot;
    rows_ctx ctx = {.cols = cols, .ncols = ncols, .array = cJSON_CreateArray()};
    *out = NULL;
    if (!ctx.array)
        return AM_ERR_NOMEM;
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = run(db, conn, sql, n, params, rows_to_json, &ctx, NULL);
    hub_db_release(db, slot);
    if (!rc && ctx.oom)
        rc = AM_ERR_NOMEM;
    if (rc) {
        cJSON_Delete(ctx.array);
        return rc;
    }
    *out = ctx.array;
    return AM_OK;
}

static void count_rows(void *ud, int ncols, const char *const *values);

/* --- provisioning ------------------------------------------------------------- */

static am_rc add_unique(hub_db *db, const char *sql, const char *const *params, int n,
                        const char *what, char *err, size_t errlen)
{
    int slot;
    int64_t changes = 0;
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = run(db, conn, sql, n, params, NULL, NULL, &changes);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    if (rc) {
        snprintf(err, errlen, "storing the %s failed (see the log)", what);
        return rc;
    }
    if (changes == 0) {
        snprintf(err, errlen, "%s '%s' already exists", what, params[0]);
        return AM_ERR_INVALID;
    }
    return AM_OK;
}

static am_rc site_exists(hub_db *db, const char *site, char *err, size_t errlen)
{
    int slot, found = 0;
    const char *p[] = {site};
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = run(db, conn, "SELECT 1 FROM sites WHERE id = ?1", 1, p, count_rows, &found, NULL);
    hub_db_release(db, slot);
    if (rc) {
        snprintf(err, errlen, "reading the sites failed (see the log)");
        return rc;
    }
    if (!found) {
        snprintf(err, errlen, "no site '%s' (amends-hub site add %s ...)", site, site);
        return AM_ERR_NOTFOUND;
    }
    return AM_OK;
}

am_rc hub_db_kiosk_add(hub_db *db, const char *id, const char *site, const char *token_hash,
                       const char *secret, int64_t now_ms, char *err, size_t errlen)
{
    num now = i64(now_ms);
    const char *p[] = {id, token_hash, secret, now.s, site};
    am_rc rc = site_exists(db, site, err, errlen);
    if (rc)
        return rc;
    /* Sites are never removed, so the site checked above is still there. */
    return add_unique(db,
                      "INSERT INTO kiosks (id, token_hash, secret, created_at, site) "
                      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                      p, 5, "kiosk", err, errlen);
}

am_rc hub_db_manager_add(hub_db *db, const char *name, const char *token_hash, int64_t now_ms,
                         char *err, size_t errlen)
{
    am_rc rc = hub_db_person_add(db, name, HUB_ROLE_ADMIN, NULL, 0, NULL, 0, now_ms, err, errlen);
    if (!rc)
        rc = hub_db_token_add(db, name, token_hash, now_ms, err, errlen);
    return rc;
}

am_rc hub_db_kiosks(hub_db *db, cJSON **out)
{
    static const col cols[] = {
        {"id", COL_TEXT},
        {"created_at", COL_INT},
        {"last_seen", COL_INT},
        {"heartbeat_at", COL_INT},
        {"pending", COL_INT},
        {"quarantined", COL_INT},
        {"last_error", COL_TEXT},
        {"version", COL_TEXT},
        {"uptime_s", COL_INT},
        {"open_alerts", COL_INT},
        {"feedback", COL_INT},
        /* null until a heartbeat carries the kiosk's budget */
        {"budget_currency", COL_TEXT},
        {"budget_daily_minor", COL_INT},
        {"budget_hourly_offers", COL_INT},
        {"spent_today_minor", COL_INT},
        {"offers_last_hour", COL_INT},
        {"site", COL_TEXT},
        {"timezone", COL_TEXT},
        {"currency", COL_TEXT},
        {"disabled_at", COL_INT},
        {"prev_until", COL_INT},
    };
    return query_rows(
        db,
        "SELECT k.id, k.created_at, k.last_seen, k.heartbeat_at, k.pending, "
        "k.quarantined, k.last_error, k.version, k.uptime_s, "
        "(SELECT COUNT(*) FROM alerts a WHERE a.kiosk = k.id AND a.acked_at IS NULL), "
        "(SELECT COUNT(*) FROM feedback f WHERE f.kiosk = k.id), "
        "k.budget_currency, k.budget_daily_minor, k.budget_hourly_offers, "
        "k.spent_today_minor, k.offers_last_hour, k.site, s.timezone, s.currency, "
        "k.disabled_at, k.prev_until "
        "FROM kiosks k LEFT JOIN sites s ON s.id = k.site ORDER BY k.id",
        0, NULL, cols, (int)(sizeof cols / sizeof cols[0]), out);
}

/* --- sites and teams ------------------------------------------------------------ */

am_rc hub_db_site_add(hub_db *db, const char *id, const char *name, const char *timezone,
                      const char *currency, int64_t now_ms, char *err, size_t errlen)
{
    num now = i64(now_ms);
    const char *p[] = {id, name, timezone, currency, now.s};
    return add_unique(db,
                      "INSERT INTO sites (id, name, timezone, currency, created_at) "
                      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                      p, 5, "site", err, errlen);
}

am_rc hub_db_site_set(hub_db *db, const char *id, const char *name, const char *timezone,
                      const char *currency, char *err, size_t errlen)
{
    int slot;
    int64_t changes = 0;
    const char *p[] = {id, name, timezone, currency};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = run(db, conn,
                   "UPDATE sites SET name = COALESCE(?2, name), timezone = COALESCE(?3, timezone), "
                   "currency = COALESCE(?4, currency) WHERE id = ?1",
                   4, p, NULL, NULL, &changes);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    if (rc) {
        snprintf(err, errlen, "storing the site failed (see the log)");
        return rc;
    }
    if (changes == 0) {
        snprintf(err, errlen, "no site '%s'", id);
        return AM_ERR_NOTFOUND;
    }
    return AM_OK;
}

am_rc hub_db_sites(hub_db *db, cJSON **out)
{
    static const col site_cols[] = {
        {"id", COL_TEXT},       {"name", COL_TEXT},  {"timezone", COL_TEXT},
        {"currency", COL_TEXT}, {"kiosks", COL_INT},
    };
    static const col team_cols[] = {{"site", COL_TEXT}, {"id", COL_TEXT}, {"name", COL_TEXT}};
    cJSON *sites = NULL, *teams = NULL;
    *out = NULL;
    am_rc rc = query_rows(db,
                          "SELECT s.id, s.name, s.timezone, s.currency, "
                          "(SELECT COUNT(*) FROM kiosks k WHERE k.site = s.id) "
                          "FROM sites s ORDER BY s.id",
                          0, NULL, site_cols, 5, &sites);
    if (!rc)
        rc = query_rows(db, "SELECT site, id, name FROM teams ORDER BY site, id", 0, NULL,
                        team_cols, 3, &teams);
    if (rc)
        goto out;
    cJSON *site;
    cJSON_ArrayForEach(site, sites)
    {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(site, "id"));
        cJSON *list = cJSON_AddArrayToObject(site, "teams");
        if (!list || !id) {
            rc = AM_ERR_NOMEM;
            goto out;
        }
        for (cJSON *t = teams ? teams->child : NULL, *next; t; t = next) {
            next = t->next;
            cJSON *of = cJSON_GetObjectItemCaseSensitive(t, "site");
            if (!cJSON_IsString(of) || strcmp(of->valuestring, id) != 0)
                continue;
            cJSON_DeleteItemFromObjectCaseSensitive(t, "site");
            cJSON_AddItemToArray(list, cJSON_DetachItemViaPointer(teams, t));
        }
    }
    *out = sites;
    sites = NULL;
out:
    cJSON_Delete(sites);
    cJSON_Delete(teams);
    return rc;
}

am_rc hub_db_team_add(hub_db *db, const char *site, const char *id, const char *name,
                      int64_t now_ms, char *err, size_t errlen)
{
    num now = i64(now_ms);
    const char *p[] = {id, site, name, now.s};
    am_rc rc = site_exists(db, site, err, errlen);
    if (rc)
        return rc;
    rc = add_unique(db,
                    "INSERT INTO teams (id, site, name, created_at) "
                    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                    p, 4, "team", err, errlen);
    if (rc == AM_ERR_INVALID)
        snprintf(err, errlen, "site '%s' has a team '%s' already", site, id);
    return rc;
}

/* --- authentication -------------------------------------------------------------- */

/* A kiosk row as hub_db_kiosk_by_token reads it: id, token_hash, secret,
 * prev_token_hash, prev_secret, prev_until, disabled_at. */
typedef struct kiosk_row {
    char id[AM_KIOSK_ID_MAX];
    char hash[65], secret[AM_WEBHOOK_SECRET_MAX];
    char prev_hash[65], prev_secret[AM_WEBHOOK_SECRET_MAX];
    int64_t prev_until;
    bool disabled;
    int rows;
} kiosk_row;

static void on_kiosk(void *ud, int ncols, const char *const *v)
{
    kiosk_row *row = ud;
    if (ncols < 7 || !v[0] || !v[1] || !v[2])
        return;
    row->rows++;
    snprintf(row->id, sizeof row->id, "%s", v[0]);
    snprintf(row->hash, sizeof row->hash, "%s", v[1]);
    snprintf(row->secret, sizeof row->secret, "%s", v[2]);
    snprintf(row->prev_hash, sizeof row->prev_hash, "%s", v[3] ? v[3] : "");
    snprintf(row->prev_secret, sizeof row->prev_secret, "%s", v[4] ? v[4] : "");
    row->prev_until = v[5] ? strtoll(v[5], NULL, 10) : 0;
    row->disabled = v[6] != NULL;
}

/* The database finds the row by hash; comparing again in constant time
 * keeps timing from saying anything about how close a guess came, whatever
 * the database's own comparison does. */
static bool same_hash(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    return la == 64 && lb == 64 && sodium_memcmp(a, b, 64) == 0;
}

am_rc hub_db_kiosk_by_token(hub_db *db, const char *token_hash, int64_t now_ms, hub_kiosk *out)
{
    int slot;
    kiosk_row row = {.rows = 0};
    num now = i64(now_ms);
    const char *p[] = {token_hash, now.s};
    memset(out, 0, sizeof *out);
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = run(db, conn,
                   "SELECT id, token_hash, secret, prev_token_hash, prev_secret, prev_until, "
                   "disabled_at FROM kiosks WHERE token_hash = ?1 "
                   "OR (prev_token_hash = ?1 AND prev_until > CAST(?2 AS BIGINT))",
                   2, p, on_kiosk, &row, NULL);
    hub_db_release(db, slot);
    if (rc)
        goto out;
    /* The overlap is open while prev_until is after now (checked again
     * here: the row may have matched by its current token). */
    bool overlap = row.prev_hash[0] && row.prev_secret[0] && row.prev_until > now_ms;
    rc = AM_ERR_NOTFOUND;
    if (row.rows != 1)
        goto out;
    snprintf(out->id, sizeof out->id, "%s", row.id);
    out->disabled = row.disabled;
    if (same_hash(row.hash, token_hash)) {
        snprintf(out->token_hash, sizeof out->token_hash, "%s", row.hash);
        snprintf(out->secret, sizeof out->secret, "%s", row.secret);
        if (overlap)
            snprintf(out->prev_secret, sizeof out->prev_secret, "%s", row.prev_secret);
        rc = AM_OK;
    } else if (overlap && same_hash(row.prev_hash, token_hash)) {
        snprintf(out->token_hash, sizeof out->token_hash, "%s", row.prev_hash);
        snprintf(out->secret, sizeof out->secret, "%s", row.prev_secret);
        snprintf(out->prev_secret, sizeof out->prev_secret, "%s", row.secret);
        rc = AM_OK;
    }
out:
    if (rc)
        sodium_memzero(out, sizeof *out);
    sodium_memzero(&row, sizeof row);
    return rc;
}

/* One UPDATE of one kiosk; AM_ERR_NOTFOUND (err says so) when no row
 * changed. */
static am_rc kiosk_update(hub_db *db, const char *sql, const char *const *params, int n,
                          const char *what, char *err, size_t errlen)
{
    int slot;
    int64_t changes = 0;
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = run(db, conn, sql, n, params, NULL, NULL, &changes);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    if (rc) {
        snprintf(err, errlen, "%s failed (see the log)", what);
        return rc;
    }
    if (changes == 0) {
        snprintf(err, errlen, "no kiosk '%s' (amends-hub kiosk list)", params[0]);
        return AM_ERR_NOTFOUND;
    }
    return AM_OK;
}

am_rc hub_db_kiosk_rotate(hub_db *db, const char *id, const char *token_hash, const char *secret,
                          int64_t prev_until_ms, char *err, size_t errlen)
{
    num until = i64(prev_until_ms);
    const char *p[] = {id, token_hash, secret, until.s};
    return kiosk_update(db,
                        "UPDATE kiosks SET prev_token_hash = token_hash, prev_secret = secret, "
                        "prev_until = CAST(?4 AS BIGINT), token_hash = ?2, secret = ?3 "
                        "WHERE id = ?1",
                        p, 4, "storing the new credentials", err, errlen);
}

am_rc hub_db_kiosk_disable(hub_db *db, const char *id, bool disabled, int64_t now_ms, char *err,
                           size_t errlen)
{
    num now = i64(now_ms);
    const char *p[] = {id, now.s};
    if (disabled)
        return kiosk_update(db,
                            "UPDATE kiosks SET disabled_at = COALESCE(disabled_at, "
                            "CAST(?2 AS BIGINT)) WHERE id = ?1",
                            p, 2, "disabling the kiosk", err, errlen);
    return kiosk_update(db, "UPDATE kiosks SET disabled_at = NULL WHERE id = ?1", p, 1,
                        "enabling the kiosk", err, errlen);
}

am_rc hub_db_kiosk_remove(hub_db *db, const char *id, char *err, size_t errlen)
{
    int slot, found = 0;
    int64_t changes = 0;
    const char *p[] = {id};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = run(db, conn, "DELETE FROM kiosks WHERE id = ?1 AND disabled_at IS NOT NULL", 1, p,
                   NULL, NULL, &changes);
    if (!rc && changes == 0)
        rc = run(db, conn, "SELECT 1 FROM kiosks WHERE id = ?1", 1, p, count_rows, &found, NULL);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    if (rc)
        snprintf(err, errlen, "removing the kiosk failed (see the log)");
    else if (changes == 0 && found)
        snprintf(err, errlen,
                 "kiosk '%s' is not disabled: run 'amends-hub kiosk disable %s' first, so that "
                 "it is refused before it is gone",
                 id, id);
    else if (changes == 0)
        snprintf(err, errlen, "no kiosk '%s' (amends-hub kiosk list)", id);
    if (rc)
        return rc;
    if (changes == 0)
        return found ? AM_ERR_INVALID : AM_ERR_NOTFOUND;
    return AM_OK;
}

typedef struct manager_row {
    char name[128];
    char hash[65];
    int rows;
} manager_row;

static void on_manager(void *ud, int ncols, const char *const *v)
{
    manager_row *row = ud;
    if (ncols < 2 || !v[0] || !v[1])
        return;
    row->rows++;
    snprintf(row->name, sizeof row->name, "%s", v[0]);
    snprintf(row->hash, sizeof row->hash, "%s", v[1]);
}

am_rc hub_db_manager_by_token(hub_db *db, const char *token_hash, char *name, size_t namelen)
{
    int slot;
    manager_row row = {.rows = 0};
    const char *p[] = {token_hash};
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = run(db, conn, "SELECT person, token_hash FROM api_tokens WHERE token_hash = ?1", 1,
                   p, on_manager, &row, NULL);
    hub_db_release(db, slot);
    if (rc)
        return rc;
    if (row.rows != 1 || !same_hash(row.hash, token_hash))
        return AM_ERR_NOTFOUND;
    snprintf(name, namelen, "%s", row.name);
    return AM_OK;
}

/* --- people ----------------------------------------------------------------------- */

/* Runs sql (params p, n) inside the open transaction; AM_ERR_NOTFOUND
 * when it wrote no row. */
static am_rc write_one(hub_db *db, void *conn, const char *sql, int n, const char *const *p)
{
    int64_t changes = 0;
    am_rc rc = run(db, conn, sql, n, p, NULL, NULL, &changes);
    return rc ? rc : changes == 1 ? AM_OK : AM_ERR_NOTFOUND;
}

am_rc hub_db_person_add(hub_db *db, const char *name, hub_role role, const char *const *sites,
                        size_t nsites, const char *const *teams, size_t nteams, int64_t now_ms,
                        char *err, size_t errlen)
{
    int slot;
    num now = i64(now_ms);
    const char *p[] = {name, hub_role_name(role), now.s};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = db->drv->begin(conn);
    if (rc)
        goto out;
    rc = write_one(db, conn,
                   "INSERT INTO people (name, role, created_at) VALUES (?1, ?2, ?3) "
                   "ON CONFLICT DO NOTHING",
                   3, p);
    if (rc == AM_ERR_NOTFOUND) {
        snprintf(err, errlen, "person '%s' already exists", name);
        rc = AM_ERR_INVALID;
        goto out;
    }
    for (size_t i = 0; !rc && i < nsites; i++) {
        const char *q[] = {name, sites[i]};
        rc = write_one(db, conn,
                       "INSERT INTO person_scopes (person, site, team) "
                       "SELECT ?1, id, '' FROM sites WHERE id = ?2 ON CONFLICT DO NOTHING",
                       2, q);
        if (rc == AM_ERR_NOTFOUND)
            snprintf(err, errlen, "no site '%s' (or given twice)", sites[i]);
    }
    for (size_t i = 0; !rc && i < nteams; i++) {
        char site[AM_KIOSK_ID_MAX];
        const char *slash = strchr(teams[i], '/');
        size_t n = slash ? (size_t)(slash - teams[i]) : 0;
        if (!slash || n == 0 || n >= sizeof site) {
            snprintf(err, errlen, "team '%s' is not SITE/TEAM", teams[i]);
            rc = AM_ERR_INVALID;
            break;
        }
        memcpy(site, teams[i], n);
        site[n] = '\0';
        const char *q[] = {name, site, slash + 1};
        rc = write_one(db, conn,
                       "INSERT INTO person_scopes (person, site, team) "
                       "SELECT ?1, site, id FROM teams WHERE site = ?2 AND id = ?3 "
                       "ON CONFLICT DO NOTHING",
                       3, q);
        if (rc == AM_ERR_NOTFOUND)
            snprintf(err, errlen, "no team '%s' (or given twice)", teams[i]);
    }
    if (!rc)
        rc = db->drv->commit(conn);
    else if (rc != AM_ERR_NOTFOUND && rc != AM_ERR_INVALID)
        snprintf(err, errlen, "storing the person failed (see the log)");
out:
    if (rc)
        db->drv->rollback(conn);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    return rc == AM_ERR_NOTFOUND ? AM_ERR_INVALID : rc;
}

am_rc hub_db_token_add(hub_db *db, const char *person, const char *token_hash, int64_t now_ms,
                       char *err, size_t errlen)
{
    int slot;
    num now = i64(now_ms);
    const char *p[] = {token_hash, person, now.s};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = write_one(db, conn,
                         "INSERT INTO api_tokens (token_hash, person, created_at) "
                         "SELECT ?1, name, ?3 FROM people WHERE name = ?2",
                         3, p);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    if (rc == AM_ERR_NOTFOUND)
        snprintf(err, errlen, "no person '%s' (amends-hub person add %s ...)", person, person);
    else if (rc)
        snprintf(err, errlen, "storing the token failed (see the log)");
    return rc;
}

typedef struct person_row {
    hub_person *p;
    int rows;
    bool bad_role;
} person_row;

static void on_person(void *ud, int ncols, const char *const *v)
{
    person_row *row = ud;
    if (ncols < 2 || !v[0] || !v[1])
        return;
    row->rows++;
    snprintf(row->p->name, sizeof row->p->name, "%s", v[0]);
    row->bad_role = hub_role_parse(v[1], &row->p->role) != 0;
}

static void on_scope(void *ud, int ncols, const char *const *v)
{
    hub_person *p = ud;
    if (ncols < 2 || !v[0] || !v[1])
        return;
    bool known = false;
    for (size_t i = 0; i < p->nsites && !known; i++)
        known = !strcmp(p->sites[i], v[0]);
    if (!known && p->nsites < HUB_SCOPE_MAX)
        snprintf(p->sites[p->nsites++], sizeof p->sites[0], "%s", v[0]);
    if (v[1][0] && p->nteams < HUB_SCOPE_MAX) {
        snprintf(p->teams[p->nteams].site, sizeof p->teams[0].site, "%s", v[0]);
        snprintf(p->teams[p->nteams].team, sizeof p->teams[0].team, "%s", v[1]);
        p->nteams++;
    }
}

am_rc hub_db_person_get(hub_db *db, const char *name, hub_person *out)
{
    int slot;
    person_row row = {.p = out};
    const char *p[] = {name};
    memset(out, 0, sizeof *out);
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc =
        run(db, conn, "SELECT name, role FROM people WHERE name = ?1", 1, p, on_person, &row, NULL);
    if (!rc && row.rows == 1 && !row.bad_role)
        rc = run(db, conn,
                 "SELECT site, team FROM person_scopes WHERE person = ?1 ORDER BY site, team", 1, p,
                 on_scope, out, NULL);
    hub_db_release(db, slot);
    if (rc)
        return rc;
    if (row.rows != 1 || row.bad_role) {
        /* An unknown role in the database grants nothing. */
        memset(out, 0, sizeof *out);
        return AM_ERR_NOTFOUND;
    }
    return AM_OK;
}

am_rc hub_db_person_by_token(hub_db *db, const char *token_hash, hub_person *out)
{
    char name[HUB_NAME_MAX];
    am_rc rc = hub_db_manager_by_token(db, token_hash, name, sizeof name);
    if (rc) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    return hub_db_person_get(db, name, out);
}

am_rc hub_db_people(hub_db *db, cJSON **out)
{
    static const col cols[] = {{"name", COL_TEXT}, {"role", COL_TEXT}, {"created_at", COL_INT}};
    static const col scope_cols[] = {{"person", COL_TEXT}, {"site", COL_TEXT}, {"team", COL_TEXT}};
    cJSON *people = NULL, *scopes = NULL;
    am_rc rc = query_rows(db, "SELECT name, role, created_at FROM people ORDER BY name", 0, NULL,
                          cols, 3, &people);
    if (!rc)
        rc = query_rows(db, "SELECT person, site, team FROM person_scopes ORDER BY site, team", 0,
                        NULL, scope_cols, 3, &scopes);
    cJSON *person, *list = rc ? NULL : people;
    cJSON_ArrayForEach(person, list)
    {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(person, "name"));
        cJSON *sites = cJSON_AddArrayToObject(person, "sites");
        cJSON *teams = cJSON_AddArrayToObject(person, "teams");
        if (!name || !sites || !teams) {
            rc = AM_ERR_NOMEM;
            break;
        }
        const cJSON *sc;
        cJSON_ArrayForEach(sc, scopes)
        {
            const char *who = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sc, "person"));
            const char *site = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sc, "site"));
            const char *team = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sc, "team"));
            if (!who || !site || !team || strcmp(who, name) != 0)
                continue;
            if (!*team) {
                cJSON_AddItemToArray(sites, cJSON_CreateString(site));
            } else {
                char both[2 * AM_KIOSK_ID_MAX + 1];
                snprintf(both, sizeof both, "%s/%s", site, team);
                cJSON_AddItemToArray(teams, cJSON_CreateString(both));
            }
        }
    }
    cJSON_Delete(scopes);
    if (rc) {
        cJSON_Delete(people);
        return rc;
    }
    *out = people;
    return AM_OK;
}

typedef struct site_row {
    char *site;
    size_t len;
    int rows;
} site_row;

static void on_site(void *ud, int ncols, const char *const *v)
{
    site_row *row = ud;
    if (ncols < 1 || !v[0])
        return;
    row->rows++;
    snprintf(row->site, row->len, "%s", v[0]);
}

static am_rc site_of(hub_db *db, const char *sql, const char *id, char *site, size_t len)
{
    int slot;
    site_row row = {.site = site, .len = len};
    const char *p[] = {id};
    site[0] = '\0';
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = run(db, conn, sql, 1, p, on_site, &row, NULL);
    hub_db_release(db, slot);
    if (rc)
        return rc;
    return row.rows == 1 ? AM_OK : AM_ERR_NOTFOUND;
}

am_rc hub_db_kiosk_site(hub_db *db, const char *kiosk, char *site, size_t len)
{
    return site_of(db, "SELECT site FROM kiosks WHERE id = ?1", kiosk, site, len);
}

am_rc hub_db_alert_site(hub_db *db, const char *alert, char *site, size_t len)
{
    return site_of(db,
                   "SELECT k.site FROM alerts a JOIN kiosks k ON k.id = a.kiosk WHERE a.id = ?1",
                   alert, site, len);
}

/* --- ingest ---------------------------------------------------------------------- */

/* Now and then forget webhook-ids too old to pass the timestamp check
 * anyway, and answers past the idempotency window. */
static void purge_old(hub_db *db, void *conn, int64_t now_ms, int64_t keep_ms)
{
    if ((atomic_fetch_add(&db->purge_tick, 1) % 512) != 0)
        return;
    num cutoff = i64(now_ms - keep_ms), batch_cutoff = i64(now_ms - BATCH_KEEP_MS);
    const char *q[] = {cutoff.s};
    const char *r[] = {batch_cutoff.s};
    run(db, conn, "DELETE FROM webhook_ids WHERE seen_at < ?1", 1, q, NULL, NULL, NULL);
    run(db, conn, "DELETE FROM batches WHERE received_at < ?1", 1, r, NULL, NULL, NULL);
}

typedef struct replay_row {
    int status;
    char *body;
    bool oom;
    bool other_body; /* the batch came with another body (NULL hash: not known) */
    const char *body_hash;
} replay_row;

static void on_replay(void *ud, int ncols, const char *const *v)
{
    replay_row *row = ud;
    if (ncols < 3 || !v[0] || !v[1] || row->body)
        return;
    row->status = (int)strtol(v[0], NULL, 10);
    row->body = strdup(v[1]);
    row->oom = !row->body;
    row->other_body = v[2] && strcmp(v[2], row->body_hash) != 0;
}

typedef struct seen_row {
    const char *body_hash;
    bool same; /* the webhook-id came with this very body before */
} seen_row;

static void on_seen(void *ud, int ncols, const char *const *v)
{
    seen_row *row = ud;
    row->same = ncols >= 1 && v[0] && strcmp(v[0], row->body_hash) == 0;
}

/* --- feedback: the report's fields come from its table (amends/report.h) --- */

/* id, kiosk, batch, received_at, created_at, closed_at, outcome. */
#define FEEDBACK_HEAD_PARAMS 7
#define FEEDBACK_SQL_MAX     2048

typedef struct feedback_sql {
    char insert[FEEDBACK_SQL_MAX];
    char select[FEEDBACK_SQL_MAX]; /* every column, then the filter of hub_db_feedback */
    col cols[6 + AM_REPORT_FIELDS_MAX];
    int ncols;
    const char *names[6 + AM_REPORT_FIELDS_MAX + 1]; /* NULL-terminated */
} feedback_sql;

static feedback_sql feedback_sql_built;
static pthread_once_t feedback_sql_once = PTHREAD_ONCE_INIT;

static void sql_add(char *sql, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sql_add(char *sql, const char *fmt, ...)
{
    size_t len = strlen(sql);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql + len, FEEDBACK_SQL_MAX - len, fmt, ap);
    va_end(ap);
}

static void feedback_sql_build(void)
{
    static const col head[] = {{"id", COL_TEXT},         {"kiosk", COL_TEXT},
                               {"received_at", COL_INT}, {"created_at", COL_INT},
                               {"closed_at", COL_INT},   {"outcome", COL_TEXT}};
    feedback_sql *f = &feedback_sql_built;
    int n = 0;
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        f->cols[n++] = head[i];
    for (size_t i = 0; i < am_report_field_count; i++)
        f->cols[n++] =
            (col){am_report_fields[i].name,
                  am_report_kind_is_number(am_report_fields[i].kind) ? COL_INT : COL_TEXT};
    f->ncols = n;
    sql_add(f->insert, "INSERT INTO feedback (id, kiosk, batch, received_at, created_at, "
                       "closed_at, outcome");
    sql_add(f->select, "SELECT ");
    for (int c = 0; c < n; c++) {
        f->names[c] = f->cols[c].name;
        sql_add(f->select, "%s%s", c ? ", " : "", f->cols[c].name);
    }
    f->names[n] = NULL;
    for (size_t i = 0; i < am_report_field_count; i++)
        sql_add(f->insert, ", %s", am_report_fields[i].name);
    sql_add(f->insert, ") VALUES (?1");
    for (size_t i = 2; i <= FEEDBACK_HEAD_PARAMS + am_report_field_count; i++)
        sql_add(f->insert, ", ?%zu", i);
    sql_add(f->insert, ") ON CONFLICT DO NOTHING");
    sql_add(f->select, " FROM feedback "
                       "WHERE (CAST(?1 AS TEXT) = '' OR kiosk = ?1) "
                       "AND closed_at >= CAST(?2 AS BIGINT) "
                       "AND (CAST(?3 AS TEXT) = '' OR category = ?3) "
                       "AND (CAST(?4 AS TEXT) = '' OR outcome = ?4) "
                       "AND (CAST(?6 AS BIGINT) = 0 OR kiosk IN (SELECT id FROM kiosks WHERE "
                       "site IN (?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
                       "?20, ?21, ?22))) "
                       "ORDER BY closed_at, id LIMIT CAST(?5 AS BIGINT)");
}

static const feedback_sql *feedback_sql_get(void)
{
    pthread_once(&feedback_sql_once, feedback_sql_build);
    return &feedback_sql_built;
}

const char *const *hub_db_feedback_columns(void)
{
    return feedback_sql_get()->names;
}

static am_rc insert_record(hub_db *db, void *conn, const am_proto_batch *b,
                           const am_proto_record *r, const char *now, am_proto_status *status)
{
    int64_t changes = 0;
    am_rc rc;
    if (r->kind == AM_PROTO_FEEDBACK) {
        const am_proto_feedback *fb = &r->u.feedback;
        const am_report *rp = &fb->report;
        num created = i64(fb->created_at), closed = i64(fb->closed_at);
        const char *p[FEEDBACK_HEAD_PARAMS + AM_REPORT_FIELDS_MAX] = {
            r->id, r->kiosk, b->batch, now, created.s, closed.s, am_outcome_name(rp->outcome)};
        char numbers[AM_REPORT_FIELDS_MAX][24];
        for (size_t i = 0; i < am_report_field_count; i++)
            p[FEEDBACK_HEAD_PARAMS + i] =
                am_report_value_text(rp, &am_report_fields[i], numbers[i], sizeof numbers[i]);
        const feedback_sql *sql = feedback_sql_get();
        rc = run(db, conn, sql->insert, FEEDBACK_HEAD_PARAMS + (int)am_report_field_count, p, NULL,
                 NULL, &changes);
        *status = changes ? AM_PROTO_STORED : AM_PROTO_DUPLICATE;
        return rc;
    }
    if (r->kind == AM_PROTO_ALERT) {
        const am_proto_alert *al = &r->u.alert;
        num raised = i64(al->raised_at);
        const char *p[] = {r->id,
                           r->kiosk,
                           b->batch,
                           now,
                           al->journey[0] ? al->journey : NULL,
                           am_alert_reason_name(al->reason),
                           al->category,
                           am_severity_name(al->severity),
                           raised.s};
        rc = run(db, conn,
                 "INSERT INTO alerts (id, kiosk, batch, received_at, journey, reason, category, "
                 "severity, raised_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                 "ON CONFLICT DO NOTHING",
                 9, p, NULL, NULL, &changes);
        *status = changes ? AM_PROTO_STORED : AM_PROTO_DUPLICATE;
        return rc;
    }
    if (r->kind == AM_PROTO_VOUCHER) {
        /* Keyed by code, id and (kiosk, serial): a resent voucher is a
         * duplicate whichever of them it repeats. */
        const am_proto_voucher *vo = &r->u.voucher;
        num serial = i64(vo->serial), value = i64(vo->value_minor), issued = i64(vo->issued_at),
            expires = i64(vo->expires_at);
        const char *p[] = {vo->code, r->id,     r->kiosk, b->batch, now,      vo->journey,
                           serial.s, vo->offer, value.s,  issued.s, expires.s};
        rc = run(db, conn,
                 "INSERT INTO vouchers (code, id, kiosk, batch, received_at, journey, serial, "
                 "offer, value_minor, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                 "?8, ?9, ?10, ?11) ON CONFLICT DO NOTHING",
                 11, p, NULL, NULL, &changes);
        *status = changes ? AM_PROTO_STORED : AM_PROTO_DUPLICATE;
        return rc;
    }
    /* A heartbeat is a state, not an event: the newest one wins and an
     * older one arriving late changes nothing, but either settles. */
    const am_proto_heartbeat *hb = &r->u.heartbeat;
    num sent = i64(hb->sent_at), pending = i64(hb->pending), quarantined = i64(hb->quarantined),
        uptime = i64(hb->uptime_s), daily = i64(hb->budget_daily_minor),
        hourly = i64(hb->budget_hourly_offers), spent = i64(hb->spent_today_minor),
        offers = i64(hb->offers_last_hour);
    /* The budget is part of the newest heartbeat's state: one without a
     * budget (an older kiosk) clears it rather than leaving a stale one. */
    bool bud = hb->has_budget;
    const char *p[] = {r->kiosk,
                       sent.s,
                       pending.s,
                       quarantined.s,
                       hb->last_error,
                       hb->version,
                       uptime.s,
                       bud ? hb->budget_currency : NULL,
                       bud ? daily.s : NULL,
                       bud ? hourly.s : NULL,
                       bud ? spent.s : NULL,
                       bud ? offers.s : NULL};
    rc = run(db, conn,
             "UPDATE kiosks SET heartbeat_at = ?2, pending = ?3, quarantined = ?4, "
             "last_error = ?5, version = ?6, uptime_s = ?7, budget_currency = ?8, "
             "budget_daily_minor = ?9, budget_hourly_offers = ?10, spent_today_minor = ?11, "
             "offers_last_hour = ?12 "
             "WHERE id = ?1 AND (heartbeat_at IS NULL OR heartbeat_at <= ?2)",
             12, p, NULL, NULL, NULL);
    *status = AM_PROTO_STORED;
    return rc;
}

static am_rc ingest_once(hub_db *db, void *conn, const am_proto_batch *b, const char *msg_id,
                         const char *body_hash, int64_t now_ms, hub_ingest_result *out)
{
    am_proto_response *resp = NULL;
    char *body = NULL;
    int64_t changes = 0;
    num now = i64(now_ms);
    am_rc rc = db->drv->begin(conn);
    if (rc) {
        if (rc != AM_ERR_BUSY)
            am_log_error(MOD, "%s: begin: %s", db->drv->name, db->drv->errmsg(conn));
        return rc;
    }
    {
        /* The webhook-id first. Seen before with this very body, it is the
         * same request again (libcurl resends a request whose kept-alive
         * connection died before the answer, byte for byte): it goes on to
         * the batch's stored answer below. Seen with another body, it is a
         * replay and changes nothing. On PostgreSQL a copy that arrives
         * while the first is still being stored waits here on the unique
         * key until the first commits, then reads its answer. */
        const char *p[] = {b->kiosk, msg_id, now.s, body_hash};
        rc = run(db, conn,
                 "INSERT INTO webhook_ids (kiosk, msg_id, seen_at, body_hash) "
                 "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                 4, p, NULL, NULL, &changes);
        if (rc)
            goto out;
        if (changes == 0) {
            seen_row seen = {.body_hash = body_hash};
            rc = run(db, conn, "SELECT body_hash FROM webhook_ids WHERE kiosk = ?1 AND msg_id = ?2",
                     2, p, on_seen, &seen, NULL);
            if (rc)
                goto out;
            if (!seen.same) {
                out->webhook_replayed = true;
                db->drv->rollback(conn);
                return AM_OK;
            }
        }
    }
    {
        const char *p[] = {b->kiosk, b->batch, now.s, body_hash};
        rc = run(db, conn,
                 "INSERT INTO batches (kiosk, batch, received_at, status, response, body_hash) "
                 "VALUES (?1, ?2, ?3, 0, '', ?4) ON CONFLICT DO NOTHING",
                 4, p, NULL, NULL, &changes);
        if (rc)
            goto out;
    }
    if (changes == 0) {
        /* Seen before: the original answer, byte for byte, if this is the
         * same body; another body under the same key is refused. */
        replay_row row = {.body_hash = body_hash};
        const char *p[] = {b->kiosk, b->batch};
        rc = run(db, conn,
                 "SELECT status, response, body_hash FROM batches WHERE kiosk = ?1 AND batch = ?2",
                 2, p, on_replay, &row, NULL);
        if (!rc && (row.oom || !row.body))
            rc = row.oom ? AM_ERR_NOMEM : AM_ERR;
        if (rc) {
            free(row.body);
            goto out;
        }
        if (row.other_body) {
            free(row.body);
            out->key_reused = true;
            db->drv->rollback(conn);
            return AM_OK;
        }
        out->status = row.status;
        out->body = row.body;
        out->replayed = true;
        rc = db->drv->commit(conn);
        goto out;
    }
    resp = am_proto_response_new(b->batch, b->count);
    if (!resp) {
        rc = AM_ERR_NOMEM;
        goto out;
    }
    memset(out->counts, 0, sizeof out->counts);
    for (size_t i = 0; i < b->count; i++) {
        const am_proto_record *r = &b->records[i];
        am_proto_result *res = &resp->results[i];
        memcpy(res->id, r->id, sizeof res->id);
        if (!r->valid) {
            res->status = AM_PROTO_REJECTED;
            snprintf(res->reason, sizeof res->reason, "%s", r->reason);
        } else {
            rc = insert_record(db, conn, b, r, now.s, &res->status);
            if (rc)
                goto out;
        }
        out->counts[res->status]++;
    }
    body = am_proto_response_encode(resp);
    if (!body) {
        rc = AM_ERR_NOMEM;
        goto out;
    }
    {
        const char *p[] = {b->kiosk, b->batch, body};
        rc = run(db, conn,
                 "UPDATE batches SET status = 200, response = ?3 WHERE kiosk = ?1 AND batch = ?2",
                 3, p, NULL, NULL, NULL);
        if (rc)
            goto out;
    }
    {
        const char *p[] = {b->kiosk, now.s};
        rc =
            run(db, conn, "UPDATE kiosks SET last_seen = ?2 WHERE id = ?1", 2, p, NULL, NULL, NULL);
        if (rc)
            goto out;
    }
    {
        num stored = i64((int64_t)out->counts[AM_PROTO_STORED]);
        num dup = i64((int64_t)out->counts[AM_PROTO_DUPLICATE]);
        num rej = i64((int64_t)out->counts[AM_PROTO_REJECTED]);
        const char *p[] = {b->kiosk, now.s, b->batch, stored.s, dup.s, rej.s};
        rc = run(db, conn,
                 "INSERT INTO ingest_log (kiosk, at, batch, status, stored, duplicate, rejected, "
                 "reason) VALUES (?1, ?2, ?3, 200, ?4, ?5, ?6, '')",
                 6, p, NULL, NULL, NULL);
        if (rc)
            goto out;
    }
    rc = db->drv->commit(conn);
    if (rc)
        goto out;
    out->status = 200;
    out->body = body;
    body = NULL;
out:
    if (rc)
        db->drv->rollback(conn);
    free(body);
    am_proto_response_free(resp);
    return rc;
}

am_rc hub_db_ingest(hub_db *db, const am_proto_batch *b, const char *msg_id, const char *body_hash,
                    int64_t now_ms, int64_t keep_ms, hub_ingest_result *out)
{
    int slot;
    am_rc rc = AM_ERR_BUSY;
    memset(out, 0, sizeof *out);
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    for (int attempt = 0; attempt < BUSY_RETRIES && rc == AM_ERR_BUSY; attempt++) {
        if (attempt > 0) {
            /* Back off a little, more each time, before trying again. */
            struct timespec ts = {0, (long)(attempt * 20) * 1000000L};
            nanosleep(&ts, NULL);
            am_log_debug(MOD, "batch retry %d after a transient conflict", attempt);
        }
        memset(out, 0, sizeof *out);
        rc = ingest_once(db, conn, b, msg_id, body_hash, now_ms, out);
    }
    if (!rc)
        purge_old(db, conn, now_ms, keep_ms);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    return rc;
}

am_rc hub_db_ingest_log(hub_db *db, const char *kiosk, const char *batch, int64_t now_ms,
                        int status, const char *reason)
{
    int slot;
    num now = i64(now_ms), st = i64(status);
    const char *p[] = {kiosk, now.s, batch && *batch ? batch : NULL, st.s, reason};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = run(db, conn,
                   "INSERT INTO ingest_log (kiosk, at, batch, status, stored, duplicate, rejected, "
                   "reason) VALUES (?1, ?2, ?3, ?4, 0, 0, 0, ?5)",
                   5, p, NULL, NULL, NULL);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    return rc;
}

/* --- manager queries ---------------------------------------------------------------- */

static void count_rows(void *ud, int ncols, const char *const *values)
{
    (void)ncols;
    (void)values;
    (*(int *)ud)++;
}

am_rc hub_db_ingest_log_list(hub_db *db, const char *kiosk, int limit, cJSON **out)
{
    static const col cols[] = {
        {"at", COL_INT},        {"batch", COL_TEXT},   {"status", COL_INT},  {"stored", COL_INT},
        {"duplicate", COL_INT}, {"rejected", COL_INT}, {"reason", COL_TEXT},
    };
    int slot, found = 0;
    const char *p1[] = {kiosk};
    *out = NULL;
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = run(db, conn, "SELECT 1 FROM kiosks WHERE id = ?1", 1, p1, count_rows, &found, NULL);
    hub_db_release(db, slot);
    if (rc)
        return rc;
    if (!found)
        return AM_ERR_NOTFOUND;
    num lim = i64(limit);
    const char *p[] = {kiosk, lim.s};
    cJSON *entries = NULL;
    rc = query_rows(db,
                    "SELECT at, batch, status, stored, duplicate, rejected, reason FROM ingest_log "
                    "WHERE kiosk = ?1 ORDER BY seq DESC LIMIT CAST(?2 AS BIGINT)",
                    2, p, cols, (int)(sizeof cols / sizeof cols[0]), &entries);
    if (rc)
        return rc;
    cJSON *root = cJSON_CreateObject();
    if (!root || !cJSON_AddStringToObject(root, "kiosk", kiosk) ||
        !cJSON_AddItemToObject(root, "entries", entries)) {
        cJSON_Delete(root);
        cJSON_Delete(entries);
        return AM_ERR_NOMEM;
    }
    *out = root;
    return AM_OK;
}

/* A person's scope as statement parameters: first "0" (every site: an
 * admin, or no person given) or "1", then HUB_SCOPE_MAX sites (NULL when
 * unused). SCOPE_SQL(col, N) keeps the rows whose kiosk column `col` is
 * at one of them, the parameters starting at ?N. */
#define SCOPE_PARAMS (1 + HUB_SCOPE_MAX)
static void scope_params(const hub_person *p, const char **out)
{
    out[0] = !p || p->role == HUB_ROLE_ADMIN ? "0" : "1";
    for (size_t i = 0; i < HUB_SCOPE_MAX; i++)
        out[1 + i] = p && i < p->nsites ? p->sites[i] : NULL;
}

am_rc hub_db_feedback(hub_db *db, const hub_feedback_filter *f, cJSON **out)
{
    static const col followup_cols[] = {
        {"id", COL_TEXT},          {"kiosk", COL_TEXT},    {"closed_at", COL_INT},
        {"category", COL_TEXT},    {"severity", COL_TEXT}, {"outcome", COL_TEXT},
        {"first_name", COL_TEXT},  {"contact", COL_TEXT},  {"rating", COL_INT},
        {"offer_state", COL_TEXT},
    };
    num since = i64(f->since_ms), lim = i64(f->limit);
    const char *p[5 + SCOPE_PARAMS] = {f->kiosk ? f->kiosk : "", since.s,
                                       f->category ? f->category : "", f->outcome ? f->outcome : "",
                                       lim.s};
    scope_params(f->scope, p + 5);
    if (f->followups)
        return query_rows(db,
                          "SELECT id, kiosk, closed_at, category, severity, outcome, first_name, "
                          "contact, rating, offer_state FROM feedback "
                          "WHERE consent = 'yes' AND contact <> '' "
                          "AND (CAST(?1 AS TEXT) = '' OR kiosk = ?1) "
                          "AND closed_at >= CAST(?2 AS BIGINT) "
                          "AND (CAST(?3 AS TEXT) = '' OR category = ?3) "
                          "AND (CAST(?4 AS TEXT) = '' OR outcome = ?4) "
                          "AND (CAST(?6 AS BIGINT) = 0 OR kiosk IN (SELECT id FROM kiosks WHERE "
                          "site IN (?7, ?8, ?9, "
                          "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22))) "
                          "ORDER BY closed_at, id LIMIT CAST(?5 AS BIGINT)",
                          5 + SCOPE_PARAMS, p, followup_cols,
                          (int)(sizeof followup_cols / sizeof followup_cols[0]), out);
    const feedback_sql *sql = feedback_sql_get();
    return query_rows(db, sql->select, 5 + SCOPE_PARAMS, p, sql->cols, sql->ncols, out);
}

static const col alert_cols[] = {
    {"id", COL_TEXT},       {"kiosk", COL_TEXT},      {"journey", COL_TEXT},
    {"reason", COL_TEXT},   {"category", COL_TEXT},   {"severity", COL_TEXT},
    {"raised_at", COL_INT}, {"received_at", COL_INT}, {"acked_at", COL_INT},
    {"acked_by", COL_TEXT},
};

am_rc hub_db_alerts(hub_db *db, bool open_only, int limit, const hub_person *scope, cJSON **out)
{
    num lim = i64(limit);
    const char *p[2 + SCOPE_PARAMS] = {open_only ? "1" : "0", lim.s};
    scope_params(scope, p + 2);
    return query_rows(
        db,
        "SELECT id, kiosk, journey, reason, category, severity, raised_at, "
        "received_at, acked_at, acked_by FROM alerts "
        "WHERE (CAST(?1 AS BIGINT) = 0 OR acked_at IS NULL) "
        "AND (CAST(?3 AS BIGINT) = 0 OR kiosk IN (SELECT id FROM kiosks WHERE site IN "
        "(?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19))) "
        "ORDER BY raised_at DESC, id LIMIT CAST(?2 AS BIGINT)",
        2 + SCOPE_PARAMS, p, alert_cols, (int)(sizeof alert_cols / sizeof alert_cols[0]), out);
}

am_rc hub_db_alert_ack(hub_db *db, const char *id, const char *manager, int64_t now_ms, cJSON **out)
{
    int slot;
    num now = i64(now_ms);
    const char *p[] = {id, now.s, manager};
    *out = NULL;
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = run(db, conn,
                   "UPDATE alerts SET acked_at = ?2, acked_by = ?3 "
                   "WHERE id = ?1 AND acked_at IS NULL",
                   3, p, NULL, NULL, NULL);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    if (rc)
        return rc;
    cJSON *rows = NULL;
    const char *q[] = {id};
    rc = query_rows(db,
                    "SELECT id, kiosk, journey, reason, category, severity, raised_at, "
                    "received_at, acked_at, acked_by FROM alerts WHERE id = ?1",
                    1, q, alert_cols, (int)(sizeof alert_cols / sizeof alert_cols[0]), &rows);
    if (rc)
        return rc;
    cJSON *first = cJSON_DetachItemFromArray(rows, 0);
    cJSON_Delete(rows);
    if (!first)
        return AM_ERR_NOTFOUND;
    *out = first;
    return AM_OK;
}

/* --- vouchers ------------------------------------------------------------------------ */

am_rc hub_db_voucher_key_add(hub_db *db, const char *kiosk, const char *key_b64, int64_t now_ms,
                             char *err, size_t errlen)
{
    int slot, found = 0;
    const char *p1[] = {kiosk};
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = run(db, conn, "SELECT 1 FROM kiosks WHERE id = ?1", 1, p1, count_rows, &found, NULL);
    hub_db_release(db, slot);
    if (rc) {
        snprintf(err, errlen, "reading the database failed (see the log)");
        return rc;
    }
    if (!found) {
        snprintf(err, errlen, "no kiosk '%s' (add it first: kiosk add %s)", kiosk, kiosk);
        return AM_ERR_NOTFOUND;
    }
    num now = i64(now_ms);
    const char *p[] = {kiosk, key_b64, now.s};
    rc = add_unique(db,
                    "INSERT INTO voucher_keys (kiosk, vkey, created_at) VALUES (?1, ?2, ?3) "
                    "ON CONFLICT DO NOTHING",
                    p, 3, "voucher key of kiosk", err, errlen);
    return rc;
}

typedef struct key_row {
    char b64[64];
    int rows;
} key_row;

static void on_key(void *ud, int ncols, const char *const *v)
{
    key_row *row = ud;
    if (ncols < 1 || !v[0])
        return;
    row->rows++;
    snprintf(row->b64, sizeof row->b64, "%s", v[0]);
}

static bool key_decode(const char *b64, am_voucher_key *out)
{
    size_t len = 0;
    if (sodium_base642bin(out->bytes, sizeof out->bytes, b64, strlen(b64), NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        len != AM_VOUCHER_KEY_LEN) {
        sodium_memzero(out, sizeof *out);
        return false;
    }
    return true;
}

am_rc hub_db_voucher_key(hub_db *db, const char *kiosk, am_voucher_key *out)
{
    int slot;
    key_row row = {.rows = 0};
    const char *p[] = {kiosk};
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc =
        run(db, conn, "SELECT vkey FROM voucher_keys WHERE kiosk = ?1", 1, p, on_key, &row, NULL);
    hub_db_release(db, slot);
    if (!rc && (row.rows != 1 || !key_decode(row.b64, out)))
        rc = row.rows ? AM_ERR : AM_ERR_NOTFOUND;
    sodium_memzero(&row, sizeof row);
    return rc;
}

typedef struct voucher_row {
    hub_voucher *v;
    int rows;
} voucher_row;

static void on_voucher(void *ud, int ncols, const char *const *v)
{
    voucher_row *row = ud;
    if (ncols < 11 || !v[0] || !v[1] || !v[2] || !v[3] || !v[4] || !v[5] || !v[6] || !v[7] || !v[8])
        return;
    row->rows++;
    hub_voucher *out = row->v;
    snprintf(out->rec.code, sizeof out->rec.code, "%s", v[0]);
    snprintf(out->rec.kiosk, sizeof out->rec.kiosk, "%s", v[1]);
    out->rec.serial = strtoll(v[2], NULL, 10);
    snprintf(out->rec.offer_id, sizeof out->rec.offer_id, "%s", v[3]);
    out->rec.value_minor = strtoll(v[4], NULL, 10);
    out->rec.created_ms = strtoll(v[5], NULL, 10);
    out->rec.expires_ms = strtoll(v[6], NULL, 10);
    snprintf(out->journey, sizeof out->journey, "%s", v[7]);
    out->redeemed_at = v[9] ? strtoll(v[9], NULL, 10) : 0;
    snprintf(out->redeemed_by, sizeof out->redeemed_by, "%s", v[10] ? v[10] : "");
}

static am_rc voucher_get(hub_db *db, void *conn, const char *code, hub_voucher *out)
{
    voucher_row row = {.v = out};
    const char *p[] = {code};
    memset(out, 0, sizeof *out);
    am_rc rc =
        run(db, conn,
            "SELECT code, kiosk, serial, offer, value_minor, issued_at, expires_at, journey, "
            "id, redeemed_at, redeemed_by FROM vouchers WHERE code = ?1",
            1, p, on_voucher, &row, NULL);
    if (rc)
        return rc;
    return row.rows == 1 ? AM_OK : AM_ERR_NOTFOUND;
}

am_rc hub_db_voucher_get(hub_db *db, const char *code, hub_voucher *out)
{
    int slot;
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = voucher_get(db, conn, code, out);
    hub_db_release(db, slot);
    return rc;
}

am_rc hub_db_voucher_redeem(hub_db *db, const char *code, const char *manager, int64_t now_ms,
                            bool *won, hub_voucher *out)
{
    int slot;
    int64_t changes = 0;
    num now = i64(now_ms);
    const char *p[] = {code, now.s, manager};
    am_rc rc = AM_ERR_BUSY;
    *won = false;
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    for (int attempt = 0; attempt < BUSY_RETRIES && rc == AM_ERR_BUSY; attempt++) {
        if (attempt > 0) {
            struct timespec ts = {0, (long)(attempt * 20) * 1000000L};
            nanosleep(&ts, NULL);
        }
        /* The condition is the lock: whoever's UPDATE finds redeemed_at
         * still NULL wins; the database serialises the writers to the row. */
        rc = run(db, conn,
                 "UPDATE vouchers SET redeemed_at = ?2, redeemed_by = ?3 "
                 "WHERE code = ?1 AND redeemed_at IS NULL",
                 3, p, NULL, NULL, &changes);
    }
    hub_db_write_unlock(db);
    if (!rc) {
        *won = changes == 1;
        rc = voucher_get(db, conn, code, out);
    }
    hub_db_release(db, slot);
    return rc;
}

typedef struct kiosks_ctx {
    hub_voucher_kiosk *list;
    size_t count, cap;
    bool oom;
} kiosks_ctx;

static void on_voucher_kiosk(void *ud, int ncols, const char *const *v)
{
    kiosks_ctx *ctx = ud;
    if (ctx->oom || ncols < 3 || !v[0] || !v[1] || !v[2])
        return;
    if (ctx->count == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 16;
        hub_voucher_kiosk *grown = calloc(cap, sizeof *grown);
        if (!grown) {
            ctx->oom = true;
            return;
        }
        if (ctx->list) {
            memcpy(grown, ctx->list, ctx->count * sizeof *grown);
            sodium_memzero(ctx->list, ctx->cap * sizeof *ctx->list);
            free(ctx->list);
        }
        ctx->list = grown;
        ctx->cap = cap;
    }
    hub_voucher_kiosk *k = &ctx->list[ctx->count];
    if (!key_decode(v[1], &k->key))
        return; /* a damaged key cannot vouch for anything: skip it */
    snprintf(k->kiosk, sizeof k->kiosk, "%s", v[0]);
    k->max_serial = strtoll(v[2], NULL, 10);
    ctx->count++;
}

am_rc hub_db_voucher_kiosks(hub_db *db, hub_voucher_kiosk **out, size_t *count)
{
    int slot;
    kiosks_ctx ctx = {.list = NULL};
    *out = NULL;
    *count = 0;
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = run(db, conn,
                   "SELECT k.kiosk, k.vkey, COALESCE((SELECT MAX(v.serial) FROM vouchers v "
                   "WHERE v.kiosk = k.kiosk), 0) FROM voucher_keys k ORDER BY k.kiosk",
                   0, NULL, on_voucher_kiosk, &ctx, NULL);
    hub_db_release(db, slot);
    if (!rc && ctx.oom)
        rc = AM_ERR_NOMEM;
    if (rc) {
        if (ctx.list)
            sodium_memzero(ctx.list, ctx.cap * sizeof *ctx.list);
        free(ctx.list);
        return rc;
    }
    *out = ctx.list;
    *count = ctx.count;
    return AM_OK;
}

/* --- dashboard sessions -------------------------------------------------------------- */

am_rc hub_db_web_add(hub_db *db, const char *id_hash, bool link, const char *manager,
                     const char *csrf, int64_t now_ms, int64_t expires_ms)
{
    int slot;
    num now = i64(now_ms), exp = i64(expires_ms);
    const char *purge[] = {now.s};
    const char *p[] = {id_hash, link ? "link" : "session", manager, csrf, now.s, exp.s};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = run(db, conn, "DELETE FROM web_sessions WHERE expires_at <= CAST(?1 AS BIGINT)", 1,
                   purge, NULL, NULL, NULL);
    if (!rc)
        rc = run(db, conn,
                 "INSERT INTO web_sessions (id_hash, kind, manager, csrf, created_at, expires_at) "
                 "VALUES (?1, ?2, ?3, ?4, CAST(?5 AS BIGINT), CAST(?6 AS BIGINT))",
                 6, p, NULL, NULL, NULL);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    return rc;
}

typedef struct web_row {
    char hash[65];
    char manager[128];
    char csrf[64];
    int64_t expires_at;
    int rows;
} web_row;

static void on_web(void *ud, int ncols, const char *const *v)
{
    web_row *row = ud;
    if (ncols < 4 || !v[0] || !v[1] || !v[2] || !v[3])
        return;
    row->rows++;
    snprintf(row->hash, sizeof row->hash, "%s", v[0]);
    snprintf(row->manager, sizeof row->manager, "%s", v[1]);
    snprintf(row->csrf, sizeof row->csrf, "%s", v[2]);
    row->expires_at = strtoll(v[3], NULL, 10);
}

am_rc hub_db_web_session(hub_db *db, const char *id_hash, int64_t now_ms, char *manager,
                         size_t managerlen, char *csrf, size_t csrflen)
{
    int slot;
    web_row row = {.rows = 0};
    const char *p[] = {id_hash};
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = run(db, conn,
                   "SELECT id_hash, manager, csrf, expires_at FROM web_sessions "
                   "WHERE id_hash = ?1 AND kind = 'session'",
                   1, p, on_web, &row, NULL);
    hub_db_release(db, slot);
    if (rc)
        return rc;
    if (row.rows != 1 || !same_hash(row.hash, id_hash) || row.expires_at <= now_ms)
        return AM_ERR_NOTFOUND;
    snprintf(manager, managerlen, "%s", row.manager);
    snprintf(csrf, csrflen, "%s", row.csrf);
    sodium_memzero(&row, sizeof row);
    return AM_OK;
}

am_rc hub_db_web_link_take(hub_db *db, const char *id_hash, int64_t now_ms, char *manager,
                           size_t managerlen)
{
    int slot;
    web_row row = {.rows = 0};
    const char *p[] = {id_hash};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    /* One DELETE ... RETURNING: whoever deletes the row owns the link. */
    am_rc rc = run(db, conn,
                   "DELETE FROM web_sessions WHERE id_hash = ?1 AND kind = 'link' "
                   "RETURNING id_hash, manager, csrf, expires_at",
                   1, p, on_web, &row, NULL);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    if (rc)
        return rc;
    if (row.rows != 1 || !same_hash(row.hash, id_hash) || row.expires_at <= now_ms)
        return AM_ERR_NOTFOUND;
    snprintf(manager, managerlen, "%s", row.manager);
    return AM_OK;
}

am_rc hub_db_web_delete(hub_db *db, const char *id_hash)
{
    int slot;
    const char *p[] = {id_hash};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = run(db, conn, "DELETE FROM web_sessions WHERE id_hash = ?1", 1, p, NULL, NULL, NULL);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    return rc;
}
