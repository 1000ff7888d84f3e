/* test_journey_offer.c — the journey from the offer to the thanks screen:
 * budget and offers, the follow-up (rating and contact), urgent delivery and
 * staff_now.
 *
 * The harness is in journey_fixture.h.
 */
#include "journey_fixture.h"

/* ---- offer ------------------------------------------------------------------ */

static void offer_shown_then_accepted(void **state)
{
    harness *h = *state;
    am_journey_set_spend(h->j, 1000, 1);
    to_apology(h, CAT_ROOM, AM_SEVERITY_SIGNIFICANT);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_CLEAN));
    assert_trace(h, "save_report record_offer:shown");
    assert_screen(h, AM_SCREEN_OFFER);
    assert_int_equal(am_journey_offer(h->j), OFFER_BREAKFAST);
    assert_int_equal(REPORT(h)->offer_state, AM_OFFER_SHOWN);
    assert_false(am_journey_can_next(h->j));
    assert_ignored(send(h, AM_EV_NEXT, 0));
    assert_refusal(h, "accept or decline the offer first");
    assert_ok(send(h, AM_EV_OFFER_ACCEPT, 0));
    assert_trace(h, "record_offer:accepted");
    assert_screen(h, AM_SCREEN_FOLLOWUP);
    assert_string_equal(h->store.record.offer, "breakfast");
    assert_int_equal(h->store.record.offer_value_minor, BREAKFAST_VALUE);
    assert_int_equal(h->store.record.offer_state, AM_OFFER_ACCEPTED);
    assert_int_equal(h->store.offer_event_count, 2);
    assert_int_equal(h->store.offer_events[0], AM_OFFER_SHOWN);
    assert_int_equal(h->store.offer_events[1], AM_OFFER_ACCEPTED);
}

static void offer_declined(void **state)
{
    harness *h = *state;
    to_offer(h);
    assert_ok(send(h, AM_EV_OFFER_DECLINE, 0));
    assert_trace(h, "record_offer:declined");
    assert_screen(h, AM_SCREEN_FOLLOWUP);
    assert_int_equal(h->store.record.offer_state, AM_OFFER_DECLINED);
    assert_string_equal(h->store.record.offer, "breakfast");
}

static void offer_exactly_at_daily_limit_is_shown(void **state)
{
    harness *h = *state;
    am_journey_set_spend(h->j, DAILY_BUDGET - UPGRADE_VALUE, HOURLY_OFFERS - 1);
    to_apology(h, CAT_ROOM, AM_SEVERITY_SEVERE);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_MOVE));
    assert_trace(h, "save_report record_offer:shown");
    assert_int_equal(REPORT(h)->offer_state, AM_OFFER_SHOWN);
    assert_int_equal(am_journey_offer(h->j), OFFER_UPGRADE);
    assert_string_equal(REPORT(h)->offer, "upgrade");
}

static void offer_one_over_daily_limit_escalates(void **state)
{
    harness *h = *state;
    am_journey_set_spend(h->j, DAILY_BUDGET - BREAKFAST_VALUE + 1, 0);
    to_apology(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_CLEAN));
    assert_trace(h, "save_report raise_alert:over_budget record_offer:escalated");
    assert_screen(h, AM_SCREEN_OFFER);
    assert_int_equal(REPORT(h)->offer_state, AM_OFFER_ESCALATED);
    assert_int_equal(h->store.record.offer_state, AM_OFFER_ESCALATED);
    assert_string_equal(h->store.record.offer, "breakfast");
    assert_int_equal(h->store.alerts[0], AM_ALERT_OVER_BUDGET);
}

static void offer_hourly_cap_escalates(void **state)
{
    harness *h = *state;
    am_journey_set_spend(h->j, 0, HOURLY_OFFERS);
    to_apology(h, CAT_NOISE, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_MOVE));
    assert_trace(h, "save_report raise_alert:over_budget record_offer:escalated");
    assert_int_equal(am_journey_offer(h->j), OFFER_DRINK);
    assert_int_equal(REPORT(h)->offer_state, AM_OFFER_ESCALATED);
}

/* With 30% kept for severe reports, a minor report may use 70% of the
 * day's value and 2 of the 3 offers an hour; a severe one may use all. */
static am_offer_state offer_with_reserve(harness *h, am_severity sev, int64_t spent, int hour)
{
    am_journey_free(h->j);
    h->j = am_journey_new(h->cfg, h->now);
    h->cfg->budget.severe_reserve_percent = 30;
    memset(&h->store, 0, sizeof h->store);
    am_journey_set_spend(h->j, spent, hour);
    to_apology(h, CAT_NOISE, sev);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_MOVE));
    assert_int_equal(am_journey_offer(h->j), OFFER_DRINK);
    return REPORT(h)->offer_state;
}

