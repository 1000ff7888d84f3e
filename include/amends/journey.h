/* journey.h — the customer journey as a pure state machine.
 *
 * No SDL, no store, no clock: events go in (each carrying the virtual time
 * `now_ms`), the new state and a list of effects come out. The caller (the
 * kiosk app) carries out the effects and, when any of them writes to the
 * store, answers with exactly one AM_EV_STORED or AM_EV_STORE_FAILED. The
 * engine moves to the next screen only on AM_EV_STORED, so nothing is
 * acknowledged to a guest before its commit is durable.
 *
 * Screens and their ids are the SPEC's; docs/journey.md has the full table
 * of transitions, back behaviour and idle handling.
 */
#ifndef AMENDS_JOURNEY_H
#define AMENDS_JOURNEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amends/config.h"
#include "amends/error.h"

typedef enum am_screen {
    AM_SCREEN_ATTRACT = 0,
    AM_SCREEN_CATEGORY,
    AM_SCREEN_DETAILS,
    AM_SCREEN_APOLOGY, /* the apology, and under it what would make this right */
    AM_SCREEN_OFFER,
    AM_SCREEN_FOLLOWUP, /* optional: the rating, a comment and contact; Finish */
    AM_SCREEN_THANKS,
    AM_SCREEN_MANAGER_PIN,
    AM_SCREEN_MANAGER,
    AM_SCREEN_OUT_OF_ORDER,
    AM_SCREEN_STAFF_WAIT, /* staff_now: "please wait here", after the offer */
    AM_SCREEN_COUNT
} am_screen;

/* Stable ids ("attract", ..., "out_of_order"); NULL past the end. */
const char *am_screen_id(am_screen s);
am_rc am_screen_parse(const char *id, am_screen *out); /* AM_OK or AM_ERR_INVALID */
/* Screens a guest uses; idle on them prompts "still there?". */
bool am_screen_is_guest(am_screen s);

/* Names of enum values. Each enum has one set of names, given by the
 * module that defines it (for these, core: am_outcome_name, ..., and
 * am_severity_name in config.h). Those names are at once the kiosk's
 * on-disk format, the wire format (docs/protocol.md) and what the hub
 * stores: the store, proto and the hub all use these functions and keep no
 * copy. So a released name never changes; what a guest or a manager reads
 * comes from the translations (i18n), never from these names. */

typedef enum am_outcome {
    AM_OUTCOME_OPEN = 0, /* committed, guest still going */
    AM_OUTCOME_COMPLETED,
    AM_OUTCOME_ABANDONED,   /* left idle; what was given is kept */
    AM_OUTCOME_INTERRUPTED, /* the kiosk stopped (crash, power) mid-journey */
} am_outcome;
const char *am_outcome_name(am_outcome o);
am_rc am_outcome_parse(const char *name, am_outcome *out); /* AM_OK or AM_ERR_INVALID */

typedef enum am_offer_state {
    AM_OFFER_NONE = 0, /* policy has no offer for this report */
    AM_OFFER_SHOWN,    /* shown, not yet decided */
    AM_OFFER_ACCEPTED,
    AM_OFFER_DECLINED,
    AM_OFFER_ESCALATED, /* over budget: a manager will contact the guest */
} am_offer_state;
const char *am_offer_state_name(am_offer_state s);
am_rc am_offer_state_parse(const char *name, am_offer_state *out); /* as above */

typedef enum am_consent { AM_CONSENT_UNSET = 0, AM_CONSENT_YES, AM_CONSENT_NO } am_consent;
const char *am_consent_name(am_consent c); /* "", "yes", "no" */

typedef enum am_alert_reason {
    AM_ALERT_STAFF_NOW = 0, /* the guest asked for staff now */
    AM_ALERT_SEVERE,        /* a severe report */
    AM_ALERT_OVER_BUDGET,   /* offer due but budget spent: escalated */
    AM_ALERT_NOTIFY,        /* a resolution with action notify: tell its team */
    AM_ALERT_CALLBACK,      /* a resolution with action callback: its team calls back */
    AM_ALERT_SEVERE_UNSENT, /* severe, but the guest walked away before sending */
    AM_ALERT_REASON_COUNT
} am_alert_reason;
const char *am_alert_reason_name(am_alert_reason r);
int am_alert_reason_parse(const char *name, am_alert_reason *out); /* 0 or -1 */

/* Text fields. Caps are in code points (characters); longer input is cut at
 * the cap on a character boundary. Buffers hold 4 bytes per character. */
