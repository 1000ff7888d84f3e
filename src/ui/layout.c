/* layout.c — every kiosk screen as data (see layout.h). No SDL here: text
 * is measured through the view's callback, so unit tests can build and
 * inspect any screen in any language at any size. This file holds
 * am_layout_build and the guest's screens, from attract to thanks; the
 * other topics are in the files layout_internal.h lists. */
#include "amends/layout.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "amends/palette.h"
#include "amends/text.h"
#include "amends/widget.h"
#include "layout_internal.h"

/* ---- the guest's screens ------------------------------------------------------ */

/* The PIN pad and the manager screen are staff's, not a guest's. */
static bool am_screen_is_manager(am_screen s)
{
    return s == AM_SCREEN_MANAGER_PIN || s == AM_SCREEN_MANAGER;
}

/* The guest's own switches, in the header of attract: high contrast and
 * large text (am_mode). They keep their side of the screen, away from
 * the brand (which mirrors) and from the manager's corner. */
static void mode_switches(lay *c, int header_h)
{
    static const struct {
        const char *id;
        am_str label;
        am_mode mode;
    } sw[] = {{"mode.contrast", AM_STR_ATTRACT_CONTRAST, AM_MODE_HIGH_CONTRAST},
              {"mode.large_text", AM_STR_ATTRACT_LARGE_TEXT, AM_MODE_LARGE_TEXT}};
    bool rtl = am_lang_rtl(c->lang);
    am_corner corner = c->cfg->manager.gesture_corner;
    int h = U(c, 52), gap = U(c, 10), y = (header_h - h) / 2;
    int w[2], total = gap;
    for (int i = 0; i < 2; i++) {
        const char *t = S(c, sw[i].label);
        w[i] = am_lay_width_of(c, t, strlen(t), AM_FONT_BOLD, U(c, 20 * c->ts)) + U(c, 36);
        total += w[i];
    }
    /* From the edge away from the brand inwards, past the manager's corner
     * when it is on that side. */
    bool corner_here = rtl ? corner == AM_CORNER_TOP_LEFT : corner == AM_CORNER_TOP_RIGHT;
    int edge = c->M / 2 + (corner_here ? U(c, 96) : 0);
    /* The brand has the other half of the header: on a narrow screen the
     * switches share what is left, their labels set smaller to fit. */
    int room = c->W / 2 - edge - U(c, 16);
    if (total > room) {
        for (int i = 0; i < 2; i++)
            w[i] = (int)((long)w[i] * (room - gap) / (total - gap));
        total = w[0] + w[1] + gap;
    }
    int x = rtl ? edge : c->W - edge - total + gap;
    unsigned modes = am_journey_modes(c->j);
    c->no_mirror = true;
    for (int i = 0; i < 2; i++) {
        bool on = modes & sw[i].mode;
        am_rect r = rect(x, y, w[i], h);
        int idx = am_lay_add_widget(c, sw[i].id, AM_WK_CHIP, r,
                                    AM_WF_NOMIRROR | (on ? AM_WF_SELECTED : 0));
        am_lay_fill(c, r, on ? c->on_primary : c->primary, h / 2, c->on_primary, U(c, 2));
        tstyle st = style(AM_FONT_BOLD, 20, AL_CENTER, on ? c->primary : c->on_primary);
        st.middle = true;
        am_lay_put_text(c, S(c, sw[i].label), inset(r, U(c, 10)), st, idx);
        x += w[i] + gap;
    }
    c->no_mirror = false;
}

static void screen_attract(lay *c)
{
    int top = am_lay_header(c);
    am_lay_manager_corner(c);
    mode_switches(c, top);
    int cw = c->W - 2 * c->M;
    int maxw = cw < U(c, 1100) ? cw : U(c, 1100);
    int x = (c->W - maxw) / 2;
    /* Language chips: the site's languages, wrapped into rows. */
    int chip_h = U(c, 64), gap = U(c, 14);
    int chip_w[AM_LANG_COUNT];
    int count = c->cfg->kiosk.language_count;
    if (count > AM_LANG_COUNT)
        count = AM_LANG_COUNT;
    int rows = count > 0 ? 1 : 0, row_w = 0;
    for (int i = 0; i < count; i++) {
        int lang = c->cfg->kiosk.languages[i];
        const char *name = am_i18n_get(c->v->i18n, lang, AM_STR_LANG_NAME);
        chip_w[i] = am_lay_width_of(c, name, strlen(name), AM_FONT_BOLD, U(c, 24)) + U(c, 56);
        if (chip_w[i] < U(c, 140))
            chip_w[i] = U(c, 140);
        if (row_w + chip_w[i] > maxw) {
            rows++;
            row_w = 0;
        }
        row_w += chip_w[i] + gap;
    }
    int privacy_h = U(c, 40);
    int chips_h = count > 1 ? rows * chip_h + (rows - 1) * gap : 0;
    int bottom = c->H - U(c, 28) - privacy_h;
    int chips_y = bottom - U(c, 24) - chips_h;

    const char *t = S(c, AM_STR_ATTRACT_TITLE), *body = S(c, AM_STR_ATTRACT_BODY);
    int title_h = am_lay_text_height(c, t, maxw, AM_FONT_BOLD, 64);
    if (title_h > U(c, 150))
        title_h = U(c, 150);
    int body_h = am_lay_text_height(c, body, maxw, AM_FONT_REGULAR, 30);
    if (body_h > U(c, 90))
        body_h = U(c, 90);
    /* What went wrong, as tiles: a tap starts the report with it. Start
     * stays under them, for a guest who would rather read the list. */
    int n = c->cfg->category_count;
    if (n > AM_MAX_CATEGORIES)
        n = AM_MAX_CATEGORIES;
    int cols = c->portrait ? 2 : n <= 4 ? 2 : n <= 6 ? 3 : 4;
    int rows_t = (n + cols - 1) / cols;
    int tile_gap = U(c, 16);
    int start_h = U(c, 76);
    int avail_top = top + U(c, 20), avail_bottom = chips_y - U(c, 20);
    int fixed = title_h + U(c, 12) + body_h + U(c, 24) + U(c, 20) + start_h;
    int tile_h =
        rows_t > 0 ? (avail_bottom - avail_top - fixed - (rows_t - 1) * tile_gap) / rows_t : 0;
    if (tile_h > U(c, 120))
        tile_h = U(c, 120);
    if (tile_h < U(c, 56))
        n = 0; /* no room for tiles that can be read and hit: start alone */
    int grid_h = n > 0 ? rows_t * tile_h + (rows_t - 1) * tile_gap + U(c, 24) : 0;
    int block = title_h + U(c, 12) + body_h + U(c, 24) + grid_h + start_h;
    int y = avail_top + (avail_bottom - avail_top - block) / 2;
    if (y < avail_top)
        y = avail_top;
    tstyle st = style(AM_FONT_BOLD, 64, AL_CENTER, c->text);
    st.middle = true;
    am_lay_put_text(c, t, rect(x, y, maxw, title_h), st, -1);
    y += title_h + U(c, 12);
    st = style(AM_FONT_REGULAR, 30, AL_CENTER, c->muted);
    st.middle = true;
    am_lay_put_text(c, body, rect(x, y, maxw, body_h), st, -1);
    y += body_h + U(c, 24);
    if (n > 0) {
        int tw = (maxw - (cols - 1) * tile_gap) / cols;
        for (int i = 0; i < n; i++) {
            /* The last row is centred when it is not full. */
            int row = i / cols, in_row = n - row * cols < cols ? n - row * cols : cols;
            int rx = x + (maxw - (in_row * tw + (in_row - 1) * tile_gap)) / 2;
            char id[AM_ID_MAX + 16];
            snprintf(id, sizeof id, "category.%s", c->cfg->categories[i].id);
            am_lay_button(
                c, id, AM_WK_TILE,
                rect(rx + (i % cols) * (tw + tile_gap), y + row * (tile_h + tile_gap), tw, tile_h),
                am_text_get(&c->cfg->categories[i].label, c->lang), 0);
        }
        y += grid_h;
    }
    const char *start = S(c, AM_STR_ATTRACT_START);
    int sw = am_lay_width_of(c, start, strlen(start), AM_FONT_BOLD, U(c, 28)) + U(c, 120);
    if (sw < U(c, 440))
        sw = U(c, 440);
    if (sw > maxw)
        sw = maxw;
    am_lay_button(c, "start", n > 0 ? AM_WK_BUTTON : AM_WK_PRIMARY,
                  rect((c->W - sw) / 2, y, sw, start_h), start, 0);

    if (count > 1) {
        int row_start = 0, cy = chips_y;
        while (row_start < count) {
            int row_end = row_start, w = 0;
            while (row_end < count && (w + chip_w[row_end] <= maxw || row_end == row_start))
                w += chip_w[row_end++] + gap;
            w -= gap;
            int cx = (c->W - w) / 2;
            for (int i = row_start; i < row_end; i++) {
                int lang = c->cfg->kiosk.languages[i];
                char id[16];
                snprintf(id, sizeof id, "lang.%s", am_lang_codes[lang]);
                am_lay_button(c, id, AM_WK_CHIP, rect(cx, cy, chip_w[i], chip_h),
                              am_i18n_get(c->v->i18n, lang, AM_STR_LANG_NAME),
                              lang == c->lang ? AM_WF_SELECTED : 0);
                cx += chip_w[i] + gap;
            }
            cy += chip_h + gap;
            row_start = row_end;
        }
    }
    /* On a portrait screen, the low-reach switch ends the privacy line:
     * at the bottom, where a seated guest can reach it to bring the rest
     * down too. */
    int lr_w = 0;
    if (c->v->height > c->v->width) {
        const char *lr = S(c, AM_STR_ATTRACT_LOW_REACH);
        lr_w = am_lay_width_of(c, lr, strlen(lr), AM_FONT_BOLD, U(c, 20 * c->ts)) + U(c, 40);
        if (lr_w > cw / 2)
            lr_w = cw / 2;
        bool on = am_journey_modes(c->j) & AM_MODE_LOW_REACH;
        am_rect r = rect(c->M + cw - lr_w, bottom - U(c, 6), lr_w, privacy_h + U(c, 12));
        int idx = am_lay_add_widget(c, "mode.low_reach", AM_WK_CHIP, r, on ? AM_WF_SELECTED : 0);
        am_lay_fill(c, r, on ? c->primary : c->surface, r.h / 2, on ? c->primary : c->control,
                    U(c, 2));
        st = style(AM_FONT_BOLD, 20, AL_CENTER, on ? c->on_primary : c->text);
        st.middle = true;
        am_lay_put_text(c, lr, inset(r, U(c, 8)), st, idx);
        lr_w += U(c, 16);
    }
    st = style(AM_FONT_REGULAR, 22, AL_CENTER, c->muted);
    st.middle = true;
    am_lay_put_text(c, S(c, AM_STR_ATTRACT_PRIVACY), rect(c->M, bottom, cw - lr_w, privacy_h), st,
                    -1);
}