static void offer_severe_reserve_kept_for_severe(void **state)
{
    harness *h = *state;
    assert_int_equal(offer_with_reserve(h, AM_SEVERITY_MINOR, 7000 - DRINK_VALUE, 0),
                     AM_OFFER_SHOWN);
    assert_int_equal(offer_with_reserve(h, AM_SEVERITY_MINOR, 7000 - DRINK_VALUE + 1, 0),
                     AM_OFFER_ESCALATED);
    assert_int_equal(offer_with_reserve(h, AM_SEVERITY_SIGNIFICANT, 7000 - DRINK_VALUE + 1, 0),
                     AM_OFFER_ESCALATED);
    assert_int_equal(offer_with_reserve(h, AM_SEVERITY_SEVERE, DAILY_BUDGET - DRINK_VALUE, 0),
                     AM_OFFER_SHOWN);
    assert_int_equal(offer_with_reserve(h, AM_SEVERITY_SEVERE, DAILY_BUDGET - DRINK_VALUE + 1, 0),
                     AM_OFFER_ESCALATED);
    assert_int_equal(offer_with_reserve(h, AM_SEVERITY_MINOR, 0, 1), AM_OFFER_SHOWN);
    assert_int_equal(offer_with_reserve(h, AM_SEVERITY_MINOR, 0, 2), AM_OFFER_ESCALATED);
    assert_int_equal(offer_with_reserve(h, AM_SEVERITY_SEVERE, 0, 2), AM_OFFER_SHOWN);
    assert_int_equal(offer_with_reserve(h, AM_SEVERITY_SEVERE, 0, HOURLY_OFFERS),
                     AM_OFFER_ESCALATED);
    /* No reserve: a minor report may use it all, as before. */
    h->cfg->budget.severe_reserve_percent = 0;
    am_journey_free(h->j);
    h->j = am_journey_new(h->cfg, h->now);
    memset(&h->store, 0, sizeof h->store);
    am_journey_set_spend(h->j, DAILY_BUDGET - DRINK_VALUE, 2);
    to_apology(h, CAT_NOISE, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_MOVE));
    assert_int_equal(REPORT(h)->offer_state, AM_OFFER_SHOWN);
}

static void offer_escalated_only_next(void **state)
{
    harness *h = *state;
    am_journey_set_spend(h->j, DAILY_BUDGET, 0);
    to_apology(h, CAT_NOISE, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_MOVE));
    assert_screen(h, AM_SCREEN_OFFER);
    assert_true(am_journey_can_next(h->j));
    assert_ignored(send(h, AM_EV_OFFER_ACCEPT, 0));
    assert_refusal(h, "a manager will contact you about this");
    assert_ignored(send(h, AM_EV_OFFER_DECLINE, 0));
    assert_int_equal(REPORT(h)->offer_state, AM_OFFER_ESCALATED);
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "");
    assert_screen(h, AM_SCREEN_FOLLOWUP);
    /* Back from followup shows the escalation again, with nothing new. */
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_OFFER);
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_APOLOGY);
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "save_report");
    assert_screen(h, AM_SCREEN_OFFER);
    assert_int_equal(h->store.alert_count, 1);
    assert_int_equal(h->store.offer_event_count, 1);
}

static void offer_back_and_return_records_shown_once(void **state)
{
    harness *h = *state;
    to_offer(h);
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_APOLOGY);
    assert_trace(h, "");
    /* Spend since then would now refuse it: an offer shown stays shown. */
    am_journey_set_spend(h->j, DAILY_BUDGET, HOURLY_OFFERS);
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "save_report");
    assert_screen(h, AM_SCREEN_OFFER);
    assert_int_equal(REPORT(h)->offer_state, AM_OFFER_SHOWN);
    assert_int_equal(h->store.offer_event_count, 1);
}

static void offer_decided_earlier_goes_to_followup(void **state)
{
    harness *h = *state;
    to_offer(h);
    assert_ok(send(h, AM_EV_OFFER_ACCEPT, 0));
    assert_screen(h, AM_SCREEN_FOLLOWUP);
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_APOLOGY);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_MOVE));
    assert_trace(h, "save_report");
    assert_screen(h, AM_SCREEN_FOLLOWUP);
    assert_int_equal(h->store.record.offer_state, AM_OFFER_ACCEPTED);
    assert_string_equal(h->store.record.resolution, "move_room");
}

