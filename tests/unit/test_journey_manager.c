/* test_journey_manager.c — the journey's manager screens, the store's
 * failures (awaiting the store, out of order) and the idle prompt.
 *
 * The harness is in journey_fixture.h.
 */
#include "journey_fixture.h"

/* ---- manager screens --------------------------------------------------------------- */

static void manager_pin_back_next_and_idle(void **state)
{
    harness *h = *state;
    assert_ok(send(h, AM_EV_MANAGER, 0));
    assert_screen(h, AM_SCREEN_MANAGER_PIN);
    assert_ignored(send(h, AM_EV_NEXT, 0));
    assert_refusal(h, "enter the PIN first");
    assert_ignored(send(h, AM_EV_PIN_OK, 0));
    assert_refusal(h, "enter the PIN first");
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_ATTRACT);

    assert_ok(send(h, AM_EV_MANAGER, 0));
    assert_int_equal(am_journey_deadline(h->j), h->now + MANAGER_S * 1000);
    assert_ok(wait_s(h, MANAGER_S - 10));
    /* Any input holds the screen open. */
    assert_ignored(send(h, AM_EV_NEXT, 0));
    assert_ok(wait_s(h, 11));
    assert_screen(h, AM_SCREEN_MANAGER_PIN);
    assert_false(am_journey_prompting(h->j, h->now, NULL));
    assert_ok(wait_s(h, MANAGER_S));
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_trace(h, "");
    assert_int_equal(h->store.writes, 0);
}

static void enter_pin(harness *h, const char *digits)
{
    for (const char *d = digits; *d; d++)
        assert_ok(send(h, AM_EV_PIN_DIGIT, *d - '0'));
}

static void manager_pin_digits_delete_and_check(void **state)
{
    harness *h = *state;
    assert_ok(send(h, AM_EV_MANAGER, 0));
    int digits = -1, seconds = -1;
    assert_int_equal(am_journey_pin_pad(h->j, h->now, &digits, &seconds), AM_PIN_PAD_READY);
    assert_int_equal(digits, 0);
    enter_pin(h, "1239");
    assert_ok(send(h, AM_EV_PIN_DELETE, 0));
    assert_ok(send(h, AM_EV_PIN_DIGIT, 4));
    assert_string_equal(am_journey_pin(h->j), "1234");
    am_journey_pin_pad(h->j, h->now, &digits, NULL);
    assert_int_equal(digits, 4);
    assert_invalid(send(h, AM_EV_PIN_DIGIT, 10));
    assert_invalid(send(h, AM_EV_PIN_DIGIT, -1));
    assert_string_equal(am_journey_pin(h->j), "1234");

    /* OK asks the app to check; nothing is stored by the engine. */
    assert_ok(send(h, AM_EV_PIN_OK, 0));
    assert_trace(h, "check_pin");
    assert_int_equal(am_journey_pin_pad(h->j, h->now, NULL, NULL), AM_PIN_PAD_CHECKING);
    assert_false(am_journey_awaiting_store(h->j));
    /* Nothing more is taken until the answer. */
    assert_ignored(send(h, AM_EV_PIN_DIGIT, 5));
    assert_refusal(h, "checking the PIN");
    assert_ignored(send(h, AM_EV_PIN_OK, 0));
    assert_ok(send(h, AM_EV_PIN_ACCEPTED, 0));
    assert_screen(h, AM_SCREEN_MANAGER);
    /* The digits are gone once answered. */
    assert_string_equal(am_journey_pin(h->j), "");
    assert_int_equal(h->store.writes, 0);

    /* At most 12 digits. */
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_ok(send(h, AM_EV_MANAGER, 0));
    enter_pin(h, "123456789012");
    assert_ignored(send(h, AM_EV_PIN_DIGIT, 3));
    assert_refusal(h, "a PIN has at most 12 digits");
    /* Leaving wipes them. */
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_string_equal(am_journey_pin(h->j), "");
    assert_ok(send(h, AM_EV_MANAGER, 0));
    am_journey_pin_pad(h->j, h->now, &digits, NULL);
    assert_int_equal(digits, 0);
    /* ... and so does idle. */
    enter_pin(h, "42");
    assert_ok(wait_s(h, MANAGER_S));
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_string_equal(am_journey_pin(h->j), "");
}