/* A grid of `n` equal cells in `area`; returns the cell height. */
static void grid(lay *c, am_rect area, int n, int cols, double max_h, am_rect *cells)
{
    int gap = U(c, 16);
    int rows = (n + cols - 1) / cols;
    int cw = (area.w - (cols - 1) * gap) / cols;
    int ch = rows > 0 ? (area.h - (rows - 1) * gap) / rows : 0;
    if (ch > U(c, max_h))
        ch = U(c, max_h);
    for (int i = 0; i < n; i++)
        cells[i] = rect(area.x + (i % cols) * (cw + gap), area.y + (i / cols) * (ch + gap), cw, ch);
}

static void screen_category(lay *c)
{
    int y = am_lay_header(c) + U(c, 20);
    y = am_lay_title(c, S(c, AM_STR_CATEGORY_TITLE), y, 48, 64);
    y = am_lay_subtitle(c, S(c, AM_STR_CATEGORY_BODY), y, 40) + U(c, 20);
    footer_spec f = {.back_label = S(c, AM_STR_CANCEL)};
    int bottom = am_lay_footer(c, f) - U(c, 20);
    int n = c->cfg->category_count;
    if (n > AM_MAX_CATEGORIES)
        n = AM_MAX_CATEGORIES;
    int cols = c->portrait ? 2 : n <= 4 ? 2 : n <= 9 ? 3 : 4;
    am_rect cells[AM_MAX_CATEGORIES];
    grid(c, rect(c->M, y, c->W - 2 * c->M, bottom - y), n, cols, 150, cells);
    for (int i = 0; i < n; i++) {
        char id[AM_ID_MAX + 16];
        snprintf(id, sizeof id, "category.%s", c->cfg->categories[i].id);
        bool selected = strcmp(c->r->category, c->cfg->categories[i].id) == 0;
        am_lay_button(c, id, AM_WK_TILE, cells[i],
                      am_text_get(&c->cfg->categories[i].label, c->lang),
                      selected ? AM_WF_SELECTED : 0);
    }
}

static void screen_details(lay *c)
{
    int y = am_lay_header(c) + U(c, 16);
    y = am_lay_title(c, S(c, AM_STR_DETAILS_TITLE), y, 44, 56) + U(c, 8);
    footer_spec f = {.back_label = S(c, AM_STR_BACK),
                     .primary_id = "next",
                     .primary_label = S(c, AM_STR_DETAILS_SEND),
                     .primary_enabled = am_journey_can_next(c->j)};
    int bottom = am_lay_footer(c, f);
    bool kbd = am_journey_focus(c->j) != AM_FIELD_NONE;
    if (kbd) {
        int kh = am_lay_kbd_height(c);
        am_lay_keyboard(c, rect(c->M, bottom - U(c, 14) - kh, c->W - 2 * c->M, kh));
        bottom -= kh + U(c, 34);
    } else {
        bottom -= U(c, 16);
    }
    static const am_str impact_str[] = {AM_STR_DETAILS_MINOR, AM_STR_DETAILS_SIGNIFICANT,
                                        AM_STR_DETAILS_SEVERE};
    static const char *const impact_id[] = {"impact.minor", "impact.significant", "impact.severe"};
    int cw = c->W - 2 * c->M, gap = U(c, 12);
    int left_w = c->portrait ? cw : cw * 2 / 5 - U(c, 16);
    int right_x = c->portrait ? c->M : c->M + cw * 2 / 5 + U(c, 16);
    int right_w = c->portrait ? cw : cw - (right_x - c->M);
    /* Impact: a row of three in portrait, a column in landscape. */
    int iy = am_lay_field_label(c, S(c, AM_STR_DETAILS_IMPACT), c->M, y, left_w);
    int ry;
    if (c->portrait) {
        int bw = (cw - 2 * gap) / 3, bh = U(c, 76);
        for (int i = 0; i < 3; i++)
            am_lay_button(c, impact_id[i], AM_WK_CHOICE, rect(c->M + i * (bw + gap), iy, bw, bh),
                          S(c, impact_str[i]), (int)c->r->severity == i + 1 ? AM_WF_SELECTED : 0);
        ry = iy + bh + U(c, 24);
    } else {
        int bh = (bottom - iy - 2 * gap);
        bh = bh / 3 < U(c, 76) ? bh / 3 : U(c, 76);
        for (int i = 0; i < 3; i++)
            am_lay_button(c, impact_id[i], AM_WK_CHOICE,
                          rect(c->M, iy + i * (bh + gap), left_w, bh), S(c, impact_str[i]),
                          (int)c->r->severity == i + 1 ? AM_WF_SELECTED : 0);
        ry = y;
    }
    int name_h = U(c, 64);
    int fy = am_lay_field_label(c, S(c, AM_STR_DETAILS_DESCRIPTION), right_x, ry, right_w);
    int desc_h = bottom - fy - U(c, 12) - U(c, 40) - name_h;
    if (desc_h > U(c, 220))
        desc_h = U(c, 220);
    am_lay_text_field(c, AM_FIELD_DESCRIPTION, rect(right_x, fy, right_w, desc_h),
                      S(c, AM_STR_DETAILS_DESCRIPTION_HINT));
    /* The first name, and beside it where it happened when the site asks. */
    bool where = am_config_asks_location(c->cfg);
    int name_w = where ? (right_w - gap) / 2 : right_w;
    int ny = fy + desc_h + U(c, 12);
    fy = am_lay_field_label(c, S(c, AM_STR_DETAILS_NAME), right_x, ny, name_w);
    am_lay_text_field(c, AM_FIELD_NAME, rect(right_x, fy, name_w, name_h),
                      S(c, AM_STR_DETAILS_NAME_HINT));
    if (where) {
        int lx = right_x + name_w + gap;
        int ly = am_lay_field_label(c, am_text_get(&c->cfg->kiosk.location_label, c->lang), lx, ny,
                                    name_w);
        am_lay_text_field(c, AM_FIELD_LOCATION, rect(lx, ly, name_w, name_h),
                          S(c, AM_STR_DETAILS_LOCATION_HINT));
    }
}

/* "{name}" in fmt replaced by the guest's first name. */
static const char *with_name(lay *c, const char *fmt, const char *name)
{
    return am_lay_with_field(c, fmt, "{name}", name);
}

