/* test_palette.c — contrast computed, not eyeballed: the WCAG ratio of
 * every pair of colours the screens draw, for every theme shipped, and a
 * site theme below the ratio it needs refused with the pair and its
 * ratio. The table this prints is the one docs/ui.md shows. */
#include "am_test.h"

#include <stdio.h>
#include <string.h>

#include "amends/config.h"
#include "amends/config_file.h"
#include "amends/palette.h"

static void ratios_are_wcags(void **state)
{
    (void)state;
    assert_float_equal(am_contrast(0x000000, 0xFFFFFF), 21.0, 0.001);
    assert_float_equal(am_contrast(0xFFFFFF, 0x000000), 21.0, 0.001);
    assert_float_equal(am_contrast(0x1F5F8B, 0x1F5F8B), 1.0, 0.0001);
    /* Known values: #777777 on white is just under 4.5:1; #767676 just over. */
    assert_true(am_contrast(0x777777, 0xFFFFFF) < 4.5);
    assert_true(am_contrast(0x767676, 0xFFFFFF) >= 4.5);
    assert_float_equal(am_contrast(0x777777, 0xFFFFFF), 4.48, 0.01);
}

/* Every shipped theme passes every pair; the table is printed. */
static void shipped_themes_pass(void **state)
{
    (void)state;
    static const char *const confs[] = {"config/amends.conf", "config/hotel.conf",
                                        "config/retail.conf", "tests/goldens/golden.conf"};
    int failures = 0;
    for (size_t c = 0; c < sizeof confs / sizeof confs[0]; c++) {
        char path[1024], err[512];
        snprintf(path, sizeof path, "%s/%s", AM_SOURCE_DIR, confs[c]);
        am_config *cfg = NULL;
        if (am_config_load(path, &cfg, err, sizeof err) != AM_OK)
            fail_msg("%s", err);
        am_palette p;
        am_contrast_pair pairs[AM_CONTRAST_PAIRS];
        am_palette_make(cfg->theme.primary, cfg->theme.accent, cfg->theme.background,
                        cfg->theme.text, &p);
        int n = am_palette_pairs(&p, pairs);
        assert_true(n >= 13);
        printf("%s\n", confs[c]);
        for (int i = 0; i < n; i++) {
            double r = am_contrast(pairs[i].fg, pairs[i].bg);
            printf("  %-10s #%06X on %-10s #%06X  %5.2f:1  (needs %.1f: %s)\n", pairs[i].fg_name,
                   (unsigned)(pairs[i].fg & 0xFFFFFF), pairs[i].bg_name,
                   (unsigned)(pairs[i].bg & 0xFFFFFF), r, pairs[i].need, pairs[i].use);
            if (r < pairs[i].need)
                failures++;
        }
        am_config_free(cfg);
    }
    assert_int_equal(failures, 0);
}

/* A control's outline stands out 3:1 on light and dark backgrounds alike,
 * faded as far as that allows (it is not simply the text colour). */
static void control_outlines_stand_out(void **state)
{
    (void)state;
    static const uint32_t themes[][4] = {
        /* primary, accent, background, text */
        {0x1B3A5C, 0xC9A227, 0xFBF8F2, 0x1C1C1C},
        {0x2E6B4F, 0xF2B134, 0xFFFFFF, 0x222222},
        {0x4FA3E0, 0xE8A33D, 0x101418, 0xF0F0F0},
        {0xFFD400, 0x00A0A0, 0x000000, 0xFFFFFF},
    };
    for (size_t i = 0; i < sizeof themes / sizeof themes[0]; i++) {
        am_palette p;
        am_palette_make(themes[i][0], themes[i][1], themes[i][2], themes[i][3], &p);
        assert_true(am_contrast(p.control, p.bg) >= 3.0);
        assert_true(am_contrast(p.control, p.surface) >= 3.0);
        assert_int_not_equal(p.control, p.text);
    }
}

/* High contrast, the same for every site: every text pair at least 7:1
 * (WCAG AAA), every outline and large text at least 4.5:1. */
static void high_contrast_is_aaa(void **state)
{
    (void)state;
    am_palette p;
    am_contrast_pair pairs[AM_CONTRAST_PAIRS];
    am_palette_high_contrast(&p);
    int n = am_palette_pairs(&p, pairs);
    printf("high contrast\n");
    for (int i = 0; i < n; i++) {
        double r = am_contrast(pairs[i].fg, pairs[i].bg);
        double need = pairs[i].need >= 4.5 ? 7.0 : 4.5;
        printf("  %-10s #%06X on %-10s #%06X  %5.2f:1  (needs %.1f: %s)\n", pairs[i].fg_name,
               (unsigned)(pairs[i].fg & 0xFFFFFF), pairs[i].bg_name,
               (unsigned)(pairs[i].bg & 0xFFFFFF), r, need, pairs[i].use);
        if (r < need)
            fail_msg("high contrast: %s on %s is %.2f:1", pairs[i].fg_name, pairs[i].bg_name, r);
    }
}

static void expect_refused(const char *text, const char *expected)
{
    am_config *cfg = NULL;
    char err[512] = "";
    assert_int_equal(am_config_load_string("site.conf", text, &cfg, err, sizeof err),
                     AM_ERR_CONFIG);
    assert_null(cfg);
    if (strcmp(err, expected) != 0)
        fail_msg("got      %s\nexpected %s", err, expected);
}

/* A theme below WCAG AA is refused at config load, naming the line, the
 * pair, both colours, the ratio and what it needs. */
static void low_contrast_theme_is_refused(void **state)
{
    (void)state;
    expect_refused("[theme]\nbackground = #FFFFFF\ntext = #8A8A8A\n",
                   "site.conf:3: theme.text: text #8A8A8A on background #FFFFFF has contrast "
                   "3.45:1; body text needs at least 4.5:1 (WCAG 2.2)");
    /* The background set last is where it is blamed. */
    expect_refused("[theme]\ntext = #1C1C1C\nprimary = #1B3A5C\nbackground = #333333\n",
                   "site.conf:4: theme.background: text #1C1C1C on background #333333 has "
                   "contrast 1.35:1; body text needs at least 4.5:1 (WCAG 2.2)");
    /* A pale primary: its label is dark and reads, but titles drawn in
     * it on the built-in background do not. */
    expect_refused("[theme]\nprimary = #A0C4E0\n",
                   "site.conf:2: theme.primary: primary #A0C4E0 on background #F7F5F0 has "
                   "contrast 1.68:1; titles (large text) needs at least 3.0:1 (WCAG 2.2)");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(ratios_are_wcags),
    cmocka_unit_test(shipped_themes_pass),
    cmocka_unit_test(control_outlines_stand_out),
    cmocka_unit_test(high_contrast_is_aaa),
    cmocka_unit_test(low_contrast_theme_is_refused),
};

AM_TEST_MAIN(tests)
