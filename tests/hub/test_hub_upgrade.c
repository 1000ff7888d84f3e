/* test_hub_upgrade.c — the hub's schema versions, on SQLite and on a real
 * PostgreSQL server. A database left by amends-hub 0.1.0 is opened by this
 * hub, on both backends: the fixtures (tests/fixtures/hub-0.1.0-*.sql) were
 * made by the 0.1.0 binary's own commands and dumped by each database's
 * own tool; they carry the test credentials the 0.1.0 hub printed.
 *
 * After the upgrade, the old kiosks are in the site "default", the old
 * manager token still reads, the old kiosk token still posts, and nothing
 * stored before is lost, row by row. Several hubs starting together on one
 * PostgreSQL database migrate it once; a database newer than the hub is
 * refused; a fresh database ends up the same as an upgraded one; a later
 * migration runs once, and a failed one changes nothing. */
#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "amends/report.h"
#include "hub_config.h"
#include "hub_db_driver.h"
#include "hub_harness.h"
#include "hub_schema.h"

#define FIXTURE_SQLITE AM_SOURCE_DIR "/tests/fixtures/hub-0.1.0-sqlite.sql"
#define FIXTURE_PG     AM_SOURCE_DIR "/tests/fixtures/hub-0.1.0-postgresql.sql"

/* Every table 0.1.0 had, with its columns then, in a stable order; `today`
 * reads the same rows where a migration moved them (NULL: still there). */
static const struct {
    const char *table, *columns, *order, *today;
} tables_0_1_0[] = {
    {"kiosks",
     "id, token_hash, secret, created_at, last_seen, heartbeat_at, pending, quarantined, "
     "last_error, version, uptime_s, budget_currency, budget_daily_minor, budget_hourly_offers, "
     "spent_today_minor, offers_last_hour",
     "id", NULL},
    /* Migration 4 makes each manager a person with that token. */
    {"managers", "name, token_hash, created_at", "name",
     "SELECT p.name, t.token_hash, p.created_at FROM people p JOIN api_tokens t"
     " ON t.person = p.name ORDER BY p.name"},
    {"webhook_ids", "kiosk, msg_id, seen_at", "kiosk, msg_id", NULL},
    {"batches", "kiosk, batch, received_at, status, response", "kiosk, batch", NULL},
    {"feedback",
     "id, kiosk, batch, received_at, created_at, closed_at, outcome, lang, category, severity, "
     "description, first_name, resolution, resolution_text, offer, offer_value_minor, "
     "offer_state, voucher, rating, comment, contact, consent",
     "id", NULL},
    {"alerts",
     "id, kiosk, batch, received_at, journey, reason, category, severity, raised_at, acked_at, "
     "acked_by",
     "id", NULL},
    {"ingest_log", "seq, kiosk, at, batch, status, stored, duplicate, rejected, reason", "seq",
     NULL},
    {"voucher_keys", "kiosk, vkey, created_at", "kiosk", NULL},
    {"vouchers",
     "code, id, kiosk, batch, received_at, journey, serial, offer, value_minor, issued_at, "
     "expires_at, redeemed_at, redeemed_by",
     "code", NULL},
    {"web_sessions", "id_hash, kind, manager, csrf, created_at, expires_at", "id_hash", NULL},
};
#define TABLES_0_1_0 (sizeof tables_0_1_0 / sizeof tables_0_1_0[0])

/* --- the database, reached directly (not through the hub) ------------------------ */

typedef struct tdb {
    sqlite3 *sq;
    PGconn *pq;
} tdb;

static void tdb_open_named(harness *h, const char *name, tdb *d)
{
    memset(d, 0, sizeof *d);
    char where[700];
    if (h->use_pg) {
        snprintf(where, sizeof where, "host=%s port=%d dbname=%s user=amends", h->pg.dir,
                 h->pg.port, name);
        d->pq = PQconnectdb(where);
        if (PQstatus(d->pq) != CONNECTION_OK)
            fail_msg("%s: %s", where, PQerrorMessage(d->pq));
    } else {
        snprintf(where, sizeof where, "%s/%s.db", h->dir, name);
        assert_int_equal(sqlite3_open(where, &d->sq), SQLITE_OK);
        sqlite3_busy_timeout(d->sq, 10000);
    }
}
/* The database the harness's hub.conf names. */
static void tdb_open(harness *h, tdb *d)
{
    tdb_open_named(h, h->use_pg ? "postgres" : "hub", d);
}

