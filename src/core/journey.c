/* journey.c — the customer journey state machine (see journey.h and
 * docs/journey.md for the transition tables).
 *
 * Pure C: the caller passes time in with each event and carries out the
 * effects. The engine keeps the guest's input in one am_report and wipes it
 * whenever a journey ends, so no earlier guest's words outlive their visit.
 *
 * The names of the journey's values and the input fields' accessors are in
 * journey_names.c; this file is the state machine, its screens' handlers,
 * the offer and budget decisions they take, its timers and its queries.
 */
#include "amends/journey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/case_code.h"
#include "amends/report.h"
#include "amends/text.h"

/* Room for a category's own options plus the two built-ins. */
#define OPTIONS_MAX (AM_MAX_CAT_OPTIONS + 2)

struct am_journey {
    const am_config *cfg; /* borrowed */
    am_screen screen;
    am_report report;
    am_field focus;
    int category;   /* index of report.category, or -1 */
    int resolution; /* index into cfg->resolutions, or -1 */
    int offer;      /* index into cfg->offers, or -1 */
    bool committed;
    bool offer_shown_recorded;
    bool alerted[AM_ALERT_REASON_COUNT];

    /* Urgent alerts: where they are, and until when the hub may confirm
     * them (virtual clock) before the guest is sent to staff instead. */
    am_urgent urgent;
    int64_t urgent_until_ms;
    bool urgent_on_store; /* the awaited step raised an urgent alert */
    bool cant_wait;       /* told to wait for staff, the guest left contact instead */
    am_question question; /* followup: the prompt on top of the screen */

    /* Set while the store's answer to the last step is awaited. */
    bool awaiting;
    am_screen after_store; /* the screen that AM_EV_STORED shows */
    bool commit_on_store;  /* the step opened the report */
    bool reset_on_store;   /* the step ended the journey */

    int64_t spent_today_minor;
    int offers_last_hour;
    int64_t voucher_expires_ms;         /* wall clock; 0 when no voucher */
    char case_code[AM_CASE_CODE_MAX];   /* made by the store with the report; "" before */
    char taken_by[AM_TAKEN_NAME_MAX];   /* who the hub says took the call; "" before */
    char taken_team[AM_TAKEN_NAME_MAX]; /* their case's team; "" without one */

    unsigned modes;       /* am_mode bits this guest has on */
    int64_t idle_from_ms; /* last guest input, or when the screen showed */
    bool prompting;
    int64_t prompt_until_ms;

    /* The manager PIN pad: digits live only while manager_pin shows. */
    char pin[AM_PIN_MAX_DIGITS + 1];
    int pin_len;
    am_pin_pad pin_pad;
    int64_t pin_until_ms; /* end of a WAIT or LOCKED, virtual clock */

    const char *refusal; /* "" after a step that was not refused */
};

/* ---- small helpers ------------------------------------------------------ */

/* Bytes available for a field, taken from the struct so they cannot drift
 * from the caps. */
static size_t field_size(am_field f)
{
    const am_report_field_def *d = am_report_input_def(f);
    return d ? d->size : 0;
}

static am_step refuse(am_journey *j, am_step step, const char *why)
{
    j->refusal = why;
    return step;
}

static void fx_push(am_effects *fx, am_effect_type type, int value)
{
    /* No step emits more than five effects; the cap is a guard, not a limit
     * the journey relies on. */
    if (fx->count < AM_EFFECTS_MAX) {
        fx->items[fx->count].type = type;
        fx->items[fx->count].value = value;
        fx->count++;
    }
}

static bool fx_has(const am_effects *fx, am_effect_type type)
{
    for (int i = 0; i < fx->count; i++) {
        if (fx->items[i].type == type)
            return true;
    }
    return false;
}

bool am_journey_alert_urgent(const am_journey *j, am_alert_reason reason)
{
    const am_resolution_def *res = j->resolution >= 0 ? &j->cfg->resolutions[j->resolution] : NULL;
    switch (reason) {
    case AM_ALERT_STAFF_NOW:
    case AM_ALERT_SEVERE:
        return true;
    case AM_ALERT_NOTIFY:
        return res && res->action == AM_ACTION_NOTIFY && am_resolution_urgent(res);
    case AM_ALERT_CALLBACK:
        /* Not the call back asked for by a guest who could not wait for
         * staff: they have gone. */
        return res && res->action == AM_ACTION_CALLBACK && am_resolution_urgent(res);
    default:
        /* over_budget waits for a manager; severe_unsent: the guest is gone. */
        return false;
    }
}

/* Alerts go out once per journey per reason: staff already on their way do
 * not need a second page because the guest went back and forth. */
static void raise_alert(am_journey *j, am_effects *fx, am_alert_reason reason)
{
    if (j->alerted[reason])
        return;
    j->alerted[reason] = true;
    fx_push(fx, AM_FX_RAISE_ALERT, (int)reason);
    if (am_journey_alert_urgent(j, reason))
        j->urgent_on_store = true;
}

/* An urgent alert is committed: thanks may say staff have it only once the
 * hub confirms, within [sync] urgent_confirm_seconds. With sync off nothing
 * will ever confirm it, and after a failed confirmation the guest has
 * already been sent to staff: both stay as they are. */
static void urgent_committed(am_journey *j, int64_t now_ms)
{
    if (!j->cfg->sync.url[0]) {
        j->urgent = AM_URGENT_UNCONFIRMED;
        return;
    }
    if (j->urgent == AM_URGENT_UNCONFIRMED)
        return;
    j->urgent = AM_URGENT_SENDING;
    j->urgent_until_ms = now_ms + (int64_t)j->cfg->sync.urgent_confirm_s * 1000;
}

/* The alert a resolution's action commits to: what the thanks screen then
 * promises is backed by it. */
static void raise_action_alert(am_journey *j, am_effects *fx, am_resolution_action action)
{
    switch (action) {
    case AM_ACTION_STAFF_NOW:
        raise_alert(j, fx, AM_ALERT_STAFF_NOW);
        break;
    case AM_ACTION_NOTIFY:
        raise_alert(j, fx, AM_ALERT_NOTIFY);
        break;
    case AM_ACTION_CALLBACK:
        raise_alert(j, fx, AM_ALERT_CALLBACK);
        break;
    default:
        break;
    }
}

static int64_t seconds_ms(int seconds)
{
    return (int64_t)(seconds > 0 ? seconds : 0) * 1000;
}

