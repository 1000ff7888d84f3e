/* journey_fixture.h — the harness the journey tests share.
 *
 * A small harness plays the kiosk app: it feeds events, carries out the
 * effects against a fake store (a copy of the report taken when each effect
 * is handed over, kept only when the step is answered STORED) and records
 * the effect list as text so tests can assert it exactly. Everything here is
 * static inline so each test file takes only what it uses.
 */
#ifndef AM_JOURNEY_FIXTURE_H
#define AM_JOURNEY_FIXTURE_H

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

static inline void set_id(char *dst, const char *id)
{
    snprintf(dst, AM_ID_MAX, "%s", id);
}

static inline unsigned sev_bit(am_severity s)
{
    return 1u << s;
}

/* A hotel: room (own options, offers by severity), noise (one option, a
 * drink at any severity) and billing (no offer at all). French is the
 * default language so a reset that forgets it shows as a wrong value. */
static inline am_config *test_config(void)
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

static inline void trace_effects(harness *h, const am_effects *fx)
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
static inline void apply_effects(harness *h, const am_effects *fx)
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

static inline am_step raw_event(harness *h, am_event_type type, int value, const char *text)
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
static inline am_step answer(harness *h, bool ok)
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

static inline am_step send_text(harness *h, am_event_type type, int value, const char *text)
{
    am_step step = raw_event(h, type, value, text);
    if (h->auto_store && h->staging)
        answer(h, true);
    h->last = step;
    return step;
}

static inline am_step send(harness *h, am_event_type type, int value)
{
    return send_text(h, type, value, NULL);
}

static inline am_step type_text(harness *h, const char *text)
{
    return send_text(h, AM_EV_TEXT, 0, text);
}

/* Advances the virtual clock and lets the timers fire. */
static inline am_step wait_s(harness *h, int64_t seconds)
{
    h->now += seconds * 1000;
    return send(h, AM_EV_TICK, 0);
}

static inline am_step wait_ms(harness *h, int64_t ms)
{
    h->now += ms;
    return send(h, AM_EV_TICK, 0);
}

static inline int setup(void **state)
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

static inline int teardown(void **state)
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

static inline void to_category(harness *h)
{
    assert_ok(send(h, AM_EV_START, 0));
    assert_screen(h, AM_SCREEN_CATEGORY);
}

static inline void to_details(harness *h, int category)
{
    to_category(h);
    assert_ok(send(h, AM_EV_CATEGORY, category));
    assert_screen(h, AM_SCREEN_DETAILS);
}

static inline void to_apology(harness *h, int category, am_severity sev)
{
    to_details(h, category);
    assert_ok(send(h, AM_EV_IMPACT, sev));
    assert_ok(send(h, AM_EV_NEXT, 0));
    assert_screen(h, AM_SCREEN_APOLOGY);
}

/* room + minor: the breakfast offer, within budget. */
static inline void to_offer(harness *h)
{
    to_apology(h, CAT_ROOM, AM_SEVERITY_MINOR);
    assert_ok(send(h, AM_EV_RESOLUTION, RES_CLEAN));
    assert_screen(h, AM_SCREEN_OFFER);
}

/* The offer declined: the last, optional screen, not yet rated. */
static inline void to_followup_unrated(harness *h)
{
    to_offer(h);
    assert_ok(send(h, AM_EV_OFFER_DECLINE, 0));
    assert_screen(h, AM_SCREEN_FOLLOWUP);
}

static inline void to_followup(harness *h)
{
    to_followup_unrated(h);
    assert_ok(send(h, AM_EV_RATE, 4));
    assert_screen(h, AM_SCREEN_FOLLOWUP);
}

static inline void to_thanks(harness *h)
{
    to_followup(h);
    assert_ok(send(h, AM_EV_DONE, 0));
    assert_screen(h, AM_SCREEN_THANKS);
}

/* Every field zero except the language, which is the site default. */
static inline void assert_report_clear(const am_report *r, int lang)
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

#endif
