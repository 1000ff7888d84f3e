/* layout.c — every kiosk screen as data (see layout.h). No SDL here: text
 * is measured through the view's callback, so unit tests can build and
 * inspect any screen in any language at any size. */
#include "amends/layout.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "amends/text.h"
#include "amends/widget.h"
#include "hyphen.h"
#include "keyboard.h"

/* ---- rects ------------------------------------------------------------- */

bool am_rect_contains(am_rect r, int x, int y)
{
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

bool am_rect_overlaps(am_rect a, am_rect b)
{
    return a.w > 0 && a.h > 0 && b.w > 0 && b.h > 0 && a.x < b.x + b.w && b.x < a.x + a.w &&
           a.y < b.y + b.h && b.y < a.y + a.h;
}

bool am_rect_inside(am_rect in, am_rect out)
{
    return in.x >= out.x && in.y >= out.y && in.x + in.w <= out.x + out.w &&
           in.y + in.h <= out.y + out.h;
}

static am_rect rect(int x, int y, int w, int h)
{
    am_rect r = {x, y, w, h};
    return r;
}

static am_rect inset(am_rect r, int d)
{
    return rect(r.x + d, r.y + d, r.w - 2 * d, r.h - 2 * d);
}

/* ---- colours ------------------------------------------------------------ */

static uint32_t opaque(uint32_t rgb)
{
    return 0xFF000000u | (rgb & 0xFFFFFFu);
}

/* t = 0 gives a, t = 1 gives b. */
static uint32_t mix(uint32_t a, uint32_t b, double t)
{
    uint32_t out = 0xFF000000u;
    for (int shift = 0; shift < 24; shift += 8) {
        double ca = (a >> shift) & 0xFF, cb = (b >> shift) & 0xFF;
        out |= (uint32_t)lround(ca + (cb - ca) * t) << shift;
    }
    return out;
}

static double luminance(uint32_t c)
{
    return (0.2126 * ((c >> 16) & 0xFF) + 0.7152 * ((c >> 8) & 0xFF) + 0.0722 * (c & 0xFF)) / 255.0;
}

/* Text colour that reads on `bg`. */
static uint32_t ink_on(uint32_t bg)
{
    return luminance(bg) > 0.55 ? 0xFF1B1B1Fu : 0xFFFFFFFFu;
}

/* ---- UTF-8 and script ---------------------------------------------------- */

/* CJK punctuation that must not start a line. */
static bool no_break_before(uint32_t cp)
{
    static const uint32_t closers[] = {0x3001, 0x3002, 0xFF0C, 0xFF01, 0xFF1F,
                                       0xFF1A, 0xFF1B, 0xFF09, 0x300D, 0x300F};
    for (size_t i = 0; i < sizeof closers / sizeof closers[0]; i++) {
        if (cp == closers[i])
            return true;
    }
    return false;
}

static bool has_arabic(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += (size_t)am_utf8_next(s, len, i, &cp);
        if (am_script_arabic(cp))
            return true;
    }
    return false;
}

/* Direction of the first letter: 1 right to left, 0 left to right, -1 when
 * there is no letter. */
static int first_strong(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += (size_t)am_utf8_next(s, len, i, &cp);
        if (am_script_arabic(cp))
            return 1;
        if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
            (cp >= 0xC0 && cp != 0xD7 && cp != 0xF7 && cp < 0x2000))
            return 0;
        if (am_script_cjk(cp))
            return 0;
    }
    return -1;
}

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
    uint32_t bg, text, muted, primary, on_primary, accent, surface, border, field_bg, tint;
    int kbd_cmd_begin, kbd_cmd_end;
    bool no_mirror;                     /* commands emitted now keep their place */
    bool cmd_fixed[AM_LAYOUT_MAX_CMDS]; /* ... and which those were */
} lay;

static int U(const lay *c, double v)
{
    return (int)lround(v * c->s);
}

static const char *S(const lay *c, am_str s)
{
    return am_i18n_get(c->v->i18n, c->lang, s);
}

static char *keep(lay *c, const char *s, size_t n)
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

static am_cmd *push_cmd(lay *c, am_cmd_type type, am_rect r)
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

static void fill(lay *c, am_rect r, uint32_t color, int radius, uint32_t border_color, int border)
{
    am_cmd *cmd = push_cmd(c, AM_CMD_RECT, r);
    if (!cmd)
        return;
    cmd->color = color;
    cmd->radius = radius;
    cmd->border_color = border_color;
    cmd->border = border;
}

static void icon(lay *c, am_rect r, am_icon which, uint32_t color)
{
    am_cmd *cmd = push_cmd(c, AM_CMD_ICON, r);
    if (cmd) {
        cmd->value = which;
        cmd->color = color;
    }
}

/* ---- text ------------------------------------------------------------------- */

enum { AL_START = 0, AL_CENTER, AL_END };

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

static void measure(const lay *c, const char *t, size_t n, am_font f, int px, int *w, int *h)
{
    int ww = 0, hh = 0;
    c->v->measure(c->v->measure_ud, t, n, f, px, &ww, &hh);
    *w = ww;
    *h = hh;
}

static int width_of(const lay *c, const char *t, size_t n, am_font f, int px)
{
    int w, h;
    measure(c, t, n, f, px, &w, &h);
    return w;
}

#define MAX_LINES 64

/* Letters and digits of the scripts that space their words: the
 * characters a line must not come between without a hyphen. */
static bool word_char(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z');
    if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7 || am_script_cjk(cp))
        return false;
    if (cp >= 0x2000 && cp <= 0x2BFF) /* spaces, punctuation, symbols, arrows */
        return false;
    if (cp == 0x060C || cp == 0x061B || cp == 0x061F || cp == 0x06D4) /* Arabic punctuation */
        return false;
    if (cp >= 0x3000 && cp <= 0x303F) /* CJK punctuation */
        return false;
    return true;
}

static bool letter(uint32_t cp)
{
    return word_char(cp) && !(cp >= '0' && cp <= '9');
}

/* Characters after which a token (a path, an address, "a/b") may break
 * with no hyphen added. */
static bool break_after(uint32_t cp)
{
    return cp == '/' || cp == '.' || cp == '_' || cp == '-' || cp == ':' || cp == ';' ||
           cp == ',' || cp == '@' || cp == '?' || cp == '&' || cp == '=' || cp == 0x2010;
}

/* Width of t[0..n) with a hyphen after it. */
static int width_hyphen(const lay *c, const char *t, size_t n, am_font f, int px)
{
    char buf[512];
    if (n + 2 > sizeof buf)
        n = sizeof buf - 2; /* a longer piece is far wider than any line */
    memcpy(buf, t, n);
    buf[n] = '-';
    return width_of(c, buf, n + 1, f, px);
}

/* Where the first line of a word wider than the line ends: t[pos..end)
 * is the word (no spaces). *hyphen: a hyphen goes after the line. Best
 * first: the last hyphenation point of the screen's language that fits
 * with its hyphen (libhyphen; Latin words on Arabic and Chinese screens
 * count as English) or the last break after punctuation inside the token
 * ("a/b", an address) that fits; else between letters, with a hyphen. An
 * Arabic word is never broken: it keeps its line, and the text shrinks. */
static size_t split_word(const lay *c, const char *t, size_t pos, size_t end, int maxw, am_font f,
                         int px, bool *hyphen)
{
    *hyphen = false;
    if (has_arabic(t + pos, end - pos))
        return end;
    int lang = c->lang <= AM_LANG_DE ? c->lang : AM_LANG_EN;
    bool points[512];
    size_t n = end - pos < sizeof points ? end - pos : sizeof points;
    memset(points, 0, sizeof points);
    /* Hyphenation points of each run of letters in the token. */
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int step = am_utf8_next(t + pos, n, i, &cp);
        if (!letter(cp)) {
            i += (size_t)step;
            continue;
        }
        size_t run = i;
        while (i < n) {
            step = am_utf8_next(t + pos, n, i, &cp);
            if (!letter(cp))
                break;
            i += (size_t)step;
        }
        bool brk[AM_HYPHEN_WORD_MAX * 4];
        if (i - run <= sizeof brk && am_hyphen_points(lang, t + pos + run, i - run, brk) > 0) {
            for (size_t k = 1; k < i - run; k++)
                points[run + k] = brk[k];
        }
    }
    size_t best = 0, any = 0;
    bool best_hyphen = false;
    uint32_t prev = 0;
    /* Widths grow with the prefix: stop at the first that does not fit. */
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int step = am_utf8_next(t + pos, n, i, &cp);
        if (i > 0) {
            if (width_of(c, t + pos, i, f, px) > maxw)
                break;
            bool fits_hyphen = width_hyphen(c, t + pos, i, f, px) <= maxw;
            if (break_after(prev)) {
                best = i;
                best_hyphen = false;
            } else if (points[i] && fits_hyphen) {
                best = i;
                best_hyphen = true;
            }
            if (fits_hyphen || any == 0)
                any = i;
        }
        prev = cp;
        i += (size_t)step;
    }
    if (best > 0) {
        *hyphen = best_hyphen;
        return pos + best;
    }
    if (any == 0) /* one character: it is the line */
        return end;
    *hyphen = true;
    return pos + any;
}

/* Greedy line breaking: at spaces, at explicit "\n", and between CJK
 * characters; a word wider than the line is split by split_word (hyph[i]:
 * line i ends with a hyphen it adds). Returns the number of lines; *rest
 * is where unplaced text starts. */
static int wrap(const lay *c, const char *t, size_t len, int maxw, am_font f, int px,
                size_t *starts, size_t *lens, bool *hyph, int max_lines, size_t *rest)
{
    int n = 0;
    size_t pos = 0;
    while (pos < len && n < max_lines) {
        size_t best = (size_t)-1, best_next = 0;
        size_t i = pos;
        uint32_t prev = 0;
        for (;;) {
            bool opp = false;
            size_t next = i;
            uint32_t cp = 0;
            int step = i < len ? am_utf8_next(t, len, i, &cp) : 0;
            if (i == len) {
                opp = true;
            } else if (cp == '\n') {
                opp = true;
                next = i + 1;
            } else if (cp == ' ') {
                opp = true;
                while (next < len && t[next] == ' ')
                    next++;
            } else if (i > pos && (am_script_cjk(cp) || am_script_cjk(prev)) &&
                       !no_break_before(cp)) {
                opp = true;
            }
            if (opp && (i > pos || i == len || cp == '\n')) {
                if (width_of(c, t + pos, i - pos, f, px) <= maxw) {
                    best = i;
                    best_next = next;
                    if (i == len || cp == '\n')
                        break;
                } else {
                    break;
                }
            }
            if (i >= len)
                break;
            prev = cp;
            i += (size_t)step;
        }
        hyph[n] = false;
        if (best == (size_t)-1) {
            /* One word wider than the line: where it ends, then where its
             * first line may end. */
            size_t end = pos;
            while (end < len) {
                uint32_t cp;
                int step = am_utf8_next(t, len, end, &cp);
                if (cp == ' ' || cp == '\n' || (end > pos && am_script_cjk(cp)))
                    break;
                end += (size_t)step;
                if (am_script_cjk(cp))
                    break;
            }
            best = split_word(c, t, pos, end, maxw, f, px, &hyph[n]);
            best_next = best;
        }
        starts[n] = pos;
        lens[n] = best - pos;
        n++;
        pos = best_next;
    }
    *rest = pos;
    return n;
}

