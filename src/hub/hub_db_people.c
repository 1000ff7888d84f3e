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

/* The person's sites and teams ("SITE/TEAM"), inside the transaction open
 * on conn. AM_ERR_INVALID (err says why) for a site or team unknown or
 * given twice. */
static am_rc scopes_insert(hub_db *db, void *conn, const char *name, const char *const *sites,
                           size_t nsites, const char *const *teams, size_t nteams, char *err,
                           size_t errlen)
{
    am_rc rc = AM_OK;
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
        snprintf(err, errlen, "storing the person's scope failed (see the log)");
    return rc;
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
    if (!rc)
        rc = scopes_insert(db, conn, name, sites, nsites, teams, nteams, err, errlen);
    if (rc && rc != AM_ERR_INVALID)
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
                         "SELECT ?1, name, ?3 FROM people WHERE name = ?2 AND role <> 'removed'",
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

/* --- changing and ending a person's access ------------------------------------------ */

/* A change made inside the transaction open on conn; it may fill in the
 * audit entry's target, before, after and detail (their text lives in
 * ctx). */
typedef am_rc (*txn_fn)(hub_db *db, void *conn, void *ctx, hub_audit_entry *e, char *err,
                        size_t errlen);

/* Runs fn and then its audit entry (a copy of `audit`; not stored when fn
 * clears e->action) in one transaction under the write lock. */
static am_rc audited_txn(hub_db *db, txn_fn fn, void *ctx, const hub_audit_entry *audit, char *err,
                         size_t errlen)
{
    int slot;
    hub_audit_entry e = *audit;
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = db->drv->begin(conn);
    if (rc)
        snprintf(err, errlen, "the database is busy (see the log)");
    if (!rc)
        rc = fn(db, conn, ctx, &e, err, errlen);
    if (!rc) {
        rc = e.action ? hub_db_audit_write(db, conn, &e) : AM_OK;
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

/* "role=ROLE; sites=A,B; teams=A/T" of a person, read on conn. */
#define PERSON_TEXT_MAX 1024
typedef struct person_text {
    char *out;
    size_t n, len;
    int rows;
    int kind; /* what the last scope was: 0 none yet, 1 a site, 2 a team */
} person_text;

static void on_role_text(void *ud, int ncols, const char *const *v)
{
    person_text *t = ud;
    if (ncols < 1 || !v[0])
        return;
    t->rows++;
    t->n = (size_t)snprintf(t->out, t->len, "role=%s", v[0]);
}

static void on_scope_text(void *ud, int ncols, const char *const *v)
{
    person_text *t = ud;
    if (ncols < 2 || !v[0] || !v[1] || t->n >= t->len)
        return;
    bool team = v[1][0] != '\0';
    const char *head = team ? "; teams=" : "; sites=";
    if (t->kind == (team ? 2 : 1)) /* sites come first, then teams */
        head = ",";
    t->kind = team ? 2 : 1;
    t->n += (size_t)snprintf(t->out + t->n, t->len - t->n, "%s%s%s%s", head, v[0], team ? "/" : "",
                             v[1]);
}

/* AM_ERR_NOTFOUND (err says so) for no such person, or one removed. */
static am_rc describe(hub_db *db, void *conn, const char *name, char *out, size_t len, char *err,
                      size_t errlen)
{
    person_text t = {.out = out, .len = len};
    const char *p[] = {name};
    out[0] = '\0';
    am_rc rc = hub_db_run(db, conn, "SELECT role FROM people WHERE name = ?1", 1, p, on_role_text,
                          &t, NULL);
    if (!rc && (t.rows != 1 || !strcmp(out, "role=removed")))
        rc = AM_ERR_NOTFOUND;
    if (!rc)
        rc = hub_db_run(db, conn,
                        "SELECT site, team FROM person_scopes WHERE person = ?1 "
                        "ORDER BY team <> '', site, team",
                        1, p, on_scope_text, &t, NULL);
    if (rc == AM_ERR_NOTFOUND)
        snprintf(err, errlen, "no person '%s'", name);
    else if (rc)
        snprintf(err, errlen, "reading the person failed (see the log)");
    return rc;
}

/* Keeps the last admin an admin: the statement's role change happens only
 * when the person is not an admin or another admin remains. */
#define NOT_LAST_ADMIN "(role <> 'admin' OR (SELECT COUNT(*) FROM people WHERE role = 'admin') > 1)"

typedef struct set_ctx {
    const hub_person_set *set;
    char before[PERSON_TEXT_MAX], after[PERSON_TEXT_MAX];
} set_ctx;

static am_rc person_set_txn(hub_db *db, void *conn, void *ud, hub_audit_entry *e, char *err,
                            size_t errlen)
{
    set_ctx *c = ud;
    const hub_person_set *s = c->set;
    const char *p[] = {s->name, s->has_role ? hub_role_name(s->role) : ""};
    am_rc rc = describe(db, conn, s->name, c->before, sizeof c->before, err, errlen);
    if (rc)
        return rc;
    hub_role role;
    if (s->has_role) {
        role = s->role;
        int64_t changes = 0;
        rc = hub_db_run(db, conn,
                        role == HUB_ROLE_ADMIN
                            ? "UPDATE people SET role = ?2 WHERE name = ?1"
                            : "UPDATE people SET role = ?2 WHERE name = ?1 AND " NOT_LAST_ADMIN,
                        2, p, NULL, NULL, &changes);
        if (!rc && changes != 1) {
            snprintf(err, errlen, "'%s' is the last admin: make another admin first", s->name);
            return AM_ERR_INVALID;
        }
    } else if (hub_role_parse(c->before + strlen("role="), &role) != 0) {
        role = HUB_ROLE_COUNT; /* a role this hub does not know: its scope alone changes */
    }
    if (!rc && role == HUB_ROLE_ADMIN && (s->nsites || s->nteams)) {
        snprintf(err, errlen, "an admin has every site: no site or team");
        return AM_ERR_INVALID;
    }
    if (!rc && role == HUB_ROLE_ADMIN)
        rc = hub_db_run(db, conn, "DELETE FROM person_scopes WHERE person = ?1", 1, p, NULL, NULL,
                        NULL);
    if (!rc && role != HUB_ROLE_ADMIN && s->has_sites)
        rc = hub_db_run(db, conn, "DELETE FROM person_scopes WHERE person = ?1 AND team = ''", 1, p,
                        NULL, NULL, NULL);
    if (!rc && role != HUB_ROLE_ADMIN && s->has_teams)
        rc = hub_db_run(db, conn, "DELETE FROM person_scopes WHERE person = ?1 AND team <> ''", 1,
                        p, NULL, NULL, NULL);
    if (rc) {
        snprintf(err, errlen, "storing the change failed (see the log): nothing changed");
        return rc;
    }
    if (role != HUB_ROLE_ADMIN) {
        rc = scopes_insert(db, conn, s->name, s->sites, s->has_sites ? s->nsites : 0, s->teams,
                           s->has_teams ? s->nteams : 0, err, errlen);
        if (rc)
            return rc;
    }
    rc = describe(db, conn, s->name, c->after, sizeof c->after, err, errlen);
    if (!rc && role != HUB_ROLE_ADMIN && !strstr(c->after, "; sites=") &&
        !strstr(c->after, "; teams=")) {
        snprintf(err, errlen, "a %s needs at least one site or team", hub_role_name(role));
        return AM_ERR_INVALID;
    }
    e->target = s->name;
    e->before = c->before;
    e->after = c->after;
    e->person_sites = s->name;
    if (!rc && !strcmp(c->before, c->after))
        e->action = NULL; /* nothing changed: nothing to record */
    return rc;
}

am_rc hub_db_person_set(hub_db *db, const hub_person_set *set, const hub_audit_entry *audit,
                        bool *changed, char *err, size_t errlen)
{
    set_ctx c = {.set = set};
    am_rc rc = audited_txn(db, person_set_txn, &c, audit, err, errlen);
    if (changed)
        *changed = !rc && strcmp(c.before, c.after) != 0;
    return rc;
}

typedef struct remove_ctx {
    const char *name;
    char before[PERSON_TEXT_MAX], detail[128];
} remove_ctx;

static am_rc person_remove_txn(hub_db *db, void *conn, void *ud, hub_audit_entry *e, char *err,
                               size_t errlen)
{
    remove_ctx *c = ud;
    const char *p[] = {c->name};
    int64_t changes = 0, tokens = 0, sessions = 0;
    am_rc rc = describe(db, conn, c->name, c->before, sizeof c->before, err, errlen);
    if (rc)
        return rc;
    /* The row stays, so that the audit trail still names them; the role
     * "removed" is none this hub grants anything to (hub_db_person_get). */
    rc = hub_db_run(db, conn,
                    "UPDATE people SET role = 'removed', password_hash = NULL "
                    "WHERE name = ?1 AND " NOT_LAST_ADMIN,
                    1, p, NULL, NULL, &changes);
    if (!rc && changes != 1) {
        snprintf(err, errlen,
                 "'%s' is the last admin: make another admin first (amends-hub person set "
                 "NAME --role admin)",
                 c->name);
        return AM_ERR_INVALID;
    }
    if (!rc)
        rc = hub_db_run(db, conn, "DELETE FROM api_tokens WHERE person = ?1", 1, p, NULL, NULL,
                        &tokens);
    if (!rc)
        rc = hub_db_run(db, conn, "DELETE FROM web_sessions WHERE manager = ?1", 1, p, NULL, NULL,
                        &sessions);
    if (!rc)
        rc = hub_db_run(db, conn, "DELETE FROM password_links WHERE person = ?1", 1, p, NULL, NULL,
                        NULL);
    if (rc) {
        snprintf(err, errlen, "removing the person failed (see the log): nothing changed");
        return rc;
    }
    snprintf(c->detail, sizeof c->detail, "%lld API token%s revoked, %lld session%s ended",
             (long long)tokens, tokens == 1 ? "" : "s", (long long)sessions,
             sessions == 1 ? "" : "s");
    e->target = c->name;
    e->before = c->before;
    e->after = "removed";
    e->detail = c->detail;
    e->person_sites = c->name;
    return AM_OK;
}

am_rc hub_db_person_remove(hub_db *db, const char *name, const hub_audit_entry *audit, char *err,
                           size_t errlen)
{
    remove_ctx c = {.name = name};
    return audited_txn(db, person_remove_txn, &c, audit, err, errlen);
}

am_rc hub_db_tokens(hub_db *db, const char *person, cJSON **out)
{
    static const col cols[] = {{"id", COL_TEXT}, {"person", COL_TEXT}, {"created_at", COL_INT}};
    const char *p[] = {person};
    if (person)
        return hub_db_query_rows(
            db,
            "SELECT substr(token_hash, 1, 12), person, created_at "
            "FROM api_tokens WHERE person = ?1 ORDER BY created_at, token_hash",
            1, p, cols, 3, out);
    return hub_db_query_rows(db,
                             "SELECT substr(token_hash, 1, 12), person, created_at "
                             "FROM api_tokens ORDER BY person, created_at, token_hash",
                             0, NULL, cols, 3, out);
}

typedef struct revoke_ctx {
    const char *id;
    char owner[HUB_NAME_MAX], detail[64];
    int rows;
} revoke_ctx;

static void on_owner(void *ud, int ncols, const char *const *v)
{
    revoke_ctx *c = ud;
    if (ncols < 1 || !v[0])
        return;
    c->rows++;
    snprintf(c->owner, sizeof c->owner, "%s", v[0]);
}

static am_rc token_revoke_txn(hub_db *db, void *conn, void *ud, hub_audit_entry *e, char *err,
                              size_t errlen)
{
    revoke_ctx *c = ud;
    const char *p[] = {c->id};
    am_rc rc =
        hub_db_run(db, conn, "SELECT person FROM api_tokens WHERE substr(token_hash, 1, 12) = ?1",
                   1, p, on_owner, c, NULL);
    if (!rc && c->rows == 0) {
        snprintf(err, errlen, "no token '%s' (amends-hub token list shows them)", c->id);
        return AM_ERR_NOTFOUND;
    }
    if (!rc && c->rows > 1) {
        snprintf(err, errlen, "'%s' names %d tokens: nothing revoked", c->id, c->rows);
        return AM_ERR_INVALID;
    }
    if (!rc)
        rc = hub_db_run(db, conn, "DELETE FROM api_tokens WHERE substr(token_hash, 1, 12) = ?1", 1,
                        p, NULL, NULL, NULL);
    if (rc) {
        snprintf(err, errlen, "revoking the token failed (see the log): nothing changed");
        return rc;
    }
    snprintf(c->detail, sizeof c->detail, "token %s", c->id);
    e->target = c->owner;
    e->before = "active";
    e->after = "revoked";
    e->detail = c->detail;
    e->person_sites = c->owner;
    return AM_OK;
}

am_rc hub_db_token_revoke(hub_db *db, const char *id, const hub_audit_entry *audit, char *owner,
                          size_t ownerlen, char *err, size_t errlen)
{
    revoke_ctx c = {.id = id};
    am_rc rc = audited_txn(db, token_revoke_txn, &c, audit, err, errlen);
    if (!rc && owner)
        snprintf(owner, ownerlen, "%s", c.owner);
    return rc;
}
