/* test_sync_hub.c — the sync worker against the real amends-hub over TLS on
 * loopback: draining, ordering, waking, auth failure, quarantine, split,
 * heartbeat, restart and shutdown. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "sync_fixture.h"

static int setup(void **state)
{
    fx_open(state, NULL);
    return 0;
}

static int setup_small_body(void **state)
{
    fx_open(state, "max_body_kb = 16\n");
    return 0;
}

static void drains_backlog_exactly_once(void **state)
{
    sync_fx *fx = *state;
    am_sync_options opt;
    fx_seed(fx, 250, 5);
    fx_options(fx, &opt);
    fx_start(fx, &opt);
    fx_wait_drained(fx, 20000);
    am_store_status s = fx_status(fx);
    assert_int_equal(s.synced, 255);
    assert_int_equal(s.quarantined, 0);
    assert_false(s.auth_failed);
    assert_true(s.last_success_ms > 0);
    fx_assert_exactly_once(fx, 250, 5);
    /* The guest's text arrives byte for byte. */
    assert_int_equal(fx_hub_int(fx,
                                "SELECT count(*) FROM feedback WHERE id = ?1 AND description = "
                                "'Heater off, \"cold\" 🙁 #0' AND first_name = 'Zoë'",
                                fx->ids[0]),
                     1);
    /* 255 records in batches of at most 100: three requests, each logged. */
    am_sync_log_entry newest;
    assert_int_equal(fx_log_count(fx, "ok", NULL, &newest), 3);
    assert_int_equal(newest.http_status, 200);
    assert_true(newest.batch_size > 0 && newest.batch_size <= 100);
    am_sync_status st;
    am_sync_get_status(fx->sync, &st);
    assert_int_equal(st.sent_records, 255);
    assert_int_equal(st.phase, AM_SYNC_IDLE);
}

static void alerts_go_ahead_of_the_queue(void **state)
{
    sync_fx *fx = *state;
    am_sync_options opt;
    fx_seed(fx, 300, 0);
    char alert[AM_UUID_LEN + 1];
    assert_int_equal(am_store_alert_raise(fx->st, "k1", fx->ids[7], AM_ALERT_STAFF_NOW, "room",
                                          AM_SEVERITY_SEVERE, h_now_ms(), alert),
                     AM_OK);
    fx_options(fx, &opt);
    opt.batch = 50;
    fx_start(fx, &opt);
    fx_wait_drained(fx, 20000);
    /* The alert was in the first batch the hub received from this kiosk. */
    long long first_seq = fx_hub_int(
        fx, "SELECT min(seq) FROM ingest_log WHERE kiosk = 'k1' AND batch IS NOT NULL", NULL);
    long long alert_seq = fx_hub_int(fx,
                                     "SELECT l.seq FROM ingest_log l JOIN alerts a ON a.batch = "
                                     "l.batch WHERE a.id = ?1",
                                     alert);
    assert_true(first_seq > 0);
    assert_int_equal(alert_seq, first_seq);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM alerts WHERE id = ?1 AND journey = '%s'",
             fx->ids[7]);
    assert_int_equal(fx_hub_int(fx, sql, alert), 1);
}

/* The worker sleeps: nothing is sent until it is woken, then at once. */
static void sleeps_until_woken(void **state)
{
    sync_fx *fx = *state;
    am_sync_options opt;
    fx_virtual_time(fx);
    fx_options(fx, &opt);
    fx_start(fx, &opt);
    am_sync *sync = fx->sync;
    fx->sync = NULL; /* fx_seed must not wake it */
    /* Asleep with nothing to wake it by itself, and an hour goes by. */
    assert_true(fx_idle(fx) == INT64_MAX);
    vclock_advance(&fx->vc, 3600 * 1000);
    assert_true(fx_idle(fx) == INT64_MAX);
    assert_int_equal(fx_log_count(fx, NULL, NULL, NULL), 0);
    fx_seed(fx, 3, 0);
    vclock_advance(&fx->vc, 3600 * 1000);
    assert_true(fx_idle(fx) == INT64_MAX);
    assert_int_equal(fx_status(fx).pending, 3); /* not polled for */
    fx->sync = sync;
    int64_t woke = h_now_ms();
    am_sync_wake(sync);
    fx_wait_drained(fx, 5000);
    assert_true(h_now_ms() - woke < 2000);
    fx_assert_exactly_once(fx, 3, 0);
}