static void manager_pin_wrong_waits_then_opens(void **state)
{
    harness *h = *state;
    assert_ok(send(h, AM_EV_MANAGER, 0));
    enter_pin(h, "0000");
    assert_ok(send(h, AM_EV_PIN_OK, 0));
    assert_ok(send(h, AM_EV_PIN_REJECTED, 2));
    assert_screen(h, AM_SCREEN_MANAGER_PIN);
    assert_string_equal(am_journey_pin(h->j), "");
    int seconds = 0;
    assert_int_equal(am_journey_pin_pad(h->j, h->now, NULL, &seconds), AM_PIN_PAD_WAIT);
    assert_int_equal(seconds, 2);
    /* The pad refuses input until the wait is over, and says why. */
    assert_ignored(send(h, AM_EV_PIN_DIGIT, 1));
    assert_refusal(h, "wrong PIN: wait before trying again");
    assert_ignored(send(h, AM_EV_PIN_DELETE, 0));
    assert_int_equal(am_journey_deadline(h->j), h->now + 2000);
    assert_ok(wait_ms(h, 1999));
    assert_ignored(send(h, AM_EV_PIN_DIGIT, 1));
    assert_ok(wait_ms(h, 1));
    assert_int_equal(am_journey_pin_pad(h->j, h->now, NULL, &seconds), AM_PIN_PAD_READY);
    assert_int_equal(seconds, 0);
    enter_pin(h, "1234");
    assert_ok(send(h, AM_EV_PIN_OK, 0));
    /* An accepted answer is only taken for a check that was asked for. */
    assert_ok(send(h, AM_EV_PIN_ACCEPTED, 0));
    assert_screen(h, AM_SCREEN_MANAGER);
    assert_ignored(send(h, AM_EV_PIN_ACCEPTED, 0));
    assert_refusal(h, "no PIN is being checked");
}

static void manager_pin_locked_and_unset(void **state)
{
    harness *h = *state;
    assert_ok(send(h, AM_EV_MANAGER, 0));
    /* The app restates a lockout kept in the store as the pad shows. */
    assert_ok(send(h, AM_EV_PIN_LOCKED, 15 * 60));
    int seconds = 0;
    assert_int_equal(am_journey_pin_pad(h->j, h->now, NULL, &seconds), AM_PIN_PAD_LOCKED);
    assert_int_equal(seconds, 15 * 60);
    assert_ignored(send(h, AM_EV_PIN_DIGIT, 1));
    assert_refusal(h, "too many wrong PINs: the PIN pad is locked");
    assert_ignored(send(h, AM_EV_PIN_OK, 0));
    /* A forged accept while locked opens nothing. */
    assert_ignored(send(h, AM_EV_PIN_ACCEPTED, 0));
    assert_screen(h, AM_SCREEN_MANAGER_PIN);
    assert_ok(send(h, AM_EV_BACK, 0));

    assert_ok(send(h, AM_EV_MANAGER, 0));
    assert_ok(send(h, AM_EV_PIN_UNSET, 0));
    assert_int_equal(am_journey_pin_pad(h->j, h->now, NULL, NULL), AM_PIN_PAD_UNSET);
    assert_ignored(send(h, AM_EV_PIN_DIGIT, 1));
    assert_refusal(h, "no manager PIN is set: set one with amendsctl pin set");
    assert_ok(wait_s(h, 60));
    assert_int_equal(am_journey_pin_pad(h->j, h->now, NULL, NULL), AM_PIN_PAD_UNSET);
    /* Answers mean nothing away from the pad. */
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_ignored(send(h, AM_EV_PIN_REJECTED, 1));
    assert_refusal(h, "no PIN is being checked");
    assert_screen(h, AM_SCREEN_ATTRACT);
}

