/* hub_db_audit.c — the audit trail's rows: adding, listing, purging. */
#include "hub_audit.h"

#include <string.h>

#include "amends/log.h"
#include "hub_db_internal.h"

#define DAY_MS INT64_C(86400000)

/* Each action and its label on the dashboard's audit page, in one table:
 * an action cannot be added without one. Keep docs/hub.md#audit-trail in
 * step: a test compares them. */
const hub_audit_action hub_audit_actions[] = {
    {"sign_in", "Signed in"},
    {"sign_in.failed", "Sign-in failed"},
    {"sign_out", "Signed out"},
    {"login_link.add", "Login link made"},
    {"person.add", "Person added"},
    {"manager.add", "Admin added"},
    {"token.add", "API token made"},
    {"site.add", "Site added"},
    {"site.set", "Site changed"},
    {"team.add", "Team added"},
    {"kiosk.add", "Kiosk added"},
    {"kiosk.voucher_key", "Voucher key made"},
    {"kiosk.rotate", "Kiosk credentials rotated"},
    {"kiosk.disable", "Kiosk disabled"},
    {"kiosk.enable", "Kiosk enabled"},
    {"kiosk.remove", "Kiosk removed"},
    {"alert.ack", "Alert acknowledged"},
    {"voucher.redeem", "Voucher redeemed"},
    {"case.ack", "Case acknowledged"},
    {"case.assign", "Case assigned"},
    {"case.note", "Note on a case"},
    {"case.priority", "Case priority changed"},
    {"case.resolve", "Case resolved"},
    {"case.unresolved", "Case closed unresolved"},
    {"case.reopen", "Case reopened"},
    {"person.role", "Role changed"},
    {"person.set", "Person changed"},
    {"person.remove", "Person removed"},
    {"token.revoke", "API token revoked"},
    {"password_link.add", "Password link made"},
    {"password.set", "Password set"},
    {"case_route.add", "Routing rule added"},
    {"case_route.default", "Default team set"},
    {"case_route.deadline", "Case deadlines set"},
    {"destination.add", "Notification destination added"},
    {"destination.remove", "Notification destination removed"},
    {"destination.site", "Site's notification choices set"},
    {"notification.retry", "Dead notification sent again"},
    {NULL, NULL},
};

const char *const hub_audit_columns[] = {
    "seq",  "at",     "actor",  "via",   "address", "action",
    "site", "target", "before", "after", "detail",  NULL,
};

bool hub_audit_action_known(const char *name)
{
    return hub_audit_action_label(name) != NULL;
}

const char *hub_audit_action_label(const char *name)
{
    for (const hub_audit_action *a = hub_audit_actions; name && a->name; a++) {
        if (!strcmp(a->name, name))
            return a->label;
    }
    return NULL;
}

static bool entry_ok(const hub_audit_entry *e)
{
    return hub_audit_action_known(e->action) && e->actor && e->via && e->address;
}

static void on_seq(void *ud, int ncols, const char *const *v)
{
    if (ncols >= 1 && v[0])
        snprintf(((num *)ud)->s, sizeof((num *)ud)->s, "%s", v[0]);
}

am_rc hub_db_audit_write(hub_db *db, void *conn, const hub_audit_entry *e)
{
    if (!e)
        return AM_OK;
    if (!entry_ok(e))
        return AM_ERR_INVALID;
    num at = i64(e->at_ms), seq = {.s = ""};
    const char *person = e->person_sites ? e->person_sites : "";
    const char *p[] = {at.s,      e->actor,  e->via,   e->address, e->action, e->site,
                       e->target, e->before, e->after, e->detail,  person};
    /* The one site column shows the first site when none is given. */
    am_rc rc = hub_db_run(
        db, conn,
        "INSERT INTO audit (at, actor, via, address, action, site, target, before_value, "
        "after_value, detail) VALUES (CAST(?1 AS BIGINT), ?2, ?3, ?4, ?5, COALESCE(?6, "
        "(SELECT MIN(site) FROM person_scopes WHERE person = ?11)), ?7, ?8, ?9, ?10) "
        "RETURNING seq",
        11, p, on_seq, &seq, NULL);
    if (!rc && !seq.s[0])
        rc = AM_ERR;
    const char *q[] = {seq.s, person};
    if (!rc)
        rc = hub_db_run(db, conn,
                        "INSERT INTO audit_sites (seq, site) SELECT seq, site FROM audit "
                        "WHERE seq = CAST(?1 AS BIGINT) AND site IS NOT NULL "
                        "UNION SELECT CAST(?1 AS BIGINT), site FROM person_scopes "
                        "WHERE person = ?2",
                        2, q, NULL, NULL, NULL);
    return rc;
}