/* Line i of a wrap: its text and length, with the hyphen the wrap added
 * written after it into buf (a line longer than buf is measured without). */
static const char *line_of(const char *t, size_t start, size_t len, bool hyph, char *buf,
                           size_t buflen, size_t *out_len)
{
    *out_len = len;
    if (!hyph || len + 2 > buflen)
        return t + start;
    memcpy(buf, t + start, len);
    buf[len] = '-';
    buf[len + 1] = '\0';
    *out_len = len + 1;
    return buf;
}

/* Base direction: in a right-to-left screen any Arabic makes the line
 * right to left ("Amira، نعتذر" starts with a Latin name); elsewhere the
 * first letter decides (an Arabic comment on an English screen). */
static bool text_rtl(const lay *c, const char *t, size_t len)
{
    int dir = first_strong(t, len);
    return dir < 0 ? c->l->rtl : c->l->rtl ? has_arabic(t, len) : dir == 1;
}

/* Lays out `text` in `box`: wraps it, shrinks it until it fits (down to
 * min_scale of its size), or for a field keeps the last lines that fit.
 * Emits one TEXT command per line. Returns the height used. */
static int put_text(lay *c, const char *text, am_rect box, tstyle st, int widget)
{
    am_layout *l = c->l;
    if (!text || !*text || box.w <= 0 || box.h <= 0)
        return 0;
    if (l->block_count >= AM_LAYOUT_MAX_BLOCKS) {
        l->full = true;
        return 0;
    }
    size_t len = strlen(text);
    const char *t = keep(c, text, len);
    if (!t)
        return 0;
    am_text_block *b = &l->blocks[l->block_count++];
    memset(b, 0, sizeof *b);
    b->text = t;
    b->box = box;
    b->widget = widget;
    b->first_cmd = l->cmd_count;

    bool rtl = text_rtl(c, t, len);
    double min_scale = st.min_scale > 0 ? st.min_scale : 0.6;
    int base_px = U(c, st.size);
    int min_px = st.tail ? base_px : (int)lround(base_px * min_scale);
    if (min_px < 6)
        min_px = 6;

    size_t starts[MAX_LINES], lens[MAX_LINES];
    bool hyph[MAX_LINES];
    int heights[MAX_LINES], widths[MAX_LINES];
    int n = 0, px = base_px, total = 0;
    size_t rest = 0;
    char buf[512];
    for (;;) {
        n = wrap(c, t, len, box.w, st.font, px, starts, lens, hyph, MAX_LINES, &rest);
        total = 0;
        bool fits = rest >= len;
        for (int i = 0; i < n; i++) {
            size_t ll;
            const char *lt = line_of(t, starts[i], lens[i], hyph[i], buf, sizeof buf, &ll);
            measure(c, lt, ll ? ll : 1, st.font, px, &widths[i], &heights[i]);
            if (lens[i] == 0)
                widths[i] = 0;
            if (widths[i] > box.w)
                fits = false;
            total += heights[i];
        }
        if (total > box.h)
            fits = false;
        if (fits)
            break;
        if (st.tail) {
            /* A field shows its newest lines, where the caret is. */
            int first = 0;
            while (first < n - 1 && total > box.h)
                total -= heights[first++];
            memmove(starts, starts + first, (size_t)(n - first) * sizeof starts[0]);
            memmove(lens, lens + first, (size_t)(n - first) * sizeof lens[0]);
            memmove(heights, heights + first, (size_t)(n - first) * sizeof heights[0]);
            memmove(widths, widths + first, (size_t)(n - first) * sizeof widths[0]);
            memmove(hyph, hyph + first, (size_t)(n - first) * sizeof hyph[0]);
            n -= first;
            b->clipped = first > 0;
            if (total > box.h)
                b->overflow = true;
            break;
        }
        if (px <= min_px) {
            b->overflow = true;
            /* Draw what fits rather than spill over other things. */
            while (n > 1 && total > box.h)
                total -= heights[--n];
            break;
        }
        px = px * 92 / 100;
        if (px < min_px)
            px = min_px;
    }
    b->px = px;
    int y = box.y + (st.middle && total < box.h ? (box.h - total) / 2 : 0);
    for (int i = 0; i < n; i++) {
        int w = widths[i] < box.w ? widths[i] : box.w;
        int x = box.x;
        /* Start and end follow the screen: the mirror pass flips them for
         * right-to-left languages. */
        int align = st.align;
        if (align == AL_CENTER)
            x = box.x + (box.w - w) / 2;
        else if (align == AL_END)
            x = box.x + box.w - w;
        if (lens[i] > 0) {
            /* A hyphen the wrap added: the line is a copy that ends in it. */
            const char *lt = t + starts[i];
            size_t ll = lens[i];
            if (hyph[i]) {
                char *copy = keep(c, t + starts[i], lens[i] + 1);
                if (!copy)
                    break;
                copy[lens[i]] = '-';
                lt = copy;
                ll = lens[i] + 1;
            }
            am_cmd *cmd = push_cmd(c, AM_CMD_TEXT, rect(x, y, w, heights[i]));
            if (!cmd)
                break;
            cmd->text = lt;
            cmd->len = ll;
            cmd->font = st.font;
            cmd->px = px;
            cmd->color = st.color;
            cmd->text_flags = st.flags | (rtl ? AM_TF_RTL : 0) | (hyph[i] ? AM_TF_HYPHEN : 0);
            b->line_count++;
        }
        y += heights[i];
    }
    return total;
}

/* Height `text` takes at its full size in a box `w` wide. */
static int text_height(lay *c, const char *text, int w, am_font f, double size)
{
    size_t starts[MAX_LINES], lens[MAX_LINES], rest;
    bool hyph[MAX_LINES];
    int px = U(c, size);
    int n = wrap(c, text, strlen(text), w, f, px, starts, lens, hyph, MAX_LINES, &rest);
    int total = 0;
    char buf[512];
    for (int i = 0; i < n; i++) {
        int ww, hh;
        size_t ll;
        const char *lt = line_of(text, starts[i], lens[i], hyph[i], buf, sizeof buf, &ll);
        measure(c, lt, ll ? ll : 1, f, px, &ww, &hh);
        total += hh;
    }
    return total;
}

static tstyle style(am_font f, double size, int align, uint32_t color)
{
    tstyle st = {f, size, align, false, color, 0, false, 0.6};
    return st;
}

/* ---- widgets ------------------------------------------------------------------- */

static int add_widget(lay *c, const char *id, am_widget_kind kind, am_rect r, unsigned flags)
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
static int button(lay *c, const char *id, am_widget_kind kind, am_rect r, const char *label,
                  unsigned flags)
{
    int idx = add_widget(c, id, kind, r, flags);
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
        bc = selected ? c->primary : c->border;
        border = U(c, 2);
        break;
    case AM_WK_TILE:
    case AM_WK_CHOICE:
        radius = U(c, kind == AM_WK_TILE ? 18 : 14);
        bgc = selected ? c->tint : c->surface;
        fg = c->text;
        bc = selected ? c->primary : c->border;
        border = selected ? U(c, 4) : U(c, 2);
        break;
    default:
        bgc = c->surface;
        fg = c->primary;
        bc = mix(c->primary, c->bg, 0.45);
        border = U(c, 2);
        break;
    }
    fill(c, r, bgc, radius, bc, border);
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
        icon(c, rect(r.x + pad, r.y + (r.h - isz) / 2, isz, isz), AM_ICON_CHECK, c->primary);
        box.x += isz + U(c, 8);
        box.w -= 2 * (isz + U(c, 8));
    }
    put_text(c, label, box, st, idx);
    return idx;
}

/* ---- common frame ------------------------------------------------------------------ */

static int header(lay *c)
{
    int h = U(c, 72);
    fill(c, rect(0, 0, c->W, h), c->primary, 0, 0, 0);
    int x = c->M;
    if (c->v->logo_w > 0 && c->v->logo_h > 0) {
        int lh = U(c, 48);
        int lw = (int)((long)c->v->logo_w * lh / c->v->logo_h);
        if (lw > U(c, 240))
            lw = U(c, 240);
        push_cmd(c, AM_CMD_LOGO, rect(x, (h - lh) / 2, lw, lh));
        x += lw + U(c, 16);
    }
    const char *brand = c->cfg->theme.brand;
    tstyle st = style(AM_FONT_BOLD, 28, AL_START, c->on_primary);
    st.middle = true;
    put_text(c, brand, rect(x, U(c, 8), c->W / 2 - x, h - U(c, 16)), st, -1);
    return h;
}

/* The hidden manager gesture: a plain corner of the screen on attract,
 * [manager] gesture_corner, as the screen is mounted (never mirrored). A
 * held press there opens the PIN pad (see ui_input.h); a tap does not. */
static void manager_corner(lay *c)
{
    int w = U(c, 96), h = U(c, 72);
    am_corner corner = c->cfg->manager.gesture_corner;
    int x = corner == AM_CORNER_TOP_LEFT || corner == AM_CORNER_BOTTOM_LEFT ? 0 : c->W - w;
    int y = corner == AM_CORNER_TOP_LEFT || corner == AM_CORNER_TOP_RIGHT ? 0 : c->H - h;
    add_widget(c, "manager", AM_WK_HIDDEN, rect(x, y, w, h), AM_WF_NOMIRROR);
}

static int button_width(lay *c, const char *label, double min)
{
    int w = width_of(c, label, strlen(label), AM_FONT_BOLD, U(c, 28)) + U(c, 72);
    return w > U(c, min) ? w : U(c, min);
}

typedef struct footer_spec {
    const char *back_label; /* NULL: no back button */
    const char *skip_label; /* NULL: no skip */
    const char *skip_id;    /* NULL: "skip" */
    const char *primary_id; /* NULL: no primary */
    const char *primary_label;
    bool primary_enabled;
} footer_spec;

/* Back at the start, the main action at the end, skip beside it. Returns
 * the top of the footer. */
