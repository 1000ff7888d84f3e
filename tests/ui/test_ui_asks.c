/* test_ui_asks.c — what the screens ask of a guest, and when: the
 * on-screen keyboard only after a tap on a text field, the resolution
 * grid that stays put when "something else" opens its field (and the
 * site's explanation of what went wrong above it), and the
 * questions followup asks before it finishes (consent, discard). Headless,
 * laid out with the real fonts. */
#include "am_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/i18n.h"
#include "amends/layout.h"
#include "amends/ui.h"
#include "amends/ui_render.h"
#include "ui_fixture.h"

#define HOTEL_CONF  AM_SOURCE_DIR "/config/hotel.conf"
#define RETAIL_CONF AM_SOURCE_DIR "/config/retail.conf"

static am_i18n *load_i18n(void)
{
    am_i18n *i18n = NULL;
    char err[512];
    if (am_i18n_load(ASSETS "/i18n", &i18n, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    return i18n;
}

static void build(am_layout *l, const am_config *cfg, const am_i18n *i18n, am_render *r,
                  const am_journey *j, int w, int h)
{
    int lang = am_journey_lang(j);
    am_view v = ui_view(cfg, i18n, j, lang, w, h, r);
    am_layout_build(l, &v);
    char err[1024];
    if (am_layout_check(l, &v, err, sizeof err) != 0)
        fail_msg("%s %s %dx%d: %s", am_screen_id(am_journey_screen(j)), am_lang_codes[lang], w, h,
                 err);
}

static bool has_key(const am_layout *l)
{
    for (int i = 0; i < l->widget_count; i++) {
        if (strncmp(l->widgets[i].id, "kbd.", 4) == 0)
            return true;
    }
    return false;
}

/* The keyboard is down on every screen as it opens, in a journey that
 * visits each guest screen with text fields, and comes up when a field is
 * tapped. */
static void keyboard_opens_only_when_a_field_is_tapped(void **state)
{
    (void)state;
    am_config *cfg = ui_load_config(GOLDEN_CONF);
    am_i18n *i18n = load_i18n();
    am_render *r = ui_open_measurer();
    am_layout *l = malloc(sizeof *l);
    ui_fixture_now = 1000;
    am_journey *j = am_journey_new(cfg, 0);
    int options[16];
    int n = am_config_options_for(cfg, 0, options, 16);
    static const struct {
        am_event_type type;
        int value;
        const char *field; /* tapped once the screen is checked; NULL: none */
    } steps[] = {
        {AM_EV_START, 0, NULL},
        {AM_EV_CATEGORY, 0, NULL},
        {AM_EV_IMPACT, AM_SEVERITY_MINOR, "field.description"},
        {AM_EV_NEXT, 0, NULL},                 /* apology */
        {AM_EV_RESOLUTION, -1, "field.other"}, /* "something else" */
        {AM_EV_NEXT, 0, NULL},                 /* offer or followup */
    };
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        int value = steps[s].value < 0 ? options[n - 1] : steps[s].value;
        assert_int_equal(ui_feed(j, steps[s].type, value, NULL, true), AM_STEP_OK);
        build(l, cfg, i18n, r, j, 1280, 800);
        if (l->keyboard || has_key(l))
            fail_msg("the keyboard is up on %s before any tap", am_screen_id(am_journey_screen(j)));
        assert_int_equal(am_journey_focus(j), AM_FIELD_NONE);
        if (!steps[s].field)
            continue;
        const am_widget *w = am_layout_find(l, steps[s].field);
        assert_non_null(w);
        assert_int_equal(ui_feed(j, w->event.type, w->event.value, NULL, true), AM_STEP_OK);
        build(l, cfg, i18n, r, j, 1280, 800);
        assert_true(l->keyboard);
        assert_non_null(am_layout_find(l, "kbd.space"));
    }
    if (am_journey_screen(j) == AM_SCREEN_OFFER)
        assert_int_equal(ui_feed(j, AM_EV_OFFER_DECLINE, 0, NULL, true), AM_STEP_OK);
    assert_int_equal(am_journey_screen(j), AM_SCREEN_FOLLOWUP);
    build(l, cfg, i18n, r, j, 1280, 800);
    assert_false(l->keyboard);
    assert_false(has_key(l));
    assert_int_equal(ui_feed(j, AM_EV_FOCUS, AM_FIELD_CONTACT, NULL, true), AM_STEP_OK);
    build(l, cfg, i18n, r, j, 1280, 800);
    assert_true(l->keyboard);
    am_journey_free(j);
    free(l);
    am_render_close(r);
    am_i18n_free(i18n);
    am_config_free(cfg);
}

/* The resolution options of a layout, in the order they are laid out. */
typedef struct options_seen {
    int count;
    char id[AM_LAYOUT_MAX_WIDGETS][AM_WIDGET_ID_MAX];
    am_rect rect[AM_LAYOUT_MAX_WIDGETS];
} options_seen;

static void record_options(const am_layout *l, options_seen *out)
{
    out->count = 0;
    for (int i = 0; i < l->widget_count; i++) {
        if (strncmp(l->widgets[i].id, "resolution.", 11) != 0)
            continue;
        snprintf(out->id[out->count], AM_WIDGET_ID_MAX, "%s", l->widgets[i].id);
        out->rect[out->count++] = l->widgets[i].rect;
    }
}

/* "Something else" opens its field under the options: every option keeps
 * its place and the order stays, for every category of each site, in every
 * language, at every size the layout checks use, with and without a name
 * in the apology's title. */
static void check_grid_stays(const char *conf)
{
    am_config *cfg = ui_load_config(conf);
    am_i18n *i18n = load_i18n();
    am_render *r = ui_open_measurer();
    am_layout *l = malloc(sizeof *l);
    options_seen *before = malloc(sizeof *before), *after = malloc(sizeof *after);
    int checked = 0, explained = 0;
    for (int cat = 0; cat < cfg->category_count; cat++) {
        int options[AM_MAX_CAT_OPTIONS + 2];
        int n = am_config_options_for(cfg, cat, options, AM_MAX_CAT_OPTIONS + 2);
        int other = -1;
        for (int i = 0; i < n; i++) {
            if (cfg->resolutions[options[i]].asks_text)
                other = options[i];
        }
        if (other < 0)
            continue;
        for (int lang = 0; lang < AM_LANG_COUNT; lang++) {
            for (int named = 0; named < 2; named++) {
                for (size_t z = 0; z < sizeof ui_sizes / sizeof ui_sizes[0]; z++) {
                    ui_fixture_now = 1000;
                    am_journey *j = am_journey_new(cfg, 0);
                    ui_feed(j, AM_EV_LANG, lang, NULL, true);
                    ui_feed(j, AM_EV_CATEGORY, cat, NULL, true); /* a tile on attract */
                    if (named) {
                        ui_feed(j, AM_EV_FOCUS, AM_FIELD_NAME, NULL, true);
                        ui_feed(j, AM_EV_TEXT, 0, "Maximiliane", true);
                    }
                    ui_feed(j, AM_EV_IMPACT, AM_SEVERITY_SIGNIFICANT, NULL, true);
                    ui_feed(j, AM_EV_NEXT, 0, NULL, true);
                    assert_int_equal(am_journey_screen(j), AM_SCREEN_APOLOGY);
                    build(l, cfg, i18n, r, j, ui_sizes[z].w, ui_sizes[z].h);
                    record_options(l, before);
                    /* The site's explanation is drawn under the apology. */
                    const am_text *why = &cfg->categories[cat].explanation;
                    if (!am_text_empty(why) && !am_layout_has_text(l, am_text_get(why, lang)))
                        fail_msg("%s %s %dx%d: the explanation is not drawn",
                                 cfg->categories[cat].id, am_lang_codes[lang], ui_sizes[z].w,
                                 ui_sizes[z].h);
                    explained += !am_text_empty(why);
                    assert_int_equal(before->count, n);
                    assert_null(am_layout_find(l, "field.other"));
                    assert_int_equal(ui_feed(j, AM_EV_RESOLUTION, other, NULL, true), AM_STEP_OK);
                    build(l, cfg, i18n, r, j, ui_sizes[z].w, ui_sizes[z].h);
                    assert_non_null(am_layout_find(l, "field.other"));
                    record_options(l, after);
                    if (after->count != before->count)
                        fail_msg("%s %s %dx%d: %d options, then %d", cfg->categories[cat].id,
                                 am_lang_codes[lang], ui_sizes[z].w, ui_sizes[z].h, before->count,
                                 after->count);
                    for (int i = 0; i < before->count; i++) {
                        am_rect a = before->rect[i], b = after->rect[i];
                        if (strcmp(before->id[i], after->id[i]) != 0)
                            fail_msg("%s %s %dx%d: option %d was %s, then %s",
                                     cfg->categories[cat].id, am_lang_codes[lang], ui_sizes[z].w,
                                     ui_sizes[z].h, i, before->id[i], after->id[i]);
                        if (a.x != b.x || a.y != b.y || a.w != b.w || a.h != b.h)
                            fail_msg("%s %s %dx%d: %s moved from %d,%d %dx%d to %d,%d %dx%d",
                                     cfg->categories[cat].id, am_lang_codes[lang], ui_sizes[z].w,
                                     ui_sizes[z].h, before->id[i], a.x, a.y, a.w, a.h, b.x, b.y,
                                     b.w, b.h);
                    }
                    checked++;
                    am_journey_free(j);
                }
            }
        }
    }
    /* Every site here has categories that offer "something else", and
     * explains some of them. */
    assert_true(checked > 0);
    assert_true(explained > 0);
    free(before);
    free(after);
    free(l);
    am_render_close(r);
    am_i18n_free(i18n);
    am_config_free(cfg);
}

static void grid_stays_put_golden_site(void **state)
{
    (void)state;
    check_grid_stays(GOLDEN_CONF);
}

static void grid_stays_put_hotel(void **state)
{
    (void)state;
    check_grid_stays(HOTEL_CONF);
}

static void grid_stays_put_retail(void **state)
{
    (void)state;
    check_grid_stays(RETAIL_CONF);
}

/* A journey on followup with a face, a comment and a long contact, and
 * the question asked: consent (Finish) or discard (Skip). */
static am_journey *asking(const am_config *cfg, int lang, am_question q)
{
    ui_fixture_now = 1000;
    am_journey *j = am_journey_new(cfg, 0);
    ui_feed(j, AM_EV_LANG, lang, NULL, true);
    ui_feed(j, AM_EV_CATEGORY, 0, NULL, true);
    ui_feed(j, AM_EV_IMPACT, AM_SEVERITY_MINOR, NULL, true);
    ui_feed(j, AM_EV_NEXT, 0, NULL, true);
    int options[AM_MAX_CAT_OPTIONS + 2];
    am_config_options_for(cfg, 0, options, AM_MAX_CAT_OPTIONS + 2);
    ui_feed(j, AM_EV_RESOLUTION, options[0], NULL, true);
    if (am_journey_screen(j) == AM_SCREEN_OFFER)
        ui_feed(j,
                am_journey_report(j)->offer_state == AM_OFFER_SHOWN ? AM_EV_OFFER_DECLINE
                                                                    : AM_EV_NEXT,
                0, NULL, true);
    if (am_journey_screen(j) == AM_SCREEN_STAFF_WAIT)
        ui_feed(j, AM_EV_CANT_WAIT, 0, NULL, true);
    assert_int_equal(am_journey_screen(j), AM_SCREEN_FOLLOWUP);
    ui_feed(j, AM_EV_RATE, 2, NULL, true);
    ui_feed(j, AM_EV_FOCUS, AM_FIELD_COMMENT, NULL, true);
    ui_feed(j, AM_EV_TEXT, 0, ui_sample_text(lang), true);
    ui_feed(j, AM_EV_FOCUS, AM_FIELD_CONTACT, NULL, true);
    ui_feed(j, AM_EV_TEXT, 0, "maximiliane.schneider-oberhausen@example.org", true);
    assert_int_equal(ui_feed(j, q == AM_ASK_CONSENT ? AM_EV_DONE : AM_EV_SKIP, 0, NULL, true),
                     AM_STEP_OK);
    assert_int_equal(am_journey_question(j), q);
    return j;
}

/* Both questions, for each site, in every language and at every size:
 * they fit, they show the contact as typed (consent), and only their two
 * answers take taps. */
static void check_questions(const char *conf)
{
    am_config *cfg = ui_load_config(conf);
    am_i18n *i18n = load_i18n();
    am_render *r = ui_open_measurer();
    am_layout *l = malloc(sizeof *l);
    static const struct {
        am_question q;
        const char *yes, *no;
    } asks[] = {{AM_ASK_CONSENT, "ask.contact_yes", "ask.contact_no"},
                {AM_ASK_DISCARD, "ask.keep", "ask.discard"}};
    for (size_t a = 0; a < 2; a++) {
        for (int lang = 0; lang < AM_LANG_COUNT; lang++) {
            for (size_t z = 0; z < sizeof ui_sizes / sizeof ui_sizes[0]; z++) {
                am_journey *j = asking(cfg, lang, asks[a].q);
                build(l, cfg, i18n, r, j, ui_sizes[z].w, ui_sizes[z].h);
                assert_true(l->asking);
                assert_false(l->keyboard);
                const am_widget *yes = am_layout_find(l, asks[a].yes);
                const am_widget *no = am_layout_find(l, asks[a].no);
                assert_non_null(yes);
                assert_non_null(no);
                assert_true(am_rect_inside(yes->rect, l->ask_card));
                assert_true(am_rect_inside(no->rect, l->ask_card));
                /* The screen under it takes no taps. */
                assert_null(am_layout_find(l, "done"));
                assert_null(am_layout_find(l, "skip"));
                assert_null(am_layout_find(l, "field.contact"));
                assert_int_equal(am_layout_hit(l, l->ask_card.x + 2, l->ask_card.y + 2), NULL);
                if (asks[a].q == AM_ASK_CONSENT)
                    assert_true(am_layout_has_text(l, "schneider-oberhausen@example.org"));
                am_journey_free(j);
            }
        }
    }
    free(l);
    am_render_close(r);
    am_i18n_free(i18n);
    am_config_free(cfg);
}

static void questions_fit_golden_site(void **state)
{
    (void)state;
    check_questions(GOLDEN_CONF);
}

static void questions_fit_hotel(void **state)
{
    (void)state;
    check_questions(HOTEL_CONF);
}

static void questions_fit_retail(void **state)
{
    (void)state;
    check_questions(RETAIL_CONF);
}

/* On the real UI: a tap beside the question goes back with nothing lost,
 * a tap on the card but not on an answer does nothing, and one tap on an
 * answer finishes. */
static void question_taps(void **state)
{
    (void)state;
    am_config *cfg = ui_load_config(GOLDEN_CONF);
    am_ui *ui = ui_open_ui(cfg);
    am_journey *j = asking(cfg, AM_LANG_EN, AM_ASK_CONSENT);
    const am_layout *l = am_ui_layout(ui, j, ui_fixture_now);
    assert_true(am_layout_has_text(l, "May we use this to contact you about this report?"));
    /* what it will be used for, and that no keeps nothing */
    assert_true(
        am_layout_has_text(l, "We will use it only to check that everything was put right."));
    am_rect card = l->ask_card;
    am_event ev;
    assert_int_equal(am_ui_tap(ui, j, ui_fixture_now, card.x + card.w / 2, card.y + 4, &ev),
                     AM_UI_NOTHING);
    assert_int_equal(am_ui_tap(ui, j, ui_fixture_now, 4, card.y + card.h / 2, &ev), AM_UI_EVENT);
    assert_int_equal(ev.type, AM_EV_BACK);
    assert_int_equal(ui_feed(j, ev.type, ev.value, NULL, true), AM_STEP_OK);
    assert_int_equal(am_journey_question(j), AM_ASK_NONE);
    assert_string_equal(am_journey_report(j)->contact,
                        "maximiliane.schneider-oberhausen@example.org");
    l = am_ui_layout(ui, j, ui_fixture_now);
    assert_false(l->asking);
    const am_widget *done = am_layout_find(l, "done");
    assert_non_null(done);
    /* Finish is not greyed out for a missing consent. */
    assert_false(done->flags & AM_WF_DISABLED);
    assert_int_equal(ui_feed(j, done->event.type, 0, NULL, true), AM_STEP_OK);
    l = am_ui_layout(ui, j, ui_fixture_now);
    const am_widget *yes = am_layout_find(l, "ask.contact_yes");
    assert_non_null(yes);
    assert_int_equal(am_ui_tap(ui, j, ui_fixture_now, yes->rect.x + yes->rect.w / 2,
                               yes->rect.y + yes->rect.h / 2, &ev),
                     AM_UI_EVENT);
    assert_int_equal(ui_feed(j, ev.type, ev.value, NULL, true), AM_STEP_OK);
    assert_int_equal(am_journey_screen(j), AM_SCREEN_THANKS);
    assert_int_equal(am_journey_report(j)->consent, AM_CONSENT_YES);
    am_journey_free(j);
    am_ui_close(ui);
    am_config_free(cfg);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(questions_fit_golden_site),
    cmocka_unit_test(questions_fit_hotel),
    cmocka_unit_test(questions_fit_retail),
    cmocka_unit_test(question_taps),
    cmocka_unit_test(keyboard_opens_only_when_a_field_is_tapped),
    cmocka_unit_test(grid_stays_put_golden_site),
    cmocka_unit_test(grid_stays_put_hotel),
    cmocka_unit_test(grid_stays_put_retail),
};

AM_TEST_MAIN(tests)
