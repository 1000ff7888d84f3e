/* ui_input.h — the edge where SDL events become the app's own am_input
 * (src/ui/input.c). Nothing past this point sees an SDL_Event. */
#ifndef AMENDS_UI_INPUT_H
#define AMENDS_UI_INPUT_H

#include "amends/ui.h"

union SDL_Event;

/* Converts one SDL event for a screen of w x h pixels. Touch and mouse both
 * become AM_IN_TAP (on release); a mouse event synthesised from a touch is
 * dropped so one finger is one tap. */
am_input am_input_from_sdl(const union SDL_Event *e, int w, int h);

#endif
