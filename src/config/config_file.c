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
 *
 * This file holds the messages and small lexers, sections, the line
 * reader, the passes and the cross-references; the parser for each kind of
 * value and the key table are in config_keys.c, and what both share is in
 * config_load.h.
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

#include "amends/palette.h"
#include "amends/text.h"
#include "config_internal.h"
#include "config_load.h"

/* Lines longer than this are refused (inih's buffer is this size). */
#define LINE_MAX_BYTES 8192
/* A site file is a few hundred lines; this cap keeps a wrong path (a log,
 * a disk image) from being read into memory whole. */
#define FILE_MAX_BYTES (1024 * 1024)

const char *const config_section_names[SEC_KIND_COUNT] = {
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

/* ---- messages ---------------------------------------------------------- */

/* Records the first error only: it is the one the person has to fix. */
void config_fail_at(load_ctx *ctx, where at, const char *subject, const char *fmt, ...)
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

where config_here(const load_ctx *ctx)
{
    return (where){ctx->pass, ctx->lineno};
}

void config_fail_nomem(load_ctx *ctx)
{
    ctx->nomem = true;
    config_fail_at(ctx, config_here(ctx), "config", "out of memory");
}

/* Text as quoted in a message: at most 48 bytes, cut on a character
 * boundary, so that a long value does not swamp the one line and the line
 * stays valid UTF-8. buf must hold at least 64 bytes. */
const char *config_quote_n(const char *text, size_t len, char *buf, size_t bufsize)
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

const char *config_quote(const char *text, char *buf, size_t bufsize)
{
    return config_quote_n(text, strlen(text), buf, bufsize);
}

/* ---- small lexers ------------------------------------------------------ */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool config_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool config_id_valid(const char *s, size_t len)
{
    if (len == 0 || len >= AM_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || config_is_digit(c) || c == '_'))
            return false;
    }
    return true;
}

/* Calls fn for each comma-separated item, trimmed. An empty item (",,",
 * a trailing comma) is an error: it is almost always a slip. */

int config_each_item(load_ctx *ctx, const char *value, item_fn fn, void *arg)
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
            config_fail_key(ctx, "empty item in the list");
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
int config_copy_id(load_ctx *ctx, const char *item, size_t len, char out[AM_ID_MAX])
{
    if (!config_id_valid(item, len)) {
        char shown[64];
        config_quote_n(item, len, shown, sizeof shown);
        config_fail_key(ctx, "bad id '%s' (use a-z, 0-9 and _, at most %d characters)", shown,
                        AM_ID_MAX - 1);
        return -1;
    }
    memcpy(out, item, len);
    out[len] = '\0';
    return 0;
}

int config_parse_whole(const char *s, long long *out)
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
        if (!config_is_digit(*p))
            return -1;
        /* Saturate: a huge number is out of range, not "not a number". */
        v = v > 99999999999LL ? v : v * 10 + (*p - '0');
    }
    *out = negative ? -v : v;
    return 0;
}

/* "150", "150.5", "150.50" -> 15000, 15050, 15050 hundredths. No sign, no
 * exponent, no separators: a price is written the way it is printed. */
