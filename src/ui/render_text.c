/* render_text.c — text with SDL2_ttf: faces per script, runs in visual
 * order, and the caches that keep a frame of unchanged text free of
 * TTF rendering (see ui_render.h). */
#include <stdlib.h>
#include <string.h>

#include "amends/text.h"
#include "render_internal.h"

/* FNV-1a over the text and its rendering parameters. */
static uint64_t hash_key(const char *text, size_t len, int font, int px, int rtl)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)text[i];
        h *= 1099511628211ull;
    }
    h ^= (uint64_t)(font * 7919 + px * 31 + rtl);
    h *= 1099511628211ull;
    return h;
}

static TTF_Font *font_at(am_render *r, int face, int px)
{
    if (px < 4)
        px = 4;
    font_slot *free_slot = NULL, *oldest = &r->fonts[0];
    for (int i = 0; i < FONT_SLOTS; i++) {
        font_slot *s = &r->fonts[i];
        if (s->font && s->face == face && s->px == px) {
            s->used = ++r->tick;
            return s->font;
        }
        if (!s->font && !free_slot)
            free_slot = s;
        if (s->used < oldest->used)
            oldest = s;
    }
    font_slot *s = free_slot ? free_slot : oldest;
    if (s->font)
        TTF_CloseFont(s->font);
    if (r->fonts_from_file) {
        s->font = TTF_OpenFont(r->font_path[face], px);
    } else {
        SDL_RWops *rw = SDL_RWFromConstMem(r->font_map[face], (int)r->font_map_len[face]);
        s->font = rw ? TTF_OpenFontRW(rw, 1, px) : NULL;
    }
    if (!s->font)
        return NULL;
    r->stats.font_opens++;
    s->face = face;
    s->px = px;
    s->used = ++r->tick;
    if (face == FACE_ARABIC || face == FACE_ARABIC_BOLD) {
        TTF_SetFontDirection(s->font, TTF_DIRECTION_RTL);
        TTF_SetFontScriptName(s->font, "Arab");
    } else if (face == FACE_CJK) {
        TTF_SetFontScriptName(s->font, "Hani");
    } else {
        TTF_SetFontScriptName(s->font, "Latn");
    }
    /* Droid Sans Fallback has no hints of its own: light hinting runs
     * FreeType's auto-hinter on every Chinese glyph, several times the cost
     * of loading it, for strokes that look the same at these sizes. */
    TTF_SetFontHinting(s->font, face == FACE_CJK ? TTF_HINTING_NONE : TTF_HINTING_LIGHT);
    return s->font;
}

enum { CLS_NEUTRAL = 0, CLS_LATIN, CLS_ARABIC, CLS_CJK };

static int classify(uint32_t cp)
{
    if (am_script_arabic(cp))
        return CLS_ARABIC;
    if (am_script_cjk(cp))
        return CLS_CJK;
    if (cp == ' ' || (cp < 0x80 && !((cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') ||
                                     (cp >= 'a' && cp <= 'z'))))
        return CLS_NEUTRAL;
    if (cp >= 0x2000 && cp <= 0x206F)
        return CLS_NEUTRAL;
    return CLS_LATIN;
}

static bool all_neutral(const char *t, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)t[i] >= 0x80 || classify((unsigned char)t[i]) != CLS_NEUTRAL)
            return false;
    }
    return true;
}

/* ASCII brackets as a right-to-left line shows them. */
static void mirror_brackets(char *t, size_t len)
{
    static const char pairs[] = "()[]{}<>";
    for (size_t i = 0; i < len; i++) {
        const char *p = memchr(pairs, t[i], sizeof pairs - 1);
        if (p)
            t[i] = pairs[(p - pairs) ^ 1];
    }
}

typedef struct run {
    size_t start, len;
    int face;
    bool rtl;
} run;

#define MAX_RUNS 32

static int face_for(int cls, bool bold)
{
    switch (cls) {
    case CLS_ARABIC:
        return bold ? FACE_ARABIC_BOLD : FACE_ARABIC;
    case CLS_CJK:
        return FACE_CJK;
    default:
        return bold ? FACE_LATIN_BOLD : FACE_LATIN;
    }
}

