/* keyboard.h — the on-screen keyboard as data: which keys a layer has and
 * where they sit. Private to amends_ui_layout: layout.c draws the keys and
 * turns them into widgets. */
#ifndef AMENDS_UI_KEYBOARD_H
#define AMENDS_UI_KEYBOARD_H

#include <stdbool.h>

#include "amends/layout.h"

#define AM_KBD_MAX_KEYS 64

typedef struct am_kbd_key {
    char id[AM_WIDGET_ID_MAX]; /* "kbd.q", "kbd.u0636", "kbd.space" */
    char typed[8];             /* AM_ACT_TYPE: the UTF-8 the key types */
    const char *label;         /* static, this key's typed[], or the space label; NULL: icon */
    am_rect rect;
    am_action action;
    int value; /* AM_ACT_KBD_LAYER: the layer */
    am_icon icon;
    bool has_icon, special;
} am_kbd_key;

/* What the keys depend on. space_label is borrowed. */
typedef struct am_kbd_spec {
    am_kbd_state state;
    bool upper;    /* letters type capitals (shift, or an empty field) */
    double scale;  /* pixels per design unit */
    bool portrait; /* taller keys */
    bool email;    /* a contact field: `@`, `.` and `.com` on the letters layers */
    am_rect area;  /* where the keys go, am_kbd_height() high */
    const char *space_label;
} am_kbd_spec;

/* Height of the keyboard's four rows, pixels. */
int am_kbd_height(double scale, bool portrait);

/* Fills keys[0..max) in paint order, rows top to bottom. Returns the count.
 * Letter keys' labels point into their own typed[]. */
int am_kbd_keys(const am_kbd_spec *spec, am_kbd_key *keys, int max);

#endif
