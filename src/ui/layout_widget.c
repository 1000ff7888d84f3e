/* layout_widget.c — the pieces every screen is built from: draw commands in
 * the layout's arrays, widgets and buttons, the common frame (header,
 * footer, titles), the on-screen keyboard and the guest's text fields. */
#include <stdio.h>
#include <string.h>

#include "amends/text.h"
#include "amends/widget.h"
#include "keyboard.h"
#include "layout_internal.h"

/* ---- building context ------------------------------------------------------ */

char *am_lay_keep(lay *c, const char *s, size_t n)
{
    am_layout *l = c->l;
    if (l->arena_used + n + 1 > sizeof l->arena) {
        l->full = true;
        return NULL;
    }
    char *p = l->arena + l->arena_used;
    memcpy(p, s, n);
    p[n] = '\0';
    l->arena_used += n + 1;
    return p;
}

am_cmd *am_lay_push_cmd(lay *c, am_cmd_type type, am_rect r)
{
    am_layout *l = c->l;
    if (l->cmd_count >= AM_LAYOUT_MAX_CMDS) {
        l->full = true;
        return NULL;
    }
    c->cmd_fixed[l->cmd_count] = c->no_mirror;
    am_cmd *cmd = &l->cmds[l->cmd_count++];
    memset(cmd, 0, sizeof *cmd);
    cmd->type = type;
    cmd->rect = r;
    return cmd;
}

void am_lay_fill(lay *c, am_rect r, uint32_t color, int radius, uint32_t border_color, int border)
{
    am_cmd *cmd = am_lay_push_cmd(c, AM_CMD_RECT, r);
    if (!cmd)
        return;
    cmd->color = color;
    cmd->radius = radius;
    cmd->border_color = border_color;
    cmd->border = border;
}

void am_lay_icon(lay *c, am_rect r, am_icon which, uint32_t color)
{
    am_cmd *cmd = am_lay_push_cmd(c, AM_CMD_ICON, r);
    if (cmd) {
        cmd->value = which;
        cmd->color = color;
    }
}

/* ---- widgets ------------------------------------------------------------------- */

int am_lay_add_widget(lay *c, const char *id, am_widget_kind kind, am_rect r, unsigned flags)
{
    am_layout *l = c->l;
    if (l->widget_count >= AM_LAYOUT_MAX_WIDGETS) {
        l->full = true;
        return -1;
    }
    int idx = l->widget_count++;
    am_widget *w = &l->widgets[idx];
    memset(w, 0, sizeof *w);
    snprintf(w->id, sizeof w->id, "%s", id);
    w->kind = kind;
    w->flags = flags;
    w->rect = r;
    if (am_widget_event(c->cfg, id, &w->event) == 0)
        w->action = AM_ACT_EVENT;
    return idx;
}

/* A button: background by kind and state, then its label centred. */
int am_lay_button(lay *c, const char *id, am_widget_kind kind, am_rect r, const char *label,
                  unsigned flags)
{
    int idx = am_lay_add_widget(c, id, kind, r, flags);
    bool selected = flags & AM_WF_SELECTED, disabled = flags & AM_WF_DISABLED;
    uint32_t bgc, fg, bc = 0;
    int border = 0;
    int radius = U(c, 14);
    switch (kind) {
    case AM_WK_PRIMARY:
        bgc = disabled ? mix(c->primary, c->bg, 0.55) : c->primary;
        fg = disabled ? mix(c->on_primary, bgc, 0.25) : c->on_primary;
        break;
    case AM_WK_CHIP:
        radius = r.h / 2;
        bgc = selected ? c->primary : c->surface;
        fg = selected ? c->on_primary : c->text;
        bc = selected ? c->primary : c->control;
        border = U(c, 2);
        break;
    case AM_WK_TILE:
    case AM_WK_CHOICE:
        radius = U(c, kind == AM_WK_TILE ? 18 : 14);
        bgc = selected ? c->tint : c->surface;
        fg = c->text;
        bc = selected ? c->primary : c->control;
        border = selected ? U(c, 4) : U(c, 2);
        break;
    default:
        bgc = c->surface;
        fg = c->primary;
        bc = c->control;
        border = U(c, 2);
        break;
    }
    am_lay_fill(c, r, bgc, radius, bc, border);
    int pad = U(c, kind == AM_WK_CHIP ? 14 : 20);
    am_rect box = rect(r.x + pad, r.y + U(c, 6), r.w - 2 * pad, r.h - U(c, 12));
    double size = kind == AM_WK_TILE ? 30 : kind == AM_WK_CHIP ? 24 : 28;
    tstyle st = style(kind == AM_WK_CHIP && !selected ? AM_FONT_REGULAR : AM_FONT_BOLD, size,
                      AL_CENTER, fg);
    st.middle = true;
    st.min_scale = 0.55;
    if (kind == AM_WK_CHOICE && selected) {
        /* A tick as well as colour, for guests who do not see colour. */
        int isz = U(c, 28);
        am_lay_icon(c, rect(r.x + pad, r.y + (r.h - isz) / 2, isz, isz), AM_ICON_CHECK, c->primary);
        box.x += isz + U(c, 8);
        box.w -= 2 * (isz + U(c, 8));
    }
    am_lay_put_text(c, label, box, st, idx);
    return idx;
}