/* Splits a line into runs of one script each. Neutral characters (spaces,
 * punctuation) join the run before them when its face has the glyph, so
 * "Sam، " keeps its Arabic comma with the Arabic text. Digits are Latin:
 * they read left to right even inside Arabic. */
static int segment(am_render *r, const char *t, size_t len, am_font font, int px, run *runs)
{
    bool bold = font == AM_FONT_BOLD;
    int n = 0;
    /* The script of the first letter, for neutrals at the start. */
    int first_cls = CLS_LATIN;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += (size_t)am_utf8_next(t, len, i, &cp);
        int cls = classify(cp);
        if (cls != CLS_NEUTRAL) {
            first_cls = cls;
            break;
        }
    }
    int cur_cls = first_cls;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t step = (size_t)am_utf8_next(t, len, i, &cp);
        int cls = classify(cp);
        if (cls == CLS_NEUTRAL) {
            TTF_Font *f = font_at(r, face_for(cur_cls, bold), px);
            if (!f || !TTF_GlyphIsProvided32(f, cp))
                cls = CLS_LATIN;
            else
                cls = cur_cls;
        }
        int face = face_for(cls, bold);
        if (n > 0 && runs[n - 1].face == face) {
            runs[n - 1].len += step;
        } else if (n < MAX_RUNS) {
            runs[n].start = i;
            runs[n].len = step;
            runs[n].face = face;
            runs[n].rtl = cls == CLS_ARABIC;
            n++;
        } else {
            runs[n - 1].len += step; /* more runs than we keep: draw the rest as-is */
        }
        cur_cls = cls;
        i += step;
    }
    return n;
}

static void measure_runs(am_render *r, const char *t, const run *runs, int n, int px, int *w,
                         int *ascent, int *descent)
{
    *w = 0;
    *ascent = 0;
    *descent = 0;
    for (int i = 0; i < n; i++) {
        TTF_Font *f = font_at(r, runs[i].face, px);
        if (!f)
            continue;
        char buf[4096];
        size_t len = runs[i].len < sizeof buf - 1 ? runs[i].len : sizeof buf - 1;
        memcpy(buf, t + runs[i].start, len);
        buf[len] = '\0';
        int rw = 0, rh = 0;
        TTF_SizeUTF8(f, buf, &rw, &rh);
        *w += rw;
        if (TTF_FontAscent(f) > *ascent)
            *ascent = TTF_FontAscent(f);
        if (-TTF_FontDescent(f) > *descent)
            *descent = -TTF_FontDescent(f);
    }
    if (n == 0) {
        TTF_Font *f = font_at(r, FACE_LATIN, px);
        if (f) {
            *ascent = TTF_FontAscent(f);
            *descent = -TTF_FontDescent(f);
        }
    }
}

/* Measurements are kept in sets of MEASURE_WAYS slots; a new one takes
 * the set's least recently used slot. */
#define MEASURE_WAYS 4

bool am_render_measure_cached(am_render *r, const char *text, size_t len, am_font font, int px,
                              int *w, int *h)
{
    uint64_t hash = hash_key(text, len, font, px, 0);
    measure_slot *set = &r->measures[(hash % (MEASURE_SLOTS / MEASURE_WAYS)) * MEASURE_WAYS];
    for (int i = 0; i < MEASURE_WAYS; i++) {
        measure_slot *s = &set[i];
        if (s->text && s->hash == hash && s->len == len && s->font == (int)font && s->px == px &&
            memcmp(s->text, text, len) == 0) {
            s->used = ++r->measure_tick;
            *w = s->w;
            *h = s->h;
            return true;
        }
    }
    return false;
}

void am_render_measure(void *ud, const char *text, size_t len, am_font font, int px, int *w, int *h)
{
    am_render *r = ud;
    if (am_render_measure_cached(r, text, len, font, px, w, h))
        return;
    r->stats.measure_misses++;
    uint64_t hash = hash_key(text, len, font, px, 0);
    measure_slot *set = &r->measures[(hash % (MEASURE_SLOTS / MEASURE_WAYS)) * MEASURE_WAYS];
    measure_slot *s = &set[0];
    for (int i = 1; i < MEASURE_WAYS && s->text; i++) {
        if (!set[i].text || set[i].used < s->used)
            s = &set[i];
    }
    run runs[MAX_RUNS];
    int n = segment(r, text, len, font, px, runs);
    int ascent, descent;
    measure_runs(r, text, runs, n, px, w, &ascent, &descent);
    *h = ascent + descent;
    if (s->text) {
        am_wipe(s->text, s->len);
        free(s->text);
    }
    s->text = malloc(len + 1);
    if (s->text) {
        memcpy(s->text, text, len);
        s->text[len] = '\0';
        s->hash = hash;
        s->len = len;
        s->font = font;
        s->px = px;
        s->w = *w;
        s->h = *h;
        s->used = ++r->measure_tick;
    }
}

