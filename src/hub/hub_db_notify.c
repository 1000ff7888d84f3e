/* hub_db_notify.c — destinations and the outbox in the database
 * (hub_notify.h): messages written in the transaction of the event that
 * causes them, claimed by one hub at a time, and what became of them. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amends/log.h"
#include "hub_db_internal.h"
#include "hub_notify.h"

#define MOD "notify"

/* "PREFIX" and n characters of a-z 2-7 (base32, unambiguous in a URL or
 * a log line). */
static void random_id(const char *prefix, size_t n, char *out, size_t len)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    size_t p = (size_t)snprintf(out, len, "%s", prefix);
    for (size_t i = 0; i < n && p + 1 < len; i++)
        out[p++] = alphabet[randombytes_uniform(32)];
    out[p] = '\0';
}

/* --- destinations ------------------------------------------------------------------------ */

am_rc hub_db_destination_add(hub_db *db, hub_destination *d, int64_t now_ms,
                             const hub_audit_entry *audit, char *err, size_t errlen)
{
    random_id("dst_", 16, d->id, sizeof d->id);
    d->secret[0] = '\0';
    if (!strcmp(d->kind, "webhook"))
        am_webhook_secret_new(d->secret);
    num now = i64(now_ms);
    const char *p[] = {d->id,
                       d->site,
                       d->kind,
                       d->target,
                       d->team[0] ? d->team : NULL,
                       d->events,
                       d->secret[0] ? d->secret : NULL,
                       now.s};
    int64_t changes = 0;
    /* The site, and the team at it, must exist: checked in the INSERT, so
     * nothing can remove them in between. */
    am_rc rc = hub_db_write_audited(
        db,
        "INSERT INTO destinations (id, site, kind, target, team, events, secret, created_at) "
        "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, CAST(?8 AS BIGINT) WHERE EXISTS (SELECT 1 FROM sites "
        "WHERE id = ?2) AND (CAST(?5 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM teams WHERE site = "
        "?2 AND id = ?5))",
        p, 8, audit, &changes);
    if (rc) {
        snprintf(err, errlen, "storing the destination failed (see the log)");
        return rc;
    }
    if (changes == 0) {
        if (d->team[0])
            snprintf(err, errlen, "no site '%s' with a team '%s'", d->site, d->team);
        else
            snprintf(err, errlen, "no site '%s'", d->site);
        return AM_ERR_NOTFOUND;
    }
    return AM_OK;
}

am_rc hub_db_destination_remove(hub_db *db, const char *id, const hub_audit_entry *audit, char *err,
                                size_t errlen)
{
    int slot;
    int64_t changes = 0;
    const char *p[] = {id};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = db->drv->begin(conn);
    if (!rc)
        rc = hub_db_run(db, conn, "DELETE FROM destinations WHERE id = ?1", 1, p, NULL, NULL,
                        &changes);
    /* Its messages not yet sent can never be: dead, with the reason. */
    if (!rc && changes > 0)
        rc = hub_db_run(db, conn,
                        "UPDATE outbox SET state = 'dead', last_error = 'destination removed', "
                        "claimed_by = NULL, claimed_until = NULL WHERE destination = ?1 AND state "
                        "IN ('pending', 'sending')",
                        1, p, NULL, NULL, NULL);
    if (!rc && changes > 0)
        rc = hub_db_audit_write(db, conn, audit);
    if (!rc)
        rc = db->drv->commit(conn);
    if (rc)
        db->drv->rollback(conn);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    if (rc) {
        snprintf(err, errlen, "removing the destination failed (see the log)");
        return rc;
    }
    if (changes == 0) {
        snprintf(err, errlen, "no destination '%s'", id);
        return AM_ERR_NOTFOUND;
    }
    return AM_OK;
}

