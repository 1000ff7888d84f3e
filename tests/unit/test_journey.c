/* test_journey.c — the journey state machine, screen by screen.
 *
 * A small harness plays the kiosk app: it feeds events, carries out the
 * effects against a fake store (a copy of the report taken when each effect
 * is handed over, kept only when the step is answered STORED) and records
 * the effect list as text so tests can assert it exactly.
 */
#include "am_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/journey.h"
#include "amends/text.h"

/* ---- test config ------------------------------------------------------- */

enum { CAT_ROOM = 0, CAT_NOISE, CAT_BILLING, CAT_COUNT };
enum { RES_CLEAN = 0, RES_MOVE, RES_REFUND, RES_STAFF, RES_OTHER, RES_COUNT };
enum { OFFER_BREAKFAST = 0, OFFER_UPGRADE, OFFER_DRINK, OFFER_COUNT };

#define BREAKFAST_VALUE 2500
#define UPGRADE_VALUE   10000
#define DRINK_VALUE     800
#define DAILY_BUDGET    10000
#define HOURLY_OFFERS   3

#define TIMEOUT_S    60
#define COUNTDOWN_S  15
#define THANKS_S     20
#define VOUCHER_S    60
#define STAFF_WAIT_S 180
#define MANAGER_S    120

static void set_id(char *dst, const char *id)
{
    snprintf(dst, AM_ID_MAX, "%s", id);
}

static unsigned sev_bit(am_severity s)
{
    return 1u << s;
}

/* A hotel: room (own options, offers by severity), noise (one option, a
 * drink at any severity) and billing (no offer at all). French is the
 * default language so a reset that forgets it shows as a wrong value. */
static am_config *test_config(void)
{
    am_config *cfg = calloc(1, sizeof *cfg);
    assert_non_null(cfg);
    cfg->kiosk.languages[0] = AM_LANG_EN;
    cfg->kiosk.languages[1] = AM_LANG_FR;
    cfg->kiosk.languages[2] = AM_LANG_AR;
    cfg->kiosk.language_count = 3;
    cfg->kiosk.default_language = AM_LANG_FR;
    cfg->idle.timeout_s = TIMEOUT_S;
    cfg->idle.countdown_s = COUNTDOWN_S;
    cfg->idle.thanks_s = THANKS_S;
    cfg->journey.voucher_s = VOUCHER_S;
    cfg->journey.staff_wait_s = STAFF_WAIT_S;
    cfg->idle.manager_s = MANAGER_S;
    cfg->budget.daily_value_minor = DAILY_BUDGET;
    cfg->budget.hourly_offers = HOURLY_OFFERS;

    const char *res_ids[RES_COUNT] = {"clean_again", "move_room", "refund", "staff_now", "other"};
    for (int i = 0; i < RES_COUNT; i++)
        set_id(cfg->resolutions[i].id, res_ids[i]);
    cfg->resolutions[RES_STAFF].action = AM_ACTION_STAFF_NOW;
    cfg->resolutions[RES_OTHER].asks_text = true;
    cfg->resolution_count = RES_COUNT;

    set_id(cfg->categories[CAT_ROOM].id, "room");
    cfg->categories[CAT_ROOM].options[0] = RES_CLEAN;
    cfg->categories[CAT_ROOM].options[1] = RES_MOVE;
    cfg->categories[CAT_ROOM].option_count = 2;
    set_id(cfg->categories[CAT_NOISE].id, "noise");
    cfg->categories[CAT_NOISE].options[0] = RES_MOVE;
    cfg->categories[CAT_NOISE].option_count = 1;
    set_id(cfg->categories[CAT_BILLING].id, "billing");
    cfg->categories[CAT_BILLING].options[0] = RES_REFUND;
    cfg->categories[CAT_BILLING].option_count = 1;
    cfg->category_count = CAT_COUNT;

    set_id(cfg->offers[OFFER_BREAKFAST].id, "breakfast");
    cfg->offers[OFFER_BREAKFAST].value_minor = BREAKFAST_VALUE;
    cfg->offers[OFFER_BREAKFAST].severity_mask =
        sev_bit(AM_SEVERITY_MINOR) | sev_bit(AM_SEVERITY_SIGNIFICANT);
    cfg->offers[OFFER_BREAKFAST].category_mask = 1u << CAT_ROOM;
    set_id(cfg->offers[OFFER_UPGRADE].id, "upgrade");
    cfg->offers[OFFER_UPGRADE].value_minor = UPGRADE_VALUE;
    cfg->offers[OFFER_UPGRADE].severity_mask = sev_bit(AM_SEVERITY_SEVERE);
    cfg->offers[OFFER_UPGRADE].category_mask = 1u << CAT_ROOM;
    set_id(cfg->offers[OFFER_DRINK].id, "drink");
    cfg->offers[OFFER_DRINK].value_minor = DRINK_VALUE;
    cfg->offers[OFFER_DRINK].severity_mask =
        sev_bit(AM_SEVERITY_MINOR) | sev_bit(AM_SEVERITY_SIGNIFICANT) | sev_bit(AM_SEVERITY_SEVERE);
    cfg->offers[OFFER_DRINK].category_mask = 1u << CAT_NOISE;
    cfg->offer_count = OFFER_COUNT;
    return cfg;
}