/* Gives every pixel of a line texture the colour `rgb`, keeping its
 * coverage in alpha. A texture drawn with no colour modulation is blended
 * by SDL's fast per-pixel-alpha blitter, which skips transparent pixels;
 * with a colour mod the software renderer takes a generic path that is
 * about nine times slower, and text is most of what a frame blends. */
static void recolour(text_slot *s, uint32_t rgb)
{
    void *pixels;
    int pitch;
    if (SDL_LockTexture(s->tex, NULL, &pixels, &pitch) != 0)
        return;
    for (int y = 0; y < s->ink_h; y++) {
        Uint32 *row = (Uint32 *)((Uint8 *)pixels + (size_t)y * (size_t)pitch);
        for (int x = 0; x < s->w; x++)
            row[x] = (row[x] & 0xFF000000u) | rgb;
    }
    SDL_UnlockTexture(s->tex);
    s->rgb = rgb;
}

void am_render_warm(am_render *r, const char *text, am_font font, int px)
{
    run runs[MAX_RUNS];
    size_t len = strlen(text);
    int n = segment(r, text, len, font, px, runs);
    SDL_Color white = {255, 255, 255, 255};
    for (int k = 0; k < n; k++) {
        TTF_Font *f = font_at(r, runs[k].face, px);
        if (!f)
            continue;
        char buf[4096];
        size_t run_len = runs[k].len < sizeof buf - 1 ? runs[k].len : sizeof buf - 1;
        memcpy(buf, text + runs[k].start, run_len);
        buf[run_len] = '\0';
        /* Thrown away: what stays is SDL_ttf's glyph cache of the font. */
        SDL_Surface *part = TTF_RenderUTF8_Blended(f, buf, white);
        r->stats.warm_renders++;
        SDL_FreeSurface(part);
    }
}

/* Renders a line once into one texture: runs side by side in visual order
 * on a shared baseline, coverage in alpha, in the colour of this use. A
 * later use in another colour recolours the texture (recolour) without
 * rendering the text again. Each run is shaped once: the line's width is
 * the sum of the rendered runs (what TTF_SizeUTF8 would say). */
