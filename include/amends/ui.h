/* ui.h — the kiosk screen: layout, renderer, on-screen keyboard state and
 * hit testing, put together for src/kiosk.
 *
 * The app owns the journey; the UI reads it to build the current screen
 * (am_ui_layout) and turns a touch, a click or a widget id into the journey
 * event it stands for (am_ui_tap, am_ui_activate). `tap ID` in scripts and a
 * real finger go through the same widget, so automation tests what a guest
 * can do. Input arrives as am_input, converted from SDL_Event at the edge
 * (ui_input.h).
 */
#ifndef AMENDS_UI_H
#define AMENDS_UI_H

#include <stdbool.h>
#include <stdint.h>

#include "amends/config.h"
#include "amends/error.h"
#include "amends/i18n.h"
#include "amends/journey.h"
#include "amends/layout.h"
#include "amends/ui_render.h"

typedef struct am_ui am_ui;

typedef struct am_ui_options {
    const char *assets_dir; /* holds i18n/ and fonts/ */
    int width, height;      /* 0: default (fullscreen: the display) */
    bool headless, fullscreen, accelerated;
    bool fonts_from_file; /* see am_render_options; bench only */
} am_ui_options;

/* The assets directory: $AMENDS_ASSETS, else the one this build was made
 * from. Never NULL. */
const char *am_ui_default_assets(void);

/* Loads strings and fonts and opens the screen. Borrows cfg. */
am_rc am_ui_open(const am_ui_options *o, const am_config *cfg, am_ui **out, char *err,
                 size_t errlen);
/* Accepts NULL. */
void am_ui_close(am_ui *ui);
/* Waits until the site's hyphenation dictionaries have loaded. A real
 * screen never waits (they load beside the first frames, whose long words
 * break between letters until then); a script does, so that what it
 * draws does not depend on how fast they load. */
void am_ui_wait_hyphenation(am_ui *ui);

/* The current screen of j at now_ms, rebuilt when anything it shows has
 * changed. The pointer stays valid until the next call. */
const am_layout *am_ui_layout(am_ui *ui, const am_journey *j, int64_t now_ms);
/* Lays out and draws a frame. */
void am_ui_draw(am_ui *ui, const am_journey *j, int64_t now_ms);
/* Saves the current screen (drawing it first when needed). */
am_rc am_ui_shot(am_ui *ui, const am_journey *j, int64_t now_ms, const char *path, char *err,
                 size_t errlen);

typedef enum am_ui_result {
    AM_UI_NOTHING = 0, /* nothing there, or a widget that does nothing */
    AM_UI_EVENT,       /* *ev is a journey event to feed to the app */
    AM_UI_CHANGED,     /* only the UI changed (keyboard layer, shift) */
} am_ui_result;

/* What a tap on widget w (from the current layout) does. Fills ev (its
 * text, for a key, points into the UI and lasts until the next call). */
am_ui_result am_ui_activate(am_ui *ui, const am_widget *w, am_event *ev);
/* Moving with keys alone (a USB keypad, a switch, Tab and arrows): a
 * focus ring goes from control to control in reading order (right to left
 * in Arabic), and ACTIVATE does what a tap on the ringed control does. */
typedef enum am_nav {
    AM_NAV_NEXT = 0, /* Tab, and Down */
    AM_NAV_PREV,     /* Shift+Tab, and Up */
    AM_NAV_LEFT,     /* the arrow: back in reading order, or on in Arabic */
    AM_NAV_RIGHT,
    AM_NAV_ACTIVATE, /* Return, Enter, Space */
} am_nav;
/* AM_UI_CHANGED when the ring moved, AM_UI_EVENT with *ev for ACTIVATE
 * on a control that makes one (STILL_HERE while "still there?" shows),
 * AM_UI_NOTHING when no control has the ring (ACTIVATE) or none can. */
am_ui_result am_ui_key(am_ui *ui, const am_journey *j, int64_t now_ms, am_nav nav, am_event *ev);
/* The id of the control the ring is on, or NULL. */
const char *am_ui_key_focus(const am_ui *ui);

/* A touch at (x, y) on the current screen: hit testing, then as
 * am_ui_activate. While "still there?" shows, any touch answers it. A
 * plain tap on the hidden manager corner does nothing: that takes a held
 * press (am_press_is_manager_gesture in ui_input.h). */
am_ui_result am_ui_tap(am_ui *ui, const am_journey *j, int64_t now_ms, int x, int y, am_event *ev);

/* The figures the manager screen shows (copied); the kiosk refreshes them
 * before it lays out that screen. */
void am_ui_set_manager_info(am_ui *ui, const am_manager_info *info);

/* Prepares, while nothing else is to be done, what the next frames will
 * need: builds the screens reachable from j's in one tap (as layouts of
 * journeys that hold the guest's choices, never their words) and renders
 * their lines into the text cache, likeliest first, as far as the cache's
 * 6 MiB allow without dropping a line of the shown screen; then warms the
 * glyphs of j's language at the sizes of guest text. One bounded step per
 * call (about 1.5 ms and at most one more line); returns true while there
 * is more to do. Meant for the window's main loop, instead of sleeping
 * while it returns true. Never renders, measures or keeps guest text. */
bool am_ui_idle(am_ui *ui, const am_journey *j);

/* The guest is gone (AM_FX_WIPE): drops cached guest text and resets the
 * keyboard for the next guest. */
void am_ui_forget_guest(am_ui *ui);

am_render *am_ui_renderer(am_ui *ui);
const am_i18n *am_ui_strings(const am_ui *ui);

/* The app's own input events, made from SDL_Event by am_input_from_sdl. */
typedef enum am_input_type {
    AM_IN_NONE = 0,
    AM_IN_PRESS,  /* a finger or the mouse went down at x, y */
    AM_IN_TAP,    /* ... and came up at x, y (output pixels) */
    AM_IN_KEY,    /* key: AM_KEY_* from script.h */
    AM_IN_TEXT,   /* text: typed on a physical keyboard */
    AM_IN_REDRAW, /* exposed or resized: draw again */
    AM_IN_QUIT,
} am_input_type;

typedef struct am_input {
    am_input_type type;
    int x, y;
    int key;
    char text[32];
} am_input;

#endif
