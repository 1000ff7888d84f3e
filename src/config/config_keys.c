/* config_keys.c — the value parsers for each kind of key (numbers, money,
 * texts with language suffixes, ids, paths, colours, URLs, lists) and the
 * table of every key the loader accepts. */
#include "amends/config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "amends/case_code.h"
#include "amends/text.h"
#include "config_internal.h"
#include "config_load.h"

/* ---- key parsers ------------------------------------------------------- */

static int parse_int(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    long long v;
    char shown[64];
    if (config_parse_whole(value, &v)) {
        config_fail_key(ctx, "'%s' is not a whole number",
                        config_quote(value, shown, sizeof shown));
        return -1;
    }
    if (v < key->min || v > key->max) {
        config_fail_key(ctx, "%s is out of range (%lld..%lld)",
                        config_quote(value, shown, sizeof shown), key->min, key->max);
        return -1;
    }
    *(int *)field = (int)v;
    return 0;
}

/* A share like 0.6 (at most two decimals), kept in hundredths. */
static int parse_fraction(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    int64_t v;
    char shown[64];
    if (config_parse_money_text(value, &v) || v < key->min || v > key->max) {
        config_fail_key(ctx, "'%s' is not a share from %lld.%02lld to %lld.%02lld (like 0.6)",
                        config_quote(value, shown, sizeof shown), key->min / 100, key->min % 100,
                        key->max / 100, key->max % 100);
        return -1;
    }
    *(int *)field = (int)v;
    return 0;
}

static int parse_money(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    int64_t v;
    char shown[64], lo[32], hi[32];
    if (config_parse_money_text(value, &v)) {
        config_fail_key(ctx, "'%s' is not an amount like 150 or 150.00 (at most two decimals)",
                        config_quote(value, shown, sizeof shown));
        return -1;
    }
    if (v < key->min || v > key->max) {
        am_money_format(key->min, lo, sizeof lo);
        am_money_format(key->max, hi, sizeof hi);
        config_fail_key(ctx, "%s is out of range (%s..%s)", value, lo, hi);
        return -1;
    }
    *(int64_t *)field = v;
    return 0;
}

static int parse_string(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    size_t len = strlen(value);
    if ((long long)len < key->min) {
        config_fail_key(ctx, "must not be empty");
        return -1;
    }
    if (len >= key->size) {
        config_fail_key(ctx, "is too long (%zu bytes, at most %zu)", len, key->size - 1);
        return -1;
    }
    memcpy(field, value, len + 1);
    return 0;
}