static int footer(lay *c, footer_spec f)
{
    int fh = U(c, 104), bh = U(c, 76);
    int top = c->H - fh;
    int y = top + (fh - bh) / 2;
    fill(c, rect(0, top, c->W, U(c, 2)), c->border, 0, 0, 0);
    int room = c->W - 2 * c->M;
    int back_w = f.back_label ? button_width(c, f.back_label, 180) : 0;
    int skip_w = f.skip_label ? button_width(c, f.skip_label, 180) : 0;
    int prim_w = f.primary_id ? button_width(c, f.primary_label, 260) : 0;
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
        button(c, "back", AM_WK_BUTTON, rect(c->M, y, back_w, bh), f.back_label, 0);
    int x = c->W - c->M;
    if (f.primary_id) {
        x -= prim_w;
        button(c, f.primary_id, AM_WK_PRIMARY, rect(x, y, prim_w, bh), f.primary_label,
               f.primary_enabled ? 0 : AM_WF_DISABLED);
        x -= gap;
    }
    if (f.skip_label) {
        x -= skip_w;
        button(c, f.skip_id ? f.skip_id : "skip", AM_WK_BUTTON, rect(x, y, skip_w, bh),
               f.skip_label, 0);
    }
    return top;
}

/* ---- keyboard ----------------------------------------------------------------- */

static int kbd_height(const lay *c)
{
    return am_kbd_height(c->s, c->portrait);
}

static void key(lay *c, const am_kbd_key *k)
{
    am_rect r = k->rect;
    int idx = add_widget(c, k->id, AM_WK_KEY, r, AM_WF_NOMIRROR);
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
    uint32_t bgc = active ? c->primary : k->special ? mix(c->surface, c->text, 0.07) : c->surface;
    uint32_t fg = active ? c->on_primary : c->text;
    fill(c, r, bgc, U(c, 10), c->border, U(c, 1) > 0 ? U(c, 1) : 1);
    if (k->has_icon) {
        int sz = r.h * 5 / 10;
        icon(c, rect(r.x + (r.w - sz) / 2, r.y + (r.h - sz) / 2, sz, sz), k->icon, fg);
    } else if (k->label) {
        tstyle st = style(AM_FONT_REGULAR, k->special ? 22 : 28, AL_CENTER, fg);
        st.middle = true;
        st.min_scale = 0.5;
        int pad = U(c, 4);
        put_text(c, k->label, rect(r.x + pad, r.y + pad, r.w - 2 * pad, r.h - 2 * pad), st, idx);
    }
}

static void keyboard(lay *c, am_rect area)
{
    c->kbd_cmd_begin = c->l->cmd_count;
    c->no_mirror = true;
    fill(c, rect(0, area.y - U(c, 10), c->W, area.h + U(c, 20)), mix(c->bg, c->text, 0.06), 0, 0,
         0);
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
static int field_label(lay *c, const char *label, int x, int y, int w)
{
    int h = U(c, 36);
    tstyle st = style(AM_FONT_BOLD, 24, AL_START, c->text);
    st.middle = true;
    put_text(c, label, rect(x, y, w, h), st, -1);
    return y + h + U(c, 4);
}

static void text_field(lay *c, am_field f, am_rect r, const char *hint)
{
    bool focused = am_journey_focus(c->j) == f;
    int idx = add_widget(c, am_field_widget(f), AM_WK_FIELD, r, focused ? AM_WF_FOCUSED : 0);
    fill(c, r, c->field_bg, U(c, 12), focused ? c->primary : c->border,
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
        bool after_right = text_rtl(c, value, strlen(value)) == c->l->rtl;
        int room = U(c, 6);
        int before = c->l->cmd_count;
        put_text(c, value, rect(after_right ? box.x : box.x + room, box.y, box.w - room, box.h), st,
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
        put_text(c, hint, rect(box.x + U(c, 8), box.y, box.w - U(c, 8), box.h), st, idx);
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
        fill(c, rect(caret_x, caret_y, caret_w, caret_h), c->primary, 0, 0, 0);
    }
}

/* ---- screens ------------------------------------------------------------------------ */

static int title(lay *c, const char *text, int y, double size, int lines_h)
{
    tstyle st = style(AM_FONT_BOLD, size, c->portrait ? AL_CENTER : AL_START, c->text);
    st.middle = true;
    put_text(c, text, rect(c->M, y, c->W - 2 * c->M, U(c, lines_h)), st, -1);
    return y + U(c, lines_h);
}

static int subtitle(lay *c, const char *text, int y, int h)
{
    tstyle st = style(AM_FONT_REGULAR, 26, c->portrait ? AL_CENTER : AL_START, c->muted);
    st.middle = true;
    put_text(c, text, rect(c->M, y, c->W - 2 * c->M, U(c, h)), st, -1);
    return y + U(c, h);
}

static void screen_attract(lay *c)
{
    int top = header(c);
    manager_corner(c);
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
        chip_w[i] = width_of(c, name, strlen(name), AM_FONT_BOLD, U(c, 24)) + U(c, 56);
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
    int title_h = text_height(c, t, maxw, AM_FONT_BOLD, 64);
    if (title_h > U(c, 180))
        title_h = U(c, 180);
    int body_h = text_height(c, body, maxw, AM_FONT_REGULAR, 30);
    if (body_h > U(c, 100))
        body_h = U(c, 100);
    int start_h = U(c, 100);
    int block = title_h + U(c, 20) + body_h + U(c, 44) + start_h;
    int avail_top = top + U(c, 24), avail_bottom = chips_y - U(c, 24);
    int y = avail_top + (avail_bottom - avail_top - block) / 2;
    if (y < avail_top)
        y = avail_top;
    tstyle st = style(AM_FONT_BOLD, 64, AL_CENTER, c->text);
    st.middle = true;
    put_text(c, t, rect(x, y, maxw, title_h), st, -1);
    y += title_h + U(c, 20);
    st = style(AM_FONT_REGULAR, 30, AL_CENTER, c->muted);
    st.middle = true;
    put_text(c, body, rect(x, y, maxw, body_h), st, -1);
    y += body_h + U(c, 44);
    const char *start = S(c, AM_STR_ATTRACT_START);
    int sw = width_of(c, start, strlen(start), AM_FONT_BOLD, U(c, 28)) + U(c, 120);
    if (sw < U(c, 440))
        sw = U(c, 440);
    if (sw > maxw)
        sw = maxw;
    button(c, "start", AM_WK_PRIMARY, rect((c->W - sw) / 2, y, sw, start_h), start, 0);

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
                button(c, id, AM_WK_CHIP, rect(cx, cy, chip_w[i], chip_h),
                       am_i18n_get(c->v->i18n, lang, AM_STR_LANG_NAME),
                       lang == c->lang ? AM_WF_SELECTED : 0);
                cx += chip_w[i] + gap;
            }
            cy += chip_h + gap;
            row_start = row_end;
        }
    }
    st = style(AM_FONT_REGULAR, 22, AL_CENTER, c->muted);
    st.middle = true;
    put_text(c, S(c, AM_STR_ATTRACT_PRIVACY), rect(c->M, bottom, cw, privacy_h), st, -1);
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
    int y = header(c) + U(c, 20);
    y = title(c, S(c, AM_STR_CATEGORY_TITLE), y, 48, 64);
    y = subtitle(c, S(c, AM_STR_CATEGORY_BODY), y, 40) + U(c, 20);
    footer_spec f = {.back_label = S(c, AM_STR_CANCEL)};
    int bottom = footer(c, f) - U(c, 20);
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
        button(c, id, AM_WK_TILE, cells[i], am_text_get(&c->cfg->categories[i].label, c->lang),
               selected ? AM_WF_SELECTED : 0);
    }
}

static void screen_details(lay *c)
{
    int y = header(c) + U(c, 16);
    y = title(c, S(c, AM_STR_DETAILS_TITLE), y, 44, 56) + U(c, 8);
    footer_spec f = {.back_label = S(c, AM_STR_BACK),
                     .primary_id = "next",
                     .primary_label = S(c, AM_STR_DETAILS_SEND),
                     .primary_enabled = am_journey_can_next(c->j)};
    int bottom = footer(c, f);
    bool kbd = am_journey_focus(c->j) != AM_FIELD_NONE;
    if (kbd) {
        int kh = kbd_height(c);
        keyboard(c, rect(c->M, bottom - U(c, 14) - kh, c->W - 2 * c->M, kh));
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
    int iy = field_label(c, S(c, AM_STR_DETAILS_IMPACT), c->M, y, left_w);
    int ry;
    if (c->portrait) {
        int bw = (cw - 2 * gap) / 3, bh = U(c, 76);
        for (int i = 0; i < 3; i++)
            button(c, impact_id[i], AM_WK_CHOICE, rect(c->M + i * (bw + gap), iy, bw, bh),
                   S(c, impact_str[i]), (int)c->r->severity == i + 1 ? AM_WF_SELECTED : 0);
        ry = iy + bh + U(c, 24);
    } else {
        int bh = (bottom - iy - 2 * gap);
        bh = bh / 3 < U(c, 76) ? bh / 3 : U(c, 76);
        for (int i = 0; i < 3; i++)
            button(c, impact_id[i], AM_WK_CHOICE, rect(c->M, iy + i * (bh + gap), left_w, bh),
                   S(c, impact_str[i]), (int)c->r->severity == i + 1 ? AM_WF_SELECTED : 0);
        ry = y;
    }
    int name_h = U(c, 64);
    int fy = field_label(c, S(c, AM_STR_DETAILS_DESCRIPTION), right_x, ry, right_w);
    int desc_h = bottom - fy - U(c, 12) - U(c, 40) - name_h;
    if (desc_h > U(c, 220))
        desc_h = U(c, 220);
    text_field(c, AM_FIELD_DESCRIPTION, rect(right_x, fy, right_w, desc_h),
               S(c, AM_STR_DETAILS_DESCRIPTION_HINT));
    fy = field_label(c, S(c, AM_STR_DETAILS_NAME), right_x, fy + desc_h + U(c, 12),
                     c->portrait ? right_w : right_w);
    text_field(c, AM_FIELD_NAME, rect(right_x, fy, right_w, name_h),
               S(c, AM_STR_DETAILS_NAME_HINT));
}

/* "{name}" in fmt replaced by the guest's first name. */
/* fmt with its first `field` ("{name}", "{days}") replaced by value. */
static const char *with_field(lay *c, const char *fmt, const char *field, const char *value)
{
    char buf[1024];
    if (!fmt)
        return ""; /* the arena is full: am_layout_check reports it */
    const char *at = strstr(fmt, field);
    if (!at)
        return fmt;
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - fmt), fmt, value, at + strlen(field));
    return keep(c, buf, strlen(buf));
}

static const char *with_name(lay *c, const char *fmt, const char *name)
{
    return with_field(c, fmt, "{name}", name);
}

/* A title's box: one line, or two when a long name needs them. */
static int title_height(lay *c, const char *t, int w, double size)
{
    int h = text_height(c, t, w, AM_FONT_BOLD, size);
    if (h < U(c, 80))
        h = U(c, 80);
    if (h > U(c, 170))
        h = U(c, 170);
    return h;
}

static int category_index(const lay *c)
{
    return am_config_category_index(c->cfg, c->r->category);
}

