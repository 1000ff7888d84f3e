/* test_journey.c — the journey state machine: names, the screens up to the
 * resolution, the data that reaches the store, text and wipe.
 *
 * The harness is in journey_fixture.h; the offer to the thanks screen is in
 * test_journey_offer.c, the manager screens, the store's failures and the
 * idle prompt in test_journey_manager.c.
 */
#include "journey_fixture.h"

/* ---- names -------------------------------------------------------------- */

static void names_screen_ids_round_trip(void **state)
{
    (void)state;
    const char *ids[] = {"attract", "category",     "details",   "apology",
                         "offer",   "followup",     "thanks",    "manager_pin",
                         "manager", "out_of_order", "staff_wait"};
    assert_int_equal(sizeof ids / sizeof ids[0], AM_SCREEN_COUNT);
    for (int i = 0; i < AM_SCREEN_COUNT; i++) {
        am_screen s = AM_SCREEN_COUNT;
        assert_string_equal(am_screen_id((am_screen)i), ids[i]);
        assert_int_equal(am_screen_parse(ids[i], &s), AM_OK);
        assert_int_equal(s, i);
    }
    am_screen s = AM_SCREEN_THANKS;
    assert_null(am_screen_id(AM_SCREEN_COUNT));
    assert_int_equal(am_screen_parse("Attract", &s), AM_ERR_INVALID);
    assert_int_equal(am_screen_parse("", &s), AM_ERR_INVALID);
    assert_int_equal(am_screen_parse(NULL, &s), AM_ERR_INVALID);
    assert_int_equal(s, AM_SCREEN_THANKS);
    for (int i = 0; i < AM_SCREEN_COUNT; i++)
        assert_int_equal(am_screen_is_guest((am_screen)i),
                         i >= AM_SCREEN_CATEGORY && i <= AM_SCREEN_FOLLOWUP);
}

static void names_of_states_events_and_effects(void **state)
{
    (void)state;
    const char *outcomes[] = {"open", "completed", "abandoned", "interrupted"};
    for (int i = 0; i < 4; i++) {
        am_outcome o = -1;
        assert_string_equal(am_outcome_name((am_outcome)i), outcomes[i]);
        assert_int_equal(am_outcome_parse(outcomes[i], &o), AM_OK);
        assert_int_equal(o, i);
    }
    am_outcome o;
    assert_int_equal(am_outcome_parse("closed", &o), AM_ERR_INVALID);
    assert_null(am_outcome_name((am_outcome)4));

    const char *offers[] = {"none", "shown", "accepted", "declined", "escalated"};
    for (int i = 0; i < 5; i++) {
        am_offer_state s = -1;
        assert_string_equal(am_offer_state_name((am_offer_state)i), offers[i]);
        assert_int_equal(am_offer_state_parse(offers[i], &s), AM_OK);
        assert_int_equal(s, i);
    }
    am_offer_state s;
    assert_int_equal(am_offer_state_parse("given", &s), AM_ERR_INVALID);

    assert_string_equal(am_consent_name(AM_CONSENT_UNSET), "");
    assert_string_equal(am_consent_name(AM_CONSENT_YES), "yes");
    assert_string_equal(am_consent_name(AM_CONSENT_NO), "no");
    assert_string_equal(am_alert_reason_name(AM_ALERT_STAFF_NOW), "staff_now");
    assert_string_equal(am_alert_reason_name(AM_ALERT_SEVERE), "severe");
    assert_string_equal(am_alert_reason_name(AM_ALERT_OVER_BUDGET), "over_budget");
    assert_string_equal(am_alert_reason_name(AM_ALERT_NOTIFY), "notify");
    assert_string_equal(am_alert_reason_name(AM_ALERT_CALLBACK), "callback");
    assert_string_equal(am_alert_reason_name(AM_ALERT_SEVERE_UNSENT), "severe_unsent");
    assert_null(am_alert_reason_name(AM_ALERT_REASON_COUNT));

    for (int i = 0; i < AM_EV_COUNT; i++)
        assert_non_null(am_event_name((am_event_type)i));
    assert_string_equal(am_event_name(AM_EV_TICK), "tick");
    assert_string_equal(am_event_name(AM_EV_STORE_RECOVERED), "store_recovered");
    assert_string_equal(am_event_name(AM_EV_MANAGER), "manager");
    assert_null(am_event_name(AM_EV_COUNT));
    const char *effects[] = {"open_report",   "save_report", "raise_alert", "record_offer",
                             "close_journey", "wipe",        "check_pin",   "manager_action"};
    assert_int_equal(AM_FX_TYPE_COUNT, 8);
    assert_string_equal(am_event_name(AM_EV_PIN_OK), "pin_ok");
    assert_string_equal(am_manager_action_name(AM_MGR_EXPORT), "export");
    assert_null(am_manager_action_name(AM_MGR_ACTION_COUNT));
    for (int i = 0; i < AM_FX_TYPE_COUNT; i++)
        assert_string_equal(am_effect_name((am_effect_type)i), effects[i]);
    assert_null(am_effect_name(AM_FX_TYPE_COUNT));
}

static void names_fields_widgets_and_caps(void **state)
{
    (void)state;
    assert_null(am_field_widget(AM_FIELD_NONE));
    assert_string_equal(am_field_widget(AM_FIELD_DESCRIPTION), "field.description");
    assert_string_equal(am_field_widget(AM_FIELD_NAME), "field.name");
    assert_string_equal(am_field_widget(AM_FIELD_RESOLUTION_TEXT), "field.other");
    assert_string_equal(am_field_widget(AM_FIELD_COMMENT), "field.comment");
    assert_string_equal(am_field_widget(AM_FIELD_CONTACT), "field.contact");
    assert_int_equal(am_field_cap(AM_FIELD_NONE), 0);
    assert_int_equal(am_field_cap(AM_FIELD_DESCRIPTION), 1000);
    assert_int_equal(am_field_cap(AM_FIELD_NAME), 40);
    assert_int_equal(am_field_cap(AM_FIELD_RESOLUTION_TEXT), 300);
    assert_int_equal(am_field_cap(AM_FIELD_COMMENT), 500);
    assert_int_equal(am_field_cap(AM_FIELD_CONTACT), 120);

    am_report r;
    assert_ptr_equal(am_report_field(&r, AM_FIELD_DESCRIPTION), r.description);
    assert_ptr_equal(am_report_field(&r, AM_FIELD_NAME), r.first_name);
    assert_ptr_equal(am_report_field(&r, AM_FIELD_RESOLUTION_TEXT), r.resolution_text);
    assert_ptr_equal(am_report_field(&r, AM_FIELD_COMMENT), r.comment);
    assert_ptr_equal(am_report_field(&r, AM_FIELD_CONTACT), r.contact);
    assert_null(am_report_field(&r, AM_FIELD_NONE));
}