typedef enum am_field {
    AM_FIELD_NONE = 0,
    AM_FIELD_DESCRIPTION,     /* details: what happened */
    AM_FIELD_NAME,            /* details: first name */
    AM_FIELD_RESOLUTION_TEXT, /* resolution: "something else" */
    AM_FIELD_COMMENT,         /* followup: optional comment */
    AM_FIELD_CONTACT,         /* followup: email or phone */
    AM_FIELD_LOCATION,        /* details: where ([kiosk] location_label); optional */
    AM_FIELD_COUNT
} am_field;
#define AM_CAP_DESCRIPTION     1000
#define AM_CAP_NAME            40
#define AM_CAP_RESOLUTION_TEXT 300
#define AM_CAP_COMMENT         500
#define AM_CAP_CONTACT         120
#define AM_CAP_LOCATION        40
/* Widget id of a field ("field.description"); NULL for AM_FIELD_NONE. */
const char *am_field_widget(am_field f);
size_t am_field_cap(am_field f);

#define AM_VOUCHER_MAX 32

/* Everything a guest gave; what reaches the store. */
typedef struct am_report {
    int lang; /* am_lang index */
    char category[AM_ID_MAX];
    am_severity severity;
    char description[AM_CAP_DESCRIPTION * 4 + 1];
    char first_name[AM_CAP_NAME * 4 + 1];
    char location[AM_CAP_LOCATION * 4 + 1]; /* "214", "Till 3"; "" when not given */
    char resolution[AM_ID_MAX];
    char resolution_text[AM_CAP_RESOLUTION_TEXT * 4 + 1];
    char offer[AM_ID_MAX];
    int64_t offer_value_minor;
    am_offer_state offer_state;
    char voucher[AM_VOUCHER_MAX];
    int rating; /* 1..5; 0 when not given */
    char comment[AM_CAP_COMMENT * 4 + 1];
    char contact[AM_CAP_CONTACT * 4 + 1];
    am_consent consent;
    am_outcome outcome;
} am_report;

/* Text of one field inside a report (writable); NULL for AM_FIELD_NONE. */
char *am_report_field(am_report *r, am_field f);
/* The same, read-only; NULL for AM_FIELD_NONE. */
const char *am_report_text(const am_report *r, am_field f);

typedef enum am_event_type {
    AM_EV_TICK = 0,  /* time passed: fires idle and thanks timers */
    AM_EV_START,     /* attract: begin a report */
    AM_EV_LANG,      /* value: language index */
    AM_EV_CATEGORY,  /* value: category index; goes on to details */
    AM_EV_IMPACT,    /* value: am_severity */
    AM_EV_FOCUS,     /* value: am_field on this screen */
    AM_EV_TEXT,      /* text: UTF-8 typed into the focused field */
    AM_EV_BACKSPACE, /* delete the last character of the focused field */
    AM_EV_NEXT,
    AM_EV_BACK,
    AM_EV_SKIP,
    AM_EV_RESOLUTION, /* value: resolution index (am_config.resolutions) */
    AM_EV_OFFER_ACCEPT,
    AM_EV_OFFER_DECLINE,
    AM_EV_RATE,    /* value: 1..5 */
    AM_EV_CONSENT, /* value: AM_CONSENT_YES or AM_CONSENT_NO */
    AM_EV_DONE,
    AM_EV_STILL_HERE,      /* the guest answered the idle prompt */
    AM_EV_STORED,          /* the store committed the last step's effects */
    AM_EV_STORE_FAILED,    /* it could not: the kiosk goes out of order */
    AM_EV_STORE_RECOVERED, /* out_of_order: the store works again */
    AM_EV_MANAGER,         /* the hidden gesture on attract */
    AM_EV_PIN_DIGIT,       /* manager_pin: value 0..9 */
    AM_EV_PIN_DELETE,      /* manager_pin: drop the last digit */
    AM_EV_PIN_OK,          /* manager_pin: check the digits (AM_FX_CHECK_PIN) */
    AM_EV_PIN_ACCEPTED,    /* the app's answer: the PIN is right: -> manager */
    AM_EV_PIN_REJECTED,    /* the app's answer: wrong; value: seconds the pad waits */
    AM_EV_PIN_LOCKED,      /* the app's answer: locked; value: seconds until it unlocks */
    AM_EV_PIN_UNSET,       /* the app's answer: no manager PIN is set */
    AM_EV_MANAGER_ACTION,  /* manager: value am_manager_action */
    AM_EV_URGENT_STORED,   /* the app's answer: the hub has stored every urgent alert raised */
    AM_EV_CANT_WAIT,       /* staff_wait: the guest leaves contact instead of waiting */
    AM_EV_MODE,            /* value: an am_mode to switch on or off, for this guest */
    AM_EV_COUNT
} am_event_type;
const char *am_event_name(am_event_type t);