static void tdb_close(tdb *d)
{
    if (d->sq)
        sqlite3_close(d->sq);
    if (d->pq)
        PQfinish(d->pq);
    memset(d, 0, sizeof *d);
}

static void tdb_exec(tdb *d, const char *sql)
{
    if (d->sq) {
        char *msg = NULL;
        if (sqlite3_exec(d->sq, sql, NULL, NULL, &msg) != SQLITE_OK)
            fail_msg("sqlite: %s", msg ? msg : "?");
        return;
    }
    PGresult *res = PQexec(d->pq, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("postgresql: %s", PQresultErrorMessage(res));
    PQclear(res);
}

/* Every row of a query as text, "a|b|\N\n" per row (\N for NULL); the
 * caller frees. NULL when the query fails (a missing table). */
static char *tdb_text(tdb *d, const char *sql)
{
    size_t cap = 1 << 16, len = 0;
    char *out = calloc(1, cap);
    assert_non_null(out);
#define PUT(s)                                                                                     \
    do {                                                                                           \
        size_t n_ = strlen(s);                                                                     \
        while (len + n_ + 2 >= cap) {                                                              \
            out = realloc(out, cap *= 2);                                                          \
            assert_non_null(out);                                                                  \
        }                                                                                          \
        memcpy(out + len, s, n_);                                                                  \
        len += n_;                                                                                 \
        out[len] = '\0';                                                                           \
    } while (0)
    if (d->sq) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(d->sq, sql, -1, &st, NULL) != SQLITE_OK) {
            free(out);
            return NULL;
        }
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int i = 0; i < sqlite3_column_count(st); i++) {
                const char *v = (const char *)sqlite3_column_text(st, i);
                PUT(i ? "|" : "");
                PUT(v ? v : "\\N");
            }
            PUT("\n");
        }
        sqlite3_finalize(st);
        return out;
    }
    PGresult *res = PQexec(d->pq, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        PQclear(res);
        free(out);
        return NULL;
    }
    for (int r = 0; r < PQntuples(res); r++) {
        for (int i = 0; i < PQnfields(res); i++) {
            PUT(i ? "|" : "");
            PUT(PQgetisnull(res, r, i) ? "\\N" : PQgetvalue(res, r, i));
        }
        PUT("\n");
    }
    PQclear(res);
#undef PUT
    return out;
}

static long tdb_long(tdb *d, const char *sql)
{
    char *text = tdb_text(d, sql);
    if (!text)
        fail_msg("query failed: %s", sql);
    long v = atol(text);
    free(text);
    return v;
}

static int tdb_version(tdb *d)
{
    return (int)tdb_long(d, "SELECT version FROM hub_schema WHERE id = 1");
}

/* Every 0.1.0 table's rows, 0.1.0 columns only, as one text; `upgraded`
 * reads moved rows where they are today. */
static char *dump_0_1_0(tdb *d, bool upgraded)
{
    char *all = NULL;
    size_t len = 0;
    for (size_t i = 0; i < TABLES_0_1_0; i++) {
        char sql[1024];
        if (upgraded && tables_0_1_0[i].today)
            snprintf(sql, sizeof sql, "%s", tables_0_1_0[i].today);
        else
            snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY %s", tables_0_1_0[i].columns,
                     tables_0_1_0[i].table, tables_0_1_0[i].order);
        char *rows = tdb_text(d, sql);
        if (!rows)
            fail_msg("reading %s failed", tables_0_1_0[i].table);
        size_t n = strlen(rows) + strlen(tables_0_1_0[i].table) + 8;
        all = realloc(all, len + n + 1);
        assert_non_null(all);
        len += (size_t)snprintf(all + len, n + 1, "[%s]\n%s", tables_0_1_0[i].table, rows);
        free(rows);
    }
    return all;
}