static void manager_actions_and_leaving(void **state)
{
    harness *h = *state;
    assert_ok(send(h, AM_EV_MANAGER, 0));
    enter_pin(h, "9");
    assert_ok(send(h, AM_EV_PIN_OK, 0));
    assert_ok(send(h, AM_EV_PIN_ACCEPTED, 0));
    assert_screen(h, AM_SCREEN_MANAGER);
    assert_ok(send(h, AM_EV_MANAGER_ACTION, AM_MGR_SYNC_NOW));
    assert_trace(h, "manager_action");
    assert_false(am_journey_awaiting_store(h->j));
    assert_ok(send(h, AM_EV_MANAGER_ACTION, AM_MGR_EXIT));
    assert_invalid(send(h, AM_EV_MANAGER_ACTION, AM_MGR_ACTION_COUNT));
    assert_screen(h, AM_SCREEN_MANAGER);
    /* Actions belong to the manager screen only. */
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_ignored(send(h, AM_EV_MANAGER_ACTION, AM_MGR_EXPORT));
    assert_ignored(send(h, AM_EV_PIN_DIGIT, 1));
    /* Manager mode ends on idle. */
    assert_ok(send(h, AM_EV_MANAGER, 0));
    enter_pin(h, "9");
    assert_ok(send(h, AM_EV_PIN_OK, 0));
    assert_ok(send(h, AM_EV_PIN_ACCEPTED, 0));
    assert_ok(wait_s(h, MANAGER_S - 1));
    assert_screen(h, AM_SCREEN_MANAGER);
    assert_ok(wait_s(h, 1));
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_int_equal(h->store.writes, 0);
}

/* ---- awaiting the store, out of order ---------------------------------------------- */

static void awaiting_store_ignores_input(void **state)
{
    harness *h = *state;
    h->auto_store = false;
    to_details(h, CAT_ROOM);
    assert_ok(send(h, AM_EV_IMPACT, AM_SEVERITY_MINOR));
    assert_ok(send(h, AM_EV_NEXT, 0));
    const am_event_type guest[] = {
        AM_EV_START,         AM_EV_LANG,    AM_EV_CATEGORY,       AM_EV_IMPACT,
        AM_EV_FOCUS,         AM_EV_TEXT,    AM_EV_BACKSPACE,      AM_EV_NEXT,
        AM_EV_BACK,          AM_EV_SKIP,    AM_EV_RESOLUTION,     AM_EV_OFFER_ACCEPT,
        AM_EV_OFFER_DECLINE, AM_EV_RATE,    AM_EV_CONSENT,        AM_EV_DONE,
        AM_EV_STILL_HERE,    AM_EV_MANAGER, AM_EV_STORE_RECOVERED};
    for (size_t i = 0; i < sizeof guest / sizeof guest[0]; i++) {
        assert_ignored(raw_event(h, guest[i], 1, "x"));
        assert_trace(h, "");
        assert_true(am_journey_awaiting_store(h->j));
    }
    assert_refusal(h, "the kiosk is not out of order");
    assert_ignored(raw_event(h, AM_EV_NEXT, 0, NULL));
    assert_refusal(h, "saving, please wait");
    /* Time passing does not fire the idle timer while saving. */
    h->now += (TIMEOUT_S + COUNTDOWN_S) * 1000;
    assert_ok(raw_event(h, AM_EV_TICK, 0, NULL));
    assert_trace(h, "");
    assert_screen(h, AM_SCREEN_DETAILS);
    assert_string_equal(REPORT(h)->description, "");
    assert_int_equal(REPORT(h)->lang, AM_LANG_FR);
    assert_ok(answer(h, true));
    assert_screen(h, AM_SCREEN_APOLOGY);
    /* A second answer has nothing to answer. */
    assert_ignored(raw_event(h, AM_EV_STORED, 0, NULL));
    assert_refusal(h, "nothing is being saved");
    assert_ignored(raw_event(h, AM_EV_STORE_FAILED, 0, NULL));
    assert_screen(h, AM_SCREEN_APOLOGY);
}

