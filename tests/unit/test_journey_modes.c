/* test_journey_modes.c — the guest's own modes (high contrast, large
 * text), switched on attract, kept for their journey and put back to the
 * site's defaults after it; with large text on, every guest-facing
 * timeout doubles; "still there?" can be answered again and again
 * (WCAG 2.2.1). All on the virtual clock. */
#include "journey_fixture.h"

static void modes_switch_and_end_with_the_journey(void **state)
{
    harness *h = *state;
    assert_int_equal(am_journey_modes(h->j), 0);
    assert_ok(send(h, AM_EV_MODE, AM_MODE_HIGH_CONTRAST));
    assert_ok(send(h, AM_EV_MODE, AM_MODE_LARGE_TEXT));
    assert_int_equal(am_journey_modes(h->j), AM_MODE_HIGH_CONTRAST | AM_MODE_LARGE_TEXT);
    assert_ok(send(h, AM_EV_MODE, AM_MODE_LARGE_TEXT)); /* off again */
    assert_int_equal(am_journey_modes(h->j), AM_MODE_HIGH_CONTRAST);
    assert_invalid(send(h, AM_EV_MODE, 0));
    assert_invalid(send(h, AM_EV_MODE, 8));
    assert_int_equal(am_journey_modes(h->j), AM_MODE_HIGH_CONTRAST);
    /* Kept through the journey ... */
    to_thanks(h);
    assert_int_equal(am_journey_modes(h->j), AM_MODE_HIGH_CONTRAST);
    /* ... and the next guest starts with the site's look. */
    assert_ok(send(h, AM_EV_DONE, 0));
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_int_equal(am_journey_modes(h->j), 0);
}

static void site_defaults_come_back_after_each_guest(void **state)
{
    harness *h = *state;
    am_journey_free(h->j);
    h->cfg->kiosk.high_contrast = true;
    h->cfg->kiosk.large_text = true;
    h->cfg->kiosk.low_reach = true;
    h->j = am_journey_new(h->cfg, h->now);
    assert_int_equal(am_journey_modes(h->j), AM_MODE_ALL);
    assert_ok(send(h, AM_EV_MODE, AM_MODE_HIGH_CONTRAST)); /* this guest turns it off */
    to_category(h);
    assert_ok(wait_s(h, 2 * (TIMEOUT_S + COUNTDOWN_S))); /* walks away */
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_int_equal(am_journey_modes(h->j), AM_MODE_ALL);
}

/* Large text doubles the time before "still there?", its countdown, and
 * how long thanks stays. */
static void large_text_doubles_every_timeout(void **state)
{
    harness *h = *state;
    assert_ok(send(h, AM_EV_MODE, AM_MODE_LARGE_TEXT));
    to_category(h);
    assert_int_equal(am_journey_deadline(h->j), h->now + 2 * TIMEOUT_S * 1000);
    assert_ok(wait_s(h, 2 * TIMEOUT_S - 1));
    assert_false(am_journey_prompting(h->j, h->now, NULL));
    assert_ok(wait_s(h, 1));
    int left = -1;
    assert_true(am_journey_prompting(h->j, h->now, &left));
    assert_int_equal(left, 2 * COUNTDOWN_S);
    assert_ok(send(h, AM_EV_STILL_HERE, 0));
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_ATTRACT);
    /* Leaving wiped the journey, and the mode with it (as the language):
     * the next touch may be another guest's. */
    assert_int_equal(am_journey_modes(h->j), 0);
    assert_ok(send(h, AM_EV_MODE, AM_MODE_LARGE_TEXT));
    to_thanks(h);
    assert_ok(wait_s(h, 2 * THANKS_S - 1));
    assert_screen(h, AM_SCREEN_THANKS);
    assert_ok(wait_s(h, 1));
    assert_screen(h, AM_SCREEN_ATTRACT);
}

/* WCAG 2.2.1: the guest can ask for more time at least ten times; here
 * twenty, each answered at the last second, and nothing is lost. */
static void still_there_can_be_answered_again_and_again(void **state)
{
    harness *h = *state;
    to_details(h, CAT_BILLING);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_DESCRIPTION));
    assert_ok(type_text(h, "Charged twice"));
    for (int i = 0; i < 20; i++) {
        assert_ok(wait_s(h, TIMEOUT_S + COUNTDOWN_S - 1));
        assert_true(am_journey_prompting(h->j, h->now, NULL));
        assert_ok(send(h, AM_EV_STILL_HERE, 0));
        assert_false(am_journey_prompting(h->j, h->now, NULL));
        assert_screen(h, AM_SCREEN_DETAILS);
    }
    assert_string_equal(REPORT(h)->description, "Charged twice");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(modes_switch_and_end_with_the_journey, setup, teardown),
    cmocka_unit_test_setup_teardown(site_defaults_come_back_after_each_guest, setup, teardown),
    cmocka_unit_test_setup_teardown(large_text_doubles_every_timeout, setup, teardown),
    cmocka_unit_test_setup_teardown(still_there_can_be_answered_again_and_again, setup, teardown),
};

AM_TEST_MAIN(tests)
