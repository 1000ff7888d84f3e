/* test_store_crash.c — nothing committed is lost when the kiosk dies.
 *
 * A child process runs guest journeys against the store and, after each
 * COMMIT returns, tells the parent over a pipe which journey it committed
 * and how far it got. The parent kills it with SIGKILL at a random moment,
 * then opens the store the way a restarted kiosk does and checks that every
 * journey the child was told is durable is there, in the reported state or
 * later, that open journeys were closed as interrupted, and that SQLite's
 * integrity check passes. The same store takes every kill in a row.
 *
 * AMENDS_CRASH_SEED=N repeats a run (the seed is printed).
 */
#include "am_test.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "amends/store.h"

#define CRASH_KILLS        200
#define CRASH_MAX_DELAY_MS 30
#define CRASH_CHILD_LOOPS  100000 /* far more than fit before the kill */
#define TRACK_CAP          (1 << 16)
#define KIOSK              "crash-1"

/* How far a journey got, as the child reported it after each commit. */
enum stage { STAGE_OPENED = 1, STAGE_SAVED = 2, STAGE_CLOSED = 3 };

/* The description written at each stage, so the parent can tell from the
 * store how far a journey really got. */
static const char *const stage_text[] = {"", "opened", "saved", "closed"};

typedef struct tracked {
    char uuid[AM_UUID_LEN + 1];
    int stage;     /* highest reported */
    int planned;   /* the outcome the child would close it with */
    bool reported; /* slot in use */
} tracked;

static tracked *g_track; /* open addressing on the uuid */
static int g_tracked;

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* --- the child: a kiosk that is about to die ----------------------------- */

static void report_commit(int fd, const char *uuid, int stage, am_outcome planned)
{
    char line[80];
    int n = snprintf(line, sizeof line, "%s %d %d\n", uuid, stage, (int)planned);
    /* Under PIPE_BUF bytes: written whole or not at all, even if killed. */
    if (write(fd, line, (size_t)n) != n)
        _exit(3);
}

static void set_stage(am_report *r, int stage)
{
    snprintf(r->description, sizeof r->description, "%s", stage_text[stage]);
}

static void child_main(const char *dir, int fd, unsigned seed)
{
    am_store *st = NULL;
    char err[1400];
    if (am_store_open(dir, AM_STORE_READWRITE, wall_ms(), &st, err, sizeof err) != AM_OK) {
        fprintf(stderr, "child: %s\n", err);
        _exit(2);
    }
    am_report r;
    memset(&r, 0, sizeof r);
    snprintf(r.category, sizeof r.category, "room");
    snprintf(r.first_name, sizeof r.first_name, "Crash");
    r.severity = AM_SEVERITY_MINOR;
    for (int i = 0; i < CRASH_CHILD_LOOPS; i++) {
        char uuid[AM_UUID_LEN + 1];
        am_outcome planned = rand_r(&seed) % 3 == 0 ? AM_OUTCOME_ABANDONED : AM_OUTCOME_COMPLETED;
        r.rating = 0;
        set_stage(&r, STAGE_OPENED);
        if (am_store_journey_open(st, KIOSK, &r, wall_ms(), uuid) != AM_OK)
            _exit(4);
        report_commit(fd, uuid, STAGE_OPENED, planned);
        /* Guests take their time: most kills land while a journey is open. */
        sleep_us(rand_r(&seed) % 2000);
        if (rand_r(&seed) % 2) {
            set_stage(&r, STAGE_SAVED);
            if (am_store_journey_save(st, uuid, &r, wall_ms()) != AM_OK)
                _exit(5);
            report_commit(fd, uuid, STAGE_SAVED, planned);
            sleep_us(rand_r(&seed) % 2000);
        }
        set_stage(&r, STAGE_CLOSED);
        r.rating = 5;
        if (am_store_journey_close(st, uuid, &r, planned, wall_ms()) != AM_OK)
            _exit(6);
        report_commit(fd, uuid, STAGE_CLOSED, planned);
    }
    am_store_close(st);
    _exit(0);
}

/* --- the parent: bookkeeping --------------------------------------------- */

static tracked *track_slot(const char *uuid)
{
    uint32_t h = 2166136261u;
    for (const char *p = uuid; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    for (int probe = 0; probe < TRACK_CAP; probe++) {
        tracked *t = &g_track[(h + (uint32_t)probe) & (TRACK_CAP - 1)];
        if (!t->reported || strcmp(t->uuid, uuid) == 0)
            return t;
    }
    fail_msg("more than %d journeys tracked", TRACK_CAP);
    return NULL;
}

/* Reads every line the child wrote; returns the uuids it named, in
 * *round (caller frees). */
static int read_reports(int fd, char (**round)[AM_UUID_LEN + 1])
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        if (cap - len < 1024) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        assert_true(n >= 0);
        if (n == 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';

    int count = 0, max = (int)(len / 40) + 1;
    *round = calloc((size_t)max, sizeof **round);
    assert_non_null(*round);
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char uuid[AM_UUID_LEN + 1];
        int stage = 0, planned = 0;
        if (sscanf(line, "%36s %d %d", uuid, &stage, &planned) != 3)
            fail_msg("bad report line from child: %s", line);
        tracked *t = track_slot(uuid);
        if (!t->reported) {
            memcpy(t->uuid, uuid, sizeof uuid);
            t->reported = true;
            t->planned = planned;
            g_tracked++;
        }
        if (stage > t->stage)
            t->stage = stage;
        assert_true(count < max);
        memcpy((*round)[count++], uuid, sizeof uuid);
    }
    free(buf);
    return count;
}

/* The store must hold the journey at the reported stage or later, and
 * closed: as planned if the child got to close it, else interrupted. */
