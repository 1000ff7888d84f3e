/* test_sync_kill.c — the real amends-kiosk, in a window on an Xvfb display,
 * is SIGKILLed at random moments while it syncs to the real hub, at least
 * 100 times, and started again each time. Meanwhile records keep coming:
 * the test commits closed journeys and alerts to the kiosk's store while
 * the kiosk runs, and every fifth run is a headless kiosk that takes a
 * guest's report itself (and may be killed mid-journey, leaving it to be
 * closed as interrupted). At the end one windowed run drains the outbox and
 * is stopped with SIGTERM. Every record the store holds is at the hub
 * exactly once: none lost, none duplicated.
 */
#include "kiosk_fixture.h"

#define KILLS     100 /* SIGKILLs wanted */
#define MAX_RUNS  300 /* runs that end before the kill do not count */
#define BACKLOG   1000
#define PER_RUN   6 /* journeys committed by the test while a kiosk runs */
#define HUB_COUNT "SELECT (SELECT count(*) FROM feedback) + (SELECT count(*) FROM alerts)"

static int setup(void **state)
{
    kiosk_fx *k = kx_open(state);
    kx_xvfb_start(k);
    return 0;
}

/* Commits `journeys` closed journeys and `alerts` alerts in one
 * transaction, as the kiosk's own step would: a kiosk starting meanwhile
 * never sees a journey open (it would close it as interrupted). */
static void commit_records(sync_fx *fx, int journeys, int alerts)
{
    /* A read-write handle only for the commit: while one is open, a kiosk
     * starting up leaves the repair of a kill (inflight back to pending) to
     * its next start, as it must for amendsctl's handle. */
    am_store *st = NULL;
    char err[256];
    if (am_store_open(fx->data, AM_STORE_READWRITE, h_now_ms(), &st, err, sizeof err))
        fail_msg("store: %s", err);
    assert_int_equal(am_store_begin(st), AM_OK);
    for (int n = 0; n < journeys + alerts; n++) {
        char uuid[AM_UUID_LEN + 1];
        if (n < alerts) {
            assert_int_equal(am_store_alert_raise(st, "k1", NULL, AM_ALERT_STAFF_NOW, "room",
                                                  AM_SEVERITY_SEVERE, h_now_ms(), uuid),
                             AM_OK);
        } else {
            am_report r;
            fx_report(&r, n);
            assert_int_equal(am_store_journey_open(st, "k1", &r, h_now_ms(), uuid), AM_OK);
            assert_int_equal(am_store_journey_close(st, uuid, &r, AM_OUTCOME_COMPLETED, h_now_ms()),
                             AM_OK);
        }
    }
    assert_int_equal(am_store_commit(st), AM_OK);
    am_store_close(st);
}

/* Every record id the kiosk's store holds, into fx->ids. */
static void store_ids(sync_fx *fx, int *journeys, int *alerts)
{
    char path[800];
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    snprintf(path, sizeof path, "%s/%s", fx->data, AM_STORE_FILE);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    fx->id_count = 0;
    *journeys = *alerts = 0;
    const char *sql[2] = {"SELECT id FROM journeys", "SELECT id FROM alerts"};
    for (int t = 0; t < 2; t++) {
        assert_int_equal(sqlite3_prepare_v2(db, sql[t], -1, &stmt, NULL), SQLITE_OK);
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            assert_true(fx->id_count < FX_MAX_IDS);
            snprintf(fx->ids[fx->id_count++], AM_UUID_LEN + 1, "%s",
                     (const char *)sqlite3_column_text(stmt, 0));
            (*(t ? alerts : journeys))++;
        }
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
}

/* How many times `text` occurs in the file at path. */
static int count_lines(const char *path, const char *text)
{
    int n = 0;
    char *all = am_test_read_file(path, NULL);
    for (const char *p = all; p && (p = strstr(p, text)) != NULL; p++)
        n++;
    free(all);
    return n;
}

