/* keyboard.c — the on-screen keyboard's layers and key geometry (see
 * keyboard.h). layout.c draws the keys. */
#include "keyboard.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "amends/text.h"

static const char *const kbd_rows[AM_KBD_LAYER_COUNT][3] = {
    [AM_KBD_LATIN] = {"qwertyuiop", "asdfghjkl", "zxcvbnm"},
    [AM_KBD_ACCENTS] = {"áàâäãçéèêë", "íìîïñóòôöõ", "úùûüýßœæ"},
    [AM_KBD_SYMBOLS] = {"1234567890", "@.-_+'/:()", "#&!?,;\"*%"},
    [AM_KBD_ARABIC] = {"ضصثقفغعهخحج", "شسيبلاتنمكط", "ذئءؤرىةوزظد"},
};

am_kbd_layer am_kbd_default_layer(int lang)
{
    return lang == AM_LANG_AR ? AM_KBD_ARABIC : AM_KBD_LATIN;
}

static int U(double scale, double v)
{
    return (int)lround(v * scale);
}

int am_kbd_height(double scale, bool portrait)
{
    int kh = U(scale, portrait ? 64 : 56), gap = U(scale, 8);
    return 4 * kh + 3 * gap;
}

static uint32_t upper_cp(uint32_t cp)
{
    if (cp >= 'a' && cp <= 'z')
        return cp - 32;
    if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7)
        return cp - 0x20;
    if (cp == 0x153)
        return 0x152;
    return cp;
}

/* One key of a row, before it has a place: weight is its width in keys. */
typedef struct key_spec {
    const char *id;
    const char *label;
    double weight;
    am_action action;
    int value; /* layer */
    const char *typed;
    am_icon icon;
    bool has_icon, special;
} key_spec;

/* Gives a row of keys their places, centred in the keyboard's width. */
static int key_row(const am_kbd_spec *spec, const key_spec *row, int n, int y, int kh, double unit,
                   int x0, int width, am_kbd_key *out, int max)
{
    double total = 0;
    for (int i = 0; i < n; i++)
        total += row[i].weight;
    int gap = U(spec->scale, 8);
    int row_w = (int)lround(total * unit) - gap;
    double x = x0 + (width - row_w) / 2.0;
    int count = 0;
    for (int i = 0; i < n && count < max; i++) {
        int w = (int)lround(row[i].weight * unit) - gap;
        am_kbd_key *k = &out[count++];
        memset(k, 0, sizeof *k);
        snprintf(k->id, sizeof k->id, "%s", row[i].id);
        if (row[i].typed)
            snprintf(k->typed, sizeof k->typed, "%s", row[i].typed);
        k->label = row[i].label == row[i].typed && row[i].typed ? k->typed : row[i].label;
        k->rect = (am_rect){(int)lround(x), y, w, kh};
        k->action = row[i].action;
        k->value = row[i].value;
        k->icon = row[i].icon;
        k->has_icon = row[i].has_icon;
        k->special = row[i].special;
        x += row[i].weight * unit;
    }
    return count;
}

/* Keys of one letters row: "kbd.q", or "kbd.u0636" past ASCII letters and
 * digits. Ids and typed text live in ids[] and typed[]. */
static int letter_keys(const char *row, bool upper, key_spec *out, char (*ids)[16],
                       char (*typed)[8], int max)
{
    int n = 0;
    size_t len = strlen(row);
    for (size_t i = 0; i < len && n < max;) {
        uint32_t cp;
        i += (size_t)am_utf8_next(row, len, i, &cp);
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
            snprintf(ids[n], sizeof ids[n], "kbd.%c", (char)cp);
        else
            snprintf(ids[n], sizeof ids[n], "kbd.u%04x", (unsigned)cp);
        int tl = am_utf8_encode(upper ? upper_cp(cp) : cp, typed[n]);
        typed[n][tl] = '\0';
        key_spec *k = &out[n];
        memset(k, 0, sizeof *k);
        k->id = ids[n];
        k->typed = typed[n];
        k->label = k->typed;
        k->weight = 1;
        k->action = AM_ACT_TYPE;
        n++;
    }
    return n;
}

