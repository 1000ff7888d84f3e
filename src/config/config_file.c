/* config_file.c — loading and checking site configuration (INI, via inih).
 *
 * Two passes over the same code path: the built-in defaults (defaults.c),
 * then the site's file. Each pass is fed to inih line by line through our
 * own reader, which counts lines (inih's handler gets no line number),
 * refuses lines that are too long, not UTF-8 or carry control characters,
 * and handles "[section]" headers itself: inih only reports keys, and
 * duplicate or empty sections must be seen too. References between
 * sections (a category's options, an offer's categories) are resolved once
 * both passes are done, since a file may define them in any order.
 */
#include "amends/config.h"
#include "amends/config_file.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "amends/text.h"
#include "config_internal.h"

/* Lines longer than this are refused (inih's buffer is this size). */
#define LINE_MAX_BYTES 8192
/* A site file is a few hundred lines; this cap keeps a wrong path (a log,
 * a disk image) from being read into memory whole. */
#define FILE_MAX_BYTES (1024 * 1024)
/* 8 scalar sections plus every list entry the caps allow. */
#define MAX_SECTIONS (8 + AM_MAX_CATEGORIES + AM_MAX_RESOLUTIONS + AM_MAX_OFFERS + AM_MAX_TEAMS)
/* Money values: up to one million in the major unit, in hundredths. */
#define MONEY_MAX INT64_C(100000000)

typedef enum section_kind {
    SEC_NONE = 0,
    SEC_KIOSK,
    SEC_IDLE,
    SEC_THEME,
    SEC_SYNC,
    SEC_STORE,
    SEC_BUDGET,
    SEC_MANAGER,
    SEC_JOURNEY,
    SEC_CATEGORY,
    SEC_RESOLUTION,
    SEC_OFFER,
    SEC_TEAM,
    SEC_KIND_COUNT
} section_kind;

static const char *const section_names[SEC_KIND_COUNT] = {
    [SEC_KIOSK] = "kiosk",       [SEC_IDLE] = "idle",
    [SEC_THEME] = "theme",       [SEC_SYNC] = "sync",
    [SEC_STORE] = "store",       [SEC_BUDGET] = "budget",
    [SEC_MANAGER] = "manager",   [SEC_JOURNEY] = "journey",
    [SEC_CATEGORY] = "category", [SEC_RESOLUTION] = "resolution",
    [SEC_OFFER] = "offer",       [SEC_TEAM] = "team",
};

static bool is_list_kind(section_kind kind)
{
    return kind == SEC_CATEGORY || kind == SEC_RESOLUTION || kind == SEC_OFFER || kind == SEC_TEAM;
}

enum { PASS_DEFAULTS = 0, PASS_FILE, PASS_COUNT };

/* Where a value came from, for messages about it after parsing ended. */
typedef struct where {
    int pass;
    int line;
} where;

/* Per-entry facts that only the loader needs. */
typedef struct category_side {
    where section;
    char *options; /* raw list, resolved at the end; NULL when not set */
    where options_at;
} category_side;

typedef struct resolution_side {
    where section;
    where team_at; /* where `team` was set; the section when it was not */
} resolution_side;

typedef struct team_side {
    where section;
} team_side;

typedef struct offer_side {
    where section;
    char *categories; /* raw list or "*"; NULL means every category */
    where categories_at;
    bool has_value;
    where value_at;
} offer_side;

typedef struct key_def key_def;
typedef struct load_ctx load_ctx;
typedef int (*key_parser)(load_ctx *ctx, const key_def *key, void *field, const char *value);

struct key_def {
    section_kind section;
    const char *name;
    key_parser parse;
    size_t offset; /* into am_config (scalar sections) or the list entry */
    size_t size;   /* the field's size: string capacity */
    long long min, max;
    bool translatable;
};

struct load_ctx {
    am_config *cfg;
    char *err;
    size_t errlen;
    bool failed;
    bool nomem;

    /* The pass being read. */
    int pass;
    const char *pass_names[PASS_COUNT];
    char base_dir[AM_PATH_MAX]; /* relative paths are resolved against it */
    const char *pos, *end;
    int lineno;

    /* The section being read. */
    section_kind kind;
    char section[64];
    void *entry; /* the list entry, NULL in scalar sections */
    int entry_index;
    char key_label[128]; /* "section.key" of the key being parsed */
    int lang;            /* the key's language suffix */

    struct {
        char name[64];
        int line;
    } seen_sections[MAX_SECTIONS];
    int seen_section_count;
    int seen_key_line[64][AM_LANG_COUNT];

    /* The line of a pass's first [kind.*] section: where it replaced the
     * built-in list. 0 when that pass did not. */
    int replaced_at[PASS_COUNT][SEC_KIND_COUNT];

    where languages_at, default_language_at, daily_value_at;
    category_side categories[AM_MAX_CATEGORIES];
    resolution_side resolutions[AM_MAX_RESOLUTIONS];
    offer_side offers[AM_MAX_OFFERS];
    team_side teams[AM_MAX_TEAMS];
    /* Built-in resolutions set aside while a pass replaces the list. */
    am_resolution_def stash[2];
    int stash_count;
};

/* ---- messages ---------------------------------------------------------- */

static void fail_at(load_ctx *ctx, where at, const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records the first error only: it is the one the person has to fix. */
static void fail_at(load_ctx *ctx, where at, const char *subject, const char *fmt, ...)
{
    char reason[384];
    va_list ap;
    if (ctx->failed)
        return;
    ctx->failed = true;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (!ctx->err || ctx->errlen == 0)
        return;
    if (at.line > 0)
        snprintf(ctx->err, ctx->errlen, "%s:%d: %s: %s", ctx->pass_names[at.pass], at.line, subject,
                 reason);
    else
        snprintf(ctx->err, ctx->errlen, "%s: %s: %s", ctx->pass_names[at.pass], subject, reason);
}

static where here(const load_ctx *ctx)
{
    return (where){ctx->pass, ctx->lineno};
}

/* Errors about the key being parsed. */
#define fail_key(ctx, ...) fail_at((ctx), here(ctx), (ctx)->key_label, __VA_ARGS__)

static void fail_nomem(load_ctx *ctx)
{
    ctx->nomem = true;
    fail_at(ctx, here(ctx), "config", "out of memory");
}

/* Text as quoted in a message: at most 48 bytes, cut on a character
 * boundary, so that a long value does not swamp the one line and the line
 * stays valid UTF-8. buf must hold at least 64 bytes. */
static const char *quote_n(const char *text, size_t len, char *buf, size_t bufsize)
{
    if (len > 48) {
        size_t keep = 48;
        while (keep > 0 && ((unsigned char)text[keep] & 0xC0) == 0x80)
            keep--;
        snprintf(buf, bufsize, "%.*s...", (int)keep, text);
    } else {
        snprintf(buf, bufsize, "%.*s", (int)len, text);
    }
    return buf;
}

static const char *quote(const char *text, char *buf, size_t bufsize)
{
    return quote_n(text, strlen(text), buf, bufsize);
}

/* ---- small lexers ------------------------------------------------------ */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool id_valid(const char *s, size_t len)
{
    if (len == 0 || len >= AM_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '_'))
            return false;
    }
    return true;
}