static void offer_idle_closes_abandoned(void **state)
{
    harness *h = *state;
    to_offer(h);
    assert_ok(wait_s(h, TIMEOUT_S + COUNTDOWN_S));
    assert_trace(h, "close_journey:abandoned wipe");
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_int_equal(h->store.record.offer_state, AM_OFFER_SHOWN);
    assert_int_equal(h->store.record.outcome, AM_OUTCOME_ABANDONED);
}

/* ---- followup: rating and comment ------------------------------------------------- */

/* The rating and the follow-up are one optional last screen: a face and a
 * comment are kept with the report when it is finished. */
static void followup_rating_values_and_comment(void **state)
{
    harness *h = *state;
    to_followup_unrated(h);
    assert_true(am_journey_can_next(h->j)); /* everything here is optional */
    assert_invalid(send(h, AM_EV_RATE, 0));
    assert_refusal(h, "ratings go from 1 to 5");
    assert_invalid(send(h, AM_EV_RATE, 6));
    assert_int_equal(REPORT(h)->rating, 0);
    for (int v = 1; v <= 5; v++) {
        assert_ok(send(h, AM_EV_RATE, v));
        assert_int_equal(REPORT(h)->rating, v);
    }
    assert_ok(send(h, AM_EV_RATE, 2));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_COMMENT));
    assert_ok(type_text(h, "slow but kind"));
    assert_true(am_journey_can_next(h->j));
    assert_ok(send(h, AM_EV_DONE, 0));
    assert_trace(h, "close_journey:completed");
    assert_screen(h, AM_SCREEN_THANKS);
    assert_int_equal(h->store.record.rating, 2);
    assert_string_equal(h->store.record.comment, "slow but kind");
}

static void followup_skip_drops_rating_and_comment(void **state)
{
    harness *h = *state;
    to_followup_unrated(h);
    assert_ok(send(h, AM_EV_RATE, 1));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_COMMENT));
    assert_ok(type_text(h, "half a thought"));
    /* Skip asks before it drops what was given... */
    assert_ok(send(h, AM_EV_SKIP, 0));
    assert_trace(h, "");
    assert_int_equal(am_journey_question(h->j), AM_ASK_DISCARD);
    assert_screen(h, AM_SCREEN_FOLLOWUP);
    assert_false(am_journey_can_next(h->j));
    /* ... and "discard and finish" (skip again) does. */
    assert_ok(send(h, AM_EV_SKIP, 0));
    assert_trace(h, "close_journey:completed");
    assert_screen(h, AM_SCREEN_THANKS);
    assert_int_equal(h->store.record.rating, 0);
    assert_string_equal(h->store.record.comment, "");
}

/* With nothing given, Skip finishes in one tap. */
static void followup_skip_with_nothing_given_finishes_at_once(void **state)
{
    harness *h = *state;
    to_followup_unrated(h);
    assert_ok(send(h, AM_EV_CONSENT, AM_CONSENT_NO)); /* a choice, not something typed */
    assert_ok(send(h, AM_EV_SKIP, 0));
    assert_trace(h, "close_journey:completed");
    assert_screen(h, AM_SCREEN_THANKS);
    assert_int_equal(am_journey_question(h->j), AM_ASK_NONE);
}

/* "Keep it" (BACK) returns to the screen with everything as it was. */
static void followup_skip_keep_it_loses_nothing(void **state)
{
    harness *h = *state;
    to_followup(h);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_CONTACT));
    assert_ok(type_text(h, "ana@example.com"));
    assert_ok(send(h, AM_EV_SKIP, 0));
    assert_int_equal(am_journey_question(h->j), AM_ASK_DISCARD);
    /* The question takes the focus, so the keyboard is down under it. */
    assert_int_equal(am_journey_focus(h->j), AM_FIELD_NONE);
    /* Only its answers act while it shows. */
    assert_ignored(send(h, AM_EV_DONE, 0));
    assert_refusal(h, "answer the question first");
    assert_ignored(send(h, AM_EV_CONSENT, AM_CONSENT_YES));
    assert_refusal(h, "answer the question first");
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_int_equal(am_journey_question(h->j), AM_ASK_NONE);
    assert_screen(h, AM_SCREEN_FOLLOWUP);
    assert_trace(h, "");
    assert_int_equal(REPORT(h)->rating, 4);
    assert_string_equal(REPORT(h)->contact, "ana@example.com");
    assert_int_equal(REPORT(h)->consent, AM_CONSENT_UNSET);
}