static const col dest_cols[] = {
    {"id", COL_TEXT},         {"site", COL_TEXT},
    {"kind", COL_TEXT},       {"to", COL_TEXT},
    {"team", COL_TEXT},       {"events", COL_TEXT},
    {"disabled_at", COL_INT}, {"disabled_reason", COL_TEXT},
    {"created_at", COL_INT},
};

am_rc hub_db_destinations(hub_db *db, const char *site, cJSON **out)
{
    const char *p[] = {site};
    return hub_db_query_rows(
        db,
        "SELECT id, site, kind, target, team, events, disabled_at, "
        "disabled_reason, created_at FROM destinations WHERE "
        "(CAST(?1 AS TEXT) IS NULL OR site = ?1) ORDER BY site, created_at, id",
        1, p, dest_cols, (int)(sizeof dest_cols / sizeof dest_cols[0]), out);
}

/* Columns id, site, kind, target, team, events, secret, disabled_at from
 * values[at]. */
static void dest_from(hub_destination *d, const char *const *v)
{
    memset(d, 0, sizeof *d);
    snprintf(d->id, sizeof d->id, "%s", v[0] ? v[0] : "");
    snprintf(d->site, sizeof d->site, "%s", v[1] ? v[1] : "");
    snprintf(d->kind, sizeof d->kind, "%s", v[2] ? v[2] : "");
    snprintf(d->target, sizeof d->target, "%s", v[3] ? v[3] : "");
    snprintf(d->team, sizeof d->team, "%s", v[4] ? v[4] : "");
    snprintf(d->events, sizeof d->events, "%s", v[5] ? v[5] : "");
    snprintf(d->secret, sizeof d->secret, "%s", v[6] ? v[6] : "");
    d->disabled = v[7] != NULL;
}

typedef struct dest_found {
    bool found;
    hub_destination *d;
} dest_found;

static void on_dest(void *ud, int ncols, const char *const *v)
{
    dest_found *f = ud;
    if (ncols < 8 || !v[0])
        return;
    dest_from(f->d, v);
    f->found = true;
}

am_rc hub_db_destination_get(hub_db *db, const char *id, hub_destination *d)
{
    int slot;
    dest_found f = {false, d};
    const char *p[] = {id};
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = hub_db_run(db, conn,
                          "SELECT id, site, kind, target, team, events, secret, disabled_at FROM "
                          "destinations WHERE id = ?1",
                          1, p, on_dest, &f, NULL);
    hub_db_release(db, slot);
    return rc ? rc : f.found ? AM_OK : AM_ERR_NOTFOUND;
}

am_rc hub_db_notify_site_set(hub_db *db, const char *site, const bool *normal_cases,
                             const bool *guest_text, const hub_audit_entry *audit, char *err,
                             size_t errlen)
{
    const char *p[] = {site, normal_cases ? (*normal_cases ? "1" : "0") : NULL,
                       guest_text ? (*guest_text ? "1" : "0") : NULL};
    int64_t changes = 0;
    am_rc rc = hub_db_write_audited(
        db,
        "INSERT INTO notify_sites (site, normal_cases, include_guest_text) SELECT ?1, "
        "COALESCE(CAST(?2 AS INTEGER), 1), COALESCE(CAST(?3 AS INTEGER), 0) WHERE EXISTS (SELECT "
        "1 FROM sites WHERE id = ?1) ON CONFLICT (site) DO UPDATE SET normal_cases = "
        "COALESCE(CAST(?2 AS INTEGER), notify_sites.normal_cases), include_guest_text = "
        "COALESCE(CAST(?3 AS INTEGER), notify_sites.include_guest_text)",
        p, 3, audit, &changes);
    if (rc) {
        snprintf(err, errlen, "storing the site's choices failed (see the log)");
        return rc;
    }
    if (changes == 0) {
        snprintf(err, errlen, "no site '%s'", site);
        return AM_ERR_NOTFOUND;
    }
    return AM_OK;
}

/* --- writing messages, in the event's transaction --------------------------------------- */