/* The database as 0.1.0 left it, into the database hub.conf names. */
static void load_fixture(harness *h)
{
    char *text = am_test_read_file(h->use_pg ? FIXTURE_PG : FIXTURE_SQLITE, NULL);
    assert_non_null(text);
    /* The credentials in the fixture's header ("-- k1 token: ..."). */
    h_field(text, "-- k1 token: ", h->k1_token, sizeof h->k1_token);
    h_field(text, "-- k1 secret: ", h->k1_secret, sizeof h->k1_secret);
    h_field(text, "-- boss token: ", h->mgr_token, sizeof h->mgr_token);
    if (h->use_pg) {
        char script[2048];
        snprintf(script, sizeof script,
                 "psql -q -X -h '%s' -p %d -U amends -d postgres -v ON_ERROR_STOP=1 -f '%s'",
                 h->pg.dir, h->pg.port, FIXTURE_PG);
        assert_int_equal(h_sh(script, NULL, NULL), 0);
    } else {
        char path[700];
        sqlite3 *db = NULL;
        char *msg = NULL;
        snprintf(path, sizeof path, "%s/hub.db", h->dir);
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        if (sqlite3_exec(db, text, NULL, NULL, &msg) != SQLITE_OK)
            fail_msg("loading the fixture: %s", msg ? msg : "?");
        sqlite3_close(db);
    }
    free(text);
}

/* The tables, columns and indexes, for comparing two databases' shape. */
static char *shape(tdb *d)
{
    const char *cols, *idx;
    if (d->sq) {
        cols = "SELECT m.name, p.cid, p.name, p.type, p.\"notnull\", p.pk, p.dflt_value"
               " FROM sqlite_master m JOIN pragma_table_info(m.name) p"
               " WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid";
        idx = "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' ORDER BY name";
    } else {
        cols = "SELECT table_name, ordinal_position, column_name, data_type, is_nullable,"
               " column_default FROM information_schema.columns"
               " WHERE table_schema = current_schema() ORDER BY 1, 2";
        idx = "SELECT indexname, tablename, indexdef FROM pg_indexes"
              " WHERE schemaname = current_schema() ORDER BY 1";
    }
    char *a = tdb_text(d, cols), *b = tdb_text(d, idx);
    assert_non_null(a);
    assert_non_null(b);
    char *out = malloc(strlen(a) + strlen(b) + 2);
    assert_non_null(out);
    sprintf(out, "%s\n%s", a, b);
    free(a);
    free(b);
    return out;
}

/* --- setup --------------------------------------------------------------------------- */

/* An empty database; with `fixture`, the 0.1.0 one. */
static int setup(void **state, bool use_pg, bool fixture)
{
    harness *h = calloc(1, sizeof *h);
    *state = h;
    h->use_pg = use_pg;
    am_test_tmpdir(h->dir, sizeof h->dir, use_pg ? "hub-up-pg" : "hub-up-sqlite");
    h_make_certs(h);
    if (use_pg)
        h_pg_start(&h->pg);
    h_write_conf(h, NULL);
    if (fixture)
        load_fixture(h);
    return 0;
}

static int setup_sqlite(void **state)
{
    return setup(state, false, true);
}

static int setup_pg(void **state)
{
    return setup(state, true, true);
}

static int setup_sqlite_empty(void **state)
{
    return setup(state, false, false);
}

static int setup_pg_empty(void **state)
{
    return setup(state, true, false);
}

static cJSON *manager_get(harness *h, const char *path)
{
    am_hub_client *m = h_manager(h, NULL);
    am_hub_reply reply;
    h_get(m, "GET", path, &reply);
    if (reply.status != 200)
        fail_msg("GET %s: %ld %s", path, reply.status, reply.body ? reply.body : "");
    cJSON *root = cJSON_Parse(reply.body);
    assert_non_null(root);
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
    return root;
}

/* How many feedback records the hub at h->url shows the manager. */
static int feedback_count(harness *h)
{
    am_hub_client *m = h_manager(h, NULL);
    am_hub_reply reply;
    h_get(m, "GET", "/v1/feedback?since=2025-01-01&limit=100", &reply);
    if (reply.status != 200)
        fail_msg("GET /v1/feedback: %ld %s", reply.status, reply.body);
    cJSON *root = cJSON_Parse(reply.body);
    assert_non_null(root);
    int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "feedback"));
    cJSON_Delete(root);
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
    return n;
}