/* A guest-facing timeout, doubled while large text is on: a guest who
 * needs larger text often needs more time to read it (WCAG 2.2.1). */
static int64_t guest_ms(const am_journey *j, int seconds)
{
    return seconds_ms(seconds) * (j->modes & AM_MODE_LARGE_TEXT ? 2 : 1);
}

static unsigned default_modes(const am_config *cfg)
{
    return (cfg->kiosk.high_contrast ? AM_MODE_HIGH_CONTRAST : 0u) |
           (cfg->kiosk.large_text ? AM_MODE_LARGE_TEXT : 0u) |
           (cfg->kiosk.low_reach ? AM_MODE_LOW_REACH : 0u);
}

static int default_lang(const am_config *cfg)
{
    int lang = cfg->kiosk.default_language;
    return lang >= 0 && lang < AM_LANG_COUNT ? lang : AM_LANG_EN;
}

/* The PIN pad starts empty and ready each time it shows and forgets the
 * digits when it is left; a lockout is the app's to restate (it is kept in
 * the store, not here). */
static void pin_reset(am_journey *j)
{
    am_wipe(j->pin, sizeof j->pin);
    j->pin_len = 0;
    j->pin_pad = AM_PIN_PAD_READY;
    j->pin_until_ms = 0;
}

static void enter(am_journey *j, am_screen s, int64_t now_ms)
{
    if (s != j->screen && (s == AM_SCREEN_MANAGER_PIN || j->screen == AM_SCREEN_MANAGER_PIN))
        pin_reset(j);
    j->screen = s;
    /* No field has the focus on entry: the on-screen keyboard covers half
     * the screen, so it opens only when the guest taps a field. */
    j->focus = AM_FIELD_NONE;
    j->question = AM_ASK_NONE;
    j->idle_from_ms = now_ms;
    j->prompting = false;
}

/* Forgets the guest: every byte of their input is overwritten before the
 * report is reset for the next journey. */
static void journey_reset(am_journey *j)
{
    am_wipe(&j->report, sizeof j->report);
    memset(&j->report, 0, sizeof j->report);
    memset(j->case_code, 0, sizeof j->case_code);
    memset(j->taken_by, 0, sizeof j->taken_by);
    memset(j->taken_team, 0, sizeof j->taken_team);
    j->report.lang = default_lang(j->cfg);
    j->modes = default_modes(j->cfg);
    j->focus = AM_FIELD_NONE;
    j->category = -1;
    j->resolution = -1;
    j->offer = -1;
    j->committed = false;
    j->offer_shown_recorded = false;
    j->voucher_expires_ms = 0;
    memset(j->alerted, 0, sizeof j->alerted);
    j->urgent = AM_URGENT_NONE;
    j->urgent_until_ms = 0;
    j->urgent_on_store = false;
    j->cant_wait = false;
    j->question = AM_ASK_NONE;
    j->awaiting = false;
    j->commit_on_store = false;
    j->reset_on_store = false;
    j->prompting = false;
}

/* Moves on to `next`, or, when the step has store effects, waits for the
 * store's answer first so nothing is acknowledged before it is durable. */
static am_step go(am_journey *j, const am_effects *fx, am_screen next, int64_t now_ms)
{
    if (!am_effects_need_store(fx)) {
        enter(j, next, now_ms);
        return AM_STEP_OK;
    }
    j->awaiting = true;
    j->after_store = next;
    j->commit_on_store = fx_has(fx, AM_FX_OPEN_REPORT);
    j->reset_on_store = false;
    return AM_STEP_OK;
}

/* Ends the journey: adds WIPE after whatever the step stores. The engine's
 * own copy stays readable until the store has answered, because the app
 * reads the report while it carries out the effects. */
static am_step end_journey(am_journey *j, am_effects *fx, int64_t now_ms)
{
    fx_push(fx, AM_FX_WIPE, 0);
    if (!am_effects_need_store(fx)) {
        journey_reset(j);
        enter(j, AM_SCREEN_ATTRACT, now_ms);
        return AM_STEP_OK;
    }
    j->awaiting = true;
    j->after_store = AM_SCREEN_ATTRACT;
    j->commit_on_store = false;
    j->reset_on_store = true;
    return AM_STEP_OK;
}

static void wipe_field(am_journey *j, am_field f)
{
    am_wipe(am_report_field(&j->report, f), field_size(f));
}

/* ---- text input ----------------------------------------------------------- */

static am_step handle_text(am_journey *j, const char *text)
{
    if (j->focus == AM_FIELD_NONE)
        return refuse(j, AM_STEP_IGNORED, "tap a field first");
    if (!text)
        return refuse(j, AM_STEP_INVALID, "no text given");
    char *buf = am_report_field(&j->report, j->focus);
    if (am_utf8_append(buf, field_size(j->focus), am_field_cap(j->focus), text) == AM_TEXT_INVALID)
        return refuse(j, AM_STEP_INVALID, "that text is not valid UTF-8");
    /* Text past the cap is dropped: the field shows where it stopped. */
    return AM_STEP_OK;
}

static am_step handle_backspace(am_journey *j)
{
    if (j->focus == AM_FIELD_NONE)
        return refuse(j, AM_STEP_IGNORED, "tap a field first");
    am_utf8_backspace(am_report_field(&j->report, j->focus));
    return AM_STEP_OK;
}

/* FOCUS, TEXT and BACKSPACE on a screen whose fields are `a`, `b` and `c`
 * (AM_FIELD_NONE where a screen has fewer). */
static am_step handle_field_event(am_journey *j, const am_event *ev, am_field a, am_field b,
                                  am_field c)
{
    switch (ev->type) {
    case AM_EV_FOCUS:
        if (ev->value <= AM_FIELD_NONE || ev->value >= AM_FIELD_COUNT)
            return refuse(j, AM_STEP_INVALID, "no such field");
        if (ev->value != (int)a && ev->value != (int)b && ev->value != (int)c)
            return refuse(j, AM_STEP_IGNORED, "that field is not on this screen");
        j->focus = (am_field)ev->value;
        return AM_STEP_OK;
    case AM_EV_TEXT:
        return handle_text(j, ev->text);
    case AM_EV_BACKSPACE:
        return handle_backspace(j);
    default:
        return refuse(j, AM_STEP_IGNORED, "not possible on this screen");
    }
}

/* ---- screens ---------------------------------------------------------------- */

