/* test_config.c — site configuration: defaults, shipped files, every error
 * class with its exact message, lookups and value parsing. */
#include "am_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/config.h"
#include "amends/config_file.h"
#include "../../src/config/config_internal.h"

#define CONF_DIR AM_SOURCE_DIR "/config/"

/* ---- helpers ----------------------------------------------------------- */

static am_config *load_text(const char *name, const char *text)
{
    am_config *cfg = NULL;
    char err[512] = "";
    am_rc rc = am_config_load_string(name, text, &cfg, err, sizeof err);
    if (rc != AM_OK)
        fail_msg("expected %s to load, got: %s", name, err);
    assert_non_null(cfg);
    return cfg;
}

static am_config *load_file(const char *path)
{
    am_config *cfg = NULL;
    char err[512] = "";
    am_rc rc = am_config_load(path, &cfg, err, sizeof err);
    if (rc != AM_OK)
        fail_msg("expected %s to load, got: %s", path, err);
    assert_non_null(cfg);
    return cfg;
}

/* Loads `text` as hotel.conf and checks the one-line message exactly. */
static void expect_error(const char *text, const char *expected)
{
    am_config *cfg = (am_config *)&cfg; /* must be reset to NULL */
    char err[512] = "";
    am_rc rc = am_config_load_string("hotel.conf", text, &cfg, err, sizeof err);
    assert_int_equal(rc, AM_ERR_CONFIG);
    assert_null(cfg);
    assert_string_equal(err, expected);
    assert_null(strchr(err, '\n'));
}

/* A file with one category, so that categories do not come from defaults. */
#define ROOM "[category.room]\nlabel = Room\noptions = refund, callback\n"
/* The same, with its one option defined by the file. */
#define ROOM_MOVE "[category.room]\nlabel = Room\noptions = move\n"

static void assert_text_complete(const am_text *t, const char *what, const char *id)
{
    for (int lang = 0; lang < AM_LANG_COUNT; lang++) {
        if (!t->s[lang] || !t->s[lang][0])
            fail_msg("%s of '%s' has no %s text", what, id, am_lang_codes[lang]);
    }
}

/* Every text a guest can see, in every language amends ships. */
static void assert_config_complete(const am_config *cfg)
{
    assert_true(cfg->category_count > 0);
    for (int i = 0; i < cfg->category_count; i++) {
        const am_category_def *cat = &cfg->categories[i];
        assert_text_complete(&cat->label, "label", cat->id);
        assert_text_complete(&cat->apology, "apology", cat->id);
        assert_text_complete(&cat->explanation, "explanation", cat->id);
    }
    for (int i = 0; i < cfg->resolution_count; i++) {
        const am_resolution_def *res = &cfg->resolutions[i];
        assert_text_complete(&res->label, "label", res->id);
        /* What the guest is told will happen, in every language. */
        if (res->action != AM_ACTION_NONE)
            assert_text_complete(am_config_promise(cfg, i), am_resolution_action_name(res->action),
                                 res->id);
    }
    for (int i = 0; i < cfg->team_count; i++)
        assert_text_complete(&cfg->teams[i].label, "label", cfg->teams[i].id);
    for (int i = 0; i < cfg->offer_count; i++)
        assert_text_complete(&cfg->offers[i].text, "text", cfg->offers[i].id);
    int staff_now = am_config_resolution_index(cfg, AM_RESOLUTION_STAFF_NOW);
    int other = am_config_resolution_index(cfg, AM_RESOLUTION_OTHER);
    assert_true(staff_now >= 0 && other >= 0);
    assert_int_equal(cfg->resolutions[staff_now].action, AM_ACTION_STAFF_NOW);
    assert_true(cfg->resolutions[other].asks_text);
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void assert_same_text(const am_text *a, const am_text *b, const char *what)
{
    for (int lang = 0; lang < AM_LANG_COUNT; lang++) {
        if (!same_str(a->s[lang], b->s[lang]))
            fail_msg("%s.%s differs: '%s' vs '%s'", what, am_lang_codes[lang],
                     a->s[lang] ? a->s[lang] : "(none)", b->s[lang] ? b->s[lang] : "(none)");
    }
}

/* ---- defaults and shipped files ---------------------------------------- */

static void defaults_load_complete(void **state)
{
    (void)state;
    am_config *cfg = load_file(NULL);
    assert_string_equal(cfg->source, "");
    assert_config_complete(cfg);
    assert_true(cfg->category_count >= 5);
    assert_true(cfg->offer_count >= 2 && cfg->offer_count <= 3);
    assert_int_equal(cfg->kiosk.language_count, AM_LANG_COUNT);
    for (int i = 0; i < AM_LANG_COUNT; i++)
        assert_int_equal(cfg->kiosk.languages[i], i);
    assert_int_equal(cfg->kiosk.default_language, AM_LANG_EN);
    assert_int_equal(cfg->kiosk.log_level, AM_LOG_INFO);
    assert_int_equal(cfg->idle.timeout_s, 60);
    assert_string_equal(cfg->sync.url, "");
    assert_int_equal(cfg->sync.batch, 100);
    assert_string_equal(cfg->budget.currency, "EUR");
    assert_int_equal(cfg->budget.daily_value_minor, 15000);
    assert_int_equal(cfg->budget.offer_days, 30);
    assert_int_equal(cfg->theme.primary, 0x1F5F8B);
    assert_int_not_equal(am_config_category_index(cfg, "billing"), -1);
    /* Every severity of every category has an offer in the defaults. */
    for (int c = 0; c < cfg->category_count; c++) {
        for (int s = AM_SEVERITY_MINOR; s <= AM_SEVERITY_SEVERE; s++)
            assert_true(am_config_offer_for(cfg, c, (am_severity)s) >= 0);
    }
    am_config_free(cfg);
}

/* amends.conf is the documented reference: it must mean the defaults. */
static void amends_conf_equals_defaults(void **state)
{
    (void)state;
    am_config *def = load_file(NULL);
    am_config *ref = load_file(CONF_DIR "amends.conf");
    assert_string_equal(ref->source, CONF_DIR "amends.conf");
    /* The kiosk section up to its one text, then the text itself. */
    assert_memory_equal(&def->kiosk, &ref->kiosk, offsetof(__typeof__(def->kiosk), location_label));
    assert_same_text(&def->kiosk.location_label, &ref->kiosk.location_label, "location_label");
    assert_memory_equal(&def->idle, &ref->idle, sizeof def->idle);
    assert_memory_equal(&def->theme, &ref->theme, sizeof def->theme);
    assert_memory_equal(&def->sync, &ref->sync, sizeof def->sync);
    assert_memory_equal(&def->store, &ref->store, sizeof def->store);
    assert_memory_equal(&def->budget, &ref->budget, sizeof def->budget);
    assert_int_equal(def->category_count, ref->category_count);
    for (int i = 0; i < def->category_count; i++) {
        const am_category_def *a = &def->categories[i], *b = &ref->categories[i];
        assert_string_equal(a->id, b->id);
        assert_same_text(&a->label, &b->label, a->id);
        assert_same_text(&a->apology, &b->apology, a->id);
        assert_same_text(&a->explanation, &b->explanation, a->id);
        assert_int_equal(a->option_count, b->option_count);
        assert_memory_equal(a->options, b->options, sizeof a->options);
    }
    assert_int_equal(def->resolution_count, ref->resolution_count);
    for (int i = 0; i < def->resolution_count; i++) {
        const am_resolution_def *a = &def->resolutions[i], *b = &ref->resolutions[i];
        assert_string_equal(a->id, b->id);
        assert_same_text(&a->label, &b->label, a->id);
        assert_int_equal(a->action, b->action);
        assert_string_equal(a->team, b->team);
        assert_int_equal(a->urgent, b->urgent);
        assert_int_equal(a->asks_text, b->asks_text);
    }
    assert_int_equal(def->team_count, ref->team_count);
    for (int i = 0; i < def->team_count; i++) {
        const am_team_def *a = &def->teams[i], *b = &ref->teams[i];
        assert_string_equal(a->id, b->id);
        assert_same_text(&a->label, &b->label, a->id);
        for (int act = 0; act < AM_ACTION_COUNT; act++)
            assert_same_text(&a->promise[act], &b->promise[act], a->id);
    }
    assert_int_equal(def->offer_count, ref->offer_count);
    for (int i = 0; i < def->offer_count; i++) {
        const am_offer_def *a = &def->offers[i], *b = &ref->offers[i];
        assert_string_equal(a->id, b->id);
        assert_same_text(&a->text, &b->text, a->id);
        assert_int_equal(a->value_minor, b->value_minor);
        assert_int_equal(a->severity_mask, b->severity_mask);
        assert_int_equal(a->category_mask, b->category_mask);
    }
    am_config_free(def);
    am_config_free(ref);
}

/* Collects "kind.key" and "kind.key.lang" names set in an INI file. */
typedef struct key_set {
    char names[512][64];
    int count;
} key_set;

static bool key_set_has(const key_set *set, const char *name)
{
    for (int i = 0; i < set->count; i++) {
        if (strcmp(set->names[i], name) == 0)
            return true;
    }
    return false;
}

static void key_set_add(key_set *set, const char *name)
{
    if (key_set_has(set, name))
        return;
    assert_true(set->count < 512);
    snprintf(set->names[set->count++], sizeof set->names[0], "%s", name);
}

static void collect_keys(const char *text, key_set *set)
{
    char kind[32] = "";
    const char *line = text;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[256];
        snprintf(buf, sizeof buf, "%.*s", (int)(len < 255 ? len : 255), line);
        char *s = buf;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '[') {
            size_t n = strcspn(s + 1, ".]");
            snprintf(kind, sizeof kind, "%.*s", (int)n, s + 1);
        } else if (*s && *s != ';' && *s != '#' && strchr(s, '=')) {
            char name[64];
            size_t n = strcspn(s, " \t=");
            snprintf(name, sizeof name, "%s.%.*s", kind, (int)n, s);
            key_set_add(set, name);
        }
        line += len + (end ? 1 : 0);
    }
}