static void auth_failure_stops_until_the_token_changes(void **state)
{
    sync_fx *fx = *state;
    am_sync_options opt;
    h_write_secret(fx->token_file, "not-the-right-token");
    fx_virtual_time(fx);
    fx_seed(fx, 20, 0);
    fx_options(fx, &opt);
    fx_start(fx, &opt);
    assert_true(fx_idle(fx) == INT64_MAX); /* stopped: nothing wakes it by itself */
    am_sync_log_entry e;
    assert_int_equal(fx_log_count(fx, "auth_failed", "sync auth failed", &e), 1);
    assert_int_equal(e.http_status, 401);
    am_store_status s = fx_status(fx);
    assert_true(s.auth_failed); /* what amendsctl status shows */
    assert_int_equal(s.pending, 20);
    assert_int_equal(s.quarantined, 0);
    am_sync_status st;
    am_sync_get_status(fx->sync, &st);
    assert_int_equal(st.phase, AM_SYNC_AUTH_FAILED);
    /* Woken with the same token: no new request, not even an hour later. */
    am_sync_wake(fx->sync);
    fx_idle(fx);
    vclock_advance(&fx->vc, 3600 * 1000);
    fx_idle(fx);
    assert_int_equal(fx_log_count(fx, NULL, NULL, NULL), 1);
    /* A restart with the same token stays stopped, without a request. */
    am_sync_stop(fx->sync);
    fx->sync = NULL;
    fx_start(fx, &opt);
    assert_true(fx_idle(fx) == INT64_MAX);
    assert_int_equal(fx_log_count(fx, NULL, NULL, NULL), 1);
    am_sync_get_status(fx->sync, &st);
    assert_int_equal(st.phase, AM_SYNC_AUTH_FAILED);
    /* The right token, then a wake (the kiosk wakes it on every commit). */
    h_write_secret(fx->token_file, fx->h->k1_token);
    am_sync_wake(fx->sync);
    fx_wait_drained(fx, 10000);
    assert_false(fx_status(fx).auth_failed);
    fx_assert_exactly_once(fx, 20, 0);
}

/* A token or signing secret others can read lets them send as this kiosk:
 * the worker refuses to start on one, names the setting, the file and
 * the fix, and sends nothing; made private, it starts and sends. */
static void readable_secrets_are_refused(void **state)
{
    sync_fx *fx = *state;
    am_sync_options opt;
    char err[512];
    fx_seed(fx, 2, 0);
    fx_options(fx, &opt);
    const char *files[] = {fx->token_file, fx->secret_file};
    const char *names[] = {"sync.token_file", "sync.secret_file"};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(chmod(files[i], 0644), 0);
        am_sync *sync = NULL;
        assert_int_equal(am_sync_start(&opt, &sync, err, sizeof err), AM_ERR_CONFIG);
        assert_null(sync);
        assert_non_null(strstr(err, names[i]));
        assert_non_null(strstr(err, files[i]));
        assert_non_null(strstr(err, "0644"));
        assert_non_null(strstr(err, "chmod 600"));
        assert_int_equal(chmod(files[i], 0600), 0);
    }
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM ingest_log", NULL), 0);
    fx_start(fx, &opt);
    fx_wait_drained(fx, 10000);
    fx_assert_exactly_once(fx, 2, 0);
}