/* True when the comma-separated list holds name. */
static bool listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        size_t m = strcspn(p, ",");
        if (m == n && !strncmp(p, name, n))
            return true;
        p += m;
        if (*p == ',')
            p++;
    }
    return false;
}

typedef struct case_facts {
    bool found;
    char site[AM_KIOSK_ID_MAX], team[AM_KIOSK_ID_MAX], code[32], priority[16], state[16];
    char category[64], severity[16], location[128], resolution[64];
    char kiosk[AM_KIOSK_ID_MAX], journey[64];
    int64_t id, opened_at, ack_due, resolve_due;
} case_facts;

static void on_case_facts(void *ud, int ncols, const char *const *v)
{
    case_facts *c = ud;
    if (ncols < 14 || !v[0])
        return;
    c->found = true;
#define TXT(dst, i) snprintf(dst, sizeof dst, "%s", v[i] ? v[i] : "")
    TXT(c->site, 0);
    TXT(c->team, 1);
    TXT(c->code, 2);
    TXT(c->priority, 3);
    TXT(c->state, 4);
    TXT(c->category, 5);
    TXT(c->severity, 6);
    TXT(c->location, 7);
    TXT(c->resolution, 8);
    TXT(c->kiosk, 9);
    TXT(c->journey, 10);
#undef TXT
    c->opened_at = v[11] ? strtoll(v[11], NULL, 10) : 0;
    c->ack_due = v[12] ? strtoll(v[12], NULL, 10) : 0;
    c->resolve_due = v[13] ? strtoll(v[13], NULL, 10) : 0;
}

typedef struct site_choices {
    bool normal_cases, guest_text;
} site_choices;

static void on_choices(void *ud, int ncols, const char *const *v)
{
    site_choices *s = ud;
    if (ncols < 2)
        return;
    s->normal_cases = v[0] && atoi(v[0]) != 0;
    s->guest_text = v[1] && atoi(v[1]) != 0;
}

typedef struct guest_words {
    char name[128], text[2048];
} guest_words;

static void on_guest(void *ud, int ncols, const char *const *v)
{
    guest_words *g = ud;
    if (ncols < 2)
        return;
    snprintf(g->name, sizeof g->name, "%s", v[0] ? v[0] : "");
    snprintf(g->text, sizeof g->text, "%s", v[1] ? v[1] : "");
}

#define DESTS_MAX 64
typedef struct dest_list {
    char id[DESTS_MAX][HUB_DEST_ID_MAX];
    char team[DESTS_MAX][AM_KIOSK_ID_MAX];
    char events[DESTS_MAX][HUB_DEST_EVENTS_MAX];
    int n;
} dest_list;

static void on_dest_row(void *ud, int ncols, const char *const *v)
{
    dest_list *l = ud;
    if (ncols < 3 || !v[0] || l->n >= DESTS_MAX)
        return;
    snprintf(l->id[l->n], sizeof l->id[l->n], "%s", v[0]);
    snprintf(l->team[l->n], sizeof l->team[l->n], "%s", v[1] ? v[1] : "");
    snprintf(l->events[l->n], sizeof l->events[l->n], "%s", v[2] ? v[2] : "");
    l->n++;
}