/* Fails when a key is added to the loader without being documented in
 * config/amends.conf (with every translation) and docs/config.md. */
static void every_key_documented(void **state)
{
    (void)state;
    key_set *set = calloc(1, sizeof *set);
    char *conf = am_test_read_file(CONF_DIR "amends.conf", NULL);
    char *doc = am_test_read_file(AM_SOURCE_DIR "/docs/config.md", NULL);
    assert_non_null(set);
    assert_non_null(conf);
    assert_non_null(doc);
    collect_keys(conf, set);
    const char *section, *key;
    bool translatable;
    size_t count = 0;
    for (size_t i = 0; am_config_key_at(i, &section, &key, &translatable); i++, count++) {
        char name[96], heading[128];
        snprintf(name, sizeof name, "%s.%s", section, key);
        if (!key_set_has(set, name))
            fail_msg("key %s is not set in config/amends.conf", name);
        for (int lang = 1; translatable && lang < AM_LANG_COUNT; lang++) {
            char tname[100];
            snprintf(tname, sizeof tname, "%s.%s", name, am_lang_codes[lang]);
            if (!key_set_has(set, tname))
                fail_msg("translatable key %s has no %s in config/amends.conf", name,
                         am_lang_codes[lang]);
        }
        bool list = strcmp(section, "category") == 0 || strcmp(section, "resolution") == 0 ||
                    strcmp(section, "offer") == 0 || strcmp(section, "team") == 0;
        snprintf(heading, sizeof heading, "### `%s%s.%s`", section, list ? ".ID" : "", key);
        if (!strstr(doc, heading))
            fail_msg("key %s has no '%s' heading in docs/config.md", name, heading);
    }
    assert_true(count >= 40);
    free(doc);
    free(conf);
    free(set);
}

static void hotel_conf_loads(void **state)
{
    (void)state;
    am_config *cfg = load_file(CONF_DIR "hotel.conf");
    assert_config_complete(cfg);
    assert_true(cfg->category_count >= 6);
    assert_true(cfg->offer_count >= 3);
    assert_int_not_equal(am_config_category_index(cfg, "room"), -1);
    assert_int_not_equal(am_config_category_index(cfg, "housekeeping"), -1);
    assert_int_not_equal(am_config_category_index(cfg, "noise"), -1);
    assert_int_equal(strncmp(cfg->sync.url, "https://", 8), 0);
    assert_true(cfg->theme.brand[0] != '\0');
    assert_int_equal(cfg->kiosk.language_count, AM_LANG_COUNT);
    assert_true(cfg->budget.daily_value_minor > 0);
    am_config_free(cfg);
}

/* Each shipped site names its own "where": a room in the hotel, a till or
 * department in the shop, in every language; a site can turn it off. */
