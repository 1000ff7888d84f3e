/* test_widget.c — every SPEC widget id maps to its journey event. */
#include "am_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/widget.h"

static void set_id(char *dst, const char *id)
{
    snprintf(dst, AM_ID_MAX, "%s", id);
}

/* A shop: two categories, staff_now and other among the resolutions, and
 * chips for English, Arabic and Chinese only. */
static int setup(void **state)
{
    am_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return -1;
    cfg->kiosk.languages[0] = AM_LANG_EN;
    cfg->kiosk.languages[1] = AM_LANG_AR;
    cfg->kiosk.languages[2] = AM_LANG_ZH;
    cfg->kiosk.language_count = 3;
    set_id(cfg->categories[0].id, "checkout");
    set_id(cfg->categories[1].id, "product");
    cfg->category_count = 2;
    set_id(cfg->resolutions[0].id, "refund");
    set_id(cfg->resolutions[1].id, "replace");
    set_id(cfg->resolutions[2].id, "staff_now");
    set_id(cfg->resolutions[3].id, "other");
    cfg->resolution_count = 4;
    *state = cfg;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* Maps `id` and checks the event; now_ms must be left as the caller set it. */
static void expect_event(const am_config *cfg, const char *id, am_event_type type, int value)
{
    am_event ev = {.type = AM_EV_COUNT, .now_ms = 4242, .value = -7, .text = "stale"};
    if (am_widget_event(cfg, id, &ev) != 0)
        fail_msg("widget '%s' did not map", id);
    assert_int_equal(ev.type, type);
    assert_int_equal(ev.value, value);
    assert_null(ev.text);
    assert_int_equal(ev.now_ms, 4242);
}

static void expect_none(const am_config *cfg, const char *id)
{
    am_event ev = {.type = AM_EV_DONE, .now_ms = 1, .value = 99, .text = NULL};
    if (am_widget_event(cfg, id, &ev) != -1)
        fail_msg("widget '%s' should name nothing", id);
    /* Left as it was: a failed lookup cannot be mistaken for an event. */
    assert_int_equal(ev.type, AM_EV_DONE);
    assert_int_equal(ev.value, 99);
}

static void plain_widgets_map(void **state)
{
    const am_config *cfg = *state;
    expect_event(cfg, "start", AM_EV_START, 0);
    expect_event(cfg, "next", AM_EV_NEXT, 0);
    expect_event(cfg, "back", AM_EV_BACK, 0);
    expect_event(cfg, "skip", AM_EV_SKIP, 0);
    expect_event(cfg, "done", AM_EV_DONE, 0);
    expect_event(cfg, "still_here", AM_EV_STILL_HERE, 0);
    expect_event(cfg, "manager", AM_EV_MANAGER, 0);
    expect_event(cfg, "offer.accept", AM_EV_OFFER_ACCEPT, 0);
    expect_event(cfg, "offer.decline", AM_EV_OFFER_DECLINE, 0);
}

static void impact_widgets_map_to_severity(void **state)
{
    const am_config *cfg = *state;
    expect_event(cfg, "impact.minor", AM_EV_IMPACT, AM_SEVERITY_MINOR);
    expect_event(cfg, "impact.significant", AM_EV_IMPACT, AM_SEVERITY_SIGNIFICANT);
    expect_event(cfg, "impact.severe", AM_EV_IMPACT, AM_SEVERITY_SEVERE);
    expect_none(cfg, "impact.");
    expect_none(cfg, "impact.none");
    expect_none(cfg, "impact.Severe");
}

static void field_widgets_focus_their_field(void **state)
{
    const am_config *cfg = *state;
    expect_event(cfg, "field.description", AM_EV_FOCUS, AM_FIELD_DESCRIPTION);
    expect_event(cfg, "field.name", AM_EV_FOCUS, AM_FIELD_NAME);
    expect_event(cfg, "field.other", AM_EV_FOCUS, AM_FIELD_RESOLUTION_TEXT);
    expect_event(cfg, "field.comment", AM_EV_FOCUS, AM_FIELD_COMMENT);
    expect_event(cfg, "field.contact", AM_EV_FOCUS, AM_FIELD_CONTACT);
    /* The journey names its fields' widgets the same way. */
    for (int f = AM_FIELD_DESCRIPTION; f < AM_FIELD_COUNT; f++)
        expect_event(cfg, am_field_widget((am_field)f), AM_EV_FOCUS, f);
    expect_none(cfg, "field.");
    expect_none(cfg, "field.resolution_text");
}

static void rating_widgets_one_to_five(void **state)
{
    const am_config *cfg = *state;
    char id[16];
    for (int v = 1; v <= 5; v++) {
        snprintf(id, sizeof id, "rating.%d", v);
        expect_event(cfg, id, AM_EV_RATE, v);
    }
    expect_none(cfg, "rating.0");
    expect_none(cfg, "rating.6");
    expect_none(cfg, "rating.01");
    expect_none(cfg, "rating.");
    expect_none(cfg, "rating");
}

static void consent_widgets_map(void **state)
{
    const am_config *cfg = *state;
    expect_event(cfg, "consent.yes", AM_EV_CONSENT, AM_CONSENT_YES);
    expect_event(cfg, "consent.no", AM_EV_CONSENT, AM_CONSENT_NO);
    expect_none(cfg, "consent.");
    expect_none(cfg, "consent.maybe");
}

static void language_chips_are_the_sites(void **state)
{
    const am_config *cfg = *state;
    expect_event(cfg, "lang.en", AM_EV_LANG, AM_LANG_EN);
    expect_event(cfg, "lang.ar", AM_EV_LANG, AM_LANG_AR);
    expect_event(cfg, "lang.zh", AM_EV_LANG, AM_LANG_ZH);
    /* amends knows French, but this site shows no French chip. */
    expect_none(cfg, "lang.fr");
    expect_none(cfg, "lang.xx");
    expect_none(cfg, "lang.");
    expect_none(cfg, "lang.EN");
}

static void category_widgets_use_config_ids(void **state)
{
    const am_config *cfg = *state;
    expect_event(cfg, "category.checkout", AM_EV_CATEGORY, 0);
    expect_event(cfg, "category.product", AM_EV_CATEGORY, 1);
    expect_none(cfg, "category.room");
    expect_none(cfg, "category.");
    expect_none(cfg, "category");
}

static void resolution_widgets_include_builtins(void **state)
{
    const am_config *cfg = *state;
    expect_event(cfg, "resolution.refund", AM_EV_RESOLUTION, 0);
    expect_event(cfg, "resolution.replace", AM_EV_RESOLUTION, 1);
    expect_event(cfg, "resolution.staff_now", AM_EV_RESOLUTION, 2);
    expect_event(cfg, "resolution.other", AM_EV_RESOLUTION, 3);
    expect_none(cfg, "resolution.upgrade");
    expect_none(cfg, "resolution.");
}

static void unknown_and_later_widgets_name_nothing(void **state)
{
    const am_config *cfg = *state;
    const char *none[] = {"",       "Start",  "start ", " start",   "next.",     "offer",
                          "offer.", "pin.10", "pin.",   "pin.OK",   "tap",       "manager.",
                          "still",  "done.x", "back\n", "category", "resolution"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        expect_none(cfg, none[i]);
    am_event ev = {0};
    assert_int_equal(am_widget_event(cfg, NULL, &ev), -1);
    assert_int_equal(am_widget_event(cfg, "start", NULL), -1);
    /* Without a config only the fixed widgets exist. */
    expect_event(NULL, "next", AM_EV_NEXT, 0);
    expect_none(NULL, "category.checkout");
    expect_none(NULL, "lang.en");
}

static void pin_and_manager_widgets_map(void **state)
{
    const am_config *cfg = *state;
    expect_event(cfg, "pin.0", AM_EV_PIN_DIGIT, 0);
    expect_event(cfg, "pin.9", AM_EV_PIN_DIGIT, 9);
    expect_event(cfg, "pin.del", AM_EV_PIN_DELETE, 0);
    expect_event(cfg, "pin.ok", AM_EV_PIN_OK, 0);
    expect_event(cfg, "manager.sync_now", AM_EV_MANAGER_ACTION, AM_MGR_SYNC_NOW);
    expect_event(cfg, "manager.requeue", AM_EV_MANAGER_ACTION, AM_MGR_REQUEUE);
    expect_event(cfg, "manager.export", AM_EV_MANAGER_ACTION, AM_MGR_EXPORT);
    expect_event(cfg, "manager.exit", AM_EV_MANAGER_ACTION, AM_MGR_EXIT);
    expect_none(cfg, "manager.sync");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(pin_and_manager_widgets_map, setup, teardown),
    cmocka_unit_test_setup_teardown(plain_widgets_map, setup, teardown),
    cmocka_unit_test_setup_teardown(impact_widgets_map_to_severity, setup, teardown),
    cmocka_unit_test_setup_teardown(field_widgets_focus_their_field, setup, teardown),
    cmocka_unit_test_setup_teardown(rating_widgets_one_to_five, setup, teardown),
    cmocka_unit_test_setup_teardown(consent_widgets_map, setup, teardown),
    cmocka_unit_test_setup_teardown(language_chips_are_the_sites, setup, teardown),
    cmocka_unit_test_setup_teardown(category_widgets_use_config_ids, setup, teardown),
    cmocka_unit_test_setup_teardown(resolution_widgets_include_builtins, setup, teardown),
    cmocka_unit_test_setup_teardown(unknown_and_later_widgets_name_nothing, setup, teardown),
};

AM_TEST_MAIN(tests)