static void followup_back_goes_to_offer_or_apology(void **state)
{
    harness *h = *state;
    /* Offer decided: back skips it; what was given here is kept. */
    to_followup(h);
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_APOLOGY);
    assert_trace(h, "");
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_screen(h, AM_SCREEN_FOLLOWUP);
    assert_int_equal(REPORT(h)->rating, 4);

    /* No offer at all: back to the apology and its options too. */
    harness *fresh = h;
    am_journey_free(fresh->j);
    fresh->j = am_journey_new(fresh->cfg, fresh->now);
    memset(&fresh->store, 0, sizeof fresh->store);
    to_apology(fresh, CAT_BILLING, AM_SEVERITY_MINOR);
    assert_ok(send(fresh, AM_EV_RESOLUTION, RES_REFUND));
    assert_screen(fresh, AM_SCREEN_FOLLOWUP);
    assert_ok(send(fresh, AM_EV_BACK, 0));
    assert_screen(fresh, AM_SCREEN_APOLOGY);
}

static void followup_idle_keeps_rating(void **state)
{
    harness *h = *state;
    to_followup_unrated(h);
    assert_ok(send(h, AM_EV_RATE, 5));
    assert_ok(wait_s(h, TIMEOUT_S + COUNTDOWN_S));
    assert_trace(h, "close_journey:abandoned wipe");
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_int_equal(h->store.record.rating, 5);
    assert_int_equal(h->store.record.outcome, AM_OUTCOME_ABANDONED);
}

/* ---- followup ------------------------------------------------------------------ */

/* Finish with a contact and no word on consent asks, on the same screen,
 * and one tap on "yes" answers and finishes. Finish is never greyed out
 * for it. */
static void followup_contact_asks_consent_on_finish(void **state)
{
    harness *h = *state;
    to_followup(h);
    assert_int_equal(am_journey_focus(h->j), AM_FIELD_NONE);
    assert_true(am_journey_can_next(h->j));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_CONTACT));
    assert_ok(type_text(h, "room 412"));
    assert_true(am_journey_can_next(h->j));
    assert_ok(send(h, AM_EV_DONE, 0));
    assert_trace(h, "");
    assert_screen(h, AM_SCREEN_FOLLOWUP);
    assert_int_equal(am_journey_question(h->j), AM_ASK_CONSENT);
    assert_int_equal(am_journey_focus(h->j), AM_FIELD_NONE);
    assert_false(am_journey_can_next(h->j));
    assert_invalid(send(h, AM_EV_CONSENT, AM_CONSENT_UNSET));
    assert_refusal(h, "consent is yes or no");
    assert_ignored(send(h, AM_EV_SKIP, 0));
    assert_refusal(h, "answer the question first");
    assert_ok(send(h, AM_EV_CONSENT, AM_CONSENT_YES));
    assert_trace(h, "close_journey:completed");
    assert_screen(h, AM_SCREEN_THANKS);
    assert_string_equal(h->store.record.contact, "room 412");
    assert_int_equal(h->store.record.consent, AM_CONSENT_YES);
    assert_int_equal(h->store.record.rating, 4);
}

/* "No" on the question finishes too, and the contact is not kept. */
static void followup_asked_consent_no_finishes_without_contact(void **state)
{
    harness *h = *state;
    to_followup(h);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_CONTACT));
    assert_ok(type_text(h, "ana@example.com"));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_int_equal(am_journey_question(h->j), AM_ASK_CONSENT);
    assert_ok(send(h, AM_EV_CONSENT, AM_CONSENT_NO));
    assert_trace(h, "close_journey:completed");
    assert_screen(h, AM_SCREEN_THANKS);
    assert_string_equal(h->store.record.contact, "");
    assert_int_equal(h->store.record.consent, AM_CONSENT_NO);
    assert_string_equal(REPORT(h)->contact, "");
}

/* Back (a tap beside the question) returns to editing: the text stays,
 * the field can be typed into again, and nothing was stored. */
static void followup_asked_consent_back_keeps_the_text(void **state)
{
    harness *h = *state;
    to_followup(h);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_CONTACT));
    assert_ok(type_text(h, "ana@exampel.com"));
    int writes = h->store.writes;
    assert_ok(send(h, AM_EV_DONE, 0));
    assert_int_equal(am_journey_question(h->j), AM_ASK_CONSENT);
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_int_equal(am_journey_question(h->j), AM_ASK_NONE);
    assert_screen(h, AM_SCREEN_FOLLOWUP);
    assert_trace(h, "");
    assert_int_equal(h->store.writes, writes);
    assert_string_equal(REPORT(h)->contact, "ana@exampel.com");
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_CONTACT));
    for (int i = 0; i < 6; i++)
        assert_ok(send(h, AM_EV_BACKSPACE, 0));
    assert_ok(type_text(h, "le.com"));
    assert_ok(send(h, AM_EV_DONE, 0));
    assert_ok(send(h, AM_EV_CONSENT, AM_CONSENT_YES));
    assert_screen(h, AM_SCREEN_THANKS);
    assert_string_equal(h->store.record.contact, "ana@example.com");
}