static void store_failed_goes_out_of_order(void **state)
{
    harness *h = *state;
    h->auto_store = false;
    to_details(h, CAT_ROOM);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_DESCRIPTION));
    assert_ok(type_text(h, "broken lamp"));
    assert_ok(send(h, AM_EV_IMPACT, AM_SEVERITY_MINOR));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_ok(answer(h, false));
    assert_trace(h, "wipe");
    assert_screen(h, AM_SCREEN_OUT_OF_ORDER);
    assert_false(am_journey_committed(h->j));
    assert_false(h->store.opened);
    assert_report_clear(REPORT(h), AM_LANG_FR);
    assert_int_equal(am_journey_deadline(h->j), INT64_MAX);
}

static void store_failed_after_commit_keeps_what_was_committed(void **state)
{
    harness *h = *state;
    to_apology(h, CAT_ROOM, AM_SEVERITY_MINOR);
    h->auto_store = false;
    assert_ok(send(h, AM_EV_RESOLUTION, RES_CLEAN));
    assert_trace(h, "save_report record_offer:shown");
    assert_ok(answer(h, false));
    assert_screen(h, AM_SCREEN_OUT_OF_ORDER);
    /* The open journey stays as committed; the store closes it as
     * interrupted at the next start. The guest is not thanked. */
    assert_true(h->store.opened);
    assert_false(h->store.closed);
    assert_string_equal(h->store.record.resolution, "");
    assert_int_equal(h->store.record.outcome, AM_OUTCOME_OPEN);
    assert_report_clear(REPORT(h), AM_LANG_FR);
}

static void out_of_order_waits_for_recovery(void **state)
{
    harness *h = *state;
    h->auto_store = false;
    to_details(h, CAT_ROOM);
    assert_ok(send(h, AM_EV_IMPACT, AM_SEVERITY_MINOR));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_ok(answer(h, false));
    assert_screen(h, AM_SCREEN_OUT_OF_ORDER);
    assert_ignored(send(h, AM_EV_START, 0));
    assert_refusal(h, "out of order: reports cannot be taken right now");
    assert_ignored(send(h, AM_EV_BACK, 0));
    assert_ignored(send(h, AM_EV_MANAGER, 0));
    assert_ignored(send(h, AM_EV_STORED, 0));
    assert_ok(wait_s(h, 3600));
    assert_screen(h, AM_SCREEN_OUT_OF_ORDER);
    assert_false(am_journey_prompting(h->j, h->now, NULL));
    assert_ok(send(h, AM_EV_STORE_RECOVERED, 0));
    assert_trace(h, "");
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_ignored(send(h, AM_EV_STORE_RECOVERED, 0));
    /* A fresh journey works again. */
    h->auto_store = true;
    to_apology(h, CAT_NOISE, AM_SEVERITY_MINOR);
    assert_true(am_journey_committed(h->j));
}

/* ---- idle prompt ------------------------------------------------------------------ */

static void idle_still_here_dismisses_prompt(void **state)
{
    harness *h = *state;
    to_details(h, CAT_ROOM);
    assert_ignored(send(h, AM_EV_STILL_HERE, 0));
    assert_refusal(h, "no question is showing");
    int64_t entered = h->now;
    assert_int_equal(am_journey_deadline(h->j), entered + TIMEOUT_S * 1000);
    assert_ok(wait_s(h, TIMEOUT_S));
    int left = 0;
    assert_true(am_journey_prompting(h->j, h->now, &left));
    assert_int_equal(left, COUNTDOWN_S);
    assert_int_equal(am_journey_deadline(h->j), h->now + COUNTDOWN_S * 1000);
    assert_true(am_journey_prompting(h->j, h->now + 1, &left));
    assert_int_equal(left, COUNTDOWN_S); /* rounded up: 14.999 s shows 15 */
    assert_ok(wait_s(h, 5));
    assert_true(am_journey_prompting(h->j, h->now, &left));
    assert_int_equal(left, COUNTDOWN_S - 5);
    assert_false(am_journey_can_next(h->j));
    assert_ok(send(h, AM_EV_STILL_HERE, 0));
    assert_false(am_journey_prompting(h->j, h->now, &left));
    assert_int_equal(left, 0);
    assert_int_equal(am_journey_deadline(h->j), h->now + TIMEOUT_S * 1000);
    assert_ok(wait_s(h, COUNTDOWN_S));
    assert_screen(h, AM_SCREEN_DETAILS);
    assert_trace(h, "");
}