/* What the buttons of the manager screen ask the app to do. */
typedef enum am_manager_action {
    AM_MGR_SYNC_NOW = 0, /* am_sync_now */
    AM_MGR_REQUEUE,      /* quarantined records back to pending */
    AM_MGR_EXPORT,       /* journeys as CSV into [manager] export_dir */
    AM_MGR_EXIT,         /* orderly shutdown of the kiosk, exit status 0 */
    AM_MGR_ACTION_COUNT
} am_manager_action;
const char *am_manager_action_name(am_manager_action a);

typedef struct am_event {
    am_event_type type;
    int64_t now_ms; /* virtual monotonic time */
    int value;
    const char *text; /* borrowed for the call */
} am_event;

typedef enum am_effect_type {
    AM_FX_OPEN_REPORT = 0, /* store the report as a new open journey */
    AM_FX_SAVE_REPORT,     /* save the open journey's changed fields */
    AM_FX_RAISE_ALERT,     /* value: am_alert_reason; synced ahead of the queue */
    AM_FX_RECORD_OFFER,    /* value: am_offer_state; report.offer says which */
    AM_FX_CLOSE_JOURNEY,   /* value: am_outcome; the record goes to the outbox */
    AM_FX_WIPE,            /* the guest's input is gone: drop all copies of it */
    AM_FX_CHECK_PIN,       /* check am_journey_pin(); answer with AM_EV_PIN_* */
    AM_FX_MANAGER_ACTION,  /* value: am_manager_action for the app to carry out */
    AM_FX_TYPE_COUNT
} am_effect_type;
const char *am_effect_name(am_effect_type t);

#define AM_EFFECTS_MAX 8
typedef struct am_effect {
    am_effect_type type;
    int value;
} am_effect;
typedef struct am_effects {
    int count;
    am_effect items[AM_EFFECTS_MAX];
} am_effects;
/* True when any effect writes to the store (all but AM_FX_WIPE,
 * AM_FX_CHECK_PIN and AM_FX_MANAGER_ACTION, which the app answers or
 * carries out on its own). */
bool am_effects_need_store(const am_effects *fx);

typedef struct am_journey am_journey;

/* Borrows cfg, which must outlive the journey. NULL on out of memory. */
am_journey *am_journey_new(const am_config *cfg, int64_t now_ms);
/* Wipes the guest's input and frees. Accepts NULL. */
void am_journey_free(am_journey *j);

/* What happened to one event. */
typedef enum am_step {
    AM_STEP_OK = 0,  /* handled; see the new state and effects */
    AM_STEP_IGNORED, /* not possible on this screen now */
    AM_STEP_INVALID, /* bad value or text (e.g. invalid UTF-8) */
} am_step;

/* Feeds one event. `fx` is cleared and receives the effects to carry out,
 * in order. Events other than TICK, STORED, STORE_FAILED and
 * STORE_RECOVERED count as guest activity and reset the idle timer. While
 * an answer from the store is awaited, guest input is ignored. */
am_step am_journey_handle(am_journey *j, const am_event *ev, am_effects *fx);

/* Why the last AM_STEP_IGNORED / AM_STEP_INVALID happened, in plain English
 * for scripts and logs ("choose how much it affected you first"). */
const char *am_journey_refusal(const am_journey *j);

am_screen am_journey_screen(const am_journey *j);
const am_report *am_journey_report(const am_journey *j);
am_field am_journey_focus(const am_journey *j);
int am_journey_lang(const am_journey *j);

/* The ways a guest can ask the screens to change for them, from attract
 * (the site's [kiosk] defaults until then; back to them when the journey
 * ends). Large text also doubles every idle timeout (WCAG 2.2.1). */
typedef enum am_mode {
    AM_MODE_HIGH_CONTRAST = 1,
    AM_MODE_LARGE_TEXT = 2,
    AM_MODE_LOW_REACH = 4, /* portrait screens: every control within a seated guest's reach */
} am_mode;
#define AM_MODE_ALL (AM_MODE_HIGH_CONTRAST | AM_MODE_LARGE_TEXT | AM_MODE_LOW_REACH)
/* The am_mode bits on now. */
unsigned am_journey_modes(const am_journey *j);
/* True once the report has been committed as a journey in the store. */
bool am_journey_committed(const am_journey *j);
bool am_journey_awaiting_store(const am_journey *j);
/* Offer index for this journey, or -1. */
int am_journey_offer(const am_journey *j);
/* True when NEXT would be accepted on the current screen. */
bool am_journey_can_next(const am_journey *j);
/* The "still there?" prompt: true while shown, with whole seconds left. */
bool am_journey_prompting(const am_journey *j, int64_t now_ms, int *seconds_left);
/* Virtual time of the next timer (prompt, reset, thanks); INT64_MAX if none.
 * The UI sleeps until then unless input arrives. */
