/* ui.c — the kiosk screen put together (see ui.h). */
#include "amends/ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
};

const char *am_ui_default_assets(void)
{
    const char *env = getenv("AMENDS_ASSETS");
    if (env && *env)
        return env;
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