static void effects_need_store_unless_only_wipe(void **state)
{
    (void)state;
    am_effects fx = {0};
    assert_false(am_effects_need_store(&fx));
    fx.items[fx.count++] = (am_effect){AM_FX_WIPE, 0};
    assert_false(am_effects_need_store(&fx));
    for (int t = 0; t < AM_FX_WIPE; t++) {
        fx.count = 1;
        fx.items[fx.count++] = (am_effect){(am_effect_type)t, 0};
        assert_true(am_effects_need_store(&fx));
    }
}

/* ---- attract ------------------------------------------------------------- */

static void attract_start_goes_to_category(void **state)
{
    harness *h = *state;
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_int_equal(am_journey_lang(h->j), AM_LANG_FR);
    assert_false(am_journey_can_next(h->j));
    assert_ok(send(h, AM_EV_START, 0));
    assert_screen(h, AM_SCREEN_CATEGORY);
    assert_trace(h, "");
    assert_false(am_journey_committed(h->j));
    assert_int_equal(h->store.writes, 0);
}

static void attract_lang_sets_report_lang(void **state)
{
    harness *h = *state;
    assert_ok(send(h, AM_EV_LANG, AM_LANG_AR));
    assert_int_equal(am_journey_lang(h->j), AM_LANG_AR);
    assert_int_equal(REPORT(h)->lang, AM_LANG_AR);
    assert_invalid(send(h, AM_EV_LANG, AM_LANG_COUNT));
    assert_refusal(h, "no such language");
    assert_invalid(send(h, AM_EV_LANG, -1));
    assert_int_equal(am_journey_lang(h->j), AM_LANG_AR);
    /* The choice carries into the journey and can change on any screen. */
    to_details(h, CAT_ROOM);
    assert_int_equal(am_journey_lang(h->j), AM_LANG_AR);
    assert_ok(send(h, AM_EV_LANG, AM_LANG_EN));
    assert_int_equal(REPORT(h)->lang, AM_LANG_EN);
    assert_screen(h, AM_SCREEN_DETAILS);
}

static void attract_manager_gesture_opens_pin(void **state)
{
    harness *h = *state;
    assert_ok(send(h, AM_EV_MANAGER, 0));
    assert_screen(h, AM_SCREEN_MANAGER_PIN);
    /* The gesture means nothing during a journey. */
    assert_ok(send(h, AM_EV_BACK, 0));
    to_category(h);
    assert_ignored(send(h, AM_EV_MANAGER, 0));
    assert_screen(h, AM_SCREEN_CATEGORY);
}

static void attract_back_and_idle_do_nothing(void **state)
{
    harness *h = *state;
    assert_ignored(send(h, AM_EV_BACK, 0));
    assert_refusal(h, "choose what went wrong, or tap start to begin");
    assert_ignored(send(h, AM_EV_NEXT, 0));
    assert_invalid(send(h, AM_EV_CATEGORY, CAT_COUNT));
    assert_refusal(h, "no such category");
    assert_int_equal(am_journey_deadline(h->j), INT64_MAX);
    assert_ok(wait_s(h, 3600));
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_false(am_journey_prompting(h->j, h->now, NULL));
    assert_trace(h, "");
    assert_int_equal(h->wipes, 0);
}

/* A category tile on attract starts the report with it: one tap fewer than
 * start, then the tile. Nothing is stored yet; back offers every category. */
static void attract_category_tile_goes_to_details(void **state)
{
    harness *h = *state;
    assert_ok(send(h, AM_EV_CATEGORY, CAT_NOISE));
    assert_screen(h, AM_SCREEN_DETAILS);
    assert_string_equal(REPORT(h)->category, "noise");
    assert_trace(h, "");
    assert_int_equal(h->store.writes, 0);
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_CATEGORY);
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_trace(h, "wipe");
    assert_report_clear(REPORT(h), AM_LANG_FR);
}

/* ---- category ------------------------------------------------------------ */

static void category_choice_goes_to_details(void **state)
{
    harness *h = *state;
    to_category(h);
    assert_false(am_journey_can_next(h->j));
    assert_ignored(send(h, AM_EV_NEXT, 0));
    assert_refusal(h, "choose what went wrong first");
    assert_ok(send(h, AM_EV_CATEGORY, CAT_NOISE));
    assert_screen(h, AM_SCREEN_DETAILS);
    assert_string_equal(REPORT(h)->category, "noise");
    /* No field is focused, so the keyboard stays down until a tap. */
    assert_int_equal(am_journey_focus(h->j), AM_FIELD_NONE);
    assert_ignored(type_text(h, "typed before any tap"));
    assert_refusal(h, "tap a field first");
    assert_string_equal(REPORT(h)->description, "");
    assert_trace(h, "");
    assert_int_equal(h->store.writes, 0);
}

static void category_out_of_range_is_invalid(void **state)
{
    harness *h = *state;
    to_category(h);
    assert_invalid(send(h, AM_EV_CATEGORY, CAT_COUNT));
    assert_refusal(h, "no such category");
    assert_invalid(send(h, AM_EV_CATEGORY, -1));
    assert_screen(h, AM_SCREEN_CATEGORY);
    assert_string_equal(REPORT(h)->category, "");
}