static void screen_apology(lay *c)
{
    int y = header(c) + U(c, 28);
    footer_spec f = {.primary_id = "next",
                     .primary_label = S(c, AM_STR_APOLOGY_CONTINUE),
                     .primary_enabled = true};
    int bottom = footer(c, f) - U(c, 20);
    int cat = category_index(c);
    const am_category_def *def = cat >= 0 ? &c->cfg->categories[cat] : NULL;
    bool named = c->r->first_name[0] != '\0';
    const char *t = named ? with_name(c, S(c, AM_STR_APOLOGY_TITLE_NAMED), c->r->first_name)
                          : S(c, AM_STR_APOLOGY_TITLE);
    tstyle st = style(AM_FONT_BOLD, 54, c->portrait ? AL_CENTER : AL_START, c->primary);
    st.middle = true;
    st.flags = named ? AM_TF_GUEST : 0;
    int cw = c->W - 2 * c->M;
    int th = title_height(c, t, cw, 54);
    put_text(c, t, rect(c->M, y, cw, th), st, -1);
    y += th + U(c, 12);
    const char *body = def && !am_text_empty(&def->apology) ? am_text_get(&def->apology, c->lang)
                                                            : S(c, AM_STR_APOLOGY_BODY);
    body = with_name(c, body, c->r->first_name);
    int body_h = text_height(c, body, cw, AM_FONT_REGULAR, 32);
    if (body_h > U(c, 150))
        body_h = U(c, 150);
    st = style(AM_FONT_REGULAR, 32, c->portrait ? AL_CENTER : AL_START, c->text);
    st.flags = named ? AM_TF_GUEST : 0;
    put_text(c, body, rect(c->M, y, cw, body_h), st, -1);
    y += body_h + U(c, 28);

    /* Only what went wrong: what happens next depends on the resolution
     * the guest has not chosen yet, so it is said on thanks. */
    const char *expl = def ? am_text_get(&def->explanation, c->lang) : "";
    int received_h = U(c, 44);
    int card_bottom = bottom - received_h - U(c, 12);
    if (expl[0]) {
        am_rect card = rect(c->M, y, cw, card_bottom - y);
        int pad = U(c, 28);
        int inner_w = cw - 2 * pad;
        int head_h = U(c, 44);
        int eh = text_height(c, expl, inner_w, AM_FONT_REGULAR, 28);
        int want = pad + head_h + U(c, 8) + eh + pad;
        if (want < card.h)
            card.h = want;
        fill(c, card, c->surface, U(c, 18), c->border, U(c, 2));
        fill(c, rect(card.x, card.y, U(c, 8), card.h), c->accent, U(c, 4), 0, 0);
        int iy = card.y + pad;
        st = style(AM_FONT_BOLD, 26, AL_START, c->text);
        st.middle = true;
        put_text(c, S(c, AM_STR_APOLOGY_WHY), rect(card.x + pad, iy, inner_w, head_h), st, -1);
        iy += head_h + U(c, 8);
        int room = card.y + card.h - pad - iy;
        st = style(AM_FONT_REGULAR, 28, AL_START, c->text);
        put_text(c, expl, rect(card.x + pad, iy, inner_w, room), st, -1);
    }
    int isz = U(c, 30);
    int ry = bottom - received_h;
    icon(c, rect(c->M, ry + (received_h - isz) / 2, isz, isz), AM_ICON_CHECK, c->accent);
    st = style(AM_FONT_REGULAR, 24, AL_START, c->muted);
    st.middle = true;
    put_text(c, S(c, AM_STR_APOLOGY_RECEIVED),
             rect(c->M + isz + U(c, 12), ry, cw - isz - U(c, 12), received_h), st, -1);
}

static void screen_resolution(lay *c)
{
    int y = header(c) + U(c, 16);
    bool kbd = am_journey_focus(c->j) != AM_FIELD_NONE;
    y = title(c, S(c, AM_STR_RESOLUTION_TITLE), y, 44, 56);
    if (!kbd)
        y = subtitle(c, S(c, AM_STR_RESOLUTION_BODY), y, 40);
    y += U(c, 14);
    footer_spec f = {.back_label = S(c, AM_STR_BACK),
                     .primary_id = "next",
                     .primary_label = S(c, AM_STR_NEXT),
                     .primary_enabled = am_journey_can_next(c->j)};
    int bottom = footer(c, f);
    if (kbd) {
        int kh = kbd_height(c);
        keyboard(c, rect(c->M, bottom - U(c, 14) - kh, c->W - 2 * c->M, kh));
        bottom -= kh + U(c, 34);
    } else {
        bottom -= U(c, 16);
    }
    int cat = category_index(c);
    int options[AM_MAX_CAT_OPTIONS + 2];
    int n = cat >= 0 ? am_config_options_for(c->cfg, cat, options, AM_MAX_CAT_OPTIONS + 2) : 0;
    const am_resolution_def *chosen = NULL;
    for (int i = 0; i < n; i++) {
        if (strcmp(c->cfg->resolutions[options[i]].id, c->r->resolution) == 0)
            chosen = &c->cfg->resolutions[options[i]];
    }
    bool other = chosen && chosen->asks_text;
    int field_h = other ? U(c, 64) + U(c, 14) : 0;
    int cw = c->W - 2 * c->M;
    int cols = c->portrait ? 1 : 2;
    int area_h = bottom - y - field_h;
    /* Enough rows to keep each option at least 56 units tall. */
    while (cols < 4 && (n + cols - 1) / cols * (U(c, 56) + U(c, 16)) > area_h + U(c, 16))
        cols++;
    am_rect cells[AM_MAX_CAT_OPTIONS + 2];
    grid(c, rect(c->M, y, cw, area_h), n, cols, c->portrait ? 96 : 84, cells);
    int last_y = y;
    for (int i = 0; i < n; i++) {
        const am_resolution_def *def = &c->cfg->resolutions[options[i]];
        char id[AM_ID_MAX + 16];
        snprintf(id, sizeof id, "resolution.%s", def->id);
        button(c, id, AM_WK_CHOICE, cells[i], am_text_get(&def->label, c->lang),
               def == chosen ? AM_WF_SELECTED : 0);
        last_y = cells[i].y + cells[i].h;
    }
    if (other)
        text_field(c, AM_FIELD_RESOLUTION_TEXT, rect(c->M, last_y + U(c, 14), cw, U(c, 64)),
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
    int y = header(c) + U(c, 24);
    bool escalated = c->r->offer_state == AM_OFFER_ESCALATED;
    footer_spec f = {.back_label = S(c, AM_STR_BACK)};
    if (escalated) {
        f.primary_id = "next";
        f.primary_label = S(c, AM_STR_NEXT);
        f.primary_enabled = true;
    }
    int bottom = footer(c, f) - U(c, 24);
    int cw = c->W - 2 * c->M;
    if (escalated) {
        y = title(c, S(c, AM_STR_OFFER_ESCALATED_TITLE), y, 48, 130) + U(c, 16);
        tstyle st = style(AM_FONT_REGULAR, 32, c->portrait ? AL_CENTER : AL_START, c->text);
        put_text(c, S(c, AM_STR_OFFER_ESCALATED_BODY), rect(c->M, y, cw, bottom - y), st, -1);
        return;
    }
    y = title(c, S(c, AM_STR_OFFER_TITLE), y, 48, 70) + U(c, 20);
    const char *offer = offer_text(c);
    int bh = U(c, 92);
    int card_h = bottom - y - bh - U(c, 36);
    if (card_h > U(c, 300))
        card_h = U(c, 300);
    am_rect card = rect(c->M, y, cw, card_h);
    /* The gift card is warm: the accent colour, lightly. */
    fill(c, card, mix(c->accent, c->surface, 0.82), U(c, 22), c->accent, U(c, 3));
    int pad = U(c, 32);
    tstyle st = style(AM_FONT_BOLD, 44, AL_CENTER, c->text);
    st.middle = true;
    put_text(c, offer, rect(card.x + pad, card.y + pad, card.w - 2 * pad, card.h * 62 / 100 - pad),
             st, -1);
    st = style(AM_FONT_REGULAR, 28, AL_CENTER, c->muted);
    st.middle = true;
    put_text(c, S(c, AM_STR_OFFER_BODY),
             rect(card.x + pad, card.y + card.h * 62 / 100, card.w - 2 * pad,
                  card.h * 38 / 100 - pad / 2),
             st, -1);
    int by = card.y + card.h + U(c, 36);
    int gap = U(c, 24);
    int bw = (cw - gap) / 2 < U(c, 380) ? (cw - gap) / 2 : U(c, 380);
    int bx = (c->W - (2 * bw + gap)) / 2;
    /* Accept comes first in reading order. */
    button(c, "offer.accept", AM_WK_PRIMARY, rect(bx, by, bw, bh), S(c, AM_STR_OFFER_ACCEPT), 0);
    button(c, "offer.decline", AM_WK_BUTTON, rect(bx + bw + gap, by, bw, bh),
           S(c, AM_STR_OFFER_DECLINE), 0);
}

static const uint32_t face_colors[5] = {0xFFE0736C, 0xFFEFA15E, 0xFFEACB5A, 0xFF9FCB7A, 0xFF58B368};

static void screen_rating(lay *c)
{
    int y = header(c) + U(c, 16);
    bool kbd = am_journey_focus(c->j) != AM_FIELD_NONE;
    y = title(c, S(c, AM_STR_RATING_TITLE), y, 44, kbd ? 60 : 120) + U(c, 12);
    footer_spec f = {.back_label = S(c, AM_STR_BACK),
                     .skip_label = S(c, AM_STR_SKIP),
                     .primary_id = "next",
                     .primary_label = S(c, AM_STR_NEXT),
                     .primary_enabled = am_journey_can_next(c->j)};
    int bottom = footer(c, f);
    if (kbd) {
        int kh = kbd_height(c);
        keyboard(c, rect(c->M, bottom - U(c, 14) - kh, c->W - 2 * c->M, kh));
        bottom -= kh + U(c, 34);
    } else {
        bottom -= U(c, 16);
    }
    int cw = c->W - 2 * c->M;
    int comment_h = U(c, 40) + U(c, 64);
    int faces_h = bottom - y - comment_h - U(c, 20);
    int gap = U(c, 16);
    int fw = (cw - 4 * gap) / 5;
    if (fw > U(c, 200))
        fw = U(c, 200);
    int label_h = U(c, 64);
    int fh = faces_h < fw + label_h ? faces_h : fw + label_h;
    int d = fh - label_h - U(c, 16);
    if (d > fw - U(c, 16))
        d = fw - U(c, 16);
    int x = (c->W - (5 * fw + 4 * gap)) / 2;
    static const am_str labels[] = {AM_STR_RATING_1, AM_STR_RATING_2, AM_STR_RATING_3,
                                    AM_STR_RATING_4, AM_STR_RATING_5};
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof id, "rating.%d", i + 1);
        bool selected = c->r->rating == i + 1;
        am_rect r = rect(x + i * (fw + gap), y, fw, fh);
        int idx = add_widget(c, id, AM_WK_FACE, r, selected ? AM_WF_SELECTED : 0);
        fill(c, r, selected ? c->tint : c->surface, U(c, 18), selected ? c->primary : c->border,
             selected ? U(c, 4) : U(c, 2));
        am_cmd *face = push_cmd(c, AM_CMD_FACE, rect(r.x + (fw - d) / 2, r.y + U(c, 10), d, d));
        if (face) {
            face->value = i + 1;
            face->color =
                c->r->rating && !selected ? mix(face_colors[i], c->surface, 0.55) : face_colors[i];
        }
        tstyle st = style(selected ? AM_FONT_BOLD : AM_FONT_REGULAR, 22, AL_CENTER, c->text);
        st.middle = true;
        st.min_scale = 0.5;
        put_text(c, S(c, labels[i]),
                 rect(r.x + U(c, 6), r.y + U(c, 10) + d, fw - U(c, 12), r.h - d - U(c, 16)), st,
                 idx);
    }
    int fy = field_label(c, S(c, AM_STR_RATING_COMMENT), c->M, y + fh + U(c, 20), cw);
    text_field(c, AM_FIELD_COMMENT, rect(c->M, fy, cw, U(c, 64)), S(c, AM_STR_RATING_COMMENT_HINT));
}