static text_slot *render_line(am_render *r, const am_cmd *cmd, text_slot *slot)
{
    run runs[MAX_RUNS];
    int n = segment(r, cmd->text, cmd->len, cmd->font, cmd->px, runs);
    bool rtl = cmd->text_flags & AM_TF_RTL;
    /* Punctuation that ends a right-to-left line after a Latin word
     * ("يا Amira.") belongs to the line, not the word: its own run, drawn
     * at the line's left end. */
    if (rtl && n > 0 && n < MAX_RUNS && !runs[n - 1].rtl) {
        run *last = &runs[n - 1];
        size_t keep = last->len;
        while (keep > 0 &&
               classify((unsigned char)cmd->text[last->start + keep - 1]) == CLS_NEUTRAL &&
               (unsigned char)cmd->text[last->start + keep - 1] < 0x80)
            keep--;
        if (keep > 0 && keep < last->len) {
            runs[n].start = last->start + keep;
            runs[n].len = last->len - keep;
            runs[n].face = last->face;
            runs[n].rtl = false;
            last->len = keep;
            n++;
        }
    }
    /* Spaces between a left-to-right run and the Arabic after it take the
     * line's direction (as the Unicode bidi rules have it): they go with
     * the Arabic run, so "لمدة 90 يومًا" keeps one space on each side of
     * the number instead of two on one side and none on the other. */
    for (int k = 0; rtl && k + 1 < n; k++) {
        if (runs[k].rtl || !runs[k + 1].rtl)
            continue;
        size_t m = 0;
        while (m + 1 < runs[k].len && cmd->text[runs[k].start + runs[k].len - 1 - m] == ' ')
            m++;
        runs[k].len -= m;
        runs[k + 1].start -= m;
        runs[k + 1].len += m;
    }
    SDL_Surface *parts[MAX_RUNS] = {0};
    int tops[MAX_RUNS] = {0};
    int w = 0, ascent = 0, descent = 0;
    SDL_Color white = {255, 255, 255, 255};
    for (int k = 0; k < n; k++) {
        int li = rtl ? n - 1 - k : k; /* the run's place in reading order */
        const run *ru = &runs[li];
        TTF_Font *f = font_at(r, ru->face, cmd->px);
        if (!f)
            continue;
        if (TTF_FontAscent(f) > ascent)
            ascent = TTF_FontAscent(f);
        if (-TTF_FontDescent(f) > descent)
            descent = -TTF_FontDescent(f);
        tops[k] = TTF_FontAscent(f);
        char buf[4096];
        size_t len = ru->len < sizeof buf - 1 ? ru->len : sizeof buf - 1;
        memcpy(buf, cmd->text + ru->start, len);
        buf[len] = '\0';
        /* Brackets the Arabic face has no glyph for are a run of their own:
         * between right-to-left runs (or at the line's ends) they read right
         * to left too, so "(اختياري)" shows its brackets mirrored, as the
         * Unicode bidi rules have it. */
        if (rtl && !ru->rtl && all_neutral(buf, len) && (li == 0 || runs[li - 1].rtl) &&
            (li == n - 1 || runs[li + 1].rtl))
            mirror_brackets(buf, len);
        parts[k] = TTF_RenderUTF8_Blended(f, buf, white);
        r->stats.text_renders++;
        am_wipe(buf, len);
        if (parts[k])
            w += parts[k]->w;
    }
    int h = ascent + descent;
    text_slot *done = NULL;
    void *pixels;
    int pitch;
    /* Only the rows with ink are kept: a line's box is as high as the
     * tallest face's ascent and descent (Arabic's are generous), and the
     * rows above and below the letters would be memory spent on nothing. */
    int ink_top = h, ink_end = 0;
    for (int k = 0; k < n; k++) {
        const SDL_Surface *part = parts[k];
        if (!part)
            continue;
        int top = ascent - tops[k];
        for (int py = 0; py < part->h; py++) {
            int ly = top + py;
            if (ly < 0 || ly >= h || (ly >= ink_top && ly < ink_end))
                continue;
            const Uint32 *src = (const Uint32 *)((const Uint8 *)part->pixels + py * part->pitch);
            for (int px = 0; px < part->w; px++) {
                if (src[px] & 0xFF000000u) {
                    if (ly < ink_top)
                        ink_top = ly;
                    if (ly + 1 > ink_end)
                        ink_end = ly + 1;
                    break;
                }
            }
        }
    }
    if (ink_end <= ink_top) {
        ink_top = 0; /* a line of spaces: one empty row */
        ink_end = 1;
    }
    /* Streaming, so the pixels can be written in place: by the software
     * renderer they are the texture's own surface, with no copy. */
    if (w <= 0 || h <= 0)
        goto out;
    slot->tex = SDL_CreateTexture(r->renderer, SDL_PIXELFORMAT_ARGB8888,
                                  SDL_TEXTUREACCESS_STREAMING, w, ink_end - ink_top);
    if (!slot->tex || SDL_LockTexture(slot->tex, NULL, &pixels, &pitch) != 0)
        goto out;
    slot->w = w;
    slot->h = h;
    slot->ink_top = ink_top;
    slot->ink_h = ink_end - ink_top;
    uint32_t rgb = cmd->color & 0xFFFFFFu;
    slot->rgb = rgb;
    for (int y = 0; y < slot->ink_h; y++)
        memset((Uint8 *)pixels + (size_t)y * (size_t)pitch, 0, (size_t)w * 4);
    /* Each run's coverage into the line at its place, clipped, in this
     * use's colour (a blit with no blending, and the colouring, in one
     * pass). */
    int x = 0;
    for (int k = 0; k < n; k++) {
        const SDL_Surface *part = parts[k];
        if (!part)
            continue;
        int top = ascent - tops[k];
        for (int py = 0; py < part->h; py++) {
            int ly = top + py;
            if (ly < ink_top || ly >= ink_end)
                continue;
            const Uint32 *src = (const Uint32 *)((const Uint8 *)part->pixels + py * part->pitch);
            Uint32 *dst = (Uint32 *)((Uint8 *)pixels + (size_t)(ly - ink_top) * (size_t)pitch);
            for (int px = 0; px < part->w && x + px < w; px++)
                dst[x + px] = (src[px] & 0xFF000000u) | rgb;
        }
        x += part->w;
    }
    SDL_UnlockTexture(slot->tex);
    SDL_SetTextureBlendMode(slot->tex, SDL_BLENDMODE_BLEND);
    done = slot;
out:
    for (int k = 0; k < n; k++) {
        if (!parts[k])
            continue;
        if (cmd->text_flags & AM_TF_GUEST)
            am_wipe(parts[k]->pixels, (size_t)parts[k]->pitch * (size_t)parts[k]->h);
        SDL_FreeSurface(parts[k]);
    }
    return done;
}