static void location_label_per_site(void **state)
{
    (void)state;
    am_config *hotel = load_file(CONF_DIR "hotel.conf");
    am_config *retail = load_file(CONF_DIR "retail.conf");
    assert_text_complete(&hotel->kiosk.location_label, "location_label", "hotel");
    assert_text_complete(&retail->kiosk.location_label, "location_label", "retail");
    assert_string_equal(am_text_get(&hotel->kiosk.location_label, AM_LANG_EN), "Room number");
    assert_string_equal(am_text_get(&retail->kiosk.location_label, AM_LANG_EN),
                        "Till or department");
    assert_true(am_config_asks_location(hotel) && am_config_asks_location(retail));
    am_config_free(hotel);
    am_config_free(retail);

    am_config *off = NULL;
    char err[512];
    assert_int_equal(
        am_config_load_string("quiet.conf", "[kiosk]\nlocation_label =\n", &off, err, sizeof err),
        AM_OK);
    assert_false(am_config_asks_location(off));
    assert_true(am_text_empty(&off->kiosk.location_label));
    am_config_free(off);
}

static void location_label_translation_needs_english(void **state)
{
    (void)state;
    expect_error("[kiosk]\nlocation_label =\nlocation_label.fr = Chambre\n",
                 "hotel.conf:3: [kiosk] location_label: has translations but no English text "
                 "(location_label = ... in English shows the field; leave both out to hide it)");
    expect_error("[kiosk]\nlocation_label = Room number, floor and wing of the building, please\n",
                 "hotel.conf:2: kiosk.location_label: is too long (51 characters, at most 48)");
}

static void retail_conf_loads(void **state)
{
    (void)state;
    am_config *cfg = load_file(CONF_DIR "retail.conf");
    assert_config_complete(cfg);
    assert_true(cfg->category_count >= 6);
    assert_true(cfg->offer_count >= 3);
    assert_int_not_equal(am_config_category_index(cfg, "out_of_stock"), -1);
    assert_int_not_equal(am_config_category_index(cfg, "returns"), -1);
    assert_int_not_equal(am_config_category_index(cfg, "delivery"), -1);
    assert_int_equal(strncmp(cfg->sync.url, "https://", 8), 0);
    assert_true(cfg->theme.brand[0] != '\0');
    am_config_free(cfg);
}

/* ---- behaviour of a loaded file ---------------------------------------- */

static void scalar_keys_override_one_by_one(void **state)
{
    (void)state;
    am_config *cfg = load_text("site.conf", "[idle]\ntimeout = 90\n");
    assert_string_equal(cfg->source, "site.conf");
    assert_int_equal(cfg->idle.timeout_s, 90);
    assert_int_equal(cfg->idle.countdown_s, 15); /* untouched: still the default */
    assert_int_equal(cfg->category_count, 6);    /* no category section: built-ins */
    am_config_free(cfg);
}

static void list_sections_replace_builtins(void **state)
{
    (void)state;
    am_config *cfg = load_text("site.conf", "[category.room]\nlabel = Room\noptions = move\n"
                                            "[resolution.move]\nlabel = Move me\n"
                                            "[category.spa]\nlabel = Spa\noptions = move\n");
    assert_int_equal(cfg->category_count, 2);
    assert_string_equal(cfg->categories[0].id, "room");
    assert_string_equal(cfg->categories[1].id, "spa");
    assert_int_equal(am_config_category_index(cfg, "service"), -1);
    /* The file's resolution list replaced the built-in one, except for the
     * two built-ins every category offers. */
    assert_int_equal(am_config_resolution_index(cfg, "refund"), -1);
    assert_int_not_equal(am_config_resolution_index(cfg, "move"), -1);
    assert_int_not_equal(am_config_resolution_index(cfg, AM_RESOLUTION_STAFF_NOW), -1);
    assert_int_not_equal(am_config_resolution_index(cfg, AM_RESOLUTION_OTHER), -1);
    /* Offers were not redefined: the built-ins apply to every category. */
    assert_int_equal(cfg->offer_count, 3);
    assert_int_equal(cfg->offers[0].category_mask, 0x3u);
    am_config_free(cfg);
}

static void builtin_resolution_reworded(void **state)
{
    (void)state;
    am_config *cfg = load_text("site.conf", "[category.room]\nlabel = Room\n"
                                            "[resolution.staff_now]\n"
                                            "label = Speak to the duty manager now\n");
    int i = am_config_resolution_index(cfg, AM_RESOLUTION_STAFF_NOW);
    assert_true(i >= 0);
    assert_string_equal(am_text_get(&cfg->resolutions[i].label, AM_LANG_EN),
                        "Speak to the duty manager now");
    /* The file reworded it in English only: other languages fall back to
     * that wording, never to a mix with the built-in one. */
    assert_null(cfg->resolutions[i].label.s[AM_LANG_FR]);
    assert_int_equal(cfg->resolutions[i].action, AM_ACTION_STAFF_NOW);
    am_config_free(cfg);
}

static void options_for_order(void **state)
{
    (void)state;
    am_config *cfg = load_text("site.conf", "[category.room]\nlabel = Room\n"
                                            "options = callback, refund, noted\n"
                                            "[category.lobby]\nlabel = Lobby\n");
    int out[AM_MAX_CAT_OPTIONS + 2];
    int n = am_config_options_for(cfg, 0, out, AM_MAX_CAT_OPTIONS + 2);
    assert_int_equal(n, 5);
    assert_string_equal(cfg->resolutions[out[0]].id, "callback");
    assert_string_equal(cfg->resolutions[out[1]].id, "refund");
    assert_string_equal(cfg->resolutions[out[2]].id, "noted");
    assert_string_equal(cfg->resolutions[out[3]].id, AM_RESOLUTION_STAFF_NOW);
    assert_string_equal(cfg->resolutions[out[4]].id, AM_RESOLUTION_OTHER);
    /* No options of its own: the built-ins still give the guest a choice. */
    n = am_config_options_for(cfg, 1, out, AM_MAX_CAT_OPTIONS + 2);
    assert_int_equal(n, 2);
    assert_string_equal(cfg->resolutions[out[0]].id, AM_RESOLUTION_STAFF_NOW);
    assert_string_equal(cfg->resolutions[out[1]].id, AM_RESOLUTION_OTHER);
    /* A short buffer is never overrun; a bad category gives nothing. */
    assert_int_equal(am_config_options_for(cfg, 0, out, 2), 2);
    assert_int_equal(am_config_options_for(cfg, 2, out, 8), 0);
    assert_int_equal(am_config_options_for(cfg, -1, out, 8), 0);
    am_config_free(cfg);
}

