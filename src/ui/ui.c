/* ui.c — the kiosk screen put together (see ui.h). */
#include "amends/ui.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct am_ui {
    const am_config *cfg;
    am_i18n *i18n;
    am_render *render;
    am_layout *layout;
    am_kbd_state kbd;
    am_screen kbd_screen;
    am_field kbd_field;
    int kbd_lang;
    char typed[16];
    /* Idle preparation (am_ui_idle): the language whose glyphs are being
     * warmed, the next text size to warm, and that language's characters. */
    int warm_lang;
    size_t warm_next;
    char warm_chars[1536];
};

/* An installed kiosk finds its assets next to itself: /usr/bin/amends-kiosk
 * uses /usr/share/amends, wherever the package put the prefix. */
static const char *installed_assets(void)
{
    static char dir[AM_PATH_MAX];
    char exe[AM_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    char probe[AM_PATH_MAX + 64];
    if (snprintf(dir, sizeof dir, "%s/../share/amends", exe) >= (int)sizeof dir)
        return NULL;
    snprintf(probe, sizeof probe, "%s/i18n/en.ini", dir);
    return access(probe, R_OK) == 0 ? dir : NULL;
}

const char *am_ui_default_assets(void)
{
    const char *env = getenv("AMENDS_ASSETS");
    if (env && *env)
        return env;
    const char *installed = installed_assets();
    if (installed)
        return installed;
#ifdef AM_ASSETS_DIR
    return AM_ASSETS_DIR;
#else
    return "assets";
#endif
}

void am_ui_close(am_ui *ui)
{
    if (!ui)
        return;
    am_render_close(ui->render);
    am_i18n_free(ui->i18n);
    free(ui->layout);
    free(ui);
}

/* The text sizes of src/ui/layout.c's styles, in design units, per font.
 * test_ui_layout.idle_preparation_ends_and_draws_nothing checks that they
 * cover what the category screen uses. */
static const double regular_sizes[] = {22, 24, 26, 28, 30, 32};
static const double bold_sizes[] = {22, 24, 26, 28, 30, 34, 44, 48, 54, 56, 64};

#define REGULAR_COUNT (sizeof regular_sizes / sizeof regular_sizes[0])
#define BOLD_COUNT    (sizeof bold_sizes / sizeof bold_sizes[0])

static size_t utf8_put(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* Every character of `lang`'s kiosk strings, and printable ASCII (names,
 * e-mail addresses, site texts), each once, as one UTF-8 string. */
static void collect_chars(am_ui *ui, int lang)
{
    static unsigned char seen[0x10000 / 8];
    memset(seen, 0, sizeof seen);
    size_t len = 0, cap = sizeof ui->warm_chars - 4;
    for (uint32_t cp = 0x21; cp < 0x7F; cp++) {
        seen[cp / 8] |= (unsigned char)(1u << (cp % 8));
        len += utf8_put(ui->warm_chars + len, cp);
    }
    for (int k = 0; k < AM_STR_COUNT && len < cap; k++) {
        const unsigned char *t = (const unsigned char *)am_i18n_get(ui->i18n, lang, (am_str)k);
        while (*t && len < cap) {
            uint32_t cp = *t++;
            if (cp >= 0xE0 && cp < 0xF0 && t[0] && t[1]) {
                cp = ((cp & 0x0F) << 12) | ((uint32_t)(t[0] & 0x3F) << 6) | (t[1] & 0x3F);
                t += 2;
            } else if (cp >= 0xC0 && cp < 0xE0 && t[0]) {
                cp = ((cp & 0x1F) << 6) | (t[0] & 0x3F);
                t += 1;
            } else if (cp >= 0x80) {
                continue; /* beyond the BMP or not a lead byte: not warmed */
            }
            /* Chinese has too many characters for SDL_ttf's 256-glyph cache
             * per font, and each is large: warming them would cost memory
             * and be evicted anyway. */
            if (cp < 0x21 || (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                (cp >= 0xFF00 && cp <= 0xFFEF) || (seen[cp / 8] & (1u << (cp % 8))))
                continue;
            seen[cp / 8] |= (unsigned char)(1u << (cp % 8));
            len += utf8_put(ui->warm_chars + len, cp);
        }
    }
    ui->warm_chars[len] = '\0';
}

bool am_ui_idle(am_ui *ui, const am_journey *j)
{
    int lang = am_journey_lang(j);
    if (lang != ui->warm_lang) {
        collect_chars(ui, lang);
        ui->warm_lang = lang;
        ui->warm_next = 0;
    }
    /* Chinese text is drawn with one face whose characters are too many
     * for SDL_ttf's 256-glyph cache per font: warming would cost memory
     * (about 4 MiB at 1080p) and be evicted anyway. */
    if (lang == AM_LANG_ZH || ui->warm_next >= REGULAR_COUNT + BOLD_COUNT)
        return false;
    size_t i = ui->warm_next++;
    int w, h;
    am_render_size(ui->render, &w, &h);
    double unit = (w < h ? w : h) / 800.0;
    if (i < REGULAR_COUNT)
        am_render_warm(ui->render, ui->warm_chars, AM_FONT_REGULAR,
                       (int)lround(regular_sizes[i] * unit));
    else
        am_render_warm(ui->render, ui->warm_chars, AM_FONT_BOLD,
                       (int)lround(bold_sizes[i - REGULAR_COUNT] * unit));
    return ui->warm_next < REGULAR_COUNT + BOLD_COUNT;
}

am_rc am_ui_open(const am_ui_options *o, const am_config *cfg, am_ui **out, char *err,
                 size_t errlen)
{
    am_rc rc;
    *out = NULL;
    am_ui *ui = calloc(1, sizeof *ui);
    if (!ui || !(ui->layout = calloc(1, sizeof *ui->layout))) {
        free(ui);
        snprintf(err, errlen, "out of memory");
        return AM_ERR_NOMEM;
    }
    ui->cfg = cfg;
    ui->kbd_screen = AM_SCREEN_COUNT;
    ui->warm_lang = -1;
    const char *assets = o->assets_dir ? o->assets_dir : am_ui_default_assets();
    char dir[AM_PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/i18n", assets);
    rc = am_i18n_load(dir, &ui->i18n, err, errlen);
    if (rc)
        goto out;
    char fonts[AM_PATH_MAX + 16];
    snprintf(fonts, sizeof fonts, "%s/fonts", assets);
    am_render_options ro = {
        .font_dir = fonts,
        .logo_path = cfg->theme.logo,
        .width = o->width,
        .height = o->height,
        .headless = o->headless,
        .fullscreen = o->fullscreen,
        .accelerated = o->accelerated,
        .title = cfg->theme.brand[0] ? cfg->theme.brand : "amends",
    };
    rc = am_render_open(&ro, &ui->render, err, errlen);
    if (rc)
        goto out;
    /* The screen a started kiosk shows first: its text is rendered now,
     * during start-up (which bench/kiosk_bench.py times to the first saved
     * frame), rather than in a frame. */
    am_journey *first = am_journey_new(cfg, 0);
    if (first) {
        am_render_prepare(ui->render, am_ui_layout(ui, first, 0));
        am_journey_free(first);
    }
    *out = ui;
    ui = NULL;
out:
    am_ui_close(ui);
    return rc;
}

am_render *am_ui_renderer(am_ui *ui)
{
    return ui->render;
}

const am_i18n *am_ui_strings(const am_ui *ui)
{
    return ui->i18n;
}

/* A new field, screen or language starts on that language's letters. */
static void sync_keyboard(am_ui *ui, const am_journey *j)
{
    am_screen screen = am_journey_screen(j);
    am_field field = am_journey_focus(j);
    int lang = am_journey_lang(j);
    if (screen == ui->kbd_screen && field == ui->kbd_field && lang == ui->kbd_lang)
        return;
    ui->kbd_screen = screen;
    ui->kbd_field = field;
    ui->kbd_lang = lang;
    ui->kbd.letters = am_kbd_default_layer(lang);
    ui->kbd.layer = ui->kbd.letters;
    ui->kbd.shift = false;
}

const am_layout *am_ui_layout(am_ui *ui, const am_journey *j, int64_t now_ms)
{
    sync_keyboard(ui, j);
    am_view v = {
        .cfg = ui->cfg,
        .i18n = ui->i18n,
        .journey = j,
        .now_ms = now_ms,
        .kbd = ui->kbd,
        .measure = am_render_measure,
        .measure_ud = ui->render,
    };
    am_render_size(ui->render, &v.width, &v.height);
    am_render_logo_size(ui->render, &v.logo_w, &v.logo_h);
    am_layout_build(ui->layout, &v);
    return ui->layout;
}

void am_ui_draw(am_ui *ui, const am_journey *j, int64_t now_ms)
{
    am_render_frame(ui->render, am_ui_layout(ui, j, now_ms));
}

am_rc am_ui_shot(am_ui *ui, const am_journey *j, int64_t now_ms, const char *path, char *err,
                 size_t errlen)
{
    am_ui_draw(ui, j, now_ms);
    return am_render_save_png(ui->render, path, err, errlen);
}

am_ui_result am_ui_activate(am_ui *ui, const am_widget *w, am_event *ev)
{
    memset(ev, 0, sizeof *ev);
    switch (w->action) {
    case AM_ACT_EVENT:
        *ev = w->event;
        return AM_UI_EVENT;
    case AM_ACT_TYPE:
        snprintf(ui->typed, sizeof ui->typed, "%s", w->key_text);
        ev->type = AM_EV_TEXT;
        ev->text = ui->typed;
        ui->kbd.shift = false; /* one letter, as on a phone */
        return AM_UI_EVENT;
    case AM_ACT_KBD_SHIFT:
        ui->kbd.shift = !ui->kbd.shift;
        return AM_UI_CHANGED;
    case AM_ACT_KBD_LAYER:
        if (w->value < 0 || w->value >= AM_KBD_LAYER_COUNT)
            return AM_UI_NOTHING;
        ui->kbd.layer = (am_kbd_layer)w->value;
        if (w->value == AM_KBD_LATIN || w->value == AM_KBD_ARABIC)
            ui->kbd.letters = (am_kbd_layer)w->value;
        ui->kbd.shift = false;
        return AM_UI_CHANGED;
    case AM_ACT_NONE:
        break;
    }
    return AM_UI_NOTHING;
}

am_ui_result am_ui_tap(am_ui *ui, const am_journey *j, int64_t now_ms, int x, int y, am_event *ev)
{
    const am_layout *l = am_ui_layout(ui, j, now_ms);
    if (l->prompting) {
        memset(ev, 0, sizeof *ev);
        ev->type = AM_EV_STILL_HERE;
        return AM_UI_EVENT;
    }
    const am_widget *w = am_layout_hit(l, x, y);
    if (!w)
        return AM_UI_NOTHING;
    return am_ui_activate(ui, w, ev);
}

void am_ui_forget_guest(am_ui *ui)
{
    am_render_forget_guest(ui->render);
    memset(ui->typed, 0, sizeof ui->typed);
    ui->kbd_screen = AM_SCREEN_COUNT;
    /* The layout's arena held the guest's words too. */
    memset(ui->layout->arena, 0, sizeof ui->layout->arena);
    ui->layout->block_count = ui->layout->cmd_count = ui->layout->widget_count = 0;
}