/* ---- harness ------------------------------------------------------------ */

/* What the store holds for this journey, plus the alerts and offer events
 * it has queued. */
typedef struct fake_store {
    bool opened;
    bool closed;
    am_report record;
    int alert_count;
    am_alert_reason alerts[8];
    int offer_event_count;
    am_offer_state offer_events[8];
    int writes; /* committed steps */
} fake_store;

typedef struct harness {
    am_config *cfg;
    am_journey *j;
    int64_t now;
    bool auto_store;   /* answer STORED at once, as a healthy store does */
    fake_store store;  /* committed */
    fake_store staged; /* the step awaiting its answer */
    bool staging;
    int wipes;
    char trace[256]; /* the last step's effects, e.g. "open_report raise_alert:severe" */
    am_step last;
} harness;

static void trace_effects(harness *h, const am_effects *fx)
{
    h->trace[0] = '\0';
    for (int i = 0; i < fx->count; i++) {
        const am_effect *e = &fx->items[i];
        char one[64];
        switch (e->type) {
        case AM_FX_RAISE_ALERT:
            snprintf(one, sizeof one, "%s:%s", am_effect_name(e->type),
                     am_alert_reason_name((am_alert_reason)e->value));
            break;
        case AM_FX_RECORD_OFFER:
            snprintf(one, sizeof one, "%s:%s", am_effect_name(e->type),
                     am_offer_state_name((am_offer_state)e->value));
            break;
        case AM_FX_CLOSE_JOURNEY:
            snprintf(one, sizeof one, "%s:%s", am_effect_name(e->type),
                     am_outcome_name((am_outcome)e->value));
            break;
        default:
            snprintf(one, sizeof one, "%s", am_effect_name(e->type));
            break;
        }
        if (i > 0)
            strncat(h->trace, " ", sizeof h->trace - strlen(h->trace) - 1);
        strncat(h->trace, one, sizeof h->trace - strlen(h->trace) - 1);
    }
}

/* Carries out the effects as the app would, reading the report right after
 * the step, into a staged copy of the store that the answer commits. */
static void apply_effects(harness *h, const am_effects *fx)
{
    const am_report *r = am_journey_report(h->j);
    fake_store *s = &h->staged;
    bool stores = am_effects_need_store(fx);
    if (stores)
        *s = h->store;
    for (int i = 0; i < fx->count; i++) {
        const am_effect *e = &fx->items[i];
        switch (e->type) {
        case AM_FX_OPEN_REPORT:
            assert_false(s->opened);
            s->opened = true;
            s->record = *r;
            break;
        case AM_FX_SAVE_REPORT:
            assert_true(s->opened);
            assert_false(s->closed);
            s->record = *r;
            break;
        case AM_FX_RAISE_ALERT:
            assert_true(s->alert_count < 8);
            s->alerts[s->alert_count++] = (am_alert_reason)e->value;
            break;
        case AM_FX_RECORD_OFFER:
            assert_true(s->opened);
            assert_true(s->offer_event_count < 8);
            s->offer_events[s->offer_event_count++] = (am_offer_state)e->value;
            memcpy(s->record.offer, r->offer, sizeof r->offer);
            s->record.offer_value_minor = r->offer_value_minor;
            s->record.offer_state = r->offer_state;
            break;
        case AM_FX_CLOSE_JOURNEY:
            assert_true(s->opened);
            assert_false(s->closed);
            s->record = *r;
            s->record.outcome = (am_outcome)e->value;
            s->closed = true;
            break;
        case AM_FX_WIPE:
            h->wipes++;
            break;
        case AM_FX_CHECK_PIN:
        case AM_FX_MANAGER_ACTION:
            /* The app answers these itself; the tests send the answer. */
            assert_false(stores);
            break;
        default:
            fail_msg("unknown effect %d", e->type);
        }
    }
    if (stores) {
        s->writes++;
        h->staging = true;
    }
}

static am_step raw_event(harness *h, am_event_type type, int value, const char *text)
{
    am_event ev = {.type = type, .now_ms = h->now, .value = value, .text = text};
    am_effects fx;
    memset(&fx, 0x5a, sizeof fx); /* the engine must clear it */
    am_step step = am_journey_handle(h->j, &ev, &fx);
    assert_true(fx.count >= 0 && fx.count <= AM_EFFECTS_MAX);
    trace_effects(h, &fx);
    apply_effects(h, &fx);
    h->last = step;
    return step;
}

