/* test_ui_details.c — the details a guest notices on the kiosk screens:
 * the caret at the logical end of Arabic text, a dot per PIN digit, the
 * manager screen's plain words for a stopped sync, words broken only at
 * hyphenation points, and the email keyboard. Headless: the dummy video
 * driver and the software renderer. */
#include "am_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/i18n.h"
#include "amends/layout.h"
#include "amends/ui.h"
#include "amends/ui_render.h"
#include "ui_fixture.h"

#include "../../src/ui/hyphen.h"

#define RETAIL_CONF AM_SOURCE_DIR "/config/retail.conf"

/* The caret of the focused field: a thin bar in the primary colour inside
 * the field. */
static const am_cmd *caret_in(const am_layout *l, const am_widget *field)
{
    const am_cmd *found = NULL;
    for (int i = 0; i < l->cmd_count; i++) {
        const am_cmd *cmd = &l->cmds[i];
        if (cmd->type == AM_CMD_RECT && cmd->rect.w <= 4 && cmd->border == 0 && cmd->rect.h > 10 &&
            am_rect_inside(cmd->rect, field->rect)) {
            assert_null(found);
            found = cmd;
        }
    }
    assert_non_null(found);
    return found;
}

/* Where the caret of `field` sits against the field's last line: +1 right
 * of it, -1 left of it; fails when it covers a line of the text. */
static int caret_side(const am_layout *l, const char *field_id)
{
    const am_widget *field = am_layout_find(l, field_id);
    assert_non_null(field);
    const am_cmd *caret = caret_in(l, field);
    const am_cmd *last = NULL;
    for (int b = 0; b < l->block_count; b++) {
        const am_text_block *blk = &l->blocks[b];
        if (blk->widget < 0 || &l->widgets[blk->widget] != field)
            continue;
        for (int k = 0; k < blk->line_count; k++) {
            const am_cmd *line = &l->cmds[blk->first_cmd + k];
            if (am_rect_overlaps(caret->rect, line->rect))
                fail_msg("%s: the caret (x %d) covers \"%.*s\" (x %d..%d)", field_id, caret->rect.x,
                         (int)line->len, line->text, line->rect.x, line->rect.x + line->rect.w);
            last = line;
        }
    }
    assert_non_null(last);
    assert_true(caret->rect.y == last->rect.y);
    if (caret->rect.x >= last->rect.x + last->rect.w)
        return 1;
    assert_true(caret->rect.x + caret->rect.w <= last->rect.x);
    return -1;
}

/* The caret sits at the logical end of the text, never on a letter: left
 * of Arabic (on an Arabic screen and on an English one), right of Latin,
 * with a short name and with a field full to its edge. */
