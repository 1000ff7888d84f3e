/* ui_render.h — draws an am_layout with SDL2 and SDL2_ttf; the only code
 * that calls SDL_Render* and TTF_* (src/ui/render*.c).
 *
 * Two targets: a window (software renderer unless asked for an accelerated
 * one) or, headless, an SDL_Surface with SDL_CreateSoftwareRenderer and the
 * `dummy` video driver, which loads no GL.
 *
 * Text: each run of a line is drawn with the bundled face that has its
 * glyphs (Noto Sans, Noto Sans Arabic shaped right to left by HarfBuzz,
 * Droid Sans Fallback for Chinese), runs placed in visual order. Rendered
 * lines are kept as textures keyed by text, font and size; a frame that
 * shows only unchanged text renders no text at all (am_render_stats counts
 * it). Guest text is dropped from the caches by am_render_forget_guest.
 */
#ifndef AMENDS_UI_RENDER_H
#define AMENDS_UI_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "amends/error.h"
#include "amends/layout.h"

typedef struct am_render am_render;

typedef struct am_render_options {
    const char *font_dir;  /* directory holding the bundled fonts */
    const char *logo_path; /* PNG, or NULL / "" for none */
    int width, height;     /* 0: the display's size (fullscreen) or 1280x800 */
    bool headless;         /* no window: software renderer on a surface */
    bool fullscreen;
    bool accelerated; /* a GPU renderer where there is one */
    const char *title;
    /* Fonts read from their files at each glyph load instead of mapped:
     * only bench/kiosk_frames sets it, to measure the baseline. */
    bool fonts_from_file;
} am_render_options;

/* Initialises SDL (video, TTF, image) and opens the target. On failure
 * returns an error and writes the reason into err. */
am_rc am_render_open(const am_render_options *o, am_render **out, char *err, size_t errlen);
/* Closes everything and shuts SDL down. Accepts NULL. */
void am_render_close(am_render *r);

/* The output size in pixels (the layout's size). */
void am_render_size(const am_render *r, int *w, int *h);
/* The logo's size, 0x0 when there is none. */
void am_render_logo_size(const am_render *r, int *w, int *h);

/* An am_measure_fn: `ud` is the am_render. */
void am_render_measure(void *ud, const char *text, size_t len, am_font font, int px, int *w,
                       int *h);

/* Opens the faces that `text` needs in `font` at `px` and renders it once
 * into nothing but SDL_ttf's own caches. The first text at a new face and
 * size costs about 0.4 ms of FreeType and HarfBuzz set-up (tables read and
 * checked, a shaping plan), and every glyph new to that size is loaded and
 * rasterised: warming does that work before a frame needs it. Counted in
 * warm_renders, not text_renders: it draws no frame. `text` must not be
 * guest text. */
void am_render_warm(am_render *r, const char *text, am_font font, int px);

/* Renders the text lines of `l` into the cache without drawing a frame,
 * so that the frame that shows `l` finds them there. */
void am_render_prepare(am_render *r, const am_layout *l);

/* Renders one text command of a layout that is not shown yet (a screen
 * the guest may go to next) into the cache, so that its first frame finds
 * it there. Skips guest text (AM_TF_GUEST) and anything but text. Never
 * drops a line of the shown frame or of this preparation to make room:
 * returns false when the cache (6 MiB of textures) has no room left for
 * the line, which it then does not keep. Counted in prepared_renders. */
bool am_render_prepare_line(am_render *r, const am_cmd *cmd);

/* am_render_measure from the measurement cache only: false (and nothing
 * measured) when the text was not measured before. */
bool am_render_measure_cached(am_render *r, const char *text, size_t len, am_font font, int px,
                              int *w, int *h);

/* Draws a whole frame and presents it. */
void am_render_frame(am_render *r, const am_layout *l);
/* Writes the last frame as PNG. */
am_rc am_render_save_png(am_render *r, const char *path, char *err, size_t errlen);

/* Drops every cached texture and measurement of guest text (AM_FX_WIPE). */
void am_render_forget_guest(am_render *r);

typedef struct am_render_stats {
    unsigned long frames;
    unsigned long text_renders; /* TTF_Render* calls */
    unsigned long text_cache_hits;
    unsigned long font_opens;       /* faces opened at a size (TTF_OpenFont) */
    unsigned long warm_renders;     /* TTF_Render* calls of am_render_warm */
    unsigned long prepared_renders; /* TTF_Render* calls of am_render_prepare_line */
    unsigned long measure_misses;   /* text measured with SDL_ttf, not from the cache */
    int text_cached;                /* textures held now */
    int guest_cached;               /* of which hold guest text */
} am_render_stats;
void am_render_get_stats(const am_render *r, am_render_stats *out);
/* True when a cached line or measurement contains `needle` (for tests:
 * what the caches hold of a guest's words). */
bool am_render_cache_holds(const am_render *r, const char *needle);

#endif
