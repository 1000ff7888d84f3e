/* config.c — the site configuration's plain data: languages,
 * severities, texts, lookups. libc only and no I/O, so the journey and
 * policy code in src/core can use it without pulling in the INI loader. */
#include "amends/config.h"

#include "amends/case_code.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const am_lang_codes[AM_LANG_COUNT] = {"en", "es", "fr", "de", "ar", "zh"};

int am_lang_index(const char *code)
{
    if (!code)
        return -1;
    for (int i = 0; i < AM_LANG_COUNT; i++) {
        if (strcmp(code, am_lang_codes[i]) == 0)
            return i;
    }
    return -1;
}

bool am_lang_rtl(int lang)
{
    return lang == AM_LANG_AR;
}

static const char *const severity_names[] = {"", "minor", "significant", "severe"};

const char *am_severity_name(am_severity s)
{
    if ((int)s < 0 || (size_t)s >= sizeof severity_names / sizeof severity_names[0])
        return "";
    return severity_names[s];
}

am_rc am_severity_parse(const char *name, am_severity *out)
{
    if (!name)
        return AM_ERR_INVALID;
    /* NONE has no name a person could type: it means "not chosen yet". */
    for (int s = AM_SEVERITY_MINOR; s <= AM_SEVERITY_SEVERE; s++) {
        if (strcmp(name, severity_names[s]) == 0) {
            *out = (am_severity)s;
            return AM_OK;
        }
    }
    return AM_ERR_INVALID;
}

const char *am_text_get(const am_text *t, int lang)
{
    if (!t)
        return "";
    if (lang >= 0 && lang < AM_LANG_COUNT && t->s[lang])
        return t->s[lang];
    /* English is the language every site must fill in, so it is the
     * fallback for a translation the site did not give. */
    return t->s[AM_LANG_EN] ? t->s[AM_LANG_EN] : "";
}

bool am_text_empty(const am_text *t)
{
    if (!t)
        return true;
    for (int i = 0; i < AM_LANG_COUNT; i++) {
        if (t->s[i] && t->s[i][0])
            return false;
    }
    return true;
}

static void text_free(am_text *t)
{
    for (int i = 0; i < AM_LANG_COUNT; i++) {
        free(t->s[i]);
        t->s[i] = NULL;
    }
}

void am_config_free(am_config *cfg)
{
    if (!cfg)
        return;
    text_free(&cfg->kiosk.location_label);
    for (int i = 0; i < cfg->category_count; i++) {
        am_category_def *cat = &cfg->categories[i];
        text_free(&cat->label);
        text_free(&cat->apology);
        text_free(&cat->explanation);
    }
    for (int i = 0; i < cfg->team_count; i++) {
        text_free(&cfg->teams[i].label);
        for (int a = 0; a < AM_ACTION_COUNT; a++)
            text_free(&cfg->teams[i].promise[a]);
    }
    for (int i = 0; i < cfg->resolution_count; i++)
        text_free(&cfg->resolutions[i].label);
    for (int i = 0; i < cfg->offer_count; i++)
        text_free(&cfg->offers[i].text);
    free(cfg);
}

bool am_config_asks_location(const am_config *cfg)
{
    return cfg && cfg->kiosk.location_label.s[AM_LANG_EN] &&
           cfg->kiosk.location_label.s[AM_LANG_EN][0];
}

void am_config_case_prefix(const am_config *cfg, char *out, size_t len)
{
    if (cfg && cfg->kiosk.case_prefix[0])
        snprintf(out, len, "%s", cfg->kiosk.case_prefix);
    else
        am_case_prefix_of(cfg ? cfg->kiosk.id : "", out, len);
}

int am_config_category_index(const am_config *cfg, const char *id)
{
    if (!cfg || !id)
        return -1;
    for (int i = 0; i < cfg->category_count; i++) {
        if (strcmp(cfg->categories[i].id, id) == 0)
            return i;
    }
    return -1;
}