static void caret_sits_at_the_logical_end(void **state)
{
    (void)state;
    am_config *cfg = ui_load_config(GOLDEN_CONF);
    am_i18n *i18n = NULL;
    char err[512];
    assert_int_equal(am_i18n_load(ASSETS "/i18n", &i18n, err, sizeof err), AM_OK);
    am_render *r = ui_open_measurer();
    am_layout *l = malloc(sizeof *l);
    static const struct {
        int lang;
        const char *name;
        int side;
    } cases[] = {
        {AM_LANG_AR, "أميرة", -1},
        {AM_LANG_AR, "أميرة عبد الرحمن الهاشمي القحطاني الشمري العتيبي المطيري", -1},
        {AM_LANG_EN, "أميرة", -1},
        {AM_LANG_EN, "Amira", 1},
        {AM_LANG_EN, "Maximiliane Schneider-Oberhausen von Hohenzollern", 1},
        {AM_LANG_AR, "Amira", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        am_journey *j = ui_journey_at(cfg, cases[i].lang, UI_CATEGORY);
        ui_feed(j, AM_EV_CATEGORY, 0, NULL, true);
        ui_feed(j, AM_EV_FOCUS, AM_FIELD_NAME, NULL, true);
        ui_feed(j, AM_EV_TEXT, 0, cases[i].name, true);
        for (size_t z = 0; z < sizeof ui_sizes / sizeof ui_sizes[0]; z++) {
            am_view v = {.cfg = cfg,
                         .i18n = i18n,
                         .journey = j,
                         .now_ms = ui_fixture_now,
                         .width = ui_sizes[z].w,
                         .height = ui_sizes[z].h,
                         .measure = am_render_measure,
                         .measure_ud = r};
            am_layout_build(l, &v);
            int side = caret_side(l, "field.name");
            if (side != cases[i].side)
                fail_msg("%s screen, \"%s\", %dx%d: caret on the %s", am_lang_codes[cases[i].lang],
                         cases[i].name, ui_sizes[z].w, ui_sizes[z].h, side > 0 ? "right" : "left");
        }
        am_journey_free(j);
    }
    free(l);
    am_render_close(r);
    am_i18n_free(i18n);
    am_config_free(cfg);
}

/* One round dot per PIN digit typed, never the digit itself. */
static int pin_dots(const am_layout *l)
{
    int dots = 0;
    for (int i = 0; i < l->cmd_count; i++) {
        const am_cmd *cmd = &l->cmds[i];
        dots += cmd->type == AM_CMD_RECT && cmd->rect.w == cmd->rect.h &&
                cmd->radius * 2 == cmd->rect.w && cmd->rect.w > 4;
    }
    return dots;
}

static void pin_pad_shows_a_dot_per_digit(void **state)
{
    (void)state;
    am_config *cfg = ui_load_config(GOLDEN_CONF);
    am_i18n *i18n = NULL;
    char err[512];
    assert_int_equal(am_i18n_load(ASSETS "/i18n", &i18n, err, sizeof err), AM_OK);
    am_layout *l = malloc(sizeof *l);
    am_journey *j = ui_journey_at(cfg, AM_LANG_EN, UI_MANAGER_PIN);
    am_view v = {.cfg = cfg,
                 .i18n = i18n,
                 .journey = j,
                 .now_ms = ui_fixture_now,
                 .width = 1280,
                 .height = 800,
                 .measure = ui_fixed_text};
    for (int digits = 0; digits <= 12; digits++) {
        if (digits > 0)
            ui_feed(j, AM_EV_PIN_DIGIT, (digits * 7) % 10, NULL, true);
        am_layout_build(l, &v);
        assert_int_equal(pin_dots(l), digits);
        assert_int_equal(am_layout_check(l, &v, err, sizeof err), 0);
        /* The keys' labels are the only digits on the screen. */
        for (int b = 0; b < l->block_count; b++)
            assert_true(l->blocks[b].widget >= 0 || !strpbrk(l->blocks[b].text, "0123456789"));
    }
    ui_feed(j, AM_EV_PIN_DELETE, 0, NULL, true);
    am_layout_build(l, &v);
    assert_int_equal(pin_dots(l), 11);
    free(l);
    am_journey_free(j);
    am_i18n_free(i18n);
    am_config_free(cfg);
}

static const am_text_block *block_with(const am_layout *l, const char *text)
{
    for (int i = 0; i < l->block_count; i++) {
        if (l->blocks[i].line_count > 0 && strstr(l->blocks[i].text, text))
            return &l->blocks[i];
    }
    return NULL;
}

/* The manager screen of a kiosk that stopped syncing, in every language
 * and size with the real fonts: the waiting alerts come first, then the
 * hub's state in one sentence with the next step (never "ok" beside an
 * error), in the language's own words; each sync log line is drawn whole,
 * wrapped at spaces, its fields apart. */
static void manager_screen_explains_a_stopped_sync(void **state)
{
    (void)state;
    am_config *cfg = ui_load_config(GOLDEN_CONF);
    am_render *r = ui_open_measurer();
    am_i18n *i18n = NULL;
    char err[2048];
    assert_int_equal(am_i18n_load(ASSETS "/i18n", &i18n, err, sizeof err), AM_OK);
    am_layout *l = malloc(sizeof *l);
    am_manager_info m = ui_stopped_sync();
    /* The English sentences, to tell a translation from a copy. */
    static const am_str sentences[] = {AM_STR_MANAGER_UNREACHABLE, AM_STR_MANAGER_FAILING,
                                       AM_STR_MANAGER_REFUSED,     AM_STR_MANAGER_ALERTS_WAITING,
                                       AM_STR_MANAGER_SYNC_OFF,    AM_STR_MANAGER_WHY_CONN_REFUSED};
    for (int lang = 0; lang < AM_LANG_COUNT; lang++) {
        for (size_t k = 0; lang != AM_LANG_EN && k < sizeof sentences / sizeof sentences[0]; k++)
            if (strcmp(am_i18n_get(i18n, lang, sentences[k]),
                       am_i18n_get(i18n, AM_LANG_EN, sentences[k])) == 0)
                fail_msg("%s: %s is the English text", am_lang_codes[lang],
                         am_i18n_key_name(sentences[k]));
        am_journey *j = ui_journey_at(cfg, lang, UI_MANAGER);
        for (size_t z = 0; z < sizeof ui_sizes / sizeof ui_sizes[0]; z++) {
            am_view v = {.cfg = cfg,
                         .i18n = i18n,
                         .journey = j,
                         .now_ms = ui_fixture_now,
                         .width = ui_sizes[z].w,
                         .height = ui_sizes[z].h,
                         .measure = am_render_measure,
                         .measure_ud = r,
                         .manager = &m};
            am_layout_build(l, &v);
            if (am_layout_check(l, &v, err, sizeof err) > 0)
                fail_msg("%s %dx%d: %s", am_lang_codes[lang], ui_sizes[z].w, ui_sizes[z].h, err);
            /* The hub's sentence, with the why in the language's words. */
            const char *sentence = am_i18n_get(i18n, lang, AM_STR_MANAGER_UNREACHABLE);
            char hub_start[64];
            snprintf(hub_start, sizeof hub_start, "%.*s", (int)strcspn(sentence, "{"), sentence);
            const am_text_block *hub = block_with(l, hub_start);
            if (hub && !strstr(hub->text, am_i18n_get(i18n, lang, AM_STR_MANAGER_WHY_CONN_REFUSED)))
                fail_msg("%s: the hub's sentence does not say why: %s", am_lang_codes[lang],
                         hub->text);
            const char *head = am_i18n_get(i18n, lang, AM_STR_MANAGER_ALERTS_WAITING);
            char start[64];
            snprintf(start, sizeof start, "%.*s", (int)strcspn(head, "{"), head);
            const am_text_block *alerts = block_with(l, start);
            if (!hub || !alerts)
                fail_msg("%s %dx%d: the hub's state or the waiting alerts are not drawn",
                         am_lang_codes[lang], ui_sizes[z].w, ui_sizes[z].h);
            assert_true(alerts->box.y + alerts->box.h <= hub->box.y);
            assert_non_null(strstr(alerts->text, "3"));
            assert_null(block_with(l, "Hub: ok"));
            assert_null(block_with(l, "Last sync"));
            /* Each line of the log whole, at its full size, and the
             * first one wraps (it is longer than any screen is wide);
             * the ones that do not fit are left out, never cut. */
            int shown = 0;
            for (int b = 0; b < l->block_count; b++) {
                const am_text_block *blk = &l->blocks[b];
                if (!strstr(blk->text, "retry in 47357 ms; cannot connect"))
                    continue;
                shown++;
                assert_false(blk->overflow);
                assert_non_null(strstr(blk->text, "  retry  "));
                assert_non_null(strstr(blk->text, "Couldn't connect to server"));
                assert_true(blk->line_count >= 2);
                size_t drawn = 0;
                for (int i = 0; i < blk->line_count; i++)
                    drawn += l->cmds[blk->first_cmd + i].len;
                /* All but the spaces where it wrapped. */
                assert_true(drawn + (size_t)blk->line_count >= strlen(blk->text));
            }
            if (shown == 0)
                fail_msg("%s %dx%d: no sync log line", am_lang_codes[lang], ui_sizes[z].w,
                         ui_sizes[z].h);
        }
        am_journey_free(j);
    }
    free(l);
    am_i18n_free(i18n);
    am_render_close(r);
    am_config_free(cfg);
}

/* Every character as wide as the font's size: long words do not fit. */
static void wide_text(void *ud, const char *t, size_t n, am_font f, int px, int *w, int *h)
{
    (void)ud;
    (void)t;
    (void)f;
    *w = (int)n * px;
    *h = px + px / 3;
}

/* A word longer than the description field is wide, in each language
 * that hyphenates: it breaks only where the language's dictionary allows,
 * each piece but the last ends with a hyphen, and the layout check agrees.
 * An Arabic word is never broken. */
static void long_words_break_at_hyphenation_points(void **state)
{
    (void)state;
    static const struct {
        int lang;
        const char *word;
    } cases[] = {
        {AM_LANG_EN, "pneumonoultramicroscopicsilicovolcanoconiosis"},
        {AM_LANG_ES, "electroencefalografistasanticonstitucionalmente"},
        {AM_LANG_FR, "anticonstitutionnellementintergouvernementales"},
        {AM_LANG_DE, "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz"},
        {AM_LANG_AR, "واستراتيجياتهمواستراتيجياتهم"},
    };
    am_config *cfg = ui_load_config(GOLDEN_CONF);
    am_i18n *i18n = NULL;
    char err[2048];
    assert_int_equal(am_i18n_load(ASSETS "/i18n", &i18n, err, sizeof err), AM_OK);
    am_layout *l = malloc(sizeof *l);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int lang = cases[k].lang;
        const char *word = cases[k].word;
        if (lang != AM_LANG_AR && !am_hyphen_available(lang))
            fail_msg("no hyphenation dictionary for %s: run packaging/install-deps.sh",
                     am_lang_codes[lang]);
        am_journey *j = ui_journey_at(cfg, lang, UI_CATEGORY);
        ui_feed(j, AM_EV_CATEGORY, 0, NULL, true);
        ui_feed(j, AM_EV_FOCUS, AM_FIELD_DESCRIPTION, NULL, true);
        ui_feed(j, AM_EV_TEXT, 0, word, true);
        am_view v = {.cfg = cfg,
                     .i18n = i18n,
                     .journey = j,
                     .now_ms = ui_fixture_now,
                     .width = 1280,
                     .height = 800,
                     .kbd = {am_kbd_default_layer(lang), am_kbd_default_layer(lang), 0},
                     .measure = wide_text};
        am_layout_build(l, &v);
        const am_text_block *b = block_with(l, word);
        assert_non_null(b);
        size_t len = strlen(word);
        bool points[256];
        am_hyphen_points(lang, word, len, points);
        if (lang == AM_LANG_AR) {
            /* Whole on one line, or not drawn at all: never in pieces. */
            for (int i = 0; i < b->line_count; i++) {
                const am_cmd *cmd = &l->cmds[b->first_cmd + i];
                assert_false(cmd->text_flags & AM_TF_HYPHEN);
                assert_int_equal(cmd->len, len);
            }
            am_journey_free(j);
            continue;
        }
        if (b->line_count < 2)
            fail_msg("%s: \"%s\" was not broken (%d line)", am_lang_codes[lang], word,
                     b->line_count);
        /* A field shows its last lines: the pieces follow each other
         * from wherever the first one shown starts. */
        size_t at = 0;
        for (int i = 0; i < b->line_count; i++) {
            const am_cmd *cmd = &l->cmds[b->first_cmd + i];
            bool hyphen = (cmd->text_flags & AM_TF_HYPHEN) != 0;
            size_t piece = cmd->len - (hyphen ? 1 : 0);
            const char *found = NULL;
            for (size_t p = at; p + piece <= len && !found; p++)
                if (memcmp(word + p, cmd->text, piece) == 0)
                    found = word + p;
            if (!found || (i > 0 && (size_t)(found - word) != at))
                fail_msg("%s: line \"%.*s\" is not the next piece of the word", am_lang_codes[lang],
                         (int)cmd->len, cmd->text);
            at = (size_t)(found - word) + piece;
            if (i == b->line_count - 1) {
                assert_false(hyphen);
                assert_int_equal(at, len);
                break;
            }
            if (!hyphen || cmd->text[cmd->len - 1] != '-')
                fail_msg("%s: line \"%.*s\" breaks the word without a hyphen", am_lang_codes[lang],
                         (int)cmd->len, cmd->text);
            if (!points[at])
                fail_msg("%s: \"%.*s-\" is not a hyphenation point of %s", am_lang_codes[lang],
                         (int)at, word, word);
        }
        if (am_layout_check(l, &v, err, sizeof err) > 0)
            fail_msg("%s: %s", am_lang_codes[lang], err);
        am_journey_free(j);
    }
    free(l);
    am_i18n_free(i18n);
    am_config_free(cfg);
}