static int category_index(const lay *c)
{
    return am_config_category_index(c->cfg, c->r->category);
}

/* The apology, first and large (shown only once the report is committed),
 * and under it what would make this right. An option moves on at once;
 * one that asks for words opens its field under the grid, in room kept
 * for it, so the grid keeps its order and place. */
static void screen_apology(lay *c)
{
    int cat = category_index(c);
    const am_category_def *def = cat >= 0 ? &c->cfg->categories[cat] : NULL;
    int options[AM_MAX_CAT_OPTIONS + 2];
    int n = cat >= 0 ? am_config_options_for(c->cfg, cat, options, AM_MAX_CAT_OPTIONS + 2) : 0;
    const am_resolution_def *chosen = NULL;
    bool any_text = false;
    for (int i = 0; i < n; i++) {
        const am_resolution_def *res = &c->cfg->resolutions[options[i]];
        if (strcmp(res->id, c->r->resolution) == 0)
            chosen = res;
        any_text = any_text || res->asks_text;
    }
    bool other = chosen && chosen->asks_text;
    bool kbd = am_journey_focus(c->j) != AM_FIELD_NONE;

    int y = am_lay_header(c) + U(c, 20);
    footer_spec f = {0};
    if (other) {
        f.primary_id = "next";
        f.primary_label = S(c, AM_STR_NEXT);
        f.primary_enabled = am_journey_can_next(c->j);
    }
    int bottom = am_lay_footer(c, f);
    if (kbd) {
        int kh = am_lay_kbd_height(c);
        am_lay_keyboard(c, rect(c->M, bottom - U(c, 14) - kh, c->W - 2 * c->M, kh));
        bottom -= kh + U(c, 34);
    } else {
        bottom -= U(c, 16);
    }
    int cw = c->W - 2 * c->M;
    if (kbd) {
        /* Typing "something else": the question stays, the apology
         * (already read) gives its room to the keyboard. */
        y = am_lay_title(c, S(c, AM_STR_RESOLUTION_TITLE), y - U(c, 4), 44, 56) + U(c, 14);
    } else {
        bool named = c->r->first_name[0] != '\0';
        const char *t = named ? with_name(c, S(c, AM_STR_APOLOGY_TITLE_NAMED), c->r->first_name)
                              : S(c, AM_STR_APOLOGY_TITLE);
        int al = c->portrait ? AL_CENTER : AL_START;
        tstyle st = style(AM_FONT_BOLD, 54, al, c->primary);
        st.middle = true;
        st.flags = named ? AM_TF_GUEST : 0;
        int th = am_lay_title_height(c, t, cw, 54);
        if (th > U(c, 140))
            th = U(c, 140);
        am_lay_put_text(c, t, rect(c->M, y, cw, th), st, -1);
        y += th + U(c, 8);
        const char *body = def && !am_text_empty(&def->apology)
                               ? am_text_get(&def->apology, c->lang)
                               : S(c, AM_STR_APOLOGY_BODY);
        body = with_name(c, body, c->r->first_name);
        /* The site's explanation takes part of the body's room: the
         * options under them keep theirs. */
        bool why = def && !am_text_empty(&def->explanation);
        int body_h = am_lay_text_height_normal(c, body, cw, AM_FONT_REGULAR, 30);
        if (body_h > U(c, why ? 84 : 120))
            body_h = U(c, why ? 84 : 120);
        st = style(AM_FONT_REGULAR, 30, al, c->text);
        st.flags = named ? AM_TF_GUEST : 0;
        am_lay_put_text(c, body, rect(c->M, y, cw, body_h), st, -1);
        y += body_h + U(c, 8);
        /* What went wrong on our side, in the site's words, when it gave
         * them ([category.ID] explanation). */
        if (why) {
            const char *text = am_text_get(&def->explanation, c->lang);
            int why_h = am_lay_text_height_normal(c, text, cw, AM_FONT_REGULAR, 24);
            if (why_h > U(c, 40))
                why_h = U(c, 40);
            st = style(AM_FONT_REGULAR, 24, al, c->muted);
            am_lay_put_text(c, text, rect(c->M, y, cw, why_h), st, -1);
            y += why_h + U(c, 4);
        }
        /* Said because it is true: the report is committed before this
         * screen shows. */
        int received_h = U(c, 40);
        int isz = U(c, 28);
        am_lay_icon(c, rect(c->M, y + (received_h - isz) / 2, isz, isz), AM_ICON_CHECK, c->accent);
        st = style(AM_FONT_REGULAR, 24, AL_START, c->muted);
        st.middle = true;
        am_lay_put_text(c, S(c, AM_STR_APOLOGY_RECEIVED),
                        rect(c->M + isz + U(c, 12), y, cw - isz - U(c, 12), received_h), st, -1);
        y += received_h + U(c, 12);
        st = style(AM_FONT_BOLD, 34, al, c->text);
        st.middle = true;
        int qh = am_lay_text_height_normal(c, S(c, AM_STR_RESOLUTION_TITLE), cw, AM_FONT_BOLD, 34);
        if (qh > U(c, 96))
            qh = U(c, 96);
        am_lay_put_text(c, S(c, AM_STR_RESOLUTION_TITLE), rect(c->M, y, cw, qh), st, -1);
        y += qh + U(c, 12);
    }

    int field_h = any_text ? U(c, 64) + U(c, 14) : 0;
    int cols = c->portrait ? 1 : 2;
    int area_h = bottom - y - field_h;
    /* Enough columns to keep each option at least 56 units tall. */
    while (cols < 4 && (n + cols - 1) / cols * (U(c, 56) + U(c, 16)) > area_h + U(c, 16))
        cols++;
    am_rect cells[AM_MAX_CAT_OPTIONS + 2];
    grid(c, rect(c->M, y, cw, area_h), n, cols, c->portrait ? 96 : 84, cells);
    int last_y = y;
    for (int i = 0; i < n; i++) {
        const am_resolution_def *res = &c->cfg->resolutions[options[i]];
        char id[AM_ID_MAX + 16];
        snprintf(id, sizeof id, "resolution.%s", res->id);
        am_lay_button(c, id, AM_WK_CHOICE, cells[i], am_text_get(&res->label, c->lang),
                      res == chosen ? AM_WF_SELECTED : 0);
        last_y = cells[i].y + cells[i].h;
    }
    if (other)
        am_lay_text_field(c, AM_FIELD_RESOLUTION_TEXT, rect(c->M, last_y + U(c, 14), cw, U(c, 64)),
                          S(c, AM_STR_RESOLUTION_OTHER_HINT));
}

/* The text of the offer the journey holds, in the guest's language; "" when
 * there is none. */
static const char *offer_text(const lay *c)
{
    int oi = am_journey_offer(c->j);
    return oi >= 0 && oi < c->cfg->offer_count ? am_text_get(&c->cfg->offers[oi].text, c->lang)
                                               : "";
}

static void screen_offer(lay *c)
{
    int y = am_lay_header(c) + U(c, 24);
    bool escalated = c->r->offer_state == AM_OFFER_ESCALATED;
    footer_spec f = {.back_label = S(c, AM_STR_BACK)};
    if (escalated) {
        f.primary_id = "next";
        f.primary_label = S(c, AM_STR_NEXT);
        f.primary_enabled = true;
    }
    int bottom = am_lay_footer(c, f) - U(c, 24);
    int cw = c->W - 2 * c->M;
    if (escalated) {
        /* A manager hears of it only through the hub: with sync off the
         * kiosk says where to go instead of promising contact. */
        bool sync = c->cfg->sync.url[0] != '\0';
        y = am_lay_title(c,
                         S(c, sync ? AM_STR_OFFER_ESCALATED_TITLE : AM_STR_STAFF_WAIT_TITLE_DESK),
                         y, 48, 130) +
            U(c, 16);
        tstyle st = style(AM_FONT_REGULAR, 32, c->portrait ? AL_CENTER : AL_START, c->text);
        am_lay_put_text(c, S(c, sync ? AM_STR_OFFER_ESCALATED_BODY : AM_STR_THANKS_ASK_DESK),
                        rect(c->M, y, cw, bottom - y), st, -1);
        return;
    }
    y = am_lay_title(c, S(c, AM_STR_OFFER_TITLE), y, 48, 70) + U(c, 20);
    const char *offer = offer_text(c);
    int bh = U(c, 92);
    int card_h = bottom - y - bh - U(c, 36);
    if (card_h > U(c, 300))
        card_h = U(c, 300);
    am_rect card = rect(c->M, y, cw, card_h);
    /* The gift card is warm: the accent colour, lightly. */
    am_lay_fill(c, card, c->notice, U(c, 22), c->accent, U(c, 3));
    int pad = U(c, 32);
    tstyle st = style(AM_FONT_BOLD, 44, AL_CENTER, c->text);
    st.middle = true;
    am_lay_put_text(c, offer,
                    rect(card.x + pad, card.y + pad, card.w - 2 * pad, card.h * 62 / 100 - pad), st,
                    -1);
    st = style(AM_FONT_REGULAR, 28, AL_CENTER, c->muted);
    st.middle = true;
    am_lay_put_text(c, S(c, AM_STR_OFFER_BODY),
                    rect(card.x + pad, card.y + card.h * 62 / 100, card.w - 2 * pad,
                         card.h * 38 / 100 - pad / 2),
                    st, -1);
    int by = card.y + card.h + U(c, 36);
    int gap = U(c, 24);
    int bw = (cw - gap) / 2 < U(c, 380) ? (cw - gap) / 2 : U(c, 380);
    int bx = (c->W - (2 * bw + gap)) / 2;
    /* Accept comes first in reading order. */
    am_lay_button(c, "offer.accept", AM_WK_PRIMARY, rect(bx, by, bw, bh), S(c, AM_STR_OFFER_ACCEPT),
                  0);
    am_lay_button(c, "offer.decline", AM_WK_BUTTON, rect(bx + bw + gap, by, bw, bh),
                  S(c, AM_STR_OFFER_DECLINE), 0);
}