/* The store's answer to the staged step. */
static am_step answer(harness *h, bool ok)
{
    assert_true(am_journey_awaiting_store(h->j));
    if (ok)
        h->store = h->staged;
    h->staging = false;
    char step_trace[256];
    snprintf(step_trace, sizeof step_trace, "%s", h->trace);
    am_step step = raw_event(h, ok ? AM_EV_STORED : AM_EV_STORE_FAILED, 0, NULL);
    assert_false(am_journey_awaiting_store(h->j));
    if (ok) /* keep the trace of the step that was stored */
        snprintf(h->trace, sizeof h->trace, "%s", step_trace);
    return step;
}

static am_step send_text(harness *h, am_event_type type, int value, const char *text)
{
    am_step step = raw_event(h, type, value, text);
    if (h->auto_store && h->staging)
        answer(h, true);
    h->last = step;
    return step;
}

static am_step send(harness *h, am_event_type type, int value)
{
    return send_text(h, type, value, NULL);
}

static am_step type_text(harness *h, const char *text)
{
    return send_text(h, AM_EV_TEXT, 0, text);
}

/* Advances the virtual clock and lets the timers fire. */
static am_step wait_s(harness *h, int64_t seconds)
{
    h->now += seconds * 1000;
    return send(h, AM_EV_TICK, 0);
}

static am_step wait_ms(harness *h, int64_t ms)
{
    h->now += ms;
    return send(h, AM_EV_TICK, 0);
}

static int setup(void **state)
{
    harness *h = calloc(1, sizeof *h);
    if (!h)
        return -1;
    h->cfg = test_config();
    h->now = 1000000;
    h->j = am_journey_new(h->cfg, h->now);
    h->auto_store = true;
    *state = h;
    return h->j ? 0 : -1;
}

static int teardown(void **state)
{
    harness *h = *state;
    am_journey_free(h->j);
    free(h->cfg);
    free(h);
    return 0;
}

#define SCREEN(h) am_journey_screen((h)->j)
#define REPORT(h) am_journey_report((h)->j)
#define assert_screen(h, s)                                                                        \
    assert_string_equal(am_screen_id(am_journey_screen((h)->j)), am_screen_id(s))
#define assert_ok(x)         assert_int_equal((x), AM_STEP_OK)
#define assert_ignored(x)    assert_int_equal((x), AM_STEP_IGNORED)
#define assert_invalid(x)    assert_int_equal((x), AM_STEP_INVALID)
#define assert_trace(h, s)   assert_string_equal((h)->trace, (s))
#define assert_refusal(h, s) assert_string_equal(am_journey_refusal((h)->j), (s))

/* ---- walks to each screen ---------------------------------------------- */

static void to_category(harness *h)
{
    assert_ok(send(h, AM_EV_START, 0));
    assert_screen(h, AM_SCREEN_CATEGORY);
}

static void to_details(harness *h, int category)
{
    to_category(h);
    assert_ok(send(h, AM_EV_CATEGORY, category));
    assert_screen(h, AM_SCREEN_DETAILS);
}

static void to_apology(harness *h, int category, am_severity sev)
{
    to_details(h, category);
    assert_ok(send(h, AM_EV_IMPACT, sev));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_screen(h, AM_SCREEN_APOLOGY);
}

static void to_resolution(harness *h, int category, am_severity sev)
{
    to_apology(h, category, sev);
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_screen(h, AM_SCREEN_RESOLUTION);
}

/* room + minor: the breakfast offer, within budget. */
static void to_offer(harness *h)
{
    to_resolution(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_CLEAN));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_screen(h, AM_SCREEN_OFFER);
}

static void to_rating(harness *h)
{
    to_offer(h);
    assert_ok(send(h, AM_EV_OFFER_DECLINE, 0));
    assert_screen(h, AM_SCREEN_RATING);
}

static void to_followup(harness *h)
{
    to_rating(h);
    assert_ok(send(h, AM_EV_RATE, 4));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_screen(h, AM_SCREEN_FOLLOWUP);
}

static void to_thanks(harness *h)
{
    to_followup(h);
    assert_ok(send(h, AM_EV_DONE, 0));
    assert_screen(h, AM_SCREEN_THANKS);
}