static int count_in(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* --- the cases ------------------------------------------------------------------------ */

/* One entry per version, in order, each with a text for both backends. */
static void migrations_are_one_ordered_list(void **state)
{
    (void)state;
    assert_true(HUB_SCHEMA_VERSION >= 1);
    for (int i = 0; i < hub_migration_count; i++) {
        assert_int_equal(hub_migrations[i].version, i + 1);
        assert_non_null(hub_migrations[i].what);
        assert_true(hub_migrations[i].what[0] != '\0');
        for (int d = 0; d < HUB_DIALECTS; d++) {
            assert_non_null(hub_migrations[i].sql[d]);
            assert_true(hub_migrations[i].sql[d][0] != '\0');
        }
    }
}

/* Today's hub starts on a 0.1.0 database: it records the version, every
 * record is still there as it was, the kiosk and manager credentials of
 * 0.1.0 still work, and a second start changes nothing. */
static void upgrade_from_0_1_0(void **state)
{
    harness *h = *state;
    tdb d;
    tdb_open(h, &d);
    char *before = dump_0_1_0(&d, false);
    assert_null(tdb_text(&d, "SELECT version FROM hub_schema"));
    tdb_close(&d);
    h_hub_start(h);

    /* Every row of every 0.1.0 table, as it was; the version recorded,
     * from what 0.1.0 counted (SQLite's user_version; nothing on
     * PostgreSQL). */
    tdb_open(h, &d);
    assert_int_equal(tdb_version(&d), HUB_SCHEMA_VERSION);
    char *after = dump_0_1_0(&d, true);
    assert_string_equal(after, before);
    free(after);
    free(before);
    tdb_close(&d);
    char *log = am_test_read_file(h->hub.log, NULL);
    assert_non_null(log);
    char want[64];
    snprintf(want, sizeof want, "migrated schema from version %d to %d", h->use_pg ? 0 : 1,
             HUB_SCHEMA_VERSION);
    if (count_in(log, want) != 1)
        fail_msg("expected \"%s\" once in:\n%s", want, log);
    free(log);

    /* The old manager token reads; the old kiosks are at the site "default". */
    cJSON *root = manager_get(h, "/v1/kiosks");
    const cJSON *kiosks = cJSON_GetObjectItem(root, "kiosks");
    assert_int_equal(cJSON_GetArraySize(kiosks), 2);
    const cJSON *k;
    cJSON_ArrayForEach(k, kiosks)
    {
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(k, "site")), "default");
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(k, "timezone")), "UTC");
    }
    const cJSON *k1 = cJSON_GetArrayItem(kiosks, 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(k1, "id")), "k1");
    /* The heartbeat's figures kept their place. */
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(k1, "budget_currency")), "EUR");
    assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(k1, "spent_today_minor")), 1500);
    cJSON_Delete(root);

    /* The old manager is an admin now, and says so. */
    root = manager_get(h, "/v1/me");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(root, "name")), "boss");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(root, "role")), "admin");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(root, "every_site")));
    cJSON_Delete(root);

    /* What was stored before is all there. */
    root = manager_get(h, "/v1/feedback");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "feedback")), 1);
    cJSON_Delete(root);
    root = manager_get(h, "/v1/alerts");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "alerts")), 1);
    cJSON_Delete(root);
    /* The open alert became a case, open, with a code of the site's. */
    root = manager_get(h, "/v1/cases");
    const cJSON *cs = cJSON_GetObjectItem(root, "cases");
    assert_int_equal(cJSON_GetArraySize(cs), 1);
    const cJSON *c0 = cJSON_GetArrayItem(cs, 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(c0, "state")), "open");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(c0, "reasons")), "staff_now");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(c0, "priority")), "urgent");
    char code[32];
    snprintf(code, sizeof code, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(c0, "code")));
    assert_int_equal(strncmp(code, "DE-", 3), 0);
    assert_int_equal(strlen(code), 7);
    cJSON_Delete(root);
    char path[64];
    snprintf(path, sizeof path, "/v1/cases/%s", code);
    root = manager_get(h, path);
    const cJSON *c1 = cJSON_GetObjectItem(root, "case");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(c1, "alerts")), 1);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
                            cJSON_GetArrayItem(cJSON_GetObjectItem(c1, "timeline"), 0), "via")),
                        "upgrade");
    cJSON_Delete(root);
    root = manager_get(h, "/v1/kiosks/k1/ingest-log");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "entries")), 1);
    cJSON_Delete(root);

    /* The old kiosk token and secret still post. */
    am_hub_client *c = h_kiosk(h, 1);
    am_hub_reply reply;
    am_proto_batch *b = h_batch("k1", 2);
    h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    char *body = h_encode(b);
    h_post(c, body, b->batch, &reply);
    if (reply.status != 200)
        fail_msg("post after the upgrade: %ld %s", reply.status, reply.body ? reply.body : "");
    am_hub_reply_clear(&reply);
    free(body);
    am_proto_batch_free(b);
    am_hub_client_free(c);
    root = manager_get(h, "/v1/feedback");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "feedback")), 2);
    cJSON_Delete(root);

    /* The site "default" exists and can be given a zone and currency. */
    const char *set[] = {"site",          "set",        "default", "--timezone",
                         "Europe/London", "--currency", "GBP",     NULL};
    char out[256];
    assert_int_equal(h_hub_cmd(h, set, out, sizeof out), 0);
    root = manager_get(h, "/v1/kiosks");
    k1 = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "kiosks"), 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(k1, "timezone")), "Europe/London");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(k1, "currency")), "GBP");
    cJSON_Delete(root);

    /* A second start finds the migrations done and changes nothing. */
    assert_int_equal(h_hub_stop(&h->hub, 10000), 0);
    h_hub_start(h);
    root = manager_get(h, "/v1/kiosks");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "kiosks")), 2);
    cJSON_Delete(root);
    /* ... and keeps the case's code. */
    root = manager_get(h, path);
    assert_string_equal(
        cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "case"), "code")), code);
    cJSON_Delete(root);
}