/* What went wrong, from the tiles on attract or on category: -> details. */
static am_step choose_category(am_journey *j, const am_event *ev)
{
    const am_config *cfg = j->cfg;
    if (ev->value < 0 || ev->value >= cfg->category_count)
        return refuse(j, AM_STEP_INVALID, "no such category");
    j->category = ev->value;
    memcpy(j->report.category, cfg->categories[ev->value].id, AM_ID_MAX);
    j->report.category[AM_ID_MAX - 1] = '\0';
    enter(j, AM_SCREEN_DETAILS, ev->now_ms);
    return AM_STEP_OK;
}

static am_step on_attract(am_journey *j, const am_event *ev)
{
    switch (ev->type) {
    case AM_EV_START:
        enter(j, AM_SCREEN_CATEGORY, ev->now_ms);
        return AM_STEP_OK;
    case AM_EV_CATEGORY:
        /* A tile on attract starts the report with what went wrong. */
        return choose_category(j, ev);
    case AM_EV_MANAGER:
        enter(j, AM_SCREEN_MANAGER_PIN, ev->now_ms);
        return AM_STEP_OK;
    default:
        return refuse(j, AM_STEP_IGNORED, "choose what went wrong, or tap start to begin");
    }
}

static am_step on_category(am_journey *j, const am_event *ev, am_effects *fx)
{
    switch (ev->type) {
    case AM_EV_CATEGORY:
        return choose_category(j, ev);
    case AM_EV_BACK:
        /* An explicit cancel before anything was sent: nothing is kept. */
        return end_journey(j, fx, ev->now_ms);
    case AM_EV_NEXT:
        return refuse(j, AM_STEP_IGNORED, "choose what went wrong first");
    default:
        return refuse(j, AM_STEP_IGNORED, "not possible on this screen");
    }
}

static am_step on_details(am_journey *j, const am_event *ev, am_effects *fx)
{
    switch (ev->type) {
    case AM_EV_IMPACT:
        if (ev->value < AM_SEVERITY_MINOR || ev->value > AM_SEVERITY_SEVERE)
            return refuse(j, AM_STEP_INVALID, "no such impact");
        j->report.severity = (am_severity)ev->value;
        return AM_STEP_OK;
    case AM_EV_NEXT:
        if (j->report.severity == AM_SEVERITY_NONE)
            return refuse(j, AM_STEP_IGNORED, "choose how much it affected you first");
        j->report.outcome = AM_OUTCOME_OPEN;
        fx_push(fx, AM_FX_OPEN_REPORT, 0);
        if (j->report.severity == AM_SEVERITY_SEVERE)
            raise_alert(j, fx, AM_ALERT_SEVERE);
        return go(j, fx, AM_SCREEN_APOLOGY, ev->now_ms);
    case AM_EV_BACK:
        enter(j, AM_SCREEN_CATEGORY, ev->now_ms);
        return AM_STEP_OK;
    default:
        /* Where it happened is a field only where the site asks for it. */
        return handle_field_event(j, ev, AM_FIELD_DESCRIPTION, AM_FIELD_NAME,
                                  am_config_asks_location(j->cfg) ? AM_FIELD_LOCATION
                                                                  : AM_FIELD_NONE);
    }
}

static bool resolution_offered(const am_journey *j, int resolution)
{
    int options[OPTIONS_MAX];
    int count = am_config_options_for(j->cfg, j->category, options, OPTIONS_MAX);
    for (int i = 0; i < count; i++) {
        if (options[i] == resolution)
            return true;
    }
    return false;
}

static const am_resolution_def *chosen_resolution(const am_journey *j)
{
    return j->resolution >= 0 ? &j->cfg->resolutions[j->resolution] : NULL;
}

static am_step choose_resolution(am_journey *j, int resolution)
{
    if (resolution < 0 || resolution >= j->cfg->resolution_count ||
        !resolution_offered(j, resolution))
        return refuse(j, AM_STEP_INVALID, "no such option");
    const am_resolution_def *def = &j->cfg->resolutions[resolution];
    j->resolution = resolution;
    memcpy(j->report.resolution, def->id, AM_ID_MAX);
    j->report.resolution[AM_ID_MAX - 1] = '\0';
    /* The option that asks for words opens its field; the keyboard waits
     * until the guest taps it. */
    if (!def->asks_text) {
        /* Words typed for "something else" do not belong to this option. */
        wipe_field(j, AM_FIELD_RESOLUTION_TEXT);
        j->focus = AM_FIELD_NONE;
    }
    return AM_STEP_OK;
}

/* A guest who asked for staff now waits for them (staff_wait) instead of
 * leaving contact, unless they already said they cannot wait. */
static bool waits_for_staff(const am_journey *j)
{
    const am_resolution_def *res = chosen_resolution(j);
    return res && res->action == AM_ACTION_STAFF_NOW && !j->cant_wait;
}

/* Once the offer is answered (or there is none): the last, optional
 * screen, or the wait for the staff who were called. */
static am_screen after_offer(const am_journey *j)
{
    return waits_for_staff(j) ? AM_SCREEN_STAFF_WAIT : AM_SCREEN_FOLLOWUP;
}

/* Whether an offer of value_minor fits the budget for a report of this
 * severity: a severe report may use it all; the others leave
 * [budget] severe_reserve_percent of the day's value and of the hour's
 * offers for the severe reports still to come. */
static bool budget_allows(const am_journey *j, int64_t value_minor, am_severity severity)
{
    const am_config *cfg = j->cfg;
    int64_t daily = cfg->budget.daily_value_minor;
    int64_t hourly = cfg->budget.hourly_offers;
    int reserve = cfg->budget.severe_reserve_percent;
    if (severity != AM_SEVERITY_SEVERE && reserve > 0) {
        /* daily is at most a million in major units: no overflow. */
        daily = daily * (100 - reserve) / 100;
        hourly = hourly * (100 - reserve) / 100;
    }
    /* Written to avoid overflowing spent + value. */
    return j->spent_today_minor <= daily && value_minor <= daily - j->spent_today_minor &&
           j->offers_last_hour < hourly;
}

/* Decides the offer once the resolution is saved; returns the next screen.
 * A decision already made in this journey stands: a guest going back and
 * forth neither loses an offer shown nor gets a second one. */