static void screen_followup(lay *c)
{
    int y = header(c) + U(c, 16);
    bool kbd = am_journey_focus(c->j) != AM_FIELD_NONE;
    y = title(c, S(c, AM_STR_FOLLOWUP_TITLE), y, 44, 56) + U(c, 4);
    /* After "I can't wait", what the contact is for: that call back. */
    const char *body = am_journey_cant_wait(c->j)          ? S(c, AM_STR_FOLLOWUP_BODY_CANT_WAIT)
                       : am_journey_contact_promised(c->j) ? S(c, AM_STR_FOLLOWUP_BODY_PROMISED)
                                                           : S(c, AM_STR_FOLLOWUP_BODY);
    if (!kbd || c->portrait)
        y = subtitle(c, body, y, 80) + U(c, 8);
    footer_spec f = {.back_label = S(c, AM_STR_BACK),
                     .skip_label = S(c, AM_STR_SKIP),
                     .primary_id = "done",
                     .primary_label = S(c, AM_STR_FOLLOWUP_DONE),
                     .primary_enabled = am_journey_can_next(c->j)};
    int bottom = footer(c, f);
    if (kbd) {
        int kh = kbd_height(c);
        keyboard(c, rect(c->M, bottom - U(c, 14) - kh, c->W - 2 * c->M, kh));
    }
    int cw = c->W - 2 * c->M;
    int fy = field_label(c, S(c, AM_STR_FOLLOWUP_CONTACT), c->M, y, cw);
    text_field(c, AM_FIELD_CONTACT, rect(c->M, fy, cw, U(c, 64)),
               S(c, AM_STR_FOLLOWUP_CONTACT_HINT));
    fy += U(c, 64) + U(c, 16);
    fy = field_label(c, S(c, AM_STR_FOLLOWUP_CONSENT), c->M, fy, cw);
    int gap = U(c, 16);
    int bw = (cw - gap) / 2 < U(c, 400) ? (cw - gap) / 2 : U(c, 400);
    button(c, "consent.yes", AM_WK_CHOICE, rect(c->M, fy, bw, U(c, 68)), S(c, AM_STR_FOLLOWUP_YES),
           c->r->consent == AM_CONSENT_YES ? AM_WF_SELECTED : 0);
    button(c, "consent.no", AM_WK_CHOICE, rect(c->M + bw + gap, fy, bw, U(c, 68)),
           S(c, AM_STR_FOLLOWUP_NO), c->r->consent == AM_CONSENT_NO ? AM_WF_SELECTED : 0);
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
    fill(c, r, c->surface, r.w / 2, c->primary, U(c, 4));
    tstyle st = style(AM_FONT_BOLD, 30, AL_CENTER, c->primary);
    st.middle = true;
    put_text(c, num, inset(r, U(c, 8)), st, -1);
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
    const char *date = with_field(c, S(c, AM_STR_DATE_FORMAT), "{day}", day);
    date = with_field(c, date, "{month}", month);
    date = with_field(c, date, "{year}", year);
    return with_field(c, S(c, AM_STR_THANKS_VOUCHER_UNTIL), "{date}", date);
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
    int y = header(c) + U(c, 28);
    footer_spec f = {
        .primary_id = "done", .primary_label = S(c, AM_STR_THANKS_DONE), .primary_enabled = true};
    int bottom = footer(c, f) - U(c, 20);
    int cw = c->W - 2 * c->M;
    bool named = c->r->first_name[0] != '\0';
    const char *t = named ? with_name(c, S(c, AM_STR_THANKS_TITLE_NAMED), c->r->first_name)
                          : S(c, AM_STR_THANKS_TITLE);
    int align = c->portrait ? AL_CENTER : AL_START;
    tstyle st = style(AM_FONT_BOLD, 56, align, c->primary);
    st.middle = true;
    st.flags = named ? AM_TF_GUEST : 0;
    int th = title_height(c, t, cw, 56);
    put_text(c, t, rect(c->M, y, cw, th), st, -1);
    y += th + U(c, 12);
    bool voucher = c->r->voucher[0] != '\0' && c->r->offer_state == AM_OFFER_ACCEPTED;
    int qr = voucher ? U(c, c->portrait ? 260 : 220) : 0;
    int text_w = voucher && !c->portrait ? cw - qr - U(c, 40) : cw;
    const char *body = S(c, AM_STR_THANKS_BODY);
    const char *promise = promise_text(c);
    bool escalated = c->r->offer_state == AM_OFFER_ESCALATED;
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
            valid = with_field(c, S(c, AM_STR_THANKS_VOUCHER_VALID), "{days}", n);
        }
        /* Its measured height: a fixed box shrank the Arabic label (taller
         * line) to half the size of the English one. */
        lh = text_height(c, S(c, AM_STR_THANKS_VOUCHER), text_w, AM_FONT_REGULAR, 24);
        if (lh < U(c, 36))
            lh = U(c, 36);
        wh = what[0] ? text_height(c, what, text_w, AM_FONT_BOLD, 26) : 0;
        if (wh > U(c, 76))
            wh = U(c, 76);
        vh = text_height(c, valid, text_w, AM_FONT_REGULAR, 24);
        if (vh > U(c, 70))
            vh = U(c, 70);
        voucher_h = lh + U(c, 64) + U(c, 4) + (wh ? wh + U(c, 4) : 0) + vh + U(c, 16) +
                    (c->portrait ? qr : 0);
    }
    int esc_h = escalated ? U(c, 84) + U(c, 8) : 0;
    int bh = text_height(c, body, text_w, AM_FONT_REGULAR, 30);
    if (bh > U(c, 130))
        bh = U(c, 130);
    int rh = text_height(c, promise, text_w, AM_FONT_REGULAR, 30);
    if (rh > U(c, 160))
        rh = U(c, 160);
    int room = bottom - badge - U(c, 16) - y - voucher_h - esc_h - 2 * U(c, 16);
    if (bh + rh > room) {
        /* The promise gives way (put_text scales its words to fit), down to
         * two lines' worth; the short first sentence keeps its size. */
        rh = room - bh;
        if (rh < U(c, 64))
            rh = U(c, 64);
    }
    st = style(AM_FONT_REGULAR, 30, align, c->text);
    put_text(c, body, rect(c->M, y, text_w, bh), st, -1);
    y += bh + U(c, 16);
    /* What happens next is the sentence the guest acts on: in bold. */
    st = style(AM_FONT_BOLD, 30, align, c->text);
    put_text(c, promise, rect(c->M, y, text_w, rh), st, -1);
    y += rh + U(c, 16);
    if (escalated) {
        st = style(AM_FONT_BOLD, 28, align, c->text);
        /* A manager can contact only a guest who said how. */
        put_text(c, S(c, c->r->contact[0] ? AM_STR_THANKS_MANAGER : AM_STR_THANKS_ASK_DESK_LATER),
                 rect(c->M, y, text_w, U(c, 84)), st, -1);
        y += U(c, 84) + U(c, 8);
    }
    if (voucher) {
        int vx = c->M;
        st = style(AM_FONT_REGULAR, 24, align, c->muted);
        st.middle = true;
        put_text(c, S(c, AM_STR_THANKS_VOUCHER), rect(vx, y, text_w, lh), st, -1);
        y += lh;
        st = style(AM_FONT_BOLD, 44, align, c->text);
        st.middle = true;
        put_text(c, c->r->voucher, rect(vx, y, text_w, U(c, 64)), st, -1);
        y += U(c, 64) + U(c, 4);
        /* What the code is for and how long it lasts, so the guest knows
         * what to do with it. */
        if (wh) {
            st = style(AM_FONT_BOLD, 26, align, c->text);
            put_text(c, what, rect(vx, y, text_w, wh), st, -1);
            y += wh + U(c, 4);
        }
        st = style(AM_FONT_REGULAR, 24, align, c->muted);
        put_text(c, valid, rect(vx, y, text_w, vh), st, -1);
        y += vh + U(c, 16);
        am_rect q = c->portrait ? rect((c->W - qr) / 2, y, qr, qr)
                                : rect(c->W - c->M - qr, U(c, 72) + U(c, 120), qr, qr);
        fill(c, q, 0xFFFFFFFFu, U(c, 8), c->border, U(c, 2));
        am_cmd *cmd = push_cmd(c, AM_CMD_QR, inset(q, U(c, 14)));
        if (cmd) {
            cmd->text = keep(c, c->r->voucher, strlen(c->r->voucher));
            cmd->len = strlen(c->r->voucher);
            cmd->color = 0xFF000000u;
        }
    }
    int by = bottom - badge;
    countdown(c, rect(c->M, by, badge, badge),
              seconds_until(am_journey_deadline(c->j), c->v->now_ms));
    st = style(AM_FONT_REGULAR, 24, AL_START, c->muted);
    st.middle = true;
    put_text(c, S(c, AM_STR_THANKS_RETURNING),
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
    int y = header(c) + U(c, 28);
    am_urgent urgent = am_journey_urgent(c->j);
    bool desk = urgent == AM_URGENT_UNCONFIRMED;
    footer_spec f = {.skip_label = S(c, AM_STR_STAFF_WAIT_CANT_WAIT),
                     .skip_id = "cant_wait",
                     .primary_id = "done",
                     .primary_label = S(c, AM_STR_STAFF_WAIT_DONE),
                     .primary_enabled = true};
    int bottom = footer(c, f) - U(c, 20);
    int cw = c->W - 2 * c->M;
    int align = c->portrait ? AL_CENTER : AL_START;
    const char *t = S(c, desk ? AM_STR_STAFF_WAIT_TITLE_DESK : AM_STR_STAFF_WAIT_TITLE);
    tstyle st = style(AM_FONT_BOLD, 56, align, c->primary);
    st.middle = true;
    int th = title_height(c, t, cw, 56);
    put_text(c, t, rect(c->M, y, cw, th), st, -1);
    y += th + U(c, 20);

    /* Who: the team, headed by "we are calling" until the hub has it;
     * then that they are on the way (the team's own words for staff_now),
     * what thanks would say for an urgent report otherwise. */
    const char *status = promise_text(c);
    int pad = U(c, 28);
    int inner = cw - 2 * pad;
    /* Sent to staff instead: nobody may be said to be called. */
    int head_h = desk ? 0 : U(c, 40), team_h = desk ? 0 : U(c, 64), ack_h = U(c, 44);
    int sh = text_height(c, status, inner, AM_FONT_REGULAR, 30);
    int room = bottom - y - 2 * pad - head_h - team_h - ack_h - U(c, 24);
    if (sh > room)
        sh = room > U(c, 64) ? room : U(c, 64);
    am_rect card = rect(c->M, y, cw, 2 * pad + head_h + team_h + U(c, 12) + sh + U(c, 12) + ack_h);
    fill(c, card, c->surface, U(c, 18), c->border, U(c, 2));
    fill(c, rect(card.x, card.y, U(c, 8), card.h), c->accent, U(c, 4), 0, 0);
    int iy = card.y + pad;
    if (!desk) {
        st = style(AM_FONT_REGULAR, 26, align, c->muted);
        st.middle = true;
        put_text(c,
                 S(c, urgent == AM_URGENT_CONFIRMED ? AM_STR_STAFF_WAIT_CALLED
                                                    : AM_STR_STAFF_WAIT_CALLING),
                 rect(card.x + pad, iy, inner, head_h), st, -1);
        iy += head_h;
        st = style(AM_FONT_BOLD, 40, align, c->text);
        st.middle = true;
        put_text(c, called_team(c), rect(card.x + pad, iy, inner, team_h), st, -1);
        iy += team_h + U(c, 12);
    }
    st = style(AM_FONT_BOLD, 30, align, c->text);
    put_text(c, status, rect(card.x + pad, iy, inner, sh), st, -1);
    /* The last ack_h of the card stays empty: "acknowledged by" goes there
     * once the hub tells the kiosk who took the call. */
}

