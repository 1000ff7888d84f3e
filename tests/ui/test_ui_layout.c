/* test_ui_layout.c — the kiosk screens as data: every key in every
 * language, no text overflowing or overlapping on any screen, language or
 * size (with the real fonts), mirroring for Arabic, hit testing, the
 * on-screen keyboard, and the text cache. Headless: the dummy video driver
 * and the software renderer. */
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

static void every_language_has_every_key(void **state)
{
    (void)state;
    am_i18n *i18n = NULL;
    char err[512];
    if (am_i18n_load(ASSETS "/i18n", &i18n, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    int missing_total = 0;
    for (int lang = 0; lang < AM_LANG_COUNT; lang++) {
        char missing[2048];
        int n = am_i18n_missing(i18n, lang, missing, sizeof missing);
        if (n > 0) {
            print_error("%s.ini lacks %d keys: %s\n", am_lang_codes[lang], n, missing);
            missing_total += n;
        }
    }
    am_i18n_free(i18n);
    assert_int_equal(missing_total, 0);
}

static void missing_and_unknown_keys_are_caught(void **state)
{
    (void)state;
    am_i18n *i18n = am_i18n_new();
    char err[512];
    assert_int_equal(
        am_i18n_parse(i18n, AM_LANG_DE, "de.ini", "[attract]\ntitle = Hallo\n", err, sizeof err),
        AM_OK);
    char missing[4096];
    assert_int_equal(am_i18n_missing(i18n, AM_LANG_DE, missing, sizeof missing), AM_STR_COUNT - 1);
    assert_non_null(strstr(missing, "attract.body"));
    assert_null(strstr(missing, "attract.title,"));
    /* Missing in German: falls back to English, then to the key. */
    assert_string_equal(am_i18n_get(i18n, AM_LANG_DE, AM_STR_ATTRACT_TITLE), "Hallo");
    assert_string_equal(am_i18n_get(i18n, AM_LANG_DE, AM_STR_ATTRACT_BODY), "attract.body");
    assert_int_equal(
        am_i18n_parse(i18n, AM_LANG_FR, "fr.ini", "[attract]\n\ntitel = Salut\n", err, sizeof err),
        AM_ERR_INVALID);
    assert_string_equal(err, "fr.ini:3: attract.titel: unknown key");
    am_i18n_free(i18n);
}

/* Every screen state, in every language, at every size: nothing
 * overflows, overlaps or falls off the screen, and touch targets are at
 * least 48 px at 1080p. */
static void check_config(const char *conf)
{
    am_config *cfg = ui_load_config(conf);
    am_render *r = ui_open_measurer();
    am_i18n *i18n = NULL;
    char err[2048];
    if (am_i18n_load(ASSETS "/i18n", &i18n, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    am_layout *l = malloc(sizeof *l);
    assert_non_null(l);
    am_manager_info manager = ui_stopped_sync();
    int failures = 0, checked = 0;
    /* The site's look, then each mode a guest can switch on, and both. */
    static const unsigned modes[] = {0,
                                     AM_MODE_HIGH_CONTRAST,
                                     AM_MODE_LARGE_TEXT,
                                     AM_MODE_HIGH_CONTRAST | AM_MODE_LARGE_TEXT,
                                     AM_MODE_LOW_REACH,
                                     AM_MODE_LOW_REACH | AM_MODE_LARGE_TEXT,
                                     AM_MODE_ALL};
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
        for (int s = 0; s < UI_STATE_COUNT; s++) {
            ui_fixture_modes = modes[m];
            for (int lang = 0; lang < AM_LANG_COUNT; lang++) {
                am_journey *j = ui_journey_at(cfg, lang, (ui_state)s);
                assert_int_equal(am_journey_screen(j), ui_expected_screen((ui_state)s));
                for (size_t z = 0; z < sizeof ui_sizes / sizeof ui_sizes[0]; z++) {
                    am_view v = {.cfg = cfg,
                                 .i18n = i18n,
                                 .journey = j,
                                 .now_ms = ui_fixture_now,
                                 .width = ui_sizes[z].w,
                                 .height = ui_sizes[z].h,
                                 .kbd = {am_kbd_default_layer(lang), am_kbd_default_layer(lang), 0},
                                 .measure = am_render_measure,
                                 .measure_ud = r,
                                 .manager = &manager};
                    am_layout_build(l, &v);
                    checked++;
                    if (am_layout_check(l, &v, err, sizeof err) > 0) {
                        failures++;
                        print_error("%s %s %dx%d modes %u: %s\n", ui_state_names[s],
                                    am_lang_codes[lang], ui_sizes[z].w, ui_sizes[z].h, modes[m],
                                    err);
                    }
                }
                am_journey_free(j);
            }
        }
    free(l);
    am_i18n_free(i18n);
    am_render_close(r);
    am_config_free(cfg);
    ui_fixture_modes = 0;
    assert_int_equal(checked, 7 * UI_STATE_COUNT * AM_LANG_COUNT * 4);
    assert_int_equal(failures, 0);
}

static void no_text_overflows_hotel(void **state)
{
    (void)state;
    check_config(GOLDEN_CONF);
}

static void no_text_overflows_retail(void **state)
{
    (void)state;
    check_config(RETAIL_CONF);
}

/* ---- promises -------------------------------------------------------------- */

/* A journey in `lang` that chose option `res` of category `cat` and went
 * on to thanks the shortest way. The caller frees it. */
/* Whether the guest walked by journey_that_chose leaves a contact on
 * followup (with consent) or skips it. */
static bool leave_contact = true;

static am_journey *journey_that_chose(const am_config *cfg, int lang, int cat, int res,
                                      am_journey **at_resolution)
{
    ui_fixture_now = 1000;
    am_journey *j = am_journey_new(cfg, 0);
    ui_feed(j, AM_EV_LANG, lang, NULL, true);
    ui_feed(j, AM_EV_START, 0, NULL, true);
    ui_feed(j, AM_EV_CATEGORY, cat, NULL, true);
    ui_feed(j, AM_EV_IMPACT, AM_SEVERITY_MINOR, NULL, true);
    ui_feed(j, AM_EV_NEXT, 0, NULL, true);
    assert_int_equal(am_journey_screen(j), AM_SCREEN_APOLOGY);
    /* An option that needs no words moves on when tapped: the screen
     * before the choice is the apology with its options. */
    if (cfg->resolutions[res].asks_text) {
        assert_int_equal(ui_feed(j, AM_EV_RESOLUTION, res, NULL, true), AM_STEP_OK);
        ui_feed(j, AM_EV_FOCUS, AM_FIELD_RESOLUTION_TEXT, NULL, true);
        ui_feed(j, AM_EV_TEXT, 0, "a word", true);
    }
    *at_resolution = j;
    j = am_journey_new(cfg, 0); /* the same walk again, on to thanks */
    ui_feed(j, AM_EV_LANG, lang, NULL, true);
    ui_feed(j, AM_EV_START, 0, NULL, true);
    ui_feed(j, AM_EV_CATEGORY, cat, NULL, true);
    ui_feed(j, AM_EV_IMPACT, AM_SEVERITY_MINOR, NULL, true);
    ui_feed(j, AM_EV_NEXT, 0, NULL, true);
    assert_int_equal(ui_feed(j, AM_EV_RESOLUTION, res, NULL, true), AM_STEP_OK);
    if (cfg->resolutions[res].asks_text) {
        ui_feed(j, AM_EV_FOCUS, AM_FIELD_RESOLUTION_TEXT, NULL, true);
        ui_feed(j, AM_EV_TEXT, 0, "a word", true);
        ui_feed(j, AM_EV_NEXT, 0, NULL, true);
    }
    if (am_journey_screen(j) == AM_SCREEN_OFFER)
        ui_feed(j,
                am_journey_report(j)->offer_state == AM_OFFER_SHOWN ? AM_EV_OFFER_DECLINE
                                                                    : AM_EV_NEXT,
                0, NULL, true);
    /* staff_now: the promise is on the wait screen ("please wait here"). */
    if (cfg->resolutions[res].action == AM_ACTION_STAFF_NOW) {
        assert_int_equal(am_journey_screen(j), AM_SCREEN_STAFF_WAIT);
        return j;
    }
    if (leave_contact) {
        ui_feed(j, AM_EV_FOCUS, AM_FIELD_CONTACT, NULL, true);
        ui_feed(j, AM_EV_TEXT, 0, "guest@example.org", true);
        ui_feed(j, AM_EV_CONSENT, AM_CONSENT_YES, NULL, true);
        ui_feed(j, AM_EV_DONE, 0, NULL, true);
    } else {
        ui_feed(j, AM_EV_SKIP, 0, NULL, true);
    }
    assert_int_equal(am_journey_screen(j), AM_SCREEN_THANKS);
    return j;
}

/* How many of the site's promise sentences (every team, action and
 * language) and the kiosk's own "ask a member of staff" are on screen,
 * other than `allowed`. */
static int other_promises_shown(const am_layout *l, const am_config *cfg, const am_i18n *i18n,
                                const char *allowed, char *which, size_t len)
{
    int found = 0;
    for (int lang = 0; lang < AM_LANG_COUNT; lang++) {
        const char *own[] = {am_i18n_get(i18n, lang, AM_STR_THANKS_ASK_DESK),
                             am_i18n_get(i18n, lang, AM_STR_THANKS_PROMISE_NONE),
                             am_i18n_get(i18n, lang, AM_STR_THANKS_URGENT_SENDING),
                             am_i18n_get(i18n, lang, AM_STR_THANKS_URGENT_CONFIRMED),
                             am_i18n_get(i18n, lang, AM_STR_THANKS_URGENT_DESK),
                             am_i18n_get(i18n, lang, AM_STR_THANKS_ASK_DESK_LATER)};
        for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
            if ((!allowed || strcmp(own[i], allowed) != 0) && am_layout_has_text(l, own[i])) {
                snprintf(which, len, "%s", own[i]);
                found++;
            }
        }
        for (int t = 0; t < cfg->team_count; t++) {
            for (int a = AM_ACTION_NOTIFY; a < AM_ACTION_COUNT; a++) {
                const char *p = cfg->teams[t].promise[a].s[lang];
                if (p && (!allowed || strcmp(p, allowed) != 0) && am_layout_has_text(l, p)) {
                    snprintf(which, len, "%s", p);
                    found++;
                }
            }
        }
    }
    return found;
}

/* Thanks shows `expected` and no other promise; counts a failure if not. */
static int thanks_says(am_layout *l, const am_view *v, const am_i18n *i18n, const char *expected,
                       const char *what)
{
    char which[512];
    int failures = 0;
    am_layout_build(l, v);
    if (!am_layout_has_text(l, expected)) {
        failures++;
        print_error("%s: thanks lacks '%s'\n", what, expected);
    }
    if (other_promises_shown(l, v->cfg, i18n, expected, which, sizeof which)) {
        failures++;
        print_error("%s: thanks also shows '%s'\n", what, which);
    }
    return failures;
}

/* For every option of every category, in every language: the screens
 * before the choice promise nothing, and thanks says exactly what the
 * committed action does: its team's sentence for it, nothing for action
 * none, and "ask a member of staff" when sync is off and nothing would
 * carry the action out. An urgent option's promise waits for the hub:
 * "on its way" until it confirms, the promise once it has, and "go to the
 * front desk" when it has not within [sync] urgent_confirm_seconds. */
static void check_promises(const char *conf)
{
    am_config *cfg = ui_load_config(conf);
    bool cfg_has_sync = cfg->sync.url[0] != '\0';
    am_render *r = ui_open_measurer();
    am_i18n *i18n = NULL;
    char err[2048], which[512];
    if (am_i18n_load(ASSETS "/i18n", &i18n, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    am_layout *l = malloc(sizeof *l);
    assert_non_null(l);
    int checked = 0, failures = 0, callbacks = 0;
    for (int cat = 0; cat < cfg->category_count; cat++) {
        int options[AM_MAX_CAT_OPTIONS + 2];
        int n = am_config_options_for(cfg, cat, options, AM_MAX_CAT_OPTIONS + 2);
        for (int o = 0; o < n; o++) {
            const am_resolution_def *res = &cfg->resolutions[options[o]];
            for (int lang = 0; lang < AM_LANG_COUNT; lang++) {
                am_journey *before = NULL;
                am_journey *j = journey_that_chose(cfg, lang, cat, options[o], &before);
                am_view v = ui_view(cfg, i18n, before, lang, 1280, 800, r);
                am_layout_build(l, &v);
                if (other_promises_shown(l, cfg, i18n, NULL, which, sizeof which)) {
                    failures++;
                    print_error("%s %s before choosing %s: shows '%s'\n", cfg->categories[cat].id,
                                am_lang_codes[lang], res->id, which);
                }
                const am_text *promise = am_config_promise(cfg, options[o]);
                const char *expected =
                    !promise            ? am_i18n_get(i18n, lang, AM_STR_THANKS_PROMISE_NONE)
                    : !cfg->sync.url[0] ? am_i18n_get(i18n, lang, AM_STR_THANKS_ASK_DESK)
                                        : am_text_get(promise, lang);
                char what[160];
                snprintf(what, sizeof what, "%s %s %s (%s)", cfg->categories[cat].id, res->id,
                         am_lang_codes[lang], am_resolution_action_name(res->action));
                v.journey = j;
                bool urgent = am_resolution_urgent(res) && cfg->sync.url[0];
                if (!urgent) {
                    failures += thanks_says(l, &v, i18n, expected, what);
                } else {
                    /* Not yet confirmed, then confirmed by the hub. */
                    assert_int_equal(am_journey_urgent(j), AM_URGENT_SENDING);
                    failures += thanks_says(
                        l, &v, i18n, am_i18n_get(i18n, lang, AM_STR_THANKS_URGENT_SENDING), what);
                    ui_feed(j, AM_EV_URGENT_STORED, 0, NULL, true);
                    assert_int_equal(am_journey_urgent(j), AM_URGENT_CONFIRMED);
                    failures += thanks_says(l, &v, i18n, expected, what);
                    /* Never confirmed: the guest is sent to staff. */
                    am_journey *at_res = NULL;
                    am_journey *late = journey_that_chose(cfg, lang, cat, options[o], &at_res);
                    am_journey_free(at_res);
                    int64_t due = ui_fixture_now + (int64_t)cfg->sync.urgent_confirm_s * 1000;
                    am_event tick = {.type = AM_EV_TICK, .now_ms = due};
                    am_effects fx;
                    am_journey_handle(late, &tick, &fx);
                    assert_int_equal(am_journey_urgent(late), AM_URGENT_UNCONFIRMED);
                    v.journey = late;
                    failures += thanks_says(
                        l, &v, i18n, am_i18n_get(i18n, lang, AM_STR_THANKS_URGENT_DESK), what);
                    am_journey_free(late);
                }
                /* A call back promised, and the guest left no contact:
                 * the promise becomes "ask at the front desk". */
                if (res->action == AM_ACTION_CALLBACK && cfg->sync.url[0] &&
                    !am_resolution_urgent(res)) {
                    am_journey *at_res = NULL;
                    leave_contact = false;
                    am_journey *none = journey_that_chose(cfg, lang, cat, options[o], &at_res);
                    leave_contact = true;
                    am_journey_free(at_res);
                    assert_true(am_journey_contact_promised(none));
                    v.journey = none;
                    failures += thanks_says(
                        l, &v, i18n, am_i18n_get(i18n, lang, AM_STR_THANKS_ASK_DESK_LATER), what);
                    am_journey_free(none);
                    callbacks++;
                }
                checked++;
                am_journey_free(before);
                am_journey_free(j);
            }
        }
    }
    free(l);
    am_i18n_free(i18n);
    am_render_close(r);
    am_config_free(cfg);
    assert_true(checked >= AM_LANG_COUNT * 10);
    /* Both sites have a call back (the sync-off one cannot promise it). */
    if (cfg_has_sync)
        assert_true(callbacks >= AM_LANG_COUNT);
    assert_int_equal(failures, 0);
}

static void promises_follow_actions_hotel(void **state)
{
    (void)state;
    check_promises(AM_SOURCE_DIR "/config/hotel.conf");
}

static void promises_follow_actions_retail(void **state)
{
    (void)state;
    check_promises(RETAIL_CONF);
}

/* Over budget, "a manager will contact you" asks how, says what for, and
 * without a contact thanks sends the guest to the front desk instead. */
static void escalation_asks_for_contact_or_sends_to_the_desk(void **state)
{
    (void)state;
    am_config *cfg = ui_load_config(AM_SOURCE_DIR "/config/hotel.conf");
    am_render *r = ui_open_measurer();
    am_i18n *i18n = NULL;
    char err[2048];
    if (am_i18n_load(ASSETS "/i18n", &i18n, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    am_layout *l = malloc(sizeof *l);
    assert_non_null(l);
    int checked = 0;
    for (int lang = 0; lang < AM_LANG_COUNT; lang++) {
        for (int contact = 0; contact < 2; contact++) {
            am_journey *j = ui_journey_at(cfg, lang, UI_OFFER_ESCALATED);
            assert_int_equal(am_journey_report(j)->offer_state, AM_OFFER_ESCALATED);
            assert_true(am_journey_contact_promised(j));
            ui_feed(j, AM_EV_NEXT, 0, NULL, true);
            assert_int_equal(am_journey_screen(j), AM_SCREEN_FOLLOWUP);
            am_view v = ui_view(cfg, i18n, j, lang, 1280, 800, r);
            am_layout_build(l, &v);
            assert_true(
                am_layout_has_text(l, am_i18n_get(i18n, lang, AM_STR_FOLLOWUP_BODY_PROMISED)));
            if (contact) {
                ui_feed(j, AM_EV_FOCUS, AM_FIELD_CONTACT, NULL, true);
                ui_feed(j, AM_EV_TEXT, 0, "+33 1 23 45 67 89", true);
                ui_feed(j, AM_EV_CONSENT, AM_CONSENT_YES, NULL, true);
                ui_feed(j, AM_EV_DONE, 0, NULL, true);
            } else {
                ui_feed(j, AM_EV_SKIP, 0, NULL, true);
            }
            assert_int_equal(am_journey_screen(j), AM_SCREEN_THANKS);
            am_layout_build(l, &v);
            const char *manager = am_i18n_get(i18n, lang, AM_STR_THANKS_MANAGER);
            const char *desk = am_i18n_get(i18n, lang, AM_STR_THANKS_ASK_DESK_LATER);
            assert_int_equal(am_layout_has_text(l, manager), contact == 1);
            assert_int_equal(am_layout_has_text(l, desk), contact == 0);
            am_journey_free(j);
            checked++;
        }
    }
    free(l);
    am_i18n_free(i18n);
    am_render_close(r);
    am_config_free(cfg);
    assert_int_equal(checked, 2 * AM_LANG_COUNT);
}

/* How many text blocks on screen hold `text`. */
static int blocks_with(const am_layout *l, const char *text)
{
    int n = 0;
    for (int i = 0; i < l->block_count; i++)
        n += l->blocks[i].line_count > 0 && strstr(l->blocks[i].text, text) != NULL;
    return n;
}

/* Sync off, over budget: no manager can hear of it, so no screen promises
 * one; the offer sends the guest to staff, followup does not ask for a
 * contact "we promised", and thanks sends the guest to the desk once. Then staff_now
 * over budget, "I can't wait" and no contact: the desk sentence of the
 * call and of the escalation is one sentence, said once. */
static void escalation_offline_promises_no_manager(void **state)
{
    (void)state;
    am_config *offline = ui_load_config(GOLDEN_CONF);
    am_config *online = ui_load_config(AM_SOURCE_DIR "/config/hotel.conf");
    assert_int_equal(offline->sync.url[0], '\0');
    assert_int_not_equal(online->sync.url[0], '\0');
    am_render *r = ui_open_measurer();
    am_i18n *i18n = NULL;
    char err[2048];
    if (am_i18n_load(ASSETS "/i18n", &i18n, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    am_layout *l = malloc(sizeof *l);
    assert_non_null(l);
    int checked = 0;
    for (int lang = 0; lang < AM_LANG_COUNT; lang++) {
        const char *title = am_i18n_get(i18n, lang, AM_STR_OFFER_ESCALATED_TITLE);
        const char *manager = am_i18n_get(i18n, lang, AM_STR_THANKS_MANAGER);
        const char *desk_later = am_i18n_get(i18n, lang, AM_STR_THANKS_ASK_DESK_LATER);
        const char *desk_now = am_i18n_get(i18n, lang, AM_STR_THANKS_ASK_DESK);
        am_journey *j = ui_journey_at(offline, lang, UI_OFFER_ESCALATED);
        am_view v = ui_view(offline, i18n, j, lang, 1280, 800, r);
        am_layout_build(l, &v);
        assert_false(am_layout_has_text(l, title));
        assert_false(am_layout_has_text(l, am_i18n_get(i18n, lang, AM_STR_OFFER_ESCALATED_BODY)));
        assert_true(am_layout_has_text(l, am_i18n_get(i18n, lang, AM_STR_THANKS_ASK_DESK)));
        ui_feed(j, AM_EV_NEXT, 0, NULL, true);
        am_layout_build(l, &v);
        assert_false(am_layout_has_text(l, am_i18n_get(i18n, lang, AM_STR_FOLLOWUP_BODY_PROMISED)));
        ui_feed(j, AM_EV_FOCUS, AM_FIELD_CONTACT, NULL, true);
        ui_feed(j, AM_EV_TEXT, 0, "+33 1 23 45 67 89", true);
        ui_feed(j, AM_EV_CONSENT, AM_CONSENT_YES, NULL, true);
        ui_feed(j, AM_EV_DONE, 0, NULL, true);
        assert_int_equal(am_journey_screen(j), AM_SCREEN_THANKS);
        am_layout_build(l, &v);
        assert_false(am_layout_has_text(l, manager));
        assert_int_equal(blocks_with(l, desk_later) + blocks_with(l, desk_now), 1);
        am_journey_free(j);

        /* The same guest online is promised the manager (the control). */
        j = ui_journey_at(online, lang, UI_OFFER_ESCALATED);
        v.cfg = online;
        v.journey = j;
        am_layout_build(l, &v);
        assert_true(am_layout_has_text(l, title));
        am_journey_free(j);

        /* staff_now over budget, could not wait, left no contact. */
        for (int c = 0; c < 2; c++) {
            am_config *cfg = c ? online : offline;
            j = ui_journey_at(cfg, lang, UI_APOLOGY);
            am_journey_set_spend(j, INT64_MAX / 4, 1000);
            int options[16];
            int n = am_config_options_for(cfg, 0, options, 16);
            assert_int_equal(cfg->resolutions[options[n - 2]].action, AM_ACTION_STAFF_NOW);
            ui_feed(j, AM_EV_RESOLUTION, options[n - 2], NULL, true);
            assert_int_equal(am_journey_report(j)->offer_state, AM_OFFER_ESCALATED);
            ui_feed(j, AM_EV_NEXT, 0, NULL, true);
            assert_int_equal(am_journey_screen(j), AM_SCREEN_STAFF_WAIT);
            ui_feed(j, AM_EV_CANT_WAIT, 0, NULL, true);
            ui_feed(j, AM_EV_SKIP, 0, NULL, true);
            assert_int_equal(am_journey_screen(j), AM_SCREEN_THANKS);
            v.cfg = cfg;
            v.journey = j;
            am_layout_build(l, &v);
            assert_int_equal(blocks_with(l, desk_later) + blocks_with(l, desk_now), 1);
            am_journey_free(j);
            checked++;
        }
        checked++;
    }
    free(l);
    am_i18n_free(i18n);
    am_render_close(r);
    am_config_free(online);
    am_config_free(offline);
    assert_int_equal(checked, 3 * AM_LANG_COUNT);
}

/* Sync off: nothing carries an action out, and thanks says so. */
/* The wait screen at its fullest: the hub has the report, someone with a
 * long name of a long-named team took the call, and the case's reference
 * is under the card (a guest who leaves from here never sees thanks). In
 * every language and size it fits and shows the reference; before the
 * hub has the case (sync off) it shows none. */
static void staff_wait_shows_the_reference(void **state)
{
    (void)state;
    am_config *cfg = ui_load_config(AM_SOURCE_DIR "/config/hotel.conf");
    assert_int_not_equal(cfg->sync.url[0], '\0');
    am_render *r = ui_open_measurer();
    am_i18n *i18n = NULL;
    char err[2048];
    if (am_i18n_load(ASSETS "/i18n", &i18n, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    am_layout *l = malloc(sizeof *l);
    assert_non_null(l);
    int cat = 0, staff_now = -1, failures = 0;
    int options[AM_MAX_CAT_OPTIONS + 2];
    int n = am_config_options_for(cfg, cat, options, AM_MAX_CAT_OPTIONS + 2);
    for (int o = 0; o < n; o++)
        if (cfg->resolutions[options[o]].action == AM_ACTION_STAFF_NOW)
            staff_now = options[o];
    assert_true(staff_now >= 0);
    for (int lang = 0; lang < AM_LANG_COUNT; lang++) {
        am_journey *before = NULL;
        am_journey *j = journey_that_chose(cfg, lang, cat, staff_now, &before);
        am_journey_free(before);
        assert_int_equal(am_journey_screen(j), AM_SCREEN_STAFF_WAIT);
        am_journey_set_case_code(j, "HV12-7K2M");
        ui_feed(j, AM_EV_URGENT_STORED, 0, NULL, true);
        am_journey_set_taken(j, "Maximiliane Schneider-Oberhausen", "Housekeeping and Laundry");
        for (size_t z = 0; z < sizeof ui_sizes / sizeof ui_sizes[0]; z++) {
            am_view v = ui_view(cfg, i18n, j, lang, ui_sizes[z].w, ui_sizes[z].h, r);
            am_layout_build(l, &v);
            if (am_layout_check(l, &v, err, sizeof err) > 0 ||
                !am_layout_has_text(l, "HV12-7K2M") ||
                !am_layout_has_text(l, am_i18n_get(i18n, lang, AM_STR_THANKS_REFERENCE))) {
                failures++;
                print_error("staff_wait %s %dx%d: %s\n", am_lang_codes[lang], ui_sizes[z].w,
                            ui_sizes[z].h,
                            am_layout_has_text(l, "HV12-7K2M") ? err : "no reference");
            }
        }
        am_journey_free(j);
    }
    free(l);
    am_i18n_free(i18n);
    am_render_close(r);
    am_config_free(cfg);
    assert_int_equal(failures, 0);
}

static void promises_follow_actions_sync_off(void **state)
{
    (void)state;
    check_promises(GOLDEN_CONF);
}

/* The checker itself finds a real problem: a measure that says every text
 * is huge must be reported, or the overflow test could never fail. */
static void huge_text(void *ud, const char *t, size_t n, am_font f, int px, int *w, int *h)
{
    (void)ud;
    (void)t;
    (void)f;
    *w = (int)n * px * 3;
    *h = px * 4;
}

static void checker_reports_overflow(void **state)
{
    (void)state;
    am_config *cfg = ui_load_config(GOLDEN_CONF);
    am_i18n *i18n = NULL;
    char err[2048];
    assert_int_equal(am_i18n_load(ASSETS "/i18n", &i18n, err, sizeof err), AM_OK);
    am_journey *j = ui_journey_at(cfg, AM_LANG_EN, UI_ATTRACT);
    am_layout *l = malloc(sizeof *l);
    am_view v = {
        .cfg = cfg, .i18n = i18n, .journey = j, .width = 1280, .height = 800, .measure = huge_text};
    am_layout_build(l, &v);
    assert_true(am_layout_check(l, &v, err, sizeof err) > 0);
    assert_non_null(strstr(err, "does not fit"));
    free(l);
    am_journey_free(j);
    am_i18n_free(i18n);
    am_config_free(cfg);
}

/* Arabic mirrors the screen: Back moves to the right, Next to the left;
 * the keyboard keeps its physical layout. Built with a fixed measure, so
 * this needs no fonts. */
static void arabic_mirrors_the_layout(void **state)
{
    (void)state;
    am_config *cfg = ui_load_config(GOLDEN_CONF);
    am_i18n *i18n = NULL;
    char err[512];
    assert_int_equal(am_i18n_load(ASSETS "/i18n", &i18n, err, sizeof err), AM_OK);
    am_layout *en = malloc(sizeof *en), *ar = malloc(sizeof *ar);
    am_journey *je = ui_journey_at(cfg, AM_LANG_EN, UI_DETAILS);
    am_journey *ja = ui_journey_at(cfg, AM_LANG_AR, UI_DETAILS);
    am_view v = {.cfg = cfg,
                 .i18n = i18n,
                 .journey = je,
                 .width = 1280,
                 .height = 800,
                 .measure = ui_fixed_text};
    am_layout_build(en, &v);
    v.journey = ja;
    v.kbd.layer = v.kbd.letters = AM_KBD_ARABIC;
    am_layout_build(ar, &v);
    assert_true(ar->rtl);
    assert_false(en->rtl);
    const am_widget *back_en = am_layout_find(en, "back"), *back_ar = am_layout_find(ar, "back");
    const am_widget *next_en = am_layout_find(en, "next"), *next_ar = am_layout_find(ar, "next");
    assert_non_null(back_ar);
    assert_true(back_en->rect.x < 640 && back_ar->rect.x > 640);
    assert_true(next_en->rect.x > 640 && next_ar->rect.x < 640);
    /* Same margin, other side. */
    assert_int_equal(back_ar->rect.x + back_ar->rect.w, 1280 - back_en->rect.x);
    /* Arabic letters on the keyboard, ض top left as on a physical one. */
    const am_widget *dad = am_layout_find(ar, "kbd.u0636");
    assert_non_null(dad);
    assert_true(dad->rect.x < 300);
    assert_null(am_layout_find(ar, "kbd.q"));
    assert_non_null(am_layout_find(en, "kbd.q"));
    /* Arabic text lines carry the right-to-left flag for shaping. */
    bool rtl_text = false;
    for (int i = 0; i < ar->cmd_count; i++)
        rtl_text |= ar->cmds[i].type == AM_CMD_TEXT && (ar->cmds[i].text_flags & AM_TF_RTL);
    assert_true(rtl_text);
    free(en);
    free(ar);
    am_journey_free(je);
    am_journey_free(ja);
    am_i18n_free(i18n);
    am_config_free(cfg);
}

/* tap-at goes through the same widgets as tap ID: the centre of every
 * widget hits that widget. */
static void hit_testing_finds_every_widget(void **state)
{
    (void)state;
    am_config *cfg = ui_load_config(GOLDEN_CONF);
    am_i18n *i18n = NULL;
    char err[512];
    assert_int_equal(am_i18n_load(ASSETS "/i18n", &i18n, err, sizeof err), AM_OK);
    am_layout *l = malloc(sizeof *l);
    for (int s = 0; s < UI_STATE_COUNT; s++) {
        am_journey *j = ui_journey_at(cfg, AM_LANG_EN, (ui_state)s);
        am_view v = {.cfg = cfg,
                     .i18n = i18n,
                     .journey = j,
                     .now_ms = ui_fixture_now,
                     .width = 1280,
                     .height = 800,
                     .measure = ui_fixed_text};
        am_layout_build(l, &v);
        assert_true(l->widget_count > 0 || s == UI_OUT_OF_ORDER);
        for (int i = 0; i < l->widget_count; i++) {
            const am_widget *w = &l->widgets[i];
            if ((l->prompting || l->asking) && !(w->flags & AM_WF_OVERLAY))
                continue;
            const am_widget *hit =
                am_layout_hit(l, w->rect.x + w->rect.w / 2, w->rect.y + w->rect.h / 2);
            assert_ptr_equal(hit, w);
            assert_ptr_equal(am_layout_find(l, w->id), w);
        }
        am_journey_free(j);
    }
    free(l);
    am_i18n_free(i18n);
    am_config_free(cfg);
}

/* Typing on the on-screen keyboard: letters, shift, the accents layer,
 * backspace; the caret follows. */
static void keyboard_types_into_the_focused_field(void **state)
{
    (void)state;
    am_config *cfg = ui_load_config(GOLDEN_CONF);
    am_ui *ui = ui_open_ui(cfg);
    am_journey *j = ui_journey_at(cfg, AM_LANG_FR, UI_CATEGORY);
    ui_feed(j, AM_EV_CATEGORY, 0, NULL, true);
    ui_feed(j, AM_EV_FOCUS, AM_FIELD_NAME, NULL, true);
    static const char *const taps[] = {"kbd.l",     "kbd.e", "kbd.accents",   "kbd.u00e0",
                                       "kbd.latin", "kbd.x", "kbd.backspace", "kbd.a"};
    for (size_t i = 0; i < sizeof taps / sizeof taps[0]; i++) {
        const am_layout *l = am_ui_layout(ui, j, ui_fixture_now);
        const am_widget *w = am_layout_find(l, taps[i]);
        if (!w)
            fail_msg("no %s on the keyboard", taps[i]);
        am_event ev;
        am_ui_result res = am_ui_activate(ui, w, &ev);
        if (res == AM_UI_EVENT)
            assert_int_equal(ui_feed(j, ev.type, ev.value, ev.text, true), AM_STEP_OK);
    }
    /* An empty field starts with a capital, as on a phone. */
    assert_string_equal(am_journey_report(j)->first_name, "Leàa");
    const am_layout *l = am_ui_layout(ui, j, ui_fixture_now);
    const am_widget *field = am_layout_find(l, "field.name");
    assert_non_null(field);
    assert_true(field->flags & AM_WF_FOCUSED);
    assert_true(am_layout_has_text(l, "Leàa"));
    am_journey_free(j);
    am_ui_close(ui);
    am_config_free(cfg);
}

/* A frame whose text did not change renders no text; a keystroke renders
 * only the field's line; the wipe drops every cached guest texture. */
static void unchanged_text_is_not_rendered_again(void **state)
{
    (void)state;
    am_config *cfg = ui_load_config(GOLDEN_CONF);
    am_ui *ui = ui_open_ui(cfg);
    am_journey *j = ui_journey_at(cfg, AM_LANG_EN, UI_DETAILS);
    am_render_stats a, b, c;
    am_ui_draw(ui, j, ui_fixture_now);
    am_render_get_stats(am_ui_renderer(ui), &a);
    assert_true(a.text_renders > 10);
    am_ui_draw(ui, j, ui_fixture_now);
    am_render_get_stats(am_ui_renderer(ui), &b);
    assert_int_equal(b.frames, a.frames + 1);
    assert_int_equal(b.text_renders, a.text_renders);
    assert_true(b.text_cache_hits > a.text_cache_hits);
    ui_feed(j, AM_EV_TEXT, 0, "x", true);
    am_ui_draw(ui, j, ui_fixture_now);
    am_render_get_stats(am_ui_renderer(ui), &c);
    assert_true(c.text_renders > b.text_renders);
    assert_true(c.text_renders <= b.text_renders + 2);
    assert_true(c.guest_cached > 0);
    am_ui_forget_guest(ui);
    am_render_get_stats(am_ui_renderer(ui), &c);
    assert_int_equal(c.guest_cached, 0);
    am_journey_free(j);
    am_ui_close(ui);
    am_config_free(cfg);
}

/* While nobody waits, am_ui_idle renders the lines of the screens the
 * guest may go to next into the cache. It ends and draws no frame; the
 * first frame of the next screen (category, from attract) then renders no
 * text and opens no font, in every language. */
static void idle_preparation_ends_and_draws_nothing(void **state)
{
    (void)state;
    am_config *cfg = ui_load_config(GOLDEN_CONF);
    am_ui *ui = ui_open_ui(cfg);
    for (int lang = 0; lang < AM_LANG_COUNT; lang++) {
        am_journey *j = ui_journey_at(cfg, lang, UI_ATTRACT);
        am_ui_draw(ui, j, ui_fixture_now);
        am_render_stats a, b, c;
        am_render_get_stats(am_ui_renderer(ui), &a);
        int steps = 0;
        while (am_ui_idle(ui, j))
            assert_true(++steps < 2000);
        assert_false(am_ui_idle(ui, j));
        am_render_get_stats(am_ui_renderer(ui), &b);
        assert_int_equal(b.frames, a.frames);
        assert_int_equal(b.text_renders, a.text_renders);
        assert_true(b.prepared_renders > a.prepared_renders);
        assert_int_equal(b.guest_cached, 0);
        /* The shown screen lost nothing to the preparation. */
        am_ui_draw(ui, j, ui_fixture_now);
        am_render_get_stats(am_ui_renderer(ui), &c);
        assert_int_equal(c.text_renders, b.text_renders);
        am_journey_free(j);
        j = ui_journey_at(cfg, lang, UI_CATEGORY);
        am_ui_draw(ui, j, ui_fixture_now);
        am_render_get_stats(am_ui_renderer(ui), &c);
        if (c.text_renders != b.text_renders || c.font_opens != b.font_opens)
            fail_msg("%s: category's first frame rendered %lu lines, opened %lu fonts, "
                     "measured %lu texts",
                     am_lang_codes[lang], c.text_renders - b.text_renders,
                     c.font_opens - b.font_opens, c.measure_misses - b.measure_misses);
        am_journey_free(j);
    }
    am_ui_close(ui);
    am_config_free(cfg);
}

/* Skip with a comment typed asks "discard it?" over followup: prepared
 * while the guest is on followup, its first frame renders and measures
 * nothing (its question wraps in Chinese one character at a time). */
static void idle_preparation_covers_the_discard_question(void **state)
{
    (void)state;
    am_config *cfg = ui_load_config(GOLDEN_CONF);
    am_ui *ui = ui_open_ui(cfg);
    for (int lang = 0; lang < AM_LANG_COUNT; lang++) {
        am_journey *j = ui_journey_at(cfg, lang, UI_FOLLOWUP_COMMENT);
        am_ui_draw(ui, j, ui_fixture_now);
        int steps = 0;
        while (am_ui_idle(ui, j))
            assert_true(++steps < 2000);
        am_journey_free(j);
        am_render_stats a, b;
        am_render_get_stats(am_ui_renderer(ui), &a);
        j = ui_journey_at(cfg, lang, UI_FOLLOWUP_ASK_DISCARD);
        am_ui_draw(ui, j, ui_fixture_now);
        am_render_get_stats(am_ui_renderer(ui), &b);
        if (b.text_renders != a.text_renders || b.measure_misses != a.measure_misses)
            fail_msg("%s: the discard question's first frame rendered %lu lines, measured %lu "
                     "texts",
                     am_lang_codes[lang], b.text_renders - a.text_renders,
                     b.measure_misses - a.measure_misses);
        am_journey_free(j);
    }
    am_ui_close(ui);
    am_config_free(cfg);
}

/* Idle preparation builds the next screens from the guest's choices, never
 * from their words: with a canary typed into every field of a journey, no
 * cached line or measurement holds it after preparing from each screen. */
static void idle_preparation_never_renders_guest_text(void **state)
{
    (void)state;
    static const char canary[] = "Qzxcanaryvq";
    am_config *cfg = ui_load_config(GOLDEN_CONF);
    for (int lang = AM_LANG_EN; lang <= AM_LANG_AR; lang += AM_LANG_AR - AM_LANG_EN) {
        am_ui *ui = ui_open_ui(cfg);
        am_journey *j = ui_journey_at(cfg, lang, UI_CATEGORY);
        ui_feed(j, AM_EV_CATEGORY, 0, NULL, true);
        ui_feed(j, AM_EV_IMPACT, AM_SEVERITY_SEVERE, NULL, true);
        ui_feed(j, AM_EV_FOCUS, AM_FIELD_DESCRIPTION, NULL, true);
        ui_feed(j, AM_EV_TEXT, 0, canary, true);
        ui_feed(j, AM_EV_FOCUS, AM_FIELD_NAME, NULL, true);
        ui_feed(j, AM_EV_TEXT, 0, canary, true);
        /* From details on, each screen as the guest leaves it. */
        static const am_event_type next[] = {AM_EV_NEXT,  AM_EV_RESOLUTION,   AM_EV_FOCUS,
                                             AM_EV_NEXT,  AM_EV_OFFER_ACCEPT, AM_EV_RATE,
                                             AM_EV_FOCUS, AM_EV_DONE};
        int options[16];
        int n = am_config_options_for(cfg, 0, options, 16);
        int screens = 0;
        for (size_t i = 0; i <= sizeof next / sizeof next[0]; i++) {
            am_field f = am_journey_focus(j);
            if (f == AM_FIELD_RESOLUTION_TEXT || f == AM_FIELD_COMMENT || f == AM_FIELD_CONTACT)
                ui_feed(j, AM_EV_TEXT, 0, canary, true);
            int steps = 0;
            while (am_ui_idle(ui, j))
                assert_true(++steps < 2000);
            screens++;
            if (am_render_cache_holds(am_ui_renderer(ui), canary))
                fail_msg("%s: guest text cached after preparing from %s", am_lang_codes[lang],
                         am_screen_id(am_journey_screen(j)));
            if (i == sizeof next / sizeof next[0])
                break;
            int value = next[i] == AM_EV_RESOLUTION ? options[n - 1]
                        : next[i] == AM_EV_FOCUS && am_journey_screen(j) == AM_SCREEN_FOLLOWUP
                            ? AM_FIELD_COMMENT
                        : next[i] == AM_EV_FOCUS ? AM_FIELD_RESOLUTION_TEXT
                        : next[i] == AM_EV_RATE  ? 4
                                                 : 0;
            ui_feed(j, next[i], value, NULL, true);
        }
        assert_int_equal(am_journey_screen(j), AM_SCREEN_THANKS);
        assert_true(screens >= 8);
        am_render_stats st;
        am_render_get_stats(am_ui_renderer(ui), &st);
        assert_true(st.prepared_renders > 0);
        assert_int_equal(st.guest_cached, 0);
        am_journey_free(j);
        am_ui_close(ui);
    }
    am_config_free(cfg);
}

/* The prompt takes every tap: a tap anywhere answers "still there?". */
static void idle_prompt_takes_any_tap(void **state)
{
    (void)state;
    am_config *cfg = ui_load_config(GOLDEN_CONF);
    am_ui *ui = ui_open_ui(cfg);
    am_journey *j = ui_journey_at(cfg, AM_LANG_EN, UI_IDLE_PROMPT);
    const am_layout *l = am_ui_layout(ui, j, ui_fixture_now);
    assert_true(l->prompting);
    assert_non_null(am_layout_find(l, "still_here"));
    assert_null(am_layout_find(l, "next"));
    assert_true(am_layout_has_text(l, "Are you still there?"));
    char secs[8];
    snprintf(secs, sizeof secs, "%d", cfg->idle.countdown_s);
    assert_true(am_layout_has_text(l, secs));
    am_event ev;
    assert_int_equal(am_ui_tap(ui, j, ui_fixture_now, 5, 400, &ev), AM_UI_EVENT);
    assert_int_equal(ev.type, AM_EV_STILL_HERE);
    ui_feed(j, ev.type, 0, NULL, true);
    l = am_ui_layout(ui, j, ui_fixture_now);
    assert_false(l->prompting);
    assert_int_equal(l->screen, AM_SCREEN_DETAILS);
    am_journey_free(j);
    am_ui_close(ui);
    am_config_free(cfg);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(every_language_has_every_key),
    cmocka_unit_test(missing_and_unknown_keys_are_caught),
    cmocka_unit_test(no_text_overflows_hotel),
    cmocka_unit_test(no_text_overflows_retail),
    cmocka_unit_test(promises_follow_actions_hotel),
    cmocka_unit_test(promises_follow_actions_retail),
    cmocka_unit_test(promises_follow_actions_sync_off),
    cmocka_unit_test(staff_wait_shows_the_reference),
    cmocka_unit_test(escalation_asks_for_contact_or_sends_to_the_desk),
    cmocka_unit_test(escalation_offline_promises_no_manager),
    cmocka_unit_test(checker_reports_overflow),
    cmocka_unit_test(arabic_mirrors_the_layout),
    cmocka_unit_test(hit_testing_finds_every_widget),
    cmocka_unit_test(keyboard_types_into_the_focused_field),
    cmocka_unit_test(unchanged_text_is_not_rendered_again),
    cmocka_unit_test(idle_preparation_ends_and_draws_nothing),
    cmocka_unit_test(idle_preparation_never_renders_guest_text),
    cmocka_unit_test(idle_preparation_covers_the_discard_question),
    cmocka_unit_test(idle_prompt_takes_any_tap),
};

AM_TEST_MAIN(tests)
