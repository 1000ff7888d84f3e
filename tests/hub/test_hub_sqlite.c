/* test_hub_sqlite.c — amends-hub with its embedded SQLite store: every
 * integration case in hub_cases.h and hub_cases_manager.h, run against the real binary. */
#include "hub_cases.h"
#include "hub_cases_manager.h"

static int setup_default(void **state)
{
    return h_setup(state, false, NULL);
}

static int setup_rate(void **state)
{
    return h_setup(state, false, "rate_per_minute = 60\nrate_burst = 3\n");
}

/* The hub's database holds every kiosk's signing secret and guests' words:
 * made 0600 under a umask that would give others read access, and made
 * private again, with a warning, when someone loosened it. A TLS key every
 * user may read stops the hub with the file, its mode and the fix. */
static void hub_files_are_private(void **state)
{
    harness *h = *state;
    char db[700], key[700], rest[720];
    struct stat sb;
    snprintf(db, sizeof db, "%s/hub.db", h->dir);
    snprintf(key, sizeof key, "%s/hub.key", h->dir);
    assert_int_equal(stat(db, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(h_hub_stop(&h->hub, 15000), 0);

    assert_int_equal(chmod(db, 0644), 0);
    assert_int_equal(chmod(key, 0644), 0);
    hub_proc p = {0};
    h_hub_spawn(h, &p, "loose-key");
    int status = 0;
    assert_true(am_test_wait_exit(p.pid, 15000, &status));
    p.pid = 0;
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);
    char *log = am_test_read_file(p.log, NULL);
    assert_non_null(log);
    if (!strstr(log, key) || !strstr(log, "0644") || !strstr(log, "chmod 600"))
        fail_msg("the hub's refusal does not name the key, its mode and the fix:\n%s", log);
    /* Whichever start opened the database first made it private. */
    bool said = strstr(log, "made the database private") != NULL;
    free(log);
    h_hub_stop(&p, 1000);

    assert_int_equal(chmod(key, 0600), 0);
    h_hub_launch(h, &h->hub, "private-again");
    assert_int_equal(stat(db, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    snprintf(rest, sizeof rest, "%s-wal", db);
    if (stat(rest, &sb) == 0)
        assert_int_equal(sb.st_mode & 0777, 0600);
    log = am_test_read_file(h->hub.log, NULL);
    assert_non_null(log);
    assert_true(said || strstr(log, "made the database private"));
    free(log);
}

/* A umask that lets others read what is made, as a shell's often does. */
static int setup_open_umask(void **state)
{
    umask(022);
    return h_setup(state, false, NULL);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(hub_files_are_private, setup_open_umask, h_teardown),
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
