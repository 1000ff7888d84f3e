/* hub_db_routes.c — where a case goes: each site's routing rules, its
 * default team and its deadlines per priority (hub_case.h). */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "hub_case.h"
#include "hub_db_internal.h"

static void on_int(void *ud, int ncols, const char *const *v)
{
    if (ncols >= 1 && v[0])
        *(int *)ud = atoi(v[0]);
}

/* AM_ERR_NOTFOUND (err says which) unless the site, and the team when
 * given, exist. */
static am_rc site_team_known(hub_db *db, const char *site, const char *team, char *err,
                             size_t errlen)
{
    int slot, sites = 0, teams = 0;
    const char *p[] = {site, team ? team : ""};
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = hub_db_run(db, conn, "SELECT 1 FROM sites WHERE id = ?1", 1, p, hub_db_count_rows,
                          &sites, NULL);
    if (!rc && team)
        rc = hub_db_run(db, conn, "SELECT 1 FROM teams WHERE site = ?1 AND id = ?2", 2, p,
                        hub_db_count_rows, &teams, NULL);
    hub_db_release(db, slot);
    if (rc) {
        snprintf(err, errlen, "reading the database failed (see the log)");
        return rc;
    }
    if (!sites) {
        snprintf(err, errlen, "no site '%s'", site);
        return AM_ERR_NOTFOUND;
    }
    if (team && !teams) {
        snprintf(err, errlen, "no team '%s/%s' (add it first: team add %s %s --name ...)", site,
                 team, site, team);
        return AM_ERR_NOTFOUND;
    }
    return AM_OK;
}

am_rc hub_db_route_add(hub_db *db, const char *site, const hub_case_route *r, int64_t now_ms,
                       int *position, char *err, size_t errlen)
{
    am_rc rc = site_team_known(db, site, r->team, err, errlen);
    if (rc)
        return rc;
    int slot;
    num now = i64(now_ms);
    const char *p[] = {site,     r->category, r->resolution, r->severity, r->location,
                       r->kiosk, r->team,     r->priority,   now.s};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    *position = 0;
    for (int attempt = 0; attempt < BUSY_RETRIES && !*position; attempt++) {
        /* The next position; two adding at once: one gets the key, the
         * other tries again with the next. */
        rc = hub_db_run(db, conn,
                        "INSERT INTO case_routes (site, position, category, resolution, severity, "
                        "location, kiosk, team, priority, created_at) SELECT ?1, "
                        "COALESCE(MAX(position), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 FROM "
                        "case_routes WHERE site = ?1 ON CONFLICT DO NOTHING RETURNING position",
                        9, p, on_int, position, NULL);
        if (rc && rc != AM_ERR_BUSY)
            break;
    }
    if (!rc && !*position)
        rc = AM_ERR_BUSY;
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    if (rc)
        snprintf(err, errlen, "writing the database failed (see the log)");
    return rc;
}

/* Makes the site's row of case_sites, then sets what `set` says. */
static am_rc site_set(hub_db *db, const char *set_sql, const char *const *p, int n, char *err,
                      size_t errlen)
{
    int slot;
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = hub_db_run(db, conn,
                          "INSERT INTO case_sites (site) VALUES (?1) ON CONFLICT DO "
                          "NOTHING",
                          1, p, NULL, NULL, NULL);
    if (!rc)
        rc = hub_db_run(db, conn, set_sql, n, p, NULL, NULL, NULL);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    if (rc)
        snprintf(err, errlen, "writing the database failed (see the log)");
    return rc;
}

am_rc hub_db_route_default(hub_db *db, const char *site, const char *team, char *err, size_t errlen)
{
    am_rc rc = site_team_known(db, site, team, err, errlen);
    const char *p[] = {site, team};
    return rc ? rc
              : site_set(db, "UPDATE case_sites SET default_team = ?2 WHERE site = ?1", p, 2, err,
                         errlen);
}

