/* sync_fixture.h — the real amends-hub on loopback (tests/hub/hub_harness.h)
 * and a kiosk store next to it, for the sync worker's tests.
 *
 * The kiosk side is a store directory with the token and secret files of
 * hub kiosk "k1". What arrived at the hub is read straight from its SQLite
 * database (read-only), so a test sees exactly what the hub kept.
 *
 * The worker runs on fx->vc (virtual_clock.h): the real clock, observed,
 * unless the test calls fx_virtual_time before starting it. Either way a
 * test waits for the worker to fall asleep (fx_idle, fx_wait_drained), never
 * for a while.
 */
#ifndef SYNC_FIXTURE_H
#define SYNC_FIXTURE_H

#include <sqlite3.h>

#include "../hub/hub_harness.h"
#include "amends/store.h"
#include "amends/sync.h"
#include "virtual_clock.h"

#define FX_MAX_IDS 12000

typedef struct sync_fx {
    harness *h;
    char data[700];
    char token_file[700];
    char secret_file[700];
    am_store *st; /* the kiosk's own connection (the "UI thread" side) */
    am_sync *sync;
    vclock vc; /* the worker's clock */
    long seen; /* how often the worker fell asleep, as far as the test saw */
    int id_count;
    char (*ids)[AM_UUID_LEN + 1]; /* every record seeded, in order */
} sync_fx;

/* Starts the hub (extra_hub: more [hub] lines, e.g. "tls = off") and makes
 * an empty kiosk store. The hub's rate limit is off unless extra_hub sets
 * it. */
static inline sync_fx *fx_open(void **state, const char *extra_hub)
{
    char extra[1024];
    void *hstate = NULL;
    sync_fx *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    *state = fx;
    snprintf(extra, sizeof extra, "%s%s", extra_hub ? extra_hub : "",
             extra_hub && strstr(extra_hub, "rate_per_minute") ? "" : "rate_per_minute = 0\n");
    h_setup(&hstate, false, extra);
    fx->h = hstate;
    snprintf(fx->data, sizeof fx->data, "%s/kiosk", fx->h->dir);
    assert_int_equal(mkdir(fx->data, 0700), 0);
    snprintf(fx->token_file, sizeof fx->token_file, "%s/token", fx->h->dir);
    snprintf(fx->secret_file, sizeof fx->secret_file, "%s/secret", fx->h->dir);
    h_write_secret(fx->token_file, fx->h->k1_token);
    h_write_secret(fx->secret_file, fx->h->k1_secret);
    vclock_init_real(&fx->vc);
    char err[256];
    if (am_store_open(fx->data, AM_STORE_READWRITE, h_now_ms(), &fx->st, err, sizeof err))
        fail_msg("store: %s", err);
    fx->ids = calloc(FX_MAX_IDS, sizeof fx->ids[0]);
    assert_non_null(fx->ids);
    return fx;
}

static inline int fx_teardown(void **state)
{
    sync_fx *fx = *state;
    if (!fx)
        return 0;
    am_sync_stop(fx->sync);
    vclock_destroy(&fx->vc);
    am_store_close(fx->st);
    void *hstate = fx->h;
    h_teardown(&hstate);
    free(fx->ids);
    free(fx);
    return 0;
}

/* Options for the worker against the hub, with short backoffs. */
static inline void fx_options(sync_fx *fx, am_sync_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->data_dir = fx->data;
    opt->kiosk_id = "k1";
    opt->url = fx->h->url;
    opt->token_file = fx->token_file;
    opt->secret_file = fx->secret_file;
    opt->ca_file = fx->h->ca;
    opt->batch = 100;
    opt->heartbeat_s = 0;
    opt->connect_timeout_s = 5;
    opt->backoff_base_ms = 20;
    opt->backoff_max_ms = 200;
    opt->low_speed_time_s = 3;
    opt->request_timeout_s = 10;
    opt->clock = &fx->vc.clock;
}

/* From now on the worker's time moves only by vclock_advance(&fx->vc, ms).
 * Before fx_start. */
