/* i18n.h — the kiosk's own strings in every language it ships.
 *
 * One file per language, assets/i18n/<code>.ini: "[section]" headers and
 * "key = value" lines; a key's full name is "section.key". '#' or ';' at
 * the start of a line is a comment; in a value "\n" is a line break. The
 * keys are fixed (am_i18n_key_name lists them): an unknown key is an error
 * naming FILE:LINE, and a key missing from a language falls back to English
 * (am_i18n_missing reports it, and a test fails on it).
 *
 * Texts that belong to a site (category labels, apologies, explanations,
 * offers) are not here: they come from the site config (config.h).
 * Pure C, no SDL.
 */
#ifndef AMENDS_I18N_H
#define AMENDS_I18N_H

#include <stddef.h>

#include "amends/config.h"
#include "amends/error.h"

typedef enum am_str {
    AM_STR_LANG_NAME = 0, /* the language's own name: "Deutsch" */
    AM_STR_NEXT,
    AM_STR_BACK,
    AM_STR_CANCEL,
    AM_STR_SKIP,
    AM_STR_ATTRACT_TITLE,
    AM_STR_ATTRACT_BODY,
    AM_STR_ATTRACT_START,
    AM_STR_ATTRACT_PRIVACY,
    AM_STR_ATTRACT_CONTRAST,   /* the guest's high-contrast switch */
    AM_STR_ATTRACT_LARGE_TEXT, /* the guest's large-text switch */
    AM_STR_ATTRACT_LOW_REACH,  /* the guest's low-reach switch (portrait screens) */
    AM_STR_CATEGORY_TITLE,
    AM_STR_CATEGORY_BODY,
    AM_STR_DETAILS_TITLE,
    AM_STR_DETAILS_IMPACT,
    AM_STR_DETAILS_MINOR,
    AM_STR_DETAILS_SIGNIFICANT,
    AM_STR_DETAILS_SEVERE,
    AM_STR_DETAILS_DESCRIPTION,
    AM_STR_DETAILS_DESCRIPTION_HINT,
    AM_STR_DETAILS_NAME,
    AM_STR_DETAILS_NAME_HINT,
    AM_STR_DETAILS_LOCATION_HINT,
    AM_STR_DETAILS_SEND,
    AM_STR_APOLOGY_TITLE,
    AM_STR_APOLOGY_TITLE_NAMED, /* {name} stands for the first name */
    AM_STR_APOLOGY_BODY,
    AM_STR_APOLOGY_RECEIVED,
    AM_STR_RESOLUTION_TITLE,
    AM_STR_RESOLUTION_OTHER_HINT,
    AM_STR_OFFER_TITLE,
    AM_STR_OFFER_BODY,
    AM_STR_OFFER_ACCEPT,
    AM_STR_OFFER_DECLINE,
    AM_STR_OFFER_ESCALATED_TITLE,
    AM_STR_OFFER_ESCALATED_BODY,
    AM_STR_RATING_TITLE,
    AM_STR_RATING_1,
    AM_STR_RATING_2,
    AM_STR_RATING_3,
    AM_STR_RATING_4,
    AM_STR_RATING_5,
    AM_STR_RATING_COMMENT,
    AM_STR_RATING_COMMENT_HINT,
    AM_STR_FOLLOWUP_TITLE,
    AM_STR_FOLLOWUP_BODY,
    AM_STR_FOLLOWUP_CONTACT,
    AM_STR_FOLLOWUP_CONTACT_HINT,
    AM_STR_FOLLOWUP_CONSENT,
    AM_STR_FOLLOWUP_YES,
    AM_STR_FOLLOWUP_NO,
    AM_STR_FOLLOWUP_DONE,
    AM_STR_FOLLOWUP_BODY_CANT_WAIT,   /* after "I can't wait": what the contact is for */
    AM_STR_FOLLOWUP_BODY_PROMISED,    /* a call back was promised: what the contact is for */
    AM_STR_ASK_CONTACT_TITLE,         /* Finish with a contact: may we use it? */
    AM_STR_ASK_CONTACT_BODY,          /* ... what for, and that "no" keeps nothing */
    AM_STR_ASK_CONTACT_BODY_PROMISED, /* the same when contact was promised */
    AM_STR_ASK_CONTACT_YES,
    AM_STR_ASK_CONTACT_NO,
    AM_STR_ASK_DISCARD_TITLE, /* Skip with something given */
    AM_STR_ASK_DISCARD_BODY,  /* ... what would be dropped */
    AM_STR_ASK_KEEP,
    AM_STR_ASK_DISCARD,
    AM_STR_THANKS_TITLE,
    AM_STR_THANKS_TITLE_NAMED,
    AM_STR_THANKS_BODY,
    AM_STR_THANKS_PROMISE_NONE,     /* what happens when the resolution commits to nothing */
    AM_STR_THANKS_ASK_DESK,         /* an action nothing can carry out: sync is off */
    AM_STR_THANKS_URGENT_SENDING,   /* an urgent alert the hub has not confirmed yet */
    AM_STR_THANKS_URGENT_CONFIRMED, /* the hub has it; the resolution promises nothing more */
    AM_STR_THANKS_URGENT_DESK,      /* the hub did not confirm it in time: go to staff */
    AM_STR_THANKS_CONTACT_PROMISE,  /* contact left for a call back: the team will call */
    AM_STR_THANKS_ASK_DESK_LATER,   /* contact was promised but the guest left none */
    AM_STR_THANKS_REFERENCE,        /* heading over the case code */
    AM_STR_THANKS_VOUCHER,
    AM_STR_THANKS_VOUCHER_VALID,
    AM_STR_THANKS_VOUCHER_VALID_ONE,
    AM_STR_THANKS_VOUCHER_UNTIL, /* {date}: the voucher's last day */
    AM_STR_THANKS_MANAGER,
    AM_STR_THANKS_RETURNING,
    AM_STR_THANKS_DONE,
    AM_STR_STAFF_WAIT_TITLE,       /* "Please wait here." */
    AM_STR_STAFF_WAIT_TITLE_DESK,  /* the hub did not confirm the call: go to staff */
    AM_STR_STAFF_WAIT_CALLING,     /* heads the team's name while the call is on its way */
    AM_STR_STAFF_WAIT_CALLED,      /* heads the team's name once the hub has it */
    AM_STR_STAFF_WAIT_TAKEN,       /* {name} from {team} is on the way */
    AM_STR_STAFF_WAIT_TAKEN_ALONE, /* {name} is on the way (a case of no team) */
    AM_STR_STAFF_WAIT_CANT_WAIT,
    AM_STR_STAFF_WAIT_DONE,
    AM_STR_IDLE_TITLE,
    AM_STR_IDLE_BODY,
    AM_STR_IDLE_STILL_HERE,
    AM_STR_OUT_OF_ORDER_TITLE,
    AM_STR_OUT_OF_ORDER_BODY,
    AM_STR_PIN_TITLE,
    AM_STR_PIN_BODY,
    AM_STR_PIN_OK,
    AM_STR_MANAGER_TITLE,
    AM_STR_MANAGER_COUNTS,
    AM_STR_MANAGER_SYNC_OFF,
    AM_STR_MANAGER_NEVER,
    AM_STR_MANAGER_OK,
    AM_STR_MANAGER_UNREACHABLE,
    AM_STR_MANAGER_FAILING,
    AM_STR_MANAGER_REFUSED,
    AM_STR_MANAGER_HUB_SAID,
    AM_STR_MANAGER_STORE_ERROR,
    AM_STR_MANAGER_WHY_CONN_REFUSED,
    AM_STR_MANAGER_WHY_NO_ROUTE,
    AM_STR_MANAGER_WHY_TIMEOUT,
    AM_STR_MANAGER_WHY_NAME,
    AM_STR_MANAGER_WHY_TLS,
    AM_STR_MANAGER_WHY_HTTP,
    AM_STR_MANAGER_WHY_SYNC_OFF,
    AM_STR_MANAGER_WHY_CREDENTIALS,
    AM_STR_MANAGER_ALERTS_WAITING,
    AM_STR_MANAGER_ALERTS_NONE,
    AM_STR_MANAGER_ALERT_REFUSED,
    AM_STR_MANAGER_ALERT_QUEUED,
    AM_STR_MANAGER_AGE_S,
    AM_STR_MANAGER_AGE_MIN,
    AM_STR_MANAGER_AGE_H,
    AM_STR_MANAGER_AGE_D,
    AM_STR_MANAGER_LOG_TITLE,
    AM_STR_MANAGER_LOG_EMPTY,
    AM_STR_MANAGER_SYNC_NOW,
    AM_STR_MANAGER_REQUEUE,
    AM_STR_MANAGER_EXPORT,
    AM_STR_MANAGER_EXIT,
    AM_STR_MANAGER_MSG_SYNC_OFF,
    AM_STR_MANAGER_MSG_SENDING,
    AM_STR_MANAGER_MSG_NOTHING,
    AM_STR_MANAGER_MSG_REQUEUED,
    AM_STR_MANAGER_MSG_REQUEUE_FAILED,
    AM_STR_MANAGER_MSG_EXPORTED,
    AM_STR_MANAGER_MSG_EXPORT_FAILED,
    AM_STR_DATE_MONTHS, /* the twelve month names, comma-separated */
    AM_STR_DATE_FORMAT, /* a date: {day}, {month} and {year} */
    AM_STR_KBD_SPACE,
    AM_STR_COUNT
} am_str;