am_rc hub_db_audit_add(hub_db *db, const hub_audit_entry *e)
{
    if (!entry_ok(e))
        return AM_ERR_INVALID;
    int slot;
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = db->drv->begin(conn);
    if (!rc)
        rc = hub_db_audit_write(db, conn, e);
    if (!rc)
        rc = db->drv->commit(conn);
    if (rc)
        db->drv->rollback(conn);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    return rc;
}

void hub_audit(hub_db *db, const hub_audit_entry *e)
{
    am_rc rc = hub_db_audit_add(db, e);
    if (rc)
        am_log_error("audit", "%s by %s: not recorded (%s)", e->action, e->actor, am_rc_str(rc));
}

am_rc hub_db_audit_list(hub_db *db, const hub_audit_filter *f, cJSON **out)
{
    static const col cols[] = {
        {"seq", COL_INT},      {"at", COL_INT},      {"actor", COL_TEXT},  {"via", COL_TEXT},
        {"address", COL_TEXT}, {"action", COL_TEXT}, {"site", COL_TEXT},   {"target", COL_TEXT},
        {"before", COL_TEXT},  {"after", COL_TEXT},  {"detail", COL_TEXT},
    };
    num since = i64(f->since_ms), until = i64(f->until_ms), before = i64(f->before_seq),
        lim = i64(f->limit);
    /* A person who is not an admin sees the rows of their sites only: the
     * sites of their scope, read with the rows. */
    const char *scope = f->scope && f->scope->role != HUB_ROLE_ADMIN ? f->scope->name : "";
    const char *p[] = {f->site ? f->site : "",
                       f->actor ? f->actor : "",
                       f->action ? f->action : "",
                       since.s,
                       until.s,
                       before.s,
                       scope,
                       lim.s};
    return hub_db_query_rows(
        db,
        "SELECT seq, at, actor, via, address, action, site, target, before_value, after_value, "
        "detail FROM audit "
        "WHERE (CAST(?1 AS TEXT) = '' OR seq IN (SELECT seq FROM audit_sites WHERE site = ?1)) "
        "AND (CAST(?2 AS TEXT) = '' OR actor = ?2) "
        "AND (CAST(?3 AS TEXT) = '' OR action = ?3) "
        "AND at >= CAST(?4 AS BIGINT) "
        "AND (CAST(?5 AS BIGINT) = 0 OR at < CAST(?5 AS BIGINT)) "
        "AND (CAST(?6 AS BIGINT) = 0 OR seq < CAST(?6 AS BIGINT)) "
        "AND (CAST(?7 AS TEXT) = '' OR seq IN (SELECT s.seq FROM audit_sites s "
        "JOIN person_scopes p ON p.site = s.site WHERE p.person = ?7)) "
        "ORDER BY seq DESC LIMIT CAST(?8 AS BIGINT)",
        8, p, cols, (int)(sizeof cols / sizeof cols[0]), out);
}

am_rc hub_db_audit_purge(hub_db *db, int64_t before_ms, int64_t *removed)
{
    int slot;
    int64_t changes = 0;
    num before = i64(before_ms);
    const char *p[] = {before.s};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = db->drv->begin(conn);
    if (!rc)
        rc = hub_db_run(db, conn,
                        "DELETE FROM audit_sites WHERE seq IN "
                        "(SELECT seq FROM audit WHERE at < CAST(?1 AS BIGINT))",
                        1, p, NULL, NULL, NULL);
    if (!rc)
        rc = hub_db_run(db, conn, "DELETE FROM audit WHERE at < CAST(?1 AS BIGINT)", 1, p, NULL,
                        NULL, &changes);
    if (!rc)
        rc = db->drv->commit(conn);
    if (rc)
        db->drv->rollback(conn);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    if (removed)
        *removed = rc ? 0 : changes;
    return rc;
}

am_rc hub_audit_purge_old(hub_db *db, int retention_days, int64_t now_ms)
{
    int64_t removed = 0;
    am_rc rc = hub_db_audit_purge(db, now_ms - (int64_t)retention_days * DAY_MS, &removed);
    if (rc)
        am_log_error("audit", "purging entries older than %d days failed: %s", retention_days,
                     am_rc_str(rc));
    else if (removed)
        am_log_info("audit", "%lld entries older than %d days purged", (long long)removed,
                    retention_days);
    return rc;
}