static void screen_out_of_order(lay *c)
{
    int top = header(c);
    int cw = c->W - 2 * c->M;
    int maxw = cw < U(c, 1000) ? cw : U(c, 1000);
    int x = (c->W - maxw) / 2;
    int card_h = U(c, 400);
    int y = top + (c->H - top - card_h) / 2;
    fill(c, rect(x, y, maxw, card_h), c->surface, U(c, 24), c->border, U(c, 2));
    int pad = U(c, 40);
    tstyle st = style(AM_FONT_BOLD, 48, AL_CENTER, c->text);
    st.middle = true;
    put_text(c, S(c, AM_STR_OUT_OF_ORDER_TITLE), rect(x + pad, y + pad, maxw - 2 * pad, U(c, 150)),
             st, -1);
    st = style(AM_FONT_REGULAR, 32, AL_CENTER, c->muted);
    st.middle = true;
    put_text(c, S(c, AM_STR_OUT_OF_ORDER_BODY),
             rect(x + pad, y + pad + U(c, 170), maxw - 2 * pad, card_h - 2 * pad - U(c, 170)), st,
             -1);
}

/* What the PIN pad says under its title: dots for the digits so far, or
 * why it takes no input now. Managers only: English, like amendsctl. */
static const char *pin_status(lay *c, am_pin_pad pad, int digits, int seconds, bool *alert)
{
    char buf[160];
    *alert = true;
    switch (pad) {
    case AM_PIN_PAD_CHECKING:
        *alert = false;
        snprintf(buf, sizeof buf, "Checking...");
        break;
    case AM_PIN_PAD_WAIT:
        snprintf(buf, sizeof buf, "Wrong PIN. Try again in %d s.", seconds);
        break;
    case AM_PIN_PAD_LOCKED:
        snprintf(buf, sizeof buf, "Too many wrong PINs. The PIN pad is locked for %d min.",
                 (seconds + 59) / 60);
        break;
    case AM_PIN_PAD_UNSET:
        snprintf(buf, sizeof buf, "No manager PIN is set: set a PIN with amendsctl pin set");
        break;
    case AM_PIN_PAD_READY:
    default:
        /* The caller draws a dot per digit, never the digits. */
        (void)digits;
        *alert = false;
        return "";
    }
    return keep(c, buf, strlen(buf));
}

/* One dot per digit typed, centred in `row`: the manager sees each tap
 * land, an onlooker learns only the count. */
static void pin_dots(lay *c, int digits, am_rect row)
{
    int d = U(c, 20), gap = U(c, 14);
    int total = digits * d + (digits - 1) * gap;
    int x = row.x + (row.w - total) / 2, y = row.y + (row.h - d) / 2;
    for (int i = 0; i < digits; i++)
        fill(c, rect(x + i * (d + gap), y, d, d), c->primary, d / 2, 0, 0);
}

static void screen_manager_pin(lay *c)
{
    int y = header(c) + U(c, 20);
    y = title(c, S(c, AM_STR_PIN_TITLE), y, 44, 60);
    y = subtitle(c, S(c, AM_STR_PIN_BODY), y, 40) + U(c, 8);
    int digits = 0, seconds = 0;
    am_pin_pad pad = am_journey_pin_pad(c->j, c->v->now_ms, &digits, &seconds);
    bool alert = false;
    const char *status = pin_status(c, pad, digits, seconds, &alert);
    if (status && status[0]) {
        tstyle st = style(AM_FONT_BOLD, alert ? 26 : 34, AL_CENTER, alert ? c->text : c->primary);
        st.middle = true;
        st.min_scale = 0.55;
        if (alert)
            fill(c, rect(c->M, y, c->W - 2 * c->M, U(c, 48)), c->tint, U(c, 10), 0, 0);
        put_text(c, status, rect(c->M + U(c, 12), y, c->W - 2 * c->M - U(c, 24), U(c, 48)), st, -1);
    } else if (pad == AM_PIN_PAD_READY) {
        pin_dots(c, digits, rect(c->M, y, c->W - 2 * c->M, U(c, 48)));
    }
    y += U(c, 48) + U(c, 12);
    footer_spec f = {.back_label = S(c, AM_STR_BACK)};
    int bottom = footer(c, f) - U(c, 20);
    int gap = U(c, 12);
    int kh = (bottom - y - 3 * gap) / 4;
    if (kh > U(c, 100))
        kh = U(c, 100);
    int kw = U(c, 160);
    int x0 = (c->W - (3 * kw + 2 * gap)) / 2;
    static const char *const pad_keys[12] = {"1", "2", "3", "4",   "5", "6",
                                             "7", "8", "9", "del", "0", "ok"};
    unsigned flags = AM_WF_NOMIRROR | (pad == AM_PIN_PAD_READY ? 0 : AM_WF_DISABLED);
    /* A keypad keeps 1 at the top left in every language. */
    c->no_mirror = true;
    for (int i = 0; i < 12; i++) {
        char id[16];
        snprintf(id, sizeof id, "pin.%s", pad_keys[i]);
        am_rect r = rect(x0 + (i % 3) * (kw + gap), y + (i / 3) * (kh + gap), kw, kh);
        int idx = add_widget(c, id, AM_WK_KEY, r, flags);
        uint32_t bgc = i == 11 ? c->primary : c->surface;
        uint32_t fg = i == 11 ? c->on_primary : c->text;
        if (flags & AM_WF_DISABLED) {
            bgc = mix(bgc, c->bg, 0.55);
            fg = mix(fg, bgc, 0.45);
        }
        fill(c, r, bgc, U(c, 14), c->border, U(c, 2));
        if (i == 9) {
            int isz = U(c, 40);
            icon(c, rect(r.x + (r.w - isz) / 2, r.y + (r.h - isz) / 2, isz, isz), AM_ICON_BACKSPACE,
                 fg);
            continue;
        }
        tstyle st = style(AM_FONT_BOLD, 34, AL_CENTER, fg);
        st.middle = true;
        put_text(c, i == 11 ? S(c, AM_STR_PIN_OK) : pad_keys[i], inset(r, U(c, 8)), st, idx);
    }
    c->no_mirror = false;
}

/* A wall-clock time as a manager reads it at the kiosk: "03:28" today,
 * else with its date (the kiosk's time zone). */