/* Every field zero except the language, which is the site default. */
static void assert_report_clear(const am_report *r, int lang)
{
    assert_int_equal(r->lang, lang);
    assert_string_equal(r->category, "");
    assert_int_equal(r->severity, AM_SEVERITY_NONE);
    assert_string_equal(r->description, "");
    assert_string_equal(r->first_name, "");
    assert_string_equal(r->resolution, "");
    assert_string_equal(r->resolution_text, "");
    assert_string_equal(r->offer, "");
    assert_int_equal(r->offer_value_minor, 0);
    assert_int_equal(r->offer_state, AM_OFFER_NONE);
    assert_string_equal(r->voucher, "");
    assert_int_equal(r->rating, 0);
    assert_string_equal(r->comment, "");
    assert_string_equal(r->contact, "");
    assert_int_equal(r->consent, AM_CONSENT_UNSET);
    assert_int_equal(r->outcome, AM_OUTCOME_OPEN);
    /* Not only the visible strings: every byte is gone. */
    am_report zero;
    memset(&zero, 0, sizeof zero);
    zero.lang = lang;
    assert_memory_equal(r, &zero, sizeof zero);
}

/* ---- names -------------------------------------------------------------- */

static void names_screen_ids_round_trip(void **state)
{
    (void)state;
    const char *ids[] = {"attract", "category",     "details",   "apology", "resolution",
                         "offer",   "rating",       "followup",  "thanks",  "manager_pin",
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
    assert_refusal(h, "tap start to begin");
    assert_ignored(send(h, AM_EV_NEXT, 0));
    assert_ignored(send(h, AM_EV_CATEGORY, CAT_ROOM));
    assert_int_equal(am_journey_deadline(h->j), INT64_MAX);
    assert_ok(wait_s(h, 3600));
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_false(am_journey_prompting(h->j, h->now, NULL));
    assert_trace(h, "");
    assert_int_equal(h->wipes, 0);
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
    assert_int_equal(am_journey_focus(h->j), AM_FIELD_DESCRIPTION);
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

static void apology_next_goes_on_and_back_is_refused(void **state)
{
    harness *h = *state;
    to_apology(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_true(am_journey_can_next(h->j));
    assert_ignored(send(h, AM_EV_BACK, 0));
    assert_refusal(h, "your report is already sent and cannot be changed");
    assert_screen(h, AM_SCREEN_APOLOGY);
    assert_ignored(send(h, AM_EV_SKIP, 0));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_screen(h, AM_SCREEN_RESOLUTION);
    assert_trace(h, "");
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
    to_resolution(h, CAT_ROOM, AM_SEVERITY_MINOR);
    /* refund belongs to billing, not to room. */
    assert_invalid(send(h, AM_EV_RESOLUTION, RES_REFUND));
    assert_refusal(h, "no such option");
    assert_invalid(send(h, AM_EV_RESOLUTION, RES_COUNT));
    assert_invalid(send(h, AM_EV_RESOLUTION, -1));
    assert_string_equal(REPORT(h)->resolution, "");
    const int allowed[] = {RES_CLEAN, RES_MOVE, RES_STAFF, RES_OTHER};
    const char *ids[] = {"clean_again", "move_room", "staff_now", "other"};
    for (int i = 0; i < 4; i++) {
        assert_ok(send(h, AM_EV_RESOLUTION, allowed[i]));
        assert_string_equal(REPORT(h)->resolution, ids[i]);
    }
}

static void resolution_next_needs_choice(void **state)
{
    harness *h = *state;
    to_resolution(h, CAT_BILLING, AM_SEVERITY_MINOR);
    assert_false(am_journey_can_next(h->j));
    assert_ignored(send(h, AM_EV_NEXT, 0));
    assert_refusal(h, "choose what would make this right first");
    assert_trace(h, "");
    assert_ok(send(h, AM_EV_RESOLUTION, RES_REFUND));
    assert_true(am_journey_can_next(h->j));
    /* billing has no offer: straight on to rating. */
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "save_report");
    assert_screen(h, AM_SCREEN_RATING);
    assert_int_equal(am_journey_offer(h->j), -1);
    assert_string_equal(h->store.record.resolution, "refund");
    assert_int_equal(h->store.record.offer_state, AM_OFFER_NONE);
}

static void resolution_other_asks_for_text(void **state)
{
    harness *h = *state;
    to_resolution(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_int_equal(am_journey_focus(h->j), AM_FIELD_NONE);
    assert_ignored(send(h, AM_EV_FOCUS, AM_FIELD_RESOLUTION_TEXT));
    assert_refusal(h, "choose \"something else\" first");
    assert_ignored(type_text(h, "x"));
    assert_refusal(h, "tap a field first");
    assert_ok(send(h, AM_EV_RESOLUTION, RES_OTHER));
    assert_int_equal(am_journey_focus(h->j), AM_FIELD_RESOLUTION_TEXT);
    assert_ok(type_text(h, "a quieter room"));
    assert_string_equal(REPORT(h)->resolution_text, "a quieter room");
    /* Another option: the words no longer belong to the choice. */
    assert_ok(send(h, AM_EV_RESOLUTION, RES_MOVE));
    assert_int_equal(am_journey_focus(h->j), AM_FIELD_NONE);
    assert_string_equal(REPORT(h)->resolution_text, "");
    assert_ok(send(h, AM_EV_RESOLUTION, RES_OTHER));
    assert_ok(type_text(h, "fresh towels"));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_string_equal(h->store.record.resolution, "other");
    assert_string_equal(h->store.record.resolution_text, "fresh towels");
}

static void resolution_staff_now_alerts_once(void **state)
{
    harness *h = *state;
    to_resolution(h, CAT_BILLING, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "save_report raise_alert:staff_now");
    assert_screen(h, AM_SCREEN_RATING);
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_RESOLUTION);
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "save_report");
    assert_int_equal(h->store.alert_count, 1);
    assert_int_equal(h->store.alerts[0], AM_ALERT_STAFF_NOW);
}

/* What a resolution commits to is what it raises: notify tells its team,
 * callback queues a call back, none raises nothing. */
static void resolution_action_raises_its_alert(void **state)
{
    harness *h = *state;
    h->cfg->resolutions[RES_CLEAN].action = AM_ACTION_NOTIFY;
    h->cfg->resolutions[RES_MOVE].action = AM_ACTION_CALLBACK;
    to_resolution(h, CAT_NOISE, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_MOVE));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "save_report raise_alert:callback record_offer:shown");
    am_journey_free(h->j);
    h->j = am_journey_new(h->cfg, h->now);
    memset(&h->store, 0, sizeof h->store);
    to_resolution(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_CLEAN));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "save_report raise_alert:notify record_offer:shown");
    assert_int_equal(h->store.alert_count, 1);
    assert_int_equal(h->store.alerts[0], AM_ALERT_NOTIFY);
    am_journey_free(h->j);
    h->j = am_journey_new(h->cfg, h->now);
    memset(&h->store, 0, sizeof h->store);
    h->cfg->resolutions[RES_CLEAN].action = AM_ACTION_NONE;
    to_resolution(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_CLEAN));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "save_report record_offer:shown");
}