static void slot_clear(am_render *r, text_slot *s)
{
    if (s->tex) {
        r->text_bytes -= (size_t)s->w * (size_t)s->ink_h * 4;
        /* A guest's words leave no pixels behind in freed memory. */
        void *pixels;
        int pitch;
        if (s->guest && SDL_LockTexture(s->tex, NULL, &pixels, &pitch) == 0) {
            am_wipe(pixels, (size_t)pitch * (size_t)s->ink_h);
            SDL_UnlockTexture(s->tex);
        }
        SDL_DestroyTexture(s->tex);
    }
    if (s->text) {
        am_wipe(s->text, s->len);
        free(s->text);
    }
    memset(s, 0, sizeof *s);
}

static text_slot *lookup(am_render *r, const am_cmd *cmd, bool preparing);

/* Keeps the text textures within TEXT_BUDGET bytes: the least recently
 * drawn lines go first, never one drawn in this frame. */
static void trim_cache(am_render *r)
{
    while (r->text_bytes > TEXT_BUDGET) {
        text_slot *lru = NULL;
        for (int i = 0; i < TEXT_SLOTS; i++) {
            text_slot *s = &r->texts[i];
            if (s->tex && s->used < r->frame && (!lru || s->used < lru->used))
                lru = s;
        }
        if (!lru)
            return;
        slot_clear(r, lru);
    }
}

/* Puts the texts of `l` into the cache without drawing them. */
void am_render_prepare(am_render *r, const am_layout *l)
{
    r->frame++;
    for (int i = 0; i < l->cmd_count; i++) {
        if (l->cmds[i].type == AM_CMD_TEXT)
            lookup(r, &l->cmds[i], false);
    }
}

bool am_render_prepare_line(am_render *r, const am_cmd *cmd)
{
    if (cmd->type != AM_CMD_TEXT || (cmd->text_flags & AM_TF_GUEST))
        return true;
    unsigned long renders = r->stats.text_renders;
    text_slot *s = lookup(r, cmd, true);
    bool fresh = r->stats.text_renders != renders;
    /* Counted apart: no frame waits for these. */
    r->stats.prepared_renders += r->stats.text_renders - renders;
    r->stats.text_renders = renders;
    /* lookup made room by dropping lines older than the shown frame; what
     * is left over the budget is the shown screen and this preparation,
     * neither of which is to go: no room, and this new line goes instead. */
    if (s && fresh && r->text_bytes > TEXT_BUDGET) {
        slot_clear(r, s);
        return false;
    }
    return true;
}

/* A preparation (`preparing`) takes no slot from a line of the shown frame
 * or of this preparation: it returns NULL instead. */