static void upgrade_from_0_1_0_sqlite(void **state)
{
    upgrade_from_0_1_0(state);
}

static void upgrade_from_0_1_0_postgresql(void **state)
{
    upgrade_from_0_1_0(state);
}

/* Three hubs start together on one PostgreSQL database. The test holds
 * the schema lock until all three have begun their migration and asked
 * for it, so they truly race; then exactly one migrates, the others find
 * the work done, all three serve. */
static void hubs_starting_together_migrate_once(harness *h, bool old)
{
    enum { HUBS = 3 };
    hub_proc hubs[HUBS];
    tdb d;
    tdb_open(h, &d);
    char *before = old ? dump_0_1_0(&d, false) : NULL;
    tdb_exec(&d, "SELECT pg_advisory_lock(428601)");
    memset(hubs, 0, sizeof hubs);
    for (int i = 0; i < HUBS; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "hub%d", i);
        h_hub_spawn(h, &hubs[i], tag);
    }
    for (int i = 0; i < HUBS; i++)
        if (!h_wait_file_text(hubs[i].log, "waiting for the schema lock", 15000))
            fail_msg("hub%d did not reach the schema lock within 15 s", i);
    tdb_exec(&d, "SELECT pg_advisory_unlock(428601)");
    for (int i = 0; i < HUBS; i++)
        h_hub_wait_ready(&hubs[i]);

    int migrated = 0, up_to_date = 0;
    for (int i = 0; i < HUBS; i++) {
        char *log = am_test_read_file(hubs[i].log, NULL);
        assert_non_null(log);
        migrated += count_in(log, "migrated schema from version 0");
        up_to_date += count_in(log, "up to date");
        free(log);
    }
    assert_int_equal(migrated, 1);
    assert_int_equal(up_to_date, HUBS - 1);
    assert_int_equal(tdb_version(&d), HUB_SCHEMA_VERSION);

    /* All three serve the same data. */
    if (!old) {
        char out[1024];
        const char *add[] = {"manager", "add", "boss", NULL};
        assert_int_equal(h_hub_cmd(h, add, out, sizeof out), 0);
        h_field(out, "token: ", h->mgr_token, sizeof h->mgr_token);
    }
    for (int i = 0; i < HUBS; i++) {
        snprintf(h->url, sizeof h->url, "https://127.0.0.1:%d", hubs[i].port);
        assert_int_equal(feedback_count(h), old ? 1 : 0);
    }
    for (int i = 0; i < HUBS; i++)
        assert_int_equal(h_hub_stop(&hubs[i], 10000), 0);
    if (old) {
        char *after = dump_0_1_0(&d, true);
        assert_string_equal(after, before);
        free(after);
    }
    free(before);
    tdb_close(&d);
}