/* The idle prompt works over the question as over the screen; a guest who
 * walks away from it leaves no contact they did not agree to. */
static void followup_asked_consent_idle_stores_no_contact(void **state)
{
    harness *h = *state;
    to_followup(h);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_CONTACT));
    assert_ok(type_text(h, "ana@example.com"));
    assert_ok(send(h, AM_EV_DONE, 0));
    assert_ok(wait_s(h, TIMEOUT_S));
    assert_true(am_journey_prompting(h->j, h->now, NULL));
    /* "I'm still here": the question is back, as it was. */
    assert_ok(send(h, AM_EV_STILL_HERE, 0));
    assert_false(am_journey_prompting(h->j, h->now, NULL));
    assert_int_equal(am_journey_question(h->j), AM_ASK_CONSENT);
    assert_trace(h, "");
    assert_ok(wait_s(h, TIMEOUT_S + COUNTDOWN_S));
    assert_trace(h, "close_journey:abandoned wipe");
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_int_equal(h->store.record.outcome, AM_OUTCOME_ABANDONED);
    assert_int_equal(h->store.record.rating, 4);
    assert_string_equal(h->store.record.contact, "");
    assert_int_equal(h->store.record.consent, AM_CONSENT_UNSET);
    assert_int_equal(am_journey_question(h->j), AM_ASK_NONE);
}

static void followup_consent_no_wipes_contact(void **state)
{
    harness *h = *state;
    to_followup(h);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_CONTACT));
    assert_ok(type_text(h, "ana@example.com"));
    assert_ok(send(h, AM_EV_CONSENT, AM_CONSENT_NO));
    assert_ok(send(h, AM_EV_DONE, 0));
    assert_trace(h, "close_journey:completed");
    assert_screen(h, AM_SCREEN_THANKS);
    assert_string_equal(h->store.record.contact, "");
    assert_int_equal(h->store.record.consent, AM_CONSENT_NO);
    assert_string_equal(REPORT(h)->contact, "");
}

static void followup_skip_wipes_contact_and_consent(void **state)
{
    harness *h = *state;
    to_followup(h);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_CONTACT));
    assert_ok(type_text(h, "+34 600 000 000"));
    assert_ok(send(h, AM_EV_CONSENT, AM_CONSENT_YES));
    assert_ok(send(h, AM_EV_SKIP, 0));
    assert_int_equal(am_journey_question(h->j), AM_ASK_DISCARD);
    assert_ok(send(h, AM_EV_SKIP, 0));
    assert_trace(h, "close_journey:completed");
    assert_screen(h, AM_SCREEN_THANKS);
    assert_string_equal(h->store.record.contact, "");
    assert_int_equal(h->store.record.consent, AM_CONSENT_UNSET);
    assert_int_equal(h->store.record.outcome, AM_OUTCOME_COMPLETED);
}

static void followup_yes_without_contact_is_refused(void **state)
{
    harness *h = *state;
    to_followup(h);
    assert_ok(send(h, AM_EV_CONSENT, AM_CONSENT_YES));
    assert_false(am_journey_can_next(h->j));
    assert_ignored(send(h, AM_EV_DONE, 0));
    assert_refusal(h, "tell us how to reach you, or choose no");
    assert_ok(send(h, AM_EV_CONSENT, AM_CONSENT_NO));
    assert_ok(send(h, AM_EV_DONE, 0));
    assert_screen(h, AM_SCREEN_THANKS);
}

static void followup_idle_closes_abandoned(void **state)
{
    harness *h = *state;
    to_followup(h);
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_CONTACT));
    assert_ok(type_text(h, "room 9"));
    assert_ok(wait_s(h, TIMEOUT_S + COUNTDOWN_S));
    assert_trace(h, "close_journey:abandoned wipe");
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_int_equal(h->store.record.outcome, AM_OUTCOME_ABANDONED);
    /* Kept as given, except a contact the guest never agreed to. */
    assert_int_equal(h->store.record.rating, 4);
    assert_string_equal(h->store.record.contact, "");
    assert_int_equal(h->store.record.consent, AM_CONSENT_UNSET);
}

/* ---- thanks ---------------------------------------------------------------------- */

static void thanks_done_wipes_to_attract(void **state)
{
    harness *h = *state;
    to_thanks(h);
    assert_false(am_journey_prompting(h->j, h->now, NULL));
    assert_ok(send(h, AM_EV_DONE, 0));
    assert_trace(h, "wipe");
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_report_clear(REPORT(h), AM_LANG_FR);
    assert_int_equal(h->store.record.outcome, AM_OUTCOME_COMPLETED);
}