static void manager_sync_now_lifts_auth_failure(void **state)
{
    sync_fx *fx = *state;
    am_sync_options opt;
    h_write_secret(fx->secret_file, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    fx_virtual_time(fx);
    fx_seed(fx, 5, 0);
    fx_options(fx, &opt);
    fx_start(fx, &opt);
    fx_idle(fx);
    assert_true(fx_status(fx).auth_failed);
    h_write_secret(fx->secret_file, fx->h->k1_secret);
    am_sync_now(fx->sync);
    fx_wait_drained(fx, 10000);
    assert_false(fx_status(fx).auth_failed);
    fx_assert_exactly_once(fx, 5, 0);
}

/* A 4xx that is not the hub refusing the batch as it is (here a wrong URL
 * path: 404) says nothing about the records: retried with backoff, never
 * quarantined, and the manager reads why. */
static void other_4xx_is_retried_never_quarantined(void **state)
{
    sync_fx *fx = *state;
    am_sync_options opt;
    char url[200];
    fx_virtual_time(fx);
    fx_seed(fx, 4, 0);
    fx_options(fx, &opt);
    snprintf(url, sizeof url, "%s/no/such/prefix", fx->h->url);
    opt.url = url;
    fx_start(fx, &opt);
    /* Each time the worker falls asleep it waits for a backoff (never for
     * good): the clock moves on to it, and it tries again. */
    for (int i = 0; i < 3; i++) {
        int64_t deadline = fx_idle(fx);
        assert_true(deadline != INT64_MAX);
        int64_t now = vclock_mono(&fx->vc);
        if (deadline > now)
            vclock_advance(&fx->vc, deadline - now);
    }
    fx_idle(fx);
    am_store_status s = fx_status(fx);
    assert_int_equal(s.quarantined, 0);
    assert_int_equal(s.pending + s.inflight, 4);
    am_sync_log_entry e;
    assert_true(fx_log_count(fx, "retry", "HTTP 404", &e) >= 3);
    assert_int_equal(e.http_status, 404);
    assert_int_equal(fx_log_count(fx, "quarantined", NULL, NULL), 0);
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM feedback", NULL), 0);
}

/* A kiosk the hub has disabled (403 kiosk_disabled) is not an auth
 * failure: its records wait, pending, never quarantined; the sync log and
 * the status (what amendsctl status prints) say the hub disabled it; and
 * once the hub enables it again the next retry sends them, exactly once. */
static void hub_disabled_kiosk_keeps_records_waiting(void **state)
{
    sync_fx *fx = *state;
    am_sync_options opt;
    char out[512];
    const char *disable[] = {"kiosk", "disable", "k1", NULL};
    const char *enable[] = {"kiosk", "enable", "k1", NULL};
    assert_int_equal(h_hub_cmd(fx->h, disable, out, sizeof out), 0);
    fx_virtual_time(fx);
    fx_seed(fx, 6, 1);
    fx_options(fx, &opt);
    fx_start(fx, &opt);
    for (int i = 0; i < 3; i++) {
        int64_t deadline = fx_idle(fx);
        assert_true(deadline != INT64_MAX); /* waiting for a retry, not stopped */
        int64_t now = vclock_mono(&fx->vc);
        if (deadline > now)
            vclock_advance(&fx->vc, deadline - now);
    }
    fx_idle(fx);
    am_store_status s = fx_status(fx);
    assert_false(s.auth_failed);
    assert_int_equal(s.quarantined, 0);
    assert_int_equal(s.pending + s.inflight, 7);
    assert_non_null(strstr(s.last_error, "the hub has disabled this kiosk"));
    am_sync_log_entry e;
    assert_true(fx_log_count(fx, "retry", AM_SYNC_DISABLED_TEXT, &e) >= 3);
    assert_int_equal(e.http_status, 403);
    assert_int_equal(fx_log_count(fx, "quarantined", NULL, NULL), 0);
    assert_int_equal(fx_log_count(fx, "auth_failed", NULL, NULL), 0);
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM feedback", NULL), 0);
    am_sync_status st;
    am_sync_get_status(fx->sync, &st);
    assert_int_equal(st.phase, AM_SYNC_BACKOFF);

    assert_int_equal(h_hub_cmd(fx->h, enable, out, sizeof out), 0);
    fx_wait_drained(fx, 10000);
    fx_assert_exactly_once(fx, 6, 1);
}

/* A record that breaks the wire schema is quarantined locally, with the
 * reason; the rest of its batch goes. */
static void unsendable_record_quarantined_locally(void **state)
{
    sync_fx *fx = *state;
    am_sync_options opt;
    char bad[AM_UUID_LEN + 1];
    am_report r;
    fx_report(&r, 1);
    r.consent = AM_CONSENT_NO; /* a contact without consent must not leave */
    assert_int_equal(am_store_journey_open(fx->st, "k1", &r, h_now_ms(), bad), AM_OK);
    assert_int_equal(am_store_journey_close(fx->st, bad, &r, AM_OUTCOME_COMPLETED, h_now_ms()),
                     AM_OK);
    fx_seed(fx, 3, 0);
    fx_options(fx, &opt);
    fx_start(fx, &opt);
    fx_wait_drained(fx, 10000);
    am_store_status s = fx_status(fx);
    assert_int_equal(s.quarantined, 1);
    assert_int_equal(s.synced, 3);
    am_journey_row row;
    assert_int_equal(am_store_journey_get(fx->st, bad, &row), AM_OK);
    assert_int_equal(row.sync_state, AM_SYNC_QUARANTINED);
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM feedback WHERE id = ?1", bad), 0);
    fx_assert_exactly_once(fx, 3, 0);
}

/* 413: the batch is split until it fits; a single record that cannot fit
 * is quarantined. */
static void too_large_splits_the_batch(void **state)
{
    sync_fx *fx = *state;
    am_sync_options opt;
    fx_seed(fx, 100, 0);
    fx_options(fx, &opt);
    fx_start(fx, &opt);
    fx_wait_drained(fx, 20000);
    assert_true(fx_log_count(fx, "split", NULL, NULL) >= 1);
    assert_int_equal(fx_status(fx).quarantined, 0);
    fx_assert_exactly_once(fx, 100, 0);
}

static int setup_tiny_body(void **state)
{
    fx_open(state, "max_body_kb = 1\n");
    return 0;
}

/* A record that alone is over the hub's limit cannot be split further. */
static void record_too_large_alone_is_quarantined(void **state)
{
    sync_fx *fx = *state;
    am_sync_options opt;
    fx_options(fx, &opt);
    fx_start(fx, &opt);
    fx_seed(fx, 1, 0); /* a normal record fits in 1 KiB */
    fx_wait_drained(fx, 10000);
    assert_int_equal(fx_status(fx).synced, 1);
    /* One journey whose text alone is over 1 KiB once encoded. */
    char uuid[AM_UUID_LEN + 1];
    am_report r;
    fx_report(&r, 0);
    size_t i = 0;
    while (i + 5 < sizeof r.description && i < 4 * 1000) {
        memcpy(r.description + i, "🙁", 4);
        i += 4;
    }
    r.description[i] = '\0';
    memcpy(r.comment, r.description, i + 1 < sizeof r.comment ? i + 1 : 0);
    memcpy(r.resolution_text, r.description, i + 1 < sizeof r.resolution_text ? i + 1 : 0);
    assert_int_equal(am_store_journey_open(fx->st, "k1", &r, h_now_ms(), uuid), AM_OK);
    assert_int_equal(am_store_journey_close(fx->st, uuid, &r, AM_OUTCOME_COMPLETED, h_now_ms()),
                     AM_OK);
    am_sync_wake(fx->sync);
    fx_wait_drained(fx, 10000);
    assert_int_equal(fx_status(fx).quarantined, 1);
    assert_int_equal(fx_log_count(fx, "quarantined", "too large", NULL), 1);
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM feedback WHERE id = ?1", uuid), 0);
}

static void heartbeat_reports_health(void **state)
{
    sync_fx *fx = *state;
    am_sync_options opt;
    fx_virtual_time(fx);
    fx_options(fx, &opt);
    opt.heartbeat_s = 1;
    opt.version = "9.8.7-test";
    /* Something quarantined, so the heartbeat has a count to carry. */
    fx_seed(fx, 2, 0);
    assert_int_equal(
        am_store_outbox_settle(fx->st, fx->ids[0], AM_SYNC_QUARANTINED, 0, "test", fx_now(fx)),
        AM_OK);
    fx_start(fx, &opt);
    fx_wait_drained(fx, 10000);
    /* The next heartbeat is due in a second: the worker sleeps until then. */
    int64_t beat = fx_idle(fx);
    assert_true(beat != INT64_MAX && beat - vclock_mono(&fx->vc) <= 1000);
    vclock_advance(&fx->vc, beat - vclock_mono(&fx->vc));
    fx_idle(fx);
    assert_int_equal(fx_hub_int(fx,
                                "SELECT count(*) FROM kiosks WHERE id = 'k1' AND version = "
                                "'9.8.7-test' AND quarantined = 1 AND pending = 0 AND "
                                "heartbeat_at IS NOT NULL AND uptime_s >= 0",
                                NULL),
                     1);
    assert_true(fx_log_count(fx, "ok", "heartbeat", NULL) >= 2);
}

/* Local midnight before `ms`, as the kiosk counts its budget day. */
static int64_t local_midnight_ms(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm) * 1000;
}