static void category_back_cancels_and_stores_nothing(void **state)
{
    harness *h = *state;
    to_details(h, CAT_ROOM);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_DESCRIPTION));
    assert_ok(type_text(h, "the shower is cold"));
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_CATEGORY);
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_trace(h, "wipe");
    assert_int_equal(h->wipes, 1);
    assert_false(am_journey_awaiting_store(h->j));
    assert_int_equal(h->store.writes, 0);
    assert_false(h->store.opened);
    assert_report_clear(REPORT(h), AM_LANG_FR);
}

static void category_idle_before_choosing_just_wipes(void **state)
{
    harness *h = *state;
    assert_ok(send(h, AM_EV_LANG, AM_LANG_AR));
    to_category(h);
    assert_int_equal(am_journey_deadline(h->j), h->now + TIMEOUT_S * 1000);
    assert_ok(wait_s(h, TIMEOUT_S - 1));
    assert_false(am_journey_prompting(h->j, h->now, NULL));
    assert_ok(wait_s(h, 1));
    int left = -1;
    assert_true(am_journey_prompting(h->j, h->now, &left));
    assert_int_equal(left, COUNTDOWN_S);
    assert_screen(h, AM_SCREEN_CATEGORY);
    assert_ok(wait_s(h, COUNTDOWN_S));
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_trace(h, "wipe");
    assert_int_equal(h->store.writes, 0);
    assert_report_clear(REPORT(h), AM_LANG_FR);
}

static void category_idle_after_choosing_keeps_abandoned(void **state)
{
    harness *h = *state;
    to_details(h, CAT_BILLING);
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_CATEGORY);
    assert_ok(wait_s(h, TIMEOUT_S + COUNTDOWN_S));
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_trace(h, "open_report close_journey:abandoned wipe");
    assert_true(h->store.closed);
    assert_string_equal(h->store.record.category, "billing");
    assert_int_equal(h->store.record.severity, AM_SEVERITY_NONE);
    assert_int_equal(h->store.record.outcome, AM_OUTCOME_ABANDONED);
    assert_report_clear(REPORT(h), AM_LANG_FR);
}

/* ---- details ------------------------------------------------------------- */

static void details_next_needs_severity(void **state)
{
    harness *h = *state;
    to_details(h, CAT_ROOM);
    assert_false(am_journey_can_next(h->j));
    assert_ignored(send(h, AM_EV_NEXT, 0));
    assert_refusal(h, "choose how much it affected you first");
    assert_screen(h, AM_SCREEN_DETAILS);
    assert_trace(h, "");
    assert_invalid(send(h, AM_EV_IMPACT, AM_SEVERITY_NONE));
    assert_invalid(send(h, AM_EV_IMPACT, AM_SEVERITY_SEVERE + 1));
    assert_ok(send(h, AM_EV_IMPACT, AM_SEVERITY_SIGNIFICANT));
    assert_int_equal(REPORT(h)->severity, AM_SEVERITY_SIGNIFICANT);
    assert_true(am_journey_can_next(h->j));
}

static void details_text_goes_to_focused_field(void **state)
{
    harness *h = *state;
    to_details(h, CAT_ROOM);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_DESCRIPTION));
    assert_ok(type_text(h, "Towels "));
    assert_ok(type_text(h, "missing"));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_NAME));
    assert_int_equal(am_journey_focus(h->j), AM_FIELD_NAME);
    assert_ok(type_text(h, "Ana"));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_DESCRIPTION));
    assert_ok(send(h, AM_EV_BACKSPACE, 0));
    assert_string_equal(REPORT(h)->description, "Towels missin");
    assert_string_equal(REPORT(h)->first_name, "Ana");
    /* Fields of other screens cannot be focused here. */
    assert_ignored(send(h, AM_EV_FOCUS, AM_FIELD_CONTACT));
    assert_refusal(h, "that field is not on this screen");
    assert_invalid(send(h, AM_EV_FOCUS, AM_FIELD_COUNT));
    assert_invalid(send(h, AM_EV_FOCUS, AM_FIELD_NONE));
    assert_int_equal(am_journey_focus(h->j), AM_FIELD_DESCRIPTION);
}

static void details_next_opens_report_and_waits_for_store(void **state)
{
    harness *h = *state;
    h->auto_store = false;
    to_details(h, CAT_ROOM);
    assert_ok(send(h, AM_EV_IMPACT, AM_SEVERITY_MINOR));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "open_report");
    /* Not acknowledged until the store answers. */
    assert_screen(h, AM_SCREEN_DETAILS);
    assert_true(am_journey_awaiting_store(h->j));
    assert_false(am_journey_committed(h->j));
    assert_false(am_journey_can_next(h->j));
    assert_int_equal(am_journey_deadline(h->j), INT64_MAX);
    assert_ok(answer(h, true));
    assert_screen(h, AM_SCREEN_APOLOGY);
    assert_true(am_journey_committed(h->j));
    assert_true(h->store.opened);
    assert_int_equal(h->store.record.outcome, AM_OUTCOME_OPEN);
    assert_string_equal(h->store.record.category, "room");
    assert_int_equal(h->store.alert_count, 0);
}

static void details_severe_raises_alert(void **state)
{
    harness *h = *state;
    to_details(h, CAT_NOISE);
    assert_ok(send(h, AM_EV_IMPACT, AM_SEVERITY_SEVERE));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "open_report raise_alert:severe");
    assert_screen(h, AM_SCREEN_APOLOGY);
    assert_int_equal(h->store.alert_count, 1);
    assert_int_equal(h->store.alerts[0], AM_ALERT_SEVERE);
}

static void details_back_keeps_input(void **state)
{
    harness *h = *state;
    to_details(h, CAT_ROOM);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_DESCRIPTION));
    assert_ok(type_text(h, "dirty sheets"));
    assert_ok(send(h, AM_EV_IMPACT, AM_SEVERITY_MINOR));
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_CATEGORY);
    assert_trace(h, "");
    assert_int_equal(am_journey_focus(h->j), AM_FIELD_NONE);
    /* Typing has nowhere to go on the category screen. */
    assert_ignored(type_text(h, "x"));
    assert_refusal(h, "not possible on this screen");
    assert_ok(send(h, AM_EV_CATEGORY, CAT_NOISE));
    assert_string_equal(REPORT(h)->category, "noise");
    assert_string_equal(REPORT(h)->description, "dirty sheets");
    assert_int_equal(REPORT(h)->severity, AM_SEVERITY_MINOR);
}