static const uint32_t face_colors[5] = {0xFFE0736C, 0xFFEFA15E, 0xFFEACB5A, 0xFF9FCB7A, 0xFF58B368};

/* The five faces, each labelled, across `area` (x, y, w; h at most). */
static int faces(lay *c, am_rect area)
{
    int gap = U(c, 16);
    int fw = (area.w - 4 * gap) / 5;
    if (fw > U(c, 200))
        fw = U(c, 200);
    int label_h = U(c, 56);
    int fh = area.h < fw + label_h ? area.h : fw + label_h;
    int d = fh - label_h - U(c, 16);
    if (d > fw - U(c, 16))
        d = fw - U(c, 16);
    int x = area.x + (area.w - (5 * fw + 4 * gap)) / 2;
    static const am_str labels[] = {AM_STR_RATING_1, AM_STR_RATING_2, AM_STR_RATING_3,
                                    AM_STR_RATING_4, AM_STR_RATING_5};
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof id, "rating.%d", i + 1);
        bool selected = c->r->rating == i + 1;
        am_rect r = rect(x + i * (fw + gap), area.y, fw, fh);
        int idx = am_lay_add_widget(c, id, AM_WK_FACE, r, selected ? AM_WF_SELECTED : 0);
        am_lay_fill(c, r, selected ? c->tint : c->surface, U(c, 18),
                    selected ? c->primary : c->control, selected ? U(c, 4) : U(c, 2));
        am_cmd *face =
            am_lay_push_cmd(c, AM_CMD_FACE, rect(r.x + (fw - d) / 2, r.y + U(c, 10), d, d));
        if (face) {
            face->value = i + 1;
            face->color =
                c->r->rating && !selected ? mix(face_colors[i], c->surface, 0.55) : face_colors[i];
        }
        tstyle st = style(selected ? AM_FONT_BOLD : AM_FONT_REGULAR, 22, AL_CENTER, c->text);
        st.middle = true;
        st.min_scale = 0.5;
        am_lay_put_text(c, S(c, labels[i]),
                        rect(r.x + U(c, 6), r.y + U(c, 10) + d, fw - U(c, 12), r.h - d - U(c, 16)),
                        st, idx);
    }
    return fh;
}

/* Contact and the consent question under it, from y in a column; returns
 * the y under them. */
static int contact_and_consent(lay *c, int x, int y, int w)
{
    int fy = am_lay_field_label(c, S(c, AM_STR_FOLLOWUP_CONTACT), x, y, w);
    am_lay_text_field(c, AM_FIELD_CONTACT, rect(x, fy, w, U(c, 64)),
                      S(c, AM_STR_FOLLOWUP_CONTACT_HINT));
    fy += U(c, 64) + U(c, 12);
    fy = am_lay_field_label(c, S(c, AM_STR_FOLLOWUP_CONSENT), x, fy, w);
    int gap = U(c, 16);
    int bw = (w - gap) / 2 < U(c, 400) ? (w - gap) / 2 : U(c, 400);
    am_lay_button(c, "consent.yes", AM_WK_CHOICE, rect(x, fy, bw, U(c, 68)),
                  S(c, AM_STR_FOLLOWUP_YES), c->r->consent == AM_CONSENT_YES ? AM_WF_SELECTED : 0);
    am_lay_button(c, "consent.no", AM_WK_CHOICE, rect(x + bw + gap, fy, bw, U(c, 68)),
                  S(c, AM_STR_FOLLOWUP_NO), c->r->consent == AM_CONSENT_NO ? AM_WF_SELECTED : 0);
    return fy + U(c, 68);
}

/* The last screen, all of it optional: how we did (faces and a comment)
 * and whether we may check back (contact and consent), with one Finish.
 * While a field is being typed into, only that field's part shows. */
static void screen_followup(lay *c)
{
    int y = am_lay_header(c) + U(c, 16);
    am_field focus = am_journey_focus(c->j);
    bool kbd = focus != AM_FIELD_NONE;
    /* After "I can't wait", what the contact is for: that call back. */
    /* A promised contact is asked for only where the hub can pass it on. */
    bool promised = am_journey_contact_promised(c->j) && c->cfg->sync.url[0];
    const char *body = am_journey_cant_wait(c->j) ? S(c, AM_STR_FOLLOWUP_BODY_CANT_WAIT)
                       : promised                 ? S(c, AM_STR_FOLLOWUP_BODY_PROMISED)
                                                  : S(c, AM_STR_FOLLOWUP_BODY);
    footer_spec f = {.back_label = S(c, AM_STR_BACK),
                     .skip_label = S(c, AM_STR_SKIP),
                     .primary_id = "done",
                     .primary_label = S(c, AM_STR_FOLLOWUP_DONE),
                     .primary_enabled = am_journey_can_next(c->j)};
    int bottom = am_lay_footer(c, f);
    if (kbd) {
        int kh = am_lay_kbd_height(c);
        am_lay_keyboard(c, rect(c->M, bottom - U(c, 14) - kh, c->W - 2 * c->M, kh));
        bottom -= kh + U(c, 34);
    } else {
        bottom -= U(c, 16);
    }
    int cw = c->W - 2 * c->M;
    int gap = U(c, 32);
    int lw = c->portrait ? cw : (cw - gap) / 2;
    int rx = c->portrait ? c->M : c->M + lw + gap;
    if (kbd) {
        /* Typing: the faces give their room to the keyboard; both fields
         * stay, so a tap moves from one to the other. */
        int fy = am_lay_field_label(c, S(c, AM_STR_RATING_COMMENT), c->M, y, lw);
        am_lay_text_field(c, AM_FIELD_COMMENT, rect(c->M, fy, lw, U(c, 64)),
                          S(c, AM_STR_RATING_COMMENT_HINT));
        contact_and_consent(c, rx, c->portrait ? fy + U(c, 64) + U(c, 16) : y, lw);
        return;
    }
    y = am_lay_title(c, S(c, AM_STR_RATING_TITLE), y, 40, c->portrait ? 110 : 56) + U(c, 8);
    int comment_h = U(c, 40) + U(c, 64);
    /* The right column (landscape) or the part under the comment
     * (portrait): title, what the contact is for, contact, consent. */
    int follow_h = U(c, 44) + U(c, 84) + U(c, 40) + U(c, 64) + U(c, 12) + U(c, 40) + U(c, 68);
    int under = c->portrait ? comment_h + U(c, 24) + follow_h : follow_h;
    int faces_h = bottom - y - U(c, 16) - under;
    if (faces_h > U(c, 230))
        faces_h = U(c, 230);
    y += faces(c, rect(c->M, y, cw, faces_h)) + U(c, 16);
    int fy = am_lay_field_label(c, S(c, AM_STR_RATING_COMMENT), c->M, y, lw);
    am_lay_text_field(c, AM_FIELD_COMMENT, rect(c->M, fy, lw, U(c, 64)),
                      S(c, AM_STR_RATING_COMMENT_HINT));
    int ry = c->portrait ? fy + U(c, 64) + U(c, 24) : y;
    tstyle st = style(AM_FONT_BOLD, 30, AL_START, c->text);
    st.middle = true;
    am_lay_put_text(c, S(c, AM_STR_FOLLOWUP_TITLE), rect(rx, ry, lw, U(c, 44)), st, -1);
    ry += U(c, 44);
    st = style(AM_FONT_REGULAR, 22, AL_START, c->muted);
    st.middle = true;
    am_lay_put_text(c, body, rect(rx, ry, lw, U(c, 84)), st, -1);
    ry += U(c, 84);
    contact_and_consent(c, rx, ry, lw);
}