static am_screen decide_offer(am_journey *j, am_effects *fx)
{
    am_report *r = &j->report;
    switch (r->offer_state) {
    case AM_OFFER_ACCEPTED:
    case AM_OFFER_DECLINED:
        return after_offer(j);
    case AM_OFFER_SHOWN:
    case AM_OFFER_ESCALATED:
        return AM_SCREEN_OFFER;
    case AM_OFFER_NONE:
        break;
    }
    int offer = am_config_offer_for(j->cfg, j->category, r->severity);
    if (offer < 0 || offer >= j->cfg->offer_count)
        return after_offer(j);
    const am_offer_def *def = &j->cfg->offers[offer];
    j->offer = offer;
    memcpy(r->offer, def->id, AM_ID_MAX);
    r->offer[AM_ID_MAX - 1] = '\0';
    r->offer_value_minor = def->value_minor;
    if (budget_allows(j, def->value_minor, r->severity)) {
        r->offer_state = AM_OFFER_SHOWN;
        if (!j->offer_shown_recorded) {
            j->offer_shown_recorded = true;
            fx_push(fx, AM_FX_RECORD_OFFER, AM_OFFER_SHOWN);
        }
    } else {
        r->offer_state = AM_OFFER_ESCALATED;
        raise_alert(j, fx, AM_ALERT_OVER_BUDGET);
        fx_push(fx, AM_FX_RECORD_OFFER, AM_OFFER_ESCALATED);
    }
    return AM_SCREEN_OFFER;
}

/* Saves the chosen resolution with what its action raises, then decides
 * the offer: the step that moves the guest on from apology. */
static am_step commit_resolution(am_journey *j, const am_event *ev, am_effects *fx)
{
    fx_push(fx, AM_FX_SAVE_REPORT, 0);
    raise_action_alert(j, fx, chosen_resolution(j)->action);
    return go(j, fx, decide_offer(j, fx), ev->now_ms);
}

/* The apology (shown only once the report is committed) and, under it,
 * what would make this right: an option moves on at once unless it asks
 * for the guest's words, which NEXT then sends. */
static am_step on_apology(am_journey *j, const am_event *ev, am_effects *fx)
{
    const am_resolution_def *def = chosen_resolution(j);
    am_step step;
    switch (ev->type) {
    case AM_EV_RESOLUTION:
        step = choose_resolution(j, ev->value);
        if (step != AM_STEP_OK || chosen_resolution(j)->asks_text)
            return step;
        return commit_resolution(j, ev, fx);
    case AM_EV_NEXT:
        if (!def)
            return refuse(j, AM_STEP_IGNORED, "choose what would make this right first");
        return commit_resolution(j, ev, fx);
    case AM_EV_BACK:
        return refuse(j, AM_STEP_IGNORED, "your report is already sent and cannot be changed");
    case AM_EV_FOCUS:
        if (ev->value == AM_FIELD_RESOLUTION_TEXT && !(def && def->asks_text))
            return refuse(j, AM_STEP_IGNORED, "choose \"something else\" first");
        return handle_field_event(j, ev, AM_FIELD_RESOLUTION_TEXT, AM_FIELD_NONE, AM_FIELD_NONE);
    default:
        return handle_field_event(j, ev, AM_FIELD_RESOLUTION_TEXT, AM_FIELD_NONE, AM_FIELD_NONE);
    }
}

static am_step decide(am_journey *j, const am_event *ev, am_effects *fx, am_offer_state state)
{
    j->report.offer_state = state;
    fx_push(fx, AM_FX_RECORD_OFFER, (int)state);
    return go(j, fx, after_offer(j), ev->now_ms);
}

static am_step on_offer(am_journey *j, const am_event *ev, am_effects *fx)
{
    bool escalated = j->report.offer_state == AM_OFFER_ESCALATED;
    switch (ev->type) {
    case AM_EV_OFFER_ACCEPT:
    case AM_EV_OFFER_DECLINE:
        if (escalated)
            return refuse(j, AM_STEP_IGNORED, "a manager will contact you about this");
        return decide(j, ev, fx,
                      ev->type == AM_EV_OFFER_ACCEPT ? AM_OFFER_ACCEPTED : AM_OFFER_DECLINED);
    case AM_EV_NEXT:
        if (!escalated)
            return refuse(j, AM_STEP_IGNORED, "accept or decline the offer first");
        enter(j, after_offer(j), ev->now_ms);
        return AM_STEP_OK;
    case AM_EV_BACK:
        enter(j, AM_SCREEN_APOLOGY, ev->now_ms);
        return AM_STEP_OK;
    default:
        return refuse(j, AM_STEP_IGNORED, "not possible on this screen");
    }
}

/* NULL when the follow-up can be finished as it stands, else why not. A
 * contact without an answer about consent is not a problem: Finish asks
 * (AM_ASK_CONSENT). */
static const char *followup_problem(const am_journey *j)
{
    if (j->report.contact[0] == '\0' && j->report.consent == AM_CONSENT_YES)
        return "tell us how to reach you, or choose no";
    return NULL;
}

/* Something given on followup that Skip would drop. */
static bool followup_given(const am_journey *j)
{
    return j->report.rating != 0 || j->report.comment[0] != '\0' || j->report.contact[0] != '\0';
}

static am_step close_completed(am_journey *j, const am_event *ev, am_effects *fx)
{
    j->report.outcome = AM_OUTCOME_COMPLETED;
    fx_push(fx, AM_FX_CLOSE_JOURNEY, AM_OUTCOME_COMPLETED);
    return go(j, fx, AM_SCREEN_THANKS, ev->now_ms);
}

static am_step finish_followup(am_journey *j, const am_event *ev, am_effects *fx)
{
    /* "No" means we keep no way of reaching them. */
    if (j->report.consent == AM_CONSENT_NO)
        wipe_field(j, AM_FIELD_CONTACT);
    /* Could not wait for staff and left a way to reach them: the team
     * is asked to call back, so thanks can say they will. */
    if (j->cant_wait && j->report.consent == AM_CONSENT_YES)
        raise_alert(j, fx, AM_ALERT_CALLBACK);
    return close_completed(j, ev, fx);
}

/* Skipping means "no answer": a face, comment or contact left half-given
 * is not stored as if the guest had submitted it. */
static am_step skip_followup(am_journey *j, const am_event *ev, am_effects *fx)
{
    j->report.rating = 0;
    wipe_field(j, AM_FIELD_COMMENT);
    wipe_field(j, AM_FIELD_CONTACT);
    j->report.consent = AM_CONSENT_UNSET;
    return close_completed(j, ev, fx);
}

/* The question on top of followup: one tap answers it and finishes, or
 * BACK (a tap beside it) returns to the screen with nothing lost. */