static void details_idle_before_commit_keeps_abandoned(void **state)
{
    harness *h = *state;
    to_details(h, CAT_ROOM);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_DESCRIPTION));
    assert_ok(type_text(h, "no hot water"));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_NAME));
    assert_ok(type_text(h, "Ana"));
    assert_ok(send(h, AM_EV_IMPACT, AM_SEVERITY_SEVERE));
    assert_ok(wait_s(h, TIMEOUT_S));
    assert_true(am_journey_prompting(h->j, h->now, NULL));
    h->auto_store = false;
    assert_ok(wait_s(h, COUNTDOWN_S));
    assert_trace(h, "open_report raise_alert:severe_unsent close_journey:abandoned wipe");
    assert_true(am_journey_awaiting_store(h->j));
    /* The app reads the report while it stores it: still whole. */
    assert_string_equal(REPORT(h)->description, "no hot water");
    assert_ok(answer(h, true));
    assert_screen(h, AM_SCREEN_ATTRACT);

    /* Exactly what was given, no more; staff are told of a severe report
     * the guest did not send, marked as such. */
    const am_report *r = &h->store.record;
    assert_true(h->store.closed);
    assert_int_equal(h->store.writes, 1);
    assert_int_equal(r->lang, AM_LANG_FR);
    assert_string_equal(r->category, "room");
    assert_int_equal(r->severity, AM_SEVERITY_SEVERE);
    assert_string_equal(r->description, "no hot water");
    assert_string_equal(r->first_name, "Ana");
    assert_string_equal(r->resolution, "");
    assert_string_equal(r->resolution_text, "");
    assert_string_equal(r->offer, "");
    assert_int_equal(r->offer_state, AM_OFFER_NONE);
    assert_int_equal(r->rating, 0);
    assert_string_equal(r->comment, "");
    assert_string_equal(r->contact, "");
    assert_int_equal(r->consent, AM_CONSENT_UNSET);
    assert_int_equal(r->outcome, AM_OUTCOME_ABANDONED);
    assert_int_equal(h->store.alert_count, 1);
    assert_int_equal(h->store.alerts[0], AM_ALERT_SEVERE_UNSENT);
    assert_report_clear(REPORT(h), AM_LANG_FR);

    /* A lesser impact left unsent raises nothing. */
    h->auto_store = true;
    memset(&h->store, 0, sizeof h->store);
    to_details(h, CAT_ROOM);
    assert_ok(send(h, AM_EV_IMPACT, AM_SEVERITY_SIGNIFICANT));
    assert_ok(wait_s(h, TIMEOUT_S));
    assert_ok(wait_s(h, COUNTDOWN_S));
    assert_trace(h, "open_report close_journey:abandoned wipe");
    assert_int_equal(h->store.alert_count, 0);
}

/* ---- apology ------------------------------------------------------------- */

/* The apology and what would make this right are one screen: an option
 * that needs no words moves on at once, saved with its action. */
static void apology_option_goes_on_and_back_is_refused(void **state)
{
    harness *h = *state;
    to_apology(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_false(am_journey_can_next(h->j));
    assert_ignored(send(h, AM_EV_BACK, 0));
    assert_refusal(h, "your report is already sent and cannot be changed");
    assert_screen(h, AM_SCREEN_APOLOGY);
    assert_ignored(send(h, AM_EV_SKIP, 0));
    assert_ok(send(h, AM_EV_RESOLUTION, RES_CLEAN));
    assert_trace(h, "save_report record_offer:shown");
    assert_screen(h, AM_SCREEN_OFFER);
    assert_string_equal(h->store.record.resolution, "clean_again");
}

static void apology_idle_closes_committed_as_abandoned(void **state)
{
    harness *h = *state;
    to_apology(h, CAT_NOISE, AM_SEVERITY_SIGNIFICANT);
    assert_ok(wait_s(h, TIMEOUT_S + COUNTDOWN_S));
    assert_trace(h, "close_journey:abandoned wipe");
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_int_equal(h->store.writes, 2);
    assert_int_equal(h->store.record.outcome, AM_OUTCOME_ABANDONED);
    assert_string_equal(h->store.record.category, "noise");
    assert_report_clear(REPORT(h), AM_LANG_FR);
}

/* ---- resolution ------------------------------------------------------------ */

static void resolution_options_follow_category(void **state)
{
    harness *h = *state;
    to_apology(h, CAT_ROOM, AM_SEVERITY_MINOR);
    /* refund belongs to billing, not to room. */
    assert_invalid(send(h, AM_EV_RESOLUTION, RES_REFUND));
    assert_refusal(h, "no such option");
    assert_invalid(send(h, AM_EV_RESOLUTION, RES_COUNT));
    assert_invalid(send(h, AM_EV_RESOLUTION, -1));
    assert_string_equal(REPORT(h)->resolution, "");
    assert_screen(h, AM_SCREEN_APOLOGY);
    /* Each offered option is taken (and moves on; back returns here). */
    const int allowed[] = {RES_CLEAN, RES_MOVE, RES_STAFF, RES_OTHER};
    const char *ids[] = {"clean_again", "move_room", "staff_now", "other"};
    for (int i = 0; i < 4; i++) {
        assert_ok(send(h, AM_EV_RESOLUTION, allowed[i]));
        assert_string_equal(REPORT(h)->resolution, ids[i]);
        if (am_journey_screen(h->j) != AM_SCREEN_APOLOGY) {
            assert_ok(send(h, AM_EV_BACK, 0));
            assert_screen(h, AM_SCREEN_APOLOGY);
        }
    }
}

static void resolution_next_needs_choice(void **state)
{
    harness *h = *state;
    to_apology(h, CAT_BILLING, AM_SEVERITY_MINOR);
    assert_false(am_journey_can_next(h->j));
    assert_ignored(send(h, AM_EV_NEXT, 0));
    assert_refusal(h, "choose what would make this right first");
    assert_trace(h, "");
    /* billing has no offer: straight on to the last screen. */
    assert_ok(send(h, AM_EV_RESOLUTION, RES_REFUND));
    assert_trace(h, "save_report");
    assert_screen(h, AM_SCREEN_FOLLOWUP);
    assert_int_equal(am_journey_offer(h->j), -1);
    assert_string_equal(h->store.record.resolution, "refund");
    assert_int_equal(h->store.record.offer_state, AM_OFFER_NONE);
}

static void resolution_other_asks_for_text(void **state)
{
    harness *h = *state;
    to_apology(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_int_equal(am_journey_focus(h->j), AM_FIELD_NONE);
    assert_ignored(send(h, AM_EV_FOCUS, AM_FIELD_RESOLUTION_TEXT));
    assert_refusal(h, "choose \"something else\" first");
    assert_ignored(type_text(h, "x"));
    assert_refusal(h, "tap a field first");
    /* "Something else" needs words: it stays, opens its field and waits
     * for a tap on it before the keyboard shows. */
    assert_ok(send(h, AM_EV_RESOLUTION, RES_OTHER));
    assert_screen(h, AM_SCREEN_APOLOGY);
    assert_trace(h, "");
    assert_true(am_journey_can_next(h->j));
    assert_int_equal(am_journey_focus(h->j), AM_FIELD_NONE);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_RESOLUTION_TEXT));
    assert_int_equal(am_journey_focus(h->j), AM_FIELD_RESOLUTION_TEXT);
    assert_ok(type_text(h, "a quieter room"));
    assert_string_equal(REPORT(h)->resolution_text, "a quieter room");
    /* Another option: the words no longer belong to the choice. */
    assert_ok(send(h, AM_EV_RESOLUTION, RES_MOVE));
    assert_int_equal(am_journey_focus(h->j), AM_FIELD_NONE);
    assert_string_equal(REPORT(h)->resolution_text, "");
    assert_screen(h, AM_SCREEN_OFFER);
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_ok(send(h, AM_EV_RESOLUTION, RES_OTHER));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_RESOLUTION_TEXT));
    assert_ok(type_text(h, "fresh towels"));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_screen(h, AM_SCREEN_OFFER);
    assert_string_equal(h->store.record.resolution, "other");
    assert_string_equal(h->store.record.resolution_text, "fresh towels");
}

