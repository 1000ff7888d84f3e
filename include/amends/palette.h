/* palette.h — the colours every screen is drawn with, made from a site's
 * four theme colours, and the contrast each pair of them must have.
 *
 * Contrast is WCAG 2.x's: (L1 + 0.05) / (L2 + 0.05) of the relative
 * luminances of the two sRGB colours. Text needs 4.5:1 against what it is
 * drawn on; large text (at least 24 px, or 18.7 px bold: every title and
 * button label here) and the outline that shows where a control is need
 * 3:1 (WCAG 1.4.3 and 1.4.11). The config loader refuses a theme with a
 * pair below its need, so no site can make a screen unreadable, and the
 * layout draws only with these colours.
 */
#ifndef AMENDS_PALETTE_H
#define AMENDS_PALETTE_H

#include <stdint.h>

typedef struct am_palette {
    uint32_t bg, text, primary, accent; /* the theme's own, 0xFFRRGGBB */
    uint32_t on_primary;                /* text on primary: near-black or white */
    uint32_t muted;                     /* secondary text: hints, headings of values */
    uint32_t surface;                   /* cards, tiles and keys on the background */
    uint32_t border;                    /* a card's edge, a divider: decoration only */
    uint32_t control;                   /* the outline of a control (tile, field, key, button) */
    uint32_t field_bg;                  /* inside a text field */
    uint32_t tint;                      /* a selected tile */
    uint32_t panel;                     /* behind the on-screen keyboard */
    uint32_t key_special;               /* shift, backspace, layer keys */
    uint32_t notice;                    /* a card in the accent's tint (a manager's promise) */
} am_palette;

/* The palette of a theme (each colour 0xRRGGBB). */
void am_palette_make(uint32_t primary, uint32_t accent, uint32_t background, uint32_t text,
                     am_palette *out);

/* The high-contrast palette a guest can switch to on attract, the same for
 * every site: white text and yellow on black, every pair at least 7:1
 * (WCAG's AAA) and every outline at least 4.5:1. */
void am_palette_high_contrast(am_palette *out);

/* WCAG 2.x contrast ratio of two colours, 1.0 to 21.0. */
double am_contrast(uint32_t a, uint32_t b);

/* One pair the screens draw: `fg` on `bg`, and the ratio it needs. */
typedef struct am_contrast_pair {
    const char *fg_name, *bg_name; /* "text", "background" */
    uint32_t fg, bg;
    double need;     /* 4.5 or 3.0 */
    const char *use; /* "body text", "large text", "control outline" */
} am_contrast_pair;

#define AM_CONTRAST_PAIRS 24 /* at most this many */

/* Every pair the screens draw with palette p, into out; returns how many. */
int am_palette_pairs(const am_palette *p, am_contrast_pair *out);

#endif
