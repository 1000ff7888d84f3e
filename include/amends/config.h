/* config.h — the site configuration as plain data, and pure lookups on it.
 *
 * This header has no I/O: src/core reads these structs. Loading and checking
 * an INI file lives in config_file.h (src/config). Every key has a built-in
 * default (src/config/defaults.c), so a kiosk runs with no file at all;
 * config/amends.conf documents every key.
 *
 * All strings are owned by the am_config and freed by am_config_free().
 */
#ifndef AMENDS_CONFIG_H
#define AMENDS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amends/error.h"
#include "amends/log.h"

/* The languages amends ships strings and fonts for, in chip order. */
enum { AM_LANG_EN = 0, AM_LANG_ES, AM_LANG_FR, AM_LANG_DE, AM_LANG_AR, AM_LANG_ZH, AM_LANG_COUNT };
extern const char *const am_lang_codes[AM_LANG_COUNT];
/* Index of a language code ("ar"), or -1 when amends does not know it. */
int am_lang_index(const char *code);
/* True for languages written right to left. */
bool am_lang_rtl(int lang);

#define AM_ID_MAX          33 /* ids: [a-z0-9_]{1,32} */
#define AM_KIOSK_ID_MAX    65 /* kiosk id: [A-Za-z0-9._-]{1,64} */
#define AM_PATH_MAX        1024
#define AM_MAX_CATEGORIES  16
#define AM_MAX_RESOLUTIONS 24 /* defined in the whole file */
#define AM_MAX_CAT_OPTIONS 6  /* listed per category, before the built-ins */
#define AM_MAX_OFFERS      32
#define AM_MAX_TEAMS       12

/* Built-in resolution ids: always offered after a category's own options. */
#define AM_RESOLUTION_STAFF_NOW "staff_now"
#define AM_RESOLUTION_OTHER     "other"

/* Report severity, as chosen on `details` ("how much did it affect you"). */
typedef enum am_severity {
    AM_SEVERITY_NONE = 0,
    AM_SEVERITY_MINOR,
    AM_SEVERITY_SIGNIFICANT,
    AM_SEVERITY_SEVERE,
} am_severity;
const char *am_severity_name(am_severity s);                 /* "minor", ..., "" for NONE */
am_rc am_severity_parse(const char *name, am_severity *out); /* AM_OK or AM_ERR_INVALID */

/* One text in every language; s[lang] is NULL where the site gave none. */
typedef struct am_text {
    char *s[AM_LANG_COUNT];
} am_text;
/* The text in `lang`, else English, else "". Never NULL. */
const char *am_text_get(const am_text *t, int lang);
bool am_text_empty(const am_text *t);

/* What choosing a resolution commits the site to. */
typedef enum am_resolution_action {
    AM_ACTION_NONE = 0,  /* nothing: the report is kept, nobody acts on it now */
    AM_ACTION_NOTIFY,    /* the team is told (an alert for the team) */
    AM_ACTION_CALLBACK,  /* someone of the team will contact the guest */
    AM_ACTION_STAFF_NOW, /* someone of the team comes to the guest now */
    AM_ACTION_COUNT
} am_resolution_action;
const char *am_resolution_action_name(am_resolution_action a); /* "none", ...; NULL past the end */
int am_resolution_action_parse(const char *name, am_resolution_action *out);

/* A team a resolution is for, and what the kiosk may say it will do:
 * promise[action] is the sentence for each action a resolution gives this
 * team ("Housekeeping will be told and will see to your room."); empty
 * where no resolution needs it. promise[AM_ACTION_NONE] is never set. */
typedef struct am_team_def {
    char id[AM_ID_MAX];
    am_text label; /* "Housekeeping" */
    am_text promise[AM_ACTION_COUNT];
} am_team_def;

typedef struct am_resolution_def {
    char id[AM_ID_MAX];
    am_text label;
    am_resolution_action action; /* what choosing it commits to */
    char team[AM_ID_MAX];        /* the team it is for; "" only with AM_ACTION_NONE */
    bool urgent;                 /* staff must have it now: delivery is confirmed */
    bool asks_text;              /* "something else": the guest says what */
} am_resolution_def;

typedef struct am_category_def {
    char id[AM_ID_MAX];
    am_text label;
    am_text apology;     /* optional: overrides the generic apology */
    am_text explanation; /* brief, no excuses: what we think went wrong */
    int option_count;
    int options[AM_MAX_CAT_OPTIONS]; /* indexes into am_config.resolutions */
} am_category_def;

typedef struct am_offer_def {
    char id[AM_ID_MAX];
    am_text text;           /* "Breakfast for two tomorrow, on us" */
    int64_t value_minor;    /* in the budget currency's minor unit */
    int valid_days;         /* its voucher's validity; 0: [budget] voucher_days */
    unsigned severity_mask; /* bit (1u << am_severity) for each severity */
    uint32_t category_mask; /* bit per category index */
} am_offer_def;

/* A corner of the screen, as the device is mounted (never mirrored). */
typedef enum am_corner {
    AM_CORNER_TOP_LEFT = 0,
    AM_CORNER_TOP_RIGHT,
    AM_CORNER_BOTTOM_LEFT,
    AM_CORNER_BOTTOM_RIGHT,
} am_corner;