static am_step on_followup_question(am_journey *j, const am_event *ev, am_effects *fx)
{
    am_question q = j->question;
    if (ev->type == AM_EV_BACK) {
        j->question = AM_ASK_NONE;
        return AM_STEP_OK;
    }
    if (q == AM_ASK_CONSENT && ev->type == AM_EV_CONSENT) {
        if (ev->value != AM_CONSENT_YES && ev->value != AM_CONSENT_NO)
            return refuse(j, AM_STEP_INVALID, "consent is yes or no");
        j->question = AM_ASK_NONE;
        j->report.consent = (am_consent)ev->value;
        return finish_followup(j, ev, fx);
    }
    if (q == AM_ASK_DISCARD && ev->type == AM_EV_SKIP) {
        j->question = AM_ASK_NONE;
        return skip_followup(j, ev, fx);
    }
    return refuse(j, AM_STEP_IGNORED, "answer the question first");
}

static am_step on_followup(am_journey *j, const am_event *ev, am_effects *fx)
{
    const char *problem;
    if (j->question != AM_ASK_NONE)
        return on_followup_question(j, ev, fx);
    switch (ev->type) {
    case AM_EV_CONSENT:
        if (ev->value != AM_CONSENT_YES && ev->value != AM_CONSENT_NO)
            return refuse(j, AM_STEP_INVALID, "consent is yes or no");
        j->report.consent = (am_consent)ev->value;
        return AM_STEP_OK;
    case AM_EV_DONE:
    case AM_EV_NEXT:
        problem = followup_problem(j);
        if (problem)
            return refuse(j, AM_STEP_IGNORED, problem);
        /* A contact and no word on consent: ask, on this screen, and let
         * the answer finish. */
        if (j->report.contact[0] != '\0' && j->report.consent == AM_CONSENT_UNSET) {
            j->question = AM_ASK_CONSENT;
            j->focus = AM_FIELD_NONE;
            return AM_STEP_OK;
        }
        return finish_followup(j, ev, fx);
    case AM_EV_RATE:
        if (ev->value < 1 || ev->value > 5)
            return refuse(j, AM_STEP_INVALID, "ratings go from 1 to 5");
        j->report.rating = ev->value;
        return AM_STEP_OK;
    case AM_EV_SKIP:
        /* What the guest gave is not thrown away on one tap. */
        if (followup_given(j)) {
            j->question = AM_ASK_DISCARD;
            j->focus = AM_FIELD_NONE;
            return AM_STEP_OK;
        }
        return skip_followup(j, ev, fx);
    case AM_EV_BACK:
        if (j->cant_wait) {
            j->cant_wait = false;
            enter(j, AM_SCREEN_STAFF_WAIT, ev->now_ms);
            return AM_STEP_OK;
        }
        enter(j,
              j->report.offer_state == AM_OFFER_ESCALATED || j->report.offer_state == AM_OFFER_SHOWN
                  ? AM_SCREEN_OFFER
                  : AM_SCREEN_APOLOGY,
              ev->now_ms);
        return AM_STEP_OK;
    default:
        return handle_field_event(j, ev, AM_FIELD_CONTACT, AM_FIELD_COMMENT, AM_FIELD_NONE);
    }
}

/* Staff are called: the guest waits here, taps Finish when someone came,
 * or leaves contact instead. The journey closes as completed either way. */
static am_step on_staff_wait(am_journey *j, const am_event *ev, am_effects *fx)
{
    switch (ev->type) {
    case AM_EV_DONE:
        j->report.outcome = AM_OUTCOME_COMPLETED;
        fx_push(fx, AM_FX_CLOSE_JOURNEY, AM_OUTCOME_COMPLETED);
        return end_journey(j, fx, ev->now_ms);
    case AM_EV_CANT_WAIT:
        j->cant_wait = true;
        enter(j, AM_SCREEN_FOLLOWUP, ev->now_ms);
        return AM_STEP_OK;
    case AM_EV_BACK:
        return refuse(j, AM_STEP_IGNORED, "staff are on their way: wait here, or tap I can't wait");
    default:
        return refuse(j, AM_STEP_IGNORED, "not possible on this screen");
    }
}

static am_step on_thanks(am_journey *j, const am_event *ev, am_effects *fx)
{
    if (ev->type == AM_EV_DONE)
        return end_journey(j, fx, ev->now_ms);
    if (ev->type == AM_EV_BACK)
        return refuse(j, AM_STEP_IGNORED, "your report is complete");
    return refuse(j, AM_STEP_IGNORED, "not possible on this screen");
}

/* A wait or lockout that has run out (virtual clock) leaves the pad ready. */
static void pin_expire(am_journey *j, int64_t now_ms)
{
    if ((j->pin_pad == AM_PIN_PAD_WAIT || j->pin_pad == AM_PIN_PAD_LOCKED) &&
        now_ms >= j->pin_until_ms) {
        j->pin_pad = AM_PIN_PAD_READY;
        j->pin_until_ms = 0;
    }
}

/* Why the pad does not take input now, or NULL when it does. */
static const char *pin_busy(const am_journey *j)
{
    switch (j->pin_pad) {
    case AM_PIN_PAD_CHECKING:
        return "checking the PIN";
    case AM_PIN_PAD_WAIT:
        return "wrong PIN: wait before trying again";
    case AM_PIN_PAD_LOCKED:
        return "too many wrong PINs: the PIN pad is locked";
    case AM_PIN_PAD_UNSET:
        return "no manager PIN is set: set one with amendsctl pin set";
    case AM_PIN_PAD_READY:
        break;
    }
    return NULL;
}

static am_step on_manager_pin(am_journey *j, const am_event *ev, am_effects *fx)
{
    pin_expire(j, ev->now_ms);
    const char *busy = pin_busy(j);
    switch (ev->type) {
    case AM_EV_BACK:
        enter(j, AM_SCREEN_ATTRACT, ev->now_ms);
        return AM_STEP_OK;
    case AM_EV_PIN_DIGIT:
        if (ev->value < 0 || ev->value > 9)
            return refuse(j, AM_STEP_INVALID, "a PIN is made of digits 0 to 9");
        if (busy)
            return refuse(j, AM_STEP_IGNORED, busy);
        if (j->pin_len >= AM_PIN_MAX_DIGITS)
            return refuse(j, AM_STEP_IGNORED, "a PIN has at most 12 digits");
        j->pin[j->pin_len++] = (char)('0' + ev->value);
        j->pin[j->pin_len] = '\0';
        return AM_STEP_OK;
    case AM_EV_PIN_DELETE:
        if (busy)
            return refuse(j, AM_STEP_IGNORED, busy);
        if (j->pin_len > 0)
            j->pin[--j->pin_len] = '\0';
        return AM_STEP_OK;
    case AM_EV_PIN_OK:
    case AM_EV_NEXT:
        if (busy)
            return refuse(j, AM_STEP_IGNORED, busy);
        if (j->pin_len == 0)
            return refuse(j, AM_STEP_IGNORED, "enter the PIN first");
        j->pin_pad = AM_PIN_PAD_CHECKING;
        fx_push(fx, AM_FX_CHECK_PIN, 0);
        return AM_STEP_OK;
    default:
        return refuse(j, AM_STEP_IGNORED, "not possible on this screen");
    }
}