static int seconds_until(int64_t deadline, int64_t now)
{
    if (deadline == INT64_MAX || deadline <= now)
        return 0;
    return (int)((deadline - now + 999) / 1000);
}

/* A round badge with the seconds left in it. */
static void countdown(lay *c, am_rect r, int seconds)
{
    char num[16];
    snprintf(num, sizeof num, "%d", seconds);
    am_lay_fill(c, r, c->surface, r.w / 2, c->primary, U(c, 4));
    tstyle st = style(AM_FONT_BOLD, 30, AL_CENTER, c->primary);
    st.middle = true;
    am_lay_put_text(c, num, inset(r, U(c, 8)), st, -1);
}

/* The last day a voucher is valid, as a date in the guest's language:
 * "Show this code to our team. Valid until 3 December 2026." NULL when the
 * date cannot be told (no expiry known). */
static const char *voucher_until(lay *c, int64_t expires_ms)
{
    time_t t = (time_t)((expires_ms - 1) / 1000);
    struct tm tm;
    if (expires_ms <= 0 || !localtime_r(&t, &tm) || tm.tm_mon < 0 || tm.tm_mon > 11)
        return NULL;
    const char *m = S(c, AM_STR_DATE_MONTHS);
    for (int i = 0; i < tm.tm_mon && m; i++) {
        m = strchr(m, ',');
        if (m)
            m++;
    }
    if (!m)
        return NULL;
    while (*m == ' ')
        m++;
    char month[64], day[16], year[16];
    snprintf(month, sizeof month, "%.*s", (int)strcspn(m, ","), m);
    snprintf(day, sizeof day, "%d", tm.tm_mday);
    snprintf(year, sizeof year, "%d", tm.tm_year + 1900);
    const char *date = am_lay_with_field(c, S(c, AM_STR_DATE_FORMAT), "{day}", day);
    date = am_lay_with_field(c, date, "{month}", month);
    date = am_lay_with_field(c, date, "{year}", year);
    return am_lay_with_field(c, S(c, AM_STR_THANKS_VOUCHER_UNTIL), "{date}", date);
}

/* What happens next, as the thanks screen says it: the committed
 * resolution's own promise (its team's words for its action); for a
 * resolution that commits to nothing, no promise; and when nothing can
 * carry the action out (sync is off), where to go instead. */
static const char *promise_text(const lay *c)
{
    int res = am_config_resolution_index(c->cfg, c->r->resolution);
    const am_text *promise = am_config_promise(c->cfg, res);
    /* Could not wait for staff: a call back if they left a way to reach
     * them (the journey raised it), else the desk. */
    if (c->j && am_journey_cant_wait(c->j))
        return c->r->contact[0] ? S(c, AM_STR_THANKS_CONTACT_PROMISE)
                                : S(c, AM_STR_THANKS_ASK_DESK_LATER);
    /* A call back needs a way to reach the guest: without one, the desk
     * (once the alert is confirmed, for an urgent one). */
    const am_resolution_def *def = res >= 0 ? &c->cfg->resolutions[res] : NULL;
    am_urgent u = c->j ? am_journey_urgent(c->j) : AM_URGENT_NONE;
    if (def && def->action == AM_ACTION_CALLBACK && !c->r->contact[0] && c->cfg->sync.url[0] &&
        (u == AM_URGENT_NONE || u == AM_URGENT_CONFIRMED))
        return S(c, AM_STR_THANKS_ASK_DESK_LATER);
    /* An urgent report: staff have it only once the hub said so. */
    switch (c->j ? am_journey_urgent(c->j) : AM_URGENT_NONE) {
    case AM_URGENT_SENDING:
        return S(c, AM_STR_THANKS_URGENT_SENDING);
    case AM_URGENT_CONFIRMED:
        return promise ? am_text_get(promise, c->lang) : S(c, AM_STR_THANKS_URGENT_CONFIRMED);
    case AM_URGENT_UNCONFIRMED:
        return c->cfg->sync.url[0] ? S(c, AM_STR_THANKS_URGENT_DESK) : S(c, AM_STR_THANKS_ASK_DESK);
    case AM_URGENT_NONE:
        break;
    }
    if (!promise)
        return S(c, AM_STR_THANKS_PROMISE_NONE);
    if (!c->cfg->sync.url[0])
        return S(c, AM_STR_THANKS_ASK_DESK);
    return am_text_get(promise, c->lang);
}