int am_config_resolution_index(const am_config *cfg, const char *id)
{
    if (!cfg || !id)
        return -1;
    for (int i = 0; i < cfg->resolution_count; i++) {
        if (strcmp(cfg->resolutions[i].id, id) == 0)
            return i;
    }
    return -1;
}

int am_config_offer_index(const am_config *cfg, const char *id)
{
    if (!cfg || !id)
        return -1;
    for (int i = 0; i < cfg->offer_count; i++) {
        if (strcmp(cfg->offers[i].id, id) == 0)
            return i;
    }
    return -1;
}

int am_config_team_index(const am_config *cfg, const char *id)
{
    if (!cfg || !id)
        return -1;
    for (int i = 0; i < cfg->team_count; i++) {
        if (strcmp(cfg->teams[i].id, id) == 0)
            return i;
    }
    return -1;
}

static const char *const action_names[AM_ACTION_COUNT] = {"none", "notify", "callback",
                                                          "staff_now"};

const char *am_resolution_action_name(am_resolution_action a)
{
    return (unsigned)a < AM_ACTION_COUNT ? action_names[a] : NULL;
}

int am_resolution_action_parse(const char *name, am_resolution_action *out)
{
    for (int a = 0; name && a < AM_ACTION_COUNT; a++) {
        if (strcmp(name, action_names[a]) == 0) {
            *out = (am_resolution_action)a;
            return 0;
        }
    }
    return -1;
}

const am_text *am_config_promise(const am_config *cfg, int resolution)
{
    if (!cfg || resolution < 0 || resolution >= cfg->resolution_count)
        return NULL;
    const am_resolution_def *res = &cfg->resolutions[resolution];
    int team = am_config_team_index(cfg, res->team);
    if (res->action == AM_ACTION_NONE || team < 0)
        return NULL;
    return &cfg->teams[team].promise[res->action];
}

int am_config_offer_valid_days(const am_config *cfg, int offer)
{
    if (cfg && offer >= 0 && offer < cfg->offer_count && cfg->offers[offer].valid_days > 0)
        return cfg->offers[offer].valid_days;
    return cfg ? cfg->budget.offer_days : 0;
}

bool am_resolution_urgent(const am_resolution_def *res)
{
    return res &&
           (res->action == AM_ACTION_STAFF_NOW || (res->urgent && res->action != AM_ACTION_NONE));
}

int am_config_options_for(const am_config *cfg, int category, int *out, int max)
{
    int count = 0;
    if (!cfg || !out || max <= 0 || category < 0 || category >= cfg->category_count)
        return 0;
    const am_category_def *cat = &cfg->categories[category];
    for (int i = 0; i < cat->option_count && count < max; i++)
        out[count++] = cat->options[i];
    /* The built-ins come last on every category: a guest can always ask
     * for a person or say in their own words what would help. */
    int staff_now = am_config_resolution_index(cfg, AM_RESOLUTION_STAFF_NOW);
    if (staff_now >= 0 && count < max)
        out[count++] = staff_now;
    int other = am_config_resolution_index(cfg, AM_RESOLUTION_OTHER);
    if (other >= 0 && count < max)
        out[count++] = other;
    return count;
}

int am_config_offer_for(const am_config *cfg, int category, am_severity severity)
{
    if (!cfg || category < 0 || category >= cfg->category_count || category >= 32)
        return -1;
    if (severity <= AM_SEVERITY_NONE || severity > AM_SEVERITY_SEVERE)
        return -1;
    for (int i = 0; i < cfg->offer_count; i++) {
        const am_offer_def *offer = &cfg->offers[i];
        if ((offer->category_mask & (UINT32_C(1) << category)) &&
            (offer->severity_mask & (1u << severity)))
            return i;
    }
    return -1;
}

void am_money_format(int64_t minor, char *buf, size_t len)
{
    /* Work on the magnitude so -1.50 is not printed as -1.-50. */
    uint64_t magnitude = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    snprintf(buf, len, "%s%llu.%02llu", minor < 0 ? "-" : "", (unsigned long long)(magnitude / 100),
             (unsigned long long)(magnitude % 100));
}