int64_t am_journey_deadline(const am_journey *j);

/* Budget already used, so the offer policy can decide; the app sets it at
 * the start of each journey from the store. */
void am_journey_set_spend(am_journey *j, int64_t spent_today_minor, int offers_last_hour);

/* The manager PIN pad. Digits are kept only while manager_pin shows and
 * are wiped when it is left or checked; they never reach a log. */
#define AM_PIN_MAX_DIGITS 12
typedef enum am_pin_pad {
    AM_PIN_PAD_READY = 0, /* takes digits */
    AM_PIN_PAD_CHECKING,  /* AM_FX_CHECK_PIN is out; awaiting the answer */
    AM_PIN_PAD_WAIT,      /* a wrong PIN: refuses input until the wait ends */
    AM_PIN_PAD_LOCKED,    /* too many wrong PINs: refuses input until unlocked */
    AM_PIN_PAD_UNSET,     /* no PIN is set: never opens */
} am_pin_pad;
/* The pad's state at now_ms; digits: how many are entered; seconds_left:
 * the wait or lockout left, rounded up (0 otherwise). Either may be NULL. */
am_pin_pad am_journey_pin_pad(const am_journey *j, int64_t now_ms, int *digits, int *seconds_left);
/* The digits entered, for the app's check after AM_FX_CHECK_PIN. Borrowed;
 * wiped when the answer arrives. */
const char *am_journey_pin(const am_journey *j);

/* A question the last screen (followup) asks on top of itself before it
 * finishes: the app draws it as a modal prompt. */
typedef enum am_question {
    AM_ASK_NONE = 0,
    /* Finish with a contact and no consent given: "May we contact you at
     * ...?" CONSENT yes or no answers it and finishes; BACK returns to
     * editing with nothing lost. */
    AM_ASK_CONSENT,
    /* Skip with a rating, comment or contact given: "Discard what you
     * typed?" SKIP again discards and finishes; BACK keeps it. */
    AM_ASK_DISCARD,
} am_question;
am_question am_journey_question(const am_journey *j);

/* True when the guest, told to wait for staff, chose to leave contact
 * instead ("I can't wait"). */
bool am_journey_cant_wait(const am_journey *j);
/* True when the journey promised to contact the guest: a resolution whose
 * action is callback, or an offer escalated to a manager. followup then
 * says what the contact is for, and thanks keeps the promise only when
 * the guest left a contact with consent. */
bool am_journey_contact_promised(const am_journey *j);

/* Where the journey's urgent alerts are (staff_now, severe, or the alert
 * of a resolution marked urgent): what thanks may say about them. */
typedef enum am_urgent {
    AM_URGENT_NONE = 0,  /* no urgent alert in this journey */
    AM_URGENT_SENDING,   /* committed here; the hub has not confirmed it yet */
    AM_URGENT_CONFIRMED, /* the hub answered that it stored every one */
    /* sync is off, or no confirmation within [sync] urgent_confirm_seconds:
     * the guest is sent to a member of staff. Final for the journey. */
    AM_URGENT_UNCONFIRMED,
} am_urgent;
am_urgent am_journey_urgent(const am_journey *j);
/* True when an alert of this reason, raised by this journey now, must
 * reach staff at once (the app keeps its id to learn when the hub has it). */
bool am_journey_alert_urgent(const am_journey *j, am_alert_reason reason);

/* The voucher code issued for an accepted offer (by the app, issue 6). */
void am_journey_set_voucher(am_journey *j, const char *code);
/* The case code the store made when it committed the report (the app sets
 * it once that transaction has committed). Forgotten with the journey. */
void am_journey_set_case_code(am_journey *j, const char *code);
/* The code thanks shows as "Your reference": only for a report the hub
 * opens a case for, by an alert of this journey (staff_now, severe,
 * notify, callback, over_budget), and only when sync is on, so that the
 * hub can find the case by it once it arrives. NULL otherwise. */
const char *am_journey_reference(const am_journey *j);
/* Who the hub says acknowledged the guest's urgent case (a person's name)
 * and the case's team's name ("" without one), for staff_wait; the app
 * sets it from the hub's answer, only while staff_wait shows. Forgotten
 * with the journey. */
#define AM_TAKEN_NAME_MAX 97
void am_journey_set_taken(am_journey *j, const char *by, const char *team);
/* The name, or NULL before the hub said; *team (may be NULL) its team. */
const char *am_journey_taken_by(const am_journey *j, const char **team);
/* When that voucher stops being valid (wall clock, ms), for thanks to show
 * its last day; 0 when unknown. Forgotten with the journey. */
void am_journey_set_voucher_expiry(am_journey *j, int64_t expires_ms);
int64_t am_journey_voucher_expiry(const am_journey *j);

#endif