static void clock_text(int64_t at_ms, int64_t now_ms, bool seconds, char *buf, size_t len)
{
    time_t at = (time_t)(at_ms / 1000), now = (time_t)(now_ms / 1000);
    struct tm ta, tn;
    localtime_r(&at, &ta);
    localtime_r(&now, &tn);
    bool today = ta.tm_year == tn.tm_year && ta.tm_yday == tn.tm_yday;
    strftime(buf, len,
             today ? (seconds ? "%H:%M:%S" : "%H:%M")
                   : (seconds ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M"),
             &ta);
}

static const char *with_number(lay *c, const char *fmt, const char *field, int64_t n)
{
    char num[24];
    snprintf(num, sizeof num, "%lld", (long long)n);
    return with_field(c, fmt, field, num);
}

/* "12 min", "3 h" in the screen's language. */
static const char *age_text(lay *c, int64_t ms)
{
    int64_t s = ms > 0 ? ms / 1000 : 0;
    if (s < 120)
        return with_number(c, S(c, AM_STR_MANAGER_AGE_S), "{n}", s);
    if (s < 2 * 3600)
        return with_number(c, S(c, AM_STR_MANAGER_AGE_MIN), "{n}", s / 60);
    if (s < 2 * 86400)
        return with_number(c, S(c, AM_STR_MANAGER_AGE_H), "{n}", s / 3600);
    return with_number(c, S(c, AM_STR_MANAGER_AGE_D), "{n}", s / 86400);
}

/* Why the hub is out of reach, in words a manager can act on. */
static const char *why_text(lay *c, const am_manager_info *m)
{
    switch (m->why) {
    case AM_WHY_CONN_REFUSED:
        return S(c, AM_STR_MANAGER_WHY_CONN_REFUSED);
    case AM_WHY_NO_ROUTE:
        return S(c, AM_STR_MANAGER_WHY_NO_ROUTE);
    case AM_WHY_TIMEOUT:
        return S(c, AM_STR_MANAGER_WHY_TIMEOUT);
    case AM_WHY_NAME:
        return S(c, AM_STR_MANAGER_WHY_NAME);
    case AM_WHY_TLS:
        return S(c, AM_STR_MANAGER_WHY_TLS);
    case AM_WHY_HTTP:
        return with_number(c, S(c, AM_STR_MANAGER_WHY_HTTP), "{n}", m->why_http);
    case AM_WHY_OTHER:
    default:
        return m->why_text;
    }
}

/* The state toward the hub in one sentence with the next step. */
static const char *hub_sentence(lay *c, const am_manager_info *m)
{
    char when[40];
    clock_text(m->since_ms, m->now_ms, false, when, sizeof when);
    switch (m->hub) {
    case AM_HUB_SYNC_OFF:
        return S(c, AM_STR_MANAGER_SYNC_OFF);
    case AM_HUB_NEVER:
        return S(c, AM_STR_MANAGER_NEVER);
    case AM_HUB_OK:
        return with_field(c, S(c, AM_STR_MANAGER_OK), "{time}", when);
    case AM_HUB_UNREACHABLE:
        return with_field(c, with_field(c, S(c, AM_STR_MANAGER_UNREACHABLE), "{time}", when),
                          "{why}", why_text(c, m));
    case AM_HUB_FAILING:
        return with_field(c, with_field(c, S(c, AM_STR_MANAGER_FAILING), "{time}", when), "{why}",
                          why_text(c, m));
    case AM_HUB_REFUSED:
        return S(c, AM_STR_MANAGER_REFUSED);
    case AM_HUB_UNKNOWN:
    default:
        return with_field(c, S(c, AM_STR_MANAGER_STORE_ERROR), "{why}",
                          m->why_text[0] ? m->why_text : "?");
    }
}

/* Alerts for staff still on this device come first: how many, how old,
 * and why they wait. */
static const char *alerts_sentence(lay *c, const am_manager_info *m)
{
    if (m->alerts_waiting == 0)
        return S(c, AM_STR_MANAGER_ALERTS_NONE);
    const char *why;
    if (m->oldest_alert_refused)
        why = with_field(c, S(c, AM_STR_MANAGER_ALERT_REFUSED), "{reason}",
                         m->oldest_alert_error[0] ? m->oldest_alert_error : "?");
    else if (m->hub == AM_HUB_SYNC_OFF)
        why = S(c, AM_STR_MANAGER_WHY_SYNC_OFF);
    else if (m->hub == AM_HUB_REFUSED)
        why = S(c, AM_STR_MANAGER_WHY_CREDENTIALS);
    else if (m->hub == AM_HUB_UNREACHABLE || m->hub == AM_HUB_FAILING)
        why = why_text(c, m);
    else if (m->oldest_alert_error[0])
        why = m->oldest_alert_error;
    else
        why = S(c, AM_STR_MANAGER_ALERT_QUEUED);
    const char *t = with_number(c, S(c, AM_STR_MANAGER_ALERTS_WAITING), "{n}", m->alerts_waiting);
    t = with_field(c, t, "{age}", age_text(c, m->now_ms - m->oldest_alert_ms));
    return with_field(c, t, "{why}", why);
}

static const char *manager_message(lay *c, const am_manager_info *m)
{
    switch (m->msg) {
    case AM_MSG_SYNC_OFF:
        return S(c, AM_STR_MANAGER_MSG_SYNC_OFF);
    case AM_MSG_SENDING:
        return with_number(c, S(c, AM_STR_MANAGER_MSG_SENDING), "{n}", m->msg_n);
    case AM_MSG_NOTHING_WAITING:
        return S(c, AM_STR_MANAGER_MSG_NOTHING);
    case AM_MSG_REQUEUED:
        return with_number(c, S(c, AM_STR_MANAGER_MSG_REQUEUED), "{n}", m->msg_n);
    case AM_MSG_REQUEUE_FAILED:
        return with_field(c, S(c, AM_STR_MANAGER_MSG_REQUEUE_FAILED), "{why}", m->msg_text);
    case AM_MSG_EXPORTED:
        return with_field(c, with_number(c, S(c, AM_STR_MANAGER_MSG_EXPORTED), "{n}", m->msg_n),
                          "{path}", m->msg_text);
    case AM_MSG_EXPORT_FAILED:
        return with_field(c, S(c, AM_STR_MANAGER_MSG_EXPORT_FAILED), "{why}", m->msg_text);
    case AM_MSG_NONE:
    default:
        return "";
    }
}

/* One sync log line, whole, its fields apart: "03:28:15  retry  2
 * record(s)  HTTP 503  hub busy; retry in 4735 ms". */
static const char *log_line(lay *c, const am_manager_info *m, const am_manager_log *e)
{
    char when[40], http[24] = "", line[640];
    clock_text(e->at_ms, m->now_ms, true, when, sizeof when);
    if (e->http_status)
        snprintf(http, sizeof http, "  HTTP %d", e->http_status);
    /* The log's own words (the outcome, the transport's reason) are
     * technical English; the line stays in that one language, so it reads
     * left to right on every screen. */
    char records[32] = "";
    if (e->records > 0)
        snprintf(records, sizeof records, "  %d record(s)", e->records);
    int n = snprintf(line, sizeof line, "%s  %s%s%s%s%s", when, e->outcome, records, http,
                     e->text[0] ? "  " : "", e->text);
    (void)n; /* the fields fit: 40 + 32 + 32 + 24 + 420 */
    return keep(c, line, strlen(line));
}

/* A block of text at y, wrapped at its full size to the height it needs;
 * returns the y under it. */
static int para(lay *c, const char *text, int y, int w, tstyle st)
{
    if (!text || !*text)
        return y;
    int h = text_height(c, text, w, st.font, st.size);
    put_text(c, text, rect(c->M, y, w, h), st, -1);
    return y + h;
}

/* Manager mode, for a kiosk that may have stopped syncing: alerts still on
 * the device first, then the state toward the hub in plain words with the
 * next step, the counts, the sync log (each line whole, wrapped), and the
 * tools. The figures come from the app (am_view.manager). */
static void screen_manager(lay *c)
{
    int y = header(c) + U(c, 16);
    y = title(c, S(c, AM_STR_MANAGER_TITLE), y, 44, 60) + U(c, 4);
    footer_spec f = {.back_label = S(c, AM_STR_BACK)};
    int bottom = footer(c, f) - U(c, 16);
    const am_manager_info *m = c->v->manager;
    am_manager_info none;
    if (!m) {
        memset(&none, 0, sizeof none);
        none.hub = AM_HUB_UNKNOWN;
        m = &none;
    }
    int w = c->W - 2 * c->M;
    int pad = U(c, 14);
    /* The alerts: on a warning card while any wait. */
    tstyle st = style(AM_FONT_BOLD, 26, AL_START, c->text);
    st.min_scale = 0.8;
    const char *alerts = alerts_sentence(c, m);
    if (m->alerts_waiting > 0) {
        int h = text_height(c, alerts, w - 3 * pad, st.font, st.size);
        am_rect card = rect(c->M, y, w, h + 2 * pad);
        fill(c, card, mix(0xFFC62828u, c->surface, 0.86), U(c, 12), 0xFFC62828u, U(c, 2));
        fill(c, rect(card.x, card.y, U(c, 8), card.h), 0xFFC62828u, U(c, 4), 0, 0);
        put_text(c, alerts, rect(c->M + 2 * pad, y + pad, w - 3 * pad, h), st, -1);
        y += card.h + U(c, 12);
    } else {
        st = style(AM_FONT_REGULAR, 24, AL_START, c->muted);
        y = para(c, alerts, y, w, st) + U(c, 10);
    }
    /* The hub: one sentence that says what is wrong and what to do. */
    st = style(AM_FONT_BOLD, 26, AL_START, c->text);
    st.min_scale = 0.8;
    y = para(c, hub_sentence(c, m), y, w, st) + U(c, 4);
    if (m->hub == AM_HUB_REFUSED && m->hub_reason[0]) {
        st = style(AM_FONT_REGULAR, 22, AL_START, c->text);
        st.min_scale = 0.8;
        y = para(c, with_field(c, S(c, AM_STR_MANAGER_HUB_SAID), "{reason}", m->hub_reason), y, w,
                 st);
    }
    y += U(c, 6);
    st = style(AM_FONT_REGULAR, 24, AL_START, c->text);
    const char *counts = with_number(c, S(c, AM_STR_MANAGER_COUNTS), "{pending}", m->pending);
    counts = with_number(c, counts, "{synced}", m->synced);
    counts = with_number(c, counts, "{quarantined}", m->quarantined);
    y = para(c, counts, y, w, st) + U(c, 14);
    /* The buttons sit above the footer; the log fills what is between. */
    int bh = U(c, 72), gap = U(c, 16);
    int btn_y = bottom - bh;
    int msg_y = btn_y - U(c, 12) - U(c, 40);
    st = style(AM_FONT_BOLD, 22, AL_START, c->muted);
    st.middle = true;
    if (y + U(c, 30) <= msg_y) {
        put_text(c, S(c, AM_STR_MANAGER_LOG_TITLE), rect(c->M, y, w, U(c, 30)), st, -1);
        y += U(c, 32);
    }
    st = style(AM_FONT_REGULAR, 20, AL_START, c->muted);
    st.min_scale = 1.0;
    if (m->log_count == 0 && y + U(c, 28) <= msg_y)
        y = para(c, S(c, AM_STR_MANAGER_LOG_EMPTY), y, w, st);
    /* Each line whole, wrapped at spaces; lines that no longer fit are
     * left out rather than cut. */
    for (int i = 0; i < m->log_count; i++) {
        const char *line = log_line(c, m, &m->log[i]);
        if (!line)
            break;
        int h = text_height(c, line, w, st.font, st.size);
        if (y + h > msg_y)
            break;
        put_text(c, line, rect(c->M, y, w, h), st, -1);
        y += h + U(c, 4);
    }
    const char *msg = manager_message(c, m);
    if (msg && msg[0]) {
        st = style(AM_FONT_BOLD, 24, AL_START, c->primary);
        st.middle = true;
        st.min_scale = 0.5;
        put_text(c, msg, rect(c->M, msg_y, w, U(c, 40)), st, -1);
    }
    static const struct {
        const char *id;
        am_str label;
    } tools[] = {
        {"manager.sync_now", AM_STR_MANAGER_SYNC_NOW},
        {"manager.requeue", AM_STR_MANAGER_REQUEUE},
        {"manager.export", AM_STR_MANAGER_EXPORT},
        {"manager.exit", AM_STR_MANAGER_EXIT},
    };
    int n = (int)(sizeof tools / sizeof tools[0]);
    int bw = (w - (n - 1) * gap) / n;
    for (int i = 0; i < n; i++)
        button(c, tools[i].id, AM_WK_BUTTON, rect(c->M + i * (bw + gap), btn_y, bw, bh),
               S(c, tools[i].label), 0);
}

/* "Still there?": dims the screen; any tap answers it. */
static void idle_overlay(lay *c, int seconds)
{
    /* Dim what is behind by darkening its colours rather than blending a
     * veil over every pixel: the same look at a fraction of the cost. */
    for (int i = 0; i < c->l->cmd_count; i++) {
        am_cmd *cmd = &c->l->cmds[i];
        uint32_t alpha = cmd->color & 0xFF000000u;
        cmd->color = (mix(cmd->color, 0xFF101418u, 0.69) & 0xFFFFFFu) | alpha;
        alpha = cmd->border_color & 0xFF000000u;
        cmd->border_color = (mix(cmd->border_color, 0xFF101418u, 0.69) & 0xFFFFFFu) | alpha;
    }
    int cw = c->W - 2 * c->M;
    int w = cw < U(c, 760) ? cw : U(c, 760);
    int h = U(c, 470);
    am_rect card = rect((c->W - w) / 2, (c->H - h) / 2, w, h);
    fill(c, card, c->bg, U(c, 26), 0, 0);
    int pad = U(c, 36);
    int y = card.y + pad;
    tstyle st = style(AM_FONT_BOLD, 44, AL_CENTER, c->text);
    st.middle = true;
    put_text(c, S(c, AM_STR_IDLE_TITLE), rect(card.x + pad, y, w - 2 * pad, U(c, 64)), st, -1);
    y += U(c, 64) + U(c, 8);
    st = style(AM_FONT_REGULAR, 28, AL_CENTER, c->muted);
    st.middle = true;
    put_text(c, S(c, AM_STR_IDLE_BODY), rect(card.x + pad, y, w - 2 * pad, U(c, 84)), st, -1);
    y += U(c, 84) + U(c, 16);
    int badge = U(c, 96);
    countdown(c, rect(card.x + (w - badge) / 2, y, badge, badge), seconds);
    y += badge + U(c, 24);
    const char *label = S(c, AM_STR_IDLE_STILL_HERE);
    int bw = button_width(c, label, 320);
    if (bw > w - 2 * pad)
        bw = w - 2 * pad;
    button(c, "still_here", AM_WK_PRIMARY, rect(card.x + (w - bw) / 2, y, bw, U(c, 84)), label,
           AM_WF_OVERLAY);
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
}

void am_layout_build(am_layout *out, const am_view *v)
{
    lay c;
    memset(&c, 0, sizeof c);
    out->widget_count = out->cmd_count = out->block_count = 0;
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
    c.s = (c.W < c.H ? c.W : c.H) / 800.0;
    c.portrait = c.H > c.W;
    c.M = U(&c, c.portrait ? 36 : 48);
    c.kbd_cmd_begin = c.kbd_cmd_end = -1;
    const am_config *cfg = v->cfg;
    c.bg = opaque(cfg->theme.background);
    c.text = opaque(cfg->theme.text);
    c.primary = opaque(cfg->theme.primary);
    c.accent = opaque(cfg->theme.accent);
    c.on_primary = ink_on(c.primary);
    c.muted = mix(c.text, c.bg, 0.35);
    bool dark = luminance(c.bg) < 0.4;
    c.surface = mix(c.bg, dark ? 0xFF000000u : 0xFFFFFFFFu, 0.65);
    c.border = mix(c.text, c.bg, 0.78);
    c.field_bg = dark ? mix(c.bg, 0xFF000000u, 0.4) : 0xFFFFFFFFu;
    c.tint = mix(c.primary, c.surface, 0.86);

    out->width = c.W;
    out->height = c.H;
    out->screen = am_journey_screen(c.j);
    out->lang = c.lang;
    out->rtl = am_lang_rtl(c.lang);
    int seconds = 0;
    out->prompting = am_journey_prompting(c.j, v->now_ms, &seconds);
    out->keyboard = false;

    fill(&c, rect(0, 0, c.W, c.H), c.bg, 0, 0, 0);
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
    case AM_SCREEN_RESOLUTION:
        screen_resolution(&c);
        break;
    case AM_SCREEN_OFFER:
        screen_offer(&c);
        break;
    case AM_SCREEN_RATING:
        screen_rating(&c);
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
        screen_manager_pin(&c);
        break;
    case AM_SCREEN_MANAGER:
        screen_manager(&c);
        break;
    case AM_SCREEN_OUT_OF_ORDER:
    case AM_SCREEN_COUNT:
        screen_out_of_order(&c);
        break;
    }
    out->keyboard = c.kbd_cmd_begin >= 0;
    if (out->prompting)
        idle_overlay(&c, seconds);
    if (out->rtl)
        mirror(&c);
}