/* The [budget] from the config and today's spend from the store ride on
 * the heartbeat to the real hub, which keeps them for the fleet view. */
static void heartbeat_carries_budget_and_spend(void **state)
{
    sync_fx *fx = *state;
    am_sync_options opt;
    /* What the kiosk's config says reaches the worker's options. */
    am_config *cfg = calloc(1, sizeof *cfg);
    assert_non_null(cfg);
    snprintf(cfg->sync.url, sizeof cfg->sync.url, "%s", fx->h->url);
    snprintf(cfg->budget.currency, sizeof cfg->budget.currency, "GBP");
    cfg->budget.daily_value_minor = 4000;
    cfg->budget.hourly_offers = 4;
    assert_int_equal(am_sync_options_from_config(cfg, &opt), AM_OK);
    assert_string_equal(opt.budget_currency, "GBP");
    assert_true(opt.budget_daily_minor == 4000);
    assert_int_equal(opt.budget_hourly_offers, 4);

    fx_options(fx, &opt);
    opt.heartbeat_s = 1;
    opt.budget_currency = cfg->budget.currency;
    opt.budget_daily_minor = cfg->budget.daily_value_minor;
    opt.budget_hourly_offers = cfg->budget.hourly_offers;
    /* Accepted now, two hours ago, and yesterday; one declined. */
    int64_t now = h_now_ms();
    int64_t midnight = local_midnight_ms(now);
    char j[4][AM_PROTO_UUID_LEN + 1];
    for (int i = 0; i < 4; i++)
        am_proto_uuid_new(j[i]);
    assert_int_equal(am_store_offer_record(fx->st, j[0], "drink", 1500, AM_OFFER_ACCEPTED, now),
                     AM_OK);
    assert_int_equal(
        am_store_offer_record(fx->st, j[1], "drink", 700, AM_OFFER_ACCEPTED, now - 2 * 3600 * 1000),
        AM_OK);
    assert_int_equal(am_store_offer_record(fx->st, j[2], "dinner", 900, AM_OFFER_ACCEPTED,
                                           midnight - 3600 * 1000),
                     AM_OK);
    assert_int_equal(am_store_offer_record(fx->st, j[3], "dinner", 3000, AM_OFFER_DECLINED, now),
                     AM_OK);
    long long spent = 1500 + (now - 2 * 3600 * 1000 >= midnight ? 700 : 0);
    fx_start(fx, &opt);
    char want[256];
    snprintf(want, sizeof want,
             "SELECT count(*) FROM kiosks WHERE id = 'k1' AND budget_currency = 'GBP' AND "
             "budget_daily_minor = 4000 AND budget_hourly_offers = 4 AND "
             "spent_today_minor = %lld AND offers_last_hour = 1",
             spent);
    fx_idle(fx); /* the heartbeat at start was answered */
    assert_int_equal(fx_hub_int(fx, want, NULL), 1);
    am_config_free(cfg);
}