static int64_t pin_wait_ms(int seconds)
{
    return seconds > 0 ? (int64_t)seconds * 1000 : 0;
}

/* The app's answer about the PIN: after a check, or on showing the pad
 * (no PIN set, still locked, still waiting after a wrong one). */
static am_step on_pin_answer(am_journey *j, const am_event *ev)
{
    if (j->screen != AM_SCREEN_MANAGER_PIN)
        return refuse(j, AM_STEP_IGNORED, "no PIN is being checked");
    /* The digits have served their purpose whatever the answer. */
    am_wipe(j->pin, sizeof j->pin);
    j->pin_len = 0;
    j->pin_until_ms = 0;
    switch (ev->type) {
    case AM_EV_PIN_ACCEPTED:
        if (j->pin_pad != AM_PIN_PAD_CHECKING) {
            j->pin_pad = AM_PIN_PAD_READY;
            return refuse(j, AM_STEP_IGNORED, "no PIN is being checked");
        }
        enter(j, AM_SCREEN_MANAGER, ev->now_ms);
        return AM_STEP_OK;
    case AM_EV_PIN_REJECTED:
        j->pin_pad = AM_PIN_PAD_WAIT;
        j->pin_until_ms = ev->now_ms + pin_wait_ms(ev->value);
        break;
    case AM_EV_PIN_LOCKED:
        j->pin_pad = AM_PIN_PAD_LOCKED;
        j->pin_until_ms = ev->now_ms + pin_wait_ms(ev->value);
        break;
    default: /* AM_EV_PIN_UNSET */
        j->pin_pad = AM_PIN_PAD_UNSET;
        break;
    }
    pin_expire(j, ev->now_ms);
    return AM_STEP_OK;
}

static am_step on_manager(am_journey *j, const am_event *ev, am_effects *fx)
{
    switch (ev->type) {
    case AM_EV_BACK:
        enter(j, AM_SCREEN_ATTRACT, ev->now_ms);
        return AM_STEP_OK;
    case AM_EV_MANAGER_ACTION:
        if (ev->value < 0 || ev->value >= AM_MGR_ACTION_COUNT)
            return refuse(j, AM_STEP_INVALID, "no such manager action");
        fx_push(fx, AM_FX_MANAGER_ACTION, ev->value);
        return AM_STEP_OK;
    default:
        return refuse(j, AM_STEP_IGNORED, "not possible on this screen");
    }
}

static am_step on_screen(am_journey *j, const am_event *ev, am_effects *fx)
{
    switch (j->screen) {
    case AM_SCREEN_ATTRACT:
        return on_attract(j, ev);
    case AM_SCREEN_CATEGORY:
        return on_category(j, ev, fx);
    case AM_SCREEN_DETAILS:
        return on_details(j, ev, fx);
    case AM_SCREEN_APOLOGY:
        return on_apology(j, ev, fx);
    case AM_SCREEN_OFFER:
        return on_offer(j, ev, fx);
    case AM_SCREEN_FOLLOWUP:
        return on_followup(j, ev, fx);
    case AM_SCREEN_THANKS:
        return on_thanks(j, ev, fx);
    case AM_SCREEN_STAFF_WAIT:
        return on_staff_wait(j, ev, fx);
    case AM_SCREEN_MANAGER_PIN:
        return on_manager_pin(j, ev, fx);
    case AM_SCREEN_MANAGER:
        return on_manager(j, ev, fx);
    case AM_SCREEN_OUT_OF_ORDER:
    default:
        return refuse(j, AM_STEP_IGNORED, "out of order: reports cannot be taken right now");
    }
}

/* ---- timers and the store --------------------------------------------------- */

/* The guest walked away: keep what they gave, closed as abandoned. */
static am_step abandon(am_journey *j, int64_t now_ms, am_effects *fx)
{
    j->prompting = false;
    if (j->committed || j->report.category[0] != '\0') {
        j->report.outcome = AM_OUTCOME_ABANDONED;
        /* Not yet stored: the app opens and closes it in one transaction. */
        if (!j->committed)
            fx_push(fx, AM_FX_OPEN_REPORT, 0);
        /* A guest who said it affected them very much and then left
         * without sending may need someone most of all: staff are told,
         * marked as not sent by the guest. */
        if (!j->committed && j->report.severity == AM_SEVERITY_SEVERE)
            raise_alert(j, fx, AM_ALERT_SEVERE_UNSENT);
        /* A contact is kept only with the guest's yes. */
        if (j->report.consent != AM_CONSENT_YES)
            wipe_field(j, AM_FIELD_CONTACT);
        j->question = AM_ASK_NONE;
        fx_push(fx, AM_FX_CLOSE_JOURNEY, AM_OUTCOME_ABANDONED);
    }
    return end_journey(j, fx, now_ms);
}

/* How long thanks stays: while it shows a voucher, long enough to read or
 * photograph the code ([journey] voucher_seconds), unless Done comes first. */
static int64_t thanks_ms(const am_journey *j)
{
    bool voucher = j->report.voucher[0] != '\0' && j->report.offer_state == AM_OFFER_ACCEPTED;
    return guest_ms(j, voucher ? j->cfg->journey.voucher_s : j->cfg->idle.thanks_s);
}

/* The guest is sent to staff (at the exact moment the hub's time ran
 * out): on thanks or staff_wait that instruction gets the screen's full time, as a new
 * screen would. A confirmation keeps the time left: the app notices it
 * when its clock next advances, not when the hub answered. */
static void urgent_unconfirmed(am_journey *j)
{
    j->urgent = AM_URGENT_UNCONFIRMED;
    if (j->screen == AM_SCREEN_THANKS || j->screen == AM_SCREEN_STAFF_WAIT)
        j->idle_from_ms = j->urgent_until_ms;
}

