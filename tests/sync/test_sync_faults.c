/* test_sync_faults.c — the worker through a fault proxy to the real
 * amends-hub: resets before and after the hub committed, 500 after commit,
 * slow and truncated answers, 429 and 503 with Retry-After (seconds and
 * HTTP-date). After the faults stop, every record is at the hub exactly
 * once. */
#include "fault_proxy.h"
#include "sync_fixture.h"

static int setup(void **state)
{
    fx_open(state, "tls = off\n");
    return 0;
}

static void every_record_once_after_faults(void **state)
{
    sync_fx *fx = *state;
    fault_proxy fp;
    am_sync_options opt;
    char url[100];
    static const fp_fault schedule[] = {
        FP_RESET_BEFORE, FP_RESET_AFTER, FP_NONE,        FP_500_AFTER,       FP_SLOW,
        FP_TRUNCATED,    FP_RESET_AFTER, FP_500_AFTER,   FP_429_RETRY_AFTER, FP_TRUNCATED,
        FP_RESET_BEFORE, FP_SLOW,        FP_NONE,        FP_503_RETRY_DATE,  FP_RESET_AFTER,
        FP_500_AFTER,    FP_TRUNCATED,   FP_RESET_AFTER,
    };
    int n = (int)(sizeof schedule / sizeof schedule[0]);
    assert_true(fp_start(&fp, fx->h->hub.port, schedule, n) > 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", fp.port);

    fx_seed(fx, 600, 12);
    fx_options(fx, &opt);
    opt.url = url;
    opt.batch = 50;
    fx_start(fx, &opt);
    fx_wait_drained(fx, 60000);
    am_sync_stop(fx->sync);
    fx->sync = NULL;
    fp_stop(&fp);

    /* Every fault happened, and then the traffic went clean. */
    for (int f = 1; f < FP_FAULT_COUNT; f++)
        if (fp.by_fault[f] == 0)
            fail_msg("fault %d never happened", f);
    assert_true(fp.requests > n);
    /* Nothing lost, nothing twice: the hub stored each record once, and
     * the answers lost after its commit made later copies "duplicate". */
    fx_assert_exactly_once(fx, 600, 12);
    assert_true(fx_hub_int(fx, "SELECT sum(duplicate) FROM ingest_log WHERE kiosk = 'k1'", NULL) >
                0);
    am_store_status s = fx_status(fx);
    assert_int_equal(s.synced, 612);
    assert_int_equal(s.quarantined, 0);
    /* Each fault is in the sync log the way a manager reads it. */
    assert_true(
        fx_log_count(fx, "retry", "HTTP 500", NULL) + fx_log_count(fx, "retry", NULL, NULL) > 0);
    assert_true(fx_log_count(fx, "retry", "Retry-After", NULL) >= 2);
    am_sync_log_entry e;
    assert_true(fx_log_count(fx, "retry", NULL, &e) >= 10);
    int with_500 = 0;
    (void)with_500;
    /* Retry-After was honoured: the next request came at least that late
     * (the worker's own backoff here is at most 200 ms). */
    assert_int_equal(fp.retry_after_count, 2);
    for (int i = 0; i < fp.retry_after_count; i++) {
        int64_t gap = fp.next_request_ms[i] - fp.retry_after_sent_ms[i];
        if (fp.next_request_ms[i] == 0 || gap < 950)
            fail_msg("request %d came %lld ms after a Retry-After answer", i, (long long)gap);
    }
}

/* The 500 and 429 answers are logged with their status and reason. */
static void fault_answers_logged(void **state)
{
    sync_fx *fx = *state;
    fault_proxy fp;
    am_sync_options opt;
    char url[100];
    static const fp_fault schedule[] = {FP_500_AFTER, FP_429_RETRY_AFTER, FP_TRUNCATED,
                                        FP_RESET_BEFORE};
    assert_true(fp_start(&fp, fx->h->hub.port, schedule, 4) > 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", fp.port);
    fx_seed(fx, 5, 0);
    fx_options(fx, &opt);
    opt.url = url;
    fx_start(fx, &opt);
    fx_wait_drained(fx, 20000);
    am_sync_stop(fx->sync);
    fx->sync = NULL;
    fp_stop(&fp);
    am_sync_log_entry e;
    assert_int_equal(fx_log_count(fx, "retry", "injected by the fault proxy", NULL), 2);
    assert_int_equal(fx_log_count(fx, "retry", "Retry-After", &e), 1);
    assert_int_equal(e.http_status, 429);
    assert_int_equal(fx_log_count(fx, "retry", "Partial file", NULL) +
                         fx_log_count(fx, "retry", "transfer closed", NULL),
                     1);
    assert_int_equal(fx_log_count(fx, "ok", NULL, NULL), 1);
    fx_assert_exactly_once(fx, 5, 0);
}

/* A slow hub (each answer held 400 ms) and a backlog sent one record a
 * request: heartbeats keep their 10 s interval while it drains, going
 * between batches, instead of waiting for the outbox to empty. */
#define HB_INTERVAL_S 10
#define HB_DELAY_MS   400
static void heartbeats_keep_their_interval_while_draining(void **state)
{
    sync_fx *fx = *state;
    fault_proxy fp;
    am_sync_options opt;
    char url[100];
    assert_true(fp_start_random(&fp, fx->h->hub.port, 1, 0.0, 0.0, HB_DELAY_MS) > 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", fp.port);
    fx_seed(fx, 52, 2); /* 54 requests of at least 400 ms: over 21 s */
    fx_options(fx, &opt);
    opt.url = url;
    opt.batch = 1;
    opt.heartbeat_s = HB_INTERVAL_S;
    fx_start(fx, &opt);
    fx_wait_drained(fx, 120000);
    am_sync_stop(fx->sync);
    fx->sync = NULL;
    fp_stop(&fp);

    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM feedback WHERE kiosk = 'k1'", NULL), 52);
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM alerts WHERE kiosk = 'k1'", NULL), 2);
    assert_int_equal(fp.data_requests, 54);
    /* Heartbeats while records were still going: one at start, after the
     * first batch, then one every interval. */
    int during = 0;
    for (int i = 0; i < fp.hb_count && i < FP_MAX_SCHEDULE; i++) {
        if (fp.hb_at_ms[i] < fp.last_data_ms)
            during++;
    }
    if (during < 2)
        fail_msg("%d heartbeat(s) while the backlog drained (%d in all)", during, fp.hb_count);
    /* Never further apart than the interval and one slow request (and a
     * second for the worker's own work). */
    for (int i = 1; i < during; i++) {
        int64_t gap = fp.hb_at_ms[i] - fp.hb_at_ms[i - 1];
        if (gap > HB_INTERVAL_S * 1000 + 2 * HB_DELAY_MS + 1000)
            fail_msg("heartbeats %d and %d came %lld ms apart while draining", i - 1, i,
                     (long long)gap);
    }
    am_store_status s = fx_status(fx);
    assert_int_equal(s.quarantined, 0);
}

/* A manager's "sync now" sends at once: records waiting out a long backoff
 * after a reset go within a second of the tap, not when the wait ends. */
static void sync_now_sends_records_waiting_out_a_backoff(void **state)
{
    sync_fx *fx = *state;
    fault_proxy fp;
    am_sync_options opt;
    char url[100];
    fp_fault schedule[16];
    for (int i = 0; i < 16; i++)
        schedule[i] = FP_RESET_BEFORE;
    assert_true(fp_start(&fp, fx->h->hub.port, schedule, 16) > 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", fp.port);
    fx_seed(fx, 4, 1);
    fx_options(fx, &opt);
    opt.url = url;
    opt.backoff_base_ms = 600000; /* up to ten minutes: only "sync now" beats it */
    opt.backoff_max_ms = 600000;
    fx_start(fx, &opt);
    /* Resets until the backoff (random, up to the ceiling) is a long one. */
    int resets = 0;
    int64_t due = 0;
    for (;;) {
        assert_true(fp_wait_requests(&fp, resets + 1, 20000));
        resets++;
        for (int i = 0; i < 500 && fx_log_count(fx, "retry", NULL, NULL) < resets; i++)
            h_sleep_ms(10);
        assert_int_equal(fx_log_count(fx, "retry", NULL, NULL), resets);
        assert_int_equal(am_store_outbox_next_due(fx->st, &due), AM_OK);
        if (due > h_now_ms() + 10000)
            break;
        assert_true(resets < 12);
    }
    pthread_mutex_lock(&fp.mu);
    fp.schedule_len = fp.requests; /* the hub answers from here on */
    pthread_mutex_unlock(&fp.mu);
    assert_false(fp_wait_requests(&fp, resets + 1, 0));
    int64_t waiting_s = (due - h_now_ms()) / 1000;
    int64_t tap = fp_mono_ms();
    am_sync_now(fx->sync);
    bool came = fp_wait_requests(&fp, resets + 1, 1000);
    int64_t took = fp_mono_ms() - tap;
    if (!came)
        fail_msg("no request within a second of \"sync now\" (the records were due in %lld s)",
                 (long long)waiting_s);
    fx_wait_drained(fx, 10000);
    am_sync_stop(fx->sync);
    fx->sync = NULL;
    fp_stop(&fp);
    print_message("sync now: the request reached the hub %lld ms after the tap "
                  "(the records were waiting %lld s more)\n",
                  (long long)took, (long long)waiting_s);
    fx_assert_exactly_once(fx, 4, 1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_record_once_after_faults, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(fault_answers_logged, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(heartbeats_keep_their_interval_while_draining, setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(sync_now_sends_records_waiting_out_a_backoff, setup,
                                        fx_teardown),
    };
    return am_test_run(__FILE__, tests, sizeof tests / sizeof tests[0], argc, argv);
}
