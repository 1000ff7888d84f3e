/* palette.c — a theme's colours and their contrast (palette.h). */
#include "amends/palette.h"

#include <math.h>

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

/* Perceived lightness as the layout has always judged it (not WCAG's). */
static double lightness(uint32_t c)
{
    return (0.2126 * ((c >> 16) & 0xFF) + 0.7152 * ((c >> 8) & 0xFF) + 0.0722 * (c & 0xFF)) / 255.0;
}

static double linear(unsigned v)
{
    double s = v / 255.0;
    return s <= 0.04045 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4);
}

/* WCAG relative luminance of an sRGB colour. */
static double relative_luminance(uint32_t c)
{
    return 0.2126 * linear((c >> 16) & 0xFF) + 0.7152 * linear((c >> 8) & 0xFF) +
           0.0722 * linear(c & 0xFF);
}

double am_contrast(uint32_t a, uint32_t b)
{
    double la = relative_luminance(a), lb = relative_luminance(b);
    return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

/* The outline of a control: the text colour faded towards the background
 * as far as it can go while still standing out 3:1 from the background
 * and the surface, so controls look light but can be found. */
static uint32_t control_edge(uint32_t text, const uint32_t *around, int n)
{
    for (int step = 60; step >= 0; step -= 2) {
        uint32_t c = mix(text, around[0], step / 100.0);
        int ok = 1;
        for (int i = 0; i < n; i++)
            ok = ok && am_contrast(c, around[i]) >= 3.0;
        if (ok)
            return c;
    }
    return text;
}

void am_palette_make(uint32_t primary, uint32_t accent, uint32_t background, uint32_t text,
                     am_palette *out)
{
    out->bg = opaque(background);
    out->text = opaque(text);
    out->primary = opaque(primary);
    out->accent = opaque(accent);
    out->on_primary = lightness(out->primary) > 0.55 ? 0xFF1B1B1Fu : 0xFFFFFFFFu;
    out->muted = mix(out->text, out->bg, 0.35);
    int dark = lightness(out->bg) < 0.4;
    out->surface = mix(out->bg, dark ? 0xFF000000u : 0xFFFFFFFFu, 0.65);
    out->border = mix(out->text, out->bg, 0.78);
    out->field_bg = dark ? mix(out->bg, 0xFF000000u, 0.4) : 0xFFFFFFFFu;
    out->tint = mix(out->primary, out->surface, 0.86);
    out->panel = mix(out->bg, out->text, 0.06);
    out->key_special = mix(out->surface, out->text, 0.07);
    out->notice = mix(out->accent, out->surface, 0.82);
    const uint32_t around[] = {out->bg, out->surface, out->field_bg, out->panel};
    out->control = control_edge(out->text, around, 4);
}

void am_palette_high_contrast(am_palette *out)
{
    out->bg = 0xFF000000u;
    out->text = 0xFFFFFFFFu;
    out->primary = 0xFFFFE14Du; /* yellow: titles, selected outlines, primary buttons */
    out->accent = 0xFFFFE14Du;
    out->on_primary = 0xFF000000u;
    out->muted = 0xFFD6D6D6u;
    out->surface = 0xFF141414u;
    out->border = 0xFF8A8A8Au;
    out->control = 0xFFC8C8C8u;
    out->field_bg = 0xFF000000u;
    out->tint = 0xFF3A3410u;
    out->panel = 0xFF1E1E1Eu;
    out->key_special = 0xFF2E2E2Eu;
    out->notice = 0xFF2A2608u;
}

int am_palette_pairs(const am_palette *p, am_contrast_pair *out)
{
    const am_contrast_pair pairs[] = {
        {"text", "background", p->text, p->bg, 4.5, "body text"},
        {"text", "surface", p->text, p->surface, 4.5, "text on cards and tiles"},
        {"text", "field", p->text, p->field_bg, 4.5, "typed text"},
        {"text", "tint", p->text, p->tint, 4.5, "a selected tile's label"},
        {"muted", "background", p->muted, p->bg, 4.5, "secondary text"},
        {"muted", "surface", p->muted, p->surface, 4.5, "secondary text on cards"},
        {"on-primary", "primary", p->on_primary, p->primary, 4.5, "a primary button's label"},
        {"primary", "background", p->primary, p->bg, 3.0, "titles (large text)"},
        {"primary", "surface", p->primary, p->surface, 3.0, "large text and selected outlines"},
        {"primary", "tint", p->primary, p->tint, 3.0, "a selected tile's outline"},
        {"control", "background", p->control, p->bg, 3.0, "control outline"},
        {"control", "surface", p->control, p->surface, 3.0, "control outline on a card"},
        {"control", "field", p->control, p->field_bg, 3.0, "a text field's outline"},
        {"control", "panel", p->control, p->panel, 3.0, "a key's outline"},
        {"text", "key-special", p->text, p->key_special, 4.5, "a special key's label"},
        {"text", "notice", p->text, p->notice, 4.5, "text on a notice card"},
    };
    int n = (int)(sizeof pairs / sizeof pairs[0]);
    for (int i = 0; i < n && i < AM_CONTRAST_PAIRS; i++)
        out[i] = pairs[i];
    return n < AM_CONTRAST_PAIRS ? n : AM_CONTRAST_PAIRS;
}