static int parse_kiosk_id(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    size_t len = strlen(value);
    char shown[64];
    bool ok = len > 0 && len < key->size;
    for (size_t i = 0; ok && i < len; i++) {
        char c = value[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || config_is_digit(c) || c == '.' ||
             c == '_' || c == '-';
    }
    if (!ok) {
        config_fail_key(ctx,
                        "'%s' is not a kiosk id (use A-Z, a-z, 0-9, '.', '_' and '-', at most %zu)",
                        config_quote(value, shown, sizeof shown), key->size - 1);
        return -1;
    }
    memcpy(field, value, len + 1);
    return 0;
}

/* The prefix of the kiosk's case codes: empty (made from the kiosk id)
 * or 1 to AM_CASE_PREFIX_MAX of A-Z 0-9. */
static int parse_case_prefix(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    char shown[64];
    (void)key;
    if (*value && !am_case_prefix_valid(value)) {
        config_fail_key(ctx, "'%s' is not a case code prefix (1 to %d of A-Z and 0-9, or empty)",
                        config_quote(value, shown, sizeof shown), AM_CASE_PREFIX_MAX);
        return -1;
    }
    snprintf(field, AM_CASE_PREFIX_MAX + 1, "%s", value);
    return 0;
}

static int parse_path(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    char *out = field;
    int n;
    if (!*value) {
        if (key->min > 0) {
            config_fail_key(ctx, "must not be empty");
            return -1;
        }
        out[0] = '\0';
        return 0;
    }
    /* A site's files travel with its config: a relative path means "next
     * to the config file", whatever directory the kiosk was started in. */
    if (value[0] != '/' && ctx->base_dir[0])
        n = snprintf(out, key->size, "%s/%s", ctx->base_dir, value);
    else
        n = snprintf(out, key->size, "%s", value);
    if (n < 0 || (size_t)n >= key->size) {
        out[0] = '\0';
        config_fail_key(ctx, "path is too long (at most %zu bytes)", key->size - 1);
        return -1;
    }
    return 0;
}

static int parse_logo(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    unsigned char head[8];
    struct stat st;
    const char *path = field;
    int rc = parse_path(ctx, key, field, value);
    if (rc || !path[0])
        return rc;
    /* Checked now, not when the attract screen first draws: a missing logo
     * is a config mistake the installer should see at once. */
    if (stat(path, &st) != 0) {
        config_fail_key(ctx, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        config_fail_key(ctx, "%s: is not a regular file", path);
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        config_fail_key(ctx, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    if (got != sizeof head || memcmp(head, png_magic, sizeof head) != 0) {
        config_fail_key(ctx, "%s: is not a PNG image", path);
        return -1;
    }
    return 0;
}

static int hex_value(char c)
{
    if (config_is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int parse_color(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    uint32_t rgb = 0;
    char shown[64];
    bool ok = value[0] == '#' && strlen(value) == 7;
    for (int i = 1; ok && i < 7; i++) {
        int h = hex_value(value[i]);
        ok = h >= 0;
        rgb = (rgb << 4) | (uint32_t)(h < 0 ? 0 : h);
    }
    if (!ok) {
        config_fail_key(ctx, "'%s' is not a colour like #1F5F8B",
                        config_quote(value, shown, sizeof shown));
        return -1;
    }
    *(uint32_t *)field = rgb;
    /* Where the theme's colours were set: a contrast they fail is
     * reported there (config_file.c). */
    static const char *const theme_keys[] = {"primary", "accent", "background", "text"};
    for (int i = 0; ctx->kind == SEC_THEME && i < 4; i++)
        if (!strcmp(key->name, theme_keys[i]))
            ctx->theme_at[i] = config_here(ctx);
    return 0;
}

static int parse_bool(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    char shown[64];
    (void)key;
    if (strcmp(value, "yes") == 0) {
        *(bool *)field = true;
    } else if (strcmp(value, "no") == 0) {
        *(bool *)field = false;
    } else {
        config_fail_key(ctx, "'%s' is not yes or no", config_quote(value, shown, sizeof shown));
        return -1;
    }
    return 0;
}

/* The built-ins keep their one job whatever a site file says: staff_now
 * is how a guest reaches a person, other is how they say what they want. */
static int parse_builtin_flag(load_ctx *ctx, const key_def *key, void *field, const char *value,
                              const char *builtin)
{
    const am_resolution_def *res = ctx->entry;
    if (parse_bool(ctx, key, field, value))
        return -1;
    if (!*(bool *)field && strcmp(res->id, builtin) == 0) {
        config_fail_key(ctx, "must be yes for the built-in '%s'", builtin);
        return -1;
    }
    return 0;
}

/* A resolution's action; the built-in staff_now keeps its own. */
static int parse_action(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    const am_resolution_def *res = ctx->entry;
    char shown[64];
    (void)key;
    if (am_resolution_action_parse(value, field) != 0) {
        config_fail_key(ctx, "'%s' is not an action (none, notify, callback or staff_now)",
                        config_quote(value, shown, sizeof shown));
        return -1;
    }
    if (strcmp(res->id, AM_RESOLUTION_STAFF_NOW) == 0 &&
        *(am_resolution_action *)field != AM_ACTION_STAFF_NOW) {
        config_fail_key(ctx, "must be staff_now for the built-in '%s'", AM_RESOLUTION_STAFF_NOW);
        return -1;
    }
    return 0;
}

/* A resolution's team: an id, checked against the [team.*] sections once
 * every pass is read. */
static int parse_team_ref(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    char shown[64];
    if (!config_id_valid(value, strlen(value))) {
        config_fail_key(ctx, "'%s' is not a team id (a-z, 0-9 and _, at most %d characters)",
                        config_quote(value, shown, sizeof shown), AM_ID_MAX - 1);
        return -1;
    }
    snprintf(field, key->size, "%s", value);
    ctx->resolutions[ctx->entry_index].team_at = config_here(ctx);
    return 0;
}

static int parse_asks_text(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    return parse_builtin_flag(ctx, key, field, value, AM_RESOLUTION_OTHER);
}

static int parse_text(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    am_text *text = field;
    char *copy;
    if (!*value) {
        config_fail_key(ctx, "must not be empty");
        return -1;
    }
    size_t chars = am_utf8_count(value);
    if ((long long)chars > key->max) {
        config_fail_key(ctx, "is too long (%zu characters, at most %lld)", chars, key->max);
        return -1;
    }
    copy = strdup(value);
    if (!copy) {
        config_fail_nomem(ctx);
        return -1;
    }
    free(text->s[ctx->lang]);
    text->s[ctx->lang] = copy;
    return 0;
}

/* A text a site may turn off: the English key left empty clears every
 * language ("location_label =" hides the field); a translation must still
 * say something. */
static int parse_text_or_none(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    am_text *text = field;
    if (ctx->lang != AM_LANG_EN)
        ctx->location_translated_at = config_here(ctx);
    if (*value || ctx->lang != AM_LANG_EN)
        return parse_text(ctx, key, field, value);
    for (int i = 0; i < AM_LANG_COUNT; i++) {
        free(text->s[i]);
        text->s[i] = NULL;
    }
    return 0;
}

static int lang_item(load_ctx *ctx, const char *item, size_t len, int *lang)
{
    char code[8], shown[64];
    *lang = -1;
    if (len < sizeof code) {
        memcpy(code, item, len);
        code[len] = '\0';
        *lang = am_lang_index(code);
    }
    if (*lang < 0) {
        config_fail_key(ctx, "unknown language '%s' (known: en, es, fr, de, ar, zh)",
                        config_quote_n(item, len, shown, sizeof shown));
        return -1;
    }
    return 0;
}

static int add_language(load_ctx *ctx, const char *item, size_t len, void *arg)
{
    am_config *cfg = arg;
    int lang;
    if (lang_item(ctx, item, len, &lang))
        return -1;
    for (int i = 0; i < cfg->kiosk.language_count; i++) {
        if (cfg->kiosk.languages[i] == lang) {
            config_fail_key(ctx, "'%s' is listed twice", am_lang_codes[lang]);
            return -1;
        }
    }
    cfg->kiosk.languages[cfg->kiosk.language_count++] = lang;
    return 0;
}

static int parse_languages(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    (void)key;
    (void)field;
    ctx->cfg->kiosk.language_count = 0;
    ctx->languages_at = config_here(ctx);
    if (!*value) {
        config_fail_key(ctx, "must list at least one language");
        return -1;
    }
    return config_each_item(ctx, value, add_language, ctx->cfg);
}

static int parse_default_language(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    (void)key;
    ctx->default_language_at = config_here(ctx);
    return lang_item(ctx, value, strlen(value), field);
}

static int parse_log_level(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    char shown[64];
    (void)key;
    if (am_log_parse_level(value, field)) {
        config_fail_key(ctx, "'%s' is not one of debug, info, warn, error, off",
                        config_quote(value, shown, sizeof shown));
        return -1;
    }
    return 0;
}

static int parse_corner(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    static const char *const names[] = {"top-left", "top-right", "bottom-left", "bottom-right"};
    char shown[64];
    (void)key;
    for (int i = 0; i < 4; i++) {
        if (strcmp(value, names[i]) == 0) {
            *(am_corner *)field = (am_corner)i;
            return 0;
        }
    }
    config_fail_key(ctx, "'%s' is not one of top-left, top-right, bottom-left, bottom-right",
                    config_quote(value, shown, sizeof shown));
    return -1;
}

static int parse_currency(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    char shown[64];
    bool ok = strlen(value) == 3;
    (void)key;
    for (int i = 0; ok && i < 3; i++)
        ok = value[i] >= 'A' && value[i] <= 'Z';
    if (!ok) {
        config_fail_key(ctx, "'%s' is not a currency code like EUR (three capital letters)",
                        config_quote(value, shown, sizeof shown));
        return -1;
    }
    memcpy(field, value, 4);
    return 0;
}

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || config_is_digit(c) || c == '.' ||
           c == '-' || c == ':' || c == '[' || c == ']';
}

/* https:// only, so tokens never cross the network in clear; plain http
 * is allowed to this machine alone, for a hub under test. */
static int parse_url(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    static const char *const local_hosts[] = {"127.0.0.1", "[::1]", "localhost"};
    char shown[64];
    const char *authority;
    bool https = strncmp(value, "https://", 8) == 0;
    size_t len = strlen(value);
    if (!*value) {
        ((char *)field)[0] = '\0';
        return 0;
    }
    if (!https && strncmp(value, "http://", 7) != 0) {
        config_fail_key(ctx, "'%s' is not an https:// address",
                        config_quote(value, shown, sizeof shown));
        return -1;
    }
    authority = value + (https ? 8 : 7);
    size_t host_len = strcspn(authority, "/");
    bool ok = host_len > 0 && authority[0] != ':';
    for (size_t i = 0; ok && i < host_len; i++)
        ok = host_char(authority[i]);
    for (const char *p = authority + host_len; ok && *p; p++)
        ok = *p > ' ' && *p != '?' && *p != '#' && *p != '\\';
    if (!ok) {
        config_fail_key(ctx, "'%s' is not a valid hub address (https://HOST[:PORT][/PATH])",
                        config_quote(value, shown, sizeof shown));
        return -1;
    }
    if (!https) {
        bool local = false;
        for (size_t i = 0; i < sizeof local_hosts / sizeof local_hosts[0]; i++) {
            size_t n = strlen(local_hosts[i]);
            if (strncmp(authority, local_hosts[i], n) == 0 &&
                (authority[n] == '\0' || authority[n] == '/' || authority[n] == ':'))
                local = true;
        }
        if (!local) {
            config_fail_key(
                ctx, "'%s' must use https:// (http:// is only for 127.0.0.1, [::1], localhost)",
                config_quote(value, shown, sizeof shown));
            return -1;
        }
    }
    /* The sync worker appends "/v1/ingest"; a trailing slash would double it. */
    while (len > 0 && value[len - 1] == '/')
        len--;
    if (len >= key->size) {
        config_fail_key(ctx, "is too long (at most %zu bytes)", key->size - 1);
        return -1;
    }
    memcpy(field, value, len);
    ((char *)field)[len] = '\0';
    return 0;
}

static bool base64_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || config_is_digit(c) || c == '+' ||
           c == '/';
}

/* curl's pinned public key form: "sha256//" and the base64 of a 32-byte
 * hash (43 characters and '='); several joined by ';' for key rollover. */
static int parse_pin(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    char shown[64];
    const char *p = value;
    size_t len = strlen(value);
    bool ok = true;
    while (*value && ok) {
        ok = strncmp(p, "sha256//", 8) == 0;
        for (int i = 0; ok && i < 43; i++)
            ok = base64_char(p[8 + i]);
        ok = ok && p[51] == '=' && (p[52] == '\0' || (p[52] == ';' && p[53]));
        if (!ok || p[52] == '\0')
            break;
        p += 53;
    }
    if (!ok) {
        config_fail_key(ctx, "'%s' is not a pin like sha256//BASE64= (a SHA-256 of the public key)",
                        config_quote(value, shown, sizeof shown));
        return -1;
    }
    if (len >= key->size) {
        config_fail_key(ctx, "is too long (at most %zu bytes)", key->size - 1);
        return -1;
    }
    memcpy(field, value, len + 1);
    return 0;
}

/* The raw id lists of options and offer categories are kept as written and
 * resolved at the end, when every section of the file has been read. This
 * checks their shape now, so that the error points at the right line. */
typedef struct id_list {
    char ids[AM_MAX_OFFERS][AM_ID_MAX];
    int count;
    int max;
    const char *what; /* "options", "categories", ... */
    bool refuse_builtins;
} id_list;

static int add_id(load_ctx *ctx, const char *item, size_t len, void *arg)
{
    id_list *list = arg;
    char id[AM_ID_MAX];
    if (config_copy_id(ctx, item, len, id))
        return -1;
    if (list->refuse_builtins &&
        (strcmp(id, AM_RESOLUTION_STAFF_NOW) == 0 || strcmp(id, AM_RESOLUTION_OTHER) == 0)) {
        config_fail_key(
            ctx, "'%s' is always offered after the category's own options; do not list it", id);
        return -1;
    }
    for (int i = 0; i < list->count; i++) {
        if (strcmp(list->ids[i], id) == 0) {
            config_fail_key(ctx, "'%s' is listed twice", id);
            return -1;
        }
    }
    if (list->count == list->max) {
        config_fail_key(ctx, "too many %s (at most %d)", list->what, list->max);
        return -1;
    }
    memcpy(list->ids[list->count++], id, AM_ID_MAX);
    return 0;
}

static int replace_raw(load_ctx *ctx, char **slot, const char *value)
{
    char *copy = strdup(value);
    if (!copy) {
        config_fail_nomem(ctx);
        return -1;
    }
    free(*slot);
    *slot = copy;
    return 0;
}

static int parse_options(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    id_list list = {.max = AM_MAX_CAT_OPTIONS, .what = "options", .refuse_builtins = true};
    category_side *side = &ctx->categories[ctx->entry_index];
    (void)key;
    (void)field;
    if (*value && config_each_item(ctx, value, add_id, &list))
        return -1;
    side->options_at = config_here(ctx);
    return replace_raw(ctx, &side->options, value);
}

static int parse_offer_categories(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    id_list list = {.max = AM_MAX_CATEGORIES, .what = "categories"};
    offer_side *side = &ctx->offers[ctx->entry_index];
    (void)key;
    (void)field;
    if (strcmp(value, "*") != 0 && config_each_item(ctx, value, add_id, &list))
        return -1;
    side->categories_at = config_here(ctx);
    return replace_raw(ctx, &side->categories, value);
}

static int add_severity(load_ctx *ctx, const char *item, size_t len, void *arg)
{
    unsigned *mask = arg;
    char name[16], shown[64];
    am_severity severity = AM_SEVERITY_NONE;
    bool known = false;
    if (len < sizeof name) {
        memcpy(name, item, len);
        name[len] = '\0';
        known = am_severity_parse(name, &severity) == AM_OK;
    }
    if (!known) {
        config_fail_key(ctx, "'%s' is not one of minor, significant, severe",
                        config_quote_n(item, len, shown, sizeof shown));
        return -1;
    }
    if (*mask & (1u << severity)) {
        config_fail_key(ctx, "'%s' is listed twice", name);
        return -1;
    }
    *mask |= 1u << severity;
    return 0;
}

static int parse_severities(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    unsigned mask = 0;
    (void)key;
    if (config_each_item(ctx, value, add_severity, &mask))
        return -1;
    *(unsigned *)field = mask;
    return 0;
}

static int parse_offer_value(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    offer_side *side = &ctx->offers[ctx->entry_index];
    if (parse_money(ctx, key, field, value))
        return -1;
    side->has_value = true;
    side->value_at = config_here(ctx);
    return 0;
}

static int parse_daily_value(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    ctx->daily_value_at = config_here(ctx);
    return parse_money(ctx, key, field, value);
}

/* ---- the key table ----------------------------------------------------- */

#define CFG(f)     offsetof(am_config, f), sizeof(((am_config *)0)->f)
#define CAT(f)     offsetof(am_category_def, f), sizeof(((am_category_def *)0)->f)
#define RES(f)     offsetof(am_resolution_def, f), sizeof(((am_resolution_def *)0)->f)
#define OFF(f)     offsetof(am_offer_def, f), sizeof(((am_offer_def *)0)->f)
#define TEAM(f)    offsetof(am_team_def, f), sizeof(((am_team_def *)0)->f)
#define PROMISE(a) offsetof(am_team_def, promise) + (a) * sizeof(am_text), sizeof(am_text)

/* Every key the loader accepts. config/amends.conf documents each one and
 * test_config checks that it does. min/max: ranges for numbers, money in
 * hundredths, characters for texts, 1 for "must not be empty". */
const key_def config_key_table[] = {
    {SEC_KIOSK, "id", parse_kiosk_id, CFG(kiosk.id), 1, 0, false},
    {SEC_KIOSK, "languages", parse_languages, CFG(kiosk.languages), 0, 0, false},
    {SEC_KIOSK, "default_language", parse_default_language, CFG(kiosk.default_language), 0, 0,
     false},
    {SEC_KIOSK, "data_dir", parse_path, CFG(kiosk.data_dir), 1, 0, false},
    {SEC_KIOSK, "log_level", parse_log_level, CFG(kiosk.log_level), 0, 0, false},
    {SEC_KIOSK, "case_prefix", parse_case_prefix, CFG(kiosk.case_prefix), 0, 0, false},
    {SEC_KIOSK, "high_contrast", parse_bool, CFG(kiosk.high_contrast), 0, 0, false},
    {SEC_KIOSK, "large_text", parse_bool, CFG(kiosk.large_text), 0, 0, false},
    {SEC_KIOSK, "low_reach", parse_bool, CFG(kiosk.low_reach), 0, 0, false},
    {SEC_KIOSK, "reach_max_fraction", parse_fraction, CFG(kiosk.reach_max_percent), 40, 100, false},
    {SEC_KIOSK, "location_label", parse_text_or_none, CFG(kiosk.location_label), 0, 48, true},
    {SEC_IDLE, "timeout", parse_int, CFG(idle.timeout_s), 10, 600, false},
    {SEC_IDLE, "countdown", parse_int, CFG(idle.countdown_s), 5, 60, false},
    {SEC_IDLE, "thanks", parse_int, CFG(idle.thanks_s), 3, 120, false},
    {SEC_IDLE, "manager", parse_int, CFG(idle.manager_s), 15, 1800, false},
    {SEC_THEME, "brand", parse_string, CFG(theme.brand), 0, 0, false},
    {SEC_THEME, "primary", parse_color, CFG(theme.primary), 0, 0, false},
    {SEC_THEME, "accent", parse_color, CFG(theme.accent), 0, 0, false},
    {SEC_THEME, "background", parse_color, CFG(theme.background), 0, 0, false},
    {SEC_THEME, "text", parse_color, CFG(theme.text), 0, 0, false},
    {SEC_THEME, "logo", parse_logo, CFG(theme.logo), 0, 0, false},
    {SEC_SYNC, "url", parse_url, CFG(sync.url), 0, 0, false},
    {SEC_SYNC, "token_file", parse_path, CFG(sync.token_file), 1, 0, false},
    {SEC_SYNC, "secret_file", parse_path, CFG(sync.secret_file), 1, 0, false},
    {SEC_SYNC, "ca_file", parse_path, CFG(sync.ca_file), 0, 0, false},
    {SEC_SYNC, "pin", parse_pin, CFG(sync.pin), 0, 0, false},
    {SEC_SYNC, "batch", parse_int, CFG(sync.batch), 1, 1000, false},
    {SEC_SYNC, "heartbeat", parse_int, CFG(sync.heartbeat_s), 10, 86400, false},
    {SEC_SYNC, "connect_timeout", parse_int, CFG(sync.connect_timeout_s), 1, 120, false},
    {SEC_SYNC, "urgent_confirm_seconds", parse_int, CFG(sync.urgent_confirm_s), 3, 120, false},
    {SEC_STORE, "retention_days", parse_int, CFG(store.retention_days), 1, 3650, false},
    {SEC_STORE, "disk_alarm_mb", parse_int, CFG(store.disk_alarm_mb), 10, 100000, false},
    {SEC_BUDGET, "currency", parse_currency, CFG(budget.currency), 0, 0, false},
    {SEC_BUDGET, "daily_value", parse_daily_value, CFG(budget.daily_value_minor), 0, MONEY_MAX,
     false},
    {SEC_BUDGET, "hourly_offers", parse_int, CFG(budget.hourly_offers), 0, 1000, false},
    {SEC_BUDGET, "severe_reserve_percent", parse_int, CFG(budget.severe_reserve_percent), 0, 100,
     false},
    {SEC_BUDGET, "voucher_days", parse_int, CFG(budget.offer_days), 1, 365, false},
    {SEC_BUDGET, "voucher_key_file", parse_path, CFG(budget.voucher_key_file), 1, 0, false},
    {SEC_JOURNEY, "voucher_seconds", parse_int, CFG(journey.voucher_s), 10, 600, false},
    {SEC_JOURNEY, "staff_wait_seconds", parse_int, CFG(journey.staff_wait_s), 30, 1800, false},
    {SEC_MANAGER, "gesture_corner", parse_corner, CFG(manager.gesture_corner), 0, 0, false},
    {SEC_MANAGER, "gesture_seconds", parse_int, CFG(manager.gesture_seconds), 1, 30, false},
    {SEC_MANAGER, "max_failures", parse_int, CFG(manager.max_failures), 1, 100, false},
    {SEC_MANAGER, "lockout_minutes", parse_int, CFG(manager.lockout_minutes), 1, 1440, false},
    {SEC_MANAGER, "export_dir", parse_path, CFG(manager.export_dir), 1, 0, false},
    {SEC_CATEGORY, "label", parse_text, CAT(label), 0, 48, true},
    {SEC_CATEGORY, "apology", parse_text, CAT(apology), 0, 300, true},
    {SEC_CATEGORY, "explanation", parse_text, CAT(explanation), 0, 300, true},
    {SEC_CATEGORY, "options", parse_options, CAT(options), 0, 0, false},
    {SEC_RESOLUTION, "label", parse_text, RES(label), 0, 48, true},
    {SEC_RESOLUTION, "action", parse_action, RES(action), 0, 0, false},
    {SEC_RESOLUTION, "team", parse_team_ref, RES(team), 0, 0, false},
    {SEC_RESOLUTION, "urgent", parse_bool, RES(urgent), 0, 0, false},
    {SEC_RESOLUTION, "text", parse_asks_text, RES(asks_text), 0, 0, false},
    {SEC_OFFER, "text", parse_text, OFF(text), 0, 100, true},
    {SEC_OFFER, "value", parse_offer_value, OFF(value_minor), 0, MONEY_MAX, false},
    {SEC_OFFER, "severities", parse_severities, OFF(severity_mask), 0, 0, false},
    {SEC_OFFER, "categories", parse_offer_categories, OFF(category_mask), 0, 0, false},
    {SEC_OFFER, "valid_days", parse_int, OFF(valid_days), 1, 365, false},
    {SEC_TEAM, "label", parse_text, TEAM(label), 0, 48, true},
    {SEC_TEAM, "notify", parse_text, PROMISE(AM_ACTION_NOTIFY), 0, 200, true},
    {SEC_TEAM, "callback", parse_text, PROMISE(AM_ACTION_CALLBACK), 0, 200, true},
    {SEC_TEAM, "staff_now", parse_text, PROMISE(AM_ACTION_STAFF_NOW), 0, 200, true},
};

#define KEY_COUNT (sizeof config_key_table / sizeof config_key_table[0])

_Static_assert(KEY_COUNT <= 64, "seen_key_line needs a row per key");

const size_t config_key_count = KEY_COUNT;

bool am_config_key_at(size_t i, const char **section, const char **key, bool *translatable)
{
    if (i >= KEY_COUNT)
        return false;
    *section = config_section_names[config_key_table[i].section];
    *key = config_key_table[i].name;
    *translatable = config_key_table[i].translatable;
    return true;
}
