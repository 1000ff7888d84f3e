/* test_hub_upgrade.c — a database left by amends-hub 0.1.0, opened by this
 * hub, on both backends. The fixtures (tests/fixtures/hub-0.1.0-*.sql) were
 * made by the 0.1.0 binary's own commands and dumped by each database's own
 * tool; they carry the test credentials the 0.1.0 hub printed.
 *
 * After the upgrade, the old kiosks are in the site "default", the old
 * manager token still reads, the old kiosk token still posts, and nothing
 * stored before is lost. */
#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "hub_harness.h"

#define FIXTURE_SQLITE AM_SOURCE_DIR "/tests/fixtures/hub-0.1.0-sqlite.sql"
#define FIXTURE_PG     AM_SOURCE_DIR "/tests/fixtures/hub-0.1.0-postgresql.sql"

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

static int setup_fixture(void **state, bool use_pg)
{
    harness *h = calloc(1, sizeof *h);
    *state = h;
    h->use_pg = use_pg;
    am_test_tmpdir(h->dir, sizeof h->dir, use_pg ? "hub-up-pg" : "hub-up-sqlite");
    h_make_certs(h);
    if (use_pg)
        h_pg_start(&h->pg);
    h_write_conf(h, NULL);
    load_fixture(h);
    return 0;
}

static int setup_sqlite(void **state)
{
    return setup_fixture(state, false);
}

static int setup_pg(void **state)
{
    return setup_fixture(state, true);
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

static void upgrade_from_0_1_0(void **state)
{
    harness *h = *state;
    h_hub_start(h);

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
}

static void upgrade_from_0_1_0_sqlite(void **state)
{
    upgrade_from_0_1_0(state);
}

static void upgrade_from_0_1_0_postgresql(void **state)
{
    upgrade_from_0_1_0(state);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(upgrade_from_0_1_0_sqlite, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(upgrade_from_0_1_0_postgresql, setup_pg, h_teardown),
};

AM_TEST_MAIN(tests)
