/* hub_db.c — the shared query helpers, provisioning (kiosks, managers,
 * sites, teams) and the kiosk's token and lifecycle (rotate, disable,
 * remove). The other queries are in hub_db_people.c, hub_db_ingest.c,
 * hub_db_read.c, hub_db_voucher.c and hub_db_session.c; the handle and its
 * pool of connections in hub_db_pool.c. */
#include "hub_db_internal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "amends/log.h"

#define MOD "db"

/* --- helpers ---------------------------------------------------------------- */

am_rc hub_db_run(hub_db *db, void *conn, const char *sql, int n, const char *const *params,
                 hub_row_fn fn, void *ud, int64_t *changes)
{
    am_rc rc = db->drv->exec(conn, sql, n, params, fn, ud, changes);
    if (rc && rc != AM_ERR_BUSY)
        am_log_error(MOD, "%s: %s", db->drv->name, db->drv->errmsg(conn));
    return rc;
}

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

am_rc hub_db_query_rows(hub_db *db, const char *sql, int n, const char *const *params,
                        const col *cols, int ncols, cJSON **out)
{
    int slot;
    rows_ctx ctx = {.cols = cols, .ncols = ncols, .array = cJSON_CreateArray()};
    *out = NULL;
    if (!ctx.array)
        return AM_ERR_NOMEM;
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = hub_db_run(db, conn, sql, n, params, rows_to_json, &ctx, NULL);
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

void hub_db_count_rows(void *ud, int ncols, const char *const *values)
{
    (void)ncols;
    (void)values;
    (*(int *)ud)++;
}

/* --- provisioning ------------------------------------------------------------- */

am_rc hub_db_write_audited(hub_db *db, const char *sql, const char *const *params, int n,
                           const hub_audit_entry *audit, int64_t *changes)
{
    int slot;
    *changes = 0;
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = db->drv->begin(conn);
    if (!rc)
        rc = hub_db_run(db, conn, sql, n, params, NULL, NULL, changes);
    if (!rc && *changes > 0)
        rc = hub_db_audit_write(db, conn, audit);
    if (!rc)
        rc = db->drv->commit(conn);
    if (rc) {
        db->drv->rollback(conn);
        *changes = 0;
    }
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    return rc;
}

am_rc hub_db_add_unique(hub_db *db, const char *sql, const char *const *params, int n,
                        const char *what, const hub_audit_entry *audit, char *err, size_t errlen)
{
    int64_t changes = 0;
    am_rc rc = hub_db_write_audited(db, sql, params, n, audit, &changes);
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

/* Whether the site exists, read on conn (in the caller's transaction). */
static am_rc site_exists(hub_db *db, void *conn, const char *site, char *err, size_t errlen)
{
    int found = 0;
    const char *p[] = {site};
    am_rc rc = hub_db_run(db, conn, "SELECT 1 FROM sites WHERE id = ?1", 1, p, hub_db_count_rows,
                          &found, NULL);
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
                       const char *secret, const char *voucher_key, int64_t now_ms,
                       const hub_audit_entry *audit, char *err, size_t errlen)
{
    int slot;
    int64_t changes = 0;
    num now = i64(now_ms);
    const char *p[] = {id, token_hash, secret, now.s, site};
    const char *k[] = {id, voucher_key, now.s};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = db->drv->begin(conn);
    if (rc) {
        snprintf(err, errlen, "storing the kiosk failed (see the log)");
        goto out;
    }
    rc = site_exists(db, conn, site, err, errlen);
    if (!rc) {
        rc = hub_db_run(db, conn,
                        "INSERT INTO kiosks (id, token_hash, secret, created_at, site) "
                        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                        5, p, NULL, NULL, &changes);
        if (!rc && changes == 0) {
            snprintf(err, errlen, "kiosk '%s' already exists", id);
            rc = AM_ERR_INVALID;
        } else if (rc) {
            snprintf(err, errlen, "storing the kiosk failed (see the log)");
        }
    }
    /* A new kiosk has no voucher key yet: nothing to collide with. */
    if (!rc && voucher_key)
        rc = hub_db_run(db, conn,
                        "INSERT INTO voucher_keys (kiosk, vkey, created_at) VALUES (?1, ?2, ?3)", 3,
                        k, NULL, NULL, NULL);
    if (!rc)
        rc = hub_db_audit_write(db, conn, audit);
    if (!rc)
        rc = db->drv->commit(conn);
    if (rc == AM_ERR_BUSY || (rc && changes == 1))
        snprintf(err, errlen, "storing the kiosk failed (see the log); nothing was stored");
out:
    if (rc)
        db->drv->rollback(conn);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
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
    return hub_db_query_rows(
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
                      const char *currency, int64_t now_ms, const hub_audit_entry *audit, char *err,
                      size_t errlen)
{
    num now = i64(now_ms);
    const char *p[] = {id, name, timezone, currency, now.s};
    return hub_db_add_unique(db,
                             "INSERT INTO sites (id, name, timezone, currency, created_at) "
                             "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                             p, 5, "site", audit, err, errlen);
}

am_rc hub_db_site_set(hub_db *db, const char *id, const char *name, const char *timezone,
                      const char *currency, const hub_audit_entry *audit, char *err, size_t errlen)
{
    int64_t changes = 0;
    const char *p[] = {id, name, timezone, currency};
    am_rc rc = hub_db_write_audited(
        db,
        "UPDATE sites SET name = COALESCE(?2, name), timezone = COALESCE(?3, timezone), "
        "currency = COALESCE(?4, currency) WHERE id = ?1",
        p, 4, audit, &changes);
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
    am_rc rc = hub_db_query_rows(db,
                                 "SELECT s.id, s.name, s.timezone, s.currency, "
                                 "(SELECT COUNT(*) FROM kiosks k WHERE k.site = s.id) "
                                 "FROM sites s ORDER BY s.id",
                                 0, NULL, site_cols, 5, &sites);
    if (!rc)
        rc = hub_db_query_rows(db, "SELECT site, id, name FROM teams ORDER BY site, id", 0, NULL,
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
                      int64_t now_ms, const hub_audit_entry *audit, char *err, size_t errlen)
{
    int slot;
    num now = i64(now_ms);
    const char *p[] = {id, site, name, now.s};
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = site_exists(db, conn, site, err, errlen);
    hub_db_release(db, slot);
    if (rc)
        return rc;
    /* Sites are never removed, so the site checked above is still there. */
    rc = hub_db_add_unique(db,
                           "INSERT INTO teams (id, site, name, created_at) "
                           "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                           p, 4, "team", audit, err, errlen);
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
bool hub_db_same_hash(const char *a, const char *b)
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
    am_rc rc =
        hub_db_run(db, conn,
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
    if (hub_db_same_hash(row.hash, token_hash)) {
        snprintf(out->token_hash, sizeof out->token_hash, "%s", row.hash);
        snprintf(out->secret, sizeof out->secret, "%s", row.secret);
        if (overlap)
            snprintf(out->prev_secret, sizeof out->prev_secret, "%s", row.prev_secret);
        rc = AM_OK;
    } else if (overlap && hub_db_same_hash(row.prev_hash, token_hash)) {
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
                          const char *what, const hub_audit_entry *audit, char *err, size_t errlen)
{
    int64_t changes = 0;
    am_rc rc = hub_db_write_audited(db, sql, params, n, audit, &changes);
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
                          int64_t prev_until_ms, const hub_audit_entry *audit, char *err,
                          size_t errlen)
{
    num until = i64(prev_until_ms);
    const char *p[] = {id, token_hash, secret, until.s};
    return kiosk_update(db,
                        "UPDATE kiosks SET prev_token_hash = token_hash, prev_secret = secret, "
                        "prev_until = CAST(?4 AS BIGINT), token_hash = ?2, secret = ?3 "
                        "WHERE id = ?1",
                        p, 4, "storing the new credentials", audit, err, errlen);
}

am_rc hub_db_kiosk_disable(hub_db *db, const char *id, bool disabled, int64_t now_ms,
                           const hub_audit_entry *audit, char *err, size_t errlen)
{
    num now = i64(now_ms);
    const char *p[] = {id, now.s};
    if (disabled)
        return kiosk_update(db,
                            "UPDATE kiosks SET disabled_at = COALESCE(disabled_at, "
                            "CAST(?2 AS BIGINT)) WHERE id = ?1",
                            p, 2, "disabling the kiosk", audit, err, errlen);
    return kiosk_update(db, "UPDATE kiosks SET disabled_at = NULL WHERE id = ?1", p, 1,
                        "enabling the kiosk", audit, err, errlen);
}

am_rc hub_db_kiosk_remove(hub_db *db, const char *id, const hub_audit_entry *audit, char *err,
                          size_t errlen)
{
    int slot, found = 0;
    int64_t changes = 0;
    const char *p[] = {id};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = db->drv->begin(conn);
    if (!rc)
        rc = hub_db_run(db, conn, "DELETE FROM kiosks WHERE id = ?1 AND disabled_at IS NOT NULL", 1,
                        p, NULL, NULL, &changes);
    if (!rc && changes == 0)
        rc = hub_db_run(db, conn, "SELECT 1 FROM kiosks WHERE id = ?1", 1, p, hub_db_count_rows,
                        &found, NULL);
    if (!rc && changes > 0)
        rc = hub_db_audit_write(db, conn, audit);
    if (!rc)
        rc = db->drv->commit(conn);
    if (rc) {
        db->drv->rollback(conn);
        changes = 0;
    }
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
    am_rc rc =
        hub_db_run(db, conn, "SELECT person, token_hash FROM api_tokens WHERE token_hash = ?1", 1,
                   p, on_manager, &row, NULL);
    hub_db_release(db, slot);
    if (rc)
        return rc;
    if (row.rows != 1 || !hub_db_same_hash(row.hash, token_hash))
        return AM_ERR_NOTFOUND;
    snprintf(name, namelen, "%s", row.name);
    return AM_OK;
}