/* Records claimed (inflight) when the process died go again after a
 * restart. */
static void inflight_at_start_goes_again(void **state)
{
    sync_fx *fx = *state;
    am_sync_options opt;
    am_outbox_item items[10];
    int count = 0;
    char err[256];
    fx_seed(fx, 10, 0);
    assert_int_equal(am_store_outbox_claim(fx->st, h_now_ms(), 10, items, &count), AM_OK);
    assert_int_equal(count, 10);
    assert_int_equal(fx_status(fx).inflight, 10);
    am_store_close(fx->st); /* as if the kiosk died here */
    fx->st = NULL;
    assert_int_equal(
        am_store_open(fx->data, AM_STORE_READWRITE, h_now_ms(), &fx->st, err, sizeof err), AM_OK);
    assert_int_equal(fx_status(fx).pending, 10);
    fx_options(fx, &opt);
    fx_start(fx, &opt);
    fx_wait_drained(fx, 10000);
    fx_assert_exactly_once(fx, 10, 0);
}

/* --- a server that takes the request and never answers ---------------------- */

typedef struct silent_server {
    int fd;
    int port;
    pthread_t thread;
    int accepted;
    size_t bytes;
    pthread_mutex_t mu;
    pthread_cond_t got; /* signalled when bytes grow */
} silent_server;