/* ---- common frame ------------------------------------------------------------------ */

int am_lay_header(lay *c)
{
    int h = U(c, 72);
    am_lay_fill(c, rect(0, 0, c->W, h), c->primary, 0, 0, 0);
    int x = c->M;
    if (c->v->logo_w > 0 && c->v->logo_h > 0) {
        int lh = U(c, 48);
        int lw = (int)((long)c->v->logo_w * lh / c->v->logo_h);
        if (lw > U(c, 240))
            lw = U(c, 240);
        am_lay_push_cmd(c, AM_CMD_LOGO, rect(x, (h - lh) / 2, lw, lh));
        x += lw + U(c, 16);
    }
    const char *brand = c->cfg->theme.brand;
    tstyle st = style(AM_FONT_BOLD, 28, AL_START, c->on_primary);
    st.middle = true;
    am_lay_put_text(c, brand, rect(x, U(c, 8), c->W / 2 - x, h - U(c, 16)), st, -1);
    return h;
}

/* The hidden manager gesture: a plain corner of the screen on attract,
 * [manager] gesture_corner, as the screen is mounted (never mirrored). A
 * held press there opens the PIN pad (see ui_input.h); a tap does not. */
void am_lay_manager_corner(lay *c)
{
    int w = U(c, 96), h = U(c, 72);
    am_corner corner = c->cfg->manager.gesture_corner;
    int x = corner == AM_CORNER_TOP_LEFT || corner == AM_CORNER_BOTTOM_LEFT ? 0 : c->W - w;
    int y = corner == AM_CORNER_TOP_LEFT || corner == AM_CORNER_TOP_RIGHT ? 0 : c->H - h;
    am_lay_add_widget(c, "manager", AM_WK_HIDDEN, rect(x, y, w, h), AM_WF_NOMIRROR);
}

int am_lay_button_width(lay *c, const char *label, double min)
{
    int w = am_lay_width_of(c, label, strlen(label), AM_FONT_BOLD, U(c, 28)) + U(c, 72);
    return w > U(c, min) ? w : U(c, min);
}

/* Back at the start, the main action at the end, skip beside it. Returns
 * the top of the footer. */
int am_lay_footer(lay *c, footer_spec f)
{
    int fh = U(c, 104), bh = U(c, 76);
    int top = c->H - fh;
    int y = top + (fh - bh) / 2;
    am_lay_fill(c, rect(0, top, c->W, U(c, 2)), c->border, 0, 0, 0);
    int room = c->W - 2 * c->M;
    int back_w = f.back_label ? am_lay_button_width(c, f.back_label, 180) : 0;
    int skip_w = f.skip_label ? am_lay_button_width(c, f.skip_label, 180) : 0;
    int prim_w = f.primary_id ? am_lay_button_width(c, f.primary_label, 260) : 0;
    int gap = U(c, 16);
    int need = back_w + skip_w + prim_w + gap * 2;
    if (need > room) {
        /* Narrow screens: share the row in proportion. */
        double k = (double)(room - gap * 2) / (back_w + skip_w + prim_w);
        back_w = (int)(back_w * k);
        skip_w = (int)(skip_w * k);
        prim_w = (int)(prim_w * k);
    }
    if (f.back_label)
        am_lay_button(c, "back", AM_WK_BUTTON, rect(c->M, y, back_w, bh), f.back_label, 0);
    int x = c->W - c->M;
    if (f.primary_id) {
        x -= prim_w;
        am_lay_button(c, f.primary_id, AM_WK_PRIMARY, rect(x, y, prim_w, bh), f.primary_label,
                      f.primary_enabled ? 0 : AM_WF_DISABLED);
        x -= gap;
    }
    if (f.skip_label) {
        x -= skip_w;
        am_lay_button(c, f.skip_id ? f.skip_id : "skip", AM_WK_BUTTON, rect(x, y, skip_w, bh),
                      f.skip_label, 0);
    }
    return top;
}

