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

static const struct CMUnitTest tests[] = {
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