static void *silent_main(void *arg)
{
    silent_server *ss = arg;
    int c = accept(ss->fd, NULL, NULL);
    if (c < 0)
        return NULL;
    pthread_mutex_lock(&ss->mu);
    ss->accepted++;
    pthread_mutex_unlock(&ss->mu);
    char buf[4096];
    ssize_t n;
    while ((n = read(c, buf, sizeof buf)) > 0) {
        pthread_mutex_lock(&ss->mu);
        ss->bytes += (size_t)n;
        pthread_cond_broadcast(&ss->got);
        pthread_mutex_unlock(&ss->mu);
    }
    close(c);
    return NULL;
}

static void stop_aborts_a_request_in_flight(void **state)
{
    sync_fx *fx = *state;
    am_sync_options opt;
    silent_server ss = {0};
    char url[100];
    pthread_mutex_init(&ss.mu, NULL);
    pthread_cond_init(&ss.got, NULL);
    ss.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(ss.fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(ss.fd, 4), 0);
    assert_int_equal(getsockname(ss.fd, (struct sockaddr *)&a, &len), 0);
    assert_int_equal(pthread_create(&ss.thread, NULL, silent_main, &ss), 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(a.sin_port));

    fx_seed(fx, 5, 0);
    fx_options(fx, &opt);
    opt.url = url;
    opt.low_speed_time_s = 60;
    opt.request_timeout_s = 120;
    fx_start(fx, &opt);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    int wrc = 0;
    pthread_mutex_lock(&ss.mu);
    while (ss.bytes == 0 && wrc != ETIMEDOUT)
        wrc = pthread_cond_timedwait(&ss.got, &ss.mu, &until);
    size_t got = ss.bytes;
    pthread_mutex_unlock(&ss.mu);
    assert_true(got > 0);
    am_sync_status st;
    am_sync_get_status(fx->sync, &st);
    assert_int_equal(st.phase, AM_SYNC_SENDING);
    int64_t t0 = h_now_ms();
    am_sync_stop(fx->sync);
    fx->sync = NULL;
    int64_t took = h_now_ms() - t0;
    assert_true(took < 3000);
    am_store_status s = fx_status(fx);
    assert_int_equal(s.pending, 5);
    assert_int_equal(s.inflight, 0);
    assert_int_equal(fx_log_count(fx, "aborted", NULL, NULL), 1);
    shutdown(ss.fd, SHUT_RDWR);
    close(ss.fd);
    pthread_join(ss.thread, NULL);
    pthread_cond_destroy(&ss.got);
    pthread_mutex_destroy(&ss.mu);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(drains_backlog_exactly_once, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(alerts_go_ahead_of_the_queue, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(sleeps_until_woken, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(readable_secrets_are_refused, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(auth_failure_stops_until_the_token_changes, setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(manager_sync_now_lifts_auth_failure, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(hub_disabled_kiosk_keeps_records_waiting, setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(other_4xx_is_retried_never_quarantined, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(unsendable_record_quarantined_locally, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(too_large_splits_the_batch, setup_small_body, fx_teardown),
        cmocka_unit_test_setup_teardown(record_too_large_alone_is_quarantined, setup_tiny_body,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(heartbeat_reports_health, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(heartbeat_carries_budget_and_spend, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(inflight_at_start_goes_again, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(stop_aborts_a_request_in_flight, setup, fx_teardown),
    };
    return am_test_run(__FILE__, tests, sizeof tests / sizeof tests[0], argc, argv);
}