/* Calls fn for each comma-separated item, trimmed. An empty item (",,",
 * a trailing comma) is an error: it is almost always a slip. */
typedef int (*item_fn)(load_ctx *ctx, const char *item, size_t len, void *arg);

static int each_item(load_ctx *ctx, const char *value, item_fn fn, void *arg)
{
    const char *p = value;
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *stop = comma ? comma : p + strlen(p);
        const char *a = p, *b = stop;
        while (a < b && is_space(*a))
            a++;
        while (b > a && is_space(b[-1]))
            b--;
        if (a == b) {
            fail_key(ctx, "empty item in the list");
            return -1;
        }
        if (fn(ctx, a, (size_t)(b - a), arg))
            return -1;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

/* Copies an id-shaped list item, or reports it as a bad id. */
static int copy_id(load_ctx *ctx, const char *item, size_t len, char out[AM_ID_MAX])
{
    if (!id_valid(item, len)) {
        char shown[64];
        quote_n(item, len, shown, sizeof shown);
        fail_key(ctx, "bad id '%s' (use a-z, 0-9 and _, at most %d characters)", shown,
                 AM_ID_MAX - 1);
        return -1;
    }
    memcpy(out, item, len);
    out[len] = '\0';
    return 0;
}

static int parse_whole(const char *s, long long *out)
{
    const char *p = s;
    long long v = 0;
    bool negative = false;
    if (*p == '-') {
        negative = true;
        p++;
    }
    if (!*p)
        return -1;
    for (; *p; p++) {
        if (!is_digit(*p))
            return -1;
        /* Saturate: a huge number is out of range, not "not a number". */
        v = v > 99999999999LL ? v : v * 10 + (*p - '0');
    }
    *out = negative ? -v : v;
    return 0;
}

/* "150", "150.5", "150.50" -> 15000, 15050, 15050 hundredths. No sign, no
 * exponent, no separators: a price is written the way it is printed. */
static int parse_money_text(const char *s, int64_t *out)
{
    int64_t major = 0, minor = 0;
    int int_digits = 0, frac_digits = 0;
    const char *p = s;
    for (; is_digit(*p); p++) {
        if (++int_digits > 9)
            return -1;
        major = major * 10 + (*p - '0');
    }
    if (int_digits == 0)
        return -1;
    if (*p == '.') {
        for (p++; is_digit(*p); p++) {
            if (++frac_digits > 2)
                return -1;
            minor = minor * 10 + (*p - '0');
        }
        if (frac_digits == 0)
            return -1;
        if (frac_digits == 1)
            minor *= 10;
    }
    if (*p)
        return -1;
    *out = major * 100 + minor;
    return 0;
}

/* ---- key parsers ------------------------------------------------------- */

static int parse_int(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    long long v;
    char shown[64];
    if (parse_whole(value, &v)) {
        fail_key(ctx, "'%s' is not a whole number", quote(value, shown, sizeof shown));
        return -1;
    }
    if (v < key->min || v > key->max) {
        fail_key(ctx, "%s is out of range (%lld..%lld)", quote(value, shown, sizeof shown),
                 key->min, key->max);
        return -1;
    }
    *(int *)field = (int)v;
    return 0;
}

static int parse_money(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    int64_t v;
    char shown[64], lo[32], hi[32];
    if (parse_money_text(value, &v)) {
        fail_key(ctx, "'%s' is not an amount like 150 or 150.00 (at most two decimals)",
                 quote(value, shown, sizeof shown));
        return -1;
    }
    if (v < key->min || v > key->max) {
        am_money_format(key->min, lo, sizeof lo);
        am_money_format(key->max, hi, sizeof hi);
        fail_key(ctx, "%s is out of range (%s..%s)", value, lo, hi);
        return -1;
    }
    *(int64_t *)field = v;
    return 0;
}

static int parse_string(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    size_t len = strlen(value);
    if ((long long)len < key->min) {
        fail_key(ctx, "must not be empty");
        return -1;
    }
    if (len >= key->size) {
        fail_key(ctx, "is too long (%zu bytes, at most %zu)", len, key->size - 1);
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
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' ||
             c == '_' || c == '-';
    }
    if (!ok) {
        fail_key(ctx, "'%s' is not a kiosk id (use A-Z, a-z, 0-9, '.', '_' and '-', at most %zu)",
                 quote(value, shown, sizeof shown), key->size - 1);
        return -1;
    }
    memcpy(field, value, len + 1);
    return 0;
}

static int parse_path(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    char *out = field;
    int n;
    if (!*value) {
        if (key->min > 0) {
            fail_key(ctx, "must not be empty");
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
        fail_key(ctx, "path is too long (at most %zu bytes)", key->size - 1);
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
        fail_key(ctx, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        fail_key(ctx, "%s: is not a regular file", path);
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail_key(ctx, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    if (got != sizeof head || memcmp(head, png_magic, sizeof head) != 0) {
        fail_key(ctx, "%s: is not a PNG image", path);
        return -1;
    }
    return 0;
}

static int hex_value(char c)
{
    if (is_digit(c))
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
    (void)key;
    for (int i = 1; ok && i < 7; i++) {
        int h = hex_value(value[i]);
        ok = h >= 0;
        rgb = (rgb << 4) | (uint32_t)(h < 0 ? 0 : h);
    }
    if (!ok) {
        fail_key(ctx, "'%s' is not a colour like #1F5F8B", quote(value, shown, sizeof shown));
        return -1;
    }
    *(uint32_t *)field = rgb;
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
        fail_key(ctx, "'%s' is not yes or no", quote(value, shown, sizeof shown));
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
        fail_key(ctx, "must be yes for the built-in '%s'", builtin);
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
        fail_key(ctx, "'%s' is not an action (none, notify, callback or staff_now)",
                 quote(value, shown, sizeof shown));
        return -1;
    }
    if (strcmp(res->id, AM_RESOLUTION_STAFF_NOW) == 0 &&
        *(am_resolution_action *)field != AM_ACTION_STAFF_NOW) {
        fail_key(ctx, "must be staff_now for the built-in '%s'", AM_RESOLUTION_STAFF_NOW);
        return -1;
    }
    return 0;
}

/* A resolution's team: an id, checked against the [team.*] sections once
 * every pass is read. */
static int parse_team_ref(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    char shown[64];
    if (!id_valid(value, strlen(value))) {
        fail_key(ctx, "'%s' is not a team id (a-z, 0-9 and _, at most %d characters)",
                 quote(value, shown, sizeof shown), AM_ID_MAX - 1);
        return -1;
    }
    snprintf(field, key->size, "%s", value);
    ctx->resolutions[ctx->entry_index].team_at = here(ctx);
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
        fail_key(ctx, "must not be empty");
        return -1;
    }
    size_t chars = am_utf8_count(value);
    if ((long long)chars > key->max) {
        fail_key(ctx, "is too long (%zu characters, at most %lld)", chars, key->max);
        return -1;
    }
    copy = strdup(value);
    if (!copy) {
        fail_nomem(ctx);
        return -1;
    }
    free(text->s[ctx->lang]);
    text->s[ctx->lang] = copy;
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
        fail_key(ctx, "unknown language '%s' (known: en, es, fr, de, ar, zh)",
                 quote_n(item, len, shown, sizeof shown));
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
            fail_key(ctx, "'%s' is listed twice", am_lang_codes[lang]);
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
    ctx->languages_at = here(ctx);
    if (!*value) {
        fail_key(ctx, "must list at least one language");
        return -1;
    }
    return each_item(ctx, value, add_language, ctx->cfg);
}

static int parse_default_language(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    (void)key;
    ctx->default_language_at = here(ctx);
    return lang_item(ctx, value, strlen(value), field);
}

static int parse_log_level(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    char shown[64];
    (void)key;
    if (am_log_parse_level(value, field)) {
        fail_key(ctx, "'%s' is not one of debug, info, warn, error, off",
                 quote(value, shown, sizeof shown));
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
    fail_key(ctx, "'%s' is not one of top-left, top-right, bottom-left, bottom-right",
             quote(value, shown, sizeof shown));
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
        fail_key(ctx, "'%s' is not a currency code like EUR (three capital letters)",
                 quote(value, shown, sizeof shown));
        return -1;
    }
    memcpy(field, value, 4);
    return 0;
}

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' ||
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
        fail_key(ctx, "'%s' is not an https:// address", quote(value, shown, sizeof shown));
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
        fail_key(ctx, "'%s' is not a valid hub address (https://HOST[:PORT][/PATH])",
                 quote(value, shown, sizeof shown));
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
            fail_key(ctx,
                     "'%s' must use https:// (http:// is only for 127.0.0.1, [::1], localhost)",
                     quote(value, shown, sizeof shown));
            return -1;
        }
    }
    /* The sync worker appends "/v1/ingest"; a trailing slash would double it. */
    while (len > 0 && value[len - 1] == '/')
        len--;
    if (len >= key->size) {
        fail_key(ctx, "is too long (at most %zu bytes)", key->size - 1);
        return -1;
    }
    memcpy(field, value, len);
    ((char *)field)[len] = '\0';
    return 0;
}