/* ---- keyboard ----------------------------------------------------------------- */

int am_lay_kbd_height(const lay *c)
{
    return am_kbd_height(c->s, c->portrait);
}

static void key(lay *c, const am_kbd_key *k)
{
    am_rect r = k->rect;
    int idx = am_lay_add_widget(c, k->id, AM_WK_KEY, r, AM_WF_NOMIRROR);
    if (idx < 0)
        return;
    am_widget *w = &c->l->widgets[idx];
    w->action = k->action;
    w->value = k->value;
    if (k->action == AM_ACT_EVENT) {
        w->event.type = AM_EV_BACKSPACE;
        w->event.value = 0;
    }
    if (k->typed[0])
        snprintf(w->key_text, sizeof w->key_text, "%s", k->typed);
    bool active = k->action == AM_ACT_KBD_SHIFT && c->v->kbd.shift;
    uint32_t bgc = active ? c->primary : k->special ? c->key_special : c->surface;
    uint32_t fg = active ? c->on_primary : c->text;
    am_lay_fill(c, r, bgc, U(c, 10), c->control, U(c, 1) > 0 ? U(c, 1) : 1);
    if (k->has_icon) {
        int sz = r.h * 5 / 10;
        am_lay_icon(c, rect(r.x + (r.w - sz) / 2, r.y + (r.h - sz) / 2, sz, sz), k->icon, fg);
    } else if (k->label) {
        tstyle st = style(AM_FONT_REGULAR, k->special ? 22 : 28, AL_CENTER, fg);
        st.middle = true;
        st.min_scale = 0.5;
        int pad = U(c, 4);
        am_lay_put_text(c, k->label, rect(r.x + pad, r.y + pad, r.w - 2 * pad, r.h - 2 * pad), st,
                        idx);
    }
}

void am_lay_keyboard(lay *c, am_rect area)
{
    c->kbd_cmd_begin = c->l->cmd_count;
    c->no_mirror = true;
    am_lay_fill(c, rect(0, area.y - U(c, 10), c->W, area.h + U(c, 20)), c->panel, 0, 0, 0);
    /* Automatic capital at the start of a field, as phones do. */
    /* The contact field stays lower case: an email address. */
    am_field focus = am_journey_focus(c->j);
    const char *focused = focus == AM_FIELD_CONTACT ? NULL : am_report_text(c->r, focus);
    bool empty = focused && !focused[0];
    am_kbd_spec spec = {.state = c->v->kbd,
                        .upper = c->v->kbd.shift != empty,
                        .scale = c->s,
                        .portrait = c->portrait,
                        .area = area,
                        .email = focus == AM_FIELD_CONTACT,
                        .space_label = S(c, AM_STR_KBD_SPACE)};
    am_kbd_key keys[AM_KBD_MAX_KEYS];
    int n = am_kbd_keys(&spec, keys, AM_KBD_MAX_KEYS);
    for (int i = 0; i < n; i++)
        key(c, &keys[i]);
    c->kbd_cmd_end = c->l->cmd_count;
    c->no_mirror = false;
}

/* ---- fields ---------------------------------------------------------------------- */

static const char *field_text(const am_report *r, am_field f)
{
    const char *text = am_report_text(r, f);
    return text ? text : "";
}

/* A label above a text field; returns the field's top. */
int am_lay_field_label(lay *c, const char *label, int x, int y, int w)
{
    int h = U(c, 36);
    tstyle st = style(AM_FONT_BOLD, 24, AL_START, c->text);
    st.middle = true;
    am_lay_put_text(c, label, rect(x, y, w, h), st, -1);
    return y + h + U(c, 4);
}

