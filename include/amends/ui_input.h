/* ui_input.h — the edge where SDL events become the app's own am_input
 * (src/ui/input.c). Nothing past this point sees an SDL_Event. */
#ifndef AMENDS_UI_INPUT_H
#define AMENDS_UI_INPUT_H

#include "amends/ui.h"

union SDL_Event;

/* Converts one SDL event for a screen of w x h pixels. Touch and mouse both
 * become AM_IN_PRESS (going down) and AM_IN_TAP (coming up); a mouse event
 * synthesised from a touch is dropped so one finger is one tap. */
am_input am_input_from_sdl(const union SDL_Event *e, int w, int h);

/* How long a press was held, for the manager gesture. Pure: no SDL. */
typedef struct am_press {
    bool down;
    int x, y;      /* where the press began */
    int64_t at_ms; /* when, on the caller's clock */
} am_press;

/* Feeds one input at now_ms. On AM_IN_TAP returns how long the press that
 * ended was held (ms); p->x, p->y keep where it began. -1 for any other
 * input, or a release with no press seen. */
int64_t am_press_track(am_press *p, const am_input *in, int64_t now_ms);

/* True when a press that began at (x0, y0), ended at (x1, y1) and was held
 * held_ms is the hidden manager gesture on layout l: both ends on its
 * "manager" widget (attract only) and held at least [manager]
 * gesture_seconds. */
bool am_press_is_manager_gesture(const am_layout *l, const am_config *cfg, int x0, int y0, int x1,
                                 int y1, int64_t held_ms);

#endif