static bool base64_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '+' || c == '/';
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
        fail_key(ctx, "'%s' is not a pin like sha256//BASE64= (a SHA-256 of the public key)",
                 quote(value, shown, sizeof shown));
        return -1;
    }
    if (len >= key->size) {
        fail_key(ctx, "is too long (at most %zu bytes)", key->size - 1);
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
    if (copy_id(ctx, item, len, id))
        return -1;
    if (list->refuse_builtins &&
        (strcmp(id, AM_RESOLUTION_STAFF_NOW) == 0 || strcmp(id, AM_RESOLUTION_OTHER) == 0)) {
        fail_key(ctx, "'%s' is always offered after the category's own options; do not list it",
                 id);
        return -1;
    }
    for (int i = 0; i < list->count; i++) {
        if (strcmp(list->ids[i], id) == 0) {
            fail_key(ctx, "'%s' is listed twice", id);
            return -1;
        }
    }
    if (list->count == list->max) {
        fail_key(ctx, "too many %s (at most %d)", list->what, list->max);
        return -1;
    }
    memcpy(list->ids[list->count++], id, AM_ID_MAX);
    return 0;
}

static int replace_raw(load_ctx *ctx, char **slot, const char *value)
{
    char *copy = strdup(value);
    if (!copy) {
        fail_nomem(ctx);
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
    if (*value && each_item(ctx, value, add_id, &list))
        return -1;
    side->options_at = here(ctx);
    return replace_raw(ctx, &side->options, value);
}

static int parse_offer_categories(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    id_list list = {.max = AM_MAX_CATEGORIES, .what = "categories"};
    offer_side *side = &ctx->offers[ctx->entry_index];
    (void)key;
    (void)field;
    if (strcmp(value, "*") != 0 && each_item(ctx, value, add_id, &list))
        return -1;
    side->categories_at = here(ctx);
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
        fail_key(ctx, "'%s' is not one of minor, significant, severe",
                 quote_n(item, len, shown, sizeof shown));
        return -1;
    }
    if (*mask & (1u << severity)) {
        fail_key(ctx, "'%s' is listed twice", name);
        return -1;
    }
    *mask |= 1u << severity;
    return 0;
}

static int parse_severities(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    unsigned mask = 0;
    (void)key;
    if (each_item(ctx, value, add_severity, &mask))
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
    side->value_at = here(ctx);
    return 0;
}