int am_kbd_keys(const am_kbd_spec *spec, am_kbd_key *out, int max)
{
    am_kbd_layer layer = spec->state.layer;
    am_kbd_layer letters = spec->state.letters;
    if (layer >= AM_KBD_LAYER_COUNT)
        layer = AM_KBD_LATIN;
    if (letters != AM_KBD_ARABIC)
        letters = AM_KBD_LATIN;
    am_rect area = spec->area;
    int kh = U(spec->scale, spec->portrait ? 64 : 56), gap = U(spec->scale, 8);
    double cols = layer == AM_KBD_ARABIC ? 12.5 : 10;
    int width = area.w < U(spec->scale, 1100) ? area.w : U(spec->scale, 1100);
    int x0 = area.x + (area.w - width) / 2;
    double unit = (double)(width + gap) / cols;
    int count = 0;
    key_spec keys[16];
    char ids[16][16], typed[16][8];
    int y = area.y;
    for (int row = 0; row < 3; row++) {
        int n = 0;
        if (row == 2 && (layer == AM_KBD_LATIN || layer == AM_KBD_ACCENTS)) {
            keys[n] = (key_spec){.id = "kbd.shift",
                                 .weight = 1.5,
                                 .action = AM_ACT_KBD_SHIFT,
                                 .icon = AM_ICON_SHIFT,
                                 .has_icon = true,
                                 .special = true};
            n++;
        }
        n += letter_keys(kbd_rows[layer][row], spec->upper && layer != AM_KBD_SYMBOLS, keys + n,
                         ids + n, typed + n, 13 - n);
        if (row == 2) {
            keys[n] = (key_spec){.id = "kbd.backspace",
                                 .weight = 1.5,
                                 .action = AM_ACT_EVENT,
                                 .icon = AM_ICON_BACKSPACE,
                                 .has_icon = true,
                                 .special = true};
            n++;
        }
        count += key_row(spec, keys, n, y, kh, unit, x0, width, out + count, max - count);
        y += kh + gap;
    }
    int n = 0;
    if (layer == AM_KBD_SYMBOLS) {
        keys[n++] = (key_spec){.id = "kbd.letters",
                               .label = letters == AM_KBD_ARABIC ? "أ ب ت" : "abc",
                               .weight = 1.5,
                               .action = AM_ACT_KBD_LAYER,
                               .value = letters,
                               .special = true};
    } else {
        keys[n++] = (key_spec){.id = "kbd.symbols",
                               .label = "?123",
                               .weight = 1.5,
                               .action = AM_ACT_KBD_LAYER,
                               .value = AM_KBD_SYMBOLS,
                               .special = true};
    }
    if (layer == AM_KBD_LATIN)
        keys[n++] = (key_spec){.id = "kbd.accents",
                               .label = "áé",
                               .weight = 1.5,
                               .action = AM_ACT_KBD_LAYER,
                               .value = AM_KBD_ACCENTS,
                               .special = true};
    else if (layer == AM_KBD_ACCENTS)
        keys[n++] = (key_spec){.id = "kbd.latin",
                               .label = "abc",
                               .weight = 1.5,
                               .action = AM_ACT_KBD_LAYER,
                               .value = AM_KBD_LATIN,
                               .special = true};
    bool email = spec->email && (layer == AM_KBD_LATIN || layer == AM_KBD_ACCENTS);
    if (email) {
        /* An address needs no Arabic letters but `@`, `.` and `.com` at hand. */
        keys[n++] = (key_spec){
            .id = "kbd.u0040", .label = "@", .weight = 1, .action = AM_ACT_TYPE, .typed = "@"};
    } else if (layer == AM_KBD_ARABIC || (layer == AM_KBD_SYMBOLS && letters == AM_KBD_ARABIC))
        keys[n++] = (key_spec){.id = "kbd.latin",
                               .label = "ABC",
                               .weight = 1.5,
                               .action = AM_ACT_KBD_LAYER,
                               .value = AM_KBD_LATIN,
                               .special = true};
    else
        keys[n++] = (key_spec){.id = "kbd.arabic",
                               .label = "عربي",
                               .weight = 1.5,
                               .action = AM_ACT_KBD_LAYER,
                               .value = AM_KBD_ARABIC,
                               .special = true};
    double used = 0;
    for (int i = 0; i < n; i++)
        used += keys[i].weight;
    bool arabic = layer == AM_KBD_ARABIC;
    double space_w = cols - used - (arabic ? 1.5 : 1) - (email ? 1.5 : 0);
    keys[n++] = (key_spec){.id = "kbd.space",
                           .label = spec->space_label,
                           .weight = space_w,
                           .action = AM_ACT_TYPE,
                           .typed = " ",
                           .special = true};
    if (arabic)
        keys[n++] = (key_spec){
            .id = "kbd.u060c", .label = "،", .weight = 1.5, .action = AM_ACT_TYPE, .typed = "،"};
    else
        keys[n++] = (key_spec){
            .id = "kbd.u002e", .label = ".", .weight = 1, .action = AM_ACT_TYPE, .typed = "."};
    if (email)
        keys[n++] = (key_spec){.id = "kbd.dotcom",
                               .label = ".com",
                               .weight = 1.5,
                               .action = AM_ACT_TYPE,
                               .typed = ".com",
                               .special = true};
    count += key_row(spec, keys, n, y, kh, unit, x0, width, out + count, max - count);
    return count;
}