/* A frame never waits for a dictionary: until German's is loaded (it
 * takes seconds) a word has no points; once loaded, it has. */
static void hyphenation_never_waits_for_a_dictionary(void **state)
{
    (void)state;
    static const char word[] = "Synchronisierungsprotokoll";
    bool brk[sizeof word];
    assert_int_equal(am_hyphen_points(AM_LANG_DE, word, strlen(word), brk), 0);
    for (size_t i = 0; i < strlen(word); i++)
        assert_false(brk[i]);
    assert_true(am_hyphen_available(AM_LANG_DE));
    assert_true(am_hyphen_points(AM_LANG_DE, word, strlen(word), brk) >= 5);
    assert_true(brk[strlen("Syn")]);
    assert_true(brk[strlen("Synchronisierungs")]);
    assert_false(brk[strlen("Sy")]);
    /* Chinese and Arabic have no dictionary: their own rules. */
    assert_false(am_hyphen_available(AM_LANG_ZH));
    assert_false(am_hyphen_available(AM_LANG_AR));
}

/* The check fails a line that ends inside a word with no hyphen. */
static void checker_reports_a_word_broken_without_hyphen(void **state)
{
    (void)state;
    am_config *cfg = ui_load_config(GOLDEN_CONF);
    am_i18n *i18n = NULL;
    char err[2048];
    assert_int_equal(am_i18n_load(ASSETS "/i18n", &i18n, err, sizeof err), AM_OK);
    am_journey *j = ui_journey_at(cfg, AM_LANG_EN, UI_APOLOGY);
    am_layout *l = malloc(sizeof *l);
    am_view v = {.cfg = cfg,
                 .i18n = i18n,
                 .journey = j,
                 .now_ms = ui_fixture_now,
                 .width = 800,
                 .height = 480,
                 .measure = ui_fixed_text};
    am_layout_build(l, &v);
    assert_int_equal(am_layout_check(l, &v, err, sizeof err), 0);
    /* A block of several lines: its first line now ends two letters
     * before its last word does, as a split between letters would. */
    int found = 0;
    for (int i = 0; i < l->block_count && !found; i++) {
        am_text_block *b = &l->blocks[i];
        if (b->line_count < 2)
            continue;
        am_cmd *first = &l->cmds[b->first_cmd];
        for (size_t m = first->len - 1; m > 1 && !found; m--) {
            char x = first->text[m - 1], y = first->text[m];
            if (((x | 0x20) >= 'a' && (x | 0x20) <= 'z') &&
                ((y | 0x20) >= 'a' && (y | 0x20) <= 'z')) {
                first->len = m;
                found = 1;
            }
        }
    }
    assert_true(found);
    assert_true(am_layout_check(l, &v, err, sizeof err) > 0);
    assert_non_null(strstr(err, "broken without a hyphen"));
    free(l);
    am_journey_free(j);
    am_i18n_free(i18n);
    am_config_free(cfg);
}