/* The message's JSON: Standard Webhooks' {"type", "timestamp", "data"}. */
static char *payload_of(const char *event, const case_facts *c, int level, const guest_words *g,
                        int64_t now_ms)
{
    char when[32];
    time_t t = (time_t)(now_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "type", event);
    cJSON_AddStringToObject(root, "timestamp", when);
    cJSON *data = cJSON_AddObjectToObject(root, "data");
    cJSON_AddStringToObject(data, "site", c->site);
    if (!strcmp(event, "case.overdue"))
        cJSON_AddStringToObject(data, "escalated_to", level >= 2 ? "site managers" : "team");
    cJSON *k = cJSON_AddObjectToObject(data, "case");
    cJSON_AddNumberToObject(k, "id", (double)c->id);
    cJSON_AddStringToObject(k, "code", c->code);
    cJSON_AddStringToObject(k, "team", c->team);
    cJSON_AddStringToObject(k, "priority", c->priority);
    cJSON_AddStringToObject(k, "state", c->state);
    cJSON_AddStringToObject(k, "category", c->category);
    cJSON_AddStringToObject(k, "impact", c->severity);
    cJSON_AddStringToObject(k, "location", c->location);
    cJSON_AddStringToObject(k, "fix", c->resolution);
    cJSON_AddNumberToObject(k, "opened_at", (double)c->opened_at);
    /* The deadline that matters now: acknowledging while nobody has. */
    cJSON_AddNumberToObject(k, "deadline",
                            (double)(!strcmp(c->state, "open") ? c->ack_due : c->resolve_due));
    if (g) {
        cJSON *gj = cJSON_AddObjectToObject(data, "guest");
        cJSON_AddStringToObject(gj, "name", g->name);
        cJSON_AddStringToObject(gj, "text", g->text);
    }
    char *out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return out;
}

am_rc hub_notify_case(hub_db *db, void *conn, int64_t case_id, const char *event, int level,
                      int64_t now_ms)
{
    case_facts c;
    memset(&c, 0, sizeof c);
    c.id = case_id;
    num id = i64(case_id);
    const char *p[] = {id.s};
    am_rc rc = hub_db_run(db, conn,
                          "SELECT site, team, code, priority, state, category, severity, "
                          "location, resolution, kiosk, journey, opened_at, ack_due, resolve_due "
                          "FROM cases WHERE id = CAST(?1 AS BIGINT)",
                          1, p, on_case_facts, &c, NULL);
    if (rc || !c.found)
        return rc;
    site_choices s = {true, false};
    const char *ps[] = {c.site};
    rc = hub_db_run(db, conn,
                    "SELECT normal_cases, include_guest_text FROM notify_sites WHERE site = ?1", 1,
                    ps, on_choices, &s, NULL);
    if (rc)
        return rc;
    if (!strcmp(event, "case.opened") && strcmp(c.priority, "urgent") && !s.normal_cases)
        return AM_OK;
    dest_list *l = calloc(1, sizeof *l);
    if (!l)
        return AM_ERR_NOMEM;
    rc = hub_db_run(db, conn,
                    "SELECT id, team, events FROM destinations WHERE site = ?1 AND disabled_at IS "
                    "NULL ORDER BY id",
                    1, ps, on_dest_row, l, NULL);
    guest_words g = {"", ""};
    bool guest = false;
    if (!rc && s.guest_text && l->n) {
        const char *pf[] = {c.kiosk, c.journey};
        rc = hub_db_run(db, conn,
                        "SELECT first_name, description FROM feedback WHERE kiosk = ?1 "
                        "AND id = ?2",
                        2, pf, on_guest, &g, NULL);
        guest = true;
    }
    char *payload = NULL;
    for (int i = 0; !rc && i < l->n; i++) {
        if (!listed(l->events[i], event))
            continue;
        /* A team's destination hears of its team's cases; one of no team
         * of every case, and alone of an escalation to the managers. */
        bool team_ok = !l->team[i][0]                                 ? true
                       : !strcmp(event, "case.overdue") && level >= 2 ? false
                                                                      : !strcmp(l->team[i], c.team);
        if (!team_ok)
            continue;
        if (!payload)
            payload = payload_of(event, &c, level, guest ? &g : NULL, now_ms);
        if (!payload) {
            rc = AM_ERR_NOMEM;
            break;
        }
        char msg[HUB_MSG_ID_MAX];
        random_id("msg_", 24, msg, sizeof msg);
        num now = i64(now_ms);
        const char *q[] = {msg, l->id[i], event, c.site, id.s, payload, now.s};
        rc = hub_db_run(db, conn,
                        "INSERT INTO outbox (id, destination, event, site, case_id, payload, "
                        "state, attempts, next_at, created_at) VALUES (?1, ?2, ?3, ?4, CAST(?5 AS "
                        "BIGINT), ?6, 'pending', 0, CAST(?7 AS BIGINT), CAST(?7 AS BIGINT))",
                        7, q, NULL, NULL, NULL);
    }
    cJSON_free(payload);
    free(l);
    return rc;
}

