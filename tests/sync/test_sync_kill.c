/* test_sync_kill.c — the process running the worker is SIGKILLed at random
 * moments during sync, 100 times; then one clean run drains the rest.
 * Every record the store holds is at the real hub exactly once.
 *
 * The process is amends-sync-harness (opens the store, closes journeys,
 * raises alerts, runs the worker) until amends-kiosk runs the worker.
 */
#include "sync_fixture.h"

#define HARNESS_BIN AM_BINARY_DIR "/bin/amends-sync-harness"
#define KILLS       100 /* SIGKILLs wanted */
#define MAX_RUNS    400 /* runs that finish before the kill do not count */

static int setup(void **state)
{
    fx_open(state, NULL);
    return 0;
}

static pid_t spawn_harness(sync_fx *fx, int journeys, int alerts, const char *log)
{
    char j[16], a[16];
    snprintf(j, sizeof j, "%d", journeys);
    snprintf(a, sizeof a, "%d", alerts);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        int null = open("/dev/null", O_RDWR);
        if (fd < 0 || null < 0)
            _exit(127);
        dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(HARNESS_BIN, HARNESS_BIN, "--data", fx->data, "--kiosk", "k1", "--url", fx->h->url,
              "--token-file", fx->token_file, "--secret-file", fx->secret_file, "--ca", fx->h->ca,
              "--batch", "7", "--journeys", j, "--alerts", a, "--backoff-ms", "10:100", "--timeout",
              "60", (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Reads every record id the kiosk's store holds into fx->ids. */
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

static void killed_at_random_moments(void **state)
{
    sync_fx *fx = *state;
    char log[800];
    int killed = 0, mid_sync = 0;
    snprintf(log, sizeof log, "%s/harness.log", fx->h->dir);
    am_store_close(fx->st); /* the harness is the kiosk now */
    fx->st = NULL;
    unsigned seed = (unsigned)time(NULL);
    fprintf(stderr, "kill test seed %u\n", seed);
    srand(seed);
    int run;
    for (run = 0; killed < KILLS && run < MAX_RUNS; run++) {
        long long before = fx_hub_int(fx, "SELECT count(*) FROM ingest_log", NULL);
        pid_t pid = spawn_harness(fx, 40, run % 4 == 0 ? 2 : 0, log);
        h_sleep_ms(10 + rand() % 200);
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
        }
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
            killed++;
            if (fx_hub_int(fx, "SELECT count(*) FROM ingest_log", NULL) > before)
                mid_sync++; /* it had talked to the hub when it died */
        } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            char *text = am_test_read_file(log, NULL);
            fail_msg("harness run %d failed (status %d):\n%s", run, status, text ? text : "");
        }
    }
    fprintf(stderr, "killed %d of %d runs, %d after requests had reached the hub\n", killed, run,
            mid_sync);
    assert_int_equal(killed, KILLS);
    assert_true(mid_sync >= KILLS / 4);

    /* One clean run drains whatever is left. */
    int status = 0;
    pid_t pid = spawn_harness(fx, 0, 0, log);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char *text = am_test_read_file(log, NULL);
        fail_msg("final run did not drain (status %d):\n%s", status, text ? text : "");
    }
    char err[256];
    assert_int_equal(
        am_store_open(fx->data, AM_STORE_READONLY, h_now_ms(), &fx->st, err, sizeof err), AM_OK);
    am_store_status s = fx_status(fx);
    assert_int_equal(s.pending + s.inflight + s.quarantined, 0);
    int journeys = 0, alerts = 0;
    store_ids(fx, &journeys, &alerts);
    fprintf(stderr, "store holds %d journeys and %d alerts\n", journeys, alerts);
    assert_true(journeys > 0);
    assert_int_equal(s.synced, journeys + alerts);
    fx_assert_exactly_once(fx, journeys, alerts);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(killed_at_random_moments, setup, fx_teardown),
    };
    return am_test_run(__FILE__, tests, sizeof tests / sizeof tests[0], argc, argv);
}
