/* hub_db_people.c — people, their tokens and site scopes, and which site a kiosk or alert is at. */
#include "hub_db_internal.h"

#include <stdlib.h>
#include <string.h>

/* --- people ----------------------------------------------------------------------- */

/* Runs sql (params p, n) inside the open transaction; AM_ERR_NOTFOUND
 * when it wrote no row. */
static am_rc write_one(hub_db *db, void *conn, const char *sql, int n, const char *const *p)
{
    int64_t changes = 0;
    am_rc rc = hub_db_run(db, conn, sql, n, p, NULL, NULL, &changes);
    return rc ? rc : changes == 1 ? AM_OK : AM_ERR_NOTFOUND;
}

/* The person and their scope, inside the transaction open on conn.
 * AM_ERR_INVALID (err says why) when the name is taken or a site or team
 * is unknown or given twice. */
static am_rc person_insert(hub_db *db, void *conn, const char *name, hub_role role,
                           const char *const *sites, size_t nsites, const char *const *teams,
                           size_t nteams, int64_t now_ms, char *err, size_t errlen)
{
    num now = i64(now_ms);
    const char *p[] = {name, hub_role_name(role), now.s};
    am_rc rc = write_one(db, conn,
                         "INSERT INTO people (name, role, created_at) VALUES (?1, ?2, ?3) "
                         "ON CONFLICT DO NOTHING",
                         3, p);
    if (rc == AM_ERR_NOTFOUND) {
        snprintf(err, errlen, "person '%s' already exists", name);
        return AM_ERR_INVALID;
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
            return AM_ERR_INVALID;
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
    if (rc == AM_ERR_NOTFOUND)
        return AM_ERR_INVALID;
    if (rc)
        snprintf(err, errlen, "storing the person failed (see the log)");
    return rc;
}

/* An API token for a person, inside the transaction open on conn. */
static am_rc token_insert(hub_db *db, void *conn, const char *person, const char *token_hash,
                          int64_t now_ms, char *err, size_t errlen)
{
    num now = i64(now_ms);
    const char *p[] = {token_hash, person, now.s};
    am_rc rc = write_one(db, conn,
                         "INSERT INTO api_tokens (token_hash, person, created_at) "
                         "SELECT ?1, name, ?3 FROM people WHERE name = ?2",
                         3, p);
    if (rc == AM_ERR_NOTFOUND)
        snprintf(err, errlen, "no person '%s' (amends-hub person add %s ...)", person, person);
    else if (rc)
        snprintf(err, errlen, "storing the token failed (see the log)");
    return rc;
}

/* Runs the writes of a people change (person and token NULL: none) and
 * its audit entry in one transaction. */
typedef struct person_change {
    const char *name;
    hub_role role;
    const char *const *sites, *const *teams;
    size_t nsites, nteams;
    const char *token_hash; /* a token for `name`; NULL: none */
    bool add;               /* add the person first */
} person_change;

static am_rc people_write(hub_db *db, const person_change *c, int64_t now_ms,
                          const hub_audit_entry *audit, char *err, size_t errlen)
{
    int slot;
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = db->drv->begin(conn);
    if (rc)
        snprintf(err, errlen, "the database is busy (see the log)");
    if (!rc && c->add)
        rc = person_insert(db, conn, c->name, c->role, c->sites, c->nsites, c->teams, c->nteams,
                           now_ms, err, errlen);
    if (!rc && c->token_hash)
        rc = token_insert(db, conn, c->name, c->token_hash, now_ms, err, errlen);
    if (!rc) {
        rc = hub_db_audit_write(db, conn, audit);
        if (!rc)
            rc = db->drv->commit(conn);
        if (rc)
            snprintf(err, errlen, "recording the change failed (see the log): nothing changed");
    }
    if (rc)
        db->drv->rollback(conn);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    return rc;
}

am_rc hub_db_person_add(hub_db *db, const char *name, hub_role role, const char *const *sites,
                        size_t nsites, const char *const *teams, size_t nteams, int64_t now_ms,
                        const hub_audit_entry *audit, char *err, size_t errlen)
{
    person_change c = {.name = name,
                       .role = role,
                       .sites = sites,
                       .nsites = nsites,
                       .teams = teams,
                       .nteams = nteams,
                       .add = true};
    return people_write(db, &c, now_ms, audit, err, errlen);
}

am_rc hub_db_token_add(hub_db *db, const char *person, const char *token_hash, int64_t now_ms,
                       const hub_audit_entry *audit, char *err, size_t errlen)
{
    person_change c = {.name = person, .token_hash = token_hash};
    return people_write(db, &c, now_ms, audit, err, errlen);
}

am_rc hub_db_manager_add(hub_db *db, const char *name, const char *token_hash, int64_t now_ms,
                         const hub_audit_entry *audit, char *err, size_t errlen)
{
    person_change c = {.name = name, .role = HUB_ROLE_ADMIN, .token_hash = token_hash, .add = true};
    return people_write(db, &c, now_ms, audit, err, errlen);
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
    am_rc rc = hub_db_run(db, conn, "SELECT name, role FROM people WHERE name = ?1", 1, p,
                          on_person, &row, NULL);
    if (!rc && row.rows == 1 && !row.bad_role)
        rc = hub_db_run(
            db, conn, "SELECT site, team FROM person_scopes WHERE person = ?1 ORDER BY site, team",
            1, p, on_scope, out, NULL);
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
    am_rc rc = hub_db_query_rows(db, "SELECT name, role, created_at FROM people ORDER BY name", 0,
                                 NULL, cols, 3, &people);
    if (!rc)
        rc = hub_db_query_rows(db,
                               "SELECT person, site, team FROM person_scopes ORDER BY site, team",
                               0, NULL, scope_cols, 3, &scopes);
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
    am_rc rc = hub_db_run(db, conn, sql, 1, p, on_site, &row, NULL);
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

am_rc hub_db_person_set_role(hub_db *db, const char *name, hub_role role,
                             const hub_audit_entry *audit, char *err, size_t errlen)
{
    int64_t changes = 0;
    const char *p[] = {hub_role_name(role), name};
    am_rc rc = hub_db_write_audited(db, "UPDATE people SET role = ?1 WHERE name = ?2", p, 2, audit,
                                    &changes);
    if (!rc && changes != 1)
        rc = AM_ERR_NOTFOUND;
    if (rc == AM_ERR_NOTFOUND)
        snprintf(err, errlen, "no person '%s'", name);
    else if (rc)
        snprintf(err, errlen, "storing the role failed (see the log): nothing changed");
    return rc;
}