void am_lay_text_field(lay *c, am_field f, am_rect r, const char *hint)
{
    bool focused = am_journey_focus(c->j) == f;
    int idx = am_lay_add_widget(c, am_field_widget(f), AM_WK_FIELD, r, focused ? AM_WF_FOCUSED : 0);
    am_lay_fill(c, r, c->field_bg, U(c, 12), focused ? c->primary : c->control,
                focused ? U(c, 4) : U(c, 2));
    int pad = U(c, 16);
    bool single = r.h < U(c, 90);
    /* Arabic needs tall lines for its marks: a one-line field gives its
     * text nearly the whole height. */
    am_rect box = single ? rect(r.x + pad, r.y + U(c, 2), r.w - 2 * pad, r.h - U(c, 4))
                         : rect(r.x + pad, r.y + U(c, 8), r.w - 2 * pad, r.h - U(c, 16));
    const char *value = field_text(c->r, f);
    int caret_x = box.x, caret_y = box.y, caret_h = U(c, 34);
    int caret_w = U(c, 3) > 2 ? U(c, 3) : 2;
    if (value[0]) {
        tstyle st = style(AM_FONT_REGULAR, 26, AL_START, c->text);
        st.flags = AM_TF_GUEST;
        st.tail = true;
        if (single)
            st.middle = true;
        /* The caret goes at the logical end of the text: right of a left to
         * right line, left of a right to left one, as the guest sees it
         * (after an Arabic screen is mirrored). Room for it is kept on that
         * side, so it never covers a letter. */
        bool after_right = am_lay_text_rtl(c, value, strlen(value)) == c->l->rtl;
        int room = U(c, 6);
        int before = c->l->cmd_count;
        am_lay_put_text(c, value,
                        rect(after_right ? box.x : box.x + room, box.y, box.w - room, box.h), st,
                        idx);
        for (int i = c->l->cmd_count - 1; i >= before; i--) {
            am_cmd *cmd = &c->l->cmds[i];
            if (cmd->type != AM_CMD_TEXT)
                continue;
            caret_x =
                after_right ? cmd->rect.x + cmd->rect.w + U(c, 2) : cmd->rect.x - U(c, 2) - caret_w;
            caret_y = cmd->rect.y;
            caret_h = cmd->rect.h;
            break;
        }
    } else if (hint) {
        tstyle st = style(AM_FONT_REGULAR, 26, AL_START, c->muted);
        st.middle = r.h < U(c, 90);
        am_lay_put_text(c, hint, rect(box.x + U(c, 8), box.y, box.w - U(c, 8), box.h), st, idx);
        if (c->l->rtl)
            caret_x = box.x;
        caret_h = U(c, 34);
        if (r.h < U(c, 90))
            caret_y = r.y + (r.h - caret_h) / 2;
    }
    if (focused) {
        if (caret_x < box.x)
            caret_x = box.x;
        if (caret_x > box.x + box.w - caret_w)
            caret_x = box.x + box.w - caret_w;
        am_lay_fill(c, rect(caret_x, caret_y, caret_w, caret_h), c->primary, 0, 0, 0);
    }
}

/* ---- titles and wording ------------------------------------------------------- */

int am_lay_title(lay *c, const char *text, int y, double size, int lines_h)
{
    tstyle st = style(AM_FONT_BOLD, size, c->portrait ? AL_CENTER : AL_START, c->text);
    st.middle = true;
    am_lay_put_text(c, text, rect(c->M, y, c->W - 2 * c->M, U(c, lines_h)), st, -1);
    return y + U(c, lines_h);
}

int am_lay_subtitle(lay *c, const char *text, int y, int h)
{
    tstyle st = style(AM_FONT_REGULAR, 26, c->portrait ? AL_CENTER : AL_START, c->muted);
    st.middle = true;
    am_lay_put_text(c, text, rect(c->M, y, c->W - 2 * c->M, U(c, h)), st, -1);
    return y + U(c, h);
}

/* fmt with its first `field` ("{name}", "{days}") replaced by value. */
const char *am_lay_with_field(lay *c, const char *fmt, const char *field, const char *value)
{
    char buf[1024];
    if (!fmt)
        return ""; /* the arena is full: am_layout_check reports it */
    const char *at = strstr(fmt, field);
    if (!at)
        return fmt;
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - fmt), fmt, value, at + strlen(field));
    return am_lay_keep(c, buf, strlen(buf));
}

/* A title's box: one line, or two when a long name needs them. */
int am_lay_title_height(lay *c, const char *t, int w, double size)
{
    /* A title's room is what its normal size needs: large text shows it
     * larger within that room, never pushing the screen down. */
    int h = am_lay_text_height_normal(c, t, w, AM_FONT_BOLD, size);
    if (h < U(c, 80))
        h = U(c, 80);
    if (h > U(c, 170))
        h = U(c, 170);
    return h;
}