static void hubs_starting_together_migrate_once_postgresql(void **state)
{
    hubs_starting_together_migrate_once(*state, false);
}

static void hubs_starting_together_on_0_1_0_migrate_once_postgresql(void **state)
{
    hubs_starting_together_migrate_once(*state, true);
}

/* A database a newer hub has migrated is refused, by the server and by
 * the provisioning commands, with a message naming the database, its
 * version and the hub's; nothing in it changes. */
static void newer_database_refused(void **state)
{
    harness *h = *state;
    tdb d;
    tdb_open(h, &d);
    char sql[256];
    snprintf(sql, sizeof sql,
             "CREATE TABLE hub_schema (id INTEGER PRIMARY KEY CHECK (id = 1),"
             " version INTEGER NOT NULL); INSERT INTO hub_schema VALUES (1, %d);"
             "CREATE TABLE from_the_future (x TEXT)",
             HUB_SCHEMA_VERSION + 1);
    tdb_exec(&d, sql);
    char *before = dump_0_1_0(&d, false);
    tdb_close(&d);

    char want[1024];
    if (h->use_pg)
        snprintf(want, sizeof want,
                 "postgresql database postgres on %s:%d has schema version %d, newer "
                 "than this hub's %d",
                 h->pg.dir, h->pg.port, HUB_SCHEMA_VERSION + 1, HUB_SCHEMA_VERSION);
    else
        snprintf(want, sizeof want,
                 "SQLite database %s/hub.db has schema version %d, newer than this hub's %d",
                 h->dir, HUB_SCHEMA_VERSION + 1, HUB_SCHEMA_VERSION);

    h_hub_spawn(h, &h->hub, "hub");
    int status = -1;
    assert_true(am_test_wait_exit(h->hub.pid, 15000, &status));
    h->hub.pid = 0;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    char *log = am_test_read_file(h->hub.log, NULL);
    assert_non_null(log);
    if (!strstr(log, want))
        fail_msg("expected \"%s\" in:\n%s", want, log);
    assert_null(strstr(log, "ready:"));
    free(log);

    const char *add[] = {"kiosk", "add", "k9", NULL};
    assert_int_equal(h_hub_cmd(h, add, NULL, 0), 1);
    char err_path[700];
    snprintf(err_path, sizeof err_path, "%s/cmd.err", h->dir);
    char *err = am_test_read_file(err_path, NULL);
    assert_non_null(err);
    if (!strstr(err, want))
        fail_msg("expected \"%s\" in:\n%s", want, err);
    free(err);

    tdb_open(h, &d);
    assert_int_equal(tdb_version(&d), HUB_SCHEMA_VERSION + 1);
    char *after = dump_0_1_0(&d, false);
    assert_string_equal(after, before);
    free(after);
    free(before);
    tdb_close(&d);
}

/* A fresh database and an upgraded 0.1.0 one have the same tables,
 * columns and indexes: migration 1 is the 0.1.0 schema, and every later
 * migration runs on both alike. */