static void resolution_staff_now_alerts_once(void **state)
{
    harness *h = *state;
    to_apology(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_trace(h, "save_report raise_alert:staff_now record_offer:shown");
    assert_screen(h, AM_SCREEN_OFFER);
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_APOLOGY);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_trace(h, "save_report");
    assert_int_equal(h->store.alert_count, 1);
    assert_int_equal(h->store.alerts[0], AM_ALERT_STAFF_NOW);
    /* No offer for billing: straight on to the wait for staff. */
    am_journey_free(h->j);
    h->j = am_journey_new(h->cfg, h->now);
    memset(&h->store, 0, sizeof h->store);
    to_apology(h, CAT_BILLING, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_trace(h, "save_report raise_alert:staff_now");
    assert_screen(h, AM_SCREEN_STAFF_WAIT);
}

/* What a resolution commits to is what it raises: notify tells its team,
 * callback queues a call back, none raises nothing. */
static void resolution_action_raises_its_alert(void **state)
{
    harness *h = *state;
    h->cfg->resolutions[RES_CLEAN].action = AM_ACTION_NOTIFY;
    h->cfg->resolutions[RES_MOVE].action = AM_ACTION_CALLBACK;
    to_apology(h, CAT_NOISE, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_MOVE));
    assert_trace(h, "save_report raise_alert:callback record_offer:shown");
    am_journey_free(h->j);
    h->j = am_journey_new(h->cfg, h->now);
    memset(&h->store, 0, sizeof h->store);
    to_apology(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_CLEAN));
    assert_trace(h, "save_report raise_alert:notify record_offer:shown");
    assert_int_equal(h->store.alert_count, 1);
    assert_int_equal(h->store.alerts[0], AM_ALERT_NOTIFY);
    am_journey_free(h->j);
    h->j = am_journey_new(h->cfg, h->now);
    memset(&h->store, 0, sizeof h->store);
    h->cfg->resolutions[RES_CLEAN].action = AM_ACTION_NONE;
    to_apology(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_CLEAN));
    assert_trace(h, "save_report record_offer:shown");
}

/* thanks shows the case code as "Your reference" only for a report whose
 * alerts open a case at the hub, and only when the hub will hear of it. */
static void reference_only_for_a_case_the_hub_opens(void **state)
{
    harness *h = *state;
    snprintf(h->cfg->sync.url, sizeof h->cfg->sync.url, "https://hub.example");
    to_thanks(h); /* minor, a clean room: no alert, no case */
    am_journey_set_case_code(h->j, "K1-7K2M");
    assert_null(am_journey_reference(h->j));
}

static void reference_for_a_severe_report(void **state)
{
    harness *h = *state;
    snprintf(h->cfg->sync.url, sizeof h->cfg->sync.url, "https://hub.example");
    to_apology(h, CAT_ROOM, AM_SEVERITY_SEVERE); /* raises severe: a case */
    assert_null(am_journey_reference(h->j));     /* no code yet */
    am_journey_set_case_code(h->j, "K1-7K2M");
    assert_string_equal(am_journey_reference(h->j), "K1-7K2M");
    h->cfg->sync.url[0] = '\0'; /* nothing will carry it to the hub */
    assert_null(am_journey_reference(h->j));
    snprintf(h->cfg->sync.url, sizeof h->cfg->sync.url, "https://hub.example");
    /* Forgotten with the journey. */
    assert_ok(wait_s(h, TIMEOUT_S + COUNTDOWN_S));
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_null(am_journey_reference(h->j));
}

/* Who took the call is kept only on staff_wait, as the hub said it, and
 * forgotten with the journey. */
static void taken_only_on_staff_wait(void **state)
{
    harness *h = *state;
    to_thanks(h);
    am_journey_set_taken(h->j, "Sam", "Front Desk");
    assert_null(am_journey_taken_by(h->j, NULL));
}

