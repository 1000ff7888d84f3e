/* layout_text.c — text on the kiosk's screens: measuring through the view's
 * callback, wrapping at spaces, hyphenated breaks of long words, CJK line
 * rules, the direction of a line, and shrinking a block until it fits. */
#include <stdio.h>
#include <string.h>

#include "amends/text.h"
#include "hyphen.h"
#include "layout_internal.h"

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

/* ---- text ------------------------------------------------------------------- */

static void measure(const lay *c, const char *t, size_t n, am_font f, int px, int *w, int *h)
{
    int ww = 0, hh = 0;
    c->v->measure(c->v->measure_ud, t, n, f, px, &ww, &hh);
    *w = ww;
    *h = hh;
}

int am_lay_width_of(const lay *c, const char *t, size_t n, am_font f, int px)
{
    int w, h;
    measure(c, t, n, f, px, &w, &h);
    return w;
}

#define MAX_LINES 64

/* Letters and digits of the scripts that space their words: the
 * characters a line must not come between without a hyphen. */
bool am_lay_word_char(uint32_t cp)
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
    return am_lay_word_char(cp) && !(cp >= '0' && cp <= '9');
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
    return am_lay_width_of(c, buf, n + 1, f, px);
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
            if (am_lay_width_of(c, t + pos, i, f, px) > maxw)
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
                if (am_lay_width_of(c, t + pos, i - pos, f, px) <= maxw) {
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
bool am_lay_text_rtl(const lay *c, const char *t, size_t len)
{
    int dir = first_strong(t, len);
    return dir < 0 ? c->l->rtl : c->l->rtl ? has_arabic(t, len) : dir == 1;
}

/* Lays out `text` in `box`: wraps it, shrinks it until it fits (down to
 * min_scale of its size), or for a field keeps the last lines that fit.
 * Emits one TEXT command per line. Returns the height used. */
int am_lay_put_text(lay *c, const char *text, am_rect box, tstyle st, int widget)
{
    am_layout *l = c->l;
    if (!text || !*text || box.w <= 0 || box.h <= 0)
        return 0;
    if (l->block_count >= AM_LAYOUT_MAX_BLOCKS) {
        l->full = true;
        return 0;
    }
    size_t len = strlen(text);
    const char *t = am_lay_keep(c, text, len);
    if (!t)
        return 0;
    am_text_block *b = &l->blocks[l->block_count++];
    memset(b, 0, sizeof *b);
    b->text = t;
    b->box = box;
    b->widget = widget;
    b->first_cmd = l->cmd_count;

    bool rtl = am_lay_text_rtl(c, t, len);
    double min_scale = st.min_scale > 0 ? st.min_scale : 0.6;
    /* Large text: a third larger, except in a field (its height is the
     * keyboard's to keep), which shows typed text at its normal size. */
    int normal_px = U(c, st.size);
    int base_px = st.tail ? normal_px : U(c, st.size * c->ts);
    /* Large text gives way first where a box has no room for it: down to
     * the smallest the text may be at its normal size. */
    int min_px = st.tail ? base_px : (int)lround(normal_px * min_scale);
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
        /* Shrinking from large text passes through the normal size, so
         * a box that fits the text normally still fits it. */
        int next = px * 92 / 100;
        if (px > normal_px && next < normal_px)
            next = normal_px;
        px = next < min_px ? min_px : next;
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
                char *copy = am_lay_keep(c, t + starts[i], lens[i] + 1);
                if (!copy)
                    break;
                copy[lens[i]] = '-';
                lt = copy;
                ll = lens[i] + 1;
            }
            am_cmd *cmd = am_lay_push_cmd(c, AM_CMD_TEXT, rect(x, y, w, heights[i]));
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
int am_lay_text_height(lay *c, const char *text, int w, am_font f, double size)
{
    size_t starts[MAX_LINES], lens[MAX_LINES], rest;
    bool hyph[MAX_LINES];
    int px = U(c, size * c->ts);
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

int am_lay_text_height_normal(lay *c, const char *text, int w, am_font f, double size)
{
    double ts = c->ts;
    c->ts = 1.0;
    int h = am_lay_text_height(c, text, w, f, size);
    c->ts = ts;
    return h;
}