static am_step on_tick(am_journey *j, int64_t now_ms, am_effects *fx)
{
    if (j->awaiting)
        return AM_STEP_OK;
    const am_config *cfg = j->cfg;
    if (j->urgent == AM_URGENT_SENDING && now_ms >= j->urgent_until_ms)
        urgent_unconfirmed(j);
    if (am_screen_is_guest(j->screen)) {
        int64_t prompt_at = j->idle_from_ms + guest_ms(j, cfg->idle.timeout_s);
        if (!j->prompting && now_ms >= prompt_at) {
            /* Counted from when the prompt was due, so a late tick does not
             * give the countdown extra time. */
            j->prompting = true;
            j->prompt_until_ms = prompt_at + guest_ms(j, cfg->idle.countdown_s);
        }
        if (j->prompting && now_ms >= j->prompt_until_ms)
            return abandon(j, now_ms, fx);
        return AM_STEP_OK;
    }
    if (j->screen == AM_SCREEN_THANKS && now_ms >= j->idle_from_ms + thanks_ms(j))
        return end_journey(j, fx, now_ms);
    if (j->screen == AM_SCREEN_STAFF_WAIT &&
        now_ms >= j->idle_from_ms + guest_ms(j, cfg->journey.staff_wait_s)) {
        /* The guest waited as long as we ask anyone to: what they gave is
         * kept as sent. */
        j->report.outcome = AM_OUTCOME_COMPLETED;
        fx_push(fx, AM_FX_CLOSE_JOURNEY, AM_OUTCOME_COMPLETED);
        return end_journey(j, fx, now_ms);
    }
    if ((j->screen == AM_SCREEN_MANAGER_PIN || j->screen == AM_SCREEN_MANAGER) &&
        now_ms >= j->idle_from_ms + seconds_ms(cfg->idle.manager_s))
        enter(j, AM_SCREEN_ATTRACT, now_ms);
    if (j->screen == AM_SCREEN_MANAGER_PIN)
        pin_expire(j, now_ms);
    return AM_STEP_OK;
}

static am_step on_store_answer(am_journey *j, const am_event *ev, am_effects *fx)
{
    if (ev->type == AM_EV_STORE_RECOVERED) {
        if (j->screen != AM_SCREEN_OUT_OF_ORDER)
            return refuse(j, AM_STEP_IGNORED, "the kiosk is not out of order");
        enter(j, AM_SCREEN_ATTRACT, ev->now_ms);
        return AM_STEP_OK;
    }
    if (!j->awaiting)
        return refuse(j, AM_STEP_IGNORED, "nothing is being saved");
    j->awaiting = false;
    if (ev->type == AM_EV_STORE_FAILED) {
        j->urgent_on_store = false;
        /* What was committed stays committed (an open journey is closed as
         * interrupted at the next start); this guest is not thanked for
         * what was not kept. */
        fx_push(fx, AM_FX_WIPE, 0);
        journey_reset(j);
        enter(j, AM_SCREEN_OUT_OF_ORDER, ev->now_ms);
        return AM_STEP_OK;
    }
    if (j->reset_on_store) {
        journey_reset(j);
        enter(j, AM_SCREEN_ATTRACT, ev->now_ms);
        return AM_STEP_OK;
    }
    if (j->urgent_on_store)
        urgent_committed(j, ev->now_ms);
    j->urgent_on_store = false;
    if (j->commit_on_store)
        j->committed = true;
    j->commit_on_store = false;
    enter(j, j->after_store, ev->now_ms);
    return AM_STEP_OK;
}

/* ---- public ------------------------------------------------------------------ */

am_journey *am_journey_new(const am_config *cfg, int64_t now_ms)
{
    if (!cfg)
        return NULL;
    am_journey *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->cfg = cfg;
    j->refusal = "";
    journey_reset(j);
    enter(j, AM_SCREEN_ATTRACT, now_ms);
    return j;
}

void am_journey_free(am_journey *j)
{
    if (!j)
        return;
    am_wipe(j, sizeof *j);
    free(j);
}

static bool is_store_answer(am_event_type t)
{
    return t == AM_EV_STORED || t == AM_EV_STORE_FAILED || t == AM_EV_STORE_RECOVERED;
}

am_step am_journey_handle(am_journey *j, const am_event *ev, am_effects *fx)
{
    fx->count = 0;
    j->refusal = "";
    if ((unsigned)ev->type >= AM_EV_COUNT)
        return refuse(j, AM_STEP_INVALID, "unknown event");
    if (ev->type == AM_EV_TICK)
        return on_tick(j, ev->now_ms, fx);
    if (is_store_answer(ev->type))
        return on_store_answer(j, ev, fx);
    if (ev->type >= AM_EV_PIN_ACCEPTED && ev->type <= AM_EV_PIN_UNSET)
        return on_pin_answer(j, ev);
    if (ev->type == AM_EV_URGENT_STORED) {
        /* Too late once the guest has been sent to staff: that stands. */
        if (j->urgent != AM_URGENT_SENDING)
            return refuse(j, AM_STEP_IGNORED, "no urgent alert is waiting for the hub");
        j->urgent = AM_URGENT_CONFIRMED;
        return AM_STEP_OK;
    }

    /* Everything else is the guest (or a manager) touching the kiosk. */
    j->idle_from_ms = ev->now_ms;
    if (j->awaiting)
        return refuse(j, AM_STEP_IGNORED, "saving, please wait");
    if (j->prompting) {
        /* The tap answered "still there?"; applying it as well could act on
         * a screen the guest was not looking at. */
        j->prompting = false;
        return AM_STEP_OK;
    }
    if (ev->type == AM_EV_STILL_HERE)
        return refuse(j, AM_STEP_IGNORED, "no question is showing");
    if (ev->type == AM_EV_LANG) {
        if (ev->value < 0 || ev->value >= AM_LANG_COUNT)
            return refuse(j, AM_STEP_INVALID, "no such language");
        j->report.lang = ev->value;
        return AM_STEP_OK;
    }
    if (ev->type == AM_EV_MODE) {
        if (ev->value <= 0 || (ev->value & ~AM_MODE_ALL))
            return refuse(j, AM_STEP_INVALID, "no such mode");
        j->modes ^= (unsigned)ev->value;
        return AM_STEP_OK;
    }
    return on_screen(j, ev, fx);
}

const char *am_journey_refusal(const am_journey *j)
{
    return j->refusal;
}