static void resolution_back_goes_to_apology(void **state)
{
    harness *h = *state;
    to_resolution(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_CLEAN));
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_APOLOGY);
    assert_trace(h, "");
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_screen(h, AM_SCREEN_RESOLUTION);
    assert_string_equal(REPORT(h)->resolution, "clean_again");
}

static void resolution_idle_closes_abandoned(void **state)
{
    harness *h = *state;
    to_resolution(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_MOVE));
    assert_ok(wait_s(h, TIMEOUT_S + COUNTDOWN_S));
    assert_trace(h, "close_journey:abandoned wipe");
    assert_screen(h, AM_SCREEN_ATTRACT);
    /* Chosen but not confirmed with next: still what the guest gave. */
    assert_string_equal(h->store.record.resolution, "move_room");
    assert_int_equal(h->store.record.outcome, AM_OUTCOME_ABANDONED);
}

/* ---- offer ------------------------------------------------------------------ */

static void offer_shown_then_accepted(void **state)
{
    harness *h = *state;
    am_journey_set_spend(h->j, 1000, 1);
    to_resolution(h, CAT_ROOM, AM_SEVERITY_SIGNIFICANT);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_CLEAN));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "save_report record_offer:shown");
    assert_screen(h, AM_SCREEN_OFFER);
    assert_int_equal(am_journey_offer(h->j), OFFER_BREAKFAST);
    assert_int_equal(REPORT(h)->offer_state, AM_OFFER_SHOWN);
    assert_false(am_journey_can_next(h->j));
    assert_ignored(send(h, AM_EV_NEXT, 0));
    assert_refusal(h, "accept or decline the offer first");
    assert_ok(send(h, AM_EV_OFFER_ACCEPT, 0));
    assert_trace(h, "record_offer:accepted");
    assert_screen(h, AM_SCREEN_RATING);
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
    assert_screen(h, AM_SCREEN_RATING);
    assert_int_equal(h->store.record.offer_state, AM_OFFER_DECLINED);
    assert_string_equal(h->store.record.offer, "breakfast");
}

static void offer_exactly_at_daily_limit_is_shown(void **state)
{
    harness *h = *state;
    am_journey_set_spend(h->j, DAILY_BUDGET - UPGRADE_VALUE, HOURLY_OFFERS - 1);
    to_resolution(h, CAT_ROOM, AM_SEVERITY_SEVERE);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_MOVE));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "save_report record_offer:shown");
    assert_int_equal(REPORT(h)->offer_state, AM_OFFER_SHOWN);
    assert_int_equal(am_journey_offer(h->j), OFFER_UPGRADE);
    assert_string_equal(REPORT(h)->offer, "upgrade");
}