static void screen_thanks(lay *c)
{
    int y = am_lay_header(c) + U(c, 28);
    footer_spec f = {
        .primary_id = "done", .primary_label = S(c, AM_STR_THANKS_DONE), .primary_enabled = true};
    int bottom = am_lay_footer(c, f) - U(c, 20);
    int cw = c->W - 2 * c->M;
    bool named = c->r->first_name[0] != '\0';
    const char *t = named ? with_name(c, S(c, AM_STR_THANKS_TITLE_NAMED), c->r->first_name)
                          : S(c, AM_STR_THANKS_TITLE);
    int align = c->portrait ? AL_CENTER : AL_START;
    tstyle st = style(AM_FONT_BOLD, 56, align, c->primary);
    st.middle = true;
    st.flags = named ? AM_TF_GUEST : 0;
    int th = am_lay_title_height(c, t, cw, 56);
    am_lay_put_text(c, t, rect(c->M, y, cw, th), st, -1);
    y += th + U(c, 12);
    bool voucher = c->r->voucher[0] != '\0' && c->r->offer_state == AM_OFFER_ACCEPTED;
    int qr = voucher ? U(c, c->portrait ? 260 : 220) : 0;
    int text_w = voucher && !c->portrait ? cw - qr - U(c, 40) : cw;
    const char *body = S(c, AM_STR_THANKS_BODY);
    const char *promise = promise_text(c);
    /* Over budget: a manager can contact only a guest who said how, and
     * only through the hub; else the desk, said once even when the
     * resolution's own promise already sends the guest there. */
    const char *manager = NULL;
    if (c->r->offer_state == AM_OFFER_ESCALATED) {
        manager = S(c, c->r->contact[0] && c->cfg->sync.url[0] ? AM_STR_THANKS_MANAGER
                                                               : AM_STR_THANKS_ASK_DESK_LATER);
        if (!strcmp(manager, promise) ||
            (!c->cfg->sync.url[0] && !strcmp(promise, S(c, AM_STR_THANKS_ASK_DESK))))
            manager = NULL;
    }
    bool escalated = manager != NULL;
    int badge = U(c, 64);

    /* The voucher's lines, measured first: what the code is for and how
     * long it lasts must stay on screen, so the sentences above give way. */
    const char *what = voucher ? offer_text(c) : "";
    const char *valid = "";
    int lh = 0, wh = 0, vh = 0, voucher_h = 0;
    if (voucher) {
        /* The offer's own validity, as a date when the expiry is known. */
        int days = am_config_offer_valid_days(c->cfg, am_journey_offer(c->j));
        valid = voucher_until(c, am_journey_voucher_expiry(c->j));
        if (!valid && days == 1) {
            valid = S(c, AM_STR_THANKS_VOUCHER_VALID_ONE);
        } else if (!valid) {
            char n[16];
            snprintf(n, sizeof n, "%d", days);
            valid = am_lay_with_field(c, S(c, AM_STR_THANKS_VOUCHER_VALID), "{days}", n);
        }
        /* Its measured height: a fixed box shrank the Arabic label (taller
         * line) to half the size of the English one. */
        lh = am_lay_text_height_normal(c, S(c, AM_STR_THANKS_VOUCHER), text_w, AM_FONT_REGULAR, 24);
        if (lh < U(c, 36))
            lh = U(c, 36);
        wh = what[0] ? am_lay_text_height_normal(c, what, text_w, AM_FONT_BOLD, 26) : 0;
        if (wh > U(c, 76))
            wh = U(c, 76);
        vh = am_lay_text_height_normal(c, valid, text_w, AM_FONT_REGULAR, 24);
        if (vh > U(c, 70))
            vh = U(c, 70);
        voucher_h = lh + U(c, 64) + U(c, 4) + (wh ? wh + U(c, 4) : 0) + vh + U(c, 16) +
                    (c->portrait ? qr : 0);
    }
    int esc_h = escalated ? U(c, 84) + U(c, 8) : 0;
    /* The case code, for a report the hub opens a case for: what the guest
     * quotes to staff, large enough to copy down. */
    const char *reference = am_journey_reference(c->j);
    int ref_head_h = 0, ref_h = 0;
    if (reference) {
        ref_head_h =
            am_lay_text_height(c, S(c, AM_STR_THANKS_REFERENCE), text_w, AM_FONT_REGULAR, 24);
        if (ref_head_h < U(c, 36))
            ref_head_h = U(c, 36);
        ref_h = ref_head_h + U(c, 60) + U(c, 12);
    }
    int bh = am_lay_text_height_normal(c, body, text_w, AM_FONT_REGULAR, 30);
    if (bh > U(c, 130))
        bh = U(c, 130);
    int rh = am_lay_text_height_normal(c, promise, text_w, AM_FONT_REGULAR, 30);
    if (rh > U(c, 160))
        rh = U(c, 160);
    int room = bottom - badge - U(c, 16) - y - voucher_h - esc_h - ref_h - 2 * U(c, 16);
    if (bh + rh > room) {
        /* The promise gives way (put_text scales its words to fit), down to
         * two lines' worth; the short first sentence keeps its size. */
        rh = room - bh;
        if (rh < U(c, 64))
            rh = U(c, 64);
    }
    st = style(AM_FONT_REGULAR, 30, align, c->text);
    am_lay_put_text(c, body, rect(c->M, y, text_w, bh), st, -1);
    y += bh + U(c, 16);
    /* What happens next is the sentence the guest acts on: in bold. */
    st = style(AM_FONT_BOLD, 30, align, c->text);
    am_lay_put_text(c, promise, rect(c->M, y, text_w, rh), st, -1);
    y += rh + U(c, 16);
    if (escalated) {
        st = style(AM_FONT_BOLD, 28, align, c->text);
        am_lay_put_text(c, manager, rect(c->M, y, text_w, U(c, 84)), st, -1);
        y += U(c, 84) + U(c, 8);
    }
    if (reference) {
        st = style(AM_FONT_REGULAR, 24, align, c->muted);
        st.middle = true;
        am_lay_put_text(c, S(c, AM_STR_THANKS_REFERENCE), rect(c->M, y, text_w, ref_head_h), st,
                        -1);
        y += ref_head_h;
        st = style(AM_FONT_BOLD, 48, align, c->primary);
        st.middle = true;
        am_lay_put_text(c, reference, rect(c->M, y, text_w, U(c, 60)), st, -1);
        y += U(c, 60) + U(c, 12);
    }
    if (voucher) {
        int vx = c->M;
        st = style(AM_FONT_REGULAR, 24, align, c->muted);
        st.middle = true;
        am_lay_put_text(c, S(c, AM_STR_THANKS_VOUCHER), rect(vx, y, text_w, lh), st, -1);
        y += lh;
        st = style(AM_FONT_BOLD, 44, align, c->text);
        st.middle = true;
        am_lay_put_text(c, c->r->voucher, rect(vx, y, text_w, U(c, 64)), st, -1);
        y += U(c, 64) + U(c, 4);
        /* What the code is for and how long it lasts, so the guest knows
         * what to do with it. */
        if (wh) {
            st = style(AM_FONT_BOLD, 26, align, c->text);
            am_lay_put_text(c, what, rect(vx, y, text_w, wh), st, -1);
            y += wh + U(c, 4);
        }
        st = style(AM_FONT_REGULAR, 24, align, c->muted);
        /* Its box may reach a few pixels into the countdown's row, where
         * the normal-size line beside the badge leaves them free; with
         * large text that line fills its row, so this gives way. */
        if (c->ts > 1.0 && vh > bottom - badge - U(c, 8) - y)
            vh = bottom - badge - U(c, 8) - y;
        am_lay_put_text(c, valid, rect(vx, y, text_w, vh), st, -1);
        y += vh + U(c, 16);
        am_rect q = c->portrait ? rect((c->W - qr) / 2, y, qr, qr)
                                : rect(c->W - c->M - qr, U(c, 72) + U(c, 120), qr, qr);
        am_lay_fill(c, q, 0xFFFFFFFFu, U(c, 8), c->border, U(c, 2));
        am_cmd *cmd = am_lay_push_cmd(c, AM_CMD_QR, inset(q, U(c, 14)));
        if (cmd) {
            cmd->text = am_lay_keep(c, c->r->voucher, strlen(c->r->voucher));
            cmd->len = strlen(c->r->voucher);
            cmd->color = 0xFF000000u;
        }
    }
    int by = bottom - badge;
    countdown(c, rect(c->M, by, badge, badge),
              seconds_until(am_journey_deadline(c->j), c->v->now_ms));
    st = style(AM_FONT_REGULAR, 24, AL_START, c->muted);
    st.middle = true;
    am_lay_put_text(c, S(c, AM_STR_THANKS_RETURNING),
                    rect(c->M + badge + U(c, 16), by, cw - badge - U(c, 16), badge), st, -1);
}

/* The team a staff_now resolution called, in the guest's language. */
static const char *called_team(const lay *c)
{
    int res = am_config_resolution_index(c->cfg, c->r->resolution);
    int team = res >= 0 ? am_config_team_index(c->cfg, c->cfg->resolutions[res].team) : -1;
    return team >= 0 ? am_text_get(&c->cfg->teams[team].label, c->lang) : "";
}

/* staff_now: "please wait here", who was called and, once the hub has the
 * alert, that they are on the way. Room is kept under it for who
 * acknowledged the call, once the hub can say. */
static void screen_staff_wait(lay *c)
{
    int y = am_lay_header(c) + U(c, 28);
    am_urgent urgent = am_journey_urgent(c->j);
    bool desk = urgent == AM_URGENT_UNCONFIRMED;
    footer_spec f = {.skip_label = S(c, AM_STR_STAFF_WAIT_CANT_WAIT),
                     .skip_id = "cant_wait",
                     .primary_id = "done",
                     .primary_label = S(c, AM_STR_STAFF_WAIT_DONE),
                     .primary_enabled = true};
    int bottom = am_lay_footer(c, f) - U(c, 20);
    int cw = c->W - 2 * c->M;
    int align = c->portrait ? AL_CENTER : AL_START;
    const char *t = S(c, desk ? AM_STR_STAFF_WAIT_TITLE_DESK : AM_STR_STAFF_WAIT_TITLE);
    tstyle st = style(AM_FONT_BOLD, 56, align, c->primary);
    st.middle = true;
    int th = am_lay_title_height(c, t, cw, 56);
    am_lay_put_text(c, t, rect(c->M, y, cw, th), st, -1);
    y += th + U(c, 20);

    /* Who: the team, headed by "we are calling" until the hub has it;
     * then that they are on the way (the team's own words for staff_now),
     * what thanks would say for an urgent report otherwise. */
    const char *status = promise_text(c);
    int pad = U(c, 28);
    int inner = cw - 2 * pad;
    /* Sent to staff instead: nobody may be said to be called. */
    int head_h = desk ? 0 : U(c, 40), team_h = desk ? 0 : U(c, 64), ack_h = U(c, 44);
    /* The last line: who took the call, once the hub says so; a long name
     * of a long-named team takes two lines. */
    const char *team = NULL;
    const char *by = am_journey_taken_by(c->j, &team);
    const char *line = NULL;
    if (by && !desk) {
        line = team && team[0] ? am_lay_with_field(c, S(c, AM_STR_STAFF_WAIT_TAKEN), "{team}", team)
                               : S(c, AM_STR_STAFF_WAIT_TAKEN_ALONE);
        line = am_lay_with_field(c, line, "{name}", by);
        int lh = am_lay_text_height(c, line, inner, AM_FONT_BOLD, 30);
        if (lh > ack_h)
            ack_h = lh < U(c, 88) ? lh : U(c, 88);
    }
    int sh = am_lay_text_height(c, status, inner, AM_FONT_REGULAR, 30);
    /* The case code, as on thanks: a guest who leaves from here never sees
     * thanks, and it is what they quote to staff or type to check on it. */
    const char *reference = am_journey_reference(c->j);
    int ref_head_h = 0, ref_h = 0;
    if (reference) {
        ref_head_h = am_lay_text_height(c, S(c, AM_STR_THANKS_REFERENCE), cw, AM_FONT_REGULAR, 24);
        if (ref_head_h < U(c, 36))
            ref_head_h = U(c, 36);
        ref_h = U(c, 16) + ref_head_h + U(c, 60);
    }
    int room = bottom - y - 2 * pad - head_h - team_h - ack_h - U(c, 24) - ref_h;
    if (sh > room)
        sh = room > U(c, 64) ? room : U(c, 64);
    am_rect card = rect(c->M, y, cw, 2 * pad + head_h + team_h + U(c, 12) + sh + U(c, 12) + ack_h);
    am_lay_fill(c, card, c->surface, U(c, 18), c->border, U(c, 2));
    am_lay_fill(c, rect(card.x, card.y, U(c, 8), card.h), c->accent, U(c, 4), 0, 0);
    int iy = card.y + pad;
    if (!desk) {
        st = style(AM_FONT_REGULAR, 26, align, c->muted);
        st.middle = true;
        am_lay_put_text(c,
                        S(c, urgent == AM_URGENT_CONFIRMED ? AM_STR_STAFF_WAIT_CALLED
                                                           : AM_STR_STAFF_WAIT_CALLING),
                        rect(card.x + pad, iy, inner, head_h), st, -1);
        iy += head_h;
        st = style(AM_FONT_BOLD, 40, align, c->text);
        st.middle = true;
        am_lay_put_text(c, called_team(c), rect(card.x + pad, iy, inner, team_h), st, -1);
        iy += team_h + U(c, 12);
    }
    st = style(AM_FONT_BOLD, 30, align, c->text);
    am_lay_put_text(c, status, rect(card.x + pad, iy, inner, sh), st, -1);
    if (line) {
        st = style(AM_FONT_BOLD, 30, align, c->primary);
        st.middle = true;
        am_lay_put_text(c, line, rect(card.x + pad, iy + sh + U(c, 12), inner, ack_h), st, -1);
    }
    if (reference) {
        y = card.y + card.h + U(c, 16);
        st = style(AM_FONT_REGULAR, 24, align, c->muted);
        st.middle = true;
        am_lay_put_text(c, S(c, AM_STR_THANKS_REFERENCE), rect(c->M, y, cw, ref_head_h), st, -1);
        y += ref_head_h;
        st = style(AM_FONT_BOLD, 48, align, c->primary);
        st.middle = true;
        am_lay_put_text(c, reference, rect(c->M, y, cw, U(c, 60)), st, -1);
    }
}

