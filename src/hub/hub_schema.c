/* hub_schema.c — the hub's schema, one migration at a time, for both
 * backends. See hub_schema.h for the rules; the list is at the top. */
#include "hub_schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/buf.h"
#include "amends/log.h"
#include "amends/report.h"

#define MOD "schema"

/* Migration 1: the schema 0.1.0 shipped, with the kiosk budget columns it
 * added after its first tables written into `kiosks` (same columns, same
 * order). Every statement is IF NOT EXISTS, so that over a 0.1.0 database,
 * which recorded no version, it changes nothing. The ingest log's sequence
 * column is the one place the backends differ. The feedback table's report
 * columns come from core's field table (HUB_REPORT_COLUMNS). Later
 * migrations run once and need not be safe to repeat. */
#define SCHEMA_0_1_0(serial_key)                                                                   \
    "CREATE TABLE IF NOT EXISTS kiosks ("                                                          \
    " id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, secret TEXT NOT NULL,"                 \
    " created_at BIGINT NOT NULL, last_seen BIGINT, heartbeat_at BIGINT, pending BIGINT,"          \
    " quarantined BIGINT, last_error TEXT, version TEXT, uptime_s BIGINT,"                         \
    " budget_currency TEXT, budget_daily_minor BIGINT, budget_hourly_offers BIGINT,"               \
    " spent_today_minor BIGINT, offers_last_hour BIGINT);"                                         \
    "CREATE TABLE IF NOT EXISTS managers ("                                                        \
    " name TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL);"        \
    "CREATE TABLE IF NOT EXISTS webhook_ids ("                                                     \
    " kiosk TEXT NOT NULL, msg_id TEXT NOT NULL, seen_at BIGINT NOT NULL,"                         \
    " PRIMARY KEY (kiosk, msg_id));"                                                               \
    "CREATE INDEX IF NOT EXISTS webhook_ids_seen ON webhook_ids (seen_at);"                        \
    "CREATE TABLE IF NOT EXISTS batches ("                                                         \
    " kiosk TEXT NOT NULL, batch TEXT NOT NULL, received_at BIGINT NOT NULL,"                      \
    " status INTEGER NOT NULL, response TEXT NOT NULL, PRIMARY KEY (kiosk, batch));"               \
    "CREATE INDEX IF NOT EXISTS batches_received ON batches (received_at);"                        \
    "CREATE TABLE IF NOT EXISTS feedback ("                                                        \
    " id TEXT PRIMARY KEY, kiosk TEXT NOT NULL, batch TEXT NOT NULL,"                              \
    " received_at BIGINT NOT NULL, created_at BIGINT NOT NULL, closed_at BIGINT NOT NULL,"         \
    " outcome TEXT NOT NULL, " HUB_REPORT_COLUMNS ");"                                             \
    "CREATE INDEX IF NOT EXISTS feedback_closed ON feedback (closed_at);"                          \
    "CREATE INDEX IF NOT EXISTS feedback_kiosk ON feedback (kiosk, closed_at);"                    \
    "CREATE TABLE IF NOT EXISTS alerts ("                                                          \
    " id TEXT PRIMARY KEY, kiosk TEXT NOT NULL, batch TEXT NOT NULL,"                              \
    " received_at BIGINT NOT NULL, journey TEXT, reason TEXT NOT NULL,"                            \
    " category TEXT NOT NULL, severity TEXT NOT NULL, raised_at BIGINT NOT NULL,"                  \
    " acked_at BIGINT, acked_by TEXT);"                                                            \
    "CREATE INDEX IF NOT EXISTS alerts_raised ON alerts (raised_at);"                              \
    "CREATE TABLE IF NOT EXISTS ingest_log ( seq " serial_key                                      \
    ", kiosk TEXT NOT NULL, at BIGINT NOT NULL,"                                                   \
    " batch TEXT, status INTEGER NOT NULL, stored INTEGER NOT NULL, duplicate INTEGER NOT NULL,"   \
    " rejected INTEGER NOT NULL, reason TEXT NOT NULL);"                                           \
    "CREATE INDEX IF NOT EXISTS ingest_log_kiosk ON ingest_log (kiosk, seq);"                      \
    "CREATE TABLE IF NOT EXISTS voucher_keys ("                                                    \
    " kiosk TEXT PRIMARY KEY, vkey TEXT NOT NULL, created_at BIGINT NOT NULL);"                    \
    "CREATE TABLE IF NOT EXISTS vouchers ("                                                        \
    " code TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, kiosk TEXT NOT NULL, batch TEXT NOT NULL,"   \
    " received_at BIGINT NOT NULL, journey TEXT NOT NULL, serial BIGINT NOT NULL,"                 \
    " offer TEXT NOT NULL, value_minor BIGINT NOT NULL, issued_at BIGINT NOT NULL,"                \
    " expires_at BIGINT NOT NULL, redeemed_at BIGINT, redeemed_by TEXT, UNIQUE (kiosk, serial));"  \
    "CREATE TABLE IF NOT EXISTS web_sessions ("                                                    \
    " id_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, manager TEXT NOT NULL, csrf TEXT NOT NULL,"    \
    " created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);"                                    \
    "CREATE INDEX IF NOT EXISTS web_sessions_expires ON web_sessions (expires_at);"