static void offer_one_over_daily_limit_escalates(void **state)
{
    harness *h = *state;
    am_journey_set_spend(h->j, DAILY_BUDGET - BREAKFAST_VALUE + 1, 0);
    to_resolution(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_CLEAN));
    assert_ok(send(h, AM_EV_NEXT, 0));
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
    to_resolution(h, CAT_NOISE, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_MOVE));
    assert_ok(send(h, AM_EV_NEXT, 0));
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
    to_resolution(h, CAT_NOISE, sev);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_MOVE));
    assert_ok(send(h, AM_EV_NEXT, 0));
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
    to_resolution(h, CAT_NOISE, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_MOVE));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_int_equal(REPORT(h)->offer_state, AM_OFFER_SHOWN);
}

static void offer_escalated_only_next(void **state)
{
    harness *h = *state;
    am_journey_set_spend(h->j, DAILY_BUDGET, 0);
    to_resolution(h, CAT_NOISE, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_MOVE));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_screen(h, AM_SCREEN_OFFER);
    assert_true(am_journey_can_next(h->j));
    assert_ignored(send(h, AM_EV_OFFER_ACCEPT, 0));
    assert_refusal(h, "a manager will contact you about this");
    assert_ignored(send(h, AM_EV_OFFER_DECLINE, 0));
    assert_int_equal(REPORT(h)->offer_state, AM_OFFER_ESCALATED);
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "");
    assert_screen(h, AM_SCREEN_RATING);
    /* Back from rating shows the escalation again, with nothing new. */
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_OFFER);
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_RESOLUTION);
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
    assert_screen(h, AM_SCREEN_RESOLUTION);
    assert_trace(h, "");
    /* Spend since then would now refuse it: an offer shown stays shown. */
    am_journey_set_spend(h->j, DAILY_BUDGET, HOURLY_OFFERS);
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "save_report");
    assert_screen(h, AM_SCREEN_OFFER);
    assert_int_equal(REPORT(h)->offer_state, AM_OFFER_SHOWN);
    assert_int_equal(h->store.offer_event_count, 1);
}

static void offer_decided_earlier_goes_to_rating(void **state)
{
    harness *h = *state;
    to_offer(h);
    assert_ok(send(h, AM_EV_OFFER_ACCEPT, 0));
    assert_screen(h, AM_SCREEN_RATING);
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_RESOLUTION);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_MOVE));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "save_report");
    assert_screen(h, AM_SCREEN_RATING);
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

/* ---- rating ------------------------------------------------------------------ */

static void rating_values_and_next(void **state)
{
    harness *h = *state;
    to_rating(h);
    assert_false(am_journey_can_next(h->j));
    assert_ignored(send(h, AM_EV_NEXT, 0));
    assert_refusal(h, "choose a face first, or skip");
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
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "save_report");
    assert_screen(h, AM_SCREEN_FOLLOWUP);
    assert_int_equal(h->store.record.rating, 2);
    assert_string_equal(h->store.record.comment, "slow but kind");
}

static void rating_skip_goes_on_without_rating(void **state)
{
    harness *h = *state;
    to_rating(h);
    assert_ok(send(h, AM_EV_RATE, 1));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_COMMENT));
    assert_ok(type_text(h, "half a thought"));
    assert_ok(send(h, AM_EV_SKIP, 0));
    assert_trace(h, "save_report");
    assert_screen(h, AM_SCREEN_FOLLOWUP);
    assert_int_equal(h->store.record.rating, 0);
    assert_string_equal(h->store.record.comment, "");
}

static void rating_back_goes_to_offer_or_resolution(void **state)
{
    harness *h = *state;
    /* Offer decided: back skips it. */
    to_rating(h);
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_RESOLUTION);
    assert_trace(h, "");
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_screen(h, AM_SCREEN_RATING);

    /* No offer at all: back to resolution too. */
    harness *fresh = h;
    am_journey_free(fresh->j);
    fresh->j = am_journey_new(fresh->cfg, fresh->now);
    memset(&fresh->store, 0, sizeof fresh->store);
    to_resolution(fresh, CAT_BILLING, AM_SEVERITY_MINOR);
    assert_ok(send(fresh, AM_EV_RESOLUTION, RES_REFUND));
    assert_ok(send(fresh, AM_EV_NEXT, 0));
    assert_screen(fresh, AM_SCREEN_RATING);
    assert_ok(send(fresh, AM_EV_BACK, 0));
    assert_screen(fresh, AM_SCREEN_RESOLUTION);
}

static void rating_idle_closes_abandoned(void **state)
{
    harness *h = *state;
    to_rating(h);
    assert_ok(send(h, AM_EV_RATE, 5));
    assert_ok(wait_s(h, TIMEOUT_S + COUNTDOWN_S));
    assert_trace(h, "close_journey:abandoned wipe");
    assert_screen(h, AM_SCREEN_ATTRACT);
    assert_int_equal(h->store.record.rating, 5);
    assert_int_equal(h->store.record.outcome, AM_OUTCOME_ABANDONED);
}

