/* config_load.h — internal to src/config: the loader's state and the
 * message and lexing helpers config_file.c shares with the key parsers in
 * config_keys.c. */
#ifndef AMENDS_CONFIG_LOAD_H
#define AMENDS_CONFIG_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amends/config.h"
#include "amends/config_file.h"

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
    where theme_at[4];            /* theme.primary, accent, background, text */
    where location_translated_at; /* the last location_label.xx line */
    category_side categories[AM_MAX_CATEGORIES];
    resolution_side resolutions[AM_MAX_RESOLUTIONS];
    offer_side offers[AM_MAX_OFFERS];
    team_side teams[AM_MAX_TEAMS];
    /* Built-in resolutions set aside while a pass replaces the list. */
    am_resolution_def stash[2];
    int stash_count;
};

/* Called by config_each_item for each item of a list. */
typedef int (*item_fn)(load_ctx *ctx, const char *item, size_t len, void *arg);

/* Section names by kind, as written in "[section]" headers. */
extern const char *const config_section_names[SEC_KIND_COUNT];

/* Every key the loader accepts (config_keys.c), config_key_count of them. */
extern const key_def config_key_table[];
extern const size_t config_key_count;

/* Checks item is an id (config_id_valid) and copies it into out; -1 and a
 * message when not. */
int config_copy_id(load_ctx *ctx, const char *item, size_t len, char out[AM_ID_MAX]);

/* Calls fn for each comma-separated item of value, spaces trimmed; an
 * empty item fails. */
int config_each_item(load_ctx *ctx, const char *value, item_fn fn, void *arg);

/* Records running out of memory at the current line. */
void config_fail_nomem(load_ctx *ctx);

/* Where the reader is: pass and line. */
where config_here(const load_ctx *ctx);

/* An id: 1 to AM_ID_MAX - 1 of a-z, 0-9 and _. */
bool config_id_valid(const char *s, size_t len);

/* An ASCII digit. */
bool config_is_digit(char c);

/* Money "12" or "12.5" or "12.50" in hundredths; -1 when malformed. */
int config_parse_money_text(const char *s, int64_t *out);

/* A whole number, "-" allowed, nothing else; huge values saturate. */
int config_parse_whole(const char *s, long long *out);

/* Text as quoted in a message (see config_quote_n). */
const char *config_quote(const char *text, char *buf, size_t bufsize);

/* len bytes of text as quoted in a message (buf: 64 bytes or more). */
const char *config_quote_n(const char *text, size_t len, char *buf, size_t bufsize);

/* Records the first error only: it is the one the person has to fix. */
void config_fail_at(load_ctx *ctx, where at, const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Errors about the key being parsed. */
#define config_fail_key(ctx, ...)                                                                  \
    config_fail_at((ctx), config_here(ctx), (ctx)->key_label, __VA_ARGS__)

#endif