int config_parse_money_text(const char *s, int64_t *out)
{
    int64_t major = 0, minor = 0;
    int int_digits = 0, frac_digits = 0;
    const char *p = s;
    for (; config_is_digit(*p); p++) {
        if (++int_digits > 9)
            return -1;
        major = major * 10 + (*p - '0');
    }
    if (int_digits == 0)
        return -1;
    if (*p == '.') {
        for (p++; config_is_digit(*p); p++) {
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
    where at = config_here(ctx);
    replace_list(ctx, kind);
    if (kind == SEC_CATEGORY) {
        if (cfg->category_count == AM_MAX_CATEGORIES) {
            config_fail_at(ctx, at, ctx->key_label, "too many categories (at most %d)",
                           AM_MAX_CATEGORIES);
            return -1;
        }
        ctx->entry_index = cfg->category_count++;
        ctx->entry = &cfg->categories[ctx->entry_index];
        snprintf(cfg->categories[ctx->entry_index].id, AM_ID_MAX, "%s", id);
        ctx->categories[ctx->entry_index].section = at;
    } else if (kind == SEC_OFFER) {
        if (cfg->offer_count == AM_MAX_OFFERS) {
            config_fail_at(ctx, at, ctx->key_label, "too many offers (at most %d)", AM_MAX_OFFERS);
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
            config_fail_at(ctx, at, ctx->key_label, "too many teams (at most %d)", AM_MAX_TEAMS);
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
            config_fail_at(ctx, at, ctx->key_label,
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
             config_quote_n(name, len, shown, sizeof shown));
    for (int k = SEC_NONE + 1; k < SEC_KIND_COUNT; k++) {
        if (strlen(config_section_names[k]) == kind_len &&
            memcmp(config_section_names[k], name, kind_len) == 0)
            kind = (section_kind)k;
    }
    if (kind == SEC_NONE || (dot && !is_list_kind(kind))) {
        config_fail_at(ctx, config_here(ctx), ctx->key_label,
                       "unknown section (known: kiosk, idle, journey, theme, sync, store, budget, "
                       "manager, category.ID, "
                       "resolution.ID, offer.ID, team.ID)");
        return -1;
    }
    if (is_list_kind(kind) && !dot) {
        config_fail_at(ctx, config_here(ctx), ctx->key_label, "needs an id: [%s.ID]",
                       config_section_names[kind]);
        return -1;
    }
    const char *id = dot ? dot + 1 : "";
    size_t id_len = dot ? len - kind_len - 1 : 0;
    if (dot && !config_id_valid(id, id_len)) {
        config_fail_at(ctx, config_here(ctx), ctx->key_label,
                       "bad id '%s' (use a-z, 0-9 and _, at most %d characters)",
                       config_quote_n(id, id_len, shown, sizeof shown), AM_ID_MAX - 1);
        return -1;
    }
    /* Valid names are short (an id is at most 32), so they fit. */
    snprintf(ctx->section, sizeof ctx->section, "%.*s", (int)len, name);
    for (int i = 0; i < ctx->seen_section_count; i++) {
        if (strcmp(ctx->seen_sections[i].name, ctx->section) == 0) {
            config_fail_at(ctx, config_here(ctx), ctx->key_label,
                           "duplicate section (first on line %d)", ctx->seen_sections[i].line);
            return -1;
        }
    }
    if (ctx->seen_section_count == MAX_SECTIONS) {
        config_fail_at(ctx, config_here(ctx), ctx->key_label, "too many sections");
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
    /* A name that is not a key can be any text: config_quote it, shortened. */
    config_quote(name, shown, sizeof shown);
    if (ctx->kind == SEC_NONE) {
        snprintf(ctx->key_label, sizeof ctx->key_label, "%s", shown);
        config_fail_key(ctx, "is outside any [section]");
        return 0;
    }
    snprintf(ctx->key_label, sizeof ctx->key_label, "%s.%s", ctx->section, shown);
    for (k = 0; k < config_key_count; k++) {
        if (config_key_table[k].section == ctx->kind &&
            strlen(config_key_table[k].name) == base_len &&
            memcmp(config_key_table[k].name, name, base_len) == 0) {
            key = &config_key_table[k];
            break;
        }
    }
    if (!key || (dot && !key->translatable)) {
        config_fail_key(ctx, "unknown key");
        return 0;
    }
    ctx->lang = AM_LANG_EN;
    if (dot) {
        ctx->lang = am_lang_index(dot + 1);
        if (ctx->lang < 0) {
            config_fail_key(ctx, "unknown language '%s' (known: en, es, fr, de, ar, zh)",
                            config_quote(dot + 1, shown, sizeof shown));
            return 0;
        }
    }
    if (ctx->seen_key_line[k][ctx->lang]) {
        config_fail_key(ctx, "set twice in [%s] (first on line %d)", ctx->section,
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
        plain = (*p >= 'a' && *p <= 'z') || config_is_digit(*p) || *p == '_' || *p == '.';
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
        config_fail_key(ctx, "contains a NUL byte");
        return -1;
    }
    if (!am_utf8_valid(a, (size_t)(b - a))) {
        line_subject(ctx, a, (size_t)(b - a));
        config_fail_key(ctx, "invalid UTF-8");
        return -1;
    }
    for (const char *p = a; p < b; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c < 0x20 && c != '\t') || c == 0x7F) {
            line_subject(ctx, a, (size_t)(b - a));
            config_fail_key(ctx, "control character 0x%02X", c);
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
            config_quote_n(a, (size_t)(b - a), shown, sizeof shown);
            snprintf(ctx->key_label, sizeof ctx->key_label, "%s", shown);
            config_fail_key(ctx, close ? "unexpected text after ']'" : "missing ']'");
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
        config_fail_key(ctx, "expected KEY = VALUE");
        return -1;
    }
    return 0;
}

/* inih's fgets-style reader over ctx->pos..end. Returning NULL ends the
 * parse, which is how a problem found config_here stops it. */
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
        config_fail_key(ctx, "line is too long (at most %d bytes)", size - 2);
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
     * start-up, before any thread, so setting them config_here is safe. */
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
    if (ctx->location_translated_at.pass == ctx->pass &&
        text_has_translation_only(&cfg->kiosk.location_label)) {
        config_fail_at(ctx, ctx->location_translated_at, "[kiosk] location_label",
                       "has translations but no English text (location_label = ... in English "
                       "shows the field; leave both out to hide it)");
        return -1;
    }
    for (int i = 0; i < cfg->category_count; i++) {
        const am_category_def *cat = &cfg->categories[i];
        const category_side *side = &ctx->categories[i];
        const am_text *texts[] = {&cat->apology, &cat->explanation};
        static const char *const names[] = {"apology", "explanation"};
        if (side->section.pass != ctx->pass)
            continue;
        snprintf(subject, sizeof subject, "[category.%s]", cat->id);
        if (!cat->label.s[AM_LANG_EN]) {
            config_fail_at(ctx, side->section, subject,
                           "no label (label = ... in English is required)");
            return -1;
        }
        for (int t = 0; t < 2; t++) {
            if (text_has_translation_only(texts[t])) {
                config_fail_at(ctx, side->section, subject,
                               "%s has translations but no English text", names[t]);
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
            config_fail_at(ctx, ctx->resolutions[i].section, subject,
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
            config_fail_at(ctx, ctx->teams[i].section, subject,
                           "no label (label = ... in English is required)");
            return -1;
        }
        for (int a = AM_ACTION_NOTIFY; a < AM_ACTION_COUNT; a++) {
            if (text_has_translation_only(&team->promise[a])) {
                config_fail_at(ctx, ctx->teams[i].section, subject,
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
            config_fail_at(ctx, side->section, subject,
                           "no text (text = ... in English is required)");
            return -1;
        }
        if (!side->has_value) {
            config_fail_at(ctx, side->section, subject, "no value (value = 10.00, in %s)",
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
        config_fail_nomem(ctx);
    else if (rc != 0 && !ctx->failed)
        config_fail_at(ctx, (where){pass, rc}, "line", "cannot parse this line");
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
        config_fail_at(
            ctx, at, arg->label,
            "unknown %s '%s' (a built-in entry uses it; this file replaces the %s list, so "
            "define [%s.*] sections too)",
            what, id, what, arg->target == SEC_RESOLUTION ? "category" : "offer");
    else
        config_fail_at(ctx, at, arg->label, "unknown %s '%s'", what, id);
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
        config_fail_at(ctx, *d, "kiosk.default_language", "'%s' is not in kiosk.languages",
                       am_lang_codes[lang]);
    else
        config_fail_at(ctx, *l, "kiosk.languages", "does not include the default language '%s'",
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
            config_fail_at(ctx, *b, "budget.daily_value",
                           "%s is less than offer '%s' (%s): it could never be given", budget,
                           offer->id, value);
        } else {
            snprintf(subject, sizeof subject, "offer.%s.value", offer->id);
            config_fail_at(ctx, *v, subject,
                           "%s is more than the daily budget (%s): it could never be given", value,
                           budget);
        }
        return -1;
    }
    return 0;
}

/* Every pair of colours the screens draw with this theme stands out as
 * WCAG asks (palette.h): a theme that would make a screen hard to read is
 * refused at the line of the colour that fails. */
static int check_theme_contrast(load_ctx *ctx)
{
    static const char *const names[] = {"theme.primary", "theme.accent", "theme.background",
                                        "theme.text"};
    const am_config *cfg = ctx->cfg;
    am_palette p;
    am_contrast_pair pairs[AM_CONTRAST_PAIRS];
    am_palette_make(cfg->theme.primary, cfg->theme.accent, cfg->theme.background, cfg->theme.text,
                    &p);
    int n = am_palette_pairs(&p, pairs);
    for (int i = 0; i < n; i++) {
        double ratio = am_contrast(pairs[i].fg, pairs[i].bg);
        if (ratio >= pairs[i].need)
            continue;
        /* Blamed on the theme colour the pair comes from (primary for the
         * primary colour and its label, else text), or on the background
         * when that was set later. */
        const char *fg = pairs[i].fg_name;
        int key = !strcmp(fg, "primary") || !strcmp(fg, "on-primary") ? 0 : 3;
        where k = ctx->theme_at[key], b = ctx->theme_at[2];
        if (b.pass > k.pass || (b.pass == k.pass && b.line > k.line))
            key = 2;
        config_fail_at(ctx, ctx->theme_at[key], names[key],
                       "%s #%06X on %s #%06X has contrast %.2f:1; %s needs at least %.1f:1 "
                       "(WCAG 2.2)",
                       pairs[i].fg_name, (unsigned)(pairs[i].fg & 0xFFFFFF), pairs[i].bg_name,
                       (unsigned)(pairs[i].bg & 0xFFFFFF), ratio, pairs[i].use, pairs[i].need);
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
                config_fail_at(ctx, side->team_at, label,
                               "'%s' is given, but action none tells no team anything", res->team);
                return -1;
            }
            continue;
        }
        if (!res->team[0]) {
            config_fail_at(ctx, side->section, label, "missing: action %s needs the team it is for",
                           action);
            return -1;
        }
        int team = am_config_team_index(cfg, res->team);
        if (team < 0) {
            bool replaced;
            where at = reference_site(ctx, side->team_at, SEC_TEAM, &replaced);
            config_fail_at(ctx, at, label,
                           replaced
                               ? "unknown team '%s' (a built-in entry uses it; this file replaces "
                                 "the team list, so define it too)"
                               : "unknown team '%s'",
                           res->team);
            return -1;
        }
        if (!cfg->teams[team].promise[res->action].s[AM_LANG_EN]) {
            config_fail_at(
                ctx, ctx->teams[team].section, label,
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
        config_fail_at(ctx, (where){PASS_DEFAULTS, 0}, "resolution",
                       "built-in staff_now or other missing");
        return -1;
    }
    if (cfg->category_count == 0) {
        config_fail_at(ctx, (where){ctx->pass, 0}, "category", "no categories defined");
        return -1;
    }
    for (int i = 0; i < cfg->category_count; i++) {
        const category_side *side = &ctx->categories[i];
        snprintf(label, sizeof label, "category.%s.options", cfg->categories[i].id);
        resolve_arg arg = {i, label, side->options_at, SEC_RESOLUTION};
        cfg->categories[i].option_count = 0;
        if (side->options && side->options[0] &&
            config_each_item(ctx, side->options, resolve_option, &arg))
            return -1;
    }
    for (int i = 0; i < cfg->offer_count; i++) {
        const offer_side *side = &ctx->offers[i];
        snprintf(label, sizeof label, "offer.%s.categories", cfg->offers[i].id);
        resolve_arg arg = {i, label, side->categories_at, SEC_CATEGORY};
        cfg->offers[i].category_mask = 0;
        if (!side->categories || strcmp(side->categories, "*") == 0) {
            cfg->offers[i].category_mask = (UINT32_C(1) << cfg->category_count) - 1;
        } else if (config_each_item(ctx, side->categories, resolve_category, &arg)) {
            return -1;
        }
    }
    if (check_languages(ctx) || check_offer_values(ctx) || check_resolution_teams(ctx) ||
        check_theme_contrast(ctx))
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