static void offer_for_category_and_severity(void **state)
{
    (void)state;
    am_config *cfg =
        load_text("site.conf", "[category.room]\nlabel = Room\n"
                               "[category.bar]\nlabel = Bar\n"
                               "[category.spa]\nlabel = Spa\n"
                               "[offer.upgrade]\ntext = An upgrade\nvalue = 60\n"
                               "severities = severe\ncategories = room\n"
                               "[offer.drink]\ntext = A drink\nvalue = 8.50\n"
                               "severities = minor, significant\ncategories = room, bar\n"
                               "[offer.voucher]\ntext = A voucher\nvalue = 25\n"
                               "severities = severe, significant\n");
    int room = am_config_category_index(cfg, "room");
    int bar = am_config_category_index(cfg, "bar");
    int spa = am_config_category_index(cfg, "spa");
    int upgrade = am_config_offer_index(cfg, "upgrade");
    int drink = am_config_offer_index(cfg, "drink");
    int voucher = am_config_offer_index(cfg, "voucher");
    assert_int_equal(cfg->offers[drink].value_minor, 850);
    /* The first match in file order wins. */
    assert_int_equal(am_config_offer_for(cfg, room, AM_SEVERITY_SEVERE), upgrade);
    assert_int_equal(am_config_offer_for(cfg, room, AM_SEVERITY_SIGNIFICANT), drink);
    assert_int_equal(am_config_offer_for(cfg, room, AM_SEVERITY_MINOR), drink);
    assert_int_equal(am_config_offer_for(cfg, bar, AM_SEVERITY_SEVERE), voucher);
    assert_int_equal(am_config_offer_for(cfg, spa, AM_SEVERITY_SIGNIFICANT), voucher);
    /* No offer for a minor spa report; nothing for no severity. */
    assert_int_equal(am_config_offer_for(cfg, spa, AM_SEVERITY_MINOR), -1);
    assert_int_equal(am_config_offer_for(cfg, room, AM_SEVERITY_NONE), -1);
    assert_int_equal(am_config_offer_for(cfg, 7, AM_SEVERITY_SEVERE), -1);
    assert_int_equal(am_config_offer_index(cfg, "nope"), -1);
    am_config_free(cfg);
}

static void text_falls_back_to_english(void **state)
{
    (void)state;
    am_config *cfg = load_text("site.conf", "[category.room]\nlabel = Room\nlabel.fr = Chambre\n"
                                            "label.ar = الغرفة\n");
    const am_text *label = &cfg->categories[0].label;
    assert_string_equal(am_text_get(label, AM_LANG_FR), "Chambre");
    assert_string_equal(am_text_get(label, AM_LANG_AR), "الغرفة");
    assert_string_equal(am_text_get(label, AM_LANG_ES), "Room");
    assert_string_equal(am_text_get(label, AM_LANG_ZH), "Room");
    assert_string_equal(am_text_get(label, 99), "Room");
    assert_false(am_text_empty(label));
    /* Optional texts the site left out read as empty, never NULL. */
    assert_true(am_text_empty(&cfg->categories[0].apology));
    assert_string_equal(am_text_get(&cfg->categories[0].apology, AM_LANG_DE), "");
    assert_string_equal(am_text_get(NULL, AM_LANG_EN), "");
    am_config_free(cfg);
}

static void languages_and_severities(void **state)
{
    (void)state;
    assert_int_equal(am_lang_index("ar"), AM_LANG_AR);
    assert_int_equal(am_lang_index("zh"), AM_LANG_ZH);
    assert_int_equal(am_lang_index("pt"), -1);
    assert_int_equal(am_lang_index(NULL), -1);
    assert_true(am_lang_rtl(AM_LANG_AR));
    assert_false(am_lang_rtl(AM_LANG_ZH));
    am_severity s = AM_SEVERITY_NONE;
    assert_int_equal(am_severity_parse("significant", &s), AM_OK);
    assert_int_equal(s, AM_SEVERITY_SIGNIFICANT);
    assert_int_equal(am_severity_parse("Severe", &s), AM_ERR_INVALID);
    assert_int_equal(am_severity_parse("", &s), AM_ERR_INVALID);
    assert_string_equal(am_severity_name(AM_SEVERITY_SEVERE), "severe");
    assert_string_equal(am_severity_name(AM_SEVERITY_NONE), "");

    am_config *cfg = load_text("site.conf", "[kiosk]\nlanguages = ar, en, zh\n"
                                            "default_language = ar\n");
    assert_int_equal(cfg->kiosk.language_count, 3);
    assert_int_equal(cfg->kiosk.languages[0], AM_LANG_AR);
    assert_int_equal(cfg->kiosk.languages[2], AM_LANG_ZH);
    assert_int_equal(cfg->kiosk.default_language, AM_LANG_AR);
    am_config_free(cfg);
}

static void money_values(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int64_t minor;
    } good[] = {
        {"150", 15000}, {"150.5", 15050}, {"150.50", 15050}, {"0", 0}, {"1000000.00", 100000000}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, "[budget]\ndaily_value = %s\n", good[i].text);
        am_config *cfg = load_text("site.conf", text);
        assert_int_equal(cfg->budget.daily_value_minor, good[i].minor);
        am_config_free(cfg);
    }
    expect_error("[budget]\ndaily_value = 150.505\n",
                 "hotel.conf:2: budget.daily_value: '150.505' is not an amount like 150 or "
                 "150.00 (at most two decimals)");
    expect_error("[budget]\ndaily_value = -1\n",
                 "hotel.conf:2: budget.daily_value: '-1' is not an amount like 150 or 150.00 "
                 "(at most two decimals)");
    expect_error("[budget]\ndaily_value = 1e3\n",
                 "hotel.conf:2: budget.daily_value: '1e3' is not an amount like 150 or 150.00 "
                 "(at most two decimals)");
    expect_error("[budget]\ndaily_value = 150.\n",
                 "hotel.conf:2: budget.daily_value: '150.' is not an amount like 150 or 150.00 "
                 "(at most two decimals)");
    expect_error("[budget]\ndaily_value = 1,500\n",
                 "hotel.conf:2: budget.daily_value: '1,500' is not an amount like 150 or 150.00 "
                 "(at most two decimals)");
    expect_error("[budget]\ndaily_value = 2000000\n",
                 "hotel.conf:2: budget.daily_value: 2000000 is out of range (0.00..1000000.00)");
    expect_error("[budget]\ncurrency = eur\n",
                 "hotel.conf:2: budget.currency: 'eur' is not a currency code like EUR (three "
                 "capital letters)");
}