typedef struct am_config {
    char source[AM_PATH_MAX]; /* file it came from; "" for built-in defaults */

    struct {
        char id[AM_KIOSK_ID_MAX];
        int languages[AM_LANG_COUNT]; /* chips on attract, in order */
        int language_count;
        int default_language;
        char data_dir[AM_PATH_MAX];
        am_log_level log_level;
        /* The prefix of the case codes this kiosk makes (HV, L2); "": made
         * from the kiosk id (am_config_case_prefix). */
        char case_prefix[8];
        /* What a guest sees until they switch it on attract (am_mode). */
        bool high_contrast, large_text, low_reach;
        /* With low reach on a portrait screen, the share of the screen's
         * height, from the bottom, that every control stays within, in
         * hundredths ([kiosk] reach_max_fraction = 0.6 is 60). */
        int reach_max_percent;
        /* The optional "where" field on details ("Room number", "Till or
         * department"); empty: the field is not shown. */
        am_text location_label;
    } kiosk;

    struct {
        int timeout_s;   /* no input on a guest screen: "still there?" */
        int countdown_s; /* the prompt's countdown, then reset */
        int thanks_s;    /* thanks back to attract */
        int manager_s;   /* manager screens back to attract */
    } idle;

    struct {
        int voucher_s;    /* thanks with a voucher stays this long, unless Done */
        int staff_wait_s; /* staff_wait: "please wait here" stays this long */
    } journey;

    struct {
        char brand[64];
        uint32_t primary, accent, background, text; /* 0xRRGGBB */
        char logo[AM_PATH_MAX];                     /* PNG; "" for none */
    } theme;

    struct {
        char url[512]; /* https://hub.example.net; "" turns sync off */
        char token_file[AM_PATH_MAX];
        char secret_file[AM_PATH_MAX];
        char ca_file[AM_PATH_MAX]; /* "" uses the system CA store */
        char pin[128];             /* "sha256//BASE64" or "" */
        int batch;
        int heartbeat_s;
        int connect_timeout_s;
        /* An urgent alert not confirmed by the hub within this long: the
         * guest is told to ask a member of staff instead. */
        int urgent_confirm_s;
    } sync;

    struct {
        int retention_days; /* personal data purged this long after sync */
        int disk_alarm_mb;  /* free space below this raises an alarm */
    } store;

    struct {
        char currency[4];
        int64_t daily_value_minor;
        int hourly_offers;
        int severe_reserve_percent;         /* share kept for severe reports */
        int offer_days;                     /* a voucher stays valid this many days */
        char voucher_key_file[AM_PATH_MAX]; /* the key vouchers are made with */
    } budget;

    struct {
        am_corner gesture_corner;     /* where the hidden press opens the PIN pad */
        int gesture_seconds;          /* how long the press is held */
        int max_failures;             /* wrong PINs in a row before the lockout */
        int lockout_minutes;          /* the PIN pad stays locked this long */
        char export_dir[AM_PATH_MAX]; /* CSV exports go here (a USB stick) */
    } manager;

    int category_count;
    am_category_def categories[AM_MAX_CATEGORIES];
    int resolution_count;
    am_resolution_def resolutions[AM_MAX_RESOLUTIONS];
    int offer_count;
    am_offer_def offers[AM_MAX_OFFERS];
    int team_count;
    am_team_def teams[AM_MAX_TEAMS];
} am_config;

/* Money in minor units as "150.00" (two decimals, as config files and
 * exports write it; a minus sign when negative). */
void am_money_format(int64_t minor, char *buf, size_t len);

/* Frees the config and every string it owns. Accepts NULL. */
void am_config_free(am_config *cfg);

/* Lookups. Return -1 / NULL when absent. */
int am_config_category_index(const am_config *cfg, const char *id);
/* True when details asks where it happened ([kiosk] location_label set). */
bool am_config_asks_location(const am_config *cfg);
/* The prefix of this kiosk's case codes: [kiosk] case_prefix, else the
 * one its id gives (am_case_prefix_of). */
void am_config_case_prefix(const am_config *cfg, char *out, size_t len);
int am_config_resolution_index(const am_config *cfg, const char *id);
int am_config_offer_index(const am_config *cfg, const char *id);
int am_config_team_index(const am_config *cfg, const char *id);

/* What happens next once resolution `resolution` is committed: its team's
 * sentence for its action. NULL for AM_ACTION_NONE or a bad index; the
 * loader makes sure every other resolution has one. */
const am_text *am_config_promise(const am_config *cfg, int resolution);
/* True when choosing the resolution must reach staff at once: staff_now,
 * or an action marked urgent. */
bool am_resolution_urgent(const am_resolution_def *res);

/* Days a voucher for offer `offer` stays valid: its own valid_days, else
 * [budget] voucher_days. */
int am_config_offer_valid_days(const am_config *cfg, int offer);

/* The resolution options shown for a category, built-ins included:
 * the category's own options, then staff_now, then other. Writes at most
 * `max` indexes into `out` and returns how many. */
int am_config_options_for(const am_config *cfg, int category, int *out, int max);

/* The first offer, in file order, that applies to this category and
 * severity; -1 when the policy allows none. */
int am_config_offer_for(const am_config *cfg, int category, am_severity severity);

#endif
