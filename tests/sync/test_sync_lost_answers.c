/* test_sync_lost_answers.c — the real amends-kiosk syncing through a flaky
 * network to the real amends-hub: a proxy resets the connection after the
 * hub has answered (p = 0.3), and drops kept-alive connections between
 * requests. A reset on a reused connection makes libcurl resend the same
 * request byte for byte; the hub answers that copy with its stored answer.
 * Afterwards nothing is pending, nothing quarantined, and every record the
 * kiosk made is at the hub exactly once.
 *
 * The faults are drawn from a seed printed with the counts (set
 * AMENDS_FAULT_SEED to run one again). */
#include "fault_proxy.h"
#include "kiosk_fixture.h"

#define JOURNEYS      200
#define P_RESET_AFTER 0.3
#define P_DROP        0.15
#define KIOSK_RUNS    20 /* bound: each run drains for at most 10 s */

static int setup(void **state)
{
    kx_open_hub(state, "tls = off\n");
    return 0;
}

/* One count from the hub's database with the kiosk's store attached as k. */
static long long hub_and_kiosk_int(sync_fx *fx, const char *sql)
{
    char hub[700], kiosk[800], attach[900];
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    long long v = -1;
    snprintf(hub, sizeof hub, "%s/hub.db", fx->h->dir);
    snprintf(kiosk, sizeof kiosk, "%s/%s", fx->data, AM_STORE_FILE);
    assert_int_equal(sqlite3_open_v2(hub, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL),
                     SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    snprintf(attach, sizeof attach, "ATTACH 'file:%s?mode=ro' AS k", kiosk);
    if (sqlite3_exec(db, attach, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", attach, sqlite3_errmsg(db));
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return v;
}

static void lost_answers_never_quarantine(void **state)
{
    kiosk_fx *k = *state;
    sync_fx *fx = k->fx;
    fault_proxy fp;
    char url[100];
    const char *seed_env = getenv("AMENDS_FAULT_SEED");
    unsigned seed = seed_env ? (unsigned)strtoul(seed_env, NULL, 10)
                             : (unsigned)(h_now_ms() ^ (int64_t)getpid());
    assert_true(fp_start_random(&fp, fx->h->hub.port, seed, P_RESET_AFTER, P_DROP, 0) > 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", fp.port);
    kx_write_conf(k, url, fx->token_file, 7);

    /* The guests' journeys, on the real kiosk, which syncs while they go
     * on and drains after the script; then restarts until all is sent. */
    size_t len = JOURNEYS * (sizeof kx_left_on_apology - 1) + 1;
    char *script = malloc(len);
    assert_non_null(script);
    script[0] = '\0';
    for (int i = 0; i < JOURNEYS; i++)
        strcat(script, kx_left_on_apology);
    int64_t started = h_now_ms();
    if (kx_run_script(k, script) != 0)
        kx_fail_with_log(k, "the journeys script failed");
    free(script);
    int runs = 1;
    am_store_status s;
    for (;;) {
        kx_store_open(k);
        s = fx_status(fx);
        am_store_close(fx->st);
        fx->st = NULL;
        if (s.pending + s.inflight == 0 || runs >= KIOSK_RUNS)
            break;
        if (kx_run_script(k, "expect attract\n") != 0)
            kx_fail_with_log(k, "a draining run failed");
        runs++;
    }
    int64_t took = h_now_ms() - started;
    fp_stop(&fp);
    kx_store_open(k);
    s = fx_status(fx);
    long long resets_failed =
        hub_and_kiosk_int(fx, "SELECT count(*) FROM k.sync_log WHERE outcome = 'retry'");
    fprintf(stderr,
            "lost answers (seed %u): %d journeys, %lld records; %d requests on %d connections; "
            "%d resets after the hub answered (%d on a reused connection), %d idle drops at "
            "once, %d on the next request; %d resent copies answered by the hub; %lld worker "
            "retries; %d kiosk run(s); %lld ms\n",
            seed, JOURNEYS, (long long)s.synced, fp.requests, fp.connections, fp.resets_after,
            fp.resets_reused, fp.drops_idle, fp.drops_on_request, fp.resent, resets_failed, runs,
            (long long)took);

    /* The kiosk: everything settled, nothing quarantined. */
    if (s.pending + s.inflight != 0)
        kx_fail_with_log(k, "records still pending after the bounded kiosk runs");
    assert_int_equal(s.journeys, JOURNEYS);
    assert_int_equal(s.alerts, JOURNEYS);
    assert_int_equal(s.quarantined, 0);
    assert_int_equal(s.synced, 2 * JOURNEYS);
    /* The hub: every record exactly once, nothing else from this kiosk. */
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM feedback WHERE kiosk = 'k1'", NULL),
                     JOURNEYS);
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM alerts WHERE kiosk = 'k1'", NULL),
                     JOURNEYS);
    assert_int_equal(hub_and_kiosk_int(fx, "SELECT count(*) FROM k.journeys j WHERE (SELECT "
                                           "count(*) FROM main.feedback f WHERE f.id = j.id) <> 1"),
                     0);
    assert_int_equal(hub_and_kiosk_int(fx, "SELECT count(*) FROM k.alerts a WHERE (SELECT "
                                           "count(*) FROM main.alerts h WHERE h.id = a.id) <> 1"),
                     0);
    /* The hub refused nothing: no "replayed", no other 4xx. */
    assert_int_equal(
        fx_hub_int(fx, "SELECT count(*) FROM ingest_log WHERE kiosk = 'k1' AND status <> 200",
                   NULL),
        0);
    /* The faults happened, including the ones this is about: resets after
     * the answer on kept-alive connections, which libcurl answered by
     * resending the same bytes. */
    assert_true(fp.resets_after > 0);
    assert_true(fp.resets_reused > 0);
    assert_true(fp.drops_idle + fp.drops_on_request > 0);
    assert_true(fp.resent > 0);
    assert_true(fp.requests >= 20);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(lost_answers_never_quarantine, setup, kx_teardown),
    };
    return am_test_run(__FILE__, tests, sizeof tests / sizeof tests[0], argc, argv);
}
