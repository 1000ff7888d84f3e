/* test_ui_input.c — the input edge: SDL events to am_input, and the held
 * press in a corner that opens the manager PIN pad (a tap does not). */
#include "am_test.h"

#include <SDL.h>
#include <stdlib.h>
#include <string.h>

#include "amends/config_file.h"
#include "amends/i18n.h"
#include "amends/layout.h"
#include "amends/ui_input.h"
#include "ui_fixture.h"

static void fixed_text(void *ud, const char *t, size_t n, am_font f, int px, int *w, int *h)
{
    (void)ud;
    (void)t;
    (void)f;
    *w = (int)n * px / 2;
    *h = px + px / 4;
}

static void finger_and_mouse_become_press_and_tap(void **state)
{
    (void)state;
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_FINGERDOWN;
    e.tfinger.x = 0.5f;
    e.tfinger.y = 0.25f;
    am_input in = am_input_from_sdl(&e, 1280, 800);
    assert_int_equal(in.type, AM_IN_PRESS);
    assert_int_equal(in.x, 640);
    assert_int_equal(in.y, 200);
    e.type = SDL_FINGERUP;
    in = am_input_from_sdl(&e, 1280, 800);
    assert_int_equal(in.type, AM_IN_TAP);

    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEBUTTONDOWN;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.x = 10;
    e.button.y = 20;
    in = am_input_from_sdl(&e, 1280, 800);
    assert_int_equal(in.type, AM_IN_PRESS);
    assert_int_equal(in.x, 10);
    assert_int_equal(in.y, 20);
    /* A mouse press made from a touch is the same finger: dropped. */
    e.button.which = SDL_TOUCH_MOUSEID;
    assert_int_equal(am_input_from_sdl(&e, 1280, 800).type, AM_IN_NONE);
}

static void press_track_measures_how_long_it_was_held(void **state)
{
    (void)state;
    am_press p = {0};
    am_input up = {.type = AM_IN_TAP, .x = 5, .y = 6};
    /* A release with no press seen is no hold. */
    assert_int_equal(am_press_track(&p, &up, 100), -1);
    am_input down = {.type = AM_IN_PRESS, .x = 1200, .y = 10};
    assert_int_equal(am_press_track(&p, &down, 1000), -1);
    assert_int_equal(am_press_track(&p, &up, 4250), 3250);
    assert_int_equal(p.x, 1200);
    assert_int_equal(p.y, 10);
    /* Each press is measured once. */
    assert_int_equal(am_press_track(&p, &up, 5000), -1);
    am_input key = {.type = AM_IN_KEY};
    assert_int_equal(am_press_track(&p, &key, 5000), -1);
}

typedef struct gesture_fixture {
    am_config *cfg;
    am_i18n *i18n;
    am_layout *l;
} gesture_fixture;

static void build(gesture_fixture *g, int lang, ui_state s)
{
    am_journey *j = ui_journey_at(g->cfg, lang, s);
    am_view v = {.cfg = g->cfg,
                 .i18n = g->i18n,
                 .journey = j,
                 .now_ms = ui_fixture_now,
                 .width = 1280,
                 .height = 800,
                 .measure = fixed_text};
    am_layout_build(g->l, &v);
    am_journey_free(j);
}

static void open_fixture(gesture_fixture *g, const char *corner)
{
    char err[2048];
    char ini[512];
    snprintf(ini, sizeof ini, "[manager]\ngesture_corner = %s\ngesture_seconds = 3\n", corner);
    const char *tmp = getenv("AMENDS_TEST_TMP");
    char path[1024];
    snprintf(path, sizeof path, "%s/gesture-%s.conf", tmp ? tmp : "/tmp", corner);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(ini, f);
    fclose(f);
    assert_int_equal(am_config_load(path, &g->cfg, err, sizeof err), AM_OK);
    assert_int_equal(am_i18n_load(ASSETS "/i18n", &g->i18n, err, sizeof err), AM_OK);
    g->l = malloc(sizeof *g->l);
    assert_non_null(g->l);
}

static void close_fixture(gesture_fixture *g)
{
    free(g->l);
    am_i18n_free(g->i18n);
    am_config_free(g->cfg);
}

static void held_press_in_the_corner_opens_the_pin_pad(void **state)
{
    (void)state;
    gesture_fixture g;
    open_fixture(&g, "top-right");
    build(&g, AM_LANG_EN, UI_ATTRACT);
    am_press p = {0};
    am_input down = {.type = AM_IN_PRESS, .x = 1275, .y = 5};
    am_input up = {.type = AM_IN_TAP, .x = 1270, .y = 8};
    am_press_track(&p, &down, 0);
    int64_t held = am_press_track(&p, &up, 3000);
    assert_true(am_press_is_manager_gesture(g.l, g.cfg, p.x, p.y, up.x, up.y, held));
    /* A tap, or a press just short of three seconds, is not the gesture. */
    assert_false(am_press_is_manager_gesture(g.l, g.cfg, 1275, 5, 1275, 5, 120));
    assert_false(am_press_is_manager_gesture(g.l, g.cfg, 1275, 5, 1275, 5, 2999));
    /* It must start and end in the corner. */
    assert_false(am_press_is_manager_gesture(g.l, g.cfg, 640, 400, 1275, 5, 5000));
    assert_false(am_press_is_manager_gesture(g.l, g.cfg, 1275, 5, 640, 400, 5000));
    /* Other corners do nothing. */
    assert_false(am_press_is_manager_gesture(g.l, g.cfg, 5, 5, 5, 5, 5000));
    assert_false(am_press_is_manager_gesture(g.l, g.cfg, 1275, 795, 1275, 795, 5000));
    /* The corner is physical: right-to-left layouts keep it where it is. */
    build(&g, AM_LANG_AR, UI_ATTRACT);
    assert_true(am_press_is_manager_gesture(g.l, g.cfg, 1275, 5, 1275, 5, 3000));
    assert_false(am_press_is_manager_gesture(g.l, g.cfg, 5, 5, 5, 5, 3000));
    /* Only on attract. */
    build(&g, AM_LANG_EN, UI_CATEGORY);
    assert_false(am_press_is_manager_gesture(g.l, g.cfg, 1275, 5, 1275, 5, 5000));
    build(&g, AM_LANG_EN, UI_MANAGER_PIN);
    assert_false(am_press_is_manager_gesture(g.l, g.cfg, 1275, 5, 1275, 5, 5000));
    close_fixture(&g);
}

static void gesture_corner_is_configurable(void **state)
{
    (void)state;
    gesture_fixture g;
    open_fixture(&g, "bottom-left");
    build(&g, AM_LANG_EN, UI_ATTRACT);
    assert_true(am_press_is_manager_gesture(g.l, g.cfg, 4, 796, 10, 790, 3500));
    assert_false(am_press_is_manager_gesture(g.l, g.cfg, 1275, 5, 1275, 5, 3500));
    close_fixture(&g);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(finger_and_mouse_become_press_and_tap),
    cmocka_unit_test(press_track_measures_how_long_it_was_held),
    cmocka_unit_test(held_press_in_the_corner_opens_the_pin_pad),
    cmocka_unit_test(gesture_corner_is_configurable),
};

AM_TEST_MAIN(tests)