/* --- claiming and finishing ------------------------------------------------------------------ */

/* Due: pending and its time has come, or claimed by a hub whose lease ran
 * out (it died or hung mid-send: the message goes again, same id). Of
 * destinations still enabled. */
#define DUE_SQL(lock)                                                                              \
    "UPDATE outbox SET state = 'sending', claimed_by = ?1, claimed_until = CAST(?3 AS BIGINT), "   \
    "attempts = attempts + 1 WHERE id IN (SELECT o.id FROM outbox o JOIN destinations d ON d.id "  \
    "= o.destination WHERE d.disabled_at IS NULL AND ((o.state = 'pending' AND o.next_at <= "      \
    "CAST(?2 AS BIGINT)) OR (o.state = 'sending' AND o.claimed_until < CAST(?2 AS BIGINT))) "      \
    "ORDER BY o.next_at LIMIT CAST(?4 AS INTEGER)" lock ")"

static const char claim_sqlite[] = DUE_SQL("");
static const char claim_pg[] = DUE_SQL(" FOR UPDATE OF o SKIP LOCKED");

typedef struct claimed {
    hub_outbox_msg *out;
    int max, n;
} claimed;

static void on_claimed(void *ud, int ncols, const char *const *v)
{
    claimed *c = ud;
    if (ncols < 12 || !v[0] || c->n >= c->max)
        return;
    hub_outbox_msg *m = &c->out[c->n];
    memset(m, 0, sizeof *m);
    snprintf(m->id, sizeof m->id, "%s", v[0]);
    snprintf(m->event, sizeof m->event, "%s", v[1] ? v[1] : "");
    m->attempts = v[2] ? atoi(v[2]) : 1;
    m->payload = strdup(v[3] ? v[3] : "{}");
    dest_from(&m->dest, v + 4);
    if (m->payload)
        c->n++;
}

am_rc hub_db_outbox_claim(hub_db *db, const char *hub_id, int64_t now_ms, int64_t lease_ms,
                          hub_outbox_msg *out, int max, int *n)
{
    int slot;
    num now = i64(now_ms), until = i64(now_ms + lease_ms), lim = i64(max);
    const char *p[] = {hub_id, now.s, until.s, lim.s};
    claimed c = {out, max, 0};
    *n = 0;
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = AM_ERR_BUSY;
    for (int attempt = 0; attempt < BUSY_RETRIES && rc == AM_ERR_BUSY; attempt++) {
        rc = db->drv->begin(conn);
        if (!rc)
            rc = hub_db_run(db, conn, db->drv->dialect == HUB_DIALECT_PG ? claim_pg : claim_sqlite,
                            4, p, NULL, NULL, NULL);
        if (!rc)
            rc = db->drv->commit(conn);
        if (rc)
            db->drv->rollback(conn);
    }
    hub_db_write_unlock(db);
    /* What this hub holds now: read after the claim is committed. */
    if (!rc)
        rc = hub_db_run(db, conn,
                        "SELECT o.id, o.event, o.attempts, o.payload, d.id, d.site, d.kind, "
                        "d.target, d.team, d.events, d.secret, d.disabled_at FROM outbox o JOIN "
                        "destinations d ON d.id = o.destination WHERE o.claimed_by = ?1 AND "
                        "o.state = 'sending' ORDER BY o.next_at",
                        1, p, on_claimed, &c, NULL);
    hub_db_release(db, slot);
    *n = c.n;
    return rc;
}