static void resolution_idle_closes_abandoned(void **state)
{
    harness *h = *state;
    to_apology(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_OTHER));
    assert_ok(wait_s(h, TIMEOUT_S + COUNTDOWN_S));
    assert_trace(h, "close_journey:abandoned wipe");
    assert_screen(h, AM_SCREEN_ATTRACT);
    /* Chosen but not confirmed with next: still what the guest gave. */
    assert_string_equal(h->store.record.resolution, "other");
    assert_int_equal(h->store.record.outcome, AM_OUTCOME_ABANDONED);
}

/* ---- the data that reaches the store ------------------------------------------------ */

static void completed_journey_stores_every_field(void **state)
{
    harness *h = *state;
    assert_ok(send(h, AM_EV_LANG, AM_LANG_AR));
    to_details(h, CAT_ROOM);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_DESCRIPTION));
    assert_ok(type_text(h, "Stain on the \"clean\" sheets, again"));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_NAME));
    assert_ok(type_text(h, "Zo\xc3\xab"));
    assert_ok(send(h, AM_EV_IMPACT, AM_SEVERITY_SIGNIFICANT));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "open_report");
    assert_ok(send(h, AM_EV_RESOLUTION, RES_OTHER));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_RESOLUTION_TEXT));
    assert_ok(type_text(h, "new sheets, now"));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "save_report record_offer:shown");
    assert_ok(send(h, AM_EV_OFFER_ACCEPT, 0));
    am_journey_set_voucher(h->j, "AMX-7Q2-K9P");
    assert_ok(send(h, AM_EV_RATE, 4));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_COMMENT));
    assert_ok(type_text(h, "thank you \xf0\x9f\x99\x8f"));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_CONTACT));
    assert_ok(type_text(h, "zoe@example.com"));
    assert_ok(send(h, AM_EV_CONSENT, AM_CONSENT_YES));
    assert_ok(send(h, AM_EV_DONE, 0));
    assert_trace(h, "close_journey:completed");
    assert_screen(h, AM_SCREEN_THANKS);
    assert_string_equal(REPORT(h)->voucher, "AMX-7Q2-K9P");

    const am_report *r = &h->store.record;
    assert_true(h->store.closed);
    assert_int_equal(h->store.writes, 4);
    assert_int_equal(r->lang, AM_LANG_AR);
    assert_string_equal(r->category, "room");
    assert_int_equal(r->severity, AM_SEVERITY_SIGNIFICANT);
    assert_string_equal(r->description, "Stain on the \"clean\" sheets, again");
    assert_string_equal(r->first_name, "Zo\xc3\xab");
    assert_string_equal(r->resolution, "other");
    assert_string_equal(r->resolution_text, "new sheets, now");
    assert_string_equal(r->offer, "breakfast");
    assert_int_equal(r->offer_value_minor, BREAKFAST_VALUE);
    assert_int_equal(r->offer_state, AM_OFFER_ACCEPTED);
    assert_string_equal(r->voucher, "AMX-7Q2-K9P");
    assert_int_equal(r->rating, 4);
    assert_string_equal(r->comment, "thank you \xf0\x9f\x99\x8f");
    assert_string_equal(r->contact, "zoe@example.com");
    assert_int_equal(r->consent, AM_CONSENT_YES);
    assert_int_equal(r->outcome, AM_OUTCOME_COMPLETED);
    assert_int_equal(h->store.alert_count, 0);
    assert_int_equal(h->store.offer_event_count, 2);

    assert_ok(send(h, AM_EV_DONE, 0));
    assert_report_clear(REPORT(h), AM_LANG_FR);
}

static void abandoned_after_commit_stores_what_was_given(void **state)
{
    harness *h = *state;
    to_followup_unrated(h); /* room, minor, clean_again, breakfast declined */
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_COMMENT));
    assert_ok(type_text(h, "typed, never sent"));
    h->auto_store = false;
    assert_ok(wait_s(h, TIMEOUT_S + COUNTDOWN_S));
    assert_trace(h, "close_journey:abandoned wipe");
    assert_ok(answer(h, true));

    const am_report *r = &h->store.record;
    assert_int_equal(r->lang, AM_LANG_FR);
    assert_string_equal(r->category, "room");
    assert_int_equal(r->severity, AM_SEVERITY_MINOR);
    assert_string_equal(r->description, "");
    assert_string_equal(r->first_name, "");
    assert_string_equal(r->resolution, "clean_again");
    assert_string_equal(r->resolution_text, "");
    assert_string_equal(r->offer, "breakfast");
    assert_int_equal(r->offer_value_minor, BREAKFAST_VALUE);
    assert_int_equal(r->offer_state, AM_OFFER_DECLINED);
    assert_string_equal(r->voucher, "");
    assert_int_equal(r->rating, 0);
    assert_string_equal(r->comment, "typed, never sent");
    assert_string_equal(r->contact, "");
    assert_int_equal(r->consent, AM_CONSENT_UNSET);
    assert_int_equal(r->outcome, AM_OUTCOME_ABANDONED);
    assert_true(h->store.closed);
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_report_clear(REPORT(h), AM_LANG_FR);
}

/* A crash leaves the journey as the last OPEN/SAVE left it; the store marks
 * it interrupted at the next start. */
static void interrupted_journey_keeps_last_save(void **state)
{
    harness *h = *state;
    to_apology(h, CAT_NOISE, AM_SEVERITY_SEVERE);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_trace(h, "save_report raise_alert:staff_now record_offer:shown");
    assert_ok(send(h, AM_EV_OFFER_ACCEPT, 0));
    assert_screen(h, AM_SCREEN_STAFF_WAIT);
    /* ...and the power goes while the guest waits for staff. */
    const am_report *r = &h->store.record;
    assert_true(h->store.opened);
    assert_false(h->store.closed);
    assert_int_equal(r->outcome, AM_OUTCOME_OPEN);
    assert_string_equal(r->category, "noise");
    assert_int_equal(r->severity, AM_SEVERITY_SEVERE);
    assert_string_equal(r->resolution, "staff_now");
    assert_string_equal(r->offer, "drink");
    assert_int_equal(r->offer_value_minor, DRINK_VALUE);
    assert_int_equal(r->offer_state, AM_OFFER_ACCEPTED);
    assert_int_equal(r->rating, 0);
    assert_string_equal(r->comment, "");
    assert_int_equal(h->store.alert_count, 2);
    assert_int_equal(h->store.alerts[0], AM_ALERT_SEVERE);
    assert_int_equal(h->store.alerts[1], AM_ALERT_STAFF_NOW);
    am_outcome o;
    assert_int_equal(am_outcome_parse("interrupted", &o), AM_OK);
    assert_int_equal(o, AM_OUTCOME_INTERRUPTED);
}