/* Migration 2: sites and teams. A site has a time zone and a currency; a
 * team belongs to a site; every kiosk belongs to a site, and those already
 * provisioned land in "default" (UTC, no currency), which always exists. */
#define SITES_SQL                                                                                  \
    "CREATE TABLE IF NOT EXISTS sites ("                                                           \
    " id TEXT PRIMARY KEY, name TEXT NOT NULL, timezone TEXT NOT NULL, currency TEXT NOT NULL,"    \
    " created_at BIGINT NOT NULL);"                                                                \
    "CREATE TABLE IF NOT EXISTS teams ("                                                           \
    " site TEXT NOT NULL REFERENCES sites (id), id TEXT NOT NULL, name TEXT NOT NULL,"             \
    " created_at BIGINT NOT NULL, PRIMARY KEY (site, id));"                                        \
    "INSERT INTO sites (id, name, timezone, currency, created_at)"                                 \
    " VALUES ('default', 'Default site', 'UTC', '', 0) ON CONFLICT DO NOTHING;"
#define SITES(add_column)                                                                          \
    SITES_SQL "ALTER TABLE kiosks ADD COLUMN " add_column " site TEXT NOT NULL DEFAULT 'default';" \
              "CREATE INDEX IF NOT EXISTS kiosks_site ON kiosks (site);"

/* Migration 3: the hash of the body a webhook-id and a batch came with, so
 * that a repeated request gets its stored answer. */
#define BODY_HASH(add_column)                                                                      \
    "ALTER TABLE webhook_ids ADD COLUMN " add_column " body_hash TEXT;"                            \
    "ALTER TABLE batches ADD COLUMN " add_column " body_hash TEXT;"

/* Migration 4: people, their scope and their API tokens. Each manager
 * credential of an older hub becomes an admin with that token, and the
 * managers table is emptied; on PostgreSQL, where a database from before
 * hub_schema runs this again, it then finds its work done and cannot bring
 * back a removed token. */
#define PEOPLE_SQL                                                                                 \
    "CREATE TABLE IF NOT EXISTS people ("                                                          \
    " name TEXT PRIMARY KEY, role TEXT NOT NULL, created_at BIGINT NOT NULL);"                     \
    "CREATE TABLE IF NOT EXISTS person_scopes ("                                                   \
    " person TEXT NOT NULL REFERENCES people (name), site TEXT NOT NULL REFERENCES sites (id),"    \
    " team TEXT NOT NULL, PRIMARY KEY (person, site, team));"                                      \
    "CREATE TABLE IF NOT EXISTS api_tokens ("                                                      \
    " token_hash TEXT PRIMARY KEY, person TEXT NOT NULL REFERENCES people (name),"                 \
    " created_at BIGINT NOT NULL);"                                                                \
    "INSERT INTO people (name, role, created_at)"                                                  \
    " SELECT name, 'admin', created_at FROM managers WHERE true ON CONFLICT DO NOTHING;"           \
    "INSERT INTO api_tokens (token_hash, person, created_at)"                                      \
    " SELECT token_hash, name, created_at FROM managers WHERE true ON CONFLICT DO NOTHING;"        \
    "DELETE FROM managers;"

/* Migration 5: a kiosk's lifecycle. A rotation keeps the previous token's
 * hash and secret until prev_until (ms since the epoch): both sets are
 * accepted until then, only the new one after. disabled_at, when set,
 * makes the hub refuse the kiosk's requests (403 kiosk_disabled). */
