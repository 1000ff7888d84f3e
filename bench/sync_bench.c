/* sync_bench.c — how fast the sync worker drains a backlog to amends-hub:
 * RECORDS closed journeys sent in batches of 100 (kiosk "batched"), then
 * the same number of records sent one per request (kiosk "single"), in
 * the same run against the same hub. Run through bench/sync_bench.sh,
 * which starts the hub and provisions the two kiosks.
 *
 * Runs ROUNDS rounds (default 3), each a fresh backlog drained both ways.
 * Prints every round's drain times and rates, checks every record is at
 * the hub exactly once, and exits 1 when one is not or a target is missed
 * (batched at least 20 times the one-per-request rate, judged on the
 * median round; 10,000 in under 5 s in every round).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "amends/log.h"
#include "amends/store.h"
#include "amends/sync.h"

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Closes `count` journeys in the kiosk's store, as guests would (not
 * timed). One transaction for the lot: the backlog is the point here. */
static int seed(am_store *st, const char *kiosk, int count)
{
    if (am_store_begin(st))
        return -1;
    for (int n = 0; n < count; n++) {
        char uuid[AM_UUID_LEN + 1];
        am_report r;
        memset(&r, 0, sizeof r);
        snprintf(r.category, sizeof r.category, "%s", n % 3 ? "room" : "noise");
        r.severity = (am_severity)(1 + n % 3);
        snprintf(r.description, sizeof r.description,
                 "The heater in the room was off all night and nobody answered at reception #%d",
                 n);
        snprintf(r.resolution, sizeof r.resolution, "other");
        snprintf(r.resolution_text, sizeof r.resolution_text, "a discount on the night");
        r.rating = 1 + n % 5;
        r.consent = AM_CONSENT_NO;
        r.outcome = AM_OUTCOME_COMPLETED;
        if (am_store_journey_open(st, kiosk, &r, wall_ms(), uuid) ||
            am_store_journey_close(st, uuid, &r, AM_OUTCOME_COMPLETED, wall_ms())) {
            am_store_rollback(st);
            return -1;
        }
    }
    return am_store_commit(st) == AM_OK ? 0 : -1;
}

