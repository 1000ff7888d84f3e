/* journey_names.c — the journey's vocabulary: the names of its screens,
 * outcomes, offer states, consents, alerts, events, effects and manager
 * actions (each at once the stored and the sent format), the widget and
 * the text of each input field, and which effects need the store. The
 * state machine itself is in journey.c. */
#include "amends/journey.h"

#include <string.h>

#include "amends/report.h"

/* ---- names ------------------------------------------------------------ */

static const char *const screen_ids[] = {
    "attract", "category",    "details", "apology",      "offer",      "followup",
    "thanks",  "manager_pin", "manager", "out_of_order", "staff_wait",
};

static const char *const outcome_names[] = {"open", "completed", "abandoned", "interrupted"};
static const char *const offer_state_names[] = {"none", "shown", "accepted", "declined",
                                                "escalated"};
static const char *const consent_names[] = {"", "yes", "no"};
static const char *const alert_names[] = {"staff_now", "severe",   "over_budget",
                                          "notify",    "callback", "severe_unsent"};
static const char *const event_names[] = {
    "tick",          "start",         "lang",
    "category",      "impact",        "focus",
    "text",          "backspace",     "next",
    "back",          "skip",          "resolution",
    "offer_accept",  "offer_decline", "rate",
    "consent",       "done",          "still_here",
    "stored",        "store_failed",  "store_recovered",
    "manager",       "pin_digit",     "pin_delete",
    "pin_ok",        "pin_accepted",  "pin_rejected",
    "pin_locked",    "pin_unset",     "manager_action",
    "urgent_stored", "cant_wait",     "mode",
};
static const char *const effect_names[] = {
    "open_report",   "save_report", "raise_alert", "record_offer",
    "close_journey", "wipe",        "check_pin",   "manager_action",
};
static const char *const manager_action_names[] = {"sync_now", "requeue", "export", "exit"};
static const char *const field_widgets[] = {
    NULL,
    "field.description",
    "field.name",
    "field.other",
    "field.comment",
    "field.contact",
    "field.location",
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* A new enum value without a name fails to build instead of printing NULL. */
_Static_assert(COUNT_OF(screen_ids) == AM_SCREEN_COUNT, "screen ids");
_Static_assert(COUNT_OF(outcome_names) == AM_OUTCOME_INTERRUPTED + 1, "outcome names");
_Static_assert(COUNT_OF(offer_state_names) == AM_OFFER_ESCALATED + 1, "offer state names");
_Static_assert(COUNT_OF(consent_names) == AM_CONSENT_NO + 1, "consent names");
_Static_assert(COUNT_OF(alert_names) == AM_ALERT_REASON_COUNT, "alert names");
_Static_assert(COUNT_OF(event_names) == AM_EV_COUNT, "event names");
_Static_assert(COUNT_OF(effect_names) == AM_FX_TYPE_COUNT, "effect names");
_Static_assert(COUNT_OF(manager_action_names) == AM_MGR_ACTION_COUNT, "manager actions");
_Static_assert(COUNT_OF(field_widgets) == AM_FIELD_COUNT, "field widgets");

static const char *name_at(const char *const *names, size_t count, unsigned index)
{
    return index < count ? names[index] : NULL;
}

static int index_of(const char *const *names, size_t count, const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < count; i++) {
        if (names[i] && strcmp(names[i], name) == 0)
            return (int)i;
    }
    return -1;
}

const char *am_screen_id(am_screen s)
{
    return name_at(screen_ids, COUNT_OF(screen_ids), (unsigned)s);
}

am_rc am_screen_parse(const char *id, am_screen *out)
{
    int i = index_of(screen_ids, COUNT_OF(screen_ids), id);
    if (i < 0)
        return AM_ERR_INVALID;
    *out = (am_screen)i;
    return AM_OK;
}

bool am_screen_is_guest(am_screen s)
{
    return s >= AM_SCREEN_CATEGORY && s <= AM_SCREEN_FOLLOWUP;
}

const char *am_outcome_name(am_outcome o)
{
    return name_at(outcome_names, COUNT_OF(outcome_names), (unsigned)o);
}

am_rc am_outcome_parse(const char *name, am_outcome *out)
{
    int i = index_of(outcome_names, COUNT_OF(outcome_names), name);
    if (i < 0)
        return AM_ERR_INVALID;
    *out = (am_outcome)i;
    return AM_OK;
}

const char *am_offer_state_name(am_offer_state s)
{
    return name_at(offer_state_names, COUNT_OF(offer_state_names), (unsigned)s);
}

am_rc am_offer_state_parse(const char *name, am_offer_state *out)
{
    int i = index_of(offer_state_names, COUNT_OF(offer_state_names), name);
    if (i < 0)
        return AM_ERR_INVALID;
    *out = (am_offer_state)i;
    return AM_OK;
}

const char *am_consent_name(am_consent c)
{
    return name_at(consent_names, COUNT_OF(consent_names), (unsigned)c);
}

const char *am_alert_reason_name(am_alert_reason r)
{
    return name_at(alert_names, COUNT_OF(alert_names), (unsigned)r);
}

int am_alert_reason_parse(const char *name, am_alert_reason *out)
{
    int i = index_of(alert_names, COUNT_OF(alert_names), name);
    if (i < 0)
        return -1;
    *out = (am_alert_reason)i;
    return 0;
}

const char *am_event_name(am_event_type t)
{
    return name_at(event_names, COUNT_OF(event_names), (unsigned)t);
}

const char *am_effect_name(am_effect_type t)
{
    return name_at(effect_names, COUNT_OF(effect_names), (unsigned)t);
}

const char *am_manager_action_name(am_manager_action a)
{
    return name_at(manager_action_names, COUNT_OF(manager_action_names), (unsigned)a);
}

const char *am_field_widget(am_field f)
{
    return name_at(field_widgets, COUNT_OF(field_widgets), (unsigned)f);
}

size_t am_field_cap(am_field f)
{
    const am_report_field_def *d = am_report_input_def(f);
    return d ? d->cap : 0;
}

char *am_report_field(am_report *r, am_field f)
{
    const am_report_field_def *d = am_report_input_def(f);
    return d ? am_report_member_mut(r, d) : NULL;
}

const char *am_report_text(const am_report *r, am_field f)
{
    const am_report_field_def *d = am_report_input_def(f);
    return d ? am_report_member(r, d) : NULL;
}

bool am_effects_need_store(const am_effects *fx)
{
    for (int i = 0; i < fx->count; i++) {
        am_effect_type t = fx->items[i].type;
        if (t != AM_FX_WIPE && t != AM_FX_CHECK_PIN && t != AM_FX_MANAGER_ACTION)
            return true;
    }
    return false;
}