static void fresh_database_shaped_like_upgraded_one(void **state)
{
    harness *h = *state;
    tdb old, fresh;
    if (h->use_pg) {
        tdb_open(h, &old);
        tdb_exec(&old, "CREATE DATABASE fresh");
        tdb_close(&old);
    }
    const char *add[] = {"kiosk", "add", "k9", NULL};
    assert_int_equal(h_hub_cmd(h, add, NULL, 0), 0); /* migrates the 0.1.0 one */
    char conf[1400];
    if (h->use_pg)
        snprintf(conf, sizeof conf,
                 "[db]\nbackend = postgresql\nconninfo = host=%s port=%d dbname=fresh "
                 "user=amends\n",
                 h->pg.dir, h->pg.port);
    else
        snprintf(conf, sizeof conf, "[db]\nbackend = sqlite\npath = fresh.db\n");
    char path[700];
    snprintf(path, sizeof path, "%s/fresh.conf", h->dir);
    h_write(path, "[hub]\nlisten = 127.0.0.1:0\ntls = off\n");
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs(conf, f);
    fclose(f);
    char *argv[] = {HUB_BIN, "--config", path, "kiosk", "add", "k9", NULL};
    assert_int_equal(am_test_run_program(argv, NULL, NULL), 0);

    tdb_open(h, &old);
    tdb_open_named(h, "fresh", &fresh);
    assert_int_equal(tdb_version(&old), HUB_SCHEMA_VERSION);
    assert_int_equal(tdb_version(&fresh), HUB_SCHEMA_VERSION);
    char *a = shape(&old), *b = shape(&fresh);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "budget_currency"));
    assert_non_null(strstr(a, "hub_schema"));
    free(a);
    free(b);
    tdb_close(&old);
    tdb_close(&fresh);
}

/* A later migration's text: a table with an auto-numbered key. */
#define LATER_THINGS(serial_key)                                                                   \
    "CREATE TABLE later_things (n " serial_key ", id TEXT NOT NULL UNIQUE);"                       \
    "INSERT INTO later_things (id) SELECT id FROM feedback UNION SELECT id FROM alerts"            \
    " ORDER BY id;"

/* The runner itself, with the real list and two migrations after it:
 * one that works runs once and keeps the records; one that fails rolls
 * back whole, leaving the version where it was, and says which failed. */
static void later_migration_runs_once_failed_one_changes_nothing(void **state)
{
    harness *h = *state;
    tdb d;
    tdb_open(h, &d);
    char *before = dump_0_1_0(&d, false);
    tdb_close(&d);

    const int n = hub_migration_count;
    hub_migration *list = calloc((size_t)n + 2, sizeof *list);
    assert_non_null(list);
    memcpy(list, hub_migrations, (size_t)n * sizeof *list);
    list[n] = (hub_migration){n + 1, "a table of later things", HUB_SQL_SERIAL(LATER_THINGS)};
    list[n + 1] = (hub_migration){n + 2, "a broken one",
                                  HUB_SQL_BOTH("CREATE TABLE broken (x TEXT);"
                                               "INSERT INTO no_such_table VALUES (1);")};

    hub_config cfg;
    char err[1024];
    assert_int_equal(hub_config_load(h->conf, &cfg, err, sizeof err), AM_OK);
    const hub_driver *drv = h->use_pg ? &hub_driver_pg : &hub_driver_sqlite;
    void *conn = NULL;
    assert_int_equal(drv->connect(&cfg, &conn, err, sizeof err), AM_OK);
    assert_int_equal(hub_schema_migrate(drv, conn, list, n + 1, err, sizeof err), AM_OK);
    assert_int_equal(hub_schema_migrate(drv, conn, list, n + 1, err, sizeof err), AM_OK);
    am_rc rc = hub_schema_migrate(drv, conn, list, n + 2, err, sizeof err);
    assert_int_not_equal(rc, AM_OK);
    char want[64];
    snprintf(want, sizeof want, "schema migration %d (a broken one) failed", n + 2);
    if (!strstr(err, want))
        fail_msg("expected \"%s\" in: %s", want, err);
    drv->disconnect(conn);

    tdb_open(h, &d);
    assert_int_equal(tdb_version(&d), n + 1);
    char *later = tdb_text(&d, "SELECT n, id FROM later_things ORDER BY n");
    assert_non_null(later);
    assert_string_equal(later, "1|0192f0a0-0000-7000-8000-000000000001\n"
                               "2|0192f0a0-0000-7000-8000-000000000002\n");
    free(later);
    char *broken = tdb_text(&d, "SELECT x FROM broken");
    assert_null(broken);
    char *after = dump_0_1_0(&d, true);
    assert_string_equal(after, before);
    free(after);
    free(before);
    tdb_close(&d);
    free(list);
}