#define KIOSK_LIFECYCLE_SQL                                                                        \
    "ALTER TABLE kiosks ADD COLUMN prev_token_hash TEXT;"                                          \
    "ALTER TABLE kiosks ADD COLUMN prev_secret TEXT;"                                              \
    "ALTER TABLE kiosks ADD COLUMN prev_until BIGINT;"                                             \
    "ALTER TABLE kiosks ADD COLUMN disabled_at BIGINT;"                                            \
    "CREATE INDEX kiosks_prev_token ON kiosks (prev_token_hash);"

/* Migration 6: where it happened (the kiosk's [kiosk] location_label
 * field: a room, a till). Reports stored before it, or sent by a kiosk
 * that does not ask, have "". */
#define LOCATION_SQL "ALTER TABLE feedback ADD COLUMN location TEXT NOT NULL DEFAULT '';"

/* Migration 7: the audit trail, one row per change a person, an operator
 * at the command line or a kiosk made (hub_audit.h). Nothing updates or
 * deletes a row but the retention purge. */
#define AUDIT(serial_key)                                                                          \
    "CREATE TABLE audit ( seq " serial_key ", at BIGINT NOT NULL, actor TEXT NOT NULL,"            \
    " via TEXT NOT NULL, address TEXT NOT NULL, action TEXT NOT NULL, site TEXT,"                  \
    " target TEXT, before_value TEXT, after_value TEXT, detail TEXT);"                             \
    "CREATE INDEX audit_at ON audit (at);"                                                         \
    "CREATE INDEX audit_site ON audit (site, seq);"

/* Migration 8: passwords. A person's Argon2id hash (libsodium's string
 * form; NULL until they set one); the links that set it, kept by the
 * SHA-256 of their code, single use (used_at), expiring; and the failed
 * sign-ins per account ("name:NAME") and per address ("address:IP"),
 * with the lockout they lead to, so that a restart does not lift it. */
#define PASSWORDS_SQL                                                                              \
    "ALTER TABLE people ADD COLUMN password_hash TEXT;"                                            \
    "CREATE TABLE password_links ("                                                                \
    " token_hash TEXT PRIMARY KEY, person TEXT NOT NULL REFERENCES people (name),"                 \
    " created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT);"                    \
    "CREATE INDEX password_links_person ON password_links (person);"                               \
    "CREATE TABLE sign_in_failures ("                                                              \
    " fail_key TEXT PRIMARY KEY, failures BIGINT NOT NULL, window_start BIGINT NOT NULL,"          \
    " locked_until BIGINT NOT NULL);"                                                              \
    "CREATE INDEX web_sessions_manager ON web_sessions (manager);"

/* Migration 9: cases (hub_case.h). One case per journey that needs
 * action, keyed by (kiosk, journey): a journey's UUID, or an alert's own
 * for an alert raised outside one. Its events are case_events; its alerts
 * point at it. On upgrade every open alert joins the case of its journey,
 * and each such case gets its code from the hub when it opens the
 * database (hub_db_cases_backfill), since codes are made in C. */
#define CASE_URGENT_SQL                                                                            \
    "MAX(CASE WHEN a.reason IN ('staff_now', 'severe', 'severe_unsent') THEN 1 ELSE 0 END) = 1"