/* ---- queries ------------------------------------------------------------------- */

static bool counts(const am_layout *l, const am_widget *w)
{
    return !l->prompting || (w->flags & AM_WF_OVERLAY);
}

const am_widget *am_layout_find(const am_layout *l, const char *id)
{
    for (int i = 0; i < l->widget_count; i++) {
        if (counts(l, &l->widgets[i]) && strcmp(l->widgets[i].id, id) == 0)
            return &l->widgets[i];
    }
    return NULL;
}

const am_widget *am_layout_hit(const am_layout *l, int x, int y)
{
    for (int i = l->widget_count - 1; i >= 0; i--) {
        const am_widget *w = &l->widgets[i];
        if (counts(l, w) && am_rect_contains(w->rect, x, y))
            return w;
    }
    return NULL;
}

bool am_layout_has_text(const am_layout *l, const char *text)
{
    for (int i = 0; i < l->block_count; i++) {
        if (l->blocks[i].line_count > 0 && strstr(l->blocks[i].text, text))
            return true;
    }
    return false;
}

/* ---- checks -------------------------------------------------------------------- */

static am_rect ink_of(const am_layout *l, const am_text_block *b)
{
    am_rect u = {0, 0, 0, 0};
    for (int i = 0; i < b->line_count; i++) {
        am_rect r = l->cmds[b->first_cmd + i].rect;
        if (i == 0) {
            u = r;
            continue;
        }
        int x1 = u.x + u.w > r.x + r.w ? u.x + u.w : r.x + r.w;
        int y1 = u.y + u.h > r.y + r.h ? u.y + u.h : r.y + r.h;
        u.x = u.x < r.x ? u.x : r.x;
        u.y = u.y < r.y ? u.y : r.y;
        u.w = x1 - u.x;
        u.h = y1 - u.y;
    }
    return u;
}

/* Where a line of b ends between two letters or digits of a word with no
 * hyphen at its end (NULL when none does): the wrap breaks words only at
 * a hyphenation point, after punctuation, or between CJK characters. */
static const char *broken_word(const am_layout *l, const am_text_block *b)
{
    size_t tlen = strlen(b->text);
    for (int k = 0; k + 1 < b->line_count; k++) {
        const am_cmd *cmd = &l->cmds[b->first_cmd + k];
        if (cmd->text_flags & AM_TF_HYPHEN)
            continue;
        if (cmd->text < b->text || cmd->text + cmd->len > b->text + tlen)
            continue; /* not a piece of the block's text */
        size_t end = (size_t)(cmd->text + cmd->len - b->text);
        if (end == 0 || end >= tlen)
            continue;
        /* The last character of the line and the first after it. */
        size_t back = end - 1;
        while (back > 0 && ((unsigned char)b->text[back] & 0xC0) == 0x80)
            back--;
        uint32_t before, after;
        am_utf8_next(b->text, tlen, back, &before);
        am_utf8_next(b->text, tlen, end, &after);
        if (word_char(before) && word_char(after))
            return b->text + back;
    }
    return NULL;
}

#define PROBLEM(...)                                                                               \
    do {                                                                                           \
        if (problems++ < 4 && used < errlen) {                                                     \
            int n_ = snprintf(err + used, errlen - used, __VA_ARGS__);                             \
            if (n_ > 0)                                                                            \
                used += (size_t)n_;                                                                \
        }                                                                                          \
    } while (0)

int am_layout_check(const am_layout *l, const am_view *v, char *err, size_t errlen)
{
    int problems = 0;
    size_t used = 0;
    if (errlen)
        err[0] = '\0';
    am_rect screen = {0, 0, l->width, l->height};
    if (l->full)
        PROBLEM("layout ran out of room; ");
    for (int i = 0; i < l->block_count; i++) {
        const am_text_block *b = &l->blocks[i];
        if (b->overflow)
            PROBLEM("text \"%.40s\" does not fit its box; ", b->text);
        for (int k = 0; k < b->line_count; k++) {
            const am_cmd *cmd = &l->cmds[b->first_cmd + k];
            int w = 0, h = 0;
            v->measure(v->measure_ud, cmd->text, cmd->len, cmd->font, cmd->px, &w, &h);
            am_rect real = {cmd->rect.x, cmd->rect.y, w, h};
            if (!am_rect_inside(real, b->box) && !(b->clipped && w <= b->box.w))
                PROBLEM("line \"%.*s\" (%dx%d) spills out of its box; ",
                        (int)(cmd->len > 30 ? 30 : cmd->len), cmd->text, w, h);
            if (!am_rect_inside(real, screen))
                PROBLEM("line \"%.30s\" is off the screen; ", cmd->text);
        }
        const char *broken = broken_word(l, b);
        if (broken)
            PROBLEM("a word is broken without a hyphen at \"%.24s\"; ", broken);
        if (b->widget >= 0 && b->line_count > 0 &&
            !am_rect_inside(ink_of(l, b), l->widgets[b->widget].rect))
            PROBLEM("text \"%.30s\" spills out of %s; ", b->text, l->widgets[b->widget].id);
    }
    for (int i = 0; i < l->widget_count; i++) {
        const am_widget *a = &l->widgets[i];
        if (!am_rect_inside(a->rect, screen))
            PROBLEM("%s is off the screen; ", a->id);
        if (a->kind == AM_WK_HIDDEN)
            continue;
        if (l->height >= 1080 && l->width >= 1080 && (a->rect.w < 48 || a->rect.h < 48))
            PROBLEM("%s is %dx%d, under 48x48; ", a->id, a->rect.w, a->rect.h);
        for (int k = i + 1; k < l->widget_count; k++) {
            const am_widget *b = &l->widgets[k];
            if (b->kind == AM_WK_HIDDEN || (a->flags & AM_WF_OVERLAY) != (b->flags & AM_WF_OVERLAY))
                continue;
            if (am_rect_overlaps(a->rect, b->rect))
                PROBLEM("%s overlaps %s; ", a->id, b->id);
        }
    }
    /* Free text (not a widget's label) must not run into other text or
     * into widgets on the same layer. */
    for (int i = 0; i < l->block_count; i++) {
        const am_text_block *a = &l->blocks[i];
        if (a->line_count == 0)
            continue;
        am_rect ia = ink_of(l, a);
        for (int k = i + 1; k < l->block_count; k++) {
            const am_text_block *b = &l->blocks[k];
            if (b->line_count == 0 || (a->widget >= 0 && a->widget == b->widget))
                continue;
            /* Under the prompt, the dimmed screen's text is meant to be
             * covered. */
            if (am_rect_overlaps(ia, ink_of(l, b)) && !l->prompting)
                PROBLEM("text \"%.24s\" overlaps \"%.24s\"; ", a->text, b->text);
        }
        if (a->widget >= 0 || l->prompting)
            continue;
        for (int k = 0; k < l->widget_count; k++) {
            const am_widget *w = &l->widgets[k];
            if (w->kind != AM_WK_HIDDEN && am_rect_overlaps(ia, w->rect))
                PROBLEM("text \"%.24s\" runs into %s; ", a->text, w->id);
        }
    }
    return problems;
}