static inline void fx_virtual_time(sync_fx *fx)
{
    assert_null(fx->sync);
    fx->vc.real = false;
    fx->vc.wall0 = am_wall_ms();
}

/* Now, on the worker's clock: what the kiosk side stamps records with. */
static inline int64_t fx_now(sync_fx *fx)
{
    return vclock_wall(&fx->vc);
}

static inline void fx_start(sync_fx *fx, const am_sync_options *opt)
{
    char err[512];
    fx->seen = vclock_sleeps(&fx->vc);
    if (am_sync_start(opt, &fx->sync, err, sizeof err) != AM_OK)
        fail_msg("am_sync_start: %s", err);
}

static inline void fx_report(am_report *r, int n)
{
    memset(r, 0, sizeof *r);
    snprintf(r->category, sizeof r->category, "room");
    r->severity = AM_SEVERITY_SIGNIFICANT;
    snprintf(r->description, sizeof r->description, "Heater off, \"cold\" 🙁 #%d", n);
    snprintf(r->first_name, sizeof r->first_name, "Zoë");
    snprintf(r->resolution, sizeof r->resolution, "other");
    snprintf(r->resolution_text, sizeof r->resolution_text, "=SUM(A1:A9)");
    r->rating = 1 + n % 5;
    snprintf(r->contact, sizeof r->contact, "room 214");
    r->consent = AM_CONSENT_YES;
    r->outcome = AM_OUTCOME_COMPLETED;
}

/* Closes n journeys and raises `alerts` alerts in the kiosk's store,
 * waking the worker (if running) after each commit, as the kiosk does. */
static inline void fx_seed(sync_fx *fx, int journeys, int alerts)
{
    for (int n = 0; n < journeys + alerts; n++) {
        assert_true(fx->id_count < FX_MAX_IDS);
        char *uuid = fx->ids[fx->id_count++];
        if (n >= journeys) {
            assert_int_equal(am_store_alert_raise(fx->st, "k1", NULL, AM_ALERT_STAFF_NOW, "room",
                                                  AM_SEVERITY_SEVERE, fx_now(fx), uuid),
                             AM_OK);
        } else {
            am_report r;
            fx_report(&r, n);
            assert_int_equal(am_store_journey_open(fx->st, "k1", &r, fx_now(fx), uuid), AM_OK);
            assert_int_equal(
                am_store_journey_close(fx->st, uuid, &r, AM_OUTCOME_COMPLETED, fx_now(fx)), AM_OK);
        }
        am_sync_wake(fx->sync);
    }
}

static inline am_store_status fx_status(sync_fx *fx)
{
    am_store_status s;
    assert_int_equal(am_store_get_status(fx->st, &s), AM_OK);
    return s;
}

/* Waits until the worker fell asleep since it started or since the test
 * last saw it asleep here: it did all it had to, and nothing is due before
 * the deadline returned (INT64_MAX: until woken). Call it before and after
 * each wake or advance whose outcome the test looks at. Fails after
 * timeout_ms of real time. */
static inline int64_t fx_idle_within(sync_fx *fx, long timeout_ms)
{
    int64_t deadline;
    if (!vclock_asleep(&fx->vc, fx->seen, timeout_ms, &fx->seen, &deadline))
        fail_msg("the sync worker did not go idle within %ld ms", timeout_ms);
    return deadline;
}

static inline int64_t fx_idle(sync_fx *fx)
{
    return fx_idle_within(fx, 20000);
}

/* Waits until nothing is pending or inflight, each time the worker falls
 * asleep; on virtual time it moves the clock on to when the worker wants to
 * wake (a backoff, a Retry-After). Fails after timeout_ms of real time. */