am_rc hub_db_route_deadline(hub_db *db, const char *site, const char *priority, int64_t ack_ms,
                            int64_t resolve_ms, char *err, size_t errlen)
{
    am_rc rc = site_team_known(db, site, NULL, err, errlen);
    num ack = i64(ack_ms), resolve = i64(resolve_ms);
    const char *p[] = {site, ack.s, resolve.s};
    if (rc)
        return rc;
    return site_set(db,
                    strcmp(priority, "urgent") == 0
                        ? "UPDATE case_sites SET urgent_ack_ms = CAST(?2 AS BIGINT), "
                          "urgent_resolve_ms = CAST(?3 AS BIGINT) WHERE site = ?1"
                        : "UPDATE case_sites SET normal_ack_ms = CAST(?2 AS BIGINT), "
                          "normal_resolve_ms = CAST(?3 AS BIGINT) WHERE site = ?1",
                    p, 3, err, errlen);
}

am_rc hub_db_routes(hub_db *db, cJSON **out)
{
    static const col route_cols[] = {
        {"site", COL_TEXT},       {"position", COL_INT},  {"category", COL_TEXT},
        {"resolution", COL_TEXT}, {"severity", COL_TEXT}, {"location", COL_TEXT},
        {"kiosk", COL_TEXT},      {"team", COL_TEXT},     {"priority", COL_TEXT},
    };
    static const col site_cols[] = {
        {"site", COL_TEXT},         {"default_team", COL_TEXT},
        {"urgent_ack_ms", COL_INT}, {"urgent_resolve_ms", COL_INT},
        {"normal_ack_ms", COL_INT}, {"normal_resolve_ms", COL_INT},
    };
    cJSON *routes = NULL, *sites = NULL, *root = NULL;
    *out = NULL;
    am_rc rc = hub_db_query_rows(db,
                                 "SELECT site, position, category, resolution, severity, "
                                 "location, kiosk, team, priority FROM case_routes "
                                 "ORDER BY site, position",
                                 0, NULL, route_cols,
                                 (int)(sizeof route_cols / sizeof route_cols[0]), &routes);
    if (!rc)
        rc = hub_db_query_rows(db,
                               "SELECT site, default_team, urgent_ack_ms, urgent_resolve_ms, "
                               "normal_ack_ms, normal_resolve_ms FROM case_sites ORDER BY site",
                               0, NULL, site_cols, (int)(sizeof site_cols / sizeof site_cols[0]),
                               &sites);
    if (!rc) {
        root = cJSON_CreateObject();
        if (!root || !cJSON_AddItemToObject(root, "routes", routes)) {
            rc = AM_ERR_NOMEM;
        } else {
            routes = NULL;
            if (!cJSON_AddItemToObject(root, "sites", sites))
                rc = AM_ERR_NOMEM;
            else
                sites = NULL;
        }
    }
    cJSON_Delete(routes);
    cJSON_Delete(sites);
    if (rc) {
        cJSON_Delete(root);
        return rc;
    }
    *out = root;
    return AM_OK;
}

/* --- routing a case ------------------------------------------------------------------------ */

typedef struct route_scan {
    const hub_case_where *w;
    bool matched;
    int position;
    char team[AM_KIOSK_ID_MAX];
    char priority[8];
} route_scan;

static bool field_matches(const char *rule, const char *value)
{
    return !rule || !rule[0] || (value && !strcmp(rule, value));
}

static void on_route(void *ud, int ncols, const char *const *v)
{
    route_scan *s = ud;
    if (s->matched || ncols < 8)
        return;
    const hub_case_where *w = s->w;
    if (!field_matches(v[1], w->category) || !field_matches(v[2], w->resolution) ||
        !field_matches(v[3], w->severity) || !field_matches(v[5], w->kiosk))
        return;
    if (v[4] && v[4][0] && fnmatch(v[4], w->location ? w->location : "", FNM_CASEFOLD) != 0)
        return;
    s->matched = true;
    s->position = v[0] ? atoi(v[0]) : 0;
    snprintf(s->team, sizeof s->team, "%s", v[6] ? v[6] : "");
    snprintf(s->priority, sizeof s->priority, "%s", v[7] ? v[7] : "");
}