static void killed_at_random_moments(void **state)
{
    kiosk_fx *k = *state;
    sync_fx *fx = k->fx;
    int killed = 0, mid_sync = 0, inflight_at_kill = 0, guest_runs = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    commit_records(fx, BACKLOG, 20);
    kx_store_open(k); /* read-only, for the outbox counts */
    h_write(k->script, kx_left_on_apology);
    unsigned seed = (unsigned)time(NULL);
    fprintf(stderr, "kill test seed %u\n", seed);
    srand(seed);
    /* Under ASan, no leak check at the exit of the runs that get killed:
     * LeakSanitizer checks from a task that shares the kiosk's file table,
     * so a kiosk SIGKILLed during that check can leave its data dir's lock
     * held after it was reaped, and the next kiosk rightly refuses to
     * start. A killed process never reaches that check anyway; the final
     * run below, which stops in order, has it back, and the other kiosk
     * tests check leaks on every exit. */
    const char *asan_had = getenv("ASAN_OPTIONS");
    char asan_all[512];
    snprintf(asan_all, sizeof asan_all, "%s", asan_had ? asan_had : "");
    char asan_killed[600];
    snprintf(asan_killed, sizeof asan_killed, "%s%sdetect_leaks=0", asan_all,
             asan_all[0] ? ":" : "");
    setenv("ASAN_OPTIONS", asan_killed, 1);
    int run;
    for (run = 0; killed < KILLS && run < MAX_RUNS; run++) {
        long long before = fx_hub_int(fx, HUB_COUNT, NULL);
        bool guest = run % 5 == 4;
        pid_t pid = kx_spawn(k, guest ? k->script : NULL);
        guest_runs += guest;
        /* Three runs in four die while sending: once the hub has had
         * records from this run (however slow start-up is on a loaded
         * machine), a random moment later. The rest, and the guest runs,
         * die at any moment from start-up on. */
        if (!guest && run % 4 != 3) {
            commit_records(fx, PER_RUN, run % 10 == 0);
            for (int i = 0; i < 1000 && fx_hub_int(fx, HUB_COUNT, NULL) == before; i++)
                h_sleep_ms(5);
            h_sleep_ms(rand() % 150);
        } else {
            h_sleep_ms(20 + rand() % 200);
            if (!guest)
                commit_records(fx, PER_RUN, run % 10 == 0);
            h_sleep_ms(rand() % 200);
        }
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
        }
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
            killed++;
            if (fx_hub_int(fx, HUB_COUNT, NULL) > before)
                mid_sync++; /* it had delivered records when it died */
            if (fx_status(fx).inflight > 0)
                inflight_at_kill++; /* it died with a batch claimed */
        } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            char what[96];
            snprintf(what, sizeof what, "kiosk run %d failed (status %d)", run, status);
            kx_fail_with_log(k, what);
        }
    }
    fprintf(stderr,
            "killed %d of %d runs (%d headless with a guest); %d had delivered records, %d died "
            "with a batch in flight\n",
            killed, run, guest_runs, mid_sync, inflight_at_kill);
    assert_int_equal(killed, KILLS);
    assert_true(mid_sync >= KILLS / 2);

    /* One windowed run drains whatever is left, then stops in order (once
     * it is up: SIGTERM during start-up would simply end it). */
    if (asan_had)
        setenv("ASAN_OPTIONS", asan_all, 1);
    else
        unsetenv("ASAN_OPTIONS");
    int starts = count_lines(k->log, "kiosk: started");
    pid_t pid = kx_spawn(k, NULL);
    for (int i = 0; i < 1500 && count_lines(k->log, "kiosk: started") == starts; i++)
        h_sleep_ms(10);
    am_store_status s = fx_status(fx);
    for (int i = 0; i < 3000 && (s.pending + s.inflight > 0 || s.open_journeys > 0); i++) {
        h_sleep_ms(20);
        s = fx_status(fx);
    }
    kill(pid, SIGTERM);
    if (kx_wait(pid, 15000) != 0)
        kx_fail_with_log(k, "the last kiosk run did not stop in order on SIGTERM");
    s = fx_status(fx);
    if (s.pending + s.inflight + s.quarantined + s.open_journeys != 0) {
        fprintf(stderr, "pending %lld, inflight %lld, quarantined %lld, open %lld\n",
                (long long)s.pending, (long long)s.inflight, (long long)s.quarantined,
                (long long)s.open_journeys);
        fx_print_log(fx);
        kx_fail_with_log(k, "the last kiosk run did not drain the outbox");
    }

    int journeys = 0, alerts = 0;
    store_ids(fx, &journeys, &alerts);
    assert_int_equal(s.synced, journeys + alerts);
    /* Each record is at the hub exactly once, under its own id. */
    long long fb = fx_hub_int(fx, "SELECT count(*) FROM feedback WHERE kiosk = 'k1'", NULL);
    long long al = fx_hub_int(fx, "SELECT count(*) FROM alerts WHERE kiosk = 'k1'", NULL);
    int lost = 0, duplicated = 0;
    for (int i = 0; i < fx->id_count; i++) {
        long long n = fx_hub_int(fx,
                                 "SELECT (SELECT count(*) FROM feedback WHERE id = ?1) + "
                                 "(SELECT count(*) FROM alerts WHERE id = ?1)",
                                 fx->ids[i]);
        lost += n == 0;
        duplicated += n > 1;
    }
    /* The hub reported each one stored once; a re-send after a kill is
     * "duplicate". (Heartbeat batches hold no feedback or alert.) */
    long long stored = fx_hub_int(fx,
                                  "SELECT coalesce(sum(stored), 0) FROM ingest_log WHERE kiosk = "
                                  "'k1' AND batch IN (SELECT batch FROM feedback UNION SELECT "
                                  "batch FROM alerts)",
                                  NULL);
    long long resent = fx_hub_int(fx,
                                  "SELECT coalesce(sum(duplicate), 0) FROM ingest_log WHERE kiosk "
                                  "= 'k1'",
                                  NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr,
            "store: %d journeys, %d alerts; hub: %lld feedback, %lld alerts; lost %d, "
            "duplicated %d, re-sent and answered duplicate %lld; %.1f s\n",
            journeys, alerts, fb, al, lost, duplicated, resent,
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    assert_true(journeys >= BACKLOG + guest_runs / 2);
    assert_int_equal(lost, 0);
    assert_int_equal(duplicated, 0);
    assert_int_equal(fb, journeys);
    assert_int_equal(al, alerts);
    assert_int_equal(stored, journeys + alerts);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(killed_at_random_moments, setup, kx_teardown),
    };
    return am_test_run(__FILE__, tests, sizeof tests / sizeof tests[0], argc, argv);
}
