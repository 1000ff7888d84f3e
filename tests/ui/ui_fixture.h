/* ui_fixture.h — drives a journey to each screen for the UI tests, with no
 * store: every store effect is answered STORED (or STORE_FAILED). */
#ifndef AM_UI_FIXTURE_H
#define AM_UI_FIXTURE_H

#include <string.h>

#include "amends/config_file.h"
#include "amends/journey.h"
#include "amends/widget.h"

static int64_t ui_fixture_now;

/* Feeds one event and answers the store; returns the step. */
static am_step ui_feed(am_journey *j, am_event_type type, int value, const char *text,
                       bool store_ok)
{
    am_event ev = {.type = type, .now_ms = ui_fixture_now, .value = value, .text = text};
    am_effects fx;
    am_step step = am_journey_handle(j, &ev, &fx);
    for (int round = 0; round < 4 && am_effects_need_store(&fx); round++) {
        am_event answer = {.type = store_ok ? AM_EV_STORED : AM_EV_STORE_FAILED,
                           .now_ms = ui_fixture_now};
        am_journey_handle(j, &answer, &fx);
    }
    return step;
}

/* Screens a test walks through, with what a guest would have on them. */
typedef enum ui_state {
    UI_ATTRACT = 0,
    UI_CATEGORY,
    UI_DETAILS,
    UI_APOLOGY,
    UI_APOLOGY_OTHER, /* the apology with "something else" chosen, typed into */
    UI_OFFER,
    UI_OFFER_ESCALATED,
    UI_FOLLOWUP_COMMENT, /* followup: a face chosen, typing a comment */
    UI_FOLLOWUP,
    UI_THANKS,
    UI_IDLE_PROMPT,
    UI_OUT_OF_ORDER,
    UI_MANAGER_PIN,
    UI_PIN_LOCKED, /* the pad after too many wrong PINs, saying why */
    UI_MANAGER,
    UI_STAFF_WAIT,     /* staff_now asked for: "please wait here" */
    UI_FOLLOWUP_RATED, /* followup with a face chosen, no field focused */
    UI_STATE_COUNT
} ui_state;

static const char *const ui_state_names[UI_STATE_COUNT] = {
    "attract",    "category",        "details",          "apology",    "apology_other",
    "offer",      "offer_escalated", "followup_comment", "followup",   "thanks",
    "idle",       "out_of_order",    "manager_pin",      "pin_locked", "manager",
    "staff_wait", "followup_rated",
};

/* Long guest text in the language, so wrapping and clipping are tested. */
static const char *ui_sample_text(int lang)
{
    switch (lang) {
    case AM_LANG_AR:
        return "الماء في الحمام كان بارداً طوال الأسبوع ولم يأتِ أحد رغم أنني اتصلت مرتين";
    case AM_LANG_ZH:
        return "浴室的热水一整个星期都不热，我打了两次电话也没有人来处理";
    default:
        return "The shower ran cold all week and nobody came although I called twice, "
               "which made the mornings with two small children really difficult";
    }
}