static void screen_out_of_order(lay *c)
{
    int top = am_lay_header(c);
    int cw = c->W - 2 * c->M;
    int maxw = cw < U(c, 1000) ? cw : U(c, 1000);
    int x = (c->W - maxw) / 2;
    int card_h = U(c, 400);
    int y = top + (c->H - top - card_h) / 2;
    am_lay_fill(c, rect(x, y, maxw, card_h), c->surface, U(c, 24), c->border, U(c, 2));
    int pad = U(c, 40);
    tstyle st = style(AM_FONT_BOLD, 48, AL_CENTER, c->text);
    st.middle = true;
    am_lay_put_text(c, S(c, AM_STR_OUT_OF_ORDER_TITLE),
                    rect(x + pad, y + pad, maxw - 2 * pad, U(c, 150)), st, -1);
    st = style(AM_FONT_REGULAR, 32, AL_CENTER, c->muted);
    st.middle = true;
    am_lay_put_text(
        c, S(c, AM_STR_OUT_OF_ORDER_BODY),
        rect(x + pad, y + pad + U(c, 170), maxw - 2 * pad, card_h - 2 * pad - U(c, 170)), st, -1);
}

/* Dims what is behind a prompt by darkening its colours rather than
 * blending a veil over every pixel: the same look at a fraction of the
 * cost. */
static void dim(lay *c)
{
    for (int i = 0; i < c->l->cmd_count; i++) {
        am_cmd *cmd = &c->l->cmds[i];
        uint32_t alpha = cmd->color & 0xFF000000u;
        cmd->color = (mix(cmd->color, 0xFF101418u, 0.69) & 0xFFFFFFu) | alpha;
        alpha = cmd->border_color & 0xFF000000u;
        cmd->border_color = (mix(cmd->border_color, 0xFF101418u, 0.69) & 0xFFFFFFu) | alpha;
    }
}

/* The question followup asks before it finishes, on top of it: what is
 * asked (with the contact as typed, for consent), what the answer means,
 * and two large answers, each of which finishes or goes back. A tap
 * beside the card goes back to the screen (am_ui_tap). */
static void ask_overlay(lay *c, am_question q)
{
    dim(c);
    bool consent = q == AM_ASK_CONSENT;
    int cw = c->W - 2 * c->M;
    int w = cw < U(c, 820) ? cw : U(c, 820);
    int pad = U(c, 36), inner = w - 2 * pad;
    const char *title = S(c, consent ? AM_STR_ASK_CONTACT_TITLE : AM_STR_ASK_DISCARD_TITLE);
    const char *body = !consent ? S(c, AM_STR_ASK_DISCARD_BODY)
                       : am_journey_cant_wait(c->j) || am_journey_contact_promised(c->j)
                           ? S(c, AM_STR_ASK_CONTACT_BODY_PROMISED)
                           : S(c, AM_STR_ASK_CONTACT_BODY);
    int th = am_lay_text_height(c, title, inner, AM_FONT_BOLD, 40);
    if (th > U(c, 150))
        th = U(c, 150);
    int contact_h = consent ? U(c, 64) + U(c, 16) : 0;
    int bh = am_lay_text_height(c, body, inner, AM_FONT_REGULAR, 26);
    if (bh > U(c, 120))
        bh = U(c, 120);
    int button_h = U(c, 92);
    int h = 2 * pad + th + U(c, 16) + contact_h + bh + U(c, 28) + button_h;
    am_rect card = rect((c->W - w) / 2, (c->H - h) / 2, w, h);
    c->l->asking = true;
    c->l->ask_card = card;
    am_lay_fill(c, card, c->bg, U(c, 26), 0, 0);
    int y = card.y + pad;
    tstyle st = style(AM_FONT_BOLD, 40, AL_CENTER, c->text);
    st.middle = true;
    am_lay_put_text(c, title, rect(card.x + pad, y, inner, th), st, -1);
    y += th + U(c, 16);
    if (consent) {
        /* The contact exactly as typed, so the guest sees what they
         * agree to; the guest's own words, wiped with the journey. */
        am_rect box = rect(card.x + pad, y, inner, U(c, 64));
        am_lay_fill(c, box, c->tint, U(c, 14), 0, 0);
        st = style(AM_FONT_BOLD, 30, AL_CENTER, c->text);
        st.middle = true;
        st.flags = AM_TF_GUEST;
        st.min_scale = 0.5;
        am_lay_put_text(c, c->r->contact, inset(box, U(c, 10)), st, -1);
        y += contact_h;
    }
    st = style(AM_FONT_REGULAR, 26, AL_CENTER, c->muted);
    st.middle = true;
    am_lay_put_text(c, body, rect(card.x + pad, y, inner, bh), st, -1);
    y += bh + U(c, 28);
    int gap = U(c, 20);
    int bw = (inner - gap) / 2;
    /* The first answer is the one that keeps what the guest gave. */
    am_lay_button(c, consent ? "ask.contact_yes" : "ask.keep", AM_WK_PRIMARY,
                  rect(card.x + pad, y, bw, button_h),
                  S(c, consent ? AM_STR_ASK_CONTACT_YES : AM_STR_ASK_KEEP), AM_WF_OVERLAY);
    am_lay_button(c, consent ? "ask.contact_no" : "ask.discard", AM_WK_BUTTON,
                  rect(card.x + pad + bw + gap, y, bw, button_h),
                  S(c, consent ? AM_STR_ASK_CONTACT_NO : AM_STR_ASK_DISCARD), AM_WF_OVERLAY);
}

/* "Still there?": dims the screen; any tap answers it. */
static void idle_overlay(lay *c, int seconds)
{
    dim(c);
    int cw = c->W - 2 * c->M;
    int w = cw < U(c, 760) ? cw : U(c, 760);
    int h = U(c, 470);
    am_rect card = rect((c->W - w) / 2, (c->H - h) / 2, w, h);
    am_lay_fill(c, card, c->bg, U(c, 26), 0, 0);
    int pad = U(c, 36);
    int y = card.y + pad;
    tstyle st = style(AM_FONT_BOLD, 44, AL_CENTER, c->text);
    st.middle = true;
    am_lay_put_text(c, S(c, AM_STR_IDLE_TITLE), rect(card.x + pad, y, w - 2 * pad, U(c, 64)), st,
                    -1);
    y += U(c, 64) + U(c, 8);
    st = style(AM_FONT_REGULAR, 28, AL_CENTER, c->muted);
    st.middle = true;
    am_lay_put_text(c, S(c, AM_STR_IDLE_BODY), rect(card.x + pad, y, w - 2 * pad, U(c, 84)), st,
                    -1);
    y += U(c, 84) + U(c, 16);
    int badge = U(c, 96);
    countdown(c, rect(card.x + (w - badge) / 2, y, badge, badge), seconds);
    y += badge + U(c, 24);
    const char *label = S(c, AM_STR_IDLE_STILL_HERE);
    int bw = am_lay_button_width(c, label, 320);
    if (bw > w - 2 * pad)
        bw = w - 2 * pad;
    am_lay_button(c, "still_here", AM_WK_PRIMARY, rect(card.x + (w - bw) / 2, y, bw, U(c, 84)),
                  label, AM_WF_OVERLAY);
}