static text_slot *lookup(am_render *r, const am_cmd *cmd, bool preparing)
{
    int rtl = (cmd->text_flags & AM_TF_RTL) ? 1 : 0;
    uint64_t hash = hash_key(cmd->text, cmd->len, cmd->font, cmd->px, rtl);
    text_slot *oldest = NULL;
    /* Small open-addressed probe window; the least recently used entry in
     * it makes room. */
    for (int i = 0; i < 8; i++) {
        text_slot *s = &r->texts[(hash + (uint64_t)i) % TEXT_SLOTS];
        if (s->text && s->hash == hash && s->len == cmd->len && s->font == (int)cmd->font &&
            s->px == cmd->px && s->rtl == rtl && memcmp(s->text, cmd->text, cmd->len) == 0) {
            s->used = r->frame;
            r->stats.text_cache_hits++;
            return s;
        }
        if (!s->text) {
            if (!oldest || oldest->text)
                oldest = s;
        } else if (!oldest || (oldest->text && s->used < oldest->used)) {
            oldest = s;
        }
    }
    if (preparing && oldest->text && oldest->used >= r->frame)
        return NULL;
    slot_clear(r, oldest);
    oldest->text = malloc(cmd->len + 1);
    if (!oldest->text)
        return NULL;
    memcpy(oldest->text, cmd->text, cmd->len);
    oldest->text[cmd->len] = '\0';
    oldest->len = cmd->len;
    oldest->hash = hash;
    oldest->font = cmd->font;
    oldest->px = cmd->px;
    oldest->rtl = rtl;
    oldest->guest = cmd->text_flags & AM_TF_GUEST;
    oldest->used = r->frame;
    if (!render_line(r, cmd, oldest)) {
        slot_clear(r, oldest);
        return NULL;
    }
    r->text_bytes += (size_t)oldest->w * (size_t)oldest->ink_h * 4;
    trim_cache(r);
    return oldest;
}

void am_text_draw(am_render *r, const am_cmd *cmd)
{
    text_slot *s = lookup(r, cmd, false);
    if (!s)
        return;
    if (s->rgb != (cmd->color & 0xFFFFFFu))
        recolour(s, cmd->color & 0xFFFFFFu);
    SDL_SetTextureAlphaMod(s->tex, (cmd->color >> 24) & 0xFF);
    /* The layout sized the rect from the same measurement; centre the
     * texture in it in case a line was cut to the box. */
    SDL_Rect dst = {cmd->rect.x, cmd->rect.y + (cmd->rect.h - s->h) / 2 + s->ink_top, s->w,
                    s->ink_h};
    SDL_RenderCopy(r->renderer, s->tex, NULL, &dst);
}

void am_render_forget_guest(am_render *r)
{
    for (int i = 0; i < TEXT_SLOTS; i++) {
        if (r->texts[i].text && r->texts[i].guest)
            slot_clear(r, &r->texts[i]);
    }
    /* Measurements do not say whose text they were: drop them all. */
    for (int i = 0; i < MEASURE_SLOTS; i++) {
        measure_slot *s = &r->measures[i];
        if (s->text) {
            am_wipe(s->text, s->len);
            free(s->text);
        }
        memset(s, 0, sizeof *s);
    }
}

void am_text_close(am_render *r)
{
    for (int i = 0; i < TEXT_SLOTS; i++)
        slot_clear(r, &r->texts[i]);
    for (int i = 0; i < MEASURE_SLOTS; i++) {
        if (r->measures[i].text) {
            am_wipe(r->measures[i].text, r->measures[i].len);
            free(r->measures[i].text);
        }
        memset(&r->measures[i], 0, sizeof r->measures[i]);
    }
    for (int i = 0; i < FONT_SLOTS; i++) {
        if (r->fonts[i].font)
            TTF_CloseFont(r->fonts[i].font);
        r->fonts[i].font = NULL;
    }
}

static bool holds(const char *text, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; text && n <= len && i <= len - n; i++) {
        if (memcmp(text + i, needle, n) == 0)
            return true;
    }
    return false;
}

bool am_render_cache_holds(const am_render *r, const char *needle)
{
    for (int i = 0; i < TEXT_SLOTS; i++) {
        if (holds(r->texts[i].text, r->texts[i].len, needle))
            return true;
    }
    for (int i = 0; i < MEASURE_SLOTS; i++) {
        if (holds(r->measures[i].text, r->measures[i].len, needle))
            return true;
    }
    return false;
}

void am_render_get_stats(const am_render *r, am_render_stats *out)
{
    *out = r->stats;
    out->text_cached = 0;
    out->guest_cached = 0;
    for (int i = 0; i < TEXT_SLOTS; i++) {
        if (r->texts[i].text) {
            out->text_cached++;
            if (r->texts[i].guest)
                out->guest_cached++;
        }
    }
}
