/* layout_internal.h — internal to src/ui's layout: the building context and
 * the helpers the layout's files share. Not part of the public surface
 * (include/amends/layout.h is).
 *
 * The layout is one module in several files, one per topic:
 *   layout.c          am_layout_build: the guest's screens, the "still
 *                     there?" overlay and mirroring for right-to-left
 *   layout_text.c     text: measuring, wrapping, hyphenated breaks, direction
 *   layout_widget.c   draw commands, buttons, the common frame (header,
 *                     footer, titles), the on-screen keyboard, text fields
 *   layout_manager.c  the manager's screens: the PIN pad and manager mode
 *   layout_query.c    rects, finding and hitting widgets, am_layout_check
 */
#ifndef AMENDS_LAYOUT_INTERNAL_H
#define AMENDS_LAYOUT_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amends/layout.h"

/* ---- building context ------------------------------------------------------ */

typedef struct lay {
    am_layout *l;
    const am_view *v;
    const am_config *cfg;
    const am_journey *j;
    const am_report *r;
    int lang;
    double s;
    int W, H, M;
    bool portrait;
    /* palette.h: `control` outlines what can be tapped (3:1 to what is
     * around it); `border` only decorates. */
    uint32_t bg, text, muted, primary, on_primary, accent, surface, border, control, field_bg, tint;
    uint32_t panel, key_special, notice;
    double ts; /* text scale: 1, or more while the guest has large text on */
    int kbd_cmd_begin, kbd_cmd_end;
    bool no_mirror;                     /* commands emitted now keep their place */
    bool cmd_fixed[AM_LAYOUT_MAX_CMDS]; /* ... and which those were */
} lay;

static inline int U(const lay *c, double v)
{
    return (int)lround(v * c->s);
}

static inline const char *S(const lay *c, am_str s)
{
    return am_i18n_get(c->v->i18n, c->lang, s);
}

static inline am_rect rect(int x, int y, int w, int h)
{
    am_rect r = {x, y, w, h};
    return r;
}

static inline am_rect inset(am_rect r, int d)
{
    return rect(r.x + d, r.y + d, r.w - 2 * d, r.h - 2 * d);
}

/* ---- colours ------------------------------------------------------------ */

static inline uint32_t opaque(uint32_t rgb)
{
    return 0xFF000000u | (rgb & 0xFFFFFFu);
}

/* t = 0 gives a, t = 1 gives b. */
static inline uint32_t mix(uint32_t a, uint32_t b, double t)
{
    uint32_t out = 0xFF000000u;
    for (int shift = 0; shift < 24; shift += 8) {
        double ca = (a >> shift) & 0xFF, cb = (b >> shift) & 0xFF;
        out |= (uint32_t)lround(ca + (cb - ca) * t) << shift;
    }
    return out;
}

static inline double luminance(uint32_t c)
{
    return (0.2126 * ((c >> 16) & 0xFF) + 0.7152 * ((c >> 8) & 0xFF) + 0.0722 * (c & 0xFF)) / 255.0;
}

/* Text colour that reads on `bg`. */
static inline uint32_t ink_on(uint32_t bg)
{
    return luminance(bg) > 0.55 ? 0xFF1B1B1Fu : 0xFFFFFFFFu;
}

enum { AL_START = 0, AL_CENTER, AL_END };

/* How much larger text is while a guest has large text on. */
#define AM_LARGE_TEXT_SCALE 1.3

typedef struct tstyle {
    am_font font;
    double size; /* design units */
    int align;
    bool middle; /* centre vertically in the box */
    uint32_t color;
    unsigned flags; /* AM_TF_GUEST */
    bool tail;      /* a field: keep the last lines, never shrink */
    double min_scale;
} tstyle;

static inline tstyle style(am_font f, double size, int align, uint32_t color)
{
    tstyle st = {f, size, align, false, color, 0, false, 0.6};
    return st;
}