static int parse_daily_value(load_ctx *ctx, const key_def *key, void *field, const char *value)
{
    ctx->daily_value_at = here(ctx);
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
static const key_def key_table[] = {
    {SEC_KIOSK, "id", parse_kiosk_id, CFG(kiosk.id), 1, 0, false},
    {SEC_KIOSK, "languages", parse_languages, CFG(kiosk.languages), 0, 0, false},
    {SEC_KIOSK, "default_language", parse_default_language, CFG(kiosk.default_language), 0, 0,
     false},
    {SEC_KIOSK, "data_dir", parse_path, CFG(kiosk.data_dir), 1, 0, false},
    {SEC_KIOSK, "log_level", parse_log_level, CFG(kiosk.log_level), 0, 0, false},
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

#define KEY_COUNT (sizeof key_table / sizeof key_table[0])

_Static_assert(KEY_COUNT <= 64, "seen_key_line needs a row per key");

bool am_config_key_at(size_t i, const char **section, const char **key, bool *translatable)
{
    if (i >= KEY_COUNT)
        return false;
    *section = section_names[key_table[i].section];
    *key = key_table[i].name;
    *translatable = key_table[i].translatable;
    return true;
}

/* ---- sections ---------------------------------------------------------- */

static void text_clear(am_text *t)
{
    for (int i = 0; i < AM_LANG_COUNT; i++) {
        free(t->s[i]);
        t->s[i] = NULL;
    }
}

static void category_clear(load_ctx *ctx, int i)
{
    am_category_def *cat = &ctx->cfg->categories[i];
    text_clear(&cat->label);
    text_clear(&cat->apology);
    text_clear(&cat->explanation);
    free(ctx->categories[i].options);
    memset(cat, 0, sizeof *cat);
    memset(&ctx->categories[i], 0, sizeof ctx->categories[i]);
}

static void offer_clear(load_ctx *ctx, int i)
{
    text_clear(&ctx->cfg->offers[i].text);
    free(ctx->offers[i].categories);
    memset(&ctx->cfg->offers[i], 0, sizeof ctx->cfg->offers[i]);
    memset(&ctx->offers[i], 0, sizeof ctx->offers[i]);
}

static void team_clear(load_ctx *ctx, int i)
{
    am_team_def *team = &ctx->cfg->teams[i];
    text_clear(&team->label);
    for (int a = 0; a < AM_ACTION_COUNT; a++)
        text_clear(&team->promise[a]);
    memset(team, 0, sizeof *team);
    memset(&ctx->teams[i], 0, sizeof ctx->teams[i]);
}

static bool is_builtin_resolution(const char *id)
{
    return strcmp(id, AM_RESOLUTION_STAFF_NOW) == 0 || strcmp(id, AM_RESOLUTION_OTHER) == 0;
}

/* A pass's first section of a list kind replaces the whole list from the
 * pass before, so a site file never inherits a category it did not ask
 * for. The two built-in resolutions are set aside rather than dropped:
 * every category offers them. They rejoin the list where the file defines
 * them, or at its end (end_pass). */
static void replace_list(load_ctx *ctx, section_kind kind)
{
    am_config *cfg = ctx->cfg;
    if (ctx->replaced_at[ctx->pass][kind])
        return;
    ctx->replaced_at[ctx->pass][kind] = ctx->lineno;
    if (kind == SEC_CATEGORY) {
        for (int i = 0; i < cfg->category_count; i++)
            category_clear(ctx, i);
        cfg->category_count = 0;
    } else if (kind == SEC_OFFER) {
        for (int i = 0; i < cfg->offer_count; i++)
            offer_clear(ctx, i);
        cfg->offer_count = 0;
    } else if (kind == SEC_TEAM) {
        for (int i = 0; i < cfg->team_count; i++)
            team_clear(ctx, i);
        cfg->team_count = 0;
    } else {
        for (int i = 0; i < cfg->resolution_count; i++) {
            am_resolution_def *res = &cfg->resolutions[i];
            if (is_builtin_resolution(res->id) && ctx->stash_count < 2)
                ctx->stash[ctx->stash_count++] = *res;
            else
                text_clear(&res->label);
            memset(res, 0, sizeof *res);
            memset(&ctx->resolutions[i], 0, sizeof ctx->resolutions[i]);
        }
        cfg->resolution_count = 0;
    }
}

/* Takes a set-aside built-in back into the list; -1 when `id` is not one. */
static int unstash(load_ctx *ctx, const char *id)
{
    am_config *cfg = ctx->cfg;
    for (int i = 0; i < ctx->stash_count; i++) {
        if (strcmp(ctx->stash[i].id, id) != 0)
            continue;
        int index = cfg->resolution_count++;
        cfg->resolutions[index] = ctx->stash[i];
        ctx->stash[i] = ctx->stash[--ctx->stash_count];
        memset(&ctx->stash[ctx->stash_count], 0, sizeof ctx->stash[0]);
        return index;
    }
    return -1;
}

static int open_entry(load_ctx *ctx, section_kind kind, const char *id)
{
    am_config *cfg = ctx->cfg;
    where at = here(ctx);
    replace_list(ctx, kind);
    if (kind == SEC_CATEGORY) {
        if (cfg->category_count == AM_MAX_CATEGORIES) {
            fail_at(ctx, at, ctx->key_label, "too many categories (at most %d)", AM_MAX_CATEGORIES);
            return -1;
        }
        ctx->entry_index = cfg->category_count++;
        ctx->entry = &cfg->categories[ctx->entry_index];
        snprintf(cfg->categories[ctx->entry_index].id, AM_ID_MAX, "%s", id);
        ctx->categories[ctx->entry_index].section = at;
    } else if (kind == SEC_OFFER) {
        if (cfg->offer_count == AM_MAX_OFFERS) {
            fail_at(ctx, at, ctx->key_label, "too many offers (at most %d)", AM_MAX_OFFERS);
            return -1;
        }
        ctx->entry_index = cfg->offer_count++;
        am_offer_def *offer = &cfg->offers[ctx->entry_index];
        ctx->entry = offer;
        snprintf(offer->id, AM_ID_MAX, "%s", id);
        offer->severity_mask = (1u << AM_SEVERITY_MINOR) | (1u << AM_SEVERITY_SIGNIFICANT) |
                               (1u << AM_SEVERITY_SEVERE);
        ctx->offers[ctx->entry_index].section = at;
    } else if (kind == SEC_TEAM) {
        if (cfg->team_count == AM_MAX_TEAMS) {
            fail_at(ctx, at, ctx->key_label, "too many teams (at most %d)", AM_MAX_TEAMS);
            return -1;
        }
        ctx->entry_index = cfg->team_count++;
        ctx->entry = &cfg->teams[ctx->entry_index];
        snprintf(cfg->teams[ctx->entry_index].id, AM_ID_MAX, "%s", id);
        ctx->teams[ctx->entry_index].section = at;
    } else {
        int index = unstash(ctx, id);
        if (index >= 0) {
            /* The site is wording a built-in anew: start from no label
             * rather than mix two wordings. */
            text_clear(&cfg->resolutions[index].label);
        } else if (cfg->resolution_count + ctx->stash_count >= AM_MAX_RESOLUTIONS) {
            /* Room is kept for the built-ins not yet back in the list. */
            fail_at(ctx, at, ctx->key_label,
                    "too many resolutions (at most %d, with staff_now and other)",
                    AM_MAX_RESOLUTIONS);
            return -1;
        } else {
            index = cfg->resolution_count++;
            am_resolution_def *res = &cfg->resolutions[index];
            snprintf(res->id, AM_ID_MAX, "%s", id);
            res->action =
                strcmp(id, AM_RESOLUTION_STAFF_NOW) == 0 ? AM_ACTION_STAFF_NOW : AM_ACTION_NONE;
            res->asks_text = strcmp(id, AM_RESOLUTION_OTHER) == 0;
        }
        ctx->entry_index = index;
        ctx->entry = &cfg->resolutions[index];
        ctx->resolutions[index].section = at;
        ctx->resolutions[index].team_at = at;
    }
    return 0;
}

/* Handles a "[name]" line; `name` is the trimmed text between brackets. */
static int begin_section(load_ctx *ctx, const char *name, size_t len)
{
    const char *dot = memchr(name, '.', len);
    size_t kind_len = dot ? (size_t)(dot - name) : len;
    section_kind kind = SEC_NONE;

    char shown[64];
    snprintf(ctx->key_label, sizeof ctx->key_label, "[%s]",
             quote_n(name, len, shown, sizeof shown));
    for (int k = SEC_NONE + 1; k < SEC_KIND_COUNT; k++) {
        if (strlen(section_names[k]) == kind_len && memcmp(section_names[k], name, kind_len) == 0)
            kind = (section_kind)k;
    }
    if (kind == SEC_NONE || (dot && !is_list_kind(kind))) {
        fail_at(ctx, here(ctx), ctx->key_label,
                "unknown section (known: kiosk, idle, journey, theme, sync, store, budget, "
                "manager, category.ID, "
                "resolution.ID, offer.ID, team.ID)");
        return -1;
    }
    if (is_list_kind(kind) && !dot) {
        fail_at(ctx, here(ctx), ctx->key_label, "needs an id: [%s.ID]", section_names[kind]);
        return -1;
    }
    const char *id = dot ? dot + 1 : "";
    size_t id_len = dot ? len - kind_len - 1 : 0;
    if (dot && !id_valid(id, id_len)) {
        fail_at(ctx, here(ctx), ctx->key_label,
                "bad id '%s' (use a-z, 0-9 and _, at most %d characters)",
                quote_n(id, id_len, shown, sizeof shown), AM_ID_MAX - 1);
        return -1;
    }
    /* Valid names are short (an id is at most 32), so they fit. */
    snprintf(ctx->section, sizeof ctx->section, "%.*s", (int)len, name);
    for (int i = 0; i < ctx->seen_section_count; i++) {
        if (strcmp(ctx->seen_sections[i].name, ctx->section) == 0) {
            fail_at(ctx, here(ctx), ctx->key_label, "duplicate section (first on line %d)",
                    ctx->seen_sections[i].line);
            return -1;
        }
    }
    if (ctx->seen_section_count == MAX_SECTIONS) {
        fail_at(ctx, here(ctx), ctx->key_label, "too many sections");
        return -1;
    }
    snprintf(ctx->seen_sections[ctx->seen_section_count].name, sizeof ctx->section, "%s",
             ctx->section);
    ctx->seen_sections[ctx->seen_section_count++].line = ctx->lineno;

    ctx->kind = kind;
    ctx->entry = NULL;
    ctx->entry_index = -1;
    memset(ctx->seen_key_line, 0, sizeof ctx->seen_key_line);
    if (is_list_kind(kind)) {
        char id_copy[AM_ID_MAX];
        snprintf(id_copy, sizeof id_copy, "%.*s", (int)id_len, id);
        return open_entry(ctx, kind, id_copy);
    }
    return 0;
}

/* ---- keys -------------------------------------------------------------- */

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    load_ctx *ctx = user;
    const char *dot = strchr(name, '.');
    size_t base_len = dot ? (size_t)(dot - name) : strlen(name);
    const key_def *key = NULL;
    size_t k;
    char shown[64];
    (void)section; /* ours is in ctx: inih truncates long names */

    if (ctx->failed)
        return 0;
    /* A name that is not a key can be any text: quote it, shortened. */
    quote(name, shown, sizeof shown);
    if (ctx->kind == SEC_NONE) {
        snprintf(ctx->key_label, sizeof ctx->key_label, "%s", shown);
        fail_key(ctx, "is outside any [section]");
        return 0;
    }
    snprintf(ctx->key_label, sizeof ctx->key_label, "%s.%s", ctx->section, shown);
    for (k = 0; k < KEY_COUNT; k++) {
        if (key_table[k].section == ctx->kind && strlen(key_table[k].name) == base_len &&
            memcmp(key_table[k].name, name, base_len) == 0) {
            key = &key_table[k];
            break;
        }
    }
    if (!key || (dot && !key->translatable)) {
        fail_key(ctx, "unknown key");
        return 0;
    }
    ctx->lang = AM_LANG_EN;
    if (dot) {
        ctx->lang = am_lang_index(dot + 1);
        if (ctx->lang < 0) {
            fail_key(ctx, "unknown language '%s' (known: en, es, fr, de, ar, zh)",
                     quote(dot + 1, shown, sizeof shown));
            return 0;
        }
    }
    if (ctx->seen_key_line[k][ctx->lang]) {
        fail_key(ctx, "set twice in [%s] (first on line %d)", ctx->section,
                 ctx->seen_key_line[k][ctx->lang]);
        return 0;
    }
    ctx->seen_key_line[k][ctx->lang] = ctx->lineno;
    char *base = ctx->entry ? (char *)ctx->entry : (char *)ctx->cfg;
    return key->parse(ctx, key, base + key->offset, value) == 0;
}

/* ---- the line reader --------------------------------------------------- */

/* What a line is about, for errors found before inih has split it: the
 * key when the line has a plain one, else the section. */
static void line_subject(load_ctx *ctx, const char *line, size_t len)
{
    size_t name_len = 0;
    while (name_len < len && line[name_len] != '=' && line[name_len] != ':')
        name_len++;
    const char *a = line, *b = line + name_len;
    while (a < b && is_space(*a))
        a++;
    while (b > a && is_space(b[-1]))
        b--;
    bool plain = name_len < len && a < b && b - a < 48;
    for (const char *p = a; plain && p < b; p++)
        plain = (*p >= 'a' && *p <= 'z') || is_digit(*p) || *p == '_' || *p == '.';
    if (ctx->kind == SEC_NONE)
        snprintf(ctx->key_label, sizeof ctx->key_label, "%.*s", plain ? (int)(b - a) : 4,
                 plain ? a : "line");
    else if (plain)
        snprintf(ctx->key_label, sizeof ctx->key_label, "%s.%.*s", ctx->section, (int)(b - a), a);
    else
        snprintf(ctx->key_label, sizeof ctx->key_label, "[%s]", ctx->section);
}

/* Checks one raw line (without its newline) before inih sees it. */
static int check_line(load_ctx *ctx, const char *line, size_t len)
{
    const char *a = line, *b = line + len;
    if (b > a && b[-1] == '\r') /* CRLF files from a Windows editor are fine */
        b--;
    if (memchr(a, '\0', (size_t)(b - a))) {
        line_subject(ctx, a, (size_t)(b - a));
        fail_key(ctx, "contains a NUL byte");
        return -1;
    }
    if (!am_utf8_valid(a, (size_t)(b - a))) {
        line_subject(ctx, a, (size_t)(b - a));
        fail_key(ctx, "invalid UTF-8");
        return -1;
    }
    for (const char *p = a; p < b; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c < 0x20 && c != '\t') || c == 0x7F) {
            line_subject(ctx, a, (size_t)(b - a));
            fail_key(ctx, "control character 0x%02X", c);
            return -1;
        }
    }
    while (a < b && is_space(*a))
        a++;
    while (b > a && is_space(b[-1]))
        b--;
    if (a == b || *a == ';' || *a == '#')
        return 0;
    if (*a == '[') {
        const char *close = memchr(a, ']', (size_t)(b - a));
        if (!close || close + 1 != b) {
            char shown[64];
            quote_n(a, (size_t)(b - a), shown, sizeof shown);
            snprintf(ctx->key_label, sizeof ctx->key_label, "%s", shown);
            fail_key(ctx, close ? "unexpected text after ']'" : "missing ']'");
            return -1;
        }
        const char *na = a + 1, *nb = close;
        while (na < nb && is_space(*na))
            na++;
        while (nb > na && is_space(nb[-1]))
            nb--;
        return begin_section(ctx, na, (size_t)(nb - na));
    }
    if (!memchr(a, '=', (size_t)(b - a)) && !memchr(a, ':', (size_t)(b - a))) {
        line_subject(ctx, a, (size_t)(b - a));
        fail_key(ctx, "expected KEY = VALUE");
        return -1;
    }
    return 0;
}