static void idle_other_input_is_consumed_by_prompt(void **state)
{
    harness *h = *state;
    to_details(h, CAT_ROOM);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_DESCRIPTION));
    assert_ok(wait_s(h, TIMEOUT_S));
    assert_true(am_journey_prompting(h->j, h->now, NULL));
    assert_ok(send(h, AM_EV_IMPACT, AM_SEVERITY_SEVERE));
    assert_false(am_journey_prompting(h->j, h->now, NULL));
    assert_int_equal(REPORT(h)->severity, AM_SEVERITY_NONE);
    assert_ok(wait_s(h, TIMEOUT_S));
    assert_ok(type_text(h, "hello"));
    assert_string_equal(REPORT(h)->description, "");
    assert_ok(wait_s(h, TIMEOUT_S));
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_DETAILS);
    /* Input now applies again. */
    assert_ok(type_text(h, "hello"));
    assert_string_equal(REPORT(h)->description, "hello");
}

static void idle_input_resets_timer(void **state)
{
    harness *h = *state;
    to_details(h, CAT_ROOM);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_DESCRIPTION));
    assert_ok(wait_s(h, TIMEOUT_S - 1));
    assert_ok(type_text(h, "a"));
    assert_ok(wait_s(h, TIMEOUT_S - 1));
    assert_false(am_journey_prompting(h->j, h->now, NULL));
    /* Even a refused tap shows someone is there. */
    assert_ignored(send(h, AM_EV_NEXT, 0));
    assert_ok(wait_s(h, TIMEOUT_S - 1));
    assert_false(am_journey_prompting(h->j, h->now, NULL));
    assert_ok(wait_s(h, 1));
    assert_true(am_journey_prompting(h->j, h->now, NULL));
}

static void idle_late_tick_fires_prompt_and_reset_together(void **state)
{
    harness *h = *state;
    to_apology(h, CAT_ROOM, AM_SEVERITY_MINOR);
    /* One tick long after both deadlines: the kiosk slept or was busy. */
    assert_ok(wait_s(h, 10 * (TIMEOUT_S + COUNTDOWN_S)));
    assert_trace(h, "close_journey:abandoned wipe");
    assert_screen(h, AM_SCREEN_ATTRACT);
}

static void idle_countdown_counts_from_when_prompt_was_due(void **state)
{
    harness *h = *state;
    to_details(h, CAT_ROOM);
    assert_ok(wait_s(h, TIMEOUT_S + 10));
    int left = 0;
    assert_true(am_journey_prompting(h->j, h->now, &left));
    assert_int_equal(left, COUNTDOWN_S - 10);
    assert_ok(wait_s(h, COUNTDOWN_S - 10));
    assert_screen(h, AM_SCREEN_ATTRACT);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(manager_pin_back_next_and_idle, setup, teardown),
    cmocka_unit_test_setup_teardown(manager_pin_digits_delete_and_check, setup, teardown),
    cmocka_unit_test_setup_teardown(manager_pin_wrong_waits_then_opens, setup, teardown),
    cmocka_unit_test_setup_teardown(manager_pin_locked_and_unset, setup, teardown),
    cmocka_unit_test_setup_teardown(manager_actions_and_leaving, setup, teardown),
    cmocka_unit_test_setup_teardown(awaiting_store_ignores_input, setup, teardown),
    cmocka_unit_test_setup_teardown(store_failed_goes_out_of_order, setup, teardown),
    cmocka_unit_test_setup_teardown(store_failed_after_commit_keeps_what_was_committed, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(out_of_order_waits_for_recovery, setup, teardown),
    cmocka_unit_test_setup_teardown(idle_still_here_dismisses_prompt, setup, teardown),
    cmocka_unit_test_setup_teardown(idle_other_input_is_consumed_by_prompt, setup, teardown),
    cmocka_unit_test_setup_teardown(idle_input_resets_timer, setup, teardown),
    cmocka_unit_test_setup_teardown(idle_late_tick_fires_prompt_and_reset_together, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(idle_countdown_counts_from_when_prompt_was_due, setup,
                                    teardown),
};

AM_TEST_MAIN(tests)