#define CASES(serial_key, reason_list)                                                             \
    "CREATE TABLE cases ( id " serial_key ", site TEXT NOT NULL, kiosk TEXT NOT NULL,"             \
    " journey TEXT NOT NULL, code TEXT, state TEXT NOT NULL, priority TEXT NOT NULL, team TEXT,"   \
    " assignee TEXT, reasons TEXT NOT NULL, category TEXT NOT NULL, severity TEXT NOT NULL,"       \
    " location TEXT NOT NULL DEFAULT '', resolution TEXT NOT NULL DEFAULT '',"                     \
    " opened_at BIGINT NOT NULL, acknowledged_at BIGINT, resolved_at BIGINT,"                      \
    " ack_due BIGINT NOT NULL, resolve_due BIGINT NOT NULL, escalation INTEGER NOT NULL DEFAULT "  \
    "0,"                                                                                           \
    " root_cause TEXT, corrective_action TEXT, guest_message TEXT, updated_at BIGINT NOT NULL,"    \
    " version BIGINT NOT NULL DEFAULT 1, UNIQUE (kiosk, journey), UNIQUE (site, code));"           \
    "CREATE INDEX cases_site_state ON cases (site, state);"                                        \
    "CREATE INDEX cases_opened ON cases (opened_at);"                                              \
    "CREATE TABLE case_events ( seq " serial_key ", case_id BIGINT NOT NULL, at BIGINT NOT NULL,"  \
    " actor TEXT NOT NULL, via TEXT NOT NULL, type TEXT NOT NULL, before_value TEXT,"              \
    " after_value TEXT, detail TEXT);"                                                             \
    "CREATE INDEX case_events_case ON case_events (case_id, seq);"                                 \
    "ALTER TABLE alerts ADD COLUMN case_id BIGINT;"                                                \
    "CREATE INDEX alerts_case ON alerts (case_id);"                                                \
    "INSERT INTO cases (site, kiosk, journey, state, priority, reasons, category, severity,"       \
    " opened_at, ack_due, resolve_due, updated_at)"                                                \
    " SELECT COALESCE(MIN(k.site), 'default'), a.kiosk, COALESCE(a.journey, a.id), 'open',"        \
    " CASE WHEN " CASE_URGENT_SQL " THEN 'urgent' ELSE 'normal' END, " reason_list ","             \
    " MIN(a.category), MIN(a.severity), MIN(a.raised_at),"                                         \
    " MIN(a.raised_at) + CASE WHEN " CASE_URGENT_SQL " THEN 300000 ELSE 14400000 END,"             \
    " MIN(a.raised_at) + CASE WHEN " CASE_URGENT_SQL " THEN 7200000 ELSE 172800000 END,"           \
    " MIN(a.raised_at) FROM alerts a LEFT JOIN kiosks k ON k.id = a.kiosk"                         \
    " WHERE a.acked_at IS NULL GROUP BY a.kiosk, COALESCE(a.journey, a.id);"                       \
    "UPDATE cases SET location = COALESCE((SELECT f.location FROM feedback f"                      \
    " WHERE f.id = cases.journey AND f.kiosk = cases.kiosk), ''),"                                 \
    " resolution = COALESCE((SELECT f.resolution FROM feedback f"                                  \
    " WHERE f.id = cases.journey AND f.kiosk = cases.kiosk), '');"                                 \
    "UPDATE alerts SET case_id = (SELECT c.id FROM cases c WHERE c.kiosk = alerts.kiosk"           \
    " AND c.journey = COALESCE(alerts.journey, alerts.id)) WHERE acked_at IS NULL;"                \
    "INSERT INTO case_events (case_id, at, actor, via, type, after_value, detail)"                 \
    " SELECT id, opened_at, 'hub', 'upgrade', 'opened', 'open', reasons FROM cases;"

/* Migration 10: routing cases. Per site, ordered rules (first match wins;
 * '' matches anything) giving a team and, when not '', a priority; and a
 * site's default team and its deadlines per priority (NULL: the hub's). */
#define CASE_ROUTES_SQL                                                                            \
    "CREATE TABLE case_routes ( site TEXT NOT NULL REFERENCES sites (id),"                         \
    " position INTEGER NOT NULL, category TEXT NOT NULL, resolution TEXT NOT NULL,"                \
    " severity TEXT NOT NULL, location TEXT NOT NULL, kiosk TEXT NOT NULL, team TEXT NOT NULL,"    \
    " priority TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (site, position));"          \
    "CREATE TABLE case_sites ( site TEXT PRIMARY KEY REFERENCES sites (id), default_team TEXT,"    \
    " urgent_ack_ms BIGINT, urgent_resolve_ms BIGINT, normal_ack_ms BIGINT,"                       \
    " normal_resolve_ms BIGINT);"

/* Migration 11: the sites an audit entry concerns, all of them (a person
 * of two sites is a change at both: each site's managers read it); the
 * entries before it concern their one site. */
#define AUDIT_SITES_SQL                                                                            \
    "CREATE TABLE audit_sites ("                                                                   \
    " seq BIGINT NOT NULL, site TEXT NOT NULL, PRIMARY KEY (seq, site));"                          \
    "CREATE INDEX audit_sites_site ON audit_sites (site, seq);"                                    \
    "INSERT INTO audit_sites (seq, site) SELECT seq, site FROM audit WHERE site IS NOT NULL;"

/* Migration 12: notifications. Each site's destinations (a webhook's
 * secret kept to sign with), the outbox every message is written to in the
 * transaction of the event that causes it, and each site's choices of what
 * is sent. */