am_rc hub_db_outbox_finish(hub_db *db, const char *id, const char *hub_id, const char *state,
                           int64_t next_at, const char *error, int64_t now_ms, const char *dest_id,
                           const char *disable_reason, bool uncount)
{
    int slot;
    num next = i64(next_at), now = i64(now_ms);
    const char *p[] = {id, hub_id, state, next.s, error, now.s, uncount ? "1" : "0"};
    const char *q[] = {dest_id, now.s, disable_reason};
    int64_t changes = 0;
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = AM_ERR_BUSY;
    for (int attempt = 0; attempt < BUSY_RETRIES && rc == AM_ERR_BUSY; attempt++) {
        rc = db->drv->begin(conn);
        /* Only while the claim is ours: a hub whose lease ran out must not
         * undo what the hub that took the message over recorded. */
        if (!rc)
            rc = hub_db_run(db, conn,
                            "UPDATE outbox SET state = ?3, next_at = CAST(?4 AS BIGINT), "
                            "last_error = ?5, sent_at = CASE WHEN ?3 = 'sent' THEN CAST(?6 AS "
                            "BIGINT) ELSE sent_at END, claimed_by = NULL, claimed_until = NULL, "
                            "attempts = attempts - CAST(?7 AS INTEGER) "
                            "WHERE id = ?1 AND claimed_by = ?2 AND state = 'sending'",
                            7, p, NULL, NULL, &changes);
        if (!rc && disable_reason)
            rc = hub_db_run(db, conn,
                            "UPDATE destinations SET disabled_at = CAST(?2 AS BIGINT), "
                            "disabled_reason = ?3 WHERE id = ?1 AND disabled_at IS NULL",
                            3, q, NULL, NULL, NULL);
        if (!rc)
            rc = db->drv->commit(conn);
        if (rc)
            db->drv->rollback(conn);
    }
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    if (!rc && changes == 0)
        am_log_warn(MOD, "message %s: another hub took it over meanwhile (its lease ran out)", id);
    return rc;
}

typedef struct msg_site {
    bool found, has_destination;
    char *site, *state, *disabled;
    size_t sitelen, statelen, disabledlen;
} msg_site;

static void on_msg_site(void *ud, int ncols, const char *const *v)
{
    msg_site *m = ud;
    if (ncols < 3 || !v[0])
        return;
    m->found = true;
    snprintf(m->site, m->sitelen, "%s", v[0]);
    snprintf(m->state, m->statelen, "%s", v[1] ? v[1] : "");
    m->has_destination = v[2] != NULL;
    if (ncols > 3 && v[3])
        snprintf(m->disabled, m->disabledlen, "%s", v[3]);
}

am_rc hub_db_outbox_site(hub_db *db, const char *id, char *site, size_t sitelen, char *state,
                         size_t statelen, bool *has_destination, char *disabled, size_t disabledlen)
{
    int slot;
    disabled[0] = '\0';
    msg_site m = {false, false, site, state, disabled, sitelen, statelen, disabledlen};
    const char *p[] = {id};
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = hub_db_run(db, conn,
                          "SELECT o.site, o.state, d.id, CASE WHEN d.disabled_at IS NULL THEN NULL "
                          "ELSE COALESCE(d.disabled_reason, 'turned off') END FROM outbox o "
                          "LEFT JOIN destinations d ON d.id = o.destination WHERE o.id = ?1",
                          1, p, on_msg_site, &m, NULL);
    hub_db_release(db, slot);
    *has_destination = m.has_destination;
    return rc ? rc : m.found ? AM_OK : AM_ERR_NOTFOUND;
}