static void relative_logo_next_to_config(void **state)
{
    (void)state;
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 0};
    char dir[256], path[300], conf[300], expected[1024], err[512];
    am_test_tmpdir(dir, sizeof dir, "config_logo");
    snprintf(path, sizeof path, "%s/logo.png", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(png, 1, sizeof png, f), sizeof png);
    fclose(f);
    snprintf(conf, sizeof conf, "%s/site.conf", dir);
    f = fopen(conf, "wb");
    assert_non_null(f);
    fputs("[theme]\nlogo = logo.png\n[kiosk]\ndata_dir = data\n", f);
    fclose(f);

    am_config *cfg = load_file(conf);
    snprintf(expected, sizeof expected, "%s/logo.png", dir);
    assert_string_equal(cfg->theme.logo, expected);
    snprintf(expected, sizeof expected, "%s/data", dir);
    assert_string_equal(cfg->kiosk.data_dir, expected);
    am_config_free(cfg);

    /* A file that is not a PNG is refused as the logo. */
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs("GIF89a..", f);
    fclose(f);
    cfg = NULL;
    assert_int_equal(am_config_load(conf, &cfg, err, sizeof err), AM_ERR_CONFIG);
    snprintf(expected, sizeof expected, "%s:2: theme.logo: %s/logo.png: is not a PNG image", conf,
             dir);
    assert_string_equal(err, expected);
    am_test_rmtree(dir);
}