/* ---- text ------------------------------------------------------------------------ */

static void text_invalid_utf8_leaves_field(void **state)
{
    harness *h = *state;
    to_details(h, CAT_ROOM);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_DESCRIPTION));
    assert_ok(type_text(h, "keep"));
    const char *bad[] = {"\xc3", "ok\xff", "\xed\xa0\x80", "\xc0\xaf", "\xf0\x9f\x98"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_invalid(type_text(h, bad[i]));
        assert_refusal(h, "that text is not valid UTF-8");
        assert_string_equal(REPORT(h)->description, "keep");
    }
    assert_invalid(type_text(h, NULL));
    assert_ok(type_text(h, ""));
    assert_string_equal(REPORT(h)->description, "keep");
}

static void text_capped_in_characters(void **state)
{
    harness *h = *state;
    to_details(h, CAT_ROOM);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_NAME));
    /* 39 ASCII letters, then an emoji fits as the 40th; nothing after. */
    char name[64];
    memset(name, 'a', 39);
    name[39] = '\0';
    assert_ok(type_text(h, name));
    assert_ok(type_text(h, "\xf0\x9f\x98\x80\xf0\x9f\x98\x81"));
    assert_int_equal(am_utf8_count(REPORT(h)->first_name), AM_CAP_NAME);
    assert_int_equal(strlen(REPORT(h)->first_name), 39 + 4);
    assert_memory_equal(REPORT(h)->first_name + 39, "\xf0\x9f\x98\x80", 5);
    assert_ok(type_text(h, "b"));
    assert_int_equal(strlen(REPORT(h)->first_name), 39 + 4);

    /* A description of 1000 four-byte characters fills the buffer exactly. */
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_DESCRIPTION));
    for (int i = 0; i < AM_CAP_DESCRIPTION + 5; i++)
        assert_ok(type_text(h, "\xf0\x9f\x8d\x95"));
    assert_int_equal(am_utf8_count(REPORT(h)->description), AM_CAP_DESCRIPTION);
    assert_int_equal(strlen(REPORT(h)->description), AM_CAP_DESCRIPTION * 4);
    assert_true(am_utf8_valid(REPORT(h)->description, strlen(REPORT(h)->description)));
}

static void text_round_trips_unchanged(void **state)
{
    harness *h = *state;
    const char *tricky =
        "quote \" apostrophe ' comma , newline\nsecond line\r\n'; DROP TABLE journeys; --"
        " \xf0\x9f\x98\xa1\xe2\x9d\xa4\xef\xb8\x8f \xd8\xb4\xd9\x83\xd8\xb1\xd8\xa7 \\ %s %n";
    to_details(h, CAT_ROOM);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_DESCRIPTION));
    assert_ok(type_text(h, tricky));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_NAME));
    assert_ok(type_text(h, "O'Brien, \"Jo\""));
    assert_ok(send(h, AM_EV_IMPACT, AM_SEVERITY_MINOR));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_string_equal(h->store.record.description, tricky);
    assert_string_equal(h->store.record.first_name, "O'Brien, \"Jo\"");
}

static void text_backspace_and_focus_rules(void **state)
{
    harness *h = *state;
    to_details(h, CAT_ROOM);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_DESCRIPTION));
    assert_ok(type_text(h, "a\xc3\xa9\xf0\x9f\x98\xa1"));
    assert_ok(send(h, AM_EV_BACKSPACE, 0));
    assert_string_equal(REPORT(h)->description, "a\xc3\xa9");
    assert_ok(send(h, AM_EV_BACKSPACE, 0));
    assert_ok(send(h, AM_EV_BACKSPACE, 0));
    assert_ok(send(h, AM_EV_BACKSPACE, 0));
    assert_string_equal(REPORT(h)->description, "");
    /* No field focused: typing goes nowhere. */
    assert_ok(send(h, AM_EV_IMPACT, AM_SEVERITY_MINOR));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_screen(h, AM_SCREEN_APOLOGY);
    assert_ignored(send(h, AM_EV_BACKSPACE, 0));
    assert_refusal(h, "tap a field first");
}

/* ---- wipe ------------------------------------------------------------------------ */

static void wipe_clears_every_field(void **state)
{
    harness *h = *state;
    /* Fill every field, then cancel from the idle prompt path. */
    assert_ok(send(h, AM_EV_LANG, AM_LANG_AR));
    to_details(h, CAT_ROOM);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_DESCRIPTION));
    assert_ok(type_text(h, "desc"));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_NAME));
    assert_ok(type_text(h, "name"));
    assert_ok(send(h, AM_EV_IMPACT, AM_SEVERITY_MINOR));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_ok(send(h, AM_EV_RESOLUTION, RES_OTHER));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_RESOLUTION_TEXT));
    assert_ok(type_text(h, "other text"));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_ok(send(h, AM_EV_OFFER_ACCEPT, 0));
    am_journey_set_voucher(h->j, "CODE");
    assert_ok(send(h, AM_EV_RATE, 5));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_COMMENT));
    assert_ok(type_text(h, "comment"));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_CONTACT));
    assert_ok(type_text(h, "contact"));
    assert_ok(send(h, AM_EV_CONSENT, AM_CONSENT_YES));
    assert_ok(send(h, AM_EV_DONE, 0));
    assert_screen(h, AM_SCREEN_THANKS);
    const am_report *r = REPORT(h);
    assert_string_equal(r->voucher, "CODE");
    assert_string_equal(r->contact, "contact");
    assert_ok(send(h, AM_EV_DONE, 0));
    assert_report_clear(REPORT(h), AM_LANG_FR);
    assert_int_equal(am_journey_offer(h->j), -1);
    assert_false(am_journey_committed(h->j));
    assert_int_equal(am_journey_focus(h->j), AM_FIELD_NONE);

    /* The next guest starts clean, alerts and offers included. */
    am_journey_set_spend(h->j, 0, 0);
    memset(&h->store, 0, sizeof h->store);
    to_apology(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_trace(h, "save_report raise_alert:staff_now record_offer:shown");
}