/* inih's fgets-style reader over ctx->pos..end. Returning NULL ends the
 * parse, which is how a problem found here stops it. */
static char *read_line(char *buf, int size, void *stream)
{
    load_ctx *ctx = stream;
    if (ctx->failed || ctx->pos >= ctx->end)
        return NULL;
    const char *start = ctx->pos;
    const char *nl = memchr(start, '\n', (size_t)(ctx->end - start));
    size_t len = nl ? (size_t)(nl - start) + 1 : (size_t)(ctx->end - start);
    ctx->pos += len;
    ctx->lineno++;
    if (ctx->lineno == 1 && len >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) {
        start += 3; /* a byte-order mark some editors write */
        len -= 3;
    }
    size_t body = nl ? len - 1 : len;
    if (len + 1 > (size_t)size) {
        line_subject(ctx, start, body);
        fail_key(ctx, "line is too long (at most %d bytes)", size - 2);
        return NULL;
    }
    if (check_line(ctx, start, body))
        return NULL;
    memcpy(buf, start, len);
    buf[len] = '\0';
    return buf;
}

/* ---- passes ------------------------------------------------------------ */

static void configure_inih(void)
{
    /* libinih reads these globals at each parse; config loads once at
     * start-up, before any thread, so setting them here is safe. */
    ini_use_stack = false;
    ini_allow_realloc = false;
    ini_max_line = LINE_MAX_BYTES;
    ini_initial_alloc = LINE_MAX_BYTES; /* the buffer size when not growing */
    ini_allow_multiline = false;
    ini_allow_inline_comments = false; /* apologies contain ';' */
    ini_allow_no_value = false;
    ini_allow_bom = true;
    ini_stop_on_first_error = true;
}