/* Mirrors everything for right-to-left languages, except the keyboard. */
static void mirror(lay *c)
{
    am_layout *l = c->l;
    for (int i = 0; i < l->widget_count; i++) {
        am_widget *w = &l->widgets[i];
        if (!(w->flags & AM_WF_NOMIRROR))
            w->rect.x = c->W - w->rect.x - w->rect.w;
    }
    for (int i = 0; i < l->cmd_count; i++) {
        if (c->cmd_fixed[i])
            continue;
        am_cmd *cmd = &l->cmds[i];
        cmd->rect.x = c->W - cmd->rect.x - cmd->rect.w;
    }
    for (int i = 0; i < l->block_count; i++) {
        am_text_block *b = &l->blocks[i];
        if (b->first_cmd < l->cmd_count && c->cmd_fixed[b->first_cmd])
            continue;
        b->box.x = c->W - b->box.x - b->box.w;
    }
    if (l->asking)
        l->ask_card.x = c->W - l->ask_card.x - l->ask_card.w;
}

/* Moves the layout built in the lowest part of the screen down there; the
 * background (the first command) fills the whole screen again, and the
 * check knows where controls must stay under. */
static void low_reach(lay *c, int dy, int full_h)
{
    am_layout *l = c->l;
    for (int i = 0; i < l->cmd_count; i++)
        l->cmds[i].rect.y += dy;
    for (int i = 0; i < l->widget_count; i++)
        l->widgets[i].rect.y += dy;
    for (int i = 0; i < l->block_count; i++)
        l->blocks[i].box.y += dy;
    if (l->asking)
        l->ask_card.y += dy;
    if (l->cmd_count > 0)
        l->cmds[0].rect = rect(0, 0, c->W, full_h);
    c->H = full_h;
    l->height = full_h;
    l->reach_top = dy;
}

/* The ring around the widget a keypad or switch has reached: four bars
 * just outside it, in the text colour (at least 4.5:1 on the background in
 * every theme and mode), drawn last so nothing covers it. After the
 * mirror pass: the widget's rectangle is already where it shows. */
static void focus_ring(lay *c)
{
    const char *id = c->v->key_focus;
    const am_widget *w = id && *id ? am_layout_find(c->l, id) : NULL;
    if (!w)
        return;
    int gap = U(c, 5), t = U(c, 4) > 3 ? U(c, 4) : 3;
    am_rect r = rect(w->rect.x - gap - t, w->rect.y - gap - t, w->rect.w + 2 * (gap + t),
                     w->rect.h + 2 * (gap + t));
    uint32_t ink = c->text;
    c->no_mirror = true;
    am_lay_fill(c, rect(r.x, r.y, r.w, t), ink, 0, 0, 0);
    am_lay_fill(c, rect(r.x, r.y + r.h - t, r.w, t), ink, 0, 0, 0);
    am_lay_fill(c, rect(r.x, r.y, t, r.h), ink, 0, 0, 0);
    am_lay_fill(c, rect(r.x + r.w - t, r.y, t, r.h), ink, 0, 0, 0);
    c->no_mirror = false;
    c->l->key_focus = (int)(w - c->l->widgets);
}

void am_layout_build(am_layout *out, const am_view *v)
{
    lay c;
    memset(&c, 0, sizeof c);
    out->widget_count = out->cmd_count = out->block_count = 0;
    out->key_focus = -1;
    out->reach_top = 0;
    out->arena_used = 0;
    out->full = false;
    c.l = out;
    c.v = v;
    c.cfg = v->cfg;
    c.j = v->journey;
    c.r = am_journey_report(v->journey);
    c.lang = am_journey_lang(v->journey);
    if (c.lang < 0 || c.lang >= AM_LANG_COUNT)
        c.lang = AM_LANG_EN;
    c.W = v->width;
    c.H = v->height;
    /* Low reach on a portrait screen: the screen is laid out in its lowest
     * reach_max_fraction, then moved down there (low_reach below). */
    int reach_dy = 0;
    if ((am_journey_modes(v->journey) & AM_MODE_LOW_REACH) && c.H > c.W &&
        v->cfg->kiosk.reach_max_percent > 0 && v->cfg->kiosk.reach_max_percent < 100) {
        int low_h = (int)((long)c.H * v->cfg->kiosk.reach_max_percent / 100);
        if (low_h > c.W) /* stays portrait: the same layout, shorter */
            reach_dy = c.H - low_h;
        c.H -= reach_dy;
    }
    c.s = (c.W < c.H ? c.W : c.H) / 800.0;
    /* Low reach lays a portrait screen's lowest part out as a landscape
     * screen, as wide in design units as the landscape screens' layouts
     * need (text a little smaller: the price of keeping it all in reach). */
    if (reach_dy > 0 && c.s > c.W / 1100.0)
        c.s = c.W / 1100.0;
    c.portrait = c.H > c.W && reach_dy == 0;
    c.M = U(&c, c.portrait ? 36 : 48);
    c.kbd_cmd_begin = c.kbd_cmd_end = -1;
    const am_config *cfg = v->cfg;
    am_palette pal;
    unsigned modes = am_journey_modes(c.j);
    if (modes & AM_MODE_HIGH_CONTRAST)
        am_palette_high_contrast(&pal);
    else
        am_palette_make(cfg->theme.primary, cfg->theme.accent, cfg->theme.background,
                        cfg->theme.text, &pal);
    /* Large text is the guest's: the manager's screens keep their size. */
    c.ts = (modes & AM_MODE_LARGE_TEXT) && !am_screen_is_manager(am_journey_screen(c.j))
               ? AM_LARGE_TEXT_SCALE
               : 1.0;
    c.bg = pal.bg;
    c.text = pal.text;
    c.primary = pal.primary;
    c.accent = pal.accent;
    c.on_primary = pal.on_primary;
    c.muted = pal.muted;
    c.surface = pal.surface;
    c.border = pal.border;
    c.control = pal.control;
    c.field_bg = pal.field_bg;
    c.tint = pal.tint;
    c.panel = pal.panel;
    c.key_special = pal.key_special;
    c.notice = pal.notice;

    out->width = c.W;
    out->height = c.H;
    out->screen = am_journey_screen(c.j);
    out->lang = c.lang;
    out->rtl = am_lang_rtl(c.lang);
    int seconds = 0;
    out->prompting = am_journey_prompting(c.j, v->now_ms, &seconds);
    out->keyboard = false;

    am_lay_fill(&c, rect(0, 0, c.W, c.H), c.bg, 0, 0, 0);
    switch (out->screen) {
    case AM_SCREEN_ATTRACT:
        screen_attract(&c);
        break;
    case AM_SCREEN_CATEGORY:
        screen_category(&c);
        break;
    case AM_SCREEN_DETAILS:
        screen_details(&c);
        break;
    case AM_SCREEN_APOLOGY:
        screen_apology(&c);
        break;
    case AM_SCREEN_OFFER:
        screen_offer(&c);
        break;
    case AM_SCREEN_FOLLOWUP:
        screen_followup(&c);
        break;
    case AM_SCREEN_THANKS:
        screen_thanks(&c);
        break;
    case AM_SCREEN_STAFF_WAIT:
        screen_staff_wait(&c);
        break;
    case AM_SCREEN_MANAGER_PIN:
        am_lay_screen_manager_pin(&c);
        break;
    case AM_SCREEN_MANAGER:
        am_lay_screen_manager(&c);
        break;
    case AM_SCREEN_OUT_OF_ORDER:
    case AM_SCREEN_COUNT:
        screen_out_of_order(&c);
        break;
    }
    out->keyboard = c.kbd_cmd_begin >= 0;
    out->asking = false;
    out->ask_card = rect(0, 0, 0, 0);
    /* "Still there?" comes first; the question is back once answered. */
    am_question q = am_journey_question(c.j);
    if (q != AM_ASK_NONE && out->screen == AM_SCREEN_FOLLOWUP && !out->prompting)
        ask_overlay(&c, q);
    if (out->prompting)
        idle_overlay(&c, seconds);
    if (out->rtl)
        mirror(&c);
    if (reach_dy > 0)
        low_reach(&c, reach_dy, v->height);
    focus_ring(&c);
}