#define NOTIFY_SQL                                                                                 \
    "CREATE TABLE destinations ( id TEXT PRIMARY KEY, site TEXT NOT NULL REFERENCES sites (id),"   \
    " kind TEXT NOT NULL, target TEXT NOT NULL, team TEXT, events TEXT NOT NULL, secret TEXT,"     \
    " disabled_at BIGINT, disabled_reason TEXT, created_at BIGINT NOT NULL);"                      \
    "CREATE INDEX destinations_site ON destinations (site);"                                       \
    "CREATE TABLE outbox ( id TEXT PRIMARY KEY, destination TEXT NOT NULL, event TEXT NOT NULL,"   \
    " site TEXT NOT NULL, case_id BIGINT, payload TEXT NOT NULL, state TEXT NOT NULL,"             \
    " attempts INTEGER NOT NULL DEFAULT 0, next_at BIGINT NOT NULL, last_error TEXT,"              \
    " claimed_by TEXT, claimed_until BIGINT, created_at BIGINT NOT NULL, sent_at BIGINT);"         \
    "CREATE INDEX outbox_due ON outbox (state, next_at);"                                          \
    "CREATE INDEX outbox_site ON outbox (site, state);"                                            \
    "CREATE TABLE notify_sites ( site TEXT PRIMARY KEY REFERENCES sites (id),"                     \
    " normal_cases INTEGER NOT NULL DEFAULT 1, include_guest_text INTEGER NOT NULL DEFAULT 0);"

/* Migrations 2 to 4 came before versions were recorded in hub_schema:
 * hubs built then applied them on SQLite counting PRAGMA user_version
 * (which the runner adopts), on PostgreSQL counting nothing, so there their
 * text may meet its own work and says IF NOT EXISTS. */

/* The list. A new migration is one entry at the end, numbered one more
 * than the last: {5, "what it is for", HUB_SQL_BOTH("CREATE TABLE ...;")},
 * or HUB_SQL_SERIAL(M) with a macro M(serial_key) for a table with an
 * auto-numbered key. Give each backend its own text, {"...", "..."}, only
 * where their syntax differs otherwise. */
const hub_migration hub_migrations[] = {
    {1, "the 0.1.0 schema", HUB_SQL_SERIAL(SCHEMA_0_1_0)},
    {2, "sites and teams", {SITES(""), SITES("IF NOT EXISTS")}},
    {3, "request body hashes", {BODY_HASH(""), BODY_HASH("IF NOT EXISTS")}},
    {4, "people, their scope and API tokens", HUB_SQL_BOTH(PEOPLE_SQL)},
    {5, "kiosk rotation and disabling", HUB_SQL_BOTH(KIOSK_LIFECYCLE_SQL)},
    {6, "where it happened", HUB_SQL_BOTH(LOCATION_SQL)},
    {7, "the audit trail", HUB_SQL_SERIAL(AUDIT)},
    {8, "passwords, set-password links and sign-in lockouts", HUB_SQL_BOTH(PASSWORDS_SQL)},
    {9,
     "cases",
     {CASES(HUB_SERIAL_KEY_SQLITE, "group_concat(DISTINCT a.reason)"),
      CASES(HUB_SERIAL_KEY_PG, "string_agg(DISTINCT a.reason, ',')")}},
    {10, "routing cases", HUB_SQL_BOTH(CASE_ROUTES_SQL)},
    {11, "every site of an audit entry", HUB_SQL_BOTH(AUDIT_SITES_SQL)},
    {12, "notifications: destinations and the outbox", HUB_SQL_BOTH(NOTIFY_SQL)},
};
const int hub_migration_count = (int)(sizeof hub_migrations / sizeof hub_migrations[0]);

/* The version table itself is not a migration: it is what finds them. */
static const char version_table_sql[] = "CREATE TABLE IF NOT EXISTS hub_schema ("
                                        " id INTEGER PRIMARY KEY CHECK (id = 1),"
                                        " version INTEGER NOT NULL)";
static const char version_get_sql[] = "SELECT version FROM hub_schema WHERE id = 1";
static const char version_new_sql[] = "INSERT INTO hub_schema (id, version) VALUES (1, ?1)";
static const char version_set_sql[] = "UPDATE hub_schema SET version = ?1 WHERE id = 1";

static void on_version(void *ud, int ncols, const char *const *values)
{
    if (ncols > 0 && values[0])
        *(int *)ud = atoi(values[0]);
}