am_rc hub_db_outbox_retry(hub_db *db, const char *id, int64_t now_ms, const hub_audit_entry *audit)
{
    num now = i64(now_ms);
    const char *p[] = {id, now.s};
    int64_t changes = 0;
    am_rc rc = hub_db_write_audited(db,
                                    "UPDATE outbox SET state = 'pending', attempts = 0, next_at = "
                                    "CAST(?2 AS BIGINT) WHERE id = ?1 AND state = 'dead' AND "
                                    "destination IN (SELECT id FROM destinations WHERE "
                                    "disabled_at IS NULL)",
                                    p, 2, audit, &changes);
    return rc ? rc : changes ? AM_OK : AM_ERR_INVALID;
}

static bool site_in(const char *site, const char *const *sites, int nsites)
{
    if (!sites)
        return true;
    for (int i = 0; i < nsites; i++)
        if (!strcmp(sites[i], site))
            return true;
    return false;
}

static const col count_cols[] = {{"site", COL_TEXT}, {"state", COL_TEXT}, {"n", COL_INT}};
static const col dead_cols[] = {
    {"id", COL_TEXT},         {"site", COL_TEXT},      {"destination", COL_TEXT},
    {"kind", COL_TEXT},       {"event", COL_TEXT},     {"attempts", COL_INT},
    {"last_error", COL_TEXT}, {"created_at", COL_INT}, {"case_id", COL_INT},
};

am_rc hub_db_notifications(hub_db *db, const char *const *sites, int nsites, cJSON **out)
{
    cJSON *counts = NULL, *dead = NULL;
    *out = NULL;
    am_rc rc = hub_db_query_rows(db,
                                 "SELECT site, state, COUNT(*) FROM outbox GROUP BY site, state "
                                 "ORDER BY site, state",
                                 0, NULL, count_cols, 3, &counts);
    if (!rc)
        rc = hub_db_query_rows(db,
                               "SELECT o.id, o.site, o.destination, d.kind, o.event, o.attempts, "
                               "o.last_error, o.created_at, o.case_id FROM outbox o LEFT JOIN "
                               "destinations d ON d.id = o.destination WHERE o.state = 'dead' "
                               "ORDER BY o.created_at DESC, o.id LIMIT 1000",
                               0, NULL, dead_cols, (int)(sizeof dead_cols / sizeof dead_cols[0]),
                               &dead);
    if (rc) {
        cJSON_Delete(counts);
        cJSON_Delete(dead);
        return rc;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON *per_site = cJSON_AddArrayToObject(root, "sites");
    const cJSON *row;
    cJSON_ArrayForEach(row, counts)
    {
        const char *site = cJSON_GetStringValue(cJSON_GetObjectItem(row, "site"));
        const char *state = cJSON_GetStringValue(cJSON_GetObjectItem(row, "state"));
        if (!site || !state || !site_in(site, sites, nsites))
            continue;
        cJSON *entry = NULL, *e;
        cJSON_ArrayForEach(e, per_site)
        {
            if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "site")), site))
                entry = e;
        }
        if (!entry) {
            entry = cJSON_CreateObject();
            cJSON_AddStringToObject(entry, "site", site);
            static const char *const states[] = {"pending", "sending", "sent", "dead"};
            for (int i = 0; i < 4; i++)
                cJSON_AddNumberToObject(entry, states[i], 0);
            cJSON_AddItemToArray(per_site, entry);
        }
        cJSON_ReplaceItemInObject(
            entry, state, cJSON_CreateNumber(cJSON_GetNumberValue(cJSON_GetObjectItem(row, "n"))));
    }
    cJSON *dead_out = cJSON_AddArrayToObject(root, "dead");
    for (cJSON *d = dead ? dead->child : NULL, *next; d; d = next) {
        next = d->next;
        const char *site = cJSON_GetStringValue(cJSON_GetObjectItem(d, "site"));
        if (site && site_in(site, sites, nsites))
            cJSON_AddItemToArray(dead_out, cJSON_DetachItemViaPointer(dead, d));
    }
    cJSON_Delete(counts);
    cJSON_Delete(dead);
    *out = root;
    return AM_OK;
}