/* ---- followup ------------------------------------------------------------------ */

static void followup_contact_needs_consent(void **state)
{
    harness *h = *state;
    to_followup(h);
    assert_int_equal(am_journey_focus(h->j), AM_FIELD_NONE);
    assert_true(am_journey_can_next(h->j));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_CONTACT));
    assert_ok(type_text(h, "room 412"));
    assert_false(am_journey_can_next(h->j));
    assert_ignored(send(h, AM_EV_DONE, 0));
    assert_refusal(h, "say whether we may contact you");
    assert_ignored(send(h, AM_EV_NEXT, 0));
    assert_refusal(h, "say whether we may contact you");
    assert_trace(h, "");
    assert_invalid(send(h, AM_EV_CONSENT, AM_CONSENT_UNSET));
    assert_refusal(h, "consent is yes or no");
    assert_ok(send(h, AM_EV_CONSENT, AM_CONSENT_YES));
    assert_true(am_journey_can_next(h->j));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "close_journey:completed");
    assert_screen(h, AM_SCREEN_THANKS);
    assert_string_equal(h->store.record.contact, "room 412");
    assert_int_equal(h->store.record.consent, AM_CONSENT_YES);
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

static void followup_back_goes_to_rating(void **state)
{
    harness *h = *state;
    to_followup(h);
    assert_ok(send(h, AM_EV_BACK, 0));
    assert_screen(h, AM_SCREEN_RATING);
    assert_trace(h, "");
    assert_int_equal(REPORT(h)->rating, 4);
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
    /* Kept as given; consent was never given, and the store's follow-up
     * queue only takes consented contacts. */
    assert_string_equal(h->store.record.contact, "room 9");
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
    assert_int_equal(h->store.writes, 5); /* nothing stored by leaving */
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
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_ok(send(h, AM_EV_NEXT, 0));
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
    to_resolution(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_NONE);
    assert_false(am_journey_alert_urgent(h->j, AM_ALERT_OVER_BUDGET));
    assert_false(am_journey_alert_urgent(h->j, AM_ALERT_SEVERE_UNSENT));
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "save_report raise_alert:staff_now record_offer:shown");
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_SENDING);
    assert_ok(send(h, AM_EV_OFFER_DECLINE, 0));
    assert_ok(send(h, AM_EV_SKIP, 0));
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
    to_resolution(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_CLEAN));
    assert_false(am_journey_alert_urgent(h->j, AM_ALERT_NOTIFY));
    h->cfg->resolutions[RES_CLEAN].urgent = true;
    assert_true(am_journey_alert_urgent(h->j, AM_ALERT_NOTIFY));
    h->auto_store = false;
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_NONE); /* not yet committed */
    answer(h, false);
    assert_screen(h, AM_SCREEN_OUT_OF_ORDER);
    assert_int_equal(am_journey_urgent(h->j), AM_URGENT_NONE);
}

/* staff_now: after the rating the guest is asked to wait for staff, for
 * [journey] staff_wait_seconds; Finish or the timer close the report as
 * sent. */