static const char *report_column_type(am_report_kind kind)
{
    if (kind == AM_RK_INT)
        return "INTEGER";
    if (kind == AM_RK_INT64)
        return "BIGINT";
    return "TEXT";
}

/* A migration's SQL with HUB_REPORT_COLUMNS written out (hub_schema.h);
 * the caller frees. NULL when out of memory. */
static char *with_report_columns(const char *sql)
{
    am_buf b;
    am_buf_init(&b, 1 << 20);
    const char *at;
    while ((at = strstr(sql, HUB_REPORT_COLUMNS)) != NULL) {
        am_buf_add(&b, sql, (size_t)(at - sql));
        const char *sep = "";
        for (size_t i = 0; i < am_report_field_count; i++) {
            const am_report_field_def *d = &am_report_fields[i];
            if (d->wire_optional)
                continue;
            am_buf_addf(&b, "%s%s %s NOT NULL", sep, d->name, report_column_type(d->kind));
            sep = ", ";
        }
        sql = at + strlen(HUB_REPORT_COLUMNS);
    }
    am_buf_adds(&b, sql);
    return am_buf_take(&b, NULL);
}

am_rc hub_schema_migrate(const hub_driver *drv, void *conn, const hub_migration *migrations,
                         int count, char *err, size_t errlen)
{
    char where[256];
    int version = -1;
    int failed = 0; /* the migration that failed, from 1 */
    const char *doing = "locking the schema";
    drv->describe(conn, where, sizeof where);
    am_rc rc = drv->begin(conn);
    if (!rc && drv->schema_lock_sql) {
        am_log_info(MOD, "%s: waiting for the schema lock", where);
        rc = drv->exec(conn, drv->schema_lock_sql, 0, NULL, NULL, NULL, NULL);
    }
    if (rc)
        goto fail;
    doing = "reading the schema version";
    rc = drv->exec(conn, version_table_sql, 0, NULL, NULL, NULL, NULL);
    if (!rc)
        rc = drv->exec(conn, version_get_sql, 0, NULL, on_version, &version, NULL);
    if (!rc && version < 0) {
        /* An empty database, or one from before hub_schema: 0.1.0 and the
         * builds after it counted their migrations in PRAGMA user_version
         * on SQLite (the same numbers as this list's) and nowhere on
         * PostgreSQL, where they start at 0 and migrations 1 to 4 find
         * their work done. */
        version = 0;
        if (drv->legacy_version_sql)
            rc = drv->exec(conn, drv->legacy_version_sql, 0, NULL, on_version, &version, NULL);
        char v[16];
        const char *params[1] = {v};
        snprintf(v, sizeof v, "%d", version);
        if (!rc)
            rc = drv->exec(conn, version_new_sql, 1, params, NULL, NULL, NULL);
    }
    if (rc)
        goto fail;
    const int from = version;
    if (from > count) {
        snprintf(err, errlen,
                 "%s has schema version %d, newer than this hub's %d: run the amends-hub that "
                 "upgraded it (or a newer one), or restore the backup taken before the upgrade",
                 where, from, count);
        drv->rollback(conn);
        return AM_ERR_VERSION;
    }
    for (int step = from; step < count; step++) {
        char v[16];
        const char *params[1] = {v};
        doing = migrations[step].what;
        snprintf(v, sizeof v, "%d", migrations[step].version);
        char *sql = with_report_columns(migrations[step].sql[drv->dialect]);
        rc = sql ? drv->script(conn, sql) : AM_ERR_NOMEM;
        free(sql);
        if (!rc)
            rc = drv->exec(conn, version_set_sql, 1, params, NULL, NULL, NULL);
        if (rc) {
            failed = step + 1;
            goto fail;
        }
    }
    rc = drv->commit(conn);
    if (rc) {
        doing = "committing the migration";
        goto fail;
    }
    if (from == count)
        am_log_info(MOD, "%s: schema version %d, up to date", where, count);
    else
        am_log_info(MOD, "%s: migrated schema from version %d to %d", where, from, count);
    return AM_OK;
fail:
    if (failed)
        snprintf(err, errlen, "%s: schema migration %d (%s) failed, nothing changed: %s", where,
                 failed, doing, drv->errmsg(conn));
    else
        snprintf(err, errlen, "%s: %s failed: %s", where, doing, drv->errmsg(conn));
    drv->rollback(conn);
    return rc;
}