static void thanks_times_out_to_attract(void **state)
{
    harness *h = *state;
    to_thanks(h);
    assert_int_equal(am_journey_deadline(h->j), h->now + THANKS_S * 1000);
    assert_ok(wait_ms(h, THANKS_S * 1000 - 1));
    assert_screen(h, AM_SCREEN_THANKS);
    assert_false(am_journey_prompting(h->j, h->now, NULL));
    assert_ok(wait_ms(h, 1));
    assert_trace(h, "wipe");
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_report_clear(REPORT(h), AM_LANG_FR);
    assert_int_equal(h->store.writes, 4); /* nothing stored by leaving */
}

/* A voucher on thanks keeps it up for [journey] voucher_seconds, long
 * enough to photograph the code, unless the guest taps Done. */
static void thanks_with_voucher_stays_until_done_or_voucher_time(void **state)
{
    harness *h = *state;
    to_offer(h);
    assert_ok(send(h, AM_EV_OFFER_ACCEPT, 0));
    am_journey_set_voucher(h->j, "CODE-1234");
    am_journey_set_voucher_expiry(h->j, INT64_C(1796299200000));
    assert_int_equal(am_journey_voucher_expiry(h->j), INT64_C(1796299200000));
    assert_ok(send(h, AM_EV_SKIP, 0));
    assert_screen(h, AM_SCREEN_THANKS);
    assert_int_equal(am_journey_deadline(h->j), h->now + VOUCHER_S * 1000);
    assert_ok(wait_ms(h, THANKS_S * 1000));
    assert_screen(h, AM_SCREEN_THANKS);
    assert_ok(wait_ms(h, (VOUCHER_S - THANKS_S) * 1000 - 1));
    assert_screen(h, AM_SCREEN_THANKS);
    assert_ok(wait_ms(h, 1));
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_int_equal(am_journey_voucher_expiry(h->j), 0);
    /* Done leaves at once. */
    memset(&h->store, 0, sizeof h->store);
    to_offer(h);
    assert_ok(send(h, AM_EV_OFFER_ACCEPT, 0));
    am_journey_set_voucher(h->j, "CODE-5678");
    assert_ok(send(h, AM_EV_SKIP, 0));
    assert_ok(send(h, AM_EV_DONE, 0));
    assert_screen(h, AM_SCREEN_ATTRACT);
}

/* Urgent reports: thanks may say staff have it only once the hub has
 * stored the alert; until then it is "on its way", and without an answer
 * within [sync] urgent_confirm_seconds the guest is sent to staff. */
#define URGENT_S 10

static void sync_on(harness *h)
{
    snprintf(h->cfg->sync.url, sizeof h->cfg->sync.url, "https://hub.example.net");
    h->cfg->sync.urgent_confirm_s = URGENT_S;
}

static void urgent_waits_for_the_hub_then_confirms(void **state)
{
    harness *h = *state;
    sync_on(h);
    to_apology(h, CAT_ROOM, AM_SEVERITY_SEVERE);
    assert_trace(h, "open_report raise_alert:severe");
    assert_true(am_journey_alert_urgent(h->j, AM_ALERT_SEVERE));
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_SENDING);
    /* The urgent timer is the next deadline, ahead of the idle prompt. */
    assert_int_equal(am_journey_deadline(h->j), h->now + URGENT_S * 1000);
    /* Not guest input: the idle timer does not restart. */
    int64_t idle_due = h->now + TIMEOUT_S * 1000;
    assert_ok(wait_ms(h, URGENT_S * 1000 - 1));
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_SENDING);
    assert_ok(send(h, AM_EV_URGENT_STORED, 0));
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_CONFIRMED);
    assert_int_equal(am_journey_deadline(h->j), idle_due);
    assert_ok(wait_ms(h, 1));
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_CONFIRMED);
    /* A second confirmation has nothing to confirm. */
    assert_ignored(send(h, AM_EV_URGENT_STORED, 0));
    /* staff_now later in the same journey waits for the hub again. */
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_SENDING);
    assert_ok(send(h, AM_EV_URGENT_STORED, 0));
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_CONFIRMED);
    /* The next guest starts with nothing urgent. */
    assert_ok(send(h, AM_EV_BACK, 0));
    h->now += (TIMEOUT_S + COUNTDOWN_S) * 1000;
    assert_ok(send(h, AM_EV_TICK, 0));
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_NONE);
}