static inline void fx_wait_drained(sync_fx *fx, long timeout_ms)
{
    int64_t until = h_now_ms() + timeout_ms;
    long seen = fx->seen; /* fx->seen stays for the test's fx_idle */
    for (;;) {
        am_store_status s = fx_status(fx);
        if (s.pending + s.inflight == 0)
            return;
        long left = (long)(until - h_now_ms()), n;
        int64_t deadline;
        /* Asleep at all; then, when that is not news, on to the next time. */
        if (left <= 0 || !vclock_asleep(&fx->vc, seen - 1, left, &n, &deadline))
            break;
        if (n == seen) {
            if (!fx->vc.real && deadline != INT64_MAX && deadline > vclock_mono(&fx->vc))
                vclock_advance(&fx->vc, deadline - vclock_mono(&fx->vc));
            if (!vclock_asleep(&fx->vc, seen, left, &n, &deadline))
                break;
        }
        seen = n;
    }
    am_store_status s = fx_status(fx);
    fail_msg("not drained within %ld ms: pending %lld inflight %lld, last error: %s", timeout_ms,
             (long long)s.pending, (long long)s.inflight, s.last_error);
}

/* One integer from the hub's database (read-only); sql may use ?1 = text. */
static inline long long fx_hub_int(sync_fx *fx, const char *sql, const char *arg)
{
    char path[700];
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    long long v = -1;
    snprintf(path, sizeof path, "%s/hub.db", fx->h->dir);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (arg)
        sqlite3_bind_text(stmt, 1, arg, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return v;
}

/* Every seeded record is at the hub exactly once, and nothing else is.
 * (Run with heartbeats off: a heartbeat also counts as stored.) */
static inline void fx_assert_exactly_once(sync_fx *fx, int journeys_expected, int alerts_expected)
{
    long long fb = fx_hub_int(fx, "SELECT count(*) FROM feedback WHERE kiosk = 'k1'", NULL);
    long long al = fx_hub_int(fx, "SELECT count(*) FROM alerts WHERE kiosk = 'k1'", NULL);
    assert_int_equal(fb, journeys_expected);
    assert_int_equal(al, alerts_expected);
    for (int i = 0; i < fx->id_count; i++) {
        long long n = fx_hub_int(fx,
                                 "SELECT (SELECT count(*) FROM feedback WHERE id = ?1) + "
                                 "(SELECT count(*) FROM alerts WHERE id = ?1)",
                                 fx->ids[i]);
        if (n != 1)
            fail_msg("record %s is at the hub %lld times", fx->ids[i], n);
    }
    /* The hub reports each record stored once; a re-send is "duplicate". */
    long long stored = fx_hub_int(fx,
                                  "SELECT coalesce(sum(stored), 0) FROM ingest_log WHERE kiosk = "
                                  "'k1' AND batch IS NOT NULL",
                                  NULL);
    assert_int_equal(stored, journeys_expected + alerts_expected);
}

typedef struct fx_log_find {
    const char *outcome;
    const char *text; /* in transport or detail; NULL: any */
    int found;
    int total;
    am_sync_log_entry last;
} fx_log_find;

static inline int fx_log_cb(const am_sync_log_entry *e, void *ud)
{
    fx_log_find *f = ud;
    f->total++;
    if (f->outcome && strcmp(e->outcome, f->outcome) != 0)
        return 0;
    if (f->text && !strstr(e->transport, f->text) && !strstr(e->detail, f->text))
        return 0;
    if (f->found++ == 0)
        f->last = *e;
    return 0;
}

/* How many sync log entries have this outcome and text; *first gets the
 * newest one when given. */
static inline int fx_log_count(sync_fx *fx, const char *outcome, const char *text,
                               am_sync_log_entry *newest)
{
    fx_log_find f = {.outcome = outcome, .text = text};
    assert_int_equal(am_store_sync_log_each(fx->st, 0, fx_log_cb, &f), AM_OK);
    if (newest)
        *newest = f.last;
    return f.found;
}

static inline void fx_print_log(sync_fx *fx);
static inline int fx_print_cb(const am_sync_log_entry *e, void *ud)
{
    (void)ud;
    fprintf(stderr, "  log: n=%d http=%d %s [%s] %s\n", e->batch_size, e->http_status, e->outcome,
            e->transport, e->detail);
    return 0;
}
static inline void fx_print_log(sync_fx *fx)
{
    am_store_sync_log_each(fx->st, 30, fx_print_cb, NULL);
}

#endif