/* A new journey in `lang` on the given screen. The caller frees it. */
static am_journey *ui_journey_at(const am_config *cfg, int lang, ui_state state)
{
    ui_fixture_now = 1000;
    am_journey *j = am_journey_new(cfg, 0);
    ui_feed(j, AM_EV_LANG, lang, NULL, true);
    if (state == UI_ATTRACT)
        return j;
    if (state == UI_MANAGER_PIN || state == UI_PIN_LOCKED || state == UI_MANAGER) {
        ui_feed(j, AM_EV_MANAGER, 0, NULL, true);
        if (state == UI_PIN_LOCKED) {
            ui_feed(j, AM_EV_PIN_LOCKED, 15 * 60, NULL, true);
        } else if (state == UI_MANAGER) {
            ui_feed(j, AM_EV_PIN_DIGIT, 7, NULL, true);
            ui_feed(j, AM_EV_PIN_OK, 0, NULL, true);
            ui_feed(j, AM_EV_PIN_ACCEPTED, 0, NULL, true);
        }
        return j;
    }
    ui_feed(j, AM_EV_START, 0, NULL, true);
    if (state == UI_CATEGORY)
        return j;
    ui_feed(j, AM_EV_CATEGORY, 0, NULL, true);
    ui_feed(j, AM_EV_IMPACT,
            state == UI_OFFER || state == UI_OFFER_ESCALATED ? AM_SEVERITY_SEVERE
                                                             : AM_SEVERITY_SIGNIFICANT,
            NULL, true);
    ui_feed(j, AM_EV_TEXT, 0, ui_sample_text(lang), true);
    ui_feed(j, AM_EV_FOCUS, AM_FIELD_NAME, NULL, true);
    ui_feed(j, AM_EV_TEXT, 0, lang == AM_LANG_AR ? "أميرة" : "Maximiliane", true);
    if (state == UI_DETAILS)
        return j;
    if (state == UI_IDLE_PROMPT) {
        ui_fixture_now += (int64_t)cfg->idle.timeout_s * 1000 + 500;
        ui_feed(j, AM_EV_TICK, 0, NULL, true);
        return j;
    }
    ui_feed(j, AM_EV_NEXT, 0, NULL, state != UI_OUT_OF_ORDER);
    if (state == UI_APOLOGY || state == UI_OUT_OF_ORDER)
        return j;
    int options[16];
    int n = am_config_options_for(cfg, 0, options, 16);
    /* "Something else", with text and the keyboard up; staff now (the
     * built-in before it) for the wait screen. */
    int other = options[n - 1];
    if (state == UI_STAFF_WAIT) {
        ui_feed(j, AM_EV_RESOLUTION, options[n - 2], NULL, true);
    } else {
        if (state == UI_OFFER_ESCALATED)
            am_journey_set_spend(j, INT64_MAX / 4, 1000);
        ui_feed(j, AM_EV_RESOLUTION, other, NULL, true);
        ui_feed(j, AM_EV_FOCUS, AM_FIELD_RESOLUTION_TEXT, NULL, true);
        ui_feed(j, AM_EV_TEXT, 0, ui_sample_text(lang), true);
        if (state == UI_APOLOGY_OTHER)
            return j;
        ui_feed(j, AM_EV_NEXT, 0, NULL, true);
    }
    if (state == UI_OFFER || state == UI_OFFER_ESCALATED)
        return j;
    if (am_journey_screen(j) == AM_SCREEN_OFFER)
        ui_feed(j, AM_EV_OFFER_ACCEPT, 0, NULL, true);
    ui_feed(j, AM_EV_RATE, 4, NULL, true);
    if (state == UI_FOLLOWUP_RATED)
        return j;
    ui_feed(j, AM_EV_FOCUS, AM_FIELD_COMMENT, NULL, true);
    ui_feed(j, AM_EV_TEXT, 0, ui_sample_text(lang), true);
    if (state == UI_FOLLOWUP_COMMENT || state == UI_STAFF_WAIT)
        return j;
    ui_feed(j, AM_EV_FOCUS, AM_FIELD_CONTACT, NULL, true);
    ui_feed(j, AM_EV_TEXT, 0, "maximiliane.schneider-oberhausen@example.org", true);
    ui_feed(j, AM_EV_CONSENT, AM_CONSENT_YES, NULL, true);
    if (state == UI_FOLLOWUP)
        return j;
    ui_feed(j, AM_EV_DONE, 0, NULL, true);
    am_journey_set_voucher(j, "HV7-K3M9-QX2P");
    /* Noon UTC: the same day in any time zone a test machine has. */
    am_journey_set_voucher_expiry(j, INT64_C(1796299200000)); /* 2026-12-03T12:00Z */
    return j;
}

static inline am_screen ui_expected_screen(ui_state s)
{
    static const am_screen screens[UI_STATE_COUNT] = {
        AM_SCREEN_ATTRACT,     AM_SCREEN_CATEGORY,    AM_SCREEN_DETAILS, AM_SCREEN_APOLOGY,
        AM_SCREEN_APOLOGY,     AM_SCREEN_OFFER,       AM_SCREEN_OFFER,   AM_SCREEN_FOLLOWUP,
        AM_SCREEN_FOLLOWUP,    AM_SCREEN_THANKS,      AM_SCREEN_DETAILS, AM_SCREEN_OUT_OF_ORDER,
        AM_SCREEN_MANAGER_PIN, AM_SCREEN_MANAGER_PIN, AM_SCREEN_MANAGER, AM_SCREEN_STAFF_WAIT,
        AM_SCREEN_FOLLOWUP,
    };
    return screens[s];
}

#endif
