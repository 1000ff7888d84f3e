/* test_hub_pg.c — amends-hub on a real PostgreSQL server (Debian's
 * postgresql package, started in a temporary directory on loopback): every
 * integration case in hub_cases.h and hub_cases_manager.h, as for SQLite. */
#include <pthread.h>

#include "hub_cases.h"
#include "hub_cases_manager.h"

static int setup_default(void **state)
{
    return h_setup(state, true, NULL);
}

static int setup_rate(void **state)
{
    return h_setup(state, true, "rate_per_minute = 60\nrate_burst = 3\n");
}

static int setup_no_rate(void **state)
{
    return h_setup(state, true, "rate_per_minute = 0\n");
}

#define POOL    200
#define BATCHES 20
#define PER     25
#define THREADS 4

typedef struct poster {
    harness *h;
    const char *url;
    char *const *bodies;
    char (*batch_ids)[AM_PROTO_UUID_LEN + 1];
    am_proto_response *responses[BATCHES]; /* first-time answers only */
    int errors;
} poster;

static void *post_all(void *arg)
{
    poster *p = arg;
    am_hub_client *c = am_hub_client_new(p->url, p->h->ca, p->h->k1_token, p->h->k1_secret);
    if (!c) {
        p->errors++;
        return NULL;
    }
    for (int j = 0; j < BATCHES; j++) {
        am_hub_reply reply;
        char err[256];
        if (am_hub_client_post_batch(c, p->bodies[j], strlen(p->bodies[j]), p->batch_ids[j], &reply,
                                     err, sizeof err) != AM_OK ||
            reply.status != 200) {
            p->errors++;
            am_hub_reply_clear(&reply);
            continue;
        }
        if (strcmp(reply.replayed, "false") == 0 &&
            am_proto_response_decode(reply.body, reply.len, &p->responses[j], err, sizeof err) !=
                AM_OK)
            p->errors++;
        am_hub_reply_clear(&reply);
    }
    am_hub_client_free(c);
    return NULL;
}

/* Two hubs on one database, four clients posting the same overlapping
 * batches at once: every record is stored exactly once, and every batch
 * is answered "stored" for a record by exactly one of the hubs. */
static void two_hubs_share_postgresql(void **state)
{
    harness *h = *state;
    h_hub_launch(h, &h->hub2, "hub2");
    char url2[128];
    snprintf(url2, sizeof url2, "https://127.0.0.1:%d", h->hub2.port);

    am_proto_batch *pool = h_batch("k1", POOL);
    for (int i = 0; i < POOL; i++)
        h_add_feedback(pool, "room", AM_OUTCOME_COMPLETED);
    char *bodies[BATCHES];
    char batch_ids[BATCHES][AM_PROTO_UUID_LEN + 1];
    for (int j = 0; j < BATCHES; j++) {
        am_proto_batch *b = h_batch("k1", PER);
        for (int k = 0; k < PER; k++)
            *am_proto_batch_add(b, AM_PROTO_FEEDBACK) = pool->records[(j * 10 + k) % POOL];
        memcpy(batch_ids[j], b->batch, sizeof batch_ids[j]);
        bodies[j] = h_encode(b);
        am_proto_batch_free(b);
    }
    poster posters[THREADS];
    pthread_t threads[THREADS];
    for (int t = 0; t < THREADS; t++) {
        memset(&posters[t], 0, sizeof posters[t]);
        posters[t].h = h;
        posters[t].url = t % 2 ? url2 : h->url;
        posters[t].bodies = bodies;
        posters[t].batch_ids = batch_ids;
        assert_int_equal(pthread_create(&threads[t], NULL, post_all, &posters[t]), 0);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);
    int stored[POOL] = {0};
    int first_answers = 0;
    for (int t = 0; t < THREADS; t++) {
        assert_int_equal(posters[t].errors, 0);
        for (int j = 0; j < BATCHES; j++) {
            am_proto_response *r = posters[t].responses[j];
            if (!r)
                continue;
            first_answers++;
            for (size_t k = 0; k < r->count; k++) {
                if (r->results[k].status != AM_PROTO_STORED)
                    continue;
                for (int i = 0; i < POOL; i++) {
                    if (!strcmp(r->results[k].id, pool->records[i].id))
                        stored[i]++;
                }
            }
            am_proto_response_free(r);
        }
    }
    /* Each batch was processed once; the other three posts were replays. */
    assert_int_equal(first_answers, BATCHES);
    for (int i = 0; i < POOL; i++)
        assert_int_equal(stored[i], 1);
    assert_int_equal(h_count(h, "/v1/feedback?limit=10000", "feedback"), POOL);
    for (int j = 0; j < BATCHES; j++)
        free(bodies[j]);
    am_proto_batch_free(pool);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(two_hubs_share_postgresql, setup_no_rate, h_teardown),
    cmocka_unit_test_setup_teardown(ingest_stores_then_dedups, setup_default, h_teardown),
    cmocka_unit_test_setup_teardown(ingest_repeated_batch_gets_original_response, setup_default,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(ingest_rejects_bad_records_with_reasons, setup_default,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(ingest_refuses_bad_body_with_400, setup_default, h_teardown),
    cmocka_unit_test_setup_teardown(ingest_refuses_bad_signature, setup_default, h_teardown),
    cmocka_unit_test_setup_teardown(ingest_refuses_old_and_future_timestamps, setup_default,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(ingest_same_request_twice_gets_its_answer, setup_default,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(ingest_refuses_webhook_id_reused_for_another_body,
                                    setup_default, h_teardown),
    cmocka_unit_test_setup_teardown(ingest_refuses_idempotency_key_reused_for_another_body,
                                    setup_default, h_teardown),
    cmocka_unit_test_setup_teardown(ingest_racing_copies_of_a_request_get_one_answer, setup_default,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(ingest_refuses_unknown_tokens, setup_default, h_teardown),
    cmocka_unit_test_setup_teardown(ingest_kiosk_token_writes_only_its_own_records, setup_default,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(ingest_too_large_gets_413, setup_default, h_teardown),
    cmocka_unit_test_setup_teardown(ingest_rate_limited_gets_429_with_retry_after, setup_rate,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(heartbeat_updates_fleet_view, setup_default, h_teardown),
    cmocka_unit_test_setup_teardown(ingest_with_curl_command_line, setup_default, h_teardown),
    cmocka_unit_test_setup_teardown(manager_endpoints_refuse_without_manager_token, setup_default,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(manager_feedback_filters_and_csv, setup_default, h_teardown),
    cmocka_unit_test_setup_teardown(manager_followups_only_consented, setup_default, h_teardown),
    cmocka_unit_test_setup_teardown(manager_alerts_list_and_ack, setup_default, h_teardown),
    cmocka_unit_test_setup_teardown(manager_ingest_log_shows_outcomes, setup_default, h_teardown),
    cmocka_unit_test_setup_teardown(sigterm_finishes_requests_in_flight, setup_default, h_teardown),
    cmocka_unit_test_setup_teardown(kiosk_rotate_keeps_old_credentials_for_the_overlap,
                                    setup_default, h_teardown),
    cmocka_unit_test_setup_teardown(kiosk_disable_refuses_with_reason_until_enabled, setup_default,
                                    h_teardown),
};

AM_TEST_MAIN(tests)