static long long hub_count(const char *hub_db, const char *kiosk)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    long long n = -1;
    if (sqlite3_open_v2(hub_db, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_busy_timeout(db, 5000) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT count(*), count(DISTINCT id) FROM feedback WHERE kiosk = ?1",
                           -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_bind_text(stmt, 1, kiosk, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW &&
        sqlite3_column_int64(stmt, 0) == sqlite3_column_int64(stmt, 1))
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
}

typedef struct run_result {
    double seconds;
    long long requests;
} run_result;

/* Seeds a fresh store for `kiosk`, starts the worker with batches of
 * `batch` and times it until nothing is pending. */
static int run(const char *dir, const char *url, const char *ca, const char *kiosk, int batch,
               int records, int round, run_result *out)
{
    char data[1200], token[1200], secret[1200], err[512];
    am_store *st = NULL;
    am_sync *sync = NULL;
    snprintf(data, sizeof data, "%s/store-%s-%d", dir, kiosk, round);
    snprintf(token, sizeof token, "%s/%s.token", dir, kiosk);
    snprintf(secret, sizeof secret, "%s/%s.secret", dir, kiosk);
    if (mkdir(data, 0700) != 0 && errno != EEXIST) {
        perror(data);
        return -1;
    }
    if (am_store_open(data, AM_STORE_READWRITE, wall_ms(), &st, err, sizeof err)) {
        fprintf(stderr, "sync_bench: %s\n", err);
        return -1;
    }
    if (seed(st, kiosk, records)) {
        fprintf(stderr, "sync_bench: seeding: %s\n", am_store_errmsg(st));
        am_store_close(st);
        return -1;
    }
    am_sync_options opt = {
        .data_dir = data,
        .kiosk_id = kiosk,
        .url = url,
        .token_file = token,
        .secret_file = secret,
        .ca_file = ca,
        .batch = batch,
        .connect_timeout_s = 10,
    };
    double t0 = mono_s();
    if (am_sync_start(&opt, &sync, err, sizeof err)) {
        fprintf(stderr, "sync_bench: %s\n", err);
        am_store_close(st);
        return -1;
    }
    /* Watch the worker's own counters, a mutex and a copy: reading the
     * store's status counts every outbox row, and doing that every few
     * milliseconds took more CPU than the worker and the hub together on a
     * two-core machine, slowing what is measured. The store is checked
     * once the worker says it is done. */
    am_sync_status ss;
    int rc = -1;
    for (;;) {
        am_sync_get_status(sync, &ss);
        if (ss.sent_records + ss.quarantined_records >= records) {
            rc = 0;
            break;
        }
        if (mono_s() - t0 > 600) {
            fprintf(stderr, "sync_bench: %s not drained in 600 s\n", kiosk);
            break;
        }
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    out->seconds = mono_s() - t0;
    out->requests = ss.requests;
    am_sync_stop(sync);
    am_store_status s;
    if (rc == 0 && am_store_get_status(st, &s) != AM_OK) {
        fprintf(stderr, "sync_bench: %s: %s\n", kiosk, am_store_errmsg(st));
        rc = -1;
    }
    if (rc == 0 && (s.synced != records || s.quarantined != 0 || s.pending + s.inflight != 0)) {
        fprintf(stderr, "sync_bench: %s: %lld synced, %lld quarantined of %d\n", kiosk,
                (long long)s.synced, (long long)s.quarantined, records);
        rc = -1;
    }
    am_store_close(st);
    return rc;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *url = NULL, *ca = NULL, *dir = NULL, *hub_db = NULL;
    int records = 10000, rounds = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--url"))
            url = argv[i + 1];
        else if (!strcmp(argv[i], "--ca"))
            ca = argv[i + 1];
        else if (!strcmp(argv[i], "--dir"))
            dir = argv[i + 1];
        else if (!strcmp(argv[i], "--hub-db"))
            hub_db = argv[i + 1];
        else if (!strcmp(argv[i], "--records"))
            records = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--rounds"))
            rounds = atoi(argv[i + 1]);
    }
    if (!url || !ca || !dir || !hub_db || records < 1 || rounds < 1 || rounds > 99) {
        fprintf(stderr, "usage: sync_bench --url URL --ca FILE --dir DIR --hub-db FILE "
                        "[--records N] [--rounds 1..99]\n");
        return 2;
    }
    am_log_set_ident("sync_bench");
    am_log_set_level(AM_LOG_WARN);

    /* Rounds alternate the two ways, each on a fresh backlog, so a moment
     * when the machine is busy with something else falls on one round of
     * one side, not on a whole side; every round is printed, and the
     * median ratio is judged. */
    double ratios[99], worst_drain = 0;
    int status = 0;
    printf("round  batches of 100: time  records/s  requests   one per request: time  records/s  "
           "ratio\n");
    for (int k = 0; k < rounds; k++) {
        run_result batched, single;
        if (run(dir, url, ca, "batched", 100, records, k, &batched))
            return 1;
        if (run(dir, url, ca, "single", 1, records, k, &single))
            return 1;
        double rate_b = records / batched.seconds, rate_s = records / single.seconds;
        ratios[k] = rate_b / rate_s;
        if (batched.seconds > worst_drain)
            worst_drain = batched.seconds;
        printf("%5d  %19.2f s  %9.0f  %8lld   %20.2f s  %9.0f  %5.1fx\n", k + 1, batched.seconds,
               rate_b, batched.requests, single.seconds, rate_s, ratios[k]);
        fflush(stdout);
    }
    long long at_b = hub_count(hub_db, "batched"), at_s = hub_count(hub_db, "single");
    qsort(ratios, (size_t)rounds, sizeof ratios[0], by_value);
    double median =
        rounds % 2 ? ratios[rounds / 2] : (ratios[rounds / 2 - 1] + ratios[rounds / 2]) / 2.0;
    printf("speed-up:         median %.1fx (lowest %.1fx, highest %.1fx) over %d round(s)\n",
           median, ratios[0], ratios[rounds - 1], rounds);
    printf("slowest drain:    %d records in %.2f s\n", records, worst_drain);
    printf("at the hub:       batched %lld, single %lld of %lld each (each once)\n", at_b, at_s,
           (long long)records * rounds);
    if (at_b != (long long)records * rounds || at_s != (long long)records * rounds) {
        printf("FAIL: records lost or duplicated at the hub\n");
        status = 1;
    }
    if (median < 20.0) {
        printf("FAIL: batched is under 20x the one-per-request rate\n");
        status = 1;
    }
    if (records >= 10000 && worst_drain * 10000.0 / records >= 5.0) {
        printf("FAIL: 10,000 records take 5 s or more\n");
        status = 1;
    }
    return status;
}
