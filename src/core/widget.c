/* widget.c — widget ids to journey events (see widget.h, docs/widgets.md).
 *
 * Ids are matched exactly: scripts and tests depend on them, so a near miss
 * ("rating.01", "Category.room") names nothing rather than guessing.
 */
#include "amends/widget.h"

#include <string.h>

/* Widgets that stand for one event with no value. */
static const struct {
    const char *id;
    am_event_type type;
    int value;
} plain_widgets[] = {
    {"start", AM_EV_START, 0},
    {"next", AM_EV_NEXT, 0},
    {"back", AM_EV_BACK, 0},
    {"skip", AM_EV_SKIP, 0},
    {"done", AM_EV_DONE, 0},
    {"cant_wait", AM_EV_CANT_WAIT, 0},
    {"still_here", AM_EV_STILL_HERE, 0},
    {"manager", AM_EV_MANAGER, 0},
    {"mode.contrast", AM_EV_MODE, AM_MODE_HIGH_CONTRAST},
    {"mode.large_text", AM_EV_MODE, AM_MODE_LARGE_TEXT},
    {"mode.low_reach", AM_EV_MODE, AM_MODE_LOW_REACH},
    {"offer.accept", AM_EV_OFFER_ACCEPT, 0},
    {"offer.decline", AM_EV_OFFER_DECLINE, 0},
    {"impact.minor", AM_EV_IMPACT, AM_SEVERITY_MINOR},
    {"impact.significant", AM_EV_IMPACT, AM_SEVERITY_SIGNIFICANT},
    {"impact.severe", AM_EV_IMPACT, AM_SEVERITY_SEVERE},
    {"field.description", AM_EV_FOCUS, AM_FIELD_DESCRIPTION},
    {"field.name", AM_EV_FOCUS, AM_FIELD_NAME},
    {"field.other", AM_EV_FOCUS, AM_FIELD_RESOLUTION_TEXT},
    {"field.comment", AM_EV_FOCUS, AM_FIELD_COMMENT},
    {"field.contact", AM_EV_FOCUS, AM_FIELD_CONTACT},
    {"field.location", AM_EV_FOCUS, AM_FIELD_LOCATION},
    {"rating.1", AM_EV_RATE, 1},
    {"rating.2", AM_EV_RATE, 2},
    {"rating.3", AM_EV_RATE, 3},
    {"rating.4", AM_EV_RATE, 4},
    {"rating.5", AM_EV_RATE, 5},
    {"consent.yes", AM_EV_CONSENT, AM_CONSENT_YES},
    {"consent.no", AM_EV_CONSENT, AM_CONSENT_NO},
    {"ask.contact_yes", AM_EV_CONSENT, AM_CONSENT_YES},
    {"ask.contact_no", AM_EV_CONSENT, AM_CONSENT_NO},
    {"ask.keep", AM_EV_BACK, 0},
    {"ask.discard", AM_EV_SKIP, 0},
    {"pin.0", AM_EV_PIN_DIGIT, 0},
    {"pin.1", AM_EV_PIN_DIGIT, 1},
    {"pin.2", AM_EV_PIN_DIGIT, 2},
    {"pin.3", AM_EV_PIN_DIGIT, 3},
    {"pin.4", AM_EV_PIN_DIGIT, 4},
    {"pin.5", AM_EV_PIN_DIGIT, 5},
    {"pin.6", AM_EV_PIN_DIGIT, 6},
    {"pin.7", AM_EV_PIN_DIGIT, 7},
    {"pin.8", AM_EV_PIN_DIGIT, 8},
    {"pin.9", AM_EV_PIN_DIGIT, 9},
    {"pin.del", AM_EV_PIN_DELETE, 0},
    {"pin.ok", AM_EV_PIN_OK, 0},
    {"manager.sync_now", AM_EV_MANAGER_ACTION, AM_MGR_SYNC_NOW},
    {"manager.requeue", AM_EV_MANAGER_ACTION, AM_MGR_REQUEUE},
    {"manager.export", AM_EV_MANAGER_ACTION, AM_MGR_EXPORT},
    {"manager.exit", AM_EV_MANAGER_ACTION, AM_MGR_EXIT},
};

/* The rest of the id after `prefix`, or NULL when it does not start so or
 * nothing follows. */
static const char *after_prefix(const char *id, const char *prefix)
{
    size_t len = strlen(prefix);
    if (strncmp(id, prefix, len) != 0 || id[len] == '\0')
        return NULL;
    return id + len;
}

/* A language chip exists only for the languages this site shows. */
static int site_language(const am_config *cfg, const char *code)
{
    int lang = am_lang_index(code);
    if (lang < 0)
        return -1;
    for (int i = 0; i < cfg->kiosk.language_count && i < AM_LANG_COUNT; i++) {
        if (cfg->kiosk.languages[i] == lang)
            return lang;
    }
    return -1;
}

/* Ids whose value comes from the config: lang.XX, category.ID,
 * resolution.ID. Returns the value, or -1. */
static int config_value(const am_config *cfg, const char *id, am_event_type *type)
{
    const char *rest;
    if ((rest = after_prefix(id, "lang."))) {
        *type = AM_EV_LANG;
        return site_language(cfg, rest);
    }
    if ((rest = after_prefix(id, "category."))) {
        *type = AM_EV_CATEGORY;
        return am_config_category_index(cfg, rest);
    }
    if ((rest = after_prefix(id, "resolution."))) {
        *type = AM_EV_RESOLUTION;
        return am_config_resolution_index(cfg, rest);
    }
    return -1;
}

int am_widget_event(const am_config *cfg, const char *id, am_event *ev)
{
    if (!id || !ev)
        return -1;
    for (size_t i = 0; i < sizeof plain_widgets / sizeof plain_widgets[0]; i++) {
        if (strcmp(id, plain_widgets[i].id) == 0) {
            ev->type = plain_widgets[i].type;
            ev->value = plain_widgets[i].value;
            ev->text = NULL;
            return 0;
        }
    }
    if (!cfg)
        return -1;
    am_event_type type = AM_EV_TICK;
    int value = config_value(cfg, id, &type);
    if (value < 0)
        return -1;
    ev->type = type;
    ev->value = value;
    ev->text = NULL;
    return 0;
}