static void new_journey_starts_clear_and_free_accepts_null(void **state)
{
    harness *h = *state;
    assert_report_clear(REPORT(h), AM_LANG_FR);
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_int_equal(am_journey_focus(h->j), AM_FIELD_NONE);
    assert_false(am_journey_committed(h->j));
    assert_false(am_journey_awaiting_store(h->j));
    assert_int_equal(am_journey_offer(h->j), -1);
    assert_string_equal(am_journey_refusal(h->j), "");
    assert_null(am_journey_new(NULL, 0));
    am_journey_free(NULL);

    /* An out-of-range default language falls back to English. */
    h->cfg->kiosk.default_language = 99;
    am_journey *other = am_journey_new(h->cfg, 0);
    assert_non_null(other);
    assert_int_equal(am_journey_lang(other), AM_LANG_EN);
    am_journey_free(other);
}

static void voucher_is_capped_and_cleared(void **state)
{
    harness *h = *state;
    char long_code[64];
    memset(long_code, 'V', sizeof long_code - 1);
    long_code[63] = '\0';
    am_journey_set_voucher(h->j, long_code);
    assert_int_equal(strlen(REPORT(h)->voucher), AM_VOUCHER_MAX - 1);
    am_journey_set_voucher(h->j, NULL);
    assert_string_equal(REPORT(h)->voucher, "");
}

static void unknown_event_is_invalid(void **state)
{
    harness *h = *state;
    assert_invalid(send(h, AM_EV_COUNT, 0));
    assert_refusal(h, "unknown event");
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_ok(send(h, AM_EV_START, 0));
    assert_string_equal(am_journey_refusal(h->j), "");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(names_screen_ids_round_trip),
    cmocka_unit_test(names_of_states_events_and_effects),
    cmocka_unit_test(names_fields_widgets_and_caps),
    cmocka_unit_test(effects_need_store_unless_only_wipe),
    cmocka_unit_test_setup_teardown(attract_start_goes_to_category, setup, teardown),
    cmocka_unit_test_setup_teardown(attract_lang_sets_report_lang, setup, teardown),
    cmocka_unit_test_setup_teardown(attract_manager_gesture_opens_pin, setup, teardown),
    cmocka_unit_test_setup_teardown(attract_back_and_idle_do_nothing, setup, teardown),
    cmocka_unit_test_setup_teardown(attract_category_tile_goes_to_details, setup, teardown),
    cmocka_unit_test_setup_teardown(category_choice_goes_to_details, setup, teardown),
    cmocka_unit_test_setup_teardown(category_out_of_range_is_invalid, setup, teardown),
    cmocka_unit_test_setup_teardown(category_back_cancels_and_stores_nothing, setup, teardown),
    cmocka_unit_test_setup_teardown(category_idle_before_choosing_just_wipes, setup, teardown),
    cmocka_unit_test_setup_teardown(category_idle_after_choosing_keeps_abandoned, setup, teardown),
    cmocka_unit_test_setup_teardown(details_next_needs_severity, setup, teardown),
    cmocka_unit_test_setup_teardown(details_text_goes_to_focused_field, setup, teardown),
    cmocka_unit_test_setup_teardown(details_next_opens_report_and_waits_for_store, setup, teardown),
    cmocka_unit_test_setup_teardown(details_severe_raises_alert, setup, teardown),
    cmocka_unit_test_setup_teardown(details_back_keeps_input, setup, teardown),
    cmocka_unit_test_setup_teardown(details_idle_before_commit_keeps_abandoned, setup, teardown),
    cmocka_unit_test_setup_teardown(apology_option_goes_on_and_back_is_refused, setup, teardown),
    cmocka_unit_test_setup_teardown(apology_idle_closes_committed_as_abandoned, setup, teardown),
    cmocka_unit_test_setup_teardown(resolution_options_follow_category, setup, teardown),
    cmocka_unit_test_setup_teardown(resolution_next_needs_choice, setup, teardown),
    cmocka_unit_test_setup_teardown(resolution_other_asks_for_text, setup, teardown),
    cmocka_unit_test_setup_teardown(resolution_staff_now_alerts_once, setup, teardown),
    cmocka_unit_test_setup_teardown(resolution_action_raises_its_alert, setup, teardown),
    cmocka_unit_test_setup_teardown(reference_only_for_a_case_the_hub_opens, setup, teardown),
    cmocka_unit_test_setup_teardown(reference_for_a_severe_report, setup, teardown),
    cmocka_unit_test_setup_teardown(taken_only_on_staff_wait, setup, teardown),
    cmocka_unit_test_setup_teardown(resolution_idle_closes_abandoned, setup, teardown),
    cmocka_unit_test_setup_teardown(completed_journey_stores_every_field, setup, teardown),
    cmocka_unit_test_setup_teardown(abandoned_after_commit_stores_what_was_given, setup, teardown),
    cmocka_unit_test_setup_teardown(interrupted_journey_keeps_last_save, setup, teardown),
    cmocka_unit_test_setup_teardown(text_invalid_utf8_leaves_field, setup, teardown),
    cmocka_unit_test_setup_teardown(text_capped_in_characters, setup, teardown),
    cmocka_unit_test_setup_teardown(text_round_trips_unchanged, setup, teardown),
    cmocka_unit_test_setup_teardown(text_backspace_and_focus_rules, setup, teardown),
    cmocka_unit_test_setup_teardown(wipe_clears_every_field, setup, teardown),
    cmocka_unit_test_setup_teardown(new_journey_starts_clear_and_free_accepts_null, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(voucher_is_capped_and_cleared, setup, teardown),
    cmocka_unit_test_setup_teardown(unknown_event_is_invalid, setup, teardown),
};

AM_TEST_MAIN(tests)