static void urgent_unconfirmed_in_time_sends_the_guest_to_staff(void **state)
{
    harness *h = *state;
    sync_on(h);
    to_apology(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_NONE);
    assert_false(am_journey_alert_urgent(h->j, AM_ALERT_OVER_BUDGET));
    assert_false(am_journey_alert_urgent(h->j, AM_ALERT_SEVERE_UNSENT));
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_trace(h, "save_report raise_alert:staff_now record_offer:shown");
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_SENDING);
    assert_ok(send(h, AM_EV_OFFER_DECLINE, 0));
    assert_screen(h, AM_SCREEN_STAFF_WAIT);
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_SENDING);
    /* Ten seconds after the alert was committed, not after the wait
     * screen showed. */
    assert_ok(wait_ms(h, URGENT_S * 1000));
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_UNCONFIRMED);
    /* The new sentence gets the screen's full time. */
    assert_int_equal(am_journey_deadline(h->j), h->now + STAFF_WAIT_S * 1000);
    /* A late answer does not take back "go to a member of staff". */
    assert_ignored(send(h, AM_EV_URGENT_STORED, 0));
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_UNCONFIRMED);
}

static void urgent_with_sync_off_goes_to_staff_at_once(void **state)
{
    harness *h = *state;
    h->cfg->sync.urgent_confirm_s = URGENT_S; /* sync.url stays empty */
    to_apology(h, CAT_ROOM, AM_SEVERITY_SEVERE);
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_UNCONFIRMED);
    assert_int_equal(am_journey_deadline(h->j), h->now + TIMEOUT_S * 1000);
}

/* notify and callback are urgent only on a resolution marked urgent; a
 * store that failed leaves nothing waiting. */
static void urgent_marked_action_and_failed_store(void **state)
{
    harness *h = *state;
    sync_on(h);
    h->cfg->resolutions[RES_CLEAN].action = AM_ACTION_NOTIFY;
    to_apology(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_CLEAN));
    assert_false(am_journey_alert_urgent(h->j, AM_ALERT_NOTIFY));
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_NONE);
    h->cfg->resolutions[RES_CLEAN].urgent = true;
    assert_true(am_journey_alert_urgent(h->j, AM_ALERT_NOTIFY));
    /* A new guest chooses it, marked urgent now, and the store fails. */
    am_journey_free(h->j);
    h->j = am_journey_new(h->cfg, h->now);
    memset(&h->store, 0, sizeof h->store);
    to_apology(h, CAT_ROOM, AM_SEVERITY_MINOR);
    h->auto_store = false;
    assert_ok(send(h, AM_EV_RESOLUTION, RES_CLEAN));
    assert_true(am_journey_alert_urgent(h->j, AM_ALERT_NOTIFY));
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_NONE); /* not yet committed */
    answer(h, false);
    assert_screen(h, AM_SCREEN_OUT_OF_ORDER);
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_NONE);
}

/* staff_now: once the offer is answered (here there is none) the guest is
 * asked to wait for staff, for [journey] staff_wait_seconds; Finish or the
 * timer close the report as sent. */
static void staff_now_waits_for_staff(void **state)
{
    harness *h = *state;
    to_apology(h, CAT_BILLING, AM_SEVERITY_MINOR); /* billing has no offer */
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_trace(h, "save_report raise_alert:staff_now");
    assert_screen(h, AM_SCREEN_STAFF_WAIT);
    assert_false(am_screen_is_guest(AM_SCREEN_STAFF_WAIT)); /* no "still there?" */
    assert_false(h->store.closed);
    assert_ignored(send(h, AM_EV_BACK, 0));
    assert_int_equal(am_journey_deadline(h->j), h->now + STAFF_WAIT_S * 1000);
    assert_ok(wait_ms(h, STAFF_WAIT_S * 1000 - 1));
    assert_screen(h, AM_SCREEN_STAFF_WAIT);
    assert_ok(wait_ms(h, 1));
    assert_trace(h, "close_journey:completed wipe");
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_true(h->store.closed);
    assert_int_equal(h->store.record.outcome, AM_OUTCOME_COMPLETED);
    assert_string_equal(h->store.record.resolution, "staff_now");
    /* Finish: someone came. */
    memset(&h->store, 0, sizeof h->store);
    to_apology(h, CAT_BILLING, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_screen(h, AM_SCREEN_STAFF_WAIT);
    assert_ok(send(h, AM_EV_DONE, 0));
    assert_trace(h, "close_journey:completed wipe");
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_int_equal(h->store.record.outcome, AM_OUTCOME_COMPLETED);
}

/* "I can't wait": the guest leaves contact instead. With consent the team
 * is asked to call back (an alert); without, nothing is promised. */
static void staff_wait_cant_wait_leaves_contact(void **state)
{
    harness *h = *state;
    to_apology(h, CAT_BILLING, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_screen(h, AM_SCREEN_STAFF_WAIT);
    assert_false(am_journey_cant_wait(h->j));
    assert_ok(send(h, AM_EV_CANT_WAIT, 0));
    assert_screen(h, AM_SCREEN_FOLLOWUP);
    assert_true(am_journey_cant_wait(h->j));
    /* Back: waiting after all. */
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_STAFF_WAIT);
    assert_false(am_journey_cant_wait(h->j));
    assert_ok(send(h, AM_EV_CANT_WAIT, 0));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_CONTACT));
    assert_ok(type_text(h, "+44 20 7946 0000"));
    assert_ok(send(h, AM_EV_CONSENT, AM_CONSENT_YES));
    assert_ok(send(h, AM_EV_DONE, 0));
    assert_trace(h, "raise_alert:callback close_journey:completed");
    assert_screen(h, AM_SCREEN_THANKS);
    assert_true(am_journey_cant_wait(h->j));
    assert_false(am_journey_alert_urgent(h->j, AM_ALERT_CALLBACK));
    assert_string_equal(h->store.record.contact, "+44 20 7946 0000");
    /* Without contact: no call back. */
    assert_ok(send(h, AM_EV_DONE, 0));
    memset(&h->store, 0, sizeof h->store);
    to_apology(h, CAT_BILLING, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_ok(send(h, AM_EV_CANT_WAIT, 0));
    assert_ok(send(h, AM_EV_SKIP, 0));
    assert_trace(h, "close_journey:completed");
    assert_screen(h, AM_SCREEN_THANKS);
    assert_true(am_journey_cant_wait(h->j));
}