typedef struct site_row {
    char default_team[AM_KIOSK_ID_MAX];
    int64_t ms[4]; /* urgent ack, urgent resolve, normal ack, normal resolve; 0: the hub's */
} site_row;

static void on_site_row(void *ud, int ncols, const char *const *v)
{
    site_row *r = ud;
    if (ncols < 5)
        return;
    snprintf(r->default_team, sizeof r->default_team, "%s", v[0] ? v[0] : "");
    for (int i = 0; i < 4; i++)
        r->ms[i] = v[1 + i] ? strtoll(v[1 + i], NULL, 10) : 0;
}

static am_rc read_site(hub_db *db, void *conn, const char *site, site_row *out)
{
    const char *p[] = {site};
    memset(out, 0, sizeof *out);
    return hub_db_run(db, conn,
                      "SELECT default_team, urgent_ack_ms, urgent_resolve_ms, normal_ack_ms, "
                      "normal_resolve_ms FROM case_sites WHERE site = ?1",
                      1, p, on_site_row, out, NULL);
}

static void site_deadlines(const site_row *site, bool urgent, int64_t *ack_ms, int64_t *resolve_ms)
{
    int64_t ack = urgent ? site->ms[0] : site->ms[2], resolve = urgent ? site->ms[1] : site->ms[3];
    *ack_ms = ack ? ack : (urgent ? HUB_CASE_URGENT_ACK_MS : HUB_CASE_NORMAL_ACK_MS);
    *resolve_ms =
        resolve ? resolve : (urgent ? HUB_CASE_URGENT_RESOLVE_MS : HUB_CASE_NORMAL_RESOLVE_MS);
}

am_rc hub_cases_deadlines(hub_db *db, void *conn, const char *site, bool urgent, int64_t *ack_ms,
                          int64_t *resolve_ms)
{
    site_row row;
    am_rc rc = read_site(db, conn, site, &row);
    if (!rc)
        site_deadlines(&row, urgent, ack_ms, resolve_ms);
    return rc;
}

am_rc hub_cases_route(hub_db *db, void *conn, const hub_case_where *w, bool urgent,
                      hub_case_routing *out)
{
    route_scan scan = {.w = w};
    site_row site;
    const char *p[] = {w->site};
    memset(out, 0, sizeof *out);
    am_rc rc = hub_db_run(db, conn,
                          "SELECT position, category, resolution, severity, location, kiosk, "
                          "team, priority FROM case_routes WHERE site = ?1 ORDER BY position",
                          1, p, on_route, &scan, NULL);
    if (!rc)
        rc = read_site(db, conn, w->site, &site);
    if (rc)
        return rc;
    if (scan.matched && scan.priority[0])
        urgent = !strcmp(scan.priority, "urgent");
    snprintf(out->priority, sizeof out->priority, "%s", urgent ? "urgent" : "normal");
    if (scan.matched) {
        snprintf(out->team, sizeof out->team, "%s", scan.team);
        snprintf(out->detail, sizeof out->detail, "rule %d: team %s, %s", scan.position, scan.team,
                 out->priority);
    } else if (site.default_team[0]) {
        snprintf(out->team, sizeof out->team, "%s", site.default_team);
        snprintf(out->detail, sizeof out->detail, "no rule matched: default team %s, %s",
                 site.default_team, out->priority);
    } else {
        snprintf(out->detail, sizeof out->detail, "no rule matched and no default team: %s",
                 out->priority);
    }
    site_deadlines(&site, urgent, &out->ack_ms, &out->resolve_ms);
    return AM_OK;
}