/* The contact field's keyboard has `@`, `.` and `.com` on the layer it
 * opens on, in every language; an address types without a layer switch. */
static void email_keyboard_has_at_dot_and_dotcom(void **state)
{
    (void)state;
    am_config *cfg = ui_load_config(GOLDEN_CONF);
    am_ui *ui = ui_open_ui(cfg);
    for (int lang = 0; lang < AM_LANG_COUNT; lang++) {
        am_journey *j = ui_journey_at(cfg, lang, UI_FOLLOWUP);
        assert_int_equal(am_journey_focus(j), AM_FIELD_CONTACT);
        while (am_journey_report(j)->contact[0])
            ui_feed(j, AM_EV_BACKSPACE, 0, NULL, true);
        static const char *const taps[] = {"kbd.a",     "kbd.u0040", "kbd.b",
                                           "kbd.u002e", "kbd.c",     "kbd.dotcom"};
        for (size_t i = 0; i < sizeof taps / sizeof taps[0]; i++) {
            const am_layout *l = am_ui_layout(ui, j, ui_fixture_now);
            const am_widget *w = am_layout_find(l, taps[i]);
            if (!w)
                fail_msg("%s: no %s on the contact keyboard", am_lang_codes[lang], taps[i]);
            am_event ev;
            am_ui_result res = am_ui_activate(ui, w, &ev);
            assert_int_equal(res, AM_UI_EVENT);
            assert_int_equal(ui_feed(j, ev.type, ev.value, ev.text, true), AM_STEP_OK);
        }
        assert_string_equal(am_journey_report(j)->contact, "a@b.c.com");
        am_journey_free(j);
        /* Other fields keep their own keyboard. */
        j = ui_journey_at(cfg, lang, UI_DETAILS);
        const am_layout *l = am_ui_layout(ui, j, ui_fixture_now);
        assert_non_null(am_layout_find(l, "kbd.space"));
        assert_null(am_layout_find(l, "kbd.dotcom"));
        am_journey_free(j);
    }
    am_ui_close(ui);
    am_config_free(cfg);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(caret_sits_at_the_logical_end),
    cmocka_unit_test(pin_pad_shows_a_dot_per_digit),
    cmocka_unit_test(email_keyboard_has_at_dot_and_dotcom),
    cmocka_unit_test(manager_screen_explains_a_stopped_sync),
    cmocka_unit_test(long_words_break_at_hyphenation_points),
    cmocka_unit_test(checker_reports_a_word_broken_without_hyphen),
    cmocka_unit_test(hyphenation_never_waits_for_a_dictionary),
};

AM_TEST_MAIN(tests)