static void thanks_back_is_refused(void **state)
{
    harness *h = *state;
    to_thanks(h);
    assert_ignored(send(h, AM_EV_BACK, 0));
    assert_refusal(h, "your report is complete");
    assert_ignored(send(h, AM_EV_NEXT, 0));
    assert_ignored(send(h, AM_EV_SKIP, 0));
    assert_screen(h, AM_SCREEN_THANKS);
    assert_false(am_journey_can_next(h->j));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(offer_shown_then_accepted, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_declined, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_exactly_at_daily_limit_is_shown, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_one_over_daily_limit_escalates, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_hourly_cap_escalates, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_severe_reserve_kept_for_severe, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_escalated_only_next, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_back_and_return_records_shown_once, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_decided_earlier_goes_to_followup, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_idle_closes_abandoned, setup, teardown),
    cmocka_unit_test_setup_teardown(followup_rating_values_and_comment, setup, teardown),
    cmocka_unit_test_setup_teardown(followup_skip_drops_rating_and_comment, setup, teardown),
    cmocka_unit_test_setup_teardown(followup_back_goes_to_offer_or_apology, setup, teardown),
    cmocka_unit_test_setup_teardown(followup_idle_keeps_rating, setup, teardown),
    cmocka_unit_test_setup_teardown(followup_skip_with_nothing_given_finishes_at_once, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(followup_skip_keep_it_loses_nothing, setup, teardown),
    cmocka_unit_test_setup_teardown(followup_contact_asks_consent_on_finish, setup, teardown),
    cmocka_unit_test_setup_teardown(followup_asked_consent_no_finishes_without_contact, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(followup_asked_consent_back_keeps_the_text, setup, teardown),
    cmocka_unit_test_setup_teardown(followup_asked_consent_idle_stores_no_contact, setup, teardown),
    cmocka_unit_test_setup_teardown(followup_consent_no_wipes_contact, setup, teardown),
    cmocka_unit_test_setup_teardown(followup_skip_wipes_contact_and_consent, setup, teardown),
    cmocka_unit_test_setup_teardown(followup_yes_without_contact_is_refused, setup, teardown),
    cmocka_unit_test_setup_teardown(followup_idle_closes_abandoned, setup, teardown),
    cmocka_unit_test_setup_teardown(thanks_done_wipes_to_attract, setup, teardown),
    cmocka_unit_test_setup_teardown(thanks_times_out_to_attract, setup, teardown),
    cmocka_unit_test_setup_teardown(thanks_with_voucher_stays_until_done_or_voucher_time, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(thanks_back_is_refused, setup, teardown),
    cmocka_unit_test_setup_teardown(urgent_waits_for_the_hub_then_confirms, setup, teardown),
    cmocka_unit_test_setup_teardown(urgent_unconfirmed_in_time_sends_the_guest_to_staff, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(urgent_with_sync_off_goes_to_staff_at_once, setup, teardown),
    cmocka_unit_test_setup_teardown(urgent_marked_action_and_failed_store, setup, teardown),
    cmocka_unit_test_setup_teardown(staff_now_waits_for_staff, setup, teardown),
    cmocka_unit_test_setup_teardown(staff_wait_cant_wait_leaves_contact, setup, teardown),
};

AM_TEST_MAIN(tests)