static bool text_has_translation_only(const am_text *t)
{
    return !t->s[AM_LANG_EN] && !am_text_empty(t);
}

/* Entries a pass opened must be complete by its end. */
static int check_pass_entries(load_ctx *ctx)
{
    am_config *cfg = ctx->cfg;
    char subject[80];
    for (int i = 0; i < cfg->category_count; i++) {
        const am_category_def *cat = &cfg->categories[i];
        const category_side *side = &ctx->categories[i];
        const am_text *texts[] = {&cat->apology, &cat->explanation};
        static const char *const names[] = {"apology", "explanation"};
        if (side->section.pass != ctx->pass)
            continue;
        snprintf(subject, sizeof subject, "[category.%s]", cat->id);
        if (!cat->label.s[AM_LANG_EN]) {
            fail_at(ctx, side->section, subject, "no label (label = ... in English is required)");
            return -1;
        }
        for (int t = 0; t < 2; t++) {
            if (text_has_translation_only(texts[t])) {
                fail_at(ctx, side->section, subject, "%s has translations but no English text",
                        names[t]);
                return -1;
            }
        }
    }
    for (int i = 0; i < cfg->resolution_count; i++) {
        const am_resolution_def *res = &cfg->resolutions[i];
        if (ctx->resolutions[i].section.pass != ctx->pass)
            continue;
        snprintf(subject, sizeof subject, "[resolution.%s]", res->id);
        if (!res->label.s[AM_LANG_EN]) {
            fail_at(ctx, ctx->resolutions[i].section, subject,
                    "no label (label = ... in English is required)");
            return -1;
        }
    }
    for (int i = 0; i < cfg->team_count; i++) {
        const am_team_def *team = &cfg->teams[i];
        if (ctx->teams[i].section.pass != ctx->pass)
            continue;
        snprintf(subject, sizeof subject, "[team.%s]", team->id);
        if (!team->label.s[AM_LANG_EN]) {
            fail_at(ctx, ctx->teams[i].section, subject,
                    "no label (label = ... in English is required)");
            return -1;
        }
        for (int a = AM_ACTION_NOTIFY; a < AM_ACTION_COUNT; a++) {
            if (text_has_translation_only(&team->promise[a])) {
                fail_at(ctx, ctx->teams[i].section, subject,
                        "%s has translations but no English text",
                        am_resolution_action_name((am_resolution_action)a));
                return -1;
            }
        }
    }
    for (int i = 0; i < cfg->offer_count; i++) {
        const am_offer_def *offer = &cfg->offers[i];
        const offer_side *side = &ctx->offers[i];
        if (side->section.pass != ctx->pass)
            continue;
        snprintf(subject, sizeof subject, "[offer.%s]", offer->id);
        if (!offer->text.s[AM_LANG_EN]) {
            fail_at(ctx, side->section, subject, "no text (text = ... in English is required)");
            return -1;
        }
        if (!side->has_value) {
            fail_at(ctx, side->section, subject, "no value (value = 10.00, in %s)",
                    cfg->budget.currency);
            return -1;
        }
    }
    return 0;
}