/* "attract.title" for AM_STR_ATTRACT_TITLE; NULL past the end. */
const char *am_i18n_key_name(am_str s);

typedef struct am_i18n am_i18n;

/* Loads DIR/<code>.ini for every language in am_lang_codes. English must
 * be complete; a language file that is missing or has an unknown key or a
 * malformed line fails with "FILE:LINE: reason" in err. On success *out
 * owns the strings (free with am_i18n_free). */
am_rc am_i18n_load(const char *dir, am_i18n **out, char *err, size_t errlen);
/* Parses one language's text, as am_i18n_load does for its file; `name`
 * stands for the file in messages. For tests. */
am_rc am_i18n_parse(am_i18n *i18n, int lang, const char *name, const char *text, char *err,
                    size_t errlen);
/* An empty table (every key missing), to fill with am_i18n_parse. */
am_i18n *am_i18n_new(void);
/* Accepts NULL. */
void am_i18n_free(am_i18n *i18n);

/* The string in `lang`, else English, else the key's name. Never NULL. */
const char *am_i18n_get(const am_i18n *i18n, int lang, am_str s);
/* Writes the keys missing in `lang`, comma-separated, into buf; returns
 * how many are missing. */
int am_i18n_missing(const am_i18n *i18n, int lang, char *buf, size_t buflen);

#endif