static void sync_url_and_pin(void **state)
{
    (void)state;
    am_config *cfg =
        load_text("site.conf", "[sync]\nurl = https://hub.example.com/amends/\n"
                               "pin = sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
    assert_string_equal(cfg->sync.url, "https://hub.example.com/amends");
    am_config_free(cfg);
    cfg = load_text("site.conf", "[sync]\nurl = http://127.0.0.1:8443\n");
    assert_string_equal(cfg->sync.url, "http://127.0.0.1:8443");
    am_config_free(cfg);
    cfg = load_text("site.conf", "[sync]\nurl = http://[::1]:8443/hub\n");
    am_config_free(cfg);
    cfg = load_text("site.conf", "[sync]\nurl = http://localhost\n");
    am_config_free(cfg);
    expect_error("[sync]\nurl = http://hub.example.com\n",
                 "hotel.conf:2: sync.url: 'http://hub.example.com' must use https:// (http:// is "
                 "only for 127.0.0.1, [::1], localhost)");
    expect_error("[sync]\nurl = http://localhost.example.com\n",
                 "hotel.conf:2: sync.url: 'http://localhost.example.com' must use https:// "
                 "(http:// is only for 127.0.0.1, [::1], localhost)");
    expect_error("[sync]\nurl = ftp://hub.example.com\n",
                 "hotel.conf:2: sync.url: 'ftp://hub.example.com' is not an https:// address");
    expect_error("[sync]\nurl = https://user@hub.example.com\n",
                 "hotel.conf:2: sync.url: 'https://user@hub.example.com' is not a valid hub "
                 "address (https://HOST[:PORT][/PATH])");
    expect_error("[sync]\nurl = https://:8443/\n",
                 "hotel.conf:2: sync.url: 'https://:8443/' is not a valid hub address "
                 "(https://HOST[:PORT][/PATH])");
    expect_error("[sync]\npin = sha256//short=\n",
                 "hotel.conf:2: sync.pin: 'sha256//short=' is not a pin like sha256//BASE64= (a "
                 "SHA-256 of the public key)");
}

static void windows_line_endings_and_bom(void **state)
{
    (void)state;
    am_config *cfg = load_text("site.conf", "\xEF\xBB\xBF[idle]\r\ntimeout = 45\r\n"
                                            "; a comment; with semicolons\r\n"
                                            "# and a hash comment\r\n");
    assert_int_equal(cfg->idle.timeout_s, 45);
    am_config_free(cfg);
    /* A ';' inside a value is part of it: there are no inline comments. */
    cfg = load_text("site.conf", "[category.room]\nlabel = Room; suite\n");
    assert_string_equal(cfg->categories[0].label.s[AM_LANG_EN], "Room; suite");
    am_config_free(cfg);
}

/* ---- one test per error class ------------------------------------------ */

static void error_missing_file(void **state)
{
    (void)state;
    am_config *cfg = (am_config *)&cfg;
    char err[512];
    assert_int_equal(am_config_load("/nonexistent/hotel.conf", &cfg, err, sizeof err),
                     AM_ERR_CONFIG);
    assert_null(cfg);
    assert_string_equal(err, "/nonexistent/hotel.conf: cannot open: No such file or directory");
}

static void error_unknown_section(void **state)
{
    (void)state;
    expect_error("[kiosk]\nid = lobby\n[kiosks]\n",
                 "hotel.conf:3: [kiosks]: unknown section (known: kiosk, idle, journey, theme, "
                 "sync, store, budget, manager, category.ID, resolution.ID, offer.ID, team.ID)");
    expect_error("[idle.fast]\n", "hotel.conf:1: [idle.fast]: unknown section (known: kiosk, "
                                  "idle, journey, theme, sync, store, budget, manager, "
                                  "category.ID, resolution.ID, offer.ID, team.ID)");
    expect_error("\n[category]\nlabel = Room\n",
                 "hotel.conf:2: [category]: needs an id: [category.ID]");
    expect_error("[kiosk\n", "hotel.conf:1: [kiosk: missing ']'");
    expect_error("[kiosk] id = 1\n", "hotel.conf:1: [kiosk] id = 1: unexpected text after ']'");
    expect_error("id = lobby\n", "hotel.conf:1: id: is outside any [section]");
}

static void error_unknown_key(void **state)
{
    (void)state;
    expect_error("[idle]\ntimeot = 30\n", "hotel.conf:2: idle.timeot: unknown key");
    expect_error(ROOM "colour = red\n", "hotel.conf:4: category.room.colour: unknown key");
    /* Only texts take a language suffix. */
    expect_error("[idle]\ntimeout.fr = 30\n", "hotel.conf:2: idle.timeout.fr: unknown key");
    expect_error("[idle]\njust some words\n", "hotel.conf:2: [idle]: expected KEY = VALUE");
}

static void error_bad_number(void **state)
{
    (void)state;
    expect_error("[idle]\n\ntimeout = 3O\n",
                 "hotel.conf:3: idle.timeout: '3O' is not a whole number");
    expect_error("[idle]\ntimeout = 30s\n",
                 "hotel.conf:2: idle.timeout: '30s' is not a whole number");
    expect_error("[sync]\nbatch =\n", "hotel.conf:2: sync.batch: '' is not a whole number");
    expect_error("[sync]\nbatch = +5\n", "hotel.conf:2: sync.batch: '+5' is not a whole number");
}

static void error_out_of_range(void **state)
{
    (void)state;
    expect_error("; hotel.conf for the lobby kiosk\n"
                 "\n[kiosk]\nid = lobby-1\nlanguages = en, fr\n"
                 "default_language = en\ndata_dir = /var/lib/amends\nlog_level = info\n"
                 "\n[idle]\n"
                 "countdown = 20\n"
                 "timeout = 5000\n",
                 "hotel.conf:12: idle.timeout: 5000 is out of range (10..600)");
    expect_error("[sync]\nbatch = 0\n", "hotel.conf:2: sync.batch: 0 is out of range (1..1000)");
    expect_error("[sync]\nbatch = -3\n", "hotel.conf:2: sync.batch: -3 is out of range (1..1000)");
    expect_error("[store]\nretention_days = 99999999999999999999999\n",
                 "hotel.conf:2: store.retention_days: 99999999999999999999999 is out of range "
                 "(1..3650)");
    expect_error(ROOM "[offer.big]\ntext = A lot\nvalue = 500\n",
                 "hotel.conf:6: offer.big.value: 500.00 is more than the daily budget (150.00): "
                 "it could never be given");
}

static void error_bad_colour(void **state)
{
    (void)state;
    expect_error("[theme]\nprimary = blue\n",
                 "hotel.conf:2: theme.primary: 'blue' is not a colour like #1F5F8B");
    expect_error("[theme]\naccent = #12345\n",
                 "hotel.conf:2: theme.accent: '#12345' is not a colour like #1F5F8B");
    expect_error("[theme]\ntext = #12345G\n",
                 "hotel.conf:2: theme.text: '#12345G' is not a colour like #1F5F8B");
}

static void error_unknown_language(void **state)
{
    (void)state;
    expect_error("[kiosk]\nlanguages = en, xx\n",
                 "hotel.conf:2: kiosk.languages: unknown language 'xx' (known: en, es, fr, de, "
                 "ar, zh)");
    expect_error("[kiosk]\ndefault_language = EN\n",
                 "hotel.conf:2: kiosk.default_language: unknown language 'EN' (known: en, es, "
                 "fr, de, ar, zh)");
    expect_error("[category.room]\nlabel = Room\nlabel.pt = Quarto\n",
                 "hotel.conf:3: category.room.label.pt: unknown language 'pt' (known: en, es, "
                 "fr, de, ar, zh)");
    expect_error("[kiosk]\nlanguages = en, fr, en\n",
                 "hotel.conf:2: kiosk.languages: 'en' is listed twice");
    expect_error("[kiosk]\nlanguages = en,,fr\n",
                 "hotel.conf:2: kiosk.languages: empty item in the list");
    expect_error("[kiosk]\nlanguages =\n",
                 "hotel.conf:2: kiosk.languages: must list at least one language");
    /* Messages quote at most 48 bytes, never cutting a character. */
    expect_error("[kiosk]\nlanguages = en, ééééééééééééééééééééééééééééé\n",
                 "hotel.conf:2: kiosk.languages: unknown language 'éééééééééééééééééééééééé...' "
                 "(known: en, es, fr, de, ar, zh)");
}

static void error_default_language_not_listed(void **state)
{
    (void)state;
    expect_error("[kiosk]\nlanguages = fr, de\n",
                 "hotel.conf:2: kiosk.languages: does not include the default language 'en'");
    expect_error("[kiosk]\nlanguages = fr, de\ndefault_language = es\n",
                 "hotel.conf:3: kiosk.default_language: 'es' is not in kiosk.languages");
}

static void error_offer_unknown_category(void **state)
{
    (void)state;
    expect_error(ROOM "\n[offer.spa_visit]\ntext = A spa visit\nvalue = 40\n"
                      "categories = room, spa\nseverities = severe\n",
                 "hotel.conf:8: offer.spa_visit.categories: unknown category 'spa'");
    /* The offer may come before the categories it names. */
    am_config *cfg = load_text("site.conf", "[offer.drink]\ntext = A drink\nvalue = 5\n"
                                            "categories = bar\n"
                                            "[category.bar]\nlabel = Bar\n");
    assert_int_equal(cfg->offers[0].category_mask, 1u);
    am_config_free(cfg);
}

static void error_category_unknown_resolution(void **state)
{
    (void)state;
    expect_error("[category.room]\nlabel = Room\noptions = refund, refnd\n",
                 "hotel.conf:3: category.room.options: unknown resolution 'refnd'");
    /* Replacing the resolutions breaks the built-in categories that use
     * them: said at the line where the file replaced the list. */
    expect_error("[idle]\ntimeout = 30\n[resolution.move]\nlabel = Move me\n",
                 "hotel.conf:3: category.service.options: unknown resolution 'callback' (a "
                 "built-in entry uses it; this file replaces the resolution list, so define "
                 "[category.*] sections too)");
}

/* A resolution that commits to something names a team with the words for
 * it; one that commits to nothing names none. */
static void error_resolution_team(void **state)
{
    (void)state;
    expect_error(ROOM_MOVE "[resolution.move]\nlabel = Move\naction = notify\n",
                 "hotel.conf:4: resolution.move.team: missing: action notify needs the team it "
                 "is for");
    expect_error(ROOM_MOVE "[resolution.move]\nlabel = Move\naction = notify\nteam = porters\n",
                 "hotel.conf:7: resolution.move.team: unknown team 'porters'");
    expect_error(ROOM_MOVE "[resolution.move]\nlabel = Move\nteam = staff\n",
                 "hotel.conf:6: resolution.move.team: 'staff' is given, but action none tells no "
                 "team anything");
    expect_error(ROOM_MOVE "[team.porters]\nlabel = Porters\nnotify = The porters will be told.\n"
                           "[resolution.move]\nlabel = Move\naction = callback\nteam = porters\n",
                 "hotel.conf:4: resolution.move.team: team 'porters' has no callback text: say "
                 "what the guest is promised when move is chosen");
    expect_error(ROOM "[team.porters]\nlabel = Porters\nnotify = The porters will be told.\n",
                 "hotel.conf:4: resolution.fix_now.team: unknown team 'staff' (a built-in entry "
                 "uses it; this file replaces the team list, so define it too)");
    expect_error(ROOM "[team.porters]\nnotify = The porters will be told.\n",
                 "hotel.conf:4: [team.porters]: no label (label = ... in English is required)");
}

static void error_builtin_listed_as_option(void **state)
{
    (void)state;
    expect_error("[category.room]\nlabel = Room\noptions = refund, staff_now\n",
                 "hotel.conf:3: category.room.options: 'staff_now' is always offered after the "
                 "category's own options; do not list it");
    expect_error(ROOM "[resolution.staff_now]\nlabel = Manager\naction = notify\n",
                 "hotel.conf:6: resolution.staff_now.action: must be staff_now for the built-in "
                 "'staff_now'");
    expect_error(ROOM "[resolution.other]\nlabel = Other\ntext = no\n",
                 "hotel.conf:6: resolution.other.text: must be yes for the built-in 'other'");
}

static void error_duplicate_key(void **state)
{
    (void)state;
    expect_error("[idle]\ntimeout = 30\ntimeout = 40\n",
                 "hotel.conf:3: idle.timeout: set twice in [idle] (first on line 2)");
    expect_error("[category.room]\nlabel = Room\nlabel.fr = Chambre\nlabel.fr = Pièce\n",
                 "hotel.conf:4: category.room.label.fr: set twice in [category.room] (first on "
                 "line 3)");
    expect_error("[category.room]\nlabel = Room\nlabel.en = Bedroom\n",
                 "hotel.conf:3: category.room.label.en: set twice in [category.room] (first on "
                 "line 2)");
    expect_error("[category.room]\nlabel = Room\noptions = refund, refund\n",
                 "hotel.conf:3: category.room.options: 'refund' is listed twice");
}

static void error_duplicate_section(void **state)
{
    (void)state;
    expect_error("[idle]\ntimeout = 30\n[theme]\n[idle]\n",
                 "hotel.conf:4: [idle]: duplicate section (first on line 1)");
    expect_error(ROOM "[category.room]\n",
                 "hotel.conf:4: [category.room]: duplicate section (first on line 1)");
}

static void error_too_many_categories(void **state)
{
    (void)state;
    char text[4096] = "";
    for (int i = 0; i <= AM_MAX_CATEGORIES; i++) {
        char part[64];
        snprintf(part, sizeof part, "[category.c%d]\nlabel = C%d\n", i, i);
        strcat(text, part);
    }
    expect_error(text, "hotel.conf:33: [category.c16]: too many categories (at most 16)");
}

static void error_too_many_offers(void **state)
{
    (void)state;
    char text[8192] = "";
    for (int i = 0; i <= AM_MAX_OFFERS; i++) {
        char part[96];
        snprintf(part, sizeof part, "[offer.o%d]\ntext = O%d\nvalue = 1\n", i, i);
        strcat(text, part);
    }
    expect_error(text, "hotel.conf:97: [offer.o32]: too many offers (at most 32)");
}

static void error_too_many_resolutions(void **state)
{
    (void)state;
    char text[4096] = "";
    /* 22 of the site's own and the two built-ins make 24. */
    for (int i = 0; i < AM_MAX_RESOLUTIONS - 1; i++) {
        char part[64];
        snprintf(part, sizeof part, "[resolution.r%d]\nlabel = R%d\n", i, i);
        strcat(text, part);
    }
    expect_error(text, "hotel.conf:45: [resolution.r22]: too many resolutions (at most 24, with "
                       "staff_now and other)");
}

static void error_too_many_options(void **state)
{
    (void)state;
    expect_error("[resolution.a]\nlabel = A\n[resolution.b]\nlabel = B\n"
                 "[category.room]\nlabel = Room\n"
                 "options = a, b, c, d, e, f, g\n",
                 "hotel.conf:7: category.room.options: too many options (at most 6)");
}

static void error_invalid_utf8(void **state)
{
    (void)state;
    expect_error("[theme]\nbrand = Caf\xC3\n", "hotel.conf:2: theme.brand: invalid UTF-8");
    expect_error("[theme]\nbrand = \xED\xA0\x80\n", "hotel.conf:2: theme.brand: invalid UTF-8");
    expect_error("[theme]\n\xFF\xFE = 1\n", "hotel.conf:2: [theme]: invalid UTF-8");
    expect_error("[theme]\nbrand = a\x1b[31m\n",
                 "hotel.conf:2: theme.brand: control character 0x1B");
    am_config *cfg = NULL;
    char err[512];
    static const char nul_text[] = "[theme]\nbrand = a\0b\n";
    char dir[256], path[300], expected[1024];
    am_test_tmpdir(dir, sizeof dir, "config_nul");
    snprintf(path, sizeof path, "%s/nul.conf", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(nul_text, 1, sizeof nul_text - 1, f);
    fclose(f);
    assert_int_equal(am_config_load(path, &cfg, err, sizeof err), AM_ERR_CONFIG);
    snprintf(expected, sizeof expected, "%s:2: theme.brand: contains a NUL byte", path);
    assert_string_equal(err, expected);
    am_test_rmtree(dir);
}

static void error_bad_id(void **state)
{
    (void)state;
    expect_error("[category.Room]\nlabel = Room\n",
                 "hotel.conf:1: [category.Room]: bad id 'Room' (use a-z, 0-9 and _, at most 32 "
                 "characters)");
    expect_error("[offer.spa-day]\n", "hotel.conf:1: [offer.spa-day]: bad id 'spa-day' (use "
                                      "a-z, 0-9 and _, at most 32 characters)");
    expect_error("[category.abcdefghijklmnopqrstuvwxyz0123456]\n",
                 "hotel.conf:1: [category.abcdefghijklmnopqrstuvwxyz0123456]: bad id "
                 "'abcdefghijklmnopqrstuvwxyz0123456' (use a-z, 0-9 and _, at most 32 "
                 "characters)");
    expect_error("[category.room]\nlabel = Room\noptions = Refund\n",
                 "hotel.conf:3: category.room.options: bad id 'Refund' (use a-z, 0-9 and _, at "
                 "most 32 characters)");
    expect_error("[kiosk]\nid = lobby kiosk\n",
                 "hotel.conf:2: kiosk.id: 'lobby kiosk' is not a kiosk id (use A-Z, a-z, 0-9, "
                 "'.', '_' and '-', at most 64)");
}

static void error_missing_logo(void **state)
{
    (void)state;
    expect_error("[theme]\nlogo = /nonexistent/logo.png\n",
                 "hotel.conf:2: theme.logo: /nonexistent/logo.png: No such file or directory");
    expect_error("[theme]\nlogo = /\n", "hotel.conf:2: theme.logo: /: is not a regular file");
}

static void error_missing_required_text(void **state)
{
    (void)state;
    expect_error("[category.room]\napology = Sorry.\n",
                 "hotel.conf:1: [category.room]: no label (label = ... in English is required)");
    expect_error("[category.room]\nlabel.fr = Chambre\n",
                 "hotel.conf:1: [category.room]: no label (label = ... in English is required)");
    expect_error(ROOM "[category.bar]\nlabel = Bar\napology.fr = Désolés.\n",
                 "hotel.conf:4: [category.bar]: apology has translations but no English text");
    expect_error(ROOM "[resolution.move]\naction = none\n",
                 "hotel.conf:4: [resolution.move]: no label (label = ... in English is required)");
    expect_error(ROOM "[offer.drink]\nvalue = 5\n",
                 "hotel.conf:4: [offer.drink]: no text (text = ... in English is required)");
    expect_error(ROOM "[offer.drink]\ntext = A drink\n",
                 "hotel.conf:4: [offer.drink]: no value (value = 10.00, in EUR)");
    expect_error(ROOM "label.de =\n", "hotel.conf:4: category.room.label.de: must not be empty");
    expect_error("[category.room]\nlabel = A label that goes on far too long for any tile on "
                 "the screen\n",
                 "hotel.conf:2: category.room.label: is too long (60 characters, at most 48)");
}

static void error_bad_values(void **state)
{
    (void)state;
    expect_error("[resolution.move]\nlabel = Move\nurgent = true\n",
                 "hotel.conf:3: resolution.move.urgent: 'true' is not yes or no");
    expect_error("[resolution.move]\nlabel = Move\naction = email\n",
                 "hotel.conf:3: resolution.move.action: 'email' is not an action (none, notify, "
                 "callback or staff_now)");
    expect_error("[resolution.move]\nlabel = Move\nteam = Front Desk\n",
                 "hotel.conf:3: resolution.move.team: 'Front Desk' is not a team id (a-z, 0-9 "
                 "and _, at most 32 characters)");
    expect_error("[kiosk]\nlog_level = verbose\n",
                 "hotel.conf:2: kiosk.log_level: 'verbose' is not one of debug, info, warn, "
                 "error, off");
    expect_error(ROOM "[offer.drink]\ntext = A drink\nvalue = 5\nseverities = minor, awful\n",
                 "hotel.conf:7: offer.drink.severities: 'awful' is not one of minor, "
                 "significant, severe");
    expect_error("[kiosk]\ndata_dir =\n", "hotel.conf:2: kiosk.data_dir: must not be empty");
    expect_error("[theme]\nbrand = A brand name that is far, far longer than sixty-three bytes "
                 "allow\n",
                 "hotel.conf:2: theme.brand: is too long (65 bytes, at most 63)");
}

static void error_line_too_long(void **state)
{
    (void)state;
    size_t len = 9000;
    char *text = malloc(len + 64);
    assert_non_null(text);
    strcpy(text, "[theme]\nbrand = ");
    size_t used = strlen(text);
    memset(text + used, 'x', len);
    strcpy(text + used + len, "\n");
    expect_error(text, "hotel.conf:2: theme.brand: line is too long (at most 8190 bytes)");
    free(text);
}

/* Money is written the way config files and exports read it. */
static void money_formats_with_two_decimals(void **state)
{
    (void)state;
    char buf[32];
    am_money_format(15000, buf, sizeof buf);
    assert_string_equal(buf, "150.00");
    am_money_format(450, buf, sizeof buf);
    assert_string_equal(buf, "4.50");
    am_money_format(7, buf, sizeof buf);
    assert_string_equal(buf, "0.07");
    am_money_format(-150, buf, sizeof buf);
    assert_string_equal(buf, "-1.50");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(money_formats_with_two_decimals),
    cmocka_unit_test(defaults_load_complete),
    cmocka_unit_test(amends_conf_equals_defaults),
    cmocka_unit_test(every_key_documented),
    cmocka_unit_test(hotel_conf_loads),
    cmocka_unit_test(location_label_per_site),
    cmocka_unit_test(location_label_translation_needs_english),
    cmocka_unit_test(retail_conf_loads),
    cmocka_unit_test(scalar_keys_override_one_by_one),
    cmocka_unit_test(list_sections_replace_builtins),
    cmocka_unit_test(builtin_resolution_reworded),
    cmocka_unit_test(options_for_order),
    cmocka_unit_test(offer_for_category_and_severity),
    cmocka_unit_test(text_falls_back_to_english),
    cmocka_unit_test(languages_and_severities),
    cmocka_unit_test(money_values),
    cmocka_unit_test(relative_logo_next_to_config),
    cmocka_unit_test(sync_url_and_pin),
    cmocka_unit_test(windows_line_endings_and_bom),
    cmocka_unit_test(error_missing_file),
    cmocka_unit_test(error_unknown_section),
    cmocka_unit_test(error_unknown_key),
    cmocka_unit_test(error_bad_number),
    cmocka_unit_test(error_out_of_range),
    cmocka_unit_test(error_bad_colour),
    cmocka_unit_test(error_unknown_language),
    cmocka_unit_test(error_default_language_not_listed),
    cmocka_unit_test(error_offer_unknown_category),
    cmocka_unit_test(error_category_unknown_resolution),
    cmocka_unit_test(error_builtin_listed_as_option),
    cmocka_unit_test(error_resolution_team),
    cmocka_unit_test(error_duplicate_key),
    cmocka_unit_test(error_duplicate_section),
    cmocka_unit_test(error_too_many_categories),
    cmocka_unit_test(error_too_many_offers),
    cmocka_unit_test(error_too_many_resolutions),
    cmocka_unit_test(error_too_many_options),
    cmocka_unit_test(error_invalid_utf8),
    cmocka_unit_test(error_bad_id),
    cmocka_unit_test(error_missing_logo),
    cmocka_unit_test(error_missing_required_text),
    cmocka_unit_test(error_bad_values),
    cmocka_unit_test(error_line_too_long),
};

AM_TEST_MAIN(tests)
