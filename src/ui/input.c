/* input.c — SDL events to am_input, at the edge (see ui_input.h). */
#include "amends/ui_input.h"

#include <SDL.h>
#include <stdio.h>

#include "amends/script.h"

am_input am_input_from_sdl(const SDL_Event *e, int w, int h)
{
    am_input in = {.type = AM_IN_NONE};
    switch (e->type) {
    case SDL_QUIT:
        in.type = AM_IN_QUIT;
        break;
    case SDL_FINGERUP:
        in.type = AM_IN_TAP;
        in.x = (int)(e->tfinger.x * (float)w);
        in.y = (int)(e->tfinger.y * (float)h);
        break;
    case SDL_MOUSEBUTTONUP:
        if (e->button.which == SDL_TOUCH_MOUSEID || e->button.button != SDL_BUTTON_LEFT)
            break;
        in.type = AM_IN_TAP;
        in.x = e->button.x;
        in.y = e->button.y;
        break;
    case SDL_KEYDOWN:
        switch (e->key.keysym.sym) {
        case SDLK_RETURN:
        case SDLK_KP_ENTER:
            in.type = AM_IN_KEY;
            in.key = AM_KEY_RETURN;
            break;
        case SDLK_ESCAPE:
            in.type = AM_IN_KEY;
            in.key = AM_KEY_ESCAPE;
            break;
        case SDLK_BACKSPACE:
            in.type = AM_IN_KEY;
            in.key = AM_KEY_BACKSPACE;
            break;
        case SDLK_TAB:
            in.type = AM_IN_KEY;
            in.key = AM_KEY_TAB;
            break;
        default:
            break;
        }
        break;
    case SDL_TEXTINPUT:
        in.type = AM_IN_TEXT;
        snprintf(in.text, sizeof in.text, "%s", e->text.text);
        break;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_EXPOSED ||
            e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED ||
            e->window.event == SDL_WINDOWEVENT_RESTORED)
            in.type = AM_IN_REDRAW;
        break;
    default:
        break;
    }
    return in;
}
