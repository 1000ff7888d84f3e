/* layout_query.c — asking a built layout: rects, which widget an id names
 * or a touch hits, whether a text shows, and am_layout_check (nothing
 * spills, overlaps, leaves the screen or breaks a word without a hyphen). */
#include <stdio.h>
#include <string.h>

#include "amends/text.h"
#include "layout_internal.h"

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

/* ---- queries ------------------------------------------------------------------- */

static bool counts(const am_layout *l, const am_widget *w)
{
    return !(l->prompting || l->asking) || (w->flags & AM_WF_OVERLAY);
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
        if (am_lay_word_char(before) && am_lay_word_char(after))
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
        if (l->reach_top > 0 && a->rect.y < l->reach_top)
            PROBLEM("%s starts at y %d, above a seated guest's reach (%d); ", a->id, a->rect.y,
                    l->reach_top);
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
            if (am_rect_overlaps(ia, ink_of(l, b)) && !l->prompting && !l->asking)
                PROBLEM("text \"%.24s\" overlaps \"%.24s\"; ", a->text, b->text);
        }
        if (a->widget >= 0 || l->prompting || l->asking)
            continue;
        for (int k = 0; k < l->widget_count; k++) {
            const am_widget *w = &l->widgets[k];
            if (w->kind != AM_WK_HIDDEN && am_rect_overlaps(ia, w->rect))
                PROBLEM("text \"%.24s\" runs into %s; ", a->text, w->id);
        }
    }
    return problems;
}