/* The hub's feedback table and core's report table agree: a fresh
 * database has one column per field of am_report_fields[], named as the
 * field, of the type the insert writes (INTEGER, BIGINT or TEXT), NOT
 * NULL, and no column besides those and the record's own (id, kiosk,
 * batch, the three times, the outcome). A field added to the report
 * without a migration that adds its column fails here. */
static void feedback_table_has_a_column_per_report_field(void **state)
{
    harness *h = *state;
    static const char *const own[] = {"id",         "kiosk",     "batch",  "received_at",
                                      "created_at", "closed_at", "outcome"};
    const char *add[] = {"kiosk", "add", "k9", NULL};
    assert_int_equal(h_hub_cmd(h, add, NULL, 0), 0); /* creates the schema */
    tdb d;
    tdb_open(h, &d);
    /* name | type | 1 when NOT NULL, one row per column. */
    const char *columns =
        h->use_pg ? "SELECT column_name AS name, upper(data_type) AS type,"
                    " CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END AS not_null"
                    " FROM information_schema.columns WHERE table_schema = current_schema()"
                    " AND table_name = 'feedback'"
                  : "SELECT name, upper(type), \"notnull\" FROM pragma_table_info('feedback')";
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (%s) c", columns);
    assert_int_equal(tdb_long(&d, sql), (long)(sizeof own / sizeof own[0] + am_report_field_count));
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM (%s) c WHERE name = '%s'", columns, own[i]);
        if (tdb_long(&d, sql) != 1)
            fail_msg("feedback has no column %s", own[i]);
    }
    for (size_t i = 0; i < am_report_field_count; i++) {
        const am_report_field_def *f = &am_report_fields[i];
        const char *type = f->kind == AM_RK_INT     ? "INTEGER"
                           : f->kind == AM_RK_INT64 ? "BIGINT"
                                                    : "TEXT";
        char want[128];
        snprintf(want, sizeof want, "%s|%s|1\n", f->name, type);
        snprintf(sql, sizeof sql, "SELECT * FROM (%s) c WHERE name = '%s'", columns, f->name);
        char *got = tdb_text(&d, sql);
        assert_non_null(got);
        if (strcmp(got, want) != 0)
            fail_msg("report field %s: feedback column is \"%s\", expected \"%s\"", f->name, got,
                     want);
        free(got);
    }
    tdb_close(&d);
}

#define BOTH_BACKENDS(name)                                                                        \
    static void name##_sqlite(void **state)                                                        \
    {                                                                                              \
        name(state);                                                                               \
    }                                                                                              \
    static void name##_postgresql(void **state)                                                    \
    {                                                                                              \
        name(state);                                                                               \
    }
BOTH_BACKENDS(newer_database_refused)
BOTH_BACKENDS(fresh_database_shaped_like_upgraded_one)
BOTH_BACKENDS(later_migration_runs_once_failed_one_changes_nothing)
BOTH_BACKENDS(feedback_table_has_a_column_per_report_field)

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(migrations_are_one_ordered_list),
    cmocka_unit_test_setup_teardown(upgrade_from_0_1_0_sqlite, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(upgrade_from_0_1_0_postgresql, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(hubs_starting_together_migrate_once_postgresql, setup_pg_empty,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(hubs_starting_together_on_0_1_0_migrate_once_postgresql,
                                    setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(newer_database_refused_sqlite, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(newer_database_refused_postgresql, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(fresh_database_shaped_like_upgraded_one_sqlite, setup_sqlite,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(fresh_database_shaped_like_upgraded_one_postgresql, setup_pg,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(later_migration_runs_once_failed_one_changes_nothing_sqlite,
                                    setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(later_migration_runs_once_failed_one_changes_nothing_postgresql,
                                    setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(feedback_table_has_a_column_per_report_field_sqlite,
                                    setup_sqlite_empty, h_teardown),
    cmocka_unit_test_setup_teardown(feedback_table_has_a_column_per_report_field_postgresql,
                                    setup_pg_empty, h_teardown),
};

AM_TEST_MAIN(tests)
