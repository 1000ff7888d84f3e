/* ui_fixture.h — drives a journey to each screen for the UI tests, with no
 * store: every store effect is answered STORED (or STORE_FAILED). */
#ifndef AM_UI_FIXTURE_H
#define AM_UI_FIXTURE_H

#include <string.h>

#include "amends/config_file.h"
#include "amends/journey.h"
#include "amends/layout.h"
#include "amends/ui.h"
#include "amends/ui_render.h"
#include "amends/widget.h"

#define ASSETS      AM_SOURCE_DIR "/assets"
#define GOLDEN_CONF AM_SOURCE_DIR "/tests/goldens/golden.conf"

/* A measure with no fonts: every character half a pixel size wide. */
static inline void ui_fixed_text(void *ud, const char *t, size_t n, am_font f, int px, int *w,
                                 int *h)
{
    (void)ud;
    (void)t;
    (void)f;
    *w = (int)n * px / 2;
    *h = px + px / 3;
}

static inline am_config *ui_load_config(const char *path)
{
    am_config *cfg = NULL;
    char err[512];
    if (am_config_load(path, &cfg, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    return cfg;
}

/* The real fonts, headless, for measuring text. */
static inline am_render *ui_open_measurer(void)
{
    am_render_options o = {
        .font_dir = ASSETS "/fonts", .headless = true, .width = 64, .height = 64};
    am_render *r = NULL;
    char err[512];
    if (am_render_open(&o, &r, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    return r;
}

/* The whole UI, headless at 1280x800. */
static inline am_ui *ui_open_ui(const am_config *cfg)
{
    am_ui_options o = {.assets_dir = ASSETS, .width = 1280, .height = 800, .headless = true};
    am_ui *ui = NULL;
    char err[512];
    if (am_ui_open(&o, cfg, &ui, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    return ui;
}

static int64_t ui_fixture_now;
/* The am_mode bits a guest switches on at attract before each journey
 * ui_journey_at walks (0: the site's own look). */
static unsigned ui_fixture_modes;

/* The screen sizes every layout check covers. */
static const struct {
    int w, h;
} ui_sizes[] = {{1920, 1080}, {1280, 800}, {1080, 1920}, {800, 480}};

/* A kiosk that stopped syncing, as the app describes it to the manager
 * screen: alerts waiting, the hub refusing connections for hours, long
 * sync log lines, a message from the last button. */
static inline am_manager_info ui_stopped_sync(void)
{
    am_manager_info m;
    memset(&m, 0, sizeof m);
    m.now_ms = ui_fixture_now;
    m.pending = 14;
    m.synced = 1203;
    m.quarantined = 1;
    m.hub = AM_HUB_UNREACHABLE;
    m.since_ms = ui_fixture_now - 5 * 3600 * 1000;
    m.why = AM_WHY_CONN_REFUSED;
    snprintf(m.why_text, sizeof m.why_text,
             "cannot connect to the hub: connection refused: Failed to connect to 10.0.0.5 port "
             "443 after 3 ms: Couldn't connect to server");
    m.alerts_waiting = 3;
    m.oldest_alert_ms = ui_fixture_now - 47 * 60 * 1000;
    m.log_count = AM_MANAGER_LOG_LINES;
    for (int i = 0; i < m.log_count; i++) {
        am_manager_log *e = &m.log[i];
        e->at_ms = ui_fixture_now - (i + 1) * 61000;
        snprintf(e->outcome, sizeof e->outcome, "retry");
        e->records = 7;
        snprintf(e->text, sizeof e->text,
                 "retry in 47357 ms; cannot connect to the hub: connection refused: Failed to "
                 "connect to 10.0.0.5 port 443 after 3 ms: Couldn't connect to server");
    }
    m.msg = AM_MSG_SENDING;
    m.msg_n = 14;
    return m;
}

/* Feeds one event and answers the store; returns the step. */
static inline am_step ui_feed(am_journey *j, am_event_type type, int value, const char *text,
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
    UI_STAFF_WAIT,           /* staff_now asked for: "please wait here" */
    UI_FOLLOWUP_RATED,       /* followup with a face chosen, no field focused */
    UI_FOLLOWUP_ASK_CONSENT, /* Finish with a contact: "may we contact you?" */
    UI_FOLLOWUP_ASK_DISCARD, /* Skip with a comment typed: "discard it?" */
    UI_STATE_COUNT
} ui_state;

static const char *const ui_state_names[UI_STATE_COUNT] = {
    "attract",
    "category",
    "details",
    "apology",
    "apology_other",
    "offer",
    "offer_escalated",
    "followup_comment",
    "followup",
    "thanks",
    "idle",
    "out_of_order",
    "manager_pin",
    "pin_locked",
    "manager",
    "staff_wait",
    "followup_rated",
    "followup_ask_consent",
    "followup_ask_discard",
};

/* The view of journey j in `lang` at w x h, measured by the real fonts
 * (r from ui_open_measurer), with the language's own keyboard. */
static inline am_view ui_view(const am_config *cfg, const am_i18n *i18n, const am_journey *j,
                              int lang, int w, int h, am_render *r)
{
    return (am_view){.cfg = cfg,
                     .i18n = i18n,
                     .journey = j,
                     .now_ms = ui_fixture_now,
                     .width = w,
                     .height = h,
                     .kbd = {am_kbd_default_layer(lang), am_kbd_default_layer(lang), 0},
                     .measure = am_render_measure,
                     .measure_ud = r};
}

/* Long guest text in the language, so wrapping and clipping are tested. */
static inline const char *ui_sample_text(int lang)
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
static inline am_journey *ui_journey_at(const am_config *cfg, int lang, ui_state state)
{
    ui_fixture_now = 1000;
    am_journey *j = am_journey_new(cfg, 0);
    ui_feed(j, AM_EV_LANG, lang, NULL, true);
    for (unsigned m = AM_MODE_HIGH_CONTRAST; m & AM_MODE_ALL; m <<= 1)
        if ((ui_fixture_modes & m) && !(am_journey_modes(j) & m))
            ui_feed(j, AM_EV_MODE, (int)m, NULL, true);
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
    ui_feed(j, AM_EV_FOCUS, AM_FIELD_DESCRIPTION, NULL, true);
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
    if (state == UI_FOLLOWUP_ASK_DISCARD) {
        ui_feed(j, AM_EV_SKIP, 0, NULL, true);
        return j;
    }
    ui_feed(j, AM_EV_FOCUS, AM_FIELD_CONTACT, NULL, true);
    ui_feed(j, AM_EV_TEXT, 0, "maximiliane.schneider-oberhausen@example.org", true);
    if (state == UI_FOLLOWUP_ASK_CONSENT) {
        ui_feed(j, AM_EV_DONE, 0, NULL, true);
        return j;
    }
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
        AM_SCREEN_ATTRACT,     AM_SCREEN_CATEGORY,    AM_SCREEN_DETAILS,  AM_SCREEN_APOLOGY,
        AM_SCREEN_APOLOGY,     AM_SCREEN_OFFER,       AM_SCREEN_OFFER,    AM_SCREEN_FOLLOWUP,
        AM_SCREEN_FOLLOWUP,    AM_SCREEN_THANKS,      AM_SCREEN_DETAILS,  AM_SCREEN_OUT_OF_ORDER,
        AM_SCREEN_MANAGER_PIN, AM_SCREEN_MANAGER_PIN, AM_SCREEN_MANAGER,  AM_SCREEN_STAFF_WAIT,
        AM_SCREEN_FOLLOWUP,    AM_SCREEN_FOLLOWUP,    AM_SCREEN_FOLLOWUP,
    };
    return screens[s];
}

#endif