static am_rc run_pass(load_ctx *ctx, int pass, const char *text, size_t len, const char *path)
{
    ctx->pass = pass;
    ctx->pos = text;
    ctx->end = text + len;
    ctx->lineno = 0;
    ctx->kind = SEC_NONE;
    ctx->entry = NULL;
    ctx->section[0] = '\0';
    ctx->seen_section_count = 0;
    ctx->base_dir[0] = '\0';
    if (path) {
        const char *slash = strrchr(path, '/');
        if (slash && (size_t)(slash - path) < sizeof ctx->base_dir)
            snprintf(ctx->base_dir, sizeof ctx->base_dir, "%.*s",
                     slash == path ? 1 : (int)(slash - path), path);
    }
    configure_inih();
    int rc = ini_parse_stream(read_line, ctx, on_key, ctx);
    if (rc == -2)
        fail_nomem(ctx);
    else if (rc != 0 && !ctx->failed)
        fail_at(ctx, (where){pass, rc}, "line", "cannot parse this line");
    while (!ctx->failed && ctx->stash_count > 0)
        unstash(ctx, ctx->stash[0].id);
    if (!ctx->failed)
        check_pass_entries(ctx);
    if (ctx->nomem)
        return AM_ERR_NOMEM;
    return ctx->failed ? AM_ERR_CONFIG : AM_OK;
}

/* Where to report a reference from an entry read at `from` to a list of
 * `kind`: at the entry, unless a later pass replaced that list, which is
 * what broke the reference. */
static where reference_site(const load_ctx *ctx, where from, section_kind kind, bool *replaced)
{
    *replaced = false;
    for (int pass = PASS_COUNT - 1; pass > from.pass; pass--) {
        if (ctx->replaced_at[pass][kind]) {
            *replaced = true;
            return (where){pass, ctx->replaced_at[pass][kind]};
        }
    }
    return from;
}

typedef struct resolve_arg {
    int entry;
    const char *label;
    where from;
    section_kind target;
} resolve_arg;

static int resolve_failed(load_ctx *ctx, const resolve_arg *arg, const char *what, const char *id)
{
    bool replaced;
    where at = reference_site(ctx, arg->from, arg->target, &replaced);
    if (replaced)
        fail_at(ctx, at, arg->label,
                "unknown %s '%s' (a built-in entry uses it; this file replaces the %s list, so "
                "define [%s.*] sections too)",
                what, id, what, arg->target == SEC_RESOLUTION ? "category" : "offer");
    else
        fail_at(ctx, at, arg->label, "unknown %s '%s'", what, id);
    return -1;
}

static int resolve_option(load_ctx *ctx, const char *item, size_t len, void *varg)
{
    resolve_arg *arg = varg;
    am_category_def *cat = &ctx->cfg->categories[arg->entry];
    char id[AM_ID_MAX];
    snprintf(id, sizeof id, "%.*s", (int)len, item); /* shape checked when read */
    int index = am_config_resolution_index(ctx->cfg, id);
    if (index < 0)
        return resolve_failed(ctx, arg, "resolution", id);
    cat->options[cat->option_count++] = index;
    return 0;
}

static int resolve_category(load_ctx *ctx, const char *item, size_t len, void *varg)
{
    resolve_arg *arg = varg;
    char id[AM_ID_MAX];
    snprintf(id, sizeof id, "%.*s", (int)len, item);
    int index = am_config_category_index(ctx->cfg, id);
    if (index < 0)
        return resolve_failed(ctx, arg, "category", id);
    ctx->cfg->offers[arg->entry].category_mask |= UINT32_C(1) << index;
    return 0;
}

static int check_languages(load_ctx *ctx)
{
    const am_config *cfg = ctx->cfg;
    int lang = cfg->kiosk.default_language;
    for (int i = 0; i < cfg->kiosk.language_count; i++) {
        if (cfg->kiosk.languages[i] == lang)
            return 0;
    }
    /* Point at whichever of the two keys was written last. */
    const where *d = &ctx->default_language_at, *l = &ctx->languages_at;
    bool at_default = d->pass > l->pass || (d->pass == l->pass && d->line > l->line);
    if (at_default)
        fail_at(ctx, *d, "kiosk.default_language", "'%s' is not in kiosk.languages",
                am_lang_codes[lang]);
    else
        fail_at(ctx, *l, "kiosk.languages", "does not include the default language '%s'",
                am_lang_codes[lang]);
    return -1;
}

static int check_offer_values(load_ctx *ctx)
{
    const am_config *cfg = ctx->cfg;
    char value[32], budget[32], subject[80];
    /* A daily budget of 0 is how a site turns offers off. */
    if (cfg->budget.daily_value_minor == 0)
        return 0;
    am_money_format(cfg->budget.daily_value_minor, budget, sizeof budget);
    for (int i = 0; i < cfg->offer_count; i++) {
        const am_offer_def *offer = &cfg->offers[i];
        const where *v = &ctx->offers[i].value_at, *b = &ctx->daily_value_at;
        if (offer->value_minor <= cfg->budget.daily_value_minor)
            continue;
        am_money_format(offer->value_minor, value, sizeof value);
        if (b->pass > v->pass) {
            fail_at(ctx, *b, "budget.daily_value",
                    "%s is less than offer '%s' (%s): it could never be given", budget, offer->id,
                    value);
        } else {
            snprintf(subject, sizeof subject, "offer.%s.value", offer->id);
            fail_at(ctx, *v, subject,
                    "%s is more than the daily budget (%s): it could never be given", value,
                    budget);
        }
        return -1;
    }
    return 0;
}

/* Every resolution that commits to something names a team that says, in
 * its words, what will happen: the kiosk never shows a promise no action
 * backs, nor an action nobody is told about. */