unsigned am_journey_modes(const am_journey *j)
{
    return j->modes;
}

am_screen am_journey_screen(const am_journey *j)
{
    return j->screen;
}

const am_report *am_journey_report(const am_journey *j)
{
    return &j->report;
}

am_field am_journey_focus(const am_journey *j)
{
    return j->focus;
}

int am_journey_lang(const am_journey *j)
{
    return j->report.lang;
}

bool am_journey_committed(const am_journey *j)
{
    return j->committed;
}

bool am_journey_awaiting_store(const am_journey *j)
{
    return j->awaiting;
}

int am_journey_offer(const am_journey *j)
{
    return j->offer;
}

bool am_journey_can_next(const am_journey *j)
{
    if (j->awaiting || j->prompting)
        return false;
    switch (j->screen) {
    case AM_SCREEN_DETAILS:
        return j->report.severity != AM_SEVERITY_NONE;
    case AM_SCREEN_APOLOGY:
        return j->resolution >= 0;
    case AM_SCREEN_OFFER:
        return j->report.offer_state == AM_OFFER_ESCALATED;
    case AM_SCREEN_FOLLOWUP:
        return followup_problem(j) == NULL && j->question == AM_ASK_NONE;
    default:
        return false;
    }
}

bool am_journey_prompting(const am_journey *j, int64_t now_ms, int *seconds_left)
{
    bool shown = j->prompting && !j->awaiting;
    if (seconds_left) {
        int64_t left = shown ? j->prompt_until_ms - now_ms : 0;
        *seconds_left = left > 0 ? (int)((left + 999) / 1000) : 0;
    }
    return shown;
}

static int64_t screen_deadline(const am_journey *j)
{
    const am_config *cfg = j->cfg;
    if (am_screen_is_guest(j->screen))
        return j->prompting ? j->prompt_until_ms
                            : j->idle_from_ms + guest_ms(j, cfg->idle.timeout_s);
    if (j->screen == AM_SCREEN_THANKS)
        return j->idle_from_ms + thanks_ms(j);
    if (j->screen == AM_SCREEN_STAFF_WAIT)
        return j->idle_from_ms + guest_ms(j, cfg->journey.staff_wait_s);
    if (j->screen == AM_SCREEN_MANAGER_PIN || j->screen == AM_SCREEN_MANAGER) {
        int64_t idle = j->idle_from_ms + seconds_ms(cfg->idle.manager_s);
        /* The pad opens again when a wait or lockout ends. */
        bool waiting = j->screen == AM_SCREEN_MANAGER_PIN &&
                       (j->pin_pad == AM_PIN_PAD_WAIT || j->pin_pad == AM_PIN_PAD_LOCKED);
        return waiting && j->pin_until_ms < idle ? j->pin_until_ms : idle;
    }
    return INT64_MAX;
}

int64_t am_journey_deadline(const am_journey *j)
{
    if (j->awaiting)
        return INT64_MAX;
    int64_t due = screen_deadline(j);
    if (j->urgent == AM_URGENT_SENDING && j->urgent_until_ms < due)
        due = j->urgent_until_ms;
    return due;
}

am_question am_journey_question(const am_journey *j)
{
    return j->question;
}

bool am_journey_cant_wait(const am_journey *j)
{
    return j->cant_wait;
}

bool am_journey_contact_promised(const am_journey *j)
{
    const am_resolution_def *res = chosen_resolution(j);
    return (res && res->action == AM_ACTION_CALLBACK) ||
           j->report.offer_state == AM_OFFER_ESCALATED;
}

am_urgent am_journey_urgent(const am_journey *j)
{
    return j->urgent;
}

void am_journey_set_spend(am_journey *j, int64_t spent_today_minor, int offers_last_hour)
{
    j->spent_today_minor = spent_today_minor;
    j->offers_last_hour = offers_last_hour;
}

void am_journey_set_case_code(am_journey *j, const char *code)
{
    snprintf(j->case_code, sizeof j->case_code, "%s", code ? code : "");
}

const char *am_journey_reference(const am_journey *j)
{
    /* A code the hub finds: one it will hear of (sync on), for a journey
     * whose alerts open a case there. severe_unsent is raised after the
     * guest has gone. */
    if (!j || !j->case_code[0] || !j->cfg->sync.url[0])
        return NULL;
    for (int i = 0; i < AM_ALERT_REASON_COUNT; i++) {
        if (j->alerted[i] && i != AM_ALERT_SEVERE_UNSENT)
            return j->case_code;
    }
    return NULL;
}

void am_journey_set_taken(am_journey *j, const char *by, const char *team)
{
    if (j->screen != AM_SCREEN_STAFF_WAIT || !by || !by[0])
        return;
    snprintf(j->taken_by, sizeof j->taken_by, "%s", by);
    snprintf(j->taken_team, sizeof j->taken_team, "%s", team ? team : "");
}

const char *am_journey_taken_by(const am_journey *j, const char **team)
{
    if (team)
        *team = j->taken_team;
    return j->taken_by[0] ? j->taken_by : NULL;
}

void am_journey_set_voucher(am_journey *j, const char *code)
{
    am_wipe(j->report.voucher, sizeof j->report.voucher);
    if (!code)
        return;
    size_t len = strnlen(code, AM_VOUCHER_MAX - 1);
    memcpy(j->report.voucher, code, len);
    j->report.voucher[len] = '\0';
}

void am_journey_set_voucher_expiry(am_journey *j, int64_t expires_ms)
{
    j->voucher_expires_ms = expires_ms > 0 ? expires_ms : 0;
}

int64_t am_journey_voucher_expiry(const am_journey *j)
{
    return j->voucher_expires_ms;
}

am_pin_pad am_journey_pin_pad(const am_journey *j, int64_t now_ms, int *digits, int *seconds_left)
{
    am_pin_pad pad = j->pin_pad;
    int64_t left = 0;
    if (pad == AM_PIN_PAD_WAIT || pad == AM_PIN_PAD_LOCKED) {
        left = j->pin_until_ms - now_ms;
        if (left <= 0) {
            pad = AM_PIN_PAD_READY;
            left = 0;
        }
    }
    if (digits)
        *digits = j->screen == AM_SCREEN_MANAGER_PIN ? j->pin_len : 0;
    if (seconds_left)
        *seconds_left = (int)((left + 999) / 1000);
    return pad;
}

const char *am_journey_pin(const am_journey *j)
{
    return j->pin;
}