static void staff_now_waits_for_staff(void **state)
{
    harness *h = *state;
    to_resolution(h, CAT_BILLING, AM_SEVERITY_MINOR); /* billing has no offer */
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_screen(h, AM_SCREEN_RATING);
    assert_ok(send(h, AM_EV_RATE, 5));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "save_report");
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
    assert_int_equal(h->store.record.rating, 5);
    /* Finish: someone came. */
    memset(&h->store, 0, sizeof h->store);
    to_resolution(h, CAT_BILLING, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_ok(send(h, AM_EV_SKIP, 0));
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
    to_resolution(h, CAT_BILLING, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_ok(send(h, AM_EV_SKIP, 0));
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
    to_resolution(h, CAT_BILLING, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_ok(send(h, AM_EV_SKIP, 0));
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
    to_resolution(h, CAT_ROOM, AM_SEVERITY_MINOR);
    h->auto_store = false;
    assert_ok(send(h, AM_EV_RESOLUTION, RES_CLEAN));
    assert_ok(send(h, AM_EV_NEXT, 0));
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
    to_resolution(h, CAT_ROOM, AM_SEVERITY_MINOR);
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

/* ---- the data that reaches the store ------------------------------------------------ */

static void completed_journey_stores_every_field(void **state)
{
    harness *h = *state;
    assert_ok(send(h, AM_EV_LANG, AM_LANG_AR));
    to_details(h, CAT_ROOM);
    assert_ok(type_text(h, "Stain on the \"clean\" sheets, again"));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_NAME));
    assert_ok(type_text(h, "Zo\xc3\xab"));
    assert_ok(send(h, AM_EV_IMPACT, AM_SEVERITY_SIGNIFICANT));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "open_report");
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_ok(send(h, AM_EV_RESOLUTION, RES_OTHER));
    assert_ok(type_text(h, "new sheets, now"));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "save_report record_offer:shown");
    assert_ok(send(h, AM_EV_OFFER_ACCEPT, 0));
    am_journey_set_voucher(h->j, "AMX-7Q2-K9P");
    assert_ok(send(h, AM_EV_RATE, 4));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_COMMENT));
    assert_ok(type_text(h, "thank you \xf0\x9f\x99\x8f"));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_CONTACT));
    assert_ok(type_text(h, "zoe@example.com"));
    assert_ok(send(h, AM_EV_CONSENT, AM_CONSENT_YES));
    assert_ok(send(h, AM_EV_DONE, 0));
    assert_trace(h, "close_journey:completed");
    assert_screen(h, AM_SCREEN_THANKS);
    assert_string_equal(REPORT(h)->voucher, "AMX-7Q2-K9P");

    const am_report *r = &h->store.record;
    assert_true(h->store.closed);
    assert_int_equal(h->store.writes, 5);
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
    to_rating(h); /* room, minor, clean_again, breakfast declined */
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
    to_resolution(h, CAT_NOISE, AM_SEVERITY_SEVERE);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_trace(h, "save_report raise_alert:staff_now record_offer:shown");
    assert_ok(send(h, AM_EV_OFFER_ACCEPT, 0));
    assert_ok(send(h, AM_EV_RATE, 3));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_COMMENT));
    assert_ok(type_text(h, "not saved yet"));
    /* ...and the power goes. */
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
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_screen(h, AM_SCREEN_RESOLUTION);
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
    assert_ok(type_text(h, "desc"));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_NAME));
    assert_ok(type_text(h, "name"));
    assert_ok(send(h, AM_EV_IMPACT, AM_SEVERITY_MINOR));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_ok(send(h, AM_EV_RESOLUTION, RES_OTHER));
    assert_ok(type_text(h, "other text"));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_ok(send(h, AM_EV_OFFER_ACCEPT, 0));
    am_journey_set_voucher(h->j, "CODE");
    assert_ok(send(h, AM_EV_RATE, 5));
    assert_ok(send(h, AM_EV_FOCUS, AM_FIELD_COMMENT));
    assert_ok(type_text(h, "comment"));
    assert_ok(send(h, AM_EV_NEXT, 0));
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
    to_resolution(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_STAFF));
    assert_ok(send(h, AM_EV_NEXT, 0));
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
    cmocka_unit_test_setup_teardown(apology_next_goes_on_and_back_is_refused, setup, teardown),
    cmocka_unit_test_setup_teardown(apology_idle_closes_committed_as_abandoned, setup, teardown),
    cmocka_unit_test_setup_teardown(resolution_options_follow_category, setup, teardown),
    cmocka_unit_test_setup_teardown(resolution_next_needs_choice, setup, teardown),
    cmocka_unit_test_setup_teardown(resolution_other_asks_for_text, setup, teardown),
    cmocka_unit_test_setup_teardown(resolution_staff_now_alerts_once, setup, teardown),
    cmocka_unit_test_setup_teardown(resolution_action_raises_its_alert, setup, teardown),
    cmocka_unit_test_setup_teardown(resolution_back_goes_to_apology, setup, teardown),
    cmocka_unit_test_setup_teardown(resolution_idle_closes_abandoned, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_shown_then_accepted, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_declined, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_exactly_at_daily_limit_is_shown, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_one_over_daily_limit_escalates, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_hourly_cap_escalates, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_severe_reserve_kept_for_severe, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_escalated_only_next, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_back_and_return_records_shown_once, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_decided_earlier_goes_to_rating, setup, teardown),
    cmocka_unit_test_setup_teardown(offer_idle_closes_abandoned, setup, teardown),
    cmocka_unit_test_setup_teardown(rating_values_and_next, setup, teardown),
    cmocka_unit_test_setup_teardown(rating_skip_goes_on_without_rating, setup, teardown),
    cmocka_unit_test_setup_teardown(rating_back_goes_to_offer_or_resolution, setup, teardown),
    cmocka_unit_test_setup_teardown(rating_idle_closes_abandoned, setup, teardown),
    cmocka_unit_test_setup_teardown(followup_contact_needs_consent, setup, teardown),
    cmocka_unit_test_setup_teardown(followup_consent_no_wipes_contact, setup, teardown),
    cmocka_unit_test_setup_teardown(followup_skip_wipes_contact_and_consent, setup, teardown),
    cmocka_unit_test_setup_teardown(followup_yes_without_contact_is_refused, setup, teardown),
    cmocka_unit_test_setup_teardown(followup_back_goes_to_rating, setup, teardown),
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