typedef struct footer_spec {
    const char *back_label; /* NULL: no back button */
    const char *skip_label; /* NULL: no skip */
    const char *skip_id;    /* NULL: "skip" */
    const char *primary_id; /* NULL: no primary */
    const char *primary_label;
    bool primary_enabled;
} footer_spec;

/* --- text (layout_text.c) ------------------------------------------------ */

/* Width in pixels of n bytes of t in font f at px. */
int am_lay_width_of(const lay *c, const char *t, size_t n, am_font f, int px);
/* A letter or digit of a script that spaces its words. */
bool am_lay_word_char(uint32_t cp);
/* Whether t reads right to left. */
bool am_lay_text_rtl(const lay *c, const char *t, size_t len);
/* Lays out text in box: wraps it, shrinks it to fit (a field keeps its last
 * lines instead); one TEXT command per line. Returns the height used. */
int am_lay_put_text(lay *c, const char *text, am_rect box, tstyle st, int widget);
/* The height text needs at full size when wrapped to w. */
int am_lay_text_height(lay *c, const char *text, int w, am_font f, double size);
/* The same at the text's normal size, large text or not: for a screen
 * whose room is tight, so that its geometry stays what it is normally and
 * large text takes only the room its boxes have to spare. */
int am_lay_text_height_normal(lay *c, const char *text, int w, am_font f, double size);

/* --- draw commands, widgets, frame, keyboard, fields (layout_widget.c) ---- */

/* A copy of n bytes of s in the layout's arena; NULL when it is full. */
char *am_lay_keep(lay *c, const char *s, size_t n);
/* A new draw command; NULL when the layout is full. */
am_cmd *am_lay_push_cmd(lay *c, am_cmd_type type, am_rect r);
/* A filled, rounded, bordered rectangle. */
void am_lay_fill(lay *c, am_rect r, uint32_t color, int radius, uint32_t border_color, int border);
/* An icon drawn in r. */
void am_lay_icon(lay *c, am_rect r, am_icon which, uint32_t color);
/* A widget with its event from the config; returns its index, -1 when full. */
int am_lay_add_widget(lay *c, const char *id, am_widget_kind kind, am_rect r, unsigned flags);
/* A button: background by kind and state, its label centred. */
int am_lay_button(lay *c, const char *id, am_widget_kind kind, am_rect r, const char *label,
                  unsigned flags);
/* The brand bar at the top; returns its height. */
int am_lay_header(lay *c);
/* The hidden manager gesture's corner. */
void am_lay_manager_corner(lay *c);
/* A button's width for label, at least min design units. */
int am_lay_button_width(lay *c, const char *label, double min);
/* Back, skip and the main action; returns the top of the footer. */
int am_lay_footer(lay *c, footer_spec f);
/* The on-screen keyboard's height. */
int am_lay_kbd_height(const lay *c);
/* The on-screen keyboard in area (never mirrored). */
void am_lay_keyboard(lay *c, am_rect area);
/* A label above a text field; returns the field's top. */
int am_lay_field_label(lay *c, const char *label, int x, int y, int w);
/* A text field showing the report's field f, with its caret when focused. */
void am_lay_text_field(lay *c, am_field f, am_rect r, const char *hint);
/* A screen title at y; returns the y under it. */
int am_lay_title(lay *c, const char *text, int y, double size, int lines_h);
/* A muted line under a title; returns the y under it. */
int am_lay_subtitle(lay *c, const char *text, int y, int h);
/* fmt with its first `field` replaced by value, kept in the arena. */
const char *am_lay_with_field(lay *c, const char *fmt, const char *field, const char *value);
/* A title's box height: one line, or two when a long name needs them. */
int am_lay_title_height(lay *c, const char *t, int w, double size);

/* --- the manager's screens (layout_manager.c) ----------------------------- */

/* The manager PIN pad. */
void am_lay_screen_manager_pin(lay *c);
/* Manager mode: alerts, the hub, counts, the sync log and the tools. */
void am_lay_screen_manager(lay *c);

#endif