static int check_resolution_teams(load_ctx *ctx)
{
    const am_config *cfg = ctx->cfg;
    char label[80];
    for (int i = 0; i < cfg->resolution_count; i++) {
        const am_resolution_def *res = &cfg->resolutions[i];
        const resolution_side *side = &ctx->resolutions[i];
        const char *action = am_resolution_action_name(res->action);
        snprintf(label, sizeof label, "resolution.%s.team", res->id);
        if (res->action == AM_ACTION_NONE) {
            if (res->team[0]) {
                fail_at(ctx, side->team_at, label,
                        "'%s' is given, but action none tells no team anything", res->team);
                return -1;
            }
            continue;
        }
        if (!res->team[0]) {
            fail_at(ctx, side->section, label, "missing: action %s needs the team it is for",
                    action);
            return -1;
        }
        int team = am_config_team_index(cfg, res->team);
        if (team < 0) {
            bool replaced;
            where at = reference_site(ctx, side->team_at, SEC_TEAM, &replaced);
            fail_at(ctx, at, label,
                    replaced ? "unknown team '%s' (a built-in entry uses it; this file replaces "
                               "the team list, so define it too)"
                             : "unknown team '%s'",
                    res->team);
            return -1;
        }
        if (!cfg->teams[team].promise[res->action].s[AM_LANG_EN]) {
            fail_at(ctx, ctx->teams[team].section, label,
                    "team '%s' has no %s text: say what the guest is promised when %s is chosen",
                    res->team, action, res->id);
            return -1;
        }
    }
    return 0;
}

/* Cross-section checks, once every pass is read. */
static int finish(load_ctx *ctx)
{
    am_config *cfg = ctx->cfg;
    char label[80];
    if (am_config_resolution_index(cfg, AM_RESOLUTION_STAFF_NOW) < 0 ||
        am_config_resolution_index(cfg, AM_RESOLUTION_OTHER) < 0) {
        fail_at(ctx, (where){PASS_DEFAULTS, 0}, "resolution",
                "built-in staff_now or other missing");
        return -1;
    }
    if (cfg->category_count == 0) {
        fail_at(ctx, (where){ctx->pass, 0}, "category", "no categories defined");
        return -1;
    }
    for (int i = 0; i < cfg->category_count; i++) {
        const category_side *side = &ctx->categories[i];
        snprintf(label, sizeof label, "category.%s.options", cfg->categories[i].id);
        resolve_arg arg = {i, label, side->options_at, SEC_RESOLUTION};
        cfg->categories[i].option_count = 0;
        if (side->options && side->options[0] &&
            each_item(ctx, side->options, resolve_option, &arg))
            return -1;
    }
    for (int i = 0; i < cfg->offer_count; i++) {
        const offer_side *side = &ctx->offers[i];
        snprintf(label, sizeof label, "offer.%s.categories", cfg->offers[i].id);
        resolve_arg arg = {i, label, side->categories_at, SEC_CATEGORY};
        cfg->offers[i].category_mask = 0;
        if (!side->categories || strcmp(side->categories, "*") == 0) {
            cfg->offers[i].category_mask = (UINT32_C(1) << cfg->category_count) - 1;
        } else if (each_item(ctx, side->categories, resolve_category, &arg)) {
            return -1;
        }
    }
    if (check_languages(ctx) || check_offer_values(ctx) || check_resolution_teams(ctx))
        return -1;
    return 0;
}

static am_rc load(const char *name, const char *text, size_t len, am_config **out, char *err,
                  size_t errlen)
{
    am_rc rc = AM_ERR_NOMEM;
    am_config *cfg = calloc(1, sizeof *cfg);
    load_ctx *ctx = calloc(1, sizeof *ctx);
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!cfg || !ctx) {
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", name ? name : "config");
        goto out;
    }
    ctx->cfg = cfg;
    ctx->err = err;
    ctx->errlen = errlen;
    ctx->pass_names[PASS_DEFAULTS] = "built-in defaults";
    ctx->pass_names[PASS_FILE] = name ? name : "config";

    rc = run_pass(ctx, PASS_DEFAULTS, am_config_defaults_ini, strlen(am_config_defaults_ini), NULL);
    if (rc)
        goto out;
    if (text) {
        rc = run_pass(ctx, PASS_FILE, text, len, name);
        if (rc)
            goto out;
        snprintf(cfg->source, sizeof cfg->source, "%s", name ? name : "");
    }
    rc = finish(ctx) ? AM_ERR_CONFIG : AM_OK;

out:
    if (ctx) {
        for (int i = 0; i < AM_MAX_CATEGORIES; i++)
            free(ctx->categories[i].options);
        for (int i = 0; i < AM_MAX_OFFERS; i++)
            free(ctx->offers[i].categories);
        for (int i = 0; i < ctx->stash_count; i++)
            text_clear(&ctx->stash[i].label);
        free(ctx);
    }
    if (rc == AM_OK)
        *out = cfg;
    else
        am_config_free(cfg);
    return rc;
}

am_rc am_config_load_string(const char *name, const char *text, am_config **out, char *err,
                            size_t errlen)
{
    return load(name ? name : "config", text ? text : "", text ? strlen(text) : 0, out, err,
                errlen);
}

am_rc am_config_load(const char *path, am_config **out, char *err, size_t errlen)
{
    am_rc rc = AM_ERR_IO;
    FILE *f = NULL;
    char *text = NULL;
    size_t len = 0;

    *out = NULL;
    if (!path)
        return load(NULL, NULL, 0, out, err, errlen);
    f = fopen(path, "rb");
    if (!f) {
        if (err && errlen)
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        rc = AM_ERR_CONFIG;
        goto out;
    }
    text = malloc(FILE_MAX_BYTES + 1);
    if (!text) {
        rc = AM_ERR_NOMEM;
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", path);
        goto out;
    }
    len = fread(text, 1, FILE_MAX_BYTES + 1, f);
    if (ferror(f)) {
        rc = AM_ERR_CONFIG;
        if (err && errlen)
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        goto out;
    }
    if (len > FILE_MAX_BYTES) {
        rc = AM_ERR_CONFIG;
        if (err && errlen)
            snprintf(err, errlen, "%s: too large (over %d bytes): is this a config file?", path,
                     FILE_MAX_BYTES);
        goto out;
    }
    rc = load(path, text, len, out, err, errlen);

out:
    free(text);
    if (f)
        fclose(f);
    return rc;
}