static void verify_journey(am_store *st, const tracked *t, am_journey_row *row)
{
    am_rc rc = am_store_journey_get(st, t->uuid, row);
    if (rc != AM_OK)
        fail_msg("journey %s reported committed at stage %d is missing: %s", t->uuid, t->stage,
                 am_store_errmsg(st));
    int stored_stage = 0;
    for (int s = STAGE_OPENED; s <= STAGE_CLOSED; s++) {
        if (strcmp(row->report.description, stage_text[s]) == 0)
            stored_stage = s;
    }
    if (stored_stage < t->stage)
        fail_msg("journey %s: reported stage %d, store has '%s'", t->uuid, t->stage,
                 row->report.description);
    if (stored_stage == STAGE_CLOSED) {
        assert_int_equal(row->report.outcome, t->planned);
        assert_int_equal(row->report.rating, 5);
    } else {
        assert_int_equal(row->report.outcome, AM_OUTCOME_INTERRUPTED);
    }
    assert_int_not_equal(row->closed_at_ms, 0);
    assert_int_equal(row->sync_state, AM_SYNC_PENDING);
    assert_string_equal(row->report.first_name, "Crash");
}

static void check_integrity(const char *dir)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, AM_STORE_FILE);
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "ok");
    sqlite3_finalize(stmt);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM journeys WHERE outcome = 'open'",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

static void store_crash_loses_nothing_committed(void **state)
{
    (void)state;
    char dir[512];
    am_test_tmpdir(dir, sizeof dir, "store_crash");
    g_track = calloc(TRACK_CAP, sizeof *g_track);
    assert_non_null(g_track);
    g_tracked = 0;

    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    const char *env = getenv("AMENDS_CRASH_SEED");
    if (env && *env)
        seed = (unsigned)strtoul(env, NULL, 10);
    printf("store crash: seed %u (AMENDS_CRASH_SEED=%u repeats this run)\n", seed, seed);
    fflush(stdout);

    int64_t start = mono_ms();
    int kills = 0, reported_lines = 0, interrupted = 0, killed_open = 0;
    am_journey_row *row = calloc(1, sizeof *row);
    assert_non_null(row);

    for (int round = 0; round < CRASH_KILLS; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        unsigned child_seed = rand_r(&seed);
        fflush(stdout);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            child_main(dir, fds[1], child_seed);
        }
        close(fds[1]);
        /* Three rounds in four die while journeys are under way: once the
         * child has reported its first commit (however slow start-up is
         * under a sanitizer on a loaded machine), a random moment later.
         * The rest die at any moment from start-up on. */
        if (round % 4 != 3) {
            struct pollfd first = {.fd = fds[0], .events = POLLIN};
            if (poll(&first, 1, 10000) != 1)
                fail_msg("round %d: the child reported no commit within 10 s", round);
        }
        sleep_us((long)(rand_r(&seed) % (CRASH_MAX_DELAY_MS * 1000 + 1)));
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
            fail_msg("round %d: child ended by itself (status %d) instead of being killed", round,
                     status);
        kills++;

        char(*uuids)[AM_UUID_LEN + 1] = NULL;
        int n = read_reports(fds[0], &uuids);
        close(fds[0]);
        reported_lines += n;

        /* Restart, as the kiosk would after the power came back. */
        am_store *st = NULL;
        char err[1400];
        am_rc rc = am_store_open(dir, AM_STORE_READWRITE, wall_ms(), &st, err, sizeof err);
        if (rc != AM_OK)
            fail_msg("round %d: reopen failed: %s", round, err);
        int closed_now = am_store_interrupted_at_open(st);
        interrupted += closed_now;
        if (closed_now > 0)
            killed_open++;
        for (int i = 0; i < n; i++)
            verify_journey(st, track_slot(uuids[i]), row);
        free(uuids);

        am_store_status s;
        assert_int_equal(am_store_get_status(st, &s), AM_OK);
        assert_int_equal(s.open_journeys, 0);
        assert_int_equal(s.inflight, 0);
        /* Every journey is closed and queued exactly once. */
        assert_int_equal(s.pending, s.journeys);
        am_store_close(st);
        check_integrity(dir);
    }

    /* At the end, every journey ever reported, once more. */
    am_store *st = NULL;
    char err[1400];
    assert_int_equal(am_store_open(dir, AM_STORE_READWRITE, wall_ms(), &st, err, sizeof err),
                     AM_OK);
    assert_int_equal(am_store_interrupted_at_open(st), 0);
    int verified = 0;
    for (int i = 0; i < TRACK_CAP; i++) {
        if (g_track[i].reported) {
            verify_journey(st, &g_track[i], row);
            verified++;
        }
    }
    am_store_status s;
    assert_int_equal(am_store_get_status(st, &s), AM_OK);
    am_store_close(st);

    int64_t elapsed = mono_ms() - start;
    printf("store crash: kills %d, commits reported %d, journeys reported committed %d, "
           "journeys verified %d, journeys in store %lld, closed as interrupted %d "
           "(in %d restarts), runtime %.1f s\n",
           kills, reported_lines, g_tracked, verified, (long long)s.journeys, interrupted,
           killed_open, (double)elapsed / 1000.0);
    fflush(stdout);

    assert_int_equal(kills, CRASH_KILLS);
    assert_int_equal(verified, g_tracked);
    /* Unreported journeys may exist (committed, killed before the report),
     * never fewer than reported. */
    assert_true(s.journeys >= g_tracked);
    /* The test is only worth something if kills landed mid-journey. */
    assert_true(g_tracked > 0);
    assert_true(interrupted > 0);

    free(row);
    free(g_track);
    g_track = NULL;
    am_test_rmtree(dir);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(store_crash_loses_nothing_committed),
};

AM_TEST_MAIN(tests)
